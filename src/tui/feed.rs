//! The event loop's side of the pub/sub pane: the pane's membership in its
//! connection's subscriber, and the pacing that turns a flood of messages
//! into at most one batch per frame.
//!
//! Messages wait in the membership's bounded mailbox until the loop takes
//! them all at once, no sooner than `FRAME` after the last time; so a flood
//! costs one `update` and one draw per frame, never one per message.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::event::Event;
use crate::domain::pubsub::now_ms;
use crate::domain::{ByteString, ConnectTarget};
use crate::driver::redis::pubsub::Change;
use crate::service::Service;
use crate::worker::Membership;

/// The shortest time between two batches of messages.
pub const FRAME: Duration = Duration::from_millis(50);

/// A finished join, with the generation that asked for it.
type Joined = (u64, Result<Arc<Membership>, String>);

/// The pane's membership, once joined, and when the next batch may be taken.
pub struct Feed {
    pub member: Option<Arc<Membership>>,
    pub next_take: Instant,
    pub joined: mpsc::UnboundedReceiver<Joined>,
    joined_tx: mpsc::UnboundedSender<Joined>,
    /// Bumped by every watch and unwatch, so a join that finishes after
    /// the pane closed is dropped.
    generation: u64,
}

impl Default for Feed {
    fn default() -> Self {
        let (joined_tx, joined) = mpsc::unbounded_channel();
        Self {
            member: None,
            next_take: Instant::now(),
            joined,
            joined_tx,
            generation: 0,
        }
    }
}

impl Feed {
    /// Joins the target's subscriber in the background.
    pub fn watch(&mut self, service: &Arc<Service>, target: ConnectTarget) {
        self.unwatch();
        let service = Arc::clone(service);
        let capacity = service.settings().pubsub.buffer;
        let joined = self.joined_tx.clone();
        let generation = self.generation;
        tokio::spawn(async move {
            let result = service
                .watch_channels(&target, capacity)
                .await
                .map(Arc::new)
                .map_err(|e| e.to_string());
            // The receiver is gone only when the TUI is shutting down.
            let _ = joined.send((generation, result));
        });
    }

    /// Leaves the subscriber; the connection closes if nobody else watches.
    pub fn unwatch(&mut self) {
        self.generation += 1;
        self.member = None;
    }

    /// A join finished: keep the membership and tell `update`, unless the
    /// pane closed (or opened again) meanwhile.
    pub fn joined(&mut self, (generation, result): Joined) -> Option<Event> {
        if generation != self.generation {
            return None;
        }
        Some(match result {
            Ok(member) => {
                self.member = Some(member);
                Event::Watching(Ok(()))
            }
            Err(error) => Event::Watching(Err(error)),
        })
    }

    pub fn is_watching(&self) -> bool {
        self.member.is_some()
    }

    /// Takes everything waiting, and holds the next batch back a frame.
    pub fn take(&mut self) -> Event {
        self.next_take = Instant::now() + FRAME;
        let batch = self
            .member
            .as_ref()
            .map(|member| member.take())
            .unwrap_or_default();
        Event::Feed {
            batch,
            now_ms: now_ms(),
        }
    }
}

/// Completes when messages wait and a frame has passed since the last
/// batch; never while there is no membership.
pub async fn ready(member: Option<Arc<Membership>>, not_before: Instant) {
    let Some(member) = member else {
        return std::future::pending().await;
    };
    // Waiting for the frame first: if another event wins the race while
    // this sleeps, the mailbox's wake-up is not used up.
    tokio::time::sleep_until(not_before).await;
    member.ready().await;
}

/// Applies a subscription change and reports it.
pub async fn change(
    member: Option<Arc<Membership>>,
    change: Change,
    names: Vec<ByteString>,
) -> Event {
    let result = match member {
        Some(member) => member
            .change(change, names.clone())
            .await
            .map_err(|e| e.to_string()),
        None => Err("the subscription connection is not open yet; try again".into()),
    };
    Event::SubscriptionChanged {
        change,
        names,
        result,
    }
}
