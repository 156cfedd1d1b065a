//! The SQL driver against real databases: a fresh PostgreSQL database per
//! test on the local server, and temporary SQLite files. Each test asserts
//! the value a user must see (cases B28, B29, B31, B32).

use std::time::{Duration, Instant};

use dbdeck::domain::sql::{Cell, RelationKind, RowCursor, RowsRequest, TableRef};
use dbdeck::domain::sql_write::{Dialect, delete_row, update_cell};
use dbdeck::domain::{ConnectTarget, Kind, ProfileId};
use dbdeck::driver::DriverError;
use dbdeck::driver::sql::{self, SqlClient};
use dbdeck::worker::{Job, Request, Response, Sessions, WorkerPool};
use tokio::sync::mpsc;

use crate::redis_driver::timeouts;
use crate::support::postgres::TestDatabase;

fn target(kind: Kind, url: &str, read_only: bool) -> ConnectTarget {
    ConnectTarget {
        id: ProfileId(7),
        name: "sql-test".into(),
        kind,
        url: url.to_owned(),
        password: None,
        read_only,
        revision: 0,
    }
}

async fn postgres(db: &TestDatabase, read_only: bool) -> SqlClient {
    sql::connect(
        &target(Kind::Postgres, db.url(), read_only),
        Duration::from_secs(5),
    )
    .await
    .unwrap()
}

/// An SQLite file with `script` run in it, and a client on it.
async fn sqlite(dir: &tempfile::TempDir, script: &str, read_only: bool) -> SqlClient {
    let path = dir.path().join("test.db");
    let url = format!("sqlite://{}", path.display());
    let setup = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(setup).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(script.to_owned()))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    sql::connect(
        &target(Kind::Sqlite, &url, read_only),
        Duration::from_secs(5),
    )
    .await
    .unwrap()
}

/// Runs each statement of `sql` in turn; the rows of the last one.
async fn run(client: &SqlClient, sql: &str) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for statement in dbdeck::domain::statements::split(sql) {
        rows = sql::run_statement(client, &statement.text, 1000, false)
            .await
            .unwrap()
            .rows;
    }
    rows
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

#[tokio::test]
async fn b28_bytea_rows_keep_empty_apart_from_null() {
    let db = TestDatabase::create().await;
    let client = postgres(&db, false).await;
    run(&client, "CREATE TABLE bin(c bytea)").await;
    run(
        &client,
        "INSERT INTO bin VALUES (decode('DEADBEEF','hex')), (''::bytea), (NULL), \
         (convert_to('héllo','UTF8'))",
    )
    .await;
    let rows = run(&client, "SELECT * FROM bin").await;
    let cells: Vec<Option<String>> = rows.iter().map(|r| r[0].text()).collect();
    assert_eq!(
        cells,
        [
            Some("\\xdeadbeef".to_owned()),
            Some("\\x".to_owned()),
            None,
            Some("\\x68c3a96c6c6f".to_owned())
        ]
    );
    assert_eq!(rows[1][0], Cell::Bytes(Vec::new()));
    assert_eq!(rows[2][0], Cell::Null);
}

#[tokio::test]
async fn postgres_values_arrive_as_the_server_writes_them() {
    let db = TestDatabase::create().await;
    let client = postgres(&db, false).await;
    let result = sql::run_statement(
        &client,
        "SELECT 123456789012345678901234567890.000000000000000001::numeric AS n, \
         NULL::text AS nothing, 'NULL' AS word, '' AS empty, \
         '2024-02-29 23:59:59.123+02'::timestamptz AS at, \
         '{\"b\": 1, \"a\": [1, 2]}'::jsonb AS doc, \
         '12345678-9abc-4def-8123-456789abcdef'::uuid AS id, \
         ARRAY[1, NULL, 3] AS list, '1 day 02:03:04'::interval AS span, true AS yes, \
         9223372036854775807::int8 AS big",
        10,
        false,
    )
    .await
    .unwrap();
    let names: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "n", "nothing", "word", "empty", "at", "doc", "id", "list", "span", "yes", "big"
        ]
    );
    assert_eq!(result.columns[0].type_name, "numeric");
    assert_eq!(result.columns[4].type_name, "timestamptz");
    let row = &result.rows[0];
    assert_eq!(
        row[0],
        text("123456789012345678901234567890.000000000000000001")
    );
    assert_eq!(row[1], Cell::Null);
    assert_eq!(row[2], text("NULL"));
    assert_eq!(row[3], text(""));
    // In the server's own zone, with the offset written out.
    let at = run(
        &client,
        "SELECT ('2024-02-29 23:59:59.123+02'::timestamptz)::text",
    )
    .await;
    assert_eq!(row[4], at[0][0]);
    let Cell::Text(at) = &row[4] else {
        panic!("timestamptz as text")
    };
    assert!(at.contains(":59.123"), "{at}");
    assert!(at[at.len() - 3..].starts_with(['+', '-']), "{at}");
    assert_eq!(row[5], text(r#"{"a": [1, 2], "b": 1}"#));
    assert_eq!(row[6], text("12345678-9abc-4def-8123-456789abcdef"));
    assert_eq!(row[7], text("{1,NULL,3}"));
    assert_eq!(row[8], text("1 day 02:03:04"));
    assert_eq!(row[9], text("t"));
    assert_eq!(row[10], text("9223372036854775807"));
}

#[tokio::test]
async fn b29_sqlite_values_follow_their_storage_class() {
    let dir = tempfile::tempdir().unwrap();
    let client = sqlite(
        &dir,
        "CREATE TABLE r(v TEXT, b BLOB); \
         INSERT INTO r VALUES ('abcdefghijklmnop', x'00112233445566778899aabbccddeeff'), \
                              ('abcdefghijklmnopq', NULL);",
        false,
    )
    .await;
    let rows = run(&client, "SELECT v, typeof(v), length(v), b FROM r").await;
    assert_eq!(
        rows[0],
        [
            text("abcdefghijklmnop"),
            text("text"),
            Cell::Integer(16),
            Cell::Bytes((0..16).map(|i| i * 0x11).collect()),
        ]
    );
    assert_eq!(
        rows[1],
        [
            text("abcdefghijklmnopq"),
            text("text"),
            Cell::Integer(17),
            Cell::Null
        ]
    );
    let mixed = run(&client, "SELECT 7.0, 12.5, 42, 'NULL', ''").await;
    assert_eq!(
        mixed[0],
        [
            Cell::Real(7.0),
            Cell::Real(12.5),
            Cell::Integer(42),
            text("NULL"),
            text("")
        ]
    );
    assert_eq!(mixed[0][0].text().as_deref(), Some("7.0"));
}

#[tokio::test]
async fn b31_every_piece_of_the_buffer_runs_as_written() {
    let db = TestDatabase::create().await;
    let client = postgres(&db, false).await;
    run(
        &client,
        "CREATE TABLE \"Table\"(id int); INSERT INTO \"Table\" VALUES (1);",
    )
    .await;
    let buffer = "-- hi\n\nSELECT * FROM \"Table\";\n-- note; with semicolon\nSELECT 1;\n\
                  /* block; */ SELECT 2;\nSELECT ';' AS s;\n;;";
    let statements = dbdeck::domain::statements::split(buffer);
    let mut answers = Vec::new();
    for statement in &statements {
        let rows = run(&client, &statement.text).await;
        answers.push(rows[0][0].clone());
    }
    assert_eq!(answers, [text("1"), text("1"), text("2"), text(";")]);
    assert!(dbdeck::domain::statements::split(";;").is_empty());
    let empty = sql::run_statement(&client, "  ", 10, false).await;
    assert_eq!(
        empty,
        Err(DriverError::InvalidInput("nothing to run".into()))
    );
    let two = sql::run_statement(&client, "SELECT 1; SELECT 2", 10, false).await;
    assert_eq!(
        two,
        Err(DriverError::InvalidInput(
            "2 statements: run one statement at a time".into()
        ))
    );
}

#[tokio::test]
async fn a_capped_result_says_truncated_and_leaves_the_connection_clean() {
    let db = TestDatabase::create().await;
    let client = postgres(&db, false).await;
    let result = sql::run_statement(
        &client,
        "SELECT g FROM generate_series(1, 200000) g",
        1000,
        false,
    )
    .await
    .unwrap();
    assert_eq!(result.rows.len(), 1000);
    assert!(result.truncated);
    assert_eq!(result.rows[999], [text("1000")]);
    // Every pooled connection answers the next statement at once.
    for _ in 0..6 {
        assert_eq!(run(&client, "SELECT 1").await, [[text("1")]]);
    }
}

#[tokio::test]
async fn read_only_connections_are_refused_by_the_database() {
    let db = TestDatabase::create().await;
    run(&postgres(&db, false).await, "CREATE TABLE t(id int)").await;
    let client = postgres(&db, true).await;
    let write = sql::run_statement(&client, "INSERT INTO t VALUES (1)", 10, true).await;
    assert_eq!(write, Err(DriverError::ReadOnly));
    // Not even a statement that tries to lift the restriction gets through.
    let lifted =
        sql::run_statement(&client, "SET default_transaction_read_only = off", 10, true).await;
    assert!(lifted.is_ok());
    let again = sql::run_statement(&client, "INSERT INTO t VALUES (2)", 10, true).await;
    assert_eq!(again, Err(DriverError::ReadOnly));
    // A second statement cannot end the read-only transaction early.
    let escape = sql::run_statement(&client, "COMMIT; INSERT INTO t VALUES (3)", 10, true).await;
    assert!(
        matches!(escape, Err(DriverError::InvalidInput(_))),
        "{escape:?}"
    );
    assert_eq!(run(&client, "SELECT count(*) FROM t").await, [[text("0")]]);

    let dir = tempfile::tempdir().unwrap();
    let lite = sqlite(&dir, "CREATE TABLE t(id INTEGER);", true).await;
    let write = sql::run_statement(&lite, "INSERT INTO t VALUES (1)", 10, true).await;
    assert_eq!(write, Err(DriverError::ReadOnly));

    // A writable SQLite file held read-only for one statement, then not.
    let dir = tempfile::tempdir().unwrap();
    let lite = sqlite(&dir, "CREATE TABLE t(id INTEGER);", false).await;
    let held = sql::run_statement(&lite, "INSERT INTO t VALUES (1)", 10, true).await;
    assert_eq!(held, Err(DriverError::ReadOnly));
    for _ in 0..5 {
        let free = sql::run_statement(&lite, "INSERT INTO t VALUES (2)", 10, false).await;
        assert_eq!(free.map(|r| r.rows_affected), Ok(1));
    }
}

#[tokio::test]
async fn b32_cancel_stops_the_server_and_the_next_statement_runs_at_once() {
    let db = TestDatabase::create().await;
    let target = target(Kind::Postgres, db.url(), false);
    let pool = WorkerPool::new(Sessions::new(Duration::from_secs(600), timeouts()), 2);
    let (reply, mut outcomes) = mpsc::unbounded_channel();
    let sleep = Request::SqlRun {
        sql: "SELECT pg_sleep(60)".into(),
        cap: 10,
        read_only: false,
    };
    let handle = pool.submit(job(&target, sleep), reply);
    let watcher = postgres(&db, false).await;
    let sleeping = "SELECT count(*) FROM pg_stat_activity \
                    WHERE query LIKE '%SELECT pg_sleep(60)' AND state = 'active'";
    wait_until(&watcher, sleeping, "1").await;

    handle.cancel();
    let outcome = outcomes.recv().await.unwrap();
    assert_eq!(outcome.result, Err(DriverError::Cancelled));
    wait_until(&watcher, sleeping, "0").await;

    let started = Instant::now();
    let one = pool
        .run(job(
            &target,
            Request::SqlRun {
                sql: "SELECT 1".into(),
                cap: 10,
                read_only: false,
            },
        ))
        .await;
    let Ok(Response::Ran(result)) = one else {
        panic!("SELECT 1 failed: {one:?}")
    };
    assert_eq!(result.rows, [[text("1")]]);
    assert!(started.elapsed() < Duration::from_secs(5));
}

fn job(target: &ConnectTarget, request: Request) -> Job {
    Job {
        target: target.clone(),
        db: 0,
        request,
    }
}

/// Polls a one-value query until it answers `want` (at most 20 s).
async fn wait_until(client: &SqlClient, sql: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if run(client, sql).await[0][0] == text(want) {
            return;
        }
        assert!(Instant::now() < deadline, "{sql} never answered {want}");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_schema_tree_lists_relations_and_describes_tables() {
    let db = TestDatabase::create().await;
    let client = postgres(&db, false).await;
    run(
        &client,
        "CREATE TABLE authors(id int PRIMARY KEY, name text NOT NULL DEFAULT 'anon'); \
         CREATE TABLE items(order_id int, line int, author int REFERENCES authors(id), \
                            note text CHECK (note <> 'x'), PRIMARY KEY (order_id, line)); \
         CREATE INDEX items_note ON items(note); \
         CREATE VIEW named AS SELECT name FROM authors; \
         CREATE MATERIALIZED VIEW counted AS SELECT count(*) FROM items;",
    )
    .await;
    assert_eq!(sql::schemas(&client).await.unwrap()[0], "public");
    let relations = sql::relations(&client, "public").await.unwrap();
    let kinds: Vec<(&str, RelationKind)> = relations
        .iter()
        .map(|r| (r.table.name.as_str(), r.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("authors", RelationKind::Table),
            ("counted", RelationKind::MaterializedView),
            ("items", RelationKind::Table),
            ("named", RelationKind::View),
        ]
    );
    let items = sql::table_details(&client, &TableRef::new("public", "items"))
        .await
        .unwrap();
    assert_eq!(items.primary_key(), ["order_id", "line"]);
    assert_eq!(items.columns[3].type_name, "text");
    assert!(items.columns[3].nullable);
    assert!(
        items
            .indexes
            .iter()
            .any(|i| i.name == "items_note" && i.columns == ["note"])
    );
    assert_eq!(
        items.constraints,
        [
            "FOREIGN KEY (author) REFERENCES authors(id)",
            "CHECK ((note <> 'x'::text))"
        ]
    );
    let authors = sql::table_details(&client, &TableRef::new("public", "authors"))
        .await
        .unwrap();
    assert_eq!(authors.columns[1].default.as_deref(), Some("'anon'::text"));
    assert!(!authors.columns[1].nullable);
    let missing = sql::table_details(&client, &TableRef::new("public", "nope")).await;
    assert_eq!(
        missing,
        Err(DriverError::Missing("no table or view public.nope".into()))
    );
}

#[tokio::test]
async fn sqlite_schema_tree() {
    let dir = tempfile::tempdir().unwrap();
    let client = sqlite(
        &dir,
        "CREATE TABLE a(id INTEGER PRIMARY KEY, name TEXT NOT NULL); \
         CREATE TABLE b(x INTEGER, y INTEGER REFERENCES a(id), PRIMARY KEY (y, x)); \
         CREATE UNIQUE INDEX a_name ON a(name); \
         CREATE VIEW v AS SELECT * FROM a;",
        false,
    )
    .await;
    let relations = sql::relations(&client, "main").await.unwrap();
    let names: Vec<(&str, RelationKind)> = relations
        .iter()
        .map(|r| (r.table.name.as_str(), r.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("a", RelationKind::Table),
            ("b", RelationKind::Table),
            ("v", RelationKind::View)
        ]
    );
    let b = sql::table_details(&client, &TableRef::new("main", "b"))
        .await
        .unwrap();
    assert_eq!(b.primary_key(), ["y", "x"]);
    assert_eq!(b.constraints, ["FOREIGN KEY (y) REFERENCES a(id)"]);
    let a = sql::table_details(&client, &TableRef::new("main", "a"))
        .await
        .unwrap();
    assert!(
        a.indexes
            .iter()
            .any(|i| i.name == "a_name" && i.unique && i.columns == ["name"])
    );
}

fn rows_request(table: TableRef, cursor: Option<RowCursor>) -> RowsRequest {
    RowsRequest {
        table,
        filter: None,
        order: None,
        cursor,
        limit: 10,
        primary_key: None,
    }
}

/// Every page of a table, first cells only, following the cursors.
async fn walk(client: &SqlClient, mut request: RowsRequest) -> (Vec<Vec<Cell>>, Vec<usize>) {
    let (mut firsts, mut sizes) = (Vec::new(), Vec::new());
    loop {
        let page = sql::read_rows(client, &request, false).await.unwrap();
        sizes.push(page.rows.len());
        firsts.extend(page.rows.into_iter().map(|r| r[..2].to_vec()));
        match page.next {
            Some(next) => request.cursor = Some(next),
            None => return (firsts, sizes),
        }
    }
}

#[tokio::test]
async fn keyset_pages_follow_a_composite_key_and_offset_pages_the_rest() {
    let db = TestDatabase::create().await;
    let client = postgres(&db, false).await;
    run(
        &client,
        "CREATE TABLE items(order_id int, line int, note text, PRIMARY KEY (order_id, line)); \
         INSERT INTO items SELECT g / 3, g % 3, 'n' || g FROM generate_series(0, 24) g; \
         CREATE TABLE loose(a int, b text); \
         INSERT INTO loose SELECT g, 'it''s ' || g FROM generate_series(1, 23) g;",
    )
    .await;
    let items = TableRef::new("public", "items");
    let (rows, sizes) = walk(&client, rows_request(items.clone(), None)).await;
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(rows[10], [text("3"), text("1")]);
    assert_eq!(rows[24], [text("8"), text("0")]);

    let first = sql::read_rows(&client, &rows_request(items.clone(), None), false)
        .await
        .unwrap();
    assert_eq!(first.key_columns, ["order_id", "line"]);
    assert_eq!(
        first.next,
        Some(RowCursor::After(vec![text("3"), text("0")]))
    );

    let (rows, sizes) = walk(
        &client,
        rows_request(TableRef::new("public", "loose"), None),
    )
    .await;
    assert_eq!(sizes, [10, 10, 3]);
    assert_eq!(rows.len(), 23);

    let mut filtered = rows_request(items.clone(), None);
    filtered.filter = Some("note LIKE 'n1%' -- a comment".into());
    filtered.order = Some("line DESC, order_id".into());
    let page = sql::read_rows(&client, &filtered, false).await.unwrap();
    assert_eq!(page.rows.len(), 10);
    assert_eq!(page.rows[0][..2], [text("3"), text("2")]);
    assert_eq!(page.next, Some(RowCursor::Offset(10)));

    let mut sneaky = rows_request(items, None);
    sneaky.filter = Some("true; DROP TABLE items".into());
    let refused = sql::read_rows(&client, &sneaky, false).await;
    assert!(
        matches!(refused, Err(DriverError::InvalidInput(_))),
        "{refused:?}"
    );
    assert_eq!(
        run(&client, "SELECT count(*) FROM items").await,
        [[text("25")]]
    );
}

#[tokio::test]
async fn sqlite_keyset_pages_over_text_and_blob_keys() {
    let dir = tempfile::tempdir().unwrap();
    let client = sqlite(
        &dir,
        "CREATE TABLE t(k TEXT PRIMARY KEY, v BLOB); \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25) \
         INSERT INTO t SELECT printf('k''%02d', i), zeroblob(i % 3) FROM n;",
        false,
    )
    .await;
    let (rows, sizes) = walk(&client, rows_request(TableRef::new("main", "t"), None)).await;
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(rows[0], [text("k'01"), Cell::Bytes(vec![0])]);
    assert_eq!(rows[24], [text("k'25"), Cell::Bytes(vec![0])]);
}

#[tokio::test]
async fn an_edit_commits_only_when_exactly_one_row_changes() {
    let db = TestDatabase::create().await;
    let client = postgres(&db, false).await;
    run(
        &client,
        "CREATE TABLE t(id int PRIMARY KEY, note text, tag text); \
         INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'x'), (3, 'c', 'y');",
    )
    .await;
    let table = TableRef::new("public", "t");
    let key = [("id".to_owned(), text("2"))];
    let update = update_cell(Dialect::Postgres, &table, &key, "note", &text("it's"));
    let changed = sql::run_in_transaction(&client, &update.unwrap(), 1).await;
    assert_eq!(changed, Ok(1));
    assert_eq!(
        run(&client, "SELECT note FROM t WHERE id = 2").await,
        [[text("it's")]]
    );

    // Two rows match: rolled back, both keep their value.
    let wide = "UPDATE t SET note = 'z' WHERE tag = 'x'";
    let refused = sql::run_in_transaction(&client, wide, 1).await;
    assert!(matches!(refused, Err(DriverError::InvalidInput(ref m)) if m.contains("2 rows")));
    assert_eq!(
        run(&client, "SELECT note FROM t ORDER BY id").await,
        [[text("a")], [text("it's")], [text("c")]]
    );

    // A row that vanished: nothing to change, nothing changed.
    let gone = delete_row(Dialect::Postgres, &table, &[("id".to_owned(), text("9"))]).unwrap();
    let missing = sql::run_in_transaction(&client, &gone, 1).await;
    assert!(matches!(missing, Err(DriverError::InvalidInput(ref m)) if m.contains("0 rows")));

    let null = update_cell(Dialect::Postgres, &table, &key, "tag", &Cell::Null).unwrap();
    assert_eq!(sql::run_in_transaction(&client, &null, 1).await, Ok(1));
    assert_eq!(
        run(&client, "SELECT tag FROM t WHERE id = 2").await,
        [[Cell::Null]]
    );

    let dir = tempfile::tempdir().unwrap();
    let lite = sqlite(
        &dir,
        "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB); \
                             INSERT INTO t VALUES (1, x'00'), (2, x'01');",
        false,
    )
    .await;
    let key = [("id".to_owned(), Cell::Integer(1))];
    let blob = update_cell(
        Dialect::Sqlite,
        &TableRef::new("main", "t"),
        &key,
        "b",
        &Cell::Bytes(vec![0xff]),
    );
    assert_eq!(
        sql::run_in_transaction(&lite, &blob.unwrap(), 1).await,
        Ok(1)
    );
    assert_eq!(
        run(&lite, "SELECT b FROM t WHERE id = 1").await,
        [[Cell::Bytes(vec![0xff])]]
    );
    let all = sql::run_in_transaction(&lite, "DELETE FROM t", 1).await;
    assert!(all.is_err());
    assert_eq!(
        run(&lite, "SELECT count(*) FROM t").await,
        [[Cell::Integer(2)]]
    );
}

#[tokio::test]
async fn exports_stream_every_row_and_a_cancelled_one_leaves_no_file() {
    let db = TestDatabase::create().await;
    let target = target(Kind::Postgres, db.url(), false);
    let client = postgres(&db, false).await;
    run(
        &client,
        "CREATE TABLE t(id int PRIMARY KEY, note text, data bytea); \
         INSERT INTO t SELECT g, CASE WHEN g = 1 THEN NULL WHEN g = 2 THEN '' ELSE 'n,' || g END, \
                               CASE WHEN g = 3 THEN '\\xdead'::bytea END \
           FROM generate_series(1, 5000) g;",
    )
    .await;
    let pool = WorkerPool::new(Sessions::new(Duration::from_secs(600), timeouts()), 2);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    let progress = dbdeck::worker::Progress::default();
    let request = Request::SqlExport {
        sql: "SELECT * FROM t ORDER BY id".into(),
        path: csv.clone(),
        progress: progress.clone(),
    };
    let done = pool.run(job(&target, request)).await;
    assert!(matches!(done, Ok(Response::Exported(5000))), "{done:?}");
    assert_eq!(progress.rows(), 5000);
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().take(4).collect();
    assert_eq!(
        lines,
        ["id,note,data", "1,,", "2,\"\",", "3,\"n,3\",\\xdead"]
    );
    assert_eq!(text.lines().count(), 5001);

    let jsonl = dir.path().join("t.jsonl");
    let request = Request::SqlExport {
        sql: "SELECT id, note FROM t WHERE id <= 2 ORDER BY id".into(),
        path: jsonl.clone(),
        progress: dbdeck::worker::Progress::default(),
    };
    pool.run(job(&target, request)).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(&jsonl).unwrap(),
        "{\"id\":\"1\",\"note\":null}\n{\"id\":\"2\",\"note\":\"\"}\n"
    );

    // An export that never ends, cancelled: no file, finished or partial.
    let endless = dir.path().join("endless.csv");
    let (reply, mut outcomes) = mpsc::unbounded_channel();
    let progress = dbdeck::worker::Progress::default();
    let request = Request::SqlExport {
        // In the target list the set streams; in FROM it would be built first.
        sql: "SELECT generate_series(1, 1000000000) AS g".into(),
        path: endless.clone(),
        progress: progress.clone(),
    };
    let handle = pool.submit(job(&target, request), reply);
    let deadline = Instant::now() + Duration::from_secs(20);
    while progress.rows() == 0 {
        assert!(Instant::now() < deadline, "the export never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    handle.cancel();
    assert_eq!(
        outcomes.recv().await.unwrap().result,
        Err(DriverError::Cancelled)
    );
    tokio::task::yield_now().await;
    assert!(!endless.exists());
    assert!(!endless.with_extension("partial").exists());
}

/// B33 through the SQL driver: a password full of URL syntax, percent-encoded
/// in the URL, reaches PostgreSQL intact and the user part is not cut short.
/// (The local server trusts loopback logins, so it proves the parsing and
/// the login role, not the password check itself.)
#[tokio::test]
async fn b33_an_encoded_password_connects_as_its_own_user() {
    let db = TestDatabase::create().await;
    let admin = postgres(&db, false).await;
    let role = format!("dbdeck_b33_{}", std::process::id());
    run(&admin, &format!("DROP ROLE IF EXISTS {role}")).await;
    run(
        &admin,
        &format!("CREATE ROLE {role} LOGIN PASSWORD 'p#ss@w/rd:%?'"),
    )
    .await;

    let mut url = url::Url::parse(db.url()).unwrap();
    url.set_username(&role).unwrap();
    let url = url.as_str().replacen('@', ":p%23ss%40w%2Frd%3A%25%3F@", 1);
    let split = dbdeck::registry::url::split_password(&url).unwrap();
    assert_eq!(
        split.password.as_ref().map(|p| p.expose()),
        Some("p#ss@w/rd:%?")
    );
    assert!(
        !split.url.contains("p%23"),
        "the stored URL keeps no password"
    );
    let target = ConnectTarget {
        password: split.password,
        url: split.url,
        ..target(Kind::Postgres, "", false)
    };
    let client = sql::connect(&target, Duration::from_secs(5)).await.unwrap();
    let who = run(&client, "SELECT current_user").await;
    drop(client);
    run(&admin, &format!("DROP OWNED BY {role}; DROP ROLE {role}")).await;
    assert_eq!(who, [[text(&role)]]);
}
