//! `/tokens`: list, create and revoke API tokens (admin scope). A token's
//! text is returned once, by the request that creates it.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ListPage;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiJson, TokenName};
use crate::api::state::AppState;
use crate::domain::token::{Scope, TokenInfo};
use crate::service::Service;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

/// A token as listed: never its text.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Token {
    pub name: String,
    /// `read`, `write` or `admin`.
    pub scope: String,
    /// Ids of the connections it may use; `null` for all.
    pub connections: Option<Vec<i64>>,
    /// UTC; `null` when it never expires.
    pub expires_at: Option<String>,
    pub created_at: String,
}

impl From<TokenInfo> for Token {
    fn from(info: TokenInfo) -> Self {
        Self {
            name: info.name,
            scope: info.scope.name().to_owned(),
            connections: info
                .connections
                .map(|ids| ids.into_iter().map(|id| id.0).collect()),
            expires_at: info.expires_at,
            created_at: info.created_at,
        }
    }
}

/// A token to create.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    pub name: String,
    /// `read`, `write` or `admin`.
    pub scope: String,
    /// Names or ids of the connections it may use; absent or empty for all.
    #[serde(default)]
    pub connections: Vec<String>,
    /// How long it lives, such as `30d` or `12h`; absent for ever.
    pub expires_in: Option<String>,
}

/// A new token and, this once, its text.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// Send as `Authorization: Bearer <token>`. It cannot be shown again.
    pub token: String,
    #[serde(flatten)]
    pub info: Token,
}

/// Every token, by name.
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses((status = 200, body = ListPage<Token>), (status = 403, body = Problem)))]
async fn list(State(service): State<Arc<Service>>) -> Result<Json<ListPage<Token>>, ApiError> {
    let tokens = service.tokens().await?;
    Ok(Json(ListPage::whole(
        tokens.into_iter().map(Token::from).collect(),
    )))
}

/// Creates a token; its text is in this response only.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = TokenInput,
    responses((status = 201, body = CreatedToken), (status = 400, body = Problem),
        (status = 409, body = Problem, description = "The name is taken")))]
async fn create(
    State(service): State<Arc<Service>>,
    ApiJson(input): ApiJson<TokenInput>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let scope = Scope::parse(&input.scope).ok_or_else(|| {
        ApiError::invalid_input(format!("scope {:?}: use read, write or admin", input.scope))
    })?;
    let expires_in = input
        .expires_in
        .as_deref()
        .map(parse_lifetime)
        .transpose()
        .map_err(ApiError::invalid_input)?;
    let (info, token) = service
        .create_token(input.name, scope, &input.connections, expires_in)
        .await?;
    let created = CreatedToken {
        token,
        info: info.into(),
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a token at once, on every instance sharing the registry.
#[utoipa::path(delete, path = "/tokens/{name}", tag = "tokens",
    params(("name" = String, Path, description = "The token's name")),
    responses((status = 204), (status = 404, body = Problem)))]
async fn revoke(
    State(service): State<Arc<Service>>,
    TokenName(name): TokenName,
) -> Result<StatusCode, ApiError> {
    service.revoke_token(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A lifetime such as `30d`, `12h` or `90s`, in whole seconds.
pub fn parse_lifetime(text: &str) -> Result<u64, String> {
    let lifetime = humantime::parse_duration(text)
        .map_err(|e| format!("lifetime {text:?} is not a duration such as 30d or 12h: {e}"))?;
    match lifetime.as_secs() {
        0 => Err("a token's lifetime must be at least one second".into()),
        secs => Ok(secs),
    }
}
