//! Classes in the database: reading a class, its people and its answers.
//! Writes live with the handlers that make them (one transaction each).

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::server::db::{Db, WriteTx};

/// What a follower learns on every change: enough to know whether its page
/// is current, and the counts the projector shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub seq: i64,
    pub joined: i64,
    pub answered: i64,
    pub ended: bool,
}

/// A class as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClassRow {
    pub id: String,
    pub code: String,
    pub course: String,
    /// Chapter ids as JSON (`[]`: every chapter of the course).
    pub chapters: String,
    pub unit_id: Option<String>,
    pub leader_id: String,
    pub step: i64,
    pub question: Option<String>,
    pub revealed: i64,
    pub seq: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

impl ClassRow {
    pub fn chapter_ids(&self) -> Vec<String> {
        serde_json::from_str(&self.chapters).unwrap_or_default()
    }

    pub fn is_open(&self) -> bool {
        self.ended_at.is_none()
    }
}

const COLUMNS: &str = "id, code, course, chapters, unit_id, leader_id, step, question, revealed, \
                       seq, started_at, ended_at";

pub async fn by_id(db: &Db, id: &str) -> anyhow::Result<Option<ClassRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM classes WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.reads())
        .await
        .context("reading a class")
}

/// The open class with `code`, or else the latest that had it.
pub async fn by_code(db: &Db, code: &str) -> anyhow::Result<Option<ClassRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM classes WHERE code = $1 \
         ORDER BY CASE WHEN ended_at IS NULL THEN 0 ELSE 1 END, started_at DESC LIMIT 1"
    ))
    .bind(code)
    .fetch_optional(db.reads())
    .await
    .context("finding a class by its code")
}

/// What followers of a class are told now.
pub async fn signal(db: &Db, id: &str) -> anyhow::Result<Option<Signal>> {
    let Some(class) = by_id(db, id).await? else {
        return Ok(None);
    };
    Ok(Some(signal_of(db, &class).await?))
}

pub async fn signal_of(db: &Db, class: &ClassRow) -> anyhow::Result<Signal> {
    counted(db.reads(), class).await
}

/// The signal of a change, counted inside the change's own transaction
/// (on PostgreSQL a second connection from the pool while holding this one
/// would let a burst of joins wait on each other until they time out).
pub async fn signal_in(tx: &mut WriteTx, class: &ClassRow) -> anyhow::Result<Signal> {
    counted(&mut **tx, class).await
}

async fn counted<'e, E>(executor: E, class: &ClassRow) -> anyhow::Result<Signal>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (joined, answered): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM class_attendees WHERE class_id = $1), \
                (SELECT COUNT(*) FROM class_answers WHERE class_id = $1 AND question = $2)",
    )
    .bind(&class.id)
    .bind(class.question.as_deref().unwrap_or(""))
    .fetch_one(executor)
    .await
    .context("counting a class")?;
    Ok(Signal {
        seq: class.seq,
        joined,
        answered,
        ended: class.ended_at.is_some(),
    })
}

/// The names a class's pages show: its place ("" when none) and its
/// leader, in one query.
pub async fn place_and_leader(db: &Db, class: &ClassRow) -> anyhow::Result<(String, String)> {
    let found: Option<(String, String)> = sqlx::query_as(
        "SELECT COALESCE(u.name, ''), l.display_name FROM classes c \
         JOIN users l ON l.id = c.leader_id LEFT JOIN org_units u ON u.id = c.unit_id \
         WHERE c.id = $1",
    )
    .bind(&class.id)
    .fetch_optional(db.reads())
    .await
    .context("naming a class's place and leader")?;
    Ok(found.unwrap_or_default())
}

/// One person in a class.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttendeeRow {
    pub id: String,
    pub learner_id: Option<String>,
    pub name: String,
    pub birth_year: Option<i64>,
    pub hamlet: Option<String>,
    pub joined_at: i64,
}

pub async fn attendees(db: &Db, class_id: &str) -> anyhow::Result<Vec<AttendeeRow>> {
    sqlx::query_as(
        "SELECT id, learner_id, name, birth_year, hamlet, joined_at FROM class_attendees \
         WHERE class_id = $1 ORDER BY joined_at, name",
    )
    .bind(class_id)
    .fetch_all(db.reads())
    .await
    .context("listing a class's people")
}

/// The attendee a learner is in a class, if they joined.
pub async fn attendee_of(
    db: &Db,
    class_id: &str,
    learner_id: &str,
) -> anyhow::Result<Option<AttendeeRow>> {
    sqlx::query_as(
        "SELECT id, learner_id, name, birth_year, hamlet, joined_at FROM class_attendees \
         WHERE class_id = $1 AND learner_id = $2",
    )
    .bind(class_id)
    .bind(learner_id)
    .fetch_optional(db.reads())
    .await
    .context("finding a class's attendee")
}

/// An answer given in a class.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AnswerRow {
    pub question: String,
    pub attendee_id: String,
    /// Choice ids as JSON.
    pub chosen: String,
    pub correct: i64,
}

pub async fn answers(db: &Db, class_id: &str) -> anyhow::Result<Vec<AnswerRow>> {
    sqlx::query_as(
        "SELECT question, attendee_id, chosen, correct FROM class_answers WHERE class_id = $1",
    )
    .bind(class_id)
    .fetch_all(db.reads())
    .await
    .context("reading a class's answers")
}

/// Steps shown, in order: (step, question).
pub async fn shown(db: &Db, class_id: &str) -> anyhow::Result<Vec<(i64, Option<String>)>> {
    sqlx::query_as("SELECT step, question FROM class_steps WHERE class_id = $1 ORDER BY seq")
        .bind(class_id)
        .fetch_all(db.reads())
        .await
        .context("reading a class's steps")
}

/// A class in a list, with the names lists show.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListedRow {
    pub id: String,
    pub code: String,
    pub course: String,
    pub unit_name: Option<String>,
    pub leader_name: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub people: i64,
}

const LISTED: &str =
    "SELECT c.id, c.code, c.course, u.name AS unit_name, l.display_name AS leader_name, \
       c.started_at, c.ended_at, \
       (SELECT COUNT(*) FROM class_attendees a WHERE a.class_id = c.id) AS people \
     FROM classes c JOIN users l ON l.id = c.leader_id LEFT JOIN org_units u ON u.id = c.unit_id";

/// Classes led by `leader_id`, or held anywhere in the subtree whose path
/// starts with `path` (`None`: everywhere), newest first.
pub async fn listed(
    db: &Db,
    leader_id: &str,
    path: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<ListedRow>> {
    let rows = match path {
        None => {
            sqlx::query_as(&format!("{LISTED} ORDER BY c.started_at DESC LIMIT $1"))
                .bind(limit)
                .fetch_all(db.reads())
                .await
        }
        Some(path) => {
            sqlx::query_as(&format!(
                "{LISTED} WHERE c.leader_id = $1 OR u.path LIKE $2 \
                 ORDER BY c.started_at DESC LIMIT $3"
            ))
            .bind(leader_id)
            .bind(format!("{path}%"))
            .bind(limit)
            .fetch_all(db.reads())
            .await
        }
    };
    rows.context("listing classes")
}

/// Classes a learner joined on their phone, newest first.
pub async fn joined_by(db: &Db, learner_id: &str) -> anyhow::Result<Vec<ListedRow>> {
    sqlx::query_as(&format!(
        "{LISTED} WHERE c.id IN (SELECT class_id FROM class_attendees WHERE learner_id = $1) \
         ORDER BY c.started_at DESC LIMIT 50"
    ))
    .bind(learner_id)
    .fetch_all(db.reads())
    .await
    .context("listing a learner's classes")
}
