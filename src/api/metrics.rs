//! Prometheus metrics at `/metrics`: requests by route and status, request
//! durations, the pool manager's client hits and misses, the list cache's
//! hits and misses, and rate-limit refusals.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::error::ApiError;
use super::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route template (`/api/v1/redis/{conn}/keys`), never the path,
    /// which would hold key names and grow without bound.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

pub struct Metrics {
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            requests: Family::default(),
            durations: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.0005, 2.0, 16))
            }),
        }
    }
}

/// Counts and times every request.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    let labels = RequestLabels {
        method,
        route: route.clone(),
        status: response.status().as_u16(),
    };
    state.metrics.requests.get_or_create(&labels).inc();
    state
        .metrics
        .durations
        .get_or_create(&RouteLabels { route })
        .observe(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics` in the Prometheus text format.
pub async fn export(State(state): State<AppState>) -> Result<Response, ApiError> {
    let mut registry = Registry::with_prefix("dbdeck");
    let metrics = &state.metrics;
    registry.register(
        "http_requests",
        "HTTP requests answered",
        metrics.requests.clone(),
    );
    registry.register(
        "http_request_duration_seconds",
        "Time to answer an HTTP request",
        metrics.durations.clone(),
    );
    let sessions = state.service.sessions().stats();
    register_total(
        &mut registry,
        "client_hits",
        "Requests served by a live client",
        sessions.hits,
    );
    register_total(
        &mut registry,
        "client_misses",
        "Requests that opened a client",
        sessions.misses,
    );
    let open = Gauge::<i64>::default();
    open.set(i64::try_from(sessions.open).unwrap_or(i64::MAX));
    registry.register("clients_open", "Live database clients", open);
    register_total(
        &mut registry,
        "cache_hits",
        "List replies served from the cache",
        state.cache.hits(),
    );
    register_total(
        &mut registry,
        "cache_misses",
        "List replies read from the database",
        state.cache.misses(),
    );
    register_total(
        &mut registry,
        "rate_limited",
        "Requests refused by the rate limit",
        state.limits.refused(),
    );

    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)
        .map_err(|e| ApiError::internal(&e))?;
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    Ok(response)
}

/// Registers a counter holding `value`, a total kept elsewhere.
fn register_total(registry: &mut Registry, name: &str, help: &str, value: u64) {
    let counter = Counter::<u64>::default();
    counter.inc_by(value);
    registry.register(name, help, counter);
}
