//! The server-only quiz model, parsed from a `*.quiz.md` file.
//!
//! These types hold the correct answers, so they deliberately do not derive
//! `Serialize`: nothing here may reach a page before the learner submits.
//! Pages get a separate, answer-free view built from these types.

use std::sync::OnceLock;

/// Settings from a quiz file's optional front matter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuizSettings {
    /// Score (in percent) needed to pass; 1..=100, default 70.
    pub pass_percent: u8,
    /// How many times a learner may take the quiz; 0 = unlimited (default).
    pub max_attempts: u32,
    /// Minutes a learner must wait after a failed attempt before the next
    /// one; 0 = no wait (default).
    pub wait_minutes: u32,
    /// Whether choices are shown in a random order (default true).
    pub shuffle: bool,
    /// Draw this many questions at random from the pool for each attempt
    /// (course tests); `None` = ask every question.
    pub draw: Option<u32>,
}

impl Default for QuizSettings {
    fn default() -> Self {
        QuizSettings {
            pass_percent: 70,
            max_attempts: 0,
            wait_minutes: 0,
            shuffle: true,
            draw: None,
        }
    }
}

/// A whole quiz: settings and the question pool, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quiz {
    pub settings: QuizSettings,
    pub questions: Vec<Question>,
}

impl Quiz {
    /// The question with this id, if any.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

/// How a question is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuestionKind {
    /// Pick exactly one choice (no type class in the heading).
    Single,
    /// Pick every correct choice (`.multiple`).
    Multiple,
    /// Two choices, `Đúng` and `Sai` (`.true-false`).
    TrueFalse,
    /// Type the answer (`.text`).
    Text,
    /// Spot the scam (`.spot`): the options are the parts of a message,
    /// shown in file order on a phone screen; the learner ticks every part
    /// that is a sign. Graded like `Multiple`.
    Spot,
}

impl QuestionKind {
    /// A stable name for the kind, usable in HTML attributes and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::TrueFalse => "true-false",
            QuestionKind::Text => "text",
            QuestionKind::Spot => "spot",
        }
    }
}

/// One question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// Stable id from `{#id}`: statistics are keyed by it.
    pub id: String,
    pub kind: QuestionKind,
    /// The heading text (without the `{...}` block), then any blocks written
    /// between the heading and the answers, as Markdown source.
    pub prompt_md: String,
    /// Choices, in file order (empty for `Text`).
    pub options: Vec<Choice>,
    /// Accepted typed answers as written (only for `Text`).
    pub accepted: Vec<String>,
    /// `.no-diacritics`: also accept answers typed without Vietnamese marks.
    pub ignore_diacritics: bool,
    /// The `>` block after the answers, as Markdown source without the `>`.
    pub explanation_md: Option<String>,
    /// 1-based line of the question's heading in its file.
    pub line: usize,
    /// The question's Markdown as safe HTML, rendered once (the loader
    /// renders it when the content is loaded; see [`Question::html`]).
    pub html: OnceLock<QuestionHtml>,
}

/// A question's prompt, choices and explanations as sanitised HTML.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuestionHtml {
    pub prompt: String,
    pub explanation: Option<String>,
    /// By choice, in file order: its text and its explanation.
    pub choices: Vec<(String, Option<String>)>,
    /// The first accepted typed answer (text questions).
    pub accepted: Option<String>,
}

impl Question {
    /// The HTML of this question, rendered on first use and kept.
    pub fn html(&self) -> &QuestionHtml {
        use crate::content::markdown::render_fragment;
        self.html.get_or_init(|| QuestionHtml {
            prompt: render_fragment(&self.prompt_md),
            explanation: self.explanation_md.as_deref().map(render_fragment),
            choices: self
                .options
                .iter()
                .map(|c| {
                    (
                        render_fragment(&c.text_md),
                        c.explanation_md.as_deref().map(render_fragment),
                    )
                })
                .collect(),
            accepted: self.accepted.first().map(|a| render_fragment(a)),
        })
    }

    /// The HTML of choice `id`: (text, explanation).
    pub fn choice_html(&self, id: &str) -> Option<&(String, Option<String>)> {
        let index = self.options.iter().position(|c| c.id == id)?;
        self.html().choices.get(index)
    }

    /// Ids of the correct choices, in file order.
    pub fn correct_ids(&self) -> impl Iterator<Item = &str> {
        self.options
            .iter()
            .filter(|c| c.correct)
            .map(|c| c.id.as_str())
    }

    /// The choice with this id, if any.
    pub fn choice(&self, id: &str) -> Option<&Choice> {
        self.options.iter().find(|c| c.id == id)
    }
}

/// One choice of a choice question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// Short id derived from the choice's position in the file: `a`, `b`, …
    /// (after `z`: `aa`, `ab`, …). Stable while the order of choices is.
    pub id: String,
    /// The choice text as Markdown source (inline).
    pub text_md: String,
    pub correct: bool,
    /// The `>` block indented under this choice, without the `>`.
    pub explanation_md: Option<String>,
}

/// The id of the choice at `index` (0-based): `a`…`z`, then `aa`, `ab`, ….
pub fn choice_id(index: usize) -> String {
    let mut n = index;
    let mut letters = Vec::new();
    loop {
        letters.push(b'a' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// A choice question for unit tests: `(text, correct)` per option.
#[cfg(test)]
pub fn test_question(id: &str, kind: QuestionKind, options: &[(String, bool)]) -> Question {
    Question {
        id: id.to_string(),
        kind,
        prompt_md: "?".into(),
        options: options
            .iter()
            .enumerate()
            .map(|(i, (text, correct))| Choice {
                id: choice_id(i),
                text_md: text.clone(),
                correct: *correct,
                explanation_md: None,
            })
            .collect(),
        accepted: Vec::new(),
        ignore_diacritics: false,
        explanation_md: None,
        line: 1,
        html: OnceLock::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_ids_are_letters() {
        assert_eq!(choice_id(0), "a");
        assert_eq!(choice_id(2), "c");
        assert_eq!(choice_id(25), "z");
        assert_eq!(choice_id(26), "aa");
        assert_eq!(choice_id(27), "ab");
        assert_eq!(choice_id(26 + 26), "ba");
    }

    #[test]
    fn default_settings() {
        let s = QuizSettings::default();
        assert_eq!(s.pass_percent, 70);
        assert_eq!(s.max_attempts, 0);
        assert_eq!(s.wait_minutes, 0);
        assert!(s.shuffle);
        assert_eq!(s.draw, None);
    }

    #[test]
    fn kind_names() {
        assert_eq!(QuestionKind::TrueFalse.as_str(), "true-false");
    }
}
