//! The reminder outbox: a supervisor asks for reminders to everyone overdue
//! in their subtree; one message per person and assignment per day waits in
//! `reminder_outbox` for a future SMS/Zalo sender. Nothing is delivered here.

use axum::{
    extract::State,
    http::request::Parts,
    response::{IntoResponse, Response},
    Form,
};
use serde::Deserialize;

use super::{overdue_lines, Gathered, Names, View};
use crate::{
    accounts::{
        ssr::{
            admin::require_role,
            audit::{self, Action},
            handlers::{see_other, server_error},
            session::now,
        },
        with_query, Role,
    },
    server::AppState,
};

#[derive(Deserialize)]
pub struct RemindForm {
    #[serde(default)]
    unit: String,
}

/// The message an official receives (Vietnamese: it goes to their phone).
fn message(name: &str, course: &str, due_on: &str, link: &str) -> String {
    format!(
        "Hocvu: Kính gửi {name}, khóa học bắt buộc \"{course}\" đã quá hạn ({due_on}). \
         Đề nghị đồng chí hoàn thành sớm tại {link}"
    )
}

/// `POST /reports/overdue/remind`
pub async fn queue(
    State(state): State<AppState>,
    parts: Parts,
    form: Result<Form<RemindForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let user = match require_role(&parts, &[Role::Admin, Role::Supervisor], "/reports/overdue") {
        Ok(user) => user,
        Err(denied) => return denied.into_response(),
    };
    let unit = form.map(|Form(f)| f.unit).unwrap_or_default();
    let origin = state
        .public_url
        .origin(&parts.headers, state.sessions.secure_cookies);
    let catalog = state.content.catalog();
    let result = async {
        let Some(view) = View::resolve(&state.db, &user, &unit).await? else {
            return Ok(None);
        };
        let gathered = Gathered::load(&state.db, &view, Names::All).await?;
        let lines = overdue_lines(&view, &gathered, &catalog);
        let now = now();
        let today = gathered.today.clone();
        let mut queued = 0u64;
        let mut tx = state.db.pool().begin().await?;
        for (line, user_id, duty) in &lines {
            if line.phone.is_empty() {
                continue; // nowhere to send it; the list shows them to call
            }
            let link = format!("{origin}/courses/{}", duty.course);
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
        let code = view
            .unit
            .as_ref()
            .map_or("*".to_string(), |u| u.code.clone());
        audit::record(
            &mut tx,
            Some(&user.id),
            Action::RemindersQueued,
            &code,
            &format!("{queued} queued"),
            now,
        )
        .await?;
        tx.commit().await?;
        anyhow::Ok(Some((
            queued,
            view.unit.map(|u| u.code).unwrap_or_default(),
        )))
    };
    match result.await {
        Ok(Some((queued, code))) => see_other(&with_query(
            "/reports/overdue",
            &[("unit", &code), ("queued", &queued.to_string())],
        )),
        Ok(None) => (
            axum::http::StatusCode::NOT_FOUND,
            "Không tìm thấy đơn vị. / No such unit.",
        )
            .into_response(),
        Err(err) => server_error(err),
    }
}
