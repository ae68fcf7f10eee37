//! Progress in the database: events in, per-course summaries out.

use std::collections::{HashMap, HashSet};

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Extension, Form,
};
use leptos::prelude::*;
use serde::Deserialize;

use super::{ChapterMarks, CourseProgress, MyLearning};
use crate::{
    accounts::ssr::{current_identity, session, Identity},
    content::ssr::{catalog::Course, current_catalog},
    server::{db::Db, AppState},
};

/// What a learner has done, as sets of (course, chapter-or-quiz).
#[derive(Default)]
pub struct Done {
    pub read: HashSet<(String, String)>,
    pub passed: HashSet<(String, String)>,
    /// Course slugs, most recently active first.
    pub recent: Vec<String>,
}

pub async fn done_by(db: &Db, learner_id: &str) -> anyhow::Result<Done> {
    let read: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT course, chapter, MAX(created_at) FROM progress_events \
         WHERE learner_id = $1 AND kind = 'read' GROUP BY course, chapter",
    )
    .bind(learner_id)
    .fetch_all(db.pool())
    .await?;
    let passed: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT course, quiz, MAX(created_at) FROM quiz_attempts \
         WHERE learner_id = $1 AND passed = 1 GROUP BY course, quiz",
    )
    .bind(learner_id)
    .fetch_all(db.pool())
    .await?;
    let mut latest: HashMap<String, i64> = HashMap::new();
    for (course, _, at) in read.iter().chain(passed.iter()) {
        let entry = latest.entry(course.clone()).or_default();
        *entry = (*entry).max(*at);
    }
    let mut recent: Vec<(String, i64)> = latest.into_iter().collect();
    recent.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Done {
        read: read.into_iter().map(|(c, ch, _)| (c, ch)).collect(),
        passed: passed.into_iter().map(|(c, q, _)| (c, q)).collect(),
        recent: recent.into_iter().map(|(c, _)| c).collect(),
    })
}

/// One course's progress from what the learner has done.
pub fn course_progress(course: &Course, done: &Done) -> CourseProgress {
    let key = |id: &str| (course.slug.clone(), id.to_string());
    let read = course
        .chapters
        .iter()
        .filter(|c| done.read.contains(&key(&c.id)))
        .count();
    let quizzes = course.chapters.iter().filter(|c| c.quiz.is_some()).count();
    let passed = course
        .chapters
        .iter()
        .filter(|c| c.quiz.is_some() && done.passed.contains(&key(&c.id)))
        .count();
    let next = course
        .chapters
        .iter()
        .find(|c| {
            !done.read.contains(&key(&c.id))
                || (c.quiz.is_some() && !done.passed.contains(&key(&c.id)))
        })
        .map(|c| {
            (
                format!("/courses/{}/{}", course.slug, c.id),
                c.title.clone(),
            )
        });
    CourseProgress {
        slug: course.slug.clone(),
        title: course.title.clone(),
        chapters: course.chapters.len(),
        read,
        quizzes,
        passed,
        complete: read == course.chapters.len() && passed == quizzes,
        next,
    }
}

fn internal(err: anyhow::Error) -> ServerFnError {
    tracing::error!("progress: {err:#}");
    ServerFnError::new("progress unavailable")
}

pub async fn my_learning() -> Result<MyLearning, ServerFnError> {
    let Some(learner_id) = current_identity().learner_id else {
        return Ok(MyLearning::default());
    };
    let catalog = current_catalog()?;
    let done = done_by(&Db::from_context()?, &learner_id)
        .await
        .map_err(internal)?;
    let mut learning = MyLearning::default();
    for slug in &done.recent {
        let Some(course) = catalog.course(slug) else {
            continue;
        };
        let progress = course_progress(course, &done);
        if progress.complete {
            learning.completed.push(progress);
        } else {
            if learning.continue_at.is_none() {
                learning.continue_at = progress.next.clone();
            }
            learning.in_progress.push(progress);
        }
    }
    Ok(learning)
}

pub async fn course_marks(course: &str) -> Result<Vec<(String, ChapterMarks)>, ServerFnError> {
    let Some(learner_id) = current_identity().learner_id else {
        return Ok(Vec::new());
    };
    let catalog = current_catalog()?;
    let Some(course) = catalog.course(course) else {
        return Ok(Vec::new());
    };
    let done = done_by(&Db::from_context()?, &learner_id)
        .await
        .map_err(internal)?;
    Ok(course
        .chapters
        .iter()
        .map(|c| {
            let key = (course.slug.clone(), c.id.clone());
            (
                c.id.clone(),
                ChapterMarks {
                    read: done.read.contains(&key),
                    quiz_passed: done.passed.contains(&key),
                },
            )
        })
        .collect())
}

#[derive(Deserialize)]
pub struct ReadForm {
    event: String,
}

/// `POST /courses/<course>/<chapter>/read`: "Đã đọc xong".
pub async fn mark_read(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((course, chapter)): Path<(String, String)>,
    form: Result<Form<ReadForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(ReadForm { event })) = form else {
        return (
            StatusCode::BAD_REQUEST,
            "The form could not be read. Please reload the page.",
        )
            .into_response();
    };
    if uuid::Uuid::parse_str(&event).is_err() {
        return (
            StatusCode::BAD_REQUEST,
            "The form is missing its event id. Please reload the page.",
        )
            .into_response();
    }
    let catalog = state.content.catalog();
    let Some(found) = catalog.course(&course) else {
        return (StatusCode::NOT_FOUND, "No such course.").into_response();
    };
    let Some(index) = found.chapters.iter().position(|c| c.id == chapter) else {
        return (StatusCode::NOT_FOUND, "No such chapter.").into_response();
    };
    let this = &found.chapters[index];
    let stored = async {
        let (learner_id, cookie) =
            session::ensure_learner(&state.db, &state.sessions, &identity).await?;
        let _turn = state.db.write_turn().await;
        sqlx::query(
            "INSERT INTO progress_events (id, learner_id, course, chapter, kind, content_version, created_at) \
             VALUES ($1, $2, $3, $4, 'read', $5, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&event)
        .bind(&learner_id)
        .bind(&course)
        .bind(&chapter)
        .bind(&this.version)
        .bind(session::now())
        .execute(state.db.pool())
        .await?;
        anyhow::Ok(cookie)
    };
    let cookie = match stored.await {
        Ok(cookie) => cookie,
        Err(err) => {
            tracing::error!("marking read failed: {err:#}");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Could not save your progress. Please try again.",
            )
                .into_response();
        }
    };
    // On to the chapter's quiz, or the next chapter, or back to the course.
    let next = if this.quiz.is_some() {
        crate::quiz::quiz_href(&course, &chapter)
    } else if let Some(next) = found.chapters.get(index + 1) {
        format!("/courses/{course}/{}", next.id)
    } else {
        format!("/courses/{course}")
    };
    let mut response = Redirect::to(&next).into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
