//! `/connections`: list, create, read, replace, delete and test connection
//! profiles. Passwords are write-only: they go in inside a URL and never
//! come back out.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ListPage, unexpected};
use crate::api::auth::Caller;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiJson, Conn};
use crate::api::state::AppState;
use crate::domain::Profile;
use crate::domain::redis::{Probe, ServerSummary};
use crate::registry::NewProfile;
use crate::service::Service;
use crate::worker::{Job, Request, Response};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, replace, remove))
        .routes(routes!(test))
}

/// A connection as the API shows it, password never included.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Connection {
    /// Positive for stored connections; negative for those declared in the
    /// config file or opened from a URL, which the API cannot change.
    pub id: i64,
    pub name: String,
    /// `redis`, `mongo`, `postgres` or `sqlite`.
    pub kind: String,
    /// The URL with any password removed.
    pub url: String,
    pub read_only: bool,
    pub has_password: bool,
}

impl From<Profile> for Connection {
    fn from(profile: Profile) -> Self {
        Self {
            id: profile.id.0,
            name: profile.name,
            kind: profile.kind.name().to_owned(),
            url: profile.url,
            read_only: profile.read_only,
            has_password: profile.has_secret,
        }
    }
}

/// A connection to create, or to replace one with.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionInput {
    pub name: String,
    /// The URL; a password in it must be percent-encoded (`#` as `%23`).
    /// It is stored encrypted, and a replacement URL without one keeps the
    /// stored password.
    pub url: String,
    #[serde(default)]
    pub read_only: bool,
}

impl From<ConnectionInput> for NewProfile {
    fn from(input: ConnectionInput) -> Self {
        Self {
            name: input.name,
            url: input.url,
            read_only: input.read_only,
        }
    }
}

/// What a connection test reports; `null` where the server would not say.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TestReport {
    pub latency_ms: f64,
    pub version: Option<String>,
    /// `standalone`, `cluster` or `sentinel`; `postgres` or `sqlite`.
    pub mode: Option<String>,
    pub used_memory: Option<u64>,
    pub dbsize: Option<u64>,
    /// An SQL database's size in bytes.
    pub database_size: Option<u64>,
}

impl From<ServerSummary> for TestReport {
    fn from(summary: ServerSummary) -> Self {
        Self {
            latency_ms: summary.latency_ms,
            version: known(summary.version),
            mode: known(summary.mode),
            used_memory: known(summary.used_memory),
            dbsize: known(summary.dbsize),
            database_size: known(summary.database_size),
        }
    }
}

fn known<T>(probe: Probe<T>) -> Option<T> {
    match probe {
        Probe::Known(value) => Some(value),
        Probe::Unavailable => None,
    }
}

/// Every connection: stored ones, then those from the config file.
#[utoipa::path(get, path = "/connections", tag = "connections",
    responses((status = 200, body = ListPage<Connection>)))]
async fn list(
    State(service): State<Arc<Service>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<ListPage<Connection>>, ApiError> {
    let profiles = service.connections().await?;
    let visible = profiles.into_iter().filter(|p| caller.allows(p.id));
    Ok(Json(ListPage::whole(
        visible.map(Connection::from).collect(),
    )))
}

/// Stores a new connection.
#[utoipa::path(post, path = "/connections", tag = "connections",
    request_body = ConnectionInput,
    responses(
        (status = 201, body = Connection),
        (status = 400, body = Problem, description = "A malformed URL; the message names the part at fault"),
        (status = 409, body = Problem, description = "The name is taken")))]
async fn create(
    State(service): State<Arc<Service>>,
    ApiJson(input): ApiJson<ConnectionInput>,
) -> Result<(StatusCode, Json<Connection>), ApiError> {
    let profile = service.add_connection(input.into()).await?;
    Ok((StatusCode::CREATED, Json(profile.into())))
}

/// One connection, by name or id.
#[utoipa::path(get, path = "/connections/{conn}", tag = "connections",
    params(("conn" = String, Path, description = "A connection's name or id")),
    responses((status = 200, body = Connection), (status = 404, body = Problem)))]
async fn read(Conn(target): Conn) -> Result<Json<Connection>, ApiError> {
    Ok(Json(target.profile().into()))
}

/// Replaces a stored connection; its live clients are closed.
#[utoipa::path(put, path = "/connections/{conn}", tag = "connections",
    params(("conn" = String, Path, description = "A connection's name or id")),
    request_body = ConnectionInput,
    responses(
        (status = 200, body = Connection),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The new name is taken, or the connection is not stored")))]
async fn replace(
    State(service): State<Arc<Service>>,
    Conn(target): Conn,
    ApiJson(input): ApiJson<ConnectionInput>,
) -> Result<Json<Connection>, ApiError> {
    let updated = service.update_connection(target.id, input.into()).await?;
    Ok(Json(updated.into()))
}

/// Deletes a stored connection; its live clients are closed.
#[utoipa::path(delete, path = "/connections/{conn}", tag = "connections",
    params(("conn" = String, Path, description = "A connection's name or id")),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn remove(
    State(service): State<Arc<Service>>,
    Conn(target): Conn,
) -> Result<StatusCode, ApiError> {
    service.remove_connection(&target.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Connects and reports latency, version, mode and memory used.
#[utoipa::path(post, path = "/connections/{conn}/test", tag = "connections",
    params(("conn" = String, Path, description = "A connection's name or id")),
    responses(
        (status = 200, body = TestReport),
        (status = 404, body = Problem),
        (status = 502, body = Problem, description = "The server refused the credentials"),
        (status = 503, body = Problem, description = "The server cannot be reached")))]
async fn test(
    State(service): State<Arc<Service>>,
    Conn(target): Conn,
) -> Result<Json<TestReport>, ApiError> {
    let job = Job {
        target,
        db: 0,
        request: Request::Test,
    };
    match service.run(job).await? {
        Response::Tested(summary) => Ok(Json(summary.into())),
        _ => Err(unexpected()),
    }
}
