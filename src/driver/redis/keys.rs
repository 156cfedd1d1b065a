//! SCAN pages and the metadata (TYPE, PTTL, MEMORY USAGE) of their keys.

use std::time::Instant;

use super::{RedisClient, decode, probe};
use crate::domain::ByteString;
use crate::domain::redis::{KeyInfo, KeyPage, KeyType, ScanRequest, Ttl};
use crate::driver::DriverError;

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
