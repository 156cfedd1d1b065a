//! The connection list: kind, name, state, latency and read-only badge.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{dim_style, error_style, pane, selected_style, window_start};
use crate::domain::Profile;
use crate::tui::state::connections::{ConnStatus, Row};
use crate::tui::state::{Focus, State};
use crate::tui::text;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let block = pane(state, Line::from(" Connections "), Focus::Connections);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let rows = state.connections.rows();
    if rows.is_empty() {
        let text = "No connections yet: press a to add one.";
        frame.render_widget(Paragraph::new(text).style(dim_style(state)), inner);
        return;
    }
    let height = usize::from(inner.height);
    let start = window_start(state.connections.selected, height);
    let width = usize::from(inner.width);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(index, row)| line(state, row, index, width))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn line<'a>(state: &State, row: &Row<'_>, index: usize, width: usize) -> Line<'a> {
    let glyphs = &state.glyphs;
    let selected = index == state.connections.selected;
    let marker = if selected { glyphs.selected } else { "  " };
    let mut spans = vec![Span::raw(marker)];
    match row {
        Row::Local(url) => {
            let text = format!("{url} found · Enter to connect");
            let text = text::fit(&glyphs.ui(&text), width.saturating_sub(2), glyphs.ellipsis);
            spans.push(Span::raw(text));
        }
        Row::Profile(profile) => {
            let (status, failed) = status_text(state.connections.status.get(&profile.id));
            let status = text::fit(&glyphs.ui(&status), width / 2, glyphs.ellipsis);
            let room = width.saturating_sub(2 + text::width(&status) + 1);
            let head = glyphs.cell(&head_text(state, profile), room);
            let pad = room.saturating_sub(text::width(&head)) + 1;
            spans.push(Span::raw(format!("{head}{}", " ".repeat(pad))));
            let style = if failed {
                error_style(state)
            } else {
                dim_style(state)
            };
            spans.push(Span::styled(status, style));
        }
    }
    let line = Line::from(spans);
    if selected {
        line.style(selected_style(state))
    } else {
        line
    }
}

/// Kind, name (starred when current) and the read-only badge.
fn head_text(state: &State, profile: &Profile) -> String {
    let current = state
        .session
        .as_ref()
        .is_some_and(|s| s.target.id == profile.id);
    let star = if current { "*" } else { "" };
    let badge = if profile.read_only {
        " [read-only]"
    } else {
        ""
    };
    format!("{:<6} {star}{}{badge}", profile.kind.name(), profile.name)
}

fn status_text(status: Option<&ConnStatus>) -> (String, bool) {
    match status {
        None => (String::new(), false),
        Some(ConnStatus::Connecting) => ("connecting".to_owned(), false),
        Some(ConnStatus::Connected { latency_ms }) => {
            (format!("connected {latency_ms:.1} ms"), false)
        }
        Some(ConnStatus::Failed(error)) => (format!("error: {error}"), true),
    }
}
