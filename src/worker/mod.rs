//! The worker pool: runs jobs against live clients off the render loop.
//!
//! A `Job` names a connection, a database and a `Request`; the pool runs it
//! on tokio under a per-connection concurrency limit and a cancellation
//! token, and answers with an `Outcome` carrying the job's `RequestId`.
//! Sessions keep one live client per connection and close idle ones.

pub mod export;
pub mod mongo;
pub mod pool;
pub mod pubsub;
pub mod sessions;

use crate::domain::ByteString;
use crate::domain::pubsub::ChannelInfo;
use crate::domain::redis::{
    BulkAction, BulkOutcome, BulkPreview, ClientEntry, DatabaseInfo, InfoSection, KeyFilter,
    KeyPage, KeyValue, ScanRequest, ServerPanel, ServerSummary, SlowEntry, Ttl, ValueRequest,
};
use crate::domain::redis_edit::{EditResult, MemberEdit, NewValue};
use crate::domain::sql::{QueryResult, Relation, RowPage, RowsRequest, TableDetails, TableRef};
use crate::driver::DriverError;

pub use crate::driver::redis::BulkProgress;
pub use export::Progress;
pub use mongo::{MongoRequest, MongoResponse};
pub use pool::{Job, JobHandle, WorkerPool};
pub use pubsub::{Batch, Membership, PubSubHub};
pub use sessions::{Client, SessionStats, Sessions};

/// Identifies one request so its outcome can be matched, or dropped when a
/// newer request superseded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// How a TTL should change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TtlChange {
    /// Expire after this many seconds (must be positive).
    Seconds(u64),
    /// Remove the expiry (PERSIST).
    Persist,
}

/// The work a job does.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Ping and read the server's version, mode and memory.
    Test,
    /// List the server's databases.
    Databases,
    /// Read INFO, by section.
    Info,
    /// Read the newest SLOWLOG entries.
    Slowlog { count: u32 },
    /// List the server's client connections.
    Clients,
    /// Read INFO, SLOWLOG and CLIENT LIST, each part on its own.
    ServerPanel { slowlog: u32 },
    /// Read one page of keys.
    Scan(ScanRequest),
    /// Read a page of one key's value.
    Value(ValueRequest),
    /// Change a key's TTL.
    SetTtl { key: ByteString, change: TtlChange },
    /// Delete a key with UNLINK.
    Delete { key: ByteString },
    /// Replace a string key's value, keeping its TTL.
    SetString { key: ByteString, value: ByteString },
    /// Create a string key that does not exist yet.
    CreateString {
        key: ByteString,
        value: ByteString,
        ttl: Option<u64>,
    },
    /// List the active pub/sub channels (matching a pattern when given)
    /// with their subscriber counts.
    Channels { pattern: Option<ByteString> },
    /// Read the server's `notify-keyspace-events` flags.
    KeyspaceEvents,
    /// Publish a message on a channel.
    Publish {
        channel: ByteString,
        message: ByteString,
    },
    /// Count the keys matching a filter and keep the first `sample`: the
    /// dry run of a bulk action.
    BulkPreview { filter: KeyFilter, sample: u32 },
    /// Apply an action to every key matching a filter, counting into
    /// `progress`, which can also stop it between batches.
    Bulk {
        filter: KeyFilter,
        action: BulkAction,
        progress: BulkProgress,
    },
    /// Change members of a collection key that must still exist.
    EditMembers { key: ByteString, edit: MemberEdit },
    /// Create a key of any type that does not exist yet, with an optional
    /// TTL in seconds.
    CreateKey {
        key: ByteString,
        value: NewValue,
        ttl: Option<u64>,
    },
    /// Rename a key; replace a key holding the new name only if `overwrite`.
    Rename {
        key: ByteString,
        to: ByteString,
        overwrite: bool,
    },
    /// Copy a key with its TTL; replace the target only if `overwrite`.
    Copy {
        key: ByteString,
        to: ByteString,
        overwrite: bool,
    },
    /// List an SQL database's schemas.
    SqlSchemas,
    /// List the tables and views of one schema.
    SqlRelations { schema: String },
    /// Describe one table: columns, indexes, foreign keys.
    SqlTable(TableRef),
    /// Read one page of a table.
    SqlRows(Box<RowsRequest>),
    /// Run one statement, reading at most `cap` rows; `read_only` holds it
    /// to a read-only transaction even on a writable connection (an API
    /// caller without the write scope).
    SqlRun {
        sql: String,
        cap: usize,
        read_only: bool,
    },
    /// Run an edit that must change exactly `expected` rows, in a
    /// transaction rolled back otherwise.
    SqlEdit { sql: String, expected: u64 },
    /// Write every row of a statement into a file (CSV, or JSON Lines for
    /// `.jsonl`), counting them into `progress`.
    SqlExport {
        sql: String,
        path: std::path::PathBuf,
        progress: Progress,
    },
    /// A request to a MongoDB connection (boxed: it is the largest).
    Mongo(Box<MongoRequest>),
}

impl From<MongoRequest> for Request {
    fn from(request: MongoRequest) -> Self {
        Self::Mongo(Box::new(request))
    }
}

impl Request {
    /// The request's name for logs, which must not carry keys or values.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::Databases => "databases",
            Self::Info => "info",
            Self::Slowlog { .. } => "slowlog",
            Self::Clients => "clients",
            Self::ServerPanel { .. } => "server_panel",
            Self::Scan(_) => "scan",
            Self::Value(_) => "value",
            Self::SetTtl { .. } => "set_ttl",
            Self::Delete { .. } => "delete",
            Self::SetString { .. } => "set_string",
            Self::CreateString { .. } => "create_string",
            Self::Channels { .. } => "channels",
            Self::Publish { .. } => "publish",
            Self::KeyspaceEvents => "keyspace_events",
            Self::BulkPreview { .. } => "bulk_preview",
            Self::Bulk { .. } => "bulk",
            Self::EditMembers { .. } => "edit_members",
            Self::CreateKey { .. } => "create_key",
            Self::Rename { .. } => "rename",
            Self::Copy { .. } => "copy",
            Self::SqlSchemas => "sql_schemas",
            Self::SqlRelations { .. } => "sql_relations",
            Self::SqlTable(_) => "sql_table",
            Self::SqlRows(_) => "sql_rows",
            Self::SqlRun { .. } => "sql_run",
            Self::SqlEdit { .. } => "sql_edit",
            Self::SqlExport { .. } => "sql_export",
            Self::Mongo(request) => request.name(),
        }
    }

    /// Whether the request changes data, and so is refused on read-only
    /// connections. (A statement may write too; on a read-only connection
    /// the database itself refuses it.)
    pub fn is_write(&self) -> bool {
        if let Self::Mongo(request) = self {
            return request.is_write();
        }
        matches!(
            self,
            Self::SetTtl { .. }
                | Self::Delete { .. }
                | Self::SetString { .. }
                | Self::CreateString { .. }
                | Self::Publish { .. }
                | Self::Bulk { .. }
                | Self::EditMembers { .. }
                | Self::CreateKey { .. }
                | Self::Rename { .. }
                | Self::Copy { .. }
                | Self::SqlEdit { .. }
        )
    }
}

/// A successful job's result.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    Tested(ServerSummary),
    Databases(Vec<DatabaseInfo>),
    Info(Vec<InfoSection>),
    Slowlog(Vec<SlowEntry>),
    Clients(Vec<ClientEntry>),
    ServerPanel(Box<ServerPanel>),
    Keys(KeyPage),
    Value(KeyValue),
    /// The TTL after the change.
    TtlSet(Ttl),
    /// Whether a key was deleted.
    Deleted(bool),
    Written,
    Channels(Vec<ChannelInfo>),
    /// How many clients received a published message.
    Published(u64),
    /// The `notify-keyspace-events` flags.
    KeyspaceEvents(String),
    BulkPreview(BulkPreview),
    Bulk(BulkOutcome),
    /// What a member edit changed.
    Edited(EditResult),
    Schemas(Vec<String>),
    Relations(Vec<Relation>),
    Table(TableDetails),
    Rows(RowPage),
    Ran(QueryResult),
    /// Rows an edit changed.
    Changed(u64),
    /// Rows an export wrote.
    Exported(u64),
    Mongo(MongoResponse),
}

/// What a job produced, tagged with its request id.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: RequestId,
    pub result: Result<Response, DriverError>,
}
