//! Single-document writes and counts against the nx-27017 stand-in,
//! through the worker pool as both front ends reach them: insert, update
//! ($set/$unset), replace and delete by a typed `_id`, read-only refusals,
//! and estimated versus exact (cancellable) counts.

use bson::oid::ObjectId;
use bson::{Bson, Document, doc};
use dbdeck::domain::ConnectTarget;
use dbdeck::domain::mongo::{
    AggregateRequest, Count, FindRequest, Namespace, UpdateSpec, WriteCount,
};
use dbdeck::driver::DriverError;
use dbdeck::worker::{Job, MongoRequest, MongoResponse, Request, Response, Sessions, WorkerPool};
use tokio::sync::mpsc;

use crate::mongo_tree::seed;
use crate::redis_driver::timeouts;
use crate::support::mongo::MongoServer;

fn pool() -> WorkerPool {
    WorkerPool::new(
        Sessions::new(std::time::Duration::from_secs(60), timeouts()),
        2,
    )
}

async fn run(
    pool: &WorkerPool,
    target: &ConnectTarget,
    request: MongoRequest,
) -> Result<MongoResponse, DriverError> {
    let job = Job {
        target: target.clone(),
        db: 0,
        request: Request::from(request),
    };
    match pool.run(job).await? {
        Response::Mongo(response) => Ok(response),
        other => panic!("not a MongoDB response: {other:?}"),
    }
}

/// The documents of `ns` matching `filter`, in `_id` order.
async fn read(
    pool: &WorkerPool,
    target: &ConnectTarget,
    ns: &Namespace,
    filter: Document,
) -> Vec<Document> {
    let find = FindRequest {
        ns: ns.clone(),
        filter,
        projection: None,
        sort: doc! {},
        skip: 0,
        limit: None,
        page_size: 100,
        max_time_ms: None,
        cursor: None,
    };
    match run(pool, target, MongoRequest::Find(Box::new(find)))
        .await
        .unwrap()
    {
        MongoResponse::Page(page) => page.items,
        other => panic!("not a page: {other:?}"),
    }
}

#[tokio::test]
async fn each_typed_id_is_updated_replaced_and_deleted_on_its_own() {
    let (pool, target) = (pool(), MongoServer::shared().target(11, "edit_ids"));
    let ns = Namespace::new("edit_ids", "mix");
    // B19. The stand-in matches `_id` by its text, so int 1 and "1" (or an
    // ObjectId and its hex) would collide there; these ids all differ in
    // text. Real MongoDB keeps the colliding pairs apart as well, and the
    // filters dbdeck builds keep each id's BSON type (unit-tested).
    let oid = ObjectId::parse_str("5f1d7a2b3c4d5e6f7a8b9c0d").unwrap();
    let ids = [
        Bson::Int32(7),
        Bson::String("abc".into()),
        Bson::ObjectId(oid),
        Bson::Double(2.5),
    ];
    for (n, id) in ids.iter().enumerate() {
        let doc = doc! {"_id": id.clone(), "t": n as i32, "keep": "x", "drop": true};
        let inserted = run(
            &pool,
            &target,
            MongoRequest::Insert {
                ns: ns.clone(),
                doc,
            },
        )
        .await;
        assert_eq!(inserted.unwrap(), MongoResponse::Inserted(id.clone()));
    }

    let update = UpdateSpec::Operators(doc! {"$set": {"t": 70}, "$unset": {"drop": ""}});
    let id_filter = doc! {"_id": 7};
    let request = MongoRequest::Update {
        ns: ns.clone(),
        id_filter,
        update,
    };
    let counted = WriteCount {
        matched: 1,
        modified: 1,
    };
    assert_eq!(
        run(&pool, &target, request).await.unwrap(),
        MongoResponse::Updated(counted)
    );

    let id_filter = doc! {"_id": oid};
    let request = MongoRequest::Replace {
        ns: ns.clone(),
        id_filter,
        doc: doc! {"t": 99},
    };
    assert_eq!(
        run(&pool, &target, request).await.unwrap(),
        MongoResponse::Updated(counted)
    );

    let id_filter = doc! {"_id": "abc"};
    let request = MongoRequest::Delete {
        ns: ns.clone(),
        id_filter: id_filter.clone(),
    };
    assert_eq!(
        run(&pool, &target, request).await.unwrap(),
        MongoResponse::Deleted(1)
    );
    let again = MongoRequest::Delete {
        ns: ns.clone(),
        id_filter,
    };
    assert!(matches!(
        run(&pool, &target, again).await,
        Err(DriverError::Missing(_))
    ));

    let int = read(&pool, &target, &ns, doc! {"_id": 7}).await;
    assert_eq!(int, [doc! {"_id": 7, "t": 70, "keep": "x"}]);
    let replaced = read(&pool, &target, &ns, doc! {"_id": oid}).await;
    assert_eq!(replaced, [doc! {"_id": oid, "t": 99}]);
    let double = read(&pool, &target, &ns, doc! {"_id": 2.5}).await;
    assert_eq!(
        double,
        [doc! {"_id": 2.5, "t": 3, "keep": "x", "drop": true}]
    );
    assert!(
        read(&pool, &target, &ns, doc! {"_id": "abc"})
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_write_needs_an_id_filter_and_a_pipeline_update_never_fails_silently() {
    seed("edit_rules", "items", vec![doc! {"_id": 1, "n": 1}]).await;
    let (pool, target) = (pool(), MongoServer::shared().target(12, "edit_rules"));
    let ns = Namespace::new("edit_rules", "items");

    let wide = MongoRequest::Delete {
        ns: ns.clone(),
        id_filter: doc! {"n": 1},
    };
    assert!(matches!(
        run(&pool, &target, wide).await,
        Err(DriverError::InvalidInput(_))
    ));

    // Real MongoDB (4.2+) applies a pipeline update; the stand-in refuses
    // it, and the refusal must reach the caller with the document intact.
    let update = UpdateSpec::Pipeline(vec![doc! {"$set": {"n": {"$add": ["$n", 1]}}}]);
    let request = MongoRequest::Update {
        ns: ns.clone(),
        id_filter: doc! {"_id": 1},
        update,
    };
    match run(&pool, &target, request).await {
        Ok(MongoResponse::Updated(count)) => assert_eq!(count.modified, 1),
        Ok(other) => panic!("unexpected reply {other:?}"),
        Err(error) => {
            assert!(!matches!(error, DriverError::Missing(_)), "{error}");
            assert_eq!(
                read(&pool, &target, &ns, doc! {}).await,
                [doc! {"_id": 1, "n": 1}]
            );
        }
    }
}

#[tokio::test]
async fn read_only_connections_refuse_writes_and_output_stages() {
    seed("edit_ro", "items", vec![doc! {"_id": 1}]).await;
    let pool = pool();
    let target = ConnectTarget {
        read_only: true,
        ..MongoServer::shared().target(13, "edit_ro")
    };
    let ns = Namespace::new("edit_ro", "items");

    let insert = MongoRequest::Insert {
        ns: ns.clone(),
        doc: doc! {"_id": 2},
    };
    assert_eq!(
        run(&pool, &target, insert).await,
        Err(DriverError::ReadOnly)
    );
    let out = AggregateRequest {
        ns: ns.clone(),
        pipeline: vec![doc! {"$match": {}}, doc! {"$out": "copy"}],
        max_time_ms: None,
        limit: 10,
        allow_output: true,
    };
    let request = MongoRequest::Aggregate(Box::new(out.clone()));
    assert_eq!(
        run(&pool, &target, request).await,
        Err(DriverError::ReadOnly)
    );
    assert_eq!(read(&pool, &target, &ns, doc! {}).await, [doc! {"_id": 1}]);

    // On a writable connection, an output stage still needs the caller's
    // explicit allowance.
    let writable = MongoServer::shared().target(14, "edit_ro");
    let unconfirmed = AggregateRequest {
        allow_output: false,
        ..out
    };
    let request = MongoRequest::Aggregate(Box::new(unconfirmed));
    assert!(matches!(
        run(&pool, &writable, request).await,
        Err(DriverError::NotPermitted(_))
    ));
}

#[tokio::test]
async fn estimated_and_exact_counts_differ_in_kind() {
    seed(
        "edit_count",
        "items",
        (0..30).map(|k| doc! {"k": k}).collect(),
    )
    .await;
    let (pool, target) = (pool(), MongoServer::shared().target(15, "edit_count"));
    let ns = Namespace::new("edit_count", "items");

    let estimated = run(
        &pool,
        &target,
        MongoRequest::EstimatedCount { ns: ns.clone() },
    )
    .await;
    let approximate = Count {
        n: 30,
        approximate: true,
    };
    assert_eq!(estimated.unwrap(), MongoResponse::Count(approximate));
    let filter = doc! {"k": {"$lt": 10}};
    let exact = run(
        &pool,
        &target,
        MongoRequest::ExactCount {
            ns: ns.clone(),
            filter,
        },
    )
    .await;
    let counted = Count {
        n: 10,
        approximate: false,
    };
    assert_eq!(exact.unwrap(), MongoResponse::Count(counted));
}

#[tokio::test]
async fn an_exact_count_stops_when_its_job_is_cancelled() {
    seed("edit_cancel", "items", vec![doc! {"k": 1}]).await;
    let (pool, target) = (pool(), MongoServer::shared().target(16, "edit_cancel"));
    let (reply, mut outcomes) = mpsc::unbounded_channel();
    let request = MongoRequest::ExactCount {
        ns: Namespace::new("edit_cancel", "items"),
        filter: doc! {},
    };
    let job = Job {
        target,
        db: 0,
        request: Request::from(request),
    };

    // Cancelled before its first round trip could finish.
    let handle = pool.submit(job, reply);
    handle.cancel();
    let outcome = outcomes.recv().await.unwrap();
    assert_eq!(outcome.id, handle.id);
    assert_eq!(outcome.result, Err(DriverError::Cancelled));
}
