//! Keeping what a guest learned when they sign up or sign in.
//!
//! A guest is a learner without a user. Signing *up* simply attaches that
//! learner to the new account. Signing *in* to an account that already has
//! a learner moves the guest's reading progress and quiz attempts over:
//! reading marks are kept once per (course, chapter, kind) and quiz attempts
//! are renumbered after the account's own, so nothing is lost and nothing is
//! counted twice. It all happens in the sign-in transaction.

use crate::server::db::WriteTx;
use anyhow::Context;

/// The learner row of `user_id` after this sign-in, given the device's guest
/// learner (if the visitor was a guest). Creates one if there is none.
pub async fn learner_for_user(
    tx: &mut WriteTx,
    user_id: &str,
    guest: Option<&str>,
    now: i64,
) -> anyhow::Result<String> {
    let own: Option<String> = sqlx::query_scalar("SELECT id FROM learners WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
        .context("finding the account's learner")?;
    match (own, guest) {
        (Some(own), Some(guest)) if own != guest => {
            move_progress(tx, guest, &own).await?;
            Ok(own)
        }
        (Some(own), _) => Ok(own),
        (None, Some(guest)) => {
            let attached =
                sqlx::query("UPDATE learners SET user_id = $1 WHERE id = $2 AND user_id IS NULL")
                    .bind(user_id)
                    .bind(guest)
                    .execute(&mut **tx)
                    .await
                    .context("attaching the guest learner")?;
            if attached.rows_affected() == 1 {
                Ok(guest.to_string())
            } else {
                new_learner(tx, user_id, now).await
            }
        }
        (None, None) => new_learner(tx, user_id, now).await,
    }
}

async fn new_learner(tx: &mut WriteTx, user_id: &str, now: i64) -> anyhow::Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query("INSERT INTO learners (id, user_id, created_at) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(user_id)
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("creating a learner")?;
    Ok(id)
}

/// A guest's quiz attempt, in the order it was taken.
#[derive(sqlx::FromRow)]
struct GuestAttempt {
    id: String,
    course: String,
    quiz: String,
}

/// Moves everything of learner `from` (a guest) to learner `to`.
async fn move_progress(tx: &mut WriteTx, from: &str, to: &str) -> anyhow::Result<()> {
    // Reading marks: drop the guest's where the account already has one,
    // and the guest's own repeats (keeping the earliest), then move the rest.
    sqlx::query(
        "DELETE FROM progress_events WHERE learner_id = $1 AND EXISTS ( \
           SELECT 1 FROM progress_events p WHERE p.learner_id = $2 \
             AND p.course = progress_events.course AND p.chapter = progress_events.chapter \
             AND p.kind = progress_events.kind)",
    )
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await
    .context("dropping progress the account already has")?;
    sqlx::query(
        "DELETE FROM progress_events WHERE learner_id = $1 AND EXISTS ( \
           SELECT 1 FROM progress_events p WHERE p.learner_id = $1 \
             AND p.course = progress_events.course AND p.chapter = progress_events.chapter \
             AND p.kind = progress_events.kind \
             AND (p.created_at < progress_events.created_at \
                  OR (p.created_at = progress_events.created_at AND p.id < progress_events.id)))",
    )
    .bind(from)
    .execute(&mut **tx)
    .await
    .context("dropping repeated guest progress")?;
    sqlx::query("UPDATE progress_events SET learner_id = $1 WHERE learner_id = $2")
        .bind(to)
        .bind(from)
        .execute(&mut **tx)
        .await
        .context("moving guest progress")?;

    // Quiz attempts (their answers hang off the attempt id and come along):
    // numbered after the account's attempts at the same quiz.
    let attempts: Vec<GuestAttempt> = sqlx::query_as(
        "SELECT id, course, quiz FROM quiz_attempts WHERE learner_id = $1 \
         ORDER BY course, quiz, attempt_no, created_at",
    )
    .bind(from)
    .fetch_all(&mut **tx)
    .await
    .context("reading guest quiz attempts")?;
    let mut last: Option<(String, String, i64)> = None;
    for attempt in attempts {
        let next_no = match &last {
            Some((course, quiz, no)) if *course == attempt.course && *quiz == attempt.quiz => {
                no + 1
            }
            _ => {
                let max: Option<i64> = sqlx::query_scalar(
                    "SELECT MAX(attempt_no) FROM quiz_attempts \
                     WHERE learner_id = $1 AND course = $2 AND quiz = $3",
                )
                .bind(to)
                .bind(&attempt.course)
                .bind(&attempt.quiz)
                .fetch_one(&mut **tx)
                .await
                .context("numbering moved quiz attempts")?;
                max.unwrap_or(0) + 1
            }
        };
        sqlx::query("UPDATE quiz_attempts SET learner_id = $1, attempt_no = $2 WHERE id = $3")
            .bind(to)
            .bind(next_no)
            .bind(&attempt.id)
            .execute(&mut **tx)
            .await
            .context("moving a quiz attempt")?;
        last = Some((attempt.course, attempt.quiz, next_no));
    }

    // Classes attended as a guest become the account's (a class the account
    // attended too keeps the account's row).
    sqlx::query(
        "UPDATE class_attendees SET learner_id = $1 WHERE learner_id = $2 AND NOT EXISTS ( \
           SELECT 1 FROM class_attendees a WHERE a.class_id = class_attendees.class_id \
             AND a.learner_id = $1)",
    )
    .bind(to)
    .bind(from)
    .execute(&mut **tx)
    .await
    .context("moving classes attended as a guest")?;

    // The guest learner row stays (other tables may point at it), empty;
    // its sessions end, since it now belongs to nobody.
    sqlx::query("DELETE FROM sessions WHERE learner_id = $1 AND user_id IS NULL")
        .bind(from)
        .execute(&mut **tx)
        .await
        .context("ending the guest's sessions")?;
    Ok(())
}
