//! Server side of provider sign-in: the settings, the OpenID Connect
//! protocol (`oidc`), what is stored (`store`) and the routes (`handlers`).

pub mod handlers;
pub mod oidc;
pub mod settings;
pub mod store;

pub use oidc::Providers;
pub use settings::{ProviderSettings, SignInSettings};
