//! `update` tests for the SQL grid, the editor and row edits.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::domain::sql::{Relation, RelationKind, TableRef};
use crate::domain::{Kind, ProfileId};
use crate::tui::effect::Purpose;
use crate::tui::event::Event;
use crate::tui::state::tests::{Harness, target};
use crate::worker::RequestId;

pub(crate) fn relation(name: &str) -> Relation {
    Relation {
        table: TableRef::new("main", name),
        kind: RelationKind::Table,
        estimated_rows: None,
    }
}

fn column(name: &str) -> Column {
    Column {
        name: name.into(),
        type_name: "integer".into(),
    }
}

/// Opening an SQLite demo; its connection test is pending.
fn connected() -> Harness {
    let mut h = Harness::new();
    let demo = crate::domain::ConnectTarget {
        id: ProfileId(3),
        name: "demo".into(),
        kind: Kind::Sqlite,
        url: "sqlite:///tmp/demo.db".into(),
        ..target(false)
    };
    h.send(Event::Resolved {
        purpose: Purpose::Open,
        result: Ok(demo),
    });
    assert_eq!(h.state.focus, Focus::Tables);
    h
}

fn empty_result() -> QueryResult {
    QueryResult {
        columns: Vec::new(),
        rows: Vec::new(),
        truncated: false,
        rows_affected: 0,
    }
}

fn tested(h: &mut Harness) {
    let test = h.last(|r| matches!(r, Request::Test));
    let summary = crate::domain::redis::ServerSummary {
        latency_ms: 0.5,
        version: crate::domain::redis::Probe::Known("SQLite 3.45".into()),
        mode: crate::domain::redis::Probe::Known("sqlite".into()),
        used_memory: crate::domain::redis::Probe::Unavailable,
        dbsize: crate::domain::redis::Probe::Unavailable,
        database_size: crate::domain::redis::Probe::Known(4096),
    };
    h.reply(test, Ok(Response::Tested(summary)));
}

pub(crate) fn with_tree() -> Harness {
    let mut h = connected();
    tested(&mut h);
    let schemas = h.last(|r| matches!(r, Request::SqlSchemas));
    h.reply(schemas, Ok(Response::Schemas(vec!["main".into()])));
    let relations = h.last(|r| matches!(r, Request::SqlRelations { .. }));
    h.reply(
        relations,
        Ok(Response::Relations(vec![
            relation("authors"),
            relation("books"),
        ])),
    );
    h
}

fn last_rows(h: &Harness) -> (RequestId, RowsRequest) {
    h.jobs
        .iter()
        .rev()
        .find_map(|(id, _, r)| match r {
            Request::SqlRows(rows) => Some((*id, rows.as_ref().clone())),
            _ => None,
        })
        .unwrap()
}

fn page(ids: std::ops::Range<i64>, next: Option<i64>) -> Response {
    Response::Rows(RowPage {
        columns: vec![column("id")],
        rows: ids.map(|i| vec![Cell::Integer(i)]).collect(),
        next: next.map(|n| RowCursor::After(vec![Cell::Integer(n)])),
        key_columns: vec!["id".into()],
        primary_key: vec!["id".into()],
    })
}

#[test]
fn tables_page_forward_by_key_and_back_by_remembered_cursors() {
    let mut h = with_tree();
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Enter);
    assert_eq!(h.state.focus, Focus::Rows);
    let (first, request) = last_rows(&h);
    assert_eq!(request.table.name, "books");
    assert_eq!(request.cursor, None);
    h.reply(first, Ok(page(1..101, Some(100))));
    assert_eq!(h.state.sql.grid.rows.len(), 100);

    h.press(KeyCode::Char('n'));
    let (second, request) = last_rows(&h);
    assert_eq!(request.primary_key, Some(vec!["id".to_owned()]));
    assert_eq!(
        request.cursor,
        Some(RowCursor::After(vec![Cell::Integer(100)]))
    );
    h.reply(second, Ok(page(101..131, None)));
    assert_eq!(h.state.sql.grid.page_number(), 1);
    assert_eq!(h.state.sql.grid.rows[0], [Cell::Integer(101)]);

    h.press(KeyCode::Char('n'));
    assert_eq!(h.message(), "this is the last page");
    h.press(KeyCode::Char('p'));
    let (_, back) = last_rows(&h);
    assert_eq!(back.cursor, None);
}

#[test]
fn a_where_clause_restarts_the_table_from_its_first_page() {
    let mut h = with_tree();
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Enter);
    let (first, _) = last_rows(&h);
    h.reply(first, Ok(page(1..101, Some(100))));
    h.press(KeyCode::Char('/'));
    h.typed("id > 5");
    h.press(KeyCode::Enter);
    let (_, request) = last_rows(&h);
    assert_eq!(request.filter.as_deref(), Some("id > 5"));
    assert_eq!(request.cursor, None);
}

#[test]
fn the_editor_runs_the_statement_under_the_cursor_and_esc_cancels_it() {
    let mut h = with_tree();
    h.press(KeyCode::Char('e'));
    assert!(matches!(h.state.modal, Some(Modal::Query)));
    h.typed("SELECT 1; SELECT 2");
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::CONTROL,
    )));
    let run = h.last(|r| matches!(r, Request::SqlRun { sql, cap: 1000, .. } if sql == "SELECT 2"));
    assert!(h.state.modal.is_none());
    assert_eq!(h.state.focus, Focus::Rows);

    let effects = h.press(KeyCode::Esc);
    assert!(matches!(effects[..], [Effect::Cancel(id)] if id == run));
    // A late outcome for the cancelled run is dropped.
    h.reply(run, Ok(Response::Ran(empty_result())));
    assert_eq!(h.message(), "statement cancelled");
}

#[test]
fn an_empty_buffer_has_nothing_to_run() {
    let mut h = with_tree();
    h.press(KeyCode::Char('e'));
    h.typed(" -- just a comment");
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(h.message(), "nothing to run: type a statement first");
    assert!(
        !h.jobs
            .iter()
            .any(|(_, _, r)| matches!(r, Request::SqlRun { .. }))
    );
}

#[test]
fn a_failed_statement_shows_its_error_in_the_grid() {
    let mut h = with_tree();
    h.press(KeyCode::Char('e'));
    h.typed("SELEC 1");
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::CONTROL,
    )));
    let run = h.last(|r| matches!(r, Request::SqlRun { .. }));
    h.reply(
        run,
        Err(DriverError::InvalidInput(
            "syntax error at \"SELEC\"".into(),
        )),
    );
    assert_eq!(
        h.state.sql.grid.error.as_deref(),
        Some("syntax error at \"SELEC\"")
    );
}

/// A page of `books` open in the grid.
fn with_page() -> Harness {
    let mut h = with_tree();
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Enter);
    let (first, _) = last_rows(&h);
    h.reply(first, Ok(page(1..4, None)));
    h
}

#[test]
fn a_cell_edit_shows_its_update_then_runs_it_and_reloads() {
    let mut h = with_page();
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('E'));
    assert!(matches!(&h.state.modal, Some(Modal::Prompt(p)) if p.input == "2"));
    h.press(KeyCode::Backspace);
    h.typed("it's 5");
    h.press(KeyCode::Enter);
    let Some(Modal::Confirm(confirm)) = &h.state.modal else {
        panic!("no preview")
    };
    let update = "UPDATE \"main\".\"books\" SET \"id\" = 'it''s 5' WHERE \"id\" = 2";
    assert!(confirm.question.ends_with(update), "{}", confirm.question);
    h.press(KeyCode::Char('y'));
    let edit = h.last(|r| matches!(r, Request::SqlEdit { sql, expected: 1 } if sql == update));
    h.reply(edit, Ok(Response::Changed(1)));
    assert_eq!(h.message(), "1 row changed and committed");
    assert_eq!(
        h.state.sql.grid.selected, 1,
        "the edited row stays selected"
    );
    let (_, reload) = last_rows(&h);
    assert_eq!(reload.cursor, None);
}

#[test]
fn ctrl_n_sets_null_and_delete_names_the_row() {
    let mut h = with_page();
    h.press(KeyCode::Char('E'));
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('n'),
        KeyModifiers::CONTROL,
    )));
    let Some(Modal::Confirm(confirm)) = &h.state.modal else {
        panic!("no preview")
    };
    assert!(
        confirm
            .question
            .contains("SET \"id\" = NULL WHERE \"id\" = 1")
    );
    h.press(KeyCode::Char('n'));
    assert_eq!(h.message(), "nothing changed");

    h.press(KeyCode::Char('G'));
    h.press(KeyCode::Char('d'));
    let Some(Modal::Confirm(confirm)) = &h.state.modal else {
        panic!("no preview")
    };
    assert!(
        confirm
            .question
            .ends_with("DELETE FROM \"main\".\"books\" WHERE \"id\" = 3")
    );
}

#[test]
fn insert_writes_a_template_into_the_editor() {
    let mut h = with_page();
    h.press(KeyCode::Char('a'));
    assert!(matches!(h.state.modal, Some(Modal::Query)));
    assert_eq!(
        h.state.sql.editor.lines(),
        ["INSERT INTO \"main\".\"books\" (\"id\")", "VALUES (NULL);"]
    );
}

#[test]
fn statement_results_are_not_editable() {
    let mut h = with_tree();
    h.press(KeyCode::Char('e'));
    h.typed("SELECT 1 AS id");
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::CONTROL,
    )));
    h.press(KeyCode::Char('E'));
    assert!(h.state.modal.is_none());
    assert_eq!(h.message(), "edits work on table pages: open a table first");
}

#[test]
fn cursor_offsets_count_bytes_across_lines() {
    let lines = vec!["SELECT 'é';".to_owned(), "SELECT 2".to_owned()];
    assert_eq!(byte_offset(&lines, 0, 0), 0);
    assert_eq!(byte_offset(&lines, 0, 10), 11);
    assert_eq!(byte_offset(&lines, 1, 0), 13);
    assert_eq!(byte_offset(&lines, 1, 99), 21);
}

#[test]
fn export_writes_the_whole_table_and_esc_cancels_it() {
    let mut h = with_page();
    h.press(KeyCode::Char('/'));
    h.typed("id > 1");
    h.press(KeyCode::Enter);
    let (page, _) = last_rows(&h);
    h.reply(page, Ok(page_of(2..4)));
    h.press(KeyCode::Char('x'));
    assert!(matches!(&h.state.modal, Some(Modal::Prompt(p)) if p.input == "books.csv"));
    h.press(KeyCode::Enter);
    let export = h.last(|r| {
        matches!(r, Request::SqlExport { sql, path, .. }
            if sql == "SELECT * FROM \"main\".\"books\" WHERE (id > 1\n)"
                && path.to_str() == Some("books.csv"))
    });
    assert!(h.state.sql.export.is_some());
    let effects = h.press(KeyCode::Esc);
    assert!(matches!(effects[..], [Effect::Cancel(id)] if id == export));
    assert!(h.state.sql.export.is_none());
    assert_eq!(h.message(), "export cancelled");
}

fn page_of(ids: std::ops::Range<i64>) -> Response {
    page(ids, None)
}

#[test]
fn a_selection_runs_instead_of_the_statement_under_the_cursor() {
    let mut h = with_tree();
    h.press(KeyCode::Char('e'));
    h.typed("SELECT 1, 2;");
    // Shift-Left three times selects " 2;".
    for _ in 0..3 {
        h.send(Event::Key(KeyEvent::new(
            KeyCode::Left,
            KeyModifiers::SHIFT,
        )));
    }
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::CONTROL,
    )));
    let runs: Vec<&Request> = h.jobs.iter().map(|(_, _, r)| r).collect();
    assert!(
        runs.iter()
            .any(|r| matches!(r, Request::SqlRun { sql, .. } if sql == "2;")),
        "{runs:?}"
    );
}

fn ctrl(h: &mut Harness, c: char) -> Vec<Effect> {
    h.send(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

#[test]
fn history_is_loaded_per_connection_saved_on_run_and_recalled() {
    let mut h = with_tree();
    h.send(Event::History {
        connection: "demo".into(),
        statements: vec!["SELECT 'old'".into()],
    });
    h.press(KeyCode::Char('e'));
    h.typed("SELECT 1");
    let effects = ctrl(&mut h, 'r');
    let saved = effects.iter().find_map(|e| match e {
        Effect::SaveHistory {
            connection,
            statements,
        } => Some((connection.clone(), statements.clone())),
        _ => None,
    });
    assert_eq!(
        saved,
        Some((
            "demo".to_owned(),
            vec!["SELECT 'old'".to_owned(), "SELECT 1".to_owned()]
        ))
    );

    h.press(KeyCode::Char('e'));
    ctrl(&mut h, 'p');
    assert_eq!(h.state.sql.editor.lines(), ["SELECT 1"]);
    ctrl(&mut h, 'p');
    assert_eq!(h.state.sql.editor.lines(), ["SELECT 'old'"]);
    ctrl(&mut h, 'n');
    assert_eq!(h.state.sql.editor.lines(), ["SELECT 1"]);
    ctrl(&mut h, 'n');
    assert_eq!(
        h.state.sql.editor.lines(),
        ["SELECT 1"],
        "back to the draft"
    );

    h.typed(" -- edited");
    ctrl(&mut h, 'p');
    ctrl(&mut h, 'n');
    assert_eq!(h.state.sql.editor.lines(), ["SELECT 1 -- edited"]);

    // History for another connection, arriving late, is not taken.
    h.send(Event::History {
        connection: "other".into(),
        statements: vec!["DROP TABLE x".into()],
    });
    assert_eq!(h.state.sql.history.len(), 2);
}
