//! What a server says about itself: version, mode, memory, databases.

use std::collections::BTreeMap;
use std::time::Instant;

use redis::Value;

use super::{RedisClient, decode, probe};
use crate::domain::ByteString;
use crate::domain::redis::{DatabaseInfo, InfoSection, Probe, ServerSummary, SlowEntry};
use crate::driver::DriverError;

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
    let mut dbsize = replies.next().and_then(|v| decode::<u64>(v).ok());
    if client.is_cluster() {
        dbsize = cluster_dbsize(client).await;
    }

    let field = |fields: &Option<BTreeMap<String, String>>, name: &str| {
        fields.as_ref().and_then(|f| f.get(name).cloned())
    };
    Ok(ServerSummary {
        latency_ms,
        version: probe(field(&server, "redis_version")),
        mode: probe(field(&server, "redis_mode")),
        used_memory: probe(field(&memory, "used_memory").and_then(|m| m.parse().ok())),
        dbsize: probe(dbsize),
        database_size: Probe::Unavailable,
    })
}

/// The keys of every primary of a cluster together, if each one answers.
async fn cluster_dbsize(client: &RedisClient) -> Option<u64> {
    let replies = client.on_primaries(&redis::cmd("DBSIZE")).await.ok()?;
    replies
        .into_iter()
        .map(|reply| decode::<u64>(reply).ok())
        .sum()
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

/// Reads INFO's default sections, each with its fields in order.
pub async fn info(client: &RedisClient) -> Result<Vec<InfoSection>, DriverError> {
    let text: String = client.query(&redis::cmd("INFO")).await?;
    Ok(parse_sections(&text))
}

/// Splits an INFO reply at its `# Section` headers.
pub fn parse_sections(text: &str) -> Vec<InfoSection> {
    let mut sections: Vec<InfoSection> = Vec::new();
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        if let Some(header) = line.strip_prefix('#') {
            sections.push(InfoSection {
                name: header.trim().to_lowercase(),
                fields: Vec::new(),
            });
        } else if let (Some(section), Some((name, value))) =
            (sections.last_mut(), line.split_once(':'))
        {
            section.fields.push((name.to_owned(), value.to_owned()));
        }
    }
    sections
}

/// Reads the newest `count` SLOWLOG entries.
pub async fn slowlog(client: &RedisClient, count: u32) -> Result<Vec<SlowEntry>, DriverError> {
    let reply: Vec<Value> = client
        .query(redis::cmd("SLOWLOG").arg("GET").arg(count))
        .await?;
    reply.into_iter().map(slow_entry).collect()
}

/// One entry: `[id, started, microseconds, [args…], addr, name]`; the last
/// two exist since Redis 4.
fn slow_entry(entry: Value) -> Result<SlowEntry, DriverError> {
    let mut parts: std::vec::IntoIter<Value> = decode::<Vec<Value>>(entry)?.into_iter();
    let mut next = || {
        parts
            .next()
            .ok_or_else(|| DriverError::Server("a SLOWLOG entry came back short".into()))
    };
    let id = decode(next()?)?;
    let started_at = decode(next()?)?;
    let duration_us = decode(next()?)?;
    let command: Vec<Vec<u8>> = decode(next()?)?;
    let client = next().ok().and_then(|v| decode::<String>(v).ok());
    let client_name = next()
        .ok()
        .and_then(|v| decode::<String>(v).ok())
        .filter(|name| !name.is_empty());
    Ok(SlowEntry {
        id,
        started_at,
        duration_us,
        command: command.into_iter().map(ByteString::new).collect(),
        client,
        client_name,
    })
}

/// Lists the databases. The count comes from `CONFIG GET databases` when
/// allowed; otherwise it is 16 or enough to cover every database that
/// `INFO keyspace` reports, so a server with CONFIG renamed still works.
/// A cluster has database 0 only, holding the keys of all its primaries.
pub async fn databases(client: &RedisClient) -> Result<Vec<DatabaseInfo>, DriverError> {
    if client.is_cluster() {
        return Ok(vec![DatabaseInfo {
            index: 0,
            keys: cluster_dbsize(client).await,
            cluster: true,
        }]);
    }
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
            cluster: false,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_sections_keep_their_fields_in_order() {
        let text = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n\r\n\
                    # Memory\r\nused_memory:1024\r\n";
        let sections = parse_sections(text);
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].name, "server");
        assert_eq!(
            sections[0].fields,
            [
                ("redis_version".to_owned(), "7.0.15".to_owned()),
                ("redis_mode".to_owned(), "standalone".to_owned())
            ]
        );
        assert_eq!(sections[1].fields[0].1, "1024");
    }

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
}
