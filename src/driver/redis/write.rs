//! The writes the browser offers: TTL changes, delete, string create and
//! replace. Each
//! refuses what would lose data silently (EXPIRE 0, recreating a vanished
//! key, overwriting a key of another type).

use super::RedisClient;
use crate::domain::ByteString;
use crate::domain::redis::{KeyType, Ttl};
use crate::driver::DriverError;

/// The longest TTL accepted. Redis keeps an expiry as milliseconds since the
/// epoch in an i64 and answers a plain `ERR` when `seconds * 1000 + now`
/// would overflow; half that range leaves room for any `now`.
pub const MAX_EXPIRE_SECS: u64 = i64::MAX.unsigned_abs() / 1000 / 2;

/// Sets a key to expire after `seconds`; refuses zero, which would delete
/// it, and a TTL too long for Redis to store, which is the user's mistake
/// rather than a server failure.
pub async fn expire(
    client: &RedisClient,
    key: &ByteString,
    seconds: u64,
) -> Result<Ttl, DriverError> {
    check_ttl(seconds)?;
    let set: i64 = client
        .query(redis::cmd("EXPIRE").arg(key.as_bytes()).arg(seconds))
        .await?;
    if set == 0 {
        return Err(DriverError::NotFound);
    }
    current_ttl(client, key).await
}

pub(super) fn check_ttl(seconds: u64) -> Result<(), DriverError> {
    if seconds == 0 {
        return Err(DriverError::InvalidInput(
            "a TTL of 0 would delete the key; delete it instead".into(),
        ));
    }
    if seconds > MAX_EXPIRE_SECS {
        return Err(DriverError::InvalidInput(format!(
            "a TTL can be at most {MAX_EXPIRE_SECS} seconds"
        )));
    }
    Ok(())
}

/// Removes a key's expiry with PERSIST (never EXPIRE -1, which deletes).
pub async fn persist(client: &RedisClient, key: &ByteString) -> Result<Ttl, DriverError> {
    let _: i64 = client
        .query(redis::cmd("PERSIST").arg(key.as_bytes()))
        .await?;
    current_ttl(client, key).await
}

async fn current_ttl(client: &RedisClient, key: &ByteString) -> Result<Ttl, DriverError> {
    let pttl: i64 = client.query(redis::cmd("PTTL").arg(key.as_bytes())).await?;
    match Ttl::from_pttl(pttl) {
        Ttl::Gone => Err(DriverError::NotFound),
        ttl => Ok(ttl),
    }
}

/// Deletes a key with UNLINK; says whether a key was removed.
pub async fn delete(client: &RedisClient, key: &ByteString) -> Result<bool, DriverError> {
    let removed: i64 = client
        .query(redis::cmd("UNLINK").arg(key.as_bytes()))
        .await?;
    Ok(removed == 1)
}

/// Creates a string key, refusing to overwrite one that exists, with an
/// optional TTL in seconds (zero refused, as in `expire`).
pub async fn create_string(
    client: &RedisClient,
    key: &ByteString,
    value: &ByteString,
    ttl: Option<u64>,
) -> Result<(), DriverError> {
    let mut set = redis::cmd("SET");
    set.arg(key.as_bytes()).arg(value.as_bytes()).arg("NX");
    if let Some(seconds) = ttl {
        check_ttl(seconds)?;
        set.arg("EX").arg(seconds);
    }
    let reply: Option<String> = client.query(&set).await?;
    reply.map(|_| ()).ok_or(DriverError::AlreadyExists)
}

/// Replaces a string key's value, keeping its TTL. Refuses to recreate a key
/// that vanished or to overwrite a key of another type.
pub async fn set_string(
    client: &RedisClient,
    key: &ByteString,
    value: &ByteString,
) -> Result<(), DriverError> {
    let key_type: String = client.query(redis::cmd("TYPE").arg(key.as_bytes())).await?;
    match KeyType::from_reply(&key_type) {
        None => return Err(DriverError::NotFound),
        Some(KeyType::String) => {}
        Some(other) => return Err(DriverError::WrongType(format!("the key is a {other} now"))),
    }
    // XX: a key deleted since the check above is not silently recreated.
    let mut set = redis::cmd("SET");
    set.arg(key.as_bytes())
        .arg(value.as_bytes())
        .arg("XX")
        .arg("KEEPTTL");
    let reply: Option<String> = client.query(&set).await?;
    reply.map(|_| ()).ok_or(DriverError::NotFound)
}
