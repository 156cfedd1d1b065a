//! Extractors that turn a request's parts into typed input, answering a
//! malformed one with a problem document instead of axum's plain text.
//!
//! Path segments are taken raw and percent-decoded exactly once, here, so a
//! key may hold any byte and `/`, `%`, `?`, `#` and `+` in it stay what
//! they are (case B04).

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRef, FromRequest, FromRequestParts, MatchedPath, OriginalUri, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde::de::DeserializeOwned;

use super::auth::Caller;
use super::error::ApiError;
use crate::domain::{ByteString, ConnectTarget};
use crate::registry::RegistryError;
use crate::service::{Service, ServiceError};

/// A JSON body; a malformed one is 400, an oversized one 413.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the request body is larger than the server accepts",
        );
    }
    ApiError::invalid_input(rejection.body_text())
}

/// Query parameters; a malformed one is 400 with serde's explanation.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection: QueryRejection| ApiError::invalid_input(rejection.body_text()))
    }
}

/// The `{conn}` segment, resolved to a connection the caller may use. One
/// the caller's token does not cover is "not found", exactly like one that
/// does not exist.
pub struct Conn(pub ConnectTarget);

impl<S> FromRequestParts<S> for Conn
where
    S: Send + Sync,
    Arc<Service>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let service = Arc::<Service>::from_ref(state);
        let raw = raw_segment(parts, "conn")?;
        let not_found = || ApiError::not_found(format!("no connection named {raw:?}"));
        let name = String::from_utf8(percent_decode(&raw)).map_err(|_| not_found())?;
        let target = match service.connection(&name).await {
            Err(ServiceError::Registry(RegistryError::NotFound(_))) => return Err(not_found()),
            other => other?,
        };
        let allowed = parts
            .extensions
            .get::<Caller>()
            .is_some_and(|caller| caller.allows(target.id));
        if !allowed {
            return Err(not_found());
        }
        Ok(Self(target))
    }
}

/// The `{conn}` and `{key}` segments of a key's route.
pub struct KeyPath {
    pub target: ConnectTarget,
    pub key: ByteString,
}

impl<S> FromRequestParts<S> for KeyPath
where
    S: Send + Sync,
    Arc<Service>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Conn(target) = Conn::from_request_parts(parts, state).await?;
        let raw = raw_segment(parts, "key")?;
        let key = match key_encoding(parts.uri.query())? {
            KeyEncoding::Percent => percent_decode(&raw),
            KeyEncoding::Base64Url => decode_base64url(&raw)?,
        };
        Ok(Self {
            target,
            key: ByteString::new(key),
        })
    }
}

/// The `{name}` segment of a token's route.
pub struct TokenName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for TokenName {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let raw = raw_segment(parts, "name")?;
        String::from_utf8(percent_decode(&raw))
            .map(Self)
            .map_err(|_| ApiError::not_found("a token name is UTF-8 text"))
    }
}

/// The `{name}` segment of the request's path exactly as the client sent
/// it. axum's own path extractors decode segments and insist on UTF-8, so
/// the segment is found by lining the matched route's template up with the
/// raw path: an encoded `/` (`%2F`) never splits a segment.
pub(super) fn raw_segment(parts: &Parts, name: &str) -> Result<String, ApiError> {
    let missing = || ApiError::not_found(format!("the path has no {{{name}}} segment"));
    let template = parts.extensions.get::<MatchedPath>().ok_or_else(missing)?;
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    let placeholder = format!("{{{name}}}");
    let template = template.as_str().split('/').collect::<Vec<_>>();
    let from_end = template
        .iter()
        .rev()
        .position(|segment| *segment == placeholder)
        .ok_or_else(missing)?;
    // Counted from the end, so a prefix the router was nested under does
    // not shift the count.
    uri.path()
        .split('/')
        .rev()
        .nth(from_end)
        .map(str::to_owned)
        .ok_or_else(missing)
}

/// Percent-decodes once, into bytes. `+` stays a plus: it means a space
/// only in form bodies, never in a path.
pub(super) fn percent_decode(raw: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(raw).collect()
}

#[derive(Debug, PartialEq, Eq)]
enum KeyEncoding {
    Percent,
    Base64Url,
}

fn key_encoding(query: Option<&str>) -> Result<KeyEncoding, ApiError> {
    let requested = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(name, _)| name == "key_encoding")
        .map(|(_, value)| value.into_owned());
    match requested.as_deref() {
        None | Some("percent") => Ok(KeyEncoding::Percent),
        Some("base64url") => Ok(KeyEncoding::Base64Url),
        Some(other) => Err(ApiError::invalid_input(format!(
            "key_encoding {other:?} is not known: use percent (the default) or base64url"
        ))),
    }
}

fn decode_base64url(raw: &str) -> Result<Vec<u8>, ApiError> {
    let text = percent_decode(raw);
    let engine = if text.ends_with(b"=") {
        URL_SAFE
    } else {
        URL_SAFE_NO_PAD
    };
    engine
        .decode(&text)
        .map_err(|e| ApiError::invalid_input(format!("the key is not valid base64url: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_happens_once_and_keeps_plus() {
        assert_eq!(percent_decode("a%252Fb"), b"a%2Fb");
        assert_eq!(percent_decode("sp%20ace+plus"), b"sp ace+plus");
        assert_eq!(percent_decode("%FF%00"), [0xff, 0x00]);
    }

    #[test]
    fn base64url_keys_decode_with_or_without_padding() {
        assert_eq!(decode_base64url("_w").unwrap(), [0xff]);
        assert_eq!(decode_base64url("_w==").unwrap(), [0xff]);
        assert_eq!(decode_base64url("!!").unwrap_err().code, "invalid_input");
    }

    #[test]
    fn key_encoding_is_read_from_the_query() {
        assert_eq!(key_encoding(None).unwrap(), KeyEncoding::Percent);
        assert_eq!(
            key_encoding(Some("db=1&key_encoding=base64url")).unwrap(),
            KeyEncoding::Base64Url
        );
        assert_eq!(
            key_encoding(Some("key_encoding=hex")).unwrap_err().code,
            "invalid_input"
        );
    }
}
