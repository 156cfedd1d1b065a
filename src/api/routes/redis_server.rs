//! `/redis/{conn}/info`, `/redis/{conn}/slowlog` and `/redis/{conn}/clients`:
//! what the server says about itself. A user whose ACL denies INFO, SLOWLOG
//! or CLIENT gets 403 `forbidden` here, while browsing keys goes on working.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ListPage, cached, run_redis, unexpected};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiQuery, Conn};
use crate::api::schema::ByteStringSchema;
use crate::api::state::AppState;
use crate::domain::ByteString;
use crate::worker::{Request, Response};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(info))
        .routes(routes!(slowlog))
        .routes(routes!(clients))
}

/// INFO by section: `{"server": {"redis_version": "7.2.4", …}, "memory": …}`.
/// Values are the server's text, unconverted.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Info(pub BTreeMap<String, BTreeMap<String, String>>);

/// Reads INFO, parsed into sections (cached briefly).
#[utoipa::path(get, path = "/redis/{conn}/info", tag = "redis",
    params(("conn" = String, Path, description = "A connection's name or id")),
    responses((status = 200, body = Info), (status = 403, body = Problem,
        description = "The server's ACL does not permit INFO"), (status = 404, body = Problem)))]
async fn info(
    State(state): State<AppState>,
    Conn(target): Conn,
) -> Result<Json<serde_json::Value>, ApiError> {
    cached(&state, &target, "info".to_owned(), |target| async {
        let Response::Info(sections) = run_redis(&state, target, None, Request::Info).await? else {
            return Err(unexpected());
        };
        let sections = sections
            .into_iter()
            .map(|section| (section.name, section.fields.into_iter().collect()))
            .collect();
        Ok(Info(sections))
    })
    .await
}

/// A slow command the server logged.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SlowCommand {
    pub id: u64,
    /// Unix seconds.
    pub started_at: i64,
    pub duration_us: u64,
    /// The command and its arguments, as the server recorded them.
    #[schema(value_type = Vec<ByteStringSchema>)]
    pub command: Vec<ByteString>,
    pub client: Option<String>,
    pub client_name: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SlowlogQuery {
    /// How many of the newest entries (default 128, at most the page cap).
    pub count: Option<u32>,
}

/// The newest SLOWLOG entries, newest first.
#[utoipa::path(get, path = "/redis/{conn}/slowlog", tag = "redis",
    params(("conn" = String, Path, description = "A connection's name or id"), SlowlogQuery),
    responses((status = 200, body = ListPage<SlowCommand>), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn slowlog(
    State(state): State<AppState>,
    Conn(target): Conn,
    ApiQuery(query): ApiQuery<SlowlogQuery>,
) -> Result<Json<ListPage<SlowCommand>>, ApiError> {
    let cap = state.service.settings().api.max_page.max(1);
    let count = query.count.unwrap_or(128).clamp(1, cap);
    let request = Request::Slowlog { count };
    let Response::Slowlog(entries) = run_redis(&state, target, None, request).await? else {
        return Err(unexpected());
    };
    let items = entries
        .into_iter()
        .map(|entry| SlowCommand {
            id: entry.id,
            started_at: entry.started_at,
            duration_us: entry.duration_us,
            command: entry.command,
            client: entry.client,
            client_name: entry.client_name,
        })
        .collect();
    Ok(Json(ListPage::whole(items)))
}

/// A client connection as CLIENT LIST reports it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClientConnection {
    pub id: u64,
    /// The client's address, `host:port`.
    pub addr: String,
    /// Empty when the client set no name.
    pub name: String,
    /// The ACL user (Redis 6 and later).
    pub user: Option<String>,
    pub db: Option<u32>,
    /// Seconds since it connected.
    pub age_secs: u64,
    /// Seconds since its last command.
    pub idle_secs: u64,
    pub flags: String,
    /// The last command it ran.
    pub cmd: String,
}

/// The server's client connections (CLIENT LIST).
#[utoipa::path(get, path = "/redis/{conn}/clients", tag = "redis",
    params(("conn" = String, Path, description = "A connection's name or id")),
    responses((status = 200, body = ListPage<ClientConnection>), (status = 403, body = Problem,
        description = "The server's ACL does not permit CLIENT LIST"),
        (status = 404, body = Problem)))]
async fn clients(
    State(state): State<AppState>,
    Conn(target): Conn,
) -> Result<Json<ListPage<ClientConnection>>, ApiError> {
    let Response::Clients(entries) = run_redis(&state, target, None, Request::Clients).await?
    else {
        return Err(unexpected());
    };
    let items = entries
        .into_iter()
        .map(|entry| ClientConnection {
            id: entry.id,
            addr: entry.addr,
            name: entry.name,
            user: entry.user,
            db: entry.db,
            age_secs: entry.age_secs,
            idle_secs: entry.idle_secs,
            flags: entry.flags,
            cmd: entry.cmd,
        })
        .collect();
    Ok(Json(ListPage::whole(items)))
}
