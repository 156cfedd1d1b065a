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
