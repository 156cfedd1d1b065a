//! The MongoDB panes' state: the tree of databases, collections and
//! indexes, and the routing of their actions and outcomes.
//!
//! Like every pane, this changes state and returns effects; it does no I/O.
//! Jobs go out as `Request::Mongo` and come back in the `Slot::Mongo` they
//! were sent from.

pub mod tree;

use super::State;
use crate::driver::DriverError;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, MongoSlot};
use crate::worker::Response;

pub use tree::MongoTree;

/// Everything the MongoDB panes show.
#[derive(Debug, Default)]
pub struct MongoPane {
    pub tree: MongoTree,
}

/// The connection answered: list its databases.
pub fn on_connected(state: &mut State) -> Vec<Effect> {
    tree::load(state)
}

/// The tree's actions; `None` leaves the action to the global keys.
pub fn on_tree_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    tree::on_action(state, action)
}

/// An outcome for one of the MongoDB slots.
pub fn on_outcome(
    state: &mut State,
    slot: MongoSlot,
    result: Result<Response, DriverError>,
) -> Vec<Effect> {
    tree::on_loaded(state, slot, result)
}

#[cfg(test)]
pub(crate) mod tests;
