//! `update` tests for the member editors and the key-level writes: what
//! each key press sends, and what a failure or a vanished key leaves open.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::members::new_value;
use super::modal::{EditTarget, Modal};
use super::tests::{Harness, key_info};
use super::*;
use crate::domain::ByteString;
use crate::domain::redis::{FieldValue, KeyType, KeyValue, Probe, ScoredMember, Ttl, ValuePage};
use crate::domain::redis_edit::{EditResult, MemberEdit, MemberScore, NewValue, Score};
use crate::driver::DriverError;

fn shown(h: &mut Harness, key_type: KeyType, page: ValuePage) {
    let id = h.last(|r| matches!(r, Request::Value(_)));
    let key = h.state.keys.items[0].key.clone();
    let value = KeyValue {
        key,
        key_type,
        ttl: Probe::Known(Ttl::NoExpiry),
        size: Probe::Known(100),
        page,
    };
    h.reply(id, Ok(Response::Value(value)));
    h.press(KeyCode::Enter);
}

fn hash(entries: Vec<(&[u8], &[u8])>) -> ValuePage {
    ValuePage::Hash {
        total: entries.len() as u64,
        entries: entries
            .into_iter()
            .map(|(f, v)| FieldValue {
                field: ByteString::new(f),
                value: ByteString::new(v),
            })
            .collect(),
        next_cursor: None,
    }
}

fn ctrl_s(h: &mut Harness) {
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
}

fn last_job(h: &Harness) -> (RequestId, Request) {
    let (id, _, request) = h.jobs.last().cloned().unwrap();
    (id, request)
}

fn editor_lines(h: &Harness) -> Vec<String> {
    let Some(Modal::Editor(editor)) = &h.state.modal else {
        panic!("the editor is not open");
    };
    editor.area.lines().to_vec()
}

#[test]
fn hash_field_edit_keeps_its_text_through_failures_and_offers_to_recreate() {
    let mut h = Harness::with_keys(vec![key_info(b"user:1")], None);
    shown(&mut h, KeyType::Hash, hash(vec![(b"name\xff", b"Ada")]));
    h.press(KeyCode::Char('e'));
    assert_eq!(editor_lines(&h), ["Ada"]);
    h.press(KeyCode::End);
    h.typed(" L.");
    ctrl_s(&mut h);
    let (id, request) = last_job(&h);
    let edit = MemberEdit::HashSet {
        field: ByteString::new(b"name\xff".as_slice()),
        value: "Ada L.".into(),
    };
    let expected = Request::EditMembers {
        key: "user:1".into(),
        edit: edit.clone(),
    };
    assert_eq!(request, expected);

    h.reply(
        id,
        Err(DriverError::Server("OOM command not allowed".into())),
    );
    assert_eq!(editor_lines(&h), ["Ada L."]);
    assert_eq!(
        h.message(),
        "the change failed: server error: OOM command not allowed"
    );

    ctrl_s(&mut h);
    let (id, _) = last_job(&h);
    h.reply(id, Err(DriverError::NotFound));
    assert_eq!(editor_lines(&h), ["Ada L."]);
    assert!(
        h.message().contains("Ctrl-s recreates it"),
        "{}",
        h.message()
    );
    assert!(h.state.keys.items[0].is_gone());

    ctrl_s(&mut h);
    let (id, request) = last_job(&h);
    let Request::CreateKey { key, value, ttl } = request else {
        panic!("saving again recreates the key, got {request:?}");
    };
    assert_eq!((key, ttl), ("user:1".into(), None));
    let NewValue::Hash { entries } = value else {
        panic!("a hash");
    };
    assert_eq!(entries[0].field.as_bytes(), b"name\xff");
    h.reply(id, Ok(Response::Written));
    assert!(h.state.modal.is_none());
    assert!(h.message().starts_with("created user:1"), "{}", h.message());
}

#[test]
fn a_binary_field_value_is_never_offered_as_text() {
    let mut h = Harness::with_keys(vec![key_info(b"h")], None);
    shown(&mut h, KeyType::Hash, hash(vec![(b"f", b"\xff\xfe")]));
    let jobs = h.job_count();
    h.press(KeyCode::Char('e'));
    assert!(h.state.modal.is_none());
    assert!(h.message().contains("binary"), "{}", h.message());
    assert_eq!(h.job_count(), jobs);
}

#[test]
fn adding_a_field_asks_its_name_then_its_value_and_reloads_the_page() {
    let mut h = Harness::with_keys(vec![key_info(b"h")], None);
    shown(&mut h, KeyType::Hash, hash(vec![(b"a", b"1")]));
    h.press(KeyCode::Char('a'));
    h.typed("new field");
    h.press(KeyCode::Enter);
    let Some(Modal::Editor(editor)) = &h.state.modal else {
        panic!("the value goes in the editor");
    };
    assert_eq!(editor.target, EditTarget::HashField("new field".into()));
    h.typed("two\nlines");
    ctrl_s(&mut h);
    let (id, request) = last_job(&h);
    let Request::EditMembers {
        edit: MemberEdit::HashSet { value, .. },
        ..
    } = request
    else {
        panic!("HSET, got {request:?}");
    };
    assert_eq!(value, ByteString::from("two\nlines"));
    h.reply(id, Ok(Response::Edited(EditResult::Changed(1))));
    assert!(h.state.modal.is_none());
    assert!(matches!(last_job(&h).1, Request::Value(_)));
}

#[test]
fn removing_a_member_confirms_then_sends_its_exact_bytes() {
    let mut h = Harness::with_keys(vec![key_info(b"s")], None);
    let page = ValuePage::Set {
        total: 2,
        members: vec![ByteString::new(b"\xc0bin".as_slice()), "b".into()],
        next_cursor: None,
    };
    shown(&mut h, KeyType::Set, page);
    let jobs = h.job_count();
    h.press(KeyCode::Char('-'));
    assert_eq!(
        h.job_count(),
        jobs,
        "nothing is sent before the confirmation"
    );
    h.press(KeyCode::Char('y'));
    let (_, request) = last_job(&h);
    let expected = MemberEdit::SetRemove {
        members: vec![ByteString::new(b"\xc0bin".as_slice())],
    };
    assert_eq!(
        request,
        Request::EditMembers {
            key: "s".into(),
            edit: expected
        }
    );
}

#[test]
fn a_score_must_be_a_number_or_an_infinity() {
    let mut h = Harness::with_keys(vec![key_info(b"z")], None);
    let page = ValuePage::Zset {
        total: 1,
        start: 0,
        members: vec![ScoredMember {
            member: "m".into(),
            score: "1447852714".into(),
        }],
    };
    shown(&mut h, KeyType::Zset, page);
    h.press(KeyCode::Char('e'));
    let Some(Modal::Prompt(prompt)) = &h.state.modal else {
        panic!("a score prompt");
    };
    assert_eq!(prompt.input, "1447852714");
    let jobs = h.job_count();
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    h.typed("lots");
    h.press(KeyCode::Enter);
    assert_eq!(h.job_count(), jobs);
    assert!(
        matches!(h.state.modal, Some(Modal::Prompt(_))),
        "the prompt stays"
    );
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    h.typed("-inf");
    h.press(KeyCode::Enter);
    let (_, request) = last_job(&h);
    let edit = MemberEdit::ZsetAdd {
        member: "m".into(),
        score: Score::parse("-inf").unwrap(),
    };
    assert_eq!(
        request,
        Request::EditMembers {
            key: "z".into(),
            edit
        }
    );
}

#[test]
fn read_only_connections_refuse_member_edits_up_front() {
    let mut h = Harness::connected(true);
    let databases = h.last(|r| matches!(r, Request::Databases));
    h.reply(databases, Ok(Response::Databases(Vec::new())));
    let (scan, _) = h.last_scan();
    h.reply(scan, Ok(super::tests::page(vec![key_info(b"h")], None)));
    shown(&mut h, KeyType::Hash, hash(vec![(b"f", b"v")]));
    let jobs = h.job_count();
    for key in ['a', 'e', '-', 'R'] {
        h.press(KeyCode::Char(key));
        assert!(h.state.modal.is_none(), "{key} opened something");
        assert!(h.message().contains("read-only"), "{}", h.message());
    }
    assert_eq!(h.job_count(), jobs);
}

#[test]
fn rename_to_a_taken_name_asks_before_replacing() {
    let mut h = Harness::with_keys(vec![key_info(b"old")], None);
    h.press(KeyCode::Char('R'));
    h.typed("taken");
    h.press(KeyCode::Enter);
    let (id, request) = last_job(&h);
    assert_eq!(
        request,
        Request::Rename {
            key: "old".into(),
            to: "taken".into(),
            overwrite: false
        }
    );
    h.reply(id, Err(DriverError::AlreadyExists));
    assert!(matches!(h.state.modal, Some(Modal::Confirm(_))));
    h.press(KeyCode::Char('y'));
    let (id, request) = last_job(&h);
    assert_eq!(
        request,
        Request::Rename {
            key: "old".into(),
            to: "taken".into(),
            overwrite: true
        }
    );
    h.reply(id, Ok(Response::Written));
    assert_eq!(h.message(), "renamed old to taken");
    assert!(h.state.keys.items.iter().all(|i| i.key != "old".into()));
}

#[test]
fn creating_a_key_asks_type_name_ttl_then_its_first_value() {
    let mut h = Harness::with_keys(vec![key_info(b"a")], None);
    h.press(KeyCode::Char('c'));
    h.typed("zset board one");
    h.press(KeyCode::Enter);
    h.typed("10m");
    h.press(KeyCode::Enter);
    h.typed("1.1 ada\ninf grace hopper");
    ctrl_s(&mut h);
    let (_, request) = last_job(&h);
    let member = |score: &str, name: &str| MemberScore {
        member: name.into(),
        score: Score::parse(score).unwrap(),
    };
    let expected = Request::CreateKey {
        key: "board one".into(),
        value: NewValue::Zset {
            members: vec![member("1.1", "ada"), member("inf", "grace hopper")],
        },
        ttl: Some(600),
    };
    assert_eq!(request, expected);
}

#[test]
fn new_values_read_their_lines_by_type() {
    let stream = new_value(&KeyType::Stream, "temp 21.5\nnote two words\n").unwrap();
    let NewValue::Stream { fields, .. } = stream else {
        panic!("a stream");
    };
    assert_eq!(fields[1].value, ByteString::from("two words"));
    assert!(new_value(&KeyType::Zset, "x member").is_err());
    assert!(new_value(&KeyType::Hash, "").is_err());
    let text = new_value(&KeyType::String, "a\n\nb").unwrap();
    assert_eq!(
        text,
        NewValue::String {
            value: "a\n\nb".into()
        }
    );
}
