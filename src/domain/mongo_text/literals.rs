//! What a parsed `{ "$…": … }` wrapper or a shell call such as
//! `NumberLong("7")` stands for.
//!
//! A document is read as an Extended JSON wrapper only when its keys are
//! exactly one wrapper's keys (`{$oid}`, `{$code, $scope}` …); then its
//! content must be right or the text is refused. Anything else, such as
//! the query operator pair `{$regex, $options}`, stays a document.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bson::spec::BinarySubtype;
use bson::{Binary, Bson, DateTime, Decimal128, Document, JavaScriptCodeWithScope, Timestamp};

use super::datetime::parse_iso;
use super::parse::scalars::regex_value;

/// The editor's escape for a document that would otherwise read as a wrapper.
pub(super) const LITERAL_DOCUMENT: &str = "Document";

/// Key sets that make a document an Extended JSON v2 wrapper.
const WRAPPERS: &[&[&str]] = &[
    &["$oid"],
    &["$date"],
    &["$numberInt"],
    &["$numberLong"],
    &["$numberDouble"],
    &["$numberDecimal"],
    &["$binary"],
    &["$binary", "$type"],
    &["$uuid"],
    &["$timestamp"],
    &["$regularExpression"],
    &["$minKey"],
    &["$maxKey"],
    &["$undefined"],
    &["$code"],
    &["$code", "$scope"],
    &["$symbol"],
    &["$dbPointer"],
];

/// Whether these keys, in any order, are a wrapper's keys.
pub(super) fn is_wrapper_shaped(document: &Document) -> bool {
    WRAPPERS.iter().any(|keys| {
        keys.len() == document.len() && keys.iter().all(|key| document.contains_key(key))
    })
}

/// The value a wrapper stands for, or the document itself if it is none.
pub(super) fn from_wrapper(document: Document) -> Result<Bson, String> {
    if !is_wrapper_shaped(&document) {
        return Ok(Bson::Document(document));
    }
    // The two-key wrappers are named by their first key in the spec, but
    // the text may list the keys in any order.
    let key = ["$code", "$binary"]
        .into_iter()
        .find(|key| document.contains_key(key))
        .or_else(|| document.keys().next().map(String::as_str))
        .unwrap_or_default();
    let value = document.get(key).unwrap_or(&Bson::Null);
    match key {
        "$oid" => object_id(value),
        "$date" => wrapped_date(value),
        "$numberInt" => text_of(value, key).and_then(int32_text).map(Bson::Int32),
        "$numberLong" => text_of(value, key).and_then(int64_text).map(Bson::Int64),
        "$numberDouble" => text_of(value, key).and_then(double_text).map(Bson::Double),
        "$numberDecimal" => text_of(value, key).and_then(decimal_text),
        "$binary" => wrapped_binary(&document),
        "$uuid" => text_of(value, key).and_then(uuid_text),
        "$timestamp" => wrapped_timestamp(value),
        "$regularExpression" => wrapped_regex(value),
        "$minKey" | "$maxKey" | "$undefined" => flag_wrapper(key, value),
        "$code" => wrapped_code(&document),
        "$symbol" => text_of(value, key).map(|text| Bson::Symbol(text.to_owned())),
        _ => db_pointer(document),
    }
}

/// The value of a shell word: `true`, `MinKey`, `ObjectId("…")` …
/// `args` is `None` when the word had no parentheses.
pub(super) fn from_call(name: &str, args: Option<Vec<Bson>>) -> Result<Bson, String> {
    match (name, args.as_deref()) {
        ("true", None) => Ok(Bson::Boolean(true)),
        ("false", None) => Ok(Bson::Boolean(false)),
        ("null", None) => Ok(Bson::Null),
        ("undefined", None) => Ok(Bson::Undefined),
        ("NaN", None) => Ok(Bson::Double(f64::NAN)),
        ("Infinity", None) => Ok(Bson::Double(f64::INFINITY)),
        ("MinKey", None | Some([])) => Ok(Bson::MinKey),
        ("MaxKey", None | Some([])) => Ok(Bson::MaxKey),
        (_, Some(args)) => call(name, args),
        (_, None) => Err(format!(
            "unknown word \"{name}\"; quote it if it is a string"
        )),
    }
}

fn call(name: &str, args: &[Bson]) -> Result<Bson, String> {
    match (name, args) {
        ("ObjectId", [Bson::String(hex)]) => object_id_text(hex),
        ("ISODate" | "Date", [arg]) => date_arg(arg).map(Bson::DateTime),
        ("NumberLong" | "Long", [arg]) => int64_arg(arg).map(Bson::Int64),
        ("NumberInt" | "Int32", [arg]) => int32_arg(arg).map(Bson::Int32),
        ("Double" | "NumberDouble", [arg]) => double_arg(arg).map(Bson::Double),
        ("NumberDecimal" | "Decimal128", [Bson::String(text)]) => decimal_text(text),
        ("NumberDecimal" | "Decimal128", [arg @ (Bson::Int32(_) | Bson::Int64(_))]) => {
            decimal_text(&integer_text(arg))
        }
        ("UUID", [Bson::String(text)]) => uuid_text(text),
        ("BinData", [subtype, Bson::String(base64)]) => bin_data(subtype, base64),
        ("Timestamp", [seconds, increment]) => timestamp(seconds, increment),
        ("Timestamp", [Bson::Document(parts)]) => timestamp_parts(parts),
        ("RegExp", [Bson::String(pattern)]) => regex_value(pattern.clone(), String::new()),
        ("RegExp", [Bson::String(pattern), Bson::String(flags)]) => {
            regex_value(pattern.clone(), flags.clone())
        }
        ("Code", [Bson::String(code)]) => Ok(Bson::JavaScriptCode(code.clone())),
        ("Code", [Bson::String(code), Bson::Document(scope)]) => Ok(code_with_scope(code, scope)),
        ("Symbol", [Bson::String(text)]) => Ok(Bson::Symbol(text.clone())),
        ("DBPointer", [Bson::String(namespace), Bson::ObjectId(id)]) => {
            let mut pointer = Document::new();
            pointer.insert("$ref", namespace.clone());
            pointer.insert("$id", Bson::ObjectId(*id));
            db_pointer(bson::doc! { "$dbPointer": pointer })
        }
        _ => Err(call_help(name)),
    }
}

fn call_help(name: &str) -> String {
    let usage = match name {
        "ObjectId" => "ObjectId(\"<24 hex digits>\")",
        "ISODate" | "Date" => "ISODate(\"2024-05-01T12:00:00Z\") or Date(<milliseconds>)",
        "NumberLong" | "Long" => "NumberLong(\"<integer>\")",
        "NumberInt" | "Int32" => "NumberInt(<integer>)",
        "Double" | "NumberDouble" => "Double(<number>)",
        "NumberDecimal" | "Decimal128" => "NumberDecimal(\"<decimal>\")",
        "UUID" => "UUID(\"<32 hex digits>\")",
        "BinData" => "BinData(<subtype 0-255>, \"<base64>\")",
        "Timestamp" => "Timestamp(<seconds>, <increment>)",
        "RegExp" => "RegExp(\"<pattern>\", \"<flags>\")",
        "Code" => "Code(\"<code>\") or Code(\"<code>\", {<scope>})",
        "Symbol" => "Symbol(\"<text>\")",
        "DBPointer" => "DBPointer(\"<namespace>\", ObjectId(\"…\"))",
        _ => return format!("unknown function {name}(…)"),
    };
    format!("wrong arguments for {name}: write {usage}")
}

fn text_of<'v>(value: &'v Bson, key: &str) -> Result<&'v str, String> {
    match value {
        Bson::String(text) => Ok(text),
        _ => Err(format!("{key} needs a string value")),
    }
}

fn object_id(value: &Bson) -> Result<Bson, String> {
    text_of(value, "$oid").and_then(object_id_text)
}

fn object_id_text(hex: &str) -> Result<Bson, String> {
    bson::oid::ObjectId::parse_str(hex)
        .map(Bson::ObjectId)
        .map_err(|_| format!("\"{hex}\" is not an ObjectId: it needs 24 hex digits"))
}

fn int32_text(text: &str) -> Result<i32, String> {
    strict_integer(text)
        .and_then(|value| i32::try_from(value).ok())
        .ok_or_else(|| format!("\"{text}\" is not an Int32"))
}

fn int64_text(text: &str) -> Result<i64, String> {
    strict_integer(text).ok_or_else(|| format!("\"{text}\" is not an Int64"))
}

/// Optional '-', then digits only: no '+', spaces or points.
fn strict_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let plain = !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit());
    plain.then(|| text.parse().ok()).flatten()
}

fn double_text(text: &str) -> Result<f64, String> {
    match text {
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => text
            .parse::<f64>()
            .ok()
            .filter(|value| value.is_finite())
            .ok_or_else(|| format!("\"{text}\" is not a Double")),
    }
}

fn decimal_text(text: &str) -> Result<Bson, String> {
    text.parse::<Decimal128>()
        .map(Bson::Decimal128)
        .map_err(|_| format!("\"{text}\" is not a Decimal128"))
}

fn integer_text(value: &Bson) -> String {
    match value {
        Bson::Int32(value) => value.to_string(),
        Bson::Int64(value) => value.to_string(),
        _ => String::new(),
    }
}

fn int64_arg(arg: &Bson) -> Result<i64, String> {
    match arg {
        Bson::Int32(value) => Ok(i64::from(*value)),
        Bson::Int64(value) => Ok(*value),
        Bson::String(text) => int64_text(text),
        _ => Err(call_help("NumberLong")),
    }
}

fn int32_arg(arg: &Bson) -> Result<i32, String> {
    match arg {
        Bson::Int32(value) => Ok(*value),
        Bson::String(text) => int32_text(text),
        _ => Err(format!(
            "{} (the value must fit an Int32)",
            call_help("NumberInt")
        )),
    }
}

fn double_arg(arg: &Bson) -> Result<f64, String> {
    match arg {
        Bson::Double(value) => Ok(*value),
        Bson::Int32(value) => Ok(f64::from(*value)),
        Bson::String(text) => double_text(text),
        _ => Err(format!(
            "{} (or a string such as \"1e19\")",
            call_help("Double")
        )),
    }
}

fn date_arg(arg: &Bson) -> Result<DateTime, String> {
    match arg {
        Bson::String(text) => parse_iso(text).map(DateTime::from_millis),
        Bson::Int32(_) | Bson::Int64(_) => int64_arg(arg).map(DateTime::from_millis),
        _ => Err(call_help("ISODate")),
    }
}

fn wrapped_date(value: &Bson) -> Result<Bson, String> {
    let millis = match value {
        Bson::String(text) => parse_iso(text)?,
        Bson::Int64(millis) => *millis,
        Bson::Int32(millis) => i64::from(*millis),
        _ => return Err("$date needs an ISO-8601 string or {\"$numberLong\": \"…\"}".into()),
    };
    Ok(Bson::DateTime(DateTime::from_millis(millis)))
}

fn uuid_text(text: &str) -> Result<Bson, String> {
    let hex: String = text.chars().filter(|ch| *ch != '-').collect();
    let bytes = decode_hex(&hex)
        .filter(|bytes| bytes.len() == 16)
        .ok_or_else(|| format!("\"{text}\" is not a UUID: it needs 32 hex digits"))?;
    Ok(Bson::Binary(Binary {
        subtype: BinarySubtype::Uuid,
        bytes,
    }))
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).ok())
        .collect()
}

fn bin_data(subtype: &Bson, base64: &str) -> Result<Bson, String> {
    let subtype = match subtype {
        Bson::Int32(value) => u8::try_from(*value).ok(),
        _ => None,
    }
    .ok_or_else(|| call_help("BinData"))?;
    binary(subtype, base64)
}

fn binary(subtype: u8, base64: &str) -> Result<Bson, String> {
    let bytes = STANDARD
        .decode(base64)
        .map_err(|_| format!("\"{base64}\" is not base64"))?;
    Ok(Bson::Binary(Binary {
        subtype: BinarySubtype::from(subtype),
        bytes,
    }))
}

/// `{$binary: {base64, subType}}` (v2) or `{$binary: "…", $type: "00"}` (v1).
fn wrapped_binary(document: &Document) -> Result<Bson, String> {
    let bad = || "$binary needs {\"base64\": \"…\", \"subType\": \"<hex>\"}".to_owned();
    let (base64, subtype) = match (document.get("$binary"), document.get("$type")) {
        (Some(Bson::Document(inner)), None) if inner.len() == 2 => {
            (inner.get_str("base64"), inner.get_str("subType"))
        }
        (Some(Bson::String(base64)), Some(Bson::String(subtype))) => {
            (Ok(base64.as_str()), Ok(subtype.as_str()))
        }
        _ => return Err(bad()),
    };
    let (Ok(base64), Ok(subtype)) = (base64, subtype) else {
        return Err(bad());
    };
    let subtype = (subtype.len() <= 2)
        .then(|| u8::from_str_radix(subtype, 16).ok())
        .flatten()
        .ok_or_else(bad)?;
    binary(subtype, base64)
}

fn timestamp(seconds: &Bson, increment: &Bson) -> Result<Bson, String> {
    let part = |value: &Bson| match value {
        Bson::Int32(value) => u32::try_from(*value).ok(),
        Bson::Int64(value) => u32::try_from(*value).ok(),
        _ => None,
    };
    match (part(seconds), part(increment)) {
        (Some(time), Some(increment)) => Ok(Bson::Timestamp(Timestamp { time, increment })),
        _ => Err("Timestamp needs two whole numbers from 0 to 4294967295".into()),
    }
}

fn timestamp_parts(parts: &Document) -> Result<Bson, String> {
    match (parts.get("t"), parts.get("i")) {
        (Some(seconds), Some(increment)) if parts.len() == 2 => timestamp(seconds, increment),
        _ => Err("a timestamp needs {t: <seconds>, i: <increment>}".into()),
    }
}

fn wrapped_timestamp(value: &Bson) -> Result<Bson, String> {
    match value {
        Bson::Document(parts) => timestamp_parts(parts),
        _ => Err("$timestamp needs {\"t\": …, \"i\": …}".into()),
    }
}

fn wrapped_regex(value: &Bson) -> Result<Bson, String> {
    let bad = || "$regularExpression needs {\"pattern\": \"…\", \"options\": \"…\"}".to_owned();
    let Bson::Document(parts) = value else {
        return Err(bad());
    };
    match (parts.get_str("pattern"), parts.get_str("options")) {
        (Ok(pattern), Ok(options)) if parts.len() == 2 => {
            regex_value(pattern.to_owned(), options.to_owned())
        }
        _ => Err(bad()),
    }
}

fn flag_wrapper(key: &str, value: &Bson) -> Result<Bson, String> {
    match (key, value) {
        ("$minKey", Bson::Int32(1)) => Ok(Bson::MinKey),
        ("$maxKey", Bson::Int32(1)) => Ok(Bson::MaxKey),
        ("$undefined", Bson::Boolean(true)) => Ok(Bson::Undefined),
        ("$undefined", _) => Err("$undefined needs the value true".into()),
        _ => Err(format!("{key} needs the value 1")),
    }
}

fn wrapped_code(document: &Document) -> Result<Bson, String> {
    let code = document.get("$code").ok_or("$code is missing")?;
    let code = text_of(code, "$code")?;
    match document.get("$scope") {
        None => Ok(Bson::JavaScriptCode(code.to_owned())),
        Some(Bson::Document(scope)) => Ok(code_with_scope(code, scope)),
        Some(_) => Err("$scope needs a document".into()),
    }
}

fn code_with_scope(code: &str, scope: &Document) -> Bson {
    Bson::JavaScriptCodeWithScope(JavaScriptCodeWithScope {
        code: code.to_owned(),
        scope: scope.clone(),
    })
}

/// A DBPointer can only be built by bson's own Extended JSON reader, so the
/// parsed parts go back through it.
fn db_pointer(document: Document) -> Result<Bson, String> {
    let bad = || "$dbPointer needs {\"$ref\": \"…\", \"$id\": ObjectId(\"…\")}".to_owned();
    let Ok(Bson::Document(pointer)) = document.get("$dbPointer").cloned().ok_or(()) else {
        return Err(bad());
    };
    let (Ok(namespace), Some(Bson::ObjectId(id))) = (pointer.get_str("$ref"), pointer.get("$id"))
    else {
        return Err(bad());
    };
    if pointer.len() != 2 {
        return Err(bad());
    }
    let json = serde_json::json!({"$dbPointer": {"$ref": namespace, "$id": {"$oid": id.to_hex()}}});
    Bson::try_from(json).map_err(|_| bad())
}
