//! Indexes, aggregations, collections and field samples against the
//! nx-27017 stand-in, each test in a database of its own.

use bson::spec::ElementType;
use bson::{Document, doc};
use dbdeck::domain::mongo::{AggregateRequest, IndexOptions, Namespace};
use dbdeck::driver::DriverError;
use dbdeck::driver::mongo;

use crate::mongo_tree::{client, seed};

fn book() -> Vec<Document> {
    vec![
        doc! {"url": "u1", "author": "a", "status": 1},
        doc! {"url": "u1", "author": "a", "status": 2},
        doc! {"url": "u2", "author": "b", "status": 5},
    ]
}

#[tokio::test]
async fn indexes_are_created_with_options_listed_and_dropped() {
    seed("ops_index", "book", book()).await;
    let client = client("ops_index").await;
    let ns = Namespace::new("ops_index", "book");

    let ttl = IndexOptions {
        ttl_seconds: Some(60),
        ..IndexOptions::default()
    };
    let name = mongo::create_index(&client, &ns, &doc! {"at": 1}, &ttl)
        .await
        .unwrap();
    assert_eq!(name, "at_1");
    let sparse = IndexOptions {
        sparse: true,
        ..IndexOptions::default()
    };
    mongo::create_index(&client, &ns, &doc! {"author": 1}, &sparse)
        .await
        .unwrap();

    let listed = mongo::indexes(&client, &ns).await.unwrap();
    let keys: Vec<&Document> = listed.iter().map(|i| &i.keys).collect();
    assert_eq!(
        keys,
        [&doc! {"_id": 1}, &doc! {"at": 1}, &doc! {"author": 1}]
    );
    let by_keys = |keys: Document| listed.iter().find(|i| i.keys == keys).unwrap();
    assert_eq!(by_keys(doc! {"at": 1}).ttl_seconds, Some(60));
    assert_eq!(by_keys(doc! {"_id": 1}).ttl_seconds, None);

    // The stand-in names indexes its own way, reads every key as ascending
    // and forgets `sparse` and `partialFilterExpression`: the test keys are
    // ascending, the drop goes by the listed name, and those options are
    // checked at the unit level.
    let dropped = by_keys(doc! {"author": 1}).name.clone();
    mongo::drop_index(&client, &ns, &dropped).await.unwrap();
    let left = mongo::indexes(&client, &ns).await.unwrap();
    assert!(left.iter().all(|i| i.name != dropped));
    assert_eq!(left.len(), 2);

    let refused = mongo::drop_index(&client, &ns, "_id_").await;
    assert!(matches!(refused, Err(DriverError::InvalidInput(_))));
}

fn pipeline_request(ns: Namespace, pipeline: Vec<Document>, limit: u32) -> AggregateRequest {
    AggregateRequest {
        ns,
        pipeline,
        max_time_ms: Some(5_000),
        limit,
        allow_output: false,
    }
}

#[tokio::test]
async fn aggregations_group_and_stop_at_their_limit() {
    seed("ops_agg", "book", book()).await;
    let client = client("ops_agg").await;
    let ns = Namespace::new("ops_agg", "book");

    let group = vec![
        doc! {"$group": {"_id": "$url", "s": {"$sum": "$status"}, "c": {"$sum": 1}}},
        doc! {"$sort": {"_id": 1}},
    ];
    let request = pipeline_request(ns.clone(), group, 10);
    let (items, complete) = mongo::aggregate(&client, &request).await.unwrap();
    assert_eq!(
        items,
        [
            doc! {"_id": "u1", "s": 3, "c": 2},
            doc! {"_id": "u2", "s": 5, "c": 1}
        ]
    );
    assert!(complete);

    let request = pipeline_request(ns, vec![doc! {"$sort": {"status": -1}}], 2);
    let (items, complete) = mongo::aggregate(&client, &request).await.unwrap();
    let statuses: Vec<i32> = items.iter().map(|d| d.get_i32("status").unwrap()).collect();
    assert_eq!(statuses, [5, 2]);
    assert!(!complete);
}

#[tokio::test]
async fn collections_are_created_and_dropped() {
    let client = client("ops_colls").await;
    let ns = Namespace::new("ops_colls", "fresh");

    mongo::create_collection(&client, &ns).await.unwrap();
    let names = |listed: Vec<dbdeck::domain::mongo::CollectionEntry>| {
        listed.into_iter().map(|c| c.name).collect::<Vec<_>>()
    };
    let listed = mongo::collections(&client, "ops_colls").await.unwrap();
    assert_eq!(names(listed), ["fresh"]);
    let again = mongo::create_collection(&client, &ns).await;
    assert!(matches!(again, Err(DriverError::InvalidInput(_))));

    mongo::drop_collection(&client, &ns).await.unwrap();
    let listed = mongo::collections(&client, "ops_colls").await.unwrap();
    assert!(names(listed).is_empty());
}

#[tokio::test]
async fn a_sample_offers_nested_field_paths() {
    let docs = vec![
        doc! {"name": "a", "address": {"city": "Oslo", "zip": 150}},
        doc! {"name": "b", "tags": [{"k": "x"}]},
    ];
    seed("ops_sample", "people", docs).await;
    let client = client("ops_sample").await;
    let ns = Namespace::new("ops_sample", "people");

    let fields = mongo::sample_fields(&client, &ns, 50).await.unwrap();
    let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "_id",
            "address",
            "address.city",
            "address.zip",
            "name",
            "tags",
            "tags.k"
        ]
    );
    assert_eq!(fields[3].types, [ElementType::Int32]);
}
