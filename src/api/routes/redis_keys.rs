//! `/redis/{conn}/databases` and `/redis/{conn}/keys`: the databases of a
//! server, pages of its keys with their metadata, and creating a key.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ListPage, cached, run_redis, unexpected};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{ApiJson, ApiQuery, Conn};
use crate::api::state::AppState;
use crate::domain::ByteString;
use crate::domain::redis::{KeyFilter, KeyInfo, KeyType, Probe};
use crate::domain::redis_edit::NewValue;
use crate::worker::{Request, Response};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(databases))
        .routes(routes!(list_keys, create_key))
}

/// A database of the server and its key count, when INFO tells it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Database {
    pub index: u32,
    pub keys: Option<u64>,
    /// The server is a Redis Cluster: database 0 is its only database, and
    /// `keys` counts the keys of every primary.
    pub cluster: bool,
}

/// A key with its metadata, as one line of `dbdeck keys --json` too.
#[derive(Serialize, utoipa::ToSchema)]
pub struct KeyItem {
    #[schema(value_type = crate::api::schema::ByteStringSchema)]
    pub key: ByteString,
    /// The key's type; `null` when the server would not say (ACL) or the
    /// key vanished since SCAN found it (then `ttl_ms` is -2).
    #[serde(rename = "type")]
    pub key_type: Option<String>,
    /// PTTL: milliseconds left, -1 for no expiry, -2 when the key no longer
    /// exists; `null` when the server would not say.
    pub ttl_ms: Option<i64>,
    /// Bytes, from MEMORY USAGE; `null` when the server would not say.
    pub size: Option<u64>,
}

impl From<&KeyInfo> for KeyItem {
    fn from(info: &KeyInfo) -> Self {
        let key_type = match &info.key_type {
            Probe::Known(Some(key_type)) => Some(key_type.name().to_owned()),
            Probe::Known(None) | Probe::Unavailable => None,
        };
        Self {
            key: info.key.clone(),
            key_type,
            ttl_ms: info.ttl.known().map(|ttl| ttl.as_pttl()),
            size: info.size.known().copied(),
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DbQuery {
    /// The database number; default: the one in the connection's URL.
    pub db: Option<u32>,
}

/// Lists the server's databases with their key counts (cached briefly).
#[utoipa::path(get, path = "/redis/{conn}/databases", tag = "redis",
    params(("conn" = String, Path, description = "A connection's name or id"), DbQuery),
    responses((status = 200, body = ListPage<Database>), (status = 404, body = Problem),
        (status = 503, body = Problem)))]
async fn databases(
    State(state): State<AppState>,
    Conn(target): Conn,
    ApiQuery(query): ApiQuery<DbQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let what = format!("databases:{:?}", query.db);
    cached(&state, &target, what, |target| async {
        let Response::Databases(found) =
            run_redis(&state, target, query.db, Request::Databases).await?
        else {
            return Err(unexpected());
        };
        let items = found
            .into_iter()
            .map(|db| Database {
                index: db.index,
                keys: db.keys,
                cluster: db.cluster,
            })
            .collect();
        Ok(ListPage::whole(items))
    })
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KeysQuery {
    /// A Redis glob pattern (`user:*`), or plain text with `literal=true`.
    /// Default: every key.
    pub pattern: Option<String>,
    /// Match `pattern` as plain text anywhere in the key name.
    #[serde(default)]
    pub literal: bool,
    /// Only keys of this type (`string`, `hash`, … or a module type name).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub key_type: Option<String>,
    /// The COUNT hint for each SCAN call (at most the configured page cap).
    pub count: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    pub db: Option<u32>,
}

/// One page of keys matching a pattern, by SCAN, with type, TTL and size.
/// A page that ran out of time budget says `complete: false` and has a
/// `next_cursor`, even when it holds no keys.
#[utoipa::path(get, path = "/redis/{conn}/keys", tag = "redis",
    params(("conn" = String, Path, description = "A connection's name or id"), KeysQuery),
    responses((status = 200, body = ListPage<KeyItem>), (status = 400, body = Problem),
        (status = 404, body = Problem), (status = 503, body = Problem)))]
async fn list_keys(
    State(state): State<AppState>,
    Conn(target): Conn,
    ApiQuery(query): ApiQuery<KeysQuery>,
) -> Result<Json<ListPage<KeyItem>>, ApiError> {
    let pattern = query.pattern.unwrap_or_default();
    let filter = if query.literal {
        KeyFilter::Literal(pattern)
    } else {
        KeyFilter::Glob(pattern)
    };
    let key_type = query.key_type.as_deref().map(parse_type).transpose()?;
    let mut scan = state.service.scan_request(filter, key_type);
    let cap = state.service.settings().api.max_page;
    scan.count = query.count.unwrap_or(scan.count).clamp(1, cap.max(1));
    if let Some(cursor) = &query.cursor {
        scan.cursor = cursor
            .parse()
            .map_err(|_| ApiError::invalid_input("cursor is not one this API gave out"))?;
    }

    let Response::Keys(page) = run_redis(&state, target, query.db, Request::Scan(scan)).await?
    else {
        return Err(unexpected());
    };
    Ok(Json(ListPage {
        items: page.items.iter().map(KeyItem::from).collect(),
        next_cursor: page.next_cursor.map(|cursor| cursor.to_string()),
        complete: page.complete,
        scanned: u64::from(page.calls),
    }))
}

/// A `type` filter: a core type, or a module type's own name.
fn parse_type(name: &str) -> Result<KeyType, ApiError> {
    match KeyType::from_reply(name) {
        Some(key_type) if !name.is_empty() => Ok(key_type),
        _ => Err(ApiError::invalid_input(format!(
            "type {name:?} is not a key type"
        ))),
    }
}

/// A key to create.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    #[schema(value_type = crate::api::schema::ByteStringSchema)]
    pub key: ByteString,
    /// `string` (the default), `hash`, `list`, `set`, `zset` or `stream`.
    #[serde(rename = "type", default = "string_type")]
    pub key_type: String,
    /// Shaped by `type`: see `NewValue`.
    #[schema(value_type = crate::api::schema::NewValueSchema)]
    pub value: serde_json::Value,
    /// Seconds until the key expires; absent for no expiry.
    pub ttl: Option<u64>,
}

fn string_type() -> String {
    "string".to_owned()
}

/// Reads a new key's value in the shape its type takes, through the
/// domain type's own serde form, so both front ends check it one way.
fn new_value(key_type: &str, value: serde_json::Value) -> Result<NewValue, ApiError> {
    let tagged = match key_type {
        "string" => json!({"type": "string", "value": value}),
        "hash" => json!({"type": "hash", "entries": value}),
        "list" => json!({"type": "list", "items": value}),
        "set" => json!({"type": "set", "members": value}),
        "zset" => json!({"type": "zset", "members": value}),
        "stream" => {
            let id = value.get("id").cloned().unwrap_or_else(|| json!("*"));
            let fields = value
                .get("fields")
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            json!({"type": "stream", "id": id, "fields": fields})
        }
        other => {
            return Err(ApiError::invalid_input(format!(
                "type {other:?} cannot be created: use string, hash, list, set, zset or stream"
            )));
        }
    };
    serde_json::from_value(tagged)
        .map_err(|e| ApiError::invalid_input(format!("the value of a new {key_type} key: {e}")))
}

/// Creates a key; an existing key is never overwritten (409).
#[utoipa::path(post, path = "/redis/{conn}/keys", tag = "redis",
    params(("conn" = String, Path, description = "A connection's name or id"), DbQuery),
    request_body = NewKey,
    responses((status = 201), (status = 400, body = Problem),
        (status = 403, body = Problem, description = "The connection is read-only"),
        (status = 409, body = Problem, description = "The key exists")))]
async fn create_key(
    State(state): State<AppState>,
    Conn(target): Conn,
    ApiQuery(query): ApiQuery<DbQuery>,
    ApiJson(new): ApiJson<NewKey>,
) -> Result<StatusCode, ApiError> {
    let request = Request::CreateKey {
        key: new.key,
        value: new_value(&new.key_type, new.value)?,
        ttl: new.ttl,
    };
    match run_redis(&state, target, query.db, request).await? {
        Response::Written => Ok(StatusCode::CREATED),
        _ => Err(unexpected()),
    }
}
