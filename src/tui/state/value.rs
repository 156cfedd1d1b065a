//! The value pane: one key's type, TTL, size and a page of its value, with
//! paging, the string views, and the TTL, delete and edit flows.

use super::modal::{Modal, Prompt, PromptKind};
use super::string_edit::JsonLayout;
use super::{Focus, State, keys, members};
use crate::domain::ByteString;
use crate::domain::redis::{KeyValue, Probe, ValuePage, ValueRequest, ValueWindow};
use crate::domain::redis_edit::MemberEdit;
use crate::driver::DriverError;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Slot};
use crate::worker::{Request, Response, TtlChange};

/// How a string value is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StringView {
    #[default]
    Text,
    Hex,
    Json,
}

/// A write waiting for its outcome.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    Ttl(ByteString),
    Delete(ByteString),
    Save(ByteString),
    /// A member edit of this key.
    Member {
        key: ByteString,
        edit: MemberEdit,
    },
    /// A create, rename or copy.
    Key(Box<Request>),
}

/// The value pane.
#[derive(Debug, Default)]
pub struct ValuePane {
    pub key: Option<ByteString>,
    pub data: Option<KeyValue>,
    pub window: Option<ValueWindow>,
    /// Windows of the pages before this one, for paging back.
    pub back: Vec<ValueWindow>,
    pub error: Option<String>,
    pub gone: bool,
    pub view: StringView,
    /// The pretty-printed JSON of a string value, made when asked for.
    pub pretty: Option<String>,
    pub scroll: usize,
    pub write: Option<Write>,
    /// A WRONGTYPE reload already happened for this key.
    reloaded: bool,
}

impl ValuePane {
    /// How many rows the loaded page has in the current view, the limit
    /// for scrolling.
    pub fn rows(&self) -> usize {
        let Some(data) = &self.data else {
            return 0;
        };
        match &data.page {
            ValuePage::String { preview, .. } => match self.view {
                StringView::Text => preview.as_bytes().split(|b| *b == b'\n').count(),
                // At least 4 bytes a row, however narrow the pane.
                StringView::Hex => preview.len().div_ceil(4),
                StringView::Json => self.pretty.as_ref().map_or(0, |p| p.lines().count()),
            },
            ValuePage::Hash { entries, .. } => entries.len(),
            ValuePage::List { items, .. } => items.len(),
            ValuePage::Set { members, .. } => members.len(),
            ValuePage::Zset { members, .. } => members.len(),
            ValuePage::Stream { entries, .. } => entries.len(),
            ValuePage::Json { text } => self.pretty.as_deref().unwrap_or(text).lines().count(),
            ValuePage::Module { .. } => 1,
        }
    }

    /// Forgets the shown key, keeping track of a write still under way.
    pub fn clear(&mut self) {
        let write = self.write.take();
        *self = Self {
            write,
            ..Self::default()
        };
    }
}

/// Loads the first page of `key`'s value, superseding any other load.
pub fn load(state: &mut State, key: ByteString) -> Vec<Effect> {
    state.value.clear();
    state.value.key = Some(key);
    fetch(state, ValueWindow::First)
}

/// Reads the shown page of `key` again after a write.
fn refresh(state: &mut State, key: &ByteString) -> Vec<Effect> {
    if state.value.key.as_ref() != Some(key) {
        return Vec::new();
    }
    let window = state.value.window.clone().unwrap_or(ValueWindow::First);
    fetch(state, window)
}

fn fetch(state: &mut State, window: ValueWindow) -> Vec<Effect> {
    let Some(key) = state.value.key.clone() else {
        return Vec::new();
    };
    state.value.window = Some(window.clone());
    state.value.error = None;
    let request = ValueRequest {
        key,
        window,
        count: state.config.value_page,
        max_bytes: state.config.max_value_bytes,
    };
    state.submit(Slot::Value, Request::Value(request))
}

/// Handles the pane's own actions; `None` leaves the action to global keys.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    Some(match action {
        Action::Down => scroll(state, 1),
        Action::Up => scroll(state, -1),
        Action::PageDown => scroll(state, 10),
        Action::PageUp => scroll(state, -10),
        Action::Top => scroll(state, isize::MIN),
        Action::Bottom => scroll(state, isize::MAX),
        Action::NextPage => next_page(state),
        Action::PrevPage => prev_page(state),
        Action::ToggleView => toggle_view(state),
        Action::Jump => open_jump(state),
        Action::Edit => members::edit(state).unwrap_or_else(|| open_editor(state)),
        Action::AddMember => members::add(state),
        Action::PushHead => members::push_head(state),
        Action::RemoveMember => members::remove(state),
        Action::Trim => members::trim(state),
        Action::Rename => members::rename_or_copy(state, false),
        Action::Copy => members::rename_or_copy(state, true),
        Action::SetTtl => open_ttl_prompt(state),
        Action::Delete => {
            if let Some(key) = state.value.key.clone() {
                keys::ask_delete(state, key, String::new());
            }
            Vec::new()
        }
        Action::Retry => match state.value.key.clone() {
            Some(key) => load(state, key),
            None => Vec::new(),
        },
        _ => return None,
    })
}

fn scroll(state: &mut State, by: isize) -> Vec<Effect> {
    let last = state.value.rows().saturating_sub(1);
    state.value.scroll = state.value.scroll.saturating_add_signed(by).min(last);
    Vec::new()
}

/// The window of the page after the one shown, if there is one.
pub fn next_window(page: &ValuePage) -> Option<ValueWindow> {
    match page {
        ValuePage::Hash { next_cursor, .. } | ValuePage::Set { next_cursor, .. } => {
            next_cursor.map(ValueWindow::Cursor)
        }
        ValuePage::List {
            total,
            start,
            items,
        } => {
            let next = start + items.len() as u64;
            (next < *total && !items.is_empty()).then_some(ValueWindow::Index(next))
        }
        ValuePage::Zset {
            total,
            start,
            members,
        } => {
            let next = start + members.len() as u64;
            (next < *total && !members.is_empty()).then_some(ValueWindow::Index(next))
        }
        ValuePage::Stream { last_id, .. } => last_id.clone().map(ValueWindow::After),
        _ => None,
    }
}

fn next_page(state: &mut State) -> Vec<Effect> {
    let next = state
        .value
        .data
        .as_ref()
        .and_then(|data| next_window(&data.page));
    let Some(next) = next else {
        state.info("this is the last page");
        return Vec::new();
    };
    if let Some(current) = state.value.window.clone() {
        state.value.back.push(current);
    }
    fetch(state, next)
}

fn prev_page(state: &mut State) -> Vec<Effect> {
    match state.value.back.pop() {
        Some(window) => fetch(state, window),
        None => {
            state.info("this is the first page");
            Vec::new()
        }
    }
}

fn toggle_view(state: &mut State) -> Vec<Effect> {
    let Some(ValuePage::String {
        preview, truncated, ..
    }) = state.value.data.as_ref().map(|d| &d.page)
    else {
        state.info("text, hex and JSON views are for string values");
        return Vec::new();
    };
    let next = match state.value.view {
        StringView::Text => StringView::Hex,
        StringView::Hex => StringView::Json,
        StringView::Json => StringView::Text,
    };
    if next != StringView::Json {
        state.value.view = next;
        state.value.scroll = 0;
        return Vec::new();
    }
    let limit = state.config.max_pretty_json_bytes;
    match pretty_json(preview, *truncated, limit) {
        Ok(pretty) => {
            state.value.pretty = Some(pretty);
            state.value.view = StringView::Json;
        }
        Err(why) => {
            state.info(why);
            state.value.view = StringView::Text;
        }
    }
    state.value.scroll = 0;
    Vec::new()
}

/// Pretty-prints a string value when it is whole, small enough and JSON.
pub fn pretty_json(value: &ByteString, truncated: bool, limit: u64) -> Result<String, String> {
    if truncated || value.len() as u64 > limit {
        return Err("JSON view is only for values loaded in full and under the size limit".into());
    }
    let text = value.as_str().ok_or("this value is not UTF-8 text")?;
    if super::string_edit::json_problem(text).is_some() {
        return Err("this value is not JSON".into());
    }
    // Relaid rather than parsed and printed: members keep their order and
    // numbers every digit.
    Ok(super::string_edit::relayout(text, JsonLayout::Pretty))
}

fn open_jump(state: &mut State) -> Vec<Effect> {
    let total = match state.value.data.as_ref().map(|d| &d.page) {
        Some(ValuePage::List { total, .. } | ValuePage::Zset { total, .. }) => *total,
        _ => {
            state.info("jumping to an index works in lists and sorted sets");
            return Vec::new();
        }
    };
    state.modal = Some(Modal::Prompt(Prompt {
        kind: PromptKind::Jump { total },
        input: String::new(),
    }));
    Vec::new()
}

/// Jumps to index `text` (negative counts from the end).
pub fn jump(state: &mut State, text: &str, total: u64) -> Vec<Effect> {
    let Ok(index) = text.trim().parse::<i64>() else {
        state.error(format!("{text:?} is not an index"));
        return Vec::new();
    };
    let index = if index < 0 {
        total.checked_sub(index.unsigned_abs())
    } else {
        Some(index.unsigned_abs()).filter(|i| *i < total)
    };
    let Some(index) = index else {
        state.error(format!("index out of range: the value has {total} items"));
        return Vec::new();
    };
    if let Some(current) = state.value.window.clone() {
        state.value.back.push(current);
    }
    fetch(state, ValueWindow::Index(index))
}

/// What a TTL prompt's text asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TtlInput {
    Change(TtlChange),
    /// Zero or negative: that would delete the key.
    WouldDelete,
    Invalid(String),
}

/// Reads a TTL: seconds, or with a unit (`90s`, `10m`, `2h`, `1d`); empty,
/// `-1` or `persist` removes the expiry.
pub fn parse_ttl(text: &str) -> TtlInput {
    let text = text.trim().to_ascii_lowercase();
    if text.is_empty() || text == "-1" || text == "persist" {
        return TtlInput::Change(TtlChange::Persist);
    }
    let (digits, unit) = match text.char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => (&text[..at], Some(c)),
        _ => (text.as_str(), None),
    };
    let scale = match unit {
        None | Some('s') => 1,
        Some('m') => 60,
        Some('h') => 3_600,
        Some('d') => 86_400,
        Some(_) => return TtlInput::Invalid(format!("{text:?} is not a TTL")),
    };
    match digits.trim().parse::<i64>() {
        Ok(n) if n <= 0 => TtlInput::WouldDelete,
        Ok(n) => TtlInput::Change(TtlChange::Seconds(n.unsigned_abs().saturating_mul(scale))),
        Err(_) => TtlInput::Invalid(format!("{text:?} is not a TTL")),
    }
}

/// The preview shown under the TTL prompt as the user types.
pub fn ttl_preview(text: &str) -> String {
    use crate::domain::redis::Ttl;
    match parse_ttl(text) {
        TtlInput::Change(TtlChange::Persist) => "no expiry".to_owned(),
        TtlInput::Change(TtlChange::Seconds(s)) => {
            Ttl::ExpiresIn(s.saturating_mul(1_000)).to_string()
        }
        TtlInput::WouldDelete => "0 or less would delete the key".to_owned(),
        TtlInput::Invalid(why) => why,
    }
}

/// Opens the TTL prompt for the selected (or shown) key.
pub fn open_ttl_prompt(state: &mut State) -> Vec<Effect> {
    let key = match state.focus {
        Focus::Value => state.value.key.clone(),
        _ => state.keys.selected_key().map(|info| info.key.clone()),
    };
    let Some(key) = key else {
        return Vec::new();
    };
    if state.refuse_write() {
        return Vec::new();
    }
    state.modal = Some(Modal::Prompt(Prompt {
        kind: PromptKind::Ttl { key },
        input: String::new(),
    }));
    Vec::new()
}

/// Applies a submitted TTL prompt.
pub fn set_ttl(state: &mut State, key: ByteString, text: &str) -> Vec<Effect> {
    match parse_ttl(text) {
        TtlInput::Change(change) => {
            state.value.write = Some(Write::Ttl(key.clone()));
            state.submit_write(Request::SetTtl { key, change })
        }
        TtlInput::WouldDelete => {
            let why = "A TTL of 0 or less deletes the key. ".to_owned();
            keys::ask_delete(state, key, why);
            Vec::new()
        }
        TtlInput::Invalid(why) => {
            state.error(format!(
                "{why}: type seconds (or 10m, 2h, 1d), or -1 for no expiry"
            ));
            Vec::new()
        }
    }
}

pub fn delete(state: &mut State, key: ByteString) -> Vec<Effect> {
    state.value.write = Some(Write::Delete(key.clone()));
    state.submit_write(Request::Delete { key })
}

/// Opens the string editor on the shown value.
fn open_editor(state: &mut State) -> Vec<Effect> {
    if state.refuse_write() {
        return Vec::new();
    }
    let Some(data) = state.value.data.clone() else {
        return Vec::new();
    };
    if !matches!(data.page, ValuePage::String { .. }) {
        state.info("only string values can be edited here");
        return Vec::new();
    }
    super::string_edit::open(state, &data)
}

/// The editor's lines for `text`. Split on `\n` alone (not `lines()`, which
/// drops a trailing newline) so that `editor_text` gives back the same bytes.
pub fn editor_lines(text: &str) -> Vec<String> {
    text.split('\n').map(str::to_owned).collect()
}

/// The text the editor's lines stand for; the inverse of `editor_lines`.
pub fn editor_text(lines: &[String]) -> String {
    lines.join("\n")
}

/// Sends the editor's bytes; the editor stays open until the write lands.
pub fn save(state: &mut State, key: ByteString, value: ByteString) -> Vec<Effect> {
    state.value.write = Some(Write::Save(key.clone()));
    state.submit_write(Request::SetString { key, value })
}

pub fn on_value(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    match result {
        Ok(Response::Value(data)) => {
            sync_row(state, &data);
            if let ValuePage::Json { text } = &data.page {
                let limit = state.config.max_pretty_json_bytes;
                state.value.pretty =
                    pretty_json(&ByteString::from(text.as_str()), false, limit).ok();
            }
            state.value.data = Some(data);
            state.value.scroll = 0;
            state.value.gone = false;
            Vec::new()
        }
        Ok(_) | Err(DriverError::Cancelled) => Vec::new(),
        Err(DriverError::NotFound) => {
            state.value.gone = true;
            if let Some(key) = state.value.key.clone() {
                state.keys.mark_gone(&key);
            }
            state.error("key no longer exists");
            Vec::new()
        }
        Err(DriverError::WrongType(_)) if !state.value.reloaded => {
            state.value.reloaded = true;
            state.value.back.clear();
            fetch(state, ValueWindow::First)
        }
        Err(error) => {
            state.value.error = Some(error.to_string());
            state.error(format!(
                "could not read the value: {error} · press r to retry"
            ));
            Vec::new()
        }
    }
}

/// Refreshes the key's list row from what the value read found.
fn sync_row(state: &mut State, data: &KeyValue) {
    if let Some(info) = state.keys.items.iter_mut().find(|i| i.key == data.key) {
        info.key_type = Probe::Known(Some(data.key_type.clone()));
        info.ttl = data.ttl;
        info.size = data.size;
    }
}

pub fn on_written(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    let write = state.value.write.take();
    match (write, result) {
        (Some(Write::Delete(key)), Ok(Response::Deleted(existed))) => {
            state.keys.remove(&key);
            if state.value.key.as_ref() == Some(&key) {
                state.value = ValuePane::default();
            }
            let what = if existed { "deleted" } else { "already gone:" };
            state.info(format!("{what} {}", key.escaped()));
            Vec::new()
        }
        (Some(Write::Ttl(key)), Ok(Response::TtlSet(ttl))) => {
            if let Some(info) = state.keys.items.iter_mut().find(|i| i.key == key) {
                info.ttl = Probe::Known(ttl);
            }
            if let Some(data) = state.value.data.as_mut().filter(|d| d.key == key) {
                data.ttl = Probe::Known(ttl);
            }
            state.info(format!("TTL of {}: {ttl}", key.escaped()));
            Vec::new()
        }
        (Some(Write::Save(key)), Ok(Response::Written)) => {
            state.modal = None;
            state.info(format!("saved {}", key.escaped()));
            load(state, key)
        }
        (Some(Write::Save(key)), Err(DriverError::NotFound)) => {
            state.keys.mark_gone(&key);
            if let Some(Modal::Editor(editor)) = state.modal.as_mut() {
                editor.recreate = true;
            }
            state.error(
                "another client deleted this key: Ctrl-s recreates it with your text, Esc drops it",
            );
            Vec::new()
        }
        (Some(Write::Member { key, edit }), Ok(Response::Edited(result))) => {
            if matches!(state.modal, Some(Modal::Editor(_))) {
                state.modal = None;
            }
            state.info(members::edited_message(&edit, &result));
            refresh(state, &key)
        }
        (Some(Write::Member { key, edit }), Err(DriverError::NotFound)) => {
            members::on_gone(state, key, &edit);
            Vec::new()
        }
        (Some(Write::Key(request)), Ok(Response::Written)) => {
            members::on_key_written(state, *request)
        }
        (Some(Write::Key(request)), Err(DriverError::AlreadyExists)) => {
            members::on_taken(state, *request);
            Vec::new()
        }
        (_, Ok(_)) => Vec::new(),
        (_, Err(error)) => {
            state.error(format!("the change failed: {error}"));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_view_refuses_partial_or_oversized_values() {
        let json = ByteString::from(r#"{"a":[1,2]}"#);
        assert_eq!(
            pretty_json(&json, false, 1024).unwrap(),
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}"
        );
        assert!(pretty_json(&json, true, 1024).is_err(), "truncated");
        assert!(pretty_json(&json, false, 4).is_err(), "over the limit");
        assert!(pretty_json(&ByteString::from("not json"), false, 1024).is_err());
        assert!(pretty_json(&ByteString::new(vec![0xff]), false, 1024).is_err());
        let ordered = ByteString::from(r#"{"z":1.10,"a":12345678901234567890123}"#);
        assert_eq!(
            pretty_json(&ordered, false, 1024).unwrap(),
            "{\n  \"z\": 1.10,\n  \"a\": 12345678901234567890123\n}"
        );
    }

    #[test]
    fn next_windows_follow_each_type() {
        let list = ValuePage::List {
            total: 1_500_000,
            start: 0,
            items: vec![ByteString::from("1"); 100],
        };
        assert_eq!(next_window(&list), Some(ValueWindow::Index(100)));
        let last = ValuePage::List {
            total: 1_500_000,
            start: 1_499_999,
            items: vec![ByteString::from("1500000")],
        };
        assert_eq!(next_window(&last), None);
        let hash = ValuePage::Hash {
            total: 200_000,
            entries: Vec::new(),
            next_cursor: Some(77),
        };
        assert_eq!(next_window(&hash), Some(ValueWindow::Cursor(77)));
        let stream = ValuePage::Stream {
            total: 3,
            entries: Vec::new(),
            last_id: Some("5-0".into()),
            groups: Probe::Unavailable,
        };
        assert_eq!(next_window(&stream), Some(ValueWindow::After("5-0".into())));
    }

    #[test]
    fn jump_asks_for_an_index_within_the_list() {
        use crate::domain::redis::KeyType;
        use crate::tui::event::Event;
        use crate::tui::state::tests::{Harness, key_info};
        use crate::worker::Outcome;
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

        let mut h = Harness::with_keys(vec![key_info(b"big:list")], None);
        let id = h.last(|r| matches!(r, Request::Value(_)));
        let page = ValuePage::List {
            total: 1_500_000,
            start: 0,
            items: vec![ByteString::from("1"); 100],
        };
        let value = KeyValue {
            key: ByteString::from("big:list"),
            key_type: KeyType::List,
            ttl: Probe::Known(crate::domain::redis::Ttl::NoExpiry),
            size: Probe::Unavailable,
            page,
        };
        let result = Ok(Response::Value(value));
        h.send(Event::Outcome(Outcome { id, result }));
        let key = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        h.send(Event::Key(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE,
        )));

        let window_of = |h: &Harness| match h.jobs.last() {
            Some((_, _, Request::Value(v))) => Some(v.window.clone()),
            _ => None,
        };
        for (typed, expected) in [("1499999", 1_499_999), ("-1", 1_499_999), ("0", 0)] {
            h.send(key(':'));
            h.typed(typed);
            h.press(KeyCode::Enter);
            assert_eq!(window_of(&h), Some(ValueWindow::Index(expected)), "{typed}");
        }
        let jobs = h.job_count();
        h.send(key(':'));
        h.typed("1500000");
        h.press(KeyCode::Enter);
        assert_eq!(h.job_count(), jobs);
        assert_eq!(
            h.message(),
            "index out of range: the value has 1500000 items"
        );
    }
}
