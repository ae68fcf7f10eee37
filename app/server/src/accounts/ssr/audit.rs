//! The audit log: who did what to whom, and when. Written in the same
//! transaction as the change it records, so neither exists without the other.

use crate::server::db::WriteTx;
use anyhow::Context;

hocvu_domain::coded_enum! {
    /// What was done. The codes are what the `action` column holds.
    pub enum Action {
        /// A user created from the command line (`hocvu user add`).
        UserCreated = "user.created",
        RoleChanged = "user.role_changed",
        ResetCodeIssued = "password_reset.issued",
        /// A person set a new password with a reset code.
        PasswordReset = "password_reset.used",
        /// Org units added, renamed or moved (by form or file).
        UnitsChanged = "org_units.changed",
        OfficialsImported = "officials.imported",
        /// New set-password codes printed for a unit's officials.
        OnboardingCodesIssued = "officials.codes_issued",
        /// A person moved to another unit or position.
        UserPlaced = "user.placed",
        AssignmentCreated = "assignment.created",
        AssignmentDeleted = "assignment.deleted",
        CertificateRevoked = "certificate.revoked",
        RemindersQueued = "reminders.queued",
        /// A new version of the handbook (upload, edit, command line, import).
        ContentPublished = "content.published",
        ContentRolledBack = "content.rolled_back",
        /// A trainer's upload or edit stored as a draft (not yet published).
        DraftCreated = "content.draft_created",
        /// A draft thrown away unpublished (by any trainer: see the README).
        DraftDiscarded = "content.draft_discarded",
        /// A file added to, or changed in, an open draft.
        DraftChanged = "content.draft_changed",
    }
}

/// Appends one entry. `actor` is the user who acted (`None`: the command
/// line), `target` the user acted upon, `detail` a short human note.
pub async fn record(
    tx: &mut WriteTx,
    actor: Option<&str>,
    action: Action,
    target: &str,
    detail: &str,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, actor_user_id, action, target, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(actor)
    .bind(action.code())
    .bind(target)
    .bind(detail)
    .bind(now)
    .execute(&mut **tx)
    .await
    .context("writing the audit log")?;
    Ok(())
}
