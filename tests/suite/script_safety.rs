//! Trainers write lessons; they must never run script in someone else's
//! browser (issue 28, findings 1 and 2). A title with markup, an upload
//! whose file name is markup, a scripted SVG: each is refused or shown as
//! text, for anonymous visitors, guests and admins alike, with the CSP in
//! force.

use std::time::Duration;

use hocvu_tests::{
    add_user, browser::Browser, chapter, content_check, content_fixture, course_toml, html,
    location_of, on_both_databases, sign_in_as, Agent, Backend, TestApp,
};

/// What a successful injection does: marks the page and leaves for
/// another one (the refresh needs no script at all).
const PAYLOAD: &str = "<meta http-equiv=refresh content=0;url=/signin>\
                       <script>document.documentElement.dataset.pwned=1</script>";

const COURSE: &str = "an-toan";
const CHAPTER: &str = "/courses/an-toan/bai-mot";

const PLAIN_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">\
                         <rect width=\"10\" height=\"10\"/></svg>";

fn handbook() -> tempfile::TempDir {
    content_fixture(&[
        ("catalog.toml", &format!("courses = [\"{COURSE}\"]\n")),
        (
            &format!("{COURSE}/course.toml"),
            &course_toml("An toàn < 5 phút & hơn", "all", &["01-mot.md"]),
        ),
        (
            &format!("{COURSE}/01-mot.md"),
            &chapter(
                "bai-mot",
                "Bài một: a < b & c > d",
                "Nội dung bài.\n\n![Hình vẽ](images/hinh.svg)\n",
            ),
        ),
        (&format!("{COURSE}/images/hinh.svg"), PLAIN_SVG),
    ])
}

/// A trainer's upload of one loose file into the course.
async fn upload(trainer: &Agent, name: &str, bytes: &[u8]) -> reqwest::Response {
    trainer
        .post_files(
            "/content/upload",
            &[("course", COURSE)],
            "files",
            vec![(name, bytes.to_vec())],
        )
        .await
        .expect("upload sent")
}

/// The text between `<title>` and `</title>`, as sent.
fn raw_title(page: &str) -> String {
    let start = page.find("<title>").expect("a title") + "<title>".len();
    let end = page[start..].find("</title>").expect("closed") + start;
    page[start..end].to_string()
}

/// A trainer saves a chapter whose title carries a script: the draft
/// names the line, nothing can be published, readers keep the old page.
async fn a_title_with_markup_is_refused_at_its_line(app: TestApp) {
    let trainer = add_user(&app, "co-lan", "Cô Lan", "trainer").await;
    let file = format!("{COURSE}/01-mot.md");
    let editor = trainer.page(&format!("/content/edit?file={file}")).await;
    let base = hocvu_tests::attribute_of(
        &editor,
        "<input type=\"hidden\" name=\"base_hash\"",
        "value",
    )
    .expect("base hash");
    let text = format!(
        "+++\nid = \"bai-mot\"\ntitle = \"T</title>{PAYLOAD}<title>\"\nminutes = 5\nsummary = \"x\"\n+++\n\nNội dung.\n"
    );
    let saved = trainer
        .post_form(
            "/content/edit",
            &[("file", &file), ("text", &text), ("base_hash", &base)],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let draft = location_of(&saved);
    let page = trainer.page(&draft).await;
    assert!(
        page.contains(&format!("{file}:3:1")),
        "the title's line is named: {page}"
    );
    let before = hocvu_tests::footprint(&app).await;
    let publish = trainer.post_form(&format!("{draft}/publish"), &[]).await;
    assert_eq!(location_of(&publish), format!("{draft}?error=errors"));
    assert_eq!(
        hocvu_tests::footprint(&app).await,
        before,
        "nothing published"
    );
    let reader = app.page(CHAPTER).await;
    assert!(!reader.contains("pwned"), "readers keep the last good page");
}

/// Titles are text wherever they are shown: allowed `<`, `&` and `>` in a
/// course or chapter title, and an upload's file name made of markup.
async fn titles_are_escaped_in_every_page(app: TestApp) {
    let reader = app.page(CHAPTER).await;
    assert_eq!(
        raw_title(&reader),
        "Bài một: a &lt; b &amp; c &gt; d · Hocvu"
    );
    let course = app.page(&format!("/courses/{COURSE}")).await;
    assert!(raw_title(&course).starts_with("An toàn &lt; 5 phút &amp; hơn"));

    let trainer = add_user(&app, "co-lan", "Cô Lan", "trainer").await;
    let uploaded = upload(&trainer, &format!("{PAYLOAD}.md"), b"x").await;
    assert_eq!(uploaded.status(), 303);
    let draft = trainer.page(&location_of(&uploaded)).await;
    let title = raw_title(&draft);
    assert!(
        !title.contains('<') && title.contains("&lt;meta http-equiv=refresh"),
        "the file name is text: {title}"
    );
    assert_eq!(html::count(&draft, "head meta[http-equiv]"), 0);
}

/// A kept page's policy is the framework's, not the page's own: the same
/// for every kept page, whatever their inline scripts, and none of them
/// is text of the handbook.
async fn kept_pages_allow_only_the_frameworks_scripts(app: TestApp) {
    let client = Agent::following_redirects(&app);
    let mut policies = Vec::new();
    for path in [
        "/",
        "/courses",
        &format!("/courses/{COURSE}"),
        CHAPTER,
        CHAPTER,
    ] {
        let response = client.get(path).await;
        assert!(response.headers().contains_key("etag"), "{path} is kept");
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        let page = response.text().await.unwrap();
        for script in page.split("<script>").skip(1) {
            let text = script.split("</script>").next().unwrap();
            assert!(
                text.starts_with("__"),
                "{path}: only leptos's bookkeeping: {text}"
            );
        }
        policies.push(policy);
    }
    policies.dedup();
    assert_eq!(
        policies.len(),
        1,
        "one policy for every kept page: {policies:?}"
    );
    let scripts = policies[0]
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap();
    assert!(!scripts.contains("unsafe-inline"), "{scripts}");
}

/// A handbook SVG may hold drawing only; served on its own it still
/// cannot act as the site.
async fn pictures_are_plain_drawings_served_in_a_sandbox(app: TestApp) {
    let response = app.get(&format!("/media/{COURSE}/images/hinh.svg")).await;
    assert_eq!(response.status(), 200);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        policy.contains("sandbox") && policy.contains("default-src 'none'"),
        "{policy}"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");

    let trainer = add_user(&app, "co-lan", "Cô Lan", "trainer").await;
    let scripted = "<svg xmlns=\"http://www.w3.org/2000/svg\">\n  <script>fetch('/admin/users/role')</script>\n</svg>";
    let uploaded = upload(&trainer, "hinh.svg", scripted.as_bytes()).await;
    let draft = trainer.page(&location_of(&uploaded)).await;
    assert!(
        draft.contains(&format!("{COURSE}/images/hinh.svg:2:3")),
        "the script's place is named: {draft}"
    );
}

on_both_databases!(handbook_safety on handbook:
    a_title_with_markup_is_refused_at_its_line,
    titles_are_escaped_in_every_page,
    kept_pages_allow_only_the_frameworks_scripts,
    pictures_are_plain_drawings_served_in_a_sandbox,
);

/// `hocvu content check` refuses what the server refuses, with file:line:col.
#[tokio::test]
async fn the_content_check_refuses_script_bearing_titles_and_pictures() {
    let dir = content_fixture(&[
        ("catalog.toml", "courses = [\"a\"]\n"),
        ("a/course.toml", &course_toml("Khóa <b>đậm</b>", "all", &["01-x.md"])),
        (
            "a/01-x.md",
            "+++\nid = \"x\"\ntitle = \"T</title><script>alert(1)</script>\"\nminutes = 5\nsummary = \"ok\"\n+++\n\nBài.\n",
        ),
        (
            "a/images/xau.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\">\n<rect onclick=\"alert(1)\"/></svg>",
        ),
    ]);
    let (ok, out) = content_check(dir.path()).await;
    assert!(!ok, "{out}");
    for place in ["a/course.toml:1:1", "a/01-x.md:3:1", "a/images/xau.svg:2:7"] {
        assert!(out.contains(place), "{place} in {out}");
    }
}

/// In a real browser, with the CSP in force: no payload runs or redirects
/// for an anonymous visitor, a guest or an admin, on kept pages and on
/// the draft whose upload name was the payload.
#[tokio::test]
async fn no_trainer_markup_runs_for_anyone_in_a_browser() {
    let (app, _dir) = TestApp::spawn_with_fixture(Backend::Sqlite, handbook())
        .await
        .unwrap();
    let trainer = add_user(&app, "co-lan", "Cô Lan", "trainer").await;
    let uploaded = upload(&trainer, &format!("{PAYLOAD}.md"), b"x").await;
    let draft = location_of(&uploaded);
    let guest = Agent::anonymous(&app);
    let read = guest.mark_read(COURSE, "bai-mot").await;
    let guest_cookie = hocvu_tests::session_cookie_of(&read).expect("a guest");
    let admin = sign_in_as(&app, "quan-tri", "admin").await;

    let browser = Browser::phone(true).await;
    let visits: [(&str, Option<&str>, Vec<String>); 3] = [
        ("anonymous", None, vec![CHAPTER.into(), CHAPTER.into()]),
        ("guest", Some(&guest_cookie), vec![CHAPTER.into()]),
        ("admin", Some(&admin), vec![CHAPTER.into(), draft.clone()]),
    ];
    for (who, cookie, pages) in visits {
        browser.client.goto(&app.url("/")).await.unwrap();
        browser.client.delete_all_cookies().await.unwrap();
        if let Some(cookie) = cookie {
            browser.use_session(&app.origin(), cookie).await;
        }
        for path in pages {
            browser.client.goto(&app.url(&path)).await.unwrap();
            // Long enough for a refresh of 0 s to have happened.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let url = browser.client.current_url().await.unwrap();
            assert_eq!(
                url.path(),
                path.split('?').next().unwrap(),
                "{who} stayed on {path}"
            );
            let pwned = browser
                .client
                .execute(
                    "return document.documentElement.dataset.pwned || null",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(pwned, serde_json::Value::Null, "{who} on {path}");
        }
    }
    let title = browser
        .client
        .execute("return document.title", vec![])
        .await
        .unwrap();
    assert!(
        title.as_str().unwrap().contains("<meta http-equiv=refresh"),
        "the admin reads the file name as text: {title}"
    );
    // A picture opened on its own is a document of no origin: whatever it
    // held could not reach the site's pages, cookies or forms.
    browser
        .client
        .goto(&app.url(&format!("/media/{COURSE}/images/hinh.svg")))
        .await
        .unwrap();
    let origin = browser
        .client
        .execute("return window.origin", vec![])
        .await
        .unwrap();
    assert_eq!(origin, serde_json::json!("null"), "sandboxed");
    browser.close().await;
}
