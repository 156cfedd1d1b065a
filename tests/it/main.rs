//! The one integration-test binary: every file here talks to real servers
//! that `tests/support` starts or prepares.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail the test by panicking, like the tests themselves"
)]

#[path = "../support/mod.rs"]
mod support;

mod api;
mod api_auth;
mod api_edit;
mod api_mongo;
mod api_ops;
mod api_pubsub;
mod api_sql;
mod cli;
mod e2e;
mod mongo_edit;
mod mongo_find;
mod mongo_ops;
mod mongo_tree;
mod mongo_tui;
mod pubsub;
mod redis_bulk;
mod redis_cluster;
mod redis_driver;
mod redis_edit;
mod redis_paging;
mod redis_server;
mod redis_sessions;
mod redis_tls;
mod redis_tree;
mod registry;
mod sql_driver;
