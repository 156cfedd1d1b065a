//! Editing a table's rows from the grid: a cell's new value or a row's
//! deletion is shown as its statement first, then runs in a transaction
//! that commits only when exactly one row changed; an INSERT is written
//! into the SQL editor for the user to fill in.

use super::{Grid, GridSource, reload};
use crate::domain::sql::Cell;
use crate::domain::sql_write::{self, Dialect};
use crate::driver::DriverError;
use crate::tui::effect::{Effect, Slot};
use crate::tui::state::State;
use crate::tui::state::modal::{Confirm, Confirmed, Modal, Prompt, PromptKind};
use crate::worker::{Request, Response};

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
    let table = request.table.clone();
    let dialect = state
        .session
        .as_ref()
        .and_then(|s| Dialect::of(s.target.kind))?;
    Some((table, dialect))
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
pub fn edit_cell(state: &mut State) -> Vec<Effect> {
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

pub fn preview_delete(state: &mut State) -> Vec<Effect> {
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
            let text = format!("{} changed and committed", super::rows_word(rows));
            state.sql.grid.keep_selection = true;
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
pub fn insert_row(state: &mut State) -> Vec<Effect> {
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
