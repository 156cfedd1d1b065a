//! `/mongo/{conn}/databases/{db}/collections/{coll}/indexes[/{name}]`: a
//! collection's indexes with their options; creating one from its keys and
//! options, and dropping one by name.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::mongo::{Ejson, document_value, run_mongo};
use super::mongo_documents::ensure_collection;
use super::{ListPage, unexpected};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiJson, Conn};
use crate::api::state::AppState;
use crate::domain::mongo::{IndexEntry, IndexOptions, Namespace};
use crate::worker::{MongoRequest, MongoResponse};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(indexes, create))
        .routes(routes!(drop_index))
}

/// One index.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MongoIndex {
    pub name: String,
    /// The key pattern, such as `{"email": 1}`, in relaxed EJSON.
    #[schema(value_type = Object)]
    pub key: Value,
    pub unique: bool,
    pub sparse: bool,
    /// `expireAfterSeconds` of a TTL index.
    pub ttl_seconds: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub partial_filter: Option<Value>,
    pub hidden: bool,
    /// Bytes; `null` when the server did not say.
    pub size: Option<u64>,
    /// Operations that used it since the server started; `null` when unknown.
    pub accesses: Option<u64>,
}

impl From<IndexEntry> for MongoIndex {
    fn from(entry: IndexEntry) -> Self {
        Self {
            name: entry.name,
            key: Ejson::Relaxed.document(entry.keys),
            unique: entry.unique,
            sparse: entry.sparse,
            ttl_seconds: entry.ttl_seconds,
            partial_filter: entry.partial_filter.map(|f| Ejson::Relaxed.document(f)),
            hidden: entry.hidden,
            size: entry.size,
            accesses: entry.accesses,
        }
    }
}

/// Lists a collection's indexes in the server's order.
#[utoipa::path(get, path = "/mongo/{conn}/databases/{db}/collections/{coll}/indexes",
    tag = "mongo",
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path)),
    responses((status = 200, body = ListPage<MongoIndex>), (status = 404, body = Problem)))]
async fn indexes(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, db, coll)): Path<(String, String, String)>,
) -> Result<Json<ListPage<MongoIndex>>, ApiError> {
    let ns = Namespace::new(db, coll);
    ensure_collection(&state, target.clone(), &ns).await?;
    let MongoResponse::Indexes(found) =
        run_mongo(&state, target, MongoRequest::Indexes { ns }).await?
    else {
        return Err(unexpected());
    };
    Ok(Json(ListPage::whole(
        found.into_iter().map(MongoIndex::from).collect(),
    )))
}

/// A new index's options; all off by default.
#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIndexOptions {
    /// The server names the index from its keys when this is absent.
    pub name: Option<String>,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub sparse: bool,
    /// Makes a TTL index: documents expire this many seconds after the
    /// date in the indexed field.
    #[serde(rename = "expireAfterSeconds")]
    pub expire_after_seconds: Option<i64>,
    /// Indexes only the documents this filter matches (Extended JSON).
    #[serde(rename = "partialFilterExpression")]
    #[schema(value_type = Option<Object>)]
    pub partial_filter_expression: Option<Value>,
    #[serde(default)]
    pub hidden: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIndex {
    /// The key pattern, such as `{"email": 1}` or `{"loc": "2dsphere"}`.
    #[schema(value_type = Object)]
    pub key: Value,
    #[serde(default)]
    pub options: NewIndexOptions,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IndexCreated {
    pub name: String,
}

/// Creates an index; answers its name.
#[utoipa::path(post, path = "/mongo/{conn}/databases/{db}/collections/{coll}/indexes",
    tag = "mongo", request_body = NewIndex,
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path)),
    responses((status = 201, body = IndexCreated), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, db, coll)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<NewIndex>,
) -> Result<(StatusCode, Json<IndexCreated>), ApiError> {
    let keys = document_value("the index key", body.key)?;
    if keys.is_empty() {
        return Err(ApiError::invalid_input("an index needs at least one key"));
    }
    let given = body.options;
    let partial_filter = match given.partial_filter_expression {
        Some(filter) => Some(document_value("partialFilterExpression", filter)?),
        None => None,
    };
    let options = IndexOptions {
        name: given.name,
        unique: given.unique,
        sparse: given.sparse,
        ttl_seconds: given.expire_after_seconds,
        partial_filter,
        hidden: given.hidden,
    };
    let request = MongoRequest::CreateIndex {
        ns: Namespace::new(db, coll),
        keys,
        options,
    };
    let MongoResponse::IndexCreated(name) = run_mongo(&state, target, request).await? else {
        return Err(unexpected());
    };
    Ok((StatusCode::CREATED, Json(IndexCreated { name })))
}

/// Drops an index by name.
#[utoipa::path(delete, path = "/mongo/{conn}/databases/{db}/collections/{coll}/indexes/{name}",
    tag = "mongo",
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path), ("name" = String, Path)),
    responses((status = 204, description = "Dropped"), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn drop_index(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, db, coll, name)): Path<(String, String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let ns = Namespace::new(db, coll);
    run_mongo(&state, target, MongoRequest::DropIndex { ns, name }).await?;
    Ok(StatusCode::NO_CONTENT)
}
