//! Pop-ups drawn over the panes: confirmations, the connection form, the
//! string editor, the database picker and the help.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;

use super::{help, selected_style};
use crate::domain::redis::KeyType;
use crate::tui::state::State;
use crate::tui::state::modal::{Confirm, EditTarget, Editor, Form, Modal, Picker};
use crate::tui::state::string_edit::EditMode;
use crate::tui::text;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    match &state.modal {
        Some(Modal::Confirm(confirm)) => render_confirm(frame, area, state, confirm),
        Some(Modal::Form(form)) => render_form(frame, area, state, form),
        Some(Modal::Editor(editor)) => render_editor(frame, area, state, editor),
        Some(Modal::Picker(picker)) => render_picker(frame, area, state, picker),
        Some(Modal::Help { scroll }) => help::render(frame, area, state, *scroll),
        Some(Modal::Query) => super::sql::render_query(frame, area, state),
        Some(Modal::Cell {
            title,
            cell,
            scroll,
        }) => super::sql::render_cell(frame, area, state, title, cell, *scroll),
        Some(Modal::Prompt(_)) | None => {}
    }
}

/// A textarea as this terminal can show it: as it is in UTF-8; in ASCII
/// mode with non-ASCII characters escaped and the cursor drawn where the
/// escaped text puts it (case B37).
pub fn render_text_area(frame: &mut Frame, area: Rect, state: &State, text: &TextArea<'static>) {
    if !state.glyphs.ascii {
        frame.render_widget(text, area);
        return;
    }
    let cursor = text.cursor();
    let (row, column) = (cursor.0, cursor.1);
    let height = usize::from(area.height).max(1);
    let start = row.saturating_sub(height - 1);
    let glyphs = &state.glyphs;
    let lines: Vec<Line> = text
        .lines()
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(index, line)| {
            if index != row {
                return Line::from(glyphs.data(line).into_owned());
            }
            let at = line
                .char_indices()
                .nth(column)
                .map_or(line.len(), |(at, _)| at);
            let (before, rest) = line.split_at(at);
            let mut chars = rest.chars();
            let under = chars.next().map_or_else(|| " ".to_owned(), String::from);
            Line::from(vec![
                Span::raw(glyphs.data(before).into_owned()),
                Span::styled(
                    glyphs.data(&under).into_owned(),
                    Style::new().add_modifier(Modifier::REVERSED),
                ),
                Span::raw(glyphs.data(chars.as_str()).into_owned()),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// A rectangle of at most `width` x `height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

pub fn popup(frame: &mut Frame, state: &State, area: Rect, title: &str) -> Rect {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(state.glyphs.border)
        .title(format!(" {} ", state.glyphs.data(title)));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    inner
}

fn render_confirm(frame: &mut Frame, area: Rect, state: &State, confirm: &Confirm) {
    // A statement preview can be long: the box grows to show it whole.
    let question = text::visible_controls(&confirm.question);
    let lines = text::wrap(&question, 58).len();
    let height = u16::try_from(lines + 5).unwrap_or(u16::MAX);
    let rect = centered(area, 60, height);
    let inner = popup(frame, state, rect, "Confirm");
    let text = vec![
        Line::from(state.glyphs.ui(&question).into_owned()),
        Line::from(""),
        Line::from("y: yes    n or Esc: no"),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
}

fn render_form(frame: &mut Frame, area: Rect, state: &State, form: &Form) {
    let rect = centered(area, 64, 8);
    let title = if form.editing.is_some() {
        "Edit connection"
    } else {
        "Add connection"
    };
    let inner = popup(frame, state, rect, title);
    let width = usize::from(inner.width).saturating_sub(11);
    let field = |index: usize, label: &str, value: &str| {
        let cursor = if form.field == index { "_" } else { "" };
        let line = Line::from(format!(
            "{label:<10} {}{cursor}",
            state.glyphs.cell(value, width)
        ));
        if form.field == index {
            line.style(selected_style(state))
        } else {
            line
        }
    };
    let check = if form.read_only { "[x]" } else { "[ ]" };
    let lines = vec![
        field(0, "Name", &form.name),
        field(1, "URL", &form.url),
        Line::from(format!("{:<10} {check}  (Ctrl-r)", "Read-only")),
        Line::from(""),
        Line::from("Enter: save   Tab: next field   Esc: close"),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_editor(frame: &mut Frame, area: Rect, state: &State, editor: &Editor) {
    let width = area.width.saturating_sub(4);
    let height = area.height.saturating_sub(4);
    let rect = centered(area, width, height);
    let key = text::fit(&editor.key.escaped(), 40, state.glyphs.ellipsis);
    let what = match &editor.target {
        EditTarget::StringValue(edit) => match edit.mode {
            EditMode::Json => format!("Edit {key} as JSON, saved {}", edit.layout.name()),
            mode => format!("Edit {key} as {}", mode.name()),
        },
        EditTarget::HashField(field) => {
            let field = text::fit(&field.escaped(), 30, state.glyphs.ellipsis);
            format!("Field {field} of {key}")
        }
        EditTarget::StreamEntry(id) => {
            format!("New entry {} of {key}, FIELD VALUE a line", id.as_str())
        }
        EditTarget::NewKey { key_type, .. } => match key_type {
            KeyType::String => format!("New string {key}"),
            KeyType::Hash => format!("New hash {key}, FIELD VALUE a line"),
            KeyType::Zset => format!("New zset {key}, SCORE MEMBER a line"),
            KeyType::Stream => format!("New stream {key}, FIELD VALUE a line"),
            other => format!("New {other} {key}, one member a line"),
        },
    };
    let save = if editor.recreate { "recreate" } else { "save" };
    let modes = match &editor.target {
        EditTarget::StringValue(edit) if edit.mode == EditMode::Json => {
            ", Ctrl-t: mode, Ctrl-o: layout"
        }
        EditTarget::StringValue(_) => ", Ctrl-t: mode",
        _ => "",
    };
    let inner = popup(
        frame,
        state,
        rect,
        &format!("{what} (Ctrl-s: {save}{modes}, Esc: close)"),
    );
    render_text_area(frame, inner, state, &editor.area);
}

fn render_picker(frame: &mut Frame, area: Rect, state: &State, picker: &Picker) {
    let databases = &state.keys.databases;
    let height = u16::try_from(databases.len().clamp(1, 16) + 2).unwrap_or(18);
    // A cluster has database 0 only; the title says so rather than
    // leaving the user to wonder where the others went.
    let (width, title) = if databases.iter().any(|db| db.cluster) {
        (40, "Database (Redis Cluster: db 0 only)")
    } else {
        (32, "Database")
    };
    let rect = centered(area, width, height);
    let inner = popup(frame, state, rect, title);
    if databases.is_empty() {
        let text = state.glyphs.ui("loading the databases…").into_owned();
        frame.render_widget(Paragraph::new(text), inner);
        return;
    }
    let rows = usize::from(inner.height);
    let start = super::window_start(picker.selected, rows);
    let lines: Vec<Line> = databases
        .iter()
        .enumerate()
        .skip(start)
        .take(rows)
        .map(|(i, db)| {
            let keys = db
                .keys
                .map_or_else(|| "n/a".to_owned(), |n| text::count(n) + " keys");
            let selected = i == picker.selected;
            let marker = if selected {
                state.glyphs.selected
            } else {
                "  "
            };
            let line = Line::from(format!("{marker}db {:<4} {keys:>15}", db.index));
            if selected {
                line.style(selected_style(state))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
