//! dbdeck: a keyboard-driven explorer for Redis, MongoDB and SQL databases,
//! with the same engine served over REST.
//!
//! # Architecture
//!
//! ```text
//!  keys ─► tui::state::update ──Effect──► worker pool ──► driver::{redis,sql}
//!               ▲                              │                 │
//!               └──────── Outcome (event) ─────┘                 ▼
//!  CLI / HTTP ─► service (facade) ──────────────────────► the databases
//!                     │
//!        registry (sqlx) · sessions (live clients, idle close)
//! ```
//!
//! # The dependency rule
//!
//! `tui`, `api` and `cli` depend on `service`; `service` on `worker`,
//! `registry` and `domain`; `worker` on `driver`; `driver` on `domain`.
//! Nothing points upward. Only `tui` imports ratatui or crossterm; only
//! `api` imports axum.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod driver;
pub mod registry;
pub mod service;
pub mod tui;
pub mod worker;
