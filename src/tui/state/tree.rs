//! The key tree: the scanned keys grouped into folders by a delimiter
//! (`ui.delimiter`, `:` by default), each folder with the number of keys
//! found under it so far.
//!
//! A count is partial until a scan has gone through the whole keyspace for
//! that folder: the key list's own scan, or the prefix scan that opening a
//! folder starts. The prefix is sent as a MATCH pattern with its glob
//! characters escaped, so folders named `a[1]`, `a*`, `b?` or `c\` work.
//! Only the names are kept here; metadata stays in the key list.

use std::collections::{BTreeMap, BTreeSet};

use super::modal::{Modal, Prompt, PromptKind};
use super::{Focus, State, keys, value};
use crate::domain::ByteString;
use crate::domain::redis::{KeyFilter, KeyPage, ScanCursor, ScanRequest};
use crate::driver::DriverError;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Slot};
use crate::worker::{Request, Response};

/// The most folders and the most keys one folder lists; its count still
/// says how many it holds. Keeps a folder of a million keys cheap to draw.
pub const MAX_SHOWN: usize = 1000;

/// One step of a path through the tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeId {
    /// A folder, by its name between two delimiters.
    Folder(Vec<u8>),
    /// A key, by its whole name.
    Key(ByteString),
}

/// A folder's subfolders and keys.
#[derive(Debug, Default)]
pub struct Folder {
    pub folders: BTreeMap<Vec<u8>, Folder>,
    pub keys: BTreeSet<ByteString>,
    /// Keys at or below this folder among those scanned so far.
    pub count: u64,
    /// A prefix scan of this folder went through the whole keyspace.
    pub complete: bool,
}

/// One visible row: its path, its depth, and whether its count is partial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeRow {
    pub path: Vec<NodeId>,
    pub partial: bool,
}

/// The tree pane's state.
#[derive(Debug, Default)]
pub struct KeyTree {
    /// Whether the key pane shows the tree instead of the list.
    pub shown: bool,
    pub delimiter: Vec<u8>,
    pub root: Folder,
    /// The folders opened, by path.
    pub open: BTreeSet<Vec<NodeId>>,
    pub selected: Vec<NodeId>,
    /// The folder a prefix scan is filling.
    pub scanning: Option<Vec<NodeId>>,
}

impl KeyTree {
    /// Forgets every key before a new scan of the key list.
    pub fn reset(&mut self) {
        self.root = Folder::default();
        self.open.clear();
        self.selected.clear();
        self.scanning = None;
    }

    /// Files a key under its folders; a key already known is not counted
    /// again.
    pub fn insert(&mut self, key: &ByteString) {
        let folders = self.folders_of(key.as_bytes());
        let mut folder = &mut self.root;
        for name in &folders {
            folder = folder.folders.entry(name.clone()).or_default();
        }
        if !folder.keys.insert(key.clone()) {
            return;
        }
        let mut folder = &mut self.root;
        folder.count += 1;
        for name in &folders {
            folder = folder.folders.entry(name.clone()).or_default();
            folder.count += 1;
        }
    }

    /// The folder names a key sits under: every part but the last.
    fn folders_of(&self, key: &[u8]) -> Vec<Vec<u8>> {
        let delimiter = self.delimiter.as_slice();
        let mut parts = Vec::new();
        if delimiter.is_empty() {
            return parts;
        }
        let mut rest = key;
        while let Some(at) = find(rest, delimiter) {
            parts.push(rest[..at].to_vec());
            rest = &rest[at + delimiter.len()..];
        }
        parts
    }

    pub fn folder(&self, path: &[NodeId]) -> Option<&Folder> {
        path.iter().try_fold(&self.root, |folder, step| match step {
            NodeId::Folder(name) => folder.folders.get(name),
            NodeId::Key(_) => None,
        })
    }

    fn folder_mut(&mut self, path: &[NodeId]) -> Option<&mut Folder> {
        path.iter()
            .try_fold(&mut self.root, |folder, step| match step {
                NodeId::Folder(name) => folder.folders.get_mut(name),
                NodeId::Key(_) => None,
            })
    }

    /// The bytes every key under a folder starts with.
    pub fn prefix(&self, path: &[NodeId]) -> ByteString {
        let mut prefix = Vec::new();
        for step in path {
            if let NodeId::Folder(name) = step {
                prefix.extend_from_slice(name);
                prefix.extend_from_slice(&self.delimiter);
            }
        }
        ByteString::new(prefix)
    }

    /// The rows on screen: folders first, then keys, opened folders with
    /// their contents below them. `complete` says the list's own scan
    /// covered the whole keyspace.
    pub fn rows(&self, complete: bool) -> Vec<TreeRow> {
        let mut rows = Vec::new();
        self.push_rows(&self.root, &mut Vec::new(), complete, &mut rows);
        rows
    }

    fn push_rows(
        &self,
        folder: &Folder,
        path: &mut Vec<NodeId>,
        complete: bool,
        out: &mut Vec<TreeRow>,
    ) {
        for (name, child) in folder.folders.iter().take(MAX_SHOWN) {
            path.push(NodeId::Folder(name.clone()));
            let complete = complete || child.complete;
            out.push(TreeRow {
                path: path.clone(),
                partial: !complete,
            });
            if self.open.contains(path.as_slice()) {
                self.push_rows(child, path, complete, out);
            }
            path.pop();
        }
        for key in folder.keys.iter().take(MAX_SHOWN) {
            path.push(NodeId::Key(key.clone()));
            out.push(TreeRow {
                path: path.clone(),
                partial: false,
            });
            path.pop();
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Switches the key pane between the list and the tree.
pub fn toggle(state: &mut State) -> Vec<Effect> {
    let tree = &mut state.tree;
    tree.shown = !tree.shown;
    if tree.shown {
        // Pages that arrived while the list showed; known keys count once.
        tree.delimiter = state.config.delimiter.clone().into_bytes();
        for info in &state.keys.items {
            tree.insert(&info.key);
        }
        if tree.selected.is_empty()
            && let Some(first) = tree.rows(state.keys.complete).into_iter().next()
        {
            tree.selected = first.path;
        }
    }
    let what = if tree.shown { "key tree" } else { "key list" };
    state.info(format!("showing the {what}"));
    Vec::new()
}

/// The tree's own actions while it is shown; `None` leaves the action to
/// the key list and the global keys.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let page = usize::from(state.size.1.saturating_sub(6)).max(1);
    let rows = state.tree.rows(state.keys.complete);
    let at = rows
        .iter()
        .position(|row| row.path == state.tree.selected)
        .unwrap_or(0);
    let leaf = match state.tree.selected.last() {
        Some(NodeId::Key(key)) => Some(key.clone()),
        _ => None,
    };
    Some(match action {
        Action::Down => select(state, &rows, at.saturating_add(1)),
        Action::Up => select(state, &rows, at.saturating_sub(1)),
        Action::PageDown => select(state, &rows, at.saturating_add(page)),
        Action::PageUp => select(state, &rows, at.saturating_sub(page)),
        Action::Top => select(state, &rows, 0),
        Action::Bottom => select(state, &rows, rows.len().saturating_sub(1)),
        Action::Open | Action::Right if leaf.is_some() => open_key(state, leaf),
        Action::Open => toggle_folder(state),
        Action::Right => expand(state),
        Action::Left => collapse(state),
        Action::SetTtl => ttl_prompt(state, leaf),
        Action::Delete => {
            if let Some(key) = leaf {
                keys::ask_delete(state, key, String::new());
            }
            Vec::new()
        }
        _ => return None,
    })
}

/// Moves the selection; a key selected shows its value, as in the list.
fn select(state: &mut State, rows: &[TreeRow], index: usize) -> Vec<Effect> {
    let Some(row) = rows.get(index.min(rows.len().saturating_sub(1))) else {
        return Vec::new();
    };
    if row.path == state.tree.selected {
        return Vec::new();
    }
    state.tree.selected = row.path.clone();
    match row.path.last() {
        Some(NodeId::Key(key)) => value::load(state, key.clone()),
        _ => Vec::new(),
    }
}

fn open_key(state: &mut State, key: Option<ByteString>) -> Vec<Effect> {
    let Some(key) = key else {
        return Vec::new();
    };
    state.focus = Focus::Value;
    if state.value.key.as_ref() == Some(&key) && state.value.error.is_none() {
        return Vec::new();
    }
    value::load(state, key)
}

fn ttl_prompt(state: &mut State, key: Option<ByteString>) -> Vec<Effect> {
    let Some(key) = key else {
        return Vec::new();
    };
    if !state.refuse_write() {
        state.modal = Some(Modal::Prompt(Prompt {
            kind: PromptKind::Ttl { key },
            input: String::new(),
        }));
    }
    Vec::new()
}

fn toggle_folder(state: &mut State) -> Vec<Effect> {
    if state.tree.open.contains(&state.tree.selected) {
        return collapse(state);
    }
    expand(state)
}

/// Opens the selected folder and, unless its count is already complete,
/// scans the keyspace for its prefix.
fn expand(state: &mut State) -> Vec<Effect> {
    let path = state.tree.selected.clone();
    let Some(folder) = state.tree.folder(&path).filter(|_| !path.is_empty()) else {
        return Vec::new();
    };
    let complete = state.keys.complete || folder.complete;
    state.tree.open.insert(path.clone());
    // A glob filter cannot be combined with a prefix in one MATCH: the
    // folder then shows what the filtered scan found.
    if complete || matches!(state.keys.filter, KeyFilter::Glob(_)) {
        return Vec::new();
    }
    state.tree.scanning = Some(path.clone());
    scan_folder(state, &path, ScanCursor::START)
}

/// Closes the selected folder, or steps out to the folder above.
fn collapse(state: &mut State) -> Vec<Effect> {
    let path = state.tree.selected.clone();
    if state.tree.open.remove(&path) {
        return Vec::new();
    }
    if path.len() > 1 {
        state.tree.selected = path[..path.len() - 1].to_vec();
    }
    Vec::new()
}

fn scan_folder(state: &mut State, path: &[NodeId], cursor: ScanCursor) -> Vec<Effect> {
    let scan = ScanRequest {
        filter: KeyFilter::Prefix(state.tree.prefix(path)),
        key_type: state.keys.type_filter.clone(),
        count: state.config.scan_count,
        cursor,
        budget: state.config.scan_budget,
    };
    state.submit(Slot::Tree, Request::Scan(scan))
}

/// A page of a folder's prefix scan: file its keys, then go on until the
/// scan completes (Esc stops it; the count then stays partial).
pub fn on_page(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    let Some(path) = state.tree.scanning.clone() else {
        return Vec::new();
    };
    let page: KeyPage = match result {
        Ok(Response::Keys(page)) => page,
        Ok(_) | Err(DriverError::Cancelled) => return Vec::new(),
        Err(error) => {
            state.tree.scanning = None;
            state.error(format!("folder scan failed: {error}"));
            return Vec::new();
        }
    };
    let wanted = match &state.keys.filter {
        KeyFilter::Literal(text) if !text.is_empty() => Some(text.as_bytes().to_vec()),
        _ => None,
    };
    for info in &page.items {
        let key = info.key.as_bytes();
        if wanted.as_ref().is_none_or(|w| find(key, w).is_some()) {
            state.tree.insert(&info.key);
        }
    }
    match page.next_cursor.filter(|_| !page.complete) {
        Some(cursor) => scan_folder(state, &path, cursor),
        None => {
            if let Some(folder) = state.tree.folder_mut(&path) {
                folder.complete = true;
            }
            state.tree.scanning = None;
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests;
