//! Quizzes from the learner's side: taking one without JavaScript, grading
//! on the server only, no answer in anything sent before submission.

use std::collections::HashMap;

use hocvu_tests::{chapter, content_fixture, course_toml, on_both_databases, Agent, TestApp};
use reqwest::Method;

/// Unique strings that may appear only after an attempt is submitted.
const SECRET_EXPLANATION: &str = "GIAI-THICH-7f3a9c";
const SECRET_OPTION_NOTE: &str = "GHI-CHU-55aa01";
const SECRET_TEXT_ANSWER: &str = "mật khẩu mạnh 8d1e";
const SECRET_FINAL_EXPLANATION: &str = "CUOI-KHOA-19c2be";

/// A course with one chapter quiz using every question type, and a final test.
fn quiz_content(max_attempts: u32) -> tempfile::TempDir {
    let quiz = format!(
        "+++\npass_percent = 75\nmax_attempts = {max_attempts}\n+++\n\n\
## Ngân hàng có gọi điện hỏi mã OTP không? {{#otp}}\n\n\
- [x] Không bao giờ\n- [ ] Có, khi cần xác minh\n  > {SECRET_OPTION_NOTE}\n- [ ] Chỉ vào cuối tuần\n\n> {SECRET_EXPLANATION}\n\n\
## Những việc nào giúp bảo vệ tài khoản? {{#bao-ve .multiple}}\n\n\
- [x] Bật xác thực hai lớp\n- [x] Dùng mật khẩu khác nhau\n- [ ] Gửi mật khẩu cho người thân\n\n> Cả hai việc đầu.\n\n\
## Có thể đọc mã OTP cho người lạ. {{#doc-otp .true-false}}\n\n- [ ] Đúng\n- [x] Sai\n\n> Không bao giờ.\n\n\
## Gõ cụm từ ghi trong bài {{#cum-tu .text .no-diacritics}}\n\n- = {SECRET_TEXT_ANSWER}\n\n> Xem lại bài.\n"
    );
    let final_test = format!(
        "+++\ndraw = 2\n+++\n\n## Câu một {{#mot}}\n\n- [x] A1\n- [ ] B1\n\n> {SECRET_FINAL_EXPLANATION}\n\n\
## Câu hai {{#hai}}\n\n- [x] A2\n- [ ] B2\n\n> {SECRET_FINAL_EXPLANATION}\n\n\
## Câu ba {{#ba}}\n\n- [x] A3\n- [ ] B3\n\n> {SECRET_FINAL_EXPLANATION}\n\n\
## Câu bốn {{#bon}}\n\n- [x] A4\n- [ ] B4\n\n> {SECRET_FINAL_EXPLANATION}\n"
    );
    content_fixture(&[
        (
            "k/course.toml",
            &course_toml("Khóa kiểm tra", "all", &["01-a.md", "02-b.md"]),
        ),
        ("k/01-a.md", &chapter("bai-a", "Bài A", "Nội dung bài A.")),
        ("k/01-a.quiz.md", &quiz),
        ("k/02-b.md", &chapter("bai-b", "Bài B", "Nội dung bài B.")),
        ("k/final.quiz.md", &final_test),
    ])
}

/// One question of the form as a browser sees it.
#[derive(Debug)]
pub(crate) struct FormQuestion {
    pub(crate) id: String,
    /// (input type, value, label text)
    pub(crate) inputs: Vec<(String, String, String)>,
}

/// Reads the quiz form: hidden fields and questions with their options.
pub(crate) fn parse_form(html: &str) -> (HashMap<String, String>, Vec<FormQuestion>) {
    let mut hidden = HashMap::new();
    for name in ["attempt", "version", "guest_pass"] {
        let marker = format!(r#"name="{name}" value=""#);
        if let Some(rest) = html.split(&marker).nth(1) {
            hidden.insert(
                name.to_string(),
                rest[..rest.find('"').unwrap()].to_string(),
            );
        }
    }
    let mut questions = Vec::new();
    for part in html.split("<fieldset ").skip(1) {
        let part = &part[..part.find("</fieldset>").unwrap()];
        if !part[..part.find('>').unwrap()].contains("question") {
            continue;
        }
        let id = part
            .split(r#"id="q-"#)
            .nth(1)
            .map(|s| s[..s.find('"').unwrap()].to_string())
            .unwrap();
        let mut inputs = Vec::new();
        for label in part.split("<label").skip(1) {
            let Some(input) = label.split("<input ").nth(1) else {
                continue;
            };
            let attr = |name: &str| {
                input
                    .split(&format!("{name}=\""))
                    .nth(1)
                    .map(|s| s[..s.find('"').unwrap()].to_string())
                    .unwrap_or_default()
            };
            let text = label
                .split("<span>")
                .nth(1)
                .map(strip_tags)
                .unwrap_or_default();
            inputs.push((attr("type"), attr("value"), text));
        }
        if inputs.is_empty() {
            inputs.push(("text".into(), String::new(), String::new()));
        }
        questions.push(FormQuestion { id, inputs });
    }
    (hidden, questions)
}

fn strip_tags(s: &str) -> String {
    let s = &s[..s.find("</span>").unwrap_or(s.len())];
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// Form fields answering with the options whose label is in `pick`, and
/// `typed` for text questions.
pub(crate) fn answers(
    hidden: &HashMap<String, String>,
    questions: &[FormQuestion],
    pick: &[&str],
    typed: &str,
) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> =
        hidden.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for q in questions {
        for (kind, value, label) in &q.inputs {
            if kind == "text" {
                fields.push((format!("a_{}", q.id), typed.to_string()));
            } else if pick.contains(&label.as_str()) {
                fields.push((format!("a_{}", q.id), value.clone()));
            }
        }
    }
    fields
}

const ALL_RIGHT: &[&str] = &[
    "Không bao giờ",
    "Bật xác thực hai lớp",
    "Dùng mật khẩu khác nhau",
    "Sai",
];

const QUIZ: &str = "/courses/k/bai-a/quiz";

async fn nothing_sent_before_submission_reveals_an_answer(app: TestApp) {
    // Everything a learner's browser receives on the way to submitting.
    let mut seen = String::new();
    for path in [
        "/courses/k",
        "/courses/k/bai-a",
        QUIZ,
        QUIZ,
        "/courses/k/test",
        "/search?q=mat+khau",
    ] {
        let response = app.get(path).await;
        seen.push_str(&format!("{:?}", response.headers()));
        seen.push_str(&response.text().await.unwrap());
    }
    let home = app.page("/").await;
    for asset in home.split("href=\"/pkg/").skip(1) {
        let url = format!("/pkg/{}", &asset[..asset.find('"').unwrap()]);
        seen.push_str(&String::from_utf8_lossy(
            &app.get(&url).await.bytes().await.unwrap(),
        ));
    }
    for secret in [
        SECRET_EXPLANATION,
        SECRET_OPTION_NOTE,
        SECRET_TEXT_ANSWER,
        SECRET_FINAL_EXPLANATION,
        "Cả hai việc đầu",
    ] {
        assert!(
            !seen.contains(secret),
            "`{secret}` leaked before submission"
        );
    }
    // Option values are opaque per attempt: never the authored ids a, b, c.
    let (hidden, questions) = parse_form(&app.page(QUIZ).await);
    for q in &questions {
        for (kind, value, _) in &q.inputs {
            if kind != "text" {
                assert!(value.len() >= 8, "opaque option id, got `{value}`");
            }
        }
    }
    assert!(!hidden.contains_key("correct") && !hidden.contains_key("score"));

    // After submitting, the explanations are there: the markers were real.
    let response = app
        .post_fields(
            QUIZ,
            &answers(
                &hidden,
                &questions,
                &["Có, khi cần xác minh", "Đúng"],
                "sai",
            ),
        )
        .await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(!location.contains(SECRET_TEXT_ANSWER));
    let result = app.page(&location).await;
    assert!(result.contains(SECRET_EXPLANATION) && result.contains(SECRET_OPTION_NOTE));
    assert!(
        result.contains(SECRET_TEXT_ANSWER),
        "the expected text answer is shown after submission"
    );
}

async fn every_question_type_is_graded_on_the_server(app: TestApp) {
    // All right, the text answer typed without diacritics (`.no-diacritics`)
    // and with odd spacing and case.
    let (hidden, questions) = parse_form(&app.page(QUIZ).await);
    assert_eq!(questions.len(), 4);
    let mut fields = answers(&hidden, &questions, ALL_RIGHT, "  MAT khau   manh 8D1E ");
    // Whatever the client claims is ignored.
    fields.push(("score".into(), "0".into()));
    fields.push(("passed".into(), "0".into()));
    let response = app.post_fields(QUIZ, &fields).await;
    assert_eq!(response.status(), 303);
    let result = app
        .page(response.headers()["location"].to_str().unwrap())
        .await;
    assert!(
        result.contains("4/4") && result.contains("100%"),
        "{result}"
    );
    assert!(score_class(&result).contains("passed"));

    // Second attempt: multiple choice with only one of two right options is
    // wrong (no partial credit); an unknown option id is wrong, not an error.
    let (hidden, questions) = parse_form(&app.page(QUIZ).await);
    assert_eq!(hidden["attempt"], "2");
    let mut fields = answers(
        &hidden,
        &questions,
        &["Bật xác thực hai lớp", "Sai"],
        "mật khẩu mạnh 8d1e",
    );
    fields.push(("a_otp".into(), "khong-co-lua-chon-nay".into()));
    let response = app.post_fields(QUIZ, &fields).await;
    assert_eq!(response.status(), 303);
    let result = app
        .page(response.headers()["location"].to_str().unwrap())
        .await;
    assert!(result.contains("2/4") && result.contains("50%"), "{result}");
    assert!(score_class(&result).contains("failed"), "75% needed");
}

/// The class list of the score box on a result page.
fn score_class(html: &str) -> String {
    let start = html.find(r#"class="score"#).expect("score box") + 7;
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

async fn a_double_submission_stores_one_attempt(app: TestApp) {
    let (hidden, questions) = parse_form(&app.page(QUIZ).await);
    let fields = answers(&hidden, &questions, ALL_RIGHT, "mật khẩu mạnh 8d1e");

    let (a, b) = tokio::join!(
        app.post_fields(QUIZ, &fields),
        app.post_fields(QUIZ, &fields)
    );

    assert_eq!(a.status(), 303);
    assert_eq!(b.status(), 303);
    assert_eq!(
        a.headers()["location"],
        b.headers()["location"],
        "both show the one result"
    );
    let third = app.post_fields(QUIZ, &fields).await;
    assert_eq!(third.headers()["location"], a.headers()["location"]);
    assert_eq!(count_attempts(&app).await, 1);
    // The next form is attempt 2.
    assert_eq!(parse_form(&app.page(QUIZ).await).0["attempt"], "2");
}

async fn count_attempts(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM quiz_attempts").await
}

async fn shuffle_is_fixed_per_attempt_and_new_for_the_next(app: TestApp) {
    let first = parse_form(&app.page(QUIZ).await).1;
    let reload = parse_form(&app.page(QUIZ).await).1;
    let values = |qs: &[FormQuestion]| -> Vec<Vec<String>> {
        qs.iter()
            .map(|q| q.inputs.iter().map(|i| i.1.clone()).collect())
            .collect()
    };
    assert_eq!(
        values(&first),
        values(&reload),
        "reloading keeps the order and ids"
    );

    let (hidden, questions) = parse_form(&app.page(QUIZ).await);
    app.post_fields(QUIZ, &answers(&hidden, &questions, ALL_RIGHT, "x"))
        .await;
    let next = parse_form(&app.page(QUIZ).await).1;
    assert_ne!(
        values(&first),
        values(&next),
        "a new attempt gets new option ids"
    );
    // Another learner (another device) gets their own.
    let other = Agent::browser(&app);
    let html = other.get(QUIZ).await.text().await.unwrap();
    assert_ne!(values(&parse_form(&html).1), values(&first));
}

async fn an_unanswered_question_returns_to_the_form_with_answers_kept(app: TestApp) {
    let (hidden, questions) = parse_form(&app.page(QUIZ).await);
    // Only the first question answered; true/false and text left empty.
    let fields = answers(&hidden, &questions, &["Không bao giờ"], "");

    let response = app.post_fields(QUIZ, &fields).await;

    assert_eq!(response.status(), 303);
    let back = response.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(QUIZ), "{back}");
    let html = app.page(&back).await;
    assert!(html.contains(r#"role="alert""#), "the error is announced");
    let chosen = questions[0]
        .inputs
        .iter()
        .find(|i| i.2 == "Không bao giờ")
        .unwrap()
        .1
        .clone();
    let input = html.split(&format!(r#"value="{chosen}""#)).nth(1).unwrap();
    assert!(
        input[..input.find('>').unwrap()].contains("checked"),
        "the first answer is still chosen"
    );
    assert_eq!(count_attempts(&app).await, 0, "nothing stored");
}

async fn attempt_limits_are_enforced_on_the_server(app: TestApp) {
    let (hidden, questions) = parse_form(&app.page(QUIZ).await);
    let fields = answers(&hidden, &questions, ALL_RIGHT, "x");
    assert_eq!(app.post_fields(QUIZ, &fields).await.status(), 303);

    let page = app.page(QUIZ).await;
    assert!(
        !page.contains("name=\"attempt\""),
        "no form once the limit is reached"
    );
    let mut next = fields.clone();
    for (k, v) in next.iter_mut() {
        if k == "attempt" {
            *v = "2".into();
        }
    }
    assert_eq!(app.post_fields(QUIZ, &next).await.status(), 403);
    assert_eq!(count_attempts(&app).await, 1);
}

async fn malformed_and_oversized_submissions_are_clear_4xx_and_store_nothing(app: TestApp) {
    app.page(QUIZ).await;
    let bad = [
        vec![("attempt".to_string(), "abc".to_string())],
        vec![("version".to_string(), "x".to_string())],
        vec![("attempt".to_string(), "-1".to_string())],
    ];
    for fields in bad {
        let status = app.post_fields(QUIZ, &fields).await.status();
        assert_eq!(status, 400, "{fields:?}");
    }
    let huge = vec![
        ("attempt".to_string(), "1".to_string()),
        ("a_otp".to_string(), "x".repeat(600 * 1024)),
    ];
    app.assert_oversized_refused(QUIZ, &huge).await;
    let many: Vec<(String, String)> = (0..2000)
        .map(|i| (format!("a_q{i}"), "x".to_string()))
        .collect();
    assert!(app
        .post_fields(QUIZ, &many)
        .await
        .status()
        .is_client_error());
    let not_a_form = app
        .client
        .post(app.url(QUIZ))
        .header("Origin", app.origin())
        .header("Content-Type", "application/json")
        .body("{\"score\": 100}")
        .send()
        .await
        .unwrap();
    assert!(not_a_form.status().is_client_error());
    assert_eq!(count_attempts(&app).await, 0);
    assert_eq!(app.get("/courses/k/khong-co/quiz").await.status(), 404);
}

async fn a_result_is_visible_only_to_its_learner(app: TestApp) {
    let (hidden, questions) = parse_form(&app.page(QUIZ).await);
    let response = app
        .post_fields(QUIZ, &answers(&hidden, &questions, ALL_RIGHT, "x"))
        .await;
    let result = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(app.get(&result).await.status(), 200);

    let stranger = Agent::following_redirects(&app);
    let response = stranger.get(&result).await;
    assert_eq!(response.status(), 404);
    assert!(!response.text().await.unwrap().contains(SECRET_EXPLANATION));
}

async fn the_final_test_draws_its_questions_from_the_pool(app: TestApp) {
    let html = app.page("/courses/k/test").await;
    let (hidden, questions) = parse_form(&html);
    assert_eq!(questions.len(), 2, "draw = 2 of a pool of 4");
    let fields = answers(&hidden, &questions, &["A1", "A2", "A3", "A4"], "");
    let response = app.post_fields("/courses/k/test", &fields).await;
    assert_eq!(response.status(), 303);
    let result = app
        .page(response.headers()["location"].to_str().unwrap())
        .await;
    assert!(result.contains("2/2"), "graded against the drawn questions");
}

async fn a_quiz_changed_since_the_page_was_shown_asks_to_start_again(app: TestApp) {
    let (mut hidden, questions) = parse_form(&app.page(QUIZ).await);
    hidden.insert("version".into(), "phien-ban-cu".into());
    let response = app
        .post_fields(QUIZ, &answers(&hidden, &questions, ALL_RIGHT, "x"))
        .await;
    assert_eq!(response.status(), 303);
    assert!(response.headers()["location"]
        .to_str()
        .unwrap()
        .contains("updated=1"));
    assert_eq!(count_attempts(&app).await, 0);
}

fn unlimited_quiz() -> tempfile::TempDir {
    quiz_content(0)
}

fn one_attempt_quiz() -> tempfile::TempDir {
    quiz_content(1)
}

on_both_databases!(
    fixture on unlimited_quiz:
    nothing_sent_before_submission_reveals_an_answer,
    every_question_type_is_graded_on_the_server,
    a_double_submission_stores_one_attempt,
    shuffle_is_fixed_per_attempt_and_new_for_the_next,
    an_unanswered_question_returns_to_the_form_with_answers_kept,
    malformed_and_oversized_submissions_are_clear_4xx_and_store_nothing,
    a_result_is_visible_only_to_its_learner,
    the_final_test_draws_its_questions_from_the_pool,
    a_quiz_changed_since_the_page_was_shown_asks_to_start_again,
    trainers_see_per_question_statistics_and_nobody_else_does,
);

on_both_databases!(
    limited on one_attempt_quiz:
    attempt_limits_are_enforced_on_the_server,
);

async fn every_bundled_quiz_renders_a_form(app: TestApp) {
    let catalog = app.page("/courses").await;
    let mut quizzes = 0;
    for course in catalog
        .split("href=\"/courses/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
    {
        if course.contains('?') || course.contains('/') {
            continue;
        }
        let page = app.page(&format!("/courses/{course}")).await;
        for chapter in page
            .split(&format!("href=\"/courses/{course}/"))
            .skip(1)
            .map(|s| s[..s.find('"').unwrap()].to_string())
        {
            if chapter.contains('/') || chapter == "test" {
                continue;
            }
            let html = app.page(&format!("/courses/{course}/{chapter}/quiz")).await;
            let (hidden, questions) = parse_form(&html);
            assert_eq!(
                hidden.get("attempt").map(String::as_str),
                Some("1"),
                "{course}/{chapter}"
            );
            assert!(!questions.is_empty());
            quizzes += 1;
        }
    }
    assert!(quizzes >= 24, "every seed chapter has a quiz ({quizzes})");
}

on_both_databases!(every_bundled_quiz_renders_a_form);

mod in_a_browser {
    use fantoccini::Locator;
    use hocvu_tests::{artefact_dir, browser::Browser, Backend};

    use super::{quiz_content, ALL_RIGHT, QUIZ};

    /// Ticks the options whose label is one of `ALL_RIGHT` and types the
    /// text answer, as a person would.
    async fn answer_everything_right(browser: &Browser) {
        browser.tick_choices(ALL_RIGHT).await;
        let text = browser.find(".quiz input[type=text]").await;
        text.send_keys("mat khau manh 8d1e").await.unwrap();
    }

    /// Without JavaScript the quiz is a plain form: every question and
    /// option visible at 360 px, and the result page readable. (chromedriver
    /// cannot click in a page whose scripts are off, so the answers go in
    /// through HTTP, exactly as the form would send them.)
    #[tokio::test]
    async fn a_quiz_and_its_result_read_on_a_phone_without_javascript() {
        let (app, _dir) =
            hocvu_tests::TestApp::spawn_with_fixture(Backend::Sqlite, quiz_content(0))
                .await
                .unwrap();
        let browser = Browser::phone(false).await;
        browser.goto(&app.url(QUIZ)).await;
        let questions = browser
            .client
            .find_all(Locator::Css("fieldset.question"))
            .await
            .unwrap();
        assert_eq!(questions.len(), 4);
        for label in browser
            .client
            .find_all(Locator::Css("label.choice"))
            .await
            .unwrap()
        {
            assert!(label.is_displayed().await.unwrap());
        }
        let submit = browser
            .client
            .find(Locator::Css(".quiz button[type=submit]"))
            .await
            .unwrap();
        assert!(submit.is_displayed().await.unwrap());
        browser
            .screenshot(&artefact_dir().join("quiz-360-nojs.png"))
            .await;

        // Opening the quiz wrote nothing: the browser holds only a signed
        // guest pass. The same visitor (that pass) answers through the plain
        // form POST; submitting makes the learner and their session.
        let cookies = browser.client.get_all_cookies().await.unwrap();
        assert!(cookies.iter().all(|c| c.name() != "hocvu_session"));
        let pass = cookies
            .iter()
            .find(|c| c.name() == "hocvu_pass")
            .expect("the quiz page hands out a guest pass");
        let pass = format!("hocvu_pass={}", pass.value());
        let html =
            hocvu_tests::text_of(app.client.get(app.url(QUIZ)).header("Cookie", &pass)).await;
        let (hidden, form) = super::parse_form(&html);
        let response = app
            .client
            .post(app.url(QUIZ))
            .header("Origin", app.origin())
            .header("Cookie", &pass)
            .form(&super::answers(
                &hidden,
                &form,
                ALL_RIGHT,
                "mat khau manh 8d1e",
            ))
            .send()
            .await
            .unwrap();
        let result = response.headers()["location"].to_str().unwrap().to_string();
        let session = hocvu_tests::session_cookie_of(&response).expect("a session at submission");
        browser.use_session(&app.origin(), &session).await;

        browser.goto(&app.url(&result)).await;
        let score = browser.client.find(Locator::Css(".score")).await.unwrap();
        assert!(score.is_displayed().await.unwrap());
        assert!(score.text().await.unwrap().contains("4/4"));
        browser
            .screenshot(&artefact_dir().join("quiz-result-360-nojs.png"))
            .await;
        browser.close().await;
    }

    #[tokio::test]
    async fn with_javascript_the_result_appears_without_a_page_reload() {
        let (app, _dir) =
            hocvu_tests::TestApp::spawn_with_fixture(Backend::Sqlite, quiz_content(0))
                .await
                .unwrap();
        let browser = Browser::phone(true).await;
        browser.client.goto(&app.url(QUIZ)).await.unwrap();
        // Wait for the island to hydrate, then mark this page instance.
        browser.wait_for(".quiz-island[data-ready]").await;
        browser
            .client
            .execute("window.__sameDocument = 'yes'", vec![])
            .await
            .unwrap();

        answer_everything_right(&browser).await;
        browser.click(".quiz button[type=submit]").await;

        let score = browser.wait_for(".score").await;
        assert!(score.text().await.unwrap().contains("4/4"));
        let same = browser
            .client
            .execute("return window.__sameDocument || null", vec![])
            .await
            .unwrap();
        assert_eq!(same, "yes", "no full page load happened");
        let url = browser.client.current_url().await.unwrap();
        assert!(
            url.path().ends_with("/quiz/result/1"),
            "the address shows the result: {url}"
        );
        browser
            .screenshot(&artefact_dir().join("quiz-result-360-js.png"))
            .await;
        browser.close().await;
    }
}

async fn trainers_see_per_question_statistics_and_nobody_else_does(app: TestApp) {
    // Two learners answer: one all right, one choosing the same wrong option.
    let (hidden, questions) = parse_form(&app.page(QUIZ).await);
    app.post_fields(
        QUIZ,
        &answers(&hidden, &questions, ALL_RIGHT, "mật khẩu mạnh 8d1e"),
    )
    .await;
    let other = Agent::browser(&app);
    let html = other.get(QUIZ).await.text().await.unwrap();
    let (hidden, questions) = parse_form(&html);
    other
        .request(Method::POST, QUIZ)
        .header("Origin", app.origin())
        .form(&answers(
            &hidden,
            &questions,
            &["Chỉ vào cuối tuần", "Gửi mật khẩu cho người thân", "Đúng"],
            "không biết",
        ))
        .send()
        .await
        .unwrap();

    assert_eq!(app.get("/courses/k/stats").await.status(), 403, "anonymous");
    hocvu_tests::sign_in_as(&app, "hoc-vien", "learner").await;
    assert_eq!(app.get("/courses/k/stats").await.status(), 403, "a learner");

    hocvu_tests::sign_in_as(&app, "giang-vien", "trainer").await;
    let stats = app.page("/courses/k/stats").await;
    assert!(stats.contains("2 lượt làm bài"), "two attempts counted");
    let otp_row = stats
        .split("<tr")
        .find(|r| r.contains("hỏi mã OTP"))
        .expect("a row per question");
    assert!(
        otp_row.contains(">2<") && otp_row.contains("50%"),
        "2 answers, half right: {otp_row}"
    );
    assert!(
        otp_row.contains("Chỉ vào cuối tuần (1)"),
        "the most chosen wrong option: {otp_row}"
    );
}
