//! The handbook: courses and chapters written as Markdown files in `content/`.
//!
//! The domain (`hocvu_domain::content`) loads the files into an immutable
//! `Catalog`; here server functions hand its values to `pages`, `ssr`
//! serves the media and gives each request its snapshot, and `status`
//! shows trainers what the last load found.

pub mod pages;
pub mod ssr;
pub mod status;

pub use hocvu_domain::content::{
    Audience, ChapterLink, ChapterView, CourseCard, CourseOutline, SkillGroup, TocEntry,
};
use leptos::prelude::*;

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
