//! `POST /lang`: remembers the reader's language in a cookie.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Form,
};
use serde::Deserialize;

use crate::ui::i18n::Lang;

#[derive(Deserialize)]
pub struct LanguageChoice {
    to: String,
    back: Option<String>,
}

pub async fn set_language(Form(choice): Form<LanguageChoice>) -> Response {
    let Some(lang) = Lang::parse(&choice.to) else {
        return (StatusCode::BAD_REQUEST, "Unknown language.").into_response();
    };
    let back = choice
        .back
        .as_deref()
        .filter(|p| is_local_path(p))
        .and_then(|p| HeaderValue::from_str(p).ok())
        .unwrap_or(HeaderValue::from_static("/"));
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        Lang::COOKIE,
        lang.code()
    );
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Only same-site paths: never redirect to another host (`//evil`, `/\evil`).
fn is_local_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\")
}
