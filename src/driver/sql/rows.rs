//! Paging through a table: keyset paging on the primary key when there is
//! one and no custom order, so a page deep in the table costs the same as
//! the first; an explicit OFFSET otherwise.
//!
//! Pages run through `run_statement`, so they share its cancel and its
//! read-only transaction. Keyset values go back into the SQL as quoted
//! literals (PostgreSQL coerces an untyped literal to the column's type),
//! which keeps every value in the server's exact text form.

use super::SqlClient;
use super::query::run_statement;
use super::schema::primary_key;
use crate::domain::sql::{Cell, RowCursor, RowPage, RowsRequest};
use crate::domain::sql_write::{literal, qualified, quote_ident};
use crate::domain::statements;
use crate::driver::DriverError;

/// Reads one page of a table's rows.
pub async fn read_rows(
    client: &SqlClient,
    request: &RowsRequest,
    read_only: bool,
) -> Result<RowPage, DriverError> {
    check_clause("filter", request.filter.as_deref())?;
    check_clause("order", request.order.as_deref())?;
    let primary_key = match &request.primary_key {
        Some(known) => known.clone(),
        None => primary_key(client, &request.table).await?,
    };
    let key = if request.order.is_some() {
        Vec::new()
    } else {
        primary_key.clone()
    };
    let sql = page_sql(client, request, &key)?;
    let limit = usize::try_from(request.limit.max(1)).unwrap_or(usize::MAX);
    // The SELECT asks for one row more than the page, so the cap is never
    // what ends it.
    let mut result = run_statement(client, &sql, limit.saturating_add(1), read_only).await?;
    let next = if result.rows.len() > limit {
        result.rows.truncate(limit);
        next_cursor(request, &key, &result.columns, result.rows.last())
    } else {
        None
    };
    Ok(RowPage {
        columns: result.columns,
        rows: result.rows,
        next,
        key_columns: key,
        primary_key,
    })
}

/// A filter or order is one clause: text that holds a second statement is
/// refused before anything runs.
fn check_clause(name: &str, clause: Option<&str>) -> Result<(), DriverError> {
    let Some(clause) = clause else { return Ok(()) };
    if statements::split(clause).len() > 1 {
        return Err(DriverError::InvalidInput(format!(
            "the {name} must be one expression, not several statements"
        )));
    }
    Ok(())
}

/// The SELECT for one page.
fn page_sql(
    client: &SqlClient,
    request: &RowsRequest,
    key: &[String],
) -> Result<String, DriverError> {
    let mut sql = format!("SELECT * FROM {}", qualified(&request.table));
    let mut conditions = Vec::new();
    if let Some(filter) = request.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        conditions.push(format!("({filter}\n)"));
    }
    if let Some(RowCursor::After(values)) = &request.cursor {
        conditions.push(keyset_condition(client, key, values)?);
    }
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    match request.order.as_deref().filter(|o| !o.trim().is_empty()) {
        Some(order) => sql.push_str(&format!(" ORDER BY {order}\n")),
        None if !key.is_empty() => {
            let columns: Vec<String> = key.iter().map(|c| quote_ident(c)).collect();
            sql.push_str(&format!(" ORDER BY {}", columns.join(", ")));
        }
        None => {}
    }
    // One row more than the page, to know whether another page follows.
    sql.push_str(&format!(" LIMIT {}", u64::from(request.limit.max(1)) + 1));
    if let Some(RowCursor::Offset(offset)) = request.cursor {
        sql.push_str(&format!(" OFFSET {offset}"));
    }
    Ok(sql)
}

/// `(k1, k2) > (v1, v2)`: the rows after the last one shown.
fn keyset_condition(
    client: &SqlClient,
    key: &[String],
    values: &[Cell],
) -> Result<String, DriverError> {
    if key.is_empty() || key.len() != values.len() {
        return Err(DriverError::InvalidInput(
            "the page cursor does not match the table's key".into(),
        ));
    }
    let columns: Vec<String> = key.iter().map(|c| quote_ident(c)).collect();
    if values.iter().any(Cell::is_null) {
        return Err(DriverError::InvalidInput("a key value is NULL".into()));
    }
    let literals: Vec<String> = values
        .iter()
        .map(|value| literal(client.dialect(), value))
        .collect();
    Ok(format!(
        "({}) > ({})",
        columns.join(", "),
        literals.join(", ")
    ))
}

/// Where the page after `last` starts.
fn next_cursor(
    request: &RowsRequest,
    key: &[String],
    columns: &[crate::domain::sql::Column],
    last: Option<&Vec<Cell>>,
) -> Option<RowCursor> {
    if key.is_empty() {
        let done = match request.cursor {
            Some(RowCursor::Offset(offset)) => offset,
            _ => 0,
        };
        return Some(RowCursor::Offset(done + u64::from(request.limit.max(1))));
    }
    let last = last?;
    let values = key
        .iter()
        .map(|name| {
            let at = columns.iter().position(|c| &c.name == name)?;
            last.get(at).cloned()
        })
        .collect::<Option<Vec<Cell>>>()?;
    Some(RowCursor::After(values))
}
