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

/// Searches every chapter of the current catalog.
#[server]
pub async fn search_chapters(query: String) -> Result<Vec<SearchHit>, ServerFnError> {
    let catalog = crate::content::ssr::current_catalog()?;
    Ok(catalog.search.search(&query, RESULT_LIMIT))
}

/// `/search?q=`: a GET form, so it works without JavaScript.
#[component]
pub fn SearchPage() -> impl IntoView {
    let tx = t();
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let hits = Resource::new(q, |q| async move {
        if q.trim().is_empty() {
            Ok(Vec::new())
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
                    Ok(hits) if hits.is_empty() => Either::Left(searched.then(|| view! { <p>{tx.search_none}</p> })),
                    Ok(hits) => Either::Right(view! { <SearchResults hits/> }),
                    Err(_) => Either::Left(Some(view! { <p>{tx.load_error}</p> })),
                }
            })}
        </Suspense>
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
