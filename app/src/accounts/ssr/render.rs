//! Rendering a leptos page as the answer to a form POST, for the two cases
//! a redirect cannot serve: a 429 that must carry `Retry-After`, and a
//! reset code that must be shown once and never travel in a URL.

use axum::{
    body::Body,
    http::{header, request::Parts, HeaderValue, Method, Request, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use leptos::prelude::provide_context;

use crate::{server::AppState, ui::shell};

/// Renders the page at `uri` (path and query) for this request's visitor,
/// with `extra` context, answering `status`. Never cached.
pub async fn page(
    state: &AppState,
    mut parts: Parts,
    uri: &str,
    status: StatusCode,
    extra: impl Fn() + Clone + Send + Sync + 'static,
) -> Response {
    parts.uri = uri.parse::<Uri>().unwrap_or_else(|_| Uri::from_static("/"));
    parts.method = Method::GET;
    let request = Request::from_parts(parts, Body::empty());
    // The same context the server gives every page.
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            state.provide_page_context();
            extra();
        }
    };
    let options = state.leptos_options.clone();
    let render =
        leptos_axum::render_app_async_with_context(context, move || shell(options.clone()));
    let mut response = render(request).await.into_response();
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
