//! BSON values as shell-style text: the editor's text ([`to_text`]) and the
//! screens' one-line forms ([`display_value`], [`summary`]).
//!
//! Both share one writer; they differ only where the screen wants a
//! description rather than a readable-back value (a binary's length rather
//! than its base64). Strings are escaped so no control character reaches
//! the terminal raw.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bson::spec::BinarySubtype;
use bson::{Binary, Bson, Document, Regex};

use super::datetime::format_iso;
use super::literals::{LITERAL_DOCUMENT, is_wrapper_shaped};

/// The document as editor text that [`super::parse_document`] reads back
/// into an identical document; `pretty` spreads it over indented lines.
pub fn to_text(document: &Document, pretty: bool) -> String {
    let mut writer = Writer::new(Mode::Editor, pretty);
    writer.document(document);
    writer.out
}

/// One line, exact, shell style: `NumberLong("7")`, `ISODate("…")`,
/// `BinData(0, 12 bytes)`, `UUID("…")` (subtype 4 with 16 bytes only).
pub fn display_value(value: &Bson) -> String {
    let mut writer = Writer::new(Mode::Display, false);
    writer.value(value);
    writer.out
}

/// `{ _id: 1, name: "a", … }` in at most `max_chars` characters.
pub fn summary(document: &Document, max_chars: usize) -> String {
    let mut writer = Writer::new(Mode::Display, false);
    writer.out.push('{');
    for (index, (key, value)) in document.iter().enumerate() {
        writer.out.push_str(if index == 0 { " " } else { ", " });
        writer.key(key);
        writer.value(value);
        // Stop building once the line is already too long to show.
        if writer.out.len() > max_chars.saturating_mul(4) + 4 {
            break;
        }
    }
    writer
        .out
        .push_str(if document.is_empty() { "}" } else { " }" });
    truncate_chars(writer.out, max_chars)
}

/// The BSON type's name as the screens show it.
pub fn type_name(value: &Bson) -> &'static str {
    match value {
        Bson::Double(_) => "Double",
        Bson::String(_) => "String",
        Bson::Array(_) => "Array",
        Bson::Document(_) => "Document",
        Bson::Boolean(_) => "Boolean",
        Bson::Null => "Null",
        Bson::RegularExpression(_) => "Regex",
        Bson::JavaScriptCode(_) => "Code",
        Bson::JavaScriptCodeWithScope(_) => "CodeWithScope",
        Bson::Int32(_) => "Int32",
        Bson::Int64(_) => "Int64",
        Bson::Timestamp(_) => "Timestamp",
        Bson::Binary(_) => "Binary",
        Bson::ObjectId(_) => "ObjectId",
        Bson::DateTime(_) => "Date",
        Bson::Symbol(_) => "Symbol",
        Bson::Decimal128(_) => "Decimal128",
        Bson::Undefined => "Undefined",
        Bson::MaxKey => "MaxKey",
        Bson::MinKey => "MinKey",
        Bson::DbPointer(_) => "DBPointer",
    }
}

/// A subtype 3 (legacy UUID) binary of 16 bytes read as a UUID in stored
/// byte order; drivers differ on legacy byte order, so this is one reading
/// offered beside the binary, never instead of it.
pub fn legacy_uuid(binary: &Binary) -> Option<String> {
    (binary.subtype == BinarySubtype::UuidOld && binary.bytes.len() == 16)
        .then(|| hyphenated(&binary.bytes))
}

fn truncate_chars(text: String, max_chars: usize) -> String {
    if max_chars == 0 {
        return String::new();
    }
    match text.char_indices().nth(max_chars) {
        None => text,
        Some(_) => {
            let keep = max_chars.saturating_sub(1);
            let end = text
                .char_indices()
                .nth(keep)
                .map_or(text.len(), |(at, _)| at);
            format!("{}…", &text[..end])
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Editor,
    Display,
}

struct Writer {
    out: String,
    mode: Mode,
    /// `Some(level)` when pretty-printing.
    indent: Option<usize>,
}

impl Writer {
    fn new(mode: Mode, pretty: bool) -> Self {
        Self {
            out: String::new(),
            mode,
            indent: pretty.then_some(0),
        }
    }

    fn value(&mut self, value: &Bson) {
        match value {
            Bson::Document(document) => self.nested_document(document),
            Bson::Array(items) => self.array(items),
            Bson::String(text) => self.string(text),
            Bson::Int32(value) => self.push(&value.to_string()),
            Bson::Double(value) => self.push(&double(*value)),
            Bson::Boolean(value) => self.push(if *value { "true" } else { "false" }),
            Bson::Null => self.push("null"),
            Bson::Undefined => self.push("undefined"),
            Bson::MinKey => self.push("MinKey"),
            Bson::MaxKey => self.push("MaxKey"),
            Bson::Binary(binary) => self.binary(binary),
            Bson::RegularExpression(regex) => self.regex(regex),
            Bson::JavaScriptCodeWithScope(code) => {
                self.call_start("Code", &code.code);
                self.push(", ");
                self.document(&code.scope);
                self.push(")");
            }
            _ => self.scalar_call(value),
        }
    }

    /// The types written as one `Name(…)` call with text arguments.
    fn scalar_call(&mut self, value: &Bson) {
        match value {
            Bson::Int64(value) => self.quoted_call("NumberLong", &value.to_string()),
            Bson::Decimal128(value) => self.quoted_call("NumberDecimal", &value.to_string()),
            Bson::ObjectId(id) => self.quoted_call("ObjectId", &id.to_hex()),
            Bson::JavaScriptCode(code) => self.quoted_call("Code", code),
            Bson::Symbol(text) => self.quoted_call("Symbol", text),
            Bson::DateTime(date) => match format_iso(date.timestamp_millis()) {
                Some(iso) => self.quoted_call("ISODate", &iso),
                None => self.push(&format!("Date({})", date.timestamp_millis())),
            },
            Bson::Timestamp(ts) => self.push(&format!("Timestamp({}, {})", ts.time, ts.increment)),
            Bson::DbPointer(_) => self.db_pointer(value),
            other => self.push(&format!("{other}")),
        }
    }

    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn call_start(&mut self, name: &str, text: &str) {
        self.push(name);
        self.push("(");
        self.string(text);
    }

    fn quoted_call(&mut self, name: &str, text: &str) {
        self.call_start(name, text);
        self.push(")");
    }

    fn binary(&mut self, binary: &Binary) {
        let subtype = u8::from(binary.subtype);
        if binary.subtype == BinarySubtype::Uuid && binary.bytes.len() == 16 {
            self.quoted_call("UUID", &hyphenated(&binary.bytes));
        } else if self.mode == Mode::Editor {
            self.push(&format!("BinData({subtype}, "));
            self.string(&STANDARD.encode(&binary.bytes));
            self.push(")");
        } else {
            let unit = if binary.bytes.len() == 1 {
                "byte"
            } else {
                "bytes"
            };
            self.push(&format!(
                "BinData({subtype}, {} {unit})",
                binary.bytes.len()
            ));
        }
    }

    fn regex(&mut self, regex: &Regex) {
        let (pattern, options) = (regex.pattern.as_str(), regex.options.as_str());
        let literal =
            reads_as_literal(pattern) && options.bytes().all(|b| b.is_ascii_alphanumeric());
        if literal {
            self.push(&format!("/{pattern}/{options}"));
        } else {
            self.call_start("RegExp", pattern);
            self.push(", ");
            self.string(options);
            self.push(")");
        }
    }

    /// bson keeps a DBPointer's parts private; its Extended JSON form is the
    /// one way to read them.
    fn db_pointer(&mut self, value: &Bson) {
        let json = value.clone().into_relaxed_extjson();
        let pointer = &json["$dbPointer"];
        let namespace = pointer["$ref"].as_str().unwrap_or_default();
        let id = pointer["$id"]["$oid"].as_str().unwrap_or_default();
        self.call_start("DBPointer", namespace);
        self.push(", ");
        self.quoted_call("ObjectId", id);
        self.push(")");
    }

    fn string(&mut self, text: &str) {
        self.out.push('"');
        for ch in text.chars() {
            match ch {
                '"' => self.push("\\\""),
                '\\' => self.push("\\\\"),
                '\n' => self.push("\\n"),
                '\r' => self.push("\\r"),
                '\t' => self.push("\\t"),
                _ if needs_escape(ch) => {
                    let _infallible = write!(self.out, "\\u{:04x}", u32::from(ch));
                }
                _ => self.out.push(ch),
            }
        }
        self.out.push('"');
    }

    fn key(&mut self, key: &str) {
        if is_identifier(key) {
            self.push(key);
        } else {
            self.string(key);
        }
        self.push(": ");
    }

    fn nested_document(&mut self, document: &Document) {
        if self.mode == Mode::Editor && is_wrapper_shaped(document) {
            self.push(LITERAL_DOCUMENT);
            self.push("(");
            self.document(document);
            self.push(")");
        } else {
            self.document(document);
        }
    }

    fn document(&mut self, document: &Document) {
        self.open('{', document.is_empty());
        for (index, (key, value)) in document.iter().enumerate() {
            self.separator(index);
            self.key(key);
            self.value(value);
        }
        self.close('}', document.is_empty());
    }

    fn array(&mut self, items: &[Bson]) {
        self.open('[', items.is_empty());
        for (index, item) in items.iter().enumerate() {
            self.separator(index);
            self.value(item);
        }
        self.close(']', items.is_empty());
    }

    fn open(&mut self, bracket: char, empty: bool) {
        self.out.push(bracket);
        if let (Some(level), false) = (self.indent, empty) {
            self.indent = Some(level + 1);
        }
    }

    /// Before item `index`: a comma after the first, then a newline and
    /// indent (pretty) or a space (one line, after `{` too for readability).
    fn separator(&mut self, index: usize) {
        if index > 0 {
            self.out.push(',');
        }
        match self.indent {
            Some(level) => self.newline(level),
            None if index > 0 || self.out.ends_with('{') => self.out.push(' '),
            None => {}
        }
    }

    fn close(&mut self, bracket: char, empty: bool) {
        match (self.indent, empty) {
            (_, true) => {}
            (Some(level), false) => {
                self.indent = Some(level - 1);
                self.newline(level - 1);
            }
            (None, false) if bracket == '}' => self.out.push(' '),
            (None, false) => {}
        }
        self.out.push(bracket);
    }

    fn newline(&mut self, level: usize) {
        self.out.push('\n');
        self.out.extend(std::iter::repeat_n("  ", level));
    }
}

/// Shortest text that reads back to the same bits (Rust's `{:?}` of an
/// f64 always has a point or an exponent, so it stays a Double).
fn double(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        format!("{value:?}")
    }
}

/// Control characters, line separators and bidirectional overrides are
/// escaped so a value cannot rearrange or hide text on the screen.
fn needs_escape(ch: char) -> bool {
    ch.is_control()
        || matches!(
            ch,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{feff}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&ch)
        || ('\u{2066}'..='\u{2069}').contains(&ch)
}

fn is_identifier(key: &str) -> bool {
    let mut bytes = key.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$');
    first_ok && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

/// Whether `/pattern/` would be read back by the parser as exactly this
/// pattern: no line break, no `/` that ends it early, no dangling `\`.
fn reads_as_literal(pattern: &str) -> bool {
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(ch) = chars.next() {
        match ch {
            _ if needs_escape(ch) => return false,
            '\\' if chars.next().is_none_or(needs_escape) => return false,
            '\\' => {}
            '[' => in_class = true,
            ']' => in_class = false,
            '/' if !in_class => return false,
            _ => {}
        }
    }
    !pattern.is_empty() && !in_class
}

fn hyphenated(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
