//! The server panel against a real server: INFO, SLOWLOG and CLIENT LIST
//! read part by part, with ACL users denied some of them.

use dbdeck::domain::ByteString;
use dbdeck::domain::redis::{Part, ServerPanel};
use dbdeck::driver::DriverError;
use dbdeck::driver::redis::{self as driver};

use crate::redis_driver::{client, exec, timeouts};
use crate::support::redis::RedisServer;

/// Creates `name` with every command except the `denied` ones.
fn add_user(conn: &mut redis::Connection, name: &str, denied: &[&str]) {
    let mut setuser = redis::cmd("ACL");
    setuser
        .arg("SETUSER")
        .arg(name)
        .arg(&["on", ">pass", "~*", "&*", "+@all"][..]);
    for command in denied {
        setuser.arg(format!("-{command}"));
    }
    setuser.query::<()>(conn).unwrap();
}

async fn panel_as(server: &RedisServer, user: &str) -> ServerPanel {
    let target = server.target_as(7, user, "pass");
    let client = driver::connect(&target, 0, timeouts()).await.unwrap();
    driver::server_panel(&client, 32).await.unwrap()
}

fn section_names(panel: &ServerPanel) -> Vec<String> {
    let sections = panel.info.ready().expect("INFO is permitted");
    sections.iter().map(|s| s.name.clone()).collect()
}

#[tokio::test]
async fn the_panel_reads_info_sections_slow_commands_and_clients() {
    let server = RedisServer::with_args(&["--slowlog-log-slower-than", "0"]);
    let mut conn = server.conn();
    exec(&mut conn, &[b"CLIENT", b"SETNAME", b"seeder"]);
    exec(&mut conn, &[b"SET", b"bin\xff\nkey", b"v"]);

    let panel = driver::server_panel(&client(&server).await, 32)
        .await
        .unwrap();
    let names = section_names(&panel);
    for wanted in [
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "keyspace",
    ] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
    }

    let slow = panel.slowlog.ready().expect("SLOWLOG is permitted");
    let set = slow
        .iter()
        .find(|entry| entry.command.first() == Some(&ByteString::from("SET")))
        .expect("the SET is in the slow log");
    assert_eq!(set.command[1], ByteString::new(b"bin\xff\nkey".to_vec()));
    assert_eq!(set.command[1].escaped(), "bin\\xFF\\nkey");

    let clients = panel.clients.ready().expect("CLIENT LIST is permitted");
    let seeder = clients.iter().find(|c| c.name == "seeder").unwrap();
    assert_eq!(seeder.db, Some(0));
    assert_eq!(seeder.user.as_deref(), Some("default"));
    assert!(clients.len() >= 2, "the seeder and the panel's own client");
}

#[tokio::test]
async fn a_user_denied_info_sees_not_permitted_there_and_the_rest() {
    let server = RedisServer::start();
    add_user(&mut server.conn(), "noinfo", &["info"]);

    let panel = panel_as(&server, "noinfo").await;
    assert_eq!(panel.info, Part::NotPermitted);
    assert!(panel.slowlog.ready().is_some());
    let clients = panel.clients.ready().expect("CLIENT LIST is permitted");
    assert!(clients.iter().any(|c| c.user.as_deref() == Some("noinfo")));
}

#[tokio::test]
async fn a_user_denied_slowlog_and_client_sees_info_and_not_permitted() {
    let server = RedisServer::start();
    add_user(&mut server.conn(), "nodiag", &["slowlog", "client"]);

    let panel = panel_as(&server, "nodiag").await;
    assert_eq!(panel.slowlog, Part::NotPermitted);
    assert_eq!(panel.clients, Part::NotPermitted);
    assert!(section_names(&panel).iter().any(|n| n == "memory"));

    // Asked alone, CLIENT LIST is an error that says what happened.
    let target = server.target_as(8, "nodiag", "pass");
    let client = driver::connect(&target, 0, timeouts()).await.unwrap();
    assert!(matches!(
        driver::clients(&client).await,
        Err(DriverError::NotPermitted(_))
    ));
}
