//! Issuing, showing and revoking certificates.

use anyhow::Context;
use axum::{extract::State, response::Response, routing::post, Router};
use serde::Deserialize;

use crate::{
    accounts::ssr::audit::{self, Action},
    certificates::{MyCertificate, Printable, Verification},
    clock::{date_of, now},
    content::ssr::catalog::Course,
    policy,
    server::{
        db::{Db, WriteTx},
        AppState,
    },
    web::{current_identity, links, see_other, AppError, Form, RequireRole},
};

policy!(
    /// Admins; a refused visitor signs in and lands on their own page.
    CertificateAdmin: ADMINS back "/me"
);

pub fn routes() -> Router<AppState> {
    Router::new().route("/certificates/revoke", post(revoke))
}

/// Symbols of verification codes: no I/1, O/0 (read aloud, typed by hand).
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// 16 symbols from the OS generator (a v4 UUID's bytes; its fixed version
/// bits cost one bit here): 79 bits. The verify page is public and
/// unthrottled, so the code must be unguessable by brute force.
fn new_code() -> anyhow::Result<String> {
    let bytes = *uuid::Uuid::new_v4().as_bytes();
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// Issues the certificate of `course` to the user behind `learner_id`, if
/// the course gives one and the learner has an account. A second call (or a
/// concurrent one) finds the unique key taken and does nothing.
pub async fn issue(
    tx: &mut WriteTx,
    learner_id: &str,
    course: &Course,
    completed_at: i64,
) -> anyhow::Result<()> {
    if !course.certificate {
        return Ok(());
    }
    let holder: Option<(String, String)> = sqlx::query_as(
        "SELECT u.id, u.display_name FROM learners l JOIN users u ON u.id = l.user_id WHERE l.id = $1",
    )
    .bind(learner_id)
    .fetch_optional(&mut **tx)
    .await
    .context("finding the certificate holder")?;
    let Some((user_id, name)) = holder else {
        return Ok(()); // a guest: issued when they sign up or in
    };
    let inserted = sqlx::query(
        "INSERT INTO certificates (id, code, user_id, course, holder_name, course_title, completed_at, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, course) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(new_code()?)
    .bind(&user_id)
    .bind(&course.slug)
    .bind(&name)
    .bind(&course.title)
    .bind(completed_at)
    .bind(now())
    .execute(&mut **tx)
    .await
    .context("issuing a certificate")?
    .rows_affected();
    if inserted == 1 {
        tracing::info!(user = %user_id, course = %course.slug, "certificate issued");
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    code: String,
    user_id: String,
    holder_name: String,
    course_title: String,
    completed_at: i64,
    revoked_at: Option<i64>,
    revoked_reason: Option<String>,
}

/// Codes are shown grouped or in lower case sometimes; compare canonically.
fn canonical(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .take(32)
        .collect()
}

async fn find(db: &Db, code: &str) -> anyhow::Result<Option<Row>> {
    sqlx::query_as(
        "SELECT code, user_id, holder_name, course_title, completed_at, revoked_at, revoked_reason \
         FROM certificates WHERE code = $1",
    )
    .bind(canonical(code))
    .fetch_optional(db.reads())
    .await
    .context("finding a certificate")
}

fn verification(row: &Row) -> Verification {
    Verification {
        code: row.code.clone(),
        holder: row.holder_name.clone(),
        course_title: row.course_title.clone(),
        completed_on: date_of(row.completed_at),
        revoked: row.revoked_at.is_some(),
    }
}

pub async fn verify(code: &str) -> Result<Option<Verification>, AppError> {
    let db = crate::web::request_db()?;
    let row = find(&db, code).await.context("verifying a certificate")?;
    Ok(row.as_ref().map(verification))
}

/// The address printed in the QR code (see `public_address`).
fn verify_url(code: &str) -> Option<String> {
    crate::server::state::public_address(&links::verify(code))
}

/// A QR code of `url` as an SVG (certificates, the officials' code sheets).
pub fn qr_svg(url: &str) -> anyhow::Result<String> {
    use qrcode::{render::svg, EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .context("making the QR code")?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build())
}

pub async fn printable(code: &str) -> Result<Option<Printable>, AppError> {
    let db = crate::web::request_db()?;
    let viewer = current_identity().user;
    let row = find(&db, code).await.context("showing a certificate")?;
    let allowed = |row: &Row| {
        viewer
            .as_ref()
            .is_some_and(|v| v.is_admin() || v.id == row.user_id)
    };
    let Some(row) = row.filter(allowed) else {
        return Ok(None);
    };
    let url = verify_url(&row.code).unwrap_or_default();
    let qr = if url.is_empty() {
        String::new()
    } else {
        qr_svg(&url)?
    };
    Ok(Some(Printable {
        verification: verification(&row),
        revoked_reason: row.revoked_reason.clone().unwrap_or_default(),
        qr_svg: qr,
        verify_url: url,
        can_revoke: viewer.is_some_and(|v| v.is_admin()) && row.revoked_at.is_none(),
    }))
}

pub async fn mine() -> Result<Vec<MyCertificate>, AppError> {
    let Some(user) = current_identity().user else {
        return Ok(Vec::new());
    };
    let db = crate::web::request_db()?;
    let rows: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT code, course_title, completed_at, revoked_at FROM certificates \
         WHERE user_id = $1 ORDER BY completed_at DESC",
    )
    .bind(&user.id)
    .fetch_all(db.reads())
    .await
    .context("listing certificates")?;
    Ok(rows
        .into_iter()
        .map(|(code, course_title, at, revoked)| MyCertificate {
            code,
            course_title,
            completed_on: date_of(at),
            revoked: revoked.is_some(),
        })
        .collect())
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    reason: String,
}

/// `POST /certificates/revoke`: admins only, with a reason, audit-logged.
async fn revoke(
    State(state): State<AppState>,
    RequireRole { user: admin, .. }: RequireRole<CertificateAdmin>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, AppError> {
    let code = canonical(&form.code);
    let page = links::certificate(&code);
    let reason = form.reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::form(&page, "reason", &[]));
    }
    let now = now();
    let mut tx = state.db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE certificates SET revoked_at = $1, revoked_reason = $2, revoked_by = $3 \
         WHERE code = $4 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(&reason)
    .bind(&admin.id)
    .bind(&code)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        // No such certificate, or already revoked.
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        Some(&admin.id),
        Action::CertificateRevoked,
        &code,
        &reason,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("{page}?done=revoked")))
}
