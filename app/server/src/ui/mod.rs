//! The page shell, the site layout and the pages that belong to no feature.

pub mod gates;
pub mod home;
pub mod i18n;
pub mod islands;
pub mod layout;
pub mod not_found;
pub mod officials_texts;
pub mod read_aloud;
pub mod tabs;
pub mod text_size;

mod shell;
pub use shell::{AssetPaths, ReaderPrefs};

/// `YYYY-MM-DD` as people in Vietnam write it: `dd/mm/yyyy`. Anything else
/// is shown as it is.
pub fn day_month_year(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] if y.len() == 4 => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    }
}
