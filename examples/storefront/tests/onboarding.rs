//! A seller's application at `/sell`: linked from the shop's footer and home page, asks for a
//! phone and optionally ICE / IF / RC or the auto-entrepreneur status (the TVA follows),
//! refuses wrong fields with nothing written, and tells the applicant when approved.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

mod support;

use axum::http::StatusCode;
use support::{Client, demo_app};
use tijara_core::catalog::SellerTaxStatus;

fn form<'a>(
    email: &'a str,
    phone: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("shop", "Coopérative Tafilalet"),
        ("kind", "cooperative"),
        ("city", "Dakhla"),
        ("name", "Fatima Zahra"),
        ("email", email),
        ("phone", phone),
        ("password", "a-long-password-1"),
    ];
    f.extend_from_slice(extra);
    f
}

async fn seller_count(app: &tijara_storefront::App) -> usize {
    app.engine
        .catalog()
        .list_sellers(None, 100)
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn the_shop_links_to_the_application() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    let home = c.get("/?lang=fr").await;
    assert!(
        home.body.matches("href=\"/sell\"").count() >= 2,
        "footer and home page"
    );
    let page = c.get("/sell").await;
    assert_eq!(page.status, StatusCode::OK);
    for field in [
        "name=\"phone\"",
        "name=\"ice\"",
        "name=\"if_number\"",
        "name=\"rc\"",
        "name=\"auto_entrepreneur\"",
    ] {
        assert!(page.body.contains(field), "{field}");
    }
}

#[tokio::test]
async fn wrong_fields_are_named_and_nothing_is_written() {
    let app = demo_app().await;
    let before = seller_count(&app).await;
    let mut c = Client::new(&app);
    c.get("/sell?lang=fr").await;
    /// (phone, other fields, the word the error names)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 4] = [
        ("12345", &[], "Téléphone"),
        ("0612345678", &[("ice", "123")], "ICE"),
        ("0612345678", &[("if_number", "12ab")], "IF"),
        (
            "0612345678",
            &[(
                "rc",
                "RC 12345 Dakhla — beaucoup trop long pour un registre",
            )],
            "RC",
        ),
    ];
    for (phone, extra, word) in cases {
        let r = c.post("/sell", &form("bad@example.ma", phone, extra)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{word}");
        assert!(r.body.contains(word), "{word}: {}", r.body);
        // The form keeps what was typed.
        assert!(r.body.contains("Coopérative Tafilalet"));
    }
    // An e-mail that already has an account (here a shopper's): what to do next is said.
    let r = c
        .post("/sell", &form("shopper@tijara.example", "0612345678", &[]))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("a déjà un compte sur le marché")
            && r.body.contains("une autre adresse e-mail"),
        "{}",
        r.body
    );
    assert_eq!(seller_count(&app).await, before, "no seller written");
    assert!(
        app.engine
            .accounts()
            .account_by_email("bad@example.ma")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn every_wrong_field_is_said_beside_it_at_once_and_the_fees_before_applying() {
    let app = demo_app().await;
    let before = seller_count(&app).await;
    let mut c = Client::new(&app);
    let page = c.get("/sell?lang=fr").await;
    assert!(
        page.body.contains("L'inscription est gratuite") && page.body.contains("10 %"),
        "the commission is said before applying: {}",
        page.body
    );
    let all_wrong = [
        ("shop", " "),
        ("kind", "artisan"),
        ("city", ""),
        ("name", ""),
        ("email", "fatima-at-gmail"),
        ("phone", "12345"),
        ("password", "short"),
        ("ice", "123"),
        ("if_number", "12ab"),
        ("rc", "x"),
    ];
    let r = c.post("/sell", &all_wrong).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("8 champs à corriger"), "{}", r.body);
    for field in [
        "shop",
        "city",
        "name",
        "email",
        "phone",
        "password",
        "ice",
        "if_number",
    ] {
        assert!(
            r.body.contains(&format!(r#"id="err-{field}""#)),
            "{field} said beside it: {}",
            r.body
        );
        assert!(
            r.body.contains(&format!(r##"href="#f-{field}""##)),
            "{field} linked from the summary"
        );
        let input = &r.body[r.body.find(&format!(r#"id="f-{field}""#)).unwrap()..];
        let input = &input[..input.find('>').unwrap()];
        assert!(input.contains(r#"aria-invalid="true""#), "{field}: {input}");
    }
    assert!(
        !r.body.contains(r#"id="err-rc""#),
        "a right field is not marked"
    );
    assert!(r.body.contains("fatima@gmail.com"), "the e-mail's example");
    assert!(
        r.body.contains(r#"value="fatima-at-gmail""#),
        "what was typed is kept"
    );
    // In Arabic, right to left, in Arabic words.
    let mut ar = Client::new(&app);
    ar.get("/sell?lang=ar").await;
    let r = ar.post("/sell", &all_wrong).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"dir="rtl""#));
    assert!(
        r.body.contains("خانات للتصحيح") && r.body.contains("كلمة السر: 8 أحرف"),
        "{}",
        r.body
    );
    assert_eq!(seller_count(&app).await, before, "nothing written");
}

#[tokio::test]
async fn an_auto_entrepreneur_applies_and_is_told_when_approved() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    c.get("/sell?lang=fr").await;
    let r = c
        .post(
            "/sell",
            &form(
                "fatima@example.ma",
                "06 61 22 33 44",
                &[("auto_entrepreneur", "1"), ("if_number", "12345678")],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/seller"));
    let account = app
        .engine
        .accounts()
        .account_by_email("fatima@example.ma")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.phone.as_deref(), Some("+212661223344"));
    let seller_id = account.seller_id().unwrap().clone();
    let seller = app.engine.catalog().seller(&seller_id).await.unwrap();
    assert!(!seller.active, "waits for the admin");
    assert!(
        matches!(&seller.tax_status, SellerTaxStatus::Exempt { reason } if reason.contains("114-13"))
    );
    assert_eq!(seller.legal.if_number.as_deref(), Some("12345678"));
    // Her phone is the shop's too (labels, the courier's pick-up call).
    assert_eq!(seller.contact.phone.as_deref(), Some("+212661223344"));

    // A VAT-registered applicant (ICE, not auto-entrepreneur).
    let mut other = Client::new(&app);
    other.get("/sell").await;
    let r = other
        .post(
            "/sell",
            &form(
                "omar@example.ma",
                "+212 5 28 00 00 00",
                &[("ice", "001234567000089")],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let omar = app
        .engine
        .accounts()
        .account_by_email("omar@example.ma")
        .await
        .unwrap()
        .unwrap();
    let omar_seller = app
        .engine
        .catalog()
        .seller(omar.seller_id().unwrap())
        .await
        .unwrap();
    assert_eq!(omar_seller.tax_status, SellerTaxStatus::VatRegistered);

    // The admin sees the application among those waiting, approves, and the applicant is told.
    let mut admin = Client::new(&app);
    admin.get("/?lang=fr").await;
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    let waiting = admin.get("/admin/sellers?state=pending").await;
    assert!(waiting.body.contains("Coopérative Tafilalet"));
    assert!(waiting.body.contains("+212661223344"));
    assert!(waiting.body.contains("114-13"));
    // In Arabic, the status is said in Arabic (the invoice keeps the French legal mention).
    let ar = admin.get("/admin/sellers?state=pending&lang=ar").await.body;
    assert!(ar.contains("مقاول ذاتي (القانون 114-13)"), "{ar}");
    assert!(!ar.contains("TVA non applicable"), "{ar}");
    admin.get("/admin/sellers?state=pending&lang=fr").await;
    let r = admin
        .post(
            &format!("/admin/sellers/{seller_id}/active"),
            &[("active", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.engine
            .catalog()
            .seller(&seller_id)
            .await
            .unwrap()
            .active
    );
    // Once active, the admin still reaches her: her name, e-mail and phone.
    let all = admin.get("/admin/sellers").await.body;
    let row = &all[all.find("Coopérative Tafilalet").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    for shown in ["Fatima Zahra", "fatima@example.ma", "+212661223344"] {
        assert!(row.contains(shown), "{shown}: {row}");
    }
    // A cooperative's contact is its own login, not its member artisan's.
    let coop = "Coopérative Nisae Oued Eddahab";
    let row = &all[all.find(coop).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("seller1@tijara.example"), "{row}");
    assert!(!row.contains("member1@tijara.example"), "{row}");
    // The message goes through the outbox (the storefront's dispatcher delivers it).
    app.engine.operations().dispatch_events(100).await.unwrap();
    let mailbox = app.messages.mailbox().expect("demo mailbox").clone();
    let mut told = false;
    for _ in 0..50 {
        told = mailbox
            .newest_first()
            .iter()
            .any(|m| m.to.contains("fatima@example.ma") && m.subject.contains("approuvée"));
        if told {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        told,
        "the applicant is told, in French (the page's language when applying)"
    );
}
