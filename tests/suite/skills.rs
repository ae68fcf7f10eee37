//! The digital-skills framework: `skills.toml` checked with every chapter's
//! codes, quizzes that can be passed by habit flagged, what a learner has
//! covered on `/me`, skills no chapter teaches on `/content/status`.

use hocvu_tests::{
    content_check, content_fixture, course_toml, sign_in_as, Agent, Backend, TestApp,
};

const SKILLS: &str = r#"
[[group]]
code = "0"
name = "Sử dụng thiết bị số"

[[group]]
code = "4"
name = "An toàn số"

[[skill]]
code = "0.1"
name = "Thao tác cơ bản trên điện thoại"
group = "0"
audience = "all"

[[skill]]
code = "4.1"
name = "Nhận diện lừa đảo"
group = "4"
audience = "all"

[[skill]]
code = "4.2"
name = "Bảo vệ dữ liệu cá nhân"
group = "4"
audience = "all"
"#;

fn tagged(id: &str, title: &str, skills: &str) -> String {
    format!(
        "+++\nid = \"{id}\"\ntitle = \"{title}\"\nminutes = 5\nsummary = \"Tóm tắt {title}\"\n\
         skills = [{skills}]\n+++\n\nNội dung {title}.\n"
    )
}

/// Five true/false statements, all "Sai": answering "Sai" to all passes.
const ONE_SIDED: &str = "+++\npass_percent = 60\n+++\n\n\
## Nhận định một {#mot .true-false}\n\n- [ ] Đúng\n- [x] Sai\n\n\
## Nhận định hai {#hai .true-false}\n\n- [ ] Đúng\n- [x] Sai\n\n\
## Nhận định ba {#ba .true-false}\n\n- [ ] Đúng\n- [x] Sai\n\n\
## Nhận định bốn {#bon .true-false}\n\n- [ ] Đúng\n- [x] Sai\n\n\
## Nhận định năm {#nam .true-false}\n\n- [ ] Đúng\n- [x] Sai\n";

fn short_one_sided() -> String {
    ONE_SIDED
        .split("## Nhận định bốn")
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn content_check_knows_the_framework_and_flags_guessable_quizzes() {
    let dir = content_fixture(&[
        ("skills.toml", SKILLS),
        (
            "c/course.toml",
            &course_toml("Khóa C", "all", &["01-a.md", "02-b.md", "03-c.md"]),
        ),
        ("c/01-a.md", &tagged("bai-a", "Bài A", "\"4.1\"")),
        ("c/01-a.quiz.md", ONE_SIDED),
        ("c/02-b.md", &tagged("bai-b", "Bài B", "\"9.9\"")),
        ("c/03-c.md", &tagged("bai-c", "Bài C", "")),
        // Two short quizzes, each too short to judge, together always "Sai".
        (
            "d/course.toml",
            &course_toml("Khóa D", "all", &["01-d.md", "02-e.md"]),
        ),
        ("d/01-d.md", &tagged("bai-d", "Bài D", "\"4.1\"")),
        ("d/01-d.quiz.md", &short_one_sided()),
        ("d/02-e.md", &tagged("bai-e", "Bài E", "\"4.1\"")),
        ("d/02-e.quiz.md", &short_one_sided()),
    ]);
    let (ok, out) = content_check(dir.path()).await;
    assert!(!ok, "an unknown code is an error:\n{out}");
    let line = |needle: &str| {
        out.lines()
            .find(|l| l.contains(needle))
            .unwrap_or("")
            .to_string()
    };
    let unknown = line("9.9");
    assert!(
        unknown.contains("02-b.md:6:") && unknown.contains("error"),
        "{out}"
    );
    let missing = line("03-c.md");
    assert!(
        missing.contains("warning") && missing.contains("skills"),
        "{out}"
    );
    let habit = line("01-a.quiz.md");
    assert!(
        habit.contains("warning") && habit.contains("\"Sai\""),
        "{out}"
    );
    assert!(!out.contains("01-a.md:"), "a known code is fine:\n{out}");
    assert!(
        !out.contains("01-d.quiz.md") && !out.contains("02-e.quiz.md"),
        "{out}"
    );
    let course = line("d/course.toml");
    assert!(
        course.contains("warning") && course.contains("6 of 6"),
        "{out}"
    );
}

fn covered_content() -> tempfile::TempDir {
    content_fixture(&[
        ("skills.toml", SKILLS),
        (
            "c/course.toml",
            &course_toml("Khóa C", "all", &["01-a.md", "02-b.md"]),
        ),
        ("c/01-a.md", &tagged("bai-a", "Bài A", "\"0.1\"")),
        ("c/02-b.md", &tagged("bai-b", "Bài B", "\"4.1\"")),
    ])
}

#[tokio::test]
async fn me_shows_the_skills_a_learner_has_covered_by_group() {
    let dir = covered_content();
    let app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();
    let cookie = sign_in_as(&app, "hoc.vien", "learner").await;
    let learner = Agent::with_cookie(&app, Some(cookie));
    let before = learner.page("/me").await;
    assert!(!before.contains("Thao tác cơ bản trên điện thoại"));

    assert_eq!(learner.mark_read("c", "bai-a").await.status(), 303);
    let page = learner.page("/me").await;
    let skills = &page[page.find("class=\"skills\"").expect("a skills section")..];
    assert!(
        skills.contains("Thao tác cơ bản trên điện thoại"),
        "{skills}"
    );
    assert!(skills.contains("1/1 kỹ năng"), "group 0: one of one");
    assert!(skills.contains("0/2 kỹ năng"), "group 4: none of two yet");
    assert!(!skills.contains("Nhận diện lừa đảo"), "not read yet");
}

#[tokio::test]
async fn trainers_see_which_skills_no_chapter_teaches() {
    let dir = covered_content();
    let app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();
    let cookie = sign_in_as(&app, "giang.vien", "trainer").await;
    let page = Agent::with_cookie(&app, Some(cookie))
        .page("/content/status")
        .await;
    let list = &page[page.find("uncovered-skills").expect("the uncovered list")..];
    assert!(list.contains("4.2 Bảo vệ dữ liệu cá nhân"), "{list}");
    assert!(
        !list.contains("0.1") && !list.contains("4.1"),
        "taught ones are not listed"
    );
}
