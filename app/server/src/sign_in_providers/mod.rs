//! Signing in through the province's identity provider (OpenID Connect):
//! VNeID for residents once the province has an agreement, the province's
//! single sign-on for officials, or any other standard provider.
//!
//! The buttons on the sign-in and sign-up pages POST to
//! `/signin/with/<id>`, which sends the browser to the provider; the
//! provider sends it back to `/signin/with/<id>/callback`. A provider
//! account is linked to a Hocvu account by the provider's verified phone
//! number (an account with a password asks for it once, see
//! `/signin/link`); people see and remove their links in `/me`. Every
//! failure is a plain page (`/signin/trouble`) that leaves nothing behind
//! and points to the phone-and-password sign-in, which always works.

pub mod pages;
pub mod ssr;
pub mod texts;

use serde::{Deserialize, Serialize};

/// A provider as the pages show it: a button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderButton {
    pub id: String,
    pub label: String,
}

/// The providers the admin configured, in the order of `hocvu.toml` (in
/// every page's context).
#[derive(Clone, Debug, Default)]
pub struct ProviderButtons(pub std::sync::Arc<Vec<ProviderButton>>);

/// One provider account linked to the signed-in person, as /me lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedSignIn {
    pub id: String,
    /// The provider's button label (or its id, if it was removed from the
    /// configuration since).
    pub label: String,
    /// `YYYY-MM-DD`, local time.
    pub linked_on: String,
}

hocvu_domain::coded_enum! {
    /// Why a sign-in through a provider did not happen: `?reason=<code>` of
    /// `/signin/trouble`, one plain sentence each.
    pub enum Trouble {
        /// The provider did not answer (discovery, token or user info).
        Unavailable = "unavailable",
        /// No sign-in of this browser in flight, or its state differs.
        State = "state",
        /// The sign-in in flight is older than it may be.
        Expired = "expired",
        /// The provider refused the code: replayed or expired.
        Code = "code",
        /// The person cancelled, or the provider said no.
        Denied = "denied",
        /// The ID token failed a check: signature, issuer, audience (a
        /// token for another client), nonce.
        Token = "token",
        /// The ID token's times are off by more than the allowed skew.
        Clock = "clock",
        /// No verified phone number among the claims.
        NoPhone = "no_phone",
        /// No public address to send the provider back to.
        NoAddress = "no_address",
        /// No provider with this id.
        Unknown = "unknown",
        /// A failure of ours (the database): logged in full.
        Other = "other",
    }
}

impl Trouble {
    /// The status of the failure page.
    pub fn status(self) -> u16 {
        match self {
            Trouble::Unavailable => 502,
            Trouble::Unknown => 404,
            Trouble::NoAddress | Trouble::Other => 503,
            _ => 400,
        }
    }
}

/// The account a sign-in waits to link, as the link page shows it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LinkWaiting {
    pub provider_label: String,
    pub phone: String,
}
