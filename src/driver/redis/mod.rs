//! Redis: connecting (one server over TCP, TLS or a unix socket, or a whole
//! Redis Cluster), scanning keys with their metadata, reading values page
//! by page, and the writes the browser offers, one key or in bulk.
//!
//! Keys and values stay bytes. Metadata columns a server will not answer
//! (ACL denial, a renamed command) come back as `Probe::Unavailable` instead
//! of failing the page. This module never runs KEYS and never reads a whole
//! collection or a whole string: everything is paged or capped.

mod bulk;
mod cluster;
mod endpoint;
mod keys;
mod members;
pub mod pubsub;
mod server;
mod value;
mod write;

pub use bulk::{BulkProgress, bulk_apply, bulk_preview};
pub use keys::{key_infos, scan_page};
pub use members::{MAX_ITEMS, edit_members};
pub use server::{
    clients, databases, info, parse_client_list, parse_info, parse_sections, server_panel,
    server_summary, slowlog,
};
pub use value::read_value;
pub use write::{
    MAX_EXPIRE_SECS, copy, create_key, create_string, delete, expire, persist, rename, set_string,
};

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::{
    Cmd, ConnectionInfo, ErrorKind, FromRedisValue, Pipeline, RedisError, TlsCertificates, Value,
};

use cluster::Cluster;
use endpoint::Endpoint;

use super::DriverError;
use crate::domain::ConnectTarget;
use crate::domain::redis::Probe;

/// How long to wait for a connection and for each reply.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub connect: Duration,
    pub response: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            response: Duration::from_secs(10),
        }
    }
}

/// A live client for one database of one Redis server, or for a whole
/// Redis Cluster. Cheap to clone: the clones share one multiplexed
/// connection (one per node in a cluster) that reconnects on its own.
#[derive(Clone)]
pub struct RedisClient {
    conn: Connection,
}

#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(Cluster),
}

/// The database a URL names (`redis://host/3` → 3), or 0.
pub fn url_database(url: &str) -> u32 {
    Endpoint::parse(url)
        .and_then(|endpoint| endpoint.info())
        .ok()
        .and_then(|info| u32::try_from(info.redis_settings().db()).ok())
        .unwrap_or(0)
}

/// Opens a client on database `db` of the target's server. A server with
/// cluster mode enabled gets a cluster client, which only has database 0.
pub async fn connect(
    target: &ConnectTarget,
    db: u32,
    timeouts: Timeouts,
) -> Result<RedisClient, DriverError> {
    let (endpoint, info, certificates) = prepare(target)?;
    let explain = |error| explain_tls(&endpoint, error);

    // Database 0 exists in both modes, so the probe can always select it.
    let probe = single(info.clone(), &certificates, 0, timeouts)
        .await
        .map_err(explain)?;
    if !is_cluster_node(&probe).await? {
        let conn = match db {
            0 => probe,
            _ => single(info, &certificates, db, timeouts)
                .await
                .map_err(explain)?,
        };
        return Ok(RedisClient {
            conn: Connection::Single(conn),
        });
    }
    if db != 0 {
        return Err(DriverError::InvalidInput(format!(
            "this server is part of a Redis Cluster, which has only database 0 (asked for {db})"
        )));
    }
    let mut builder = ClusterClientBuilder::new([info])
        .connection_timeout(timeouts.connect)
        .response_timeout(timeouts.response)
        .retries(1);
    if let Some(certificates) = certificates {
        builder = builder.certs(certificates);
    }
    let client = builder.build().map_err(map_error)?;
    let conn = client
        .get_async_connection()
        .await
        .map_err(|e| explain(map_error(e)))?;
    Ok(RedisClient {
        conn: Connection::Cluster(Cluster::new(conn).await?),
    })
}

/// The target's endpoint, its connection info with the user's password,
/// and its TLS files, read.
fn prepare(
    target: &ConnectTarget,
) -> Result<(Endpoint, ConnectionInfo, Option<TlsCertificates>), DriverError> {
    let endpoint = Endpoint::parse(&target.url)?;
    let info = endpoint.info()?;
    let mut settings = info.redis_settings().clone().set_skip_set_lib_name();
    if let Some(password) = &target.password {
        settings = settings.set_password(password.expose());
    }
    let info = info.set_redis_settings(settings);
    let certificates = endpoint.certificates()?;
    Ok((endpoint, info, certificates))
}

/// A redis crate client for the server the target names (its URL's
/// database, TLS files and password), for connections of their own such
/// as a subscriber's.
fn server_client(target: &ConnectTarget) -> Result<redis::Client, DriverError> {
    let (_, info, certificates) = prepare(target)?;
    client_of(info, &certificates)
}

fn client_of(
    info: ConnectionInfo,
    certificates: &Option<TlsCertificates>,
) -> Result<redis::Client, DriverError> {
    match certificates {
        Some(certificates) => redis::Client::build_with_tls(info, certificates.clone()),
        None => redis::Client::open(info),
    }
    .map_err(map_error)
}

/// A connection manager on database `db` of one server.
async fn single(
    info: ConnectionInfo,
    certificates: &Option<TlsCertificates>,
    db: u32,
    timeouts: Timeouts,
) -> Result<ConnectionManager, DriverError> {
    let settings = info.redis_settings().clone().set_db(i64::from(db));
    let info = info.set_redis_settings(settings);
    let client = client_of(info, certificates)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeouts.connect))
        .set_response_timeout(Some(timeouts.response))
        .set_number_of_retries(1);
    ConnectionManager::new_with_config(client, config)
        .await
        .map_err(map_error)
}

/// Says what to do when a TLS handshake failed on the server's certificate.
fn explain_tls(endpoint: &Endpoint, error: DriverError) -> DriverError {
    let DriverError::Unavailable(message) = &error else {
        return error;
    };
    // rustls's words for a server certificate it cannot verify; a refused
    // client certificate reads differently and keeps its own message.
    let untrusted = ["invalid peer certificate", "UnknownIssuer"]
        .iter()
        .any(|words| message.contains(words));
    if !untrusted || endpoint.insecure {
        return error;
    }
    let hint = match endpoint.ca {
        Some(_) => "check that tls_ca names the CA that signed the server's certificate",
        None => {
            "give the CA that signed it with ?tls_ca=/path/ca.pem, or skip \
                 verification (test servers only) with ?tls_insecure=true"
        }
    };
    DriverError::Unavailable(format!(
        "the server's TLS certificate is not trusted ({message}): {hint}"
    ))
}

/// Whether INFO says `cluster_enabled:1`. A server that refuses INFO (a
/// restricted ACL user) is taken as a single server.
async fn is_cluster_node(conn: &ConnectionManager) -> Result<bool, DriverError> {
    let mut conn = conn.clone();
    let reply: Result<String, RedisError> = redis::cmd("INFO")
        .arg("cluster")
        .query_async(&mut conn)
        .await;
    match reply {
        Ok(text) => Ok(parse_info(&text).get("cluster_enabled").map(String::as_str) == Some("1")),
        Err(error) if error.code() == Some("NOPERM") => Ok(false),
        Err(error) => Err(map_error(error)),
    }
}

impl RedisClient {
    /// Whether this client talks to a Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.conn, Connection::Cluster(_))
    }

    fn cluster(&self) -> Option<&Cluster> {
        match &self.conn {
            Connection::Single(_) => None,
            Connection::Cluster(cluster) => Some(cluster),
        }
    }

    /// Runs one command. In a cluster, the redis crate sends a command with
    /// keys to the node owning them; keyless commands go to any node.
    async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, DriverError> {
        match &self.conn {
            Connection::Single(conn) => cmd.query_async(&mut conn.clone()).await,
            Connection::Cluster(cluster) => cmd.query_async(&mut cluster.conn.clone()).await,
        }
        .map_err(map_error)
    }

    /// Runs a pipeline where each command may fail on its own; the failures
    /// come back as `Value::ServerError` in their slots. In a cluster every
    /// command with a key must name a key of the same slot.
    async fn pipeline(&self, pipe: &mut Pipeline) -> Result<Vec<Value>, DriverError> {
        let pipe = pipe.ignore_errors();
        match &self.conn {
            Connection::Single(conn) => pipe.query_async(&mut conn.clone()).await,
            Connection::Cluster(cluster) => pipe.query_async(&mut cluster.conn.clone()).await,
        }
        .map_err(map_error)
    }

    /// Runs `per_key` commands for each key, built by `build`, and answers
    /// their replies in key order: one pipeline on a single server, one
    /// pipeline per owning primary in a cluster.
    async fn per_key<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        per_key: usize,
        build: impl Fn(&mut Pipeline, &[u8]),
    ) -> Result<Vec<Value>, DriverError> {
        match &self.conn {
            Connection::Single(_) => {
                let mut pipe = redis::pipe();
                for key in keys {
                    build(&mut pipe, key.as_ref());
                }
                self.pipeline(&mut pipe).await
            }
            Connection::Cluster(cluster) => cluster.per_key(keys, per_key, build).await,
        }
    }

    /// Runs one command over many keys (UNLINK), never across slots: one
    /// command on a single server, one per hash slot in a cluster. Answers
    /// each command's reply.
    async fn per_slot<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        build: impl Fn(&mut Pipeline, &[&[u8]]),
    ) -> Result<Vec<Value>, DriverError> {
        match &self.conn {
            Connection::Single(_) => {
                let all: Vec<&[u8]> = keys.iter().map(AsRef::as_ref).collect();
                let mut pipe = redis::pipe();
                build(&mut pipe, &all);
                self.pipeline(&mut pipe).await
            }
            Connection::Cluster(cluster) => cluster.per_slot(keys, build).await,
        }
    }

    /// Runs a keyless command on every primary (or the one server), for
    /// sums such as DBSIZE.
    async fn on_primaries(&self, cmd: &Cmd) -> Result<Vec<Value>, DriverError> {
        match &self.conn {
            Connection::Single(_) => Ok(vec![self.query(cmd).await?]),
            Connection::Cluster(cluster) => cluster.on_primaries(cmd).await,
        }
    }
}

/// Maps a client error to what it means for the user.
fn map_error(error: RedisError) -> DriverError {
    let message = server_message(&error);
    match error.code() {
        Some("WRONGTYPE") => return DriverError::WrongType(message),
        Some("NOPERM") => return DriverError::NotPermitted(message),
        Some("NOAUTH" | "WRONGPASS") => return DriverError::AuthFailed(message),
        _ => {}
    }
    if error.is_timeout() {
        DriverError::Timeout
    } else if error.kind() == ErrorKind::AuthenticationFailed {
        DriverError::AuthFailed(message)
    } else if error.kind() == ErrorKind::Parse {
        DriverError::Unavailable(
            "the server does not speak the Redis protocol; is this a Redis port?".into(),
        )
    } else if error.is_io_error() || error.is_connection_refusal() || error.is_connection_dropped()
    {
        DriverError::Unavailable(error.to_string())
    } else {
        DriverError::Server(message)
    }
}

/// The server's own words for an error, without the client's wrapping:
/// "DB index is out of range", or "BUSYKEY Target key name already exists".
fn server_message(error: &RedisError) -> String {
    match (error.code(), error.detail()) {
        (Some("ERR") | None, Some(detail)) => detail.to_owned(),
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        _ => error.to_string(),
    }
}

/// Maps an error a server wrote into one pipeline slot.
fn slot_error(value: &Value) -> Option<DriverError> {
    match value {
        Value::ServerError(error) => Some(map_error(error.clone().into())),
        _ => None,
    }
}

fn decode<T: FromRedisValue>(value: Value) -> Result<T, DriverError> {
    if let Some(error) = slot_error(&value) {
        return Err(error);
    }
    T::from_redis_value(value).map_err(|e| DriverError::Server(format!("unexpected reply: {e}")))
}

fn probe<T>(value: Option<T>) -> Probe<T> {
    value.map_or(Probe::Unavailable, Probe::Known)
}
