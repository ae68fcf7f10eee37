//! Server side of accounts: sessions and the identity of each request,
//! sign-up/in/out, passwords, throttling, guest merge, admin actions.

pub mod admin;
pub mod audit;
pub mod cli;
pub mod client_ip;
pub mod guest_pass;
pub mod guests;
pub mod handlers;
pub mod known_device;
pub mod merge;
pub mod password;
pub mod phone;
pub mod reset;
pub mod session;
pub mod throttle;
pub mod users;

pub use client_ip::TrustedProxies;
pub use session::{Identity, SessionConfig};

use axum::routing::post;

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
