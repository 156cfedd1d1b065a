//! Redis: connecting, scanning keys with their metadata, reading values page
//! by page, and the writes the browser offers.
//!
//! Keys and values stay bytes. Metadata columns a server will not answer
//! (ACL denial, a renamed command) come back as `Probe::Unavailable` instead
//! of failing the page. This module never runs KEYS and never reads a whole
//! collection or a whole string: everything is paged or capped.

mod keys;
mod server;
mod value;
mod write;

pub use keys::{key_infos, scan_page};
pub use server::{databases, info, parse_info, parse_sections, server_summary, slowlog};
pub use value::read_value;
pub use write::{MAX_EXPIRE_SECS, create_string, delete, expire, persist, set_string};

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, ErrorKind, FromRedisValue, IntoConnectionInfo, Pipeline, RedisError, Value};

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

/// A live client for one database of one Redis server. Cheap to clone: the
/// clones share one multiplexed connection that reconnects on its own.
#[derive(Clone)]
pub struct RedisClient {
    conn: ConnectionManager,
}

/// The database a URL names (`redis://host/3` → 3), or 0.
pub fn url_database(url: &str) -> u32 {
    url.into_connection_info()
        .ok()
        .and_then(|info| u32::try_from(info.redis_settings().db()).ok())
        .unwrap_or(0)
}

/// Opens a client on database `db` of the target's server.
pub async fn connect(
    target: &ConnectTarget,
    db: u32,
    timeouts: Timeouts,
) -> Result<RedisClient, DriverError> {
    let info = target
        .url
        .as_str()
        .into_connection_info()
        .map_err(|e| DriverError::InvalidInput(format!("invalid Redis URL: {e}")))?;
    let mut settings = info
        .redis_settings()
        .clone()
        .set_db(i64::from(db))
        .set_skip_set_lib_name();
    if let Some(password) = &target.password {
        settings = settings.set_password(password.expose());
    }
    let client = redis::Client::open(info.set_redis_settings(settings)).map_err(map_error)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeouts.connect))
        .set_response_timeout(Some(timeouts.response))
        .set_number_of_retries(1);
    let conn = ConnectionManager::new_with_config(client, config)
        .await
        .map_err(map_error)?;
    Ok(RedisClient { conn })
}

impl RedisClient {
    async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, DriverError> {
        let mut conn = self.conn.clone();
        cmd.query_async(&mut conn).await.map_err(map_error)
    }

    /// Runs a pipeline where each command may fail on its own; the failures
    /// come back as `Value::ServerError` in their slots.
    async fn pipeline(&self, pipe: &mut Pipeline) -> Result<Vec<Value>, DriverError> {
        let mut conn = self.conn.clone();
        pipe.ignore_errors()
            .query_async(&mut conn)
            .await
            .map_err(map_error)
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
