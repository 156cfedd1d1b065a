//! Bulk actions against real servers: a dry run counts what a pattern
//! matches, then delete or TTL every such key across all three primaries of
//! a cluster, batch by batch, and stop between batches when asked.

use dbdeck::domain::redis::{BulkAction, KeyFilter, Ttl};
use dbdeck::driver::DriverError;
use dbdeck::driver::redis::{self as driver, BulkProgress};

use crate::redis_cluster::{KEYS, client, seeded};
use crate::redis_driver;
use crate::support::redis::RedisServer;

fn glob(pattern: &str) -> KeyFilter {
    KeyFilter::Glob(pattern.to_owned())
}

#[tokio::test]
async fn bulk_delete_on_a_cluster_removes_every_match_on_every_node() {
    let cluster = seeded();
    let mut conn = cluster.conn();
    redis::cmd("SET")
        .arg("keep")
        .arg("me")
        .query::<()>(&mut conn)
        .unwrap();
    let client = client(&cluster).await;

    let preview = driver::bulk_preview(&client, &glob("k:*"), 5)
        .await
        .unwrap();
    assert_eq!(preview.matched, KEYS as u64);
    assert_eq!(preview.sample.len(), 5);
    assert!(
        preview
            .sample
            .iter()
            .all(|key| key.as_bytes().starts_with(b"k:"))
    );

    let progress = BulkProgress::default();
    let outcome = driver::bulk_apply(&client, &glob("k:*"), BulkAction::Delete, &progress)
        .await
        .unwrap();
    assert_eq!(preview.matched, outcome.succeeded + outcome.failed);
    assert_eq!((outcome.matched, outcome.failed), (KEYS as u64, 0));
    assert!(!outcome.cancelled);
    assert_eq!(progress.outcome(), outcome);

    let after = driver::bulk_preview(&client, &glob("k:*"), 5)
        .await
        .unwrap();
    assert_eq!(after.matched, 0, "nothing matching remains");
    assert_eq!(cluster.dbsizes().iter().sum::<u64>(), 1, "only `keep` left");
}

#[tokio::test]
async fn bulk_ttl_on_a_cluster_sets_every_matching_key_to_expire() {
    let cluster = seeded();
    let client = client(&cluster).await;
    let progress = BulkProgress::default();
    let outcome = driver::bulk_apply(&client, &glob("k:1*"), BulkAction::Expire(900), &progress)
        .await
        .unwrap();
    let expected = (0..KEYS).filter(|i| i.to_string().starts_with('1')).count() as u64;
    assert_eq!((outcome.matched, outcome.succeeded), (expected, expected));

    let keys = redis_driver::scan_all(&client, "k:*").await;
    assert_eq!(keys.len(), KEYS);
    for info in keys {
        let name = String::from_utf8(info.key.as_bytes().to_vec()).unwrap();
        let expires = matches!(info.ttl, dbdeck::domain::redis::Probe::Known(Ttl::ExpiresIn(ms)) if ms > 890_000);
        assert_eq!(expires, name.starts_with("k:1"), "{name}");
    }

    let zero = driver::bulk_apply(&client, &glob("k:*"), BulkAction::Expire(0), &progress).await;
    assert!(matches!(zero, Err(DriverError::InvalidInput(_))));
}

#[tokio::test]
async fn a_stopped_bulk_delete_says_exactly_what_it_did() {
    const MANY: u64 = 50_000;
    let server = RedisServer::start();
    redis::cmd("EVAL")
        .arg("for i=1,ARGV[1] do redis.call('SET','b:'..i,i) end")
        .arg(0)
        .arg(MANY)
        .query::<()>(&mut server.conn())
        .unwrap();
    let client = redis_driver::client(&server).await;

    let progress = BulkProgress::default();
    let running = {
        let (client, progress) = (client.clone(), progress.clone());
        tokio::spawn(async move {
            driver::bulk_apply(&client, &glob("b:*"), BulkAction::Delete, &progress).await
        })
    };
    // Stop as soon as the first batch is counted.
    while progress.outcome().matched == 0 {
        tokio::task::yield_now().await;
    }
    progress.stop();
    let outcome = running.await.unwrap().unwrap();

    assert!(outcome.cancelled);
    assert!(outcome.matched < MANY, "stopped early: {outcome:?}");
    assert_eq!(outcome.matched, outcome.succeeded + outcome.failed);
    let left: u64 = redis::cmd("DBSIZE").query(&mut server.conn()).unwrap();
    assert_eq!(left, MANY - outcome.succeeded);
}
