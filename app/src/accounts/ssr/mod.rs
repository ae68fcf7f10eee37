//! Server side of accounts: sessions and the identity of each request.

pub mod session;

pub use session::{Identity, SessionConfig};

use leptos::prelude::*;

/// The identity of the request being rendered or served (server functions
/// and pages). Anonymous when the middleware did not run.
pub fn current_identity() -> Identity {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Identity>().cloned())
        .unwrap_or_default()
}

/// HTTP routes of accounts (form POST handlers). Pages are leptos routes.
pub fn routes() -> axum::Router<crate::server::AppState> {
    axum::Router::new()
}
