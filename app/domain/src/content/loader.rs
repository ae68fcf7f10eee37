//! Reads `content/` into a `Catalog`, reporting every problem with its place.
//!
//! Two passes: first every `course.toml` and chapter front matter (so links
//! between chapters, even across courses, can be checked), then every body
//! and quiz. A course with errors is not published from this load: the
//! previous good version of that course stays online if there is one, so one
//! trainer's typo never takes other courses, or the site, down.

use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    sync::Arc,
};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{
    catalog::{Catalog, Chapter, Course},
    diagnostics::{Diagnostic, Diagnostics, LineIndex, Position},
    front_matter::{self, field_position},
    markdown::{self, LinkTargets, Source},
    skills::{self, Framework},
    tree::{self, Tree},
};
use crate::{
    content::Audience,
    quiz::{balance, model::Quiz, parse::parse_quiz},
    search::{SearchDoc, SearchIndex},
};

/// Chapter ids that would clash with course pages (`/courses/<c>/test`, `/stats`).
const RESERVED_IDS: &[&str] = &["test", "stats"];

/// The result of one load: always a catalog to serve, plus the findings.
pub struct LoadOutcome {
    pub catalog: Catalog,
    pub diagnostics: Vec<Diagnostic>,
    pub has_errors: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    courses: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CourseFile {
    title: String,
    summary: String,
    audience: Audience,
    #[serde(default)]
    certificate: bool,
    chapters: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChapterFront {
    id: String,
    title: String,
    minutes: u32,
    summary: String,
    #[serde(default)]
    skills: Vec<String>,
    review_by: Option<toml::value::Datetime>,
    /// A recorded reading of the chapter, a file in the course folder.
    audio: Option<String>,
}

/// A chapter after the first pass: front matter read, body not yet rendered.
struct ChapterDraft {
    /// Path in the tree (`course/01-file.md`).
    rel: String,
    /// Path findings name.
    file: PathBuf,
    text: String,
    front: ChapterFront,
    body_offset: usize,
}

/// A course after the first pass.
struct CourseDraft {
    slug: String,
    meta: CourseFile,
    chapters: Vec<ChapterDraft>,
    diags: Diagnostics,
}

/// Loads the folder `root` (see `load`).
pub fn load_dir(root: &Path, previous: Option<&Catalog>) -> LoadOutcome {
    if !root.is_dir() {
        let mut diags = Diagnostics::default();
        diags.error(
            Position::file(root),
            "content folder not found",
            "không tìm thấy thư mục nội dung",
        );
        return finish(Vec::new(), diags, Framework::default());
    }
    load(&Tree::read_dir(root), previous)
}

/// Loads `tree`. `previous` supplies last good versions of broken courses.
pub fn load(tree: &Tree, previous: Option<&Catalog>) -> LoadOutcome {
    let mut diags = Diagnostics::default();
    let framework_text = read_text(tree, skills::FILE, false, &mut diags);
    let framework = Framework::load(
        &tree.position_path(skills::FILE),
        framework_text,
        &mut diags,
    );
    let slugs = course_order(tree, &mut diags);
    let mut drafts: Vec<CourseDraft> = slugs
        .into_iter()
        .filter_map(|slug| read_course(tree, slug, &mut diags))
        .collect();
    for draft in &mut drafts {
        check_skills(draft, &framework);
    }

    // Every chapter file name of every course, for checking links.
    let mut link_map = HashMap::new();
    for draft in &drafts {
        for chapter in &draft.chapters {
            let name = file_name(&chapter.rel);
            link_map.insert((draft.slug.clone(), name), chapter.front.id.clone());
        }
    }
    let targets = LinkTargets {
        chapters: &link_map,
    };

    let mut courses = Vec::new();
    for draft in drafts.drain(..) {
        let slug = draft.slug.clone();
        let (course, course_diags) = build_course(tree, draft, &targets);
        let failed = course_diags.has_errors();
        diags.extend(course_diags);
        match (failed, course) {
            (false, Some(course)) => courses.push(Arc::new(course)),
            _ => {
                if let Some(old) = previous.and_then(|p| p.course(&slug)) {
                    tracing::warn!(course = %slug, "content errors: keeping the last good version online");
                    courses.push(old.clone());
                }
            }
        }
    }
    finish(courses, diags, framework)
}

/// Every chapter names skills of the framework: an unknown code is an
/// error (a typo would drop the chapter from every skills report), none at
/// all a warning. Without a `skills.toml` nothing is checked.
fn check_skills(draft: &mut CourseDraft, framework: &Framework) {
    if framework.is_empty() {
        return;
    }
    let CourseDraft {
        chapters, diags, ..
    } = draft;
    for chapter in chapters.iter() {
        let (line, col) = field_position(&chapter.text, 1, "skills");
        let at = Position {
            file: &chapter.file,
            line,
            col,
        };
        if chapter.front.skills.is_empty() {
            diags.warning(
                at,
                format!(
                    "no `skills`: name the codes from {} this chapter teaches",
                    skills::FILE
                ),
                format!(
                    "chưa có `skills`: ghi các mã kỹ năng (trong {}) mà bài này dạy",
                    skills::FILE
                ),
            );
        }
        for code in &chapter.front.skills {
            if framework.skill(code).is_none() {
                diags.error(
                    at,
                    format!("unknown skill code `{code}`: it is not in {}", skills::FILE),
                    format!("mã kỹ năng `{code}` không có trong {}", skills::FILE),
                );
            }
        }
    }
}

/// Warnings for a quiz that can be passed without understanding it.
/// Also renders every question's Markdown now, once per load, instead of
/// on every quiz page and result.
fn check_balance(file: &Path, quiz: &Quiz, diags: &mut Diagnostics) {
    for warning in balance::warnings(quiz) {
        diags.warning(Position::file(file), warning.en, warning.vi);
    }
    for question in &quiz.questions {
        for warning in crate::quiz::figures::question_warnings(question) {
            let at = Position {
                file,
                line: question.line,
                col: 1,
            };
            diags.warning(at, warning.en, warning.vi);
        }
        question.html();
    }
}

fn finish(courses: Vec<Arc<Course>>, diags: Diagnostics, framework: Framework) -> LoadOutcome {
    let has_errors = diags.has_errors();
    let search = SearchIndex::build(search_docs(&courses));
    LoadOutcome {
        catalog: Catalog::new(courses, search).with_skills(framework),
        diagnostics: diags.into_sorted(),
        has_errors,
    }
}

fn search_docs(courses: &[Arc<Course>]) -> Vec<SearchDoc> {
    courses
        .iter()
        .flat_map(|course| {
            course.chapters.iter().map(|chapter| SearchDoc {
                course_slug: course.slug.clone(),
                course_title: course.title.clone(),
                chapter_id: chapter.id.clone(),
                chapter_title: chapter.title.clone(),
                headings: chapter
                    .toc
                    .iter()
                    .map(|t| (t.id.clone(), t.text.clone()))
                    .collect(),
                body: chapter.plain_text.clone(),
            })
        })
        .collect()
}

/// The course folders in display order: `catalog.toml` first, then the rest.
fn course_order(tree: &Tree, diags: &mut Diagnostics) -> Vec<String> {
    let mut folders = Vec::new();
    for (rel, why) in tree.refusals() {
        if !rel.contains('/') {
            diags.error(
                Position::file(&tree.position_path(rel)),
                why.to_string(),
                why.vi(),
            );
        }
    }
    for name in tree.top_folders() {
        if tree.get(&format!("{name}/course.toml")).is_some() {
            folders.push(name);
        } else {
            diags.warning(
                Position::file(&tree.position_path(&name)),
                "folder has no course.toml; it is not a course and is ignored",
                "thư mục này không có course.toml nên không được coi là khóa học và bị bỏ qua",
            );
        }
    }
    folders.sort();

    let catalog_path = tree.position_path("catalog.toml");
    let Some(text) = read_text(tree, "catalog.toml", false, diags) else {
        return folders;
    };
    let Some(listed) = front_matter::parse_toml::<CatalogFile>(&catalog_path, &text, 1, diags)
    else {
        return folders;
    };
    let index = LineIndex::new(&text, 1);
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    for slug in listed.courses {
        let offset = text.find(&format!("\"{slug}\"")).unwrap_or(0);
        if !seen.insert(slug.clone()) {
            diags.error(
                index.at(&catalog_path, &text, offset),
                format!("course `{slug}` is listed twice"),
                format!("khóa học `{slug}` được ghi hai lần"),
            );
        } else if folders.contains(&slug) {
            order.push(slug);
        } else {
            diags.error(
                index.at(&catalog_path, &text, offset),
                format!("unknown course `{slug}`: there is no folder {slug}/ with a course.toml"),
                format!(
                    "không tìm thấy khóa học `{slug}`: không có thư mục {slug}/ chứa course.toml"
                ),
            );
        }
    }
    for slug in folders {
        if !seen.contains(&slug) {
            diags.warning(
                Position::file(&catalog_path),
                format!("course `{slug}` is not listed in catalog.toml; it is shown last"),
                format!("khóa học `{slug}` chưa có trong danh sách ở catalog.toml nên được xếp cuối cùng"),
            );
            order.push(slug);
        }
    }
    order
}

/// First pass over one course: course.toml and chapter front matter.
fn read_course(tree: &Tree, slug: String, outer: &mut Diagnostics) -> Option<CourseDraft> {
    let mut diags = Diagnostics::default();
    let course_rel = format!("{slug}/course.toml");
    let course_path = tree.position_path(&course_rel);
    if !is_slug(&slug) {
        diags.error(
            Position::file(&course_path),
            format!("course folder `{slug}` must use only a-z, 0-9 and `-` (it becomes the web address)"),
            format!("tên thư mục khóa học `{slug}` chỉ được dùng chữ thường không dấu a-z, số 0-9 và dấu `-` (tên này trở thành địa chỉ trang web)"),
        );
    }
    let text = read_text(tree, &course_rel, true, &mut diags);
    let meta = text
        .as_deref()
        .and_then(|t| front_matter::parse_toml::<CourseFile>(&course_path, t, 1, &mut diags));
    let Some(meta) = meta else {
        outer.extend(diags);
        return None;
    };
    let text = text.unwrap_or_default();
    for (field, value) in [("title", &meta.title), ("summary", &meta.summary)] {
        let (line, col) = field_position(&text, 1, field);
        let at = Position {
            file: &course_path,
            line,
            col,
        };
        if value.trim().is_empty() {
            diags.error(
                at,
                format!("`{field}` is empty"),
                format!("`{field}` đang để trống"),
            );
        }
        check_plain_text(at, field, value, &mut diags);
    }

    let files = chapter_files(
        tree,
        &slug,
        &course_path,
        &text,
        meta.chapters.as_deref(),
        &mut diags,
    );
    let mut chapters = Vec::new();
    let mut ids: HashMap<String, PathBuf> = HashMap::new();
    for rel in files {
        let file = tree.position_path(&rel);
        let Some(text) = read_text(tree, &rel, true, &mut diags) else {
            continue;
        };
        let Some(split) = front_matter::split(&file, &text, true, &mut diags) else {
            continue;
        };
        let Some(front) = front_matter::parse_toml::<ChapterFront>(
            &file,
            split.front,
            split.front_line,
            &mut diags,
        ) else {
            continue;
        };
        let (line, col) = field_position(split.front, split.front_line, "id");
        let id_at = Position {
            file: &file,
            line,
            col,
        };
        if !is_slug(&front.id) {
            diags.error(
                id_at,
                format!("chapter id `{}` must use only a-z, 0-9 and `-`", front.id),
                format!(
                    "mã bài `{}` chỉ được dùng chữ thường không dấu a-z, số 0-9 và dấu `-`",
                    front.id
                ),
            );
        } else if RESERVED_IDS.contains(&front.id.as_str()) {
            diags.error(
                id_at,
                format!(
                    "chapter id `{}` is reserved for a page of the course; choose another",
                    front.id
                ),
                format!(
                    "mã bài `{}` đã được dành cho một trang của khóa học; hãy chọn mã khác",
                    front.id
                ),
            );
        } else if let Some(first) = ids.get(&front.id) {
            diags.error(
                id_at,
                format!(
                    "duplicate chapter id `{}`: already used by {}",
                    front.id,
                    first.display()
                ),
                format!(
                    "mã bài `{}` bị trùng: tệp {} đã dùng mã này",
                    front.id,
                    first.display()
                ),
            );
        } else {
            ids.insert(front.id.clone(), file.clone());
        }
        check_front(&file, split.front, split.front_line, &front, &mut diags);
        let body_offset = split.body_offset;
        chapters.push(ChapterDraft {
            rel,
            file,
            text: text.clone(),
            front,
            body_offset,
        });
    }
    if chapters.is_empty() && !diags.has_errors() {
        diags.error(
            Position::file(&course_path),
            "the course has no chapters",
            "khóa học chưa có bài học nào",
        );
    }
    Some(CourseDraft {
        slug,
        meta,
        chapters,
        diags,
    })
}

/// The chapter files in order (paths in the tree): as listed in
/// course.toml, else by file name.
fn chapter_files(
    tree: &Tree,
    slug: &str,
    course_path: &Path,
    course_text: &str,
    listed: Option<&[String]>,
    diags: &mut Diagnostics,
) -> Vec<String> {
    let mut present: Vec<String> = tree
        .names_in(slug)
        .into_iter()
        .filter(|n| n.ends_with(".md") && !n.ends_with(".quiz.md") && n != "README.md")
        .collect();
    present.sort();
    let Some(listed) = listed else {
        return present.into_iter().map(|n| format!("{slug}/{n}")).collect();
    };
    let index = LineIndex::new(course_text, 1);
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    for name in listed {
        let at = index.at(
            course_path,
            course_text,
            course_text.find(&format!("\"{name}\"")).unwrap_or(0),
        );
        if name.contains('/') || name.contains('\\') {
            diags.error(
                at,
                format!("`{name}`: chapters must be files directly in the course folder"),
                format!(
                    "`{name}`: tệp bài học phải nằm ngay trong thư mục khóa học, không nằm trong thư mục con"
                ),
            );
        } else if !seen.insert(name.clone()) {
            diags.error(
                at,
                format!("`{name}` is listed twice"),
                format!("`{name}` được ghi hai lần"),
            );
        } else if !present.contains(name) {
            diags.error(
                at,
                format!(
                    "chapter file `{name}` not found in {}",
                    tree.position_path(slug).display()
                ),
                format!(
                    "không tìm thấy tệp bài học `{name}` trong {}",
                    tree.position_path(slug).display()
                ),
            );
        } else {
            files.push(format!("{slug}/{name}"));
        }
    }
    for name in present.iter().filter(|n| !seen.contains(*n)) {
        diags.warning(
            Position::file(&tree.position_path(&format!("{slug}/{name}"))),
            "this chapter is not listed in course.toml `chapters`, so it is not published",
            "bài này chưa có trong danh sách `chapters` của course.toml nên chưa được đăng",
        );
    }
    files
}

fn check_front(
    file: &Path,
    front_text: &str,
    first_line: usize,
    front: &ChapterFront,
    diags: &mut Diagnostics,
) {
    let at = |field: &str| {
        let (line, col) = field_position(front_text, first_line, field);
        Position { file, line, col }
    };
    if front.title.trim().is_empty() {
        diags.error(at("title"), "`title` is empty", "`title` đang để trống");
    }
    check_plain_text(at("title"), "title", &front.title, diags);
    check_plain_text(at("summary"), "summary", &front.summary, diags);
    if front.summary.trim().is_empty() {
        diags.error(
            at("summary"),
            "`summary` is empty",
            "`summary` đang để trống",
        );
    }
    if front.minutes == 0 || front.minutes > 240 {
        diags.error(
            at("minutes"),
            "`minutes` must be between 1 and 240",
            "`minutes` phải từ 1 đến 240",
        );
    }
    if let Some(date) = front.review_by.as_ref().and_then(|d| d.date) {
        if format!("{:04}-{:02}-{:02}", date.year, date.month, date.day) < crate::clock::today() {
            diags.warning(
                at("review_by"),
                format!(
                    "review_by {:04}-{:02}-{:02} has passed: check this chapter against the current rules, then move the date",
                    date.year, date.month, date.day
                ),
                format!(
                    "đã qua ngày cần xem lại (review_by {:04}-{:02}-{:02}): hãy đối chiếu bài này với quy định hiện hành, rồi dời ngày",
                    date.year, date.month, date.day
                ),
            );
        }
    } else if front.review_by.is_some() {
        diags.error(
            at("review_by"),
            "`review_by` must be a date like 2027-06-30",
            "`review_by` phải là một ngày, ví dụ 2027-06-30",
        );
    }
}

/// Front-matter strings are plain text shown in titles, lists and search
/// results: anything that looks like an HTML tag is refused, so a title can
/// never carry markup into a page (pages escape them as well).
fn check_plain_text(at: Position<'_>, field: &str, value: &str, diags: &mut Diagnostics) {
    let tag_like = value.as_bytes().windows(2).any(|w| {
        w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!' | b'?'))
    });
    if tag_like {
        diags.error(
            at,
            format!("`{field}` must be plain text: it contains an HTML tag (`<…>`)"),
            format!("`{field}` chỉ được là chữ thường: không được chứa thẻ HTML (`<…>`)"),
        );
    }
}

/// Second pass: render bodies, parse quizzes, build the course.
fn build_course(
    tree: &Tree,
    draft: CourseDraft,
    targets: &LinkTargets<'_>,
) -> (Option<Course>, Diagnostics) {
    let CourseDraft {
        slug,
        meta,
        chapters: drafts,
        mut diags,
    } = draft;
    let mut chapters = Vec::new();
    let mut media = HashMap::new();
    for chapter in drafts {
        let src = Source {
            file: &chapter.file,
            course_slug: &slug,
            tree,
            text: &chapter.text,
            body_offset: chapter.body_offset,
        };
        let rendered = markdown::render_chapter(&src, targets, &mut diags);
        check_length(&chapter.file, rendered.html.len(), &mut diags);
        for m in rendered.media {
            media.insert(m.key, m.file);
        }
        let audio = chapter.front.audio.as_deref().and_then(|name| {
            let (line, col) = field_position(&chapter.text, 1, "audio");
            let at = Position {
                file: &chapter.file,
                line,
                col,
            };
            let mut found = Vec::new();
            let m = markdown::register_audio(name, &src, at, &mut found, &mut diags)?;
            media.insert(m.key.clone(), m.file);
            Some(format!("/media/{}", m.key))
        });
        let quiz_rel = quiz_file_of(&chapter.rel);
        let quiz_path = tree.position_path(&quiz_rel);
        let mut hasher = Sha256::new();
        hasher.update(chapter.text.as_bytes());
        let quiz = match read_text(tree, &quiz_rel, false, &mut diags) {
            Some(text) => {
                hasher.update(text.as_bytes());
                let quiz = parse_quiz(&quiz_path, &text, &mut diags);
                if let Some(quiz) = &quiz {
                    check_balance(&quiz_path, quiz, &mut diags);
                }
                quiz
            }
            None => None,
        };
        let front = chapter.front;
        chapters.push(Chapter {
            id: front.id,
            title: front.title,
            minutes: front.minutes,
            summary: front.summary,
            skills: front.skills,
            html: rendered.html,
            toc: rendered.toc,
            word_count: rendered.word_count,
            plain_text: rendered.plain_text,
            audio,
            quiz: quiz.map(Arc::new),
            version: tree::hex(&hasher.finalize()[..8]),
            file: chapter.rel,
        });
    }
    check_pictures(tree, &slug, &mut diags);
    let final_rel = format!("{slug}/final.quiz.md");
    let final_path = tree.position_path(&final_rel);
    let final_text = read_text(tree, &final_rel, false, &mut diags);
    let final_version =
        tree::hex(&Sha256::digest(final_text.as_deref().unwrap_or("").as_bytes())[..8]);
    let final_quiz = final_text.and_then(|text| parse_quiz(&final_path, &text, &mut diags));
    if let Some(quiz) = &final_quiz {
        check_balance(&final_path, quiz, &mut diags);
    }
    // Across the course: short quizzes each look fine while all of them
    // together always answer "Sai".
    let every_question = chapters
        .iter()
        .filter_map(|c: &Chapter| c.quiz.as_deref())
        .chain(final_quiz.as_ref())
        .flat_map(|q| q.questions.iter());
    let every_question: Vec<_> = every_question.collect();
    let habits = balance::warnings_for(every_question.iter().copied())
        .into_iter()
        .chain(balance::position_warning(every_question.iter().copied()));
    for warning in habits {
        diags.warning(
            Position::file(&tree.position_path(&format!("{slug}/course.toml"))),
            format!("across this course's quizzes: {}", warning.en),
            format!("xét chung các bài kiểm tra của khóa học: {}", warning.vi),
        );
    }
    let course = Course {
        slug,
        title: meta.title,
        summary: meta.summary,
        audience: meta.audience,
        certificate: meta.certificate,
        chapters,
        final_quiz: final_quiz.map(Arc::new),
        final_version,
        media,
    };
    (Some(course), diags)
}

/// Longest chapter served (its rendered HTML): the page around it must
/// still fit the anonymous page cache, and a phone on 3G must open it.
pub const MAX_CHAPTER_HTML_BYTES: usize = 384 * 1024;

/// Warns near the limit and refuses past it (the draft check says so
/// before anything is published).
fn check_length(file: &Path, html_bytes: usize, diags: &mut Diagnostics) {
    let kb = html_bytes / 1024;
    let limit_kb = MAX_CHAPTER_HTML_BYTES / 1024;
    if html_bytes > MAX_CHAPTER_HTML_BYTES {
        diags.error(
            Position::file(file),
            format!("this chapter is too long ({kb} KB of page, at most {limit_kb} KB): split it into several chapters"),
            format!("bài này quá dài ({kb} KB, tối đa {limit_kb} KB): hãy tách thành nhiều bài"),
        );
    } else if html_bytes > MAX_CHAPTER_HTML_BYTES * 3 / 4 {
        diags.warning(
            Position::file(file),
            format!("this chapter is long ({kb} KB of page, at most {limit_kb} KB): consider splitting it"),
            format!("bài này khá dài ({kb} KB, tối đa {limit_kb} KB): nên tách thành nhiều bài"),
        );
    }
}

/// Every SVG in the course folder, referenced or not, is a plain drawing.
fn check_pictures(tree: &Tree, slug: &str, diags: &mut Diagnostics) {
    let prefix = format!("{slug}/");
    for (rel, file) in tree.files() {
        if !rel.starts_with(&prefix) || tree::extension(rel).as_deref() != Some("svg") {
            continue;
        }
        let path = tree.position_path(rel);
        let finding = match std::str::from_utf8(&file.bytes) {
            Ok(text) => super::svg::check(text).err(),
            Err(_) => Some(super::svg::Finding {
                line: 1,
                col: 1,
                message: super::diagnostics::Message::new(
                    "an SVG picture must be UTF-8 text",
                    "ảnh SVG phải là văn bản UTF-8",
                ),
            }),
        };
        if let Some(f) = finding {
            let at = Position {
                file: &path,
                line: f.line,
                col: f.col,
            };
            diags.error(at, f.message.en, f.message.vi);
        }
    }
}

/// The quiz file of a chapter file: `01-x.md` -> `01-x.quiz.md`.
pub fn quiz_file_of(chapter_rel: &str) -> String {
    let stem = chapter_rel.strip_suffix(".md").unwrap_or(chapter_rel);
    format!("{stem}.quiz.md")
}

/// Reads a UTF-8 text file of the tree, reporting files that were refused
/// (links, oversized). A missing file is an error only when `required`.
fn read_text(tree: &Tree, rel: &str, required: bool, diags: &mut Diagnostics) -> Option<String> {
    let path = tree.position_path(rel);
    let Some(file) = tree.get(rel) else {
        if let Some(why) = tree.refusal(rel) {
            diags.error(Position::file(&path), why.to_string(), why.vi());
        } else if required {
            diags.error(
                Position::file(&path),
                "file not found",
                "không tìm thấy tệp",
            );
        }
        return None;
    };
    match std::str::from_utf8(&file.bytes) {
        Ok(text) => Some(text.to_string()),
        Err(err) => {
            let offset = err.valid_up_to();
            let text = String::from_utf8_lossy(&file.bytes[..offset]).into_owned();
            let at = LineIndex::new(&text, 1).at(&path, &text, offset);
            diags.error(
                at,
                "file is not valid UTF-8: save it as UTF-8",
                "tệp không được lưu ở dạng UTF-8: hãy lưu lại tệp với kiểu mã hóa (encoding) UTF-8",
            );
            None
        }
    }
}

/// Whether `s` may be a course folder or chapter id (it becomes a web address).
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

fn file_name(rel: &str) -> String {
    rel.rsplit('/').next().unwrap_or(rel).to_string()
}
