//! Writes to a Redis key beyond its whole value: member-level edits of a
//! collection (the editors of the TUI, over HTTP), rename and copy, and
//! bulk actions on every key matching a pattern.
//!
//! An edit to a key that another client deleted is refused (404), never
//! turned into a new key; a key of another type answers 409 `wrong_type`.
//! Members, fields and values are byte strings: a JSON string when UTF-8,
//! else `{"base64": "…"}`. Scores and stream IDs are strings, kept exactly.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{run_redis, unexpected};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiJson, ApiQuery, Conn, KeyPath};
use crate::api::routes::redis_key::KeyQuery;
use crate::api::routes::redis_keys::DbQuery;
use crate::api::schema::{ByteStringSchema, FieldValueSchema};
use crate::domain::redis::{BulkAction, KeyFilter};
use crate::domain::redis_edit::{EditResult, MemberEdit};
use crate::domain::{ByteString, ConnectTarget};
use crate::worker::{BulkProgress, Request, Response};

use crate::api::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(edit_members))
        .routes(routes!(rename))
        .routes(routes!(copy))
        .routes(routes!(bulk))
}

/// One change to a collection's members, named by `op`. The key must exist
/// and hold the type the operation is for.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
#[expect(dead_code, reason = "documents MemberEdit, which the handler reads")]
pub enum MemberEditSchema {
    /// HSET: add a field or replace its value.
    HashSet {
        field: ByteStringSchema,
        value: ByteStringSchema,
    },
    /// HDEL.
    HashDelete { fields: Vec<ByteStringSchema> },
    /// LPUSH (`head`) or RPUSH (`tail`), in the order given.
    ListPush {
        end: ListEndSchema,
        items: Vec<ByteStringSchema>,
    },
    /// LSET: replace the item at an index (negative counts from the tail).
    ListSet { index: i64, item: ByteStringSchema },
    /// LREM: remove `count` items equal to `item` (from the head when
    /// positive, from the tail when negative, all when 0).
    ListRemove { count: i64, item: ByteStringSchema },
    /// LTRIM: keep the items from `start` to `stop`, inclusive.
    ListTrim { start: i64, stop: i64 },
    /// SADD.
    SetAdd { members: Vec<ByteStringSchema> },
    /// SREM.
    SetRemove { members: Vec<ByteStringSchema> },
    /// ZADD: add a member or change its score. The score is text: a
    /// decimal such as `1.1` or `1447852714`, or `inf` / `-inf`.
    ZsetAdd {
        member: ByteStringSchema,
        score: String,
    },
    /// ZREM.
    ZsetRemove { members: Vec<ByteStringSchema> },
    /// XADD with the fields in order; `id` is `*` or `ms-seq`.
    StreamAdd {
        id: String,
        fields: Vec<FieldValueSchema>,
    },
    /// XDEL.
    StreamDelete { ids: Vec<String> },
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[expect(dead_code, reason = "documents ListEnd")]
pub enum ListEndSchema {
    Head,
    Tail,
}

/// What an edit changed, as the server counted it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EditOutput {
    /// Members, fields or entries added or removed (HSET counts only new
    /// fields, ZADD only new members); absent for LSET and LTRIM.
    pub changed: Option<u64>,
    /// The list's length after a push.
    pub length: Option<u64>,
    /// The ID of the entry XADD added.
    pub id: Option<String>,
}

impl From<EditResult> for EditOutput {
    fn from(result: EditResult) -> Self {
        let mut output = Self {
            changed: None,
            length: None,
            id: None,
        };
        match result {
            EditResult::Changed(count) => output.changed = Some(count),
            EditResult::Length(length) => output.length = Some(length),
            EditResult::Done => {}
            EditResult::EntryId(id) => output.id = Some(id),
        }
        output
    }
}

/// Changes a collection's members: a hash's fields, a list's items, a
/// set's or sorted set's members, a stream's entries.
#[utoipa::path(post, path = "/redis/{conn}/keys/{key}/members", tag = "redis",
    params(
        ("conn" = String, Path, description = "A connection's name or id"),
        ("key" = String, Path, description = "The key, percent-encoded (or base64url)"),
        KeyQuery),
    request_body = MemberEditSchema,
    responses((status = 200, body = EditOutput), (status = 400, body = Problem),
        (status = 403, body = Problem, description = "Read-only connection or scope"),
        (status = 404, body = Problem, description = "The key no longer exists"),
        (status = 409, body = Problem, description = "The key holds another type")))]
async fn edit_members(
    State(state): State<AppState>,
    path: KeyPath,
    ApiQuery(query): ApiQuery<KeyQuery>,
    ApiJson(edit): ApiJson<MemberEdit>,
) -> Result<Json<EditOutput>, ApiError> {
    let request = Request::EditMembers {
        key: path.key,
        edit,
    };
    match run_redis(&state, path.target, query.db, request).await? {
        Response::Edited(result) => Ok(Json(result.into())),
        _ => Err(unexpected()),
    }
}

/// Where a rename or copy goes.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    #[schema(value_type = ByteStringSchema)]
    pub to: ByteString,
    /// Replace a key that already has the new name (default: refuse, 409).
    #[serde(default)]
    pub overwrite: bool,
}

/// Renames a key, keeping its value and TTL (RENAMENX, or RENAME with
/// `overwrite`). On a cluster both names must map to one slot.
#[utoipa::path(post, path = "/redis/{conn}/keys/{key}/rename", tag = "redis",
    params(
        ("conn" = String, Path, description = "A connection's name or id"),
        ("key" = String, Path, description = "The key, percent-encoded (or base64url)"),
        KeyQuery),
    request_body = Destination,
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "No such key"),
        (status = 409, body = Problem, description = "The new name is taken")))]
async fn rename(
    State(state): State<AppState>,
    path: KeyPath,
    ApiQuery(query): ApiQuery<KeyQuery>,
    ApiJson(to): ApiJson<Destination>,
) -> Result<StatusCode, ApiError> {
    let request = Request::Rename {
        key: path.key,
        to: to.to,
        overwrite: to.overwrite,
    };
    written(
        &state,
        path.target,
        query.db,
        request,
        StatusCode::NO_CONTENT,
    )
    .await
}

/// Copies a key with its TTL (COPY, Redis 6.2 and later).
#[utoipa::path(post, path = "/redis/{conn}/keys/{key}/copy", tag = "redis",
    params(
        ("conn" = String, Path, description = "A connection's name or id"),
        ("key" = String, Path, description = "The key, percent-encoded (or base64url)"),
        KeyQuery),
    request_body = Destination,
    responses((status = 201), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "No such key"),
        (status = 409, body = Problem, description = "The new name is taken")))]
async fn copy(
    State(state): State<AppState>,
    path: KeyPath,
    ApiQuery(query): ApiQuery<KeyQuery>,
    ApiJson(to): ApiJson<Destination>,
) -> Result<StatusCode, ApiError> {
    let request = Request::Copy {
        key: path.key,
        to: to.to,
        overwrite: to.overwrite,
    };
    written(&state, path.target, query.db, request, StatusCode::CREATED).await
}

/// Runs a write that answers `Written`, replying with `status`.
async fn written(
    state: &AppState,
    target: ConnectTarget,
    db: Option<u32>,
    request: Request,
    status: StatusCode,
) -> Result<StatusCode, ApiError> {
    match run_redis(state, target, db, request).await? {
        Response::Written => Ok(status),
        _ => Err(unexpected()),
    }
}

/// A bulk action on every key matching a pattern. Without `"dry_run":
/// false` nothing changes: the reply counts the keys and shows a few.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkInput {
    /// A Redis glob pattern (`session:*`), or plain text with `literal`.
    pub pattern: String,
    #[serde(default)]
    pub literal: bool,
    /// `delete` (UNLINK) or `expire` (needs `ttl`).
    pub action: BulkActionName,
    /// Seconds, for `expire`.
    pub ttl: Option<u64>,
    /// Count and sample only (the default); `false` acts.
    #[serde(default = "dry_run_default")]
    pub dry_run: bool,
}

fn dry_run_default() -> bool {
    true
}

#[derive(Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BulkActionName {
    Delete,
    Expire,
}

/// A dry run's count and sample, or what the action did: every matched
/// key either succeeded or failed (it vanished first, or the server
/// refused), so `matched = succeeded + failed`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BulkOutput {
    pub dry_run: bool,
    pub matched: u64,
    /// A dry run's first keys.
    #[schema(value_type = Option<Vec<ByteStringSchema>>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<Vec<ByteString>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub succeeded: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<u64>,
}

/// How many keys a dry run shows.
const BULK_SAMPLE: u32 = 20;

/// Deletes, or sets a TTL on, every key matching a pattern, in batches
/// (per hash slot on a cluster). A dry run first is the default. The
/// action is bounded by the request timeout; a client that goes away
/// stops it after the batch in flight.
#[utoipa::path(post, path = "/redis/{conn}/bulk", tag = "redis",
    params(("conn" = String, Path, description = "A connection's name or id"), DbQuery),
    request_body = BulkInput,
    responses((status = 200, body = BulkOutput), (status = 400, body = Problem),
        (status = 403, body = Problem, description = "Read-only connection or scope")))]
async fn bulk(
    State(state): State<AppState>,
    Conn(target): Conn,
    ApiQuery(query): ApiQuery<DbQuery>,
    ApiJson(input): ApiJson<BulkInput>,
) -> Result<Json<BulkOutput>, ApiError> {
    if input.pattern.is_empty() {
        return Err(ApiError::invalid_input(
            "a bulk action needs a pattern; use * to mean every key",
        ));
    }
    let filter = if input.literal {
        KeyFilter::Literal(input.pattern)
    } else {
        KeyFilter::Glob(input.pattern)
    };
    let action = match (input.action, input.ttl) {
        (BulkActionName::Delete, None) => BulkAction::Delete,
        (BulkActionName::Expire, Some(ttl)) if ttl > 0 => BulkAction::Expire(ttl),
        (BulkActionName::Expire, _) => {
            return Err(ApiError::invalid_input(
                "expire needs a ttl of 1 second or more",
            ));
        }
        (BulkActionName::Delete, Some(_)) => {
            return Err(ApiError::invalid_input("delete takes no ttl"));
        }
    };
    let request = if input.dry_run {
        Request::BulkPreview {
            filter,
            sample: BULK_SAMPLE,
        }
    } else {
        Request::Bulk {
            filter,
            action,
            progress: BulkProgress::default(),
        }
    };
    match run_redis(&state, target, query.db, request).await? {
        Response::BulkPreview(preview) => Ok(Json(BulkOutput {
            dry_run: true,
            matched: preview.matched,
            sample: Some(preview.sample),
            succeeded: None,
            failed: None,
        })),
        Response::Bulk(outcome) => Ok(Json(BulkOutput {
            dry_run: false,
            matched: outcome.matched,
            sample: None,
            succeeded: Some(outcome.succeeded),
            failed: Some(outcome.failed),
        })),
        _ => Err(unexpected()),
    }
}
