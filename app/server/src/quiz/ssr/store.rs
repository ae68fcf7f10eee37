//! Quiz attempts in the database.

use std::collections::HashMap;

use anyhow::Context;

use axum::http::HeaderValue;

use crate::{
    accounts::ssr::{session, SessionConfig},
    clock::now,
    quiz::grade::Grade,
    server::db::Db,
};

/// How many attempts a learner has made at a quiz.
pub async fn attempts_used(
    db: &Db,
    learner_id: &str,
    course: &str,
    quiz: &str,
) -> anyhow::Result<i64> {
    let used: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(attempt_no) FROM quiz_attempts WHERE learner_id = $1 AND course = $2 AND quiz = $3",
    )
    .bind(learner_id)
    .bind(course)
    .bind(quiz)
    .fetch_one(db.reads())
    .await
    .context("counting attempts")?;
    Ok(used.unwrap_or(0))
}

/// When the learner may start the next attempt, if they must wait: the
/// latest attempt failed less than `wait_minutes` before `now`. Returns the
/// unix time the wait ends.
pub async fn wait_until(
    db: &Db,
    learner_id: &str,
    course: &str,
    quiz: &str,
    wait_minutes: u32,
    now: i64,
) -> anyhow::Result<Option<i64>> {
    if wait_minutes == 0 {
        return Ok(None);
    }
    let latest: Option<(i64, i64)> = sqlx::query_as(
        "SELECT passed, created_at FROM quiz_attempts \
         WHERE learner_id = $1 AND course = $2 AND quiz = $3 \
         ORDER BY attempt_no DESC LIMIT 1",
    )
    .bind(learner_id)
    .bind(course)
    .bind(quiz)
    .fetch_optional(db.reads())
    .await
    .context("reading the latest attempt")?;
    Ok(latest.and_then(|(passed, created_at)| {
        let until = created_at + i64::from(wait_minutes) * 60;
        (passed == 0 && now < until).then_some(until)
    }))
}

/// Whether the attempt was stored now or had been stored before.
#[derive(Debug, PartialEq, Eq)]
pub enum Recorded {
    New,
    AlreadyThere,
    /// The guest pass named a learner who has an account: nothing stored.
    NotAGuest,
}

/// What one submitted attempt stores.
pub struct NewAttempt<'a> {
    pub learner_id: &'a str,
    pub course: &'a str,
    pub quiz: &'a str,
    pub version: &'a str,
    pub attempt_no: i64,
    pub answers: &'a HashMap<String, Vec<String>>,
    pub grade: &'a Grade,
    pub passed: bool,
}

/// Stores an attempt and its per-question rows in one transaction. The
/// unique (learner, course, quiz, attempt_no) key makes a double submission
/// (double click, retry, two tabs) store one attempt. With `new_guest`, the
/// learner is the one a guest pass promised: the learner and its session
/// are created in the same transaction (one commit for a first submission),
/// and the session's cookie is returned.
pub async fn record(
    db: &Db,
    attempt: &NewAttempt<'_>,
    new_guest: Option<(&SessionConfig, bool)>,
) -> anyhow::Result<(Recorded, Option<HeaderValue>)> {
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = db.begin_write().await?;
    let cookie = match new_guest {
        Some((config, same_browser)) => {
            match session::start_guest_in(&mut tx, config, attempt.learner_id, same_browser).await?
            {
                Some(cookie) => Some(cookie),
                None => return Ok((Recorded::NotAGuest, None)),
            }
        }
        None => None,
    };
    let inserted = sqlx::query(
        "INSERT INTO quiz_attempts (id, learner_id, course, quiz, quiz_version, attempt_no, answers, correct, total, percent, passed, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (learner_id, course, quiz, attempt_no) DO NOTHING",
    )
    .bind(&id)
    .bind(attempt.learner_id)
    .bind(attempt.course)
    .bind(attempt.quiz)
    .bind(attempt.version)
    .bind(attempt.attempt_no)
    .bind(serde_json::to_string(attempt.answers)?)
    .bind(i64::from(attempt.grade.correct))
    .bind(i64::from(attempt.grade.total))
    .bind(i64::from(attempt.grade.percent))
    .bind(i64::from(attempt.passed))
    .bind(now())
    .execute(&mut *tx)
    .await
    .context("storing attempt")?
    .rows_affected();
    if inserted == 0 {
        tx.commit().await?;
        return Ok((Recorded::AlreadyThere, cookie));
    }
    // One statement for all answers: fewer round trips inside the write lock.
    let rows = &attempt.grade.per_question;
    if !rows.is_empty() {
        let placeholders: Vec<String> = (0..rows.len())
            .map(|i| {
                format!(
                    "(${}, ${}, ${}, ${})",
                    i * 4 + 1,
                    i * 4 + 2,
                    i * 4 + 3,
                    i * 4 + 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO quiz_answers (attempt_id, question_id, chosen, correct) VALUES {}",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for result in rows {
            let chosen = attempt
                .answers
                .get(&result.question_id)
                .cloned()
                .unwrap_or_default();
            query = query
                .bind(&id)
                .bind(&result.question_id)
                .bind(serde_json::to_string(&chosen)?)
                .bind(i64::from(result.correct));
        }
        query.execute(&mut *tx).await.context("storing answers")?;
    }
    // The learner has started the course (one more statement in this
    // transaction, not another commit); completion is checked after it.
    sqlx::query(
        "INSERT INTO course_status (learner_id, course, started_at) VALUES ($1, $2, $3) \
         ON CONFLICT (learner_id, course) DO NOTHING",
    )
    .bind(attempt.learner_id)
    .bind(attempt.course)
    .bind(now())
    .execute(&mut *tx)
    .await
    .context("marking the course started")?;
    tx.commit().await?;
    Ok((Recorded::New, cookie))
}

/// A stored attempt, as its result page needs it.
#[derive(sqlx::FromRow)]
pub struct StoredAttempt {
    pub id: String,
    pub answers: String,
    pub correct: i64,
    pub total: i64,
    pub percent: i64,
    pub passed: i64,
}

pub async fn load(
    db: &Db,
    learner_id: &str,
    course: &str,
    quiz: &str,
    attempt_no: i64,
) -> anyhow::Result<Option<(StoredAttempt, Vec<(String, i64)>)>> {
    let attempt: Option<StoredAttempt> = sqlx::query_as(
        "SELECT id, answers, correct, total, percent, passed FROM quiz_attempts \
         WHERE learner_id = $1 AND course = $2 AND quiz = $3 AND attempt_no = $4",
    )
    .bind(learner_id)
    .bind(course)
    .bind(quiz)
    .bind(attempt_no)
    .fetch_optional(db.reads())
    .await
    .context("reading attempt")?;
    let Some(attempt) = attempt else {
        return Ok(None);
    };
    let questions: Vec<(String, i64)> =
        sqlx::query_as("SELECT question_id, correct FROM quiz_answers WHERE attempt_id = $1")
            .bind(&attempt.id)
            .fetch_all(db.reads())
            .await
            .context("reading answers")?;
    Ok(Some((attempt, questions)))
}
