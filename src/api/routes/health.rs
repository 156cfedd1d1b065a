//! Liveness and readiness, outside the versioned API so load balancers can
//! probe them without a token.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

use crate::api::error::ApiError;
use crate::api::state::AppState;
use crate::service::Service;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(crate::api::metrics::export))
}

/// Ready when the registry answers: without it no connection can be found.
async fn ready(
    axum::extract::State(service): axum::extract::State<Arc<Service>>,
) -> Result<&'static str, ApiError> {
    service.registry_ready().await.map_err(|error| {
        tracing::warn!(%error, "registry not ready");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream_unavailable",
            "the registry does not answer",
        )
    })?;
    Ok("ready")
}
