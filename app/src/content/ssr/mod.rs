//! Server side of the handbook: loading `content/` into an immutable catalog.

pub mod catalog;
pub mod diagnostics;
pub mod front_matter;
pub mod loader;
pub mod markdown;
pub mod media;
pub mod skills;
pub mod store;

use std::sync::Arc;

use leptos::prelude::*;

pub use self::{catalog::Catalog, store::ContentStore};

/// The catalog for this request (server functions and pages).
pub fn current_catalog() -> Result<Arc<Catalog>, crate::web::AppError> {
    use_context::<Arc<ContentStore>>()
        .map(|store| store.catalog())
        .ok_or_else(|| anyhow::anyhow!("content store missing from context").into())
}
