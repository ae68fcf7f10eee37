//! Server side of org units and officials.

pub mod officials;
pub mod tree;
pub mod units;
pub mod upload;

use axum::{
    extract::DefaultBodyLimit,
    http::{request::Parts, StatusCode},
    response::Response,
    routing::post,
    Router,
};
use leptos::prelude::provide_context;
use tower_http::limit::RequestBodyLimitLayer;

use crate::{
    accounts::ssr::render,
    orgs::{CodeSheet, ImportKind, ImportPreview, IssuedSheets},
    server::AppState,
};

/// Form routes (the site's small body limit applies).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/units", post(units::save_unit))
        .route("/admin/officials/codes", post(officials::issue_unit_codes))
        .route("/admin/users/unit", post(officials::place_user))
}

/// The two CSV uploads, which accept up to `limit` bytes.
pub fn upload_routes(limit: usize) -> Router<AppState> {
    Router::new()
        .route("/admin/units/import", post(units::import_units))
        .route("/admin/officials/import", post(officials::import_officials))
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
}

impl ImportPreview {
    pub fn failed(kind: ImportKind, problem: upload::FileProblem) -> ImportPreview {
        ImportPreview {
            kind,
            refused: true,
            file_problem: Some(problem),
            rows: Vec::new(),
        }
    }
}

/// The import page showing `preview`: 200 for a dry run, 422 when a
/// commit was refused (nothing was written either way).
async fn preview_page(
    state: &AppState,
    parts: Parts,
    page: &str,
    preview: ImportPreview,
) -> Response {
    let status = if preview.refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render::page(state, parts, page, status, move || {
        provide_context(preview.clone())
    })
    .await
}

/// The printable code sheets, shown once.
async fn sheets_page(state: &AppState, parts: Parts, sheets: Vec<CodeSheet>) -> Response {
    render::page(
        state,
        parts,
        officials::OFFICIALS_PAGE,
        StatusCode::OK,
        move || provide_context(IssuedSheets(sheets.clone())),
    )
    .await
}
