//! Housekeeping: clearing away what nobody will come back for, every
//! `housekeeping_secs` (an hour by default) on every server. Each step is
//! an idempotent delete, so several servers doing it at once agree.

use std::time::Duration;

use super::{db::Db, lifecycle::Lifecycle, AppState};
use crate::accounts::ssr::{guests, SessionConfig};

/// Runs the steps every `every` until the server stops.
pub fn start(state: &AppState, every: Duration, lifecycle: &Lifecycle) {
    let (state, lifecycle) = (state.clone(), lifecycle.clone());
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = lifecycle.stopped() => break,
                _ = tokio::time::sleep(every) => {}
            }
            run_once(&state.db, &state.sessions).await;
            match crate::classes::ssr::end_forgotten(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(classes = n, "classes left open were ended"),
                Err(err) => tracing::error!("ending classes left open: {err:#}"),
            }
        }
    });
}

/// Empty guests (see `guests::purge_empty`); drafts nobody published in
/// 30 days and the stored files only they used.
pub async fn run_once(db: &Db, sessions: &SessionConfig) {
    let now = crate::clock::now();
    match guests::purge_empty(db, sessions.guest_idle, now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(guests = n, "empty guests removed"),
        Err(err) => tracing::error!("removing empty guests: {err:#}"),
    }
    match crate::publishing::ssr::drafts::expire(db, now).await {
        Ok((0, 0)) => {}
        Ok((drafts, files)) => tracing::info!(drafts, files, "old drafts removed"),
        Err(err) => tracing::error!("removing old drafts: {err:#}"),
    }
}
