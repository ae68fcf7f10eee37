//! Classes at the commune house: a class leader puts a lesson on a
//! projector and paces it on everyone's phone. People join by scanning a QR
//! code or typing a six-letter code (no account needed), follow each step
//! as the leader moves on, answer a question pushed to every phone, and the
//! class's record (who came, what was covered, how questions went) counts
//! for the commune.

pub mod pages;
pub mod ssr;
pub mod texts;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The script that keeps a phone (or the projector) on the class's current
/// step: it listens for the class's signals and swaps in the new step.
pub static FOLLOW_SCRIPT: crate::web::scripts::Script =
    crate::web::scripts::Script::new("/classes/follow.js", include_str!("follow.js"));

/// A class in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCard {
    pub id: String,
    pub code: String,
    pub course_title: String,
    pub place: String,
    pub leader: String,
    pub started: String,
    pub open: bool,
    pub people: i64,
}

/// A course a class can cover, with its chapters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseChoice {
    pub slug: String,
    pub title: String,
    /// (id, title)
    pub chapters: Vec<(String, String)>,
}

/// What the start form offers this leader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartChoices {
    pub courses: Vec<CourseChoice>,
    /// (unit id, name indented by depth) the leader may hold a class at.
    pub units: Vec<(String, String)>,
    pub own_unit: Option<String>,
    /// A class leader not placed in a unit yet cannot start one.
    pub unplaced: bool,
}

/// `/classes`: start a class (for leaders), open and past classes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassesHome {
    pub start: Option<StartChoices>,
    pub classes: Vec<ClassCard>,
}

/// The step being shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    pub chapter_title: String,
    pub chapter_href: String,
    pub part: usize,
    pub parts: usize,
    /// 1-based position among the class's steps, and how many there are.
    pub position: usize,
    pub total: usize,
    pub html: String,
}

/// How many picked one choice (shown only once the leader reveals).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub html: String,
    pub count: i64,
    pub percent: i64,
    pub correct: bool,
}

/// The pushed question, as the leader and the projector see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionOnScreen {
    pub id: String,
    pub prompt_html: String,
    pub answered: i64,
    pub revealed: bool,
    /// Empty until revealed.
    pub shares: Vec<Share>,
    pub explanation_html: Option<String>,
}

/// One person in the class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub on_phone: bool,
    pub birth_year: Option<i64>,
    pub hamlet: Option<String>,
    pub answered: usize,
    pub correct: usize,
}

/// How a question went, for the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionTally {
    pub prompt_html: String,
    pub answered: usize,
    pub correct: usize,
}

/// A class as its leader, the projector and the record show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassRoom {
    pub id: String,
    pub code: String,
    /// Empty when `public_url` is needed and not set.
    pub join_url: String,
    pub qr_svg: String,
    pub course_title: String,
    pub place: String,
    pub leader: String,
    pub started: String,
    pub ended: Option<String>,
    pub seq: i64,
    pub step: Option<StepView>,
    /// Questions of the current chapter's quiz the leader may push: (id, prompt).
    pub questions: Vec<(String, String)>,
    pub question: Option<QuestionOnScreen>,
    pub joined: i64,
    pub people: Vec<Person>,
    /// Steps covered, in order, as "chapter (part n/m)".
    pub covered: Vec<String>,
    pub results: Vec<QuestionTally>,
    pub can_control: bool,
}

/// The pushed question on a phone: no answer in it until this phone has
/// answered and the leader has revealed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneQuestion {
    pub id: String,
    pub prompt_html: String,
    pub multiple: bool,
    /// (opaque key, html)
    pub choices: Vec<(String, String)>,
    pub answered: bool,
    pub revealed: bool,
    /// Set once revealed, for a phone that answered.
    pub correct: Option<bool>,
    pub shares: Vec<Share>,
    pub explanation_html: Option<String>,
}

/// What a phone shows at `/join/<code>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phone {
    Unknown,
    Throttled {
        wait: i64,
    },
    Ended {
        course_title: String,
    },
    Join {
        code: String,
        course_title: String,
        place: String,
        leader: String,
        signed_in_as: Option<String>,
    },
    InClass {
        code: String,
        seq: i64,
        name: String,
        course_title: String,
        step: Option<StepView>,
        question: Option<PhoneQuestion>,
    },
}

#[server]
pub async fn load_classes_home() -> Result<ClassesHome, ServerFnError> {
    Ok(ssr::view::home().await?)
}

/// `None` for an unknown class or one this person may not see.
#[server]
pub async fn load_class_room(id: String) -> Result<Option<ClassRoom>, ServerFnError> {
    Ok(ssr::view::room(&id).await?)
}

/// Public: what a phone holding `code` shows.
#[server]
pub async fn load_phone(code: String) -> Result<Phone, ServerFnError> {
    Ok(ssr::view::phone(&code).await?)
}

/// Classes this visitor joined on this phone (or with their account).
#[server]
pub async fn load_my_classes() -> Result<Vec<ClassCard>, ServerFnError> {
    Ok(ssr::view::mine().await?)
}
