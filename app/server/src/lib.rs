//! Hocvu: a digital-literacy learning platform.
//!
//! This crate is the server: pages, server functions, handlers, start-up and
//! the command line. It is never compiled to WASM: pages are rendered on
//! the server only, and the one island that wakes up in the browser lives in
//! `hocvu-island` (`app/island`), the only crate in the WASM bundle.
//!
//! Map for newcomers. Each user-facing feature has its own folder, named in
//! the users' words: `content` (the handbook), `quiz`, `progress`,
//! `accounts`, `orgs` (units and officials), `assignments`, `reports`,
//! `certificates`, `classes` (a class in a commune hall), `search`, `offline` (reading without a network),
//! `reminders` (delivering what the overdue list queues). Around them:
//! - `web/`: the boundary every handler and server function shares (one
//!   `AppError`, role extractors, redirects, typed links);
//! - `ui/`: the page shell, layout, i18n and islands;
//! - `server/`: configuration, start-up, database, HTTP layers;
//! - `text` (diacritic folding) and `clock` (now, local dates).

#![recursion_limit = "256"]

pub mod accounts;
pub mod assignments;
pub mod certificates;
pub mod classes;
pub mod content;
pub mod offline;
pub mod orgs;
pub mod progress;
pub mod publishing;
pub mod quiz;
pub mod reminders;
pub mod reports;
pub mod search;
pub mod ui;
pub mod web;

pub use hocvu_domain::{clock, text};

pub mod server;
pub mod site;
