//! Who runs a class and what it may ask: shared by the handlers, the
//! pages' data and the record.

use sha2::{Digest, Sha256};

use super::store::ClassRow;
use crate::{
    accounts::{ssr::guest_pass::PassKey, CurrentUser, Role},
    content::ssr::catalog::Course,
    quiz::model::{Question, QuestionKind, Quiz},
};

/// Whether `user` leads `class`: its leader, or any admin.
pub fn controls(user: &CurrentUser, class: &ClassRow) -> bool {
    user.role == Role::Admin || (user.id == class.leader_id && Role::LEADERS.contains(&user.role))
}

/// The questions a class can push from a chapter's quiz: those answered by
/// picking (a typed or spotted answer needs the quiz page).
pub fn class_questions(course: &Course, chapter: &str) -> Vec<std::sync::Arc<Quiz>> {
    course
        .chapters
        .iter()
        .filter(|c| c.id == chapter)
        .filter_map(|c| c.quiz.clone())
        .collect()
}

pub fn pushable(q: &Question) -> bool {
    matches!(
        q.kind,
        QuestionKind::Single | QuestionKind::Multiple | QuestionKind::TrueFalse
    )
}

/// Each choice's key in a class's forms: the same for everyone in the
/// class, unrelated to the file's order (which often puts the right answer
/// first), in the file's order. (key, choice id)
pub fn choice_keys(key: &PassKey, class: &ClassRow, q: &Question) -> Vec<(String, String)> {
    let seed = key.seed(&format!("class\n{}\n{}", class.id, q.id));
    let mut keys: Vec<(String, String)> = q
        .options
        .iter()
        .map(|c| {
            let digest = Sha256::digest(format!("{seed}\n{}", c.id).as_bytes());
            let key = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
            (key, c.id.clone())
        })
        .collect();
    // Shown in key order: shuffled, but alike on every phone and the screen.
    if q.kind != QuestionKind::TrueFalse {
        keys.sort();
    }
    keys
}
