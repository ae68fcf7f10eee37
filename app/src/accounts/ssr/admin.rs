//! Admin actions on users: the list, role changes, reset codes. Every
//! handler checks the session and the role itself (deny by default), and
//! every change is written to the audit log with it, in one transaction.

use axum::{
    extract::State,
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
    Form,
};
use serde::Deserialize;

use super::{
    audit::{self, Action},
    handlers::{identity_of, see_other, server_error},
    phone, render, reset,
    session::now,
};
use crate::{
    accounts::{
        pages::{IssuedCode, UserSummary},
        with_query, CurrentUser, Problem, Role,
    },
    server::{db::Db, AppState},
};

/// Where the admin pages live, and where their actions return.
pub const USERS_PAGE: &str = "/admin/users";

/// Why a request was turned away from a protected action.
pub enum Denied {
    /// Signed out: sign in first, then come back to this page.
    SignIn(&'static str),
    /// Signed in without the role: 403.
    Forbidden,
}

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        match self {
            Denied::SignIn(back) => see_other(&with_query("/signin", &[("next", back)])),
            Denied::Forbidden => (
                StatusCode::FORBIDDEN,
                "Bạn không có quyền làm việc này. / You may not do this.",
            )
                .into_response(),
        }
    }
}

/// The signed-in user if they hold one of `roles`, or why not. `back` is
/// the page to return to after signing in.
pub fn require_role(
    parts: &Parts,
    roles: &[Role],
    back: &'static str,
) -> Result<CurrentUser, Denied> {
    match identity_of(parts).user {
        Some(user) if roles.contains(&user.role) => Ok(user),
        Some(_) => Err(Denied::Forbidden),
        None => Err(Denied::SignIn(back)),
    }
}

/// The signed-in admin, or why not.
pub fn require_admin(parts: &Parts) -> Result<CurrentUser, Denied> {
    require_role(parts, &[Role::Admin], USERS_PAGE)
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    username: Option<String>,
    phone: Option<String>,
    display_name: String,
    role: String,
    unit_code: Option<String>,
    position: String,
}

impl From<UserRow> for UserSummary {
    fn from(row: UserRow) -> Self {
        let login = match (row.username, row.phone) {
            (Some(u), _) => u,
            (None, Some(p)) => phone::display(&p),
            (None, None) => String::new(),
        };
        UserSummary {
            id: row.id,
            display_name: row.display_name,
            login,
            role: Role::parse(&row.role).unwrap_or(Role::Learner),
            unit_code: row.unit_code.unwrap_or_default(),
            position: row.position,
        }
    }
}

/// Most users one page lists; the search narrows it down.
const LIST_LIMIT: i64 = 200;

/// Users matching `query` (name, username or phone; empty: everyone),
/// newest first.
pub async fn list_users(db: &Db, query: &str) -> anyhow::Result<Vec<UserSummary>> {
    let query = query.trim().to_lowercase();
    let pattern = format!("%{}%", query.replace('%', ""));
    let phone_pattern = format!("%{}%", phone::search_fragment(&query));
    let rows: Vec<UserRow> = sqlx::query_as(
        "SELECT u.id, u.username, u.phone, u.display_name, u.role, o.code AS unit_code, u.position \
         FROM users u LEFT JOIN org_units o ON o.id = u.unit_id \
         WHERE $1 = '' OR LOWER(u.display_name) LIKE $2 OR u.username LIKE $2 OR u.phone LIKE $3 \
         ORDER BY u.created_at DESC, u.id LIMIT $4",
    )
    .bind(&query)
    .bind(&pattern)
    .bind(&phone_pattern)
    .bind(LIST_LIMIT)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(UserSummary::from).collect())
}

async fn find_user(db: &Db, id: &str) -> anyhow::Result<Option<UserSummary>> {
    let row: Option<UserRow> =
        sqlx::query_as(
            "SELECT u.id, u.username, u.phone, u.display_name, u.role, o.code AS unit_code, u.position \
             FROM users u LEFT JOIN org_units o ON o.id = u.unit_id WHERE u.id = $1",
        )
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.map(UserSummary::from))
}

#[derive(Deserialize)]
pub struct RoleForm {
    user_id: String,
    role: String,
}

/// `POST /admin/users/role`
pub async fn change_role(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<RoleForm>,
) -> Response {
    let admin = match require_admin(&parts) {
        Ok(admin) => admin,
        Err(denied) => return denied.into_response(),
    };
    let Some(role) = Role::parse(&form.role) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "Unknown role.").into_response();
    };
    // The last word on admin rights must not lock its holder out by accident.
    if form.user_id == admin.id && role != Role::Admin {
        return see_other(&with_query(
            USERS_PAGE,
            &[("error", Problem::SelfDemote.code())],
        ));
    }
    let result = async {
        let Some(target) = find_user(&state.db, &form.user_id).await? else {
            return Ok(Err(Problem::NoSuchUser));
        };
        if target.role == role {
            return Ok(Ok(()));
        }
        let now = now();
        let mut tx = state.db.pool().begin().await?;
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.code())
            .bind(&target.id)
            .execute(&mut *tx)
            .await?;
        let detail = format!("{} -> {}", target.role.code(), role.code());
        audit::record(
            &mut tx,
            Some(&admin.id),
            Action::RoleChanged,
            &target.id,
            &detail,
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(admin = %admin.id, user = %target.id, %detail, "role changed");
        anyhow::Ok(Ok(()))
    };
    match result.await {
        Ok(Ok(())) => see_other(&with_query(USERS_PAGE, &[("done", "role")])),
        Ok(Err(problem)) => see_other(&with_query(USERS_PAGE, &[("error", problem.code())])),
        Err(err) => server_error(err),
    }
}

#[derive(Deserialize)]
pub struct ResetCodeForm {
    user_id: String,
}

/// `POST /admin/users/reset-code`: the answer is the users page showing the
/// new code once. It is never in a URL, a log line or the database (only
/// its hash is).
pub async fn issue_reset_code(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<ResetCodeForm>,
) -> Response {
    let admin = match require_admin(&parts) {
        Ok(admin) => admin,
        Err(denied) => return denied.into_response(),
    };
    let result = async {
        let Some(target) = find_user(&state.db, &form.user_id).await? else {
            return Ok(None);
        };
        let code = reset::new_code()?;
        let now = now();
        let mut tx = state.db.pool().begin().await?;
        reset::store(&mut tx, &target.id, &admin.id, &code, now).await?;
        audit::record(
            &mut tx,
            Some(&admin.id),
            Action::ResetCodeIssued,
            &target.id,
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(admin = %admin.id, user = %target.id, "reset code issued");
        anyhow::Ok(Some(IssuedCode {
            display_name: target.display_name,
            login: target.login,
            code,
        }))
    };
    match result.await {
        Ok(Some(issued)) => {
            render::page(&state, parts, USERS_PAGE, StatusCode::OK, move || {
                leptos::prelude::provide_context(issued.clone());
            })
            .await
        }
        Ok(None) => see_other(&with_query(
            USERS_PAGE,
            &[("error", Problem::NoSuchUser.code())],
        )),
        Err(err) => server_error(err),
    }
}
