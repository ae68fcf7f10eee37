//! Spot the scam (`.spot`): a message shown part by part on a phone screen,
//! each part a checkbox (no JavaScript needed), graded on the server like
//! `.multiple`, with an explanation per sign after submission only.

use hocvu_tests::{chapter, content_fixture, course_toml, on_both_databases, TestApp};

use crate::quiz::{answers, parse_form};

const QUIZ: &str = "/courses/s/bai-a/quiz";
const SIGN_FEE: &str = "DAU-HIEU-PHI-7c1d";
const SIGN_LINK: &str = "DAU-HIEU-LINK-93ab";
const HARMLESS: &str = "BINH-THUONG-2f60";
const PARTS: [&str; 4] = [
    "GHN: Don hang 58213 da den kho",
    "Phi phat lai 15.000d",
    "Cap nhat tai ghn-vn.top/cap-nhat",
    "Tran trong cam on",
];

fn spot_content() -> tempfile::TempDir {
    let quiz = format!(
        "## Tin nhắn này có những dấu hiệu lừa đảo nào? {{#giao-hang .spot}}\n\n\
Tin nhắn SMS từ số 0931 208 555:\n\n\
- [ ] {}\n  > {HARMLESS}\n\
- [x] {}\n  > {SIGN_FEE}\n\
- [x] {}\n  > {SIGN_LINK}\n\
- [ ] {}\n\n\
> Tin giả.\n\n\
## Nên làm gì? {{#lam-gi}}\n\n- [x] Xóa tin\n- [ ] Bấm xem thử\n- [ ] Trả phí cho nhanh\n",
        PARTS[0], PARTS[1], PARTS[2], PARTS[3]
    );
    content_fixture(&[
        ("s/course.toml", &course_toml("Khóa S", "all", &["01-a.md"])),
        ("s/01-a.md", &chapter("bai-a", "Bài A", "Nội dung bài A.")),
        ("s/01-a.quiz.md", &quiz),
    ])
}

async fn post(app: &TestApp, fields: &[(String, String)]) -> String {
    let response = app.post_fields(QUIZ, fields).await;
    assert_eq!(response.status(), 303);
    response.headers()["location"].to_str().unwrap().to_string()
}

async fn the_message_is_a_checkbox_list_of_its_parts_graded_like_multiple(app: TestApp) {
    let page = app.page(QUIZ).await;
    assert!(page.contains("class=\"phone-screen\""), "a phone screen");
    for secret in [SIGN_FEE, SIGN_LINK, HARMLESS, "Tin giả"] {
        assert!(!page.contains(secret), "{secret} before submission");
    }
    let (hidden, questions) = parse_form(&page);
    let spot = questions.iter().find(|q| q.id == "giao-hang").unwrap();
    let shown: Vec<(&str, &str)> = spot
        .inputs
        .iter()
        .map(|(kind, _, label)| (kind.as_str(), label.as_str()))
        .collect();
    assert_eq!(
        shown,
        PARTS.iter().map(|p| ("checkbox", *p)).collect::<Vec<_>>(),
        "every part, in the message's order, as a checkbox"
    );

    // Both signs and nothing else: right.
    let fields = answers(&hidden, &questions, &[PARTS[1], PARTS[2], "Xóa tin"], "");
    let result = app.page(&post(&app, &fields).await).await;
    assert!(result.contains("2/2"), "graded like .multiple");
    assert!(result.contains(SIGN_FEE) && result.contains(SIGN_LINK));
    assert!(
        !result.contains(HARMLESS),
        "no note for an untouched harmless part"
    );

    // One sign missed, a harmless part ticked: wrong, and every sign is
    // still explained, with why the ticked part is harmless.
    let (hidden, questions) = parse_form(&app.page(QUIZ).await);
    let fields = answers(&hidden, &questions, &[PARTS[0], PARTS[1], "Xóa tin"], "");
    let result = app.page(&post(&app, &fields).await).await;
    assert!(result.contains("1/2"), "{result}");
    for note in [SIGN_FEE, SIGN_LINK, HARMLESS] {
        assert!(result.contains(note), "{note} after submission");
    }

    // Ticking nothing is an answer (a wrong one), not a missing one.
    let (hidden, questions) = parse_form(&app.page(QUIZ).await);
    let fields = answers(&hidden, &questions, &["Xóa tin"], "");
    let location = post(&app, &fields).await;
    assert!(location.contains("/result/3"), "{location}");
}

on_both_databases!(
    spot on spot_content:
    the_message_is_a_checkbox_list_of_its_parts_graded_like_multiple,
);
