//! `POST` of a quiz form: grade on the server, store once, show the result.
//!
//! Only the chosen options travel from the browser; any score or
//! correctness a client sends is ignored. Answers are checked against the
//! questions of *this* attempt (same seed as the page that was shown).

use std::collections::HashMap;

use axum::{
    extract::{Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Extension, Form,
};

use super::{
    form::{answer_kind, attempt_questions, find},
    store::{self, NewAttempt, Recorded},
};
use crate::{
    accounts::ssr::{session, Identity},
    quiz::{grade::grade, quiz_href, result_href, AnswerKind, FINAL_TEST},
    server::AppState,
};

/// Most form fields a quiz submission may have (a quiz has a few dozen).
const MAX_FIELDS: usize = 500;

pub async fn submit_chapter_quiz(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path((course, chapter)): Path<(String, String)>,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    submit(state, identity, &course, &chapter, form).await
}

pub async fn submit_final_test(
    State(state): State<AppState>,
    Extension(identity): Extension<Identity>,
    Path(course): Path<String>,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    submit(state, identity, &course, FINAL_TEST, form).await
}

async fn submit(
    state: AppState,
    identity: Identity,
    course: &str,
    key: &str,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(fields)) = form else {
        return (
            StatusCode::BAD_REQUEST,
            "The quiz form could not be read. Please reload the page.",
        )
            .into_response();
    };
    if fields.len() > MAX_FIELDS {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too many answers in one form.",
        )
            .into_response();
    }
    let catalog = state.content.catalog();
    let Some(found) = catalog.course(course).and_then(|c| find(c, key)) else {
        return (StatusCode::NOT_FOUND, "No such quiz.").into_response();
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(attempt_no) = field("attempt")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|n| *n > 0)
    else {
        return (
            StatusCode::BAD_REQUEST,
            "The quiz form is missing its attempt number.",
        )
            .into_response();
    };
    let page = quiz_href(course, key);
    if field("version") != Some(found.version.as_str()) {
        // The trainer changed the quiz since the page was shown.
        return Redirect::to(&format!("{page}?updated=1")).into_response();
    }

    let (learner_id, cookie) =
        match session::ensure_learner(&state.db, &state.sessions, &identity).await {
            Ok(v) => v,
            Err(err) => return server_error(err),
        };
    let used = match store::attempts_used(&state.db, &learner_id, course, key).await {
        Ok(n) => n,
        Err(err) => return server_error(err),
    };
    if attempt_no <= used {
        // Submitted already (double click, retry, another tab): show that result.
        return with_cookie(
            Redirect::to(&result_href(course, key, attempt_no)).into_response(),
            cookie,
        );
    }
    if attempt_no > used + 1 {
        return with_cookie(Redirect::to(&page).into_response(), cookie);
    }
    let settings = &found.quiz().settings;
    if settings.max_attempts > 0 && attempt_no > i64::from(settings.max_attempts) {
        return with_cookie(
            (StatusCode::FORBIDDEN, "No attempts left for this quiz.").into_response(),
            cookie,
        );
    }

    let questions = attempt_questions(&found, &learner_id, attempt_no);
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
        .filter(|(q, _)| answer_kind(q.kind) != AnswerKind::Many && !answers.contains_key(&q.id))
        .map(|(q, _)| q.id.as_str())
        .collect();
    if !missing.is_empty() {
        // Back to the form, keeping what was chosen, naming what is missing.
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("missing", &missing.join(","));
        for (id, value) in &as_sent {
            query.append_pair("a", &format!("{id}:{value}"));
        }
        return with_cookie(
            Redirect::to(&format!("{page}?{}", query.finish())).into_response(),
            cookie,
        );
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
    let recorded = match store::record(&state.db, &attempt).await {
        // A pass may complete the course (and earn its certificate).
        Ok(Recorded::New) if passed => match catalog.course(course) {
            Some(c) => crate::progress::ssr::refresh_course(&state.db, &learner_id, c)
                .await
                .map(|()| Recorded::New),
            None => Ok(Recorded::New),
        },
        other => other,
    };
    match recorded {
        Ok(Recorded::New | Recorded::AlreadyThere) => with_cookie(
            Redirect::to(&result_href(course, key, attempt_no)).into_response(),
            cookie,
        ),
        Err(err) => server_error(err),
    }
}

fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn server_error(err: anyhow::Error) -> Response {
    tracing::error!("quiz submission failed: {err:#}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong; your answers were not saved. Please try again.",
    )
        .into_response()
}
