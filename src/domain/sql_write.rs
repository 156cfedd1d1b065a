//! SQL text for the edits the grid offers: change one cell, delete one row,
//! and an INSERT template for the editor. Rows are named by their primary
//! key, so an edit touches exactly the row on screen.
//!
//! The statements are shown to the user before they run; the driver runs
//! them in a transaction that is rolled back unless exactly one row
//! changed.

use super::profile::Kind;
use super::sql::{Cell, TableRef, hex_text};

/// Which SQL dialect to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    /// The dialect of an SQL connection kind; `None` for Redis or MongoDB.
    pub fn of(kind: Kind) -> Option<Self> {
        match kind {
            Kind::Postgres => Some(Self::Postgres),
            Kind::Sqlite => Some(Self::Sqlite),
            Kind::Redis | Kind::Mongo => None,
        }
    }
}

/// An SQL identifier in double quotes, with inner quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A string literal in single quotes, with inner quotes doubled (standard
/// conforming strings, which dbdeck's PostgreSQL sessions turn on).
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A cell as a literal. Text stays an untyped literal, which PostgreSQL
/// coerces to the column's type and SQLite to the column's affinity.
pub fn literal(dialect: Dialect, cell: &Cell) -> String {
    match (cell, dialect) {
        (Cell::Null, _) => "NULL".to_owned(),
        (Cell::Text(text), _) => quote_literal(text),
        (Cell::Integer(n), _) => n.to_string(),
        (Cell::Real(x), _) => format!("{x:?}"),
        (Cell::Bytes(bytes), Dialect::Postgres) => {
            format!("{}::bytea", quote_literal(&hex_text(bytes)))
        }
        (Cell::Bytes(bytes), Dialect::Sqlite) => format!("X'{}'", &hex_text(bytes)[2..]),
    }
}

/// `"schema"."table"`.
pub fn qualified(table: &TableRef) -> String {
    format!(
        "{}.{}",
        quote_ident(&table.schema),
        quote_ident(&table.name)
    )
}

/// `"k1" = 'v1' AND "k2" = 'v2'` for a row's key, or `None` when the key
/// is empty or holds NULL (no row can be named that way).
fn key_condition(dialect: Dialect, key: &[(String, Cell)]) -> Option<String> {
    if key.is_empty() || key.iter().any(|(_, value)| value.is_null()) {
        return None;
    }
    let parts: Vec<String> = key
        .iter()
        .map(|(column, value)| format!("{} = {}", quote_ident(column), literal(dialect, value)))
        .collect();
    Some(parts.join(" AND "))
}

/// `UPDATE … SET column = value WHERE key`.
pub fn update_cell(
    dialect: Dialect,
    table: &TableRef,
    key: &[(String, Cell)],
    column: &str,
    value: &Cell,
) -> Option<String> {
    Some(format!(
        "UPDATE {} SET {} = {} WHERE {}",
        qualified(table),
        quote_ident(column),
        literal(dialect, value),
        key_condition(dialect, key)?
    ))
}

/// `DELETE FROM … WHERE key`.
pub fn delete_row(dialect: Dialect, table: &TableRef, key: &[(String, Cell)]) -> Option<String> {
    Some(format!(
        "DELETE FROM {} WHERE {}",
        qualified(table),
        key_condition(dialect, key)?
    ))
}

/// `SELECT *` of a table, with the grid's WHERE and ORDER BY, for export.
pub fn select_all(table: &TableRef, filter: Option<&str>, order: Option<&str>) -> String {
    let mut sql = format!("SELECT * FROM {}", qualified(table));
    if let Some(filter) = filter {
        sql.push_str(&format!(" WHERE ({filter}\n)"));
    }
    if let Some(order) = order {
        sql.push_str(&format!(" ORDER BY {order}\n"));
    }
    sql
}

/// An INSERT naming every column with NULL placeholders, for the editor.
pub fn insert_template(table: &TableRef, columns: &[String]) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    let values = vec!["NULL"; columns.len()];
    format!(
        "INSERT INTO {} ({})\nVALUES ({});",
        qualified(table),
        names.join(", "),
        values.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Vec<(String, Cell)> {
        vec![
            ("order_id".into(), Cell::Text("7".into())),
            ("line".into(), Cell::Integer(2)),
        ]
    }

    #[test]
    fn an_update_names_the_row_by_its_whole_key() {
        let table = TableRef::new("public", "order\"items");
        let sql = update_cell(
            Dialect::Postgres,
            &table,
            &key(),
            "note",
            &Cell::Text("it's".into()),
        );
        assert_eq!(
            sql.as_deref(),
            Some(
                "UPDATE \"public\".\"order\"\"items\" SET \"note\" = 'it''s' \
                 WHERE \"order_id\" = '7' AND \"line\" = 2"
            )
        );
        let null = update_cell(Dialect::Sqlite, &table, &key(), "note", &Cell::Null);
        assert!(null.is_some_and(|sql| sql.contains("SET \"note\" = NULL WHERE")));
    }

    #[test]
    fn bytes_and_missing_keys() {
        let table = TableRef::new("main", "t");
        let blob = vec![("id".into(), Cell::Bytes(vec![0xde, 0xad]))];
        assert_eq!(
            delete_row(Dialect::Sqlite, &table, &blob).as_deref(),
            Some("DELETE FROM \"main\".\"t\" WHERE \"id\" = X'dead'")
        );
        assert_eq!(
            delete_row(Dialect::Postgres, &table, &blob).as_deref(),
            Some("DELETE FROM \"main\".\"t\" WHERE \"id\" = '\\xdead'::bytea")
        );
        assert_eq!(delete_row(Dialect::Sqlite, &table, &[]), None);
        let null_key = vec![("id".into(), Cell::Null)];
        assert_eq!(delete_row(Dialect::Sqlite, &table, &null_key), None);
    }

    #[test]
    fn insert_template_lists_every_column() {
        let table = TableRef::new("main", "t");
        assert_eq!(
            insert_template(&table, &["id".into(), "name".into()]),
            "INSERT INTO \"main\".\"t\" (\"id\", \"name\")\nVALUES (NULL, NULL);"
        );
    }
}
