//! With JavaScript, submitting a quiz swaps the result in without a reload.
//!
//! The form works on its own (plain POST, the server redirects to the result
//! page). This island only intercepts the submit, posts the same fields with
//! `fetch`, and puts the result page's `<main>` in place of the current one.
//! Any failure falls back to the normal submission.
//!
//! This crate is all of Hocvu that is compiled to WASM: every other page is
//! rendered on the server only, so the bundle carries this island and the
//! leptos runtime, nothing else.

use leptos::prelude::*;

/// Wraps the server-rendered quiz form (its children stay plain HTML).
#[island]
pub fn QuizSubmit(children: Children) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(root) = root.get() {
            enhance::attach(&root);
            // Tests and styles can tell the enhancement is there.
            let _ = root.set_attribute("data-ready", "");
        }
    });
    view! { <div node_ref=root class="quiz-island">{children()}</div> }
}

#[cfg(feature = "hydrate")]
mod enhance {
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        DomParser, Element, FormData, HtmlButtonElement, HtmlElement, HtmlFormElement, RequestInit,
        Response, SupportedType, UrlSearchParams,
    };

    pub fn attach(root: &Element) {
        let Ok(Some(form)) = root.query_selector("form") else {
            return;
        };
        let Ok(form) = form.dyn_into::<HtmlFormElement>() else {
            return;
        };
        let handler_form = form.clone();
        let on_submit = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            let form = handler_form.clone();
            set_busy(&form, true);
            leptos::task::spawn_local(async move {
                if submit(&form).await.is_err() {
                    // Let the browser do a normal submission instead.
                    set_busy(&form, false);
                    form.submit().ok();
                }
            });
        });
        let _ = form.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
        on_submit.forget();
    }

    fn set_busy(form: &HtmlFormElement, busy: bool) {
        if let Ok(Some(button)) = form.query_selector("button[type=submit]") {
            if let Ok(button) = button.dyn_into::<HtmlButtonElement>() {
                button.set_disabled(busy);
            }
        }
        let _ = form.set_attribute("aria-busy", if busy { "true" } else { "false" });
    }

    async fn submit(form: &HtmlFormElement) -> Result<(), JsValue> {
        let data = FormData::new_with_form(form)?;
        let body = UrlSearchParams::new_with_str_sequence_sequence(&data)?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&body.into());
        let window = web_sys::window().ok_or(JsValue::NULL)?;
        let response: Response =
            JsFuture::from(window.fetch_with_str_and_init(&form.action(), &init))
                .await?
                .dyn_into()?;
        if !response.ok() {
            return Err(JsValue::NULL);
        }
        let url = response.url();
        let html = JsFuture::from(response.text()?)
            .await?
            .as_string()
            .ok_or(JsValue::NULL)?;
        let fresh = DomParser::new()?.parse_from_string(&html, SupportedType::TextHtml)?;
        let document = window.document().ok_or(JsValue::NULL)?;
        let (Some(new_main), Some(main)) = (
            fresh.query_selector("main")?,
            document.query_selector("main")?,
        ) else {
            return Err(JsValue::NULL);
        };
        main.set_inner_html(&new_main.inner_html());
        document.set_title(&fresh.title());
        let _ = window
            .history()?
            .push_state_with_url(&JsValue::NULL, "", Some(&url));
        window.scroll_to_with_x_and_y(0.0, 0.0);
        // The focused submit button is gone: put focus on the result's
        // heading, so the keyboard continues from the score and the way on
        // (and screen readers read the result) instead of the page's top.
        if let Some(heading) = main.query_selector("h1")? {
            heading.set_attribute("tabindex", "-1")?;
            heading.dyn_into::<HtmlElement>()?.focus()?;
        }
        Ok(())
    }
}

/// Entry point of the WASM bundle: hydrates only the `#[island]` components.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
