//! The message telling an applicant that the shop is approved goes through the engine's
//! outbox like every other message: approving commits a `seller.approved` event with the
//! seller, and the notification sink sends it; a relay that refuses the first try does not
//! lose it (the next round sends it, once), and the other messages are unaffected.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

#[path = "support/smtp_sink.rs"]
mod smtp_sink;
#[path = "support/mod.rs"]
mod support;

use axum::http::StatusCode;
use smtp_sink::SmtpSink;
use support::Client;

/// A cooperative's application at `/sell` with this e-mail and password, answered.
async fn post_sell(
    app: &tijara_storefront::App,
    lang: &str,
    email: &str,
    password: &str,
) -> support::Answer {
    let mut c = Client::new(app);
    c.get(&format!("/sell?lang={lang}")).await;
    c.post(
        "/sell",
        &[
            ("shop", "Coopérative Tafilalet"),
            ("kind", "cooperative"),
            ("city", "Dakhla"),
            ("name", "Fatima Zahra"),
            ("email", email),
            ("phone", "06 61 22 33 44"),
            ("password", password),
        ],
    )
    .await
}

/// Events of `kind` waiting in the outbox.
async fn queued(app: &tijara_storefront::App, kind: &str) -> usize {
    app.engine
        .storage()
        .pending_events(500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind)
        .count()
}

async fn apply(app: &tijara_storefront::App, lang: &str, email: &str) -> tijara_core::SellerId {
    let r = post_sell(app, lang, email, "a-long-password-1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.engine
        .accounts()
        .account_by_email(email)
        .await
        .unwrap()
        .unwrap()
        .seller_id()
        .unwrap()
        .clone()
}

async fn approve(app: &tijara_storefront::App, seller: &tijara_core::SellerId, active: bool) {
    let mut admin = Client::new(app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    admin.get("/admin/sellers?state=pending").await;
    let r = admin
        .post(
            &format!("/admin/sellers/{seller}/active"),
            &[("active", if active { "true" } else { "false" })],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

fn approvals(sink: &SmtpSink, to: &str, subject: &str) -> usize {
    sink.mails()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == to) && m.subject.contains(subject))
        .count()
}

#[tokio::test]
async fn an_approval_whose_first_send_fails_is_delivered_on_the_next_round() {
    let sink = SmtpSink::start().await;
    let mut app = support::demo_app().await;
    app.messages
        .use_smtp(&sink.url(), "Artisanat de Dakhla <noreply@tijara.example>")
        .unwrap();
    let seller = apply(&app, "ar", "fatima@example.ma").await;
    // Earlier events (none here but the demo's) are delivered first.
    app.engine.operations().dispatch_events(500).await.unwrap();
    let before = sink.mails().len();

    approve(&app, &seller, true).await;
    // Nothing is sent by the admin's page itself: the event waits in the outbox.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.mails().len(), before, "sent only from the outbox");

    // The relay refuses the first try: the event stays in the outbox.
    sink.refuse_next(1);
    let first = app.engine.operations().dispatch_events(500).await.unwrap();
    assert_eq!(first.failed, 1, "{first:?}");
    assert_eq!(approvals(&sink, "fatima@example.ma", "تمت الموافقة"), 0);

    // The next round sends it, in Arabic (the applicant's language), with the portal's link.
    let second = app.engine.operations().dispatch_events(500).await.unwrap();
    assert_eq!(second.failed, 0, "{second:?}");
    assert_eq!(approvals(&sink, "fatima@example.ma", "تمت الموافقة"), 1);
    let mail = sink
        .mails()
        .into_iter()
        .find(|m| m.subject.contains("تمت الموافقة"))
        .unwrap();
    assert!(
        mail.subject.contains("Coopérative Tafilalet"),
        "{}",
        mail.subject
    );
    assert_eq!(
        mail.link("http://").as_deref(),
        Some("http://127.0.0.1:9/seller"),
        "{}",
        mail.body
    );

    // Once sent, never again: a later round, a suspension and a no-op re-activation of an
    // active seller send nothing more; approving again after a suspension tells again.
    app.engine.operations().dispatch_events(500).await.unwrap();
    approve(&app, &seller, true).await;
    app.engine.operations().dispatch_events(500).await.unwrap();
    assert_eq!(approvals(&sink, "fatima@example.ma", "تمت الموافقة"), 1);
    approve(&app, &seller, false).await;
    approve(&app, &seller, true).await;
    app.engine.operations().dispatch_events(500).await.unwrap();
    assert_eq!(approvals(&sink, "fatima@example.ma", "تمت الموافقة"), 2);
}

#[tokio::test]
async fn only_an_admin_approves_and_an_unknown_seller_is_a_404_with_nothing_queued() {
    let app = support::demo_app().await;
    let seller = apply(&app, "fr", "omar@example.ma").await;
    let path = format!("/admin/sellers/{seller}/active");
    let queued = || queued(&app, "seller.approved");
    // Anonymous, a shopper's login and another seller's login are refused.
    let mut anonymous = Client::new(&app);
    anonymous.get("/").await;
    let r = anonymous.post(&path, &[("active", "true")]).await;
    assert_eq!(r.location.as_deref(), Some("/account/login"), "{}", r.body);
    let mut seller1 = Client::new(&app);
    seller1
        .login("seller1@tijara.example", "artisan-demo-2026")
        .await;
    seller1.get("/seller").await;
    let r = seller1.post(&path, &[("active", "true")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(queued().await, 0);
    // An unknown seller: 404, nothing queued.
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    admin.get("/admin/sellers").await;
    let r = admin
        .post("/admin/sellers/slr_nobody/active", &[("active", "true")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(queued().await, 0);
    approve(&app, &seller, true).await;
    assert_eq!(queued().await, 1);
}

/// An applicant is thanked by e-mail, in the language she applied in, with what comes next and
/// the artisans' guide; her portal says the same instead of a bare "awaiting approval". A
/// refused application (a field wrong) queues nothing.
#[tokio::test]
async fn an_application_is_acknowledged_by_e_mail_and_on_the_portal() {
    let sink = SmtpSink::start().await;
    let mut app = support::demo_app().await;
    app.messages
        .use_smtp(&sink.url(), "Artisanat de Dakhla <noreply@tijara.example>")
        .unwrap();
    app.engine.operations().dispatch_events(500).await.unwrap();
    let applied = || queued(&app, "seller.applied");
    // A wrong field: refused, nothing queued.
    let r = post_sell(&app, "fr", "amina@example.ma", "short").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(applied().await, 0);

    let seller = apply(&app, "fr", "amina@example.ma").await;
    assert_eq!(applied().await, 1);
    app.engine.operations().dispatch_events(500).await.unwrap();
    let mails: Vec<_> = sink
        .mails()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t == "amina@example.ma"))
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(
        mail.subject,
        "Merci pour votre demande — Coopérative Tafilalet"
    );
    assert!(
        mail.body.contains("vous prévient par e-mail et SMS"),
        "{}",
        mail.body
    );
    assert_eq!(
        mail.link("http://").as_deref(),
        Some("http://127.0.0.1:9/seller/guide"),
        "{}",
        mail.body
    );
    // Sent once: a later round sends nothing more.
    app.engine.operations().dispatch_events(500).await.unwrap();
    assert_eq!(
        approvals(&sink, "amina@example.ma", "Merci pour votre demande"),
        1
    );

    // Her portal: thanks and what she can do meanwhile, with the links.
    let mut her = Client::new(&app);
    her.login("amina@example.ma", "a-long-password-1").await;
    let page = her.get("/seller?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Merci : nous avons bien reçu votre demande"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"href="/seller" aria-current="page""#),
        "the orders part is marked: {}",
        page.body
    );
    for link in ["/seller/products/new", "/seller/profile", "/seller/guide"] {
        assert!(page.body.contains(&format!(r#"href="{link}""#)), "{link}");
    }
    // Once approved, the box is gone; suspended later, the shop is said closed, not thanked.
    approve(&app, &seller, true).await;
    let page = her.get("/seller?lang=fr").await;
    assert!(
        !page
            .body
            .contains("Merci : nous avons bien reçu votre demande")
    );
    assert!(!page.body.contains("Votre boutique est fermée"));
    approve(&app, &seller, false).await;
    let page = her.get("/seller?lang=fr").await;
    assert!(
        page.body
            .contains("Votre boutique est fermée pour le moment"),
        "{}",
        page.body
    );
    // Her product form says the shop is not open, not that it awaits approval.
    let form = her.get("/seller/products/new?lang=fr").await;
    assert!(
        form.body
            .contains("Votre boutique n'est pas ouverte pour le moment"),
        "{}",
        form.body
    );
    assert!(!form.body.contains("attend la validation"));
    assert!(
        !page
            .body
            .contains("Merci : nous avons bien reçu votre demande")
    );
}
