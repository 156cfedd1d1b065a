//! The one integration-test binary: database behaviour against real
//! servers that `support` starts or prepares.

#[path = "../support/mod.rs"]
mod support;

mod registry;
