//! The key list: name (escaped), type, TTL and size, for the visible rows
//! only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use super::{dim_style, pane, selected_style, window_start};
use crate::domain::redis::{KeyFilter, KeyInfo, Probe};
use crate::tui::effect::Slot;
use crate::tui::state::{Focus, State};
use crate::tui::text;

const TYPE_WIDTH: usize = 8;
const TTL_WIDTH: usize = 17;
const SIZE_WIDTH: usize = 10;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let block = pane(state, title(state), Focus::Keys);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let keys = &state.keys;
    if keys.items.is_empty() {
        let text = match &state.session {
            None => "Not connected: choose a connection and press Enter.".to_owned(),
            Some(_) => keys.summary(state.config.scan_count, state.is_waiting(&Slot::Scan)),
        };
        let body = Paragraph::new(state.glyphs.data(&text).into_owned())
            .style(dim_style(state))
            .wrap(Wrap { trim: true });
        frame.render_widget(body, inner);
        return;
    }
    frame.render_widget(table(state, inner), inner);
}

fn title(state: &State) -> Line<'static> {
    let keys = &state.keys;
    let sep = state.glyphs.separator;
    let db = state.session.as_ref().map_or(0, |s| s.db);
    let mut title = format!(" Keys{sep}db {db}");
    match &keys.filter {
        KeyFilter::Literal(text) if text.is_empty() => {}
        KeyFilter::Literal(text) => title.push_str(&format!("{sep}contains {text:?}")),
        KeyFilter::Glob(text) => title.push_str(&format!("{sep}glob {text:?}")),
    }
    if let Some(key_type) = &keys.type_filter {
        title.push_str(&format!("{sep}{key_type} only"));
    }
    title.push(' ');
    Line::from(state.glyphs.data(&title).into_owned())
}

/// Columns that fit: the key always, then type, TTL and size as room allows.
fn widths(total: usize) -> (usize, bool, bool, bool) {
    let marker = 2;
    let mut key = total.saturating_sub(marker);
    let mut take = |w: usize| {
        let fits = key >= w + 1 + 12;
        if fits {
            key -= w + 1;
        }
        fits
    };
    let show_type = take(TYPE_WIDTH);
    let show_ttl = take(TTL_WIDTH);
    let show_size = take(SIZE_WIDTH);
    (key, show_type, show_ttl, show_size)
}

fn table<'a>(state: &'a State, area: Rect) -> Table<'a> {
    let keys = &state.keys;
    let height = usize::from(area.height);
    let start = window_start(keys.selected, height);
    let end = keys.items.len().min(start + height);
    let (key_width, show_type, show_ttl, show_size) = widths(usize::from(area.width));

    let rows = keys.items[start.min(end)..end]
        .iter()
        .enumerate()
        .map(|(i, info)| {
            let selected = start + i == keys.selected;
            let mut cells = vec![
                if selected {
                    state.glyphs.selected
                } else {
                    "  "
                }
                .to_owned(),
                state.glyphs.cell(&info.key.escaped(), key_width),
            ];
            if show_type {
                cells.push(text::fit(
                    &type_text(info),
                    TYPE_WIDTH,
                    state.glyphs.ellipsis,
                ));
            }
            if show_ttl {
                cells.push(text::fit(&ttl_text(info), TTL_WIDTH, state.glyphs.ellipsis));
            }
            if show_size {
                cells.push(format!("{:>SIZE_WIDTH$}", size_text(info)));
            }
            let row = Row::new(cells);
            match (selected, info.is_gone()) {
                (true, _) => row.style(selected_style(state)),
                (false, true) => row.style(dim_style(state)),
                (false, false) => row,
            }
        });

    let mut constraints = vec![Constraint::Length(2), Constraint::Length(key_width as u16)];
    for (shown, width) in [
        (show_type, TYPE_WIDTH),
        (show_ttl, TTL_WIDTH),
        (show_size, SIZE_WIDTH),
    ] {
        if shown {
            constraints.push(Constraint::Length(width as u16));
        }
    }
    Table::new(rows, constraints).column_spacing(1)
}

pub fn type_text(info: &KeyInfo) -> String {
    match &info.key_type {
        Probe::Known(Some(key_type)) => key_type.name().to_owned(),
        Probe::Known(None) => "gone".to_owned(),
        Probe::Unavailable => "n/a".to_owned(),
    }
}

fn ttl_text(info: &KeyInfo) -> String {
    if info.is_gone() {
        return "gone".to_owned();
    }
    match info.ttl {
        Probe::Known(ttl) => ttl.to_string(),
        Probe::Unavailable => "n/a".to_owned(),
    }
}

fn size_text(info: &KeyInfo) -> String {
    match info.size {
        Probe::Known(bytes) => text::bytes(bytes),
        Probe::Unavailable => "n/a".to_owned(),
    }
}
