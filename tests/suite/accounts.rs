//! Accounts seen from outside: sign up, sign in, sign out, phone numbers,
//! throttling, session rotation, CSRF, roles, the audit log, guest merge and
//! `hocvu user add`, against the real binary and its real database.

use std::time::{SystemTime, UNIX_EPOCH};

use hocvu_tests::{location_of, user_add_with, with_db, Agent, AppOptions, Backend, TestApp};
use sha2::{Digest, Sha256};
const PASSWORD: &str = "mật khẩu đủ dài";

// ---------------------------------------------------------------------------
// Helpers

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn exec(app: &TestApp, sql: &str, binds: &[&str]) {
    with_db!(app, |conn| {
        let mut query = sqlx::query(sql);
        for value in binds {
            query = query.bind(*value);
        }
        query
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    })
}

async fn count(app: &TestApp, sql: &str, binds: &[&str]) -> i64 {
    with_db!(app, |conn| {
        let mut query = sqlx::query_scalar::<_, i64>(sql);
        for value in binds {
            query = query.bind(*value);
        }
        query
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    })
}

async fn texts(app: &TestApp, sql: &str, binds: &[&str]) -> Vec<Option<String>> {
    with_db!(app, |conn| {
        let mut query = sqlx::query_scalar::<_, Option<String>>(sql);
        for value in binds {
            query = query.bind(*value);
        }
        query
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    })
}

async fn text(app: &TestApp, sql: &str, binds: &[&str]) -> Option<String> {
    texts(app, sql, binds).await.into_iter().next().flatten()
}

async fn user_id(app: &TestApp, username: &str) -> String {
    text(app, "SELECT id FROM users WHERE username = $1", &[username])
        .await
        .unwrap_or_else(|| panic!("no user {username}"))
}

async fn learner_of(app: &TestApp, user_id: &str) -> String {
    text(
        app,
        "SELECT id FROM learners WHERE user_id = $1",
        &[user_id],
    )
    .await
    .expect("the user has a learner")
}

/// A guest as the server makes one: a learner without a user and a session
/// whose cookie holds a 64-hex-digit token (the database keeps its SHA-256).
struct Guest {
    learner_id: String,
    token: String,
}

async fn make_guest(app: &TestApp) -> Guest {
    let learner_id = uuid::Uuid::new_v4().to_string();
    let token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let t = now();
    exec(
        app,
        &format!("INSERT INTO learners (id, user_id, created_at) VALUES ($1, NULL, {t})"),
        &[&learner_id],
    )
    .await;
    exec(
        app,
        &format!(
            "INSERT INTO sessions (token_hash, learner_id, user_id, created_at, last_seen_at) \
             VALUES ($1, $2, NULL, {t}, {t})"
        ),
        &[&sha256_hex(&token), &learner_id],
    )
    .await;
    Guest { learner_id, token }
}

async fn add_progress(app: &TestApp, learner: &str, course: &str, chapter: &str, at: i64) {
    exec(
        app,
        &format!(
            "INSERT INTO progress_events (id, learner_id, course, chapter, kind, content_version, created_at) \
             VALUES ($1, $2, $3, $4, 'read', 'v1', {at})"
        ),
        &[&uuid::Uuid::new_v4().to_string(), learner, course, chapter],
    )
    .await;
}

/// A quiz attempt with two answers; returns its id.
async fn add_attempt(app: &TestApp, learner: &str, course: &str, quiz: &str, no: i64) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let t = now();
    exec(
        app,
        &format!(
            "INSERT INTO quiz_attempts (id, learner_id, course, quiz, quiz_version, attempt_no, answers, \
             correct, total, percent, passed, created_at) \
             VALUES ($1, $2, $3, $4, 'v1', {no}, '{{}}', 1, 2, 50, 0, {t})"
        ),
        &[&id, learner, course, quiz],
    )
    .await;
    for question in ["q1", "q2"] {
        exec(
            app,
            "INSERT INTO quiz_answers (attempt_id, question_id, chosen, correct) VALUES ($1, $2, 'a', 1)",
            &[&id, question],
        )
        .await;
    }
    id
}

/// Creates a user with `role` through the command line.
async fn make_user(app: &TestApp, username: &str, role: &str) {
    let (ok, output) = user_add_with(
        app,
        &[
            "--username",
            username,
            "--display-name",
            &format!("Người {username}"),
            "--role",
            role,
        ],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(ok, "user add failed: {output}");
}

/// The reset code on the page an admin gets back (`ABCD-EFGH-JKLM`).
fn code_in(html: &str) -> Option<String> {
    let ok = |c: u8| c.is_ascii_uppercase() || (b'2'..=b'9').contains(&c);
    let bytes = html.as_bytes();
    (0..bytes.len().saturating_sub(13)).find_map(|i| {
        let w = &bytes[i..i + 14];
        let shape = w.iter().enumerate().all(|(j, &c)| match j {
            4 | 9 => c == b'-',
            _ => ok(c),
        });
        shape.then(|| String::from_utf8_lossy(w).into_owned())
    })
}

// ---------------------------------------------------------------------------
// On both databases

async fn sign_up_sign_out_and_sign_in_again(app: TestApp) {
    let visitor = Agent::browser(&app);
    let form = visitor.page("/signup").await;
    assert!(form.contains(r#"action="/signup""#) && form.contains(r#"name="password""#));
    assert!(!visitor.is_signed_in().await);

    let response = visitor
        .sign_up("lan.nguyen", "Nguyễn Thị Lan", PASSWORD)
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location_of(&response), "/me");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(visitor.is_signed_in().await);
    assert!(visitor.page("/search").await.contains("Nguyễn Thị Lan"));

    let response = visitor.post_form("/signout", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location_of(&response), "/");
    assert_eq!(visitor.session(), None, "cookie cleared");
    assert!(!visitor.is_signed_in().await);

    // Upper case is folded; `next` is followed when it is a local path.
    let response = visitor
        .post_form(
            "/signin",
            &[
                ("login", "Lan.Nguyen"),
                ("password", PASSWORD),
                ("next", "/courses"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location_of(&response), "/courses");
    assert!(visitor.is_signed_in().await);

    // Never off-site.
    for next in ["https://evil.example/", "//evil.example", "/\\evil.example"] {
        let response = visitor
            .post_form(
                "/signin",
                &[
                    ("login", "lan.nguyen"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(location_of(&response), "/me", "next={next}");
    }
}

async fn phone_numbers_in_any_spelling_are_one_account(app: TestApp) {
    let visitor = Agent::browser(&app);
    let response = visitor
        .sign_up("0912 345 678", "Trần Văn Bình", PASSWORD)
        .await;
    assert_eq!(location_of(&response), "/me");
    visitor.post_form("/signout", &[]).await;

    for spelling in ["+84912345678", "84912345678", "0912.345.678"] {
        let visitor = Agent::browser(&app);
        let response = visitor.submit_sign_in(spelling, PASSWORD).await;
        assert_eq!(location_of(&response), "/me", "sign in as {spelling}");
        assert!(visitor.is_signed_in().await);
    }
    let stored = texts(&app, "SELECT phone FROM users", &[]).await;
    assert_eq!(stored, vec![Some("+84912345678".to_string())]);

    // The same number again is taken; a non-mobile number is refused.
    let other = Agent::browser(&app);
    let response = other
        .sign_up("+84 912 345 678", "Người khác", PASSWORD)
        .await;
    assert!(
        location_of(&response).starts_with("/signup?error=taken"),
        "{}",
        location_of(&response)
    );
    let response = other.sign_up("0212 345 678", "Người khác", PASSWORD).await;
    assert!(location_of(&response).starts_with("/signup?error=phone"));
    let html = other.page(&location_of(&response)).await;
    assert!(
        html.contains("Số điện thoại không hợp lệ"),
        "message shown in Vietnamese"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users", &[]).await, 1);
}

async fn wrong_password_is_refused_without_a_session(app: TestApp) {
    Agent::browser(&app).sign_up("binh", "Bình", PASSWORD).await;

    let visitor = Agent::browser(&app);
    let wrong = visitor.submit_sign_in("binh", "not the password").await;
    assert_eq!(wrong.status(), 303);
    assert!(wrong.headers().get("set-cookie").is_none());
    let wrong_location = location_of(&wrong);
    assert_eq!(wrong_location, "/signin?error=credentials&login=binh");
    assert!(!wrong_location.contains("password"));
    assert_eq!(visitor.session(), None);
    assert!(!visitor.is_signed_in().await);

    // An unknown account answers exactly the same way.
    let unknown = visitor.submit_sign_in("khongco", "not the password").await;
    assert_eq!(
        location_of(&unknown),
        "/signin?error=credentials&login=khongco"
    );

    // The message, in Vietnamese by default, with the login kept.
    let html = visitor.page(&wrong_location).await;
    assert!(html.contains("mật khẩu không đúng"), "Vietnamese message");
    assert!(html.contains(r#"value="binh""#), "login kept");
    // And in English when chosen.
    visitor
        .post_form("/lang", &[("to", "en"), ("back", "/")])
        .await;
    let html = visitor.page(&wrong_location).await;
    assert!(html.contains("Wrong phone number/username or password."));
}

async fn sign_up_problems_keep_the_fields_but_never_the_password(app: TestApp) {
    let visitor = Agent::browser(&app);
    let response = visitor
        .post_form(
            "/signup",
            &[
                ("login", "0987 654 321"),
                ("display_name", "Lê Thị Hoa"),
                ("password", "short7!"),
                ("next", "/courses"),
            ],
        )
        .await;
    let back = location_of(&response);
    assert!(back.starts_with("/signup?error=password_short"), "{back}");
    assert!(!back.contains("short7"), "password never echoed: {back}");
    let html = visitor.page(&back).await;
    assert!(html.contains("ít nhất 8 ký tự"));
    assert!(html.contains(r#"value="0987 654 321""#));
    assert!(html.contains(r#"value="Lê Thị Hoa""#));
    assert!(html.contains(r#"value="/courses""#), "next kept");

    for (login, name, code) in [("ab", "Tên", "username"), ("hoa.le", "   ", "name")] {
        let response = visitor.sign_up(login, name, PASSWORD).await;
        assert!(
            location_of(&response).starts_with(&format!("/signup?error={code}")),
            "{login}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users", &[]).await, 0);
}

async fn too_many_failures_are_throttled_but_others_still_sign_in(app: TestApp) {
    Agent::browser(&app).sign_up("lan", "Lan", PASSWORD).await;
    Agent::browser(&app).sign_up("hung", "Hùng", PASSWORD).await;

    let attacker = Agent::browser(&app);
    for i in 0..5 {
        let response = attacker
            .submit_sign_in("lan", &format!("guess number {i}"))
            .await;
        assert_eq!(response.status(), 303, "failure {i} is an ordinary error");
    }
    // Now even the right password waits.
    let response = attacker.submit_sign_in("lan", PASSWORD).await;
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=900).contains(&wait), "{wait}");
    let html = response.text().await.unwrap();
    assert!(
        html.contains("thử quá nhiều lần"),
        "explained on the sign-in page"
    );
    assert!(html.contains(r#"action="/signin""#));
    assert_eq!(attacker.session(), None);

    // Another account from the same address is not affected.
    let other = Agent::browser(&app);
    let response = other.submit_sign_in("hung", PASSWORD).await;
    assert_eq!(location_of(&response), "/me");
    assert!(other.is_signed_in().await);
}

async fn the_session_rotates_at_sign_in_and_dies_at_sign_out(app: TestApp) {
    Agent::browser(&app).sign_up("mai", "Mai", PASSWORD).await;
    let guest = make_guest(&app).await;
    let visitor = Agent::browser_with_session(&app, &guest.token);
    assert!(!visitor.is_signed_in().await, "a guest is not signed in");

    let response = visitor.submit_sign_in("mai", PASSWORD).await;
    assert_eq!(location_of(&response), "/me");
    let signed_in = visitor.session().expect("a session cookie");
    assert_ne!(signed_in, guest.token, "a new session id at sign-in");
    let old = count(
        &app,
        "SELECT COUNT(*) FROM sessions WHERE token_hash = $1",
        &[&sha256_hex(&guest.token)],
    )
    .await;
    assert_eq!(old, 0, "the guest session is gone");
    assert!(
        !Agent::browser_with_session(&app, &guest.token)
            .is_signed_in()
            .await
    );
    assert!(visitor.is_signed_in().await);

    visitor.post_form("/signout", &[]).await;
    assert!(!visitor.is_signed_in().await);
    // Replaying the signed-in cookie from another browser: anonymous.
    let replay = Agent::browser_with_session(&app, &signed_in);
    assert!(!replay.is_signed_in().await);
    assert!(replay.page("/search").await.contains(r#"href="/signin"#));
    let left = count(
        &app,
        "SELECT COUNT(*) FROM sessions WHERE token_hash = $1",
        &[&sha256_hex(&signed_in)],
    )
    .await;
    assert_eq!(left, 0, "ended server-side, not only in the browser");
}

async fn admin_pages_are_for_admins_only(app: TestApp) {
    make_user(&app, "quantri", "admin").await;
    make_user(&app, "giangvien", "trainer").await;
    make_user(&app, "giamsat", "supervisor").await;
    Agent::browser(&app)
        .sign_up("hocvien", "Đoàn Thị Ngọc", PASSWORD)
        .await;
    let learner = user_id(&app, "hocvien").await;

    // Signed out: sent to sign in, and back afterwards.
    let anonymous = Agent::browser(&app);
    let response = anonymous.get("/admin/users").await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(location_of(&response), "/signin?next=/admin/users");
    for (path, form) in [
        (
            "/admin/users/role",
            vec![("user_id", learner.as_str()), ("role", "admin")],
        ),
        (
            "/admin/users/reset-code",
            vec![("user_id", learner.as_str())],
        ),
    ] {
        let response = anonymous.post_form(path, &form).await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(location_of(&response), "/signin?next=/admin/users");
    }

    for (username, allowed) in [
        ("hocvien", false),
        ("giangvien", false),
        ("giamsat", false),
        ("quantri", true),
    ] {
        let visitor = Agent::browser(&app);
        assert_eq!(
            location_of(&visitor.submit_sign_in(username, PASSWORD).await),
            "/me"
        );
        let response = visitor.get("/admin/users").await;
        let want = if allowed { 200 } else { 403 };
        assert_eq!(response.status(), want, "{username} GET /admin/users");
        let html = response.text().await.unwrap();
        assert_eq!(
            html.contains(r#"action="/admin/users/role""#),
            allowed,
            "{username} sees the list only if admin"
        );
        for (path, form) in [
            (
                "/admin/users/role",
                vec![("user_id", learner.as_str()), ("role", "trainer")],
            ),
            (
                "/admin/users/reset-code",
                vec![("user_id", learner.as_str())],
            ),
        ] {
            let response = visitor.post_form(path, &form).await;
            if allowed {
                assert!(
                    response.status() == 200 || response.status() == 303,
                    "{path}"
                );
            } else {
                assert_eq!(response.status(), 403, "{username} POST {path}");
            }
        }
    }
    // The server function behind the list checks the role itself.
    let anonymous = Agent::browser(&app)
        .post_form("/api/admin_users", &[("query", "")])
        .await;
    assert_eq!(anonymous.status(), 403);
    let learner = Agent::browser(&app);
    learner.submit_sign_in("hocvien", PASSWORD).await;
    assert_eq!(
        learner
            .post_form("/api/admin_users", &[("query", "")])
            .await
            .status(),
        403
    );
    let admin = Agent::browser(&app);
    admin.submit_sign_in("quantri", PASSWORD).await;
    let response = admin.post_form("/api/admin_users", &[("query", "")]).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Đoàn Thị Ngọc"));

    // Only the admin's actions took effect (and were logged).
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action <> 'user.created' \
             AND action NOT LIKE 'content.%'",
            &[]
        )
        .await,
        2
    );
}

async fn role_changes_and_reset_codes_are_audited(app: TestApp) {
    make_user(&app, "quantri", "admin").await;
    let admin_id = user_id(&app, "quantri").await;
    let learner = Agent::browser(&app);
    learner.sign_up("0933 111 222", "Phạm Thu", PASSWORD).await;
    let learner_id = text(
        &app,
        "SELECT id FROM users WHERE phone = '+84933111222'",
        &[],
    )
    .await
    .unwrap();

    let admin = Agent::browser(&app);
    admin.submit_sign_in("quantri", PASSWORD).await;
    let list = admin.page("/admin/users?q=0933").await;
    assert!(
        list.contains("Phạm Thu") && list.contains("0933 111 222"),
        "found by phone"
    );

    // Role change.
    let response = admin
        .post_form(
            "/admin/users/role",
            &[("user_id", &learner_id), ("role", "trainer")],
        )
        .await;
    assert_eq!(location_of(&response), "/admin/users?done=role");
    assert_eq!(
        text(&app, "SELECT role FROM users WHERE id = $1", &[&learner_id])
            .await
            .as_deref(),
        Some("trainer")
    );
    let audited = count(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'user.role_changed' \
         AND actor_user_id = $1 AND target = $2 AND detail = 'learner -> trainer'",
        &[&admin_id, &learner_id],
    )
    .await;
    assert_eq!(audited, 1);
    // An unknown role is bad input, not a server error.
    let response = admin
        .post_form(
            "/admin/users/role",
            &[("user_id", &learner_id), ("role", "king")],
        )
        .await;
    assert_eq!(response.status(), 400);
    // An admin cannot lock themselves out.
    let response = admin
        .post_form(
            "/admin/users/role",
            &[("user_id", &admin_id), ("role", "learner")],
        )
        .await;
    assert_eq!(location_of(&response), "/admin/users?error=self_demote");
    assert_eq!(
        text(&app, "SELECT role FROM users WHERE id = $1", &[&admin_id])
            .await
            .as_deref(),
        Some("admin")
    );

    // A reset code, shown once to the admin, stored only as a hash.
    let response = admin
        .post_form("/admin/users/reset-code", &[("user_id", &learner_id)])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    let code = code_in(&html).expect("the code is on the page");
    let stored = texts(&app, "SELECT code_hash FROM password_resets", &[]).await;
    assert_eq!(stored.len(), 1);
    let stored = stored[0].clone().unwrap();
    assert!(!stored.contains(&code) && !stored.contains(&code.replace('-', "")));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'password_reset.issued' \
             AND actor_user_id = $1 AND target = $2",
            &[&admin_id, &learner_id],
        )
        .await,
        1
    );

    // The person uses it (typed in lower case, without dashes) on another device.
    let device = Agent::browser(&app);
    let typed = code.replace('-', " ").to_lowercase();
    let response = device
        .post_form(
            "/reset",
            &[
                ("login", "0933111222"),
                ("code", &typed),
                ("password", "mật khẩu mới hoàn toàn"),
            ],
        )
        .await;
    assert_eq!(location_of(&response), "/me");
    assert!(device.is_signed_in().await);
    assert!(
        !learner.is_signed_in().await,
        "other sessions end with a reset"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'password_reset.used' \
             AND actor_user_id = $1 AND target = $1",
            &[&learner_id],
        )
        .await,
        1
    );
    // Old password gone, new one works, the code works once.
    let check = Agent::browser(&app);
    assert_eq!(
        location_of(&check.submit_sign_in("0933111222", PASSWORD).await),
        "/signin?error=credentials&login=0933111222"
    );
    assert_eq!(
        location_of(
            &check
                .submit_sign_in("0933111222", "mật khẩu mới hoàn toàn")
                .await
        ),
        "/me"
    );
    let again = Agent::browser(&app)
        .post_form(
            "/reset",
            &[
                ("login", "0933111222"),
                ("code", &code),
                ("password", "lại một lần nữa"),
            ],
        )
        .await;
    assert!(
        location_of(&again).starts_with("/reset?error=reset_code"),
        "{}",
        location_of(&again)
    );
}

async fn a_guest_who_signs_up_keeps_their_learner(app: TestApp) {
    let guest = make_guest(&app).await;
    add_progress(&app, &guest.learner_id, "dien-thoai", "bat-may", now()).await;
    let visitor = Agent::browser_with_session(&app, &guest.token);

    let response = visitor.sign_up("cuong", "Cường", PASSWORD).await;
    assert_eq!(location_of(&response), "/me");
    let user = user_id(&app, "cuong").await;
    assert_eq!(
        text(
            &app,
            "SELECT user_id FROM learners WHERE id = $1",
            &[&guest.learner_id]
        )
        .await,
        Some(user.clone()),
        "the guest learner now belongs to the new account"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM learners WHERE user_id = $1",
            &[&user]
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM progress_events WHERE learner_id = $1",
            &[&guest.learner_id]
        )
        .await,
        1
    );
    assert_ne!(visitor.session().as_deref(), Some(guest.token.as_str()));
}

async fn a_guest_who_signs_in_brings_their_progress_along(app: TestApp) {
    Agent::browser(&app).sign_up("dung", "Dũng", PASSWORD).await;
    let account = learner_of(&app, &user_id(&app, "dung").await).await;
    // What the account already has.
    add_progress(&app, &account, "dien-thoai", "bat-may", 1_000).await;
    add_attempt(&app, &account, "dien-thoai", "bat-may", 1).await;

    // What the guest did on this phone: one chapter the account already
    // read (read twice here), one new; two attempts at a quiz the account
    // tried once, one at another quiz.
    let guest = make_guest(&app).await;
    add_progress(&app, &guest.learner_id, "dien-thoai", "bat-may", 2_000).await;
    add_progress(&app, &guest.learner_id, "dien-thoai", "danh-ba", 2_000).await;
    add_progress(&app, &guest.learner_id, "dien-thoai", "danh-ba", 2_500).await;
    add_attempt(&app, &guest.learner_id, "dien-thoai", "bat-may", 1).await;
    add_attempt(&app, &guest.learner_id, "dien-thoai", "bat-may", 2).await;
    let other_quiz = add_attempt(&app, &guest.learner_id, "an-toan", "mat-khau", 1).await;
    let answers_before = count(&app, "SELECT COUNT(*) FROM quiz_answers", &[]).await;

    let visitor = Agent::browser_with_session(&app, &guest.token);
    assert_eq!(
        location_of(&visitor.submit_sign_in("dung", PASSWORD).await),
        "/me"
    );

    // Reading: once per chapter, nothing left behind.
    let chapters = texts(
        &app,
        "SELECT chapter FROM progress_events WHERE learner_id = $1 ORDER BY chapter",
        &[&account],
    )
    .await;
    assert_eq!(
        chapters,
        vec![Some("bat-may".into()), Some("danh-ba".into())]
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM progress_events WHERE learner_id = $1",
            &[&guest.learner_id]
        )
        .await,
        0
    );
    // Quizzes: every attempt kept, numbered after the account's own.
    let numbers = texts(
        &app,
        "SELECT CAST(attempt_no AS TEXT) FROM quiz_attempts \
         WHERE learner_id = $1 AND quiz = 'bat-may' ORDER BY attempt_no",
        &[&account],
    )
    .await;
    assert_eq!(
        numbers,
        vec![Some("1".into()), Some("2".into()), Some("3".into())]
    );
    assert_eq!(
        text(
            &app,
            "SELECT CAST(attempt_no AS TEXT) FROM quiz_attempts WHERE id = $1",
            &[&other_quiz]
        )
        .await,
        Some("1".into())
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM quiz_attempts WHERE learner_id = $1",
            &[&account]
        )
        .await,
        4
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM quiz_attempts WHERE learner_id = $1",
            &[&guest.learner_id]
        )
        .await,
        0
    );
    // Answers follow their attempts.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM quiz_answers", &[]).await,
        answers_before
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM quiz_answers a JOIN quiz_attempts q ON q.id = a.attempt_id \
             WHERE q.learner_id = $1",
            &[&account],
        )
        .await,
        answers_before
    );
}

/// An argon2id hash of `PASSWORD` made with weaker, older parameters
/// (m=8192, t=1), as an earlier release might have stored it.
const OLD_HASH: &str =
    "$argon2id$v=19$m=8192,t=1,p=1$zCs3dtFV7aMI9of1RA9n7w$mBtL0AIGWF7vF9uba/HzHzTz41Z4nxUucQTL27VfpQQ";

async fn an_old_hash_is_upgraded_at_sign_in(app: TestApp) {
    exec(
        &app,
        &format!(
            "INSERT INTO users (id, username, phone, display_name, password_hash, role, created_at) \
             VALUES ('old-user', 'nguoicu', NULL, 'Người dùng cũ', $1, 'learner', {})",
            now()
        ),
        &[OLD_HASH],
    )
    .await;
    let visitor = Agent::browser(&app);
    assert_eq!(
        location_of(&visitor.submit_sign_in("nguoicu", PASSWORD).await),
        "/me"
    );
    let stored = text(
        &app,
        "SELECT password_hash FROM users WHERE id = 'old-user'",
        &[],
    )
    .await
    .unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    // And the new hash still opens the account.
    assert_eq!(
        location_of(
            &Agent::browser(&app)
                .submit_sign_in("nguoicu", PASSWORD)
                .await
        ),
        "/me"
    );
}

async fn a_user_added_on_the_command_line_can_sign_in(app: TestApp) {
    let (ok, output) = user_add_with(
        &app,
        &[
            "--username",
            "Root",
            "--phone",
            "0977 000 111",
            "--display-name",
            "Quản trị viên",
            "--role",
            "admin",
        ],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(ok, "{output}");
    assert!(output.contains("created user root (admin)"), "{output}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.created'",
            &[]
        )
        .await,
        1
    );

    for login in ["root", "0977000111"] {
        let visitor = Agent::browser(&app);
        assert_eq!(
            location_of(&visitor.submit_sign_in(login, PASSWORD).await),
            "/me"
        );
        assert_eq!(visitor.get("/admin/users").await.status(), 200);
    }

    // The password is never an argument, must be long enough, and names are unique.
    let (ok, output) = user_add_with(
        &app,
        &[
            "--username",
            "other",
            "--display-name",
            "X",
            "--password",
            PASSWORD,
        ],
        "",
    )
    .await;
    assert!(!ok, "{output}");
    let (ok, output) = user_add_with(
        &app,
        &["--username", "other", "--display-name", "X"],
        "short\n",
    )
    .await;
    assert!(!ok && output.contains("at least 8"), "{output}");
    let (ok, output) = user_add_with(
        &app,
        &["--username", "root", "--display-name", "X"],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(!ok && output.contains("already"), "{output}");
    let (ok, output) = user_add_with(
        &app,
        &[
            "--username",
            "khac2",
            "--display-name",
            "X",
            "--role",
            "king",
        ],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(!ok && output.contains("--role"), "{output}");
}

hocvu_tests::on_both_databases!(
    sign_up_sign_out_and_sign_in_again,
    phone_numbers_in_any_spelling_are_one_account,
    wrong_password_is_refused_without_a_session,
    sign_up_problems_keep_the_fields_but_never_the_password,
    too_many_failures_are_throttled_but_others_still_sign_in,
    the_session_rotates_at_sign_in_and_dies_at_sign_out,
    admin_pages_are_for_admins_only,
    role_changes_and_reset_codes_are_audited,
    a_guest_who_signs_up_keeps_their_learner,
    a_guest_who_signs_in_brings_their_progress_along,
    an_old_hash_is_upgraded_at_sign_in,
    a_user_added_on_the_command_line_can_sign_in,
);

// ---------------------------------------------------------------------------
// Not about the database

/// Every state-changing route of accounts. A new one must be added here.
const POST_ROUTES: [&str; 7] = [
    "/api/admin_users",
    "/signup",
    "/signin",
    "/signout",
    "/reset",
    "/admin/users/role",
    "/admin/users/reset-code",
];

#[tokio::test]
async fn account_forms_from_another_site_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let form = [
        ("login", "lan"),
        ("display_name", "Lan"),
        ("password", PASSWORD),
        ("code", "AAAA-BBBB-CCCC"),
        ("user_id", "x"),
        ("role", "admin"),
    ];
    for path in POST_ROUTES {
        let foreign_origin = app
            .client
            .post(app.url(path))
            .header("Origin", "https://evil.example")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(foreign_origin.status(), 403, "Origin on {path}");
        assert!(foreign_origin.headers().get("set-cookie").is_none());
        let cross_site = app
            .client
            .post(app.url(path))
            .header("Sec-Fetch-Site", "cross-site")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(cross_site.status(), 403, "Sec-Fetch-Site on {path}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users", &[]).await, 0);
}

#[tokio::test]
async fn malformed_forms_are_a_clear_4xx() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    for (path, form) in [
        ("/signin", vec![("login", "lan")]),
        ("/signup", vec![("password", PASSWORD)]),
        ("/reset", vec![("login", "lan"), ("password", PASSWORD)]),
    ] {
        let response = app.post_form(path, &form).await;
        assert!(
            response.status().is_client_error(),
            "{path}: {}",
            response.status()
        );
        assert!(
            !response.text().await.unwrap().is_empty(),
            "{path}: says what is wrong"
        );
    }
    // A JSON body where a form is expected.
    let response = app
        .client
        .post(app.url("/signin"))
        .header("Origin", app.origin())
        .header("Content-Type", "application/json")
        .body(r#"{"login":"lan"}"#)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
}

#[tokio::test]
async fn a_spoofed_forwarded_for_does_not_escape_the_address_limit() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    Agent::browser(&app).sign_up("lan", "Lan", PASSWORD).await;
    let visitor = Agent::browser(&app);
    // 20 failures from this address against 20 accounts, each claiming to
    // come from elsewhere.
    for i in 0..20 {
        let response = visitor
            .client
            .post(visitor.url("/signin"))
            .header("Origin", visitor.origin())
            .header("X-Forwarded-For", format!("198.51.100.{i}"))
            .form(&[
                ("login", format!("khach{i:02}").as_str()),
                ("password", "wrong password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "failure {i}");
    }
    // Past the address's limit a new device is slowed down (not locked
    // out: a whole commune hall may share the address).
    let started = std::time::Instant::now();
    let response = visitor
        .client
        .post(visitor.url("/signin"))
        .header("Origin", visitor.origin())
        .header("X-Forwarded-For", "203.0.113.99")
        .form(&[("login", "lan"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(2_900),
        "no trusted proxy: X-Forwarded-For is ignored, the sign-in is slowed down"
    );
    assert_eq!(app.log().matches("sign-in slowed down").count(), 1);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_has_its_own_limit() {
    let options = AppOptions {
        env: vec![(
            "HOCVU_TRUSTED_PROXIES".into(),
            "127.0.0.1, 10.0.0.0/8".into(),
        )],
        ..AppOptions::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    Agent::browser(&app).sign_up("lan", "Lan", PASSWORD).await;
    let visitor = Agent::browser(&app);
    let attempt = |client_ip: &'static str, login: String, password: &'static str| {
        let request = visitor
            .client
            .post(visitor.url("/signin"))
            .header("Origin", visitor.origin())
            .header("X-Forwarded-For", format!("{client_ip}, 10.1.2.3"))
            .form(&[("login", login), ("password", password.to_string())]);
        async move { request.send().await.unwrap().status() }
    };
    for i in 0..20 {
        assert_eq!(
            attempt("198.51.100.1", format!("khach{i:02}"), "wrong password").await,
            303
        );
    }
    assert_eq!(
        attempt("198.51.100.1", "lan".into(), PASSWORD).await,
        303,
        "that client gets in, slowed down"
    );
    assert_eq!(app.log().matches("sign-in slowed down").count(), 1);
    assert_eq!(
        attempt("198.51.100.2", "lan".into(), PASSWORD).await,
        303,
        "another client is not slowed down"
    );
    assert_eq!(app.log().matches("sign-in slowed down").count(), 1);
}

/// Signed-in sessions end after the idle limit without requests, and after
/// the absolute limit even when used all the time.
#[tokio::test]
async fn sessions_end_after_the_idle_and_the_absolute_limit() {
    use hocvu_tests::sign_in_as;
    let env = |idle: &str, max: &str| AppOptions {
        env: vec![
            ("HOCVU_SESSION_IDLE_SECS".into(), idle.into()),
            ("HOCVU_SESSION_MAX_SECS".into(), max.into()),
        ],
        ..AppOptions::default()
    };
    let signed_in = |html: String| html.contains(r#"action="/signout""#);

    let app = TestApp::spawn_with(Backend::Sqlite, env("2", "3600"))
        .await
        .unwrap();
    sign_in_as(&app, "nghi-lau", "learner").await;
    assert!(signed_in(app.page("/me").await));
    tokio::time::sleep(std::time::Duration::from_millis(3200)).await;
    assert!(
        !signed_in(app.page("/me").await),
        "idle too long: signed out"
    );

    let app = TestApp::spawn_with(Backend::Sqlite, env("3600", "3"))
        .await
        .unwrap();
    sign_in_as(&app, "dung-lien-tuc", "learner").await;
    for _ in 0..3 {
        assert!(
            signed_in(app.page("/me").await),
            "in use and within the limit"
        );
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(2600)).await;
    assert!(
        !signed_in(app.page("/me").await),
        "past the absolute limit: signed out"
    );
}
