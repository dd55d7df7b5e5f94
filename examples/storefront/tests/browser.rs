//! The storefront in a real headless Chromium (Debian's `chromium` and `chromium-driver`, driven
//! through WebDriver): a shopper browses in Arabic, adds products of two sellers, checks out with
//! cash on delivery and sees the order page. Screenshots go to `target/browser-screenshots/`.
//!
//! Without `chromedriver` on the PATH the test prints a notice and passes, so `cargo test`
//! passes on a fresh machine; `.ci/run` installs the browser and sets `TIJARA_REQUIRE_BROWSER=1`,
//! which turns a missing browser into a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

use fantoccini::{ClientBuilder, Locator};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tijara::usecases::catalog::ProductFilter;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver runs in its own process group: kill the Chromium it started too.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn shots_dir() -> std::path::PathBuf {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shoppers_pay_by_card_and_cash_sellers_ship_and_tracking_shows() {
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
        return;
    }

    // The storefront on a loopback port, on a fresh SQLite database with the demo data.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let data = std::env::temp_dir().join(format!("tijara-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let settings = tijara_storefront::Settings {
        bind: addr.to_string(),
        data_dir: data.clone(),
        database_url: None,
        public_url: None,
        cmi: None,
        display_rates: tijara_storefront::indicative_rates(
            tijara_core::Decimal::new(92, 3),
            tijara_core::Decimal::new(100, 3),
        ),
        region: None,
        carriers: Vec::new(),
    };
    let app = tijara_storefront::build(&settings).await.unwrap();
    tijara_storefront::seed::seed_if_empty(&app.engine)
        .await
        .unwrap();
    let catalog = app
        .engine
        .catalog()
        .list_products(&ProductFilter::default(), None, 50)
        .await
        .unwrap();
    // Each demo seller's login is seller{n}@tijara.example, n in creation order.
    let seller_logins: std::collections::HashMap<_, _> = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items
        .into_iter()
        .enumerate()
        .map(|(i, s)| (s.id, format!("seller{}@tijara.example", i + 1)))
        .collect();
    tokio::spawn(async move {
        axum::serve(listener, tijara_storefront::router(app))
            .await
            .unwrap();
    });
    let base = format!("http://{addr}");

    let port = free_port();
    let _driver = Driver(
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
                     "--disable-dev-shm-usage", "--window-size=412,915", "--lang=ar"]
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
    let c = client.expect("chromedriver answers");
    let shots = shots_dir();
    let shot = |name: &'static str| {
        let c = c.clone();
        let path = shots.join(name);
        async move {
            let png = c.screenshot().await.unwrap();
            std::fs::write(path, png).unwrap();
        }
    };

    // Home in Arabic, right to left.
    c.goto(&format!("{base}/?lang=ar")).await.unwrap();
    let dir = c
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("dir")
        .await
        .unwrap();
    assert_eq!(dir.as_deref(), Some("rtl"));
    shot("01-home-ar.png").await;

    // Two products of two different sellers, added through the product pages' forms.
    let items = &catalog.items;
    let first = &items[0];
    let second = items
        .iter()
        .find(|p| p.product.seller_id != first.product.seller_id)
        .unwrap();
    for (i, p) in [first, second].into_iter().enumerate() {
        let slug = &p.product.slug;
        c.goto(&format!("{base}/products/{slug}")).await.unwrap();
        if i == 0 {
            shot("02-product-ar.png").await;
        }
        c.find(Locator::Css("form[action='/cart/add'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_path(&c, "/cart").await;
    }
    wait_path(&c, "/cart").await;
    let rows = c.find_all(Locator::Css("main li.line")).await.unwrap();
    assert_eq!(rows.len(), 2, "two lines in the cart");
    shot("03-cart-ar.png").await;

    // Checkout: the address, then a carrier per seller and the card, on CMI's page.
    let fieldsets = checkout(&c, &base, "fatima.browser@example.ma", "cmi").await;
    assert_eq!(fieldsets, 2, "one carrier choice per seller");
    shot("04-checkout-ar.png").await;
    let order_url = place(&c, "cmi").await;
    c.wait()
        .for_element(Locator::Css("form#pay button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The CMI simulator's hosted page: the test card, then "Payer".
    let pan = c.wait().for_element(Locator::Id("pan")).await.unwrap();
    pan.send_keys("4000000000000010").await.unwrap();
    shot("05-cmi-card-page.png").await;
    c.find(Locator::Id("pay"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The simulator has called the shop back (signed) and sends the browser back to it.
    wait_path(&c, "/orders/ord_").await;
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), order_url.0, "back on the order page");
    let text = main_text(&c).await;
    assert!(
        text.contains("د.م."),
        "the total in dirhams, Arabic style: {text}"
    );
    let id = url.path().trim_start_matches("/orders/").to_owned();
    let parcels = c.find_all(Locator::Css("main section.box")).await.unwrap();
    assert_eq!(parcels.len(), 2, "one parcel per seller: {text}");
    assert!(text.contains("مدفوع"), "paid by card: {text}");
    shot("06-order-paid-ar.png").await;
    let shopper_url = url.to_string();

    // Each seller logs in, marks its parcel ready, prints the label and types the carrier's
    // tracking number and a step.
    for (n, p) in [first, second].into_iter().enumerate() {
        c.delete_all_cookies().await.unwrap();
        let login = &seller_logins[&p.product.seller_id];
        c.goto(&format!("{base}/account/login")).await.unwrap();
        c.find(Locator::Css("input[name='email']"))
            .await
            .unwrap()
            .send_keys(login)
            .await
            .unwrap();
        c.find(Locator::Css("input[name='password']"))
            .await
            .unwrap()
            .send_keys("artisan-demo-2026")
            .await
            .unwrap();
        c.find(Locator::Css("form[action='/account/login'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_path(&c, "/seller").await;
        if n == 0 {
            shot("07-portal-orders-ar.png").await;
        }
        c.find(Locator::Css(&format!(
            "form[action^='/seller/orders/{id}/'][action$='/ship'] button"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        wait_path(&c, "/seller/orders/").await;
        c.wait().for_element(Locator::Css("svg")).await.unwrap();
        let label = main_or_body_text(&c).await;
        assert!(
            label.contains("فاطمة الزهراء"),
            "the recipient on the label: {label}"
        );
        if n == 0 {
            shot("08-label.png").await;
        }
        // Shipping stays on the order's own page (ready → label → tracking): its tracking
        // form is there, not on the list.
        let order_page = c.current_url().await.unwrap().path().to_owned();
        c.goto(&format!("{base}{order_page}")).await.unwrap();
        let number = format!("AMANA-BR{n}77");
        let form = format!("form[action^='/seller/orders/{id}/'][action$='/tracking']");
        let input = c
            .wait()
            .for_element(Locator::Css(&format!("{form} input[name='number']")))
            .await
            .unwrap();
        input.clear().await.unwrap();
        input.send_keys(&number).await.unwrap();
        assert_eq!(
            input.prop("value").await.unwrap().as_deref(),
            Some(number.as_str()),
            "the number is typed"
        );
        let select = c
            .find(Locator::Css(&format!("{form} select[name='status']")))
            .await
            .unwrap();
        select.select_by_value("in_transit").await.unwrap();
        c.find(Locator::Css(&format!("{form} button")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // Wait for the portal's confirmation (a fresh page) before going on: leaving the page
        // earlier would cancel the post.
        let mut saved = false;
        for _ in 0..200 {
            if c.current_url()
                .await
                .is_ok_and(|u| u.query().is_some_and(|q| q.contains("saved=")))
            {
                saved = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(saved, "the tracking form's answer never came (20 s)");
        let page = main_text(&c).await;
        // In Arabic, the seller's account's language: headless Chromium asks for `en-US`
        // whatever `--lang` says, and that guess no longer beats the account's language (a
        // fresh-clone CI run once answered here in English; tests/language.rs reproduces it).
        assert!(page.contains("تم حفظ التتبع"), "saved, in Arabic: {page}");
        let kept = c
            .find(Locator::Css(&format!("{form} input[name='number']")))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(
            kept.as_deref(),
            Some(number.as_str()),
            "the order page keeps the new number"
        );
        if n == 0 {
            // The header's language switch (a form: it saves the seller's choice) keeps her
            // on the order's page.
            shot("08a-portal-order-ar.png").await;
            let here = c.current_url().await.unwrap().path().to_owned();
            c.find(Locator::Css("nav.langs button[lang='fr']"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            c.wait()
                .for_element(Locator::Css("html[lang='fr']"))
                .await
                .unwrap();
            assert_eq!(c.current_url().await.unwrap().path(), here);
            shot("08b-portal-order-fr.png").await;
            c.goto(&format!("{base}/seller")).await.unwrap();
            let lang = c
                .find(Locator::Css("html"))
                .await
                .unwrap()
                .attr("lang")
                .await
                .unwrap();
            assert_eq!(lang.as_deref(), Some("fr"), "the choice is kept");
        }
    }

    // The shopper's order page shows both parcels' tracking.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{shopper_url}&lang=ar")).await.unwrap();
    let text = main_text(&c).await;
    assert!(
        text.contains("AMANA-BR077"),
        "first parcel's number: {text}"
    );
    assert!(
        text.contains("AMANA-BR177"),
        "second parcel's number: {text}"
    );
    assert!(text.contains("في الطريق"), "in transit, in Arabic: {text}");
    shot("09-order-tracking-ar.png").await;

    // A second shopper pays cash on delivery.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/products/{}?lang=ar", first.product.slug))
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/cart/add'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_path(&c, "/cart").await;
    checkout(&c, &base, "second.shopper@example.ma", "cod").await;
    place(&c, "cod").await;
    wait_path(&c, "/orders/ord_").await;
    let text = main_text(&c).await;
    assert!(
        text.contains("الدفع عند الاستلام"),
        "cash on delivery: {text}"
    );
    shot("10-second-order-cod-ar.png").await;

    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&data);
}

async fn main_text(c: &fantoccini::Client) -> String {
    c.find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn main_or_body_text(c: &fantoccini::Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Fills the checkout's two steps with an Arabic address and chooses the payment `method`;
/// returns how many carrier choices (one per seller) the page offers.
async fn checkout(c: &fantoccini::Client, base: &str, email: &str, method: &str) -> usize {
    c.goto(&format!("{base}/checkout")).await.unwrap();
    for (name, value) in [
        ("name", "فاطمة الزهراء"),
        ("line1", "رقم 12، شارع طرفاية، حي الوحدة"),
        ("city", "Dakhla"),
        ("phone", "+212661000000"),
        ("email", email),
    ] {
        c.find(Locator::Css(&format!("input[name='{name}']")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    c.find(Locator::Css("form[action='/checkout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("form[action='/checkout/review']"))
        .await
        .unwrap();
    let fieldsets = c.find_all(Locator::Css("fieldset")).await.unwrap();
    assert!(!fieldsets.is_empty(), "a carrier choice per seller");
    c.find(Locator::Css(&format!(
        "input[name='payment'][value='{method}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    fieldsets.len()
}

/// Places the order. For a card payment, returns the order's path, read from the form that
/// sends the browser to CMI.
async fn place(c: &fantoccini::Client, method: &str) -> (String, ()) {
    // The delivery step leads to the review, whose button places the order.
    c.find(Locator::Css("form[action='/checkout/review'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("form[action='/checkout/place']"))
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/checkout/place'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    if method == "cmi" {
        let oid = c
            .wait()
            .for_element(Locator::Css("form#pay input[name='oid']"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap()
            .unwrap_or_default();
        let order = oid
            .rsplit_once('-')
            .map(|(o, _)| o.to_owned())
            .unwrap_or(oid);
        (format!("/orders/{order}"), ())
    } else {
        (String::new(), ())
    }
}

/// Waits (up to 10 s) until the browser's location path starts with `prefix`.
async fn wait_path(c: &fantoccini::Client, prefix: &str) {
    for _ in 0..100 {
        if c.current_url()
            .await
            .is_ok_and(|u| u.path().starts_with(prefix))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser never reached {prefix}");
}
