//! `GET /media/<course>/<path>`: images and attachments referenced by chapters.
//!
//! Only files the loader found referenced from a chapter (inside the course
//! folder, no `..`, no links) are in the catalog's media map, so no URL can
//! reach any other file. The bytes were read when the version was loaded,
//! so a file swapped on disk afterwards is never what gets served.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use http_range_header::parse_range_header;

use super::{tree::content_type, ContentStore};
use crate::web::AppError;

pub async fn serve_media(
    State(store): State<Arc<ContentStore>>,
    Path((course, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let key = format!("{course}/{path}");
    let file = store
        .catalog()
        .media
        .get(&key)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let etag = format!("\"{}\"", &file.hash[..16]);
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ranged(&file.bytes, &headers)
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&key)),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // A trainer's file opened on its own (an SVG is a document) must never
    // run as the site: no script, no forms, no same-origin access. PDFs
    // are left out of `sandbox`: Chromium will not show a PDF in a
    // sandboxed document, and a PDF's own scripts never run as the site.
    if content_type(&key) != "application/pdf" {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; \
                 media-src 'self'; sandbox",
            ),
        );
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    // Content can change under the same name: cache for a day, then revalidate.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(response)
}

/// The whole file, or the one range asked for (an `<audio>` element seeks
/// with `Range: bytes=N-`). Several ranges at once are answered with the
/// whole file, which the standard allows.
fn ranged(bytes: &axum::body::Bytes, headers: &HeaderMap) -> Response {
    let len = bytes.len() as u64;
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Body::from(bytes.clone()).into_response();
    };
    match parse_range_header(range).and_then(|r| r.validate(len)) {
        Ok(ranges) if ranges.len() == 1 => {
            let (start, end) = (*ranges[0].start(), *ranges[0].end());
            let part = bytes.slice(start as usize..=end as usize);
            (
                StatusCode::PARTIAL_CONTENT,
                [(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}"))],
                Body::from(part),
            )
                .into_response()
        }
        Ok(_) => Body::from(bytes.clone()).into_response(),
        Err(_) => (
            StatusCode::RANGE_NOT_SATISFIABLE,
            [(header::CONTENT_RANGE, format!("bytes */{len}"))],
        )
            .into_response(),
    }
}
