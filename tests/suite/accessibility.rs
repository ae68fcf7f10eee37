//! axe-core (WCAG 2.x A and AA rules) in Chromium at 360×740, JavaScript on
//! and off, normal and large text, on the pages each role opens: zero
//! violations.

use fantoccini::Locator;
use hocvu_tests::{add_user, artefact_dir, browser::Browser, sign_in_as, Backend, TestApp};

/// The pinned axe-core that `.ci/do` installs from npm.
pub(crate) fn axe_source() -> String {
    let path = std::env::var("AXE_JS").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/hocvu-tools/node_modules/axe-core/axe.min.js")
    });
    std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{path} is missing: run `./.ci/do tools`"))
}

/// Violations on the page in the browser now, one line each.
pub(crate) async fn violations(browser: &Browser, axe: &str) -> Vec<String> {
    browser
        .client
        .execute(axe, vec![])
        .await
        .expect("inject axe");
    let found = browser
        .client
        .execute(
            "return axe.run(document, { runOnly: { type: 'tag', values: \
               ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })\
             .then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + \
               v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))",
            vec![],
        )
        .await
        .expect("run axe");
    serde_json::from_value(found).unwrap_or_default()
}

/// A screenshot of the first screen, for people to look at (both text
/// sizes, every page checked).
async fn shot(browser: &Browser, who: &str, path: &str) {
    let name: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    browser
        .screenshot(&artefact_dir().join(format!("page-{who}{name}.png")))
        .await;
}

/// Someone who opens pages: with which session, and which pages.
struct Visitor {
    who: &'static str,
    session: Option<String>,
    pages: Vec<String>,
}

/// A learner's first quiz, answered with the first choice of each question
/// through the form, as a browser sends it: the result page's address.
async fn a_result_page(learner: &hocvu_tests::Agent, quiz: &str) -> String {
    let page = learner.page(quiz).await;
    let (hidden, questions) = crate::quiz::parse_form(&page);
    let mut form: Vec<(String, String)> = hidden.into_iter().collect();
    for q in questions {
        let (kind, value, _) = q.inputs[0].clone();
        let value = if kind == "text" {
            "x".to_string()
        } else {
            value
        };
        form.push((format!("a_{}", q.id), value));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let sent = learner.post_form(quiz, &form).await;
    hocvu_tests::location_of(&sent)
}

/// axe on every page, for every role, with JavaScript on and off, at
/// normal and large text: zero violations. (Off: the page is loaded with
/// script execution disabled, so none of its scripts ran; axe is injected
/// afterwards, into that DOM.)
#[tokio::test]
async fn pages_have_no_accessibility_violations() {
    let axe = axe_source();
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // Each signed in on their own (a sign-in ends the client's earlier session).
    let session = |cookie: String| Some(cookie.trim_start_matches("hocvu_session=").to_string());
    let course = "/courses/thanh-toan-khong-tien-mat";
    let chapter = format!("{course}/ma-otp");
    let learner = add_user(&app, "hoc.vien", "Học Viên", "learner").await;
    learner
        .mark_read("thanh-toan-khong-tien-mat", "ma-otp")
        .await;
    let result = a_result_page(&learner, &format!("{chapter}/quiz")).await;
    let visitors = [
        Visitor {
            who: "resident",
            session: None,
            pages: [
                "/",
                "/courses",
                course,
                &chapter,
                &format!("{chapter}/quiz"),
                "/search?q=otp",
                "/signin",
                "/signup",
                "/reset",
                "/me",
                "/offline",
                "/offline?saved=quiz",
                "/khong-co-trang-nay",
            ]
            .map(str::to_string)
            .to_vec(),
        },
        Visitor {
            who: "learner",
            session: learner.cookie.clone().and_then(&session),
            pages: vec![
                "/me".into(),
                course.into(),
                format!("{chapter}?read=1"),
                result,
                // Not theirs: the forbidden page is checked too.
                "/content/status".into(),
            ],
        },
        Visitor {
            who: "trainer",
            session: add_user(&app, "giangvien", "Giảng Viên", "trainer")
                .await
                .cookie
                .and_then(&session),
            pages: [
                "/content",
                "/content/status",
                "/content/history",
                "/content/edit?file=thanh-toan-khong-tien-mat/03-ma-otp.md",
                "/courses/thanh-toan-khong-tien-mat/stats",
            ]
            .map(str::to_string)
            .to_vec(),
        },
        Visitor {
            who: "supervisor",
            session: add_user(&app, "giamsat", "Giám Sát", "supervisor")
                .await
                .cookie
                .and_then(&session),
            pages: ["/reports", "/reports/overdue", "/assignments", "/me"]
                .map(str::to_string)
                .to_vec(),
        },
        Visitor {
            who: "admin",
            session: add_user(&app, "quantri", "Quản Trị", "admin")
                .await
                .cookie
                .and_then(&session),
            pages: [
                "/admin/users",
                "/admin/units",
                "/admin/officials",
                "/assignments",
                "/reports",
                "/reports/overdue",
            ]
            .map(str::to_string)
            .to_vec(),
        },
    ];
    let browser = Browser::phone(true).await;
    let mut wrong = Vec::new();
    for size in ["0", "2"] {
        for visitor in &visitors {
            browser.client.goto(&app.url("/")).await.unwrap();
            browser.client.delete_all_cookies().await.unwrap();
            browser.set_cookie(&app.origin(), "textsize", size).await;
            if let Some(token) = &visitor.session {
                browser.use_session(&app.origin(), token).await;
            }
            for javascript in [true, false] {
                for path in &visitor.pages {
                    browser.scripts(javascript).await;
                    browser.client.goto(&app.url(path)).await.unwrap();
                    browser.client.find(Locator::Css("footer")).await.unwrap();
                    browser.scripts(true).await;
                    if javascript && path == course {
                        // Checked as people see it: with the download box.
                        browser
                            .client
                            .wait()
                            .for_element(Locator::Css("[data-offline-course]:not([hidden])"))
                            .await
                            .expect("the download box shows");
                    }
                    let js = if javascript { "js" } else { "no-js" };
                    for v in violations(&browser, &axe).await {
                        wrong.push(format!("text {size} {js} {} {path}: {v}", visitor.who));
                    }
                    if javascript {
                        shot(&browser, &format!("{}-{size}", visitor.who), path).await;
                    }
                }
            }
        }
    }
    browser.close().await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Nothing a learner or an admin reads is under 16 px, and every form field,
/// tab and breadcrumb link is a 48 px target, on a 360 px phone.
#[tokio::test]
async fn text_is_16px_and_targets_48px_on_a_phone() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = sign_in_as(&app, "quantri", "admin").await;
    let browser = Browser::phone(true).await;
    browser.client.goto(&app.url("/")).await.unwrap();
    browser.use_session(&app.origin(), &admin).await;
    let check = "const small = [...document.querySelectorAll('main *, footer *')]\
          .filter(e => e.closest('svg') === null && e.childNodes.length \
            && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) \
            && e.getBoundingClientRect().height > 0 \
            && parseFloat(getComputedStyle(e).fontSize) < 16)\
          .map(e => e.tagName + '.' + e.className + ' ' + getComputedStyle(e).fontSize);\
        const low = [...document.querySelectorAll(\
            'main input:not([type=hidden]):not([type=radio]):not([type=checkbox]), main select, \
             main button, .tabs a, .breadcrumb a, .filter a, header button, header summary')]\
          .filter(e => e.getBoundingClientRect().height > 0 && e.getBoundingClientRect().height < 48)\
          .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().height) + 'px');\
        return small.concat(low);";
    let mut wrong = Vec::new();
    for path in [
        "/courses/thanh-toan-khong-tien-mat",
        "/courses/thanh-toan-khong-tien-mat/ma-otp",
        "/me",
        "/assignments",
        "/admin/units",
        "/admin/officials",
        "/reports",
    ] {
        browser.client.goto(&app.url(path)).await.unwrap();
        let found = browser.client.execute(check, vec![]).await.unwrap();
        let found: Vec<String> = serde_json::from_value(found).unwrap_or_default();
        wrong.extend(found.into_iter().map(|f| format!("{path}: {f}")));
    }
    browser.close().await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The trainer's edit page, a draft's check and its preview on a phone:
/// axe finds nothing, nothing is wider than the screen, the text box and
/// the button fit, and the preview says it is one. Screenshots are saved.
#[tokio::test]
async fn publishing_pages_work_on_a_phone() {
    let axe = axe_source();
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let trainer = hocvu_tests::add_user(&app, "giangvien", "Cô Lan", "trainer").await;
    let file = "thanh-toan-khong-tien-mat/03-ma-otp.md";
    let edit = format!("/content/edit?file={file}");
    let opened = trainer.page(&edit).await;
    let base = hocvu_tests::attribute_of(
        &opened,
        "<input type=\"hidden\" name=\"base_hash\"",
        "value",
    )
    .unwrap();
    let text = std::fs::read_to_string(hocvu_tests::workspace_root().join("content").join(file))
        .unwrap()
        .replace("minutes = ", "minutes = 1");
    let saved = trainer
        .post_form(
            "/content/edit",
            &[("file", file), ("text", &text), ("base_hash", &base)],
        )
        .await;
    let draft = hocvu_tests::location_of(&saved);
    let preview = format!("{draft}/preview/thanh-toan-khong-tien-mat/ma-otp");

    let browser = Browser::phone(true).await;
    browser.client.goto(&app.url("/")).await.unwrap();
    let cookie = trainer.cookie.clone().unwrap();
    browser.use_session(&app.origin(), &cookie).await;
    let mut wrong = Vec::new();
    for (name, path) in [
        ("edit", edit.as_str()),
        ("draft", &draft),
        ("preview", &preview),
    ] {
        browser.client.goto(&app.url(path)).await.unwrap();
        browser.client.find(Locator::Css("footer")).await.unwrap();
        browser
            .screenshot(&hocvu_tests::artefact_dir().join(format!("content-{name}-360.png")))
            .await;
        for v in violations(&browser, &axe).await {
            wrong.push(format!("{path}: {v}"));
        }
        let wide = browser
            .client
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth",
                vec![],
            )
            .await
            .unwrap();
        if wide.as_bool() != Some(false) {
            wrong.push(format!("{path}: wider than the screen"));
        }
    }
    browser.client.goto(&app.url(&preview)).await.unwrap();
    let banner = browser
        .client
        .find(Locator::Css(".preview-banner"))
        .await
        .unwrap();
    let top = banner.rectangle().await.unwrap().1;
    assert!(
        top < 740.0,
        "the preview banner is on the first screen ({top} px)"
    );
    browser.close().await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
