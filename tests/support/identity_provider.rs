//! A real OpenID Connect provider for the sign-in tests (npm's
//! `oidc-provider`, run by `tests/support/oidc_provider.mjs`), a Hocvu
//! configured to use it, and a person's walk through its pages as plain
//! HTTP (the browser tests use chromium instead).

use std::{path::PathBuf, process::Stdio, time::Duration};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use crate::{location_of, workspace_root, Agent, AppOptions, Backend, TempDir, TestApp};

/// The client secret the provider script gives Hocvu's client.
pub const CLIENT_SECRET: &str = "hocvu-test-secret";

/// A running provider; killed when dropped.
pub struct IdentityProvider {
    pub issuer: String,
    child: Child,
    stdin: Option<tokio::process::ChildStdin>,
    lines: Option<tokio::io::Lines<BufReader<tokio::process::ChildStdout>>>,
}

/// How to start one.
#[derive(Default, Clone)]
pub struct ProviderOptions {
    /// Hocvu's ids for it (each gets a redirect URI); default `tinh`.
    pub ids: Vec<String>,
    /// login -> claims (JSON object).
    pub people: serde_json::Value,
    /// Seconds an authorization code lives.
    pub code_ttl: Option<u64>,
    /// `other_audience`, `clock_ahead`, `clock_behind`.
    pub misbehave: Option<&'static str>,
}

/// Where `.ci/do` installs oidc-provider.
fn modules() -> PathBuf {
    std::env::var_os("OIDC_PROVIDER_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/hocvu-tools/node_modules")
        })
}

impl IdentityProvider {
    /// Starts the provider; it waits for [`IdentityProvider::serve`].
    pub async fn start(options: &ProviderOptions) -> IdentityProvider {
        let modules = modules();
        assert!(
            modules.join("oidc-provider/package.json").is_file(),
            "{} has no oidc-provider: run `./.ci/do tools`",
            modules.display()
        );
        let ids = if options.ids.is_empty() {
            "tinh".to_string()
        } else {
            options.ids.join(",")
        };
        let mut command = Command::new("node");
        command
            .arg(workspace_root().join("tests/support/oidc_provider.mjs"))
            .env("OIDC_PROVIDER_MODULES", &modules)
            .env("PROVIDER_IDS", ids)
            .env("PEOPLE", options.people.to_string())
            .env("MISBEHAVE", options.misbehave.unwrap_or(""))
            .env("CODE_TTL", options.code_ttl.unwrap_or(60).to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("start node (oidc-provider)");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let issuer = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(issuer) = line.strip_prefix("oidc-provider listening on ") {
                    return Some(issuer.trim().to_string());
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .expect("oidc-provider did not start");
        IdentityProvider {
            issuer,
            child,
            stdin,
            lines: Some(lines),
        }
    }

    /// Tells the provider where Hocvu listens (its redirect URIs) and waits
    /// until it serves.
    pub async fn serve(&mut self, hocvu_origin: &str) {
        use tokio::io::AsyncWriteExt;
        let mut stdin = self.stdin.take().expect("told once");
        stdin
            .write_all(format!("{hocvu_origin}\n").as_bytes())
            .await
            .expect("tell the provider Hocvu's origin");
        stdin.flush().await.expect("flush");
        let mut lines = self.lines.take().expect("told once");
        let ready = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.trim() == "oidc-provider ready" {
                    return true;
                }
            }
            false
        })
        .await
        .unwrap_or(false);
        assert!(ready, "oidc-provider did not get ready");
        // Keep reading what it prints: a closed pipe would make its next
        // line kill it (EPIPE). Its stdin stays open (kept in the task).
        tokio::spawn(async move {
            let _stdin = stdin;
            while let Ok(Some(_)) = lines.next_line().await {}
        });
    }

    /// Stops it (the provider is down from now on).
    pub async fn stop(&mut self) {
        let _ = self.child.kill().await;
    }
}

/// A free port on 127.0.0.1, for a Hocvu whose address the provider must
/// know before Hocvu starts (its redirect URIs).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One `[[sign_in.providers]]` table.
pub fn provider_toml(id: &str, label: &str, issuer: &str) -> String {
    format!(
        "[[sign_in.providers]]\nid = \"{id}\"\nlabel = \"{label}\"\nissuer = \"{issuer}\"\n\
         client_id = \"hocvu\"\nclient_secret = \"{CLIENT_SECRET}\"\n\n"
    )
}

/// A Hocvu on a free port with `toml` as its hocvu.toml (kept in the
/// TempDir); `port` 0 lets it choose.
pub async fn spawn_hocvu(
    backend: Backend,
    port: u16,
    toml: &str,
    content: Option<PathBuf>,
) -> Option<(TestApp, TempDir)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hocvu.toml");
    std::fs::write(&path, toml).expect("write hocvu.toml");
    let options = AppOptions {
        content,
        addr: Some(format!("127.0.0.1:{port}")),
        env: vec![("HOCVU_CONFIG".into(), path.to_string_lossy().into_owned())],
        ..AppOptions::default()
    };
    let app = TestApp::spawn_with(backend, options).await?;
    Some((app, dir))
}

/// A Hocvu whose one provider (`tinh`, "Đăng nhập bằng tài khoản công vụ")
/// is at an address nobody listens on: its buttons show, its routes answer,
/// and every sign-in through it finds the provider down.
pub async fn spawn_with_a_provider_down(backend: Backend) -> Option<(TestApp, TempDir)> {
    let dead = format!("http://127.0.0.1:{}", free_port());
    let toml = provider_toml("tinh", "Đăng nhập bằng tài khoản công vụ", &dead);
    spawn_hocvu(backend, 0, &toml, None).await
}

/// The attributes of the first `<input>` named `name` in `html`.
fn input_value(html: &str, name: &str) -> Option<String> {
    crate::html::attrs(html, &format!("input[name=\"{name}\"]"), "value")
        .into_iter()
        .next()
}

/// Follows the provider's pages as a person does: the authorization
/// request, its login form (any password), until the provider sends the
/// browser back to Hocvu. Returns that callback address (not visited).
/// `agent` keeps both sites' cookies (a provider session carries over).
pub async fn walk_provider(agent: &Agent, start: &str, login: &str) -> String {
    let mut url = start.to_string();
    for _ in 0..12 {
        if url.contains("/signin/with/") && url.contains("/callback") {
            return url;
        }
        let response = agent.client.get(&url).send().await.expect("provider page");
        let status = response.status().as_u16();
        let base = response.url().clone();
        if (300..400).contains(&status) {
            let to = location_of(&response);
            url = base.join(&to).expect("redirect address").to_string();
            continue;
        }
        let page = response.text().await.unwrap_or_default();
        assert_eq!(status, 200, "provider page {url}: {page}");
        // The stock login form: `prompt=login`, any login and password.
        let action = crate::html::attrs(&page, "form", "action")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("a form on {url}: {page}"));
        let mut fields = vec![
            ("login".to_string(), login.to_string()),
            ("password".to_string(), "any password".to_string()),
        ];
        if let Some(prompt) = input_value(&page, "prompt") {
            fields.push(("prompt".into(), prompt));
        }
        let posted = agent
            .client
            .post(base.join(&action).expect("form action"))
            .form(&fields)
            .send()
            .await
            .expect("provider login");
        assert!(
            posted.status().is_redirection(),
            "login at the provider: {}",
            posted.status()
        );
        url = base
            .join(&location_of(&posted))
            .expect("redirect address")
            .to_string();
    }
    panic!("the provider never sent the browser back: at {url}");
}

/// Presses the provider's button on Hocvu (a form POST from the sign-in
/// page) and returns where Hocvu sends the browser (the provider).
pub async fn press_button(agent: &Agent, id: &str, next: &str) -> reqwest::Response {
    agent
        .post_form(&format!("/signin/with/{id}"), &[("next", next)])
        .await
}

/// The whole sign-in up to the callback: returns the callback address.
pub async fn sign_in_until_callback(agent: &Agent, id: &str, login: &str) -> String {
    let response = press_button(agent, id, "").await;
    assert_eq!(response.status(), 303, "the button sends to the provider");
    let to = location_of(&response);
    walk_provider(agent, &to, login).await
}
