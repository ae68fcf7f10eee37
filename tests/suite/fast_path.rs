//! The anonymous page cache and conditional requests (issue 14): cached
//! pages are exactly what a fresh render gives, never carry anyone's
//! personal state, revalidate with a strong ETag, and follow new versions.

use std::io::Read;

use hocvu_tests::{add_user, on_both_databases, Agent, TestApp};

const CHAPTER: &str = "/courses/thanh-toan-khong-tien-mat/ma-otp";

/// A GET as a phone browser sends it, keeping no cookies.
async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    Agent::anonymous(app).get_with(path, headers).await
}

/// The page without its per-response nonce (leptos writes it as `nonce`
/// and as the preload links' `crossorigin`).
fn without_nonces(html: &str) -> String {
    let Some(start) = html.find(" nonce=\"") else {
        return html.to_string();
    };
    let value = &html[start + 8..];
    let nonce = &value[..value.find('"').unwrap()];
    html.replace(&format!(" nonce=\"{nonce}\""), "")
        .replace(&format!(" crossorigin=\"{nonce}\""), "")
}

async fn anonymous_pages_are_cached_exactly(app: TestApp) {
    let first = get(&app, CHAPTER, &[]).await;
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with('"'), "a strong ETag: {etag}");
    let csp = first.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("'sha256-") && !csp.contains("'nonce-"),
        "{csp}"
    );
    let cached = first.text().await.unwrap();
    assert!(
        !cached.contains(" nonce=\"") && !cached.contains("crossorigin=\""),
        "no shared nonce in a shared page"
    );

    // The same bytes a fresh render gives a visitor without a session (a
    // session cookie that matches no session is not served from the cache,
    // and identifies nobody), apart from that render's own nonce.
    let stale = format!("hocvu_session={}", "0a".repeat(32));
    let fresh = get(&app, CHAPTER, &[("Cookie", &stale)]).await;
    assert!(
        fresh
            .headers()
            .get("etag")
            .is_none_or(|e| e.as_bytes().starts_with(b"W/")),
        "rendered, not cached"
    );
    assert_eq!(without_nonces(&fresh.text().await.unwrap()), cached);

    // Asked again with the ETag: 304, no body.
    let again = get(&app, CHAPTER, &[("If-None-Match", &etag)]).await;
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    // Brotli and gzip, compressed once, decode to the same page.
    let br = get(&app, CHAPTER, &[("Accept-Encoding", "gzip, deflate, br")]).await;
    assert_eq!(br.headers()["content-encoding"], "br");
    let mut decoded = Vec::new();
    brotli_decompressor::Decompressor::new(&br.bytes().await.unwrap()[..], 4096)
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), cached);
    let gz = get(&app, CHAPTER, &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..])
        .read_to_string(&mut decoded)
        .unwrap();
    assert_eq!(decoded, cached);

    // Language and text size are part of the key.
    let english = get(&app, CHAPTER, &[("Cookie", "lang=en")]).await;
    assert_ne!(english.headers()["etag"].to_str().unwrap(), etag);
    assert!(english.text().await.unwrap().contains("lang=\"en\""));
    let large = get(&app, CHAPTER, &[("Cookie", "textsize=2")]).await;
    assert!(large.text().await.unwrap().contains("data-text-size=\"2\""));

    // Reading pages never write: the cache changes nothing either.
    let before = hocvu_tests::footprint(&app).await;
    for _ in 0..3 {
        get(&app, CHAPTER, &[]).await;
    }
    assert_eq!(hocvu_tests::footprint(&app).await, before);
}

/// Nothing personal reaches the cache: a signed-in learner's name and a
/// guest's "done" mark stay theirs.
async fn personal_state_never_leaks_into_cached_pages(app: TestApp) {
    let learner = add_user(&app, "bac-ba", "Bác Ba Tên Riêng", "learner").await;
    let mine = learner.page(CHAPTER).await;
    assert!(
        mine.contains("Bác Ba Tên Riêng"),
        "the learner sees their name"
    );

    let guest = Agent::anonymous(&app);
    let page = guest.page(CHAPTER).await;
    let event =
        hocvu_tests::attribute_of(&page, "<input type=\"hidden\" name=\"event\"", "value").unwrap();
    let marked = guest
        .post_form(&format!("{CHAPTER}/read"), &[("event", &event)])
        .await;
    let guest = Agent::with_cookie(&app, hocvu_tests::session_cookie_of(&marked));
    let guest_page = guest.page(&format!("{CHAPTER}?read=1")).await;
    assert!(
        guest_page.contains("Đã ghi nhận"),
        "the guest sees their mark"
    );

    let anonymous = get(&app, CHAPTER, &[]).await.text().await.unwrap();
    assert!(!anonymous.contains("Bác Ba Tên Riêng"));
    assert!(!anonymous.contains("Đã ghi nhận"));
    let anonymous = get(&app, &format!("{CHAPTER}?read=1"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!anonymous.contains("Bác Ba Tên Riêng"));
    // Every reader of the page posts the same event id: each counts for
    // its own learner.
    let other = Agent::anonymous(&app);
    other
        .post_form(&format!("{CHAPTER}/read"), &[("event", &event)])
        .await;
    assert_eq!(
        app.scalar("SELECT COUNT(DISTINCT learner_id) FROM progress_events")
            .await,
        2
    );
}

/// A guest (a session from "Đã đọc xong", no account) is served the kept
/// page where theirs is byte for byte the same: a chapter they have no mark
/// on, and the catalog. Where they have a mark, or the page shows progress,
/// they get their own render; a signed-in learner always does.
async fn a_guest_gets_the_kept_page_only_where_it_is_theirs(app: TestApp) {
    const NEXT: &str = "/courses/thanh-toan-khong-tien-mat/xac-thuc-sinh-trac-hoc";
    let is_kept = |r: &reqwest::Response| !r.headers()["etag"].as_bytes().starts_with(b"W/");
    let guest = Agent::anonymous(&app);
    let marked = guest.mark_read("thanh-toan-khong-tien-mat", "ma-otp").await;
    let cookie = hocvu_tests::session_cookie_of(&marked).unwrap();
    let as_guest = |path: &'static str| {
        let cookie = cookie.clone();
        let app = &app;
        async move { get(app, path, &[("Cookie", &cookie)]).await }
    };

    // Nothing kept yet: the guest's own render of the next chapter...
    let fresh = as_guest(NEXT).await;
    assert!(!is_kept(&fresh), "rendered for the guest");
    let fresh = without_nonces(&fresh.text().await.unwrap());
    // ...is exactly the page kept for anonymous visitors, which the guest
    // is then served.
    let anonymous = get(&app, NEXT, &[]).await;
    assert!(is_kept(&anonymous));
    let etag = anonymous.headers()["etag"].clone();
    let anonymous = anonymous.text().await.unwrap();
    assert_eq!(fresh, anonymous);
    let served = as_guest(NEXT).await;
    assert!(is_kept(&served), "the guest is served the kept page");
    assert_eq!(served.headers()["etag"], etag);
    assert_eq!(served.text().await.unwrap(), anonymous);

    // Their marked chapter and the course page (their progress bar) stay theirs.
    get(&app, CHAPTER, &[]).await;
    let read_by_them = |response: reqwest::Response| async move {
        assert!(!is_kept(&response), "their own render");
        response
            .text()
            .await
            .unwrap()
            .contains("Bạn đã đọc xong bài này")
    };
    assert!(read_by_them(as_guest(CHAPTER).await).await);
    get(&app, "/courses/thanh-toan-khong-tien-mat", &[]).await;
    let course = as_guest("/courses/thanh-toan-khong-tien-mat").await;
    assert!(!is_kept(&course));
    assert!(course.text().await.unwrap().contains("<progress"));
    // The catalog shows nothing personal.
    let catalog = get(&app, "/courses", &[]).await.headers()["etag"].clone();
    assert_eq!(as_guest("/courses").await.headers()["etag"], catalog);

    // Once they read the next chapter too, it is their own page again.
    Agent::with_cookie(&app, Some(cookie.clone()))
        .mark_read("thanh-toan-khong-tien-mat", "xac-thuc-sinh-trac-hoc")
        .await;
    assert!(read_by_them(as_guest(NEXT).await).await);

    // A signed-in learner with no mark on it still gets their own page.
    let learner = add_user(&app, "co-nam", "Cô Năm", "learner").await;
    let theirs = learner
        .client
        .get(learner.url(NEXT))
        .header("Cookie", learner.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert!(!is_kept(&theirs));
    assert!(theirs.text().await.unwrap().contains("Cô Năm"));
}

/// A signed-in learner's chapter revalidates too: unchanged, a 304 with no
/// body; once their own state on it changes, the page again. Never kept by
/// a shared cache.
async fn a_learners_unchanged_page_costs_a_304(app: TestApp) {
    let learner = add_user(&app, "chi-tu", "Chị Tư", "learner").await;
    let with = |etag: Option<&str>| {
        let mut request = learner
            .client
            .get(learner.url(CHAPTER))
            .header("Cookie", learner.cookie.clone().unwrap());
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        request.send()
    };
    let first = with(None).await.unwrap();
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with("W/"), "{etag}");
    let again = with(Some(&etag)).await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    learner
        .mark_read("thanh-toan-khong-tien-mat", "ma-otp")
        .await;
    let changed = with(Some(&etag)).await.unwrap();
    assert_eq!(changed.status(), 200, "the page now shows the reading");
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
}

on_both_databases!(
    anonymous_pages_are_cached_exactly,
    personal_state_never_leaks_into_cached_pages,
    a_guest_gets_the_kept_page_only_where_it_is_theirs,
    a_learners_unchanged_page_costs_a_304,
);
