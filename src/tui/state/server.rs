//! The server panel: INFO by section, the slow log and the client list of
//! the current Redis connection, refreshed on ticks while it is open.
//!
//! `update` only counts ticks and asks for a refresh when enough have
//! passed; the reading happens in the worker. A refused part (an ACL
//! denial) is kept as the driver reported it, so the view can say "not
//! permitted" while the other parts show.

use super::{Focus, State};
use crate::domain::redis::ServerPanel;
use crate::driver::DriverError;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Slot};
use crate::worker::{Request, Response};

/// How many SLOWLOG entries the panel asks for.
pub const SLOWLOG_ENTRIES: u32 = 32;

/// The panel's data and scroll position. It is open while it has the focus.
#[derive(Debug, Default)]
pub struct ServerPane {
    /// The newest answer; kept on screen while a refresh runs or fails.
    pub panel: Option<ServerPanel>,
    /// Why the last refresh failed as a whole (the connection, not an ACL).
    pub error: Option<String>,
    /// Ticks since the last refresh was asked for.
    pub ticks: u32,
    /// The first line shown.
    pub scroll: usize,
}

/// Opens the panel on a Redis connection and reads it at once.
pub fn open(state: &mut State) -> Vec<Effect> {
    if state.session.is_none() {
        state.error("not connected: choose a connection and press Enter");
        return Vec::new();
    }
    if state.is_sql() {
        return Vec::new();
    }
    state.focus = Focus::Server;
    state.server.scroll = 0;
    refresh(state)
}

/// Handles the panel's own actions; `None` leaves the action to global keys.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let page = usize::from(state.size.1.saturating_sub(6)).max(1);
    let pane = &mut state.server;
    match action {
        Action::Down => pane.scroll = pane.scroll.saturating_add(1),
        Action::Up => pane.scroll = pane.scroll.saturating_sub(1),
        Action::PageDown => pane.scroll = pane.scroll.saturating_add(page),
        Action::PageUp => pane.scroll = pane.scroll.saturating_sub(page),
        Action::Top => pane.scroll = 0,
        Action::Retry => return Some(refresh(state)),
        Action::ServerPanel | Action::Back => return Some(close(state)),
        _ => return None,
    }
    Some(Vec::new())
}

/// Back to the key list; the refreshing stops with it.
fn close(state: &mut State) -> Vec<Effect> {
    state.focus = Focus::Keys;
    state.server.ticks = 0;
    state.cancel(&Slot::Server)
}

/// Counts a tick while the panel is open and refreshes every
/// `server_refresh_ticks`, never while the previous read is still running.
pub fn on_tick(state: &mut State) -> Vec<Effect> {
    if state.focus != Focus::Server || state.is_waiting(&Slot::Server) {
        return Vec::new();
    }
    state.server.ticks += 1;
    if state.server.ticks < state.config.server_refresh_ticks {
        return Vec::new();
    }
    refresh(state)
}

fn refresh(state: &mut State) -> Vec<Effect> {
    state.server.ticks = 0;
    let request = Request::ServerPanel {
        slowlog: SLOWLOG_ENTRIES,
    };
    state.submit(Slot::Server, request)
}

/// A read arrived: show it, or keep the last one and say what failed.
pub fn on_panel(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    match result {
        Ok(Response::ServerPanel(panel)) => {
            state.server.panel = Some(*panel);
            state.server.error = None;
        }
        Ok(_) | Err(DriverError::Cancelled) => {}
        Err(error) => state.server.error = Some(error.to_string()),
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;

    use super::*;
    use crate::domain::redis::{InfoSection, Part};
    use crate::tui::event::Event;
    use crate::tui::state::tests::{Harness, many_keys};

    fn panel_requests(h: &Harness) -> usize {
        h.jobs
            .iter()
            .filter(|(_, _, r)| matches!(r, Request::ServerPanel { .. }))
            .count()
    }

    fn denied_info() -> ServerPanel {
        ServerPanel {
            info: Part::NotPermitted,
            slowlog: Part::Ready(Vec::new()),
            clients: Part::Failed("ERR unknown command".into()),
        }
    }

    #[test]
    fn the_key_opens_the_panel_and_reads_it() {
        let mut h = Harness::with_keys(many_keys(3), None);
        h.press(KeyCode::Char('I'));
        assert_eq!(h.state.focus, Focus::Server);
        let id = h.last(|r| *r == Request::ServerPanel { slowlog: 32 });
        h.reply(id, Ok(Response::ServerPanel(Box::new(denied_info()))));
        let panel = h.state.server.panel.as_ref().unwrap();
        assert_eq!(panel.info, Part::NotPermitted);
        assert_eq!(panel.slowlog, Part::Ready(Vec::new()));
    }

    #[test]
    fn ticks_refresh_the_open_panel_but_not_while_a_read_runs() {
        let mut h = Harness::with_keys(many_keys(3), None);
        h.press(KeyCode::Char('I'));
        let every = h.state.config.server_refresh_ticks;
        for _ in 0..every * 3 {
            h.send(Event::Tick);
        }
        assert_eq!(panel_requests(&h), 1, "the first read is still running");

        let id = h.last(|r| matches!(r, Request::ServerPanel { .. }));
        h.reply(id, Ok(Response::ServerPanel(Box::new(denied_info()))));
        for _ in 0..every - 1 {
            h.send(Event::Tick);
        }
        assert_eq!(panel_requests(&h), 1);
        h.send(Event::Tick);
        assert_eq!(panel_requests(&h), 2);
    }

    #[test]
    fn closing_the_panel_stops_the_refresh() {
        let mut h = Harness::with_keys(many_keys(3), None);
        h.press(KeyCode::Char('I'));
        let id = h.last(|r| matches!(r, Request::ServerPanel { .. }));
        h.reply(id, Ok(Response::ServerPanel(Box::new(denied_info()))));
        h.press(KeyCode::Esc);
        assert_eq!(h.state.focus, Focus::Keys);
        for _ in 0..h.state.config.server_refresh_ticks * 2 {
            h.send(Event::Tick);
        }
        assert_eq!(panel_requests(&h), 1);
    }

    #[test]
    fn a_failed_refresh_keeps_the_last_answer_and_says_why() {
        let mut h = Harness::with_keys(many_keys(3), None);
        h.press(KeyCode::Char('I'));
        let first = ServerPanel {
            info: Part::Ready(vec![InfoSection {
                name: "server".into(),
                fields: vec![("redis_version".into(), "7.2.4".into())],
            }]),
            ..denied_info()
        };
        let id = h.last(|r| matches!(r, Request::ServerPanel { .. }));
        h.reply(id, Ok(Response::ServerPanel(Box::new(first.clone()))));
        h.press(KeyCode::Char('r'));
        let id = h.last(|r| matches!(r, Request::ServerPanel { .. }));
        h.reply(id, Err(DriverError::Timeout));
        assert_eq!(h.state.server.panel.as_ref(), Some(&first));
        assert_eq!(
            h.state.server.error.as_deref(),
            Some("the server did not answer in time")
        );
    }
}
