//! The Redis driver against a real three-primary cluster: a scan walks every
//! primary once, and per-key reads and writes reach the owning node.

use std::collections::HashSet;

use dbdeck::config::Settings;
use dbdeck::domain::ByteString;
use dbdeck::domain::redis::{KeyType, Probe, ScanRequest, Ttl, ValuePage};
use dbdeck::domain::redis_edit::{EditResult, ListEnd, MemberEdit, NewValue, Score, StreamId};
use dbdeck::driver::DriverError;
use dbdeck::driver::redis::{self as driver, RedisClient};

use crate::redis_driver::{read, scan_request, string_value, timeouts};
use crate::redis_edit::{
    BIN, bytes, edit, hash_pairs, list_items, pair, set_members, zset_members,
};
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

/// The type of `key` asked of one node directly: a node answers only for
/// the keys it owns (MOVED otherwise), so this proves where a key lives.
fn type_on_node(cluster: &RedisCluster, node: usize, key: &str) -> String {
    redis::cmd("TYPE")
        .arg(key)
        .query::<String>(&mut cluster.nodes[node].conn())
        .unwrap()
}

/// Key names in the slot of each node's key, via a `{hash tag}`.
fn tagged(cluster: &RedisCluster, suffix: &str) -> Vec<String> {
    key_per_node(cluster)
        .iter()
        .map(|key| format!("{{{key}}}:{suffix}"))
        .collect()
}

#[tokio::test]
async fn member_writes_reach_keys_on_every_node() {
    let cluster = seeded();
    let client = client(&cluster).await;
    let mut conn = cluster.conn();
    let (tags, score) = (
        tagged(&cluster, "t"),
        Score::parse("100000000060000").unwrap(),
    );
    for (node, tag) in tags.iter().enumerate() {
        let key = |kind: &str| format!("{tag}:{kind}");
        for (kind, first) in [("h", "HSET"), ("l", "RPUSH"), ("s", "SADD"), ("z", "ZADD")] {
            let args: &[&str] = if kind == "h" || kind == "z" {
                &["1", "a"]
            } else {
                &["a"]
            };
            redis::cmd(first)
                .arg(key(kind))
                .arg(args)
                .query::<()>(&mut conn)
                .unwrap();
        }
        redis::cmd("XADD")
            .arg(key("x"))
            .arg("1-1")
            .arg("f")
            .arg("v")
            .query::<()>(&mut conn)
            .unwrap();

        let field = MemberEdit::HashSet {
            field: bytes(BIN),
            value: bytes(BIN),
        };
        assert_eq!(
            edit(&client, &key("h"), field).await,
            Ok(EditResult::Changed(1))
        );
        let push = MemberEdit::ListPush {
            end: ListEnd::Head,
            items: vec![bytes(BIN)],
        };
        assert_eq!(
            edit(&client, &key("l"), push).await,
            Ok(EditResult::Length(2))
        );
        let add = MemberEdit::SetAdd {
            members: vec![bytes(BIN)],
        };
        assert_eq!(
            edit(&client, &key("s"), add).await,
            Ok(EditResult::Changed(1))
        );
        let rescore = MemberEdit::ZsetAdd {
            member: "a".into(),
            score: score.clone(),
        };
        assert_eq!(
            edit(&client, &key("z"), rescore).await,
            Ok(EditResult::Changed(0))
        );
        let entry = MemberEdit::StreamAdd {
            id: StreamId::parse("2-5").unwrap(),
            fields: vec![pair(BIN, b"x"), pair(b"a", b"y")],
        };
        assert_eq!(
            edit(&client, &key("x"), entry).await,
            Ok(EditResult::EntryId("2-5".into()))
        );

        assert_eq!(
            hash_pairs(&client, &key("h")).await,
            vec![(b"1".to_vec(), b"a".to_vec()), (BIN.to_vec(), BIN.to_vec())]
        );
        assert_eq!(
            list_items(&client, &key("l")).await,
            vec![BIN.to_vec(), b"a".to_vec()]
        );
        assert_eq!(
            set_members(&client, &key("s")).await,
            vec![b"a".to_vec(), BIN.to_vec()]
        );
        assert_eq!(
            zset_members(&client, &key("z")).await,
            vec![(b"a".to_vec(), "100000000060000".to_owned())]
        );
        let ValuePage::Stream { entries, .. } = read(&client, key("x")).await.unwrap() else {
            panic!("{} is a stream", key("x"));
        };
        assert_eq!(entries[1].fields, vec![pair(BIN, b"x"), pair(b"a", b"y")]);
        assert_eq!(type_on_node(&cluster, node, &key("x")), "stream");
    }
}

#[tokio::test]
async fn create_rename_and_copy_on_a_cluster_stay_within_a_slot() {
    let cluster = seeded();
    let client = client(&cluster).await;
    let tags = tagged(&cluster, "new");
    for (node, tag) in tags.iter().enumerate() {
        let value = NewValue::List {
            items: vec![bytes(BIN)],
        };
        driver::create_key(&client, &tag.as_str().into(), &value, Some(600))
            .await
            .unwrap();
        let again = driver::create_key(&client, &tag.as_str().into(), &value, None).await;
        assert_eq!(again, Err(DriverError::AlreadyExists));

        let renamed = ByteString::from(format!("{tag}:renamed"));
        driver::rename(&client, &tag.as_str().into(), &renamed, false)
            .await
            .unwrap();
        let copied = ByteString::from(format!("{tag}:copied"));
        driver::copy(&client, &renamed, &copied, false)
            .await
            .unwrap();
        let copied = copied.as_str().unwrap();
        assert_eq!(list_items(&client, copied).await, vec![BIN.to_vec()]);
        assert_eq!(type_on_node(&cluster, node, copied), "list");
        assert_eq!(type_on_node(&cluster, node, tag), "none");
    }

    // Each tag's slot belongs to another node than the next tag's.
    let (from, to) = (
        ByteString::from(format!("{}:renamed", tags[0])),
        tags[1].as_str().into(),
    );
    for result in [
        driver::rename(&client, &from, &to, false).await,
        driver::copy(&client, &from, &to, true).await,
    ] {
        let Err(DriverError::InvalidInput(message)) = result else {
            panic!("a move across slots must be refused: {result:?}");
        };
        assert!(
            message.contains("own hash slot") && message.contains("{hash tag}"),
            "{message}"
        );
    }
    assert_eq!(
        list_items(&client, from.as_str().unwrap()).await,
        vec![BIN.to_vec()]
    );
}
