//! Warnings about quizzes that can be passed without understanding: the
//! right answer is systematically the longest option, or true/false
//! statements are nearly always the same answer. `content check` reports
//! them to trainers as warnings (they never block a publish).

use super::model::{Question, QuestionKind, Quiz};
use crate::content::diagnostics::Message;

/// Fewer questions of a kind than this say nothing about a habit.
const ENOUGH: usize = 4;
/// Share of single-choice questions whose answer is the longest option
/// above which a learner can guess (with 3-4 options, chance is 25-33%).
const LONGEST_SHARE: f64 = 0.6;
/// Share of true/false answers that are the same above which "always Sai"
/// passes the quiz.
const SAME_SHARE: f64 = 0.8;

/// Whether the single correct option is strictly longer than every other.
fn correct_is_longest(q: &Question) -> bool {
    let len = |text: &str| text.chars().count();
    let Some(right) = q.options.iter().find(|c| c.correct) else {
        return false;
    };
    q.options
        .iter()
        .filter(|c| !c.correct)
        .all(|c| len(&c.text_md) < len(&right.text_md))
}

/// Plain-language warnings for `quiz`, in English and Vietnamese (empty
/// when it is balanced).
pub fn warnings(quiz: &Quiz) -> Vec<Message> {
    warnings_for(&quiz.questions)
}

/// The same for any set of questions: one quiz, or every quiz of a course
/// (a habit spread thinly over short quizzes shows only there).
pub fn warnings_for<'q>(questions: impl IntoIterator<Item = &'q Question>) -> Vec<Message> {
    let questions: Vec<&Question> = questions.into_iter().collect();
    let mut out = Vec::new();
    let single: Vec<&Question> = questions
        .iter()
        .copied()
        .filter(|q| q.kind == QuestionKind::Single && q.options.len() >= 3)
        .collect();
    let longest = single.iter().filter(|q| correct_is_longest(q)).count();
    if single.len() >= ENOUGH && longest as f64 / single.len() as f64 > LONGEST_SHARE {
        out.push(Message::new(
            format!(
                "the right answer is the longest option in {longest} of {} single-choice questions: \
                 learners can guess it; make the wrong options as long and as plausible as the right one",
                single.len()
            ),
            format!(
                "ở {longest} trên {} câu hỏi chọn một đáp án, đáp án đúng là đáp án dài nhất: \
                 người học có thể đoán ra; hãy viết các đáp án sai dài và hợp lý như đáp án đúng",
                single.len()
            ),
        ));
    }
    let true_false: Vec<&Question> = questions
        .iter()
        .copied()
        .filter(|q| q.kind == QuestionKind::TrueFalse)
        .collect();
    let first_true = true_false
        .iter()
        .filter(|q| q.options.first().is_some_and(|c| c.correct))
        .count();
    let most = first_true.max(true_false.len() - first_true);
    if true_false.len() >= ENOUGH && most as f64 / true_false.len() as f64 >= SAME_SHARE {
        let (word, count) = if first_true >= true_false.len() - first_true {
            ("Đúng", first_true)
        } else {
            ("Sai", true_false.len() - first_true)
        };
        out.push(Message::new(
            format!(
                "{count} of {} true/false answers are \"{word}\": answering \"{word}\" to all passes; \
                 balance true and false statements",
                true_false.len()
            ),
            format!(
                "{count} trên {} câu Đúng/Sai có đáp án là \"{word}\": cứ chọn \"{word}\" cho mọi câu \
                 là đạt; hãy xen kẽ nhận định đúng và nhận định sai cho cân bằng",
                true_false.len()
            ),
        ));
    }
    out
}

/// Single-choice questions across a course below which the authored
/// position of the right answers says nothing.
const ENOUGH_FOR_POSITIONS: usize = 8;
/// Share of right answers on one authored position above which "always
/// b" is a strategy (with 3-4 options, an even spread is 25-33% each).
const POSITION_SHARE: f64 = 0.5;

/// Across a course: right answers crowd on one authored position. Pages
/// shuffle the options, but an unshuffled quiz, a printout or a leaked
/// order shows the authored one.
pub fn position_warning<'q>(questions: impl IntoIterator<Item = &'q Question>) -> Option<Message> {
    let mut counts = [0usize; 8];
    let mut total = 0;
    for q in questions {
        let right: Vec<usize> = q
            .options
            .iter()
            .enumerate()
            .filter(|(_, c)| c.correct)
            .map(|(i, _)| i)
            .collect();
        if q.kind == QuestionKind::Single && q.options.len() >= 3 && right.len() == 1 {
            if let Some(slot) = counts.get_mut(right[0]) {
                *slot += 1;
                total += 1;
            }
        }
    }
    let (position, &most) = counts.iter().enumerate().max_by_key(|(_, n)| **n)?;
    if total < ENOUGH_FOR_POSITIONS || (most as f64 / total as f64) <= POSITION_SHARE {
        return None;
    }
    let letter = (b'a' + position as u8) as char;
    Some(Message::new(
        format!(
            "the right answer is option {letter} (as written) in {most} of {total} single-choice \
             questions: spread the right answers over every position"
        ),
        format!(
            "ở {most} trên {total} câu hỏi chọn một đáp án, đáp án đúng là lựa chọn {letter} (theo thứ tự \
             viết): hãy đặt đáp án đúng ở nhiều vị trí khác nhau"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::model::{test_question, QuizSettings};

    fn question(kind: QuestionKind, options: &[(&str, bool)]) -> Question {
        let options: Vec<(String, bool)> =
            options.iter().map(|(t, c)| (t.to_string(), *c)).collect();
        test_question("q", kind, &options)
    }

    fn quiz(questions: Vec<Question>) -> Quiz {
        Quiz {
            settings: QuizSettings::default(),
            questions,
        }
    }

    #[test]
    fn the_longest_answer_habit_is_reported() {
        let long_right = || {
            question(
                QuestionKind::Single,
                &[
                    ("Không", false),
                    ("Gọi lại số tổng đài in trên thẻ", true),
                    ("Có", false),
                ],
            )
        };
        let short_right = || {
            question(
                QuestionKind::Single,
                &[
                    ("Không bao giờ", true),
                    ("Khi ngân hàng gọi điện hỏi", false),
                    ("Luôn luôn", false),
                ],
            )
        };
        let habit = quiz(vec![
            long_right(),
            long_right(),
            long_right(),
            short_right(),
        ]);
        assert_eq!(warnings(&habit).len(), 1, "3 of 4");
        let mixed = quiz(vec![
            long_right(),
            long_right(),
            short_right(),
            short_right(),
        ]);
        assert!(warnings(&mixed).is_empty(), "2 of 4 is fine");
        let few = quiz(vec![long_right(), long_right(), long_right()]);
        assert!(warnings(&few).is_empty(), "too few to tell");
    }

    #[test]
    fn one_sided_true_false_is_reported() {
        let tf = |right_is_true: bool| {
            question(
                QuestionKind::TrueFalse,
                &[("Đúng", right_is_true), ("Sai", !right_is_true)],
            )
        };
        let all_false = quiz(vec![tf(false), tf(false), tf(false), tf(false), tf(true)]);
        let found = warnings(&all_false);
        assert_eq!(found.len(), 1);
        assert!(found[0].en.contains("\"Sai\""), "{found:?}");
        assert!(found[0].vi.contains("\"Sai\""), "{found:?}");
        let balanced = quiz(vec![tf(false), tf(true), tf(false), tf(true)]);
        assert!(warnings(&balanced).is_empty());
    }

    #[test]
    fn right_answers_crowding_on_one_position_are_reported() {
        let on = |right: usize| {
            let options: Vec<(String, bool)> = (0..4)
                .map(|i| (format!("option {i}"), i == right))
                .collect();
            let refs: Vec<(&str, bool)> = options.iter().map(|(t, c)| (t.as_str(), *c)).collect();
            question(QuestionKind::Single, &refs)
        };
        let crowded: Vec<Question> = (0..10).map(|i| on(if i < 6 { 1 } else { i % 4 })).collect();
        let warning = position_warning(&crowded).expect("7 of 10 on b");
        assert!(warning.en.contains("option b"), "{}", warning.en);
        let spread: Vec<Question> = (0..12).map(|i| on(i % 4)).collect();
        assert_eq!(position_warning(&spread), None);
        assert_eq!(position_warning(&crowded[..5]), None, "too few to say");
    }
}
