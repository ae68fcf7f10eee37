//! `/assignments` (list and form) and the "required" section of `/me`.

use crate::web::links;
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    assignments_in_scope, my_required_courses, AssignDone, AssignProblem, AssignmentsData,
    PastDueDate, RequiredCourse, Status, CONFIRM_PAST_DUE,
};
use crate::{
    accounts::Role,
    ui::gates::RoleGate,
    ui::{
        day_month_year,
        officials_texts::{ot, OfficialsTexts},
    },
};

/// A status in the reader's language.
pub fn status_name(ot: &OfficialsTexts, status: Status) -> &'static str {
    match status {
        Status::NotStarted => ot.status_not_started,
        Status::InProgress => ot.status_in_progress,
        Status::Completed => ot.status_completed,
        Status::Overdue => ot.status_overdue,
    }
}

/// `/assignments`
#[component]
pub fn AssignmentsPage() -> impl IntoView {
    view! { <RoleGate roles=Role::MANAGERS><Assignments/></RoleGate> }
}

#[component]
fn Assignments() -> impl IntoView {
    let ot = ot();
    let query = use_query_map().get_untracked();
    let get = |k: &str| query.get(k).unwrap_or_default();
    let done = AssignDone::parse(&get("done")).map(|done| match done {
        AssignDone::Created => ot.assignment_created,
        AssignDone::Deleted => ot.assignment_deleted,
    });
    let error = match get("error").as_str() {
        "" => None,
        code => Some(match AssignProblem::parse(code) {
            Some(AssignProblem::Course) => ot.err_course,
            Some(AssignProblem::Date) => ot.err_date,
            Some(AssignProblem::Unit) => ot.err_unit,
            None => ot.err_form,
        }),
    };
    let kept = (
        get("course"),
        get("unit_code"),
        get("positions"),
        get("due_on"),
    );
    let past_due = use_context::<PastDueDate>().map(|PastDueDate(due_on)| {
        let (course, unit, positions, _) = kept.clone();
        view! { <PastDueConfirm course unit positions due_on/> }
    });
    let data = Resource::new(|| (), |_| assignments_in_scope());
    view! {
        <Title text=ot.assignments_title/>
        <h1>{ot.assignments_title}</h1>
        <crate::ui::tabs::AdminTabs/>
        <p class="lead">{ot.assignments_lead}</p>
        {done.map(|d| view! { <p class="notice" role="status">{d}</p> })}
        {error.map(|e| view! { <p class="error form-error" role="alert">{e}</p> })}
        {past_due}
        <Suspense>
            {move || {
                let kept = kept.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(data) => Either::Left(view! { <AssignmentsView data kept/> }),
                        Err(_) => Either::Right(view! { <p class="error">{ot.load_error}</p> }),
                    }
                })
            }}
        </Suspense>
    }
}

/// Nothing saved yet: the due date has passed. One button saves the same
/// values anyway; the form below keeps them for a correction.
#[component]
fn PastDueConfirm(
    course: String,
    unit: String,
    positions: String,
    due_on: String,
) -> impl IntoView {
    let ot = ot();
    view! {
        <section class="notice past-due" role="alert">
            <p><strong>{(ot.past_due_warning)(&day_month_year(&due_on))}</strong></p>
            <form method="post" action="/assignments">
                <input type="hidden" name="course" value=course/>
                <input type="hidden" name="unit_code" value=unit/>
                <input type="hidden" name="positions" value=positions/>
                <input type="hidden" name="due_on" value=due_on/>
                <input type="hidden" name=CONFIRM_PAST_DUE value="1"/>
                <button type="submit">{ot.past_due_confirm}</button>
            </form>
            <p>{ot.past_due_fix}</p>
        </section>
    }
}

#[component]
fn AssignmentsView(data: AssignmentsData, kept: (String, String, String, String)) -> impl IntoView {
    let ot = ot();
    let (course, unit, positions, due_on) = kept;
    let no_units = data.units.is_empty();
    let is_admin = crate::accounts::signed_in_user().is_some_and(|u| u.is_admin());
    view! {
        // An admin sees every unit: none means none exist yet, and the
        // admin is the one to add them (not "ask an administrator").
        {no_units.then(|| if is_admin {
            Either::Left(view! { <p class="notice">{ot.no_units_yet}" "<a href="/admin/units">{ot.add_units}</a></p> })
        } else {
            Either::Right(view! { <p class="notice">{ot.no_scope}</p> })
        })}
        {(!no_units).then(|| view! {
            <section class="panel">
                <h2>{ot.assign_title}</h2>
                <form method="post" action="/assignments" class="stacked-form">
                    <p class="field"><label for="course">{ot.course}</label>
                        <select id="course" name="course" required>
                            {data.courses.iter().map(|(slug, title)| view! {
                                <option value=slug.clone() selected=*slug == course>{title.clone()}</option>
                            }).collect_view()}
                        </select></p>
                    <p class="field"><label for="unit_code">{ot.unit}</label>
                        <select id="unit_code" name="unit_code" required>
                            {data.units.iter().map(|(code, name, depth)| view! {
                                <option value=code.clone() selected=*code == unit>
                                    {format!("{}{} ({code})", "\u{00a0}\u{00a0}".repeat(*depth), name)}
                                </option>
                            }).collect_view()}
                        </select></p>
                    <p class="field"><label for="positions">{ot.positions}</label>
                        <input id="positions" name="positions" maxlength="500" value=positions/>
                        <small class="hint">{ot.positions_hint}</small></p>
                    <p class="field"><label for="due_on">{ot.due_on}</label>
                        <input id="due_on" name="due_on" type="date" required value=due_on/></p>
                    <button type="submit">{ot.assign_button}</button>
                </form>
            </section>
        })}
        <h2>{ot.assignments_current}</h2>
        {if data.assignments.is_empty() {
            Either::Left(view! { <p>{ot.assignments_none}</p> })
        } else {
            Either::Right(view! {
                <ul class="assignment-list">
                    {data.assignments.into_iter().map(|a| { let id = a.id.clone(); view! {
                        <li class="assignment" data-assignment=id>
                            <p><strong>{a.course_title}</strong></p>
                            <p class="meta">{a.unit_name}" ("{a.unit_code}")"
                                {(!a.positions.is_empty()).then(|| format!(" · {}", a.positions.join(", ")))}</p>
                            <p class="meta">{ot.due_on}": "{day_month_year(&a.due_on)}" · "{(ot.done_of)(a.completed, a.assigned)}</p>
                            <form method="post" action="/assignments/delete" class="inline-form">
                                <input type="hidden" name="id" value=a.id/>
                                <button type="submit" class="secondary">{ot.delete}</button>
                            </form>
                        </li>
                    }}).collect_view()}
                </ul>
            })
        }}
    }
}

/// "Bắt buộc": the signed-in official's required courses, shown first on `/me`.
#[component]
pub fn RequiredSection() -> impl IntoView {
    let ot = ot();
    let required = Resource::new(|| (), |_| my_required_courses());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let list: Vec<RequiredCourse> = required.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <section class="required" aria-labelledby="required-title">
                        <h2 id="required-title">{ot.required_title}</h2>
                        <ul class="progress-list">
                            {list.into_iter().map(|c| view! {
                                <li class="progress-item" data-course=c.slug.clone() data-status=c.status.code()>
                                    <span class="badge required-badge">{ot.required_badge}</span>" "
                                    <a href=links::course(&c.slug)>{c.title}</a>
                                    <p class="meta">
                                        <span>{ot.due_on}": "{day_month_year(&c.due_on)}</span>" "
                                        <span class=format!("status status-{}", c.status.code())>{status_name(ot, c.status)}</span>
                                    </p>
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
    }
}
