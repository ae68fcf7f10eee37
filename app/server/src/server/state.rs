//! What every handler and server function shares: the state the router
//! carries and the page context made from it. Kept apart from start-up
//! (which imports every feature's routes) so features can name it.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;

use super::db::Db;
use crate::{
    accounts::ssr::{client_ip::TrustedProxies, guest_pass::PassKey, session::SessionConfig},
    content::ssr::ContentStore,
    ui::AssetPaths,
    web::headers::CspNonce,
};

/// Shared by every handler and, through context, every server function.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub assets: Arc<AssetPaths>,
    pub content: Arc<ContentStore>,
    pub sessions: SessionConfig,
    /// Whose `X-Forwarded-For` to believe (sign-in throttling by address).
    pub trusted_proxies: TrustedProxies,
    pub public_url: PublicUrl,
    /// Signs the guest passes of quiz pages.
    pub pass_key: PassKey,
    /// Classes followed on this server, and how their changes reach phones.
    pub classes: crate::classes::ssr::hub::Hub,
    /// The identity providers of `[sign_in]` (OpenID Connect).
    pub providers: Arc<crate::sign_in_providers::ssr::Providers>,
    /// The document around every page (`site::shell`), handed over at
    /// start-up so a handler can render a page without naming every route.
    pub shell: fn(LeptosOptions) -> AnyView,
}

/// Where Hocvu is reached from outside, for addresses that leave the site
/// (QR codes, reminder messages). The request's `Host` is anyone's to write,
/// so it is never trusted for that: without `public_url`, only a request
/// addressed to the very address the server listens on (a single machine
/// reached directly) may lend its host; anything else has no address, and
/// the page says the admin must set `public_url`.
#[derive(Clone, Debug, Default)]
pub struct PublicUrl {
    configured: Option<Arc<str>>,
    listening: Arc<std::sync::OnceLock<String>>,
}

impl PublicUrl {
    pub fn new(setting: &str) -> PublicUrl {
        let trimmed = setting.trim().trim_end_matches('/');
        PublicUrl {
            configured: (!trimmed.is_empty()).then(|| Arc::from(trimmed)),
            listening: Arc::default(),
        }
    }

    pub fn listen_on(&self, addr: std::net::SocketAddr) {
        let _ = self.listening.set(addr.to_string());
    }

    /// The configured origin, or `scheme://host` of a request addressed to
    /// the listening address itself; otherwise none.
    pub fn origin(&self, headers: &http::HeaderMap, secure: bool) -> Option<String> {
        if let Some(url) = &self.configured {
            return Some(url.to_string());
        }
        let host = headers.get(http::header::HOST)?.to_str().ok()?;
        let listening = self.listening.get()?;
        (host == listening.as_str())
            .then(|| format!("{}://{host}", if secure { "https" } else { "http" }))
    }
}

/// `path` as an address that works from outside (a QR code, a message):
/// on `public_url`, or on this request's host when it came straight to the
/// listening address; none otherwise (the page then says `public_url` is
/// needed).
pub fn public_address(path: &str) -> Option<String> {
    let headers = use_context::<http::request::Parts>()
        .map(|p| p.headers)
        .unwrap_or_default();
    let secure = use_context::<SessionConfig>().is_some_and(|c| c.secure_cookies);
    let origin = use_context::<PublicUrl>()
        .unwrap_or_default()
        .origin(&headers, secure)?;
    Some(format!("{origin}{path}"))
}

impl AppState {
    /// What every page and server function finds in its context. Anything
    /// that renders a page outside the router (see `accounts::ssr::render`)
    /// calls this too, so the two never drift apart.
    pub fn provide_page_context(&self) {
        provide_context(self.db.clone());
        provide_context((*self.assets).clone());
        provide_context(self.content.clone());
        // One snapshot per request: every part of a page reads the same
        // version of the handbook, even if a new one arrives meanwhile.
        provide_context(self.content.catalog());
        provide_context(self.sessions);
        provide_context(self.public_url.clone());
        provide_context(self.pass_key.clone());
        provide_context(self.trusted_proxies.clone());
        provide_context(self.providers.buttons());
        provide_context(self.providers.clone());
        // The nonce the security-headers middleware put in the CSP.
        if let Some(CspNonce(nonce)) = use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CspNonce>().cloned())
        {
            provide_context(leptos::nonce::Nonce::from_value(nonce));
        }
    }
}
