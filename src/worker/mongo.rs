//! The MongoDB half of the worker vocabulary: what a job may ask of a
//! MongoDB connection, what it answers, and the dispatch to the driver.
//!
//! Every request names its own database (a job's `db` number is a Redis
//! notion and is 0 here). Read-only profiles are enforced by the pool
//! through `is_write`, before any client is touched.

use bson::{Bson, Document};

use crate::domain::mongo::{
    AggregateRequest, CollectionEntry, Count, DatabaseEntry, DocumentPage, FindRequest, IndexEntry,
    IndexOptions, MongoSummary, Namespace, SampledField, UpdateSpec, WriteCount,
};
use crate::driver::DriverError;
use crate::driver::mongo::{self, MongoClient};

/// The work a job does against a MongoDB connection.
#[derive(Clone, Debug, PartialEq)]
pub enum MongoRequest {
    /// Ping and read the version, topology and memory, typed.
    Summary,
    /// List the databases the user may see (falling back to the URL's
    /// database when listing is refused).
    Databases,
    /// List a database's collections and views with their statistics.
    Collections { db: String },
    /// List a collection's indexes with their options.
    Indexes { ns: Namespace },
    /// Read one page of a query.
    Find(Box<FindRequest>),
    /// The count from metadata: instant, approximate.
    EstimatedCount { ns: Namespace },
    /// Count the documents matching a filter; may take long, and stops
    /// when its job is cancelled.
    ExactCount { ns: Namespace, filter: Document },
    /// Insert one document; answers its `_id`.
    Insert { ns: Namespace, doc: Document },
    /// Change the one document matching `id_filter` (`{_id: …}` with the
    /// id's own type).
    Update {
        ns: Namespace,
        id_filter: Document,
        update: UpdateSpec,
    },
    /// Replace the one document matching `id_filter`.
    Replace {
        ns: Namespace,
        id_filter: Document,
        doc: Document,
    },
    /// Delete the one document matching `id_filter`.
    Delete { ns: Namespace, id_filter: Document },
    /// Run a pipeline, reading at most its `limit` results.
    Aggregate(Box<AggregateRequest>),
    /// Create an empty collection.
    CreateCollection { ns: Namespace },
    /// Drop a collection or view with its indexes.
    DropCollection { ns: Namespace },
    /// Create an index; answers its name.
    CreateIndex {
        ns: Namespace,
        keys: Document,
        options: IndexOptions,
    },
    /// Drop an index by name.
    DropIndex { ns: Namespace, name: String },
    /// The field paths (nested ones included) of up to `n` sampled
    /// documents, for the query builder.
    SampleFields { ns: Namespace, n: u32 },
}

impl MongoRequest {
    /// The request's name for logs, which must not carry documents.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Summary => "mongo_summary",
            Self::Databases => "mongo_databases",
            Self::Collections { .. } => "mongo_collections",
            Self::Indexes { .. } => "mongo_indexes",
            Self::Find(_) => "mongo_find",
            Self::EstimatedCount { .. } => "mongo_estimated_count",
            Self::ExactCount { .. } => "mongo_exact_count",
            Self::Insert { .. } => "mongo_insert",
            Self::Update { .. } => "mongo_update",
            Self::Replace { .. } => "mongo_replace",
            Self::Delete { .. } => "mongo_delete",
            Self::Aggregate(_) => "mongo_aggregate",
            Self::CreateCollection { .. } => "mongo_create_collection",
            Self::DropCollection { .. } => "mongo_drop_collection",
            Self::CreateIndex { .. } => "mongo_create_index",
            Self::DropIndex { .. } => "mongo_drop_index",
            Self::SampleFields { .. } => "mongo_sample_fields",
        }
    }

    /// Whether the request changes data; an aggregation does when it has a
    /// `$out` or `$merge` stage.
    pub fn is_write(&self) -> bool {
        match self {
            Self::Aggregate(request) => request.writes(),
            _ => matches!(
                self,
                Self::Insert { .. }
                    | Self::Update { .. }
                    | Self::Replace { .. }
                    | Self::Delete { .. }
                    | Self::CreateCollection { .. }
                    | Self::DropCollection { .. }
                    | Self::CreateIndex { .. }
                    | Self::DropIndex { .. }
            ),
        }
    }
}

/// A MongoDB job's result.
#[derive(Clone, Debug, PartialEq)]
pub enum MongoResponse {
    Summary(MongoSummary),
    Databases(Vec<DatabaseEntry>),
    Collections(Vec<CollectionEntry>),
    Indexes(Vec<IndexEntry>),
    Page(DocumentPage),
    Count(Count),
    /// The `_id` of an inserted document.
    Inserted(Bson),
    /// What an update or replace matched and changed.
    Updated(WriteCount),
    /// Documents deleted (0 or 1).
    Deleted(u64),
    /// The results of an aggregation, at most its limit, and whether
    /// there were more.
    Aggregated {
        items: Vec<Document>,
        complete: bool,
    },
    /// A collection or index was created or dropped.
    Done,
    /// The name of a created index.
    IndexCreated(String),
    Fields(Vec<SampledField>),
}

/// Runs one MongoDB request.
pub(super) async fn execute(
    client: &MongoClient,
    request: &MongoRequest,
) -> Result<MongoResponse, DriverError> {
    use MongoResponse as R;
    Ok(match request {
        MongoRequest::Summary => R::Summary(mongo::summary(client).await?),
        MongoRequest::Databases => R::Databases(mongo::databases(client).await?),
        MongoRequest::Collections { db } => R::Collections(mongo::collections(client, db).await?),
        MongoRequest::Indexes { ns } => R::Indexes(mongo::indexes(client, ns).await?),
        MongoRequest::Find(find) => R::Page(mongo::find_page(client, find).await?),
        MongoRequest::EstimatedCount { ns } => R::Count(mongo::estimated_count(client, ns).await?),
        MongoRequest::ExactCount { ns, filter } => {
            R::Count(mongo::exact_count(client, ns, filter).await?)
        }
        MongoRequest::Aggregate(request) => {
            let (items, complete) = mongo::aggregate(client, request).await?;
            R::Aggregated { items, complete }
        }
        MongoRequest::SampleFields { ns, n } => {
            R::Fields(mongo::sample_fields(client, ns, *n).await?)
        }
        write => execute_write(client, write).await?,
    })
}

async fn execute_write(
    client: &MongoClient,
    request: &MongoRequest,
) -> Result<MongoResponse, DriverError> {
    use MongoResponse as R;
    Ok(match request {
        MongoRequest::Insert { ns, doc } => R::Inserted(mongo::insert(client, ns, doc).await?),
        MongoRequest::Update {
            ns,
            id_filter,
            update,
        } => R::Updated(mongo::update(client, ns, id_filter, update).await?),
        MongoRequest::Replace { ns, id_filter, doc } => {
            R::Updated(mongo::replace(client, ns, id_filter, doc).await?)
        }
        MongoRequest::Delete { ns, id_filter } => {
            R::Deleted(mongo::delete(client, ns, id_filter).await?)
        }
        MongoRequest::CreateCollection { ns } => {
            mongo::create_collection(client, ns).await?;
            R::Done
        }
        MongoRequest::DropCollection { ns } => {
            mongo::drop_collection(client, ns).await?;
            R::Done
        }
        MongoRequest::CreateIndex { ns, keys, options } => {
            R::IndexCreated(mongo::create_index(client, ns, keys, options).await?)
        }
        MongoRequest::DropIndex { ns, name } => {
            mongo::drop_index(client, ns, name).await?;
            R::Done
        }
        other => {
            return Err(DriverError::InvalidInput(format!(
                "{} is not a write",
                other.name()
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    fn aggregate(pipeline: Vec<Document>) -> MongoRequest {
        MongoRequest::Aggregate(Box::new(AggregateRequest {
            ns: Namespace::new("d", "c"),
            pipeline,
            max_time_ms: None,
            limit: 10,
            allow_output: true,
        }))
    }

    #[test]
    fn output_stages_make_an_aggregation_a_write() {
        assert!(aggregate(vec![doc! {"$out": "copy"}]).is_write());
        assert!(!aggregate(vec![doc! {"$match": {}}]).is_write());
    }

    #[test]
    fn reads_are_not_writes_and_edits_are() {
        let ns = Namespace::new("d", "c");
        assert!(!MongoRequest::Databases.is_write());
        assert!(!MongoRequest::Indexes { ns: ns.clone() }.is_write());
        let delete = MongoRequest::Delete {
            ns,
            id_filter: doc! {"_id": 1},
        };
        assert!(delete.is_write());
        assert_eq!(delete.name(), "mongo_delete");
    }
}
