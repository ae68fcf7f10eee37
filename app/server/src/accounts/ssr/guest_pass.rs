//! A guest pass: how a visitor with no session gets a quiz whose question
//! order is fixed, without the page writing anything.
//!
//! Opening a quiz must not create a learner (a crawler would fill the
//! database). The page instead picks the learner id the visitor *will*
//! have, uses it to order the questions, and puts it in the form signed
//! with the installation's key and an expiry. Submitting the form (an
//! action worth keeping) creates the learner under that id, so grading sees
//! exactly the order that was shown. The signature makes it unforgeable;
//! the key lives in the database, so every app server accepts every pass.

use anyhow::Context;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::server::db::Db;

/// How long a quiz page may stay open before it is submitted: a week, as a
/// quiz downloaded for offline reading may be answered days later and sent
/// from the phone's queue when the network is back.
const LIFETIME: i64 = 7 * 24 * 3600;

/// The cookie that keeps a guest pass across reloads of a quiz page (same
/// order again), with no session and no row behind it.
pub const COOKIE: &str = "hocvu_pass";

/// `Set-Cookie` for `pass`.
pub fn cookie(pass: &str, secure: bool) -> Option<http::HeaderValue> {
    set_cookie(pass, LIFETIME, secure)
}

/// `Set-Cookie` that forgets the pass (used up: the learner exists now).
pub fn clear_cookie(secure: bool) -> http::HeaderValue {
    set_cookie("", 0, secure).expect("ASCII cookie")
}

fn set_cookie(pass: &str, max_age: i64, secure: bool) -> Option<http::HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    http::HeaderValue::from_str(&format!(
        "{COOKIE}={pass}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .ok()
}

/// The guest pass a request's cookie carries, if any.
pub fn from_cookie(headers: &http::HeaderMap) -> Option<String> {
    crate::web::cookie_value(headers, COOKIE)
}

/// The installation's signing key for guest passes.
#[derive(Clone)]
pub struct PassKey(std::sync::Arc<[u8]>);

impl std::fmt::Debug for PassKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PassKey(…)")
    }
}

impl PassKey {
    /// Reads the key from the database, making it on first start (every
    /// server of an installation then agrees on it).
    pub async fn load(db: &Db) -> anyhow::Result<PassKey> {
        let fresh = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        db.write_one(
            sqlx::query(
                "INSERT INTO instance (key, value, updated_at) VALUES ('guest_pass_key', $1, $2) \
             ON CONFLICT (key) DO NOTHING",
            )
            .bind(&fresh)
            .bind(crate::clock::now()),
        )
        .await
        .context("storing the guest pass key")?;
        let key: String =
            sqlx::query_scalar("SELECT value FROM instance WHERE key = 'guest_pass_key'")
                .fetch_one(db.reads())
                .await
                .context("reading the guest pass key")?;
        Ok(PassKey(key.into_bytes().into()))
    }

    #[cfg(test)]
    pub fn for_tests(key: &[u8]) -> PassKey {
        PassKey(key.to_vec().into())
    }

    fn mac(&self, message: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        mac
    }

    /// A seed only the server can work out: the order of an attempt's
    /// questions and options comes from it, so knowing the learner id (it
    /// is in the pass) does not give the authored order back.
    pub fn seed(&self, message: &str) -> u64 {
        let tag = self
            .mac(&format!("order\n{message}"))
            .finalize()
            .into_bytes();
        u64::from_le_bytes(tag[..8].try_into().expect("8 bytes"))
    }

    /// The hex HMAC of `message` (other signed cookies use the same key).
    pub fn sign(&self, message: &str) -> String {
        let tag = self.mac(message).finalize().into_bytes();
        tag.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `hex` is `message`'s HMAC (compared in constant time).
    pub fn check(&self, message: &str, hex: &str) -> bool {
        if hex.len() != 64 {
            return false;
        }
        let tag: Option<Vec<u8>> = (0..32)
            .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        tag.is_some_and(|tag| self.mac(message).verify_slice(&tag).is_ok())
    }

    /// A pass for `learner_id`, valid for a day from `now`.
    pub fn issue(&self, learner_id: &str, now: i64) -> String {
        let message = format!("{learner_id}.{}", now + LIFETIME);
        let tag = self.mac(&message).finalize().into_bytes();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        format!("{message}.{hex}")
    }

    /// The learner id of a genuine, unexpired pass.
    pub fn verify(&self, pass: &str, now: i64) -> Option<String> {
        let (message, hex) = pass.rsplit_once('.')?;
        let (learner_id, expires) = message.split_once('.')?;
        let expires: i64 = expires.parse().ok()?;
        uuid::Uuid::parse_str(learner_id).ok()?;
        if expires < now || hex.len() != 64 {
            return None;
        }
        let tag: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<_>>()?;
        // Constant-time comparison.
        self.mac(message).verify_slice(&tag).ok()?;
        Some(learner_id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_verifies_until_it_expires_and_not_when_changed() {
        let key = PassKey(b"key".to_vec().into());
        let learner = uuid::Uuid::new_v4().to_string();
        let pass = key.issue(&learner, 1000);
        assert_eq!(key.verify(&pass, 1000).as_deref(), Some(learner.as_str()));
        assert_eq!(key.verify(&pass, 1000 + LIFETIME + 1), None, "expired");
        let other = uuid::Uuid::new_v4().to_string();
        assert_eq!(key.verify(&pass.replacen(&learner, &other, 1), 1000), None);
        let later = pass.replacen(&format!(".{}.", 1000 + LIFETIME), ".99999999999.", 1);
        assert_eq!(key.verify(&later, 1000), None, "expiry is signed");
        let stranger = PassKey(b"other".to_vec().into());
        assert_eq!(stranger.verify(&pass, 1000), None);
    }

    #[test]
    fn the_order_seed_needs_the_installations_key() {
        let message = "learner\ncourse\nquiz\nversion\n1";
        let ours = PassKey(b"key".to_vec().into());
        let theirs = PassKey(b"other".to_vec().into());
        assert_eq!(
            ours.seed(message),
            ours.seed(message),
            "stable for one attempt"
        );
        assert_ne!(ours.seed(message), theirs.seed(message));
        assert_ne!(
            ours.seed(message),
            ours.seed("learner\ncourse\nquiz\nversion\n2")
        );
    }
}
