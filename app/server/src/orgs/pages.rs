//! `/admin/units` (the tree, one unit's form, the units CSV import) and
//! `/admin/officials` (the officials CSV import and code sheets). Plain
//! forms; the file inputs work without JavaScript.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    units_in_scope, CodeSheet, FileProblem, ImportKind, ImportPreview, IssuedSheets, RowProblem,
    SheetPerson, UnitLine, UnitProblem,
};
use crate::{
    accounts::Role,
    ui::gates::RoleGate,
    ui::officials_texts::{ot, OfficialsTexts},
};

/// `/admin/units`
#[component]
pub fn UnitsPage() -> impl IntoView {
    view! { <RoleGate roles=Role::ADMINS><UnitsAdmin/></RoleGate> }
}

#[component]
fn UnitsAdmin() -> impl IntoView {
    let ot = ot();
    let query = use_query_map().get_untracked();
    let get = |k: &str| query.get(k).unwrap_or_default();
    let done = match get("done").as_str() {
        "saved" => Some(ot.unit_saved.to_string()),
        "imported" => Some((ot.units_imported)(&get("count"))),
        _ => None,
    };
    let error = match get("error").as_str() {
        "" => None,
        code => Some(match UnitProblem::parse(code) {
            Some(UnitProblem::Code) => ot.err_code,
            Some(UnitProblem::Name) => ot.err_name,
            Some(UnitProblem::Parent) => ot.err_parent,
            Some(UnitProblem::Cycle) => ot.err_cycle,
            None => ot.err_form,
        }),
    };
    let preview = use_context::<ImportPreview>();
    let units = Resource::new(|| (), |_| units_in_scope());
    view! {
        <Title text=ot.units_title/>
        <h1>{ot.units_title}</h1>
        <crate::ui::tabs::AdminTabs/>
        {done.map(|d| view! { <p class="notice" role="status">{d}</p> })}
        {error.map(|e| view! { <p class="error form-error" role="alert">{e}</p> })}
        {preview.map(|p| view! { <PreviewView preview=p/> })}
        <section class="panel">
            <h2>{ot.unit_form_title}</h2>
            <form method="post" action="/admin/units" class="stacked-form">
                <p class="field"><label for="code">{ot.unit_code}</label>
                    <input id="code" name="code" required maxlength="32" value=get("code")/></p>
                <p class="field"><label for="name">{ot.unit_name}</label>
                    <input id="name" name="name" required maxlength="160" value=get("name")/></p>
                <p class="field"><label for="parent_code">{ot.unit_parent}</label>
                    <input id="parent_code" name="parent_code" maxlength="32" value=get("parent_code")/>
                    <small class="hint">{ot.unit_parent_hint}</small></p>
                <button type="submit">{ot.save}</button>
            </form>
        </section>
        <ImportForm action="/admin/units/import" hint=ot.units_csv_hint/>
        <h2>{ot.units_tree}</h2>
        <Suspense>
            {move || Suspend::new(async move {
                match units.await {
                    Ok(list) if list.is_empty() => view! { <p>{ot.units_none}</p> }.into_any(),
                    Ok(list) => view! { <UnitTree units=list/> }.into_any(),
                    Err(_) => view! { <p class="error">{ot.load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UnitTree(units: Vec<UnitLine>) -> impl IntoView {
    let ot = ot();
    view! {
        <ul class="unit-tree">
            {units.into_iter().map(|u| { let code = u.code.clone(); view! {
                <li data-unit=code style=format!("--depth:{}", u.depth)>
                    <strong>{u.name}</strong>" "<code>{u.code}</code>
                    " "<span class="meta">{(ot.people_count)(u.people)}</span>
                </li>
            }}).collect_view()}
        </ul>
    }
}

/// A CSV upload with a dry run (the default) and a real import.
#[component]
fn ImportForm(action: &'static str, hint: &'static str) -> impl IntoView {
    let ot = ot();
    view! {
        <section class="panel">
            <h2>{ot.import_title}</h2>
            <p class="hint">{hint}</p>
            <form method="post" action=action enctype="multipart/form-data" class="stacked-form">
                <p class="field"><label for="file">{ot.import_file}</label>
                    <input id="file" name="file" type="file" accept=".csv,text/csv" required/></p>
                <div class="button-row">
                    <button type="submit" name="mode" value="dry_run">{ot.import_check}</button>
                    <button type="submit" name="mode" value="commit" class="secondary">{ot.import_commit}</button>
                </div>
            </form>
        </section>
    }
}

fn problem_text(ot: &OfficialsTexts, problem: &RowProblem) -> String {
    match problem {
        RowProblem::BadCode => ot.err_code.into(),
        RowProblem::MissingName => ot.err_name.into(),
        RowProblem::Repeated(line) => (ot.err_repeated)(*line),
        RowProblem::UnknownParent(code) => (ot.err_unknown_parent)(code),
        RowProblem::Cycle => ot.err_cycle.into(),
        RowProblem::UnknownUnit(code) => (ot.err_unknown_unit)(code),
        RowProblem::BadPhone => ot.err_phone.into(),
        RowProblem::BadLogin => ot.err_login.into(),
        RowProblem::Taken => ot.err_taken.into(),
        RowProblem::PositionTooLong => ot.err_position.into(),
    }
}

fn file_problem_text(ot: &OfficialsTexts, problem: &FileProblem) -> String {
    match problem {
        FileProblem::Empty => ot.file_empty.into(),
        FileProblem::NotUtf8 => ot.file_not_utf8.into(),
        FileProblem::TooManyRows(n) => (ot.file_too_many)(*n),
        FileProblem::Malformed(line) => (ot.file_malformed)(*line),
        FileProblem::MissingColumn(name) => (ot.file_missing_column)(name),
        FileProblem::BadForm => ot.file_bad_form.into(),
    }
}

/// Good rows listed in a preview; problems are always all listed.
const GOOD_ROWS_SHOWN: usize = 200;

/// The rows of an import, each with its verdict; nothing has been written.
#[component]
fn PreviewView(preview: ImportPreview) -> impl IntoView {
    let ot = ot();
    let errors = preview.error_count();
    let headers: Vec<&str> = match preview.kind {
        ImportKind::Units => vec![ot.unit_code, ot.unit_name, ot.unit_parent],
        ImportKind::Officials => vec![ot.full_name, ot.login, ot.unit_code, ot.position],
    };
    let summary = if let Some(problem) = &preview.file_problem {
        file_problem_text(ot, problem)
    } else if errors > 0 {
        (ot.import_errors)(errors, preview.rows.len())
    } else {
        (ot.import_ready)(preview.rows.len())
    };
    let class = if errors > 0 || preview.file_problem.is_some() {
        "error form-error"
    } else {
        "notice"
    };
    // A province-sized file would make a page of megabytes: every row with
    // a problem is listed, but only the first good ones.
    let total = preview.rows.len();
    let mut good = 0;
    let shown: Vec<_> = preview
        .rows
        .into_iter()
        .filter(|r| {
            let keep = r.problem.is_some() || good < GOOD_ROWS_SHOWN;
            good += usize::from(r.problem.is_none());
            keep
        })
        .collect();
    let hidden = total - shown.len();
    let checked = preview.checked_csv;
    let action = match preview.kind {
        ImportKind::Units => "/admin/units/import",
        ImportKind::Officials => "/admin/officials/import",
    };
    view! {
        <section class="import-preview" aria-labelledby="preview-title">
            <h2 id="preview-title">{if preview.refused { ot.import_refused } else { ot.import_dry_run }}</h2>
            <p class=class role="status">{summary}</p>
            {(!shown.is_empty()).then(|| view! {
                // The verdict (the problem, if any) comes right after the line
                // number, and on a narrow screen each row is a stacked card
                // labelled by `data-label`: nothing that matters is off-screen.
                <div class="table-scroll" tabindex="0" role="region" aria-labelledby="preview-title">
                    <table class="import-rows stack">
                        <thead><tr>
                            <th scope="col">{ot.line}</th>
                            <th scope="col">{ot.verdict}</th>
                            {headers.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}
                        </tr></thead>
                        <tbody>
                            {shown.into_iter().map(|row| {
                                let status = if row.problem.is_some() { "error" } else { "ok" };
                                let verdict = match &row.problem {
                                    Some(p) => problem_text(ot, p),
                                    None if row.is_new => ot.row_new.to_string(),
                                    None => ot.row_update.to_string(),
                                };
                                view! {
                                    <tr data-row=row.line.to_string() data-status=status>
                                        <td class="line" data-label=ot.line>{row.line}</td>
                                        <td class=if row.problem.is_some() { "problem" } else { "ok" } data-label=ot.verdict>{verdict}</td>
                                        {row.cells.into_iter().zip(headers.iter()).map(|(c, h)| view! { <td data-label=*h>{c}</td> }).collect_view()}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            {(hidden > 0).then(|| view! { <p class="meta">{(ot.rows_not_shown)(hidden)}</p> })}
            // The checked file goes with the button: nothing to choose again.
            {checked.map(|csv| view! {
                <form method="post" action=action class="stacked-form">
                    <textarea name="csv" hidden aria-hidden="true">{csv}</textarea>
                    <button type="submit" name="mode" value="commit">{ot.import_commit_checked}</button>
                </form>
            })}
        </section>
    }
}

/// `/admin/officials`
#[component]
pub fn OfficialsPage() -> impl IntoView {
    view! { <RoleGate roles=Role::ADMINS><OfficialsAdmin/></RoleGate> }
}

#[component]
fn OfficialsAdmin() -> impl IntoView {
    let ot = ot();
    let preview = use_context::<ImportPreview>();
    let sheets = use_context::<IssuedSheets>();
    let bad_unit = use_query_map()
        .get_untracked()
        .get("error")
        .is_some_and(|e| e == "unit");
    if let Some(issued) = sheets {
        let IssuedSheets {
            sheets,
            reset_url,
            reset_qr_svg,
        } = issued;
        return Either::Left(view! {
            <Title text=ot.sheets_title/>
            <h1 class="no-print">{ot.sheets_title}</h1>
            <p class="notice no-print" role="status">{ot.sheets_lead}</p>
            <p class="no-print actions"><button type="button" data-print="">{ot.print}</button></p>
            {reset_url.is_none().then(|| view! { <p class="notice error" role="alert">{ot.needs_public_url}</p> })}
            <p class="no-print"><a href="/admin/officials">{ot.back}</a></p>
            {sheets
                .into_iter()
                .map(|sheet| view! { <SheetView sheet reset_url=reset_url.clone() reset_qr_svg=reset_qr_svg.clone()/> })
                .collect_view()}
        });
    }
    Either::Right(view! {
        <Title text=ot.officials_title/>
        <h1>{ot.officials_title}</h1>
        <crate::ui::tabs::AdminTabs/>
        {bad_unit.then(|| view! { <p class="error form-error" role="alert">{ot.err_unit}</p> })}
        {preview.map(|p| view! { <PreviewView preview=p/> })}
        <ImportForm action="/admin/officials/import" hint=ot.officials_csv_hint/>
        <section class="panel">
            <h2>{ot.codes_title}</h2>
            <p class="hint">{ot.codes_hint}</p>
            <form method="post" action="/admin/officials/codes" class="inline-form">
                <label for="unit_code">{ot.unit_code}</label>
                <input id="unit_code" name="unit_code" required maxlength="32"/>
                <button type="submit">{ot.codes_button}</button>
            </form>
        </section>
    })
}

/// One unit's page of codes: printed and handed out in a meeting.
#[component]
fn SheetView(sheet: CodeSheet, reset_url: Option<String>, reset_qr_svg: String) -> impl IntoView {
    let ot = ot();
    let unit = sheet.unit_code.clone();
    // Printed and carried to a meeting: the address to type and a QR code of
    // it, on every unit's page.
    let how = match reset_url {
        Some(url) => Either::Left(view! {
            <div class="sheet-address">
                <div class="qr" inner_html=reset_qr_svg role="img" aria-label=ot.sheet_scan></div>
                <p class="sheet-instructions">{(ot.sheet_instructions_at)(&url)}<br/><strong class="reset-url">{url.clone()}</strong></p>
            </div>
        }),
        None => Either::Right(view! { <p class="sheet-instructions">{ot.sheet_instructions}</p> }),
    };
    view! {
        <section class="code-sheet" data-unit=unit>
            <h2>{sheet.unit_name}" "<small>"("{sheet.unit_code}")"</small></h2>
            {how}
            <table>
                <thead><tr>
                    <th scope="col">{ot.full_name}</th>
                    <th scope="col">{ot.login}</th>
                    <th scope="col">{ot.code}</th>
                </tr></thead>
                <tbody>
                    {sheet.people.into_iter().map(|p: SheetPerson| view! {
                        <tr data-login=p.login>
                            <td>{p.full_name}</td>
                            <td class="login">{p.login_shown}</td>
                            <td class="code">{p.code}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
