//! Creating, renaming and moving units, one by one or from a CSV file
//! (`code,name,parent_code`). Both go through the same plan, so a form and
//! a file obey the same rules; a file is written all or nothing.

use std::collections::HashMap;

use anyhow::Context;
use axum::{
    extract::{Request, State},
    response::Response,
};
use serde::Deserialize;

use super::{
    preview_page,
    tree::{compute_paths, Scope, Tree, Unit},
    upload, Refused, UnitsAdmin,
};
use crate::{
    accounts::{
        ssr::audit::{self, Action},
        Role,
    },
    clock::now,
    orgs::{ImportKind, ImportPreview, PreviewRow, RowProblem, UnitLine, UnitProblem},
    server::{db::Db, AppState},
    web::{see_other, user_with_role, with_query, AppError, Form, RequireRole},
};

pub const UNITS_PAGE: &str = "/admin/units";

/// A unit code: trimmed, upper case, 1 to 32 of `A-Z 0-9 . _ -`.
pub fn parse_code(input: &str) -> Option<String> {
    let code = input.trim().to_uppercase();
    let ok = (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(code)
}

/// A unit name: 1 to 160 characters, inner spaces collapsed.
fn parse_name(input: &str) -> Option<String> {
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
    (1..=160).contains(&name.chars().count()).then_some(name)
}

/// One unit as a form or a file row gives it.
struct Wanted {
    line: u64,
    code: String,
    name: String,
    parent_code: String,
}

/// What writing `wanted` would do: every row checked, and the whole tree
/// as it would be afterwards.
struct Plan {
    rows: Vec<PreviewRow>,
    after: Vec<Unit>,
}

impl Plan {
    fn ok(&self) -> bool {
        self.rows.iter().all(|r| r.problem.is_none())
    }
}

fn plan(tree: &Tree, wanted: &[Wanted]) -> Plan {
    let mut rows = Vec::with_capacity(wanted.len());
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut accepted: Vec<(String, String, String)> = Vec::new();
    for w in wanted {
        let cells = vec![w.code.clone(), w.name.clone(), w.parent_code.clone()];
        let code = parse_code(&w.code);
        let name = parse_name(&w.name);
        let problem = match (&code, &name) {
            (None, _) => Some(RowProblem::BadCode),
            (_, None) => Some(RowProblem::MissingName),
            (Some(code), Some(_)) => first_line.get(code).map(|&l| RowProblem::Repeated(l)),
        };
        if let (Some(code), Some(name), None) = (&code, name, &problem) {
            first_line.insert(code.clone(), w.line);
            accepted.push((code.clone(), name, w.parent_code.trim().to_uppercase()));
        }
        rows.push(PreviewRow {
            line: w.line,
            is_new: code.as_ref().is_some_and(|c| tree.by_code(c).is_none()),
            cells,
            problem,
        });
    }

    // The tree afterwards: existing units, changed or not, then new ones.
    let mut after: Vec<Unit> = tree
        .walk(tree.children(None))
        .into_iter()
        .map(|(_, u)| u.clone())
        .collect();
    let mut index: HashMap<String, usize> = after
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.clone(), i))
        .collect();
    for (code, name, _) in &accepted {
        match index.get(code) {
            Some(&i) => after[i].name = name.clone(),
            None => {
                index.insert(code.clone(), after.len());
                after.push(Unit {
                    id: uuid::Uuid::new_v4().to_string(),
                    code: code.clone(),
                    name: name.clone(),
                    parent_id: None,
                    path: String::new(),
                });
            }
        }
    }
    for (code, _, parent_code) in &accepted {
        let parent = if parent_code.is_empty() {
            Ok(None)
        } else {
            index
                .get(parent_code)
                .map(|&p| Some(after[p].id.clone()))
                .ok_or(RowProblem::UnknownParent(parent_code.clone()))
        };
        match parent {
            Ok(parent) => after[index[code]].parent_id = parent,
            Err(problem) => set_problem(&mut rows, &first_line, code, problem),
        }
    }
    if let Err(code) = compute_paths(&mut after) {
        set_problem(&mut rows, &first_line, &code, RowProblem::Cycle);
        // A cycle through existing units only: blame every row that moved one.
        if !first_line.contains_key(&code) {
            for (c, _, _) in &accepted {
                set_problem(&mut rows, &first_line, c, RowProblem::Cycle);
            }
        }
    }
    Plan { rows, after }
}

fn set_problem(rows: &mut [PreviewRow], lines: &HashMap<String, u64>, code: &str, p: RowProblem) {
    if let Some(&line) = lines.get(code) {
        if let Some(row) = rows
            .iter_mut()
            .find(|r| r.line == line && r.problem.is_none())
        {
            row.problem = Some(p);
        }
    }
}

/// Writes the planned tree: new units parents first, then every changed one.
async fn write(
    db: &Db,
    tree: &Tree,
    plan: &Plan,
    actor: &str,
    detail: &str,
) -> anyhow::Result<usize> {
    let now = now();
    let mut new: Vec<&Unit> = plan
        .after
        .iter()
        .filter(|u| tree.get(&u.id).is_none())
        .collect();
    new.sort_by_key(|u| u.path.matches('/').count());
    let changed: Vec<&Unit> = plan
        .after
        .iter()
        .filter(|u| {
            tree.get(&u.id).is_some_and(|old| {
                old.name != u.name || old.parent_id != u.parent_id || old.path != u.path
            })
        })
        .collect();
    let mut tx = db.begin_write().await?;
    for unit in &new {
        sqlx::query(
            "INSERT INTO org_units (id, code, name, parent_id, path, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&unit.id)
        .bind(&unit.code)
        .bind(&unit.name)
        .bind(&unit.parent_id)
        .bind(&unit.path)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("adding a unit")?;
    }
    for unit in &changed {
        sqlx::query("UPDATE org_units SET name = $1, parent_id = $2, path = $3 WHERE id = $4")
            .bind(&unit.name)
            .bind(&unit.parent_id)
            .bind(&unit.path)
            .bind(&unit.id)
            .execute(&mut *tx)
            .await
            .context("changing a unit")?;
    }
    let count = new.len() + changed.len();
    audit::record(
        &mut tx,
        Some(actor),
        Action::UnitsChanged,
        "org_units",
        &format!("{detail}: {} new, {} changed", new.len(), changed.len()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(count)
}

#[derive(Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent_code: String,
}

/// `POST /admin/units`: add a unit, or rename/move the one with this code.
pub async fn save_unit(
    State(state): State<AppState>,
    RequireRole { user: admin, .. }: RequireRole<UnitsAdmin>,
    Form(form): Form<UnitForm>,
) -> Result<Response, AppError> {
    let tree = Tree::load(state.db.reads()).await?;
    let wanted = [Wanted {
        line: 1,
        code: form.code.clone(),
        name: form.name.clone(),
        parent_code: form.parent_code.clone(),
    }];
    let plan = plan(&tree, &wanted);
    if let Some(problem) = &plan.rows[0].problem {
        let keep = [
            ("code", form.code.as_str()),
            ("name", form.name.as_str()),
            ("parent_code", form.parent_code.as_str()),
        ];
        return Err(AppError::form(UNITS_PAGE, problem_code(problem), &keep));
    }
    write(&state.db, &tree, &plan, &admin.id, "saved").await?;
    Ok(see_other(&with_query(UNITS_PAGE, &[("done", "saved")])))
}

/// The `?error=` code of a problem with the single-unit form.
fn problem_code(problem: &RowProblem) -> &'static str {
    match problem {
        RowProblem::BadCode => UnitProblem::Code.code(),
        RowProblem::MissingName => UnitProblem::Name.code(),
        RowProblem::UnknownParent(_) => UnitProblem::Parent.code(),
        RowProblem::Cycle => UnitProblem::Cycle.code(),
        _ => "form",
    }
}

/// `POST /admin/units/import`: a CSV file of units, dry run or commit.
pub async fn import_units(
    State(state): State<AppState>,
    RequireRole { user: admin, .. }: RequireRole<UnitsAdmin>,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let upload = upload::read(Request::from_parts(parts.clone(), body)).await;
    let failed = |p| ImportPreview::failed(ImportKind::Units, p);
    let planned = async {
        let upload = upload.map_err(failed)?;
        let table = upload::parse(&upload.csv).map_err(failed)?;
        let code = table
            .required(&["code", "ma", "mã", "ma_don_vi", "mã đơn vị"])
            .map_err(failed)?;
        let name = table
            .required(&["name", "ten", "tên", "ten_don_vi", "tên đơn vị"])
            .map_err(failed)?;
        let parent = table.column(&[
            "parent_code",
            "parent",
            "ma_cap_tren",
            "mã cấp trên",
            "don_vi_cap_tren",
        ]);
        let wanted: Vec<Wanted> = table
            .rows
            .iter()
            .map(|r| Wanted {
                line: r.line,
                code: r.cell(Some(code)).to_string(),
                name: r.cell(Some(name)).to_string(),
                parent_code: r.cell(parent).to_string(),
            })
            .collect();
        let tree = Tree::load(state.db.reads()).await?;
        let plan = plan(&tree, &wanted);
        if !upload.commit || !plan.ok() {
            return Err(Refused::Preview(ImportPreview {
                kind: ImportKind::Units,
                refused: upload.commit,
                checked_csv: (plan.ok() && !upload.commit)
                    .then(|| String::from_utf8(upload.csv.clone()).ok())
                    .flatten(),
                file_problem: None,
                rows: plan.rows,
            }));
        }
        Ok((tree, plan))
    };
    let (tree, plan) = match planned.await {
        Ok(ok) => ok,
        Err(Refused::Preview(preview)) => {
            return Ok(preview_page(&state, parts, UNITS_PAGE, preview).await)
        }
        Err(Refused::Failed(err)) => return Err(err.into()),
    };
    let count = write(&state.db, &tree, &plan, &admin.id, "imported").await?;
    Ok(see_other(&with_query(
        UNITS_PAGE,
        &[("done", "imported"), ("count", &count.to_string())],
    )))
}

/// Every unit the caller may see, with how many people sit in each.
pub async fn lines_in_scope() -> Result<Vec<UnitLine>, AppError> {
    let user = user_with_role(Role::MANAGERS)?;
    let db = crate::web::request_db()?;
    let lines = async {
        let tree = Tree::load(db.reads()).await?;
        let scope = Scope::of(&db, &user, &tree).await?;
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT unit_id, COUNT(*) FROM users WHERE unit_id IS NOT NULL GROUP BY unit_id",
        )
        .fetch_all(db.reads())
        .await?;
        let counts: HashMap<String, i64> = counts.into_iter().collect();
        anyhow::Ok(
            scope
                .units(&tree)
                .into_iter()
                .map(|(depth, u)| UnitLine {
                    code: u.code.clone(),
                    name: u.name.clone(),
                    parent_code: u
                        .parent_id
                        .as_deref()
                        .and_then(|p| tree.get(p))
                        .map(|p| p.code.clone())
                        .unwrap_or_default(),
                    depth,
                    people: counts.get(&u.id).copied().unwrap_or(0),
                })
                .collect(),
        )
    };
    Ok(lines.await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(line: u64, code: &str, name: &str, parent: &str) -> Wanted {
        Wanted {
            line,
            code: code.into(),
            name: name.into(),
            parent_code: parent.into(),
        }
    }

    #[test]
    fn a_file_plans_children_before_parents_and_flags_each_bad_row() {
        let tree = Tree::default();
        let plan = plan(
            &tree,
            &[
                wanted(2, "xa-01", "Xã Một", "huyen"),
                wanted(3, "HUYEN", "Huyện", ""),
                wanted(4, "XA-01", "Again", "HUYEN"),
                wanted(5, "X 2", "Bad code", ""),
                wanted(6, "X3", "", ""),
                wanted(7, "X4", "Orphan", "NOPE"),
            ],
        );
        let problems: Vec<_> = plan.rows.iter().map(|r| r.problem.clone()).collect();
        assert_eq!(
            problems,
            [
                None,
                None,
                Some(RowProblem::Repeated(2)),
                Some(RowProblem::BadCode),
                Some(RowProblem::MissingName),
                Some(RowProblem::UnknownParent("NOPE".into())),
            ]
        );
        let xa = plan.after.iter().find(|u| u.code == "XA-01").unwrap();
        let huyen = plan.after.iter().find(|u| u.code == "HUYEN").unwrap();
        assert_eq!(xa.path, format!("/{}/{}/", huyen.id, xa.id));
    }

    #[test]
    fn moving_a_unit_under_its_own_child_is_a_cycle() {
        let mut units = vec![
            Unit {
                id: "a".into(),
                code: "A".into(),
                name: "A".into(),
                parent_id: None,
                path: String::new(),
            },
            Unit {
                id: "b".into(),
                code: "B".into(),
                name: "B".into(),
                parent_id: Some("a".into()),
                path: String::new(),
            },
        ];
        compute_paths(&mut units).unwrap();
        let tree = Tree::from_units(units);
        let plan = plan(&tree, &[wanted(1, "A", "A", "B")]);
        assert_eq!(plan.rows[0].problem, Some(RowProblem::Cycle));
    }
}
