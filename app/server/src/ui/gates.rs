//! Who may see a page: the gate every role-restricted page stands behind,
//! the 403 page, and setting a page's status (a redirect to sign in).

use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use super::i18n::t;
use crate::{
    accounts::{signed_in_user, Role},
    web::links::with_query,
};

/// Sets the status (and a `Location`) of the page being rendered.
pub fn respond(status: u16, location: Option<&str>) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(status) {
            response.set_status(status);
        }
        if let Some(value) = location.and_then(|l| http::HeaderValue::from_str(l).ok()) {
            response.insert_header(http::header::LOCATION, value);
        }
    }
}

/// The page for a signed-in user who lacks the role: 403. `reason` says
/// why, where the page knows better than "you may not".
#[component]
pub fn Forbidden(#[prop(optional)] reason: Option<&'static str>) -> impl IntoView {
    respond(403, None);
    let tx = t();
    view! {
        <Title text=tx.forbidden_title/>
        <section class="not-found">
            <h1>{tx.forbidden_title}</h1>
            <p>{reason.unwrap_or(tx.forbidden_body)}</p>
            <p><a class="button" href="/">{tx.back_home}</a></p>
        </section>
    }
}

/// Shows `children` only to signed-in users holding one of `roles`:
/// signed-out visitors are sent to sign in (and come back), others get 403.
#[component]
pub fn RoleGate(roles: &'static [Role], children: Children) -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    match signed_in_user() {
        None => {
            respond(303, Some(&with_query("/signin", &[("next", &path)])));
            Either::Left(Either::Left(()))
        }
        Some(user) if !roles.contains(&user.role) => {
            Either::Left(Either::Right(view! { <Forbidden/> }))
        }
        Some(_) => Either::Right(children()),
    }
}
