//! Splitting passwords out of connection URLs, and masking URLs for display.

use crate::domain::{Kind, Secret};

/// A URL with its password taken out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitUrl {
    pub kind: Kind,
    /// The URL without any password.
    pub url: String,
    pub password: Option<Secret>,
}

/// A URL that could not be parsed, naming the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(pub String);

/// Parses a connection URL and takes its password out. A password holding
/// `#`, `@`, `/`, `%` or `?` must be percent-encoded; an unencoded one gives
/// an error naming the password as the part at fault (never echoing it).
pub fn split_password(url: &str) -> Result<SplitUrl, UrlError> {
    let _ = url;
    todo!()
}

/// A short name for an ad-hoc connection: `host:port/db`, or the path.
pub fn display_name(url: &str) -> String {
    url.to_owned()
}
