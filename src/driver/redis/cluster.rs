//! Redis Cluster: which primary owns which slots, and sending work to the
//! node that owns it.
//!
//! The redis crate's cluster connection routes single-key commands by
//! itself. What it cannot do for us is SCAN every primary, or split a page
//! of keys into one pipeline per owning node; this module keeps the slot map
//! for that. It never sends one command across slots.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use futures::future::try_join_all;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, Pipeline, RedisError, Value};

use super::{decode, map_error};
use crate::driver::DriverError;

/// The number of hash slots of a Redis Cluster.
pub const SLOTS: u16 = 16_384;

/// The hash slot of a key: CRC16 of the key, or of its `{hash tag}` when
/// the key has a non-empty one.
pub fn key_slot(key: &[u8]) -> u16 {
    let tagged = key
        .iter()
        .position(|&b| b == b'{')
        .and_then(|open| {
            let rest = &key[open + 1..];
            rest.iter()
                .position(|&b| b == b'}')
                .map(|close| &rest[..close])
        })
        .filter(|tag| !tag.is_empty());
    crc16::State::<crc16::XMODEM>::calculate(tagged.unwrap_or(key)) % SLOTS
}

/// A primary and the first slot it owns, which orders the primaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Primary {
    pub host: String,
    pub port: u16,
    pub first_slot: u16,
}

/// The primaries in slot order and each slot range's owner.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Topology {
    pub primaries: Vec<Primary>,
    /// `first slot of a range → (last slot, index into primaries)`.
    ranges: BTreeMap<u16, (u16, usize)>,
}

impl Topology {
    /// Reads a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id], replicas…], …]`.
    /// Replicas are ignored: dbdeck reads and writes on primaries only.
    pub fn from_slots(reply: Value) -> Result<Self, DriverError> {
        let mut owners: BTreeMap<(String, u16), Vec<(u16, u16)>> = BTreeMap::new();
        for range in decode::<Vec<Value>>(reply)? {
            let mut parts = decode::<Vec<Value>>(range)?.into_iter();
            let (Some(start), Some(end), Some(primary)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(DriverError::Server(
                    "a CLUSTER SLOTS entry came back short".into(),
                ));
            };
            let mut node = decode::<Vec<Value>>(primary)?.into_iter();
            let (Some(host), Some(port)) = (node.next(), node.next()) else {
                return Err(DriverError::Server(
                    "a CLUSTER SLOTS node came back short".into(),
                ));
            };
            owners
                .entry((decode(host)?, decode(port)?))
                .or_default()
                .push((decode(start)?, decode(end)?));
        }
        Ok(Self::from_owners(owners))
    }

    fn from_owners(owners: BTreeMap<(String, u16), Vec<(u16, u16)>>) -> Self {
        let mut owners: Vec<_> = owners.into_iter().collect();
        owners.sort_by_key(|(_, ranges)| ranges.iter().map(|r| r.0).min());
        let mut topology = Self::default();
        for (index, ((host, port), ranges)) in owners.into_iter().enumerate() {
            let first_slot = ranges.iter().map(|r| r.0).min().unwrap_or(0);
            topology.primaries.push(Primary {
                host,
                port,
                first_slot,
            });
            for (start, end) in ranges {
                topology.ranges.insert(start, (end, index));
            }
        }
        topology
    }

    /// The index of the primary owning `slot`, if any primary does.
    pub fn owner(&self, slot: u16) -> Option<usize> {
        let (_, &(end, index)) = self.ranges.range(..=slot).next_back()?;
        (slot <= end).then_some(index)
    }
}

/// A cluster connection with the slot map dbdeck routes by.
#[derive(Clone)]
pub struct Cluster {
    pub conn: ClusterConnection,
    topology: Arc<RwLock<Arc<Topology>>>,
}

impl Cluster {
    /// Wraps a connection and reads its slot map.
    pub async fn new(conn: ClusterConnection) -> Result<Self, DriverError> {
        let cluster = Self {
            conn,
            topology: Arc::default(),
        };
        cluster.refresh().await?;
        Ok(cluster)
    }

    /// Reads the slot map again (a scan starting over, or a MOVED reply).
    pub async fn refresh(&self) -> Result<Arc<Topology>, DriverError> {
        let mut conn = self.conn.clone();
        let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::RandomPrimary);
        let mut slots = redis::cmd("CLUSTER");
        slots.arg("SLOTS");
        let reply = conn
            .route_command(slots, routing)
            .await
            .map_err(map_error)?;
        let topology = Arc::new(Topology::from_slots(reply)?);
        if let Ok(mut current) = self.topology.write() {
            *current = Arc::clone(&topology);
        }
        Ok(topology)
    }

    /// The slot map as last read.
    pub fn topology(&self) -> Arc<Topology> {
        self.topology
            .read()
            .map(|t| Arc::clone(&t))
            .unwrap_or_default()
    }

    /// Sends a command to one primary.
    pub async fn on_node(&self, primary: &Primary, cmd: Cmd) -> Result<Value, DriverError> {
        let mut conn = self.conn.clone();
        let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
            host: primary.host.clone(),
            port: primary.port,
        });
        conn.route_command(cmd, routing).await.map_err(map_error)
    }

    /// Sends a command to every primary, answering in slot order.
    pub async fn on_primaries(&self, cmd: &Cmd) -> Result<Vec<Value>, DriverError> {
        let topology = self.topology();
        try_join_all(
            topology
                .primaries
                .iter()
                .map(|primary| self.on_node(primary, cmd.clone())),
        )
        .await
    }

    /// Runs per-key pipelines grouped by owning primary, concurrently, and
    /// puts the replies back in key order. `build` adds `per_key` commands
    /// for one key. Each reply slot may hold its own error.
    pub async fn per_key<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        per_key: usize,
        build: impl Fn(&mut Pipeline, &[u8]),
    ) -> Result<Vec<Value>, DriverError> {
        let before = self.topology();
        let first = self.per_key_on(&before, keys, per_key, &build).await;
        if first
            .as_ref()
            .is_ok_and(|replies| !replies.iter().any(is_moved))
        {
            return first;
        }
        // A failure may be slots that moved since the map was read (a
        // reshard answers MOVED, in a slot or for the whole pipeline): when
        // the map did change, ask once more. The commands sent this way are
        // reads and EXPIRE, which are safe to repeat.
        let after = self.refresh().await?;
        if after == before {
            return first;
        }
        self.per_key_on(&after, keys, per_key, &build).await
    }

    async fn per_key_on<K: AsRef<[u8]>>(
        &self,
        topology: &Topology,
        keys: &[K],
        per_key: usize,
        build: &impl Fn(&mut Pipeline, &[u8]),
    ) -> Result<Vec<Value>, DriverError> {
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (index, key) in keys.iter().enumerate() {
            let slot = key_slot(key.as_ref());
            let owner = topology.owner(slot).ok_or_else(|| {
                DriverError::Unavailable(format!("no primary of the cluster serves slot {slot}"))
            })?;
            groups.entry(owner).or_default().push(index);
        }

        let sends = groups.iter().map(|(&owner, indexes)| {
            let mut pipe = redis::pipe();
            for &index in indexes {
                build(&mut pipe, keys[index].as_ref());
            }
            self.pipeline_on(&topology.primaries[owner], pipe)
        });
        let replies = try_join_all(sends).await?;

        let mut out = vec![Value::Nil; keys.len() * per_key];
        for (indexes, replies) in groups.values().zip(replies) {
            if replies.len() != indexes.len() * per_key {
                return Err(DriverError::Server(
                    "a cluster pipeline came back short".into(),
                ));
            }
            let mut replies = replies.into_iter();
            for &index in indexes {
                for reply in out[index * per_key..(index + 1) * per_key].iter_mut() {
                    *reply = replies.next().unwrap_or(Value::Nil);
                }
            }
        }
        Ok(out)
    }

    /// Runs one command per hash slot over that slot's keys (`build` gets
    /// the keys), one pipeline per owning primary, concurrently. Answers
    /// the replies, in no particular order.
    pub async fn per_slot<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        build: impl Fn(&mut Pipeline, &[&[u8]]),
    ) -> Result<Vec<Value>, DriverError> {
        let topology = self.topology();
        let mut slots: BTreeMap<u16, Vec<&[u8]>> = BTreeMap::new();
        for key in keys {
            slots
                .entry(key_slot(key.as_ref()))
                .or_default()
                .push(key.as_ref());
        }
        let mut nodes: BTreeMap<usize, Vec<Vec<&[u8]>>> = BTreeMap::new();
        for (slot, keys) in slots {
            let owner = topology.owner(slot).ok_or_else(|| {
                DriverError::Unavailable(format!("no primary of the cluster serves slot {slot}"))
            })?;
            nodes.entry(owner).or_default().push(keys);
        }

        let sends = nodes.iter().map(|(&owner, groups)| {
            let mut pipe = redis::pipe();
            for keys in groups {
                build(&mut pipe, keys);
            }
            self.pipeline_on(&topology.primaries[owner], pipe)
        });
        Ok(try_join_all(sends).await?.into_iter().flatten().collect())
    }

    async fn pipeline_on(
        &self,
        primary: &Primary,
        pipe: Pipeline,
    ) -> Result<Vec<Value>, DriverError> {
        let mut pipe = pipe;
        pipe.ignore_errors();
        let count = pipe.len();
        let mut conn = self.conn.clone();
        let routing = SingleNodeRoutingInfo::ByAddress {
            host: primary.host.clone(),
            port: primary.port,
        };
        conn.route_pipeline(pipe, 0, count, routing)
            .await
            .map_err(map_error)
    }
}

/// Whether a reply says its slot lives on another node now.
fn is_moved(reply: &Value) -> bool {
    match reply {
        Value::ServerError(error) => RedisError::from(error.clone()).code() == Some("MOVED"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_slots_follow_the_cluster_spec() {
        // Values from the Redis Cluster specification and CLUSTER KEYSLOT.
        assert_eq!(key_slot(b"123456789"), 0x31C3 % SLOTS);
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        assert_ne!(key_slot(b"foo{}{bar}"), key_slot(b"bar"));
        assert_eq!(key_slot(b"foo{{bar}}zap"), key_slot(b"{bar"));
    }

    #[test]
    fn topology_orders_primaries_by_their_first_slot() {
        let mut owners = BTreeMap::new();
        owners.insert(("127.0.0.1".to_owned(), 7002), vec![(10923, 16383)]);
        owners.insert(("127.0.0.1".to_owned(), 7000), vec![(5461, 10922)]);
        owners.insert(("127.0.0.1".to_owned(), 7001), vec![(0, 5460)]);
        let topology = Topology::from_owners(owners);
        let ports: Vec<u16> = topology.primaries.iter().map(|p| p.port).collect();
        assert_eq!(ports, [7001, 7000, 7002]);
        assert_eq!(topology.owner(0), Some(0));
        assert_eq!(topology.owner(5461), Some(1));
        assert_eq!(topology.owner(16383), Some(2));
    }

    #[test]
    fn a_slot_nobody_serves_has_no_owner() {
        let mut owners = BTreeMap::new();
        owners.insert(("a".to_owned(), 1), vec![(0, 99), (200, 299)]);
        let topology = Topology::from_owners(owners);
        assert_eq!(topology.owner(150), None);
        assert_eq!(topology.owner(250), Some(0));
        assert_eq!(topology.owner(300), None);
    }
}
