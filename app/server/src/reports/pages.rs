//! `/reports` (a unit, its sub-units, its people) and `/reports/overdue`.

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    chart::ReportChart, load_overdue, load_report, OverdueList, PersonLine, Report, UnitCounts,
};
use crate::{
    accounts::Role,
    assignments::{pages::status_name, Status},
    ui::{
        day_month_year,
        gates::{respond, RoleGate},
        officials_texts::ot,
    },
    web::links::with_query,
};

/// `/reports`
#[component]
pub fn ReportsPage() -> impl IntoView {
    view! { <RoleGate roles=Role::MANAGERS><Reports/></RoleGate> }
}

#[component]
fn Reports() -> impl IntoView {
    let ot = ot();
    let query = use_query_map().get_untracked();
    let get = |k: &str| query.get(k).unwrap_or_default();
    let asked = (get("unit"), get("course"), get("status"), get("group"));
    let report = Resource::new(
        {
            let asked = asked.clone();
            move || asked.clone()
        },
        |(unit, course, status, group)| load_report(unit, course, Status::parse(&status), group),
    );
    view! {
        <Title text=ot.reports_title/>
        <Suspense>
            {move || {
                let asked = asked.clone();
                Suspend::new(async move {
                    match report.await {
                        Ok(Some(report)) => Either::Left(view! { <ReportView report asked/> }),
                        Ok(None) => Either::Right({
                            // Unknown and out-of-scope units look alike; no
                            // scope at all is a notice, not a missing page.
                            if !asked.0.is_empty() {
                                respond(404, None);
                            }
                            view! {
                            <h1>{ot.reports_title}</h1>
                            <p class="notice">{if asked.0.is_empty() { ot.no_scope } else { ot.unit_not_found }}</p>
                        }}),
                        Err(_) => Either::Right(view! {
                            <h1>{ot.reports_title}</h1>
                            <p class="error">{ot.load_error}</p>
                        }),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ReportView(report: Report, asked: (String, String, String, String)) -> impl IntoView {
    let ot = ot();
    let (_, course, status, group) = asked;
    let code = report
        .unit
        .as_ref()
        .map(|u| u.0.clone())
        .unwrap_or_default();
    let heading = report
        .unit
        .as_ref()
        .map_or_else(|| ot.whole_province.to_string(), |u| u.1.clone());
    let mut rows = report.rows;
    if let Some(total) = rows.first_mut() {
        if total.name.is_empty() {
            total.name = ot.whole_province.to_string();
        }
    }
    let filters = [
        ("course", course.as_str()),
        ("status", status.as_str()),
        ("group", group.as_str()),
    ];
    let link = |unit: &str| {
        let mut pairs = vec![("unit", unit)];
        pairs.extend_from_slice(&filters);
        with_query("/reports", &pairs)
    };
    let (export, export_data) = {
        let mut pairs = vec![("unit", code.as_str())];
        pairs.extend_from_slice(&filters);
        (
            with_query("/reports/table.csv", &pairs),
            with_query("/reports/export.csv", &pairs),
        )
    };
    let overdue = with_query("/reports/overdue", &[("unit", &code)]);
    let chart_title = (ot.chart_title)(&heading);
    view! {
        <nav class="trail" aria-label=ot.trail_label>
            {report.trail.iter().map(|(c, n)| view! { <a href=link(c)>{n.clone()}</a>" › " }).collect_view()}
        </nav>
        <h1>{heading}</h1>
        <crate::ui::tabs::AdminTabs/>
        <form method="get" action="/reports" class="filters">
            <input type="hidden" name="unit" value=code.clone()/>
            <label>{ot.course}
                <select name="course">
                    <option value="">{ot.all_courses}</option>
                    {report.courses.iter().map(|(slug, title)| view! {
                        <option value=slug.clone() selected=*slug == course>{title.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>{ot.status}
                <select name="status">
                    <option value="">{ot.all_statuses}</option>
                    {Status::ALL.iter().copied().map(|s| view! {
                        <option value=s.code() selected=s.code() == status>{status_name(ot, s)}</option>
                    }).collect_view()}
                </select>
            </label>
            {(!report.groups.is_empty()).then(|| view! {
                <label>{ot.skill_group}
                    <select name="group">
                        <option value="">{ot.all_skill_groups}</option>
                        {report.groups.iter().map(|g| view! {
                            <option value=g.code.clone() selected=g.code == group>{format!("{}. {}", g.code, g.name)}</option>
                        }).collect_view()}
                    </select>
                </label>
            })}
            <button type="submit">{ot.apply}</button>
        </form>
        <p class="actions">
            <a class="button" href=export>{ot.export_csv}</a>" "
            <a class="button secondary" href=overdue>{ot.overdue_title}</a>
        </p>
        <p class="hint"><a href=export_data>{ot.export_data}</a></p>
        <ReportChart rows=rows.clone() title=chart_title/>
        <Legend/>
        <div class="table-scroll" tabindex="0" role="region" aria-label=ot.unit>
            <table class="report-units stack">
                <thead><tr>
                    <th scope="col">{ot.unit}</th>
                    <th scope="col">{ot.col_assigned}</th>
                    <th scope="col">{ot.status_completed}</th>
                    <th scope="col">{ot.status_in_progress}</th>
                    <th scope="col">{ot.status_not_started}</th>
                    <th scope="col">{ot.status_overdue}</th>
                    <th scope="col">"%"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().enumerate().map(|(i, row)| {
                        let name = if i == 0 {
                            Either::Left(view! { <strong>{row.name.clone()}</strong> })
                        } else {
                            Either::Right(view! { <a href=link(&row.code)>{row.name.clone()}</a> })
                        };
                        let code = row.code.clone();
                        view! {
                            <tr data-unit=code class=if i == 0 { "total" } else { "" }>
                                <th scope="row">{name}</th>
                                <Cells row/>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {(!code.is_empty()).then(|| view! {
            <h2>{ot.people_here}</h2>
            {if report.people.is_empty() {
                Either::Left(view! { <p>{ot.nobody_here}</p> })
            } else {
                Either::Right(view! { <PeopleTable people=report.people/> })
            }}
        })}
    }
}

/// Where a person's worst course puts them: overdue first, done last.
fn urgency(status: Status) -> u8 {
    match status {
        Status::Overdue => 0,
        Status::NotStarted => 1,
        Status::InProgress => 2,
        Status::Completed => 3,
    }
}

/// One person's required courses, in a row of the people table.
struct PersonRow {
    name: String,
    login: String,
    position: String,
    courses: Vec<PersonLine>,
}

/// People of the unit: one row per person, overdue people first. With one
/// or two courses in view the courses are columns (a commune of 30 fits
/// in a few screens of a phone); with more, each row lists its courses.
#[component]
fn PeopleTable(people: Vec<PersonLine>) -> impl IntoView {
    let ot = ot();
    let mut rows: Vec<PersonRow> = Vec::new();
    for line in people {
        match rows.iter_mut().find(|r| r.login == line.login) {
            Some(row) => row.courses.push(line),
            None => rows.push(PersonRow {
                name: line.name.clone(),
                login: line.login.clone(),
                position: line.position.clone(),
                courses: vec![line],
            }),
        }
    }
    let worst = |r: &PersonRow| {
        r.courses
            .iter()
            .map(|c| urgency(c.status))
            .min()
            .unwrap_or(3)
    };
    rows.sort_by(|a, b| worst(a).cmp(&worst(b)).then_with(|| a.name.cmp(&b.name)));
    let mut columns: Vec<(String, String)> = Vec::new();
    for r in &rows {
        for c in &r.courses {
            if !columns.iter().any(|(slug, _)| *slug == c.course) {
                columns.push((c.course.clone(), c.course_title.clone()));
            }
        }
    }
    let as_columns = columns.len() <= 2;
    // A column's usual due date goes in its heading; a cell names a date
    // only when it differs (or the day the course was done): one line a cell.
    let usual_due: Vec<String> = columns
        .iter()
        .map(|(slug, _)| {
            let mut counts: Vec<(&str, usize)> = Vec::new();
            for c in rows
                .iter()
                .flat_map(|r| r.courses.iter())
                .filter(|c| c.course == *slug)
            {
                match counts.iter_mut().find(|(d, _)| *d == c.due_on) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((&c.due_on, 1)),
                }
            }
            counts
                .into_iter()
                .max_by_key(|(_, n)| *n)
                .map(|(d, _)| d.to_string())
                .unwrap_or_default()
        })
        .collect();
    let status_cell = move |c: &PersonLine, login: &str, with_title: bool, usual: &str| {
        let due = if !c.completed_on.is_empty() {
            day_month_year(&c.completed_on)
        } else if c.due_on == usual {
            String::new()
        } else {
            format!("{} {}", ot.due_short, day_month_year(&c.due_on))
        };
        view! {
            <span class="person-course" data-login=login.to_string() data-course=c.course.clone() data-status=c.status.code()>
                {with_title.then(|| view! { <span class="course-name">{c.course_title.clone()}": "</span> })}
                <span class=format!("status status-{}", c.status.code())>{status_name(ot, c.status)}</span>
                {(!due.is_empty()).then(|| view! { " "<small class="when">{due}</small> })}
            </span>
        }
    };
    view! {
        <table class="report-people">
            <thead><tr>
                <th scope="col">{ot.full_name}</th>
                {if as_columns {
                    Either::Left(columns.iter().zip(&usual_due).map(|((_, title), due)| view! {
                        <th scope="col">{title.clone()}
                            {(!due.is_empty()).then(|| view! { <small class="when">{format!("{} {}", ot.due_short, day_month_year(due))}</small> })}
                        </th>
                    }).collect_view())
                } else {
                    Either::Right(view! { <th scope="col">{ot.course}</th> })
                }}
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let login = r.login.clone();
                    let cells = if as_columns {
                        Either::Left(columns.iter().zip(&usual_due).map(|((slug, _), usual)| {
                            let cell = r.courses.iter().find(|c| c.course == *slug).map(|c| status_cell(c, &login, false, usual));
                            view! { <td>{cell}</td> }
                        }).collect_view())
                    } else {
                        Either::Right(view! {
                            <td><ul class="person-courses">
                                {r.courses.iter().map(|c| view! { <li>{status_cell(c, &login, true, "")}</li> }).collect_view()}
                            </ul></td>
                        })
                    };
                    view! {
                        <tr data-person=r.login.clone()>
                            <th scope="row">{r.name}{(!r.position.is_empty()).then(|| view! { <small class="meta">{r.position}</small> })}</th>
                            {cells}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Cells(row: UnitCounts) -> impl IntoView {
    let ot = ot();
    let percent = row.percent();
    view! {
        <td data-col="assigned" data-label=ot.col_assigned>{row.assigned}</td>
        <td data-col="completed" data-label=ot.status_completed>{row.completed}</td>
        <td data-col="in_progress" data-label=ot.status_in_progress>{row.in_progress}</td>
        <td data-col="not_started" data-label=ot.status_not_started>{row.not_started}</td>
        <td data-col="overdue" data-label=ot.status_overdue>{row.overdue}</td>
        <td data-col="percent" data-label="%">{percent}</td>
    }
}

#[component]
fn Legend() -> impl IntoView {
    let ot = ot();
    view! {
        <ul class="chart-legend">
            // In the chart's order.
            {[Status::Completed, Status::InProgress, Status::NotStarted, Status::Overdue].into_iter().map(|s| {
                let class = match s {
                    Status::Completed => "seg-completed",
                    Status::InProgress => "seg-in_progress",
                    Status::NotStarted => "seg-not_started",
                    Status::Overdue => "seg-overdue",
                };
                view! { <li><span class=format!("swatch {class}")></span>{status_name(ot, s)}</li> }
            }).collect_view()}
        </ul>
    }
}

/// `/reports/overdue`
#[component]
pub fn OverduePage() -> impl IntoView {
    view! { <RoleGate roles=Role::MANAGERS><Overdue/></RoleGate> }
}

#[component]
fn Overdue() -> impl IntoView {
    let ot = ot();
    let query = use_query_map().get_untracked();
    let unit = query.get("unit").unwrap_or_default();
    let queued = query.get("queued");
    let needs_public_url = query.get("error").as_deref() == Some("public_url");
    let list = Resource::new(
        {
            let unit = unit.clone();
            move || unit.clone()
        },
        load_overdue,
    );
    view! {
        <Title text=ot.overdue_title/>
        <h1>{ot.overdue_title}</h1>
        {queued.map(|n| view! { <p class="notice" role="status">{(ot.reminders_queued)(&n)}</p> })}
        {needs_public_url.then(|| view! { <p class="notice error" role="alert">{ot.needs_public_url}</p> })}
        <Suspense>
            {move || {
                let asked = !unit.is_empty();
                Suspend::new(async move {
                match list.await {
                    Ok(Some(list)) => Either::Left(view! { <OverdueView list/> }),
                    Ok(None) => Either::Right({
                        if asked {
                            respond(404, None);
                        }
                        view! { <p class="notice">{if asked { ot.unit_not_found } else { ot.no_scope }}</p> }
                    }),
                    Err(_) => Either::Right(view! { <p class="error">{ot.load_error}</p> }),
                }
            })}}
        </Suspense>
    }
}

#[component]
fn OverdueView(list: OverdueList) -> impl IntoView {
    let ot = ot();
    let code = list.unit.as_ref().map(|u| u.0.clone()).unwrap_or_default();
    let name = list
        .unit
        .map_or_else(|| ot.whole_province.to_string(), |u| u.1);
    let back = with_query("/reports", &[("unit", &code)]);
    let count = list.people.len();
    let no_phone = list.people.iter().filter(|p| p.phone.is_empty()).count();
    let preview = list.preview.clone();
    view! {
        <p class="lead">{name}" · "{(ot.overdue_count)(count)}</p>
        <p><a href=back>{ot.back_to_report}</a></p>
        {(count > 0).then(|| view! {
            <form method="post" action="/reports/overdue/remind" class="inline-form">
                <input type="hidden" name="unit" value=code.clone()/>
                <button type="submit">{ot.queue_reminders}</button>
                <small class="hint">{ot.queue_hint}</small>
            </form>
        })}
        // Before sending: what people will read, and who gets nothing.
        {preview.map(|text| view! {
            <details class="reminder-preview">
                <summary>{ot.reminder_preview}</summary>
                <p lang="vi">{text}</p>
            </details>
        })}
        {(no_phone > 0).then(|| view! { <p class="notice" data-no-phone=no_phone.to_string()>{(ot.no_phone_count)(no_phone)}</p> })}
        <div class="table-scroll" tabindex="0" role="region" aria-label=ot.overdue_title>
            <table class="overdue stack">
                <thead><tr>
                    <th scope="col">{ot.full_name}</th>
                    <th scope="col">{ot.phone}</th>
                    <th scope="col">{ot.course}</th>
                    <th scope="col">{ot.days_late}</th>
                    <th scope="col">{crate::reminders::column_heading()}</th>
                </tr></thead>
                <tbody>
                    {list.people.into_iter().map(|p| view! {
                        <tr data-login=p.login.clone()>
                            <td data-label=ot.full_name>{p.name}<br/><small class="meta">{p.position}" · "{p.unit_name}</small></td>
                            <td data-label=ot.phone>{(!p.phone.is_empty()).then(|| view! { <a href=format!("tel:{}", p.phone)>{p.phone_shown.clone()}</a> })}</td>
                            <td data-label=ot.course>{p.course_title}<br/><small class="meta">{ot.due_on}": "{day_month_year(&p.due_on)}</small></td>
                            <td data-label=ot.days_late>{p.days_late}</td>
                            <td data-label=crate::reminders::column_heading() class="reminder"
                                data-reminder=p.reminder.as_ref().map_or("none", |r| r.delivery.code())>
                                {crate::reminders::delivery_text(p.reminder.as_ref())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
