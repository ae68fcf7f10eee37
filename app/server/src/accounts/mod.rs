//! Who is learning: guests on a device, and people with accounts and roles.
//!
//! Every visitor who does something worth keeping (answers a quiz, marks a
//! chapter read) becomes a *learner*, identified by a session cookie. Signing
//! up or in attaches that learner to a user account, so nothing done as a
//! guest is lost.

pub mod pages;
pub mod ssr;

use serde::{Deserialize, Serialize};

/// What a user may do. Deny by default: each check names the roles it allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Learner,
    Trainer,
    Supervisor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Learner, Role::Trainer, Role::Supervisor, Role::Admin];

    pub fn code(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Trainer => "trainer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Who runs the site: users, units, officials, certificates.
    pub const ADMINS: &'static [Role] = &[Role::Admin];
    /// Who writes the handbook (and sees quiz statistics, content status).
    pub const WRITERS: &'static [Role] = &[Role::Trainer, Role::Admin];
    /// Who follows officials' completion: reports, assignments, overdue list.
    pub const MANAGERS: &'static [Role] = &[Role::Admin, Role::Supervisor];
}

/// The signed-in person, as pages may show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub display_name: String,
    pub role: Role,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The signed-in user of the request being rendered. Pages are rendered on
/// the server only (islands), so in the browser bundle this is always `None`.
pub fn signed_in_user() -> Option<CurrentUser> {
    crate::web::current_identity().user
}

/// What went wrong with an account form. Travels as `?error=<code>` in the
/// redirect back to the form, and is shown through the i18n tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Unknown account or wrong password: one message for both.
    Credentials,
    PhoneInvalid,
    UsernameInvalid,
    LoginTaken,
    NameInvalid,
    PasswordShort,
    PasswordLong,
    /// Wrong, used or expired reset code (one message for all three).
    ResetInvalid,
    /// Too many attempts; the page says when to try again.
    Throttled,
    /// An admin tried to take away their own admin role.
    SelfDemote,
    NoSuchUser,
}

impl Problem {
    const ALL: [Problem; 11] = [
        Problem::Credentials,
        Problem::PhoneInvalid,
        Problem::UsernameInvalid,
        Problem::LoginTaken,
        Problem::NameInvalid,
        Problem::PasswordShort,
        Problem::PasswordLong,
        Problem::ResetInvalid,
        Problem::Throttled,
        Problem::SelfDemote,
        Problem::NoSuchUser,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Problem::Credentials => "credentials",
            Problem::PhoneInvalid => "phone",
            Problem::UsernameInvalid => "username",
            Problem::LoginTaken => "taken",
            Problem::NameInvalid => "name",
            Problem::PasswordShort => "password_short",
            Problem::PasswordLong => "password_long",
            Problem::ResetInvalid => "reset_code",
            Problem::Throttled => "throttled",
            Problem::SelfDemote => "self_demote",
            Problem::NoSuchUser => "no_user",
        }
    }

    pub fn parse(code: &str) -> Option<Problem> {
        Problem::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// Shortest and longest password accepted (characters). The upper bound only
/// keeps hashing cost bounded; any passphrase a person types fits.
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_codes_round_trip() {
        for p in Problem::ALL {
            assert_eq!(Problem::parse(p.code()), Some(p));
        }
        assert_eq!(Problem::parse("nope"), None);
    }
}

/// One user as the admin list shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: String,
    pub display_name: String,
    /// Username, or the phone number written the local way.
    pub login: String,
    pub role: Role,
    pub unit_code: String,
    pub position: String,
}

/// A reset code just issued: put in context by the handler that issued it,
/// shown once on the users page, never stored or sent anywhere else.
#[derive(Clone, Debug)]
pub struct IssuedCode {
    pub display_name: String,
    pub login: String,
    pub code: String,
}
