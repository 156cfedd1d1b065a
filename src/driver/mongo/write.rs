//! Writes to single documents, always addressed by `{_id: …}` alone with
//! the id's own BSON type, and creating and dropping collections.
//!
//! A document that vanished before its update reaches the server is
//! reported as missing, never as a silent success.

use bson::{Bson, Document, doc};
use futures::TryStreamExt as _;

use super::MongoClient;
use crate::domain::mongo::{Namespace, UpdateSpec, WriteCount};
use crate::driver::DriverError;

/// Inserts one document; answers its `_id` (the server's or the driver's
/// new ObjectId when the document had none).
pub async fn insert(
    client: &MongoClient,
    ns: &Namespace,
    doc: &Document,
) -> Result<Bson, DriverError> {
    let inserted = client.timed(client.collection(ns).insert_one(doc)).await?;
    Ok(inserted.inserted_id)
}

/// Applies update operators or a pipeline to the document `id_filter` names.
pub async fn update(
    client: &MongoClient,
    ns: &Namespace,
    id_filter: &Document,
    update: &UpdateSpec,
) -> Result<WriteCount, DriverError> {
    check_id_filter(id_filter)?;
    let collection = client.collection(ns);
    let action = match update {
        UpdateSpec::Operators(operators) => {
            collection.update_one(id_filter.clone(), operators.clone())
        }
        UpdateSpec::Pipeline(stages) => collection.update_one(id_filter.clone(), stages.clone()),
    };
    let result = client.timed(action).await?;
    matched(result.matched_count, result.modified_count)
}

/// Replaces the document `id_filter` names; the replacement keeps its `_id`.
pub async fn replace(
    client: &MongoClient,
    ns: &Namespace,
    id_filter: &Document,
    doc: &Document,
) -> Result<WriteCount, DriverError> {
    check_id_filter(id_filter)?;
    let collection = client.collection(ns);
    let action = collection.replace_one(id_filter.clone(), doc);
    let result = client.timed(action).await?;
    matched(result.matched_count, result.modified_count)
}

/// Deletes the document `id_filter` names; answers 1.
pub async fn delete(
    client: &MongoClient,
    ns: &Namespace,
    id_filter: &Document,
) -> Result<u64, DriverError> {
    check_id_filter(id_filter)?;
    let collection = client.collection(ns);
    let action = collection.delete_one(id_filter.clone());
    let deleted = client.timed(action).await?.deleted_count;
    if deleted == 0 {
        return Err(gone());
    }
    Ok(deleted)
}

/// Creates an empty collection; one that exists already is an error.
/// MongoDB 7 answers `create` on an existing collection with success, so
/// the name is looked up first to tell the user.
pub async fn create_collection(client: &MongoClient, ns: &Namespace) -> Result<(), DriverError> {
    let database = client.database(&ns.db);
    let lookup = doc! {
        "listCollections": 1, "nameOnly": true, "authorizedCollections": true,
        "filter": { "name": &ns.collection },
    };
    let found: Vec<Document> = client
        .timed(async {
            database
                .run_cursor_command(lookup)
                .await?
                .try_collect()
                .await
        })
        .await?;
    // The name is compared here too: a server that ignores the filter (the
    // test stand-in does) must not make every name look taken.
    if found.iter().any(|entry| {
        entry
            .get_str("name")
            .is_ok_and(|name| name == ns.collection)
    }) {
        return Err(DriverError::InvalidInput(format!("{ns} already exists")));
    }
    client
        .timed(database.create_collection(&ns.collection))
        .await
}

/// Drops a collection or view with its indexes.
pub async fn drop_collection(client: &MongoClient, ns: &Namespace) -> Result<(), DriverError> {
    client.timed(client.collection(ns).drop()).await
}

/// Single-document writes go by `_id` alone, so no other field (one with a
/// `$` or `.` in its name, say) can widen or miss the match.
fn check_id_filter(filter: &Document) -> Result<(), DriverError> {
    if filter.len() == 1 && filter.contains_key("_id") {
        Ok(())
    } else {
        Err(DriverError::InvalidInput(
            "a single-document write needs a filter on _id alone".into(),
        ))
    }
}

fn matched(matched: u64, modified: u64) -> Result<WriteCount, DriverError> {
    if matched == 0 {
        return Err(gone());
    }
    Ok(WriteCount { matched, modified })
}

fn gone() -> DriverError {
    DriverError::Missing("the document no longer exists".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_go_by_id_alone() {
        assert!(check_id_filter(&doc! {"_id": 1}).is_ok());
        assert!(check_id_filter(&doc! {"_id": {"a": 1, "b": 2}}).is_ok());
        assert!(check_id_filter(&doc! {}).is_err());
        assert!(check_id_filter(&doc! {"_id": 1, "name": "a"}).is_err());
        assert!(check_id_filter(&doc! {"name": "a"}).is_err());
    }

    #[test]
    fn nothing_matched_is_missing() {
        assert_eq!(matched(0, 0), Err(gone()));
        assert_eq!(
            matched(1, 0),
            Ok(WriteCount {
                matched: 1,
                modified: 0
            })
        );
    }
}
