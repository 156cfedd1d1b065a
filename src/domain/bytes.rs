//! Byte strings: Redis keys, members and values, kept exact end to end.
//!
//! A `ByteString` is never decoded lossily. It renders for humans with
//! visible escapes (`\xff`, `\n`, `\x1b`) and for JSON as a string when it is
//! valid UTF-8, else as `{"base64": "..."}`. Nothing here knows about screens.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An exact sequence of bytes, such as a Redis key name.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteString(Vec<u8>);

impl ByteString {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text, when the bytes are valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// Whether the bytes are something other than printable UTF-8 text.
    pub fn is_binary(&self) -> bool {
        match self.as_str() {
            Some(text) => text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')),
            None => true,
        }
    }

    /// A printable rendering: UTF-8 text as is, with control characters and
    /// invalid bytes escaped, so that nothing reaches a terminal raw.
    pub fn escaped(&self) -> String {
        escape_bytes(&self.0)
    }
}

/// Renders bytes with visible escapes: `\n`, `\t`, `\r`, `\\`, `\xHH` for
/// control characters and bytes that are not part of valid UTF-8.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped_char(&mut out, c);
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02X}"));
        }
    }
    out
}

fn push_escaped_char(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\\' => out.push_str("\\\\"),
        c if c.is_control() => {
            let code = c as u32;
            if code <= 0xFF {
                out.push_str(&format!("\\x{code:02X}"));
            } else {
                out.push_str(&format!("\\u{{{code:04X}}}"));
            }
        }
        c => out.push(c),
    }
}

impl fmt::Debug for ByteString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.escaped())
    }
}

impl AsRef<[u8]> for ByteString {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl From<&str> for ByteString {
    fn from(text: &str) -> Self {
        Self(text.as_bytes().to_vec())
    }
}

impl From<String> for ByteString {
    fn from(text: String) -> Self {
        Self(text.into_bytes())
    }
}

impl From<Vec<u8>> for ByteString {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for ByteString {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl Serialize for ByteString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        match self.as_str() {
            Some(text) => serializer.serialize_str(text),
            None => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("base64", &BASE64.encode(&self.0))?;
                map.end()
            }
        }
    }
}

/// The two JSON forms a byte string may arrive in.
#[derive(Deserialize)]
#[serde(untagged)]
enum Wire {
    Text(String),
    Base64 { base64: String },
}

impl<'de> Deserialize<'de> for ByteString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Wire::deserialize(deserializer)? {
            Wire::Text(text) => Ok(text.into()),
            Wire::Base64 { base64 } => BASE64
                .decode(base64.as_bytes())
                .map(Self)
                .map_err(|e| D::Error::custom(format!("invalid base64: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_and_invalid_bytes() {
        let key = ByteString::new(b"\x02\x00\x00\x00zip\x9b\xff".to_vec());
        assert_eq!(key.escaped(), "\\x02\\x00\\x00\\x00zip\\x9B\\xFF");
        assert_eq!(ByteString::from("esc\x1b[31m").escaped(), "esc\\x1B[31m");
        assert_eq!(ByteString::from("a\nb\tc\rd").escaped(), "a\\nb\\tc\\rd");
        assert_eq!(ByteString::from("héllo 😁").escaped(), "héllo 😁");
    }

    #[test]
    fn json_round_trips_text_and_binary() {
        let text = ByteString::from("héllo");
        let binary = ByteString::new(vec![0xff, 0xfe, 0x00, 0x01]);
        assert_eq!(serde_json::to_string(&text).unwrap(), "\"héllo\"");
        assert_eq!(
            serde_json::to_string(&binary).unwrap(),
            r#"{"base64":"//4AAQ=="}"#
        );
        let back: ByteString = serde_json::from_str(r#"{"base64":"//4AAQ=="}"#).unwrap();
        assert_eq!(back, binary);
        let back: ByteString = serde_json::from_str("\"héllo\"").unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn binary_detection_follows_bytes_not_length() {
        assert!(!ByteString::from("sensor-id").is_binary());
        assert!(ByteString::new(vec![0xff, 0x00]).is_binary());
        assert!(!ByteString::from("multi\nline").is_binary());
    }
}
