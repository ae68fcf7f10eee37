//! `POST /lang`: remembers the reader's language in a cookie.

use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::Response,
};
use serde::Deserialize;

use crate::{
    accounts::ssr::SessionConfig,
    ui::{i18n::Lang, text_size::TextLevel},
    web::{links::is_local_path, see_other, AppError, Form},
};

#[derive(Deserialize)]
pub struct LanguageChoice {
    to: String,
    back: Option<String>,
}

#[derive(Deserialize)]
pub struct TextSizeChoice {
    level: u8,
    back: Option<String>,
}

/// `POST /text-size`: "Chữ lớn" without JavaScript; the cookie makes every
/// later page render at that size.
pub async fn set_text_size(
    State(sessions): State<SessionConfig>,
    Form(choice): Form<TextSizeChoice>,
) -> Result<Response, AppError> {
    if choice.level > TextLevel::MAX_LEVEL {
        return Err(AppError::BadRequest("unknown text size"));
    }
    let back = choice
        .back
        .as_deref()
        .filter(|p| is_local_path(p))
        .unwrap_or("/");
    // Only the server reads it (no script changes it any more).
    remember(
        back,
        TextLevel::COOKIE,
        &choice.level.to_string(),
        true,
        sessions,
    )
}

/// 303 to `back`, setting a year-long preference cookie.
fn remember(
    back: &str,
    name: &str,
    value: &str,
    http_only: bool,
    sessions: SessionConfig,
) -> Result<Response, AppError> {
    let secure = if sessions.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let http_only = if http_only { "; HttpOnly" } else { "" };
    let cookie =
        format!("{name}={value}; Path=/; Max-Age=31536000; SameSite=Lax{http_only}{secure}");
    let mut response = see_other(back);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

pub async fn set_language(
    State(sessions): State<SessionConfig>,
    Form(choice): Form<LanguageChoice>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&choice.to).ok_or(AppError::BadRequest("unknown language"))?;
    let back = choice
        .back
        .as_deref()
        .filter(|p| is_local_path(p))
        .unwrap_or("/");
    remember(back, Lang::COOKIE, lang.code(), true, sessions)
}
