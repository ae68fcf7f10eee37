//! The form POSTs of accounts: sign up, sign in, sign out, reset a password.
//!
//! Each answers with a 303: on success to `next` (a local path) or `/me`
//! with the new session cookie; on a problem back to the form with
//! `?error=<code>` and the fields worth keeping (never the password).

use axum::{
    extract::State,
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Form,
};
use serde::Deserialize;
use sqlx::{Any, Transaction};

use super::{
    audit::{self, Action},
    client_ip::ClientIp,
    merge, password, render, reset,
    session::{self, now, Identity, SessionConfig},
    throttle::{self, Verdict},
    users::{self, Login, NewUser},
};
use crate::{
    accounts::{is_local_path, with_query, Problem},
    server::AppState,
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

/// The identity the session middleware found for this request.
pub fn identity_of(parts: &Parts) -> Identity {
    parts
        .extensions
        .get::<Identity>()
        .cloned()
        .unwrap_or_default()
}

/// 303 to `location`, not cached.
pub fn see_other(location: &str) -> Response {
    let location = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/"));
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response()
}

/// Back to the form with the problem and the fields to keep.
fn back_to(page: &str, problem: Problem, keep: &[(&str, &str)]) -> Response {
    let mut pairs = vec![("error", problem.code())];
    pairs.extend_from_slice(keep);
    see_other(&with_query(page, &pairs))
}

/// A failure of ours, not the visitor's: logged in full, shown briefly.
pub fn server_error(err: anyhow::Error) -> Response {
    tracing::error!("accounts: {err:#}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Lỗi máy chủ, vui lòng thử lại. / Server error, please try again.",
    )
        .into_response()
}

/// The page to go to after signing in.
fn destination(next: &str) -> &str {
    if is_local_path(next) {
        next
    } else {
        HOME_OF_SIGNED_IN
    }
}

/// Signed in: go on, carrying the new session cookie.
fn signed_in(cookie: HeaderValue, next: &str) -> Response {
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
    let mut response = render::page(state, parts, &uri, StatusCode::TOO_MANY_REQUESTS, || {}).await;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}

/// Starts the transaction of a sign-in: ends the device's current session
/// first (rotation), which is also the transaction's first write, so SQLite
/// takes its write lock up front instead of upgrading a read lock later.
async fn begin_switch<'a>(
    state: &'a AppState,
    identity: &Identity,
) -> anyhow::Result<Transaction<'a, Any>> {
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(session::token_hash(identity).unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Inside that transaction: the user's learner on this device (the guest's
/// progress merged in) and a brand-new session; returns its cookie.
async fn new_user_session(
    tx: &mut Transaction<'_, Any>,
    config: &SessionConfig,
    identity: &Identity,
    user_id: &str,
    now: i64,
) -> anyhow::Result<HeaderValue> {
    // Only a guest's learner is merged, never another account's.
    let guest = match identity.user {
        None => identity.learner_id.as_deref(),
        Some(_) => None,
    };
    let learner = merge::learner_for_user(tx, user_id, guest, now).await?;
    let (cookie, _) = session::insert_session(tx, config, &learner, Some(user_id), now).await?;
    Ok(cookie)
}

/// After a sign-in brought guest progress to an account: course status and
/// certificates catch up. A failure here loses nothing (the events are
/// stored), so it is logged rather than shown.
async fn progress_followed(state: &AppState, user_id: &str) {
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
    parts: Parts,
    Form(form): Form<SignUpForm>,
) -> Response {
    let keep = [
        ("login", form.login.as_str()),
        ("display_name", form.display_name.as_str()),
        ("next", form.next.as_str()),
    ];
    let checked = Login::parse(&form.login).and_then(|login| {
        let name = users::parse_display_name(&form.display_name)?;
        users::check_new_password(&form.password)?;
        Ok((login, name))
    });
    let (login, display_name) = match checked {
        Ok(ok) => ok,
        Err(problem) => return back_to("/signup", problem, &keep),
    };
    let identity = identity_of(&parts);
    let result = async {
        let hash = password::hash(&form.password).await?;
        let now = now();
        let mut tx = begin_switch(&state, &identity).await?;
        let user = NewUser::with_login(login, display_name, hash);
        let user_id = match users::insert(&mut tx, &user, now).await? {
            Ok(id) => id,
            Err(problem) => return Ok(Err(problem)),
        };
        let cookie = new_user_session(&mut tx, &state.sessions, &identity, &user_id, now).await?;
        tx.commit().await?;
        progress_followed(&state, &user_id).await;
        tracing::info!(user = %user_id, "signed up");
        anyhow::Ok(Ok(cookie))
    };
    match result.await {
        Ok(Ok(cookie)) => signed_in(cookie, &form.next),
        Ok(Err(problem)) => back_to("/signup", problem, &keep),
        Err(err) => server_error(err),
    }
}

/// `POST /signin`
pub async fn sign_in(
    State(state): State<AppState>,
    ip: ClientIp,
    parts: Parts,
    Form(form): Form<SignInForm>,
) -> Response {
    let keep = [("login", form.login.as_str()), ("next", form.next.as_str())];
    let login = match Login::parse(&form.login) {
        Ok(login) => login,
        Err(problem) => return back_to("/signin", problem, &keep),
    };
    let now = now();
    let buckets = [
        (format!("ip:{}", ip.bucket()), throttle::PER_ADDRESS),
        (login.bucket(), throttle::PER_ACCOUNT),
    ];
    let attempt = match throttle::begin(&state.db, &buckets, now).await {
        Ok(Verdict::Go(attempt)) => attempt,
        Ok(Verdict::Wait(seconds)) => {
            tracing::warn!(client = %ip, "sign-in throttled");
            return throttled(&state, parts, "/signin", seconds, &keep).await;
        }
        Err(err) => return server_error(err),
    };
    let identity = identity_of(&parts);
    let result = async {
        let user = users::find_by_login(&state.db, &login).await?;
        let stored = user.as_ref().map(|u| u.password_hash.as_str());
        let verified = password::verify(&form.password, stored).await?;
        let (user, rehash) = match (user, verified) {
            (Some(user), password::Verified::Yes) => (user, false),
            (Some(user), password::Verified::YesRehash) => (user, true),
            _ => return Ok(None),
        };
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
        anyhow::Ok(Some(cookie))
    };
    match result.await {
        Ok(Some(cookie)) => match attempt.succeeded(&state.db, &login.bucket()).await {
            Ok(()) => signed_in(cookie, &form.next),
            Err(err) => server_error(err),
        },
        Ok(None) => {
            attempt.failed();
            tracing::info!(client = %ip, "sign-in refused: wrong login or password");
            back_to("/signin", Problem::Credentials, &keep)
        }
        Err(err) => server_error(err),
    }
}

/// `POST /signout`: the session ends in the database, not only in the browser.
pub async fn sign_out(State(state): State<AppState>, parts: Parts) -> Response {
    let identity = identity_of(&parts);
    if let Err(err) = session::end_session(&state.db, &identity).await {
        return server_error(err);
    }
    let mut response = see_other("/");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(&state.sessions));
    response
}

/// `POST /reset`: a reset code from an admin and a new password. Signs the
/// person in and ends every other session of theirs.
pub async fn reset_password(
    State(state): State<AppState>,
    ip: ClientIp,
    parts: Parts,
    Form(form): Form<ResetForm>,
) -> Response {
    let keep = [("login", form.login.as_str()), ("next", form.next.as_str())];
    let login = match Login::parse(&form.login) {
        Ok(login) => login,
        Err(problem) => return back_to("/reset", problem, &keep),
    };
    if let Err(problem) = users::check_new_password(&form.password) {
        return back_to("/reset", problem, &keep);
    }
    let now = now();
    // Codes are guessed like passwords, so they are throttled the same way.
    let reset_bucket = format!("reset-{}", login.bucket());
    let buckets = [
        (format!("reset-ip:{}", ip.bucket()), throttle::PER_ADDRESS),
        (reset_bucket.clone(), throttle::PER_ACCOUNT),
    ];
    let attempt = match throttle::begin(&state.db, &buckets, now).await {
        Ok(Verdict::Go(attempt)) => attempt,
        Ok(Verdict::Wait(seconds)) => {
            tracing::warn!(client = %ip, "password reset throttled");
            return throttled(&state, parts, "/reset", seconds, &keep).await;
        }
        Err(err) => return server_error(err),
    };
    let identity = identity_of(&parts);
    let result = async {
        let Some(user) = users::find_by_login(&state.db, &login).await? else {
            return Ok(None);
        };
        let Some(code_id) = reset::find_live(&state.db, &user.id, &form.code, now).await? else {
            return Ok(None);
        };
        let hash = password::hash(&form.password).await?;
        let mut tx = begin_switch(&state, &identity).await?;
        if !reset::use_up(&mut tx, &code_id, now).await? {
            return Ok(None);
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
        anyhow::Ok(Some(cookie))
    };
    match result.await {
        Ok(Some(cookie)) => match attempt.succeeded(&state.db, &reset_bucket).await {
            Ok(()) => signed_in(cookie, &form.next),
            Err(err) => server_error(err),
        },
        Ok(None) => {
            attempt.failed();
            back_to("/reset", Problem::ResetInvalid, &keep)
        }
        Err(err) => server_error(err),
    }
}
