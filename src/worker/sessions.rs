//! Sessions: one live client per connection and database, shared by both
//! front ends, closed when idle and dropped when its profile changes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::domain::{ConnectTarget, Kind, ProfileId};
use crate::driver::DriverError;
use crate::driver::mongo::{self, MongoClient};
use crate::driver::redis::{self, RedisClient, Timeouts};
use crate::driver::sql::{self, SqlClient};

/// Counters for the pool manager, as `/metrics` and tests read them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionStats {
    pub hits: u64,
    pub misses: u64,
    pub open: usize,
}

/// A live client of any kind.
#[derive(Clone)]
pub enum Client {
    Redis(RedisClient),
    Sql(SqlClient),
    Mongo(MongoClient),
}

struct Entry {
    client: Client,
    revision: i64,
    last_used: Instant,
}

/// The live clients, keyed by profile and database number.
pub struct Sessions {
    clients: Mutex<HashMap<(ProfileId, u32), Entry>>,
    idle_close: Duration,
    timeouts: Timeouts,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Sessions {
    pub fn new(idle_close: Duration, timeouts: Timeouts) -> Arc<Self> {
        Arc::new(Self {
            clients: Mutex::new(HashMap::new()),
            idle_close,
            timeouts,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        })
    }

    fn clients(&self) -> std::sync::MutexGuard<'_, HashMap<(ProfileId, u32), Entry>> {
        // A panic while holding the lock leaves the map itself consistent.
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live client for `target`'s database `db` (always 0 for SQL and
    /// MongoDB),
    /// connecting if there is none or the profile was edited since it was
    /// opened.
    pub async fn client(&self, target: &ConnectTarget, db: u32) -> Result<Client, DriverError> {
        let slot = (target.id, db);
        if let Some(entry) = self.clients().get_mut(&slot)
            && entry.revision == target.revision
        {
            entry.last_used = Instant::now();
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(entry.client.clone());
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let client = match target.kind {
            Kind::Redis => Client::Redis(redis::connect(target, db, self.timeouts).await?),
            Kind::Postgres | Kind::Sqlite => {
                Client::Sql(sql::connect(target, self.timeouts.connect).await?)
            }
            Kind::Mongo => Client::Mongo(mongo::connect(target, self.timeouts).await?),
        };
        let entry = Entry {
            client: client.clone(),
            revision: target.revision,
            last_used: Instant::now(),
        };
        self.clients().insert(slot, entry);
        Ok(client)
    }

    /// The live Redis client for `target`'s database `db`.
    pub async fn redis(&self, target: &ConnectTarget, db: u32) -> Result<RedisClient, DriverError> {
        match self.client(target, db).await? {
            Client::Redis(client) => Ok(client),
            _ => Err(not_this_kind(target, "Redis")),
        }
    }

    /// The live pool of an SQL connection.
    pub async fn sql(&self, target: &ConnectTarget) -> Result<SqlClient, DriverError> {
        match self.client(target, 0).await? {
            Client::Sql(client) => Ok(client),
            _ => Err(not_this_kind(target, "SQL")),
        }
    }

    /// The live client of a MongoDB connection; its databases are named per
    /// request, so it is kept under database number 0.
    pub async fn mongo(&self, target: &ConnectTarget) -> Result<MongoClient, DriverError> {
        match self.client(target, 0).await? {
            Client::Mongo(client) => Ok(client),
            _ => Err(not_this_kind(target, "MongoDB")),
        }
    }

    /// Drops every client of a profile (edited or deleted).
    pub fn evict(&self, id: ProfileId) {
        self.clients().retain(|(profile, _), _| *profile != id);
    }

    /// Drops one client after its connection was lost, so the next request
    /// reconnects from scratch. A newer client, opened for a later revision
    /// of the profile, is kept.
    pub fn forget(&self, target: &ConnectTarget, db: u32) {
        let mut clients = self.clients();
        if clients
            .get(&(target.id, db))
            .is_some_and(|e| e.revision == target.revision)
        {
            clients.remove(&(target.id, db));
        }
    }

    /// Closes clients unused for longer than the idle time; returns how many.
    pub fn close_idle(&self) -> usize {
        let mut clients = self.clients();
        let before = clients.len();
        clients.retain(|_, entry| entry.last_used.elapsed() < self.idle_close);
        before - clients.len()
    }

    pub fn stats(&self) -> SessionStats {
        SessionStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            open: self.clients().len(),
        }
    }

    /// Checks for idle clients every `every` until `stop` is cancelled.
    pub fn spawn_reaper(self: &Arc<Self>, every: Duration, stop: CancellationToken) {
        let sessions = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    _ = ticks.tick() => {
                        let closed = sessions.close_idle();
                        if closed > 0 {
                            tracing::debug!(closed, "closed idle clients");
                        }
                    }
                }
            }
        });
    }
}

fn not_this_kind(target: &ConnectTarget, wanted: &str) -> DriverError {
    DriverError::InvalidInput(format!(
        "{} is a {} connection, not {wanted}",
        target.name, target.kind
    ))
}
