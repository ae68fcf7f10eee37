//! Server side of reminders: settings, the in-process worker, what the
//! overdue list and `/metrics` read about the outbox.

pub mod sender;

use std::{collections::HashMap, time::Duration};

use anyhow::Context;
use config::builder::{ConfigBuilder, DefaultState};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{Delivery, ReminderState};
use crate::{
    clock::date_of,
    server::{db::Db, lifecycle::Lifecycle},
};
pub use sender::{Sender, Tally};

/// How reminders are delivered (`reminder_*` settings, `HOCVU_REMINDER_*`).
#[derive(Clone, Debug, Deserialize)]
pub struct SenderSettings {
    /// Where each reminder is POSTed as JSON; empty: nothing is sent.
    pub reminder_webhook_url: String,
    /// Sent as `Authorization: Bearer …` (empty: no header).
    pub reminder_webhook_token: SecretString,
    /// Deliver from inside the server (otherwise: `hocvu reminders send`).
    pub reminder_worker: bool,
    /// How often the worker looks for due reminders.
    pub reminder_poll_secs: u64,
    /// One webhook call may take this long.
    pub reminder_timeout_secs: u64,
    /// Attempts before a reminder is marked failed.
    pub reminder_max_attempts: i64,
    /// Wait before the first retry; doubled each time, with jitter.
    pub reminder_retry_base_secs: u64,
    /// Longest wait between two attempts.
    pub reminder_retry_max_secs: u64,
    /// Calls per minute, at most, from one sender.
    pub reminder_rate_per_minute: u32,
}

impl SenderSettings {
    pub fn defaults(
        builder: ConfigBuilder<DefaultState>,
    ) -> Result<ConfigBuilder<DefaultState>, config::ConfigError> {
        builder
            .set_default("reminder_webhook_url", "")?
            .set_default("reminder_webhook_token", "")?
            .set_default("reminder_worker", false)?
            .set_default("reminder_poll_secs", 30)?
            .set_default("reminder_timeout_secs", 10)?
            .set_default("reminder_max_attempts", 5)?
            .set_default("reminder_retry_base_secs", 60)?
            .set_default("reminder_retry_max_secs", 3600)?
            .set_default("reminder_rate_per_minute", 60)
    }

    pub fn webhook_configured(&self) -> bool {
        !self.reminder_webhook_url.trim().is_empty()
    }

    fn token(&self) -> Option<&str> {
        Some(self.reminder_webhook_token.expose_secret().trim()).filter(|t| !t.is_empty())
    }
}

/// Starts the delivery worker when `reminder_worker` is on. It stops
/// claiming once the server drains; a reminder it holds is finished first.
pub fn start_worker(
    db: &Db,
    reminders: &SenderSettings,
    lifecycle: &Lifecycle,
) -> anyhow::Result<()> {
    if !reminders.reminder_worker {
        return Ok(());
    }
    anyhow::ensure!(
        reminders.webhook_configured(),
        "reminder_worker is on but reminder_webhook_url is empty"
    );
    let sender = Sender::new(db.clone(), reminders.clone())?;
    let poll = Duration::from_secs(reminders.reminder_poll_secs.max(1));
    let lifecycle = lifecycle.clone();
    tracing::info!(webhook = %sender.webhook_host(), "reminder worker started");
    tokio::spawn(async move {
        loop {
            match sender.run_once(&lifecycle).await {
                Ok(tally) if tally.is_empty() => {}
                Ok(tally) => tracing::info!(%tally, "reminders delivered"),
                Err(err) => tracing::error!("reminder delivery: {err:#}"),
            }
            tokio::select! {
                _ = lifecycle.stopped() => break,
                _ = tokio::time::sleep(poll) => {}
            }
        }
        tracing::info!("reminder worker stopped");
    });
    Ok(())
}

/// Reminders by delivery state, for `/metrics`.
pub async fn outbox_depth(db: &Db) -> anyhow::Result<Vec<(&'static str, i64)>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM reminder_outbox GROUP BY status")
            .fetch_all(db.reads())
            .await
            .context("counting reminders")?;
    let counts: HashMap<String, i64> = rows.into_iter().collect();
    Ok([
        Delivery::Queued,
        Delivery::Sending,
        Delivery::Sent,
        Delivery::Failed,
    ]
    .into_iter()
    .map(|d| (d.code(), counts.get(d.code()).copied().unwrap_or(0)))
    .collect())
}

/// The latest reminder (of the last 60 days) to each person about each of
/// `assignments`: (user id, assignment id) -> state.
pub async fn latest(
    db: &Db,
    assignments: &[&str],
    since: i64,
) -> anyhow::Result<HashMap<(String, String), ReminderState>> {
    let mut latest = HashMap::new();
    for chunk in assignments.chunks(crate::server::db::BIND_BATCH) {
        let sql = format!(
            "SELECT user_id, assignment_id, status, queued_on, attempts, sent_at \
             FROM reminder_outbox WHERE created_at >= $1 AND assignment_id IN ({}) \
             ORDER BY created_at",
            crate::server::db::placeholders(2, chunk.len())
        );
        let mut query =
            sqlx::query_as::<_, (String, String, String, String, i64, Option<i64>)>(&sql)
                .bind(since);
        for id in chunk {
            query = query.bind(*id);
        }
        for (user, assignment, status, queued_on, attempts, sent_at) in query
            .fetch_all(db.reads())
            .await
            .context("reading reminder deliveries")?
        {
            let Some(delivery) = Delivery::parse(&status) else {
                continue;
            };
            latest.insert(
                (user, assignment),
                ReminderState {
                    delivery,
                    queued_on,
                    attempts,
                    sent_on: sent_at.map(date_of),
                },
            );
        }
    }
    Ok(latest)
}

/// `hocvu reminders send`: one pass over the outbox, then exit (for cron).
pub async fn send_once(db: Db, settings: &SenderSettings) -> anyhow::Result<Tally> {
    anyhow::ensure!(
        settings.webhook_configured(),
        "set reminder_webhook_url (or HOCVU_REMINDER_WEBHOOK_URL) to send reminders"
    );
    let sender = Sender::new(db, settings.clone())?;
    // Ctrl-C or SIGTERM: finish the reminder being sent, hand back the rest.
    let lifecycle = Lifecycle::default();
    let stop = lifecycle.clone();
    tokio::spawn(async move {
        crate::server::lifecycle::shutdown_signal().await;
        stop.draining();
    });
    sender.run_once(&lifecycle).await
}
