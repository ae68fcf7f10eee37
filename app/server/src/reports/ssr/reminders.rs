//! The reminder outbox: a supervisor asks for reminders to everyone overdue
//! in their subtree; one message per person and assignment per day waits in
//! `reminder_outbox` for a future SMS/Zalo sender. Nothing is delivered here.

use axum::{extract::State, http::request::Parts, response::Response};
use serde::Deserialize;

use super::{overdue_lines, Gathered, Names, OverduePage, View, OVERDUE_PAGE};
use crate::{
    accounts::ssr::audit::{self, Action},
    clock::now,
    server::AppState,
    ui::{i18n::Lang, officials_texts::officials_texts_of},
    web::{links, see_other, with_query, AppError, Form, RequireRole},
};

#[derive(Deserialize)]
pub struct RemindForm {
    #[serde(default)]
    unit: String,
}

/// The message an official receives (Vietnamese: it goes to their phone),
/// with the date as people write it (`30/11/2026`).
pub fn message(name: &str, course: &str, due_on: &str, link: &str) -> String {
    let due_on = crate::ui::day_month_year(due_on);
    (officials_texts_of(Lang::Vi).reminder_sms)(name, course, &due_on, link)
}

/// `POST /reports/overdue/remind`
pub async fn queue(
    State(state): State<AppState>,
    RequireRole { user, .. }: RequireRole<OverduePage>,
    parts: Parts,
    Form(form): Form<RemindForm>,
) -> Result<Response, AppError> {
    let Some(origin) = state
        .public_url
        .origin(&parts.headers, state.sessions.secure_cookies)
    else {
        // Never store a link built from a Host header anyone can write.
        return Err(AppError::form(
            OVERDUE_PAGE,
            "public_url",
            &[("unit", &form.unit)],
        ));
    };
    let catalog = state.content.catalog();
    let view = View::resolve(&state.db, &user, &form.unit)
        .await?
        .ok_or(AppError::NotFound)?;
    let gathered = Gathered::load(&state.db, &view, Names::All).await?;
    let lines = overdue_lines(&view, &gathered, &catalog);
    let now = now();
    let today = gathered.today.clone();
    let mut queued = 0u64;
    let mut tx = state.db.begin_write().await?;
    for (line, user_id, duty) in &lines {
        if line.phone.is_empty() {
            continue; // nowhere to send it; the list shows them to call
        }
        let link = format!("{origin}{}", links::course(&duty.course));
        queued += sqlx::query(
            "INSERT INTO reminder_outbox \
             (id, user_id, assignment_id, channel, recipient, body, queued_on, created_at) \
             VALUES ($1, $2, $3, 'sms', $4, $5, $6, $7) \
             ON CONFLICT (assignment_id, user_id, queued_on) DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(user_id)
        .bind(&duty.id)
        .bind(&line.phone)
        .bind(message(&line.name, &line.course_title, &line.due_on, &link))
        .bind(&today)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    let code = view.unit.map(|u| u.code).unwrap_or_default();
    audit::record(
        &mut tx,
        Some(&user.id),
        Action::RemindersQueued,
        if code.is_empty() { "*" } else { &code },
        &format!("{queued} queued"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&with_query(
        OVERDUE_PAGE,
        &[("unit", &code), ("queued", &queued.to_string())],
    )))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_text_message_is_in_vietnamese() {
        assert_eq!(
            super::message("Lan", "An toàn số", "01/03/2026", "https://h.vn/courses/a"),
            "Hocvu: Kính gửi Lan, khóa học bắt buộc \"An toàn số\" đã quá hạn (01/03/2026). \
             Đề nghị đồng chí hoàn thành sớm tại https://h.vn/courses/a"
        );
    }
}
