//! Server functions are public endpoints: arguments that cannot be read are
//! the caller's mistake, not ours.

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header::CONTENT_TYPE, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};

use super::ErrorCode;
use crate::ui::ReaderPrefs;

/// The header `server_fn` puts on its error answers.
const SERVER_FN_ERROR: &str = "serverfnerror";

const TEXT_UTF8: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

/// What `server_fn` writes at the start of the body when the arguments
/// could not be read (wrong type, missing field, unknown value, bad JSON).
const ARGUMENT_ERRORS: [&[u8]; 3] = [b"Args|", b"Deserialization|", b"MissingArg|"];

/// Middleware: `server_fn` answers 500 for unreadable arguments; make that
/// a 400 with a short message in the reader's language, logged at info.
/// Every error answer of a server function says it is UTF-8: `server_fn`
/// sends a bare `text/plain`, and a browser showing the Vietnamese message
/// guesses Latin-1.
pub async fn bad_arguments_are_400(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let lang = ReaderPrefs::of(&parts).lang;
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if !response.headers().contains_key(SERVER_FN_ERROR) {
        return response;
    }
    let plain = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == "text/plain");
    if plain {
        response.headers_mut().insert(CONTENT_TYPE, TEXT_UTF8);
    }
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if !ARGUMENT_ERRORS.iter().any(|p| bytes.starts_with(p)) {
        return Response::from_parts(parts, Body::from(bytes));
    }
    tracing::info!(
        detail = %String::from_utf8_lossy(&bytes[..bytes.len().min(200)]),
        "server function called with unreadable arguments"
    );
    parts.status = StatusCode::BAD_REQUEST;
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let message = ErrorCode::BadArguments.message(lang);
    Response::from_parts(parts, Body::from(format!("Args|{message}")))
}
