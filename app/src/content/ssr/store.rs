//! The live catalog: loaded at start-up, reloaded on every change under
//! `content/`, swapped in atomically so readers never wait.

use std::{
    path::{Path, PathBuf},
    sync::{
        mpsc::{self, RecvTimeoutError},
        Arc,
    },
    time::{Duration, Instant},
};

use arc_swap::ArcSwap;
use notify::{
    event::{AccessKind, AccessMode},
    Event, EventKind, RecursiveMode, Watcher,
};

use super::{catalog::Catalog, diagnostics::Diagnostic, loader};

/// The catalog being served plus the findings of the latest load.
pub struct ContentStore {
    root: PathBuf,
    catalog: ArcSwap<Catalog>,
    /// Findings of the most recent load (errors mean a course kept its last
    /// good version or is missing). Shown to trainers and admins.
    latest: ArcSwap<Vec<Diagnostic>>,
}

impl ContentStore {
    /// Loads `root`; errors are logged, never fatal (see `loader`).
    pub fn open(root: &Path) -> Arc<Self> {
        let store = Arc::new(ContentStore {
            root: root.to_path_buf(),
            catalog: ArcSwap::from_pointee(Catalog::empty()),
            latest: ArcSwap::from_pointee(Vec::new()),
        });
        store.reload();
        store
    }

    /// The catalog to answer this request with.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// Findings of the latest load.
    pub fn diagnostics(&self) -> Arc<Vec<Diagnostic>> {
        self.latest.load_full()
    }

    /// Loads the folder again and publishes the result.
    pub fn reload(&self) {
        let started = Instant::now();
        let previous = self.catalog.load_full();
        let outcome = loader::load(&self.root, Some(&previous));
        for d in &outcome.diagnostics {
            tracing::warn!("{d}");
        }
        tracing::info!(
            courses = outcome.catalog.courses.len(),
            chapters = outcome.catalog.chapter_count(),
            errors = outcome.has_errors,
            ms = started.elapsed().as_millis() as u64,
            "content loaded"
        );
        self.catalog.store(Arc::new(outcome.catalog));
        self.latest.store(Arc::new(outcome.diagnostics));
    }

    /// Watches the folder and reloads once edits have been quiet for 300 ms
    /// (editors write several events per save). Only changes count: the
    /// loader's own reads also raise (access) events, and reacting to those
    /// would reload forever. Runs until the process ends.
    pub fn watch(self: &Arc<Self>) -> anyhow::Result<()> {
        const QUIET: Duration = Duration::from_millis(300);
        let (tx, rx) = mpsc::channel::<notify::Result<Event>>();
        let mut watcher = notify::recommended_watcher(tx)?;
        watcher.watch(&self.root, RecursiveMode::Recursive)?;
        let store = Arc::clone(self);
        std::thread::Builder::new()
            .name("content-watch".into())
            .spawn(move || {
                let _keep_alive = watcher;
                let mut pending = false;
                loop {
                    match rx.recv_timeout(QUIET) {
                        Ok(Ok(event)) => {
                            pending |= is_change(&event.kind)
                                && event.paths.iter().any(|p| is_read_by_loader(p))
                        }
                        Ok(Err(err)) => tracing::warn!("content watcher: {err}"),
                        Err(RecvTimeoutError::Timeout) if pending => {
                            pending = false;
                            store.reload();
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            })?;
        Ok(())
    }
}

/// Files the loader reads (Markdown, TOML, media) and folders (a course
/// added or removed): anything else in the folder, such as a database or
/// an editor's swap file, does not reload the handbook.
fn is_read_by_loader(path: &Path) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => matches!(
            ext.to_ascii_lowercase().as_str(),
            "md" | "toml"
                | "png"
                | "jpg"
                | "jpeg"
                | "gif"
                | "webp"
                | "svg"
                | "mp3"
                | "m4a"
                | "ogg"
                | "pdf"
        ),
        None => !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.')),
    }
}

/// Whether an event means the content may differ (not a mere read).
fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}
