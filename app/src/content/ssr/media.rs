//! `GET /media/<course>/<path>`: images and attachments referenced by chapters.
//!
//! Only files the loader found referenced from a chapter (inside the course
//! folder, no `..`, no symlinks) are in the catalog's media map, so no URL can
//! reach any other file.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderValue, Request, StatusCode},
    response::{IntoResponse, Response},
};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::ContentStore;

pub async fn serve_media(
    State(store): State<Arc<ContentStore>>,
    Path((course, path)): Path<(String, String)>,
    request: Request<Body>,
) -> Response {
    let key = format!("{course}/{path}");
    let Some(file) = store.catalog().media.get(&key).cloned() else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    match ServeFile::new(file).oneshot(request).await {
        Ok(mut response) => {
            // Content can change under the same name: cache for a day, then revalidate.
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            );
            response.into_response()
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Cannot read file").into_response(),
    }
}
