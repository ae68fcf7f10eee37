//! Server side of assignments: the form handlers, the list, `/me`'s
//! required courses.

pub mod rules;

use axum::{
    extract::State,
    http::request::Parts,
    response::{IntoResponse, Response},
    routing::post,
    Form, Router,
};
use leptos::prelude::*;
use serde::Deserialize;

use self::rules::{load_assignments, normalize_position, parse_date, today, Population};
use crate::{
    accounts::{
        ssr::{
            admin::require_role,
            audit::{self, Action},
            current_identity,
            handlers::{see_other, server_error},
            internal_error,
            session::now,
            user_with_role,
        },
        with_query, Role,
    },
    assignments::{AssignmentLine, AssignmentsData, RequiredCourse, Status},
    content::ssr::current_catalog,
    orgs::ssr::{
        tree::{Scope, Tree},
        units::parse_code,
    },
    server::{db::Db, AppState},
};

pub const ASSIGNMENTS_PAGE: &str = "/assignments";

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
}

/// `POST /assignments`
async fn create(
    State(state): State<AppState>,
    parts: Parts,
    form: Result<Form<AssignForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let user = match require_role(&parts, &[Role::Admin, Role::Supervisor], ASSIGNMENTS_PAGE) {
        Ok(user) => user,
        Err(denied) => return denied.into_response(),
    };
    let Ok(Form(form)) = form else {
        return see_other(&with_query(ASSIGNMENTS_PAGE, &[("error", "form")]));
    };
    let keep = [
        ("course", form.course.as_str()),
        ("unit_code", form.unit_code.as_str()),
        ("positions", form.positions.as_str()),
        ("due_on", form.due_on.as_str()),
    ];
    let back = |error: &str| {
        let mut pairs = vec![("error", error)];
        pairs.extend_from_slice(&keep);
        see_other(&with_query(ASSIGNMENTS_PAGE, &pairs))
    };
    if state.content.catalog().course(form.course.trim()).is_none() {
        return back("course");
    }
    let Some(due_on) = parse_date(&form.due_on) else {
        return back("date");
    };
    let mut positions: Vec<String> = form
        .positions
        .split([',', ';', '\n'])
        .map(normalize_position)
        .filter(|p| !p.is_empty())
        .collect();
    positions.sort();
    positions.dedup();
    let result = async {
        let tree = Tree::load(state.db.pool()).await?;
        let scope = Scope::of(&state.db, &user, &tree).await?;
        // Outside the caller's subtree reads exactly like an unknown unit.
        let Some(unit) = parse_code(&form.unit_code)
            .and_then(|c| scope.find(&tree, &c))
            .cloned()
        else {
            return Ok(false);
        };
        let now = now();
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = state.db.pool().begin().await?;
        sqlx::query(
            "INSERT INTO assignments (id, course, unit_id, positions, due_on, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(form.course.trim())
        .bind(&unit.id)
        .bind(positions.join("\n"))
        .bind(&due_on)
        .bind(&user.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let detail = format!("{} -> {} due {due_on}", form.course.trim(), unit.code);
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
        anyhow::Ok(true)
    };
    match result.await {
        Ok(true) => see_other(&with_query(ASSIGNMENTS_PAGE, &[("done", "created")])),
        Ok(false) => back("unit"),
        Err(err) => server_error(err),
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    id: String,
}

/// `POST /assignments/delete`: only within the caller's subtree.
async fn delete(
    State(state): State<AppState>,
    parts: Parts,
    form: Result<Form<DeleteForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let user = match require_role(&parts, &[Role::Admin, Role::Supervisor], ASSIGNMENTS_PAGE) {
        Ok(user) => user,
        Err(denied) => return denied.into_response(),
    };
    let id = form.map(|Form(f)| f.id).unwrap_or_default();
    let result = async {
        let tree = Tree::load(state.db.pool()).await?;
        let scope = Scope::of(&state.db, &user, &tree).await?;
        let unit_id: Option<String> =
            sqlx::query_scalar("SELECT unit_id FROM assignments WHERE id = $1")
                .bind(&id)
                .fetch_optional(state.db.pool())
                .await?;
        let Some(unit) = unit_id.and_then(|u| tree.get(&u)) else {
            return Ok(false);
        };
        if !scope.allows(&tree, unit) {
            return Ok(false);
        }
        let now = now();
        let mut tx = state.db.pool().begin().await?;
        // Reminders not yet sent are moot once the assignment is gone.
        sqlx::query("DELETE FROM reminder_outbox WHERE assignment_id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM assignments WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            Some(&user.id),
            Action::AssignmentDeleted,
            &id,
            &unit.code,
            now,
        )
        .await?;
        tx.commit().await?;
        anyhow::Ok(true)
    };
    match result.await {
        Ok(true) => see_other(&with_query(ASSIGNMENTS_PAGE, &[("done", "deleted")])),
        Ok(false) => see_other(&with_query(ASSIGNMENTS_PAGE, &[("error", "unit")])),
        Err(err) => server_error(err),
    }
}

pub async fn assignments_page_data() -> Result<AssignmentsData, ServerFnError> {
    let user = user_with_role(&[Role::Admin, Role::Supervisor])?;
    let db = Db::from_context()?;
    let catalog = current_catalog()?;
    let data = async {
        let tree = Tree::load(db.pool()).await?;
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
    data.await
        .map_err(|err| internal_error("listing assignments", err))
}

pub async fn my_required() -> Result<Vec<RequiredCourse>, ServerFnError> {
    let Some(user) = current_identity().user else {
        return Ok(Vec::new());
    };
    let db = Db::from_context()?;
    let catalog = current_catalog()?;
    let required = async {
        let tree = Tree::load(db.pool()).await?;
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
    required
        .await
        .map_err(|err| internal_error("reading required courses", err))
}
