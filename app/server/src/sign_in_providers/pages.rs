//! What people see of provider sign-in: the buttons on the sign-in and
//! sign-up pages, the failure page, the password page that links an
//! existing account, and the list of linked sign-ins on /me.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{texts::pt, LinkWaiting, LinkedSignIn, ProviderButtons, Trouble};

/// One form per configured provider (nothing when there is none). Each
/// is a plain POST: it works without JavaScript.
#[component]
pub fn ProviderSignInButtons(next: String) -> impl IntoView {
    let buttons = use_context::<ProviderButtons>().unwrap_or_default();
    (!buttons.0.is_empty()).then(|| {
        let tx = pt();
        view! {
            <section class="provider-sign-in" aria-label=tx.buttons_label>
                <p class="or-divider">{tx.or_divider}</p>
                {buttons.0.iter().map(|b| view! {
                    <form method="post" action=format!("/signin/with/{}", b.id) class="provider-form">
                        <input type="hidden" name="next" value=next.clone()/>
                        <button type="submit" class="secondary provider-button">{b.label.clone()}</button>
                    </form>
                }).collect_view()}
            </section>
        }
    })
}

/// `/signin/trouble?reason=…`: why a provider sign-in did not happen, in
/// one plain sentence, and the way in that still works.
#[component]
pub fn TroublePage() -> impl IntoView {
    let tx = pt();
    let reason = use_query_map()
        .get_untracked()
        .get("reason")
        .and_then(|r| Trouble::parse(&r))
        .unwrap_or(Trouble::Other);
    let text = match reason {
        Trouble::Unavailable => tx.trouble_unavailable,
        Trouble::State => tx.trouble_state,
        Trouble::Expired => tx.trouble_expired,
        Trouble::Code => tx.trouble_code,
        Trouble::Denied => tx.trouble_denied,
        Trouble::Token => tx.trouble_token,
        Trouble::Clock => tx.trouble_clock,
        Trouble::NoPhone => tx.trouble_no_phone,
        Trouble::NoAddress => tx.trouble_no_address,
        Trouble::Unknown => tx.trouble_unknown,
        Trouble::Other => tx.trouble_other,
    };
    view! {
        <Title text=tx.trouble_title/>
        <section class="account">
            <h1>{tx.trouble_title}</h1>
            <p class="error form-error" role="alert" data-reason=reason.code()>{text}</p>
            <p>{tx.trouble_nothing_changed}</p>
            <p>{tx.trouble_local}</p>
            <p><a class="button" href="/signin">{tx.trouble_local_link}</a></p>
            <ProviderSignInButtons next=String::new()/>
        </section>
    }
}

/// The link waiting for this browser's password (`None`: none, or gone).
/// Only the browser holding the flow cookie can name one.
#[server(endpoint = "pending_link")]
pub async fn pending_link() -> Result<Option<LinkWaiting>, ServerFnError> {
    use crate::web::AppError;
    use std::sync::Arc;
    let db = crate::web::request_db()?;
    let sessions = use_context::<crate::accounts::ssr::SessionConfig>();
    let providers = use_context::<Arc<super::ssr::Providers>>();
    let parts = use_context::<http::request::Parts>();
    let (Some(sessions), Some(providers), Some(parts)) = (sessions, providers, parts) else {
        return Ok(None);
    };
    let found = super::ssr::handlers::pending_link_of(&db, &sessions, &providers, &parts).await;
    Ok(found.map_err(AppError::from)?)
}

/// `/signin/link`: the password, once, to link a provider account to the
/// Hocvu account that has the same phone number.
#[component]
pub fn LinkPage() -> impl IntoView {
    let tx = pt();
    let wrong = use_query_map()
        .get_untracked()
        .get("error")
        .is_some_and(|e| e == crate::accounts::Problem::Credentials.code());
    // It names this browser's phone number: kept by no cache.
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("private, no-store"),
        );
    }
    let pending = Resource::new(|| (), |_| pending_link());
    view! {
        <Title text=tx.link_title/>
        <section class="account">
            <h1>{tx.link_title}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match pending.await.ok().flatten() {
                        None => view! {
                            <p class="error form-error" role="alert">{tx.link_missing}</p>
                            <p><a class="button" href="/signin">{tx.trouble_local_link}</a></p>
                        }.into_any(),
                        Some(link) => view! {
                            <p class="lead">{(tx.link_lead)(&link.phone, &link.provider_label)}</p>
                            {wrong.then(|| view! {
                                <p class="error form-error" role="alert">{crate::ui::i18n::t().err_credentials}</p>
                            })}
                            <form method="post" action="/signin/link" class="account-form">
                                <p class="field">
                                    <label for="password">{crate::ui::i18n::t().password_label}</label>
                                    <input id="password" name="password" type="password" required
                                        autocomplete="current-password" maxlength="256"/>
                                </p>
                                <button type="submit">{tx.link_button}</button>
                            </form>
                            <p><a href="/signin">{tx.link_cancel}</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The signed-in person's linked provider accounts (empty for guests).
#[server(endpoint = "my_linked_sign_ins")]
pub async fn my_linked_sign_ins() -> Result<Vec<LinkedSignIn>, ServerFnError> {
    use crate::web::AppError;
    let Some(user) = crate::web::current_identity().user else {
        return Ok(Vec::new());
    };
    let db = crate::web::request_db()?;
    let Some(providers) = use_context::<std::sync::Arc<super::ssr::Providers>>() else {
        return Ok(Vec::new());
    };
    let rows = super::ssr::store::links_of(&db, &user.id)
        .await
        .map_err(AppError::from)?;
    Ok(rows
        .into_iter()
        .map(|row| LinkedSignIn {
            id: row.id,
            label: providers.label(&row.provider),
            linked_on: crate::clock::date_of(row.created_at),
        })
        .collect())
}

/// On /me: linked sign-ins, each with a button that removes it. Shown to
/// signed-in people when a provider is configured or a link exists.
#[component]
pub fn LinkedSignIns() -> impl IntoView {
    let signed_in = crate::accounts::signed_in_user().is_some();
    let configured = use_context::<ProviderButtons>().is_some_and(|b| !b.0.is_empty());
    let query = use_query_map().get_untracked();
    let unlinked = query.get("unlinked").is_some();
    let last = query.get("unlink").is_some_and(|v| v == "last");
    let list = Resource::new(|| (), |_| my_linked_sign_ins());
    signed_in.then(|| {
        let tx = pt();
        view! {
            <Suspense>
                {move || Suspend::new(async move {
                    let list = list.await.unwrap_or_default();
                    (configured || !list.is_empty()).then(|| view! {
                        <section class="linked-sign-ins" id="sign-ins">
                            <h2>{tx.me_linked_title}</h2>
                            {unlinked.then(|| view! { <p class="notice" role="status">{tx.me_unlinked}</p> })}
                            {last.then(|| view! { <p class="error form-error" role="alert">{tx.me_unlink_last}</p> })}
                            {if list.is_empty() {
                                view! { <p>{tx.me_linked_none}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="linked-list">
                                        {list.into_iter().map(|link| view! {
                                            <li>
                                                <strong>{link.label.clone()}</strong>" "
                                                <span class="meta">{(tx.me_linked_since)(&crate::ui::day_month_year(&link.linked_on))}</span>
                                                <form method="post" action="/me/sign-ins/remove" class="inline-form">
                                                    <input type="hidden" name="id" value=link.id/>
                                                    <button type="submit" class="secondary" aria-label=format!("{}: {}", tx.me_unlink, link.label)>{tx.me_unlink}</button>
                                                </form>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                    })
                })}
            </Suspense>
        }
    })
}
