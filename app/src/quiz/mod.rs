//! Quizzes: written in Markdown beside the chapters, graded only on the server.

#[cfg(feature = "ssr")]
pub mod grade;
#[cfg(feature = "ssr")]
pub mod model;
#[cfg(feature = "ssr")]
pub mod parse;
#[cfg(feature = "ssr")]
pub mod ssr;
