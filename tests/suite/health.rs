//! `/healthz` reports whether the database answers.

use hocvu_tests::{eventually, Backend, TestApp, TestDatabase};
use sqlx::{Connection, Executor, SqliteConnection};

async fn health_check_is_ok_with_a_reachable_database(app: TestApp) {
    let response = app.get("/healthz").await;

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}

async fn health_check_is_503_once_the_database_is_gone(app: TestApp) {
    assert_eq!(app.get("/healthz").await.status(), 200);

    // PostgreSQL: the database is dropped under the server. SQLite (a file
    // nobody can unplug): its tables vanish, as when a wrong file is restored.
    match (&app.database, app.backend) {
        (TestDatabase::Postgres { .. }, Backend::Postgres) => app.database.drop_postgres().await,
        (TestDatabase::Sqlite { path }, Backend::Sqlite) => {
            let mut conn = SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                .await
                .unwrap();
            conn.execute("DROP TABLE instance").await.unwrap();
        }
        _ => unreachable!(),
    }

    let unhealthy = eventually(5, || async { app.get("/healthz").await.status() == 503 }).await;
    assert!(unhealthy, "log:\n{}", app.log());
    let body: serde_json::Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");
}

async fn every_response_carries_a_request_id(app: TestApp) {
    let response = app.get("/healthz").await;

    let id = response
        .headers()
        .get("x-request-id")
        .expect("x-request-id");
    assert!(!id.is_empty());
}

hocvu_tests::on_both_databases!(
    health_check_is_ok_with_a_reachable_database,
    health_check_is_503_once_the_database_is_gone,
    every_response_carries_a_request_id,
);
