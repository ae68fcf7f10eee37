//! What provider sign-in keeps: sign-ins in flight (`sign_in_flows`) and
//! linked provider accounts (`linked_sign_ins`). Never a token.

use anyhow::Context;

use crate::server::db::{Db, WriteTx};

/// A sign-in in flight lives this long at most (the person is at the
/// provider's page meanwhile, or typing their password to link).
pub const FLOW_TTL_SECS: i64 = 600;

/// A row of `sign_in_flows`.
#[derive(sqlx::FromRow, Debug)]
pub struct Flow {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next: String,
    /// Set while waiting for the password that links an existing account.
    pub subject: Option<String>,
    pub user_id: Option<String>,
    pub created_at: i64,
}

/// What a new flow keeps.
pub struct NewFlow<'a> {
    pub provider: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    pub next: &'a str,
    pub subject: Option<&'a str>,
    pub user_id: Option<&'a str>,
}

/// Stores a flow under `token_hash`, clearing expired ones on the way.
pub async fn insert_flow(
    tx: &mut WriteTx,
    token_hash: &str,
    flow: &NewFlow<'_>,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM sign_in_flows WHERE created_at < $1")
        .bind(now - FLOW_TTL_SECS)
        .execute(&mut **tx)
        .await
        .context("clearing expired sign-ins")?;
    sqlx::query(
        "INSERT INTO sign_in_flows \
         (token_hash, provider, state, nonce, pkce_verifier, next, subject, user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(token_hash)
    .bind(flow.provider)
    .bind(flow.state)
    .bind(flow.nonce)
    .bind(flow.pkce_verifier)
    .bind(flow.next)
    .bind(flow.subject)
    .bind(flow.user_id)
    .bind(now)
    .execute(&mut **tx)
    .await
    .context("storing a sign-in in flight")?;
    Ok(())
}

/// Removes flows older than `FLOW_TTL_SECS` (housekeeping); how many.
pub async fn expire_flows(db: &Db, now: i64) -> anyhow::Result<u64> {
    let done = db
        .write_one(
            sqlx::query("DELETE FROM sign_in_flows WHERE created_at < $1")
                .bind(now - FLOW_TTL_SECS),
        )
        .await
        .context("removing abandoned sign-ins")?;
    Ok(done.rows_affected())
}

const FLOW_COLUMNS: &str =
    "provider, state, nonce, pkce_verifier, next, subject, user_id, created_at";

/// Takes the flow (it is gone afterwards: a callback replayed finds none).
pub async fn take_flow(db: &Db, token_hash: &str) -> anyhow::Result<Option<Flow>> {
    let mut tx = db.begin_write().await?;
    let flow = sqlx::query_as(&format!(
        "DELETE FROM sign_in_flows WHERE token_hash = $1 RETURNING {FLOW_COLUMNS}"
    ))
    .bind(token_hash)
    .fetch_optional(&mut *tx)
    .await
    .context("taking a sign-in in flight")?;
    tx.commit().await?;
    Ok(flow)
}

/// Reads the flow without taking it (the link form may be sent again
/// after a wrong password).
pub async fn peek_flow(db: &Db, token_hash: &str) -> anyhow::Result<Option<Flow>> {
    sqlx::query_as(&format!(
        "SELECT {FLOW_COLUMNS} FROM sign_in_flows WHERE token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(db.reads())
    .await
    .context("reading a sign-in in flight")
}

/// Deletes the flow inside `tx`; false when it was gone already.
pub async fn delete_flow(tx: &mut WriteTx, token_hash: &str) -> anyhow::Result<bool> {
    let done = sqlx::query("DELETE FROM sign_in_flows WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut **tx)
        .await
        .context("ending a sign-in in flight")?;
    Ok(done.rows_affected() == 1)
}

/// The user a provider account is linked to.
pub async fn linked_user(db: &Db, provider: &str, subject: &str) -> anyhow::Result<Option<String>> {
    sqlx::query_scalar("SELECT user_id FROM linked_sign_ins WHERE provider = $1 AND subject = $2")
        .bind(provider)
        .bind(subject)
        .fetch_optional(db.reads())
        .await
        .context("finding a linked sign-in")
}

pub async fn touch_link(
    tx: &mut WriteTx,
    provider: &str,
    subject: &str,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE linked_sign_ins SET last_used_at = $1 WHERE provider = $2 AND subject = $3",
    )
    .bind(now)
    .bind(provider)
    .bind(subject)
    .execute(&mut **tx)
    .await
    .context("noting a linked sign-in's use")?;
    Ok(())
}

/// Links the provider account to `user_id`; false when it is linked
/// already (to anyone: a concurrent first sign-in won).
pub async fn insert_link(
    tx: &mut WriteTx,
    user_id: &str,
    provider: &str,
    subject: &str,
    now: i64,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO linked_sign_ins (id, user_id, provider, subject, created_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (provider, subject) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(provider)
    .bind(subject)
    .bind(now)
    .execute(&mut **tx)
    .await
    .context("linking a sign-in")?;
    Ok(done.rows_affected() == 1)
}

/// An account found by its phone number, as linking needs it.
#[derive(sqlx::FromRow, Debug)]
pub struct PhoneOwner {
    pub id: String,
    pub password_hash: String,
}

pub async fn user_with_phone(db: &Db, phone: &str) -> anyhow::Result<Option<PhoneOwner>> {
    sqlx::query_as("SELECT id, password_hash FROM users WHERE phone = $1")
        .bind(phone)
        .fetch_optional(db.reads())
        .await
        .context("finding an account by phone")
}

/// A row of the /me list.
#[derive(sqlx::FromRow, Debug)]
pub struct LinkRow {
    pub id: String,
    pub provider: String,
    pub created_at: i64,
}

pub async fn links_of(db: &Db, user_id: &str) -> anyhow::Result<Vec<LinkRow>> {
    sqlx::query_as(
        "SELECT id, provider, created_at FROM linked_sign_ins WHERE user_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(user_id)
    .fetch_all(db.reads())
    .await
    .context("listing linked sign-ins")
}

/// What came of removing a link.
#[derive(Debug, PartialEq, Eq)]
pub enum Unlinked {
    Done,
    /// Not this person's (or gone): nothing to say.
    NotFound,
    /// The account has no password and this is its last link.
    LastWay,
}

pub async fn remove_link(db: &Db, user_id: &str, link_id: &str) -> anyhow::Result<Unlinked> {
    let mut tx = db.begin_write().await?;
    // The guard and the delete in one statement's transaction, so two
    // removals at once cannot take away both of the last two ways in.
    let (links, has_password): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM linked_sign_ins WHERE user_id = $1), \
         (SELECT COUNT(*) FROM users WHERE id = $1 AND password_hash <> '')",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await
    .context("counting sign-in ways")?;
    let mine: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM linked_sign_ins WHERE id = $1 AND user_id = $2")
            .bind(link_id)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await
            .context("finding a linked sign-in")?;
    let outcome = if mine == 0 {
        Unlinked::NotFound
    } else if has_password == 0 && links <= 1 {
        Unlinked::LastWay
    } else {
        sqlx::query("DELETE FROM linked_sign_ins WHERE id = $1 AND user_id = $2")
            .bind(link_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .context("removing a linked sign-in")?;
        Unlinked::Done
    };
    tx.commit().await?;
    Ok(outcome)
}

/// The provider the session was signed in through, if any.
pub async fn session_provider(db: &Db, token_hash: &str) -> anyhow::Result<Option<String>> {
    let found: Option<Option<String>> =
        sqlx::query_scalar("SELECT provider FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(db.reads())
            .await
            .context("reading a session's provider")?;
    Ok(found.flatten())
}

pub async fn mark_session_provider(
    tx: &mut WriteTx,
    token_hash: &str,
    provider: &str,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE sessions SET provider = $1 WHERE token_hash = $2")
        .bind(provider)
        .bind(token_hash)
        .execute(&mut **tx)
        .await
        .context("noting the session's provider")?;
    Ok(())
}
