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
    use crate::ui::{
        day_month_year,
        i18n::{use_lang, Lang},
    };
    let vi = use_lang() == Lang::Vi;
    let Some(state) = state else {
        return if vi { "Chưa nhắc" } else { "Not reminded" }.to_string();
    };
    match (state.delivery, vi) {
        (Delivery::Queued, true) if state.attempts > 0 => {
            format!("Chờ gửi lại (đã thử {} lần)", state.attempts)
        }
        (Delivery::Queued, false) if state.attempts > 0 => {
            format!("Waiting to retry ({} attempts)", state.attempts)
        }
        (Delivery::Queued, true) => "Đang chờ gửi".to_string(),
        (Delivery::Queued, false) => "Waiting to be sent".to_string(),
        (Delivery::Sending, true) => "Đang gửi".to_string(),
        (Delivery::Sending, false) => "Sending".to_string(),
        (Delivery::Sent, true) => format!(
            "Đã gửi {}",
            day_month_year(state.sent_on.as_deref().unwrap_or(&state.queued_on))
        ),
        (Delivery::Sent, false) => format!(
            "Sent {}",
            day_month_year(state.sent_on.as_deref().unwrap_or(&state.queued_on))
        ),
        (Delivery::Failed, true) => {
            format!("Gửi không được ({} lần thử) — hãy gọi điện", state.attempts)
        }
        (Delivery::Failed, false) => {
            format!("Not delivered ({} attempts) — please call", state.attempts)
        }
    }
}

/// The column heading on the overdue list.
pub fn column_heading() -> &'static str {
    use crate::ui::i18n::{use_lang, Lang};
    match use_lang() {
        Lang::Vi => "Nhắc nhở",
        Lang::En => "Reminder",
    }
}
