//! What every handler can reach: the service, the list cache, the metrics
//! and the rate limiter. Handlers name the part they need (`State<Arc<
//! Service>>`, `State<Arc<ListCache>>`); `FromRef` hands it out.

use std::sync::Arc;

use axum::extract::FromRef;

use super::cache::ListCache;
use super::limits::RateLimits;
use super::metrics::Metrics;
use crate::service::Service;

#[derive(Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    pub cache: Arc<ListCache>,
    pub metrics: Arc<Metrics>,
    pub limits: Arc<RateLimits>,
}

impl AppState {
    pub fn new(service: Arc<Service>) -> Self {
        let settings = &service.settings().api;
        let cache = Arc::new(ListCache::new(settings.cache_ttl()));
        let limits = Arc::new(RateLimits::new(
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
        ));
        Self {
            service,
            cache,
            metrics: Arc::new(Metrics::default()),
            limits,
        }
    }
}

impl FromRef<AppState> for Arc<Service> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.service)
    }
}

impl FromRef<AppState> for Arc<ListCache> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.cache)
    }
}
