//! What an outside probe tries: reading pages must write nothing, personal
//! pages must not be kept by shared caches, every answer carries the
//! security headers, malformed arguments are the caller's mistake (no 5xx),
//! sign-ups are throttled, and a database inside the content folder is
//! refused at start.

use hocvu_tests::{
    footprint, hocvu_bin, on_both_databases, server_functions, sign_in_as, Agent, TestApp,
};
use reqwest::Method;

const COURSE: &str = "thanh-toan-khong-tien-mat";

/// Every page anyone may open without signing in, for every bundled course.
async fn public_pages(app: &TestApp) -> Vec<String> {
    let mut pages: Vec<String> = [
        "/",
        "/courses",
        "/search?q=otp",
        "/signin",
        "/signup",
        "/reset",
        "/signin/trouble?reason=state",
        "/signin/link",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let catalog = app.page("/courses").await;
    let courses: Vec<String> = catalog
        .split("href=\"/courses/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|slug| !slug.contains('/') && !slug.contains('?'))
        .map(String::from)
        .collect();
    assert!(courses.len() >= 5, "the catalog lists the bundled courses");
    for course in courses {
        let outline = app.page(&format!("/courses/{course}")).await;
        pages.push(format!("/courses/{course}"));
        for rest in outline.split(&format!("href=\"/courses/{course}/")).skip(1) {
            let Some(tail) = rest.split('"').next() else {
                continue;
            };
            pages.push(format!("/courses/{course}/{tail}"));
            if !tail.contains('/') && tail != "test" {
                pages.push(format!("/courses/{course}/{tail}/quiz"));
            }
        }
        pages.push(format!("/courses/{course}/test"));
    }
    pages.sort();
    pages.dedup();
    pages
}

async fn reading_pages_without_a_cookie_writes_nothing(app: TestApp) {
    let before = footprint(&app).await;
    let pages = public_pages(&app).await;
    let quizzes = pages.iter().filter(|p| p.ends_with("/quiz")).count();
    assert!(quizzes >= 20, "quiz pages are among them ({quizzes})");
    let client = Agent::following_redirects(&app);
    for path in &pages {
        for _ in 0..2 {
            let response = client.get(path).await;
            assert!(response.status().as_u16() < 500, "GET {path}");
            let sessions = response
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter(|c| c.to_str().unwrap_or("").starts_with("hocvu_session="))
                .count();
            assert_eq!(sessions, 0, "GET {path} starts no session");
        }
        let head = client.request(Method::HEAD, path).send().await.unwrap();
        assert!(head.status().as_u16() < 500, "HEAD {path}");
    }
    assert_eq!(footprint(&app).await, before, "reading wrote rows");
}

async fn personal_answers_stay_private_and_every_page_has_security_headers(app: TestApp) {
    // Anonymous: any cache may keep it, but must revalidate; never `private`.
    let response = app.get(&format!("/courses/{COURSE}")).await;
    let cache = header(&response, "cache-control");
    assert!(
        cache.contains("no-cache") && !cache.contains("private"),
        "{cache}"
    );
    assert!(header(&response, "vary").to_lowercase().contains("cookie"));
    // Shared by every anonymous visitor (the page cache): no nonce, every
    // inline script allowed by its own hash.
    let csp = header(&response, "content-security-policy");
    let html = response.text().await.unwrap();
    let script_src = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap_or_default()
        .to_string();
    assert!(!script_src.contains("unsafe-inline"), "{csp}");
    assert!(
        !script_src.contains("'nonce-"),
        "a shared page shares no nonce: {csp}"
    );
    assert!(script_src.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    for (tag, text) in inline_scripts(&html) {
        use base64::Engine;
        use sha2::Digest;
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text));
        assert!(
            script_src.contains(&format!("'sha256-{hash}'")),
            "inline script not allowed by hash: {tag}"
        );
    }

    // Rendered for one person: a nonce of its own, on every inline script.
    let learner = hocvu_tests::add_user(&app, "hoc-vien", "Học viên", "learner").await;
    let personal = learner.get(&format!("/courses/{COURSE}")).await;
    let csp = header(&personal, "content-security-policy");
    let html = personal.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|n| n.split('\'').next())
        .expect("a nonce in script-src")
        .to_string();
    for (tag, _) in inline_scripts(&html) {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "inline script without the nonce: {tag}"
        );
    }
    let again = learner.get(&format!("/courses/{COURSE}")).await;
    assert_ne!(
        header(&again, "content-security-policy"),
        csp,
        "a fresh nonce each time"
    );

    // Signed in: personal pages are never stored by anyone but the browser.
    let cookie = sign_in_as(&app, "quantri", "admin").await;
    let admin = Agent::with_cookie(&app, Some(cookie));
    for path in [
        "/me",
        "/reports",
        "/reports/overdue",
        "/admin/users",
        "/assignments",
    ] {
        let response = admin.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let cache = header(&response, "cache-control");
        assert!(
            cache.contains("private") && cache.contains("no-store"),
            "{path}: {cache}"
        );
        assert!(
            header(&response, "vary").to_lowercase().contains("cookie"),
            "{path}"
        );
        assert_eq!(
            header(&response, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert_eq!(header(&response, "x-frame-options"), "DENY", "{path}");
        assert_eq!(
            header(&response, "referrer-policy"),
            "strict-origin-when-cross-origin",
            "{path}"
        );
    }
    let chapter = admin.get(&format!("/courses/{COURSE}/ma-otp")).await;
    assert!(header(&chapter, "cache-control").contains("private"));
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn malformed_arguments_to_every_server_function_are_refused_not_crashed(app: TestApp) {
    let cookie = sign_in_as(&app, "quantri", "admin").await;
    let functions = server_functions();
    assert!(functions.len() >= 10, "{functions:?}");
    let client = Agent::following_redirects(&app);
    let bodies: [(&str, &str); 5] = [
        (
            "application/x-www-form-urlencoded",
            "attempt_no=abc&course=x&quiz=y",
        ),
        (
            "application/x-www-form-urlencoded",
            "status=king&unit=&course=",
        ),
        ("application/x-www-form-urlencoded", "%%%"),
        (
            "application/json",
            "{\"course\": 5, \"attempt_no\": 99999999999999999999}",
        ),
        ("text/plain", "\u{0}\u{1}"),
    ];
    let mut wrong = Vec::new();
    for path in &functions {
        for signed_in in [false, true] {
            for (kind, body) in bodies {
                let mut request = client
                    .request(Method::POST, path)
                    .header("content-type", kind)
                    .body(body);
                if signed_in {
                    request = request.header("cookie", &cookie);
                }
                let status = request.send().await.unwrap().status().as_u16();
                if status >= 500 {
                    wrong.push(format!(
                        "{path} ({kind}: {body:?}, signed in {signed_in}): {status}"
                    ));
                }
            }
        }
    }
    // Forms too: unknown values and missing fields are the caller's mistake.
    let admin = Agent::with_cookie(&app, Some(cookie));
    for (path, form) in [
        (
            "/admin/users/role",
            vec![("user_id", "x"), ("role", "king")],
        ),
        ("/admin/users/role", vec![]),
        ("/lang", vec![("to", "klingon")]),
        (
            "/courses/thanh-toan-khong-tien-mat/ma-otp/read",
            vec![("event", "no")],
        ),
        (
            "/courses/thanh-toan-khong-tien-mat/ma-otp/quiz",
            vec![("attempt", "abc")],
        ),
        ("/assignments", vec![("due_on", "2026-99-99")]),
    ] {
        let status = admin.post_form(path, &form).await.status().as_u16();
        if status >= 500 {
            wrong.push(format!("{path} {form:?}: {status}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

async fn sign_ups_from_one_address_are_throttled(app: TestApp) {
    let mut statuses = Vec::new();
    for i in 0..22 {
        let response = Agent::anonymous(&app)
            .post_form(
                "/signup",
                &[
                    ("login", &format!("nguoi{i:02}")),
                    ("display_name", "Người Thử"),
                    ("password", "mat-khau-du-dai"),
                ],
            )
            .await;
        statuses.push(response.status().as_u16());
    }
    assert!(statuses[..20].iter().all(|s| *s == 303), "{statuses:?}");
    assert_eq!(statuses[21], 429, "{statuses:?}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 20);
}

async fn a_post_from_the_same_host_on_another_port_is_cross_site(app: TestApp) {
    let port_shifted = app
        .origin()
        .rsplit_once(':')
        .map(|(host, port)| format!("{host}:{}", port.parse::<u32>().unwrap() + 1))
        .unwrap();
    let client = Agent::following_redirects(&app);
    let refused = client
        .post_form_from(&port_shifted, "/lang", &[("to", "en")])
        .await;
    assert_eq!(refused.status(), 403);
    let https = app.origin().replacen("http://", "https://", 1);
    let refused = client
        .post_form_from(&https, "/lang", &[("to", "en")])
        .await;
    assert_eq!(refused.status(), 403, "another scheme is another site");
    let ours = Agent::anonymous(&app)
        .post_form_from(&app.origin(), "/lang", &[("to", "en")])
        .await;
    assert_eq!(ours.status(), 303);
}

/// With `secure_cookies` (HTTPS in front) the language cookie is `Secure`
/// too, and HSTS is sent.
#[tokio::test]
async fn over_https_every_cookie_is_secure() {
    let options = hocvu_tests::AppOptions {
        env: vec![("HOCVU_SECURE_COOKIES".into(), "true".into())],
        ..Default::default()
    };
    let app = TestApp::spawn_with(hocvu_tests::Backend::Sqlite, options)
        .await
        .unwrap();
    let https = app.origin().replacen("http://", "https://", 1);
    let response = Agent::anonymous(&app)
        .post_form_from(&https, "/lang", &[("to", "en")])
        .await;
    assert_eq!(response.status(), 303);
    let cookie = header(&response, "set-cookie");
    assert!(
        cookie.starts_with("lang=en") && cookie.contains("; Secure"),
        "{cookie}"
    );
    assert!(header(&response, "strict-transport-security").contains("max-age="));
}

on_both_databases!(
    reading_pages_without_a_cookie_writes_nothing,
    personal_answers_stay_private_and_every_page_has_security_headers,
    malformed_arguments_to_every_server_function_are_refused_not_crashed,
    sign_ups_from_one_address_are_throttled,
    a_post_from_the_same_host_on_another_port_is_cross_site,
);

#[tokio::test]
async fn a_database_inside_the_content_folder_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).unwrap();
    let output = tokio::process::Command::new(hocvu_bin())
        .arg("serve")
        .arg("--addr")
        .arg("127.0.0.1:0")
        .arg("--content")
        .arg(&content)
        .arg("--database-url")
        .arg(format!("sqlite:{}", content.join("hocvu.db").display()))
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(20), output)
        .await
        .expect("refused at once, not served")
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("content"), "{said}");
    assert!(!content.join("hocvu.db").exists(), "nothing was created");
}

/// Five wrong guesses from one address lock the account out from that
/// address only: the owner signs in from elsewhere.
#[tokio::test]
async fn wrong_guesses_from_one_address_do_not_lock_the_owner_out_elsewhere() {
    let options = hocvu_tests::AppOptions {
        env: vec![("HOCVU_TRUSTED_PROXIES".into(), "127.0.0.1".into())],
        ..Default::default()
    };
    let app = TestApp::spawn_with(hocvu_tests::Backend::Sqlite, options)
        .await
        .unwrap();
    let sign_up = Agent::anonymous(&app)
        .post_form(
            "/signup",
            &[
                ("login", "lan"),
                ("display_name", "Lan"),
                ("password", "mat-khau-cua-lan"),
            ],
        )
        .await;
    assert_eq!(sign_up.status(), 303);
    let client = Agent::anonymous(&app);
    let attempt = |from: &'static str, password: &'static str| {
        client
            .request(Method::POST, "/signin")
            .header("origin", app.origin())
            .header("x-forwarded-for", from)
            .form(&[("login", "lan"), ("password", password)])
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("198.51.100.7", "doan-sai-mat-khau")
                .await
                .unwrap()
                .status(),
            303
        );
    }
    assert_eq!(
        attempt("198.51.100.7", "mat-khau-cua-lan")
            .await
            .unwrap()
            .status(),
        429,
        "the guessing address waits"
    );
    let owner = attempt("203.0.113.20", "mat-khau-cua-lan").await.unwrap();
    assert_eq!(
        owner.status(),
        303,
        "the owner, elsewhere, is not locked out"
    );
    assert_eq!(hocvu_tests::location_of(&owner), "/me");
}

/// A file the loader never reads (a database, an editor's swap file)
/// changing in the content folder does not reload the handbook.
#[tokio::test]
async fn files_the_loader_does_not_read_do_not_reload_the_handbook() {
    let dir = hocvu_tests::content_fixture(&[
        (
            "c/course.toml",
            &hocvu_tests::course_toml("Khóa C", "all", &["01-a.md"]),
        ),
        (
            "c/01-a.md",
            &hocvu_tests::chapter("bai-a", "Bài một", "Nội dung."),
        ),
    ]);
    let app = TestApp::spawn_with_content(hocvu_tests::Backend::Sqlite, dir.path())
        .await
        .unwrap();
    let loads = |log: &str| log.matches("content loaded").count();
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let before = loads(&app.log());
    for i in 0..5 {
        std::fs::write(dir.path().join("notes.db"), format!("write {i}")).unwrap();
        std::fs::write(dir.path().join("c/.01-a.md.swp"), format!("swap {i}")).unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(
        loads(&app.log()),
        before,
        "no reload for files it does not read"
    );
    // A chapter edit still reloads.
    std::fs::write(
        dir.path().join("c/01-a.md"),
        hocvu_tests::chapter("bai-a", "Bài một đã sửa", "Nội dung."),
    )
    .unwrap();
    assert!(
        hocvu_tests::eventually(10, || async {
            app.page("/courses/c/bai-a")
                .await
                .contains("Bài một đã sửa")
        })
        .await
    );
}

/// Every inline `<script>` of a page: its opening tag and its text.
fn inline_scripts(html: &str) -> Vec<(String, String)> {
    html.split("<script")
        .skip(1)
        .filter_map(|rest| {
            let (tag, after) = rest.split_once('>')?;
            let text = after.split("</script>").next()?;
            (!tag.contains(" src=") && !text.is_empty())
                .then(|| (tag.to_string(), text.to_string()))
        })
        .collect()
}
