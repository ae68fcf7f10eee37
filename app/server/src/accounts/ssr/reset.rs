//! One-time password-reset codes. There is no SMS: an admin issues a code
//! and hands it over in person; the person types it with a new password.
//! Only a SHA-256 of the code is stored; a code works once, for 24 hours,
//! and issuing a new one cancels the old.

use crate::server::db::WriteTx;
use anyhow::Context;
use sha2::{Digest, Sha256};

/// How long a code works.
pub const LIFETIME: i64 = 24 * 3600;
/// How long the first code of an imported official works: sheets are
/// printed, handed out in meetings, and typed in over the following weeks.
pub const ONBOARDING_LIFETIME: i64 = 30 * 86_400;

/// Letters and digits that cannot be mistaken for one another when read
/// aloud or copied by hand (no I/1, O/0): 32 symbols, 5 bits each.
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// 12 symbols: 60 bits, far beyond guessing at 5 tries per 15 minutes.
const LENGTH: usize = 12;

/// A fresh code, grouped for reading: `ABCD-EFGH-JKLM`.
pub fn new_code() -> anyhow::Result<String> {
    // The OS generator, through the salt helper of the hashing crate.
    let bytes = argon2::password_hash::try_generate_salt()
        .map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let symbols: Vec<char> = bytes
        .iter()
        .take(LENGTH)
        // 256 is a multiple of 32, so `% 32` keeps every symbol equally likely.
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    Ok(symbols
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// What people type → the canonical code: upper case, no spaces or dashes.
pub fn normalize(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

pub fn hash(code: &str) -> String {
    Sha256::digest(normalize(code).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stores a new code for `user_id`, cancelling any unused one.
pub async fn store(
    tx: &mut WriteTx,
    user_id: &str,
    issued_by: &str,
    code: &str,
    now: i64,
) -> anyhow::Result<()> {
    store_for(tx, user_id, issued_by, code, now, LIFETIME).await
}

/// `store` with another lifetime.
pub async fn store_for(
    tx: &mut WriteTx,
    user_id: &str,
    issued_by: &str,
    code: &str,
    now: i64,
    lifetime: i64,
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .context("cancelling earlier reset codes")?;
    sqlx::query(
        "INSERT INTO password_resets (id, user_id, code_hash, issued_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(hash(code))
    .bind(issued_by)
    .bind(now)
    .bind(now + lifetime)
    .execute(&mut **tx)
    .await
    .context("storing a reset code")?;
    Ok(())
}

/// The id of the live code `code` of `user_id`, if there is one.
pub async fn find_live(
    db: &crate::server::db::Db,
    user_id: &str,
    code: &str,
    now: i64,
) -> anyhow::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT id FROM password_resets \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(user_id)
    .bind(hash(code))
    .bind(now)
    .fetch_optional(db.reads())
    .await
    .context("looking up a reset code")
}

/// Marks the code used; false if someone used it a moment ago.
pub async fn use_up(tx: &mut WriteTx, id: &str, now: i64) -> anyhow::Result<bool> {
    let done =
        sqlx::query("UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await
            .context("using a reset code")?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_different() {
        let a = new_code().unwrap();
        let b = new_code().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 14, "{a}");
        assert!(a.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
    }

    #[test]
    fn typed_codes_match_however_they_are_spaced() {
        assert_eq!(hash("abcd efgh-jkLM"), hash("ABCD-EFGH-JKLM"));
        assert_ne!(hash("ABCD-EFGH-JKLN"), hash("ABCD-EFGH-JKLM"));
    }
}
