//! Store-neutral types shared by every layer: byte strings, profiles, and
//! the typed pages and values the drivers return.
//!
//! Nothing here does I/O or knows about terminals or HTTP.

pub mod bytes;
pub mod export;
pub mod mongo;
pub mod mongo_edit;
pub mod mongo_policy;
pub mod mongo_text;
pub mod profile;
pub mod pubsub;
pub mod redis;
pub mod redis_edit;
pub mod sql;
pub mod sql_write;
pub mod statements;
pub mod token;

pub use bytes::ByteString;
pub use profile::{ConnectTarget, Kind, Profile, ProfileId, Secret};
