//! MongoDB: connecting (mongodb:// and mongodb+srv:// URLs, the URL's
//! default database honoured), the database tree, document pages that seek
//! on `_id`, counts, writes filtered by a typed `_id`, aggregations and
//! indexes.
//!
//! Documents stay `bson` values. Nothing here reads a whole collection:
//! finds are paged, aggregations capped, and counts run only on demand.
//! Server errors are mapped to meanings by their codes, never their text.

mod aggregate;
mod find;
mod index;
mod tree;
mod write;

pub use aggregate::aggregate;
pub use find::{estimated_count, exact_count, find_page, sample_fields};
pub use index::{create_index, drop_index, indexes};
pub use tree::{collections, databases};
pub use write::{create_collection, delete, drop_collection, insert, replace, update};

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use bson::{Document, doc};
use mongodb::error::{Error, ErrorKind, WriteFailure};
use mongodb::options::ClientOptions;

use super::DriverError;
use super::redis::Timeouts;
use crate::domain::ConnectTarget;
use crate::domain::mongo::{MongoSummary, Topology};
use crate::domain::redis::Probe;

/// A live client for one MongoDB deployment. Cheap to clone: the clones
/// share the driver's connection pool.
#[derive(Clone, Debug)]
pub struct MongoClient {
    client: mongodb::Client,
    /// The database the URL names, if any.
    default_db: Option<String>,
    timeouts: Timeouts,
}

impl MongoClient {
    /// The database the URL names (`mongodb://host/appdb` → `appdb`).
    pub fn default_db(&self) -> Option<&str> {
        self.default_db.as_deref()
    }

    fn database(&self, name: &str) -> mongodb::Database {
        self.client.database(name)
    }

    fn collection(&self, ns: &crate::domain::mongo::Namespace) -> mongodb::Collection<Document> {
        self.client.database(&ns.db).collection(&ns.collection)
    }

    /// Runs an operation that should answer within the response timeout.
    async fn timed<T>(
        &self,
        operation: impl IntoFuture<Output = Result<T, Error>>,
    ) -> Result<T, DriverError> {
        self.timed_for(None, operation).await
    }

    /// Runs an operation bounded by the server's maxTimeMS: the response
    /// timeout starts counting once that time is up.
    async fn timed_for<T>(
        &self,
        max_time_ms: Option<u64>,
        operation: impl IntoFuture<Output = Result<T, Error>>,
    ) -> Result<T, DriverError> {
        let limit = self.timeouts.response + millis(max_time_ms.unwrap_or(0));
        match tokio::time::timeout(limit, operation.into_future()).await {
            Ok(result) => result.map_err(map_error),
            Err(_) => Err(DriverError::Timeout),
        }
    }

    /// Runs a command on a database within the response timeout.
    async fn command(&self, db: &str, command: Document) -> Result<Document, DriverError> {
        self.timed(self.database(db).run_command(command)).await
    }
}

/// Opens a client and checks that the server answers and accepts the
/// credentials, so a bad password shows at once rather than on first use.
pub async fn connect(
    target: &ConnectTarget,
    timeouts: Timeouts,
) -> Result<MongoClient, DriverError> {
    let parse = ClientOptions::parse(target.url.as_str()).into_future();
    let mut options = tokio::time::timeout(timeouts.connect, parse)
        .await
        .map_err(|_| DriverError::Timeout)?
        .map_err(map_error)?;
    if let (Some(password), Some(credential)) = (&target.password, options.credential.as_mut()) {
        credential.password = Some(password.expose().to_owned());
    }
    options.app_name = Some("dbdeck".into());
    options.connect_timeout = Some(timeouts.connect);
    options.server_selection_timeout = Some(timeouts.connect);
    let default_db = options.default_database.clone();
    let client = mongodb::Client::with_options(options).map_err(map_error)?;
    let client = MongoClient {
        client,
        default_db,
        timeouts,
    };
    client.command("admin", doc! { "ping": 1 }).await?;
    Ok(client)
}

/// Version, topology and memory for `conn test`; the latency is a ping's
/// round trip. Memory needs serverStatus, which a user may be denied.
pub async fn summary(client: &MongoClient) -> Result<MongoSummary, DriverError> {
    let started = Instant::now();
    client.command("admin", doc! { "ping": 1 }).await?;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;

    let hello = client.command("admin", doc! { "hello": 1 }).await?;
    let build = client.command("admin", doc! { "buildInfo": 1 }).await;
    let version = match build.as_ref().map(|b| b.get_str("version")) {
        Ok(Ok(version)) => Probe::Known(version.to_owned()),
        _ => Probe::Unavailable,
    };
    let status = client.command("admin", doc! { "serverStatus": 1 }).await;
    let used_memory = status
        .ok()
        .and_then(|s| s.get_document("mem").ok().and_then(resident_bytes))
        .map_or(Probe::Unavailable, Probe::Known);
    Ok(MongoSummary {
        latency_ms,
        version,
        topology: topology(&hello),
        used_memory,
    })
}

/// serverStatus reports resident memory in MiB (`mem.resident`). The test
/// stand-in answers in bytes under the same name, so a figure beyond any
/// real machine's MiB (16 TiB) is taken as bytes already.
fn resident_bytes(mem: &Document) -> Option<u64> {
    let mib = match mem.get("resident")? {
        bson::Bson::Int32(n) => i64::from(*n),
        bson::Bson::Int64(n) => *n,
        bson::Bson::Double(n) => *n as i64,
        _ => return None,
    };
    let mib = u64::try_from(mib).ok()?;
    Some(if mib > 1 << 24 {
        mib
    } else {
        mib * 1024 * 1024
    })
}

/// How `hello` describes the deployment.
fn topology(hello: &Document) -> Topology {
    if hello.get_str("msg").is_ok_and(|msg| msg == "isdbgrid") {
        Topology::Sharded
    } else if let Ok(name) = hello.get_str("setName") {
        Topology::ReplicaSet {
            name: name.to_owned(),
        }
    } else {
        Topology::Standalone
    }
}

/// Maps a driver error to what it means for the user.
pub(crate) fn map_error(error: Error) -> DriverError {
    match error.kind.as_ref() {
        ErrorKind::Authentication { message, .. } => DriverError::AuthFailed(message.clone()),
        ErrorKind::ServerSelection { message, .. }
        | ErrorKind::DnsResolve { message, .. }
        | ErrorKind::ConnectionPoolCleared { message, .. } => {
            DriverError::Unavailable(message.clone())
        }
        ErrorKind::Io(io) => DriverError::Unavailable(io.to_string()),
        ErrorKind::InvalidArgument { message, .. } => DriverError::InvalidInput(message.clone()),
        ErrorKind::BsonSerialization(_)
        | ErrorKind::BsonDeserialization(_)
        | ErrorKind::Bson(_) => DriverError::InvalidInput(error.to_string()),
        ErrorKind::Command(command) => by_code(command.code, &command.message),
        ErrorKind::Write(WriteFailure::WriteError(write)) => by_code(write.code, &write.message),
        // A reply with `ok: 0` but no error code (some wire-compatible
        // servers, the test stand-in among them, refuse names this way)
        // fails to parse as a command error: it is still a refusal of what
        // was asked, not a broken server.
        ErrorKind::InvalidResponse { message, .. } if message.contains("command error") => {
            DriverError::InvalidInput("the server refused the command without saying why".into())
        }
        _ => DriverError::Server(error.to_string()),
    }
}

/// Server error codes, from MongoDB's error_codes.yml.
fn by_code(code: i32, message: &str) -> DriverError {
    let text = || message.to_owned();
    match code {
        // Unauthorized
        13 => DriverError::NotPermitted(text()),
        // AuthenticationFailed
        18 => DriverError::AuthFailed(text()),
        // MaxTimeMSExpired
        50 => DriverError::Timeout,
        // DuplicateKey: a conflict with a document already there (409 over
        // the API), not a malformed request.
        11000 => DriverError::AlreadyExists,
        // NamespaceNotFound, IndexNotFound
        26 | 27 => DriverError::Missing(text()),
        // BadValue, FailedToParse, TypeMismatch, InvalidOptions,
        // IndexOptionsConflict, IndexKeySpecsConflict, NamespaceExists,
        // InvalidNamespace, and the aggregation parser's codes (unknown
        // stage, unknown operator, invalid pipeline operator).
        2 | 9 | 14 | 48 | 72 | 73 | 85 | 86 | 168 | 15952 | 16410 | 17276 | 40323 | 40324
        | 31249 | 31254 => DriverError::InvalidInput(text()),
        // NotWritablePrimary, NotPrimaryNoSecondaryOk, HostUnreachable,
        // ShutdownInProgress, InterruptedAtShutdown.
        6 | 10107 | 13435 | 91 | 11600 => DriverError::Unavailable(text()),
        _ => DriverError::Server(text()),
    }
}

/// A duration in milliseconds, for maxTimeMS options.
fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_names_the_topology() {
        assert_eq!(topology(&doc! {"msg": "isdbgrid"}), Topology::Sharded);
        assert_eq!(
            topology(&doc! {"setName": "rs0", "isWritablePrimary": true}),
            Topology::ReplicaSet { name: "rs0".into() }
        );
        assert_eq!(
            topology(&doc! {"isWritablePrimary": true}),
            Topology::Standalone
        );
    }

    #[test]
    fn resident_memory_is_read_in_mebibytes() {
        assert_eq!(
            resident_bytes(&doc! {"resident": 30}),
            Some(30 * 1024 * 1024)
        );
        assert_eq!(
            resident_bytes(&doc! {"resident": 31_604_736_i64}),
            Some(31_604_736)
        );
        assert_eq!(resident_bytes(&doc! {"resident": "x"}), None);
    }

    #[test]
    fn codes_map_to_meanings() {
        assert_eq!(by_code(13, "no"), DriverError::NotPermitted("no".into()));
        assert_eq!(by_code(50, "slow"), DriverError::Timeout);
        assert_eq!(by_code(26, "ns"), DriverError::Missing("ns".into()));
        assert_eq!(by_code(2, "bad"), DriverError::InvalidInput("bad".into()));
        assert_eq!(by_code(11000, "dup"), DriverError::AlreadyExists);
        assert_eq!(by_code(1, "x"), DriverError::Server("x".into()));
    }
}
