//! Parses a `*.quiz.md` file (see `content/README.md`) into a [`Quiz`],
//! reporting every authoring mistake with its file, line and column.
//!
//! The body is parsed with pulldown-cmark into a small tree of blocks. Each
//! `##` heading starts a question; the blocks after it are, in order, the
//! scenario (part of the prompt), the list of answers, and the `>`
//! explanation. Positions come from pulldown-cmark's byte offsets.

use std::{collections::HashMap, ops::Range, path::Path};

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag};
use unicode_normalization::UnicodeNormalization;

use super::model::{choice_id, Choice, Question, QuestionKind, Quiz, QuizSettings};
use crate::content::{
    diagnostics::{Diagnostics, LineIndex, Position},
    front_matter,
    markdown::parser_options,
};
use crate::text::{fold_words, normalize};

/// Example id used in messages.
const ID_EXAMPLE: &str = "{#otp-ngan-hang}";

/// Parses one quiz file. Every mistake goes to `diags`; returns `None` when
/// any of them is an error (warnings alone still give a quiz).
pub fn parse_quiz(file: &Path, text: &str, diags: &mut Diagnostics) -> Option<Quiz> {
    let mut local = Diagnostics::default();
    let quiz = parse_inner(file, text, &mut local);
    let failed = local.has_errors();
    diags.extend(local);
    if failed {
        None
    } else {
        quiz
    }
}

fn parse_inner(file: &Path, text: &str, diags: &mut Diagnostics) -> Option<Quiz> {
    let split = front_matter::split(file, text, false, diags)?;
    let (settings, draw_at) = parse_settings(file, split.front, split.front_line, diags);

    let mut ctx = Ctx {
        file,
        body: split.body,
        index: LineIndex::new(split.body, split.body_line),
        diags,
    };
    let index = &ctx.index;
    let at = |offset| index.at(file, split.body, offset);
    if !crate::content::markdown::check_nesting(split.body, at, ctx.diags) {
        return None;
    }

    let mut drafts: Vec<Draft<'_>> = Vec::new();
    let mut stray_reported = false;
    for node in tree(split.body) {
        match &node.event {
            Event::Start(Tag::Heading { level, .. }) if *level == HeadingLevel::H2 => {
                drafts.push(Draft::new(node));
            }
            Event::Start(Tag::Heading { level, .. }) => {
                let hashes = "#".repeat(heading_level_number(*level));
                ctx.error(
                    node.range.start,
                    format!(
                        "only `##` headings are allowed in a quiz, and each one starts a question \
                         (this heading is `{hashes}`); remove it, or make it a question: \
                         `## Your question? {ID_EXAMPLE}`"
                    ),
                    format!(
                        "bài kiểm tra chỉ dùng tiêu đề `##`, và mỗi tiêu đề là một câu hỏi \
                         (tiêu đề này là `{hashes}`); hãy xóa nó, hoặc biến nó thành câu hỏi: \
                         `## Câu hỏi của bạn? {ID_EXAMPLE}`"
                    ),
                );
            }
            // Horizontal rules between questions and HTML comments are harmless.
            Event::Rule => {}
            Event::Start(Tag::HtmlBlock) if ctx.src(&node.range).trim().starts_with("<!--") => {}
            _ => match drafts.last_mut() {
                Some(draft) => draft.add(node, &mut ctx),
                None => {
                    if !stray_reported {
                        stray_reported = true;
                        ctx.error(
                            node.range.start,
                            format!(
                                "text before the first question: a quiz contains only questions, \
                                 each starting with a `##` heading like \
                                 `## Your question? {ID_EXAMPLE}`; move this text into a question \
                                 or delete it"
                            ),
                            format!(
                                "có chữ ở trước câu hỏi đầu tiên: bài kiểm tra chỉ gồm các câu hỏi, \
                                 mỗi câu bắt đầu bằng một tiêu đề `##` như \
                                 `## Câu hỏi của bạn? {ID_EXAMPLE}`; hãy chuyển đoạn chữ này vào \
                                 một câu hỏi hoặc xóa đi"
                            ),
                        );
                    }
                }
            },
        }
    }

    if drafts.is_empty() {
        ctx.diags.error(
            Position::file(file),
            format!(
                "this quiz has no questions: each question starts with a `##` heading like \
                 `## Your question? {ID_EXAMPLE}`, followed by its answers"
            ),
            format!(
                "bài kiểm tra này chưa có câu hỏi nào: mỗi câu hỏi bắt đầu bằng một tiêu đề `##` \
                 như `## Câu hỏi của bạn? {ID_EXAMPLE}`, tiếp theo là các đáp án"
            ),
        );
    }

    let count = drafts.len();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut questions = Vec::new();
    for draft in drafts {
        if let Some(q) = draft.finish(&mut ctx, &mut seen) {
            questions.push(q);
        }
    }

    if let (Some(draw), Some(at)) = (settings.draw, draw_at) {
        if count > 0 && draw as usize > count {
            ctx.diags.error(
                Position {
                    file,
                    line: at.0,
                    col: at.1,
                },
                format!(
                    "`draw = {draw}` but this quiz has only {count} question{}: \
                     draw at most {count}, or add more questions",
                    if count == 1 { "" } else { "s" }
                ),
                format!(
                    "`draw = {draw}` nhưng bài kiểm tra này chỉ có {count} câu hỏi: \
                     hãy rút nhiều nhất {count} câu, hoặc thêm câu hỏi"
                ),
            );
        }
    }

    Some(Quiz {
        settings,
        questions,
    })
}

fn heading_level_number(level: HeadingLevel) -> usize {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

// ---------------------------------------------------------------------------
// Front matter

/// Reads the settings; returns them (defaults where missing or wrong) and
/// where `draw` was written (line, col), for the later check against the
/// number of questions.
fn parse_settings(
    file: &Path,
    front: &str,
    front_line: usize,
    diags: &mut Diagnostics,
) -> (QuizSettings, Option<(usize, usize)>) {
    let mut settings = QuizSettings::default();
    if front.trim().is_empty() {
        return (settings, None);
    }
    let Some(table) = front_matter::parse_toml::<toml::Table>(file, front, front_line, diags)
    else {
        return (settings, None);
    };
    let mut draw_at = None;
    for (key, value) in &table {
        let (line, col) = front_matter::field_position(front, front_line, key);
        let at = Position { file, line, col };
        match key.as_str() {
            "pass_percent" => match value.as_integer() {
                Some(n @ 1..=100) => settings.pass_percent = n as u8,
                _ => diags.error(
                    at,
                    format!(
                        "`pass_percent` must be a whole number from 1 to 100 (the score needed \
                         to pass, in percent), not {value}"
                    ),
                    format!(
                        "`pass_percent` phải là số nguyên từ 1 đến 100 (điểm cần đạt, tính theo \
                         phần trăm), không phải {value}"
                    ),
                ),
            },
            "max_attempts" => match value.as_integer().map(u32::try_from) {
                Some(Ok(n)) => settings.max_attempts = n,
                _ => diags.error(
                    at,
                    format!(
                        "`max_attempts` must be a whole number: how many times a learner may \
                         take the quiz, 0 for no limit (not {value})"
                    ),
                    format!(
                        "`max_attempts` phải là số nguyên: số lần người học được làm bài kiểm tra, \
                         0 là không giới hạn (không phải {value})"
                    ),
                ),
            },
            "wait_minutes" => match value.as_integer().map(u32::try_from) {
                Some(Ok(n)) if n <= 60 * 24 * 30 => settings.wait_minutes = n,
                _ => diags.error(
                    at,
                    format!(
                        "`wait_minutes` must be a whole number of minutes, at most 43200 (30 days): \
                         how long a learner waits after a failed attempt, 0 for no wait (not {value})"
                    ),
                    format!(
                        "`wait_minutes` phải là số phút (số nguyên, tối đa 43200 tức 30 ngày): thời \
                         gian người học phải chờ sau một lần làm chưa đạt, 0 là không chờ (không phải {value})"
                    ),
                ),
            },
            "shuffle" => match value.as_bool() {
                Some(b) => settings.shuffle = b,
                None => diags.error(
                    at,
                    format!("`shuffle` must be `true` or `false` (without quotes), not {value}"),
                    format!(
                        "`shuffle` phải là `true` hoặc `false` (không có dấu ngoặc kép), \
                         không phải {value}"
                    ),
                ),
            },
            "draw" => match value.as_integer() {
                Some(0) => diags.error(
                    at,
                    "`draw = 0` would ask no questions: set how many questions to draw for each \
                     attempt, or remove the line to ask every question",
                    "`draw = 0` thì không có câu hỏi nào: hãy ghi số câu hỏi rút ra cho mỗi lần \
                     làm bài, hoặc xóa dòng này để hỏi tất cả các câu",
                ),
                Some(n) => match u32::try_from(n) {
                    Ok(n) => {
                        settings.draw = Some(n);
                        draw_at = Some((line, col));
                    }
                    Err(_) => diags.error(
                        at,
                        format!(
                            "`draw` must be a positive whole number (how many questions to \
                             draw for each attempt), not {value}"
                        ),
                        format!(
                            "`draw` phải là số nguyên dương (số câu hỏi rút ra cho mỗi lần \
                             làm bài), không phải {value}"
                        ),
                    ),
                },
                None => diags.error(
                    at,
                    format!(
                        "`draw` must be a positive whole number (how many questions to draw \
                         for each attempt), not {value}"
                    ),
                    format!(
                        "`draw` phải là số nguyên dương (số câu hỏi rút ra cho mỗi lần làm bài), \
                         không phải {value}"
                    ),
                ),
            },
            _ => diags.error(
                at,
                format!(
                    "unknown setting `{key}`: a quiz accepts only `pass_percent`, \
                     `max_attempts`, `wait_minutes`, `shuffle` and `draw`"
                ),
                format!(
                    "thiết lập `{key}` không hợp lệ: bài kiểm tra chỉ nhận `pass_percent`, \
                     `max_attempts`, `wait_minutes`, `shuffle` và `draw`"
                ),
            ),
        }
    }
    (settings, draw_at)
}

// ---------------------------------------------------------------------------
// Markdown tree

/// One pulldown-cmark element: a `Start` event with everything up to its
/// `End` as children, or a single leaf event.
struct Node<'a> {
    event: Event<'a>,
    range: Range<usize>,
    children: Vec<Node<'a>>,
}

impl Node<'_> {
    fn is_inline(&self) -> bool {
        match &self.event {
            Event::Start(tag) => matches!(
                tag,
                Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
                    | Tag::Superscript
                    | Tag::Subscript
                    | Tag::Link { .. }
                    | Tag::Image { .. }
            ),
            Event::Text(_)
            | Event::Code(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::InlineHtml(_)
            | Event::Html(_)
            | Event::FootnoteReference(_)
            | Event::SoftBreak
            | Event::HardBreak => true,
            _ => false,
        }
    }
}

/// The top-level blocks of `body`, each with its nested content.
fn tree(body: &str) -> Vec<Node<'_>> {
    fn attach<'a>(stack: &mut [Node<'a>], top: &mut Vec<Node<'a>>, node: Node<'a>) {
        match stack.last_mut() {
            Some(parent) => parent.children.push(node),
            None => top.push(node),
        }
    }
    let mut stack: Vec<Node<'_>> = Vec::new();
    let mut top = Vec::new();
    for (event, range) in Parser::new_ext(body, parser_options()).into_offset_iter() {
        match event {
            Event::Start(_) => stack.push(Node {
                event,
                range,
                children: Vec::new(),
            }),
            Event::End(_) => {
                if let Some(node) = stack.pop() {
                    attach(&mut stack, &mut top, node);
                }
            }
            _ => {
                let node = Node {
                    event,
                    range,
                    children: Vec::new(),
                };
                attach(&mut stack, &mut top, node);
            }
        }
    }
    // Unbalanced events should not happen; keep whatever is open.
    while let Some(node) = stack.pop() {
        attach(&mut stack, &mut top, node);
    }
    top
}

/// Where findings go, with what turns body offsets into positions.
struct Ctx<'a, 'd> {
    file: &'a Path,
    body: &'a str,
    index: LineIndex,
    diags: &'d mut Diagnostics,
}

impl<'a> Ctx<'a, '_> {
    fn src(&self, range: &Range<usize>) -> &'a str {
        self.body.get(range.clone()).unwrap_or("")
    }

    fn at(&self, offset: usize) -> Position<'a> {
        self.index.at(self.file, self.body, offset)
    }

    fn line(&self, offset: usize) -> usize {
        self.index.line_col(self.body, offset).0
    }

    fn error(&mut self, offset: usize, en: impl Into<String>, vi: impl Into<String>) {
        let at = self.at(offset);
        self.diags.error(at, en, vi);
    }

    fn warning(&mut self, offset: usize, en: impl Into<String>, vi: impl Into<String>) {
        let at = self.at(offset);
        self.diags.warning(at, en, vi);
    }
}

// ---------------------------------------------------------------------------
// Questions

/// The blocks of one question, collected before they are checked.
struct Draft<'a> {
    heading: Node<'a>,
    /// Blocks between the heading and the answers.
    prompt: Vec<Range<usize>>,
    /// The list of answers.
    list: Option<Node<'a>>,
    /// `>` blocks after the answers.
    explanation: Vec<Range<usize>>,
}

impl<'a> Draft<'a> {
    fn new(heading: Node<'a>) -> Self {
        Draft {
            heading,
            prompt: Vec::new(),
            list: None,
            explanation: Vec::new(),
        }
    }

    fn add(&mut self, node: Node<'a>, ctx: &mut Ctx<'_, '_>) {
        let after_answers = self.list.is_some();
        match &node.event {
            Event::Start(Tag::List(first)) => {
                let numbered = first.is_some();
                let has_checkboxes = node.children.iter().any(|item| task_marker(item).is_some());
                if numbered && has_checkboxes {
                    ctx.error(
                        node.range.start,
                        "write the answers as a bulleted list starting with `-` \
                         (`- [x] right answer`, `- [ ] wrong answer`), not a numbered list",
                        "viết các đáp án thành danh sách gạch đầu dòng bắt đầu bằng `-` \
                         (`- [x] đáp án đúng`, `- [ ] đáp án sai`), không đánh số",
                    );
                }
                if after_answers {
                    ctx.error(
                        node.range.start,
                        "a second list after this question's answers: each question has one \
                         list of answers, all starting with `-`. If this is a new question, \
                         give it a `## ... {#id}` heading first",
                        "có thêm một danh sách nữa sau các đáp án của câu hỏi này: mỗi câu hỏi chỉ \
                         có một danh sách đáp án, mỗi dòng bắt đầu bằng `-`. Nếu đây là câu hỏi \
                         mới, hãy thêm tiêu đề `## ... {#id}` cho nó trước",
                    );
                } else if numbered && !has_checkboxes {
                    // A numbered list before the answers is part of the scenario.
                    self.prompt.push(node.range);
                } else {
                    self.list = Some(node);
                }
            }
            Event::Start(Tag::BlockQuote(_)) if after_answers => {
                self.explanation.push(node.range);
            }
            _ if after_answers => {
                ctx.error(
                    node.range.start,
                    "unexpected text after the answers: to explain the answer, start the line \
                     with `>`; if this is a new question, give it a `## ... {#id}` heading",
                    "có chữ lạ sau các đáp án: để giải thích đáp án, bắt đầu dòng bằng `>`; \
                     nếu đây là câu hỏi mới, hãy thêm tiêu đề `## ... {#id}` cho nó",
                );
            }
            _ => self.prompt.push(node.range),
        }
    }

    /// Checks the question and builds it; `None` when it cannot be built.
    fn finish(self, ctx: &mut Ctx<'_, '_>, seen: &mut HashMap<String, usize>) -> Option<Question> {
        let heading_line = ctx.line(self.heading.range.start);
        let head = parse_heading(&self.heading, ctx);

        let mut ok = true;
        if let Some(id) = &head.id {
            if let Some(first) = seen.get(id) {
                ctx.error(
                    head.id_offset,
                    format!(
                        "the id `{id}` is already used by the question on line {first}: \
                         each question needs its own id"
                    ),
                    format!(
                        "mã `{id}` đã được dùng cho câu hỏi ở dòng {first}: \
                         mỗi câu hỏi cần một mã riêng"
                    ),
                );
                ok = false;
            } else {
                seen.insert(id.clone(), heading_line);
            }
        }

        let mut prompt_md = head.text.to_string();
        for range in &self.prompt {
            let part = ctx.src(range).trim();
            if !part.is_empty() {
                prompt_md.push_str("\n\n");
                prompt_md.push_str(part);
            }
        }
        let explanation_md = {
            let parts: Vec<String> = self
                .explanation
                .iter()
                .map(|r| unquote(ctx.src(r)))
                .filter(|s| !s.is_empty())
                .collect();
            (!parts.is_empty()).then(|| parts.join("\n\n"))
        };

        let items: Vec<Item> = match &self.list {
            Some(list) => list.children.iter().map(|n| read_item(n, ctx)).collect(),
            None => Vec::new(),
        };
        let list_start = self.list.as_ref().map(|l| l.range.start);
        let checked = match head.kind {
            QuestionKind::Text => check_text(&items, list_start, &self.heading, ctx),
            kind => check_choices(kind, &items, list_start, &self.heading, ctx),
        };
        ok &= head.ok && checked.is_some();

        let id = head.id?;
        let (options, accepted) = checked?;
        if !ok {
            return None;
        }
        Some(Question {
            id,
            kind: head.kind,
            prompt_md,
            options,
            accepted,
            ignore_diacritics: head.ignore_diacritics,
            explanation_md,
            line: heading_line,
            html: Default::default(),
        })
    }
}

/// What the heading says.
struct Heading<'a> {
    text: &'a str,
    id: Option<String>,
    id_offset: usize,
    kind: QuestionKind,
    ignore_diacritics: bool,
    /// False when the heading had an error.
    ok: bool,
}

/// Reads the question text and the `{#id .type}` block of a heading,
/// reporting mistakes in it.
fn parse_heading<'a>(node: &Node<'_>, ctx: &mut Ctx<'a, '_>) -> Heading<'a> {
    let body = ctx.body;
    let range = node.range.clone();
    // The heading text is what pulldown-cmark parsed as inline content; the
    // `{...}` block it recognised is left out of it.
    let text_range = match (node.children.first(), node.children.last()) {
        (Some(first), Some(last)) => first.range.start..last.range.end,
        _ => {
            // `## {#id}` with no text: start after the `#` marks.
            let src = &body[range.clone()];
            let skip = src.len() - src.trim_start_matches([' ', '#']).len();
            let start = range.start + skip;
            start..start
        }
    };
    let text = body[text_range.clone()].trim();

    // The rest of the heading's (last text) line holds the `{...}` block.
    let rest_start = text_range.end.min(range.end);
    let rest = &body[rest_start..range.end];
    let rest = rest.split('\n').next().unwrap_or("");
    let block = match (rest.find('{'), rest.rfind('}')) {
        (Some(open), Some(close)) if open < close => Some((
            rest_start + open,
            &rest[open + 1..close],
            rest_start + open + 1,
        )),
        _ => None,
    };

    let mut head = Heading {
        text,
        id: None,
        id_offset: range.start,
        kind: QuestionKind::Single,
        ignore_diacritics: false,
        ok: true,
    };

    if text.is_empty() {
        head.ok = false;
        ctx.error(
            range.start,
            "the question text is empty: write the question after `##`, before the `{#id}`",
            "câu hỏi chưa có nội dung: viết câu hỏi sau `##`, trước `{#id}`",
        );
    }

    let Some((open, content, content_start)) = block else {
        head.ok = false;
        let end = if text.is_empty() {
            let first_line = body[range.clone()].split('\n').next().unwrap_or("");
            range.start + first_line.trim_end().len()
        } else {
            text_range.end
        };
        ctx.error(
            end,
            format!(
                "this question has no id: end the heading with an id in braces, for example \
                 `## {} {ID_EXAMPLE}`; the id keeps results attached to the question, so never \
                 change it once the quiz is published",
                short(text, "Your question?")
            ),
            format!(
                "câu hỏi này chưa có mã: cuối tiêu đề hãy ghi mã trong ngoặc nhọn, ví dụ \
                 `## {} {ID_EXAMPLE}`; mã giúp giữ kết quả gắn với câu hỏi, nên đừng bao giờ \
                 đổi mã sau khi bài kiểm tra đã đăng",
                short(text, "Câu hỏi của bạn?")
            ),
        );
        return head;
    };

    let mut kind_class: Option<&str> = None;
    let mut no_diacritics_at = None;
    for token in content.split_ascii_whitespace() {
        let offset = content_start + (token.as_ptr() as usize - content.as_ptr() as usize);
        if let Some(id) = token.strip_prefix('#') {
            if head.id.is_some() {
                head.ok = false;
                ctx.error(
                    offset,
                    "a question has only one id; remove the extra `#...`",
                    "mỗi câu hỏi chỉ có một mã; hãy xóa `#...` thừa",
                );
                continue;
            }
            if id.is_empty() {
                continue; // reported as "no id" below
            }
            if !valid_id(id) {
                head.ok = false;
                let suggestion = suggest_id(id);
                let (hint, hint_vi) = if suggestion.is_empty() {
                    (String::new(), String::new())
                } else {
                    (
                        format!(", for example `#{suggestion}`"),
                        format!(", ví dụ `#{suggestion}`"),
                    )
                };
                ctx.error(
                    offset,
                    format!(
                        "the id `{id}` may only use lowercase letters a-z without accents, \
                         digits 0-9, `-` and `_`{hint}"
                    ),
                    format!(
                        "mã `{id}` chỉ được dùng chữ thường không dấu a-z, số 0-9, `-` và \
                         `_`{hint_vi}"
                    ),
                );
            }
            head.id = Some(id.to_string());
            head.id_offset = offset;
        } else if let Some(class) = token.strip_prefix('.') {
            match class {
                "multiple" | "true-false" | "text" | "spot" => {
                    if let Some(previous) = kind_class {
                        if previous != class {
                            head.ok = false;
                            ctx.error(
                                offset,
                                format!(
                                    "a question has only one type, but this one has both \
                                     `.{previous}` and `.{class}`"
                                ),
                                format!(
                                    "mỗi câu hỏi chỉ có một loại, nhưng câu này có cả \
                                     `.{previous}` và `.{class}`"
                                ),
                            );
                        }
                        continue;
                    }
                    kind_class = Some(class);
                    head.kind = kind_for_class(class).unwrap_or(QuestionKind::Single);
                }
                "no-diacritics" => {
                    head.ignore_diacritics = true;
                    no_diacritics_at = Some(offset);
                }
                _ => {
                    head.ok = false;
                    let hint = if class.is_empty() {
                        String::new()
                    } else {
                        format!("`.{class}`")
                    };
                    ctx.error(
                        offset,
                        format!(
                            "unknown question type {hint}: use `.multiple` (several correct \
                             answers), `.true-false`, `.text` (typed answer, optionally with \
                             `.no-diacritics`), `.spot` (tick the parts of a message that are \
                             signs of a scam), or nothing for a single-choice question"
                        ),
                        format!(
                            "không có loại câu hỏi `.{class}`: hãy dùng `.multiple` (nhiều đáp án \
                             đúng), `.true-false` (đúng/sai), `.text` (người học gõ câu trả lời, \
                             có thể thêm `.no-diacritics`), `.spot` (đánh dấu các phần của tin \
                             nhắn là dấu hiệu lừa đảo), hoặc không ghi gì cho câu hỏi chọn một \
                             đáp án"
                        ),
                    );
                }
            }
        } else if let Some(kind) = kind_for_class(token) {
            // `{#id text}`: the type without its dot.
            head.ok = false;
            ctx.error(
                offset,
                format!("write the question type with a dot before it: `.{token}`"),
                format!("ghi loại câu hỏi với dấu chấm ở trước: `.{token}`"),
            );
            if kind_class.is_none() {
                kind_class = Some(token);
                head.kind = kind;
            }
        } else if token == "no-diacritics" {
            head.ok = false;
            ctx.error(
                offset,
                "write `.no-diacritics` with a dot before it",
                "ghi `.no-diacritics` với dấu chấm ở trước",
            );
            head.ignore_diacritics = true;
        } else if let Some(id) = head.id.as_deref().filter(|_| kind_class.is_none()) {
            // `{#Câu 1}`: an id with a space in it.
            head.ok = false;
            let suggestion = suggest_id(&format!("{id} {token}"));
            ctx.error(
                offset,
                format!(
                    "an id cannot contain spaces: join the words with `-`, for example \
                     `#{suggestion}`"
                ),
                format!(
                    "mã không được có dấu cách: nối các từ bằng `-`, ví dụ \
                     `#{suggestion}`"
                ),
            );
        } else {
            head.ok = false;
            ctx.error(
                offset,
                format!(
                    "`{token}` is not understood here: inside `{{...}}` write the id as `#id` \
                     and the question type as `.multiple`, `.true-false` or `.text`"
                ),
                format!(
                    "không hiểu `{token}` ở đây: trong `{{...}}` hãy ghi mã dạng `#id` \
                     và loại câu hỏi dạng `.multiple`, `.true-false` hoặc `.text`"
                ),
            );
        }
    }

    if head.id.is_none() {
        head.ok = false;
        ctx.error(
            open,
            format!(
                "this question has no id: put one inside the braces, for example \
                 `{ID_EXAMPLE}`; the id keeps results attached to the question"
            ),
            format!(
                "câu hỏi này chưa có mã: ghi mã trong ngoặc nhọn, ví dụ \
                 `{ID_EXAMPLE}`; mã giúp giữ kết quả gắn với câu hỏi"
            ),
        );
    }
    if let Some(at) = no_diacritics_at {
        if head.kind != QuestionKind::Text {
            ctx.warning(
                at,
                "`.no-diacritics` only matters for typed-answer questions (`.text`); \
                 it has no effect here",
                "`.no-diacritics` chỉ có tác dụng với câu hỏi gõ câu trả lời (`.text`); \
                 ở đây nó không có tác dụng gì",
            );
        }
    }
    head
}

/// The question type a class names (`multiple` → `Multiple`).
fn kind_for_class(class: &str) -> Option<QuestionKind> {
    match class {
        "multiple" => Some(QuestionKind::Multiple),
        "true-false" => Some(QuestionKind::TrueFalse),
        "text" => Some(QuestionKind::Text),
        "spot" => Some(QuestionKind::Spot),
        _ => None,
    }
}

/// Ids are `a-z 0-9 - _`: they end up in URLs, HTML ids and statistics.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A valid id close to what the trainer wrote: `Mã OTP` → `ma-otp`.
fn suggest_id(id: &str) -> String {
    let folded = fold_words(id);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The first words of a question, for messages (`empty` when it has none).
fn short(text: &str, empty: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push('…');
    }
    if s.is_empty() {
        s.push_str(empty);
    }
    s
}

// ---------------------------------------------------------------------------
// Answers

/// One `-` item of the answers list.
struct Item {
    /// Offset of the `-`.
    start: usize,
    /// `[x]` (true) or `[ ]` (false) and where it is.
    marker: Option<(bool, usize)>,
    /// The item's own text (Markdown), lines trimmed.
    text: String,
    /// `>` blocks nested under the item, without the `>`.
    explanation: Option<String>,
}

/// The task-list marker of a list item, whether tight or loose.
fn task_marker(item: &Node<'_>) -> Option<(bool, usize)> {
    let find = |nodes: &[Node<'_>]| {
        nodes.iter().find_map(|n| match n.event {
            Event::TaskListMarker(checked) => Some((checked, n.range.start)),
            _ => None,
        })
    };
    find(&item.children).or_else(|| {
        item.children
            .iter()
            .find(|n| matches!(n.event, Event::Start(Tag::Paragraph)))
            .and_then(|p| find(&p.children))
    })
}

fn read_item(node: &Node<'_>, ctx: &mut Ctx<'_, '_>) -> Item {
    let marker = task_marker(node);
    let mut text_parts: Vec<String> = Vec::new();
    let mut inline: Option<Range<usize>> = None;
    let mut explanations: Vec<String> = Vec::new();
    let mut after_block = false;
    let mut stray_reported = false;

    let flush = |inline: &mut Option<Range<usize>>, parts: &mut Vec<String>, ctx: &Ctx| {
        if let Some(r) = inline.take() {
            parts.push(tidy(ctx.src(&r)));
        }
    };

    for child in &node.children {
        let is_text = child.is_inline() || matches!(child.event, Event::Start(Tag::Paragraph));
        if is_text && after_block {
            if !stray_reported {
                stray_reported = true;
                ctx.error(
                    child.range.start,
                    "unexpected text under this answer's explanation: an answer is one line of \
                     text, optionally followed by a `>` explanation indented below it",
                    "có chữ lạ dưới lời giải thích của đáp án này: mỗi đáp án là một dòng chữ, \
                     có thể kèm một dòng giải thích `>` thụt vào ngay bên dưới",
                );
            }
            continue;
        }
        match &child.event {
            Event::TaskListMarker(_) => {}
            Event::Start(Tag::Paragraph) => {
                flush(&mut inline, &mut text_parts, ctx);
                let content: Vec<&Node> = child
                    .children
                    .iter()
                    .filter(|n| !matches!(n.event, Event::TaskListMarker(_)))
                    .collect();
                if let (Some(first), Some(last)) = (content.first(), content.last()) {
                    text_parts.push(tidy(ctx.src(&(first.range.start..last.range.end))));
                }
            }
            _ if child.is_inline() => {
                inline = Some(match inline {
                    Some(r) => r.start..child.range.end,
                    None => child.range.clone(),
                });
            }
            Event::Start(Tag::BlockQuote(_)) => {
                flush(&mut inline, &mut text_parts, ctx);
                after_block = true;
                let quoted = unquote(ctx.src(&child.range));
                if !quoted.is_empty() {
                    explanations.push(quoted);
                }
            }
            Event::Start(Tag::List(_)) => {
                flush(&mut inline, &mut text_parts, ctx);
                after_block = true;
                ctx.error(
                    child.range.start,
                    "this line is indented under the answer above, so it becomes a list inside \
                     that answer: start every answer at the beginning of the line with `-`",
                    "dòng này bị thụt vào dưới đáp án bên trên nên thành một danh sách nằm trong \
                     đáp án đó: hãy bắt đầu mọi đáp án bằng `-` ở đầu dòng",
                );
            }
            _ => {
                flush(&mut inline, &mut text_parts, ctx);
                after_block = true;
                ctx.error(
                    child.range.start,
                    "only a line of text and an optional `>` explanation can go under an \
                     answer; this block is not allowed here",
                    "mỗi đáp án chỉ gồm một dòng chữ và có thể kèm một dòng giải thích `>`; \
                     không được đặt khối nội dung này ở đây",
                );
            }
        }
    }
    flush(&mut inline, &mut text_parts, ctx);
    let text = text_parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    Item {
        start: node.range.start,
        marker,
        text,
        explanation: (!explanations.is_empty()).then(|| explanations.join("\n\n")),
    }
}

/// Checks the answers of a choice question and builds its choices.
fn check_choices(
    kind: QuestionKind,
    items: &[Item],
    list_start: Option<usize>,
    heading: &Node<'_>,
    ctx: &mut Ctx<'_, '_>,
) -> Option<(Vec<Choice>, Vec<String>)> {
    let Some(list_start) = list_start else {
        let (how, how_vi) = if kind == QuestionKind::TrueFalse {
            (
                "`- [x] Đúng` and `- [ ] Sai` (tick the right one with `[x]`)",
                "`- [x] Đúng` và `- [ ] Sai` (đánh dấu `[x]` vào đáp án đúng)",
            )
        } else {
            (
                "`- [x] right answer` and `- [ ] wrong answer`",
                "`- [x] đáp án đúng` và `- [ ] đáp án sai`",
            )
        };
        ctx.error(
            heading.range.start,
            format!("this question has no answers: below the question, list the answers as {how}"),
            format!(
                "câu hỏi này chưa có đáp án: bên dưới câu hỏi, liệt kê các đáp án dạng {how_vi}"
            ),
        );
        return None;
    };

    let mut ok = true;
    let mut choices = Vec::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let Some((correct, _)) = item.marker else {
            ok = false;
            if item.text.starts_with('=') {
                ctx.error(
                    item.start,
                    "`- = ...` lines are only for typed-answer questions (add `.text` to the \
                     heading's `{...}`); for a choice, write `- [ ] answer` (wrong) or \
                     `- [x] answer` (correct)",
                    "dòng `- = ...` chỉ dùng cho câu hỏi gõ câu trả lời (thêm `.text` vào `{...}` \
                     của tiêu đề); với câu hỏi chọn đáp án, hãy viết `- [ ] đáp án` (sai) hoặc \
                     `- [x] đáp án` (đúng)",
                );
            } else {
                ctx.error(
                    item.start,
                    "this answer has no checkbox: write `- [ ] answer` for a wrong answer or \
                     `- [x] answer` for a correct one",
                    "đáp án này chưa có ô đánh dấu: viết `- [ ] đáp án` cho đáp án sai hoặc \
                     `- [x] đáp án` cho đáp án đúng",
                );
            }
            continue;
        };
        if item.text.is_empty() {
            ok = false;
            ctx.error(
                item.start,
                "this answer is empty: write its text after the `[ ]`",
                "đáp án này đang để trống: viết nội dung đáp án sau `[ ]`",
            );
            continue;
        }
        let key: String = item.text.nfc().collect();
        if let Some(line) = first_seen.get(&key) {
            ctx.warning(
                item.start,
                format!("this answer is the same as the one on line {line}"),
                format!("đáp án này giống hệt đáp án ở dòng {line}"),
            );
        } else {
            first_seen.insert(key, ctx.line(item.start));
        }
        choices.push(Choice {
            id: choice_id(index),
            text_md: item.text.clone(),
            correct,
            explanation_md: item.explanation.clone(),
        });
    }
    // The checks below still run when some answers had mistakes, so that
    // every mistake shows at once; those that would only guess at what a
    // broken answer meant wait until the answers are fixed.
    let all_items_ok = ok;
    let correct: Vec<usize> = items
        .iter()
        .filter_map(|i| i.marker.filter(|m| m.0).map(|m| m.1))
        .collect();
    match kind {
        QuestionKind::Single | QuestionKind::Multiple | QuestionKind::Spot => {
            if all_items_ok && choices.len() < 2 {
                ok = false;
                ctx.error(
                    list_start,
                    "a choice question needs at least two answers to choose from",
                    "câu hỏi chọn đáp án cần ít nhất hai đáp án để chọn",
                );
            }
            // A spot-the-scam message may be genuine: no part is a sign, and
            // ticking nothing is the right answer.
            if correct.is_empty() && kind != QuestionKind::Spot {
                if all_items_ok {
                    ok = false;
                    let (what, what_vi) = if kind == QuestionKind::Multiple {
                        (
                            "tick every correct answer with `- [x]`",
                            "đánh dấu `- [x]` vào mọi đáp án đúng",
                        )
                    } else {
                        (
                            "tick the right one with `- [x]`",
                            "đánh dấu `- [x]` vào đáp án đúng",
                        )
                    };
                    ctx.error(
                        list_start,
                        format!("no answer is marked correct: {what}"),
                        format!("chưa có đáp án nào được đánh dấu là đúng: {what_vi}"),
                    );
                }
            } else if kind == QuestionKind::Single && correct.len() > 1 {
                ok = false;
                ctx.error(
                    correct[1],
                    format!(
                        "{} answers are ticked `[x]`, but this question accepts exactly one. \
                         Tick only the right one, or add `.multiple` to the heading's `{{...}}` \
                         if learners must pick several",
                        correct.len()
                    ),
                    format!(
                        "có {} đáp án được đánh dấu `[x]`, nhưng câu hỏi này chỉ được có một đáp án \
                         đúng. Chỉ đánh dấu đáp án đúng, hoặc thêm `.multiple` vào `{{...}}` của \
                         tiêu đề nếu người học phải chọn nhiều đáp án",
                        correct.len()
                    ),
                );
            }
        }
        QuestionKind::TrueFalse => {
            let labels: Vec<Option<bool>> = items.iter().map(|i| true_false(&i.text)).collect();
            let shape_ok =
                labels.len() == 2 && labels.contains(&Some(true)) && labels.contains(&Some(false));
            if !shape_ok {
                ok = false;
                ctx.error(
                    list_start,
                    "a true/false question has exactly two answers, `Đúng` and `Sai` \
                     (or `True` and `False`): `- [ ] Đúng` and `- [x] Sai`, say",
                    "câu hỏi đúng/sai chỉ có hai đáp án, `Đúng` và `Sai` \
                     (hoặc `True` và `False`), ví dụ: `- [ ] Đúng` và `- [x] Sai`",
                );
            } else if correct.len() > 1 || (all_items_ok && correct.is_empty()) {
                ok = false;
                let at = correct.get(1).copied().unwrap_or(list_start);
                ctx.error(
                    at,
                    "tick exactly one of the two answers with `[x]`: the right one",
                    "đánh dấu `[x]` vào đúng một trong hai đáp án: đáp án đúng",
                );
            }
        }
        QuestionKind::Text => {}
    }
    ok.then_some((choices, Vec::new()))
}

/// `Đúng`/`True` → true, `Sai`/`False` → false.
fn true_false(text: &str) -> Option<bool> {
    let t: String = text.trim().nfc().collect::<String>().to_lowercase();
    match t.as_str() {
        "đúng" | "true" => Some(true),
        "sai" | "false" => Some(false),
        _ => None,
    }
}

/// Checks the `- = answer` items of a typed-answer question.
fn check_text(
    items: &[Item],
    list_start: Option<usize>,
    heading: &Node<'_>,
    ctx: &mut Ctx<'_, '_>,
) -> Option<(Vec<Choice>, Vec<String>)> {
    let mut ok = true;
    let mut accepted = Vec::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for item in items {
        if item.marker.is_some() {
            ok = false;
            ctx.error(
                item.start,
                "a typed-answer question (`.text`) lists the accepted answers as `- = answer`; \
                 checkboxes `- [ ]` / `- [x]` are for choice questions",
                "câu hỏi gõ câu trả lời (`.text`) liệt kê các câu trả lời được chấp nhận dạng \
                 `- = câu trả lời`; ô đánh dấu `- [ ]` / `- [x]` chỉ dùng cho câu hỏi chọn đáp án",
            );
            continue;
        }
        let Some(answer) = item.text.strip_prefix('=') else {
            ok = false;
            ctx.error(
                item.start,
                "write each accepted answer as `- = answer` (a dash, a space, an equals sign, \
                 then the answer)",
                "viết mỗi câu trả lời được chấp nhận dạng `- = câu trả lời` (dấu gạch ngang, \
                 dấu cách, dấu bằng, rồi đến câu trả lời)",
            );
            continue;
        };
        let answer = answer.trim();
        if answer.is_empty() {
            ok = false;
            ctx.error(
                item.start,
                "this accepted answer is empty: write it after `- =`",
                "câu trả lời được chấp nhận này đang để trống: viết nó sau `- =`",
            );
            continue;
        }
        if item.explanation.is_some() {
            ctx.warning(
                item.start,
                "an explanation under an accepted answer is never shown: put it after the list, \
                 on a line starting with `>`",
                "lời giải thích dưới một câu trả lời được chấp nhận sẽ không bao giờ hiện ra: \
                 hãy đặt nó sau danh sách, trên một dòng bắt đầu bằng `>`",
            );
        }
        let key = normalize(answer);
        if let Some(line) = first_seen.get(&key) {
            ctx.warning(
                item.start,
                format!(
                    "this accepted answer is the same as the one on line {line} (capitals and \
                     extra spaces are ignored when comparing)"
                ),
                format!(
                    "câu trả lời được chấp nhận này giống câu ở dòng {line} (khi so sánh, \
                     chữ hoa và dấu cách thừa được bỏ qua)"
                ),
            );
        } else {
            first_seen.insert(key, ctx.line(item.start));
        }
        accepted.push(answer.to_string());
    }
    if ok && accepted.is_empty() {
        ok = false;
        ctx.error(
            list_start.unwrap_or(heading.range.start),
            "this typed-answer question has no accepted answers: below the question, list \
             each accepted answer on its own line as `- = answer`",
            "câu hỏi gõ câu trả lời này chưa có câu trả lời nào được chấp nhận: bên dưới câu hỏi, \
             ghi mỗi câu trả lời được chấp nhận trên một dòng riêng dạng `- = câu trả lời`",
        );
    }
    ok.then_some((Vec::new(), accepted))
}

// ---------------------------------------------------------------------------
// Text helpers

/// Inline Markdown with each line trimmed (continuation lines are indented).
fn tidy(src: &str) -> String {
    src.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// The Markdown inside a `>` block: one `>` (and one space) removed per line.
fn unquote(src: &str) -> String {
    src.lines()
        .map(|line| {
            let line = line.trim_start();
            match line.strip_prefix('>') {
                Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
                None => line,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::diagnostics::Severity;

    /// Line, column, severity and message of one finding.
    type Finding = (usize, usize, Severity, String);

    fn parse(text: &str) -> (Option<Quiz>, Vec<Finding>) {
        let mut diags = Diagnostics::default();
        let quiz = parse_quiz(Path::new("t.quiz.md"), text, &mut diags);
        let found = diags
            .into_sorted()
            .into_iter()
            .map(|d| (d.line, d.col, d.severity, d.message))
            .collect();
        (quiz, found)
    }

    /// Lines of the errors (and warnings) in `text`, asserting it failed.
    fn error_lines(text: &str) -> Vec<usize> {
        let (quiz, found) = parse(text);
        assert!(
            quiz.is_none(),
            "expected errors, got a quiz; diagnostics: {found:#?}"
        );
        found
            .iter()
            .filter(|d| d.2 == Severity::Error)
            .map(|d| d.0)
            .collect()
    }

    fn messages(text: &str) -> Vec<String> {
        parse(text).1.into_iter().map(|d| d.3).collect()
    }

    const VALID: &str = "+++
pass_percent = 80
max_attempts = 3
shuffle = false
draw = 4
+++

## Ngân hàng có bao giờ gọi điện hỏi mã **OTP** của bạn không? {#otp-ngan-hang}

Bà Tư nhận được cuộc gọi lạ.

- [ ] Có, khi cần xác minh giao dịch
- [x] Không bao giờ
- [ ] Chỉ với khách hàng ưu tiên
  > Không có \"khách hàng ưu tiên\" nào
  > được hỏi OTP cả.

> Mã OTP chỉ dành cho bạn.

## Nhận định: \"Có thể đọc mã OTP qua điện thoại.\" {#doc-otp .true-false}

- [ ] Đúng
- [x] Sai

## Những việc nào giúp bảo vệ tài khoản? {#bao-ve .multiple}

- [x] Bật xác thực hai lớp

- [X] Dùng mật khẩu khác nhau
  cho mỗi tài khoản
- [ ] Gửi mật khẩu cho người thân

> Mỗi lớp bảo vệ thêm
> làm kẻ gian khó hơn.

---

## Số đường dây nóng là gì? {#tong_dai .text .no-diacritics}

- = 18001096
- = 1800 1096

> Tổng đài miễn phí.
";

    #[test]
    fn valid_quiz_with_every_type() {
        let (quiz, found) = parse(VALID);
        assert!(found.is_empty(), "{found:#?}");
        let quiz = quiz.expect("quiz");
        assert_eq!(
            quiz.settings,
            QuizSettings {
                pass_percent: 80,
                max_attempts: 3,
                wait_minutes: 0,
                shuffle: false,
                draw: Some(4),
            }
        );
        let ids: Vec<&str> = quiz.questions.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["otp-ngan-hang", "doc-otp", "bao-ve", "tong_dai"]);

        let q = &quiz.questions[0];
        assert_eq!(q.kind, QuestionKind::Single);
        assert_eq!(q.line, 8);
        assert_eq!(
            q.prompt_md,
            "Ngân hàng có bao giờ gọi điện hỏi mã **OTP** của bạn không?\n\n\
             Bà Tư nhận được cuộc gọi lạ."
        );
        let opts: Vec<(&str, &str, bool)> = q
            .options
            .iter()
            .map(|c| (c.id.as_str(), c.text_md.as_str(), c.correct))
            .collect();
        assert_eq!(
            opts,
            [
                ("a", "Có, khi cần xác minh giao dịch", false),
                ("b", "Không bao giờ", true),
                ("c", "Chỉ với khách hàng ưu tiên", false),
            ]
        );
        assert_eq!(q.options[0].explanation_md, None);
        assert_eq!(
            q.options[2].explanation_md.as_deref(),
            Some("Không có \"khách hàng ưu tiên\" nào\nđược hỏi OTP cả.")
        );
        assert_eq!(
            q.explanation_md.as_deref(),
            Some("Mã OTP chỉ dành cho bạn.")
        );
        assert!(q.accepted.is_empty());
        assert_eq!(q.correct_ids().collect::<Vec<_>>(), ["b"]);

        let q = &quiz.questions[1];
        assert_eq!(q.kind, QuestionKind::TrueFalse);
        assert_eq!(q.line, 20);
        assert_eq!(
            q.prompt_md,
            "Nhận định: \"Có thể đọc mã OTP qua điện thoại.\""
        );
        assert_eq!(q.options.len(), 2);
        assert_eq!(
            (q.options[0].text_md.as_str(), q.options[0].correct),
            ("Đúng", false)
        );
        assert_eq!(
            (q.options[1].text_md.as_str(), q.options[1].correct),
            ("Sai", true)
        );
        assert_eq!(q.explanation_md, None);

        let q = &quiz.questions[2];
        assert_eq!(q.kind, QuestionKind::Multiple);
        assert_eq!(
            q.options
                .iter()
                .map(|c| (c.text_md.as_str(), c.correct))
                .collect::<Vec<_>>(),
            [
                ("Bật xác thực hai lớp", true),
                ("Dùng mật khẩu khác nhau\ncho mỗi tài khoản", true),
                ("Gửi mật khẩu cho người thân", false),
            ]
        );
        assert_eq!(
            q.explanation_md.as_deref(),
            Some("Mỗi lớp bảo vệ thêm\nlàm kẻ gian khó hơn.")
        );

        let q = &quiz.questions[3];
        assert_eq!(q.kind, QuestionKind::Text);
        assert!(q.ignore_diacritics);
        assert!(q.options.is_empty());
        assert_eq!(q.accepted, ["18001096", "1800 1096"]);
        assert_eq!(q.explanation_md.as_deref(), Some("Tổng đài miễn phí."));
        assert_eq!(q.line, 38);
        assert!(quiz.question("bao-ve").is_some());
    }

    #[test]
    fn front_matter_is_optional() {
        let (quiz, found) = parse("## Q? {#q}\n\n- [x] A\n- [ ] B\n");
        assert!(found.is_empty(), "{found:#?}");
        let quiz = quiz.unwrap();
        assert_eq!(quiz.settings, QuizSettings::default());
        assert_eq!(quiz.questions[0].line, 1);
        assert_eq!(quiz.questions[0].explanation_md, None);
    }

    #[test]
    fn byte_order_mark_and_crlf() {
        let text = "\u{feff}+++\r\npass_percent = 50\r\n+++\r\n\r\n## Q? {#q}\r\n\r\n- [x] A\r\n- [ ] B\r\n";
        let (quiz, found) = parse(text);
        assert!(found.is_empty(), "{found:#?}");
        let quiz = quiz.unwrap();
        assert_eq!(quiz.settings.pass_percent, 50);
        assert_eq!(quiz.questions[0].line, 5);
        assert_eq!(quiz.questions[0].options[1].text_md, "B");
    }

    #[test]
    fn setext_heading_is_a_question() {
        let (quiz, found) = parse("Q? {#q}\n---\n\n- [x] A\n- [ ] B\n");
        assert!(found.is_empty(), "{found:#?}");
        assert_eq!(quiz.unwrap().questions[0].prompt_md, "Q?");
    }

    #[test]
    fn heading_without_id() {
        let text = "## Q one?\n\n- [x] A\n- [ ] B\n\n## Q two? {.multiple}\n\n- [x] A\n- [ ] B\n";
        let (quiz, found) = parse(text);
        assert!(quiz.is_none());
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!((found[0].0, found[0].1), (1, 10));
        assert!(found[0].3.contains("no id"), "{}", found[0].3);
        assert_eq!((found[1].0, found[1].1), (6, 11));
        assert!(found[1].3.contains("no id"));
    }

    #[test]
    fn duplicate_and_invalid_ids() {
        let text = "## A? {#same}\n\n- [x] A\n- [ ] B\n\n## B? {#same}\n\n- [x] A\n- [ ] B\n\n\
                    ## C? {#Mã-OTP}\n\n- [x] A\n- [ ] B\n";
        let (quiz, found) = parse(text);
        assert!(quiz.is_none());
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!((found[0].0, found[0].1), (6, 8));
        assert!(found[0].3.contains("line 1"), "{}", found[0].3);
        assert_eq!((found[1].0, found[1].1), (11, 8));
        assert!(found[1].3.contains("`#ma-otp`"), "{}", found[1].3);
    }

    #[test]
    fn empty_question_text() {
        assert_eq!(error_lines("## {#q}\n\n- [x] A\n- [ ] B\n"), [1]);
        assert!(messages("## {#q}\n\n- [x] A\n- [ ] B\n")[0].contains("empty"));
    }

    #[test]
    fn choice_question_without_options() {
        let text = "## Q? {#q}\n\nJust text.\n\n## R? {#r .true-false}\n\n> Why.\n";
        assert_eq!(error_lines(text), [1, 5]);
    }

    #[test]
    fn option_without_checkbox() {
        let text = "## Q? {#q}\n\n- [x] A\n- B\n- = C\n- [ ]\n";
        assert_eq!(error_lines(text), [4, 5, 6]);
        let m = messages(text);
        assert!(m[0].contains("no checkbox"), "{m:?}");
        assert!(m[1].contains(".text"), "{m:?}");
        assert!(m[2].contains("empty"), "{m:?}");
    }

    #[test]
    fn single_choice_correct_count() {
        assert_eq!(error_lines("## Q? {#q}\n\n- [ ] A\n- [ ] B\n"), [3]);
        let two = "## Q? {#q}\n\n- [x] A\n- [ ] B\n- [x] C\n";
        let (_, found) = parse(two);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].0, found[0].1), (5, 3));
        assert!(found[0].3.contains(".multiple"));
    }

    #[test]
    fn checks_continue_past_a_broken_answer() {
        // The missing checkbox and the two ticks are both reported.
        let text = "## Q? {#q}\n\n- [x] A\n- [x] B\n- C\n";
        assert_eq!(error_lines(text), [4, 5]);
    }

    #[test]
    fn id_with_spaces() {
        let m = messages("## Q? {#Câu một}\n\n- [x] A\n- [ ] B\n");
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[1].contains("`#cau-mot`"), "{m:?}");
    }

    #[test]
    fn single_choice_needs_two_options() {
        assert_eq!(error_lines("## Q? {#q}\n\n- [x] A\n"), [3]);
    }

    #[test]
    fn multiple_without_correct() {
        assert_eq!(
            error_lines("## Q? {#q .multiple}\n\n- [ ] A\n- [ ] B\n"),
            [3]
        );
    }

    #[test]
    fn true_false_shape() {
        // Wrong labels.
        assert_eq!(
            error_lines("## Q {#q .true-false}\n\n- [x] Có\n- [ ] Không\n"),
            [3]
        );
        // Three options.
        assert_eq!(
            error_lines("## Q {#q .true-false}\n\n- [x] Đúng\n- [ ] Sai\n- [ ] Sai\n"),
            [3]
        );
        // Both ticked: the second tick.
        assert_eq!(
            error_lines("## Q {#q .true-false}\n\n- [x] Đúng\n- [x] Sai\n"),
            [4]
        );
        // None ticked.
        assert_eq!(
            error_lines("## Q {#q .true-false}\n\n- [ ] Đúng\n- [ ] Sai\n"),
            [3]
        );
        // English labels, any case, accepted.
        let (quiz, found) = parse("## Q {#q .true-false}\n\n- [ ] true\n- [x] False\n");
        assert!(found.is_empty(), "{found:#?}");
        assert!(quiz.unwrap().questions[0].options[1].correct);
    }

    #[test]
    fn text_question_mistakes() {
        // No accepted answers at all.
        assert_eq!(error_lines("## Q {#q .text}\n\n> Why.\n"), [1]);
        // Checkboxes and a plain item instead of `- =`.
        let text = "## Q {#q .text}\n\n- = ok\n- [x] no\n- plain\n- =\n";
        assert_eq!(error_lines(text), [4, 5, 6]);
    }

    #[test]
    fn unknown_type_class_and_attributes() {
        let text = "## Q {#q .multi}\n\n- [x] A\n- [ ] B\n\n## R {#r .text .multiple}\n\n- = x\n\n\
                    ## S {#s text}\n\n- = x\n";
        let (quiz, found) = parse(text);
        assert!(quiz.is_none());
        let at: Vec<(usize, usize)> = found.iter().map(|d| (d.0, d.1)).collect();
        assert_eq!(at, [(1, 10), (6, 16), (10, 10)], "{found:#?}");
        assert!(found[0].3.contains("`.multi`"));
        assert!(found[1].3.contains("only one type"));
        assert!(found[2].3.contains("`.text`"));
    }

    #[test]
    fn no_diacritics_on_choice_question_is_a_warning() {
        let (quiz, found) = parse("## Q {#q .no-diacritics}\n\n- [x] A\n- [ ] B\n");
        assert!(quiz.is_some());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].2, Severity::Warning);
    }

    #[test]
    fn content_before_first_question() {
        let text = "\n\nIntro text.\n\nMore.\n\n## Q? {#q}\n\n- [x] A\n- [ ] B\n";
        assert_eq!(error_lines(text), [3], "reported once");
        let with_front = "+++\nshuffle = true\n+++\nIntro.\n\n## Q? {#q}\n\n- [x] A\n- [ ] B\n";
        assert_eq!(error_lines(with_front), [4]);
        // Comments and blank lines are fine.
        let (quiz, _) = parse("<!-- note for trainers -->\n\n## Q? {#q}\n\n- [x] A\n- [ ] B\n");
        assert!(quiz.is_some());
    }

    #[test]
    fn quiz_without_questions() {
        assert_eq!(error_lines(""), [1]);
        assert_eq!(error_lines("+++\npass_percent = 60\n+++\n\n"), [1]);
    }

    #[test]
    fn other_heading_levels() {
        let text = "# Bài kiểm tra\n\n## Q? {#q}\n\n### Gợi ý\n\n- [x] A\n- [ ] B\n";
        assert_eq!(error_lines(text), [1, 5]);
        assert!(messages(text)[0].contains("`#`"));
    }

    #[test]
    fn wait_minutes_is_a_number_of_minutes() {
        let quiz = |front: &str| format!("+++\n{front}\n+++\n## Q? {{#q}}\n\n- [x] A\n- [ ] B\n");
        let (parsed, found) = parse(&quiz("wait_minutes = 60"));
        assert!(found.is_empty(), "{found:#?}");
        assert_eq!(parsed.expect("quiz").settings.wait_minutes, 60);
        assert_eq!(error_lines(&quiz("wait_minutes = -5")), [2]);
        assert_eq!(error_lines(&quiz("wait_minutes = \"1h\"")), [2]);
        assert_eq!(error_lines(&quiz("wait_minutes = 100000")), [2]);
    }

    #[test]
    fn spot_the_scam_lists_the_parts_of_a_message() {
        let text = "## Tin nhắn này có dấu hiệu nào? {#giao-hang .spot}\n\n\
                    Tin nhắn SMS từ số lạ:\n\n\
                    - [ ] GHN: Don hang #58213 da den kho.\n\
                    - [x] Phi phat lai 15.000d.\n  > Hãng không thu phí qua tin nhắn.\n\
                    - [x] Cap nhat tai ghn-vn.top/cap-nhat\n\n\
                    > Tin giả.\n";
        let (quiz, found) = parse(text);
        assert!(found.is_empty(), "{found:#?}");
        let q = &quiz.expect("quiz").questions[0];
        assert_eq!(q.kind, QuestionKind::Spot);
        assert_eq!(q.options.len(), 3);
        assert_eq!(q.correct_ids().collect::<Vec<_>>(), ["b", "c"]);
        assert!(q.prompt_md.contains("Tin nhắn SMS từ số lạ"));
        // A genuine message: no part is a sign.
        let genuine = "## Q? {#q .spot}\n\n- [ ] Một\n- [ ] Hai\n";
        let (quiz, found) = parse(genuine);
        assert!(found.is_empty(), "{found:#?}");
        assert_eq!(quiz.unwrap().questions[0].correct_ids().count(), 0);
    }

    #[test]
    fn settings_mistakes() {
        let text = "+++\npass_percent = 0\nmax_attempts = -1\nshuffle = \"yes\"\ndraw = 0\n\
                    title = \"x\"\n+++\n## Q? {#q}\n\n- [x] A\n- [ ] B\n";
        let (quiz, found) = parse(text);
        assert!(quiz.is_none());
        let lines: Vec<usize> = found.iter().map(|d| d.0).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6], "{found:#?}");
        assert!(found[4].3.contains("unknown setting `title`"));
        assert_eq!(
            error_lines("+++\npass_percent = 101\n+++\n## Q? {#q}\n\n- [x] A\n- [ ] B\n"),
            [2]
        );
        // TOML syntax error, at its line.
        assert_eq!(
            error_lines("+++\npass_percent = \n+++\n## Q? {#q}\n\n- [x] A\n- [ ] B\n"),
            [2]
        );
    }

    #[test]
    fn draw_larger_than_pool() {
        let text = "+++\nshuffle = true\ndraw = 3\n+++\n## Q? {#q}\n\n- [x] A\n- [ ] B\n\n\
                    ## R? {#r}\n\n- [x] A\n- [ ] B\n";
        let (quiz, found) = parse(text);
        assert!(quiz.is_none());
        assert_eq!((found[0].0, found[0].1), (3, 1), "{found:#?}");
        assert!(found[0].3.contains("only 2 questions"));
        let ok = text.replace("draw = 3", "draw = 2");
        assert!(parse(&ok).0.is_some());
    }

    #[test]
    fn duplicate_options_are_warnings() {
        let text = "## Q? {#q}\n\n- [x] A\n- [ ] B\n- [ ]  B\n\n## T {#t .text}\n\n- = Hà Nội\n- = hà  nội\n";
        let (quiz, found) = parse(text);
        assert!(quiz.is_some(), "{found:#?}");
        let at: Vec<(usize, Severity)> = found.iter().map(|d| (d.0, d.2)).collect();
        assert_eq!(at, [(5, Severity::Warning), (10, Severity::Warning)]);
        assert!(found[0].3.contains("line 4"));
    }

    #[test]
    fn text_after_answers_and_second_list() {
        let text = "## Q? {#q}\n\n- [x] A\n- [ ] B\n\nStray paragraph.\n\n> Why.\n\n* [ ] C\n";
        assert_eq!(error_lines(text), [6, 10]);
    }

    #[test]
    fn nested_list_under_an_option() {
        let text = "## Q? {#q}\n\n- [x] A\n  - [ ] B\n- [ ] C\n";
        assert_eq!(error_lines(text), [4]);
    }

    #[test]
    fn numbered_answers() {
        let text = "## Q? {#q}\n\n1. [x] A\n2. [ ] B\n";
        assert_eq!(error_lines(text), [3]);
        // A numbered list before the answers belongs to the scenario.
        let ok = "## Q? {#q}\n\n1. Step one\n2. Step two\n\n- [x] A\n- [ ] B\n";
        let (quiz, found) = parse(ok);
        assert!(found.is_empty(), "{found:#?}");
        assert_eq!(
            quiz.unwrap().questions[0].prompt_md,
            "Q?\n\n1. Step one\n2. Step two"
        );
    }

    #[test]
    fn every_mistake_is_reported_not_just_the_first() {
        let text = "Intro\n\n## A {#a}\n\n- [ ] x\n- [ ] y\n\n## B\n\n- [x] x\n- [ ] y\n\n\
                    ## C {#c .true-false}\n\n- [x] Yes\n- [ ] No\n";
        assert_eq!(error_lines(text), [1, 5, 8, 15]);
    }

    /// Parses every real `*.quiz.md` in `content/` and prints its findings
    /// (run with `--nocapture` to see them). Content is still being written,
    /// so this reports rather than fails.
    #[test]
    fn real_content_quizzes() {
        fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.to_string_lossy().ends_with(".quiz.md") {
                    out.push(path);
                }
            }
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
        let mut files = Vec::new();
        walk(&root, &mut files);
        files.sort();
        let mut diags = Diagnostics::default();
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let rel = path.strip_prefix(&root).unwrap_or(path);
            let quiz = parse_quiz(rel, &text, &mut diags);
            match quiz {
                Some(q) => println!("ok    {} ({} questions)", rel.display(), q.questions.len()),
                None => println!("ERROR {}", rel.display()),
            }
        }
        for d in diags.into_sorted() {
            println!("{d}");
        }
        println!("{} quiz files checked", files.len());
    }
}
