//! API tokens in the registry. A token is shown once, when created; only
//! its SHA-256 is stored, so a copy of the registry cannot call the API.
//! Expiry is computed and checked by the database's own clock, so several
//! instances sharing a registry agree on it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use super::{Pool, Registry, RegistryError, duplicate_or_storage, storage};
use crate::domain::ProfileId;
use crate::domain::token::{NewToken, Scope, TokenInfo};

/// Every token starts with this, so one pasted into the wrong place is
/// recognisable (and secret scanners can find them).
const PREFIX: &str = "dbdk_";

/// The columns every token query returns, in `TokenRow` order.
macro_rules! token_columns {
    () => {
        "id, name, scope, connections, CAST(expires_at AS TEXT), CAST(created_at AS TEXT)"
    };
}

type TokenRow = (i64, String, String, Option<String>, Option<String>, String);

impl Registry {
    /// Stores a new token and returns it with the token text, which is
    /// never available again.
    pub async fn create_token(
        &self,
        token: NewToken,
    ) -> Result<(TokenInfo, String), RegistryError> {
        let name = token.name.trim().to_owned();
        if name.is_empty() {
            return Err(RegistryError::InvalidInput("a token needs a name".into()));
        }
        let secret = new_token_text()?;
        let connections = token
            .connections
            .map(|ids| serde_json::to_string(&ids.iter().map(|id| id.0).collect::<Vec<_>>()))
            .transpose()
            .map_err(|e| RegistryError::Storage(e.to_string()))?;
        let expires_in = token
            .expires_in
            .map(|secs| i64::try_from(secs).unwrap_or(i64::MAX));

        let row = match &self.pool {
            Pool::Sqlite(pool) => {
                let sql = insert_sql(
                    "CASE WHEN $5 IS NULL THEN NULL ELSE datetime('now', '+' || $5 || ' seconds') END",
                );
                sqlx::query_as::<_, TokenRow>(sqlx::AssertSqlSafe(sql))
                    .bind(&name)
                    .bind(hash(&secret))
                    .bind(token.scope.name())
                    .bind(&connections)
                    .bind(expires_in)
                    .fetch_one(pool)
                    .await
            }
            Pool::Postgres(pool) => {
                let sql = insert_sql(
                    "CASE WHEN $5::bigint IS NULL THEN NULL ELSE now() + make_interval(secs => $5::bigint) END",
                );
                sqlx::query_as::<_, TokenRow>(sqlx::AssertSqlSafe(sql))
                    .bind(&name)
                    .bind(hash(&secret))
                    .bind(token.scope.name())
                    .bind(&connections)
                    .bind(expires_in)
                    .fetch_one(pool)
                    .await
            }
        };
        let info = token_info(row.map_err(|e| duplicate_or_storage(e, &name))?)?;
        self.changes.touch();
        Ok((info, secret))
    }

    /// Every token, by name.
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, RegistryError> {
        const SQL: &str = concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens ORDER BY name"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, TokenRow>(SQL)
            .fetch_all(pool)
            .await)
        .map_err(storage)?;
        rows.into_iter().map(token_info).collect()
    }

    /// Deletes a token by name; it stops working at once on every instance
    /// that shares this registry.
    pub async fn revoke_token(&self, name: &str) -> Result<TokenInfo, RegistryError> {
        const SQL: &str = concat!(
            "DELETE FROM api_tokens WHERE name = $1 RETURNING ",
            token_columns!()
        );
        let row = on_pool!(self, |pool| sqlx::query_as::<_, TokenRow>(SQL)
            .bind(name)
            .fetch_optional(pool)
            .await)
        .map_err(storage)?;
        self.changes.touch();
        let row = row.ok_or_else(|| RegistryError::NotFound(format!("token {name}")))?;
        token_info(row)
    }

    /// The live (stored, unexpired) token with this text, if any. The text
    /// is looked up by its hash, so no comparison ever touches the token.
    pub async fn authenticate(&self, text: &str) -> Result<Option<TokenInfo>, RegistryError> {
        const SQL: &str = concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE token_hash = $1 ",
            "AND (expires_at IS NULL OR expires_at > CURRENT_TIMESTAMP)"
        );
        if !text.starts_with(PREFIX) {
            return Ok(None);
        }
        let digest = hash(text);
        let row = on_pool!(self, |pool| sqlx::query_as::<_, TokenRow>(SQL)
            .bind(&digest)
            .fetch_optional(pool)
            .await)
        .map_err(storage)?;
        row.map(token_info).transpose()
    }

    /// Whether any token exists: then the API requires one.
    pub async fn has_tokens(&self) -> Result<bool, RegistryError> {
        const SQL: &str = "SELECT COUNT(*) FROM api_tokens";
        let count = on_pool!(self, |pool| sqlx::query_scalar::<_, i64>(SQL)
            .fetch_one(pool)
            .await)
        .map_err(storage)?;
        Ok(count > 0)
    }
}

fn insert_sql(expiry: &str) -> String {
    format!(
        "INSERT INTO api_tokens (name, token_hash, scope, connections, expires_at) \
         VALUES ($1, $2, $3, $4, {expiry}) RETURNING {}",
        token_columns!()
    )
}

/// `dbdk_` and 32 random bytes in base64url: 256 bits no one can guess.
fn new_token_text() -> Result<String, RegistryError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| RegistryError::Storage(format!("no randomness for a token: {e}")))?;
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

fn hash(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

fn token_info(row: TokenRow) -> Result<TokenInfo, RegistryError> {
    let (id, name, scope, connections, expires_at, created_at) = row;
    let scope = Scope::parse(&scope).ok_or_else(|| {
        RegistryError::Storage(format!(
            "token {name:?} has a scope this version does not know"
        ))
    })?;
    let connections = connections
        .map(|text| serde_json::from_str::<Vec<i64>>(&text))
        .transpose()
        .map_err(|e| {
            RegistryError::Storage(format!("token {name:?} has a bad connection list: {e}"))
        })?
        .map(|ids| ids.into_iter().map(ProfileId).collect());
    Ok(TokenInfo {
        id,
        name,
        scope,
        connections,
        expires_at,
        created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_prefixed() {
        let (a, b) = (new_token_text().unwrap(), new_token_text().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX));
        assert_eq!(a.len(), PREFIX.len() + 43);
        assert_eq!(hash(&a).len(), 32);
    }
}
