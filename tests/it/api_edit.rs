//! The REST API's Redis writes beyond a string's value: creating a key of
//! every type, member-level edits, rename and copy, against a real
//! redis-server. Bytes that are not UTF-8 and exact scores round-trip.

use axum::http::StatusCode;
use dbdeck::config::Settings;
use serde_json::{Value, json};

use crate::support::api::Api;
use crate::support::redis::RedisServer;

async fn api_on(server: &RedisServer, read_only: bool) -> Api {
    Api::with(Settings::default(), &[("c", &server.url(), read_only)]).await
}

/// Every member of a key, read through the API.
async fn members(api: &Api, key: &str) -> Vec<Value> {
    let reply = api
        .get(&format!("/api/v1/redis/c/keys/{key}/members?count=100"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn edit(api: &Api, key: &str, body: Value) -> crate::support::api::Reply {
    api.post(&format!("/api/v1/redis/c/keys/{key}/members"), body)
        .await
}

#[tokio::test]
async fn keys_of_every_type_are_created_with_their_values_exactly() {
    let server = RedisServer::start();
    let api = api_on(&server, false).await;
    let created = [
        json!({"key": "h", "type": "hash", "ttl": 600,
               "value": [{"field": {"base64": "/w=="}, "value": "v1"}, {"field": "f", "value": {"base64": "AP8="}}]}),
        json!({"key": "l", "type": "list", "value": ["a", {"base64": "/w=="}, "c"]}),
        json!({"key": "s", "type": "set", "value": ["only"]}),
        json!({"key": "z", "type": "zset", "value": [
            {"member": "a", "score": "1447852714"}, {"member": "b", "score": "100000000060000"},
            {"member": "c", "score": "1.1"}, {"member": "d", "score": "inf"},
            {"member": "e", "score": "-inf"}]}),
        json!({"key": "x", "type": "stream", "value": {"id": "5-1", "fields": [
            {"field": "b", "value": "2"}, {"field": "a", "value": "1"}]}}),
    ];
    for body in created {
        let reply = api.post("/api/v1/redis/c/keys", body.clone()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{body}: {}", reply.text);
    }

    let hash = members(&api, "h").await;
    assert_eq!(hash.len(), 2, "{hash:?}");
    assert!(hash.contains(&json!({"field": {"base64": "/w=="}, "value": "v1"})));
    assert!(hash.contains(&json!({"field": "f", "value": {"base64": "AP8="}})));
    let ttl = api.get("/api/v1/redis/c/keys/h").await.json()["ttl_ms"]
        .as_i64()
        .unwrap_or_default();
    assert!((590_000..=600_000).contains(&ttl), "{ttl}");

    let list = members(&api, "l").await;
    let values: Vec<&Value> = list.iter().map(|item| &item["value"]).collect();
    assert_eq!(
        values,
        [&json!("a"), &json!({"base64": "/w=="}), &json!("c")]
    );

    let scores: Vec<(String, String)> = members(&api, "z")
        .await
        .iter()
        .map(|m| {
            (
                m["member"].as_str().unwrap_or_default().to_owned(),
                m["score"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    // 1.1 is stored as a double; the API shows the server's own text for it
    // (`1.1000000000000001` before Redis 7.2), which ZSCORE also gives.
    let c_score: String = redis::cmd("ZSCORE")
        .arg("z")
        .arg("c")
        .query(&mut server.conn())
        .unwrap();
    let expected = [
        ("e", "-inf"),
        ("c", c_score.as_str()),
        ("a", "1447852714"),
        ("b", "100000000060000"),
        ("d", "inf"),
    ]
    .map(|(m, s)| (m.to_owned(), s.to_owned()));
    assert_eq!(scores, expected);

    let stream = members(&api, "x").await;
    assert_eq!(stream.len(), 1);
    assert_eq!(stream[0]["id"], "5-1");
    assert_eq!(
        stream[0]["fields"],
        json!([{"field": "b", "value": "2"}, {"field": "a", "value": "1"}])
    );
}

#[tokio::test]
async fn creating_refuses_a_taken_name_a_bad_shape_and_an_unknown_type() {
    let server = RedisServer::start();
    let api = api_on(&server, false).await;
    let body = json!({"key": "k", "type": "set", "value": ["m"]});
    assert_eq!(
        api.post("/api/v1/redis/c/keys", body.clone()).await.status,
        StatusCode::CREATED
    );
    let taken = api.post("/api/v1/redis/c/keys", body).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.problem_code(), "conflict");

    let bad_shape = json!({"key": "k2", "type": "zset", "value": ["no score"]});
    let reply = api.post("/api/v1/redis/c/keys", bad_shape).await;
    assert_eq!(reply.problem_code(), "invalid_input", "{}", reply.text);
    let bad_score =
        json!({"key": "k2", "type": "zset", "value": [{"member": "m", "score": "nan"}]});
    let reply = api.post("/api/v1/redis/c/keys", bad_score).await;
    assert_eq!(reply.problem_code(), "invalid_input", "{}", reply.text);
    let unknown = json!({"key": "k2", "type": "bitmap", "value": "x"});
    let reply = api.post("/api/v1/redis/c/keys", unknown).await;
    assert_eq!(reply.problem_code(), "invalid_input");
    assert!(reply.text.contains("bitmap"), "{}", reply.text);
    let exists: bool = redis::cmd("EXISTS")
        .arg("k2")
        .query(&mut server.conn())
        .unwrap();
    assert!(!exists, "a refused create must write nothing");
}

#[tokio::test]
async fn member_edits_change_each_type_and_say_what_changed() {
    let server = RedisServer::start();
    let api = api_on(&server, false).await;
    let mut conn = server.conn();
    redis::cmd("HSET")
        .arg("h")
        .arg("a")
        .arg("1")
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("RPUSH")
        .arg("l")
        .arg(&["x", "y", "x", "z"][..])
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("SADD")
        .arg("s")
        .arg("m")
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("ZADD")
        .arg("z")
        .arg(1)
        .arg("m")
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("XADD")
        .arg("x")
        .arg("1-1")
        .arg("f")
        .arg("v")
        .query::<()>(&mut conn)
        .unwrap();

    let cases = [
        (
            "h",
            json!({"op": "hash_set", "field": {"base64": "/w=="}, "value": "new"}),
            json!({"changed": 1, "length": null, "id": null}),
        ),
        (
            "h",
            json!({"op": "hash_delete", "fields": ["a"]}),
            json!({"changed": 1, "length": null, "id": null}),
        ),
        (
            "l",
            json!({"op": "list_push", "end": "head", "items": ["first"]}),
            json!({"changed": null, "length": 5, "id": null}),
        ),
        (
            "l",
            json!({"op": "list_set", "index": -1, "item": "last"}),
            json!({"changed": null, "length": null, "id": null}),
        ),
        (
            "l",
            json!({"op": "list_remove", "count": 0, "item": "x"}),
            json!({"changed": 2, "length": null, "id": null}),
        ),
        (
            "s",
            json!({"op": "set_add", "members": ["n", "m"]}),
            json!({"changed": 1, "length": null, "id": null}),
        ),
        (
            "z",
            json!({"op": "zset_add", "member": "m", "score": "100000000060000"}),
            json!({"changed": 0, "length": null, "id": null}),
        ),
        (
            "x",
            json!({"op": "stream_add", "id": "2-0", "fields": [{"field": "k", "value": "v"}]}),
            json!({"changed": null, "length": null, "id": "2-0"}),
        ),
        (
            "x",
            json!({"op": "stream_delete", "ids": ["1-1"]}),
            json!({"changed": 1, "length": null, "id": null}),
        ),
    ];
    for (key, body, expected) in cases {
        let reply = edit(&api, key, body.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{body}: {}", reply.text);
        assert_eq!(reply.json(), expected, "{body}");
    }

    let field: Vec<u8> = redis::cmd("HGET")
        .arg("h")
        .arg(b"\xff")
        .query(&mut conn)
        .unwrap();
    assert_eq!(field, b"new");
    let list: Vec<String> = redis::cmd("LRANGE")
        .arg("l")
        .arg(0)
        .arg(-1)
        .query(&mut conn)
        .unwrap();
    assert_eq!(list, ["first", "y", "last"]);
    let score: String = redis::cmd("ZSCORE")
        .arg("z")
        .arg("m")
        .query(&mut conn)
        .unwrap();
    assert_eq!(score, "100000000060000");
    let entries: usize = redis::cmd("XLEN").arg("x").query(&mut conn).unwrap();
    assert_eq!(entries, 1);
}

#[tokio::test]
async fn an_edit_never_recreates_a_deleted_key_nor_crosses_types() {
    let server = RedisServer::start();
    let api = api_on(&server, false).await;
    let gone = edit(&api, "nothing", json!({"op": "set_add", "members": ["m"]})).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);
    let exists: bool = redis::cmd("EXISTS")
        .arg("nothing")
        .query(&mut server.conn())
        .unwrap();
    assert!(!exists);

    redis::cmd("SET")
        .arg("str")
        .arg("v")
        .query::<()>(&mut server.conn())
        .unwrap();
    let wrong = edit(
        &api,
        "str",
        json!({"op": "hash_set", "field": "f", "value": "v"}),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::CONFLICT);
    assert_eq!(wrong.problem_code(), "wrong_type");

    let unknown = edit(&api, "str", json!({"op": "explode"})).await;
    assert_eq!(unknown.problem_code(), "invalid_input");
}

#[tokio::test]
async fn rename_and_copy_refuse_a_taken_name_unless_told_to_overwrite() {
    let server = RedisServer::start();
    let api = api_on(&server, false).await;
    let mut conn = server.conn();
    redis::cmd("SET")
        .arg("a")
        .arg("1")
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("SET")
        .arg("b")
        .arg("2")
        .query::<()>(&mut conn)
        .unwrap();

    let taken = api
        .post("/api/v1/redis/c/keys/a/rename", json!({"to": "b"}))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.text);
    let value: String = redis::cmd("GET").arg("b").query(&mut conn).unwrap();
    assert_eq!(value, "2", "a refused rename must not touch the target");

    let copied = api
        .post(
            "/api/v1/redis/c/keys/a/copy",
            json!({"to": {"base64": "/w=="}}),
        )
        .await;
    assert_eq!(copied.status, StatusCode::CREATED, "{}", copied.text);
    let copy: String = redis::cmd("GET").arg(b"\xff").query(&mut conn).unwrap();
    assert_eq!(copy, "1");

    let over = api
        .post(
            "/api/v1/redis/c/keys/a/rename",
            json!({"to": "b", "overwrite": true}),
        )
        .await;
    assert_eq!(over.status, StatusCode::NO_CONTENT, "{}", over.text);
    let value: String = redis::cmd("GET").arg("b").query(&mut conn).unwrap();
    assert_eq!(value, "1");
    let missing = api
        .post("/api/v1/redis/c/keys/a/rename", json!({"to": "c"}))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
}

#[tokio::test]
async fn a_read_only_connection_refuses_every_edit() {
    let server = RedisServer::start();
    let api = api_on(&server, true).await;
    redis::cmd("SADD")
        .arg("s")
        .arg("m")
        .query::<()>(&mut server.conn())
        .unwrap();
    let replies = [
        edit(&api, "s", json!({"op": "set_remove", "members": ["m"]})).await,
        api.post("/api/v1/redis/c/keys/s/rename", json!({"to": "t"}))
            .await,
        api.post("/api/v1/redis/c/keys/s/copy", json!({"to": "t"}))
            .await,
        api.post(
            "/api/v1/redis/c/keys",
            json!({"key": "n", "type": "list", "value": ["x"]}),
        )
        .await,
    ];
    for reply in replies {
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
        assert_eq!(reply.problem_code(), "read_only");
    }
    let members: usize = redis::cmd("SCARD")
        .arg("s")
        .query(&mut server.conn())
        .unwrap();
    assert_eq!(members, 1);
}

#[tokio::test]
async fn bulk_actions_dry_run_first_then_count_exactly() {
    let server = RedisServer::start();
    let api = api_on(&server, false).await;
    let mut conn = server.conn();
    for i in 0..250 {
        redis::cmd("SET")
            .arg(format!("s:{i}"))
            .arg(i)
            .query::<()>(&mut conn)
            .unwrap();
    }
    redis::cmd("SET")
        .arg("keep")
        .arg(1)
        .query::<()>(&mut conn)
        .unwrap();

    let dry = api
        .post(
            "/api/v1/redis/c/bulk",
            json!({"pattern": "s:*", "action": "delete"}),
        )
        .await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text);
    let dry = dry.json();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["matched"], 250);
    assert_eq!(dry["sample"].as_array().map(Vec::len), Some(20));
    let still: usize = redis::cmd("DBSIZE").query(&mut conn).unwrap();
    assert_eq!(still, 251, "a dry run changes nothing");

    let expire = json!({"pattern": "s:1", "literal": true, "action": "expire", "ttl": 600, "dry_run": false});
    let done = api.post("/api/v1/redis/c/bulk", expire).await.json();
    // Literal "s:1" matches s:1, s:10…s:19 and s:100…s:199.
    assert_eq!(done["matched"], 111);
    assert_eq!(done["succeeded"], 111);
    assert_eq!(done["failed"], 0);
    let ttl: i64 = redis::cmd("TTL").arg("s:150").query(&mut conn).unwrap();
    assert!((590..=600).contains(&ttl), "{ttl}");

    let delete = json!({"pattern": "s:*", "action": "delete", "dry_run": false});
    let done = api.post("/api/v1/redis/c/bulk", delete).await.json();
    assert_eq!(done["matched"], 250);
    assert_eq!(done["succeeded"], 250);
    let left: usize = redis::cmd("DBSIZE").query(&mut conn).unwrap();
    assert_eq!(left, 1);

    let no_ttl = json!({"pattern": "*", "action": "expire", "dry_run": false});
    let reply = api.post("/api/v1/redis/c/bulk", no_ttl).await;
    assert_eq!(reply.problem_code(), "invalid_input");
}

#[tokio::test]
async fn b04_url_syntax_in_key_names_reaches_the_right_key_on_every_write() {
    let server = RedisServer::start();
    let api = api_on(&server, false).await;
    let mut conn = server.conn();
    let key = "a/b%2Fc?d#e+f";
    // The decoy a double decode would reach instead.
    redis::cmd("SADD")
        .arg("a/b/c?d#e+f")
        .arg("decoy")
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("SADD")
        .arg(key)
        .arg("m")
        .query::<()>(&mut conn)
        .unwrap();
    let path = percent_encoding::percent_encode(key.as_bytes(), percent_encoding::NON_ALPHANUMERIC)
        .to_string();

    let added = edit(&api, &path, json!({"op": "set_add", "members": ["n"]})).await;
    assert_eq!(added.json()["changed"], 1, "{}", added.text);
    let renamed = api
        .post(
            &format!("/api/v1/redis/c/keys/{path}/rename"),
            json!({"to": "a/b+c"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::NO_CONTENT, "{}", renamed.text);

    let moved: Vec<String> = redis::cmd("SMEMBERS")
        .arg("a/b+c")
        .query(&mut conn)
        .unwrap();
    assert_eq!(moved.len(), 2, "{moved:?}");
    let decoy: Vec<String> = redis::cmd("SMEMBERS")
        .arg("a/b/c?d#e+f")
        .query(&mut conn)
        .unwrap();
    assert_eq!(decoy, ["decoy"]);
}
