//! Reminders that reach people: a real local HTTP server stands in for the
//! SMS/Zalo gateway, records every call and fails some of them on purpose.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{extract::State, http::HeaderMap, http::StatusCode, routing::post, Json, Router};
use hocvu_tests::{
    add_user, chapter, content_fixture, course_toml, eventually, hocvu, html, location_of,
    orgs::{import_officials, import_units},
    Agent, AppOptions, Backend, TestApp,
};

/// One call the gateway received.
#[derive(Clone, Debug)]
struct Call {
    phone: String,
    key: String,
    message: String,
    authorization: String,
    at: Instant,
    answered: u16,
}

/// What the fake gateway answers for a phone number.
#[derive(Clone, Copy)]
enum Behaviour {
    Accept,
    /// 503 for the first `n` calls about a reminder, then 200.
    FailFirst(usize),
    AlwaysFail,
    /// 400: the number is refused (never worth retrying).
    Refuse,
}

#[derive(Clone, Default)]
struct Gateway {
    calls: Arc<Mutex<Vec<Call>>>,
    behaviour: Arc<Mutex<BTreeMap<String, Behaviour>>>,
    delay: Arc<Mutex<Duration>>,
}

impl Gateway {
    /// Serves on 127.0.0.1:0; the webhook URL.
    async fn start(&self) -> String {
        let app = Router::new()
            .route("/sms", post(receive))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/sms")
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    fn set(&self, phone: &str, behaviour: Behaviour) {
        self.behaviour
            .lock()
            .unwrap()
            .insert(phone.to_string(), behaviour);
    }
}

async fn receive(
    State(gateway): State<Gateway>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> StatusCode {
    let delay = *gateway.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let phone = body["phone"].as_str().unwrap_or_default().to_string();
    let key = body["idempotency_key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let behaviour = gateway
        .behaviour
        .lock()
        .unwrap()
        .get(&phone)
        .copied()
        .unwrap_or(Behaviour::Accept);
    let mut calls = gateway.calls.lock().unwrap();
    let earlier = calls.iter().filter(|c| c.key == key).count();
    let answered = match behaviour {
        Behaviour::Accept => 200,
        Behaviour::FailFirst(n) if earlier < n => 503,
        Behaviour::FailFirst(_) => 200,
        Behaviour::AlwaysFail => 500,
        Behaviour::Refuse => 400,
    };
    calls.push(Call {
        phone,
        key,
        message: body["message"].as_str().unwrap_or_default().to_string(),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        at: Instant::now(),
        answered,
    });
    StatusCode::from_u16(answered).unwrap()
}

/// `count` officials in one unit, all overdue on one course, reminded by
/// the admin: `count` reminders queued. Returns the app, the admin and the
/// phones (as stored, `+84…`).
async fn overdue_officials(
    backend: Backend,
    count: usize,
    env: &[(&str, String)],
) -> Option<(TestApp, Agent, Vec<String>, tempfile::TempDir)> {
    let content = content_fixture(&[
        (
            "bat-buoc/course.toml",
            &course_toml("Chuyển đổi số bắt buộc", "all", &["01-mot.md"]),
        ),
        (
            "bat-buoc/01-mot.md",
            &chapter("mot", "Bài một", "Nội dung."),
        ),
    ]);
    let options = AppOptions {
        content: Some(content.path().to_path_buf()),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        ..AppOptions::default()
    };
    let app = TestApp::spawn_with(backend, options).await?;
    let admin = add_user(&app, "quantri", "Quản Trị Viên", "admin").await;
    import_units(&admin, "code,name,parent_code\nTINH,Tỉnh Thử Nghiệm,\n").await;
    let mut csv = String::from("full_name,login,unit_code,position\n");
    let mut phones = Vec::new();
    for i in 0..count {
        csv.push_str(&format!("Cán Bộ Số {i},09130{i:05},TINH,Chuyên viên\n"));
        phones.push(format!("+849130{i:05}"));
    }
    import_officials(&admin, &csv).await;
    let assigned = admin
        .post_form(
            "/assignments",
            &[
                ("course", "bat-buoc"),
                ("unit_code", "TINH"),
                ("positions", ""),
                ("due_on", "2020-01-10"),
                ("confirm_past_due", "1"),
            ],
        )
        .await;
    assert_eq!(assigned.status(), 303);
    let reminded = admin
        .post_form("/reports/overdue/remind", &[("unit", "TINH")])
        .await;
    assert_eq!(
        location_of(&reminded),
        format!("/reports/overdue?unit=TINH&queued={count}")
    );
    Some((app, admin, phones, content))
}

fn sender_env(webhook: &str) -> Vec<(&'static str, String)> {
    vec![
        ("HOCVU_REMINDER_WEBHOOK_URL", webhook.to_string()),
        ("HOCVU_REMINDER_WEBHOOK_TOKEN", "khoa-cua-cong-sms".into()),
        ("HOCVU_REMINDER_MAX_ATTEMPTS", "3".into()),
        ("HOCVU_REMINDER_RETRY_BASE_SECS", "1".into()),
        ("HOCVU_REMINDER_RATE_PER_MINUTE", "600".into()),
        ("HOCVU_REMINDER_TIMEOUT_SECS", "5".into()),
    ]
}

async fn send_once(app: &TestApp, env: &[(&'static str, String)]) -> String {
    let url = app.database.url();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (ok, stdout, stderr) =
        hocvu(&["reminders", "send", "--database-url", url.as_str()], &env).await;
    assert!(ok, "reminders send failed: {stderr}");
    stdout
}

async fn status_of(app: &TestApp, phone: &str) -> (String, i64) {
    let status = app
        .text(&format!(
            "SELECT status FROM reminder_outbox WHERE recipient = '{phone}'"
        ))
        .await;
    let attempts = app
        .scalar(&format!(
            "SELECT attempts FROM reminder_outbox WHERE recipient = '{phone}'"
        ))
        .await;
    (status, attempts)
}

async fn reminders_are_delivered_once_retried_and_finally_failed(backend: Backend) {
    let Some((app, admin, phones, _content)) = overdue_officials(backend, 6, &[]).await else {
        return;
    };
    let gateway = Gateway::default();
    let webhook = gateway.start().await;
    let flaky = phones[1].clone();
    let dead = phones[2].clone();
    let refused = phones[3].clone();
    gateway.set(&flaky, Behaviour::FailFirst(2));
    gateway.set(&dead, Behaviour::AlwaysFail);
    gateway.set(&refused, Behaviour::Refuse);
    let env = sender_env(&webhook);

    // cron runs `hocvu reminders send` until nothing is left to try.
    let first = send_once(&app, &env).await;
    assert!(
        first.contains("reminders: 3 sent, 2 to retry, 1 failed"),
        "{first}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while app
        .scalar("SELECT COUNT(*) FROM reminder_outbox WHERE status IN ('queued', 'sending')")
        .await
        > 0
    {
        assert!(Instant::now() < deadline, "reminders still pending");
        tokio::time::sleep(Duration::from_millis(300)).await;
        send_once(&app, &env).await;
    }

    let calls = gateway.calls();
    // Each reminder delivered exactly once.
    let mut delivered: BTreeMap<String, usize> = BTreeMap::new();
    for call in calls.iter().filter(|c| c.answered == 200) {
        *delivered.entry(call.key.clone()).or_default() += 1;
    }
    assert!(delivered.values().all(|n| *n == 1), "{delivered:?}");
    assert_eq!(delivered.len(), 4, "all but the dead and refused numbers");
    for phone in [&phones[0], &phones[4], &phones[5]] {
        assert_eq!(status_of(&app, phone).await, ("sent".into(), 1), "{phone}");
    }
    // Retried with back-off, then sent.
    assert_eq!(status_of(&app, &flaky).await, ("sent".into(), 3));
    let flaky_calls: Vec<&Call> = calls.iter().filter(|c| c.phone == flaky).collect();
    assert_eq!(flaky_calls.len(), 3);
    for pair in flaky_calls.windows(2) {
        let waited = pair[1].at - pair[0].at;
        assert!(waited >= Duration::from_millis(450), "back-off {waited:?}");
    }
    // Given up after the last attempt; refused at once.
    assert_eq!(status_of(&app, &dead).await, ("failed".into(), 3));
    assert_eq!(calls.iter().filter(|c| c.phone == dead).count(), 3);
    assert_eq!(status_of(&app, &refused).await, ("failed".into(), 1));
    // A record of every attempt.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM reminder_attempts").await,
        calls.len() as i64
    );
    let outcomes = app
        .texts(&format!(
            "SELECT a.outcome FROM reminder_attempts a JOIN reminder_outbox r \
             ON a.reminder_id = r.id WHERE r.recipient = '{flaky}' ORDER BY a.attempt"
        ))
        .await;
    assert_eq!(outcomes, ["retry", "retry", "sent"]);
    // What the gateway got: the token, the phone, the message, the key.
    for call in &calls {
        assert_eq!(call.authorization, "Bearer khoa-cua-cong-sms");
        assert!(call.message.contains("Chuyển đổi số bắt buộc"), "{call:?}");
        assert!(uuid::Uuid::parse_str(&call.key).is_ok());
    }
    // The per-minute rate (600: one call per 100 ms) holds within a run.
    let mut first_tries: Vec<Instant> = calls.iter().take(6).map(|c| c.at).collect();
    first_tries.sort();
    for pair in first_tries.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(90),
            "calls {:?} apart",
            pair[1] - pair[0]
        );
    }

    // Supervisors see each reminder's delivery on the overdue list.
    let page = admin.page("/reports/overdue?unit=TINH").await;
    let shown: BTreeMap<String, String> = html::keyed_texts(
        &page,
        "table.overdue tr[data-login]",
        "data-login",
        "td.reminder",
    )
    .into_iter()
    .collect();
    let states: BTreeMap<String, String> = html::attrs(&page, "td.reminder", "data-reminder")
        .into_iter()
        .zip(html::attrs(
            &page,
            "table.overdue tr[data-login]",
            "data-login",
        ))
        .map(|(state, login)| (login, state))
        .collect();
    assert_eq!(states[&phones[0]], "sent");
    assert_eq!(states[&dead], "failed");
    assert!(shown[&phones[0]].starts_with("Đã gửi"), "{shown:?}");
    assert!(shown[&dead].contains("3 lần thử"), "{shown:?}");
}

async fn two_senders_never_send_the_same_reminder(backend: Backend) {
    let Some((app, _admin, phones, _content)) = overdue_officials(backend, 30, &[]).await else {
        return;
    };
    let gateway = Gateway::default();
    *gateway.delay.lock().unwrap() = Duration::from_millis(30);
    let webhook = gateway.start().await;
    let mut env = sender_env(&webhook);
    env.push(("HOCVU_REMINDER_RATE_PER_MINUTE", "60000".into()));

    let (a, b) = tokio::join!(send_once(&app, &env), send_once(&app, &env));
    println!("sender A: {a}sender B: {b}");

    let calls = gateway.calls();
    assert_eq!(calls.len(), phones.len(), "one call per reminder");
    let mut keys: Vec<&str> = calls.iter().map(|c| c.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), phones.len(), "no reminder sent twice");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM reminder_outbox WHERE status = 'sent'")
            .await,
        phones.len() as i64
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM reminder_attempts").await,
        phones.len() as i64
    );
}

async fn the_worker_in_the_server_delivers_what_is_queued(backend: Backend) {
    let gateway = Gateway::default();
    let webhook = gateway.start().await;
    let env = vec![
        ("HOCVU_REMINDER_WORKER", "true".to_string()),
        ("HOCVU_REMINDER_POLL_SECS", "1".into()),
        ("HOCVU_REMINDER_WEBHOOK_URL", webhook),
        ("HOCVU_REMINDER_RATE_PER_MINUTE", "6000".into()),
    ];
    let Some((app, admin, phones, _content)) = overdue_officials(backend, 3, &env).await else {
        return;
    };
    let sent = eventually(15, || async {
        app.scalar("SELECT COUNT(*) FROM reminder_outbox WHERE status = 'sent'")
            .await
            == 3
    })
    .await;
    assert!(sent, "worker delivered:\n{}", app.log());
    assert_eq!(gateway.calls().len(), phones.len());
    let metrics = admin.page("/metrics").await;
    assert!(
        metrics.contains("hocvu_reminder_deliveries_total{outcome=\"sent\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("hocvu_reminders{status=\"sent\"} 3"));
}

hocvu_tests::on_both_databases!(per backend:
    reminders_are_delivered_once_retried_and_finally_failed,
    two_senders_never_send_the_same_reminder,
    the_worker_in_the_server_delivers_what_is_queued,
);
