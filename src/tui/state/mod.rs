//! The UI state and `update`, the only code that changes it.
//!
//! `update` turns one `Event` into state changes and a list of `Effect`s for
//! the event loop to carry out. It does no I/O and reads no clock, so every
//! behaviour here is tested with plain values. Outcomes are matched to the
//! slot that asked for them by request id; an outcome for a superseded
//! request is dropped.

pub mod bulk;
pub mod connections;
mod graphemes;
pub mod keys;
pub mod member_options;
pub mod members;
pub mod modal;
pub mod mongo;
pub mod pubsub;
pub mod server;
pub mod sql;
pub mod string_edit;
pub mod tables;
pub mod tree;
pub mod value;

use std::time::Duration;

use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

use super::action::Action;
use super::effect::{Effect, Slot};
use super::event::{Event, Recalled};
use super::keymap::{Context, Keymap};
use super::text::Glyphs;
use crate::config::Settings;
use crate::domain::ConnectTarget;
use crate::worker::{Job, Outcome, Request, RequestId, Response};

pub use connections::Connections;
pub use keys::Keys;
pub use modal::Modal;
pub use mongo::MongoPane;
pub use pubsub::PubSubPane;
pub use server::ServerPane;
pub use sql::SqlPane;
pub use tree::KeyTree;
pub use value::ValuePane;

/// The settings the UI needs, copied out of `Settings`.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub scan_count: u32,
    pub scan_budget: Duration,
    pub value_page: u32,
    pub max_value_bytes: u64,
    pub max_pretty_json_bytes: u64,
    pub colors: bool,
    /// The most rows a statement's result keeps.
    pub sql_row_cap: usize,
    /// Ticks between two reads of the open server panel.
    pub server_refresh_ticks: u32,
    /// Messages the pub/sub pane keeps, and holds while paused.
    pub pubsub_buffer: usize,
    /// What splits key names into the key tree's folders.
    pub delimiter: String,
}

impl Config {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            scan_count: settings.ui.scan_count,
            scan_budget: settings.limits.scan_budget(),
            value_page: settings.ui.value_page,
            max_value_bytes: settings.limits.max_value_bytes,
            max_pretty_json_bytes: settings.limits.max_pretty_json_bytes,
            colors: settings.ui.colors,
            sql_row_cap: settings.limits.sql_row_cap,
            server_refresh_ticks: refresh_ticks(settings.ui.server_refresh_ms),
            pubsub_buffer: settings.pubsub.buffer,
            delimiter: settings.ui.delimiter.clone(),
        }
    }
}

/// The server panel's refresh interval in ticks, at least one.
fn refresh_ticks(ms: u64) -> u32 {
    let tick = super::TICK.as_millis().max(1);
    u32::try_from(u128::from(ms) / tick)
        .unwrap_or(u32::MAX)
        .max(1)
}

impl Default for Config {
    fn default() -> Self {
        Self::from_settings(&Settings::default())
    }
}

/// Which pane has the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Connections,
    Keys,
    Value,
    /// The SQL schema tree (in place of the key list).
    Tables,
    /// The SQL grid (in place of the value pane).
    Rows,
    /// The Redis server panel (in place of the key list and value).
    Server,
    /// The pub/sub pane (in place of the key list and value).
    PubSub,
    /// The MongoDB tree of databases, collections and indexes.
    MongoTree,
}

impl Focus {
    fn context(self) -> Context {
        match self {
            Self::Connections => Context::Connections,
            Self::Keys => Context::Keys,
            Self::Value => Context::Value,
            Self::Tables => Context::Tables,
            Self::Rows => Context::Rows,
            Self::Server => Context::Server,
            Self::PubSub => Context::PubSub,
            Self::MongoTree => Context::MongoTree,
        }
    }
}

/// The connection and database being browsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub target: ConnectTarget,
    pub db: u32,
}

/// The last thing worth telling the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// Everything the screen shows.
pub struct State {
    pub config: Config,
    pub glyphs: Glyphs,
    pub keymap: Keymap,
    pub focus: Focus,
    pub connections: Connections,
    pub session: Option<Session>,
    pub keys: Keys,
    pub tree: KeyTree,
    pub value: ValuePane,
    pub sql: SqlPane,
    pub server: ServerPane,
    pub pubsub: PubSubPane,
    pub mongo: MongoPane,
    pub modal: Option<Modal>,
    pub message: Option<Message>,
    pub size: (u16, u16),
    /// Advances on ticks while something is loading.
    pub spinner: usize,
    pub quit: bool,
    inflight: Vec<(Slot, RequestId)>,
    /// Database and filter to apply once the remembered connection opens.
    restore: Recalled,
}

impl State {
    pub fn new(config: Config, keymap: Keymap, glyphs: Glyphs) -> Self {
        let pubsub = PubSubPane::new(config.pubsub_buffer);
        Self {
            config,
            glyphs,
            keymap,
            focus: Focus::Connections,
            connections: Connections::default(),
            session: None,
            keys: Keys::default(),
            tree: KeyTree::default(),
            value: ValuePane::default(),
            sql: SqlPane::default(),
            server: ServerPane::default(),
            pubsub,
            mongo: MongoPane::default(),
            modal: None,
            message: None,
            size: (80, 24),
            spinner: 0,
            quit: false,
            inflight: Vec::new(),
            restore: Recalled::default(),
        }
    }

    /// The keymap context keys are looked up in right now.
    pub fn context(&self) -> Context {
        match &self.modal {
            Some(modal) => modal.context(),
            None => self.focus.context(),
        }
    }

    /// Whether anything is waiting on a job.
    pub fn is_busy(&self) -> bool {
        !self.inflight.is_empty()
    }

    pub fn is_waiting(&self, slot: &Slot) -> bool {
        self.inflight.iter().any(|(s, _)| s == slot)
    }

    /// Whether the current connection is an SQL database.
    pub fn is_sql(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.target.kind.is_sql())
    }

    /// Whether the current connection is a MongoDB server.
    pub fn is_mongo(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.target.kind == crate::domain::Kind::Mongo)
    }

    pub fn read_only(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.target.read_only)
    }

    fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
    }

    /// A job against the current connection and database.
    fn submit(&mut self, slot: Slot, request: Request) -> Vec<Effect> {
        let Some(session) = &self.session else {
            self.error("not connected: choose a connection and press Enter");
            return Vec::new();
        };
        let job = Job {
            target: session.target.clone(),
            db: session.db,
            request,
        };
        vec![Effect::Submit { slot, job }]
    }

    /// A write, refused up front on read-only connections.
    fn submit_write(&mut self, request: Request) -> Vec<Effect> {
        if self.refuse_write() {
            return Vec::new();
        }
        self.submit(Slot::Write, request)
    }

    /// Says so and returns true when the connection is read-only.
    fn refuse_write(&mut self) -> bool {
        if !self.read_only() {
            return false;
        }
        let name = self
            .session
            .as_ref()
            .map_or_else(String::new, |s| s.target.name.clone());
        self.error(format!("{name} is read-only: changes are not allowed"));
        true
    }

    /// Stops waiting on `slot`, cancelling its running job.
    fn cancel(&mut self, slot: &Slot) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.inflight.retain(|(s, id)| {
            if s == slot {
                effects.push(Effect::Cancel(*id));
                false
            } else {
                true
            }
        });
        effects
    }
}

/// Applies one event to the state and says what should happen next.
pub fn update(state: &mut State, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) => on_key(state, key),
        Event::Mouse(mouse) => on_mouse(state, mouse),
        Event::Resize { width, height } => {
            state.size = (width, height);
            Vec::new()
        }
        Event::Tick => {
            if state.is_busy() {
                state.spinner = state.spinner.wrapping_add(1);
            }
            server::on_tick(state)
        }
        Event::Submitted { slot, id } => on_submitted(state, slot, id),
        Event::Outcome(outcome) => on_outcome(state, outcome),
        Event::Connections(list) => connections::on_list(state, list),
        Event::LocalServers(urls) => {
            state.connections.local = urls;
            Vec::new()
        }
        Event::Resolved { purpose, result } => connections::on_resolved(state, purpose, result),
        Event::Recalled(recalled) => connections::on_recalled(state, recalled),
        Event::History {
            connection,
            statements,
        } => sql::on_history(state, &connection, statements),
        Event::ProfileSaved(result) => connections::on_saved(state, result),
        Event::Watching(result) => pubsub::on_watching(state, result),
        Event::SubscriptionChanged {
            change,
            names,
            result,
        } => pubsub::on_changed(state, change, names, result),
        Event::Feed { batch, now_ms } => {
            state.pubsub.receive(batch, now_ms);
            Vec::new()
        }
    }
}

/// Remembers the newest job per slot; the one it replaces is cancelled.
fn on_submitted(state: &mut State, slot: Slot, id: RequestId) -> Vec<Effect> {
    let effects = state.cancel(&slot);
    state.inflight.push((slot, id));
    effects
}

fn on_outcome(state: &mut State, outcome: Outcome) -> Vec<Effect> {
    let Some(index) = state.inflight.iter().position(|(_, id)| *id == outcome.id) else {
        tracing::debug!(
            id = outcome.id.0,
            "dropping the outcome of a superseded request"
        );
        return Vec::new();
    };
    let (slot, _) = state.inflight.remove(index);
    match (slot, outcome.result) {
        (Slot::Test(id), result) => connections::on_tested(state, id, result),
        (Slot::Databases, Ok(Response::Databases(list))) => {
            state.keys.databases = list;
            Vec::new()
        }
        (Slot::Databases, _) => Vec::new(),
        (Slot::Scan, result) => keys::on_page(state, result),
        (Slot::Value, result) => value::on_value(state, result),
        (Slot::Write, result) => value::on_written(state, result),
        (Slot::SqlTree, result) => tables::on_tree(state, result),
        (Slot::SqlGrid, result) => sql::on_grid(state, result),
        (Slot::SqlEdit, result) => sql::on_edited(state, result),
        (Slot::SqlExport, result) => sql::on_exported(state, result),
        (Slot::Server, result) => server::on_panel(state, result),
        (Slot::PubSub | Slot::Publish, result) => pubsub::on_outcome(state, result),
        (Slot::Keyspace, result) => pubsub::on_keyspace(state, result),
        (Slot::BulkPreview, result) => bulk::on_preview(state, result),
        (Slot::Bulk, result) => bulk::on_done(state, result),
        (Slot::Tree, result) => tree::on_page(state, result),
        (Slot::Mongo(slot), result) => mongo::on_outcome(state, slot, result),
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let context = state.context();
    let action = state.keymap.lookup(context, &key);
    if state.modal.is_some() {
        return modal::on_key(state, action, key);
    }
    match action {
        Some(action) => on_action(state, action),
        None => Vec::new(),
    }
}

fn on_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Effect> {
    if state.modal.is_some() {
        return Vec::new();
    }
    match mouse.kind {
        MouseEventKind::ScrollDown => on_action(state, Action::Down),
        MouseEventKind::ScrollUp => on_action(state, Action::Up),
        _ => Vec::new(),
    }
}

/// Pane actions go to the focused pane; what it does not handle is global.
fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let handled = match state.focus {
        Focus::Connections => connections::on_action(state, action),
        Focus::Keys => keys::on_action(state, action),
        Focus::Value => value::on_action(state, action),
        Focus::Tables => tables::on_tree_action(state, action),
        Focus::Rows => sql::on_grid_action(state, action),
        Focus::Server => server::on_action(state, action),
        Focus::PubSub => pubsub::on_action(state, action),
        Focus::MongoTree => mongo::on_tree_action(state, action),
    };
    if let Some(effects) = handled {
        return effects;
    }
    match action {
        Action::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Action::Help => {
            state.modal = Some(Modal::Help { scroll: 0 });
            Vec::new()
        }
        Action::FocusNext => cycle_focus(state, true),
        Action::FocusPrev => cycle_focus(state, false),
        Action::Back => back(state),
        _ => Vec::new(),
    }
}

fn cycle_focus(state: &mut State, forward: bool) -> Vec<Effect> {
    let order: &[Focus] = if state.is_sql() {
        &[Focus::Connections, Focus::Tables, Focus::Rows]
    } else if state.is_mongo() {
        &[Focus::Connections, Focus::MongoTree]
    } else {
        &[Focus::Connections, Focus::Keys, Focus::Value]
    };
    let at = order.iter().position(|f| *f == state.focus).unwrap_or(0);
    let next = if forward {
        at + 1
    } else {
        at + order.len() - 1
    };
    state.focus = order[next % order.len()];
    Vec::new()
}

/// Esc: stop a running scan or statement first, else step back one pane.
fn back(state: &mut State) -> Vec<Effect> {
    if state.is_waiting(&Slot::Bulk) && bulk::stop(state) {
        return Vec::new();
    }
    for (slot, what) in [(Slot::SqlGrid, "statement"), (Slot::SqlExport, "export")] {
        if state.is_waiting(&slot) {
            state.info(format!("{what} cancelled"));
            state.sql.export = None;
            return state.cancel(&slot);
        }
    }
    if state.is_waiting(&Slot::Tree) {
        state.tree.scanning = None;
        state.info("folder scan stopped · its count stays partial");
        return state.cancel(&Slot::Tree);
    }
    if state.is_waiting(&Slot::Scan) {
        state.keys.stop();
        state.info("scan stopped · press n to continue");
        return state.cancel(&Slot::Scan);
    }
    state.focus = match state.focus {
        Focus::Value => Focus::Keys,
        Focus::Rows => Focus::Tables,
        _ => Focus::Connections,
    };
    Vec::new()
}

#[cfg(test)]
mod member_tests;
#[cfg(test)]
pub(crate) mod tests;
