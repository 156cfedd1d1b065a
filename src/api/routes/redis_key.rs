//! `/redis/{conn}/keys/{key}`: one key's metadata and value, its members
//! page by page, replacing a string, changing the TTL and deleting.
//!
//! `{key}` is percent-decoded exactly once into bytes, or read as base64url
//! with `?key_encoding=base64url`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ListPage, run_redis, unexpected};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiJson, ApiQuery, KeyPath};
use crate::api::schema::ByteStringSchema;
use crate::api::state::AppState;
use crate::domain::ByteString;
use crate::domain::redis::{KeyValue, ValuePage, ValueWindow};
use crate::worker::{Request, Response, TtlChange};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read_key, replace_key, delete_key))
        .routes(routes!(members))
        .routes(routes!(expire))
}

/// A key's type, TTL, size and a summary of its value.
#[derive(Serialize, utoipa::ToSchema)]
pub struct KeyDetail {
    #[schema(value_type = ByteStringSchema)]
    pub key: ByteString,
    #[serde(rename = "type")]
    pub key_type: String,
    /// PTTL: milliseconds left or -1 for no expiry; `null` when the server
    /// would not say.
    pub ttl_ms: Option<i64>,
    pub size: Option<u64>,
    pub value: ValueSummary,
}

/// What a key holds: a string's bytes (a range of them), a collection's
/// length (its members come from `/members`), or a module's document.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValueSummary {
    String {
        /// STRLEN.
        length: u64,
        /// Where `data` starts in the value.
        offset: u64,
        #[schema(value_type = ByteStringSchema)]
        data: ByteString,
        /// Whether bytes follow `data`; ask for them with `offset`.
        truncated: bool,
    },
    Collection {
        /// Fields, items, members or entries.
        length: u64,
    },
    /// A RedisJSON document as JSON.GET returned it.
    Json { text: String },
    /// A module type dbdeck has no viewer for; nothing was read from it.
    Module { note: String },
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReadQuery {
    pub db: Option<u32>,
    /// For strings: the first byte to return.
    #[serde(default)]
    pub offset: u64,
    /// For strings: how many bytes to return at most (default: the
    /// configured preview size).
    pub length: Option<u64>,
    /// `percent` (default) or `base64url`: how `{key}` is written.
    #[expect(
        dead_code,
        reason = "KeyPath reads it; declared here so it is documented and not refused as unknown"
    )]
    pub key_encoding: Option<String>,
}

/// Reads a key's metadata and, for a string, a range of its bytes.
#[utoipa::path(get, path = "/redis/{conn}/keys/{key}", tag = "redis",
    params(
        ("conn" = String, Path, description = "A connection's name or id"),
        ("key" = String, Path, description = "The key, percent-encoded (or base64url)"),
        ReadQuery),
    responses((status = 200, body = KeyDetail), (status = 404, body = Problem)))]
async fn read_key(
    State(state): State<AppState>,
    path: KeyPath,
    ApiQuery(query): ApiQuery<ReadQuery>,
) -> Result<Json<KeyDetail>, ApiError> {
    let mut request = state
        .service
        .value_request(path.key, ValueWindow::Index(query.offset));
    let most = state.service.settings().api.max_body_bytes as u64;
    request.max_bytes = query.length.unwrap_or(request.max_bytes).min(most);
    // Collections are summarised by length: one member is enough.
    request.count = 1;
    let Response::Value(value) =
        run_redis(&state, path.target, query.db, Request::Value(request)).await?
    else {
        return Err(unexpected());
    };
    Ok(Json(detail(value)))
}

fn detail(value: KeyValue) -> KeyDetail {
    let summary = match value.page {
        ValuePage::String {
            length,
            offset,
            preview,
            truncated,
        } => ValueSummary::String {
            length,
            offset,
            data: preview,
            truncated,
        },
        ValuePage::Hash { total, .. }
        | ValuePage::List { total, .. }
        | ValuePage::Set { total, .. }
        | ValuePage::Zset { total, .. }
        | ValuePage::Stream { total, .. } => ValueSummary::Collection { length: total },
        ValuePage::Json { text } => ValueSummary::Json { text },
        ValuePage::Module { type_name } => ValueSummary::Module {
            note: format!("no viewer for {type_name} keys"),
        },
    };
    KeyDetail {
        key: value.key,
        key_type: value.key_type.name().to_owned(),
        ttl_ms: value.ttl.known().map(|ttl| ttl.as_pttl()),
        size: value.size.known().copied(),
        value: summary,
    }
}

/// A string's new value.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StringValue {
    #[schema(value_type = ByteStringSchema)]
    pub value: ByteString,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KeyQuery {
    pub db: Option<u32>,
    /// `percent` (default) or `base64url`: how `{key}` is written.
    #[expect(
        dead_code,
        reason = "KeyPath reads it; declared here so it is documented and not refused as unknown"
    )]
    pub key_encoding: Option<String>,
}

/// Replaces a string's value, keeping its TTL. A key that vanished is not
/// recreated (404) and a key of another type is not overwritten (409).
#[utoipa::path(put, path = "/redis/{conn}/keys/{key}", tag = "redis",
    params(
        ("conn" = String, Path, description = "A connection's name or id"),
        ("key" = String, Path, description = "The key, percent-encoded (or base64url)"),
        KeyQuery),
    request_body = StringValue,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The key is not a string")))]
async fn replace_key(
    State(state): State<AppState>,
    path: KeyPath,
    ApiQuery(query): ApiQuery<KeyQuery>,
    ApiJson(body): ApiJson<StringValue>,
) -> Result<StatusCode, ApiError> {
    let request = Request::SetString {
        key: path.key,
        value: body.value,
    };
    match run_redis(&state, path.target, query.db, request).await? {
        Response::Written => Ok(StatusCode::NO_CONTENT),
        _ => Err(unexpected()),
    }
}

/// Deletes a key (UNLINK); 404 when there was no such key.
#[utoipa::path(delete, path = "/redis/{conn}/keys/{key}", tag = "redis",
    params(
        ("conn" = String, Path, description = "A connection's name or id"),
        ("key" = String, Path, description = "The key, percent-encoded (or base64url)"),
        KeyQuery),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_key(
    State(state): State<AppState>,
    path: KeyPath,
    ApiQuery(query): ApiQuery<KeyQuery>,
) -> Result<StatusCode, ApiError> {
    let request = Request::Delete { key: path.key };
    match run_redis(&state, path.target, query.db, request).await? {
        Response::Deleted(true) => Ok(StatusCode::NO_CONTENT),
        Response::Deleted(false) => Err(ApiError::not_found("no such key")),
        _ => Err(unexpected()),
    }
}

/// A TTL change: `{"ttl": seconds}`, or `{"persist": true}` (also
/// `{"ttl": -1}`) to remove the expiry. A TTL of 0 or below -1 is refused:
/// deleting is DELETE's job.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TtlInput {
    pub ttl: Option<i64>,
    #[serde(default)]
    pub persist: bool,
}

/// The TTL after a change.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TtlOutput {
    /// PTTL: milliseconds left, or -1 for no expiry.
    pub ttl_ms: i64,
}

impl TtlInput {
    fn change(&self) -> Result<TtlChange, ApiError> {
        match (self.ttl, self.persist) {
            (None, true) | (Some(-1), false) => Ok(TtlChange::Persist),
            (Some(seconds), false) if seconds > 0 => Ok(TtlChange::Seconds(seconds.unsigned_abs())),
            (Some(_), false) => Err(ApiError::invalid_input(
                "a TTL must be positive seconds, or -1 for no expiry; delete the key to remove it",
            )),
            (None, false) => Err(ApiError::invalid_input(
                "send {\"ttl\": seconds} or {\"persist\": true}",
            )),
            (Some(_), true) => Err(ApiError::invalid_input(
                "send either ttl or persist, not both",
            )),
        }
    }
}

/// Sets a key's TTL in seconds, or removes it (PERSIST).
#[utoipa::path(post, path = "/redis/{conn}/keys/{key}/expire", tag = "redis",
    params(
        ("conn" = String, Path, description = "A connection's name or id"),
        ("key" = String, Path, description = "The key, percent-encoded (or base64url)"),
        KeyQuery),
    request_body = TtlInput,
    responses((status = 200, body = TtlOutput), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn expire(
    State(state): State<AppState>,
    path: KeyPath,
    ApiQuery(query): ApiQuery<KeyQuery>,
    ApiJson(body): ApiJson<TtlInput>,
) -> Result<Json<TtlOutput>, ApiError> {
    let request = Request::SetTtl {
        key: path.key,
        change: body.change()?,
    };
    match run_redis(&state, path.target, query.db, request).await? {
        Response::TtlSet(ttl) => Ok(Json(TtlOutput {
            ttl_ms: ttl.as_pttl(),
        })),
        _ => Err(unexpected()),
    }
}

/// One member of a collection, shaped by the key's type.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Element {
    /// A hash field and its value.
    Field {
        #[schema(value_type = ByteStringSchema)]
        field: ByteString,
        #[schema(value_type = ByteStringSchema)]
        value: ByteString,
    },
    /// A list item and its index.
    Item {
        index: u64,
        #[schema(value_type = ByteStringSchema)]
        value: ByteString,
    },
    /// A set member, or a sorted-set member with its score exactly as the
    /// server wrote it (`1.1`, `inf`, `100000000060000`).
    Member {
        #[schema(value_type = ByteStringSchema)]
        member: ByteString,
        #[serde(skip_serializing_if = "Option::is_none")]
        score: Option<String>,
    },
    /// A stream entry with its fields in order.
    Entry {
        id: String,
        fields: Vec<StreamField>,
    },
}

/// One field of a stream entry.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StreamField {
    #[schema(value_type = ByteStringSchema)]
    pub field: ByteString,
    #[schema(value_type = ByteStringSchema)]
    pub value: ByteString,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MembersQuery {
    pub db: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// For lists and sorted sets: the index to start at.
    pub start: Option<u64>,
    /// Members per page (at most the configured page cap).
    pub count: Option<u32>,
    /// `percent` (default) or `base64url`: how `{key}` is written.
    #[expect(
        dead_code,
        reason = "KeyPath reads it; declared here so it is documented and not refused as unknown"
    )]
    pub key_encoding: Option<String>,
}

/// One page of what a hash, list, set, sorted set or stream holds: HSCAN,
/// LRANGE, SSCAN, ZRANGE WITHSCORES or XRANGE, never the whole value.
#[utoipa::path(get, path = "/redis/{conn}/keys/{key}/members", tag = "redis",
    params(
        ("conn" = String, Path, description = "A connection's name or id"),
        ("key" = String, Path, description = "The key, percent-encoded (or base64url)"),
        MembersQuery),
    responses((status = 200, body = ListPage<Element>), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The key is a string or module type")))]
async fn members(
    State(state): State<AppState>,
    path: KeyPath,
    ApiQuery(query): ApiQuery<MembersQuery>,
) -> Result<Json<ListPage<Element>>, ApiError> {
    let window = match (&query.cursor, query.start) {
        (Some(cursor), None) => parse_cursor(cursor)?,
        (None, Some(start)) => ValueWindow::Index(start),
        (None, None) => ValueWindow::First,
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_input(
                "send either cursor or start, not both",
            ));
        }
    };
    let mut request = state.service.value_request(path.key, window);
    let cap = state.service.settings().api.max_page.max(1);
    request.count = query.count.unwrap_or(request.count).clamp(1, cap);
    let request_count = request.count;
    let Response::Value(value) =
        run_redis(&state, path.target, query.db, Request::Value(request)).await?
    else {
        return Err(unexpected());
    };
    member_page(value.page, request_count)
}

/// Cursors this API gives out: `c<n>` continues HSCAN/SSCAN, `i<n>` an
/// index, `a<id>` a stream after an entry.
fn parse_cursor(cursor: &str) -> Result<ValueWindow, ApiError> {
    let bad = || ApiError::invalid_input("cursor is not one this API gave out");
    let (tag, rest) = cursor.split_at_checked(1).ok_or_else(bad)?;
    match tag {
        "c" => rest.parse().map(ValueWindow::Cursor).map_err(|_| bad()),
        "i" => rest.parse().map(ValueWindow::Index).map_err(|_| bad()),
        "a" if is_stream_id(rest) => Ok(ValueWindow::After(rest.to_owned())),
        _ => Err(bad()),
    }
}

/// A full stream entry ID as XRANGE returns it: `<ms>-<seq>`.
fn is_stream_id(text: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    text.split_once('-')
        .is_some_and(|(ms, seq)| digits(ms) && digits(seq))
}

/// Turns a value page into members and the cursor that continues it;
/// `count` is what was asked for, so a full stream page may have more.
fn member_page(page: ValuePage, count: u32) -> Result<Json<ListPage<Element>>, ApiError> {
    let (items, next_cursor): (Vec<Element>, Option<String>) = match page {
        ValuePage::Hash {
            entries,
            next_cursor,
            ..
        } => (
            entries
                .into_iter()
                .map(|e| Element::Field {
                    field: e.field,
                    value: e.value,
                })
                .collect(),
            next_cursor.map(|c| format!("c{c}")),
        ),
        ValuePage::Set {
            members,
            next_cursor,
            ..
        } => (
            members
                .into_iter()
                .map(|member| Element::Member {
                    member,
                    score: None,
                })
                .collect(),
            next_cursor.map(|c| format!("c{c}")),
        ),
        ValuePage::List {
            total,
            start,
            items,
        } => {
            let end = start + items.len() as u64;
            let items = (start..)
                .zip(items)
                .map(|(index, value)| Element::Item { index, value });
            (items.collect(), (end < total).then(|| format!("i{end}")))
        }
        ValuePage::Zset {
            total,
            start,
            members,
        } => {
            let end = start + members.len() as u64;
            let items = members.into_iter().map(|m| Element::Member {
                member: m.member,
                score: Some(m.score),
            });
            (items.collect(), (end < total).then(|| format!("i{end}")))
        }
        ValuePage::Stream {
            entries, last_id, ..
        } => {
            let more = entries.len() as u64 >= u64::from(count);
            let items = entries.into_iter().map(|entry| Element::Entry {
                id: entry.id,
                fields: entry
                    .fields
                    .into_iter()
                    .map(|f| StreamField {
                        field: f.field,
                        value: f.value,
                    })
                    .collect(),
            });
            (
                items.collect(),
                last_id.filter(|_| more).map(|id| format!("a{id}")),
            )
        }
        ValuePage::String { .. } | ValuePage::Json { .. } | ValuePage::Module { .. } => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "wrong_type",
                "this key has no members; read its value with GET on the key",
            ));
        }
    };
    let scanned = items.len() as u64;
    Ok(Json(ListPage {
        complete: next_cursor.is_none(),
        items,
        next_cursor,
        scanned,
    }))
}
