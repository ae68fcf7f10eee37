//! Search across every chapter, forgiving of missing Vietnamese diacritics.
//!
//! The index is built from the catalog at each content load (`index`), so
//! search behaves the same on SQLite and PostgreSQL and needs no database.

use crate::web::links;
pub use hocvu_domain::search::{SearchHit, Segment};
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::ui::i18n::t;

/// Most hits a results page shows.
const RESULT_LIMIT: usize = 20;
/// Most courses shown above the chapters.
const COURSE_LIMIT: usize = 3;

/// What a search found: whole courses (by title and summary), then chapters.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Found {
    pub courses: Vec<SearchHit>,
    pub chapters: Vec<SearchHit>,
}

/// Searches the courses and every chapter of the current catalog.
#[server]
pub async fn search_chapters(query: String) -> Result<Found, ServerFnError> {
    let catalog = crate::content::ssr::current_catalog()?;
    Ok(Found {
        courses: catalog.course_search.search(&query, COURSE_LIMIT),
        chapters: catalog.search.search(&query, RESULT_LIMIT),
    })
}

/// The search box, for pages other than `/search` (the home page): a GET
/// form to `/search`, so it works without JavaScript.
#[component]
pub fn SearchBox() -> impl IntoView {
    let tx = t();
    view! {
        <form method="get" action="/search" role="search" class="search-form home-search">
            <label for="home-q">{tx.search_label}</label>
            <div class="search-row">
                <input id="home-q" name="q" type="search" placeholder=tx.search_placeholder maxlength="200"/>
                <button type="submit">{tx.search_button}</button>
            </div>
        </form>
    }
}

/// `/search?q=`: a GET form, so it works without JavaScript.
#[component]
pub fn SearchPage() -> impl IntoView {
    let tx = t();
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let hits = Resource::new(q, |q| async move {
        if q.trim().is_empty() {
            Ok(Found::default())
        } else {
            search_chapters(q).await
        }
    });
    view! {
        <Title text=tx.search_title/>
        <h1>{tx.search_title}</h1>
        <form method="get" action="/search" role="search" class="search-form">
            <label for="q">{tx.search_label}</label>
            <div class="search-row">
                <input id="q" name="q" type="search" value=q placeholder=tx.search_placeholder maxlength="200"/>
                <button type="submit">{tx.search_button}</button>
            </div>
            <p class="hint">{tx.search_hint}</p>
        </form>
        <Suspense>
            {move || Suspend::new(async move {
                let searched = !q().trim().is_empty();
                match hits.await {
                    Ok(found) if found.chapters.is_empty() && found.courses.is_empty() => Either::Left(searched.then(|| view! { <p>{tx.search_none}</p> })),
                    Ok(found) => Either::Right(view! {
                        {(!found.courses.is_empty()).then(|| view! { <CourseResults hits=found.courses/> })}
                        <SearchResults hits=found.chapters/>
                    }),
                    Err(_) => Either::Left(Some(view! { <p>{tx.load_error}</p> })),
                }
            })}
        </Suspense>
    }
}

/// Whole courses that match, above the chapters.
#[component]
fn CourseResults(hits: Vec<SearchHit>) -> impl IntoView {
    let tx = t();
    view! {
        <section class="course-results" aria-labelledby="course-results-title">
            <h2 id="course-results-title">{tx.search_courses}</h2>
            <ul class="search-results">
                {hits.into_iter().map(|hit| view! {
                    <li>
                        <a href=links::course(&hit.course_slug)>{hit.course_title}</a>
                        <p>{hit.snippet.into_iter().map(|s| if s.highlighted {
                            Either::Left(view! { <mark>{s.text}</mark> })
                        } else {
                            Either::Right(s.text)
                        }).collect_view()}</p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <h2>{tx.search_chapters}</h2>
    }
}

#[component]
fn SearchResults(hits: Vec<SearchHit>) -> impl IntoView {
    let tx = t();
    view! {
        <p class="meta" role="status">{(tx.search_count)(hits.len())}</p>
        <ol class="search-results">
            {hits
                .into_iter()
                .map(|hit| {
                    let anchor = hit.anchor.map(|a| format!("#{a}")).unwrap_or_default();
                    let href = format!("{}{anchor}", links::chapter(&hit.course_slug, &hit.chapter_id));
                    view! {
                        <li>
                            <a href=href>{hit.chapter_title}</a>
                            <span class="meta">{hit.course_title}</span>
                            <p>
                                {hit
                                    .snippet
                                    .into_iter()
                                    .map(|s| {
                                        if s.highlighted {
                                            Either::Left(view! { <mark>{s.text}</mark> })
                                        } else {
                                            Either::Right(s.text)
                                        }
                                    })
                                    .collect_view()}
                            </p>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
