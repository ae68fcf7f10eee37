//! The anonymous page cache: most traffic in a campaign is people without
//! a session opening the same chapters from links shared in Zalo groups.
//! For them, home, the catalog, course and chapter pages are rendered once
//! per content version, language and text size, kept compressed (brotli
//! and gzip), and answered with a strong `ETag` (so a phone that has the
//! page gets a bodiless 304).
//!
//! Only pages rendered for a request without a session cookie, and that
//! set no cookie, are kept, so nothing personal is ever stored. A guest
//! (a session without an account) is served a kept page only where theirs
//! would be the same bytes: the catalog, and a chapter they have no mark on.
//! Signed-in people always get their own render.
//! A page rendered for the cache carries no CSP nonce (a nonce shared by
//! everyone would be no nonce): its inline scripts are allowed by their
//! SHA-256 hashes instead.

use std::{
    collections::HashMap,
    io::Write,
    sync::{Arc, Mutex},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use super::headers::{policy_with_hashes, CspNonce};
use crate::{
    accounts::ssr::{
        session::{self, SessionConfig},
        Identity,
    },
    content::ssr::{tree::hex, ContentStore},
    progress::{ssr::marks_on, ChapterMarks},
    server::db::Db,
    ui::ReaderPrefs,
};

/// Most pages kept (a handbook of 1,000 chapters × 2 languages × 2 sizes
/// fits); past it the cache starts over rather than tracking use.
const MAX_ENTRIES: usize = 8_000;
/// Largest page kept.
const MAX_PAGE_BYTES: usize = 512 * 1024;

/// One page as every anonymous visitor gets it.
struct Cached {
    etag: HeaderValue,
    headers: HeaderMap,
    identity: Bytes,
    br: Bytes,
    gzip: Bytes,
}

#[derive(Default)]
struct Pages {
    /// The content version the pages were rendered from.
    fingerprint: String,
    entries: HashMap<String, Arc<Cached>>,
}

#[derive(Clone, Default)]
pub struct PageCache {
    pages: Arc<Mutex<Pages>>,
}

/// Pages whose anonymous render is the same for everyone (not quizzes,
/// results, statistics or the final test, which hold per-visitor state).
#[derive(Debug, PartialEq)]
enum Kept<'a> {
    Home,
    Catalog,
    Course,
    Chapter { course: &'a str, chapter: &'a str },
}

fn kept(path: &str) -> Option<Kept<'_>> {
    match path {
        "/" => return Some(Kept::Home),
        "/courses" => return Some(Kept::Catalog),
        _ => {}
    }
    let rest = path.strip_prefix("/courses/")?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts[..] {
        [course] if !course.is_empty() => Some(Kept::Course),
        [course, chapter] if !course.is_empty() && !matches!(chapter, "" | "test" | "stats") => {
            Some(Kept::Chapter { course, chapter })
        }
        _ => None,
    }
}

/// What the page cache needs: the pages, the content version, and the
/// sessions (to tell a guest whose page is the anonymous one).
#[derive(Clone)]
pub struct Shared {
    pub cache: PageCache,
    pub content: Arc<ContentStore>,
    pub db: Db,
    pub sessions: SessionConfig,
}

/// Whether the visitor behind a session cookie gets the anonymous page:
/// a guest on the catalog, or on a chapter they have no mark on. Home and
/// course pages show a guest's progress (even none: a 0% bar), and a
/// signed-in person's header carries their name.
async fn guest_sees_anonymous_page(shared: &Shared, page: &Kept<'_>, identity: &Identity) -> bool {
    let (Some(learner), None) = (&identity.learner_id, &identity.user) else {
        return false;
    };
    match page {
        Kept::Chapter { course, chapter } => matches!(
            marks_on(shared.db.pool(), learner, course, chapter).await,
            Ok(marks) if marks == ChapterMarks::default()
        ),
        Kept::Catalog => true,
        Kept::Home | Kept::Course => false,
    }
}

/// Middleware (outside compression and the security headers).
pub async fn serve(State(shared): State<Shared>, mut request: Request, next: Next) -> Response {
    let is_get = matches!(*request.method(), Method::GET | Method::HEAD);
    let path = request.uri().path().to_string();
    let Some(page) = kept(&path).filter(|_| is_get) else {
        return next.run(request).await;
    };
    let guest = session::has_session_cookie(request.headers());
    if guest {
        if matches!(page, Kept::Home | Kept::Course) {
            return next.run(request).await;
        }
        let identity = session::lookup(&shared.db, &shared.sessions, request.headers()).await;
        let anonymous_page = guest_sees_anonymous_page(&shared, &page, &identity).await;
        // Looked up once: the `identify` middleware uses it.
        request.extensions_mut().insert(identity);
        if !anonymous_page {
            return next.run(request).await;
        }
    }
    let cache = &shared.cache;
    let (parts, body) = request.into_parts();
    let prefs = ReaderPrefs::of(&parts);
    let key = format!(
        "{}|{}|{}",
        parts.uri.path_and_query().map_or("", |p| p.as_str()),
        prefs.lang.code(),
        prefs.text_size
    );
    let fingerprint = shared.content.current().fingerprint.clone();
    let encoding = preferred_encoding(&parts.headers);
    let if_none_match = parts.headers.get(header::IF_NONE_MATCH).cloned();
    if let Some(hit) = cache.get(&fingerprint, &key) {
        return answer(&hit, encoding, if_none_match.as_ref());
    }
    request = Request::from_parts(parts, body);
    if guest {
        // Kept pages are filled by anonymous renders only: the guest gets
        // their own render (the same bytes, proven by a test), unkept.
        return next.run(request).await;
    }
    // Render uncompressed (compression happens here, once).
    request.headers_mut().remove(header::ACCEPT_ENCODING);
    request.headers_mut().remove(header::IF_NONE_MATCH);
    let response = next.run(request).await;
    let keep = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
    if !keep {
        return response;
    }
    let nonce = response.extensions().get::<CspNonce>().cloned();
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(cached) = prepare(parts.headers.clone(), &bytes, nonce.as_ref()) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let cached = Arc::new(cached);
    cache.put(&fingerprint, key, cached.clone());
    answer(&cached, encoding, if_none_match.as_ref())
}

/// Largest page given an ETag on the way out.
const MAX_REVALIDATED_BYTES: usize = 1024 * 1024;

/// Middleware (inside compression): pages rendered for one person that a
/// browser may keep (`no-cache`: a signed-in learner's chapter, say) get a
/// weak `ETag` of their bytes, and a request naming it gets a bodiless 304,
/// so re-reading an unchanged chapter costs no page over prepaid data. The
/// ETag leaves out the response's CSP nonce, and a 304 carries no policy:
/// the browser keeps the stored page together with its own stored policy.
pub async fn revalidate(request: Request, next: Next) -> Response {
    let is_get = matches!(*request.method(), Method::GET | Method::HEAD);
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    let headers = response.headers();
    let keepable = is_get
        && response.status() == StatusCode::OK
        && !headers.contains_key(header::SET_COOKIE)
        && !headers.contains_key(header::ETAG)
        && headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("no-cache"))
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
    if !keepable {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REVALIDATED_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut digest = Sha256::new();
    let nonce = parts.extensions.get::<CspNonce>().map(|n| n.0.clone());
    match (nonce, std::str::from_utf8(&bytes)) {
        (Some(nonce), Ok(html)) => html.split(&*nonce).for_each(|piece| digest.update(piece)),
        _ => digest.update(&bytes),
    }
    let etag = format!("W/\"{}\"", hex(&digest.finalize()[..12]));
    let Ok(etag) = HeaderValue::from_str(&etag) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let matches = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if matches {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        for name in [header::CACHE_CONTROL, header::VARY] {
            for value in parts.headers.get_all(&name) {
                not_modified
                    .headers_mut()
                    .append(name.clone(), value.clone());
            }
        }
        not_modified.headers_mut().insert(header::ETAG, etag);
        return not_modified;
    }
    parts.headers.insert(header::ETAG, etag);
    Response::from_parts(parts, Body::from(bytes))
}

impl PageCache {
    fn get(&self, fingerprint: &str, key: &str) -> Option<Arc<Cached>> {
        let pages = self.pages.lock().expect("page cache");
        if pages.fingerprint != fingerprint {
            return None;
        }
        pages.entries.get(key).cloned()
    }

    fn put(&self, fingerprint: &str, key: String, page: Arc<Cached>) {
        let mut pages = self.pages.lock().expect("page cache");
        if pages.fingerprint != fingerprint || pages.entries.len() >= MAX_ENTRIES {
            // A new version (or too many pages): start over.
            pages.entries.clear();
            pages.fingerprint = fingerprint.to_string();
        }
        pages.entries.insert(key, page);
    }
}

/// The page without its nonce, its CSP allowing the inline scripts by hash,
/// compressed both ways. `None` when the page cannot be made nonce-free.
fn prepare(mut headers: HeaderMap, body: &[u8], nonce: Option<&CspNonce>) -> Option<Cached> {
    let html = std::str::from_utf8(body).ok()?;
    // leptos also writes the nonce as the preload links' `crossorigin`
    // value; a page rendered without a nonce has neither.
    let html = match nonce {
        Some(CspNonce(nonce)) => html
            .replace(&format!(" nonce=\"{nonce}\""), "")
            .replace(&format!(" crossorigin=\"{nonce}\""), ""),
        None => html.to_string(),
    };
    let hashes = inline_script_hashes(&html);
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&policy_with_hashes(&hashes)).ok()?,
    );
    headers.remove(header::CONTENT_LENGTH);
    headers.remove(header::CONTENT_ENCODING);
    headers.remove(header::DATE);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    let identity = Bytes::from(html.into_bytes());
    let etag = format!("\"{}\"", hex(&Sha256::digest(&identity)[..12]));
    let mut br = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        writer.write_all(&identity).ok()?;
    }
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(&identity).ok()?;
    Some(Cached {
        etag: HeaderValue::from_str(&etag).ok()?,
        headers,
        identity,
        br: br.into(),
        gzip: gzip.finish().ok()?.into(),
    })
}

/// `'sha256-…'` of every inline `<script>`'s text, as CSP wants them.
fn inline_script_hashes(html: &str) -> Vec<String> {
    use base64::Engine;
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        let text = &body[..close];
        if !tag.contains(" src=") && !text.is_empty() {
            let digest = Sha256::digest(text.as_bytes());
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body[close..];
    }
    hashes
}

#[derive(Clone, Copy)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// What the client accepts, best first (q-values of 0 respected).
fn preferred_encoding(headers: &HeaderMap) -> Encoding {
    let accepted: Vec<String> = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter(|item| !item.replace(' ', "").ends_with(";q=0"))
        .map(|item| {
            item.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    if accepted.iter().any(|e| e == "br") {
        Encoding::Brotli
    } else if accepted.iter().any(|e| e == "gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn answer(page: &Cached, encoding: Encoding, if_none_match: Option<&HeaderValue>) -> Response {
    let not_modified = if_none_match.is_some_and(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim() == page.etag))
    });
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let (body, coding) = match encoding {
            Encoding::Brotli => (page.br.clone(), Some("br")),
            Encoding::Gzip => (page.gzip.clone(), Some("gzip")),
            Encoding::Identity => (page.identity.clone(), None),
        };
        let mut response = Response::new(Body::from(body));
        *response.headers_mut() = page.headers.clone();
        if let Some(coding) = coding {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        response
    };
    let headers = response.headers_mut();
    if not_modified {
        for name in [header::CACHE_CONTROL, header::VARY] {
            if let Some(v) = page.headers.get(&name) {
                headers.insert(name, v.clone());
            }
        }
    }
    headers.insert(header::ETAG, page.etag.clone());
    headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pages_without_personal_state_are_cacheable() {
        for yes in ["/", "/courses", "/courses/a", "/courses/a/b"] {
            assert!(kept(yes).is_some(), "{yes}");
        }
        assert_eq!(
            kept("/courses/a/b"),
            Some(Kept::Chapter {
                course: "a",
                chapter: "b"
            })
        );
        for no in [
            "/me",
            "/courses/a/test",
            "/courses/a/stats",
            "/courses/a/b/quiz",
            "/courses/a/b/quiz/result/1",
            "/search",
            "/courses/",
        ] {
            assert!(kept(no).is_none(), "{no}");
        }
    }

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html =
            "<script src=\"/pkg/a.js\"></script><p>x</p><script type=\"module\">go()</script>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        // echo -n 'go()' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            hashes[0],
            "'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"
        );
    }
}
