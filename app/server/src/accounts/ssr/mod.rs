//! Server side of accounts: sessions and the identity of each request,
//! sign-up/in/out, passwords, throttling, guest merge, admin actions.

pub mod admin;
pub mod audit;
pub mod cli;
pub mod client_ip;
pub mod guest_pass;
pub mod guests;
pub mod handlers;
pub mod known_device;
pub mod merge;
pub mod password;
pub mod phone;
pub mod reset;
pub mod session;
pub mod throttle;
pub mod users;

pub use client_ip::TrustedProxies;
pub use session::{Identity, SessionConfig};
