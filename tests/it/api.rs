//! The REST API end to end: real registry, real redis-server, every request
//! through the whole router. Covers case B04 (URL syntax in key names),
//! binary keys and values, paging, TTL rules (B11), the error contract and
//! the OpenAPI document.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dbdeck::config::Settings;
use percent_encoding::{NON_ALPHANUMERIC, percent_encode};
use serde_json::{Value, json};

use crate::support::api::Api;
use crate::support::redis::RedisServer;

/// `/api/v1/redis/c/keys/{key}` with the key encoded exactly once.
fn key_path(key: &[u8]) -> String {
    format!(
        "/api/v1/redis/c/keys/{}",
        percent_encode(key, NON_ALPHANUMERIC)
    )
}

async fn api_on(server: &RedisServer) -> Api {
    Api::with(Settings::default(), &[("c", &server.url(), false)]).await
}

fn set(server: &RedisServer, key: &[u8], value: &[u8]) {
    redis::cmd("SET")
        .arg(key)
        .arg(value)
        .query::<()>(&mut server.conn())
        .unwrap();
}

#[tokio::test]
async fn b04_url_syntax_in_key_names_opens_each_keys_own_value() {
    let server = RedisServer::start();
    let keys: [(&str, &str); 5] = [
        ("x:y/0:z", "v1"),
        ("cache:http%3A%2F%2Fexample.com%2Fa", "v2"),
        ("cache:http://example.com/a", "v3"),
        ("q?a=1#frag", "v4"),
        ("sp ace+plus", "v5"),
    ];
    for (key, value) in keys {
        set(&server, key.as_bytes(), value.as_bytes());
    }
    let api = api_on(&server).await;

    for (key, value) in keys {
        let reply = api.get(&key_path(key.as_bytes())).await;
        assert_eq!(reply.status, StatusCode::OK, "{key}: {}", reply.text);
        let body = reply.json();
        assert_eq!(body["key"], key);
        assert_eq!(body["value"]["data"], value, "{key}");

        let b64 = URL_SAFE_NO_PAD.encode(key);
        let path = format!("/api/v1/redis/c/keys/{b64}?key_encoding=base64url");
        assert_eq!(api.get(&path).await.json()["value"]["data"], value, "{key}");
    }
    // A literal `+` in the path is a plus, never a space.
    let reply = api.get("/api/v1/redis/c/keys/sp%20ace+plus").await;
    assert_eq!(reply.json()["value"]["data"], "v5");
}

#[tokio::test]
async fn binary_keys_and_values_round_trip_as_base64() {
    let server = RedisServer::start();
    let key = b"u:\x92\xb5host:5000/admin/\xc0";
    set(&server, key, b"\xfe\x00");
    let api = api_on(&server).await;
    let b64 = base64::engine::general_purpose::STANDARD;

    let body = api.get(&key_path(key)).await.json();
    assert_eq!(body["key"], json!({"base64": b64.encode(key)}));
    assert_eq!(body["type"], "string");
    assert_eq!(body["ttl_ms"], -1);
    assert_eq!(body["value"]["data"], json!({"base64": "/gA="}));

    let reply = api
        .put(&key_path(key), json!({"value": {"base64": "//8A"}}))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let stored: Vec<u8> = redis::cmd("GET")
        .arg(key)
        .query(&mut server.conn())
        .unwrap();
    assert_eq!(stored, b"\xff\xff\x00");

    assert_eq!(
        api.delete(&key_path(key)).await.status,
        StatusCode::NO_CONTENT
    );
    let exists: i64 = redis::cmd("EXISTS")
        .arg(key)
        .query(&mut server.conn())
        .unwrap();
    assert_eq!(exists, 0);
    let gone = api.get(&key_path(key)).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.problem_code(), "not_found");
    assert_eq!(
        api.delete(&key_path(key)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn key_pages_follow_their_cursor_to_every_key_once() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    for i in 0..120 {
        redis::cmd("SET")
            .arg(format!("k:{i}"))
            .arg(i)
            .query::<()>(&mut conn)
            .unwrap();
    }
    redis::cmd("HSET")
        .arg("other")
        .arg("f")
        .arg("v")
        .query::<()>(&mut conn)
        .unwrap();
    let api = api_on(&server).await;

    let mut seen = BTreeSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..200 {
        let mut path = "/api/v1/redis/c/keys?pattern=k:*&count=10".to_owned();
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = api.get(&path).await.json();
        for item in page["items"].as_array().unwrap() {
            assert_eq!(item["type"], "string");
            assert_eq!(item["ttl_ms"], -1);
            assert!(item["size"].as_u64().unwrap() > 0);
            seen.insert(item["key"].as_str().unwrap().to_owned());
        }
        assert!(page["scanned"].as_u64().unwrap() >= 1);
        if page["complete"] == true {
            assert!(page["next_cursor"].is_null());
            break;
        }
        cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen.len(), 120);

    let hashes = api.get("/api/v1/redis/c/keys?type=hash").await.json();
    assert_eq!(hashes["items"][0]["key"], "other");
    assert_eq!(hashes["items"].as_array().unwrap().len(), 1);

    let literal = api
        .get("/api/v1/redis/c/keys?pattern=k:11&literal=true&count=1000")
        .await;
    let found: BTreeSet<_> = literal.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        found,
        [
            "k:11", "k:110", "k:111", "k:112", "k:113", "k:114", "k:115", "k:116", "k:117",
            "k:118", "k:119"
        ]
        .map(String::from)
        .into()
    );
}

async fn seeded_collections() -> (RedisServer, Api) {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let commands: [&[&[u8]]; 7] = [
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
        &[b"RPUSH", b"l:bin", b"a", b"\xff", b"c"],
        &[
            b"ZADD",
            b"z:s",
            b"1447852714",
            b"a",
            b"100000000060000",
            b"b",
            b"1.1",
            b"c",
            b"inf",
            b"d",
            b"-inf",
            b"e",
        ],
        &[
            b"XADD",
            b"s1",
            b"1-1",
            b"sensor-id",
            b"1",
            b"temperature",
            b"1",
        ],
        &[b"XADD", b"s1", b"1-2", b"note", "héllo".as_bytes()],
        &[b"XADD", b"s1", b"1-3", b"raw", b"\xff\x00"],
        &[b"SET", b"s", b"v"],
    ];
    for args in commands {
        let mut cmd = redis::cmd(std::str::from_utf8(args[0]).unwrap());
        for arg in &args[1..] {
            cmd.arg(*arg);
        }
        cmd.query::<()>(&mut conn).unwrap();
    }
    let api = api_on(&server).await;
    (server, api)
}

fn members_path(key: &[u8], query: &str) -> String {
    format!("{}/members{query}", key_path(key))
}

#[tokio::test]
async fn b03_hash_members_keep_every_pair() {
    let (_server, api) = seeded_collections().await;
    let hash = api.get(&members_path(b"h:bin", "")).await.json();
    let mut rows: Vec<Value> = hash["items"].as_array().unwrap().clone();
    rows.sort_by_key(|r| r["field"].as_str().unwrap().to_owned());
    let expected = vec![
        json!({"field": "f1", "value": "alpha"}),
        json!({"field": "f2", "value": {"base64": "//4AAQ=="}}),
        json!({"field": "f3", "value": "gamma"}),
    ];
    assert_eq!(rows, expected);
    let detail = api.get(&key_path(b"h:bin")).await.json();
    assert_eq!(detail["value"], json!({"kind": "collection", "length": 3}));
}

#[tokio::test]
async fn b03_list_members_page_by_index() {
    let (_server, api) = seeded_collections().await;
    let list = api.get(&members_path(b"l:bin", "?count=2")).await.json();
    let first = json!([{"index": 0, "value": "a"}, {"index": 1, "value": {"base64": "/w=="}}]);
    assert_eq!(list["items"], first);
    assert_eq!(list["complete"], false);

    let next = list["next_cursor"].as_str().unwrap();
    let rest = api
        .get(&members_path(b"l:bin", &format!("?cursor={next}")))
        .await
        .json();
    assert_eq!(rest["items"], json!([{"index": 2, "value": "c"}]));
    assert_eq!(rest["complete"], true);
    let jump = api.get(&members_path(b"l:bin", "?start=2")).await.json();
    assert_eq!(jump["items"], rest["items"]);
}

#[tokio::test]
async fn zset_scores_come_back_as_the_server_wrote_them() {
    let (server, api) = seeded_collections().await;
    let zset = api.get(&members_path(b"z:s", "")).await.json();
    let scores: Vec<(Value, Value)> = zset["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["member"].clone(), m["score"].clone()))
        .collect();
    // The scores as this server writes them (Redis 7.0 sends 1.1 as
    // 1.1000000000000001 over RESP2, 7.2 as 1.1): passed on untouched.
    let mut conn = server.conn();
    let expected: Vec<(Value, Value)> = ["e", "c", "a", "b", "d"]
        .into_iter()
        .map(|member| {
            let score: String = redis::cmd("ZSCORE")
                .arg("z:s")
                .arg(member)
                .query(&mut conn)
                .unwrap();
            (json!(member), json!(score))
        })
        .collect();
    assert_eq!(scores, expected);
    assert_eq!(scores[0].1, "-inf");
    assert_eq!(scores[3].1, "100000000060000");
    assert_eq!(scores[4].1, "inf");
}

#[tokio::test]
async fn b08_stream_entries_keep_field_order_and_escape_only_binary() {
    let (_server, api) = seeded_collections().await;
    let stream = api.get(&members_path(b"s1", "?count=2")).await.json();
    let first = json!([
        {"id": "1-1", "fields": [
            {"field": "sensor-id", "value": "1"}, {"field": "temperature", "value": "1"}]},
        {"id": "1-2", "fields": [{"field": "note", "value": "héllo"}]},
    ]);
    assert_eq!(stream["items"], first);

    let next = stream["next_cursor"].as_str().unwrap();
    let query = format!("?count=2&cursor={next}");
    let last = api.get(&members_path(b"s1", &query)).await.json();
    let raw = json!([{"id": "1-3", "fields": [{"field": "raw", "value": {"base64": "/wA="}}]}]);
    assert_eq!(last["items"], raw);
    assert_eq!(last["complete"], true);
}

#[tokio::test]
async fn members_of_a_string_or_a_missing_key_are_refused() {
    let (_server, api) = seeded_collections().await;
    let string = api.get(&members_path(b"s", "")).await;
    assert_eq!(string.problem_code(), "wrong_type");
    let missing = api.get(&members_path(b"nope", "")).await;
    assert_eq!(missing.problem_code(), "not_found");
}

#[tokio::test]
async fn b11_ttl_minus_one_persists_and_zero_is_refused() {
    let server = RedisServer::start();
    redis::cmd("SET")
        .arg("k")
        .arg("v")
        .arg("EX")
        .arg(600)
        .query::<()>(&mut server.conn())
        .unwrap();
    let api = api_on(&server).await;
    let expire = format!("{}/expire", key_path(b"k"));

    let set = api.post(&expire, json!({"ttl": 1200})).await.json();
    let ms = set["ttl_ms"].as_i64().unwrap();
    assert!((1_190_000..=1_200_000).contains(&ms), "{ms}");

    assert_eq!(
        api.post(&expire, json!({"ttl": -1})).await.json()["ttl_ms"],
        -1
    );
    let pttl: i64 = redis::cmd("PTTL")
        .arg("k")
        .query(&mut server.conn())
        .unwrap();
    assert_eq!(pttl, -1);

    for refused in [
        json!({"ttl": 0}),
        json!({"ttl": -5}),
        json!({}),
        json!({"ttl": 5, "persist": true}),
    ] {
        let reply = api.post(&expire, refused.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(reply.problem_code(), "invalid_input");
    }
    let exists: i64 = redis::cmd("EXISTS")
        .arg("k")
        .query(&mut server.conn())
        .unwrap();
    assert_eq!(exists, 1);

    api.post(&expire, json!({"ttl": 60})).await;
    assert_eq!(
        api.post(&expire, json!({"persist": true})).await.json()["ttl_ms"],
        -1
    );
    let missing = api
        .post(&format!("{}/expire", key_path(b"nope")), json!({"ttl": 5}))
        .await;
    assert_eq!(missing.problem_code(), "not_found");
}

#[tokio::test]
async fn strings_are_created_once_and_read_by_range() {
    let server = RedisServer::start();
    let api = api_on(&server).await;
    let body = json!({"key": "big", "value": "0123456789", "ttl": 300});
    assert_eq!(
        api.post("/api/v1/redis/c/keys", body.clone()).await.status,
        StatusCode::CREATED
    );
    let again = api.post("/api/v1/redis/c/keys", body).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.problem_code(), "conflict");

    let chunk = api
        .get(&format!("{}?offset=4&length=3", key_path(b"big")))
        .await
        .json();
    assert_eq!(
        chunk["value"],
        json!({"kind": "string", "length": 10, "offset": 4, "data": "456", "truncated": true})
    );
    assert!(chunk["ttl_ms"].as_i64().unwrap() > 290_000);

    let hash = json!({"key": "h", "type": "hash", "value": "x"});
    assert_eq!(
        api.post("/api/v1/redis/c/keys", hash).await.problem_code(),
        "invalid_input"
    );
}

#[tokio::test]
async fn errors_are_problems_with_stable_codes() {
    let mut server = RedisServer::start();
    redis::cmd("HSET")
        .arg("h")
        .arg("f")
        .arg("v")
        .query::<()>(&mut server.conn())
        .unwrap();
    set(&server, b"s", b"v");
    let api = Api::with(
        Settings::default(),
        &[("c", &server.url(), false), ("ro", &server.url(), true)],
    )
    .await;

    let cases: Vec<(Method, String, Option<&str>, u16, &str)> = vec![
        (
            Method::GET,
            "/api/v1/redis/nope/keys".into(),
            None,
            404,
            "not_found",
        ),
        (
            Method::GET,
            "/api/v1/nowhere".into(),
            None,
            404,
            "not_found",
        ),
        (
            Method::PUT,
            key_path(b"h"),
            Some(r#"{"value": "x"}"#),
            409,
            "wrong_type",
        ),
        (
            Method::PUT,
            key_path(b"missing"),
            Some(r#"{"value": "x"}"#),
            404,
            "not_found",
        ),
        (
            Method::PUT,
            "/api/v1/redis/ro/keys/s".into(),
            Some(r#"{"value": "x"}"#),
            403,
            "read_only",
        ),
        (
            Method::DELETE,
            "/api/v1/redis/ro/keys/s".into(),
            None,
            403,
            "read_only",
        ),
        (
            Method::PUT,
            key_path(b"s"),
            Some("{not json"),
            400,
            "invalid_input",
        ),
        (
            Method::PUT,
            key_path(b"s"),
            Some(r#"{"value": {"base64": "!!"}}"#),
            400,
            "invalid_input",
        ),
        (
            Method::PUT,
            key_path(b"s"),
            Some(r#"{"value": "x", "extra": 1}"#),
            400,
            "invalid_input",
        ),
        (
            Method::GET,
            "/api/v1/redis/c/keys?cursor=zz".into(),
            None,
            400,
            "invalid_input",
        ),
        (
            Method::GET,
            "/api/v1/redis/c/keys?count=-1".into(),
            None,
            400,
            "invalid_input",
        ),
        (
            Method::GET,
            "/api/v1/redis/c/keys?cuont=5".into(),
            None,
            400,
            "invalid_input",
        ),
        (
            Method::GET,
            "/api/v1/redis/c/keys?db=99999".into(),
            None,
            502,
            "upstream_error",
        ),
        (
            Method::GET,
            format!("{}/members?cursor=a-x", key_path(b"h")),
            None,
            400,
            "invalid_input",
        ),
        (
            Method::GET,
            format!("{}?key_encoding=hex", key_path(b"h")),
            None,
            400,
            "invalid_input",
        ),
        (
            Method::GET,
            format!("{}/members", key_path(b"s")),
            None,
            409,
            "wrong_type",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let reply = api
            .send(method.clone(), &path, body.map(str::to_owned))
            .await;
        assert_eq!(
            reply.status.as_u16(),
            status,
            "{method} {path}: {}",
            reply.text
        );
        assert_eq!(reply.problem_code(), code, "{method} {path}");
    }
    let stored: String = redis::cmd("GET")
        .arg("s")
        .query(&mut server.conn())
        .unwrap();
    assert_eq!(stored, "v");

    server.stop();
    let down = api.get("/api/v1/redis/c/keys").await;
    assert_eq!(
        down.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        down.text
    );
    assert_eq!(down.problem_code(), "upstream_unavailable");
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let server = RedisServer::start();
    set(&server, b"s", b"v");
    let mut settings = Settings::default();
    settings.api.max_body_bytes = 1024;
    let api = Api::with(settings, &[("c", &server.url(), false)]).await;
    let big = json!({"value": "x".repeat(4096)}).to_string();
    let reply = api.send(Method::PUT, &key_path(b"s"), Some(big)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.problem_code(), "too_large");
}

#[tokio::test]
async fn b33_connections_keep_passwords_write_only() {
    let server = RedisServer::start();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("p#ss@w/rd:%?")
        .query::<()>(&mut server.conn())
        .unwrap();
    let api = Api::with(Settings::default(), &[]).await;
    let encoded = format!(
        "redis://:p%23ss%40w%2Frd%3A%25%3F@127.0.0.1:{}/0",
        server.port()
    );

    let created = api
        .post(
            "/api/v1/connections",
            json!({"name": "cache", "url": encoded}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let body = created.json();
    assert_eq!(body["has_password"], true);
    assert_eq!(
        body["url"],
        format!("redis://127.0.0.1:{}/0", server.port())
    );
    assert!(!created.text.contains("p%23ss") && !created.text.contains("p#ss"));

    let raw = format!("redis://:p#ss@w/rd:%?@127.0.0.1:{}/0", server.port());
    let refused = api
        .post("/api/v1/connections", json!({"name": "raw", "url": raw}))
        .await;
    assert_eq!(refused.problem_code(), "invalid_input");
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("password")
    );
    assert!(!refused.text.contains("p#ss"));

    let duplicate = api
        .post(
            "/api/v1/connections",
            json!({"name": "cache", "url": server.url()}),
        )
        .await;
    assert_eq!(duplicate.problem_code(), "conflict");

    let list = api.get("/api/v1/connections").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["complete"], true);

    let renamed = api
        .put(
            "/api/v1/connections/cache",
            json!({"name": "main", "url": server.url(), "read_only": true}),
        )
        .await;
    assert_eq!(renamed.json()["name"], "main");
    assert_eq!(renamed.json()["read_only"], true);
    let id = renamed.json()["id"].as_i64().unwrap();
    assert_eq!(
        api.get(&format!("/api/v1/connections/{id}")).await.json()["name"],
        "main"
    );

    let tested = api
        .post("/api/v1/connections/main/test", json!({}))
        .await
        .json();
    assert!(
        tested["version"]
            .as_str()
            .unwrap()
            .starts_with(|c: char| c.is_ascii_digit())
    );
    assert_eq!(tested["mode"], "standalone");

    assert_eq!(
        api.delete("/api/v1/connections/main").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get("/api/v1/connections/main").await.problem_code(),
        "not_found"
    );
}

#[tokio::test]
async fn every_documented_route_is_served_and_every_route_documented() {
    let server = RedisServer::start();
    let api = api_on(&server).await;
    let doc = api.get("/api/v1/openapi.json").await.json();
    let paths: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let expected: BTreeSet<String> = [
        "/api/v1/connections",
        "/api/v1/connections/{conn}",
        "/api/v1/connections/{conn}/test",
        "/api/v1/mongo/{conn}/databases",
        "/api/v1/mongo/{conn}/databases/{db}/collections",
        "/api/v1/mongo/{conn}/databases/{db}/collections/{coll}",
        "/api/v1/mongo/{conn}/databases/{db}/collections/{coll}/aggregate",
        "/api/v1/mongo/{conn}/databases/{db}/collections/{coll}/documents",
        "/api/v1/mongo/{conn}/databases/{db}/collections/{coll}/documents/{id}",
        "/api/v1/mongo/{conn}/databases/{db}/collections/{coll}/indexes",
        "/api/v1/mongo/{conn}/databases/{db}/collections/{coll}/indexes/{name}",
        "/api/v1/redis/{conn}/bulk",
        "/api/v1/redis/{conn}/clients",
        "/api/v1/redis/{conn}/databases",
        "/api/v1/redis/{conn}/info",
        "/api/v1/redis/{conn}/keys",
        "/api/v1/redis/{conn}/keys/{key}",
        "/api/v1/redis/{conn}/keys/{key}/copy",
        "/api/v1/redis/{conn}/keys/{key}/expire",
        "/api/v1/redis/{conn}/keys/{key}/members",
        "/api/v1/redis/{conn}/keys/{key}/rename",
        "/api/v1/redis/{conn}/pubsub",
        "/api/v1/redis/{conn}/slowlog",
        "/api/v1/sql/{conn}/query",
        "/api/v1/sql/{conn}/schemas",
        "/api/v1/sql/{conn}/schemas/{schema}/tables",
        "/api/v1/sql/{conn}/schemas/{schema}/tables/{table}",
        "/api/v1/sql/{conn}/schemas/{schema}/tables/{table}/rows",
        "/api/v1/tokens",
        "/api/v1/tokens/{name}",
    ]
    .map(String::from)
    .into();
    assert_eq!(paths, expected);

    // Each documented operation reaches a handler, never the fallback.
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let concrete = path
                .replace("{conn}", "c")
                .replace("{key}", "nokey")
                .replace("{name}", "notoken");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let reply = api.send(method.clone(), &concrete, Some("{}".into())).await;
            let fallback = reply.text.contains("no such route");
            assert!(
                !fallback,
                "{method} {concrete} is documented but not routed"
            );
            assert!(
                reply.status.as_u16() < 500,
                "{method} {concrete}: {}",
                reply.text
            );
        }
    }
}

#[tokio::test]
async fn a_real_listener_serves_and_shuts_down_gracefully() {
    let api = Api::with(Settings::default(), &[]).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(dbdeck::api::serve_on(
        api.service.clone(),
        listener,
        async move {
            let _ = stopped.await;
        },
    ));

    let reply = raw_get(addr, "/healthz").await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.ends_with("ok"), "{reply}");
    let ready = raw_get(addr, "/readyz").await;
    assert!(ready.ends_with("ready"), "{ready}");
    let listed = raw_get(addr, "/api/v1/connections").await;
    let body: Value = serde_json::from_str(listed.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["items"], json!([]));

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// A plain HTTP/1.1 GET over a socket, read to the end.
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    reply
}
