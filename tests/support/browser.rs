//! A real headless Chromium at a phone-sized viewport, driven by chromedriver.

use std::{net::TcpListener, path::Path, process::Stdio, time::Duration};

use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use tokio::process::{Child, Command};

/// Phone viewport used for every browser test.
pub const PHONE: (u32, u32) = (360, 740);

/// A chromedriver process and a browser session; both end when dropped.
pub struct Browser {
    pub client: Client,
    _driver: Child,
}

impl Browser {
    /// Starts Chromium at 360×740, with or without JavaScript.
    pub async fn phone(javascript: bool) -> Browser {
        Browser::sized(javascript, PHONE).await
    }

    /// Starts Chromium at `size` (a projector: 1280×720).
    pub async fn sized(javascript: bool, size: (u32, u32)) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver is installed (apt-get install chromium-driver)");
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--hide-scrollbars".into(),
            format!("--window-size={},{}", size.0, size.1),
        ];

        if !javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let mut caps = serde_json::Map::new();
        if !javascript {
            // chromedriver's wait for a navigation to finish relies on page
            // script; without it a navigating click never returns, so tests
            // wait for the next page themselves.
            caps.insert("pageLoadStrategy".into(), json!("none"));
        }
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": args,
                // Exact phone viewport (the window size alone includes browser chrome).
                "mobileEmulation": {
                    "deviceMetrics": { "width": size.0, "height": size.1, "pixelRatio": 1.0, "mobile": size == PHONE, "touch": size == PHONE }
                },
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..50 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        _driver: driver,
                    };
                }
                Err(e) => {
                    last_error = Some(e);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        panic!("could not start a Chromium session: {last_error:?}");
    }

    /// Opens `url` and waits until its `<main>` is there.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
        self.wait_for_path(|p| url.ends_with(p) || url.contains(&format!("{p}?")))
            .await;
    }

    /// Waits (up to 15 s) until the current path satisfies `check` and the
    /// page has a `<main>` with content.
    pub async fn wait_for_path(&self, check: impl Fn(&str) -> bool) {
        for _ in 0..150 {
            if let Ok(url) = self.client.current_url().await {
                if check(url.path()) {
                    if let Ok(main) = self.client.find(fantoccini::Locator::Css("footer")).await {
                        if main.is_displayed().await.unwrap_or(false) {
                            return;
                        }
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("page did not load in time");
    }

    /// The first element `css` finds on the page now (panics when none).
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .find(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css} on the page"))
    }

    /// Waits (fantoccini's default, 30 s) until `css` finds an element.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.wait_for_within(css, 30).await
    }

    /// Waits up to `seconds` until `css` finds an element.
    pub async fn wait_for_within(&self, css: &str, seconds: u64) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(seconds))
            .for_element(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waited for {css}: {e}"))
    }

    /// Clicks what `css` finds, as a finger would.
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// The text of what `css` finds.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    /// Ticks every quiz option (`label.choice`) whose text is one of `labels`.
    pub async fn tick_choices(&self, labels: &[&str]) {
        let choices = self
            .client
            .find_all(fantoccini::Locator::Css("label.choice"))
            .await
            .expect("quiz options");
        for label in choices {
            let text = label.text().await.expect("option text");
            if labels.contains(&text.trim()) {
                label.click().await.expect("tick an option");
            }
        }
    }

    /// Saves a PNG screenshot for people to look at.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Presses and releases one key, as a keyboard would (WebDriver key
    /// codes: `'\u{E004}'` Tab, `'\u{E007}'` Enter, `'\u{E015}'` ArrowDown).
    pub async fn press(&self, key: char) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client
            .perform_actions(keys)
            .await
            .expect("press a key");
    }

    /// Ends the session (the driver is killed on drop).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// A Chrome DevTools command sent through chromedriver (works with page
/// script off, where WebDriver's own cookie command cannot read the page).
#[derive(Debug)]
struct DevTools {
    method: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({ "cmd": self.method, "params": self.params });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

impl Browser {
    /// Runs `script` in every page this browser opens from now on, before
    /// the page's own scripts (a stand-in for a browser feature).
    pub async fn before_every_page(&self, script: &str) {
        let command = DevTools {
            method: "Page.addScriptToEvaluateOnNewDocument",
            params: json!({ "source": script }),
        };
        self.client
            .issue_cmd(command)
            .await
            .expect("add a script through DevTools");
    }

    /// Page scripts on or off for the pages opened from now on (DevTools'
    /// script emulation: a page loaded while off ran none of its scripts,
    /// yet tests may still inject theirs once it is back on).
    pub async fn scripts(&self, enabled: bool) {
        let command = DevTools {
            method: "Emulation.setScriptExecutionDisabled",
            params: json!({ "value": !enabled }),
        };
        self.client
            .issue_cmd(command)
            .await
            .expect("switch scripts through DevTools");
    }

    /// Carries on in the browser as the visitor whose session cookie
    /// (`hocvu_session=…`, or just its value) was made outside it.
    pub async fn use_session(&self, origin: &str, cookie: &str) {
        let token = cookie.trim_start_matches("hocvu_session=");
        self.set_cookie(origin, "hocvu_session", token).await;
    }

    /// Cuts the phone's network (open connections fail, new ones cannot be
    /// made) or brings it back.
    pub async fn network(&self, online: bool) {
        for (method, params) in [
            ("Network.enable", json!({})),
            (
                "Network.emulateNetworkConditions",
                json!({ "offline": !online, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
            ),
        ] {
            self.client
                .issue_cmd(DevTools { method, params })
                .await
                .expect("network conditions through DevTools");
        }
    }

    /// Gives the browser a cookie for `origin`.
    pub async fn set_cookie(&self, origin: &str, name: &str, value: &str) {
        let command = DevTools {
            method: "Network.setCookie",
            params: json!({ "name": name, "value": value, "url": origin, "path": "/", "httpOnly": true }),
        };
        self.client
            .issue_cmd(command)
            .await
            .expect("set a cookie through DevTools");
    }
}
