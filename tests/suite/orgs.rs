//! Org units and officials from CSV: dry runs that list every row's problem
//! and write nothing, all-or-nothing commits, Excel-style files (BOM, `;`,
//! Vietnamese headers), one-time set-password codes printed per unit, and
//! admin-only access.

use std::collections::BTreeMap;

use hocvu_tests::{
    add_user, html, location_of, on_both_databases,
    orgs::{code_sheets, import_units, set_password, upload_officials, OFFICIAL_PASSWORD},
    Agent, TestApp,
};

/// Row number (1-based line in the file) -> (data-status, problem text), from
/// the `<table class="import-rows">` of an import page.
fn import_rows(page: &str) -> BTreeMap<u32, (String, String)> {
    let statuses = html::attrs(page, "table.import-rows tr[data-row]", "data-status");
    let problems = html::keyed_texts(
        page,
        "table.import-rows tr[data-row]",
        "data-row",
        "td.problem",
    );
    assert_eq!(statuses.len(), problems.len(), "every row has a status");
    let mut rows = BTreeMap::new();
    for ((row, problem), status) in problems.into_iter().zip(statuses) {
        let row: u32 = row
            .parse()
            .unwrap_or_else(|_| panic!("data-row is a line number: {row:?}"));
        assert!(
            rows.insert(row, (status, problem)).is_none(),
            "row {row} listed twice"
        );
    }
    rows
}

/// Asserts which rows are `ok` and which are `error` (with a message).
fn assert_rows(page: &str, ok: &[u32], errors: &[u32]) {
    let rows = import_rows(page);
    let mut want: Vec<u32> = ok.iter().chain(errors).copied().collect();
    want.sort();
    assert_eq!(
        rows.keys().copied().collect::<Vec<_>>(),
        want,
        "one row per data line, numbered by line: {rows:?}"
    );
    for row in ok {
        let (status, problem) = &rows[row];
        assert_eq!(status, "ok", "row {row}: {problem}");
        assert!(problem.is_empty(), "row {row} is fine but says {problem:?}");
    }
    for row in errors {
        let (status, problem) = &rows[row];
        assert_eq!(status, "error", "row {row} should be refused");
        assert!(!problem.is_empty(), "row {row} says what is wrong");
    }
}

async fn admin_of(app: &TestApp) -> Agent {
    add_user(app, "quantri", "Quản Trị Viên", "admin").await
}

async fn units_import(admin: &Agent, csv: &str, mode: &str) -> reqwest::Response {
    admin
        .post_form("/admin/units/import", &[("csv", csv), ("mode", mode)])
        .await
}

const BAD_UNITS: &str = "code,name,parent_code\n\
TINH,Tỉnh Mẫu,\n\
SO-TC,Sở Tài chính,TINH\n\
SO-TC,Sở trùng mã,TINH\n\
XA-A,Xã An Bình,KHONG-CO\n\
XA-B,,TINH\n\
XA-C,Xã Cát,SO-TC\n";

async fn units_dry_run_lists_each_rows_problem_and_commit_is_all_or_nothing(app: TestApp) {
    let admin = admin_of(&app).await;

    // Dry run: unknown parent, duplicate code and missing name each flagged on
    // their own line (the first SO-TC is fine, the second is the duplicate).
    let response = units_import(&admin, BAD_UNITS, "dry_run").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert_rows(&page, &[2, 3, 7], &[4, 5, 6]);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM org_units").await, 0);

    // The same file for real: refused whole, good rows included.
    let response = units_import(&admin, BAD_UNITS, "commit").await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert_rows(&page, &[2, 3, 7], &[4, 5, 6]);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM org_units").await,
        0,
        "a commit with an error writes nothing"
    );

    // A good dry run writes nothing either.
    let good = "code,name,parent_code\nTINH,Tỉnh Mẫu,\nSO-TC,Sở Tài chính,TINH\n";
    let response = units_import(&admin, good, "dry_run").await;
    assert_eq!(response.status(), 200);
    assert_rows(&response.text().await.unwrap(), &[2, 3], &[]);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM org_units").await, 0);

    // Two units that name each other as parent are no tree.
    let cycle = "code,name,parent_code\nVONG-A,Vòng A,VONG-B\nVONG-B,Vòng B,VONG-A\n";
    let response = units_import(&admin, cycle, "commit").await;
    assert_eq!(response.status(), 422, "a cycle is refused");
    let rows = import_rows(&response.text().await.unwrap());
    assert!(
        rows.values().any(|(status, _)| status == "error"),
        "{rows:?}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM org_units").await, 0);
}

async fn units_commit_with_parents_after_children(app: TestApp) {
    let admin = admin_of(&app).await;
    // Children first, the root last; uploaded as a file this time.
    let csv = "code,name,parent_code\n\
XA-A,Xã An Bình,HUYEN\n\
TO-1,Tổ dân phố 1,XA-A\n\
HUYEN,Huyện Đông,TINH\n\
TINH,Tỉnh Mẫu,\n";
    let response = admin
        .post_multipart(
            "/admin/units/import",
            &[("mode", "commit")],
            Some(("don-vi.csv", csv.as_bytes().to_vec())),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(location_of(&response), "/admin/units?done=imported&count=4");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM org_units").await, 4);
    for (child, parent) in [("XA-A", "HUYEN"), ("TO-1", "XA-A"), ("HUYEN", "TINH")] {
        assert_eq!(
            app.scalar(&format!(
                "SELECT COUNT(*) FROM org_units c JOIN org_units p ON c.parent_id = p.id \
                 WHERE c.code = '{child}' AND p.code = '{parent}'"
            ))
            .await,
            1,
            "{child} under {parent}"
        );
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM org_units WHERE code = 'TINH' AND parent_id IS NULL")
            .await,
        1
    );
    assert_eq!(
        app.text("SELECT name FROM org_units WHERE code = 'XA-A'")
            .await,
        "Xã An Bình",
        "Vietnamese names stored intact"
    );
    let tree = admin.page("/admin/units").await;
    for name in ["Tỉnh Mẫu", "Huyện Đông", "Xã An Bình", "Tổ dân phố 1"] {
        assert!(tree.contains(name), "{name} on the tree page");
    }

    // The one-unit form: add, move, and refusals (unknown parent, a cycle).
    let response = admin
        .post_form(
            "/admin/units",
            &[
                ("code", "XA-B"),
                ("name", "Xã Bình Minh"),
                ("parent_code", "HUYEN"),
            ],
        )
        .await;
    assert_eq!(location_of(&response), "/admin/units?done=saved");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM org_units").await, 5);
    let response = admin
        .post_form(
            "/admin/units",
            &[
                ("code", "XA-C"),
                ("name", "Xã Cũ"),
                ("parent_code", "KHONG-CO"),
            ],
        )
        .await;
    assert!(
        location_of(&response).starts_with("/admin/units?error="),
        "{}",
        location_of(&response)
    );
    let response = admin
        .post_form(
            "/admin/units",
            &[
                ("code", "HUYEN"),
                ("name", "Huyện Đông"),
                ("parent_code", "TO-1"),
            ],
        )
        .await;
    assert!(
        location_of(&response).starts_with("/admin/units?error="),
        "a unit cannot move under its own descendant: {}",
        location_of(&response)
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM org_units").await, 5);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM org_units c JOIN org_units p ON c.parent_id = p.id \
             WHERE c.code = 'HUYEN' AND p.code = 'TINH'"
        )
        .await,
        1,
        "the refused move changed nothing"
    );
}

const UNITS: &str = "code,name,parent_code\n\
TINH,Tỉnh Mẫu,\n\
SO-TC,Sở Tài chính,TINH\n\
XA-A,Xã An Bình,TINH\n";

/// An Excel "CSV UTF-8" file in a `;` locale: BOM, `;`, Vietnamese headers.
fn excel_csv(lines: &[&str]) -> Vec<u8> {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    let mut text = String::from("Họ và tên;Số điện thoại;Mã đơn vị;Chức vụ\r\n");
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

async fn officials_import_checks_rows_is_all_or_nothing_and_codes_work_once(app: TestApp) {
    let admin = admin_of(&app).await;
    import_units(&admin, UNITS).await;
    // Someone already has this phone number.
    let response = Agent::anonymous(&app)
        .post_form(
            "/signup",
            &[
                ("login", "0987 654 321"),
                ("display_name", "Người Đã Có"),
                ("password", "mật khẩu đủ dài"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let users_before = app.scalar("SELECT COUNT(*) FROM users").await;

    let bad = excel_csv(&[
        "Nguyễn Thị Hương;0912 345 678;SO-TC;Chuyên viên",
        "Trần Văn Nam;0912345679;KHONG-CO;Chuyên viên",
        "Lê Văn Tám;+84 912 345 678;XA-A;Công chức",
        "Phạm Thị Mai;0987654321;XA-A;Công chức",
        "Hoàng Văn Ba;09123;XA-A;",
        ";0912000111;XA-A;Công chức",
        "Đỗ Thị Lan;0912000222;XA-A;Chủ tịch",
    ]);
    // 2 ok, 3 unknown unit, 4 same phone as row 2 (another spelling),
    // 5 phone of an existing account, 6 bad phone, 7 no name, 8 ok.
    let response = upload_officials(&admin, &bad, "dry_run").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert_rows(&page, &[2, 8], &[3, 4, 5, 6, 7]);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, users_before);

    let response = upload_officials(&admin, &bad, "commit").await;
    assert_eq!(response.status(), 422);
    assert_rows(&response.text().await.unwrap(), &[2, 8], &[3, 4, 5, 6, 7]);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users").await,
        users_before,
        "all or nothing"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM password_resets").await,
        0,
        "no codes for a refused import"
    );

    // The good rows, plus one official known by a username.
    let good = excel_csv(&[
        "Nguyễn Thị Hương;0912 345 678;SO-TC;Chuyên viên",
        "Đỗ Thị Lan;0912000222;XA-A;Chủ tịch",
        "Ông Văn Ba;ong.ba;XA-A;Công chức",
    ]);
    let response = upload_officials(&admin, &good, "commit").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    let codes = code_sheets(&page);
    let sheet: Vec<(&str, &str)> = codes
        .iter()
        .map(|(login, (unit, _))| (login.as_str(), unit.as_str()))
        .collect();
    assert_eq!(
        sheet,
        [
            ("+84912000222", "XA-A"),
            ("+84912345678", "SO-TC"),
            ("ong.ba", "XA-A"),
        ],
        "one sheet per unit, logins in canonical form"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users").await,
        users_before + 3
    );
    let codes: BTreeMap<String, String> = codes.into_iter().map(|(l, (_, c))| (l, c)).collect();
    let distinct: std::collections::BTreeSet<&String> = codes.values().collect();
    assert_eq!(distinct.len(), 3, "every official gets a code of their own");
    for code in codes.values() {
        assert!(
            !app.texts("SELECT code_hash FROM password_resets")
                .await
                .iter()
                .any(|h| h.contains(code.as_str()) || h.contains(&code.replace('-', ""))),
            "codes are not stored in clear"
        );
    }

    // The accounts: learners in their units, with position and name.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM users u JOIN org_units o ON u.unit_id = o.id \
             WHERE u.phone = '+84912345678' AND o.code = 'SO-TC' AND u.role = 'learner' \
             AND u.position = 'Chuyên viên' AND u.display_name = 'Nguyễn Thị Hương'"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM users u JOIN org_units o ON u.unit_id = o.id \
             WHERE u.username = 'ong.ba' AND o.code = 'XA-A'"
        )
        .await,
        1
    );

    // No password yet: nobody can sign in as them.
    for login in ["0912345678", "ong.ba"] {
        for guess in ["", OFFICIAL_PASSWORD] {
            let response = Agent::anonymous(&app)
                .post_form("/signin", &[("login", login), ("password", guess)])
                .await;
            assert_ne!(
                location_of(&response),
                "/me",
                "{login} signed in before setting a password"
            );
        }
    }

    // The code sets a password once; then the official signs in normally.
    let huong = set_password(&app, "0912 345 678", &codes["+84912345678"]).await;
    assert!(huong.page("/me").await.contains("Nguyễn Thị Hương"));
    let response = Agent::anonymous(&app)
        .post_form(
            "/signin",
            &[("login", "0912345678"), ("password", OFFICIAL_PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location_of(&response), "/me");
    let again = Agent::anonymous(&app)
        .post_form(
            "/reset",
            &[
                ("login", "0912345678"),
                ("code", &codes["+84912345678"]),
                ("password", "một mật khẩu khác hẳn"),
            ],
        )
        .await;
    assert!(
        location_of(&again).starts_with("/reset?error"),
        "a code works once: {}",
        location_of(&again)
    );
    // A code is for its own person only.
    let wrong = Agent::anonymous(&app)
        .post_form(
            "/reset",
            &[
                ("login", "ong.ba"),
                ("code", &codes["+84912000222"]),
                ("password", "một mật khẩu khác hẳn"),
            ],
        )
        .await;
    assert!(location_of(&wrong).starts_with("/reset?error"));

    // New codes for a subtree: only those who never set a password, and the
    // old codes stop working.
    let response = admin
        .post_form("/admin/officials/codes", &[("unit_code", "TINH")])
        .await;
    assert_eq!(response.status(), 200);
    let fresh = code_sheets(&response.text().await.unwrap());
    assert_eq!(
        fresh.keys().map(String::as_str).collect::<Vec<_>>(),
        ["+84912000222", "ong.ba"],
        "Hương already has a password"
    );
    let old = Agent::anonymous(&app)
        .post_form(
            "/reset",
            &[
                ("login", "ong.ba"),
                ("code", &codes["ong.ba"]),
                ("password", OFFICIAL_PASSWORD),
            ],
        )
        .await;
    assert!(
        location_of(&old).starts_with("/reset?error"),
        "the old code is void"
    );
    let ba = set_password(&app, "ong.ba", &fresh["ong.ba"].1).await;
    assert!(ba.page("/me").await.contains("Ông Văn Ba"));
}

async fn officials_import_reads_plain_comma_files_with_english_headers(app: TestApp) {
    let admin = admin_of(&app).await;
    import_units(&admin, UNITS).await;
    // No BOM, `,`, English headers in another case and order, quoted fields.
    let csv = "Unit_Code,FULL_NAME,Login,Position\n\
SO-TC,\"Trịnh Văn Quang\",0977000111,\"Phó phòng, kiêm nhiệm\"\n\
XA-A,Mai Thị Thu,0977000222,\n";
    let response = upload_officials(&admin, csv.as_bytes(), "dry_run").await;
    assert_eq!(response.status(), 200);
    assert_rows(&response.text().await.unwrap(), &[2, 3], &[]);
    let response = upload_officials(&admin, csv.as_bytes(), "commit").await;
    assert_eq!(response.status(), 200);
    let codes = code_sheets(&response.text().await.unwrap());
    assert_eq!(codes["+84977000111"].0, "SO-TC");
    assert_eq!(codes["+84977000222"].0, "XA-A");
    assert_eq!(
        app.text("SELECT position FROM users WHERE phone = '+84977000111'")
            .await,
        "Phó phòng, kiêm nhiệm"
    );
    assert_eq!(
        app.text("SELECT position FROM users WHERE phone = '+84977000222'")
            .await,
        "",
        "position is optional"
    );
}

/// A province-sized dry run lists every problem but not every good row.
async fn a_big_dry_run_lists_every_problem_and_only_the_first_good_rows(app: TestApp) {
    let admin = admin_of(&app).await;
    import_units(&admin, UNITS).await;
    let mut csv = String::from("full_name,login,unit_code,position\n");
    for i in 0..300 {
        csv.push_str(&format!("Cán bộ {i},0977{i:06},XA-A,\n"));
    }
    csv.push_str("Sai đơn vị,0977999999,KHONG-CO,\n");
    let response = upload_officials(&admin, csv.as_bytes(), "dry_run").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    let rows = import_rows(&page);
    let errors: Vec<u32> = rows
        .iter()
        .filter(|(_, (status, _))| status == "error")
        .map(|(line, _)| *line)
        .collect();
    assert_eq!(errors, [302], "the bad last row is listed");
    let good = rows.values().filter(|(status, _)| status == "ok").count();
    assert!(good < 300, "not every good row is listed ({good})");
    assert!(
        page.contains(&(300 - good).to_string()),
        "says how many are not shown"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE unit_id IS NOT NULL")
            .await,
        0
    );
}

async fn only_admins_import(app: TestApp) {
    let admin = admin_of(&app).await;
    import_units(&admin, UNITS).await;
    let supervisor = add_user(&app, "giamsat", "Giám Sát", "supervisor").await;
    let learner = add_user(&app, "hocvien", "Học Viên", "learner").await;
    let trainer = add_user(&app, "giangvien", "Giảng Viên", "trainer").await;
    let users_before = app.scalar("SELECT COUNT(*) FROM users").await;
    let units = "code,name,parent_code\nMOI,Đơn vị mới,TINH\n";
    let officials = "full_name,login,unit_code,position\nLa Văn Mới,0911222333,SO-TC,\n";

    for (who, agent) in [
        ("supervisor", &supervisor),
        ("learner", &learner),
        ("trainer", &trainer),
    ] {
        assert_eq!(agent.get("/admin/units").await.status(), 403, "{who}");
        for mode in ["dry_run", "commit"] {
            let response = units_import(agent, units, mode).await;
            assert_eq!(response.status(), 403, "{who} units {mode}");
            let response = upload_officials(agent, officials.as_bytes(), mode).await;
            assert_eq!(response.status(), 403, "{who} officials {mode}");
        }
        let response = agent
            .post_form(
                "/admin/units",
                &[("code", "MOI"), ("name", "Mới"), ("parent_code", "")],
            )
            .await;
        assert_eq!(response.status(), 403, "{who} unit form");
        let response = agent
            .post_form("/admin/officials/codes", &[("unit_code", "TINH")])
            .await;
        assert_eq!(response.status(), 403, "{who} new codes");
        let id = hocvu_tests::orgs::user_id(&app, "hocvien").await;
        let response = agent
            .post_form(
                "/admin/users/unit",
                &[("user_id", &id), ("unit_code", "SO-TC"), ("position", "")],
            )
            .await;
        assert_eq!(response.status(), 403, "{who} moves a person");
    }

    let anonymous = Agent::anonymous(&app);
    let response = anonymous.get("/admin/units").await;
    assert_eq!(response.status(), 303);
    assert!(location_of(&response).starts_with("/signin?next="));
    let response = units_import(&anonymous, units, "commit").await;
    assert_eq!(response.status(), 303);
    assert!(location_of(&response).starts_with("/signin"));
    let response = upload_officials(&anonymous, officials.as_bytes(), "commit").await;
    assert_eq!(response.status(), 303);
    assert!(location_of(&response).starts_with("/signin"));

    assert_eq!(app.scalar("SELECT COUNT(*) FROM org_units").await, 3);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, users_before);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE unit_id IS NOT NULL")
            .await,
        0
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM password_resets").await, 0);

    // The admin may.
    let response = units_import(&admin, units, "commit").await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM org_units").await, 4);
}

/// More than 10 MB of CSV: 413 (or the connection closed after it), and
/// nothing written.
async fn an_oversized_upload_is_refused(app: TestApp) {
    let admin = admin_of(&app).await;
    import_units(&admin, UNITS).await;
    let users_before = app.scalar("SELECT COUNT(*) FROM users").await;

    let mut officials = String::from("full_name,login,unit_code,position\n");
    let mut n = 0u64;
    while officials.len() <= 11 * 1024 * 1024 {
        officials.push_str(&format!(
            "Nguyễn Văn Số {n},09{:08},SO-TC,Chuyên viên kiêm nhiệm nhiều việc\n",
            n % 100_000_000
        ));
        n += 1;
    }
    let sent = admin
        .post_multipart(
            "/admin/officials/import",
            &[("mode", "commit")],
            Some(("lon.csv", officials.into_bytes())),
        )
        .await;
    match sent {
        Ok(response) => assert_eq!(response.status(), 413),
        Err(err) => assert!(err.is_request(), "{err}"),
    }

    let mut units = String::from("code,name,parent_code\n");
    let mut n = 0u64;
    while units.len() <= 11 * 1024 * 1024 {
        units.push_str(&format!("DV{n},Đơn vị số {n} của tỉnh,TINH\n"));
        n += 1;
    }
    let sent = admin
        .post_multipart(
            "/admin/units/import",
            &[("mode", "commit")],
            Some(("lon.csv", units.clone().into_bytes())),
        )
        .await;
    match sent {
        Ok(response) => assert_eq!(response.status(), 413),
        Err(err) => assert!(err.is_request(), "{err}"),
    }
    // The same as a urlencoded text field.
    let sent = admin
        .post_from_site("/admin/units/import")
        .form(&[("csv", units.as_str()), ("mode", "commit")])
        .send()
        .await;
    match sent {
        Ok(response) => assert_eq!(response.status(), 413),
        Err(err) => assert!(err.is_request(), "{err}"),
    }

    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, users_before);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM org_units").await, 3);
    // And the server is still fine.
    assert_eq!(admin.get("/admin/units").await.status(), 200);
}

/// The printed sheet says where to go: the site's address and a QR code of
/// its set-password page on every unit's page, and phone logins grouped as
/// people write them. Without a known address (`public_url` unset and a
/// request to another host) it prints no address and says so.
async fn code_sheets_print_the_address_a_qr_code_and_phones_as_written(app: TestApp) {
    let admin = admin_of(&app).await;
    import_units(&admin, UNITS).await;
    let csv = excel_csv(&[
        "Nguyễn Thị Hương;0987 111 222;SO-TC;Chuyên viên",
        "Ông Văn Ba;ong.ba;XA-A;Công chức",
    ]);
    let response = upload_officials(&admin, &csv, "commit").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    let reset = format!("{}/reset", app.origin());
    for unit in ["SO-TC", "XA-A"] {
        let sheet = format!("section.code-sheet[data-unit=\"{unit}\"]");
        assert_eq!(
            html::text(&page, &format!("{sheet} .reset-url")).as_deref(),
            Some(reset.as_str()),
            "{unit}"
        );
        let instructions = html::text(&page, &format!("{sheet} .sheet-instructions")).unwrap();
        assert!(
            instructions.starts_with(&format!("Mở trang {reset} ")),
            "{instructions}"
        );
        assert_eq!(html::count(&page, &format!("{sheet} .qr svg")), 1, "{unit}");
    }
    assert!(!page.contains("public_url"), "the address is known");
    let logins = html::keyed_texts(&page, "tr[data-login]", "data-login", "td.login");
    assert_eq!(
        logins,
        [
            ("+84987111222".to_string(), "0987 111 222".to_string()),
            ("ong.ba".to_string(), "ong.ba".to_string()),
        ]
    );

    // A forged Host: no link to it, no QR code, and the page asks for
    // public_url as certificates do. The codes are still there.
    let forged = admin
        .client
        .post(admin.url("/admin/officials/codes"))
        .header("host", "evil.example")
        .header("cookie", admin.cookie.clone().unwrap())
        .form(&[("unit_code", "TINH")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 200);
    let page = forged.text().await.unwrap();
    assert_eq!(code_sheets(&page).len(), 2);
    assert!(!page.contains("evil.example"), "no link to the forged host");
    assert!(!page.contains("<svg"), "no QR code without an address");
    assert!(page.contains("public_url"));
    assert_eq!(html::count(&page, ".reset-url"), 0);
}

/// With `public_url` set, the sheets print it (not the request's host).
#[tokio::test]
async fn code_sheets_print_the_configured_public_address() {
    let options = hocvu_tests::AppOptions {
        env: vec![(
            "HOCVU_PUBLIC_URL".into(),
            "https://hocvu.tinh.gov.vn/".into(),
        )],
        ..Default::default()
    };
    let app = TestApp::spawn_with(hocvu_tests::Backend::Sqlite, options)
        .await
        .unwrap();
    let admin = admin_of(&app).await;
    import_units(&admin, UNITS).await;
    let csv = excel_csv(&["Nguyễn Thị Hương;0987 111 222;SO-TC;Chuyên viên"]);
    let page = upload_officials(&admin, &csv, "commit")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        html::texts(&page, ".reset-url"),
        ["https://hocvu.tinh.gov.vn/reset"]
    );
    assert!(!page.contains(&app.origin()));
}

on_both_databases!(
    code_sheets_print_the_address_a_qr_code_and_phones_as_written,
    units_dry_run_lists_each_rows_problem_and_commit_is_all_or_nothing,
    units_commit_with_parents_after_children,
    officials_import_checks_rows_is_all_or_nothing_and_codes_work_once,
    officials_import_reads_plain_comma_files_with_english_headers,
    a_big_dry_run_lists_every_problem_and_only_the_first_good_rows,
    only_admins_import,
    an_oversized_upload_is_refused,
);
