//! The MongoDB tree: databases, their collections (with kind and the
//! server's figures) and the collections' indexes, loaded level by level as
//! the user opens them.
//!
//! A database the user may not read keeps its row with the refusal beside
//! it; it never empties the tree. A refresh keeps what is open and loads it
//! again. Creating and dropping go through prompts and confirmations, and
//! never run on a read-only connection or against a view.

use std::collections::BTreeSet;

use bson::Document;

use super::super::modal::{Confirm, Confirmed, Modal, Prompt, PromptKind};
use super::super::{Focus, State};
use crate::domain::mongo::{
    CollectionEntry, CollectionKind, DatabaseEntry, IndexEntry, IndexOptions, Namespace,
};
use crate::driver::DriverError;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, MongoSlot, Slot};
use crate::worker::{MongoRequest, MongoResponse, Request, Response};

/// The most collections or indexes one node lists, so a database of many
/// thousand collections stays cheap to draw.
pub const MAX_SHOWN: usize = 1000;

/// One step of a path through the tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeId {
    Database(String),
    Collection(String),
    Index(String),
}

/// A level of the tree that is loaded on demand.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Load<T> {
    /// Not asked for yet.
    #[default]
    Unloaded,
    Loading,
    Loaded(T),
    /// Why it could not be listed (for a database: not readable).
    Failed(String),
}

impl<T> Load<T> {
    pub fn loaded(&self) -> Option<&T> {
        match self {
            Self::Loaded(items) => Some(items),
            _ => None,
        }
    }
}

/// A database row and what it holds.
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseNode {
    pub entry: DatabaseEntry,
    pub collections: Load<Vec<CollectionNode>>,
}

/// A collection row and its indexes.
#[derive(Clone, Debug, PartialEq)]
pub struct CollectionNode {
    pub entry: CollectionEntry,
    pub indexes: Load<Vec<IndexEntry>>,
}

/// What a create or drop prompt is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TreePrompt {
    /// The name of a new collection in this database.
    CreateCollection { db: String },
    /// The collection's name typed again, to drop it.
    DropCollection { ns: Namespace },
    /// `KEYS [OPTIONS]` of a new index.
    CreateIndex { ns: Namespace },
}

/// The tree pane's state.
#[derive(Debug, Default)]
pub struct MongoTree {
    pub databases: Load<Vec<DatabaseNode>>,
    /// The databases and collections opened, by path.
    pub open: BTreeSet<Vec<NodeId>>,
    pub selected: Vec<NodeId>,
    /// What the running create or drop will say when it is done.
    pub writing: Option<String>,
}

impl MongoTree {
    pub fn database(&self, name: &str) -> Option<&DatabaseNode> {
        let list = self.databases.loaded()?;
        list.iter().find(|db| db.entry.name == name)
    }

    fn database_mut(&mut self, name: &str) -> Option<&mut DatabaseNode> {
        match &mut self.databases {
            Load::Loaded(list) => list.iter_mut().find(|db| db.entry.name == name),
            _ => None,
        }
    }

    pub fn collection(&self, ns: &Namespace) -> Option<&CollectionNode> {
        let list = self.database(&ns.db)?.collections.loaded()?;
        list.iter().find(|c| c.entry.name == ns.collection)
    }

    fn collection_mut(&mut self, ns: &Namespace) -> Option<&mut CollectionNode> {
        match &mut self.database_mut(&ns.db)?.collections {
            Load::Loaded(list) => list.iter_mut().find(|c| c.entry.name == ns.collection),
            _ => None,
        }
    }

    /// The paths of the rows on screen, in order: each database, then the
    /// collections of an open one, then the indexes of an open collection.
    pub fn rows(&self) -> Vec<Vec<NodeId>> {
        let mut rows = Vec::new();
        for db in self.databases.loaded().into_iter().flatten() {
            let db_path = vec![NodeId::Database(db.entry.name.clone())];
            let open = self.open.contains(&db_path);
            rows.push(db_path.clone());
            let Some(collections) = db.collections.loaded().filter(|_| open) else {
                continue;
            };
            for coll in collections.iter().take(MAX_SHOWN) {
                let mut path = db_path.clone();
                path.push(NodeId::Collection(coll.entry.name.clone()));
                let open = self.open.contains(&path);
                rows.push(path.clone());
                for index in coll.indexes.loaded().filter(|_| open).into_iter().flatten() {
                    let mut path = path.clone();
                    path.push(NodeId::Index(index.name.clone()));
                    rows.push(path);
                }
            }
        }
        rows
    }
}

/// The namespace a path names, when it reaches a collection.
pub fn namespace(path: &[NodeId]) -> Option<Namespace> {
    match path {
        [NodeId::Database(db), NodeId::Collection(coll), ..] => Some(Namespace::new(db, coll)),
        _ => None,
    }
}

/// Starts over with a new connection: list its databases.
pub fn load(state: &mut State) -> Vec<Effect> {
    state.mongo.tree = MongoTree::default();
    refresh(state)
}

/// Lists the databases again; what is open is listed again when they come.
pub fn refresh(state: &mut State) -> Vec<Effect> {
    if matches!(state.mongo.tree.databases, Load::Unloaded | Load::Failed(_)) {
        state.mongo.tree.databases = Load::Loading;
    }
    submit(state, MongoSlot::Databases, MongoRequest::Databases)
}

fn submit(state: &mut State, slot: MongoSlot, request: MongoRequest) -> Vec<Effect> {
    state.submit(Slot::Mongo(slot), Request::Mongo(Box::new(request)))
}

/// The tree's own actions; `None` leaves the action to the global keys.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let page = usize::from(state.size.1.saturating_sub(6)).max(1);
    let rows = state.mongo.tree.rows();
    let at = rows
        .iter()
        .position(|row| *row == state.mongo.tree.selected)
        .unwrap_or(0);
    Some(match action {
        Action::Down => select(state, &rows, at.saturating_add(1)),
        Action::Up => select(state, &rows, at.saturating_sub(1)),
        Action::PageDown => select(state, &rows, at.saturating_add(page)),
        Action::PageUp => select(state, &rows, at.saturating_sub(page)),
        Action::Top => select(state, &rows, 0),
        Action::Bottom => select(state, &rows, rows.len().saturating_sub(1)),
        Action::Open => toggle(state),
        Action::Right => expand(state),
        Action::Left => collapse(state),
        Action::Retry => refresh(state),
        Action::Create => ask_create(state),
        Action::Delete => ask_drop(state),
        _ => return None,
    })
}

fn select(state: &mut State, rows: &[Vec<NodeId>], index: usize) -> Vec<Effect> {
    if let Some(row) = rows.get(index.min(rows.len().saturating_sub(1))) {
        state.mongo.tree.selected = row.clone();
    }
    Vec::new()
}

fn toggle(state: &mut State) -> Vec<Effect> {
    if state.mongo.tree.open.contains(&state.mongo.tree.selected) {
        return collapse(state);
    }
    expand(state)
}

/// Opens the selected database or collection, listing what it holds the
/// first time (or again after a failure).
fn expand(state: &mut State) -> Vec<Effect> {
    let path = state.mongo.tree.selected.clone();
    if matches!(path.last(), None | Some(NodeId::Index(_))) {
        return Vec::new();
    }
    state.mongo.tree.open.insert(path.clone());
    load_children(state, &path, false)
}

/// Lists a node's children when they are not loaded (or always, on a
/// refresh).
fn load_children(state: &mut State, path: &[NodeId], again: bool) -> Vec<Effect> {
    let tree = &mut state.mongo.tree;
    match path {
        [NodeId::Database(db)] => {
            let Some(node) = tree.database_mut(db) else {
                return Vec::new();
            };
            if !again && matches!(node.collections, Load::Loaded(_) | Load::Loading) {
                return Vec::new();
            }
            if !matches!(node.collections, Load::Loaded(_)) {
                node.collections = Load::Loading;
            }
            let db = db.clone();
            let request = MongoRequest::Collections { db: db.clone() };
            submit(state, MongoSlot::Collections(db), request)
        }
        [NodeId::Database(_), NodeId::Collection(_)] => {
            let Some(ns) = namespace(path) else {
                return Vec::new();
            };
            let Some(node) = tree.collection_mut(&ns) else {
                return Vec::new();
            };
            if !again && matches!(node.indexes, Load::Loaded(_) | Load::Loading) {
                return Vec::new();
            }
            if !matches!(node.indexes, Load::Loaded(_)) {
                node.indexes = Load::Loading;
            }
            let request = MongoRequest::Indexes { ns: ns.clone() };
            submit(state, MongoSlot::Indexes(ns), request)
        }
        _ => Vec::new(),
    }
}

/// Closes the selected node, or steps out to the level above.
fn collapse(state: &mut State) -> Vec<Effect> {
    let tree = &mut state.mongo.tree;
    let path = tree.selected.clone();
    if tree.open.remove(&path) {
        return Vec::new();
    }
    if path.len() > 1 {
        tree.selected = path[..path.len() - 1].to_vec();
    }
    Vec::new()
}

/// A list for one level of the tree arrived (or failed).
pub fn on_loaded(
    state: &mut State,
    slot: MongoSlot,
    result: Result<Response, DriverError>,
) -> Vec<Effect> {
    let result = match result {
        Ok(Response::Mongo(response)) => Ok(response),
        Ok(_) => return Vec::new(),
        Err(DriverError::Cancelled) => return Vec::new(),
        Err(error) => Err(error.to_string()),
    };
    match (slot, result) {
        (MongoSlot::Databases, Ok(MongoResponse::Databases(list))) => on_databases(state, list),
        (MongoSlot::Databases, Err(error)) => {
            state.error(format!(
                "could not list the databases: {error} · press r to retry"
            ));
            state.mongo.tree.databases = Load::Failed(error);
            Vec::new()
        }
        (MongoSlot::Collections(db), result) => on_collections(state, &db, result),
        (MongoSlot::Indexes(ns), result) => on_indexes(state, &ns, result),
        (MongoSlot::TreeWrite, result) => on_written(state, result),
        _ => Vec::new(),
    }
}

/// New database rows keep what was loaded under the same names until it
/// is listed again, so a refresh does not make the tree jump.
fn on_databases(state: &mut State, list: Vec<DatabaseEntry>) -> Vec<Effect> {
    let tree = &mut state.mongo.tree;
    let nodes = list
        .into_iter()
        .map(|entry| {
            let collections = tree
                .database(&entry.name)
                .map(|old| old.collections.clone())
                .unwrap_or_default();
            DatabaseNode { entry, collections }
        })
        .collect();
    tree.databases = Load::Loaded(nodes);
    let names: BTreeSet<NodeId> = tree
        .rows()
        .into_iter()
        .filter_map(|p| p.first().cloned())
        .collect();
    tree.open
        .retain(|path| path.first().is_some_and(|db| names.contains(db)));
    if tree.selected.is_empty() || !tree.rows().contains(&tree.selected) {
        tree.selected = tree.rows().into_iter().next().unwrap_or_default();
    }
    let open: Vec<Vec<NodeId>> = tree.open.iter().filter(|p| p.len() == 1).cloned().collect();
    open.iter()
        .flat_map(|path| load_children(state, path, true))
        .collect()
}

fn on_collections(
    state: &mut State,
    db: &str,
    result: Result<MongoResponse, String>,
) -> Vec<Effect> {
    let tree = &mut state.mongo.tree;
    let Some(node) = tree.database_mut(db) else {
        return Vec::new();
    };
    let list = match result {
        Ok(MongoResponse::Collections(list)) => list,
        Ok(_) => return Vec::new(),
        Err(error) => {
            node.collections = Load::Failed(error);
            return Vec::new();
        }
    };
    let old = std::mem::take(&mut node.collections);
    let nodes = list
        .into_iter()
        .map(|entry| {
            let indexes = old
                .loaded()
                .and_then(|cs| cs.iter().find(|c| c.entry.name == entry.name))
                .map(|c| c.indexes.clone())
                .unwrap_or_default();
            CollectionNode { entry, indexes }
        })
        .collect();
    node.collections = Load::Loaded(nodes);
    keep_selection_visible(state);
    let open: Vec<Vec<NodeId>> = state
        .mongo
        .tree
        .open
        .iter()
        .filter(|p| p.len() == 2 && p.first() == Some(&NodeId::Database(db.to_owned())))
        .cloned()
        .collect();
    open.iter()
        .flat_map(|path| load_children(state, path, true))
        .collect()
}

fn on_indexes(
    state: &mut State,
    ns: &Namespace,
    result: Result<MongoResponse, String>,
) -> Vec<Effect> {
    let Some(node) = state.mongo.tree.collection_mut(ns) else {
        return Vec::new();
    };
    node.indexes = match result {
        Ok(MongoResponse::Indexes(list)) => Load::Loaded(list),
        Ok(_) => return Vec::new(),
        Err(error) => Load::Failed(error),
    };
    keep_selection_visible(state);
    Vec::new()
}

/// A dropped collection or index takes the selection to its parent.
fn keep_selection_visible(state: &mut State) {
    let tree = &mut state.mongo.tree;
    let rows = tree.rows();
    while !tree.selected.is_empty() && !rows.contains(&tree.selected) {
        tree.selected.pop();
    }
}

/// `c`: a collection in the selected database, or an index on the
/// selected collection.
fn ask_create(state: &mut State) -> Vec<Effect> {
    let path = state.mongo.tree.selected.clone();
    let prompt = match path.as_slice() {
        [] => return Vec::new(),
        [NodeId::Database(db)] => TreePrompt::CreateCollection { db: db.clone() },
        _ => {
            let Some(ns) = namespace(&path) else {
                return Vec::new();
            };
            if refuse_view(state, &ns, "indexes") {
                return Vec::new();
            }
            TreePrompt::CreateIndex { ns }
        }
    };
    if !state.refuse_write() {
        state.modal = Some(Modal::Prompt(Prompt {
            kind: PromptKind::Mongo(prompt),
            input: String::new(),
        }));
    }
    Vec::new()
}

/// Says so and returns true when `ns` is a view, which takes no writes.
fn refuse_view(state: &mut State, ns: &Namespace, what: &str) -> bool {
    let view = state
        .mongo
        .tree
        .collection(ns)
        .is_some_and(|c| c.entry.read_only || c.entry.kind == CollectionKind::View);
    if view {
        state.error(format!("{ns} is a view: it is read-only and has no {what}"));
    }
    view
}

/// `d`: drop the selected collection (its name typed again) or index
/// (confirmed).
fn ask_drop(state: &mut State) -> Vec<Effect> {
    let path = state.mongo.tree.selected.clone();
    let Some(ns) = namespace(&path) else {
        state.info("select a collection or an index to drop");
        return Vec::new();
    };
    if state.refuse_write() {
        return Vec::new();
    }
    state.modal = Some(match path.last() {
        Some(NodeId::Index(name)) => {
            let request = MongoRequest::DropIndex {
                ns: ns.clone(),
                name: name.clone(),
            };
            Modal::Confirm(Confirm {
                question: format!("Drop the index {name} of {ns}?"),
                on_yes: Confirmed::Mongo(Box::new(request)),
            })
        }
        _ => Modal::Prompt(Prompt {
            kind: PromptKind::Mongo(TreePrompt::DropCollection { ns }),
            input: String::new(),
        }),
    });
    Vec::new()
}

/// A tree prompt was submitted.
pub fn on_prompt(state: &mut State, prompt: TreePrompt, input: &str) -> Vec<Effect> {
    let input = input.trim();
    match prompt {
        TreePrompt::CreateCollection { db } => {
            if input.is_empty() {
                state.info("no name given: nothing created");
                return Vec::new();
            }
            // Open the database so the new collection shows once listed.
            state
                .mongo
                .tree
                .open
                .insert(vec![NodeId::Database(db.clone())]);
            let ns = Namespace::new(db, input);
            write(
                state,
                format!("collection {ns} created"),
                MongoRequest::CreateCollection { ns },
            )
        }
        TreePrompt::DropCollection { ns } => {
            if input != ns.collection {
                state.info(format!(
                    "the name typed is not {}: nothing dropped",
                    ns.collection
                ));
                return Vec::new();
            }
            write(
                state,
                format!("collection {ns} dropped"),
                MongoRequest::DropCollection { ns },
            )
        }
        TreePrompt::CreateIndex { ns } => match parse_index_spec(input) {
            Ok((keys, options)) => {
                state.mongo.tree.open.insert(vec![
                    NodeId::Database(ns.db.clone()),
                    NodeId::Collection(ns.collection.clone()),
                ]);
                let label = format!("index created on {ns}");
                write(
                    state,
                    label,
                    MongoRequest::CreateIndex { ns, keys, options },
                )
            }
            Err(error) => {
                state.error(format!("index not created: {error}"));
                Vec::new()
            }
        },
    }
}

/// A confirmed drop of an index.
pub fn confirmed(state: &mut State, request: MongoRequest) -> Vec<Effect> {
    let label = match &request {
        MongoRequest::DropIndex { ns, name } => format!("index {name} of {ns} dropped"),
        other => other.name().to_owned(),
    };
    write(state, label, request)
}

fn write(state: &mut State, label: String, request: MongoRequest) -> Vec<Effect> {
    if state.refuse_write() {
        return Vec::new();
    }
    state.mongo.tree.writing = Some(label);
    state.focus = Focus::MongoTree;
    submit(state, MongoSlot::TreeWrite, request)
}

fn on_written(state: &mut State, result: Result<MongoResponse, String>) -> Vec<Effect> {
    let label = state.mongo.tree.writing.take().unwrap_or_default();
    match result {
        Ok(MongoResponse::IndexCreated(name)) => state.info(format!("{label}: {name}")),
        Ok(_) => state.info(label),
        Err(error) => {
            state.error(format!("failed: {error}"));
            return Vec::new();
        }
    }
    refresh(state)
}

/// Reads `KEYS [OPTIONS]`: a keys document such as `{"email": 1}` followed
/// by any of `unique`, `sparse`, `hidden`, `ttl=SECONDS` and `name=NAME`.
pub fn parse_index_spec(text: &str) -> Result<(Document, IndexOptions), String> {
    let end = text
        .rfind('}')
        .ok_or("write the keys as a document, e.g. {\"email\": 1} unique")?;
    let (keys, rest) = text.split_at(end + 1);
    let keys = parse_keys(keys)?;
    let mut options = IndexOptions::default();
    for word in rest.split_whitespace() {
        match word.split_once('=') {
            None if word == "unique" => options.unique = true,
            None if word == "sparse" => options.sparse = true,
            None if word == "hidden" => options.hidden = true,
            Some(("ttl", seconds)) => {
                let seconds = seconds
                    .parse()
                    .map_err(|_| format!("ttl takes whole seconds, not {seconds:?}"))?;
                options.ttl_seconds = Some(seconds);
            }
            Some(("name", name)) if !name.is_empty() => options.name = Some(name.to_owned()),
            _ => {
                return Err(format!(
                    "unknown option {word:?} (unique, sparse, hidden, ttl=N, name=NAME)"
                ));
            }
        }
    }
    Ok((keys, options))
}

/// The keys document, as Extended JSON.
fn parse_keys(text: &str) -> Result<Document, String> {
    // TODO(#4): take shell literals here too, with the query bar's parser.
    // Straight into a Document, so the keys keep the order typed: an
    // index on {a: 1, b: 1} is not one on {b: 1, a: 1}.
    let keys: Document = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if keys.is_empty() {
        return Err("an index needs at least one key".into());
    }
    Ok(keys)
}
