//! Bulk actions on every key matching a pattern: a dry run that counts them
//! and shows a few, then UNLINK or EXPIRE in batches as SCAN finds them.
//!
//! A batch is what one SCAN call returns. UNLINK goes out once per hash
//! slot in a cluster (never one command across slots); EXPIRE once per key.
//! Progress is counted as batches finish, and a stop request is honoured
//! between batches, so the counts a cancelled action reports are exact.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use redis::Value;

use super::keys::KeyWalk;
use super::write::check_ttl;
use super::{RedisClient, decode};
use crate::domain::ByteString;
use crate::domain::redis::{BulkAction, BulkOutcome, BulkPreview, KeyFilter, ScanRequest};
use crate::driver::DriverError;

/// The COUNT hint of the SCAN calls a bulk action makes.
const BATCH: u32 = 500;

/// A bulk action's counts so far and its stop switch, shared with whoever
/// watches it.
#[derive(Clone, Debug, Default)]
pub struct BulkProgress(Arc<Counters>);

#[derive(Debug, Default)]
struct Counters {
    matched: AtomicU64,
    succeeded: AtomicU64,
    failed: AtomicU64,
    stop: AtomicBool,
}

impl BulkProgress {
    /// Asks the action to stop after the batch in flight.
    pub fn stop(&self) {
        self.0.stop.store(true, Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.0.stop.load(Ordering::Relaxed)
    }

    /// The counts so far.
    pub fn outcome(&self) -> BulkOutcome {
        BulkOutcome {
            matched: self.0.matched.load(Ordering::Relaxed),
            succeeded: self.0.succeeded.load(Ordering::Relaxed),
            failed: self.0.failed.load(Ordering::Relaxed),
            cancelled: self.stopped(),
        }
    }

    fn add(&self, matched: u64, succeeded: u64) {
        self.0.succeeded.fetch_add(succeeded, Ordering::Relaxed);
        self.0
            .failed
            .fetch_add(matched - succeeded, Ordering::Relaxed);
        self.0.matched.fetch_add(matched, Ordering::Relaxed);
    }
}

/// Two handles are equal when they watch the same action.
impl PartialEq for BulkProgress {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

fn walk_request(filter: &KeyFilter) -> ScanRequest {
    ScanRequest {
        filter: filter.clone(),
        key_type: None,
        count: BATCH,
        cursor: crate::domain::redis::ScanCursor::START,
        budget: Duration::ZERO,
    }
}

/// Counts the keys matching `filter` over the whole keyspace (every
/// primary of a cluster) and keeps the first `sample` of them.
pub async fn bulk_preview(
    client: &RedisClient,
    filter: &KeyFilter,
    sample: usize,
) -> Result<BulkPreview, DriverError> {
    let mut walk = KeyWalk::start(client, walk_request(filter)).await?;
    let mut preview = BulkPreview {
        matched: 0,
        sample: Vec::new(),
    };
    while let Some(keys) = walk.next(client).await? {
        preview.matched += keys.len() as u64;
        let room = sample.saturating_sub(preview.sample.len());
        preview
            .sample
            .extend(keys.into_iter().take(room).map(ByteString::new));
    }
    Ok(preview)
}

/// Applies `action` to every key matching `filter`, batch by batch,
/// counting into `progress` and stopping between batches when asked.
pub async fn bulk_apply(
    client: &RedisClient,
    filter: &KeyFilter,
    action: BulkAction,
    progress: &BulkProgress,
) -> Result<BulkOutcome, DriverError> {
    if let BulkAction::Expire(seconds) = action {
        check_ttl(seconds)?;
    }
    let mut walk = KeyWalk::start(client, walk_request(filter)).await?;
    while !progress.stopped() {
        let Some(keys) = walk.next(client).await? else {
            break;
        };
        if keys.is_empty() {
            continue;
        }
        let succeeded = match action {
            BulkAction::Delete => unlink(client, &keys).await?,
            BulkAction::Expire(seconds) => expire(client, &keys, seconds).await?,
        };
        progress.add(keys.len() as u64, succeeded);
    }
    Ok(progress.outcome())
}

/// UNLINKs a batch, one command per slot; answers how many were removed.
async fn unlink(client: &RedisClient, keys: &[Vec<u8>]) -> Result<u64, DriverError> {
    let replies = client
        .per_slot(keys, |pipe, keys| {
            pipe.cmd("UNLINK").arg(keys);
        })
        .await?;
    Ok(replies.into_iter().map(removed).sum())
}

/// EXPIREs a batch key by key; answers how many got the TTL.
async fn expire(client: &RedisClient, keys: &[Vec<u8>], seconds: u64) -> Result<u64, DriverError> {
    let replies = client
        .per_key(keys, 1, |pipe, key| {
            pipe.cmd("EXPIRE").arg(key).arg(seconds);
        })
        .await?;
    Ok(replies.into_iter().map(removed).sum())
}

/// An integer reply's count; an error in its slot counts as none done.
fn removed(reply: Value) -> u64 {
    decode::<u64>(reply).unwrap_or(0)
}
