//! Layered configuration: defaults, then an optional TOML file, then
//! `HOCVU_*` environment variables, then command-line flags.

use std::{net::SocketAddr, path::Path, path::PathBuf};

use anyhow::Context;
use config::{Config, Environment, File, FileFormat};
use secrecy::SecretString;
use serde::Deserialize;

use crate::accounts::ssr::TrustedProxies;
use clap::Args;

/// Everything the server needs to start. `Debug` never prints the database
/// URL, which may carry a password.
#[derive(Debug, Deserialize)]
pub struct Settings {
    pub addr: SocketAddr,
    pub database_url: SecretString,
    pub content: PathBuf,
    pub site_root: PathBuf,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Largest CSV upload (units, officials) accepted, in bytes.
    pub upload_limit: usize,
    /// Mark session cookies `Secure`: set when users reach Hocvu over HTTPS.
    pub secure_cookies: bool,
    /// Seconds a signed-in session may stay unused before it ends.
    pub session_idle_secs: i64,
    /// Seconds after sign-in when a session ends in any case.
    pub session_max_secs: i64,
    /// Seconds a guest's session (and so their progress) survives unused.
    pub guest_session_idle_secs: i64,
    /// Proxies whose `X-Forwarded-For` is believed (addresses or networks).
    pub trusted_proxies: TrustedProxies,
    /// The address people reach Hocvu at (`https://hocvu.example.gov.vn`),
    /// printed in certificates' QR codes and reminder messages. Empty: the
    /// address of the request.
    pub public_url: String,
    /// Local time's offset from UTC in hours, for deadlines and dates
    /// (Vietnam: 7).
    pub utc_offset_hours: i8,
    /// Where the served handbook comes from: `auto`, `folder` or
    /// `database` (see `publishing`).
    pub content_source: crate::publishing::ssr::Source,
    /// Largest course upload or edited file accepted, in bytes.
    pub content_upload_limit: usize,
    /// How often each server checks for a newly published version.
    pub content_poll_ms: u64,
    /// Requests handled at once; past it, a quick 503 with `Retry-After`.
    pub max_in_flight: usize,
    /// On SIGTERM: seconds `/readyz` says 503 while still serving, so a
    /// load balancer stops sending first (0 for a single machine).
    pub shutdown_drain_secs: u64,
    /// Then: seconds requests in flight get to finish.
    pub shutdown_grace_secs: u64,
    /// Seconds a connection may take to send a request's headers, counted
    /// from when it is ready for one: a connection idle between requests
    /// is closed after this long too (idle sockets hold file descriptors).
    pub header_timeout_secs: u64,
    /// Seconds between housekeeping runs (empty guests, old drafts).
    pub housekeeping_secs: u64,
    /// Clients that may read `/metrics` without a token.
    pub metrics_allow: TrustedProxies,
    /// Bearer token that opens `/metrics` from anywhere (empty: none).
    pub metrics_token: SecretString,
    /// `[sign_in]`: identity providers (OpenID Connect) and whether
    /// officials must use one (see `sign_in_providers`).
    #[serde(default)]
    pub sign_in: crate::sign_in_providers::ssr::SignInSettings,
    /// Reminder delivery (see `reminders`); empty URL: nothing is sent.
    #[serde(flatten)]
    pub reminders: crate::reminders::ssr::SenderSettings,
}

impl Settings {
    pub const DEFAULT_DATABASE_URL: &'static str = "sqlite:data/hocvu.db";

    /// Builds the settings from every layer; a bad value names its source.
    pub fn load(file: Option<&Path>, flags: &ServeArgs) -> anyhow::Result<Self> {
        let mut builder = Config::builder()
            .set_default("addr", "127.0.0.1:3000")?
            .set_default("database_url", Self::DEFAULT_DATABASE_URL)?
            .set_default("content", "content")?
            .set_default("site_root", "target/site")?
            .set_default("body_limit", 256 * 1024)?
            .set_default("upload_limit", 10 * 1024 * 1024)?
            .set_default("secure_cookies", false)?
            .set_default("session_idle_secs", 14 * 86_400)?
            .set_default("session_max_secs", 60 * 86_400)?
            .set_default("guest_session_idle_secs", 365 * 86_400)?
            .set_default("trusted_proxies", "")?
            .set_default("public_url", "")?
            .set_default("utc_offset_hours", 7)?
            .set_default("content_source", "auto")?
            .set_default("content_upload_limit", 25 * 1024 * 1024)?
            .set_default("content_poll_ms", 2000)?
            .set_default("max_in_flight", 512)?
            .set_default("shutdown_drain_secs", 0)?
            .set_default("shutdown_grace_secs", 20)?
            .set_default("header_timeout_secs", 10)?
            .set_default("housekeeping_secs", 3600)?
            .set_default("metrics_allow", "127.0.0.1, ::1")?
            .set_default("metrics_token", "")?;
        builder = crate::reminders::ssr::SenderSettings::defaults(builder)?;
        builder = match file {
            Some(path) => {
                builder.add_source(File::from(path).format(FileFormat::Toml).required(true))
            }
            None => builder.add_source(File::new("hocvu.toml", FileFormat::Toml).required(false)),
        };
        builder = builder
            .add_source(Environment::with_prefix("HOCVU").try_parsing(true))
            .set_override_option("addr", flags.addr.map(|a| a.to_string()))?
            .set_override_option("database_url", flags.database.database_url.clone())?
            .set_override_option("content", path_string(&flags.content))?
            .set_override_option("site_root", path_string(&flags.site_root))?;
        builder
            .build()
            .and_then(Config::try_deserialize)
            .context("invalid configuration")
    }
}

fn path_string(path: &Option<PathBuf>) -> Option<String> {
    path.as_ref().map(|p| p.to_string_lossy().into_owned())
}

/// The command line's part of the settings (flags and their variables).
#[derive(Args, Debug, Default, Clone)]
pub struct DatabaseArgs {
    /// sqlite:path/to/file.db or postgres://user@host/db
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Args, Debug, Default, Clone)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "HOCVU_ADDR")]
    pub addr: Option<SocketAddr>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Folder with the handbook's Markdown content.
    #[arg(long, env = "HOCVU_CONTENT")]
    pub content: Option<PathBuf>,
    /// Folder cargo-leptos built the site into (holds pkg/).
    #[arg(long, env = "HOCVU_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
}
