//! The `hocvu` command line.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

use super::{
    config::{DatabaseArgs, ServeArgs, Settings},
    db,
    startup::Application,
    telemetry,
};

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
    /// Deliver queued reminders through the webhook.
    #[command(subcommand)]
    Reminders(RemindersCommand),
    /// Copy the SQLite database to a new file while Hocvu runs, and check
    /// the copy (PostgreSQL: use pg_dump).
    Backup {
        /// The file to write (must not exist).
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Put a backup in place of the SQLite database. Refuses while any
    /// process has the database open; checks the backup first.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List the server function endpoints (every one is a public URL that
    /// checks its caller itself): for security reviews and the route tests.
    ServerFunctions,
}

#[derive(Subcommand, Debug)]
pub enum RemindersCommand {
    /// Send every reminder that is due, once, and exit (for cron).
    Send(DatabaseArgs),
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
        /// Also print the handbook's quiz figures: questions by kind,
        /// odd-one-out multiple choice, giveaway words in false statements,
        /// right answer longest/shortest and by authored position.
        #[arg(long)]
        stats: bool,
    },
    #[command(flatten)]
    Versions(crate::publishing::ssr::cli::VersionCommand),
}

/// Parses the command line, runs the command, and turns errors into exit codes.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let result = match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(cli.config, args).await,
        Command::Migrate(args) => migrate(cli.config, args).await,
        Command::Content(ContentCommand::Check { dir, stats }) => {
            return check_content(&dir, stats)
        }
        Command::Content(ContentCommand::Versions(command)) => {
            content_versions(cli.config, command).await
        }
        Command::User(UserCommand::Add(args)) => add_user(cli.config, args).await,
        Command::Reminders(RemindersCommand::Send(args)) => send_reminders(cli.config, args).await,
        Command::Backup { to, database } => backup(cli.config, database, &to).await,
        Command::Restore { from, database } => restore(cli.config, database, &from).await,
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
fn check_content(dir: &std::path::Path, stats: bool) -> ExitCode {
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
    if stats {
        let questions = outcome.catalog.courses.iter().flat_map(|course| {
            course
                .chapters
                .iter()
                .filter_map(|c| c.quiz.as_ref())
                .chain(course.final_quiz.as_ref())
                .flat_map(|quiz| quiz.questions.iter())
        });
        println!("{}", crate::quiz::figures::Figures::of(questions).report());
    }
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
    let settings = settings_for(config, database)?;
    let db = db::Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

/// The settings a command other than `serve` runs with.
fn settings_for(config: Option<PathBuf>, database: DatabaseArgs) -> anyhow::Result<Settings> {
    let serve_args = ServeArgs {
        database,
        ..ServeArgs::default()
    };
    Settings::load(config.as_deref(), &serve_args)
}

async fn send_reminders(config: Option<PathBuf>, args: DatabaseArgs) -> anyhow::Result<()> {
    let settings = settings_for(config.clone(), args.clone())?;
    let db = connect(config, args).await?;
    let tally = crate::reminders::ssr::send_once(db, &settings.reminders).await?;
    println!("reminders: {tally}");
    Ok(())
}

async fn backup(
    config: Option<PathBuf>,
    args: DatabaseArgs,
    to: &std::path::Path,
) -> anyhow::Result<()> {
    let settings = settings_for(config, args)?;
    // No migration: a backup is of the database as it is.
    let db = db::Db::connect(&settings.database_url).await?;
    let made = super::backup::backup(&db, to).await?;
    println!(
        "backup written to {} ({} bytes in {} ms, integrity ok)",
        to.display(),
        made.bytes,
        made.took.as_millis()
    );
    Ok(())
}

async fn restore(
    config: Option<PathBuf>,
    args: DatabaseArgs,
    from: &std::path::Path,
) -> anyhow::Result<()> {
    let settings = settings_for(config, args)?;
    let kept = super::backup::restore(from, &settings.database_url).await?;
    println!("restored {} (integrity ok)", from.display());
    if let Some(kept) = kept {
        println!("the database it replaced is kept as {}", kept.display());
    }
    Ok(())
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
