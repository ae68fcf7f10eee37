//! `POST /lang`: remembers the reader's language in a cookie.

use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::Response,
};
use serde::Deserialize;

use crate::{
    accounts::ssr::SessionConfig,
    ui::i18n::Lang,
    web::{links::is_local_path, see_other, AppError, Form},
};

#[derive(Deserialize)]
pub struct LanguageChoice {
    to: String,
    back: Option<String>,
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
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
        Lang::COOKIE,
        lang.code(),
        if sessions.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let mut response = see_other(back);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}
