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
