//! What a person sees on a phone-sized screen, in a real Chromium.

use fantoccini::Locator;
use hocvu_tests::{artefact_dir, browser::Browser, Agent, Backend, TestApp};

#[tokio::test]
async fn home_page_reads_on_a_phone_without_javascript() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let browser = Browser::phone(false).await;

    browser.goto(&app.url("/")).await;

    let title = browser.client.find(Locator::Css("h1")).await.unwrap();
    assert!(title.is_displayed().await.unwrap());
    assert!(!title.text().await.unwrap().trim().is_empty());
    let brand = browser
        .client
        .find(Locator::Css(".brand-name"))
        .await
        .unwrap();
    assert_eq!(brand.text().await.unwrap(), "Hocvu");
    // Without JavaScript the one text-size control, "Chữ lớn", is there.
    let big_text = browser
        .client
        .find(Locator::Css(".big-text button"))
        .await
        .unwrap();
    assert!(big_text.is_displayed().await.unwrap());

    browser
        .screenshot(&artefact_dir().join("home-360-nojs.png"))
        .await;
    browser.close().await;
}

/// Pages without an island load no JavaScript runtime or WASM at all; a
/// quiz page loads them, and its island hydrates under the CSP.
#[tokio::test]
async fn only_pages_with_an_island_load_the_wasm() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let browser = Browser::phone(true).await;
    let wasm_loaded = "return performance.getEntriesByType('resource')\
        .filter(e => e.name.includes('/pkg/') && /\\.(wasm|js)$/.test(e.name)).length";
    for path in ["/", "/courses", "/courses/thanh-toan-khong-tien-mat"] {
        browser.goto(&app.url(path)).await;
        let loaded = browser.client.execute(wasm_loaded, vec![]).await.unwrap();
        assert_eq!(loaded, 0, "{path} loaded the islands runtime");
        assert_eq!(
            browser
                .client
                .find_all(Locator::Css("script[type=module]"))
                .await
                .unwrap()
                .len(),
            0,
            "{path} has a hydration script"
        );
    }
    browser
        .goto(&app.url("/courses/thanh-toan-khong-tien-mat/ma-otp/quiz"))
        .await;
    browser.wait_for(".quiz-island[data-ready]").await;
    let loaded = browser.client.execute(wasm_loaded, vec![]).await.unwrap();
    assert!(
        loaded.as_i64().unwrap_or(0) >= 1,
        "the quiz page loads the islands"
    );
    // The island hydrated under the Content-Security-Policy; nothing it
    // loads was blocked (browsers report violations to /csp-report).
    let violations = browser
        .client
        .execute(
            "return performance.getEntriesByType('resource')\
               .filter(e => e.name.includes('/csp-report')).length",
            vec![],
        )
        .await
        .unwrap();
    browser.close().await;
    assert_eq!(violations, 0);
    assert!(
        !app.log().contains("content security policy violation"),
        "{}",
        app.log()
    );
}

/// Course, chapter and search pages read on a phone with JavaScript off:
/// title visible, nothing wider than the screen, screenshots for people.
#[tokio::test]
async fn handbook_pages_read_on_a_phone_without_javascript() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let browser = Browser::phone(false).await;
    let pages = [
        ("/courses", "courses"),
        ("/courses/thanh-toan-khong-tien-mat", "course"),
        ("/courses/thanh-toan-khong-tien-mat/ma-otp", "chapter"),
        (
            "/courses/nhan-dien-lua-dao/gia-danh-cong-an",
            "chapter-table",
        ),
        ("/search?q=dich+vu+cong", "search"),
    ];
    for (path, name) in pages {
        browser.goto(&app.url(path)).await;
        let h1 = browser.client.find(Locator::Css("h1")).await.unwrap();
        assert!(h1.is_displayed().await.unwrap(), "{path}: title visible");
        browser
            .screenshot(&artefact_dir().join(format!("{name}-360-nojs.png")))
            .await;
    }
    browser.close().await;

    // Layout does not depend on script: measure widths with it on.
    let browser = Browser::phone(true).await;
    for (path, _) in pages {
        browser.goto(&app.url(path)).await;
        assert_fits_the_screen(&browser, path).await;
    }
    // The chapter's previous/next navigation is reachable at the bottom.
    browser
        .client
        .goto(&app.url("/courses/thanh-toan-khong-tien-mat/ma-otp"))
        .await
        .unwrap();
    browser.click(".pager a[rel=next]").await;
    let url = browser.client.current_url().await.unwrap();
    assert!(
        url.path()
            .starts_with("/courses/thanh-toan-khong-tien-mat/"),
        "{url}"
    );
    assert_ne!(url.path(), "/courses/thanh-toan-khong-tien-mat/ma-otp");
    browser.close().await;
}

/// Nothing on the page is wider than the phone's 360 px screen.
async fn assert_fits_the_screen(browser: &Browser, path: &str) {
    let (_, _, width, _) = browser
        .client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .rectangle()
        .await
        .unwrap();
    assert!(width <= 360.0, "{path}: main is {width} px wide");
    for table in browser
        .client
        .find_all(Locator::Css("main table"))
        .await
        .unwrap()
    {
        let (x, _, w, _) = table.rectangle().await.unwrap();
        assert!(x + w <= 361.0, "{path}: a table sticks out ({x} + {w})");
    }
}

/// At 360 px the header takes at most a fifth of the first screen for every
/// role and text size, and "Chữ lớn" works as a plain form.
#[tokio::test]
async fn the_header_leaves_the_first_screen_to_the_page() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = hocvu_tests::sign_in_as(&app, "quantri", "admin").await;
    let admin = admin.trim_start_matches("hocvu_session=").to_string();

    // Without JavaScript: the switch is a form that sets the cookie.
    let switched = Agent::anonymous(&app)
        .post_form_from(
            &app.origin(),
            "/text-size",
            &[("level", "2"), ("back", "/courses")],
        )
        .await;
    assert_eq!(switched.status(), 303);
    assert_eq!(switched.headers()["location"], "/courses");
    let cookie = switched.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("textsize=2;"), "{cookie}");
    let large = Agent::following_redirects(&app)
        .get_with("/courses", &[("cookie", "textsize=2")])
        .await
        .text()
        .await
        .expect("body");
    assert!(large.contains(r#"data-text-size="2""#));
    assert!(
        large.contains(r#"aria-pressed="true""#),
        "the switch shows it is on"
    );

    let browser = Browser::phone(true).await;
    let mut worst = Vec::new();
    for (who, session) in [("guest", None), ("admin", Some(admin.as_str()))] {
        for size in ["0", "2"] {
            browser.client.goto(&app.url("/")).await.unwrap();
            browser.set_cookie(&app.origin(), "textsize", size).await;
            if let Some(token) = session {
                browser.use_session(&app.origin(), token).await;
            }
            browser
                .client
                .goto(&app.url("/courses/thanh-toan-khong-tien-mat/ma-otp"))
                .await
                .unwrap();
            let header = browser
                .client
                .find(Locator::Css(".site-header"))
                .await
                .unwrap();
            let (_, top, _, height) = header.rectangle().await.unwrap();
            worst.push((who, size, top + height));
            browser
                .screenshot(&artefact_dir().join(format!("chapter-360-{who}-text{size}.png")))
                .await;
            browser.client.delete_all_cookies().await.unwrap();
        }
    }
    browser.close().await;
    for (who, size, bottom) in &worst {
        assert!(
            *bottom <= 148.0,
            "{who}, text size {size}: header ends at {bottom}px"
        );
    }
}
