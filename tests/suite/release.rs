//! The release a province installs: `dist/hocvu-<version>-linux-x86_64.tar.gz`
//! (made by `.ci/do dist`, and by `.ci/do test` before the suite) unpacked
//! into a fresh folder and started with an empty environment.

use std::{path::PathBuf, process::Stdio};

use hocvu_tests::workspace_root;

/// The newest tarball in `dist/`, if `.ci/do dist` has run.
fn tarball() -> Option<PathBuf> {
    let dir = workspace_root().join("dist");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("hocvu-") && n.ends_with("-linux-x86_64.tar.gz"))
        })
        .collect();
    found.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    found.pop()
}

#[tokio::test]
async fn the_release_unpacked_anywhere_serves_the_site_with_an_empty_environment() {
    let Some(tarball) = tarball() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI packs the release first (.ci/do test runs package_dist)"
        );
        eprintln!("skipped: no dist/*.tar.gz (run ./.ci/do dist)");
        return;
    };
    let place = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(place.path())
        .status()
        .expect("run tar");
    assert!(status.success());
    let folder = std::fs::read_dir(place.path())
        .unwrap()
        .next()
        .expect("one folder")
        .unwrap()
        .path();
    for part in [
        "bin/hocvu",
        "site/pkg",
        "content/catalog.toml",
        "hocvu.toml",
        "hocvu.service",
        "nginx.conf",
        "README.md",
    ] {
        assert!(folder.join(part).exists(), "{part} in the release");
    }

    // As an admin would start it: from the folder, nothing in the
    // environment (no LEPTOS_*, no PATH, no HOME), port 0 to stay clear.
    let mut child = tokio::process::Command::new(folder.join("bin/hocvu"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(&folder)
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the released hocvu");
    let stdout = child.stdout.take().unwrap();
    let addr = hocvu_tests::listening_addr(stdout).await;
    let Some(addr) = addr else {
        let _ = child.kill().await;
        let output = child.wait_with_output().await.unwrap();
        panic!(
            "the release did not start:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("http://{addr}{path}")).send();

    let home = get("/").await.unwrap();
    assert_eq!(home.status(), 200);
    let home = home.text().await.unwrap();
    // The hashed stylesheet the page names is served, cached for a year.
    let css = hocvu_tests::attribute_of(&home, "<link rel=\"stylesheet\"", "href")
        .expect("a stylesheet link");
    assert!(
        css.starts_with("/pkg/hocvu.") && css.ends_with(".css"),
        "{css}"
    );
    assert_ne!(css, "/pkg/hocvu.css", "hashed names (hash.txt found)");
    let sheet = get(&css).await.unwrap();
    assert_eq!(sheet.status(), 200, "{css}");
    assert!(sheet
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("immutable")));
    // The bundled handbook is there.
    let courses = get("/courses").await.unwrap().text().await.unwrap();
    assert!(courses.contains("/courses/"), "courses listed");
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    // Its database was made in the folder it runs from.
    assert!(folder.join("data/hocvu.db").is_file());
    let _ = child.kill().await;
}
