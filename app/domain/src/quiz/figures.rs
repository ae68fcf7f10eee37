//! Per-question wording warnings and the handbook's quiz figures
//! (`content check --stats`).
//!
//! A false true/false statement that says "luôn luôn", "tuyệt đối" or
//! "100%" gives itself away: learners soon learn that absolute statements
//! are false, and answer "Sai" without reading. A `.multiple` question with
//! a single wrong option ("odd one out") is answered by finding the one
//! that sounds wrong. The figures show such habits across the handbook, so
//! trainers can see whether a rewrite helped.

use super::model::{Question, QuestionKind};
use crate::content::diagnostics::Message;

/// Words and phrases that make a statement absolute. Compared with the
/// lower-cased statement, as whole words (so "mọi" does not match "mọc").
/// Kept short on purpose: each entry is a habit trainers recognise.
pub const GIVEAWAY_WORDS: &[&str] = &[
    "chắc chắn",
    "vô hại",
    "cho vui",
    "luôn luôn",
    "tuyệt đối",
    "không bao giờ",
    "hoàn toàn",
    "100%",
];

/// The giveaway words found in `text` (any case), in list order.
pub fn giveaway_words(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    GIVEAWAY_WORDS
        .iter()
        .copied()
        .filter(|word| contains_word(&lower, word))
        .collect()
}

/// Whether `word` occurs in `text` with no letter or digit right before or
/// after it.
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Whether a true/false question's right answer is "Sai" (the statement is
/// false).
pub fn is_false_statement(q: &Question) -> bool {
    q.kind == QuestionKind::TrueFalse
        && q.options
            .iter()
            .any(|c| c.correct && c.text_md.trim().eq_ignore_ascii_case("sai"))
}

/// How many options of a choice question are wrong.
fn wrong_options(q: &Question) -> usize {
    q.options.iter().filter(|c| !c.correct).count()
}

/// Whether a `.multiple` question has exactly one wrong option: the learner
/// only has to find the odd one out.
pub fn is_odd_one_out(q: &Question) -> bool {
    q.kind == QuestionKind::Multiple && wrong_options(q) == 1
}

/// Warnings about one question's wording, in English and Vietnamese: a
/// false statement with a giveaway word; a `.multiple` question with only
/// one wrong option.
pub fn question_warnings(q: &Question) -> Vec<Message> {
    let mut out = Vec::new();
    if q.kind == QuestionKind::Spot && wrong_options(q) == 0 {
        out.push(Message::new(
            "every part of this .spot message is marked as a sign: ticking everything passes; \
             include the harmless parts of the message too, with `- [ ]`",
            "mọi phần của tin nhắn .spot này đều là dấu hiệu: cứ đánh dấu hết là đúng; hãy đưa cả \
             những phần bình thường của tin nhắn vào, với `- [ ]`",
        ));
    }
    if is_odd_one_out(q) {
        out.push(Message::new(
            "this .multiple question has only one wrong option: learners find the odd one out \
             instead of judging each option; add a second plausible wrong option (or ask a \
             single-choice question)",
            "câu .multiple này chỉ có một đáp án sai: người học chỉ cần tìm đáp án khác các đáp án \
             còn lại, không phải xét từng đáp án; hãy thêm một đáp án sai hợp lý nữa (hoặc hỏi \
             câu chọn một đáp án)",
        ));
    }
    if is_false_statement(q) {
        let words = giveaway_words(&q.prompt_md);
        if !words.is_empty() {
            let quoted = words
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Message::new(
                format!(
                    "this false statement contains {quoted}: absolute words give false statements \
                     away (learners answer \"Sai\" without reading); say what is wrong without them"
                ),
                format!(
                    "nhận định sai này có chữ {quoted}: chữ tuyệt đối làm lộ nhận định sai (người học \
                     chọn \"Sai\" mà không cần đọc); hãy viết điều sai mà không dùng những chữ đó"
                ),
            ));
        }
    }
    out
}

/// Quiz figures over any set of questions (usually the whole handbook).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub single: usize,
    pub multiple: usize,
    pub true_false: usize,
    pub text: usize,
    /// Spot-the-scam questions (`.spot`).
    pub spot: usize,
    /// `.multiple` questions with exactly one wrong option.
    pub multiple_one_wrong: usize,
    /// Single-choice questions with two options (one wrong).
    pub single_two_options: usize,
    /// True/false questions whose answer is "Đúng" / "Sai".
    pub statements_true: usize,
    pub statements_false: usize,
    /// True/false statements with a giveaway word, by answer.
    pub false_with_giveaway: usize,
    pub true_with_giveaway: usize,
    /// Single-choice questions with three or more options, and among them
    /// those whose right answer is strictly the longest / shortest option.
    pub single_three_plus: usize,
    pub right_longest: usize,
    pub right_shortest: usize,
    /// Single-choice questions by the authored (file) position of their
    /// right answer: index 0 = first option.
    pub right_position: Vec<usize>,
}

impl Figures {
    /// The figures of `questions`.
    pub fn of<'q>(questions: impl IntoIterator<Item = &'q Question>) -> Self {
        let mut figures = Figures::default();
        for q in questions {
            figures.add(q);
        }
        figures
    }

    /// Counts one more question.
    pub fn add(&mut self, q: &Question) {
        match q.kind {
            QuestionKind::Single => {
                self.single += 1;
                if q.options.len() == 2 {
                    self.single_two_options += 1;
                }
                if let Some(at) = q.options.iter().position(|c| c.correct) {
                    if self.right_position.len() <= at {
                        self.right_position.resize(at + 1, 0);
                    }
                    self.right_position[at] += 1;
                    if q.options.len() >= 3 {
                        self.single_three_plus += 1;
                        let len = |i: usize| q.options[i].text_md.chars().count();
                        let others = (0..q.options.len()).filter(|&i| i != at);
                        if others.clone().all(|i| len(i) < len(at)) {
                            self.right_longest += 1;
                        }
                        if others.into_iter().all(|i| len(i) > len(at)) {
                            self.right_shortest += 1;
                        }
                    }
                }
            }
            QuestionKind::Multiple => {
                self.multiple += 1;
                if is_odd_one_out(q) {
                    self.multiple_one_wrong += 1;
                }
            }
            QuestionKind::TrueFalse => {
                self.true_false += 1;
                let giveaway = !giveaway_words(&q.prompt_md).is_empty();
                if is_false_statement(q) {
                    self.statements_false += 1;
                    self.false_with_giveaway += usize::from(giveaway);
                } else {
                    self.statements_true += 1;
                    self.true_with_giveaway += usize::from(giveaway);
                }
            }
            QuestionKind::Text => self.text += 1,
            QuestionKind::Spot => self.spot += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.single + self.multiple + self.true_false + self.text + self.spot
    }

    /// The figures as the lines `content check --stats` prints.
    pub fn report(&self) -> String {
        let share = |part: usize, whole: usize| {
            if whole == 0 {
                format!("{part} of {whole}")
            } else {
                format!(
                    "{part} of {whole} ({}%)",
                    (part as f64 * 100.0 / whole as f64).round()
                )
            }
        };
        let positions = if self.right_position.is_empty() {
            "none".to_string()
        } else {
            self.right_position
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{}: {n}", i + 1))
                .collect::<Vec<_>>()
                .join(", ")
        };
        [
            "quiz figures:".to_string(),
            format!(
                "  questions: {} (single {}, multiple {}, true-false {}, text {}, spot {})",
                self.total(),
                self.single,
                self.multiple,
                self.true_false,
                self.text,
                self.spot
            ),
            format!(
                "  multiple with exactly one wrong option: {}",
                share(self.multiple_one_wrong, self.multiple)
            ),
            format!(
                "  single-choice with exactly one wrong option: {}",
                share(self.single_two_options, self.single)
            ),
            format!(
                "  true-false statements: {} true, {} false",
                self.statements_true, self.statements_false
            ),
            format!(
                "  false statements with a giveaway word: {}",
                share(self.false_with_giveaway, self.statements_false)
            ),
            format!(
                "  true statements with a giveaway word: {}",
                share(self.true_with_giveaway, self.statements_true)
            ),
            format!(
                "  single-choice (3+ options), right answer longest: {}",
                share(self.right_longest, self.single_three_plus)
            ),
            format!(
                "  single-choice (3+ options), right answer shortest: {}",
                share(self.right_shortest, self.single_three_plus)
            ),
            format!("  single-choice right answer by authored position: {positions}"),
            format!(
                "  giveaway words: {}",
                GIVEAWAY_WORDS
                    .iter()
                    .map(|w| format!("\"{w}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ]
        .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::model::test_question;

    fn question(kind: QuestionKind, prompt: &str, options: &[(&str, bool)]) -> Question {
        let options: Vec<(String, bool)> =
            options.iter().map(|(t, c)| (t.to_string(), *c)).collect();
        let mut q = test_question("q", kind, &options);
        q.prompt_md = prompt.to_string();
        q
    }

    fn statement(prompt: &str, true_: bool) -> Question {
        question(
            QuestionKind::TrueFalse,
            prompt,
            &[("Đúng", true_), ("Sai", !true_)],
        )
    }

    #[test]
    fn giveaway_words_are_whole_words_in_any_case() {
        assert_eq!(
            giveaway_words("Nhận định: \"Ứng dụng này Tuyệt Đối an toàn, 100% vô hại.\""),
            vec!["vô hại", "tuyệt đối", "100%"]
        );
        assert_eq!(giveaway_words("Chắc chắn là thật"), vec!["chắc chắn"]);
        // Part of a longer word or number is no match.
        assert!(giveaway_words("giảm 1100% lãi").is_empty());
        assert!(giveaway_words("chơi cho vuive").is_empty());
        assert!(giveaway_words("Ngân hàng gửi mã OTP qua tin nhắn.").is_empty());
    }

    #[test]
    fn only_false_statements_with_giveaway_words_are_warned() {
        let false_absolute = statement("Tin nhắn mang tên ngân hàng chắc chắn là thật.", false);
        let warnings = question_warnings(&false_absolute);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].en.contains("\"chắc chắn\""), "{warnings:?}");
        assert!(warnings[0].vi.contains("\"chắc chắn\""), "{warnings:?}");
        let true_absolute = statement("Ngân hàng không bao giờ hỏi mã OTP.", true);
        assert!(question_warnings(&true_absolute).is_empty());
        let false_plain = statement("Có thể đọc mã OTP cho nhân viên ngân hàng.", false);
        assert!(question_warnings(&false_plain).is_empty());
        let single = question(
            QuestionKind::Single,
            "Cái nào tuyệt đối an toàn?",
            &[("A", true), ("B", false)],
        );
        assert!(question_warnings(&single).is_empty());
    }

    #[test]
    fn odd_one_out_multiple_is_warned() {
        let odd = question(
            QuestionKind::Multiple,
            "?",
            &[("a", true), ("b", true), ("c", false)],
        );
        let warnings = question_warnings(&odd);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].en.contains("only one wrong option"),
            "{warnings:?}"
        );
        let two_wrong = question(
            QuestionKind::Multiple,
            "?",
            &[("a", true), ("b", false), ("c", false)],
        );
        assert!(question_warnings(&two_wrong).is_empty());
    }

    #[test]
    fn figures_count_kinds_habits_and_positions() {
        let questions = vec![
            // Right answer longest, at position 2.
            question(
                QuestionKind::Single,
                "?",
                &[("Có", false), ("Gọi lại tổng đài", true), ("Không", false)],
            ),
            // Right answer shortest, at position 1.
            question(
                QuestionKind::Single,
                "?",
                &[
                    ("Không", true),
                    ("Khi ngân hàng gọi", false),
                    ("Luôn luôn", false),
                ],
            ),
            // Two options: one wrong; neither longest nor shortest counted.
            question(QuestionKind::Single, "?", &[("A", false), ("BB", true)]),
            question(
                QuestionKind::Multiple,
                "?",
                &[("a", true), ("b", true), ("c", false)],
            ),
            question(
                QuestionKind::Multiple,
                "?",
                &[("a", true), ("b", false), ("c", false)],
            ),
            statement("Trang này luôn luôn đúng.", false),
            statement("Tin nhắn có thể giả.", false),
            statement("Ngân hàng không bao giờ hỏi OTP.", true),
            question(QuestionKind::Text, "?", &[]),
        ];
        let figures = Figures::of(&questions);
        assert_eq!(
            figures,
            Figures {
                single: 3,
                multiple: 2,
                true_false: 3,
                text: 1,
                spot: 0,
                multiple_one_wrong: 1,
                single_two_options: 1,
                statements_true: 1,
                statements_false: 2,
                false_with_giveaway: 1,
                true_with_giveaway: 1,
                single_three_plus: 2,
                right_longest: 1,
                right_shortest: 1,
                right_position: vec![1, 2],
            }
        );
        let report = figures.report();
        assert!(
            report.contains("questions: 9 (single 3, multiple 2, true-false 3, text 1, spot 0)"),
            "{report}"
        );
        assert!(
            report.contains("multiple with exactly one wrong option: 1 of 2 (50%)"),
            "{report}"
        );
        assert!(
            report.contains("false statements with a giveaway word: 1 of 2 (50%)"),
            "{report}"
        );
        assert!(
            report.contains("right answer by authored position: 1: 1, 2: 2"),
            "{report}"
        );
        assert_eq!(
            Figures::of(&[]).report().lines().count(),
            report.lines().count()
        );
    }
}
