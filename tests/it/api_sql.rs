//! The SQL endpoints end to end: real PostgreSQL and SQLite, every request
//! through the whole router. Cells keep NULL apart from text, keyset
//! cursors walk a table, read tokens run statements read-only, and a
//! request that times out cancels its statement on the server.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use dbdeck::config::Settings;
use dbdeck::domain::token::Scope;
use serde_json::{Value, json};

use crate::support::api::Api;
use crate::support::postgres::TestDatabase;

async fn seeded(db: &TestDatabase) {
    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE items(id int PRIMARY KEY, note text, data bytea, price numeric); \
         INSERT INTO items SELECT g, CASE g % 3 WHEN 0 THEN NULL WHEN 1 THEN 'NULL' ELSE '' END, \
                decode('DEADBEEF', 'hex'), 12345678901234567890.123456789 \
           FROM generate_series(1, 25) g; \
         CREATE VIEW odd AS SELECT * FROM items WHERE id % 2 = 1;",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn schemas_tables_and_a_description() {
    let db = TestDatabase::create().await;
    seeded(&db).await;
    let api = Api::with(Settings::default(), &[("pg", db.url(), false)]).await;

    let schemas = api.get("/api/v1/sql/pg/schemas").await.json();
    assert_eq!(schemas["items"][0], "public");
    assert_eq!(schemas["complete"], true);

    let tables = api.get("/api/v1/sql/pg/schemas/public/tables").await.json();
    let kinds: Vec<(&str, &str)> = tables["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("items", "table"), ("odd", "view")]);

    let items = api
        .get("/api/v1/sql/pg/schemas/public/tables/items")
        .await
        .json();
    assert_eq!(items["columns"][0]["name"], "id");
    assert_eq!(items["columns"][0]["primary_key"], 1);
    assert_eq!(items["columns"][3]["type"], "numeric");

    let missing = api.get("/api/v1/sql/pg/schemas/public/tables/nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.problem_code(), "not_found");
}

#[tokio::test]
async fn rows_walk_a_table_by_cursor_with_faithful_cells() {
    let db = TestDatabase::create().await;
    seeded(&db).await;
    let api = Api::with(Settings::default(), &[("pg", db.url(), false)]).await;

    let mut path = "/api/v1/sql/pg/schemas/public/tables/items/rows?limit=10".to_owned();
    let (mut ids, mut pages) = (Vec::new(), 0);
    loop {
        let page = api.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let page = page.json();
        pages += 1;
        if pages == 1 {
            let first = &page["items"][0];
            assert_eq!(first[1], "NULL", "the text NULL is a string");
            assert_eq!(page["items"][2][1], Value::Null, "SQL NULL is null");
            assert_eq!(page["items"][1][1], "", "empty text stays empty");
            assert_eq!(first[2], json!({"base64": "3q2+7w=="}));
            assert_eq!(first[3], "12345678901234567890.123456789");
            assert_eq!(page["key_columns"], json!(["id"]));
        }
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r[0].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                assert_eq!(page["complete"], false);
                path = format!(
                    "/api/v1/sql/pg/schemas/public/tables/items/rows?limit=10&cursor={cursor}"
                );
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<Value> = (1..=25).map(|i| json!(i.to_string())).collect();
    assert_eq!(ids, expected);

    let filtered = api
        .get("/api/v1/sql/pg/schemas/public/tables/items/rows?filter=id%20%3E%2020&order=id%20DESC")
        .await
        .json();
    assert_eq!(filtered["items"][0][0], "25");
    assert_eq!(filtered["items"].as_array().unwrap().len(), 5);

    // A cursor keeps the filter it was made with, and refuses another.
    let first = api
        .get("/api/v1/sql/pg/schemas/public/tables/items/rows?limit=2&filter=id%20%3E%2020")
        .await
        .json();
    let cursor = first["next_cursor"].as_str().unwrap();
    let rows = "/api/v1/sql/pg/schemas/public/tables/items/rows";
    let next = api
        .get(&format!("{rows}?limit=10&cursor={cursor}"))
        .await
        .json();
    let ids: Vec<&Value> = next["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r[0])
        .collect();
    assert_eq!(ids, [&json!("23"), &json!("24"), &json!("25")]);
    let changed = api
        .get(&format!("{rows}?cursor={cursor}&filter=true"))
        .await;
    assert_eq!(changed.problem_code(), "invalid_input");
    let zero = api.get(&format!("{rows}?limit=0")).await;
    assert_eq!(zero.problem_code(), "invalid_input");
    let wrong_method = api.send(Method::PATCH, "/api/v1/sql/pg/query", None).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.problem_code(), "method_not_allowed");

    let bad = api
        .get("/api/v1/sql/pg/schemas/public/tables/items/rows?cursor=bogus")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.problem_code(), "invalid_input");
    let two = api
        .get(
            "/api/v1/sql/pg/schemas/public/tables/items/rows?filter=true%3B%20DROP%20TABLE%20items",
        )
        .await;
    assert_eq!(two.problem_code(), "invalid_input");
}

#[tokio::test]
async fn statements_answer_with_a_cap_and_errors_are_problems() {
    let db = TestDatabase::create().await;
    seeded(&db).await;
    let mut settings = Settings::default();
    settings.limits.sql_row_cap = 100;
    let api = Api::with(settings, &[("pg", db.url(), false), ("ro", db.url(), true)]).await;

    let many = api
        .post(
            "/api/v1/sql/pg/query",
            json!({"sql": "SELECT g FROM generate_series(1, 5000) g"}),
        )
        .await
        .json();
    assert_eq!(many["rows"].as_array().unwrap().len(), 100);
    assert_eq!(many["truncated"], true);
    assert_eq!(many["columns"][0], json!({"name": "g", "type": "int4"}));

    let update = api
        .post(
            "/api/v1/sql/pg/query",
            json!({"sql": "UPDATE items SET note = 'x' WHERE id <= 3"}),
        )
        .await
        .json();
    assert_eq!(update["rows_affected"], 3);

    let typo = api
        .post("/api/v1/sql/pg/query", json!({"sql": "SELEC 1"}))
        .await;
    assert_eq!(typo.status, StatusCode::BAD_REQUEST);
    assert_eq!(typo.problem_code(), "invalid_input");

    let empty = api.post("/api/v1/sql/pg/query", json!({"sql": "  "})).await;
    assert_eq!(empty.problem_code(), "invalid_input");
    for user_mistake in [
        "SELECT chr(0)",
        "COPY items TO STDOUT",
        "SELECT * FROM nope",
    ] {
        let reply = api
            .post("/api/v1/sql/pg/query", json!({"sql": user_mistake}))
            .await;
        assert!(
            reply.status.is_client_error(),
            "{user_mistake}: {}",
            reply.text
        );
    }
    let missing = api
        .post("/api/v1/sql/pg/query", json!({"sql": "SELECT * FROM nope"}))
        .await;
    assert_eq!(missing.json()["detail"], "relation \"nope\" does not exist");
    // The connection is still fine after all that.
    let one = api
        .post("/api/v1/sql/pg/query", json!({"sql": "SELECT 1"}))
        .await;
    assert_eq!(one.json()["rows"], json!([["1"]]));

    let refused = api
        .post("/api/v1/sql/ro/query", json!({"sql": "DELETE FROM items"}))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.problem_code(), "read_only");
}

#[tokio::test]
async fn a_read_token_queries_read_only_and_a_write_token_may_write() {
    let db = TestDatabase::create().await;
    seeded(&db).await;
    let api = Api::with(Settings::default(), &[("pg", db.url(), false)]).await;
    let create = |name: &'static str, scope| {
        let service = api.service.clone();
        async move {
            let (_, text) = service
                .create_token(name.into(), scope, &[], None)
                .await
                .unwrap();
            text
        }
    };
    let read = create("r", Scope::Read).await;
    let write = create("w", Scope::Write).await;
    let delete = json!({"sql": "DELETE FROM items WHERE id = 1"});

    let reply = api
        .request(
            Method::POST,
            "/api/v1/sql/pg/query",
            Some(delete.to_string()),
            Some(&read),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert_eq!(reply.problem_code(), "read_only");
    let select = json!({"sql": "SELECT count(*) FROM items"});
    let reply = api
        .request(
            Method::POST,
            "/api/v1/sql/pg/query",
            Some(select.to_string()),
            Some(&read),
        )
        .await;
    assert_eq!(reply.json()["rows"], json!([["25"]]));

    let reply = api
        .request(
            Method::POST,
            "/api/v1/sql/pg/query",
            Some(delete.to_string()),
            Some(&write),
        )
        .await;
    assert_eq!(reply.json()["rows_affected"], 1, "{}", reply.text);
}

#[tokio::test]
async fn a_request_timeout_cancels_the_statement_on_the_server() {
    let db = TestDatabase::create().await;
    let mut settings = Settings::default();
    settings.api.request_timeout_ms = 500;
    let api = Api::with(settings, &[("pg", db.url(), false)]).await;

    let started = Instant::now();
    let slow = api
        .post(
            "/api/v1/sql/pg/query",
            json!({"sql": "SELECT pg_sleep(30)"}),
        )
        .await;
    assert_eq!(slow.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(slow.problem_code(), "upstream_timeout");
    assert!(started.elapsed() < Duration::from_secs(10));

    // The cancel reaches the server: pg_sleep leaves pg_stat_activity.
    let watcher = sqlx::PgPool::connect(db.url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let sleeping: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE query LIKE '%SELECT pg_sleep(30)' AND state = 'active'",
        )
        .fetch_one(&watcher)
        .await
        .unwrap();
        if sleeping == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "pg_sleep still runs on the server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let one = api
        .post("/api/v1/sql/pg/query", json!({"sql": "SELECT 1"}))
        .await;
    assert_eq!(one.json()["rows"], json!([["1"]]));
}

#[tokio::test]
async fn sqlite_cells_keep_their_storage_class() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let setup = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(setup).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE r(v TEXT, b BLOB, n REAL, i INTEGER); \
                   INSERT INTO r VALUES ('abcdefghijklmnop', x'0011', 7.0, 9007199254740993);",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let url = format!("sqlite://{}", path.display());
    let api = Api::with(Settings::default(), &[("lite", &url, false)]).await;
    let rows = api
        .get("/api/v1/sql/lite/schemas/main/tables/r/rows")
        .await
        .json();
    assert_eq!(
        rows["items"][0],
        json!(["abcdefghijklmnop", {"base64": "ABE="}, 7.0, 9_007_199_254_740_993_i64])
    );
    assert_eq!(rows["key_columns"], json!([]));
}

#[tokio::test]
async fn a_nul_in_a_statement_is_refused_at_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nul.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    sqlx::SqlitePool::connect(&url).await.unwrap().close().await;
    let url = file.display().to_string();
    let api = Api::with(Settings::default(), &[("lite", url.as_str(), false)]).await;
    let started = std::time::Instant::now();
    let reply = api
        .post(
            "/api/v1/sql/lite/query",
            serde_json::json!({"sql": "\u{0}"}),
        )
        .await;
    assert_eq!(reply.problem_code(), "invalid_input", "{}", reply.text);
    assert!(reply.text.contains("NUL"), "{}", reply.text);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
