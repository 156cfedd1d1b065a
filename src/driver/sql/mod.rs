//! SQL databases (PostgreSQL and SQLite): connecting, the schema tree, table
//! pages, and running statements with a row cap and a real cancel.
//!
//! PostgreSQL statements run over the simple query protocol, so every value
//! arrives in the server's own text form (numeric with all its digits,
//! timestamptz with its zone, bytea as `\x…`), exactly as psql shows it.
//! SQLite values are read by their storage class. Read-only profiles are
//! enforced by the database: a read-only transaction on PostgreSQL, a
//! read-only open on SQLite; never by looking at keywords.

mod decode;
mod query;
mod rows;
mod schema;

pub use query::{RowSink, run_in_transaction, run_statement, stream_statement};
pub use rows::read_rows;
pub use schema::{relations, schemas, table_details};

use std::str::FromStr as _;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Connection as _, PgPool, Row as _, SqlitePool};

use super::DriverError;
use crate::domain::redis::{Probe, ServerSummary};
use crate::domain::sql::TableRef;
use crate::domain::sql_write::Dialect;
use crate::domain::{ConnectTarget, Kind};

/// A live pool for one SQL database, with the primary keys it has looked
/// up. Cheap to clone; the clones share both.
#[derive(Clone, Debug)]
pub struct SqlClient {
    pool: Pool,
    keys: moka::future::Cache<TableRef, Vec<String>>,
}

/// The pool of one kind of database.
#[derive(Clone, Debug)]
enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// How long a looked-up primary key is trusted before it is read again.
const PRIMARY_KEY_TTL: Duration = Duration::from_secs(30);

impl SqlClient {
    fn new(pool: Pool) -> Self {
        let keys = moka::future::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(PRIMARY_KEY_TTL)
            .build();
        Self { pool, keys }
    }

    pub fn dialect(&self) -> Dialect {
        match self.pool {
            Pool::Postgres(_) => Dialect::Postgres,
            Pool::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// A primary key looked up less than `PRIMARY_KEY_TTL` ago.
    pub(crate) async fn cached_key(&self, table: &TableRef) -> Option<Vec<String>> {
        self.keys.get(table).await
    }

    pub(crate) async fn remember_key(&self, table: &TableRef, key: &[String]) {
        self.keys.insert(table.clone(), key.to_vec()).await;
    }
}

/// Opens a pool for a PostgreSQL or SQLite profile, waiting at most
/// `timeout` for a connection.
pub async fn connect(target: &ConnectTarget, timeout: Duration) -> Result<SqlClient, DriverError> {
    match target.kind {
        Kind::Postgres => connect_postgres(target, timeout).await,
        Kind::Sqlite => connect_sqlite(target, timeout).await,
        other => Err(DriverError::InvalidInput(format!(
            "{other} is not an SQL connection"
        ))),
    }
}

async fn connect_postgres(
    target: &ConnectTarget,
    timeout: Duration,
) -> Result<SqlClient, DriverError> {
    let mut options = PgConnectOptions::from_str(&target.url)
        .map_err(|e| DriverError::InvalidInput(format!("invalid PostgreSQL URL: {e}")))?
        .application_name("dbdeck");
    if let Some(password) = &target.password {
        options = options.password(password.expose());
    }
    // Keyset literals are written for standard strings, where a backslash
    // is an ordinary character.
    options = options.options([("standard_conforming_strings", "on")]);
    if target.read_only {
        // Statements also run in read-only transactions; this covers the
        // catalog and page reads too.
        options = options.options([("default_transaction_read_only", "on")]);
    }
    // A dead connection shows on use and the session reconnects, so no
    // round trip is spent testing each one as it leaves the pool.
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .test_before_acquire(false)
        .acquire_timeout(timeout)
        .connect_with(options)
        .await
        .map_err(map_error)?;
    Ok(SqlClient::new(Pool::Postgres(pool)))
}

async fn connect_sqlite(
    target: &ConnectTarget,
    timeout: Duration,
) -> Result<SqlClient, DriverError> {
    let options = SqliteConnectOptions::from_str(&target.url)
        .map_err(|e| DriverError::InvalidInput(format!("invalid SQLite path: {e}")))?
        .create_if_missing(false)
        .read_only(target.read_only)
        .busy_timeout(timeout);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(timeout)
        .connect_with(options)
        .await
        .map_err(map_error)?;
    Ok(SqlClient::new(Pool::Sqlite(pool)))
}

/// The server's version and the database's size, for `conn test`; the
/// latency is that query's round trip.
pub async fn summary(client: &SqlClient) -> Result<ServerSummary, DriverError> {
    let started = Instant::now();
    let (mode, version, size) = match &client.pool {
        Pool::Postgres(pool) => {
            let row = sqlx::query(
                "SELECT 'PostgreSQL ' || current_setting('server_version'), \
                 pg_database_size(current_database())::bigint",
            )
            .fetch_one(pool)
            .await
            .map_err(map_error)?;
            ("postgres", row.try_get(0), row.try_get::<i64, _>(1))
        }
        Pool::Sqlite(pool) => {
            let row = sqlx::query(
                "SELECT 'SQLite ' || sqlite_version(), \
                 (SELECT page_count FROM pragma_page_count()) * \
                 (SELECT page_size FROM pragma_page_size())",
            )
            .fetch_one(pool)
            .await
            .map_err(map_error)?;
            ("sqlite", row.try_get(0), row.try_get::<i64, _>(1))
        }
    };
    let latency_ms = started.elapsed().as_secs_f64() * 1_000.0;
    let size = size.ok().and_then(|n| u64::try_from(n).ok());
    Ok(ServerSummary {
        latency_ms,
        version: Probe::Known(version.map_err(map_error)?),
        mode: Probe::Known(mode.to_owned()),
        used_memory: Probe::Unavailable,
        dbsize: Probe::Unavailable,
        database_size: size.map_or(Probe::Unavailable, Probe::Known),
    })
}

/// Creates an SQLite database file at `path` by running `script`, one
/// statement at a time. A file already there is left alone.
pub async fn create_sqlite_database(
    path: &std::path::Path,
    script: &str,
) -> Result<(), DriverError> {
    if path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            DriverError::InvalidInput(format!("cannot create {}: {e}", dir.display()))
        })?;
    }
    // Built under a temporary name, so a run cut short leaves no half
    // database behind to be mistaken for a finished one.
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let options = SqliteConnectOptions::new()
        .filename(&partial)
        .create_if_missing(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .map_err(map_error)?;
    for statement in crate::domain::statements::split(script) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.text))
            .execute(&mut conn)
            .await
            .map_err(map_error)?;
    }
    conn.close().await.map_err(map_error)?;
    std::fs::rename(&partial, path)
        .map_err(|e| DriverError::InvalidInput(format!("cannot write {}: {e}", path.display())))
}

/// Maps an sqlx error to what it means for the user. The database's own
/// message is kept (it names the table or column at fault) but never the
/// connection string.
fn map_error(error: sqlx::Error) -> DriverError {
    match error {
        sqlx::Error::Database(db) => map_database_error(db.as_ref()),
        sqlx::Error::PoolTimedOut => DriverError::Timeout,
        sqlx::Error::Io(io) => DriverError::Unavailable(io.to_string()),
        sqlx::Error::Tls(tls) => DriverError::Unavailable(format!("TLS: {tls}")),
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            DriverError::Unavailable("the connection closed".into())
        }
        sqlx::Error::RowNotFound => DriverError::NotFound,
        sqlx::Error::Configuration(e) => DriverError::InvalidInput(e.to_string()),
        other => DriverError::Server(other.to_string()),
    }
}

/// PostgreSQL SQLSTATE classes and SQLite result codes, by meaning.
fn map_database_error(db: &dyn sqlx::error::DatabaseError) -> DriverError {
    let message = db.message().to_owned();
    if !matches!(db.kind(), sqlx::error::ErrorKind::Other) {
        // A unique, foreign key, NOT NULL or CHECK constraint said no.
        return DriverError::InvalidInput(message);
    }
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    match code.as_str() {
        "57014" => DriverError::Cancelled,
        "25006" => DriverError::ReadOnly,
        "28000" | "28P01" => DriverError::AuthFailed(message),
        "42501" => DriverError::NotPermitted(message),
        // An undefined database, table or schema: the statement names
        // something that is not there.
        "3D000" | "42P01" | "3F000" => DriverError::Missing(message),
        // SQLite: SQLITE_READONLY (8) and its extended codes.
        "8" | "264" | "520" | "776" | "1032" | "1288" | "1544" => DriverError::ReadOnly,
        // SQLite: SQLITE_INTERRUPT.
        "9" => DriverError::Cancelled,
        // SQLite: SQLITE_ERROR, its answer to a statement it cannot run
        // (a typo, a missing table or column).
        "1" if message.starts_with("no such table") => DriverError::Missing(message),
        "1" => DriverError::InvalidInput(message),
        _ if code.starts_with("08") => DriverError::Unavailable(message),
        // Syntax and access rules, bad data, limits (such as chr(0)).
        _ if ["42", "22", "54", "0A"]
            .iter()
            .any(|class| code.starts_with(class)) =>
        {
            DriverError::InvalidInput(message)
        }
        _ => DriverError::Server(message),
    }
}
