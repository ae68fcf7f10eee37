//! `GET /healthz`: 200 when the database answers, 503 when it does not.

use axum::{extract::State, http::StatusCode, Json};
use serde::Serialize;

use super::db::Db;

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    database: &'static str,
}

pub async fn healthz(State(db): State<Db>) -> (StatusCode, Json<Health>) {
    if db.is_reachable().await {
        (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database: "ok",
            }),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "unavailable",
                database: "unreachable",
            }),
        )
    }
}
