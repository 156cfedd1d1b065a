//! MongoDB's store-neutral vocabulary: namespaces, the tree's entries,
//! document pages with their seek cursors, counts and the `conn test`
//! summary.
//!
//! Documents stay `bson` values end to end, so no field changes type on
//! its way to a screen or the API. Nothing here does I/O.

use bson::spec::ElementType;
use bson::{Bson, Document, doc};

use super::redis::{Probe, ServerSummary};

/// A collection (or view) inside a database.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Namespace {
    pub db: String,
    pub collection: String,
}

impl Namespace {
    pub fn new(db: impl Into<String>, collection: impl Into<String>) -> Self {
        Self {
            db: db.into(),
            collection: collection.into(),
        }
    }
}

impl std::fmt::Display for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.db, self.collection)
    }
}

/// Whether the user may read a database listed in the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The server listed it for this user.
    Readable,
    /// Listing was refused, so the database comes from the URL or the
    /// user's roles and may turn out unreadable.
    Unknown,
}

/// One database of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseEntry {
    pub name: String,
    /// Bytes on disk, when the server reported them.
    pub size_on_disk: Option<u64>,
    pub access: Access,
}

/// What a namespace holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectionKind {
    Collection,
    /// A read-only view over a pipeline; it has no size of its own.
    View,
    TimeSeries,
}

/// A collection's figures from the server's statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollectionStats {
    /// Documents, from metadata (estimated, never counted).
    pub count: u64,
    /// Uncompressed bytes of the documents.
    pub size: u64,
    pub index_size: u64,
}

/// One collection or view of a database.
#[derive(Clone, Debug, PartialEq)]
pub struct CollectionEntry {
    pub name: String,
    pub kind: CollectionKind,
    /// `None` for views, and when the server would not say ("n/a").
    pub stats: Option<CollectionStats>,
    /// The shard key, when the collection is sharded (through mongos).
    pub shard_key: Option<Document>,
    /// Views are never written to.
    pub read_only: bool,
}

/// One index of a collection, with the options the tree shows.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexEntry {
    pub name: String,
    pub keys: Document,
    pub unique: bool,
    pub sparse: bool,
    /// `expireAfterSeconds` of a TTL index.
    pub ttl_seconds: Option<i64>,
    pub partial_filter: Option<Document>,
    pub hidden: bool,
    /// Bytes, when the server reported them.
    pub size: Option<u64>,
    /// Operations that used the index since the server started.
    pub accesses: Option<u64>,
}

/// The options a new index may carry; all off by default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexOptions {
    /// The server names the index from its keys when this is `None`.
    pub name: Option<String>,
    pub unique: bool,
    pub sparse: bool,
    pub ttl_seconds: Option<i64>,
    pub partial_filter: Option<Document>,
    pub hidden: bool,
}

/// A query for one page of documents.
#[derive(Clone, Debug, PartialEq)]
pub struct FindRequest {
    pub ns: Namespace,
    pub filter: Document,
    pub projection: Option<Document>,
    pub sort: Document,
    /// Documents to pass over before the first page.
    pub skip: u64,
    /// The most documents the whole query returns, across pages.
    pub limit: Option<u64>,
    /// Documents per page.
    pub page_size: u32,
    pub max_time_ms: Option<u64>,
    /// Where the page starts; `None` for the first page.
    pub cursor: Option<PageCursor>,
}

/// Where the next page of a query starts.
#[derive(Clone, Debug, PartialEq)]
pub struct PageCursor {
    /// Documents the earlier pages returned, so `limit` holds overall.
    pub served: u64,
    pub position: Position,
}

/// How a page finds its first document.
#[derive(Clone, Debug, PartialEq)]
pub enum Position {
    /// After the `_id` the last page ended on: an indexed seek, however deep.
    AfterId { last: Bson, descending: bool },
    /// Pass over this many documents (any other sort).
    Skip(u64),
}

/// The direction of a seek on `_id`, when the sort allows one: an empty
/// sort (read in `_id` order) or a sort on `_id` alone.
pub fn id_seek(sort: &Document) -> Option<bool> {
    if sort.is_empty() {
        return Some(false);
    }
    if sort.len() != 1 {
        return None;
    }
    let direction = sort.get("_id")?;
    match direction {
        Bson::Int32(n) => Some(*n < 0),
        Bson::Int64(n) => Some(*n < 0),
        Bson::Double(n) => Some(*n < 0.0),
        _ => None,
    }
}

impl Position {
    /// The filter that starts a page at this position: the caller's filter
    /// alone for a skip, or also `_id` beyond the last one for a seek.
    pub fn filter(&self, filter: &Document) -> Document {
        match self {
            Self::Skip(_) => filter.clone(),
            Self::AfterId { last, descending } => {
                let op = if *descending { "$lt" } else { "$gt" };
                let beyond = doc! { "_id": { op: last.clone() } };
                if filter.is_empty() {
                    beyond
                } else {
                    doc! { "$and": [filter.clone(), beyond] }
                }
            }
        }
    }
}

/// One page of documents.
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentPage {
    pub items: Vec<Document>,
    /// Where the next page starts, when there is one.
    pub next: Option<PageCursor>,
    /// Whether this page reached the end of the query.
    pub complete: bool,
}

/// A document count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    pub n: u64,
    /// From metadata (estimatedDocumentCount), not from counting.
    pub approximate: bool,
}

/// How the server is deployed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Topology {
    Standalone,
    ReplicaSet {
        name: String,
    },
    /// A mongos router in front of shards.
    Sharded,
}

impl Topology {
    pub fn label(&self) -> String {
        match self {
            Self::Standalone => "standalone".into(),
            Self::ReplicaSet { name } => format!("replica set {name}"),
            Self::Sharded => "sharded".into(),
        }
    }
}

/// What `conn test` reports for a MongoDB server.
#[derive(Clone, Debug, PartialEq)]
pub struct MongoSummary {
    pub latency_ms: f64,
    pub version: Probe<String>,
    pub topology: Topology,
    /// Resident memory in bytes, when serverStatus is allowed.
    pub used_memory: Probe<u64>,
}

impl From<MongoSummary> for ServerSummary {
    fn from(summary: MongoSummary) -> Self {
        Self {
            latency_ms: summary.latency_ms,
            version: summary.version,
            mode: Probe::Known(summary.topology.label()),
            used_memory: summary.used_memory,
            dbsize: Probe::Unavailable,
            database_size: Probe::Unavailable,
        }
    }
}

/// A change to one document: update operators, or a pipeline (MongoDB 4.2+).
#[derive(Clone, Debug, PartialEq)]
pub enum UpdateSpec {
    Operators(Document),
    Pipeline(Vec<Document>),
}

/// What an update or replace matched and changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteCount {
    pub matched: u64,
    pub modified: u64,
}

/// An aggregation run: results are capped at `limit` documents.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateRequest {
    pub ns: Namespace,
    pub pipeline: Vec<Document>,
    pub max_time_ms: Option<u64>,
    pub limit: u32,
    /// Lets a `$out` or `$merge` stage run; the caller asked the user first.
    pub allow_output: bool,
}

impl AggregateRequest {
    /// Whether a stage writes into a collection.
    pub fn writes(&self) -> bool {
        pipeline_writes(&self.pipeline)
    }
}

/// Whether a pipeline has a `$out` or `$merge` stage.
pub fn pipeline_writes(pipeline: &[Document]) -> bool {
    pipeline
        .iter()
        .any(|stage| stage.contains_key("$out") || stage.contains_key("$merge"))
}

/// One field path seen in a sample, with the types it held.
#[derive(Clone, Debug, PartialEq)]
pub struct SampledField {
    /// Dotted path; array elements' fields go through the array's name.
    pub path: String,
    pub types: Vec<ElementType>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seek_needs_an_empty_sort_or_id_alone() {
        assert_eq!(id_seek(&doc! {}), Some(false));
        assert_eq!(id_seek(&doc! {"_id": -1}), Some(true));
        assert_eq!(id_seek(&doc! {"_id": 1_i64}), Some(false));
        assert_eq!(id_seek(&doc! {"a": 1}), None);
        assert_eq!(id_seek(&doc! {"_id": 1, "a": 1}), None);
        assert_eq!(id_seek(&doc! {"_id": "text"}), None);
    }

    #[test]
    fn a_seek_keeps_the_filter_and_the_id_type() {
        let position = Position::AfterId {
            last: Bson::Int32(1),
            descending: true,
        };
        assert_eq!(
            position.filter(&doc! {"a": 2}),
            doc! {"$and": [{"a": 2}, {"_id": {"$lt": 1}}]}
        );
        let text = Position::AfterId {
            last: Bson::String("1".into()),
            descending: false,
        };
        assert_eq!(text.filter(&doc! {}), doc! {"_id": {"$gt": "1"}});
        assert_eq!(Position::Skip(5).filter(&doc! {"a": 2}), doc! {"a": 2});
    }

    #[test]
    fn output_stages_are_found_anywhere() {
        assert!(pipeline_writes(&[
            doc! {"$match": {}},
            doc! {"$merge": "x"}
        ]));
        assert!(pipeline_writes(&[doc! {"$out": "x"}]));
        assert!(!pipeline_writes(&[doc! {"$match": {"$out": 1}}]));
    }

    #[test]
    fn the_summary_names_the_topology_as_the_mode() {
        let summary = MongoSummary {
            latency_ms: 1.0,
            version: Probe::Known("7.0.0".into()),
            topology: Topology::ReplicaSet { name: "rs0".into() },
            used_memory: Probe::Unavailable,
        };
        let server: ServerSummary = summary.into();
        assert_eq!(server.mode, Probe::Known("replica set rs0".into()));
    }
}
