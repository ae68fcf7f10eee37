//! Reading an uploaded CSV file the way admins actually have them: UTF-8
//! with or without a BOM, separated by `,` or by the `;` Excel writes in
//! locales that use a decimal comma, headers in English or Vietnamese.

use axum::{
    extract::{FromRequest, Multipart, Request},
    http::header,
    Form,
};
use serde::Deserialize;

pub use crate::orgs::FileProblem;
use crate::text::fold;

/// Most data rows one file may carry (a province's officials fit easily).
pub const MAX_ROWS: usize = 50_000;

/// What the admin sent: the file's bytes and whether to write.
pub struct Upload {
    pub csv: Vec<u8>,
    pub commit: bool,
}

/// Reads a multipart upload (`file`, or a pasted `csv` text) or a plain
/// form with `csv`, plus `mode` (`commit` writes; anything else is a dry run).
pub async fn read(request: Request) -> Result<Upload, FileProblem> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let mut parts = Multipart::from_request(request, &())
            .await
            .map_err(|_| FileProblem::BadForm)?;
        let mut file = Vec::new();
        let mut pasted = Vec::new();
        let mut commit = false;
        while let Some(field) = parts.next_field().await.map_err(|_| FileProblem::BadForm)? {
            let name = field.name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|_| FileProblem::BadForm)?;
            match name.as_str() {
                "file" => file = bytes.to_vec(),
                "csv" => pasted = bytes.to_vec(),
                "mode" => commit = bytes.as_ref() == b"commit",
                _ => {}
            }
        }
        let csv = if file.is_empty() { pasted } else { file };
        Ok(Upload { csv, commit })
    } else {
        #[derive(Deserialize)]
        struct Pasted {
            #[serde(default)]
            csv: String,
            #[serde(default)]
            mode: String,
        }
        let Form(form) = Form::<Pasted>::from_request(request, &())
            .await
            .map_err(|_| FileProblem::BadForm)?;
        Ok(Upload {
            csv: form.csv.into_bytes(),
            commit: form.mode == "commit",
        })
    }
}

/// A data row: its line in the file (the header is line 1) and its cells.
pub struct Row {
    pub line: u64,
    cells: Vec<String>,
}

impl Row {
    /// The trimmed cell of column `index` (empty if the row is short).
    pub fn cell(&self, index: Option<usize>) -> &str {
        index
            .and_then(|i| self.cells.get(i))
            .map_or("", |c| c.trim())
    }
}

pub struct Table {
    header: Vec<String>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Index of the column whose header matches one of `names` (compared
    /// without case, accents, spaces or underscores).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        let key = |s: &str| -> String {
            fold(s)
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        };
        let wanted: Vec<String> = names.iter().map(|n| key(n)).collect();
        self.header.iter().position(|h| wanted.contains(&key(h)))
    }

    /// Like `column`, but the file is unusable without it.
    pub fn required(&self, names: &[&str]) -> Result<usize, FileProblem> {
        self.column(names)
            .ok_or_else(|| FileProblem::MissingColumn(names[0].to_string()))
    }
}

/// Parses the file: header line first, blank lines skipped.
pub fn parse(bytes: &[u8]) -> Result<Table, FileProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| FileProblem::NotUtf8)?;
    if text.trim().is_empty() {
        return Err(FileProblem::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut header = None;
    let mut rows = Vec::new();
    let mut lines = Lines::new(text);
    for record in reader.records() {
        let record = record.map_err(|e| FileProblem::Malformed(lines.at(e.position())))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = lines.at(record.position());
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if header.is_none() {
            header = Some(cells);
        } else {
            if rows.len() == MAX_ROWS {
                return Err(FileProblem::TooManyRows(MAX_ROWS));
            }
            rows.push(Row { line, cells });
        }
    }
    Ok(Table {
        header: header.ok_or(FileProblem::Empty)?,
        rows,
    })
}

/// The line a record starts on. After a CRLF line end (what Excel writes)
/// the crate's position points at the `\n` and its line count lags, so
/// count from the byte offset, past any line-end bytes.
///
/// Counts forward from the previous position (positions only grow), so a
/// 20,000-row file is read once, not once per row.
struct Lines<'t> {
    bytes: &'t [u8],
    counted_to: usize,
    newlines: u64,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Lines {
            bytes: text.as_bytes(),
            counted_to: 0,
            newlines: 0,
        }
    }

    fn at(&mut self, position: Option<&csv::Position>) -> u64 {
        let bytes = self.bytes;
        let mut at = position.map_or(0, |p| p.byte() as usize).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        if at >= self.counted_to {
            self.newlines += bytes[self.counted_to..at]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.counted_to = at;
            1 + self.newlines
        } else {
            1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64
        }
    }
}

/// The separator the header line uses most: `,`, `;` or a tab.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or_default();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_semicolons_and_vietnamese_headers() {
        let file = "\u{feff}Họ và tên;Mã đơn vị\r\n\"Lê, Văn A\";X01\r\n\r\nTrần B;X02\r\n";
        let table = parse(file.as_bytes()).unwrap();
        let name = table.column(&["full_name", "họ và tên"]);
        let unit = table.column(&["unit_code", "mã đơn vị"]);
        assert_eq!(name, Some(0));
        assert_eq!(unit, Some(1));
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].cell(name), "Lê, Văn A");
        assert_eq!(table.rows[0].line, 2);
        assert_eq!(table.rows[1].line, 4, "blank lines keep their numbers");
        assert_eq!(table.rows[1].cell(Some(7)), "");
    }

    #[test]
    fn unreadable_files_say_why() {
        assert_eq!(parse(b"").err(), Some(FileProblem::Empty));
        assert_eq!(parse(b"a,b\n\xff\xfe,x").err(), Some(FileProblem::NotUtf8));
        let table = parse(b"code,name\nA,B").unwrap();
        assert_eq!(
            table.required(&["parent_code"]).err(),
            Some(FileProblem::MissingColumn("parent_code".into()))
        );
    }
}
