//! The HTML document around every page (server only).

use http::{header::COOKIE, request::Parts, HeaderMap};
use leptos::prelude::*;
use leptos_meta::MetaTags;

use super::{i18n::Lang, text_size::TextLevel, App};

/// Hashed asset URLs, read once at start-up from cargo-leptos' hash file.
#[derive(Clone, Debug)]
pub struct AssetPaths {
    pub css: String,
}

/// Reader preferences carried in cookies, so they apply before any JavaScript.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReaderPrefs {
    pub lang: Lang,
    pub text_size: u8,
}

impl ReaderPrefs {
    /// The cookies, then `?lang=` of the address (a shared link in English).
    pub fn of(parts: &Parts) -> Self {
        let mut prefs = ReaderPrefs::from_headers(&parts.headers);
        let asked = parts.uri.query().into_iter().flat_map(|q| q.split('&'));
        for pair in asked {
            if let Some(lang) = pair.strip_prefix("lang=").and_then(Lang::parse) {
                prefs.lang = lang;
            }
        }
        prefs
    }

    /// Reads `lang` and `textsize` cookies; bad values fall back to defaults.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut prefs = ReaderPrefs::default();
        let cookies = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .flatten();
        for c in cookies {
            match c.name() {
                Lang::COOKIE => prefs.lang = Lang::parse(c.value()).unwrap_or_default(),
                TextLevel::COOKIE => prefs.text_size = TextLevel::parse_level(c.value()),
                _ => {}
            }
        }
        prefs
    }
}

/// The document shell: `<html lang>` follows the reader's language.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let prefs = use_context::<Parts>()
        .map(|parts| ReaderPrefs::of(&parts))
        .unwrap_or_default();
    provide_context(prefs.lang);
    provide_context(prefs);
    provide_context(super::text_size::CurrentTextLevel(prefs.text_size));
    // Islands load their scripts themselves (`IslandScripts`); the rest of
    // the page carries no hydration markers.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    provide_context(options);
    let css = use_context::<AssetPaths>()
        .map(|a| a.css)
        .unwrap_or_else(|| "/pkg/hocvu.css".to_string());
    view! {
        <!DOCTYPE html>
        <html lang=prefs.lang.code() data-text-size=prefs.text_size.to_string()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#0b5cad"/>
                <link rel="stylesheet" href=css/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                // Offline reading (service worker); never needed to read.
                <script src=crate::offline::ssr::PAGE_SCRIPT.url() defer></script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}
