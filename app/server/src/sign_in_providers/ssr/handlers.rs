//! The routes of provider sign-in.
//!
//! - `POST /signin/with/{id}`: a button; stores the sign-in in flight and
//!   sends the browser to the provider (303).
//! - `GET /signin/with/{id}/callback`: the provider sends the browser back
//!   here. It is a GET that signs in (OpenID Connect's redirect), guarded by
//!   a state value that only the browser holding the flow cookie can match,
//!   and the flow is used up on the first visit.
//! - `POST /signin/link`: the password that links an existing account.
//! - `POST /me/sign-ins/remove`: unlinks one provider account.
//!
//! Every failure answers the `/signin/trouble` page with its reason, after
//! rolling back whatever it had started (the flow is gone, no account or
//! link is half made).

use axum::{
    extract::{Path, Query, State},
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::Response,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::store::{self, NewFlow, Unlinked, FLOW_TTL_SECS};
use crate::{
    accounts::{
        ssr::{
            client_ip::ClientIp,
            handlers as accounts, password, phone,
            throttle::{self, Verdict},
            users::{self, NewUser},
            Identity,
        },
        Problem, Role,
    },
    clock::now,
    server::AppState,
    sign_in_providers::Trouble,
    web::{self, links::is_local_path, see_other, with_query, AppError, Form},
};

/// The flow cookie over plain HTTP, and over HTTPS (`secure_cookies`).
const FLOW_COOKIE: &str = "hocvu_sign_in";
const SECURE_FLOW_COOKIE: &str = "__Host-hocvu_sign_in";

fn flow_cookie_name(state: &AppState) -> &'static str {
    cookie_name(&state.sessions)
}

fn cookie_name(sessions: &crate::accounts::ssr::SessionConfig) -> &'static str {
    if sessions.secure_cookies {
        SECURE_FLOW_COOKIE
    } else {
        FLOW_COOKIE
    }
}

/// The flow cookie: `SameSite=Lax`, so it comes along when the provider
/// sends the browser back (a top-level GET from another site).
fn flow_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    let secure = if state.sessions.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        flow_cookie_name(state)
    ))
    .expect("cookie is ASCII")
}

fn clear_flow_cookie(state: &AppState) -> HeaderValue {
    flow_cookie(state, "", 0)
}

fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hash of the request's flow cookie, if it carries a well-formed one.
fn flow_token_hash(state: &AppState, parts: &Parts) -> Option<String> {
    token_hash_in(&state.sessions, parts)
}

fn token_hash_in(sessions: &crate::accounts::ssr::SessionConfig, parts: &Parts) -> Option<String> {
    web::cookie_value(&parts.headers, cookie_name(sessions))
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|v| hash(&v))
}

/// Where the provider sends the browser back: the public address (or this
/// very host, see `PublicUrl`) and the callback path.
fn callback_url(state: &AppState, parts: &Parts, id: &str) -> Option<String> {
    let origin = state
        .public_url
        .origin(&parts.headers, state.sessions.secure_cookies)?;
    Some(format!("{origin}/signin/with/{id}/callback"))
}

/// The failure page, with the reason, the status it calls for, and the
/// flow cookie cleared.
async fn trouble(state: &AppState, parts: Parts, trouble: Trouble) -> Response {
    metrics::counter!("hocvu_provider_sign_in_failures_total", "reason" => trouble.code())
        .increment(1);
    let uri = with_query("/signin/trouble", &[("reason", trouble.code())]);
    let status = StatusCode::from_u16(trouble.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = web::page(state, parts, &uri, status, || {}).await;
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_flow_cookie(state));
    response
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    next: String,
}

/// `POST /signin/with/{id}`
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
    Form(form): Form<StartForm>,
) -> Result<Response, AppError> {
    let Some(provider) = state.providers.get(&id) else {
        return Ok(trouble(&state, parts, Trouble::Unknown).await);
    };
    let Some(redirect) = callback_url(&state, &parts, &id) else {
        tracing::warn!(provider = %id, "provider sign-in needs public_url");
        return Ok(trouble(&state, parts, Trouble::NoAddress).await);
    };
    let started = match state.providers.start(provider, &redirect).await {
        Ok(started) => started,
        Err(reason) => return Ok(trouble(&state, parts, reason).await),
    };
    let next = if is_local_path(&form.next) {
        form.next.as_str()
    } else {
        ""
    };
    let token = new_token();
    let now = now();
    let mut tx = state.db.begin_write().await?;
    store::insert_flow(
        &mut tx,
        &hash(&token),
        &NewFlow {
            provider: &id,
            state: &started.state,
            nonce: &started.nonce,
            pkce_verifier: &started.pkce_verifier,
            next,
            subject: None,
            user_id: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(provider = %id, "provider sign-in started");
    let mut response = see_other(&started.authorize_url);
    response.headers_mut().insert(
        header::SET_COOKIE,
        flow_cookie(&state, &token, FLOW_TTL_SECS),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /signin/with/{id}/callback`
pub async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    identity: Identity,
    parts: Parts,
    Query(query): Query<CallbackQuery>,
) -> Response {
    match finish(&state, &id, &identity, &parts, query).await {
        Ok(mut response) => {
            // A pending link sets its own flow cookie; otherwise it ends here.
            if !response
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .any(|c| {
                    c.as_bytes()
                        .starts_with(flow_cookie_name(&state).as_bytes())
                })
            {
                response
                    .headers_mut()
                    .append(header::SET_COOKIE, clear_flow_cookie(&state));
            }
            response
        }
        Err(Failure::Trouble(reason)) => trouble(&state, parts, reason).await,
        Err(Failure::Internal(err)) => {
            tracing::error!(provider = %id, "provider sign-in failed: {err:#}");
            trouble(&state, parts, Trouble::Other).await
        }
    }
}

enum Failure {
    Trouble(Trouble),
    Internal(anyhow::Error),
}

impl From<Trouble> for Failure {
    fn from(t: Trouble) -> Self {
        Failure::Trouble(t)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Internal(e)
    }
}

async fn finish(
    state: &AppState,
    id: &str,
    identity: &Identity,
    parts: &Parts,
    query: CallbackQuery,
) -> Result<Response, Failure> {
    let provider = state.providers.get(id).ok_or(Trouble::Unknown)?;
    let token_hash = flow_token_hash(state, parts).ok_or(Trouble::State)?;
    // Used up now, whatever comes next: a replayed callback finds nothing.
    let flow = store::take_flow(&state.db, &token_hash)
        .await?
        .ok_or(Trouble::State)?;
    let now = now();
    if flow.subject.is_some() || flow.provider != id {
        return Err(Trouble::State.into());
    }
    if now - flow.created_at > FLOW_TTL_SECS {
        return Err(Trouble::Expired.into());
    }
    if query.state.as_deref() != Some(flow.state.as_str()) {
        tracing::warn!(provider = %id, "callback with a state that does not match");
        return Err(Trouble::State.into());
    }
    if let Some(error) = &query.error {
        tracing::info!(provider = %id, error = %web::headers::log_safe(error, 64), "provider said no");
        return Err(Trouble::Denied.into());
    }
    let code = query.code.as_deref().ok_or(Trouble::State)?;
    let redirect = callback_url(state, parts, id).ok_or(Trouble::NoAddress)?;
    let person = state
        .providers
        .finish(provider, &redirect, code, &flow.nonce, &flow.pkce_verifier)
        .await?;
    let next = flow.next.as_str();

    // Linked before: sign in.
    if let Some(user_id) = store::linked_user(&state.db, id, &person.subject).await? {
        let mut tx = accounts::begin_switch(state, identity).await?;
        store::touch_link(&mut tx, id, &person.subject, now).await?;
        let cookie = provider_session(&mut tx, state, identity, &user_id, id, now).await?;
        tx.commit().await?;
        return Ok(signed_in(state, &user_id, cookie, next, "linked").await);
    }
    let phone = phone::normalize(&person.phone).ok_or_else(|| {
        tracing::info!(provider = %id, "the phone claim is not a Vietnamese mobile number");
        Trouble::NoPhone
    })?;
    match store::user_with_phone(&state.db, &phone).await? {
        // An account with a password: its owner proves it once.
        Some(owner) if !owner.password_hash.is_empty() => {
            let token = new_token();
            let mut tx = state.db.begin_write().await?;
            store::insert_flow(
                &mut tx,
                &hash(&token),
                &NewFlow {
                    provider: id,
                    state: "",
                    nonce: "",
                    pkce_verifier: "",
                    next,
                    subject: Some(&person.subject),
                    user_id: Some(&owner.id),
                },
                now,
            )
            .await?;
            tx.commit().await?;
            tracing::info!(provider = %id, user = %owner.id, "link waits for the password");
            let mut response = see_other("/signin/link");
            response.headers_mut().insert(
                header::SET_COOKIE,
                flow_cookie(state, &token, FLOW_TTL_SECS),
            );
            Ok(response)
        }
        // No password yet (an official imported by phone): the provider's
        // verified number is the proof.
        Some(owner) => {
            let mut tx = accounts::begin_switch(state, identity).await?;
            if !store::insert_link(&mut tx, &owner.id, id, &person.subject, now).await? {
                return Err(Trouble::State.into());
            }
            let cookie = provider_session(&mut tx, state, identity, &owner.id, id, now).await?;
            tx.commit().await?;
            Ok(signed_in(state, &owner.id, cookie, next, "linked by phone").await)
        }
        // Nobody: a new account, as at sign-up (the guest's progress kept).
        None => {
            let name = person
                .name
                .as_deref()
                .and_then(|n| users::parse_display_name(n).ok())
                .unwrap_or_else(|| phone::display(&phone));
            let user = NewUser {
                username: None,
                phone: Some(phone),
                display_name: name,
                // No password: this account signs in through the provider
                // until its owner sets one with a reset code.
                password_hash: String::new(),
                role: Role::Learner,
            };
            let mut tx = accounts::begin_switch(state, identity).await?;
            let user_id = match users::insert(&mut tx, &user, now).await? {
                Ok(user_id) => user_id,
                // Taken a moment ago by a concurrent sign-up: start again.
                Err(_) => return Err(Trouble::State.into()),
            };
            if !store::insert_link(&mut tx, &user_id, id, &person.subject, now).await? {
                return Err(Trouble::State.into());
            }
            let cookie = provider_session(&mut tx, state, identity, &user_id, id, now).await?;
            tx.commit().await?;
            Ok(signed_in(state, &user_id, cookie, next, "signed up").await)
        }
    }
}

/// A new session of `user_id` (the guest's progress merged), marked as
/// signed in through `provider` (for its sign-out).
async fn provider_session(
    tx: &mut crate::server::db::WriteTx,
    state: &AppState,
    identity: &Identity,
    user_id: &str,
    provider: &str,
    now: i64,
) -> anyhow::Result<HeaderValue> {
    let (cookie, token_hash) =
        accounts::user_session(tx, &state.sessions, identity, user_id, now).await?;
    store::mark_session_provider(tx, &token_hash, provider).await?;
    Ok(cookie)
}

async fn signed_in(
    state: &AppState,
    user_id: &str,
    cookie: HeaderValue,
    next: &str,
    how: &'static str,
) -> Response {
    accounts::progress_followed(state, user_id).await;
    tracing::info!(user = %user_id, how, "signed in through a provider");
    accounts::signed_in(cookie, next)
}

#[derive(Deserialize)]
pub struct LinkForm {
    password: String,
}

/// `POST /signin/link`: the password of the account the provider's phone
/// number belongs to; right, and the two are linked and the person is in.
pub async fn link(
    State(state): State<AppState>,
    ip: ClientIp,
    identity: Identity,
    parts: Parts,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    let Some(token_hash) = flow_token_hash(&state, &parts) else {
        return Ok(trouble(&state, parts, Trouble::State).await);
    };
    let flow = store::peek_flow(&state.db, &token_hash).await?;
    let now = now();
    let Some(flow) = flow else {
        return Ok(trouble(&state, parts, Trouble::State).await);
    };
    let (Some(subject), Some(user_id)) = (flow.subject.clone(), flow.user_id.clone()) else {
        return Ok(trouble(&state, parts, Trouble::State).await);
    };
    if now - flow.created_at > FLOW_TTL_SECS {
        return Ok(trouble(&state, parts, Trouble::Expired).await);
    }
    // Guessed like a sign-in password, so throttled the same way.
    let bucket = format!("link:{user_id}@{}", ip.bucket());
    let buckets = [
        (bucket.clone(), throttle::PER_ACCOUNT_AND_ADDRESS),
        (format!("link:{user_id}"), throttle::PER_ACCOUNT),
    ];
    let attempt = match throttle::begin(&state.db, &buckets, now).await? {
        Verdict::Go(attempt) => attempt,
        Verdict::Wait(seconds) => {
            tracing::warn!(client = %ip, "link throttled");
            return Err(AppError::TooManyRequests { wait: seconds });
        }
    };
    let stored: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(&user_id)
            .fetch_optional(state.db.reads())
            .await
            .map_err(anyhow::Error::from)?;
    let verified = password::verify(&form.password, stored.as_deref()).await?;
    if verified == password::Verified::No {
        attempt.failed();
        tracing::info!(client = %ip, "link refused: wrong password");
        return Err(AppError::form(
            "/signin/link",
            Problem::Credentials.code(),
            &[],
        ));
    }
    let mut tx = accounts::begin_switch(&state, &identity).await?;
    if !store::delete_flow(&mut tx, &token_hash).await?
        || !store::insert_link(&mut tx, &user_id, &flow.provider, &subject, now).await?
    {
        drop(tx);
        return Ok(trouble(&state, parts, Trouble::State).await);
    }
    let cookie =
        provider_session(&mut tx, &state, &identity, &user_id, &flow.provider, now).await?;
    tx.commit().await?;
    attempt.succeeded(&state.db, &bucket).await?;
    let mut response =
        signed_in(&state, &user_id, cookie, &flow.next, "linked with password").await;
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_flow_cookie(&state));
    Ok(response)
}

/// The link this browser's flow cookie waits for, as the link page shows
/// it (reading only).
pub async fn pending_link_of(
    db: &crate::server::db::Db,
    sessions: &crate::accounts::ssr::SessionConfig,
    providers: &super::Providers,
    parts: &Parts,
) -> anyhow::Result<Option<crate::sign_in_providers::LinkWaiting>> {
    let Some(token_hash) = token_hash_in(sessions, parts) else {
        return Ok(None);
    };
    let Some(flow) = store::peek_flow(db, &token_hash).await? else {
        return Ok(None);
    };
    let (Some(user_id), true) = (flow.user_id, now() - flow.created_at <= FLOW_TTL_SECS) else {
        return Ok(None);
    };
    let phone: Option<Option<String>> = sqlx::query_scalar("SELECT phone FROM users WHERE id = $1")
        .bind(&user_id)
        .fetch_optional(db.reads())
        .await?;
    Ok(phone
        .flatten()
        .map(|p| crate::sign_in_providers::LinkWaiting {
            provider_label: providers.label(&flow.provider),
            phone: phone::display(&p),
        }))
}

#[derive(Deserialize)]
pub struct UnlinkForm {
    id: String,
}

/// `POST /me/sign-ins/remove`: signed-in people, their own links only.
pub async fn unlink(
    State(state): State<AppState>,
    identity: Identity,
    Form(form): Form<UnlinkForm>,
) -> Result<Response, AppError> {
    let Some(user) = identity.user else {
        return Err(AppError::SignIn { next: "/me".into() });
    };
    match store::remove_link(&state.db, &user.id, &form.id).await? {
        Unlinked::Done => {
            tracing::info!(user = %user.id, "linked sign-in removed");
            Ok(see_other("/me?unlinked=1#sign-ins"))
        }
        Unlinked::LastWay => Ok(see_other("/me?unlink=last#sign-ins")),
        Unlinked::NotFound => Err(AppError::NotFound),
    }
}

/// The routes of provider sign-in.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/signin/with/{id}", post(start))
        .route("/signin/with/{id}/callback", get(callback))
        .route("/signin/link", post(link))
        .route("/me/sign-ins/remove", post(unlink))
}
