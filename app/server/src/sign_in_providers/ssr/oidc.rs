//! The OpenID Connect side, through the `openidconnect` crate: discovery
//! (cached a few minutes), the authorization request (code flow with PKCE,
//! state and nonce), the code exchange and every check of the ID token,
//! then the claims Hocvu needs (subject, phone, name), from the ID token or
//! else the user info endpoint. Tokens stay in this module's locals: they
//! are never logged nor stored.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use openidconnect::{
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
        CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreResponseType,
        CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse,
        CoreTokenType,
    },
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenFields, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope,
    StandardErrorResponse, StandardTokenResponse,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::settings::{ProviderSettings, SignInSettings};
use crate::sign_in_providers::{ProviderButton, ProviderButtons, Trouble};

/// Claims beyond the standard ones, by name (a provider may carry the
/// phone number under a name of its own).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    claims: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for OtherClaims {}

type IdFields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<IdFields, CoreTokenType>;
type OidcClient = openidconnect::Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How long a provider's discovery document (endpoints, keys) is reused.
const DISCOVERY_TTL: Duration = Duration::from_secs(300);

/// How far the provider's clock may be from ours (ID token `exp`, `iat`).
pub const ALLOWED_SKEW_SECS: i64 = 120;

/// Every request to a provider gives up after this long (a provider that
/// hangs must not hold a person's page forever).
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// The configured providers and what was learned about them.
pub struct Providers {
    settings: SignInSettings,
    buttons: ProviderButtons,
    http: reqwest::Client,
    discovered: Mutex<HashMap<String, (Instant, Arc<ProviderMetadataWithLogout>)>>,
}

/// What a provider says about the person who signed in.
#[derive(Debug)]
pub struct ProviderPerson {
    /// The provider's stable id of the person (`sub`).
    pub subject: String,
    /// As the provider wrote it (normalised by the caller).
    pub phone: String,
    pub name: Option<String>,
}

/// The start of a sign-in: where to send the browser, and what to keep
/// for its return.
pub struct Started {
    pub authorize_url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

impl Providers {
    pub fn new(settings: SignInSettings) -> anyhow::Result<Providers> {
        settings.check()?;
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer send our
            // server anywhere (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        let buttons = ProviderButtons(Arc::new(
            settings
                .providers
                .iter()
                .map(|p| ProviderButton {
                    id: p.id.clone(),
                    label: p.label.clone(),
                })
                .collect(),
        ));
        Ok(Providers {
            settings,
            buttons,
            http,
            discovered: Mutex::new(HashMap::new()),
        })
    }

    pub fn settings(&self) -> &SignInSettings {
        &self.settings
    }

    pub fn get(&self, id: &str) -> Option<&ProviderSettings> {
        self.settings.providers.iter().find(|p| p.id == id)
    }

    pub fn label(&self, id: &str) -> String {
        self.get(id)
            .map_or_else(|| id.to_string(), |p| p.label.clone())
    }

    /// The buttons pages show.
    pub fn buttons(&self) -> ProviderButtons {
        self.buttons.clone()
    }

    /// Officials must sign in through a provider (and one is configured).
    pub fn officials_use_provider(&self) -> bool {
        self.settings.officials_use_provider && !self.settings.providers.is_empty()
    }

    /// The provider's discovery document, from the cache when fresh.
    async fn metadata(
        &self,
        provider: &ProviderSettings,
    ) -> Result<Arc<ProviderMetadataWithLogout>, Trouble> {
        if let Some((at, meta)) = self.discovered.lock().unwrap().get(&provider.id) {
            if at.elapsed() < DISCOVERY_TTL {
                return Ok(meta.clone());
            }
        }
        let issuer = IssuerUrl::new(provider.issuer.clone()).map_err(|err| {
            tracing::error!(provider = %provider.id, "issuer URL: {err}");
            Trouble::Unavailable
        })?;
        let meta = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|err| {
                tracing::warn!(provider = %provider.id, "discovery failed: {}", chain(&err));
                Trouble::Unavailable
            })?;
        let meta = Arc::new(meta);
        self.discovered
            .lock()
            .unwrap()
            .insert(provider.id.clone(), (Instant::now(), meta.clone()));
        Ok(meta)
    }

    fn forget(&self, provider: &ProviderSettings) {
        self.discovered.lock().unwrap().remove(&provider.id);
    }

    fn client(
        meta: &ProviderMetadataWithLogout,
        provider: &ProviderSettings,
        redirect: &str,
    ) -> Result<OidcClient, Trouble> {
        let redirect = RedirectUrl::new(redirect.to_string()).map_err(|err| {
            tracing::error!(provider = %provider.id, "redirect URL: {err}");
            Trouble::NoAddress
        })?;
        Ok(OidcClient::from_provider_metadata(
            meta.clone(),
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(
                provider.client_secret.expose_secret().to_string(),
            )),
        )
        .set_redirect_uri(redirect))
    }

    /// Discovers the provider and makes the authorization request.
    pub async fn start(
        &self,
        provider: &ProviderSettings,
        redirect: &str,
    ) -> Result<Started, Trouble> {
        let meta = self.metadata(provider).await?;
        let client = Self::client(&meta, provider, redirect)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &provider.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Started {
            authorize_url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code, checks the ID token and reads the claims.
    pub async fn finish(
        &self,
        provider: &ProviderSettings,
        redirect: &str,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<ProviderPerson, Trouble> {
        let meta = self.metadata(provider).await?;
        let client = Self::client(&meta, provider, redirect)?;
        let id = &provider.id;
        let exchange = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|err| {
                tracing::warn!(provider = %id, "no token endpoint: {err}");
                Trouble::Unavailable
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()));
        let tokens = exchange
            .request_async(&self.http)
            .await
            .map_err(|err| match err {
                RequestTokenError::ServerResponse(answer) => {
                    // invalid_grant: a code used before, expired, or not ours.
                    tracing::warn!(provider = %id, error = %answer.error(), "code refused");
                    Trouble::Code
                }
                RequestTokenError::Request(err) => {
                    tracing::warn!(provider = %id, "token endpoint unreachable: {}", chain(&err));
                    Trouble::Unavailable
                }
                other => {
                    tracing::warn!(provider = %id, "token answer unreadable: {}", chain(&other));
                    Trouble::Token
                }
            })?;
        let Some(id_token) = tokens.extra_fields().id_token() else {
            tracing::warn!(provider = %id, "no ID token in the answer");
            return Err(Trouble::Token);
        };
        let now = chrono::Utc::now();
        let skew = chrono::Duration::seconds(ALLOWED_SKEW_SECS);
        let verifier = client
            .id_token_verifier()
            // Expired only when `exp` passed more than the skew ago...
            .set_time_fn(move || now - skew)
            // ...and never issued further in the future than the skew.
            .set_issue_time_verifier_fn(move |iat| {
                if iat > now + skew {
                    Err(format!("issued at {iat}, in the future"))
                } else {
                    Ok(())
                }
            });
        let claims = match id_token.claims(&verifier, &Nonce::new(nonce.to_string())) {
            Ok(claims) => claims,
            Err(err) => {
                tracing::warn!(provider = %id, "ID token refused: {err}");
                return Err(match err {
                    ClaimsVerificationError::Expired(_) => Trouble::Clock,
                    ClaimsVerificationError::SignatureVerification(_) => {
                        // Perhaps new keys: discover again next time.
                        self.forget(provider);
                        Trouble::Token
                    }
                    _ => Trouble::Token,
                });
            }
        };
        let subject = claims.subject().to_string();
        let standard_phone = || {
            claims
                .phone_number()
                .map(|p| (p.to_string(), claims.phone_number_verified()))
        };
        let mut phone = claim_phone(
            &provider.phone_claim,
            standard_phone(),
            &claims.additional_claims().claims,
        );
        let mut name = claim_name(
            &provider.name_claim,
            claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            &claims.additional_claims().claims,
        );
        if phone.is_none() {
            // Many providers give the profile only through user info.
            if let Ok(request) = client.user_info(
                tokens.access_token().clone(),
                Some(claims.subject().clone()),
            ) {
                let info: openidconnect::UserInfoClaims<OtherClaims, CoreGenderClaim> =
                    request.request_async(&self.http).await.map_err(|err| {
                        tracing::warn!(provider = %id, "user info failed: {}", chain(&err));
                        Trouble::Unavailable
                    })?;
                let standard = info
                    .phone_number()
                    .map(|p| (p.to_string(), info.phone_number_verified()));
                phone = claim_phone(
                    &provider.phone_claim,
                    standard,
                    &info.additional_claims().claims,
                );
                if name.is_none() {
                    name = claim_name(
                        &provider.name_claim,
                        info.name().and_then(|n| n.get(None)).map(|n| n.to_string()),
                        &info.additional_claims().claims,
                    );
                }
            }
        }
        let Some(phone) = phone else {
            tracing::info!(provider = %id, "no verified phone number among the claims");
            return Err(Trouble::NoPhone);
        };
        Ok(ProviderPerson {
            subject,
            phone,
            name,
        })
    }

    /// Where to send the browser to end the provider's session too
    /// (RP-initiated logout), if the provider has such an endpoint. Uses
    /// what discovery knows already or can learn quickly; `None` otherwise.
    pub async fn logout_url(&self, id: &str, back_to: &str) -> Option<String> {
        let provider = self.get(id)?;
        let meta = self.metadata(provider).await.ok()?;
        let end = meta.additional_metadata().end_session_endpoint.clone()?;
        let mut request = openidconnect::LogoutRequest::from(end)
            .set_client_id(ClientId::new(provider.client_id.clone()));
        if let Ok(back) = PostLogoutRedirectUrl::new(back_to.to_string()) {
            request = request.set_post_logout_redirect_uri(back);
        }
        Some(request.http_get_url().to_string())
    }
}

/// The phone claim, only when it is not marked unverified: a standard
/// `phone_number` with `phone_number_verified`, or a claim of another name
/// with `<name>_verified` beside it.
fn claim_phone(
    name: &str,
    standard: Option<(String, Option<bool>)>,
    others: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    let (phone, verified) = if name == "phone_number" {
        standard?
    } else {
        let phone = others.get(name)?.as_str()?.to_string();
        let verified = others
            .get(&format!("{name}_verified"))
            .and_then(|v| v.as_bool());
        (phone, verified)
    };
    (verified != Some(false) && !phone.trim().is_empty()).then_some(phone)
}

fn claim_name(
    name: &str,
    standard: Option<String>,
    others: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    if name == "name" {
        standard
    } else {
        others.get(name)?.as_str().map(str::to_string)
    }
}

/// An error and its causes on one line (none of them carries a token).
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unverified_phone_is_no_phone() {
        let none = serde_json::Map::new();
        let std = |p: &str, v| Some((p.to_string(), v));
        assert_eq!(
            claim_phone("phone_number", std("+84912345678", Some(true)), &none),
            Some("+84912345678".into())
        );
        assert_eq!(
            claim_phone("phone_number", std("+84912345678", None), &none),
            Some("+84912345678".into())
        );
        assert_eq!(
            claim_phone("phone_number", std("+84912345678", Some(false)), &none),
            None
        );
        let others: serde_json::Map<_, _> = serde_json::from_str(
            r#"{"so_dien_thoai": "0912345678", "so_dien_thoai_verified": false}"#,
        )
        .unwrap();
        assert_eq!(claim_phone("so_dien_thoai", None, &others), None);
        let others: serde_json::Map<_, _> =
            serde_json::from_str(r#"{"so_dien_thoai": "0912345678"}"#).unwrap();
        assert_eq!(
            claim_phone("so_dien_thoai", None, &others),
            Some("0912345678".into())
        );
    }
}
