//! The key browser: keys loaded page by page from SCAN, the selection, the
//! filter and type filter, and the database.
//!
//! Keys are kept as the driver's `KeyInfo`s, nothing derived per row, so a
//! million loaded keys stay compact; views format only the visible rows.

use super::connections::ConnStatus;
use super::modal::{Confirm, Confirmed, Modal, Picker, Prompt, PromptKind};
use super::{Focus, State, members, value};
use crate::domain::ByteString;
use crate::domain::redis::{
    DatabaseInfo, KeyFilter, KeyInfo, KeyPage, KeyType, ScanCursor, ScanRequest,
};
use crate::driver::DriverError;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Slot};
use crate::tui::text;
use crate::worker::{Request, Response};

/// Keep loading pages on our own until this many keys are listed.
const FILL: usize = 200;

/// Load the next page when the selection comes this close to the end.
const NEAR_END: usize = 20;

/// The type filter cycles through these, then back to all types.
const TYPES: [KeyType; 6] = [
    KeyType::String,
    KeyType::List,
    KeyType::Set,
    KeyType::Zset,
    KeyType::Hash,
    KeyType::Stream,
];

/// The key list pane.
#[derive(Debug, Default)]
pub struct Keys {
    pub items: Vec<KeyInfo>,
    pub selected: usize,
    pub filter: KeyFilter,
    pub type_filter: Option<KeyType>,
    /// Where the next page starts; `None` before a scan and once complete.
    pub next_cursor: Option<ScanCursor>,
    pub complete: bool,
    /// SCAN calls made by this scan so far.
    pub calls: u64,
    /// The last page stopped on its budget without finding anything.
    pub last_page_empty: bool,
    /// Keep loading until the scan completes (`L`).
    pub load_all: bool,
    pub error: Option<String>,
    pub databases: Vec<DatabaseInfo>,
    /// A bulk action waiting for its dry run, or running.
    pub bulk: Option<super::bulk::Bulk>,
}

impl Keys {
    /// Forgets the loaded keys before a new scan.
    pub fn reset(&mut self) {
        self.items = Vec::new();
        self.selected = 0;
        self.next_cursor = None;
        self.complete = false;
        self.calls = 0;
        self.last_page_empty = false;
        self.load_all = false;
        self.error = None;
    }

    /// Stops automatic loading after a cancelled scan.
    pub fn stop(&mut self) {
        self.load_all = false;
    }

    pub fn selected_key(&self) -> Option<&KeyInfo> {
        self.items.get(self.selected)
    }

    /// The scan's progress in words, for the status bar and the empty pane.
    pub fn summary(&self, scan_count: u32, loading: bool) -> String {
        let loaded = text::count(self.items.len() as u64);
        if let Some(error) = &self.error {
            return format!("{loaded} keys loaded · scan failed: {error} · press r to retry");
        }
        if self.complete {
            return match self.items.len() {
                0 => "no keys match · scan complete".to_owned(),
                1 => "1 key loaded · scan complete".to_owned(),
                _ => format!("{loaded} keys loaded · scan complete"),
            };
        }
        if loading {
            return format!("{loaded} keys loaded · scanning…");
        }
        if self.last_page_empty {
            let scanned = text::count(self.calls.saturating_mul(u64::from(scan_count)));
            return format!(
                "partial: ~{scanned} keys scanned, {loaded} found so far · press n to continue"
            );
        }
        match self.next_cursor {
            Some(_) => format!("{loaded} keys loaded · partial, press n for more, L for all"),
            None => format!("{loaded} keys loaded"),
        }
    }

    /// Marks a key as gone, keeping its row so the user sees what happened.
    pub fn mark_gone(&mut self, key: &ByteString) {
        use crate::domain::redis::{Probe, Ttl};
        if let Some(info) = self.items.iter_mut().find(|i| &i.key == key) {
            info.ttl = Probe::Known(Ttl::Gone);
        }
    }

    pub fn remove(&mut self, key: &ByteString) {
        self.items.retain(|info| &info.key != key);
        self.selected = self.selected.min(self.items.len().saturating_sub(1));
    }

    /// Adds a row for a key this session wrote (created, renamed to, copied
    /// to) unless it is listed; reading its value fills in the metadata.
    pub fn remember(&mut self, key: ByteString) {
        use crate::domain::redis::Probe;
        if self.items.iter().any(|info| info.key == key) {
            return;
        }
        self.items.push(KeyInfo {
            key,
            key_type: Probe::Unavailable,
            ttl: Probe::Unavailable,
            size: Probe::Unavailable,
        });
    }
}

/// Reads a remembered filter: `glob:` or `literal:` then the text.
pub fn filter_from_memory(text: &str) -> KeyFilter {
    match text.split_once(':') {
        Some(("glob", rest)) => KeyFilter::Glob(rest.to_owned()),
        Some(("literal", rest)) => KeyFilter::Literal(rest.to_owned()),
        _ => KeyFilter::Literal(text.to_owned()),
    }
}

pub fn filter_to_memory(filter: &KeyFilter) -> String {
    match filter {
        KeyFilter::Glob(text) => format!("glob:{text}"),
        KeyFilter::Literal(text) => format!("literal:{text}"),
        // A folder's prefix is the tree's, never the list's filter.
        KeyFilter::Prefix(_) => "literal:".to_owned(),
    }
}

/// Handles the pane's own actions; `None` leaves the action to global keys.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    if state.tree.shown
        && let Some(effects) = super::tree::on_action(state, action)
    {
        return Some(effects);
    }
    let page = usize::from(state.size.1.saturating_sub(6)).max(1);
    let last = state.keys.items.len().saturating_sub(1);
    let at = state.keys.selected;
    Some(match action {
        Action::Down => select(state, at.saturating_add(1)),
        Action::Up => select(state, at.saturating_sub(1)),
        Action::PageDown => select(state, at.saturating_add(page)),
        Action::PageUp => select(state, at.saturating_sub(page)),
        Action::Top => select(state, 0),
        Action::Bottom => select(state, last),
        Action::Open => open_value(state),
        Action::Filter => open_filter(state),
        Action::CycleType => cycle_type(state),
        Action::LoadMore => load_more(state),
        Action::LoadAll => {
            state.keys.load_all = true;
            load_more(state)
        }
        Action::Database => open_databases(state),
        Action::Retry => retry(state),
        Action::SetTtl => value::open_ttl_prompt(state),
        Action::Delete => confirm_delete(state),
        Action::NewKey => members::new_key(state),
        Action::Rename => members::rename_or_copy(state, false),
        Action::Copy => members::rename_or_copy(state, true),
        Action::BulkDelete => super::bulk::ask_delete(state),
        Action::BulkTtl => super::bulk::ask_ttl(state),
        Action::ServerPanel => super::server::open(state),
        Action::PubSub => super::pubsub::open(state),
        Action::ToggleTree => super::tree::toggle(state),
        _ => return None,
    })
}

/// Moves the selection, loads the newly selected key's value, and loads
/// more keys when the selection nears the end of what is loaded.
pub fn select(state: &mut State, index: usize) -> Vec<Effect> {
    let index = index.min(state.keys.items.len().saturating_sub(1));
    let moved = index != state.keys.selected;
    state.keys.selected = index;
    let mut effects = Vec::new();
    if moved && let Some(info) = state.keys.selected_key() {
        let key = info.key.clone();
        effects.extend(value::load(state, key));
    }
    if index + NEAR_END >= state.keys.items.len() && !state.is_waiting(&Slot::Scan) {
        effects.extend(continue_scan(state));
    }
    effects
}

fn open_value(state: &mut State) -> Vec<Effect> {
    let Some(info) = state.keys.selected_key() else {
        return Vec::new();
    };
    let key = info.key.clone();
    state.focus = Focus::Value;
    if state.value.key.as_ref() == Some(&key) && state.value.error.is_none() {
        return Vec::new();
    }
    value::load(state, key)
}

fn open_filter(state: &mut State) -> Vec<Effect> {
    let glob = matches!(state.keys.filter, KeyFilter::Glob(_));
    let input = state.keys.filter.text().to_owned();
    state.modal = Some(Modal::Prompt(Prompt {
        kind: PromptKind::Filter {
            glob,
            before: state.keys.filter.clone(),
        },
        input,
    }));
    Vec::new()
}

/// Applies a filter as it is typed; each change starts a new scan that
/// supersedes the one before.
pub fn apply_filter(state: &mut State, filter: KeyFilter) -> Vec<Effect> {
    if filter == state.keys.filter && !state.keys.items.is_empty() {
        return Vec::new();
    }
    state.keys.filter = filter;
    start_scan(state)
}

fn cycle_type(state: &mut State) -> Vec<Effect> {
    let next = match &state.keys.type_filter {
        None => TYPES.first().cloned(),
        Some(current) => {
            let at = TYPES.iter().position(|t| t == current);
            at.and_then(|i| TYPES.get(i + 1)).cloned()
        }
    };
    let label = next.as_ref().map_or("all types", KeyType::name).to_owned();
    state.keys.type_filter = next;
    state.info(format!("showing {label}"));
    start_scan(state)
}

fn open_databases(state: &mut State) -> Vec<Effect> {
    if state.session.is_none() {
        state.error("not connected: choose a connection and press Enter");
        return Vec::new();
    }
    let current = state.session.as_ref().map_or(0, |s| s.db);
    let selected = state
        .keys
        .databases
        .iter()
        .position(|d| d.index == current)
        .unwrap_or(0);
    state.modal = Some(Modal::Picker(Picker { selected }));
    let mut effects = Vec::new();
    if state.keys.databases.is_empty() {
        effects = state.submit(Slot::Databases, Request::Databases);
    }
    effects
}

/// Switches to database `db` and starts over there.
pub fn switch_database(state: &mut State, db: u32) -> Vec<Effect> {
    if let Some(session) = &mut state.session {
        session.db = db;
    }
    state.value = Default::default();
    let mut effects = start_scan(state);
    effects.push(Effect::Remember {
        key: "last_database",
        value: db.to_string(),
    });
    effects
}

fn confirm_delete(state: &mut State) -> Vec<Effect> {
    let Some(info) = state.keys.selected_key() else {
        return Vec::new();
    };
    let key = info.key.clone();
    ask_delete(state, key, String::new());
    Vec::new()
}

/// Asks "Delete key …? y/n"; writes are refused first on read-only
/// connections.
pub fn ask_delete(state: &mut State, key: ByteString, why: String) {
    if state.refuse_write() {
        return;
    }
    state.modal = Some(Modal::Confirm(Confirm {
        question: format!("{why}Delete key {}?", key.escaped()),
        on_yes: Confirmed::DeleteKey(key),
    }));
}

/// Retests a connection that failed (which rescans once it answers), else
/// scans again.
fn retry(state: &mut State) -> Vec<Effect> {
    let failed = state.session.as_ref().and_then(|s| {
        let status = state.connections.status.get(&s.target.id);
        matches!(status, Some(ConnStatus::Failed(_))).then(|| s.target.clone())
    });
    let Some(target) = failed else {
        return start_scan(state);
    };
    state.keys.reset();
    state
        .connections
        .status
        .insert(target.id, ConnStatus::Connecting);
    state.info(format!("connecting to {}…", target.name));
    state.submit(Slot::Test(target.id), Request::Test)
}

/// Starts a scan from the beginning with the current filters.
pub fn start_scan(state: &mut State) -> Vec<Effect> {
    state.keys.reset();
    let mut effects = state.cancel(&Slot::Tree);
    state.tree.reset();
    // The first page opens its first key; until then the pane is empty
    // rather than showing a key the new filter may exclude.
    effects.extend(state.cancel(&Slot::Value));
    state.value.clear();
    effects.extend(scan_from(state, ScanCursor::START));
    effects
}

fn load_more(state: &mut State) -> Vec<Effect> {
    if state.keys.complete {
        state.info("scan complete: every key is loaded");
        return Vec::new();
    }
    if state.is_waiting(&Slot::Scan) {
        return Vec::new();
    }
    if state.keys.next_cursor.is_none() {
        return start_scan(state);
    }
    continue_scan(state)
}

fn continue_scan(state: &mut State) -> Vec<Effect> {
    match state.keys.next_cursor {
        Some(cursor) if !state.keys.complete && state.keys.error.is_none() => {
            scan_from(state, cursor)
        }
        _ => Vec::new(),
    }
}

fn scan_from(state: &mut State, cursor: ScanCursor) -> Vec<Effect> {
    let scan = ScanRequest {
        filter: state.keys.filter.clone(),
        key_type: state.keys.type_filter.clone(),
        count: state.config.scan_count,
        cursor,
        budget: state.config.scan_budget,
    };
    state.submit(Slot::Scan, Request::Scan(scan))
}

/// A page arrived: show it at once, then decide whether to keep going.
pub fn on_page(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    let page = match result {
        Ok(Response::Keys(page)) => page,
        Ok(_) => return Vec::new(),
        Err(DriverError::Cancelled) => return Vec::new(),
        Err(error) => {
            state.keys.error = Some(error.to_string());
            state.keys.load_all = false;
            state.error(format!("scan failed: {error} · press r to retry"));
            return Vec::new();
        }
    };
    let first = state.keys.items.is_empty();
    if state.tree.shown {
        for info in &page.items {
            state.tree.insert(&info.key);
        }
    }
    take_page(&mut state.keys, page);

    let mut effects = Vec::new();
    if first && state.value.key.is_none() {
        let key = state.keys.selected_key().map(|info| info.key.clone());
        if let Some(key) = key {
            effects.extend(value::load(state, key));
        }
    }
    if wants_more(state) {
        effects.extend(continue_scan(state));
    }
    effects
}

fn take_page(keys: &mut Keys, page: KeyPage) {
    keys.calls += u64::from(page.calls);
    keys.last_page_empty = page.items.is_empty();
    keys.items.extend(page.items);
    keys.complete = page.complete || page.next_cursor.is_none();
    keys.next_cursor = page.next_cursor.filter(|_| !keys.complete);
    if keys.complete {
        keys.load_all = false;
    }
}

fn wants_more(state: &State) -> bool {
    let keys = &state.keys;
    if keys.complete {
        return false;
    }
    let filling = !keys.last_page_empty && keys.items.len() < FILL;
    let near_end = !keys.last_page_empty && keys.selected + NEAR_END >= keys.items.len();
    keys.load_all || filling || near_end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_filter_cycles_through_the_types_and_back() {
        use crate::tui::state::tests::{Harness, many_keys};
        use crossterm::event::KeyCode;

        let mut h = Harness::with_keys(many_keys(3), None);
        let mut seen = Vec::new();
        for _ in 0..7 {
            h.press(KeyCode::Char('T'));
            let (_, scan) = h.last_scan();
            seen.push(scan.key_type.map(|t| t.name().to_owned()));
        }
        let names: Vec<&str> = seen.iter().map(|t| t.as_deref().unwrap_or("all")).collect();
        assert_eq!(
            names,
            ["string", "list", "set", "zset", "hash", "stream", "all"]
        );
    }

    #[test]
    fn remembered_filters_keep_their_mode() {
        let glob = KeyFilter::Glob("user:*".into());
        assert_eq!(filter_from_memory(&filter_to_memory(&glob)), glob);
        let literal = KeyFilter::Literal("a:b".into());
        assert_eq!(filter_from_memory(&filter_to_memory(&literal)), literal);
        assert_eq!(
            filter_from_memory("plain"),
            KeyFilter::Literal("plain".into())
        );
    }
}
