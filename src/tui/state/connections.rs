//! The connection list: profiles, local servers offered when there are
//! none, per-connection status, and switching, testing and editing them.

use std::collections::HashMap;

use super::modal::{Confirm, Confirmed, Form, Modal};
use super::{Focus, Session, State, keys, mongo, tables};
use crate::domain::redis::ServerSummary;
use crate::domain::{ConnectTarget, Profile, ProfileId};
use crate::driver::DriverError;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Purpose, Slot};
use crate::tui::event::Recalled;
use crate::worker::{Job, Request, Response};

/// What is known of one connection's health.
#[derive(Clone, Debug, PartialEq)]
pub enum ConnStatus {
    Connecting,
    Connected { latency_ms: f64 },
    Failed(String),
}

/// One row of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row<'a> {
    Profile(&'a Profile),
    /// A server found on a default local port.
    Local(&'a str),
}

/// The connection list pane.
#[derive(Debug, Default)]
pub struct Connections {
    pub profiles: Vec<Profile>,
    pub local: Vec<String>,
    pub selected: usize,
    pub status: HashMap<ProfileId, ConnStatus>,
    pub error: Option<String>,
    /// What the user last asked to open, remembered once it opens.
    opening: Option<String>,
}

impl Connections {
    /// Profiles, or the local servers when there are no profiles.
    /// The saved connections, then local servers not saved yet.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let saved = |url: &str| self.profiles.iter().any(|p| p.url == url);
        self.profiles
            .iter()
            .map(Row::Profile)
            .chain(
                self.local
                    .iter()
                    .filter(|url| !saved(url))
                    .map(|url| Row::Local(url)),
            )
            .collect()
    }

    fn selected_row(&self) -> Option<Row<'_>> {
        self.rows().get(self.selected).copied()
    }

    fn selected_profile(&self) -> Option<&Profile> {
        match self.selected_row() {
            Some(Row::Profile(profile)) => Some(profile),
            _ => None,
        }
    }
}

/// Handles the pane's own actions; `None` leaves the action to global keys.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<super::Effect>> {
    let rows = state.connections.rows().len();
    let list = &mut state.connections;
    Some(match action {
        Action::Down => move_to(list, list.selected.saturating_add(1), rows),
        Action::Up => move_to(list, list.selected.saturating_sub(1), rows),
        Action::Top => move_to(list, 0, rows),
        Action::Bottom => move_to(list, rows.saturating_sub(1), rows),
        Action::Open => open_selected(state, Purpose::Open),
        Action::TestConnection => open_selected(state, Purpose::Test),
        Action::Retry => vec![Effect::LoadConnections],
        Action::AddConnection => {
            state.modal = Some(Modal::Form(Form::default()));
            Vec::new()
        }
        Action::EditConnection => edit_selected(state),
        Action::DeleteConnection => delete_selected(state),
        _ => return None,
    })
}

fn move_to(list: &mut Connections, index: usize, rows: usize) -> Vec<Effect> {
    list.selected = index.min(rows.saturating_sub(1));
    Vec::new()
}

fn open_selected(state: &mut State, purpose: Purpose) -> Vec<Effect> {
    let name_or_url = match state.connections.selected_row() {
        Some(Row::Profile(profile)) => {
            let id = profile.id;
            let name = profile.name.clone();
            state.connections.status.insert(id, ConnStatus::Connecting);
            name
        }
        Some(Row::Local(url)) => url.to_owned(),
        None => {
            state.info("no connection yet: press a to add one");
            return Vec::new();
        }
    };
    open(state, name_or_url, purpose)
}

/// Asks the loop to resolve a connection by name or URL.
pub fn open(state: &mut State, name_or_url: String, purpose: Purpose) -> Vec<Effect> {
    if purpose == Purpose::Open {
        state.connections.opening = Some(name_or_url.clone());
        state.info(format!("connecting to {name_or_url}…"));
    }
    vec![Effect::Resolve {
        name_or_url,
        purpose,
    }]
}

fn edit_selected(state: &mut State) -> Vec<Effect> {
    let Some(profile) = state.connections.selected_profile() else {
        state.info("choose a saved connection to edit");
        return Vec::new();
    };
    state.modal = Some(Modal::Form(Form::editing(profile)));
    Vec::new()
}

fn delete_selected(state: &mut State) -> Vec<Effect> {
    let Some(profile) = state.connections.selected_profile() else {
        state.info("choose a saved connection to delete");
        return Vec::new();
    };
    let name = profile.name.clone();
    state.modal = Some(Modal::Confirm(Confirm {
        question: format!("Delete the connection {name}?"),
        on_yes: Confirmed::DeleteConnection(name),
    }));
    Vec::new()
}

pub fn on_list(state: &mut State, list: Result<Vec<Profile>, String>) -> Vec<Effect> {
    match list {
        Ok(profiles) => {
            state.connections.profiles = profiles;
            state.connections.error = None;
            let rows = state.connections.rows().len();
            state.connections.selected = state.connections.selected.min(rows.saturating_sub(1));
        }
        Err(error) => {
            state.error(format!(
                "could not read connections: {error} · press r to retry"
            ));
            state.connections.error = Some(error);
        }
    }
    Vec::new()
}

pub fn on_resolved(
    state: &mut State,
    purpose: Purpose,
    result: Result<ConnectTarget, String>,
) -> Vec<Effect> {
    let target = match result {
        Ok(target) => target,
        Err(error) => {
            state.error(format!("could not open the connection: {error}"));
            return Vec::new();
        }
    };
    state
        .connections
        .status
        .insert(target.id, ConnStatus::Connecting);
    let test = Job {
        target: target.clone(),
        db: 0,
        request: Request::Test,
    };
    let mut effects = vec![Effect::Submit {
        slot: Slot::Test(target.id),
        job: test,
    }];
    if purpose == Purpose::Open {
        effects.extend(switch_to(state, target));
    }
    effects
}

/// Makes `target` the current connection: the keys and value panes start
/// over, and the connection is remembered for the next run.
fn switch_to(state: &mut State, target: ConnectTarget) -> Vec<Effect> {
    let restore = std::mem::take(&mut state.restore);
    let db = restore
        .database
        .as_deref()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    if let Some(filter) = restore.filter.as_deref() {
        state.keys.filter = keys::filter_from_memory(filter);
    }
    state.session = Some(Session { target, db });
    state.keys.reset();
    state.value = Default::default();
    state.sql = Default::default();
    state.mongo = Default::default();
    state.focus = if state.is_sql() {
        Focus::Tables
    } else if state.is_mongo() {
        Focus::MongoTree
    } else {
        Focus::Keys
    };

    let mut effects = vec![Effect::LoadConnections];
    // The pub/sub pane watched the previous connection: it ends with it.
    if state.pubsub.link != super::pubsub::Link::Closed {
        state.pubsub = super::PubSubPane::new(state.config.pubsub_buffer);
        effects.push(Effect::Unwatch);
    }
    if let Some(opened) = state.connections.opening.take() {
        effects.push(Effect::Remember {
            key: "last_connection",
            value: opened,
        });
    }
    effects
}

pub fn on_tested(
    state: &mut State,
    id: ProfileId,
    result: Result<Response, DriverError>,
) -> Vec<Effect> {
    let current = state.session.as_ref().is_some_and(|s| s.target.id == id);
    match result {
        Ok(Response::Tested(ServerSummary { latency_ms, .. })) => {
            let status = ConnStatus::Connected { latency_ms };
            state.connections.status.insert(id, status);
            if !current {
                state.info(format!("connection answered in {latency_ms:.1} ms"));
                return Vec::new();
            }
            state.info("connected");
            if state.is_sql() {
                return tables::on_connected(state);
            }
            if state.is_mongo() {
                return mongo::on_connected(state);
            }
            let mut effects = state.submit(Slot::Databases, Request::Databases);
            if state.keys.items.is_empty() {
                effects.extend(keys::start_scan(state));
            }
            effects
        }
        Ok(_) => Vec::new(),
        Err(error) => {
            let text = error.to_string();
            state
                .connections
                .status
                .insert(id, ConnStatus::Failed(text.clone()));
            if current {
                state.keys.error = Some(text.clone());
            }
            state.error(format!("{text} · press r to retry"));
            Vec::new()
        }
    }
}

/// Opens the remembered connection, unless one was given on the command
/// line and is already open.
pub fn on_recalled(state: &mut State, recalled: Recalled) -> Vec<Effect> {
    let connection = recalled.connection.clone();
    state.restore = recalled;
    match connection {
        Some(name) if state.session.is_none() && state.connections.opening.is_none() => {
            open(state, name, Purpose::Open)
        }
        _ => Vec::new(),
    }
}

pub fn on_saved(state: &mut State, result: Result<String, String>) -> Vec<Effect> {
    match result {
        Ok(text) => {
            state.info(text);
            vec![Effect::LoadConnections]
        }
        Err(error) => {
            state.error(error);
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::domain::Kind;
    use crate::registry::NewProfile;
    use crate::tui::event::Event;
    use crate::tui::state::tests::{Harness, target};

    fn with_profiles() -> Harness {
        let mut h = Harness::new();
        h.state.connections.profiles = vec![Profile {
            id: ProfileId(7),
            name: "cache".into(),
            kind: Kind::Redis,
            url: "redis://10.0.0.7:6379".into(),
            read_only: false,
            has_secret: true,
            revision: 1,
        }];
        h
    }

    #[test]
    fn enter_on_a_local_server_opens_it_ad_hoc() {
        let mut h = Harness::new();
        h.send(Event::LocalServers(vec!["redis://127.0.0.1:6379".into()]));
        let effects = h.press(KeyCode::Enter);
        assert!(matches!(
            effects.as_slice(),
            [Effect::Resolve { name_or_url, purpose: Purpose::Open }]
                if name_or_url == "redis://127.0.0.1:6379"
        ));
    }

    #[test]
    fn the_form_adds_a_connection() {
        let mut h = Harness::new();
        h.press(KeyCode::Char('a'));
        h.typed("prod");
        h.press(KeyCode::Tab);
        h.typed("redis://:s3cret@db:6379/2");
        h.send(Event::Key(KeyEvent::new(
            KeyCode::Char('r'),
            KeyModifiers::CONTROL,
        )));
        let effects = h.press(KeyCode::Enter);
        let [Effect::AddConnection(profile)] = effects.as_slice() else {
            panic!("expected an add, got {effects:?}");
        };
        let expected = NewProfile {
            name: "prod".into(),
            url: "redis://:s3cret@db:6379/2".into(),
            read_only: true,
        };
        assert_eq!(profile, &expected);
        assert!(h.state.modal.is_none());
    }

    #[test]
    fn the_form_refuses_a_missing_url_and_stays_open() {
        let mut h = Harness::new();
        h.press(KeyCode::Char('a'));
        h.typed("prod");
        let effects = h.press(KeyCode::Enter);
        assert!(effects.is_empty());
        assert!(matches!(h.state.modal, Some(Modal::Form(_))));
        assert!(
            h.message()
                .starts_with("a connection needs a name and a URL")
        );
    }

    #[test]
    fn edit_and_delete_name_the_selected_profile() {
        let mut h = with_profiles();
        h.press(KeyCode::Char('e'));
        h.typed("-2");
        let effects = h.press(KeyCode::Enter);
        assert!(matches!(
            effects.as_slice(),
            [Effect::UpdateConnection(ProfileId(7), p)] if p.name == "cache-2"
        ));
        h.press(KeyCode::Char('d'));
        let effects = h.press(KeyCode::Char('y'));
        assert!(matches!(
            effects.as_slice(),
            [Effect::RemoveConnection(name)] if name == "cache"
        ));
        let effects = h.send(Event::ProfileSaved(Ok("removed cache".into())));
        assert!(matches!(effects.as_slice(), [Effect::LoadConnections]));
    }

    #[test]
    fn testing_a_connection_does_not_switch_to_it() {
        let mut h = with_profiles();
        let effects = h.press(KeyCode::Char('t'));
        assert!(matches!(
            effects.as_slice(),
            [Effect::Resolve {
                purpose: Purpose::Test,
                ..
            }]
        ));
        h.send(Event::Resolved {
            purpose: Purpose::Test,
            result: Ok(target(false)),
        });
        assert!(h.state.session.is_none());
        assert!(matches!(
            h.jobs.as_slice(),
            [(_, Slot::Test(_), Request::Test)]
        ));
    }
}
