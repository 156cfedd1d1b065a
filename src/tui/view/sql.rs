//! The SQL panes: the schema tree, the rows grid, and the pop-ups for the
//! SQL editor and a whole cell. Only visible rows and columns are built.
//!
//! NULL has one marker everywhere, styled apart from data, so it can never
//! be read as the text 'NULL'; empty text is an empty cell.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use super::modal::{centered, popup};
use super::{dim_style, error_style, pane, selected_style, window_start};
use crate::domain::bytes::escape_bytes;
use crate::domain::sql::{Cell, RelationKind, hex_text};
use crate::tui::effect::Slot;
use crate::tui::state::sql::{GridSource, rows_word};
use crate::tui::state::tables::TreeRow;
use crate::tui::state::{Focus, State};
use crate::tui::text;

/// The widest a grid column grows before its cells are cut.
const MAX_COLUMN_WIDTH: usize = 32;

pub fn render_tree(frame: &mut Frame, area: Rect, state: &State) {
    let tree = &state.sql.tree;
    let title = if tree.filter.is_empty() {
        " Tables ".to_owned()
    } else {
        format!(
            " Tables{}named with {:?} ",
            state.glyphs.separator, tree.filter
        )
    };
    let block = pane(
        state,
        Line::from(state.glyphs.ui(&title).into_owned()),
        Focus::Tables,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if tree.rows.is_empty() {
        let text = match &tree.error {
            Some(error) => format!("{error} · press r to retry"),
            None if state.is_waiting(&Slot::SqlTree) => "loading the schemas…".to_owned(),
            None => "No schemas.".to_owned(),
        };
        let body = Paragraph::new(state.glyphs.ui(&text).into_owned())
            .style(dim_style(state))
            .wrap(Wrap { trim: true });
        frame.render_widget(body, inner);
        return;
    }
    let visible = tree.visible();
    let height = usize::from(inner.height);
    let at = visible
        .iter()
        .position(|&i| i == tree.selected)
        .unwrap_or(0);
    let start = window_start(at, height);
    let width = usize::from(inner.width);
    let lines: Vec<Line> = visible
        .iter()
        .skip(start)
        .take(height)
        .map(|&i| {
            let row = &tree.rows[i];
            let line = Line::from(tree_line(state, row, width));
            if i == tree.selected {
                line.style(selected_style(state))
            } else if matches!(row, TreeRow::Detail(_)) {
                line.style(dim_style(state))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn tree_line(state: &State, row: &TreeRow, width: usize) -> String {
    let glyphs = &state.glyphs;
    match row {
        TreeRow::Schema { name, expanded } => {
            let mark = match (expanded, glyphs.ascii) {
                (true, false) => "▾",
                (false, false) => "▸",
                (true, true) => "-",
                (false, true) => "+",
            };
            glyphs.cell(&format!("{mark} {name}"), width)
        }
        TreeRow::Relation(relation) => {
            let kind = match relation.kind {
                RelationKind::Table => "",
                RelationKind::View => " (view)",
                RelationKind::MaterializedView => " (mat. view)",
            };
            let rows = relation
                .estimated_rows
                .map(|n| format!("~{} rows", text::count(u64::try_from(n).unwrap_or(0))))
                .unwrap_or_default();
            let room = width.saturating_sub(text::width(&rows) + 1);
            let name = glyphs.cell(&format!("  {}{kind}", relation.table.name), room);
            let pad = width.saturating_sub(text::width(&name) + text::width(&rows));
            format!("{name}{}{rows}", " ".repeat(pad))
        }
        TreeRow::Detail(text) => {
            glyphs.cell(&format!("    {}", escape_bytes(text.as_bytes())), width)
        }
    }
}

pub fn render_grid(frame: &mut Frame, area: Rect, state: &State) {
    let block = pane(state, grid_title(state), Focus::Rows);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let grid = &state.sql.grid;
    if let Some(error) = &grid.error {
        let body = Paragraph::new(state.glyphs.ui(error).into_owned())
            .style(error_style(state))
            .wrap(Wrap { trim: true });
        frame.render_widget(body, inner);
        return;
    }
    if grid.columns.is_empty() {
        let text = if state.is_waiting(&Slot::SqlGrid) {
            "running… Esc cancels"
        } else if matches!(grid.source, GridSource::Query { .. }) {
            "The statement returned no rows."
        } else if matches!(grid.source, GridSource::Table { .. }) {
            "No rows here: the table is empty, or nothing matches the WHERE (/ changes it)."
        } else {
            "Open a table with Enter, or press e to write SQL."
        };
        let body = Paragraph::new(state.glyphs.ui(text).into_owned()).style(dim_style(state));
        frame.render_widget(body, inner);
        return;
    }
    frame.render_widget(grid_table(state, inner), inner);
}

fn grid_title(state: &State) -> Line<'static> {
    let grid = &state.sql.grid;
    let sep = state.glyphs.separator;
    let title = match &grid.source {
        GridSource::Empty => " Rows ".to_owned(),
        GridSource::Table { request, .. } => {
            let mut title = format!(" {}.{}", request.table.schema, request.table.name);
            title.push_str(&format!("{sep}page {}", grid.page_number() + 1));
            if let Some(filter) = &request.filter {
                title.push_str(&format!("{sep}WHERE {filter}"));
            }
            if let Some(order) = &request.order {
                title.push_str(&format!("{sep}ORDER BY {order}"));
            }
            if grid.next.is_some() {
                title.push_str(&format!("{sep}more: n"));
            }
            title + " "
        }
        GridSource::Query { truncated, .. } => {
            let rows = rows_word(grid.rows.len() as u64);
            let mut title = format!(" Result{sep}{rows}");
            if *truncated {
                title.push_str(&format!("{sep}truncated"));
            }
            title + " "
        }
    };
    Line::from(
        state
            .glyphs
            .ui(&escape_bytes(title.as_bytes()))
            .into_owned(),
    )
}

/// The marker for NULL, distinct from any text a cell can hold.
fn null_marker(state: &State) -> &'static str {
    if state.glyphs.ascii { "<null>" } else { "∅" }
}

/// A cell as one line: control characters (and so backslashes) escaped in
/// text, never raw; bytes as their `\x` hex, which needs no escaping and is
/// styled apart, so text that reads `\x41` never looks like bytes.
fn cell_line(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Bytes(bytes) => Some(hex_text(bytes)),
        other => other.text().map(|text| escape_bytes(text.as_bytes())),
    }
}

fn grid_table(state: &State, area: Rect) -> Table<'static> {
    let grid = &state.sql.grid;
    let height = usize::from(area.height.saturating_sub(1));
    let start = window_start(grid.selected, height);
    let visible = &grid.rows[start..(start + height).min(grid.rows.len())];
    let first = grid.first_column.min(grid.columns.len().saturating_sub(1));

    // Columns from the first shown, as many as fit, each as wide as its
    // widest visible value.
    let mut widths = Vec::new();
    let mut used = 0;
    for (index, column) in grid.columns.iter().enumerate().skip(first) {
        let null_width = text::width(null_marker(state));
        let widest = visible
            .iter()
            .map(|row| match row.get(index).and_then(cell_line) {
                Some(text) => text::width(&state.glyphs.data(&text)),
                None => null_width,
            })
            .chain([text::width(&column.name), 1])
            .max()
            .unwrap_or(1)
            .min(MAX_COLUMN_WIDTH);
        if used > 0 && used + widest > usize::from(area.width) {
            break;
        }
        used += widest + 1;
        widths.push((index, widest));
    }

    // The first column shown is the one Enter and E act on: its header
    // stands out.
    let header = Row::new(widths.iter().map(|(i, w)| {
        let name = state.glyphs.cell(&grid.columns[*i].name, *w);
        if *i == first {
            ratatui::widgets::Cell::from(name).style(Style::new().add_modifier(Modifier::REVERSED))
        } else {
            ratatui::widgets::Cell::from(name)
        }
    }))
    .style(Style::new().add_modifier(Modifier::BOLD));
    let rows = visible.iter().enumerate().map(|(offset, row)| {
        let cells = widths
            .iter()
            .map(|(i, w)| grid_cell(state, row.get(*i), *w));
        let row = Row::new(cells);
        if start + offset == grid.selected {
            row.style(selected_style(state))
        } else {
            row
        }
    });
    let constraints: Vec<Constraint> = widths
        .iter()
        .map(|(_, w)| Constraint::Length(u16::try_from(*w).unwrap_or(u16::MAX)))
        .collect();
    Table::new(rows, constraints)
        .header(header)
        .column_spacing(1)
}

fn grid_cell(state: &State, cell: Option<&Cell>, width: usize) -> ratatui::widgets::Cell<'static> {
    match cell.and_then(cell_line) {
        Some(text) if matches!(cell, Some(Cell::Bytes(_))) => ratatui::widgets::Cell::from(
            Span::styled(state.glyphs.cell(&text, width), bytes_style(state)),
        ),
        Some(text) => ratatui::widgets::Cell::from(state.glyphs.cell(&text, width)),
        None => ratatui::widgets::Cell::from(Span::styled(
            null_marker(state),
            dim_style(state).add_modifier(Modifier::ITALIC),
        )),
    }
}

/// The SQL editor pop-up.
pub fn render_query(frame: &mut Frame, area: Rect, state: &State) {
    let rect = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(4),
    );
    let inner = popup(
        frame,
        state,
        rect,
        "SQL (Ctrl-r: run the statement under the cursor, Esc: close)",
    );
    super::modal::render_text_area(frame, inner, state, &state.sql.editor);
}

/// One cell shown whole: JSON pretty-printed when it parses and is small
/// enough, bytes as a hex dump, text as its lines.
pub fn render_cell(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    title: &str,
    cell: &Cell,
    scroll: usize,
) {
    let rect = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(4),
    );
    let inner = popup(frame, state, rect, &format!("{title} (Esc: close)"));
    // Only the visible lines are built, whatever the cell's size.
    let (rows, width) = (usize::from(inner.height), usize::from(inner.width));
    let body = match cell {
        Cell::Null => vec![Line::from(Span::styled(
            format!("{} NULL: no value", null_marker(state)),
            dim_style(state),
        ))],
        Cell::Bytes(bytes) => super::value::hex_lines(bytes, scroll, rows, width),
        // A JSON cell arrives here already pretty-printed.
        Cell::Text(text) => super::value::text_lines(state, text, scroll, rows),
        other => super::value::text_lines(state, &other.text().unwrap_or_default(), scroll, rows),
    };
    let paragraph = Paragraph::new(body).wrap(Wrap { trim: false });
    frame.render_widget(paragraph, inner);
}

/// How bytes stand apart from text in the grid.
fn bytes_style(state: &State) -> Style {
    if state.config.colors {
        Style::new().fg(ratatui::style::Color::Magenta)
    } else {
        Style::new().add_modifier(Modifier::ITALIC)
    }
}
