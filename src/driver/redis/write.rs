//! The key-level writes the browser offers: TTL changes, delete, create,
//! string replace, rename and copy. Each refuses what would lose data
//! silently (EXPIRE 0, recreating a vanished key, overwriting a key of
//! another type, replacing a key the user did not ask to replace).

use redis::Value;

use super::RedisClient;
use super::cluster::key_slot;
use super::members::{check_count, scripts_refused, user_facing};
use crate::domain::ByteString;
use crate::domain::redis::{KeyType, Ttl};
use crate::domain::redis_edit::NewValue;
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

/// Creates a key only when it does not exist, runs `ARGV[2]` to give it its
/// first value and, when `ARGV[1]` is not empty, EXPIRE with it. Answers 0
/// when the key already exists.
const CREATE_NEW: &str = "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end \
     redis.call(ARGV[2], KEYS[1], unpack(ARGV, 3)) \
     if ARGV[1] ~= '' then redis.call('EXPIRE', KEYS[1], ARGV[1]) end \
     return 1";

/// Creates a key of any type with its first value and an optional TTL in
/// seconds, refusing to overwrite a key that exists.
pub async fn create_key(
    client: &RedisClient,
    key: &ByteString,
    value: &NewValue,
    ttl: Option<u64>,
) -> Result<(), DriverError> {
    let (command, args) = match value {
        NewValue::String { value } => return create_string(client, key, value, ttl).await,
        collection => first_value(collection),
    };
    check_count(args.len())?;
    if let Some(seconds) = ttl {
        check_ttl(seconds)?;
    }
    let ttl_arg = ttl.map(|seconds| seconds.to_string()).unwrap_or_default();
    let mut eval = redis::cmd("EVAL");
    eval.arg(CREATE_NEW)
        .arg(1)
        .arg(key.as_bytes())
        .arg(ttl_arg)
        .arg(command);
    for arg in &args {
        eval.arg(arg.as_slice());
    }
    let created: i64 = match client.query(&eval).await {
        Ok(created) => created,
        Err(error) if scripts_refused(&error) => {
            return create_without_script(client, key, command, &args, ttl).await;
        }
        Err(error) => return Err(user_facing(error)),
    };
    if created == 0 {
        return Err(DriverError::AlreadyExists);
    }
    Ok(())
}

/// The command that gives a new collection key its members, and its
/// arguments after the key.
fn first_value(value: &NewValue) -> (&'static str, Vec<Vec<u8>>) {
    let bytes = |items: &[ByteString]| items.iter().map(|b| b.as_bytes().to_vec()).collect();
    let pairs = |entries: &[crate::domain::redis::FieldValue]| {
        entries
            .iter()
            .flat_map(|pair| {
                [
                    pair.field.as_bytes().to_vec(),
                    pair.value.as_bytes().to_vec(),
                ]
            })
            .collect::<Vec<_>>()
    };
    match value {
        NewValue::String { value } => ("SET", vec![value.as_bytes().to_vec()]),
        NewValue::Hash { entries } => ("HSET", pairs(entries)),
        NewValue::List { items } => ("RPUSH", bytes(items)),
        NewValue::Set { members } => ("SADD", bytes(members)),
        NewValue::Zset { members } => {
            let args = members
                .iter()
                .flat_map(|m| {
                    [
                        m.score.as_str().as_bytes().to_vec(),
                        m.member.as_bytes().to_vec(),
                    ]
                })
                .collect();
            ("ZADD", args)
        }
        NewValue::Stream { fields, .. } if fields.is_empty() => ("XADD", Vec::new()),
        NewValue::Stream { id, fields } => {
            let mut args = vec![id.as_str().as_bytes().to_vec()];
            args.extend(pairs(fields));
            ("XADD", args)
        }
    }
}

/// The fallback without scripting: EXISTS, then the command and EXPIRE.
async fn create_without_script(
    client: &RedisClient,
    key: &ByteString,
    command: &str,
    args: &[Vec<u8>],
    ttl: Option<u64>,
) -> Result<(), DriverError> {
    let exists: i64 = client
        .query(redis::cmd("EXISTS").arg(key.as_bytes()))
        .await?;
    if exists == 1 {
        return Err(DriverError::AlreadyExists);
    }
    let mut cmd = redis::cmd(command);
    cmd.arg(key.as_bytes());
    for arg in args {
        cmd.arg(arg.as_slice());
    }
    let _: Value = client.query(&cmd).await.map_err(user_facing)?;
    if let Some(seconds) = ttl {
        let _: i64 = client
            .query(redis::cmd("EXPIRE").arg(key.as_bytes()).arg(seconds))
            .await?;
    }
    Ok(())
}

/// Renames a key with RENAMENX, or with RENAME when the caller has asked to
/// replace a key that holds the new name.
pub async fn rename(
    client: &RedisClient,
    key: &ByteString,
    to: &ByteString,
    overwrite: bool,
) -> Result<(), DriverError> {
    check_new_name(key, to)?;
    check_same_slot(client, "renamed", key, to)?;
    let command = if overwrite { "RENAME" } else { "RENAMENX" };
    let reply: Value = client
        .query(redis::cmd(command).arg(key.as_bytes()).arg(to.as_bytes()))
        .await
        .map_err(no_such_key)?;
    match reply {
        Value::Int(0) => Err(DriverError::AlreadyExists),
        _ => Ok(()),
    }
}

/// Copies a key (value and TTL) with COPY, replacing the target only when
/// the caller says so. Servers before 6.2 have no COPY.
pub async fn copy(
    client: &RedisClient,
    key: &ByteString,
    to: &ByteString,
    overwrite: bool,
) -> Result<(), DriverError> {
    check_new_name(key, to)?;
    check_same_slot(client, "copied", key, to)?;
    let mut cmd = redis::cmd("COPY");
    cmd.arg(key.as_bytes()).arg(to.as_bytes());
    if overwrite {
        cmd.arg("REPLACE");
    }
    let copied: i64 = client.query(&cmd).await.map_err(|error| match error {
        DriverError::Server(message) if message.starts_with("unknown command") => {
            DriverError::InvalidInput(
                "COPY needs Redis 6.2 or later, and this server does not have it".into(),
            )
        }
        other => other,
    })?;
    if copied == 1 {
        return Ok(());
    }
    // COPY answers 0 both when the source is gone and when the target exists.
    let source: i64 = client
        .query(redis::cmd("EXISTS").arg(key.as_bytes()))
        .await?;
    Err(if source == 0 {
        DriverError::NotFound
    } else {
        DriverError::AlreadyExists
    })
}

fn check_new_name(key: &ByteString, to: &ByteString) -> Result<(), DriverError> {
    if key == to {
        return Err(DriverError::InvalidInput(
            "the new name is the key's current name".into(),
        ));
    }
    Ok(())
}

/// A cluster moves a key only within its hash slot. Said before sending,
/// since the server's CROSSSLOT reply does not tell the user what to do.
fn check_same_slot(
    client: &RedisClient,
    what: &str,
    key: &ByteString,
    to: &ByteString,
) -> Result<(), DriverError> {
    let (from_slot, to_slot) = (key_slot(key.as_bytes()), key_slot(to.as_bytes()));
    if !client.is_cluster() || from_slot == to_slot {
        return Ok(());
    }
    Err(DriverError::InvalidInput(format!(
        "in a Redis Cluster a key can only be {what} to a name in its own hash slot: \
         {} is in slot {from_slot}, {} in slot {to_slot}; names sharing a {{hash tag}} \
         share a slot (e.g. {{user:1}}:a and {{user:1}}:b)",
        key.escaped(),
        to.escaped()
    )))
}

fn no_such_key(error: DriverError) -> DriverError {
    match error {
        DriverError::Server(message) if message == "no such key" => DriverError::NotFound,
        other => other,
    }
}
