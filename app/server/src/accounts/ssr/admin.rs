//! Admin actions on users: the list, role changes, reset codes. Every
//! handler checks the session and the role itself (deny by default), and
//! every change is written to the audit log with it, in one transaction.

use axum::{
    extract::State,
    http::{request::Parts, StatusCode},
    response::Response,
};
use serde::Deserialize;

use super::{
    audit::{self, Action},
    phone, reset,
};
use crate::{
    accounts::{IssuedCode, Problem, Role, UserSummary},
    clock::now,
    policy,
    server::{db::Db, AppState},
    web::{self, see_other, with_query, AppError, Form, RequireRole},
};

/// Where the admin pages live, and where their actions return.
pub const USERS_PAGE: &str = "/admin/users";

policy!(
    /// Admins, on the users page.
    UsersAdmin: ADMINS back USERS_PAGE
);

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
    let query = crate::text::cut_query(query.trim()).to_lowercase();
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
    .fetch_all(db.reads())
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
            .fetch_optional(db.reads())
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
    RequireRole { user: admin, .. }: RequireRole<UsersAdmin>,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    let role = Role::parse(&form.role).ok_or(AppError::BadRequest("unknown role"))?;
    // The last word on admin rights must not lock its holder out by accident.
    if form.user_id == admin.id && role != Role::Admin {
        return Err(AppError::form(USERS_PAGE, Problem::SelfDemote.code(), &[]));
    }
    let Some(target) = find_user(&state.db, &form.user_id).await? else {
        return Err(AppError::form(USERS_PAGE, Problem::NoSuchUser.code(), &[]));
    };
    if target.role != role {
        let now = now();
        let mut tx = state.db.begin_write().await?;
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
    }
    Ok(see_other(&with_query(USERS_PAGE, &[("done", "role")])))
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
    RequireRole { user: admin, .. }: RequireRole<UsersAdmin>,
    parts: Parts,
    Form(form): Form<ResetCodeForm>,
) -> Result<Response, AppError> {
    let Some(target) = find_user(&state.db, &form.user_id).await? else {
        return Err(AppError::form(USERS_PAGE, Problem::NoSuchUser.code(), &[]));
    };
    let code = reset::new_code()?;
    let now = now();
    let mut tx = state.db.begin_write().await?;
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
    let issued = IssuedCode {
        display_name: target.display_name,
        login: target.login,
        code,
    };
    Ok(
        web::page(&state, parts, USERS_PAGE, StatusCode::OK, move || {
            leptos::prelude::provide_context(issued.clone());
        })
        .await,
    )
}
