//! Reader preferences read from cookies, and the hashed asset addresses.

use http::{header::COOKIE, request::Parts, HeaderMap};

use super::{i18n::Lang, text_size::TextLevel};

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
