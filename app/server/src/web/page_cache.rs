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
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use futures_util::StreamExt;
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

/// What the page cache needs: the pages, the content version, the
/// sessions (to tell a guest whose page is the anonymous one), and the
/// inline scripts leptos itself writes.
#[derive(Clone)]
pub struct Shared {
    pub cache: PageCache,
    pub content: Arc<ContentStore>,
    pub db: Db,
    pub sessions: SessionConfig,
    pub known_scripts: KnownScripts,
}

/// `'sha256-…'` of the inline scripts the framework writes into pages (the
/// islands' loader), worked out once at start-up from the framework's own
/// output, so a kept page's policy allows them and nothing else.
#[derive(Clone, Default)]
pub struct KnownScripts(Arc<Vec<String>>);

impl KnownScripts {
    pub fn of(framework_html: &str) -> Self {
        KnownScripts(Arc::new(inline_script_hashes(framework_html)))
    }
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
            marks_on(shared.db.reads(), learner, course, chapter).await,
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
    let (mut parts, body) = request.into_parts();
    // Only what changes the page makes the key, and the page is rendered
    // from exactly that address: `?b=1`, `?b=2`… are one page, not a way
    // to make the server render and compress a page per request.
    let address = kept_address(&page, &path, parts.uri.query());
    if let Ok(uri) = address.parse() {
        parts.uri = uri;
    }
    let prefs = ReaderPrefs::of(&parts);
    let key = format!("{address}|{}|{}", prefs.lang.code(), prefs.text_size);
    let fingerprint = shared.content.current().fingerprint.clone();
    let encoding = preferred_encoding(&parts.headers);
    let if_none_match = parts.headers.get(header::IF_NONE_MATCH).cloned();
    if let Some(hit) = cache.get(&fingerprint, &key) {
        metrics::counter!("hocvu_page_cache_total", "outcome" => "hit").increment(1);
        return answer(&hit, encoding, if_none_match.as_ref());
    }
    metrics::counter!("hocvu_page_cache_total", "outcome" => "miss").increment(1);
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
    let bytes = match collect_at_most(body, MAX_PAGE_BYTES).await {
        Collected::Whole(bytes) => bytes,
        // A very long chapter is served as rendered, with its nonce, unkept.
        Collected::TooLarge(body) => return Response::from_parts(parts, body),
        Collected::Failed => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let known = shared.known_scripts.clone();
    let Some(cached) = prepare(
        parts.headers.clone(),
        &bytes,
        nonce.as_ref(),
        &known,
        Quality::Quick,
    ) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let cached = Arc::new(cached);
    if cache.put(&fingerprint, key.clone(), cached.clone()) {
        // Kept pages are sent many times: compress them well, off the
        // request's path (the miss above was compressed quickly).
        let cache = cache.clone();
        let quick = cached.clone();
        tokio::task::spawn_blocking(move || {
            let better = prepare(
                quick.headers.clone(),
                &quick.identity,
                None,
                &known,
                Quality::Best,
            );
            if let Some(better) = better {
                cache.replace(&fingerprint, &key, &quick, Arc::new(better));
            }
        });
    }
    answer(&cached, encoding, if_none_match.as_ref())
}

/// The address a kept page is rendered from and kept under: the path and
/// the few parameters the page reads (a valid `lang`, the catalog's
/// audience filter, a chapter's "just read" notice, a course's "that chapter
/// is gone" notice), in a fixed order.
fn kept_address(page: &Kept<'_>, path: &str, query: Option<&str>) -> String {
    let mut kept = Vec::new();
    for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let wanted = match (&*name, page) {
            ("lang", _) => crate::ui::i18n::Lang::parse(&value).is_some(),
            ("for", Kept::Catalog) => crate::content::Audience::parse(&value).is_some(),
            ("read", Kept::Chapter { .. }) => value == "1",
            // Sent here from a chapter no longer in the course.
            ("gone", Kept::Course) => value == "1",
            _ => false,
        };
        if wanted && !kept.iter().any(|(n, _): &(String, String)| *n == name) {
            kept.push((name.into_owned(), value.into_owned()));
        }
    }
    kept.sort();
    if kept.is_empty() {
        return path.to_string();
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    format!("{path}?{query}")
}

/// A response body read into memory, unless it is longer than the limit.
enum Collected {
    Whole(Bytes),
    /// Longer: the same body, to be sent on as it is (nothing is lost).
    TooLarge(Body),
    Failed,
}

async fn collect_at_most(mut body: Body, limit: usize) -> Collected {
    use http_body_util::BodyExt;
    let mut read = Vec::new();
    let mut len = 0;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Collected::Failed;
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        len += data.len();
        read.push(data);
        if len > limit {
            let replay = futures_util::stream::iter(read.into_iter().map(Ok::<_, axum::Error>));
            return Collected::TooLarge(Body::from_stream(replay.chain(body.into_data_stream())));
        }
    }
    Collected::Whole(read.concat().into())
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
    let bytes = match collect_at_most(body, MAX_REVALIDATED_BYTES).await {
        Collected::Whole(bytes) => bytes,
        Collected::TooLarge(body) => return Response::from_parts(parts, body),
        Collected::Failed => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
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
    /// The kept pages. A panic while the lock was held leaves at worst one
    /// entry half-replaced (each is a whole `Arc`), so the poison is
    /// cleared rather than failing every later request.
    fn pages(&self) -> MutexGuard<'_, Pages> {
        self.pages.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, fingerprint: &str, key: &str) -> Option<Arc<Cached>> {
        let pages = self.pages();
        if pages.fingerprint != fingerprint {
            return None;
        }
        pages.entries.get(key).cloned()
    }

    /// Keeps `page`; false when the cache is full (then the page is served
    /// unkept: a full cache is never emptied for everyone by one visitor).
    fn put(&self, fingerprint: &str, key: String, page: Arc<Cached>) -> bool {
        let mut pages = self.pages();
        if pages.fingerprint != fingerprint {
            // A new version: start over.
            pages.entries.clear();
            pages.fingerprint = fingerprint.to_string();
        }
        if pages.entries.len() >= MAX_ENTRIES && !pages.entries.contains_key(&key) {
            return false;
        }
        pages.entries.insert(key, page);
        metrics::gauge!("hocvu_page_cache_pages").set(pages.entries.len() as f64);
        true
    }

    /// Swaps `old` for `new` if it is still the page kept under `key`.
    fn replace(&self, fingerprint: &str, key: &str, old: &Arc<Cached>, new: Arc<Cached>) {
        let mut pages = self.pages();
        if pages.fingerprint != fingerprint {
            return;
        }
        if let Some(entry) = pages.entries.get_mut(key) {
            if Arc::ptr_eq(entry, old) {
                *entry = new;
            }
        }
    }
}

/// How hard `prepare` compresses: quickly on the request that missed,
/// best when the kept page is recompressed in the background.
#[derive(Clone, Copy)]
enum Quality {
    Quick,
    Best,
}

/// The page without its nonce, its CSP allowing leptos's own inline
/// scripts by hash (never whatever else the page holds: that would let a
/// script smuggled into content run), compressed both ways. `None` when the
/// page cannot be made nonce-free.
fn prepare(
    mut headers: HeaderMap,
    body: &[u8],
    nonce: Option<&CspNonce>,
    known: &KnownScripts,
    quality: Quality,
) -> Option<Cached> {
    let html = std::str::from_utf8(body).ok()?;
    // leptos also writes the nonce as the preload links' `crossorigin`
    // value; a page rendered without a nonce has neither.
    let html = match nonce {
        Some(CspNonce(nonce)) => html
            .replace(&format!(" nonce=\"{nonce}\""), "")
            .replace(&format!(" crossorigin=\"{nonce}\""), ""),
        None => html.to_string(),
    };
    let hashes: Vec<String> = inline_script_hashes(&html)
        .into_iter()
        .filter(|hash| known.0.contains(hash))
        .collect();
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
    let (br_quality, gzip_level) = match quality {
        Quality::Quick => (1, flate2::Compression::fast()),
        Quality::Best => (11, flate2::Compression::best()),
    };
    let mut br = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut br, 4096, br_quality, 22);
        writer.write_all(&identity).ok()?;
    }
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), gzip_level);
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

    #[test]
    fn a_kept_page_allows_the_framework_scripts_and_nothing_smuggled_in() {
        let framework = "<script type=\"module\">go()</script>";
        let known = KnownScripts::of(framework);
        let page = format!(
            "<html><head><title>T</title><script>alert(document.domain)</script><title></title>\
             </head><body>{framework}</body></html>"
        );
        let cached = prepare(
            HeaderMap::new(),
            page.as_bytes(),
            None,
            &known,
            Quality::Quick,
        )
        .expect("prepared");
        let policy = cached.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_string();
        let smuggled = inline_script_hashes("<script>alert(document.domain)</script>");
        assert!(policy.contains(&known.0[0]), "{policy}");
        assert!(!policy.contains(&smuggled[0]), "{policy}");
        let scripts = policy
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!scripts.contains("unsafe-inline"), "{policy}");
    }

    #[test]
    fn only_what_changes_a_kept_page_is_in_its_address() {
        let chapter = Kept::Chapter {
            course: "a",
            chapter: "b",
        };
        assert_eq!(kept_address(&chapter, "/courses/a/b", None), "/courses/a/b");
        assert_eq!(
            kept_address(&chapter, "/courses/a/b", Some("b=1&utm=x")),
            "/courses/a/b"
        );
        assert_eq!(
            kept_address(&chapter, "/courses/a/b", Some("read=1&lang=en&x=<y>")),
            "/courses/a/b?lang=en&read=1"
        );
        assert_eq!(
            kept_address(&chapter, "/courses/a/b", Some("lang=xx&read=2")),
            "/courses/a/b"
        );
        assert_eq!(
            kept_address(&Kept::Catalog, "/courses", Some("for=official&read=1")),
            "/courses?for=official"
        );
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_handed_on_whole() {
        let chunks: Vec<Bytes> = (0..10).map(|i| Bytes::from(vec![b'a' + i; 1000])).collect();
        let body = Body::from_stream(futures_util::stream::iter(
            chunks.clone().into_iter().map(Ok::<_, std::io::Error>),
        ));
        let Collected::TooLarge(body) = collect_at_most(body, 2500).await else {
            panic!("over the limit");
        };
        let all = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let expected: Vec<u8> = chunks.concat();
        assert_eq!(all.to_vec(), expected, "nothing lost, nothing repeated");
        let Collected::Whole(small) = collect_at_most(Body::from("short"), 2500).await else {
            panic!("under the limit");
        };
        assert_eq!(small, "short");
    }
}
