//! Backups: `hocvu backup` while people keep writing, `hocvu restore`, and
//! for PostgreSQL a `pg_dump` that restores into a database Hocvu starts on.

use std::{
    collections::BTreeSet,
    sync::{atomic::AtomicBool, atomic::Ordering, Arc},
    time::{Duration, Instant},
};

use hocvu_tests::{
    add_user, chapter, content_fixture, course_toml, hocvu, Agent, AppOptions, Backend, TestApp,
    AGENT_PASSWORD,
};
use tokio::sync::Mutex;

fn one_course() -> tempfile::TempDir {
    content_fixture(&[
        (
            "p/course.toml",
            &course_toml("Khóa thử", "all", &["01-a.md"]),
        ),
        ("p/01-a.md", &chapter("bai-a", "Bài A", "Nội dung A.")),
    ])
}

async fn app_on(
    backend: Backend,
    content: &tempfile::TempDir,
    database_url: Option<String>,
) -> Option<TestApp> {
    TestApp::spawn_with(
        backend,
        AppOptions {
            content: Some(content.path().to_path_buf()),
            database_url,
            ..AppOptions::default()
        },
    )
    .await
}

async fn a_backup_taken_under_load_restores_with_every_earlier_write() {
    let content = one_course();
    let Some(app) = app_on(Backend::Sqlite, &content, None).await else {
        return;
    };
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
    let mut handles = Vec::new();
    for _ in 0..6 {
        // Each writer is one reader: a guest from its first reading on (new
        // guests per address are limited).
        let mut agent = Agent::anonymous(&app);
        let (acked, stop) = (acked.clone(), stop.clone());
        handles.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let event = uuid::Uuid::new_v4().to_string();
                let response = agent
                    .post_form("/courses/p/bai-a/read", &[("event", &event)])
                    .await;
                if agent.cookie.is_none() {
                    agent.cookie = hocvu_tests::session_cookie_of(&response);
                }
                if response.status() == 303 {
                    acked.lock().await.push((Instant::now(), event));
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("hocvu-backup.db");
    let begun = Instant::now();
    let url = app.database.url();
    let (ok, stdout, stderr) = hocvu(
        &[
            "backup",
            "--to",
            backup.to_str().unwrap(),
            "--database-url",
            &url,
        ],
        &[],
    )
    .await;
    let took = begun.elapsed();
    assert!(ok, "backup failed: {stderr}");
    assert!(stdout.contains("integrity ok"), "{stdout}");
    println!("backup under load: {stdout} (command took {took:?})");
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for handle in handles {
        handle.await.unwrap();
    }
    let acked = acked.lock().await.clone();
    let before: Vec<&String> = acked
        .iter()
        .filter(|(at, _)| *at < begun)
        .map(|(_, e)| e)
        .collect();
    let during_or_after = acked.len() - before.len();
    assert!(
        before.len() > 20,
        "writes before the backup: {}",
        before.len()
    );
    assert!(during_or_after > 0, "writers kept going during the backup");

    // The running database is in use: restoring over it is refused.
    let (ok, _, stderr) = hocvu(
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--database-url",
            &url,
        ],
        &[],
    )
    .await;
    assert!(!ok, "restore over a running server must be refused");
    assert!(stderr.contains("in use"), "{stderr}");
    assert_eq!(app.get("/healthz").await.status(), 200);

    // Into a new file, then Hocvu starts on it with every earlier write.
    let restored = dir.path().join("restored.db");
    let restored_url = format!("sqlite:{}", restored.display());
    let (ok, stdout, stderr) = hocvu(
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--database-url",
            &restored_url,
        ],
        &[],
    )
    .await;
    assert!(ok, "restore failed: {stderr}");
    assert!(stdout.contains("integrity ok"), "{stdout}");
    let again = app_on(Backend::Sqlite, &content, Some(restored_url))
        .await
        .unwrap();
    assert_eq!(again.get("/healthz").await.status(), 200);
    let recorded: BTreeSet<String> = again
        .texts("SELECT id FROM progress_events")
        .await
        .into_iter()
        .filter_map(|id| id.rsplit('/').next().map(str::to_string))
        .collect();
    let missing = before.iter().filter(|e| !recorded.contains(**e)).count();
    assert_eq!(
        missing,
        0,
        "{missing} of {} writes acknowledged before the backup are missing",
        before.len()
    );
    assert_eq!(again.texts("PRAGMA integrity_check").await, ["ok"]);

    // A damaged file is never restored.
    let broken = dir.path().join("broken.db");
    std::fs::write(&broken, b"SQLite format 3\0 but not really").unwrap();
    let (ok, _, stderr) = hocvu(
        &[
            "restore",
            "--from",
            broken.to_str().unwrap(),
            "--database-url",
            &format!("sqlite:{}", dir.path().join("other.db").display()),
        ],
        &[],
    )
    .await;
    assert!(!ok && stderr.contains("not a sound backup"), "{stderr}");
    assert!(!dir.path().join("other.db").exists());
}

async fn a_pg_dump_restores_into_a_fresh_database_hocvu_starts_on() {
    let content = one_course();
    let Some(app) = app_on(Backend::Postgres, &content, None).await else {
        return;
    };
    let learner = add_user(&app, "hocvien", "Học Viên", "learner").await;
    for _ in 0..5 {
        let response = learner.mark_read("p", "bai-a").await;
        assert_eq!(response.status(), 303);
    }
    let events = app.scalar("SELECT COUNT(*) FROM progress_events").await;
    assert!(events >= 1);

    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("hocvu.dump");
    let url = app.database.url();
    let status = tokio::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(&url)
        .status()
        .await
        .expect("run pg_dump");
    assert!(status.success(), "pg_dump");

    let fresh = format!("hocvu_restored_{}", uuid::Uuid::new_v4().simple());
    let base = url.rsplit_once('/').unwrap().0.to_string();
    let admin_url = format!("{base}/postgres");
    let status = tokio::process::Command::new("psql")
        .args([&admin_url, "-c", &format!("CREATE DATABASE \"{fresh}\"")])
        .status()
        .await
        .expect("run psql");
    assert!(status.success(), "create database");
    let fresh_url = format!("{base}/{fresh}");
    let status = tokio::process::Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname", &fresh_url])
        .arg(&dump)
        .status()
        .await
        .expect("run pg_restore");
    assert!(status.success(), "pg_restore");

    let again = app_on(Backend::Postgres, &content, Some(fresh_url))
        .await
        .unwrap();
    assert_eq!(again.get("/readyz").await.status(), 200);
    assert_eq!(
        again.scalar("SELECT COUNT(*) FROM progress_events").await,
        events
    );
    // The same account signs in on the restored database.
    let back = Agent::sign_in(&again, "hocvien", AGENT_PASSWORD).await;
    assert_eq!(back.get("/me").await.status(), 200);
    let _ = tokio::process::Command::new("psql")
        .args([
            &admin_url,
            "-c",
            &format!("DROP DATABASE IF EXISTS \"{fresh}\" WITH (FORCE)"),
        ])
        .status()
        .await;
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_with_every_earlier_write_on_sqlite() {
    a_backup_taken_under_load_restores_with_every_earlier_write().await;
}

#[tokio::test]
async fn a_pg_dump_restores_into_a_fresh_database_hocvu_starts_on_postgres() {
    a_pg_dump_restores_into_a_fresh_database_hocvu_starts_on().await;
}
