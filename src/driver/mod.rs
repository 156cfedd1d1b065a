//! All database I/O. Each driver takes a live client and typed arguments and
//! returns typed values; it never formats for a screen.
//!
//! Errors are mapped here, at the edge, to what they mean for a user (not
//! found, not permitted, timeout, wrong type, unavailable), so the front
//! ends can answer without reading server message text.

pub mod mongo;
pub mod redis;
pub mod sql;

use thiserror::Error;

/// What went wrong talking to a database, by meaning.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum DriverError {
    #[error("could not reach the server: {0}")]
    Unavailable(String),
    #[error("the server refused the credentials: {0}")]
    AuthFailed(String),
    #[error("the server did not answer in time")]
    Timeout,
    #[error("not permitted: {0}")]
    NotPermitted(String),
    #[error("the key no longer exists")]
    NotFound,
    /// A table, schema, database or other named object is not there; the
    /// text is the database's own.
    #[error("{0}")]
    Missing(String),
    #[error("the key already exists")]
    AlreadyExists,
    #[error("the key holds a different type now: {0}")]
    WrongType(String),
    #[error("this connection is read-only")]
    ReadOnly,
    #[error("{0}")]
    InvalidInput(String),
    #[error("the request was cancelled")]
    Cancelled,
    #[error("server error: {0}")]
    Server(String),
}

impl DriverError {
    /// Whether the next request should open a new client.
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Timeout)
    }
}
