//! Reminders that reach people. Supervisors queue them from the overdue
//! list (`reports`); a sender delivers them through an HTTP webhook (an
//! SMS brandname gateway or Zalo ZNS behind a small adapter): in the server
//! when `reminder_worker` is on, or once per run with `hocvu reminders
//! send` from cron. Supervisors see each one's delivery on the overdue list.

pub mod ssr;

use serde::{Deserialize, Serialize};

hocvu_domain::coded_enum! {
    /// Where a queued reminder is.
    #[derive(Serialize, Deserialize)]
    pub enum Delivery {
        /// Waiting for a sender (first try, or a retry later).
        Queued = "queued",
        /// A sender holds it now.
        Sending = "sending",
        Sent = "sent",
        /// Given up after the last attempt, or refused by the gateway.
        Failed = "failed",
    }
}

/// The latest reminder to one person about one assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderState {
    pub delivery: Delivery,
    /// The day it was queued (`YYYY-MM-DD`).
    pub queued_on: String,
    pub attempts: i64,
    /// The day it was delivered (`YYYY-MM-DD`), if it was.
    pub sent_on: Option<String>,
}

/// What the overdue list says about a reminder, in the page's language.
pub fn delivery_text(state: Option<&ReminderState>) -> String {
    use crate::ui::{day_month_year, officials_texts::ot};
    let tx = ot();
    let Some(state) = state else {
        return tx.reminder_none.to_string();
    };
    match state.delivery {
        Delivery::Queued if state.attempts > 0 => (tx.reminder_retrying)(state.attempts),
        Delivery::Queued => tx.reminder_waiting.to_string(),
        Delivery::Sending => tx.reminder_sending.to_string(),
        Delivery::Sent => (tx.reminder_sent)(&day_month_year(
            state.sent_on.as_deref().unwrap_or(&state.queued_on),
        )),
        Delivery::Failed => (tx.reminder_failed)(state.attempts),
    }
}

/// The column heading on the overdue list.
pub fn column_heading() -> &'static str {
    crate::ui::officials_texts::ot().reminder_column
}
