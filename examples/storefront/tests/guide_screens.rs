//! The artisan's guide (`/seller/guide`) and its screenshots of the real portal.
//!
//! The browser test drives the demo shop's portal at phone width (390 px) in Arabic, French and
//! English: for each step of `portal::guide::STEPS` it opens the step's page, fails when the
//! thing the step talks about (its `target` selector) is missing or hidden, rings it, and saves
//! the part of the page around it (`frame`) as a PNG. With `TIJARA_UPDATE_GUIDE=1` the pictures
//! are written into `assets/guide/<lang>/` (commit them: the binary serves them); otherwise into
//! `target/screenshots/guide/<lang>/`, to look at. It also runs axe-core on the guide and its
//! printable page in Arabic and French, and saves their screenshots (`guide-page-<lang>.png`).
//!
//! The other tests need no browser: every step has its committed pictures (PNG, small); the guide
//! answers a logged-in seller in each language with every step and picture, every picture
//! answers as a cached PNG, and visitors and shoppers are sent to the login page.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/axe.rs"]
mod axe;
#[path = "support/browser.rs"]
mod browser;
mod support;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use std::time::Duration;
use tijara::docs::PaymentSource;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::{HandTracking, Operator, ShipRequest};
use tijara::usecases::payments::{PaymentEventKind, PaymentNotice};
use tijara::usecases::returns::ReturnStep;
use tijara_core::fulfillment::TrackingStatus;
use tijara_core::order::Address;
use tijara_core::returns::{ReturnLine, ReturnReason};
use tijara_core::{Lang, OrderId, SellerId, SellerOrderId};
use tijara_storefront::App;
use tijara_storefront::portal::guide::{LANGS, STEPS};
use tower::ServiceExt;

const SELLER: (&str, &str) = ("seller1@tijara.example", "artisan-demo-2026");

/// The tallest picture, in CSS pixels (a phone screen's worth, less the browser's bars).
const MAX_HEIGHT: f64 = 560.0;

/// The largest committed picture accepted, in bytes.
const MAX_BYTES: usize = 90 * 1024;

fn code(lang: Lang) -> String {
    lang.code().to_owned()
}

/// Where the committed pictures are.
fn assets_dir(lang: Lang) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/guide")
        .join(code(lang))
}

#[test]
fn every_step_has_its_pictures_committed_small_and_in_png() {
    let mut names = std::collections::HashSet::new();
    for s in STEPS {
        assert!(names.insert(s.name), "two steps named {}", s.name);
        for lang in LANGS {
            let path = assets_dir(lang).join(format!("{}.png", s.name));
            let on_disk = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("{}: {e} (run TIJARA_UPDATE_GUIDE=1)", path.display()));
            let served = s.image(lang);
            assert_eq!(
                on_disk,
                served,
                "{}: rebuild after updating",
                path.display()
            );
            let img = image::load_from_memory_with_format(served, image::ImageFormat::Png)
                .unwrap_or_else(|e| {
                    panic!(
                        "{} is not a PNG ({e}): run TIJARA_UPDATE_GUIDE=1",
                        path.display()
                    )
                });
            assert_eq!(img.width(), 390, "{}: phone width", path.display());
            assert!(
                img.height() >= 80 && f64::from(img.height()) <= MAX_HEIGHT + 20.0,
                "{}: {} px high",
                path.display(),
                img.height()
            );
            assert!(
                served.len() <= MAX_BYTES,
                "{}: {} bytes",
                path.display(),
                served.len()
            );
        }
    }
}

/// A GET through the router, with cookies: status, `Location`, content type, cache and body.
async fn fetch(
    app: &App,
    uri: &str,
    cookies: &str,
) -> (StatusCode, Option<String>, String, String, Vec<u8>) {
    let mut req = Request::get(uri);
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies);
    }
    let res = tijara_storefront::router(app.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let h = |name| {
        res.headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let (status, location) = (res.status(), h(header::LOCATION));
    let kind = h(header::CONTENT_TYPE).unwrap_or_default();
    let cache = h(header::CACHE_CONTROL).unwrap_or_default();
    let body = to_bytes(res.into_body(), 8 << 20).await.unwrap().to_vec();
    (status, location, kind, cache, body)
}

fn cookies_of(c: &support::Client) -> String {
    c.jar
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn the_guide_lists_every_step_with_its_picture_in_each_language_and_keeps_visitors_out() {
    let app = support::demo_app().await;
    let mut seller = support::Client::new(&app);
    seller.login(SELLER.0, SELLER.1).await;
    for lang in LANGS {
        for path in ["/seller/guide", "/seller/guide/print"] {
            let page = seller.get(&format!("{path}?lang={}", code(lang))).await;
            assert_eq!(page.status, StatusCode::OK, "{path} {}", code(lang));
            let html = &page.body;
            assert!(
                html.contains(&format!("<html lang=\"{}\"", code(lang))),
                "{path} in {}",
                code(lang)
            );
            assert!(html.contains("<ol class=\"guide\">"), "{html}");
            let mut at = 0;
            for (i, s) in STEPS.iter().enumerate() {
                // In order, each with its heading, picture, alt text and caption.
                let item = html[at..]
                    .find(&format!("<li id=\"{}\">", s.name))
                    .unwrap_or_else(|| panic!("{path}: step {} missing or out of order", s.name))
                    + at;
                at = item;
                let end = html[item..].find("</li>").unwrap() + item;
                let li = &html[item..end];
                for part in ["h", "p", "alt"] {
                    let words =
                        tijara_storefront::web::t(lang, &format!("guide_{}_{part}", s.name));
                    assert!(!words.is_empty(), "no words for {} {part}", s.name);
                    let escaped = words.replace('&', "&amp;").replace('"', "&quot;");
                    assert!(
                        li.contains(&escaped) || li.contains(words),
                        "{path} {}: {part} of {} missing in {li}",
                        code(lang),
                        s.name
                    );
                }
                assert!(li.contains(&format!("{}. ", i + 1)), "numbered: {li}");
                assert!(
                    li.contains("<figure>") && li.contains("<figcaption>"),
                    "{li}"
                );
                let url = s.image_url(lang);
                assert!(
                    url.starts_with(&format!("/assets/guide-{}-{}-", code(lang), s.name)),
                    "{url}"
                );
                assert!(li.contains(&format!("src=\"{url}\"")), "{li}");
                let (w, h) = image::load_from_memory(s.image(lang))
                    .map(|i| (i.width(), i.height()))
                    .unwrap();
                assert!(
                    li.contains(&format!("width=\"{w}\" height=\"{h}\"")),
                    "sized: {li}"
                );
            }
        }
        // The guide links its printable page; the printable page has no shop frame.
        let guide = seller
            .get(&format!("/seller/guide?lang={}", code(lang)))
            .await;
        assert!(guide.body.contains("href=\"/seller/guide/print\""));
        let print = seller
            .get(&format!("/seller/guide/print?lang={}", code(lang)))
            .await;
        assert!(
            !print.body.contains("site-header") && !print.body.contains("nav class=\"portal\"")
        );
        assert!(print.body.contains("href=\"/seller/guide\""));
    }

    // The page itself is not stored: the same address follows the language chosen since.
    for path in ["/seller/guide", "/seller/guide/print"] {
        let (status, _, _, cache, _) = fetch(&app, path, &cookies_of(&seller)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(cache, "no-store", "{path}");
    }
    seller.get("/seller?lang=fr").await;
    let page = seller.get("/seller/guide").await;
    assert!(
        page.body.contains("<html lang=\"fr\""),
        "the chosen language sticks"
    );
    assert!(page.body.contains(&STEPS[0].image_url(Lang::FR)));

    // Every picture: a PNG, cached for a year, for anybody (it is the demo shop's portal).
    for s in STEPS {
        for lang in LANGS {
            let url = s.image_url(lang);
            let (status, _, kind, cache, body) = fetch(&app, &url, "").await;
            assert_eq!(status, StatusCode::OK, "{url}");
            assert_eq!(kind, "image/png", "{url}");
            assert_eq!(cache, "public, max-age=31536000, immutable", "{url}");
            assert_eq!(body, s.image(lang), "{url}");
        }
    }
    // A picture's old address (another content) is not found.
    let stale = format!("/assets/guide-fr-{}-000000000000.png", STEPS[0].name);
    assert_eq!(fetch(&app, &stale, "").await.0, StatusCode::NOT_FOUND);

    // Another seller sees the same guide; a visitor and a shopper are sent to the login page.
    let mut other = support::Client::new(&app);
    other.login("seller2@tijara.example", SELLER.1).await;
    let page = other.get("/seller/guide?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&STEPS[0].image_url(Lang::FR)));
    let mut shopper = support::Client::new(&app);
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    for path in ["/seller/guide", "/seller/guide/print"] {
        for cookies in [String::new(), cookies_of(&shopper)] {
            let (status, location, ..) = fetch(&app, path, &cookies).await;
            assert!(status.is_redirection(), "{path}: {status}");
            assert_eq!(location.as_deref(), Some("/account/login"), "{path}");
        }
    }
}

/// Orders of the first demo seller (a cooperative; its account is `seller1@…`) in every state
/// the guide shows.
struct Scene {
    /// A paid card order, not shipped: `/seller/orders/<order>/<part>`.
    prepare: String,
    /// A cash-on-delivery order with its label made.
    shipped: String,
}

/// An order of one unit of the seller's first product still on sale, paid with `gateway`
/// (`cmi`: a card, not paid yet; `cod`: cash on delivery).
async fn place(app: &App, seller: &SellerId, gateway: &str) -> (OrderId, SellerOrderId) {
    let products = app
        .engine
        .catalog()
        .list_products(
            &tijara::usecases::catalog::ProductFilter::default().with_seller(seller.clone()),
            None,
            50,
        )
        .await
        .unwrap();
    let v = products
        .items
        .iter()
        .flat_map(|p| p.variants.iter())
        .find(|v| {
            !matches!(
                v.availability,
                tijara_core::inventory::Availability::OutOfStock
            )
        })
        .expect("a product on sale");
    let req = PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines: vec![(v.variant.id.clone(), 1)],
            coupons: vec![],
            customer: None,
            shipping: [(seller.clone(), ShippingSelection::new("amana", "standard"))]
                .into_iter()
                .collect(),
        },
        "salma@example.ma",
        Address {
            name: "Salma Bennani".into(),
            line1: "12 Rue Ibn Batouta".into(),
            line2: None,
            city: "Casablanca".into(),
            postal_code: Some("20000".into()),
            state: None,
            country: "MA".into(),
            phone: "+212661000042".into(),
        },
        gateway,
        Lang::FR,
    );
    let o = app
        .engine
        .checkout()
        .place_order(req, None)
        .await
        .unwrap()
        .order;
    (o.id.clone(), o.seller_orders[0].id.clone())
}

async fn pay(app: &App, order: &OrderId) {
    let doc = app.engine.orders().order(order).await.unwrap();
    app.engine
        .payments()
        .record_payment(
            order,
            PaymentNotice::new(
                PaymentSource::Admin {
                    user: "guide".into(),
                },
                format!("PAY-{order}"),
                PaymentEventKind::Captured {
                    amount: doc.order.grand_total,
                },
                serde_json::Value::Null,
            ),
            None,
        )
        .await
        .unwrap();
}

async fn ship(app: &App, seller: &SellerId, order: &OrderId, part: &SellerOrderId) {
    let f = app.engine.fulfillment();
    f.mark_ready(order, part, None).await.unwrap();
    f.ship_as(
        &Operator::Seller(seller.clone()),
        order,
        part,
        ShipRequest::new(),
        None,
    )
    .await
    .unwrap();
}

/// Ships and delivers an order, and the buyer asks to return its first line; the return is
/// then taken through `steps`.
async fn returned(
    app: &App,
    seller: &SellerId,
    gateway: &str,
    steps: &[ReturnStep],
    number: &str,
) -> (OrderId, SellerOrderId) {
    let (order, part) = place(app, seller, gateway).await;
    if gateway != "cod" {
        pay(app, &order).await;
    }
    ship(app, seller, &order, &part).await;
    let mut delivered = HandTracking::new().with_tracking_number(number);
    delivered.status = Some(TrackingStatus::Delivered);
    app.engine
        .fulfillment()
        .track_by_hand(&Operator::Marketplace, &order, &part, delivered, None)
        .await
        .unwrap();
    let doc = app.engine.orders().order(&order).await.unwrap();
    let line = &doc.order.seller_order(&part).unwrap().lines[0];
    let ret = app
        .engine
        .orders()
        .request_return_for_reason(
            &order,
            &part,
            vec![ReturnLine {
                variant_id: line.variant_id.clone(),
                quantity: 1,
            }],
            ReturnReason::Damaged,
            Some("Le fermoir est cassé".into()),
            None,
        )
        .await
        .unwrap();
    for step in steps {
        app.engine
            .orders()
            .advance_return(&order, &ret.id, step.clone(), None)
            .await
            .unwrap();
    }
    (order, part)
}

async fn scene(app: &App) -> Scene {
    let seller = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    // Waiting for payment: a card order not paid.
    place(app, &seller, "cmi").await;
    // To prepare: a card order paid.
    let (o, p) = place(app, &seller, "cmi").await;
    pay(app, &o).await;
    let prepare = format!("/seller/orders/{o}/{p}");
    // Shipped, cash on delivery: the label shows the amount to collect.
    let (o, p) = place(app, &seller, "cod").await;
    ship(app, &seller, &o, &p).await;
    let shipped = format!("/seller/orders/{o}/{p}");
    // Returns at each step (the statement shows these delivered orders too).
    returned(app, &seller, "cmi", &[], "AM100000001MA").await;
    returned(app, &seller, "cod", &[ReturnStep::Approve], "AM100000002MA").await;
    returned(
        app,
        &seller,
        "cmi",
        &[ReturnStep::Approve, ReturnStep::Receive],
        "AM100000003MA",
    )
    .await;
    Scene { prepare, shipped }
}

/// Where a step's picture is taken: its page with the scene's orders, in `lang`.
fn address(page: &str, scene: &Scene, lang: Lang) -> String {
    let page = page
        .replace("{prepare}", &scene.prepare)
        .replace("{shipped}", &scene.shipped)
        .replace("{label}", &format!("{}/label", scene.shipped));
    let sep = if page.contains('?') { '&' } else { '?' };
    format!("{page}{sep}lang={}", code(lang))
}

/// What the browser measured of a step's page (CSS pixels, from the top of the page).
#[derive(Debug, serde::Deserialize)]
struct Measure {
    /// Top and bottom of the target.
    target: (f64, f64),
    /// Top and bottom of the frame.
    frame: (f64, f64),
    /// The target lies inside the frame.
    inside: bool,
    /// The target is shown (has a size and is not hidden).
    shown: bool,
    /// The page's height.
    height: f64,
}

/// Rings the target and measures it and the frame; `null` when one is missing.
const MEASURE: &str = r#"
const t = document.querySelector(arguments[0]);
const f = document.querySelector(arguments[1]);
if (!t || !f) return null;
// The ring inside the target when a scrolling strip would cut it, or when it spans the page.
let clipped = t.getBoundingClientRect().width > 0.97 * document.documentElement.clientWidth;
for (let a = t.parentElement; a && a !== f.parentElement; a = a.parentElement) {
  if (getComputedStyle(a).overflowX !== 'visible') clipped = true;
}
t.style.outline = '3px solid #e8590c';
t.style.outlineOffset = clipped ? '-3px' : '2px';
document.documentElement.style.scrollbarWidth = 'none';
const box = e => { const b = e.getBoundingClientRect(); return [b.top + window.scrollY, b.bottom + window.scrollY]; };
const tb = t.getBoundingClientRect();
return {
  target: box(t), frame: box(f), inside: f.contains(t),
  shown: tb.width > 0 && tb.height > 0 && getComputedStyle(t).visibility !== 'hidden',
  height: document.documentElement.scrollHeight
};
"#;

/// The rows of the page the picture keeps: the frame (with a margin), cut to [`MAX_HEIGHT`]
/// around the target when taller.
fn rows(m: &Measure, image_height: u32) -> (u32, u32) {
    let limit = f64::from(image_height);
    let top = (m.frame.0 - 8.0).max(0.0);
    let bottom = (m.frame.1 + 8.0).min(limit);
    let (top, bottom) = if bottom - top <= MAX_HEIGHT {
        (top, bottom)
    } else {
        // The target a little below the middle (what comes before it is what the step
        // speaks of), within the frame.
        let start = (m.target.0 - MAX_HEIGHT * 0.55).clamp(top, bottom - MAX_HEIGHT);
        (start, start + MAX_HEIGHT)
    };
    (top.floor() as u32, (bottom - top).ceil() as u32)
}

/// Takes the picture of one step (its page already open): the target must be there, shown and
/// inside the frame.
async fn picture(
    shop: &browser::Shop,
    step: &tijara_storefront::portal::guide::Step,
    at: &str,
) -> Vec<u8> {
    // The target may come after the page's first paint: wait for it a little.
    let found = shop
        .c
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(fantoccini::Locator::Css(step.target))
        .await;
    assert!(
        found.is_ok(),
        "guide step {}: {at} has no `{}` any more — update STEPS in src/portal/guide.rs (and its words), then TIJARA_UPDATE_GUIDE=1",
        step.name,
        step.target
    );
    let measured = shop
        .c
        .execute(MEASURE, vec![step.target.into(), step.frame.into()])
        .await
        .unwrap();
    let m: Measure = serde_json::from_value(measured.clone())
        .unwrap_or_else(|_| panic!("guide step {}: {at} lacks `{}`", step.name, step.frame));
    assert!(
        m.shown,
        "guide step {}: `{}` is hidden on {at}",
        step.name, step.target
    );
    assert!(
        m.inside,
        "guide step {}: `{}` is not inside `{}` on {at}",
        step.name, step.target, step.frame
    );
    // The whole page in one screen, then the rows around the target.
    // (Taller than the page: no scroll bar.)
    let height = (m.height + 100.0).clamp(844.0, 6000.0) as u32;
    shop.c.set_window_size(390, height).await.unwrap();
    shop.c
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();
    let png = shop.c.screenshot().await.unwrap();
    shop.c.set_window_size(390, 844).await.unwrap();
    let full = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8();
    let (top, h) = rows(&m, full.height());
    let width = full.width().min(390);
    let cut =
        image::imageops::crop_imm(&full, 0, top, width, h.min(full.height() - top)).to_image();
    let mut out = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new_with_quality(
            &mut out,
            image::codecs::png::CompressionType::Best,
            image::codecs::png::FilterType::Adaptive,
        ),
        cut.as_raw(),
        cut.width(),
        cut.height(),
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guide_pictures_are_taken_from_the_real_portal() {
    let axe_script = axe::axe_source();
    let Some(shop) = browser::Shop::start("guide", "ar").await else {
        return;
    };
    let scene = scene(&shop.app).await;
    shop.go("/account/login").await;
    shop.fill("input[name='email']", SELLER.0).await;
    shop.fill("input[name='password']", SELLER.1).await;
    shop.click("form[action='/account/login'] button").await;
    shop.wait_path("/seller").await;

    let update = std::env::var("TIJARA_UPDATE_GUIDE").as_deref() == Ok("1");
    for lang in LANGS {
        let dir = if update {
            assets_dir(lang)
        } else {
            shop.shots.join(code(lang))
        };
        std::fs::create_dir_all(&dir).unwrap();
        for step in STEPS {
            let at = address(step.page, &scene, lang);
            shop.go(&at).await;
            let png = picture(&shop, step, &at).await;
            println!("{} {}: {} bytes", code(lang), step.name, png.len());
            std::fs::write(dir.join(format!("{}.png", step.name)), png).unwrap();
        }
    }

    // The guide itself, as an artisan sees it; axe finds nothing serious on it.
    let mut serious = Vec::new();
    for lang in [Lang::AR, Lang::FR] {
        for (path, name) in [("/seller/guide", "page"), ("/seller/guide/print", "print")] {
            let url = format!("{path}?lang={}", code(lang));
            shop.go(&url).await;
            let shown = shop
                .c
                .find_all(fantoccini::Locator::Css("ol.guide > li figure img"))
                .await
                .unwrap();
            assert_eq!(shown.len(), STEPS.len(), "{url}");
            if let Some(script) = &axe_script {
                serious.extend(axe::audit(&shop.c, script, &url).await);
            }
            shop.shot(&format!("guide-{name}-{}", code(lang))).await;
        }
    }
    assert!(
        serious.is_empty(),
        "serious or critical violations:\n{}",
        serious.join("\n")
    );
}
