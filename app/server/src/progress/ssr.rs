//! Progress in the database: events in, per-course summaries out.

use std::collections::{HashMap, HashSet};

use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::Response,
};
use serde::Deserialize;

use super::{ChapterMarks, CourseProgress, MyLearning, SkillProgress};
use crate::{
    accounts::ssr::{client_ip::ClientIp, guest_pass, guests, session, Identity},
    clock::now,
    content::ssr::{
        catalog::{Catalog, Course},
        current_catalog,
    },
    server::{db::Db, AppState},
    web::{current_identity, links, see_other, with_cookie, AppError, Form},
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
    .fetch_all(db.reads())
    .await?;
    let passed: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT course, quiz, MAX(created_at) FROM quiz_attempts \
         WHERE learner_id = $1 AND passed = 1 GROUP BY course, quiz",
    )
    .bind(learner_id)
    .fetch_all(db.reads())
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

/// A learner's marks on one chapter: whether they read it, and passed its
/// quiz. One indexed query, however much else they have done; it is also
/// all a guest's chapter page shows of them (without a mark, the page is
/// the one every anonymous visitor gets).
pub async fn marks_on<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    learner_id: &str,
    course: &str,
    chapter: &str,
) -> anyhow::Result<ChapterMarks> {
    let (read, passed): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM progress_events \
           WHERE learner_id = $1 AND course = $2 AND chapter = $3 AND kind = 'read' LIMIT 1) r), \
         (SELECT COUNT(*) FROM (SELECT 1 FROM quiz_attempts \
           WHERE learner_id = $1 AND course = $2 AND quiz = $3 AND passed = 1 LIMIT 1) p)",
    )
    .bind(learner_id)
    .bind(course)
    .bind(chapter)
    .fetch_one(db)
    .await?;
    Ok(ChapterMarks {
        read: read > 0,
        quiz_passed: passed > 0,
    })
}

/// The current learner's marks on a chapter.
pub async fn chapter_marks(course: &str, chapter: &str) -> Result<ChapterMarks, AppError> {
    let Some(learner_id) = current_identity().learner_id else {
        return Ok(ChapterMarks::default());
    };
    Ok(marks_on(
        crate::web::request_db()?.reads(),
        &learner_id,
        course,
        chapter,
    )
    .await?)
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
        .map(|c| (links::chapter(&course.slug, &c.id), c.title.clone()));
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

pub async fn my_learning() -> Result<MyLearning, AppError> {
    let Some(learner_id) = current_identity().learner_id else {
        return Ok(MyLearning::default());
    };
    let catalog = current_catalog()?;
    let done = done_by(&crate::web::request_db()?, &learner_id).await?;
    let mut learning = MyLearning {
        skills: skills_covered(&catalog, &done),
        ..MyLearning::default()
    };
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

/// Per group, the skills of chapters read (and their quizzes passed).
fn skills_covered(catalog: &Catalog, done: &Done) -> Vec<SkillProgress> {
    let mut learned = HashSet::new();
    for course in &catalog.courses {
        for chapter in &course.chapters {
            let key = (course.slug.clone(), chapter.id.clone());
            if done.read.contains(&key) && (chapter.quiz.is_none() || done.passed.contains(&key)) {
                learned.extend(chapter.skills.iter().map(String::as_str));
            }
        }
    }
    if learned.is_empty() {
        return Vec::new();
    }
    let framework = &catalog.skills;
    framework
        .groups
        .iter()
        .map(|group| {
            let in_group = framework.skills.iter().filter(|s| s.group == group.code);
            SkillProgress {
                group: group.code.clone(),
                name: group.name.clone(),
                learned: in_group
                    .clone()
                    .filter(|s| learned.contains(s.code.as_str()))
                    .map(|s| s.name.clone())
                    .collect(),
                total: in_group.count(),
            }
        })
        .filter(|g| g.total > 0)
        .collect()
}

pub async fn course_marks(course: &str) -> Result<Vec<(String, ChapterMarks)>, AppError> {
    let Some(learner_id) = current_identity().learner_id else {
        return Ok(Vec::new());
    };
    let catalog = current_catalog()?;
    let Some(course) = catalog.course(course) else {
        return Ok(Vec::new());
    };
    let done = done_by(&crate::web::request_db()?, &learner_id).await?;
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
    identity: Identity,
    ip: ClientIp,
    headers: HeaderMap,
    Path((course, chapter)): Path<(String, String)>,
    Form(ReadForm { event }): Form<ReadForm>,
) -> Result<Response, AppError> {
    if uuid::Uuid::parse_str(&event).is_err() {
        return Err(AppError::BadRequest("event id"));
    }
    let catalog = state.content.catalog();
    let found = catalog.course(&course).ok_or(AppError::NotFound)?;
    let this = found
        .chapters
        .iter()
        .find(|c| c.id == chapter)
        .ok_or(AppError::NotFound)?;
    if identity.learner_id.is_none() {
        if let Err(wait) = guests::may_start(&state.db, &ip, now()).await? {
            return Ok(guests::too_many(wait));
        }
    }
    // One transaction (one fsync): a new guest's learner and session, and
    // the reading. A visitor holding a quiz page's guest pass becomes the
    // guest that pass promised, so a quiz answered later (perhaps sent from
    // the phone's offline queue) is graded in the order it was shown.
    let mut tx = state.db.begin_write().await?;
    let mut cookies = Vec::new();
    let learner_id = match &identity.learner_id {
        Some(id) => id.clone(),
        None => {
            let pass = guest_pass::from_cookie(&headers);
            let promised = pass
                .as_deref()
                .and_then(|pass| state.pass_key.verify(pass, now()));
            let mut started = None;
            for id in promised
                .into_iter()
                .chain([uuid::Uuid::new_v4().to_string()])
            {
                if let Some(cookie) =
                    session::start_guest_in(&mut tx, &state.sessions, &id, true).await?
                {
                    cookies.push(cookie);
                    started = Some(id);
                    break;
                }
            }
            if pass.is_some() {
                // Used up: the session carries on.
                cookies.push(guest_pass::clear_cookie(state.sessions.secure_cookies));
            }
            started.ok_or_else(|| anyhow::anyhow!("no guest could be started"))?
        }
    };
    // The page's event id is shared by everyone reading that version (it
    // may come from a cached page): the row is this learner's reading of it.
    let row_id = format!("{learner_id}/{course}/{chapter}/{event}");
    // Only a chapter's first reading can change the course's status. Asked
    // inside the write: on SQLite writes take turns, so of readings racing
    // (two tabs, a queue sent from a phone) exactly the first sees none
    // before it; on PostgreSQL each may see none, and each refreshes.
    let read_before = marks_on(&mut *tx, &learner_id, &course, &chapter)
        .await?
        .read;
    sqlx::query(
        "INSERT INTO progress_events (id, learner_id, course, chapter, kind, content_version, created_at) \
         VALUES ($1, $2, $3, $4, 'read', $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&row_id)
    .bind(&learner_id)
    .bind(&course)
    .bind(&chapter)
    .bind(&this.version)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if !read_before {
        refresh_course(&state.db, &learner_id, found).await?;
    }
    // Back to where the button was, saying it was recorded and offering
    // the quiz and the next chapter as two clear choices.
    let back = format!("{}?read=1#read-done", links::chapter(&course, &chapter));
    Ok(with_cookie(see_other(&back), cookies))
}

/// Where a person stands in one course (`course_status`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CourseState {
    #[default]
    NotStarted,
    Started,
    /// Completed at this time (unix seconds).
    Completed(i64),
}

impl CourseState {
    /// From a `course_status` row's `completed_at`: no row, a row without
    /// a time (started), or the completion time.
    pub fn of_row(completed_at: Option<Option<i64>>) -> CourseState {
        match completed_at {
            None => CourseState::NotStarted,
            Some(None) => CourseState::Started,
            Some(Some(at)) => CourseState::Completed(at),
        }
    }
}

/// Brings `course_status` up to date after `learner_id`'s step in `course`
/// (a chapter read, a quiz passed, guest progress brought along) has been
/// committed, and issues the course's certificate on completion. Reports
/// read this table instead of replaying every event.
///
/// Reading happens after the step's commit, so of two steps that finish a
/// course together at least one sees both. Only a change of status (first
/// step, completion) writes, in its own short transaction: the SQLite write
/// turn is not held for the reads, which keeps hot-path writes fast.
pub async fn refresh_course(db: &Db, learner_id: &str, course: &Course) -> anyhow::Result<()> {
    let completed_at = sqlx::query_scalar(
        "SELECT completed_at FROM course_status WHERE learner_id = $1 AND course = $2",
    )
    .bind(learner_id)
    .bind(&course.slug)
    .fetch_optional(db.reads())
    .await?;
    let current = CourseState::of_row(completed_at);
    if let CourseState::Completed(_) = current {
        return Ok(()); // a completion is kept once reached
    }
    let read: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT chapter FROM progress_events \
         WHERE learner_id = $1 AND course = $2 AND kind = 'read'",
    )
    .bind(learner_id)
    .bind(&course.slug)
    .fetch_all(db.reads())
    .await?;
    let passed: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT quiz FROM quiz_attempts WHERE learner_id = $1 AND course = $2 AND passed = 1",
    )
    .bind(learner_id)
    .bind(&course.slug)
    .fetch_all(db.reads())
    .await?;
    let done = Done {
        read: read.into_iter().map(|c| (course.slug.clone(), c)).collect(),
        passed: passed
            .into_iter()
            .map(|q| (course.slug.clone(), q))
            .collect(),
        recent: Vec::new(),
    };
    let complete = course_progress(course, &done).complete;
    if current == CourseState::Started && !complete {
        return Ok(()); // still in progress: nothing to write
    }
    let now = now();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO course_status (learner_id, course, started_at, completed_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (learner_id, course) DO UPDATE \
         SET completed_at = COALESCE(course_status.completed_at, excluded.completed_at)",
    )
    .bind(learner_id)
    .bind(&course.slug)
    .bind(now)
    .bind(complete.then_some(now))
    .execute(&mut *tx)
    .await?;
    if complete {
        crate::certificates::ssr::issue(&mut tx, learner_id, course, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `refresh_course` for every course the learner has touched: after a
/// sign-in merged guest progress, and for progress kept from before
/// `course_status` existed.
pub async fn refresh_learner(db: &Db, catalog: &Catalog, learner_id: &str) -> anyhow::Result<()> {
    let courses: Vec<String> = sqlx::query_scalar(
        "SELECT course FROM progress_events WHERE learner_id = $1 \
         UNION SELECT course FROM quiz_attempts WHERE learner_id = $1",
    )
    .bind(learner_id)
    .fetch_all(db.reads())
    .await?;
    for slug in courses {
        if let Some(course) = catalog.course(&slug) {
            refresh_course(db, learner_id, course).await?;
        }
    }
    Ok(())
}

/// The learner behind a user account, if they have one yet.
pub async fn learner_of_user(db: &Db, user_id: &str) -> anyhow::Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM learners WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(db.reads())
            .await?,
    )
}

/// Fills `course_status` for learners whose progress predates it (a
/// database from an earlier version). Runs once at start-up, in the
/// background; afterwards it finds nobody and costs one query.
pub async fn backfill_course_status(db: &Db, catalog: &Catalog) -> anyhow::Result<usize> {
    let learners: Vec<String> = sqlx::query_scalar(
        "SELECT learner_id FROM progress_events p WHERE NOT EXISTS ( \
           SELECT 1 FROM course_status s WHERE s.learner_id = p.learner_id AND s.course = p.course) \
         UNION SELECT learner_id FROM quiz_attempts q WHERE NOT EXISTS ( \
           SELECT 1 FROM course_status s WHERE s.learner_id = q.learner_id AND s.course = q.course)",
    )
    .fetch_all(db.reads())
    .await?;
    for learner in &learners {
        refresh_learner(db, catalog, learner).await?;
    }
    Ok(learners.len())
}
