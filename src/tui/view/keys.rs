//! The key list: name (escaped), type, TTL and size, for the visible rows
//! only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use super::{dim_style, pane, selected_style, window_start};
use crate::domain::redis::{KeyFilter, KeyInfo, Probe, Ttl, short_duration};
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
        let body = Paragraph::new(state.glyphs.ui(&text).into_owned())
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
        KeyFilter::Prefix(prefix) => title.push_str(&format!("{sep}under {}", prefix.escaped())),
    }
    if let Some(key_type) = &keys.type_filter {
        title.push_str(&format!("{sep}{key_type} only"));
    }
    title.push(' ');
    Line::from(state.glyphs.ui(&title).into_owned())
}

/// The key column keeps at least this many cells before others are added.
const MIN_KEY_WIDTH: usize = 16;

/// The short TTL form: "1h 20m", "no expiry".
const TTL_SHORT: usize = 9;

/// Which columns fit beside the key, and how wide each is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Columns {
    key: usize,
    key_type: bool,
    size: bool,
    /// 0 (hidden), `TTL_SHORT` or `TTL_WIDTH` ("expires in 1h 20m").
    ttl: usize,
}

/// The key always shows; type, TTL and size are added while the key keeps
/// its minimum width, TTL in its long form only when there is room.
fn columns(total: usize) -> Columns {
    // The marker column and the space after it.
    let mut key = total.saturating_sub(3);
    let mut take = |w: usize| {
        let fits = key >= w + 1 + MIN_KEY_WIDTH;
        if fits {
            key -= w + 1;
        }
        fits
    };
    let key_type = take(TYPE_WIDTH);
    let short_ttl = take(TTL_SHORT);
    let size = take(SIZE_WIDTH);
    // The long form needs 8 more cells, and leaves the key 8 more than its
    // minimum.
    let long_ttl = short_ttl && take(TTL_WIDTH - TTL_SHORT + 8 - 1);
    let key = if long_ttl { key + 8 } else { key };
    let ttl = match (short_ttl, long_ttl) {
        (_, true) => TTL_WIDTH,
        (true, false) => TTL_SHORT,
        (false, _) => 0,
    };
    Columns {
        key,
        key_type,
        size,
        ttl,
    }
}

fn table<'a>(state: &'a State, area: Rect) -> Table<'a> {
    let keys = &state.keys;
    let height = usize::from(area.height);
    let start = window_start(keys.selected, height);
    let end = keys.items.len().min(start + height);
    let cols = columns(usize::from(area.width));

    let rows = keys.items[start.min(end)..end]
        .iter()
        .enumerate()
        .map(|(i, info)| {
            let selected = start + i == keys.selected;
            let row = Row::new(cells(state, info, cols, selected));
            match (selected, info.is_gone()) {
                (true, _) => row.style(selected_style(state)),
                (false, true) => row.style(dim_style(state)),
                (false, false) => row,
            }
        });

    let length = |w: usize| Constraint::Length(u16::try_from(w).unwrap_or(u16::MAX));
    let mut constraints = vec![length(2), length(cols.key)];
    let optional = [
        (cols.key_type, TYPE_WIDTH),
        (cols.ttl > 0, cols.ttl),
        (cols.size, SIZE_WIDTH),
    ];
    for (shown, width) in optional {
        if shown {
            constraints.push(length(width));
        }
    }
    Table::new(rows, constraints).column_spacing(1)
}

/// One row's cells, each already cut to its column's width.
fn cells(state: &State, info: &KeyInfo, cols: Columns, selected: bool) -> Vec<String> {
    let glyphs = &state.glyphs;
    let marker = if selected { glyphs.selected } else { "  " };
    let mut cells = vec![
        marker.to_owned(),
        glyphs.cell(&info.key.escaped(), cols.key),
    ];
    if cols.key_type {
        cells.push(text::fit(&type_text(info), TYPE_WIDTH, glyphs.ellipsis));
    }
    if cols.ttl > 0 {
        cells.push(ttl_text(info, cols.ttl == TTL_WIDTH));
    }
    if cols.size {
        cells.push(format!("{:>SIZE_WIDTH$}", size_text(info)));
    }
    cells
}

pub fn type_text(info: &KeyInfo) -> String {
    match &info.key_type {
        Probe::Known(Some(key_type)) => key_type.name().to_owned(),
        Probe::Known(None) => "gone".to_owned(),
        Probe::Unavailable => "n/a".to_owned(),
    }
}

/// "expires in 1h 20m", or "1h 20m" when `long` is false.
fn ttl_text(info: &KeyInfo, long: bool) -> String {
    if info.is_gone() {
        return "gone".to_owned();
    }
    match info.ttl {
        Probe::Known(Ttl::ExpiresIn(ms)) if !long => short_duration(ms),
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
