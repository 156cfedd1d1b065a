//! Real servers for the integration tests, started on free loopback ports
//! and stopped when the test is done.

pub mod redis;
