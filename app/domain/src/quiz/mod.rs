//! Quizzes: the `.quiz` file format, the questions it holds, the checks that
//! keep quizzes fair (answer positions, giveaway words) and grading.

pub mod balance;
pub mod figures;
pub mod grade;
pub mod model;
pub mod parse;
