//! Running it for real: `/readyz`, stopping on SIGTERM without losing an
//! acknowledged write, shedding load past `max_in_flight`, and `/metrics`.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use hocvu_tests::{
    chapter, content_fixture, course_toml, eventually, Agent, AppOptions, Backend, StalledRequest,
    TestApp,
};
use tokio::sync::Mutex;

/// One course `p` with two chapters: something to read and mark read.
fn one_course() -> tempfile::TempDir {
    content_fixture(&[
        (
            "p/course.toml",
            &course_toml("Khóa thử", "all", &["01-a.md", "02-b.md"]),
        ),
        ("p/01-a.md", &chapter("bai-a", "Bài A", "Nội dung A.")),
        (
            "p/01-a.quiz.md",
            "+++\npass_percent = 50\n+++\n\n## Có nên đọc mã OTP cho người lạ? {#otp}\n\n\
             - [ ] Có\n- [x] Không\n\n> Không bao giờ.\n",
        ),
        ("p/02-b.md", &chapter("bai-b", "Bài B", "Nội dung B.")),
    ])
}

async fn app_with(backend: Backend, env: &[(&str, &str)]) -> Option<(TestApp, tempfile::TempDir)> {
    let content = one_course();
    let options = AppOptions {
        content: Some(content.path().to_path_buf()),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..AppOptions::default()
    };
    let app = TestApp::spawn_with(backend, options).await?;
    Some((app, content))
}

fn event_form() -> (String, String) {
    let event = uuid::Uuid::new_v4().to_string();
    (event.clone(), format!("event={event}"))
}

/// Event ids that made it into `progress_events`.
async fn recorded_events(app: &TestApp) -> BTreeSet<String> {
    app.texts("SELECT id FROM progress_events")
        .await
        .into_iter()
        .filter_map(|id| id.rsplit('/').next().map(str::to_string))
        .collect()
}

/// Writers marking chapters read as guests until `stop` is set; every
/// event id the server acknowledged (303) is pushed to `acked`.
fn start_writers(
    app: &TestApp,
    writers: usize,
    acked: Arc<Mutex<Vec<String>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<tokio::task::JoinHandle<usize>> {
    (0..writers)
        .map(|_| {
            let agent = Agent::anonymous(app);
            let acked = acked.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut refused = 0;
                // Each writer is one reader: a guest from its first reading on
                // (new guests per address are limited).
                let mut session: Option<String> = None;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let event = uuid::Uuid::new_v4().to_string();
                    let mut request = agent.post_from_site("/courses/p/bai-a/read");
                    if let Some(cookie) = &session {
                        request = request.header("Cookie", cookie);
                    }
                    let sent = request.form(&[("event", &event)]).send().await;
                    match sent {
                        Ok(response) if response.status() == 303 => {
                            if session.is_none() {
                                session = hocvu_tests::session_cookie_of(&response);
                            }
                            acked.lock().await.push(event)
                        }
                        // Refused or cut off while stopping: not acknowledged.
                        _ => {
                            refused += 1;
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
                refused
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Readiness and shutdown

async fn readyz_is_503_while_draining_then_the_server_exits_cleanly(backend: Backend) {
    let Some((mut app, _content)) = app_with(backend, &[("HOCVU_SHUTDOWN_DRAIN_SECS", "5")]).await
    else {
        return;
    };
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");

    app.terminate();

    // Still answering while it drains, but no longer ready.
    let draining = eventually(4, || async {
        match app.client.get(app.url("/readyz")).send().await {
            Ok(r) => r.status() == 503,
            Err(_) => false,
        }
    })
    .await;
    assert!(draining, "readyz turns 503 on SIGTERM:\n{}", app.log());
    let body: serde_json::Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(body["status"], "draining");
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "alive while draining"
    );

    let status = app.wait_for_exit(15).await;
    assert!(status.success(), "exit status {status:?}:\n{}", app.log());
    assert!(app.log().contains("stopped"), "{}", app.log());
}

async fn sigterm_finishes_requests_in_flight_and_loses_no_acknowledged_write(backend: Backend) {
    let Some((mut app, _content)) = app_with(backend, &[("HOCVU_SHUTDOWN_GRACE_SECS", "10")]).await
    else {
        return;
    };
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers = start_writers(&app, 8, acked.clone(), stop.clone());
    tokio::time::sleep(Duration::from_millis(700)).await;
    // A request the server is in the middle of when the signal comes.
    let (stalled_event, body) = event_form();
    let stalled = StalledRequest::start(&app, "/courses/p/bai-a/read", &body).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    app.terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stalled_status = stalled.finish().await;
    let status = app.wait_for_exit(20).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }

    assert!(status.success(), "exit status {status:?}:\n{}", app.log());
    assert_eq!(
        stalled_status,
        303,
        "the request in flight was finished:\n{}",
        app.log()
    );
    let acked = acked.lock().await.clone();
    assert!(acked.len() > 20, "writers got through: {}", acked.len());
    let recorded = recorded_events(&app).await;
    let lost: Vec<&String> = acked.iter().filter(|e| !recorded.contains(*e)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes lost",
        lost.len(),
        acked.len()
    );
    assert!(
        recorded.contains(&stalled_event),
        "the stalled write is kept"
    );
}

// ---------------------------------------------------------------------------
// Overload

async fn past_max_in_flight_requests_get_a_quick_503_with_retry_after(backend: Backend) {
    let Some((app, _content)) = app_with(backend, &[("HOCVU_MAX_IN_FLIGHT", "2")]).await else {
        return;
    };
    assert_eq!(app.get("/courses/p/bai-a").await.status(), 200);

    // Two requests held open fill the server.
    let mut held = Vec::new();
    let mut events = Vec::new();
    for _ in 0..2 {
        let (event, body) = event_form();
        events.push(event);
        held.push(StalledRequest::start(&app, "/courses/p/bai-a/read", &body).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = std::time::Instant::now();
    let shed = app.get("/courses/p/bai-a").await;
    let took = started.elapsed();
    assert_eq!(shed.status(), 503);
    assert_eq!(
        shed.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert!(took < Duration::from_millis(500), "shed in {took:?}");
    println!("overload: 503 answered in {took:?}");
    // Probes are never shed.
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
    let metrics = app.page("/metrics").await;
    assert!(counter(&metrics, "hocvu_requests_shed_total", &[]) >= 1.0);

    // The held requests still complete, and then there is room again.
    for request in held {
        assert_eq!(request.finish().await, 303);
    }
    assert!(
        eventually(3, || async {
            app.get("/courses/p/bai-a").await.status() == 200
        })
        .await
    );
    let recorded = recorded_events(&app).await;
    assert!(events.iter().all(|e| recorded.contains(e)));
}

// ---------------------------------------------------------------------------
// Metrics

/// The value of the series `name{labels…}` (all of `labels` present), or 0.
/// The sum of a Prometheus series in `/metrics` whose labels include `labels`.
pub(crate) fn counter(metrics: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    metrics
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = match series.split_once('{') {
                Some((m, rest)) => (m, rest),
                None => (series, ""),
            };
            (metric == name
                && labels
                    .iter()
                    .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\""))))
            .then(|| value.parse::<f64>().ok())
            .flatten()
        })
        .sum()
}

async fn metrics_count_requests_by_route_template_and_more(backend: Backend) {
    let Some((app, _content)) = app_with(backend, &[]).await else {
        return;
    };
    let chapter_route = [
        ("route", "/courses/{course}/{chapter}"),
        ("status", "200"),
        ("method", "GET"),
    ];
    let before = app.page("/metrics").await;
    for _ in 0..3 {
        assert_eq!(app.get("/courses/p/bai-a").await.status(), 200);
    }
    assert_eq!(app.get("/courses/p/bai-b").await.status(), 200);
    let wrong = Agent::anonymous(&app)
        .post_form(
            "/signin",
            &[("login", "khong-co-ai"), ("password", "sai mat khau 123")],
        )
        .await;
    assert_ne!(wrong.status(), 200);
    let read = Agent::anonymous(&app).mark_read("p", "bai-a").await;
    assert_eq!(read.status(), 303);
    let (hidden, questions) = crate::quiz::parse_form(&app.page("/courses/p/bai-a/quiz").await);
    let fields = crate::quiz::answers(&hidden, &questions, &["Không"], "");
    let graded = app.post_fields("/courses/p/bai-a/quiz", &fields).await;
    assert_eq!(graded.status(), 303, "quiz graded");
    let after = app.page("/metrics").await;

    assert_eq!(
        counter(&after, "hocvu_http_requests_total", &chapter_route)
            - counter(&before, "hocvu_http_requests_total", &chapter_route),
        4.0,
        "four chapter views, one route template:\n{after}"
    );
    assert!(
        !after.contains("bai-a") && !after.contains("bai-b"),
        "never a raw path"
    );
    assert!(
        counter(
            &after,
            "hocvu_http_request_duration_seconds_count",
            &[("route", "/courses/{course}/{chapter}")]
        ) >= 4.0
    );
    assert!(after.contains("hocvu_http_request_duration_seconds_bucket{"));
    assert_eq!(
        counter(
            &after,
            "hocvu_sign_in_failures_total",
            &[("reason", "credentials")]
        ) - counter(
            &before,
            "hocvu_sign_in_failures_total",
            &[("reason", "credentials")]
        ),
        1.0
    );
    assert!(counter(&after, "hocvu_db_pool_max_connections", &[]) >= 1.0);
    assert!(after.contains("hocvu_db_pool_connections{state=\"idle\"}"));
    assert!(after.contains("hocvu_content_version "));
    assert_eq!(counter(&after, "hocvu_content_chapters", &[]), 2.0);
    assert_eq!(
        counter(
            &after,
            "hocvu_quiz_submissions_total",
            &[("kind", "chapter"), ("outcome", "graded")]
        ),
        1.0
    );
    assert!(after.contains("hocvu_reminders{status=\"queued\"} 0"));
    if backend == Backend::Sqlite {
        assert!(counter(&after, "hocvu_sqlite_write_wait_seconds_count", &[]) >= 1.0);
    }
}

async fn metrics_are_refused_to_callers_that_are_not_allowed(backend: Backend) {
    let Some((app, _content)) =
        app_with(backend, &[("HOCVU_METRICS_TOKEN", "bi-mat-cua-prometheus")]).await
    else {
        return;
    };
    // Loopback, straight: allowed.
    assert_eq!(app.get("/metrics").await.status(), 200);
    // The same loopback peer relaying someone else (a reverse proxy on this
    // machine that is not a trusted proxy): refused.
    let relayed = app
        .client
        .get(app.url("/metrics"))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(relayed.status(), 403);
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .header("X-Forwarded-For", "203.0.113.9")
        .bearer_auth("doan-bua")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let with_token = app
        .client
        .get(app.url("/metrics"))
        .header("X-Forwarded-For", "203.0.113.9")
        .bearer_auth("bi-mat-cua-prometheus")
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status(), 200);
    assert!(with_token
        .text()
        .await
        .unwrap()
        .contains("hocvu_http_requests_total"));

    // Only the configured addresses: loopback itself is then refused.
    let Some((only, _content)) =
        app_with(backend, &[("HOCVU_METRICS_ALLOW", "192.0.2.0/24")]).await
    else {
        return;
    };
    assert_eq!(only.get("/metrics").await.status(), 403);
    // Through a trusted proxy, the real client counts.
    let Some((proxied, _content)) = app_with(
        backend,
        &[
            ("HOCVU_METRICS_ALLOW", "192.0.2.0/24"),
            ("HOCVU_TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await
    else {
        return;
    };
    let from = |ip: &'static str| {
        proxied
            .client
            .get(proxied.url("/metrics"))
            .header("X-Forwarded-For", ip)
            .send()
    };
    assert_eq!(from("192.0.2.15").await.unwrap().status(), 200);
    assert_eq!(from("203.0.113.9").await.unwrap().status(), 403);
}

hocvu_tests::on_both_databases!(per backend:
    readyz_is_503_while_draining_then_the_server_exits_cleanly,
    sigterm_finishes_requests_in_flight_and_loses_no_acknowledged_write,
    past_max_in_flight_requests_get_a_quick_503_with_retry_after,
    metrics_count_requests_by_route_template_and_more,
    metrics_are_refused_to_callers_that_are_not_allowed,
);
