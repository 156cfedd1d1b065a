//! Running one statement with a row cap, and cancelling it for real (case
//! B32): dropping the future stops the statement on the server
//! (`pg_cancel_backend` through another connection, finding the backend by
//! a tag comment the statement carries; SQLite's progress handler), then
//! the connection is brought back to a clean state before anyone else can
//! take it from the pool.

use std::hash::BuildHasher as _;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use futures::TryStreamExt as _;
use futures::stream::BoxStream;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgQueryResult;
use sqlx::sqlite::SqliteQueryResult;
use sqlx::{AssertSqlSafe, Either, PgPool, Postgres, Sqlite, SqlitePool};

use super::decode::{columns, pg_cells, sqlite_cells};
use super::{Pool, SqlClient, map_error};
use crate::domain::sql::{Cell, Column, QueryResult};
use crate::domain::statements;
use crate::driver::DriverError;

/// How SQLite checks for a cancel: every this many virtual machine steps.
const SQLITE_CANCEL_CHECK_OPS: i32 = 10_000;

/// Where a statement's rows go as they arrive.
pub trait RowSink: Send {
    fn columns(&mut self, columns: Vec<Column>) -> Result<(), DriverError>;
    /// Takes one row; `false` stops reading (the statement is cancelled).
    fn row(&mut self, cells: Vec<Cell>) -> Result<bool, DriverError>;
    fn affected(&mut self, rows: u64);
}

/// Keeps at most `cap` rows and notes whether there were more.
struct Collect {
    cap: usize,
    result: QueryResult,
}

impl RowSink for Collect {
    fn columns(&mut self, columns: Vec<Column>) -> Result<(), DriverError> {
        self.result.columns = columns;
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> Result<bool, DriverError> {
        if self.result.rows.len() == self.cap {
            self.result.truncated = true;
            return Ok(false);
        }
        self.result.rows.push(cells);
        Ok(true)
    }

    fn affected(&mut self, rows: u64) {
        self.result.rows_affected += rows;
    }
}

/// Runs one statement and returns at most `cap` rows. With `read_only`,
/// PostgreSQL runs it in a read-only transaction that is rolled back and
/// SQLite under `query_only`, so the database refuses any write.
pub async fn run_statement(
    client: &SqlClient,
    sql: &str,
    cap: usize,
    read_only: bool,
) -> Result<QueryResult, DriverError> {
    let mut collect = Collect {
        cap,
        result: QueryResult {
            columns: Vec::new(),
            rows: Vec::new(),
            truncated: false,
            rows_affected: 0,
        },
    };
    stream_statement(client, sql, read_only, &mut collect).await?;
    Ok(collect.result)
}

/// Runs one statement and hands every row to `sink` as it arrives, never
/// holding more than one; `read_only` as for `run_statement`.
///
/// Text holding several statements is refused: a second statement could
/// end the read-only transaction (`COMMIT; DELETE …`).
pub async fn stream_statement(
    client: &SqlClient,
    sql: &str,
    read_only: bool,
    sink: &mut dyn RowSink,
) -> Result<(), DriverError> {
    // Neither engine takes a NUL in statement text (SQLite's prepare
    // stops at it and can leave the driver waiting), so say so up front.
    if sql.contains('\0') {
        return Err(DriverError::InvalidInput(
            "a statement cannot contain a NUL character (\0)".into(),
        ));
    }
    match statements::split(sql).len() {
        0 => return Err(DriverError::InvalidInput("nothing to run".into())),
        1 => {}
        n => {
            return Err(DriverError::InvalidInput(format!(
                "{n} statements: run one statement at a time"
            )));
        }
    }
    if statements::copies_with_client(sql) {
        return Err(DriverError::InvalidInput(
            "COPY to or from the client is not supported here: \
             use dbdeck export (or x in the grid), or COPY to a server file"
                .into(),
        ));
    }
    match &client.pool {
        Pool::Postgres(pool) => run_postgres(pool, sql, read_only, sink).await,
        Pool::Sqlite(pool) => run_sqlite(pool, sql, read_only, sink).await,
    }
}

/// A PostgreSQL connection running a statement. The statement carries a
/// tag comment that finds its backend in `pg_stat_activity` when it must be
/// cancelled, which saves asking for the backend's pid on every statement.
/// If this is dropped before `finish`, the statement is cancelled on the
/// server and the connection drained and rolled back in the background
/// before it returns to the pool.
struct PgBackend {
    conn: Option<PoolConnection<Postgres>>,
    pool: PgPool,
    tag: String,
}

impl PgBackend {
    async fn open(pool: &PgPool) -> Result<Self, DriverError> {
        let conn = pool.acquire().await.map_err(map_error)?;
        Ok(Self {
            conn: Some(conn),
            pool: pool.clone(),
            tag: statement_tag(),
        })
    }

    fn conn(&mut self) -> Result<&mut PoolConnection<Postgres>, DriverError> {
        self.conn
            .as_mut()
            .ok_or_else(|| DriverError::Server("the connection was released".into()))
    }

    /// The statement as sent: its tag, then the user's text untouched.
    fn tagged(&self, sql: &str) -> String {
        format!("{}\n{sql}", self.tag)
    }

    /// Stops the statement, waits for the server to say it has, and
    /// returns the connection to the pool outside any transaction.
    async fn cancel_and_release(pool: PgPool, tag: String, mut conn: PoolConnection<Postgres>) {
        let cancelled = sqlx::query(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity \
             WHERE pid <> pg_backend_pid() AND left(query, length($1)) = $1",
        )
        .bind(&tag)
        .execute(&pool)
        .await;
        if let Err(error) = cancelled {
            tracing::warn!(%error, "could not cancel a statement; closing its connection");
            conn.close_on_drop();
            return;
        }
        // Reading the reply of this drains whatever the cancelled statement
        // still had in flight.
        if sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await.is_err() {
            conn.close_on_drop();
        }
    }

    /// Releases the connection, cancelling what it still runs.
    async fn finish(mut self, still_running: bool) {
        let Some(conn) = self.conn.take() else { return };
        if still_running {
            let tag = std::mem::take(&mut self.tag);
            Self::cancel_and_release(self.pool.clone(), tag, conn).await;
        }
    }
}

impl Drop for PgBackend {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let (pool, tag) = (self.pool.clone(), std::mem::take(&mut self.tag));
        tracing::debug!(%tag, "cancelling a statement");
        tokio::spawn(Self::cancel_and_release(pool, tag, conn));
    }
}

/// A comment no other statement starts with: this process, a random
/// number drawn once, and a counter.
fn statement_tag() -> String {
    static SALT: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let salt = SALT.get_or_init(|| std::hash::RandomState::new().hash_one(std::process::id()));
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("/* dbdeck {}-{salt:016x}-{n} */", std::process::id())
}

async fn run_postgres(
    pool: &PgPool,
    sql: &str,
    read_only: bool,
    sink: &mut dyn RowSink,
) -> Result<(), DriverError> {
    let mut backend = PgBackend::open(pool).await?;
    if read_only {
        sqlx::raw_sql("BEGIN TRANSACTION READ ONLY")
            .execute(&mut **backend.conn()?)
            .await
            .map_err(map_error)?;
    }
    let tagged = backend.tagged(sql);
    let results = sqlx::raw_sql(AssertSqlSafe(tagged.as_str())).fetch_many(&mut **backend.conn()?);
    let outcome = drain(results, PgQueryResult::rows_affected, pg_cells, sink).await;
    let stopped = matches!(outcome, Ok(true));
    if read_only && !stopped {
        // The transaction only existed to make the server refuse writes.
        let _ = sqlx::raw_sql("ROLLBACK")
            .execute(&mut **backend.conn()?)
            .await;
    }
    backend.finish(stopped).await;
    outcome.map(drop)
}

/// Feeds a statement's results to the sink until they end or the sink
/// stops; says whether it stopped early (the statement may still be
/// producing rows). One loop for both databases: they differ only in how a
/// row becomes cells and how a result counts its changed rows.
async fn drain<R: sqlx::Row, Q>(
    mut results: BoxStream<'_, Result<Either<Q, R>, sqlx::Error>>,
    affected: impl Fn(&Q) -> u64,
    cells: impl Fn(&R) -> Result<Vec<Cell>, DriverError>,
    sink: &mut dyn RowSink,
) -> Result<bool, DriverError> {
    let mut described = false;
    while let Some(item) = results.try_next().await.map_err(map_error)? {
        match item {
            Either::Left(done) => sink.affected(affected(&done)),
            Either::Right(row) => {
                if !described {
                    sink.columns(columns(&row))?;
                    described = true;
                }
                if !sink.row(cells(&row)?)? {
                    return Ok(true);
                }
                // Rows already buffered arrive without waiting: give the
                // other tasks on this thread their turn now and then.
                tokio::task::coop::consume_budget().await;
            }
        }
    }
    Ok(false)
}

/// Runs a statement that must change exactly `expected` rows, in a
/// transaction that is committed only if it did. Returns the rows changed.
pub async fn run_in_transaction(
    client: &SqlClient,
    sql: &str,
    expected: u64,
) -> Result<u64, DriverError> {
    if statements::split(sql).len() != 1 {
        return Err(DriverError::InvalidInput("an edit is one statement".into()));
    }
    let changed = match &client.pool {
        Pool::Postgres(pool) => {
            let mut tx = pool.begin().await.map_err(map_error)?;
            let done = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *tx).await;
            let changed = done.map_err(map_error)?.rows_affected();
            if changed == expected {
                tx.commit().await.map_err(map_error)?;
            }
            changed
        }
        Pool::Sqlite(pool) => {
            let mut tx = pool.begin().await.map_err(map_error)?;
            let done = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *tx).await;
            let changed = done.map_err(map_error)?.rows_affected();
            if changed == expected {
                tx.commit().await.map_err(map_error)?;
            }
            changed
        }
    };
    // A transaction dropped without commit rolls back.
    if changed != expected {
        return Err(DriverError::InvalidInput(format!(
            "the statement would change {changed} rows, not {expected}; nothing was changed"
        )));
    }
    Ok(changed)
}

/// An SQLite connection running a statement. Dropped before `finish`, it
/// interrupts the statement through the progress handler and closes the
/// connection, whose handler would otherwise interrupt its next user.
struct SqliteRun {
    conn: Option<PoolConnection<Sqlite>>,
    stop: Arc<AtomicBool>,
}

impl SqliteRun {
    async fn open(pool: &SqlitePool) -> Result<Self, DriverError> {
        let mut conn = pool.acquire().await.map_err(map_error)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        conn.lock_handle()
            .await
            .map_err(map_error)?
            .set_progress_handler(SQLITE_CANCEL_CHECK_OPS, move || {
                !flag.load(Ordering::Relaxed)
            });
        Ok(Self {
            conn: Some(conn),
            stop,
        })
    }

    fn conn(&mut self) -> Result<&mut PoolConnection<Sqlite>, DriverError> {
        self.conn
            .as_mut()
            .ok_or_else(|| DriverError::Server("the connection was released".into()))
    }

    /// Takes the handler off and returns the connection to the pool.
    async fn finish(mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        let removed = match conn.lock_handle().await {
            Ok(mut handle) => {
                handle.remove_progress_handler();
                true
            }
            Err(_) => false,
        };
        if !removed {
            conn.close_on_drop();
        }
    }
}

impl Drop for SqliteRun {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}

async fn run_sqlite(
    pool: &SqlitePool,
    sql: &str,
    read_only: bool,
    sink: &mut dyn RowSink,
) -> Result<(), DriverError> {
    let mut run = SqliteRun::open(pool).await?;
    if read_only {
        sqlx::raw_sql("PRAGMA query_only = ON")
            .execute(&mut **run.conn()?)
            .await
            .map_err(map_error)?;
    }
    let results = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_many(&mut **run.conn()?);
    let result = drain(
        results,
        SqliteQueryResult::rows_affected,
        sqlite_cells,
        sink,
    )
    .await
    .map(drop);
    if read_only {
        // A failure here closes the connection rather than leaving it
        // read-only for its next user.
        let reset = sqlx::raw_sql("PRAGMA query_only = OFF")
            .execute(&mut **run.conn()?)
            .await;
        if reset.is_err() {
            run.conn()?.close_on_drop();
        }
    }
    run.finish().await;
    result
}
