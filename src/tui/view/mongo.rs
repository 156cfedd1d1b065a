//! The MongoDB tree, drawn with tui-tree-widget (databases, collections
//! with their kind and figures, indexes with their options), and beside it
//! the details of the selected node.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use tui_tree_widget::{Tree, TreeItem};

use super::tree::draw_open_tree;
use super::{dim_style, pane, selected_style};
use crate::domain::mongo::{Access, CollectionKind, CollectionStats, IndexEntry};
use crate::tui::state::mongo::tree::{
    CollectionNode, DatabaseNode, Load, MAX_SHOWN, NodeId, TreePrompt, namespace,
};
use crate::tui::state::{Focus, State};
use crate::tui::text;

pub fn render_tree(frame: &mut Frame, area: Rect, state: &State) {
    let tree = &state.mongo.tree;
    let block = pane(state, title(state), Focus::MongoTree);
    let databases = match &tree.databases {
        Load::Loaded(list) => list,
        other => {
            let note = match other {
                Load::Failed(error) => format!("could not list the databases: {error}"),
                _ => "listing the databases…".to_owned(),
            };
            let text = Paragraph::new(state.glyphs.ui(&note).into_owned())
                .wrap(Wrap { trim: true })
                .block(block);
            frame.render_widget(text, area);
            return;
        }
    };
    let items: Vec<_> = databases
        .iter()
        .map(|db| database_item(state, db))
        .collect();
    let Ok(widget) = Tree::new(&items) else {
        // Names are unique per level as the server lists them; should that
        // ever fail, the pane stays empty rather than the TUI panicking.
        frame.render_widget(block, area);
        return;
    };
    let (open, closed) = if state.glyphs.ascii {
        ("v ", "> ")
    } else {
        ("▾ ", "▸ ")
    };
    let widget = widget
        .block(block)
        .highlight_style(selected_style(state))
        .highlight_symbol(state.glyphs.selected)
        .node_open_symbol(open)
        .node_closed_symbol(closed)
        .node_no_children_symbol("  ");
    draw_open_tree(frame, widget, area, &tree.open, &tree.selected);
}

fn title(state: &State) -> Line<'static> {
    let sep = state.glyphs.separator;
    let count = state.mongo.tree.databases.loaded().map_or(0, Vec::len);
    let title = format!(" Databases{sep}{} ", text::count(count as u64));
    Line::from(state.glyphs.ui(&title).into_owned())
}

/// A node's children when it is open, else one hidden placeholder so the
/// widget marks it openable without building what is inside.
fn children_or_placeholder(
    open: bool,
    placeholder: NodeId,
    build: impl FnOnce() -> Vec<TreeItem<'static, NodeId>>,
) -> Vec<TreeItem<'static, NodeId>> {
    if open {
        build()
    } else {
        vec![TreeItem::new_leaf(placeholder, "")]
    }
}

fn database_item(state: &State, db: &DatabaseNode) -> TreeItem<'static, NodeId> {
    let name = &db.entry.name;
    let path = vec![NodeId::Database(name.clone())];
    let open = state.mongo.tree.open.contains(&path);
    let mut label = name.clone();
    if let Some(size) = db.entry.size_on_disk {
        label.push_str(&format!("  {}", text::bytes(size)));
    }
    match &db.collections {
        Load::Loading => label.push_str("  (listing…)"),
        Load::Failed(error) => label.push_str(&format!("  (not readable: {error})")),
        Load::Loaded(list) => label.push_str(&format!("  ({})", text::count(list.len() as u64))),
        Load::Unloaded if db.entry.access == Access::Unknown => {
            label.push_str("  (access unknown)")
        }
        Load::Unloaded => {}
    }
    let label = state
        .glyphs
        .data(&text::visible_controls(&label))
        .into_owned();
    let id = NodeId::Database(name.clone());
    let inner = children_or_placeholder(open, NodeId::Collection(String::new()), || {
        let list = db.collections.loaded().into_iter().flatten();
        list.take(MAX_SHOWN)
            .map(|coll| collection_item(state, name, coll))
            .collect()
    });
    TreeItem::new(id.clone(), label.clone(), inner)
        .unwrap_or_else(|_| TreeItem::new_leaf(id, label))
}

fn collection_item(state: &State, db: &str, coll: &CollectionNode) -> TreeItem<'static, NodeId> {
    let entry = &coll.entry;
    let path = vec![
        NodeId::Database(db.to_owned()),
        NodeId::Collection(entry.name.clone()),
    ];
    let open = state.mongo.tree.open.contains(&path);
    let label = format!(
        "{}  {}",
        entry.name,
        figures(entry.kind, entry.stats.as_ref())
    );
    let label = state
        .glyphs
        .data(&text::visible_controls(&label))
        .into_owned();
    let id = NodeId::Collection(entry.name.clone());
    let inner =
        children_or_placeholder(open, NodeId::Index(String::new()), || match &coll.indexes {
            Load::Loaded(list) => list.iter().map(|i| index_item(state, i)).collect(),
            Load::Failed(error) => {
                let note = format!("could not list the indexes: {error}");
                vec![TreeItem::new_leaf(NodeId::Index(String::new()), note)]
            }
            _ => vec![TreeItem::new_leaf(NodeId::Index(String::new()), "listing…")],
        });
    TreeItem::new(id.clone(), label.clone(), inner)
        .unwrap_or_else(|_| TreeItem::new_leaf(id, label))
}

/// `≈1,204 docs · 2.0 MiB · idx 46.9 KiB`, the kind first unless it is a
/// plain collection; a view has no figures of its own (`view · n/a`).
fn figures(kind: CollectionKind, stats: Option<&CollectionStats>) -> String {
    let kind = match kind {
        CollectionKind::Collection => "",
        CollectionKind::View => "view · ",
        CollectionKind::TimeSeries => "time-series · ",
    };
    match stats {
        Some(stats) => format!(
            "{kind}≈{} docs · {} · idx {}",
            text::count(stats.count),
            text::bytes(stats.size),
            text::bytes(stats.index_size)
        ),
        None => format!("{kind}n/a"),
    }
}

fn index_item(state: &State, index: &IndexEntry) -> TreeItem<'static, NodeId> {
    let label = format!("{}  {} {}", index.name, index.keys, index_options(index));
    let label = label.trim_end();
    let label = state
        .glyphs
        .data(&text::visible_controls(label))
        .into_owned();
    TreeItem::new_leaf(NodeId::Index(index.name.clone()), label)
}

/// `unique sparse ttl 3600s`, or nothing.
fn index_options(index: &IndexEntry) -> String {
    let mut text = String::new();
    for (on, word) in [
        (index.unique, "unique"),
        (index.sparse, "sparse"),
        (index.hidden, "hidden"),
        (index.partial_filter.is_some(), "partial"),
    ] {
        if on {
            text.push_str(word);
            text.push(' ');
        }
    }
    if let Some(seconds) = index.ttl_seconds {
        text.push_str(&format!("ttl {seconds}s"));
    }
    text.trim_end().to_owned()
}

/// The selected node's details: a collection's figures, an index's keys,
/// options, size and usage.
pub fn render_details(frame: &mut Frame, area: Rect, state: &State) {
    let tree = &state.mongo.tree;
    let block = pane(state, Line::from(" Details "), Focus::MongoTree);
    let lines = detail_lines(state, &tree.selected);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::from(state.glyphs.data(&text::visible_controls(&l)).into_owned()))
        .collect();
    let widget = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .style(dim_style(state))
        .block(block);
    frame.render_widget(widget, area);
}

fn detail_lines(state: &State, path: &[NodeId]) -> Vec<String> {
    let tree = &state.mongo.tree;
    let coll = namespace(path).and_then(|ns| tree.collection(&ns).map(|c| (ns, c)));
    match (path.last(), coll) {
        (Some(NodeId::Index(name)), Some((ns, coll))) => {
            let index = coll.indexes.loaded().into_iter().flatten();
            match index.into_iter().find(|i| &i.name == name) {
                Some(index) => index_lines(&ns.to_string(), index),
                None => Vec::new(),
            }
        }
        (Some(NodeId::Collection(_)), Some((ns, coll))) => vec![
            format!("collection {ns}"),
            figures(coll.entry.kind, coll.entry.stats.as_ref()),
            match &coll.entry.shard_key {
                Some(key) => format!("sharded on {key}"),
                None => "not sharded".to_owned(),
            },
            if coll.entry.read_only {
                "read-only".to_owned()
            } else {
                "c: create an index · d: drop (type its name)".to_owned()
            },
        ],
        (Some(NodeId::Database(name)), _) => vec![
            format!("database {name}"),
            "enter: list collections · c: create a collection".to_owned(),
        ],
        _ => Vec::new(),
    }
}

fn index_lines(ns: &str, index: &IndexEntry) -> Vec<String> {
    let mut lines = vec![
        format!("index {} of {ns}", index.name),
        format!("keys {}", index.keys),
        match index_options(index).as_str() {
            "" => "no options".to_owned(),
            options => format!("options {options}"),
        },
    ];
    if let Some(filter) = &index.partial_filter {
        lines.push(format!("partial filter {filter}"));
    }
    if let Some(size) = index.size {
        lines.push(format!("size {}", text::bytes(size)));
    }
    if let Some(accesses) = index.accesses {
        lines.push(format!(
            "used {} times since the server started",
            text::count(accesses)
        ));
    }
    lines
}

/// The label of a MongoDB tree prompt.
pub fn prompt_label(prompt: &TreePrompt) -> String {
    match prompt {
        TreePrompt::CreateCollection { db } => format!("new collection in {db}"),
        TreePrompt::DropCollection { ns } => {
            format!("type {} to drop {ns} and its indexes", ns.collection)
        }
        TreePrompt::CreateIndex { ns } => {
            format!("index on {ns}: {{\"field\": 1}} [unique sparse hidden ttl=N name=NAME]")
        }
    }
}
