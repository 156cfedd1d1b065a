//! The pub/sub pane: what is subscribed, the server's channels with their
//! subscriber counts, and the messages newest first, with channels,
//! patterns and payloads escaped like keys. The selected message's payload
//! can be shown pretty-printed as JSON below the list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{dim_style, error_style, pane, selected_style};
use crate::domain::ByteString;
use crate::domain::pubsub::Message;
use crate::tui::state::pubsub::{Link, PubSubPane};
use crate::tui::state::value::pretty_json;
use crate::tui::state::{Focus, State};
use crate::tui::text;

/// Width of the server's channel list.
const CHANNELS_WIDTH: u16 = 28;

/// Lines the pretty-printed payload may take.
const PRETTY_HEIGHT: u16 = 10;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let block = pane(state, title(state), Focus::PubSub);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(head_lines(state, head.width)), head);

    let pane = &state.pubsub;
    let pretty = pane.pretty && pane.selected_message().is_some();
    let [list, detail] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(if pretty { PRETTY_HEIGHT } else { 0 }),
    ])
    .areas(body);
    let [channels, messages] =
        Layout::horizontal([Constraint::Length(CHANNELS_WIDTH), Constraint::Min(0)]).areas(list);
    render_channels(frame, channels, state);
    render_messages(frame, messages, state);
    if pretty {
        render_pretty(frame, detail, state);
    }
}

fn title(state: &State) -> Line<'static> {
    let sep = state.glyphs.separator;
    let pane = &state.pubsub;
    let name = state
        .session
        .as_ref()
        .map_or("", |s| s.target.name.as_str());
    let mut title = format!(
        " Pub/Sub{sep}{name}{sep}{} msg/s{sep}{} received{sep}{} dropped",
        text::count(pane.rate),
        text::count(pane.received),
        text::count(pane.dropped),
    );
    if pane.paused {
        title.push_str(&format!(
            "{sep}paused, {} held",
            text::count(pane.held.len() as u64)
        ));
    }
    if !pane.filter.is_empty() {
        title.push_str(&format!("{sep}filter {}", pane.filter));
    }
    title.push(' ');
    Line::from(state.glyphs.ui(&title).into_owned())
}

/// The connection's state, then what is subscribed.
fn head_lines(state: &State, width: u16) -> Vec<Line<'static>> {
    let pane = &state.pubsub;
    let width = usize::from(width);
    let link = match &pane.link {
        Link::Closed => Line::styled("not subscribed", dim_style(state)),
        Link::Opening => Line::styled("opening a subscription connection…", dim_style(state)),
        Link::Open => Line::styled("connected", dim_style(state)),
        Link::Lost(error) => Line::styled(
            format!("connection lost ({error}); reconnecting…"),
            error_style(state),
        ),
        Link::Resubscribed => Line::styled("reconnected, resubscribed", error_style(state)),
    };
    let subscribed = if pane.channels.is_empty() && pane.patterns.is_empty() {
        "no subscriptions: press s to subscribe to channels, S to patterns".to_owned()
    } else {
        format!(
            "channels: {}   patterns: {}",
            names(&pane.channels),
            names(&pane.patterns)
        )
    };
    let glyphs = &state.glyphs;
    [link, Line::from(subscribed)]
        .into_iter()
        .map(|line| {
            let style = line.style;
            let text = line.to_string();
            Line::styled(fit(state, &glyphs.ui(&text), width), style)
        })
        .collect()
}

fn names(list: &[ByteString]) -> String {
    if list.is_empty() {
        return "none".to_owned();
    }
    list.iter()
        .map(ByteString::escaped)
        .collect::<Vec<_>>()
        .join(" ")
}

fn fit(state: &State, text: &str, width: usize) -> String {
    text::fit(text, width, state.glyphs.ellipsis)
}

fn render_channels(frame: &mut Frame, area: Rect, state: &State) {
    let block = Block::new()
        .borders(Borders::RIGHT)
        .border_set(state.glyphs.border)
        .title(Line::styled("channels  subs", dim_style(state)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let pane = &state.pubsub;
    let lines: Vec<Line> = if pane.server_channels.is_empty() {
        vec![Line::styled("no active channels", dim_style(state))]
    } else {
        pane.server_channels
            .iter()
            .take(usize::from(inner.height))
            .map(|info| {
                let count = text::count(info.subscribers);
                let room = width.saturating_sub(count.len() + 1);
                let name = state.glyphs.cell(&info.channel.escaped(), room);
                Line::from(format!("{name:<room$} {count}"))
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The visible window of messages, newest first, keeping the selected one
/// in view; rows are built only for that window.
fn render_messages(frame: &mut Frame, area: Rect, state: &State) {
    let pane = &state.pubsub;
    let height = usize::from(area.height);
    let width = usize::from(area.width.saturating_sub(1));
    let selected = pane.selected.unwrap_or(0);
    let start = super::window_start(selected, height);
    let lines: Vec<Line> = pane
        .visible()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(index, message)| {
            let line = message_line(state, message, width);
            if pane.selected.is_some() && index == selected {
                line.style(selected_style(state))
            } else {
                line
            }
        })
        .collect();
    let lines = if lines.is_empty() {
        vec![Line::styled(empty_note(pane), dim_style(state))]
    } else {
        lines
    };
    let [_, list] = Layout::horizontal([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(lines), list);
}

fn empty_note(pane: &PubSubPane) -> String {
    if pane.shown.is_empty() {
        "no messages yet".to_owned()
    } else {
        "no message matches the filter".to_owned()
    }
}

/// `12:04:05.123 orders (user:*) payload`, escaped and cut to `width`.
fn message_line(state: &State, message: &Message, width: usize) -> Line<'static> {
    let time = clock(message.received_ms);
    let channel = state.glyphs.data(&message.channel.escaped()).into_owned();
    let mut spans = vec![
        Span::styled(format!("{time} "), dim_style(state)),
        Span::styled(channel, Style::new().add_modifier(Modifier::BOLD)),
    ];
    if let Some(pattern) = &message.pattern {
        let pattern = state.glyphs.data(&pattern.escaped()).into_owned();
        spans.push(Span::styled(format!(" ({pattern})"), dim_style(state)));
    }
    let used: usize = spans.iter().map(|s| text::width(&s.content)).sum();
    let room = width.saturating_sub(used + 1);
    let payload = state.glyphs.cell(&message.payload.escaped(), room);
    spans.push(Span::raw(format!(" {payload}")));
    Line::from(spans)
}

/// The time of day in UTC, to the millisecond.
pub fn clock(ms: u64) -> String {
    let day_ms = ms % 86_400_000;
    let (h, m) = (day_ms / 3_600_000, day_ms / 60_000 % 60);
    let (s, milli) = (day_ms / 1000 % 60, day_ms % 1000);
    format!("{h:02}:{m:02}:{s:02}.{milli:03}")
}

fn render_pretty(frame: &mut Frame, area: Rect, state: &State) {
    let Some(message) = state.pubsub.selected_message() else {
        return;
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_set(state.glyphs.border)
        .title(Line::styled(" payload as JSON ", dim_style(state)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let limit = state.config.max_pretty_json_bytes;
    let lines: Vec<Line> = match pretty_json(&message.payload, false, limit) {
        Ok(pretty) => pretty
            .lines()
            .take(usize::from(inner.height))
            .map(|line| Line::from(state.glyphs.cell(line, usize::from(inner.width))))
            .collect(),
        Err(why) => vec![Line::styled(why, dim_style(state))],
    };
    frame.render_widget(Paragraph::new(lines), inner);
}
