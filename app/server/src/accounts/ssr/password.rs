//! Password hashing: argon2id with OWASP's parameters (19 MiB, 2 passes, 1
//! lane), stored as a PHC string so the parameters travel with each hash.
//!
//! Hashing is deliberately slow and memory-hungry, so it runs on the
//! blocking pool, and a semaphore caps how many run at once: a burst of
//! sign-ins cannot eat the machine's memory.

use std::sync::LazyLock;

use anyhow::Context;
use argon2::{
    password_hash::{PasswordHasher, PasswordVerifier},
    Algorithm, Argon2, Params, PasswordHash, Version, ARGON2ID_IDENT,
};
use tokio::sync::Semaphore;

/// OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1.
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn hasher() -> Argon2<'static> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// At most this many hashes at once (each holds 19 MiB while it runs).
static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(cores * 2)
});

/// A hash of a password nobody has, verified when the account does not exist
/// so that "no such user" takes as long as "wrong password".
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_blocking("not a real password, only for timing").expect("hashing a constant works")
});

/// Computes the dummy hash now rather than on the first failed sign-in.
pub fn warm_up() {
    std::thread::spawn(|| LazyLock::force(&DUMMY_HASH));
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow::anyhow!("argon2: {err}"))
}

/// A new PHC string for `password`, with a fresh random salt.
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let _slot = SLOTS.acquire().await.context("hashing slots closed")?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .context("hashing task failed")?
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    /// Right password, stored with the current parameters.
    Yes,
    /// Right password, but the stored hash uses other parameters: rehash it.
    YesRehash,
    No,
}

/// Checks `password` against `stored`, or against the dummy hash when there
/// is no account (`stored` is `None`), which always answers `No`.
pub async fn verify(password: &str, stored: Option<&str>) -> anyhow::Result<Verified> {
    let _slot = SLOTS.acquire().await.context("hashing slots closed")?;
    let password = password.to_string();
    let stored = stored.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        // No account, or one with no password yet (an imported official
        // who has not used their code): the dummy hash, so the answer
        // takes as long as a wrong password and tells nothing.
        let stored = stored.filter(|s| !s.is_empty());
        let real = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        // A stored value that is not a PHC string can never match.
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return Verified::No;
        };
        let ok = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        match (real && ok, is_current(&parsed)) {
            (false, _) => Verified::No,
            (true, true) => Verified::Yes,
            (true, false) => Verified::YesRehash,
        }
    })
    .await
    .context("verification task failed")
}

/// True when the hash was made with argon2id v19 and today's parameters.
fn is_current(hash: &PasswordHash) -> bool {
    let Ok(params) = Params::try_from(hash) else {
        return false;
    };
    hash.algorithm == ARGON2ID_IDENT
        && hash.version == Some(Version::V0x13.into())
        && params.m_cost() == M_COST_KIB
        && params.t_cost() == T_COST
        && params.p_cost() == P_COST
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let stored = hash("mật khẩu dài").await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert_eq!(
            verify("mật khẩu dài", Some(&stored)).await.unwrap(),
            Verified::Yes
        );
        assert_eq!(
            verify("mat khau dai", Some(&stored)).await.unwrap(),
            Verified::No
        );
    }

    #[tokio::test]
    async fn no_account_never_verifies() {
        assert_eq!(verify("anything", None).await.unwrap(), Verified::No);
        assert_eq!(
            verify("anything", Some("not a hash")).await.unwrap(),
            Verified::No
        );
        // An imported official without a password yet: no match, and (the
        // dummy hash is checked) no faster than a wrong password.
        assert_eq!(verify("", Some("")).await.unwrap(), Verified::No);
    }

    #[tokio::test]
    async fn old_parameters_ask_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"password123")
        .unwrap()
        .to_string();
        assert_eq!(
            verify("password123", Some(&weak)).await.unwrap(),
            Verified::YesRehash
        );
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(M_COST_KIB, T_COST, P_COST, None).unwrap(),
        )
        .hash_password(b"password123")
        .unwrap()
        .to_string();
        assert_eq!(
            verify("password123", Some(&argon2i)).await.unwrap(),
            Verified::YesRehash
        );
    }
}
