//! The SQL browser: the schema tree (schemas, then their tables and views,
//! each level loaded when opened), the grid of rows a table page or a
//! statement produced, and the SQL editor's buffer.
//!
//! Table pages keep the cursor each page started from, so going back
//! re-reads one page instead of counting from the top.

use ratatui_textarea::TextArea;

use super::modal::{Confirm, Confirmed, Modal, Prompt, PromptKind};
use super::{Focus, State};
use crate::domain::sql::{Cell, Column, QueryResult, Relation, RowCursor, RowPage, RowsRequest};
use crate::domain::sql_write::{self, Dialect};
use crate::domain::statements;
use crate::driver::DriverError;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Slot};
use crate::worker::{Request, Response};

/// One row of the schema tree.
#[derive(Clone, Debug, PartialEq)]
pub enum TreeRow {
    Schema { name: String, expanded: bool },
    Relation(Relation),
}

/// Where the grid's rows came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum GridSource {
    #[default]
    Empty,
    /// A table page; `starts` holds the cursor of each earlier page.
    Table {
        request: RowsRequest,
        starts: Vec<Option<RowCursor>>,
    },
    /// A statement's result.
    Query {
        sql: String,
        truncated: bool,
        rows_affected: u64,
    },
}

/// The rows on show.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grid {
    pub source: GridSource,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub selected: usize,
    /// The first column shown (horizontal scroll).
    pub first_column: usize,
    pub next: Option<RowCursor>,
    pub error: Option<String>,
    /// The table's primary key, which edits name rows by; empty for a
    /// statement's result or a table without one.
    pub primary_key: Vec<String>,
}

impl Grid {
    /// The 0-based number of the first row on this page, for a table.
    pub fn page_number(&self) -> usize {
        match &self.source {
            GridSource::Table { starts, .. } => starts.len(),
            _ => 0,
        }
    }
}

/// The SQL panes' state.
#[derive(Debug, Default)]
pub struct SqlPane {
    pub tree: Vec<TreeRow>,
    pub tree_selected: usize,
    pub tree_error: Option<String>,
    /// The schema whose relations are loading.
    pub loading_schema: Option<String>,
    pub grid: Grid,
    /// The SQL editor's text, kept while the editor is closed.
    pub editor: TextArea<'static>,
}

/// The connection answered: load its schemas.
pub fn on_connected(state: &mut State) -> Vec<Effect> {
    state.sql.tree_error = None;
    state.submit(Slot::SqlTree, Request::SqlSchemas)
}

/// A tree level arrived (or failed).
pub fn on_tree(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    let pane = &mut state.sql;
    match result {
        Ok(Response::Schemas(names)) => {
            pane.tree = names
                .into_iter()
                .map(|name| TreeRow::Schema {
                    name,
                    expanded: false,
                })
                .collect();
            pane.tree_selected = 0;
            // The first schema (public, or SQLite's main) opens by itself.
            expand(state, 0)
        }
        Ok(Response::Relations(relations)) => {
            let Some(schema) = pane.loading_schema.take() else {
                return Vec::new();
            };
            insert_relations(pane, &schema, relations);
            Vec::new()
        }
        Ok(_) => Vec::new(),
        Err(error) => {
            pane.loading_schema = None;
            pane.tree_error = Some(error.to_string());
            state.error(format!("{error} · press r to retry"));
            Vec::new()
        }
    }
}

fn insert_relations(pane: &mut SqlPane, schema: &str, relations: Vec<Relation>) {
    let Some(at) = pane
        .tree
        .iter()
        .position(|row| matches!(row, TreeRow::Schema { name, .. } if name == schema))
    else {
        return;
    };
    if let TreeRow::Schema { expanded, .. } = &mut pane.tree[at] {
        *expanded = true;
    }
    let rows = relations.into_iter().map(TreeRow::Relation);
    pane.tree.splice(at + 1..at + 1, rows);
}

/// Opens the schema at `index`, loading its tables and views.
fn expand(state: &mut State, index: usize) -> Vec<Effect> {
    let Some(TreeRow::Schema { name, .. }) = state.sql.tree.get(index) else {
        return Vec::new();
    };
    state.sql.loading_schema = Some(name.clone());
    let schema = name.clone();
    state.submit(Slot::SqlTree, Request::SqlRelations { schema })
}

/// Closes the schema at `index`, dropping its rows from the tree.
fn collapse(pane: &mut SqlPane, index: usize) {
    if let Some(TreeRow::Schema { expanded, .. }) = pane.tree.get_mut(index) {
        *expanded = false;
    }
    let end = pane.tree[index + 1..]
        .iter()
        .position(|row| matches!(row, TreeRow::Schema { .. }))
        .map_or(pane.tree.len(), |offset| index + 1 + offset);
    pane.tree.drain(index + 1..end);
}

/// Keys in the tree pane; `None` for what it leaves to the global keys.
pub fn on_tree_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let len = state.sql.tree.len();
    let selected = &mut state.sql.tree_selected;
    match action {
        Action::Down => *selected = (*selected + 1).min(len.saturating_sub(1)),
        Action::Up => *selected = selected.saturating_sub(1),
        Action::Top => *selected = 0,
        Action::Bottom => *selected = len.saturating_sub(1),
        Action::PageDown => *selected = (*selected + 10).min(len.saturating_sub(1)),
        Action::PageUp => *selected = selected.saturating_sub(10),
        Action::Open => return Some(open_tree_row(state)),
        Action::Retry => return Some(on_connected(state)),
        Action::Query => return Some(open_editor(state)),
        _ => return None,
    }
    Some(Vec::new())
}

fn open_tree_row(state: &mut State) -> Vec<Effect> {
    let index = state.sql.tree_selected;
    match state.sql.tree.get(index).cloned() {
        Some(TreeRow::Schema { expanded: true, .. }) => {
            collapse(&mut state.sql, index);
            Vec::new()
        }
        Some(TreeRow::Schema { .. }) => expand(state, index),
        Some(TreeRow::Relation(relation)) => {
            let request = RowsRequest {
                table: relation.table,
                filter: None,
                order: None,
                cursor: None,
                limit: state.config.value_page,
            };
            state.focus = Focus::Rows;
            load_table(state, request, Vec::new())
        }
        None => Vec::new(),
    }
}

/// Asks for one page of a table; the grid keeps showing the old page until
/// the new one arrives.
fn load_table(
    state: &mut State,
    request: RowsRequest,
    starts: Vec<Option<RowCursor>>,
) -> Vec<Effect> {
    state.sql.grid.source = GridSource::Table {
        request: request.clone(),
        starts,
    };
    state.sql.grid.error = None;
    state.submit(Slot::SqlGrid, Request::SqlRows(request))
}

/// A page or a statement's result arrived (or failed).
pub fn on_grid(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    match result {
        Ok(Response::Rows(page)) => show_page(&mut state.sql.grid, page),
        Ok(Response::Ran(result)) => {
            let summary = ran_summary(&result);
            show_result(&mut state.sql.grid, result);
            state.info(summary);
        }
        Ok(_) => {}
        Err(DriverError::Cancelled) => state.info("statement cancelled"),
        Err(error) => {
            state.sql.grid.error = Some(error.to_string());
            state.sql.grid.columns.clear();
            state.sql.grid.rows.clear();
            state.error(error.to_string());
        }
    }
    Vec::new()
}

fn show_page(grid: &mut Grid, page: RowPage) {
    grid.primary_key = page.primary_key;
    grid.columns = page.columns;
    grid.rows = page.rows;
    grid.next = page.next;
    grid.selected = 0;
    grid.error = None;
}

fn show_result(grid: &mut Grid, result: QueryResult) {
    if let GridSource::Query {
        truncated,
        rows_affected,
        ..
    } = &mut grid.source
    {
        *truncated = result.truncated;
        *rows_affected = result.rows_affected;
    }
    grid.primary_key = Vec::new();
    grid.columns = result.columns;
    grid.rows = result.rows;
    grid.next = None;
    grid.selected = 0;
    grid.first_column = 0;
    grid.error = None;
}

fn ran_summary(result: &QueryResult) -> String {
    match (result.columns.is_empty(), result.truncated) {
        (true, _) => format!("done · {} rows affected", result.rows_affected),
        (false, true) => format!(
            "first {} rows shown · more were not read",
            result.rows.len()
        ),
        (false, false) => format!("{} rows", result.rows.len()),
    }
}

/// Keys in the grid pane; `None` for what it leaves to the global keys.
pub fn on_grid_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let grid = &mut state.sql.grid;
    let last = grid.rows.len().saturating_sub(1);
    match action {
        Action::Down => grid.selected = (grid.selected + 1).min(last),
        Action::Up => grid.selected = grid.selected.saturating_sub(1),
        Action::Top => grid.selected = 0,
        Action::Bottom => grid.selected = last,
        Action::PageDown => grid.selected = (grid.selected + 20).min(last),
        Action::PageUp => grid.selected = grid.selected.saturating_sub(20),
        Action::Right => {
            grid.first_column = (grid.first_column + 1).min(grid.columns.len().saturating_sub(1));
        }
        Action::Left => grid.first_column = grid.first_column.saturating_sub(1),
        Action::NextPage => return Some(next_page(state)),
        Action::PrevPage => return Some(prev_page(state)),
        Action::Filter => return Some(clause_prompt(state, true)),
        Action::Order => return Some(clause_prompt(state, false)),
        Action::Open => return Some(open_cell(state)),
        Action::Query => return Some(open_editor(state)),
        Action::Retry => return Some(reload(state)),
        Action::Edit => return Some(edit_cell(state)),
        Action::Delete => return Some(preview_delete(state)),
        Action::Insert => return Some(insert_row(state)),
        _ => return None,
    }
    Some(Vec::new())
}

fn next_page(state: &mut State) -> Vec<Effect> {
    let grid = &state.sql.grid;
    let (GridSource::Table { request, starts }, Some(next)) = (&grid.source, &grid.next) else {
        state.info("this is the last page");
        return Vec::new();
    };
    let mut starts = starts.clone();
    starts.push(request.cursor.clone());
    let request = RowsRequest {
        cursor: Some(next.clone()),
        ..request.clone()
    };
    load_table(state, request, starts)
}

fn prev_page(state: &mut State) -> Vec<Effect> {
    let GridSource::Table { request, starts } = &state.sql.grid.source else {
        return Vec::new();
    };
    let mut starts = starts.clone();
    let Some(cursor) = starts.pop() else {
        state.info("this is the first page");
        return Vec::new();
    };
    let request = RowsRequest {
        cursor,
        ..request.clone()
    };
    load_table(state, request, starts)
}

/// Reads the current page again (or reruns the statement).
fn reload(state: &mut State) -> Vec<Effect> {
    match state.sql.grid.source.clone() {
        GridSource::Table { request, starts } => load_table(state, request, starts),
        GridSource::Query { sql, .. } => run_sql(state, sql),
        GridSource::Empty => Vec::new(),
    }
}

fn clause_prompt(state: &mut State, filter: bool) -> Vec<Effect> {
    let GridSource::Table { request, .. } = &state.sql.grid.source else {
        state.info("open a table first: WHERE and ORDER BY apply to table pages");
        return Vec::new();
    };
    let (kind, input) = if filter {
        (PromptKind::Where, request.filter.clone())
    } else {
        (PromptKind::OrderBy, request.order.clone())
    };
    state.modal = Some(Modal::Prompt(Prompt {
        kind,
        input: input.unwrap_or_default(),
    }));
    Vec::new()
}

/// A WHERE or ORDER BY typed in the prompt: the table starts again from
/// its first page with it (empty text removes it).
pub fn apply_clause(state: &mut State, kind: &PromptKind, input: String) -> Vec<Effect> {
    let GridSource::Table { request, .. } = &state.sql.grid.source else {
        return Vec::new();
    };
    let clause = Some(input).filter(|text| !text.trim().is_empty());
    let mut request = RowsRequest {
        cursor: None,
        ..request.clone()
    };
    match kind {
        PromptKind::Where => request.filter = clause,
        _ => request.order = clause,
    }
    load_table(state, request, Vec::new())
}

/// Shows the selected cell whole, in a scrollable view.
fn open_cell(state: &mut State) -> Vec<Effect> {
    let grid = &state.sql.grid;
    let Some(row) = grid.rows.get(grid.selected) else {
        return Vec::new();
    };
    let column = grid.first_column.min(grid.columns.len().saturating_sub(1));
    let (Some(cell), Some(header)) = (row.get(column), grid.columns.get(column)) else {
        return Vec::new();
    };
    // SQLite reports no type for an expression's column.
    let title = match header.type_name.as_str() {
        "" | "null" => header.name.clone(),
        type_name => format!("{} ({type_name})", header.name),
    };
    state.modal = Some(Modal::Cell {
        title,
        cell: cell.clone(),
        scroll: 0,
    });
    Vec::new()
}

pub fn open_editor(state: &mut State) -> Vec<Effect> {
    state.modal = Some(Modal::Query);
    Vec::new()
}

/// Runs the statement under the editor's cursor.
pub fn run_at_cursor(state: &mut State) -> Vec<Effect> {
    let editor = &state.sql.editor;
    let text = editor.lines().join("\n");
    let cursor = editor.cursor();
    let (row, column) = (cursor.0, cursor.1);
    let offset = byte_offset(editor.lines(), row, column);
    let Some(statement) = statements::at_cursor(&text, offset) else {
        state.info("nothing to run: type a statement first");
        return Vec::new();
    };
    state.modal = None;
    state.focus = Focus::Rows;
    run_sql(state, statement.text)
}

fn run_sql(state: &mut State, sql: String) -> Vec<Effect> {
    state.sql.grid.source = GridSource::Query {
        sql: sql.clone(),
        truncated: false,
        rows_affected: 0,
    };
    state.sql.grid.error = None;
    state.info("running · Esc cancels");
    let cap = state.config.sql_row_cap;
    let request = Request::SqlRun {
        sql,
        cap,
        read_only: false,
    };
    state.submit(Slot::SqlGrid, request)
}

/// The table on show and its dialect, when its rows can be edited; says
/// why not otherwise.
fn editable(state: &mut State) -> Option<(crate::domain::sql::TableRef, Dialect)> {
    if state.refuse_write() {
        return None;
    }
    let grid = &state.sql.grid;
    let GridSource::Table { request, .. } = &grid.source else {
        state.info("edits work on table pages: open a table first");
        return None;
    };
    if grid.primary_key.is_empty() {
        state.info("this table has no primary key, so a row cannot be named for an edit");
        return None;
    }
    let dialect = match state.session.as_ref().map(|s| s.target.kind) {
        Some(crate::domain::Kind::Postgres) => Dialect::Postgres,
        _ => Dialect::Sqlite,
    };
    Some((request.table.clone(), dialect))
}

/// The primary key's values in row `row`.
fn row_key(grid: &Grid, row: usize) -> Option<Vec<(String, Cell)>> {
    let cells = grid.rows.get(row)?;
    grid.primary_key
        .iter()
        .map(|name| {
            let at = grid.columns.iter().position(|c| &c.name == name)?;
            Some((name.clone(), cells.get(at)?.clone()))
        })
        .collect()
}

/// Asks for the selected cell's new value, starting from its current text.
fn edit_cell(state: &mut State) -> Vec<Effect> {
    if editable(state).is_none() {
        return Vec::new();
    }
    let grid = &state.sql.grid;
    let (row, column) = (grid.selected, grid.first_column);
    let Some(cell) = grid.rows.get(row).and_then(|r| r.get(column)) else {
        return Vec::new();
    };
    if matches!(cell, Cell::Bytes(_)) {
        state.info("binary values are edited with SQL (e): a prompt would change their bytes");
        return Vec::new();
    }
    state.modal = Some(Modal::Prompt(Prompt {
        kind: PromptKind::CellValue { row, column },
        input: cell.text().unwrap_or_default(),
    }));
    Vec::new()
}

/// Shows the UPDATE for a new cell value and asks before running it.
pub fn preview_update(state: &mut State, row: usize, column: usize, value: Cell) -> Vec<Effect> {
    let Some((table, dialect)) = editable(state) else {
        return Vec::new();
    };
    let grid = &state.sql.grid;
    let (Some(key), Some(header)) = (row_key(grid, row), grid.columns.get(column)) else {
        state.error("the page changed while editing: nothing was changed");
        return Vec::new();
    };
    match sql_write::update_cell(dialect, &table, &key, &header.name, &value) {
        Some(sql) => confirm_edit(state, sql),
        None => {
            state.error("this row's key holds NULL, so it cannot be named: nothing was changed");
            Vec::new()
        }
    }
}

fn preview_delete(state: &mut State) -> Vec<Effect> {
    let Some((table, dialect)) = editable(state) else {
        return Vec::new();
    };
    let grid = &state.sql.grid;
    let sql =
        row_key(grid, grid.selected).and_then(|key| sql_write::delete_row(dialect, &table, &key));
    match sql {
        Some(sql) => confirm_edit(state, sql),
        None => Vec::new(),
    }
}

fn confirm_edit(state: &mut State, sql: String) -> Vec<Effect> {
    state.modal = Some(Modal::Confirm(Confirm {
        question: format!("Run this in a transaction? {sql}"),
        on_yes: Confirmed::SqlEdit(sql),
    }));
    Vec::new()
}

/// Runs a confirmed edit, which must change exactly one row.
pub fn run_edit(state: &mut State, sql: String) -> Vec<Effect> {
    state.info("saving…");
    state.submit(Slot::SqlEdit, Request::SqlEdit { sql, expected: 1 })
}

/// An edit's outcome: the page reloads to show it.
pub fn on_edited(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    match result {
        Ok(Response::Changed(rows)) => {
            let text = format!("{rows} row changed and committed");
            let effects = reload(state);
            state.info(text);
            effects
        }
        Ok(_) => Vec::new(),
        Err(error) => {
            state.error(format!("{error}; nothing was changed"));
            Vec::new()
        }
    }
}

/// Writes an INSERT for the table on show at the end of the SQL editor,
/// with the cursor on it, ready to fill in and run.
fn insert_row(state: &mut State) -> Vec<Effect> {
    let Some((table, _)) = editable(state) else {
        return Vec::new();
    };
    let columns: Vec<String> = state
        .sql
        .grid
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let template = sql_write::insert_template(&table, &columns);
    let editor = &mut state.sql.editor;
    editor.move_cursor(ratatui_textarea::CursorMove::Bottom);
    editor.move_cursor(ratatui_textarea::CursorMove::End);
    if !editor.lines().iter().all(String::is_empty) {
        editor.insert_newline();
    }
    editor.insert_str(template);
    state.modal = Some(Modal::Query);
    Vec::new()
}

/// The byte offset of a (row, char column) cursor in lines joined by `\n`.
fn byte_offset(lines: &[String], row: usize, column: usize) -> usize {
    let before: usize = lines.iter().take(row).map(|line| line.len() + 1).sum();
    let within = lines.get(row).map_or(0, |line| {
        line.char_indices()
            .nth(column)
            .map_or(line.len(), |(at, _)| at)
    });
    before + within
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::domain::sql::{RelationKind, TableRef};
    use crate::domain::{Kind, ProfileId};
    use crate::tui::effect::Purpose;
    use crate::tui::event::Event;
    use crate::tui::state::tests::{Harness, target};
    use crate::worker::RequestId;

    fn relation(name: &str) -> Relation {
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

    fn with_tree() -> Harness {
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
                Request::SqlRows(rows) => Some((*id, rows.clone())),
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
    fn an_sql_connection_loads_schemas_then_opens_the_first() {
        let h = with_tree();
        let names: Vec<String> = h
            .state
            .sql
            .tree
            .iter()
            .map(|row| match row {
                TreeRow::Schema { name, expanded } => format!("{name} {expanded}"),
                TreeRow::Relation(r) => r.table.name.clone(),
            })
            .collect();
        assert_eq!(names, ["main true", "authors", "books"]);
        // No Redis work was asked of an SQL connection.
        assert!(
            !h.jobs
                .iter()
                .any(|(_, _, r)| matches!(r, Request::Scan(_) | Request::Databases))
        );
    }

    #[test]
    fn enter_on_a_schema_closes_and_reopens_it() {
        let mut h = with_tree();
        h.press(KeyCode::Enter);
        assert_eq!(h.state.sql.tree.len(), 1);
        h.press(KeyCode::Enter);
        let reload = h.last(|r| matches!(r, Request::SqlRelations { schema } if schema == "main"));
        h.reply(reload, Ok(Response::Relations(vec![relation("authors")])));
        assert_eq!(h.state.sql.tree.len(), 2);
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
        let run =
            h.last(|r| matches!(r, Request::SqlRun { sql, cap: 1000, .. } if sql == "SELECT 2"));
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
}
