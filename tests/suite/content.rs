//! The handbook loader, as trainers and readers meet it: `hocvu content
//! check`, rendering, sanitising, media, live reload.

use std::path::Path;

use hocvu_tests::{
    chapter, content_check, content_fixture, course_toml, eventually, on_both_databases, Backend,
    TestApp,
};

#[tokio::test]
async fn bundled_content_passes_content_check() {
    let (ok, out) = content_check(&hocvu_tests::workspace_root().join("content")).await;

    assert!(ok, "content check failed:\n{out}");
    assert!(!out.contains(": error:"), "{out}");
}

/// Each kind of mistake a trainer can make, each reported at its place.
#[tokio::test]
async fn content_check_reports_every_mistake_with_file_line_and_column() {
    let good_chapter = chapter("a", "Bài A", "Mở đầu.\n\n![](images/missing.png)\n\n[tiếp](09-nope.md)\n\n![Ảnh](../../etc/passwd)\n\n![Liên kết](images/link.png)\n");
    let dir = content_fixture(&[
        ("catalog.toml", "courses = [\"good\", \"missing-course\"]\n"),
        (
            "good/course.toml",
            "title = \"Khóa tốt\"\nsummary = \"Tóm tắt\"\naudience = \"resident\"\nchapters = [\"01-a.md\", \"02-b.md\", \"03-c.md\", \"04-gone.md\"]\n",
        ),
        ("good/01-a.md", &good_chapter),
        ("good/02-b.md", "+++\nid = \"b\"\ntitle = \"chưa đóng ngoặc\nminutes = 5\n+++\nNội dung\n"),
        (
            "good/03-c.md",
            "+++\nid = \"a\"\ntitle = \"Bài C\"\nminutes = 5\nsummary = \"Tóm tắt\"\nreview_by = 2020-01-01\n+++\nNội dung\n",
        ),
        ("good/01-a.quiz.md", "## Câu hỏi không có đáp án đúng {#khong-dung}\n\n- [ ] Một\n- [ ] Hai\n"),
        ("other/course.toml", "title = \"Khóa khác\"\nsummary = \"Tóm tắt\"\naudience = \"everyone\"\n"),
    ]);
    std::fs::create_dir_all(dir.path().join("good/images")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.path().join("good/images/link.png")).unwrap();

    let (ok, out) = content_check(dir.path()).await;

    assert!(!ok, "errors must fail the check:\n{out}");
    let at = |file: &str, line: usize| format!("{}:{line}:", dir.path().join(file).display());
    let expect = |prefix: String, kind: &str, words: &str| {
        assert!(
            out.lines().any(|l| l.starts_with(&prefix)
                && l.contains(kind)
                && l.to_lowercase().contains(words)),
            "expected `{prefix} {kind} …{words}…` in:\n{out}"
        );
    };
    expect(
        at("catalog.toml", 1),
        "error",
        "unknown course `missing-course`",
    );
    expect(at("good/course.toml", 4), "error", "04-gone.md");
    expect(at("good/01-a.md", 10), "warning", "alt text");
    expect(at("good/01-a.md", 10), "error", "not found");
    expect(at("good/01-a.md", 12), "error", "broken link");
    expect(at("good/01-a.md", 14), "error", "outside the course folder");
    expect(at("good/01-a.md", 16), "error", "symbolic link");
    expect(at("good/02-b.md", 3), "error", "");
    expect(at("good/03-c.md", 2), "error", "duplicate chapter id `a`");
    expect(at("good/03-c.md", 6), "warning", "review_by");
    expect(at("good/01-a.quiz.md", 3), "error", "correct");
    expect(at("other/course.toml", 3), "error", "");
    assert!(out.contains("errors"), "a summary line: {out}");
}

async fn courses_chapters_and_navigation_render_for_every_bundled_chapter(app: TestApp) {
    let catalog = app.page("/courses").await;
    let courses = links(&catalog, "/courses/", 2);
    assert!(courses.len() >= 4, "at least four courses: {courses:?}");

    let mut chapters = 0;
    for course in &courses {
        let page = app.page(course).await;
        let chapter_links = links(&page, &format!("{course}/"), 3);
        assert!(!chapter_links.is_empty(), "{course} lists its chapters");
        for (i, href) in chapter_links.iter().enumerate() {
            let html = app.page(href).await;
            chapters += 1;
            assert!(html.contains("<h1"), "{href} has a title");
            assert!(
                html.contains(r#"class="breadcrumb""#),
                "{href} has a breadcrumb"
            );
            assert!(
                html.contains(&format!(r#"href="{course}""#)),
                "{href} links back to its course"
            );
            if let Some(next) = chapter_links.get(i + 1) {
                assert!(
                    html.contains(&format!(r#"href="{next}" rel="next""#)),
                    "{href} links to {next}"
                );
            }
            if i > 0 {
                let prev = &chapter_links[i - 1];
                assert!(
                    html.contains(&format!(r#"href="{prev}" rel="prev""#)),
                    "{href} links back to {prev}"
                );
            }
        }
    }
    assert!(chapters >= 24, "at least 24 chapters, found {chapters}");
}

/// Distinct local links starting with `prefix` that have `depth` path segments.
fn links(html: &str, prefix: &str, depth: usize) -> Vec<String> {
    let mut found = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let href = &part[..part.find('"').unwrap_or(0)];
        let href = href.split('#').next().unwrap_or_default();
        if href.starts_with(prefix)
            && href.trim_matches('/').split('/').count() == depth
            && !href.ends_with("/test")
            && !href.contains('?')
            && !found.iter().any(|f| f == href)
        {
            found.push(href.to_string());
        }
    }
    found
}

async fn audience_filter_keeps_only_matching_courses(app: TestApp) {
    let officials = app.page("/courses?for=official").await;
    let residents = app.page("/courses?for=resident").await;

    assert!(officials.contains("/courses/chuyen-doi-so-can-bo\""));
    assert!(
        !officials.contains("/courses/thanh-toan-khong-tien-mat\""),
        "a residents' course"
    );
    assert!(residents.contains("/courses/thanh-toan-khong-tien-mat\""));
    assert!(
        !residents.contains("/courses/chuyen-doi-so-can-bo\""),
        "an officials' course"
    );
    // A course for everyone shows under both.
    assert!(
        officials.contains("/courses/nhan-dien-lua-dao\"")
            && residents.contains("/courses/nhan-dien-lua-dao\"")
    );
}

async fn unknown_course_or_chapter_is_404(app: TestApp) {
    assert_eq!(app.get("/courses/khong-co").await.status(), 404);
    assert_eq!(app.get("/courses/khong-co/bai-mot").await.status(), 404);
    // A chapter the course does not have (removed, renamed): to the course,
    // which says so (issue 26).
    let gone = app.get("/courses/thanh-toan-khong-tien-mat/khong-co").await;
    assert_eq!(gone.status(), 302);
    assert_eq!(
        hocvu_tests::location_of(&gone),
        "/courses/thanh-toan-khong-tien-mat?gone=1"
    );
}

on_both_databases!(
    courses_chapters_and_navigation_render_for_every_bundled_chapter,
    audience_filter_keeps_only_matching_courses,
    unknown_course_or_chapter_is_404,
);

/// A 1×1 transparent PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

async fn spawn_with_content(dir: &Path) -> TestApp {
    TestApp::spawn_with_content(Backend::Sqlite, dir)
        .await
        .unwrap()
}

#[tokio::test]
async fn chapter_rendering_marks_links_sizes_images_and_makes_unique_heading_ids() {
    let body = "## Giới thiệu\n\nĐọc [bài sau](02-b.md#buoc-1) và [Cổng Dịch vụ công](https://dichvucong.gov.vn).\n\n\
                ![Màn hình điện thoại](images/a.png)\n\n## Giới thiệu\n\n### Bước 1\n\n## Đặt mật khẩu {#mat-khau}\n\n\
                | Cột | Giá trị |\n|---|---|\n| a | b |\n\nChú thích[^1].\n\n[^1]: Nguồn.\n\n- [x] Đã làm\n- [ ] Chưa làm\n";
    let dir = content_fixture(&[
        ("catalog.toml", "courses = [\"c\"]\n"),
        (
            "c/course.toml",
            &course_toml("Khóa C", "all", &["01-a.md", "02-b.md"]),
        ),
        ("c/01-a.md", &chapter("bai-a", "Bài A", body)),
        (
            "c/02-b.md",
            &chapter("bai-b", "Bài B", "## Bước 1\n\nNội dung."),
        ),
    ]);
    std::fs::create_dir_all(dir.path().join("c/images")).unwrap();
    std::fs::write(dir.path().join("c/images/a.png"), PNG).unwrap();
    let app = spawn_with_content(dir.path()).await;

    let html = app.page("/courses/c/bai-a").await;

    assert!(html.contains(r#"<h2 id="gioi-thieu">"#), "{html}");
    assert!(
        html.contains(r#"<h2 id="gioi-thieu-1">"#),
        "second heading gets a unique id"
    );
    assert!(
        html.contains(r#"<h2 id="mat-khau">"#),
        "explicit ids are kept"
    );
    assert!(
        html.contains(r#"href="/courses/c/bai-b#buoc-1""#),
        "chapter links become page links"
    );
    let external = html
        .split("<a ")
        .find(|a| a.contains("dichvucong.gov.vn"))
        .expect("external link");
    assert!(
        external.contains("external") && external.contains("noopener"),
        "{external}"
    );
    let img = html
        .split("<img ")
        .nth(1)
        .expect("image")
        .split('>')
        .next()
        .unwrap();
    for attr in [
        r#"src="/media/c/images/a.png""#,
        r#"loading="lazy""#,
        r#"width="1""#,
        r#"height="1""#,
        "alt=\"Màn hình điện thoại\"",
    ] {
        assert!(img.contains(attr), "{attr} in <img {img}>");
    }
    assert!(
        html.contains("<table>") && html.contains("<sup"),
        "tables and footnotes render"
    );
    assert!(html.contains(r#"type="checkbox""#), "task lists render");
    assert!(
        html.contains(r#"class="toc""#),
        "a chapter with several sections gets a table of contents"
    );

    let image = app.get("/media/c/images/a.png").await;
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    assert!(image.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
}

#[tokio::test]
async fn media_route_serves_only_files_chapters_reference() {
    let dir = content_fixture(&[
        ("c/course.toml", &course_toml("Khóa C", "all", &["01-a.md"])),
        (
            "c/01-a.md",
            &chapter("bai-a", "Bài A", "![Ảnh](images/a.png)"),
        ),
        ("c/images/secret.txt", "bí mật"),
        ("secret.txt", "bí mật ngoài khóa"),
    ]);
    std::fs::write(dir.path().join("c/images/a.png"), PNG).unwrap();
    let app = spawn_with_content(dir.path()).await;

    assert_eq!(app.get("/media/c/images/a.png").await.status(), 200);
    for path in [
        "/media/c/images/secret.txt",
        "/media/c/course.toml",
        "/media/c/01-a.md",
        "/media/c/../secret.txt",
        "/media/c/%2e%2e/secret.txt",
        "/media/c/images/..%2f..%2fsecret.txt",
        "/media/c/images/%2e%2e/%2e%2e/secret.txt",
        "/media/c//etc/passwd",
        "/media/../../etc/passwd",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(!response.text().await.unwrap().contains("bí mật"), "{path}");
    }
}

/// Media bytes are read when the content is loaded: a file later swapped
/// for a link (to a file outside the course) is refused by the reload, and
/// what is served stays the checked picture, never the link's target.
#[tokio::test]
async fn a_media_file_swapped_for_a_link_after_loading_never_serves_the_target() {
    let dir = content_fixture(&[
        ("c/course.toml", &course_toml("Khóa C", "all", &["01-a.md"])),
        (
            "c/01-a.md",
            &chapter("bai-a", "Bài A", "![Ảnh](images/a.png)"),
        ),
        ("secret.txt", "bí mật ngoài khóa"),
    ]);
    std::fs::create_dir_all(dir.path().join("c/images")).unwrap();
    std::fs::write(dir.path().join("c/images/a.png"), PNG).unwrap();
    let app = spawn_with_content(dir.path()).await;
    assert_eq!(app.get("/media/c/images/a.png").await.status(), 200);
    let served = |app: &TestApp| {
        let url = app.url("/media/c/images/a.png");
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().bytes().await.unwrap() }
    };

    let image = dir.path().join("c/images/a.png");
    std::fs::remove_file(&image).unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), &image).unwrap();
    let refused = eventually(10, || async { app.log().contains("symbolic link") }).await;
    assert!(refused, "the reload refuses the link:\n{}", app.log());
    assert_eq!(&served(&app).await[..], PNG, "the checked picture stays");

    // The same for a folder on the way.
    std::fs::remove_file(&image).unwrap();
    std::fs::rename(dir.path().join("c/images"), dir.path().join("elsewhere")).unwrap();
    std::fs::write(dir.path().join("elsewhere/a.png"), b"not the picture").unwrap();
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), dir.path().join("c/images")).unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(&served(&app).await[..], PNG);
}

#[tokio::test]
async fn edits_appear_live_and_a_broken_edit_keeps_the_last_good_version() {
    let dir = content_fixture(&[
        ("c/course.toml", &course_toml("Khóa C", "all", &["01-a.md"])),
        (
            "c/01-a.md",
            &chapter("bai-a", "Bài một", "Nội dung đầu tiên."),
        ),
    ]);
    let app = spawn_with_content(dir.path()).await;
    assert!(app.page("/courses/c/bai-a").await.contains("Bài một"));

    std::fs::write(
        dir.path().join("c/01-a.md"),
        chapter("bai-a", "Bài một đã sửa", "Nội dung mới."),
    )
    .unwrap();
    let edited = eventually(10, || async {
        app.page("/courses/c/bai-a").await.contains("Nội dung mới")
    })
    .await;
    assert!(edited, "edit is served without a restart");

    std::fs::write(
        dir.path().join("c/01-a.md"),
        "+++\nid = \"bai-a\"\ntitle = \"hỏng\n+++\n",
    )
    .unwrap();
    let logged = eventually(10, || async { app.log().contains("01-a.md:3:") }).await;
    assert!(
        logged,
        "the error is logged with its position:\n{}",
        app.log()
    );
    let html = app.page("/courses/c/bai-a").await;
    assert!(
        html.contains("Nội dung mới"),
        "last good version still served"
    );

    // A new chapter added to the course appears too.
    std::fs::write(
        dir.path().join("c/02-b.md"),
        chapter("bai-b", "Bài hai", "Thêm."),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("c/01-a.md"),
        chapter("bai-a", "Bài một", "Sửa lại rồi."),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("c/course.toml"),
        course_toml("Khóa C", "all", &["01-a.md", "02-b.md"]),
    )
    .unwrap();
    let added = eventually(10, || async {
        app.get("/courses/c/bai-b").await.status() == 200
    })
    .await;
    assert!(added, "new chapter published");
}

/// A broken edit keeps the site up; trainers and admins see what is wrong
/// at /content/status, learners and visitors do not.
#[tokio::test]
async fn trainers_see_content_errors_and_visitors_do_not() {
    let dir = content_fixture(&[
        ("c/course.toml", &course_toml("Khóa C", "all", &["01-a.md"])),
        ("c/01-a.md", &chapter("bai-a", "Bài một", "![](thieu.png)")),
    ]);
    let app = spawn_with_content(dir.path()).await;

    assert_eq!(app.get("/content/status").await.status(), 403);
    hocvu_tests::sign_in_as(&app, "hoc-vien", "learner").await;
    assert_eq!(app.get("/content/status").await.status(), 403);

    hocvu_tests::sign_in_as(&app, "giang-vien", "trainer").await;
    let html = app.page("/content/status").await;
    assert!(
        html.contains("01-a.md:8:1: lỗi: không tìm thấy tệp"),
        "in Vietnamese: {html}"
    );
    assert!(html.contains("chưa có mô tả"), "warnings too");
    let english = app.page("/content/status?lang=en").await;
    assert!(
        english.contains("01-a.md:8:1: error: file not found"),
        "{english}"
    );
}

/// The loader's own reads are not changes: without edits the content is
/// loaded once, and one edit means one more load.
#[tokio::test]
async fn content_is_reloaded_only_when_it_changes() {
    let dir = content_fixture(&[
        ("c/course.toml", &course_toml("Khóa C", "all", &["01-a.md"])),
        ("c/01-a.md", &chapter("bai-a", "Bài một", "Nội dung.")),
    ]);
    let app = spawn_with_content(dir.path()).await;
    let loads = || app.log().matches("content loaded").count();

    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(loads(), 1, "no edit, no reload:\n{}", app.log());

    std::fs::write(
        dir.path().join("c/01-a.md"),
        chapter("bai-a", "Bài một", "Đã sửa."),
    )
    .unwrap();
    assert!(
        eventually(5, || async { loads() == 2 }).await,
        "one edit, one reload"
    );
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(loads(), 2, "and no more:\n{}", app.log());
}

/// A chapter's front matter for the recording tests, `audio` on line 6.
fn chapter_with_audio(id: &str, audio: &str) -> String {
    format!(
        "+++\nid = \"{id}\"\ntitle = \"Bài {id}\"\nminutes = 5\nsummary = \"Tóm tắt.\"\naudio = \"{audio}\"\n+++\n\nCâu một. Câu hai.\n"
    )
}

/// An MP3 as far as anyone can tell (an ID3 header), 4 KB.
fn mp3_bytes() -> Vec<u8> {
    let mut bytes = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    bytes.extend((0..4_000u32).map(|i| (i % 251) as u8));
    bytes
}

/// `audio = "…"` in a chapter's front matter: a missing file, a file that is
/// not a recording, a fake one and one outside the course folder are errors
/// at the field's line, in English and Vietnamese.
#[tokio::test]
async fn content_check_checks_a_chapters_recording() {
    let dir = content_fixture(&[
        (
            "nghe/course.toml",
            &course_toml(
                "Nghe",
                "resident",
                &["01-a.md", "02-b.md", "03-c.md", "04-d.md", "05-e.md"],
            ),
        ),
        ("nghe/01-a.md", &chapter_with_audio("a", "bai-01.mp3")),
        ("nghe/02-b.md", &chapter_with_audio("b", "khong-co.mp3")),
        ("nghe/03-c.md", &chapter_with_audio("c", "bai-03.txt")),
        ("nghe/04-d.md", &chapter_with_audio("d", "gia.mp3")),
        ("nghe/05-e.md", &chapter_with_audio("e", "../bai-01.mp3")),
        ("nghe/bai-03.txt", "không phải âm thanh"),
        ("nghe/gia.mp3", "<html>không phải mp3</html>"),
    ]);
    std::fs::write(dir.path().join("nghe/bai-01.mp3"), mp3_bytes()).unwrap();

    let (ok, out) = content_check(dir.path()).await;

    assert!(!ok, "{out}");
    let line = |file: &str| format!("{}:6:1:", dir.path().join("nghe").join(file).display());
    let has = |file: &str, words: &str| {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&line(file)) && l.contains("error") && l.contains(words)),
            "expected an error at {} with `{words}` in:\n{out}",
            line(file)
        );
    };
    assert!(
        !out.contains(&line("01-a.md")),
        "a real recording is fine:\n{out}"
    );
    has("02-b.md", "not found");
    has("03-c.md", "not a recording");
    has("04-d.md", "not what its name says");
    has("05-e.md", "outside the course folder");
}

/// A chapter with a recording offers it first, as a plain `<audio controls>`
/// (no JavaScript needed, nothing loaded until pressed), served from
/// `/media` in ranges so a phone can seek; a chapter without one has none.
#[tokio::test]
async fn a_chapters_recording_is_offered_first_and_served_in_ranges() {
    let dir = content_fixture(&[
        (
            "nghe/course.toml",
            &course_toml("Nghe", "resident", &["01-a.md", "02-b.md"]),
        ),
        ("nghe/01-a.md", &chapter_with_audio("a", "bai-01.mp3")),
        ("nghe/02-b.md", &chapter("b", "Bài b", "Không có ghi âm.")),
    ]);
    let mp3 = mp3_bytes();
    std::fs::write(dir.path().join("nghe/bai-01.mp3"), &mp3).unwrap();
    let app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();

    let page = app.page("/courses/nghe/a").await;
    let src = hocvu_tests::html::attrs(&page, "figure.recording audio[controls]", "src");
    assert_eq!(src, ["/media/nghe/bai-01.mp3"]);
    assert_eq!(
        hocvu_tests::html::attrs(&page, "figure.recording audio", "preload"),
        ["none"]
    );
    let (player, text) = (
        page.find("<audio").unwrap(),
        page.find("class=\"prose\"").unwrap(),
    );
    assert!(player < text, "the recording comes before the text");
    assert!(!app.page("/courses/nghe/b").await.contains("<audio"));

    let whole = app.get("/media/nghe/bai-01.mp3").await;
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.unwrap().as_ref(), &mp3[..]);
    let part = app
        .client
        .get(app.url("/media/nghe/bai-01.mp3"))
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 100-199/{}", mp3.len()).as_str()
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), &mp3[100..200]);
}
