//! What the `/mongo/{conn}/…` routes share: running a request on a MongoDB
//! connection, reading Extended JSON strictly, and writing documents back
//! in the encoding the caller asked for.
//!
//! Input is Extended JSON v2 (canonical or relaxed) and nothing else: the
//! shell literals the TUI accepts (`ObjectId("…")`, unquoted keys) are a
//! 400 here, so a script never depends on a guess. A JSON number becomes an
//! Int32 when it fits, else an Int64, else a Double, as the EJSON
//! specification says; `{"$numberLong": "…"}` keeps any Int64 exact. Output
//! is relaxed EJSON with the exactness rule (an Int64 or Double a JSON
//! double would round is written canonical), or canonical with
//! `?ejson=canonical`.

use bson::{Bson, Document};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::unexpected;
use crate::api::error::ApiError;
use crate::api::state::AppState;
use crate::domain::mongo_text::{to_canonical_json, to_relaxed_json};
use crate::domain::{ConnectTarget, Kind};
use crate::worker::{Job, MongoRequest, MongoResponse, Request, Response};

/// The Extended JSON keys that make an object a typed value rather than a
/// document. An object holding one of them is read by bson's EJSON reader,
/// which refuses it unless it is exactly that wrapper.
const WRAPPERS: [&str; 16] = [
    "$oid",
    "$symbol",
    "$regularExpression",
    "$numberInt",
    "$numberLong",
    "$numberDouble",
    "$numberDecimal",
    "$binary",
    "$uuid",
    "$code",
    "$timestamp",
    "$date",
    "$minKey",
    "$maxKey",
    "$dbPointer",
    "$undefined",
];

/// Runs one request on a MongoDB connection. Dropping the future (client
/// gone, timeout) cancels it; a write clears the connection's cached lists.
pub(super) async fn run_mongo(
    state: &AppState,
    target: ConnectTarget,
    request: MongoRequest,
) -> Result<MongoResponse, ApiError> {
    if target.kind != Kind::Mongo {
        return Err(ApiError::not_found(format!(
            "{:?} is a {} connection, not MongoDB",
            target.name, target.kind
        )));
    }
    let (id, writes) = (target.id, request.is_write());
    let job = Job {
        target,
        db: 0,
        request: Request::Mongo(Box::new(request)),
    };
    let response = state.service.run(job).await?;
    if writes {
        state.cache.invalidate(id);
    }
    match response {
        Response::Mongo(response) => Ok(response),
        _ => Err(unexpected()),
    }
}

/// How documents are written in a reply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Ejson {
    /// Relaxed Extended JSON v2, with canonical wrappers for any Int64 or
    /// Double a JSON double would round.
    #[default]
    Relaxed,
    /// Canonical Extended JSON v2: every number and date in its wrapper.
    Canonical,
}

impl Ejson {
    pub(super) fn value(self, value: &Bson) -> Value {
        match self {
            Self::Relaxed => to_relaxed_json(value),
            Self::Canonical => to_canonical_json(value),
        }
    }

    pub(super) fn document(self, document: Document) -> Value {
        self.value(&Bson::Document(document))
    }
}

/// Reads EJSON text (a query parameter) as a document; `what` names it in
/// the error, which gives the line and column.
pub(super) fn document_text(what: &str, text: &str) -> Result<Document, ApiError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::invalid_input(format!("{what} is not valid Extended JSON: {e}")))?;
    document_value(what, value)
}

/// Reads EJSON text as any value (an `_id`).
pub(super) fn value_text(what: &str, text: &str) -> Result<Bson, ApiError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::invalid_input(format!("{what} is not valid Extended JSON: {e}")))?;
    convert(value, &mut String::new())
        .map_err(|e| ApiError::invalid_input(format!("{what} is not valid Extended JSON: {e}")))
}

/// Reads a JSON value already parsed (a request body) as a document.
pub(super) fn document_value(what: &str, value: Value) -> Result<Document, ApiError> {
    let invalid =
        |e: String| ApiError::invalid_input(format!("{what} is not valid Extended JSON: {e}"));
    let Value::Object(map) = value else {
        return Err(invalid("expected a document ({…})".into()));
    };
    if is_wrapper(&map) {
        return Err(invalid("expected a document, found a typed value".into()));
    }
    let mut path = String::new();
    fields(map, &mut path).map_err(invalid)
}

fn is_wrapper(map: &Map<String, Value>) -> bool {
    map.keys().any(|key| WRAPPERS.contains(&key.as_str()))
}

/// Converts one value, keeping `path` (`/a/0/b`) so an error says where.
fn convert(value: Value, path: &mut String) -> Result<Bson, String> {
    match value {
        Value::Object(map) if is_wrapper(&map) => {
            Bson::try_from(Value::Object(map)).map_err(|e| format!("{e} at {}", shown(path)))
        }
        Value::Object(map) => fields(map, path).map(Bson::Document),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.into_iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("/{index}"));
                out.push(convert(item, path)?);
                path.truncate(len);
            }
            Ok(Bson::Array(out))
        }
        scalar => Bson::try_from(scalar).map_err(|e| format!("{e} at {}", shown(path))),
    }
}

fn fields(map: Map<String, Value>, path: &mut String) -> Result<Document, String> {
    let mut document = Document::new();
    for (key, value) in map {
        let len = path.len();
        path.push('/');
        path.push_str(&key);
        let value = convert(value, path)?;
        path.truncate(len);
        document.insert(key, value);
    }
    Ok(document)
}

fn shown(path: &str) -> &str {
    if path.is_empty() {
        "the top level"
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use bson::{Binary, doc, oid::ObjectId, spec::BinarySubtype};

    use super::*;

    #[test]
    fn canonical_and_relaxed_ejson_keep_types_and_order() {
        let read = document_text(
            "the filter",
            r#"{"z": {"$numberLong": "9223372036854775807"}, "a": 1, "big": 3000000000,
                "x": 7.0, "o": {"$oid": "5f1d7a2b3c4d5e6f7a8b9c0d"},
                "$concatArrays": ["$x"], "a.b": {"$numberInt": "2"}}"#,
        )
        .unwrap();
        let oid = ObjectId::parse_str("5f1d7a2b3c4d5e6f7a8b9c0d").unwrap();
        let expected = doc! {
            "z": i64::MAX, "a": 1_i32, "big": 3_000_000_000_i64, "x": 7.0,
            "o": oid, "$concatArrays": ["$x"], "a.b": 2_i32,
        };
        assert_eq!(read, expected);
        let keys: Vec<&str> = read.keys().map(String::as_str).collect();
        assert_eq!(keys, ["z", "a", "big", "x", "o", "$concatArrays", "a.b"]);
    }

    #[test]
    fn shell_literals_and_broken_wrappers_are_refused_with_a_place() {
        let shell = document_text(
            "the filter",
            r#"{_id: ObjectId("5f1d7a2b3c4d5e6f7a8b9c0d")}"#,
        )
        .unwrap_err();
        assert_eq!(shell.code, "invalid_input");
        assert!(shell.detail.contains("line 1 column 2"), "{}", shell.detail);

        let wrapper = document_text("the filter", r#"{"a": [1, {"$oid": "nothex"}]}"#).unwrap_err();
        assert!(wrapper.detail.contains("/a/1"), "{}", wrapper.detail);

        let top = document_text("the filter", r#"{"$numberLong": "5"}"#).unwrap_err();
        assert!(top.detail.contains("typed value"), "{}", top.detail);
        assert!(document_text("the filter", "[1]").is_err());
    }

    #[test]
    fn ids_of_every_type_are_read_as_written() {
        let uuid = Binary {
            subtype: BinarySubtype::Uuid,
            bytes: vec![
                0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef, 0x81, 0x23, 0x45, 0x67, 0x89, 0xab,
                0xcd, 0xef,
            ],
        };
        let cases = [
            ("1", Bson::Int32(1)),
            (r#""1""#, Bson::String("1".into())),
            (r#"{"$numberLong":"5"}"#, Bson::Int64(5)),
            ("1.5", Bson::Double(1.5)),
            (
                r#"{"$uuid":"12345678-9abc-4def-8123-456789abcdef"}"#,
                Bson::Binary(uuid),
            ),
            (r#"{"a":1,"b":2}"#, Bson::Document(doc! {"a": 1, "b": 2})),
        ];
        for (text, expected) in cases {
            assert_eq!(value_text("the id", text).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn replies_are_relaxed_with_exact_int64_or_canonical_on_request() {
        let document =
            doc! {"seed": 7_578_014_686_129_131_386_i64, "small": 42_i64, "i": 7, "d": 7.0};
        let relaxed = Ejson::Relaxed.document(document.clone());
        assert_eq!(
            relaxed["seed"],
            serde_json::json!({"$numberLong": "7578014686129131386"})
        );
        assert_eq!(relaxed["small"], serde_json::json!(42));
        let canonical = Ejson::Canonical.document(document);
        assert_eq!(canonical["i"], serde_json::json!({"$numberInt": "7"}));
        assert_eq!(canonical["d"], serde_json::json!({"$numberDouble": "7.0"}));
    }
}
