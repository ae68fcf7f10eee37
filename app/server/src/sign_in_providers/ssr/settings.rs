//! `[sign_in]` of hocvu.toml: the identity providers and whether officials
//! must use one.
//!
//! ```toml
//! [sign_in]
//! officials_use_provider = false
//!
//! [[sign_in.providers]]
//! id = "vneid"
//! label = "Đăng nhập bằng VNeID"
//! issuer = "https://sso.example.gov.vn"
//! client_id = "hocvu"
//! client_secret = "…"
//! phone_claim = "phone_number"
//! name_claim = "name"
//! ```

use secrecy::SecretString;
use serde::Deserialize;

/// The whole `[sign_in]` table (absent: no provider, passwords only).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInSettings {
    pub providers: Vec<ProviderSettings>,
    /// Officials (people placed in a unit) may not sign in with a password
    /// while a provider is configured: their results belong with the one
    /// identity the province gave them.
    pub officials_use_provider: bool,
}

/// One `[[sign_in.providers]]` table. `Debug` never prints the secret.
#[derive(Clone, Debug, Deserialize)]
pub struct ProviderSettings {
    /// Short name in addresses: `a-z`, `0-9`, `-`.
    pub id: String,
    /// The button: "Đăng nhập bằng VNeID".
    pub label: String,
    /// The issuer URL; `/.well-known/openid-configuration` is read from it.
    /// HTTPS, or plain HTTP to a loopback address (a provider on this
    /// machine, tests).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// The claim that carries the phone number (ID token or user info).
    #[serde(default = "default_phone_claim")]
    pub phone_claim: String,
    /// The claim that carries the person's name.
    #[serde(default = "default_name_claim")]
    pub name_claim: String,
    /// Scopes asked for besides `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

fn default_phone_claim() -> String {
    "phone_number".into()
}

fn default_name_claim() -> String {
    "name".into()
}

fn default_scopes() -> Vec<String> {
    vec!["phone".into(), "profile".into()]
}

impl SignInSettings {
    /// Refuses settings that cannot work, naming the provider and why.
    pub fn check(&self) -> anyhow::Result<()> {
        let mut seen = std::collections::HashSet::new();
        for p in &self.providers {
            let id_ok = (1..=32).contains(&p.id.len())
                && p.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            anyhow::ensure!(
                id_ok,
                "sign_in.providers: id {:?} must be a-z, 0-9, -",
                p.id
            );
            anyhow::ensure!(seen.insert(&p.id), "sign_in.providers: id {} twice", p.id);
            anyhow::ensure!(
                !p.label.trim().is_empty(),
                "sign_in.providers {}: label is empty",
                p.id
            );
            anyhow::ensure!(
                !p.client_id.is_empty(),
                "sign_in.providers {}: client_id is empty",
                p.id
            );
            anyhow::ensure!(
                issuer_allowed(&p.issuer),
                "sign_in.providers {}: issuer {:?} must be https:// (plain http only to a \
                 loopback address such as 127.0.0.1)",
                p.id,
                p.issuer
            );
        }
        Ok(())
    }
}

/// HTTPS anywhere; plain HTTP only to this machine (127.0.0.0/8, ::1,
/// localhost), where nobody on the network can read or change it.
pub fn issuer_allowed(issuer: &str) -> bool {
    let Ok(url) = openidconnect::url::Url::parse(issuer) else {
        return false;
    };
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => match url.host() {
            Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(openidconnect::url::Host::Domain(d)) => d == "localhost",
            None => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::issuer_allowed;

    #[test]
    fn plain_http_issuers_only_on_this_machine() {
        assert!(issuer_allowed("https://sso.example.gov.vn"));
        assert!(issuer_allowed("http://127.0.0.1:4000"));
        assert!(issuer_allowed("http://[::1]:4000/oidc"));
        assert!(issuer_allowed("http://localhost:4000"));
        assert!(!issuer_allowed("http://sso.example.gov.vn"));
        assert!(!issuer_allowed("http://10.0.0.5"));
        assert!(!issuer_allowed("ftp://127.0.0.1"));
        assert!(!issuer_allowed("not a url"));
    }
}
