//! `/search`: works without JavaScript and without Vietnamese diacritics.

use hocvu_tests::{chapter, content_fixture, course_toml, on_both_databases, Backend, TestApp};

async fn search_app() -> (TestApp, tempfile::TempDir) {
    let dir = content_fixture(&[
        ("s/course.toml", &course_toml("Khóa tìm kiếm", "all", &["01-a.md", "02-b.md", "03-c.md"])),
        (
            "s/01-a.md",
            &chapter("goi-dien", "Gọi điện an toàn", "Khi có người lạ gọi, hãy cẩn thận. Đừng bấm vào đường dẫn lạ. Thanh toán chỉ trong ứng dụng chính thức."),
        ),
        (
            "s/02-b.md",
            &chapter("thanh-toan-qr", "Thanh toán bằng mã QR", "## Quét mã\n\nMở ứng dụng ngân hàng trên điện thoại để quét mã."),
        ),
        ("s/03-c.md", &chapter("dang-ky", "Đăng ký tài khoản", "Điền số điện thoại của bạn rồi bấm Đăng ký.")),
    ]);
    let app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();
    (app, dir)
}

/// Chapter ids of the results, in order.
fn result_ids(html: &str) -> Vec<String> {
    let Some(list) = html.split(r#"<ol class="search-results">"#).nth(1) else {
        return Vec::new();
    };
    list.split("href=\"/courses/s/")
        .skip(1)
        .map(|s| s[..s.find(['"', '#']).unwrap()].to_string())
        .collect()
}

#[tokio::test]
async fn search_matches_with_and_without_diacritics() {
    let (app, _dir) = search_app().await;

    for q in ["dien+thoai", "điện+thoại", "DIEN+THOAI"] {
        let ids = result_ids(&app.page(&format!("/search?q={q}")).await);
        assert!(
            ids.contains(&"thanh-toan-qr".to_string()) && ids.contains(&"dang-ky".to_string()),
            "{q}: {ids:?}"
        );
        assert!(
            !ids.contains(&"goi-dien".to_string()),
            "{q}: `điện thoại` is not in goi-dien: {ids:?}"
        );
    }
    let ids = result_ids(&app.page("/search?q=dang+ky").await);
    assert_eq!(
        ids.first().map(String::as_str),
        Some("dang-ky"),
        "đ folds to d"
    );
}

#[tokio::test]
async fn title_matches_rank_above_body_matches_and_snippets_highlight() {
    let (app, _dir) = search_app().await;

    let html = app.page("/search?q=thanh+toan").await;
    let ids = result_ids(&html);
    assert_eq!(
        ids,
        vec!["thanh-toan-qr".to_string(), "goi-dien".to_string()],
        "title match first"
    );
    assert!(html.contains("<mark>"), "matches are highlighted");
    assert!(
        html.contains("<mark>Thanh toán</mark>") || html.contains("<mark>Thanh</mark>"),
        "{html}"
    );
}

#[tokio::test]
async fn empty_odd_and_hostile_queries_are_handled() {
    let (app, _dir) = search_app().await;

    let html = app.page("/search").await;
    assert!(
        html.contains(r#"<form method="get" action="/search""#),
        "a plain GET form"
    );
    assert!(result_ids(&html).is_empty());
    let long = "a".repeat(5000);
    for q in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "((((",
        "%22%27%3B--",
        long.as_str(),
        "khongcotu",
    ] {
        let response = app.get(&format!("/search?q={q}")).await;
        assert_eq!(response.status(), 200, "{q}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("<script>alert"), "query is escaped");
    }
}

async fn search_works_on_the_bundled_handbook(app: TestApp) {
    let html = app.page("/search?q=ma+otp").await;

    let results = html
        .split(r#"<ol class="search-results">"#)
        .nth(1)
        .expect("results for `ma otp`");
    assert!(
        results.contains("/courses/thanh-toan-khong-tien-mat/"),
        "the payments course teaches OTP"
    );
    assert!(
        results.to_lowercase().contains("<mark>otp</mark>"),
        "OTP is highlighted"
    );
}

on_both_databases!(search_works_on_the_bundled_handbook);
