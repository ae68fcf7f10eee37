//! Server side of quizzes: the attempt's questions, grading a submission,
//! storing attempts, showing results, trainers' statistics.

pub mod form;
pub mod result;
pub mod store;
pub mod submit;

use axum::routing::post;

/// HTTP routes of quizzes (plain form POSTs that work without JavaScript).
pub fn routes() -> axum::Router<crate::server::AppState> {
    axum::Router::new()
        .route(
            "/courses/{course}/{chapter}/quiz",
            post(submit::submit_chapter_quiz),
        )
        .route("/courses/{course}/test", post(submit::submit_final_test))
}
