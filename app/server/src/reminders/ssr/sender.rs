//! Delivering reminders through the webhook.
//!
//! Each reminder is claimed by exactly one sender, however many servers
//! (or cron runs) look at the outbox: one `UPDATE … RETURNING` moves due
//! rows to `sending` under this sender's name, with `FOR UPDATE SKIP
//! LOCKED` on PostgreSQL (another sender skips rows being claimed instead
//! of waiting for them) and SQLite's single writer (taken through the write
//! gate) on SQLite. A claim is a lease: a sender that dies mid-way leaves
//! rows that another takes over once the lease ends; the idempotency key
//! (the reminder's id) lets the gateway drop the rare second copy.
//!
//! The webhook gets `POST {phone, message, idempotency_key, channel}`
//! with `Authorization: Bearer <token>`. 2xx: sent. 408, 429, 5xx, a
//! timeout or no connection: tried again later, waiting `base × 2^n`
//! (jittered, capped) until `reminder_max_attempts`, then failed. Any other
//! answer means the gateway refuses this message (a bad number): failed
//! at once. Every attempt is a row in `reminder_attempts`.

use std::{fmt, time::Duration};

use anyhow::Context;
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::Serialize;
use tokio::{sync::Mutex, time::Instant};

use super::SenderSettings;
use crate::{
    clock::now,
    server::{
        db::{Backend, Db},
        lifecycle::Lifecycle,
    },
};

/// Reminders claimed at a time: few, so a stopping sender holds little.
const BATCH: i64 = 10;

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub sent: u64,
    pub retry: u64,
    pub failed: u64,
}

impl Tally {
    pub fn is_empty(&self) -> bool {
        self.sent + self.retry + self.failed == 0
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} sent, {} to retry, {} failed",
            self.sent, self.retry, self.failed
        )
    }
}

/// A reminder this sender holds.
struct Claimed {
    id: String,
    recipient: String,
    body: String,
    channel: String,
    /// This attempt's number (1 for the first).
    attempt: i64,
}

#[derive(Serialize)]
struct Message<'a> {
    phone: &'a str,
    message: &'a str,
    idempotency_key: &'a str,
    channel: &'a str,
}

/// How one call went.
enum Outcome {
    Sent(u16),
    /// Worth trying again (HTTP status if there was an answer).
    Retry(Option<u16>, String),
    /// The gateway refused this message.
    Refused(u16, String),
}

pub struct Sender {
    db: Db,
    settings: SenderSettings,
    client: reqwest::Client,
    /// Names this process's claims (and its attempts).
    name: String,
    /// When the next call may go out (the per-minute rate).
    next_call: Mutex<Instant>,
}

impl Sender {
    pub fn new(db: Db, settings: SenderSettings) -> anyhow::Result<Sender> {
        let timeout = Duration::from_secs(settings.reminder_timeout_secs.max(1));
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("hocvu/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the webhook client")?;
        let host = std::env::var("HOSTNAME").unwrap_or_default();
        Ok(Sender {
            db,
            settings,
            client,
            name: format!(
                "{host}:{}:{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ),
            next_call: Mutex::new(Instant::now()),
        })
    }

    /// The webhook's host, for logs (never the token or the path).
    pub fn webhook_host(&self) -> String {
        reqwest::Url::parse(&self.settings.reminder_webhook_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "(invalid URL)".into())
    }

    /// Sends every reminder due when the pass begins, each at most once,
    /// in small claimed batches, until none is left or the server stops.
    /// (A retry falls due later: the next pass, or the next cron run.)
    pub async fn run_once(&self, lifecycle: &Lifecycle) -> anyhow::Result<Tally> {
        let due_by = now();
        let mut tally = Tally::default();
        while !lifecycle.is_stopping() {
            let claimed = self.claim(due_by).await?;
            if claimed.is_empty() {
                break;
            }
            let mut held = claimed.into_iter();
            for reminder in held.by_ref() {
                self.pace().await;
                let started = now_ms();
                let outcome = self.deliver(&reminder).await;
                let finished = now_ms();
                match self.record(&reminder, &outcome, started, finished).await? {
                    Recorded::Sent => tally.sent += 1,
                    Recorded::Retry => tally.retry += 1,
                    Recorded::Failed => tally.failed += 1,
                }
                if lifecycle.is_stopping() {
                    break;
                }
            }
            self.release(held.map(|r| r.id).collect()).await?;
        }
        Ok(tally)
    }

    /// Claims up to `BATCH` due reminders (and any whose sender's lease ran
    /// out) for this sender.
    async fn claim(&self, due_by: i64) -> anyhow::Result<Vec<Claimed>> {
        let now = now();
        let per_call = 60.0 / f64::from(self.settings.reminder_rate_per_minute.max(1));
        let lease = now
            + (BATCH as f64 * (per_call + self.settings.reminder_timeout_secs as f64)) as i64
            + 60;
        let lock = match self.db.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE reminder_outbox \
             SET status = 'sending', claimed_by = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM reminder_outbox \
                 WHERE (status = 'queued' AND next_attempt_at <= $3) \
                    OR (status = 'sending' AND lease_until < $3) \
                 ORDER BY next_attempt_at, created_at LIMIT $4 {lock}) \
             RETURNING id, recipient, body, channel, attempts"
        );
        let mut tx = self.db.begin_write().await?;
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(&sql)
            .bind(&self.name)
            .bind(lease)
            .bind(due_by)
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await
            .context("claiming reminders")?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(id, recipient, body, channel, attempt)| Claimed {
                id,
                recipient,
                body,
                channel,
                attempt,
            })
            .collect())
    }

    /// Hands back claimed reminders not tried (the sender is stopping).
    async fn release(&self, ids: Vec<String>) -> anyhow::Result<()> {
        for id in ids {
            let mut tx = self.db.begin_write().await?;
            sqlx::query(
                "UPDATE reminder_outbox SET status = 'queued', attempts = attempts - 1, \
                 claimed_by = NULL, lease_until = NULL \
                 WHERE id = $1 AND claimed_by = $2 AND status = 'sending'",
            )
            .bind(&id)
            .bind(&self.name)
            .execute(&mut *tx)
            .await
            .context("releasing a reminder")?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Waits for this sender's next slot under `reminder_rate_per_minute`.
    async fn pace(&self) {
        let gap = Duration::from_secs_f64(
            60.0 / f64::from(self.settings.reminder_rate_per_minute.max(1)),
        );
        let mut next = self.next_call.lock().await;
        tokio::time::sleep_until(*next).await;
        *next = Instant::now() + gap;
    }

    async fn deliver(&self, reminder: &Claimed) -> Outcome {
        let started = std::time::Instant::now();
        let mut request = self
            .client
            .post(&self.settings.reminder_webhook_url)
            .header("Idempotency-Key", &reminder.id)
            .json(&Message {
                phone: &reminder.recipient,
                message: &reminder.body,
                idempotency_key: &reminder.id,
                channel: &reminder.channel,
            });
        if let Some(token) = self.settings.token() {
            request = request.bearer_auth(token);
        }
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response.status();
                let code = status.as_u16();
                if status.is_success() {
                    Outcome::Sent(code)
                } else if code == 408 || code == 429 || status.is_server_error() {
                    Outcome::Retry(Some(code), format!("HTTP {code}"))
                } else {
                    let text = response.text().await.unwrap_or_default();
                    let text: String = text.chars().take(200).collect();
                    Outcome::Refused(code, format!("HTTP {code}: {text}"))
                }
            }
            Err(err) if err.is_timeout() => Outcome::Retry(None, "timed out".into()),
            Err(err) => Outcome::Retry(None, without_url(err)),
        };
        metrics::histogram!("hocvu_reminder_delivery_seconds")
            .record(started.elapsed().as_secs_f64());
        outcome
    }

    /// Stores what happened: the reminder's new state and the attempt.
    async fn record(
        &self,
        reminder: &Claimed,
        outcome: &Outcome,
        started_ms: i64,
        finished_ms: i64,
    ) -> anyhow::Result<Recorded> {
        let now = now();
        let last = reminder.attempt >= self.settings.reminder_max_attempts.max(1);
        let (recorded, status, error) = match outcome {
            Outcome::Sent(code) => (Recorded::Sent, Some(*code), None),
            Outcome::Retry(code, error) if !last => (Recorded::Retry, *code, Some(error.clone())),
            Outcome::Retry(code, error) => (Recorded::Failed, *code, Some(error.clone())),
            Outcome::Refused(code, error) => (Recorded::Failed, Some(*code), Some(error.clone())),
        };
        let mut tx = self.db.begin_write().await?;
        // `claimed_by = me`: had the lease run out and another sender taken
        // the reminder over, its own outcome counts, not this one.
        let error_text = error.clone().unwrap_or_default();
        let update = match recorded {
            Recorded::Sent => sqlx::query(
                "UPDATE reminder_outbox SET status = 'sent', sent_at = $1, last_error = NULL, \
                 claimed_by = NULL, lease_until = NULL WHERE id = $2 AND claimed_by = $3",
            )
            .bind(now),
            Recorded::Retry => sqlx::query(
                "UPDATE reminder_outbox SET status = 'queued', next_attempt_at = $1, \
                 last_error = $4, claimed_by = NULL, lease_until = NULL \
                 WHERE id = $2 AND claimed_by = $3",
            )
            // Rounded up to the next second: never sooner than the back-off.
            .bind((now_ms() + self.backoff_ms(reminder.attempt) + 999) / 1000),
            Recorded::Failed => sqlx::query(
                "UPDATE reminder_outbox SET status = 'failed', last_error = $1, \
                 claimed_by = NULL, lease_until = NULL WHERE id = $2 AND claimed_by = $3",
            )
            .bind(error_text.clone()),
        };
        let mut update = update.bind(&reminder.id).bind(&self.name);
        if matches!(recorded, Recorded::Retry) {
            update = update.bind(error_text);
        }
        update
            .execute(&mut *tx)
            .await
            .context("recording a delivery")?;
        sqlx::query(
            "INSERT INTO reminder_attempts (id, reminder_id, attempt, sender, started_at_ms, \
             finished_at_ms, outcome, http_status, error) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&reminder.id)
        .bind(reminder.attempt)
        .bind(&self.name)
        .bind(started_ms)
        .bind(finished_ms)
        .bind(recorded.code())
        .bind(status.map(i64::from))
        .bind(error.clone())
        .execute(&mut *tx)
        .await
        .context("recording an attempt")?;
        tx.commit().await?;
        metrics::counter!("hocvu_reminder_deliveries_total", "outcome" => recorded.code())
            .increment(1);
        match (&recorded, &error) {
            (Recorded::Sent, _) => {}
            (_, Some(error)) => tracing::warn!(
                reminder = %reminder.id,
                attempt = reminder.attempt,
                outcome = recorded.code(),
                "reminder not delivered: {error}"
            ),
            _ => {}
        }
        Ok(recorded)
    }

    /// Milliseconds to wait after attempt `attempt` failed: `base × 2^(n-1)`,
    /// capped, then jittered down by up to half so that senders that failed
    /// together do not all come back together.
    fn backoff_ms(&self, attempt: i64) -> i64 {
        let base = self.settings.reminder_retry_base_secs as f64 * 1000.0;
        let cap = self.settings.reminder_retry_max_secs as f64 * 1000.0;
        let exponent = (attempt - 1).clamp(0, 30) as i32;
        let full = (base * 2f64.powi(exponent)).min(cap);
        // Jitter needs no secret randomness: any fresh seed will do.
        let mut rng = StdRng::seed_from_u64(uuid::Uuid::new_v4().as_u64_pair().0);
        let jittered = full * rng.random_range(0.5..=1.0);
        jittered.ceil() as i64
    }
}

enum Recorded {
    Sent,
    Retry,
    Failed,
}

impl Recorded {
    fn code(&self) -> &'static str {
        match self {
            Recorded::Sent => "sent",
            Recorded::Retry => "retry",
            Recorded::Failed => "failed",
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A transport error without the URL (which may hold a key in its query).
fn without_url(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
