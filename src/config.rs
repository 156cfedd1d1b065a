//! Settings: embedded defaults, then the user's file, then `DBDECK_…`
//! environment variables, then command-line flags, each layer overriding the
//! one before. Also the XDG paths dbdeck reads and writes.
//!
//! Every setting and its default is documented in `config.example.toml`;
//! the test below keeps that file and these defaults in step.

use std::path::{Path, PathBuf};
use std::time::Duration;

use directories::ProjectDirs;
use figment::Figment;
use figment::providers::{Env, Format as _, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything a user can configure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[derive(Default)]
pub struct Settings {
    /// The registry's URL: `sqlite://PATH` or `postgres://…`. Empty means
    /// an SQLite file in the data directory.
    pub registry: String,
    /// Where the TUI writes its log. Empty means the XDG state directory.
    pub log_file: String,
    pub ui: UiSettings,
    pub limits: Limits,
    pub sessions: SessionSettings,
    pub api: ApiSettings,
    pub pubsub: PubSubSettings,
    /// Connections declared in the file, added to the registry's own.
    pub connections: Vec<DeclaredConnection>,
}

/// How the TUI looks and pages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiSettings {
    /// Keys asked of the server per SCAN call (its COUNT hint).
    pub scan_count: u32,
    /// Items per page in the value pane.
    pub value_page: u32,
    /// The separator the key tree splits names on.
    pub delimiter: String,
    /// How often the open server panel reads the server again.
    pub server_refresh_ms: u64,
    /// Colours on or off.
    pub colors: bool,
    /// Force ASCII glyphs; otherwise chosen from the locale.
    pub ascii: bool,
}

/// Caps that keep big data from freezing anything.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// The most bytes of a string value fetched for display.
    pub max_value_bytes: u64,
    /// The largest value pretty-printed as JSON.
    pub max_pretty_json_bytes: u64,
    /// How long one SCAN page may keep going through empty replies.
    pub scan_budget_ms: u64,
    /// The most rows an SQL statement's result keeps; the rest are not read.
    pub sql_row_cap: usize,
}

/// The pool manager's behaviour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionSettings {
    /// Close a client unused for this many seconds.
    pub idle_close_secs: u64,
    /// Jobs that may run at once against one connection.
    pub jobs_per_connection: usize,
    pub connect_timeout_ms: u64,
    pub response_timeout_ms: u64,
}

/// The REST API's address and limits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiSettings {
    /// Where `dbdeck serve` listens when `--listen` is not given.
    pub listen: String,
    /// A request still running after this long answers 504 and its
    /// database work is cancelled.
    pub request_timeout_ms: u64,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// The most items one list request may ask for.
    pub max_page: u32,
    /// Require a token even while none exists (then nothing but /healthz
    /// answers until one is created).
    pub require_auth: bool,
    /// How long list replies (databases, INFO) are cached; writes through
    /// the API clear them sooner.
    pub cache_ttl_ms: u64,
    /// Requests a minute per token (or client address); 0 turns it off.
    pub rate_limit_per_minute: u32,
    /// How many requests may come at once before the rate applies.
    pub rate_limit_burst: u32,
    /// Browser origins allowed to call the API (`https://dash.example.com`,
    /// or `*` for any). Empty: no CORS headers, so browsers keep pages on
    /// other origins out.
    pub cors_origins: Vec<String>,
}

/// How many pub/sub messages wait to be shown or sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PubSubSettings {
    /// Messages the pub/sub pane keeps, and holds while paused; beyond
    /// this the oldest are dropped and counted.
    pub buffer: usize,
    /// Messages waiting to be sent to one WebSocket client; a client that
    /// reads slower loses the oldest, and is told how many.
    pub socket_queue: usize,
}

impl Default for PubSubSettings {
    fn default() -> Self {
        Self {
            buffer: 10_000,
            socket_queue: 1000,
        }
    }
}

/// A connection written in the config file. Its password, if any, comes
/// from the environment variable named here, never from the file itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredConnection {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub read_only: bool,
}

impl Default for UiSettings {
    fn default() -> Self {
        Self {
            scan_count: 1000,
            value_page: 100,
            delimiter: ":".into(),
            server_refresh_ms: 2000,
            colors: true,
            ascii: false,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_value_bytes: 64 * 1024,
            max_pretty_json_bytes: 1024 * 1024,
            scan_budget_ms: 2000,
            sql_row_cap: 1000,
        }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            idle_close_secs: 600,
            jobs_per_connection: 4,
            connect_timeout_ms: 5000,
            response_timeout_ms: 10_000,
        }
    }
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:7411".into(),
            request_timeout_ms: 30_000,
            max_body_bytes: 16 * 1024 * 1024,
            max_page: 1000,
            require_auth: false,
            cache_ttl_ms: 2000,
            rate_limit_per_minute: 60_000,
            rate_limit_burst: 1000,
            cors_origins: Vec::new(),
        }
    }
}

impl ApiSettings {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub fn cache_ttl(&self) -> Duration {
        Duration::from_millis(self.cache_ttl_ms)
    }
}

impl Limits {
    pub fn scan_budget(&self) -> Duration {
        Duration::from_millis(self.scan_budget_ms)
    }
}

/// A configuration file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(#[from] Box<figment::Error>);

impl Settings {
    /// Layers defaults, `file` (when it exists) and the environment.
    /// Flags are applied by the caller on the result.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file(file));
        }
        let env = Env::prefixed("DBDECK_").split("__").ignore(&["secret_key"]);
        figment
            .merge(env)
            .extract()
            .map_err(|e| ConfigError(Box::new(e)))
    }
}

/// The XDG directories dbdeck uses.
#[derive(Clone, Debug)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    /// The user's XDG directories, or `./.dbdeck` when there is no home.
    pub fn discover() -> Self {
        match ProjectDirs::from("", "", "dbdeck") {
            Some(dirs) => Self {
                config_dir: dirs.config_dir().to_path_buf(),
                data_dir: dirs.data_dir().to_path_buf(),
                state_dir: dirs.state_dir().unwrap_or(dirs.data_dir()).to_path_buf(),
            },
            None => Self::under(Path::new(".dbdeck")),
        }
    }

    /// All three directories under one root, as tests use.
    pub fn under(root: &Path) -> Self {
        Self {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
            state_dir: root.join("state"),
        }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn default_registry_url(&self) -> String {
        format!("sqlite://{}", self.data_dir.join("registry.db").display())
    }

    pub fn default_log_file(&self) -> PathBuf {
        self.state_dir.join("dbdeck.log")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_matches_defaults() {
        let example: Settings = toml_settings(include_str!("../config.example.toml"));
        let expected = Settings {
            connections: example.connections.clone(),
            ..Settings::default()
        };
        assert_eq!(example, expected);
        assert!(example.connections.iter().all(|c| !c.url.contains('@')));
    }

    fn toml_settings(text: &str) -> Settings {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(text))
            .extract()
            .unwrap()
    }

    #[test]
    fn file_overrides_defaults() {
        let settings = toml_settings("[ui]\nscan_count = 50\n[limits]\nscan_budget_ms = 10\n");
        assert_eq!(settings.ui.scan_count, 50);
        assert_eq!(settings.limits.scan_budget(), Duration::from_millis(10));
        assert_eq!(settings.ui.delimiter, ":");
    }
}
