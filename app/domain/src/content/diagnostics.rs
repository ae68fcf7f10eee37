//! Errors and warnings about content files, with positions a trainer can use.
//!
//! Printed as `file:line:col: error: message`, the format editors and CI
//! understand. Every check adds to one list, so a trainer sees every mistake
//! at once instead of fixing them one run at a time. Every finding carries
//! its message in English (the `content check` command, logs) and in
//! Vietnamese (the pages trainers see).

use std::{
    fmt,
    path::{Path, PathBuf},
};

/// How bad a finding is: errors stop a catalog from loading, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One finding about one place in one file (line and column start at 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    pub severity: Severity,
    /// In English: what `Display` (and so `content check`) prints.
    pub message: String,
    /// The same in Vietnamese, for trainers' pages.
    pub message_vi: String,
}

impl Diagnostic {
    /// The message in `lang` (trainers read Vietnamese by default).
    pub fn message_in(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::Vi => &self.message_vi,
            crate::Lang::En => &self.message,
        }
    }

    /// `file:line:col: error: message`, in `lang`.
    pub fn text_in(&self, lang: crate::Lang) -> String {
        let kind = match (self.severity, lang) {
            (Severity::Error, crate::Lang::Vi) => "lỗi",
            (Severity::Warning, crate::Lang::Vi) => "cảnh báo",
            (Severity::Error, crate::Lang::En) => "error",
            (Severity::Warning, crate::Lang::En) => "warning",
        };
        format!(
            "{}:{}:{}: {kind}: {}",
            self.file.display(),
            self.line,
            self.col,
            self.message_in(lang)
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {kind}: {}",
            self.file.display(),
            self.line,
            self.col,
            self.message
        )
    }
}

/// A finding's text in both languages, for checks that hand a message on
/// (balance warnings, refused files) rather than report it themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub en: String,
    pub vi: String,
}

impl Message {
    pub fn new(en: impl Into<String>, vi: impl Into<String>) -> Self {
        Message {
            en: en.into(),
            vi: vi.into(),
        }
    }
}

/// Collects findings while loading; `has_errors` decides whether to publish.
/// Every finding is added with its English text, then its Vietnamese text.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn error(&mut self, at: Position<'_>, en: impl Into<String>, vi: impl Into<String>) {
        self.push(at, Severity::Error, Message::new(en, vi));
    }

    pub fn warning(&mut self, at: Position<'_>, en: impl Into<String>, vi: impl Into<String>) {
        self.push(at, Severity::Warning, Message::new(en, vi));
    }

    fn push(&mut self, at: Position<'_>, severity: Severity, message: Message) {
        self.items.push(Diagnostic {
            file: at.file.to_path_buf(),
            line: at.line,
            col: at.col,
            severity,
            message: message.en,
            message_vi: message.vi,
        });
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// All findings, sorted by file and position.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items
            .sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
        self.items
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

/// A place in a file.
#[derive(Clone, Copy, Debug)]
pub struct Position<'a> {
    pub file: &'a Path,
    pub line: usize,
    pub col: usize,
}

impl<'a> Position<'a> {
    /// The start of a file (for findings about the file as a whole).
    pub fn file(file: &'a Path) -> Self {
        Position {
            file,
            line: 1,
            col: 1,
        }
    }
}

/// Maps byte offsets in a file's text to line/column, for parsers that
/// report byte spans (TOML, pulldown-cmark).
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset at which each line starts.
    starts: Vec<usize>,
    /// Line number (1-based) of byte 0 of this text within the whole file.
    first_line: usize,
}

impl LineIndex {
    /// Index for `text` which starts at line `first_line` of its file.
    pub fn new(text: &str, first_line: usize) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts, first_line }
    }

    /// 1-based (line, column) of a byte offset; columns count characters.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line + self.first_line, col + 1)
    }

    /// A `Position` for a byte offset.
    pub fn at<'a>(&self, file: &'a Path, text: &str, offset: usize) -> Position<'a> {
        let (line, col) = self.line_col(text, offset);
        Position { file, line, col }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::content::{
        loader,
        tree::{File, Tree},
    };

    const MINIMAL_FRONT: &str = "+++\nid = \"{id}\"\ntitle = \"Bài\"\nminutes = 5\nsummary = \"Tóm tắt\"\nskills = [\"1.1\"]\n+++\n\nNội dung.\n";

    fn chapter(id: &str) -> String {
        MINIMAL_FRONT.replace("{id}", id)
    }

    /// A handbook with as many kinds of mistake as fit: broken TOML and
    /// front matter, bad fields, broken links and images, broken quizzes,
    /// unbalanced quizzes, stray folders.
    fn broken_handbook() -> Tree {
        let mut tree = Tree::new("");
        let mut add =
            |path: &str, text: &str| tree.insert(path, File::new(text.as_bytes().to_vec()));
        add(
            "skills.toml",
            "[[group]]\ncode = \"1\"\nname = \"Thông tin\"\n\n[[group]]\ncode = \"1\"\nname = \"Trùng\"\n\n\
             [[skill]]\ncode = \"1.1\"\nname = \"Tìm kiếm\"\ngroup = \"1\"\naudience = \"all\"\n\n\
             [[skill]]\ncode = \"1.1\"\nname = \"Trùng\"\ngroup = \"1\"\naudience = \"all\"\n\n\
             [[skill]]\ncode = \"9.9\"\nname = \"Lạc\"\ngroup = \"9\"\naudience = \"all\"\n",
        );
        add(
            "catalog.toml",
            "courses = [\"a\", \"a\", \"missing\", \"c\", \"d\", \"empty\"]\n",
        );
        add("notes/ghi-chu.md", "Không phải khóa học.\n");
        add(
            "Bad_Course/course.toml",
            "title = \"T\"\nsummary = \"S\"\naudience = \"all\"\n",
        );
        add("Bad_Course/01-x.md", &chapter("bad-x"));
        add("c/course.toml", "title = \"T\"\nsummary = \n");
        add(
            "d/course.toml",
            "title = \"T\"\nsummary = \"S\"\naudience = \"everyone\"\ncolour = 1\n",
        );
        add(
            "empty/course.toml",
            "title = \"T\"\nsummary = \"S\"\naudience = \"all\"\n",
        );

        // Course `a`: every chapter has a different mistake.
        add(
            "a/course.toml",
            "title = \" \"\nsummary = \"\"\naudience = \"all\"\nchapters = [\"01-body.md\", \"01-body.md\", \
             \"sub/x.md\", \"99-missing.md\", \"02-front.md\", \"03-dup.md\", \"04-nofront.md\", \
             \"05-open.md\", \"06-toml.md\", \"07-utf8.md\", \"09-reserved.md\", \"10-fields.md\", \
             \"11-extra.md\"]\n",
        );
        add(
            "a/01-body.md",
            "+++\nid = \"body\"\ntitle = \"Nội dung\"\nminutes = 5\nsummary = \"Tóm tắt\"\nskills = [\"1.1\"]\n+++\n\n\
             ![](images/ok.svg)\n\n![Ảnh](https://example.com/x.png)\n\n![Ảnh](images/missing.png)\n\n\
             ![Ảnh](doc.pdf)\n\n![Ảnh](images/bad.png)\n\n![Ảnh](../b/x.png)\n\n[bài khác](nope.md)\n",
        );
        add(
            "a/images/ok.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
        );
        add("a/images/bad.png", "not a png");
        add("a/doc.pdf", "%PDF-1.4 tiny");
        add(
            "a/02-front.md",
            "+++\nid = \"Bad Id\"\ntitle = \"\"\nminutes = 0\nsummary = \"\"\nskills = [\"9.9\"]\nreview_by = 2000-01-01\n+++\nChữ.\n",
        );
        add(
            "a/03-dup.md",
            "+++\nid = \"body\"\ntitle = \"T\"\nminutes = 300\nsummary = \"S\"\nreview_by = 12:00:00\n+++\nChữ.\n",
        );
        add("a/04-nofront.md", "Chỉ có chữ.\n");
        add("a/05-open.md", "+++\nid = \"open\"\n");
        add("a/06-toml.md", "+++\nid = \n+++\n");
        add("a/08-unlisted.md", &chapter("unlisted"));
        add("a/09-reserved.md", &chapter("stats"));
        add(
            "a/10-fields.md",
            "+++\nid = \"fields\"\ntitle = \"T\"\nminutes = 5\n+++\n",
        );
        add(
            "a/11-extra.md",
            &chapter("extra").replace("minutes", "colour = 1\nminutes"),
        );
        add("e/course.toml", "title = \"T\"\ntitle = \"U\"\n");

        // Quizzes of course `a`, broken in every way the parser knows.
        add(
            "a/01-body.quiz.md",
            "+++\npass_percent = 0\nmax_attempts = -1\nshuffle = \"yes\"\ndraw = 0\ntitle = \"x\"\n+++\n\
             Intro.\n\n# Lớn\n\n\
             ## {#q1}\n\n- [x] A\n- [ ] B\n\n\
             ## Không có mã\n\n- [x] A\n- [ ] B\n\n\
             ## Chỉ loại {.multiple}\n\n- [x] A\n- [ ] B\n\n\
             ## Hai mã {#q4 #q4b}\n\n- [x] A\n- [ ] B\n\n\
             ## Mã sai {#Mã}\n\n- [x] A\n- [ ] B\n\n\
             ## Hai loại {#q6 .text .multiple}\n\n- = x\n\n\
             ## Loại lạ {#q7 .multi}\n\n- [x] A\n- [ ] B\n\n\
             ## Thiếu chấm {#q8 text}\n\n- = x\n\n\
             ## Thiếu chấm 2 {#q9 .text no-diacritics}\n\n- = x\n\n\
             ## Mã có cách {#Câu một}\n\n- [x] A\n- [ ] B\n\n\
             ## Lạ {#q11 .text foo}\n\n- = x\n\n\
             ## Không dấu {#q12 .no-diacritics}\n\n- [x] A\n- [ ] B\n\n\
             ## Trùng {#q12}\n\n- [x] A\n- [ ] B\n\n\
             ## Đánh số {#q13}\n\n1. [x] A\n2. [ ] B\n\n\
             ## Hai danh sách {#q14}\n\n- [x] A\n- [ ] B\n\n> Vì.\n\n* [ ] C\n\n\
             ## Chữ sau {#q15}\n\n- [x] A\n- [ ] B\n\nChữ lạc.\n\n\
             ## Dưới giải thích {#q16}\n\n- [x] A\n  > Vì.\n\n  Chữ lạc.\n- [ ] B\n\n\
             ## Lồng {#q17}\n\n- [x] A\n  - [ ] B\n- [ ] C\n\n\
             ## Khối {#q18}\n\n- [x] A\n\n      mã\n- [ ] B\n\n\
             ## Không đáp án {#q19}\n\nChữ.\n\n\
             ## Không đáp án Đ/S {#q20 .true-false}\n\n> Vì.\n\n\
             ## Dấu bằng {#q21}\n\n- [x] A\n- = B\n\n\
             ## Không ô {#q22}\n\n- [x] A\n- B\n\n\
             ## Rỗng {#q23}\n\n- [x] A\n- [ ]\n\n\
             ## Trùng đáp án {#q24}\n\n- [x] A\n- [ ] B\n- [ ] B\n\n\
             ## Một đáp án {#q25}\n\n- [x] A\n\n\
             ## Không đúng {#q26}\n\n- [ ] A\n- [ ] B\n\n\
             ## Không đúng nhiều {#q27 .multiple}\n\n- [ ] A\n- [ ] B\n\n\
             ## Hai đúng {#q28}\n\n- [x] A\n- [x] B\n\n\
             ## Đ/S sai dạng {#q29 .true-false}\n\n- [x] Có\n- [ ] Không\n\n\
             ## Đ/S hai dấu {#q30 .true-false}\n\n- [x] Đúng\n- [x] Sai\n\n\
             ## Gõ {#q31 .text}\n\n- [x] A\n- chữ\n- =\n- = Hà Nội\n  > Vì.\n- = hà  nội\n\n\
             ## Gõ rỗng {#q32 .text}\n\n> Vì.\n\n\
             ## Chấm trơn {#q33 .}\n\n- [x] A\n- [ ] B\n",
        );
        add("a/02-front.quiz.md", "+++\ndraw = -1\n+++\n");
        add(
            "a/09-reserved.quiz.md",
            "+++\ndraw = \"x\"\n+++\n## Q? {#q}\n\n- [x] A\n- [ ] B\n",
        );
        add(
            "a/03-dup.quiz.md",
            "+++\ndraw = 5\n+++\n## Q? {#q}\n\n- [x] A\n- [ ] B\n",
        );

        // Course `b`: valid, but its quizzes can be passed by habit.
        add(
            "b/course.toml",
            "title = \"T\"\nsummary = \"S\"\naudience = \"all\"\n",
        );
        add("b/01-x.md", &chapter("x"));
        add("b/02-y.md", &chapter("y"));
        let long =
            "## Q {#l{n}}\n\n- [ ] Không\n- [x] Gọi lại số tổng đài in trên thẻ\n- [ ] Có\n\n";
        let tf = "## Đ/S {#t{n} .true-false}\n\n- [ ] Đúng\n- [x] Sai\n\n";
        let quiz: String = (0..4)
            .map(|n| long.replace("{n}", &n.to_string()))
            .chain((0..2).map(|n| tf.replace("{n}", &n.to_string())))
            .collect();
        add("b/01-x.quiz.md", &quiz);
        let quiz: String = (2..4).map(|n| tf.replace("{n}", &n.to_string())).collect();
        add("b/02-y.quiz.md", &quiz);
        // Not UTF-8.
        tree.insert("a/07-utf8.md", File::new(b"+++\nid = \"x\xff\"\n".to_vec()));
        tree
    }

    /// Every finding a trainer can meet reads in Vietnamese: one added
    /// without its Vietnamese text, or with the English copied, fails here.
    #[test]
    fn every_finding_has_its_vietnamese_message() {
        let mut found = loader::load(&broken_handbook(), None).diagnostics;
        found.extend(loader::load_dir(Path::new("/no/such/folder"), None).diagnostics);
        for d in &found {
            println!("{d}\n    vi: {}", d.message_vi);
        }
        assert!(
            found.len() >= 90,
            "fewer findings than mistakes: {}",
            found.len()
        );
        for d in &found {
            assert!(!d.message_vi.trim().is_empty(), "no Vietnamese: {d}");
            assert_ne!(d.message_vi, d.message, "Vietnamese is the English: {d}");
        }
        // Different findings say different things in Vietnamese too (a
        // copied translation, or one that drops a name, would merge two).
        let distinct =
            |text: fn(&Diagnostic) -> &str| found.iter().map(text).collect::<HashSet<_>>().len();
        assert_eq!(
            distinct(|d| d.message.as_str()),
            distinct(|d| d.message_vi.as_str())
        );
        // `content check` prints the English, unchanged.
        let missing = found.last().expect("the missing folder");
        assert_eq!(
            missing.to_string(),
            "/no/such/folder:1:1: error: content folder not found"
        );
        assert_eq!(missing.message_vi, "không tìm thấy thư mục nội dung");
    }
}
