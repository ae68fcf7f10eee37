//! Progress: what a learner has read and passed, kept on the server so it
//! works without JavaScript and follows the person across devices once they
//! sign in.
//!
//! A chapter counts as read when the learner presses "Đã đọc xong" at its
//! end (a form POST carrying an event id, so a retried POST is stored once).
//! A course is complete when every chapter is read and every chapter quiz
//! passed.

pub mod pages;
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a learner stands in one course.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseProgress {
    pub slug: String,
    pub title: String,
    pub chapters: usize,
    pub read: usize,
    pub quizzes: usize,
    pub passed: usize,
    pub complete: bool,
    /// The first chapter not yet read (or whose quiz is not passed).
    pub next: Option<(String, String)>,
}

impl CourseProgress {
    /// Share of the course's steps (chapters read + quizzes passed) done.
    pub fn percent(&self) -> usize {
        ((self.read + self.passed) * 100)
            .checked_div(self.chapters + self.quizzes)
            .unwrap_or(0)
    }
}

/// A chapter's marks for the current learner.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChapterMarks {
    pub read: bool,
    pub quiz_passed: bool,
}

/// One group of the skills framework and what the learner has covered of
/// it (a skill counts once a chapter teaching it is read and its quiz, if
/// any, passed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillProgress {
    pub group: String,
    pub name: String,
    pub learned: Vec<String>,
    pub total: usize,
}

/// Everything `/me` and the home page show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyLearning {
    pub in_progress: Vec<CourseProgress>,
    pub completed: Vec<CourseProgress>,
    /// The most recently active unfinished course's next chapter.
    pub continue_at: Option<(String, String)>,
    /// Per group of the framework, the skills covered (empty: none yet).
    pub skills: Vec<SkillProgress>,
}

/// The current learner's progress in every course they started.
#[server]
pub async fn load_my_learning() -> Result<MyLearning, ServerFnError> {
    Ok(ssr::my_learning().await?)
}

/// Marks for every chapter of a course (empty for a new visitor).
#[server]
pub async fn course_marks(course: String) -> Result<Vec<(String, ChapterMarks)>, ServerFnError> {
    Ok(ssr::course_marks(&course).await?)
}

/// The current learner's marks on one chapter (none for a new visitor).
#[server]
pub async fn my_chapter_marks(
    course: String,
    chapter: String,
) -> Result<ChapterMarks, ServerFnError> {
    Ok(ssr::chapter_marks(&course, &chapter).await?)
}
