//! Which questions an attempt has, in which order, and the form that shows them.
//!
//! The order comes from a seed derived on the server from the learner, the
//! quiz, its version and the attempt number: reloading the page shows the
//! same order, the next attempt a new one, and grading sees exactly what was
//! shown. A final test draws its questions from the pool the same way.

use std::sync::Arc;

use leptos::prelude::*;
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use sha2::{Digest, Sha256};

use super::store;
use crate::{
    accounts::ssr::{
        guest_pass::{self, PassKey},
        SessionConfig,
    },
    content::ssr::{catalog::Course, current_catalog},
    quiz::{
        model::{Choice, Question, QuestionKind, Quiz},
        AnswerKind, ChoiceForm, QuestionForm, QuizForm, QuizPageData,
    },
    web::{
        current_identity,
        links::{self, FINAL_TEST},
        AppError,
    },
};

/// A quiz found in the catalog, with what identifies its version.
pub struct FoundQuiz {
    pub course: Arc<Course>,
    pub quiz: Arc<Quiz>,
    pub key: String,
    pub title: String,
    pub version: String,
}

/// The quiz of chapter `key` (or the course's final test) if it exists.
pub fn find(course: &Arc<Course>, key: &str) -> Option<FoundQuiz> {
    let (title, version, quiz) = if key == FINAL_TEST {
        let quiz = course.final_quiz.clone()?;
        (course.title.clone(), course.final_version.clone(), quiz)
    } else {
        let chapter = course.chapters.iter().find(|c| c.id == key)?;
        let quiz = chapter.quiz.clone()?;
        (chapter.title.clone(), chapter.version.clone(), quiz)
    };
    Some(FoundQuiz {
        course: course.clone(),
        quiz,
        key: key.to_string(),
        title,
        version,
    })
}

/// One question of an attempt: its options in display order, each with the
/// opaque id the form uses for it (so the authored order, which often puts
/// the right answer first, never shows in the page).
pub type AttemptQuestion<'q> = (&'q Question, Vec<(String, &'q Choice)>);

/// The questions of one attempt, each with its options in display order.
/// The order is keyed with the installation's secret (`PassKey::seed`).
pub fn attempt_questions<'q>(
    found: &'q FoundQuiz,
    key: &PassKey,
    learner_id: &str,
    attempt_no: i64,
) -> Vec<AttemptQuestion<'q>> {
    let quiz = &*found.quiz;
    let seed = key.seed(&format!(
        "{learner_id}\n{}\n{}\n{}\n{attempt_no}",
        found.course.slug, found.key, found.version
    ));
    let mut rng = StdRng::seed_from_u64(seed);
    let mut questions: Vec<&Question> = quiz.questions.iter().collect();
    if let Some(draw) = quiz.settings.draw {
        questions.shuffle(&mut rng);
        questions.truncate(draw as usize);
    }
    questions
        .into_iter()
        .map(|q| {
            let mut choices: Vec<&Choice> = q.options.iter().collect();
            // True/false keeps its natural order.
            if quiz.settings.shuffle
                && !matches!(q.kind, QuestionKind::TrueFalse | QuestionKind::Spot)
            {
                choices.shuffle(&mut rng);
            }
            let choices = choices
                .into_iter()
                .map(|c| {
                    let id = Sha256::digest(format!("{seed}\n{}\n{}", q.id, c.id).as_bytes());
                    (id[..5].iter().map(|b| format!("{b:02x}")).collect(), c)
                })
                .collect();
            (q, choices)
        })
        .collect()
}

pub fn answer_kind(kind: QuestionKind) -> AnswerKind {
    match kind {
        QuestionKind::Single | QuestionKind::TrueFalse => AnswerKind::One,
        QuestionKind::Multiple => AnswerKind::Many,
        QuestionKind::Text => AnswerKind::Text,
        QuestionKind::Spot => AnswerKind::Parts,
    }
}

/// The quiz page for the learner's next attempt.
pub async fn quiz_page(course: &str, key: &str) -> Result<Option<QuizPageData>, AppError> {
    let catalog = current_catalog()?;
    let Some(found) = catalog.course(course).and_then(|c| find(c, key)) else {
        return Ok(None);
    };
    let db = crate::web::request_db()?;
    // Reading writes nothing: a visitor with no session gets the learner id
    // they will have, signed into the form, and no row.
    let pass_key = use_context::<PassKey>()
        .ok_or_else(|| anyhow::anyhow!("guest pass key missing from context"))?;
    let (learner_id, guest_pass, used) = match current_identity().learner_id {
        Some(id) => {
            let used = store::attempts_used(&db, &id, course, key).await?;
            (id, None, used)
        }
        None => {
            let key = &pass_key;
            let now = crate::clock::now();
            // The pass of an earlier view keeps the order on reload.
            let kept = use_context::<http::request::Parts>()
                .and_then(|parts| guest_pass::from_cookie(&parts.headers))
                .and_then(|pass| Some((key.verify(&pass, now)?, pass)));
            let (id, pass) = kept.unwrap_or_else(|| {
                let id = uuid::Uuid::new_v4().to_string();
                let pass = key.issue(&id, now);
                (id, pass)
            });
            let secure = use_context::<SessionConfig>().is_some_and(|c| c.secure_cookies);
            if let (Some(cookie), Some(response)) = (
                guest_pass::cookie(&pass, secure),
                use_context::<leptos_axum::ResponseOptions>(),
            ) {
                response.append_header(http::header::SET_COOKIE, cookie);
            }
            (id, Some(pass), 0)
        }
    };
    let settings = &found.quiz.settings;
    if settings.max_attempts > 0 && used >= i64::from(settings.max_attempts) {
        return Ok(Some(QuizPageData::NoAttemptsLeft {
            title: found.title.clone(),
            course_slug: course.to_string(),
            result_href: links::quiz_result(course, key, used),
        }));
    }
    if used > 0 && settings.wait_minutes > 0 {
        let now = crate::clock::now();
        let wait = store::wait_until(&db, &learner_id, course, key, settings.wait_minutes, now);
        if let Some(until) = wait.await? {
            return Ok(Some(QuizPageData::Wait {
                title: found.title.clone(),
                course_slug: course.to_string(),
                result_href: links::quiz_result(course, key, used),
                until: crate::clock::time_or_when(until, now),
            }));
        }
    }
    let attempt_no = used + 1;
    let questions = attempt_questions(&found, &pass_key, &learner_id, attempt_no)
        .into_iter()
        .map(|(q, choices)| QuestionForm {
            id: q.id.clone(),
            kind: answer_kind(q.kind),
            prompt_html: q.html().prompt.clone(),
            choices: choices
                .into_iter()
                .map(|(id, c)| ChoiceForm {
                    text_html: q
                        .choice_html(&c.id)
                        .map(|(text, _)| text.clone())
                        .unwrap_or_default(),
                    id,
                })
                .collect(),
        })
        .collect();
    Ok(Some(QuizPageData::Form(QuizForm {
        course_slug: course.to_string(),
        course_title: found.course.title.clone(),
        quiz: key.to_string(),
        title: found.title.clone(),
        action: links::quiz(course, key),
        attempt_no,
        version: found.version.clone(),
        guest_pass,
        pass_percent: settings.pass_percent,
        attempts_left: (settings.max_attempts > 0).then(|| i64::from(settings.max_attempts) - used),
        wait_minutes: (settings.wait_minutes > 0).then_some(settings.wait_minutes),
        questions,
    })))
}
