//! Choices a member edit asks for before it runs: how many list items
//! equal to the top row's to remove (LREM's count), and the ID of a new
//! stream entry. Each is a prompt with a ready default; what the user
//! types is checked here before anything is sent. No I/O here.

use super::State;
use super::members::{confirm, editor, keep_prompt, prompt};
use super::modal::{EditTarget, PromptKind};
use crate::domain::ByteString;
use crate::domain::redis_edit::{MemberEdit, StreamId};
use crate::tui::effect::Effect;
use crate::worker::Request;

/// Asks how many items equal to `item` to remove; 1 is typed already.
pub fn ask_remove_count(state: &mut State, key: ByteString, item: ByteString) -> Vec<Effect> {
    prompt(state, PromptKind::RemoveCount { key, item }, "1".to_owned())
}

/// Asks for a new stream entry's ID; `*` (the server chooses) is typed
/// already.
pub fn ask_stream_id(state: &mut State, key: ByteString) -> Vec<Effect> {
    prompt(state, PromptKind::EntryId { key }, "*".to_owned())
}

/// What LREM removes with `count`, for the confirmation.
pub fn remove_count_words(count: i64, item: &ByteString) -> String {
    let item = item.escaped();
    match count {
        0 => format!("every item equal to {item}"),
        1 => format!("the first item equal to {item}"),
        -1 => format!("the last item equal to {item}"),
        n if n > 0 => format!("the first {n} items equal to {item}"),
        n => format!("the last {} items equal to {item}", n.unsigned_abs()),
    }
}

/// Acts on a submitted prompt of this module.
pub fn on_prompt(state: &mut State, kind: PromptKind, input: String) -> Vec<Effect> {
    match kind {
        PromptKind::RemoveCount { key, item } => match input.trim().parse::<i64>() {
            Ok(count) => {
                let what = remove_count_words(count, &item);
                let question = format!("Remove {what} from {}?", key.escaped());
                let edit = MemberEdit::ListRemove { count, item };
                confirm(state, question, Request::EditMembers { key, edit })
            }
            Err(_) => {
                let why = "type how many: 0 removes all, n the first n, -n the last n";
                keep_prompt(
                    state,
                    PromptKind::RemoveCount { key, item },
                    input,
                    why.into(),
                )
            }
        },
        PromptKind::EntryId { key } => match StreamId::parse(&input) {
            Ok(id) => editor(state, key, EditTarget::StreamEntry(id), ""),
            Err(why) => keep_prompt(state, PromptKind::EntryId { key }, input, why),
        },
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::redis::{KeyType, KeyValue, Probe, Ttl, ValuePage};
    use crate::tui::event::Event;
    use crate::tui::state::modal::Modal;
    use crate::tui::state::tests::{Harness, key_info};
    use crate::worker::Response;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn shown(key: &[u8], key_type: KeyType, page: ValuePage) -> Harness {
        let mut h = Harness::with_keys(vec![key_info(key)], None);
        let id = h.last(|r| matches!(r, Request::Value(_)));
        let value = KeyValue {
            key: ByteString::new(key),
            key_type,
            ttl: Probe::Known(Ttl::NoExpiry),
            size: Probe::Known(10),
            page,
        };
        h.reply(id, Ok(Response::Value(value)));
        h.press(KeyCode::Enter);
        h
    }

    fn last_request(h: &Harness) -> Request {
        h.jobs.last().map(|job| job.2.clone()).unwrap()
    }

    #[test]
    fn list_removal_asks_how_many_then_confirms() {
        let item = ByteString::new(b"\xc0x".as_slice());
        let page = ValuePage::List {
            total: 3,
            start: 0,
            items: vec![item.clone(), "b".into(), item.clone()],
        };
        let mut h = shown(b"l", KeyType::List, page);
        let jobs = h.job_count();
        h.press(KeyCode::Char('-'));
        let Some(Modal::Prompt(prompt)) = &h.state.modal else {
            panic!("no count prompt");
        };
        assert_eq!(prompt.input, "1");
        h.press(KeyCode::Backspace);
        h.typed("x");
        h.press(KeyCode::Enter);
        assert!(h.message().starts_with("type how many"), "{}", h.message());
        h.press(KeyCode::Backspace);
        h.typed("-2");
        h.press(KeyCode::Enter);
        let Some(Modal::Confirm(confirm)) = &h.state.modal else {
            panic!("no confirmation");
        };
        assert_eq!(
            confirm.question,
            "Remove the last 2 items equal to \\xC0x from l?"
        );
        assert_eq!(
            h.job_count(),
            jobs,
            "nothing is sent before the confirmation"
        );
        h.press(KeyCode::Char('y'));
        let edit = MemberEdit::ListRemove { count: -2, item };
        assert_eq!(
            last_request(&h),
            Request::EditMembers {
                key: "l".into(),
                edit
            }
        );
    }

    #[test]
    fn a_stream_entry_takes_a_checked_id_then_its_fields() {
        let page = ValuePage::Stream {
            total: 0,
            entries: Vec::new(),
            last_id: None,
            groups: Probe::Unavailable,
        };
        let mut h = shown(b"st", KeyType::Stream, page);
        h.press(KeyCode::Char('a'));
        h.press(KeyCode::Backspace);
        h.typed("12-x");
        h.press(KeyCode::Enter);
        assert!(
            h.message().contains("is not a stream entry ID"),
            "{}",
            h.message()
        );
        for _ in 0..4 {
            h.press(KeyCode::Backspace);
        }
        h.typed("1700000000000-7");
        h.press(KeyCode::Enter);
        assert!(matches!(h.state.modal, Some(Modal::Editor(_))));
        h.typed("f v");
        h.send(Event::Key(KeyEvent::new(
            KeyCode::Char('s'),
            KeyModifiers::CONTROL,
        )));
        let Request::EditMembers {
            edit: MemberEdit::StreamAdd { id, fields },
            ..
        } = last_request(&h)
        else {
            panic!("no XADD sent");
        };
        assert_eq!((id.as_str(), fields.len()), ("1700000000000-7", 1));
    }

    #[test]
    fn remove_counts_read_as_the_items_lrem_takes() {
        let item = ByteString::new(b"x\xff".as_slice());
        assert_eq!(remove_count_words(0, &item), "every item equal to x\\xFF");
        assert_eq!(
            remove_count_words(1, &item),
            "the first item equal to x\\xFF"
        );
        assert_eq!(
            remove_count_words(3, &item),
            "the first 3 items equal to x\\xFF"
        );
        assert_eq!(
            remove_count_words(-1, &item),
            "the last item equal to x\\xFF"
        );
        assert_eq!(
            remove_count_words(-2, &item),
            "the last 2 items equal to x\\xFF"
        );
    }
}
