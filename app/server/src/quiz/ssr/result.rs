//! The result of one of the current learner's attempts.

use crate::{
    content::ssr::current_catalog,
    quiz::{
        model::QuestionKind, ssr::form, ssr::store, CertificateLink, QuestionOutcome, QuizResult,
    },
    web::{
        current_identity,
        links::{self, FINAL_TEST},
        AppError,
    },
};
use leptos::prelude::use_context;
use std::collections::HashMap;

pub async fn load_result(
    course: &str,
    key: &str,
    attempt_no: i64,
) -> Result<Option<QuizResult>, AppError> {
    let catalog = current_catalog()?;
    let Some(found) = catalog.course(course).and_then(|c| form::find(c, key)) else {
        return Ok(None);
    };
    // Only the learner's own attempts: no learner, no result.
    let identity = current_identity();
    let Some(learner_id) = identity.learner_id.clone() else {
        return Ok(None);
    };
    let db = crate::web::request_db()?;
    let pass_key = use_context::<crate::accounts::ssr::guest_pass::PassKey>()
        .ok_or_else(|| anyhow::anyhow!("guest pass key missing from context"))?;
    let Some((attempt, graded)) = store::load(&db, &learner_id, course, key, attempt_no).await?
    else {
        return Ok(None);
    };
    let answers: HashMap<String, Vec<String>> =
        serde_json::from_str(&attempt.answers).unwrap_or_default();
    let correct_by_id: HashMap<String, bool> =
        graded.into_iter().map(|(id, c)| (id, c != 0)).collect();

    // The attempt's order where the quiz is unchanged, then anything else it had.
    let mut order: Vec<String> =
        form::attempt_questions(&found, &pass_key, &learner_id, attempt_no)
            .into_iter()
            .map(|(q, _)| q.id.clone())
            .filter(|id| correct_by_id.contains_key(id))
            .collect();
    for id in correct_by_id.keys() {
        if !order.contains(id) {
            order.push(id.clone());
        }
    }
    let quiz = &*found.quiz;
    let settings = &quiz.settings;
    let used = store::attempts_used(&db, &learner_id, course, key).await?;
    let can_retry = settings.max_attempts == 0 || used < i64::from(settings.max_attempts);
    let passed = attempt.passed != 0;
    // A strict course test (limited attempts or a wait) that is failed and
    // can be taken again keeps its right answers to itself.
    let answers_hidden = key == FINAL_TEST
        && !passed
        && can_retry
        && (settings.max_attempts > 0 || settings.wait_minutes > 0);
    let questions = order
        .iter()
        .filter_map(|id| quiz.questions.iter().find(|q| &q.id == id))
        .map(|q| {
            let given_raw = answers.get(&q.id).cloned().unwrap_or_default();
            let (given, expected_html, notes_html) = if q.kind == QuestionKind::Text {
                (
                    // Typed by the learner: shown as text.
                    given_raw.iter().map(|g| escape_html(g)).collect(),
                    q.html().accepted.clone().into_iter().collect(),
                    Vec::new(),
                )
            } else {
                let given = given_raw
                    .iter()
                    // The choice as the quiz showed it (rendered, sanitised):
                    // no Markdown backticks in front of learners.
                    .filter_map(|id| q.choice_html(id).map(|(text, _)| text.clone()))
                    .collect();
                let expected = q
                    .options
                    .iter()
                    .filter(|c| c.correct)
                    .filter_map(|c| q.choice_html(&c.id).map(|(text, _)| text.clone()))
                    .collect();
                let notes = if q.kind == QuestionKind::Spot {
                    // Every sign explains itself, ticked or missed; a part
                    // ticked wrongly says why it is harmless.
                    q.options
                        .iter()
                        .filter(|c| c.correct || given_raw.contains(&c.id))
                        .filter_map(|c| q.choice_html(&c.id))
                        .filter_map(|(_, explanation)| explanation.clone())
                        .collect()
                } else {
                    given_raw
                        .iter()
                        .filter_map(|id| q.choice_html(id))
                        .filter_map(|(_, explanation)| explanation.clone())
                        .collect()
                };
                (given, expected, notes)
            };
            let explanation_html = q.html().explanation.clone();
            let (expected_html, explanation_html, notes_html) = if answers_hidden {
                (Vec::new(), None, Vec::new())
            } else {
                (expected_html, explanation_html, notes_html)
            };
            QuestionOutcome {
                id: q.id.clone(),
                prompt_html: q.html().prompt.clone(),
                correct: correct_by_id.get(&q.id).copied().unwrap_or(false),
                answered: !given_raw.is_empty(),
                given,
                expected_html,
                explanation_html,
                notes_html,
            }
        })
        .collect();

    let course_ref = &found.course;
    let next = if key == FINAL_TEST {
        None
    } else {
        let index = course_ref
            .chapters
            .iter()
            .position(|c| c.id == key)
            .unwrap_or(0);
        course_ref.chapters.get(index + 1)
    };
    // After the last chapter's quiz, the course's final test is the way on
    // (it sits further down the course page).
    let next_is_final_test = next.is_none() && key != FINAL_TEST && course_ref.final_quiz.is_some();
    let continue_href = match next {
        Some(next) => links::chapter(course, &next.id),
        None if next_is_final_test => links::quiz(course, FINAL_TEST),
        None => links::course(course),
    };
    let certificate = if passed && key == FINAL_TEST && course_ref.certificate {
        match &identity.user {
            Some(user) => {
                let code: Option<String> = sqlx::query_scalar(
                    "SELECT code FROM certificates WHERE user_id = $1 AND course = $2 \
                     AND revoked_at IS NULL",
                )
                .bind(&user.id)
                .bind(course)
                .fetch_optional(db.reads())
                .await?;
                code.map(|c| CertificateLink::Issued(links::certificate(&c)))
            }
            None => Some(CertificateLink::SignUp),
        }
    } else {
        None
    };
    Ok(Some(QuizResult {
        course_slug: course.to_string(),
        course_title: course_ref.title.clone(),
        title: found.title.clone(),
        attempt_no,
        correct: attempt.correct,
        total: attempt.total,
        percent: attempt.percent,
        passed,
        pass_percent: settings.pass_percent,
        // After a pass the way is on, not back.
        retry_href: (can_retry && !passed).then(|| links::quiz(course, key)),
        continue_href,
        next_title: next.map(|c| c.title.clone()),
        next_is_final_test,
        certificate,
        answers_hidden,
        questions,
    }))
}

/// Text for an HTML context.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
