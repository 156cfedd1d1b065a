//! The status bar: connection, database, key counts and the last message on
//! the first line; the open prompt or the key hints on the second.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{dim_style, error_style};
use crate::domain::redis_edit::ListEnd;
use crate::tui::effect::Slot;
use crate::tui::keymap::Context;
use crate::tui::state::State;
use crate::tui::state::modal::{Modal, Prompt, PromptKind};
use crate::tui::state::value::ttl_preview;
use crate::tui::text;

const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let [top, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(status_line(state, usize::from(area.width))),
        top,
    );
    let second = match &state.modal {
        Some(Modal::Prompt(prompt)) => prompt_line(state, prompt),
        _ => hints_line(state),
    };
    frame.render_widget(Paragraph::new(second), bottom);
}

fn status_line(state: &State, width: usize) -> Line<'static> {
    let glyphs = &state.glyphs;
    let sep = glyphs.separator;
    let mut spans = Vec::new();
    if state.is_busy() {
        let frame = SPINNER
            .get(state.spinner % SPINNER.len())
            .copied()
            .unwrap_or("");
        spans.push(Span::raw(format!("{frame} ")));
    }
    match &state.session {
        Some(session) => {
            if session.target.read_only {
                spans.push(Span::styled("[read-only] ", error_style(state)));
            }
            let text = if state.is_sql() {
                let rows = state.sql.grid.rows.len() as u64;
                let mut text = format!(
                    "{}{sep}{}{sep}{} shown",
                    session.target.name,
                    session.target.kind,
                    crate::tui::state::sql::rows_word(rows)
                );
                if let Some(progress) = &state.sql.export {
                    let written = text::count(progress.rows());
                    text.push_str(&format!("{sep}exporting: {written} rows (Esc cancels)"));
                }
                text
            } else if state.is_mongo() {
                format!("{}{sep}{}", session.target.name, session.target.kind)
            } else {
                let scanning = state.is_waiting(&Slot::Scan);
                let mut summary = state.keys.summary(state.config.scan_count, scanning);
                let bulk = state.keys.bulk.as_ref();
                if let Some(progress) = bulk.and_then(crate::tui::state::bulk::progress_text) {
                    summary = format!("{summary}{sep}{progress}");
                }
                format!(
                    "{}{sep}db {}{sep}{summary}",
                    session.target.name, session.db
                )
            };
            spans.push(Span::raw(glyphs.ui(&text).into_owned()));
        }
        None => spans.push(Span::raw("not connected")),
    }
    if let Some(message) = &state.message {
        let used: usize = spans.iter().map(|s| text::width(&s.content)).sum();
        let room = width.saturating_sub(used + text::width(sep));
        let style = if message.error {
            error_style(state)
        } else {
            dim_style(state)
        };
        spans.push(Span::raw(sep));
        let text = text::fit(&glyphs.ui(&message.text), room, glyphs.ellipsis);
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

/// The label of a member or key-write prompt.
fn member_label(kind: &PromptKind) -> String {
    match kind {
        PromptKind::NewField { key } => {
            format!("new field of {} (its value comes next)", key.escaped())
        }
        PromptKind::Push { key, end } => {
            format!("push at the {} of {}", end_name(*end), key.escaped())
        }
        PromptKind::AddMember { key } => {
            format!("add to {} (sorted set: SCORE MEMBER)", key.escaped())
        }
        PromptKind::SetItem { index, .. } => format!("new value of item {index}"),
        PromptKind::Score { member, .. } => {
            format!("score of {} (a number, inf or -inf)", member.escaped())
        }
        PromptKind::Trim { key } => format!("keep items START STOP of {}", key.escaped()),
        PromptKind::RemoveCount { item, .. } => format!(
            "remove how many items equal to {} (0: all, n: first n, -n: last n)",
            item.escaped()
        ),
        PromptKind::EntryId { key } => format!(
            "ID of the new entry of {} (*: the server chooses; or MS-SEQ)",
            key.escaped()
        ),
        PromptKind::NewKey => {
            "new key: TYPE NAME (string, hash, list, set, zset, stream)".to_owned()
        }
        PromptKind::NewKeyTtl { key, .. } => {
            format!(
                "TTL of {} (90s, 10m, 2h, 1d; empty: no expiry)",
                key.escaped()
            )
        }
        PromptKind::Rename { key } => format!("rename {} to", key.escaped()),
        PromptKind::Copy { key } => format!("copy {} to", key.escaped()),
        _ => String::new(),
    }
}

fn end_name(end: ListEnd) -> &'static str {
    match end {
        ListEnd::Head => "head",
        ListEnd::Tail => "tail",
    }
}

fn prompt_line(state: &State, prompt: &Prompt) -> Line<'static> {
    let glyphs = &state.glyphs;
    let input = glyphs
        .data(&text::visible_controls(&prompt.input))
        .into_owned();
    let (label, after) = match &prompt.kind {
        PromptKind::Filter { glob: false, .. } => {
            ("filter (contains, Ctrl-g: glob)".to_owned(), String::new())
        }
        PromptKind::Filter { glob: true, .. } => {
            ("filter (glob, Ctrl-g: contains)".to_owned(), String::new())
        }
        PromptKind::BulkTtl => (
            format!(
                "TTL for every key matching {} (90s, 10m, 2h, 1d)",
                state.keys.filter.match_pattern()
            ),
            format!("  -> {}", ttl_preview(&prompt.input)),
        ),
        PromptKind::Ttl { key } => (
            format!("TTL of {} in seconds (-1: no expiry)", key.escaped()),
            format!("  -> {}", ttl_preview(&prompt.input)),
        ),
        PromptKind::Jump { total } => (
            format!("index (0-{})", total.saturating_sub(1)),
            String::new(),
        ),
        PromptKind::Where => ("WHERE (empty: all rows)".to_owned(), String::new()),
        PromptKind::ExportPath => (
            "export to file (.csv, or .jsonl for JSON Lines)".to_owned(),
            String::new(),
        ),
        PromptKind::TableFilter => ("tables named with (empty: all)".to_owned(), String::new()),
        PromptKind::CellValue { .. } => (
            "new value (Ctrl-n: NULL; Enter shows the statement first)".to_owned(),
            String::new(),
        ),
        PromptKind::OrderBy => ("ORDER BY (empty: by primary key)".to_owned(), String::new()),
        PromptKind::Subscribe => ("subscribe to channels".to_owned(), String::new()),
        PromptKind::PatternSubscribe => ("subscribe to patterns".to_owned(), String::new()),
        PromptKind::Unsubscribe => (
            "unsubscribe from channels or patterns".to_owned(),
            String::new(),
        ),
        PromptKind::Publish => ("publish: channel message".to_owned(), String::new()),
        PromptKind::MessageFilter => (
            "messages whose channel or payload holds (empty: all)".to_owned(),
            String::new(),
        ),
        PromptKind::Mongo(prompt) => (super::mongo::prompt_label(prompt), String::new()),
        kind => (member_label(kind), String::new()),
    };
    let label = glyphs.ui(&label).into_owned();
    let after = glyphs.ui(&after).into_owned();
    Line::from(vec![
        Span::styled(format!("{label}: "), dim_style(state)),
        Span::raw(input),
        Span::raw("_"),
        Span::styled(after, dim_style(state)),
    ])
}

/// The hints for what has the keyboard, then the global ones.
fn hints_line(state: &State) -> Line<'static> {
    let context = state.context();
    let mut hints: Vec<String> = state
        .keymap
        .hints(context)
        .map(|b| format!("{} {}", b.keys_label(), b.description))
        .collect();
    if state.modal.is_none() {
        hints.extend(
            state
                .keymap
                .hints(Context::Global)
                .map(|b| format!("{} {}", b.keys_label(), b.description)),
        );
    }
    Line::from(hints.join(state.glyphs.separator)).style(dim_style(state))
}
