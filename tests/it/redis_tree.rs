//! The key tree's folder scans against a real server: a folder's prefix
//! goes out as a MATCH pattern with its glob characters escaped, so folder
//! names holding `[`, `*`, `?` or `\` list exactly their own keys.

use std::time::Duration;

use dbdeck::domain::ByteString;
use dbdeck::domain::redis::{KeyFilter, ScanCursor, ScanRequest};
use dbdeck::driver::redis::{self as driver, RedisClient};

use crate::redis_driver::{client, exec};
use crate::support::redis::RedisServer;

/// Every key a prefix scan finds, sorted, walking the cursor to the end.
async fn folder_keys(client: &RedisClient, prefix: &[u8]) -> Vec<Vec<u8>> {
    let mut scan = ScanRequest {
        filter: KeyFilter::Prefix(ByteString::new(prefix.to_vec())),
        key_type: None,
        count: 100,
        cursor: ScanCursor::START,
        budget: Duration::from_secs(2),
    };
    let mut found = Vec::new();
    loop {
        let page = driver::scan_page(client, &scan).await.unwrap();
        found.extend(page.items.into_iter().map(|i| i.key.into_bytes()));
        match page.next_cursor {
            Some(cursor) if !page.complete => scan.cursor = cursor,
            _ => break,
        }
    }
    found.sort();
    found
}

#[tokio::test]
async fn folder_scans_match_glob_characters_in_folder_names_literally() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let keys: [&[u8]; 11] = [
        b"a[1]:x",
        b"a1:x",
        b"a*:y",
        b"ab:y",
        b"b?:z",
        b"bq:z",
        b"c\\:w",
        b"c:w",
        b"bin\xff:k",
        b"bin\xfe:k",
        b"other",
    ];
    for key in keys {
        exec(&mut conn, &[b"SET", key, b"v"]);
    }
    let client = client(&server).await;

    assert_eq!(folder_keys(&client, b"a[1]:").await, [b"a[1]:x".to_vec()]);
    assert_eq!(folder_keys(&client, b"a*:").await, [b"a*:y".to_vec()]);
    assert_eq!(folder_keys(&client, b"b?:").await, [b"b?:z".to_vec()]);
    assert_eq!(folder_keys(&client, b"c\\:").await, [b"c\\:w".to_vec()]);
    assert_eq!(
        folder_keys(&client, b"bin\xff:").await,
        [b"bin\xff:k".to_vec()]
    );
    assert_eq!(folder_keys(&client, b"zz:").await, Vec::<Vec<u8>>::new());
}
