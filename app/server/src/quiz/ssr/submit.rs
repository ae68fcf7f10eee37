//! `POST` of a quiz form: grade on the server, store once, show the result.
//!
//! Only the chosen options travel from the browser; any score or
//! correctness a client sends is ignored. Answers are checked against the
//! questions of *this* attempt (same seed as the page that was shown).

use std::collections::HashMap;

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
};

use super::{
    form::{answer_kind, attempt_questions, find},
    store::{self, NewAttempt},
};
use crate::{
    accounts::ssr::{client_ip::ClientIp, guest_pass, guests, session, Identity},
    clock::now,
    quiz::{grade::grade, AnswerKind},
    server::AppState,
    web::{
        links::{self, FINAL_TEST},
        see_other, with_cookie, AppError, Form,
    },
};

/// Most form fields a quiz submission may have (a quiz has a few dozen).
const MAX_FIELDS: usize = 500;

pub async fn submit_chapter_quiz(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    headers: HeaderMap,
    Path((course, chapter)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    submit(state, identity, ip, &headers, &course, &chapter, fields).await
}

pub async fn submit_final_test(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    headers: HeaderMap,
    Path(course): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    submit(state, identity, ip, &headers, &course, FINAL_TEST, fields).await
}

/// `headers` carry the guest pass cookie of a visitor without a session.
async fn submit(
    state: AppState,
    identity: Identity,
    ip: ClientIp,
    headers: &HeaderMap,
    course: &str,
    key: &str,
    fields: Vec<(String, String)>,
) -> Result<Response, AppError> {
    if fields.len() > MAX_FIELDS {
        return Err(AppError::BadRequest("too many answers in one form"));
    }
    let catalog = state.content.catalog();
    let found = catalog
        .course(course)
        .and_then(|c| find(c, key))
        .ok_or(AppError::NotFound)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let attempt_no = field("attempt")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or(AppError::BadRequest("attempt number"))?;
    let page = links::quiz(course, key);
    if field("version") != Some(found.version.as_str()) {
        // The trainer changed the quiz since the page was shown.
        return Ok(see_other(&format!("{page}?updated=1")));
    }

    // A guest's first submission: the learner the page's pass promised,
    // created (with its session) in the attempt's own transaction below.
    let secure = state.sessions.secure_cookies;
    let fresh_form = || {
        let mut response = see_other(&format!("{page}?updated=1"));
        let forget = guest_pass::clear_cookie(secure);
        response.headers_mut().append(header::SET_COOKIE, forget);
        response
    };
    // The browser the pass was given to still holds it as a cookie (until
    // its first submission answers): only it may use a pass twice.
    let cookie_pass = guest_pass::from_cookie(headers);
    let mut same_browser = false;
    let (learner_id, new_guest) = match &identity.learner_id {
        Some(id) => (id.clone(), false),
        None => {
            // A missing, forged, expired or reused pass gets a fresh form
            // instead (nothing is lost: the answers were never graded).
            let pass = field("guest_pass")
                .map(str::to_string)
                .or_else(|| cookie_pass.clone());
            same_browser = pass.is_some() && pass == cookie_pass;
            let promised = pass.and_then(|p| state.pass_key.verify(&p, now()));
            match promised {
                Some(id) => {
                    if let Err(wait) = guests::may_start(&state.db, &ip, now()).await? {
                        return Ok(guests::too_many(wait));
                    }
                    (id, true)
                }
                None => return Ok(fresh_form()),
            }
        }
    };
    let mut cookies: Vec<HeaderValue> = Vec::new();
    let used = store::attempts_used(&state.db, &learner_id, course, key).await?;
    if attempt_no <= used {
        // Submitted already (double click, retry, another tab): show that
        // result, to a guest whose first click got the session too.
        let result = links::quiz_result(course, key, attempt_no);
        if new_guest {
            let mut tx = state.db.begin_write().await?;
            let Some(cookie) =
                session::start_guest_in(&mut tx, &state.sessions, &learner_id, same_browser)
                    .await?
            else {
                return Ok(fresh_form());
            };
            tx.commit().await?;
            cookies.extend([cookie, guest_pass::clear_cookie(secure)]);
        }
        return Ok(with_cookie(see_other(&result), cookies));
    }
    if attempt_no > used + 1 {
        return Ok(with_cookie(see_other(&page), cookies));
    }
    let settings = &found.quiz.settings;
    if settings.max_attempts > 0 && attempt_no > i64::from(settings.max_attempts) {
        return Ok(with_cookie(AppError::Forbidden.into_response(), cookies));
    }
    // Too early after a failed attempt: nothing is graded; the quiz page
    // says when the learner can try again.
    if attempt_no > 1
        && store::wait_until(
            &state.db,
            &learner_id,
            course,
            key,
            settings.wait_minutes,
            now(),
        )
        .await?
        .is_some()
    {
        return Ok(with_cookie(see_other(&page), cookies));
    }

    let questions = attempt_questions(&found, &state.pass_key, &learner_id, attempt_no);
    let mut answers: HashMap<String, Vec<String>> = HashMap::new();
    // As the form sent them, to refill the form if something is missing.
    let mut as_sent: Vec<(&str, &str)> = Vec::new();
    for (name, value) in &fields {
        let Some(id) = name.strip_prefix("a_") else {
            continue;
        };
        let Some((question, choices)) = questions.iter().find(|(q, _)| q.id == id) else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        as_sent.push((id, value));
        // Opaque form ids back to the quiz's own; anything unknown stays
        // unknown and is graded wrong.
        let value = match answer_kind(question.kind) {
            AnswerKind::Text => value.clone(),
            _ => choices
                .iter()
                .find(|(shown, _)| shown == value)
                .map_or_else(
                    || format!("?{}", value.chars().take(20).collect::<String>()),
                    |(_, c)| c.id.clone(),
                ),
        };
        answers.entry(id.to_string()).or_default().push(value);
    }
    let missing: Vec<&str> = questions
        .iter()
        .filter(|(q, _)| {
            !matches!(answer_kind(q.kind), AnswerKind::Many | AnswerKind::Parts)
                && !answers.contains_key(&q.id)
        })
        .map(|(q, _)| q.id.as_str())
        .collect();
    if !missing.is_empty() {
        // Back to the form, keeping what was chosen, naming what is missing.
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("missing", &missing.join(","));
        for (id, value) in &as_sent {
            query.append_pair("a", &format!("{id}:{value}"));
        }
        let back = format!("{page}?{}", query.finish());
        return Ok(with_cookie(see_other(&back), cookies));
    }

    let refs: Vec<_> = questions.iter().map(|(q, _)| *q).collect();
    let graded = grade(&refs, &answers);
    let passed = graded.passed(settings.pass_percent);
    let attempt = NewAttempt {
        learner_id: &learner_id,
        course,
        quiz: key,
        version: &found.version,
        attempt_no,
        answers: &answers,
        grade: &graded,
        passed,
    };
    let (recorded, session) = store::record(
        &state.db,
        &attempt,
        new_guest.then_some((&state.sessions, same_browser)),
    )
    .await?;
    if let Some(session) = session {
        // The pass is used up; the session carries on.
        cookies.extend([session, guest_pass::clear_cookie(secure)]);
    }
    if recorded == store::Recorded::NotAGuest {
        return Ok(fresh_form());
    }
    // A new pass may complete the course (and earn its certificate).
    if recorded == store::Recorded::New && passed {
        if let Some(c) = catalog.course(course) {
            crate::progress::ssr::refresh_course(&state.db, &learner_id, c).await?;
        }
    }
    let result = links::quiz_result(course, key, attempt_no);
    Ok(with_cookie(see_other(&result), cookies))
}
