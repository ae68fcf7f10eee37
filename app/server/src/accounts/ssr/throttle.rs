//! Sign-in throttling, per client address and per account.
//!
//! Attempts are rows in the database (`sign_in_attempts`), so every app
//! server behind a load balancer counts the same attempts. An attempt is
//! recorded *before* the password is checked and removed if it succeeds:
//! a burst of parallel guesses sees the others in flight and cannot slip
//! past the limit. Refused attempts are not recorded, so hammering a locked
//! account does not keep it locked; it opens again as old failures age out.

use anyhow::Context;

use crate::server::db::Db;

/// How many failures a bucket may hold within `window` seconds.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub failures: usize,
    pub window: i64,
}

/// Per account and client address: a person's typos, not a guessing run.
/// Reached, it locks that account out *from that address* only, so nobody
/// can lock an official out from across the network.
pub const PER_ACCOUNT_AND_ADDRESS: Limit = Limit {
    failures: 5,
    window: 15 * 60,
};

/// Per account from every address together: a distributed guessing run
/// stops here (100 guesses per 15 minutes against a password of 8 or more
/// characters), far above what a person's typos from a few places reach.
pub const PER_ACCOUNT: Limit = Limit {
    failures: 100,
    window: 15 * 60,
};

/// Sign-ups per client address: each costs an argon2 hash; a class signing
/// up together from one school network still fits.
pub const SIGN_UPS_PER_ADDRESS: Limit = Limit {
    failures: 20,
    window: 15 * 60,
};

/// Per client address, for browsers that never signed in to the account
/// they try: past this many failures each further try waits
/// `SLOW_DOWN_SECS` first (a whole commune hall shares one address, so one
/// person's guessing must not lock everyone else out)...
pub const PER_ADDRESS: Limit = Limit {
    failures: 20,
    window: 15 * 60,
};

/// ...and past this many it is refused, saying how long to wait: a
/// guessing run across many accounts from one address stops here.
pub const PER_ADDRESS_HARD: Limit = Limit {
    failures: 100,
    window: 15 * 60,
};

/// The wait of a try past `PER_ADDRESS`, in seconds.
pub const SLOW_DOWN_SECS: u64 = 3;

/// An account with this many failures (from every address) within
/// `PER_ACCOUNT.window` is under attack: from an address past
/// `PER_ADDRESS`, tries at it are refused rather than slowed down.
pub const ACCOUNT_UNDER_ATTACK: usize = 10;

/// The longest window of any limit: older rows are deleted.
const LONGEST_WINDOW: i64 = 15 * 60;

/// A recorded attempt: rows to remove if it succeeds.
#[must_use]
pub struct Attempt {
    ids: Vec<String>,
}

/// Whether an attempt may go ahead.
pub enum Verdict {
    Go(Attempt),
    /// Refused; retry after this many seconds.
    Wait(i64),
}

/// Records an attempt in every bucket, then refuses it if any bucket is over
/// its limit (counting the attempts still in flight).
pub async fn begin(db: &Db, buckets: &[(String, Limit)], now: i64) -> anyhow::Result<Verdict> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM sign_in_attempts WHERE at < $1")
        .bind(now - LONGEST_WINDOW)
        .execute(&mut *tx)
        .await
        .context("forgetting old sign-in attempts")?;
    let mut ids = Vec::with_capacity(buckets.len());
    for (bucket, _) in buckets {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query("INSERT INTO sign_in_attempts (id, bucket, at) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(bucket)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("recording a sign-in attempt")?;
        ids.push(id);
    }
    tx.commit().await?;
    let mut wait = 0;
    for ((bucket, limit), own_id) in buckets.iter().zip(&ids) {
        let others: Vec<i64> = sqlx::query_scalar(
            "SELECT at FROM sign_in_attempts WHERE bucket = $1 AND at > $2 AND id <> $3 ORDER BY at",
        )
        .bind(bucket)
        .bind(now - limit.window)
        .bind(own_id)
        .fetch_all(db.reads())
        .await
        .context("counting sign-in attempts")?;
        if others.len() >= limit.failures {
            // This one may go once enough of the others have aged out.
            let must_expire = others.len() + 1 - limit.failures;
            let opens_at = others[must_expire - 1] + limit.window;
            wait = wait.max((opens_at - now).max(1));
        }
    }
    let attempt = Attempt { ids };
    if wait > 0 {
        attempt.forget(db).await?;
        return Ok(Verdict::Wait(wait));
    }
    Ok(Verdict::Go(attempt))
}

/// Attempts in `bucket` within `window` seconds of `now` (in flight too).
pub async fn count(db: &Db, bucket: &str, window: i64, now: i64) -> anyhow::Result<usize> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_attempts WHERE bucket = $1 AND at > $2")
            .bind(bucket)
            .bind(now - window)
            .fetch_one(db.reads())
            .await
            .context("counting sign-in attempts")?;
    Ok(usize::try_from(n).unwrap_or(0))
}

impl Attempt {
    /// The attempt was refused after all: it does not count.
    pub async fn refused(self, db: &Db) -> anyhow::Result<()> {
        self.forget(db).await
    }

    /// The attempt failed: its rows stay and count against the buckets.
    pub fn failed(self) {}

    /// The attempt succeeded: it does not count, and neither do the earlier
    /// failures in `clear` (the account's bucket, once its owner got in).
    pub async fn succeeded(self, db: &Db, clear: &str) -> anyhow::Result<()> {
        db.write_one(sqlx::query("DELETE FROM sign_in_attempts WHERE bucket = $1").bind(clear))
            .await
            .context("clearing sign-in failures")?;
        self.forget(db).await
    }

    async fn forget(self, db: &Db) -> anyhow::Result<()> {
        let mut tx = db.begin_write().await?;
        for id in &self.ids {
            sqlx::query("DELETE FROM sign_in_attempts WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .context("removing a sign-in attempt")?;
        }
        tx.commit().await
    }
}
