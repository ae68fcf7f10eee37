//! Cross-site request forgery protection for every state-changing request.
//!
//! Browsers send `Sec-Fetch-Site` and `Origin` on POSTs; a request whose
//! origin is not exactly this site (scheme, host and port) is refused
//! before it reaches any handler. Together with `SameSite=Lax` cookies this
//! covers plain forms and server functions alike, with no token to forget
//! in a form.

use axum::{
    body::Body,
    extract::State,
    http::{header, Method, Request},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::web::AppError;

/// The origin state-changing requests must come from.
#[derive(Clone, Debug)]
pub struct Expected {
    /// `public_url`'s origin when set: what browsers see behind a proxy.
    public: Option<String>,
    /// For the request's own host: `https` when cookies are `Secure`.
    scheme: &'static str,
}

impl Expected {
    pub fn new(public_url: &str, secure: bool) -> Expected {
        let public = public_url.trim().trim_end_matches('/');
        let origin = public
            .split_once("://")
            .map(|(scheme, rest)| format!("{scheme}://{}", rest.split('/').next().unwrap_or("")));
        Expected {
            public: origin.filter(|o| !o.ends_with("://")),
            scheme: if secure { "https" } else { "http" },
        }
    }

    /// The page's origin is the public address, or this very host (a
    /// request that reached Hocvu directly, not through the proxy).
    fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let public = self
            .public
            .as_deref()
            .is_some_and(|p| origin.eq_ignore_ascii_case(p));
        let direct =
            host.is_some_and(|h| origin.eq_ignore_ascii_case(&format!("{}://{h}", self.scheme)));
        public || direct
    }
}

/// Middleware: rejects unsafe methods coming from a foreign origin.
pub async fn reject_cross_site(
    State(expected): State<Expected>,
    req: Request<Body>,
    next: Next,
) -> Response {
    if is_safe(req.method()) || is_same_origin(&expected, &req) {
        next.run(req).await
    } else {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-site request refused");
        AppError::Forbidden.into_response()
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_same_origin(expected: &Expected, req: &Request<Body>) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return false;
        }
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        // No Origin: not a browser cross-site form (they always send one on POST).
        None => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            expected.allows(origin, host)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Expected;

    #[test]
    fn the_whole_origin_must_match() {
        let plain = Expected::new("", false);
        assert!(plain.allows("http://127.0.0.1:3000", Some("127.0.0.1:3000")));
        assert!(!plain.allows("http://127.0.0.1:3001", Some("127.0.0.1:3000")));
        assert!(!plain.allows("https://127.0.0.1:3000", Some("127.0.0.1:3000")));
        let public = Expected::new("https://hocvu.example.gov.vn/", true);
        assert!(public.allows("https://hocvu.example.gov.vn", Some("10.0.0.5:3000")));
        assert!(!public.allows("http://hocvu.example.gov.vn", Some("hocvu.example.gov.vn")));
    }
}
