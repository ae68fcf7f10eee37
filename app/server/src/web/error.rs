//! One error type for the whole web boundary.
//!
//! Which error to use where: domain and database code returns
//! `anyhow::Result` with `.context(…)`; handlers and server-function bodies
//! return `Result<_, AppError>` and let `?` turn an `anyhow::Error` into
//! `AppError::Internal`. The full chain of an internal error is logged here,
//! once, inside the request's span (so with its request id); the visitor
//! only ever sees a short message in Vietnamese and English.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use leptos::prelude::{use_context, ServerFnError};

use super::{links::with_query, respond::see_other};

/// Why a request did not get what it asked for.
#[derive(Debug)]
pub enum AppError {
    /// Nothing here, or nothing this person may know about (same answer).
    NotFound,
    /// Signed in, but without the role.
    Forbidden,
    /// Signed out: sign in, then come back to `next`.
    SignIn { next: String },
    /// A form with a problem: back to its page naming the problem (a 303).
    BadForm { location: String },
    /// A request no page of ours sends: malformed form or arguments.
    BadRequest(&'static str),
    /// The thing changed under the request (a version, an attempt used up).
    Conflict(&'static str),
    /// Too many tries: wait this many seconds.
    TooManyRequests { wait: i64 },
    /// A failure of ours: logged in full, shown briefly.
    Internal(anyhow::Error),
}

impl AppError {
    /// Back to the form at `page` with `?error=<code>` and the fields worth
    /// keeping (never a password).
    pub fn form(page: &str, code: &str, keep: &[(&str, &str)]) -> AppError {
        let mut pairs = vec![("error", code)];
        pairs.extend_from_slice(keep);
        AppError::BadForm {
            location: with_query(page, &pairs),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::SignIn { .. } | AppError::BadForm { .. } => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the visitor reads: Vietnamese first, then English.
    fn message(&self) -> String {
        match self {
            AppError::NotFound => "Không tìm thấy trang này. / Not found.".into(),
            AppError::Forbidden => "Bạn không có quyền làm việc này. / You may not do this.".into(),
            AppError::SignIn { .. } => "Vui lòng đăng nhập. / Please sign in.".into(),
            AppError::BadForm { .. } => "Vui lòng sửa biểu mẫu. / Please correct the form.".into(),
            AppError::BadRequest(what) => {
                format!("Yêu cầu không hợp lệ, vui lòng tải lại trang. / Bad request: {what}.")
            }
            AppError::Conflict(what) => {
                format!("Dữ liệu đã thay đổi, vui lòng tải lại trang. / Conflict: {what}.")
            }
            AppError::TooManyRequests { wait } => format!(
                "Bạn thử quá nhiều lần, vui lòng đợi {wait} giây. / Too many tries: wait {wait} s."
            ),
            AppError::Internal(_) => {
                "Lỗi máy chủ, vui lòng thử lại. / Server error, please try again.".into()
            }
        }
    }

    /// Logs what the server should know: our failures in full, the
    /// caller's mistakes briefly (they are not ours to fix).
    fn log(&self) {
        match self {
            AppError::Internal(err) => tracing::error!("{err:#}"),
            AppError::BadRequest(what) => tracing::info!("bad request: {what}"),
            other => tracing::debug!(status = other.status().as_u16(), "refused"),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut response = match &self {
            AppError::SignIn { next } => {
                return see_other(&with_query("/signin", &[("next", next)]));
            }
            AppError::BadForm { location } => return see_other(location),
            _ => (self.status(), self.message()).into_response(),
        };
        if let AppError::TooManyRequests { wait } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
        response
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        AppError::Internal(err)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        AppError::Internal(err.into())
    }
}

/// For server functions (each one is a public endpoint): logs, sets the
/// response status, and hands the client the short message only.
impl From<AppError> for ServerFnError {
    fn from(err: AppError) -> Self {
        err.log();
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(match err.status() {
                StatusCode::SEE_OTHER => StatusCode::UNAUTHORIZED,
                status => status,
            });
        }
        ServerFnError::new(err.message())
    }
}
