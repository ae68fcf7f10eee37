//! Server-rendered pages: languages, 404, the language switch.

use hocvu_tests::{attribute_of, TestApp};

async fn home_page_is_vietnamese_by_default(app: TestApp) {
    let html = app.page("/").await;

    assert_eq!(attribute_of(&html, "<html", "lang").as_deref(), Some("vi"));
    assert!(html.contains("<h1"), "home has a main heading");
    assert!(html.contains("Trang chủ"), "Vietnamese navigation");
    assert!(
        !html.contains(">Home<"),
        "no English navigation on the Vietnamese page"
    );
}

async fn choosing_english_is_remembered_across_pages(app: TestApp) {
    let response = app.post_form("/lang", &[("to", "en"), ("back", "/")]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/");

    let html = app.page("/").await;
    assert_eq!(attribute_of(&html, "<html", "lang").as_deref(), Some("en"));
    assert!(html.contains(">Home<"), "English navigation");
    assert!(!html.contains("Trang chủ"));

    // And back again.
    app.post_form("/lang", &[("to", "vi"), ("back", "/")]).await;
    let html = app.page("/").await;
    assert_eq!(attribute_of(&html, "<html", "lang").as_deref(), Some("vi"));
}

async fn language_switch_never_redirects_off_site(app: TestApp) {
    for back in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
    ] {
        let response = app
            .post_form("/lang", &[("to", "en"), ("back", back)])
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/", "back={back}");
    }
}

async fn unknown_language_is_a_clear_400(app: TestApp) {
    let response = app.post_form("/lang", &[("to", "xx")]).await;

    assert_eq!(response.status(), 400);
}

async fn form_post_from_another_site_is_refused(app: TestApp) {
    let response = app
        .client
        .post(app.url("/lang"))
        .header("Origin", "https://evil.example")
        .form(&[("to", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("set-cookie").is_none());

    let response = app
        .client
        .post(app.url("/lang"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("to", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

async fn unknown_path_is_a_404_page_in_the_site_layout(app: TestApp) {
    let response = app.get("/khong-co-trang-nay").await;

    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert_eq!(attribute_of(&html, "<html", "lang").as_deref(), Some("vi"));
    assert!(html.contains("Không tìm thấy trang"));
    assert!(html.contains(r#"href="/""#), "a way back home");
}

async fn oversized_request_body_is_refused(app: TestApp) {
    let huge = "x".repeat(2 * 1024 * 1024);
    let form = [
        ("to".to_string(), "en".to_string()),
        ("back".to_string(), huge),
    ];

    app.assert_oversized_refused("/lang", &form).await;
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "the server carries on"
    );
}

hocvu_tests::on_both_databases!(
    home_page_is_vietnamese_by_default,
    choosing_english_is_remembered_across_pages,
    language_switch_never_redirects_off_site,
    unknown_language_is_a_clear_400,
    form_post_from_another_site_is_refused,
    unknown_path_is_a_404_page_in_the_site_layout,
    oversized_request_body_is_refused,
);
