//! The Redis driver against a real server: the B-cases of
//! `cases/CASES.md`, each asserting the value a user must see.

use std::time::Duration;

use dbdeck::domain::ByteString;
use dbdeck::domain::redis::{
    KeyFilter, KeyInfo, KeyType, Probe, ScanCursor, ScanRequest, Ttl, ValuePage, ValueRequest,
    ValueWindow,
};
use dbdeck::driver::DriverError;
use dbdeck::driver::redis::{self as driver, RedisClient, Timeouts};

use crate::support::redis::RedisServer;

pub fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        response: Duration::from_secs(5),
    }
}

pub async fn client(server: &RedisServer) -> RedisClient {
    driver::connect(&server.target(1), 0, timeouts())
        .await
        .unwrap()
}

/// Runs one seeding command made of raw byte arguments.
pub fn exec(conn: &mut redis::Connection, parts: &[&[u8]]) -> redis::Value {
    let mut cmd = redis::cmd(std::str::from_utf8(parts[0]).unwrap());
    for part in &parts[1..] {
        cmd.arg(*part);
    }
    cmd.query(conn).unwrap()
}

pub fn exists(conn: &mut redis::Connection, key: &[u8]) -> bool {
    redis::cmd("EXISTS").arg(key).query::<i64>(conn).unwrap() == 1
}

pub fn value_request(key: impl Into<ByteString>) -> ValueRequest {
    ValueRequest {
        key: key.into(),
        window: ValueWindow::First,
        count: 100,
        max_bytes: 64 * 1024,
    }
}

pub fn scan_request(pattern: &str) -> ScanRequest {
    ScanRequest {
        filter: KeyFilter::Glob(pattern.to_owned()),
        key_type: None,
        count: 1000,
        cursor: ScanCursor::START,
        budget: Duration::from_secs(5),
    }
}

/// Every key matching `pattern`, page after page, sorted by name.
pub async fn scan_all(client: &RedisClient, pattern: &str) -> Vec<KeyInfo> {
    let mut request = scan_request(pattern);
    let mut keys = Vec::new();
    loop {
        let page = driver::scan_page(client, &request).await.unwrap();
        keys.extend(page.items);
        match page.next_cursor {
            Some(cursor) => request.cursor = cursor,
            None => break,
        }
    }
    keys.sort_by(|a, b| a.key.cmp(&b.key));
    keys
}

pub async fn read(
    client: &RedisClient,
    key: impl Into<ByteString>,
) -> Result<ValuePage, DriverError> {
    driver::read_value(client, &value_request(key))
        .await
        .map(|value| value.page)
}

pub fn string_value(page: ValuePage) -> Vec<u8> {
    match page {
        ValuePage::String {
            preview, truncated, ..
        } => {
            assert!(!truncated);
            preview.into_bytes()
        }
        other => panic!("expected a string, got {other:?}"),
    }
}

#[tokio::test]
async fn b01_binary_key_names_keep_their_bytes() {
    let server = RedisServer::start();
    let zip: &[u8] = b"\x02\x00\x00\x00zip\x04\x00\x00\x00\x9b\x00\x00score";
    let host: &[u8] = b"u:\x92\xb5host:5000/admin/\xc0";
    let mut conn = server.conn();
    exec(&mut conn, &[b"SET", zip, b"1"]);
    exec(&mut conn, &[b"SET", host, b"1"]);
    let client = client(&server).await;

    let keys = scan_all(&client, "*").await;
    let names: Vec<&[u8]> = keys.iter().map(|k| k.key.as_bytes()).collect();
    assert_eq!(names, vec![zip, host]);
    for info in &keys {
        assert_eq!(info.key_type, Probe::Known(Some(KeyType::String)));
        assert_eq!(info.ttl, Probe::Known(Ttl::NoExpiry));
        assert!(!info.is_gone());
    }
    assert_eq!(
        keys[0].key.escaped(),
        "\\x02\\x00\\x00\\x00zip\\x04\\x00\\x00\\x00\\x9B\\x00\\x00score"
    );
    assert_eq!(keys[1].key.escaped(), "u:\\x92\\xB5host:5000/admin/\\xC0");

    let value = driver::read_value(&client, &value_request(keys[0].key.clone()))
        .await
        .unwrap();
    assert_eq!(value.key_type, KeyType::String);
    assert_eq!(value.ttl, Probe::Known(Ttl::NoExpiry));
    assert_eq!(value.ttl.known().map(|t| t.as_pttl()), Some(-1));
    assert_eq!(string_value(value.page), b"1");

    assert!(driver::delete(&client, &keys[0].key).await.unwrap());
    assert!(!exists(&mut conn, zip));
    assert!(exists(&mut conn, host));
    assert_eq!(read(&client, zip).await, Err(DriverError::NotFound));
    assert!(!driver::delete(&client, &keys[0].key).await.unwrap());
}

#[tokio::test]
async fn b03_non_utf8_members_keep_their_pairs_indexes_and_scores() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    exec(
        &mut conn,
        &[
            b"HSET",
            b"h:bin",
            b"f1",
            b"alpha",
            b"f2",
            b"\xff\xfe\x00\x01",
            b"f3",
            b"gamma",
        ],
    );
    exec(&mut conn, &[b"RPUSH", b"l:bin", b"a", b"\xff", b"c"]);
    exec(
        &mut conn,
        &[b"ZADD", b"z:bin", b"1", b"a", b"2", b"\xff", b"3", b"c"],
    );
    let client = client(&server).await;

    let ValuePage::Hash {
        total,
        mut entries,
        next_cursor,
    } = read(&client, "h:bin").await.unwrap()
    else {
        panic!("h:bin is a hash");
    };
    entries.sort_by(|a, b| a.field.cmp(&b.field));
    let pairs: Vec<(&[u8], &[u8])> = entries
        .iter()
        .map(|e| (e.field.as_bytes(), e.value.as_bytes()))
        .collect();
    let expected: Vec<(&[u8], &[u8])> = vec![
        (b"f1", b"alpha"),
        (b"f2", b"\xff\xfe\x00\x01"),
        (b"f3", b"gamma"),
    ];
    assert_eq!((total, next_cursor), (3, None));
    assert_eq!(pairs, expected);
    assert_eq!(entries[1].value.escaped(), "\\xFF\\xFE\\x00\\x01");

    let ValuePage::List {
        total,
        start,
        items,
    } = read(&client, "l:bin").await.unwrap()
    else {
        panic!("l:bin is a list");
    };
    assert_eq!((total, start), (3, 0));
    let items: Vec<&[u8]> = items.iter().map(ByteString::as_bytes).collect();
    assert_eq!(items, vec![&b"a"[..], b"\xff", b"c"]);

    let ValuePage::Zset { total, members, .. } = read(&client, "z:bin").await.unwrap() else {
        panic!("z:bin is a zset");
    };
    let members: Vec<(&[u8], &str)> = members
        .iter()
        .map(|m| (m.member.as_bytes(), m.score.as_str()))
        .collect();
    assert_eq!(total, 3);
    assert_eq!(members, vec![(&b"a"[..], "1"), (b"\xff", "2"), (b"c", "3")]);
}

#[tokio::test]
async fn b04_url_syntax_in_key_names_reads_each_own_value() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let cases = [
        ("x:y/0:z", "v1"),
        ("cache:http%3A%2F%2Fexample.com%2Fa", "v2"),
        ("cache:http://example.com/a", "v3"),
        ("q?a=1#frag", "v4"),
        ("sp ace+plus", "v5"),
    ];
    for (key, value) in cases {
        exec(&mut conn, &[b"SET", key.as_bytes(), value.as_bytes()]);
    }
    let client = client(&server).await;

    for (key, value) in cases {
        let read = string_value(read(&client, key).await.unwrap());
        assert_eq!(read, value.as_bytes(), "{key}");
    }
    let listed = scan_all(&client, "*").await;
    assert_eq!(listed.len(), 5);
}

#[tokio::test]
async fn b06_control_characters_in_key_names_render_escaped() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let keys: [&[u8]; 4] = [
        b"line1\nline2",
        b"tab\there",
        b"cr\rreturn",
        b"esc\x1b[31mred\x1b[0m",
    ];
    for key in keys {
        exec(&mut conn, &[b"SET", key, b"v"]);
    }
    let client = client(&server).await;

    let listed = scan_all(&client, "*").await;
    let shown: Vec<String> = listed.iter().map(|k| k.key.escaped()).collect();
    assert_eq!(
        shown,
        vec![
            "cr\\rreturn",
            "esc\\x1B[31mred\\x1B[0m",
            "line1\\nline2",
            "tab\\there",
        ]
    );
    assert!(shown.iter().all(|s| !s.chars().any(char::is_control)));
    for info in listed {
        assert_eq!(string_value(read(&client, info.key).await.unwrap()), b"v");
    }
}

#[tokio::test]
async fn b08_stream_fields_stay_in_order_and_text_stays_text() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    exec(
        &mut conn,
        &[
            b"XADD",
            b"s1",
            b"*",
            b"sensor-id",
            b"1",
            b"temperature",
            b"1",
        ],
    );
    exec(
        &mut conn,
        &[b"XADD", b"s1", b"*", b"note", "héllo".as_bytes()],
    );
    exec(&mut conn, &[b"XADD", b"s1", b"*", b"raw", b"\xff\x00"]);
    let client = client(&server).await;

    let ValuePage::Stream {
        total,
        entries,
        last_id,
        ..
    } = read(&client, "s1").await.unwrap()
    else {
        panic!("s1 is a stream");
    };
    assert_eq!(total, 3);
    assert_eq!(last_id.as_deref(), Some(entries[2].id.as_str()));
    let fields: Vec<Vec<(String, &[u8])>> = entries
        .iter()
        .map(|e| {
            e.fields
                .iter()
                .map(|f| (f.field.escaped(), f.value.as_bytes()))
                .collect()
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            vec![
                ("sensor-id".into(), &b"1"[..]),
                ("temperature".into(), b"1")
            ],
            vec![("note".into(), "héllo".as_bytes())],
            vec![("raw".into(), &b"\xff\x00"[..])],
        ]
    );
    let note = &entries[1].fields[0].value;
    let raw = &entries[2].fields[0].value;
    assert!(!note.is_binary());
    assert_eq!(note.escaped(), "héllo");
    assert!(raw.is_binary());
    assert_eq!(raw.escaped(), "\\xFF\\x00");
}

#[tokio::test]
async fn b11_ttl_zero_is_refused_and_no_expiry_persists() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    exec(&mut conn, &[b"SET", b"k", b"v", b"EX", b"600"]);
    exec(&mut conn, &[b"CONFIG", b"RESETSTAT"]);
    let client = client(&server).await;
    let key = ByteString::from("k");

    let refused = driver::expire(&client, &key, 0).await;
    assert!(
        matches!(refused, Err(DriverError::InvalidInput(_))),
        "{refused:?}"
    );
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut conn).unwrap();
    assert!((590..=600).contains(&ttl), "TTL after a refused 0: {ttl}");

    assert_eq!(driver::persist(&client, &key).await, Ok(Ttl::NoExpiry));
    assert_eq!(string_value(read(&client, "k").await.unwrap()), b"v");
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut conn).unwrap();
    assert_eq!(ttl, -1);

    let set = driver::expire(&client, &key, 120).await.unwrap();
    assert!(
        matches!(set, Ttl::ExpiresIn(ms) if ms > 110_000 && ms <= 120_000),
        "{set:?}"
    );

    // EXPIRE ran once, for the 120 s; "no expiry" went through PERSIST.
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut conn)
        .unwrap();
    assert!(stats.contains("cmdstat_expire:calls=1,"), "{stats}");
    assert!(stats.contains("cmdstat_persist:calls=1,"), "{stats}");
    assert_eq!(
        driver::expire(&client, &ByteString::from("missing"), 5).await,
        Err(DriverError::NotFound)
    );
}

#[tokio::test]
async fn b12_acl_user_without_admin_commands_can_browse() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let acl = "on >viewer-pass ~* &* +@all -@dangerous -@admin";
    let mut setuser = redis::cmd("ACL");
    setuser
        .arg("SETUSER")
        .arg("viewer")
        .arg(acl.split(' ').collect::<Vec<_>>());
    setuser.query::<()>(&mut conn).unwrap();
    let mut nomem = redis::cmd("ACL");
    nomem
        .arg("SETUSER")
        .arg("nomem")
        .arg(acl.split(' ').collect::<Vec<_>>());
    nomem
        .arg("-memory")
        .arg("-pttl")
        .arg("-ping")
        .query::<()>(&mut conn)
        .unwrap();
    exec(&mut conn, &[b"SET", b"a", b"1"]);
    exec(&mut conn, &[b"HSET", b"h", b"f", b"v"]);
    exec(&mut conn, &[b"CONFIG", b"RESETSTAT"]);

    let viewer = driver::connect(&server.target_as(1, "viewer", "viewer-pass"), 0, timeouts())
        .await
        .unwrap();
    let keys = scan_all(&viewer, "*").await;
    let names: Vec<String> = keys.iter().map(|k| k.key.escaped()).collect();
    assert_eq!(names, vec!["a", "h"]);
    assert_eq!(keys[0].key_type, Probe::Known(Some(KeyType::String)));
    assert_eq!(keys[1].key_type, Probe::Known(Some(KeyType::Hash)));
    assert!(keys.iter().all(|k| k.ttl == Probe::Known(Ttl::NoExpiry)));
    assert_eq!(string_value(read(&viewer, "a").await.unwrap()), b"1");

    let summary = driver::server_summary(&viewer).await.unwrap();
    assert_eq!(summary.version, Probe::Unavailable);
    assert_eq!(summary.used_memory, Probe::Unavailable);
    assert_eq!(summary.dbsize, Probe::Known(2));
    let databases = driver::databases(&viewer).await.unwrap();
    assert_eq!(databases.len(), 16);

    // A denied metadata column is "n/a", not a failed page.
    let nomem = driver::connect(&server.target_as(2, "nomem", "viewer-pass"), 0, timeouts())
        .await
        .unwrap();
    let keys = scan_all(&nomem, "*").await;
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.size == Probe::Unavailable));
    assert!(keys.iter().all(|k| k.ttl == Probe::Unavailable));
    // The value pane says "n/a" for a TTL it may not read, never "no expiry".
    let value = driver::read_value(&nomem, &value_request("a"))
        .await
        .unwrap();
    assert_eq!(value.ttl, Probe::Unavailable);
    assert_eq!(value.ttl.to_string(), "n/a");
    // Testing the connection does not depend on PING either.
    let summary = driver::server_summary(&nomem).await.unwrap();
    assert!(summary.latency_ms >= 0.0);
    assert_eq!(summary.dbsize, Probe::Known(2));
    assert!(
        keys.iter()
            .all(|k| matches!(k.key_type, Probe::Known(Some(_))))
    );

    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut conn)
        .unwrap();
    assert!(!stats.contains("cmdstat_keys:"), "KEYS was sent: {stats}");
}

#[tokio::test]
async fn b13_renamed_config_still_lists_databases() {
    let server = RedisServer::with_args(&["--rename-command", "CONFIG", "", "--databases", "32"]);
    exec(&mut server.conn_db(20), &[b"SET", b"in-db20", b"x"]);
    let client = client(&server).await;

    let databases = driver::databases(&client).await.unwrap();
    let indexes: Vec<u32> = databases.iter().map(|d| d.index).collect();
    assert_eq!(indexes, (0..21).collect::<Vec<_>>());
    assert_eq!(databases[20].keys, Some(1));
    assert_eq!(databases[0].keys, None);

    let db20 = driver::connect(&server.target(1), 20, timeouts())
        .await
        .unwrap();
    let keys = scan_all(&db20, "*").await;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key, ByteString::from("in-db20"));
    assert_eq!(string_value(read(&db20, "in-db20").await.unwrap()), b"x");
    assert_eq!(read(&client, "in-db20").await, Err(DriverError::NotFound));
}

#[tokio::test]
async fn b13_allowed_config_gives_the_configured_count() {
    let server = RedisServer::with_args(&["--databases", "32"]);
    let client = client(&server).await;
    let databases = driver::databases(&client).await.unwrap();
    assert_eq!(databases.len(), 32);
}

#[tokio::test]
async fn vanished_key_reads_as_not_found() {
    let server = RedisServer::start();
    let client = client(&server).await;
    let gone = ByteString::from("was-here");

    let infos = driver::key_infos(&client, vec![gone.clone()])
        .await
        .unwrap();
    assert_eq!(infos[0].key_type, Probe::Known(None));
    assert_eq!(infos[0].ttl, Probe::Known(Ttl::Gone));
    assert_eq!(infos[0].ttl.known().map(|t| t.as_pttl()), Some(-2));
    assert!(infos[0].is_gone());
    assert_eq!(
        read(&client, gone.clone()).await,
        Err(DriverError::NotFound)
    );
    assert_eq!(
        driver::persist(&client, &gone).await,
        Err(DriverError::NotFound)
    );
}

#[tokio::test]
async fn set_string_refuses_other_types_and_missing_keys() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    exec(&mut conn, &[b"HSET", b"h", b"f", b"v"]);
    exec(&mut conn, &[b"SET", b"s", b"old", b"EX", b"600"]);
    let client = client(&server).await;
    let new = ByteString::from("new");

    let wrong = driver::set_string(&client, &ByteString::from("h"), &new).await;
    assert!(matches!(wrong, Err(DriverError::WrongType(_))), "{wrong:?}");
    let kept: String = redis::cmd("HGET")
        .arg("h")
        .arg("f")
        .query(&mut conn)
        .unwrap();
    assert_eq!(kept, "v");

    let missing = driver::set_string(&client, &ByteString::from("nope"), &new).await;
    assert_eq!(missing, Err(DriverError::NotFound));
    assert!(!exists(&mut conn, b"nope"));

    driver::set_string(&client, &ByteString::from("s"), &new)
        .await
        .unwrap();
    let value: String = redis::cmd("GET").arg("s").query(&mut conn).unwrap();
    let ttl: i64 = redis::cmd("TTL").arg("s").query(&mut conn).unwrap();
    assert_eq!(value, "new");
    assert!((590..=600).contains(&ttl), "KEEPTTL lost the TTL: {ttl}");
}

#[tokio::test]
async fn a_ttl_redis_cannot_store_is_the_users_mistake() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    exec(&mut conn, &[b"SET", b"k", b"v"]);
    let client = client(&server).await;
    let key = ByteString::from("k");

    for seconds in [u64::MAX, i64::MAX.unsigned_abs()] {
        let refused = driver::expire(&client, &key, seconds).await;
        assert!(
            matches!(refused, Err(DriverError::InvalidInput(_))),
            "{refused:?}"
        );
    }
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut conn).unwrap();
    assert_eq!(ttl, -1);

    let ten_years = 10 * 365 * 86_400;
    let set = driver::expire(&client, &key, ten_years).await.unwrap();
    assert!(
        matches!(set, Ttl::ExpiresIn(ms) if ms > (ten_years - 10) * 1000),
        "{set:?}"
    );
}

#[tokio::test]
async fn server_errors_read_in_the_servers_own_words() {
    let server = RedisServer::start();
    let Err(error) = driver::connect(&server.target(1), 99, timeouts()).await else {
        panic!("database 99 does not exist on a default server");
    };
    let message = error.to_string();
    assert!(message.contains("DB index is out of range"), "{message}");
    assert!(!message.contains("ResponseError"), "{message}");
}
