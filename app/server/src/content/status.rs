//! `/content/status`: the findings of the latest content load, for trainers
//! and admins. A broken edit never takes a page down (the last good version
//! stays online), so this page is where a trainer sees what needs fixing.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::ui::{gates::Forbidden, i18n::t};

/// One finding, as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub error: bool,
    /// `file:line:col: message`
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusPage {
    Shown {
        courses: usize,
        chapters: usize,
        findings: Vec<Finding>,
        /// `code name` of each framework skill no chapter teaches.
        uncovered: Vec<String>,
    },
    Forbidden,
}

/// The latest load's findings (trainer or admin only).
#[server]
pub async fn content_status() -> Result<StatusPage, ServerFnError> {
    use crate::{
        accounts::Role,
        content::ssr::{diagnostics::Severity, ContentStore},
        web::current_identity,
    };
    if !current_identity().has_role(Role::WRITERS) {
        return Ok(StatusPage::Forbidden);
    }
    let store = use_context::<std::sync::Arc<ContentStore>>()
        .ok_or_else(|| ServerFnError::new("content store missing from context"))?;
    let catalog = store.catalog();
    let findings = store
        .diagnostics()
        .iter()
        .map(|d| Finding {
            error: d.severity == Severity::Error,
            text: d.text_in(crate::ui::i18n::use_lang()),
        })
        .collect();
    let uncovered = catalog
        .uncovered_skills()
        .into_iter()
        .map(|s| format!("{} {}", s.code, s.name))
        .collect();
    Ok(StatusPage::Shown {
        courses: catalog.courses.len(),
        chapters: catalog.chapter_count(),
        findings,
        uncovered,
    })
}

#[component]
pub fn ContentStatusPage() -> impl IntoView {
    let status = Resource::new(|| (), |_| content_status());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let tx = t();
                match status.await {
                    Ok(StatusPage::Shown { courses, chapters, findings, uncovered }) => view! {
                        <Title text=tx.content_status_title/>
                        <h1>{tx.content_status_title}</h1>
                        <p>{(tx.content_status_summary)(courses, chapters)}</p>
                        {if findings.is_empty() {
                            view! { <p class="done">{tx.content_status_clean}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="findings">
                                    {findings.into_iter().map(|f| view! {
                                        <li class:error=f.error><code>{f.text}</code></li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        {(!uncovered.is_empty()).then(|| view! {
                            <h2>{tx.content_status_uncovered}</h2>
                            <ul class="uncovered-skills">
                                {uncovered.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                            </ul>
                        })}
                    }.into_any(),
                    Ok(StatusPage::Forbidden) => {
                        view! { <Forbidden reason=tx.stats_forbidden/> }.into_any()
                    }
                    Err(_) => view! { <p class="error">{tx.load_error}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
