//! The key tree's state: counts, the partial marker, expansion and its
//! prefix scan, without a terminal or a server.

use crossterm::event::KeyCode;

use super::*;
use crate::domain::redis::KeyInfo;
use crate::tui::state::tests::{Harness, key_info, page};

fn keys(names: &[&[u8]]) -> Vec<KeyInfo> {
    names.iter().map(|name| key_info(name)).collect()
}

fn folder(name: &[u8]) -> NodeId {
    NodeId::Folder(name.to_vec())
}

fn key(name: &[u8]) -> NodeId {
    NodeId::Key(ByteString::new(name.to_vec()))
}

/// Connected with a first page that leaves the scan incomplete, tree shown.
fn tree_of(names: &[&[u8]], complete: bool) -> Harness {
    let next = if complete { None } else { Some(9) };
    let mut h = Harness::with_keys(keys(names), next);
    h.press(KeyCode::Char('v'));
    h
}

fn count(h: &Harness, path: &[NodeId]) -> u64 {
    h.state.tree.folder(path).map_or(0, |f| f.count)
}

#[test]
fn folders_count_the_keys_scanned_so_far() {
    let h = tree_of(
        &[b"user:1", b"user:2", b"user:9:cart", b"plain", b"a[1]:x"],
        false,
    );
    assert!(h.state.tree.shown);
    assert_eq!(count(&h, &[]), 5);
    assert_eq!(count(&h, &[folder(b"user")]), 3);
    assert_eq!(count(&h, &[folder(b"user"), folder(b"9")]), 1);
    assert_eq!(count(&h, &[folder(b"a[1]")]), 1);

    let rows = h.state.tree.rows(false);
    let paths: Vec<&Vec<NodeId>> = rows.iter().map(|r| &r.path).collect();
    assert_eq!(
        paths,
        [
            &vec![folder(b"a[1]")],
            &vec![folder(b"user")],
            &vec![key(b"plain")]
        ]
    );
}

#[test]
fn a_key_seen_twice_counts_once() {
    let mut tree = KeyTree {
        delimiter: b":".to_vec(),
        ..KeyTree::default()
    };
    for name in [&b"a:b"[..], b"a:b", b"a:c"] {
        tree.insert(&ByteString::new(name.to_vec()));
    }
    assert_eq!(tree.folder(&[folder(b"a")]).map(|f| f.count), Some(2));
    assert_eq!(tree.root.count, 2);
}

#[test]
fn counts_are_partial_until_a_scan_covers_the_folder() {
    let h = tree_of(&[b"user:1", b"user:2"], false);
    assert!(h.state.tree.rows(h.state.keys.complete)[0].partial);

    let h = tree_of(&[b"user:1", b"user:2"], true);
    assert!(!h.state.tree.rows(h.state.keys.complete)[0].partial);
}

#[test]
fn opening_a_folder_scans_its_escaped_prefix_and_completes_it() {
    let mut h = tree_of(&[b"a*:y", b"zz"], false);
    assert_eq!(h.state.tree.selected, vec![folder(b"a*")], "the first row");
    h.press(KeyCode::Char('j'));
    assert_eq!(h.state.tree.selected, vec![key(b"zz")]);
    h.press(KeyCode::Char('k'));

    h.press(KeyCode::Enter);
    assert!(h.state.tree.open.contains(&vec![folder(b"a*")]));
    let (id, scan) = h.last_scan();
    assert_eq!(scan.filter.match_bytes(), b"a\\*:*");
    assert_eq!(scan.cursor, ScanCursor::START);

    // The first page goes on from its cursor; the last completes the folder.
    h.reply(id, Ok(page(keys(&[b"a*:y", b"a*:z"]), Some(4))));
    let (id, scan) = h.last_scan();
    assert_eq!(scan.cursor, ScanCursor::at(4));
    assert!(h.state.tree.rows(false)[0].partial);
    h.reply(id, Ok(page(keys(&[b"a*:w"]), None)));

    assert_eq!(count(&h, &[folder(b"a*")]), 3);
    let rows = h.state.tree.rows(false);
    assert!(!rows[0].partial, "the prefix scan covered the folder");
    assert_eq!(rows[1].path, vec![folder(b"a*"), key(b"a*:w")]);
    assert_eq!(h.state.tree.scanning, None);
}

#[test]
fn esc_stops_a_folder_scan_and_the_count_stays_partial() {
    let mut h = tree_of(&[b"b?:z"], false);
    h.press(KeyCode::Char('l'));
    assert!(h.state.is_waiting(&Slot::Tree));
    h.press(KeyCode::Esc);
    assert!(!h.state.is_waiting(&Slot::Tree));
    assert!(h.state.tree.rows(false)[0].partial);
    assert_eq!(h.state.focus, Focus::Keys);
}

#[test]
fn left_closes_then_steps_out_and_enter_on_a_key_opens_its_value() {
    let mut h = tree_of(&[b"c\\:w"], true);
    h.press(KeyCode::Char('l'));
    assert_eq!(h.job_count(), 4, "a complete scan needs no prefix scan");
    h.press(KeyCode::Char('j'));
    assert_eq!(h.state.tree.selected, vec![folder(b"c\\"), key(b"c\\:w")]);

    h.press(KeyCode::Enter);
    assert_eq!(h.state.focus, Focus::Value);
    assert_eq!(h.state.value.key, Some(ByteString::new(b"c\\:w".to_vec())));

    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('h'));
    assert_eq!(h.state.tree.selected, vec![folder(b"c\\")]);
    h.press(KeyCode::Char('h'));
    assert!(h.state.tree.open.is_empty());
}

#[test]
fn v_switches_back_to_the_list() {
    let mut h = tree_of(&[b"a:b"], true);
    h.press(KeyCode::Char('v'));
    assert!(!h.state.tree.shown);
    h.press(KeyCode::Char('j'));
    assert_eq!(h.state.keys.selected, 0);
}
