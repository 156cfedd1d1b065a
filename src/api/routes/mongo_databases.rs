//! `/mongo/{conn}/databases`: the databases a MongoDB user may see. A
//! database the server would not list but the connection's URL names is
//! still there, marked `readable: null` (unknown), so a user without the
//! listDatabases privilege keeps a way in.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::mongo::run_mongo;
use super::{ListPage, cached, unexpected};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::Conn;
use crate::api::state::AppState;
use crate::domain::mongo::{Access, DatabaseEntry};
use crate::worker::{MongoRequest, MongoResponse};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(databases))
}

/// One database.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MongoDatabase {
    pub name: String,
    /// Bytes on disk; `null` when the server did not say.
    pub size_on_disk: Option<u64>,
    /// True when the server listed it for this user; `null` when it comes
    /// from the URL and may turn out unreadable.
    pub readable: Option<bool>,
}

impl From<DatabaseEntry> for MongoDatabase {
    fn from(entry: DatabaseEntry) -> Self {
        Self {
            name: entry.name,
            size_on_disk: entry.size_on_disk,
            readable: (entry.access == Access::Readable).then_some(true),
        }
    }
}

/// Lists the databases by name (cached briefly).
#[utoipa::path(get, path = "/mongo/{conn}/databases", tag = "mongo",
    params(("conn" = String, Path, description = "A connection's name or id")),
    responses((status = 200, body = ListPage<MongoDatabase>), (status = 404, body = Problem),
        (status = 503, body = Problem)))]
async fn databases(
    State(state): State<AppState>,
    Conn(target): Conn,
) -> Result<Json<serde_json::Value>, ApiError> {
    cached(
        &state,
        &target,
        "mongo:databases".to_owned(),
        |target| async {
            let MongoResponse::Databases(found) =
                run_mongo(&state, target, MongoRequest::Databases).await?
            else {
                return Err(unexpected());
            };
            Ok(ListPage::whole(
                found.into_iter().map(MongoDatabase::from).collect(),
            ))
        },
    )
    .await
}
