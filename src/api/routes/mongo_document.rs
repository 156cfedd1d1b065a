//! `/mongo/{conn}/databases/{db}/collections/{coll}/documents/{id}`: one
//! document by its `_id`, read, changed, replaced or deleted.
//!
//! The `{id}` segment is a 24-hex ObjectId by default. With
//! `?id_format=ejson` it is the percent-encoded Extended JSON of any `_id`
//! (`1`, `"1"`, `{"$numberLong":"5"}`, `{"$uuid":"…"}`, a document), so an
//! Int32 1, an Int64 1, the string "1" and a 24-hex string are never taken
//! for one another: the type is never guessed. Every write is addressed by
//! `{_id: <that value>}` alone.

use axum::Json;
use axum::extract::{FromRef, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use bson::oid::ObjectId;
use bson::{Bson, Document, doc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::mongo::{Ejson, document_value, run_mongo, value_text};
use super::mongo_documents::ensure_collection;
use super::unexpected;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiJson, ApiQuery, Conn, percent_decode, raw_segment};
use crate::api::state::AppState;
use crate::domain::mongo::{FindRequest, Namespace, UpdateSpec, WriteCount};
use crate::service::Service;
use crate::worker::{MongoRequest, MongoResponse};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(document, patch, replace, delete))
}

/// How the `{id}` segment is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IdFormat {
    /// 24 hexadecimal digits of an ObjectId.
    #[default]
    Oid,
    /// Percent-encoded Extended JSON of any `_id`.
    Ejson,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DocumentQuery {
    /// `oid` (the default) or `ejson`.
    #[param(inline)]
    pub id_format: Option<IdFormat>,
    /// `relaxed` (the default) or `canonical` Extended JSON in the reply.
    #[param(inline)]
    pub ejson: Option<Ejson>,
}

/// The collection and `_id` a document route names.
pub struct DocPath {
    pub target: crate::domain::ConnectTarget,
    pub ns: Namespace,
    pub id: Bson,
}

impl<S> FromRequestParts<S> for DocPath
where
    S: Send + Sync,
    std::sync::Arc<Service>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Conn(target) = Conn::from_request_parts(parts, state).await?;
        let Path((_, db, coll, _)) =
            Path::<(String, String, String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::invalid_input(e.body_text()))?;
        let ApiQuery(query) = ApiQuery::<DocumentQuery>::from_request_parts(parts, state).await?;
        let raw = percent_decode(&raw_segment(parts, "id")?);
        let text = String::from_utf8(raw)
            .map_err(|_| ApiError::invalid_input("the document id is not UTF-8 text"))?;
        let id = read_id(&text, query.id_format.unwrap_or_default())?;
        Ok(Self {
            target,
            ns: Namespace::new(db, coll),
            id,
        })
    }
}

/// The `_id` the segment names, in the format the caller said it used.
fn read_id(text: &str, format: IdFormat) -> Result<Bson, ApiError> {
    match format {
        IdFormat::Oid => ObjectId::parse_str(text).map(Bson::ObjectId).map_err(|_| {
            ApiError::invalid_input(format!(
                "{text:?} is not a 24-hex ObjectId; for any other _id use ?id_format=ejson \
                 with its Extended JSON, such as 1, \"1\" or {{\"$numberLong\":\"5\"}}"
            ))
        }),
        IdFormat::Ejson => value_text("the document id", text),
    }
}

/// Reads one document.
#[utoipa::path(get, path = "/mongo/{conn}/databases/{db}/collections/{coll}/documents/{id}",
    tag = "mongo",
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path),
        ("id" = String, Path, description = "A 24-hex ObjectId, or Extended JSON with \
            id_format=ejson"), DocumentQuery),
    responses((status = 200, body = Object), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn document(
    State(state): State<AppState>,
    path: DocPath,
    ApiQuery(query): ApiQuery<DocumentQuery>,
) -> Result<Json<Value>, ApiError> {
    let find = FindRequest {
        ns: path.ns.clone(),
        filter: doc! { "_id": path.id.clone() },
        projection: None,
        sort: Document::new(),
        skip: 0,
        limit: Some(1),
        page_size: 1,
        max_time_ms: None,
        cursor: None,
    };
    let request = MongoRequest::Find(Box::new(find));
    let MongoResponse::Page(page) = run_mongo(&state, path.target.clone(), request).await? else {
        return Err(unexpected());
    };
    match page.items.into_iter().next() {
        Some(found) => Ok(Json(query.ejson.unwrap_or_default().document(found))),
        None => {
            ensure_collection(&state, path.target, &path.ns).await?;
            Err(no_document(&path.id))
        }
    }
}

fn no_document(id: &Bson) -> ApiError {
    ApiError::not_found(format!(
        "no document with _id {}",
        Ejson::Canonical.value(id)
    ))
}

/// A change to some fields of a document.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// Fields to set, as an Extended JSON document. A key is a path as
    /// `$set` reads it (`a.b` is field `b` inside `a`); top-level names
    /// holding a `.` or starting with `$` cannot be addressed this way:
    /// replace the document with PUT instead.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub set: Option<Value>,
    /// Paths of fields to remove.
    #[serde(default)]
    pub unset: Vec<String>,
}

/// What a write matched and changed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Written {
    pub matched: u64,
    pub modified: u64,
}

impl From<WriteCount> for Written {
    fn from(count: WriteCount) -> Self {
        Self {
            matched: count.matched,
            modified: count.modified,
        }
    }
}

/// Sets and removes fields (`$set`, `$unset`); other fields keep their
/// type and bytes.
#[utoipa::path(patch, path = "/mongo/{conn}/databases/{db}/collections/{coll}/documents/{id}",
    tag = "mongo", request_body = Patch,
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path), ("id" = String, Path), DocumentQuery),
    responses((status = 200, body = Written), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn patch(
    State(state): State<AppState>,
    path: DocPath,
    ApiJson(body): ApiJson<Patch>,
) -> Result<Json<Written>, ApiError> {
    let operators = update_operators(body)?;
    let request = MongoRequest::Update {
        ns: path.ns.clone(),
        id_filter: doc! { "_id": path.id.clone() },
        update: UpdateSpec::Operators(operators),
    };
    written(&state, &path, request).await
}

/// The `$set`/`$unset` document a patch asks for.
fn update_operators(patch: Patch) -> Result<Document, ApiError> {
    let set = match patch.set {
        Some(value) => document_value("set", value)?,
        None => Document::new(),
    };
    let paths = set.keys().chain(patch.unset.iter());
    for path in paths {
        if path.is_empty() || path.starts_with('$') || path.split('.').any(str::is_empty) {
            return Err(ApiError::invalid_input(format!(
                "{path:?} is not a field path $set or $unset can address; \
                 replace the whole document with PUT instead"
            )));
        }
        if path == "_id" || path.starts_with("_id.") {
            return Err(ApiError::invalid_input(
                "the _id of a document cannot change",
            ));
        }
    }
    if set.is_empty() && patch.unset.is_empty() {
        return Err(ApiError::invalid_input(
            "the patch changes nothing: give set or unset",
        ));
    }
    let mut operators = Document::new();
    if !set.is_empty() {
        operators.insert("$set", set);
    }
    if !patch.unset.is_empty() {
        let unset: Document = patch
            .unset
            .into_iter()
            .map(|p| (p, Bson::String(String::new())))
            .collect();
        operators.insert("$unset", unset);
    }
    Ok(operators)
}

/// Replaces the whole document; an `_id` in the body must equal the
/// path's, type included.
#[utoipa::path(put, path = "/mongo/{conn}/databases/{db}/collections/{coll}/documents/{id}",
    tag = "mongo", request_body(content = Object, description = "An Extended JSON document"),
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path), ("id" = String, Path), DocumentQuery),
    responses((status = 200, body = Written), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn replace(
    State(state): State<AppState>,
    path: DocPath,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Written>, ApiError> {
    let mut doc = document_value("the document", body)?;
    if let Some(id) = doc.remove("_id")
        && id != path.id
    {
        return Err(ApiError::invalid_input(
            "the _id in the body differs from the one in the path; an _id cannot change",
        ));
    }
    let request = MongoRequest::Replace {
        ns: path.ns.clone(),
        id_filter: doc! { "_id": path.id.clone() },
        doc,
    };
    written(&state, &path, request).await
}

async fn written(
    state: &AppState,
    path: &DocPath,
    request: MongoRequest,
) -> Result<Json<Written>, ApiError> {
    match run_mongo(state, path.target.clone(), request).await {
        Ok(MongoResponse::Updated(count)) => Ok(Json(count.into())),
        Ok(_) => Err(unexpected()),
        Err(error) if error.status == StatusCode::NOT_FOUND => Err(no_document(&path.id)),
        Err(error) => Err(error),
    }
}

/// Deletes the document.
#[utoipa::path(delete, path = "/mongo/{conn}/databases/{db}/collections/{coll}/documents/{id}",
    tag = "mongo",
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path), ("id" = String, Path), DocumentQuery),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn delete(State(state): State<AppState>, path: DocPath) -> Result<StatusCode, ApiError> {
    let request = MongoRequest::Delete {
        ns: path.ns.clone(),
        id_filter: doc! { "_id": path.id.clone() },
    };
    match run_mongo(&state, path.target.clone(), request).await {
        Ok(MongoResponse::Deleted(_)) => Ok(StatusCode::NO_CONTENT),
        Ok(_) => Err(unexpected()),
        Err(error) if error.status == StatusCode::NOT_FOUND => Err(no_document(&path.id)),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_oids_by_default_and_typed_ejson_on_request() {
        let oid = read_id("5f1d7a2b3c4d5e6f7a8b9c0d", IdFormat::Oid).unwrap();
        assert!(matches!(oid, Bson::ObjectId(_)));
        assert_eq!(
            read_id("1", IdFormat::Oid).unwrap_err().code,
            "invalid_input"
        );
        let hex = read_id(r#""5f1d7a2b3c4d5e6f7a8b9c0d""#, IdFormat::Ejson).unwrap();
        assert_eq!(hex, Bson::String("5f1d7a2b3c4d5e6f7a8b9c0d".into()));
        assert_eq!(read_id("1", IdFormat::Ejson).unwrap(), Bson::Int32(1));
        assert_eq!(
            read_id(r#"{"$numberLong":"1"}"#, IdFormat::Ejson).unwrap(),
            Bson::Int64(1)
        );
        assert_eq!(
            read_id("1x", IdFormat::Ejson).unwrap_err().code,
            "invalid_input"
        );
    }

    #[test]
    fn patches_become_set_and_unset_and_refuse_what_they_cannot_address() {
        let patch = |set: Value, unset: &[&str]| Patch {
            set: Some(set),
            unset: unset.iter().map(|s| (*s).to_owned()).collect(),
        };
        let ops = update_operators(patch(
            serde_json::json!({"name": "b", "n": {"$numberLong": "5"}, "a.b": 3}),
            &["old"],
        ))
        .unwrap();
        assert_eq!(
            ops,
            doc! {"$set": {"name": "b", "n": 5_i64, "a.b": 3}, "$unset": {"old": ""}}
        );
        for bad in [
            patch(serde_json::json!({"$x": 1}), &[]),
            patch(serde_json::json!({"_id": 2}), &[]),
            patch(serde_json::json!({}), &["a..b"]),
            patch(serde_json::json!({}), &[]),
        ] {
            assert_eq!(update_operators(bad).unwrap_err().code, "invalid_input");
        }
    }
}
