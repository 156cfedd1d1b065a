//! Redis: connecting, scanning keys with their metadata, reading values page
//! by page, and the writes the browser offers.
//!
//! Keys and values stay bytes. Metadata columns a server will not answer
//! (ACL denial, a renamed command) come back as `Probe::Unavailable` instead
//! of failing the page. This module never runs KEYS and never reads a whole
//! collection or a whole string: everything is paged or capped.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, ErrorKind, FromRedisValue, IntoConnectionInfo, Pipeline, RedisError, Value};

use super::DriverError;
use crate::domain::redis::{
    DatabaseInfo, FieldValue, KeyInfo, KeyPage, KeyType, Probe, ScanRequest, ScoredMember,
    ServerSummary, StreamEntry, Ttl, ValuePage, ValueRequest, ValueWindow,
};
use crate::domain::{ByteString, ConnectTarget};

/// How long to wait for a connection and for each reply.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub connect: Duration,
    pub response: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            response: Duration::from_secs(10),
        }
    }
}

/// A live client for one database of one Redis server. Cheap to clone: the
/// clones share one multiplexed connection that reconnects on its own.
#[derive(Clone)]
pub struct RedisClient {
    conn: ConnectionManager,
}

/// The database a URL names (`redis://host/3` → 3), or 0.
pub fn url_database(url: &str) -> u32 {
    url.into_connection_info()
        .ok()
        .and_then(|info| u32::try_from(info.redis_settings().db()).ok())
        .unwrap_or(0)
}

/// Opens a client on database `db` of the target's server.
pub async fn connect(
    target: &ConnectTarget,
    db: u32,
    timeouts: Timeouts,
) -> Result<RedisClient, DriverError> {
    let info = target
        .url
        .as_str()
        .into_connection_info()
        .map_err(|e| DriverError::InvalidInput(format!("invalid Redis URL: {e}")))?;
    let mut settings = info
        .redis_settings()
        .clone()
        .set_db(i64::from(db))
        .set_skip_set_lib_name();
    if let Some(password) = &target.password {
        settings = settings.set_password(password.expose());
    }
    let client = redis::Client::open(info.set_redis_settings(settings)).map_err(map_error)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeouts.connect))
        .set_response_timeout(Some(timeouts.response))
        .set_number_of_retries(1);
    let conn = ConnectionManager::new_with_config(client, config)
        .await
        .map_err(map_error)?;
    Ok(RedisClient { conn })
}

impl RedisClient {
    async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, DriverError> {
        let mut conn = self.conn.clone();
        cmd.query_async(&mut conn).await.map_err(map_error)
    }

    /// Runs a pipeline where each command may fail on its own; the failures
    /// come back as `Value::ServerError` in their slots.
    async fn pipeline(&self, pipe: &mut Pipeline) -> Result<Vec<Value>, DriverError> {
        let mut conn = self.conn.clone();
        pipe.ignore_errors()
            .query_async(&mut conn)
            .await
            .map_err(map_error)
    }
}

/// Maps a client error to what it means for the user.
fn map_error(error: RedisError) -> DriverError {
    let message = server_message(&error);
    match error.code() {
        Some("WRONGTYPE") => return DriverError::WrongType(message),
        Some("NOPERM") => return DriverError::NotPermitted(message),
        Some("NOAUTH" | "WRONGPASS") => return DriverError::AuthFailed(message),
        _ => {}
    }
    if error.is_timeout() {
        DriverError::Timeout
    } else if error.kind() == ErrorKind::AuthenticationFailed {
        DriverError::AuthFailed(message)
    } else if error.kind() == ErrorKind::Parse {
        DriverError::Unavailable(
            "the server does not speak the Redis protocol; is this a Redis port?".into(),
        )
    } else if error.is_io_error() || error.is_connection_refusal() || error.is_connection_dropped()
    {
        DriverError::Unavailable(error.to_string())
    } else {
        DriverError::Server(message)
    }
}

/// The server's own words for an error, without the client's wrapping:
/// "DB index is out of range", or "BUSYKEY Target key name already exists".
fn server_message(error: &RedisError) -> String {
    match (error.code(), error.detail()) {
        (Some("ERR") | None, Some(detail)) => detail.to_owned(),
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        _ => error.to_string(),
    }
}

/// Maps an error a server wrote into one pipeline slot.
fn slot_error(value: &Value) -> Option<DriverError> {
    match value {
        Value::ServerError(error) => Some(map_error(error.clone().into())),
        _ => None,
    }
}

fn decode<T: FromRedisValue>(value: Value) -> Result<T, DriverError> {
    if let Some(error) = slot_error(&value) {
        return Err(error);
    }
    T::from_redis_value(value).map_err(|e| DriverError::Server(format!("unexpected reply: {e}")))
}

/// Pings the server and reads its version, mode, memory use and key count.
pub async fn server_summary(client: &RedisClient) -> Result<ServerSummary, DriverError> {
    // One round trip, timed as the latency. PING rides in it but may be
    // refused (a restricted ACL user): the test never depends on it.
    let mut pipe = redis::pipe();
    pipe.cmd("PING")
        .cmd("INFO")
        .arg("server")
        .cmd("INFO")
        .arg("memory")
        .cmd("DBSIZE");
    let started = Instant::now();
    let mut replies = client.pipeline(&mut pipe).await?.into_iter();
    let latency_ms = started.elapsed().as_secs_f64() * 1_000.0;
    replies.next();
    let server = info_fields(replies.next());
    let memory = info_fields(replies.next());
    let dbsize = replies.next().and_then(|v| decode::<u64>(v).ok());

    let field = |fields: &Option<BTreeMap<String, String>>, name: &str| {
        fields.as_ref().and_then(|f| f.get(name).cloned())
    };
    Ok(ServerSummary {
        latency_ms,
        version: probe(field(&server, "redis_version")),
        mode: probe(field(&server, "redis_mode")),
        used_memory: probe(field(&memory, "used_memory").and_then(|m| m.parse().ok())),
        dbsize: probe(dbsize),
    })
}

fn probe<T>(value: Option<T>) -> Probe<T> {
    value.map_or(Probe::Unavailable, Probe::Known)
}

/// Parses an INFO reply into `name → value`, or `None` if it was refused.
fn info_fields(reply: Option<Value>) -> Option<BTreeMap<String, String>> {
    let text: String = decode(reply?).ok()?;
    Some(parse_info(&text))
}

/// Parses the `name:value` lines of an INFO reply, skipping section headers.
pub fn parse_info(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_owned(), value.trim().to_owned()))
        .collect()
}

/// Lists the databases. The count comes from `CONFIG GET databases` when
/// allowed; otherwise it is 16 or enough to cover every database that
/// `INFO keyspace` reports, so a server with CONFIG renamed still works.
pub async fn databases(client: &RedisClient) -> Result<Vec<DatabaseInfo>, DriverError> {
    let mut pipe = redis::pipe();
    pipe.cmd("CONFIG")
        .arg("GET")
        .arg("databases")
        .cmd("INFO")
        .arg("keyspace");
    let mut replies = client.pipeline(&mut pipe).await?.into_iter();
    let configured = replies
        .next()
        .and_then(config_value)
        .and_then(|v| v.parse::<u32>().ok());
    let keyspace = info_fields(replies.next())
        .map(|f| parse_keyspace(&f))
        .unwrap_or_default();

    let highest = keyspace.keys().next_back().map_or(0, |db| db + 1);
    let count = configured.unwrap_or(16.max(highest));
    Ok((0..count.max(highest))
        .map(|index| DatabaseInfo {
            index,
            keys: keyspace.get(&index).copied(),
        })
        .collect())
}

/// Reads the value from a `CONFIG GET name` reply (a pair, in RESP2 or 3).
fn config_value(reply: Value) -> Option<String> {
    let pairs: Vec<String> = match reply {
        Value::Map(entries) => entries
            .into_iter()
            .flat_map(|(k, v)| [k, v])
            .filter_map(|v| decode(v).ok())
            .collect(),
        other => decode(other).ok()?,
    };
    pairs.get(1).cloned()
}

/// Reads `db3:keys=10,expires=0,avg_ttl=0` lines into `3 → 10`.
fn parse_keyspace(fields: &BTreeMap<String, String>) -> BTreeMap<u32, u64> {
    fields
        .iter()
        .filter_map(|(name, value)| {
            let index = name.strip_prefix("db")?.parse().ok()?;
            let keys = value
                .split(',')
                .find_map(|part| part.strip_prefix("keys="))?;
            Some((index, keys.parse().ok()?))
        })
        .collect()
}

/// Reads one page of keys. SCAN calls continue through empty pages until a
/// key turns up, the scan completes, or the time budget runs out, so the
/// first page costs one SCAN and one metadata round trip when keys exist.
pub async fn scan_page(
    client: &RedisClient,
    request: &ScanRequest,
) -> Result<KeyPage, DriverError> {
    let started = Instant::now();
    let pattern = request.filter.match_pattern();
    let mut cursor = request.cursor;
    let mut calls = 0;
    let mut keys: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut cmd = redis::cmd("SCAN");
        cmd.arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(request.count);
        if let Some(key_type) = &request.key_type {
            cmd.arg("TYPE").arg(key_type.name());
        }
        let (next, found): (u64, Vec<Vec<u8>>) = client.query(&cmd).await?;
        calls += 1;
        cursor = next;
        keys.extend(found);
        if !keys.is_empty() || cursor == 0 || started.elapsed() >= request.budget {
            break;
        }
    }

    let items = key_infos(client, keys.into_iter().map(ByteString::new).collect()).await?;
    Ok(KeyPage {
        items,
        next_cursor: (cursor != 0).then_some(cursor),
        complete: cursor == 0,
        calls,
    })
}

/// TYPE, PTTL and MEMORY USAGE for every key, in one pipelined round trip.
pub async fn key_infos(
    client: &RedisClient,
    keys: Vec<ByteString>,
) -> Result<Vec<KeyInfo>, DriverError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    for key in &keys {
        pipe.cmd("TYPE").arg(key.as_bytes());
        pipe.cmd("PTTL").arg(key.as_bytes());
        pipe.cmd("MEMORY").arg("USAGE").arg(key.as_bytes());
    }
    let replies = client.pipeline(&mut pipe).await?;
    let mut replies = replies.into_iter();
    let mut infos = Vec::with_capacity(keys.len());
    for key in keys {
        let (Some(key_type), Some(ttl), Some(size)) =
            (replies.next(), replies.next(), replies.next())
        else {
            return Err(DriverError::Server(
                "the metadata pipeline came back short".into(),
            ));
        };
        infos.push(KeyInfo {
            key,
            key_type: probe(
                decode::<String>(key_type)
                    .ok()
                    .map(|t| KeyType::from_reply(&t)),
            ),
            ttl: probe(decode::<i64>(ttl).ok().map(Ttl::from_pttl)),
            size: probe(decode::<Option<u64>>(size).ok().flatten()),
        });
    }
    Ok(infos)
}

/// Reads a key's type, TTL and one page of its value.
pub async fn read_value(
    client: &RedisClient,
    request: &ValueRequest,
) -> Result<crate::domain::redis::KeyValue, DriverError> {
    let info = key_infos(client, vec![request.key.clone()]).await?.pop();
    let Some(info) = info else {
        return Err(DriverError::NotFound);
    };
    let key_type = match info.key_type {
        Probe::Known(Some(key_type)) => key_type,
        Probe::Known(None) => return Err(DriverError::NotFound),
        Probe::Unavailable => return Err(DriverError::NotPermitted("TYPE".into())),
    };
    let page = read_page(client, &key_type, request).await?;
    let ttl = info.ttl;
    Ok(crate::domain::redis::KeyValue {
        key: info.key,
        key_type,
        ttl,
        size: info.size,
        page,
    })
}

async fn read_page(
    client: &RedisClient,
    key_type: &KeyType,
    request: &ValueRequest,
) -> Result<ValuePage, DriverError> {
    let key = request.key.as_bytes();
    match key_type {
        KeyType::String => read_string(client, key, request).await,
        KeyType::Hash => read_hash(client, key, request).await,
        KeyType::List => read_list(client, key, request).await,
        KeyType::Set => read_set(client, key, request).await,
        KeyType::Zset => read_zset(client, key, request).await,
        KeyType::Stream => read_stream(client, key, request).await,
        KeyType::Module(name) if key_type.is_json_module() => {
            let _ = name;
            let text: Option<String> = client.query(redis::cmd("JSON.GET").arg(key)).await?;
            text.map(|text| ValuePage::Json { text })
                .ok_or(DriverError::NotFound)
        }
        KeyType::Module(name) => Ok(ValuePage::Module {
            type_name: name.clone(),
        }),
    }
}

/// Sends a length command and a page command in one round trip.
async fn length_and_page(
    client: &RedisClient,
    length: Cmd,
    page: Cmd,
) -> Result<(u64, Value), DriverError> {
    let mut pipe = redis::pipe();
    pipe.add_command(length).add_command(page);
    let mut replies = client.pipeline(&mut pipe).await?.into_iter();
    let (Some(length), Some(page)) = (replies.next(), replies.next()) else {
        return Err(DriverError::Server(
            "the value pipeline came back short".into(),
        ));
    };
    if let Some(error) = slot_error(&page) {
        return Err(error);
    }
    Ok((decode(length)?, page))
}

/// Like `length_and_page`, for the types Redis deletes when they become
/// empty (hash, list, set, zset): a length of zero means the key vanished
/// between TYPE and the read, which must not look like an empty value.
async fn collection_page(
    client: &RedisClient,
    length: Cmd,
    page: Cmd,
) -> Result<(u64, Value), DriverError> {
    match length_and_page(client, length, page).await? {
        (0, _) => Err(DriverError::NotFound),
        found => Ok(found),
    }
}

/// Reads at most `max_bytes` of a string from the window's byte offset
/// (`ValueWindow::Index`), so a huge value is read a chunk at a time.
async fn read_string(
    client: &RedisClient,
    key: &[u8],
    request: &ValueRequest,
) -> Result<ValuePage, DriverError> {
    let offset = start_of(&request.window);
    let first = i64::try_from(offset).unwrap_or(i64::MAX);
    // GETRANGE's end is inclusive and -1 means the last byte, so a zero cap
    // must not become `first -1`, which reads to the end: ask for an empty
    // range (`first` > `last`) instead.
    let (first, last) = match i64::try_from(request.max_bytes).unwrap_or(i64::MAX) {
        0 => (first.saturating_add(1), first),
        max => (first, first.saturating_add(max - 1)),
    };
    let mut range = redis::cmd("GETRANGE");
    range.arg(key).arg(first).arg(last);
    let mut length = redis::cmd("STRLEN");
    length.arg(key);
    let (length, preview) = length_and_page(client, length, range).await?;
    let preview: Vec<u8> = decode(preview)?;
    let truncated = length > offset + preview.len() as u64;
    Ok(ValuePage::String {
        length,
        offset,
        preview: preview.into(),
        truncated,
    })
}

fn cursor_of(window: &ValueWindow) -> u64 {
    match window {
        ValueWindow::Cursor(cursor) => *cursor,
        _ => 0,
    }
}

fn start_of(window: &ValueWindow) -> u64 {
    match window {
        ValueWindow::Index(start) => *start,
        _ => 0,
    }
}

/// One HSCAN/SSCAN page and the collection's length: the total, the cursor
/// to continue from, and the flat reply.
async fn cursor_page(
    client: &RedisClient,
    key: &[u8],
    commands: (&str, &str),
    request: &ValueRequest,
) -> Result<(u64, Option<u64>, Vec<Vec<u8>>), DriverError> {
    let mut length = redis::cmd(commands.0);
    length.arg(key);
    let mut scan = redis::cmd(commands.1);
    scan.arg(key)
        .arg(cursor_of(&request.window))
        .arg("COUNT")
        .arg(request.count);
    let (total, page) = collection_page(client, length, scan).await?;
    let (next, items): (u64, Vec<Vec<u8>>) = decode(page)?;
    Ok((total, (next != 0).then_some(next), items))
}

/// One LRANGE/ZRANGE page from the window's index and the collection's
/// length: the total, the start index, and the flat reply.
async fn index_page(
    client: &RedisClient,
    key: &[u8],
    commands: (&str, &str),
    request: &ValueRequest,
    extra: &[&str],
) -> Result<(u64, u64, Vec<Vec<u8>>), DriverError> {
    let start = start_of(&request.window);
    let stop = start + u64::from(request.count.max(1)) - 1;
    let mut length = redis::cmd(commands.0);
    length.arg(key);
    let mut range = redis::cmd(commands.1);
    range.arg(key).arg(start).arg(stop).arg(extra);
    let (total, page) = collection_page(client, length, range).await?;
    Ok((total, start, decode(page)?))
}

async fn read_hash(
    client: &RedisClient,
    key: &[u8],
    request: &ValueRequest,
) -> Result<ValuePage, DriverError> {
    let (total, next_cursor, flat) = cursor_page(client, key, ("HLEN", "HSCAN"), request).await?;
    Ok(ValuePage::Hash {
        total,
        entries: pairs(flat),
        next_cursor,
    })
}

async fn read_set(
    client: &RedisClient,
    key: &[u8],
    request: &ValueRequest,
) -> Result<ValuePage, DriverError> {
    let (total, next_cursor, members) =
        cursor_page(client, key, ("SCARD", "SSCAN"), request).await?;
    let members = members.into_iter().map(ByteString::new).collect();
    Ok(ValuePage::Set {
        total,
        members,
        next_cursor,
    })
}

/// Pairs up a flat `field, value, field, value …` reply, keeping order.
fn pairs(flat: Vec<Vec<u8>>) -> Vec<FieldValue> {
    let mut items = flat.into_iter();
    let mut out = Vec::new();
    while let (Some(field), Some(value)) = (items.next(), items.next()) {
        out.push(FieldValue {
            field: field.into(),
            value: value.into(),
        });
    }
    out
}

async fn read_list(
    client: &RedisClient,
    key: &[u8],
    request: &ValueRequest,
) -> Result<ValuePage, DriverError> {
    let (total, start, items) = index_page(client, key, ("LLEN", "LRANGE"), request, &[]).await?;
    let items = items.into_iter().map(ByteString::new).collect();
    Ok(ValuePage::List {
        total,
        start,
        items,
    })
}

async fn read_zset(
    client: &RedisClient,
    key: &[u8],
    request: &ValueRequest,
) -> Result<ValuePage, DriverError> {
    let commands = ("ZCARD", "ZRANGE");
    let (total, start, flat) = index_page(client, key, commands, request, &["WITHSCORES"]).await?;
    // RESP2 sends each score as the server's own text; keep it verbatim.
    let members = pairs(flat)
        .into_iter()
        .map(|pair| ScoredMember {
            member: pair.field,
            score: String::from_utf8_lossy(pair.value.as_bytes()).into_owned(),
        })
        .collect();
    Ok(ValuePage::Zset {
        total,
        start,
        members,
    })
}

async fn read_stream(
    client: &RedisClient,
    key: &[u8],
    request: &ValueRequest,
) -> Result<ValuePage, DriverError> {
    let from = match &request.window {
        ValueWindow::After(id) => format!("({id}"),
        _ => "-".to_owned(),
    };
    let mut length = redis::cmd("XLEN");
    length.arg(key);
    let mut range = redis::cmd("XRANGE");
    range
        .arg(key)
        .arg(from)
        .arg("+")
        .arg("COUNT")
        .arg(request.count);
    let (total, page) = length_and_page(client, length, range).await?;
    let raw: Vec<(String, Vec<Vec<u8>>)> = decode(page)?;
    let entries: Vec<StreamEntry> = raw
        .into_iter()
        .map(|(id, flat)| StreamEntry {
            id,
            fields: pairs(flat),
        })
        .collect();
    let last_id = entries.last().map(|entry| entry.id.clone());
    Ok(ValuePage::Stream {
        total,
        entries,
        last_id,
    })
}

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
    let set: i64 = client
        .query(redis::cmd("EXPIRE").arg(key.as_bytes()).arg(seconds))
        .await?;
    if set == 0 {
        return Err(DriverError::NotFound);
    }
    current_ttl(client, key).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keyspace_lines() {
        let fields = parse_info(
            "# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\ndb20:keys=1,expires=0,avg_ttl=0\r\n",
        );
        let keyspace = parse_keyspace(&fields);
        assert_eq!(keyspace.get(&0), Some(&3));
        assert_eq!(keyspace.get(&20), Some(&1));
        assert_eq!(keyspace.len(), 2);
    }

    #[test]
    fn pairs_keep_order_and_bytes() {
        let flat = vec![
            b"f1".to_vec(),
            b"alpha".to_vec(),
            b"f2".to_vec(),
            vec![0xff, 0xfe, 0, 1],
        ];
        let pairs = pairs(flat);
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[1].value.as_bytes(), &[0xff, 0xfe, 0, 1]);
        assert_eq!(pairs[0].field, ByteString::from("f1"));
    }
}
