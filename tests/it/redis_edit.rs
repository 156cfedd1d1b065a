//! Member-level writes, key creation, rename and copy against a real
//! server: every type, binary members (case B03), exact scores, and a key
//! deleted by another client never coming back by itself.

use dbdeck::domain::ByteString;
use dbdeck::domain::redis::{FieldValue, Probe, StreamGroup, Ttl, ValuePage};
use dbdeck::domain::redis_edit::{
    EditResult, ListEnd, MemberEdit, MemberScore, NewValue, Score, StreamId,
};
use dbdeck::driver::DriverError;
use dbdeck::driver::redis::{self as driver, RedisClient};

use crate::redis_driver::{client, exec, exists, read, string_value, timeouts, value_request};
use crate::support::redis::RedisServer;

pub const BIN: &[u8] = b"\xff\xfe\x00\x01";

pub fn bytes(raw: &[u8]) -> ByteString {
    ByteString::new(raw)
}

pub fn pair(field: &[u8], value: &[u8]) -> FieldValue {
    FieldValue {
        field: bytes(field),
        value: bytes(value),
    }
}

pub async fn edit(
    client: &RedisClient,
    key: &str,
    edit: MemberEdit,
) -> Result<EditResult, DriverError> {
    driver::edit_members(client, &key.into(), &edit).await
}

pub async fn hash_pairs(client: &RedisClient, key: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let ValuePage::Hash { entries, .. } = read(client, key).await.unwrap() else {
        panic!("{key} is a hash");
    };
    let mut pairs: Vec<_> = entries
        .into_iter()
        .map(|e| (e.field.into_bytes(), e.value.into_bytes()))
        .collect();
    pairs.sort();
    pairs
}

pub async fn list_items(client: &RedisClient, key: &str) -> Vec<Vec<u8>> {
    let ValuePage::List { items, .. } = read(client, key).await.unwrap() else {
        panic!("{key} is a list");
    };
    items.into_iter().map(ByteString::into_bytes).collect()
}

pub async fn set_members(client: &RedisClient, key: &str) -> Vec<Vec<u8>> {
    let ValuePage::Set { members, .. } = read(client, key).await.unwrap() else {
        panic!("{key} is a set");
    };
    let mut members: Vec<_> = members.into_iter().map(ByteString::into_bytes).collect();
    members.sort();
    members
}

pub async fn zset_members(client: &RedisClient, key: &str) -> Vec<(Vec<u8>, String)> {
    let ValuePage::Zset { members, .. } = read(client, key).await.unwrap() else {
        panic!("{key} is a zset");
    };
    members
        .into_iter()
        .map(|m| (m.member.into_bytes(), m.score))
        .collect()
}

#[tokio::test]
async fn hash_fields_are_added_edited_and_deleted_as_bytes() {
    let server = RedisServer::start();
    exec(&mut server.conn(), &[b"HSET", b"h", b"f1", b"alpha"]);
    let client = client(&server).await;

    let added = MemberEdit::HashSet {
        field: bytes(BIN),
        value: bytes(b"v\xc0"),
    };
    assert_eq!(edit(&client, "h", added).await, Ok(EditResult::Changed(1)));
    let edited = MemberEdit::HashSet {
        field: "f1".into(),
        value: bytes(BIN),
    };
    assert_eq!(edit(&client, "h", edited).await, Ok(EditResult::Changed(0)));
    assert_eq!(
        hash_pairs(&client, "h").await,
        vec![
            (b"f1".to_vec(), BIN.to_vec()),
            (BIN.to_vec(), b"v\xc0".to_vec())
        ]
    );

    let deleted = MemberEdit::HashDelete {
        fields: vec![bytes(BIN), "missing".into()],
    };
    assert_eq!(
        edit(&client, "h", deleted).await,
        Ok(EditResult::Changed(1))
    );
    assert_eq!(
        hash_pairs(&client, "h").await,
        vec![(b"f1".to_vec(), BIN.to_vec())]
    );
}

#[tokio::test]
async fn list_push_set_remove_and_trim() {
    let server = RedisServer::start();
    exec(&mut server.conn(), &[b"RPUSH", b"l", b"b", b"c"]);
    let client = client(&server).await;

    let head = MemberEdit::ListPush {
        end: ListEnd::Head,
        items: vec!["a".into()],
    };
    assert_eq!(edit(&client, "l", head).await, Ok(EditResult::Length(3)));
    let tail = MemberEdit::ListPush {
        end: ListEnd::Tail,
        items: vec![bytes(BIN), "c".into(), "d".into()],
    };
    assert_eq!(edit(&client, "l", tail).await, Ok(EditResult::Length(6)));
    let set = MemberEdit::ListSet {
        index: -1,
        item: bytes(b"\xc0"),
    };
    assert_eq!(edit(&client, "l", set).await, Ok(EditResult::Done));
    let expected: Vec<&[u8]> = vec![b"a", b"b", b"c", BIN, b"c", b"\xc0"];
    assert_eq!(list_items(&client, "l").await, expected);

    let remove = MemberEdit::ListRemove {
        count: -1,
        item: "c".into(),
    };
    assert_eq!(edit(&client, "l", remove).await, Ok(EditResult::Changed(1)));
    let expected: Vec<&[u8]> = vec![b"a", b"b", b"c", BIN, b"\xc0"];
    assert_eq!(list_items(&client, "l").await, expected);

    let trim = MemberEdit::ListTrim { start: 1, stop: 3 };
    assert_eq!(edit(&client, "l", trim).await, Ok(EditResult::Done));
    let expected: Vec<&[u8]> = vec![b"b", b"c", BIN];
    assert_eq!(list_items(&client, "l").await, expected);

    // An index past the end is the user's mistake, in the server's words.
    let past = MemberEdit::ListSet {
        index: 10,
        item: "x".into(),
    };
    assert_eq!(
        edit(&client, "l", past).await,
        Err(DriverError::InvalidInput("index out of range".into()))
    );
}

#[tokio::test]
async fn set_members_are_added_and_removed_as_bytes() {
    let server = RedisServer::start();
    exec(&mut server.conn(), &[b"SADD", b"s", b"a"]);
    let client = client(&server).await;

    let add = MemberEdit::SetAdd {
        members: vec![bytes(BIN), "a".into(), "b".into()],
    };
    assert_eq!(edit(&client, "s", add).await, Ok(EditResult::Changed(2)));
    assert_eq!(
        set_members(&client, "s").await,
        vec![b"a".to_vec(), b"b".to_vec(), BIN.to_vec()]
    );
    let remove = MemberEdit::SetRemove {
        members: vec![bytes(BIN), "zz".into()],
    };
    assert_eq!(edit(&client, "s", remove).await, Ok(EditResult::Changed(1)));
    assert_eq!(
        set_members(&client, "s").await,
        vec![b"a".to_vec(), b"b".to_vec()]
    );
}

#[tokio::test]
async fn zset_scores_read_back_as_the_server_writes_them() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    exec(&mut conn, &[b"ZADD", b"z", b"0", b"seed"]);
    let client = client(&server).await;

    let scores = ["1447852714", "100000000060000", "1.1", "inf", "-inf"];
    for (i, score) in scores.iter().enumerate() {
        let member = [BIN, &[b'0' + i as u8]].concat();
        let add = MemberEdit::ZsetAdd {
            member: bytes(&member),
            score: Score::parse(score).unwrap(),
        };
        assert_eq!(edit(&client, "z", add).await, Ok(EditResult::Changed(1)));
    }
    let change = MemberEdit::ZsetAdd {
        member: "seed".into(),
        score: Score::parse("2.5").unwrap(),
    };
    assert_eq!(edit(&client, "z", change).await, Ok(EditResult::Changed(0)));

    // The server's own text for 1.1 depends on its version (7.0 writes
    // 1.1000000000000001, 7.2 writes 1.1): the pane shows what it sent.
    let said_for_1_1: String = redis::cmd("ZSCORE")
        .arg("z")
        .arg([BIN, b"2"].concat())
        .query(&mut conn)
        .unwrap();
    assert_eq!(said_for_1_1.parse::<f64>().unwrap(), 1.1);
    let members = zset_members(&client, "z").await;
    let by_score: Vec<(&[u8], &str)> = members
        .iter()
        .map(|(m, s)| (m.as_slice(), s.as_str()))
        .collect();
    let m = |i: u8| [BIN, &[b'0' + i]].concat();
    let (m0, m1, m2, m3, m4) = (m(0), m(1), m(2), m(3), m(4));
    assert_eq!(
        by_score,
        vec![
            (m4.as_slice(), "-inf"),
            (m2.as_slice(), said_for_1_1.as_str()),
            (b"seed".as_slice(), "2.5"),
            (m0.as_slice(), "1447852714"),
            (m1.as_slice(), "100000000060000"),
            (m3.as_slice(), "inf"),
        ]
    );

    let remove = MemberEdit::ZsetRemove {
        members: vec![bytes(&m3), "seed".into()],
    };
    assert_eq!(edit(&client, "z", remove).await, Ok(EditResult::Changed(2)));
    assert_eq!(zset_members(&client, "z").await.len(), 4);
}

#[tokio::test]
async fn stream_entries_keep_field_order_and_groups_show_pending() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    exec(&mut conn, &[b"XADD", b"st", b"1-1", b"seed", b"1"]);
    let client = client(&server).await;

    let add = MemberEdit::StreamAdd {
        id: StreamId::parse("5-0").unwrap(),
        fields: vec![pair(b"z", b"1"), pair(BIN, b"\xc0"), pair(b"a", b"2")],
    };
    assert_eq!(
        edit(&client, "st", add).await,
        Ok(EditResult::EntryId("5-0".into()))
    );
    let auto = MemberEdit::StreamAdd {
        id: StreamId::auto(),
        fields: vec![pair(b"k", b"v")],
    };
    let Ok(EditResult::EntryId(auto_id)) = edit(&client, "st", auto).await else {
        panic!("XADD * answers the new ID");
    };
    let stale = MemberEdit::StreamAdd {
        id: StreamId::parse("2-0").unwrap(),
        fields: vec![pair(b"k", b"v")],
    };
    assert!(matches!(
        edit(&client, "st", stale).await,
        Err(DriverError::InvalidInput(message)) if message.contains("equal or smaller")
    ));

    exec(&mut conn, &[b"XGROUP", b"CREATE", b"st", b"workers", b"0"]);
    exec(
        &mut conn,
        &[
            b"XREADGROUP",
            b"GROUP",
            b"workers",
            b"w1",
            b"COUNT",
            b"2",
            b"STREAMS",
            b"st",
            b">",
        ],
    );
    let delete = MemberEdit::StreamDelete {
        ids: vec!["1-1".into(), "9-9".into()],
    };
    assert_eq!(
        edit(&client, "st", delete).await,
        Ok(EditResult::Changed(1))
    );

    let ValuePage::Stream {
        total,
        entries,
        groups,
        ..
    } = read(&client, "st").await.unwrap()
    else {
        panic!("st is a stream");
    };
    assert_eq!(total, 2);
    assert_eq!(entries[0].id, "5-0");
    assert_eq!(
        entries[0].fields,
        vec![pair(b"z", b"1"), pair(BIN, b"\xc0"), pair(b"a", b"2")]
    );
    assert_eq!(entries[1].id, auto_id);
    let Probe::Known(groups) = groups else {
        panic!("the default user may read XINFO GROUPS");
    };
    assert_eq!(
        groups,
        vec![StreamGroup {
            name: "workers".into(),
            consumers: 1,
            pending: 2,
            last_delivered_id: "5-0".into(),
            lag: groups[0].lag,
        }]
    );
}

#[tokio::test]
async fn a_key_deleted_meanwhile_is_not_recreated_by_any_edit() {
    let server = RedisServer::start();
    let client = client(&server).await;
    let edits = [
        MemberEdit::HashSet {
            field: "f".into(),
            value: "v".into(),
        },
        MemberEdit::ListPush {
            end: ListEnd::Tail,
            items: vec!["x".into()],
        },
        MemberEdit::SetAdd {
            members: vec!["x".into()],
        },
        MemberEdit::ZsetAdd {
            member: "x".into(),
            score: Score::parse("1").unwrap(),
        },
        MemberEdit::StreamAdd {
            id: StreamId::auto(),
            fields: vec![pair(b"f", b"v")],
        },
    ];
    for change in edits {
        assert_eq!(
            edit(&client, "gone", change).await,
            Err(DriverError::NotFound)
        );
        assert!(!exists(&mut server.conn(), b"gone"));
    }

    exec(&mut server.conn(), &[b"SET", b"str", b"x"]);
    let wrong = MemberEdit::SetAdd {
        members: vec!["x".into()],
    };
    let Err(DriverError::WrongType(message)) = edit(&client, "str", wrong).await else {
        panic!("a set edit on a string is WRONGTYPE");
    };
    assert!(!message.contains("script"), "{message}");
}

#[tokio::test]
async fn without_scripting_edits_still_check_the_key_exists() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let mut setuser = redis::cmd("ACL");
    setuser.arg("SETUSER").arg("editor");
    setuser.arg(&["on", ">pw", "~*", "&*", "+@all", "-@scripting"][..]);
    setuser.query::<()>(&mut conn).unwrap();
    exec(&mut conn, &[b"HSET", b"h", b"f", b"v"]);
    let editor = driver::connect(&server.target_as(1, "editor", "pw"), 0, timeouts())
        .await
        .unwrap();

    let set = MemberEdit::HashSet {
        field: bytes(BIN),
        value: "w".into(),
    };
    assert_eq!(
        edit(&editor, "h", set.clone()).await,
        Ok(EditResult::Changed(1))
    );
    assert_eq!(edit(&editor, "gone", set).await, Err(DriverError::NotFound));
    assert!(!exists(&mut conn, b"gone"));

    let new = NewValue::Set {
        members: vec!["a".into()],
    };
    driver::create_key(&editor, &"s".into(), &new, Some(60))
        .await
        .unwrap();
    assert_eq!(
        driver::create_key(&editor, &"s".into(), &new, None).await,
        Err(DriverError::AlreadyExists)
    );
    assert!(redis::cmd("TTL").arg("s").query::<i64>(&mut conn).unwrap() > 0);
}

#[tokio::test]
async fn keys_of_every_type_are_created_once_with_their_ttl() {
    let server = RedisServer::start();
    let client = client(&server).await;
    let values = [
        ("k:string", NewValue::String { value: bytes(BIN) }),
        (
            "k:hash",
            NewValue::Hash {
                entries: vec![pair(BIN, BIN)],
            },
        ),
        (
            "k:list",
            NewValue::List {
                items: vec![bytes(BIN), "b".into()],
            },
        ),
        (
            "k:set",
            NewValue::Set {
                members: vec![bytes(BIN)],
            },
        ),
        (
            "k:zset",
            NewValue::Zset {
                members: vec![MemberScore {
                    member: bytes(BIN),
                    score: Score::parse("100000000060000").unwrap(),
                }],
            },
        ),
        (
            "k:stream",
            NewValue::Stream {
                id: StreamId::parse("7-1").unwrap(),
                fields: vec![pair(b"b", b"1"), pair(BIN, b"2")],
            },
        ),
    ];
    for (name, value) in &values {
        let ttl = (*name != "k:list").then_some(600);
        driver::create_key(&client, &(*name).into(), value, ttl)
            .await
            .unwrap();
        let again = driver::create_key(&client, &(*name).into(), value, None).await;
        assert_eq!(again, Err(DriverError::AlreadyExists), "{name}");
        let read = driver::read_value(&client, &value_request(*name))
            .await
            .unwrap();
        assert_eq!(read.key_type, value.key_type());
        let expected = if ttl.is_some() {
            "expires in 10m"
        } else {
            "no expiry"
        };
        assert_eq!(
            read.ttl.known().map(Ttl::to_string).as_deref(),
            Some(expected)
        );
    }

    assert_eq!(string_value(read(&client, "k:string").await.unwrap()), BIN);
    assert_eq!(
        hash_pairs(&client, "k:hash").await,
        vec![(BIN.to_vec(), BIN.to_vec())]
    );
    assert_eq!(
        list_items(&client, "k:list").await,
        vec![BIN.to_vec(), b"b".to_vec()]
    );
    assert_eq!(
        zset_members(&client, "k:zset").await,
        vec![(BIN.to_vec(), "100000000060000".to_owned())]
    );
    let ValuePage::Stream { entries, .. } = read(&client, "k:stream").await.unwrap() else {
        panic!("k:stream is a stream");
    };
    assert_eq!(entries[0].id, "7-1");
    assert_eq!(entries[0].fields, vec![pair(b"b", b"1"), pair(BIN, b"2")]);

    let empty = NewValue::Hash { entries: vec![] };
    assert!(matches!(
        driver::create_key(&client, &"k:empty".into(), &empty, None).await,
        Err(DriverError::InvalidInput(_))
    ));
    assert!(!exists(&mut server.conn(), b"k:empty"));
}

#[tokio::test]
async fn rename_refuses_to_replace_unless_asked() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let old: &[u8] = b"old:\xc0";
    exec(&mut conn, &[b"SET", old, b"1"]);
    exec(&mut conn, &[b"SET", b"taken", b"2"]);
    let client = client(&server).await;

    let taken = driver::rename(&client, &bytes(old), &"taken".into(), false).await;
    assert_eq!(taken, Err(DriverError::AlreadyExists));
    assert!(exists(&mut conn, old));
    driver::rename(&client, &bytes(old), &bytes(b"new:\xc1"), false)
        .await
        .unwrap();
    assert!(!exists(&mut conn, old));
    driver::rename(&client, &bytes(b"new:\xc1"), &"taken".into(), true)
        .await
        .unwrap();
    assert_eq!(string_value(read(&client, "taken").await.unwrap()), b"1");

    let gone = driver::rename(&client, &"nope".into(), &"x".into(), false).await;
    assert_eq!(gone, Err(DriverError::NotFound));
    let same = driver::rename(&client, &"taken".into(), &"taken".into(), true).await;
    assert!(matches!(same, Err(DriverError::InvalidInput(_))));
}

#[tokio::test]
async fn copy_keeps_the_source_and_its_ttl() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    exec(&mut conn, &[b"HSET", b"src", BIN, BIN]);
    exec(&mut conn, &[b"EXPIRE", b"src", b"600"]);
    exec(&mut conn, &[b"SET", b"taken", b"2"]);
    let client = client(&server).await;

    driver::copy(&client, &"src".into(), &"dst".into(), false)
        .await
        .unwrap();
    assert_eq!(
        hash_pairs(&client, "dst").await,
        vec![(BIN.to_vec(), BIN.to_vec())]
    );
    assert!(
        redis::cmd("TTL")
            .arg("dst")
            .query::<i64>(&mut conn)
            .unwrap()
            > 0
    );
    assert!(exists(&mut conn, b"src"));

    let taken = driver::copy(&client, &"src".into(), &"taken".into(), false).await;
    assert_eq!(taken, Err(DriverError::AlreadyExists));
    driver::copy(&client, &"src".into(), &"taken".into(), true)
        .await
        .unwrap();
    assert_eq!(hash_pairs(&client, "taken").await.len(), 1);
    let gone = driver::copy(&client, &"nope".into(), &"x".into(), false).await;
    assert_eq!(gone, Err(DriverError::NotFound));
}

#[tokio::test]
async fn copy_without_the_command_names_the_version_it_needs() {
    let server = RedisServer::with_args(&["--rename-command", "COPY", ""]);
    exec(&mut server.conn(), &[b"SET", b"src", b"1"]);
    let client = client(&server).await;

    let Err(DriverError::InvalidInput(message)) =
        driver::copy(&client, &"src".into(), &"dst".into(), false).await
    else {
        panic!("COPY is missing");
    };
    assert!(message.contains("Redis 6.2"), "{message}");
    assert!(!exists(&mut server.conn(), b"dst"));
}
