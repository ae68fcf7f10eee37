//! The form POSTs of accounts: sign up, sign in, sign out, reset a password.
//!
//! Each answers with a 303: on success to `next` (a local path) or `/me`
//! with the new session cookie; on a problem back to the form with
//! `?error=<code>` and the fields worth keeping (never the password).

use axum::{
    extract::State,
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::Response,
};
use serde::Deserialize;

use super::{
    audit::{self, Action},
    client_ip::ClientIp,
    known_device, merge, password, reset,
    session::{self, Identity, SessionConfig},
    throttle::{self, Verdict},
    users::{self, Login, NewUser},
};
use crate::{
    accounts::Problem,
    clock::now,
    server::{db::WriteTx, AppState},
    web::{self, links::is_local_path, see_other, with_query, AppError, Form},
};

/// Where people land after signing in when no `next` was given.
const HOME_OF_SIGNED_IN: &str = "/me";

#[derive(Deserialize)]
pub struct SignUpForm {
    login: String,
    display_name: String,
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct SignInForm {
    login: String,
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct ResetForm {
    login: String,
    code: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Back to the form with the problem and the fields to keep.
fn back_to(page: &str, problem: Problem, keep: &[(&str, &str)]) -> AppError {
    AppError::form(page, problem.code(), keep)
}

/// The page to go to after signing in.
fn destination(next: &str) -> &str {
    if is_local_path(next) {
        next
    } else {
        HOME_OF_SIGNED_IN
    }
}

/// `signed_in`, and this browser remembered as a known device of the
/// account (sign-in limits: see `known_device`).
fn signed_in_on_this_device(
    state: &AppState,
    parts: &Parts,
    cookie: HeaderValue,
    next: &str,
    login_bucket: &str,
    now: i64,
) -> Response {
    let mut response = signed_in(cookie, next);
    response.headers_mut().append(
        header::SET_COOKIE,
        known_device::remember(
            &state.pass_key,
            &parts.headers,
            login_bucket,
            now,
            state.sessions.secure_cookies,
        ),
    );
    response
}

/// Signed in: go on, carrying the new session cookie.
pub(crate) fn signed_in(cookie: HeaderValue, next: &str) -> Response {
    let mut response = see_other(destination(next));
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

/// The 429 answer: the form again, saying how long to wait.
async fn throttled(
    state: &AppState,
    parts: Parts,
    page: &str,
    wait: i64,
    keep: &[(&str, &str)],
) -> Response {
    let wait_text = wait.to_string();
    let mut pairs = vec![("error", Problem::Throttled.code()), ("wait", &wait_text)];
    pairs.extend_from_slice(keep);
    let uri = with_query(page, &pairs);
    let mut response = web::page(state, parts, &uri, StatusCode::TOO_MANY_REQUESTS, || {}).await;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}

/// Starts the transaction of a sign-in: ends the device's current session
/// first (rotation), which is also the transaction's first write, so SQLite
/// takes its write lock up front instead of upgrading a read lock later.
pub(crate) async fn begin_switch(state: &AppState, identity: &Identity) -> anyhow::Result<WriteTx> {
    let mut tx = state.db.begin_write().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(session::token_hash(identity).unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Inside that transaction: the user's learner on this device (the guest's
/// progress merged in) and a brand-new session; returns its cookie.
async fn new_user_session(
    tx: &mut WriteTx,
    config: &SessionConfig,
    identity: &Identity,
    user_id: &str,
    now: i64,
) -> anyhow::Result<HeaderValue> {
    let (cookie, _) = user_session(tx, config, identity, user_id, now).await?;
    Ok(cookie)
}

/// `new_user_session`, also returning the new session's token hash (a
/// provider sign-in notes the provider on it).
pub(crate) async fn user_session(
    tx: &mut WriteTx,
    config: &SessionConfig,
    identity: &Identity,
    user_id: &str,
    now: i64,
) -> anyhow::Result<(HeaderValue, String)> {
    // Only a guest's learner is merged, never another account's.
    let guest = match identity.user {
        None => identity.learner_id.as_deref(),
        Some(_) => None,
    };
    let learner = merge::learner_for_user(tx, user_id, guest, now).await?;
    session::insert_session(tx, config, &learner, Some(user_id), now).await
}

/// After a sign-in brought guest progress to an account: course status and
/// certificates catch up. A failure here loses nothing (the events are
/// stored), so it is logged rather than shown.
pub(crate) async fn progress_followed(state: &AppState, user_id: &str) {
    let result = async {
        if let Some(learner) = crate::progress::ssr::learner_of_user(&state.db, user_id).await? {
            let catalog = state.content.catalog();
            crate::progress::ssr::refresh_learner(&state.db, &catalog, &learner).await?;
        }
        anyhow::Ok(())
    };
    if let Err(err) = result.await {
        tracing::error!(user = %user_id, "updating course status after sign-in: {err:#}");
    }
}

/// `POST /signup`
pub async fn sign_up(
    State(state): State<AppState>,
    ip: ClientIp,
    identity: Identity,
    parts: Parts,
    Form(form): Form<SignUpForm>,
) -> Result<Response, AppError> {
    let keep = [
        ("login", form.login.as_str()),
        ("display_name", form.display_name.as_str()),
        ("next", form.next.as_str()),
    ];
    let (login, display_name) = Login::parse(&form.login)
        .and_then(|login| {
            let name = users::parse_display_name(&form.display_name)?;
            users::check_new_password(&form.password)?;
            Ok((login, name))
        })
        .map_err(|problem| back_to("/signup", problem, &keep))?;
    // Every sign-up counts (each costs a hash), not only failed ones.
    let bucket = [(
        format!("signup-ip:{}", ip.bucket()),
        throttle::SIGN_UPS_PER_ADDRESS,
    )];
    match throttle::begin(&state.db, &bucket, now()).await? {
        Verdict::Go(attempt) => attempt.failed(),
        Verdict::Wait(seconds) => {
            tracing::warn!(client = %ip, "sign-up throttled");
            return Ok(throttled(&state, parts, "/signup", seconds, &keep).await);
        }
    }
    let hash = password::hash(&form.password).await?;
    let now = now();
    let login_bucket = login.bucket();
    let mut tx = begin_switch(&state, &identity).await?;
    let user = NewUser::with_login(login, display_name, hash);
    let user_id = users::insert(&mut tx, &user, now)
        .await?
        .map_err(|problem| back_to("/signup", problem, &keep))?;
    let cookie = new_user_session(&mut tx, &state.sessions, &identity, &user_id, now).await?;
    tx.commit().await?;
    progress_followed(&state, &user_id).await;
    tracing::info!(user = %user_id, "signed up");
    let response = signed_in_on_this_device(&state, &parts, cookie, &form.next, &login_bucket, now);
    Ok(response)
}

/// `POST /signin`
pub async fn sign_in(
    State(state): State<AppState>,
    ip: ClientIp,
    identity: Identity,
    parts: Parts,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let keep = [("login", form.login.as_str()), ("next", form.next.as_str())];
    let login = Login::parse(&form.login).map_err(|p| back_to("/signin", p, &keep))?;
    let now = now();
    let here = format!("{}@{}", login.bucket(), ip.bucket());
    let address = format!("ip:{}", ip.bucket());
    // A browser that signed in to this account before skips the address's
    // limits (others' failures behind the same address do not lock it out)
    // and the account-wide one (guesses spread over many addresses do not
    // lock the owner out of their own phone); its own failures still count.
    let known = known_device::knows(&state.pass_key, &parts.headers, &login.bucket(), now);
    let mut buckets = vec![(here.clone(), throttle::PER_ACCOUNT_AND_ADDRESS)];
    if !known {
        buckets.push((login.bucket(), throttle::PER_ACCOUNT));
        buckets.push((address.clone(), throttle::PER_ADDRESS_HARD));
    }
    let attempt = match throttle::begin(&state.db, &buckets, now).await? {
        Verdict::Go(attempt) => attempt,
        Verdict::Wait(seconds) => {
            metrics::counter!("hocvu_sign_in_failures_total", "reason" => "throttled").increment(1);
            tracing::warn!(client = %ip, "sign-in throttled");
            return Ok(throttled(&state, parts, "/signin", seconds, &keep).await);
        }
    };
    let window = throttle::PER_ADDRESS.window;
    if !known
        && throttle::count(&state.db, &address, window, now).await? > throttle::PER_ADDRESS.failures
    {
        // Many failures from this address: slow down, unless this account
        // is itself being guessed at (then refuse, as before).
        let account_failures = throttle::count(&state.db, &login.bucket(), window, now).await?;
        if account_failures > throttle::ACCOUNT_UNDER_ATTACK {
            attempt.refused(&state.db).await?;
            metrics::counter!("hocvu_sign_in_failures_total", "reason" => "throttled").increment(1);
            tracing::warn!(client = %ip, "sign-in throttled: address and account");
            return Ok(throttled(&state, parts, "/signin", window, &keep).await);
        }
        tracing::info!(client = %ip, "sign-in slowed down: many failures from this address");
        tokio::time::sleep(std::time::Duration::from_secs(throttle::SLOW_DOWN_SECS)).await;
    }
    let user = users::find_by_login(&state.db, &login).await?;
    let stored = user.as_ref().map(|u| u.password_hash.as_str());
    let verified = password::verify(&form.password, stored).await?;
    let (user, rehash) = match (user, verified) {
        (Some(user), password::Verified::Yes) => (user, false),
        (Some(user), password::Verified::YesRehash) => (user, true),
        _ => {
            attempt.failed();
            metrics::counter!("hocvu_sign_in_failures_total", "reason" => "credentials")
                .increment(1);
            tracing::info!(client = %ip, "sign-in refused: wrong login or password");
            return Err(back_to("/signin", Problem::Credentials, &keep));
        }
    };
    // Officials sign in through the province's provider when the admin
    // says so. Told only after the right password: the answer reveals that
    // the account is an official's.
    if state.providers.officials_use_provider() && users::is_official(&state.db, &user.id).await? {
        attempt.succeeded(&state.db, &here).await?;
        tracing::info!(user = %user.id, "password sign-in refused: officials use the provider");
        return Err(back_to("/signin", Problem::ProviderRequired, &keep));
    }
    // Parameters changed since this hash was made: store a fresh one now
    // that the password is at hand.
    let new_hash = if rehash {
        Some(password::hash(&form.password).await?)
    } else {
        None
    };
    let mut tx = begin_switch(&state, &identity).await?;
    if let Some(hash) = &new_hash {
        users::set_password_hash(&mut tx, &user.id, hash).await?;
    }
    let cookie = new_user_session(&mut tx, &state.sessions, &identity, &user.id, now).await?;
    tx.commit().await?;
    progress_followed(&state, &user.id).await;
    tracing::info!(user = %user.id, rehashed = rehash, "signed in");
    attempt.succeeded(&state.db, &here).await?;
    let response =
        signed_in_on_this_device(&state, &parts, cookie, &form.next, &login.bucket(), now);
    Ok(response)
}

/// `POST /signout`: the session ends in the database, not only in the
/// browser; a session that came through an identity provider then goes on
/// to end the provider's session too (RP-initiated logout), which sends the
/// browser back home.
pub async fn sign_out(
    State(state): State<AppState>,
    identity: Identity,
    parts: Parts,
) -> Result<Response, AppError> {
    let provider_end = crate::sign_in_providers::ssr::provider_sign_out(
        &state,
        &parts,
        session::token_hash(&identity),
    )
    .await;
    session::end_session(&state.db, &identity).await?;
    let mut response = see_other(provider_end.as_deref().unwrap_or("/"));
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(&state.sessions));
    Ok(response)
}

/// `POST /reset`: a reset code from an admin and a new password. Signs the
/// person in and ends every other session of theirs.
pub async fn reset_password(
    State(state): State<AppState>,
    ip: ClientIp,
    identity: Identity,
    parts: Parts,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let keep = [("login", form.login.as_str()), ("next", form.next.as_str())];
    let login = Login::parse(&form.login).map_err(|p| back_to("/reset", p, &keep))?;
    users::check_new_password(&form.password).map_err(|p| back_to("/reset", p, &keep))?;
    let now = now();
    // Codes are guessed like passwords, so they are throttled the same way.
    let reset_bucket = format!("reset-{}@{}", login.bucket(), ip.bucket());
    let buckets = [
        (format!("reset-ip:{}", ip.bucket()), throttle::PER_ADDRESS),
        (reset_bucket.clone(), throttle::PER_ACCOUNT_AND_ADDRESS),
        (format!("reset-{}", login.bucket()), throttle::PER_ACCOUNT),
    ];
    let attempt = match throttle::begin(&state.db, &buckets, now).await? {
        Verdict::Go(attempt) => attempt,
        Verdict::Wait(seconds) => {
            tracing::warn!(client = %ip, "password reset throttled");
            return Ok(throttled(&state, parts, "/reset", seconds, &keep).await);
        }
    };
    let refused = |attempt: throttle::Attempt| {
        attempt.failed();
        Err(back_to("/reset", Problem::ResetInvalid, &keep))
    };
    let Some(user) = users::find_by_login(&state.db, &login).await? else {
        return refused(attempt);
    };
    let Some(code_id) = reset::find_live(&state.db, &user.id, &form.code, now).await? else {
        return refused(attempt);
    };
    let hash = password::hash(&form.password).await?;
    let mut tx = begin_switch(&state, &identity).await?;
    if !reset::use_up(&mut tx, &code_id, now).await? {
        return refused(attempt);
    }
    users::set_password_hash(&mut tx, &user.id, &hash).await?;
    users::end_all_sessions(&mut tx, &user.id).await?;
    audit::record(
        &mut tx,
        Some(&user.id),
        Action::PasswordReset,
        &user.id,
        "",
        now,
    )
    .await?;
    let cookie = new_user_session(&mut tx, &state.sessions, &identity, &user.id, now).await?;
    tx.commit().await?;
    progress_followed(&state, &user.id).await;
    tracing::info!(user = %user.id, "password reset with a code");
    attempt.succeeded(&state.db, &reset_bucket).await?;
    Ok(signed_in(cookie, &form.next))
}

/// HTTP routes of accounts (form POST handlers). Pages are leptos routes.
pub fn routes() -> axum::Router<crate::server::AppState> {
    super::password::warm_up();
    axum::Router::new()
        .route("/signup", axum::routing::post(sign_up))
        .route("/signin", axum::routing::post(sign_in))
        .route("/signout", axum::routing::post(sign_out))
        .route("/reset", axum::routing::post(reset_password))
        .route(
            "/admin/users/role",
            axum::routing::post(super::admin::change_role),
        )
        .route(
            "/admin/users/reset-code",
            axum::routing::post(super::admin::issue_reset_code),
        )
}
