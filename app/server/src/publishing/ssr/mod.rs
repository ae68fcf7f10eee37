//! Server side of publishing: versions in the database, drafts, uploads,
//! the pages' data, and keeping every server on the newest version.

pub mod archive;
pub mod cli;
pub mod drafts;
pub mod handlers;
pub mod versions;
pub mod views;

use std::{sync::Arc, time::Duration};

use axum::{
    extract::DefaultBodyLimit,
    routing::{get, post},
    Router,
};
use serde::Deserialize;
use tower_http::limit::RequestBodyLimitLayer;

use crate::{
    clock::now,
    content::ssr::{loader, tree::Tree, ContentStore},
    server::{
        db::{Backend, Db},
        AppState,
    },
};

pub const CONTENT_PAGE: &str = "/content";

crate::policy!(
    /// Trainers write the handbook; admins may too.
    Trainers: WRITERS back CONTENT_PAGE
);
crate::policy!(
    /// The same people; after signing in, the download starts.
    TrainersDownload: WRITERS back "/content/download"
);

/// Where the served handbook comes from (setting `content_source`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// PostgreSQL: the newest version. SQLite: the folder until someone
    /// publishes a version, then the newest version.
    #[default]
    Auto,
    /// Always the `content/` folder; publishing from the browser is off.
    Folder,
    /// Always the newest published version.
    Database,
}

/// Routes of the publishing forms; uploads and edits accept `limit` bytes.
pub fn routes(limit: usize) -> Router<AppState> {
    Router::new()
        .route("/content/drafts/{id}/publish", post(handlers::publish))
        .route("/content/drafts/{id}/discard", post(handlers::discard))
        .route("/content/rollback", post(handlers::rollback))
        .route("/content/download", get(handlers::download))
        .merge(
            Router::new()
                .route("/content/upload", post(handlers::upload))
                .route("/content/edit", post(handlers::save_edit))
                .layer(DefaultBodyLimit::max(limit))
                .layer(RequestBodyLimitLayer::new(limit)),
        )
}

/// Loads what this server should serve, importing the folder as version 1
/// when the database has none, then keeps following new versions.
pub async fn start(
    db: &Db,
    store: &Arc<ContentStore>,
    source: Source,
    poll: Duration,
) -> anyhow::Result<()> {
    if source == Source::Folder {
        store.pin_to_folder();
        store.reload_folder();
        return store.watch();
    }
    let mut latest = versions::latest_number(db).await?;
    if latest == 0 {
        latest = import_folder(db, store).await?;
    }
    let newest_is_import = match versions::get(db, latest).await? {
        Some(v) => v.kind == versions::Kind::Import,
        None => true,
    };
    let folder_first =
        source == Source::Auto && db.backend() == Backend::Sqlite && newest_is_import;
    if folder_first {
        tracing::info!("serving the content folder (live reload) until a version is published");
        store.reload_folder();
        store.watch()?;
    } else {
        follow_once(db, store).await?;
        tracing::info!(
            version = store.current().version,
            "serving the published content version; the content folder is not read"
        );
    }
    let (db, store) = (db.clone(), store.clone());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(poll).await;
            let newer = match versions::latest_number(&db).await {
                Ok(n) => n > latest,
                Err(err) => {
                    tracing::warn!("checking for a new content version: {err:#}");
                    false
                }
            };
            if newer {
                match follow_once(&db, &store).await {
                    Ok(()) => latest = store.current().version,
                    Err(err) => tracing::error!("loading a new content version: {err:#}"),
                }
            }
        }
    });
    Ok(())
}

/// Serves the newest version, unless it is already served.
async fn follow_once(db: &Db, store: &ContentStore) -> anyhow::Result<()> {
    let latest = versions::latest_number(db).await?;
    if latest == 0 || (store.serves_database() && store.current().version == latest) {
        return Ok(());
    }
    let tree = versions::load_tree(db, latest).await?;
    let previous = store.catalog();
    let (tree, outcome) = tokio::task::spawn_blocking(move || {
        let outcome = loader::load(&tree, Some(&previous));
        (tree, outcome)
    })
    .await?;
    store.serve_version(latest, tree, outcome);
    Ok(())
}

/// Stores the folder as version 1 (the history then starts from the
/// handbook as shipped). Nothing to import: nothing stored.
async fn import_folder(db: &Db, store: &ContentStore) -> anyhow::Result<i64> {
    let tree = Tree::read_dir(store.folder());
    if tree.is_empty() {
        return Ok(0);
    }
    let author = versions::Author {
        user_id: None,
        name: "content/",
        note: "imported at first start",
    };
    let empty = Tree::default();
    match versions::insert(db, 0, &empty, &tree, versions::Kind::Import, &author, now()).await? {
        Ok(number) => {
            tracing::info!(number, files = tree.len(), "content folder imported");
            Ok(number)
        }
        // Another server imported it first.
        Err(versions::Stale) => versions::latest_number(db).await,
    }
}
