//! Errors and warnings about content files, with positions a trainer can use.
//!
//! Printed as `file:line:col: error: message`, the format editors and CI
//! understand. Every check adds to one list, so a trainer sees every mistake
//! at once instead of fixing them one run at a time.

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
    pub message: String,
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

/// Collects findings while loading; `has_errors` decides whether to publish.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn error(&mut self, at: Position<'_>, message: impl Into<String>) {
        self.push(at, Severity::Error, message.into());
    }

    pub fn warning(&mut self, at: Position<'_>, message: impl Into<String>) {
        self.push(at, Severity::Warning, message.into());
    }

    fn push(&mut self, at: Position<'_>, severity: Severity, message: String) {
        self.items.push(Diagnostic {
            file: at.file.to_path_buf(),
            line: at.line,
            col: at.col,
            severity,
            message,
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
