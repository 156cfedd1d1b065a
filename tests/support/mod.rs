//! Real servers for the integration tests: redis-server instances and the
//! MongoDB stand-in started on free loopback ports, and a fresh PostgreSQL
//! database per test, each stopped or dropped when the test is done.

pub mod api;
pub mod cli;
pub mod mongo;
pub mod postgres;
pub mod pty;
pub mod redis;
