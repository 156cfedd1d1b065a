//! MongoDB values as text: the query and editor parser, the editor writer,
//! the one-line display, and Extended JSON v2 for the API.
//!
//! The parser reads what people type or paste: strict JSON, Extended JSON v2
//! (canonical and relaxed) and the shell literals (`ObjectId("…")`,
//! `NumberLong(…)`, `/re/i`, unquoted keys, single quotes, trailing commas).
//! Integer literals become Int32 when they fit, else Int64 with every digit
//! kept; an integer beyond the Int64 range is refused rather than rounded to
//! a Double, so no digit is ever lost silently. Numbers with a point or an
//! exponent are Doubles.
//!
//! The editor text ([`to_text`]) is shell style and reads back through
//! [`parse_document`] into an identical document: Int64 as
//! `NumberLong("…")`, Double always with a point or exponent, dates as
//! `ISODate("…")` (or `Date(<millis>)` outside years 0 to 9999), UUIDs as
//! `UUID("…")`, other binaries as `BinData(n, "<base64>")`. A sub-document
//! whose keys would read as an Extended JSON wrapper (a stored
//! `{"$oid": "…"}`) is written `Document({…})`, which keeps it literal.
//!
//! Nothing here does I/O; the mongodb crate stays out, only `bson` values.

mod datetime;
mod json;
mod literals;
mod parse;
mod write;

#[cfg(test)]
mod tests;

use bson::{Bson, Document};

pub use json::{to_canonical_json, to_relaxed_json};
pub use write::{display_value, legacy_uuid, summary, to_text, type_name};

/// Text that is not a value, with where the reading stopped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line}, column {column}")]
pub struct TextError {
    /// What was wrong, in words for the user.
    pub message: String,
    /// Byte offset into the text.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

/// Reads one document (a filter, a projection, an edited document).
///
/// The outer braces are always a plain document, never an Extended JSON
/// wrapper, so `{$date: 1}` as a whole filter stays a document.
pub fn parse_document(text: &str) -> Result<Document, TextError> {
    parse::Parser::new(text).whole(parse::Parser::top_document)
}

/// Reads any single value (`42`, `"a"`, `ObjectId("…")`, `{…}`).
pub fn parse_value(text: &str) -> Result<Bson, TextError> {
    parse::Parser::new(text).whole(parse::Parser::value)
}

/// Reads an array of values, such as an aggregation pipeline.
pub fn parse_array(text: &str) -> Result<Vec<Bson>, TextError> {
    parse::Parser::new(text).whole(parse::Parser::top_array)
}
