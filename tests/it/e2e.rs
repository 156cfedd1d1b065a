//! End to end: the built binary in a pseudo-terminal, browsing a real
//! server the way a newcomer would.

use redis::Commands as _;

use crate::support::cli::run_ok;
use crate::support::pty::Terminal;
use crate::support::redis::RedisServer;

#[test]
fn browse_filter_open_ttl_delete_and_quit() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let _: () = conn.set("user:1", "alice").unwrap();
    let _: () = conn.set("user:2", "bob").unwrap();
    let _: () = conn.hset("session:9", "token", "t0k").unwrap();
    let _: () = conn.set(b"esc\x1b[31mred".as_slice(), "v").unwrap();

    let home = tempfile::tempdir().unwrap();
    let added = run_ok(home.path(), &["conn", "add", "local", &server.url()]);
    assert!(added.contains("local"), "{added}");

    let mut term = Terminal::spawn(&[], home.path(), 120, 30);
    term.wait_for_text("local");
    term.send("\r");
    let screen = term.wait_for_text("session:9");
    assert!(
        screen.contains("esc\\x1B[31mred"),
        "the ESC byte must show escaped:\n{screen}"
    );

    term.send("/user\r");
    term.wait_for("only user keys", |s| {
        s.contains("user:2") && !s.contains("session:9")
    });

    // SCAN order is the server's: act on whichever user key is selected.
    let selected = selected_key(&term.contents());
    let (other, value) = match selected.as_str() {
        "user:1" => ("user:2", "alice"),
        "user:2" => ("user:1", "bob"),
        other => panic!("unexpected selection {other:?}"),
    };
    term.send("\r");
    term.wait_for_text(value);

    term.send("t");
    term.send("600\r");
    term.wait_for_text("expires in 10m");
    let ttl: i64 = conn.ttl(&selected).unwrap();
    assert!((590..=600).contains(&ttl), "TTL on the server is {ttl}");

    term.send("d");
    term.send("y");
    let deleted = format!("deleted {selected}");
    term.wait_for("the deleted key gone", |s| {
        // Only the status line still names it.
        s.contains(&deleted) && s.matches(selected.as_str()).count() == 1 && s.contains(other)
    });
    let exists: bool = conn.exists(&selected).unwrap();
    assert!(!exists, "{selected} still exists on the server");

    term.send("q");
    let (succeeded, restored) = term.wait_exit();
    assert!(succeeded, "dbdeck exited with an error");
    assert!(
        restored,
        "the terminal was left in the alternate screen or with a hidden cursor"
    );
}

/// The key on the selected row of the key list.
fn selected_key(screen: &str) -> String {
    let row = screen
        .lines()
        .find(|line| line.contains("▶  user:"))
        .unwrap_or_default();
    let after = row.split("▶").nth(1).unwrap_or_default();
    after
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The first run on an empty registry: the demo database appears, a table
/// opens, a statement runs, a runaway statement is cancelled with Esc and
/// the next one answers at once.
#[test]
fn first_run_opens_the_demo_database_queries_and_cancels() {
    let home = tempfile::tempdir().unwrap();
    let mut term = Terminal::spawn(&[], home.path(), 120, 30);
    term.wait_for_text("demo");
    term.send("\r");
    term.wait_for_text("order_items");

    // main, authors, book_sales, books: the fourth row.
    term.send("jjj\r");
    term.wait_for_text("main.books · page 1");
    term.wait_for_text("Shelf Life");

    term.send("e");
    term.send("SELECT count(*) AS n FROM books WHERE price > 0;");
    term.send("\u{12}");
    term.wait_for("the count", |s| {
        s.contains("Result · 1 row") && s.contains("1999")
    });

    term.send("e");
    term.send(
        "\rWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;",
    );
    term.send("\u{12}");
    term.wait_for_text("running");
    term.send("\u{1b}");
    term.wait_for_text("statement cancelled");

    term.send("e");
    term.send("\rSELECT 41 + 1 AS answer;");
    term.send("\u{12}");
    term.wait_for("the answer", |s| s.contains("answer") && s.contains("42"));

    term.send("q");
    let (succeeded, restored) = term.wait_exit();
    assert!(succeeded, "dbdeck exited with an error");
    assert!(restored, "the terminal was not restored");
}

/// The pub/sub pane: one key opens it, a prompt subscribes to two channels,
/// a message published from outside shows, and one published from the
/// pane reaches the subscription too.
#[test]
fn pubsub_pane_subscribes_and_shows_a_message_published_from_outside() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let _: () = conn.set("k", "v").unwrap();
    let home = tempfile::tempdir().unwrap();
    run_ok(home.path(), &["conn", "add", "local", &server.url()]);

    let mut term = Terminal::spawn(&[], home.path(), 120, 30);
    term.wait_for_text("local");
    term.send("\r");
    term.wait_for_text("scan complete");
    term.send("P");
    term.wait_for_text("Pub/Sub");
    term.send("s");
    term.send("news alerts\r");
    term.wait_for_text("channels: alerts news");

    let receivers: u64 = conn.publish("news", "hello from outside").unwrap();
    assert_eq!(receivers, 1);
    term.wait_for("the message", |s| {
        s.contains("news hello from outside") && s.contains("1 received")
    });

    term.send("m");
    term.send("alerts typed in the pane\r");
    term.wait_for("the published message", |s| {
        s.contains("published to 1 client") && s.contains("alerts typed in the pane")
    });

    term.send("q");
    let (succeeded, restored) = term.wait_exit();
    assert!(succeeded, "dbdeck exited with an error");
    assert!(restored, "the terminal was not restored");
}

/// Issue #3's editing path: open a hash, edit a field's value in the
/// editor, save with Ctrl-s, and find the new value on the server and on
/// screen.
#[test]
fn edit_a_hash_field_and_save() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let _: () = conn.hset("user:7", "name", "Ada").unwrap();

    let home = tempfile::tempdir().unwrap();
    run_ok(home.path(), &["conn", "add", "local", &server.url()]);
    let mut term = Terminal::spawn(&[], home.path(), 120, 30);
    term.wait_for_text("local");
    term.send("\r");
    term.wait_for_text("user:7");
    term.send("\r");
    term.wait_for_text("Ada");

    term.send("e");
    term.wait_for_text("Field name of user:7");
    // The cursor starts at the beginning of the value.
    term.send("Dr. ");
    term.send("\u{13}");
    term.wait_for("the saved value", |s| {
        s.contains("saved") && s.contains("Dr. Ada")
    });
    let name: String = conn.hget("user:7", "name").unwrap();
    assert_eq!(name, "Dr. Ada");

    term.send("q");
    let (succeeded, restored) = term.wait_exit();
    assert!(succeeded, "dbdeck exited with an error");
    assert!(restored, "the terminal was not restored");
}

/// A binary string opens as hex (never as text) and saves the exact bytes
/// typed in hex; an invalid digit is refused and nothing is written.
#[test]
fn edit_a_binary_string_as_hex_and_save_exact_bytes() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let _: () = conn.set("blob", b"\xff\x00\r\n".as_slice()).unwrap();

    let home = tempfile::tempdir().unwrap();
    run_ok(home.path(), &["conn", "add", "local", &server.url()]);
    let mut term = Terminal::spawn(&[], home.path(), 120, 30);
    term.wait_for_text("local");
    term.send("\r");
    term.wait_for_text("blob");
    term.send("\r");
    term.send("e");
    term.wait_for_text("Edit blob as hex");
    term.wait_for_text("ff000d0a");

    // End of the line, then two more bytes and a stray letter.
    term.send("\u{5}");
    term.send(" 80 c0g");
    term.send("\u{13}");
    term.wait_for_text("not hex: 'g' at line 1, column 15");
    let unchanged: Vec<u8> = conn.get("blob").unwrap();
    assert_eq!(unchanged, b"\xff\x00\r\n");

    term.send("\u{7f}");
    term.send("\u{13}");
    term.wait_for("the saved value", |s| s.contains("saved blob"));
    let saved: Vec<u8> = conn.get("blob").unwrap();
    assert_eq!(saved, b"\xff\x00\r\n\x80\xc0");

    term.send("q");
    let (succeeded, restored) = term.wait_exit();
    assert!(succeeded, "dbdeck exited with an error");
    assert!(restored, "the terminal was not restored");
}
