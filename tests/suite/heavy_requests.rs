//! Requests and content that cost the server more than they should (issue
//! 28): addresses that bust the page cache, very long chapters, Markdown
//! nested a hundred thousand deep, a guest pass used by someone else.

use std::time::Duration;

use hocvu_tests::{
    chapter, content_check, content_fixture, course_toml, on_both_databases, session_cookie_of,
    Agent, Backend, TestApp,
};

use crate::operations::counter as series;

const CHAPTER: &str = "/courses/thanh-toan-khong-tien-mat/ma-otp";

/// `?b=1`, `?b=2`… are one page: rendered once, kept once.
async fn query_strings_do_not_bust_the_page_cache(app: TestApp) {
    let client = Agent::following_redirects(&app);
    let first = client.get(CHAPTER).await;
    let etag = first.headers()["etag"].clone();
    let before = app.page("/metrics").await;
    for i in 0..200 {
        let response = client
            .get(&format!("{CHAPTER}?b={i}&utm_source=zalo"))
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["etag"], etag, "the same kept page");
    }
    let after = app.page("/metrics").await;
    let misses = series(&after, "hocvu_page_cache_total", &[("outcome", "miss")])
        - series(&before, "hocvu_page_cache_total", &[("outcome", "miss")]);
    let hits = series(&after, "hocvu_page_cache_total", &[("outcome", "hit")])
        - series(&before, "hocvu_page_cache_total", &[("outcome", "hit")]);
    assert_eq!(
        misses, 0.0,
        "no render for a cache-busting address:\n{after}"
    );
    assert!(hits >= 200.0, "{hits} hits");
    assert!(
        series(&after, "hocvu_page_cache_pages", &[]) <= 2.0,
        "one page kept (the metrics page is not kept)"
    );
    // What does change the page still does: the English page is its own.
    let english = client.get(&format!("{CHAPTER}?lang=en&b=1")).await;
    assert_ne!(english.headers()["etag"], etag);
}

/// A used guest pass does not hand a stranger that guest's session; the
/// browser it was given to may send its form twice (a double tap).
async fn a_used_guest_pass_gives_a_stranger_nothing(app: TestApp) {
    let quiz = "/courses/thanh-toan-khong-tien-mat/ma-otp/quiz";
    let visitor = Agent::browser(&app);
    let page = visitor.get(quiz).await.text().await.unwrap();
    let (hidden, questions) = crate::quiz::parse_form(&page);
    assert!(
        hidden.contains_key("guest_pass"),
        "a guest pass in the form"
    );
    let fields = crate::quiz::answers(&hidden, &questions, &[], "x");
    let fields: Vec<(String, String)> = fields
        .into_iter()
        .chain(questions.iter().flat_map(|q| {
            q.inputs
                .first()
                .filter(|(kind, _, _)| kind != "text")
                .map(|(_, value, _)| (format!("a_{}", q.id), value.clone()))
        }))
        .collect();
    let graded = visitor.post_fields(quiz, &fields).await;
    assert_eq!(graded.status(), 303);
    assert!(
        hocvu_tests::location_of(&graded).contains("/result/1"),
        "graded: {}",
        hocvu_tests::location_of(&graded)
    );
    let guests = app.scalar("SELECT COUNT(*) FROM sessions").await;

    let stranger = Agent::anonymous(&app);
    let replayed = stranger.post_fields(quiz, &fields).await;
    assert_eq!(replayed.status(), 303);
    assert!(
        session_cookie_of(&replayed).is_none(),
        "no session for a replayed pass"
    );
    assert!(hocvu_tests::location_of(&replayed).ends_with("?updated=1"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM sessions").await, guests);
}

on_both_databases!(
    query_strings_do_not_bust_the_page_cache,
    a_used_guest_pass_gives_a_stranger_nothing,
);

/// The check warns near the length limit and refuses past it; a long
/// chapter within it is served to everyone, kept or not.
#[tokio::test]
async fn a_long_chapter_is_served_and_a_too_long_one_refused() {
    let paragraph = "Đây là một đoạn văn dài về cách giữ an toàn khi dùng điện thoại. ";
    let long = paragraph.repeat(320 * 1024 / paragraph.len());
    let too_long = paragraph.repeat(400 * 1024 / paragraph.len());
    let dir = content_fixture(&[
        ("catalog.toml", "courses = [\"dai\"]\n"),
        (
            "dai/course.toml",
            &course_toml("Bài dài", "all", &["01-dai.md"]),
        ),
        ("dai/01-dai.md", &chapter("bai-dai", "Bài dài", &long)),
    ]);
    let (ok, out) = content_check(dir.path()).await;
    assert!(ok && out.contains("dai/01-dai.md:1:1: warning"), "{out}");

    let app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();
    for _ in 0..2 {
        let anonymous = app.get("/courses/dai/bai-dai").await;
        assert_eq!(anonymous.status(), 200);
        assert!(anonymous.text().await.unwrap().len() > 320 * 1024);
    }
    let learner = hocvu_tests::add_user(&app, "hoc-vien", "Học viên", "learner").await;
    let personal = learner.get("/courses/dai/bai-dai").await;
    assert_eq!(personal.status(), 200);
    assert!(personal.text().await.unwrap().len() > 320 * 1024);

    std::fs::write(
        dir.path().join("dai/01-dai.md"),
        chapter("bai-dai", "Bài dài", &too_long),
    )
    .unwrap();
    let (ok, out) = content_check(dir.path()).await;
    assert!(!ok && out.contains("dai/01-dai.md:1:1: error"), "{out}");
}

/// `> ` × 100,000 took a minute to check and kept a fresh server from
/// being ready: it is refused at its line, at once, and the rest serves.
#[tokio::test]
async fn markdown_nested_beyond_reason_is_refused_at_its_line() {
    let deep = format!("Mở đầu.\n\n{}y\n", "> ".repeat(100_000));
    let listed = format!("{}x\n", "- ".repeat(30_000));
    let dir = content_fixture(&[
        ("catalog.toml", "courses = [\"sau\", \"tot\"]\n"),
        ("sau/course.toml", &course_toml("Sâu", "all", &["01-a.md"])),
        ("sau/01-a.md", &chapter("bai-a", "Bài A", &deep)),
        ("sau/01-a.quiz.md", &format!("## Câu? {{#c}}\n\n{listed}")),
        ("tot/course.toml", &course_toml("Tốt", "all", &["01-b.md"])),
        ("tot/01-b.md", &chapter("bai-b", "Bài B", "Bình thường.")),
    ]);
    let (ok, out) = tokio::time::timeout(Duration::from_secs(30), content_check(dir.path()))
        .await
        .expect("the check does not take a minute");
    assert!(!ok, "{out}");
    // The chapter's front matter is 6 lines, then a blank line: "Mở đầu."
    // is on line 8 and the quote on line 10.
    assert!(out.contains("sau/01-a.md:10:1: error"), "{out}");
    assert!(out.contains("sau/01-a.quiz.md:3:1: error"), "{out}");

    let app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert_eq!(app.get("/courses/tot/bai-b").await.status(), 200);
    assert_eq!(app.get("/courses/sau/bai-a").await.status(), 404);
}
