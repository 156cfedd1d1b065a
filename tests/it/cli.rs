//! The built `dbdeck` binary, run as a script would run it. Its registry,
//! config and data live in a temporary directory, never the user's.

use crate::support::cli::{dbdeck, run_ok};
use crate::support::redis::RedisServer;

fn memory_usage(conn: &mut redis::Connection, key: &[u8]) -> u64 {
    redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(key)
        .query(conn)
        .unwrap()
}

#[test]
fn keys_json_streams_each_matching_key_with_its_metadata() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let binary: &[u8] = b"x:\xff\x00bin";
    redis::cmd("SET")
        .arg(binary)
        .arg("1")
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("SET")
        .arg("x:text")
        .arg("v")
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("HSET")
        .arg("x:hash")
        .arg("f")
        .arg("v")
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("SET")
        .arg("y:other")
        .arg("v")
        .query::<()>(&mut conn)
        .unwrap();

    let home = tempfile::tempdir().unwrap();
    let stdout = run_ok(
        home.path(),
        &["keys", &server.url(), "--json", "--match", "x*"],
    );

    let mut lines: Vec<&str> = stdout.lines().collect();
    lines.sort_unstable();
    let expected = [
        format!(
            r#"{{"key":"x:hash","type":"hash","ttl_ms":-1,"size":{}}}"#,
            memory_usage(&mut conn, b"x:hash")
        ),
        format!(
            r#"{{"key":"x:text","type":"string","ttl_ms":-1,"size":{}}}"#,
            memory_usage(&mut conn, b"x:text")
        ),
        format!(
            r#"{{"key":{{"base64":"eDr/AGJpbg=="}},"type":"string","ttl_ms":-1,"size":{}}}"#,
            memory_usage(&mut conn, binary)
        ),
    ];
    assert_eq!(lines, expected);
}

#[test]
fn keys_reads_the_database_the_url_names_and_stops_at_a_closed_pipe() {
    let server = RedisServer::start();
    let mut conn = server.conn_db(3);
    let mut seed = redis::pipe();
    for i in 0..5_000 {
        seed.cmd("SET").arg(format!("k:{i}")).arg("v").ignore();
    }
    seed.query::<()>(&mut conn).unwrap();

    let home = tempfile::tempdir().unwrap();
    let in_db3 = run_ok(home.path(), &["keys", &format!("{}/3", server.url())]);
    assert_eq!(in_db3.lines().count(), 5_000);
    let in_db0 = run_ok(
        home.path(),
        &["keys", &format!("{}/3", server.url()), "--db", "0"],
    );
    assert_eq!(in_db0, "");

    // A reader that stops early (like `| head -1`) ends the walk quietly.
    let mut child = dbdeck(home.path())
        .args(["keys", &format!("{}/3", server.url()), "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let stdout = child.stdout.take().unwrap();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(first.starts_with(r#"{"key":"k:"#), "{first}");
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn conn_add_list_test_and_remove_keep_the_password_secret() {
    let server = RedisServer::start();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("p#ss@w/rd:%?")
        .query::<()>(&mut server.conn())
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let encoded = format!(
        "redis://:p%23ss%40w%2Frd%3A%25%3F@127.0.0.1:{}/0",
        server.port()
    );

    let unencoded = format!("redis://:p#ss@w/rd:%?@127.0.0.1:{}/0", server.port());
    let refused = dbdeck(home.path())
        .args(["conn", "add", "bad", &unencoded])
        .output()
        .unwrap();
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        message.contains("password") && message.contains("%23"),
        "{message}"
    );
    assert!(
        !message.contains("p#ss"),
        "the password was echoed: {message}"
    );

    run_ok(
        home.path(),
        &["conn", "add", "secured", &encoded, "--read-only"],
    );
    let listed = run_ok(home.path(), &["conn", "list"]);
    assert_eq!(
        listed,
        format!(
            "secured\tredis\tredis://127.0.0.1:{}/0 [read-only] [password stored]\n",
            server.port()
        )
    );
    let tested = run_ok(home.path(), &["conn", "test", "secured", "--json"]);
    let summary: serde_json::Value = serde_json::from_str(&tested).unwrap();
    assert_eq!(summary["mode"], "standalone");
    assert!(
        summary["version"]
            .as_str()
            .unwrap()
            .starts_with(char::is_numeric)
    );
    assert!(summary["latency_ms"].as_f64().unwrap() >= 0.0);

    assert_eq!(
        run_ok(home.path(), &["conn", "rm", "secured"]),
        "removed secured\n"
    );
    assert_eq!(run_ok(home.path(), &["conn", "list"]), "");
}

#[test]
fn a_connection_declared_in_the_config_file_takes_its_password_from_the_environment() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    redis::cmd("SET")
        .arg("declared:k")
        .arg("v")
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("from-env")
        .query::<()>(&mut conn)
        .unwrap();

    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("dbdeck.toml");
    let url = format!("redis://127.0.0.1:{}/0", server.port());
    let text = format!(
        "[[connections]]\nname = \"cache\"\nurl = \"{url}\"\npassword_env = \"CACHE_PW\"\nread_only = true\n"
    );
    std::fs::write(&config, text).unwrap();
    let config = config.to_str().unwrap();

    let listed = run_ok(home.path(), &["--config", config, "conn", "list"]);
    assert_eq!(listed, format!("cache\tredis\t{url} [read-only]\n"));

    let output = dbdeck(home.path())
        .args(["--config", config, "keys", "cache"])
        .env("CACHE_PW", "from-env")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.ends_with("\tdeclared:k\n"), "{stdout}");
}

/// An SQLite file made by the sqlite driver itself, with awkward values.
fn sqlite_file(dir: &std::path::Path) -> String {
    let path = dir.join("shop.db");
    let script = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, b BLOB);\n\
                  INSERT INTO t VALUES (1, 'NULL', x'00ff'), (2, '', NULL), (3, NULL, NULL), \
                  (4, 'a, \"b\"', NULL);";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(dbdeck::driver::sql::create_sqlite_database(&path, script))
        .unwrap();
    path.display().to_string()
}

#[test]
fn sql_prints_csv_or_json_lines_keeping_null_apart() {
    let home = tempfile::tempdir().unwrap();
    let db = sqlite_file(home.path());
    let csv = run_ok(
        home.path(),
        &["sql", &db, "SELECT id, name, b FROM t ORDER BY id"],
    );
    assert_eq!(
        csv,
        "id,name,b\n1,NULL,\\x00ff\n2,\"\",\n3,,\n4,\"a, \"\"b\"\"\",\n"
    );
    let json = run_ok(
        home.path(),
        &["sql", &db, "SELECT id, name FROM t WHERE id <= 3", "--json"],
    );
    assert_eq!(
        json,
        "{\"id\":1,\"name\":\"NULL\"}\n{\"id\":2,\"name\":\"\"}\n{\"id\":3,\"name\":null}\n"
    );

    let typo = dbdeck(home.path())
        .args(["sql", &db, "SELECT nope FROM t"])
        .output()
        .unwrap();
    assert!(!typo.status.success());
    assert_eq!(
        String::from_utf8_lossy(&typo.stderr),
        "error: no such column: nope\n"
    );
}

#[test]
fn export_writes_a_whole_table_to_a_file() {
    let home = tempfile::tempdir().unwrap();
    let db = sqlite_file(home.path());
    let out = home.path().join("t.jsonl");
    let output = dbdeck(home.path())
        .args([
            "export", &db, "--table", "t", "--where", "id > 2", "--order", "id DESC",
        ])
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("exported 2 rows"));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "{\"id\":4,\"name\":\"a, \\\"b\\\"\",\"b\":null}\n{\"id\":3,\"name\":null,\"b\":null}\n"
    );
}

#[test]
fn export_into_a_missing_folder_names_the_folder() {
    let home = tempfile::tempdir().unwrap();
    let db = sqlite_file(home.path());
    let out = home.path().join("nowhere").join("t.csv");
    let output = dbdeck(home.path())
        .args(["export", &db, "--table", "t", "--output"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("there is no folder") && stderr.contains("nowhere"),
        "{stderr}"
    );
    assert!(!stderr.contains("partial"), "{stderr}");
}
