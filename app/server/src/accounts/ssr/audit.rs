//! The audit log: who did what to whom, and when. Written in the same
//! transaction as the change it records, so neither exists without the other.

use crate::server::db::WriteTx;
use anyhow::Context;

/// What was done. The codes are what the `action` column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A user created from the command line (`hocvu user add`).
    UserCreated,
    RoleChanged,
    ResetCodeIssued,
    /// A person set a new password with a reset code.
    PasswordReset,
    /// Org units added, renamed or moved (by form or file).
    UnitsChanged,
    OfficialsImported,
    /// New set-password codes printed for a unit's officials.
    OnboardingCodesIssued,
    /// A person moved to another unit or position.
    UserPlaced,
    AssignmentCreated,
    AssignmentDeleted,
    CertificateRevoked,
    RemindersQueued,
    /// A new version of the handbook (upload, edit, command line, import).
    ContentPublished,
    ContentRolledBack,
    /// A trainer's upload or edit stored as a draft (not yet published).
    DraftCreated,
    /// A draft thrown away unpublished (by any trainer: see the README).
    DraftDiscarded,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::UserCreated => "user.created",
            Action::RoleChanged => "user.role_changed",
            Action::ResetCodeIssued => "password_reset.issued",
            Action::PasswordReset => "password_reset.used",
            Action::UnitsChanged => "org_units.changed",
            Action::OfficialsImported => "officials.imported",
            Action::OnboardingCodesIssued => "officials.codes_issued",
            Action::UserPlaced => "user.placed",
            Action::AssignmentCreated => "assignment.created",
            Action::AssignmentDeleted => "assignment.deleted",
            Action::CertificateRevoked => "certificate.revoked",
            Action::RemindersQueued => "reminders.queued",
            Action::ContentPublished => "content.published",
            Action::ContentRolledBack => "content.rolled_back",
            Action::DraftCreated => "content.draft_created",
            Action::DraftDiscarded => "content.draft_discarded",
        }
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
