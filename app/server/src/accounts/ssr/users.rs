//! People with accounts: how they name themselves (phone or username), and
//! the `users` table.

use crate::server::db::WriteTx;
use anyhow::Context;

use super::phone;
use crate::{
    accounts::{Problem, Role, PASSWORD_MAX, PASSWORD_MIN},
    server::db::Db,
};

/// What a person signs in with, in canonical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Login {
    /// `+84912345678`.
    Phone(String),
    /// Lowercase `a-z 0-9 . _ -`, 3 to 32 characters.
    Username(String),
}

impl Login {
    /// Reads the one "phone or username" field of the forms. Something that
    /// looks like a number must be a valid mobile number; anything else must
    /// be a valid username (upper case is folded, as people type it).
    pub fn parse(input: &str) -> Result<Login, Problem> {
        let input = input.trim();
        if phone::looks_like_phone(input) {
            phone::normalize(input)
                .map(Login::Phone)
                .ok_or(Problem::PhoneInvalid)
        } else {
            parse_username(input).map(Login::Username)
        }
    }

    /// The throttling bucket of this account (whether or not it exists).
    pub fn bucket(&self) -> String {
        match self {
            Login::Phone(p) => format!("account:{p}"),
            Login::Username(u) => format!("account:{u}"),
        }
    }
}

pub fn parse_username(input: &str) -> Result<String, Problem> {
    let name = input.trim().to_lowercase();
    let ok = (3..=32).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(name)
    } else {
        Err(Problem::UsernameInvalid)
    }
}

/// A display name: trimmed, 1 to 80 characters, no control characters.
pub fn parse_display_name(input: &str) -> Result<String, Problem> {
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let len = name.chars().count();
    if (1..=80).contains(&len) && !name.chars().any(char::is_control) {
        Ok(name)
    } else {
        Err(Problem::NameInvalid)
    }
}

/// A new password must be 8 to 256 characters (no other rules: length is
/// what matters, and residents should be free to use a phrase they remember).
pub fn check_new_password(password: &str) -> Result<(), Problem> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        Err(Problem::PasswordShort)
    } else if len > PASSWORD_MAX {
        Err(Problem::PasswordLong)
    } else {
        Ok(())
    }
}

/// A user row as sign-in needs it.
#[derive(sqlx::FromRow, Debug)]
pub struct StoredUser {
    pub id: String,
    pub password_hash: String,
}

pub async fn find_by_login(db: &Db, login: &Login) -> anyhow::Result<Option<StoredUser>> {
    let (sql, value) = match login {
        Login::Phone(p) => ("SELECT id, password_hash FROM users WHERE phone = $1", p),
        Login::Username(u) => ("SELECT id, password_hash FROM users WHERE username = $1", u),
    };
    sqlx::query_as(sql)
        .bind(value)
        .fetch_optional(db.reads())
        .await
        .context("looking up a user")
}

/// A new account, ready to insert.
pub struct NewUser {
    pub username: Option<String>,
    pub phone: Option<String>,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
}

impl NewUser {
    pub fn with_login(login: Login, display_name: String, password_hash: String) -> NewUser {
        let (username, phone) = match login {
            Login::Phone(p) => (None, Some(p)),
            Login::Username(u) => (Some(u), None),
        };
        NewUser {
            username,
            phone,
            display_name,
            password_hash,
            role: Role::Learner,
        }
    }
}

/// Inserts the user and returns its id; `Err(LoginTaken)` when the phone or
/// username already belongs to someone.
pub async fn insert(
    tx: &mut WriteTx,
    user: &NewUser,
    now: i64,
) -> anyhow::Result<Result<String, Problem>> {
    let taken: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1 OR phone = $2")
            .bind(&user.username)
            .bind(&user.phone)
            .fetch_one(&mut **tx)
            .await
            .context("checking whether a login is taken")?;
    if taken > 0 {
        return Ok(Err(Problem::LoginTaken));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = sqlx::query(
        "INSERT INTO users (id, username, phone, display_name, password_hash, role, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(&user.username)
    .bind(&user.phone)
    .bind(&user.display_name)
    .bind(&user.password_hash)
    .bind(user.role.code())
    .bind(now)
    .execute(&mut **tx)
    .await;
    match inserted {
        Ok(_) => Ok(Ok(id)),
        // Two sign-ups for the same name at the same moment: one wins.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Err(Problem::LoginTaken)),
        Err(e) => Err(anyhow::Error::new(e).context("creating a user")),
    }
}

/// True for an official: someone placed in an org unit.
pub async fn is_official(db: &Db, user_id: &str) -> anyhow::Result<bool> {
    let unit: Option<Option<String>> =
        sqlx::query_scalar("SELECT unit_id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db.reads())
            .await
            .context("reading a user's unit")?;
    Ok(unit.flatten().is_some())
}

pub async fn set_password_hash(tx: &mut WriteTx, user_id: &str, hash: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .context("storing a password hash")?;
    Ok(())
}

/// Ends every session of a user (after a password reset).
pub async fn end_all_sessions(tx: &mut WriteTx, user_id: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .context("ending a user's sessions")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_field_takes_phones_and_usernames() {
        assert_eq!(
            Login::parse("0912 345 678"),
            Ok(Login::Phone("+84912345678".into()))
        );
        assert_eq!(
            Login::parse(" Lan.Nguyen "),
            Ok(Login::Username("lan.nguyen".into()))
        );
        assert_eq!(Login::parse("0212 345 678"), Err(Problem::PhoneInvalid));
        assert_eq!(Login::parse("ab"), Err(Problem::UsernameInvalid));
        assert_eq!(Login::parse("lan nguyen"), Err(Problem::UsernameInvalid));
        assert_eq!(Login::parse("lê"), Err(Problem::UsernameInvalid));
        assert_eq!(Login::parse(&"a".repeat(33)), Err(Problem::UsernameInvalid));
        assert_eq!(
            Login::parse(&"a".repeat(32)),
            Ok(Login::Username("a".repeat(32)))
        );
    }

    #[test]
    fn display_names_are_tidied() {
        assert_eq!(
            parse_display_name("  Nguyễn   Thị Lan "),
            Ok("Nguyễn Thị Lan".into())
        );
        assert_eq!(parse_display_name("   "), Err(Problem::NameInvalid));
        assert_eq!(
            parse_display_name(&"ê".repeat(81)),
            Err(Problem::NameInvalid)
        );
        assert_eq!(parse_display_name("a\u{0}b"), Err(Problem::NameInvalid));
    }

    #[test]
    fn passwords_need_eight_characters() {
        assert_eq!(check_new_password("1234567"), Err(Problem::PasswordShort));
        assert_eq!(check_new_password("mậtkhẩu8"), Ok(()));
        assert_eq!(
            check_new_password(&"x".repeat(257)),
            Err(Problem::PasswordLong)
        );
    }
}
