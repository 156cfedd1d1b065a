//! Everything that can happen to the UI from outside: terminal input,
//! worker outcomes, ticks, and the results of registry tasks.

use crossterm::event::{KeyEvent, MouseEvent};

use super::effect::{Purpose, Slot};
use crate::domain::{ByteString, ConnectTarget, Profile};
use crate::driver::redis::pubsub::Change;
use crate::worker::{Batch, Outcome, RequestId};

/// One input to `update`.
#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// A ~250 ms heartbeat, used only for the busy indicator.
    Tick,
    /// A job was handed to the pool under this id.
    Submitted {
        slot: Slot,
        id: RequestId,
    },
    Outcome(Outcome),
    /// The connection list, or why it could not be read.
    Connections(Result<Vec<Profile>, String>),
    /// Servers answering on their default local ports.
    LocalServers(Vec<String>),
    /// A connection resolved to a target, ready for jobs.
    Resolved {
        purpose: Purpose,
        result: Result<ConnectTarget, String>,
    },
    /// UI memory read at start.
    Recalled(Recalled),
    /// A profile was added, edited or removed (or why not).
    ProfileSaved(Result<String, String>),
    /// The pub/sub pane's subscription connection opened, or why not.
    Watching(Result<(), String>),
    /// A subscription change the pub/sub pane asked for, confirmed or not.
    SubscriptionChanged {
        change: Change,
        names: Vec<ByteString>,
        result: Result<(), String>,
    },
    /// Pub/sub messages taken in one frame, and the clock when taken.
    Feed {
        batch: Batch,
        now_ms: u64,
    },
    /// A connection's SQL history, newest last.
    History {
        connection: String,
        statements: Vec<String>,
    },
}

/// What was remembered from the last run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recalled {
    pub connection: Option<String>,
    pub database: Option<String>,
    pub filter: Option<String>,
}
