//! Server side of the handbook: loading `content/` into an immutable catalog.

pub mod catalog;
pub mod diagnostics;
pub mod front_matter;
pub mod loader;
pub mod markdown;
pub mod media;
pub mod skills;
pub mod store;
pub mod svg;
pub mod tree;

use std::sync::Arc;

use leptos::prelude::*;

pub use self::{catalog::Catalog, store::ContentStore};

/// The catalog for this request (server functions and pages): the snapshot
/// taken when the request began, so a page never mixes two versions.
pub fn current_catalog() -> Result<Arc<Catalog>, crate::web::AppError> {
    use_context::<Arc<Catalog>>()
        .or_else(|| use_context::<Arc<ContentStore>>().map(|store| store.catalog()))
        .ok_or_else(|| anyhow::anyhow!("content store missing from context").into())
}
