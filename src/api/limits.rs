//! Limits on what one caller may ask: a rate per caller (per token when
//! auth is on, else per client address) and a deadline per request. Over
//! the rate a request gets 429 with `Retry-After`; every reply carries
//! `RateLimit-Limit` and `RateLimit-Remaining`.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

use super::auth::Caller;
use super::error::ApiError;

const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");

type Limiter =
    RateLimiter<String, HashMapStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// The limiter and what it refused; `None` when limiting is off.
pub struct RateLimits {
    limiter: Option<(Limiter, u32)>,
    refused: AtomicU64,
}

impl RateLimits {
    /// `per_minute` requests a minute per caller, in bursts of up to
    /// `burst`; a zero turns limiting off.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        let limiter =
            NonZeroU32::new(per_minute)
                .zip(NonZeroU32::new(burst))
                .map(|(rate, burst)| {
                    let quota = Quota::per_minute(rate).allow_burst(burst);
                    let limiter = RateLimiter::hashmap(quota).with_middleware();
                    (limiter, burst.get())
                });
        Self {
            limiter,
            refused: AtomicU64::new(0),
        }
    }

    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// The middleware; runs after authentication, which names the caller.
pub async fn limit(
    State(limits): State<Arc<RateLimits>>,
    request: Request,
    next: Next,
) -> Response {
    let Some((limiter, burst)) = &limits.limiter else {
        return next.run(request).await;
    };
    let key = caller_key(&request);
    match limiter.check_key(&key) {
        Ok(snapshot) => {
            let mut response = next.run(request).await;
            let headers = response.headers_mut();
            headers.insert(LIMIT, HeaderValue::from(*burst));
            headers.insert(
                REMAINING,
                HeaderValue::from(snapshot.remaining_burst_capacity()),
            );
            response
        }
        Err(not_until) => {
            limits.refused.fetch_add(1, Ordering::Relaxed);
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let detail = format!("too many requests; try again in {seconds} s");
            let mut response = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
                .into_response();
            let headers = response.headers_mut();
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            headers.insert(LIMIT, HeaderValue::from(*burst));
            headers.insert(REMAINING, HeaderValue::from(0));
            response
        }
    }
}

/// Answers 504 `upstream_timeout` when a request outlives `timeout`.
/// Dropping the handler's future drops its job, which cancels the database
/// work behind it.
pub async fn deadline(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            format!(
                "no answer within {} ms; the request was cancelled",
                timeout.as_millis()
            ),
        )
        .into_response(),
    }
}

/// A token's name, else the client's address, else one shared bucket for
/// callers with neither (in-process tests).
fn caller_key(request: &Request) -> String {
    if let Some(Caller::Token(token)) = request.extensions().get::<Caller>() {
        return format!("token:{}", token.id);
    }
    match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(addr)) => format!("addr:{}", addr.ip()),
        None => "local".to_owned(),
    }
}
