//! The resident's journey with a keyboard only, in Chromium at 360×740:
//! read a chapter, mark it read, take its quiz, reach the next chapter, with a
//! visible focus ring at every stop.

use hocvu_tests::{artefact_dir, browser::Browser, Backend, TestApp};
use serde_json::Value;

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const SPACE: char = '\u{E00D}';
const ARROW_DOWN: char = '\u{E015}';

/// What the focused element looks like: its outline and the outline's
/// contrast (WCAG relative luminance) with white and with the colour just
/// outside the ring (what is actually behind it on the screen).
const FOCUS_REPORT: &str = r#"
const el = document.activeElement;
const cs = getComputedStyle(el);
const parse = s => { const m = (s.match(/[\d.]+/g) || []).map(Number); return m.length === 3 ? [...m, 1] : m; };
const lum = ([r, g, b]) => {
  const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const contrast = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
const ring = parse(cs.outlineColor);
const width = parseFloat(cs.outlineWidth) || 0;
const offset = parseFloat(cs.outlineOffset) || 0;
const r = el.getBoundingClientRect();
let x = r.left - offset - width - 2;
if (x < 0) x = r.right + offset + width + 2;
const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
let behind = [255, 255, 255, 1];
for (const e of document.elementsFromPoint(Math.min(x, innerWidth - 1), y)) {
  if (e === el || el.contains(e)) continue;
  const c = parse(getComputedStyle(e).backgroundColor);
  if (c[3] === 1) { behind = c; break; }
}
const label = el.closest('label');
const fieldset = el.closest('fieldset');
return {
  tag: el.tagName.toLowerCase(),
  type: el.type || '',
  cls: el.className || '',
  text: (label ? label.innerText : el.innerText || '').trim(),
  prompt: fieldset ? fieldset.querySelector('.prompt').innerText : '',
  checked: !!el.checked,
  style: cs.outlineStyle,
  width,
  color: cs.outlineColor,
  on_white: contrast(ring, [255, 255, 255]),
  behind: contrast(ring, behind),
  behind_color: behind.join(','),
  in_view: r.bottom > 0 && r.top < innerHeight,
};
"#;

async fn focused(browser: &Browser) -> Value {
    browser
        .client
        .execute(FOCUS_REPORT, vec![])
        .await
        .expect("read the focused element")
}

/// The focus ring is there and readable: solid, at least 2 px, ≥ 3:1
/// against what is behind it, and the element is on screen.
fn assert_visible_focus(stop: &Value) {
    assert_ne!(stop["tag"], "body", "focus was lost");
    assert_eq!(stop["style"], "solid", "no outline: {stop}");
    assert!(
        stop["width"].as_f64().unwrap() >= 2.0,
        "thin outline: {stop}"
    );
    assert!(
        stop["behind"].as_f64().unwrap() >= 3.0,
        "outline contrast with what is behind it under 3:1: {stop}"
    );
    assert!(
        stop["in_view"].as_bool().unwrap(),
        "focused element off screen: {stop}"
    );
}

/// Presses Tab until the focused element matches `selector`, checking every
/// stop on the way; returns the stop reached and how many Tabs it took.
async fn tab_to(browser: &Browser, selector: &str, limit: usize) -> (Value, usize) {
    for presses in 1..=limit {
        browser.press(TAB).await;
        let stop = focused(browser).await;
        assert_visible_focus(&stop);
        let here = browser
            .client
            .execute(
                "return document.activeElement.matches(arguments[0])",
                vec![Value::from(selector)],
            )
            .await
            .unwrap();
        if here == Value::Bool(true) {
            return (stop, presses);
        }
    }
    panic!("{selector} not reached in {limit} Tab presses");
}

async fn wait_for_url(browser: &Browser, check: impl Fn(&url::Url) -> bool) -> url::Url {
    for _ in 0..150 {
        if let Ok(url) = browser.client.current_url().await {
            if check(&url) {
                return url;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the page did not change in time");
}

/// The right answers of `ma-otp.quiz.md`, by a piece of each question.
fn right_answers(prompt: &str) -> &'static [&'static str] {
    const ANSWERS: [(&str, &[&str]); 8] = [
        (
            "Bác nên làm gì",
            &["Cúp máy, tự gọi tổng đài in sau thẻ để hỏi"],
        ),
        (
            "Bà Hạnh nên làm gì",
            &["Nhập mã vào ứng dụng ngân hàng để hoàn tất giao dịch"],
        ),
        ("gọi vào số điện thoại ghi trong tin nhắn", &["Sai"]),
        ("bà Hoa", &["Có người đang cố vào tài khoản của bà"]),
        ("Smart OTP an toàn hơn", &["Đúng"]),
        (
            "đặt mã PIN cho Smart OTP",
            &[
                "Chọn dãy số khó đoán",
                "Đặt khác với mã PIN mở máy và mật khẩu đăng nhập ngân hàng",
                "Giữ bí mật, không nói cho ai",
            ],
        ),
        ("One-Time Password", &["Mật khẩu dùng một lần"]),
        ("Người giao hàng", &["Sai"]),
    ];
    ANSWERS
        .iter()
        .find(|(piece, _)| prompt.contains(piece))
        .unwrap_or_else(|| panic!("unknown question: {prompt}"))
        .1
}

#[tokio::test]
async fn a_resident_reads_marks_takes_the_quiz_and_moves_on_by_keyboard() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let browser = Browser::phone(true).await;
    let course = "/courses/thanh-toan-khong-tien-mat";
    let chapter = format!("{course}/ma-otp");
    browser.goto(&app.url(&chapter)).await;

    // 1. From the top of the chapter to "Đã đọc xong", Enter.
    let (stop, _) = tab_to(&browser, "button.read-done", 80).await;
    assert!(stop["on_white"].as_f64().unwrap() >= 3.0, "{stop}");
    browser
        .screenshot(&artefact_dir().join("keyboard-1-read-done.png"))
        .await;
    browser.press(ENTER).await;
    wait_for_url(&browser, |u| {
        u.path() == chapter && u.query().is_some_and(|q| q.contains("read=1"))
    })
    .await;
    browser.wait_for_path(|p| p == chapter).await;
    let recorded = browser
        .client
        .find(fantoccini::Locator::Css(".read-recorded"))
        .await
        .expect("the chapter confirms it was marked read");
    assert!(recorded.is_displayed().await.unwrap());

    // 2. The next Tab stop after the confirmation is the quiz.
    let (stop, presses) = tab_to(&browser, ".chapter-quiz a", 5).await;
    assert!(
        presses <= 2,
        "{presses} Tabs from the confirmation to the quiz"
    );
    assert!(stop["on_white"].as_f64().unwrap() >= 3.0, "{stop}");
    browser.press(ENTER).await;
    let quiz = format!("{chapter}/quiz");
    browser.wait_for_path(|p| p == quiz).await;

    // 3. Answer every question with Tab, arrows and Space.
    let mut stops = 0;
    loop {
        stops += 1;
        assert!(stops < 120, "the quiz never reached its submit button");
        browser.press(TAB).await;
        let mut stop = focused(&browser).await;
        assert_visible_focus(&stop);
        if stop["cls"].as_str().unwrap().contains("submit") {
            assert!(stop["on_white"].as_f64().unwrap() >= 3.0, "{stop}");
            break;
        }
        match stop["type"].as_str().unwrap() {
            "radio" => {
                let wanted = right_answers(stop["prompt"].as_str().unwrap());
                let mut moves = 0;
                while !wanted.contains(&stop["text"].as_str().unwrap()) {
                    // Arrows move through a radio group and select.
                    browser.press(ARROW_DOWN).await;
                    stop = focused(&browser).await;
                    assert_visible_focus(&stop);
                    moves += 1;
                    assert!(moves < 6, "no right option found: {stop}");
                }
                if !stop["checked"].as_bool().unwrap() {
                    browser.press(SPACE).await;
                }
            }
            "checkbox" => {
                let wanted = right_answers(stop["prompt"].as_str().unwrap());
                if wanted.contains(&stop["text"].as_str().unwrap()) {
                    browser.press(SPACE).await;
                }
            }
            _ => {}
        }
    }
    browser
        .screenshot(&artefact_dir().join("keyboard-2-quiz-submit.png"))
        .await;
    browser.press(ENTER).await;

    // 4. The result: passed, and the next chapter one or two Tabs away
    // (focus moves to the result, not back to the top of the page).
    let result = browser.wait_for(".score.passed").await;
    assert!(result.is_displayed().await.unwrap());
    let (stop, presses) = tab_to(&browser, ".next-step a", 10).await;
    assert!(presses <= 2, "{presses} Tabs from the result to the way on");
    assert!(stop["on_white"].as_f64().unwrap() >= 3.0, "{stop}");
    assert!(
        stop["text"]
            .as_str()
            .unwrap()
            .contains("Xác thực sinh trắc học"),
        "{stop}"
    );
    browser
        .screenshot(&artefact_dir().join("keyboard-3-result.png"))
        .await;
    browser.press(ENTER).await;
    let next = format!("{course}/xac-thuc-sinh-trac-hoc");
    browser.wait_for_path(|p| p == next).await;
    browser.close().await;
}

/// Every Tab stop of a page with the menu open (header on blue, page on
/// white and tint, large text too) has a ring readable against what is
/// behind it.
#[tokio::test]
async fn every_tab_stop_has_a_visible_focus_ring() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let browser = Browser::phone(true).await;
    for size in ["0", "2"] {
        browser.client.goto(&app.url("/")).await.unwrap();
        browser.set_cookie(&app.origin(), "textsize", size).await;
        browser
            .goto(&app.url("/courses/thanh-toan-khong-tien-mat/ma-otp"))
            .await;
        browser
            .client
            .execute("document.querySelector('details.menu').open = true", vec![])
            .await
            .unwrap();
        let mut seen = 0;
        loop {
            browser.press(TAB).await;
            let stop = focused(&browser).await;
            if stop["tag"] == "body" || seen > 200 {
                break;
            }
            assert_visible_focus(&stop);
            seen += 1;
        }
        assert!(seen > 15, "only {seen} Tab stops");
    }
    browser.close().await;
}
