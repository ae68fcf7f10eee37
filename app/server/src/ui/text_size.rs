//! Text size. Many residents read on small screens with weak eyesight: the
//! chosen level is kept in a cookie, so the server renders every page at
//! that size (no flash, no JavaScript). "Chữ lớn" in the header sets it.

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
