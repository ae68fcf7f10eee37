//! Reading progress: "Đã đọc xong" counts once, follows the learner, and
//! survives a crash of the server.

use hocvu_tests::{
    chapter, content_fixture, course_toml, on_both_databases, sign_in_as, Agent, AppOptions,
    Backend, TestApp,
};
use reqwest::Method;

fn progress_content() -> tempfile::TempDir {
    content_fixture(&[
        (
            "p/course.toml",
            &course_toml("Khóa tiến độ", "all", &["01-a.md", "02-b.md"]),
        ),
        ("p/01-a.md", &chapter("bai-a", "Bài A", "Nội dung A.")),
        ("p/02-b.md", &chapter("bai-b", "Bài B", "Nội dung B.")),
        (
            "p/02-b.quiz.md",
            "## Chọn A {#chon}\n\n- [x] A\n- [ ] B\n\n> A là đúng.\n",
        ),
    ])
}

/// The hidden event id of the chapter's "done reading" form.
fn read_event(html: &str) -> String {
    let rest = html
        .split(r#"name="event" value=""#)
        .nth(1)
        .expect("a done-reading form");
    rest[..rest.find('"').unwrap()].to_string()
}

async fn mark_read(app: &TestApp, chapter: &str) -> reqwest::Response {
    let html = app.page(&format!("/courses/p/{chapter}")).await;
    let event = read_event(&html);
    app.post_form(&format!("/courses/p/{chapter}/read"), &[("event", &event)])
        .await
}

async fn done_reading_counts_once_and_shows_everywhere(app: TestApp) {
    let html = app.page("/courses/p/bai-a").await;
    let event = read_event(&html);

    let first = app
        .post_form("/courses/p/bai-a/read", &[("event", &event)])
        .await;
    let retry = app
        .post_form("/courses/p/bai-a/read", &[("event", &event)])
        .await;

    assert_eq!(first.status(), 303);
    let back = first.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        back, "/courses/p/bai-a?read=1#read-done",
        "back to where the button was"
    );
    // Confirmed there, with the next chapter offered (bai-a has no quiz).
    let confirmed = app.page(back.split('#').next().unwrap()).await;
    let end = &confirmed[confirmed
        .find(r#"id="read-done""#)
        .expect("the chapter end")..];
    assert!(
        end.contains("Đã ghi nhận: bạn đã đọc xong bài này"),
        "{end}"
    );
    assert!(end.contains(r#"href="/courses/p/bai-b""#) && end.contains("Bài tiếp theo"));
    assert_eq!(retry.status(), 303);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM progress_events").await,
        1,
        "a retried POST is stored once"
    );
    assert!(app
        .page("/courses/p/bai-a")
        .await
        .contains("Bạn đã đọc xong bài này"));
    let course = app.page("/courses/p").await;
    assert!(
        course.contains("✓ Đã đọc") && course.contains("<progress"),
        "marks and a bar on the course page"
    );
    let home = app.page("/").await;
    assert!(
        home.contains(r#"class="continue""#) && home.contains("/courses/p/bai-b"),
        "continue where you left off"
    );
}

async fn a_course_is_complete_when_every_chapter_is_read_and_every_quiz_passed(app: TestApp) {
    mark_read(&app, "bai-a").await;
    let read = mark_read(&app, "bai-b").await;
    let back = read.headers()["location"].to_str().unwrap().to_string();
    let confirmed = app.page(back.split('#').next().unwrap()).await;
    let end = &confirmed[confirmed
        .find(r#"id="read-done""#)
        .expect("the chapter end")..];
    let quiz = &end[end.find("chapter-quiz").expect("the quiz offered")..];
    let quiz = &quiz[..quiz.find("</p>").unwrap()];
    assert!(
        quiz.contains(r#"href="/courses/p/bai-b/quiz""#) && quiz.contains(r#"class="button""#),
        "a chapter with a quiz offers it as the next step: {quiz}"
    );
    let me = app.page("/me").await;
    assert!(
        me.contains("Đang học") && !me.contains("Đã hoàn thành"),
        "quiz not passed yet"
    );

    let quiz = app.page("/courses/p/bai-b/quiz").await;
    let attempt = quiz.split(r#"name="attempt" value=""#).nth(1).unwrap();
    let attempt = &attempt[..attempt.find('"').unwrap()];
    let version = quiz.split(r#"name="version" value=""#).nth(1).unwrap();
    let version = &version[..version.find('"').unwrap()];
    let right = quiz
        .split("<label class=\"choice\">")
        .find(|l| l.contains("<p>A</p>"))
        .unwrap();
    let value = right.split("value=\"").nth(1).unwrap();
    let value = &value[..value.find('"').unwrap()];
    let result = app
        .post_form(
            "/courses/p/bai-b/quiz",
            &[
                ("attempt", attempt),
                ("version", version),
                ("a_chon", value),
            ],
        )
        .await;
    assert_eq!(result.status(), 303);

    let me = app.page("/me").await;
    assert!(me.contains("Đã hoàn thành"), "{me}");
    assert!(me.contains(r#"value="100""#), "a full progress bar");
}

async fn a_learner_cannot_touch_another_learners_progress(app: TestApp) {
    let html = app.page("/courses/p/bai-a").await;
    let event = read_event(&html);
    app.post_form("/courses/p/bai-a/read", &[("event", &event)])
        .await;

    // Someone else posts the same event id (every reader of this version of
    // the page gets it): it records only their own reading, and nothing of
    // the first learner changes.
    let first_learner = app.scalar("SELECT COUNT(*) FROM progress_events").await;
    assert_eq!(first_learner, 1);
    let other = TestApp::spawn_client(&app);
    let response = other
        .post(app.url("/courses/p/bai-a/read"))
        .header("Origin", app.origin())
        .form(&[("event", event.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(DISTINCT learner_id) FROM progress_events WHERE chapter = 'bai-a'"
        )
        .await,
        2,
        "one reading each"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM progress_events WHERE chapter = 'bai-b'")
            .await,
        0
    );
    let me = hocvu_tests::text_of(app.client.get(app.url("/me"))).await;
    assert!(
        me.contains("1/2"),
        "the first learner's progress is unchanged: {me}"
    );
    // Bad input: no event id, unknown chapter.
    assert_eq!(
        app.post_form("/courses/p/bai-a/read", &[]).await.status(),
        400
    );
    assert_eq!(
        app.post_form("/courses/p/khong-co/read", &[("event", &event)])
            .await
            .status(),
        404
    );
}

on_both_databases!(
    fixture on progress_content:
    done_reading_counts_once_and_shows_everywhere,
    a_course_is_complete_when_every_chapter_is_read_and_every_quiz_passed,
    a_learner_cannot_touch_another_learners_progress,
);

/// Every acknowledged write survives `kill -9` (SQLite in WAL mode with
/// synchronous=FULL), and the file is intact afterwards.
#[tokio::test]
async fn acknowledged_progress_survives_kill_9() {
    let dir = progress_content();
    let options = AppOptions {
        content: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let mut app = TestApp::spawn_with(Backend::Sqlite, options.clone())
        .await
        .unwrap();
    app.page("/courses/p/bai-a").await;
    const WRITES: usize = 200;
    let mut acknowledged = 0;
    for _ in 0..WRITES {
        let event = uuid::Uuid::new_v4().to_string();
        if app
            .post_form("/courses/p/bai-a/read", &[("event", &event)])
            .await
            .status()
            == 303
        {
            acknowledged += 1;
        }
    }
    assert_eq!(acknowledged, WRITES);

    app.kill().await;
    let url = app.database.url();
    let restarted = TestApp::spawn_with(
        Backend::Sqlite,
        AppOptions {
            database_url: Some(url),
            ..options
        },
    )
    .await
    .unwrap();

    assert_eq!(
        restarted
            .scalar("SELECT COUNT(*) FROM progress_events")
            .await,
        WRITES as i64
    );
    use sqlx::{Connection, Row};
    let mut conn = sqlx::SqliteConnection::connect(&restarted.database.url())
        .await
        .unwrap();
    let check: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    assert_eq!(check, "ok");
    drop(app);
}

/// Many people pressing "Đã đọc xong" at once (new guests: a learner, a
/// session and the reading each) share SQLite's commits, and every one that
/// was acknowledged is on disk after `kill -9`.
#[tokio::test]
async fn readings_made_at_once_are_all_durable() {
    let dir = progress_content();
    // Each from an address of its own (through a trusted proxy): new
    // guests are limited per address.
    let options = AppOptions {
        content: Some(dir.path().to_path_buf()),
        env: vec![("HOCVU_TRUSTED_PROXIES".into(), "127.0.0.1".into())],
        ..Default::default()
    };
    let mut app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    let event = read_event(&app.page("/courses/p/bai-a").await);
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..300 {
        let agent = hocvu_tests::Agent::anonymous(&app);
        let event = event.clone();
        let origin = app.origin();
        writers.spawn(async move {
            agent
                .client
                .post(agent.url("/courses/p/bai-a/read"))
                .header("Origin", origin)
                .header("X-Forwarded-For", format!("10.0.{}.{}", i / 256, i % 256))
                .form(&[("event", &event)])
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let mut acknowledged = 0;
    while let Some(status) = writers.join_next().await {
        if status.unwrap() == 303 {
            acknowledged += 1;
        }
    }
    assert_eq!(acknowledged, 300);
    app.kill().await;
    let again = app.start_again().await;
    assert_eq!(
        again
            .scalar("SELECT COUNT(*) FROM progress_events WHERE chapter = 'bai-a'")
            .await,
        300
    );
    assert_eq!(again.scalar("SELECT COUNT(*) FROM learners").await, 300);
    assert_eq!(again.scalar("SELECT COUNT(*) FROM sessions").await, 300);
}

/// Phones lose their signal mid-request: a write whose request is dropped
/// half-way (at any step: waiting its turn, opening the transaction,
/// committing) is stored or not, and every write after it still works.
/// Each answered write is on disk.
#[tokio::test]
async fn writes_cut_off_mid_request_leave_the_writer_working() {
    // Each new guest from an address of its own (through a trusted proxy):
    // new guests are limited per address.
    let content = progress_content();
    let options = AppOptions {
        content: Some(content.path().to_path_buf()),
        env: vec![("HOCVU_TRUSTED_PROXIES".into(), "127.0.0.1".into())],
        ..Default::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    let event = read_event(&app.page("/courses/p/bai-a").await);
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..400u64 {
        // Cut off after 1 to 40 ms: before, during and after the write
        // (each from a browser of its own: no connection shared).
        let request = Agent::anonymous(&app)
            .request(Method::POST, "/courses/p/bai-a/read")
            .timeout(std::time::Duration::from_millis(1 + i % 40))
            .header("Origin", app.origin())
            .header("X-Forwarded-For", format!("10.1.{}.{}", i / 256, i % 256))
            .form(&[("event", &event)]);
        writers.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
    }
    let (mut answered, mut cut_off) = (0, 0);
    while let Some(result) = writers.join_next().await {
        match result.unwrap() {
            Ok(303) => answered += 1,
            Ok(status) => panic!("a write failed with {status}"),
            Err(_) => cut_off += 1,
        }
    }
    assert!(cut_off > 0, "some requests were cut off");
    // Everything after works, at once and durably.
    let patient = Agent::anonymous(&app);
    for i in 0..20 {
        let response = patient
            .request(Method::POST, "/courses/p/bai-a/read")
            .timeout(std::time::Duration::from_secs(20))
            .header("Origin", app.origin())
            .header("X-Forwarded-For", format!("10.2.0.{i}"))
            .form(&[("event", &event)])
            .send()
            .await
            .map(|r| r.status().as_u16());
        assert!(
            matches!(response, Ok(303)),
            "a write after the cut-off ones: {response:?}"
        );
    }
    let stored = app
        .scalar("SELECT COUNT(*) FROM progress_events WHERE chapter = 'bai-a'")
        .await;
    assert!(
        stored >= answered + 20,
        "{answered} answered + 20, {stored} stored"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM learners").await, stored);
}

/// Two app servers on one PostgreSQL database: sign in through one, carry on
/// through the other (sessions and progress live in the database).
#[tokio::test]
async fn two_servers_share_sessions_and_progress_through_postgres() {
    let Some((first, dir)) =
        TestApp::spawn_with_fixture(Backend::Postgres, progress_content()).await
    else {
        return;
    };
    let second = TestApp::spawn_with(
        Backend::Postgres,
        AppOptions {
            content: Some(dir.path().to_path_buf()),
            database_url: Some(first.database.url()),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let cookie = sign_in_as(&first, "can-bo", "learner").await;
    mark_read(&first, "bai-a").await;

    let other_server = Agent::with_cookie(&second, Some(cookie));
    let me = other_server.get("/me").await.text().await.unwrap();
    assert!(
        me.contains("Khóa tiến độ") && me.contains("1/2"),
        "progress made on the first server: {me}"
    );
    let page = other_server
        .get("/courses/p/bai-b")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"action="/signout""#),
        "signed in on the second server too"
    );
    let event = read_event(&page);
    let response = other_server
        .post_form_from(
            &second.origin(),
            "/courses/p/bai-b/read",
            &[("event", &event)],
        )
        .await;
    assert_eq!(response.status(), 303);
    let me = first.page("/me").await;
    assert!(me.contains("2/2"), "and back on the first: {me}");
}
