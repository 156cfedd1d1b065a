//! The Redis driver against a real three-primary cluster: a scan walks every
//! primary once, and per-key reads and writes reach the owning node.

use std::collections::HashSet;

use dbdeck::config::Settings;
use dbdeck::domain::ByteString;
use dbdeck::domain::redis::{KeyType, Probe, ScanRequest, Ttl, ValuePage};
use dbdeck::driver::DriverError;
use dbdeck::driver::redis::{self as driver, RedisClient};

use crate::redis_driver::{read, scan_request, string_value, timeouts};
use crate::support::api::Api;
use crate::support::redis::RedisCluster;

pub const KEYS: usize = 300;

pub async fn client(cluster: &RedisCluster) -> RedisClient {
    driver::connect(&cluster.target(1), 0, timeouts())
        .await
        .unwrap()
}

/// `KEYS` string keys `k:0`… spread over all three nodes.
pub fn seeded() -> RedisCluster {
    let cluster = RedisCluster::start();
    let mut conn = cluster.conn();
    for i in 0..KEYS {
        redis::cmd("SET")
            .arg(format!("k:{i}"))
            .arg(format!("v{i}"))
            .query::<()>(&mut conn)
            .unwrap();
    }
    let sizes = cluster.dbsizes();
    assert!(
        sizes.iter().all(|&n| n > 0),
        "keys on every node: {sizes:?}"
    );
    assert_eq!(sizes.iter().sum::<u64>(), KEYS as u64);
    cluster
}

/// One key each node owns, read from the node itself, in node order.
fn key_per_node(cluster: &RedisCluster) -> Vec<String> {
    cluster
        .nodes
        .iter()
        .map(|node| {
            redis::cmd("RANDOMKEY")
                .query::<String>(&mut node.conn())
                .unwrap()
        })
        .collect()
}

/// Every page of a scan, keeping duplicates so a test can see them.
async fn scan_pages(client: &RedisClient, mut request: ScanRequest) -> (Vec<ByteString>, u32) {
    let mut keys = Vec::new();
    let mut pages = 0;
    loop {
        let page = driver::scan_page(client, &request).await.unwrap();
        pages += 1;
        keys.extend(page.items.into_iter().map(|info| info.key));
        match page.next_cursor {
            Some(cursor) => request.cursor = cursor,
            None => return (keys, pages),
        }
    }
}

#[tokio::test]
async fn scan_sees_every_key_of_every_primary_exactly_once() {
    let cluster = seeded();
    let client = client(&cluster).await;
    assert!(client.is_cluster());

    let request = ScanRequest {
        count: 20,
        ..scan_request("k:*")
    };
    let (keys, pages) = scan_pages(&client, request).await;
    let distinct: HashSet<&ByteString> = keys.iter().collect();
    assert_eq!(keys.len(), KEYS, "no key twice, none missing");
    assert_eq!(distinct.len(), KEYS);
    assert!(pages >= 3, "one primary after another: {pages} pages");

    let page = driver::scan_page(&client, &scan_request("k:1*"))
        .await
        .unwrap();
    for info in &page.items {
        assert_eq!(info.key_type, Probe::Known(Some(KeyType::String)));
        assert_eq!(info.ttl, Probe::Known(Ttl::NoExpiry));
        assert!(matches!(info.size, Probe::Known(n) if n > 0));
    }
}

#[tokio::test]
async fn values_of_keys_on_every_node_open() {
    let cluster = seeded();
    let client = client(&cluster).await;
    for key in key_per_node(&cluster) {
        let value = string_value(read(&client, key.as_str()).await.unwrap());
        let expected = format!("v{}", &key["k:".len()..]);
        assert_eq!(value, expected.as_bytes(), "{key}");
    }

    let mut conn = cluster.conn();
    redis::cmd("HSET")
        .arg("h")
        .arg("f")
        .arg("x")
        .query::<()>(&mut conn)
        .unwrap();
    let ValuePage::Hash { total, entries, .. } = read(&client, "h").await.unwrap() else {
        panic!("h is a hash");
    };
    assert_eq!((total, entries[0].value.as_bytes()), (1, b"x".as_slice()));
}

#[tokio::test]
async fn ttl_and_delete_reach_the_owning_node() {
    let cluster = seeded();
    let client = client(&cluster).await;
    let keys = key_per_node(&cluster);
    for key in &keys {
        let key = ByteString::from(key.as_str());
        let ttl = driver::expire(&client, &key, 600).await.unwrap();
        assert!(matches!(ttl, Ttl::ExpiresIn(ms) if ms > 590_000), "{ttl:?}");
        assert_eq!(driver::persist(&client, &key).await.unwrap(), Ttl::NoExpiry);
        assert!(driver::delete(&client, &key).await.unwrap());
        assert!(matches!(
            read(&client, key.clone()).await,
            Err(DriverError::NotFound)
        ));
    }
    assert_eq!(cluster.dbsizes().iter().sum::<u64>(), (KEYS - 3) as u64);
}

#[tokio::test]
async fn a_cluster_has_database_0_only() {
    let cluster = seeded();
    let client = client(&cluster).await;
    let databases = driver::databases(&client).await.unwrap();
    assert_eq!(databases.len(), 1);
    assert_eq!(
        (databases[0].index, databases[0].keys, databases[0].cluster),
        (0, Some(KEYS as u64), true)
    );
    let summary = driver::server_summary(&client).await.unwrap();
    assert_eq!(summary.dbsize, Probe::Known(KEYS as u64));

    let Err(DriverError::InvalidInput(message)) =
        driver::connect(&cluster.target(1), 2, timeouts()).await
    else {
        panic!("database 2 of a cluster must be refused");
    };
    assert!(message.contains("only database 0"), "{message}");
}

#[tokio::test]
async fn rest_key_pages_walk_the_whole_cluster_by_an_opaque_cursor() {
    let cluster = seeded();
    let url = cluster.nodes[0].url();
    let api = Api::with(Settings::default(), &[("c", &url, false)]).await;

    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..500 {
        let mut path = "/api/v1/redis/c/keys?pattern=k:*&count=25".to_owned();
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = api.get(&path).await.json();
        for item in page["items"].as_array().unwrap() {
            assert!(seen.insert(item["key"].as_str().unwrap().to_owned()));
        }
        if page["complete"] == true {
            break;
        }
        cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen.len(), KEYS);

    let databases = api.get("/api/v1/redis/c/databases").await.json();
    assert_eq!(databases["items"][0]["cluster"], true);
    assert_eq!(databases["items"][0]["keys"], KEYS);
    assert_eq!(databases["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn metadata_follows_slots_moved_after_the_client_read_the_slot_map() {
    let cluster = seeded();
    let client = client(&cluster).await;
    let before = cluster.dbsizes();
    cluster.move_slots(0, 1, 2_000);
    let after = cluster.dbsizes();
    assert!(
        after[0] < before[0],
        "keys moved off node 0: {before:?} → {after:?}"
    );

    let keys: Vec<ByteString> = (0..KEYS)
        .map(|i| ByteString::from(format!("k:{i}")))
        .collect();
    let infos = driver::key_infos(&client, keys).await.unwrap();
    assert_eq!(infos.len(), KEYS);
    for info in infos {
        assert_eq!(
            info.key_type,
            Probe::Known(Some(KeyType::String)),
            "{:?}",
            info.key
        );
    }
}
