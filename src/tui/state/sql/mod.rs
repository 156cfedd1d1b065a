//! The SQL browser: the schema tree (schemas, then their tables and views,
//! each level loaded when opened), the grid of rows a table page or a
//! statement produced, and the SQL editor's buffer.
//!
//! Table pages keep the cursor each page started from, so going back
//! re-reads one page instead of counting from the top.

use ratatui_textarea::TextArea;

mod edit;

pub use edit::{on_edited, preview_update, run_edit};

use super::modal::{Modal, Prompt, PromptKind};
use super::tables::Tree;
use super::{Focus, State};
use crate::domain::ByteString;
use crate::domain::sql::{Cell, Column, QueryResult, RowCursor, RowPage, RowsRequest};
use crate::domain::statements;
use crate::driver::DriverError;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Slot};
use crate::worker::{Progress, Request, Response};

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
    /// Keep the selected row when the next page arrives (a reload).
    pub keep_selection: bool,
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
    pub tree: Tree,
    pub grid: Grid,
    /// The SQL editor's text, kept while the editor is closed.
    pub editor: TextArea<'static>,
    /// The running export's row count.
    pub export: Option<Progress>,
    /// Statements run on this connection, oldest first.
    pub history: Vec<String>,
    /// Where ctrl-p/ctrl-n are in the history; `None` when not browsing.
    pub history_at: Option<usize>,
    /// The text being written when browsing began, given back after the
    /// newest entry.
    pub draft: Vec<String>,
}

/// Asks for one page of a table; the grid keeps showing the old page until
/// the new one arrives.
pub fn load_table(
    state: &mut State,
    request: RowsRequest,
    starts: Vec<Option<RowCursor>>,
) -> Vec<Effect> {
    state.sql.grid.source = GridSource::Table {
        request: request.clone(),
        starts,
    };
    state.sql.grid.error = None;
    state.submit(Slot::SqlGrid, Request::SqlRows(Box::new(request)))
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
    // Later pages of this table reuse the key instead of looking it up.
    if let GridSource::Table { request, .. } = &mut grid.source {
        request.primary_key = Some(page.primary_key.clone());
    }
    grid.primary_key = page.primary_key;
    grid.columns = page.columns;
    grid.rows = page.rows;
    grid.next = page.next;
    // A reload after an edit stays on the edited row; a new page starts
    // at its top.
    grid.selected = if std::mem::take(&mut grid.keep_selection) {
        grid.selected.min(grid.rows.len().saturating_sub(1))
    } else {
        0
    };
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
    let rows = result.rows.len() as u64;
    match (result.columns.is_empty(), result.truncated) {
        (true, _) => format!("done · {} affected", rows_word(result.rows_affected)),
        (false, true) => format!("first {} shown · more were not read", rows_word(rows)),
        (false, false) => rows_word(rows),
    }
}

/// "1 row", "2 rows", "1,500 rows".
pub fn rows_word(n: u64) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{} rows", crate::tui::text::count(n))
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
        Action::Edit => return Some(edit::edit_cell(state)),
        Action::Delete => return Some(edit::preview_delete(state)),
        Action::Insert => return Some(edit::insert_row(state)),
        Action::Export => return Some(export_prompt(state)),
        _ => return None,
    }
    Some(Vec::new())
}

fn next_page(state: &mut State) -> Vec<Effect> {
    // The cursor to follow arrives with the page that is still loading.
    if state.is_waiting(&Slot::SqlGrid) {
        return Vec::new();
    }
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
    if state.is_waiting(&Slot::SqlGrid) {
        return Vec::new();
    }
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
pub(super) fn reload(state: &mut State) -> Vec<Effect> {
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
    // The type (SQLite reports none for an expression), and a length for
    // bytes, whose dump does not show it.
    let mut about: Vec<String> = Vec::new();
    if !matches!(header.type_name.as_str(), "" | "null") {
        about.push(header.type_name.clone());
    }
    if let Cell::Bytes(bytes) = cell {
        about.push(crate::tui::text::bytes(bytes.len() as u64));
    }
    let title = if about.is_empty() {
        header.name.clone()
    } else {
        format!("{} ({})", header.name, about.join(", "))
    };
    // JSON is pretty-printed once here, not on every frame.
    let shown = match cell {
        Cell::Text(text) if text.trim_start().starts_with(['{', '[']) => {
            let limit = state.config.max_pretty_json_bytes;
            let pretty = super::value::pretty_json(&ByteString::from(text.as_str()), false, limit);
            Cell::Text(pretty.unwrap_or_else(|_| text.clone()))
        }
        other => other.clone(),
    };
    state.modal = Some(Modal::Cell {
        title,
        cell: shown,
        scroll: 0,
    });
    Vec::new()
}

pub fn open_editor(state: &mut State) -> Vec<Effect> {
    state.modal = Some(Modal::Query);
    Vec::new()
}

/// Runs the selected text, or else the statement under the editor's
/// cursor.
pub fn run_at_cursor(state: &mut State) -> Vec<Effect> {
    let Some(sql) = statement_to_run(&state.sql.editor) else {
        state.info("nothing to run: type a statement first");
        return Vec::new();
    };
    state.modal = None;
    state.focus = Focus::Rows;
    let mut effects = remember(state, &sql);
    effects.extend(run_sql(state, sql));
    effects
}

/// The most statements kept per connection.
const HISTORY_LIMIT: usize = 200;

/// Adds a statement to the history (moving a repeat to the end).
fn remember(state: &mut State, sql: &str) -> Vec<Effect> {
    let pane = &mut state.sql;
    pane.history.retain(|old| old != sql);
    pane.history.push(sql.to_owned());
    let excess = pane.history.len().saturating_sub(HISTORY_LIMIT);
    pane.history.drain(..excess);
    pane.history_at = None;
    let Some(session) = &state.session else {
        return Vec::new();
    };
    vec![Effect::SaveHistory {
        connection: session.target.name.clone(),
        statements: pane.history.clone(),
    }]
}

/// The stored history arrived; kept only if still on that connection.
pub fn on_history(state: &mut State, connection: &str, statements: Vec<String>) -> Vec<Effect> {
    if state
        .session
        .as_ref()
        .is_some_and(|s| s.target.name == connection)
    {
        state.sql.history = statements;
        state.sql.history_at = None;
    }
    Vec::new()
}

/// Replaces the editor's text with an older (`back`) or newer statement.
pub fn recall(state: &mut State, back: bool) -> Vec<Effect> {
    let pane = &mut state.sql;
    let len = pane.history.len();
    let at = match (pane.history_at, back) {
        (_, _) if len == 0 => {
            state.info("no statements run on this connection yet");
            return Vec::new();
        }
        (None, true) => {
            pane.draft = pane.editor.lines().to_vec();
            len - 1
        }
        (None, false) => return Vec::new(),
        (Some(at), true) => at.saturating_sub(1),
        (Some(at), false) if at + 1 < len => at + 1,
        (Some(_), false) => {
            pane.history_at = None;
            let draft = std::mem::take(&mut pane.draft);
            set_editor_text(pane, draft);
            return Vec::new();
        }
    };
    pane.history_at = Some(at);
    let lines: Vec<String> = pane.history[at].lines().map(str::to_owned).collect();
    set_editor_text(pane, lines);
    Vec::new()
}

/// Replaces the editor's text, with the cursor at its end.
fn set_editor_text(pane: &mut SqlPane, lines: Vec<String>) {
    pane.editor = TextArea::new(lines);
    pane.editor
        .move_cursor(ratatui_textarea::CursorMove::Bottom);
    pane.editor.move_cursor(ratatui_textarea::CursorMove::End);
}

fn statement_to_run(editor: &TextArea<'static>) -> Option<String> {
    let lines = editor.lines();
    let text = lines.join("\n");
    if let Some((from, to)) = editor.selection_range().filter(|(from, to)| from != to) {
        let start = byte_offset(lines, from.0, from.1);
        let end = byte_offset(lines, to.0, to.1);
        let selected = text.get(start..end)?.trim();
        return (!statements::split(selected).is_empty()).then(|| selected.to_owned());
    }
    let cursor = editor.cursor();
    let offset = byte_offset(lines, cursor.0, cursor.1);
    statements::at_cursor(&text, offset).map(|statement| statement.text)
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

/// The statement that reads everything the grid shows a part of: the
/// table with its WHERE and ORDER BY, or the statement itself.
fn whole_statement(grid: &Grid) -> Option<String> {
    match &grid.source {
        GridSource::Table { request, .. } => Some(crate::domain::sql_write::select_all(
            &request.table,
            request.filter.as_deref(),
            request.order.as_deref(),
        )),
        GridSource::Query { sql, .. } => Some(sql.clone()),
        GridSource::Empty => None,
    }
}

fn export_prompt(state: &mut State) -> Vec<Effect> {
    let name = match &state.sql.grid.source {
        GridSource::Table { request, .. } => format!("{}.csv", request.table.name),
        GridSource::Query { .. } => "result.csv".to_owned(),
        GridSource::Empty => {
            state.info("open a table or run a statement first");
            return Vec::new();
        }
    };
    state.modal = Some(Modal::Prompt(Prompt {
        kind: PromptKind::ExportPath,
        input: name,
    }));
    Vec::new()
}

/// Starts writing every row (not only those shown) to `path`.
pub fn start_export(state: &mut State, path: String) -> Vec<Effect> {
    let Some(sql) = whole_statement(&state.sql.grid) else {
        return Vec::new();
    };
    if path.trim().is_empty() {
        state.info("no file named: nothing exported");
        return Vec::new();
    }
    let progress = Progress::default();
    state.sql.export = Some(progress.clone());
    state.info(format!("exporting to {path}"));
    let request = Request::SqlExport {
        sql,
        path: path.into(),
        progress,
    };
    state.submit(Slot::SqlExport, request)
}

pub fn on_exported(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    state.sql.export = None;
    match result {
        Ok(Response::Exported(rows)) => state.info(format!("exported {}", rows_word(rows))),
        Ok(_) => {}
        Err(DriverError::Cancelled) => state.info("export cancelled: no file was left"),
        Err(error) => state.error(format!("export failed: {error}")),
    }
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
pub(crate) mod tests;
