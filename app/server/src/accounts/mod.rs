//! Who is learning: guests on a device, and people with accounts and roles.
//!
//! Every visitor who does something worth keeping (answers a quiz, marks a
//! chapter read) becomes a *learner*, identified by a session cookie. Signing
//! up or in attaches that learner to a user account, so nothing done as a
//! guest is lost.

pub mod pages;
pub mod ssr;

use serde::{Deserialize, Serialize};

hocvu_domain::coded_enum! {
    /// What a user may do. Deny by default: each check names the roles it allows.
    #[derive(Hash, Serialize, Deserialize)]
    pub enum Role {
        Learner = "learner",
        Trainer = "trainer",
        Supervisor = "supervisor",
        Admin = "admin",
        /// A member of a commune's community digital technology team: runs
        /// classes for their unit and the units below it, nothing else.
        ClassLeader = "class_leader",
    }
}

impl Role {
    /// Who runs the site: users, units, officials, certificates.
    pub const ADMINS: &'static [Role] = &[Role::Admin];
    /// Who writes the handbook (and sees quiz statistics, content status).
    pub const WRITERS: &'static [Role] = &[Role::Trainer, Role::Admin];
    /// Who follows officials' completion: reports, assignments, overdue list.
    pub const MANAGERS: &'static [Role] = &[Role::Admin, Role::Supervisor];
    /// Who may run a class in a commune hall.
    pub const LEADERS: &'static [Role] = &[Role::ClassLeader, Role::Trainer, Role::Admin];
    /// Who may see past classes: those who run them, and supervisors.
    pub const CLASS_VIEWERS: &'static [Role] = &[
        Role::ClassLeader,
        Role::Trainer,
        Role::Admin,
        Role::Supervisor,
    ];
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

/// The signed-in user of the request being rendered.
pub fn signed_in_user() -> Option<CurrentUser> {
    crate::web::current_identity().user
}

hocvu_domain::coded_enum! {
    /// What went wrong with an account form. Travels as `?error=<code>` in the
    /// redirect back to the form, and is shown through the i18n tables.
    pub enum Problem {
        /// Unknown account or wrong password: one message for both.
        Credentials = "credentials",
        PhoneInvalid = "phone",
        UsernameInvalid = "username",
        LoginTaken = "taken",
        NameInvalid = "name",
        PasswordShort = "password_short",
        PasswordLong = "password_long",
        /// Wrong, used or expired reset code (one message for all three).
        ResetInvalid = "reset_code",
        /// Too many attempts; the page says when to try again.
        Throttled = "throttled",
        /// An admin tried to take away their own admin role.
        SelfDemote = "self_demote",
        NoSuchUser = "no_user",
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
        for &p in Problem::ALL {
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
