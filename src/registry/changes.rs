//! Telling cheaply whether the registry may have changed, so the API can
//! keep what it reads on every request (is auth on, who is this token,
//! where is this connection) without asking the database each time.
//!
//! A `Stamp` is compared, never interpreted: two equal stamps mean nothing
//! changed in between. It counts this process's own writes, plus:
//! - SQLite: the size, modification time and inode of the database file and
//!   its write-ahead log, which every commit from any process touches;
//! - PostgreSQL: the notifications a trigger sends on every change to
//!   connections or tokens (migration 0002), heard on a LISTEN connection.
//!   While that connection is down there is no stamp, so nothing is kept.

use std::os::unix::fs::MetadataExt as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};

/// The channel the PostgreSQL trigger notifies.
const CHANNEL: &str = "dbdeck_registry";

/// How long to wait before listening again after the connection dropped.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// The registry's state of change at one moment; see the module docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    local: u64,
    outside: [u64; 6],
}

/// Where changes made by other processes show.
enum Outside {
    /// An SQLite file (and its `-wal` beside it); `None` in memory.
    Files(Option<PathBuf>),
    /// Notifications counted by a listener task.
    Heard {
        count: Arc<AtomicU64>,
        listening: Arc<AtomicBool>,
    },
}

pub struct Changes {
    local: AtomicU64,
    outside: Outside,
}

impl Changes {
    pub fn sqlite(file: Option<PathBuf>) -> Self {
        Self {
            local: AtomicU64::new(0),
            outside: Outside::Files(file),
        }
    }

    /// Starts listening for notifications on `pool`'s server. Call inside
    /// tokio; the task ends with the runtime.
    pub fn postgres(pool: &PgPool) -> Self {
        let count = Arc::new(AtomicU64::new(0));
        let listening = Arc::new(AtomicBool::new(false));
        tokio::spawn(listen(
            pool.clone(),
            Arc::clone(&count),
            Arc::clone(&listening),
        ));
        Self {
            local: AtomicU64::new(0),
            outside: Outside::Heard { count, listening },
        }
    }

    /// Records a change this process made.
    pub fn touch(&self) {
        self.local.fetch_add(1, Ordering::SeqCst);
    }

    /// The current stamp, or `None` when changes elsewhere cannot be seen
    /// right now (then nothing read from the registry may be kept).
    pub fn stamp(&self) -> Option<Stamp> {
        let local = self.local.load(Ordering::SeqCst);
        let outside = match &self.outside {
            Outside::Files(None) => [0; 6],
            Outside::Files(Some(file)) => {
                let mut wal = file.clone().into_os_string();
                wal.push("-wal");
                let [a, b, c] = file_stamp(file)?;
                // No WAL yet (or checkpointed away) is a state like any other.
                let [d, e, f] = file_stamp(&PathBuf::from(wal)).unwrap_or([0; 3]);
                [a, b, c, d, e, f]
            }
            Outside::Heard { count, listening } => {
                if !listening.load(Ordering::SeqCst) {
                    return None;
                }
                [count.load(Ordering::SeqCst), 0, 0, 0, 0, 0]
            }
        };
        Some(Stamp { local, outside })
    }
}

fn file_stamp(path: &std::path::Path) -> Option<[u64; 3]> {
    let meta = std::fs::metadata(path).ok()?;
    let nanos = u64::try_from(meta.mtime()).unwrap_or(0) * 1_000_000_000
        + u64::try_from(meta.mtime_nsec()).unwrap_or(0);
    Some([meta.len(), nanos, meta.ino()])
}

/// Counts notifications until the runtime stops, listening again after a
/// dropped connection. Every (re)connect counts as a change, since
/// notifications sent meanwhile were missed.
async fn listen(pool: PgPool, count: Arc<AtomicU64>, listening: Arc<AtomicBool>) {
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if listener.listen(CHANNEL).await.is_ok() {
                    count.fetch_add(1, Ordering::SeqCst);
                    listening.store(true, Ordering::SeqCst);
                    // `try_recv` returns `Ok(None)` when the connection
                    // drops, instead of reconnecting behind our back.
                    while let Ok(Some(_)) = listener.try_recv().await {
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                }
                listening.store(false, Ordering::SeqCst);
                tracing::warn!("stopped hearing registry changes; listening again");
            }
            Err(error) => tracing::warn!(%error, "could not listen for registry changes"),
        }
        tokio::time::sleep(RELISTEN_AFTER).await;
    }
}
