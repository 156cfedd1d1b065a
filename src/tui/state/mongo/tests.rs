//! `update` tests of the MongoDB panes: keys and outcomes in, state and
//! jobs out, through the same harness as the other panes.

use bson::doc;
use crossterm::event::KeyCode;

use super::tree::{Load, NodeId, parse_index_spec};
use crate::domain::mongo::{
    Access, CollectionEntry, CollectionKind, CollectionStats, DatabaseEntry, IndexEntry, Namespace,
};
use crate::domain::redis::{Probe, ServerSummary};
use crate::domain::{ConnectTarget, Kind, ProfileId};
use crate::driver::DriverError;
use crate::tui::effect::{MongoSlot, Purpose, Slot};
use crate::tui::event::Event;
use crate::tui::state::Focus;
use crate::tui::state::modal::Modal;
use crate::tui::state::tests::Harness;
use crate::worker::{MongoRequest, MongoResponse, Request, Response};

pub(crate) fn mongo_target(read_only: bool) -> ConnectTarget {
    ConnectTarget {
        id: ProfileId(7),
        name: "docs".into(),
        kind: Kind::Mongo,
        url: "mongodb://127.0.0.1:27017/app".into(),
        password: None,
        read_only,
        revision: 0,
    }
}

pub(crate) fn database(name: &str) -> DatabaseEntry {
    DatabaseEntry {
        name: name.into(),
        size_on_disk: Some(8192),
        access: Access::Readable,
    }
}

pub(crate) fn collection(name: &str, kind: CollectionKind) -> CollectionEntry {
    let view = kind == CollectionKind::View;
    CollectionEntry {
        name: name.into(),
        kind,
        stats: (!view).then_some(CollectionStats {
            count: 1204,
            size: 2_100_000,
            index_size: 48_000,
        }),
        shard_key: None,
        read_only: view,
    }
}

pub(crate) fn index(name: &str, field: &str, unique: bool) -> IndexEntry {
    IndexEntry {
        name: name.into(),
        keys: doc! { field: 1 },
        unique,
        sparse: false,
        ttl_seconds: None,
        partial_filter: None,
        hidden: false,
        size: Some(4096),
        accesses: Some(12),
    }
}

fn is(request: &Request, wanted: &MongoRequest) -> bool {
    matches!(request, Request::Mongo(r) if **r == *wanted)
}

fn reply(h: &mut Harness, wanted: MongoRequest, response: MongoResponse) {
    let id = h.last(|r| is(r, &wanted));
    h.reply(id, Ok(Response::Mongo(response)));
}

impl Harness {
    /// A MongoDB connection opened and answering; its database list is
    /// pending.
    pub fn mongo(read_only: bool) -> Self {
        let mut h = Self::new();
        h.send(Event::Resolved {
            purpose: Purpose::Open,
            result: Ok(mongo_target(read_only)),
        });
        let test = h.last(|r| matches!(r, Request::Test));
        h.reply(
            test,
            Ok(Response::Tested(ServerSummary {
                latency_ms: 0.7,
                version: Probe::Known("7.0.0".into()),
                mode: Probe::Known("standalone".into()),
                used_memory: Probe::Unavailable,
                database_size: Probe::Unavailable,
                dbsize: Probe::Unavailable,
            })),
        );
        h
    }

    /// Databases `app` and `logs`, with `app` opened on a collection, a
    /// view and a time-series collection.
    pub fn mongo_tree(read_only: bool) -> Self {
        let mut h = Self::mongo(read_only);
        let list = vec![database("app"), database("logs")];
        reply(
            &mut h,
            MongoRequest::Databases,
            MongoResponse::Databases(list),
        );
        h.press(KeyCode::Enter);
        let collections = vec![
            collection("users", CollectionKind::Collection),
            collection("active_users", CollectionKind::View),
            collection("metrics", CollectionKind::TimeSeries),
        ];
        let request = MongoRequest::Collections { db: "app".into() };
        reply(&mut h, request, MongoResponse::Collections(collections));
        h
    }

    fn select(&mut self, path: &[NodeId]) {
        self.state.mongo.tree.selected = path.to_vec();
    }
}

fn users() -> Vec<NodeId> {
    vec![
        NodeId::Database("app".into()),
        NodeId::Collection("users".into()),
    ]
}

fn users_ns() -> Namespace {
    Namespace::new("app", "users")
}

#[test]
fn a_mongo_connection_opens_the_tree_and_lists_databases() {
    let h = Harness::mongo(false);
    assert_eq!(h.state.focus, Focus::MongoTree);
    assert!(
        h.jobs
            .iter()
            .any(|(_, _, r)| is(r, &MongoRequest::Databases))
    );
    assert!(h.state.is_waiting(&Slot::Mongo(MongoSlot::Databases)));
    assert_eq!(h.state.mongo.tree.databases, Load::Loading);
}

#[test]
fn opening_a_database_lists_its_collections_then_indexes() {
    let mut h = Harness::mongo_tree(false);
    let rows = h.state.mongo.tree.rows();
    assert_eq!(rows.len(), 5, "app, its three collections, logs");
    assert_eq!(rows[1], users());

    h.press(KeyCode::Char('j'));
    assert_eq!(h.state.mongo.tree.selected, users());
    h.press(KeyCode::Char('l'));
    let request = MongoRequest::Indexes { ns: users_ns() };
    let list = vec![index("_id_", "_id", false), index("email_1", "email", true)];
    reply(&mut h, request, MongoResponse::Indexes(list));
    let rows = h.state.mongo.tree.rows();
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[3].last(), Some(&NodeId::Index("email_1".into())));

    // Left steps out of an index to its collection, then closes it.
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('h'));
    assert_eq!(h.state.mongo.tree.selected, users());
    h.press(KeyCode::Char('h'));
    assert_eq!(h.state.mongo.tree.rows().len(), 5);
}

#[test]
fn a_denied_database_is_marked_and_the_tree_stays() {
    let mut h = Harness::mongo_tree(false);
    h.select(&[NodeId::Database("logs".into())]);
    h.press(KeyCode::Enter);
    let id = h.last(|r| is(r, &MongoRequest::Collections { db: "logs".into() }));
    h.reply(
        id,
        Err(DriverError::NotPermitted("listCollections on logs".into())),
    );
    let logs = h.state.mongo.tree.database("logs").unwrap();
    assert!(matches!(&logs.collections, Load::Failed(e) if e.contains("not permitted")));
    assert_eq!(
        h.state.mongo.tree.rows().len(),
        5,
        "app stays open and listed"
    );
}

#[test]
fn refresh_keeps_what_is_open_and_lists_it_again() {
    let mut h = Harness::mongo_tree(false);
    let before = h.job_count();
    h.press(KeyCode::Char('r'));
    let list = vec![database("app"), database("logs")];
    reply(
        &mut h,
        MongoRequest::Databases,
        MongoResponse::Databases(list),
    );
    assert_eq!(
        h.job_count(),
        before + 2,
        "databases, then app's collections"
    );
    assert!(
        h.state
            .is_waiting(&Slot::Mongo(MongoSlot::Collections("app".into())))
    );
    assert_eq!(
        h.state.mongo.tree.rows().len(),
        5,
        "the old list shows meanwhile"
    );
}

#[test]
fn dropping_a_collection_needs_its_name_typed() {
    let mut h = Harness::mongo_tree(false);
    h.select(&users());
    h.press(KeyCode::Char('d'));
    h.typed("user");
    h.press(KeyCode::Enter);
    assert!(h.message().contains("nothing dropped"));
    assert!(!h.jobs.iter().any(|(_, _, r)| r.is_write()));

    h.press(KeyCode::Char('d'));
    h.typed("users");
    h.press(KeyCode::Enter);
    let drop = MongoRequest::DropCollection { ns: users_ns() };
    reply(&mut h, drop, MongoResponse::Done);
    assert_eq!(h.message(), "collection app.users dropped");
    assert!(h.state.is_waiting(&Slot::Mongo(MongoSlot::Databases)));
}

#[test]
fn dropping_an_index_asks_first() {
    let mut h = Harness::mongo_tree(false);
    h.select(&users());
    h.press(KeyCode::Enter);
    let list = vec![index("email_1", "email", true)];
    reply(
        &mut h,
        MongoRequest::Indexes { ns: users_ns() },
        MongoResponse::Indexes(list),
    );
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('d'));
    assert!(matches!(h.state.modal, Some(Modal::Confirm(_))));
    h.press(KeyCode::Char('y'));
    let drop = MongoRequest::DropIndex {
        ns: users_ns(),
        name: "email_1".into(),
    };
    assert!(h.jobs.iter().any(|(_, _, r)| is(r, &drop)));
}

#[test]
fn creating_an_index_reads_keys_and_options() {
    let mut h = Harness::mongo_tree(false);
    h.select(&users());
    h.press(KeyCode::Char('c'));
    h.typed(r#"{"email": 1, "at": -1} unique ttl=3600 name=by_email"#);
    h.press(KeyCode::Enter);
    let (_, _, request) = h.jobs.last().unwrap();
    let Request::Mongo(request) = request else {
        panic!("expected a MongoDB request, got {request:?}");
    };
    let MongoRequest::CreateIndex { ns, keys, options } = request.as_ref() else {
        panic!("expected an index creation, got {request:?}");
    };
    assert_eq!(ns, &users_ns());
    let order: Vec<&String> = keys.keys().collect();
    assert_eq!(order, ["email", "at"], "typed order kept");
    assert_eq!(
        keys.get("at")
            .and_then(bson::Bson::as_i64)
            .or(keys.get_i32("at").ok().map(i64::from)),
        Some(-1)
    );
    assert!(options.unique);
    assert_eq!(options.ttl_seconds, Some(3600));
    assert_eq!(options.name.as_deref(), Some("by_email"));
}

#[test]
fn index_specs_that_do_not_read_say_why() {
    assert!(parse_index_spec("email").unwrap_err().contains("document"));
    assert!(
        parse_index_spec("{}")
            .unwrap_err()
            .contains("at least one key")
    );
    assert!(
        parse_index_spec("{\"a\": 1} ttl=soon")
            .unwrap_err()
            .contains("ttl")
    );
    assert!(
        parse_index_spec("{\"a\": 1} clustered")
            .unwrap_err()
            .contains("unknown")
    );
    let error = parse_index_spec("{\"a\" 1}").unwrap_err();
    assert!(error.contains("column"), "{error}");
}

#[test]
fn creating_a_collection_opens_its_database() {
    let mut h = Harness::mongo_tree(false);
    h.select(&[NodeId::Database("logs".into())]);
    h.press(KeyCode::Char('c'));
    h.typed("events");
    h.press(KeyCode::Enter);
    let create = MongoRequest::CreateCollection {
        ns: Namespace::new("logs", "events"),
    };
    assert!(h.jobs.iter().any(|(_, _, r)| is(r, &create)));
    assert!(
        h.state
            .mongo
            .tree
            .open
            .contains(&vec![NodeId::Database("logs".into())])
    );
}

#[test]
fn read_only_connections_and_views_refuse_tree_writes() {
    let mut h = Harness::mongo_tree(true);
    h.select(&users());
    h.press(KeyCode::Char('d'));
    assert!(h.state.modal.is_none());
    assert!(h.message().contains("read-only"));

    let mut h = Harness::mongo_tree(false);
    h.select(&[
        NodeId::Database("app".into()),
        NodeId::Collection("active_users".into()),
    ]);
    h.press(KeyCode::Char('c'));
    assert!(h.state.modal.is_none());
    assert!(h.message().contains("is a view"), "{}", h.message());
}
