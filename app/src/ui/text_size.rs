//! Text-size control: an island, because it only matters with JavaScript.
//!
//! Many residents read on small screens with weak eyesight. The chosen level
//! is kept in a cookie so the server renders the next page at that size
//! (no flash, and it also applies to pages read without JavaScript).

use leptos::prelude::*;

use super::i18n::Lang;

/// The text-size level of the page being rendered (from the cookie).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CurrentTextLevel(pub u8);

/// The cookie name and level parsing, shared with the server.
pub struct TextLevel;

impl TextLevel {
    pub const COOKIE: &'static str = "textsize";
    pub const MAX_LEVEL: u8 = 3;

    /// Parses a cookie value; anything out of range means the default size.
    pub fn parse_level(value: &str) -> u8 {
        value
            .parse::<u8>()
            .ok()
            .filter(|l| *l <= Self::MAX_LEVEL)
            .unwrap_or(0)
    }
}

/// A− / A+ buttons, hidden until the island has hydrated.
#[island]
pub fn TextSize(lang: Lang) -> impl IntoView {
    let tx = lang.texts();
    let (ready, set_ready) = signal(false);
    // Effects run only in the browser, so the server renders the control hidden.
    Effect::new(move |_| set_ready.set(true));

    let change = move |delta: i8| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let doc = document();
            let Some(root) = doc.document_element() else {
                return;
            };
            let current = root
                .get_attribute("data-text-size")
                .map(|v| TextLevel::parse_level(&v))
                .unwrap_or(0);
            let next = (current as i8 + delta).clamp(0, TextLevel::MAX_LEVEL as i8);
            let _ = root.set_attribute("data-text-size", &next.to_string());
            if let Ok(html) = doc.dyn_into::<web_sys::HtmlDocument>() {
                let _ = html.set_cookie(&format!(
                    "{}={next}; Path=/; Max-Age=31536000; SameSite=Lax",
                    TextLevel::COOKIE
                ));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = delta;
    };

    view! {
        <div class="text-size" role="group" aria-label=tx.text_size_label hidden=move || !ready.get()>
            // The spoken name starts with what is on the button (WCAG 2.5.3).
            <button type="button" aria-label=format!("A− {}", tx.text_smaller) on:click=move |_| change(-1)>"A−"</button>
            <button type="button" aria-label=format!("A+ {}", tx.text_larger) on:click=move |_| change(1)>"A+"</button>
        </div>
    }
}
