//! What a class leaves behind: answers that count toward each person's own
//! quiz, and the record as a CSV file.

use std::{collections::HashMap, sync::Arc};

use anyhow::Context;
use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};

use super::{rules::controls, store, store::ClassRow};
use crate::{
    accounts::{ssr::Identity, Role},
    clock::when,
    content::ssr::catalog::Course,
    orgs::ssr::tree::{Scope, Tree},
    quiz::{grade::grade, model::Quiz},
    server::{db::Db, AppState},
    web::AppError,
};

/// Once a person has answered in class every question of a chapter's quiz,
/// their answers are one attempt at that quiz, graded and kept as if taken
/// alone (it may pass the quiz and complete the course).
pub async fn count_toward_quiz(
    state: &AppState,
    class: &ClassRow,
    course: &Course,
    chapter: &str,
    quiz: &Arc<Quiz>,
    learner_id: &str,
    attendee_id: &str,
) -> anyhow::Result<()> {
    let given: Vec<(String, String)> = sqlx::query_as(
        "SELECT question, chosen FROM class_answers WHERE class_id = $1 AND attendee_id = $2",
    )
    .bind(&class.id)
    .bind(attendee_id)
    .fetch_all(state.db.reads())
    .await
    .context("reading a person's class answers")?;
    let answers: HashMap<String, Vec<String>> = given
        .into_iter()
        .map(|(q, chosen)| (q, serde_json::from_str(&chosen).unwrap_or_default()))
        .collect();
    let questions: Vec<_> = quiz.questions.iter().collect();
    if !questions.iter().all(|q| answers.contains_key(&q.id)) {
        return Ok(()); // not every question was asked yet
    }
    let Some(found) = course.chapters.iter().find(|c| c.id == chapter) else {
        return Ok(());
    };
    let graded = grade(&questions, &answers);
    let used = crate::quiz::ssr::store::attempts_used(&state.db, learner_id, &course.slug, chapter)
        .await?;
    let attempt = crate::quiz::ssr::store::NewAttempt {
        learner_id,
        course: &course.slug,
        quiz: chapter,
        version: &found.version,
        attempt_no: used + 1,
        answers: &answers,
        grade: &graded,
        passed: graded.passed(quiz.settings.pass_percent),
    };
    let (recorded, _) = crate::quiz::ssr::store::record(&state.db, &attempt, None).await?;
    if recorded == crate::quiz::ssr::store::Recorded::New && attempt.passed {
        let catalog = state.content.catalog();
        if let Some(course) = catalog.course(&course.slug) {
            crate::progress::ssr::refresh_course(&state.db, learner_id, course).await?;
        }
    }
    Ok(())
}

/// Whether `identity` may see the record of `class`: whoever controls it,
/// and supervisors (and leaders) whose subtree holds its place.
pub async fn may_see(db: &Db, identity: &Identity, class: &ClassRow) -> anyhow::Result<bool> {
    let Some(user) = &identity.user else {
        return Ok(false);
    };
    if controls(user, class) {
        return Ok(true);
    }
    if !Role::CLASS_VIEWERS.contains(&user.role) {
        return Ok(false);
    }
    let tree = Tree::load(db.reads()).await?;
    let scope = Scope::of_classes(db, user, &tree).await?;
    Ok(
        match (&scope, class.unit_id.as_deref().and_then(|id| tree.get(id))) {
            (Scope::All, _) => true,
            (scope, Some(unit)) => scope.allows(&tree, unit),
            (_, None) => false,
        },
    )
}

/// `GET /classes/<id>/record.csv`: one row per person, in Vietnamese, for
/// Excel (UTF-8 with a byte-order mark).
pub async fn export(
    State(state): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let Some(class) = store::by_id(&state.db, &id).await? else {
        return Err(AppError::NotFound);
    };
    if identity.user.is_none() {
        return Err(AppError::SignIn {
            next: crate::web::links::class(&id),
        });
    }
    if !may_see(&state.db, &identity, &class).await? {
        return Err(AppError::Forbidden);
    }
    let people = store::attendees(&state.db, &id).await?;
    let answers = store::answers(&state.db, &id).await?;
    let catalog = state.content.catalog();
    let course_title = catalog
        .course(&class.course)
        .map(|c| c.title.clone())
        .unwrap_or_else(|| class.course.clone());
    let (place, _) = store::place_and_leader(&state.db, &class).await?;
    let mut out = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    out.write_record([
        "Mã lớp",
        "Khóa học",
        "Nơi học",
        "Bắt đầu",
        "Kết thúc",
        "Họ tên",
        "Năm sinh",
        "Thôn/xóm",
        "Tham gia bằng",
        "Số câu đã trả lời",
        "Số câu đúng",
    ])
    .context("csv")?;
    for person in &people {
        let theirs: Vec<_> = answers
            .iter()
            .filter(|a| a.attendee_id == person.id)
            .collect();
        out.write_record([
            class.code.as_str(),
            course_title.as_str(),
            place.as_str(),
            &when(class.started_at),
            &class.ended_at.map(when).unwrap_or_default(),
            &person.name,
            &person.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            person.hamlet.as_deref().unwrap_or(""),
            if person.learner_id.is_some() {
                "Điện thoại"
            } else {
                "Ghi tên tại lớp"
            },
            &theirs.len().to_string(),
            &theirs.iter().filter(|a| a.correct != 0).count().to_string(),
        ])
        .context("csv")?;
    }
    let body = out.into_inner().context("csv")?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"lop-{}-{}.csv\"",
                    class.code,
                    crate::clock::date_of(class.started_at)
                ),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response())
}
