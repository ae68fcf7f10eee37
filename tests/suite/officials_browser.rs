//! Officials' pages in a real Chromium: a supervisor's report on a 360×740
//! phone, and a certificate printed to PDF by headless Chromium
//! (`--print-to-pdf`), saved for people to look at.

use std::{path::Path, time::Duration};

use fantoccini::Locator;
use hocvu_tests::{
    add_user, artefact_dir,
    browser::{Browser, PHONE},
    chapter, content_fixture, course_toml,
    orgs::{import_officials, import_units, move_to_unit, set_password},
    Agent, Backend, TestApp,
};

fn officials_content() -> tempfile::TempDir {
    let with_certificate = format!(
        "{}certificate = true\n",
        course_toml(
            "Chuyển đổi số trong cơ quan nhà nước",
            "all",
            &["01-mot.md", "02-hai.md"]
        )
    );
    content_fixture(&[
        ("bat-buoc/course.toml", &with_certificate),
        (
            "bat-buoc/01-mot.md",
            &chapter("mot", "Bài một", "Nội dung một."),
        ),
        (
            "bat-buoc/02-hai.md",
            &chapter("hai", "Bài hai", "Nội dung hai."),
        ),
    ])
}

async fn read(agent: &Agent, chapter: &str) {
    assert_eq!(agent.mark_read("bat-buoc", chapter).await.status(), 303);
}

/// Opens `path` in the browser signed in with `cookie` (`name=value`).
async fn open_signed_in(browser: &Browser, app: &TestApp, cookie: &str, path: &str) {
    // A cookie can only be set for the site being shown.
    browser.client.goto(&app.url("/robots.txt")).await.unwrap();
    // (Through the page: WebDriver's add-cookie sends SameSite=None without
    // Secure, which Chromium refuses.)
    browser
        .client
        .execute(
            "document.cookie = arguments[0] + '; path=/; SameSite=Lax'",
            vec![serde_json::json!(cookie)],
        )
        .await
        .unwrap();
    browser.client.goto(&app.url(path)).await.unwrap();
}

/// A supervisor's report of a unit with long Vietnamese names, on a phone:
/// chart and table visible, nothing wider than the screen.
#[tokio::test]
async fn a_supervisors_report_reads_on_a_phone() {
    let dir = officials_content();
    let app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();
    let admin = add_user(&app, "quantri", "Quản Trị Viên", "admin").await;
    import_units(
        &admin,
        "code,name,parent_code\n\
SO-XD,Sở Xây dựng tỉnh Thừa Thiên Huế,\n\
P-QLDT,Phòng Quản lý Đô thị và Hạ tầng Kỹ thuật,SO-XD\n\
P-KHTC,Phòng Kế hoạch - Tài chính,SO-XD\n\
P-TTR,Thanh tra Sở,SO-XD\n",
    )
    .await;
    let codes = import_officials(
        &admin,
        "full_name,login,unit_code,position\n\
Nguyễn Thị Hương,0912000001,SO-XD,Chuyên viên\n\
Tôn Nữ Minh Nguyệt,0912000002,P-QLDT,Chuyên viên chính\n\
Hoàng Trọng Nghĩa,0912000003,P-QLDT,Kỹ sư\n\
Lê Thị Bích Ngọc,0912000004,P-KHTC,Kế toán viên\n\
Phan Văn Khải,0912000005,P-TTR,Thanh tra viên\n",
    )
    .await;
    let response = admin
        .post_form(
            "/assignments",
            &[
                ("course", "bat-buoc"),
                ("unit_code", "SO-XD"),
                ("positions", ""),
                ("due_on", "2099-12-31"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    for (login, chapters) in [
        ("+84912000001", &["mot", "hai"][..]),
        ("+84912000002", &["mot"][..]),
        ("+84912000004", &["mot", "hai"][..]),
    ] {
        let official = set_password(&app, login, &codes[login].1).await;
        for chapter in chapters {
            read(&official, chapter).await;
        }
    }
    let supervisor = add_user(&app, "giamsat", "Giám Sát", "supervisor").await;
    move_to_unit(&app, &admin, "giamsat", "SO-XD", "Phó Giám đốc").await;
    let cookie = supervisor.cookie.clone().unwrap();

    let browser = Browser::phone(true).await;
    open_signed_in(&browser, &app, &cookie, "/reports").await;
    let table = browser.wait_for_within("table.report-units", 15).await;
    assert!(table.is_displayed().await.unwrap(), "table visible");
    let rows = browser
        .client
        .find_all(Locator::Css("table.report-units tr[data-unit]"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 4, "the unit and its three sub-units");
    let chart = browser
        .client
        .find(Locator::Css("svg.report-chart"))
        .await
        .expect("the chart");
    assert!(chart.is_displayed().await.unwrap(), "chart visible");
    let (x, _, width, height) = chart.rectangle().await.unwrap();
    assert!(
        width > 100.0 && height > 50.0,
        "a real chart: {width}×{height}"
    );
    assert!(
        x >= 0.0 && x + width <= PHONE.0 as f64 + 1.0,
        "chart fits: {x} + {width}"
    );

    let scroll_width = browser
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(
        scroll_width <= PHONE.0 as f64,
        "the page scrolls sideways: {scroll_width} px"
    );
    browser
        .screenshot(&artefact_dir().join("reports-360.png"))
        .await;
    assert_chart_labels_read(&browser, "normal text").await;

    // With "Chữ lớn" the labels grow with the page's text.
    browser.set_cookie(&app.origin(), "textsize", "2").await;
    browser.client.refresh().await.unwrap();
    browser
        .wait_for("html[data-text-size='2'] svg.report-chart")
        .await;
    assert_chart_labels_read(&browser, "large text").await;
    browser
        .screenshot(&artefact_dir().join("reports-360-large.png"))
        .await;
    browser.close().await;
}

/// Every text of the report chart, as drawn on the screen: its font size
/// times the SVG's scale (`getScreenCTM`), its box, and whether it stays
/// inside the chart.
async fn assert_chart_labels_read(browser: &Browser, what: &str) {
    let texts = browser
        .client
        .execute(
            "const svg = document.querySelector('svg.report-chart');\
             const box = svg.getBoundingClientRect();\
             const scale = svg.getScreenCTM().a;\
             return [...svg.querySelectorAll('text')].map(t => {\
               const r = t.getBoundingClientRect();\
               return { text: t.textContent,\
                 size: parseFloat(getComputedStyle(t).fontSize) * scale,\
                 height: r.height, left: r.left - box.left, right: box.right - r.right };\
             });",
            vec![],
        )
        .await
        .unwrap();
    let texts = texts.as_array().unwrap();
    assert_eq!(texts.len(), 8, "{what}: a name and a percentage per unit");
    for t in texts {
        let size = t["size"].as_f64().unwrap();
        assert!(size >= 16.0, "{what}: {t} drawn at {size} px");
        assert!(t["height"].as_f64().unwrap() >= 16.0, "{what}: {t}");
        assert!(
            t["left"].as_f64().unwrap() >= 0.0 && t["right"].as_f64().unwrap() >= 0.0,
            "{what}: {t} cut off"
        );
    }
}

/// Number of pages in a PDF: `/Type /Page` not followed by `s`.
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let mut pages = 0;
    for needle in ["/Type /Page", "/Type/Page"] {
        let mut rest = text.as_ref();
        while let Some(at) = rest.find(needle) {
            rest = &rest[at + needle.len()..];
            if !rest.starts_with('s') {
                pages += 1;
            }
        }
    }
    pages
}

/// The `/MediaBox [0 0 W H]` of the first page, in points.
fn media_box(pdf: &[u8]) -> Option<(f64, f64)> {
    let text = String::from_utf8_lossy(pdf);
    let at = text.find("/MediaBox")?;
    let rest = &text[at..];
    let inside = &rest[rest.find('[')? + 1..rest.find(']')?];
    let numbers: Vec<f64> = inside
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    match numbers[..] {
        [x0, y0, x1, y1] => Some((x1 - x0, y1 - y0)),
        _ => None,
    }
}

/// Removes every `<script …>…</script>` (the printed copy is static).
fn without_scripts(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</script>") {
            Some(end) => rest = &rest[start + end + "</script>".len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The holder's certificate page, printed by headless Chromium to an A4 PDF
/// of exactly one page (and a PNG of it when pdftoppm is there).
#[tokio::test]
async fn a_certificate_prints_on_one_a4_page() {
    let dir = officials_content();
    let app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();
    let holder = add_user(&app, "nguyen.huong", "Nguyễn Thị Hương", "learner").await;
    read(&holder, "mot").await;
    read(&holder, "hai").await;
    let code = app.text("SELECT code FROM certificates").await;
    let page = holder.page(&format!("/certificates/{code}")).await;
    assert!(page.contains("<svg"));

    // The page as the holder sees it, saved with its scripts removed and a
    // <base> so its stylesheets (print CSS included) load from the server.
    let scratch = tempfile::tempdir().unwrap();
    let html_path = scratch.path().join("certificate.html");
    let static_page = without_scripts(&page).replacen(
        "<head>",
        &format!("<head><base href=\"{}/\">", app.origin()),
        1,
    );
    assert!(static_page.contains("<base href="), "a <head> to put it in");
    std::fs::write(&html_path, static_page).unwrap();

    let pdf_path = artefact_dir().join("certificate.pdf");
    let _ = std::fs::remove_file(&pdf_path);
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("/usr/bin/chromium")
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-pdf-header-footer",
                "--run-all-compositor-stages-before-draw",
                "--virtual-time-budget=5000",
            ])
            .arg(format!(
                "--user-data-dir={}",
                scratch.path().join("profile").display()
            ))
            .arg(format!("--print-to-pdf={}", pdf_path.display()))
            .arg(format!("file://{}", html_path.display()))
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("chromium printed within a minute")
    .expect("run chromium");
    assert!(
        pdf_path.is_file(),
        "no PDF: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pdf = std::fs::read(&pdf_path).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    assert!(
        pdf.len() > 5_000,
        "a real certificate, not a blank page: {} bytes",
        pdf.len()
    );
    assert_eq!(pdf_pages(&pdf), 1, "exactly one page");
    let (width, height) = media_box(&pdf).expect("a page size");
    let (short, long) = (width.min(height), width.max(height));
    assert!(
        (short - 595.0).abs() < 3.0 && (long - 842.0).abs() < 3.0,
        "A4 (595×842 pt, either way round), not {width}×{height}"
    );

    // A picture of it, for people to look at.
    let png_prefix = artefact_dir().join("certificate");
    match tokio::process::Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-singlefile"])
        .arg(&pdf_path)
        .arg(&png_prefix)
        .output()
        .await
    {
        Ok(out) if out.status.success() => {
            assert!(Path::new(&format!("{}.png", png_prefix.display())).is_file());
        }
        Ok(out) => eprintln!("pdftoppm failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(err) => eprintln!(
            "pdftoppm not available ({err}); the PDF is at {}",
            pdf_path.display()
        ),
    }
}

/// The officials CSV check on a phone: each row is a stacked card with its
/// problem first, so the problem's text lies within the 360 px screen; the
/// region around the table stays reachable by keyboard.
#[tokio::test]
async fn the_csv_check_shows_each_problem_on_a_phone() {
    let dir = officials_content();
    let app = TestApp::spawn_with_content(Backend::Sqlite, dir.path())
        .await
        .unwrap();
    let admin = add_user(&app, "quantri", "Quản Trị Viên", "admin").await;
    import_units(
        &admin,
        "code,name,parent_code\nSO-XD,Sở Xây dựng tỉnh Thừa Thiên Huế,\n",
    )
    .await;
    let scratch = tempfile::tempdir().unwrap();
    let csv = scratch.path().join("can-bo.csv");
    std::fs::write(
        &csv,
        "full_name,login,unit_code,position\n\
Tôn Nữ Minh Nguyệt Thảo Nguyên,0912000002,PHONG-QUAN-LY-DO-THI-VA-HA-TANG,Chuyên viên chính phụ trách hạ tầng kỹ thuật\n\
Hoàng Trọng Nghĩa,0912000003,SO-XD,Kỹ sư\n\
Lê Thị Bích Ngọc,091200,SO-XD,Kế toán viên\n",
    )
    .unwrap();

    let browser = Browser::phone(true).await;
    open_signed_in(
        &browser,
        &app,
        admin.cookie.as_deref().unwrap(),
        "/admin/officials",
    )
    .await;
    let file = browser.wait_for("input#file").await;
    file.send_keys(&csv.display().to_string()).await.unwrap();
    browser.click("button[value=dry_run]").await;
    browser.wait_for_within("table.import-rows", 15).await;
    let found = browser
        .client
        .execute(
            "return [...document.querySelectorAll('table.import-rows tr[data-row]')].map(tr => {\
               const problem = tr.querySelector('td.problem, td.ok').getBoundingClientRect();\
               const name = tr.querySelector('td:nth-child(3)').getBoundingClientRect();\
               return { row: tr.dataset.row, status: tr.dataset.status,\
                 left: problem.left, right: problem.right, top: problem.top, name_top: name.top,\
                 text: tr.querySelector('td.problem, td.ok').innerText };\
             });",
            vec![],
        )
        .await
        .unwrap();
    let rows = found.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{found}");
    let errors: Vec<_> = rows.iter().filter(|r| r["status"] == "error").collect();
    assert_eq!(errors.len(), 2, "{found}");
    for row in rows {
        let (left, right) = (
            row["left"].as_f64().unwrap(),
            row["right"].as_f64().unwrap(),
        );
        assert!(
            left >= 0.0 && right <= PHONE.0 as f64,
            "row {}: the verdict lies at {left}..{right}, off the 360 px screen: {row}",
            row["row"]
        );
        assert!(
            row["top"].as_f64().unwrap() < row["name_top"].as_f64().unwrap(),
            "the verdict comes before the person: {row}"
        );
    }
    let region = browser
        .client
        .execute(
            "const r = document.querySelector('.import-preview .table-scroll');\
             return [r.tabIndex, r.scrollWidth - r.clientWidth, document.documentElement.scrollWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(region[0], 0, "the region is focusable");
    assert!(
        region[1].as_f64().unwrap() <= 0.0,
        "nothing scrolls sideways in it: {region}"
    );
    assert!(region[2].as_f64().unwrap() <= PHONE.0 as f64, "{region}");
    browser
        .screenshot(&artefact_dir().join("officials-check-360.png"))
        .await;
    browser.close().await;
}
