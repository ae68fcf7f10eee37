//! Publishing (issue 10): trainers upload, edit, check, preview and publish
//! versions of the handbook from the browser and the command line; every
//! server follows the newest version.

use std::{io::Write, time::Instant};

use hocvu_tests::{
    add_user, chapter, content_fixture, course_toml, eventually, footprint, location_of,
    on_both_databases, Agent, AppOptions, Backend, TestApp,
};
use tokio::process::Command;

const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

const QUIZ: &str = "+++\npass_percent = 50\n+++\n\n## Mã OTP có nên đọc cho người gọi điện không? {#doc-otp}\n\n- [ ] Có, nếu họ xưng là ngân hàng\n- [x] Không bao giờ\n  > Ngân hàng không bao giờ hỏi mã OTP.\n\n> Mã OTP chỉ mình bạn được biết.\n";

/// A zip of `files` (path, bytes).
pub(crate) fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, bytes) in files {
        out.start_file(*path, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The course folder a trainer uploads: a chapter, its quiz and a picture.
fn new_course_zip() -> Vec<u8> {
    let toml = course_toml("Khóa học mới về OTP", "all", &["01-otp.md"]);
    let body = chapter(
        "giu-ma-otp",
        "Giữ kín mã OTP",
        "Mã OTP là chìa khóa của tài khoản.\n\n![Tin nhắn chứa mã OTP](images/otp.png)\n",
    );
    zip_of(&[
        ("khoa-moi/course.toml", toml.as_bytes()),
        ("khoa-moi/01-otp.md", body.as_bytes()),
        ("khoa-moi/01-otp.quiz.md", QUIZ.as_bytes()),
        ("khoa-moi/images/otp.png", PNG),
    ])
}

async fn upload(agent: &Agent, course: &str, files: Vec<(&str, Vec<u8>)>) -> reqwest::Response {
    agent
        .post_files("/content/upload", &[("course", course)], "files", files)
        .await
        .expect("upload sent")
}

async fn versions(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM content_versions").await
}

/// A trainer's whole round: upload, check, preview (answers shown, marked as
/// a preview), publish; learners see the course only after the publish.
async fn upload_check_preview_publish(app: TestApp) {
    let trainer = add_user(&app, "giang-vien", "Cô Lan", "trainer").await;
    let visitor = Agent::anonymous(&app);
    assert_eq!(versions(&app).await, 1, "the bundled content/ is version 1");

    let response = upload(&trainer, "", vec![("khoa-moi.zip", new_course_zip())]).await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let draft = location_of(&response);
    assert!(draft.starts_with("/content/drafts/"), "{draft}");

    let page = trainer.page(&draft).await;
    assert!(page.contains("khoa-moi/01-otp.md"), "changed files listed");
    assert!(!page.contains("class=\"error"), "no errors: {page}");
    assert_eq!(
        visitor.get("/courses/khoa-moi/giu-ma-otp").await.status(),
        404,
        "not published yet"
    );

    let preview_url = format!("{draft}/preview/khoa-moi/giu-ma-otp");
    assert!(page.contains(&preview_url), "a preview link: {page}");
    let preview = trainer.page(&preview_url).await;
    assert!(preview.contains("BẢN XEM TRƯỚC"), "marked as a preview");
    assert!(preview.contains("Mã OTP là chìa khóa của tài khoản"));
    assert!(preview.contains("/media/khoa-moi/images/otp.png") || preview.contains("otp.png"));
    assert!(
        preview.contains("Ngân hàng không bao giờ hỏi mã OTP"),
        "explanations shown to the trainer"
    );
    assert!(
        preview.contains("class=\"correct\""),
        "the right choice marked"
    );
    assert_eq!(
        visitor.get(&preview_url).await.status(),
        303,
        "sign in first"
    );

    let publish = trainer
        .post_form(&format!("{draft}/publish"), &[("note", "Thêm khóa OTP")])
        .await;
    assert_eq!(publish.status(), 303);
    assert!(location_of(&publish).starts_with("/content/history?published=2"));
    assert_eq!(versions(&app).await, 2);
    let chapter_page = visitor.page("/courses/khoa-moi/giu-ma-otp").await;
    assert!(chapter_page.contains("Giữ kín mã OTP"));
    assert_eq!(
        visitor.get("/media/khoa-moi/images/otp.png").await.status(),
        200
    );
    // Every bundled course is still there.
    assert_eq!(
        visitor
            .get("/courses/thanh-toan-khong-tien-mat")
            .await
            .status(),
        200
    );
    let history = trainer.page("/content/history").await;
    assert!(history.contains("Thêm khóa OTP") && history.contains("Cô Lan"));
    assert!(
        history.contains("khoa-moi/01-otp.quiz.md"),
        "per-file changes"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'content.published'")
            .await,
        2,
        "the import and the publish are audited"
    );
    // Publishing the same draft again changes nothing.
    let again = trainer.post_form(&format!("{draft}/publish"), &[]).await;
    assert_eq!(again.status(), 303);
    assert_eq!(versions(&app).await, 2);
}

/// A broken file is listed as file:line:col with its line; nothing can be
/// published while there is an error.
async fn a_broken_upload_is_refused_with_positions(app: TestApp) {
    let trainer = add_user(&app, "giang-vien", "Cô Lan", "trainer").await;
    let broken = "+++\nid = \"bai-hong\"\ntitle = \"Bài hỏng\"\nminutes = 0\nsummary = \"x\"\n+++\n\nNội dung.\n";
    let toml = course_toml("Khóa hỏng", "all", &["01-a.md"]);
    let zip = zip_of(&[
        ("khoa-hong/course.toml", toml.as_bytes()),
        ("khoa-hong/01-a.md", broken.as_bytes()),
    ]);
    let response = upload(&trainer, "", vec![("khoa-hong.zip", zip)]).await;
    assert_eq!(response.status(), 303);
    let draft = location_of(&response);
    let page = trainer.page(&draft).await;
    assert!(
        page.contains("khoa-hong/01-a.md:4:1"),
        "position of the bad field: {page}"
    );
    assert!(page.contains("minutes = 0"), "the offending line is shown");
    assert!(
        !page.contains("/publish\""),
        "no publish form while errors remain"
    );
    let before = footprint(&app).await;
    let publish = trainer.post_form(&format!("{draft}/publish"), &[]).await;
    assert_eq!(location_of(&publish), format!("{draft}?error=errors"));
    assert_eq!(footprint(&app).await, before, "nothing published");
}

/// Each kind of bad upload gets its own message and changes nothing.
async fn bad_uploads_change_nothing(app: TestApp) {
    let trainer = add_user(&app, "giang-vien", "Cô Lan", "trainer").await;
    let learner = add_user(&app, "hoc-vien", "Bác Ba", "learner").await;
    let good = new_course_zip();
    let before = footprint(&app).await;

    let zeros = vec![0u8; 19 * 1024 * 1024];
    let bomb_files: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| (format!("khoa-moi/images/{i}.mp3"), zeros.clone()))
        .collect();
    let mut bomb_parts: Vec<(&str, &[u8])> = bomb_files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let toml = course_toml("X", "all", &[]);
    bomb_parts.push(("khoa-moi/course.toml", toml.as_bytes()));
    let bomb = zip_of(&bomb_parts);
    assert!(bomb.len() < 1024 * 1024, "the bomb itself is small");

    let symlink_zip = {
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        out.start_file("khoa-moi/course.toml", options).unwrap();
        out.write_all(toml.as_bytes()).unwrap();
        out.add_symlink("khoa-moi/01-a.md", "/etc/passwd", options)
            .unwrap();
        out.finish().unwrap().into_inner()
    };
    // (what, course field, files, what the message names)
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, Vec<u8>)>, &'a str);
    let cases: Vec<Case> = vec![
        ("zip bomb", "", vec![("bom.zip", bomb)], "100 MB"),
        (
            "climbing out",
            "",
            vec![("x.zip", zip_of(&[("../khoa/course.toml", toml.as_bytes())]))],
            "../khoa/course.toml",
        ),
        (
            "absolute path",
            "",
            vec![(
                "x.zip",
                zip_of(&[("/etc/khoa/course.toml", toml.as_bytes())]),
            )],
            "/etc/khoa/course.toml",
        ),
        ("symlink", "", vec![("x.zip", symlink_zip)], "symlink"),
        (
            "no course.toml",
            "",
            vec![("x.zip", zip_of(&[("bai/01.md", b"# Bai")]))],
            "course.toml",
        ),
        (
            "not a zip",
            "",
            vec![("x.zip", b"PK but not really".to_vec())],
            "không phải tệp zip",
        ),
        (
            "too large",
            "thanh-toan-khong-tien-mat",
            vec![("lon.md", vec![b'a'; 1024 * 1024 + 1])],
            "1024 KB",
        ),
        (
            "a picture that is not one",
            "thanh-toan-khong-tien-mat",
            vec![("anh.png", b"<html>not a picture</html>".to_vec())],
            "anh.png",
        ),
        (
            "a loose file without a course",
            "",
            vec![("01.md", b"# x".to_vec())],
            "chọn khóa học",
        ),
        (
            "a program",
            "thanh-toan-khong-tien-mat",
            vec![("virus.exe", b"MZ".to_vec())],
            "virus.exe",
        ),
    ];
    for (what, course, files, says) in cases {
        let response = upload(&trainer, course, files).await;
        assert_eq!(response.status(), 400, "{what}");
        let page = response.text().await.unwrap();
        assert!(page.contains(says), "{what}: says {says}: {page}");
        assert!(page.contains("role=\"alert\""), "{what}");
    }
    assert_eq!(footprint(&app).await, before, "nothing kept");

    // Text that is not UTF-8: kept as a draft whose check says where.
    let latin1: &[u8] = b"+++\nid = \"a\"\ntitle = \"Caf\xe9\"\n+++\n";
    let zip = zip_of(&[
        (
            "khoa-moi/course.toml",
            course_toml("X", "all", &["01-a.md"]).as_bytes(),
        ),
        ("khoa-moi/01-a.md", latin1),
    ]);
    let response = upload(&trainer, "", vec![("khoa-moi.zip", zip)]).await;
    let draft = trainer.page(&location_of(&response)).await;
    assert!(draft.contains("khoa-moi/01-a.md:3:13"), "{draft}");
    assert!(draft.contains("UTF-8"));

    // Not a trainer, signed out, or from another site: refused.
    let response = upload(&learner, "", vec![("khoa-moi.zip", good.clone())]).await;
    assert_eq!(response.status(), 403);
    let response = upload(
        &Agent::anonymous(&app),
        "",
        vec![("khoa-moi.zip", good.clone())],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert!(location_of(&response).starts_with("/signin"));
    let forged = trainer
        .client
        .post(trainer.url("/content/upload"))
        .header("Cookie", trainer.cookie.clone().unwrap())
        .header("Origin", "https://evil.example")
        .multipart(reqwest::multipart::Form::new().part(
            "files",
            reqwest::multipart::Part::bytes(good).file_name("khoa-moi.zip"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(versions(&app).await, 1);
    assert_eq!(
        Agent::anonymous(&app)
            .get("/courses/khoa-moi")
            .await
            .status(),
        404
    );
}

/// Two trainers edit the same file: the second save is refused, shows both
/// texts and who changed it, and loses nothing.
async fn concurrent_edits_do_not_lose_work(app: TestApp) {
    let lan = add_user(&app, "co-lan", "Cô Lan", "trainer").await;
    let minh = add_user(&app, "thay-minh", "Thầy Minh", "trainer").await;
    let file = "thanh-toan-khong-tien-mat/course.toml";
    let edit = format!("/content/edit?file={file}");
    let form_of = |html: &str| {
        hocvu_tests::attribute_of(html, "<input type=\"hidden\" name=\"base_hash\"", "value")
            .expect("base hash")
    };
    let lan_opened = form_of(&lan.page(&edit).await);
    let minh_opened = form_of(&minh.page(&edit).await);
    assert_eq!(lan_opened, minh_opened);
    let original =
        std::fs::read_to_string(hocvu_tests::workspace_root().join("content").join(file)).unwrap();

    let minh_text = original.replace("title = \"", "title = \"[Minh] ");
    let saved = minh
        .post_form(
            "/content/edit",
            &[
                ("file", file),
                ("text", &minh_text),
                ("base_hash", &minh_opened),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let published = minh
        .post_form(&format!("{}/publish", location_of(&saved)), &[])
        .await;
    assert_eq!(published.status(), 303);

    let lan_text = original.replace("title = \"", "title = \"[Lan] ");
    let refused = lan
        .post_form(
            "/content/edit",
            &[
                ("file", file),
                ("text", &lan_text),
                ("base_hash", &lan_opened),
            ],
        )
        .await;
    assert_eq!(refused.status(), 409);
    let page = refused.text().await.unwrap();
    assert!(page.contains("Thầy Minh"), "who changed it: {page}");
    assert!(page.contains("[Lan]"), "her text is kept");
    assert!(page.contains("[Minh]"), "and his is shown");
    assert_eq!(versions(&app).await, 2);

    // Having read his, she keeps hers on top: a draft, not lost.
    let theirs =
        hocvu_tests::attribute_of(&page, "<input type=\"hidden\" name=\"base_hash\"", "value")
            .unwrap();
    let kept = lan
        .post_form(
            "/content/edit",
            &[("file", file), ("text", &lan_text), ("base_hash", &theirs)],
        )
        .await;
    assert_eq!(kept.status(), 303);
    assert!(location_of(&kept).starts_with("/content/drafts/"));
}

/// Rolling back makes an earlier version the newest again, as a new version.
async fn rollback_restores_an_earlier_version(app: TestApp) {
    let trainer = add_user(&app, "giang-vien", "Cô Lan", "trainer").await;
    let response = upload(&trainer, "", vec![("khoa-moi.zip", new_course_zip())]).await;
    let draft = location_of(&response);
    trainer.post_form(&format!("{draft}/publish"), &[]).await;
    let visitor = Agent::anonymous(&app);
    assert_eq!(visitor.get("/courses/khoa-moi").await.status(), 200);

    // Without the confirmation the form only asks (issue 26).
    let asked = trainer
        .post_form("/content/rollback", &[("version", "1")])
        .await;
    assert_eq!(location_of(&asked), "/content/history?rollback=1#confirm");
    assert_eq!(visitor.get("/courses/khoa-moi").await.status(), 200);
    let back = trainer
        .post_form("/content/rollback", &[("version", "1"), ("confirm", "yes")])
        .await;
    assert_eq!(location_of(&back), "/content/history?published=3");
    assert_eq!(visitor.get("/courses/khoa-moi").await.status(), 404);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'content.rolled_back'")
            .await,
        1
    );
    let history = trainer.page("/content/history").await;
    assert!(history.contains("Quay lại bản cũ"));
    let learner = add_user(&app, "hoc-vien", "Bác Ba", "learner").await;
    assert_eq!(
        learner
            .post_form("/content/rollback", &[("version", "2"), ("confirm", "yes")])
            .await
            .status(),
        403
    );
    assert_eq!(
        trainer
            .post_form(
                "/content/rollback",
                &[("version", "99"), ("confirm", "yes")]
            )
            .await
            .status(),
        404
    );
}

/// The current version downloads as a zip holding every file; only trainers.
async fn the_handbook_downloads_as_a_zip(app: TestApp) {
    let trainer = add_user(&app, "giang-vien", "Cô Lan", "trainer").await;
    let response = trainer.get("/content/download").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/zip"
    );
    let bytes = response.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut toml = String::new();
    std::io::Read::read_to_string(
        &mut archive
            .by_name("thanh-toan-khong-tien-mat/course.toml")
            .unwrap(),
        &mut toml,
    )
    .unwrap();
    let on_disk = std::fs::read_to_string(
        hocvu_tests::workspace_root().join("content/thanh-toan-khong-tien-mat/course.toml"),
    )
    .unwrap();
    assert_eq!(toml, on_disk);
    let learner = add_user(&app, "hoc-vien", "Bác Ba", "learner").await;
    assert_eq!(learner.get("/content/download").await.status(), 403);
    assert_eq!(
        Agent::anonymous(&app)
            .get("/content/download")
            .await
            .status(),
        303
    );
}

/// Any trainer may discard a colleague's draft (one team; README), and the
/// audit log says who did.
async fn a_colleagues_draft_can_be_discarded_and_it_is_audited(app: TestApp) {
    let lan = add_user(&app, "co-lan", "Cô Lan", "trainer").await;
    let minh = add_user(&app, "thay-minh", "Thầy Minh", "trainer").await;
    let draft = location_of(&upload(&lan, "", vec![("khoa-moi.zip", new_course_zip())]).await);
    let discarded = minh.post_form(&format!("{draft}/discard"), &[]).await;
    assert_eq!(discarded.status(), 303);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM content_drafts").await,
        0,
        "gone"
    );
    let id = draft.rsplit('/').next().unwrap();
    let by = app
        .text(&format!(
            "SELECT u.username FROM audit_log a JOIN users u ON u.id = a.actor_user_id \
             WHERE a.action = 'content.draft_discarded' AND a.target = '{id}'"
        ))
        .await;
    assert_eq!(by, "thay-minh");
}

on_both_databases!(
    a_colleagues_draft_can_be_discarded_and_it_is_audited,
    upload_check_preview_publish,
    a_broken_upload_is_refused_with_positions,
    bad_uploads_change_nothing,
    concurrent_edits_do_not_lose_work,
    rollback_restores_an_earlier_version,
    the_handbook_downloads_as_a_zip,
);

/// Runs `hocvu ARGS --database-url URL`: (success, stdout, stderr).
async fn hocvu(args: &[&str], database_url: &str) -> (bool, String, String) {
    let output = Command::new(hocvu_tests::hocvu_bin())
        .args(args)
        .arg("--database-url")
        .arg(database_url)
        .env_remove("DATABASE_URL")
        .output()
        .await
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `hocvu content publish|versions|rollback|export`, and a running server
/// following what the command line publishes.
async fn the_command_line_publishes_and_servers_follow(app: TestApp) {
    let url = app.database.url();
    let broken = content_fixture(&[
        ("c/course.toml", &course_toml("Khóa C", "all", &["01-a.md"])),
        ("c/01-a.md", "+++\nid = \"a\"\n+++\n"),
    ]);
    let (ok, out, _) = hocvu(
        &["content", "publish", broken.path().to_str().unwrap()],
        &url,
    )
    .await;
    assert!(!ok, "errors fail: {out}");
    assert!(out.contains("c/01-a.md:"), "file:line:col: {out}");
    assert_eq!(versions(&app).await, 1, "nothing published");

    let good = content_fixture(&[
        (
            "c/course.toml",
            &course_toml("Khóa dòng lệnh", "all", &["01-a.md"]),
        ),
        (
            "c/01-a.md",
            &chapter("bai-a", "Bài từ dòng lệnh", "Nội dung."),
        ),
    ]);
    let (ok, out, err) = hocvu(
        &[
            "content",
            "publish",
            good.path().to_str().unwrap(),
            "--note",
            "từ git",
        ],
        &url,
    )
    .await;
    assert!(ok, "{out}{err}");
    assert_eq!(out.lines().last().unwrap().trim(), "2");
    let visitor = Agent::anonymous(&app);
    let followed = eventually(5, || async {
        visitor.get("/courses/c/bai-a").await.status() == 200
    })
    .await;
    assert!(followed, "the server serves the new version within 5 s");
    assert_eq!(
        visitor
            .get("/courses/thanh-toan-khong-tien-mat")
            .await
            .status(),
        404,
        "a publish replaces the whole handbook"
    );

    let (ok, out, err) = hocvu(&["content", "versions"], &url).await;
    assert!(ok, "{err}");
    let numbers: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(numbers, ["1", "2"], "{out}");
    assert!(out.lines().nth(1).unwrap().contains("từ git"));

    let (ok, out, err) = hocvu(&["content", "rollback", "1"], &url).await;
    assert!(ok && out.trim() == "3", "{out}{err}");
    let back = eventually(5, || async {
        visitor
            .get("/courses/thanh-toan-khong-tien-mat")
            .await
            .status()
            == 200
    })
    .await;
    assert!(back, "rolled back within 5 s");

    let export = tempfile::tempdir().unwrap();
    let target = export.path().join("v2");
    let (ok, _, err) = hocvu(&["content", "export", "2", target.to_str().unwrap()], &url).await;
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read_to_string(target.join("c/01-a.md")).unwrap(),
        chapter("bai-a", "Bài từ dòng lệnh", "Nội dung.")
    );
    let (ok, _, _) = hocvu(&["content", "export", "2", target.to_str().unwrap()], &url).await;
    assert!(!ok, "never writes over a folder with files");
    let (ok, _, _) = hocvu(&["content", "rollback", "42"], &url).await;
    assert!(!ok, "no such version");
}

on_both_databases!(cli with spawn_pair: the_command_line_publishes_and_servers_follow);

async fn spawn_pair(backend: Backend) -> Option<(TestApp, ())> {
    TestApp::spawn(backend).await.map(|app| (app, ()))
}

/// Two app servers on one PostgreSQL: a publish on one is served by the
/// other within 5 s.
#[tokio::test]
async fn two_servers_on_one_postgres_serve_the_same_version() {
    let Some(first) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let second = TestApp::spawn_with(
        Backend::Postgres,
        AppOptions {
            database_url: Some(first.database.url()),
            ..AppOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(versions(&first).await, 1, "imported once, not twice");
    let trainer = add_user(&first, "giang-vien", "Cô Lan", "trainer").await;
    let response = upload(&trainer, "", vec![("khoa-moi.zip", new_course_zip())]).await;
    let draft = location_of(&response);
    trainer.post_form(&format!("{draft}/publish"), &[]).await;
    let published = Instant::now();
    let on_second = Agent::anonymous(&second);
    let followed = eventually(5, || async {
        on_second.get("/courses/khoa-moi/giu-ma-otp").await.status() == 200
    })
    .await;
    assert!(followed, "second server follows within 5 s");
    eprintln!(
        "second server followed in {} ms",
        published.elapsed().as_millis()
    );
}

/// With the folder pinned (`content_source = "folder"`), nothing is
/// published from the browser, and the page says why.
#[tokio::test]
async fn a_server_pinned_to_the_folder_refuses_publishing() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        AppOptions {
            env: vec![("HOCVU_CONTENT_SOURCE".into(), "folder".into())],
            ..AppOptions::default()
        },
    )
    .await
    .unwrap();
    let trainer = add_user(&app, "giang-vien", "Cô Lan", "trainer").await;
    assert!(trainer.page("/content").await.contains("content_source"));
    let response = upload(&trainer, "", vec![("khoa-moi.zip", new_course_zip())]).await;
    assert_eq!(response.status(), 400);
    assert_eq!(versions(&app).await, 0);
}
