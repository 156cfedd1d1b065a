//! Snapshot tests: states rendered into a `TestBackend` and compared with
//! the reviewed `.snap` files next to this one.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render;
use crate::domain::redis::{
    FieldValue, KeyInfo, KeyType, KeyValue, Probe, ScoredMember, StreamEntry, Ttl, ValuePage,
};
use crate::domain::{ByteString, Kind, Profile, ProfileId};
use crate::tui::state::State;
use crate::tui::state::connections::ConnStatus;
use crate::tui::state::tests::{Harness, key_info, page};
use crate::tui::text::Glyphs;
use crate::worker::{Request, Response};

fn draw(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(frame, state)).unwrap();
    assert_no_control_characters(&terminal);
    terminal
}

/// Nothing that could move the cursor or recolour reaches a cell.
fn assert_no_control_characters(terminal: &Terminal<TestBackend>) {
    for cell in terminal.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "control character in cell {:?}",
            cell.symbol()
        );
    }
}

fn profile(id: i64, name: &str, url: &str, read_only: bool) -> Profile {
    Profile {
        id: ProfileId(id),
        name: name.into(),
        kind: Kind::Redis,
        url: url.into(),
        read_only,
        has_secret: false,
        revision: 0,
    }
}

fn info(name: &[u8], key_type: Option<KeyType>, ttl: Ttl, size: u64) -> KeyInfo {
    KeyInfo {
        key: ByteString::new(name.to_vec()),
        key_type: Probe::Known(key_type),
        ttl: Probe::Known(ttl),
        size: Probe::Known(size),
    }
}

/// Keys that break naive explorers: binary names, control characters,
/// escape sequences and wide or combining characters (B01, B06, B34).
fn awkward_keys() -> Vec<KeyInfo> {
    let string = Some(KeyType::String);
    vec![
        info(
            b"\x02\x00\x00\x00zip\x04\x00\x00\x00\x9b\x00\x00score",
            string.clone(),
            Ttl::NoExpiry,
            72,
        ),
        info(
            b"u:\x92\xb5host:5000/admin/\xc0",
            string.clone(),
            Ttl::NoExpiry,
            64,
        ),
        info(
            b"line1\nline2",
            string.clone(),
            Ttl::ExpiresIn(4_800_000),
            56,
        ),
        info(b"tab\there", Some(KeyType::Hash), Ttl::NoExpiry, 1_500),
        info(b"esc\x1b[31mred\x1b[0m", string.clone(), Ttl::NoExpiry, 56),
        info(
            "caf\u{e9} \u{1f601}".as_bytes(),
            Some(KeyType::Zset),
            Ttl::NoExpiry,
            90,
        ),
        info(
            "e\u{301}t\u{e9}".as_bytes(),
            string.clone(),
            Ttl::NoExpiry,
            50,
        ),
        info(
            "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467} family".as_bytes(),
            Some(KeyType::List),
            Ttl::NoExpiry,
            2_048_000,
        ),
        info(b"vanished", None, Ttl::Gone, 0),
        KeyInfo {
            key: ByteString::from("acl:denied"),
            key_type: Probe::Unavailable,
            ttl: Probe::Unavailable,
            size: Probe::Unavailable,
        },
    ]
}

fn with_value(items: Vec<KeyInfo>, page: ValuePage, key_type: KeyType) -> Harness {
    let mut h = Harness::with_keys(items, None);
    let id = h.last(|r| matches!(r, Request::Value(_)));
    let key = h.state.keys.items[0].key.clone();
    h.reply(
        id,
        Ok(Response::Value(KeyValue {
            key,
            key_type,
            ttl: Probe::Known(Ttl::ExpiresIn(4_800_000)),
            size: Probe::Known(12_000_000),
            page,
        })),
    );
    h.press(KeyCode::Enter);
    h
}

#[test]
fn connection_list_shows_kind_state_latency_and_badge() {
    let mut h = Harness::new();
    let connections = &mut h.state.connections;
    connections.profiles = vec![
        profile(1, "local", "redis://127.0.0.1:6379", false),
        profile(2, "prod-cache", "rediss://cache.example:6380", true),
        profile(3, "staging", "redis://10.0.0.7:6379", false),
    ];
    let status = &mut connections.status;
    status.insert(ProfileId(1), ConnStatus::Connected { latency_ms: 0.42 });
    status.insert(ProfileId(2), ConnStatus::Connecting);
    status.insert(
        ProfileId(3),
        ConnStatus::Failed("connection refused".into()),
    );
    insta::assert_snapshot!(draw(&h.state, 80, 12).backend());
}

#[test]
fn empty_registry_offers_local_servers() {
    let mut h = Harness::new();
    h.state.connections.local = vec!["redis://127.0.0.1:6379".into()];
    insta::assert_snapshot!(draw(&h.state, 80, 12).backend());
}

#[test]
fn key_list_escapes_binary_and_control_keys_and_stays_aligned() {
    let h = Harness::with_keys(awkward_keys(), None);
    insta::assert_snapshot!(draw(&h.state, 100, 18).backend());
}

#[test]
fn partial_scan_says_partial_not_empty() {
    let mut h = Harness::connected(false);
    let (id, _) = h.last_scan();
    h.reply(id, Ok(page(Vec::new(), Some(7))));
    insta::assert_snapshot!(draw(&h.state, 80, 12).backend());
}

#[test]
fn truncated_string_value_is_marked() {
    let page = ValuePage::String {
        offset: 0,
        length: 12_000_000,
        preview: ByteString::from("x".repeat(300)),
        truncated: true,
    };
    let h = with_value(vec![key_info(b"big:str")], page, KeyType::String);
    insta::assert_snapshot!(draw(&h.state, 100, 14).backend());
}

#[test]
fn hash_value_shows_fields_and_escaped_values() {
    let entries = vec![
        FieldValue {
            field: "name".into(),
            value: "Ada".into(),
        },
        FieldValue {
            field: "blob".into(),
            value: ByteString::new(vec![0xff, 0x00, 0x1b, b'x']),
        },
    ];
    let page = ValuePage::Hash {
        total: 2,
        entries,
        next_cursor: None,
    };
    let h = with_value(vec![key_info(b"user:1")], page, KeyType::Hash);
    insta::assert_snapshot!(draw(&h.state, 100, 16).backend());
}

#[test]
fn zset_value_shows_scores_as_sent() {
    let members = vec![
        ScoredMember {
            member: "alice".into(),
            score: "1.5".into(),
        },
        ScoredMember {
            member: "bob".into(),
            score: "9007199254740993".into(),
        },
        ScoredMember {
            member: "carol".into(),
            score: "-inf".into(),
        },
    ];
    let page = ValuePage::Zset {
        total: 200_000,
        start: 0,
        members,
    };
    let h = with_value(vec![key_info(b"board")], page, KeyType::Zset);
    insta::assert_snapshot!(draw(&h.state, 100, 16).backend());
}

#[test]
fn stream_value_shows_ids_and_fields_in_order() {
    let field = |f: &str, v: &str| FieldValue {
        field: f.into(),
        value: v.into(),
    };
    let entries = vec![
        StreamEntry {
            id: "1700000000000-0".into(),
            fields: vec![field("temp", "21.5"), field("unit", "C")],
        },
        StreamEntry {
            id: "1700000000001-0".into(),
            fields: vec![field("temp", "22"), field("note", "caf\u{e9}")],
        },
    ];
    let page = ValuePage::Stream {
        total: 2,
        entries,
        last_id: Some("1700000000001-0".into()),
        groups: Probe::Known(vec![crate::domain::redis::StreamGroup {
            name: "workers".into(),
            consumers: 2,
            pending: 3,
            last_delivered_id: "1700000000001-0".into(),
            lag: Some(0),
        }]),
    };
    let h = with_value(vec![key_info(b"sensor")], page, KeyType::Stream);
    insta::assert_snapshot!(draw(&h.state, 100, 16).backend());
}

#[test]
fn help_overlay_lists_the_keymap() {
    let mut h = Harness::with_keys(awkward_keys(), None);
    h.press(KeyCode::Char('?'));
    insta::assert_snapshot!("help_top", draw(&h.state, 100, 24).backend());
    for _ in 0..20 {
        h.press(KeyCode::Char('j'));
    }
    insta::assert_snapshot!("help_scrolled", draw(&h.state, 100, 24).backend());
    h.press(KeyCode::Esc);
    assert!(h.state.modal.is_none());
}

#[test]
fn too_small_terminal_shows_a_notice() {
    let h = Harness::with_keys(awkward_keys(), None);
    insta::assert_snapshot!(draw(&h.state, 39, 9).backend());
    for (width, height) in [(0, 0), (1, 1), (40, 10), (41, 11), (200, 3)] {
        draw(&h.state, width, height);
    }
}

#[test]
fn ascii_mode_uses_plain_borders_and_escapes_non_ascii() {
    let mut h = Harness::with_keys(awkward_keys(), None);
    h.state.glyphs = Glyphs::ASCII;
    let terminal = draw(&h.state, 100, 16);
    for cell in terminal.backend().buffer().content() {
        assert!(
            cell.symbol().is_ascii(),
            "non-ASCII cell {:?}",
            cell.symbol()
        );
    }
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn list_page_after_a_jump_shows_its_real_indexes() {
    let page = ValuePage::List {
        total: 1_500_000,
        start: 1_499_998,
        items: vec!["1499999".into(), "1500000".into()],
    };
    let h = with_value(vec![key_info(b"big:list")], page, KeyType::List);
    insta::assert_snapshot!(draw(&h.state, 100, 14).backend());
}

#[test]
fn hex_view_dumps_binary_strings() {
    let page = ValuePage::String {
        offset: 0,
        length: 20,
        preview: ByteString::new(b"\x1b[31mred\x00\xff binary\n!".to_vec()),
        truncated: false,
    };
    let mut h = with_value(vec![key_info(b"blob")], page, KeyType::String);
    h.press(KeyCode::Char('v'));
    insta::assert_snapshot!(draw(&h.state, 100, 14).backend());
}

#[test]
fn module_types_say_there_is_no_viewer() {
    let page = ValuePage::Module {
        type_name: "TSDB-TYPE".into(),
    };
    let key_type = KeyType::Module("TSDB-TYPE".into());
    let h = with_value(vec![key_info(b"temps")], page, key_type);
    insta::assert_snapshot!(draw(&h.state, 100, 12).backend());
}

#[test]
fn delete_confirmation_escapes_the_key() {
    let mut h = Harness::with_keys(vec![key_info(b"esc\x1b[31mred\x1b[0m")], None);
    h.press(KeyCode::Char('d'));
    insta::assert_snapshot!(draw(&h.state, 80, 16).backend());
}

#[test]
fn database_picker_lists_key_counts() {
    let mut h = Harness::with_keys(awkward_keys(), None);
    h.state.keys.databases = (0..4)
        .map(|index| crate::domain::redis::DatabaseInfo {
            index,
            keys: (index < 3).then_some(u64::from(index) * 1_234),
            cluster: false,
        })
        .collect();
    h.press(KeyCode::Char('D'));
    h.press(KeyCode::Char('j'));
    insta::assert_snapshot!(draw(&h.state, 80, 16).backend());
}

#[test]
fn database_picker_says_a_cluster_has_database_0_only() {
    let mut h = Harness::with_keys(awkward_keys(), None);
    h.state.keys.databases = vec![crate::domain::redis::DatabaseInfo {
        index: 0,
        keys: Some(3_000),
        cluster: true,
    }];
    h.press(KeyCode::Char('D'));
    let screen = draw(&h.state, 80, 16);
    insta::assert_snapshot!(screen.backend());
    let text = format!("{:?}", screen.backend());
    assert!(text.contains("Redis Cluster: db 0 only"), "{text}");
}

/// An SQLite connection with its schema open and a table page on show:
/// NULL next to the text 'NULL' and an empty string, bytes, a newline, wide
/// and combining characters (B28, B29, B34).
fn sql_state() -> Harness {
    use crate::domain::sql::{Cell, Column, Relation, RelationKind, TableRef};
    use crate::tui::state::sql::GridSource;
    use crate::tui::state::tables::TreeRow;
    use crate::tui::state::{Focus, Session};

    let mut h = Harness::new();
    let target = crate::domain::ConnectTarget {
        id: ProfileId(3),
        name: "demo".into(),
        kind: Kind::Sqlite,
        url: "sqlite:///tmp/demo.db".into(),
        password: None,
        read_only: false,
        revision: 0,
    };
    h.state.session = Some(Session { target, db: 0 });
    h.state.focus = Focus::Rows;
    let relation = |name: &str, kind, estimated_rows| {
        TreeRow::Relation(Relation {
            table: TableRef::new("main", name),
            kind,
            estimated_rows,
        })
    };
    h.state.sql.tree.rows = vec![
        TreeRow::Schema {
            name: "main".into(),
            expanded: true,
        },
        relation("books", RelationKind::Table, Some(2000)),
        TreeRow::Detail("book_id integer PK not null".into()),
        TreeRow::Detail("index idx_books_author (author_id)".into()),
        relation("book_sales", RelationKind::View, None),
    ];
    let column = |name: &str, type_name: &str| Column {
        name: name.into(),
        type_name: type_name.into(),
    };
    let grid = &mut h.state.sql.grid;
    grid.columns = vec![
        column("id", "integer"),
        column("title", "text"),
        column("surname", "text"),
        column("cover", "blob"),
        column("price", "real"),
    ];
    grid.rows = vec![
        vec![
            Cell::Integer(1),
            Cell::Text("📚 Shelf Life".into()),
            Cell::Text("NULL".into()),
            Cell::Bytes(vec![0xde, 0xad, 0xbe, 0xef]),
            Cell::Real(7.0),
        ],
        vec![
            Cell::Integer(2),
            Cell::Text("Cafe\u{301}\nau lait".into()),
            Cell::Null,
            Cell::Bytes(Vec::new()),
            Cell::Real(12.5),
        ],
        vec![
            Cell::Integer(3),
            Cell::Text("ノルウェイの森".into()),
            Cell::Text(String::new()),
            Cell::Null,
            Cell::Null,
        ],
    ];
    grid.source = GridSource::Table {
        request: crate::domain::sql::RowsRequest {
            table: TableRef::new("main", "books"),
            filter: Some("price > 5".into()),
            order: None,
            cursor: None,
            limit: 100,
            primary_key: None,
        },
        starts: Vec::new(),
    };
    h
}

#[test]
fn sql_tree_and_grid_keep_null_apart_from_text() {
    let h = sql_state();
    insta::assert_snapshot!(draw(&h.state, 110, 14).backend());
}

#[test]
fn sql_grid_in_ascii_mode() {
    let mut h = sql_state();
    h.state.glyphs = Glyphs::ASCII;
    insta::assert_snapshot!(draw(&h.state, 110, 14).backend());
}

#[test]
fn sql_editor_pop_up() {
    let mut h = sql_state();
    h.press(KeyCode::Char('e'));
    h.typed("SELECT 'é', '😁' AS b;");
    insta::assert_snapshot!(draw(&h.state, 80, 14).backend());
}

#[test]
fn sql_cell_shows_json_pretty_printed() {
    let mut h = sql_state();
    h.state.sql.grid.columns[1].name = "prefs".into();
    h.state.sql.grid.rows[0][1] =
        crate::domain::sql::Cell::Text(r#"{"newsletter":true,"tags":["sci-fi"]}"#.into());
    h.press(KeyCode::Char('l'));
    h.press(KeyCode::Enter);
    insta::assert_snapshot!(draw(&h.state, 80, 14).backend());
}

#[test]
fn b37_sql_editor_in_ascii_mode_escapes_what_the_terminal_cannot_show() {
    let mut h = sql_state();
    h.state.glyphs = Glyphs::ASCII;
    h.press(KeyCode::Char('e'));
    h.typed("SELECT 'naïve', '😁';");
    h.press(KeyCode::Left);
    let terminal = draw(&h.state, 80, 10);
    for cell in terminal.backend().buffer().content() {
        assert!(
            cell.symbol().is_ascii(),
            "non-ASCII {:?} on screen",
            cell.symbol()
        );
    }
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn sql_cell_of_bytes_is_a_hex_dump_titled_with_its_length() {
    let mut h = sql_state();
    for _ in 0..3 {
        h.press(KeyCode::Char('l'));
    }
    h.press(KeyCode::Enter);
    let Some(crate::tui::state::Modal::Cell { title, .. }) = &h.state.modal else {
        panic!("no cell view");
    };
    assert_eq!(title, "cover (blob, 4 B)");
    let screen = format!("{}", draw(&h.state, 80, 10).backend());
    assert!(screen.contains("00000000  de ad be ef"), "{screen}");
}

fn server_panel(
    info: crate::domain::redis::Part<Vec<crate::domain::redis::InfoSection>>,
    clients_denied: bool,
) -> Harness {
    use crate::domain::redis::{ClientEntry, Part, ServerPanel, SlowEntry};
    let mut h = Harness::with_keys(vec![key_info(b"a")], None);
    h.press(KeyCode::Char('I'));
    let slow = SlowEntry {
        id: 41,
        started_at: 1_700_000_000,
        duration_us: 12_500,
        command: vec![
            "SET".into(),
            ByteString::new(b"k\xff\n\x1b[2J".to_vec()),
            "v".into(),
        ],
        client: Some("127.0.0.1:50212".into()),
        client_name: Some("worker".into()),
    };
    let clients = if clients_denied {
        Part::NotPermitted
    } else {
        Part::Ready(vec![ClientEntry {
            id: 7,
            addr: "127.0.0.1:50212".into(),
            name: "worker".into(),
            user: Some("default".into()),
            db: Some(0),
            age_secs: 4_000,
            idle_secs: 3,
            flags: "N".into(),
            cmd: "client|list".into(),
        }])
    };
    let panel = ServerPanel {
        info,
        slowlog: Part::Ready(vec![slow]),
        clients,
    };
    let id = h.last(|r| matches!(r, Request::ServerPanel { .. }));
    h.reply(id, Ok(Response::ServerPanel(Box::new(panel))));
    h
}

#[test]
fn server_panel_shows_sections_in_human_units_slow_commands_and_clients() {
    use crate::domain::redis::{InfoSection, Part};
    let section = |name: &str, fields: &[(&str, &str)]| InfoSection {
        name: name.into(),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    let info = Part::Ready(vec![
        section(
            "server",
            &[
                ("redis_version", "7.2.4"),
                ("uptime_in_seconds", "93784"),
                ("uptime_in_days", "1"),
            ],
        ),
        section("clients", &[("connected_clients", "2")]),
        section(
            "memory",
            &[
                ("used_memory", "1048576"),
                ("used_memory_human", "1.00M"),
                ("mem_fragmentation_ratio", "1.52"),
            ],
        ),
        section("cpu", &[("used_cpu_sys", "0.5")]),
        section("keyspace", &[("db0", "keys=1,expires=0,avg_ttl=0")]),
    ]);
    let h = server_panel(info, false);
    insta::assert_snapshot!(draw(&h.state, 100, 26).backend());
}

#[test]
fn server_panel_says_not_permitted_for_denied_parts() {
    use crate::domain::redis::Part;
    let h = server_panel(Part::NotPermitted, true);
    insta::assert_snapshot!(draw(&h.state, 80, 20).backend());
}

/// The pub/sub pane with subscriptions, a channel list and messages whose
/// channels and payloads need escaping, paused with some held, after a
/// reconnection, with the selected JSON payload pretty-printed.
fn pubsub_pane() -> Harness {
    use crate::domain::pubsub::{ChannelInfo, Message};
    use crate::tui::event::Event;
    use crate::worker::Batch;
    let mut h = Harness::with_keys(vec![key_info(b"a")], None);
    h.press(KeyCode::Char('P'));
    h.send(Event::Watching(Ok(())));
    let state = &mut h.state.pubsub;
    state.channels = vec!["orders".into(), ByteString::new(b"bin\xff".to_vec())];
    state.patterns = vec!["user:*".into()];
    let id = h.last(|r| matches!(r, Request::Channels { .. }));
    let list = vec![
        ChannelInfo {
            channel: "orders".into(),
            subscribers: 2,
        },
        ChannelInfo {
            channel: ByteString::new(b"bin\xff".to_vec()),
            subscribers: 1,
        },
    ];
    h.reply(id, Ok(Response::Channels(list)));
    let at = 1_700_000_000_000 + 3_723_456;
    let message = |n: u64, channel: &[u8], pattern: Option<&str>, payload: &[u8]| Message {
        received_ms: at + n,
        channel: ByteString::new(channel.to_vec()),
        pattern: pattern.map(ByteString::from),
        payload: ByteString::new(payload.to_vec()),
    };
    let messages = vec![
        message(
            0,
            b"orders",
            None,
            b"{\"id\":7,\"items\":[\"book\",\"pen\"]}",
        ),
        message(5, b"bin\xff", None, b"\x00\x01\x1b[2J"),
        message(9, b"user:42", Some("user:*"), b"login \xe2\x9c\x93"),
    ];
    h.send(Event::Feed {
        batch: Batch {
            messages,
            dropped: 12,
            lost: None,
            resubscribed: true,
        },
        now_ms: at + 10,
    });
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('v'));
    h.press(KeyCode::Char('p'));
    h.send(Event::Feed {
        batch: Batch {
            messages: vec![message(20, b"orders", None, b"held")],
            ..Batch::default()
        },
        now_ms: at + 30,
    });
    h
}

#[test]
fn pubsub_pane_shows_messages_escaped_counts_and_pretty_json() {
    let h = pubsub_pane();
    insta::assert_snapshot!(draw(&h.state, 100, 30).backend());
}

#[test]
fn status_bar_shows_a_running_bulk_action_and_how_to_stop_it() {
    use crate::domain::redis::{BulkAction, KeyFilter};
    use crate::tui::state::bulk::Bulk;
    let mut h = Harness::with_keys(awkward_keys(), None);
    h.state.keys.bulk = Some(Bulk {
        filter: KeyFilter::Glob("k:*".into()),
        action: BulkAction::Delete,
        progress: Some(crate::worker::BulkProgress::default()),
    });
    let text = format!("{:?}", draw(&h.state, 120, 16).backend());
    assert!(
        text.contains("deleting: 0 done, 0 failed (Esc stops)"),
        "{text}"
    );
}

#[test]
fn hash_field_editor_names_the_field_and_the_key() {
    let entries = vec![FieldValue {
        field: "name".into(),
        value: "Ada\nLovelace".into(),
    }];
    let page = ValuePage::Hash {
        total: 1,
        entries,
        next_cursor: None,
    };
    let mut h = with_value(vec![key_info(b"user:1")], page, KeyType::Hash);
    h.press(KeyCode::Char('e'));
    insta::assert_snapshot!(draw(&h.state, 80, 16).backend());
}

#[test]
fn key_tree_shows_folders_with_counts_partial_marks_and_escaped_keys() {
    let names: [&[u8]; 7] = [
        b"user:1",
        b"user:2",
        b"user:9:cart",
        b"a[1]:x",
        b"bin\xff:\x1b[2J",
        b"c\\:w",
        b"plain",
    ];
    let items = names.iter().map(|name| key_info(name)).collect();
    let mut h = Harness::with_keys(items, Some(9));
    h.press(KeyCode::Char('v'));
    // Open user: (partial: its prefix scan is running) and bin\xff:.
    for _ in 0..3 {
        h.press(KeyCode::Char('j'));
    }
    h.press(KeyCode::Char('l'));
    h.press(KeyCode::Char('k'));
    h.press(KeyCode::Char('k'));
    h.press(KeyCode::Char('l'));
    insta::assert_snapshot!(draw(&h.state, 100, 18).backend());
}

#[test]
fn string_editor_in_hex_mode_shows_32_bytes_a_line() {
    let bytes: Vec<u8> = (0u8..40).map(|i| i.wrapping_mul(7)).collect();
    let page = ValuePage::String {
        offset: 0,
        length: 40,
        preview: ByteString::new(bytes),
        truncated: false,
    };
    let mut h = with_value(vec![key_info(b"blob")], page, KeyType::String);
    h.press(KeyCode::Char('e'));
    insta::assert_snapshot!(draw(&h.state, 90, 12).backend());
}
