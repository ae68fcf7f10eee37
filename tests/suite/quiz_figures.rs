//! `hocvu content check --stats`: the handbook's quiz figures, and the
//! per-question wording warnings trainers see at file:line:col.

use hocvu_tests::{chapter, content_check_with, content_fixture, course_toml};

/// One chapter quiz with a known mix: 3 single-choice (right answer longest
/// once, shortest once, a two-option one), 2 `.multiple` (one with a single
/// wrong option), 3 true/false (a false statement with "chắc chắn", a plain
/// false one, a true one with "không bao giờ"), 1 text question.
const QUIZ: &str = "## Câu dài {#dai}\n\n- [ ] Có\n- [x] Gọi lại số tổng đài in trên thẻ\n- [ ] Không\n\n\
## Câu ngắn {#ngan}\n\n- [x] Không\n- [ ] Khi ngân hàng gọi điện hỏi\n- [ ] Luôn luôn\n\n\
## Hai đáp án {#hai}\n\n- [ ] Một\n- [x] Hai\n\n\
## Chọn hết {#chon-het .multiple}\n\n- [x] A\n- [x] B\n- [ ] C\n\n\
## Chọn hai {#chon-hai .multiple}\n\n- [x] A\n- [ ] B\n- [ ] C\n\n\
## Nhận định: \"Tin nhắn mang tên ngân hàng chắc chắn là thật.\" {#chac-chan .true-false}\n\n- [ ] Đúng\n- [x] Sai\n\n\
## Nhận định: \"Có thể đọc mã OTP cho người lạ.\" {#doc-otp .true-false}\n\n- [ ] Đúng\n- [x] Sai\n\n\
## Nhận định: \"Ngân hàng không bao giờ hỏi mã OTP.\" {#khong-hoi .true-false}\n\n- [x] Đúng\n- [ ] Sai\n\n\
## Gõ địa chỉ {#go .text}\n\n- = dichvucong.gov.vn\n";

#[tokio::test]
async fn content_check_stats_prints_the_quiz_figures_and_warns_at_the_question() {
    let dir = content_fixture(&[
        ("c/course.toml", &course_toml("Khóa C", "all", &["01-a.md"])),
        ("c/01-a.md", &chapter("bai-a", "Bài A", "Nội dung.")),
        ("c/01-a.quiz.md", QUIZ),
    ]);

    let (ok, out) = content_check_with(dir.path(), &["--stats"]).await;

    assert!(ok, "warnings do not fail the check:\n{out}");
    for figure in [
        "questions: 9 (single 3, multiple 2, true-false 3, text 1, spot 0)",
        "multiple with exactly one wrong option: 1 of 2 (50%)",
        "single-choice with exactly one wrong option: 1 of 3 (33%)",
        "true-false statements: 1 true, 2 false",
        "false statements with a giveaway word: 1 of 2 (50%)",
        "true statements with a giveaway word: 1 of 1 (100%)",
        "right answer longest: 1 of 2 (50%)",
        "right answer shortest: 1 of 2 (50%)",
        "right answer by authored position: 1: 1, 2: 2",
    ] {
        assert!(out.contains(figure), "expected `{figure}` in:\n{out}");
    }
    let quiz = dir.path().join("c/01-a.quiz.md").display().to_string();
    let at = |line: usize| format!("{quiz}:{line}:1: warning:");
    assert!(
        out.lines()
            .any(|l| l.starts_with(&at(30)) && l.contains("\"chắc chắn\"")),
        "the giveaway word, at the statement's heading:\n{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with(&at(18)) && l.contains("only one wrong option")),
        "the odd-one-out .multiple, at its heading:\n{out}"
    );
    assert!(
        !out.contains(&format!("{quiz}:40:")),
        "a true statement may say \"không bao giờ\":\n{out}"
    );

    let (_, plain) = content_check_with(dir.path(), &[]).await;
    assert!(!plain.contains("quiz figures"), "figures only with --stats");
}
