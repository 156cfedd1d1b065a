//! `/mongo/{conn}/databases/{db}/collections/{coll}/aggregate`: runs a
//! pipeline, its results capped.
//!
//! Running a pipeline needs only the read scope. The query policy applies
//! first: `$where`, `$function` and `$accumulator` anywhere in it are 403
//! `command_blocked`. A `$out` or `$merge` stage writes into a collection,
//! so it needs the write scope (403 `forbidden` without it) and a writable
//! connection (403 `read_only`, refused by the worker pool).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::mongo::{document_value, run_mongo};
use super::mongo_documents::{EjsonQuery, blocked};
use super::unexpected;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiJson, ApiQuery, Conn};
use crate::api::state::AppState;
use crate::domain::mongo::{AggregateRequest, Namespace};
use crate::domain::mongo_policy;
use crate::domain::token::Scope;
use crate::worker::{MongoRequest, MongoResponse};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(aggregate))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AggregateBody {
    /// The stages, each an Extended JSON document.
    #[schema(value_type = Vec<Object>)]
    pub pipeline: Vec<Value>,
    /// The server's time limit, in milliseconds.
    pub max_time_ms: Option<u64>,
    /// The most results to return (default and maximum: the page cap).
    pub limit: Option<u32>,
}

/// A pipeline's results.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Aggregated {
    /// The results, as Extended JSON documents.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    /// False when more results existed than the limit; they were not read.
    pub complete: bool,
}

/// Runs an aggregation pipeline on a collection or view.
#[utoipa::path(post, path = "/mongo/{conn}/databases/{db}/collections/{coll}/aggregate",
    tag = "mongo", request_body = AggregateBody,
    params(("conn" = String, Path, description = "A connection's name or id"),
        ("db" = String, Path), ("coll" = String, Path), EjsonQuery),
    responses((status = 200, body = Aggregated), (status = 400, body = Problem),
        (status = 403, body = Problem, description = "command_blocked, forbidden or read_only"),
        (status = 404, body = Problem), (status = 504, body = Problem)))]
async fn aggregate(
    State(state): State<AppState>,
    Conn(target): Conn,
    Extension(caller): Extension<Caller>,
    Path((_, db, coll)): Path<(String, String, String)>,
    ApiQuery(query): ApiQuery<EjsonQuery>,
    ApiJson(body): ApiJson<AggregateBody>,
) -> Result<Json<Aggregated>, ApiError> {
    let pipeline = body
        .pipeline
        .into_iter()
        .enumerate()
        .map(|(index, stage)| document_value(&format!("stage {index}"), stage))
        .collect::<Result<Vec<_>, _>>()?;
    mongo_policy::check_pipeline(&pipeline).map_err(blocked)?;
    let writes = mongo_policy::writes_output(&pipeline);
    if writes && caller.scope() < Scope::Write {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a $out or $merge stage writes into a collection; it needs a token with the write scope",
        ));
    }
    let cap = state.service.settings().api.max_page.max(1);
    let request = AggregateRequest {
        ns: Namespace::new(db, coll),
        pipeline,
        max_time_ms: body.max_time_ms,
        limit: body.limit.unwrap_or(cap).clamp(1, cap),
        // The write scope is the caller's consent to write.
        allow_output: writes,
    };
    let request = MongoRequest::Aggregate(Box::new(request));
    let MongoResponse::Aggregated { items, complete } = run_mongo(&state, target, request).await?
    else {
        return Err(unexpected());
    };
    let encoding = query.ejson.unwrap_or_default();
    Ok(Json(Aggregated {
        items: items.into_iter().map(|d| encoding.document(d)).collect(),
        complete,
    }))
}
