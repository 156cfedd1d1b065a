//! The string editor's modes: a string value edited as text, as JSON, or
//! as its bytes in hex or base64.
//!
//! Each mode turns the value's bytes into the editor's lines and the lines
//! back into bytes, exactly. A mode whose text could not hold the bytes
//! (text or JSON for bytes that are not printable UTF-8) is never offered,
//! and text that does not decode is refused with the reason while the
//! editor keeps it; nothing is decoded lossily and written. No I/O here.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ratatui_textarea::TextArea;

use super::modal::{EditTarget, Editor, Modal};
use super::value::{StringView, editor_lines, editor_text};
use super::{State, members, value};
use crate::domain::ByteString;
use crate::domain::redis::{KeyValue, ValuePage};
use crate::domain::redis_edit::NewValue;
use crate::tui::effect::Effect;
use crate::worker::Request;

/// Bytes a hex line shows, in groups of `HEX_GROUP`.
const HEX_LINE: usize = 32;
const HEX_GROUP: usize = 4;
/// Characters a base64 line holds (the MIME width).
const BASE64_LINE: usize = 76;

/// Standard base64 that takes input with or without its `=` padding.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How the editor shows a string value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditMode {
    Text,
    /// Text checked as JSON on save.
    Json,
    Hex,
    Base64,
}

impl EditMode {
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "JSON",
            Self::Hex => "hex",
            Self::Base64 => "base64",
        }
    }
}

/// How a JSON edit is laid out when saved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JsonLayout {
    /// The text exactly as typed.
    #[default]
    AsTyped,
    Compact,
    Pretty,
}

impl JsonLayout {
    pub fn name(self) -> &'static str {
        match self {
            Self::AsTyped => "as typed",
            Self::Compact => "compacted",
            Self::Pretty => "pretty-printed",
        }
    }
}

/// A string value in the editor: its bytes as loaded and how they are
/// edited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringEdit {
    pub original: ByteString,
    pub mode: EditMode,
    /// Used in JSON mode only.
    pub layout: JsonLayout,
}

/// The value as text, when the editor can show it without changing a
/// byte: UTF-8, no control characters, and no `\r` (the editor's lines
/// would lose it).
fn as_text(bytes: &ByteString) -> Option<&str> {
    bytes
        .as_str()
        .filter(|text| !bytes.is_binary() && !text.contains('\r'))
}

/// The editor's lines for `bytes` in `mode`; `None` when the mode cannot
/// hold them.
pub fn encode(bytes: &ByteString, mode: EditMode) -> Option<Vec<String>> {
    match mode {
        EditMode::Text | EditMode::Json => as_text(bytes).map(editor_lines),
        EditMode::Hex => Some(hex_lines(bytes.as_bytes())),
        EditMode::Base64 => Some(base64_lines(bytes.as_bytes())),
    }
}

/// The bytes the editor's lines stand for in `mode`, or why they don't
/// decode.
pub fn decode(lines: &[String], mode: EditMode) -> Result<Vec<u8>, String> {
    let text = editor_text(lines);
    match mode {
        EditMode::Text => Ok(text.into_bytes()),
        EditMode::Json => match json_problem(&text) {
            None => Ok(text.into_bytes()),
            Some(why) => Err(why),
        },
        EditMode::Hex => hex_decode(&text),
        EditMode::Base64 => base64_decode(&text),
    }
}

fn hex_lines(bytes: &[u8]) -> Vec<String> {
    if bytes.is_empty() {
        return vec![String::new()];
    }
    let group = |chunk: &[u8]| chunk.iter().map(|b| format!("{b:02x}")).collect::<String>();
    bytes
        .chunks(HEX_LINE)
        .map(|line| {
            line.chunks(HEX_GROUP)
                .map(group)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Reads hex digits, ignoring all whitespace.
fn hex_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut digits = Vec::with_capacity(text.len());
    for (row, line) in text.split('\n').enumerate() {
        for (column, c) in line.chars().enumerate() {
            match c.to_digit(16) {
                Some(digit) => digits.push(digit as u8),
                None if c.is_whitespace() => {}
                None => {
                    return Err(format!(
                        "not hex: {c:?} at line {}, column {}; use 0-9 and a-f (spaces are ignored)",
                        row + 1,
                        column + 1
                    ));
                }
            }
        }
    }
    if digits.len() % 2 == 1 {
        return Err("an odd number of hex digits: each byte takes two".to_owned());
    }
    Ok(digits
        .chunks(2)
        .map(|pair| pair[0] << 4 | pair[1])
        .collect())
}

fn base64_lines(bytes: &[u8]) -> Vec<String> {
    let text = BASE64.encode(bytes);
    if text.is_empty() {
        return vec![String::new()];
    }
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(BASE64_LINE)
        .map(|line| line.iter().collect())
        .collect()
}

/// Reads base64, ignoring all whitespace.
fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    BASE64
        .decode(compact.as_bytes())
        .map_err(|error| match error {
            base64::DecodeError::InvalidByte(at, byte) => format!(
                "not base64: {:?} is the {}th character that is not whitespace",
                char::from(byte),
                at + 1
            ),
            base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidLastSymbol(..) => {
                "not base64: the text ends in the middle of a byte".to_owned()
            }
            base64::DecodeError::InvalidPadding => "not base64: misplaced '=' padding".to_owned(),
        })
}

/// Why `text` is not JSON, with the line and column serde_json stopped at.
pub fn json_problem(text: &str) -> Option<String> {
    let error = serde_json::from_str::<serde::de::IgnoredAny>(text).err()?;
    let (line, column) = (error.line(), error.column());
    let full = error.to_string();
    let what = full
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&full);
    Some(format!(
        "not valid JSON at line {line}, column {column}: {what}; nothing was saved"
    ))
}

/// Lays out valid JSON `text` again, changing only the whitespace between
/// tokens: strings and numbers keep every byte and members keep their
/// order (a parse into `serde_json::Value` would sort keys and round
/// numbers).
pub fn relayout(text: &str, layout: JsonLayout) -> String {
    let pretty = match layout {
        JsonLayout::AsTyped => return text.to_owned(),
        JsonLayout::Compact => false,
        JsonLayout::Pretty => true,
    };
    let mut out = String::with_capacity(text.len());
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            (in_string, escaped) = (escaped || c != '"', !escaped && c == '\\');
            continue;
        }
        let indent = |out: &mut String, depth: usize| {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        };
        match c {
            c if c.is_whitespace() => {}
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // Skip to the next token to tell `{}` from a filled object.
                while chars.next_if(|c| c.is_whitespace()).is_some() {}
                depth += 1;
                if pretty && !matches!(chars.peek(), Some('}' | ']')) {
                    indent(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if pretty && !matches!(out.chars().last(), Some('{' | '[')) {
                    indent(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                if pretty {
                    indent(&mut out, depth);
                }
            }
            ':' => out.push_str(if pretty { ": " } else { ":" }),
            c => out.push(c),
        }
    }
    out
}

/// The next mode the bytes can be edited in, after `mode`.
fn next_mode(mode: EditMode, bytes: &ByteString) -> EditMode {
    let text = as_text(bytes).is_some();
    match mode {
        EditMode::Text => EditMode::Json,
        EditMode::Json => EditMode::Hex,
        EditMode::Hex => EditMode::Base64,
        EditMode::Base64 if text => EditMode::Text,
        EditMode::Base64 => EditMode::Hex,
    }
}

/// Opens the editor on a whole string value, in the mode of the pane's
/// view: hex from the hex view, pretty JSON from the JSON view, else text,
/// or hex when the bytes are not text.
pub fn open(state: &mut State, data: &KeyValue) -> Vec<Effect> {
    let ValuePage::String {
        preview, truncated, ..
    } = &data.page
    else {
        return Vec::new();
    };
    if *truncated {
        state.info("this value is too large to edit here (only part of it is loaded)");
        return Vec::new();
    }
    let (mode, lines) = match (state.value.view, as_text(preview)) {
        (StringView::Json, Some(text)) if json_problem(text).is_none() => (
            EditMode::Json,
            editor_lines(&relayout(text, JsonLayout::Pretty)),
        ),
        (StringView::Text | StringView::Json, Some(text)) => (EditMode::Text, editor_lines(text)),
        (_, text) => {
            if text.is_none() {
                state.info(
                    "this value is not printable text: editing its bytes as hex (Ctrl-t: base64)",
                );
            }
            (EditMode::Hex, hex_lines(preview.as_bytes()))
        }
    };
    let edit = StringEdit {
        original: preview.clone(),
        mode,
        layout: JsonLayout::AsTyped,
    };
    state.modal = Some(Modal::Editor(Box::new(Editor {
        key: data.key.clone(),
        original: editor_text(&lines),
        area: TextArea::new(lines),
        target: EditTarget::StringValue(edit),
        recreate: false,
    })));
    Vec::new()
}

/// Shows the editor's bytes in the next mode that can hold them; refuses
/// while the text does not decode, so no edit is lost.
pub fn switch_mode(state: &mut State, editor: &mut Editor) {
    let EditTarget::StringValue(edit) = &mut editor.target else {
        state.info("only string values have other editing modes");
        return;
    };
    let bytes = match decode(editor.area.lines(), edit.mode) {
        Ok(bytes) => ByteString::new(bytes),
        Err(why) => {
            state.error(why);
            return;
        }
    };
    let mode = next_mode(edit.mode, &bytes);
    let Some(lines) = encode(&bytes, mode) else {
        return;
    };
    edit.mode = mode;
    editor.area = TextArea::new(lines);
    state.info(format!("editing as {}", mode.name()));
}

/// Cycles how JSON is laid out on save: as typed, compacted, pretty.
pub fn cycle_layout(state: &mut State, editor: &mut Editor) {
    let EditTarget::StringValue(edit) = &mut editor.target else {
        state.info("JSON layout is for string values edited as JSON");
        return;
    };
    if edit.mode != EditMode::Json {
        state.info("JSON layout is for JSON mode: Ctrl-t switches to it");
        return;
    }
    edit.layout = match edit.layout {
        JsonLayout::AsTyped => JsonLayout::Compact,
        JsonLayout::Compact => JsonLayout::Pretty,
        JsonLayout::Pretty => JsonLayout::AsTyped,
    };
    state.info(format!("saving the JSON {}", edit.layout.name()));
}

/// Decodes the editor's text and writes the bytes; on bad text the editor
/// (already back in `state.modal`) stays open with the reason shown.
pub fn save(state: &mut State, key: ByteString, edit: &StringEdit, recreate: bool) -> Vec<Effect> {
    let Some(Modal::Editor(editor)) = &state.modal else {
        return Vec::new();
    };
    let lines = editor.area.lines();
    let bytes = match decode(lines, edit.mode) {
        Ok(_) if edit.mode == EditMode::Json => {
            relayout(&editor_text(lines), edit.layout).into_bytes()
        }
        Ok(bytes) => bytes,
        Err(why) => {
            state.error(why);
            return Vec::new();
        }
    };
    let value = ByteString::new(bytes);
    if value == edit.original && !recreate {
        state.modal = None;
        state.info("no changes");
        return Vec::new();
    }
    if recreate {
        let request = Request::CreateKey {
            key,
            value: NewValue::String { value },
            ttl: None,
        };
        return members::submit_key_write(state, request);
    }
    value::save(state, key, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::DriverError;
    use crate::tui::event::Event;
    use crate::tui::state::tests::{Harness, key_info, string_value};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn round_trip(bytes: &[u8], mode: EditMode) -> Vec<u8> {
        let lines = encode(&ByteString::new(bytes), mode).unwrap();
        decode(&lines, mode).unwrap()
    }

    #[test]
    fn hex_and_base64_round_trip_every_byte_value() {
        let all: Vec<u8> = (0..=255).collect();
        for mode in [EditMode::Hex, EditMode::Base64] {
            assert_eq!(round_trip(&all, mode), all, "{mode:?}");
            assert_eq!(round_trip(b"", mode), b"", "{mode:?} empty");
            for len in 1..=5 {
                assert_eq!(round_trip(&all[..len], mode), &all[..len], "{mode:?} {len}");
            }
        }
        let lines = encode(&ByteString::new(all), EditMode::Hex).unwrap();
        assert_eq!(lines.len(), 8);
        assert_eq!(
            lines[0],
            "00010203 04050607 08090a0b 0c0d0e0f 10111213 14151617 18191a1b 1c1d1e1f"
        );
    }

    #[test]
    fn hex_and_base64_ignore_whitespace_and_name_bad_input() {
        let lines = |text: &str| editor_lines(text);
        assert_eq!(
            decode(&lines(" FF 00\n\t0a "), EditMode::Hex).unwrap(),
            [0xff, 0, 10]
        );
        assert_eq!(
            decode(&lines("/w\nA="), EditMode::Base64).unwrap(),
            [0xff, 0]
        );
        assert_eq!(decode(&lines("/wA"), EditMode::Base64).unwrap(), [0xff, 0]);
        assert_eq!(
            decode(&lines("00\n0g"), EditMode::Hex).unwrap_err(),
            "not hex: 'g' at line 2, column 2; use 0-9 and a-f (spaces are ignored)"
        );
        assert_eq!(
            decode(&lines("abc"), EditMode::Hex).unwrap_err(),
            "an odd number of hex digits: each byte takes two"
        );
        assert!(
            decode(&lines("/w*A"), EditMode::Base64)
                .unwrap_err()
                .contains("'*'")
        );
        assert!(decode(&lines("/"), EditMode::Base64).is_err());
    }

    #[test]
    fn text_mode_is_never_offered_for_bytes_it_would_change() {
        for bytes in [&b"\xff\xfe"[..], b"a\r\nb", b"esc\x1b[0m"] {
            assert_eq!(encode(&ByteString::new(bytes), EditMode::Text), None);
            assert_eq!(encode(&ByteString::new(bytes), EditMode::Json), None);
            assert_eq!(
                next_mode(EditMode::Base64, &ByteString::new(bytes)),
                EditMode::Hex
            );
        }
        let text = ByteString::from("tab\there\n");
        assert_eq!(encode(&text, EditMode::Text).unwrap(), ["tab\there", ""]);
    }

    #[test]
    fn json_problems_name_the_line_and_column() {
        assert_eq!(json_problem(r#"{"a": [1, 2]}"#), None);
        assert_eq!(
            json_problem("{\n  \"a\": [1 2]\n}").unwrap(),
            "not valid JSON at line 2, column 11: expected `,` or `]`; nothing was saved"
        );
    }

    #[test]
    fn relayout_changes_only_whitespace_between_tokens() {
        let text = "{ \"z\" : 1.10, \"a\":[ ], \"s\": \"x, {\\\"y\\\": [1]}\", \"n\": 12345678901234567890123, \"o\":{}}";
        let compact = relayout(text, JsonLayout::Compact);
        assert_eq!(
            compact,
            r#"{"z":1.10,"a":[],"s":"x, {\"y\": [1]}","n":12345678901234567890123,"o":{}}"#
        );
        let pretty = relayout(text, JsonLayout::Pretty);
        assert_eq!(
            pretty,
            "{\n  \"z\": 1.10,\n  \"a\": [],\n  \"s\": \"x, {\\\"y\\\": [1]}\",\n  \"n\": 12345678901234567890123,\n  \"o\": {}\n}"
        );
        assert_eq!(relayout(&pretty, JsonLayout::Compact), compact);
        assert_eq!(relayout(text, JsonLayout::AsTyped), text);
        assert_eq!(
            relayout("[[1,[2]],\"\\\\\"]", JsonLayout::Pretty),
            "[\n  [\n    1,\n    [\n      2\n    ]\n  ],\n  \"\\\\\"\n]"
        );
    }

    #[test]
    fn values_text_would_change_open_as_hex_and_save_their_bytes() {
        let mut h = Harness::with_keys(vec![key_info(b"dos")], None);
        let id = h.last(|r| matches!(r, Request::Value(_)));
        h.reply(id, Ok(string_value("dos", "a\r\nb")));
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('E'));
        let Some(Modal::Editor(editor)) = &h.state.modal else {
            panic!("the editor did not open");
        };
        assert_eq!(editor.area.lines(), ["610d0a62"]);
        assert_eq!(
            h.message(),
            "this value is not printable text: editing its bytes as hex (Ctrl-t: base64)"
        );
        h.press(KeyCode::End);
        h.typed(" ff");
        let ctrl = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        h.send(ctrl('t'));
        let Some(Modal::Editor(editor)) = &h.state.modal else {
            panic!("switching modes closed the editor");
        };
        assert_eq!(editor.area.lines(), ["YQ0KYv8="]);
        h.press(KeyCode::End);
        h.typed("!");
        h.send(ctrl('s'));
        assert!(
            h.message().starts_with("not base64: '!'"),
            "{}",
            h.message()
        );
        assert!(matches!(h.state.modal, Some(Modal::Editor(_))));
        h.press(KeyCode::Backspace);
        h.send(ctrl('s'));
        let (_, _, request) = h.jobs.last().cloned().unwrap();
        assert_eq!(
            request,
            Request::SetString {
                key: ByteString::from("dos"),
                value: ByteString::new(b"a\r\nb\xff".as_slice())
            }
        );
    }

    #[test]
    fn json_opens_pretty_from_the_json_view_and_saves_as_asked() {
        let mut h = Harness::with_keys(vec![key_info(b"doc")], None);
        let id = h.last(|r| matches!(r, Request::Value(_)));
        h.reply(id, Ok(string_value("doc", r#"{"b":1.10,"a":[]}"#)));
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('v'));
        h.press(KeyCode::Char('v'));
        h.press(KeyCode::Char('E'));
        let lines = |h: &Harness| match &h.state.modal {
            Some(Modal::Editor(editor)) => editor.area.lines().to_vec(),
            _ => panic!("the editor is not open"),
        };
        assert_eq!(lines(&h), ["{", r#"  "b": 1.10,"#, r#"  "a": []"#, "}"]);
        let ctrl = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        h.send(ctrl('s'));
        let pretty = "{\n  \"b\": 1.10,\n  \"a\": []\n}";
        let (id, _, request) = h.jobs.last().cloned().unwrap();
        assert!(
            matches!(&request, Request::SetString { value, .. } if value.as_str() == Some(pretty))
        );
        h.reply(id, Err(DriverError::Server("OOM".into())));

        h.press(KeyCode::Down);
        h.press(KeyCode::End);
        h.press(KeyCode::Backspace);
        let jobs = h.job_count();
        h.send(ctrl('s'));
        assert_eq!(h.job_count(), jobs, "invalid JSON is not written");
        assert!(
            h.message().starts_with("not valid JSON at line 3, column"),
            "{}",
            h.message()
        );
        assert_eq!(lines(&h)[1], r#"  "b": 1.10"#, "the text stays as typed");
        h.typed("5,");
        h.send(ctrl('o'));
        assert_eq!(h.message(), "saving the JSON compacted");
        h.send(ctrl('s'));
        let (_, _, request) = h.jobs.last().cloned().unwrap();
        assert_eq!(
            request,
            Request::SetString {
                key: ByteString::from("doc"),
                value: ByteString::from(r#"{"b":1.105,"a":[]}"#)
            }
        );
    }
}
