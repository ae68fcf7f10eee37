//! Server side of the handbook: loading `content/` into an immutable catalog.

pub mod media;

use std::sync::Arc;

use leptos::prelude::*;

pub use hocvu_domain::content::{
    catalog, course_toml, diagnostics, front_matter, loader, markdown, skills, store, svg, tree,
    Catalog, ContentStore,
};

/// The catalog for this request (server functions and pages): the snapshot
/// taken when the request began, so a page never mixes two versions.
pub fn current_catalog() -> Result<Arc<Catalog>, crate::web::AppError> {
    use_context::<Arc<Catalog>>()
        .or_else(|| use_context::<Arc<ContentStore>>().map(|store| store.catalog()))
        .ok_or_else(|| anyhow::anyhow!("content store missing from context").into())
}
