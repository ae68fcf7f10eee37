//! One code base, two databases.
//!
//! Queries go through sqlx's `Any` driver, so the same SQL text runs on the
//! embedded SQLite default and on PostgreSQL. Rules that keep it portable:
//! `$1`-style placeholders (both drivers accept them), only the types `Any`
//! maps (integers, floats, text, bool, bytes; times as unix seconds), and
//! standard SQL. Schema differences live only in the two migration folders.

use std::{fmt, path::Path, str::FromStr, sync::Arc, time::Duration};

use anyhow::Context;
use futures_core::{future::BoxFuture, stream::BoxStream};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions, AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo},
    migrate::Migrator,
    AnyPool, Executor,
};
use tokio::sync::{watch, Mutex, Notify, OwnedMutexGuard};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

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

/// The database: a pool for reads and one write path.
///
/// The pool's connections refuse writes (SQLite `query_only`, PostgreSQL
/// read-only transactions by default), so a write that skips
/// [`Db::begin_write`] or [`Db::write_one`] fails loudly in every test
/// instead of quietly skipping SQLite's write turn.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    options: AnyConnectOptions,
    backend: Backend,
    /// SQLite has one writer at a time: every write goes through this one
    /// connection, in order (writers that wait in SQLite's busy handler
    /// sleep with growing back-off, which makes slow tails), and writes that
    /// queue up meanwhile share one commit (see [`Writer`]).
    writer: Option<Arc<Writer>>,
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
                             PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                             PRAGMA query_only = ON;",
                        )
                        .await?;
                    } else {
                        conn.execute("SET default_transaction_read_only = on")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await
            .with_context(|| format!("could not connect to the {backend} database"))?;
        let writer = match backend {
            Backend::Sqlite => {
                // The pool's connections only read; this one writes.
                let mut conn = pool.acquire().await?.detach();
                conn.execute("PRAGMA query_only = OFF").await?;
                Some(Writer::start(conn))
            }
            Backend::Postgres => None,
        };
        Ok(Db {
            pool,
            options,
            backend,
            writer,
        })
    }

    /// Applies the migrations of this engine's folder.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let mut conn = self.own_connection().await?;
        if self.backend == Backend::Sqlite {
            // Rebuilding a table (SQLite's only way to change a CHECK) needs
            // foreign keys off, and a migration's transaction cannot switch
            // them: off for the migrations, then every reference checked.
            conn.execute("PRAGMA foreign_keys = OFF").await?;
        }
        migrator
            .run(&mut conn)
            .await
            .context("database migration failed")?;
        if self.backend == Backend::Sqlite {
            let broken = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut conn)
                .await
                .context("checking references after migrating")?;
            anyhow::ensure!(
                broken.is_empty(),
                "after migrating, {} rows refer to rows that are gone",
                broken.len()
            );
        }
        Ok(())
    }

    /// True when a query that reads a table answers within two seconds
    /// (`SELECT 1` alone would not notice a damaged SQLite file).
    pub async fn is_reachable(&self) -> bool {
        let ping =
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM instance").fetch_one(&self.pool);
        matches!(tokio::time::timeout(Duration::from_secs(2), ping).await, Ok(Ok(n)) if n > 0)
    }

    /// The handle for reads: every `SELECT` runs on it, side by side.
    pub fn reads(&self) -> Reads<'_> {
        Reads(&self.pool)
    }

    /// One statement written on its own: a write transaction of one.
    pub async fn write_one<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> anyhow::Result<sqlx::any::AnyQueryResult> {
        let mut tx = self.begin_write().await?;
        let done = query.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// A connection of its own, outside the pool and the write path, for
    /// what neither suits: migrations and `VACUUM INTO` (a backup).
    pub async fn own_connection(&self) -> anyhow::Result<sqlx::AnyConnection> {
        use sqlx::ConnectOptions;
        self.options
            .connect()
            .await
            .context("opening a connection of its own")
    }

    /// On PostgreSQL, a connection of its own that hears `NOTIFY` on
    /// `channel`: how one app server tells the others (a class's next
    /// step). `None` on SQLite, where one server is all there is.
    pub async fn listener(
        &self,
        channel: &str,
    ) -> anyhow::Result<Option<sqlx::postgres::PgListener>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let mut listener = sqlx::postgres::PgListener::connect(self.options.database_url.as_str())
            .await
            .context("opening the notification connection")?;
        listener
            .listen(channel)
            .await
            .context("listening for notifications")?;
        Ok(Some(listener))
    }

    /// Closes every connection (at shutdown, so SQLite folds its WAL back).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Pool connections open and idle, and the most it may open (metrics).
    pub fn pool_use(&self) -> (u32, usize, u32) {
        (
            self.pool.size(),
            self.pool.num_idle(),
            self.pool.options().get_max_connections(),
        )
    }

    /// The only way to open a write transaction. On SQLite it joins the
    /// writer's current group (a savepoint of its transaction); see
    /// [`Writer`].
    pub async fn begin_write(&self) -> anyhow::Result<WriteTx> {
        let Some(writer) = &self.writer else {
            let mut tx = self
                .pool
                .begin()
                .await
                .context("starting a write transaction")?;
            // The pool's connections read by default; this one writes.
            tx.execute("SET TRANSACTION READ WRITE")
                .await
                .context("starting a write transaction")?;
            return Ok(WriteTx::Postgres(tx));
        };
        let mut lane = writer.enter().await;
        // Each step below is written down as "to undo" before it is sent:
        // a request cancelled mid-step (a phone that lost its signal) leaves
        // the lane with its undo, and the committer applies it.
        let undo = if lane.group.is_none() {
            // The first write of a group needs no savepoint: it is alone in
            // the transaction until it is done, so undoing it undoes the
            // group. (A savepoint makes SQLite keep a copy of every page it
            // changes: a publish of a whole handbook would hold hundreds of MB.)
            lane.next_group += 1;
            lane.group = Some(lane.next_group);
            Undo::Group
        } else {
            lane.savepoints += 1;
            Undo::Savepoint(lane.savepoints)
        };
        lane.undo = Some(undo);
        let sent = match undo {
            Undo::Group => lane.conn.execute("BEGIN IMMEDIATE").await,
            Undo::Savepoint(n) => lane.conn.execute(&*format!("SAVEPOINT m{n}")).await,
        };
        if let Err(err) = sent {
            if let Undo::Group = undo {
                lane.group = None;
                lane.undo = None;
            }
            // (A failed savepoint is undone by the committer, which then
            // commits the group's earlier writes.)
            return Err(err).context("starting a write transaction");
        }
        lane.undo = None;
        Ok(WriteTx::Sqlite(Member {
            writer: writer.clone(),
            lane: Some(lane),
            undo,
        }))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// Reads, and nothing else: an executor on the pool whose connections
/// refuse writes (see [`Db`]). Not the pool itself, so nothing outside this
/// module can open a transaction or take a connection around the write path.
#[derive(Clone, Copy, Debug)]
pub struct Reads<'p>(&'p AnyPool);

impl<'p> sqlx::Executor<'p> for Reads<'p> {
    type Database = sqlx::Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<sqlx::Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + sqlx::Execute<'q, sqlx::Any>,
    {
        self.0.fetch_many(query)
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + sqlx::Execute<'q, sqlx::Any>,
    {
        self.0.fetch_optional(query)
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement<'q>, sqlx::Error>>
    where
        'p: 'e,
    {
        self.0.prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> BoxFuture<'e, Result<sqlx::Describe<sqlx::Any>, sqlx::Error>>
    where
        'p: 'e,
    {
        self.0.describe(sql)
    }
}

/// SQLite's one writer, with group commit.
///
/// SQLite makes every commit durable with an fsync of its log, and that
/// fsync, not the writing, bounds how many writes a second it takes. So
/// writes take turns on one connection (the lane), and a write that finds
/// a transaction open there joins it as a savepoint. A finished write
/// leaves the transaction open and wakes the committer, a task of its own
/// that queues for the lane like any writer: every write queued before it
/// joins the group, then it commits them all with one fsync. Each write
/// returns only once its group is durable; one that fails (or whose
/// request is cancelled) is rolled back to its savepoint alone. A quiet
/// server commits each write on its own.
///
/// Only the committer commits, and it is never cancelled; every other step
/// is written down as "to undo" before it is sent, so a cancelled request
/// cannot leave the lane in a state its bookkeeping does not know.
pub struct Writer {
    lane: Arc<Mutex<Lane>>,
    /// Wakes the committer.
    wake: Arc<Notify>,
    /// The last committed group and, if its commit failed, why.
    committed: watch::Sender<(u64, Option<Arc<str>>)>,
}

/// The writer's connection and its open group, if any.
pub struct Lane {
    conn: sqlx::AnyConnection,
    group: Option<u64>,
    next_group: u64,
    savepoints: u64,
    /// A step that did not finish (a failed or cancelled write): undone
    /// before anyone else writes.
    undo: Option<Undo>,
}

/// How a write that did not finish is undone.
#[derive(Clone, Copy, Debug)]
enum Undo {
    /// It opened the group: the whole transaction.
    Group,
    /// It joined the group: back to its savepoint `m<n>`.
    Savepoint(u64),
}

/// The lane, held by one writer; letting go with work left (a group to
/// commit, a write to undo) wakes the committer.
pub struct Held {
    lane: OwnedMutexGuard<Lane>,
    wake: Arc<Notify>,
}

impl Drop for Held {
    fn drop(&mut self) {
        if self.lane.group.is_some() || self.lane.undo.is_some() {
            self.wake.notify_one();
        }
    }
}

impl std::ops::Deref for Held {
    type Target = Lane;
    fn deref(&self) -> &Lane {
        &self.lane
    }
}

impl std::ops::DerefMut for Held {
    fn deref_mut(&mut self) -> &mut Lane {
        &mut self.lane
    }
}

impl fmt::Debug for Writer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Writer")
    }
}

impl Writer {
    /// The writer on `conn`, with its committer task (which ends when the
    /// writer is dropped).
    fn start(conn: sqlx::AnyConnection) -> Arc<Writer> {
        let writer = Arc::new(Writer {
            lane: Arc::new(Mutex::new(Lane {
                conn,
                group: None,
                next_group: 0,
                savepoints: 0,
                undo: None,
            })),
            wake: Arc::new(Notify::new()),
            committed: watch::channel((0, None)).0,
        });
        let wake = writer.wake.clone();
        let weak = Arc::downgrade(&writer);
        tokio::spawn(async move {
            loop {
                wake.notified().await;
                let Some(writer) = weak.upgrade() else {
                    return;
                };
                let mut lane = writer.enter().await;
                writer.commit_group(&mut lane).await;
            }
        });
        writer
    }

    /// Waits for the lane (in order of arrival), then undoes what an
    /// unfinished write left.
    async fn enter(&self) -> Held {
        let waited = std::time::Instant::now();
        let lane = self.lane.clone().lock_owned().await;
        metrics::histogram!("hocvu_sqlite_write_wait_seconds")
            .record(waited.elapsed().as_secs_f64());
        let mut lane = Held {
            lane,
            wake: self.wake.clone(),
        };
        if let Some(undo) = lane.undo {
            let undone = match undo {
                Undo::Savepoint(n) => {
                    lane.conn
                        .execute(&*format!("ROLLBACK TO m{n}; RELEASE m{n}"))
                        .await
                }
                Undo::Group => lane.conn.execute("ROLLBACK").await,
            };
            // Cancelled before here, the undo stays for the next writer; an
            // undo sent twice fails harmlessly the second time.
            if let Err(err) = undone {
                tracing::warn!("undoing an unfinished write: {err}");
            }
            lane.undo = None;
            if let Undo::Group = undo {
                lane.group = None;
            }
        }
        lane
    }

    /// Commits the open group (if any) and tells its members. Only the
    /// committer task calls this.
    async fn commit_group(&self, lane: &mut Lane) {
        let Some(group) = lane.group else {
            return;
        };
        let result = lane.conn.execute("COMMIT").await.map(|_| ());
        if let Err(err) = &result {
            tracing::error!("committing a group of writes: {err}");
            // Leave the connection usable for the next group.
            let _ = lane.conn.execute("ROLLBACK").await;
        }
        lane.group = None;
        let failed = result.err().map(|e| Arc::from(e.to_string()));
        self.committed.send_replace((group, failed));
    }

    /// Waits until `group` is committed.
    async fn committed(&self, group: u64) -> anyhow::Result<()> {
        let mut seen = self.committed.subscribe();
        let (done, failed) = seen
            .wait_for(|(done, _)| *done >= group)
            .await
            .map(|v| v.clone())
            .map_err(|_| anyhow::anyhow!("the writer stopped"))?;
        match failed {
            Some(why) if done == group => anyhow::bail!("committing: {why}"),
            _ => Ok(()),
        }
    }
}

/// A write transaction. Derefs to the connection, so `&mut *tx` runs a
/// query in it; dropped without `commit`, it rolls back.
pub enum WriteTx {
    Postgres(sqlx::Transaction<'static, sqlx::Any>),
    Sqlite(Member),
}

/// A write in the SQLite writer's group, holding the lane.
pub struct Member {
    writer: Arc<Writer>,
    lane: Option<Held>,
    undo: Undo,
}

impl WriteTx {
    /// Returns once the write is durable.
    pub async fn commit(self) -> anyhow::Result<()> {
        match self {
            WriteTx::Postgres(tx) => tx.commit().await.context("committing"),
            WriteTx::Sqlite(mut member) => {
                let mut lane = member.lane.take().expect("a member holds the lane");
                if let Undo::Savepoint(n) = member.undo {
                    lane.undo = Some(member.undo);
                    lane.conn
                        .execute(&*format!("RELEASE m{n}"))
                        .await
                        .context("committing")?;
                    lane.undo = None;
                }
                let group = lane.group.expect("a member is in a group");
                // Letting go wakes the committer; writers queued before it
                // join this group.
                drop(lane);
                member.writer.committed(group).await
            }
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        // Not committed: the committer undoes it (letting go wakes it).
        if let Some(mut lane) = self.lane.take() {
            lane.undo = Some(self.undo);
        }
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        match self {
            WriteTx::Postgres(tx) => tx,
            WriteTx::Sqlite(member) => &member.lane.as_ref().expect("held").conn,
        }
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            WriteTx::Postgres(tx) => tx,
            WriteTx::Sqlite(member) => &mut member.lane.as_mut().expect("held").conn,
        }
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

/// Most keys bound in one `IN (…)` list, and rows in one multi-row INSERT:
/// far below both engines' bind limits (SQLite 32,766, PostgreSQL 65,535)
/// while keeping a bulk read or import to a few statements.
pub const BIND_BATCH: usize = 400;

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
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(BIND_BATCH).collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    const WRITE: &str = "INSERT INTO instance (key, value, updated_at) VALUES ('probe', 'x', 0)";

    /// The read handle refuses a write; the write path takes it.
    async fn reads_cannot_write(db: &Db) {
        db.migrate().await.unwrap();
        let refused = sqlx::query(WRITE).execute(db.reads()).await;
        assert!(refused.is_err(), "a write through the read handle went in");
        db.write_one(sqlx::query(WRITE)).await.unwrap();
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM instance WHERE key = 'probe'")
            .fetch_one(db.reads())
            .await
            .unwrap();
        assert_eq!(kept, 1);
        db.close().await;
    }

    #[tokio::test]
    async fn on_sqlite_reads_cannot_write() {
        let dir = std::env::temp_dir().join(format!("hocvu-db-{}", uuid::Uuid::new_v4()));
        let url = format!("sqlite:{}", dir.join("test.db").display());
        let db = Db::connect(&url.into()).await.unwrap();
        reads_cannot_write(&db).await;
        let _ = std::fs::remove_dir_all(dir);
    }

    /// PostgreSQL runs beside the tests here and in CI (trust auth);
    /// `HOCVU_TEST_POSTGRES` names another server.
    #[tokio::test]
    async fn on_postgres_reads_cannot_write() {
        let admin = std::env::var("HOCVU_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        sqlx::any::install_default_drivers();
        let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await else {
            eprintln!("no PostgreSQL at {admin}: skipped");
            return;
        };
        let name = format!("hocvu_db_{}", uuid::Uuid::new_v4().simple());
        conn.execute(&*format!(r#"CREATE DATABASE "{name}""#))
            .await
            .unwrap();
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(base, _)| base);
        let db = Db::connect(&format!("{base}/{name}").into()).await.unwrap();
        reads_cannot_write(&db).await;
        conn.execute(&*format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#))
            .await
            .unwrap();
    }
}
