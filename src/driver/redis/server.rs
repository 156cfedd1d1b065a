//! What a server says about itself: version, mode, memory, databases.

use std::collections::BTreeMap;
use std::time::Instant;

use redis::Value;

use super::{RedisClient, decode, probe};
use crate::domain::ByteString;
use crate::domain::redis::{
    ClientEntry, DatabaseInfo, InfoSection, Part, Probe, ServerPanel, ServerSummary, SlowEntry,
};
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

/// Reads INFO, the newest `slowlog` SLOWLOG entries and CLIENT LIST in one
/// round trip. A part the server refuses (an ACL denial) comes back as such
/// while the others show; only a lost connection fails the whole panel.
pub async fn server_panel(client: &RedisClient, slowlog: u32) -> Result<ServerPanel, DriverError> {
    let mut pipe = redis::pipe();
    pipe.cmd("INFO")
        .cmd("SLOWLOG")
        .arg("GET")
        .arg(slowlog)
        .cmd("CLIENT")
        .arg("LIST");
    let mut replies = client.pipeline(&mut pipe).await?.into_iter();
    let info = part(replies.next(), |v| {
        Ok(parse_sections(&decode::<String>(v)?))
    });
    let slowlog = part(replies.next(), |v| {
        decode::<Vec<Value>>(v)?
            .into_iter()
            .map(slow_entry)
            .collect()
    });
    let clients = part(replies.next(), |v| {
        Ok(parse_client_list(&decode::<String>(v)?))
    });
    Ok(ServerPanel {
        info,
        slowlog,
        clients,
    })
}

/// Turns one pipeline slot into a panel part.
fn part<T>(reply: Option<Value>, read: impl FnOnce(Value) -> Result<T, DriverError>) -> Part<T> {
    let missing = || DriverError::Server("the server sent fewer replies than asked".into());
    match reply.ok_or_else(missing).and_then(read) {
        Ok(value) => Part::Ready(value),
        Err(DriverError::NotPermitted(_)) => Part::NotPermitted,
        Err(error) => Part::Failed(error.to_string()),
    }
}

/// Lists the server's client connections (CLIENT LIST).
pub async fn clients(client: &RedisClient) -> Result<Vec<ClientEntry>, DriverError> {
    let text: String = client.query(redis::cmd("CLIENT").arg("LIST")).await?;
    Ok(parse_client_list(&text))
}

/// Parses CLIENT LIST: one client a line, `name=value` pairs split by
/// spaces (the server refuses spaces in client names). Lines without an id
/// are skipped.
pub fn parse_client_list(text: &str) -> Vec<ClientEntry> {
    text.lines().filter_map(client_entry).collect()
}

fn client_entry(line: &str) -> Option<ClientEntry> {
    let fields: BTreeMap<&str, &str> = line
        .split(' ')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    let text = |name: &str| fields.get(name).map(|v| (*v).to_owned());
    let number = |name: &str| fields.get(name).and_then(|v| v.parse::<u64>().ok());
    Some(ClientEntry {
        id: number("id")?,
        addr: text("addr").unwrap_or_default(),
        name: text("name").unwrap_or_default(),
        user: text("user"),
        db: fields.get("db").and_then(|v| v.parse().ok()),
        age_secs: number("age").unwrap_or(0),
        idle_secs: number("idle").unwrap_or(0),
        flags: text("flags").unwrap_or_default(),
        cmd: text("cmd").unwrap_or_default(),
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
    fn client_list_lines_become_entries() {
        let text = "id=3 addr=127.0.0.1:50212 laddr=127.0.0.1:6379 fd=8 name=worker-1 \
                    age=95 idle=2 flags=N db=4 sub=0 psub=0 cmd=client|list user=app\n\
                    id=9 addr=[::1]:6000 fd=9 name= age=1 idle=0 flags=P db=0 cmd=subscribe\n\
                    garbage line\n";
        let clients = parse_client_list(text);
        assert_eq!(clients.len(), 2);
        assert_eq!(clients[0].id, 3);
        assert_eq!(clients[0].addr, "127.0.0.1:50212");
        assert_eq!(clients[0].name, "worker-1");
        assert_eq!(clients[0].user.as_deref(), Some("app"));
        assert_eq!(clients[0].db, Some(4));
        assert_eq!((clients[0].age_secs, clients[0].idle_secs), (95, 2));
        assert_eq!(clients[0].cmd, "client|list");
        assert_eq!(clients[1].addr, "[::1]:6000");
        assert_eq!(clients[1].name, "");
        assert_eq!(clients[1].user, None);
        assert_eq!(clients[1].flags, "P");
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
