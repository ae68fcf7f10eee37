//! Hashed assets are cached for a year; everything text-like is compressed.

use std::io::Read;

use hocvu_tests::{attribute_of, TestApp};

/// The hashed CSS, JS and WASM URLs a quiz page (it has an island) refers to.
async fn asset_urls(app: &TestApp) -> Vec<String> {
    let html = app
        .page("/courses/thanh-toan-khong-tien-mat/ma-otp/quiz")
        .await;
    let css = attribute_of(&html, r#"<link rel="stylesheet""#, "href").expect("stylesheet link");
    let js = attribute_of(&html, r#"<link rel="modulepreload""#, "href").expect("module preload");
    let wasm = attribute_of(&html, r#"<link rel="preload""#, "href").expect("wasm preload");
    vec![css, js, wasm]
}

async fn hashed_assets_are_cached_immutable(app: TestApp) {
    for url in asset_urls(&app).await {
        let name = url.rsplit('/').next().unwrap();
        let parts: Vec<&str> = name.split('.').collect();
        assert_eq!(parts.len(), 3, "{name} is name.hash.ext");
        assert!(parts[1].len() >= 8, "{name} carries a content hash");

        let response = app.get(&url).await;
        assert_eq!(response.status(), 200, "{url}");
        let cache = response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            cache.contains("immutable") && cache.contains("max-age=31536000"),
            "{url}: {cache}"
        );
    }
}

async fn pages_and_assets_are_served_compressed(app: TestApp) {
    let plain = app.page("/").await;

    let mut urls = asset_urls(&app).await;
    urls.insert(0, "/".to_string());
    for url in urls {
        for (encoding, decode) in [
            ("br", decode_brotli as fn(&[u8]) -> Vec<u8>),
            ("gzip", decode_gzip),
        ] {
            let response = app
                .client
                .get(app.url(&url))
                .header("Accept-Encoding", encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["content-encoding"], encoding, "{url}");
            let compressed = response.bytes().await.unwrap();
            let body = decode(&compressed);
            assert!(compressed.len() < body.len(), "{url} {encoding} is smaller");
            if url == "/" {
                // Same page (each response carries its own script nonce).
                let body = String::from_utf8(body).unwrap();
                assert!(body.starts_with("<!DOCTYPE html>"));
                assert_eq!(body.len(), plain.len());
            }
        }
    }
}

fn decode_brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli_decompressor::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

fn decode_gzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

async fn no_third_party_hosts_are_referenced(app: TestApp) {
    let html = app.page("/").await;

    for attr in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(
            !html.contains(attr),
            "page refers to another host via {attr}"
        );
    }
}

hocvu_tests::on_both_databases!(
    hashed_assets_are_cached_immutable,
    pages_and_assets_are_served_compressed,
    no_third_party_hosts_are_referenced,
);
