//! The registry: connection profiles, their sealed secrets, and UI memory,
//! stored with sqlx in SQLite (default) or PostgreSQL.
//!
//! Both engines run the same SQL text (`$n` placeholders, `RETURNING`,
//! `ON CONFLICT`), so each query is written once and the `on_pool!` macro
//! compiles it for whichever pool is open. Queries are built at run time:
//! building dbdeck never needs a database. Passwords reach this module only
//! inside `Secret`s and leave it sealed; errors never carry them.
//!
//! Error policy: a failure the user can act on gets its own variant
//! (`NotFound`, `Duplicate`, `Secret`, `InvalidUrl`); anything else is
//! `Storage` with the driver's message. The registry's own URL appears in
//! errors only through `url::display_name`, which drops the password.

mod changes;
pub mod secret;
pub mod url;

use std::str::FromStr as _;

use sqlx::SqlSafeStr as _;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::domain::{ConnectTarget, Kind, Profile, ProfileId};

pub use changes::Stamp;
pub use secret::SecretKey;
pub use url::{SplitUrl, UrlError};

/// What went wrong in the registry, by meaning.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("no connection named {0:?}")]
    NotFound(String),
    #[error("a connection named {0:?} already exists")]
    Duplicate(String),
    #[error(transparent)]
    InvalidUrl(#[from] UrlError),
    #[error("{0}")]
    InvalidInput(String),
    #[error("could not unseal a stored secret: {0}")]
    Secret(String),
    #[error("registry storage failed: {0}")]
    Storage(String),
}

/// A profile to add or to replace an existing one with. `url` may carry a
/// password; it is split out and sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProfile {
    pub name: String,
    pub url: String,
    pub read_only: bool,
}

/// The migrations in both dialects, embedded so the binary needs no files:
/// version, description, SQLite text, PostgreSQL text.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/sqlite/0001_init.sql"),
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "notify changes",
        include_str!("../../migrations/sqlite/0002_notify_changes.sql"),
        include_str!("../../migrations/postgres/0002_notify_changes.sql"),
    ),
];

/// How many connections a registry pool keeps; its queries are short.
const MAX_CONNECTIONS: u32 = 4;

/// The columns every profile query returns, in `ProfileRow` order.
macro_rules! profile_columns {
    () => {
        "id, name, kind, url, secret, read_only, revision"
    };
}

/// One `connections` row as `profile_columns!` returns it.
type ProfileRow = (i64, String, String, String, Option<Vec<u8>>, bool, i64);

/// Runs `$body` with `$pool` bound to whichever engine's pool is open.
macro_rules! on_pool {
    ($registry:expr, |$pool:ident| $body:expr) => {
        match &$registry.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

mod tokens;

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The connection registry.
pub struct Registry {
    pool: Pool,
    key: SecretKey,
    changes: changes::Changes,
}

impl Registry {
    /// Opens (creating and migrating when needed) the registry at `url`:
    /// `sqlite://PATH` or `postgres://…`.
    pub async fn open(url: &str, key: SecretKey) -> Result<Self, RegistryError> {
        let (pool, changes) = if url.starts_with("sqlite:") {
            let (pool, file) = open_sqlite(url).await?;
            (Pool::Sqlite(pool), changes::Changes::sqlite(file))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = open_postgres(url).await?;
            let changes = changes::Changes::postgres(&pool);
            (Pool::Postgres(pool), changes)
        } else {
            return Err(RegistryError::InvalidInput(
                "the registry URL must be sqlite://PATH or postgres://…".into(),
            ));
        };

        let registry = Self { pool, key, changes };
        registry.migrate().await?;
        Ok(registry)
    }

    /// Whether the registry may have changed since an earlier stamp: equal
    /// stamps mean it did not. `None` when that cannot be told right now.
    pub fn stamp(&self) -> Option<Stamp> {
        self.changes.stamp()
    }

    async fn migrate(&self) -> Result<(), RegistryError> {
        let sqlite = matches!(self.pool, Pool::Sqlite(_));
        let migrations = MIGRATIONS
            .iter()
            .map(|&(version, description, sqlite_sql, postgres_sql)| {
                let sql = if sqlite { sqlite_sql } else { postgres_sql };
                let kind = MigrationType::Simple;
                Migration::new(version, description.into(), kind, sql.into_sql_str(), false)
            })
            .collect();
        let migrator = Migrator::with_migrations(migrations);
        on_pool!(self, |pool| migrator.run(pool).await)
            .map_err(|e| RegistryError::Storage(format!("could not migrate the registry: {e}")))
    }

    /// All profiles, by name.
    pub async fn list(&self) -> Result<Vec<Profile>, RegistryError> {
        const SQL: &str = concat!(
            "SELECT ",
            profile_columns!(),
            " FROM connections ORDER BY name"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, ProfileRow>(SQL)
            .fetch_all(pool)
            .await)
        .map_err(storage)?;
        rows.into_iter()
            .map(|row| Stored::from_row(row).map(|stored| stored.profile))
            .collect()
    }

    /// One profile by name, or by id when `name_or_id` is a number.
    pub async fn find(&self, name_or_id: &str) -> Result<Profile, RegistryError> {
        Ok(self.lookup(name_or_id).await?.profile)
    }

    /// A profile with its secret unsealed, ready to connect.
    pub async fn target(&self, name_or_id: &str) -> Result<ConnectTarget, RegistryError> {
        let Stored { profile, secret } = self.lookup(name_or_id).await?;
        let password = secret
            .map(|sealed| self.key.unseal(&sealed, &profile.name))
            .transpose()?;
        Ok(ConnectTarget {
            id: profile.id,
            name: profile.name,
            kind: profile.kind,
            url: profile.url,
            password,
            read_only: profile.read_only,
            revision: profile.revision,
        })
    }

    /// Stores a new profile; its name must not be taken.
    pub async fn add(&self, profile: NewProfile) -> Result<Profile, RegistryError> {
        const SQL: &str = concat!(
            "INSERT INTO connections (name, kind, url, secret, read_only) ",
            "VALUES ($1, $2, $3, $4, $5) RETURNING ",
            profile_columns!()
        );
        let row = self.checked(profile)?;
        let result = on_pool!(self, |pool| sqlx::query_as::<_, ProfileRow>(SQL)
            .bind(&row.name)
            .bind(row.kind.name())
            .bind(&row.url)
            .bind(&row.secret)
            .bind(row.read_only)
            .fetch_one(pool)
            .await);
        let inserted = result.map_err(|e| duplicate_or_storage(e, &row.name))?;
        self.changes.touch();
        Ok(Stored::from_row(inserted)?.profile)
    }

    /// Replaces a profile; its revision changes so live clients are dropped.
    /// A URL without a password keeps the stored one.
    pub async fn update(
        &self,
        id: ProfileId,
        profile: NewProfile,
    ) -> Result<Profile, RegistryError> {
        // COALESCE keeps the sealed secret when the new URL brings none.
        const SQL: &str = concat!(
            "UPDATE connections SET name = $1, kind = $2, url = $3, ",
            "secret = COALESCE($4, secret), read_only = $5, ",
            "revision = revision + 1, updated_at = CURRENT_TIMESTAMP ",
            "WHERE id = $6 RETURNING ",
            profile_columns!()
        );
        let row = self.checked(profile)?;
        let result = on_pool!(self, |pool| sqlx::query_as::<_, ProfileRow>(SQL)
            .bind(&row.name)
            .bind(row.kind.name())
            .bind(&row.url)
            .bind(&row.secret)
            .bind(row.read_only)
            .bind(id.0)
            .fetch_optional(pool)
            .await);
        self.changes.touch();
        match result.map_err(|e| duplicate_or_storage(e, &row.name))? {
            Some(updated) => Ok(Stored::from_row(updated)?.profile),
            None => Err(RegistryError::NotFound(id.to_string())),
        }
    }

    /// Deletes a profile by name or id, returning what was deleted.
    pub async fn remove(&self, name_or_id: &str) -> Result<Profile, RegistryError> {
        const SQL: &str = concat!(
            "DELETE FROM connections WHERE id = $1 RETURNING ",
            profile_columns!()
        );
        let id = self.lookup(name_or_id).await?.profile.id;
        let removed = on_pool!(self, |pool| sqlx::query_as::<_, ProfileRow>(SQL)
            .bind(id.0)
            .fetch_optional(pool)
            .await)
        .map_err(storage)?;
        self.changes.touch();
        // Another process may have removed it between the two statements.
        let removed = removed.ok_or_else(|| RegistryError::NotFound(name_or_id.to_owned()))?;
        Ok(Stored::from_row(removed)?.profile)
    }

    /// A remembered UI value (last connection, database, filter).
    pub async fn memory(&self, key: &str) -> Result<Option<String>, RegistryError> {
        const SQL: &str = "SELECT value FROM ui_memory WHERE key = $1";
        on_pool!(self, |pool| sqlx::query_scalar::<_, String>(SQL)
            .bind(key)
            .fetch_optional(pool)
            .await)
        .map_err(storage)
    }

    /// Remembers a UI value, replacing the previous one.
    pub async fn remember(&self, key: &str, value: &str) -> Result<(), RegistryError> {
        const SQL: &str = "INSERT INTO ui_memory (key, value) VALUES ($1, $2) \
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
            updated_at = CURRENT_TIMESTAMP";
        on_pool!(self, |pool| sqlx::query(SQL)
            .bind(key)
            .bind(value)
            .execute(pool)
            .await
            .map(|_| ()))
        .map_err(storage)
    }

    /// Finds a profile by name first, then by id when the text is a number,
    /// so a connection named "7" stays reachable by its name.
    async fn lookup(&self, name_or_id: &str) -> Result<Stored, RegistryError> {
        let row = match (self.by_name(name_or_id).await?, name_or_id.parse()) {
            (Some(row), _) => Some(row),
            (None, Ok(id)) => self.by_id(id).await?,
            (None, Err(_)) => None,
        };
        let row = row.ok_or_else(|| RegistryError::NotFound(name_or_id.to_owned()))?;
        Stored::from_row(row)
    }

    async fn by_name(&self, name: &str) -> Result<Option<ProfileRow>, RegistryError> {
        const SQL: &str = concat!(
            "SELECT ",
            profile_columns!(),
            " FROM connections WHERE name = $1"
        );
        on_pool!(self, |pool| sqlx::query_as(SQL)
            .bind(name)
            .fetch_optional(pool)
            .await)
        .map_err(storage)
    }

    async fn by_id(&self, id: i64) -> Result<Option<ProfileRow>, RegistryError> {
        const SQL: &str = concat!(
            "SELECT ",
            profile_columns!(),
            " FROM connections WHERE id = $1"
        );
        on_pool!(self, |pool| sqlx::query_as(SQL)
            .bind(id)
            .fetch_optional(pool)
            .await)
        .map_err(storage)
    }

    /// Validates a profile and splits and seals its password.
    fn checked(&self, profile: NewProfile) -> Result<NewRow, RegistryError> {
        let name = profile.name.trim();
        if name.is_empty() {
            return Err(RegistryError::InvalidInput(
                "a connection needs a name".into(),
            ));
        }
        let split = url::split_password(&profile.url)?;
        let secret = split
            .password
            .map(|password| self.key.seal(&password))
            .transpose()?;
        Ok(NewRow {
            name: name.to_owned(),
            kind: split.kind,
            url: split.url,
            secret,
            read_only: profile.read_only,
        })
    }
}

/// A profile ready to be written: password split out and sealed.
struct NewRow {
    name: String,
    kind: Kind,
    url: String,
    secret: Option<Vec<u8>>,
    read_only: bool,
}

/// A profile as read back, with its secret still sealed.
struct Stored {
    profile: Profile,
    secret: Option<Vec<u8>>,
}

impl Stored {
    fn from_row(row: ProfileRow) -> Result<Self, RegistryError> {
        let (id, name, kind, url, secret, read_only, revision) = row;
        let kind = Kind::parse(&kind).ok_or_else(|| {
            RegistryError::Storage(format!(
                "connection {name:?} has a kind this version does not know: {kind:?}"
            ))
        })?;
        let profile = Profile {
            id: ProfileId(id),
            name,
            kind,
            url,
            read_only,
            has_secret: secret.is_some(),
            revision,
        };
        Ok(Self { profile, secret })
    }
}

/// Opens an SQLite registry, creating its directory and file when missing.
/// Opens an SQLite registry; returns its file too, unless it lives in
/// memory.
async fn open_sqlite(url: &str) -> Result<(SqlitePool, Option<std::path::PathBuf>), RegistryError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| RegistryError::InvalidInput(format!("invalid registry URL: {e}")))?
        .create_if_missing(true)
        // WAL lets the TUI read while `dbdeck serve` writes the same file.
        .journal_mode(SqliteJournalMode::Wal);
    let file = options.get_filename().to_owned();
    if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            RegistryError::Storage(format!("could not create {}: {e}", dir.display()))
        })?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .connect_with(options)
        .await
        .map_err(|e| {
            RegistryError::Storage(format!(
                "could not open the registry {}: {e}",
                file.display()
            ))
        })?;
    let on_disk = file.to_str() != Some(":memory:") && !url.contains("mode=memory");
    Ok((pool, on_disk.then_some(file)))
}

async fn open_postgres(url: &str) -> Result<PgPool, RegistryError> {
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .connect(url)
        .await
        .map_err(|e| {
            // The URL may hold a password; name the server only.
            let server = url::display_name(url);
            RegistryError::Storage(format!("could not open the registry at {server}: {e}"))
        })
}

fn storage(error: sqlx::Error) -> RegistryError {
    RegistryError::Storage(error.to_string())
}

fn duplicate_or_storage(error: sqlx::Error, name: &str) -> RegistryError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            RegistryError::Duplicate(name.to_owned())
        }
        _ => storage(error),
    }
}
