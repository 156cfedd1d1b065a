//! Real servers for the integration tests, started or prepared per test.

pub mod postgres;
