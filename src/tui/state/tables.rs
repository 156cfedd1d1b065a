//! The SQL schema tree: schemas, their tables and views, and a table's
//! columns, indexes and constraints, each level loaded only when opened,
//! so a database with thousands of tables opens at once. A filter narrows
//! the tables shown without reloading anything.

use super::modal::{Modal, Prompt, PromptKind};
use super::sql::{load_table, open_editor};
use super::{Focus, State};
use crate::domain::sql::{Relation, RowsRequest, TableDetails, TableRef};
use crate::driver::DriverError;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Slot};
use crate::worker::{Request, Response};

/// One row of the schema tree.
#[derive(Clone, Debug, PartialEq)]
pub enum TreeRow {
    Schema {
        name: String,
        expanded: bool,
    },
    Relation(Relation),
    /// A line describing the relation above it: a column, an index or a
    /// constraint.
    Detail(String),
}

/// The tree pane's state.
#[derive(Debug, Default)]
pub struct Tree {
    pub rows: Vec<TreeRow>,
    /// An index into `rows`, always of a visible row.
    pub selected: usize,
    pub error: Option<String>,
    /// Tables whose name holds this text (any case) are shown; empty: all.
    pub filter: String,
    /// What is loading: a schema's relations or a table's details.
    loading: Option<Loading>,
}

#[derive(Debug)]
enum Loading {
    Schema(String),
    Details(TableRef),
}

impl Tree {
    /// The indexes of the rows the filter lets through, in order. A detail
    /// line shows when its relation does.
    pub fn visible(&self) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        let mut shown = Vec::with_capacity(self.rows.len());
        let mut relation_shown = true;
        for (index, row) in self.rows.iter().enumerate() {
            let keep = match row {
                TreeRow::Schema { .. } => true,
                TreeRow::Relation(relation) => {
                    relation_shown = relation.table.name.to_lowercase().contains(&needle);
                    relation_shown
                }
                TreeRow::Detail(_) => relation_shown,
            };
            if keep {
                shown.push(index);
            }
        }
        shown
    }

    /// Whether the relation at `index` has its details listed under it.
    fn is_described(&self, index: usize) -> bool {
        matches!(self.rows.get(index + 1), Some(TreeRow::Detail(_)))
    }

    /// Drops the rows under `index` down to the next row of `level` or
    /// above (a schema for a schema, a schema or relation for a relation).
    fn close(&mut self, index: usize) {
        let schema = matches!(self.rows.get(index), Some(TreeRow::Schema { .. }));
        if let Some(TreeRow::Schema { expanded, .. }) = self.rows.get_mut(index) {
            *expanded = false;
        }
        let end = self.rows[index + 1..]
            .iter()
            .position(|row| match row {
                TreeRow::Schema { .. } => true,
                TreeRow::Relation(_) => !schema,
                TreeRow::Detail(_) => false,
            })
            .map_or(self.rows.len(), |offset| index + 1 + offset);
        self.rows.drain(index + 1..end);
    }

    /// The relation or schema a detail or relation row belongs to.
    fn parent(&self, index: usize) -> Option<usize> {
        let wanted = match self.rows.get(index)? {
            TreeRow::Schema { .. } => return None,
            TreeRow::Relation(_) => |row: &TreeRow| matches!(row, TreeRow::Schema { .. }),
            TreeRow::Detail(_) => |row: &TreeRow| matches!(row, TreeRow::Relation(_)),
        };
        self.rows[..index].iter().rposition(wanted)
    }
}

/// The connection answered: load its schemas.
pub fn on_connected(state: &mut State) -> Vec<Effect> {
    state.sql.tree.error = None;
    let mut effects = state.submit(Slot::SqlTree, Request::SqlSchemas);
    if let Some(session) = &state.session {
        effects.push(Effect::LoadHistory {
            connection: session.target.name.clone(),
        });
    }
    effects
}

/// A tree level arrived (or failed).
pub fn on_tree(state: &mut State, result: Result<Response, DriverError>) -> Vec<Effect> {
    let tree = &mut state.sql.tree;
    let loading = tree.loading.take();
    match (result, loading) {
        (Ok(Response::Schemas(names)), _) => {
            tree.rows = names
                .into_iter()
                .map(|name| TreeRow::Schema {
                    name,
                    expanded: false,
                })
                .collect();
            tree.selected = 0;
            // The first schema (public, or SQLite's main) opens by itself.
            expand_schema(state, 0)
        }
        (Ok(Response::Relations(relations)), Some(Loading::Schema(schema))) => {
            insert_relations(tree, &schema, relations);
            Vec::new()
        }
        (Ok(Response::Table(details)), Some(Loading::Details(table))) => {
            insert_details(tree, &table, details);
            Vec::new()
        }
        (Ok(_), _) => Vec::new(),
        (Err(error), _) => {
            tree.error = Some(error.to_string());
            state.error(format!("{error} · press r to retry"));
            Vec::new()
        }
    }
}

fn insert_relations(tree: &mut Tree, schema: &str, relations: Vec<Relation>) {
    let Some(at) = tree
        .rows
        .iter()
        .position(|row| matches!(row, TreeRow::Schema { name, .. } if name == schema))
    else {
        return;
    };
    tree.close(at);
    if let TreeRow::Schema { expanded, .. } = &mut tree.rows[at] {
        *expanded = true;
    }
    let rows = relations.into_iter().map(TreeRow::Relation);
    tree.rows.splice(at + 1..at + 1, rows);
}

fn insert_details(tree: &mut Tree, table: &TableRef, details: TableDetails) {
    let Some(at) = tree
        .rows
        .iter()
        .position(|row| matches!(row, TreeRow::Relation(r) if &r.table == table))
    else {
        return;
    };
    tree.close(at);
    tree.rows
        .splice(at + 1..at + 1, detail_lines(details).map(TreeRow::Detail));
}

/// `id integer PK`, `name text not null = 'anon'`, `index a_name (name)
/// unique`, `FOREIGN KEY (…) REFERENCES …`.
fn detail_lines(details: TableDetails) -> impl Iterator<Item = String> {
    let columns = details.columns.into_iter().map(|c| {
        let mut line = format!("{} {}", c.name, c.type_name);
        if let Some(at) = c.primary_key {
            line.push_str(&format!(
                " PK{}",
                if at > 1 {
                    format!(" {at}")
                } else {
                    String::new()
                }
            ));
        }
        if !c.nullable {
            line.push_str(" not null");
        }
        if let Some(default) = c.default {
            line.push_str(&format!(" = {default}"));
        }
        line
    });
    let indexes = details.indexes.into_iter().map(|i| {
        let unique = if i.unique { " unique" } else { "" };
        format!("index {} ({}){unique}", i.name, i.columns.join(", "))
    });
    columns.chain(indexes).chain(details.constraints)
}

/// Opens the schema at `index`, loading its tables and views.
fn expand_schema(state: &mut State, index: usize) -> Vec<Effect> {
    let Some(TreeRow::Schema { name, .. }) = state.sql.tree.rows.get(index) else {
        return Vec::new();
    };
    let schema = name.clone();
    state.sql.tree.loading = Some(Loading::Schema(schema.clone()));
    state.submit(Slot::SqlTree, Request::SqlRelations { schema })
}

/// Lists the columns, indexes and constraints of the relation at `index`.
fn describe(state: &mut State, index: usize) -> Vec<Effect> {
    let Some(TreeRow::Relation(relation)) = state.sql.tree.rows.get(index) else {
        return Vec::new();
    };
    let table = relation.table.clone();
    state.sql.tree.loading = Some(Loading::Details(table.clone()));
    state.submit(Slot::SqlTree, Request::SqlTable(table))
}

/// Keys in the tree pane; `None` for what it leaves to the global keys.
pub fn on_tree_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let step: isize = match action {
        Action::Down => 1,
        Action::Up => -1,
        Action::PageDown => 10,
        Action::PageUp => -10,
        Action::Top => isize::MIN / 2,
        Action::Bottom => isize::MAX / 2,
        Action::Open => return Some(open_row(state)),
        Action::Right => return Some(open_level(state)),
        Action::Left => return Some(close_level(state)),
        Action::Filter => return Some(filter_prompt(state)),
        Action::Retry => return Some(on_connected(state)),
        Action::Query => return Some(open_editor(state)),
        _ => return None,
    };
    move_selection(&mut state.sql.tree, step);
    Some(Vec::new())
}

/// Moves the selection `step` visible rows (clamped to the ends).
fn move_selection(tree: &mut Tree, step: isize) {
    let visible = tree.visible();
    let Some(last) = visible.len().checked_sub(1) else {
        return;
    };
    let at = visible
        .iter()
        .position(|&i| i >= tree.selected)
        .unwrap_or(last);
    let to = at.saturating_add_signed(step).min(last);
    tree.selected = visible[to];
}

/// Enter: a schema opens or closes; a table or view opens its rows.
fn open_row(state: &mut State) -> Vec<Effect> {
    let index = state.sql.tree.selected;
    match state.sql.tree.rows.get(index).cloned() {
        Some(TreeRow::Schema { expanded: true, .. }) => {
            state.sql.tree.close(index);
            Vec::new()
        }
        Some(TreeRow::Schema { .. }) => expand_schema(state, index),
        Some(TreeRow::Relation(relation)) => {
            let request = RowsRequest {
                table: relation.table,
                filter: None,
                order: None,
                cursor: None,
                limit: state.config.value_page,
                primary_key: None,
            };
            state.focus = Focus::Rows;
            // Another table: its columns start from the first.
            state.sql.grid.first_column = 0;
            load_table(state, request, Vec::new())
        }
        Some(TreeRow::Detail(_)) | None => Vec::new(),
    }
}

/// Right: open a schema, or describe a table.
fn open_level(state: &mut State) -> Vec<Effect> {
    let index = state.sql.tree.selected;
    match state.sql.tree.rows.get(index) {
        Some(TreeRow::Schema {
            expanded: false, ..
        }) => expand_schema(state, index),
        Some(TreeRow::Relation(_)) if !state.sql.tree.is_described(index) => describe(state, index),
        _ => Vec::new(),
    }
}

/// Left: close what is open here, or step out to the level above.
fn close_level(state: &mut State) -> Vec<Effect> {
    let tree = &mut state.sql.tree;
    let index = tree.selected;
    let open_here = match tree.rows.get(index) {
        Some(TreeRow::Schema { expanded, .. }) => *expanded,
        Some(TreeRow::Relation(_)) => tree.is_described(index),
        _ => false,
    };
    if open_here {
        tree.close(index);
    } else if let Some(parent) = tree.parent(index) {
        tree.selected = parent;
    }
    Vec::new()
}

fn filter_prompt(state: &mut State) -> Vec<Effect> {
    state.modal = Some(Modal::Prompt(Prompt {
        kind: PromptKind::TableFilter,
        input: state.sql.tree.filter.clone(),
    }));
    Vec::new()
}

/// Narrows the tree to tables whose name holds `text` (empty: all), and
/// selects the first table that matches.
pub fn apply_filter(state: &mut State, text: String) -> Vec<Effect> {
    let tree = &mut state.sql.tree;
    tree.filter = text;
    let visible = tree.visible();
    let first_table = visible
        .iter()
        .copied()
        .find(|&i| matches!(tree.rows[i], TreeRow::Relation(_)));
    if !tree.filter.is_empty() || !visible.contains(&tree.selected) {
        tree.selected = first_table
            .or_else(|| visible.first().copied())
            .unwrap_or(0);
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;

    use super::*;
    use crate::domain::sql::{ColumnInfo, IndexInfo, RelationKind};
    use crate::tui::state::sql::tests::{relation, with_tree};

    fn names(tree: &Tree) -> Vec<String> {
        tree.visible()
            .into_iter()
            .map(|i| match &tree.rows[i] {
                TreeRow::Schema { name, expanded } => format!("{name} {expanded}"),
                TreeRow::Relation(r) => r.table.name.clone(),
                TreeRow::Detail(text) => format!("  {text}"),
            })
            .collect()
    }

    #[test]
    fn an_sql_connection_loads_schemas_then_opens_the_first() {
        let h = with_tree();
        assert_eq!(names(&h.state.sql.tree), ["main true", "authors", "books"]);
        // No Redis work was asked of an SQL connection.
        let redis = |r: &Request| matches!(r, Request::Scan(_) | Request::Databases);
        assert!(!h.jobs.iter().any(|(_, _, r)| redis(r)));
    }

    #[test]
    fn enter_on_a_schema_closes_and_reopens_it() {
        let mut h = with_tree();
        h.press(KeyCode::Enter);
        assert_eq!(h.state.sql.tree.rows.len(), 1);
        h.press(KeyCode::Enter);
        let reload = h.last(|r| matches!(r, Request::SqlRelations { schema } if schema == "main"));
        h.reply(reload, Ok(Response::Relations(vec![relation("authors")])));
        assert_eq!(h.state.sql.tree.rows.len(), 2);
    }

    #[test]
    fn right_describes_a_table_and_left_closes_it() {
        let mut h = with_tree();
        h.press(KeyCode::Char('j'));
        h.press(KeyCode::Char('l'));
        let describe = h.last(|r| matches!(r, Request::SqlTable(t) if t.name == "authors"));
        let details = TableDetails {
            columns: vec![ColumnInfo {
                name: "id".into(),
                type_name: "integer".into(),
                nullable: false,
                default: None,
                primary_key: Some(1),
            }],
            indexes: vec![IndexInfo {
                name: "authors_name".into(),
                columns: vec!["name".into()],
                unique: true,
            }],
            constraints: vec!["FOREIGN KEY (genre) REFERENCES genres(code)".into()],
        };
        h.reply(describe, Ok(Response::Table(details)));
        assert_eq!(
            names(&h.state.sql.tree),
            [
                "main true",
                "authors",
                "  id integer PK not null",
                "  index authors_name (name) unique",
                "  FOREIGN KEY (genre) REFERENCES genres(code)",
                "books"
            ]
        );
        h.press(KeyCode::Char('j'));
        h.press(KeyCode::Char('h'));
        assert_eq!(h.state.sql.tree.selected, 1, "left on a detail steps out");
        h.press(KeyCode::Char('h'));
        assert_eq!(names(&h.state.sql.tree), ["main true", "authors", "books"]);
    }

    #[test]
    fn the_filter_narrows_tables_and_the_selection_follows() {
        let mut h = with_tree();
        h.press(KeyCode::Char('/'));
        h.typed("BOO");
        h.press(KeyCode::Enter);
        assert_eq!(names(&h.state.sql.tree), ["main true", "books"]);
        assert!(matches!(
            &h.state.sql.tree.rows[h.state.sql.tree.selected],
            TreeRow::Relation(r) if r.table.name == "books" && r.kind == RelationKind::Table
        ));
        h.press(KeyCode::Char('k'));
        h.press(KeyCode::Char('j'));
        assert_eq!(h.state.sql.tree.selected, 2, "moves skip hidden rows");
        h.press(KeyCode::Char('/'));
        h.press(KeyCode::Backspace);
        h.press(KeyCode::Backspace);
        h.press(KeyCode::Backspace);
        h.press(KeyCode::Enter);
        assert_eq!(names(&h.state.sql.tree).len(), 3);
    }
}
