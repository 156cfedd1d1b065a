//! `update` tests.
