//! The server panel: INFO's main sections with sizes and durations in human
//! units, the slow log with its commands escaped like keys, and the client
//! list. A part the ACL denies says so in place of its rows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{dim_style, error_style, pane};
use crate::domain::redis::{ClientEntry, InfoSection, Part, SlowEntry, short_duration};
use crate::tui::effect::Slot;
use crate::tui::state::{Focus, State};
use crate::tui::text;

/// The INFO sections the panel shows, in this order.
const SECTIONS: [&str; 7] = [
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "keyspace",
];

/// Width of an INFO field's name column.
const NAME_WIDTH: usize = 30;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let block = pane(state, title(state), Focus::Server);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let width = usize::from(inner.width);
    let lines = lines(state, width);
    let start = state.server.scroll.min(lines.len().saturating_sub(1));
    let visible: Vec<Line> = lines
        .into_iter()
        .skip(start)
        .take(usize::from(inner.height))
        .collect();
    frame.render_widget(Paragraph::new(visible), inner);
}

fn title(state: &State) -> Line<'static> {
    let sep = state.glyphs.separator;
    let name = state
        .session
        .as_ref()
        .map_or("", |s| s.target.name.as_str());
    let every = u64::from(state.config.server_refresh_ticks) * 250;
    let mut title = format!(
        " Server{sep}{name}{sep}refreshes every {}",
        short_duration(every)
    );
    if state.is_waiting(&Slot::Server) {
        title.push_str(&format!("{sep}reading…"));
    }
    title.push(' ');
    Line::from(state.glyphs.ui(&title).into_owned())
}

/// Every line of the panel; the caller shows the scrolled window of them.
fn lines(state: &State, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(error) = &state.server.error {
        let text = format!("refresh failed: {error} · press r to retry");
        out.push(Line::styled(
            state.glyphs.ui(&text).into_owned(),
            error_style(state),
        ));
    }
    let Some(panel) = &state.server.panel else {
        out.push(Line::styled(
            "reading INFO, SLOWLOG and CLIENT LIST…",
            dim_style(state),
        ));
        return out;
    };
    part(state, &mut out, "INFO", &panel.info, |out, sections| {
        info_lines(state, out, sections, width);
    });
    part(
        state,
        &mut out,
        "SLOWLOG",
        &panel.slowlog,
        |out, entries| {
            slowlog_lines(state, out, entries, width);
        },
    );
    part(
        state,
        &mut out,
        "CLIENT LIST",
        &panel.clients,
        |out, clients| {
            client_lines(state, out, clients, width);
        },
    );
    out.iter_mut()
        .for_each(|line| *line = ascii_line(state, line));
    out
}

/// A part's heading, then its rows or why there are none.
fn part<T>(
    state: &State,
    out: &mut Vec<Line<'static>>,
    command: &str,
    part: &Part<T>,
    rows: impl FnOnce(&mut Vec<Line<'static>>, &T),
) {
    if !out.is_empty() {
        out.push(Line::default());
    }
    out.push(heading(command));
    match part {
        Part::Ready(value) => rows(out, value),
        Part::NotPermitted => out.push(Line::styled(
            format!("  not permitted: this user's ACL denies {command}"),
            error_style(state),
        )),
        Part::Failed(error) => out.push(Line::styled(
            format!("  {command} failed: {error}"),
            error_style(state),
        )),
    }
}

fn heading(text: &str) -> Line<'static> {
    Line::styled(text.to_owned(), Style::new().add_modifier(Modifier::BOLD))
}

fn info_lines(state: &State, out: &mut Vec<Line<'static>>, sections: &[InfoSection], width: usize) {
    for name in SECTIONS {
        let Some(section) = sections.iter().find(|s| s.name == name) else {
            continue;
        };
        out.push(Line::styled(format!(" # {name}"), dim_style(state)));
        for (field, value) in &section.fields {
            let Some(value) = info_value(field, value) else {
                continue;
            };
            let row = format!("   {field:<NAME_WIDTH$} {value}");
            out.push(Line::from(text::fit(&row, width, state.glyphs.ellipsis)));
        }
    }
}

/// A field's value for reading: byte counts in human units, seconds and
/// microseconds as durations, everything else as the server wrote it.
/// `None` hides a field the panel already shows in another form.
pub fn info_value(field: &str, value: &str) -> Option<String> {
    if field.ends_with("_human") || field == "uptime_in_days" {
        return None;
    }
    let Ok(number) = value.parse::<u64>() else {
        return Some(value.to_owned());
    };
    let is_size =
        (field.contains("memory") || field.ends_with("_bytes") || field.starts_with("mem_"))
            && !field.contains("ratio")
            && !field.contains("policy");
    Some(if is_size {
        text::bytes(number)
    } else if field.ends_with("_seconds")
        || field.ends_with("_sec")
        || field.ends_with("_seconds_ago")
    {
        seconds(number)
    } else if field.ends_with("_usec") {
        micros(number)
    } else {
        value.to_owned()
    })
}

fn seconds(secs: u64) -> String {
    if secs == 0 {
        return "0s".to_owned();
    }
    short_duration(secs.saturating_mul(1_000))
}

/// `850us`, `12.5ms`, `3s`.
pub fn micros(us: u64) -> String {
    match us {
        0..1_000 => format!("{us}us"),
        1_000..1_000_000 => format!("{:.1}ms", us as f64 / 1_000.0),
        _ => short_duration(us / 1_000),
    }
}

fn slowlog_lines(state: &State, out: &mut Vec<Line<'static>>, entries: &[SlowEntry], width: usize) {
    if entries.is_empty() {
        out.push(Line::styled("  no slow commands logged", dim_style(state)));
        return;
    }
    out.push(Line::styled(
        format!("  {:>6} {:>9}  command", "id", "took"),
        dim_style(state),
    ));
    for entry in entries {
        let command: Vec<String> = entry.command.iter().map(|arg| arg.escaped()).collect();
        let mut row = format!(
            "  {:>6} {:>9}  {}",
            entry.id,
            micros(entry.duration_us),
            command.join(" ")
        );
        if let Some(client) = &entry.client {
            let name = entry.client_name.as_deref().unwrap_or("");
            row.push_str(&format!("  ({client} {name})").replace(" )", ")"));
        }
        out.push(Line::from(state.glyphs.cell(&row, width)));
    }
}

fn client_lines(
    state: &State,
    out: &mut Vec<Line<'static>>,
    clients: &[ClientEntry],
    width: usize,
) {
    out.push(Line::styled(
        format!(
            "  {:>6} {:<22} {:<14} {:<10} {:>3} {:>7} {:>7}  cmd",
            "id", "addr", "name", "user", "db", "age", "idle"
        ),
        dim_style(state),
    ));
    let ellipsis = state.glyphs.ellipsis;
    for client in clients {
        let row = format!(
            "  {:>6} {:<22} {:<14} {:<10} {:>3} {:>7} {:>7}  {}",
            client.id,
            text::fit(&client.addr, 22, ellipsis),
            text::fit(&client.name, 14, ellipsis),
            text::fit(client.user.as_deref().unwrap_or("-"), 10, ellipsis),
            client
                .db
                .map_or_else(|| "-".to_owned(), |db| db.to_string()),
            seconds(client.age_secs),
            seconds(client.idle_secs),
            client.cmd,
        );
        out.push(Line::from(state.glyphs.cell(&row, width)));
    }
}

/// Makes the panel's own glyphs safe for an ASCII terminal.
fn ascii_line(state: &State, line: &Line<'static>) -> Line<'static> {
    let spans: Vec<Span<'static>> = line
        .spans
        .iter()
        .map(|span| Span::styled(state.glyphs.ui(&span.content).into_owned(), span.style))
        .collect();
    Line::from(spans).style(line.style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_in_human_units() {
        assert_eq!(info_value("used_memory", "1048576").unwrap(), "1.0 MiB");
        assert_eq!(
            info_value("total_net_input_bytes", "2048").unwrap(),
            "2.0 KiB"
        );
        assert_eq!(info_value("uptime_in_seconds", "93784").unwrap(), "1d 2h");
        assert_eq!(info_value("rdb_last_bgsave_time_sec", "-1").unwrap(), "-1");
        assert_eq!(
            info_value("mem_fragmentation_ratio", "1.52").unwrap(),
            "1.52"
        );
        assert_eq!(
            info_value("maxmemory_policy", "noeviction").unwrap(),
            "noeviction"
        );
        assert_eq!(info_value("connected_clients", "7").unwrap(), "7");
        assert_eq!(info_value("used_memory_human", "1.00M"), None);
        assert_eq!(micros(850), "850us");
        assert_eq!(micros(12_500), "12.5ms");
        assert_eq!(micros(3_000_000), "3s");
    }
}
