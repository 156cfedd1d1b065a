//! Rows into cells, faithfully: PostgreSQL text output kept as sent (bytea
//! turned back into its bytes), SQLite values by storage class (case B29:
//! never by length, so a 16-byte TEXT stays text).

use sqlx::postgres::{PgRow, PgValueFormat};
use sqlx::sqlite::SqliteRow;
use sqlx::{Column as _, Row as _, TypeInfo as _, ValueRef as _};

use super::DriverError;
use crate::domain::sql::{Cell, Column};

/// The columns of a row, with the database's type names (for SQLite, the
/// declared type where the column has one).
pub fn columns<R: sqlx::Row>(row: &R) -> Vec<Column> {
    row.columns()
        .iter()
        .map(|c| Column {
            name: c.name().to_owned(),
            type_name: c.type_info().name().to_lowercase(),
        })
        .collect()
}

/// One PostgreSQL row of text-format values.
pub fn pg_cells(row: &PgRow) -> Result<Vec<Cell>, DriverError> {
    (0..row.len()).map(|i| pg_cell(row, i)).collect()
}

fn pg_cell(row: &PgRow, index: usize) -> Result<Cell, DriverError> {
    let value = row.try_get_raw(index).map_err(super::map_error)?;
    if value.is_null() {
        return Ok(Cell::Null);
    }
    if value.format() != PgValueFormat::Text {
        // Only the simple query protocol is used, which answers in text.
        return Err(DriverError::Server(
            "the server answered in binary format".into(),
        ));
    }
    let is_bytea = value.type_info().name() == "BYTEA";
    let text = value
        .as_str()
        .map_err(|e| DriverError::Server(format!("a value is not UTF-8: {e}")))?;
    if is_bytea && let Some(bytes) = parse_bytea_hex(text) {
        return Ok(Cell::Bytes(bytes));
    }
    Ok(Cell::Text(text.to_owned()))
}

/// `\xdeadbeef` (PostgreSQL's hex bytea output) back into bytes.
fn parse_bytea_hex(text: &str) -> Option<Vec<u8>> {
    let hex = text.strip_prefix("\\x")?;
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// One SQLite row, each value by its own storage class.
pub fn sqlite_cells(row: &SqliteRow) -> Result<Vec<Cell>, DriverError> {
    (0..row.len()).map(|i| sqlite_cell(row, i)).collect()
}

fn sqlite_cell(row: &SqliteRow, index: usize) -> Result<Cell, DriverError> {
    let value = row.try_get_raw(index).map_err(super::map_error)?;
    if value.is_null() {
        return Ok(Cell::Null);
    }
    let class = value.type_info().name().to_owned();
    let cell = match class.as_str() {
        "INTEGER" => Cell::Integer(row.try_get_unchecked(index).map_err(super::map_error)?),
        "REAL" => Cell::Real(row.try_get_unchecked(index).map_err(super::map_error)?),
        "BLOB" => Cell::Bytes(row.try_get_unchecked(index).map_err(super::map_error)?),
        _ => text_or_bytes(
            row.try_get_unchecked::<Vec<u8>, _>(index)
                .map_err(super::map_error)?,
        ),
    };
    Ok(cell)
}

/// SQLite TEXT is meant to be UTF-8 but is not checked on insert; invalid
/// text is shown as its bytes rather than lossily.
fn text_or_bytes(bytes: Vec<u8>) -> Cell {
    match String::from_utf8(bytes) {
        Ok(text) => Cell::Text(text),
        Err(error) => Cell::Bytes(error.into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytea_hex_round_trips() {
        assert_eq!(
            parse_bytea_hex("\\xdeadbeef"),
            Some(vec![0xde, 0xad, 0xbe, 0xef])
        );
        assert_eq!(parse_bytea_hex("\\x"), Some(Vec::new()));
        assert_eq!(parse_bytea_hex("\\xabc"), None);
        assert_eq!(parse_bytea_hex("escape\\000"), None);
    }

    #[test]
    fn invalid_utf8_text_is_kept_as_bytes() {
        assert_eq!(text_or_bytes(b"ok".to_vec()), Cell::Text("ok".into()));
        assert_eq!(text_or_bytes(vec![0xff]), Cell::Bytes(vec![0xff]));
    }
}
