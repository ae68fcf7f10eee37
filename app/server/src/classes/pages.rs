//! The class pages: `/classes` (start one, past ones), `/classes/<id>`
//! (the leader's controls, then the record), `/classes/<id>/screen` (the
//! projector) and `/join/<code>` (a phone: join, then follow).

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    load_class_room, load_classes_home, load_my_classes, load_phone, texts::ct, ClassCard,
    ClassRoom, Phone, PhoneQuestion, QuestionOnScreen, Share, StartChoices, StepView,
    FOLLOW_SCRIPT,
};
use crate::{
    accounts::Role,
    ui::{
        gates::{respond, RoleGate},
        i18n::t,
    },
    web::links,
};

fn param(name: &str) -> String {
    use_params_map()
        .get_untracked()
        .get(name)
        .unwrap_or_default()
}

fn query(name: &str) -> String {
    use_query_map()
        .get_untracked()
        .get(name)
        .unwrap_or_default()
}

/// `/classes`
#[component]
pub fn ClassesPage() -> impl IntoView {
    view! { <RoleGate roles=Role::CLASS_VIEWERS><Classes/></RoleGate> }
}

#[component]
fn Classes() -> impl IntoView {
    let ct = ct();
    let home = Resource::new(|| (), |_| load_classes_home());
    let error = match query("error").as_str() {
        "course" => Some(ct.err_course),
        "unit" => Some(ct.err_unit),
        "no_unit" => Some(ct.err_no_unit),
        _ => None,
    };
    view! {
        <Title text=ct.classes_title/>
        <h1>{ct.classes_title}</h1>
        <p class="lead">{ct.classes_lead}</p>
        {error.map(|e| view! { <p class="error form-error" role="alert">{e}</p> })}
        <Suspense>
            {move || Suspend::new(async move {
                match home.await {
                    Ok(home) => Either::Left(view! {
                        {home.start.map(|start| view! { <StartForm start/> })}
                        <ClassList classes=home.classes/>
                    }),
                    Err(_) => Either::Right(view! { <p class="error">{t().load_error}</p> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StartForm(start: StartChoices) -> impl IntoView {
    let ct = ct();
    if start.unplaced {
        return Either::Left(view! { <p class="notice">{ct.unplaced}</p> });
    }
    let own = start.own_unit.clone().unwrap_or_default();
    let anywhere = start.own_unit.is_none();
    Either::Right(view! {
        <section class="panel">
            <h2>{ct.start_heading}</h2>
            <form method="post" action="/classes" class="stacked-form">
                <p class="field">
                    <label for="class-course">{ct.course}</label>
                    <select id="class-course" name="course" required>
                        {start.courses.iter().map(|c| view! {
                            <option value=c.slug.clone()>{c.title.clone()}</option>
                        }).collect_view()}
                    </select>
                </p>
                <p class="field">
                    <label for="class-unit">{ct.place}</label>
                    <select id="class-unit" name="unit">
                        {anywhere.then(|| view! { <option value="">{ct.place_none}</option> })}
                        {start.units.into_iter().map(|(id, name)| {
                            let selected = id == own;
                            view! { <option value=id selected=selected>{name}</option> }
                        }).collect_view()}
                    </select>
                </p>
                <details class="chapter-pick">
                    <summary>{ct.pick_chapters}</summary>
                    <p class="meta">{ct.pick_chapters_hint}</p>
                    {start.courses.into_iter().map(|c| {
                        let slug = c.slug.clone();
                        view! {
                            <fieldset>
                                <legend>{c.title}</legend>
                                {c.chapters.into_iter().map(|(id, title)| {
                                    let value = format!("{slug}/{id}");
                                    view! {
                                        <label class="check">
                                            <input type="checkbox" name="chapters" value=value/>
                                            " "{title}
                                        </label>
                                    }
                                }).collect_view()}
                            </fieldset>
                        }
                    }).collect_view()}
                </details>
                <button type="submit">{ct.start_button}</button>
            </form>
        </section>
    })
}

#[component]
fn ClassList(classes: Vec<ClassCard>) -> impl IntoView {
    let ct = ct();
    let (open, past): (Vec<_>, Vec<_>) = classes.into_iter().partition(|c| c.open);
    view! {
        {(!open.is_empty()).then(|| view! {
            <section>
                <h2>{ct.open_classes}</h2>
                <ul class="class-list">{open.into_iter().map(|c| view! { <ClassItem c/> }).collect_view()}</ul>
            </section>
        })}
        <section>
            <h2>{ct.past_classes}</h2>
            {if past.is_empty() {
                Either::Left(view! { <p class="meta">{ct.no_classes}</p> })
            } else {
                Either::Right(view! {
                    <ul class="class-list">{past.into_iter().map(|c| view! { <ClassItem c/> }).collect_view()}</ul>
                })
            }}
        </section>
    }
}

#[component]
fn ClassItem(c: ClassCard) -> impl IntoView {
    let ct = ct();
    view! {
        <li>
            <a href=links::class(&c.id)>{c.course_title}</a>
            <span class="meta">
                " · "{c.started}
                {(!c.place.is_empty()).then(|| view! { " · "{c.place.clone()} })}
                " · "{c.leader}" · "{(ct.people_count)(c.people)}
            </span>
        </li>
    }
}

/// `/classes/<id>`
#[component]
pub fn ClassPage() -> impl IntoView {
    view! { <RoleGate roles=Role::CLASS_VIEWERS><Class/></RoleGate> }
}

fn unknown_class() -> AnyView {
    let ct = ct();
    respond(404, None);
    view! {
        <h1>{ct.unknown_class}</h1>
        <p><a class="button" href="/classes">{ct.classes_title}</a></p>
    }
    .into_any()
}

#[component]
fn Class() -> impl IntoView {
    let room = Resource::new(|| param("id"), load_class_room);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match room.await {
                    Ok(Some(room)) if room.can_control => view! { <Controls room/> }.into_any(),
                    Ok(Some(room)) => view! { <Record room/> }.into_any(),
                    Ok(None) => unknown_class(),
                    Err(_) => view! { <p class="error">{t().load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "Bước 3/12 · Chapter (phần 1/2)"
fn step_label(step: &StepView) -> String {
    let ct = ct();
    let part = if step.parts > 1 {
        format!(" ({})", (ct.part_of)(step.part, step.parts))
    } else {
        String::new()
    };
    format!(
        "{} · {}{part}",
        (ct.step_of)(step.position, step.total),
        step.chapter_title
    )
}

#[component]
fn Shares(shares: Vec<Share>) -> impl IntoView {
    let ct = ct();
    view! {
        <ul class="shares">
            {shares.into_iter().map(|s| {
                let width = format!("width: {}%", s.percent);
                view! {
                    <li class:correct=s.correct>
                        <span class="share-text" inner_html=s.html></span>
                        <span class="share-bar" aria-hidden="true"><span style=width></span></span>
                        <span class="share-count">{format!("{} % ({})", s.percent, s.count)}</span>
                        {s.correct.then(|| view! { <span class="status status-done">{ct.correct_answer}</span> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn QuestionLive(q: QuestionOnScreen, joined: i64) -> impl IntoView {
    let ct = ct();
    view! {
        <div class="class-question">
            <div class="prompt" inner_html=q.prompt_html></div>
            <p class="answered" data-answered=q.answered>{(ct.answered_of)(q.answered, joined)}</p>
            {q.revealed.then(|| view! {
                <Shares shares=q.shares/>
                {q.explanation_html.map(|h| view! { <div class="explanation" inner_html=h></div> })}
            })}
        </div>
    }
}

/// The leader's page while the class runs.
#[component]
fn Controls(room: ClassRoom) -> impl IntoView {
    let ct = ct();
    let step_action = format!("/classes/{}/step", room.id);
    let seq = room.seq.to_string();
    let counts = format!(
        "{}/{}",
        room.joined,
        room.question.as_ref().map_or(0, |q| q.answered)
    );
    let error = match query("error").as_str() {
        "name" => Some(ct.err_name),
        "hamlet" => Some(ct.err_hamlet),
        "birth_year" => Some(ct.err_birth_year),
        "consent" => Some(ct.err_consent),
        _ => None,
    };
    let added = query("added") == "1";
    let revealable = room.question.as_ref().is_some_and(|q| !q.revealed);
    view! {
        <Title text=room.course_title.clone()/>
        <h1>{room.course_title.clone()}</h1>
        <p class="meta">{room.place.clone()}" · "{room.leader.clone()}" · "{room.started.clone()}</p>
        <p class="class-code-line">
            {ct.code_label}" "<strong class="class-code" data-code=room.code.clone()>{room.code.clone()}</strong>
            " "<a class="button secondary" href=links::class_screen(&room.id)>{ct.open_screen}</a>
        </p>
        <div id="class-live" data-events=format!("/classes/{}/events", room.id) data-seq=seq.clone() data-counts=counts>
            <p id="class-status" class="meta" role="status" data-online=ct.live data-offline=ct.reconnecting>{ct.live}</p>
            {room.step.as_ref().map(|s| view! { <p class="step-now"><strong>{step_label(s)}</strong></p> })}
            <p>{(ct.joined_count)(room.joined)}</p>
            {room.question.clone().map(|q| view! { <QuestionLive q joined=room.joined/> })}
        </div>
        <form method="post" action=step_action.clone() class="class-controls">
            <input type="hidden" name="seq" value=seq.clone()/>
            <button type="submit" name="go" value="prev" class="secondary">{ct.prev}</button>
            <button type="submit" name="go" value="next">{ct.next}</button>
            {revealable.then(|| view! { <button type="submit" name="go" value="reveal">{ct.reveal}</button> })}
        </form>
        {(!room.questions.is_empty()).then(|| view! {
            <section class="panel">
                <h2>{ct.ask_heading}</h2>
                <ul class="ask-list">
                    {room.questions.into_iter().map(|(id, prompt)| view! {
                        <li>
                            <form method="post" action=step_action.clone()>
                                <input type="hidden" name="seq" value=seq.clone()/>
                                <input type="hidden" name="question" value=id/>
                                <div class="prompt" inner_html=prompt></div>
                                <button type="submit" name="go" value="question" class="secondary">{ct.ask_button}</button>
                            </form>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <section class="panel" id="people">
            <h2>{ct.people_heading}</h2>
            {added.then(|| view! { <p class="notice" role="status">{ct.added}</p> })}
            <People people=room.people.clone()/>
            <h3>{ct.add_heading}</h3>
            {error.map(|e| view! { <p class="error form-error" role="alert">{e}</p> })}
            <form method="post" action=format!("/classes/{}/attendees", room.id) class="stacked-form">
                <p class="field"><label for="person-name">{ct.person_name}</label>
                    <input id="person-name" name="name" required maxlength="80" value=query("name") autocomplete="off"/></p>
                <p class="field"><label for="person-year">{ct.birth_year}</label>
                    <input id="person-year" name="birth_year" inputmode="numeric" maxlength="4" value=query("birth_year") autocomplete="off"/></p>
                <p class="field"><label for="person-hamlet">{ct.hamlet}</label>
                    <input id="person-hamlet" name="hamlet" maxlength="80" value=query("hamlet") autocomplete="off"/></p>
                <p class="field check"><label><input type="checkbox" name="consent" value="1" required/>" "{ct.consent}</label></p>
                <button type="submit" class="secondary">{ct.add_button}</button>
            </form>
        </section>
        <form method="post" action=format!("/classes/{}/end", room.id) class="end-class">
            <button type="submit" class="danger">{ct.end_button}</button>
        </form>
        <script src=FOLLOW_SCRIPT.url() defer></script>
    }
}

#[component]
fn People(people: Vec<super::Person>) -> impl IntoView {
    let ct = ct();
    view! {
        <p>{(ct.people_count)(people.len() as i64)}</p>
        <ol class="people">
            {people.into_iter().map(|p| {
                let details = [p.birth_year.map(|y| y.to_string()), p.hamlet.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                view! {
                    <li>
                        {p.name}
                        {(!details.is_empty()).then(|| view! { " ("{details.clone()}")" })}
                        {(!p.on_phone).then(|| view! { " "<span class="meta">{ct.no_phone}</span> })}
                        {(p.answered > 0).then(|| view! { " "<span class="meta">{(ct.person_score)(p.correct, p.answered)}</span> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// A class's record: after it ended, or for a supervisor.
#[component]
fn Record(room: ClassRoom) -> impl IntoView {
    let ct = ct();
    view! {
        <Title text=room.course_title.clone()/>
        <h1>{room.course_title.clone()}</h1>
        <dl class="facts">
            <dt>{ct.place}</dt><dd>{if room.place.is_empty() { ct.place_none.to_string() } else { room.place.clone() }}</dd>
            <dt>{ct.leader}</dt><dd>{room.leader.clone()}</dd>
            <dt>{ct.started}</dt><dd>{room.started.clone()}</dd>
            <dt>{ct.ended}</dt><dd>{room.ended.clone().unwrap_or_else(|| ct.still_open.to_string())}</dd>
            <dt>{ct.code_label}</dt><dd><span class="class-code" data-code=room.code.clone()>{room.code.clone()}</span></dd>
        </dl>
        <p><a class="button secondary" href=format!("/classes/{}/record.csv", room.id) download>{ct.export}</a></p>
        <section>
            <h2>{ct.covered_heading}</h2>
            {if room.covered.is_empty() {
                Either::Left(view! { <p class="meta">{ct.nothing_covered}</p> })
            } else {
                Either::Right(view! { <ol class="covered">{room.covered.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ol> })
            }}
        </section>
        {(!room.results.is_empty()).then(|| view! {
            <section>
                <h2>{ct.results_heading}</h2>
                <ul class="results">
                    {room.results.into_iter().map(|r| view! {
                        <li>
                            <div class="prompt" inner_html=r.prompt_html></div>
                            <span class="meta">{(ct.result_line)(r.correct, r.answered)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <section id="people">
            <h2>{ct.people_heading}</h2>
            <People people=room.people/>
        </section>
    }
}

/// `/classes/<id>/screen`: for the projector, readable from the back of
/// the hall: the lesson on the left, how to join on the right.
#[component]
pub fn ClassScreenPage() -> impl IntoView {
    view! { <RoleGate roles=Role::LEADERS><Screen/></RoleGate> }
}

#[component]
fn Screen() -> impl IntoView {
    let room = Resource::new(|| param("id"), load_class_room);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match room.await {
                    Ok(Some(room)) if room.can_control => view! { <ScreenView room/> }.into_any(),
                    Ok(Some(room)) => view! { <Record room/> }.into_any(),
                    Ok(None) => unknown_class(),
                    Err(_) => view! { <p class="error">{t().load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ScreenView(room: ClassRoom) -> impl IntoView {
    let ct = ct();
    let counts = format!(
        "{}/{}",
        room.joined,
        room.question.as_ref().map_or(0, |q| q.answered)
    );
    view! {
        <Title text=room.course_title.clone()/>
        <div id="class-live" class="class-screen" data-events=format!("/classes/{}/events", room.id)
            data-seq=room.seq.to_string() data-counts=counts>
            <section class="screen-lesson">
                <p class="screen-course">{room.course_title.clone()}</p>
                {match (room.question.clone(), room.step.clone()) {
                    (Some(q), _) => Either::Left(view! { <QuestionLive q joined=room.joined/> }),
                    (None, Some(step)) => Either::Right(Some(view! {
                        <p class="step-now">{step_label(&step)}</p>
                        <div class="chapter-body" inner_html=step.html></div>
                    })),
                    (None, None) => Either::Right(None),
                }}
            </section>
            <aside class="screen-join">
                <p>{ct.screen_join}</p>
                <p class="screen-code" data-code=room.code.clone()>{room.code.clone()}</p>
                {if room.join_url.is_empty() {
                    Either::Left(view! { <p class="notice error" role="alert">{ct.needs_public_url}</p> })
                } else {
                    Either::Right(view! {
                        <div class="qr" role="img" aria-label=ct.qr_label inner_html=room.qr_svg.clone()></div>
                        <p class="screen-url">{room.join_url.clone()}</p>
                    })
                }}
                <p class="screen-joined" data-joined=room.joined>{(ct.joined_count)(room.joined)}</p>
                <p id="class-status" class="meta" role="status" data-online=ct.live data-offline=ct.reconnecting></p>
            </aside>
        </div>
        <script src=FOLLOW_SCRIPT.url() defer></script>
    }
}

/// `/join/<code>`: one button to join; then the class's current step.
#[component]
pub fn JoinPage() -> impl IntoView {
    let code = param("code");
    let phone = Resource::new(move || code.clone(), load_phone);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match phone.await {
                    Ok(phone) => view! { <PhoneView phone/> }.into_any(),
                    Err(_) => view! { <p class="error">{t().load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The field for typing a code (home page, wrong-code page).
#[component]
pub fn CodeForm() -> impl IntoView {
    let ct = ct();
    view! {
        <form method="get" action="/join" class="join-form" id="join">
            <label for="join-code">{ct.code_field}</label>
            <span class="inline-field">
                <input id="join-code" name="code" maxlength="12" autocomplete="off" autocapitalize="characters"
                    spellcheck="false" inputmode="text" placeholder="VD: AC3D7K" required/>
                <button type="submit">{ct.join_go}</button>
            </span>
        </form>
    }
}

#[component]
fn PhoneView(phone: Phone) -> impl IntoView {
    let ct = ct();
    match phone {
        Phone::Unknown => {
            respond(404, None);
            view! {
                <Title text=ct.unknown_code/>
                <h1>{ct.unknown_code}</h1>
                <p>{ct.unknown_code_help}</p>
                <CodeForm/>
            }
            .into_any()
        }
        Phone::Throttled { wait } => {
            respond(429, None);
            view! {
                <Title text=ct.too_many/>
                <h1>{ct.too_many}</h1>
                <p>{(ct.too_many_wait)((wait + 59) / 60)}</p>
            }
            .into_any()
        }
        Phone::Ended { course_title } => view! {
            <Title text=ct.ended_title/>
            <h1>{ct.ended_title}</h1>
            <p>{(ct.ended_body)(&course_title)}</p>
            <p><a class="button" href="/me">{ct.see_mine}</a></p>
        }
        .into_any(),
        Phone::Join { code, course_title, place, leader, signed_in_as } => {
            let error = query("error") == "name";
            view! {
                <Title text=ct.join_title/>
                <h1>{ct.join_title}</h1>
                <p class="lead">{course_title}</p>
                <p class="meta">
                    {(!place.is_empty()).then(|| view! { {place.clone()}" · " })}
                    {(ct.led_by)(&leader)}
                </p>
                <form method="post" action=links::join(&code) class="stacked-form join-class">
                    {match signed_in_as {
                        Some(name) => Either::Left(view! { <p>{(ct.join_as)(&name)}</p> }),
                        None => Either::Right(view! {
                            {error.then(|| view! { <p class="error form-error" role="alert">{ct.err_typed_name}</p> })}
                            <p class="field">
                                <label for="join-name">{ct.your_name}</label>
                                <input id="join-name" name="name" maxlength="60" autocomplete="name"
                                    aria-describedby="join-name-hint"/>
                                <span id="join-name-hint" class="hint">{ct.your_name_hint}</span>
                            </p>
                        }),
                    }}
                    <button type="submit" class="big">{ct.join_button}</button>
                </form>
            }
            .into_any()
        }
        Phone::InClass { code, seq, name, course_title, step, question } => view! {
            <Title text=course_title.clone()/>
            <p class="meta class-who">{course_title.clone()}" · "{(ct.you_are)(&name)}</p>
            <div id="class-live" data-events=format!("/join/{code}/events") data-seq=seq.to_string()>
                {match (question, step) {
                    (Some(q), _) => Either::Left(view! { <PhoneAsk code=code.clone() q/> }),
                    (None, Some(step)) => Either::Right(Some(view! {
                        <section id="class-step" class="class-step" data-seq=seq.to_string()>
                            <p class="step-now">{step_label(&step)}</p>
                            <div class="chapter-body" inner_html=step.html></div>
                            <p><a href=step.chapter_href>{ct.read_whole}</a></p>
                        </section>
                    })),
                    (None, None) => Either::Right(None),
                }}
            </div>
            <p class="class-follow">
                <span id="class-status" role="status" data-online=ct.live data-offline=ct.reconnecting></span>
                " "<a href=links::join(&code) class="button secondary">{ct.reload}</a>
            </p>
            <script src=FOLLOW_SCRIPT.url() defer></script>
        }
        .into_any(),
    }
}

#[component]
fn PhoneAsk(code: String, q: PhoneQuestion) -> impl IntoView {
    let ct = ct();
    let kind = if q.multiple { "checkbox" } else { "radio" };
    let error = query("error") == "choose";
    view! {
        <section id="class-step" class="class-step class-question">
            <h2>{ct.question_heading}</h2>
            <div class="prompt" inner_html=q.prompt_html.clone()></div>
            {if q.revealed {
                Either::Left(view! {
                    {match q.correct {
                        Some(true) => Some(view! { <p class="verdict verdict-valid">{ct.you_were_right}</p> }.into_any()),
                        Some(false) => Some(view! { <p class="verdict verdict-revoked">{ct.you_were_wrong}</p> }.into_any()),
                        None => None,
                    }}
                    <Shares shares=q.shares/>
                    {q.explanation_html.map(|h| view! { <div class="explanation" inner_html=h></div> })}
                })
            } else if q.answered {
                Either::Right(Either::Left(view! { <p class="notice" role="status">{ct.answer_sent}</p> }))
            } else {
                Either::Right(Either::Right(view! {
                    {error.then(|| view! { <p class="error form-error" role="alert">{ct.err_choose}</p> })}
                    <form method="post" action=format!("/join/{code}/answer") class="quiz">
                        <input type="hidden" name="question" value=q.id.clone()/>
                        <fieldset>
                            <legend class="visually-hidden">{ct.question_heading}</legend>
                            {q.choices.into_iter().map(|(key, html)| view! {
                                <label class="choice">
                                    <input type=kind name="choice" value=key/>
                                    <span inner_html=html></span>
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <button type="submit" class="big">{ct.answer_button}</button>
                    </form>
                }))
            }}
        </section>
    }
}

/// The classes a person joined, for `/me`.
#[component]
pub fn MyClasses() -> impl IntoView {
    let ct = ct();
    let list = Resource::new(|| (), |_| load_my_classes());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let list = list.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <section class="my-classes">
                        <h2>{ct.my_classes}</h2>
                        <ul>
                            {list.into_iter().map(|c| view! {
                                <li>
                                    {c.course_title}" "
                                    <span class="meta">{c.started}{(!c.place.is_empty()).then(|| view! { " · "{c.place.clone()} })}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
    }
}
