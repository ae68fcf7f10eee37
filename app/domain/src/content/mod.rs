//! The handbook: courses and chapters written as Markdown files in
//! `content/`, loaded into an immutable [`Catalog`] (checked, rendered and
//! indexed once per load), and the values pages show of it.

pub mod catalog;
pub mod course_toml;
pub mod diagnostics;
pub mod front_matter;
pub mod loader;
pub mod markdown;
pub mod skills;
pub mod store;
pub mod svg;
pub mod tree;

use serde::{Deserialize, Serialize};

pub use self::{catalog::Catalog, store::ContentStore};

/// A group of the digital-skills framework (`content/skills.toml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillGroup {
    pub code: String,
    pub name: String,
}

crate::coded_enum! {
    /// Who a course is written for.
    #[derive(Hash, Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Audience {
        Resident = "resident",
        Official = "official",
        All = "all",
    }
}

impl Audience {
    /// Whether a course for `self` belongs in a list filtered for `wanted`.
    pub fn suits(self, wanted: Audience) -> bool {
        self == Audience::All || wanted == Audience::All || self == wanted
    }
}

/// An entry of a chapter's table of contents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A course as listed in the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseCard {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub audience: Audience,
    pub certificate: bool,
    pub chapter_count: usize,
    pub minutes: u32,
}

/// A chapter as linked from lists and previous/next.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChapterLink {
    pub id: String,
    pub title: String,
    pub minutes: u32,
    pub summary: String,
    pub has_quiz: bool,
}

/// A course page: its card and its chapters in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseOutline {
    pub card: CourseCard,
    pub chapters: Vec<ChapterLink>,
    pub has_final_test: bool,
    /// About what downloading the course for offline reading costs.
    pub offline_bytes: u64,
}

/// Everything a chapter page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChapterView {
    pub course_slug: String,
    pub course_title: String,
    pub id: String,
    pub title: String,
    pub minutes: u32,
    /// Sanitised HTML, rendered once when the content was loaded.
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub prev: Option<ChapterLink>,
    pub next: Option<ChapterLink>,
    pub has_quiz: bool,
    /// 1-based position in the course, and the course's chapter count.
    pub position: usize,
    pub total: usize,
    /// Id for this page's "done reading" form, so a retried POST counts once.
    pub read_event: String,
    /// `/media/…` address of a recorded reading (`audio` in the front matter).
    pub audio: Option<String>,
}
