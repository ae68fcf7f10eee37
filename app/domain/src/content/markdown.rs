//! Markdown to safe HTML, once, at load time.
//!
//! All pulldown-cmark options live in `parser_options`. Rendering rewrites
//! what a trainer writes into what a reader's browser needs: chapter links
//! (`02-ma-otp.md`) become page URLs, images become `/media/...` with
//! `loading="lazy"` and their size, external links are marked. Broken links
//! and images are reported with file:line:col. The result then goes through
//! an ammonia allow-list, so raw HTML in a file can never run script.

use std::{
    collections::{HashMap, HashSet},
    path::{Component, Path, PathBuf},
    sync::OnceLock,
};

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use super::{
    diagnostics::{Diagnostics, LineIndex},
    tree::{self, Tree},
};
use crate::content::TocEntry;

/// Every Markdown feature the handbook uses, in one place.
pub fn parser_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// What a chapter file may link to, known before any body is rendered.
pub struct LinkTargets<'a> {
    /// (course slug, chapter file name) -> chapter id, for every course.
    pub chapters: &'a HashMap<(String, String), String>,
}

/// A file referenced by a chapter and allowed to be served under `/media`.
#[derive(Clone, Debug)]
pub struct MediaRef {
    /// `course/relative/path`, the key in the URL.
    pub key: String,
    pub file: tree::File,
}

/// One chapter body turned into HTML plus what the rest of the site needs.
#[derive(Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub word_count: usize,
    /// Plain text of the body, paragraphs separated by newlines (for search).
    pub plain_text: String,
    pub media: Vec<MediaRef>,
}

/// Where a body comes from, for resolving relative paths and reporting.
pub struct Source<'a> {
    pub file: &'a Path,
    pub course_slug: &'a str,
    /// The handbook the chapter belongs to (media files are looked up in it).
    pub tree: &'a Tree,
    /// The whole file text and where the body starts in it.
    pub text: &'a str,
    pub body_offset: usize,
}

/// Renders a chapter body. Findings go to `diags`; rendering always finishes.
pub fn render_chapter(
    src: &Source<'_>,
    targets: &LinkTargets<'_>,
    diags: &mut Diagnostics,
) -> Rendered {
    let body = &src.text[src.body_offset..];
    let index = LineIndex::new(src.text, 1);
    let at = |offset: usize| index.at(src.file, src.text, src.body_offset + offset);
    if !check_nesting(body, at, diags) {
        return Rendered::default();
    }

    let mut events: Vec<Event<'_>> = Vec::new();
    let mut toc = Vec::new();
    let mut plain = String::new();
    let mut media = Vec::new();
    let mut used_ids = HashSet::new();
    // Heading being collected: (level, explicit id, classes, buffered events, text).
    let mut heading: Option<(HeadingLevel, Option<String>, Vec<Event<'_>>, String)> = None;
    // Image being collected: (src, title, alt text, offset).
    let mut image: Option<(String, String, String, usize)> = None;

    for (event, range) in Parser::new_ext(body, parser_options()).into_offset_iter() {
        if let Some((_, _, alt, _)) = image.as_mut() {
            match event {
                Event::End(TagEnd::Image) => {
                    let (src_url, title, alt, offset) = image.take().expect("collecting image");
                    if alt.trim().is_empty() {
                        diags.warning(
                            at(offset),
                            "image without alt text: describe it in the brackets, ![like this](image.png)",
                            "ảnh chưa có mô tả: viết mô tả trong ngoặc vuông, ![như thế này](anh.png)",
                        );
                    }
                    let html =
                        image_html(&src_url, &title, &alt, src, offset, &at, &mut media, diags);
                    push(&mut events, &mut heading, Event::InlineHtml(html.into()));
                }
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                _ => {}
            }
            continue;
        }
        match &event {
            Event::Text(t) | Event::Code(t) => {
                plain.push_str(t);
                if let Some((_, _, _, text)) = heading.as_mut() {
                    text.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => plain.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::CodeBlock,
            ) => plain.push('\n'),
            _ => {}
        }
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((level, id.map(|i| i.to_string()), Vec::new(), String::new()));
            }
            Event::End(TagEnd::Heading(level)) => {
                let (_, explicit, inner, text) = heading.take().expect("collecting heading");
                let base = explicit.unwrap_or_else(|| slugify(&text));
                let id = unique_id(&base, &mut used_ids);
                if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                    toc.push(TocEntry {
                        level: level as u8,
                        id: id.clone(),
                        text: text.trim().to_string(),
                    });
                }
                plain.push('\n');
                events.push(Event::Html(
                    format!("<{level} id=\"{}\">", escape_attr(&id)).into(),
                ));
                events.extend(inner);
                events.push(Event::Html(format!("</{level}>\n").into()));
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                image = Some((
                    dest_url.to_string(),
                    title.to_string(),
                    String::new(),
                    range.start,
                ));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                let html = link_open_html(
                    link_type,
                    &dest_url,
                    &title,
                    src,
                    targets,
                    range.start,
                    &at,
                    &mut media,
                    diags,
                );
                push(&mut events, &mut heading, Event::InlineHtml(html.into()));
            }
            Event::End(TagEnd::Link) => {
                push(&mut events, &mut heading, Event::InlineHtml("</a>".into()))
            }
            other => push(&mut events, &mut heading, other),
        }
    }

    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    let word_count = plain.split_whitespace().count();
    Rendered {
        html: sanitize(&html),
        toc,
        word_count,
        plain_text: plain,
        media,
    }
}

/// Renders a short piece of trusted-but-sanitised Markdown (quiz text).
pub fn render_fragment(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, parser_options()));
    sanitize(&html)
}

fn push<'a>(
    events: &mut Vec<Event<'a>>,
    heading: &mut Option<(HeadingLevel, Option<String>, Vec<Event<'a>>, String)>,
    event: Event<'a>,
) {
    match heading {
        Some((_, _, inner, _)) => inner.push(event),
        None => events.push(event),
    }
}

#[allow(clippy::too_many_arguments)]
fn link_open_html<'p>(
    link_type: LinkType,
    dest: &CowStr<'_>,
    title: &CowStr<'_>,
    src: &Source<'_>,
    targets: &LinkTargets<'_>,
    offset: usize,
    at: &impl Fn(usize) -> super::diagnostics::Position<'p>,
    media: &mut Vec<MediaRef>,
    diags: &mut Diagnostics,
) -> String {
    let title_attr = title_attr(title);
    let dest = dest.trim();
    if matches!(link_type, LinkType::Email) {
        return format!("<a href=\"mailto:{}\"{title_attr}>", escape_attr(dest));
    }
    if dest.starts_with("http://") || dest.starts_with("https://") {
        return format!(
            "<a href=\"{}\" class=\"external\" rel=\"noopener noreferrer\"{title_attr}>",
            escape_attr(dest)
        );
    }
    let is_local =
        !dest.is_empty() && !dest.starts_with('#') && !dest.starts_with('/') && !dest.contains(':');
    if !is_local {
        // Anchors, site paths, mailto:/tel:. Dangerous schemes are removed by
        // the sanitiser.
        return format!("<a href=\"{}\"{title_attr}>", escape_attr(dest));
    }
    let (path_part, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    };
    let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
    if path_part.ends_with(".md") {
        match resolve_chapter_link(path_part, src.course_slug, targets) {
            Some((course, id)) => format!(
                "<a href=\"/courses/{}/{}{}\"{title_attr}>",
                escape_attr(&course),
                escape_attr(&id),
                escape_attr(&fragment)
            ),
            None => {
                diags.error(
                    at(offset),
                    format!("broken link: `{path_part}` is not a chapter listed in a course"),
                    format!(
                        "liên kết hỏng: `{path_part}` không phải là bài học có trong danh sách của một khóa học"
                    ),
                );
                "<a>".to_string()
            }
        }
    } else {
        // An attachment beside the chapter (a PDF, say).
        match register_media(path_part, src, offset, at, media, diags) {
            Some(m) => format!("<a href=\"/media/{}\"{title_attr}>", escape_attr(&m.key)),
            None => "<a>".to_string(),
        }
    }
}

/// `02-x.md` in this course, or `../other-course/02-x.md`.
fn resolve_chapter_link(
    path: &str,
    course: &str,
    targets: &LinkTargets<'_>,
) -> Option<(String, String)> {
    let (course, file) = match path.strip_prefix("../") {
        Some(rest) => rest.split_once('/')?,
        None => (course, path.strip_prefix("./").unwrap_or(path)),
    };
    if file.contains('/') {
        return None;
    }
    let key = (course.to_string(), file.to_string());
    targets.chapters.get(&key).map(|id| (key.0, id.clone()))
}

#[allow(clippy::too_many_arguments)]
fn image_html<'p>(
    dest: &str,
    title: &str,
    alt: &str,
    src: &Source<'_>,
    offset: usize,
    at: &impl Fn(usize) -> super::diagnostics::Position<'p>,
    media: &mut Vec<MediaRef>,
    diags: &mut Diagnostics,
) -> String {
    let title_attr = title_attr(title);
    if dest.contains(':') || dest.starts_with("//") {
        diags.error(
            at(offset),
            "images must be files beside the chapter (no other sites: readers pay for every byte)",
            "ảnh phải là tệp đặt cạnh bài học (không dùng ảnh từ trang web khác: mỗi chút dữ liệu tải về đều tốn tiền của người đọc)",
        );
        return String::new();
    }
    let Some(m) = register_media(dest, src, offset, at, media, diags) else {
        return String::new();
    };
    let size = match imagesize::blob_size(&m.file.bytes) {
        Ok(s) => format!(" width=\"{}\" height=\"{}\"", s.width, s.height),
        Err(_) if !is_picture(&m.key) => {
            diags.error(
                at(offset),
                format!("`{dest}` is not a picture (use a PNG, JPEG, GIF, WebP or SVG file)"),
                format!("`{dest}` không phải là ảnh (hãy dùng tệp PNG, JPEG, GIF, WebP hoặc SVG)"),
            );
            return String::new();
        }
        Err(_) => String::new(),
    };
    format!(
        "<img src=\"/media/{}\" alt=\"{}\" loading=\"lazy\"{size}{title_attr}>",
        escape_attr(&m.key),
        escape_attr(alt)
    )
}

/// Checks that a relative file exists inside the course folder, is no
/// symlink and does not climb out with `..`; registers it for `/media`.
fn register_media<'p>(
    rel: &str,
    src: &Source<'_>,
    offset: usize,
    at: &impl Fn(usize) -> super::diagnostics::Position<'p>,
    media: &mut Vec<MediaRef>,
    diags: &mut Diagnostics,
) -> Option<MediaRef> {
    let rel = percent_decode(rel);
    let rel_path = Path::new(&rel);
    let mut clean = PathBuf::new();
    for component in rel_path.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            _ => {
                diags.error(
                    at(offset),
                    format!(
                        "`{rel}` points outside the course folder; keep files beside the chapter"
                    ),
                    format!("`{rel}` trỏ ra ngoài thư mục khóa học; hãy đặt tệp cạnh bài học"),
                );
                return None;
            }
        }
    }
    let clean = clean
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let rel_in_tree = format!("{}/{clean}", src.course_slug);
    let Some(file) = src.tree.get(&rel_in_tree) else {
        let folder = src.tree.position_path(src.course_slug);
        let (en, vi) = match src.tree.refusal(&rel_in_tree) {
            Some(why) => (format!("`{rel}`: {why}"), format!("`{rel}`: {}", why.vi())),
            None => (
                format!("file not found: `{rel}` (looked in {})", folder.display()),
                format!(
                    "không tìm thấy tệp: `{rel}` (đã tìm trong {})",
                    folder.display()
                ),
            ),
        };
        diags.error(at(offset), en, vi);
        return None;
    };
    if !is_valid_media(&rel_in_tree, &file.bytes) {
        diags.error(
            at(offset),
            format!("`{rel}` is not what its name says (a damaged or renamed file?)"),
            format!(
                "nội dung tệp `{rel}` không đúng với đuôi tên tệp (tệp bị hỏng hoặc bị đổi tên?)"
            ),
        );
        return None;
    }
    let m = MediaRef {
        key: rel_in_tree,
        file: file.clone(),
    };
    media.push(m.clone());
    Some(m)
}

/// The recorded lesson of a chapter (`audio = "bai-01.mp3"` in its front
/// matter, reported `at` that line): an audio file of the course folder,
/// checked like any other media file and registered for `/media`.
pub fn register_audio<'p>(
    name: &str,
    src: &Source<'_>,
    at: super::diagnostics::Position<'p>,
    media: &mut Vec<MediaRef>,
    diags: &mut Diagnostics,
) -> Option<MediaRef> {
    if !matches!(
        tree::extension(name).as_deref(),
        Some("mp3" | "ogg" | "m4a")
    ) {
        diags.error(
            at,
            format!("`audio = \"{name}\"` is not a recording: use an .mp3, .m4a or .ogg file"),
            format!(
                "`audio = \"{name}\"` không phải tệp ghi âm: hãy dùng tệp .mp3, .m4a hoặc .ogg"
            ),
        );
        return None;
    }
    register_media(name, src, 0, &|_| at, media, diags)
}

/// Deepest nesting of quotes and lists a chapter or quiz may have. Real
/// lessons use three or four; the Markdown parser's work grows with the
/// square of the depth (`> ` × 100,000 took a minute), so deeper text is
/// refused before it is parsed.
pub const MAX_NESTING: usize = 16;

/// Most quote and list levels a file may open in all (the sum over its
/// lines). A long chapter has a few hundred; a megabyte of lines each 16
/// deep took 2.3 s and 470 MB to render before its length was refused.
pub const MAX_CONTAINERS: usize = 20_000;

/// Where a body's nesting goes past what the parser is given.
#[derive(Debug, PartialEq)]
pub enum TooDeep {
    /// This line is nested deeper than `MAX_NESTING`.
    Line(usize),
    /// By this line the file has opened more than `MAX_CONTAINERS`.
    File(usize),
}

/// The byte offset of the first line nested deeper than `MAX_NESTING`, or
/// of the line where the file passes `MAX_CONTAINERS`.
pub fn too_deep(markdown: &str) -> Option<TooDeep> {
    let mut offset = 0;
    let mut total = 0;
    for line in markdown.split_inclusive('\n') {
        let depth = nesting(line);
        if depth > MAX_NESTING {
            return Some(TooDeep::Line(offset));
        }
        total += depth;
        if total > MAX_CONTAINERS {
            return Some(TooDeep::File(offset));
        }
        offset += line.len();
    }
    None
}

/// Block containers a line opens or continues: each `>`, each list
/// marker, and each four columns of indentation (how nested lists go).
fn nesting(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut depth = 0;
    let mut i = 0;
    loop {
        let mut columns = 0;
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            columns += if bytes[i] == b'\t' { 4 } else { 1 };
            i += 1;
        }
        depth += columns / 4;
        let Some(&b) = bytes.get(i) else {
            return depth;
        };
        let marker_end = match b {
            b'>' => Some(i + 1),
            b'-' | b'*' | b'+' if matches!(bytes.get(i + 1), Some(b' ' | b'\t')) => Some(i + 1),
            b'0'..=b'9' => {
                let digits = bytes[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                (digits <= 9
                    && matches!(bytes.get(i + digits), Some(b'.' | b')'))
                    && matches!(bytes.get(i + digits + 1), Some(b' ' | b'\t')))
                .then_some(i + digits + 1)
            }
            _ => None,
        };
        match marker_end {
            Some(end) => {
                depth += 1;
                i = end;
            }
            None => return depth,
        }
        if depth > MAX_NESTING {
            return depth;
        }
    }
}

/// Reports text nested too deeply at the line where it starts; true when
/// `markdown` is within the limits (and may be parsed).
pub fn check_nesting<'p>(
    markdown: &str,
    at: impl Fn(usize) -> super::diagnostics::Position<'p>,
    diags: &mut Diagnostics,
) -> bool {
    match too_deep(markdown) {
        None => true,
        Some(TooDeep::Line(offset)) => {
            diags.error(
                at(offset),
                format!("quotes or lists are nested more than {MAX_NESTING} deep here: flatten them"),
                format!("trích dẫn hoặc danh sách lồng nhau quá {MAX_NESTING} tầng ở đây: hãy bớt tầng lồng nhau"),
            );
            false
        }
        Some(TooDeep::File(offset)) => {
            diags.error(
                at(offset),
                format!("by this line the file holds more than {MAX_CONTAINERS} nested quotes and list items: split it"),
                format!("đến dòng này, tệp đã có hơn {MAX_CONTAINERS} tầng trích dẫn và mục danh sách: hãy tách thành nhiều tệp"),
            );
            false
        }
    }
}

/// Whether a file name says it is a picture (`![..](file)` must be one).
fn is_picture(rel: &str) -> bool {
    matches!(
        tree::extension(rel).as_deref(),
        Some("png" | "jpg" | "jpeg" | "gif" | "webp" | "svg")
    )
}

/// Whether the bytes are the kind of file the name says: a `.png` that is
/// not a PNG would show as a broken image to every reader.
pub fn is_valid_media(rel: &str, bytes: &[u8]) -> bool {
    match tree::extension(rel).as_deref() {
        Some("svg") => std::str::from_utf8(bytes).is_ok_and(|t| t.contains("<svg")),
        Some("png" | "jpg" | "jpeg" | "gif" | "webp") => imagesize::blob_size(bytes).is_ok(),
        Some("pdf") => bytes.starts_with(b"%PDF"),
        Some("mp3") => bytes.starts_with(b"ID3") || bytes.first() == Some(&0xFF),
        Some("ogg") => bytes.starts_with(b"OggS"),
        Some("m4a") => bytes.get(4..8) == Some(b"ftyp"),
        _ => false,
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// A heading id from its text: Vietnamese folded to ASCII, words joined by `-`.
pub fn slugify(text: &str) -> String {
    let folded = crate::text::fold(text);
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "muc".to_string()
    } else {
        slug
    }
}

fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let mut id = base.to_string();
    let mut n = 1;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// ` title="…"`, or nothing for an empty title.
fn title_attr(title: &str) -> String {
    if title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", escape_attr(title))
    }
}

fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The allow-list: structure and text only. No script, style, iframe, form,
/// event handler, or `javascript:`/`data:` URL survives.
pub fn sanitize(html: &str) -> String {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut b = ammonia::Builder::default();
            b.add_tags(["input", "figure", "figcaption", "mark", "section"])
                .add_tag_attributes("h1", ["id"])
                .add_tag_attributes("h2", ["id"])
                .add_tag_attributes("h3", ["id"])
                .add_tag_attributes("h4", ["id"])
                .add_tag_attributes("h5", ["id"])
                .add_tag_attributes("h6", ["id"])
                .add_tag_attributes("div", ["id"])
                .add_tag_attributes("sup", ["id"])
                .add_tag_attributes("li", ["id"])
                .add_tag_attributes("img", ["loading", "width", "height"])
                .add_tag_attributes("input", ["checked"])
                .set_tag_attribute_value("input", "type", "checkbox")
                .set_tag_attribute_value("input", "disabled", "")
                .add_allowed_classes("a", ["external"])
                .add_allowed_classes("sup", ["footnote-reference"])
                .add_allowed_classes("div", ["footnote-definition"])
                .add_allowed_classes("span", ["footnote-definition-label"])
                .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
                .link_rel(Some("noopener noreferrer"));
            b
        })
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_targets_are_percent_decoded_whole() {
        // The last escape counts too, and an escape cut by a multibyte
        // character is kept as written (it used to panic).
        assert_eq!(percent_decode("b%C3%A0i%201%41"), "bài 1A");
        assert_eq!(percent_decode("%é%4"), "%é%4");
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_found_on_its_line() {
        let ok = "> quote\n> > nested\n\n- a\n  - b\n    1. c\n\n    code\n";
        assert_eq!(too_deep(ok), None);
        let deep = format!("# Title\n\nText\n{}y\n", "> ".repeat(100_000));
        assert_eq!(
            too_deep(&deep),
            Some(TooDeep::Line("# Title\n\nText\n".len()))
        );
        assert!(too_deep(&"- ".repeat(30_000)).is_some());
        assert!(too_deep(&format!("{}- x", " ".repeat(200))).is_some());
        let limit = format!("{}x", "> ".repeat(MAX_NESTING));
        assert_eq!(too_deep(&limit), None, "the limit itself is allowed");
        let line = format!("{}y\n", "- ".repeat(MAX_NESTING));
        let many = line.repeat(MAX_CONTAINERS / MAX_NESTING + 1);
        assert_eq!(
            too_deep(&many),
            Some(TooDeep::File(line.len() * (MAX_CONTAINERS / MAX_NESTING)))
        );
    }
}
