//! One code base, two databases.
//!
//! Queries go through sqlx's `Any` driver, so the same SQL text runs on the
//! embedded SQLite default and on PostgreSQL. Rules that keep it portable:
//! `$1`-style placeholders (both drivers accept them), only the types `Any`
//! maps (integers, floats, text, bool, bytes; times as unix seconds), and
//! standard SQL. Schema differences live only in the two migration folders.

use std::{fmt, path::Path, str::FromStr, sync::Arc, time::Duration};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    AnyPool, Executor,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database engine a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// The connection pool plus the engine it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time. Writers that wait for it in SQLite's
    /// busy handler sleep with growing back-off, which makes slow tails under
    /// load; queueing them here first keeps them in order and the tail short.
    write_gate: Option<Arc<Mutex<()>>>,
}

impl Db {
    /// Connects (creating the SQLite file and its folder on first run).
    pub async fn connect(url: &SecretString) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let url = url.expose_secret();
        let (backend, url) = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_string())
        } else if url.starts_with("sqlite:") {
            (Backend::Sqlite, prepare_sqlite_url(url)?)
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres://");
        };
        let options = AnyConnectOptions::from_str(&url)
            .with_context(|| format!("invalid {backend} database URL"))?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            // One SQLite connection stays open for the server's whole life:
            // its lock is how `hocvu restore` knows the file is in use.
            .min_connections(match backend {
                Backend::Sqlite => 1,
                Backend::Postgres => 0,
            })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the single writer;
                        // synchronous=FULL makes every acknowledged commit
                        // durable (fsync of the WAL), not just crash-safe.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("could not connect to the {backend} database"))?;
        let write_gate = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Db {
            pool,
            backend,
            write_gate,
        })
    }

    /// Applies the migrations of this engine's folder.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("database migration failed")
    }

    /// True when a query that reads a table answers within two seconds
    /// (`SELECT 1` alone would not notice a damaged SQLite file).
    pub async fn is_reachable(&self) -> bool {
        let ping =
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM instance").fetch_one(&self.pool);
        matches!(tokio::time::timeout(Duration::from_secs(2), ping).await, Ok(Ok(n)) if n > 0)
    }

    /// Take before a single-statement write; hold until it is done. (On
    /// PostgreSQL there is nothing to wait for.) Several statements: use
    /// [`Db::begin_write`].
    pub async fn write_turn(&self) -> Option<OwnedMutexGuard<()>> {
        let gate = self.write_gate.as_ref()?;
        let waited = std::time::Instant::now();
        let turn = gate.clone().lock_owned().await;
        metrics::histogram!("hocvu_sqlite_write_wait_seconds")
            .record(waited.elapsed().as_secs_f64());
        Some(turn)
    }

    /// The only way to open a write transaction: takes the SQLite write turn
    /// first, so writers queue here in order instead of sleeping in SQLite's
    /// busy handler, and holds it until the transaction ends.
    pub async fn begin_write(&self) -> anyhow::Result<WriteTx> {
        let turn = self.write_turn().await;
        let tx = self
            .pool
            .begin()
            .await
            .context("starting a write transaction")?;
        Ok(WriteTx { tx, _turn: turn })
    }

    /// The database of the request being served (pages, server functions).
    pub fn from_context() -> Result<Db, crate::web::AppError> {
        leptos::prelude::use_context::<Db>()
            .ok_or_else(|| anyhow::anyhow!("database missing from context").into())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// A write transaction holding the SQLite write turn (see
/// [`Db::begin_write`]). Derefs to the connection, so `&mut *tx` runs a
/// query in it; dropped without `commit`, it rolls back, then lets the
/// next writer in (fields drop in order).
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> anyhow::Result<()> {
        self.tx.commit().await.context("committing")
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Makes sure the SQLite file's folder exists and the file may be created.
fn prepare_sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" {
        if let Some(parent) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create database folder {}", parent.display()))?;
        }
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// `count` placeholders numbered from `first`: `$3, $4, $5`.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One value of a row for `insert_many`.
pub enum Value {
    Text(Option<String>),
    Int(i64),
}

/// Inserts `rows` into `target` (`table (col, col, …)`) with multi-row
/// INSERTs of a few hundred rows each: bulk imports then cost tens of
/// statements, not tens of thousands (which matters most on PostgreSQL).
pub async fn insert_many(
    tx: &mut WriteTx,
    target: &str,
    rows: Vec<Vec<Value>>,
) -> anyhow::Result<()> {
    const ROWS_PER_STATEMENT: usize = 400;
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        let tuples: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", placeholders(r * width + 1, width)))
            .collect();
        let sql = format!("INSERT INTO {target} VALUES {}", tuples.join(", "));
        let mut query = sqlx::query(&sql);
        for value in chunk.into_iter().flatten() {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(int) => query.bind(int),
            };
        }
        query
            .execute(&mut **tx)
            .await
            .with_context(|| format!("inserting into {target}"))?;
    }
    Ok(())
}
