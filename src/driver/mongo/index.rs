//! Indexes: listing with their options, sizes and usage where the server
//! reports them, creating with options, dropping by name.

use std::collections::HashMap;
use std::time::Duration;

use bson::{Bson, Document, doc};
use futures::TryStreamExt as _;
use mongodb::IndexModel;

use super::MongoClient;
use super::tree::as_u64;
use crate::domain::mongo::{IndexEntry, IndexOptions, Namespace};
use crate::driver::DriverError;

/// A collection's indexes in the server's order. Sizes come from
/// collStats and usage from `$indexStats`; either may be denied or
/// missing, leaving those figures unknown.
pub async fn indexes(client: &MongoClient, ns: &Namespace) -> Result<Vec<IndexEntry>, DriverError> {
    let command = doc! { "listIndexes": &ns.collection };
    let specs: Vec<Document> = client
        .timed(async {
            let cursor = client.database(&ns.db).run_cursor_command(command).await?;
            cursor.try_collect().await
        })
        .await?;
    let sizes = sizes(client, ns).await;
    let accesses = accesses(client, ns).await;
    Ok(specs
        .iter()
        .filter_map(|spec| {
            let mut entry = entry(spec)?;
            entry.size = sizes.get(&entry.name).copied();
            entry.accesses = accesses.get(&entry.name).copied();
            Some(entry)
        })
        .collect())
}

fn entry(spec: &Document) -> Option<IndexEntry> {
    let flag = |name| spec.get_bool(name).unwrap_or(false);
    Some(IndexEntry {
        name: spec.get_str("name").ok()?.to_owned(),
        keys: spec.get_document("key").ok()?.clone(),
        unique: flag("unique"),
        sparse: flag("sparse"),
        ttl_seconds: spec.get("expireAfterSeconds").and_then(as_i64),
        partial_filter: spec.get_document("partialFilterExpression").ok().cloned(),
        hidden: flag("hidden"),
        size: None,
        accesses: None,
    })
}

fn as_i64(value: &Bson) -> Option<i64> {
    match value {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        Bson::Double(n) => Some(*n as i64),
        _ => None,
    }
}

async fn sizes(client: &MongoClient, ns: &Namespace) -> HashMap<String, u64> {
    let reply = client
        .command(&ns.db, doc! { "collStats": &ns.collection })
        .await;
    let Ok(reply) = reply else {
        return HashMap::new();
    };
    let Ok(sizes) = reply.get_document("indexSizes") else {
        return HashMap::new();
    };
    sizes
        .iter()
        .filter_map(|(name, size)| Some((name.clone(), as_u64(size)?)))
        .collect()
}

async fn accesses(client: &MongoClient, ns: &Namespace) -> HashMap<String, u64> {
    let collection = client.collection(ns);
    let pipeline = [doc! { "$indexStats": {} }];
    let stats: Result<Vec<Document>, DriverError> = client
        .timed(async { collection.aggregate(pipeline).await?.try_collect().await })
        .await;
    stats
        .unwrap_or_default()
        .iter()
        .filter_map(|stat| {
            let name = stat.get_str("name").ok()?;
            let ops = stat.get_document("accesses").ok()?.get("ops")?;
            Some((name.to_owned(), as_u64(ops)?))
        })
        .collect()
}

/// Creates an index; answers its name (the server's default, from the
/// keys, when none was given).
pub async fn create_index(
    client: &MongoClient,
    ns: &Namespace,
    keys: &Document,
    options: &IndexOptions,
) -> Result<String, DriverError> {
    if keys.is_empty() {
        return Err(DriverError::InvalidInput(
            "an index needs at least one key".into(),
        ));
    }
    let ttl = match options.ttl_seconds {
        Some(seconds) => Some(Duration::from_secs(u64::try_from(seconds).map_err(
            |_| DriverError::InvalidInput("expireAfterSeconds cannot be negative".into()),
        )?)),
        None => None,
    };
    let model_options = mongodb::options::IndexOptions::builder()
        .name(options.name.clone())
        .unique(options.unique.then_some(true))
        .sparse(options.sparse.then_some(true))
        .expire_after(ttl)
        .partial_filter_expression(options.partial_filter.clone())
        .hidden(options.hidden.then_some(true))
        .build();
    let model = IndexModel::builder()
        .keys(keys.clone())
        .options(model_options)
        .build();
    let created = client
        .timed(client.collection(ns).create_index(model))
        .await?;
    Ok(created.index_name)
}

/// Drops an index by name.
pub async fn drop_index(
    client: &MongoClient,
    ns: &Namespace,
    name: &str,
) -> Result<(), DriverError> {
    if name == "_id_" {
        return Err(DriverError::InvalidInput(
            "the _id index cannot be dropped".into(),
        ));
    }
    client.timed(client.collection(ns).drop_index(name)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_options_are_read_from_the_spec() {
        let spec = doc! {
            "v": 2, "key": {"at": 1}, "name": "at_1", "expireAfterSeconds": 60,
            "sparse": true, "partialFilterExpression": {"n": {"$gt": 0}},
        };
        let index = entry(&spec).expect("an index entry");
        assert_eq!(index.name, "at_1");
        assert_eq!(index.keys, doc! {"at": 1});
        assert_eq!(index.ttl_seconds, Some(60));
        assert!(index.sparse && !index.unique && !index.hidden);
        assert_eq!(index.partial_filter, Some(doc! {"n": {"$gt": 0}}));
        assert_eq!(entry(&doc! {"name": "no_key"}), None);
    }
}
