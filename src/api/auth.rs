//! Bearer-token authentication and scope checks, for every route but
//! `/healthz`, WebSockets included.
//!
//! Auth is on once any token exists in the registry (or the config requires
//! it), and always on an address other than loopback. A token is looked up
//! by its hash on every request, so a token revoked through one instance
//! stops working on every instance sharing the registry at once. A token
//! limited to some connections meets "not found" for the others: it cannot
//! learn that they exist.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use super::BASE;
use super::error::ApiError;
use crate::domain::ProfileId;
use crate::domain::token::{Scope, TokenInfo};
use crate::service::Service;

/// When callers must present a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthPolicy {
    /// Once a token exists, or the config requires it.
    Registry,
    /// Always: the API listens where others can reach it.
    Always,
}

/// Who is calling: anyone (auth is off), or a token's holder.
#[derive(Clone, Debug)]
pub enum Caller {
    Anyone,
    Token(Arc<TokenInfo>),
}

impl Caller {
    pub fn scope(&self) -> Scope {
        match self {
            Self::Anyone => Scope::Admin,
            Self::Token(token) => token.scope,
        }
    }

    /// Whether the caller may use connection `id`.
    pub fn allows(&self, id: ProfileId) -> bool {
        match self {
            Self::Anyone => true,
            Self::Token(token) => token.allows(id),
        }
    }

    fn is_restricted(&self) -> bool {
        matches!(self, Self::Token(token) if token.connections.is_some())
    }
}

/// The middleware: finds the caller, checks the scope the route needs, and
/// leaves the caller in the request for handlers and extractors.
pub async fn authenticate(
    State((service, policy)): State<(Arc<Service>, AuthPolicy)>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    // Read before awaiting: a request body is not `Sync`, so the request
    // cannot be borrowed across an await.
    let bearer = bearer_token(&request);
    let caller = match caller(&service, policy, bearer).await {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    let needed = needed_scope(request.method(), request.uri().path());
    if let Err(error) = check_scope(&caller, needed) {
        return error.into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

fn bearer_token(request: &Request) -> Option<String> {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_owned())
}

async fn caller(
    service: &Service,
    policy: AuthPolicy,
    bearer: Option<String>,
) -> Result<Caller, Response> {
    let required = match policy {
        AuthPolicy::Always => true,
        AuthPolicy::Registry => service.auth_required().await.map_err(into_response)?,
    };
    match (bearer.as_deref(), required) {
        (None, false) => Ok(Caller::Anyone),
        (None, true) => Err(unauthenticated(
            "this API needs a token: send Authorization: Bearer <token>",
        )),
        (Some(text), _) => match service.authenticate(text).await.map_err(into_response)? {
            Some(token) => Ok(Caller::Token(Arc::new(token))),
            None => Err(unauthenticated("the token is unknown, revoked or expired")),
        },
    }
}

fn into_response(error: crate::service::ServiceError) -> Response {
    ApiError::from(error).into_response()
}

fn unauthenticated(detail: &str) -> Response {
    let mut response =
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// The scope a route needs: reading is `read`; changing data is `write`;
/// changing connections or tokens is `admin`.
pub fn needed_scope(method: &Method, path: &str) -> Scope {
    let reads = matches!(*method, Method::GET | Method::HEAD);
    let rest = path.strip_prefix(BASE).unwrap_or(path);
    // A connection test only reads; so does a statement run with the read
    // scope, which the database then holds to a read-only transaction, and
    // a pipeline, whose handler asks for the write scope when a stage
    // writes ($out, $merge).
    let test = method == Method::POST
        && ((rest.starts_with("/connections/") && rest.ends_with("/test"))
            || (rest.starts_with("/sql/") && rest.ends_with("/query"))
            || (rest.starts_with("/mongo/") && rest.ends_with("/aggregate")));
    if rest.starts_with("/tokens") || (rest.starts_with("/connections") && !reads && !test) {
        Scope::Admin
    } else if reads || test {
        Scope::Read
    } else {
        Scope::Write
    }
}

fn check_scope(caller: &Caller, needed: Scope) -> Result<(), ApiError> {
    if caller.scope() < needed {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "this token's scope is {}; this needs {needed}",
                caller.scope()
            ),
        ));
    }
    if needed == Scope::Admin && caller.is_restricted() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a token limited to some connections cannot manage connections or tokens",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_need_the_scope_of_what_they_change() {
        let cases = [
            (Method::GET, "/api/v1/redis/c/keys", Scope::Read),
            (Method::GET, "/api/v1/connections", Scope::Read),
            (Method::POST, "/api/v1/connections/c/test", Scope::Read),
            (Method::POST, "/api/v1/sql/c/query", Scope::Read),
            (
                Method::POST,
                "/api/v1/mongo/c/databases/d/collections/x/aggregate",
                Scope::Read,
            ),
            (
                Method::PATCH,
                "/api/v1/mongo/c/databases/d/collections/x/documents/1",
                Scope::Write,
            ),
            (Method::PUT, "/api/v1/redis/c/keys/k", Scope::Write),
            (Method::POST, "/api/v1/redis/c/keys/k/expire", Scope::Write),
            (Method::DELETE, "/api/v1/redis/c/keys/k", Scope::Write),
            (Method::POST, "/api/v1/connections", Scope::Admin),
            (Method::DELETE, "/api/v1/connections/c", Scope::Admin),
            (Method::GET, "/api/v1/tokens", Scope::Admin),
        ];
        for (method, path, scope) in cases {
            assert_eq!(needed_scope(&method, path), scope, "{method} {path}");
        }
    }
}
