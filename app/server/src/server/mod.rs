//! Server-only plumbing: configuration, start-up, database, HTTP layers.
//!
//! Errors: functions here return `anyhow::Result` with `.context(...)` at
//! each step; the full chain is logged, never shown to a visitor.

pub mod assets;
pub mod backup;
pub mod cli;
pub mod config;
pub mod csrf;
pub mod health;
pub mod housekeeping;
pub mod http;
pub mod lifecycle;
pub mod metrics;
pub mod preferences;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use hocvu_domain::db;
pub use state::{AppState, PublicUrl};
