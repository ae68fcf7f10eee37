//! The immutable, fully rendered handbook that every request reads.

use std::{collections::HashMap, sync::Arc};

use super::{
    skills::Framework,
    tree::{content_type, File},
};
use crate::{
    content::{Audience, ChapterLink, ChapterView, CourseCard, CourseOutline, TocEntry},
    quiz::model::Quiz,
    search::SearchIndex,
};

/// Pages compress to about a third over the wire (brotli or gzip), plus
/// the layout around the text; pictures are already compressed.
const PAGE_OVERHEAD: u64 = 2_500;

/// Every course, chapter, quiz and media file, rendered and checked.
pub struct Catalog {
    pub courses: Vec<Arc<Course>>,
    by_slug: HashMap<String, usize>,
    /// `course/path` -> file, only for files a chapter references.
    pub media: HashMap<String, File>,
    pub search: SearchIndex,
    /// Courses by title and summary, so a search finds a whole course too.
    pub course_search: SearchIndex,
    /// The skills framework the chapters are tagged with.
    pub skills: Framework,
}

impl Catalog {
    pub fn new(courses: Vec<Arc<Course>>, search: SearchIndex) -> Self {
        let by_slug = courses
            .iter()
            .enumerate()
            .map(|(i, c)| (c.slug.clone(), i))
            .collect();
        let media = courses
            .iter()
            .flat_map(|c| c.media.iter().map(|(k, v)| (k.clone(), v.clone())))
            .collect();
        let course_search = SearchIndex::build(
            courses
                .iter()
                .map(|c| crate::search::SearchDoc {
                    course_slug: c.slug.clone(),
                    course_title: c.title.clone(),
                    chapter_id: String::new(),
                    chapter_title: c.title.clone(),
                    headings: Vec::new(),
                    body: c.summary.clone(),
                })
                .collect(),
        );
        Catalog {
            courses,
            by_slug,
            media,
            search,
            course_search,
            skills: Framework::default(),
        }
    }

    pub fn with_skills(mut self, skills: Framework) -> Self {
        self.skills = skills;
        self
    }

    /// The skill groups some chapter of `slug` teaches.
    pub fn groups_of_course(&self, slug: &str) -> std::collections::HashSet<String> {
        self.course(slug)
            .into_iter()
            .flat_map(|c| c.chapters.iter())
            .flat_map(|ch| ch.skills.iter())
            .filter_map(|code| self.skills.group_of(code))
            .map(str::to_string)
            .collect()
    }

    /// Skills of the framework that no chapter teaches yet.
    pub fn uncovered_skills(&self) -> Vec<&super::skills::Skill> {
        let taught: std::collections::HashSet<&str> = self
            .courses
            .iter()
            .flat_map(|c| c.chapters.iter())
            .flat_map(|ch| ch.skills.iter().map(String::as_str))
            .collect();
        self.skills
            .skills
            .iter()
            .filter(|s| !taught.contains(s.code.as_str()))
            .collect()
    }

    /// An empty catalog (no content folder yet, or nothing valid in it).
    pub fn empty() -> Self {
        Catalog::new(Vec::new(), SearchIndex::build(Vec::new()))
    }

    /// A course's title, or its slug when the course is gone from the
    /// handbook (assignments and reports outlive content edits).
    pub fn title_of(&self, slug: &str) -> String {
        self.course(slug)
            .map_or_else(|| slug.to_string(), |c| c.title.clone())
    }

    pub fn course(&self, slug: &str) -> Option<&Arc<Course>> {
        self.by_slug.get(slug).map(|&i| &self.courses[i])
    }

    pub fn chapter_count(&self) -> usize {
        self.courses.iter().map(|c| c.chapters.len()).sum()
    }
}

/// A course with its chapters in reading order.
pub struct Course {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub audience: Audience,
    pub certificate: bool,
    pub chapters: Vec<Chapter>,
    /// Shared: a request holds the quiz it grades, whatever loads meanwhile.
    pub final_quiz: Option<Arc<Quiz>>,
    /// Hash of `final.quiz.md`, recorded with attempts.
    pub final_version: String,
    pub media: HashMap<String, File>,
}

/// One rendered chapter.
pub struct Chapter {
    pub id: String,
    pub title: String,
    pub minutes: u32,
    pub summary: String,
    pub skills: Vec<String>,
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub word_count: usize,
    /// Body as plain text, for search.
    pub plain_text: String,
    /// `/media/…` address of the chapter's recorded reading, if any.
    pub audio: Option<String>,
    pub quiz: Option<Arc<Quiz>>,
    /// Hash of the chapter file (and its quiz): progress records which
    /// version a learner read or passed.
    pub version: String,
    /// Path of the chapter file in the handbook (`course/01-file.md`).
    pub file: String,
}

impl Course {
    pub fn card(self: &Arc<Self>) -> CourseCard {
        CourseCard {
            slug: self.slug.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            audience: self.audience,
            certificate: self.certificate,
            chapter_count: self.chapters.len(),
            minutes: self.chapters.iter().map(|c| c.minutes).sum(),
        }
    }

    pub fn outline(self: &Arc<Self>) -> CourseOutline {
        CourseOutline {
            card: self.card(),
            chapters: self.chapters.iter().map(Chapter::link).collect(),
            has_final_test: self.final_quiz.is_some(),
            offline_bytes: self.download_bytes(),
        }
    }

    pub fn chapter_view(self: &Arc<Self>, id: &str) -> Option<ChapterView> {
        let index = self.chapters.iter().position(|c| c.id == id)?;
        let chapter = &self.chapters[index];
        Some(ChapterView {
            course_slug: self.slug.clone(),
            course_title: self.title.clone(),
            id: chapter.id.clone(),
            title: chapter.title.clone(),
            minutes: chapter.minutes,
            html: chapter.html.clone(),
            toc: chapter.toc.clone(),
            prev: index.checked_sub(1).map(|i| self.chapters[i].link()),
            next: self.chapters.get(index + 1).map(Chapter::link),
            has_quiz: chapter.quiz.is_some(),
            position: index + 1,
            total: self.chapters.len(),
            read_event: chapter.read_event(&self.slug),
            audio: chapter.audio.clone(),
        })
    }

    /// About how many bytes downloading the course for offline reading
    /// costs over the network (shown before anyone presses the button).
    pub fn download_bytes(&self) -> u64 {
        let chapters: u64 = self
            .chapters
            .iter()
            .map(|c| {
                let quiz = if c.quiz.is_some() {
                    2 * PAGE_OVERHEAD
                } else {
                    0
                };
                c.html.len() as u64 / 3 + PAGE_OVERHEAD + quiz
            })
            .sum();
        let final_test = if self.final_quiz.is_some() {
            3 * PAGE_OVERHEAD
        } else {
            0
        };
        chapters + final_test + self.pictures().map(|(_, bytes)| bytes).sum::<u64>()
    }

    /// The course's pictures and their sizes (recordings are left out).
    pub fn pictures(&self) -> impl Iterator<Item = (&String, u64)> {
        self.media
            .iter()
            .filter(|(key, _)| content_type(key).starts_with("image/"))
            .map(|(key, file)| (key, file.bytes.len() as u64))
    }
}

impl Chapter {
    /// The id of "done reading this version of this chapter": the same on
    /// every render (so an anonymous page can be cached and shared), while
    /// progress rows are keyed by learner and event, so a retried or
    /// repeated "Đã đọc xong" counts once per learner.
    pub fn read_event(&self, course: &str) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("{course}/{}/{}", self.id, self.version));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    pub fn link(&self) -> ChapterLink {
        ChapterLink {
            id: self.id.clone(),
            title: self.title.clone(),
            minutes: self.minutes,
            summary: self.summary.clone(),
            has_quiz: self.quiz.is_some(),
        }
    }
}
