//! `/mongo/{conn}/databases/{db}/collections[/{coll}]`: a database's
//! collections and views with their statistics; creating and dropping one.
//!
//! Statistics the server would not give (always for a view, and for a
//! collection when collStats is denied) are `null`, meaning "n/a", never 0.
//! A view is marked `read_only`; writes to it are the server's to refuse.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::mongo::{Ejson, run_mongo};
use super::{ListPage, cached, unexpected};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiJson, Conn};
use crate::api::state::AppState;
use crate::domain::ConnectTarget;
use crate::domain::mongo::{CollectionEntry, CollectionKind, Namespace};
use crate::worker::{MongoRequest, MongoResponse};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(collections, create))
        .routes(routes!(collection, drop_collection))
}

/// A collection or view.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MongoCollection {
    pub name: String,
    /// `collection`, `view` or `timeseries`.
    pub kind: &'static str,
    /// Views are never written to.
    pub read_only: bool,
    /// Documents, from metadata (not counted); `null` for "n/a".
    pub count: Option<u64>,
    /// Uncompressed bytes of the documents; `null` for "n/a".
    pub size: Option<u64>,
    /// Bytes of all its indexes; `null` for "n/a".
    pub index_size: Option<u64>,
    /// The shard key (relaxed EJSON) when the collection is sharded.
    #[schema(value_type = Option<Object>)]
    pub shard_key: Option<serde_json::Value>,
}

impl From<CollectionEntry> for MongoCollection {
    fn from(entry: CollectionEntry) -> Self {
        let kind = match entry.kind {
            CollectionKind::Collection => "collection",
            CollectionKind::View => "view",
            CollectionKind::TimeSeries => "timeseries",
        };
        Self {
            name: entry.name,
            kind,
            read_only: entry.read_only || entry.kind == CollectionKind::View,
            count: entry.stats.map(|s| s.count),
            size: entry.stats.map(|s| s.size),
            index_size: entry.stats.map(|s| s.index_size),
            shard_key: entry.shard_key.map(|key| Ejson::Relaxed.document(key)),
        }
    }
}

/// The collections of `db`, uncached.
pub(super) async fn list(
    state: &AppState,
    target: ConnectTarget,
    db: String,
) -> Result<Vec<CollectionEntry>, ApiError> {
    let MongoResponse::Collections(found) =
        run_mongo(state, target, MongoRequest::Collections { db }).await?
    else {
        return Err(unexpected());
    };
    Ok(found)
}

/// Lists a database's collections and views by name (cached briefly). A
/// database with none that the server does not list either is 404.
#[utoipa::path(get, path = "/mongo/{conn}/databases/{db}/collections", tag = "mongo",
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path, description = "A database's name")),
    responses((status = 200, body = ListPage<MongoCollection>), (status = 404, body = Problem),
        (status = 503, body = Problem)))]
async fn collections(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, db)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let what = format!("mongo:collections:{db}");
    cached(&state, &target, what, |target| async {
        let found = list(&state, target.clone(), db.clone()).await?;
        if found.is_empty() && !database_exists(&state, target, &db).await? {
            return Err(ApiError::not_found(format!("no database named {db:?}")));
        }
        Ok(ListPage::whole(
            found.into_iter().map(MongoCollection::from).collect(),
        ))
    })
    .await
}

async fn database_exists(
    state: &AppState,
    target: ConnectTarget,
    db: &str,
) -> Result<bool, ApiError> {
    let MongoResponse::Databases(found) = run_mongo(state, target, MongoRequest::Databases).await?
    else {
        return Err(unexpected());
    };
    Ok(found.iter().any(|entry| entry.name == db))
}

/// One collection or view with its statistics.
#[utoipa::path(get, path = "/mongo/{conn}/databases/{db}/collections/{coll}", tag = "mongo",
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path)),
    responses((status = 200, body = MongoCollection), (status = 404, body = Problem)))]
async fn collection(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, db, coll)): Path<(String, String, String)>,
) -> Result<Json<MongoCollection>, ApiError> {
    let found = list(&state, target, db.clone()).await?;
    found
        .into_iter()
        .find(|entry| entry.name == coll)
        .map(|entry| Json(entry.into()))
        .ok_or_else(|| ApiError::not_found(format!("no collection {db}.{coll}")))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCollection {
    pub name: String,
}

/// Creates an empty collection; one that exists already is 400.
#[utoipa::path(post, path = "/mongo/{conn}/databases/{db}/collections", tag = "mongo",
    request_body = NewCollection,
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path)),
    responses((status = 201, description = "Created"), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, db)): Path<(String, String)>,
    ApiJson(body): ApiJson<NewCollection>,
) -> Result<StatusCode, ApiError> {
    if body.name.is_empty() || db.is_empty() {
        return Err(ApiError::invalid_input("a collection needs a name"));
    }
    let ns = Namespace::new(db, body.name);
    run_mongo(&state, target, MongoRequest::CreateCollection { ns }).await?;
    Ok(StatusCode::CREATED)
}

/// Drops a collection or view with its indexes.
#[utoipa::path(delete, path = "/mongo/{conn}/databases/{db}/collections/{coll}", tag = "mongo",
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path)),
    responses((status = 204, description = "Dropped"), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn drop_collection(
    State(state): State<AppState>,
    Conn(target): Conn,
    Path((_, db, coll)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let exists = list(&state, target.clone(), db.clone())
        .await?
        .iter()
        .any(|entry| entry.name == coll);
    if !exists {
        return Err(ApiError::not_found(format!("no collection {db}.{coll}")));
    }
    let ns = Namespace::new(db, coll);
    run_mongo(&state, target, MongoRequest::DropCollection { ns }).await?;
    Ok(StatusCode::NO_CONTENT)
}
