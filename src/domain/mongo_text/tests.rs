//! Tests for the parser, the editor text round trip, the display and the
//! Extended JSON writer.

use bson::spec::BinarySubtype;
use bson::{Binary, Bson, DateTime, Decimal128, Document, JavaScriptCodeWithScope, Regex};
use bson::{Timestamp, doc, oid::ObjectId};
use serde_json::json;

use super::*;

fn parsed(text: &str) -> Document {
    match parse_document(text) {
        Ok(document) => document,
        Err(error) => panic!("{text}: {error}"),
    }
}

fn value(text: &str) -> Bson {
    match parse_value(text) {
        Ok(value) => value,
        Err(error) => panic!("{text}: {error}"),
    }
}

fn bytes(document: &Document) -> Vec<u8> {
    match document.to_vec() {
        Ok(bytes) => bytes,
        Err(error) => panic!("{error}"),
    }
}

fn oid() -> ObjectId {
    match ObjectId::parse_str("5f1d7a2b3c4d5e6f7a8b9c0d") {
        Ok(id) => id,
        Err(error) => panic!("{error}"),
    }
}

fn decimal(text: &str) -> Decimal128 {
    match text.parse() {
        Ok(decimal) => decimal,
        Err(error) => panic!("{text}: {error}"),
    }
}

fn regex(pattern: &str, options: &str) -> Bson {
    match (pattern.to_owned().try_into(), options.to_owned().try_into()) {
        (Ok(pattern), Ok(options)) => Bson::RegularExpression(Regex { pattern, options }),
        _ => panic!("bad regex"),
    }
}

fn binary(subtype: u8, bytes: &[u8]) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::from(subtype),
        bytes: bytes.to_vec(),
    })
}

const UUID_BYTES: [u8; 16] = [
    0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef, 0x81, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
];

#[test]
fn strict_json_and_shell_syntax_read_the_same() {
    let strict = parsed(r#"{"a": 1, "b": [true, false, null], "c": {"d": "x"}}"#);
    let shell = parsed("{a: 1, 'b': [true, false, null,], c: {d: 'x'},}");
    assert_eq!(strict, shell);
    assert_eq!(
        strict,
        doc! { "a": 1, "b": [true, false, Bson::Null], "c": { "d": "x" } }
    );
}

#[test]
fn bare_keys_keep_dollars_and_dots_as_written() {
    let filter = parsed("{$or: [{a.b: {$gt: 1}}, {'x-y': 2}]}");
    assert_eq!(
        filter,
        doc! { "$or": [{ "a.b": { "$gt": 1 } }, { "x-y": 2 }] }
    );
}

#[test]
fn integers_keep_their_width_and_every_digit() {
    assert_eq!(value("2147483647"), Bson::Int32(i32::MAX));
    assert_eq!(value("-2147483648"), Bson::Int32(i32::MIN));
    assert_eq!(value("2147483648"), Bson::Int64(2_147_483_648));
    assert_eq!(
        value("9007199254740993"),
        Bson::Int64(9_007_199_254_740_993)
    );
    assert_eq!(value("9223372036854775807"), Bson::Int64(i64::MAX));
    assert_eq!(value("-9223372036854775808"), Bson::Int64(i64::MIN));
    assert_eq!(
        value("7578014686129131386"),
        Bson::Int64(7_578_014_686_129_131_386)
    );
}

#[test]
fn integers_beyond_int64_are_refused_not_rounded() {
    for text in [
        "9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234",
    ] {
        let error = parse_value(text).err().map(|error| error.message);
        assert!(error.is_some_and(|message| message.contains("beyond the Int64 range")));
    }
}

#[test]
fn a_point_or_an_exponent_makes_a_double() {
    assert_eq!(value("7.0"), Bson::Double(7.0));
    assert_eq!(value("-0.5e2"), Bson::Double(-50.0));
    assert_eq!(value("1E3"), Bson::Double(1000.0));
    assert_eq!(value("-Infinity"), Bson::Double(f64::NEG_INFINITY));
    assert!(matches!(value("NaN"), Bson::Double(nan) if nan.is_nan()));
    assert!(parse_value("1e400").is_err());
    assert!(parse_value("01").is_err());
    assert!(parse_value("1.").is_err());
}

#[test]
fn shell_literals_build_their_types() {
    let cases = [
        (
            "ObjectId('5f1d7a2b3c4d5e6f7a8b9c0d')",
            Bson::ObjectId(oid()),
        ),
        ("NumberLong(42)", Bson::Int64(42)),
        ("Long('9223372036854775807')", Bson::Int64(i64::MAX)),
        (
            "NumberLong(-9007199254740993)",
            Bson::Int64(-9_007_199_254_740_993),
        ),
        ("NumberInt('7')", Bson::Int32(7)),
        ("NumberDecimal('1.10')", Bson::Decimal128(decimal("1.10"))),
        ("Decimal128(\"-0E+3\")", Bson::Decimal128(decimal("-0E+3"))),
        (
            "ISODate('1969-12-31T23:59:59.999Z')",
            Bson::DateTime(DateTime::from_millis(-1)),
        ),
        (
            "new Date('1970-01-01T00:00:01Z')",
            Bson::DateTime(DateTime::from_millis(1000)),
        ),
        ("new Date(-5)", Bson::DateTime(DateTime::from_millis(-5))),
        (
            "UUID('12345678-9abc-4def-8123-456789abcdef')",
            binary(4, &UUID_BYTES),
        ),
        (
            "BinData(3, 'EjRWeJq8Te+BI0VniavN7w==')",
            binary(3, &UUID_BYTES),
        ),
        (
            "Timestamp(1700000000, 4)",
            Bson::Timestamp(Timestamp {
                time: 1_700_000_000,
                increment: 4,
            }),
        ),
        (
            "Timestamp({t: 4294967295, i: 0})",
            Bson::Timestamp(Timestamp {
                time: u32::MAX,
                increment: 0,
            }),
        ),
        ("/^a[/]b\\/c/mi", regex("^a[/]b\\/c", "mi")),
        ("RegExp('a/b', 'i')", regex("a/b", "i")),
        ("MinKey", Bson::MinKey),
        ("MaxKey()", Bson::MaxKey),
        ("undefined", Bson::Undefined),
        ("Code('x()')", Bson::JavaScriptCode("x()".into())),
        ("Symbol('s')", Bson::Symbol("s".into())),
        ("Double(7)", Bson::Double(7.0)),
    ];
    for (text, expected) in cases {
        assert_eq!(value(text), expected, "{text}");
    }
}

#[test]
fn extended_json_wrappers_canonical_and_relaxed_build_their_types() {
    let cases = [
        (
            r#"{"$oid": "5f1d7a2b3c4d5e6f7a8b9c0d"}"#,
            Bson::ObjectId(oid()),
        ),
        (
            r#"{"$date": "1969-12-31T23:59:59.999Z"}"#,
            Bson::DateTime(DateTime::from_millis(-1)),
        ),
        (
            r#"{"$date": {"$numberLong": "-1"}}"#,
            Bson::DateTime(DateTime::from_millis(-1)),
        ),
        (
            r#"{"$numberLong": "7578014686129131386"}"#,
            Bson::Int64(7_578_014_686_129_131_386),
        ),
        (r#"{"$numberInt": "-7"}"#, Bson::Int32(-7)),
        (
            r#"{"$numberDouble": "Infinity"}"#,
            Bson::Double(f64::INFINITY),
        ),
        (r#"{"$numberDouble": "-1.5"}"#, Bson::Double(-1.5)),
        (
            r#"{"$numberDecimal": "1E-6176"}"#,
            Bson::Decimal128(decimal("1E-6176")),
        ),
        (
            r#"{"$binary": {"base64": "AQI=", "subType": "80"}}"#,
            binary(0x80, &[1, 2]),
        ),
        (r#"{"$binary": "AQI=", "$type": "00"}"#, binary(0, &[1, 2])),
        (
            r#"{"$uuid": "12345678-9abc-4def-8123-456789abcdef"}"#,
            binary(4, &UUID_BYTES),
        ),
        (
            r#"{"$timestamp": {"t": 1, "i": 2}}"#,
            Bson::Timestamp(Timestamp {
                time: 1,
                increment: 2,
            }),
        ),
        (
            r#"{"$regularExpression": {"pattern": "a", "options": "i"}}"#,
            regex("a", "i"),
        ),
        (r#"{"$minKey": 1}"#, Bson::MinKey),
        (r#"{"$maxKey": 1}"#, Bson::MaxKey),
        (r#"{"$undefined": true}"#, Bson::Undefined),
        (r#"{"$symbol": "s"}"#, Bson::Symbol("s".into())),
        (
            r#"{"$scope": {"x": 1}, "$code": "x"}"#,
            Bson::JavaScriptCodeWithScope(JavaScriptCodeWithScope {
                code: "x".into(),
                scope: doc! { "x": 1 },
            }),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(value(text), expected, "{text}");
    }
    let pointer =
        value(r#"{"$dbPointer": {"$ref": "db.c", "$id": {"$oid": "5f1d7a2b3c4d5e6f7a8b9c0d"}}}"#);
    assert_eq!(type_name(&pointer), "DBPointer");
}

#[test]
fn query_operators_that_resemble_wrappers_stay_documents() {
    let filter = parsed("{name: {$regex: 'ab', $options: 'i'}, d: {$date: 1, $gt: 2}}");
    assert_eq!(
        filter,
        doc! { "name": { "$regex": "ab", "$options": "i" }, "d": { "$date": 1, "$gt": 2 } }
    );
    assert_eq!(
        parsed("{$oid: 'not even hex'}"),
        doc! { "$oid": "not even hex" }
    );
}

#[test]
fn a_broken_wrapper_is_an_error_not_a_document() {
    let error = parse_value("{a: {$oid: '123'}}").err();
    assert_eq!(
        error.map(|error| (error.message.contains("ObjectId"), error.column)),
        Some((true, 5))
    );
    assert!(parse_value(r#"{"$numberLong": "1.5"}"#).is_err());
    assert!(parse_value(r#"{"$binary": {"base64": "!!", "subType": "00"}}"#).is_err());
}

#[test]
fn errors_name_the_problem_and_where_it_is() {
    let error = parse_document("{\n  name: 'a',\n  age 7\n}").err();
    let error = error.map(|error| error.to_string());
    assert_eq!(
        error.as_deref(),
        Some("expected ':' after key at line 3, column 7")
    );

    let cases = [
        ("{a: 'x}", "unterminated string", 1, 5),
        ("{a: 1,, }", "expected a field name", 1, 7),
        ("{a: 1} x", "unexpected text after the value", 1, 8),
        ("{a: 1, a: 2}", "duplicate key \"a\"", 1, 8),
        (
            "{é: nope}",
            "unknown word \"nope\"; quote it if it is a string",
            1,
            5,
        ),
        ("[1, 2", "expected ',' or ']' after an item", 1, 6),
        (
            "ObjectId(1)",
            "wrong arguments for ObjectId: write ObjectId(\"<24 hex digits>\")",
            1,
            1,
        ),
    ];
    for (text, message, line, column) in cases {
        let error = parse_value(text).err();
        let got = error.map(|error| (error.message, error.line, error.column));
        assert_eq!(got, Some((message.to_owned(), line, column)), "{text}");
    }
}

#[test]
fn the_top_level_must_be_the_expected_shape() {
    assert!(parse_document("[1]").is_err());
    assert!(parse_document("").is_err());
    assert_eq!(
        parse_array("[{$match: {}}, {$limit: 1}]")
            .ok()
            .map(|stages| stages.len()),
        Some(2)
    );
    assert!(parse_array("{}").is_err());
    // The outer braces are a document even when they look like a wrapper.
    assert_eq!(parsed("{$date: 'x'}"), doc! { "$date": "x" });
}

#[test]
fn nesting_is_capped_before_the_stack_is() {
    let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    assert!(parse_value(&deep(100)).is_ok());
    let error = parse_value(&deep(101)).err().map(|error| error.message);
    assert_eq!(error.as_deref(), Some("nesting deeper than 100 levels"));
    assert!(parse_value(&deep(100_000)).is_err());
    let calls = format!("{}1{}", "NumberLong(".repeat(200), ")".repeat(200));
    assert!(parse_value(&calls).is_err());
}

#[test]
fn unicode_escapes_join_surrogate_pairs_and_refuse_lone_halves() {
    assert_eq!(
        value(r#""\u00e9\ud83d\ude00\n\t\/\0""#),
        Bson::String("é😀\n\t/\0".into())
    );
    assert_eq!(value("'it\\'s'"), Bson::String("it's".into()));
    for text in [
        r#""\ud83d""#,
        r#""\ude00""#,
        r#""\ud83dx""#,
        r#""\u12""#,
        r#""\q""#,
    ] {
        assert!(parse_value(text).is_err(), "{text}");
    }
    assert!(parse_document("{'a\\u0000b': 1}").is_err());
}

#[test]
fn unterminated_input_is_refused_whole() {
    for text in [
        "{a: 1",
        "{a: ",
        "'abc",
        "/abc",
        "ObjectId('5f1d7a2b3c4d5e6f7a8b9c0d'",
        "{a: [1, {b: 2}",
    ] {
        assert!(parse_value(text).is_err(), "{text}");
    }
}

/// One document holding every BSON type and the awkward corners of each.
fn every_type() -> Document {
    let pointer =
        value(r#"{"$dbPointer": {"$ref": "db.c", "$id": {"$oid": "5f1d7a2b3c4d5e6f7a8b9c0d"}}}"#);
    doc! {
        "_id": oid(),
        "int32": 7, "int64": 7_i64, "double": 7.0, "neg_zero": -0.0, "tiny": 5e-324,
        "big_double": 1e300, "nan": f64::NAN, "inf": f64::NEG_INFINITY,
        "max": i64::MAX, "min": i64::MIN,
        "text": "line\nbreak\ttab \u{1b}[31m \"quoted\" \\ \u{202e} é 😀 \0",
        "bool": true, "null": Bson::Null, "undefined": Bson::Undefined,
        "decimals": [Bson::Decimal128(decimal("1.10")), Bson::Decimal128(decimal("-0E+3")),
                     Bson::Decimal128(decimal("NaN")), Bson::Decimal128(decimal("-Infinity")),
                     Bson::Decimal128(decimal("9.999999999999999999999999999999999E+6144"))],
        "dates": [DateTime::from_millis(-1), DateTime::from_millis(0),
                  DateTime::from_millis(253_402_300_800_000), DateTime::from_millis(i64::MIN)],
        "binaries": [binary(0, b"hello world!"), binary(4, &UUID_BYTES), binary(3, &UUID_BYTES),
                     binary(4, &[1, 2, 3]), binary(0x80, &[]), binary(2, &[0xff])],
        "regexes": [regex("^a/b", "i"), regex("x", "mi"), regex("", ""), regex("a\nb", ""),
                    regex("[/]", "s"), regex("a\\", ""), regex("[abc", "")],
        "ts": Timestamp { time: u32::MAX, increment: 1 },
        "code": Bson::JavaScriptCode("function () { return '\\n'; }".into()),
        "scoped": JavaScriptCodeWithScope { code: "x".into(), scope: doc! { "x": 1_i64 } },
        "symbol": Bson::Symbol("sym".into()),
        "keys": Bson::MinKey, "keys2": Bson::MaxKey, "pointer": pointer,
        "names": { "$concatArrays": ["$x", ["y"]], "a.b": 1, "": 2, "with space": 3, "0": 4 },
        "wrapper_like": [{ "$oid": "zz" }, { "$numberLong": 5 }, { "$code": "c", "$scope": 1 }],
        "nested": { "empty_doc": {}, "empty_array": [], "deep": [[[{ "a": [1, 2.5] }]]] },
    }
}

#[test]
fn editor_text_reads_back_byte_identical_for_every_type() {
    let original = every_type();
    for pretty in [true, false] {
        let text = to_text(&original, pretty);
        let back = match parse_document(&text) {
            Ok(back) => back,
            Err(error) => panic!("{error}\n{text}"),
        };
        assert_eq!(bytes(&back), bytes(&original), "{text}");
    }
}

#[test]
fn editor_text_is_shell_style_and_keeps_number_types_visible() {
    let document =
        doc! { "_id": 1, "seed": 7_578_014_686_129_131_386_i64, "i32": 7, "dbl": 7.0, "a.b": 1 };
    assert_eq!(
        to_text(&document, false),
        r#"{ _id: 1, seed: NumberLong("7578014686129131386"), i32: 7, dbl: 7.0, "a.b": 1 }"#
    );
    assert_eq!(
        to_text(&doc! { "a": [1, { "b": {} }] }, true),
        "{\n  a: [\n    1,\n    {\n      b: {}\n    }\n  ]\n}"
    );
    assert_eq!(
        to_text(&doc! { "w": { "$oid": "zz" } }, false),
        r#"{ w: Document({ $oid: "zz" }) }"#
    );
}

/// A small deterministic generator, so the round trip is tried on many
/// shapes without a property-testing crate.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn value(&mut self, depth: usize) -> Bson {
        let bits = self.next();
        match self.below(if depth > 3 { 12 } else { 14 }) {
            0 => Bson::Int32(bits as i32),
            1 => Bson::Int64(bits as i64),
            2 => Bson::Double(f64::from_bits(bits)),
            3 => Bson::String(self.text()),
            4 => Bson::DateTime(DateTime::from_millis(bits as i64 >> self.below(40))),
            5 => Bson::Decimal128(Decimal128::from_bytes(self.decimal_bytes())),
            6 => binary(
                self.below(256) as u8,
                &bits.to_le_bytes()[..self.below(9) as usize],
            ),
            7 => Bson::Timestamp(Timestamp {
                time: bits as u32,
                increment: (bits >> 32) as u32,
            }),
            8 => regex(&self.text(), "imsx"),
            9 => Bson::ObjectId(ObjectId::from_bytes([bits as u8; 12])),
            10 => Bson::Boolean(bits.is_multiple_of(2)),
            11 => Bson::JavaScriptCode(self.text()),
            12 => Bson::Document(self.document(depth + 1)),
            _ => Bson::Array((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
        }
    }

    /// Finite decimals from the canonical range; NaN payloads and
    /// non-canonical encodings are covered by the fixed cases.
    fn decimal_bytes(&mut self) -> [u8; 16] {
        let digits = self.below(10u64.pow(15));
        let exponent = self.below(200) as i64 - 100;
        let sign = if self.below(2) == 0 { "" } else { "-" };
        decimal(&format!("{sign}{digits}E{exponent}")).bytes()
    }

    fn text(&mut self) -> String {
        const PIECES: [&str; 9] = ["a", "/", "\\", "\"", "'", "\n", "é", "😀", "\u{7f}"];
        (0..self.below(6))
            .map(|_| PIECES[self.below(9) as usize])
            .collect::<String>()
            + "x"
    }

    fn document(&mut self, depth: usize) -> Document {
        let mut document = Document::new();
        for index in 0..self.below(5) {
            let key = match self.below(4) {
                0 => format!("k{index}"),
                1 => format!("$k{index}"),
                2 => format!("a.{index}"),
                _ => format!("{} {index}", self.text()),
            };
            document.insert(key, self.value(depth));
        }
        document
    }
}

#[test]
fn generated_documents_survive_the_editor_round_trip() {
    let mut generator = Xorshift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2000 {
        let original = generator.document(0);
        let text = to_text(&original, generator.below(2) == 0);
        match parse_document(&text) {
            Ok(back) => assert_eq!(bytes(&back), bytes(&original), "{text}"),
            Err(error) => panic!("{error}\n{text}"),
        }
    }
}

#[test]
fn display_shows_every_type_exactly_on_one_line() {
    let cases = [
        (
            Bson::Int64(7_578_014_686_129_131_386),
            r#"NumberLong("7578014686129131386")"#,
        ),
        (
            Bson::Int64(i64::MIN),
            r#"NumberLong("-9223372036854775808")"#,
        ),
        (Bson::Int32(7), "7"),
        (Bson::Double(7.0), "7.0"),
        (Bson::Double(f64::INFINITY), "Infinity"),
        (
            Bson::Decimal128(decimal("1234567890.123456789012345678901234")),
            r#"NumberDecimal("1234567890.123456789012345678901234")"#,
        ),
        (
            Bson::DateTime(DateTime::from_millis(-1)),
            r#"ISODate("1969-12-31T23:59:59.999Z")"#,
        ),
        (
            Bson::DateTime(DateTime::from_millis(253_402_300_800_000)),
            "Date(253402300800000)",
        ),
        (
            binary(4, &UUID_BYTES),
            r#"UUID("12345678-9abc-4def-8123-456789abcdef")"#,
        ),
        (binary(3, &UUID_BYTES), "BinData(3, 16 bytes)"),
        (binary(0, b"hello world!"), "BinData(0, 12 bytes)"),
        (binary(4, &[1]), "BinData(4, 1 byte)"),
        (
            Bson::Timestamp(Timestamp {
                time: 1,
                increment: 2,
            }),
            "Timestamp(1, 2)",
        ),
        (regex("^a", "i"), "/^a/i"),
        (Bson::MinKey, "MinKey"),
        (Bson::JavaScriptCode("f()".into()), r#"Code("f()")"#),
        (Bson::String("a\nb\u{1b}".into()), r#""a\nb\u001b""#),
        (
            Bson::Document(doc! { "$concatArrays": ["$x"], "a.b": 1 }),
            r#"{ $concatArrays: ["$x"], "a.b": 1 }"#,
        ),
    ];
    for (value, shown) in cases {
        assert_eq!(display_value(&value), shown);
    }
}

#[test]
fn type_names_keep_the_number_types_apart() {
    let names: Vec<_> = [
        Bson::Int32(1),
        Bson::Int64(1),
        Bson::Double(1.0),
        Bson::Decimal128(decimal("1")),
    ]
    .iter()
    .map(type_name)
    .collect();
    assert_eq!(names, ["Int32", "Int64", "Double", "Decimal128"]);
}

#[test]
fn legacy_uuid_is_offered_only_for_sixteen_byte_subtype_3() {
    let reading = |value: Bson| match value {
        Bson::Binary(binary) => legacy_uuid(&binary),
        _ => None,
    };
    assert_eq!(
        reading(binary(3, &UUID_BYTES)).as_deref(),
        Some("12345678-9abc-4def-8123-456789abcdef")
    );
    assert_eq!(reading(binary(4, &UUID_BYTES)), None);
    assert_eq!(reading(binary(3, &[1, 2])), None);
}

#[test]
fn summary_is_cut_at_a_character_with_an_ellipsis() {
    let document = doc! { "_id": 1, "name": "éééééééééé" };
    assert_eq!(summary(&document, 80), r#"{ _id: 1, name: "éééééééééé" }"#);
    assert_eq!(summary(&document, 20), r#"{ _id: 1, name: "éé…"#);
    assert_eq!(summary(&document, 20).chars().count(), 20);
    assert_eq!(summary(&Document::new(), 10), "{}");
    assert_eq!(summary(&document, 0), "");
}

#[test]
fn relaxed_json_writes_unsafe_numbers_canonically_and_keeps_field_order() {
    let document = doc! {
        "z": 1, "seed": 7_578_014_686_129_131_386_i64, "small": 42_i64, "limit": 9_007_199_254_740_992_i64,
        "dbl": 7.0, "inf": f64::INFINITY, "a": DateTime::from_millis(-1), "b": DateTime::from_millis(0),
    };
    let json = to_relaxed_json(&Bson::Document(document));
    assert_eq!(
        serde_json::to_string(&json).ok(),
        Some(
            r#"{"z":1,"seed":{"$numberLong":"7578014686129131386"},"small":42,"limit":9007199254740992,"dbl":7.0,"inf":{"$numberDouble":"Infinity"},"a":{"$date":{"$numberLong":"-1"}},"b":{"$date":"1970-01-01T00:00:00.000Z"}}"#
                .to_owned()
        )
    );
}

#[test]
fn canonical_json_wraps_every_number() {
    let json = to_canonical_json(&Bson::Document(doc! { "i": 1, "l": 2_i64, "d": 1.5 }));
    assert_eq!(
        json,
        json!({"i": {"$numberInt": "1"}, "l": {"$numberLong": "2"}, "d": {"$numberDouble": "1.5"}})
    );
}

#[test]
fn canonical_json_reads_back_through_the_parser_unchanged() {
    // Stored documents shaped like wrappers are ambiguous in any EJSON.
    let mut original = every_type();
    original.remove("wrapper_like");
    let json = to_canonical_json(&Bson::Document(original.clone()));
    let text = serde_json::to_string(&json).unwrap_or_default();
    let back = parse_document(&text)
        .map(|back| bytes(&back))
        .map_err(|error| error.to_string());
    assert_eq!(back, Ok(bytes(&original)));
}

#[test]
fn relaxed_json_reads_back_with_exact_values() {
    let original = doc! {
        "seed": 7_578_014_686_129_131_386_i64, "dbl": 7.0, "neg_zero": -0.0, "nan": f64::NAN,
        "date": DateTime::from_millis(-62_198_755_200_000), "dec": Bson::Decimal128(decimal("0.10")),
        "re": regex("a", "mi"), "uuid": binary(4, &UUID_BYTES),
    };
    let text = serde_json::to_string(&to_relaxed_json(&Bson::Document(original.clone())));
    let back = parse_document(&text.unwrap_or_default()).map(|back| bytes(&back));
    assert_eq!(back.ok(), Some(bytes(&original)));
}
