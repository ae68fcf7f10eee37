//! Publishing the handbook from the browser and the command line.
//!
//! Trainers upload a course (`.zip` of its folder) or single files, or edit
//! one file in a text box. Each becomes a *draft*: checked with the same
//! loader that serves the site, previewed as learners will see it, then
//! published as a new *version* of the whole handbook. Versions live in the
//! database, so every app server serves the same one (`ssr::follow`).
//!
//! Which files are served: with `content_source = "auto"` (the default),
//! PostgreSQL always serves the newest version; SQLite serves the
//! `content/` folder, live-reloaded, until someone publishes a version.
//! `"folder"` and `"database"` pin one source. The README says the same.

pub mod pages;
pub mod ssr;
pub mod texts;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How a file differs from the version before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Changed,
    Removed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    pub path: String,
    pub change: Change,
}

impl FileChange {
    pub fn new(path: &str, change: Change) -> FileChange {
        FileChange {
            path: path.to_string(),
            change,
        }
    }
}

/// Why an upload was refused before anything was kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadProblem {
    /// The form could not be read, or carried no file.
    NoFile,
    NotAZip,
    TooManyFiles(usize),
    /// A file over its limit (name, limit in KB).
    TooLarge(String, usize),
    /// The files together unpack to more than this many MB.
    TooLargeInAll(usize),
    /// A name with `..`, an absolute path or a drive.
    BadPath(String),
    Link(String),
    /// Encrypted or compressed in a way we do not read.
    Unsupported(String),
    /// A zip without any `course.toml`.
    NoCourse,
    /// Loose files need a course to go into.
    NoCourseChosen,
    UnknownCourse(String),
    /// A loose file of a kind the handbook does not use.
    WrongKind(String),
    /// A picture or recording whose bytes are not what its name says.
    BadMedia(String),
    /// A course folder name that cannot be a web address.
    BadCourseName(String),
    /// This server serves the folder only (`content_source = "folder"`).
    PublishingOff,
    /// The trainer has this many open drafts already: publish or discard some.
    TooManyDrafts(usize),
    /// The trainer's open drafts would hold more than this many MB.
    DraftsTooLarge(usize),
}

/// Who published the version being served, or the folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Serving {
    /// 0: the `content/` folder.
    pub version: i64,
    pub author: String,
    pub at: String,
    pub note: String,
    /// Browser publishing is off (`content_source = "folder"`).
    pub publishing_off: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseFiles {
    pub slug: String,
    pub title: String,
    /// Text files of the course (`01-x.md`, `01-x.quiz.md`, `course.toml`).
    pub files: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftLine {
    pub id: String,
    pub title: String,
    pub created_at: String,
}

/// `/content`: what is served and the ways to change it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Home {
    pub serving: Serving,
    pub courses: Vec<CourseFiles>,
    pub drafts: Vec<DraftLine>,
    pub errors: usize,
    pub warnings: usize,
}

/// One problem a check found, where it is, and the line it is on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub error: bool,
    /// `file:line:col`
    pub place: String,
    pub message: String,
    pub line: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewLink {
    pub path: String,
    pub title: String,
    pub url: String,
}

/// A file of a draft that someone else changed since the draft began.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub path: String,
    pub by: String,
    pub at: String,
}

/// `/content/drafts/:id`: the check, the previews and the publish button.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftPage {
    /// Files of the draft that can be opened again in the editor.
    pub editable: Vec<String>,
    pub id: String,
    pub title: String,
    pub author: String,
    pub created_at: String,
    pub changes: Vec<FileChange>,
    pub findings: Vec<Finding>,
    pub previews: Vec<PreviewLink>,
    pub conflicts: Vec<Conflict>,
    pub published_as: Option<i64>,
    pub publishing_off: bool,
}

impl DraftPage {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.error)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionLine {
    pub number: i64,
    /// `import`, `publish` or `rollback`.
    pub kind: String,
    pub author: String,
    pub at: String,
    pub note: String,
    pub changes: Vec<FileChange>,
    pub current: bool,
}

/// `/content/edit?file=…`: one text file in a text box.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditPage {
    pub path: String,
    pub text: String,
    /// Hash of the file as opened ("" for a new file): a save checks it.
    pub base_hash: String,
    pub exists: bool,
    /// The open draft this edit goes into (`/content/edit?draft=…`), and its title.
    pub draft: Option<(String, String)>,
}

/// What a save ran into: someone else's version, kept beside the
/// trainer's own text so nothing is lost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditConflict {
    pub path: String,
    /// The draft the edit was going into ("" for a new draft).
    pub draft: String,
    pub mine: String,
    pub theirs: String,
    pub theirs_hash: String,
    pub by: String,
    pub at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoicePreview {
    pub html: String,
    pub correct: bool,
    pub explanation_html: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionPreview {
    pub prompt_html: String,
    pub choices: Vec<ChoicePreview>,
    /// Accepted typed answers (text questions).
    pub accepted: Vec<String>,
    pub explanation_html: Option<String>,
}

/// A draft's chapter (and its quiz with the answers), as learners will see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewPage {
    pub draft_id: String,
    pub course_title: String,
    pub title: String,
    pub html: String,
    pub pass_percent: Option<u8>,
    pub questions: Vec<QuestionPreview>,
}

#[server(endpoint = "content_home")]
pub async fn content_home() -> Result<Home, ServerFnError> {
    Ok(ssr::views::home().await?)
}

#[server(endpoint = "content_draft")]
pub async fn content_draft(id: String) -> Result<Option<DraftPage>, ServerFnError> {
    Ok(ssr::views::draft(&id).await?)
}

#[server(endpoint = "content_history")]
pub async fn content_history() -> Result<Vec<VersionLine>, ServerFnError> {
    Ok(ssr::views::history().await?)
}

#[server(endpoint = "content_edit")]
pub async fn content_edit(
    file: String,
    draft: Option<String>,
) -> Result<Option<EditPage>, ServerFnError> {
    Ok(ssr::views::edit(&file, draft.as_deref()).await?)
}

#[server(endpoint = "content_preview")]
pub async fn content_preview(
    draft: String,
    course: String,
    chapter: String,
) -> Result<Option<PreviewPage>, ServerFnError> {
    Ok(ssr::views::preview(&draft, &course, &chapter).await?)
}
