//! Hocvu's few plain scripts (offline reading, read-aloud), built into the
//! binary. Each is addressed by its content hash, so a phone keeps it for a
//! year like `/pkg` and a new build is fetched at once.

use std::sync::OnceLock;

use axum::{
    http::header,
    response::{IntoResponse, Response},
    routing::{get, MethodRouter},
};
use sha2::{Digest, Sha256};

use crate::content::ssr::tree::hex;

pub struct Script {
    pub path: &'static str,
    pub source: &'static str,
    url: OnceLock<String>,
}

impl Script {
    pub const fn new(path: &'static str, source: &'static str) -> Script {
        Script {
            path,
            source,
            url: OnceLock::new(),
        }
    }

    /// `path?v=<hash of the source>`.
    pub fn url(&self) -> &str {
        self.url
            .get_or_init(|| format!("{}?v={}", self.path, short_hash(self.source.as_bytes())))
    }

    /// The route serving it (any `v`: an old page gets the current script).
    pub fn route<S: Clone + Send + Sync + 'static>(&'static self) -> MethodRouter<S> {
        get(move || async move { self.response() })
    }

    fn response(&self) -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            self.source,
        )
            .into_response()
    }
}

/// The first 16 hex digits of SHA-256: names versions of things.
pub fn short_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes)[..8])
}
