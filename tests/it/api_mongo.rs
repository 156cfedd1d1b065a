//! The MongoDB endpoints end to end against the nx-27017 stand-in, every
//! request through the whole router: the tree, document pages by cursor,
//! typed `_id`s, exact Int64 digits, edits, pipelines under the query
//! policy, indexes, and the token scopes and read-only profiles.
//!
//! Each test seeds a database of its own on the binary's shared stand-in.
//! Where the stand-in differs from MongoDB (DESIGN.md lists how), the test
//! says so and the behaviour is covered by unit tests in `src/api/routes`.

use axum::http::{Method, StatusCode};
use bson::oid::ObjectId;
use bson::{Document, doc};
use dbdeck::config::Settings;
use dbdeck::domain::token::Scope;
use serde_json::{Value, json};

use crate::support::api::{Api, Reply};
use crate::support::mongo::MongoServer;

/// An API with the stand-in saved twice: `m` (writable) and `ro`
/// (read-only), both naming `db` in their URL.
async fn api(db: &str) -> Api {
    let url = MongoServer::shared().url(db);
    Api::with(
        Settings::default(),
        &[("m", &url, false), ("ro", &url, true)],
    )
    .await
}

/// Inserts `docs` into `db.coll` from outside dbdeck.
async fn seed(db: &str, coll: &str, docs: Vec<Document>) {
    MongoServer::shared()
        .client()
        .await
        .database(db)
        .collection::<Document>(coll)
        .insert_many(docs)
        .await
        .unwrap();
}

fn ok(reply: &Reply) -> Value {
    assert!(reply.status.is_success(), "{reply:?}");
    reply.json()
}

/// A query parameter's value, percent-encoded.
fn enc(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn ids(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["_id"].clone())
        .collect()
}

#[tokio::test]
async fn databases_and_collections_with_stats_create_and_drop() {
    seed("api_tree", "book", vec![doc! {"a": 1}, doc! {"a": 2}]).await;
    let api = api("api_tree").await;

    let dbs = ok(&api.get("/api/v1/mongo/m/databases").await);
    let tree = dbs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "api_tree");
    assert_eq!(tree.unwrap()["readable"], true);
    assert_eq!(dbs["complete"], true);

    let base = "/api/v1/mongo/m/databases/api_tree/collections";
    let colls = ok(&api.get(base).await);
    assert_eq!(colls["items"][0]["name"], "book");
    assert_eq!(colls["items"][0]["kind"], "collection");
    assert_eq!(colls["items"][0]["count"], 2);
    assert_eq!(colls["items"][0]["read_only"], false);
    assert_eq!(ok(&api.get(&format!("{base}/book")).await)["count"], 2);

    let created = api.post(base, json!({"name": "fresh"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    // The cached list was dropped by the write.
    let names: Vec<Value> = ok(&api.get(base).await)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, [json!("book"), json!("fresh")]);
    assert_eq!(
        api.delete(&format!("{base}/fresh")).await.status,
        StatusCode::NO_CONTENT
    );
    let gone = api.get(&format!("{base}/fresh")).await;
    assert_eq!(
        (gone.status, gone.problem_code()),
        (StatusCode::NOT_FOUND, "not_found".into())
    );

    // A database with no collections that the server does not list is 404;
    // the stand-in lists every database a client has named, so that case is
    // MongoDB's alone.
    let not_mongo = api.get("/api/v1/mongo/nope/databases").await;
    assert_eq!(not_mongo.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn documents_page_by_cursor_with_filter_projection_and_sort() {
    // Two-digit ids: the stand-in orders `_id`s by their text, which for
    // these agrees with their numeric order.
    let docs = (10..35)
        .map(|i| doc! {"_id": i, "n": i, "odd": i % 2 == 1})
        .collect();
    seed("api_pages", "items", docs).await;
    let api = api("api_pages").await;
    let base = "/api/v1/mongo/m/databases/api_pages/collections/items/documents";

    let mut path = format!("{base}?limit=10");
    let mut seen = Vec::new();
    loop {
        let page = ok(&api.get(&path).await);
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                assert_eq!(page["complete"], false);
                path = format!("{base}?limit=10&cursor={cursor}");
            }
            None => break,
        }
    }
    assert_eq!(seen, (10..35).map(|i| json!(i)).collect::<Vec<_>>());

    let query = format!(
        "{base}?filter={}&projection={}&sort={}&skip=1",
        enc(r#"{"n": {"$gte": 30}, "odd": false}"#),
        enc(r#"{"n": 1}"#),
        enc(r#"{"_id": -1}"#),
    );
    let page = ok(&api.get(&query).await);
    assert_eq!(
        page["items"],
        json!([{"_id": 32, "n": 32}, {"_id": 30, "n": 30}])
    );
    assert_eq!(page["complete"], true);
}

#[tokio::test]
async fn queries_are_strict_extended_json_under_the_policy() {
    seed("api_strict", "items", vec![doc! {"_id": 1}]).await;
    let api = api("api_strict").await;
    let base = "/api/v1/mongo/m/databases/api_strict/collections/items/documents";

    let shell = api
        .get(&format!("{base}?filter={}", enc("{n: NumberLong(1)}")))
        .await;
    assert_eq!(
        (shell.status, shell.problem_code()),
        (StatusCode::BAD_REQUEST, "invalid_input".into())
    );
    assert!(
        shell.json()["detail"]
            .as_str()
            .unwrap()
            .contains("column 2"),
        "{shell:?}"
    );

    let filter = enc(r#"{"$where": "sleep(100) || true"}"#);
    let blocked = api.get(&format!("{base}?filter={filter}")).await;
    assert_eq!(
        (blocked.status, blocked.problem_code()),
        (StatusCode::FORBIDDEN, "command_blocked".into())
    );

    let missing = api
        .get("/api/v1/mongo/m/databases/api_strict/collections/nope/documents")
        .await;
    assert_eq!(missing.problem_code(), "not_found");
    let bad_cursor = api.get(&format!("{base}?cursor=xyz")).await;
    assert_eq!(bad_cursor.problem_code(), "invalid_input");
}

#[tokio::test]
async fn b17_int64_digits_survive_the_rest_api() {
    let api = api("api_b17").await;
    let base = "/api/v1/mongo/m/databases/api_b17/collections/acct/documents";
    let body = json!({"_id": 1, "seed": {"$numberLong": "7578014686129131386"},
        "small": {"$numberLong": "42"}, "max": {"$numberLong": "9223372036854775807"},
        "min": {"$numberLong": "-9223372036854775808"}, "i32": 7, "dbl": {"$numberDouble": "7.0"}});
    let inserted = api.post(base, body).await;
    assert_eq!(inserted.status, StatusCode::CREATED, "{inserted:?}");
    assert_eq!(inserted.json()["_id"], 1);

    let relaxed = ok(&api.get(&format!("{base}/1?id_format=ejson")).await);
    assert_eq!(
        relaxed["seed"],
        json!({"$numberLong": "7578014686129131386"})
    );
    assert_eq!(
        relaxed["max"],
        json!({"$numberLong": "9223372036854775807"})
    );
    assert_eq!(
        relaxed["min"],
        json!({"$numberLong": "-9223372036854775808"})
    );
    // A small Int64 comes back from the stand-in as an Int32, so "small"
    // (Long 42) is checked only at the unit level (`mongo`'s tests).
    assert_eq!(relaxed["i32"], json!(7));
    assert!(relaxed.to_string().contains(r#""dbl":7.0"#), "{relaxed}");

    let canonical = ok(&api
        .get(&format!("{base}/1?id_format=ejson&ejson=canonical"))
        .await);
    assert_eq!(
        canonical["seed"],
        json!({"$numberLong": "7578014686129131386"})
    );
    assert_eq!(canonical["i32"], json!({"$numberInt": "7"}));
    assert_eq!(canonical["dbl"], json!({"$numberDouble": "7.0"}));
}

/// B19 through REST. The stand-in matches `_id` by its text, so 1 and "1",
/// an ObjectId and its hex string, and Int32 1 and Int64 1 collide there,
/// and it cannot filter on a document `_id` or keep a UUID's subtype: those
/// ids are read by `mongo_document`'s and `mongo`'s unit tests. Here: one
/// id of each type the stand-in keeps apart.
#[tokio::test]
async fn b19_ids_of_each_type_open_change_and_delete_their_own_document() {
    let oid = ObjectId::parse_str("5f1d7a2b3c4d5e6f7a8b9c0d").unwrap();
    seed(
        "api_b19",
        "mix",
        vec![
            doc! {"_id": 1, "t": "int"},
            doc! {"_id": "one", "t": "string"},
            doc! {"_id": oid, "t": "oid"},
            doc! {"_id": 1.5, "t": "double"},
        ],
    )
    .await;
    let api = api("api_b19").await;
    let base = "/api/v1/mongo/m/databases/api_b19/collections/mix/documents";
    let cases = [
        ("1?id_format=ejson".to_owned(), "int"),
        (format!("{}?id_format=ejson", enc(r#""one""#)), "string"),
        ("5f1d7a2b3c4d5e6f7a8b9c0d".to_owned(), "oid"),
        (
            format!("{}?id_format=ejson", enc(r#"{"$numberDouble":"1.5"}"#)),
            "double",
        ),
    ];
    for (id, t) in &cases {
        let path = format!("{base}/{id}");
        assert_eq!(ok(&api.get(&path).await)["t"], *t, "{path}");
        let patched = api
            .send(
                Method::PATCH,
                &path,
                Some(json!({"set": {"seen": "yes"}}).to_string()),
            )
            .await;
        assert_eq!(ok(&patched), json!({"matched": 1, "modified": 1}));
        assert_eq!(ok(&api.get(&path).await)["seen"], "yes");
    }
    let oid_doc = ok(&api.get(&format!("{base}/5f1d7a2b3c4d5e6f7a8b9c0d")).await);
    assert_eq!(oid_doc["_id"], json!({"$oid": "5f1d7a2b3c4d5e6f7a8b9c0d"}));

    for (id, _) in &cases {
        assert_eq!(
            api.delete(&format!("{base}/{id}")).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            api.get(&format!("{base}/{id}")).await.problem_code(),
            "not_found"
        );
    }
    let bad = api.get(&format!("{base}/1")).await;
    assert_eq!(
        bad.problem_code(),
        "invalid_input",
        "a bare 1 is not an ObjectId"
    );
}

#[tokio::test]
async fn replace_patch_and_unset_keep_untouched_fields() {
    seed(
        "api_edit",
        "p",
        vec![doc! {"_id": 1, "name": "a", "n": 1_i64 << 40, "old": 1}],
    )
    .await;
    let api = api("api_edit").await;
    let path = "/api/v1/mongo/m/databases/api_edit/collections/p/documents/1?id_format=ejson";

    let patch = json!({"set": {"name": "b"}, "unset": ["old"]}).to_string();
    ok(&api.send(Method::PATCH, path, Some(patch)).await);
    let edited = ok(&api.get(&format!("{path}&ejson=canonical")).await);
    assert_eq!(
        edited,
        json!({"_id": {"$numberInt": "1"}, "name": "b", "n": {"$numberLong": "1099511627776"}})
    );

    let moved = api.put(path, json!({"_id": 2, "name": "c"})).await;
    assert_eq!(moved.problem_code(), "invalid_input");
    ok(&api
        .put(path, json!({"_id": 1, "name": "c", "tags": ["x"]}))
        .await);
    assert_eq!(
        ok(&api.get(path).await),
        json!({"_id": 1, "name": "c", "tags": ["x"]})
    );

    let absent = "/api/v1/mongo/m/databases/api_edit/collections/p/documents/9?id_format=ejson";
    assert_eq!(
        api.put(absent, json!({"name": "z"})).await.problem_code(),
        "not_found"
    );
    assert_eq!(api.delete(absent).await.problem_code(), "not_found");
}

#[tokio::test]
async fn inserts_answer_typed_ids_and_refuse_duplicates() {
    let api = api("api_insert").await;
    let base = "/api/v1/mongo/m/databases/api_insert/collections/c/documents";
    let made = api.post(base, json!({"name": "x"})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    assert!(
        made.json()["_id"]["$oid"]
            .as_str()
            .is_some_and(|h| h.len() == 24)
    );

    let long = api
        .post(base, json!({"_id": {"$numberLong": "9007199254740993"}}))
        .await;
    assert_eq!(
        long.json()["_id"],
        json!({"$numberLong": "9007199254740993"})
    );
    let again = api
        .post(base, json!({"_id": {"$numberLong": "9007199254740993"}}))
        .await;
    assert_eq!(
        (again.status, again.problem_code()),
        (StatusCode::CONFLICT, "conflict".into())
    );
    let shell = api
        .send(Method::POST, base, Some(r#"{"a": {"$oid": "zz"}}"#.into()))
        .await;
    assert_eq!(shell.problem_code(), "invalid_input");
}

#[tokio::test]
async fn pipelines_run_capped_and_the_policy_holds() {
    let docs = vec![
        doc! {"url": "u1", "author": "a", "status": 1},
        doc! {"url": "u1", "author": "a", "status": 2},
        doc! {"url": "u2", "author": "b", "status": 4},
    ];
    seed("api_agg", "book", docs).await;
    let api = api("api_agg").await;
    let read = token(&api, "r", Scope::Read).await;
    let write = token(&api, "w", Scope::Write).await;
    let path =
        |conn: &str| format!("/api/v1/mongo/{conn}/databases/api_agg/collections/book/aggregate");
    let run = |conn: &str, body: Value, token: &str| {
        let path = path(conn);
        let token = token.to_owned();
        let api = &api;
        async move {
            api.request(Method::POST, &path, Some(body.to_string()), Some(&token))
                .await
        }
    };

    let group = json!({"pipeline": [{"$match": {"url": "u1"}},
        {"$group": {"_id": "$author", "s": {"$sum": "$status"}, "c": {"$sum": 1}}}]});
    let grouped = ok(&run("m", group, &read).await);
    assert_eq!(
        grouped,
        json!({"items": [{"_id": "a", "s": 3, "c": 2}], "complete": true})
    );

    let capped = ok(&run(
        "m",
        json!({"pipeline": [{"$sort": {"status": 1}}], "limit": 2}),
        &read,
    )
    .await);
    assert_eq!(
        (
            capped["items"].as_array().unwrap().len(),
            capped["complete"].clone()
        ),
        (2, json!(false))
    );

    for stage in [
        json!({"$match": {"$where": "true"}}),
        json!({"$addFields": {"x": {"$function": {"body": "f", "args": [], "lang": "js"}}}}),
    ] {
        let refused = run("m", json!({"pipeline": [stage]}), &write).await;
        assert_eq!(
            (refused.status, refused.problem_code()),
            (StatusCode::FORBIDDEN, "command_blocked".into())
        );
    }

    let out = json!({"pipeline": [{"$match": {}}, {"$out": "copy"}]});
    assert_eq!(
        run("m", out.clone(), &read).await.problem_code(),
        "forbidden"
    );
    assert_eq!(
        run("ro", out.clone(), &write).await.problem_code(),
        "read_only"
    );
    let written = run("m", out, &write).await;
    assert_ne!(written.status, StatusCode::FORBIDDEN, "{written:?}");
}

async fn token(api: &Api, name: &str, scope: Scope) -> String {
    api.service
        .create_token(name.into(), scope, &[], None)
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn indexes_are_listed_created_and_dropped() {
    seed("api_idx", "users", vec![doc! {"email": "a@x"}]).await;
    let api = api("api_idx").await;
    let base = "/api/v1/mongo/m/databases/api_idx/collections/users/indexes";

    let body = json!({"key": {"email": 1}, "options": {"unique": true, "name": "by_email"}});
    let created = api.post(base, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.json()["name"], "by_email");

    // The stand-in's listIndexes reports names of its own, so the index is
    // found by its key and dropped by the name listed.
    let listed = ok(&api.get(base).await);
    let by_email = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == json!({"email": 1}));
    let by_email = by_email.unwrap();
    assert_eq!(by_email["unique"], true);
    let name = by_email["name"].as_str().unwrap().to_owned();

    let dropped = api.delete(&format!("{base}/{}", enc(&name))).await;
    assert_eq!(dropped.status, StatusCode::NO_CONTENT, "{dropped:?}");
    let names: Vec<Value> = ok(&api.get(base).await)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].clone())
        .collect();
    assert!(!names.contains(&json!(name)), "{names:?}");
    let missing = api
        .get("/api/v1/mongo/m/databases/api_idx/collections/nope/indexes")
        .await;
    assert_eq!(missing.problem_code(), "not_found");
}

/// A token, a request, and the status (and problem code) it must get.
type Case<'a> = (&'a str, Method, String, Option<Value>, StatusCode, &'a str);

/// Read tokens read, write tokens write, and a read-only profile refuses
/// every write whatever the token.
#[tokio::test]
async fn scopes_and_read_only_profiles_on_the_mongo_routes() {
    seed("api_scope", "c", vec![doc! {"_id": 1, "v": 1}]).await;
    let api = api("api_scope").await;
    let read = token(&api, "r", Scope::Read).await;
    let write = token(&api, "w", Scope::Write).await;
    let docs =
        |conn: &str| format!("/api/v1/mongo/{conn}/databases/api_scope/collections/c/documents");
    let one = |conn: &str| format!("{}/1?id_format=ejson", docs(conn));
    let colls = |conn: &str| format!("/api/v1/mongo/{conn}/databases/api_scope/collections");
    let patch = json!({"set": {"v": 2}});

    let cases: Vec<Case> = vec![
        (&read, Method::GET, docs("m"), None, StatusCode::OK, ""),
        (&read, Method::GET, one("ro"), None, StatusCode::OK, ""),
        (
            &read,
            Method::POST,
            docs("m"),
            Some(json!({"v": 3})),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &read,
            Method::PATCH,
            one("m"),
            Some(patch.clone()),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &read,
            Method::DELETE,
            one("m"),
            None,
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &read,
            Method::POST,
            colls("m"),
            Some(json!({"name": "x"})),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &write,
            Method::POST,
            docs("ro"),
            Some(json!({"v": 3})),
            StatusCode::FORBIDDEN,
            "read_only",
        ),
        (
            &write,
            Method::PATCH,
            one("ro"),
            Some(patch.clone()),
            StatusCode::FORBIDDEN,
            "read_only",
        ),
        (
            &write,
            Method::DELETE,
            one("ro"),
            None,
            StatusCode::FORBIDDEN,
            "read_only",
        ),
        (
            &write,
            Method::POST,
            colls("ro"),
            Some(json!({"name": "x"})),
            StatusCode::FORBIDDEN,
            "read_only",
        ),
        (
            &write,
            Method::PATCH,
            one("m"),
            Some(patch),
            StatusCode::OK,
            "",
        ),
        (
            "",
            Method::GET,
            docs("m"),
            None,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
    ];
    for (token, method, path, body, status, code) in cases {
        let token = (!token.is_empty()).then_some(token);
        let reply = api
            .request(method.clone(), &path, body.map(|b| b.to_string()), token)
            .await;
        assert_eq!(reply.status, status, "{method} {path}: {reply:?}");
        if !code.is_empty() {
            assert_eq!(reply.problem_code(), code, "{method} {path}");
        }
    }
    let after = api.request(Method::GET, &one("m"), None, Some(&read)).await;
    assert_eq!(after.json()["v"], 2);
}

#[tokio::test]
async fn a_server_that_is_down_is_503() {
    let mut settings = Settings::default();
    settings.sessions.connect_timeout_ms = 300;
    // Nothing listens on port 1.
    let api = Api::with(settings, &[("down", "mongodb://127.0.0.1:1/x", false)]).await;
    let reply = api.get("/api/v1/mongo/down/databases").await;
    assert_eq!(
        (reply.status, reply.problem_code()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream_unavailable".into()
        )
    );
}
