//! The job runner: per-connection concurrency limits, cancellation, and
//! outcomes tagged with their request ids.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::{Client, Outcome, Request, RequestId, Response, Sessions, TtlChange};
use crate::domain::{ConnectTarget, ProfileId};
use crate::driver::DriverError;
use crate::driver::mongo;
use crate::driver::redis::{self, RedisClient};
use crate::driver::sql::{self, SqlClient};

/// One unit of work: a request against one database of one connection.
#[derive(Clone, Debug)]
pub struct Job {
    pub target: ConnectTarget,
    pub db: u32,
    pub request: Request,
}

/// A submitted job: its id, and a way to cancel it.
#[derive(Clone, Debug)]
pub struct JobHandle {
    pub id: RequestId,
    cancel: CancellationToken,
}

impl JobHandle {
    /// Stops the job; its outcome reports `DriverError::Cancelled`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }
}

/// Runs jobs on tokio, at most `per_connection` at a time per connection.
pub struct WorkerPool {
    sessions: Arc<Sessions>,
    limits: Mutex<HashMap<ProfileId, Arc<Semaphore>>>,
    per_connection: usize,
    next_id: AtomicU64,
}

impl WorkerPool {
    pub fn new(sessions: Arc<Sessions>, per_connection: usize) -> Self {
        Self {
            sessions,
            limits: Mutex::new(HashMap::new()),
            per_connection: per_connection.max(1),
            next_id: AtomicU64::new(1),
        }
    }

    pub fn sessions(&self) -> &Arc<Sessions> {
        &self.sessions
    }

    fn limit(&self, id: ProfileId) -> Arc<Semaphore> {
        let mut limits = self.limits.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            limits
                .entry(id)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_connection))),
        )
    }

    /// Starts a job in the background; its outcome arrives on `reply`.
    pub fn submit(&self, job: Job, reply: mpsc::UnboundedSender<Outcome>) -> JobHandle {
        let id = RequestId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let cancel = CancellationToken::new();
        let handle = JobHandle {
            id,
            cancel: cancel.clone(),
        };
        let limit = self.limit(job.target.id);
        let sessions = Arc::clone(&self.sessions);
        let span = tracing::debug_span!("job", id = id.0, conn = %job.target.name, db = job.db);
        tokio::spawn(
            async move {
                let result = tokio::select! {
                    () = cancel.cancelled() => Err(DriverError::Cancelled),
                    result = run_limited(&sessions, &limit, &job) => result,
                };
                // The receiver is gone only when the front end is shutting down.
                let _ = reply.send(Outcome { id, result });
            }
            .instrument(span),
        );
        handle
    }

    /// Runs a job and waits for it, under the same limits as `submit`.
    /// Dropping the future cancels the job.
    pub async fn run(&self, job: Job) -> Result<Response, DriverError> {
        let limit = self.limit(job.target.id);
        run_limited(&self.sessions, &limit, &job).await
    }
}

async fn run_limited(
    sessions: &Sessions,
    limit: &Semaphore,
    job: &Job,
) -> Result<Response, DriverError> {
    let _permit = limit.acquire().await.map_err(|_| DriverError::Cancelled)?;
    let result = execute(sessions, job).await;
    if let Err(error) = &result {
        // The error names what failed, never a key or value; the job's span
        // carries the connection and database.
        tracing::warn!(%error, request = job.request.name(), "job failed");
        if error.is_connection_lost() {
            sessions.forget(&job.target, job.db);
        }
    }
    result
}

/// Runs one request against the driver for the connection's kind.
async fn execute(sessions: &Sessions, job: &Job) -> Result<Response, DriverError> {
    if job.target.read_only && job.request.is_write() {
        return Err(DriverError::ReadOnly);
    }
    match sessions.client(&job.target, job.db).await? {
        Client::Redis(client) => execute_redis(&client, &job.request).await,
        Client::Sql(client) => execute_sql(&client, &job.request, job.target.read_only).await,
        Client::Mongo(client) => match &job.request {
            Request::Test => Ok(Response::Tested(mongo::summary(&client).await?.into())),
            Request::Mongo(request) => Ok(Response::Mongo(
                super::mongo::execute(&client, request).await?,
            )),
            _ => Err(wrong_family("MongoDB")),
        },
    }
}

async fn execute_redis(client: &RedisClient, request: &Request) -> Result<Response, DriverError> {
    Ok(match request {
        Request::Test => Response::Tested(redis::server_summary(client).await?),
        Request::Databases => Response::Databases(redis::databases(client).await?),
        Request::Info => Response::Info(redis::info(client).await?),
        Request::Slowlog { count } => Response::Slowlog(redis::slowlog(client, *count).await?),
        Request::Clients => Response::Clients(redis::clients(client).await?),
        Request::ServerPanel { slowlog } => {
            Response::ServerPanel(Box::new(redis::server_panel(client, *slowlog).await?))
        }
        Request::Scan(scan) => Response::Keys(redis::scan_page(client, scan).await?),
        Request::Value(value) => Response::Value(redis::read_value(client, value).await?),
        Request::SetTtl {
            key,
            change: TtlChange::Seconds(seconds),
        } => Response::TtlSet(redis::expire(client, key, *seconds).await?),
        Request::SetTtl {
            key,
            change: TtlChange::Persist,
        } => Response::TtlSet(redis::persist(client, key).await?),
        Request::Delete { key } => Response::Deleted(redis::delete(client, key).await?),
        Request::SetString { key, value } => {
            redis::set_string(client, key, value).await?;
            Response::Written
        }
        Request::CreateString { key, value, ttl } => {
            redis::create_string(client, key, value, *ttl).await?;
            Response::Written
        }
        Request::Channels { pattern } => {
            Response::Channels(redis::pubsub::channels(client, pattern.as_ref()).await?)
        }
        Request::KeyspaceEvents => {
            Response::KeyspaceEvents(redis::pubsub::keyspace_events(client).await?)
        }
        Request::Publish { channel, message } => {
            Response::Published(redis::pubsub::publish(client, channel, message).await?)
        }
        Request::BulkPreview { filter, sample } => {
            let sample = usize::try_from(*sample).unwrap_or(usize::MAX);
            Response::BulkPreview(redis::bulk_preview(client, filter, sample).await?)
        }
        Request::Bulk {
            filter,
            action,
            progress,
        } => Response::Bulk(redis::bulk_apply(client, filter, *action, progress).await?),
        Request::EditMembers { key, edit } => {
            Response::Edited(redis::edit_members(client, key, edit).await?)
        }
        Request::CreateKey { key, value, ttl } => {
            redis::create_key(client, key, value, *ttl).await?;
            Response::Written
        }
        Request::Rename { key, to, overwrite } => {
            redis::rename(client, key, to, *overwrite).await?;
            Response::Written
        }
        Request::Copy { key, to, overwrite } => {
            redis::copy(client, key, to, *overwrite).await?;
            Response::Written
        }
        _ => return Err(wrong_family("Redis")),
    })
}

async fn execute_sql(
    client: &SqlClient,
    request: &Request,
    read_only: bool,
) -> Result<Response, DriverError> {
    Ok(match request {
        Request::Test => Response::Tested(sql::summary(client).await?),
        Request::SqlSchemas => Response::Schemas(sql::schemas(client).await?),
        Request::SqlRelations { schema } => {
            Response::Relations(sql::relations(client, schema).await?)
        }
        Request::SqlTable(table) => Response::Table(sql::table_details(client, table).await?),
        Request::SqlRows(rows) => Response::Rows(sql::read_rows(client, rows, read_only).await?),
        Request::SqlRun {
            sql: text,
            cap,
            read_only: held,
        } => Response::Ran(sql::run_statement(client, text, *cap, read_only || *held).await?),
        Request::SqlExport {
            sql: text,
            path,
            progress,
        } => Response::Exported(
            super::export::export(client, text, path, read_only, progress).await?,
        ),
        Request::SqlEdit {
            sql: text,
            expected,
        } => Response::Changed(sql::run_in_transaction(client, text, *expected).await?),
        _ => return Err(wrong_family("SQL")),
    })
}

fn wrong_family(family: &str) -> DriverError {
    DriverError::InvalidInput(format!(
        "this request does not apply to a {family} connection"
    ))
}
