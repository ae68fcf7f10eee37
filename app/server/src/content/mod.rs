//! The handbook: courses and chapters written as Markdown files in `content/`.
//!
//! Wire types here travel from server functions to pages; `ssr` loads the
//! files into an immutable `Catalog`; `pages` renders them.

pub mod pages;
pub mod ssr;
pub mod status;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A group of the digital-skills framework (`content/skills.toml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillGroup {
    pub code: String,
    pub name: String,
}

/// Who a course is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Resident,
    Official,
    All,
}

impl Audience {
    /// Parses the `?for=` filter; unknown values mean no filter.
    pub fn parse(value: &str) -> Option<Audience> {
        match value {
            "resident" => Some(Audience::Resident),
            "official" => Some(Audience::Official),
            "all" => Some(Audience::All),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Audience::Resident => "resident",
            Audience::Official => "official",
            Audience::All => "all",
        }
    }

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

/// All courses, optionally only those suiting one audience.
#[server]
pub async fn list_courses(audience: Option<Audience>) -> Result<Vec<CourseCard>, ServerFnError> {
    let catalog = ssr::current_catalog()?;
    Ok(catalog
        .courses
        .iter()
        .filter(|c| audience.is_none_or(|a| c.audience.suits(a)))
        .map(ssr::catalog::Course::card)
        .collect())
}

/// One course's outline, or `None` when no such course exists.
#[server]
pub async fn get_course(slug: String) -> Result<Option<CourseOutline>, ServerFnError> {
    let catalog = ssr::current_catalog()?;
    Ok(catalog.course(&slug).map(ssr::catalog::Course::outline))
}

/// One chapter, or `None` when the course or chapter does not exist.
#[server]
pub async fn get_chapter(
    course: String,
    chapter: String,
) -> Result<Option<ChapterView>, ServerFnError> {
    let catalog = ssr::current_catalog()?;
    Ok(catalog
        .course(&course)
        .and_then(|c| c.chapter_view(&chapter)))
}
