//! `/me` ("my learning") and the progress pieces other pages show.

use crate::web::links::{self, with_query};
use leptos::prelude::*;
use leptos_meta::Title;

use super::{load_my_learning, CourseProgress, SkillProgress};
use crate::ui::i18n::t;

/// `/me`: courses in progress with bars, completed courses, where to continue.
#[component]
pub fn MePage() -> impl IntoView {
    let tx = t();
    let signed_in = crate::accounts::signed_in_user().is_some();
    let learning = Resource::new(|| (), |_| load_my_learning());
    view! {
        <Title text=tx.me_title/>
        <h1>{tx.me_title}</h1>
        <crate::assignments::pages::RequiredSection/>
        <Suspense>
            {move || Suspend::new(async move {
                match learning.await {
                    Ok(me) if me.in_progress.is_empty() && me.completed.is_empty() => view! {
                        <p>{if signed_in { tx.me_nothing_yet_signed_in } else { tx.me_nothing_yet }}</p>
                        <p><a class="button" href="/courses">{tx.home_all_courses}</a></p>
                    }.into_any(),
                    Ok(me) => view! {
                        // A guest's progress lives on this phone only: say so, once.
                        {(!signed_in).then(|| view! {
                            <div class="notice keep-progress">
                                <p>{tx.me_keep_progress}</p>
                                <p><a class="button secondary" href=with_query("/signup", &[("next", "/me")])>{tx.me_sign_up}</a></p>
                            </div>
                        })}
                        {me.continue_at.map(|(href, title)| view! { <ContinueLink href title/> })}
                        {(!me.in_progress.is_empty()).then(|| view! {
                            <h2>{tx.me_in_progress}</h2>
                            <ul class="progress-list">
                                {me.in_progress.into_iter().map(|p| view! { <ProgressItem progress=p/> }).collect_view()}
                            </ul>
                        })}
                        {(!me.completed.is_empty()).then(|| view! {
                            <h2>{tx.me_completed}</h2>
                            <ul class="progress-list">
                                {me.completed.into_iter().map(|p| view! { <ProgressItem progress=p/> }).collect_view()}
                            </ul>
                        })}
                        {(!me.skills.is_empty()).then(|| view! { <SkillsCovered groups=me.skills/> })}
                    }.into_any(),
                    Err(_) => view! { <p class="error">{tx.load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
        <crate::certificates::pages::MyCertificates/>
        <crate::classes::pages::MyClasses/>
    }
}

/// The skills framework, group by group, with what this learner covered.
#[component]
fn SkillsCovered(groups: Vec<SkillProgress>) -> impl IntoView {
    let tx = t();
    view! {
        <h2>{tx.me_skills}</h2>
        <ul class="skills">
            {groups.into_iter().map(|g| view! {
                <li data-group=g.group.clone()>
                    <strong>{g.name}</strong>" "
                    <span class="meta">{(tx.me_skills_count)(g.learned.len(), g.total)}</span>
                    {(!g.learned.is_empty()).then(|| view! {
                        <ul>{g.learned.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
                    })}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// "Continue where you left off".
#[component]
pub fn ContinueLink(href: String, title: String) -> impl IntoView {
    let tx = t();
    view! {
        <p class="continue">
            <a class="button" href=href>
                <span>{tx.continue_where}</span>
                <small>{title}</small>
            </a>
        </p>
    }
}

/// A course with its progress bar.
#[component]
pub fn ProgressItem(progress: CourseProgress) -> impl IntoView {
    let tx = t();
    let percent = progress.percent();
    view! {
        <li class="progress-item">
            <a href=links::course(&progress.slug)>{progress.title.clone()}</a>
            <ProgressBar percent label=(tx.progress_label)(progress.read, progress.chapters, progress.passed, progress.quizzes)/>
            {progress.next.map(|(href, title)| view! { <p class="meta"><a href=href>{tx.next_step}": "{title}</a></p> })}
        </li>
    }
}

/// A bar that is also readable as text (and by screen readers).
#[component]
pub fn ProgressBar(percent: usize, label: String) -> impl IntoView {
    view! {
        <div class="progress">
            <progress max="100" value=percent.to_string() aria-label=label.clone()>{format!("{percent}%")}</progress>
            <span class="meta">{label}</span>
        </div>
    }
}
