//! The built `dbdeck` binary, run as a script would run it. Its registry,
//! config and data live in a temporary directory, never the user's.

use std::process::Command;

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
    let registry = format!("sqlite://{}", home.path().join("r.db").display());
    let output = Command::new(env!("CARGO_BIN_EXE_dbdeck"))
        .args(["keys", &server.url(), "--json", "--match", "x*"])
        .args(["--registry", &registry])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env_remove("DBDECK_REGISTRY")
        .env_remove("DBDECK_SECRET_KEY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "dbdeck keys failed: {stderr}");

    let mut lines: Vec<&str> = std::str::from_utf8(&output.stdout)
        .unwrap()
        .lines()
        .collect();
    lines.sort_unstable();
    let expected = [
        format!(
            r#"{{"key":"x:hash","size":{},"ttl_ms":-1,"type":"hash"}}"#,
            memory_usage(&mut conn, b"x:hash")
        ),
        format!(
            r#"{{"key":"x:text","size":{},"ttl_ms":-1,"type":"string"}}"#,
            memory_usage(&mut conn, b"x:text")
        ),
        format!(
            r#"{{"key":{{"base64":"eDr/AGJpbg=="}},"size":{},"ttl_ms":-1,"type":"string"}}"#,
            memory_usage(&mut conn, binary)
        ),
    ];
    assert_eq!(lines, expected);
}
