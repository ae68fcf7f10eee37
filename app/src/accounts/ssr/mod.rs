//! Server side of accounts: sessions and the identity of each request,
//! sign-up/in/out, passwords, throttling, guest merge, admin actions.

pub mod admin;
pub mod audit;
pub mod cli;
pub mod client_ip;
pub mod handlers;
pub mod merge;
pub mod password;
pub mod phone;
pub mod render;
pub mod reset;
pub mod session;
pub mod throttle;
pub mod users;

pub use client_ip::TrustedProxies;
pub use session::{Identity, SessionConfig};

use axum::routing::post;
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
    password::warm_up();
    axum::Router::new()
        .route("/signup", post(handlers::sign_up))
        .route("/signin", post(handlers::sign_in))
        .route("/signout", post(handlers::sign_out))
        .route("/reset", post(handlers::reset_password))
        .route("/admin/users/role", post(admin::change_role))
        .route("/admin/users/reset-code", post(admin::issue_reset_code))
}

/// For server functions (each one is a public endpoint): the signed-in user
/// if they hold one of `roles`; otherwise the response becomes 403 and the
/// function answers an error.
pub fn user_with_role(
    roles: &[crate::accounts::Role],
) -> Result<crate::accounts::CurrentUser, ServerFnError> {
    match current_identity().user {
        Some(user) if roles.contains(&user.role) => Ok(user),
        _ => {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::FORBIDDEN);
            }
            Err(ServerFnError::new("not allowed"))
        }
    }
}

/// Logs a failure of ours in full and answers the caller briefly.
pub fn internal_error(what: &str, err: anyhow::Error) -> ServerFnError {
    tracing::error!("{what}: {err:#}");
    ServerFnError::new(format!("{what} failed"))
}
