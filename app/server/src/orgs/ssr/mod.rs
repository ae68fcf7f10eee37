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
    orgs::{CodeSheet, ImportKind, ImportPreview, IssuedSheets},
    policy,
    server::AppState,
    web,
};

policy!(
    /// Admins, on the units page.
    UnitsAdmin: ADMINS back units::UNITS_PAGE
);
policy!(
    /// Admins, on the officials page.
    OfficialsAdmin: ADMINS back officials::OFFICIALS_PAGE
);

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

/// Why an import stops before writing anything: a preview to show (a dry
/// run, or a file with problems), or a failure of ours.
enum Refused {
    Preview(ImportPreview),
    Failed(anyhow::Error),
}

impl From<ImportPreview> for Refused {
    fn from(preview: ImportPreview) -> Self {
        Refused::Preview(preview)
    }
}

impl From<anyhow::Error> for Refused {
    fn from(err: anyhow::Error) -> Self {
        Refused::Failed(err)
    }
}

impl ImportPreview {
    pub fn failed(kind: ImportKind, problem: upload::FileProblem) -> ImportPreview {
        ImportPreview {
            kind,
            refused: true,
            file_problem: Some(problem),
            rows: Vec::new(),
            checked_csv: None,
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
    web::page(state, parts, page, status, move || {
        provide_context(preview.clone())
    })
    .await
}

/// The printable code sheets, shown once.
async fn sheets_page(state: &AppState, parts: Parts, sheets: Vec<CodeSheet>) -> Response {
    // The same public address and QR code as certificates: none when the
    // address is unknown, and the page says public_url must be set.
    let reset_url = state
        .public_url
        .origin(&parts.headers, state.sessions.secure_cookies)
        .map(|origin| format!("{origin}/reset"));
    let reset_qr_svg = match reset_url.as_deref().map(crate::certificates::ssr::qr_svg) {
        Some(Ok(svg)) => svg,
        Some(Err(err)) => {
            tracing::error!("QR code of the reset page: {err:#}");
            String::new()
        }
        None => String::new(),
    };
    let issued = IssuedSheets {
        sheets,
        reset_url,
        reset_qr_svg,
    };
    web::page(
        state,
        parts,
        officials::OFFICIALS_PAGE,
        StatusCode::OK,
        move || provide_context(issued.clone()),
    )
    .await
}
