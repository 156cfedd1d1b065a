//! Reading one page of a key's value, shaped by its type, never the whole
//! value: strings a capped chunk at a time, collections by cursor or index.

use std::collections::HashMap;

use redis::{Cmd, Value};

use super::{RedisClient, decode, key_infos, probe, slot_error};
use crate::domain::ByteString;
use crate::domain::redis::{
    FieldValue, KeyType, KeyValue, Probe, ScoredMember, StreamEntry, StreamGroup, ValuePage,
    ValueRequest, ValueWindow,
};
use crate::driver::DriverError;

/// Reads a key's type, TTL and one page of its value.
pub async fn read_value(
    client: &RedisClient,
    request: &ValueRequest,
) -> Result<KeyValue, DriverError> {
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
    Ok(KeyValue {
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
    let mut pipe = redis::pipe();
    pipe.cmd("XLEN").arg(key);
    pipe.cmd("XRANGE")
        .arg(key)
        .arg(from)
        .arg("+")
        .arg("COUNT")
        .arg(request.count);
    pipe.cmd("XINFO").arg("GROUPS").arg(key);
    let mut replies = client.pipeline(&mut pipe).await?.into_iter();
    let (Some(length), Some(page), Some(groups)) = (replies.next(), replies.next(), replies.next())
    else {
        return Err(DriverError::Server(
            "the stream pipeline came back short".into(),
        ));
    };
    let total: u64 = decode(length)?;
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
        groups: probe(stream_groups(groups)),
    })
}

/// Reads an XINFO GROUPS reply; `None` when the server refused it (an ACL
/// without XINFO) or answered in a shape this code does not know.
fn stream_groups(reply: Value) -> Option<Vec<StreamGroup>> {
    let groups: Vec<HashMap<String, Value>> = decode(reply).ok()?;
    groups
        .into_iter()
        .map(|mut group| {
            let mut take = |field: &str| group.remove(field).unwrap_or(Value::Nil);
            Some(StreamGroup {
                name: ByteString::new(decode::<Vec<u8>>(take("name")).ok()?),
                consumers: decode(take("consumers")).ok()?,
                pending: decode(take("pending")).ok()?,
                last_delivered_id: decode(take("last-delivered-id")).ok()?,
                lag: decode::<Option<u64>>(take("lag")).ok().flatten(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
