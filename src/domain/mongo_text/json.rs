//! Extended JSON v2 for the API: relaxed with exact numbers, or canonical.
//!
//! Relaxed EJSON writes Int64 as a plain JSON number, which a JavaScript
//! client reads as a double and rounds past 2^53; here such an Int64 (and a
//! Double that JSON cannot hold: NaN and the infinities) is written in its
//! canonical wrapper instead, so no reader loses a digit.

use bson::{Bson, Regex};
use serde_json::{Map, Value, json};

use super::datetime::format_iso;

/// Integers up to this magnitude are exact in an IEEE double.
const EXACT_IN_DOUBLE: i64 = 1 << 53;

/// Relaxed Extended JSON v2, except for numbers a JSON double would round.
pub fn to_relaxed_json(value: &Bson) -> Value {
    match value {
        Bson::Document(document) => Value::Object(
            document
                .iter()
                .map(|(key, value)| (key.clone(), to_relaxed_json(value)))
                .collect::<Map<_, _>>(),
        ),
        Bson::Array(items) => Value::Array(items.iter().map(to_relaxed_json).collect()),
        Bson::Int32(value) => json!(value),
        Bson::Int64(value) if value.unsigned_abs() <= EXACT_IN_DOUBLE.unsigned_abs() => {
            json!(value)
        }
        Bson::Double(value) if value.is_finite() => json!(value),
        Bson::DateTime(date) => relaxed_date(date.timestamp_millis()),
        Bson::JavaScriptCodeWithScope(code) => json!({
            "$code": code.code,
            "$scope": to_relaxed_json(&Bson::Document(code.scope.clone())),
        }),
        Bson::RegularExpression(regex) => regex_json(regex),
        other => other.clone().into_canonical_extjson(),
    }
}

/// Canonical Extended JSON v2: every number and date in its wrapper.
pub fn to_canonical_json(value: &Bson) -> Value {
    match value {
        Bson::Document(document) => Value::Object(
            document
                .iter()
                .map(|(key, value)| (key.clone(), to_canonical_json(value)))
                .collect::<Map<_, _>>(),
        ),
        Bson::Array(items) => Value::Array(items.iter().map(to_canonical_json).collect()),
        Bson::RegularExpression(regex) => regex_json(regex),
        other => other.clone().into_canonical_extjson(),
    }
}

/// bson's own writer sorts the options; they are written as stored here.
fn regex_json(regex: &Regex) -> Value {
    json!({ "$regularExpression": {
        "pattern": regex.pattern.as_str(),
        "options": regex.options.as_str(),
    } })
}

/// The spec's relaxed form: an ISO string for years 1970 to 9999, else the
/// canonical millisecond count.
fn relaxed_date(millis: i64) -> Value {
    match format_iso(millis) {
        Some(iso) if millis >= 0 => json!({ "$date": iso }),
        _ => json!({ "$date": { "$numberLong": millis.to_string() } }),
    }
}
