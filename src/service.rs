//! The one facade both front ends call: connections from the registry and
//! the config file, jobs through the worker pool, and UI memory.
//!
//! It holds no ratatui or HTTP types. A capability exists once, here or
//! below, and the TUI, the CLI and the REST API all reach it the same way.

mod remembered;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::{Paths, Settings};
use crate::domain::mongo::{FindRequest, Namespace};
use crate::domain::redis::{
    KeyFilter, KeyInfo, KeyType, ScanCursor, ScanRequest, ValueRequest, ValueWindow,
};
use crate::domain::token::{NewToken, Scope, TokenInfo};
use crate::domain::{ByteString, ConnectTarget, Kind, Profile, ProfileId, Secret};
use crate::driver::DriverError;
use crate::driver::redis::Timeouts;
use crate::registry::{NewProfile, Registry, RegistryError, SecretKey};
use crate::worker::{
    Job, JobHandle, Membership, MongoRequest, MongoResponse, Outcome, PubSubHub, Request, Response,
    Sessions, WorkerPool,
};

/// How often idle clients are looked for.
const REAPER_PERIOD: Duration = Duration::from_secs(60);

/// Ids below this belong to connections that live outside the registry.
const FIRST_DECLARED_ID: i64 = -1;
const FIRST_ADHOC_ID: i64 = -1_000_000;

/// The demo database's script: a small bookshop with awkward values.
const DEMO_SCRIPT: &str = include_str!("../assets/demo.sql");

/// UI memory marking that the demo was created once.
const DEMO_MEMORY: &str = "demo_created";

/// What a front end can be told went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Driver(#[from] DriverError),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0:?} is declared in the config file or opened from a URL; change it there")]
    NotStored(String),
    #[error("could not write the output: {0}")]
    Output(#[source] std::io::Error),
    #[error("could not create the demo database: {0}")]
    Demo(String),
}

/// The application's engine, shared by the TUI, the CLI and the API.
pub struct Service {
    registry: Registry,
    pool: WorkerPool,
    hub: PubSubHub,
    settings: Settings,
    /// Connections from the config file, then ad-hoc ones from URLs.
    outside: Mutex<Vec<ConnectTarget>>,
    next_adhoc: AtomicI64,
    stop: CancellationToken,
    /// Where the demo database goes; `None` for a service built in tests.
    data_dir: Option<std::path::PathBuf>,
    /// Registry reads kept while the registry is unchanged.
    remembered: remembered::Remembered,
}

impl Service {
    /// Opens the registry and starts the pool manager. Call inside tokio.
    pub async fn open(settings: Settings, paths: &Paths) -> Result<Arc<Self>, ServiceError> {
        let registry_url = match settings.registry.as_str() {
            "" => paths.default_registry_url(),
            url => url.to_owned(),
        };
        let key = SecretKey::load_or_create(&paths.config_dir)?;
        let registry = Registry::open(&registry_url, key).await?;
        let mut service = Self::build(registry, settings);
        service.data_dir = Some(paths.data_dir.clone());
        Ok(Arc::new(service))
    }

    /// Builds the service around an opened registry.
    pub fn with_registry(registry: Registry, settings: Settings) -> Arc<Self> {
        Arc::new(Self::build(registry, settings))
    }

    fn build(registry: Registry, settings: Settings) -> Self {
        let timeouts = Timeouts {
            connect: Duration::from_millis(settings.sessions.connect_timeout_ms),
            response: Duration::from_millis(settings.sessions.response_timeout_ms),
        };
        let idle = Duration::from_secs(settings.sessions.idle_close_secs);
        let sessions = Sessions::new(idle, timeouts);
        let stop = CancellationToken::new();
        sessions.spawn_reaper(REAPER_PERIOD, stop.clone());
        let pool = WorkerPool::new(sessions, settings.sessions.jobs_per_connection);
        let hub = PubSubHub::new(timeouts);
        let outside = declared_targets(&settings);
        Self {
            registry,
            pool,
            hub,
            settings,
            outside: Mutex::new(outside),
            next_adhoc: AtomicI64::new(FIRST_ADHOC_ID),
            stop,
            data_dir: None,
            remembered: remembered::Remembered::new(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn sessions(&self) -> &Arc<Sessions> {
        self.pool.sessions()
    }

    fn outside(&self) -> std::sync::MutexGuard<'_, Vec<ConnectTarget>> {
        self.outside.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every connection: the registry's, then the config file's and ad-hoc.
    pub async fn connections(&self) -> Result<Vec<Profile>, ServiceError> {
        let mut profiles = self.registry.list().await?;
        profiles.extend(self.outside().iter().map(ConnectTarget::profile));
        Ok(profiles)
    }

    pub async fn add_connection(&self, profile: NewProfile) -> Result<Profile, ServiceError> {
        Ok(self.registry.add(profile).await?)
    }

    /// Replaces a stored profile and drops its live clients.
    pub async fn update_connection(
        &self,
        id: ProfileId,
        profile: NewProfile,
    ) -> Result<Profile, ServiceError> {
        if self.outside().iter().any(|t| t.id == id) {
            return Err(ServiceError::NotStored(profile.name));
        }
        let updated = self.registry.update(id, profile).await?;
        self.sessions().evict(id);
        Ok(updated)
    }

    /// Removes a stored profile and drops its live clients.
    pub async fn remove_connection(&self, name_or_id: &str) -> Result<Profile, ServiceError> {
        if self.outside().iter().any(|t| matches_target(t, name_or_id)) {
            return Err(ServiceError::NotStored(name_or_id.to_owned()));
        }
        let removed = self.registry.remove(name_or_id).await?;
        self.sessions().evict(removed.id);
        Ok(removed)
    }

    /// Resolves a connection by name or id, or opens an ad-hoc one when
    /// given a URL.
    pub async fn target(&self, name_or_url: &str) -> Result<ConnectTarget, ServiceError> {
        match self.connection(name_or_url).await {
            // A URL, or a plain path to an SQLite file.
            Err(ServiceError::Registry(RegistryError::NotFound(_)))
                if name_or_url.contains("://")
                    || crate::registry::url::split_password(name_or_url).is_ok() =>
            {
                self.adhoc(name_or_url)
            }
            other => other,
        }
    }

    /// Resolves a known connection by name or id; never opens one from a
    /// URL, so a caller over the network cannot point dbdeck at a server.
    pub async fn connection(&self, name_or_id: &str) -> Result<ConnectTarget, ServiceError> {
        if let Some(found) = self
            .outside()
            .iter()
            .find(|t| matches_target(t, name_or_id))
        {
            return Ok(found.clone());
        }
        let load = async { Ok(self.registry.target(name_or_id).await?) };
        let stamp = self.registry.stamp();
        self.remembered.target(name_or_id, stamp, load).await
    }

    /// The profile of a known connection, by name or id.
    pub async fn profile(&self, name_or_id: &str) -> Result<Profile, ServiceError> {
        Ok(self.connection(name_or_id).await?.profile())
    }

    /// Creates an API token limited to the named connections (all when
    /// `connections` is empty); returns it with the token text, shown once.
    pub async fn create_token(
        &self,
        name: String,
        scope: Scope,
        connections: &[String],
        expires_in: Option<u64>,
    ) -> Result<(TokenInfo, String), ServiceError> {
        let mut ids = Vec::with_capacity(connections.len());
        for conn in connections {
            ids.push(self.registry.find(conn).await?.id);
        }
        let token = NewToken {
            name,
            scope,
            connections: (!ids.is_empty()).then_some(ids),
            expires_in,
        };
        Ok(self.registry.create_token(token).await?)
    }

    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, ServiceError> {
        Ok(self.registry.tokens().await?)
    }

    pub async fn revoke_token(&self, name: &str) -> Result<TokenInfo, ServiceError> {
        Ok(self.registry.revoke_token(name).await?)
    }

    /// The live token with this text, if any.
    pub async fn authenticate(&self, text: &str) -> Result<Option<TokenInfo>, ServiceError> {
        let load = async { Ok(self.registry.authenticate(text).await?) };
        let stamp = self.registry.stamp();
        self.remembered.token(text, stamp, load).await
    }

    /// Whether API callers must present a token: once any token exists, or
    /// when the config demands it.
    pub async fn auth_required(&self) -> Result<bool, ServiceError> {
        if self.settings.api.require_auth {
            return Ok(true);
        }
        let load = async { Ok(self.registry.has_tokens().await?) };
        let stamp = self.registry.stamp();
        self.remembered.auth_required(stamp, load).await
    }

    /// Whether the registry answers, for readiness checks.
    pub async fn registry_ready(&self) -> Result<(), ServiceError> {
        self.registry.list().await?;
        Ok(())
    }

    /// Registers a connection from a URL for this run only.
    pub fn adhoc(&self, url: &str) -> Result<ConnectTarget, ServiceError> {
        let split = crate::registry::url::split_password(url).map_err(RegistryError::from)?;
        let id = ProfileId(self.next_adhoc.fetch_sub(1, Ordering::Relaxed));
        let target = ConnectTarget {
            id,
            name: crate::registry::url::display_name(&split.url),
            kind: split.kind,
            url: split.url,
            password: split.password,
            read_only: false,
            revision: 0,
        };
        self.outside().push(target.clone());
        Ok(target)
    }

    /// The database to open first: the one the URL names, else 0.
    pub fn default_db(&self, target: &ConnectTarget) -> u32 {
        match target.kind {
            Kind::Redis => crate::driver::redis::url_database(&target.url),
            _ => 0,
        }
    }

    /// Starts a job; its outcome arrives on `reply`.
    pub fn submit(&self, job: Job, reply: mpsc::UnboundedSender<Outcome>) -> JobHandle {
        self.pool.submit(job, reply)
    }

    /// Runs a job and waits for its result.
    pub async fn run(&self, job: Job) -> Result<Response, DriverError> {
        self.pool.run(job).await
    }

    /// Joins the Redis connection's pub/sub subscriber (opening it for the
    /// first member); the member's mailbox holds `capacity` messages.
    pub async fn watch_channels(
        &self,
        target: &ConnectTarget,
        capacity: usize,
    ) -> Result<Membership, ServiceError> {
        if target.kind != Kind::Redis {
            return Err(ServiceError::InvalidInput(format!(
                "{} is a {} connection; only Redis has pub/sub",
                target.name, target.kind
            )));
        }
        Ok(self.hub.join(target, capacity).await?)
    }

    /// How many connections have a live pub/sub subscriber.
    pub fn pubsub_connections(&self) -> usize {
        self.hub.open_connections()
    }

    /// A first-page SCAN request with the configured count and budget.
    pub fn scan_request(&self, filter: KeyFilter, key_type: Option<KeyType>) -> ScanRequest {
        ScanRequest {
            filter,
            key_type,
            count: self.settings.ui.scan_count,
            cursor: ScanCursor::START,
            budget: self.settings.limits.scan_budget(),
        }
    }

    /// A request for the first page of a key's value.
    pub fn value_request(&self, key: ByteString, window: ValueWindow) -> ValueRequest {
        ValueRequest {
            key,
            window,
            count: self.settings.ui.value_page,
            max_bytes: self.settings.limits.max_value_bytes,
        }
    }

    /// Runs a MongoDB request on a connection and waits for its answer.
    /// Read-only connections refuse writes (and `$out`/`$merge`) in the
    /// pool, before the server sees them.
    pub async fn mongo(
        &self,
        target: &ConnectTarget,
        request: MongoRequest,
    ) -> Result<MongoResponse, ServiceError> {
        let job = Job {
            target: target.clone(),
            db: 0,
            request: Request::from(request),
        };
        match self.run(job).await? {
            Response::Mongo(response) => Ok(response),
            _ => Err(ServiceError::InvalidInput(
                "unexpected reply to a MongoDB request".into(),
            )),
        }
    }

    /// A request for the first page of a collection's documents, with the
    /// configured page size (the value pane's, `ui.value_page`).
    pub fn find_request(&self, ns: Namespace) -> FindRequest {
        FindRequest {
            ns,
            filter: bson::Document::new(),
            projection: None,
            sort: bson::Document::new(),
            skip: 0,
            limit: None,
            page_size: self.settings.ui.value_page,
            max_time_ms: None,
            cursor: None,
        }
    }

    /// Walks the whole keyspace matching `scan`, handing each key with its
    /// metadata to `sink` page by page. Returns how many keys it saw.
    pub async fn walk_keys(
        &self,
        target: &ConnectTarget,
        db: u32,
        mut scan: ScanRequest,
        mut sink: impl FnMut(&[KeyInfo]) -> std::io::Result<()>,
    ) -> Result<u64, ServiceError> {
        let mut seen = 0;
        loop {
            let job = Job {
                target: target.clone(),
                db,
                request: Request::Scan(scan.clone()),
            };
            let Response::Keys(page) = self.run(job).await? else {
                return Err(ServiceError::InvalidInput(
                    "unexpected reply to a scan".into(),
                ));
            };
            seen += page.items.len() as u64;
            sink(&page.items).map_err(ServiceError::Output)?;
            match page.next_cursor {
                Some(cursor) => scan.cursor = cursor,
                None => return Ok(seen),
            }
        }
    }

    /// A remembered UI value, or `None` when nothing was stored or the
    /// registry could not be read (memory is a convenience, never fatal).
    pub async fn recall(&self, key: &str) -> Option<String> {
        self.registry.memory(key).await.ok().flatten()
    }

    pub async fn remember(&self, key: &str, value: &str) -> Result<(), ServiceError> {
        Ok(self.registry.remember(key, value).await?)
    }

    /// On the first run (an empty registry that never had the demo), builds
    /// the demo SQLite database in the data directory and registers it as
    /// `demo`. Deleting the connection later keeps it deleted.
    pub async fn ensure_demo(&self) -> Result<Option<Profile>, ServiceError> {
        let Some(dir) = &self.data_dir else {
            return Ok(None);
        };
        if self.recall(DEMO_MEMORY).await.is_some() || !self.registry.list().await?.is_empty() {
            return Ok(None);
        }
        let path = dir.join("demo.db");
        crate::driver::sql::create_sqlite_database(&path, DEMO_SCRIPT)
            .await
            .map_err(|e| ServiceError::Demo(e.to_string()))?;
        let profile = NewProfile {
            name: "demo".into(),
            url: format!("sqlite://{}", path.display()),
            read_only: false,
        };
        let added = self.add_connection(profile).await?;
        self.remember(DEMO_MEMORY, "1").await?;
        Ok(Some(added))
    }

    /// URLs of database servers answering on their default local ports,
    /// offered beside the saved connections.
    pub async fn local_servers(&self) -> Vec<String> {
        const DEFAULTS: [(&str, &str); 2] = [
            ("127.0.0.1:6379", "redis://127.0.0.1:6379"),
            ("127.0.0.1:5432", "postgres://127.0.0.1:5432/postgres"),
        ];
        let probes = DEFAULTS.map(|(addr, url)| async move {
            let probe = tokio::net::TcpStream::connect(addr);
            let answered = tokio::time::timeout(Duration::from_millis(300), probe).await;
            matches!(answered, Ok(Ok(_))).then(|| url.to_owned())
        });
        futures::future::join_all(probes)
            .await
            .into_iter()
            .flatten()
            .collect()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn matches_target(target: &ConnectTarget, name_or_id: &str) -> bool {
    target.name == name_or_id || target.id.0.to_string() == name_or_id
}

/// Turns the config file's connections into targets, reading each password
/// from its environment variable. One that cannot be parsed is logged and
/// skipped rather than stopping the app.
fn declared_targets(settings: &Settings) -> Vec<ConnectTarget> {
    let mut targets = Vec::new();
    for (index, declared) in settings.connections.iter().enumerate() {
        let split = match crate::registry::url::split_password(&declared.url) {
            Ok(split) => split,
            Err(error) => {
                tracing::warn!(name = %declared.name, %error, "skipping a declared connection");
                continue;
            }
        };
        let from_env = declared
            .password_env
            .as_deref()
            .and_then(|var| std::env::var(var).ok());
        let offset = i64::try_from(index).unwrap_or(i64::MAX - 1);
        targets.push(ConnectTarget {
            id: ProfileId(FIRST_DECLARED_ID - offset),
            name: declared.name.clone(),
            kind: split.kind,
            url: split.url,
            password: from_env.map(Secret::new).or(split.password),
            read_only: declared.read_only,
            revision: 0,
        });
    }
    targets
}
