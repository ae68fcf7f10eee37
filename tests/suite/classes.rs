//! Classes at the commune house: a leader starts a class, phones join by
//! the QR address or a typed code, the leader paces the steps and pushes a
//! question, people without a phone are added by name with consent, the
//! class ends and its record is right; who may do what; several servers on
//! PostgreSQL; and, in Chromium, a leader with three phones and a projector.

use std::time::{Duration, Instant};

use hocvu_tests::{
    add_user, artefact_dir, browser::Browser, content_fixture, course_toml, eventually, html,
    location_of, on_both_databases, orgs::import_units, Agent, Backend, TempDir, TestApp,
};

/// One course: a chapter in two sections with a two-question quiz, and a
/// short second chapter.
pub fn class_content() -> TempDir {
    content_fixture(&[
        ("lop/course.toml", &course_toml("Khóa học tại hội trường", "all", &["01-mot.md", "02-hai.md"])),
        (
            "lop/01-mot.md",
            "+++\nid = \"bai-mot\"\ntitle = \"Bài một\"\nminutes = 5\nsummary = \"Tóm tắt\"\n+++\n\n\
             Mở đầu bài một.\n\n## Phần đầu\n\nNOI-DUNG-PHAN-DAU\n\n## Phần sau\n\nNOI-DUNG-PHAN-SAU\n",
        ),
        (
            "lop/01-mot.quiz.md",
            "## Mã OTP có được đọc cho người khác không? {#otp}\n\n- [ ] Được, nếu là nhân viên ngân hàng\n- [x] Không bao giờ\n\n> GIAI-THICH-OTP-71c2\n\n\
             ## Khi nghi bị lừa, gọi số nào? {#goi}\n\n- [x] Tổng đài chính thức của ngân hàng\n- [ ] Số trong tin nhắn lạ\n\n> GIAI-THICH-GOI-5e9a\n",
        ),
        (
            "lop/02-hai.md",
            "+++\nid = \"bai-hai\"\ntitle = \"Bài hai\"\nminutes = 3\nsummary = \"Tóm tắt\"\n+++\n\nNOI-DUNG-BAI-HAI\n",
        ),
    ])
}

async fn spawn(backend: Backend) -> Option<(TestApp, TempDir)> {
    TestApp::spawn_with_fixture(backend, class_content()).await
}

/// Starts a class of the fixture's course: (class id, join code).
pub async fn start_class(leader: &Agent, extra: &[(&str, &str)]) -> (String, String) {
    let mut form = vec![("course", "lop")];
    form.extend_from_slice(extra);
    start_class_of(leader, &form).await
}

/// Starts a class with the start form's `form`: (class id, join code).
pub async fn start_class_of(leader: &Agent, form: &[(&str, &str)]) -> (String, String) {
    let response = leader.post_form("/classes", form).await;
    assert_eq!(response.status(), 303, "start a class");
    let to = location_of(&response);
    let id = to
        .strip_prefix("/classes/")
        .expect("to the class's page")
        .to_string();
    let page = leader.page(&to).await;
    let code = html::attrs(&page, "[data-code]", "data-code")
        .first()
        .cloned()
        .expect("the join code on the leader's page");
    (id, code)
}

/// A class leader placed in commune "Xã An Bình" (set up by an admin).
pub async fn placed_leader(app: &TestApp, login: &str) -> Agent {
    let admin = add_user(app, &format!("{login}-quantri"), "Quản trị", "admin").await;
    if app
        .scalar("SELECT COUNT(*) FROM org_units WHERE code = 'XA-AB'")
        .await
        == 0
    {
        import_units(&admin, "code,name,parent_code\nXA-AB,Xã An Bình,\n").await;
    }
    let leader = add_user(app, login, "Chị Hoa tổ công nghệ", "class_leader").await;
    let user_id = app
        .text(&format!("SELECT id FROM users WHERE username = '{login}'"))
        .await;
    let placed = admin
        .post_form(
            "/admin/users/unit",
            &[("user_id", &user_id), ("unit_code", "XA-AB")],
        )
        .await;
    assert_eq!(placed.status(), 303, "place {login}");
    leader
}

/// The change number the leader's page shows.
async fn seq_of(leader: &Agent, id: &str) -> String {
    let page = leader.page(&format!("/classes/{id}")).await;
    html::attrs(&page, "#class-live", "data-seq")[0].clone()
}

/// Presses a control button as the leader's page sends it.
async fn control(leader: &Agent, id: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let seq = seq_of(leader, id).await;
    let mut form = vec![("seq", seq.as_str())];
    form.extend_from_slice(fields);
    leader
        .post_form(&format!("/classes/{id}/step"), &form)
        .await
}

/// A phone that joined with `name` (empty: a guest).
async fn joined_phone(app: &TestApp, code: &str, name: &str) -> Agent {
    let phone = Agent::browser(app);
    let response = phone
        .post_form(&format!("/join/{code}"), &[("name", name)])
        .await;
    assert_eq!(response.status(), 303, "join {code}");
    assert_eq!(location_of(&response), format!("/join/{code}"));
    phone
}

/// The first signal the class's stream sends to `agent`.
async fn first_signal(agent: &Agent, path: &str) -> serde_json::Value {
    let mut response = agent.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut text = String::new();
    while let Ok(Some(chunk)) = tokio::time::timeout(Duration::from_secs(5), response.chunk())
        .await
        .expect("a signal in time")
    {
        text.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(data) = text.lines().find_map(|l| l.strip_prefix("data:")) {
            return serde_json::from_str(data.trim()).expect("json signal");
        }
    }
    panic!("no signal in {text:?}");
}

async fn a_class_runs_from_start_to_record(app: TestApp) {
    let leader = placed_leader(&app, "todan").await;
    let (id, code) = start_class(&leader, &[]).await;
    assert_eq!(code.len(), 6, "{code}");
    assert!(
        code.chars()
            .all(|c| "ACDEFGHJKMNPQRTUVWXY346789".contains(c)),
        "{code}"
    );

    // Before joining: one button, and no lesson yet.
    let visitor = Agent::browser(&app);
    let page = visitor.page(&format!("/join/{code}")).await;
    assert_eq!(
        html::count(&page, &format!("form[action='/join/{code}'] button")),
        1
    );
    assert!(!page.contains("NOI-DUNG-PHAN-DAU"));

    // Three phones: one named, two guests; one of them joins twice.
    let lan = joined_phone(&app, &code, "Bà Lan").await;
    let guest1 = joined_phone(&app, &code, "").await;
    let guest2 = joined_phone(&app, &code, " ").await;
    let again = guest1
        .post_form(&format!("/join/{code}"), &[("name", "")])
        .await;
    assert_eq!(again.status(), 303);
    let people = app
        .texts(&format!(
            "SELECT name FROM class_attendees WHERE class_id = '{id}' ORDER BY joined_at, name"
        ))
        .await;
    assert_eq!(
        people.len(),
        3,
        "a phone that joins twice is one attendee: {people:?}"
    );
    for name in ["Bà Lan", "Khách 1", "Khách 2"] {
        assert!(people.iter().any(|p| p == name), "{name} in {people:?}");
    }

    // Every phone shows the first step.
    for phone in [&lan, &guest1, &guest2] {
        let page = phone.page(&format!("/join/{code}")).await;
        assert!(
            page.contains("NOI-DUNG-PHAN-DAU"),
            "first section on the phone"
        );
        assert!(!page.contains("NOI-DUNG-PHAN-SAU"), "one section at a time");
    }
    let signal = first_signal(&lan, &format!("/join/{code}/events")).await;
    assert_eq!(signal["seq"], 0);
    assert_eq!(signal["joined"], 3);

    // The leader moves on: the stream says so and the phone shows part two.
    assert_eq!(control(&leader, &id, &[("go", "next")]).await.status(), 303);
    let signal = first_signal(&lan, &format!("/join/{code}/events")).await;
    assert_eq!(signal["seq"], 1);
    let page = lan.page(&format!("/join/{code}")).await;
    assert!(page.contains("NOI-DUNG-PHAN-SAU") && !page.contains("NOI-DUNG-PHAN-DAU"));
    // A double tap (the same page's form twice) moves once.
    let stale = leader
        .post_form(
            &format!("/classes/{id}/step"),
            &[("seq", "0"), ("go", "next")],
        )
        .await;
    assert_eq!(stale.status(), 303);
    assert_eq!(seq_of(&leader, &id).await, "1");

    // A question: choices on every phone, no answer anywhere before it is answered.
    assert_eq!(
        control(&leader, &id, &[("go", "question"), ("question", "otp")])
            .await
            .status(),
        303
    );
    let ask = lan.page(&format!("/join/{code}")).await;
    let keys = html::attrs(&ask, "input[name=choice]", "value");
    assert_eq!(keys.len(), 2, "two choices");
    for secret in ["GIAI-THICH-OTP-71c2", "correct", "Đáp án đúng"] {
        assert!(
            !ask.contains(secret),
            "{secret} on the phone before answering"
        );
    }
    let labels = html::texts(&ask, "label.choice");
    let right = keys[labels
        .iter()
        .position(|l| l.contains("Không bao giờ"))
        .expect("the right choice")]
    .clone();
    let wrong = keys.iter().find(|k| **k != right).unwrap().clone();
    let answer_to = |question: &'static str, phone: &Agent, key: String| {
        let path = format!("/join/{code}/answer");
        let phone = phone.clone();
        async move {
            phone
                .post_form(&path, &[("question", question), ("choice", &key)])
                .await
        }
    };
    let answer = |phone: &Agent, key: String| answer_to("otp", phone, key);
    assert_eq!(answer(&lan, right.clone()).await.status(), 303);
    assert_eq!(answer(&guest1, wrong.clone()).await.status(), 303);
    // A second answer from the same phone is not counted.
    answer(&lan, wrong.clone()).await;
    let after = lan.page(&format!("/join/{code}")).await;
    assert!(
        !after.contains("GIAI-THICH-OTP-71c2"),
        "no explanation before the reveal"
    );
    let screen = leader.page(&format!("/classes/{id}")).await;
    assert_eq!(
        html::attrs(&screen, "[data-answered]", "data-answered"),
        vec!["2"]
    );

    // Reveal: shares (no names) and the explanation, on the phone and the leader's page.
    assert_eq!(
        control(&leader, &id, &[("go", "reveal")]).await.status(),
        303
    );
    let revealed = lan.page(&format!("/join/{code}")).await;
    assert!(revealed.contains("GIAI-THICH-OTP-71c2"));
    assert_eq!(
        html::count(&revealed, ".verdict-valid"),
        1,
        "Bà Lan was right"
    );
    let shares = html::texts(&revealed, ".shares .share-count");
    assert!(
        shares.iter().any(|s| s.starts_with("50 % (1)")),
        "{shares:?}"
    );
    assert!(!revealed.contains("Khách 1"), "shares carry no names");
    let wrong_page = guest1.page(&format!("/join/{code}")).await;
    assert_eq!(html::count(&wrong_page, ".verdict-revoked"), 1);
    // An answer after the reveal is refused.
    answer(&guest2, right.clone()).await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM class_answers WHERE class_id = '{id}'"
        ))
        .await,
        2
    );

    // The second question too: Bà Lan has answered the whole quiz in class,
    // which counts as her attempt at the chapter's quiz.
    control(&leader, &id, &[("go", "question"), ("question", "goi")]).await;
    let ask = lan.page(&format!("/join/{code}")).await;
    let keys = html::attrs(&ask, "input[name=choice]", "value");
    let labels = html::texts(&ask, "label.choice");
    let right2 = keys[labels.iter().position(|l| l.contains("Tổng đài")).unwrap()].clone();
    assert_eq!(answer_to("otp", &lan, right2.clone()).await.status(), 303);
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM class_answers WHERE class_id = '{id}' AND question = 'goi'"
        ))
        .await,
        0,
        "an answer to a question no longer asked is refused"
    );
    answer_to("goi", &lan, right2).await;
    let lan_learner = app
        .text(&format!(
            "SELECT learner_id FROM class_attendees WHERE class_id = '{id}' AND name = 'Bà Lan'"
        ))
        .await;
    assert_eq!(
        app.texts(&format!(
            "SELECT CAST(percent AS TEXT) FROM quiz_attempts WHERE learner_id = '{lan_learner}' AND quiz = 'bai-mot'"
        ))
        .await,
        vec!["100"],
        "the class's answers are her quiz attempt"
    );

    // Someone without a phone: refused without consent, kept with it.
    let refused = leader
        .post_form(
            &format!("/classes/{id}/attendees"),
            &[
                ("name", "Ông Ba"),
                ("birth_year", "1951"),
                ("hamlet", "Thôn 3"),
            ],
        )
        .await;
    assert!(
        location_of(&refused).contains("error=consent"),
        "{}",
        location_of(&refused)
    );
    let added = leader
        .post_form(
            &format!("/classes/{id}/attendees"),
            &[
                ("name", "Ông Ba"),
                ("birth_year", "1951"),
                ("hamlet", "Thôn 3"),
                ("consent", "1"),
            ],
        )
        .await;
    assert_eq!(added.status(), 303);
    let bad_year = leader
        .post_form(
            &format!("/classes/{id}/attendees"),
            &[("name", "X"), ("birth_year", "19"), ("consent", "1")],
        )
        .await;
    assert!(location_of(&bad_year).contains("error=birth_year"));

    // Next from the question goes on to chapter two: chapter one is read by every phone.
    control(&leader, &id, &[("go", "next")]).await;
    let page = guest2.page(&format!("/join/{code}")).await;
    assert!(page.contains("NOI-DUNG-BAI-HAI"), "chapter two");
    let read = app
        .scalar(&format!(
            "SELECT COUNT(DISTINCT learner_id) FROM progress_events WHERE chapter = 'bai-mot' AND kind = 'read' \
             AND learner_id IN (SELECT learner_id FROM class_attendees WHERE class_id = '{id}')"
        ))
        .await;
    assert_eq!(
        read, 3,
        "reading in class marks the chapter read for each phone"
    );

    // The end: the record is right.
    assert_eq!(
        leader
            .post_form(&format!("/classes/{id}/end"), &[])
            .await
            .status(),
        303
    );
    let record = leader.page(&format!("/classes/{id}")).await;
    assert_eq!(html::count(&record, ".people li"), 4, "{record}");
    let covered = html::texts(&record, ".covered li");
    assert_eq!(covered, vec!["Bài một (1/2)", "Bài một (2/2)", "Bài hai"]);
    let results = html::texts(&record, ".results li");
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].contains("1/2"), "{results:?}");
    let csv = leader.get(&format!("/classes/{id}/record.csv")).await;
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[5], "Họ tên");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    let ba = rows
        .iter()
        .find(|r| &r[5] == "Ông Ba")
        .expect("Ông Ba in the CSV");
    assert_eq!(
        (&ba[6], &ba[7], &ba[8]),
        ("1951", "Thôn 3", "Ghi tên tại lớp")
    );
    let lan_row = rows.iter().find(|r| &r[5] == "Bà Lan").unwrap();
    assert_eq!((&lan_row[9], &lan_row[10]), ("2", "2"));

    // A phone after the end: a clear page, and the class in its /me.
    let page = guest1.page(&format!("/join/{code}")).await;
    assert_eq!(html::count(&page, "h1"), 1);
    assert!(html::text(&page, "h1").unwrap().contains("đã kết thúc"));
    let me = lan.page("/me").await;
    assert_eq!(
        html::texts(&me, ".my-classes li").len(),
        1,
        "the class in /me"
    );
    // Controls of an ended class change nothing.
    let seq = app
        .scalar(&format!("SELECT seq FROM classes WHERE id = '{id}'"))
        .await;
    leader
        .post_form(
            &format!("/classes/{id}/step"),
            &[("seq", &seq.to_string()), ("go", "next")],
        )
        .await;
    assert_eq!(
        app.scalar(&format!("SELECT seq FROM classes WHERE id = '{id}'"))
            .await,
        seq
    );
}

async fn only_the_leader_controls_the_class(mut app: TestApp) {
    let leader = placed_leader(&app, "todan").await;
    let (id, code) = start_class(&leader, &[]).await;
    let other = placed_leader(&app, "todan2").await;
    let learner = add_user(&app, "hocvien", "Học viên", "learner").await;
    let supervisor = add_user(&app, "giamsat", "Giám sát", "supervisor").await;
    let admin = add_user(&app, "quantri", "Quản trị", "admin").await;
    let phone = joined_phone(&app, &code, "").await;
    for (who, agent) in [
        ("another leader", &other),
        ("a learner", &learner),
        ("a supervisor", &supervisor),
        ("a phone", &phone),
    ] {
        for path in [
            format!("/classes/{id}/step"),
            format!("/classes/{id}/attendees"),
            format!("/classes/{id}/end"),
        ] {
            let response = agent
                .post_form(
                    &path,
                    &[
                        ("seq", "0"),
                        ("go", "next"),
                        ("name", "X"),
                        ("consent", "1"),
                    ],
                )
                .await;
            let status = response.status().as_u16();
            assert!(
                status == 403 || (status == 303 && location_of(&response).starts_with("/signin")),
                "{who} POST {path}: {status}"
            );
        }
    }
    assert_eq!(seq_of(&leader, &id).await, "0", "nothing moved");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM class_attendees").await, 1);
    // Learners cannot start classes; an admin may lead anyone's.
    assert_eq!(
        learner
            .post_form("/classes", &[("course", "lop")])
            .await
            .status(),
        403
    );
    assert_eq!(control(&admin, &id, &[("go", "next")]).await.status(), 303);
    assert_eq!(seq_of(&leader, &id).await, "1");
    // The projector is the leader's (another leader of the unit sees the
    // record, not the screen); the record export is not public.
    let screen = other.page(&format!("/classes/{id}/screen")).await;
    assert_eq!(html::count(&screen, ".class-screen"), 0);
    assert_eq!(html::count(&screen, ".class-controls"), 0);
    assert_eq!(
        Agent::anonymous(&app)
            .get(&format!("/classes/{id}/record.csv"))
            .await
            .status(),
        303
    );
    assert_eq!(
        learner
            .get(&format!("/classes/{id}/record.csv"))
            .await
            .status(),
        403
    );
    assert_eq!(
        other.get(&format!("/classes/{id}/events")).await.status(),
        403
    );
    // A form from another site changes nothing.
    let forged = leader
        .post_form_from("http://evil.example", &format!("/classes/{id}/end"), &[])
        .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM classes WHERE ended_at IS NULL AND id = '{id}'"
        ))
        .await,
        1
    );
    app.client = TestApp::spawn_client(&app);
}

/// Units: province → two communes. A leader of commune A holds classes in
/// A only; the province's supervisor sees them, commune B's does not.
async fn leaders_and_supervisors_keep_to_their_units(app: TestApp) {
    let admin = add_user(&app, "quantri", "Quản trị", "admin").await;
    import_units(
        &admin,
        "code,name,parent_code\nTINH,Tỉnh Lâm Đồng,\nXA-A,Xã A,TINH\nXA-B,Xã B,TINH\n",
    )
    .await;
    let leader = add_user(&app, "todan", "Tổ dân xã A", "class_leader").await;
    let sup_tinh = add_user(&app, "giamsat-tinh", "Giám sát tỉnh", "supervisor").await;
    let sup_b = add_user(&app, "giamsat-b", "Giám sát xã B", "supervisor").await;
    // Not placed yet: told so, no form.
    let page = leader.page("/classes").await;
    assert_eq!(html::count(&page, "form[action='/classes']"), 0);
    let refused = leader.post_form("/classes", &[("course", "lop")]).await;
    assert!(location_of(&refused).contains("error=no_unit"));
    for (login, unit) in [
        ("todan", "XA-A"),
        ("giamsat-tinh", "TINH"),
        ("giamsat-b", "XA-B"),
    ] {
        let user_id = app
            .text(&format!("SELECT id FROM users WHERE username = '{login}'"))
            .await;
        let placed = admin
            .post_form(
                "/admin/users/unit",
                &[("user_id", &user_id), ("unit_code", unit)],
            )
            .await;
        assert_eq!(placed.status(), 303, "place {login}");
    }
    let unit_b = app
        .text("SELECT id FROM org_units WHERE code = 'XA-B'")
        .await;
    let outside = leader
        .post_form("/classes", &[("course", "lop"), ("unit", &unit_b)])
        .await;
    assert!(
        location_of(&outside).contains("error=unit"),
        "{}",
        location_of(&outside)
    );
    let page = leader.page("/classes").await;
    let offered = html::texts(&page, "#class-unit option");
    assert_eq!(
        offered,
        vec!["Xã A"],
        "only the leader's own subtree is offered"
    );
    let (id, _) = start_class(&leader, &[]).await;
    assert_eq!(
        app.text(&format!(
            "SELECT u.code FROM classes c JOIN org_units u ON u.id = c.unit_id WHERE c.id = '{id}'"
        ))
        .await,
        "XA-A",
        "the leader's own unit by default"
    );
    let list = sup_tinh.page("/classes").await;
    assert_eq!(html::count(&list, &format!("a[href='/classes/{id}']")), 1);
    assert_eq!(sup_tinh.get(&format!("/classes/{id}")).await.status(), 200);
    assert_eq!(
        sup_tinh
            .get(&format!("/classes/{id}/record.csv"))
            .await
            .status(),
        200
    );
    let list = sup_b.page("/classes").await;
    assert_eq!(html::count(&list, &format!("a[href='/classes/{id}']")), 0);
    assert_eq!(sup_b.get(&format!("/classes/{id}")).await.status(), 404);
    assert_eq!(
        sup_b
            .get(&format!("/classes/{id}/record.csv"))
            .await
            .status(),
        403
    );
    // Supervisors see classes, they do not start them.
    assert_eq!(
        sup_tinh
            .post_form("/classes", &[("course", "lop")])
            .await
            .status(),
        403
    );
}

async fn codes_cannot_be_guessed_and_reading_writes_nothing(app: TestApp) {
    let leader = placed_leader(&app, "todan").await;
    let (id, code) = start_class(&leader, &[]).await;
    let phone = joined_phone(&app, &code, "").await;
    let tables = [
        "classes",
        "class_attendees",
        "class_steps",
        "class_answers",
        "progress_events",
        "sessions",
        "learners",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(app.scalar(&format!("SELECT COUNT(*) FROM {t}")).await);
    }
    for path in [
        format!("/join/{code}"),
        "/classes".into(),
        format!("/classes/{id}"),
        format!("/classes/{id}/screen"),
        "/me".into(),
    ] {
        let agent = if path.starts_with("/classes") {
            &leader
        } else {
            &phone
        };
        assert_eq!(agent.get(&path).await.status(), 200, "GET {path}");
    }
    let mut after = Vec::new();
    for t in tables {
        after.push(app.scalar(&format!("SELECT COUNT(*) FROM {t}")).await);
    }
    assert_eq!(before, after, "reading class pages wrote to {tables:?}");

    // The home page's field: typed in lower case with a space.
    let typed = Agent::anonymous(&app)
        .get(&format!(
            "/join?code={}",
            format!("{} {}", &code[..3], &code[3..]).to_lowercase()
        ))
        .await;
    assert_eq!(location_of(&typed), format!("/join/{code}"));
    // An unknown code: a clear page, then a run of guesses is cut off, for every code.
    let guesser = Agent::anonymous(&app);
    let unknown = guesser.get("/join/AAAAAA").await;
    assert_eq!(unknown.status(), 404);
    let page = unknown.text().await.unwrap();
    assert!(
        html::text(&page, "h1")
            .unwrap()
            .contains("Không tìm thấy lớp"),
        "{page}"
    );
    assert_eq!(
        html::count(&page, "form[action='/join'] input[name=code]"),
        1,
        "type it again"
    );
    for n in 0..25 {
        guesser.get(&format!("/join/CCCC{:02}", n % 100)).await;
    }
    assert_eq!(
        guesser.get(&format!("/join/{code}")).await.status(),
        429,
        "a guessing address learns nothing"
    );
    let join = guesser.post_form(&format!("/join/{code}"), &[]).await;
    assert_eq!(join.status(), 429);
}

async fn a_class_left_open_ends_by_itself(app: TestApp) {
    let leader = placed_leader(&app, "todan").await;
    let (id, _) = start_class(&leader, &[]).await;
    let (other, _) = start_class(&leader, &[]).await;
    let long_ago = 1_000_000;
    app.execute(&format!(
        "UPDATE classes SET started_at = {long_ago} WHERE id = '{id}'"
    ))
    .await;
    let second = app
        .start_again_with(&[("HOCVU_HOUSEKEEPING_SECS", "1")])
        .await;
    let ended = eventually(20, || async {
        second
            .scalar(&format!(
                "SELECT COUNT(*) FROM classes WHERE id = '{id}' AND ended_at IS NOT NULL"
            ))
            .await
            == 1
    })
    .await;
    assert!(ended, "a class open for hours ends by itself");
    assert_eq!(
        second
            .scalar(&format!(
                "SELECT COUNT(*) FROM classes WHERE id = '{other}' AND ended_at IS NULL"
            ))
            .await,
        1,
        "a class just started stays open"
    );
}

on_both_databases!(
    each on class_content:
    a_class_runs_from_start_to_record,
    only_the_leader_controls_the_class,
    leaders_and_supervisors_keep_to_their_units,
    codes_cannot_be_guessed_and_reading_writes_nothing,
    a_class_left_open_ends_by_itself,
);

/// Reads `stream` until its text holds `want` (5 s at most).
async fn read_until(stream: &mut reqwest::Response, seen: &mut String, want: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !seen.contains(want) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.chunk()).await {
            Ok(Ok(Some(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
            _ => return false,
        }
    }
    true
}

/// PostgreSQL, two app servers: the leader on one, a phone on the other;
/// the step reaches the phone's stream through LISTEN/NOTIFY.
#[tokio::test]
async fn a_class_spans_two_servers_on_postgres() {
    let Some((first, _content)) = spawn(Backend::Postgres).await else {
        return;
    };
    let second = first.start_again_with(&[]).await;
    let leader = placed_leader(&first, "todan").await;
    let (id, code) = start_class(&leader, &[]).await;
    let phone = joined_phone(&second, &code, "Bà Lan").await;
    let mut stream = phone.get(&format!("/join/{code}/events")).await;
    assert_eq!(stream.status(), 200);
    let mut seen = String::new();
    assert!(
        read_until(&mut stream, &mut seen, "\"seq\":0").await,
        "the current step on connecting: {seen}"
    );
    let pressed = Instant::now();
    assert_eq!(control(&leader, &id, &[("go", "next")]).await.status(), 303);
    assert!(
        read_until(&mut stream, &mut seen, "\"seq\":1").await,
        "the next step reached the other server's phone: {seen}"
    );
    println!("next step crossed servers in {:?}", pressed.elapsed());
    let page = phone.page(&format!("/join/{code}")).await;
    assert!(page.contains("NOI-DUNG-PHAN-SAU"));
    // And a phone joining on the second server is counted on the first's projector stream.
    let mut screen = leader.get(&format!("/classes/{id}/events")).await;
    let mut seen = String::new();
    assert!(
        read_until(&mut screen, &mut seen, "\"joined\":1").await,
        "{seen}"
    );
    joined_phone(&second, &code, "").await;
    assert!(
        read_until(&mut screen, &mut seen, "\"joined\":2").await,
        "{seen}"
    );
}

/// In Chromium, on SQLite: the leader on a phone, the projector at
/// 1280×720, and three phones at 360×740 (one joins by the QR address, one
/// by typing the code on the home page, one loses its network and catches
/// up).
#[tokio::test]
async fn a_leader_and_three_phones_in_the_hall() {
    let (app, _content) = spawn(Backend::Sqlite).await.expect("SQLite");
    hall(&app, &app, "class").await;
}

/// The same on PostgreSQL with two app servers: the leader and the
/// projector on one, the phones on the other.
#[tokio::test]
async fn a_leader_on_one_server_and_phones_on_another() {
    let Some((app, _content)) = spawn(Backend::Postgres).await else {
        return;
    };
    let other = app.start_again_with(&[]).await;
    hall(&app, &other, "class-pg").await;
}

async fn hall(app: &TestApp, phones_app: &TestApp, shot: &str) {
    let cookie = placed_leader(app, "todan").await.cookie.expect("a session");
    let origin = app.origin();
    let dir = artefact_dir();
    let shots = |name: &str| dir.join(format!("{shot}-{name}.png"));

    let leader = Browser::phone(true).await;
    leader.use_session(&origin, &cookie).await;
    leader.goto(&app.url("/classes")).await;
    leader.screenshot(&shots("start")).await;
    leader
        .click("form[action='/classes'] button[type=submit]")
        .await;
    leader
        .wait_for_path(|p| p.starts_with("/classes/") && p.len() > 12)
        .await;
    let class_path = leader
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .to_string();
    let code = leader
        .find(".class-code")
        .await
        .attr("data-code")
        .await
        .unwrap()
        .expect("the code");

    let projector = Browser::sized(true, (1280, 720)).await;
    projector.use_session(&origin, &cookie).await;
    projector
        .goto(&app.url(&format!("{class_path}/screen")))
        .await;

    // Phone 1: the QR code's address.
    let p1 = Browser::phone(true).await;
    p1.goto(&phones_app.url(&format!("/join/{code}"))).await;
    p1.screenshot(&shots("join")).await;
    p1.find("#join-name")
        .await
        .send_keys("Bà Lan")
        .await
        .unwrap();
    p1.click("form.join-class button[type=submit]").await;
    p1.wait_for("#class-live").await;
    // Phone 2: the home page's field, typed by hand.
    let p2 = Browser::phone(true).await;
    p2.goto(&phones_app.url("/")).await;
    p2.find("#join-code")
        .await
        .send_keys(&code.to_lowercase())
        .await
        .unwrap();
    p2.click("form.join-form button[type=submit]").await;
    p2.wait_for("form.join-class").await;
    p2.click("form.join-class button[type=submit]").await;
    p2.wait_for("#class-live").await;
    // Phone 3.
    let p3 = Browser::phone(true).await;
    p3.goto(&phones_app.url(&format!("/join/{code}"))).await;
    p3.click("form.join-class button[type=submit]").await;
    p3.wait_for("#class-live").await;
    let phones = [&p1, &p2, &p3];

    // The projector counts them without a reload.
    let counted = eventually(10, || async {
        projector
            .client
            .find(fantoccini::Locator::Css(".screen-joined[data-joined='3']"))
            .await
            .is_ok()
    })
    .await;
    assert!(counted, "the projector shows 3 joined");
    projector.screenshot(&shots("screen")).await;
    p1.screenshot(&shots("phone-step1")).await;

    async fn seq_on(b: &Browser) -> String {
        match b.client.find(fantoccini::Locator::Css("#class-live")).await {
            Ok(e) => e.attr("data-seq").await.ok().flatten().unwrap_or_default(),
            Err(_) => String::new(),
        }
    }
    async fn all_at(phones: &[&Browser], seq: &str, seconds: u64) -> bool {
        eventually(seconds, || async {
            for p in phones {
                if seq_on(p).await != seq {
                    return false;
                }
            }
            true
        })
        .await
    }
    async fn press(leader: &Browser, value: &str) {
        leader
            .click(&format!(".class-controls button[value={value}]"))
            .await;
        leader.wait_for(".class-controls").await;
    }

    // Next: every phone follows by itself.
    press(&leader, "next").await;
    assert!(all_at(&phones, "1", 5).await, "every phone shows step 2");
    assert!(p2.text("#class-live").await.contains("NOI-DUNG-PHAN-SAU"));
    p2.screenshot(&shots("phone-step2")).await;

    // Phone 3 loses its signal while the class moves on. (DevTools' offline
    // mode fails the phone's new requests; Chromium keeps a stream already
    // open, so the phone hears of the step but cannot load it.) It says so,
    // stays where it was, and catches up by itself once back.
    p3.network(false).await;
    press(&leader, "next").await;
    assert!(all_at(&[&p1, &p2], "2", 5).await);
    let lost = eventually(10, || async {
        p3.text("#class-status").await.contains("Mất kết nối")
    })
    .await;
    assert!(lost, "the phone says it lost the class");
    assert_eq!(
        seq_on(&p3).await,
        "1",
        "offline, the phone cannot load the step"
    );
    p3.network(true).await;
    assert!(
        all_at(&[&p3], "2", 15).await,
        "back online, the phone catches up by itself"
    );
    assert!(p3.text("#class-live").await.contains("NOI-DUNG-BAI-HAI"));

    // Back to chapter one's second part, ask a question, answer on every phone.
    press(&leader, "prev").await;
    assert!(all_at(&phones, "3", 5).await);
    leader.click(".ask-list li:first-child button").await;
    leader.wait_for(".class-controls").await;
    assert!(
        all_at(&phones, "4", 5).await,
        "the question reaches every phone"
    );
    p1.screenshot(&shots("phone-question")).await;
    for (phone, choice) in [
        (&p1, "Không bao giờ"),
        (&p2, "Không bao giờ"),
        (&p3, "Được, nếu là nhân viên ngân hàng"),
    ] {
        phone.tick_choices(&[choice]).await;
        phone.click("#class-live form button[type=submit]").await;
        phone.wait_for("#class-live .notice").await;
    }
    let answered = eventually(10, || async {
        projector
            .client
            .find(fantoccini::Locator::Css("[data-answered='3']"))
            .await
            .is_ok()
    })
    .await;
    assert!(answered, "the projector counts 3 answers");
    press(&leader, "reveal").await;
    assert!(all_at(&phones, "5", 5).await);
    assert!(p1.text("#class-live").await.contains("GIAI-THICH-OTP-71c2"));
    let shown = eventually(10, || async {
        projector.text("#class-live").await.contains("67 % (2)")
    })
    .await;
    assert!(
        shown,
        "the projector shows the shares: {}",
        projector.text("#class-live").await
    );
    projector.screenshot(&shots("screen-reveal")).await;
    p3.screenshot(&shots("phone-reveal")).await;

    // The end: every phone says so; the record lists the three.
    leader.click("form.end-class button").await;
    leader.wait_for(".covered").await;
    let ended = eventually(10, || async {
        let mut all = true;
        for p in &phones {
            all &= p.text("h1").await.contains("đã kết thúc");
        }
        all
    })
    .await;
    assert!(ended, "every phone shows the class ended");
    assert_eq!(
        leader
            .client
            .find_all(fantoccini::Locator::Css(".people li"))
            .await
            .unwrap()
            .len(),
        3
    );
    leader.screenshot(&shots("record")).await;
    for b in [leader, projector, p1, p2, p3] {
        b.close().await;
    }
}
