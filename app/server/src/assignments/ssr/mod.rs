//! Server side of assignments: the form handlers, the list, `/me`'s
//! required courses.

pub mod rules;

use anyhow::Context;
use axum::{
    extract::State,
    http::{request::Parts, StatusCode},
    response::Response,
    routing::post,
    Router,
};
use leptos::prelude::provide_context;
use serde::Deserialize;

use self::rules::{load_assignments, normalize_position, Population};
use crate::{
    accounts::{
        ssr::audit::{self, Action},
        Role,
    },
    assignments::{
        AssignDone, AssignProblem, AssignmentLine, AssignmentsData, PastDueDate, RequiredCourse,
        Status,
    },
    clock::{now, parse_date, today},
    content::ssr::current_catalog,
    orgs::ssr::{
        tree::{Scope, Tree},
        units::parse_code,
    },
    policy,
    server::AppState,
    web::{
        current_identity, page, see_other, user_with_role, with_query, AppError, Form, RequireRole,
    },
};

pub const ASSIGNMENTS_PAGE: &str = "/assignments";

policy!(
    /// Supervisors and admins, on the assignments page.
    Assigners: MANAGERS back ASSIGNMENTS_PAGE
);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assignments", post(create))
        .route("/assignments/delete", post(delete))
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    course: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    positions: String,
    #[serde(default)]
    due_on: String,
    /// "1": save even though the due date has passed.
    #[serde(default)]
    confirm_past_due: String,
}

/// `POST /assignments`. A due date already past is almost always a slip
/// (a wrong year or month): the answer is then the form again with a
/// warning and a button that saves the same values anyway.
async fn create(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<Assigners>,
    parts: Parts,
    Form(form): Form<AssignForm>,
) -> Result<Response, AppError> {
    let keep = [
        ("course", form.course.as_str()),
        ("unit_code", form.unit_code.as_str()),
        ("positions", form.positions.as_str()),
        ("due_on", form.due_on.as_str()),
    ];
    let refused = |problem: AssignProblem| AppError::form(ASSIGNMENTS_PAGE, problem.code(), &keep);
    let course = form.course.trim();
    if state.content.catalog().course(course).is_none() {
        return Err(refused(AssignProblem::Course));
    }
    let due_on = parse_date(&form.due_on).ok_or_else(|| refused(AssignProblem::Date))?;
    let mut positions: Vec<String> = form
        .positions
        .split([',', ';', '\n'])
        .map(normalize_position)
        .filter(|p| !p.is_empty())
        .collect();
    positions.sort();
    positions.dedup();
    let tree = Tree::load(state.db.reads()).await?;
    let scope = Scope::of(&state.db, &user, &tree).await?;
    // Outside the caller's subtree reads exactly like an unknown unit.
    let unit = parse_code(&form.unit_code)
        .and_then(|c| scope.find(&tree, &c))
        .cloned()
        .ok_or_else(|| refused(AssignProblem::Unit))?;
    if due_on < today() && form.confirm_past_due != "1" {
        let uri = with_query(ASSIGNMENTS_PAGE, &keep);
        return Ok(page(&state, parts, &uri, StatusCode::OK, move || {
            provide_context(PastDueDate(due_on.clone()))
        })
        .await);
    }
    let now = now();
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "INSERT INTO assignments (id, course, unit_id, positions, due_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(course)
    .bind(&unit.id)
    .bind(positions.join("\n"))
    .bind(&due_on)
    .bind(&user.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let detail = format!("{course} -> {} due {due_on}", unit.code);
    audit::record(
        &mut tx,
        Some(&user.id),
        Action::AssignmentCreated,
        &id,
        &detail,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&with_query(
        ASSIGNMENTS_PAGE,
        &[("done", AssignDone::Created.code())],
    )))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    id: String,
}

/// `POST /assignments/delete`: only within the caller's subtree.
async fn delete(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<Assigners>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let tree = Tree::load(state.db.reads()).await?;
    let scope = Scope::of(&state.db, &user, &tree).await?;
    let unit_id: Option<String> =
        sqlx::query_scalar("SELECT unit_id FROM assignments WHERE id = $1")
            .bind(&form.id)
            .fetch_optional(state.db.reads())
            .await?;
    let Some(unit) = unit_id
        .and_then(|u| tree.get(&u))
        .filter(|unit| scope.allows(&tree, unit))
    else {
        let problem = AssignProblem::Unit.code();
        return Err(AppError::form(ASSIGNMENTS_PAGE, problem, &[]));
    };
    let now = now();
    let mut tx = state.db.begin_write().await?;
    // Reminders not yet sent are moot once the assignment is gone.
    sqlx::query("DELETE FROM reminder_outbox WHERE assignment_id = $1")
        .bind(&form.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM assignments WHERE id = $1")
        .bind(&form.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Some(&user.id),
        Action::AssignmentDeleted,
        &form.id,
        &unit.code,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&with_query(
        ASSIGNMENTS_PAGE,
        &[("done", AssignDone::Deleted.code())],
    )))
}

pub async fn assignments_page_data() -> Result<AssignmentsData, AppError> {
    let user = user_with_role(Role::MANAGERS)?;
    let db = crate::web::request_db()?;
    let catalog = current_catalog()?;
    let data = async {
        let tree = Tree::load(db.reads()).await?;
        let scope = Scope::of(&db, &user, &tree).await?;
        let assignments = load_assignments(&db, &tree).await?;
        let today = today();
        // Everyone in scope, read once; each assignment counts its own share.
        let units: Vec<&str> = scope
            .units(&tree)
            .into_iter()
            .map(|(_, u)| u.id.as_str())
            .collect();
        let population = Population::in_units(&db, &tree, &units, &assignments).await?;
        let mut lines = Vec::new();
        for a in &assignments {
            let Some(unit) = tree.get(&a.unit_id) else {
                continue;
            };
            if !scope.allows(&tree, unit) {
                continue;
            }
            // Counted against this assignment alone: who it covers, who is done.
            let covered: Vec<_> = population.people.iter().filter(|p| a.covers(p)).collect();
            let completed = covered
                .iter()
                .filter(|p| population.status(p, a, &today).0 == Status::Completed)
                .count();
            lines.push(AssignmentLine {
                id: a.id.clone(),
                course: a.course.clone(),
                course_title: catalog.title_of(&a.course),
                unit_code: unit.code.clone(),
                unit_name: unit.name.clone(),
                positions: a.positions.clone(),
                due_on: a.due_on.clone(),
                assigned: covered.len(),
                completed,
            });
        }
        anyhow::Ok(AssignmentsData {
            assignments: lines,
            courses: catalog
                .courses
                .iter()
                .map(|c| (c.slug.clone(), c.title.clone()))
                .collect(),
            units: scope
                .units(&tree)
                .into_iter()
                .map(|(depth, u)| (u.code.clone(), u.name.clone(), depth))
                .collect(),
        })
    };
    Ok(data.await.context("listing assignments")?)
}

pub async fn my_required() -> Result<Vec<RequiredCourse>, AppError> {
    let Some(user) = current_identity().user else {
        return Ok(Vec::new());
    };
    let db = crate::web::request_db()?;
    let catalog = current_catalog()?;
    let required = async {
        let tree = Tree::load(db.reads()).await?;
        let assignments = load_assignments(&db, &tree).await?;
        let population = Population::of_user(&db, &tree, &user.id, &assignments).await?;
        let Some(me) = population.people.first() else {
            return anyhow::Ok(Vec::new());
        };
        let today = today();
        let mut out: Vec<RequiredCourse> = population
            .duties(me, &assignments)
            .into_iter()
            .filter_map(|duty| {
                let course = catalog.course(&duty.course)?;
                Some(RequiredCourse {
                    slug: course.slug.clone(),
                    title: course.title.clone(),
                    due_on: duty.due_on.clone(),
                    status: population.status(me, duty, &today).0,
                })
            })
            .collect();
        // Unfinished first, soonest deadline first.
        out.sort_by(|a, b| {
            (a.status == Status::Completed, &a.due_on)
                .cmp(&(b.status == Status::Completed, &b.due_on))
        });
        Ok(out)
    };
    Ok(required.await.context("reading required courses")?)
}
