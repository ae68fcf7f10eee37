//! Guests: how many new ones one address may start, and clearing away the
//! empty ones.
//!
//! A guest costs rows (a learner, a year-long session) the first time a
//! visitor without a cookie does something worth keeping. Without a limit a
//! script could post "Đã đọc xong" in a loop and fill the database.

use anyhow::Context;

use std::collections::{HashMap, VecDeque};

use super::{client_ip::ClientIp, throttle::Limit};
use crate::server::db::Db;

/// New guests per client address. A commune hall behind one address has
/// 20–60 people with their own phones, each a new guest at their first
/// "Đã đọc xong" or quiz, some on two phones or after clearing cookies:
/// 120 in 10 minutes lets a full class of 60 start twice over, while a
/// script gets no more than 120 learners per 10 minutes (17,280 a day,
/// and the empty ones are purged).
pub const NEW_GUESTS_PER_ADDRESS: Limit = Limit {
    failures: 120,
    window: 10 * 60,
};

/// What a visitor reads when their address has started too many guests
/// (nothing of anyone's is lost: their step was not recorded, existing
/// sessions are never counted).
pub fn too_many_message(wait: i64) -> String {
    let minutes = (wait + 59) / 60;
    format!(
        "Có quá nhiều người mới bắt đầu học từ cùng một mạng trong vài phút qua, nên bước này \
         chưa được lưu. Vui lòng thử lại sau khoảng {minutes} phút, hoặc đăng nhập để lưu tiến độ. \
         / Too many new visitors from this network in the last minutes: this step was not \
         saved. Please try again in about {minutes} min, or sign in."
    )
}

/// The 429 answer with `too_many_message`.
pub fn too_many(wait: i64) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        http::StatusCode::TOO_MANY_REQUESTS,
        [(http::header::RETRY_AFTER, wait.to_string())],
        too_many_message(wait),
    )
        .into_response()
}

/// Counts a new guest for `ip`: `Err(seconds)` to wait when the address
/// started `NEW_GUESTS_PER_ADDRESS` already.
///
/// Counted in this server's memory, not in the database: a database row
/// per new guest cost two more commits on the hot path of a first quiz
/// (quiz submissions fell from 1,458/s to 924/s, p99 81 to 424 ms). The
/// limit is against filling the database, not a security boundary, so with
/// several app servers an address may start the limit on each.
pub async fn may_start(_db: &Db, ip: &ClientIp, now: i64) -> anyhow::Result<Result<(), i64>> {
    let verdict = STARTED.count(&ip.bucket(), now, NEW_GUESTS_PER_ADDRESS);
    if let Err(_wait) = verdict {
        tracing::warn!(client = %ip, "new guests throttled");
        metrics::counter!("hocvu_guests_throttled_total").increment(1);
    }
    Ok(verdict)
}

/// Guests started per address within the window, in this process.
static STARTED: Started = Started::new();

/// Addresses tracked at most; past it the oldest half is forgotten (an
/// attacker with that many addresses is not stopped by a per-address limit).
const MAX_ADDRESSES: usize = 100_000;

pub struct Started(std::sync::Mutex<Option<HashMap<String, VecDeque<i64>>>>);

impl Started {
    pub const fn new() -> Self {
        Started(std::sync::Mutex::new(None))
    }

    /// Records a start for `bucket` unless it already has `limit.failures`
    /// within `limit.window`; then the seconds until one ages out.
    pub fn count(&self, bucket: &str, now: i64, limit: Limit) -> Result<(), i64> {
        let mut guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() >= MAX_ADDRESSES && !map.contains_key(bucket) {
            let oldest = now - limit.window;
            map.retain(|_, starts| starts.back().is_some_and(|last| *last > oldest));
        }
        let starts = map.entry(bucket.to_string()).or_default();
        while starts.front().is_some_and(|at| *at <= now - limit.window) {
            starts.pop_front();
        }
        if starts.len() >= limit.failures {
            let opens_at = starts.front().copied().unwrap_or(now) + limit.window;
            return Err((opens_at - now).max(1));
        }
        starts.push_back(now);
        Ok(())
    }
}

impl Started {
    /// Seconds to wait if `bucket` has used up `limit` now, counting nothing.
    pub fn used_up(&self, bucket: &str, now: i64, limit: Limit) -> Option<i64> {
        let guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let starts = guard.as_ref()?.get(bucket)?;
        let recent: Vec<i64> = starts
            .iter()
            .copied()
            .filter(|at| *at > now - limit.window)
            .collect();
        (recent.len() >= limit.failures).then(|| (recent[0] + limit.window - now).max(1))
    }
}

/// How old an empty guest may get: a day is long enough for a visitor
/// who started with an action that left nothing (a repeated quiz click)
/// to come back to it.
const EMPTY_GUEST_AGE: i64 = 86_400;

/// Deletes guests that hold nothing (no reading, no quiz attempt, no
/// course status) and are older than a day or have no live session, with
/// their sessions; and every expired session. Guests with progress are
/// kept, whatever their age. Returns how many guests went.
pub async fn purge_empty(db: &Db, guest_idle: i64, now: i64) -> anyhow::Result<u64> {
    let empty = "l.user_id IS NULL \
         AND NOT EXISTS (SELECT 1 FROM progress_events p WHERE p.learner_id = l.id) \
         AND NOT EXISTS (SELECT 1 FROM quiz_attempts q WHERE q.learner_id = l.id) \
         AND NOT EXISTS (SELECT 1 FROM course_status c WHERE c.learner_id = l.id) \
         AND NOT EXISTS (SELECT 1 FROM class_attendees a WHERE a.learner_id = l.id) \
         AND (l.created_at < $1 OR NOT EXISTS (SELECT 1 FROM sessions s \
              WHERE s.learner_id = l.id AND s.last_seen_at >= $2))";
    let mut tx = db.begin_write().await?;
    sqlx::query(&format!(
        "DELETE FROM sessions WHERE learner_id IN (SELECT l.id FROM learners l WHERE {empty})"
    ))
    .bind(now - EMPTY_GUEST_AGE)
    .bind(now - guest_idle)
    .execute(&mut *tx)
    .await
    .context("deleting the sessions of empty guests")?;
    // The same guests match again: deleting the sessions of guests already
    // picked changes nothing about which guests are picked.
    let purged = sqlx::query(&format!(
        "DELETE FROM learners WHERE id IN (SELECT l.id FROM learners l WHERE {empty})"
    ))
    .bind(now - EMPTY_GUEST_AGE)
    .bind(now - guest_idle)
    .execute(&mut *tx)
    .await
    .context("deleting empty guests")?
    .rows_affected();
    sqlx::query("DELETE FROM sessions WHERE user_id IS NULL AND last_seen_at < $1")
        .bind(now - guest_idle)
        .execute(&mut *tx)
        .await
        .context("deleting expired guest sessions")?;
    tx.commit().await?;
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_starts_at_most_the_limit_within_the_window() {
        let started = Started::new();
        let limit = Limit {
            failures: 3,
            window: 600,
        };
        for i in 0..3 {
            assert_eq!(started.count("a", 1000 + i, limit), Ok(()));
        }
        assert_eq!(
            started.count("a", 1010, limit),
            Err(590),
            "the first ages out at 1600"
        );
        assert_eq!(started.count("b", 1010, limit), Ok(()), "another address");
        assert_eq!(started.count("a", 1600, limit), Ok(()), "one aged out");
    }
}
