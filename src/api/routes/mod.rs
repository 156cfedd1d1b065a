//! One file per resource. Each exposes `router()`, an `OpenApiRouter` whose
//! handlers carry their own OpenAPI annotations.

pub mod connections;
pub mod health;
pub mod redis_key;
pub mod redis_keys;
pub mod tokens;

use std::sync::Arc;

use serde::Serialize;

use super::error::ApiError;
use crate::domain::{ConnectTarget, Kind};
use crate::service::Service;
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
/// connection. Dropping the future (client gone, timeout) cancels it.
async fn run_redis(
    service: &Arc<Service>,
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
    let db = db.unwrap_or_else(|| service.default_db(&target));
    let job = Job {
        target,
        db,
        request,
    };
    Ok(service.run(job).await?)
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
