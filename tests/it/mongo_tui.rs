//! End to end on MongoDB: the built binary in a pseudo-terminal walks the
//! tree of a stand-in of its own, creates a collection and drops it, and
//! the server is asked afterwards whether each happened.

use bson::{Document, doc};

use crate::support::cli::run_ok;
use crate::support::mongo::MongoServer;
use crate::support::pty::Terminal;

/// The text after the selection mark, on the tree's selected row.
fn selected_row(screen: &str) -> String {
    let tree_row = |line: &&str| {
        line.split_once('▶')
            .is_some_and(|(_, rest)| rest.contains('▸') || rest.contains('▾'))
    };
    let row = screen.lines().find(tree_row).unwrap_or_default();
    row.split_once('▶').map_or("", |(_, r)| r).to_owned()
}

/// Moves down until the selected row holds `text`, waiting for the screen
/// to show each move.
fn select(term: &mut Terminal, text: &str) {
    for _ in 0..20 {
        let before = selected_row(&term.contents());
        if before.contains(text) {
            return;
        }
        term.send("j");
        term.wait_for("the selection moved", |s| selected_row(s) != before);
    }
    panic!("{text} never got selected:\n{}", term.contents());
}

fn collections(server: &MongoServer, db: &str) -> Vec<String> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = server.client().await;
        client.database(db).list_collection_names().await.unwrap()
    })
}

#[test]
fn tree_lists_then_creates_and_drops_a_collection() {
    let server = MongoServer::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = server.client().await;
        let orders = client.database("tui_shop").collection::<Document>("orders");
        orders
            .insert_one(doc! {"_id": 1, "item": "lamp"})
            .await
            .unwrap();
    });

    let home = tempfile::tempdir().unwrap();
    run_ok(
        home.path(),
        &["conn", "add", "shop", &server.url("tui_shop")],
    );
    let mut term = Terminal::spawn(&[], home.path(), 120, 30);
    term.wait_for_text("shop");
    term.send("\r");
    term.wait_for_text("tui_shop");
    select(&mut term, "tui_shop");
    term.send("\r");
    term.wait_for_text("orders");

    term.send("c");
    term.wait_for_text("new collection in tui_shop");
    term.send("returns\r");
    term.wait_for_text("collection tui_shop.returns created");
    term.wait_for("the new collection in the tree", |s| {
        s.contains("▸ returns")
    });
    assert!(collections(&server, "tui_shop").contains(&"returns".to_owned()));

    select(&mut term, "returns");
    term.send("d");
    term.wait_for_text("type returns to drop tui_shop.returns");
    term.send("returns\r");
    term.wait_for_text("collection tui_shop.returns dropped");
    let left = collections(&server, "tui_shop");
    assert_eq!(left, vec!["orders".to_owned()]);

    term.send("q");
    let (succeeded, restored) = term.wait_exit();
    assert!(succeeded, "dbdeck exited with an error");
    assert!(restored, "the terminal was not restored");
}
