//! Redis writes as typed data: member-level edits of a collection, a new
//! key's first value, and the checked text of scores and stream entry IDs.
//!
//! Members, fields and values are bytes; a score or an entry ID is kept as
//! the text the user gave once it is known to be one the server accepts, so
//! nothing goes through a float with fewer digits on its way to Redis.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::bytes::ByteString;
use super::redis::{FieldValue, KeyType};

/// A sorted-set score as exact text: a decimal (`1.1`, `1447852714`,
/// `-2.5e3`) or an infinity (`inf`, `+inf`, `-inf`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Score(String);

impl Score {
    /// Checks the text the way the server will; refuses NaN, empty text and
    /// finite numbers too large for a double.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if is_infinity(text) || is_finite_decimal(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "“{text}” is not a score: use a number such as 1.5 or 1447852714, or inf / -inf"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_infinity(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity")
}

/// Digits with an optional sign, point and exponent, finite as a double.
fn is_finite_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|exponent| {
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        !exponent.is_empty() && digits(exponent)
    });
    mantissa_ok && exponent_ok && text.parse::<f64>().is_ok_and(f64::is_finite)
}

impl TryFrom<String> for Score {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Score> for String {
    fn from(score: Score) -> Self {
        score.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stream entry ID for XADD: `*` (the server picks), `ms-*` (the server
/// picks the sequence) or an explicit `ms` / `ms-seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamId(String);

impl StreamId {
    /// Lets the server choose the ID.
    pub fn auto() -> Self {
        Self("*".to_owned())
    }

    /// Checks the shape of an ID; whether it is newer than the stream's
    /// last entry only the server can say.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let number = |part: &str| !part.is_empty() && part.parse::<u64>().is_ok();
        let valid = match text.split_once('-') {
            _ if text == "*" => true,
            None => number(text),
            Some((ms, seq)) => number(ms) && (seq == "*" || number(seq)),
        };
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "“{text}” is not a stream entry ID: use * or milliseconds-sequence such as 1700000000000-0"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StreamId {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<StreamId> for String {
    fn from(id: StreamId) -> Self {
        id.0
    }
}

/// Which end of a list a push goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListEnd {
    Head,
    Tail,
}

/// A sorted-set member with the score to give it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberScore {
    pub member: ByteString,
    pub score: Score,
}

/// One change to the members of a collection key that exists. The driver
/// refuses it with "not found" when the key is gone, so an edit never
/// recreates a key another client deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum MemberEdit {
    /// HSET: add a field or replace its value.
    HashSet {
        field: ByteString,
        value: ByteString,
    },
    /// HDEL.
    HashDelete { fields: Vec<ByteString> },
    /// LPUSH or RPUSH, in the order given.
    ListPush {
        end: ListEnd,
        items: Vec<ByteString>,
    },
    /// LSET: replace the item at an index (negative counts from the tail).
    ListSet { index: i64, item: ByteString },
    /// LREM: remove `count` items equal to `item` (from the head when
    /// positive, the tail when negative, all when zero).
    ListRemove { count: i64, item: ByteString },
    /// LTRIM: keep only the items from `start` to `stop`, inclusive.
    ListTrim { start: i64, stop: i64 },
    /// SADD.
    SetAdd { members: Vec<ByteString> },
    /// SREM.
    SetRemove { members: Vec<ByteString> },
    /// ZADD: add a member or change its score.
    ZsetAdd { member: ByteString, score: Score },
    /// ZREM.
    ZsetRemove { members: Vec<ByteString> },
    /// XADD with the fields in order.
    StreamAdd {
        id: StreamId,
        fields: Vec<FieldValue>,
    },
    /// XDEL.
    StreamDelete { ids: Vec<String> },
}

impl MemberEdit {
    /// The type of key this edit applies to.
    pub fn key_type(&self) -> KeyType {
        match self {
            Self::HashSet { .. } | Self::HashDelete { .. } => KeyType::Hash,
            Self::ListPush { .. }
            | Self::ListSet { .. }
            | Self::ListRemove { .. }
            | Self::ListTrim { .. } => KeyType::List,
            Self::SetAdd { .. } | Self::SetRemove { .. } => KeyType::Set,
            Self::ZsetAdd { .. } | Self::ZsetRemove { .. } => KeyType::Zset,
            Self::StreamAdd { .. } | Self::StreamDelete { .. } => KeyType::Stream,
        }
    }
}

/// What an edit changed, as the server counted it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "value", rename_all = "snake_case")]
pub enum EditResult {
    /// Members, fields or entries added or removed (HSET counts only new
    /// fields, ZADD only new members).
    Changed(u64),
    /// The list's length after a push.
    Length(u64),
    /// LSET and LTRIM answer only OK.
    Done,
    /// The ID of the entry XADD added.
    EntryId(String),
}

/// The first value of a new key. Collections need at least one member,
/// since Redis holds no empty collections.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum NewValue {
    String {
        value: ByteString,
    },
    Hash {
        entries: Vec<FieldValue>,
    },
    List {
        items: Vec<ByteString>,
    },
    Set {
        members: Vec<ByteString>,
    },
    Zset {
        members: Vec<MemberScore>,
    },
    Stream {
        id: StreamId,
        fields: Vec<FieldValue>,
    },
}

impl NewValue {
    pub fn key_type(&self) -> KeyType {
        match self {
            Self::String { .. } => KeyType::String,
            Self::Hash { .. } => KeyType::Hash,
            Self::List { .. } => KeyType::List,
            Self::Set { .. } => KeyType::Set,
            Self::Zset { .. } => KeyType::Zset,
            Self::Stream { .. } => KeyType::Stream,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_keep_their_text_and_refuse_what_redis_refuses() {
        for text in [
            "1447852714",
            "100000000060000",
            "1.1",
            "inf",
            "-inf",
            "+inf",
            "-2.5e3",
        ] {
            assert_eq!(Score::parse(text).unwrap().as_str(), text);
        }
        assert_eq!(Score::parse(" 7 ").unwrap().as_str(), "7");
        for text in ["", "nan", "1e400", "abc", "1.2.3", "0x10", ".", "1e", "--1"] {
            assert!(Score::parse(text).is_err(), "{text} should be refused");
        }
    }

    #[test]
    fn stream_ids_take_the_shapes_xadd_takes() {
        for text in ["*", "1700000000000-0", "5", "5-*"] {
            assert_eq!(StreamId::parse(text).unwrap().as_str(), text);
        }
        for text in ["", "-", "a-1", "1-", "1-2-3", "*-1", "1-x"] {
            assert!(StreamId::parse(text).is_err(), "{text} should be refused");
        }
    }

    #[test]
    fn scores_and_ids_deserialize_only_when_valid() {
        let edit: MemberEdit =
            serde_json::from_str(r#"{"op":"zset_add","member":"m","score":"1.1"}"#).unwrap();
        assert_eq!(edit.key_type(), KeyType::Zset);
        let bad =
            serde_json::from_str::<MemberEdit>(r#"{"op":"zset_add","member":"m","score":"x"}"#);
        assert!(bad.is_err());
    }
}
