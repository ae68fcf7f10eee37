//! Headers every answer carries. A Content-Security-Policy that allows only
//! what Hocvu loads: its own files, the islands' WASM, and leptos's inline
//! hydration script by a nonce minted per response (no `unsafe-inline` for
//! scripts). No framing, no MIME sniffing, a referrer policy, HSTS over
//! HTTPS. And caching: a response that may depend on who asks is never
//! stored by a shared cache.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue},
    middleware::Next,
    response::Response,
};

use crate::accounts::ssr::session;

/// The nonce of this response's inline scripts; pages hand it to leptos.
#[derive(Clone, Debug)]
pub struct CspNonce(pub Arc<str>);

/// Where browsers report what the policy blocked.
pub const CSP_REPORT_PATH: &str = "/csp-report";

fn policy(nonce: &str) -> String {
    policy_for(&format!("'nonce-{nonce}'"))
}

/// The policy for a page shared by many visitors (the anonymous page
/// cache): its inline scripts allowed by their hashes, not a nonce.
pub fn policy_with_hashes(hashes: &[String]) -> String {
    policy_for(&hashes.join(" "))
}

fn policy_for(inline_scripts: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' {inline_scripts} 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; \
         report-uri {CSP_REPORT_PATH}"
    )
}

/// Middleware. `State(secure)`: HTTPS in front (adds HSTS).
pub async fn security_headers(
    State(secure): State<bool>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    // 128 random bits from the OS generator, as hex.
    let nonce: Arc<str> = uuid::Uuid::new_v4().simple().to_string().into();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let personal = session::has_session_cookie(request.headers());
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    // The page cache swaps this nonce for script hashes.
    response.extensions_mut().insert(CspNonce(nonce.clone()));
    let headers = response.headers_mut();
    if is_html(headers) {
        if let Ok(value) = HeaderValue::from_str(&policy(&nonce)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if secure {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    // Hashed assets and media state their own long-lived policy. An answer
    // that sets a cookie is that visitor's alone.
    let sets_cookie = headers.contains_key(header::SET_COOKIE);
    if !headers.contains_key(header::CACHE_CONTROL) || sets_cookie {
        headers.insert(
            header::CACHE_CONTROL,
            cache_policy(personal || sets_cookie, &path),
        );
    }
    if !path.starts_with("/pkg/") {
        headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    }
    response
}

/// With a session: private; reading pages may go back without a refetch
/// (`no-cache` still revalidates), everything else is never stored.
/// Without: any cache may keep it but must revalidate.
fn cache_policy(personal: bool, path: &str) -> HeaderValue {
    let reading = path == "/" || path == "/search" || path.starts_with("/courses");
    let is_result = path.contains("/result/");
    HeaderValue::from_static(match (personal, reading && !is_result) {
        (true, true) => "private, no-cache",
        (true, false) => "private, no-store",
        (false, _) => "no-cache",
    })
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// `POST /csp-report`: what a browser blocked, logged for the operator.
pub async fn csp_report(body: String) -> axum::http::StatusCode {
    let report: String = body.chars().take(2000).collect();
    tracing::warn!(%report, "content security policy violation");
    axum::http::StatusCode::NO_CONTENT
}
