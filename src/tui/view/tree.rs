//! The key tree, drawn with tui-tree-widget: folders with their key counts
//! (marked partial until a scan has covered them), then keys, each name
//! escaped like the key list's.

use std::collections::BTreeSet;
use std::hash::Hash;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use tui_tree_widget::{Tree, TreeItem, TreeState};

use super::{pane, selected_style};
use crate::domain::ByteString;
use crate::tui::effect::Slot;
use crate::tui::state::tree::{Folder, MAX_SHOWN, NodeId};
use crate::tui::state::{Focus, State};
use crate::tui::text;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let tree = &state.tree;
    let items = children(state, &tree.root, &mut Vec::new(), state.keys.complete);
    let block = pane(state, title(state), Focus::Keys);
    let Ok(widget) = Tree::new(&items) else {
        // Identifiers are unique per folder by construction; should that
        // ever fail, the frame stays empty rather than the TUI panicking.
        frame.render_widget(block, area);
        return;
    };
    let (open, closed, leaf) = if state.glyphs.ascii {
        ("v ", "> ", "  ")
    } else {
        ("▾ ", "▸ ", "  ")
    };
    let widget = widget
        .block(block)
        .highlight_style(selected_style(state))
        .highlight_symbol(state.glyphs.selected)
        .node_open_symbol(open)
        .node_closed_symbol(closed)
        .node_no_children_symbol(leaf);
    draw_open_tree(frame, widget, area, &tree.open, &tree.selected);
}

/// Draws a tree widget from what the UI state keeps: the open paths and the
/// selected one. The widget keeps its scroll offset in its own state, so
/// each frame starts from those.
pub(super) fn draw_open_tree<Id>(
    frame: &mut Frame,
    widget: Tree<'_, Id>,
    area: Rect,
    open: &BTreeSet<Vec<Id>>,
    selected: &[Id],
) where
    Id: Clone + PartialEq + Eq + Hash,
{
    let mut view = TreeState::default();
    for path in open {
        view.open(path.clone());
    }
    view.select(selected.to_vec());
    frame.render_stateful_widget(widget, area, &mut view);
}

fn title(state: &State) -> Line<'static> {
    let sep = state.glyphs.separator;
    let db = state.session.as_ref().map_or(0, |s| s.db);
    let delimiter = String::from_utf8_lossy(&state.tree.delimiter).into_owned();
    let mut title = format!(" Key tree{sep}db {db}{sep}split on {delimiter:?}");
    if state.is_waiting(&Slot::Tree) {
        title.push_str(&format!("{sep}scanning folder…"));
    }
    title.push(' ');
    Line::from(state.glyphs.ui(&title).into_owned())
}

/// A folder's rows as tree items: subfolders, then keys. A closed folder
/// gets one hidden placeholder child so the widget marks it openable
/// without building what is inside it.
fn children(
    state: &State,
    folder: &Folder,
    path: &mut Vec<NodeId>,
    complete: bool,
) -> Vec<TreeItem<'static, NodeId>> {
    let mut items = Vec::new();
    for (name, child) in folder.folders.iter().take(MAX_SHOWN) {
        path.push(NodeId::Folder(name.clone()));
        let complete = complete || child.complete;
        let label = folder_label(state, name, child.count, complete);
        let inner = if state.tree.open.contains(path.as_slice()) {
            children(state, child, path, complete)
        } else {
            vec![TreeItem::new_leaf(NodeId::Folder(Vec::new()), "")]
        };
        path.pop();
        let id = NodeId::Folder(name.clone());
        match TreeItem::new(id.clone(), label.clone(), inner) {
            Ok(item) => items.push(item),
            Err(_) => items.push(TreeItem::new_leaf(id, label)),
        }
    }
    let prefix = state.tree.prefix(path).len();
    for key in folder.keys.iter().take(MAX_SHOWN) {
        let name = ByteString::new(key.as_bytes().get(prefix..).unwrap_or_default().to_vec());
        let label = state.glyphs.data(&name.escaped()).into_owned();
        items.push(TreeItem::new_leaf(NodeId::Key(key.clone()), label));
    }
    items
}

/// `user:  (1,204)`, or `user:  (1,204, partial)` until a scan covered it.
fn folder_label(state: &State, name: &[u8], count: u64, complete: bool) -> String {
    let mut name = ByteString::new(name.to_vec()).escaped();
    name.push_str(&String::from_utf8_lossy(&state.tree.delimiter));
    let count = text::count(count);
    let label = if complete {
        format!("{name}  ({count})")
    } else {
        format!("{name}  ({count}, partial)")
    };
    state.glyphs.data(&label).into_owned()
}
