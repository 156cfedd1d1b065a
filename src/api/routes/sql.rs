//! `/sql/{conn}/…`: PostgreSQL and SQLite schemas, tables, table pages with
//! a keyset cursor, and statements.
//!
//! A cell is JSON `null` only for SQL NULL; text (PostgreSQL's own text
//! form, so numeric keeps every digit) is a string; SQLite integers and
//! reals are numbers; bytea and BLOBs are `{"base64": "…"}`. A statement
//! run by a caller without the write scope runs read-only, enforced by the
//! database. A client that disconnects or times out cancels its statement
//! on the server.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ListPage, unexpected};
use crate::api::auth::Caller;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiJson, ApiQuery, Conn};
use crate::api::state::AppState;
use crate::domain::ConnectTarget;
use crate::domain::export::json_cell;
use crate::domain::sql::{
    Cell, Column, ColumnInfo, IndexInfo, Relation, RowCursor, RowsRequest, TableDetails, TableRef,
};
use crate::domain::token::Scope;
use crate::worker::{Job, Request, Response};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schemas))
        .routes(routes!(tables))
        .routes(routes!(table))
        .routes(routes!(rows))
        .routes(routes!(query))
}

/// Runs one request against an SQL connection.
async fn run_sql(
    state: &AppState,
    target: ConnectTarget,
    request: Request,
) -> Result<Response, ApiError> {
    if !target.kind.is_sql() {
        return Err(ApiError::not_found(format!(
            "{:?} is a {} connection, not SQL",
            target.name, target.kind
        )));
    }
    let job = Job {
        target,
        db: 0,
        request,
    };
    Ok(state.service.run(job).await?)
}

/// The schemas, `public` (or SQLite's `main`) first.
#[utoipa::path(get, path = "/sql/{conn}/schemas", tag = "sql",
    params(("conn" = String, Path, description = "A connection's name or id")),
    responses((status = 200, body = ListPage<String>), (status = 404, body = Problem)))]
async fn schemas(
    State(state): State<AppState>,
    Conn(target): Conn,
) -> Result<Json<ListPage<String>>, ApiError> {
    let Response::Schemas(names) = run_sql(&state, target, Request::SqlSchemas).await? else {
        return Err(unexpected());
    };
    Ok(Json(ListPage::whole(names)))
}

/// A table or view of a schema.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TableItem {
    pub schema: String,
    pub name: String,
    /// `table`, `view` or `materialized_view`.
    pub kind: String,
    /// The catalog's estimate; `null` when it has none.
    pub estimated_rows: Option<i64>,
}

impl From<Relation> for TableItem {
    fn from(relation: Relation) -> Self {
        Self {
            schema: relation.table.schema,
            name: relation.table.name,
            kind: relation.kind.name().replace(' ', "_"),
            estimated_rows: relation.estimated_rows,
        }
    }
}

/// The tables and views of one schema, by name.
#[utoipa::path(get, path = "/sql/{conn}/schemas/{schema}/tables", tag = "sql",
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("schema" = String, Path, description = "A schema's name")),
    responses((status = 200, body = ListPage<TableItem>), (status = 404, body = Problem)))]
async fn tables(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, schema)): Path<(String, String)>,
) -> Result<Json<ListPage<TableItem>>, ApiError> {
    let request = Request::SqlRelations { schema };
    let Response::Relations(relations) = run_sql(&state, target, request).await? else {
        return Err(unexpected());
    };
    Ok(Json(ListPage::whole(
        relations.into_iter().map(TableItem::from).collect(),
    )))
}

/// A column as the catalog describes it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ColumnItem {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub nullable: bool,
    pub default: Option<String>,
    /// 1-based position in the primary key.
    pub primary_key: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IndexItem {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

/// A table's columns, indexes and constraints.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TableDescription {
    pub columns: Vec<ColumnItem>,
    pub indexes: Vec<IndexItem>,
    pub constraints: Vec<String>,
}

impl From<TableDetails> for TableDescription {
    fn from(details: TableDetails) -> Self {
        let column = |c: ColumnInfo| ColumnItem {
            name: c.name,
            type_name: c.type_name,
            nullable: c.nullable,
            default: c.default,
            primary_key: c.primary_key,
        };
        let index = |i: IndexInfo| IndexItem {
            name: i.name,
            columns: i.columns,
            unique: i.unique,
        };
        Self {
            columns: details.columns.into_iter().map(column).collect(),
            indexes: details.indexes.into_iter().map(index).collect(),
            constraints: details.constraints,
        }
    }
}

/// Describes one table or view.
#[utoipa::path(get, path = "/sql/{conn}/schemas/{schema}/tables/{table}", tag = "sql",
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("schema" = String, Path), ("table" = String, Path)),
    responses((status = 200, body = TableDescription), (status = 404, body = Problem)))]
async fn table(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, schema, name)): Path<(String, String, String)>,
) -> Result<Json<TableDescription>, ApiError> {
    let request = Request::SqlTable(TableRef::new(schema, name));
    let Response::Table(details) = run_sql(&state, target, request).await? else {
        return Err(unexpected());
    };
    Ok(Json(details.into()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RowsQuery {
    /// A WHERE condition (one expression, not a statement).
    pub filter: Option<String>,
    /// An ORDER BY list; it turns keyset paging into OFFSET paging.
    pub order: Option<String>,
    /// Rows per page (default 100, at most the page cap).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A result column: its name and the database's type name.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ColumnHead {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
}

impl From<Column> for ColumnHead {
    fn from(column: Column) -> Self {
        Self {
            name: column.name,
            type_name: column.type_name,
        }
    }
}

/// One page of a table: the list shape plus the columns.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RowsPage {
    pub columns: Vec<ColumnHead>,
    /// Rows as arrays of cells, in column order.
    #[schema(value_type = Vec<Vec<Object>>)]
    pub items: Vec<Vec<Value>>,
    pub next_cursor: Option<String>,
    pub complete: bool,
    pub scanned: u64,
    /// The primary key the pages follow; empty for OFFSET paging.
    pub key_columns: Vec<String>,
}

/// Pages through a table: by its primary key when it has one and no
/// `order` is given (a deep page costs what the first does), else by OFFSET.
#[utoipa::path(get, path = "/sql/{conn}/schemas/{schema}/tables/{table}/rows", tag = "sql",
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("schema" = String, Path), ("table" = String, Path), RowsQuery),
    responses((status = 200, body = RowsPage), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn rows(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, schema, name)): Path<(String, String, String)>,
    ApiQuery(query): ApiQuery<RowsQuery>,
) -> Result<Json<RowsPage>, ApiError> {
    let max_page = state.service.settings().api.max_page;
    let limit = match query.limit {
        Some(0) => return Err(ApiError::invalid_input("limit must be at least 1")),
        Some(limit) => limit.min(max_page),
        None => 100,
    };
    // A cursor carries the filter and order of the listing it came from, so
    // a next page never silently changes what is listed.
    let clauses = Clauses {
        filter: query.filter,
        order: query.order,
    };
    let (cursor, clauses) = match query.cursor.as_deref() {
        None => (None, clauses),
        Some(text) => {
            let (cursor, listed) = decode_cursor(text)?;
            (Some(cursor), listed.merge(clauses)?)
        }
    };
    let request = RowsRequest {
        table: TableRef::new(schema, name),
        filter: clauses.filter.clone(),
        order: clauses.order.clone(),
        cursor,
        primary_key: None,
        limit,
    };
    let Response::Rows(page) = run_sql(&state, target, Request::SqlRows(Box::new(request))).await?
    else {
        return Err(unexpected());
    };
    Ok(Json(RowsPage {
        columns: page.columns.into_iter().map(ColumnHead::from).collect(),
        scanned: page.rows.len() as u64,
        items: page
            .rows
            .iter()
            .map(|row| row.iter().map(json_cell).collect())
            .collect(),
        complete: page.next.is_none(),
        next_cursor: page.next.as_ref().map(|next| encode_cursor(next, &clauses)),
        key_columns: page.key_columns,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryBody {
    /// One statement.
    pub sql: String,
    /// The most rows to return (default and maximum: `limits.sql_row_cap`).
    pub limit: Option<usize>,
}

/// A statement's result.
#[derive(Serialize, utoipa::ToSchema)]
pub struct QueryReply {
    pub columns: Vec<ColumnHead>,
    #[schema(value_type = Vec<Vec<Object>>)]
    pub rows: Vec<Vec<Value>>,
    /// More rows existed than the limit; they were not read.
    pub truncated: bool,
    pub rows_affected: u64,
}

/// Runs one statement. Callers with the read scope run it in a read-only
/// transaction, so the database refuses writes (403 `read_only`).
#[utoipa::path(post, path = "/sql/{conn}/query", tag = "sql", request_body = QueryBody,
    params(("conn" = String, Path, description = "A connection's name or id")),
    responses((status = 200, body = QueryReply), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn query(
    State(state): State<AppState>,
    Conn(target): Conn,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<QueryBody>,
) -> Result<Json<QueryReply>, ApiError> {
    let cap = state.service.settings().limits.sql_row_cap;
    let request = Request::SqlRun {
        sql: body.sql,
        cap: body.limit.unwrap_or(cap).clamp(1, cap.max(1)),
        read_only: caller.scope() < Scope::Write,
    };
    let Response::Ran(result) = run_sql(&state, target, request).await? else {
        return Err(unexpected());
    };
    Ok(Json(QueryReply {
        columns: result.columns.into_iter().map(ColumnHead::from).collect(),
        rows: result
            .rows
            .iter()
            .map(|row| row.iter().map(json_cell).collect())
            .collect(),
        truncated: result.truncated,
        rows_affected: result.rows_affected,
    }))
}

/// The WHERE and ORDER BY a listing was made with.
#[derive(Debug, Default, PartialEq)]
struct Clauses {
    filter: Option<String>,
    order: Option<String>,
}

impl Clauses {
    /// The cursor's clauses; a request may repeat them but not change them.
    fn merge(self, asked: Clauses) -> Result<Clauses, ApiError> {
        let differs =
            |mine: &Option<String>, theirs: &Option<String>| theirs.is_some() && theirs != mine;
        if differs(&self.filter, &asked.filter) || differs(&self.order, &asked.order) {
            return Err(ApiError::invalid_input(
                "this cursor belongs to another filter or order: start again without a cursor",
            ));
        }
        Ok(self)
    }
}

/// A cursor as opaque text: tagged JSON in URL-safe base64, carrying the
/// listing's filter and order.
fn encode_cursor(cursor: &RowCursor, clauses: &Clauses) -> String {
    let mut value = match cursor {
        RowCursor::Offset(offset) => json!({ "o": offset }),
        RowCursor::After(cells) => {
            let cells: Vec<Value> = cells.iter().map(tagged_cell).collect();
            json!({ "k": cells })
        }
    };
    value["w"] = json!(clauses.filter);
    value["s"] = json!(clauses.order);
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn tagged_cell(cell: &Cell) -> Value {
    match cell {
        Cell::Null => json!(["n"]),
        Cell::Text(text) => json!(["t", text]),
        Cell::Integer(n) => json!(["i", n]),
        Cell::Real(x) => json!(["r", x]),
        Cell::Bytes(bytes) => json!(["b", STANDARD.encode(bytes)]),
    }
}

fn decode_cursor(text: &str) -> Result<(RowCursor, Clauses), ApiError> {
    let invalid = || ApiError::invalid_input("the cursor is not one this server gave out");
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let text_of = |name: &str| match value.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(invalid()),
    };
    let clauses = Clauses {
        filter: text_of("w")?,
        order: text_of("s")?,
    };
    if let Some(offset) = value.get("o").and_then(Value::as_u64) {
        return Ok((RowCursor::Offset(offset), clauses));
    }
    let cells = value
        .get("k")
        .and_then(Value::as_array)
        .ok_or_else(invalid)?;
    let cells = cells
        .iter()
        .map(|cell| untagged_cell(cell).ok_or_else(invalid))
        .collect::<Result<Vec<_>, _>>()?;
    if cells.is_empty() {
        return Err(invalid());
    }
    Ok((RowCursor::After(cells), clauses))
}

fn untagged_cell(value: &Value) -> Option<Cell> {
    let parts = value.as_array()?;
    Some(match (parts.first()?.as_str()?, parts.get(1)) {
        ("n", None) => Cell::Null,
        ("t", Some(Value::String(text))) => Cell::Text(text.clone()),
        ("i", Some(n)) => Cell::Integer(n.as_i64()?),
        ("r", Some(x)) => Cell::Real(x.as_f64()?),
        ("b", Some(Value::String(b64))) => Cell::Bytes(STANDARD.decode(b64).ok()?),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let cursors = [
            RowCursor::Offset(300),
            RowCursor::After(vec![
                Cell::Text("it's".into()),
                Cell::Integer(-7),
                Cell::Real(1.5),
                Cell::Bytes(vec![0, 255]),
            ]),
        ];
        let clauses = || Clauses {
            filter: Some("price > 20".into()),
            order: None,
        };
        for cursor in cursors {
            let decoded = decode_cursor(&encode_cursor(&cursor, &clauses())).ok();
            assert_eq!(decoded, Some((cursor, clauses())));
        }
        let same = clauses().merge(clauses());
        assert_eq!(same.ok(), Some(clauses()));
        let other = Clauses {
            filter: Some("true".into()),
            order: None,
        };
        assert!(clauses().merge(other).is_err());
        assert!(decode_cursor("not a cursor").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode(r#"{"k":[["x"]]}"#)).is_err());
    }
}
