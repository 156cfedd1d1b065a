//! The database tree: databases the user may see, and each database's
//! collections and views with their statistics and shard keys.
//!
//! A part the server will not tell (statistics of one collection, sizes of
//! the databases) becomes "unknown" on that entry; it never empties the
//! list around it.

use std::future::Future;

use bson::{Bson, Document, doc};
use futures::{StreamExt as _, TryStreamExt as _};

use super::{MongoClient, topology};
use crate::domain::mongo::{
    Access, CollectionEntry, CollectionKind, CollectionStats, DatabaseEntry, Topology,
};
use crate::driver::DriverError;

/// How many collections' statistics are asked for at once.
const STATS_AT_ONCE: usize = 8;

/// The databases the user may see. A user without the listDatabases
/// privilege still gets the databases their roles name (authorizedDatabases)
/// and, failing that, the database the URL names.
pub async fn databases(client: &MongoClient) -> Result<Vec<DatabaseEntry>, DriverError> {
    let ask = |command| async move { client.command("admin", command).await };
    list_databases(ask, client.default_db()).await
}

/// The listing policy behind `databases`, apart from the server so each
/// refusal can be tested: full listing, then names only, then the URL's
/// database; a refusal never leaves the tree empty when the URL names one.
async fn list_databases<F, Fut>(
    ask: F,
    default_db: Option<&str>,
) -> Result<Vec<DatabaseEntry>, DriverError>
where
    F: Fn(Document) -> Fut,
    Fut: Future<Output = Result<Document, DriverError>>,
{
    let full = doc! { "listDatabases": 1, "authorizedDatabases": true };
    let names_only = doc! { "listDatabases": 1, "nameOnly": true, "authorizedDatabases": true };
    let mut entries = match ask(full).await {
        Err(DriverError::NotPermitted(_)) => match ask(names_only).await {
            Ok(reply) => listed(&reply),
            Err(DriverError::NotPermitted(denied)) => match default_db {
                Some(db) => vec![unknown(db)],
                None => return Err(DriverError::NotPermitted(denied)),
            },
            Err(other) => return Err(other),
        },
        reply => listed(&reply?),
    };
    if let Some(db) = default_db
        && !entries.iter().any(|e| e.name == db)
    {
        entries.push(unknown(db));
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

fn listed(reply: &Document) -> Vec<DatabaseEntry> {
    let Ok(databases) = reply.get_array("databases") else {
        return Vec::new();
    };
    databases
        .iter()
        .filter_map(Bson::as_document)
        .filter_map(|db| {
            Some(DatabaseEntry {
                name: db.get_str("name").ok()?.to_owned(),
                size_on_disk: db.get("sizeOnDisk").and_then(as_u64),
                access: Access::Readable,
            })
        })
        .collect()
}

/// A database the server did not list but the user asked for by URL.
fn unknown(name: &str) -> DatabaseEntry {
    DatabaseEntry {
        name: name.to_owned(),
        size_on_disk: None,
        access: Access::Unknown,
    }
}

/// The collections and views of a database, by name, with statistics for
/// collections (views have none) and shard keys behind mongos.
pub async fn collections(
    client: &MongoClient,
    db: &str,
) -> Result<Vec<CollectionEntry>, DriverError> {
    let command = doc! { "listCollections": 1, "authorizedCollections": true };
    let specs: Vec<Document> = client
        .timed(async {
            let cursor = client.database(db).run_cursor_command(command).await?;
            cursor.try_collect().await
        })
        .await?;
    let mut entries: Vec<CollectionEntry> = specs.iter().filter_map(entry).collect();
    entries.sort_by(|a, b| a.name.cmp(&b.name));

    // Owned arguments: a stream of futures borrowing the entries would not
    // be `Send` for every lifetime, which the worker's tasks need.
    let asks: Vec<(String, CollectionKind)> =
        entries.iter().map(|e| (e.name.clone(), e.kind)).collect();
    let stats = futures::stream::iter(asks)
        .map(|(name, kind)| {
            let (client, db) = (client.clone(), db.to_owned());
            async move { stats(&client, &db, &name, kind).await }
        })
        .buffered(STATS_AT_ONCE)
        .collect::<Vec<_>>()
        .await;
    for (entry, stats) in entries.iter_mut().zip(stats) {
        entry.stats = stats;
    }
    if is_mongos(client).await {
        add_shard_keys(client, db, &mut entries).await;
    }
    Ok(entries)
}

/// One listCollections entry; `system.*` collections are internal.
fn entry(spec: &Document) -> Option<CollectionEntry> {
    let name = spec.get_str("name").ok()?;
    if name.starts_with("system.") {
        return None;
    }
    let kind = match spec.get_str("type") {
        Ok("view") => CollectionKind::View,
        Ok("timeseries") => CollectionKind::TimeSeries,
        _ => CollectionKind::Collection,
    };
    let flagged = spec
        .get_document("info")
        .and_then(|info| info.get_bool("readOnly"))
        .unwrap_or(false);
    Some(CollectionEntry {
        name: name.to_owned(),
        kind,
        stats: None,
        shard_key: None,
        read_only: flagged || kind == CollectionKind::View,
    })
}

/// A collection's count, size and index size from metadata; `None` for a
/// view or when the server will not say.
async fn stats(
    client: &MongoClient,
    db: &str,
    name: &str,
    kind: CollectionKind,
) -> Option<CollectionStats> {
    if kind == CollectionKind::View {
        return None;
    }
    // collStats is deprecated since 6.2 but still answers through 8, and a
    // user with only `find` may run neither; both failing means "n/a".
    let reply = client.command(db, doc! { "collStats": name }).await.ok()?;
    Some(CollectionStats {
        count: reply.get("count").and_then(as_u64)?,
        size: reply.get("size").and_then(as_u64).unwrap_or(0),
        index_size: reply.get("totalIndexSize").and_then(as_u64).unwrap_or(0),
    })
}

async fn is_mongos(client: &MongoClient) -> bool {
    let hello = client.command("admin", doc! { "hello": 1 }).await;
    matches!(hello.map(|h| topology(&h)), Ok(Topology::Sharded))
}

/// Shard keys from `config.collections`, read through mongos. Reading the
/// config database may be denied; the collections then show unsharded.
async fn add_shard_keys(client: &MongoClient, db: &str, entries: &mut [CollectionEntry]) {
    let ids: Vec<String> = entries.iter().map(|e| format!("{db}.{}", e.name)).collect();
    let filter = doc! { "_id": { "$in": ids }, "dropped": { "$ne": true } };
    let config = client
        .database("config")
        .collection::<Document>("collections");
    let found: Result<Vec<Document>, DriverError> = client
        .timed(async { config.find(filter).await?.try_collect().await })
        .await;
    let Ok(found) = found else {
        return;
    };
    apply_shard_keys(db, entries, &found);
}

fn apply_shard_keys(db: &str, entries: &mut [CollectionEntry], config: &[Document]) {
    for sharded in config {
        let (Ok(id), Ok(key)) = (sharded.get_str("_id"), sharded.get_document("key")) else {
            continue;
        };
        let name = id.strip_prefix(db).and_then(|rest| rest.strip_prefix('.'));
        if let Some(entry) = entries.iter_mut().find(|e| Some(e.name.as_str()) == name) {
            entry.shard_key = Some(key.clone());
        }
    }
}

/// A non-negative count or size, whatever numeric type the server used.
pub(super) fn as_u64(value: &Bson) -> Option<u64> {
    match value {
        Bson::Int32(n) => u64::try_from(*n).ok(),
        Bson::Int64(n) => u64::try_from(*n).ok(),
        Bson::Double(n) if *n >= 0.0 => Some(*n as u64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_and_time_series_are_told_apart() {
        let view = entry(&doc! {"name": "vbook", "type": "view", "info": {"readOnly": true}});
        let view = view.expect("a view entry");
        assert_eq!(view.kind, CollectionKind::View);
        assert!(view.read_only);
        let series = entry(&doc! {"name": "t", "type": "timeseries"}).expect("an entry");
        assert_eq!(series.kind, CollectionKind::TimeSeries);
        assert!(!series.read_only);
        assert_eq!(
            entry(&doc! {"name": "system.views", "type": "collection"}),
            None
        );
    }

    #[test]
    fn shard_keys_come_from_config_collections() {
        let mut entries = vec![
            entry(&doc! {"name": "orders"}).expect("orders"),
            entry(&doc! {"name": "users"}).expect("users"),
        ];
        let config = [
            doc! {"_id": "shop.orders", "key": {"customer": "hashed"}},
            doc! {"_id": "shopx.users", "key": {"x": 1}},
        ];
        apply_shard_keys("shop", &mut entries, &config);
        assert_eq!(entries[0].shard_key, Some(doc! {"customer": "hashed"}));
        assert_eq!(entries[1].shard_key, None);
    }

    #[test]
    fn listed_databases_keep_their_sizes() {
        let reply = doc! {"databases": [
            {"name": "appdb", "sizeOnDisk": 8192_i64, "empty": false},
            {"name": "other"},
        ]};
        let entries = listed(&reply);
        assert_eq!(entries[0].size_on_disk, Some(8192));
        assert_eq!(entries[1].size_on_disk, None);
        assert_eq!(entries[1].access, Access::Readable);
    }

    /// Answers listDatabases as a server would for a user whose privileges
    /// stop at `allowed` (0: nothing, 1: names only, 2: everything).
    async fn answer(command: Document, allowed: u8) -> Result<Document, DriverError> {
        let names_only = command.get_bool("nameOnly").unwrap_or(false);
        let needed = if names_only { 1 } else { 2 };
        if allowed < needed {
            return Err(DriverError::NotPermitted("not authorized on admin".into()));
        }
        Ok(doc! {"databases": [{"name": "appdb", "sizeOnDisk": 10}]})
    }

    fn run(allowed: u8, default_db: Option<&str>) -> Result<Vec<DatabaseEntry>, DriverError> {
        let ask = |command| answer(command, allowed);
        futures::executor::block_on(list_databases(ask, default_db))
    }

    #[test]
    fn a_refused_listing_falls_back_to_names_then_to_the_url() {
        // B25: never an empty tree while the URL names a database.
        let full = run(2, None).expect("a full listing");
        assert_eq!(full[0].size_on_disk, Some(10));
        let names = run(1, None).expect("a names-only listing");
        assert_eq!(names[0].name, "appdb");
        let from_url = run(0, Some("appdb")).expect("the URL's database");
        assert_eq!(from_url, [unknown("appdb")]);
        assert!(matches!(run(0, None), Err(DriverError::NotPermitted(_))));
        let both = run(2, Some("newdb")).expect("listed and named");
        let names: Vec<&str> = both.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["appdb", "newdb"]);
    }
}
