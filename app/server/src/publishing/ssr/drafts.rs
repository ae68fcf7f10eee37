//! Drafts: a trainer's changed files, checked and previewed before they are
//! published. A draft keeps, for each file, the hash it had when the trainer
//! started; publishing refuses a file someone else changed since.

use std::sync::Arc;

use anyhow::Context;

use super::versions::{self, Author, Kind, Stale};
use crate::{
    accounts::ssr::audit::{self, Action},
    content::ssr::{
        loader::{self, LoadOutcome},
        tree::{File, Tree},
        ContentStore,
    },
    publishing::{Conflict, UploadProblem},
    server::db::Db,
};

/// One changed file: its new bytes (`None`: removed) and what it was.
#[derive(Clone, Debug)]
pub struct DraftFile {
    pub path: String,
    pub file: Option<File>,
    pub base_hash: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Draft {
    pub id: String,
    pub author_id: String,
    pub author_name: String,
    pub title: String,
    pub created_at: i64,
    pub published_as: Option<i64>,
    pub files: Vec<DraftFile>,
}

impl Draft {
    /// `base` with this draft's changes.
    pub fn apply(&self, base: &Tree) -> Tree {
        let mut tree = base.clone().with_label("");
        for f in &self.files {
            match &f.file {
                Some(file) => tree.insert(f.path.clone(), file.clone()),
                None => {
                    tree.remove(&f.path);
                }
            }
        }
        tree
    }

    /// Files of the draft that `base` changed since the draft began (and
    /// not to what the draft has).
    pub fn conflicting(&self, base: &Tree) -> Vec<(&str, Option<String>)> {
        self.files
            .iter()
            .filter_map(|f| {
                let now = base.get(&f.path).map(|x| x.hash.clone());
                let mine = f.file.as_ref().map(|x| x.hash.clone());
                (now != f.base_hash && now != mine).then_some((f.path.as_str(), now))
            })
            .collect()
    }
}

/// Open (unpublished) drafts one trainer may hold. A draft is a step on
/// the way to publishing; twenty waiting at once is a forgotten pile.
pub const MAX_OPEN_DRAFTS: usize = 20;

/// Bytes one trainer's open drafts may hold together (each file counted
/// once per draft): twice the largest single upload (`MAX_UNPACKED`), so a
/// whole handbook can wait beside an edit, but a loop of uploads cannot
/// fill the disk (a 107 KB zip of repetitive text unpacked to 38 MB).
pub const MAX_DRAFT_BYTES: usize = 2 * super::archive::MAX_UNPACKED;

/// An open draft nobody published in this many seconds (30 days) is
/// removed by housekeeping, with the stored files nothing else uses.
pub const DRAFT_EXPIRY: i64 = 30 * 86_400;

/// Stores a draft of `files` (path, new bytes or `None` to remove),
/// recording what each was in `base`, and an audit entry. Refused when the
/// author's open drafts would go past `MAX_OPEN_DRAFTS` or
/// `MAX_DRAFT_BYTES` (checked inside the write, so parallel uploads cannot
/// slip past together).
pub async fn create(
    db: &Db,
    author_id: &str,
    title: &str,
    files: Vec<(String, Option<File>)>,
    base: &Tree,
    now: i64,
) -> anyhow::Result<Result<String, UploadProblem>> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let mut tx = db.begin_write().await?;
    // The write lock first (SQLite), then the author's current drafts.
    sqlx::query(
        "INSERT INTO content_drafts (id, author_id, title, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&id)
    .bind(author_id)
    .bind(title)
    .bind(now)
    .execute(&mut *tx)
    .await
    .context("creating a draft")?;
    let (drafts, bytes): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM content_drafts \
           WHERE author_id = $1 AND published_as IS NULL AND id <> $2), \
         (SELECT CAST(COALESCE(SUM(b.size), 0) AS BIGINT) FROM content_drafts d \
           JOIN content_draft_files f ON f.draft_id = d.id \
           JOIN content_blobs b ON b.hash = f.hash \
           WHERE d.author_id = $1 AND d.published_as IS NULL AND d.id <> $2)",
    )
    .bind(author_id)
    .bind(&id)
    .fetch_one(&mut *tx)
    .await
    .context("measuring a trainer's drafts")?;
    if usize::try_from(drafts).unwrap_or(usize::MAX) >= MAX_OPEN_DRAFTS {
        drop(tx); // rolls back
        return Ok(Err(UploadProblem::TooManyDrafts(MAX_OPEN_DRAFTS)));
    }
    let new_bytes: usize = files
        .iter()
        .filter_map(|(_, f)| f.as_ref().map(|f| f.bytes.len()))
        .sum();
    if usize::try_from(bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(new_bytes)
        > MAX_DRAFT_BYTES
    {
        drop(tx); // rolls back
        return Ok(Err(UploadProblem::DraftsTooLarge(
            MAX_DRAFT_BYTES / (1024 * 1024),
        )));
    }
    let count = files.len();
    for (path, file) in files {
        if let Some(file) = &file {
            versions::store_blob(&mut tx, file).await?;
        }
        sqlx::query(
            "INSERT INTO content_draft_files (draft_id, path, hash, base_hash) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(&path)
        .bind(file.as_ref().map(|f| f.hash.clone()))
        .bind(base.get(&path).map(|f| f.hash.clone()))
        .execute(&mut *tx)
        .await
        .context("recording a draft file")?;
    }
    let detail: String = format!("{count} files, {new_bytes} bytes: {title}")
        .chars()
        .take(500)
        .collect();
    audit::record(
        &mut tx,
        Some(author_id),
        Action::DraftCreated,
        &id,
        &detail,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Adds `files` to the open draft `id`, or replaces the draft's own
/// version of them, so one draft gathers every file of a change (a new
/// chapter and the course's list of chapters). A file keeps the hash it had
/// in `base` when it first joined the draft. `Ok(false)`: no such open
/// draft (published or discarded meanwhile).
pub async fn put_files(
    db: &Db,
    id: &str,
    by: &str,
    files: Vec<(String, Option<File>)>,
    base: &Tree,
    now: i64,
) -> anyhow::Result<Result<bool, UploadProblem>> {
    let mut tx = db.begin_write().await?;
    let open: Option<(String,)> =
        sqlx::query_as("SELECT id FROM content_drafts WHERE id = $1 AND published_as IS NULL")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .context("finding an open draft")?;
    if open.is_none() {
        return Ok(Ok(false));
    }
    let (bytes,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(b.size), 0) AS BIGINT) FROM content_drafts d \
           JOIN content_draft_files f ON f.draft_id = d.id \
           JOIN content_blobs b ON b.hash = f.hash \
           WHERE d.author_id = $1 AND d.published_as IS NULL",
    )
    .bind(by)
    .fetch_one(&mut *tx)
    .await
    .context("measuring a trainer's drafts")?;
    let new_bytes: usize = files
        .iter()
        .filter_map(|(_, f)| f.as_ref().map(|f| f.bytes.len()))
        .sum();
    if usize::try_from(bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(new_bytes)
        > MAX_DRAFT_BYTES
    {
        drop(tx); // rolls back
        return Ok(Err(UploadProblem::DraftsTooLarge(
            MAX_DRAFT_BYTES / (1024 * 1024),
        )));
    }
    let mut paths = Vec::new();
    for (path, file) in files {
        if let Some(file) = &file {
            versions::store_blob(&mut tx, file).await?;
        }
        let known: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT base_hash FROM content_draft_files WHERE draft_id = $1 AND path = $2",
        )
        .bind(id)
        .bind(&path)
        .fetch_optional(&mut *tx)
        .await
        .context("reading a draft file")?;
        let base_hash = match known {
            Some((hash,)) => hash,
            None => base.get(&path).map(|f| f.hash.clone()),
        };
        sqlx::query("DELETE FROM content_draft_files WHERE draft_id = $1 AND path = $2")
            .bind(id)
            .bind(&path)
            .execute(&mut *tx)
            .await
            .context("replacing a draft file")?;
        // Back to what the handbook has: nothing left to change there.
        let same_as_base =
            base_hash.is_some() && file.as_ref().map(|f| f.hash.clone()) == base_hash;
        if !same_as_base {
            sqlx::query(
                "INSERT INTO content_draft_files (draft_id, path, hash, base_hash) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(&path)
            .bind(file.as_ref().map(|f| f.hash.clone()))
            .bind(base_hash)
            .execute(&mut *tx)
            .await
            .context("recording a draft file")?;
        }
        paths.push(path);
    }
    let detail: String = paths.join(", ").chars().take(500).collect();
    audit::record(&mut tx, Some(by), Action::DraftChanged, id, &detail, now).await?;
    tx.commit().await?;
    Ok(Ok(true))
}

/// Removes open drafts created before `now - DRAFT_EXPIRY`, then every
/// stored file no version and no draft uses. Returns (drafts, files).
pub async fn expire(db: &Db, now: i64) -> anyhow::Result<(u64, u64)> {
    let mut tx = db.begin_write().await?;
    let stale = "SELECT id FROM content_drafts WHERE published_as IS NULL AND created_at < $1";
    sqlx::query(&format!(
        "DELETE FROM content_draft_files WHERE draft_id IN ({stale})"
    ))
    .bind(now - DRAFT_EXPIRY)
    .execute(&mut *tx)
    .await
    .context("removing the files of old drafts")?;
    let drafts =
        sqlx::query("DELETE FROM content_drafts WHERE published_as IS NULL AND created_at < $1")
            .bind(now - DRAFT_EXPIRY)
            .execute(&mut *tx)
            .await
            .context("removing old drafts")?
            .rows_affected();
    let blobs = sqlx::query(
        "DELETE FROM content_blobs WHERE \
           NOT EXISTS (SELECT 1 FROM content_version_files v WHERE v.hash = content_blobs.hash) \
           AND NOT EXISTS (SELECT 1 FROM content_draft_files f WHERE f.hash = content_blobs.hash)",
    )
    .execute(&mut *tx)
    .await
    .context("removing unused content files")?
    .rows_affected();
    tx.commit().await?;
    Ok((drafts, blobs))
}

/// The draft `id` with its files, if it exists.
pub async fn load(db: &Db, id: &str) -> anyhow::Result<Option<Draft>> {
    type Head = (String, String, String, String, i64, Option<i64>);
    let Some((draft_id, author_id, author_name, title, created_at, published_as)) =
        sqlx::query_as::<_, Head>(
            "SELECT d.id, d.author_id, u.display_name, d.title, d.created_at, d.published_as \
         FROM content_drafts d JOIN users u ON u.id = d.author_id WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(db.reads())
        .await
        .context("reading a draft")?
    else {
        return Ok(None);
    };
    let rows = sqlx::query_as::<_, (String, Option<String>, Option<Vec<u8>>)>(
        "SELECT f.path, f.base_hash, b.bytes FROM content_draft_files f \
         LEFT JOIN content_blobs b ON b.hash = f.hash WHERE f.draft_id = $1 ORDER BY f.path",
    )
    .bind(id)
    .fetch_all(db.reads())
    .await
    .context("reading a draft's files")?;
    let files = rows
        .into_iter()
        .map(|(path, base_hash, bytes)| DraftFile {
            path,
            base_hash,
            file: bytes.map(File::new),
        })
        .collect();
    Ok(Some(Draft {
        id: draft_id,
        author_id,
        author_name,
        title,
        created_at,
        published_as,
        files,
    }))
}

/// Drafts not yet published, newest first.
pub async fn open_drafts(db: &Db) -> anyhow::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT id, title, created_at FROM content_drafts WHERE published_as IS NULL \
         ORDER BY created_at DESC LIMIT 50",
    )
    .fetch_all(db.reads())
    .await
    .context("listing drafts")
}

/// Removes an unpublished draft (its stored bytes stay: they may be shared).
/// Throws away an unpublished draft, noting who did.
pub async fn discard(db: &Db, id: &str, by: &str, now: i64) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "DELETE FROM content_draft_files WHERE draft_id = $1 AND draft_id IN \
         (SELECT id FROM content_drafts WHERE published_as IS NULL)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .context("discarding a draft")?;
    let gone = sqlx::query("DELETE FROM content_drafts WHERE id = $1 AND published_as IS NULL")
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("discarding a draft")?
        .rows_affected();
    if gone > 0 {
        audit::record(&mut tx, Some(by), Action::DraftDiscarded, id, "", now).await?;
    }
    tx.commit().await
}

/// The version new changes build on, and its files: the newest published
/// version, or the folder while the folder is served.
pub async fn current_base(db: &Db, store: &ContentStore) -> anyhow::Result<(i64, Arc<Tree>)> {
    let latest = versions::latest_number(db).await?;
    let served = store.current();
    if !store.serves_database() || served.version == latest {
        return Ok((latest, served.tree.clone()));
    }
    Ok((latest, Arc::new(versions::load_tree(db, latest).await?)))
}

/// Runs the loader off the async threads (a big handbook takes a while).
pub async fn check(tree: Tree) -> anyhow::Result<(Tree, LoadOutcome)> {
    tokio::task::spawn_blocking(move || {
        let outcome = loader::load(&tree, None);
        (tree, outcome)
    })
    .await
    .context("checking content")
}

/// Why a publish did not happen.
pub enum Refused {
    /// Someone changed these files since the draft began.
    Conflicts(Vec<Conflict>),
    /// The handbook with these changes has errors.
    Errors,
    /// Others published first every time it tried: nothing is wrong with
    /// the draft, the trainer may simply try again (a 409, not a 500).
    Busy,
}

/// What a trainer reads when publishing lost every race (`Refused::Busy`).
pub const KEPT_CHANGING: &str = "the handbook kept changing while publishing; try again";

/// Publishes `tree_of(base)` as a new version and serves it here at once
/// (other servers follow within seconds). Retries when someone else
/// publishes in between, rebuilding on their version.
pub async fn publish_with(
    db: &Db,
    store: &ContentStore,
    kind: Kind,
    author: &Author<'_>,
    now: i64,
    tree_of: impl Fn(&Tree) -> Result<Tree, Vec<String>>,
) -> anyhow::Result<Result<i64, Refused>> {
    for _ in 0..5 {
        let (base, base_tree) = current_base(db, store).await?;
        let tree = match tree_of(&base_tree) {
            Ok(tree) => tree,
            Err(paths) => {
                return Ok(Err(Refused::Conflicts(
                    conflicts(db, &base_tree, paths).await?,
                )))
            }
        };
        let (tree, outcome) = check(tree).await?;
        if outcome.has_errors {
            return Ok(Err(Refused::Errors));
        }
        match versions::insert(db, base, &base_tree, &tree, kind, author, now).await? {
            Ok(number) => {
                store.serve_version(number, tree, outcome);
                return Ok(Ok(number));
            }
            Err(Stale) => continue,
        }
    }
    Ok(Err(Refused::Busy))
}

/// Publishes a draft (see `publish_with`), marking it published.
pub async fn publish(
    db: &Db,
    store: &ContentStore,
    draft: &Draft,
    author: &Author<'_>,
    now: i64,
) -> anyhow::Result<Result<i64, Refused>> {
    let result = publish_with(db, store, Kind::Publish, author, now, |base| {
        let conflicts = draft.conflicting(base);
        if conflicts.is_empty() {
            Ok(draft.apply(base))
        } else {
            Err(conflicts.into_iter().map(|(p, _)| p.to_string()).collect())
        }
    })
    .await?;
    if let Ok(number) = result {
        db.write_one(
            sqlx::query("UPDATE content_drafts SET published_as = $1 WHERE id = $2")
                .bind(number)
                .bind(&draft.id),
        )
        .await
        .context("marking a draft published")?;
    }
    Ok(result)
}

/// Who changed each of `paths` to what `base` holds, and when.
pub async fn conflicts(db: &Db, base: &Tree, paths: Vec<String>) -> anyhow::Result<Vec<Conflict>> {
    let mut out = Vec::new();
    for path in paths {
        let changed = match base.get(&path) {
            Some(file) => versions::changed_by(db, &path, &file.hash).await?,
            None => None,
        };
        out.push(Conflict {
            path,
            by: changed
                .as_ref()
                .map(|v| v.author_name.clone())
                .unwrap_or_default(),
            at: changed
                .map(|v| crate::clock::when(v.created_at))
                .unwrap_or_default(),
        });
    }
    Ok(out)
}
