//! Classes on the server: starting, pacing, joining, answering, ending, and
//! the record. Every handler checks who is asking; the pages' data comes
//! from `view`.

pub mod code;
pub mod hub;
pub mod record;
pub mod rules;
pub mod steps;
pub mod store;
pub mod view;

use std::collections::HashMap;

use anyhow::Context;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};

use self::{
    rules::{class_questions, controls, pushable},
    store::{signal_in, signal_of, ClassRow},
};
use crate::{
    accounts::{
        ssr::{client_ip::ClientIp, guests, session, Identity},
        CurrentUser,
    },
    clock::now,
    content::ssr::catalog::Course,
    orgs::ssr::tree::{Scope, Tree},
    policy,
    quiz::grade::grade,
    server::{
        db::{Db, WriteTx},
        AppState,
    },
    web::{links, see_other, with_cookie, AppError, Form, RequireRole},
};

policy!(
    /// Who may start and lead a class.
    ClassRunner: LEADERS back "/classes"
);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/classes", post(start))
        .route("/classes/{id}/step", post(step))
        .route("/classes/{id}/attendees", post(add_attendee))
        .route("/classes/{id}/end", post(end))
        .route("/classes/{id}/events", get(screen_events))
        .route("/classes/{id}/record.csv", get(record::export))
        .route("/join", get(typed_code))
        .route("/join/{code}", post(join))
        .route("/join/{code}/answer", post(answer))
        .route("/join/{code}/events", get(phone_events))
        .route(super::FOLLOW_SCRIPT.path, super::FOLLOW_SCRIPT.route())
}

/// The class `id`, for its leader (or an admin); 404 for an unknown id,
/// 403 for anyone else.
async fn led_class(db: &Db, user: &CurrentUser, id: &str) -> Result<ClassRow, AppError> {
    let class = store::by_id(db, id).await?.ok_or(AppError::NotFound)?;
    if !controls(user, &class) {
        return Err(AppError::Forbidden);
    }
    Ok(class)
}

/// The class `id` its leader acts on while it runs; once ended, the
/// answer is back to its page (its record), changing nothing.
async fn open_led_class(
    db: &Db,
    user: &CurrentUser,
    id: &str,
) -> Result<Result<ClassRow, Response>, AppError> {
    let class = led_class(db, user, id).await?;
    if class.is_open() {
        Ok(Ok(class))
    } else {
        Ok(Err(see_other(&links::class(id))))
    }
}

/// `POST /classes`: course, place (a unit id; empty = the leader's own),
/// and optionally `chapters` (repeated) to cover.
async fn start(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<ClassRunner>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let catalog = state.content.catalog();
    let Some(course) = catalog.course(&field("course")) else {
        return Err(AppError::form("/classes", "course", &[]));
    };
    let chapters: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "chapters")
        .filter_map(|(_, v)| v.split_once('/'))
        .filter(|(c, id)| *c == course.slug && course.chapters.iter().any(|ch| ch.id == *id))
        .map(|(_, id)| id.to_string())
        .collect();
    let tree = Tree::load(state.db.reads()).await?;
    let scope = Scope::of_classes(&state.db, &user, &tree).await?;
    let asked = field("unit");
    let unit_id = if asked.is_empty() {
        match &scope {
            Scope::Subtree(own) => Some(own.id.clone()),
            Scope::All => None,
            Scope::Nothing => return Err(AppError::form("/classes", "no_unit", &[])),
        }
    } else {
        match tree.get(&asked).filter(|u| scope.allows(&tree, u)) {
            Some(unit) => Some(unit.id.clone()),
            None => return Err(AppError::form("/classes", "unit", &[])),
        }
    };
    let id = uuid::Uuid::new_v4().to_string();
    let now = now();
    // A code is unique among open classes: a clash (1 in 300 million per
    // open class) takes another.
    for _ in 0..8 {
        let code = code::new_code();
        let mut tx = state.db.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO classes (id, code, course, chapters, unit_id, leader_id, started_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(&code)
        .bind(&course.slug)
        .bind(serde_json::to_string(&chapters).context("chapters")?)
        .bind(unit_id.as_deref())
        .bind(&user.id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("starting a class")?
        .rows_affected();
        if inserted == 1 {
            shown(&mut tx, &id, 0, 0, None, now).await?;
            tx.commit().await?;
            tracing::info!(class = %id, %code, course = %course.slug, "class started");
            return Ok(see_other(&links::class(&id)));
        }
        tx.commit().await?;
    }
    Err(AppError::Internal(anyhow::anyhow!("no free class code")))
}

/// Records that step `step` (and `question`) was shown as change `seq`.
async fn shown(
    tx: &mut WriteTx,
    class_id: &str,
    seq: i64,
    step: i64,
    question: Option<&str>,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO class_steps (class_id, seq, step, question, shown_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(class_id)
    .bind(seq)
    .bind(step)
    .bind(question)
    .bind(now)
    .execute(&mut **tx)
    .await
    .context("recording a class step")?;
    Ok(())
}

/// `POST /classes/<id>/step`: `go` = next, prev, question (with
/// `question`), reveal; `seq` is the change the leader's page showed, so a
/// double tap moves once.
async fn step(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<ClassRunner>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let back = links::class(&id);
    let class = match open_led_class(&state.db, &user, &id).await? {
        Ok(class) => class,
        Err(ended) => return Ok(ended),
    };
    let seen: i64 = form.get("seq").and_then(|s| s.parse().ok()).unwrap_or(-1);
    if seen != class.seq {
        return Ok(see_other(&back)); // someone (or a double tap) moved it already
    }
    let catalog = state.content.catalog();
    let course = catalog.course(&class.course).ok_or(AppError::NotFound)?;
    let steps = steps::steps(course, &class.chapter_ids());
    let last = steps.len().saturating_sub(1) as i64;
    let at = class.step.clamp(0, last);
    let (step, question, revealed) = match form.get("go").map(String::as_str) {
        // From a question too: on to the step after the one it was asked on.
        Some("next") => (at + 1, None, false),
        Some("prev") if class.question.is_some() => (at, None, false),
        Some("prev") => (at - 1, None, false),
        Some("reveal") if class.question.is_some() => (at, class.question.clone(), true),
        Some("question") => {
            let wanted = form.get("question").cloned().unwrap_or_default();
            let chapter = steps
                .get(at as usize)
                .map(|s| s.chapter.id.as_str())
                .unwrap_or("");
            let found = class_questions(course, chapter)
                .iter()
                .any(|quiz| quiz.question(&wanted).is_some_and(pushable));
            if !found {
                return Err(AppError::BadRequest("question"));
            }
            (at, Some(wanted), false)
        }
        _ => return Err(AppError::BadRequest("go")),
    };
    let step = step.clamp(0, last);
    let now = now();
    let mut tx = state.db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE classes SET step = $1, question = $2, revealed = $3, seq = seq + 1 \
         WHERE id = $4 AND seq = $5 AND ended_at IS NULL",
    )
    .bind(step)
    .bind(question.as_deref())
    .bind(i64::from(revealed))
    .bind(&id)
    .bind(class.seq)
    .execute(&mut *tx)
    .await
    .context("moving a class on")?
    .rows_affected();
    if changed == 0 {
        tx.commit().await?;
        return Ok(see_other(&back));
    }
    shown(&mut tx, &id, class.seq + 1, step, question.as_deref(), now).await?;
    // Leaving the last part of a chapter forwards: everyone on a phone has
    // read it with the class.
    let finished = steps
        .get(at as usize)
        .filter(|s| step > at && s.part == s.parts)
        .map(|s| s.chapter);
    let moved = ClassRow {
        step,
        question,
        revealed: i64::from(revealed),
        seq: class.seq + 1,
        ..class
    };
    let signal = signal_in(&mut tx, &moved).await?;
    state.classes.commit_and_tell(tx, &id, signal).await?;
    if let Some(chapter) = finished {
        mark_read_by_class(&state, &moved, course, chapter).await?;
    }
    Ok(see_other(&back))
}

/// Marks `chapter` read for every phone in the class (as "Đã đọc xong"
/// would, once per person and class), then brings their courses up to date.
async fn mark_read_by_class(
    state: &AppState,
    class: &ClassRow,
    course: &Course,
    chapter: &crate::content::ssr::catalog::Chapter,
) -> anyhow::Result<()> {
    let learners: Vec<String> = sqlx::query_scalar(
        "SELECT learner_id FROM class_attendees WHERE class_id = $1 AND learner_id IS NOT NULL",
    )
    .bind(&class.id)
    .fetch_all(state.db.reads())
    .await
    .context("finding a class's phones")?;
    if learners.is_empty() {
        return Ok(());
    }
    let now = now();
    let mut tx = state.db.begin_write().await?;
    for learner in &learners {
        sqlx::query(
            "INSERT INTO progress_events (id, learner_id, course, chapter, kind, content_version, created_at) \
             VALUES ($1, $2, $3, $4, 'read', $5, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(format!("{learner}/{}/{}/class-{}", course.slug, chapter.id, class.id))
        .bind(learner)
        .bind(&course.slug)
        .bind(&chapter.id)
        .bind(&chapter.version)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("marking a chapter read in class")?;
    }
    tx.commit().await?;
    for learner in &learners {
        crate::progress::ssr::refresh_course(&state.db, learner, course).await?;
    }
    Ok(())
}

/// `POST /classes/<id>/attendees`: someone without a phone, by name, year
/// of birth and hamlet, with their consent.
async fn add_attendee(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<ClassRunner>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let back = links::class(&id);
    let class = match open_led_class(&state.db, &user, &id).await? {
        Ok(class) => class,
        Err(ended) => return Ok(ended),
    };
    let text = |k: &str| {
        form.get(k)
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    let (name, hamlet, year) = (text("name"), text("hamlet"), text("birth_year"));
    let keep = [
        ("name", name.as_str()),
        ("hamlet", hamlet.as_str()),
        ("birth_year", year.as_str()),
    ];
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::form(&back, "name", &keep));
    }
    if hamlet.chars().count() > 80 {
        return Err(AppError::form(&back, "hamlet", &keep));
    }
    let this_year: i64 = crate::clock::today()[..4].parse().unwrap_or(2100);
    let birth_year = match year.parse::<i64>() {
        _ if year.is_empty() => None,
        Ok(y) if (this_year - 120..=this_year).contains(&y) => Some(y),
        _ => return Err(AppError::form(&back, "birth_year", &keep)),
    };
    if form.get("consent").is_none_or(|v| v.is_empty()) {
        return Err(AppError::form(&back, "consent", &keep));
    }
    let now = now();
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO class_attendees (id, class_id, learner_id, name, birth_year, hamlet, consent_at, joined_at) \
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $6)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&id)
    .bind(&name)
    .bind(birth_year)
    .bind((!hamlet.is_empty()).then_some(hamlet.as_str()))
    .bind(now)
    .execute(&mut *tx)
    .await
    .context("adding a person to a class")?;
    let signal = signal_in(&mut tx, &class).await?;
    state.classes.commit_and_tell(tx, &id, signal).await?;
    Ok(see_other(&format!("{back}?added=1#people")))
}

/// `POST /classes/<id>/end`: the record is what the tables hold now.
async fn end(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<ClassRunner>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let class = led_class(&state.db, &user, &id).await?;
    if class.is_open() {
        end_class(&state, &class).await?;
    }
    Ok(see_other(&links::class(&id)))
}

/// Ends `class` (by its leader, or by itself after hours open): the step
/// being shown, if a chapter's last part, counts as read.
pub async fn end_class(state: &AppState, class: &ClassRow) -> anyhow::Result<()> {
    let mut tx = state.db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE classes SET ended_at = $1, seq = seq + 1 WHERE id = $2 AND ended_at IS NULL",
    )
    .bind(now())
    .bind(&class.id)
    .execute(&mut *tx)
    .await
    .context("ending a class")?
    .rows_affected();
    if changed == 0 {
        tx.commit().await?;
        return Ok(());
    }
    let ended = ClassRow {
        seq: class.seq + 1,
        ended_at: Some(now()),
        ..class.clone()
    };
    let signal = signal_in(&mut tx, &ended).await?;
    state.classes.commit_and_tell(tx, &class.id, signal).await?;
    let catalog = state.content.catalog();
    if let Some(course) = catalog.course(&class.course) {
        let steps = steps::steps(course, &class.chapter_ids());
        let at = class.step.clamp(0, steps.len().saturating_sub(1) as i64) as usize;
        if let Some(s) = steps.get(at).filter(|s| s.part == s.parts) {
            mark_read_by_class(state, &ended, course, s.chapter).await?;
        }
    }
    tracing::info!(class = %class.id, "class ended");
    Ok(())
}

/// Classes nobody ended: closed after this many hours open.
pub const OPEN_HOURS: i64 = 6;

/// Ends classes left open longer than `OPEN_HOURS` (housekeeping).
pub async fn end_forgotten(state: &AppState) -> anyhow::Result<usize> {
    let old: Vec<String> =
        sqlx::query_scalar("SELECT id FROM classes WHERE ended_at IS NULL AND started_at < $1")
            .bind(now() - OPEN_HOURS * 3600)
            .fetch_all(state.db.reads())
            .await
            .context("finding forgotten classes")?;
    for id in &old {
        if let Some(class) = store::by_id(&state.db, id).await? {
            end_class(state, &class).await?;
        }
    }
    Ok(old.len())
}

/// `GET /join?code=…`: the home page's field, to the class's address.
async fn typed_code(
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let typed = code::canonical(query.get("code").map(String::as_str).unwrap_or(""));
    if typed.is_empty() {
        return see_other("/#join");
    }
    see_other(&links::join(&typed))
}

/// The open class with `code` for a form; an unknown or ended one sends
/// the phone to that code's page, which says so.
async fn open_class(state: &AppState, ip: &ClientIp, code: &str) -> Result<ClassRow, Response> {
    let code = code::canonical(code);
    if let Some(wait) = code::guessing(ip) {
        return Err(AppError::TooManyRequests { wait }.into_response());
    }
    match store::by_code(&state.db, &code).await {
        Ok(Some(class)) if class.is_open() => Ok(class),
        Ok(Some(_)) => Err(see_other(&links::join(&code))),
        // The page of that address explains (and counts the miss).
        Ok(None) => Err(see_other(&links::join(&code))),
        Err(err) => Err(AppError::from(err).into_response()),
    }
}

/// `POST /join/<code>`: joins as who they are (a signed-in person) or as a
/// new guest; a typed name is optional. Joining twice changes nothing.
async fn join(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    Path(code): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let class = match open_class(&state, &ip, &code).await {
        Ok(class) => class,
        Err(response) => return Ok(response),
    };
    let page = links::join(&class.code);
    let typed: String = form
        .get("name")
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    if typed.chars().count() > 60 {
        return Err(AppError::form(&page, "name", &[]));
    }
    if let Some(learner) = &identity.learner_id {
        if store::attendee_of(&state.db, &class.id, learner)
            .await?
            .is_some()
        {
            return Ok(see_other(&page));
        }
    } else if let Err(wait) = guests::may_start(&state.db, &ip, now()).await? {
        return Ok(guests::too_many(wait));
    }
    let now = now();
    let mut tx = state.db.begin_write().await?;
    let mut cookies = Vec::new();
    let learner_id = match &identity.learner_id {
        Some(id) => id.clone(),
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            let cookie = session::start_guest_in(&mut tx, &state.sessions, &id, false)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no guest could be started"))?;
            cookies.push(cookie);
            id
        }
    };
    let name = if !typed.is_empty() {
        typed
    } else if let Some(user) = &identity.user {
        user.display_name.clone()
    } else {
        // "Khách 1, 2, …" in the order guests came.
        let n: i64 = sqlx::query_scalar(
            "UPDATE classes SET guests = guests + 1 WHERE id = $1 RETURNING guests",
        )
        .bind(&class.id)
        .fetch_one(&mut *tx)
        .await
        .context("numbering a guest")?;
        format!("{}{n}", code::GUEST_PREFIX)
    };
    sqlx::query(
        "INSERT INTO class_attendees (id, class_id, learner_id, name, joined_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (class_id, learner_id) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&class.id)
    .bind(&learner_id)
    .bind(&name)
    .bind(now)
    .execute(&mut *tx)
    .await
    .context("joining a class")?;
    let signal = signal_in(&mut tx, &class).await?;
    state.classes.commit_and_tell(tx, &class.id, signal).await?;
    Ok(with_cookie(see_other(&page), cookies))
}

/// `POST /join/<code>/answer`: the pushed question, answered once, graded
/// here; it counts toward the person's own quiz once they have answered
/// every question of that chapter's quiz in class.
async fn answer(
    State(state): State<AppState>,
    identity: Identity,
    ip: ClientIp,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let class = match open_class(&state, &ip, &code).await {
        Ok(class) => class,
        Err(response) => return Ok(response),
    };
    let page = links::join(&class.code);
    let Some(learner) = identity.learner_id.as_deref() else {
        return Ok(see_other(&page));
    };
    let Some(attendee) = store::attendee_of(&state.db, &class.id, learner).await? else {
        return Ok(see_other(&page));
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    // Only the question on screen, before the answers are shown.
    if class.revealed != 0 || class.question.as_deref() != field("question") {
        return Ok(see_other(&page));
    }
    let catalog = state.content.catalog();
    let course = catalog.course(&class.course).ok_or(AppError::NotFound)?;
    let steps = steps::steps(course, &class.chapter_ids());
    let Some(step) = steps.get(class.step.max(0) as usize) else {
        return Ok(see_other(&page));
    };
    let quizzes = class_questions(course, &step.chapter.id);
    let Some((quiz, question)) = quizzes.iter().find_map(|quiz| {
        class
            .question
            .as_deref()
            .and_then(|id| quiz.question(id))
            .map(|q| (quiz.clone(), q))
    }) else {
        return Ok(see_other(&page));
    };
    let keys = rules::choice_keys(&state.pass_key, &class, question);
    let chosen: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "choice")
        .filter_map(|(_, v)| {
            keys.iter()
                .find(|(key, _)| key == v)
                .map(|(_, id)| id.clone())
        })
        .collect();
    if chosen.is_empty() {
        return Err(AppError::form(&page, "choose", &[]));
    }
    let answers = HashMap::from([(question.id.clone(), chosen.clone())]);
    let graded = grade(&[question], &answers);
    let mut tx = state.db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO class_answers (class_id, question, attendee_id, chosen, correct, answered_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(&class.id)
    .bind(&question.id)
    .bind(&attendee.id)
    .bind(serde_json::to_string(&chosen).context("answer")?)
    .bind(i64::from(graded.correct == 1))
    .bind(now())
    .execute(&mut *tx)
    .await
    .context("storing a class answer")?
    .rows_affected();
    let signal = signal_in(&mut tx, &class).await?;
    state.classes.commit_and_tell(tx, &class.id, signal).await?;
    if inserted == 1 {
        record::count_toward_quiz(
            &state,
            &class,
            course,
            &step.chapter.id,
            &quiz,
            learner,
            &attendee.id,
        )
        .await?;
    }
    Ok(see_other(&format!("{page}#class-step")))
}

/// `GET /join/<code>/events`: the class's signals, for any phone that knows
/// the code (they carry no one's data).
async fn phone_events(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(code): Path<String>,
) -> Response {
    let code = code::canonical(&code);
    if let Some(wait) = code::guessing(&ip) {
        return AppError::TooManyRequests { wait }.into_response();
    }
    match store::by_code(&state.db, &code).await {
        Ok(Some(class)) => follow(&state, &class).await,
        Ok(None) => {
            code::missed(&ip);
            AppError::NotFound.into_response()
        }
        Err(err) => AppError::from(err).into_response(),
    }
}

/// `GET /classes/<id>/events`: the same, for the projector's screen.
async fn screen_events(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<ClassRunner>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let class = led_class(&state.db, &user, &id).await?;
    Ok(follow(&state, &class).await)
}

async fn follow(state: &AppState, class: &ClassRow) -> Response {
    let current = match signal_of(&state.db, class).await {
        Ok(signal) => signal,
        Err(err) => return AppError::from(err).into_response(),
    };
    let receiver = state.classes.follow(&class.id, current);
    let mut response = hub::stream(&state.classes, receiver, current).into_response();
    // Through nginx: no buffering of the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", http::HeaderValue::from_static("no"));
    response
}
