//! The `hocvu` command line.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};

use super::{config::Settings, db, startup::Application, telemetry};

#[derive(Parser, Debug)]
#[command(name = "hocvu", version, about = "Hocvu learning platform")]
pub struct Cli {
    /// Optional TOML configuration file (defaults < file < environment < flags).
    #[arg(long, global = true, env = "HOCVU_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default when no command is given).
    Serve(ServeArgs),
    /// Create the database if needed and apply pending migrations.
    Migrate(DatabaseArgs),
    /// Work with the handbook content.
    #[command(subcommand)]
    Content(ContentCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// List the server function endpoints (every one is a public URL that
    /// checks its caller itself): for security reviews and the route tests.
    ServerFunctions,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user (e.g. the first admin). The password is read from
    /// standard input, or prompted for without echo at a terminal.
    Add(crate::accounts::ssr::cli::AddUserArgs),
}

#[derive(Subcommand, Debug)]
pub enum ContentCommand {
    /// Check every course, chapter and quiz; print `file:line:col: message`
    /// for each problem; exit non-zero if there is any error.
    Check {
        /// The content folder.
        #[arg(default_value = "content")]
        dir: PathBuf,
    },
    #[command(flatten)]
    Versions(crate::publishing::ssr::cli::VersionCommand),
}

#[derive(Args, Debug, Default, Clone)]
pub struct DatabaseArgs {
    /// sqlite:path/to/file.db or postgres://user@host/db
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Args, Debug, Default, Clone)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "HOCVU_ADDR")]
    pub addr: Option<SocketAddr>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Folder with the handbook's Markdown content.
    #[arg(long, env = "HOCVU_CONTENT")]
    pub content: Option<PathBuf>,
    /// Folder cargo-leptos built the site into (holds pkg/).
    #[arg(long, env = "HOCVU_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
}

/// Parses the command line, runs the command, and turns errors into exit codes.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let result = match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(cli.config, args).await,
        Command::Migrate(args) => migrate(cli.config, args).await,
        Command::Content(ContentCommand::Check { dir }) => return check_content(&dir),
        Command::Content(ContentCommand::Versions(command)) => {
            content_versions(cli.config, command).await
        }
        Command::User(UserCommand::Add(args)) => add_user(cli.config, args).await,
        Command::ServerFunctions => {
            let mut paths: Vec<_> = leptos::server_fn::axum::server_fn_paths()
                .map(|(path, method)| format!("{method} {path}"))
                .collect();
            paths.sort();
            println!("{}", paths.join("\n"));
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Option<PathBuf>, args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings::load(config.as_deref(), &args)?;
    let app = Application::build(settings).await?;
    app.run_until_stopped().await
}

/// Runs the same loader as the server and reports every finding.
fn check_content(dir: &std::path::Path) -> ExitCode {
    let outcome = crate::content::ssr::loader::load_dir(dir, None);
    for finding in &outcome.diagnostics {
        println!("{finding}");
    }
    let errors = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::content::ssr::diagnostics::Severity::Error)
        .count();
    let warnings = outcome.diagnostics.len() - errors;
    println!(
        "{} courses, {} chapters checked: {errors} errors, {warnings} warnings",
        outcome.catalog.courses.len(),
        outcome.catalog.chapter_count()
    );
    if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `content publish|versions|rollback|export`, on a migrated database.
async fn content_versions(
    config: Option<PathBuf>,
    command: crate::publishing::ssr::cli::VersionCommand,
) -> anyhow::Result<()> {
    let db = connect(config, command.database().clone()).await?;
    crate::publishing::ssr::cli::run(&db, command).await
}

async fn connect(config: Option<PathBuf>, database: DatabaseArgs) -> anyhow::Result<db::Db> {
    let serve_args = ServeArgs {
        database,
        ..ServeArgs::default()
    };
    let settings = Settings::load(config.as_deref(), &serve_args)?;
    let db = db::Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

async fn migrate(config: Option<PathBuf>, args: DatabaseArgs) -> anyhow::Result<()> {
    let db = connect(config, args).await?;
    println!("migrations applied ({})", db.backend());
    Ok(())
}

async fn add_user(
    config: Option<PathBuf>,
    args: crate::accounts::ssr::cli::AddUserArgs,
) -> anyhow::Result<()> {
    let db = connect(config, args.database.clone()).await?;
    crate::accounts::ssr::cli::add_user(&db, args).await
}
