//! Answers every handler gives: redirects, cookies, and a leptos page
//! rendered as the answer to a POST.

use axum::{
    body::Body,
    http::{header, request::Parts, HeaderValue, Method, Request, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use leptos::prelude::provide_context;

use crate::server::AppState;

/// 303 to `location`, not cached.
pub fn see_other(location: &str) -> Response {
    let location = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/"));
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response()
}

/// Adds `cookies` (a new guest session, a used-up guest pass; an `Option`
/// or a list) to `response`.
pub fn with_cookie(
    mut response: Response,
    cookies: impl IntoIterator<Item = HeaderValue>,
) -> Response {
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Renders the page at `uri` (path and query) for this request's visitor,
/// with `extra` context, answering `status`. Never cached. For what a
/// redirect cannot carry: a 429 with `Retry-After`, a reset code shown once,
/// an import preview.
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
    // The same context the router gives every page.
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            state.provide_page_context();
            extra();
        }
    };
    let (options, shell) = (state.leptos_options.clone(), state.shell);
    let render =
        leptos_axum::render_app_async_with_context(context, move || shell(options.clone()));
    let mut response = render(request).await.into_response();
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
