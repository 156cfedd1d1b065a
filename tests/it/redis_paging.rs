//! Big values and long scans: everything is paged or capped, and a scan
//! stopped by its budget never looks like an empty result.

use std::collections::HashSet;
use std::time::Duration;

use dbdeck::domain::ByteString;
use dbdeck::domain::redis::{
    KeyFilter, KeyType, ScanRequest, ValuePage, ValueRequest, ValueWindow,
};
use dbdeck::driver::redis::{self as driver, RedisClient};

use crate::redis_driver::{client, exec, read, scan_request, value_request};
use crate::support::redis::RedisServer;

#[tokio::test]
async fn b15_long_list_and_hash_page_without_loading_everything() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let seed = "for i=1,1500000 do redis.call('RPUSH','big:list',i) end \
                for i=1,200000 do redis.call('HSET','big:hash','f'..i,i) end \
                for i=1,200000 do redis.call('ZADD','big:zset',i,'m'..i) end";
    redis::cmd("EVAL")
        .arg(seed)
        .arg(0)
        .query::<()>(&mut conn)
        .unwrap();
    let client = client(&server).await;

    let ValuePage::List {
        total,
        start,
        items,
    } = read(&client, "big:list").await.unwrap()
    else {
        panic!("big:list is a list");
    };
    assert_eq!((total, start, items.len()), (1_500_000, 0, 100));
    assert_eq!(items[0], ByteString::from("1"));

    let last = ValueRequest {
        window: ValueWindow::Index(1_499_999),
        ..value_request("big:list")
    };
    let page = driver::read_value(&client, &last).await.unwrap().page;
    let expected = ValuePage::List {
        total: 1_500_000,
        start: 1_499_999,
        items: vec![ByteString::from("1500000")],
    };
    assert_eq!(page, expected);

    let zset = ValueRequest {
        window: ValueWindow::Index(199_999),
        ..value_request("big:zset")
    };
    let ValuePage::Zset { total, members, .. } =
        driver::read_value(&client, &zset).await.unwrap().page
    else {
        panic!("big:zset is a zset");
    };
    assert_eq!(total, 200_000);
    assert_eq!(members.len(), 1);
    assert_eq!(
        (members[0].member.escaped(), members[0].score.as_str()),
        ("m200000".into(), "200000")
    );

    assert_eq!(hash_fields(&client, "big:hash").await, 200_000);
}

/// Pages through a hash with HSCAN, checking every page stays small, and
/// counts the distinct fields seen.
async fn hash_fields(client: &RedisClient, key: &str) -> usize {
    let mut request = ValueRequest {
        count: 1000,
        ..value_request(key)
    };
    let mut fields = HashSet::new();
    let mut pages = 0;
    loop {
        let ValuePage::Hash {
            total,
            entries,
            next_cursor,
        } = driver::read_value(client, &request).await.unwrap().page
        else {
            panic!("{key} is a hash");
        };
        assert_eq!(total, 200_000);
        assert!(
            entries.len() < 5_000,
            "an HSCAN page held {}",
            entries.len()
        );
        fields.extend(entries.into_iter().map(|e| e.field));
        pages += 1;
        match next_cursor {
            Some(cursor) => request.window = ValueWindow::Cursor(cursor),
            None => break,
        }
    }
    assert!(pages > 40, "the hash came in {pages} pages");
    fields.len()
}

#[tokio::test]
async fn b16_huge_string_reads_a_capped_preview() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let big = vec![b'x'; 12_000_000];
    exec(&mut conn, &[b"SET", b"big:str", &big]);
    let client = client(&server).await;

    let ValuePage::String {
        length,
        offset,
        preview,
        truncated,
    } = read(&client, "big:str").await.unwrap()
    else {
        panic!("big:str is a string");
    };
    assert_eq!((length, offset), (12_000_000, 0));
    assert_eq!(preview.len(), 64 * 1024);
    assert!(preview.as_bytes().iter().all(|b| *b == b'x'));
    assert!(truncated);

    // The rest loads a chunk at a time on request; the last chunk is short.
    exec(&mut conn, &[b"SETRANGE", b"big:str", b"11999999", b"!"]);
    let request = ValueRequest {
        window: ValueWindow::Index(11_990_000),
        ..value_request("big:str")
    };
    let last = driver::read_value(&client, &request).await.unwrap().page;
    let ValuePage::String {
        offset,
        preview,
        truncated,
        ..
    } = last
    else {
        panic!("big:str is a string");
    };
    assert_eq!(
        (offset, preview.len(), truncated),
        (11_990_000, 10_000, false)
    );
    assert_eq!(preview.as_bytes().last(), Some(&b'!'));
}

#[tokio::test]
async fn scan_budget_spent_says_incomplete_not_empty() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let seed = "for i=1,20000 do redis.call('SET','other:'..i,i) end";
    redis::cmd("EVAL")
        .arg(seed)
        .arg(0)
        .query::<()>(&mut conn)
        .unwrap();
    let client = client(&server).await;

    let mut request = ScanRequest {
        count: 10,
        budget: Duration::ZERO,
        ..scan_request("wanted:*")
    };
    let page = driver::scan_page(&client, &request).await.unwrap();
    assert!(page.items.is_empty());
    assert!(!page.complete);
    assert_eq!(page.calls, 1);
    let Some(cursor) = page.next_cursor else {
        panic!("an unfinished scan must give a cursor");
    };

    // Going on with a real budget finishes the walk: nothing matches.
    request.cursor = cursor;
    request.count = 1000;
    request.budget = Duration::from_secs(30);
    let page = driver::scan_page(&client, &request).await.unwrap();
    assert_eq!(
        (page.items.len(), page.complete, page.next_cursor),
        (0, true, None)
    );
}

#[tokio::test]
async fn zero_byte_preview_reads_no_bytes_of_a_string() {
    let server = RedisServer::start();
    exec(&mut server.conn(), &[b"SET", b"s", b"hello"]);
    let client = client(&server).await;

    let request = ValueRequest {
        max_bytes: 0,
        ..value_request("s")
    };
    let page = driver::read_value(&client, &request).await.unwrap().page;
    let expected = ValuePage::String {
        length: 5,
        offset: 0,
        preview: ByteString::default(),
        truncated: true,
    };
    assert_eq!(page, expected);
}

#[tokio::test]
async fn literal_filter_matches_glob_characters_as_text() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    for key in ["a*b", "axb", "a?b[1]", "a?b1", "back\\slash"] {
        exec(&mut conn, &[b"SET", key.as_bytes(), b"v"]);
    }
    let client = client(&server).await;

    for (text, expected) in [("a*b", "a*b"), ("?b[1", "a?b[1]"), ("k\\s", "back\\slash")] {
        let request = ScanRequest {
            filter: KeyFilter::Literal(text.to_owned()),
            ..scan_request("")
        };
        let page = driver::scan_page(&client, &request).await.unwrap();
        let keys: Vec<String> = page.items.iter().map(|k| k.key.escaped()).collect();
        assert_eq!(keys, vec![ByteString::from(expected).escaped()], "{text}");
        assert!(page.complete);
    }
}

#[tokio::test]
async fn type_filter_lists_only_keys_of_that_type() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    exec(&mut conn, &[b"SET", b"s", b"v"]);
    exec(&mut conn, &[b"HSET", b"h1", b"f", b"v"]);
    exec(&mut conn, &[b"HSET", b"h2", b"f", b"v"]);
    exec(&mut conn, &[b"SADD", b"set", b"m"]);
    let client = client(&server).await;

    let request = ScanRequest {
        key_type: Some(KeyType::Hash),
        ..scan_request("*")
    };
    let page = driver::scan_page(&client, &request).await.unwrap();
    let mut keys: Vec<String> = page.items.iter().map(|k| k.key.escaped()).collect();
    keys.sort();
    assert_eq!(keys, vec!["h1", "h2"]);
    assert!(page.complete);
}

#[tokio::test]
async fn streams_and_sets_page_to_their_last_item() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let seed = "for i=1,250 do redis.call('XADD','s','*','n',i) end \
                for i=1,1000 do redis.call('SADD','set','m'..i) end";
    redis::cmd("EVAL")
        .arg(seed)
        .arg(0)
        .query::<()>(&mut conn)
        .unwrap();
    let client = client(&server).await;

    let mut request = value_request("s");
    let mut numbers = Vec::new();
    loop {
        let page = driver::read_value(&client, &request).await.unwrap().page;
        let ValuePage::Stream {
            total,
            entries,
            last_id,
            ..
        } = page
        else {
            panic!("s is a stream");
        };
        assert_eq!(total, 250);
        numbers.extend(entries.iter().map(|e| e.fields[0].value.escaped()));
        match last_id {
            Some(id) => request.window = ValueWindow::After(id),
            None => break,
        }
    }
    let expected: Vec<String> = (1..=250).map(|n| n.to_string()).collect();
    assert_eq!(numbers, expected);

    let mut request = value_request("set");
    let mut members = HashSet::new();
    loop {
        let page = driver::read_value(&client, &request).await.unwrap().page;
        let ValuePage::Set {
            total,
            members: page,
            next_cursor,
        } = page
        else {
            panic!("set is a set");
        };
        assert_eq!(total, 1000);
        members.extend(page);
        match next_cursor {
            Some(cursor) => request.window = ValueWindow::Cursor(cursor),
            None => break,
        }
    }
    assert_eq!(members.len(), 1000);
}
