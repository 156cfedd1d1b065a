//! What the user means, independent of the key that said it. These names
//! are the keymap's vocabulary (`assets/keymap.toml`).

use serde::Deserialize;

/// One thing a key binding can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    Retry,
    Filter,
    CycleType,
    LoadMore,
    LoadAll,
    Database,
    SetTtl,
    Delete,
    ToggleView,
    NextPage,
    PrevPage,
    Jump,
    Edit,
    AddConnection,
    EditConnection,
    DeleteConnection,
    TestConnection,
    Confirm,
    Deny,
    Submit,
    Cancel,
    ToggleGlob,
    ToggleReadOnly,
    NextField,
    Save,
    /// Open the SQL editor.
    Query,
    /// Run the statement under the editor's cursor.
    RunQuery,
    /// Scroll the grid one column.
    Left,
    Right,
    /// Change a table's ORDER BY.
    Order,
    /// Write a new row (an INSERT in the SQL editor).
    Insert,
    /// Submit a cell prompt as NULL.
    SetNull,
    /// Write the table or result to a file.
    Export,
    /// Recall the previous or next statement of the SQL history.
    HistoryPrev,
    HistoryNext,
    /// Open or close the Redis server panel.
    ServerPanel,
    /// Open or close the pub/sub pane.
    PubSub,
    /// Delete every key the key filter matches, after a dry run.
    BulkDelete,
    /// Set a TTL on every key the key filter matches, after a dry run.
    BulkTtl,
    /// Subscribe to channels, or to patterns (PSUBSCRIBE).
    Subscribe,
    PatternSubscribe,
    Unsubscribe,
    /// Publish a message on a channel.
    Publish,
    /// Pause the message list (messages are held) or resume it.
    Pause,
    /// Forget the shown messages and the counts.
    Clear,
    /// Watch keyspace notifications for the key filter, or stop.
    KeyspaceEvents,
    /// Add a member of the shown key's type (a list item at the tail).
    AddMember,
    /// Push an item at the head of a list.
    PushHead,
    /// Remove the member at the value pane's top row.
    RemoveMember,
    /// Keep only a range of a list.
    Trim,
    /// Create a key of any type.
    NewKey,
    /// Rename a key (asks before replacing another).
    Rename,
    /// Copy a key (asks before replacing another).
    Copy,
    /// Switch the key pane between the list and the tree.
    ToggleTree,
    /// Show the string in the editor in its next mode (text, JSON, hex,
    /// base64).
    EditMode,
    /// Choose how JSON is laid out on save: as typed, compact, pretty.
    JsonLayout,
    /// Create what fits the selection: a collection in a database, an
    /// index on a collection.
    Create,
}
