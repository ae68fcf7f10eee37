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
    form::{answer_kind, attempt_questions, find, AttemptQuestion, FoundQuiz},
    store::{self, NewAttempt},
};
use crate::{
    accounts::ssr::{client_ip::ClientIp, guest_pass, guests, session, Identity},
    clock::now,
    quiz::{field, grade::grade, AnswerKind},
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
    let sent = Sent {
        course: &course,
        key: &chapter,
        fields,
    };
    counted("chapter", submit(state, identity, ip, &headers, sent).await)
}

pub async fn submit_final_test(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    headers: HeaderMap,
    Path(course): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let sent = Sent {
        course: &course,
        key: FINAL_TEST,
        fields,
    };
    counted(
        "final_test",
        submit(state, identity, ip, &headers, sent).await,
    )
}

/// What became of a submission, for `hocvu_quiz_submissions_total`.
#[derive(Clone, Copy)]
enum Outcome {
    /// Graded and stored.
    Graded,
    /// Stored already (a double click, a retry): its result is shown.
    Again,
    /// Answers missing: back to the form.
    Incomplete,
    /// Not graded: the quiz changed, the pass was no good, too early, or no
    /// attempts left.
    Refused,
}

fn counted(
    kind: &'static str,
    submitted: Result<(Outcome, Response), AppError>,
) -> Result<Response, AppError> {
    let outcome = match &submitted {
        Ok((Outcome::Graded, _)) => "graded",
        Ok((Outcome::Again, _)) => "again",
        Ok((Outcome::Incomplete, _)) => "incomplete",
        Ok((Outcome::Refused, _)) | Err(_) => "refused",
    };
    metrics::counter!("hocvu_quiz_submissions_total", "kind" => kind, "outcome" => outcome)
        .increment(1);
    submitted.map(|(_, response)| response)
}

/// A quiz form as posted.
struct Sent<'a> {
    course: &'a str,
    key: &'a str,
    fields: Vec<(String, String)>,
}

impl Sent<'_> {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The attempt number the form was for.
    fn attempt_no(&self) -> Result<i64, AppError> {
        self.field(field::ATTEMPT)
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .ok_or(AppError::BadRequest("attempt number"))
    }
}

/// Who is answering: a learner with a session, or a guest whose first
/// submission this is (the learner the page's pass promised).
struct Answering {
    learner_id: String,
    new_guest: bool,
    /// The browser the pass was given to (only it may use a pass twice).
    same_browser: bool,
}

/// The learner of this submission, or the answer to give instead: a fresh
/// form for a missing, forged, expired or reused pass (nothing is lost: the
/// answers were never graded), or "too many new guests" from this address.
async fn answering(
    state: &AppState,
    identity: &Identity,
    ip: &ClientIp,
    headers: &HeaderMap,
    sent: &Sent<'_>,
) -> Result<Result<Answering, Response>, AppError> {
    if let Some(id) = &identity.learner_id {
        return Ok(Ok(Answering {
            learner_id: id.clone(),
            new_guest: false,
            same_browser: false,
        }));
    }
    // The browser the pass was given to still holds it as a cookie (until
    // its first submission answers).
    let cookie_pass = guest_pass::from_cookie(headers);
    let pass = sent
        .field(field::GUEST_PASS)
        .map(str::to_string)
        .or_else(|| cookie_pass.clone());
    let same_browser = pass.is_some() && pass == cookie_pass;
    let Some(learner_id) = pass.and_then(|p| state.pass_key.verify(&p, now())) else {
        return Ok(Err(fresh_form(state, sent)));
    };
    if let Err(wait) = guests::may_start(&state.db, ip, now()).await? {
        return Ok(Err(guests::too_many(wait)));
    }
    Ok(Ok(Answering {
        learner_id,
        new_guest: true,
        same_browser,
    }))
}

/// Back to a fresh form (and the used pass forgotten).
fn fresh_form(state: &AppState, sent: &Sent<'_>) -> Response {
    let page = links::quiz(sent.course, sent.key);
    let mut response = see_other(&format!("{page}?updated=1"));
    let forget = guest_pass::clear_cookie(state.sessions.secure_cookies);
    response.headers_mut().append(header::SET_COOKIE, forget);
    response
}

/// Answers by question id (several for "choose all that apply").
type Answers = HashMap<String, Vec<String>>;

/// The answers of this attempt's questions, mapped from the form's opaque
/// option ids back to the quiz's own, and the answers as sent (to refill the
/// form). Unknown values stay unknown and are graded wrong.
fn read_answers<'f>(
    questions: &[AttemptQuestion<'_>],
    fields: &'f [(String, String)],
) -> (Answers, Vec<(&'f str, &'f str)>) {
    let mut answers = Answers::new();
    let mut as_sent: Vec<(&str, &str)> = Vec::new();
    for (name, value) in fields {
        let Some(id) = name.strip_prefix(field::ANSWER) else {
            continue;
        };
        let Some((question, choices)) = questions.iter().find(|(q, _)| q.id == id) else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        as_sent.push((id, value));
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
    (answers, as_sent)
}

/// Questions that need an answer and have none.
fn missing<'q>(questions: &'q [AttemptQuestion<'_>], answers: &Answers) -> Vec<&'q str> {
    questions
        .iter()
        .filter(|(q, _)| {
            !matches!(answer_kind(q.kind), AnswerKind::Many | AnswerKind::Parts)
                && !answers.contains_key(&q.id)
        })
        .map(|(q, _)| q.id.as_str())
        .collect()
}

/// Submitted already (a double click, a retry, another tab): that result,
/// to a guest whose first click got the session too.
async fn shown_again(
    state: &AppState,
    sent: &Sent<'_>,
    who: &Answering,
    attempt_no: i64,
) -> Result<(Outcome, Response), AppError> {
    let result = see_other(&links::quiz_result(sent.course, sent.key, attempt_no));
    if !who.new_guest {
        return Ok((Outcome::Again, result));
    }
    let mut tx = state.db.begin_write().await?;
    let started =
        session::start_guest_in(&mut tx, &state.sessions, &who.learner_id, who.same_browser)
            .await?;
    let Some(cookie) = started else {
        return Ok((Outcome::Refused, fresh_form(state, sent)));
    };
    tx.commit().await?;
    let forget = guest_pass::clear_cookie(state.sessions.secure_cookies);
    Ok((Outcome::Again, with_cookie(result, vec![cookie, forget])))
}

/// Why this attempt may not be graded now, if it may not: not the next
/// attempt, none left, or too early after a failed one (the quiz page says
/// when the learner can try again).
async fn refusal(
    state: &AppState,
    found: &FoundQuiz,
    who: &Answering,
    page: &str,
    attempt_no: i64,
    used: i64,
) -> Result<Option<Response>, AppError> {
    if attempt_no > used + 1 {
        return Ok(Some(see_other(page)));
    }
    let settings = &found.quiz.settings;
    if settings.max_attempts > 0 && attempt_no > i64::from(settings.max_attempts) {
        return Ok(Some(AppError::Forbidden.into_response()));
    }
    if attempt_no > 1 {
        let (course, key) = (&found.course.slug, &found.key);
        let wait = settings.wait_minutes;
        let until = store::wait_until(&state.db, &who.learner_id, course, key, wait, now());
        if until.await?.is_some() {
            return Ok(Some(see_other(page)));
        }
    }
    Ok(None)
}

/// Back to the form, keeping what was chosen, naming what is missing.
fn back_to_form(page: &str, missing: &[&str], as_sent: &[(&str, &str)]) -> Response {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("missing", &missing.join(","));
    for (id, value) in as_sent {
        query.append_pair("a", &format!("{id}:{value}"));
    }
    see_other(&format!("{page}?{}", query.finish()))
}

/// `headers` carry the guest pass cookie of a visitor without a session.
async fn submit(
    state: AppState,
    identity: Identity,
    ip: ClientIp,
    headers: &HeaderMap,
    sent: Sent<'_>,
) -> Result<(Outcome, Response), AppError> {
    use Outcome::*;
    let (course, key) = (sent.course, sent.key);
    if sent.fields.len() > MAX_FIELDS {
        return Err(AppError::BadRequest("too many answers in one form"));
    }
    let catalog = state.content.catalog();
    let found = catalog
        .course(course)
        .and_then(|c| find(c, key))
        .ok_or(AppError::NotFound)?;
    let attempt_no = sent.attempt_no()?;
    let page = links::quiz(course, key);
    if sent.field(field::VERSION) != Some(found.version.as_str()) {
        // The trainer changed the quiz since the page was shown.
        return Ok((Refused, see_other(&format!("{page}?updated=1"))));
    }
    let who = match answering(&state, &identity, &ip, headers, &sent).await? {
        Ok(who) => who,
        Err(instead) => return Ok((Refused, instead)),
    };
    let used = store::attempts_used(&state.db, &who.learner_id, course, key).await?;
    if attempt_no <= used {
        return shown_again(&state, &sent, &who, attempt_no).await;
    }
    if let Some(refused) = refusal(&state, &found, &who, &page, attempt_no, used).await? {
        return Ok((Refused, refused));
    }

    let questions = attempt_questions(&found, &state.pass_key, &who.learner_id, attempt_no);
    let (answers, as_sent) = read_answers(&questions, &sent.fields);
    let missing = missing(&questions, &answers);
    if !missing.is_empty() {
        return Ok((Incomplete, back_to_form(&page, &missing, &as_sent)));
    }

    let refs: Vec<_> = questions.iter().map(|(q, _)| *q).collect();
    let graded = grade(&refs, &answers);
    let attempt = NewAttempt {
        learner_id: &who.learner_id,
        course,
        quiz: key,
        version: &found.version,
        attempt_no,
        answers: &answers,
        grade: &graded,
        passed: graded.passed(found.quiz.settings.pass_percent),
    };
    stored(&state, &sent, &found, &who, &attempt).await
}

/// Stores a graded attempt once, brings the course's status up to date
/// (a new pass may complete it and earn its certificate), shows the result.
async fn stored(
    state: &AppState,
    sent: &Sent<'_>,
    found: &FoundQuiz,
    who: &Answering,
    attempt: &NewAttempt<'_>,
) -> Result<(Outcome, Response), AppError> {
    let guest = who.new_guest.then_some((&state.sessions, who.same_browser));
    let (recorded, session) = store::record(&state.db, attempt, guest).await?;
    if recorded == store::Recorded::NotAGuest {
        return Ok((Outcome::Refused, fresh_form(state, sent)));
    }
    let mut cookies: Vec<HeaderValue> = Vec::new();
    if let Some(session) = session {
        // The pass is used up; the session carries on.
        let secure = state.sessions.secure_cookies;
        cookies.extend([session, guest_pass::clear_cookie(secure)]);
    }
    let new = recorded == store::Recorded::New;
    if new && attempt.passed {
        crate::progress::ssr::refresh_course(&state.db, &who.learner_id, &found.course).await?;
    }
    let result = links::quiz_result(sent.course, sent.key, attempt.attempt_no);
    let outcome = if new { Outcome::Graded } else { Outcome::Again };
    Ok((outcome, with_cookie(see_other(&result), cookies)))
}
