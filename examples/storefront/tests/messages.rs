//! The shop's messages (issue 13), read from a local SMTP sink: the confirmation of a cash on
//! delivery order with the private link that opens the order, a password reset end to end, the
//! e-mail verification that attaches guest orders (and not before), and the demo mailbox
//! (admin only).

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

#[path = "support/smtp_sink.rs"]
mod smtp_sink;
#[path = "support/mod.rs"]
mod support;

use axum::http::StatusCode;
use smtp_sink::SmtpSink;
use support::Client;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara_core::{Lang, OrderId};

/// The demo shop sending its e-mails to a fresh SMTP sink.
async fn shop_with_smtp() -> (tijara_storefront::App, SmtpSink) {
    let sink = SmtpSink::start().await;
    let mut app = support::demo_app().await;
    app.messages
        .use_smtp(&sink.url(), "Artisanat de Dakhla <noreply@tijara.example>")
        .unwrap();
    (app, sink)
}

/// A guest's cash-on-delivery order for one cushion, placed with `email` in `lang`.
async fn guest_order(app: &tijara_storefront::App, email: &str, lang: Lang) -> OrderId {
    let p = app
        .engine
        .catalog()
        .product_by_slug("embroidered-srama-cushion")
        .await
        .unwrap();
    let req = PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines: vec![(p.variants[0].variant.id.clone(), 1)],
            coupons: vec![],
            customer: None,
            shipping: [(
                p.product.seller_id.clone(),
                ShippingSelection::new("amana", "standard"),
            )]
            .into_iter()
            .collect(),
        },
        email,
        tijara_core::order::Address {
            name: "Fatima Zahra".into(),
            line1: "N° 12, Rue Tarfaya".into(),
            line2: None,
            city: "Dakhla".into(),
            postal_code: None,
            state: None,
            country: "MA".into(),
            phone: "+212661000000".into(),
        },
        "cod",
        lang,
    );
    app.engine
        .checkout()
        .place_order(req, None)
        .await
        .unwrap()
        .order
        .id
}

/// Delivers the outbox until it is empty (what the storefront's dispatcher does every 5 s).
async fn dispatch(app: &tijara_storefront::App) {
    for _ in 0..10 {
        let r = app.engine.operations().dispatch_events(500).await.unwrap();
        if r.delivered == 0 && r.failed == 0 {
            return;
        }
    }
}

fn path_of(link: &str) -> String {
    link.strip_prefix("http://127.0.0.1:9").unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cash_on_delivery_order_is_confirmed_by_email_with_the_link_that_opens_it() {
    let (app, sink) = shop_with_smtp().await;
    let order = guest_order(&app, "fatima+cod@example.ma", Lang::FR).await;
    dispatch(&app).await;
    let mail = sink
        .wait_for("fatima+cod@example.ma", |m| m.subject.contains("confirmée"))
        .await
        .expect("the confirmation e-mail");
    // The order's human number names it (the id stays internal).
    let number = app
        .engine
        .orders()
        .order(&order)
        .await
        .unwrap()
        .order
        .reference();
    assert!(mail.subject.contains(&number), "{}", mail.subject);
    assert!(
        mail.body.contains("Coussin srama brodé × 1"),
        "{}",
        mail.body
    );
    assert!(
        mail.body.contains("espèces"),
        "cash on delivery said: {}",
        mail.body
    );
    let doc = app.engine.orders().order(&order).await.unwrap();
    let total = app
        .engine
        .region()
        .format_money(&doc.order.grand_total, Lang::FR);
    assert!(mail.body.contains(&total), "{total} in {}", mail.body);
    let link = mail
        .link("http://127.0.0.1:9/orders/")
        .expect("the order's link");
    assert!(link.contains("?t="), "{link}");
    // The link opens the order for anyone holding it (a new browser, no account).
    let mut visitor = Client::new(&app);
    let page = visitor.get(&path_of(&link)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(order.as_str()));
    // Delivered again, the outbox sends nothing twice.
    let before = sink.mails().len();
    dispatch(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.mails().len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_from_the_emailed_link_once() {
    let (app, sink) = shop_with_smtp().await;
    let mut c = Client::new(&app);
    // The login form leads to the reset form.
    let login = c.get("/account/login?lang=fr").await;
    assert!(
        login.body.contains("href=\"/account/forgot\""),
        "{}",
        login.body
    );
    let form = c.get("/account/forgot").await;
    assert_eq!(form.status, StatusCode::OK);
    // A malformed e-mail: said, with the form again; nothing sent.
    let bad = c
        .post("/account/forgot", &[("email", "shopper-at-example")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("nom@exemple.ma"), "{}", bad.body);
    // The same answer for an e-mail no account has, and nothing sent.
    let unknown = c
        .post("/account/forgot", &[("email", "nobody@example.ma")])
        .await;
    let known = c
        .post("/account/forgot", &[("email", "Shopper@Tijara.Example")])
        .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(known.status, StatusCode::OK);
    let strip = |b: &str| b.split("name=\"csrf\"").next().unwrap_or("").to_owned();
    assert_eq!(
        strip(&unknown.body),
        strip(&known.body),
        "no account enumeration"
    );
    let mail = sink
        .wait_for("shopper@tijara.example", |m| {
            m.body.contains("/account/reset?token=")
        })
        .await
        .expect("the reset e-mail");
    assert!(
        sink.mails()
            .iter()
            .all(|m| !m.to.contains(&"nobody@example.ma".to_owned()))
    );
    // The demo shopper reads Arabic.
    assert!(mail.subject.contains("كلمة سر"), "{}", mail.subject);
    let link = mail
        .link("http://127.0.0.1:9/account/reset?token=")
        .unwrap();
    // A stranger's guess is refused with the way on.
    let guess = c.get("/account/reset?token=acc_x.0000").await;
    assert_eq!(guess.status, StatusCode::NOT_FOUND);
    assert!(guess.body.contains("href=\"/account/forgot\""));
    let page = c.get(&path_of(&link)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = link.split_once("token=").unwrap().1.to_owned();
    let short = c
        .post(
            "/account/reset",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = c
        .post(
            "/account/reset",
            &[("token", &token), ("password", "nouveau-2026-sel")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("href=\"/account/login\""));
    // The link is used up.
    let again = c
        .post(
            "/account/reset",
            &[("token", &token), ("password", "third-2026-pass")],
        )
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    // The new password logs in, the old one no more.
    let mut old = Client::new(&app);
    let r = old
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let mut fresh = Client::new(&app);
    let r = fresh
        .login("shopper@tijara.example", "nouveau-2026-sel")
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(r.location.as_deref(), Some("/account"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_email_brings_its_guest_orders_and_an_unverified_one_does_not() {
    let (app, sink) = shop_with_smtp().await;
    let order = guest_order(&app, "karima@example.ma", Lang::FR).await;
    // Someone registers with Karima's e-mail: without the link from her mailbox, no order.
    let mut c = Client::new(&app);
    c.get("/account/register?lang=fr").await;
    let r = c
        .post(
            "/account/register",
            &[
                ("name", "Karima"),
                ("email", "karima@example.ma"),
                ("password", "karima-2026-x"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let page = c.get("/account").await;
    assert!(
        !page.body.contains(order.as_str()),
        "unverified: no guest order"
    );
    // Signing up sends a verification link; asking again sends a new one, which replaces it.
    let first = sink
        .wait_for("karima@example.ma", |m| {
            m.body.contains("/account/verify?token=")
        })
        .await
        .expect("the verification e-mail sent at sign-up");
    let first_link = first
        .link("http://127.0.0.1:9/account/verify?token=")
        .unwrap();
    let sent = c.post("/account/verify/send", &[]).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let mail = sink
        .wait_for("karima@example.ma", |m| {
            m.body.contains("/account/verify?token=") && !m.body.contains(&first_link)
        })
        .await
        .expect("the new verification e-mail");
    let replaced = c.get(&path_of(&first_link)).await;
    assert_eq!(
        replaced.status,
        StatusCode::NOT_FOUND,
        "the first link is replaced"
    );
    let link = mail
        .link("http://127.0.0.1:9/account/verify?token=")
        .unwrap();
    // A wrong token attaches nothing.
    let wrong = c.get("/account/verify?token=nope").await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    let done = c.get(&path_of(&link)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains(order.as_str()), "{}", done.body);
    let page = c.get("/account").await;
    assert!(
        page.body.contains(order.as_str()),
        "verified: the guest order is hers"
    );
    let used = c.get(&path_of(&link)).await;
    assert_eq!(used.status, StatusCode::GONE);
    // Anonymous: asking for a verification link needs a login.
    let mut anon = Client::new(&app);
    anon.get("/account/forgot").await;
    let r = anon.post("/account/verify/send", &[]).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(r.location.as_deref(), Some("/account/login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_mailbox_is_for_admins_and_shows_the_newest_first() {
    // Demo mode without SMTP: messages go to the mailbox.
    let app = support::demo_app().await;
    let mut anon = Client::new(&app);
    let r = anon.get("/admin/mailbox").await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    let mut shopper = Client::new(&app);
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    let r = shopper.get("/admin/mailbox").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.body.contains("/account/reset?token="));

    anon.get("/account/forgot").await;
    anon.post("/account/forgot", &[("email", "shopper@tijara.example")])
        .await;
    guest_order(&app, "fatima+box@example.ma", Lang::FR).await;
    dispatch(&app).await;
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    let mut body = String::new();
    for _ in 0..50 {
        body = admin.get("/admin/mailbox?lang=fr").await.body;
        if body.contains("/account/reset?token=") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(body.contains("Boîte des messages"), "{body}");
    let reset = body.find("/account/reset?token=").expect("the reset mail");
    let order = body.find("fatima+box@example.ma").expect("the order mail");
    // The order's mail was sent after the reset's: it comes first.
    assert!(order < reset, "newest first");
    assert!(
        body.contains("<a href=\"http://127.0.0.1:9/account/reset?token="),
        "links clickable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_asks_from_one_address_are_limited_and_the_refusal_says_when_to_come_back() {
    let (app, sink) = shop_with_smtp().await;
    let mut c = Client::new(&app);
    c.get("/account/forgot?lang=fr").await;
    for i in 0..tijara::usecases::accounts::MAX_RESET_ASKS_PER_ADDRESS {
        let email = format!("someone{i}@example.ma");
        let r = c.post("/account/forgot", &[("email", &email)]).await;
        assert_eq!(r.status, StatusCode::OK, "ask {i}");
    }
    let r = c
        .post("/account/forgot", &[("email", "shopper@tijara.example")])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("Attendez une heure"), "{}", r.body);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(sink.mails().is_empty(), "nothing sent: {:?}", sink.mails());
}

/// A busy hour: more events wait than one round delivers. The dispatcher runs the next round at
/// once instead of after its interval (here an hour), so every message goes out.
#[tokio::test]
async fn the_dispatcher_keeps_up_when_more_than_a_round_waits() {
    let app = support::demo_app().await;
    let round = tijara_storefront::messages::DISPATCH_ROUND as usize;
    let cushion = app
        .engine
        .catalog()
        .product_by_slug("embroidered-srama-cushion")
        .await
        .unwrap();
    app.engine
        .catalog()
        .adjust_stock(
            &cushion.variants[0].variant.id,
            tijara::usecases::catalog::StockAdjustment::Add { units: 500 },
            None,
        )
        .await
        .unwrap();
    for n in 0..round + 20 {
        guest_order(&app, &format!("busy{n}@example.ma"), Lang::Fr).await;
    }
    let storage = app.engine.storage().clone();
    let waiting = storage.pending_events(1000).await.unwrap().len();
    assert!(waiting > round, "{waiting} events wait");
    let drained = {
        let storage = storage.clone();
        async move {
            let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
            while tokio::time::Instant::now() < deadline {
                if storage.pending_events(1).await.unwrap().is_empty() {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    };
    tijara_storefront::messages::run_dispatcher_until(
        app.engine.clone(),
        std::time::Duration::from_secs(3600),
        drained,
    )
    .await;
    assert_eq!(
        storage.pending_events(1000).await.unwrap().len(),
        0,
        "every event delivered without waiting an interval"
    );
}

/// An idle shop writes nothing: a dispatcher round with no event waiting takes no lease (each
/// lease taken and released was two durable commits per interval and process). The control:
/// with events waiting, the rounds do write (the lease, the acknowledgements).
#[tokio::test]
async fn an_idle_shop_writes_nothing_between_orders() {
    let (app, db) = support::file_app("idle").await;
    assert!(
        tijara_storefront::seed::seed_if_empty(&app.engine)
            .await
            .unwrap()
    );
    guest_order(&app, "idle@example.ma", Lang::Fr).await;
    let side = rusqlite::Connection::open(&db).unwrap();
    // Changes when another connection commits between two reads (SQLite's `data_version`).
    let commits_seen = |c: &rusqlite::Connection| -> i64 {
        c.query_row("PRAGMA data_version", [], |r| r.get(0))
            .unwrap()
    };
    let run = |engine: tijara::Tijara, ms: u64| {
        tijara_storefront::messages::run_dispatcher_until(
            engine,
            std::time::Duration::from_millis(20),
            tokio::time::sleep(std::time::Duration::from_millis(ms)),
        )
    };
    assert!(
        app.engine.operations().events_waiting().await.unwrap(),
        "the order's events wait"
    );
    let before = commits_seen(&side);
    run(app.engine.clone(), 2000).await;
    assert!(
        !app.engine.operations().events_waiting().await.unwrap(),
        "delivered"
    );
    assert_ne!(commits_seen(&side), before, "rounds with events write");
    let before = commits_seen(&side);
    run(app.engine.clone(), 500).await;
    assert_eq!(
        commits_seen(&side),
        before,
        "about 25 idle rounds committed nothing"
    );
    // The 30-second housekeeping's reminders: no reservation lapses within a day (the order
    // above is paid on delivery), so no lease is taken and nothing is written.
    let holder = tijara_storefront::housekeeping::holder();
    assert_eq!(
        tijara_storefront::housekeeping::remind_once(&app.engine, &holder).await,
        None
    );
    assert_eq!(
        commits_seen(&side),
        before,
        "an idle reminders round wrote nothing"
    );
}
