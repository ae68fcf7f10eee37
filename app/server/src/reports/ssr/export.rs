//! Two exports of the same rows (one per person per required course of the
//! unit's subtree, with the report's filters), both UTF-8 with a BOM, which
//! is what makes Excel read Vietnamese correctly:
//!
//! - `GET /reports/table.csv`, for people: headers and statuses in the
//!   reader's language, dates as dd/mm/yyyy, phones as people write them.
//! - `GET /reports/export.csv`, for other systems ("data for other
//!   software"): column names stable (English, snake case), codes, ISO dates
//!   and `+84…` phones, so scripts can rely on them.

use anyhow::Context;
use axum::{
    extract::{Query, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{person_line, Filters, Gathered, Names, ReportPage, View};
use crate::{
    assignments::Status,
    server::AppState,
    ui::day_month_year,
    web::{AppError, RequireRole},
};

pub const COLUMNS: [&str; 10] = [
    "unit_code",
    "unit_name",
    "full_name",
    "login",
    "position",
    "course",
    "course_title",
    "due_on",
    "status",
    "completed_on",
];

/// A cell Excel will not run as a formula: names come from people, and a
/// name like `=HYPERLINK(…)` must stay text (OWASP's "CSV injection").
/// Plain numbers such as `+84912345678` are left alone.
fn inert(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
        && !cell[1..].bytes().all(|b| b.is_ascii_digit());
    if risky {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    course: String,
    #[serde(default)]
    status: String,
    /// A skills-framework group: only courses teaching it.
    #[serde(default)]
    group: String,
}

/// Who reads the file: people (a spreadsheet) or other software.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    People(crate::ui::i18n::Lang),
    Software,
}

/// `GET /reports/export.csv`: the export for other software.
pub async fn export_csv(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<ReportPage>,
    query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|_| AppError::BadRequest("query"))?;
    export(state, user, query, Reader::Software).await
}

/// `GET /reports/table.csv`: the export for people.
pub async fn table_csv(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<ReportPage>,
    parts: axum::http::request::Parts,
    query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|_| AppError::BadRequest("query"))?;
    let lang = crate::ui::ReaderPrefs::of(&parts).lang;
    export(state, user, query, Reader::People(lang)).await
}

/// A login as people write it: a phone in groups (`0912 345 678`, which a
/// spreadsheet also keeps as text, leading 0 included), a username as it is.
fn login_for_people(login: &str) -> String {
    crate::accounts::ssr::phone::display(login)
}

async fn export(
    state: AppState,
    user: crate::accounts::CurrentUser,
    query: ExportQuery,
    reader: Reader,
) -> Result<Response, AppError> {
    let catalog = state.content.catalog();
    let view = View::resolve(&state.db, &user, &query.unit)
        .await?
        .ok_or(AppError::NotFound)?;
    let gathered = Gathered::load(&state.db, &view, Names::All).await?;
    let filters = Filters::new(&query.course, Status::parse(query.status.trim()))
        .in_group(&query.group, &catalog);
    let mut entries = gathered.entries(&filters);
    // Units in tree order, people by name within a unit.
    let order: std::collections::HashMap<&str, usize> = view
        .tree
        .walk(view.tree.children(None))
        .into_iter()
        .enumerate()
        .map(|(i, (_, u))| (u.id.as_str(), i))
        .collect();
    entries.sort_by(|a, b| {
        (
            order.get(a.person.unit_id.as_str()),
            &a.person.display_name,
            &a.duty.course,
        )
            .cmp(&(
                order.get(b.person.unit_id.as_str()),
                &b.person.display_name,
                &b.duty.course,
            ))
    });
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let written: anyhow::Result<()> = (|| {
        let mut writer = csv::Writer::from_writer(&mut out);
        if let Reader::People(lang) = reader {
            let ot = crate::ui::officials_texts::OfficialsTexts::of(lang);
            writer.write_record([
                ot.csv_unit_code,
                ot.unit,
                ot.full_name,
                ot.csv_login,
                ot.csv_position,
                ot.course,
                ot.due_on,
                ot.status,
                ot.csv_completed_on,
            ])?;
            for entry in &entries {
                let unit = view.tree.get(&entry.person.unit_id);
                let line = person_line(&catalog, entry);
                writer.write_record(
                    [
                        unit.map_or("", |u| u.code.as_str()),
                        unit.map_or("", |u| u.name.as_str()),
                        &line.name,
                        &login_for_people(&line.login),
                        &line.position,
                        &line.course_title,
                        &day_month_year(&line.due_on),
                        crate::assignments::pages::status_name(ot, line.status),
                        &day_month_year(&line.completed_on),
                    ]
                    .map(inert),
                )?;
            }
            writer.flush()?;
            return Ok(());
        }
        writer.write_record(COLUMNS)?;
        for entry in &entries {
            let unit = view.tree.get(&entry.person.unit_id);
            let line = person_line(&catalog, entry);
            writer.write_record(
                [
                    unit.map_or("", |u| u.code.as_str()),
                    unit.map_or("", |u| u.name.as_str()),
                    &line.name,
                    &line.login,
                    &line.position,
                    &line.course,
                    &line.course_title,
                    &line.due_on,
                    line.status.code(),
                    &line.completed_on,
                ]
                .map(inert),
            )?;
        }
        writer.flush()?;
        Ok(())
    })();
    written.context("writing the CSV")?;
    let name = view
        .unit
        .as_ref()
        .map_or("all".to_string(), |u| u.code.clone());
    let disposition = format!(
        "attachment; filename=\"hocvu-{}{}-{}.csv\"",
        match reader {
            Reader::People(_) => "",
            Reader::Software => "du-lieu-",
        },
        name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
        crate::clock::today()
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn formulas_stay_text_and_phones_stay_numbers() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("+84912345678"), "+84912345678");
        assert_eq!(inert("Nguyễn Thị Hương"), "Nguyễn Thị Hương");
        assert_eq!(inert(""), "");
    }
}
