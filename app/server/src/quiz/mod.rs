//! Quizzes: written in Markdown beside the chapters, graded only on the server.
//!
//! The page a learner sees carries questions and options and nothing else:
//! which options are correct, and every explanation, stay on the server until
//! the attempt is submitted. A quiz is a plain HTML form (`pages`); the
//! `island` only makes submitting it smoother when JavaScript runs.

pub use hocvu_domain::quiz::{balance, figures, grade, model, parse};

pub mod pages;
pub mod ssr;
pub mod stats;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::web::links::FINAL_TEST;

/// Names of the quiz form's fields: the page writes them, the submission
/// reads them.
pub mod field {
    /// The attempt this form is for (1 for the first).
    pub const ATTEMPT: &str = "attempt";
    /// The quiz version the page showed (a changed quiz is not graded).
    pub const VERSION: &str = "version";
    /// The guest pass of a visitor without a session.
    pub const GUEST_PASS: &str = "guest_pass";
    /// Prefix of an answer field: `a_<question id>`.
    pub const ANSWER: &str = "a_";
}

/// How a question is answered, as the form needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerKind {
    /// Radio buttons: single choice and true/false.
    One,
    /// Checkboxes: select all that apply.
    Many,
    /// A text box.
    Text,
    /// Checkboxes, one per part of a message shown as a phone screen, in
    /// the message's order (spot the scam).
    Parts,
}

/// An option as shown before submission: no correctness, no explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceForm {
    pub id: String,
    pub text_html: String,
}

/// A question as shown before submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionForm {
    pub id: String,
    pub kind: AnswerKind,
    pub prompt_html: String,
    /// In this attempt's order (shuffled per attempt, stable on reload).
    pub choices: Vec<ChoiceForm>,
}

/// Everything the quiz page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizForm {
    pub course_slug: String,
    pub course_title: String,
    pub quiz: String,
    pub title: String,
    /// URL the form posts to (and the page lives at).
    pub action: String,
    pub attempt_no: i64,
    pub version: String,
    /// For a visitor with no session yet: the signed learner id the
    /// question order was made for (see `accounts::ssr::guest_pass`).
    pub guest_pass: Option<String>,
    pub pass_percent: u8,
    /// Attempts left, when the quiz limits them.
    pub attempts_left: Option<i64>,
    /// Minutes to wait after a failed attempt, when the quiz sets a wait.
    pub wait_minutes: Option<u32>,
    pub questions: Vec<QuestionForm>,
}

/// What the quiz page can be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuizPageData {
    Form(QuizForm),
    /// The attempt limit is reached; `last` is the latest attempt number.
    NoAttemptsLeft {
        title: String,
        course_slug: String,
        result_href: String,
    },
    /// The latest attempt failed and the quiz's `wait_minutes` have not
    /// passed: no form until `until` (local time, `HH:MM` or a date).
    Wait {
        title: String,
        course_slug: String,
        result_href: String,
        until: String,
    },
}

/// One question after grading.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionOutcome {
    pub id: String,
    pub prompt_html: String,
    pub correct: bool,
    pub answered: bool,
    /// What the learner answered, as HTML (a choice as rendered, typed text escaped).
    pub given: Vec<String>,
    /// The right answer(s), as text (HTML from the quiz file).
    pub expected_html: Vec<String>,
    pub explanation_html: Option<String>,
    /// Explanations attached to options the learner chose.
    pub notes_html: Vec<String>,
}

/// A graded attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizResult {
    pub course_slug: String,
    pub course_title: String,
    pub title: String,
    pub attempt_no: i64,
    pub correct: i64,
    pub total: i64,
    pub percent: i64,
    pub passed: bool,
    pub pass_percent: u8,
    pub retry_href: Option<String>,
    /// Where to go on: the next chapter, or the course page.
    pub continue_href: String,
    /// The next chapter's title (`None`: the way on is the course page).
    pub next_title: Option<String>,
    /// No next chapter, and the course has a final test: the way on is there.
    pub next_is_final_test: bool,
    /// A passed final test of a certificate course: the certificate, or
    /// (for a guest) the sign-up that brings it.
    pub certificate: Option<CertificateLink>,
    /// A failed course test with attempts left: right answers and
    /// explanations are held back (the pool would be learnt), only whether
    /// each answer was right is shown.
    pub answers_hidden: bool,
    pub questions: Vec<QuestionOutcome>,
}

/// Where a passed certificate course leads from its result page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertificateLink {
    /// `/certificates/<code>`.
    Issued(String),
    /// A guest: sign up to receive it (progress is kept).
    SignUp,
}

/// The quiz form for the current learner's next attempt. Writes nothing: a
/// visitor with no session gets a signed guest pass that fixes the order.
#[server]
pub async fn load_quiz_form(
    course: String,
    quiz: String,
) -> Result<Option<QuizPageData>, ServerFnError> {
    Ok(ssr::form::quiz_page(&course, &quiz).await?)
}

/// A finished attempt of the current learner (nobody else's).
#[server]
pub async fn load_quiz_result(
    course: String,
    quiz: String,
    attempt_no: i64,
) -> Result<Option<QuizResult>, ServerFnError> {
    Ok(ssr::result::load_result(&course, &quiz, attempt_no).await?)
}
