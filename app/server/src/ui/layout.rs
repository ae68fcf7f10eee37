//! Header, navigation and footer shared by every page.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::{
    i18n::{t, use_lang, Lang},
    text_size::CurrentTextLevel,
};
use crate::accounts::pages::AccountNav;

/// Wraps a page in the site header and footer.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let tx = t();
    view! {
        <a class="skip-link" href="#main">{tx.skip_to_content}</a>
        // One compact bar on a phone: the name, "Chữ lớn" and a menu that
        // opens without JavaScript (<details>), so the page starts near the top.
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-name">{tx.site_name}</span>
                <span class="brand-tagline">{tx.site_tagline}</span>
            </a>
            <BigTextSwitch/>
            <details class="menu">
                <summary>{tx.menu}</summary>
                <nav aria-label=tx.nav_label class="site-nav">
                    <a href="/">{tx.nav_home}</a>
                    <a href="/courses">{tx.nav_courses}</a>
                    <a href="/search">{tx.nav_search}</a>
                    <AccountNav/>
                </nav>
            </details>
        </header>
        <main id="main" class="page">
            // What the page script says about actions kept offline.
            <p id="offline-badge" class="offline-badge" hidden>{tx.offline_badge}</p>
            <div id="offline-note" class="offline-note" role="status" hidden></div>
            {children()}
        </main>
        <footer class="site-footer">
            <p>{tx.footer_about}</p>
            <div class="footer-tools">
                <LanguageSwitch/>
            </div>
        </footer>
    }
}

/// "Chữ lớn": one labelled switch near the top, a plain form (no
/// JavaScript needed) that keeps the choice in the text-size cookie.
#[component]
fn BigTextSwitch() -> impl IntoView {
    let level = use_context::<CurrentTextLevel>().unwrap_or_default().0;
    let on = level >= BIG_TEXT_LEVEL;
    let back = use_location().pathname.get_untracked();
    view! {
        <form method="post" action="/text-size" class="big-text">
            <input type="hidden" name="level" value=if on { "0" } else { "2" }/>
            <input type="hidden" name="back" value=back/>
            <button type="submit" aria-pressed=on.to_string()>{t().big_text}</button>
        </form>
    }
}

/// The text-size level "Chữ lớn" switches to (20 px body text).
pub const BIG_TEXT_LEVEL: u8 = 2;

/// A plain form per language: works without JavaScript, POSTs to `/lang`.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let current = use_lang();
    let back = use_location().pathname.get_untracked();
    view! {
        <div class="lang-switch" role="group" aria-label=t().language_label>
            {Lang::ALL
                .into_iter()
                .map(|lang| {
                    let back = back.clone();
                    view! {
                        <form method="post" action="/lang">
                            <input type="hidden" name="to" value=lang.code()/>
                            <input type="hidden" name="back" value=back/>
                            <button
                                type="submit"
                                lang=lang.code()
                                aria-pressed=(lang == current).to_string()
                            >
                                {lang.native_name()}
                            </button>
                        </form>
                    }
                })
                .collect_view()}
        </div>
    }
}
