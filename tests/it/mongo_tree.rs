//! The MongoDB tree against the nx-27017 stand-in: databases (the URL's
//! database included), collections with their statistics, and `conn test`
//! through the worker pool. Each test seeds a database of its own.

use bson::{Document, doc};
use dbdeck::domain::mongo::{Access, CollectionKind};
use dbdeck::domain::redis::Probe;
use dbdeck::driver::mongo::{self, MongoClient};
use dbdeck::worker::{Job, MongoRequest, MongoResponse, Request, Response, Sessions, WorkerPool};

use crate::redis_driver::timeouts;
use crate::support::mongo::MongoServer;

/// A dbdeck client whose URL names `db`.
pub async fn client(db: &str) -> MongoClient {
    mongo::connect(&MongoServer::shared().target(1, db), timeouts())
        .await
        .unwrap()
}

/// Inserts `docs` into `db.collection` from outside dbdeck.
pub async fn seed(db: &str, collection: &str, docs: Vec<Document>) {
    let seeding = MongoServer::shared().client().await;
    seeding
        .database(db)
        .collection::<Document>(collection)
        .insert_many(docs)
        .await
        .unwrap();
}

#[tokio::test]
async fn databases_include_the_seeded_one_and_the_urls() {
    seed("tree_dbs", "items", vec![doc! {"a": 1}]).await;
    let listed = mongo::databases(&client("tree_dbs_from_url").await)
        .await
        .unwrap();

    let seeded = listed.iter().find(|d| d.name == "tree_dbs").unwrap();
    assert_eq!(seeded.access, Access::Readable);
    // The URL's database holds nothing yet, so the server does not list it;
    // the tree still offers it.
    let named = listed
        .iter()
        .find(|d| d.name == "tree_dbs_from_url")
        .unwrap();
    assert_eq!(named.access, Access::Unknown);
    assert_eq!(named.size_on_disk, None);
}

#[tokio::test]
async fn collections_come_sorted_with_their_counts() {
    let docs = |n: i32| (0..n).map(|i| doc! {"i": i}).collect::<Vec<_>>();
    seed("tree_colls", "beta", docs(1)).await;
    seed("tree_colls", "alpha", docs(3)).await;

    let listed = mongo::collections(&client("tree_colls").await, "tree_colls")
        .await
        .unwrap();
    let names: Vec<&str> = listed.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["alpha", "beta"]);
    assert_eq!(listed[0].kind, CollectionKind::Collection);
    assert!(!listed[0].read_only);
    assert_eq!(listed[0].stats.map(|s| s.count), Some(3));
    assert_eq!(listed[1].stats.map(|s| s.count), Some(1));
    assert_eq!(listed[0].shard_key, None);
}

#[tokio::test]
async fn conn_test_and_requests_run_through_the_pool() {
    seed("tree_pool", "things", vec![doc! {"x": 1}]).await;
    let target = MongoServer::shared().target(2, "tree_pool");
    let sessions = Sessions::new(std::time::Duration::from_secs(60), timeouts());
    let pool = WorkerPool::new(sessions.clone(), 2);
    let job = |request| Job {
        target: target.clone(),
        db: 0,
        request,
    };

    let Response::Tested(summary) = pool.run(job(Request::Test)).await.unwrap() else {
        panic!("a summary");
    };
    assert_eq!(summary.mode, Probe::Known("standalone".into()));
    assert!(matches!(summary.version, Probe::Known(ref v) if !v.is_empty()));

    let request = Request::from(MongoRequest::Collections {
        db: "tree_pool".into(),
    });
    let Response::Mongo(MongoResponse::Collections(listed)) = pool.run(job(request)).await.unwrap()
    else {
        panic!("collections");
    };
    assert_eq!(listed[0].name, "things");
    // Both jobs shared one live client.
    assert_eq!(sessions.stats().open, 1);
    assert_eq!(
        sessions.mongo(&target).await.unwrap().default_db(),
        Some("tree_pool")
    );
}
