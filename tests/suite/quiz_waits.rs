//! A strict course test: `max_attempts` and `wait_minutes`. A failed
//! attempt makes the learner wait before the next (checked on the page and
//! on submission, from the attempt's stored time), attempts beyond the
//! limit are refused, and while attempts remain the result page does not
//! give the right answers away.

use hocvu_tests::{chapter, content_fixture, course_toml, on_both_databases, with_db, TestApp};
use sqlx::Executor;

use crate::quiz::{answers, parse_form};

const TEST: &str = "/courses/t/test";
const SECRET: &str = "GIAI-THICH-CUOI-4e1b";

fn strict_final() -> tempfile::TempDir {
    let final_test = format!(
        "+++\npass_percent = 100\nmax_attempts = 3\nwait_minutes = 1\n+++\n\n\
## Câu một {{#mot}}\n\n- [x] Dung1\n- [ ] Sai1\n- [ ] Khac1\n\n> {SECRET}\n\n\
## Câu hai {{#hai}}\n\n- [x] Dung2\n- [ ] Sai2\n- [ ] Khac2\n\n> {SECRET}\n"
    );
    content_fixture(&[
        ("t/course.toml", &course_toml("Khóa T", "all", &["01-a.md"])),
        ("t/01-a.md", &chapter("bai-a", "Bài A", "Nội dung bài A.")),
        ("t/final.quiz.md", &final_test),
    ])
}

async fn sql(app: &TestApp, statement: &str) -> i64 {
    with_db!(app, |conn| {
        conn.execute(statement).await.unwrap();
    });
    app.scalar("SELECT COUNT(*) FROM quiz_attempts").await
}

async fn attempts(app: &TestApp) -> i64 {
    sql(app, "SELECT 1").await
}

/// Moves every stored attempt `seconds` into the past.
async fn age_attempts(app: &TestApp, seconds: i64) {
    sql(
        app,
        &format!("UPDATE quiz_attempts SET created_at = created_at - {seconds}"),
    )
    .await;
}

async fn post(app: &TestApp, fields: &[(String, String)]) -> reqwest::Response {
    let response = app.post_fields(TEST, fields).await;
    assert!(
        !response.status().is_server_error(),
        "{}",
        response.status()
    );
    response
}

/// Answers the form on the page wrong; returns the fields and the response.
async fn fail_once(app: &TestApp) -> (Vec<(String, String)>, reqwest::Response) {
    let (hidden, questions) = parse_form(&app.page(TEST).await);
    assert_eq!(questions.len(), 2, "a form");
    let fields = answers(&hidden, &questions, &["Sai1", "Sai2"], "");
    let response = post(app, &fields).await;
    (fields, response)
}

fn with_attempt(fields: &[(String, String)], n: i64) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| {
            let v = if k == "attempt" {
                n.to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

fn shows_wait(page: &str) -> bool {
    let Some(rest) = page.split("Bạn có thể làm lại sau ").nth(1) else {
        return false;
    };
    let time: Vec<char> = rest.chars().take(5).collect();
    time.len() == 5 && time[2] == ':' && [0, 1, 3, 4].iter().all(|&i| time[i].is_ascii_digit())
}

async fn a_failed_final_waits_and_its_attempts_are_limited(app: TestApp) {
    // First attempt, failed: the result says which answers were wrong but
    // not the right ones, nor the explanations (two attempts remain).
    let (fields, response) = fail_once(&app).await;
    assert_eq!(response.status(), 303);
    let result = app.page(&location(&response)).await;
    assert!(result.contains("0/2"), "graded");
    assert!(
        !result.contains(SECRET),
        "no explanation while attempts remain"
    );
    assert!(!result.contains("Dung1") && !result.contains("Dung2"));
    assert!(result.contains("đáp án đúng chưa hiện"), "says why");

    // Too early: no form, the time the learner may try again.
    let page = app.page(TEST).await;
    assert!(!page.contains("name=\"attempt\""), "no form while waiting");
    assert!(shows_wait(&page), "Bạn có thể làm lại sau HH:MM");
    // A submission anyway is refused and nothing is graded.
    let early = post(&app, &with_attempt(&fields, 2)).await;
    assert_eq!(early.status(), 303);
    assert_eq!(location(&early), TEST, "back to the page that says when");
    assert_eq!(attempts(&app).await, 1, "nothing stored");

    // After the wait: the second attempt.
    age_attempts(&app, 61).await;
    let (_, second) = fail_once(&app).await;
    assert_eq!(second.status(), 303);
    assert!(
        location(&second).ends_with("/result/2"),
        "{}",
        location(&second)
    );
    assert_eq!(attempts(&app).await, 2);
    assert!(shows_wait(&app.page(TEST).await));

    // The third and last attempt: now the right answers show.
    age_attempts(&app, 61).await;
    let (fields, third) = fail_once(&app).await;
    assert!(location(&third).ends_with("/result/3"));
    let result = app.page(&location(&third)).await;
    assert!(
        result.contains(SECRET),
        "explanations after the last attempt"
    );
    assert!(result.contains("Dung1") || result.contains("Dung2"));

    // No fourth attempt, waited or not.
    age_attempts(&app, 61).await;
    let page = app.page(TEST).await;
    assert!(!page.contains("name=\"attempt\""));
    assert!(page.contains("hết số lần"), "the limit, not a wait");
    let fourth = post(&app, &with_attempt(&fields, 4)).await;
    assert_eq!(fourth.status(), 403);
    assert_eq!(attempts(&app).await, 3);
}

async fn a_passed_attempt_needs_no_wait_and_shows_the_answers(app: TestApp) {
    let (hidden, questions) = parse_form(&app.page(TEST).await);
    let fields = answers(&hidden, &questions, &["Dung1", "Dung2"], "");
    let response = post(&app, &fields).await;
    let result = app.page(&location(&response)).await;
    assert!(result.contains("2/2"));
    assert!(result.contains(SECRET), "a pass shows the explanations");
    let page = app.page(TEST).await;
    assert!(!shows_wait(&page), "no wait after a pass");
}

on_both_databases!(
    strict on strict_final:
    a_failed_final_waits_and_its_attempts_are_limited,
    a_passed_attempt_needs_no_wait_and_shows_the_answers,
);
