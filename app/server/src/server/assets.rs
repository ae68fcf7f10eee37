//! Static files: hashed bundles under `/pkg` and the public folder.
//!
//! cargo-leptos names the CSS, JS and WASM after their content hash and
//! writes the hashes to `hash.txt` beside the binary, so `/pkg` can be cached
//! for a year (`immutable`): a repeat visit downloads only the HTML.

use std::path::{Path, PathBuf};

use axum::{http::HeaderValue, Router};
use http::header::CACHE_CONTROL;
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

use crate::ui::AssetPaths;

/// Where cargo-leptos wrote `hash.txt`: beside the running binary, or the
/// release build folder when running from the repository root.
pub fn find_hash_file() -> Option<PathBuf> {
    let beside_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")));
    beside_exe
        .into_iter()
        .chain([PathBuf::from("target/release/hash.txt")])
        .find(|p| p.is_file())
}

/// The built site: the configured folder if it holds `pkg/`; otherwise a
/// release unpacked anywhere, which has `site/` beside `bin/` (found from
/// the binary's place, or in the working folder).
pub fn find_site_root(configured: &Path) -> PathBuf {
    if configured.join("pkg").is_dir() {
        return configured.to_path_buf();
    }
    let beside_bin = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|dir| dir.join("site")));
    beside_bin
        .into_iter()
        .chain([PathBuf::from("site")])
        .find(|p| p.join("pkg").is_dir())
        .unwrap_or_else(|| configured.to_path_buf())
}

/// Reads the hashed CSS name; without a hash file the plain name is used.
pub fn asset_paths(hash_file: Option<&Path>) -> AssetPaths {
    let css_hash = hash_file
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| {
            text.lines().find_map(|line| {
                let (kind, hash) = line.split_once(':')?;
                (kind.trim() == "css").then(|| hash.trim().to_string())
            })
        });
    AssetPaths {
        css: match css_hash {
            Some(hash) => format!("/pkg/hocvu.{hash}.css"),
            None => "/pkg/hocvu.css".to_string(),
        },
    }
}

/// `/pkg`: precompressed (`.br`, `.gz` from `cargo leptos build --precompress`)
/// and cached forever, since every name carries its content hash.
pub fn pkg_routes<S: Clone + Send + Sync + 'static>(site_root: &Path) -> Router<S> {
    let files = ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .nest_service("/pkg", files)
        // Only a file found is forever: a 404 for a name a newer release
        // will have must not be kept by browsers and proxies for a year.
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            |response: &axum::response::Response| {
                Some(HeaderValue::from_static(
                    if response.status().is_success()
                        || response.status() == http::StatusCode::NOT_MODIFIED
                    {
                        "public, max-age=31536000, immutable"
                    } else {
                        "no-store"
                    },
                ))
            },
        ))
}
