//! `GET /media/<course>/<path>`: images and attachments referenced by chapters.
//!
//! Only files the loader found referenced from a chapter (inside the course
//! folder, no `..`, no symlinks) are in the catalog's media map, so no URL can
//! reach any other file.

use std::sync::Arc;

use anyhow::Context;
use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderValue, Request},
    response::{IntoResponse, Response},
};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::ContentStore;
use crate::web::AppError;

fn is_link(path: &std::path::Path) -> bool {
    // Unreadable counts as a link: refuse rather than guess.
    std::fs::symlink_metadata(path).map_or(true, |m| m.file_type().is_symlink())
}

pub async fn serve_media(
    State(store): State<Arc<ContentStore>>,
    Path((course, path)): Path<(String, String)>,
    request: Request<Body>,
) -> Result<Response, AppError> {
    let key = format!("{course}/{path}");
    let file = store.catalog().media.get(&key).cloned();
    let file = file.ok_or(AppError::NotFound)?;
    // The loader refused links, but a file or folder may have been swapped
    // for one since: check again, from the file up to its course folder.
    let levels = path.split('/').filter(|p| !p.is_empty()).count();
    if file.ancestors().take(levels).any(is_link) {
        tracing::warn!(%key, "media file became a symbolic link: refused");
        return Err(AppError::NotFound);
    }
    let mut response = ServeFile::new(file)
        .oneshot(request)
        .await
        .context("reading a media file")?;
    // Content can change under the same name: cache for a day, then revalidate.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(response.into_response())
}
