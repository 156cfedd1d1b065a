//! Schema-only types: how values whose serde form is hand-written (byte
//! strings) look in the OpenAPI document. Nothing is encoded through them.

use serde::Serialize;

/// A byte string (a Redis key, member or value): a JSON string when the
/// bytes are valid UTF-8, else `{"base64": "..."}`. Requests may send
/// either form.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "only its schema is used")]
#[schema(as = ByteString)]
pub enum ByteStringSchema {
    Text(String),
    Binary {
        /// The bytes in standard base64.
        base64: String,
    },
}

/// A hash field, or a stream entry's field, with its value.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldValueSchema {
    field: ByteStringSchema,
    value: ByteStringSchema,
}

/// A sorted-set member with its score as exact text (`1.1`, `inf`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct MemberScoreSchema {
    member: ByteStringSchema,
    score: String,
}

/// A stream's first entry: its ID (`*` by default) and fields in order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StreamEntrySchema {
    id: Option<String>,
    fields: Vec<FieldValueSchema>,
}

/// A new key's value, shaped by its type: a byte string (string), fields
/// with values (hash), items (list), members (set), members with scores
/// (zset), or one entry (stream). Collections need at least one member.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "only its schema is used")]
pub enum NewValueSchema {
    String(ByteStringSchema),
    Hash(Vec<FieldValueSchema>),
    ListOrSet(Vec<ByteStringSchema>),
    Zset(Vec<MemberScoreSchema>),
    Stream(StreamEntrySchema),
}
