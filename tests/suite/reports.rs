//! Supervisor reports on a fixture built through the real endpoints (units
//! and officials imported, courses assigned, people moved and added late,
//! chapters read), checked against counts worked out by hand; the CSV
//! export parsed back; the overdue list and its reminder outbox; and a
//! supervisor who never sees outside their own subtree.

use std::collections::{BTreeMap, BTreeSet};

use hocvu_tests::{
    add_user, chapter, content_fixture, course_toml, date_today, html, location_of,
    on_both_databases,
    orgs::{import_officials, import_units, move_to_unit, set_password, user_id},
    Agent, TestApp,
};

// ---------------------------------------------------------------------------
// The fixture

/// Two courses without quizzes: reading every chapter completes them.
fn report_content() -> tempfile::TempDir {
    content_fixture(&[
        (
            "bat-buoc/course.toml",
            &course_toml("Chuyển đổi số bắt buộc", "all", &["01-mot.md", "02-hai.md"]),
        ),
        (
            "bat-buoc/01-mot.md",
            &tagged(chapter("mot", "Bài một", "Nội dung một."), "0.1"),
        ),
        (
            "bat-buoc/02-hai.md",
            &tagged(chapter("hai", "Bài hai", "Nội dung hai."), "0.1"),
        ),
        (
            "an-toan/course.toml",
            &course_toml("An toàn thông tin", "all", &["01-ba.md"]),
        ),
        (
            "an-toan/01-ba.md",
            &tagged(chapter("ba", "Bài ba", "Nội dung ba."), "4.1"),
        ),
        (
            "skills.toml",
            "[[group]]\ncode = \"0\"\nname = \"Thiết bị số\"\n\n\
             [[group]]\ncode = \"4\"\nname = \"An toàn số\"\n\n\
             [[skill]]\ncode = \"0.1\"\nname = \"Dùng điện thoại\"\ngroup = \"0\"\naudience = \"all\"\n\n\
             [[skill]]\ncode = \"4.1\"\nname = \"Nhận diện lừa đảo\"\ngroup = \"4\"\naudience = \"all\"\n",
        ),
    ])
}

/// A chapter's front matter with one skill code added.
fn tagged(chapter: String, skill: &str) -> String {
    chapter.replacen(
        "minutes = 5\n",
        &format!("minutes = 5\nskills = [\"{skill}\"]\n"),
        1,
    )
}

/// TINH > HUYEN > {SO > SO-P1, XA}; TINH > KHAC.
const UNITS: &str = "code,name,parent_code\n\
TINH,Tỉnh Thử Nghiệm,\n\
HUYEN,Huyện Đông,TINH\n\
SO,Sở Nội vụ,HUYEN\n\
SO-P1,Phòng Một,SO\n\
XA,Xã Hòa Bình,HUYEN\n\
KHAC,Huyện Tây,TINH\n";

/// Officials imported before the courses are assigned.
const OFFICIALS: &str = "full_name,login,unit_code,position\n\
Nguyễn Thị Hương,0912000001,SO,Chuyên viên\n\
Trần Văn Nam,0912000002,SO,Trưởng phòng\n\
Lê Thị Hoa,0912000003,SO-P1,Chuyên viên\n\
Phạm Văn Đức,0912000004,XA,Công chức\n\
Võ Thị Lan,0912000005,XA,Công chức\n\
Đặng Văn Hải,0912000006,KHAC,Chuyên viên\n";

/// Imported after the assignments: inherits them.
const LATE: &str = "full_name,login,unit_code,position\n\
Bùi Thị Thu,0912000007,SO-P1,Chuyên viên\n";

const HUONG: &str = "+84912000001";
const NAM: &str = "+84912000002";
const HOA: &str = "+84912000003";
const DUC: &str = "+84912000004";
const LAN: &str = "+84912000005";
const HAI: &str = "+84912000006";
const THU: &str = "+84912000007";

struct Fixture {
    app: TestApp,
    admin: Agent,
    /// Supervisor of SO (X in the scope tests).
    sup_so: Agent,
    /// Supervisor of XA (a sibling of SO).
    sup_xa: Agent,
    /// A supervisor without a unit.
    sup_none: Agent,
    /// Officials signed in (by their one-time codes), by login.
    officials: BTreeMap<&'static str, Agent>,
}

async fn assign(
    agent: &Agent,
    course: &str,
    unit: &str,
    positions: &str,
    due: &str,
) -> reqwest::Response {
    agent
        .post_form(
            "/assignments",
            &[
                ("course", course),
                ("unit_code", unit),
                ("positions", positions),
                ("due_on", due),
            ],
        )
        .await
}

/// `assign` with "Lưu dù hạn đã qua" pressed.
async fn assign_past_due(
    agent: &Agent,
    course: &str,
    unit: &str,
    positions: &str,
    due: &str,
) -> reqwest::Response {
    agent
        .post_form(
            "/assignments",
            &[
                ("course", course),
                ("unit_code", unit),
                ("positions", positions),
                ("due_on", due),
                ("confirm_past_due", "1"),
            ],
        )
        .await
}

async fn read(agent: &Agent, course: &str, chapter: &str) {
    let response = agent.mark_read(course, chapter).await;
    assert_eq!(response.status(), 303, "read {course}/{chapter}");
}

/// Who is where, what is assigned, and who did what (worked out by hand in
/// `expected_units` below):
///
/// * A1 `bat-buoc` to HUYEN for Chuyên viên, Công chức, Trưởng phòng, due 2099-12-31
/// * A2 `an-toan` to SO for " chuyên viên " (case, spaces), due 2020-01-10 (overdue)
/// * A3 `bat-buoc` again to SO-P1 for everyone, due 2098-06-30 (earlier: wins)
/// * Thu is imported into SO-P1 after that; Lan moves XA -> SO-P1 (as Công
///   chức), Nam moves SO -> XA; supervisors ("Lãnh đạo") match no assignment.
async fn fixture(app: TestApp) -> Fixture {
    let admin = add_user(&app, "quantri", "Quản Trị Viên", "admin").await;
    import_units(&admin, UNITS).await;
    let mut codes = import_officials(&admin, OFFICIALS).await;

    for (course, unit, positions, due) in [
        (
            "bat-buoc",
            "HUYEN",
            "Chuyên viên, Công chức,Trưởng phòng",
            "2099-12-31",
        ),
        ("an-toan", "SO", " chuyên viên ", "2020-01-10"),
        ("bat-buoc", "SO-P1", "", "2098-06-30"),
    ] {
        let response = if due < date_today(7).as_str() {
            // Meant: the overdue assignment is confirmed past its date.
            assign_past_due(&admin, course, unit, positions, due).await
        } else {
            assign(&admin, course, unit, positions, due).await
        };
        assert_eq!(response.status(), 303, "assign {course} to {unit}");
        assert_eq!(location_of(&response), "/assignments?done=created");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assignments").await, 3);

    codes.extend(import_officials(&admin, LATE).await);
    move_to_unit(&app, &admin, LAN, "SO-P1", "Công chức").await;
    move_to_unit(&app, &admin, NAM, "XA", "Trưởng phòng").await;

    let mut officials = BTreeMap::new();
    for login in [HUONG, NAM, HOA, DUC, LAN, THU] {
        let (_, code) = &codes[login];
        officials.insert(login, set_password(&app, login, code).await);
    }
    // Hương completes bat-buoc; Hoa starts it and completes an-toan (late,
    // still completed); Lan starts bat-buoc; Đức completes it; Nam and Thu
    // do nothing.
    read(&officials[HUONG], "bat-buoc", "mot").await;
    read(&officials[HUONG], "bat-buoc", "hai").await;
    read(&officials[HOA], "bat-buoc", "mot").await;
    read(&officials[HOA], "an-toan", "ba").await;
    read(&officials[LAN], "bat-buoc", "mot").await;
    read(&officials[DUC], "bat-buoc", "mot").await;
    read(&officials[DUC], "bat-buoc", "hai").await;

    let sup_so = add_user(&app, "gs-so", "Giám Sát Sở", "supervisor").await;
    move_to_unit(&app, &admin, "gs-so", "SO", "Lãnh đạo").await;
    let sup_xa = add_user(&app, "gs-xa", "Giám Sát Xã", "supervisor").await;
    move_to_unit(&app, &admin, "gs-xa", "XA", "Lãnh đạo").await;
    let sup_none = add_user(&app, "gs-khong", "Giám Sát Chưa Có Đơn Vị", "supervisor").await;

    Fixture {
        app,
        admin,
        sup_so,
        sup_xa,
        sup_none,
        officials,
    }
}

/// assigned, completed, in_progress, not_started, overdue, percent.
type Counts = [i64; 6];

const COLUMNS: [&str; 6] = [
    "assigned",
    "completed",
    "in_progress",
    "not_started",
    "overdue",
    "percent",
];

/// Person-course pairs per unit subtree, by hand:
///
/// | person | unit  | bat-buoc    | an-toan   |
/// |--------|-------|-------------|-----------|
/// | Hương  | SO    | completed   | overdue   |
/// | Hoa    | SO-P1 | in_progress | completed |
/// | Lan    | SO-P1 | in_progress | —         |
/// | Thu    | SO-P1 | not_started | overdue   |
/// | Đức    | XA    | completed   | —         |
/// | Nam    | XA    | not_started | —         |
/// | Hải    | KHAC  | —           | —         |
fn expected_units() -> BTreeMap<&'static str, Counts> {
    BTreeMap::from([
        ("TINH", [9, 3, 2, 2, 2, 33]),
        ("HUYEN", [9, 3, 2, 2, 2, 33]),
        ("SO", [7, 2, 2, 1, 2, 28]),
        ("SO-P1", [5, 1, 2, 1, 1, 20]),
        ("XA", [2, 1, 0, 1, 0, 50]),
        ("KHAC", [0, 0, 0, 0, 0, 0]),
    ])
}

/// The `report-units` rows of a page, in order: (unit, is total, counts).
fn unit_rows(page: &str) -> Vec<(String, bool, Counts)> {
    let units = html::attrs(page, "table.report-units tr[data-unit]", "data-unit");
    let classes: Vec<bool> = units
        .iter()
        .map(|u| {
            html::count(
                page,
                &format!("table.report-units tr.total[data-unit=\"{u}\"]"),
            ) == 1
        })
        .collect();
    units
        .iter()
        .zip(classes)
        .map(|(unit, total)| {
            let mut counts = [0; 6];
            for (i, col) in COLUMNS.iter().enumerate() {
                let cell = html::text(
                    page,
                    &format!("table.report-units tr[data-unit=\"{unit}\"] td[data-col=\"{col}\"]"),
                )
                .unwrap_or_else(|| panic!("{unit} has a {col} cell"));
                let number = cell.trim().trim_end_matches('%').trim();
                counts[i] = number
                    .parse()
                    .unwrap_or_else(|_| panic!("{unit} {col} is a number: {cell:?}"));
            }
            (unit.clone(), total, counts)
        })
        .collect()
}

/// Asserts the rows of a report: `want[0]` is the total, the rest children.
fn assert_units(page: &str, what: &str, want: &[(&str, Counts)]) {
    let rows = unit_rows(page);
    let got: Vec<(&str, bool, Counts)> =
        rows.iter().map(|(u, t, c)| (u.as_str(), *t, *c)).collect();
    let want: Vec<(&str, bool, Counts)> = want
        .iter()
        .enumerate()
        .map(|(i, (u, c))| (*u, i == 0, *c))
        .collect();
    assert_eq!(got, want, "{what}: [{}]", COLUMNS.join(", "));
}

/// (login, course, status) of the `report-people` table (one row per
/// person, one mark per course).
fn people_rows(page: &str) -> BTreeSet<(String, String, String)> {
    let sel = "table.report-people [data-login][data-course]";
    let logins = html::attrs(page, sel, "data-login");
    let courses = html::attrs(page, sel, "data-course");
    let statuses = html::attrs(page, sel, "data-status");
    assert!(logins.len() == courses.len() && courses.len() == statuses.len());
    let rows: BTreeSet<_> = logins
        .into_iter()
        .zip(courses)
        .zip(statuses)
        .map(|((l, c), s)| (l, c, s))
        .collect();
    assert_eq!(
        rows.len(),
        html::count(page, sel),
        "one mark per person-course"
    );
    let persons: BTreeSet<_> = rows.iter().map(|(l, _, _)| l.clone()).collect();
    assert_eq!(
        persons.len(),
        html::count(page, "table.report-people tr[data-person]"),
        "one row per person"
    );
    rows
}

fn people(want: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    want.iter()
        .map(|(l, c, s)| (l.to_string(), c.to_string(), s.to_string()))
        .collect()
}

// ---------------------------------------------------------------------------
// Counts

async fn report_counts_match_the_hand_computed_fixture(app: TestApp) {
    let f = fixture(app).await;
    let units = expected_units();
    let row = |u: &'static str| (u, units[u]);

    // Admin: from the root down, one drill-down step at a time.
    let page = f.admin.page("/reports?unit=TINH").await;
    assert_units(&page, "TINH", &[row("TINH"), row("HUYEN"), row("KHAC")]);
    let page = f.admin.page("/reports?unit=HUYEN").await;
    assert_units(&page, "HUYEN", &[row("HUYEN"), row("SO"), row("XA")]);
    for child in ["SO", "XA"] {
        let links = html::attrs(
            &page,
            &format!("table.report-units tr[data-unit=\"{child}\"] a[href]"),
            "href",
        );
        assert!(
            links.iter().any(|h| h == &format!("/reports?unit={child}")
                || h.starts_with(&format!("/reports?unit={child}&"))),
            "{child} drills down: {links:?}"
        );
    }
    assert!(
        html::count(&page, "svg.report-chart") == 1,
        "a server-rendered chart"
    );
    assert!(
        html::count(
            &page,
            "svg.report-chart rect, svg.report-chart path, svg.report-chart line"
        ) > 0,
        "the chart draws something"
    );
    // Nobody sits directly in HUYEN.
    assert!(people_rows(&page).is_empty());
    let page = f.admin.page("/reports").await;
    assert!(
        unit_rows(&page)
            .iter()
            .any(|(u, _, c)| u == "TINH" && *c == units["TINH"]),
        "an admin starts at the top-level units"
    );

    // The supervisor of SO starts at SO: the moved-in Lan and the late Thu
    // count, the moved-out Nam does not.
    let page = f.sup_so.page("/reports").await;
    assert_units(&page, "SO", &[row("SO"), row("SO-P1")]);
    assert_eq!(
        people_rows(&page),
        people(&[
            (HUONG, "bat-buoc", "completed"),
            (HUONG, "an-toan", "overdue")
        ]),
        "people directly in SO"
    );
    assert!(page.contains("Nguyễn Thị Hương"));
    let links = html::attrs(
        &page,
        "table.report-units tr[data-unit=\"SO-P1\"] a[href]",
        "href",
    );
    assert!(
        links
            .iter()
            .any(|h| h == "/reports?unit=SO-P1" || h.starts_with("/reports?unit=SO-P1&")),
        "{links:?}"
    );
    assert_eq!(html::count(&page, "svg.report-chart"), 1);

    let page = f.sup_so.page("/reports?unit=SO-P1").await;
    assert_units(&page, "SO-P1", &[row("SO-P1")]);
    assert_eq!(
        people_rows(&page),
        people(&[
            (HOA, "bat-buoc", "in_progress"),
            (HOA, "an-toan", "completed"),
            (LAN, "bat-buoc", "in_progress"),
            (THU, "bat-buoc", "not_started"),
            (THU, "an-toan", "overdue"),
        ])
    );

    // Filters: by course, by status, both.
    let page = f.sup_so.page("/reports?unit=SO&course=an-toan").await;
    assert_units(
        &page,
        "an-toan",
        &[("SO", [3, 1, 0, 0, 2, 33]), ("SO-P1", [2, 1, 0, 0, 1, 50])],
    );
    assert_eq!(people_rows(&page), people(&[(HUONG, "an-toan", "overdue")]));
    let page = f.sup_so.page("/reports?unit=SO&status=overdue").await;
    assert_units(
        &page,
        "overdue",
        &[("SO", [2, 0, 0, 0, 2, 0]), ("SO-P1", [1, 0, 0, 0, 1, 0])],
    );
    let page = f
        .sup_so
        .page("/reports?unit=SO&course=bat-buoc&status=in_progress")
        .await;
    assert_units(
        &page,
        "bat-buoc in progress",
        &[("SO", [2, 0, 2, 0, 0, 0]), ("SO-P1", [2, 0, 2, 0, 0, 0])],
    );
    assert!(people_rows(&page).is_empty());

    // The supervisor of XA: Đức and the moved-in Nam.
    let page = f.sup_xa.page("/reports").await;
    assert_units(&page, "XA", &[row("XA")]);
    assert_eq!(
        people_rows(&page),
        people(&[
            (DUC, "bat-buoc", "completed"),
            (NAM, "bat-buoc", "not_started")
        ])
    );
    for stranger in [
        "Nguyễn Thị Hương",
        "Lê Thị Hoa",
        "Võ Thị Lan",
        "Bùi Thị Thu",
    ] {
        assert!(!page.contains(stranger), "{stranger} is not in XA");
    }
}

/// /me of officials: required courses first, with status and due date.
async fn officials_see_their_required_courses_first(app: TestApp) {
    let f = fixture(app).await;
    let required = |page: &str| -> BTreeMap<String, String> {
        let courses = html::attrs(page, "section.required li[data-course]", "data-course");
        let statuses = html::attrs(page, "section.required li[data-course]", "data-status");
        assert_eq!(courses.len(), statuses.len());
        courses.into_iter().zip(statuses).collect()
    };
    let map = |want: &[(&str, &str)]| -> BTreeMap<String, String> {
        want.iter()
            .map(|(c, s)| (c.to_string(), s.to_string()))
            .collect()
    };

    let page = f.officials[HUONG].page("/me").await;
    assert_eq!(
        required(&page),
        map(&[("bat-buoc", "completed"), ("an-toan", "overdue")])
    );
    let section = html::text(&page, "section.required").unwrap();
    assert!(section.contains("Bắt buộc"), "{section}");
    assert!(
        section.contains("10/01/2020") || section.contains("2020-01-10"),
        "the due date is shown: {section}"
    );
    let main = &page[page.find("<main").expect("a <main>")..];
    let first = hocvu_tests::attribute_of(main, "<section", "class").unwrap_or_default();
    assert!(
        first.split(' ').any(|c| c == "required"),
        "required courses come first, not {first:?}"
    );

    // The late addition inherited both, with the earlier of two due dates.
    let page = f.officials[THU].page("/me").await;
    assert_eq!(
        required(&page),
        map(&[("bat-buoc", "not_started"), ("an-toan", "overdue")])
    );
    let section = html::text(&page, "section.required").unwrap();
    assert!(
        section.contains("30/06/2098") || section.contains("2098-06-30"),
        "earliest due date of bat-buoc: {section}"
    );
    assert!(
        !section.contains("31/12/2099") && !section.contains("2099-12-31"),
        "{section}"
    );
    // Moved in as Công chức: bat-buoc only (an-toan is for Chuyên viên).
    let page = f.officials[LAN].page("/me").await;
    assert_eq!(required(&page), map(&[("bat-buoc", "in_progress")]));
    // Moved out of SO: an-toan never applied; bat-buoc follows to XA.
    let page = f.officials[NAM].page("/me").await;
    assert_eq!(required(&page), map(&[("bat-buoc", "not_started")]));
    // A supervisor outside every assignment has nothing required.
    let page = f.sup_so.page("/me").await;
    assert!(required(&page).is_empty());
}

// ---------------------------------------------------------------------------
// Scope

/// A redirect with the `unit_code` it echoes back blanked out (to compare
/// the answers for different units).
fn without_unit(location: &str) -> String {
    let Ok(url) = reqwest::Url::parse(&format!("http://x{location}")) else {
        return location.to_string();
    };
    let query: Vec<String> = url
        .query_pairs()
        .map(|(k, v)| match k.as_ref() {
            "unit_code" | "unit" => format!("{k}=*"),
            _ => format!("{k}={v}"),
        })
        .collect();
    format!("{}?{}", url.path(), query.join("&"))
}

/// Everything that identifies people outside SO's subtree (XA and KHAC).
const OUTSIDE_SO: [&str; 7] = [
    "Phạm Văn Đức",
    "Trần Văn Nam",
    "Đặng Văn Hải",
    "912000004",
    "912000002",
    "912000006",
    "912 000 004",
];

/// Units outside SO's subtree that are not its ancestors.
const OTHER_UNITS: [&str; 2] = ["Xã Hòa Bình", "Huyện Tây"];

fn assert_no_leak(body: &str, what: &str) {
    for secret in OUTSIDE_SO {
        assert!(!body.contains(secret), "{what} shows {secret:?}");
    }
    if what.starts_with("/reports") {
        for unit in OTHER_UNITS {
            assert!(!body.contains(unit), "{what} shows unit {unit:?}");
        }
    }
}

async fn a_supervisor_sees_only_their_own_subtree(app: TestApp) {
    let f = fixture(app).await;
    let sup = &f.sup_so;
    let assignments = f.app.scalar("SELECT COUNT(*) FROM assignments").await;

    // Assigning to a unit that does not exist is refused (404, or back to
    // the form with an error); a unit outside the subtree must get the very
    // same answer, so that it does not even learn the unit exists.
    let unknown = assign(sup, "bat-buoc", "KHONG-CO", "", "2099-01-01").await;
    let unknown = (unknown.status(), without_unit(&location_of(&unknown)));
    assert!(
        unknown.0 == 404 || (unknown.0 == 303 && unknown.1.starts_with("/assignments?error=")),
        "{unknown:?}"
    );

    // Sibling, parent, root, cousin, unknown, and spellings of them.
    for unit in [
        "XA", "HUYEN", "TINH", "KHAC", "KHONG-CO", "xa", " XA", "XA%20", "huyen",
    ] {
        for path in [
            format!("/reports?unit={unit}"),
            format!("/reports?unit={unit}&course=bat-buoc"),
            format!("/reports?unit={unit}&status=completed"),
            format!("/reports/export.csv?unit={unit}"),
            format!("/reports/export.csv?unit={unit}&status=not_started"),
            format!("/reports/overdue?unit={unit}"),
        ] {
            let path = path.replace(' ', "%20");
            let response = sup.get(&path).await;
            let status = response.status();
            let body = response.text().await.unwrap();
            assert_eq!(status, 404, "GET {path}");
            assert_no_leak(&body, &path);
        }
        let response = sup
            .post_form("/reports/overdue/remind", &[("unit", unit)])
            .await;
        assert_eq!(response.status(), 404, "remind {unit:?}");
        let response = assign(sup, "bat-buoc", unit, "", "2099-01-01").await;
        assert_eq!(
            (response.status(), without_unit(&location_of(&response))),
            unknown,
            "assign to {unit:?} answers like an unknown unit"
        );
        assert_no_leak(&response.text().await.unwrap(), "assign");
    }
    assert_eq!(
        f.app.scalar("SELECT COUNT(*) FROM assignments").await,
        assignments,
        "no assignment outside the subtree"
    );
    assert_eq!(
        f.app.scalar("SELECT COUNT(*) FROM reminder_outbox").await,
        0,
        "no reminders queued outside the subtree"
    );

    // Parameter games never widen the scope (whatever they answer).
    let xa_id = f
        .app
        .text("SELECT id FROM org_units WHERE code = 'XA'")
        .await;
    let huyen_id = f
        .app
        .text("SELECT id FROM org_units WHERE code = 'HUYEN'")
        .await;
    for path in [
        "/reports".to_string(),
        "/reports?unit=SO&unit=XA".into(),
        "/reports?unit=XA&unit=SO".into(),
        "/reports?unit=SO,XA".into(),
        "/reports?unit[]=XA".into(),
        "/reports?UNIT=XA".into(),
        "/reports?unit=SO%00XA".into(),
        "/reports?unit=SO/../XA".into(),
        "/reports?unit=%".into(),
        "/reports?unit=_A".into(),
        "/reports?unit=SO'%20OR%20'1'='1".into(),
        format!("/reports?unit_id={xa_id}"),
        format!("/reports?unit={xa_id}"),
        format!("/reports?unit={huyen_id}"),
        "/reports?unit=SO&course=bat-buoc&status=overdue%27%20OR%201=1--".into(),
        "/reports/export.csv".into(),
        "/reports/export.csv?unit=SO&unit=XA".into(),
        "/reports/export.csv?unit=XA&unit=SO".into(),
        format!("/reports/export.csv?unit_id={xa_id}"),
        "/reports/export.csv?unit=%".into(),
        "/reports/overdue".into(),
        "/reports/overdue?unit=SO&unit=XA".into(),
        "/reports/overdue?unit=%".into(),
        "/assignments".into(),
        "/me".into(),
    ] {
        let response = sup.get(&path).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(!status.is_server_error(), "{path}: {status}");
        assert_no_leak(&body, &path);
        if status == 200 && path.starts_with("/reports?") {
            for (unit, _, _) in unit_rows(&body) {
                assert!(unit == "SO" || unit == "SO-P1", "{path} shows {unit}");
            }
        }
    }
    for form in [
        vec![("unit", "SO"), ("unit", "XA")],
        vec![("unit", "XA"), ("unit", "SO")],
        vec![("unit", "%")],
        vec![("unit_id", xa_id.as_str())],
    ] {
        let response = sup.post_form("/reports/overdue/remind", &form).await;
        assert!(!response.status().is_server_error(), "{form:?}");
    }
    assert_eq!(
        f.app
            .scalar(
                "SELECT COUNT(*) FROM reminder_outbox r JOIN users u ON r.user_id = u.id \
                 JOIN org_units o ON u.unit_id = o.id WHERE o.code NOT IN ('SO', 'SO-P1')"
            )
            .await,
        0,
        "nobody outside SO is reminded"
    );
    let outbox = f.app.scalar("SELECT COUNT(*) FROM reminder_outbox").await;

    // Deleting someone else's assignment: refused, kept.
    let a1 = f
        .app
        .text(
            "SELECT a.id FROM assignments a JOIN org_units o ON a.unit_id = o.id \
             WHERE o.code = 'HUYEN'",
        )
        .await;
    let response = sup.post_form("/assignments/delete", &[("id", &a1)]).await;
    let refused = response.status() == 403
        || response.status() == 404
        || (response.status() == 303 && location_of(&response).contains("error"));
    assert!(refused, "{} {}", response.status(), location_of(&response));
    assert_eq!(
        f.app.scalar("SELECT COUNT(*) FROM assignments").await,
        assignments
    );

    // The supervisor of XA cannot look into SO either.
    for path in [
        "/reports?unit=SO",
        "/reports?unit=SO-P1",
        "/reports/export.csv?unit=SO",
        "/reports/overdue?unit=SO",
    ] {
        let response = f.sup_xa.get(path).await;
        assert_eq!(response.status(), 404, "gs-xa {path}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("Nguyễn Thị Hương") && !body.contains("912000001"));
    }

    // Learners and trainers: 403; signed out: sent to sign in.
    let learner = &f.officials[HUONG];
    let trainer = add_user(&f.app, "giangvien", "Giảng Viên", "trainer").await;
    for agent in [learner, &trainer] {
        for path in [
            "/reports",
            "/reports?unit=SO",
            "/reports/export.csv?unit=SO",
            "/reports/overdue?unit=SO",
            "/assignments",
        ] {
            assert_eq!(agent.get(path).await.status(), 403, "{path}");
        }
        let response = assign(agent, "bat-buoc", "SO", "", "2099-01-01").await;
        assert_eq!(response.status(), 403);
        let response = agent
            .post_form("/reports/overdue/remind", &[("unit", "SO")])
            .await;
        assert_eq!(response.status(), 403);
    }
    let anonymous = Agent::anonymous(&f.app);
    for path in [
        "/reports",
        "/reports/export.csv?unit=SO",
        "/reports/overdue?unit=SO",
        "/assignments",
    ] {
        let response = anonymous.get(path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert!(
            location_of(&response).starts_with("/signin?next="),
            "{path}"
        );
    }
    let response = assign(&anonymous, "bat-buoc", "SO", "", "2099-01-01").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        f.app.scalar("SELECT COUNT(*) FROM assignments").await,
        assignments
    );
    assert_eq!(
        f.app.scalar("SELECT COUNT(*) FROM reminder_outbox").await,
        outbox,
        "nobody queued reminders"
    );

    // Inside the subtree the supervisor may assign (and the report follows).
    let response = assign(sup, "an-toan", "SO-P1", "", "2099-06-01").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location_of(&response), "/assignments?done=created");
    assert_eq!(
        f.app.scalar("SELECT COUNT(*) FROM assignments").await,
        assignments + 1
    );
    let page = sup.page("/reports?unit=SO-P1&course=an-toan").await;
    // Hoa completed, Thu overdue (2020 is earlier), Lan now not started.
    assert_units(&page, "new assignment", &[("SO-P1", [3, 1, 0, 1, 1, 33])]);

    // A supervisor without a unit sees nothing at all.
    let response = f.sup_none.get("/reports").await;
    let status = response.status();
    let page = response.text().await.unwrap();
    let main = html::text(&page, "main").unwrap_or_default();
    // The spec says the page "says so" without naming a status: a page
    // (200) or a not-found page (404) that explains, never data.
    assert!(
        (status == 200 || status == 404) && main.chars().count() > 20,
        "the reports page says there is no unit ({status}): {main}"
    );
    assert!(unit_rows(&page).is_empty() && people_rows(&page).is_empty());
    for name in ["Nguyễn Thị Hương", "Phạm Văn Đức", "912000001", "912000004"] {
        assert!(!page.contains(name), "no-unit supervisor sees {name}");
    }
    for unit in ["SO", "XA", "TINH"] {
        for path in [
            format!("/reports?unit={unit}"),
            format!("/reports/export.csv?unit={unit}"),
            format!("/reports/overdue?unit={unit}"),
        ] {
            assert_eq!(f.sup_none.get(&path).await.status(), 404, "gs-khong {path}");
        }
    }
    for path in ["/reports/export.csv", "/reports/overdue"] {
        let response = f.sup_none.get(path).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("912000001") && !body.contains("Nguyễn Thị Hương"),
            "gs-khong {path} ({status})"
        );
    }
}

// ---------------------------------------------------------------------------
// CSV export and the overdue list

const HEADER: [&str; 10] = [
    "unit_code",
    "unit_name",
    "full_name",
    "login",
    "position",
    "course",
    "course_title",
    "due_on",
    "status",
    "completed_on",
];

/// (login, course) -> the record as a header -> value map.
type Export = BTreeMap<(String, String), BTreeMap<String, String>>;

async fn export(agent: &Agent, path: &str) -> Export {
    let response = agent.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    let content_type = headers["content-type"].to_str().unwrap().to_lowercase();
    assert!(
        content_type.starts_with("text/csv") && content_type.contains("charset=utf-8"),
        "{content_type}"
    );
    let disposition = headers
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(disposition.starts_with("attachment"), "{disposition:?}");
    let bytes = response.bytes().await.unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "a UTF-8 BOM so that Excel reads Vietnamese"
    );
    let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, HEADER);
    let mut rows = Export::new();
    for record in reader.records() {
        let record = record.expect("a well-formed CSV record");
        assert_eq!(record.len(), HEADER.len());
        let row: BTreeMap<String, String> = HEADER
            .iter()
            .map(|h| h.to_string())
            .zip(record.iter().map(str::to_string))
            .collect();
        let key = (canonical(&row["login"]), row["course"].clone());
        assert!(
            rows.insert(key.clone(), row).is_none(),
            "{key:?} exported twice"
        );
    }
    rows
}

/// A phone in any spelling as +84…; usernames unchanged.
fn canonical(login: &str) -> String {
    let digits: String = login.chars().filter(|c| !c.is_whitespace()).collect();
    match digits.strip_prefix('0') {
        Some(rest) if rest.chars().all(|c| c.is_ascii_digit()) => format!("+84{rest}"),
        _ => digits,
    }
}

/// (login, course, unit, name, position, due, status, completed?)
type Line = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

fn assert_export(rows: &Export, want: &[Line]) {
    let keys: BTreeSet<(String, String)> = want
        .iter()
        .map(|w| (w.0.to_string(), w.1.to_string()))
        .collect();
    assert_eq!(
        rows.keys().cloned().collect::<BTreeSet<_>>(),
        keys,
        "one row per person per assigned course"
    );
    let unit_names = BTreeMap::from([
        ("SO", "Sở Nội vụ"),
        ("SO-P1", "Phòng Một"),
        ("XA", "Xã Hòa Bình"),
    ]);
    let titles = BTreeMap::from([
        ("bat-buoc", "Chuyển đổi số bắt buộc"),
        ("an-toan", "An toàn thông tin"),
    ]);
    let today = [date_today(7), date_today(0)];
    for (login, course, unit, name, position, due, status, completed) in want {
        let row = &rows[&(login.to_string(), course.to_string())];
        let what = format!("{login} {course}");
        assert_eq!(row["unit_code"], *unit, "{what}");
        assert_eq!(row["unit_name"], unit_names[unit], "{what}");
        assert_eq!(row["full_name"], *name, "{what}: Vietnamese intact");
        assert_eq!(row["position"], *position, "{what}");
        assert_eq!(row["course_title"], titles[course], "{what}");
        assert_eq!(row["due_on"], *due, "{what}");
        assert_eq!(row["status"], *status, "{what}");
        if *completed {
            assert!(
                today.contains(&row["completed_on"]),
                "{what}: completed today, not {:?}",
                row["completed_on"]
            );
        } else {
            assert_eq!(row["completed_on"], "", "{what}");
        }
    }
}

const SO_EXPORT: [Line; 7] = [
    (
        HUONG,
        "bat-buoc",
        "SO",
        "Nguyễn Thị Hương",
        "Chuyên viên",
        "2099-12-31",
        "completed",
        true,
    ),
    (
        HUONG,
        "an-toan",
        "SO",
        "Nguyễn Thị Hương",
        "Chuyên viên",
        "2020-01-10",
        "overdue",
        false,
    ),
    (
        HOA,
        "bat-buoc",
        "SO-P1",
        "Lê Thị Hoa",
        "Chuyên viên",
        "2098-06-30",
        "in_progress",
        false,
    ),
    (
        HOA,
        "an-toan",
        "SO-P1",
        "Lê Thị Hoa",
        "Chuyên viên",
        "2020-01-10",
        "completed",
        true,
    ),
    (
        LAN,
        "bat-buoc",
        "SO-P1",
        "Võ Thị Lan",
        "Công chức",
        "2098-06-30",
        "in_progress",
        false,
    ),
    (
        THU,
        "bat-buoc",
        "SO-P1",
        "Bùi Thị Thu",
        "Chuyên viên",
        "2098-06-30",
        "not_started",
        false,
    ),
    (
        THU,
        "an-toan",
        "SO-P1",
        "Bùi Thị Thu",
        "Chuyên viên",
        "2020-01-10",
        "overdue",
        false,
    ),
];

async fn csv_export_and_overdue_reminders(app: TestApp) {
    let f = fixture(app).await;

    // The supervisor's own subtree (default and explicit unit agree).
    let rows = export(&f.sup_so, "/reports/export.csv").await;
    assert_export(&rows, &SO_EXPORT);
    assert_eq!(export(&f.sup_so, "/reports/export.csv?unit=SO").await, rows);
    let only = |pick: &dyn Fn(&Line) -> bool| -> Vec<Line> {
        SO_EXPORT.iter().copied().filter(|l| pick(l)).collect()
    };
    assert_export(
        &export(&f.sup_so, "/reports/export.csv?unit=SO&status=overdue").await,
        &only(&|l| l.6 == "overdue"),
    );
    assert_export(
        &export(&f.sup_so, "/reports/export.csv?unit=SO&course=an-toan").await,
        &only(&|l| l.1 == "an-toan"),
    );
    // By skill group: only courses that teach a skill of group 4.
    assert_export(
        &export(&f.sup_so, "/reports/export.csv?unit=SO&group=4").await,
        &only(&|l| l.1 == "an-toan"),
    );
    let page = f.sup_so.page("/reports?unit=SO&group=4").await;
    assert!(
        page.contains(r#"<option value="4" selected"#),
        "the filter shows its choice"
    );
    assert!(page.contains("group=4"), "links keep the filter");
    assert_export(
        &export(&f.sup_so, "/reports/export.csv?unit=SO-P1").await,
        &only(&|l| l.2 == "SO-P1"),
    );
    // The admin's whole tree adds XA (Hải in KHAC has nothing assigned).
    let mut all: Vec<Line> = SO_EXPORT.to_vec();
    all.push((
        DUC,
        "bat-buoc",
        "XA",
        "Phạm Văn Đức",
        "Công chức",
        "2099-12-31",
        "completed",
        true,
    ));
    all.push((
        NAM,
        "bat-buoc",
        "XA",
        "Trần Văn Nam",
        "Trưởng phòng",
        "2099-12-31",
        "not_started",
        false,
    ));
    assert_export(
        &export(&f.admin, "/reports/export.csv?unit=TINH").await,
        &all,
    );
    assert!(export(&f.admin, "/reports/export.csv?unit=KHAC")
        .await
        .is_empty());
    assert!(!rows.keys().any(|(l, _)| l == HAI));

    // Who is overdue, ready to call.
    let page = f.sup_so.page("/reports/overdue?unit=SO").await;
    let logins: BTreeSet<String> = html::attrs(&page, "table.overdue tr[data-login]", "data-login")
        .into_iter()
        .collect();
    assert_eq!(logins, BTreeSet::from([HUONG.to_string(), THU.to_string()]));
    for login in [HUONG, THU] {
        assert_eq!(
            html::count(
                &page,
                &format!("table.overdue tr[data-login=\"{login}\"] a[href=\"tel:{login}\"]")
            ),
            1,
            "{login} has a tel: link"
        );
    }
    assert!(page.contains("Nguyễn Thị Hương") && page.contains("Bùi Thị Thu"));
    let page = f.sup_xa.page("/reports/overdue?unit=XA").await;
    assert_eq!(html::count(&page, "table.overdue tr[data-login]"), 0);

    // A forged Host never ends up in a stored message: without public_url,
    // a request not addressed to the listening address queues nothing.
    let forged = f
        .sup_so
        .client
        .post(f.sup_so.url("/reports/overdue/remind"))
        .header("host", "evil.example")
        .header("origin", "http://evil.example")
        .header("cookie", f.sup_so.cookie.clone().unwrap())
        .form(&[("unit", "SO")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 303);
    assert!(location_of(&forged).contains("error=public_url"));
    assert_eq!(
        f.app.scalar("SELECT COUNT(*) FROM reminder_outbox").await,
        0
    );
    let page = f.sup_so.page(&location_of(&forged)).await;
    assert!(
        page.contains("public_url"),
        "the page says what the admin must set"
    );

    // Reminders: one outbox row per overdue person, once a day.
    let response = f
        .sup_so
        .post_form("/reports/overdue/remind", &[("unit", "SO")])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location_of(&response), "/reports/overdue?unit=SO&queued=2");
    assert_eq!(
        f.app.scalar("SELECT COUNT(*) FROM reminder_outbox").await,
        2
    );
    for login in [HUONG, THU] {
        let id = user_id(&f.app, login).await;
        assert_eq!(
            f.app
                .scalar(&format!(
                    "SELECT COUNT(*) FROM reminder_outbox WHERE user_id = '{id}' AND sent_at IS NULL"
                ))
                .await,
            1,
            "{login} queued once"
        );
    }
    assert_eq!(
        f.app
            .scalar(
                "SELECT COUNT(*) FROM reminder_outbox r JOIN assignments a ON r.assignment_id = a.id \
                 WHERE a.course = 'an-toan'"
            )
            .await,
        2,
        "about the overdue assignment"
    );
    let response = f
        .sup_so
        .post_form("/reports/overdue/remind", &[("unit", "SO")])
        .await;
    assert_eq!(location_of(&response), "/reports/overdue?unit=SO&queued=0");
    let response = f
        .admin
        .post_form("/reports/overdue/remind", &[("unit", "TINH")])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        f.app.scalar("SELECT COUNT(*) FROM reminder_outbox").await,
        2,
        "a second press the same day adds nothing"
    );
}

// ---------------------------------------------------------------------------
// A due date already past

/// Yesterday's due date is not saved at once: the answer is the form again
/// with a warning in Vietnamese and a confirm button carrying the same
/// values, which saves. Today's date saves directly.
async fn a_past_due_date_is_confirmed_before_saving(app: TestApp) {
    let admin = add_user(&app, "quantri", "Quản Trị Viên", "admin").await;
    import_units(&admin, UNITS).await;
    // The server's local day is UTC+7; 24 hours earlier is yesterday.
    let yesterday = date_today(7 - 24);
    let (y, m, d) = (&yesterday[..4], &yesterday[5..7], &yesterday[8..]);

    let response = assign(&admin, "an-toan", "SO", "Chuyên viên", &yesterday).await;
    assert_eq!(response.status(), 200, "answered with the form, not saved");
    let page = response.text().await.unwrap();
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assignments").await, 0);
    let warning = html::text(&page, ".past-due").expect("a warning");
    assert!(
        warning.contains(&format!("hạn hoàn thành {d}/{m}/{y} đã qua")),
        "{warning}"
    );
    // The confirm form repeats every value, and the main form keeps them.
    let confirm = ".past-due form[action='/assignments']";
    let field = |name: &str| {
        html::attrs(&page, &format!("{confirm} input[name={name}]"), "value")
            .pop()
            .unwrap_or_default()
    };
    assert_eq!(field("course"), "an-toan");
    assert_eq!(field("unit_code"), "SO");
    assert_eq!(field("positions"), "Chuyên viên");
    assert_eq!(field("due_on"), yesterday);
    assert_eq!(field("confirm_past_due"), "1");
    assert_eq!(
        html::text(&page, &format!("{confirm} button")).as_deref(),
        Some("Lưu dù hạn đã qua")
    );
    assert_eq!(
        html::attrs(&page, "input#due_on", "value"),
        [yesterday.as_str()]
    );

    // The confirm button saves exactly those values.
    let form: Vec<(String, String)> = [
        "course",
        "unit_code",
        "positions",
        "due_on",
        "confirm_past_due",
    ]
    .into_iter()
    .map(|name| (name.to_string(), field(name)))
    .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = admin.post_form("/assignments", &form).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location_of(&response), "/assignments?done=created");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM assignments WHERE course = 'an-toan'")
            .await,
        1
    );

    // Due today is not past: saved at once, no warning.
    let response = assign(&admin, "bat-buoc", "SO", "", &date_today(7)).await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM assignments").await, 2);
}

on_both_databases!(
    report on report_content:
    report_counts_match_the_hand_computed_fixture,
    officials_see_their_required_courses_first,
    a_supervisor_sees_only_their_own_subtree,
    csv_export_and_overdue_reminders,
    a_past_due_date_is_confirmed_before_saving,
);
