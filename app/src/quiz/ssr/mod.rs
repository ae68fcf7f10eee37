//! Server side of quizzes: attempts, grading, statistics.

/// HTTP routes of quizzes (plain form POSTs that work without JavaScript).
pub fn routes() -> axum::Router<crate::server::AppState> {
    axum::Router::new()
}
