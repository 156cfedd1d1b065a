//! A short-lived cache for list endpoints that are costly for the server
//! and change rarely (databases, INFO). Each connection has a generation
//! number in the key; a write through the API bumps it, so the next read
//! misses instead of showing what the write just changed. Old entries then
//! simply expire.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use moka::future::Cache;

use crate::domain::ProfileId;

/// What a cached reply is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub conn: ProfileId,
    /// The profile's revision: an edited profile never sees old replies.
    pub revision: i64,
    pub generation: u64,
    /// The route and its parameters, such as `databases` or `info:3`.
    pub what: String,
}

pub struct ListCache {
    entries: Cache<CacheKey, Arc<serde_json::Value>>,
    generations: Mutex<HashMap<ProfileId, u64>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ListCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(ttl.max(Duration::from_millis(1)))
                .build(),
            generations: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The key for `what` on connection `conn` at its current generation.
    pub fn key(&self, conn: ProfileId, revision: i64, what: String) -> CacheKey {
        let generations = self
            .generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        CacheKey {
            conn,
            revision,
            generation: generations.get(&conn).copied().unwrap_or(0),
            what,
        }
    }

    pub async fn get(&self, key: &CacheKey) -> Option<Arc<serde_json::Value>> {
        let found = self.entries.get(key).await;
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub async fn put(&self, key: CacheKey, value: serde_json::Value) {
        self.entries.insert(key, Arc::new(value)).await;
    }

    /// Makes every cached reply for `conn` unreachable.
    pub fn invalidate(&self, conn: ProfileId) {
        let mut generations = self
            .generations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *generations.entry(conn).or_insert(0) += 1;
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }
}
