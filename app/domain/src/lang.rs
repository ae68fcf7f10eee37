//! The languages of the interface. The pages' strings for each live with
//! the pages; here is only which languages there are, so the content checks
//! can speak both too.

use serde::{Deserialize, Serialize};

/// A language the interface is available in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// Name of the cookie that remembers the reader's choice.
    pub const COOKIE: &'static str = "lang";

    /// Every language, in the order the switch offers them.
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    /// BCP 47 code, as used in `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Parses a cookie or form value; anything unknown is `None`.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language's own name, shown on the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Vi => "Tiếng Việt",
            Lang::En => "English",
        }
    }
}
