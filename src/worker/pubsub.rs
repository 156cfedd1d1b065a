//! Subscriptions shared per connection: every pane or socket that watches
//! a connection's channels joins one subscriber, and the connection closes
//! when the last of them leaves.
//!
//! Each member has its own mailbox: a bounded ring that the subscriber's
//! task fills and the member empties in batches, so a member that reads
//! slowly loses its oldest messages (counted) instead of growing memory,
//! and never slows the others. A message goes to the members that
//! subscribed to its channel, or to its pattern for a pattern message.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use tokio::sync::Notify;

use crate::domain::pubsub::{Message, MessageRing, Target};
use crate::domain::{ByteString, ConnectTarget, ProfileId};
use crate::driver::DriverError;
use crate::driver::redis::Timeouts;
use crate::driver::redis::pubsub::{self, Change, FeedEvent, Subscriber};

/// What a member finds in its mailbox.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// Messages dropped since the last batch because the mailbox was full.
    pub dropped: u64,
    /// The connection dropped since the last batch, with why.
    pub lost: Option<DriverError>,
    /// The connection came back and every subscription was made again.
    pub resubscribed: bool,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.dropped == 0 && self.lost.is_none() && !self.resubscribed
    }
}

/// One member's inbox.
struct Mailbox {
    state: Mutex<Inbox>,
    ready: Notify,
}

struct Inbox {
    ring: MessageRing,
    lost: Option<DriverError>,
    resubscribed: bool,
}

impl Mailbox {
    fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(Inbox {
                ring: MessageRing::new(capacity),
                lost: None,
                resubscribed: false,
            }),
            ready: Notify::new(),
        }
    }

    fn inbox(&self) -> MutexGuard<'_, Inbox> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn deliver(&self, event: &FeedEvent) {
        {
            let mut inbox = self.inbox();
            match event {
                FeedEvent::Message(message) => inbox.ring.push(message.clone()),
                FeedEvent::Lost(error) => inbox.lost = Some(error.clone()),
                FeedEvent::Resubscribed => inbox.resubscribed = true,
            }
        }
        self.ready.notify_one();
    }
}

/// What one member subscribed to.
#[derive(Default)]
struct Interest {
    channels: BTreeSet<ByteString>,
    patterns: BTreeSet<ByteString>,
}

impl Interest {
    fn set(&mut self, target: Target) -> &mut BTreeSet<ByteString> {
        match target {
            Target::Channels => &mut self.channels,
            Target::Patterns => &mut self.patterns,
        }
    }

    fn wants(&self, message: &Message) -> bool {
        match &message.pattern {
            Some(pattern) => self.patterns.contains(pattern),
            None => self.channels.contains(&message.channel),
        }
    }
}

/// The members of one connection's subscriber.
#[derive(Default)]
struct Members {
    by_id: HashMap<u64, (Interest, Arc<Mailbox>)>,
}

impl Members {
    fn holds(&self, target: Target, name: &ByteString, except: u64) -> bool {
        self.by_id.iter().any(|(id, (interest, _))| {
            *id != except
                && match target {
                    Target::Channels => interest.channels.contains(name),
                    Target::Patterns => interest.patterns.contains(name),
                }
        })
    }

    fn route(&self, event: &FeedEvent) {
        for (interest, mailbox) in self.by_id.values() {
            match event {
                FeedEvent::Message(message) if !interest.wants(message) => {}
                _ => mailbox.deliver(event),
            }
        }
    }
}

/// One connection's subscriber and its members.
struct Shared {
    subscriber: Subscriber,
    members: Arc<Mutex<Members>>,
}

type Slot = (ProfileId, i64);

/// The subscribers of every connection, one each, opened on first join.
pub struct PubSubHub {
    shared: Mutex<HashMap<Slot, Weak<Shared>>>,
    /// Serialises opening, so two first members share one connection.
    opening: tokio::sync::Mutex<()>,
    timeouts: Timeouts,
    next_member: AtomicU64,
}

impl PubSubHub {
    pub fn new(timeouts: Timeouts) -> Self {
        Self {
            shared: Mutex::new(HashMap::new()),
            opening: tokio::sync::Mutex::new(()),
            timeouts,
            next_member: AtomicU64::new(1),
        }
    }

    /// Joins the target's subscriber, opening it if nobody watches the
    /// connection yet; the member's mailbox holds `capacity` messages.
    pub async fn join(
        &self,
        target: &ConnectTarget,
        capacity: usize,
    ) -> Result<Membership, DriverError> {
        let _opening = self.opening.lock().await;
        let slot = (target.id, target.revision);
        let existing = self.map().get(&slot).and_then(Weak::upgrade);
        let shared = match existing {
            Some(shared) => shared,
            None => {
                let shared = Arc::new(self.open(target).await?);
                self.map().insert(slot, Arc::downgrade(&shared));
                shared
            }
        };
        let id = self.next_member.fetch_add(1, Ordering::Relaxed);
        let mailbox = Arc::new(Mailbox::new(capacity));
        lock(&shared.members)
            .by_id
            .insert(id, (Interest::default(), Arc::clone(&mailbox)));
        Ok(Membership {
            id,
            shared,
            mailbox,
        })
    }

    async fn open(&self, target: &ConnectTarget) -> Result<Shared, DriverError> {
        self.map().retain(|_, shared| shared.strong_count() > 0);
        let members = Arc::new(Mutex::new(Members::default()));
        let routed = Arc::clone(&members);
        let sink = Arc::new(move |event: FeedEvent| lock(&routed).route(&event));
        let subscriber = pubsub::subscriber(target, self.timeouts, sink).await?;
        Ok(Shared {
            subscriber,
            members,
        })
    }

    /// How many connections have a live subscriber.
    pub fn open_connections(&self) -> usize {
        self.map().values().filter(|s| s.strong_count() > 0).count()
    }

    fn map(&self) -> MutexGuard<'_, HashMap<Slot, Weak<Shared>>> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn lock(members: &Mutex<Members>) -> MutexGuard<'_, Members> {
    members.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One watcher of a connection's channels. Dropping it unsubscribes what
/// only it wanted, and closes the connection if it was the last.
pub struct Membership {
    id: u64,
    shared: Arc<Shared>,
    mailbox: Arc<Mailbox>,
}

impl Membership {
    /// Subscribes to more channels or patterns, or stops, as `change` says.
    /// Only names no other member holds reach the server.
    pub async fn change(&self, change: Change, names: Vec<ByteString>) -> Result<(), DriverError> {
        let (confirmed, added) = {
            let mut members = lock(&self.shared.members);
            let fresh: Vec<ByteString> = names
                .iter()
                .filter(|name| !members.holds(change.target, name, self.id))
                .cloned()
                .collect();
            let mut added = Vec::new();
            if let Some((interest, _)) = members.by_id.get_mut(&self.id) {
                let set = interest.set(change.target);
                for name in names {
                    if !change.add {
                        set.remove(&name);
                    } else if set.insert(name.clone()) {
                        added.push(name);
                    }
                }
            }
            // Sent while the members are locked, so changes reach the server
            // in the order the members' sets changed.
            (self.shared.subscriber.change(change, fresh), added)
        };
        let result = confirmed.await;
        if result.is_err() {
            // A refused subscription (an ACL denial) is not kept.
            let mut members = lock(&self.shared.members);
            if let Some((interest, _)) = members.by_id.get_mut(&self.id) {
                let set = interest.set(change.target);
                added.iter().for_each(|name| {
                    set.remove(name);
                });
            }
        }
        result
    }

    /// The channels and patterns this member subscribed to, sorted.
    pub fn subscriptions(&self) -> (Vec<ByteString>, Vec<ByteString>) {
        let members = lock(&self.shared.members);
        members
            .by_id
            .get(&self.id)
            .map(|(interest, _)| {
                let channels = interest.channels.iter().cloned().collect();
                (channels, interest.patterns.iter().cloned().collect())
            })
            .unwrap_or_default()
    }

    /// Takes everything waiting in the mailbox.
    pub fn take(&self) -> Batch {
        let mut inbox = self.mailbox.inbox();
        Batch {
            messages: inbox.ring.take(),
            dropped: inbox.ring.take_dropped(),
            lost: inbox.lost.take(),
            resubscribed: std::mem::take(&mut inbox.resubscribed),
        }
    }

    /// Waits until something arrives (returns at once if something arrived
    /// since the last wait).
    pub async fn ready(&self) {
        self.mailbox.ready.notified().await;
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        let mut members = lock(&self.shared.members);
        let Some((interest, _)) = members.by_id.remove(&self.id) else {
            return;
        };
        if members.by_id.is_empty() {
            // The last member: the connection closes with `Shared`.
            return;
        }
        for (target, names) in [
            (Target::Channels, interest.channels),
            (Target::Patterns, interest.patterns),
        ] {
            let alone: Vec<_> = names
                .into_iter()
                .filter(|name| !members.holds(target, name, self.id))
                .collect();
            let change = Change { target, add: false };
            // The command is queued now; nobody waits for its confirmation.
            drop(self.shared.subscriber.change(change, alone));
        }
    }
}
