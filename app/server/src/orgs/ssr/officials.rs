//! Officials: bulk import from CSV (dry run first, then all or nothing),
//! one-time set-password codes printed per unit, and placing a person in a
//! unit and position.
//!
//! Imported accounts get no password: the set-password code is the only
//! way in, so nobody ever handles an official's password but the official.
//! No argon2 hashing happens at import (codes are SHA-256'd like reset
//! codes), which keeps a 20,000-row import to seconds.

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use axum::{
    extract::{Request, State},
    http::request::Parts,
    response::Response,
};
use serde::Deserialize;

use super::{
    preview_page, sheets_page,
    tree::{Tree, Unit},
    units::parse_code,
    upload, OfficialsAdmin, Refused,
};
use crate::{
    accounts::{
        ssr::{
            admin::{UsersAdmin, USERS_PAGE},
            audit::{self, Action},
            phone, reset,
            users::{parse_display_name, Login},
        },
        Problem,
    },
    clock::now,
    orgs::{CodeSheet, ImportKind, ImportPreview, PreviewRow, RowProblem, SheetPerson},
    server::{
        db::{insert_many, placeholders, Db, Value, BIND_BATCH},
        AppState,
    },
    text::fold,
    web::{see_other, with_query, AppError, Form, RequireRole},
};

pub const OFFICIALS_PAGE: &str = "/admin/officials";

/// Longest position title kept.
const POSITION_MAX: usize = 120;

/// A row that passed every check.
struct Official {
    name: String,
    login: Login,
    unit: Unit,
    position: String,
}

/// The login as people type it at sign-in, and as sheets and exports show it.
pub fn login_text(username: Option<&str>, phone_number: Option<&str>) -> String {
    match (username, phone_number) {
        (Some(u), _) => u.to_string(),
        (None, Some(p)) => p.to_string(),
        (None, None) => String::new(),
    }
}

fn login_key(login: &Login) -> String {
    match login {
        Login::Phone(p) => p.clone(),
        Login::Username(u) => u.clone(),
    }
}

/// Phones and usernames among `logins` that already belong to someone.
async fn taken_logins(db: &Db, logins: &[&Login]) -> anyhow::Result<HashSet<String>> {
    let mut taken = HashSet::new();
    for (column, wanted) in [
        (
            "phone",
            logins
                .iter()
                .filter_map(|l| match l {
                    Login::Phone(p) => Some(p.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        (
            "username",
            logins
                .iter()
                .filter_map(|l| match l {
                    Login::Username(u) => Some(u.clone()),
                    _ => None,
                })
                .collect(),
        ),
    ] {
        for chunk in wanted.chunks(BIND_BATCH) {
            let sql = format!(
                "SELECT {column} FROM users WHERE {column} IN ({})",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_scalar::<_, String>(&sql);
            for value in chunk {
                query = query.bind(value);
            }
            taken.extend(
                query
                    .fetch_all(db.reads())
                    .await
                    .context("checking logins")?,
            );
        }
    }
    Ok(taken)
}

/// Every row checked, and the officials of the good ones.
struct Checked {
    rows: Vec<PreviewRow>,
    officials: Vec<Official>,
}

impl Checked {
    fn ok(&self) -> bool {
        self.rows.iter().all(|r| r.problem.is_none())
    }
}

/// Checks every row of the file.
async fn check(
    db: &Db,
    tree: &Tree,
    table: &upload::Table,
) -> anyhow::Result<Result<Checked, upload::FileProblem>> {
    let name_col = table.required(&["full_name", "ho_ten", "họ và tên", "họ tên", "name"]);
    let login_col = table.required(&[
        "login",
        "phone",
        "username",
        "so_dien_thoai",
        "số điện thoại",
        "điện thoại",
        "tên đăng nhập",
        "tai_khoan",
    ]);
    let unit_col = table.required(&["unit_code", "unit", "ma_don_vi", "mã đơn vị", "đơn vị"]);
    let (name_col, login_col, unit_col) = match (name_col, login_col, unit_col) {
        (Ok(n), Ok(l), Ok(u)) => (n, l, u),
        (Err(p), _, _) | (_, Err(p), _) | (_, _, Err(p)) => return Ok(Err(p)),
    };
    let position_col = table.column(&["position", "chuc_vu", "chức vụ", "chức danh"]);

    let mut rows = Vec::with_capacity(table.rows.len());
    let mut good: Vec<(usize, Official)> = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let cells = vec![
            row.cell(Some(name_col)).to_string(),
            row.cell(Some(login_col)).to_string(),
            row.cell(Some(unit_col)).to_string(),
            row.cell(position_col).to_string(),
        ];
        let checked = (|| {
            let name = parse_display_name(&cells[0]).map_err(|_| RowProblem::MissingName)?;
            let login = Login::parse(&cells[1]).map_err(|p| match p {
                Problem::PhoneInvalid => RowProblem::BadPhone,
                _ => RowProblem::BadLogin,
            })?;
            if let Some(&line) = first_line.get(&login_key(&login)) {
                return Err(RowProblem::Repeated(line));
            }
            let unit = parse_code(&cells[2])
                .and_then(|code| tree.by_code(&code))
                .ok_or_else(|| RowProblem::UnknownUnit(cells[2].clone()))?;
            let position = cells[3].split_whitespace().collect::<Vec<_>>().join(" ");
            if position.chars().count() > POSITION_MAX {
                return Err(RowProblem::PositionTooLong);
            }
            Ok(Official {
                name,
                login,
                unit: unit.clone(),
                position,
            })
        })();
        let problem = match checked {
            Ok(official) => {
                first_line.insert(login_key(&official.login), row.line);
                good.push((rows.len(), official));
                None
            }
            Err(problem) => Some(problem),
        };
        rows.push(PreviewRow {
            line: row.line,
            cells,
            problem,
            is_new: true,
        });
    }
    let logins: Vec<&Login> = good.iter().map(|(_, o)| &o.login).collect();
    let taken = taken_logins(db, &logins).await?;
    for (i, official) in &good {
        if taken.contains(&login_key(&official.login)) {
            rows[*i].problem = Some(RowProblem::Taken);
        }
    }
    Ok(Ok(Checked {
        rows,
        officials: good.into_iter().map(|(_, o)| o).collect(),
    }))
}

/// Writes every official and a code for each, in one transaction; returns
/// the code sheets, one per unit in tree order.
async fn write(
    db: &Db,
    tree: &Tree,
    officials: Vec<Official>,
    admin: &str,
) -> anyhow::Result<Vec<CodeSheet>> {
    let now = now();
    let mut users = Vec::with_capacity(officials.len());
    let mut codes = Vec::with_capacity(officials.len());
    let mut issued: Vec<(Unit, String, String, String)> = Vec::with_capacity(officials.len());
    for official in officials {
        let id = uuid::Uuid::new_v4().to_string();
        let (username, phone_number) = match &official.login {
            Login::Phone(p) => (None, Some(p.clone())),
            Login::Username(u) => (Some(u.clone()), None),
        };
        let code = reset::new_code()?;
        codes.push(vec![
            Value::Text(Some(uuid::Uuid::new_v4().to_string())),
            Value::Text(Some(id.clone())),
            Value::Text(Some(reset::hash(&code))),
            Value::Text(Some(admin.to_string())),
            Value::Int(now),
            Value::Int(now + reset::ONBOARDING_LIFETIME),
        ]);
        issued.push((
            official.unit.clone(),
            official.name.clone(),
            login_text(username.as_deref(), phone_number.as_deref()),
            code,
        ));
        users.push(vec![
            Value::Text(Some(id)),
            Value::Text(username),
            Value::Text(phone_number),
            Value::Text(Some(official.name)),
            // No password until the official sets one with their code.
            Value::Text(Some(String::new())),
            Value::Text(Some(crate::accounts::Role::Learner.code().to_string())),
            Value::Int(now),
            Value::Text(Some(official.unit.id)),
            Value::Text(Some(official.position)),
        ]);
    }
    let count = users.len();
    let mut tx = db.begin_write().await?;
    insert_many(
        &mut tx,
        "users (id, username, phone, display_name, password_hash, role, created_at, unit_id, position)",
        users,
    )
    .await?;
    insert_many(
        &mut tx,
        "password_resets (id, user_id, code_hash, issued_by, created_at, expires_at)",
        codes,
    )
    .await?;
    audit::record(
        &mut tx,
        Some(admin),
        Action::OfficialsImported,
        "users",
        &format!("{count} officials"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(sheets(tree, issued))
}

/// Groups issued codes into one sheet per unit, in tree order, people by name.
fn sheets(tree: &Tree, issued: Vec<(Unit, String, String, String)>) -> Vec<CodeSheet> {
    let mut by_unit: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
    for (unit, name, login, code) in issued {
        by_unit
            .entry(unit.id)
            .or_default()
            .push((name, login, code));
    }
    tree.walk(tree.children(None))
        .into_iter()
        .filter_map(|(_, unit)| {
            let mut people = by_unit.remove(&unit.id)?;
            people.sort_by_cached_key(|p| fold(&p.0));
            Some(CodeSheet {
                unit_code: unit.code.clone(),
                unit_name: unit.name.clone(),
                people: people
                    .into_iter()
                    .map(|(full_name, login, code)| SheetPerson {
                        login_shown: phone::display(&login),
                        full_name,
                        login,
                        code,
                    })
                    .collect(),
            })
        })
        .collect()
}

/// `POST /admin/officials/import`
pub async fn import_officials(
    State(state): State<AppState>,
    RequireRole { user: admin, .. }: RequireRole<OfficialsAdmin>,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let upload = upload::read(Request::from_parts(parts.clone(), body)).await;
    let failed = |p| ImportPreview::failed(ImportKind::Officials, p);
    let checked = async {
        let upload = upload.map_err(failed)?;
        let table = upload::parse(&upload.csv).map_err(failed)?;
        let tree = Tree::load(state.db.reads()).await?;
        let checked = check(&state.db, &tree, &table).await?.map_err(failed)?;
        if !upload.commit || !checked.ok() {
            return Err(Refused::Preview(ImportPreview {
                kind: ImportKind::Officials,
                refused: upload.commit,
                checked_csv: (checked.ok() && !upload.commit)
                    .then(|| String::from_utf8(upload.csv.clone()).ok())
                    .flatten(),
                file_problem: None,
                rows: checked.rows,
            }));
        }
        Ok((tree, checked.officials))
    };
    let (tree, officials) = match checked.await {
        Ok(ok) => ok,
        Err(Refused::Preview(preview)) => {
            return Ok(preview_page(&state, parts, OFFICIALS_PAGE, preview).await)
        }
        Err(Refused::Failed(err)) => return Err(err.into()),
    };
    let sheets = write(&state.db, &tree, officials, &admin.id).await?;
    tracing::info!(admin = %admin.id, units = sheets.len(), "officials imported");
    Ok(sheets_page(&state, parts, sheets).await)
}

#[derive(Deserialize)]
pub struct CodesForm {
    #[serde(default)]
    unit_code: String,
}

/// `POST /admin/officials/codes`: fresh codes for everyone in a unit's
/// subtree who has not set a password yet (their old codes stop working).
pub async fn issue_unit_codes(
    State(state): State<AppState>,
    RequireRole { user: admin, .. }: RequireRole<OfficialsAdmin>,
    parts: Parts,
    Form(form): Form<CodesForm>,
) -> Result<Response, AppError> {
    let tree = Tree::load(state.db.reads()).await?;
    let Some(root) = parse_code(&form.unit_code)
        .and_then(|c| tree.by_code(&c))
        .cloned()
    else {
        return Err(AppError::form(OFFICIALS_PAGE, "unit", &[]));
    };
    #[derive(sqlx::FromRow)]
    struct Waiting {
        id: String,
        display_name: String,
        username: Option<String>,
        phone: Option<String>,
        unit_id: String,
    }
    let waiting: Vec<Waiting> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.username, u.phone, u.unit_id FROM users u \
         JOIN org_units o ON o.id = u.unit_id \
         WHERE o.path LIKE $1 AND u.password_hash = ''",
    )
    .bind(format!("{}%", root.path))
    .fetch_all(state.db.reads())
    .await?;
    let now = now();
    let mut issued = Vec::with_capacity(waiting.len());
    let mut tx = state.db.begin_write().await?;
    for person in waiting {
        let code = reset::new_code()?;
        reset::store_for(
            &mut tx,
            &person.id,
            &admin.id,
            &code,
            now,
            reset::ONBOARDING_LIFETIME,
        )
        .await?;
        let Some(unit) = tree.get(&person.unit_id) else {
            continue;
        };
        issued.push((
            unit.clone(),
            person.display_name,
            login_text(person.username.as_deref(), person.phone.as_deref()),
            code,
        ));
    }
    audit::record(
        &mut tx,
        Some(&admin.id),
        Action::OnboardingCodesIssued,
        &root.code,
        &format!("{} codes", issued.len()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(sheets_page(&state, parts, sheets(&tree, issued)).await)
}

#[derive(Deserialize)]
pub struct PlaceForm {
    user_id: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    position: String,
}

/// `POST /admin/users/unit`: moves a person to a unit (or out of every
/// unit) and sets their position. Their assignments follow from the new
/// place at once; their progress and certificates stay theirs.
pub async fn place_user(
    State(state): State<AppState>,
    RequireRole { user: admin, .. }: RequireRole<UsersAdmin>,
    Form(form): Form<PlaceForm>,
) -> Result<Response, AppError> {
    let refused = |code: &str| AppError::form(USERS_PAGE, code, &[]);
    let position = form
        .position
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if position.chars().count() > POSITION_MAX {
        return Err(refused("position"));
    }
    let tree = Tree::load(state.db.reads()).await?;
    let unit = if form.unit_code.trim().is_empty() {
        None
    } else {
        let found = parse_code(&form.unit_code).and_then(|c| tree.by_code(&c));
        Some(found.cloned().ok_or_else(|| refused("unit"))?)
    };
    let now = now();
    let mut tx = state.db.begin_write().await?;
    let changed = sqlx::query("UPDATE users SET unit_id = $1, position = $2 WHERE id = $3")
        .bind(unit.as_ref().map(|u| u.id.clone()))
        .bind(&position)
        .bind(&form.user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(refused(Problem::NoSuchUser.code()));
    }
    let detail = format!(
        "unit {} position {position}",
        unit.as_ref().map_or("-", |u| u.code.as_str())
    );
    audit::record(
        &mut tx,
        Some(&admin.id),
        Action::UserPlaced,
        &form.user_id,
        &detail,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&with_query(USERS_PAGE, &[("done", "unit")])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_show_as_typed_at_sign_in() {
        assert_eq!(login_text(Some("lan.anh"), None), "lan.anh");
        assert_eq!(login_text(None, Some("+84912345678")), "+84912345678");
    }
}
