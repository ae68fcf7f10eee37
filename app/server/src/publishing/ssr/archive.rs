//! Courses as `.zip` files: reading an upload safely, writing a download.
//!
//! An upload is untrusted: the sizes a zip declares can lie (a "zip bomb"
//! unpacks to gigabytes), names can climb out (`../`, `/etc/…`) or be
//! links. Every entry is checked by what it really holds, against the
//! limits below, before anything is kept.

use std::io::{Cursor, Read, Write};

use crate::{
    content::ssr::tree::{self, File, Tree},
    publishing::UploadProblem,
};

/// Most files one upload may hold.
pub const MAX_FILES: usize = 2_000;
/// Most bytes one upload may unpack to, all files together.
pub const MAX_UNPACKED: usize = 100 * 1024 * 1024;

/// Unix file-type bits of a zip entry's external attributes.
const S_IFMT: u32 = 0o170000;
const S_IFLNK: u32 = 0o120000;

/// The files of a zip as paths relative to its root, or every problem
/// found. Folders, `__MACOSX/` and dot-files are skipped; so are files of
/// kinds a handbook does not use (their names are returned as `ignored`).
pub fn read_zip(bytes: &[u8]) -> Result<(Tree, Vec<String>), Vec<UploadProblem>> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| vec![UploadProblem::NotAZip])?;
    if archive.len() > MAX_FILES * 2 {
        return Err(vec![UploadProblem::TooManyFiles(MAX_FILES)]);
    }
    let mut tree = Tree::new("");
    let mut ignored = Vec::new();
    let mut problems = Vec::new();
    let mut unpacked = 0usize;
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::UnsupportedArchive(_)) => {
                problems.push(UploadProblem::Unsupported(format!("#{}", i + 1)));
                continue;
            }
            Err(_) => return Err(vec![UploadProblem::NotAZip]),
        };
        let Ok(raw_name) = entry.name().map(|n| n.into_owned()) else {
            problems.push(UploadProblem::BadPath(format!("#{}", i + 1)));
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let Some(name) = safe_path(&raw_name) else {
            problems.push(UploadProblem::BadPath(raw_name));
            continue;
        };
        if entry
            .unix_mode()
            .is_some_and(|mode| mode & S_IFMT == S_IFLNK)
        {
            problems.push(UploadProblem::Link(name));
            continue;
        }
        if name.split('/').any(|part| part.starts_with('.')) || name.starts_with("__MACOSX/") {
            continue;
        }
        if !tree::is_content_file(&name) {
            ignored.push(name);
            continue;
        }
        if tree.len() == MAX_FILES {
            return Err(vec![UploadProblem::TooManyFiles(MAX_FILES)]);
        }
        let limit = tree::size_limit(&name);
        // Read at most one byte past the limit, whatever the entry claims.
        let mut data = Vec::new();
        let read = (&mut entry).take(limit as u64 + 1).read_to_end(&mut data);
        if read.is_err() {
            problems.push(UploadProblem::Unsupported(name));
            continue;
        }
        if data.len() > limit {
            problems.push(UploadProblem::TooLarge(name, limit / 1024));
            continue;
        }
        unpacked += data.len();
        if unpacked > MAX_UNPACKED {
            return Err(vec![UploadProblem::TooLargeInAll(
                MAX_UNPACKED / (1024 * 1024),
            )]);
        }
        tree.insert(name, File::new(data));
    }
    if problems.is_empty() {
        Ok((tree, ignored))
    } else {
        Err(problems)
    }
}

/// `name` as a clean relative path (`a/b.md`), or `None` when it is
/// absolute, climbs with `..`, uses `\` or is empty.
pub fn safe_path(name: &str) -> Option<String> {
    if name.starts_with('/') || name.contains('\\') || name.contains('\0') {
        return None;
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p if p.contains(':') => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The whole tree as a zip (deflated text, stored media).
pub fn write_zip(tree: &Tree) -> anyhow::Result<Vec<u8>> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (path, file) in tree.files() {
        let method = if tree::is_text(path) {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .unix_permissions(0o644);
        out.start_file(path, options)?;
        out.write_all(&file.bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_climb_out_are_refused() {
        assert_eq!(safe_path("a/./b.md").as_deref(), Some("a/b.md"));
        for bad in [
            "../x.md",
            "a/../../x.md",
            "/etc/passwd",
            "C:/x.md",
            "a\\b.md",
            "",
        ] {
            assert_eq!(safe_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_zip_round_trips() {
        let mut tree = Tree::new("");
        tree.insert("c/course.toml", File::new("title = \"x\""));
        tree.insert("c/images/a.png", File::new(vec![1u8, 2, 3]));
        let bytes = write_zip(&tree).unwrap();
        let (back, ignored) = read_zip(&bytes).unwrap();
        assert!(ignored.is_empty());
        assert_eq!(back.fingerprint(), tree.fingerprint());
    }
}
