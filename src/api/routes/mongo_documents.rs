//! `/mongo/{conn}/databases/{db}/collections/{coll}/documents`: pages of a
//! query, and inserting a document.
//!
//! `filter`, `projection` and `sort` are Extended JSON text in the query
//! string, read strictly (see `mongo.rs`). A filter passes the query
//! policy first: `$where`, `$function` and `$accumulator` are refused (403
//! `command_blocked`). Pages after the first follow an opaque cursor that
//! carries the query it belongs to, so a next page never silently lists
//! something else; with no sort or a sort on `_id` alone it seeks past the
//! last `_id`, so a deep page costs what the first does.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bson::Document;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::mongo::{Ejson, document_text, document_value, run_mongo, value_text};
use super::{ListPage, unexpected};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiJson, ApiQuery, Conn};
use crate::api::state::AppState;
use crate::domain::ConnectTarget;
use crate::domain::mongo::{FindRequest, Namespace, PageCursor, Position};
use crate::domain::mongo_policy;
use crate::worker::{MongoRequest, MongoResponse};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(documents, insert))
}

/// Documents per page when the caller does not say.
const DEFAULT_PAGE: u32 = 50;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DocumentsQuery {
    /// A query filter as Extended JSON, such as `{"n": {"$gt": 1}}`.
    pub filter: Option<String>,
    /// A projection as Extended JSON, such as `{"name": 1}`.
    pub projection: Option<String>,
    /// A sort as Extended JSON, such as `{"_id": -1}`.
    pub sort: Option<String>,
    /// Documents to pass over before the first page.
    pub skip: Option<u64>,
    /// Documents per page (default 50, at most the page cap).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The server's time limit for the query, in milliseconds.
    pub max_time_ms: Option<u64>,
    /// `relaxed` (the default) or `canonical` Extended JSON.
    #[param(inline)]
    pub ejson: Option<Ejson>,
}

/// The query a listing was made with, as the client wrote it.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct Query {
    #[serde(rename = "f")]
    filter: Option<String>,
    #[serde(rename = "p")]
    projection: Option<String>,
    #[serde(rename = "s")]
    sort: Option<String>,
    #[serde(rename = "k")]
    skip: Option<u64>,
}

/// Pages through a collection's documents in relaxed (or canonical) EJSON.
#[utoipa::path(get, path = "/mongo/{conn}/databases/{db}/collections/{coll}/documents",
    tag = "mongo",
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path), DocumentsQuery),
    responses((status = 200, body = ListPage<Object>), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 504, body = Problem)))]
async fn documents(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, db, coll)): Path<(String, String, String)>,
    ApiQuery(params): ApiQuery<DocumentsQuery>,
) -> Result<Json<ListPage<Value>>, ApiError> {
    let asked = Query {
        filter: params.filter,
        projection: params.projection,
        sort: params.sort,
        skip: params.skip,
    };
    let (cursor, query) = match params.cursor.as_deref() {
        None => (None, asked),
        Some(text) => decode_cursor(text, asked)?,
    };
    let find = find_request(&state, Namespace::new(db, coll), &query, params.limit)?;
    let find = FindRequest {
        cursor,
        max_time_ms: params.max_time_ms,
        ..find
    };
    let first = find.cursor.is_none();
    let ns = find.ns.clone();
    let MongoResponse::Page(page) =
        run_mongo(&state, target.clone(), MongoRequest::Find(Box::new(find))).await?
    else {
        return Err(unexpected());
    };
    if first && page.items.is_empty() {
        ensure_collection(&state, target, &ns).await?;
    }
    let encoding = params.ejson.unwrap_or_default();
    Ok(Json(ListPage {
        scanned: page.items.len() as u64,
        items: page
            .items
            .into_iter()
            .map(|d| encoding.document(d))
            .collect(),
        complete: page.complete,
        next_cursor: page.next.map(|next| encode_cursor(&next, &query)),
    }))
}

/// The find for `query`, its texts read and checked against the policy.
fn find_request(
    state: &AppState,
    ns: Namespace,
    query: &Query,
    limit: Option<u32>,
) -> Result<FindRequest, ApiError> {
    let read = |what: &str, text: &Option<String>| -> Result<Document, ApiError> {
        text.as_deref()
            .map_or(Ok(Document::new()), |text| document_text(what, text))
    };
    let filter = read("the filter", &query.filter)?;
    mongo_policy::check_filter(&filter).map_err(blocked)?;
    let projection = match &query.projection {
        Some(text) => Some(document_text("the projection", text)?),
        None => None,
    };
    let max_page = state.service.settings().api.max_page.max(1);
    let page_size = match limit {
        Some(0) => return Err(ApiError::invalid_input("limit must be at least 1")),
        Some(limit) => limit.min(max_page),
        None => DEFAULT_PAGE.min(max_page),
    };
    Ok(FindRequest {
        ns,
        filter,
        projection,
        sort: read("the sort", &query.sort)?,
        skip: query.skip.unwrap_or(0),
        limit: None,
        page_size,
        max_time_ms: None,
        cursor: None,
    })
}

/// A query the policy refuses, as 403 `command_blocked`.
pub(super) fn blocked(refused: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "command_blocked",
        refused.to_string(),
    )
}

/// 404 when the collection does not exist: MongoDB answers a find on a
/// missing collection with no documents, which would look like an empty one.
pub(super) async fn ensure_collection(
    state: &AppState,
    target: ConnectTarget,
    ns: &Namespace,
) -> Result<(), ApiError> {
    let found = super::mongo_collections::list(state, target, ns.db.clone()).await?;
    if found.iter().any(|entry| entry.name == ns.collection) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("no collection {ns}")))
    }
}

/// What an insert answers: the document's `_id`, typed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Inserted {
    /// The `_id` as Extended JSON (relaxed, or canonical on request).
    #[serde(rename = "_id")]
    #[schema(value_type = Object)]
    pub id: Value,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EjsonQuery {
    /// `relaxed` (the default) or `canonical` Extended JSON.
    #[param(inline)]
    pub ejson: Option<Ejson>,
}

/// Inserts one document (Extended JSON); the server's new ObjectId is its
/// `_id` when it has none. A duplicate `_id` is 409 `conflict`.
#[utoipa::path(post, path = "/mongo/{conn}/databases/{db}/collections/{coll}/documents",
    tag = "mongo", request_body(content = Object, description = "An Extended JSON document"),
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path), EjsonQuery),
    responses((status = 201, body = Inserted), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem)))]
async fn insert(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, db, coll)): Path<(String, String, String)>,
    ApiQuery(query): ApiQuery<EjsonQuery>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<Inserted>), ApiError> {
    let doc = document_value("the document", body)?;
    let request = MongoRequest::Insert {
        ns: Namespace::new(db, coll),
        doc,
    };
    let MongoResponse::Inserted(id) = run_mongo(&state, target, request).await? else {
        return Err(unexpected());
    };
    let id = query.ejson.unwrap_or_default().value(&id);
    Ok((StatusCode::CREATED, Json(Inserted { id })))
}

/// A cursor as opaque text: JSON in URL-safe base64 holding the position
/// (the last `_id` in canonical EJSON, or a skip) and the query's texts.
fn encode_cursor(cursor: &PageCursor, query: &Query) -> String {
    let position = match &cursor.position {
        Position::AfterId { last, descending } => json!({
            "after": Ejson::Canonical.value(last).to_string(),
            "desc": descending,
        }),
        Position::Skip(n) => json!({ "skip": n }),
    };
    let value = json!({ "n": cursor.served, "at": position, "q": query });
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The cursor's position and query. The request may repeat the query's
/// parameters, but not change them.
fn decode_cursor(text: &str, asked: Query) -> Result<(Option<PageCursor>, Query), ApiError> {
    let invalid = || ApiError::invalid_input("the cursor is not one this server gave out");
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let query: Query = serde_json::from_value(value["q"].clone()).map_err(|_| invalid())?;
    let differs = asked
        .filter
        .as_ref()
        .is_some_and(|f| Some(f) != query.filter.as_ref())
        || asked
            .projection
            .as_ref()
            .is_some_and(|p| Some(p) != query.projection.as_ref())
        || asked
            .sort
            .as_ref()
            .is_some_and(|s| Some(s) != query.sort.as_ref())
        || asked.skip.is_some_and(|k| Some(k) != query.skip);
    if differs {
        return Err(ApiError::invalid_input(
            "this cursor belongs to another query: start again without a cursor",
        ));
    }
    let served = value["n"].as_u64().ok_or_else(invalid)?;
    let at = &value["at"];
    let position = match (at["skip"].as_u64(), at["after"].as_str()) {
        (Some(n), None) => Position::Skip(n),
        (None, Some(last)) => Position::AfterId {
            last: value_text("the cursor", last).map_err(|_| invalid())?,
            descending: at["desc"].as_bool().ok_or_else(invalid)?,
        },
        _ => return Err(invalid()),
    };
    Ok((Some(PageCursor { served, position }), query))
}

#[cfg(test)]
mod tests {
    use bson::Bson;

    use super::*;

    #[test]
    fn cursors_round_trip_with_typed_ids_and_refuse_another_query() {
        let query = || Query {
            filter: Some(r#"{"n": {"$gt": 1}}"#.into()),
            ..Query::default()
        };
        for last in [
            Bson::Int64(1 << 60),
            Bson::String("1".into()),
            Bson::Double(1.5),
        ] {
            let cursor = PageCursor {
                served: 20,
                position: Position::AfterId {
                    last,
                    descending: true,
                },
            };
            let decoded = decode_cursor(&encode_cursor(&cursor, &query()), Query::default());
            assert_eq!(decoded.unwrap(), (Some(cursor), query()));
        }
        let skip = PageCursor {
            served: 3,
            position: Position::Skip(13),
        };
        let text = encode_cursor(&skip, &query());
        assert_eq!(
            decode_cursor(&text, query()).unwrap(),
            (Some(skip), query())
        );

        let other = Query {
            sort: Some(r#"{"n": 1}"#.into()),
            ..Query::default()
        };
        assert_eq!(
            decode_cursor(&text, other).unwrap_err().code,
            "invalid_input"
        );
        assert!(decode_cursor("not a cursor", Query::default()).is_err());
    }
}
