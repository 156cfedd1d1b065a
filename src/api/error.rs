//! Every failure the API answers with, as an RFC 9457 problem document.
//!
//! The policy: each error has a stable `code` a script can match on, and
//! an HTTP status that tells whose fault it is. A user's mistake (a bad
//! filter, a missing key, a write to a read-only connection) is a 4xx with
//! a message saying what to change. A database that is down, slow or
//! refusing our credentials is a 502/503/504 that names the condition. Only
//! dbdeck's own failures are 500, and their details go to the log, never to
//! the client. Messages from a database are cut short and never carry a
//! secret (passwords never reach a driver error's text).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::driver::DriverError;
use crate::registry::RegistryError;
use crate::service::ServiceError;

/// The longest detail text passed on from a database.
const MAX_DETAIL: usize = 512;

/// An error response: status, stable code and a message for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
}

/// The problem document's body.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `code` carries the kind of problem.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The HTTP status's reason phrase.
    pub title: String,
    pub status: u16,
    /// What happened and what to do next.
    pub detail: String,
    /// A stable name for the problem: `invalid_input`, `not_found`,
    /// `read_only`, `wrong_type`, `upstream_unavailable`, …
    pub code: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: truncate(detail.into()),
        }
    }

    pub fn invalid_input(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_input", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// A failure of dbdeck itself: logged in full, told to the client only
    /// as "internal error".
    pub fn internal(error: &dyn std::error::Error) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the server log has the details",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code.to_owned(),
        };
        let mut response = (self.status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl From<DriverError> for ApiError {
    fn from(error: DriverError) -> Self {
        let detail = error.to_string();
        let (status, code) = match error {
            DriverError::Unavailable(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "upstream_unavailable")
            }
            DriverError::AuthFailed(_) => (StatusCode::BAD_GATEWAY, "upstream_auth_failed"),
            DriverError::Timeout | DriverError::Cancelled => {
                (StatusCode::GATEWAY_TIMEOUT, "upstream_timeout")
            }
            DriverError::NotPermitted(_) => (StatusCode::FORBIDDEN, "forbidden"),
            DriverError::NotFound | DriverError::Missing(_) => (StatusCode::NOT_FOUND, "not_found"),
            DriverError::AlreadyExists => (StatusCode::CONFLICT, "conflict"),
            DriverError::WrongType(_) => (StatusCode::CONFLICT, "wrong_type"),
            DriverError::ReadOnly => (StatusCode::FORBIDDEN, "read_only"),
            DriverError::InvalidInput(_) => (StatusCode::BAD_REQUEST, "invalid_input"),
            // The server refused the command for its own reason (out of
            // memory, loading, a script error): a bad gateway reply, with
            // the server's words.
            DriverError::Server(_) => (StatusCode::BAD_GATEWAY, "upstream_error"),
        };
        Self::new(status, code, detail)
    }
}

impl From<RegistryError> for ApiError {
    fn from(error: RegistryError) -> Self {
        match &error {
            RegistryError::NotFound(_) => Self::not_found(error.to_string()),
            RegistryError::Duplicate(_) => {
                Self::new(StatusCode::CONFLICT, "conflict", error.to_string())
            }
            RegistryError::InvalidUrl(_) | RegistryError::InvalidInput(_) => {
                Self::invalid_input(error.to_string())
            }
            RegistryError::Secret(_) | RegistryError::Storage(_) => Self::internal(&error),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotStored(_) => {
                Self::new(StatusCode::CONFLICT, "conflict", error.to_string())
            }
            ServiceError::Registry(error) => error.into(),
            ServiceError::Driver(error) => error.into(),
            ServiceError::InvalidInput(detail) => Self::invalid_input(detail),
            ServiceError::Output(error) => Self::internal(&error),
            ServiceError::Demo(_) => Self::internal(&error),
        }
    }
}

/// Cuts `text` to `MAX_DETAIL` bytes on a character boundary.
fn truncate(mut text: String) -> String {
    if text.len() > MAX_DETAIL {
        let mut end = MAX_DETAIL;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_errors_map_to_their_meaning() {
        let cases = [
            (
                DriverError::Unavailable("refused".into()),
                503,
                "upstream_unavailable",
            ),
            (
                DriverError::AuthFailed("WRONGPASS".into()),
                502,
                "upstream_auth_failed",
            ),
            (DriverError::Timeout, 504, "upstream_timeout"),
            (DriverError::NotFound, 404, "not_found"),
            (DriverError::WrongType("hash".into()), 409, "wrong_type"),
            (DriverError::ReadOnly, 403, "read_only"),
            (DriverError::AlreadyExists, 409, "conflict"),
            (
                DriverError::InvalidInput("ttl".into()),
                400,
                "invalid_input",
            ),
        ];
        for (error, status, code) in cases {
            let api = ApiError::from(error);
            assert_eq!((api.status.as_u16(), api.code), (status, code));
        }
    }

    #[test]
    fn long_details_are_cut_on_a_character_boundary() {
        let error = ApiError::invalid_input("é".repeat(400));
        assert!(error.detail.len() <= MAX_DETAIL + '…'.len_utf8());
        assert!(error.detail.ends_with('…'));
    }
}
