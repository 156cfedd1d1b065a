//! API tokens: what a token may do (its scope) and on which connections.

use std::fmt;

use serde::Serialize;

use super::ProfileId;

/// What a token allows. Each scope includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read keys, values, documents and rows.
    Read,
    /// Also change data: write values, TTLs, delete keys.
    Write,
    /// Also manage connections and tokens.
    Admin,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Read, Self::Write, Self::Admin]
            .into_iter()
            .find(|scope| scope.name() == name)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A stored token, without the token itself (only its hash is kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    /// The connections the token may use; `None` means all of them.
    pub connections: Option<Vec<ProfileId>>,
    /// When the token stops working (UTC, as the registry writes it).
    pub expires_at: Option<String>,
    pub created_at: String,
}

impl TokenInfo {
    /// Whether the token may use connection `id`.
    pub fn allows(&self, id: ProfileId) -> bool {
        self.connections
            .as_ref()
            .is_none_or(|allowed| allowed.contains(&id))
    }
}

/// A token to create. `expires_in` is in seconds from now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewToken {
    pub name: String,
    pub scope: Scope,
    pub connections: Option<Vec<ProfileId>>,
    pub expires_in: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_include_the_ones_before() {
        assert!(Scope::Admin > Scope::Write && Scope::Write > Scope::Read);
        assert_eq!(Scope::parse("write"), Some(Scope::Write));
        assert_eq!(Scope::parse("root"), None);
    }
}
