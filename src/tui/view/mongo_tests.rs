//! Snapshot tests of the MongoDB panes on a `TestBackend`.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render;
use crate::domain::mongo::Namespace;
use crate::driver::DriverError;
use crate::tui::state::State;
use crate::tui::state::mongo::tests::index;
use crate::tui::state::mongo::tree::NodeId;
use crate::tui::state::tests::Harness;
use crate::worker::{MongoRequest, MongoResponse, Request, Response};

fn draw(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(frame, state)).unwrap();
    terminal
}

fn reply(h: &mut Harness, wanted: MongoRequest, result: Result<MongoResponse, DriverError>) {
    let id = h.last(|r| matches!(r, Request::Mongo(r) if **r == wanted));
    h.reply(id, result.map(Response::Mongo));
}

/// B24: a view lists with "n/a" beside collections with their figures; a
/// database the user may not read is marked, the rest of the tree stays.
#[test]
fn mongo_tree_shows_kinds_figures_indexes_and_denied_databases() {
    let mut h = Harness::mongo_tree(false);
    h.state.mongo.tree.selected = vec![NodeId::Database("logs".into())];
    h.press(KeyCode::Enter);
    let denied = DriverError::NotPermitted("listCollections".into());
    reply(
        &mut h,
        MongoRequest::Collections { db: "logs".into() },
        Err(denied),
    );

    h.state.mongo.tree.selected = vec![
        NodeId::Database("app".into()),
        NodeId::Collection("users".into()),
    ];
    h.press(KeyCode::Enter);
    let list = vec![index("_id_", "_id", false), index("email_1", "email", true)];
    let ns = Namespace::new("app", "users");
    reply(
        &mut h,
        MongoRequest::Indexes { ns },
        Ok(MongoResponse::Indexes(list)),
    );
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    insta::assert_snapshot!(draw(&h.state, 120, 18).backend());
}

#[test]
fn mongo_drop_collection_prompt_names_what_to_type() {
    let mut h = Harness::mongo_tree(false);
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('d'));
    h.press(KeyCode::Char('u'));
    insta::assert_snapshot!(draw(&h.state, 100, 14).backend());
}
