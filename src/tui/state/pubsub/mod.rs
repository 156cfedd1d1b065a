//! The pub/sub pane: subscriptions, the channels the server reports with
//! their subscriber counts, and the messages as they arrive.
//!
//! Messages reach `update` in batches, one per frame at most, never one
//! event per message. Both the shown list and what waits while paused are
//! bounded rings; what falls out of the paused ring, and what the mailbox
//! dropped before a batch was taken, are counted as dropped. So every
//! message sent is either shown or counted, and memory stays flat however
//! fast they come. The rate is computed from the batches' own clock
//! readings; `update` reads no clock.

use std::collections::VecDeque;

use super::modal::{Modal, Prompt, PromptKind};
use super::{Focus, State};
use crate::domain::ByteString;
use crate::domain::pubsub::{
    ChannelInfo, Message, MessageRing, Target, keyspace_events_on, keyspace_pattern,
};
use crate::driver::DriverError;
use crate::driver::redis::pubsub::Change;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Slot};
use crate::worker::{Batch, Request, Response};

/// How far back the message rate looks, in milliseconds.
const RATE_WINDOW_MS: u64 = 1000;

/// Whether the pane has a subscription connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Link {
    #[default]
    Closed,
    Opening,
    Open,
    /// The connection dropped; the subscriber is reconnecting.
    Lost(String),
    /// Back after a drop, with every subscription made again.
    Resubscribed,
}

/// The pane's state. It is open while it has the focus.
#[derive(Debug)]
pub struct PubSubPane {
    pub link: Link,
    /// Confirmed subscriptions, sorted.
    pub channels: Vec<ByteString>,
    pub patterns: Vec<ByteString>,
    /// Shown messages, oldest first; the oldest leave when it is full.
    pub shown: MessageRing,
    /// Messages that arrived while paused.
    pub held: MessageRing,
    pub paused: bool,
    /// Messages ever shown, and ever dropped (by the mailbox or the
    /// paused ring), since the pane was cleared.
    pub received: u64,
    pub dropped: u64,
    /// Shown messages are those whose channel or payload holds this text.
    pub filter: String,
    /// The selected message, counted from the newest visible one; `None`
    /// follows the newest.
    pub selected: Option<usize>,
    /// Show the selected message's payload pretty-printed as JSON.
    pub pretty: bool,
    /// Active channels with their subscriber counts (PUBSUB NUMSUB).
    pub server_channels: Vec<ChannelInfo>,
    /// Messages per second over the last second.
    pub rate: u64,
    /// (clock reading, messages) of recent batches.
    arrivals: VecDeque<(u64, u64)>,
    /// Changes asked for while the connection was still opening.
    pending: Vec<(Change, Vec<ByteString>)>,
    /// The keyspace notification pattern subscribed to, if any.
    pub keyspace: Option<ByteString>,
}

impl PubSubPane {
    pub fn new(capacity: usize) -> Self {
        Self {
            link: Link::Closed,
            channels: Vec::new(),
            patterns: Vec::new(),
            shown: MessageRing::new(capacity),
            held: MessageRing::new(capacity),
            paused: false,
            received: 0,
            dropped: 0,
            filter: String::new(),
            selected: None,
            pretty: false,
            server_channels: Vec::new(),
            rate: 0,
            arrivals: VecDeque::new(),
            pending: Vec::new(),
            keyspace: None,
        }
    }

    /// Shown messages that pass the filter, newest first.
    pub fn visible(&self) -> impl Iterator<Item = &Message> {
        self.shown.iter().rev().filter(|m| self.passes(m))
    }

    fn passes(&self, message: &Message) -> bool {
        self.filter.is_empty()
            || message.channel.escaped().contains(&self.filter)
            || message.payload.escaped().contains(&self.filter)
    }

    /// The selected message, if any is visible.
    pub fn selected_message(&self) -> Option<&Message> {
        self.visible().nth(self.selected.unwrap_or(0))
    }

    /// Takes a batch in: shown, or held while paused; drops counted.
    pub fn receive(&mut self, batch: Batch, now_ms: u64) {
        self.dropped += batch.dropped;
        let count = batch.messages.len() as u64;
        for message in batch.messages {
            if self.paused {
                self.held.push(message);
            } else {
                self.shown.push(message);
            }
        }
        self.dropped += self.held.take_dropped();
        if !self.paused {
            self.received += count;
            self.shown.take_dropped();
        }
        if let Some(error) = batch.lost {
            self.link = Link::Lost(error.to_string());
        }
        if batch.resubscribed {
            self.link = Link::Resubscribed;
        }
        self.count_rate(count, now_ms);
    }

    fn count_rate(&mut self, count: u64, now_ms: u64) {
        self.arrivals.push_back((now_ms, count));
        let since = now_ms.saturating_sub(RATE_WINDOW_MS);
        while self.arrivals.front().is_some_and(|(at, _)| *at < since) {
            self.arrivals.pop_front();
        }
        self.rate = self.arrivals.iter().map(|(_, n)| n).sum();
    }

    fn resume(&mut self) {
        self.paused = false;
        self.received += self.held.len() as u64;
        let mut held = std::mem::replace(&mut self.held, MessageRing::new(self.shown.capacity()));
        self.dropped += held.take_dropped();
        self.shown.append(&mut held);
        self.shown.take_dropped();
    }

    fn clear(&mut self) {
        self.shown.clear();
        self.held.clear();
        self.received = 0;
        self.dropped = 0;
        self.selected = None;
    }
}

/// Opens the pane on the current Redis connection.
pub fn open(state: &mut State) -> Vec<Effect> {
    let Some(session) = &state.session else {
        state.error("not connected: choose a connection and press Enter");
        return Vec::new();
    };
    if state.is_sql() {
        return Vec::new();
    }
    let target = session.target.clone();
    state.focus = Focus::PubSub;
    let mut effects = channels(state);
    if state.pubsub.link == Link::Closed {
        state.pubsub.link = Link::Opening;
        effects.push(Effect::Watch(target));
    }
    effects
}

/// Closes the pane and its subscription connection.
fn close(state: &mut State) -> Vec<Effect> {
    state.focus = Focus::Keys;
    let capacity = state.pubsub.shown.capacity();
    state.pubsub = PubSubPane::new(capacity);
    vec![Effect::Unwatch]
}

fn channels(state: &mut State) -> Vec<Effect> {
    state.submit(Slot::PubSub, Request::Channels { pattern: None })
}

/// Handles the pane's own actions; `None` leaves the action to global keys.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let pane = &mut state.pubsub;
    match action {
        Action::Down => {
            let last = pane.visible().count().saturating_sub(1);
            pane.selected = Some(pane.selected.map_or(1, |s| s + 1).min(last));
        }
        Action::Up => pane.selected = pane.selected.and_then(|s| s.checked_sub(1)),
        Action::Top | Action::Bottom => pane.selected = None,
        Action::Pause => {
            if pane.paused {
                pane.resume();
            } else {
                pane.paused = true;
            }
        }
        Action::Clear => pane.clear(),
        Action::ToggleView => pane.pretty = !pane.pretty,
        Action::Retry => return Some(channels(state)),
        Action::KeyspaceEvents => return Some(toggle_keyspace(state)),
        Action::Subscribe => return Some(prompt(state, PromptKind::Subscribe)),
        Action::PatternSubscribe => return Some(prompt(state, PromptKind::PatternSubscribe)),
        Action::Unsubscribe => return Some(prompt(state, PromptKind::Unsubscribe)),
        Action::Publish => {
            if state.refuse_write() {
                return Some(Vec::new());
            }
            return Some(prompt(state, PromptKind::Publish));
        }
        Action::Filter => {
            let input = pane.filter.clone();
            state.modal = Some(Modal::Prompt(Prompt {
                kind: PromptKind::MessageFilter,
                input,
            }));
        }
        Action::PubSub | Action::Back => return Some(close(state)),
        _ => return None,
    }
    Some(Vec::new())
}

fn prompt(state: &mut State, kind: PromptKind) -> Vec<Effect> {
    state.modal = Some(Modal::Prompt(Prompt {
        kind,
        input: String::new(),
    }));
    Vec::new()
}

/// A submitted prompt of the pane.
pub fn on_prompt(state: &mut State, kind: &PromptKind, input: &str) -> Vec<Effect> {
    let names: Vec<ByteString> = input.split_whitespace().map(ByteString::from).collect();
    let change = |target, add| Effect::ChangeSubscription {
        change: Change { target, add },
        names: names.clone(),
    };
    let effects = match kind {
        PromptKind::MessageFilter => {
            state.pubsub.filter = input.to_owned();
            state.pubsub.selected = None;
            return Vec::new();
        }
        PromptKind::Publish => return publish(state, input),
        _ if names.is_empty() => {
            state.error("name at least one channel or pattern, separated by spaces");
            return Vec::new();
        }
        PromptKind::Subscribe => vec![change(Target::Channels, true)],
        PromptKind::PatternSubscribe => vec![change(Target::Patterns, true)],
        PromptKind::Unsubscribe => {
            // Each name is dropped from whichever list holds it.
            let patterns: Vec<ByteString> = names
                .iter()
                .filter(|n| state.pubsub.patterns.contains(n))
                .cloned()
                .collect();
            let mut effects = vec![change(Target::Channels, false)];
            if !patterns.is_empty() {
                effects.push(Effect::ChangeSubscription {
                    change: Change {
                        target: Target::Patterns,
                        add: false,
                    },
                    names: patterns,
                });
            }
            effects
        }
        _ => Vec::new(),
    };
    if hold_back(state, &effects) {
        return Vec::new();
    }
    effects
}

/// Keeps the subscription changes in `effects` for when the connection has
/// opened; true when it did (the connection is still opening).
fn hold_back(state: &mut State, effects: &[Effect]) -> bool {
    if state.pubsub.link != Link::Opening {
        return false;
    }
    for effect in effects {
        if let Effect::ChangeSubscription { change, names } = effect {
            state.pubsub.pending.push((*change, names.clone()));
        }
    }
    true
}

/// Stops watching keyspace notifications, or reads the server's flags to
/// start (see `on_keyspace`).
fn toggle_keyspace(state: &mut State) -> Vec<Effect> {
    match state.pubsub.keyspace.take() {
        Some(pattern) => {
            state.info("keyspace notifications off");
            let change = Change {
                target: Target::Patterns,
                add: false,
            };
            subscription(state, change, vec![pattern])
        }
        None => state.submit(Slot::Keyspace, Request::KeyspaceEvents),
    }
}

/// One subscription change, held back while the connection opens.
fn subscription(state: &mut State, change: Change, names: Vec<ByteString>) -> Vec<Effect> {
    let effects = vec![Effect::ChangeSubscription { change, names }];
    if hold_back(state, &effects) {
        return Vec::new();
    }
    effects
}

/// The server's flags arrived: subscribe to the keyspace notifications of
/// the keys the key list's filter matches, if the server sends them. Its
/// configuration is never changed.
pub fn on_keyspace(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    let flags = match result {
        Ok(Response::KeyspaceEvents(flags)) => flags,
        Ok(_) | Err(DriverError::Cancelled) => return Vec::new(),
        Err(error) => {
            state.error(format!("could not read notify-keyspace-events: {error}"));
            return Vec::new();
        }
    };
    if !keyspace_events_on(&flags) {
        state.error(format!(
            "this server does not send keyspace notifications (notify-keyspace-events is \
             {flags:?}); dbdeck does not change server settings: an operator can enable them \
             with CONFIG SET notify-keyspace-events KA"
        ));
        return Vec::new();
    }
    let db = state.session.as_ref().map_or(0, |s| s.db);
    let pattern = keyspace_pattern(db, &state.keys.filter.match_pattern());
    state.info(format!(
        "watching keyspace notifications: {}",
        pattern.escaped()
    ));
    state.pubsub.keyspace = Some(pattern.clone());
    let change = Change {
        target: Target::Patterns,
        add: true,
    };
    subscription(state, change, vec![pattern])
}

/// `channel message…`: the first word is the channel, the rest the message.
fn publish(state: &mut State, input: &str) -> Vec<Effect> {
    let input = input.trim_start();
    let (channel, message) = input.split_once(' ').unwrap_or((input, ""));
    if channel.is_empty() {
        state.error("write the channel, a space, then the message");
        return Vec::new();
    }
    if state.refuse_write() {
        return Vec::new();
    }
    let request = Request::Publish {
        channel: channel.into(),
        message: message.into(),
    };
    state.submit(Slot::Publish, request)
}

/// The subscription connection opened, or could not.
pub fn on_watching(state: &mut State, result: Result<(), String>) -> Vec<Effect> {
    let pending = std::mem::take(&mut state.pubsub.pending);
    match result {
        Ok(()) => state.pubsub.link = Link::Open,
        Err(error) => {
            state.pubsub.link = Link::Closed;
            state.error(format!("could not open a subscription connection: {error}"));
            return Vec::new();
        }
    }
    pending
        .into_iter()
        .map(|(change, names)| Effect::ChangeSubscription { change, names })
        .collect()
}

/// A subscription change was confirmed by the server, or failed.
pub fn on_changed(
    state: &mut State,
    change: Change,
    names: Vec<ByteString>,
    result: Result<(), String>,
) -> Vec<Effect> {
    if let Err(error) = result {
        state.error(error);
        return Vec::new();
    }
    let list = match change.target {
        Target::Channels => &mut state.pubsub.channels,
        Target::Patterns => &mut state.pubsub.patterns,
    };
    for name in names {
        match (change.add, list.binary_search(&name)) {
            (true, Err(at)) => list.insert(at, name),
            (false, Ok(at)) => {
                list.remove(at);
            }
            _ => {}
        }
    }
    channels(state)
}

/// A channel list or a publish arrived.
pub fn on_outcome(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    match result {
        Ok(Response::Channels(list)) => state.pubsub.server_channels = list,
        Ok(Response::Published(receivers)) => {
            let clients = if receivers == 1 { "client" } else { "clients" };
            state.info(format!("published to {receivers} {clients}"));
        }
        Ok(_) | Err(DriverError::Cancelled) => {}
        Err(error) => state.error(error.to_string()),
    }
    Vec::new()
}

#[cfg(test)]
mod tests;
