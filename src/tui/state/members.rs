//! Editing a key's members from the value pane, and the key-level writes
//! from either pane: create a key of any type, rename, copy.
//!
//! The member under the pane's top row is the one an edit or removal
//! applies to; everything works on the loaded page. Text is offered for
//! editing only when it can come back as the same bytes. Nothing here does
//! I/O: each step is a prompt, a confirmation or a worker request.

use ratatui_textarea::TextArea;

use super::modal::{Confirm, Confirmed, EditTarget, Editor, Modal, Prompt, PromptKind};
use super::value::{self, TtlInput, Write, editor_lines};
use super::{Focus, State, member_options, string_edit};
use crate::domain::ByteString;
use crate::domain::redis::{FieldValue, KeyType, ValuePage};
use crate::domain::redis_edit::{
    EditResult, ListEnd, MemberEdit, MemberScore, NewValue, Score, StreamId,
};
use crate::tui::effect::Effect;
use crate::worker::{Request, TtlChange};

/// The shown key, unless the connection refuses writes.
fn writable_key(state: &mut State) -> Option<ByteString> {
    let key = state.value.key.clone()?;
    (!state.refuse_write()).then_some(key)
}

pub fn prompt(state: &mut State, kind: PromptKind, input: String) -> Vec<Effect> {
    state.modal = Some(Modal::Prompt(Prompt { kind, input }));
    Vec::new()
}

pub fn editor(state: &mut State, key: ByteString, target: EditTarget, text: &str) -> Vec<Effect> {
    state.modal = Some(Modal::Editor(Box::new(Editor {
        key,
        original: text.to_owned(),
        area: TextArea::new(editor_lines(text)),
        target,
        recreate: false,
    })));
    Vec::new()
}

/// Text that can be edited and saved back as the same bytes.
fn editable_text(bytes: &ByteString) -> Option<&str> {
    bytes
        .as_str()
        .filter(|text| !bytes.is_binary() && !text.contains('\r'))
}

/// `a`: add a member of the shown type (a list item goes to the tail).
pub fn add(state: &mut State) -> Vec<Effect> {
    let Some(key) = writable_key(state) else {
        return Vec::new();
    };
    let Some(key_type) = state.value.data.as_ref().map(|d| d.key_type.clone()) else {
        return Vec::new();
    };
    match key_type {
        KeyType::Hash => prompt(state, PromptKind::NewField { key }, String::new()),
        KeyType::List => prompt(
            state,
            PromptKind::Push {
                key,
                end: ListEnd::Tail,
            },
            String::new(),
        ),
        KeyType::Set | KeyType::Zset => prompt(state, PromptKind::AddMember { key }, String::new()),
        KeyType::Stream => member_options::ask_stream_id(state, key),
        _ => {
            state.info("adding members works in hashes, lists, sets, sorted sets and streams");
            Vec::new()
        }
    }
}

/// Whether the pane shows a list; if not, says `what` works only there.
fn shows_list(state: &mut State, what: &str) -> bool {
    let is_list = state
        .value
        .data
        .as_ref()
        .is_some_and(|d| d.key_type == KeyType::List);
    if !is_list {
        state.info(what);
    }
    is_list
}

/// `A`: push an item at the head of a list.
pub fn push_head(state: &mut State) -> Vec<Effect> {
    if !shows_list(state, "pushing at the head works in lists") {
        return Vec::new();
    }
    match writable_key(state) {
        Some(key) => prompt(
            state,
            PromptKind::Push {
                key,
                end: ListEnd::Head,
            },
            String::new(),
        ),
        None => Vec::new(),
    }
}

/// `e`: edit the member at the top row: a hash field's value, a list item,
/// a sorted-set member's score. `None` for other types (the string editor
/// takes those).
pub fn edit(state: &mut State) -> Option<Vec<Effect>> {
    let row = state.value.scroll;
    let (kind, text) = match &state.value.data.as_ref()?.page {
        ValuePage::Hash { entries, .. } => {
            let entry = entries.get(row)?;
            let field = entry.field.clone();
            (
                Edit::Field(field),
                editable_text(&entry.value).map(str::to_owned),
            )
        }
        ValuePage::List { start, items, .. } => {
            let index = i64::try_from(start + row as u64).ok()?;
            (
                Edit::Item(index),
                editable_text(items.get(row)?).map(str::to_owned),
            )
        }
        ValuePage::Zset { members, .. } => {
            let member = members.get(row)?;
            (
                Edit::Score(member.member.clone()),
                Some(member.score.clone()),
            )
        }
        _ => return None,
    };
    let Some(text) = text else {
        state.info("this value is binary; it can't be edited as text without changing its bytes");
        return Some(Vec::new());
    };
    let Some(key) = writable_key(state) else {
        return Some(Vec::new());
    };
    Some(match kind {
        Edit::Field(field) => editor(state, key, EditTarget::HashField(field), &text),
        Edit::Item(index) => prompt(state, PromptKind::SetItem { key, index }, text),
        Edit::Score(member) => prompt(state, PromptKind::Score { key, member }, text),
    })
}

/// What `edit` opens.
enum Edit {
    Field(ByteString),
    Item(i64),
    Score(ByteString),
}

/// `-`: remove the member at the top row, after a confirmation.
pub fn remove(state: &mut State) -> Vec<Effect> {
    let row = state.value.scroll;
    let Some(data) = &state.value.data else {
        return Vec::new();
    };
    let removal = match &data.page {
        ValuePage::Hash { entries, .. } => entries.get(row).map(|e| {
            let what = format!("field {}", e.field.escaped());
            (
                what,
                MemberEdit::HashDelete {
                    fields: vec![e.field.clone()],
                },
            )
        }),
        ValuePage::List { items, .. } => {
            let item = items.get(row).cloned();
            return match (item, writable_key(state)) {
                (Some(item), Some(key)) => member_options::ask_remove_count(state, key, item),
                (None, _) => {
                    state.info("nothing to remove here");
                    Vec::new()
                }
                (Some(_), None) => Vec::new(),
            };
        }
        ValuePage::Set { members, .. } => members.get(row).map(|m| {
            (
                format!("member {}", m.escaped()),
                MemberEdit::SetRemove {
                    members: vec![m.clone()],
                },
            )
        }),
        ValuePage::Zset { members, .. } => members.get(row).map(|m| {
            let what = format!("member {}", m.member.escaped());
            (
                what,
                MemberEdit::ZsetRemove {
                    members: vec![m.member.clone()],
                },
            )
        }),
        ValuePage::Stream { entries, .. } => entries.get(row).map(|e| {
            (
                format!("entry {}", e.id),
                MemberEdit::StreamDelete {
                    ids: vec![e.id.clone()],
                },
            )
        }),
        _ => None,
    };
    let Some((what, edit)) = removal else {
        state.info("nothing to remove here");
        return Vec::new();
    };
    let Some(key) = writable_key(state) else {
        return Vec::new();
    };
    let question = format!("Remove {what} from {}?", key.escaped());
    confirm(state, question, Request::EditMembers { key, edit })
}

pub fn confirm(state: &mut State, question: String, request: Request) -> Vec<Effect> {
    state.modal = Some(Modal::Confirm(Confirm {
        question,
        on_yes: Confirmed::Write(Box::new(request)),
    }));
    Vec::new()
}

/// `T`: keep only a range of a list.
pub fn trim(state: &mut State) -> Vec<Effect> {
    if !shows_list(state, "trimming works in lists") {
        return Vec::new();
    }
    match writable_key(state) {
        Some(key) => prompt(state, PromptKind::Trim { key }, String::new()),
        None => Vec::new(),
    }
}

/// `c` in the key list: create a key, asking its type and name first.
pub fn new_key(state: &mut State) -> Vec<Effect> {
    if state.refuse_write() {
        return Vec::new();
    }
    prompt(state, PromptKind::NewKey, String::new())
}

/// `R` / `C`: rename or copy the selected (or shown) key.
pub fn rename_or_copy(state: &mut State, copy: bool) -> Vec<Effect> {
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
    let kind = if copy {
        PromptKind::Copy { key }
    } else {
        PromptKind::Rename { key }
    };
    prompt(state, kind, String::new())
}

/// Acts on a submitted prompt of this module.
pub fn on_prompt(state: &mut State, kind: PromptKind, input: String) -> Vec<Effect> {
    match kind {
        PromptKind::NewField { key } => {
            let field = ByteString::from(input);
            editor(state, key, EditTarget::HashField(field), "")
        }
        PromptKind::Push { key, end } => {
            let edit = MemberEdit::ListPush {
                end,
                items: vec![input.into()],
            };
            submit(state, key, edit)
        }
        PromptKind::AddMember { key } => add_member(state, key, input),
        PromptKind::SetItem { key, index } => submit(
            state,
            key,
            MemberEdit::ListSet {
                index,
                item: input.into(),
            },
        ),
        PromptKind::Score { key, member } => match Score::parse(&input) {
            Ok(score) => submit(state, key, MemberEdit::ZsetAdd { member, score }),
            Err(why) => keep_prompt(state, PromptKind::Score { key, member }, input, why),
        },
        PromptKind::Trim { key } => match parse_range(&input) {
            Some((start, stop)) => {
                let question = format!(
                    "Keep only items {start} to {stop} of {} and drop the rest? (an empty range deletes the key)",
                    key.escaped()
                );
                confirm(
                    state,
                    question,
                    Request::EditMembers {
                        key,
                        edit: MemberEdit::ListTrim { start, stop },
                    },
                )
            }
            None => {
                let why = "type two indexes, such as 0 99 (negative counts from the end)";
                keep_prompt(state, PromptKind::Trim { key }, input, why.to_owned())
            }
        },
        PromptKind::NewKey => new_key_named(state, &input),
        PromptKind::NewKeyTtl { key, key_type } => match value::parse_ttl(&input) {
            TtlInput::Change(TtlChange::Persist) => new_key_value(state, key, key_type, None),
            TtlInput::Change(TtlChange::Seconds(s)) => new_key_value(state, key, key_type, Some(s)),
            TtlInput::WouldDelete | TtlInput::Invalid(_) => {
                let why = "type seconds (or 10m, 2h, 1d), or leave it empty for no expiry";
                keep_prompt(
                    state,
                    PromptKind::NewKeyTtl { key, key_type },
                    input,
                    why.to_owned(),
                )
            }
        },
        PromptKind::Rename { key } => {
            let request = Request::Rename {
                key,
                to: input.into(),
                overwrite: false,
            };
            submit_key_write(state, request)
        }
        PromptKind::Copy { key } => {
            let request = Request::Copy {
                key,
                to: input.into(),
                overwrite: false,
            };
            submit_key_write(state, request)
        }
        _ => Vec::new(),
    }
}

pub fn keep_prompt(state: &mut State, kind: PromptKind, input: String, why: String) -> Vec<Effect> {
    state.error(why);
    prompt(state, kind, input)
}

/// A set member as typed, or for a sorted set `SCORE MEMBER`.
fn add_member(state: &mut State, key: ByteString, input: String) -> Vec<Effect> {
    let is_zset = state
        .value
        .data
        .as_ref()
        .is_some_and(|d| d.key_type == KeyType::Zset);
    if !is_zset {
        return submit(
            state,
            key,
            MemberEdit::SetAdd {
                members: vec![input.into()],
            },
        );
    }
    let (score, member) = input.split_once(' ').unwrap_or((input.as_str(), ""));
    match Score::parse(score) {
        Ok(score) if !member.is_empty() => {
            let edit = MemberEdit::ZsetAdd {
                member: member.into(),
                score,
            };
            submit(state, key, edit)
        }
        Ok(_) => keep_prompt(
            state,
            PromptKind::AddMember { key },
            input,
            "type SCORE MEMBER, such as 1.5 alice".into(),
        ),
        Err(why) => keep_prompt(state, PromptKind::AddMember { key }, input, why),
    }
}

fn parse_range(input: &str) -> Option<(i64, i64)> {
    let mut parts = input.split_whitespace().map(str::parse::<i64>);
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(start)), Some(Ok(stop)), None) => Some((start, stop)),
        _ => None,
    }
}

/// `TYPE NAME`: the name is the rest of the line, spaces included.
fn new_key_named(state: &mut State, input: &str) -> Vec<Effect> {
    let (type_name, name) = input.trim_start().split_once(' ').unwrap_or((input, ""));
    let key_type = KeyType::from_reply(&type_name.to_ascii_lowercase())
        .filter(|t| !matches!(t, KeyType::Module(_)));
    match key_type {
        Some(key_type) if !name.is_empty() => {
            let kind = PromptKind::NewKeyTtl {
                key: name.into(),
                key_type,
            };
            prompt(state, kind, String::new())
        }
        _ => {
            let why =
                "type TYPE NAME: string, hash, list, set, zset or stream, then the key's name";
            keep_prompt(state, PromptKind::NewKey, input.to_owned(), why.to_owned())
        }
    }
}

fn new_key_value(
    state: &mut State,
    key: ByteString,
    key_type: KeyType,
    ttl: Option<u64>,
) -> Vec<Effect> {
    editor(state, key, EditTarget::NewKey { key_type, ttl }, "")
}

/// The lines of the "new key" editor as the key's first value: the whole
/// text for a string; one item a line for lists and sets; `SCORE MEMBER`
/// for sorted sets; `FIELD VALUE` for hashes and stream entries.
pub fn new_value(key_type: &KeyType, text: &str) -> Result<NewValue, String> {
    let lines = || text.lines().filter(|line| !line.is_empty());
    let items = || lines().map(ByteString::from).collect::<Vec<_>>();
    Ok(match key_type {
        KeyType::String => NewValue::String { value: text.into() },
        KeyType::List => NewValue::List { items: items() },
        KeyType::Set => NewValue::Set { members: items() },
        KeyType::Hash => NewValue::Hash {
            entries: field_lines(text)?,
        },
        KeyType::Stream => NewValue::Stream {
            id: StreamId::auto(),
            fields: field_lines(text)?,
        },
        KeyType::Zset => {
            let members = lines()
                .map(|line| {
                    let (score, member) = line.split_once(' ').unwrap_or((line, ""));
                    let score = Score::parse(score)?;
                    Ok(MemberScore {
                        member: member.into(),
                        score,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            NewValue::Zset { members }
        }
        KeyType::Module(name) => return Err(format!("dbdeck can't create {name} keys")),
    })
}

/// `FIELD VALUE` lines, in order; the value is the rest of the line.
pub fn field_lines(text: &str) -> Result<Vec<FieldValue>, String> {
    let pairs: Vec<FieldValue> = text
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (field, value) = line.split_once(' ').unwrap_or((line, ""));
            FieldValue {
                field: field.into(),
                value: value.into(),
            }
        })
        .collect();
    if pairs.is_empty() {
        return Err("write one FIELD VALUE pair a line".into());
    }
    Ok(pairs)
}

/// Sends a member edit; the outcome reloads the pane.
pub fn submit(state: &mut State, key: ByteString, edit: MemberEdit) -> Vec<Effect> {
    state.value.write = Some(Write::Member {
        key: key.clone(),
        edit: edit.clone(),
    });
    state.submit_write(Request::EditMembers { key, edit })
}

/// Sends a rename, copy or create, remembering it for the outcome.
pub fn submit_key_write(state: &mut State, request: Request) -> Vec<Effect> {
    state.value.write = Some(Write::Key(Box::new(request.clone())));
    state.submit_write(request)
}

/// The new key a member edit would make of a key that vanished, when the
/// edit adds something.
pub fn recreation(edit: &MemberEdit) -> Option<NewValue> {
    Some(match edit.clone() {
        MemberEdit::HashSet { field, value } => NewValue::Hash {
            entries: vec![FieldValue { field, value }],
        },
        MemberEdit::ListPush { items, .. } => NewValue::List { items },
        MemberEdit::SetAdd { members } => NewValue::Set { members },
        MemberEdit::ZsetAdd { member, score } => NewValue::Zset {
            members: vec![MemberScore { member, score }],
        },
        MemberEdit::StreamAdd { id, fields } => NewValue::Stream { id, fields },
        _ => return None,
    })
}

/// A member edit found its key gone: say so and offer to recreate it. The
/// editor, if one is open, keeps the user's text and recreates on save.
pub fn on_gone(state: &mut State, key: ByteString, edit: &MemberEdit) {
    state.value.gone = true;
    state.keys.mark_gone(&key);
    let Some(value) = recreation(edit) else {
        state.error(format!("{} was deleted by another client", key.escaped()));
        return;
    };
    if let Some(Modal::Editor(editor)) = state.modal.as_mut() {
        editor.recreate = true;
        state.error(
            "another client deleted this key: Ctrl-s recreates it with your text, Esc drops it",
        );
        return;
    }
    let question = format!(
        "{} was deleted by another client. Recreate it with this member?",
        key.escaped()
    );
    let request = Request::CreateKey {
        key,
        value,
        ttl: None,
    };
    state.modal = Some(Modal::Confirm(Confirm {
        question,
        on_yes: Confirmed::Write(Box::new(request)),
    }));
}

/// A rename or copy found the new name taken: ask before replacing it.
pub fn on_taken(state: &mut State, request: Request) {
    let replacing = match request {
        Request::Rename { key, to, .. } => Some(Request::Rename {
            key,
            to,
            overwrite: true,
        }),
        Request::Copy { key, to, .. } => Some(Request::Copy {
            key,
            to,
            overwrite: true,
        }),
        _ => None,
    };
    let Some(replacing) = replacing else {
        state.error("a key with this name already exists; nothing was changed");
        return;
    };
    let to = match &replacing {
        Request::Rename { to, .. } | Request::Copy { to, .. } => to.escaped(),
        _ => String::new(),
    };
    state.modal = Some(Modal::Confirm(Confirm {
        question: format!("{to} already exists. Replace it?"),
        on_yes: Confirmed::Write(Box::new(replacing)),
    }));
}

/// Runs a confirmed write.
pub fn confirmed(state: &mut State, request: Request) -> Vec<Effect> {
    match request {
        Request::EditMembers { key, edit } => submit(state, key, edit),
        other => submit_key_write(state, other),
    }
}

/// Saves the editor's text as its target says; the editor stays open until
/// the write lands, so a failure loses nothing.
pub fn save(
    state: &mut State,
    key: ByteString,
    target: EditTarget,
    recreate: bool,
    text: String,
) -> Vec<Effect> {
    let edit = match target {
        EditTarget::StringValue(edit) => return string_edit::save(state, key, &edit, recreate),
        EditTarget::HashField(field) => MemberEdit::HashSet {
            field,
            value: text.into(),
        },
        EditTarget::StreamEntry(id) => match field_lines(&text) {
            Ok(fields) => MemberEdit::StreamAdd { id, fields },
            Err(why) => {
                state.error(why);
                return Vec::new();
            }
        },
        EditTarget::NewKey { key_type, ttl } => {
            return match new_value(&key_type, &text) {
                Ok(value) => submit_key_write(state, Request::CreateKey { key, value, ttl }),
                Err(why) => {
                    state.error(why);
                    Vec::new()
                }
            };
        }
    };
    match recreation(&edit).filter(|_| recreate) {
        Some(value) => submit_key_write(
            state,
            Request::CreateKey {
                key,
                value,
                ttl: None,
            },
        ),
        None => submit(state, key, edit),
    }
}

/// A key write landed: close the editor, update the key list and show the
/// key it concerns.
pub fn on_key_written(state: &mut State, request: Request) -> Vec<Effect> {
    if matches!(state.modal, Some(Modal::Editor(_))) {
        state.modal = None;
    }
    let (shown, message) = match request {
        Request::Rename { key, to, .. } => {
            state.keys.remove(&key);
            let message = format!("renamed {} to {}", key.escaped(), to.escaped());
            (to, message)
        }
        Request::Copy { key, to, .. } => {
            let message = format!("copied {} to {}", key.escaped(), to.escaped());
            (to, message)
        }
        Request::CreateKey { key, value, .. } => {
            let message = format!("created {} ({})", key.escaped(), value.key_type());
            (key, message)
        }
        _ => return Vec::new(),
    };
    state.keys.remember(shown.clone());
    state.info(message);
    state.focus = Focus::Value;
    value::load(state, shown)
}

/// What a member edit's outcome says on the status line.
pub fn edited_message(edit: &MemberEdit, result: &EditResult) -> String {
    match (edit, result) {
        (_, EditResult::EntryId(id)) => format!("added entry {id}"),
        (_, EditResult::Length(n)) => format!("pushed; the list has {n} items"),
        (MemberEdit::ListTrim { .. }, _) => "trimmed the list".to_owned(),
        (MemberEdit::ListSet { .. } | MemberEdit::HashSet { .. }, _) => "saved".to_owned(),
        (MemberEdit::ZsetAdd { .. }, EditResult::Changed(0)) => "score changed".to_owned(),
        (_, EditResult::Changed(0)) => "nothing changed (already so)".to_owned(),
        (_, EditResult::Changed(n)) => format!("done: {n} changed"),
        (_, EditResult::Done) => "done".to_owned(),
    }
}
