//! Server side of provider sign-in: the settings, the OpenID Connect
//! protocol (`oidc`), what is stored (`store`) and the routes (`handlers`).

pub mod handlers;
pub mod oidc;
pub mod settings;
pub mod store;

pub use oidc::Providers;
pub use settings::{ProviderSettings, SignInSettings};

/// Where sign-out goes after ending Hocvu's session: the provider's
/// end-session endpoint when the session came through one that has it
/// (it sends the browser back to the home page), else `None`.
pub async fn provider_sign_out(
    state: &crate::server::AppState,
    parts: &http::request::Parts,
    session_token_hash: Option<&str>,
) -> Option<String> {
    let provider = store::session_provider(&state.db, session_token_hash?)
        .await
        .unwrap_or_else(|err| {
            tracing::error!("reading the session's provider: {err:#}");
            None
        })?;
    let origin = state
        .public_url
        .origin(&parts.headers, state.sessions.secure_cookies)?;
    state
        .providers
        .logout_url(&provider, &format!("{origin}/"))
        .await
}
