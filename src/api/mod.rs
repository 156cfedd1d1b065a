//! The REST API: the same service the TUI uses, served over HTTP under
//! `/api/v1`, with errors as `application/problem+json`.
//!
//! Handlers parse and check what a client sent, call `service`, and encode
//! the typed result; they never talk to a database themselves. The OpenAPI
//! document is collected from the handlers' own annotations as the router is
//! built, so a route cannot exist without appearing in it.

pub mod auth;
mod cache;
pub mod error;
mod extract;
mod limits;
mod metrics;
mod routes;
mod schema;
mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::service::Service;

pub use auth::AuthPolicy;
pub use error::ApiError;
pub use routes::redis_keys::KeyItem;
pub use routes::tokens::parse_lifetime;

/// The base path every resource lives under.
pub const BASE: &str = "/api/v1";

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Why the API could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "refusing to listen on {0}: without API tokens the API may only listen on a loopback \
         address such as 127.0.0.1; create one first with `dbdeck token create`"
    )]
    NotLoopback(SocketAddr),
    #[error(transparent)]
    Service(#[from] crate::service::ServiceError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "api.cors_origins holds {0:?}, which is not an origin such as https://dash.example.com or *"
    )]
    CorsOrigin(String),
}

/// The CORS layer for the configured origins, or none when none are
/// configured: then no CORS headers are sent and browsers keep pages on
/// other origins from reading replies.
fn cors(origins: &[String]) -> Result<Option<CorsLayer>, ServeError> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allowed = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let list = origins
            .iter()
            .map(|origin| {
                HeaderValue::from_str(origin)
                    .ok()
                    .filter(|_| origin.starts_with("http://") || origin.starts_with("https://"))
                    .ok_or_else(|| ServeError::CorsOrigin(origin.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(list)
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allowed)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([header::RETRY_AFTER, REQUEST_ID]),
    ))
}

#[derive(utoipa::OpenApi)]
#[openapi(info(
    title = "dbdeck",
    description = "Redis, MongoDB and SQL databases, as dbdeck's TUI shows them."
))]
struct ApiDoc;

/// The whole application: the versioned API, its OpenAPI document, and the
/// health checks, with tokens required once any exists.
pub fn router(service: Arc<Service>) -> Router {
    app(service, AuthPolicy::Registry)
}

/// The application under an explicit auth policy.
pub fn app(service: Arc<Service>, policy: AuthPolicy) -> Router {
    let (api, openapi) = api_routes().split_for_parts();
    let openapi = Arc::new(openapi);
    let settings = service.settings().api.clone();
    let state = state::AppState::new(Arc::clone(&service));

    // `serve` refuses a bad origin before it binds; a router built
    // directly just goes without CORS.
    let cors = cors(&settings.cors_origins).unwrap_or_else(|error| {
        tracing::error!(%error, "CORS is off");
        None
    });
    let router = Router::new()
        .merge(api)
        .route(
            &format!("{BASE}/openapi.json"),
            axum::routing::get(move || async move { axum::Json(openapi.as_ref().clone()) }),
        )
        .merge(routes::health::router())
        .fallback(|| async { ApiError::not_found("no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
        })
        // Layers run outside in: metrics, then auth, then the rate limit,
        // which needs to know the caller.
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state.limits),
            limits::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            (Arc::clone(&service), policy),
            auth::authenticate,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .with_state(state)
        .layer(DefaultBodyLimit::max(settings.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            settings.request_timeout(),
            limits::deadline,
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid));
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

/// The documented routes, before they are split into a router and the
/// OpenAPI document; tests compare the two.
fn api_routes() -> OpenApiRouter<state::AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest(
        BASE,
        OpenApiRouter::new()
            .merge(routes::connections::router())
            .merge(routes::tokens::router())
            .merge(routes::redis_keys::router())
            .merge(routes::redis_key::router())
            .merge(routes::redis_edit::router())
            .merge(routes::redis_pubsub::router())
            .merge(routes::redis_server::router())
            .merge(routes::mongo_databases::router())
            .merge(routes::mongo_collections::router())
            .merge(routes::mongo_documents::router())
            .merge(routes::mongo_document::router())
            .merge(routes::mongo_aggregate::router())
            .merge(routes::mongo_indexes::router())
            .merge(routes::sql::router()),
    )
}

/// The OpenAPI document, as `/api/v1/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}

/// The auth policy for listening on `addr`: a loopback address follows
/// the registry; any other needs a token to exist and then always requires
/// one, even if every token is later revoked.
pub async fn listen_policy(service: &Service, addr: SocketAddr) -> Result<AuthPolicy, ServeError> {
    if addr.ip().is_loopback() {
        Ok(AuthPolicy::Registry)
    } else if service.auth_required().await? {
        Ok(AuthPolicy::Always)
    } else {
        Err(ServeError::NotLoopback(addr))
    }
}

/// Serves the API on `addr` until `shutdown` completes, then lets requests
/// in flight finish.
pub async fn serve(
    service: Arc<Service>,
    addr: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    cors(&service.settings().api.cors_origins)?;
    listen_policy(&service, addr).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    serve_on(service, listener, shutdown).await
}

/// Serves the API on a listener already bound (tests bind port 0).
pub async fn serve_on(
    service: Arc<Service>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = listener.local_addr()?;
    let policy = listen_policy(&service, addr).await?;
    tracing::info!(%addr, ?policy, "API listening");
    let app = app(service, policy).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_takes_origins_and_star_and_refuses_anything_else() {
        assert!(matches!(cors(&[]), Ok(None)));
        assert!(matches!(cors(&["*".into()]), Ok(Some(_))));
        assert!(matches!(
            cors(&["https://dash.example.com".into()]),
            Ok(Some(_))
        ));
        let refused = cors(&["dash.example.com".into()]);
        assert!(
            matches!(&refused, Err(ServeError::CorsOrigin(o)) if o == "dash.example.com"),
            "{refused:?}"
        );
    }
}
