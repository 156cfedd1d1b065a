//! Redis values as typed data: key types, TTLs, key pages and value pages.
//!
//! These are what the driver returns and what both front ends format. They
//! hold bytes and the server's own number text, never strings cooked for a
//! screen.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::bytes::ByteString;

/// The type of a key as `TYPE` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    String,
    List,
    Set,
    Zset,
    Hash,
    Stream,
    /// A module type such as `ReJSON-RL`, `TSDB-TYPE` or `MBbloom--`.
    #[serde(untagged)]
    Module(String),
}

impl KeyType {
    /// Parses a `TYPE` reply; `none` (the key is gone) is `None`.
    pub fn from_reply(reply: &str) -> Option<Self> {
        Some(match reply {
            "none" => return None,
            "string" => Self::String,
            "list" => Self::List,
            "set" => Self::Set,
            "zset" => Self::Zset,
            "hash" => Self::Hash,
            "stream" => Self::Stream,
            other => Self::Module(other.to_owned()),
        })
    }

    /// The name `TYPE` uses, which is also what `SCAN … TYPE` takes.
    pub fn name(&self) -> &str {
        match self {
            Self::String => "string",
            Self::List => "list",
            Self::Set => "set",
            Self::Zset => "zset",
            Self::Hash => "hash",
            Self::Stream => "stream",
            Self::Module(name) => name,
        }
    }

    /// Whether this is the RedisJSON module type, which has a viewer.
    pub fn is_json_module(&self) -> bool {
        matches!(self, Self::Module(name) if name == "ReJSON-RL")
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is known of a key's time to live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "ms", rename_all = "snake_case")]
pub enum Ttl {
    /// `PTTL` answered -1.
    NoExpiry,
    /// `PTTL` answered a positive number of milliseconds.
    ExpiresIn(u64),
    /// `PTTL` answered -2: the key no longer exists.
    Gone,
}

impl Ttl {
    /// Reads a `PTTL` reply. Any other negative number is treated as gone.
    pub fn from_pttl(ms: i64) -> Self {
        match ms {
            -1 => Self::NoExpiry,
            ms if ms >= 0 => Self::ExpiresIn(ms.unsigned_abs()),
            _ => Self::Gone,
        }
    }

    /// The number `PTTL` would say, as the REST API reports it.
    pub fn as_pttl(self) -> i64 {
        match self {
            Self::NoExpiry => -1,
            Self::ExpiresIn(ms) => i64::try_from(ms).unwrap_or(i64::MAX),
            Self::Gone => -2,
        }
    }
}

impl fmt::Display for Ttl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoExpiry => f.write_str("no expiry"),
            Self::Gone => f.write_str("key no longer exists"),
            Self::ExpiresIn(ms) => write!(f, "expires in {}", short_duration(*ms)),
        }
    }
}

/// A compact human duration: `45s`, `1h 20m`, `3d 4h`, `850ms`.
pub fn short_duration(ms: u64) -> String {
    if ms < 1_000 {
        return format!("{ms}ms");
    }
    // Rounded, so a TTL just set to 600 s reads "10m", not "9m 59s".
    let secs = (ms + 500) / 1_000;
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut parts = Vec::new();
    let mut rest = secs;
    for (size, unit) in units {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" ")
}

/// A column the server would not answer (ACL denial, renamed command) is
/// `Unavailable`, so the list shows "n/a" and browsing goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Probe<T> {
    Known(T),
    Unavailable,
}

/// Shows the value, or "n/a" when the server would not say.
impl<T: fmt::Display> fmt::Display for Probe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Known(value) => value.fmt(f),
            Self::Unavailable => f.write_str("n/a"),
        }
    }
}

impl<T> Probe<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Self::Known(value) => Some(value),
            Self::Unavailable => None,
        }
    }
}

/// One key of a SCAN page with the metadata fetched for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    pub key: ByteString,
    /// `None` when the key vanished between SCAN and TYPE.
    pub key_type: Probe<Option<KeyType>>,
    pub ttl: Probe<Ttl>,
    /// Bytes, from `MEMORY USAGE`.
    pub size: Probe<u64>,
}

impl KeyInfo {
    /// Whether the key was gone by the time its metadata was read.
    pub fn is_gone(&self) -> bool {
        matches!(self.key_type, Probe::Known(None)) || matches!(self.ttl, Probe::Known(Ttl::Gone))
    }
}

/// How a user's search text becomes a SCAN MATCH pattern.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyFilter {
    /// Keys containing this text; glob characters match themselves.
    Literal(String),
    /// A Redis glob pattern, used as typed.
    Glob(String),
    /// Keys starting with these bytes (a key tree's folder); glob
    /// characters in them match themselves.
    Prefix(ByteString),
}

impl KeyFilter {
    /// The MATCH argument for SCAN, as text (a prefix that is not UTF-8
    /// shows with replacement characters: send `match_bytes` instead).
    pub fn match_pattern(&self) -> String {
        match self {
            Self::Prefix(_) => String::from_utf8_lossy(&self.match_bytes()).into_owned(),
            Self::Literal(text) if text.is_empty() => "*".to_owned(),
            Self::Literal(text) => format!("*{}*", escape_glob(text)),
            Self::Glob(pattern) if pattern.is_empty() => "*".to_owned(),
            Self::Glob(pattern) => pattern.clone(),
        }
    }

    /// The MATCH argument for SCAN, exactly as it goes to the server.
    pub fn match_bytes(&self) -> Vec<u8> {
        match self {
            Self::Prefix(prefix) => {
                let mut pattern = escape_glob_bytes(prefix.as_bytes());
                pattern.push(b'*');
                pattern
            }
            other => other.match_pattern().into_bytes(),
        }
    }

    /// The text the user typed; a folder prefix has none.
    pub fn text(&self) -> &str {
        match self {
            Self::Literal(text) | Self::Glob(text) => text,
            Self::Prefix(_) => "",
        }
    }
}

impl Default for KeyFilter {
    fn default() -> Self {
        Self::Literal(String::new())
    }
}

/// Escapes `*`, `?`, `[`, `]` and `\` so a glob matches them literally.
pub fn escape_glob(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Where a scan of the whole keyspace stands. A single server has one SCAN
/// cursor; a cluster is scanned one primary after another (primaries in
/// slot order), so the cursor names the primary and that primary's cursor.
///
/// As text it is opaque to callers: `42` on a single server (and on the
/// first primary), `2.42` on the third primary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct ScanCursor {
    /// The primary being scanned, by its position in slot order; 0 on a
    /// single server.
    pub node: u32,
    /// That server's own SCAN cursor; 0 at its start.
    pub position: u64,
}

impl ScanCursor {
    /// The start of a new scan.
    pub const START: Self = Self {
        node: 0,
        position: 0,
    };

    /// A cursor on a single server (or the first primary).
    pub const fn at(position: u64) -> Self {
        Self { node: 0, position }
    }
}

impl fmt::Display for ScanCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.node {
            0 => write!(f, "{}", self.position),
            node => write!(f, "{node}.{}", self.position),
        }
    }
}

impl From<ScanCursor> for String {
    fn from(cursor: ScanCursor) -> Self {
        cursor.to_string()
    }
}

impl std::str::FromStr for ScanCursor {
    type Err = std::num::ParseIntError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once('.') {
            Some((node, position)) => Ok(Self {
                node: node.parse()?,
                position: position.parse()?,
            }),
            None => Ok(Self::at(text.parse()?)),
        }
    }
}

/// What a bulk action does to every key matching a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    /// UNLINK each key.
    Delete,
    /// EXPIRE each key after this many seconds.
    Expire(u64),
}

/// A bulk action's dry run: how many keys match, and the first few.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BulkPreview {
    pub matched: u64,
    pub sample: Vec<ByteString>,
}

/// What a bulk action did: every matched key either succeeded or failed
/// (it vanished first, or the server refused), so `matched = succeeded +
/// failed`. A cancelled action stopped after a whole batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BulkOutcome {
    pub matched: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub cancelled: bool,
}

/// `escape_glob` for bytes that may not be UTF-8.
pub fn escape_glob_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    for &b in bytes {
        if matches!(b, b'*' | b'?' | b'[' | b']' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

/// A request for the next page of a SCAN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanRequest {
    pub filter: KeyFilter,
    pub key_type: Option<KeyType>,
    /// The COUNT hint sent with each SCAN call.
    pub count: u32,
    /// The cursor to continue from; `ScanCursor::START` starts a new scan.
    pub cursor: ScanCursor,
    /// How long to keep scanning through empty pages before answering.
    pub budget: Duration,
}

/// One page of keys from SCAN.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyPage {
    pub items: Vec<KeyInfo>,
    /// The cursor to continue from; `None` once the scan is complete.
    pub next_cursor: Option<ScanCursor>,
    /// Whether the scan went through the whole keyspace.
    pub complete: bool,
    /// How many SCAN calls this page took.
    pub calls: u32,
}

/// A database of a Redis server with its key count when known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DatabaseInfo {
    pub index: u32,
    pub keys: Option<u64>,
    /// The server is a Redis Cluster node, where database 0 is the only
    /// database and `keys` counts every primary's keys.
    pub cluster: bool,
}

/// One section of an INFO reply (`server`, `memory`, …) with its fields in
/// the order the server wrote them, values as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InfoSection {
    /// The header's name in lowercase, as INFO takes it (`memory`).
    pub name: String,
    pub fields: Vec<(String, String)>,
}

/// One SLOWLOG entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SlowEntry {
    pub id: u64,
    /// When the command started, in Unix seconds.
    pub started_at: i64,
    pub duration_us: u64,
    /// The command and its arguments (the server cuts long ones short).
    pub command: Vec<ByteString>,
    /// The client's address and name, when the server records them.
    pub client: Option<String>,
    pub client_name: Option<String>,
}

/// One connection as `CLIENT LIST` describes it. Fields a server version
/// does not report are `None`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientEntry {
    pub id: u64,
    pub addr: String,
    /// Empty when the client set no name.
    pub name: String,
    pub user: Option<String>,
    pub db: Option<u32>,
    /// Seconds since the client connected.
    pub age_secs: u64,
    /// Seconds since its last command.
    pub idle_secs: u64,
    pub flags: String,
    /// The last command it ran (`client|list` since Redis 7).
    pub cmd: String,
}

/// One part of the server panel: what the server answered, or why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum Part<T> {
    Ready(T),
    /// The user's ACL denies the command.
    NotPermitted,
    /// Any other refusal, in the server's words.
    Failed(String),
}

impl<T> Part<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Self::Ready(value) => Some(value),
            Self::NotPermitted | Self::Failed(_) => None,
        }
    }
}

/// The server panel's three parts, each read on its own so that one denied
/// command does not fail the others.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerPanel {
    pub info: Part<Vec<InfoSection>>,
    pub slowlog: Part<Vec<SlowEntry>>,
    pub clients: Part<Vec<ClientEntry>>,
}

/// What `conn test` and the connection list report about a server.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerSummary {
    pub latency_ms: f64,
    pub version: Probe<String>,
    pub mode: Probe<String>,
    pub used_memory: Probe<u64>,
    pub dbsize: Probe<u64>,
    /// An SQL database's size on disk; Redis has none.
    pub database_size: Probe<u64>,
}

/// Which part of a collection value to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueWindow {
    /// The start of the value.
    First,
    /// Continue a cursor-paged type (hash, set) from this cursor.
    Cursor(u64),
    /// Start an index-paged type (list, zset) at this index.
    Index(u64),
    /// Continue a stream after this entry ID (exclusive).
    After(String),
}

/// A request to read a key's value, page by page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueRequest {
    pub key: ByteString,
    pub window: ValueWindow,
    /// Items per page for collection types.
    pub count: u32,
    /// The most bytes of a string value to fetch.
    pub max_bytes: u64,
}

/// A hash field and its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldValue {
    pub field: ByteString,
    pub value: ByteString,
}

/// A sorted-set member with its score exactly as the server wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScoredMember {
    pub member: ByteString,
    pub score: String,
}

/// A stream entry with its fields in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamEntry {
    pub id: String,
    pub fields: Vec<FieldValue>,
}

/// A stream's consumer group as XINFO GROUPS reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamGroup {
    pub name: ByteString,
    pub consumers: u64,
    /// Entries delivered to the group's consumers and not acknowledged yet.
    pub pending: u64,
    pub last_delivered_id: String,
    /// Entries not yet delivered to the group; servers before 7.0 do not
    /// say, and 7.0 may not know.
    pub lag: Option<u64>,
}

/// A page of a key's value, shaped by the key's type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ValuePage {
    String {
        /// STRLEN.
        length: u64,
        /// Where `preview` starts in the value.
        offset: u64,
        /// At most the requested maximum of bytes, from `offset`.
        preview: ByteString,
        /// Whether bytes follow the preview.
        truncated: bool,
    },
    Hash {
        total: u64,
        entries: Vec<FieldValue>,
        next_cursor: Option<u64>,
    },
    List {
        total: u64,
        start: u64,
        items: Vec<ByteString>,
    },
    Set {
        total: u64,
        members: Vec<ByteString>,
        next_cursor: Option<u64>,
    },
    Zset {
        total: u64,
        start: u64,
        members: Vec<ScoredMember>,
    },
    Stream {
        total: u64,
        entries: Vec<StreamEntry>,
        /// The last ID on this page, to continue after.
        last_id: Option<String>,
        /// The stream's consumer groups, unless the server would not say.
        groups: Probe<Vec<StreamGroup>>,
    },
    /// A RedisJSON document as `JSON.GET` returned it.
    Json { text: String },
    /// A module type without a viewer.
    Module { type_name: String },
}

/// A key's type and TTL alongside a page of its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub key: ByteString,
    pub key_type: KeyType,
    /// Unavailable when PTTL is denied: never guessed as "no expiry".
    pub ttl: Probe<Ttl>,
    pub size: Probe<u64>,
    pub page: ValuePage,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_cursors_round_trip_as_text() {
        for cursor in [
            ScanCursor::START,
            ScanCursor::at(42),
            ScanCursor {
                node: 2,
                position: 0,
            },
            ScanCursor {
                node: 1,
                position: u64::MAX,
            },
        ] {
            assert_eq!(cursor.to_string().parse::<ScanCursor>(), Ok(cursor));
        }
        assert_eq!(ScanCursor::at(42).to_string(), "42");
        assert!("1.".parse::<ScanCursor>().is_err());
        assert!("x".parse::<ScanCursor>().is_err());
    }

    #[test]
    fn ttl_reads_pttl_replies() {
        assert_eq!(Ttl::from_pttl(-1).to_string(), "no expiry");
        assert_eq!(Ttl::from_pttl(-2).to_string(), "key no longer exists");
        assert_eq!(Ttl::from_pttl(4_800_000).to_string(), "expires in 1h 20m");
        assert_eq!(Ttl::from_pttl(600_000).to_string(), "expires in 10m");
        assert_eq!(Ttl::from_pttl(1_400).to_string(), "expires in 1s");
        assert_eq!(Ttl::from_pttl(599_990).to_string(), "expires in 10m");
        assert_eq!(Ttl::from_pttl(90_061_000).to_string(), "expires in 1d 1h");
    }

    #[test]
    fn literal_filter_escapes_glob_characters() {
        let filter = KeyFilter::Literal("a*b?[c]\\".to_owned());
        assert_eq!(filter.match_pattern(), "*a\\*b\\?\\[c\\]\\\\*");
        assert_eq!(
            KeyFilter::Glob("user:*".to_owned()).match_pattern(),
            "user:*"
        );
        assert_eq!(KeyFilter::default().match_pattern(), "*");
    }

    #[test]
    fn prefix_filter_escapes_glob_characters_in_bytes() {
        let folder =
            |bytes: &[u8]| KeyFilter::Prefix(ByteString::new(bytes.to_vec())).match_bytes();
        assert_eq!(folder(b"a[1]:"), b"a\\[1\\]:*");
        assert_eq!(folder(b"a*:"), b"a\\*:*");
        assert_eq!(folder(b"b?:"), b"b\\?:*");
        assert_eq!(folder(b"c\\:"), b"c\\\\:*");
        assert_eq!(folder(b"\xff:"), b"\xff:*");
    }

    #[test]
    fn type_reply_none_means_gone() {
        assert_eq!(KeyType::from_reply("none"), None);
        assert_eq!(KeyType::from_reply("zset"), Some(KeyType::Zset));
        let json = KeyType::from_reply("ReJSON-RL").unwrap();
        assert!(json.is_json_module());
        assert_eq!(json.name(), "ReJSON-RL");
    }
}
