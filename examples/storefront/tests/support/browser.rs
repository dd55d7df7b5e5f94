//! A real headless Chromium on the demo shop, for journey tests: `Shop::start` serves a fresh
//! demo marketplace (SQLite in a temporary folder) on a loopback port and opens Debian's
//! Chromium through chromedriver at phone width (390 px).
//!
//! Use it from a test file with `#[path = "support/browser.rs"] mod browser;`. Without
//! `chromedriver` on the PATH, [`Shop::start`] prints a notice and returns `None`, so the test
//! passes on a machine without a browser; `.ci/run` sets `TIJARA_REQUIRE_BROWSER=1`, which turns
//! a missing browser into a failure.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use fantoccini::{Client, ClientBuilder, Locator};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The chromedriver process, stopped when dropped together with the Chromium it started: it
/// runs in its own process group and the whole group is killed, so no browser outlives its test
/// (killing chromedriver alone left every Chromium running, hundreds per CI run).
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running demo shop and a browser on it.
pub struct Shop {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// The shop's engine and settings (the same the server uses).
    pub app: tijara_storefront::App,
    /// The browser.
    pub c: Client,
    /// Where this journey's screenshots go: `target/screenshots/<journey>/`.
    pub shots: std::path::PathBuf,
    _driver: Driver,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether chromedriver is installed; panics when it is not but `TIJARA_REQUIRE_BROWSER=1`.
pub fn browser_installed() -> bool {
    let installed = Command::new("chromedriver")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var("TIJARA_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "TIJARA_REQUIRE_BROWSER=1 but chromedriver is not installed"
        );
        println!("skipped: chromedriver not found (apt-get install chromium chromium-driver)");
    }
    installed
}

impl Shop {
    /// The demo shop (seeded) and a phone-width Chromium whose preferred language is `lang`;
    /// `None` when no browser is installed (see the module's notes). `journey` names the
    /// screenshot folder.
    pub async fn start(journey: &str, lang: &str) -> Option<Shop> {
        Self::start_with(journey, lang, |s| s).await
    }

    /// [`Shop::start`] with the settings changed by `tune` first.
    pub async fn start_with(
        journey: &str,
        lang: &str,
        tune: impl FnOnce(tijara_storefront::Settings) -> tijara_storefront::Settings,
    ) -> Option<Shop> {
        if !browser_installed() {
            return None;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let data =
            std::env::temp_dir().join(format!("tijara-journey-{journey}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let settings = tune(tijara_storefront::Settings {
            bind: addr.to_string(),
            data_dir: data,
            database_url: None,
            public_url: None,
            cmi: None,
            display_rates: tijara_storefront::indicative_rates(
                tijara_core::Decimal::new(92, 3),
                tijara_core::Decimal::new(100, 3),
            ),
            region: None,
            carriers: Vec::new(),
        });
        let app = tijara_storefront::build(&settings).await.unwrap();
        tijara_storefront::seed::seed_if_empty(&app.engine)
            .await
            .unwrap();
        let served = app.clone();
        tokio::spawn(async move {
            axum::serve(listener, tijara_storefront::router(served))
                .await
                .unwrap();
        });
        let port = free_port();
        let driver = Driver(
            Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .process_group(0)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=390,844",
                         format!("--lang={lang}")]
            }),
        );
        let mut client = None;
        for _ in 0..50 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/screenshots")
            .join(journey);
        std::fs::create_dir_all(&shots).unwrap();
        Some(Shop {
            base: format!("http://{addr}"),
            app,
            c: client.expect("chromedriver answers"),
            shots,
            _driver: driver,
        })
    }

    /// Opens `path` (e.g. `/cart?lang=fr`) on the shop.
    pub async fn go(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    /// Saves a full-page screenshot as `<name>.png` in this journey's folder.
    pub async fn shot(&self, name: &str) {
        // The whole page, not just the first screen: grow the window to the page's height.
        let height: u64 = self
            .c
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(844)
            .clamp(844, 6000);
        let _ = self.c.set_window_size(390, height as u32).await;
        let png = self.c.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
        let _ = self.c.set_window_size(390, 844).await;
    }

    /// The natural widths of the images matching `css`, once each has finished loading (0 for
    /// one the browser could not load or decode).
    #[allow(dead_code)]
    pub async fn image_widths(&self, css: &str) -> Vec<u64> {
        let script = "const all = [...document.querySelectorAll(arguments[0])]; \
                      return all.every(i => i.complete) ? all.map(i => i.naturalWidth) : null;";
        for _ in 0..100 {
            let v = self.c.execute(script, vec![css.into()]).await.unwrap();
            if let Some(widths) = v.as_array() {
                return widths.iter().map(|w| w.as_u64().unwrap_or(0)).collect();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the images {css} were still loading after 10 s");
    }

    /// The element matching `css`, waiting for it.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.c.wait().for_element(Locator::Css(css)).await.unwrap()
    }

    /// Types `text` into the field matching `css` (after clearing it).
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Logs in through the login page (in `lang`) as `email`, then waits for the page the
    /// login leads to (`landing`: `/seller`, `/admin`...).
    pub async fn log_in(&self, lang: &str, email: &str, password: &str, landing: &str) {
        self.go(&format!("/account/login?lang={lang}")).await;
        self.fill("form[action='/account/login'] input[name=email]", email)
            .await;
        self.fill(
            "form[action='/account/login'] input[name=password]",
            password,
        )
        .await;
        self.click("form[action='/account/login'] button").await;
        self.wait_path(landing).await;
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Clicks the product page's first "add to cart" button and waits for the cart page the
    /// add redirects to. A navigation started while the add's POST is still in flight
    /// cancels it (seen in CI as an empty cart at `/checkout`, then a 30 s wait for its form).
    pub async fn add_to_cart(&self) {
        self.click("form[action='/cart/add'] button[type=submit]")
            .await;
        self.wait_path("/cart").await;
    }

    /// The visible text of `main`. A page that is being replaced (a form posted back to the
    /// same path) can drop its `main` between finding it and reading it: that is retried
    /// rather than reported.
    pub async fn main_text(&self) -> String {
        for _ in 0..50 {
            match self.find("main").await.text().await {
                Ok(text) => return text,
                Err(e) if is_stale(&e) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("reading main: {e}"),
            }
        }
        panic!("main was replaced 50 times while being read");
    }

    /// The text of the element matching `css` once it reads `expected` (trimmed). A form posted
    /// back to the same page replaces the element after the click returns: an element of the
    /// page being replaced is read again, not reported. Panics after 20 s with `what` and the
    /// text seen.
    pub async fn wait_text(&self, css: &str, expected: &str, what: &str) -> String {
        let mut seen = String::new();
        for _ in 0..200 {
            match self.find(css).await.text().await {
                Ok(text) if text.trim() == expected => return text,
                Ok(text) => seen = text,
                Err(e) if is_stale(&e) => {}
                Err(e) => panic!("reading {css}: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{what}: {css} never read {expected:?} (last: {seen:?})");
    }

    /// The visible text of `main` once it contains `needle`: a click's navigation (even back to
    /// the same path) finishes after the click returns. Panics after 20 s with the text seen.
    pub async fn wait_main_contains(&self, needle: &str) -> String {
        let mut text = String::new();
        for _ in 0..200 {
            text = self.main_text().await;
            if text.contains(needle) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed {needle:?}: {text}");
    }

    /// The path (and query) once it differs from `before`: a link or a GET form to the same
    /// page with other parameters (a facet, a sort) finishes after the click returns. Panics
    /// after 20 s.
    pub async fn wait_path_change(&self, before: &str) -> String {
        for _ in 0..200 {
            let p = self.path().await;
            if p != before {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the address stayed {before}");
    }

    /// The path (and query) once it starts with `prefix`: a click's navigation finishes after
    /// the click returns. Panics after 20 s.
    pub async fn wait_path(&self, prefix: &str) -> String {
        for _ in 0..200 {
            let p = self.path().await;
            if p.starts_with(prefix) {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the page never reached {prefix}: still at {}",
            self.path().await
        );
    }

    /// The current path and query.
    pub async fn path(&self) -> String {
        let u = self.c.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }
}

/// Whether a WebDriver error is "the element you held was replaced by a new page".
fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    // Chromium sometimes reports an element of a page being replaced as an "unknown error"
    // from its inspector ("Node with given id does not belong to the document") instead of
    // a stale reference (seen in CI on 2026-12-04).
    matches!(
        e,
        fantoccini::error::CmdError::Standard(w)
            if w.error == fantoccini::error::ErrorStatus::StaleElementReference
                || (w.error == fantoccini::error::ErrorStatus::UnknownError
                    && (w.message.contains("does not belong to the document")
                        || w.message.contains("No node with given id")))
    )
}
