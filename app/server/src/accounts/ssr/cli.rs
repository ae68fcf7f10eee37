//! `hocvu user add`: create an account from the shell, typically the first
//! admin. The password never appears on the command line (where `ps` and
//! shell history would keep it): it is read from standard input, or
//! prompted for without echo at a terminal.

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context};
use clap::Args;

use super::{
    audit::{self, Action},
    phone, users,
};
use crate::{
    accounts::{Problem, Role},
    server::{config::DatabaseArgs, db::Db},
};

#[derive(Args, Debug)]
pub struct AddUserArgs {
    /// Sign-in name: lowercase letters, digits, `.`, `_`, `-` (3 to 32).
    #[arg(long)]
    pub username: Option<String>,
    /// Vietnamese mobile number, in any usual spelling.
    #[arg(long)]
    pub phone: Option<String>,
    /// The name shown on the site.
    #[arg(long)]
    pub display_name: String,
    /// learner, trainer, supervisor or admin.
    #[arg(long, default_value = "learner")]
    pub role: String,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Creates the user; the database is migrated first, so this also works
/// before the first `hocvu serve`.
pub async fn add_user(db: &Db, args: AddUserArgs) -> anyhow::Result<()> {
    let username = args
        .username
        .as_deref()
        .map(users::parse_username)
        .transpose()
        .map_err(|_| anyhow::anyhow!("--username: 3 to 32 of a-z 0-9 . _ -"))?;
    let phone = args
        .phone
        .as_deref()
        .map(|p| phone::normalize(p).context("--phone: not a Vietnamese mobile number"))
        .transpose()?;
    if username.is_none() && phone.is_none() {
        bail!("give --username or --phone (or both)");
    }
    let display_name = users::parse_display_name(&args.display_name)
        .map_err(|_| anyhow::anyhow!("--display-name: 1 to 80 characters"))?;
    let role = Role::parse(&args.role).with_context(|| {
        format!(
            "--role: one of learner, trainer, supervisor, admin, class_leader, not `{}`",
            args.role
        )
    })?;
    let password = read_password()?;
    users::check_new_password(&password).map_err(|p| match p {
        Problem::PasswordLong => anyhow::anyhow!("the password is longer than 256 characters"),
        _ => anyhow::anyhow!("the password needs at least 8 characters"),
    })?;
    let user = users::NewUser {
        username,
        phone,
        display_name,
        password_hash: super::password::hash(&password).await?,
        role,
    };
    let now = crate::clock::now();
    let mut tx = db.begin_write().await?;
    let id = match users::insert(&mut tx, &user, now).await? {
        Ok(id) => id,
        Err(_) => bail!("that username or phone number already has an account"),
    };
    let detail = format!("role {} (command line)", role.code());
    audit::record(&mut tx, None, Action::UserCreated, &id, &detail, now).await?;
    tx.commit().await?;
    let login = user
        .username
        .or(user.phone.as_deref().map(phone::display))
        .unwrap_or_default();
    println!("created user {login} ({}), id {id}", role.code());
    Ok(())
}

/// At a terminal: asked twice, without echo. Otherwise: the first line of
/// standard input (`echo "$PASSWORD" | hocvu user add ...`).
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 8 characters): ")
            .context("reading the password")?;
        let again =
            rpassword::prompt_password("Same password again: ").context("reading the password")?;
        if first != again {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}
