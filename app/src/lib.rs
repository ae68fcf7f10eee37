//! Hocvu: a digital-literacy learning platform.
//!
//! The crate compiles twice: with `ssr` into the server binary (pages, server
//! functions, database) and with `hydrate` into the small WASM bundle that
//! wakes up the few interactive islands. The two features are never on
//! together.
//!
//! Map for newcomers: `ui/` holds the page shell, layout, i18n and islands;
//! `server/` (ssr only) holds configuration, start-up, database and HTTP
//! plumbing. Each user-facing feature gets its own folder.

#![recursion_limit = "256"]

pub mod accounts;
pub mod assignments;
pub mod certificates;
pub mod content;
pub mod orgs;
pub mod progress;
pub mod quiz;
pub mod reports;
pub mod search;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the WASM bundle: hydrates only the `#[island]` components.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
