//! `hocvu backup` and `hocvu restore` for the SQLite database.
//!
//! A backup is `VACUUM INTO`: one read transaction, so it is a consistent
//! snapshot of the moment it began while the server keeps writing (in WAL
//! mode readers never block the writer), and the copy comes out compact.
//! Every backup is checked with `PRAGMA integrity_check` before it is
//! called done. PostgreSQL has `pg_dump`/`pg_restore` for this (README).
//!
//! A restore checks the backup first, then refuses to touch a database
//! that any process has open: a running Hocvu always keeps a connection,
//! and with it a lock, that an exclusive lock attempt runs into.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions, Connection, Executor, SqliteConnection};

use super::db::{Backend, Db};

/// What a backup made.
pub struct Made {
    pub bytes: u64,
    pub took: Duration,
}

/// The file behind a `sqlite:` URL.
pub fn sqlite_path(url: &SecretString) -> anyhow::Result<PathBuf> {
    let url = url.expose_secret();
    let rest = url.strip_prefix("sqlite:").with_context(|| {
        "this works on SQLite only; for PostgreSQL use pg_dump and pg_restore (see README)"
    })?;
    let path = rest
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or("");
    anyhow::ensure!(
        !path.is_empty() && path != ":memory:",
        "no database file in the URL"
    );
    Ok(PathBuf::from(path))
}

/// Copies the live database to `to` (which must not exist yet).
pub async fn backup(db: &Db, to: &Path) -> anyhow::Result<Made> {
    anyhow::ensure!(
        db.backend() == Backend::Sqlite,
        "hocvu backup copies SQLite databases; for PostgreSQL use pg_dump (see README)"
    );
    anyhow::ensure!(
        !to.exists(),
        "{} exists already: choose a new file name",
        to.display()
    );
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let target = to
        .to_str()
        .context("the backup path must be valid UTF-8")?
        .to_string();
    let started = Instant::now();
    // Its own connection: not a write of this database (which must not
    // wait for the write turn), and the pool's connections only read.
    let mut conn = db.own_connection().await?;
    sqlx::query("VACUUM INTO $1")
        .bind(&target)
        .execute(&mut conn)
        .await
        .with_context(|| format!("copying the database into {target}"))?;
    let took = started.elapsed();
    check(to)
        .await
        .with_context(|| format!("the backup {target} failed its check"))?;
    let bytes = std::fs::metadata(to)?.len();
    Ok(Made { bytes, took })
}

/// Opens `file` (never creating it) and runs `PRAGMA integrity_check`; it must also
/// be a Hocvu database.
pub async fn check(file: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(file.is_file(), "{} is not a file", file.display());
    let mut conn = SqliteConnectOptions::new()
        .filename(file)
        .connect()
        .await
        .with_context(|| format!("cannot open {}", file.display()))?;
    let findings: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .context("integrity check")?;
    anyhow::ensure!(
        findings == ["ok"],
        "integrity check failed: {}",
        findings.join("; ")
    );
    let instances: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM instance")
        .fetch_one(&mut conn)
        .await
        .context("not a Hocvu database (no instance table)")?;
    anyhow::ensure!(instances > 0, "not a Hocvu database (empty instance table)");
    conn.close().await?;
    Ok(())
}

/// Puts the backup `from` in place of the database at `url`. The database
/// it replaces, if any, is kept beside it as `…before-restore-<time>`.
pub async fn restore(from: &Path, url: &SecretString) -> anyhow::Result<Option<PathBuf>> {
    let target = sqlite_path(url)?;
    check(from)
        .await
        .with_context(|| format!("{} is not a sound backup", from.display()))?;
    let mut kept = None;
    if target.exists() {
        refuse_if_open(&target).await?;
        let aside = PathBuf::from(format!(
            "{}.before-restore-{}",
            target.display(),
            crate::clock::now()
        ));
        std::fs::rename(&target, &aside)
            .with_context(|| format!("cannot move {} aside", target.display()))?;
        kept = Some(aside);
    }
    // A stale WAL beside the new file would be read as part of it.
    for suffix in ["-wal", "-shm"] {
        let extra = PathBuf::from(format!("{}{suffix}", target.display()));
        if extra.exists() {
            std::fs::remove_file(&extra)
                .with_context(|| format!("cannot remove {}", extra.display()))?;
        }
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let partial = PathBuf::from(format!("{}.restoring", target.display()));
    std::fs::copy(from, &partial).with_context(|| format!("copying {}", from.display()))?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, &target)?;
    if let Some(parent) = target.parent() {
        let dir = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(kept)
}

/// Fails if another connection has the database open: in WAL mode every
/// open connection holds a shared lock, so an exclusive one is refused at
/// once (no waiting).
async fn refuse_if_open(target: &Path) -> anyhow::Result<()> {
    let options = SqliteConnectOptions::new()
        .filename(target)
        .busy_timeout(Duration::ZERO)
        .locking_mode(sqlx::sqlite::SqliteLockingMode::Exclusive);
    let mut conn = match SqliteConnection::connect_with(&options).await {
        Ok(conn) => conn,
        Err(err) => anyhow::bail!(
            "the database {} is in use ({err}): stop Hocvu first",
            target.display()
        ),
    };
    let locked = conn.execute("BEGIN EXCLUSIVE").await;
    if locked.is_ok() {
        conn.execute("ROLLBACK").await?;
    }
    conn.close().await?;
    locked.map(|_| ()).map_err(|err| {
        anyhow::anyhow!(
            "the database {} is in use ({err}): stop Hocvu first",
            target.display()
        )
    })
}
