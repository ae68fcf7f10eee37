//! Reading and acting without a network. In the browser tests the server
//! is stopped (the phone's network is gone: every request fails, as on a
//! dead signal) and started again on the same address and database (the
//! network is back).

use std::time::Duration;

use fantoccini::Locator;
use hocvu_tests::{
    artefact_dir, browser::Browser, chapter, content_fixture, course_toml, eventually, html,
    sign_in_as, Backend, TestApp,
};
use serde_json::Value;

const COURSE: &str = "/courses/thanh-toan-khong-tien-mat";
const CHAPTER: &str = "/courses/thanh-toan-khong-tien-mat/ma-otp";

async fn js(browser: &Browser, script: &str) -> Value {
    browser
        .client
        .execute(script, vec![])
        .await
        .expect("script runs")
}

/// Waits (up to 60 s: a loaded machine installs the worker slowly) until
/// `script` returns true in the page.
async fn until(browser: &Browser, script: &str) {
    for _ in 0..600 {
        if js(browser, script).await == Value::Bool(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never true: {script}");
}

/// Waits until the service worker controls the page. Rarely, on a loaded
/// machine, headless Chromium activates the worker without handing it the
/// open page; a person would open the next page, so the test reloads once
/// (and, failing still, says what state the worker is in).
async fn controlled(browser: &Browser) {
    const CONTROLLED: &str = "return !!navigator.serviceWorker.controller";
    for attempt in 0..2 {
        for _ in 0..300 {
            if js(browser, CONTROLLED).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if attempt == 0 {
            js(browser, "location.reload()").await;
        }
    }
    let state = js(
        browser,
        "return navigator.serviceWorker.getRegistration().then(r => r \
         ? JSON.stringify([r.installing, r.waiting, r.active].map(w => w && w.state)) : 'none')",
    )
    .await;
    panic!("the worker never controlled the page (installing, waiting, active: {state})");
}

/// The service worker controls the page and keeps `path`.
async fn kept(browser: &Browser, path: &str) {
    controlled(browser).await;
    until(
        browser,
        &format!("return caches.match({path:?}, {{ignoreVary: true}}).then(r => !!r)"),
    )
    .await;
}

async fn download_list(app: &TestApp) -> Value {
    app.get(&format!("{COURSE}/offline.json"))
        .await
        .json()
        .await
        .unwrap()
}

async fn cache_names(browser: &Browser) -> Vec<String> {
    let names = js(browser, "return caches.keys()").await;
    serde_json::from_value(names).unwrap()
}

#[tokio::test]
async fn a_resident_reads_a_downloaded_course_and_acts_offline_then_it_is_sent_once() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let download = download_list(&app).await;
    let browser = Browser::phone(true).await;

    // Online: one chapter opened, then the whole course downloaded.
    browser.goto(&app.url(CHAPTER)).await;
    kept(&browser, CHAPTER).await;
    browser.goto(&app.url(COURSE)).await;
    let size = browser.text("[data-offline-course] p").await;
    assert!(size.contains("khoảng"), "the size is shown first: {size}");
    browser.click("[data-offline-course] button").await;
    until(
        &browser,
        "return document.querySelector('.offline-status').textContent.startsWith('Đã tải về')",
    )
    .await;
    browser
        .screenshot(&artefact_dir().join("offline-course-downloaded-360.png"))
        .await;

    // The network goes.
    let mut app = app;
    app.kill().await;

    // Every page of the course reads, with its pictures.
    for page in download["pages"].as_array().unwrap() {
        let path = page["url"].as_str().unwrap();
        browser.goto(&app.url(path)).await;
        let heading = browser.text("main h1").await;
        assert!(!heading.contains("không có mạng"), "{path} was not kept");
    }
    for media in download["media"].as_array().unwrap() {
        let path = media.as_str().unwrap();
        let status = js(
            &browser,
            &format!("return fetch({path:?}).then(r => r.status, () => 0)"),
        )
        .await;
        assert_eq!(status, 200, "{path} offline");
    }
    // A page never kept: the site's own offline page, never the browser's.
    browser.goto(&app.url("/me")).await;
    assert_eq!(browser.text("main h1").await, "Bạn đang không có mạng");
    let listed = browser
        .client
        .find_all(Locator::Css("#offline-list a"))
        .await
        .unwrap()
        .len();
    assert!(
        listed >= download["pages"].as_array().unwrap().len(),
        "the offline page lists what can be read ({listed})"
    );
    browser
        .screenshot(&artefact_dir().join("offline-page-360.png"))
        .await;

    // "Đã đọc xong" and a quiz, offline: kept on the phone, and the reader
    // stays on the page, told so, with the way on (issue 26).
    browser.goto(&app.url(CHAPTER)).await;
    browser.click("form[action$='/read'] button").await;
    browser.wait_for_path(|p| p == CHAPTER).await;
    until(
        &browser,
        "const n = document.getElementById('offline-note');\
         return !n.hidden && n.textContent.includes('Đã đọc xong')",
    )
    .await;
    let badge = browser.find("#offline-badge").await;
    assert!(
        badge.is_displayed().await.unwrap(),
        "the page says it is offline"
    );
    assert_eq!(
        browser
            .find("#offline-note a")
            .await
            .attr("href")
            .await
            .unwrap()
            .as_deref(),
        Some(COURSE)
    );
    browser
        .screenshot(&artefact_dir().join("offline-kept-read-360.png"))
        .await;
    browser.goto(&app.url(&format!("{CHAPTER}/quiz"))).await;
    js(
        &browser,
        "document.querySelectorAll('.quiz fieldset').forEach(f => {\
           const choice = f.querySelector('input[type=radio], input[type=checkbox]');\
           if (choice) choice.checked = true;\
           const typed = f.querySelector('input[type=text], textarea');\
           if (typed) typed.value = 'x';\
         })",
    )
    .await;
    browser.click(".quiz button[type=submit]").await;
    let quiz = format!("{CHAPTER}/quiz");
    browser.wait_for_path(|p| p == quiz).await;
    until(
        &browser,
        "const n = document.getElementById('offline-note');\
         return !n.hidden && n.textContent.includes('sẽ chấm khi có mạng')",
    )
    .await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM quiz_attempts").await, 0);

    // The network is back: the next page sends both, once.
    let back = app.start_again().await;
    browser.goto(&back.url(COURSE)).await;
    until(
        &browser,
        "const n = document.getElementById('offline-note');\
         return !n.hidden && n.textContent.includes('Đã gửi 2')",
    )
    .await;
    let result = browser
        .client
        .find(Locator::Css("#offline-note a"))
        .await
        .expect("a link to the quiz result")
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(result.contains("/ma-otp/quiz/result/1"), "{result}");
    let note = browser.text("#offline-note").await;
    assert!(
        !note.contains("sẽ chấm khi có mạng"),
        "no stale notice: {note}"
    );
    assert!(!browser
        .find("#offline-badge")
        .await
        .is_displayed()
        .await
        .unwrap());
    browser
        .screenshot(&artefact_dir().join("offline-sent-360.png"))
        .await;
    // Reloads and a second tab's flush send nothing again.
    browser.goto(&back.url(CHAPTER)).await;
    browser.goto(&back.url(COURSE)).await;
    let reads = back
        .scalar("SELECT COUNT(*) FROM progress_events WHERE chapter = 'ma-otp' AND kind = 'read'")
        .await;
    let attempts = back.scalar("SELECT COUNT(*) FROM quiz_attempts").await;
    assert_eq!((reads, attempts), (1, 1));
    // One guest did both: the reading and the attempt belong together.
    assert_eq!(back.scalar("SELECT COUNT(*) FROM learners").await, 1);
    browser.goto(&back.url(&result)).await;
    assert!(browser.client.find(Locator::Css(".score")).await.is_ok());
    browser.close().await;
}

#[tokio::test]
async fn kept_pages_follow_a_new_version_of_the_handbook() {
    let dir = content_fixture(&[
        (
            "kho/course.toml",
            &course_toml("Kho", "all", &["01-a.md", "02-b.md"]),
        ),
        ("kho/01-a.md", &chapter("a", "Bài A", "Bản cũ của bài A.")),
        ("kho/02-b.md", &chapter("b", "Bài B", "Bài B.")),
    ]);
    let mut app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();
    let browser = Browser::phone(true).await;
    browser.goto(&app.url("/courses/kho/a")).await;
    kept(&browser, "/courses/kho/a").await;
    let before = cache_names(&browser).await;

    std::fs::write(
        dir.path().join("kho/01-a.md"),
        chapter("a", "Bài A", "Bản mới của bài A."),
    )
    .unwrap();
    assert!(
        eventually(10, || async {
            app.page("/courses/kho/a").await.contains("Bản mới")
        })
        .await
    );
    // The next visit finds the new worker, which fetches the kept pages
    // again before it takes over; the old version's caches are gone.
    browser.goto(&app.url("/courses/kho/b")).await;
    for _ in 0..200 {
        let now = cache_names(&browser).await;
        if now.iter().any(|n| n.starts_with("pages@")) && now.iter().all(|n| !before.contains(n)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = cache_names(&browser).await;
    assert!(
        after.iter().all(|n| !before.contains(n)),
        "{before:?} → {after:?}"
    );

    app.kill().await;
    browser.goto(&app.url("/courses/kho/a")).await;
    let body = browser.text("main").await;
    assert!(body.contains("Bản mới của bài A."), "{body}");
    browser.close().await;
}

#[tokio::test]
async fn personal_pages_are_never_kept_and_signing_out_clears_the_phone() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let cookie = sign_in_as(&app, "le.van.an", "learner").await;
    let browser = Browser::phone(true).await;
    browser.goto(&app.url("/")).await;
    browser.use_session(&app.origin(), &cookie).await;
    browser.goto(&app.url(CHAPTER)).await;
    kept(&browser, CHAPTER).await;
    browser.goto(&app.url("/me")).await;
    assert_eq!(
        js(&browser, "return caches.match('/me').then(r => !!r)").await,
        false,
        "/me is personal"
    );
    assert!(cache_names(&browser)
        .await
        .iter()
        .any(|n| n.starts_with("pages@")));

    js(
        &browser,
        "document.querySelector('form[action=\"/signout\"]').submit()",
    )
    .await;
    // Gone with the person (the page they land on next may be kept: it
    // is rendered for nobody).
    until(
        &browser,
        &format!("return caches.match({CHAPTER:?}, {{ignoreVary: true}}).then(r => !r)"),
    )
    .await;
    browser.close().await;
}

#[tokio::test]
async fn the_app_can_be_installed_and_the_worker_is_small_and_revalidated() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let home = app.page("/").await;
    assert!(home.contains(r#"<link rel="manifest" href="/manifest.webmanifest""#));
    let manifest: Value = app.get("/manifest.webmanifest").await.json().await.unwrap();
    assert_eq!(manifest["lang"], "vi");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], "/");
    assert!(manifest["name"].as_str().unwrap().contains("Hocvu"));
    let icons = manifest["icons"].as_array().unwrap();
    assert!(icons.iter().any(|i| i["purpose"] == "maskable"));
    for icon in icons {
        let response = app.get(icon["src"].as_str().unwrap()).await;
        assert_eq!(response.status(), 200);
        let png = response.bytes().await.unwrap();
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let size = icon["sizes"].as_str().unwrap();
        assert_eq!(format!("{width}x{width}"), size);
    }

    let worker = app.get("/sw.js").await;
    assert_eq!(worker.headers()["cache-control"], "no-cache");
    let etag = worker.headers()["etag"].clone();
    assert!(worker.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(worker.text().await.unwrap().contains("const VERSION="));
    let again = app
        .client
        .get(app.url("/sw.js"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn a_course_download_lists_its_pages_and_pictures_but_no_recordings() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let download = download_list(&app).await;
    let urls: Vec<&str> = download["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["url"].as_str().unwrap())
        .collect();
    assert!(urls.contains(&COURSE));
    assert!(urls.contains(&CHAPTER));
    assert!(urls.contains(&"/courses/thanh-toan-khong-tien-mat/ma-otp/quiz"));
    let course_page = app.page(COURSE).await;
    let chapters = html::count(&course_page, "ol.chapter-list > li");
    let quizzes = urls
        .iter()
        .filter(|u| u.ends_with("/quiz") || u.ends_with("/test"))
        .count();
    assert_eq!(urls.len(), 1 + chapters + quizzes, "{urls:?}");
    let media = download["media"].as_array().unwrap();
    assert!(!media.is_empty(), "the course's pictures");
    for m in media {
        let path = m.as_str().unwrap();
        assert!(!path.ends_with(".mp3"), "{path}");
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    assert!(download["bytes"].as_u64().unwrap() > 10_000);
    // No answer travels with a download: quiz pages are the quiz pages.
    assert_eq!(app.get("/courses/nothing/offline.json").await.status(), 404);
}

/// What was kept offline for a lesson that is gone, or for a quiz that
/// changed meanwhile, is not lost silently: the person is told, and asked
/// to take the new quiz.
#[tokio::test]
async fn kept_actions_for_a_removed_lesson_or_a_changed_quiz_are_explained() {
    let quiz = |right: &str| {
        format!("## Chọn {right} {{#chon}}\n\n- [x] {right}\n- [ ] Sai\n\n> {right} là đúng.\n")
    };
    let dir = content_fixture(&[
        (
            "kho/course.toml",
            &course_toml("Kho", "all", &["01-a.md", "02-b.md"]),
        ),
        ("kho/01-a.md", &chapter("a", "Bài A", "Bài A.")),
        ("kho/01-a.quiz.md", &quiz("Đúng")),
        ("kho/02-b.md", &chapter("b", "Bài B", "Bài B.")),
    ]);
    let mut app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();
    let browser = Browser::phone(true).await;
    for page in ["/courses/kho/b", "/courses/kho/a/quiz"] {
        browser.goto(&app.url(page)).await;
        kept(&browser, page).await;
    }

    app.kill().await;
    browser.goto(&app.url("/courses/kho/b")).await;
    browser.click("form[action$='/read'] button").await;
    browser.wait_for_path(|p| p == "/courses/kho/b").await;
    until(
        &browser,
        "const n = document.getElementById('offline-note');\
         return !n.hidden && n.textContent.includes('Đã đọc xong')",
    )
    .await;
    browser.goto(&app.url("/courses/kho/a/quiz")).await;
    js(
        &browser,
        "document.querySelector('.quiz input[type=radio]').checked = true",
    )
    .await;
    browser.click(".quiz button[type=submit]").await;
    browser.wait_for_path(|p| p == "/courses/kho/a/quiz").await;
    until(
        &browser,
        "const n = document.getElementById('offline-note');\
         return !n.hidden && n.textContent.includes('sẽ chấm khi có mạng')",
    )
    .await;

    // Meanwhile the trainer removed lesson B and changed the quiz.
    std::fs::write(
        dir.path().join("kho/course.toml"),
        course_toml("Kho", "all", &["01-a.md"]),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("kho/02-b.md")).unwrap();
    std::fs::write(dir.path().join("kho/01-a.quiz.md"), quiz("Mới")).unwrap();
    let back = app.start_again().await;
    browser.goto(&back.url("/courses/kho")).await;
    until(
        &browser,
        "const n = document.getElementById('offline-note');\
         return !n.hidden && n.textContent.includes('Đã gửi 2')",
    )
    .await;
    let note = browser.text("#offline-note").await;
    assert!(note.contains("không còn nữa"), "{note}");
    assert!(note.contains("hãy làm lại"), "{note}");
    let retake = browser
        .client
        .find(Locator::Css("#offline-note a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retake, "/courses/kho/a/quiz");
    assert_eq!(back.scalar("SELECT COUNT(*) FROM quiz_attempts").await, 0);
    browser.close().await;
}

/// A script that once ran on the site (issue 28: a trainer's payload) put
/// a changed `/offline.js` into the phone's cache, served cache-first
/// forever. The worker keeps and serves a script only while its bytes
/// match the hash in its name, so the changed copy never runs.
#[tokio::test]
async fn a_changed_script_in_the_phones_cache_is_never_served() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let page = app.page(CHAPTER).await;
    let script = hocvu_tests::attribute_of(&page, "<script src=\"/offline.js", "src")
        .expect("the page script");
    let browser = Browser::phone(true).await;
    browser.goto(&app.url(CHAPTER)).await;
    kept(&browser, &script).await;
    js(
        &browser,
        &format!(
            "return caches.keys().then(names => Promise.all(names.map(n => caches.open(n).then(c => \
             c.match({script:?}).then(hit => hit && c.put({script:?}, new Response(\
             'document.documentElement.dataset.pwned = 1', \
             {{headers: {{'content-type': 'text/javascript'}}}}))))))).then(() => true)"
        ),
    )
    .await;
    browser.goto(&app.url(CHAPTER)).await;
    controlled(&browser).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        js(
            &browser,
            "return document.documentElement.dataset.pwned || null"
        )
        .await,
        Value::Null,
        "the changed copy did not run"
    );
    until(
        &browser,
        &format!(
            "return caches.match({script:?}).then(r => r && r.text()).then(t => !!t && !t.includes('pwned'))"
        ),
    )
    .await;
    browser.close().await;
}
