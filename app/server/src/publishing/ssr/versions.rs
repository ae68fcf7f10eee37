//! Published versions in the database: the only writer of
//! `content_versions`, `content_version_files` and `content_blobs`.

use std::collections::{BTreeMap, HashSet};

use anyhow::Context;

use crate::{
    accounts::ssr::audit::{self, Action},
    content::ssr::tree::{File, Tree},
    publishing::{Change, FileChange},
    server::db::{insert_many, placeholders, Backend, Db, Value, WriteTx},
};

hocvu_domain::coded_enum!(
    /// How a version came to be: `import` (the `content/` folder, taken at
    /// first start), `publish` (a trainer's upload or edit, or `hocvu
    /// content publish`), `rollback` (a copy of an earlier version).
    pub enum Kind {
        Import = "import",
        Publish = "publish",
        Rollback = "rollback",
    }
);

/// One version as the history lists it.
#[derive(Clone, Debug)]
pub struct Version {
    pub number: i64,
    pub kind: Kind,
    pub author_name: String,
    pub note: String,
    pub created_at: i64,
    pub changes: Vec<FileChange>,
}

/// Who is publishing, and why.
pub struct Author<'a> {
    /// The user (`None`: the command line or the server itself).
    pub user_id: Option<&'a str>,
    pub name: &'a str,
    pub note: &'a str,
}

/// The newest version's number, 0 when nothing was ever published.
pub async fn latest_number(db: &Db) -> anyhow::Result<i64> {
    sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(number), 0) FROM content_versions")
        .fetch_one(db.reads())
        .await
        .context("reading the latest content version")
}

const VERSION_COLUMNS: &str = "number, kind, author_name, note, created_at, changes";

/// A `content_versions` row as stored (`VERSION_COLUMNS`).
#[derive(sqlx::FromRow)]
struct VersionRow {
    number: i64,
    kind: String,
    author_name: String,
    note: String,
    created_at: i64,
    changes: String,
}

impl From<VersionRow> for Version {
    fn from(row: VersionRow) -> Version {
        Version {
            number: row.number,
            kind: Kind::parse(&row.kind).unwrap_or(Kind::Publish),
            author_name: row.author_name,
            note: row.note,
            created_at: row.created_at,
            changes: serde_json::from_str(&row.changes).unwrap_or_default(),
        }
    }
}

/// Versions, newest first (`limit` of them).
pub async fn list(db: &Db, limit: i64) -> anyhow::Result<Vec<Version>> {
    let rows: Vec<VersionRow> = sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM content_versions ORDER BY number DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db.reads())
    .await
    .context("listing content versions")?;
    Ok(rows.into_iter().map(Version::from).collect())
}

/// One version, if it exists.
pub async fn get(db: &Db, number: i64) -> anyhow::Result<Option<Version>> {
    let row: Option<VersionRow> = sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM content_versions WHERE number = $1"
    ))
    .bind(number)
    .fetch_optional(db.reads())
    .await
    .context("reading a content version")?;
    Ok(row.map(Version::from))
}

/// Every file of version `number` (empty if there is no such version).
pub async fn load_tree(db: &Db, number: i64) -> anyhow::Result<Tree> {
    let rows = sqlx::query_as::<_, (String, Vec<u8>)>(
        "SELECT f.path, b.bytes FROM content_version_files f \
         JOIN content_blobs b ON b.hash = f.hash WHERE f.version = $1",
    )
    .bind(number)
    .fetch_all(db.reads())
    .await
    .with_context(|| format!("reading the files of content version {number}"))?;
    let mut tree = Tree::new("");
    for (path, bytes) in rows {
        tree.insert(path, File::new(bytes));
    }
    Ok(tree)
}

/// Who made the file at `path` what it is in version `number`: the first
/// version holding its current bytes.
pub async fn changed_by(db: &Db, path: &str, hash: &str) -> anyhow::Result<Option<Version>> {
    let first: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(version) FROM content_version_files WHERE path = $1 AND hash = $2",
    )
    .bind(path)
    .bind(hash)
    .fetch_one(db.reads())
    .await
    .context("finding who changed a file")?;
    match first {
        Some(n) => get(db, n).await,
        None => Ok(None),
    }
}

/// What changed from `before` to `after`, file by file.
pub fn diff(before: &Tree, after: &Tree) -> Vec<FileChange> {
    let mut changes = Vec::new();
    for (path, file) in after.files() {
        match before.get(path) {
            None => changes.push(FileChange::new(path, Change::Added)),
            Some(old) if old.hash != file.hash => {
                changes.push(FileChange::new(path, Change::Changed))
            }
            Some(_) => {}
        }
    }
    for (path, _) in before.files() {
        if after.get(path).is_none() {
            changes.push(FileChange::new(path, Change::Removed));
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

/// Someone published since the version a change was built on.
#[derive(Debug)]
pub struct Stale;

/// Stores `tree` as the version after `base` (the version it was built
/// on, 0 for none), in one transaction with its audit entry. `Stale` when
/// another version was published in between: the caller rebuilds on that.
pub async fn insert(
    db: &Db,
    base: i64,
    base_tree: &Tree,
    tree: &Tree,
    kind: Kind,
    author: &Author<'_>,
    now: i64,
) -> anyhow::Result<Result<i64, Stale>> {
    let changes = diff(base_tree, tree);
    let mut tx = db.begin_write().await?;
    if db.backend() == Backend::Postgres {
        // Publishes from several servers take turns: the number check
        // below and the insert then cannot interleave.
        sqlx::query("LOCK TABLE content_versions IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .context("locking content versions")?;
    }
    let latest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) FROM content_versions")
        .fetch_one(&mut *tx)
        .await
        .context("reading the latest content version")?;
    if latest != base {
        return Ok(Err(Stale));
    }
    let number = latest + 1;

    // Store the bytes of files the database does not hold yet.
    let hashes: Vec<&str> = {
        let mut seen = HashSet::new();
        tree.files()
            .map(|(_, f)| f.hash.as_str())
            .filter(|h| seen.insert(*h))
            .collect()
    };
    let mut stored = HashSet::new();
    for chunk in hashes.chunks(crate::server::db::BIND_BATCH) {
        let sql = format!(
            "SELECT hash FROM content_blobs WHERE hash IN ({})",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for hash in chunk {
            query = query.bind(*hash);
        }
        stored.extend(
            query
                .fetch_all(&mut *tx)
                .await
                .context("finding stored files")?,
        );
    }
    let mut written = HashSet::new();
    for (_, file) in tree.files() {
        if stored.contains(&file.hash) || !written.insert(file.hash.clone()) {
            continue;
        }
        store_blob(&mut tx, file).await?;
    }

    sqlx::query(
        "INSERT INTO content_versions (number, kind, author_id, author_name, note, created_at, changes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(number)
    .bind(kind.code())
    .bind(author.user_id)
    .bind(author.name)
    .bind(author.note)
    .bind(now)
    .bind(serde_json::to_string(&changes)?)
    .execute(&mut *tx)
    .await
    .context("recording the content version")?;
    let rows = tree
        .files()
        .map(|(path, file)| {
            vec![
                Value::Int(number),
                Value::Text(Some(path.to_string())),
                Value::Text(Some(file.hash.clone())),
            ]
        })
        .collect();
    insert_many(&mut tx, "content_version_files (version, path, hash)", rows).await?;
    let (added, changed, removed) = counts(&changes);
    let action = match kind {
        Kind::Rollback => Action::ContentRolledBack,
        Kind::Import | Kind::Publish => Action::ContentPublished,
    };
    let detail = format!(
        "{} (+{added} ~{changed} -{removed}): {}",
        author.name, author.note
    );
    let target = format!("content version {number}");
    audit::record(&mut tx, author.user_id, action, &target, &detail, now).await?;
    tx.commit().await?;
    Ok(Ok(number))
}

/// Stores a file's bytes under its hash (once: a second copy is no-op).
pub async fn store_blob(tx: &mut WriteTx, file: &File) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO content_blobs (hash, size, bytes) VALUES ($1, $2, $3) \
         ON CONFLICT (hash) DO NOTHING",
    )
    .bind(&file.hash)
    .bind(file.bytes.len() as i64)
    .bind(file.bytes.to_vec())
    .execute(&mut **tx)
    .await
    .context("storing a content file")?;
    Ok(())
}

/// Files added, changed and removed.
pub fn counts(changes: &[FileChange]) -> (usize, usize, usize) {
    let count = |c: Change| changes.iter().filter(|f| f.change == c).count();
    (
        count(Change::Added),
        count(Change::Changed),
        count(Change::Removed),
    )
}

/// `path -> hash` of a tree, for comparing.
pub fn hashes(tree: &Tree) -> BTreeMap<String, String> {
    tree.files()
        .map(|(p, f)| (p.to_string(), f.hash.clone()))
        .collect()
}
