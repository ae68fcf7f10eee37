//! The web boundary: what every handler and server function shares, so each
//! one reads as what it does.
//!
//! - [`links`]: every address the site links to.
//! - `AppError`: the one error type at the boundary, rendered as a
//!   page or message, or turned into a `ServerFnError` after logging.
//! - extractors: [`Identity`](crate::accounts::ssr::Identity),
//!   `RequireRole<Policy>`, a `Form` that answers 400 when unreadable.
//! - `respond`: redirects, cookies, pages rendered for a POST.
//! - `headers` and `page_cache`: security headers and caching, and
//!   the anonymous page cache in front of everything.
//! - `scripts`: the few plain scripts, served by content hash.

pub mod links;

mod error;
mod extract;
pub mod headers;
pub mod page_cache;
pub mod respond;
pub mod scripts;
pub mod server_fns;

pub use error::{in_reader_language, AppError, ErrorCode};
pub use extract::{
    cookie_value, current_identity, identity_of, request_db, user_with_role, Form, Policy,
    RequireRole,
};
pub use links::with_query;
pub use respond::{page, see_other, with_cookie};

/// `path` as an address that works from outside (a QR code, a message):
/// on `public_url`, or on this request's host when it came straight to the
/// listening address; none otherwise (the page then says `public_url` is
/// needed).
pub fn public_address(path: &str) -> Option<String> {
    use leptos::prelude::use_context;
    let headers = use_context::<http::request::Parts>()
        .map(|p| p.headers)
        .unwrap_or_default();
    let secure =
        use_context::<crate::accounts::ssr::SessionConfig>().is_some_and(|c| c.secure_cookies);
    let origin = use_context::<crate::server::state::PublicUrl>()
        .unwrap_or_default()
        .origin(&headers, secure)?;
    Some(format!("{origin}{path}"))
}
