//! The handbook as a set of files in memory: read from the `content/`
//! folder, from an uploaded `.zip`, or from a published version in the
//! database. The loader reads only this, so a version is checked, previewed
//! and served the same way wherever its files came from.

use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
};

use bytes::Bytes;
use sha2::{Digest, Sha256};

/// Largest Markdown or TOML file accepted (a chapter is a few KB).
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Largest image, audio or PDF file accepted.
pub const MAX_MEDIA_BYTES: usize = 20 * 1024 * 1024;

/// The kinds of file a handbook is made of; anything else in the folder
/// (a database, an editor's swap file, `.git`) is not part of it.
pub const EXTENSIONS: &[&str] = &[
    "md", "toml", "png", "jpg", "jpeg", "gif", "webp", "svg", "mp3", "m4a", "ogg", "pdf",
];

/// Whether `name` has one of the handbook's extensions.
pub fn is_content_file(name: &str) -> bool {
    extension(name).is_some_and(|e| EXTENSIONS.contains(&e.as_str()))
}

/// The lower-case extension of a file name.
pub fn extension(name: &str) -> Option<String> {
    let (_, ext) = name.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

/// Whether `name` is a text file of the handbook (read as UTF-8).
pub fn is_text(name: &str) -> bool {
    matches!(extension(name).as_deref(), Some("md" | "toml"))
}

/// Size limit for a file of this name.
pub fn size_limit(name: &str) -> usize {
    if is_text(name) {
        MAX_TEXT_BYTES
    } else {
        MAX_MEDIA_BYTES
    }
}

/// One file: its bytes and their SHA-256 (hex), which versions and
/// conflict checks compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub bytes: Bytes,
    pub hash: String,
}

impl File {
    pub fn new(bytes: impl Into<Bytes>) -> File {
        let bytes = bytes.into();
        let hash = hex(&Sha256::digest(&bytes));
        File { bytes, hash }
    }
}

/// Why a file found in the source is not in the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Symlink,
    TooLarge(usize),
    Unreadable(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Symlink => {
                f.write_str("symbolic links are not allowed in content; copy the file instead")
            }
            Refusal::TooLarge(limit) => write!(f, "file is larger than {} KB", limit / 1024),
            Refusal::Unreadable(err) => write!(f, "cannot read file: {err}"),
        }
    }
}

impl Refusal {
    /// The reason in Vietnamese (`Display` gives it in English).
    pub fn vi(&self) -> String {
        match self {
            Refusal::Symlink => {
                "không được dùng liên kết tượng trưng (symlink) trong nội dung; hãy chép tệp thật vào"
                    .to_string()
            }
            Refusal::TooLarge(limit) => format!("tệp lớn hơn {} KB", limit / 1024),
            Refusal::Unreadable(err) => format!("không đọc được tệp: {err}"),
        }
    }
}

/// Files by path relative to the handbook's root, always with `/`.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    /// What findings are reported against (`content`, the folder given to
    /// `content check`); empty for uploads and versions.
    label: PathBuf,
    files: BTreeMap<String, File>,
    refused: BTreeMap<String, Refusal>,
}

impl Tree {
    pub fn new(label: impl Into<PathBuf>) -> Tree {
        Tree {
            label: label.into(),
            ..Tree::default()
        }
    }

    /// Reads every handbook file under `root` (dot-files and other kinds of
    /// file skipped; links and oversized files refused, with the reason).
    pub fn read_dir(root: &Path) -> Tree {
        let mut tree = Tree::new(root);
        tree.read_folder(root, "");
        tree
    }

    fn read_folder(&mut self, dir: &Path, prefix: &str) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let rel = format!("{prefix}{name}");
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_symlink() {
                self.refused.insert(rel, Refusal::Symlink);
            } else if kind.is_dir() {
                self.read_folder(&entry.path(), &format!("{rel}/"));
            } else if kind.is_file() && is_content_file(&name) {
                let limit = size_limit(&name);
                match entry.metadata() {
                    Ok(meta) if meta.len() > limit as u64 => {
                        self.refused.insert(rel, Refusal::TooLarge(limit));
                    }
                    _ => match std::fs::read(entry.path()) {
                        Ok(bytes) => {
                            self.files.insert(rel, File::new(bytes));
                        }
                        Err(err) => {
                            self.refused
                                .insert(rel, Refusal::Unreadable(err.to_string()));
                        }
                    },
                }
            }
        }
    }

    /// The same files, with findings named relative to `label`.
    pub fn with_label(mut self, label: impl Into<PathBuf>) -> Tree {
        self.label = label.into();
        self
    }

    /// The path findings name for `rel`.
    pub fn position_path(&self, rel: &str) -> PathBuf {
        self.label.join(rel)
    }

    pub fn label(&self) -> &Path {
        &self.label
    }

    pub fn insert(&mut self, rel: impl Into<String>, file: File) {
        let rel = rel.into();
        self.refused.remove(&rel);
        self.files.insert(rel, file);
    }

    pub fn remove(&mut self, rel: &str) -> Option<File> {
        self.refused.remove(rel);
        self.files.remove(rel)
    }

    pub fn get(&self, rel: &str) -> Option<&File> {
        self.files.get(rel)
    }

    /// Why `rel` was left out, if it was (or a folder on its way was: a
    /// linked folder is refused as a whole).
    pub fn refusal(&self, rel: &str) -> Option<&Refusal> {
        self.refused.get(rel).or_else(|| {
            rel.match_indices('/')
                .find_map(|(i, _)| self.refused.get(&rel[..i]))
        })
    }

    pub fn refusals(&self) -> impl Iterator<Item = (&str, &Refusal)> {
        self.refused.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn files(&self) -> impl Iterator<Item = (&str, &File)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Names of the folders directly under the root (courses, if they hold
    /// a `course.toml`), sorted, including folders whose files were refused.
    pub fn top_folders(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .files
            .keys()
            .chain(self.refused.keys())
            .filter_map(|p| p.split_once('/').map(|(dir, _)| dir.to_string()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// File names directly in folder `dir` (no sub-folders).
    pub fn names_in(&self, dir: &str) -> Vec<String> {
        let prefix = format!("{dir}/");
        self.files
            .keys()
            .chain(self.refused.keys())
            .filter_map(|p| p.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('/'))
            .map(str::to_string)
            .collect()
    }

    /// A fingerprint of every path and file: equal trees, equal hashes.
    /// Pages and caches key on it.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, file) in &self.files {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update(file.hash.as_bytes());
            hasher.update([0]);
        }
        hex(&hasher.finalize()[..8])
    }
}

/// Lower-case hex of `bytes` (hashes in names and versions).
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// The `Content-Type` of a handbook file.
pub fn content_type(name: &str) -> &'static str {
    match extension(name).as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        Some("mp3") => "audio/mpeg",
        Some("m4a") => "audio/mp4",
        Some("ogg") => "audio/ogg",
        Some("pdf") => "application/pdf",
        Some("md") => "text/markdown; charset=utf-8",
        Some("toml") => "application/toml; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_follows_content_not_order_of_insertion() {
        let mut a = Tree::new("");
        a.insert("x/course.toml", File::new("t"));
        a.insert("x/01.md", File::new("one"));
        let mut b = Tree::new("other");
        b.insert("x/01.md", File::new("one"));
        b.insert("x/course.toml", File::new("t"));
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.insert("x/01.md", File::new("one, edited"));
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn refusals_say_why_in_both_languages() {
        for why in [
            Refusal::Symlink,
            Refusal::TooLarge(MAX_TEXT_BYTES),
            Refusal::Unreadable("permission denied".into()),
        ] {
            let (en, vi) = (why.to_string(), why.vi());
            assert!(!vi.is_empty() && vi != en, "{en} / {vi}");
        }
        assert_eq!(
            Refusal::TooLarge(MAX_TEXT_BYTES).vi(),
            "tệp lớn hơn 1024 KB"
        );
    }

    #[test]
    fn names_in_lists_one_folder_only() {
        let mut t = Tree::new("");
        t.insert("c/01.md", File::new("a"));
        t.insert("c/images/a.png", File::new("b"));
        t.insert("d/01.md", File::new("c"));
        assert_eq!(t.names_in("c"), vec!["01.md".to_string()]);
        assert_eq!(t.top_folders(), vec!["c".to_string(), "d".to_string()]);
        assert!(is_content_file("A.PNG") && !is_content_file("hocvu.db"));
    }
}
