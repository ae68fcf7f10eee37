//! The clock and the calendar: unix seconds for storage, local dates for
//! people. Deadlines are dates in Vietnam (UTC+7, no daylight saving): a
//! course due on the 10th is overdue from the 11th, local time. The offset
//! is a setting (`utc_offset_hours`) for a province elsewhere, or a test.

use std::{
    sync::atomic::{AtomicI8, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use time::{Date, Month, OffsetDateTime, UtcOffset};

static LOCAL_OFFSET_HOURS: AtomicI8 = AtomicI8::new(7);

/// Sets the local offset from UTC, in whole hours (-12..=14), at start-up.
pub fn set_local_offset_hours(hours: i8) -> anyhow::Result<()> {
    anyhow::ensure!(
        (-12..=14).contains(&hours),
        "utc_offset_hours must be between -12 and 14, not {hours}"
    );
    LOCAL_OFFSET_HOURS.store(hours, Ordering::Relaxed);
    Ok(())
}

/// Seconds since 1970-01-01 UTC.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn local_time(unix: i64) -> OffsetDateTime {
    let hours = LOCAL_OFFSET_HOURS.load(Ordering::Relaxed);
    let offset = UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

fn local(unix: i64) -> Date {
    local_time(unix).date()
}

/// Local date and time of a unix time as people in Vietnam write it:
/// `30/11/2026 14:05`.
pub fn when(unix: i64) -> String {
    let t = local_time(unix);
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// A local time for a message about a wait: `14:05` when it is still
/// today (local) at `now`, else `01/12/2026 14:05`.
pub fn time_or_when(unix: i64, now: i64) -> String {
    if local(unix) == local(now) {
        let t = local_time(unix);
        format!("{:02}:{:02}", t.hour(), t.minute())
    } else {
        when(unix)
    }
}

fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The local date of a unix time, `YYYY-MM-DD`.
pub fn date_of(unix: i64) -> String {
    format_date(local(unix))
}

/// Today's local date, `YYYY-MM-DD`.
pub fn today() -> String {
    date_of(now())
}

fn calendar_date(input: &str) -> Option<Date> {
    let mut parts = input.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if !(2000..=2100).contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// A `YYYY-MM-DD` date that exists in the calendar (years 2000-2100).
pub fn parse_date(input: &str) -> Option<String> {
    calendar_date(input).map(format_date)
}

/// Days from `from` to `to` (both `YYYY-MM-DD`), or 0 if either is bad.
pub fn days_between(from: &str, to: &str) -> i64 {
    match (calendar_date(from), calendar_date(to)) {
        (Some(a), Some(b)) => (b - a).whole_days(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_and_local() {
        assert_eq!(parse_date("2026-02-28").as_deref(), Some("2026-02-28"));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("26-2-1"), None);
        assert_eq!(parse_date("2026-2-1").as_deref(), Some("2026-02-01"));
        // 2026-01-01 17:00 UTC is already the 2nd in Vietnam.
        assert_eq!(date_of(1_767_286_800), "2026-01-02");
        assert_eq!(days_between("2026-01-30", "2026-02-02"), 3);
    }

    #[test]
    fn a_wait_shows_the_time_today_and_the_date_later() {
        // 2026-01-02 03:00 UTC is 10:00 in Vietnam.
        let now = 1_767_322_800;
        assert_eq!(time_or_when(now + 3_600, now), "11:00");
        assert_eq!(time_or_when(now + 86_400, now), "03/01/2026 10:00");
    }
}
