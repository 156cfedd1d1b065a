//! Things that take the keyboard for a moment: prompts, confirmations, the
//! connection form, the string editor, the database picker and the help.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use unicode_segmentation::UnicodeSegmentation as _;

use super::string_edit::{self, StringEdit};
use super::{State, bulk, keys, member_options, members, mongo, pubsub, sql, tables, value};
use crate::domain::ByteString;
use crate::domain::redis::{BulkAction, KeyFilter, KeyType};
use crate::domain::redis_edit::{ListEnd, StreamId};
use crate::domain::sql::Cell;
use crate::domain::{Profile, ProfileId};
use crate::registry::NewProfile;
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::keymap::Context;

/// What a one-line prompt is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// The key filter; `before` is restored when the prompt is cancelled.
    Filter {
        glob: bool,
        before: KeyFilter,
    },
    Ttl {
        key: ByteString,
    },
    Jump {
        total: u64,
    },
    /// A table's WHERE condition.
    Where,
    /// A table's ORDER BY list.
    OrderBy,
    /// Text the tree's table names must hold.
    TableFilter,
    /// The file to export the grid's table or statement to.
    ExportPath,
    /// A new value for the cell at this row and column of the grid.
    CellValue {
        row: usize,
        column: usize,
    },
    /// Channels to subscribe to, separated by spaces.
    Subscribe,
    /// Patterns to subscribe to.
    PatternSubscribe,
    /// Channels or patterns to unsubscribe from.
    Unsubscribe,
    /// `channel message` to publish.
    Publish,
    /// Text the shown messages' channel or payload must hold.
    MessageFilter,
    /// The TTL to set on every key the filter matches.
    BulkTtl,
    /// The name of a hash field to add (its value goes in the editor).
    NewField {
        key: ByteString,
    },
    /// An item to push at one end of a list.
    Push {
        key: ByteString,
        end: ListEnd,
    },
    /// A set member, or `SCORE MEMBER` for a sorted set.
    AddMember {
        key: ByteString,
    },
    /// A list item's new value (LSET at `index`).
    SetItem {
        key: ByteString,
        index: i64,
    },
    /// A sorted-set member's new score.
    Score {
        key: ByteString,
        member: ByteString,
    },
    /// `START STOP` of the list items to keep.
    Trim {
        key: ByteString,
    },
    /// How many list items equal to `item` to remove (LREM's count).
    RemoveCount {
        key: ByteString,
        item: ByteString,
    },
    /// The ID of a new stream entry (its fields go in the editor).
    EntryId {
        key: ByteString,
    },
    /// `TYPE NAME` of a key to create.
    NewKey,
    /// The new key's TTL (empty for none).
    NewKeyTtl {
        key: ByteString,
        key_type: KeyType,
    },
    /// A key's new name.
    Rename {
        key: ByteString,
    },
    /// The name of a key's copy.
    Copy {
        key: ByteString,
    },
    /// A create or drop in the MongoDB tree.
    Mongo(mongo::tree::TreePrompt),
}

/// A one-line text prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
}

/// What a yes/no question does on yes.
#[derive(Clone, Debug, PartialEq)]
pub enum Confirmed {
    DeleteKey(ByteString),
    DeleteConnection(String),
    /// Run this edit of one row.
    SqlEdit(String),
    /// Run a bulk action on every key the filter matches.
    Bulk(KeyFilter, BulkAction),
    /// Send this Redis write (a member removal, a trim, a replacing rename
    /// or copy, recreating a vanished key).
    Write(Box<crate::worker::Request>),
    /// Send this MongoDB write (an index drop).
    Mongo(Box<crate::worker::MongoRequest>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Confirm {
    pub question: String,
    pub on_yes: Confirmed,
}

/// The add/edit connection form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form {
    pub editing: Option<ProfileId>,
    pub name: String,
    pub url: String,
    pub read_only: bool,
    /// 0: name, 1: URL.
    pub field: usize,
}

impl Form {
    pub fn editing(profile: &Profile) -> Self {
        Self {
            editing: Some(profile.id),
            name: profile.name.clone(),
            url: profile.url.clone(),
            read_only: profile.read_only,
            field: 0,
        }
    }
}

/// What the editor's text becomes when saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditTarget {
    /// The key's whole string value, in one of the string editor's modes.
    StringValue(StringEdit),
    /// The value of this hash field (added when it is new).
    HashField(ByteString),
    /// A new stream entry with this ID, one `FIELD VALUE` a line, in order.
    StreamEntry(StreamId),
    /// The first value of a key to create (see `members::new_value`).
    NewKey { key_type: KeyType, ttl: Option<u64> },
}

/// The multi-line editor for a string value, a hash field, a stream entry
/// or a new key's first value.
#[derive(Debug)]
pub struct Editor {
    pub key: ByteString,
    /// The text as loaded, to tell whether saving would change anything.
    pub original: String,
    pub area: TextArea<'static>,
    pub target: EditTarget,
    /// The key was deleted meanwhile; saving recreates it.
    pub recreate: bool,
}

/// The database picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    pub selected: usize,
}

#[derive(Debug)]
pub enum Modal {
    Prompt(Prompt),
    Confirm(Confirm),
    Form(Form),
    Editor(Box<Editor>),
    Picker(Picker),
    /// The SQL editor; its text lives in `State::sql`.
    Query,
    /// One SQL cell shown whole (JSON text already pretty-printed),
    /// scrolled by this many lines.
    Cell {
        title: String,
        cell: Cell,
        scroll: usize,
    },
    /// The key help, scrolled by this many lines.
    Help {
        scroll: usize,
    },
}

impl Modal {
    pub fn context(&self) -> Context {
        match self {
            Self::Prompt(_) => Context::Prompt,
            Self::Confirm(_) => Context::Confirm,
            Self::Form(_) => Context::Form,
            Self::Editor(_) => Context::Editor,
            Self::Picker(_) => Context::Picker,
            Self::Query => Context::Query,
            Self::Cell { .. } => Context::Cell,
            Self::Help { .. } => Context::Help,
        }
    }
}

/// Routes a key press to the open modal.
pub fn on_key(state: &mut State, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
    let Some(modal) = state.modal.take() else {
        return Vec::new();
    };
    match modal {
        Modal::Prompt(prompt) => on_prompt(state, prompt, action, key),
        Modal::Confirm(confirm) => on_confirm(state, confirm, action),
        Modal::Form(form) => on_form(state, form, action, key),
        Modal::Editor(editor) => on_editor(state, *editor, action, key),
        Modal::Picker(picker) => on_picker(state, picker, action),
        Modal::Query => on_query(state, action, key),
        Modal::Cell {
            title,
            cell,
            scroll,
        } => {
            let Some(scroll) = scrolled(scroll, action) else {
                return Vec::new();
            };
            state.modal = Some(Modal::Cell {
                title,
                cell,
                scroll,
            });
            Vec::new()
        }
        Modal::Help { scroll } => {
            let Some(scroll) = scrolled(scroll, action) else {
                return Vec::new();
            };
            let max = state.keymap.bindings().len().saturating_sub(1);
            state.modal = Some(Modal::Help {
                scroll: scroll.min(max),
            });
            Vec::new()
        }
    }
}

/// A scrolled view's new position, or `None` when it closes.
fn scrolled(scroll: usize, action: Option<Action>) -> Option<usize> {
    Some(match action {
        Some(Action::Cancel) => return None,
        Some(Action::Down) => scroll.saturating_add(1),
        Some(Action::Up) => scroll.saturating_sub(1),
        Some(Action::PageDown) => scroll.saturating_add(10),
        Some(Action::PageUp) => scroll.saturating_sub(10),
        _ => scroll,
    })
}

/// Edits a line of text; returns whether it changed.
fn edit_line(line: &mut String, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => {
            line.clear();
            true
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => {
            line.push(c);
            true
        }
        KeyCode::Backspace => {
            let cut = line.grapheme_indices(true).next_back().map(|(at, _)| at);
            cut.map(|at| line.truncate(at)).is_some()
        }
        _ => false,
    }
}

fn on_prompt(
    state: &mut State,
    mut prompt: Prompt,
    action: Option<Action>,
    key: KeyEvent,
) -> Vec<Effect> {
    match action {
        Some(Action::Submit) => submit_prompt(state, prompt),
        Some(Action::Cancel) => cancel_prompt(state, prompt),
        Some(Action::SetNull) => match prompt.kind {
            PromptKind::CellValue { row, column } => {
                sql::preview_update(state, row, column, Cell::Null)
            }
            _ => {
                state.modal = Some(Modal::Prompt(prompt));
                Vec::new()
            }
        },
        Some(Action::ToggleGlob) => {
            if let PromptKind::Filter { glob, .. } = &mut prompt.kind {
                *glob = !*glob;
            }
            live_filter(state, prompt)
        }
        _ => {
            let changed = edit_line(&mut prompt.input, &key);
            if changed && matches!(prompt.kind, PromptKind::Filter { .. }) {
                return live_filter(state, prompt);
            }
            state.modal = Some(Modal::Prompt(prompt));
            Vec::new()
        }
    }
}

fn filter_of(prompt: &Prompt) -> Option<KeyFilter> {
    match &prompt.kind {
        PromptKind::Filter { glob: true, .. } => Some(KeyFilter::Glob(prompt.input.clone())),
        PromptKind::Filter { glob: false, .. } => Some(KeyFilter::Literal(prompt.input.clone())),
        _ => None,
    }
}

/// Each change to the filter starts a scan that supersedes the last one.
fn live_filter(state: &mut State, prompt: Prompt) -> Vec<Effect> {
    let effects = match filter_of(&prompt) {
        Some(filter) => keys::apply_filter(state, filter),
        None => Vec::new(),
    };
    state.modal = Some(Modal::Prompt(prompt));
    effects
}

fn submit_prompt(state: &mut State, prompt: Prompt) -> Vec<Effect> {
    match prompt.kind {
        PromptKind::Filter { .. } => {
            let filter = filter_of(&prompt).unwrap_or_default();
            let mut effects = keys::apply_filter(state, filter.clone());
            effects.push(Effect::Remember {
                key: "last_filter",
                value: keys::filter_to_memory(&filter),
            });
            effects
        }
        PromptKind::Ttl { key } => value::set_ttl(state, key, &prompt.input),
        PromptKind::BulkTtl => bulk::on_ttl(state, &prompt.input),
        PromptKind::Jump { total } => value::jump(state, &prompt.input, total),
        PromptKind::Where | PromptKind::OrderBy => {
            sql::apply_clause(state, &prompt.kind, prompt.input)
        }
        PromptKind::CellValue { row, column } => {
            sql::preview_update(state, row, column, Cell::Text(prompt.input))
        }
        PromptKind::TableFilter => tables::apply_filter(state, prompt.input),
        PromptKind::ExportPath => sql::start_export(state, prompt.input),
        PromptKind::Subscribe
        | PromptKind::PatternSubscribe
        | PromptKind::Unsubscribe
        | PromptKind::Publish
        | PromptKind::MessageFilter => pubsub::on_prompt(state, &prompt.kind, &prompt.input),
        kind @ (PromptKind::RemoveCount { .. } | PromptKind::EntryId { .. }) => {
            member_options::on_prompt(state, kind, prompt.input)
        }
        PromptKind::Mongo(kind) => mongo::tree::on_prompt(state, kind, &prompt.input),
        kind => members::on_prompt(state, kind, prompt.input),
    }
}

/// The SQL editor: Ctrl-r runs the statement under the cursor, Esc closes
/// the editor (its text stays for next time), other keys edit.
fn on_query(state: &mut State, action: Option<Action>, key: KeyEvent) -> Vec<Effect> {
    match action {
        Some(Action::Cancel) => Vec::new(),
        Some(Action::RunQuery) => {
            state.modal = Some(Modal::Query);
            sql::run_at_cursor(state)
        }
        Some(Action::HistoryPrev) => {
            state.modal = Some(Modal::Query);
            sql::recall(state, true)
        }
        Some(Action::HistoryNext) => {
            state.modal = Some(Modal::Query);
            sql::recall(state, false)
        }
        _ => {
            super::graphemes::input(&mut state.sql.editor, key);
            state.modal = Some(Modal::Query);
            Vec::new()
        }
    }
}

fn cancel_prompt(state: &mut State, prompt: Prompt) -> Vec<Effect> {
    match prompt.kind {
        PromptKind::Filter { before, .. } => keys::apply_filter(state, before),
        _ => Vec::new(),
    }
}

fn on_confirm(state: &mut State, confirm: Confirm, action: Option<Action>) -> Vec<Effect> {
    match (action, confirm.on_yes) {
        (Some(Action::Confirm), Confirmed::DeleteKey(key)) => value::delete(state, key),
        (Some(Action::Confirm), Confirmed::DeleteConnection(name)) => {
            vec![Effect::RemoveConnection(name)]
        }
        (Some(Action::Confirm), Confirmed::SqlEdit(sql)) => sql::run_edit(state, sql),
        (Some(Action::Confirm), Confirmed::Bulk(filter, action)) => {
            bulk::run(state, filter, action)
        }
        (Some(Action::Confirm), Confirmed::Write(request)) => members::confirmed(state, *request),
        (Some(Action::Confirm), Confirmed::Mongo(request)) => {
            mongo::tree::confirmed(state, *request)
        }
        (Some(Action::Deny), _) => {
            state.info("nothing changed");
            Vec::new()
        }
        (_, on_yes) => {
            state.modal = Some(Modal::Confirm(Confirm {
                question: confirm.question,
                on_yes,
            }));
            Vec::new()
        }
    }
}

fn on_form(
    state: &mut State,
    mut form: Form,
    action: Option<Action>,
    key: KeyEvent,
) -> Vec<Effect> {
    match action {
        Some(Action::Cancel) => return Vec::new(),
        Some(Action::Submit) => return submit_form(state, form),
        Some(Action::NextField) => form.field = (form.field + 1) % 2,
        Some(Action::ToggleReadOnly) => form.read_only = !form.read_only,
        _ => {
            let line = if form.field == 0 {
                &mut form.name
            } else {
                &mut form.url
            };
            edit_line(line, &key);
        }
    }
    state.modal = Some(Modal::Form(form));
    Vec::new()
}

fn submit_form(state: &mut State, form: Form) -> Vec<Effect> {
    let name = form.name.trim().to_owned();
    let url = form.url.trim().to_owned();
    if name.is_empty() || !url.contains("://") {
        state.error("a connection needs a name and a URL such as redis://127.0.0.1:6379");
        state.modal = Some(Modal::Form(form));
        return Vec::new();
    }
    let profile = NewProfile {
        name,
        url,
        read_only: form.read_only,
    };
    state.info("saving the connection…");
    match form.editing {
        Some(id) => vec![Effect::UpdateConnection(id, profile)],
        None => vec![Effect::AddConnection(profile)],
    }
}

fn on_editor(
    state: &mut State,
    mut editor: Editor,
    action: Option<Action>,
    key: KeyEvent,
) -> Vec<Effect> {
    match action {
        Some(Action::Cancel) => {
            state.info("edit discarded");
            Vec::new()
        }
        Some(Action::Save) => save_editor(state, editor),
        Some(Action::EditMode) => {
            string_edit::switch_mode(state, &mut editor);
            state.modal = Some(Modal::Editor(Box::new(editor)));
            Vec::new()
        }
        Some(Action::JsonLayout) => {
            string_edit::cycle_layout(state, &mut editor);
            state.modal = Some(Modal::Editor(Box::new(editor)));
            Vec::new()
        }
        _ => {
            super::graphemes::input(&mut editor.area, key);
            state.modal = Some(Modal::Editor(Box::new(editor)));
            Vec::new()
        }
    }
}

/// Saves the editor's text; it stays open until the write lands. A string
/// value decides for itself whether anything changed, by its bytes.
fn save_editor(state: &mut State, editor: Editor) -> Vec<Effect> {
    let text = value::editor_text(editor.area.lines());
    let (key, target, recreate) = (editor.key.clone(), editor.target.clone(), editor.recreate);
    let string = matches!(target, EditTarget::StringValue(_));
    if !string && text == editor.original && !recreate {
        state.info("no changes");
        return Vec::new();
    }
    state.modal = Some(Modal::Editor(Box::new(editor)));
    members::save(state, key, target, recreate, text)
}

fn on_picker(state: &mut State, mut picker: Picker, action: Option<Action>) -> Vec<Effect> {
    let count = state.keys.databases.len();
    match action {
        Some(Action::Down) => picker.selected = (picker.selected + 1).min(count.saturating_sub(1)),
        Some(Action::Up) => picker.selected = picker.selected.saturating_sub(1),
        Some(Action::Cancel) => return Vec::new(),
        Some(Action::Submit) => {
            return match state.keys.databases.get(picker.selected) {
                Some(db) => {
                    let index = db.index;
                    keys::switch_database(state, index)
                }
                None => Vec::new(),
            };
        }
        _ => {}
    }
    state.modal = Some(Modal::Picker(picker));
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(line: &mut String, code: KeyCode) -> bool {
        edit_line(line, &KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn backspace_removes_whole_graphemes() {
        let mut line = "x\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}e\u{301}".to_owned();
        assert!(press(&mut line, KeyCode::Backspace));
        assert_eq!(line, "x\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}");
        assert!(press(&mut line, KeyCode::Backspace));
        assert_eq!(line, "x");
        assert!(press(&mut line, KeyCode::Backspace));
        assert!(!press(&mut line, KeyCode::Backspace));
        assert_eq!(line, "");
    }

    #[test]
    fn control_characters_are_not_typed() {
        let mut line = String::new();
        assert!(press(&mut line, KeyCode::Char('é')));
        assert!(!press(&mut line, KeyCode::Char('\u{1b}')));
        let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert!(edit_line(&mut line, &ctrl_u));
        assert_eq!(line, "");
    }
}
