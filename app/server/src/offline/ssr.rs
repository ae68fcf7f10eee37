//! The server's side of offline reading: the service worker, the small
//! page script that talks to it, the web app manifest, and each course's
//! download list.
//!
//! The service worker carries a version made of the handbook's fingerprint
//! and the site's assets: when either changes, the browser installs the new
//! worker, which fetches every page the phone keeps again before it takes
//! over, so a phone never shows a mix of two versions.

use std::sync::{Arc, Mutex};

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Serialize;

use super::texts::offline_texts_of;
use crate::{
    content::ssr::{catalog::Course, ContentStore},
    server::state::AppState,
    ui::{i18n::Lang, read_aloud, ReaderPrefs},
    web::{
        links,
        scripts::{short_hash, Script},
        AppError,
    },
};

const WORKER: &str = include_str!("sw.js");

/// The page script every page loads (deferred: reading never waits for it).
pub static PAGE_SCRIPT: Script = Script::new("/offline.js", include_str!("page.js"));

/// `/sw.js`, the page script, the manifest and the course download lists.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sw.js", get(worker))
        .route(PAGE_SCRIPT.path, PAGE_SCRIPT.route())
        .route("/manifest.webmanifest", get(manifest))
        .route("/courses/{course}/offline.json", get(course_download))
}

/// The worker, with what it must know prepended: its version, and what
/// every offline visit needs (the offline pages, the stylesheet, the
/// scripts). Browsers check it on every visit; its version is its ETag, so
/// an unchanged worker costs a 304.
async fn worker(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let built = built_worker(&state);
    let cache = [
        (header::CACHE_CONTROL, "no-cache".to_string()),
        (header::ETAG, built.etag.clone()),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == built.etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/javascript; charset=utf-8".to_string(),
        )],
        cache,
        built.body.clone(),
    )
        .into_response()
}

/// The worker as served for one handbook version.
struct BuiltWorker {
    /// The handbook fingerprint and stylesheet it was built for.
    key: String,
    etag: String,
    body: String,
}

/// Built once per handbook version (every visit asks for it).
fn built_worker(state: &AppState) -> Arc<BuiltWorker> {
    static LAST: Mutex<Option<Arc<BuiltWorker>>> = Mutex::new(None);
    let fingerprint = &state.content.current().fingerprint;
    let key = format!("{fingerprint}\n{}", state.assets.css);
    let mut last = LAST.lock().expect("worker");
    if let Some(built) = last.as_ref().filter(|b| b.key == key) {
        return built.clone();
    }
    let shell = [
        "/offline",
        "/offline?saved=read",
        "/offline?saved=quiz",
        &state.assets.css,
        PAGE_SCRIPT.url(),
        read_aloud::SCRIPT.url(),
        "/favicon.svg",
        "/manifest.webmanifest",
    ];
    let version = short_hash(format!("{fingerprint}\n{shell:?}\n{WORKER}").as_bytes());
    let shell = serde_json::to_string(&shell).unwrap_or_default();
    let built = Arc::new(BuiltWorker {
        key,
        etag: format!("\"{version}\""),
        body: format!("const VERSION={version:?},SHELL={shell};\n{WORKER}"),
    });
    *last = Some(built.clone());
    built
}

/// What makes Chrome offer "Thêm vào màn hình chính".
async fn manifest() -> Response {
    // In Vietnamese, like its `lang`: one manifest for every reader.
    let tx = offline_texts_of(Lang::Vi);
    let body = serde_json::json!({
        "name": tx.manifest_name,
        "short_name": "Hocvu",
        "description": tx.manifest_description,
        "lang": "vi",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": "#0b5cad",
        "background_color": "#ffffff",
        "icons": [
            { "src": "/icons/icon-192.png", "sizes": "192x192", "type": "image/png" },
            { "src": "/icons/icon-512.png", "sizes": "512x512", "type": "image/png" },
            { "src": "/icons/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable" },
        ],
    });
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/manifest+json"),
    );
    response
}

/// What "Tải về để đọc khi không có mạng" fetches for a course.
#[derive(Serialize, Debug)]
pub struct Download {
    pub title: String,
    /// Course page, chapters and quizzes, with their titles (for the list
    /// of what can be read offline).
    pub pages: Vec<DownloadPage>,
    /// Pictures of the course (recordings are left out: they are large and
    /// the text is there).
    pub media: Vec<String>,
    /// About how many bytes the download costs over the network.
    pub bytes: u64,
}

#[derive(Serialize, Debug)]
pub struct DownloadPage {
    pub url: String,
    pub title: String,
}

impl Download {
    /// A quiz's entry in the offline list is its chapter's title and what
    /// it is (`quiz_entry`, `final_test_entry`).
    pub fn of(course: &Course, lang: Lang) -> Download {
        let tx = offline_texts_of(lang);
        let mut pages = vec![DownloadPage {
            url: links::course(&course.slug),
            title: course.title.clone(),
        }];
        for chapter in &course.chapters {
            pages.push(DownloadPage {
                url: links::chapter(&course.slug, &chapter.id),
                title: chapter.title.clone(),
            });
            if chapter.quiz.is_some() {
                pages.push(DownloadPage {
                    url: links::quiz(&course.slug, &chapter.id),
                    title: (tx.quiz_entry)(&chapter.title),
                });
            }
        }
        if course.final_quiz.is_some() {
            pages.push(DownloadPage {
                url: links::quiz(&course.slug, links::FINAL_TEST),
                title: (tx.final_test_entry)(&course.title),
            });
        }
        let mut media: Vec<String> = course
            .pictures()
            .map(|(key, _)| format!("/media/{key}"))
            .collect();
        media.sort();
        Download {
            title: course.title.clone(),
            pages,
            bytes: course.download_bytes(),
            media,
        }
    }
}

async fn course_download(
    State(content): State<Arc<ContentStore>>,
    Path(course): Path<String>,
    parts: http::request::Parts,
) -> Result<Response, AppError> {
    let catalog = content.catalog();
    let course = catalog.course(&course).ok_or(AppError::NotFound)?;
    let lang = ReaderPrefs::of(&parts).lang;
    Ok(Json(Download::of(course, lang)).into_response())
}
