//! Hocvu's domain: what the platform knows and decides, with no web in it.
//!
//! - [`db`]: one code base on two databases (SQLite, PostgreSQL);
//! - [`content`]: the handbook loaded from Markdown into an immutable
//!   catalog, checked and rendered once per load;
//! - [`quiz`]: quiz files parsed, balanced and graded;
//! - [`search`]: the diacritic-forgiving index over every chapter;
//! - [`clock`] (now, local dates), [`text`] (folding, cutting) and
//!   [`Lang`] (which languages there are).
//!
//! Nothing here names leptos, axum or a page: the server crate above turns
//! requests into calls and results into pages.

pub mod clock;
pub mod content;
pub mod db;
mod lang;
pub mod quiz;
pub mod search;
pub mod text;

pub use lang::Lang;

/// An enum whose values are stored or travel as short codes (a role in the
/// database, `?error=unit`, `?done=saved`): the writer uses `code()`, the
/// reader `parse()`, so the two cannot drift apart.
#[macro_export]
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}
