//! The live catalog: loaded at start-up, reloaded on every change under
//! `content/`, swapped in atomically so readers never wait.

use std::{
    path::{Path, PathBuf},
    sync::{mpsc, Arc},
    time::{Duration, Instant},
};

use arc_swap::ArcSwap;
use notify_debouncer_mini::{new_debouncer, notify::RecursiveMode, DebouncedEvent};

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

    /// Watches the folder and reloads 300 ms after the last change (editors
    /// write several events per save). Runs until the process ends.
    pub fn watch(self: &Arc<Self>) -> anyhow::Result<()> {
        let (tx, rx) = mpsc::channel::<Result<Vec<DebouncedEvent>, _>>();
        let mut debouncer = new_debouncer(Duration::from_millis(300), tx)?;
        debouncer
            .watcher()
            .watch(&self.root, RecursiveMode::Recursive)?;
        let store = Arc::clone(self);
        std::thread::Builder::new()
            .name("content-watch".into())
            .spawn(move || {
                let _keep_alive = debouncer;
                for events in rx {
                    match events {
                        Ok(_) => store.reload(),
                        Err(err) => tracing::warn!("content watcher: {err}"),
                    }
                }
            })?;
        Ok(())
    }
}
