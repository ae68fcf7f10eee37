//! Grading a submitted attempt against the server-only quiz model.
//!
//! All or nothing per question: a multiple-choice question counts only when
//! the chosen set equals the correct set. Anything odd in the submission
//! (unknown choice ids, too many choices, huge text) makes that question
//! wrong; nothing here panics on learner input.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::model::{Question, QuestionKind};
use crate::text::{fold_words as fold, normalize};

/// Longest typed answer (in characters) that is compared at all.
pub const MAX_TEXT_ANSWER_CHARS: usize = 500;

/// The outcome for one question (no correct answers in here).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionResult {
    pub question_id: String,
    pub correct: bool,
    /// Whether the learner gave any answer to this question.
    pub answered: bool,
}

/// The outcome of one attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    /// One result per question, in the order the questions were given.
    pub per_question: Vec<QuestionResult>,
    pub correct: u32,
    pub total: u32,
    /// `correct * 100 / total`, rounded down (0 when there are no questions).
    pub percent: u8,
}

impl Grade {
    /// Whether the attempt reaches `pass_percent` (never with no questions).
    pub fn passed(&self, pass_percent: u8) -> bool {
        self.total > 0 && self.percent >= pass_percent
    }
}

/// Grades `answers` (question id → chosen choice ids, or for a typed-answer
/// question a single string) against the questions that were asked.
/// Questions missing from `answers` count as unanswered and wrong; answers
/// to questions not in `quiz_questions` are ignored.
pub fn grade(quiz_questions: &[&Question], answers: &HashMap<String, Vec<String>>) -> Grade {
    let per_question: Vec<QuestionResult> = quiz_questions
        .iter()
        .map(|q| {
            let given = answers.get(&q.id).map(Vec::as_slice).unwrap_or(&[]);
            let (answered, correct) = check(q, given);
            QuestionResult {
                question_id: q.id.clone(),
                correct,
                answered,
            }
        })
        .collect();
    let total = per_question.len() as u64;
    let correct = per_question.iter().filter(|r| r.correct).count() as u64;
    let percent = (correct * 100).checked_div(total).unwrap_or(0);
    Grade {
        per_question,
        correct: u32::try_from(correct).unwrap_or(u32::MAX),
        total: u32::try_from(total).unwrap_or(u32::MAX),
        percent: u8::try_from(percent).unwrap_or(100),
    }
}

/// (answered, correct) for one question.
fn check(q: &Question, given: &[String]) -> (bool, bool) {
    match q.kind {
        QuestionKind::Text => {
            let answered = given.iter().any(|s| !s.trim().is_empty());
            let correct = answered && given.len() == 1 && text_matches(q, &given[0]);
            (answered, correct)
        }
        QuestionKind::Single
        | QuestionKind::TrueFalse
        | QuestionKind::Multiple
        | QuestionKind::Spot => {
            let answered = !given.is_empty();
            if !answered || given.len() > q.options.len() {
                return (answered, false);
            }
            if given.iter().any(|id| q.choice(id).is_none()) {
                return (answered, false);
            }
            let chosen: HashSet<&str> = given.iter().map(String::as_str).collect();
            let expected: HashSet<&str> = q.correct_ids().collect();
            let correct = match q.kind {
                QuestionKind::Multiple | QuestionKind::Spot => chosen == expected,
                // One choice only; `chosen` also collapses a repeated id,
                // so require a single given id.
                _ => given.len() == 1 && chosen == expected,
            };
            (answered, correct)
        }
    }
}

/// Whether a typed answer matches one of the accepted answers.
pub fn text_matches(q: &Question, typed: &str) -> bool {
    // Bounded count: never walk a huge string.
    if typed.len() > MAX_TEXT_ANSWER_CHARS * 4
        || typed.chars().take(MAX_TEXT_ANSWER_CHARS + 1).count() > MAX_TEXT_ANSWER_CHARS
    {
        return false;
    }
    let typed_norm = normalize(typed);
    if typed_norm.is_empty() {
        return false;
    }
    if q.accepted.iter().any(|a| normalize(a) == typed_norm) {
        return true;
    }
    if q.ignore_diacritics {
        let typed_fold = fold(&typed_norm);
        return q.accepted.iter().any(|a| fold(a) == typed_fold);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::model::{choice_id, test_question};

    fn choice_q(id: &str, kind: QuestionKind, correct: &[bool]) -> Question {
        let options: Vec<(String, bool)> = correct
            .iter()
            .enumerate()
            .map(|(i, &c)| (format!("option {i}"), c))
            .collect();
        test_question(id, kind, &options)
    }

    fn text_q(id: &str, accepted: &[&str], ignore_diacritics: bool) -> Question {
        Question {
            id: id.to_string(),
            kind: QuestionKind::Text,
            prompt_md: "?".into(),
            options: Vec::new(),
            accepted: accepted.iter().map(|s| s.to_string()).collect(),
            ignore_diacritics,
            explanation_md: None,
            line: 1,
            html: Default::default(),
        }
    }

    fn answers(pairs: &[(&str, &[&str])]) -> HashMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn one(q: &Question, given: &[&str]) -> QuestionResult {
        let g = grade(&[q], &answers(&[(q.id.as_str(), given)]));
        g.per_question.into_iter().next().unwrap()
    }

    #[test]
    fn single_choice() {
        let q = choice_q("s", QuestionKind::Single, &[false, true, false]);
        assert!(one(&q, &["b"]).correct);
        assert!(!one(&q, &["a"]).correct);
        assert!(!one(&q, &["a", "b"]).correct);
        assert!(
            !one(&q, &["b", "b"]).correct,
            "a repeated id is not one answer"
        );
        assert!(!one(&q, &["z"]).correct);
        assert!(!one(&q, &["B"]).correct, "ids are exact");
        let r = one(&q, &[]);
        assert!(!r.correct && !r.answered);
        assert!(one(&q, &["a"]).answered);
    }

    #[test]
    fn true_false() {
        let q = choice_q("tf", QuestionKind::TrueFalse, &[false, true]);
        assert!(one(&q, &["b"]).correct);
        assert!(!one(&q, &["a"]).correct);
        assert!(!one(&q, &["a", "b"]).correct);
        assert!(!one(&q, &["c"]).correct);
    }

    #[test]
    fn multiple_choice_is_all_or_nothing() {
        let q = choice_q("m", QuestionKind::Multiple, &[true, true, false, true]);
        assert!(one(&q, &["a", "b", "d"]).correct);
        assert!(one(&q, &["d", "a", "b"]).correct, "order does not matter");
        let partial = one(&q, &["a", "b"]);
        assert!(!partial.correct && partial.answered, "a subset is wrong");
        assert!(
            !one(&q, &["a", "b", "c", "d"]).correct,
            "a superset is wrong"
        );
        assert!(!one(&q, &["a", "b", "d", "x"]).correct, "unknown id");
        assert!(
            !one(&q, &["a", "b", "d", "a", "b"]).correct,
            "more than options"
        );
        assert!(!one(&q, &[]).correct);
    }

    #[test]
    fn huge_submissions_are_wrong_not_panics() {
        let q = choice_q("m", QuestionKind::Multiple, &[true, false]);
        let many: Vec<String> = (0..10_000).map(choice_id).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(!one(&q, &refs).correct);
        let t = text_q("t", &["abc"], true);
        let long = "a".repeat(100_000);
        assert!(!one(&t, &[long.as_str()]).correct);
        let long = "é".repeat(MAX_TEXT_ANSWER_CHARS + 1);
        assert!(!one(&t, &[long.as_str()]).correct);
    }

    #[test]
    fn text_answers() {
        let q = text_q("t", &["NAPAS 247", "Chuyển tiền nhanh"], false);
        assert!(one(&q, &["napas 247"]).correct);
        assert!(one(&q, &["  Napas    247 "]).correct);
        assert!(one(&q, &["CHUYỂN TIỀN NHANH"]).correct, "Unicode lowercase");
        // The same text typed with decomposed accents (as some keyboards do).
        let nfd: String =
            unicode_normalization::UnicodeNormalization::nfd("chuyển tiền nhanh").collect();
        assert!(one(&q, &[nfd.as_str()]).correct);
        assert!(
            !one(&q, &["chuyen tien nhanh"]).correct,
            "diacritics matter"
        );
        assert!(!one(&q, &["napas"]).correct);
        assert!(
            !one(&q, &["napas 247", "napas 247"]).correct,
            "one string only"
        );
        let blank = one(&q, &["   "]);
        assert!(!blank.correct && !blank.answered);
        let missing = grade(&[&q], &HashMap::new());
        assert!(!missing.per_question[0].answered);
    }

    #[test]
    fn text_answers_without_diacritics() {
        let q = text_q("t", &["Đường dây nóng", "Chuyển tiền nhanh"], true);
        assert!(one(&q, &["duong day nong"]).correct);
        assert!(one(&q, &["DUONG  DAY NONG"]).correct);
        assert!(one(&q, &["Đường dây nóng"]).correct);
        assert!(one(&q, &["chuyen tien nhanh"]).correct);
        assert!(one(&q, &["chuyển tien nhanh"]).correct, "partly accented");
        assert!(!one(&q, &["duong day"]).correct);
    }

    #[test]
    fn totals_and_percent() {
        let a = choice_q("a", QuestionKind::Single, &[true, false]);
        let b = choice_q("b", QuestionKind::Multiple, &[true, true]);
        let c = text_q("c", &["x"], false);
        let qs = [&a, &b, &c];
        let g = grade(
            &qs,
            &answers(&[
                ("a", &["a"]),
                ("b", &["a"]),
                ("c", &["X"]),
                ("other", &["a"]),
            ]),
        );
        assert_eq!(g.total, 3);
        assert_eq!(g.correct, 2);
        assert_eq!(g.percent, 66, "rounds down");
        assert!(g.passed(60));
        assert!(!g.passed(70));
        assert_eq!(
            g.per_question
                .iter()
                .map(|r| (r.question_id.as_str(), r.correct, r.answered))
                .collect::<Vec<_>>(),
            vec![("a", true, true), ("b", false, true), ("c", true, true)]
        );
        let empty = grade(&[], &HashMap::new());
        assert_eq!((empty.total, empty.percent), (0, 0));
        assert!(!empty.passed(1));
        let all = grade(&[&a], &answers(&[("a", &["a"])]));
        assert_eq!(all.percent, 100);
        assert!(all.passed(100));
    }
}
