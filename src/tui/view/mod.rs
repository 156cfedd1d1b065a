//! Views: pure functions from `State` into a ratatui `Frame`.
//!
//! Views borrow state and never change it. Each builds only what is on
//! screen (the visible rows of a list, the visible lines of a value), so the
//! cost of a frame does not grow with how much is loaded.

mod connections;
mod help;
mod keys;
mod modal;
mod mongo;
mod pubsub;
mod server;
mod sql;
mod status;
mod tree;
mod value;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::state::{Focus, State};

/// Below this size the panes are replaced by a notice.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// Draws the whole screen.
pub fn render(frame: &mut Frame, state: &State) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let [main, status_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(2)]).areas(area);
    let list_rows = state.connections.rows().len().max(1);
    let conn_height = u16::try_from(list_rows + 2).unwrap_or(u16::MAX).min(7);
    let [conn_area, browse] =
        Layout::vertical([Constraint::Length(conn_height), Constraint::Min(0)]).areas(main);
    let [keys_area, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(browse);

    connections::render(frame, conn_area, state);
    if state.is_sql() {
        let [tree_area, grid_area] =
            Layout::horizontal([Constraint::Percentage(30), Constraint::Percentage(70)])
                .areas(browse);
        sql::render_tree(frame, tree_area, state);
        sql::render_grid(frame, grid_area, state);
    } else if state.is_mongo() {
        mongo::render_tree(frame, keys_area, state);
        mongo::render_details(frame, right, state);
    } else if state.focus == Focus::Server {
        server::render(frame, browse, state);
    } else if state.focus == Focus::PubSub {
        pubsub::render(frame, browse, state);
    } else if state.tree.shown {
        tree::render(frame, keys_area, state);
        value::render(frame, right, state);
    } else {
        keys::render(frame, keys_area, state);
        value::render(frame, right, state);
    }
    status::render(frame, status_area, state);
    modal::render(frame, area, state);
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text = format!(
        "Terminal too small ({}x{}): dbdeck needs at least {MIN_WIDTH}x{MIN_HEIGHT}.",
        area.width, area.height
    );
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// A pane's frame, highlighted when it has the keyboard.
fn pane<'a>(state: &State, title: Line<'a>, focus: Focus) -> Block<'a> {
    let focused = state.focus == focus && state.modal.is_none();
    let style = match (focused, state.config.colors) {
        (true, true) => Style::new().fg(Color::Cyan),
        (true, false) => Style::new().add_modifier(Modifier::BOLD),
        (false, _) => Style::new(),
    };
    Block::new()
        .borders(Borders::ALL)
        .border_set(state.glyphs.border)
        .border_style(style)
        .title(title)
}

/// How the selected row stands out.
fn selected_style(state: &State) -> Style {
    if state.config.colors {
        Style::new()
            .bg(Color::DarkGray)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::new().add_modifier(Modifier::REVERSED)
    }
}

fn error_style(state: &State) -> Style {
    if state.config.colors {
        Style::new().fg(Color::Red)
    } else {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

fn dim_style(state: &State) -> Style {
    if state.config.colors {
        Style::new().fg(Color::DarkGray)
    } else {
        Style::new()
    }
}

/// The first row to show so that `selected` stays visible in `height` rows.
fn window_start(selected: usize, height: usize) -> usize {
    if height == 0 {
        return selected;
    }
    (selected + 1).saturating_sub(height)
}

#[cfg(test)]
mod mongo_tests;
#[cfg(test)]
mod tests;
