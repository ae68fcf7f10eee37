//! Hocvu: a digital-literacy learning platform.
//!
//! The crate compiles twice: with `ssr` into the server binary (pages, server
//! functions, database) and with `hydrate` into the small WASM bundle that
//! wakes up the few interactive islands. The two features are never on
//! together.
//!
//! Map for newcomers. Each user-facing feature has its own folder, named in
//! the users' words: `content` (the handbook), `quiz`, `progress`,
//! `accounts`, `orgs` (units and officials), `assignments`, `reports`,
//! `certificates`, `search`, `offline` (reading without a network),
//! `reminders` (delivering what the overdue list queues). Around them:
//! - `web/`: the boundary every handler and server function shares (one
//!   `AppError`, role extractors, redirects, typed links);
//! - `ui/`: the page shell, layout, i18n and islands;
//! - `server/` (ssr only): configuration, start-up, database, HTTP layers;
//! - `text` (diacritic folding) and `clock` (now, local dates), ssr only.

#![recursion_limit = "256"]

pub mod accounts;
pub mod assignments;
pub mod certificates;
#[cfg(feature = "ssr")]
pub mod clock;
pub mod content;
pub mod offline;
pub mod orgs;
pub mod progress;
pub mod publishing;
pub mod quiz;
pub mod reminders;
pub mod reports;
pub mod search;
#[cfg(feature = "ssr")]
pub mod text;
pub mod ui;
pub mod web;

#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the WASM bundle: hydrates only the `#[island]` components.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
