//! `update` tests: key presses and outcomes in, state and effects out. The
//! harness plays the event loop's part, handing out request ids.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::modal::{Confirmed, Modal};
use super::value::{TtlInput, parse_ttl};
use super::*;
use crate::domain::redis::{
    KeyFilter, KeyInfo, KeyPage, KeyType, KeyValue, Probe, ScanCursor, ServerSummary, Ttl,
    ValuePage,
};
use crate::domain::{ByteString, Kind, ProfileId};
use crate::driver::DriverError;
use crate::tui::effect::Purpose;
use crate::worker::TtlChange;

/// Plays the event loop: submitted jobs get ids and are kept for replies.
pub(crate) struct Harness {
    pub state: State,
    next_id: u64,
    pub jobs: Vec<(RequestId, Slot, Request)>,
}

pub(crate) fn target(read_only: bool) -> ConnectTarget {
    ConnectTarget {
        id: ProfileId(1),
        name: "local".into(),
        kind: Kind::Redis,
        url: "redis://127.0.0.1:6379".into(),
        password: None,
        read_only,
        revision: 0,
    }
}

pub(crate) fn key_info(name: &[u8]) -> KeyInfo {
    KeyInfo {
        key: ByteString::new(name.to_vec()),
        key_type: Probe::Known(Some(KeyType::String)),
        ttl: Probe::Known(Ttl::NoExpiry),
        size: Probe::Known(56),
    }
}

pub(crate) fn page(items: Vec<KeyInfo>, next_cursor: Option<u64>) -> Response {
    Response::Keys(KeyPage {
        items,
        complete: next_cursor.is_none(),
        next_cursor: next_cursor.map(ScanCursor::at),
        calls: 1,
    })
}

pub(crate) fn many_keys(n: usize) -> Vec<KeyInfo> {
    (0..n)
        .map(|i| key_info(format!("key:{i:04}").as_bytes()))
        .collect()
}

impl Harness {
    pub fn new() -> Self {
        let keymap = Keymap::embedded().unwrap();
        Self {
            state: State::new(Config::default(), keymap, Glyphs::UNICODE),
            next_id: 1,
            jobs: Vec::new(),
        }
    }

    /// Opens a connection and answers its test; the first scan is pending.
    pub fn connected(read_only: bool) -> Self {
        let mut h = Self::new();
        h.send(Event::Resolved {
            purpose: Purpose::Open,
            result: Ok(target(read_only)),
        });
        let test = h.last(|r| matches!(r, Request::Test));
        h.reply(
            test,
            Ok(Response::Tested(ServerSummary {
                latency_ms: 0.4,
                version: Probe::Known("7.2.4".into()),
                mode: Probe::Known("standalone".into()),
                used_memory: Probe::Unavailable,
                database_size: Probe::Unavailable,
                dbsize: Probe::Known(3),
            })),
        );
        h
    }

    /// Applies an event; submits get ids, other effects are returned.
    pub fn send(&mut self, event: Event) -> Vec<Effect> {
        let effects = update(&mut self.state, event);
        self.run(effects)
    }

    fn run(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let mut rest = Vec::new();
        for effect in effects {
            match effect {
                Effect::Submit { slot, job } => {
                    let id = RequestId(self.next_id);
                    self.next_id += 1;
                    self.jobs.push((id, slot.clone(), job.request));
                    let more = update(&mut self.state, Event::Submitted { slot, id });
                    rest.extend(self.run(more));
                }
                other => rest.push(other),
            }
        }
        rest
    }

    pub fn press(&mut self, code: KeyCode) -> Vec<Effect> {
        self.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    pub fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    pub fn reply(&mut self, id: RequestId, result: Result<Response, DriverError>) -> Vec<Effect> {
        self.send(Event::Outcome(Outcome { id, result }))
    }

    /// The id of the newest job whose request matches.
    pub fn last(&self, matches: impl Fn(&Request) -> bool) -> RequestId {
        self.jobs
            .iter()
            .rev()
            .find(|(_, _, r)| matches(r))
            .map(|(id, _, _)| *id)
            .unwrap()
    }

    pub fn last_scan(&self) -> (RequestId, crate::domain::redis::ScanRequest) {
        self.jobs
            .iter()
            .rev()
            .find_map(|(id, _, r)| match r {
                Request::Scan(scan) => Some((*id, scan.clone())),
                _ => None,
            })
            .unwrap()
    }

    pub fn job_count(&self) -> usize {
        self.jobs.len()
    }

    pub fn message(&self) -> String {
        self.state
            .message
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default()
    }

    /// Connected, with `items` listed from a first page.
    pub fn with_keys(items: Vec<KeyInfo>, next_cursor: Option<u64>) -> Self {
        let mut h = Self::connected(false);
        let databases = h.last(|r| matches!(r, Request::Databases));
        let list = vec![crate::domain::redis::DatabaseInfo {
            index: 0,
            keys: Some(items.len() as u64),
            cluster: false,
        }];
        h.reply(databases, Ok(Response::Databases(list)));
        let (scan, _) = h.last_scan();
        h.reply(scan, Ok(page(items, next_cursor)));
        h
    }
}

#[test]
fn connecting_tests_then_lists_databases_and_scans() {
    let h = Harness::connected(false);
    let requests: Vec<&Request> = h.jobs.iter().map(|(_, _, r)| r).collect();
    assert!(matches!(requests[0], Request::Test));
    assert!(matches!(requests[1], Request::Databases));
    let (_, scan) = h.last_scan();
    assert_eq!(scan.cursor, ScanCursor::at(0));
    assert_eq!(scan.filter, KeyFilter::Literal(String::new()));
    assert_eq!(h.state.focus, Focus::Keys);
}

#[test]
fn typing_a_filter_supersedes_the_previous_scan() {
    let mut h = Harness::with_keys(many_keys(3), None);
    h.press(KeyCode::Char('/'));
    h.typed("u");
    let (first, scan) = h.last_scan();
    assert_eq!(scan.filter, KeyFilter::Literal("u".into()));

    let effects = h.press(KeyCode::Char('s'));
    let (second, scan) = h.last_scan();
    assert_ne!(first, second);
    assert_eq!(scan.filter, KeyFilter::Literal("us".into()));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Cancel(id) if *id == first))
    );

    // The stale page arrives late and is dropped.
    h.reply(first, Ok(page(vec![key_info(b"stale")], None)));
    assert!(h.state.keys.items.is_empty());
    h.reply(second, Ok(page(vec![key_info(b"user:1")], None)));
    assert_eq!(h.state.keys.items.len(), 1);
    assert_eq!(h.state.keys.items[0].key.as_bytes(), b"user:1");

    let effects = h.press(KeyCode::Enter);
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Remember { key: "last_filter", value } if value == "literal:us"
    )));
    assert!(h.state.modal.is_none());
}

#[test]
fn ctrl_g_switches_the_filter_to_glob() {
    let mut h = Harness::with_keys(many_keys(3), None);
    h.press(KeyCode::Char('/'));
    h.typed("user:*");
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('g'),
        KeyModifiers::CONTROL,
    )));
    let (_, scan) = h.last_scan();
    assert_eq!(scan.filter, KeyFilter::Glob("user:*".into()));
    assert_eq!(scan.filter.match_pattern(), "user:*");
}

#[test]
fn load_more_continues_the_cursor() {
    let mut h = Harness::with_keys(many_keys(250), Some(42));
    let before = h.job_count();
    h.press(KeyCode::Char('n'));
    assert_eq!(h.job_count(), before + 1);
    let (id, scan) = h.last_scan();
    assert_eq!(scan.cursor, ScanCursor::at(42));
    h.reply(id, Ok(page(many_keys(5), None)));
    assert_eq!(h.state.keys.items.len(), 255);
    assert!(h.state.keys.complete);
    assert_eq!(
        h.state.keys.summary(1000, false),
        "255 keys loaded · scan complete"
    );
}

#[test]
fn a_small_first_page_keeps_loading_until_the_list_is_full() {
    let h = Harness::with_keys(many_keys(10), Some(9));
    let (_, scan) = h.last_scan();
    assert_eq!(scan.cursor, ScanCursor::at(9));
}

#[test]
fn an_empty_budget_page_shows_partial_not_empty() {
    let mut h = Harness::connected(false);
    let (id, _) = h.last_scan();
    let jobs = h.job_count();
    let empty = KeyPage {
        items: Vec::new(),
        next_cursor: Some(ScanCursor::at(7)),
        complete: false,
        calls: 3,
    };
    h.reply(id, Ok(Response::Keys(empty)));
    assert_eq!(h.job_count(), jobs, "no automatic continue");
    let summary = h.state.keys.summary(1000, false);
    assert_eq!(
        summary,
        "partial: ~3,000 keys scanned, 0 found so far · press n to continue"
    );
    h.press(KeyCode::Char('n'));
    assert_eq!(h.last_scan().1.cursor, ScanCursor::at(7));
}

#[test]
fn load_all_keeps_going_until_complete_and_esc_stops_it() {
    let mut h = Harness::with_keys(many_keys(250), Some(1));
    h.press(KeyCode::Char('L'));
    let (id, scan) = h.last_scan();
    assert_eq!(scan.cursor, ScanCursor::at(1));
    h.reply(id, Ok(page(many_keys(250), Some(2))));
    let (id, scan) = h.last_scan();
    assert_eq!(scan.cursor, ScanCursor::at(2));

    let effects = h.press(KeyCode::Esc);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Cancel(c) if *c == id))
    );
    assert!(!h.state.keys.load_all);
    h.reply(id, Err(DriverError::Cancelled));
    assert_eq!(h.state.keys.items.len(), 500);
}

#[test]
fn ttl_prompt_text_is_parsed_safely() {
    let persist = TtlInput::Change(TtlChange::Persist);
    assert_eq!(parse_ttl("-1"), persist);
    assert_eq!(parse_ttl(""), persist);
    assert_eq!(parse_ttl("persist"), persist);
    assert_eq!(parse_ttl("0"), TtlInput::WouldDelete);
    assert_eq!(parse_ttl("-5"), TtlInput::WouldDelete);
    assert_eq!(parse_ttl("600"), TtlInput::Change(TtlChange::Seconds(600)));
    assert_eq!(parse_ttl("10m"), TtlInput::Change(TtlChange::Seconds(600)));
    assert_eq!(parse_ttl("2h"), TtlInput::Change(TtlChange::Seconds(7200)));
    assert!(matches!(parse_ttl("soon"), TtlInput::Invalid(_)));
    assert_eq!(value::ttl_preview("4800"), "expires in 1h 20m");
    assert_eq!(value::ttl_preview("-1"), "no expiry");
}

#[test]
fn ttl_minus_one_persists_the_key() {
    let mut h = Harness::with_keys(vec![key_info(b"k")], None);
    h.press(KeyCode::Char('t'));
    h.typed("-1");
    h.press(KeyCode::Enter);
    let (id, _, request) = h.jobs.last().cloned().unwrap();
    assert_eq!(
        request,
        Request::SetTtl {
            key: ByteString::from("k"),
            change: TtlChange::Persist
        }
    );
    h.reply(id, Ok(Response::TtlSet(Ttl::NoExpiry)));
    assert_eq!(h.state.keys.items[0].ttl, Probe::Known(Ttl::NoExpiry));
    assert_eq!(h.message(), "TTL of k: no expiry");
}

#[test]
fn ttl_zero_is_refused_and_offers_delete_with_confirmation() {
    let mut h = Harness::with_keys(vec![key_info(b"k")], None);
    let jobs = h.job_count();
    h.press(KeyCode::Char('t'));
    h.typed("0");
    h.press(KeyCode::Enter);
    assert_eq!(h.job_count(), jobs, "nothing sent yet");
    let Some(Modal::Confirm(confirm)) = &h.state.modal else {
        panic!("expected a confirmation");
    };
    assert_eq!(
        confirm.question,
        "A TTL of 0 or less deletes the key. Delete key k?"
    );
    h.press(KeyCode::Char('n'));
    assert_eq!(h.job_count(), jobs);
    assert_eq!(h.state.keys.items.len(), 1);
}

#[test]
fn delete_asks_then_sends_the_exact_bytes_and_drops_the_row() {
    let binary = b"\x02\x00\x00\x00zip\x04\x00\x00\x00\x9b\x00\x00score".to_vec();
    let mut h = Harness::with_keys(vec![key_info(&binary), key_info(b"other")], None);
    let jobs = h.job_count();
    h.press(KeyCode::Char('d'));
    assert!(matches!(
        &h.state.modal,
        Some(Modal::Confirm(c)) if c.on_yes == Confirmed::DeleteKey(ByteString::new(binary.clone()))
    ));
    h.press(KeyCode::Char('y'));
    assert_eq!(h.job_count(), jobs + 1);
    let (id, _, request) = h.jobs.last().cloned().unwrap();
    assert_eq!(
        request,
        Request::Delete {
            key: ByteString::new(binary.clone())
        }
    );
    h.reply(id, Ok(Response::Deleted(true)));
    let names: Vec<&[u8]> = h
        .state
        .keys
        .items
        .iter()
        .map(|i| i.key.as_bytes())
        .collect();
    assert_eq!(names, vec![b"other".as_slice()]);
    assert!(h.message().starts_with("deleted \\x02\\x00\\x00\\x00zip"));
}

#[test]
fn read_only_connections_refuse_writes_up_front() {
    let mut h = Harness::connected(true);
    let (id, _) = h.last_scan();
    h.reply(id, Ok(page(vec![key_info(b"k")], None)));
    let jobs = h.job_count();
    for key in ['d', 't', 'x'] {
        h.press(KeyCode::Char(key));
        assert!(h.state.modal.is_none(), "{key} opened a modal");
        assert_eq!(h.message(), "local is read-only: changes are not allowed");
    }
    assert_eq!(h.job_count(), jobs);
}

#[test]
fn scan_errors_are_shown_with_a_retry() {
    let mut h = Harness::connected(false);
    let (id, _) = h.last_scan();
    h.reply(
        id,
        Err(DriverError::Unavailable("connection refused".into())),
    );
    assert_eq!(
        h.message(),
        "scan failed: could not reach the server: connection refused · press r to retry"
    );
    assert!(
        h.state
            .keys
            .summary(1000, false)
            .contains("press r to retry")
    );
    h.press(KeyCode::Char('r'));
    let (retry, scan) = h.last_scan();
    assert_ne!(retry, id);
    assert_eq!(scan.cursor, ScanCursor::at(0));
    assert!(h.state.keys.error.is_none());
}

#[test]
fn retry_after_a_failed_connection_tests_it_again_then_scans() {
    let mut h = Harness::new();
    h.send(Event::Resolved {
        purpose: Purpose::Open,
        result: Ok(target(false)),
    });
    let test = h.last(|r| matches!(r, Request::Test));
    h.reply(
        test,
        Err(DriverError::Unavailable("connection refused".into())),
    );
    assert_eq!(
        h.message(),
        "could not reach the server: connection refused · press r to retry"
    );
    h.press(KeyCode::Char('r'));
    let retest = h.last(|r| matches!(r, Request::Test));
    assert_ne!(retest, test);
    let summary = ServerSummary {
        latency_ms: 1.0,
        version: Probe::Unavailable,
        mode: Probe::Unavailable,
        used_memory: Probe::Unavailable,
        database_size: Probe::Unavailable,
        dbsize: Probe::Unavailable,
    };
    h.reply(retest, Ok(Response::Tested(summary)));
    assert_eq!(h.last_scan().1.cursor, ScanCursor::at(0));
}

pub fn string_value(key: &str, text: &str) -> Response {
    Response::Value(KeyValue {
        key: ByteString::from(key),
        key_type: KeyType::String,
        ttl: Probe::Known(Ttl::NoExpiry),
        size: Probe::Known(56),
        page: ValuePage::String {
            offset: 0,
            length: text.len() as u64,
            preview: ByteString::from(text),
            truncated: false,
        },
    })
}

#[test]
fn selecting_a_key_loads_its_value_and_drops_stale_ones() {
    let mut h = Harness::with_keys(many_keys(3), None);
    let first = h.last(|r| matches!(r, Request::Value(_)));
    h.press(KeyCode::Char('j'));
    let second = h.last(|r| matches!(r, Request::Value(_)));
    assert_ne!(first, second);
    h.reply(first, Ok(string_value("key:0000", "old")));
    assert!(h.state.value.data.is_none());
    h.reply(second, Ok(string_value("key:0001", "new")));
    let data = h.state.value.data.as_ref().unwrap();
    assert_eq!(data.key, ByteString::from("key:0001"));
}

#[test]
fn value_errors_mark_gone_keys_and_reload_on_wrong_type() {
    let mut h = Harness::with_keys(many_keys(2), None);
    let id = h.last(|r| matches!(r, Request::Value(_)));
    h.reply(id, Err(DriverError::WrongType("now a hash".into())));
    let reload = h.last(|r| matches!(r, Request::Value(_)));
    assert_ne!(reload, id);
    h.reply(reload, Err(DriverError::NotFound));
    assert!(h.state.value.gone);
    assert!(h.state.keys.items[0].is_gone());
    assert_eq!(h.message(), "key no longer exists");
}

#[test]
fn editor_saves_and_keeps_its_text_on_error() {
    let mut h = Harness::with_keys(vec![key_info(b"greeting")], None);
    let id = h.last(|r| matches!(r, Request::Value(_)));
    h.reply(id, Ok(string_value("greeting", "hello")));
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('E'));
    assert!(matches!(h.state.modal, Some(Modal::Editor(_))));
    h.press(KeyCode::End);
    h.typed("!");
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    let (id, _, request) = h.jobs.last().cloned().unwrap();
    assert_eq!(
        request,
        Request::SetString {
            key: ByteString::from("greeting"),
            value: ByteString::from("hello!")
        }
    );
    h.reply(id, Err(DriverError::Server("OOM".into())));
    let Some(Modal::Editor(editor)) = &h.state.modal else {
        panic!("the editor closed on an error");
    };
    assert_eq!(editor.area.lines(), ["hello!"]);
    assert_eq!(h.message(), "the change failed: server error: OOM");
}

#[test]
fn quit_from_the_main_view_but_not_from_a_prompt() {
    let mut h = Harness::with_keys(many_keys(1), None);
    h.press(KeyCode::Char('/'));
    h.press(KeyCode::Char('q'));
    assert!(!h.state.quit);
    h.press(KeyCode::Esc);
    assert!(h.state.modal.is_none());
    assert_eq!(h.state.keys.filter, KeyFilter::Literal(String::new()));
    let effects = h.press(KeyCode::Char('q'));
    assert!(h.state.quit);
    assert!(matches!(effects.as_slice(), [Effect::Quit]));
}

#[test]
fn remembered_connection_opens_with_its_database_and_filter() {
    let mut h = Harness::new();
    let effects = h.send(Event::Recalled(crate::tui::event::Recalled {
        connection: Some("prod".into()),
        database: Some("3".into()),
        filter: Some("glob:user:*".into()),
    }));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Resolve { name_or_url, purpose: Purpose::Open }] if name_or_url == "prod"
    ));
    let effects = h.send(Event::Resolved {
        purpose: Purpose::Open,
        result: Ok(target(false)),
    });
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Remember { key: "last_connection", value } if value == "prod"
    )));
    assert_eq!(h.state.session.as_ref().map(|s| s.db), Some(3));
    assert_eq!(h.state.keys.filter, KeyFilter::Glob("user:*".into()));
}

#[test]
fn editor_round_trips_line_endings_exactly() {
    for text in ["trail\n", "two\n\n", "\n", "", "a\nb", "no newline"] {
        let area = ratatui_textarea::TextArea::new(value::editor_lines(text));
        assert_eq!(value::editor_text(area.lines()), text, "{text:?}");
    }
}

#[test]
fn saving_an_unedited_value_sends_nothing() {
    let mut h = Harness::with_keys(vec![key_info(b"note")], None);
    let id = h.last(|r| matches!(r, Request::Value(_)));
    h.reply(id, Ok(string_value("note", "two\n\n")));
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('E'));
    let jobs = h.job_count();
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(h.job_count(), jobs);
    assert_eq!(h.message(), "no changes");
    assert!(h.state.value.write.is_none());
}
