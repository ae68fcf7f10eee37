//! Test support: the real `hocvu` binary on 127.0.0.1:0 against a fresh
//! database (a new SQLite file, or a new PostgreSQL database), plus a real
//! headless Chromium through chromedriver.

pub mod browser;

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::Duration,
};

use reqwest::cookie::{CookieStore, Jar};

use sqlx::{Connection, Executor, PgConnection};
pub use tempfile::TempDir;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// Runs each named test once on SQLite and once on PostgreSQL.
///
/// - `on_both_databases!(tests…)`: each `async fn(TestApp)` gets a server
///   with the bundled content.
/// - `on_both_databases!(module on content_fn: tests…)`: the server serves the
///   content tree `content_fn() -> TempDir` writes (a test's fixture).
/// - `on_both_databases!(module with spawn_fn: tests…)`: each server is started
///   by `spawn_fn(Backend) -> Option<(TestApp, keep_alive)>` instead.
/// - `on_both_databases!(per backend: tests…)`: each `async fn(Backend)`
///   starts what it needs itself (and returns when PostgreSQL is missing).
#[macro_export]
macro_rules! on_both_databases {
    // Inside `$module`: `$spawn` and the tests are named from its children.
    (@each $spawn:path: $($name:ident),*) => {
        mod on_sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let (app, _keep) = $spawn($crate::Backend::Sqlite).await
                        .expect("SQLite is always available");
                    super::super::$name(app).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some((app, _keep)) = $spawn($crate::Backend::Postgres).await {
                        super::super::$name(app).await;
                    }
                }
            )*
        }
    };
    (per backend: $($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await;
                }
            )*
        }
    };
    ($module:ident on $content:ident: $($name:ident),* $(,)?) => {
        mod $module {
            async fn spawn(
                backend: $crate::Backend,
            ) -> Option<($crate::TestApp, $crate::TempDir)> {
                $crate::TestApp::spawn_with_fixture(backend, super::$content()).await
            }
            $crate::on_both_databases!(@each super::spawn: $($name),*);
        }
    };
    ($module:ident with $spawn:ident: $($name:ident),* $(,)?) => {
        mod $module {
            $crate::on_both_databases!(@each super::super::$spawn: $($name),*);
        }
    };
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = $crate::TestApp::spawn($crate::Backend::Sqlite).await
                        .expect("SQLite is always available");
                    super::$name(app).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = $crate::TestApp::spawn($crate::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

/// Runs `$body` with `$conn` a connection to the test server's own database
/// (`$app.database`, SQLite or PostgreSQL); its value is the body's.
#[macro_export]
macro_rules! with_db {
    ($app:expr, |$conn:ident| $body:expr) => {{
        let url = $app.database.url();
        if url.starts_with("sqlite:") {
            let mut $conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
                .await
                .expect("open the SQLite file");
            $body
        } else {
            let mut $conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
                .await
                .expect("connect to PostgreSQL");
            $body
        }
    }};
}

/// Which database a test server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The repository root (where `content/` and `target/` live).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// Where screenshots and other artefacts for humans go.
pub fn artefact_dir() -> PathBuf {
    let dir = workspace_root().join("target").join("screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir
}

/// The `hocvu` binary under test (`HOCVU_BIN`, or the release build).
pub fn hocvu_bin() -> PathBuf {
    let bin = std::env::var_os("HOCVU_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/release/hocvu"));
    assert!(
        bin.is_file(),
        "{} is missing: build it with `cargo leptos build --release` (or run `.ci/do test`)",
        bin.display()
    );
    bin
}

/// A database made for one test.
pub enum TestDatabase {
    Sqlite {
        path: PathBuf,
    },
    /// Another test server's database.
    Shared {
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestDatabase {
    pub fn url(&self) -> String {
        match self {
            TestDatabase::Sqlite { path } => format!("sqlite:{}", path.display()),
            TestDatabase::Shared { url } => url.clone(),
            TestDatabase::Postgres { admin_url, name } => {
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or(admin_url);
                format!("{base}/{name}")
            }
        }
    }

    /// Creates a fresh PostgreSQL database, or says why it cannot.
    async fn postgres() -> Result<Self, String> {
        let admin_url = std::env::var("HOCVU_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut conn = PgConnection::connect(&admin_url)
            .await
            .map_err(|e| format!("no PostgreSQL at {admin_url}: {e}"))?;
        let name = format!("hocvu_test_{}", uuid::Uuid::new_v4().simple());
        conn.execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .map_err(|e| format!("cannot create database: {e}"))?;
        Ok(TestDatabase::Postgres { admin_url, name })
    }

    /// Drops a PostgreSQL test database, cutting off any connection to it.
    pub async fn drop_postgres(&self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let mut conn = PgConnection::connect(admin_url)
                .await
                .expect("admin connection");
            conn.execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str())
                .await
                .expect("drop test database");
        }
    }
}

/// The address a starting `hocvu serve` says it listens on (its
/// `hocvu listening on http://…` line), waiting up to 30 s; `None` if it
/// ends or says nothing of it in that time.
pub async fn listening_addr(stdout: tokio::process::ChildStdout) -> Option<String> {
    tokio::time::timeout(Duration::from_secs(30), async {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(addr) = line.strip_prefix("hocvu listening on http://") {
                return Some(addr.trim().to_string());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

/// A running `hocvu serve` and a cookie-keeping HTTP client pointed at it.
pub struct TestApp {
    pub addr: String,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    pub backend: Backend,
    pub dir: TempDir,
    child: Child,
    options: AppOptions,
}

/// What a test may change about the server it starts.
#[derive(Default, Clone)]
pub struct AppOptions {
    pub content: Option<PathBuf>,
    /// Use this database instead of a fresh one (a second server on it).
    pub database_url: Option<String>,
    pub env: Vec<(String, String)>,
    /// Listen here instead of on a free port (the same server again).
    pub addr: Option<String>,
}

impl TestApp {
    /// Starts a server with the bundled content. `None` (with the reason
    /// printed) only when PostgreSQL is asked for and none answers outside CI.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, AppOptions::default()).await
    }

    /// Starts a server on the content tree in `content` (a test's fixture).
    pub async fn spawn_with_content(backend: Backend, content: &Path) -> Option<TestApp> {
        let options = AppOptions {
            content: Some(content.to_path_buf()),
            ..AppOptions::default()
        };
        Self::spawn_with(backend, options).await
    }

    /// Starts a server on the content tree `fixture` holds (see
    /// [`content_fixture`]); the folder comes back to be kept alive.
    pub async fn spawn_with_fixture(
        backend: Backend,
        fixture: TempDir,
    ) -> Option<(TestApp, TempDir)> {
        let app = Self::spawn_with_content(backend, fixture.path()).await?;
        Some((app, fixture))
    }

    pub async fn spawn_with(backend: Backend, options: AppOptions) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = match (&options.database_url, backend) {
            (Some(url), _) => TestDatabase::Shared { url: url.clone() },
            (None, Backend::Sqlite) => TestDatabase::Sqlite {
                path: dir.path().join("hocvu.db"),
            },
            (None, Backend::Postgres) => match TestDatabase::postgres().await {
                Ok(db) => db,
                Err(reason) if std::env::var_os("CI").is_none() => {
                    eprintln!("skipped on PostgreSQL: {reason}");
                    return None;
                }
                Err(reason) => panic!("CI has PostgreSQL, but: {reason}"),
            },
        };
        let root = workspace_root();
        let log_path = dir.path().join("server.log");
        let log = std::fs::File::create(&log_path).expect("log file");
        let mut command = Command::new(hocvu_bin());
        command
            .current_dir(&root)
            .arg("serve")
            .arg("--addr")
            .arg(options.addr.as_deref().unwrap_or("127.0.0.1:0"))
            .arg("--database-url")
            .arg(database.url())
            .arg("--content")
            .arg(
                options
                    .content
                    .clone()
                    .unwrap_or_else(|| root.join("content")),
            )
            .arg("--site-root")
            .arg(root.join("target/site"))
            .env_remove("DATABASE_URL")
            .envs(options.env.iter().cloned())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true);
        let mut child = command.spawn().expect("start hocvu");
        let stdout = child.stdout.take().expect("piped stdout");
        let addr = listening_addr(stdout).await.unwrap_or_else(|| {
            panic!(
                "hocvu did not start; its log:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            )
        });
        let client = http_client(Some(Default::default()));
        Some(TestApp {
            addr,
            client,
            database,
            backend,
            dir,
            child,
            options,
        })
    }

    /// Another browser-like client (own cookies): a second learner.
    pub fn spawn_client(app: &TestApp) -> reqwest::Client {
        Agent::browser(app).client
    }

    /// `app.client` as an [`Agent`] (the same client, cookies and all).
    pub fn agent(&self) -> Agent {
        Agent {
            client: self.client.clone(),
            cookie: None,
            jar: None,
            base: self.origin(),
        }
    }

    /// Absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The browser-visible origin, for same-origin form posts.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.agent().get(path).await
    }

    /// GET and return the body, asserting a 200.
    pub async fn page(&self, path: &str) -> String {
        self.agent().page(path).await
    }

    /// A form POST as a browser on this site sends it.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.agent().post_form(path, form).await
    }

    /// [`TestApp::post_form`] with owned fields (a parsed form sent back).
    pub async fn post_fields(&self, path: &str, fields: &[(String, String)]) -> reqwest::Response {
        self.agent().post_fields(path, fields).await
    }

    /// Posts a form that is too large and asserts it is refused: 413, or the
    /// server closing the connection after answering 413 before the client
    /// finished sending (both mean nothing was read).
    pub async fn assert_oversized_refused(&self, path: &str, form: &[(String, String)]) {
        // A client of its own: the server may close the connection after
        // its 413, and a pooled connection shared with later requests would
        // then fail them at random (broken pipe).
        let sent = Agent::anonymous(self)
            .post_from_site(path)
            .form(form)
            .send()
            .await;
        match sent {
            Ok(response) => assert_eq!(response.status(), 413, "{path}"),
            Err(err) => assert!(err.is_request(), "{path}: {err}"),
        }
    }

    /// The server's log so far (stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The same server again (address, database, content) after
    /// [`TestApp::kill`]: the network coming back, as a phone sees it.
    pub async fn start_again(&self) -> TestApp {
        let options = AppOptions {
            database_url: Some(self.database.url()),
            addr: Some(self.addr.clone()),
            ..self.options.clone()
        };
        Self::spawn_with(self.backend, options)
            .await
            .expect("the same database again")
    }

    /// A second server on this one's database and content, with `env` set
    /// (this one may keep running: two app servers).
    pub async fn start_again_with(&self, env: &[(&str, &str)]) -> TestApp {
        let mut options = AppOptions {
            database_url: Some(self.database.url()),
            ..self.options.clone()
        };
        options
            .env
            .extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Self::spawn_with(self.backend, options)
            .await
            .expect("the same database again")
    }

    /// Stops the server abruptly (SIGKILL) and waits for it to be gone.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// The server's process id (to read its limits from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id().expect("server still running")
    }

    /// Sends SIGTERM (what systemd and container runtimes send to stop a
    /// service) without waiting.
    pub fn terminate(&self) {
        let pid = self.child.id().expect("server still running");
        let status = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM {pid}");
    }

    /// Waits up to `seconds` for the server to exit; its exit status.
    pub async fn wait_for_exit(&mut self, seconds: u64) -> std::process::ExitStatus {
        tokio::time::timeout(Duration::from_secs(seconds), self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("hocvu still running after {seconds} s:\n{}", self.log()))
            .expect("wait for hocvu")
    }

    /// Runs one query on the app's database and returns the first column of
    /// the first row as i64 (counts, mostly).
    pub async fn scalar(&self, sql: &str) -> i64 {
        use sqlx::Row;
        with_db!(self, |conn| conn
            .fetch_one(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .get::<i64, _>(0))
    }

    /// Runs one statement on the server's database (a test's setup the
    /// site offers no way to make: a class started hours ago).
    pub async fn execute(&self, sql: &str) {
        with_db!(self, |conn| {
            conn.execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        })
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// The value of `attr="..."` on the first tag in `html` matching `tag_start`.
pub fn attribute_of(html: &str, tag_start: &str, attr: &str) -> Option<String> {
    let tag = &html[html.find(tag_start)?..];
    let tag = &tag[..tag.find('>')?];
    let needle = format!("{attr}=\"");
    let value = &tag[tag.find(&needle)? + needle.len()..];
    Some(value[..value.find('"')?].to_string())
}

/// Writes `files` (path relative to a new temp folder, text) and returns the
/// folder: a content tree made for one test.
pub fn content_fixture(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// A minimal valid chapter file.
pub fn chapter(id: &str, title: &str, body: &str) -> String {
    format!("+++\nid = \"{id}\"\ntitle = \"{title}\"\nminutes = 5\nsummary = \"Tóm tắt {title}\"\n+++\n\n{body}\n")
}

/// A minimal valid course.toml.
pub fn course_toml(title: &str, audience: &str, chapters: &[&str]) -> String {
    let list = chapters
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!("title = \"{title}\"\nsummary = \"Về {title}\"\naudience = \"{audience}\"\nchapters = [{list}]\n")
}

/// Runs `hocvu content check DIR`: (exit success, stdout).
pub async fn content_check(dir: &Path) -> (bool, String) {
    content_check_with(dir, &[]).await
}

/// Runs `hocvu content check ARGS... DIR` (e.g. `--stats`): (exit success, stdout).
pub async fn content_check_with(dir: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(hocvu_bin())
        .arg("content")
        .arg("check")
        .args(args)
        .arg(dir)
        .output()
        .await
        .expect("run hocvu content check");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// Polls `check` every 100 ms for up to `seconds`; true once it holds.
pub async fn eventually<F, Fut>(seconds: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Runs `hocvu user add` against the app's database, the password on
/// standard input as an admin would type it.
pub async fn user_add(
    app: &TestApp,
    username: &str,
    display_name: &str,
    role: &str,
    password: &str,
) {
    let args = [
        "--username",
        username,
        "--display-name",
        display_name,
        "--role",
        role,
    ];
    let (ok, output) = user_add_with(app, &args, &format!("{password}\n")).await;
    assert!(ok, "user add: {output}");
}

/// Runs `hocvu user add ARGS` against the app's database with `stdin` as
/// standard input: (success, stdout + stderr).
pub async fn user_add_with(app: &TestApp, args: &[&str], stdin: &str) -> (bool, String) {
    use tokio::io::AsyncWriteExt;
    let mut child = Command::new(hocvu_bin())
        .current_dir(app.dir.path())
        .arg("user")
        .arg("add")
        .args(args)
        .arg("--database-url")
        .arg(app.database.url())
        .env_remove("DATABASE_URL")
        .env_remove("HOCVU_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hocvu user add");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.as_bytes())
        .await
        .expect("write stdin");
    drop(input);
    let output = child.wait_with_output().await.expect("hocvu user add ends");
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// Creates a user with `role` through `hocvu user add` (password on stdin,
/// as an admin would) and signs `app.client` in as them. Returns the session
/// cookie (`name=value`) for use with another client or server.
pub async fn sign_in_as(app: &TestApp, username: &str, role: &str) -> String {
    const PASSWORD: &str = "mat-khau-rat-dai-2026";
    user_add(app, username, username, role, PASSWORD).await;
    let response = app
        .post_form("/signin", &[("login", username), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status(), 303, "sign-in as {username}");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("hocvu_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string()
}

/// Sends a request and returns its body as text (any status).
pub async fn text_of(request: reqwest::RequestBuilder) -> String {
    request
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body")
}

// ---------------------------------------------------------------------------
// Org units, reports and certificates (issue 6): several people signed in at
// once, multipart uploads, and reading tables out of pages.

/// The password `add_user` gives every account it makes.
pub const AGENT_PASSWORD: &str = "mat-khau-rat-dai-2026";

/// The name of the session cookie.
pub const SESSION: &str = "hocvu_session";

/// The one way tests make an HTTP client: redirects are not followed (tests
/// look at them), and cookies are kept in `jar` when there is one.
fn http_client(jar: Option<Arc<Jar>>) -> reqwest::Client {
    http_client_with(jar, reqwest::redirect::Policy::none())
}

fn http_client_with(
    jar: Option<Arc<Jar>>,
    redirects: reqwest::redirect::Policy,
) -> reqwest::Client {
    let builder = reqwest::Client::builder().redirect(redirects);
    match jar {
        Some(jar) => builder.cookie_provider(jar),
        None => builder,
    }
    .build()
    .expect("http client")
}

/// One browser, and every request a test sends goes through one. Either it
/// carries a fixed session cookie (or none): unlike `TestApp::client`, many
/// of them can be signed in as different people at the same time, since
/// signing one in never ends another's session. Or ([`Agent::browser`]) it
/// keeps the cookies it is given in a jar the test can read, as a browser
/// does.
#[derive(Clone)]
pub struct Agent {
    pub client: reqwest::Client,
    pub cookie: Option<String>,
    jar: Option<Arc<Jar>>,
    base: String,
}

impl Agent {
    /// "Đã đọc xong" on a chapter, with a fresh event id, as the page's form
    /// sends it.
    pub async fn mark_read(&self, course: &str, chapter: &str) -> reqwest::Response {
        let event = uuid::Uuid::new_v4().to_string();
        self.post_form(
            &format!("/courses/{course}/{chapter}/read"),
            &[("event", &event)],
        )
        .await
    }

    /// Nobody signed in.
    pub fn anonymous(app: &TestApp) -> Agent {
        Agent::with_cookie(app, None)
    }

    /// A browser that carries `cookie` (`hocvu_session=...`).
    pub fn with_cookie(app: &TestApp, cookie: Option<String>) -> Agent {
        Agent {
            client: http_client(None),
            cookie,
            jar: None,
            base: app.origin(),
        }
    }

    /// Nobody signed in, following redirects (up to 10) to the page they
    /// end at, as a link does.
    pub fn following_redirects(app: &TestApp) -> Agent {
        Agent {
            client: http_client_with(None, reqwest::redirect::Policy::default()),
            ..Agent::anonymous(app)
        }
    }

    /// A browser with its own cookie jar: it keeps (and the test can read,
    /// [`Agent::session`]) every cookie the server sets.
    pub fn browser(app: &TestApp) -> Agent {
        let jar = Arc::new(Jar::default());
        Agent {
            client: http_client(Some(jar.clone())),
            cookie: None,
            jar: Some(jar),
            base: app.origin(),
        }
    }

    /// A [`Agent::browser`] whose jar holds the session cookie `token`.
    pub fn browser_with_session(app: &TestApp, token: &str) -> Agent {
        let agent = Agent::browser(app);
        if let Some(jar) = &agent.jar {
            jar.add_cookie_str(&format!("{SESSION}={token}; Path=/"), &agent.base_url());
        }
        agent
    }

    /// Signs in with `login` and `password` (asserting a 303 with a session).
    pub async fn sign_in(app: &TestApp, login: &str, password: &str) -> Agent {
        let response = Agent::anonymous(app).submit_sign_in(login, password).await;
        assert_eq!(response.status(), 303, "sign-in as {login}");
        let cookie = session_cookie_of(&response)
            .unwrap_or_else(|| panic!("sign-in as {login} set no session cookie"));
        Agent::with_cookie(app, Some(cookie))
    }

    /// The sign-in form sent as it is, whatever comes of it.
    pub async fn submit_sign_in(&self, login: &str, password: &str) -> reqwest::Response {
        self.post_form("/signin", &[("login", login), ("password", password)])
            .await
    }

    /// The sign-up form sent as it is, whatever comes of it.
    pub async fn sign_up(&self, login: &str, name: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/signup",
            &[
                ("login", login),
                ("display_name", name),
                ("password", password),
            ],
        )
        .await
    }

    /// True when the site header shows a signed-in person (a sign-out form).
    pub async fn is_signed_in(&self) -> bool {
        let html = self.page("/search").await;
        let signed_in = html.contains(r#"action="/signout""#);
        assert_ne!(
            signed_in,
            html.contains(r#"href="/signin"#),
            "exactly one of the two"
        );
        signed_in
    }

    /// The session token this browser holds now: from its jar, or its fixed
    /// cookie.
    pub fn session(&self) -> Option<String> {
        let prefix = format!("{SESSION}=");
        match &self.jar {
            Some(jar) => jar
                .cookies(&self.base_url())?
                .to_str()
                .ok()?
                .split("; ")
                .find_map(|c| c.strip_prefix(&prefix))
                .map(str::to_string),
            None => self
                .cookie
                .as_deref()?
                .strip_prefix(&prefix)
                .map(str::to_string),
        }
    }

    fn base_url(&self) -> reqwest::Url {
        reqwest::Url::parse(&self.base).expect("base url")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The browser-visible origin, for same-origin form posts.
    pub fn origin(&self) -> &str {
        &self.base
    }

    /// A request to `path` carrying this browser's session, to finish and
    /// send (other headers, another body).
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match &self.cookie {
            Some(cookie) => request.header("Cookie", cookie),
            None => request,
        }
    }

    /// A POST to `path` with the headers a browser sends from a page of
    /// this site (`Origin`, `Sec-Fetch-Site`); the body is the caller's.
    pub fn post_from_site(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, path)
            .header("Origin", &self.base)
            .header("Sec-Fetch-Site", "same-origin")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_with(path, &[]).await
    }

    /// A form POST whose `Origin` header says it comes from `origin` (and
    /// no `Sec-Fetch-Site`).
    pub async fn post_form_from(
        &self,
        origin: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.request(reqwest::Method::POST, path)
            .header("Origin", origin)
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// A GET with extra headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.request(reqwest::Method::GET, path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("GET")
    }

    /// GET and return the body, asserting a 200.
    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("body")
    }

    /// A form POST as a browser on this site sends it.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.post_from_site(path)
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// [`Agent::post_form`] with owned fields (a parsed form sent back).
    pub async fn post_fields(&self, path: &str, fields: &[(String, String)]) -> reqwest::Response {
        self.post_from_site(path)
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// A multipart POST (`fields` as text, then `file` as an uploaded file
    /// named `name`), as a browser sends a file input. The send error, if
    /// any, is returned (an oversized upload may be cut off).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>)>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let files: Vec<(&str, Vec<u8>)> = file.into_iter().collect();
        self.post_files(path, fields, "file", files).await
    }

    /// A multipart POST with any number of files in the input `input`.
    pub async fn post_files(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        input: &str,
        files: Vec<(&str, Vec<u8>)>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        for (name, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_string())
                .mime_str("application/octet-stream")
                .expect("mime");
            form = form.part(input.to_string(), part);
        }
        self.post_from_site(path).multipart(form).send().await
    }
}

/// The `hocvu_session=...` pair a response sets, if any.
pub fn session_cookie_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("hocvu_session=") && !c.starts_with("hocvu_session=;"))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
}

/// The `Location` header of a response, or "".
pub fn location_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Creates an account through `hocvu user add` (password `AGENT_PASSWORD`)
/// and signs it in with a browser of its own.
pub async fn add_user(app: &TestApp, username: &str, display_name: &str, role: &str) -> Agent {
    user_add(app, username, display_name, role, AGENT_PASSWORD).await;
    Agent::sign_in(app, username, AGENT_PASSWORD).await
}

impl TestApp {
    /// Runs one query and returns the first column of every row as text
    /// (NULL as "").
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        use sqlx::Row;
        let rows: Vec<Option<String>> = with_db!(self, |conn| conn
            .fetch_all(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .iter()
            .map(|r| r.get::<Option<String>, _>(0))
            .collect());
        rows.into_iter().map(Option::unwrap_or_default).collect()
    }

    /// The first column of the first row as text; panics when no row.
    pub async fn text(&self, sql: &str) -> String {
        self.texts(sql)
            .await
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no row: {sql}"))
    }
}

/// Reading pages with CSS selectors (a real HTML parser: hydration markers
/// and comments inside cells do not matter).
pub mod html {
    use scraper::{ElementRef, Html, Selector};

    fn selector(css: &str) -> Selector {
        Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"))
    }

    fn text_of(element: ElementRef<'_>) -> String {
        element
            .text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// How many elements match `css`.
    pub fn count(html: &str, css: &str) -> usize {
        Html::parse_document(html).select(&selector(css)).count()
    }

    /// The text (whitespace collapsed) of every element matching `css`.
    pub fn texts(html: &str, css: &str) -> Vec<String> {
        Html::parse_document(html)
            .select(&selector(css))
            .map(text_of)
            .collect()
    }

    /// The text of the first element matching `css`, if any.
    pub fn text(html: &str, css: &str) -> Option<String> {
        texts(html, css).into_iter().next()
    }

    /// The value of `attr` on every element matching `css` (that has it).
    pub fn attrs(html: &str, css: &str, attr: &str) -> Vec<String> {
        Html::parse_document(html)
            .select(&selector(css))
            .filter_map(|e| e.value().attr(attr).map(str::to_string))
            .collect()
    }

    /// For every element matching `outer`: the element's `key` attribute and
    /// the text of the first descendant matching `inner` ("" if none).
    pub fn keyed_texts(html: &str, outer: &str, key: &str, inner: &str) -> Vec<(String, String)> {
        let doc = Html::parse_document(html);
        let inner = selector(inner);
        doc.select(&selector(outer))
            .map(|e| {
                (
                    e.value().attr(key).unwrap_or_default().to_string(),
                    e.select(&inner).next().map(text_of).unwrap_or_default(),
                )
            })
            .collect()
    }

    /// The inner HTML of every element matching `css`.
    pub fn inner_htmls(html: &str, css: &str) -> Vec<String> {
        Html::parse_document(html)
            .select(&selector(css))
            .map(|e| e.inner_html())
            .collect()
    }
}

/// Today's date (YYYY-MM-DD) at `offset_hours` from UTC.
pub fn date_today(offset_hours: i64) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
        + offset_hours * 3600;
    // Days to civil date (Howard Hinnant's algorithm).
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Org-unit and officials fixtures made through the real admin endpoints.
pub mod orgs {
    use std::collections::BTreeMap;

    use super::{html, location_of, session_cookie_of, Agent, TestApp};

    /// The password officials choose with their one-time code.
    pub const OFFICIAL_PASSWORD: &str = "mật khẩu cán bộ 2026";

    /// Imports `code,name,parent_code` rows (header included) for real.
    pub async fn import_units(admin: &Agent, csv: &str) {
        let response = admin
            .post_form("/admin/units/import", &[("csv", csv), ("mode", "commit")])
            .await;
        let status = response.status();
        let to = location_of(&response);
        assert_eq!(
            status,
            303,
            "units import: {}",
            response.text().await.unwrap_or_default()
        );
        assert!(to.starts_with("/admin/units?done=imported"), "{to}");
    }

    /// Uploads an officials CSV file (`mode` dry_run or commit).
    pub async fn upload_officials(admin: &Agent, csv: &[u8], mode: &str) -> reqwest::Response {
        admin
            .post_multipart(
                "/admin/officials/import",
                &[("mode", mode)],
                Some(("can-bo.csv", csv.to_vec())),
            )
            .await
            .expect("upload officials")
    }

    /// Imports officials for real; returns login -> (unit code, one-time code)
    /// read from the printable code sheets.
    pub async fn import_officials(admin: &Agent, csv: &str) -> BTreeMap<String, (String, String)> {
        let response = upload_officials(admin, csv.as_bytes(), "commit").await;
        let status = response.status();
        let page = response.text().await.expect("body");
        assert_eq!(status, 200, "officials import: {page}");
        code_sheets(&page)
    }

    /// login -> (unit code, code) from `<section class="code-sheet">` pages.
    pub fn code_sheets(page: &str) -> BTreeMap<String, (String, String)> {
        let mut codes = BTreeMap::new();
        for unit in html::attrs(page, "section.code-sheet", "data-unit") {
            let rows = html::keyed_texts(
                page,
                &format!("section.code-sheet[data-unit=\"{unit}\"] tr[data-login]"),
                "data-login",
                "td.code",
            );
            for (login, code) in rows {
                assert!(!code.is_empty(), "{login} has a code on the sheet");
                let before = codes.insert(login.clone(), (unit.clone(), code));
                assert!(before.is_none(), "{login} on two sheets");
            }
        }
        codes
    }

    /// An imported official sets a password with their code (POST /reset)
    /// and is signed in by it.
    pub async fn set_password(app: &TestApp, login: &str, code: &str) -> Agent {
        let response = Agent::anonymous(app)
            .post_form(
                "/reset",
                &[
                    ("login", login),
                    ("code", code),
                    ("password", OFFICIAL_PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "reset for {login}");
        assert_eq!(location_of(&response), "/me", "reset for {login}");
        let cookie = session_cookie_of(&response).expect("signed in by the reset");
        Agent::with_cookie(app, Some(cookie))
    }

    /// The users.id of the account with this username or phone.
    pub async fn user_id(app: &TestApp, login: &str) -> String {
        app.text(&format!(
            "SELECT id FROM users WHERE username = '{login}' OR phone = '{login}'"
        ))
        .await
    }

    /// Moves a person to `unit_code` (with `position`) as an admin does.
    pub async fn move_to_unit(
        app: &TestApp,
        admin: &Agent,
        login: &str,
        unit: &str,
        position: &str,
    ) {
        let id = user_id(app, login).await;
        let response = admin
            .post_form(
                "/admin/users/unit",
                &[
                    ("user_id", &id),
                    ("unit_code", unit),
                    ("position", position),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "move {login} to {unit}");
        assert_eq!(location_of(&response), "/admin/users?done=unit");
    }
}

/// The server functions registered in the binary, as `hocvu
/// server-functions` lists them: they take POSTs too, and none is in a form.
pub fn server_functions() -> std::collections::BTreeSet<String> {
    let output = std::process::Command::new(hocvu_bin())
        .arg("server-functions")
        .output()
        .expect("run hocvu server-functions");
    assert!(output.status.success(), "hocvu server-functions failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once(' ').map(|(_, path)| path.to_string()))
        .collect()
}

/// Rows that a state change would touch.
pub async fn footprint(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "users",
        "sessions",
        "learners",
        "progress_events",
        "quiz_attempts",
        "quiz_answers",
        "audit_log",
        "password_resets",
        "sign_in_attempts",
        "org_units",
        "assignments",
        "course_status",
        "certificates",
        "reminder_outbox",
        "content_versions",
        "content_blobs",
        "content_drafts",
        "content_draft_files",
    ] {
        counts.push(app.scalar(&format!("SELECT COUNT(*) FROM {table}")).await);
    }
    counts.push(
        app.scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
    );
    counts
}

/// Runs the `hocvu` binary with `args` and `env` (DATABASE_URL removed):
/// (success, stdout, stderr).
pub async fn hocvu(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let output = Command::new(hocvu_bin())
        .args(args)
        .env_remove("DATABASE_URL")
        .envs(env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .output()
        .await
        .expect("run hocvu");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A request sent by hand on its own connection whose body stops half-way:
/// the server has begun handling it (it is in flight) until `finish`.
pub struct StalledRequest {
    stream: tokio::net::TcpStream,
    rest: Vec<u8>,
}

impl StalledRequest {
    /// A same-origin form POST of `body` to `path`, of which only the first
    /// half is sent now.
    pub async fn start(app: &TestApp, path: &str, body: &str) -> StalledRequest {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(&app.addr)
            .await
            .expect("connect");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
             Sec-Fetch-Site: same-origin\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {len}\r\nConnection: close\r\n\r\n",
            addr = app.addr,
            len = body.len()
        );
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        stream.write_all(head.as_bytes()).await.expect("send head");
        stream.write_all(first).await.expect("send half the body");
        stream.flush().await.expect("flush");
        StalledRequest {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest of the body; the response's status code.
    pub async fn finish(mut self) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.stream
            .write_all(&self.rest)
            .await
            .expect("send the rest");
        let mut response = Vec::new();
        let _ = tokio::time::timeout(
            Duration::from_secs(15),
            self.stream.read_to_end(&mut response),
        )
        .await;
        let text = String::from_utf8_lossy(&response);
        text.split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no HTTP response: {text:?}"))
    }
}
