//! The terminal UI: the event loop and the glue between `update`, the
//! views and the service.
//!
//! The loop waits on terminal input, worker outcomes, results of registry
//! tasks and a slow tick; it feeds each to `state::update`, turns the
//! returned effects into `Service::submit` calls or spawned tasks, and draws
//! once after a burst of events, only when something changed. It never
//! awaits database or registry I/O itself.

pub mod action;
pub mod effect;
pub mod event;
mod feed;
pub mod keymap;
pub mod state;
pub mod terminal;
pub mod text;
pub mod view;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::WrapErr as _;
use crossterm::event::{Event as TermEvent, EventStream};
use futures::{FutureExt as _, StreamExt as _};
use tokio::sync::mpsc;

use self::effect::{Effect, Purpose};
use self::event::{Event, Recalled};
use self::feed::Feed;
use self::keymap::Keymap;
use self::state::{Config, State, update};
use self::text::Glyphs;
use crate::service::Service;
use crate::worker::{JobHandle, Outcome, RequestId};

/// How often the busy indicator moves. Nothing is redrawn on ticks while
/// idle.
pub(crate) const TICK: Duration = Duration::from_millis(250);

/// Runs the TUI until the user quits, restoring the terminal on every path.
pub async fn run(service: Arc<Service>, url: Option<String>) -> color_eyre::Result<()> {
    let keymap = load_keymap(&crate::config::Paths::discover().config_dir)?;
    let settings = service.settings();
    let ascii = settings.ui.ascii || !text::locale_is_utf8(|name| std::env::var(name).ok());
    let mut state = State::new(Config::from_settings(settings), keymap, Glyphs::new(ascii));

    let mut guard = terminal::Guard::enter().wrap_err("setting up the terminal")?;
    let size = guard.terminal.size()?;
    update(
        &mut state,
        Event::Resize {
            width: size.width,
            height: size.height,
        },
    );
    let mut runner = Runner::new(service);
    runner.start(&mut state, url);
    runner.event_loop(&mut guard, &mut state).await
}

/// Carries out effects and keeps the handles of running jobs.
struct Runner {
    service: Arc<Service>,
    outcomes_tx: mpsc::UnboundedSender<Outcome>,
    outcomes: mpsc::UnboundedReceiver<Outcome>,
    events_tx: mpsc::UnboundedSender<Event>,
    events: mpsc::UnboundedReceiver<Event>,
    jobs: HashMap<RequestId, JobHandle>,
    /// The pub/sub pane's share of its connection's subscriber.
    feed: Feed,
}

impl Runner {
    fn new(service: Arc<Service>) -> Self {
        let (outcomes_tx, outcomes) = mpsc::unbounded_channel();
        let (events_tx, events) = mpsc::unbounded_channel();
        Self {
            service,
            outcomes_tx,
            outcomes,
            events_tx,
            events,
            jobs: HashMap::new(),
            feed: Feed::default(),
        }
    }

    /// Loads the connection list and local servers; opens `url` at once,
    /// or else the remembered connection with its database and filter.
    fn start(&mut self, state: &mut State, url: Option<String>) {
        self.spawn(|service| async move {
            if let Err(error) = service.ensure_demo().await {
                tracing::warn!(%error, "no demo database");
            }
            Event::Connections(service.connections().await.map_err(|e| e.to_string()))
        });
        self.spawn(|service| async move { Event::LocalServers(service.local_servers().await) });
        if let Some(url) = url {
            let effects = state::connections::open(state, url, Purpose::Open);
            self.apply(state, effects);
            return;
        }
        self.spawn(|service| async move {
            Event::Recalled(Recalled {
                connection: service.recall("last_connection").await,
                database: service.recall("last_database").await,
                filter: service.recall("last_filter").await,
            })
        });
    }

    async fn event_loop(
        &mut self,
        guard: &mut terminal::Guard,
        state: &mut State,
    ) -> color_eyre::Result<()> {
        let mut input = EventStream::new();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut dirty = true;
        while !state.quit {
            if dirty {
                guard.terminal.draw(|frame| view::render(frame, state))?;
                dirty = false;
            }
            let member = self.feed.member.clone();
            let next_take = self.feed.next_take;
            let event = tokio::select! {
                input = input.next() => match input {
                    Some(input) => terminal_event(input?),
                    None => break,
                },
                Some(outcome) = self.outcomes.recv() => Some(Event::Outcome(outcome)),
                Some(event) = self.events.recv() => Some(event),
                Some(joined) = self.feed.joined.recv() => self.feed.joined(joined),
                () = feed::ready(member, next_take) => Some(self.feed.take()),
                _ = tick.tick() => Some(Event::Tick),
            };
            dirty |= self.handle(state, event);
            dirty |= self.drain(state, &mut input)?;
        }
        Ok(())
    }

    /// Handles whatever else is already waiting, so a burst draws once.
    fn drain(&mut self, state: &mut State, input: &mut EventStream) -> color_eyre::Result<bool> {
        let mut dirty = false;
        loop {
            let event = if let Ok(outcome) = self.outcomes.try_recv() {
                Some(Event::Outcome(outcome))
            } else if let Ok(event) = self.events.try_recv() {
                Some(event)
            } else if let Some(Some(input)) = input.next().now_or_never() {
                terminal_event(input?)
            } else {
                return Ok(dirty);
            };
            dirty |= self.handle(state, event);
        }
    }

    /// Applies one event; says whether the screen needs drawing.
    fn handle(&mut self, state: &mut State, event: Option<Event>) -> bool {
        let Some(event) = event else {
            return false;
        };
        let redraw = !matches!(event, Event::Tick) || state.is_busy();
        if let Event::Outcome(outcome) = &event {
            self.jobs.remove(&outcome.id);
        }
        let tick = matches!(event, Event::Tick);
        let effects = update(state, event);
        self.apply(state, effects);
        // While the pub/sub pane watches, each tick takes a batch even if
        // it is empty, so the shown rate falls to 0 when messages stop.
        if tick && self.feed.is_watching() {
            let batch = self.feed.take();
            let effects = update(state, batch);
            self.apply(state, effects);
            return true;
        }
        redraw
    }

    fn apply(&mut self, state: &mut State, effects: Vec<Effect>) {
        let mut queue = VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            queue.extend(self.run_effect(state, effect));
        }
    }

    /// Carries out one effect; a submitted job is reported back to `update`
    /// at once, which may ask for more.
    fn run_effect(&mut self, state: &mut State, effect: Effect) -> Vec<Effect> {
        match effect {
            Effect::Submit { slot, job } => {
                let handle = self.service.submit(job, self.outcomes_tx.clone());
                let id = handle.id;
                self.jobs.insert(id, handle);
                return update(state, Event::Submitted { slot, id });
            }
            Effect::Cancel(id) => {
                if let Some(handle) = self.jobs.remove(&id) {
                    handle.cancel();
                }
            }
            Effect::Quit => {}
            Effect::Watch(target) => self.feed.watch(&self.service, target),
            Effect::Unwatch => self.feed.unwatch(),
            Effect::ChangeSubscription { change, names } => {
                let member = self.feed.member.clone();
                self.spawn(move |_| feed::change(member, change, names));
            }
            other => self.spawn_effect(other),
        }
        Vec::new()
    }

    /// Registry and UI-memory effects run as tasks whose results come back
    /// as events.
    fn spawn_effect(&self, effect: Effect) {
        match effect {
            Effect::Resolve {
                name_or_url,
                purpose,
            } => self.spawn(move |service| async move {
                let result = if name_or_url.contains("://") {
                    service.adhoc(&name_or_url)
                } else {
                    service.target(&name_or_url).await
                };
                let result = result.map_err(|e| e.to_string());
                Event::Resolved { purpose, result }
            }),
            Effect::LoadConnections => self.spawn(|service| async move {
                Event::Connections(service.connections().await.map_err(|e| e.to_string()))
            }),
            Effect::AddConnection(_)
            | Effect::UpdateConnection(..)
            | Effect::RemoveConnection(_) => self.spawn_profile_change(effect),
            Effect::Remember { key, value } => {
                let service = Arc::clone(&self.service);
                tokio::spawn(async move {
                    if let Err(error) = service.remember(key, &value).await {
                        tracing::warn!(%error, key, "could not remember a UI setting");
                    }
                });
            }
            Effect::LoadHistory { connection } => self.spawn(|service| async move {
                let stored = service.recall(&history_key(&connection)).await;
                let statements = stored
                    .and_then(|text| serde_json::from_str(&text).ok())
                    .unwrap_or_default();
                Event::History {
                    connection,
                    statements,
                }
            }),
            Effect::SaveHistory {
                connection,
                statements,
            } => {
                let service = Arc::clone(&self.service);
                tokio::spawn(async move {
                    let value = serde_json::to_string(&statements).unwrap_or_default();
                    if let Err(error) = service.remember(&history_key(&connection), &value).await {
                        tracing::warn!(%error, "could not store the SQL history");
                    }
                });
            }
            Effect::Submit { .. }
            | Effect::Cancel(_)
            | Effect::Quit
            | Effect::Watch(_)
            | Effect::Unwatch
            | Effect::ChangeSubscription { .. } => {}
        }
    }

    /// Adds, edits or removes a profile; the outcome comes back as
    /// `Event::ProfileSaved` with a message for the status bar.
    fn spawn_profile_change(&self, effect: Effect) {
        self.spawn(|service| async move {
            let result = match effect {
                Effect::AddConnection(profile) => service
                    .add_connection(profile)
                    .await
                    .map(|p| format!("added {}", p.name)),
                Effect::UpdateConnection(id, profile) => service
                    .update_connection(id, profile)
                    .await
                    .map(|p| format!("saved {}", p.name)),
                Effect::RemoveConnection(name) => service
                    .remove_connection(&name)
                    .await
                    .map(|p| format!("removed {}", p.name)),
                _ => return Event::ProfileSaved(Err("not a connection change".into())),
            };
            Event::ProfileSaved(result.map_err(|e| e.to_string()))
        });
    }

    /// Runs `task` on tokio and sends its event back to the loop.
    fn spawn<F, Fut>(&self, task: F)
    where
        F: FnOnce(Arc<Service>) -> Fut,
        Fut: Future<Output = Event> + Send + 'static,
    {
        let future = task(Arc::clone(&self.service));
        let events = self.events_tx.clone();
        tokio::spawn(async move {
            // The receiver is gone only when the TUI is shutting down.
            let _ = events.send(future.await);
        });
    }
}

/// The built-in keymap with the user's `keymap.toml` (in the config
/// directory) on top, when there is one.
fn load_keymap(config_dir: &std::path::Path) -> color_eyre::Result<Keymap> {
    let keymap = Keymap::embedded().wrap_err("reading the built-in keymap")?;
    let file = config_dir.join("keymap.toml");
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(keymap),
        Err(error) => return Err(error).wrap_err_with(|| format!("reading {}", file.display())),
    };
    let user = Keymap::parse(&text).wrap_err_with(|| format!("in {}", file.display()))?;
    Ok(keymap.with_overrides(user))
}

fn terminal_event(event: TermEvent) -> Option<Event> {
    match event {
        TermEvent::Key(key) => Some(Event::Key(key)),
        TermEvent::Mouse(mouse) => Some(Event::Mouse(mouse)),
        TermEvent::Resize(width, height) => Some(Event::Resize { width, height }),
        _ => None,
    }
}

/// Where a connection's SQL history is kept in the registry's UI memory.
fn history_key(connection: &str) -> String {
    format!("sql_history:{connection}")
}
