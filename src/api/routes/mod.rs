//! One file per resource. Each exposes `router()`, an `OpenApiRouter` whose
//! handlers carry their own OpenAPI annotations.

pub mod connections;
pub mod health;
mod mongo;
pub mod mongo_aggregate;
pub mod mongo_collections;
pub mod mongo_databases;
pub mod mongo_document;
pub mod mongo_documents;
pub mod mongo_indexes;
pub mod redis_edit;
pub mod redis_key;
pub mod redis_keys;
pub mod redis_pubsub;
pub mod redis_server;
pub mod sql;
pub mod tokens;

use serde::Serialize;

use super::error::ApiError;
use super::state::AppState;
use crate::domain::{ConnectTarget, Kind};
use crate::worker::{Job, Request, Response};

/// The shape of every list: a page of items, an opaque cursor for the next
/// page (absent on the last), whether the listing is complete, and how much
/// work the page took (SCAN calls for keys, items for others).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    /// False when more remains, including when a scan stopped on its time
    /// budget: an empty page that is not complete is not an empty result.
    pub complete: bool,
    pub scanned: u64,
}

impl<T> ListPage<T> {
    /// A list that fits in one page.
    pub fn whole(items: Vec<T>) -> Self {
        let scanned = items.len() as u64;
        Self {
            items,
            next_cursor: None,
            complete: true,
            scanned,
        }
    }
}

/// Runs one request on database `db` (default: the URL's) of a Redis
/// connection. Dropping the future (client gone, timeout) cancels it; a
/// write clears the connection's cached lists.
async fn run_redis(
    state: &AppState,
    target: ConnectTarget,
    db: Option<u32>,
    request: Request,
) -> Result<Response, ApiError> {
    if target.kind != Kind::Redis {
        return Err(ApiError::not_found(format!(
            "{:?} is a {} connection, not Redis",
            target.name, target.kind
        )));
    }
    let db = db.unwrap_or_else(|| state.service.default_db(&target));
    let (id, writes) = (target.id, request.is_write());
    let job = Job {
        target,
        db,
        request,
    };
    let response = state.service.run(job).await?;
    if writes {
        state.cache.invalidate(id);
    }
    Ok(response)
}

/// A reply from the list cache for `what` (the route and its parameters)
/// on `target`, or `produce`d and cached for the next caller.
async fn cached<T, F>(
    state: &AppState,
    target: &ConnectTarget,
    what: String,
    produce: impl FnOnce(ConnectTarget) -> F,
) -> Result<axum::Json<serde_json::Value>, ApiError>
where
    T: Serialize,
    F: Future<Output = Result<T, ApiError>>,
{
    let key = state.cache.key(target.id, target.revision, what);
    if let Some(hit) = state.cache.get(&key).await {
        return Ok(axum::Json(hit.as_ref().clone()));
    }
    let value =
        serde_json::to_value(produce(target.clone()).await?).map_err(|e| ApiError::internal(&e))?;
    state.cache.put(key, value.clone()).await;
    Ok(axum::Json(value))
}

/// The error for a worker reply of the wrong shape: a bug of ours. The
/// reply is not logged, since it may hold values.
fn unexpected() -> ApiError {
    tracing::error!("unexpected worker response");
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; the server log has the details",
    )
}
