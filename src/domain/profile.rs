//! Connection profiles and the secrets that go with them.
//!
//! A profile's URL never holds its password; the password travels as a
//! `Secret`, whose `Debug` and `Display` redact it, so neither logs nor
//! screens can show it by accident.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A connection profile's id in the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProfileId(pub i64);

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which family of database a profile connects to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Redis,
    Mongo,
    Postgres,
    Sqlite,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Redis => "redis",
            Self::Mongo => "mongo",
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }

    /// The kind a URL scheme names, if dbdeck knows it.
    pub fn from_scheme(scheme: &str) -> Option<Self> {
        Some(match scheme {
            "redis" | "rediss" | "unix" | "redis+unix" => Self::Redis,
            "mongodb" | "mongodb+srv" => Self::Mongo,
            "postgres" | "postgresql" => Self::Postgres,
            "sqlite" => Self::Sqlite,
            _ => return None,
        })
    }

    /// Whether this is PostgreSQL or SQLite.
    pub fn is_sql(self) -> bool {
        matches!(self, Self::Postgres | Self::Sqlite)
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Redis, Self::Mongo, Self::Postgres, Self::Sqlite]
            .into_iter()
            .find(|kind| kind.name() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A password or token. Printing it prints `***`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is sent to a server or sealed.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A stored connection profile, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub id: ProfileId,
    pub name: String,
    pub kind: Kind,
    /// The URL with any password removed.
    pub url: String,
    pub read_only: bool,
    /// Whether a password is stored for this profile.
    pub has_secret: bool,
    /// Changes whenever the profile is edited, so live clients can tell.
    pub revision: i64,
}

/// Everything needed to open a client for a profile, secret included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectTarget {
    pub id: ProfileId,
    pub name: String,
    pub kind: Kind,
    /// The URL without its password.
    pub url: String,
    pub password: Option<Secret>,
    pub read_only: bool,
    pub revision: i64,
}

impl ConnectTarget {
    /// The profile as shown to users: everything but the password.
    pub fn profile(&self) -> Profile {
        Profile {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind,
            url: self.url.clone(),
            read_only: self.read_only,
            has_secret: self.password.is_some(),
            revision: self.revision,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let secret = Secret::new("p#ss@w/rd:%?");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        let target = ConnectTarget {
            id: ProfileId(1),
            name: "x".into(),
            kind: Kind::Redis,
            url: "redis://127.0.0.1".into(),
            password: Some(secret),
            read_only: false,
            revision: 0,
        };
        assert!(!format!("{target:?}").contains("p#ss"));
    }

    #[test]
    fn kinds_from_schemes() {
        assert_eq!(Kind::from_scheme("rediss"), Some(Kind::Redis));
        assert_eq!(Kind::from_scheme("postgresql"), Some(Kind::Postgres));
        assert_eq!(Kind::from_scheme("http"), None);
    }
}
