//! Certificates: issued once (even under concurrent completion), shown to
//! their holder and admins only, verifiable by anyone at /verify/CODE
//! (valid, revoked, unknown) without revealing anything else about the
//! person, and revoked by admins only, with a reason, audit-logged.

use hocvu_tests::{
    add_user, chapter, content_fixture, course_toml, date_today, html, location_of,
    on_both_databases,
    orgs::{import_units, move_to_unit},
    session_cookie_of, Agent, Backend, TestApp,
};

const TITLE: &str = "Kỹ năng số cho cán bộ";

fn certificate_content() -> tempfile::TempDir {
    let with_certificate = format!(
        "{}certificate = true\n",
        course_toml(TITLE, "all", &["01-mot.md", "02-hai.md"])
    );
    content_fixture(&[
        ("chung-chi/course.toml", &with_certificate),
        (
            "chung-chi/01-mot.md",
            &chapter("mot", "Bài một", "Nội dung một."),
        ),
        (
            "chung-chi/02-hai.md",
            &chapter("hai", "Bài hai", "Nội dung hai."),
        ),
        (
            "khong-chung-chi/course.toml",
            &course_toml("Khóa không có chứng nhận", "all", &["01-ba.md"]),
        ),
        (
            "khong-chung-chi/01-ba.md",
            &chapter("ba", "Bài ba", "Nội dung ba."),
        ),
    ])
}

async fn complete(agent: &Agent) {
    for chapter in ["mot", "hai"] {
        assert_eq!(agent.mark_read("chung-chi", chapter).await.status(), 303);
    }
}

/// A learner who signed up with a phone number (name shown on certificates).
async fn sign_up(app: &TestApp, phone: &str, name: &str) -> Agent {
    let response = Agent::anonymous(app)
        .post_form(
            "/signup",
            &[
                ("login", phone),
                ("display_name", name),
                ("password", "mật khẩu đủ dài"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303, "sign up {phone}");
    Agent::with_cookie(app, session_cookie_of(&response))
}

async fn certificates(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM certificates").await
}

async fn code_of(app: &TestApp, user: &str) -> String {
    app.text(&format!(
        "SELECT c.code FROM certificates c JOIN users u ON c.user_id = u.id \
         WHERE u.username = '{user}' OR u.phone = '{user}'"
    ))
    .await
}

async fn completing_a_certificate_course_issues_one_certificate(app: TestApp) {
    let huong = sign_up(&app, "0912 345 678", "Nguyễn Thị Hương").await;

    huong.mark_read("chung-chi", "mot").await;
    assert_eq!(certificates(&app).await, 0, "not complete yet");
    huong.mark_read("chung-chi", "hai").await;
    assert_eq!(certificates(&app).await, 1, "issued on completion");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM certificates c JOIN users u ON c.user_id = u.id \
             WHERE u.phone = '+84912345678' AND c.course = 'chung-chi' \
             AND c.holder_name = 'Nguyễn Thị Hương' AND c.revoked_at IS NULL"
        )
        .await,
        1
    );
    assert_eq!(
        app.text("SELECT course_title FROM certificates").await,
        TITLE
    );
    // Reading again, and completing a course without certificates: no more.
    complete(&huong).await;
    assert_eq!(huong.mark_read("khong-chung-chi", "ba").await.status(), 303);
    assert_eq!(certificates(&app).await, 1);

    let code = code_of(&app, "+84912345678").await;
    let letters = code.chars().filter(|c| c.is_ascii_alphanumeric()).count();
    assert!(letters >= 12, "an unguessable code: {code:?}");
    let me = huong.page("/me").await;
    assert_eq!(
        html::count(&me, &format!("a[href=\"/certificates/{code}\"]")),
        1,
        "/me links the certificate"
    );

    // Another person gets their own code.
    let binh = sign_up(&app, "0987 111 222", "Trần Văn Bình").await;
    complete(&binh).await;
    assert_eq!(certificates(&app).await, 2);
    assert_ne!(code_of(&app, "+84987111222").await, code);

    // A guest (no account) who completes the course gets none.
    let guest = TestApp::spawn_client(&app);
    for chapter in ["mot", "hai"] {
        let response = guest
            .post(app.url(&format!("/courses/chung-chi/{chapter}/read")))
            .header("Origin", app.origin())
            .form(&[("event", uuid::Uuid::new_v4().to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
    }
    assert_eq!(
        app.scalar("SELECT COUNT(DISTINCT learner_id) FROM progress_events")
            .await,
        3,
        "the guest's reading was stored"
    );
    assert_eq!(certificates(&app).await, 2, "guests get no certificate");
}

/// Twenty completing requests at once from five sessions of one person:
/// exactly one certificate.
async fn concurrent_completion_issues_exactly_one_certificate(app: TestApp) {
    let first = add_user(&app, "dong.thoi", "Đồng Thời", "learner").await;
    let mut sessions = vec![first];
    for _ in 0..4 {
        sessions.push(Agent::sign_in(&app, "dong.thoi", hocvu_tests::AGENT_PASSWORD).await);
    }
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..20 {
        let agent = sessions[i % sessions.len()].clone();
        // Both chapters in the race, so completion happens inside it.
        let chapter = if i % 4 == 0 { "mot" } else { "hai" };
        requests.spawn(async move { agent.mark_read("chung-chi", chapter).await.status() });
    }
    while let Some(status) = requests.join_next().await {
        assert_eq!(status.unwrap(), 303, "every request succeeds");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM progress_events").await, 20);
    assert_eq!(certificates(&app).await, 1, "exactly one certificate");

    // And again with the course already complete: still one.
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..20 {
        let agent = sessions[i % sessions.len()].clone();
        requests.spawn(async move { agent.mark_read("chung-chi", "hai").await.status() });
    }
    while let Some(status) = requests.join_next().await {
        assert_eq!(status.unwrap(), 303);
    }
    assert_eq!(certificates(&app).await, 1);
}

async fn verify_shows_valid_revoked_and_unknown(app: TestApp) {
    let admin = add_user(&app, "quantri", "Quản Trị Viên", "admin").await;
    import_units(
        &admin,
        "code,name,parent_code\nDV-RIENG,Xã Độc Nhất Vô Nhị,\n",
    )
    .await;
    let huong = sign_up(&app, "0912 345 678", "Nguyễn Thị Hương").await;
    move_to_unit(
        &app,
        &admin,
        "+84912345678",
        "DV-RIENG",
        "Chuyên viên đặc biệt",
    )
    .await;
    complete(&huong).await;
    let by_name = add_user(&app, "ten.dang.nhap", "Lý Thị Tên", "learner").await;
    complete(&by_name).await;
    let code = code_of(&app, "+84912345678").await;
    let other_code = code_of(&app, "ten.dang.nhap").await;

    // Valid: anyone can check it, and learns nothing else about the person.
    let anonymous = Agent::anonymous(&app);
    let page = anonymous.page(&format!("/verify/{code}")).await;
    assert!(page.contains("Nguyễn Thị Hương"), "holder");
    assert!(page.contains(TITLE), "course");
    let today = [date_today(7), date_today(0)];
    let shown = |page: &str| {
        today.iter().any(|d| {
            let (y, rest) = d.split_once('-').unwrap();
            let (m, day) = rest.split_once('-').unwrap();
            page.contains(d.as_str()) || page.contains(&format!("{day}/{m}/{y}"))
        })
    };
    assert!(shown(&page), "completion date");
    assert_eq!(html::attrs(&page, "p.verdict", "data-status"), ["valid"]);
    for private in [
        "912345678",
        "912 345 678",
        "Xã Độc Nhất Vô Nhị",
        "DV-RIENG",
        "Chuyên viên đặc biệt",
    ] {
        assert!(!page.contains(private), "verify page shows {private:?}");
    }
    let page = anonymous.page(&format!("/verify/{other_code}")).await;
    assert!(page.contains("Lý Thị Tên"));
    assert!(!page.contains("ten.dang.nhap"), "no username");
    assert_eq!(html::attrs(&page, "p.verdict", "data-status"), ["valid"]);

    // Unknown codes.
    for unknown in ["ZZZZ-ZZZZ-ZZZZ", "khong-co", &format!("{code}X")] {
        let response = anonymous.get(&format!("/verify/{unknown}")).await;
        assert_eq!(response.status(), 404, "{unknown}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("Nguyễn Thị Hương"));
        assert_eq!(html::count(&body, "p.verdict[data-status=\"valid\"]"), 0);
    }

    // Only admins revoke, and only with a reason.
    let supervisor = add_user(&app, "giamsat", "Giám Sát", "supervisor").await;
    for (who, agent) in [
        ("holder", &huong),
        ("supervisor", &supervisor),
        ("learner", &by_name),
    ] {
        let response = agent
            .post_form(
                "/certificates/revoke",
                &[("code", &code), ("reason", "Không hợp lệ")],
            )
            .await;
        assert_eq!(response.status(), 403, "{who} revokes");
    }
    let response = anonymous
        .post_form(
            "/certificates/revoke",
            &[("code", &code), ("reason", "Không hợp lệ")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert!(location_of(&response).starts_with("/signin"));
    let response = admin
        .post_form("/certificates/revoke", &[("code", &code), ("reason", "")])
        .await;
    assert!(
        !location_of(&response).contains("done"),
        "an empty reason is refused: {}",
        location_of(&response)
    );
    assert!(
        response.status().is_client_error() || response.status().is_redirection(),
        "{}",
        response.status()
    );
    let response = admin
        .post_form("/certificates/revoke", &[("code", &code)])
        .await;
    assert!(response.status().is_client_error() || response.status().is_redirection());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM certificates WHERE revoked_at IS NOT NULL")
            .await,
        0,
        "nothing revoked yet"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('certificate_revoked', 'certificate.revoked')")
            .await,
        0
    );
    let page = anonymous.page(&format!("/verify/{code}")).await;
    assert_eq!(html::attrs(&page, "p.verdict", "data-status"), ["valid"]);

    // The admin revokes it.
    let response = admin
        .post_form(
            "/certificates/revoke",
            &[("code", &code), ("reason", "Cấp nhầm người")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let back = location_of(&response);
    assert!(
        back == format!("/certificates/{code}")
            || back.starts_with(&format!("/certificates/{code}?")),
        "back to the certificate: {back}"
    );
    let page = anonymous.page(&format!("/verify/{code}")).await;
    assert_eq!(html::attrs(&page, "p.verdict", "data-status"), ["revoked"]);
    assert!(page.contains("Nguyễn Thị Hương") && page.contains(TITLE));
    assert_eq!(
        app.text(&format!(
            "SELECT revoked_reason FROM certificates WHERE code = '{code}'"
        ))
        .await,
        "Cấp nhầm người"
    );
    let admin_id = app
        .text("SELECT id FROM users WHERE username = 'quantri'")
        .await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('certificate_revoked', 'certificate.revoked') \
             AND actor_user_id = '{admin_id}'"
        ))
        .await,
        1,
        "audit-logged"
    );
    // The other certificate is untouched; completing again issues no new one.
    let page = anonymous.page(&format!("/verify/{other_code}")).await;
    assert_eq!(html::attrs(&page, "p.verdict", "data-status"), ["valid"]);
    complete(&huong).await;
    assert_eq!(certificates(&app).await, 2);
    // Revoking an unknown code is not found.
    let response = admin
        .post_form(
            "/certificates/revoke",
            &[("code", "ZZZZ-ZZZZ-ZZZZ"), ("reason", "Thử")],
        )
        .await;
    assert_eq!(response.status(), 404);
}

async fn the_printable_certificate_is_for_its_holder_and_admins(app: TestApp) {
    let admin = add_user(&app, "quantri", "Quản Trị Viên", "admin").await;
    let holder = add_user(&app, "chu.so.huu", "Nguyễn Thị Hương", "learner").await;
    complete(&holder).await;
    let code = code_of(&app, "chu.so.huu").await;
    let path = format!("/certificates/{code}");

    let page = holder.page(&path).await;
    assert!(page.contains("<svg"), "an inline SVG QR code");
    assert!(page.contains("Nguyễn Thị Hương") && page.contains(TITLE));
    assert!(
        page.contains(&format!("/verify/{code}")),
        "points at its verification page"
    );
    let page = admin.page(&path).await;
    assert!(page.contains("Nguyễn Thị Hương") && page.contains("<svg"));

    for (who, agent) in [
        (
            "another learner",
            add_user(&app, "nguoi.khac", "Người Khác", "learner").await,
        ),
        (
            "a supervisor",
            add_user(&app, "giamsat", "Giám Sát", "supervisor").await,
        ),
        (
            "a trainer",
            add_user(&app, "giangvien", "Giảng Viên", "trainer").await,
        ),
    ] {
        let response = agent.get(&path).await;
        assert_eq!(response.status(), 404, "{who}");
        assert!(!response.text().await.unwrap().contains("Nguyễn Thị Hương"));
    }
    let response = Agent::anonymous(&app).get(&path).await;
    let status = response.status();
    assert!(status == 404 || status == 303, "signed out: {status}");
    assert!(!response.text().await.unwrap().contains("Nguyễn Thị Hương"));
    assert_eq!(
        admin.get("/certificates/ZZZZ-ZZZZ-ZZZZ").await.status(),
        404
    );
}

on_both_databases!(
    certificate on certificate_content:
    completing_a_certificate_course_issues_one_certificate,
    concurrent_completion_issues_exactly_one_certificate,
    verify_shows_valid_revoked_and_unknown,
    the_printable_certificate_is_for_its_holder_and_admins,
);

/// Without `public_url`, a request addressed to another host (a forged
/// `Host`, or a proxy nobody configured for) gets no QR code and no link to
/// that host: the page asks for `public_url` instead.
async fn a_forged_host_never_reaches_a_printed_link(app: TestApp) {
    let holder = add_user(&app, "chu.so.huu", "Nguyễn Thị Hương", "learner").await;
    complete(&holder).await;
    let code = code_of(&app, "chu.so.huu").await;
    let page = hocvu_tests::text_of(
        holder
            .client
            .get(holder.url(&format!("/certificates/{code}")))
            .header("host", "evil.example")
            .header("cookie", holder.cookie.clone().unwrap()),
    )
    .await;
    assert!(page.contains("Nguyễn Thị Hương"));
    assert!(!page.contains("evil.example"), "no link to the forged host");
    assert!(!page.contains("<svg"), "no QR code without an address");
    assert!(page.contains("public_url"));
}

on_both_databases!(
    forged_host on certificate_content:
    a_forged_host_never_reaches_a_printed_link,
);

/// Behind a reverse proxy the request's Host is not the public address:
/// with `public_url` set, the QR code and verify link use it.
#[tokio::test]
async fn the_qr_code_points_at_the_configured_public_address() {
    let dir = certificate_content();
    let options = hocvu_tests::AppOptions {
        content: Some(dir.path().to_path_buf()),
        env: vec![(
            "HOCVU_PUBLIC_URL".into(),
            "https://hocvu.tinh.gov.vn/".into(),
        )],
        ..Default::default()
    };
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, options).await else {
        return;
    };
    let holder = add_user(&app, "chu.so.huu", "Nguyễn Thị Hương", "learner").await;
    complete(&holder).await;
    let code = code_of(&app, "chu.so.huu").await;
    let page = holder.page(&format!("/certificates/{code}")).await;
    assert!(
        page.contains(&format!("https://hocvu.tinh.gov.vn/verify/{code}")),
        "the configured address, without a doubled slash"
    );
    assert!(!page.contains(&format!("{}/verify/", app.origin())));
}
