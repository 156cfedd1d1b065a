//! The registry against both engines: every test below runs once on a
//! temporary SQLite file and once on a fresh PostgreSQL database.

#![expect(
    clippy::expect_used,
    reason = "a test fails by panicking, with the step named"
)]

use dbdeck::domain::{Kind, ProfileId};
use dbdeck::registry::{NewProfile, Registry, RegistryError, SecretKey};
use sqlx::{PgPool, SqlitePool};

use crate::support::postgres::TestDatabase;

/// Case B33's password, and the same percent-encoded.
const PASSWORD: &str = "p#ss@w/rd:%?";
const ENCODED: &str = "p%23ss%40w%2Frd%3A%25%3F";

/// Where a test's registry lives; dropping it deletes the database.
enum Store {
    Sqlite(tempfile::TempDir),
    Postgres(TestDatabase),
}

impl Store {
    fn sqlite() -> Self {
        Self::Sqlite(tempfile::tempdir().expect("tempdir"))
    }

    async fn postgres() -> Self {
        Self::Postgres(TestDatabase::create().await)
    }

    fn url(&self) -> String {
        match self {
            // A directory that does not exist yet: open must create it.
            Self::Sqlite(dir) => format!("sqlite://{}/data/registry.db", dir.path().display()),
            Self::Postgres(db) => db.url().to_owned(),
        }
    }

    /// Opens the registry with the key kept in `key_dir`.
    async fn open(&self, key_dir: &tempfile::TempDir) -> Registry {
        let key = SecretKey::from_dir(key_dir.path()).expect("key");
        Registry::open(&self.url(), key)
            .await
            .expect("open registry")
    }

    /// The `secret` column of connection `name`, read around the registry.
    async fn raw_secret(&self, name: &str) -> Vec<u8> {
        const SQL: &str = "SELECT secret FROM connections WHERE name = $1";
        let url = self.url();
        match self {
            Self::Sqlite(_) => {
                let pool = SqlitePool::connect(&url).await.expect("sqlite");
                sqlx::query_scalar(SQL).bind(name).fetch_one(&pool).await
            }
            Self::Postgres(_) => {
                let pool = PgPool::connect(&url).await.expect("postgres");
                sqlx::query_scalar(SQL).bind(name).fetch_one(&pool).await
            }
        }
        .expect("read the secret column")
    }
}

/// Declares each test once per engine: `registry::sqlite::…` and
/// `registry::postgres::…`.
macro_rules! on_both_engines {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $test() {
                super::$test(super::Store::sqlite()).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $test() {
                super::$test(super::Store::postgres().await).await;
            })*
        }
    };
}

on_both_engines!(
    add_list_find_target_round_trip,
    duplicate_names_are_refused,
    update_bumps_revision_and_keeps_or_replaces_the_secret,
    remove_by_name_or_id,
    memory_is_set_and_overwritten,
    the_secret_column_holds_no_plaintext,
    another_key_cannot_unseal,
    reopening_keeps_profiles,
);

fn profile(name: &str, url: &str) -> NewProfile {
    NewProfile {
        name: name.to_owned(),
        url: url.to_owned(),
        read_only: false,
    }
}

fn b33_profile(name: &str) -> NewProfile {
    profile(
        name,
        &format!("postgres://app:{ENCODED}@127.0.0.1:5432/postgres"),
    )
}

async fn add_list_find_target_round_trip(store: Store) {
    let keys = tempfile::tempdir().expect("tempdir");
    let registry = store.open(&keys).await;
    let pg = registry
        .add(NewProfile {
            read_only: true,
            ..b33_profile("pg")
        })
        .await
        .expect("add pg");
    let cache = registry
        .add(profile("cache", "redis://127.0.0.1:6379/0"))
        .await
        .expect("add cache");

    assert_eq!(pg.name, "pg");
    assert_eq!(pg.kind, Kind::Postgres);
    assert_eq!(pg.url, "postgres://app@127.0.0.1:5432/postgres");
    assert!(pg.read_only && pg.has_secret);
    assert_eq!(pg.revision, 1);
    assert_eq!((cache.kind, cache.has_secret), (Kind::Redis, false));

    assert_eq!(
        registry.list().await.expect("list"),
        vec![cache.clone(), pg.clone()]
    );
    assert_eq!(registry.find("pg").await.expect("by name"), pg);
    assert_eq!(registry.find(&pg.id.to_string()).await.expect("by id"), pg);

    let target = registry.target("pg").await.expect("target");
    assert_eq!((target.id, target.kind), (pg.id, Kind::Postgres));
    assert_eq!(target.url, "postgres://app@127.0.0.1:5432/postgres");
    assert_eq!(target.password.as_ref().map(|p| p.expose()), Some(PASSWORD));
    assert!(target.read_only);
    assert_eq!(
        registry.target("cache").await.expect("target").password,
        None
    );

    let missing = registry.find("nope").await;
    assert!(matches!(missing, Err(RegistryError::NotFound(name)) if name == "nope"));
}

async fn duplicate_names_are_refused(store: Store) {
    let keys = tempfile::tempdir().expect("tempdir");
    let registry = store.open(&keys).await;
    registry.add(b33_profile("prod")).await.expect("add");
    let other = registry.add(b33_profile("other")).await.expect("add");

    let again = registry.add(profile("prod", "redis://10.0.0.1")).await;
    assert!(matches!(again, Err(RegistryError::Duplicate(name)) if name == "prod"));
    let renamed = registry.update(other.id, b33_profile("prod")).await;
    assert!(matches!(renamed, Err(RegistryError::Duplicate(name)) if name == "prod"));

    let names: Vec<_> = registry
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["other", "prod"]);
    assert_eq!(
        registry.find("prod").await.expect("find").kind,
        Kind::Postgres
    );
}

async fn update_bumps_revision_and_keeps_or_replaces_the_secret(store: Store) {
    let keys = tempfile::tempdir().expect("tempdir");
    let registry = store.open(&keys).await;
    let added = registry.add(b33_profile("pg")).await.expect("add");

    let kept = registry
        .update(
            added.id,
            profile("pg", "postgres://app@127.0.0.1:5432/shop"),
        )
        .await
        .expect("update without password");
    assert_eq!((kept.id, kept.revision), (added.id, 2));
    assert_eq!(kept.url, "postgres://app@127.0.0.1:5432/shop");
    assert!(kept.has_secret);
    let target = registry.target("pg").await.expect("target");
    assert_eq!(target.password.as_ref().map(|p| p.expose()), Some(PASSWORD));
    assert_eq!(target.revision, 2);

    let replaced = registry
        .update(
            added.id,
            profile("main", "postgres://app:n%3Dw@127.0.0.1/shop"),
        )
        .await
        .expect("update with password");
    assert_eq!((replaced.name.as_str(), replaced.revision), ("main", 3));
    let target = registry.target("main").await.expect("target");
    assert_eq!(target.password.as_ref().map(|p| p.expose()), Some("n=w"));

    let missing = registry.update(ProfileId(9_999), b33_profile("x")).await;
    assert!(matches!(missing, Err(RegistryError::NotFound(id)) if id == "9999"));
}

async fn remove_by_name_or_id(store: Store) {
    let keys = tempfile::tempdir().expect("tempdir");
    let registry = store.open(&keys).await;
    let pg = registry.add(b33_profile("pg")).await.expect("add");
    let cache = registry
        .add(profile("cache", "redis://127.0.0.1"))
        .await
        .expect("add");

    assert_eq!(registry.remove("pg").await.expect("by name"), pg);
    assert!(matches!(
        registry.find("pg").await,
        Err(RegistryError::NotFound(_))
    ));
    assert_eq!(
        registry.remove(&cache.id.to_string()).await.expect("by id"),
        cache
    );
    assert_eq!(registry.list().await.expect("list"), vec![]);
    assert!(matches!(
        registry.remove("pg").await,
        Err(RegistryError::NotFound(_))
    ));

    // Ids are never reused, so an old id cannot reach a new connection.
    let next = registry.add(b33_profile("pg")).await.expect("add again");
    assert!(next.id > cache.id && next.id > pg.id);
}

async fn memory_is_set_and_overwritten(store: Store) {
    let keys = tempfile::tempdir().expect("tempdir");
    let registry = store.open(&keys).await;
    assert_eq!(registry.memory("last_connection").await.expect("get"), None);

    registry
        .remember("last_connection", "pg")
        .await
        .expect("set");
    registry.remember("filter", "user:*").await.expect("set");
    assert_eq!(
        registry
            .memory("last_connection")
            .await
            .expect("get")
            .as_deref(),
        Some("pg")
    );

    registry
        .remember("last_connection", "cache")
        .await
        .expect("overwrite");
    assert_eq!(
        registry
            .memory("last_connection")
            .await
            .expect("get")
            .as_deref(),
        Some("cache")
    );
    assert_eq!(
        registry.memory("filter").await.expect("get").as_deref(),
        Some("user:*")
    );
}

async fn the_secret_column_holds_no_plaintext(store: Store) {
    let keys = tempfile::tempdir().expect("tempdir");
    let registry = store.open(&keys).await;
    registry.add(b33_profile("pg")).await.expect("add");

    let sealed = store.raw_secret("pg").await;
    // Nonce, ciphertext as long as the password, tag.
    assert_eq!(sealed.len(), 24 + PASSWORD.len() + 16);
    for plain in [PASSWORD, ENCODED] {
        assert!(!sealed.windows(plain.len()).any(|w| w == plain.as_bytes()));
    }
}

async fn another_key_cannot_unseal(store: Store) {
    let (first, second) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    store
        .open(&first)
        .await
        .add(b33_profile("prod"))
        .await
        .expect("add");
    store
        .open(&first)
        .await
        .add(profile("cache", "redis://h"))
        .await
        .expect("add");

    let registry = store.open(&second).await;
    assert_eq!(registry.list().await.expect("list").len(), 2);
    assert!(registry.find("prod").await.expect("find").has_secret);
    let error = registry.target("prod").await.expect_err("wrong key");
    let RegistryError::Secret(message) = &error else {
        panic!("expected a secret error, got {error:?}");
    };
    assert!(
        message.contains("\"prod\"") && message.contains("another key"),
        "{message}"
    );
    assert!(
        message.contains("secret.key") && message.contains("add it again"),
        "{message}"
    );
    assert!(!error.to_string().contains(PASSWORD));
    assert_eq!(
        registry.target("cache").await.expect("no secret").password,
        None
    );
}

async fn reopening_keeps_profiles(store: Store) {
    let keys = tempfile::tempdir().expect("tempdir");
    let added = store
        .open(&keys)
        .await
        .add(b33_profile("pg"))
        .await
        .expect("add");

    // A second open runs the migrations again, which must be a no-op.
    let registry = store.open(&keys).await;
    assert_eq!(registry.find("pg").await.expect("find"), added);
    let target = registry.target("pg").await.expect("target");
    assert_eq!(target.password.as_ref().map(|p| p.expose()), Some(PASSWORD));
}

#[cfg(unix)]
#[test]
fn the_key_file_is_created_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config").join("dbdeck");
    SecretKey::from_dir(&config).expect("create key");
    let file = std::fs::metadata(config.join("secret.key")).expect("key file");
    assert_eq!(file.permissions().mode() & 0o777, 0o600);
    assert_eq!(file.len(), 45, "32 bytes in base64 and a newline");
}
