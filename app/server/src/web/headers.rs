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

/// Reports logged per client address and minute: a page blocked for real
/// sends a handful; anyone may post here, so beyond that they are dropped.
const CSP_REPORTS_PER_MINUTE: u32 = 10;

/// Longest part of a report that is logged, in characters.
const CSP_REPORT_CHARS: usize = 2000;

/// `POST /csp-report`: what a browser blocked, logged for the operator.
/// Anyone can post here, so the text is logged on one line with control
/// characters escaped (no forged log lines, no terminal escape codes), cut
/// short, and at most `CSP_REPORTS_PER_MINUTE` per address; the rest are
/// dropped with the same 204 (a browser does not retry either way).
pub async fn csp_report(
    ip: crate::accounts::ssr::client_ip::ClientIp,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    if csp_reports_allowed(&ip.bucket(), std::time::Instant::now()) {
        let report = log_safe(&String::from_utf8_lossy(&body), CSP_REPORT_CHARS);
        tracing::warn!(%report, "content security policy violation");
    }
    axum::http::StatusCode::NO_CONTENT
}

/// `text` cut to `max` characters, every control character (newlines,
/// ESC, DEL, C1) written as `\u{..}`.
pub fn log_safe(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    for c in text.chars().take(max) {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A fixed one-minute window per address, in this process (a log line is
/// this server's business). The table is emptied when it grows large, so a
/// flood from many addresses cannot grow it without end.
fn csp_reports_allowed(bucket: &str, now: std::time::Instant) -> bool {
    use std::{collections::HashMap, sync::Mutex, time::Duration};
    static SEEN: std::sync::OnceLock<Mutex<HashMap<String, (std::time::Instant, u32)>>> =
        std::sync::OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if seen.len() > 10_000 {
        seen.clear();
    }
    let entry = seen.entry(bucket.to_string()).or_insert((now, 0));
    if now.duration_since(entry.0) > Duration::from_secs(60) {
        *entry = (now, 0);
    }
    entry.1 += 1;
    entry.1 <= CSP_REPORTS_PER_MINUTE
}

#[cfg(test)]
mod report_tests {
    use super::*;

    #[test]
    fn reports_are_logged_on_one_line_without_escape_codes() {
        let forged = "x\n2026-01-01 INFO admin signed in\r\u{1b}[2J\u{7f}\u{9b}tiếng Việt";
        let safe = log_safe(forged, 2000);
        assert!(!safe.chars().any(char::is_control), "{safe}");
        assert!(safe.contains("tiếng Việt"));
        assert_eq!(log_safe(&"a".repeat(5000), 2000).len(), 2000);
    }

    #[test]
    fn reports_beyond_the_limit_are_dropped() {
        let now = std::time::Instant::now();
        let allowed = (0..50)
            .filter(|_| csp_reports_allowed("unit-test-address", now))
            .count();
        assert_eq!(allowed, CSP_REPORTS_PER_MINUTE as usize);
        let later = now + std::time::Duration::from_secs(61);
        assert!(csp_reports_allowed("unit-test-address", later));
    }
}
