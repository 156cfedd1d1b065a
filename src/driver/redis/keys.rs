//! SCAN pages and the metadata (TYPE, PTTL, MEMORY USAGE) of their keys.

use std::sync::Arc;
use std::time::Instant;

use redis::Cmd;

use super::cluster::Topology;
use super::{RedisClient, decode, probe};
use crate::domain::ByteString;
use crate::domain::redis::{KeyInfo, KeyPage, KeyType, ScanCursor, ScanRequest, Ttl};
use crate::driver::DriverError;

/// Reads one page of keys. SCAN calls continue through empty pages until a
/// key turns up, the scan completes, or the time budget runs out, so the
/// first page costs one SCAN and one metadata round trip when keys exist.
///
/// A cluster is scanned one primary after another, in slot order; replicas
/// are never asked, so each key turns up once.
pub async fn scan_page(
    client: &RedisClient,
    request: &ScanRequest,
) -> Result<KeyPage, DriverError> {
    let started = Instant::now();
    let mut nodes = Nodes::of(client, request.cursor).await?;
    let mut cursor = Some(request.cursor);
    let mut calls = 0;
    let mut keys: Vec<Vec<u8>> = Vec::new();
    while let Some(at) = cursor {
        let (next, found) = nodes
            .scan(client, at, scan_command(request, at.position))
            .await?;
        calls += 1;
        cursor = next;
        keys.extend(found);
        if !keys.is_empty() || started.elapsed() >= request.budget {
            break;
        }
    }

    let items = key_infos(client, keys.into_iter().map(ByteString::new).collect()).await?;
    Ok(KeyPage {
        items,
        next_cursor: cursor,
        complete: cursor.is_none(),
        calls,
    })
}

fn scan_command(request: &ScanRequest, position: u64) -> Cmd {
    let mut cmd = redis::cmd("SCAN");
    cmd.arg(position)
        .arg("MATCH")
        .arg(request.filter.match_bytes())
        .arg("COUNT")
        .arg(request.count);
    if let Some(key_type) = &request.key_type {
        cmd.arg("TYPE").arg(key_type.name());
    }
    cmd
}

/// A walk over every key matching a request, a SCAN call at a time, keys
/// only: what bulk actions go through.
pub(super) struct KeyWalk {
    nodes: Nodes,
    request: ScanRequest,
    cursor: Option<ScanCursor>,
}

impl KeyWalk {
    pub async fn start(client: &RedisClient, request: ScanRequest) -> Result<Self, DriverError> {
        Ok(Self {
            nodes: Nodes::of(client, ScanCursor::START).await?,
            cursor: Some(ScanCursor::START),
            request,
        })
    }

    /// The keys of the next SCAN call (maybe none), or `None` once done.
    pub async fn next(
        &mut self,
        client: &RedisClient,
    ) -> Result<Option<Vec<Vec<u8>>>, DriverError> {
        let Some(at) = self.cursor else {
            return Ok(None);
        };
        let cmd = scan_command(&self.request, at.position);
        let (next, found) = self.nodes.scan(client, at, cmd).await?;
        self.cursor = next;
        Ok(Some(found))
    }
}

/// The servers a scan walks: the one server, or a cluster's primaries.
enum Nodes {
    Single,
    Cluster(Arc<Topology>),
}

impl Nodes {
    /// A scan starting over reads the slot map afresh; one continuing keeps
    /// the map it was walking, as far as this process still has it.
    async fn of(client: &RedisClient, cursor: ScanCursor) -> Result<Self, DriverError> {
        match client.cluster() {
            None => Ok(Self::Single),
            Some(cluster) if cursor == ScanCursor::START => {
                Ok(Self::Cluster(cluster.refresh().await?))
            }
            Some(cluster) => Ok(Self::Cluster(cluster.topology())),
        }
    }

    /// Runs one SCAN call at `at`; answers the cursor after it (`None`
    /// once every node is done) and the keys it found.
    async fn scan(
        &mut self,
        client: &RedisClient,
        at: ScanCursor,
        cmd: Cmd,
    ) -> Result<(Option<ScanCursor>, Vec<Vec<u8>>), DriverError> {
        let (topology, cluster) = match (self, client.cluster()) {
            (Self::Cluster(topology), Some(cluster)) => (topology, cluster),
            _ => {
                let (next, found): (u64, Vec<Vec<u8>>) = client.query(&cmd).await?;
                return Ok(((next != 0).then_some(ScanCursor::at(next)), found));
            }
        };
        let node = usize::try_from(at.node).unwrap_or(usize::MAX);
        let Some(primary) = topology.primaries.get(node) else {
            return Err(DriverError::InvalidInput(
                "the cluster changed since this scan started: start the scan again".into(),
            ));
        };
        let (next, found): (u64, Vec<Vec<u8>>) = decode(cluster.on_node(primary, cmd).await?)?;
        let next = match next {
            0 if node + 1 < topology.primaries.len() => Some(ScanCursor {
                node: at.node + 1,
                position: 0,
            }),
            0 => None,
            position => Some(ScanCursor {
                node: at.node,
                position,
            }),
        };
        Ok((next, found))
    }
}

/// TYPE, PTTL and MEMORY USAGE for every key, in one pipelined round trip.
pub async fn key_infos(
    client: &RedisClient,
    keys: Vec<ByteString>,
) -> Result<Vec<KeyInfo>, DriverError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let replies = client
        .per_key(&keys, 3, |pipe, key| {
            pipe.cmd("TYPE").arg(key);
            pipe.cmd("PTTL").arg(key);
            pipe.cmd("MEMORY").arg("USAGE").arg(key);
        })
        .await?;
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
