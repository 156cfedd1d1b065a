//! The value pane: a header (key, type, TTL, size) and the visible part of
//! the loaded page, shaped by the key's type.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{dim_style, error_style, pane};
use crate::domain::ByteString;
use crate::domain::bytes::escape_bytes;
use crate::domain::redis::{KeyValue, Probe, StreamEntry, StreamGroup, ValuePage};
use crate::tui::effect::Slot;
use crate::tui::state::value::StringView;
use crate::tui::state::{Focus, State};
use crate::tui::text;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let block = pane(state, Line::from(" Value "), Focus::Value);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let value = &state.value;
    let notice = match (&value.key, &value.data) {
        (None, _) => Some("Select a key to see its value.".to_owned()),
        (Some(key), _) if value.gone => Some(format!("{}: key no longer exists", key.escaped())),
        (Some(_), _) if value.error.is_some() => value
            .error
            .as_ref()
            .map(|e| format!("Could not read the value: {e}\nPress r to retry.")),
        (Some(key), None) => Some(format!("{}: loading…", key.escaped())),
        (Some(_), Some(_)) => None,
    };
    if let Some(notice) = notice {
        let style = if value.error.is_some() || value.gone {
            error_style(state)
        } else {
            dim_style(state)
        };
        let text = state.glyphs.ui(&notice).into_owned();
        frame.render_widget(
            Paragraph::new(text).style(style).wrap(Wrap { trim: false }),
            inner,
        );
        return;
    }
    if let Some(data) = &value.data {
        render_value(frame, inner, state, data);
    }
}

fn render_value(frame: &mut Frame, area: Rect, state: &State, data: &KeyValue) {
    let width = usize::from(area.width).max(1);
    let header: Vec<Line> = header(state, data)
        .into_iter()
        .flat_map(|(line, dim)| {
            let style = if dim { dim_style(state) } else { Style::new() };
            text::wrap(&line, width)
                .into_iter()
                .map(move |piece| Line::from(piece).style(style))
        })
        .collect();
    let height = u16::try_from(header.len()).unwrap_or(u16::MAX);
    let [head_area, body_area] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(header), head_area);

    let rows = usize::from(body_area.height);
    let width = usize::from(body_area.width);
    let body = body(state, data, rows, width);
    let wrap = matches!(data.page, ValuePage::String { .. } | ValuePage::Json { .. });
    let paragraph = Paragraph::new(body);
    let paragraph = if wrap {
        paragraph.wrap(Wrap { trim: false })
    } else {
        paragraph
    };
    frame.render_widget(paragraph, body_area);
}

/// The header's lines, each with whether it is dimmed.
fn header(state: &State, data: &KeyValue) -> Vec<(String, bool)> {
    let glyphs = &state.glyphs;
    let sep = glyphs.separator;
    let size = match data.size {
        Probe::Known(bytes) => text::bytes(bytes),
        Probe::Unavailable => "n/a".to_owned(),
    };
    let busy = if state.is_waiting(&Slot::Value) {
        " (loading…)"
    } else {
        ""
    };
    let key_type = escape_bytes(data.key_type.name().as_bytes());
    let mut lines = vec![
        (
            glyphs
                .data(&format!("key: {}", data.key.escaped()))
                .into_owned(),
            false,
        ),
        (
            glyphs
                .ui(&format!("type: {key_type}{sep}size: {size}{busy}"))
                .into_owned(),
            false,
        ),
        (format!("TTL: {}", data.ttl), false),
    ];
    let page = page_lines(state, &data.page).into_iter();
    lines.extend(page.map(|line| (glyphs.ui(&line).into_owned(), true)));
    lines
}

/// What part of the value is shown, and how far it goes.
fn page_lines(state: &State, page: &ValuePage) -> Vec<String> {
    let sep = state.glyphs.separator;
    // Indexes as Redis counts them, from 0, matching the index column.
    let range = |start: u64, shown: usize, total: u64| {
        let last = (start + shown as u64).saturating_sub(1).max(start);
        let (start, last) = (text::count(start), text::count(last));
        format!("index {start}-{last} of {}", text::count(total))
    };
    let line = match page {
        ValuePage::String {
            length,
            preview,
            truncated,
            ..
        } => return string_lines(state, *length, preview, *truncated),
        ValuePage::List {
            total,
            start,
            items,
        } => range(*start, items.len(), *total),
        ValuePage::Zset {
            total,
            start,
            members,
        } => range(*start, members.len(), *total),
        ValuePage::Hash { total, entries, .. } => {
            format!(
                "{} fields{sep}page of {}",
                text::count(*total),
                entries.len()
            )
        }
        ValuePage::Set { total, members, .. } => {
            format!(
                "{} members{sep}page of {}",
                text::count(*total),
                members.len()
            )
        }
        ValuePage::Stream {
            total,
            entries,
            groups,
            ..
        } => {
            format!(
                "{} entries{sep}page of {}{sep}{}",
                text::count(*total),
                entries.len(),
                groups_text(groups)
            )
        }
        ValuePage::Json { .. } | ValuePage::Module { .. } => return Vec::new(),
    };
    vec![line]
}

/// A stream's consumer groups with their pending counts, in one phrase.
fn groups_text(groups: &Probe<Vec<StreamGroup>>) -> String {
    match groups {
        Probe::Unavailable => "groups: n/a".to_owned(),
        Probe::Known(groups) if groups.is_empty() => "no consumer groups".to_owned(),
        Probe::Known(groups) => {
            let each: Vec<String> = groups
                .iter()
                .map(|g| format!("{} ({} pending)", g.name.escaped(), g.pending))
                .collect();
            format!("groups: {}", each.join(", "))
        }
    }
}

fn string_lines(state: &State, length: u64, preview: &ByteString, truncated: bool) -> Vec<String> {
    let view = match state.value.view {
        StringView::Text => "text",
        StringView::Hex => "hex",
        StringView::Json => "JSON",
    };
    let sep = state.glyphs.separator;
    let unit = if length == 1 { "byte" } else { "bytes" };
    let mut lines = vec![format!(
        "length: {} {unit}{sep}{view} view",
        text::count(length)
    )];
    if truncated {
        lines.push(format!(
            "truncated — showing first {} of {} bytes",
            text::count(preview.len() as u64),
            text::count(length)
        ));
    }
    lines
}

/// Formats cells of the visible rows for one pane width.
struct Cells<'a> {
    state: &'a State,
    width: usize,
}

impl Cells<'_> {
    fn esc(&self, bytes: &ByteString) -> String {
        self.state.glyphs.data(&bytes.escaped()).into_owned()
    }

    /// Two columns: `left` cut to `left_width`, then `right` in the rest.
    fn pair(&self, left: &str, right: &str, left_width: usize) -> Line<'static> {
        let glyphs = &self.state.glyphs;
        let left = glyphs.cell(left, left_width);
        let pad = left_width.saturating_sub(text::width(&left));
        let right = glyphs.cell(right, self.width.saturating_sub(left_width + 1));
        Line::from(format!("{left}{} {right}", " ".repeat(pad)))
    }

    fn half(&self) -> usize {
        (self.width / 2).max(1)
    }

    fn stream_entry(&self, entry: &StreamEntry) -> Line<'static> {
        let fields: Vec<String> = entry
            .fields
            .iter()
            .map(|f| format!("{}={}", self.esc(&f.field), self.esc(&f.value)))
            .collect();
        self.pair(&escape_bytes(entry.id.as_bytes()), &fields.join(" "), 16)
    }
}

fn body(state: &State, data: &KeyValue, rows: usize, width: usize) -> Vec<Line<'static>> {
    let skip = state.value.scroll;
    let cells = Cells { state, width };
    let half = cells.half();
    match &data.page {
        ValuePage::String { preview, .. } => string_body(&cells, preview, skip, rows),
        ValuePage::Hash { entries, .. } => visible(entries, skip, rows)
            .map(|e| cells.pair(&cells.esc(&e.field), &cells.esc(&e.value), half))
            .collect(),
        ValuePage::List { start, items, .. } => {
            let index_width = (start + items.len() as u64).to_string().len().max(5);
            let index = |i: usize| (start + (skip + i) as u64).to_string();
            visible(items, skip, rows)
                .enumerate()
                .map(|(i, item)| cells.pair(&index(i), &cells.esc(item), index_width))
                .collect()
        }
        ValuePage::Set { members, .. } => visible(members, skip, rows)
            .map(|m| Line::from(state.glyphs.cell(&m.escaped(), width)))
            .collect(),
        ValuePage::Zset { members, .. } => visible(members, skip, rows)
            .map(|m| cells.pair(&cells.esc(&m.member), &m.score, half))
            .collect(),
        ValuePage::Stream { entries, .. } => visible(entries, skip, rows)
            .map(|entry| cells.stream_entry(entry))
            .collect(),
        ValuePage::Json { text } => {
            let shown = state.value.pretty.as_deref().unwrap_or(text);
            text_lines(state, shown, skip, rows)
        }
        ValuePage::Module { type_name } => vec![Line::from(format!(
            "no viewer for this type ({})",
            state.glyphs.data(&escape_bytes(type_name.as_bytes()))
        ))],
    }
}

/// The rows on screen.
fn visible<T>(items: &[T], skip: usize, rows: usize) -> impl Iterator<Item = &T> {
    items.iter().skip(skip).take(rows)
}

fn string_body(
    cells: &Cells<'_>,
    preview: &ByteString,
    skip: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    let state = cells.state;
    let glyphs = &state.glyphs;
    match state.value.view {
        StringView::Hex => hex_lines(preview.as_bytes(), skip, rows, cells.width),
        StringView::Json => match &state.value.pretty {
            Some(pretty) => text_lines(state, pretty, skip, rows),
            None => Vec::new(),
        },
        StringView::Text => preview
            .as_bytes()
            .split(|b| *b == b'\n')
            .skip(skip)
            .take(rows)
            .map(|line| Line::from(glyphs.data(&escape_bytes(line)).into_owned()))
            .collect(),
    }
}

pub(super) fn text_lines(
    state: &State,
    text: &str,
    skip: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    text.lines()
        .skip(skip)
        .take(rows)
        .map(|line| {
            Line::from(
                state
                    .glyphs
                    .data(&escape_bytes(line.as_bytes()))
                    .into_owned(),
            )
        })
        .collect()
}

/// A hex dump of the visible rows: offset, bytes, printable ASCII. Rows
/// hold 16 bytes, or fewer (a multiple of 4) when the pane is narrower.
pub(super) fn hex_lines(
    bytes: &[u8],
    skip: usize,
    rows: usize,
    width: usize,
) -> Vec<Line<'static>> {
    // Offset (8) and two spaces, 3 cells per byte, two spaces, 1 per byte.
    let per_row = (width.saturating_sub(12) / 4 / 4 * 4).clamp(4, 16);
    bytes
        .chunks(per_row)
        .enumerate()
        .skip(skip)
        .take(rows)
        .map(|(row, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String = chunk
                .iter()
                .map(|b| {
                    if b.is_ascii_graphic() || *b == b' ' {
                        char::from(*b)
                    } else {
                        '.'
                    }
                })
                .collect();
            let hex_width = per_row * 3 - 1;
            let hex = hex.join(" ");
            Line::from(format!("{:08x}  {hex:<hex_width$}  {ascii}", row * per_row))
        })
        .collect()
}
