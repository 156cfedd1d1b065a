//! Document pages against the nx-27017 stand-in: the first page and the
//! next ones by an `_id` seek, descending seeks, and sort/skip/limit pages
//! that fall back to skipping. Each test seeds a database of its own.

use bson::{Bson, Document, doc};
use dbdeck::domain::mongo::{DocumentPage, FindRequest, Namespace, Position};
use dbdeck::driver::mongo;

use crate::mongo_tree::{client, seed};

/// `n` documents numbered by `k` (0..n), with `i` running the other way.
/// Their `_id`s are zero-padded strings: the stand-in sorts `_id` by its
/// text (2 after 10), while real MongoDB seeks int ids in number order too.
fn numbered(n: i32) -> Vec<Document> {
    (0..n)
        .map(|k| doc! {"_id": format!("k{k:02}"), "k": k, "i": n - 1 - k})
        .collect()
}

fn request(db: &str, page_size: u32) -> FindRequest {
    FindRequest {
        ns: Namespace::new(db, "items"),
        filter: doc! {},
        projection: None,
        sort: doc! {},
        skip: 0,
        limit: None,
        page_size,
        max_time_ms: Some(5_000),
        cursor: None,
    }
}

fn field(page: &DocumentPage, name: &str) -> Vec<i32> {
    page.items
        .iter()
        .map(|d| d.get_i32(name).unwrap())
        .collect()
}

/// Reads every page of `find`, in order.
async fn all_pages(db: &str, mut find: FindRequest) -> Vec<DocumentPage> {
    let client = client(db).await;
    let mut pages = Vec::new();
    loop {
        let page = mongo::find_page(&client, &find).await.unwrap();
        find.cursor = page.next.clone();
        let done = page.complete;
        pages.push(page);
        if done {
            return pages;
        }
    }
}

#[tokio::test]
async fn pages_follow_each_other_by_id() {
    seed("find_seek", "items", numbered(25)).await;
    let pages = all_pages("find_seek", request("find_seek", 10)).await;

    assert_eq!(pages.len(), 3);
    assert_eq!(field(&pages[0], "k"), (0..10).collect::<Vec<_>>());
    assert_eq!(field(&pages[1], "k"), (10..20).collect::<Vec<_>>());
    assert_eq!(field(&pages[2], "k"), (20..25).collect::<Vec<_>>());
    let next = pages[0].next.as_ref().unwrap();
    assert_eq!(next.served, 10);
    assert_eq!(
        next.position,
        Position::AfterId {
            last: Bson::String("k09".into()),
            descending: false
        }
    );
    assert!(pages[2].next.is_none());
}

#[tokio::test]
async fn a_descending_id_sort_seeks_downwards_within_the_filter() {
    seed("find_desc", "items", numbered(25)).await;
    let mut find = request("find_desc", 4);
    find.sort = doc! {"_id": -1};
    find.filter = doc! {"i": {"$lt": 10}};
    let pages = all_pages("find_desc", find).await;

    let ids: Vec<i32> = pages.iter().flat_map(|p| field(p, "k")).collect();
    assert_eq!(ids, (15..25).rev().collect::<Vec<_>>());
    assert_eq!(pages.len(), 3);
}

#[tokio::test]
async fn other_sorts_page_by_skip_within_skip_and_limit() {
    seed("find_skip", "items", numbered(25)).await;
    let mut find = request("find_skip", 5);
    find.sort = doc! {"i": 1};
    find.skip = 2;
    find.limit = Some(7);
    let pages = all_pages("find_skip", find).await;

    assert_eq!(pages.len(), 2);
    assert_eq!(field(&pages[0], "i"), [2, 3, 4, 5, 6]);
    assert_eq!(field(&pages[1], "i"), [7, 8]);
    assert_eq!(pages[0].next.as_ref().unwrap().position, Position::Skip(7));
}

#[tokio::test]
async fn a_projection_without_id_still_pages() {
    seed("find_proj", "items", numbered(6)).await;
    let mut find = request("find_proj", 4);
    find.projection = Some(doc! {"_id": 0, "i": 1});
    let pages = all_pages("find_proj", find).await;

    assert_eq!(field(&pages[0], "i"), [5, 4, 3, 2]);
    assert_eq!(field(&pages[1], "i"), [1, 0]);
    assert!(!pages[0].items[0].contains_key("_id"));
}
