//! Pub/sub as typed data: a received message, the channels a server reports,
//! and the bounded ring that holds messages between a subscriber and whoever
//! shows them.
//!
//! Channels, patterns and payloads are bytes. The ring never grows past its
//! capacity: when it is full the oldest message makes room and is counted as
//! dropped, so a reader can always say how many it never saw.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::bytes::ByteString;

/// One message as a subscriber received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    /// When it arrived, in milliseconds since the Unix epoch.
    pub received_ms: u64,
    pub channel: ByteString,
    /// The pattern that matched, for a message from PSUBSCRIBE.
    pub pattern: Option<ByteString>,
    pub payload: ByteString,
}

impl Message {
    /// A message that arrived now.
    pub fn now(channel: ByteString, pattern: Option<ByteString>, payload: ByteString) -> Self {
        Self {
            received_ms: now_ms(),
            channel,
            pattern,
            payload,
        }
    }
}

/// Milliseconds since the Unix epoch; 0 if the clock is before it.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// An active channel and how many clients subscribe to it (PUBSUB NUMSUB).
/// Pattern subscribers are not counted, as Redis does not count them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChannelInfo {
    pub channel: ByteString,
    pub subscribers: u64,
}

/// Whether `notify-keyspace-events` flags make the server publish keyspace
/// notifications (`__keyspace@<db>__:<key>`): `K` and at least one class of
/// events.
pub fn keyspace_events_on(flags: &str) -> bool {
    flags.contains('K')
        && flags
            .chars()
            .any(|c| "AgshlzxetmdnKE$".contains(c) && c != 'K')
}

/// The pattern for keyspace notifications of keys matching `keys` in `db`.
pub fn keyspace_pattern(db: u32, keys: &str) -> ByteString {
    format!("__keyspace@{db}__:{keys}").into()
}

/// What a subscription change names: channels or patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Channels,
    Patterns,
}

/// A bounded queue of messages, oldest first, that drops its oldest
/// message to make room and counts what it dropped.
#[derive(Clone, Debug)]
pub struct MessageRing {
    messages: VecDeque<Message>,
    capacity: usize,
    dropped: u64,
}

impl MessageRing {
    /// A ring holding at most `capacity` messages (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            messages: VecDeque::with_capacity(capacity.min(4096)),
            capacity,
            dropped: 0,
        }
    }

    /// Adds a message, dropping the oldest when the ring is full.
    pub fn push(&mut self, message: Message) {
        if self.messages.len() == self.capacity {
            self.messages.pop_front();
            self.dropped += 1;
        }
        self.messages.push_back(message);
    }

    /// Moves every message of `other` in, oldest first, adding its drops.
    pub fn append(&mut self, other: &mut Self) {
        self.dropped += other.take_dropped();
        for message in other.messages.drain(..) {
            self.push(message);
        }
    }

    /// Takes every message, oldest first, leaving the ring empty.
    pub fn take(&mut self) -> Vec<Message> {
        self.messages.drain(..).collect()
    }

    /// The drops counted since the last call, resetting the count.
    pub fn take_dropped(&mut self) -> u64 {
        std::mem::take(&mut self.dropped)
    }

    /// Drops counted and not yet taken.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Message> + ExactSizeIterator {
        self.messages.iter()
    }

    /// The message `index` places from the oldest.
    pub fn get(&self, index: usize) -> Option<&Message> {
        self.messages.get(index)
    }

    /// Forgets the messages (not the drop count).
    pub fn clear(&mut self) {
        self.messages.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(n: u32) -> Message {
        Message::now("ch".into(), None, n.to_string().into())
    }

    #[test]
    fn keyspace_events_need_k_and_a_class() {
        assert!(keyspace_events_on("KA"));
        assert!(keyspace_events_on("gK$"));
        assert!(!keyspace_events_on(""));
        assert!(!keyspace_events_on("K"));
        assert!(!keyspace_events_on("EA"), "keyevent only, no keyspace");
        assert_eq!(
            keyspace_pattern(3, "user:*").escaped(),
            "__keyspace@3__:user:*"
        );
    }

    #[test]
    fn a_full_ring_drops_its_oldest_and_counts_it() {
        let mut ring = MessageRing::new(3);
        for n in 0..5 {
            ring.push(message(n));
        }
        let kept: Vec<_> = ring.iter().map(|m| m.payload.escaped()).collect();
        assert_eq!(kept, ["2", "3", "4"]);
        assert_eq!(ring.dropped(), 2);
        assert_eq!(ring.take_dropped(), 2);
        assert_eq!(ring.dropped(), 0);
    }

    #[test]
    fn appending_carries_drops_and_respects_capacity() {
        let mut source = MessageRing::new(2);
        for n in 0..3 {
            source.push(message(n));
        }
        let mut target = MessageRing::new(1);
        target.append(&mut source);
        assert!(source.is_empty());
        assert_eq!(target.len(), 1);
        assert_eq!(target.dropped(), 2);
        assert_eq!(
            target.take().first().map(|m| m.payload.escaped()),
            Some("2".into())
        );
    }

    #[test]
    fn sent_is_kept_plus_dropped_for_any_capacity() {
        for capacity in [1, 7, 100] {
            let mut ring = MessageRing::new(capacity);
            for n in 0..250 {
                ring.push(message(n));
            }
            assert_eq!(ring.len() as u64 + ring.dropped(), 250);
        }
    }
}
