//! Who is learning: guests on a device, and people with accounts and roles.
//!
//! Every visitor who does something worth keeping (answers a quiz, marks a
//! chapter read) becomes a *learner*, identified by a session cookie. Signing
//! up or in attaches that learner to a user account, so nothing done as a
//! guest is lost.

#[cfg(feature = "ssr")]
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
}

/// The signed-in person, as pages may show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub display_name: String,
    pub role: Role,
}
