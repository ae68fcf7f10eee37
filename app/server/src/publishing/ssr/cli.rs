//! `hocvu content publish|versions|rollback|export`: publishing for
//! git-based workflows and scripts. They talk to the database only; running
//! servers pick the new version up within seconds.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;

use super::versions::{self, Author, Kind, Stale};
use crate::{
    clock::{date_of, now},
    content::ssr::{diagnostics::Severity, loader, tree::Tree},
    server::{config::DatabaseArgs, db::Db},
};

#[derive(Subcommand, Debug)]
pub enum VersionCommand {
    /// Check DIR like `content check`; if there is no error, publish it as
    /// the new version of the whole handbook and print its number.
    Publish {
        dir: PathBuf,
        /// Why (shown in the history).
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// One line per version, oldest first: number, date, kind, author,
    /// files added/changed/removed, note.
    Versions {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Make version N the newest again (as a new version).
    Rollback {
        number: i64,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write the files of version N into DIR (new or empty).
    Export {
        number: i64,
        dir: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

impl VersionCommand {
    pub fn database(&self) -> &DatabaseArgs {
        match self {
            VersionCommand::Publish { database, .. }
            | VersionCommand::Versions { database }
            | VersionCommand::Rollback { database, .. }
            | VersionCommand::Export { database, .. } => database,
        }
    }
}

/// Who the command line publishes as.
fn author_name() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "?".into());
    format!("command line ({user})")
}

pub async fn run(db: &Db, command: VersionCommand) -> anyhow::Result<()> {
    match command {
        VersionCommand::Publish { dir, note, .. } => publish(db, &dir, &note).await,
        VersionCommand::Versions { .. } => {
            let mut all = versions::list(db, i64::MAX).await?;
            all.reverse();
            for v in all {
                let (a, c, r) = versions::counts(&v.changes);
                println!(
                    "{}\t{}\t{}\t{}\t+{a} ~{c} -{r}\t{}",
                    v.number,
                    date_of(v.created_at),
                    v.kind.code(),
                    v.author_name,
                    v.note
                );
            }
            Ok(())
        }
        VersionCommand::Rollback { number, .. } => {
            anyhow::ensure!(
                versions::get(db, number).await?.is_some(),
                "there is no version {number}"
            );
            let tree = versions::load_tree(db, number).await?;
            let note = format!("rollback to version {number}");
            let name = author_name();
            let n = store_version(db, tree, Kind::Rollback, &name, &note).await?;
            println!("{n}");
            Ok(())
        }
        VersionCommand::Export { number, dir, .. } => {
            anyhow::ensure!(
                versions::get(db, number).await?.is_some(),
                "there is no version {number}"
            );
            export(&versions::load_tree(db, number).await?, &dir)
        }
    }
}

async fn publish(db: &Db, dir: &Path, note: &str) -> anyhow::Result<()> {
    anyhow::ensure!(dir.is_dir(), "{} is not a folder", dir.display());
    let tree = Tree::read_dir(dir);
    let outcome = loader::load(&tree, None);
    for finding in &outcome.diagnostics {
        println!("{finding}");
    }
    let errors = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    anyhow::ensure!(errors == 0, "{errors} errors: nothing was published");
    let name = author_name();
    let n = store_version(db, tree, Kind::Publish, &name, note).await?;
    println!("{n}");
    Ok(())
}

/// Stores `tree` as the newest version (retrying if a server publishes at
/// the same moment) and returns its number.
async fn store_version(
    db: &Db,
    tree: Tree,
    kind: Kind,
    name: &str,
    note: &str,
) -> anyhow::Result<i64> {
    let author = Author {
        user_id: None,
        name,
        note,
    };
    for _ in 0..5 {
        let base = versions::latest_number(db).await?;
        let base_tree = versions::load_tree(db, base).await?;
        match versions::insert(db, base, &base_tree, &tree, kind, &author, now()).await? {
            Ok(n) => return Ok(n),
            Err(Stale) => continue,
        }
    }
    anyhow::bail!(super::drafts::KEPT_CHANGING)
}

fn export(tree: &Tree, dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_none();
        anyhow::ensure!(empty, "{} is not empty: choose a new folder", dir.display());
    }
    for (path, file) in tree.files() {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&target, &file.bytes)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    println!("{} files written to {}", tree.len(), dir.display());
    Ok(())
}
