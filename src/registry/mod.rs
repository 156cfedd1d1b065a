//! The registry: connection profiles, their sealed secrets, and UI memory,
//! stored with sqlx in SQLite (default) or PostgreSQL.
//!
//! OWNER NOTE (remove when implemented): the public API below is the contract
//! the service relies on; implement it, keep the signatures.

pub mod secret;
pub mod url;

use crate::domain::{ConnectTarget, Profile, ProfileId};

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

/// The connection registry.
pub struct Registry {}

impl Registry {
    /// Opens (creating and migrating when needed) the registry at `url`:
    /// `sqlite://PATH` or `postgres://…`.
    pub async fn open(url: &str, key: SecretKey) -> Result<Self, RegistryError> {
        let _ = (url, key);
        todo!()
    }

    /// All profiles, by name.
    pub async fn list(&self) -> Result<Vec<Profile>, RegistryError> {
        todo!()
    }

    /// One profile by name, or by id when `name_or_id` is a number.
    pub async fn find(&self, name_or_id: &str) -> Result<Profile, RegistryError> {
        let _ = name_or_id;
        todo!()
    }

    /// A profile with its secret unsealed, ready to connect.
    pub async fn target(&self, name_or_id: &str) -> Result<ConnectTarget, RegistryError> {
        let _ = name_or_id;
        todo!()
    }

    pub async fn add(&self, profile: NewProfile) -> Result<Profile, RegistryError> {
        let _ = profile;
        todo!()
    }

    /// Replaces a profile; its revision changes so live clients are dropped.
    /// A URL without a password keeps the stored one.
    pub async fn update(
        &self,
        id: ProfileId,
        profile: NewProfile,
    ) -> Result<Profile, RegistryError> {
        let _ = (id, profile);
        todo!()
    }

    pub async fn remove(&self, name_or_id: &str) -> Result<Profile, RegistryError> {
        let _ = name_or_id;
        todo!()
    }

    /// A remembered UI value (last connection, database, filter).
    pub async fn memory(&self, key: &str) -> Result<Option<String>, RegistryError> {
        let _ = key;
        todo!()
    }

    pub async fn remember(&self, key: &str, value: &str) -> Result<(), RegistryError> {
        let _ = (key, value);
        todo!()
    }
}
