//! The handbook being served, swapped in atomically so readers never wait.
//!
//! Its files come from one of two places (see `publishing` for which):
//! the `content/` folder, reloaded on every change, or a version published
//! into the database. Once a published version is served, changes in the
//! folder no longer count.

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, Ordering},
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

use super::{
    catalog::Catalog,
    diagnostics::Diagnostic,
    loader::{self, LoadOutcome},
    tree::{self, Tree},
};

/// One loaded handbook: its files, the catalog built from them and the
/// findings of that load. A request reads one `Loaded`, never a mix.
pub struct Loaded {
    pub catalog: Arc<Catalog>,
    pub tree: Arc<Tree>,
    pub diagnostics: Arc<Vec<Diagnostic>>,
    /// The published version served, or 0 for the `content/` folder.
    pub version: i64,
    /// Changes whenever any file changes (pages and caches key on it).
    pub fingerprint: String,
}

pub struct ContentStore {
    folder: PathBuf,
    current: ArcSwap<Loaded>,
    /// Set once a published version is served: the folder is then ignored.
    from_database: AtomicBool,
    /// Set when the folder is the only source (`content_source = "folder"`):
    /// nothing may be published from the browser.
    pinned: AtomicBool,
}

impl ContentStore {
    /// A store for `folder` that serves nothing until loaded.
    pub fn new(folder: &Path) -> Arc<Self> {
        Arc::new(ContentStore {
            folder: folder.to_path_buf(),
            current: ArcSwap::from_pointee(Loaded {
                catalog: Arc::new(Catalog::empty()),
                tree: Arc::new(Tree::default()),
                diagnostics: Arc::default(),
                version: 0,
                fingerprint: String::new(),
            }),
            from_database: AtomicBool::new(false),
            pinned: AtomicBool::new(false),
        })
    }

    /// Loads `root` and keeps it (the `content/` folder, no database).
    pub fn open(root: &Path) -> Arc<Self> {
        let store = Self::new(root);
        store.reload_folder();
        store
    }

    /// The catalog to answer this request with.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.current.load().catalog.clone()
    }

    /// Everything being served, as one snapshot.
    pub fn current(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    /// Findings of the latest load.
    pub fn diagnostics(&self) -> Arc<Vec<Diagnostic>> {
        self.current.load().diagnostics.clone()
    }

    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Whether a published version (not the folder) is being served.
    pub fn serves_database(&self) -> bool {
        self.from_database.load(Ordering::Acquire)
    }

    /// Serves the folder only, for good.
    pub fn pin_to_folder(&self) {
        self.pinned.store(true, Ordering::Release);
    }

    /// Whether versions may be published (not pinned to the folder).
    pub fn publishing_allowed(&self) -> bool {
        !self.pinned.load(Ordering::Acquire)
    }

    /// Loads the folder again and serves it, unless a published version
    /// is served.
    pub fn reload_folder(&self) {
        if self.serves_database() {
            return;
        }
        let started = Instant::now();
        let tree = Tree::read_dir(&self.folder);
        let outcome = if self.folder.is_dir() {
            loader::load(&tree, Some(&self.catalog()))
        } else {
            loader::load_dir(&self.folder, None)
        };
        self.install(0, tree, outcome, started);
    }

    /// Serves published `version` (already loaded from `tree`).
    pub fn serve_version(&self, version: i64, tree: Tree, outcome: LoadOutcome) {
        self.from_database.store(true, Ordering::Release);
        self.install(version, tree, outcome, Instant::now());
    }

    fn install(&self, version: i64, tree: Tree, outcome: LoadOutcome, started: Instant) {
        for d in &outcome.diagnostics {
            tracing::warn!("{d}");
        }
        tracing::info!(
            version,
            courses = outcome.catalog.courses.len(),
            chapters = outcome.catalog.chapter_count(),
            errors = outcome.has_errors,
            ms = started.elapsed().as_millis() as u64,
            "content loaded"
        );
        let fingerprint = match version {
            0 => tree.fingerprint(),
            n => format!("v{n}-{}", tree.fingerprint()),
        };
        self.current.store(Arc::new(Loaded {
            catalog: Arc::new(outcome.catalog),
            tree: Arc::new(tree),
            diagnostics: Arc::new(outcome.diagnostics),
            version,
            fingerprint,
        }));
    }

    /// Watches the folder and reloads once edits have been quiet for 300 ms
    /// (editors write several events per save). Only changes count: the
    /// loader's own reads also raise (access) events, and reacting to those
    /// would reload forever. Runs until the process ends.
    pub fn watch(self: &Arc<Self>) -> anyhow::Result<()> {
        const QUIET: Duration = Duration::from_millis(300);
        let (tx, rx) = mpsc::channel::<notify::Result<Event>>();
        let mut watcher = notify::recommended_watcher(tx)?;
        watcher.watch(&self.folder, RecursiveMode::Recursive)?;
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
                            store.reload_folder();
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            })?;
        Ok(())
    }
}

/// Files the loader reads and folders (a course added or removed):
/// anything else in the folder, such as a database or an editor's swap
/// file, does not reload the handbook.
fn is_read_by_loader(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    match path.extension() {
        Some(_) => tree::is_content_file(name),
        None => !name.starts_with('.'),
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
