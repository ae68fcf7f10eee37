//! Org units and the officials in them: the province's tree of units,
//! importing units and officials from CSV, and one-time set-password codes
//! printed per unit.
//!
//! Admins manage all of it. Supervisors see their own unit's subtree (see
//! `ssr::tree::Scope`), which reports and assignments build on.

pub mod pages;
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A unit as lists show it, with its depth in the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitLine {
    pub code: String,
    pub name: String,
    pub parent_code: String,
    pub depth: usize,
    /// People placed directly in this unit.
    pub people: i64,
}

/// What is wrong with one row of an import file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowProblem {
    BadCode,
    MissingName,
    /// The same code or login appeared earlier in the file, at this line.
    Repeated(u64),
    UnknownParent(String),
    /// Parent links that go round in a circle.
    Cycle,
    UnknownUnit(String),
    BadPhone,
    BadLogin,
    /// Phone or username already belongs to an account.
    Taken,
    PositionTooLong,
}

hocvu_domain::coded_enum! {
    /// What can be wrong with the single-unit form (`?error=`).
    pub enum UnitProblem {
        Code = "code",
        Name = "name",
        Parent = "parent",
        Cycle = "cycle",
    }
}

/// One row of an import file as the preview shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub line: u64,
    pub cells: Vec<String>,
    pub problem: Option<RowProblem>,
    /// For rows without problems: will this create something new (or
    /// change an existing unit)?
    pub is_new: bool,
}

/// Which import a preview belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportKind {
    Units,
    Officials,
}

/// The answer to an import: put in context by the handler and shown by the
/// import page (dry run, or a refused commit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub kind: ImportKind,
    /// True when a commit was asked for and refused (nothing was written).
    pub refused: bool,
    pub file_problem: Option<FileProblem>,
    pub rows: Vec<PreviewRow>,
    /// A clean dry run: the file as checked, so "import" sends it again
    /// without choosing the file a second time.
    pub checked_csv: Option<String>,
}

impl ImportPreview {
    pub fn error_count(&self) -> usize {
        self.rows.iter().filter(|r| r.problem.is_some()).count()
    }
}

/// Why a whole file could not be read (as opposed to one bad row).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileProblem {
    /// No file chosen, or an empty one.
    Empty,
    /// Not UTF-8 (Excel's "CSV" in a legacy code page, or not a CSV at all).
    NotUtf8,
    /// More data rows than this.
    TooManyRows(usize),
    /// The CSV itself is broken at this line.
    Malformed(u64),
    /// A required column is missing from the header line.
    MissingColumn(String),
    /// The upload could not be read as a form.
    BadForm,
}

/// Printable one-time set-password codes of one unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSheet {
    pub unit_code: String,
    pub unit_name: String,
    pub people: Vec<SheetPerson>,
}

/// One line of a code sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetPerson {
    pub full_name: String,
    /// The login as stored (`+84987111222` or a username).
    pub login: String,
    /// The login as people write it: `0987 111 222`.
    pub login_shown: String,
    pub code: String,
}

/// Code sheets just made: shown once, never stored (only hashes are).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedSheets {
    pub sheets: Vec<CodeSheet>,
    /// Where to set the password: the site's public address + `/reset`;
    /// none when the address is unknown (`public_url` unset).
    pub reset_url: Option<String>,
    /// A QR code of `reset_url` (SVG), empty without it.
    pub reset_qr_svg: String,
}

/// Units the signed-in admin or supervisor may see, in tree order. Every
/// server function is a public endpoint, so it checks the role itself.
#[server]
pub async fn units_in_scope() -> Result<Vec<UnitLine>, ServerFnError> {
    Ok(ssr::units::lines_in_scope().await?)
}
