//! The 404 page, rendered for any path no route claims.

use leptos::prelude::*;
use leptos_meta::Title;

use super::i18n::t;

#[component]
pub fn NotFound() -> impl IntoView {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let tx = t();
    view! {
        <Title text=tx.not_found_title/>
        <section class="not-found">
            <h1>{tx.not_found_title}</h1>
            <p>{tx.not_found_body}</p>
            <p><a class="button" href="/">{tx.back_home}</a></p>
        </section>
    }
}
