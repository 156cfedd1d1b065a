//! What `update` asks the event loop to do: the only way state reaches the
//! outside world. Effects are data, so tests read them instead of mocking.

use crate::domain::mongo::Namespace;
use crate::domain::{ByteString, ConnectTarget, ProfileId};
use crate::driver::redis::pubsub::Change;
use crate::registry::NewProfile;
use crate::worker::{Job, RequestId};

/// Which part of the UI waits for a job's outcome. A newer job in the same
/// slot supersedes the older one, whose outcome is then dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    Test(ProfileId),
    Databases,
    Scan,
    Value,
    Write,
    /// The SQL schema tree.
    SqlTree,
    /// The SQL grid: a table page or a statement.
    SqlGrid,
    /// An edit of a table's row.
    SqlEdit,
    /// An export to a file.
    SqlExport,
    /// The Redis server panel's reads.
    Server,
    /// The pub/sub pane's channel list.
    PubSub,
    /// A message the pub/sub pane publishes.
    Publish,
    /// The server's keyspace notification flags.
    Keyspace,
    /// A bulk action's dry run.
    BulkPreview,
    /// A bulk action running.
    Bulk,
    /// The key tree's scan of one folder's prefix.
    Tree,
    /// A MongoDB pane's job.
    Mongo(MongoSlot),
}

/// Which MongoDB pane waits: the tree's loads are per database and per
/// collection, so opening two databases at once keeps both loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MongoSlot {
    Databases,
    Collections(String),
    Indexes(Namespace),
    /// A collection or index created or dropped from the tree.
    TreeWrite,
}

/// Why a connection is being resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Switch to it.
    Open,
    /// Only measure it.
    Test,
}

/// A request from `update` to the event loop.
#[derive(Debug)]
pub enum Effect {
    /// Submit a job; the loop reports its id back as `Event::Submitted`.
    Submit {
        slot: Slot,
        job: Job,
    },
    /// Cancel a running job.
    Cancel(RequestId),
    /// Resolve a connection name (or register a URL for this run) and
    /// report `Event::Resolved`.
    Resolve {
        name_or_url: String,
        purpose: Purpose,
    },
    /// Reload the connection list.
    LoadConnections,
    AddConnection(NewProfile),
    UpdateConnection(ProfileId, NewProfile),
    RemoveConnection(String),
    /// Store a piece of UI memory.
    Remember {
        key: &'static str,
        value: String,
    },
    /// Read a connection's SQL history; the loop reports `Event::History`.
    LoadHistory {
        connection: String,
    },
    /// Store a connection's SQL history, newest last.
    SaveHistory {
        connection: String,
        statements: Vec<String>,
    },
    /// Open the subscription connection for the pub/sub pane; the loop
    /// reports `Event::Watching` and then feeds `Event::Feed` batches.
    Watch(ConnectTarget),
    /// Close the pub/sub pane's subscription connection.
    Unwatch,
    /// Subscribe or unsubscribe; the loop reports `Event::SubscriptionChanged`.
    ChangeSubscription {
        change: Change,
        names: Vec<ByteString>,
    },
    Quit,
}
