//! What the API reads from the registry on every request (is auth on, who
//! holds this token, where is this connection), kept while the registry's
//! stamp says nothing changed, and for a second at most. A change through
//! this process, another process on the same SQLite file, or another
//! instance on the same PostgreSQL registry changes the stamp, so a
//! revoked token or an edited connection is never served from here.

use std::future::Future;
use std::hash::Hash;
use std::time::Duration;

use moka::future::Cache;
use sha2::{Digest as _, Sha256};

use super::ServiceError;
use crate::domain::ConnectTarget;
use crate::domain::token::TokenInfo;
use crate::registry::Stamp;

/// The longest anything is kept, whatever the stamp says. This bounds how
/// late a token's expiry time is noticed.
const KEEP_FOR: Duration = Duration::from_secs(1);

/// Bounds memory when callers send many different tokens or names.
const MOST_ENTRIES: u64 = 10_000;

pub struct Remembered {
    auth_required: Cache<(), (Stamp, bool)>,
    targets: Cache<String, (Stamp, ConnectTarget)>,
    /// By the SHA-256 of the token text, so no token is held here.
    tokens: Cache<[u8; 32], (Stamp, Option<TokenInfo>)>,
}

impl Remembered {
    pub fn new() -> Self {
        Self {
            auth_required: cache(),
            targets: cache(),
            tokens: cache(),
        }
    }

    pub async fn auth_required(
        &self,
        stamp: Option<Stamp>,
        load: impl Future<Output = Result<bool, ServiceError>>,
    ) -> Result<bool, ServiceError> {
        kept(&self.auth_required, (), stamp, load).await
    }

    pub async fn target(
        &self,
        name_or_id: &str,
        stamp: Option<Stamp>,
        load: impl Future<Output = Result<ConnectTarget, ServiceError>>,
    ) -> Result<ConnectTarget, ServiceError> {
        kept(&self.targets, name_or_id.to_owned(), stamp, load).await
    }

    pub async fn token(
        &self,
        text: &str,
        stamp: Option<Stamp>,
        load: impl Future<Output = Result<Option<TokenInfo>, ServiceError>>,
    ) -> Result<Option<TokenInfo>, ServiceError> {
        let digest: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        kept(&self.tokens, digest, stamp, load).await
    }
}

fn cache<K, V>() -> Cache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    Cache::builder()
        .max_capacity(MOST_ENTRIES)
        .time_to_live(KEEP_FOR)
        .build()
}

/// The kept value when it was read under the current stamp; else `load`'s,
/// kept under the stamp taken before loading (so a change that lands while
/// loading makes the next call load again). Errors are never kept.
async fn kept<K, V>(
    cache: &Cache<K, (Stamp, V)>,
    key: K,
    stamp: Option<Stamp>,
    load: impl Future<Output = Result<V, ServiceError>>,
) -> Result<V, ServiceError>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    let Some(stamp) = stamp else {
        return load.await;
    };
    if let Some((seen, value)) = cache.get(&key).await
        && seen == stamp
    {
        return Ok(value);
    }
    let value = load.await?;
    cache.insert(key, (stamp, value.clone())).await;
    Ok(value)
}
