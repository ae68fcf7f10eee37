//! Database-backed sessions, so several app servers can share them.
//!
//! The cookie holds a random token; the database holds only its SHA-256, so
//! a leaked database does not leak live sessions. Reading pages never creates
//! a session: one is made the first time a visitor does something worth
//! keeping (`start_guest_in`, inside that action's own transaction). Guests keep their session for a long idle time
//! (their progress lives in it); signed-in sessions have a shorter idle time
//! and an absolute limit.

use crate::server::db::WriteTx;
use anyhow::Context;
use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, Request},
    middleware::Next,
    response::Response,
};
use sha2::{Digest, Sha256};

use crate::{
    accounts::{CurrentUser, Role},
    server::db::Db,
};

/// Name of the session cookie over plain HTTP.
pub const COOKIE: &str = "hocvu_session";

/// Its name over HTTPS (`secure_cookies`): a browser takes a `__Host-`
/// cookie only from this very host, `Secure`, with `Path=/`, so a sibling
/// subdomain cannot plant a session of its choosing.
pub const SECURE_COOKIE: &str = "__Host-hocvu_session";

/// Lifetimes of sessions, in seconds.
#[derive(Clone, Copy, Debug)]
pub struct SessionConfig {
    /// Guests: the session *is* their progress, so keep it a long time.
    pub guest_idle: i64,
    /// Signed-in sessions end after this long without a request...
    pub user_idle: i64,
    /// ...and after this long in any case.
    pub user_absolute: i64,
    /// Mark cookies `Secure` (set when served over TLS).
    pub secure_cookies: bool,
}

impl SessionConfig {
    /// The session cookie's name; every reader and writer asks here.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            SECURE_COOKIE
        } else {
            COOKIE
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            guest_idle: 365 * 86_400,
            user_idle: 14 * 86_400,
            user_absolute: 60 * 86_400,
            secure_cookies: false,
        }
    }
}

/// Who made this request: a learner (maybe a signed-in user), or nobody yet.
#[derive(Clone, Debug, Default)]
pub struct Identity {
    pub learner_id: Option<String>,
    pub user: Option<CurrentUser>,
    token_hash: Option<String>,
}

impl Identity {
    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }

    /// True when the signed-in user has one of `roles`.
    pub fn has_role(&self, roles: &[Role]) -> bool {
        self.role().is_some_and(|r| roles.contains(&r))
    }
}

fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new unguessable token (244 random bits from the OS generator).
fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn token_from(headers: &HeaderMap, name: &str) -> Option<String> {
    crate::web::cookie_value(headers, name)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether the request carries a session cookie (its answer is personal).
/// Either name counts: treating an answer as personal is the safe side.
pub fn has_session_cookie(headers: &HeaderMap) -> bool {
    token_from(headers, SECURE_COOKIE).is_some() || token_from(headers, COOKIE).is_some()
}

/// Middleware: puts the request's `Identity` into its extensions (and so
/// into every server function's context, through `Parts`).
pub async fn identify(
    State((db, config)): State<(Db, SessionConfig)>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    // The page cache may have looked it up already.
    if request.extensions().get::<Identity>().is_none() {
        let identity = lookup(&db, &config, request.headers()).await;
        request.extensions_mut().insert(identity);
    }
    next.run(request).await
}

/// Who the request's session cookie names (nobody without one, or when it
/// names no live session).
pub async fn lookup(db: &Db, config: &SessionConfig, headers: &HeaderMap) -> Identity {
    let Some(token) = token_from(headers, config.cookie_name()) else {
        return Identity::default();
    };
    load(db, config, &hash_token(&token))
        .await
        .unwrap_or_else(|err| {
            tracing::error!("session lookup failed: {err:#}");
            Identity::default()
        })
}

/// A session joined with its user, as stored.
#[derive(sqlx::FromRow)]
struct SessionRow {
    learner_id: String,
    user_id: Option<String>,
    created_at: i64,
    last_seen_at: i64,
    display_name: Option<String>,
    role: Option<String>,
}

async fn load(db: &Db, config: &SessionConfig, token_hash: &str) -> anyhow::Result<Identity> {
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.learner_id, s.user_id, s.created_at, s.last_seen_at, u.display_name, u.role \
         FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db.reads())
    .await
    .context("reading session")?;
    let Some(SessionRow {
        learner_id,
        user_id,
        created_at,
        last_seen_at,
        display_name: name,
        role,
    }) = row
    else {
        return Ok(Identity::default());
    };
    let now = crate::clock::now();
    let expired = match user_id {
        Some(_) => now - last_seen_at > config.user_idle || now - created_at > config.user_absolute,
        None => now - last_seen_at > config.guest_idle,
    };
    if expired {
        db.write_one(sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash))
            .await?;
        return Ok(Identity::default());
    }
    // Touch at most every five minutes (or a quarter of the idle limit, if
    // shorter): one write per active visitor, not per request.
    let idle = if user_id.is_some() {
        config.user_idle
    } else {
        config.guest_idle
    };
    if now - last_seen_at > (idle / 4).min(300) {
        db.write_one(
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash),
        )
        .await?;
    }
    let user = match (user_id, name, role) {
        (Some(id), Some(display_name), Some(role)) => Some(CurrentUser {
            id,
            display_name,
            role: Role::parse(&role).unwrap_or(Role::Learner),
        }),
        _ => None,
    };
    Ok(Identity {
        learner_id: Some(learner_id),
        user,
        token_hash: Some(token_hash.to_string()),
    })
}

/// How long after a guest was created the browser holding its pass may
/// start a second session with it (a double tap, a retried request).
const PASS_REUSE_SECS: i64 = 120;

/// A session for the guest a guest pass promised, creating the learner the
/// first time, inside the caller's transaction (a first quiz submission
/// stores the learner, the session and the attempt with one commit). The
/// same pass used twice finds its guest and gets a session for it only
/// from the browser that holds it (`same_browser`), briefly, once; `None`
/// otherwise, and when the id belongs to someone with an account.
pub async fn start_guest_in(
    tx: &mut WriteTx,
    config: &SessionConfig,
    learner_id: &str,
    same_browser: bool,
) -> anyhow::Result<Option<HeaderValue>> {
    let now = crate::clock::now();
    let inserted = sqlx::query(
        "INSERT INTO learners (id, user_id, created_at) VALUES ($1, NULL, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(learner_id)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        // The guest a pass promised exists already: a second session only
        // for the browser that held the pass, right after its first one (a
        // double tap), once. A pass copied or replayed later starts nothing.
        if !same_browser {
            return Ok(None);
        }
        let found: Option<(Option<String>, i64, i64)> = sqlx::query_as(
            "SELECT l.user_id, l.created_at, \
             (SELECT COUNT(*) FROM sessions s WHERE s.learner_id = l.id) \
             FROM learners l WHERE l.id = $1",
        )
        .bind(learner_id)
        .fetch_optional(&mut **tx)
        .await?;
        match found {
            Some((None, created_at, sessions))
                if now - created_at <= PASS_REUSE_SECS && sessions < 2 => {}
            _ => return Ok(None),
        }
    }
    let (cookie, _) = insert_session(tx, config, learner_id, None, now).await?;
    Ok(Some(cookie))
}

/// Starts a session for `learner_id` (and `user_id`), returning its cookie
/// and token hash. Used for guests and at every sign-in (a fresh id each time).
pub async fn insert_session(
    tx: &mut WriteTx,
    config: &SessionConfig,
    learner_id: &str,
    user_id: Option<&str>,
    now: i64,
) -> anyhow::Result<(HeaderValue, String)> {
    let token = new_token();
    let token_hash = hash_token(&token);
    sqlx::query(
        "INSERT INTO sessions (token_hash, learner_id, user_id, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(&token_hash)
    .bind(learner_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let max_age = if user_id.is_some() {
        config.user_absolute
    } else {
        config.guest_idle
    };
    Ok((session_cookie(config, &token, max_age), token_hash))
}

/// Ends the request's session server-side (sign-out).
pub async fn end_session(db: &Db, identity: &Identity) -> anyhow::Result<()> {
    if let Some(hash) = &identity.token_hash {
        db.write_one(sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(hash))
            .await?;
    }
    Ok(())
}

/// The token hash of the request's session (to replace it at sign-in).
pub fn token_hash(identity: &Identity) -> Option<&str> {
    identity.token_hash.as_deref()
}

fn session_cookie(config: &SessionConfig, token: &str, max_age: i64) -> HeaderValue {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        config.cookie_name()
    ))
    .expect("cookie is ASCII")
}

/// A cookie that removes the session cookie.
pub fn clear_cookie(config: &SessionConfig) -> HeaderValue {
    session_cookie(config, "", 0)
}
