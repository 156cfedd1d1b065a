//! SQL results as typed data: schema objects, columns, cells and row pages.
//!
//! A cell keeps what the database sent: PostgreSQL values in the server's
//! own text form (numeric with every digit, timestamptz with its zone),
//! SQLite values by their storage class, never guessed from their length.
//! NULL is its own variant, so it can never equal the text 'NULL' or an
//! empty string.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// One value of a result.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    /// Text as the server wrote it (PostgreSQL's text output, SQLite TEXT).
    Text(String),
    /// An SQLite INTEGER.
    Integer(i64),
    /// An SQLite REAL.
    Real(f64),
    /// bytea or BLOB.
    Bytes(Vec<u8>),
}

impl Cell {
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// The value as one line of text for a grid or a CSV file, or `None`
    /// for NULL: bytes as `\x` and hex (PostgreSQL's own form), a real with
    /// a decimal point even when it is whole, so it never reads as an
    /// integer.
    pub fn text(&self) -> Option<String> {
        Some(match self {
            Self::Null => return None,
            Self::Text(text) => text.clone(),
            Self::Integer(n) => n.to_string(),
            Self::Real(x) => real_text(*x),
            Self::Bytes(bytes) => hex_text(bytes),
        })
    }

    /// Whether the value is a number, for right alignment.
    pub fn is_number(&self) -> bool {
        matches!(self, Self::Integer(_) | Self::Real(_))
    }
}

/// A REAL as SQLite's shell shows it: `7.0`, not `7`.
fn real_text(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        x.to_string()
    }
}

/// Bytes as `\x` followed by lowercase hex, as PostgreSQL writes bytea.
pub fn hex_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("\\x");
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// A result column: its name and the database's name for its type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
}

/// A schema-qualified table or view name. SQLite has one schema, `main`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TableRef {
    pub schema: String,
    pub name: String,
}

impl TableRef {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

/// What kind of relation a schema object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    Table,
    View,
    MaterializedView,
}

impl RelationKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::View => "view",
            Self::MaterializedView => "materialized view",
        }
    }
}

/// A table or view in the schema tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    pub table: TableRef,
    pub kind: RelationKind,
    /// The catalog's row estimate (never a COUNT(*)); `None` when unknown.
    pub estimated_rows: Option<i64>,
}

/// A column of a table, as the catalog describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub nullable: bool,
    pub default: Option<String>,
    /// Position in the primary key (1-based), if the column is part of it.
    pub primary_key: Option<u32>,
}

/// An index of a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexInfo {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

/// Everything the tree shows under one table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDetails {
    pub columns: Vec<ColumnInfo>,
    pub indexes: Vec<IndexInfo>,
    /// Foreign key, unique, CHECK and exclusion constraints (the primary
    /// key shows on its columns), each as its definition's text.
    pub constraints: Vec<String>,
}

impl TableDetails {
    /// The primary key's columns in key order; empty when there is none.
    pub fn primary_key(&self) -> Vec<String> {
        let mut keyed: Vec<(u32, &str)> = self
            .columns
            .iter()
            .filter_map(|c| c.primary_key.map(|at| (at, c.name.as_str())))
            .collect();
        keyed.sort_unstable();
        keyed.into_iter().map(|(_, name)| name.to_owned()).collect()
    }
}

/// Where the next page of a table starts.
#[derive(Clone, Debug, PartialEq)]
pub enum RowCursor {
    /// After the row whose key columns hold these values (keyset paging).
    After(Vec<Cell>),
    /// After skipping this many rows (no usable key, or a custom order).
    Offset(u64),
}

/// A request for one page of a table's rows.
#[derive(Clone, Debug, PartialEq)]
pub struct RowsRequest {
    pub table: TableRef,
    /// A WHERE condition, as the user typed it.
    pub filter: Option<String>,
    /// An ORDER BY list, as the user typed it; it turns keyset paging off.
    pub order: Option<String>,
    pub cursor: Option<RowCursor>,
    pub limit: u32,
    /// The table's primary key when an earlier page already found it,
    /// which saves looking it up again.
    pub primary_key: Option<Vec<String>>,
}

/// One page of rows.
#[derive(Clone, Debug, PartialEq)]
pub struct RowPage {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Where the next page starts, or `None` at the end.
    pub next: Option<RowCursor>,
    /// The key columns used for keyset paging; empty for OFFSET paging.
    pub key_columns: Vec<String>,
    /// The table's primary key, which names a row for editing; empty when
    /// it has none (a view, a table without one).
    pub primary_key: Vec<String>,
}

/// The result of running one statement.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryResult {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// More rows existed than the cap allowed; they were not read.
    pub truncated: bool,
    /// Rows changed by a statement that returns none.
    pub rows_affected: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_is_not_the_text_null_nor_empty() {
        assert_eq!(Cell::Null.text(), None);
        assert_eq!(Cell::Text("NULL".into()).text().as_deref(), Some("NULL"));
        assert_eq!(Cell::Text(String::new()).text().as_deref(), Some(""));
        assert_ne!(Cell::Null, Cell::Text("NULL".into()));
    }

    #[test]
    fn b28_bytes_show_as_postgres_hex() {
        let cell = Cell::Bytes(vec![0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(cell.text().as_deref(), Some("\\xdeadbeef"));
        assert_eq!(Cell::Bytes(Vec::new()).text().as_deref(), Some("\\x"));
    }

    #[test]
    fn whole_reals_keep_a_decimal_point() {
        assert_eq!(Cell::Real(7.0).text().as_deref(), Some("7.0"));
        assert_eq!(Cell::Real(12.5).text().as_deref(), Some("12.5"));
        assert_eq!(Cell::Integer(7).text().as_deref(), Some("7"));
    }

    #[test]
    fn primary_key_in_key_order() {
        let column = |name: &str, primary_key| ColumnInfo {
            name: name.into(),
            type_name: "int".into(),
            nullable: false,
            default: None,
            primary_key,
        };
        let details = TableDetails {
            columns: vec![
                column("line", Some(2)),
                column("x", None),
                column("order_id", Some(1)),
            ],
            indexes: Vec::new(),
            constraints: Vec::new(),
        };
        assert_eq!(details.primary_key(), ["order_id", "line"]);
    }
}
