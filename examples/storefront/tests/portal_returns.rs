//! Returns in the artisan portal (issue 14): a shopper's request seen by the seller, approved,
//! received and refunded, the shopper told at each step (the demo mailbox), the seller's
//! statement lowered by exactly the refunded share; a refusal with its reason; steps out of
//! order refused; another seller, a member artisan and a visitor kept out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by unwrapping

#[path = "support/browser.rs"]
mod browser;
mod support;

use axum::http::StatusCode;
use support::{Client, demo_app};
use tijara::usecases::catalog::ProductFilter;
use tijara_core::chrono::{Duration, Utc};
use tijara_core::returns::ReturnStatus;
use tijara_core::{Money, OrderId, SellerId};
use tijara_storefront::App;

const ARTISAN_PW: &str = "artisan-demo-2026";

/// The demo sellers in seed order, each with its first product's slug.
async fn sellers(app: &App) -> Vec<(SellerId, String)> {
    let list = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items;
    let mut out = Vec::new();
    for s in list {
        let filter = ProductFilter::default().with_seller(s.id.clone());
        let mut items = app
            .engine
            .catalog()
            .list_products(&filter, None, 50)
            .await
            .unwrap()
            .items;
        items.sort_by(|a, b| a.product.id.cmp(&b.product.id));
        out.push((s.id, items[0].product.slug.clone()));
    }
    out
}

/// Delivers the outbox until it is empty (what the storefront's dispatcher does every 5 s).
async fn dispatch(app: &App) {
    for _ in 0..10 {
        let r = app.engine.operations().dispatch_events(500).await.unwrap();
        if r.delivered == 0 && r.failed == 0 {
            return;
        }
    }
}

/// The demo mailbox's messages to `to`, newest first (subject and text).
fn mails_to(app: &App, to: &str) -> Vec<(String, String)> {
    app.messages
        .mailbox()
        .unwrap()
        .newest_first()
        .into_iter()
        .filter(|m| m.to == to)
        .map(|m| (m.subject, m.text))
        .collect()
}

/// The logged-in shopper `c` orders one unit of each of `slugs`, cash on delivery to Dakhla,
/// each seller's parcel by Amana, through the shop's pages; returns the order's id.
async fn place_cod(app: &App, c: &mut Client, slugs: &[&str]) -> OrderId {
    let mut sellers = Vec::new();
    for slug in slugs {
        let p = app.engine.catalog().product_by_slug(slug).await.unwrap();
        c.get(&format!("/products/{slug}")).await;
        let variant = p.variants[0].variant.id.to_string();
        let r = c
            .post("/cart/add", &[("variant", &variant), ("quantity", "1")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        sellers.push(format!("ship_{}", p.product.seller_id));
    }
    c.get("/checkout").await;
    let address = [
        ("name", "Mariem Ahmed"),
        ("line1", "Avenue Mohammed V"),
        ("city", "Dakhla"),
        ("country", "MA"),
        ("phone", "+212661000001"),
        ("email", "shopper@tijara.example"),
    ];
    let r = c.post("/checkout", &address).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut fields = address.to_vec();
    for key in &sellers {
        fields.push((key, "amana/standard"));
    }
    fields.push(("payment", "cod"));
    // The order's language (its messages') is the page's.
    let r = c.post("/checkout/place?lang=fr", &fields).await;
    let path = r.location.unwrap_or_else(|| panic!("{}", r.body));
    let id = path
        .trim_start_matches("/orders/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    OrderId::new(id).unwrap()
}

/// A logged-in shopper's cash-on-delivery order of `slug`, shipped by `seller_login` and
/// delivered (the admin records it); returns the order id, its part, the variant bought and
/// the shopper's client.
async fn a_delivered_order(
    app: &App,
    slug: &str,
    seller_login: &str,
) -> (OrderId, String, String, Client) {
    let mut c = Client::new(app);
    // In French: the messages are in the order's language.
    c.get("/?lang=fr").await;
    c.login("shopper@tijara.example", "shopper-demo-2026").await;
    let order = place_cod(app, &mut c, &[slug]).await;
    let id = order.to_string();
    let p = app.engine.catalog().product_by_slug(slug).await.unwrap();
    let variant = p.variants[0].variant.id.to_string();
    let doc = app.engine.orders().order(&order).await.unwrap();
    let so = doc.order.seller_orders[0].id.to_string();
    let mut seller = Client::new(app);
    seller.login(seller_login, ARTISAN_PW).await;
    seller.get("/seller").await;
    let r = seller
        .post(&format!("/seller/orders/{id}/{so}/ship"), &[])
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let mut admin = Client::new(app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    admin.get(&format!("/admin/orders/{id}")).await;
    // A number of its own: a tracking number names one shipment.
    static PARCELS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(999);
    let tracking = format!(
        "AM{}MA",
        PARCELS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let r = admin
        .post(
            &format!("/admin/orders/{id}/{so}/tracking"),
            &[("number", tracking.as_str()), ("status", "delivered")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    (order, so, variant, c)
}

/// A logged-in shopper's cash-on-delivery order of `slug`, shipped by `seller_login`,
/// delivered (the admin records it), and a return asked by the shopper with one photo; returns
/// the order id, the return id and the shopper's client.
async fn a_requested_return(
    app: &App,
    slug: &str,
    seller_login: &str,
) -> (OrderId, String, String, Client) {
    let (order, so, variant, mut c) = a_delivered_order(app, slug, seller_login).await;
    let id = order.to_string();
    c.get(&format!("/orders/{id}/return/{so}")).await;
    let photo = png(320, 240);
    let r = c
        .post_multipart(
            &format!("/orders/{id}/return/{so}"),
            &[
                (format!("q_{variant}").as_str(), "1"),
                ("reason", "damaged"),
                ("details", "Le fermoir est cassé"),
                ("refund_holder", "Youssef Alami"),
                ("refund_rib", "0117 8000 0012 3456 7890 1296"),
            ],
            &[("photo", &photo)],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let doc = app.engine.orders().order(&order).await.unwrap();
    let ret = doc.returns.last().unwrap().id.to_string();
    (order, ret, so, c)
}

async fn status_of(app: &App, order: &OrderId) -> ReturnStatus {
    app.engine.orders().order(order).await.unwrap().returns[0].status()
}

#[tokio::test]
async fn a_return_is_approved_received_and_refunded_by_the_artisan_and_the_statement_drops_by_the_refunded_share()
 {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (artisan, slug) = all[2].clone();
    let (order, ret, _, _) = a_requested_return(&app, &slug, "seller3@tijara.example").await;
    let base = format!("/seller/returns/{order}/{ret}");
    let from = Utc::now() - Duration::days(1);
    let until = Utc::now() + Duration::days(1);
    let statement = || async {
        app.engine
            .payouts()
            .seller_statement(&artisan, from, until)
            .await
            .unwrap()
    };
    let before = statement().await;

    // The artisan sees the request: item, quantity, reason and the shopper's words.
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    // Her profile says where parcels come back to (the demo shop has no street).
    s.get("/seller/profile?lang=fr").await;
    let r = s
        .post(
            "/seller/profile?lang=fr",
            &[("phone", "0612345678"), ("address", "Hay Al Matar, rue 12")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let page = s.get("/seller/returns?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert!(page.body.contains(&doc.order.reference()), "{}", page.body);
    assert!(page.body.contains("Article abîmé"), "{}", page.body);
    assert!(page.body.contains("Le fermoir est cassé"));
    assert!(page.body.contains("× 1"));
    let ar = s.get("/seller/returns?lang=ar").await;
    support::assert_names_in_arabic(&app, &slug, &ar.body).await;
    s.get("/seller/returns?lang=fr").await;
    assert!(page.body.contains(&format!("{base}/approve")));

    // The shopper's status line says a return is in progress.
    let mut shopper = Client::new(&app);
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    let mine = shopper.get(&format!("/orders/{order}?lang=fr")).await;
    assert!(
        mine.body.contains("Livrée — retour en cours"),
        "{}",
        mine.body
    );
    // Out of order: receiving or refunding before approving is refused, nothing changes.
    let r = s
        .post(&format!("{base}/receive?lang=fr"), &[("sale", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("a déjà changé d'étape"), "{}", r.body);
    assert_eq!(status_of(&app, &order).await, ReturnStatus::Requested);
    s.get("/seller/returns?lang=fr").await;
    let r = s.post(&format!("{base}/teleport?lang=fr"), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Approve → received → refund (a bad amount, too much, then the value).
    s.get("/seller/returns?lang=fr").await;
    let r = s.post(&format!("{base}/approve?lang=fr"), &[]).await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/seller/returns?done=approve&lang=fr#ret-{ret}").as_str())
    );
    assert_eq!(status_of(&app, &order).await, ReturnStatus::Approved);
    dispatch(&app).await;
    let told = mails_to(&app, "shopper@tijara.example");
    let (_, accepted) = told
        .iter()
        .find(|(subject, _)| subject.contains("accepté par"))
        .unwrap_or_else(|| panic!("{told:?}"));
    // Where to send the items: the shop's name, street and phone, as the return page gives.
    let shop = app.engine.catalog().seller(&artisan).await.unwrap();
    let to = format!(
        "Où renvoyer les articles : {}, Hay Al Matar, rue 12, {} · ☎ +212612345678",
        shop.name, shop.home_city
    );
    assert!(accepted.contains(&to), "{to} in {accepted}");
    let page = s.get("/seller/returns?done=approve&lang=fr").await;
    assert!(page.body.contains("Retour accepté"), "{}", page.body);
    // The item came back: the artisan says whether it can be sold again. The buyer said it
    // arrived damaged, so "No" is the one chosen first.
    assert!(
        page.body
            .contains(r#"name="sale" value="no" required checked"#),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Les articles reçus peuvent-ils être vendus à nouveau")
    );
    let variant = app.engine.orders().order(&order).await.unwrap().returns[0].lines[0]
        .variant_id
        .clone();
    let on_sale = || async {
        app.engine
            .catalog()
            .stock_row(&variant)
            .await
            .unwrap()
            .on_hand
    };
    let stock_before = on_sale().await;
    // Nothing chosen, or a made-up answer: asked again, nothing written.
    for form in [vec![], vec![("sale", "maybe")]] {
        let r = s.post(&format!("{base}/receive?lang=fr"), &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        assert!(
            r.body.contains("choisissez « Oui » ou « Non »"),
            "{}",
            r.body
        );
        assert_eq!(status_of(&app, &order).await, ReturnStatus::Approved);
        s.get("/seller/returns?lang=fr").await;
    }
    let r = s
        .post(&format!("{base}/receive?lang=fr"), &[("sale", "no")])
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/seller/returns?done=kept&lang=fr#ret-{ret}").as_str()),
        "{}",
        r.body
    );
    assert_eq!(status_of(&app, &order).await, ReturnStatus::Received);
    assert_eq!(
        on_sale().await,
        stock_before,
        "a damaged piece is not put back on sale"
    );
    let page = s.get("/seller/returns?done=kept&lang=fr").await;
    assert!(
        page.body.contains("Articles reçus, non remis en vente"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Reçus, non remis en vente (abîmés ou usés).")
    );
    // (The messages are written from the order as it is when the outbox is delivered: the
    // shop's dispatcher runs every 5 s, so each step is sent before the next.)
    dispatch(&app).await;
    let value = app.engine.orders().order(&order).await.unwrap().returns[0].value;
    s.get("/seller/returns?lang=fr").await;
    for bad in ["douze", "-5"] {
        let r = s
            .post(&format!("{base}/refund?lang=fr"), &[("amount", bad)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.body.contains("Montant non compris"));
    }
    let too_much = value.checked_add(Money::mad("0.01").unwrap()).unwrap();
    let r = s
        .post(
            &format!("{base}/refund?lang=fr"),
            &[("amount", &too_much.amount().to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(status_of(&app, &order).await, ReturnStatus::Received);
    let r = s
        .post(
            &format!("{base}/refund?lang=fr"),
            // Typed on an Arabic keyboard: Arabic-Indic digits, the Arabic decimal mark, the unit.
            &[(
                "amount",
                &format!(
                    "{} درهم",
                    arabic_digits(&value.amount().to_string().replace('.', "٫"))
                ),
            )],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    assert_eq!(status_of(&app, &order).await, ReturnStatus::Refunded);
    assert_eq!(
        app.engine.orders().order(&order).await.unwrap().returns[0].refunded(),
        Some(value)
    );
    // Refunded once: a second refund is a step out of order.
    s.get("/seller/returns?lang=fr").await;
    let r = s
        .post(&format!("{base}/refund?lang=fr"), &[("amount", "1")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The statement: refunds up by the refunded amount, the commission on it given back, and
    // what the artisan is owed down by exactly the rest (her share of the refund).
    let after = statement().await;
    // Her statement's detail says which line is the refund, beside the product's name.
    let page = s.get("/seller/statement?lang=fr").await;
    assert!(
        page.body.contains("<strong>↩ Remboursement</strong> · "),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"data-label="Montant""#),
        "{}",
        page.body
    );
    let refunds_up = after.refunds.checked_sub(before.refunds).unwrap();
    let commission_back = before.commission.checked_sub(after.commission).unwrap();
    let owed_down = before.owed.checked_sub(after.owed).unwrap();
    assert_eq!(refunds_up, value);
    assert!(commission_back.is_positive() && commission_back.compare(&value).unwrap().is_lt());
    assert_eq!(owed_down, value.checked_sub(commission_back).unwrap());
    let share: Money = app
        .engine
        .orders()
        .order(&order)
        .await
        .unwrap()
        .ledger
        .iter()
        .filter(|e| e.movement.seller_id == artisan && e.movement.seller_share.is_negative())
        .map(|e| e.movement.seller_share.negated())
        .fold(Money::mad("0").unwrap(), |a, b| a.checked_add(b).unwrap());
    assert_eq!(owed_down, share, "exactly the refunded share");

    // The shopper was told at each step, the refund with its amount.
    dispatch(&app).await;
    let told = mails_to(&app, "shopper@tijara.example");
    for word in [
        "demande reçue",
        "accepté par",
        "reçus",
        "— remboursement décidé",
    ] {
        let n = told
            .iter()
            .filter(|(subject, _)| subject.contains(word))
            .count();
        // "demande reçue" was delivered together with the approval: told as it stands then.
        let expected = usize::from(word != "demande reçue");
        assert_eq!(n, expected, "{word}, once: {told:?}");
    }
    let refund_mail = told
        .iter()
        .find(|(subject, _)| subject.contains("— remboursement décidé"))
        .unwrap();
    assert!(
        refund_mail.1.contains("Montant du remboursement"),
        "{}",
        refund_mail.1
    );
    // And the admin reads them in the demo mailbox.
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    let mailbox = admin.get("/admin/mailbox?lang=fr").await;
    assert!(mailbox.body.contains("Votre retour — remboursement décidé"));
    // The shopper's order page says where the return stands, not "paid, being prepared".
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    let page = shopper.get(&format!("/orders/{order}?lang=fr")).await;
    assert!(
        page.body
            .contains("Livrée — remboursement du retour en route"),
        "{}",
        page.body
    );
}

/// A cash order's refund: the artisan refunds, the shopper's page and message say it will be
/// transferred to the account she gave (its last digits only, the API too), the admin finds it
/// waiting (dashboard, list, order page with the whole RIB), records the transfer with the
/// bank's reference (nobody else may; a missing reference is refused, nothing written), and
/// the shopper is told when and with which reference.
#[tokio::test]
async fn a_cash_orders_refund_is_transferred_by_the_admin_to_the_account_the_shopper_gave() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (_, slug) = all[2].clone();
    let (order, ret, _, _) = a_requested_return(&app, &slug, "seller3@tijara.example").await;
    let base = format!("/seller/returns/{order}/{ret}");
    // The artisan hears of the request at once (she must answer), with the items and reason,
    // in her login's language (Arabic).
    dispatch(&app).await;
    let heard = mails_to(&app, "seller3@tijara.example");
    let reference = app
        .engine
        .orders()
        .order(&order)
        .await
        .unwrap()
        .order
        .reference();
    let (subject, text) = heard
        .iter()
        .find(|(subject, _)| subject.starts_with("طلب إرجاع"))
        .unwrap_or_else(|| panic!("{heard:?}"));
    assert!(subject.contains(&reference), "{subject}");
    assert!(
        text.contains("السبب: منتج متضرر") && text.contains("/seller/returns"),
        "{text}"
    );
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    for step in ["approve", "receive"] {
        s.get("/seller/returns?lang=fr").await;
        // (The received items go back on sale.)
        let r = s
            .post(&format!("{base}/{step}?lang=fr"), &[("sale", "yes")])
            .await;
        assert!(r.status.is_redirection(), "{step}: {}", r.body);
        dispatch(&app).await;
    }
    s.get("/seller/returns?lang=fr").await;
    let r = s
        .post(&format!("{base}/refund?lang=fr"), &[("amount", "100")])
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let page = s.get("/seller/returns?done=refund&lang=fr").await;
    assert!(
        page.body.contains("le marché rend l'argent à l'acheteur"),
        "{}",
        page.body
    );
    dispatch(&app).await;
    let rib = "011780000012345678901296";
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(doc.returns[0].refund_account().unwrap().rib(), rib);
    assert_eq!(
        doc.returns[0].refund_due(),
        Some(Money::mad("100").unwrap())
    );

    // The shopper: where the money goes, the RIB's last digits only (the page, the message,
    // the API).
    let mut shopper = Client::new(&app);
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    let mine = shopper.get(&format!("/orders/{order}?lang=fr")).await;
    assert!(
        mine.body.contains("le marché va le virer au compte")
            && mine.body.contains("•••• 1296")
            && mine.body.contains("Youssef Alami"),
        "{}",
        mine.body
    );
    assert!(!mine.body.contains(rib), "never the whole RIB");
    let told = mails_to(&app, "shopper@tijara.example");
    let (_, refunded) = told
        .iter()
        .find(|(subject, _)| subject.contains("— remboursement décidé"))
        .unwrap();
    assert!(
        refunded.contains("Le marché va le virer au compte •••• 1296"),
        "{refunded}"
    );
    let router = tijara_storefront::router(app.clone());
    let (status, json) = support::call(
        &router,
        axum::http::Method::GET,
        &format!("/api/v1/orders/{order}?t={}", doc.access_token.as_str()),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["returns"][0]["refund_to"]["rib"], "•••• 1296");
    assert!(!json.to_string().contains(rib));

    // The admin finds it waiting.
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    let dash = admin.get("/admin?lang=en").await;
    assert!(dash.body.contains("Refunds to send"), "{}", dash.body);
    let waiting = || async {
        app.engine
            .dashboard()
            .summary()
            .await
            .unwrap()
            .refunds_to_send
    };
    assert_eq!(waiting().await, 1);
    let list = admin.get("/admin/orders?refunds=due&lang=en").await;
    assert!(list.body.contains(&doc.order.reference()), "{}", list.body);
    let page = admin.get(&format!("/admin/orders/{order}?lang=en")).await;
    assert!(
        page.body.contains(rib) && page.body.contains("Youssef Alami"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Transfer made"), "{}", page.body);
    let sent_path = format!("/admin/orders/{order}/returns/{ret}/refund-sent");
    let unsent = || async {
        app.engine.orders().order(&order).await.unwrap().returns[0]
            .refund_sent()
            .is_none()
    };

    // Nobody else may record it: a visitor, the shopper, the artisan; nor without the form's
    // token.
    let mut visitor = Client::new(&app);
    visitor.get("/").await;
    let r = visitor.post(&sent_path, &[("reference", "VIR-1")]).await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    shopper.get("/").await;
    let r = shopper.post(&sent_path, &[("reference", "VIR-1")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    s.get("/seller").await;
    let r = s.post(&sent_path, &[("reference", "VIR-1")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = admin.post_raw(&sent_path, &[("reference", "VIR-1")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    assert!(unsent().await);
    // A missing reference, an unknown return: refused, nothing written.
    admin.get(&format!("/admin/orders/{order}?lang=en")).await;
    let r = admin
        .post(&format!("{sent_path}?lang=en"), &[("reference", "  ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Write the reference the bank gave the transfer"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Back to the order"));
    let r = admin
        .post(
            &format!("/admin/orders/{order}/returns/ret_nope/refund-sent"),
            &[("reference", "VIR-1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(unsent().await);

    // The transfer made: recorded once, the shopper told with the reference.
    let r = admin
        .post(&sent_path, &[("reference", " VIR-2026-0042 ")])
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/admin/orders/{order}#ret-{ret}").as_str()),
        "{}",
        r.body
    );
    let doc = app.engine.orders().order(&order).await.unwrap();
    let sent = doc.returns[0].refund_sent().unwrap();
    assert_eq!(
        (sent.reference.as_str(), sent.through_gateway),
        ("VIR-2026-0042", false)
    );
    assert_eq!(
        doc.order.payment.refunded(),
        Money::mad("100").unwrap(),
        "counted once"
    );
    admin.get(&format!("/admin/orders/{order}")).await;
    let r = admin
        .post(&format!("{sent_path}?lang=en"), &[("reference", "VIR-2")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let list = admin.get("/admin/orders?refunds=due&lang=en").await;
    assert!(!list.body.contains(&doc.order.reference()), "{}", list.body);
    assert_eq!(waiting().await, 0);
    dispatch(&app).await;
    let told = mails_to(&app, "shopper@tijara.example");
    assert!(
        told[0].0.ends_with("— remboursé")
            && told[0]
                .1
                .contains("au compte •••• 1296 (référence VIR-2026-0042)"),
        "{told:?}"
    );
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    let mine = shopper.get(&format!("/orders/{order}?lang=fr")).await;
    assert!(
        mine.body.contains("référence") && mine.body.contains("VIR-2026-0042"),
        "{}",
        mine.body
    );
    assert!(
        mine.body.contains("Livrée — retour remboursé"),
        "{}",
        mine.body
    );
    // The API tells the shopper when and with which reference, not who recorded it.
    let (_, json) = support::call(
        &router,
        axum::http::Method::GET,
        &format!("/api/v1/orders/{order}?t={}", doc.access_token.as_str()),
        None,
        None,
    )
    .await;
    assert_eq!(
        json["returns"][0]["refund_sent"]["reference"],
        "VIR-2026-0042"
    );
    assert!(
        json["returns"][0]["refund_sent"].get("by").is_none(),
        "{json}"
    );
    assert!(!json.to_string().contains("admin@tijara.example"));
    // Sent: the RIB is kept to its last four digits, even for the admin.
    let page = admin.get(&format!("/admin/orders/{order}?lang=en")).await;
    assert!(!page.body.contains(rib), "{}", page.body);
}

#[tokio::test]
async fn a_refusal_needs_a_reason_the_shopper_reads_and_others_cannot_decide() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    // The cooperative (first seller) and its member artisan.
    let (_, coop_slug) = all[0].clone();
    let (order, ret, _, mut shopper) =
        a_requested_return(&app, &coop_slug, "seller1@tijara.example").await;
    let base = format!("/seller/returns/{order}/{ret}");

    // A visitor: sent to log in. The shopper: not a seller. Another seller: not found.
    let mut visitor = Client::new(&app);
    visitor.get("/").await;
    let r = visitor.post(&format!("{base}/approve"), &[]).await;
    assert!(r.status.is_redirection() || r.status == StatusCode::FORBIDDEN);
    assert!(visitor.get("/seller/returns").await.status.is_redirection());
    shopper.get("/").await;
    let r = shopper.post(&format!("{base}/approve"), &[]).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let mut other = Client::new(&app);
    other.login("seller3@tijara.example", ARTISAN_PW).await;
    let page = other.get("/seller/returns").await;
    assert!(!page.body.contains(&ret));
    let r = other.post(&format!("{base}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&app, &order).await, ReturnStatus::Requested);

    // The member artisan sees a return of her product, but the cooperative decides.
    let doc = app.engine.orders().order(&order).await.unwrap();
    let made_by_member = doc.order.seller_orders[0].lines[0].made_by.is_some();
    let mut member = Client::new(&app);
    member.login("member1@tijara.example", ARTISAN_PW).await;
    let page = member.get("/seller/returns?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(&format!("{base}/approve")));
    // The return's photo: for the cooperative, and for the member only if she made the piece
    // (as she sees the return); never for another seller.
    let photo = doc.returns[0].photos()[0].clone();
    let mut coop = Client::new(&app);
    coop.login("seller1@tijara.example", ARTISAN_PW).await;
    assert_eq!(coop.get(&photo).await.status, StatusCode::OK);
    let expected = if made_by_member {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    assert_eq!(member.get(&photo).await.status, expected);
    assert_eq!(other.get(&photo).await.status, StatusCode::NOT_FOUND);
    let r = member.post(&format!("{base}/approve?lang=fr"), &[]).await;
    if made_by_member {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("La coopérative décide"), "{}", r.body);
    } else {
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(status_of(&app, &order).await, ReturnStatus::Requested);

    // The cooperative refuses: without a reason, refused; with one, the shopper reads it.
    coop.get("/seller/returns?lang=ar").await;
    let r = coop
        .post(&format!("{base}/reject"), &[("reason", "   ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("اكتب سبب الرفض"), "{}", r.body);
    let r = coop
        .post(&format!("{base}/reject"), &[("reason", &"x".repeat(501))])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status_of(&app, &order).await, ReturnStatus::Requested);
    let r = coop
        .post(
            &format!("{base}/reject"),
            &[("reason", "Pièce gravée au nom de l'acheteuse")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    assert_eq!(status_of(&app, &order).await, ReturnStatus::Rejected);
    let page = coop.get("/seller/returns?lang=fr").await;
    assert!(page.body.contains("Pièce gravée au nom de l'acheteuse"));
    dispatch(&app).await;
    let told = mails_to(&app, "shopper@tijara.example");
    let refused = told
        .iter()
        .find(|(subject, _)| subject.contains("refusé par"))
        .expect("the refusal is sent");
    assert!(
        refused.1.contains("Pièce gravée au nom de l'acheteuse"),
        "{}",
        refused.1
    );
    // The shopper's order page says why, in her language's words around the seller's, and
    // what to do next (write to the marketplace, quoting the order's number).
    let number = app
        .engine
        .orders()
        .order(&order)
        .await
        .unwrap()
        .order
        .reference();
    for (lang, frame, next) in [
        (
            "fr",
            "Le vendeur a refusé ce retour. Sa raison :",
            "Écrivez au marché",
        ),
        (
            "ar",
            "رفض البائع هذا الإرجاع. السبب الذي ذكره:",
            "راسل السوق",
        ),
        (
            "en",
            "The seller refused this return. Their reason:",
            "Write to the marketplace",
        ),
    ] {
        let page = shopper.get(&format!("/orders/{order}?lang={lang}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(frame), "{lang}: {}", page.body);
        assert!(page.body.contains(next), "{lang}: what to do next");
        assert!(
            page.body
                .contains("<q><bdi class=\"name\">Pièce gravée au nom de l'acheteuse</bdi></q>"),
            "{lang}: the seller's words, isolated: {}",
            page.body
        );
        assert!(
            page.body.contains(&number),
            "{lang}: the order's number to quote"
        );
    }
    // Nobody else reads it: another customer, an anonymous visitor.
    let mut stranger = Client::new(&app);
    stranger.get("/?lang=fr").await;
    let page = stranger.get(&format!("/orders/{order}?lang=fr")).await;
    assert!(!page.body.contains("Pièce gravée"), "{}", page.status);
    let mut someone = Client::new(&app);
    someone.get("/account/register?lang=fr").await;
    let r = someone
        .post(
            "/account/register",
            &[
                ("name", "Autre"),
                ("email", "autre-cliente@example.ma"),
                ("password", "autre-2026-pw"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let page = someone.get(&format!("/orders/{order}?lang=fr")).await;
    assert!(!page.body.contains("Pièce gravée"), "{}", page.status);

    // Refused: it cannot be approved afterwards.
    coop.get("/seller/returns").await;
    let r = coop.post(&format!("{base}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

/// `text` with its ASCII digits written as Arabic-Indic ones (٠–٩).
fn arabic_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x0660 + d).unwrap(),
            None => c,
        })
        .collect()
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut img = image::RgbImage::new(w, h);
    for (x, y, p) in img.enumerate_pixels_mut() {
        *p = image::Rgb([(x % 256) as u8, 120, (y % 256) as u8]);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// In a phone-width browser, the artisan of `seller3@…` creates a product with a photo in one
/// form, then handles a shopper's return to the refund; the statement page drops by exactly
/// her share of the refund. Screenshots in target/screenshots/portal-returns-{lang}.
async fn journey(lang: &str) {
    let Some(shop) = browser::Shop::start(&format!("portal-returns-{lang}"), lang).await else {
        return;
    };
    let app = shop.app.clone();
    let all = sellers(&app).await;
    let (artisan, slug) = all[2].clone();
    // A shopper asks to return a delivered parcel (in process, on the same shop; done first,
    // as the in-process seller's login would end the browser's session).
    let (order, ret, _, _) = a_requested_return(&app, &slug, "seller3@tijara.example").await;
    shop.log_in(lang, "seller3@tijara.example", ARTISAN_PW, "/seller")
        .await;

    // A product with its photo, in one form.
    shop.go(&format!("/seller/products/new?lang={lang}")).await;
    shop.shot("1-new-product").await;
    shop.fill("input[name=title_ar]", "سوار فضي").await;
    shop.fill("input[name=price]", "180").await;
    shop.fill("input[name=weight]", "50").await;
    let photo = std::env::temp_dir().join(format!("tijara-portal-photo-{lang}.png"));
    std::fs::write(&photo, png(900, 700)).unwrap();
    shop.find("input[type=file][name=photo]")
        .await
        .send_keys(photo.to_str().unwrap())
        .await
        .unwrap();
    shop.click("form[enctype='multipart/form-data'] button[type=submit]")
        .await;
    // The list the upload redirects to (the form's own path starts with /seller/products).
    shop.wait_path("/seller/products?lang=").await;
    shop.shot("2-products").await;
    let filter = ProductFilter::default().with_seller(artisan.clone());
    let made = app
        .engine
        .catalog()
        .list_products(&filter, None, 200)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|v| v.product.title.exact(tijara_core::Lang::AR) == Some("سوار فضي"))
        .expect("the product was created");
    assert_eq!(made.product.photos.len(), 1, "its photo came with the form");
    assert!(
        made.product.slug.starts_with("swr-"),
        "{}",
        made.product.slug
    );

    let month = |app: &App| {
        let app = app.clone();
        let artisan = artisan.clone();
        async move {
            let now = Utc::now();
            app.engine
                .payouts()
                .seller_statement(&artisan, now - Duration::days(40), now + Duration::days(1))
                .await
                .unwrap()
        }
    };
    let before = month(&app).await;
    shop.go(&format!("/seller/returns?lang={lang}")).await;
    // The shopper's photo, served to the artisan's session only: loaded, at its thumbnail's
    // size (a 320 px photo makes a 300 px thumbnail).
    assert_eq!(shop.image_widths(".return-photos img").await, vec![300]);
    shop.shot("3-return-requested").await;
    let base = format!("/seller/returns/{order}/{ret}");
    shop.click(&format!("form[action^='{base}/approve'] button"))
        .await;
    shop.wait_path("/seller/returns?done=approve").await;
    shop.shot("4-approved").await;
    shop.click(&format!("form[action^='{base}/receive'] button"))
        .await;
    // The buyer said the piece arrived damaged: "keep off sale" is the answer ready.
    shop.wait_path("/seller/returns?done=kept").await;
    shop.shot("5-received").await;
    shop.click(&format!("form[action^='{base}/refund'] button"))
        .await;
    shop.wait_path("/seller/returns?done=refund").await;
    shop.shot("6-refunded").await;
    assert_eq!(status_of(&app, &order).await, ReturnStatus::Refunded);
    let after = month(&app).await;
    let refunded = app.engine.orders().order(&order).await.unwrap().returns[0]
        .refunded()
        .unwrap();
    let commission_back = before.commission.checked_sub(after.commission).unwrap();
    assert_eq!(
        before.owed.checked_sub(after.owed).unwrap(),
        refunded.checked_sub(commission_back).unwrap(),
        "the statement drops by exactly the refunded share"
    );
    shop.go(&format!("/seller/statement?lang={lang}")).await;
    shop.shot("7-statement").await;
    let text = shop.main_text().await;
    let shown = app
        .engine
        .region()
        .format_money(&refunded, tijara_core::Lang::parse(lang).unwrap());
    let plain = |t: &str| t.replace(['\u{a0}', '\u{202f}'], " ");
    assert!(
        plain(&text).contains(&plain(&shown)),
        "{shown} on the statement page: {text}"
    );

    // The admin sends the money: the refund waits on the order's page with the buyer's RIB;
    // the transfer's reference recorded, the page says it was sent.
    shop.c.delete_all_cookies().await.unwrap();
    shop.log_in(lang, "admin@tijara.example", "admin-demo-2026", "/admin")
        .await;
    shop.go(&format!("/admin/orders/{order}?lang={lang}")).await;
    let box_of = format!("#ret-{ret}");
    let text = shop.find(&box_of).await.text().await.unwrap();
    assert!(text.contains("011780000012345678901296"), "{text}");
    let show_box = || async {
        let _ = shop
            .c
            .execute(
                &format!("document.querySelector('{box_of}').scrollIntoView({{block: 'center'}})"),
                vec![],
            )
            .await;
    };
    show_box().await;
    shop.shot("8-admin-refund-due").await;
    shop.fill(&format!("{box_of} input[name=reference]"), "VIR-2026-0042")
        .await;
    shop.click(&format!("{box_of} button[type=submit]")).await;
    shop.wait_main_contains("VIR-2026-0042").await;
    show_box().await;
    shop.shot("9-admin-refund-sent").await;
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(
        doc.returns[0].refund_sent().map(|s| s.reference.as_str()),
        Some("VIR-2026-0042")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_phone_width_in_french_a_product_with_a_photo_and_a_return_to_the_refund() {
    journey("fr").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_phone_width_in_arabic_a_product_with_a_photo_and_a_return_to_the_refund() {
    journey("ar").await;
}

/// The files in the shop's media folders (the public one of the products' photos, and the
/// private one of the returns').
fn media_files(app: &App) -> usize {
    [
        tijara_storefront::media::media_dir(app),
        tijara_storefront::media::private_media_dir(app),
    ]
    .iter()
    .map(|dir| std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0))
    .sum()
}

/// Return photos: up to 3 with the request, checked like product photos before anything is
/// stored; shown to the artisan on the return and to the admin on the order; bad files (not a
/// photo, too large, too many) refused with a clear 4xx and nothing written; another customer
/// and an anonymous visitor cannot ask. The photos are not public: only the shopper (logged in,
/// or by the order's link), the artisan of the parcel and the admin can open them.
#[tokio::test]
async fn a_return_carries_up_to_three_photos_the_artisan_and_the_admin_see() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (_, slug) = all[2].clone();
    // Another order of the same shopper, first (a login ends the account's other sessions).
    let (other_order, ..) = a_delivered_order(&app, &slug, "seller3@tijara.example").await;
    let (order, so, variant, mut c) =
        a_delivered_order(&app, &slug, "seller3@tijara.example").await;
    let path = format!("/orders/{order}/return/{so}");
    let page = c.get(&format!("{path}?lang=fr")).await;
    assert!(page.body.contains("multipart/form-data"), "{}", page.body);
    assert!(page.body.contains(r#"name="photo""#));
    assert!(page.body.contains("3 au plus"));
    let q = format!("q_{variant}");
    let fields = [
        (q.as_str(), "1"),
        ("reason", "damaged"),
        ("details", "Cassé"),
        ("refund_holder", "Youssef Alami"),
        ("refund_rib", "011780000012345678901296"),
    ];
    let returns = |app: &App| {
        let app = app.clone();
        let order = order.clone();
        async move {
            app.engine
                .orders()
                .order(&order)
                .await
                .unwrap()
                .returns
                .len()
        }
    };
    let files_before = media_files(&app);
    // Sizes no other test uses: stored photos are named by their content.
    let (a, b) = (png(641, 479), png(503, 701));
    for (files, status, says) in [
        (
            vec![("photo", b"GIF89a not a photo".as_slice())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "n'est pas une photo",
        ),
        (
            vec![("photo", a.as_slice()), ("photo", &[7u8; 100][..])],
            StatusCode::UNPROCESSABLE_ENTITY,
            "n'est pas une photo",
        ),
        (
            vec![("photo", a.as_slice()); 4],
            StatusCode::UNPROCESSABLE_ENTITY,
            "3 photos au plus",
        ),
    ] {
        let r = c
            .post_multipart(&format!("{path}?lang=fr"), &fields, &files)
            .await;
        assert_eq!(r.status, status, "{says}: {}", r.body);
        assert!(r.body.contains(says), "{says}: {}", r.body);
    }
    let big = vec![7u8; 6 * 1024 * 1024];
    let r = c
        .post_multipart(&format!("{path}?lang=fr"), &fields, &[("photo", &big)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(returns(&app).await, 0, "nothing written");
    assert_eq!(media_files(&app), files_before, "no photo stored");

    // Another customer and an anonymous visitor: not their order.
    let mut stranger = Client::new(&app);
    stranger.get(&format!("{path}?lang=fr")).await;
    let r = stranger
        .post_multipart(&format!("{path}?lang=fr"), &fields, &[("photo", &a)])
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let mut other = Client::new(&app);
    other.get("/account/register?lang=fr").await;
    other
        .post(
            "/account/register",
            &[
                ("name", "Autre"),
                ("email", "autre-photos@example.ma"),
                ("password", "autre-2026-pw"),
            ],
        )
        .await;
    other.get(&format!("{path}?lang=fr")).await;
    let r = other
        .post_multipart(&format!("{path}?lang=fr"), &fields, &[("photo", &a)])
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(returns(&app).await, 0, "nothing written");
    assert_eq!(media_files(&app), files_before, "no photo stored");

    // Two photos: stored, on the request.
    c.get(&format!("{path}?lang=fr")).await;
    let r = c
        .post_multipart(
            &format!("{path}?lang=fr"),
            &fields,
            &[("photo", &a), ("photo", &b)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let doc = app.engine.orders().order(&order).await.unwrap();
    let photos = doc.returns[0].photos().to_vec();
    assert_eq!(photos.len(), 2);
    let prefix = format!("/orders/{order}/photos/");
    assert!(photos.iter().all(|p| p.starts_with(&prefix)), "{photos:?}");
    let private = tijara_storefront::media::private_media_dir(&app);
    let public = tijara_storefront::media::media_dir(&app);
    let thumb = tijara_storefront::media::thumb_url(&photos[0]);
    for p in [&photos[0], &photos[1], &thumb] {
        let file = p.trim_start_matches(&prefix);
        assert!(private.join(file).exists(), "{p} stored apart");
        assert!(!public.join(file).exists(), "{p} not in the public folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the folder is the storefront's own");
    }
    // The artisan sees them on the return; the admin on the order; the shopper on hers.
    let mut seller = Client::new(&app);
    seller.login("seller3@tijara.example", ARTISAN_PW).await;
    let page = seller.get("/seller/returns?lang=fr").await;
    assert!(page.body.contains(&thumb), "{}", page.body);
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    let page = admin.get(&format!("/admin/orders/{order}?lang=fr")).await;
    assert!(page.body.contains(&thumb), "{}", page.body);
    let page = c.get(&format!("/orders/{order}?lang=fr")).await;
    assert!(page.body.contains(&thumb));
    // Each of them opens the photos; no cache keeps them.
    for who in [&mut c, &mut seller, &mut admin] {
        for p in [&photos[0], &photos[1], &thumb] {
            let r = who.get(p).await;
            assert_eq!(r.status, StatusCode::OK, "{p}");
            assert_eq!(r.header("content-type").as_deref(), Some("image/jpeg"));
            assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
        }
    }
    // The guest's way in: the order's private link, which the page's photos then carry.
    let link_token = doc.access_token.as_str().to_owned();
    let mut guest = Client::new(&app);
    let page = guest
        .get(&format!("/orders/{order}?t={link_token}&lang=fr"))
        .await;
    let with_token = format!("{thumb}?t={link_token}");
    assert!(page.body.contains(&with_token), "{}", page.body);
    assert_eq!(guest.get(&with_token).await.status, StatusCode::OK);
    // Another seller: not on the returns page, nor at the photo's address; nor another
    // customer, an anonymous visitor, a wrong link, the public folder's address, the same file
    // under another order, or a name that is no stored photo.
    let mut other_seller = Client::new(&app);
    other_seller
        .login("seller1@tijara.example", ARTISAN_PW)
        .await;
    let page = other_seller.get("/seller/returns?lang=fr").await;
    assert!(!page.body.contains(&thumb));
    let file = photos[0].trim_start_matches(&prefix).to_owned();
    for (mut who, path) in [
        (other_seller.clone(), photos[0].clone()),
        (other.clone(), photos[0].clone()),
        (stranger.clone(), photos[0].clone()),
        (stranger.clone(), thumb.clone()),
        (stranger.clone(), format!("{}?t=wrong", photos[0])),
        (stranger.clone(), format!("/media/{file}")),
        (c.clone(), format!("/orders/{other_order}/photos/{file}")),
        (
            admin.clone(),
            format!("/orders/{other_order}/photos/{file}"),
        ),
        (c.clone(), format!("{prefix}{}-800.jpg", "a".repeat(64))),
        (c.clone(), format!("{prefix}..%2F..%2Fsecret")),
        (
            c.clone(),
            format!("{prefix}{}", file.replace("-800", "-301")),
        ),
    ] {
        let r = who.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            r.header("content-type").as_deref() != Some("image/jpeg"),
            "{path}"
        );
    }
    // Those 404s were for the address, not a session lost on the way.
    for who in [&mut c, &mut admin] {
        assert_eq!(who.get(&photos[0]).await.status, StatusCode::OK);
    }
    assert_eq!(other_seller.get("/seller").await.status, StatusCode::OK);
    let account = other.get("/account?lang=fr").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.body.contains("/account/logout"), "still logged in");
}

/// Returns asked before their photos were private kept public addresses (`/media/…`). At the
/// next start the photos move to the private folder, the orders keep their new addresses, and
/// the public copies leave public view (moved aside, never served), unless a product shows the
/// same file (kept public for it). A file on
/// two orders stays public until both are saved (a pass cut short by its bound removes
/// nothing). Once moved, nothing moves again, and the start's pass is marked done.
#[tokio::test]
async fn photos_of_earlier_returns_move_out_of_public_view_at_start() {
    use tijara_core::returns::{ReturnLine, ReturnReason};
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (_, slug) = all[2].clone();
    // Two delivered orders of one shopper (the second's client is the logged-in one).
    let first = a_delivered_order(&app, &slug, "seller3@tijara.example").await;
    let (order, so, variant, mut c) =
        a_delivered_order(&app, &slug, "seller3@tijara.example").await;
    // As an older version stored them: in the public folder, with public addresses; `shared`
    // is also one of a product's photos, `twice` is on both orders' returns.
    let store = |w, h| {
        let app = app.clone();
        async move {
            tijara_storefront::media::store(&app, png(w, h))
                .await
                .unwrap()
        }
    };
    let (alone, shared, twice) = (
        store(333, 222).await,
        store(334, 222).await,
        store(335, 222).await,
    );
    let product = app.engine.catalog().product_by_slug(&slug).await.unwrap();
    app.engine
        .catalog()
        .add_product_photo(
            &product.product.id,
            tijara_core::catalog::Photo {
                url: shared.clone(),
                alt: tijara_core::LocalizedText::default(),
            },
        )
        .await
        .unwrap();
    let ask = |order: OrderId, so: String, variant: String, photos: Vec<String>| {
        let app = app.clone();
        async move {
            app.engine
                .orders()
                .request_return_with_photos(
                    &order,
                    &tijara_core::SellerOrderId::new(so).unwrap(),
                    vec![ReturnLine {
                        variant_id: tijara_core::VariantId::new(variant).unwrap(),
                        quantity: 1,
                    }],
                    ReturnReason::Damaged,
                    None,
                    photos,
                    None,
                )
                .await
                .unwrap();
        }
    };
    ask(
        first.0.clone(),
        first.1.clone(),
        first.2.clone(),
        vec![twice.clone()],
    )
    .await;
    ask(
        order.clone(),
        so,
        variant,
        vec![alone.clone(), shared.clone(), twice.clone()],
    )
    .await;
    assert_eq!(c.get(&alone).await.status, StatusCode::OK, "public before");
    let file = |url: &str| url.rsplit('/').next().unwrap().to_owned();
    let (public, private) = (
        tijara_storefront::media::media_dir(&app),
        tijara_storefront::media::private_media_dir(&app),
    );
    let data_dir = app.data_dir.clone();
    let moved = |max| {
        let (app, data_dir) = (app.clone(), data_dir.clone());
        async move {
            tijara_storefront::startup::move_return_photos(&app.engine, &data_dir, max)
                .await
                .unwrap()
        }
    };

    // Cut short by its bound (the first order only): moved, but nothing public removed yet.
    let part = moved(1).await;
    assert_eq!((part.moved, part.removed, part.complete), (1, 0, false));
    assert!(
        public.join(file(&twice)).exists(),
        "the second order still links to it"
    );
    assert!(private.join(file(&twice)).exists());

    let all_moved = moved(1_000).await;
    assert_eq!(
        (all_moved.moved, all_moved.complete),
        (3, true),
        "{all_moved:?}"
    );
    for (id, expected) in [
        (&first.0, vec![&twice]),
        (&order, vec![&alone, &shared, &twice]),
    ] {
        let doc = app.engine.orders().order(id).await.unwrap();
        let photos: Vec<String> = expected
            .iter()
            .map(|u| format!("/orders/{id}/photos/{}", file(u)))
            .collect();
        assert_eq!(doc.returns[0].photos(), photos.as_slice());
    }
    for url in [&alone, &shared, &twice] {
        let large = file(url);
        let thumb = large.replace("-800", "-300");
        for f in [&large, &thumb] {
            assert!(private.join(f).exists(), "{f} moved");
            // Only the product's photo stays public, for the product; the others are moved
            // aside, out of what `/media/` serves.
            assert_eq!(public.join(f).exists(), url == &shared, "{f}");
            let aside = public.join(tijara_storefront::startup::MOVED_ASIDE).join(f);
            assert_eq!(aside.exists(), url != &shared, "{f}");
        }
    }
    assert_eq!(all_moved.removed, 4, "two files of two sizes");
    assert_eq!(
        Client::new(&app).get(&alone).await.status,
        StatusCode::NOT_FOUND
    );
    let aside = format!(
        "/media/{}/{}",
        tijara_storefront::startup::MOVED_ASIDE,
        file(&alone)
    );
    assert_eq!(
        Client::new(&app).get(&aside).await.status,
        StatusCode::NOT_FOUND
    );
    // The customer reads them at their new addresses; a visitor does not.
    let doc = app.engine.orders().order(&order).await.unwrap();
    for p in doc.returns[0].photos() {
        assert_eq!(c.get(p).await.status, StatusCode::OK, "{p}");
        assert_eq!(Client::new(&app).get(p).await.status, StatusCode::NOT_FOUND);
    }
    // Nothing moves twice; the start's pass ran (and was marked) when the shop was built.
    let again = moved(1_000).await;
    assert_eq!((again.moved, again.removed, again.complete), (0, 0, true));
    assert_eq!(
        tijara_storefront::startup::hide_return_photos(&app.engine, &data_dir)
            .await
            .unwrap(),
        None
    );
}

/// A member artisan of a cooperative reads the photos of the returns of pieces she made only:
/// a return of another piece of her cooperative is neither on her returns page nor its photo
/// hers to open, while the cooperative opens it.
#[tokio::test]
async fn a_member_artisan_opens_no_photo_of_a_return_of_a_piece_she_did_not_make() {
    let app = demo_app().await;
    let coop = sellers(&app).await[0].0.clone();
    let filter = ProductFilter::default().with_seller(coop);
    let products = app
        .engine
        .catalog()
        .list_products(&filter, None, 50)
        .await
        .unwrap()
        .items;
    let not_hers = products
        .iter()
        .find(|v| {
            v.product.made_by.is_none()
                && v.variants.iter().any(|x| {
                    !matches!(
                        x.availability,
                        tijara_core::inventory::Availability::OutOfStock
                    )
                })
        })
        .expect("a piece of the cooperative no member is named for");
    let (order, ret, _, mut shopper) =
        a_requested_return(&app, &not_hers.product.slug, "seller1@tijara.example").await;
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(doc.order.seller_orders[0].lines[0].made_by, None);
    let photo = doc.returns[0].photos()[0].clone();
    let thumb = tijara_storefront::media::thumb_url(&photo);
    let mut member = Client::new(&app);
    member.login("member1@tijara.example", ARTISAN_PW).await;
    let page = member.get("/seller/returns?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(&ret), "not on her returns page");
    for p in [&photo, &thumb] {
        assert_eq!(member.get(p).await.status, StatusCode::NOT_FOUND, "{p}");
    }
    // Still logged in (the 404s came from the photo's rule), and the cooperative and the
    // shopper open it.
    assert_eq!(member.get("/seller").await.status, StatusCode::OK);
    let mut coop = Client::new(&app);
    coop.login("seller1@tijara.example", ARTISAN_PW).await;
    let page = coop.get("/seller/returns?lang=fr").await;
    assert!(
        page.body.contains(&ret),
        "on the cooperative's returns page"
    );
    for p in [&photo, &thumb] {
        assert_eq!(coop.get(p).await.status, StatusCode::OK, "{p}");
        assert_eq!(shopper.get(p).await.status, StatusCode::OK, "{p}");
    }
}

/// One order from two artisans, a return with a photo on each parcel: each artisan opens the
/// photo of the return on her own parcel and not the other's; the shopper and the admin open
/// both.
#[tokio::test]
async fn in_an_order_from_two_artisans_each_opens_only_the_photo_of_her_parcels_return() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let logins = ["seller2@tijara.example", "seller3@tijara.example"];
    let picks = [all[1].clone(), all[2].clone()];
    let mut c = Client::new(&app);
    c.get("/?lang=fr").await;
    c.login("shopper@tijara.example", "shopper-demo-2026").await;
    let order = place_cod(&app, &mut c, &[&picks[0].1, &picks[1].1]).await;
    let id = order.to_string();
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(doc.order.seller_orders.len(), 2, "one parcel per artisan");
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    let mut artisans = Vec::new();
    for (n, (seller, _)) in picks.iter().enumerate() {
        let so = doc
            .order
            .seller_orders
            .iter()
            .find(|so| &so.seller_id == seller)
            .unwrap();
        let (so_id, variant) = (so.id.to_string(), so.lines[0].variant_id.to_string());
        let mut artisan = Client::new(&app);
        artisan.login(logins[n], ARTISAN_PW).await;
        artisan.get("/seller").await;
        let r = artisan
            .post(&format!("/seller/orders/{id}/{so_id}/ship"), &[])
            .await;
        assert!(r.status.is_redirection(), "{}", r.body);
        admin.get(&format!("/admin/orders/{id}")).await;
        let r = admin
            .post(
                &format!("/admin/orders/{id}/{so_id}/tracking"),
                &[
                    ("number", format!("AM7{n}0001MA").as_str()),
                    ("status", "delivered"),
                ],
            )
            .await;
        assert!(r.status.is_redirection(), "{}", r.body);
        // A photo of its own per parcel (other sizes: other files).
        c.get(&format!("/orders/{id}/return/{so_id}")).await;
        let photo = png(320 + 40 * n as u32, 240);
        let r = c
            .post_multipart(
                &format!("/orders/{id}/return/{so_id}"),
                &[
                    (format!("q_{variant}").as_str(), "1"),
                    ("reason", "damaged"),
                    ("refund_holder", "Youssef Alami"),
                    ("refund_rib", "011780000012345678901296"),
                ],
                &[("photo", &photo)],
            )
            .await;
        assert!(r.status.is_redirection(), "{}", r.body);
        artisans.push((seller.clone(), artisan));
    }
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(doc.returns.len(), 2);
    let photo_of = |seller: &SellerId| {
        let r = doc
            .returns
            .iter()
            .find(|r| {
                doc.order
                    .seller_order(&r.seller_order_id)
                    .unwrap()
                    .seller_id
                    == *seller
            })
            .unwrap();
        r.photos()[0].clone()
    };
    let photos = [photo_of(&picks[0].0), photo_of(&picks[1].0)];
    assert_ne!(photos[0], photos[1]);
    for (n, (_, artisan)) in artisans.iter_mut().enumerate() {
        let (own, other) = (&photos[n], &photos[1 - n]);
        assert_eq!(artisan.get(own).await.status, StatusCode::OK, "{own}");
        assert_eq!(
            artisan.get(other).await.status,
            StatusCode::NOT_FOUND,
            "{other}"
        );
        assert_eq!(
            artisan
                .get(&tijara_storefront::media::thumb_url(other))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            artisan.get("/seller").await.status,
            StatusCode::OK,
            "still in"
        );
    }
    for p in &photos {
        assert_eq!(c.get(p).await.status, StatusCode::OK, "{p}");
        assert_eq!(admin.get(p).await.status, StatusCode::OK, "{p}");
    }
}

/// A guest's order of one unit of `slug` (Amana, to Casablanca) paid by card (`cmi`, the
/// capture recorded as its callback would); the order.
async fn a_paid_card_order(app: &App, slug: &str, email: &str) -> tijara_core::order::Order {
    a_paid_order(app, slug, email, "cmi").await
}

/// [`a_paid_card_order`] paid through `gateway` (`transfer`: the admin's confirmation).
async fn a_paid_order(
    app: &App,
    slug: &str,
    email: &str,
    gateway: &str,
) -> tijara_core::order::Order {
    use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
    use tijara::usecases::payments::{PaymentEventKind, PaymentNotice};
    let p = app.engine.catalog().product_by_slug(slug).await.unwrap();
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
        tijara_core::Lang::FR,
    );
    let order = app
        .engine
        .checkout()
        .place_order(req, None)
        .await
        .unwrap()
        .order;
    app.engine
        .payments()
        .record_payment(
            &order.id,
            PaymentNotice::new(
                tijara::docs::PaymentSource::Admin {
                    user: "test".into(),
                },
                "PAY-BACK",
                PaymentEventKind::Captured {
                    amount: order.grand_total,
                },
                serde_json::Value::Null,
            ),
            None,
        )
        .await
        .unwrap();
    order
}

/// The order's only parcel shipped, then typed "returned to sender" by the marketplace.
async fn came_back(app: &App, order: &tijara_core::order::Order) {
    use tijara::usecases::fulfillment::{HandTracking, Operator, ShipRequest};
    use tijara_core::fulfillment::TrackingStatus;
    let so = order.seller_orders[0].id.clone();
    let f = app.engine.fulfillment();
    f.mark_ready(&order.id, &so, None).await.unwrap();
    f.ship(&order.id, &so, ShipRequest::new(), None)
        .await
        .unwrap();
    f.track_by_hand(
        &Operator::Marketplace,
        &order.id,
        &so,
        HandTracking::new().with_status(TrackingStatus::ReturnedToSender),
        None,
    )
    .await
    .unwrap();
}

/// A card-paid parcel that comes back undelivered (the carrier's "returned to sender", typed
/// here by the admin): the shopper's page says it came back and that she will be refunded, in
/// French and in Arabic, and so does her e-mail (not "the seller received your items"); the
/// artisan's returns page lists it with why and what to do, the refund prefilled with the items'
/// price; her refund moves it on. Another seller cannot refund it.
#[tokio::test]
async fn a_paid_parcel_that_comes_back_is_refunded_from_the_returns_page() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let order = a_paid_card_order(&app, &all[2].1, "back@example.ma").await;
    let (id, so) = (order.id.to_string(), order.seller_orders[0].id.to_string());
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    s.get("/seller?lang=fr").await;
    let r = s.post(&format!("/seller/orders/{id}/{so}/ship"), &[]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    admin.get(&format!("/admin/orders/{id}")).await;
    let r = admin
        .post(
            &format!("/admin/orders/{id}/{so}/tracking"),
            &[
                ("number", "AM777000111MA"),
                ("status", "returned_to_sender"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let doc = app.engine.orders().order(&order.id).await.unwrap();
    assert_eq!(doc.returns.len(), 1, "the refund owed is opened");
    let back = doc.returns[0].clone();
    assert!(back.is_came_back());

    // The shopper is told, on her page and by e-mail.
    let link = tijara_storefront::web::order_url(&order.id, doc.access_token.as_str());
    let mut shopper = Client::new(&app);
    let page = shopper.get(&format!("{link}&lang=fr")).await;
    assert!(
        page.body
            .contains("sans être livré — votre argent vous sera rendu"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Colis revenu au vendeur : remboursement à venir")
    );
    // Nobody asked for it: the page says when it came back, not when it was "asked".
    assert!(page.body.contains("revenu le"), "{}", page.body);
    assert!(!page.body.contains("demandé le"), "{}", page.body);
    let page = shopper.get(&format!("{link}&lang=ar")).await;
    assert!(
        page.body.contains("دون أن يُسلَّم — سيُرَدّ إليك المبلغ"),
        "{}",
        page.body
    );
    dispatch(&app).await;
    let mails = mails_to(&app, "back@example.ma");
    assert!(
        mails.iter().any(|(_, text)| text
            .contains("revenu au vendeur sans être livré ; votre argent vous sera rendu")),
        "{mails:?}"
    );
    assert!(
        !mails
            .iter()
            .any(|(_, text)| text.contains("articles reçus par le vendeur")),
        "{mails:?}"
    );
    // One message, not "going back to the sender" beside it.
    assert!(
        !mails
            .iter()
            .any(|(_, text)| text.contains("retourne à l'expéditeur")),
        "{mails:?}"
    );
    // The artisan is told to refund it, in her language (Arabic), once.
    let to_her = mails_to(&app, "seller3@tijara.example");
    let told: Vec<_> = to_her
        .iter()
        .filter(|(subject, _)| subject.contains("عاد الطرد: أرجع المبلغ إلى المشتري"))
        .collect();
    assert_eq!(told.len(), 1, "{to_her:?}");
    assert!(told[0].1.contains("معروضة للبيع من جديد"), "{told:?}");

    // The artisan: why, what to do, the items' price prefilled.
    let list = s.get("/seller/returns?lang=fr").await;
    assert!(
        list.body.contains("Colis revenu sans être livré"),
        "{}",
        list.body
    );
    assert!(
        list.body.contains("l'acheteur l'avait déjà payé"),
        "{}",
        list.body
    );
    assert!(list.body.contains("revenu le"), "{}", list.body);
    assert!(
        list.body
            .contains(&format!("value=\"{}\"", back.value.amount())),
        "{}",
        list.body
    );
    // Another seller cannot refund it; nothing changes.
    let refund = format!("/seller/returns/{id}/{}/refund", back.id);
    let amount = back.value.amount().to_string();
    let mut other = Client::new(&app);
    other.login("seller1@tijara.example", ARTISAN_PW).await;
    other.get("/seller/returns").await;
    let r = other.post(&refund, &[("amount", amount.as_str())]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(status_of(&app, &order.id).await, ReturnStatus::Received);
    // Her refund moves it on; what the marketplace owes her drops by exactly what the page
    // said it would.
    let owed = || async {
        app.engine
            .payouts()
            .seller_statement(
                &all[2].0,
                Utc::now() - Duration::days(1),
                Utc::now() + Duration::days(1),
            )
            .await
            .unwrap()
            .owed
    };
    let before = owed().await;
    // Less than the whole (a page kept from before, a script): refused in words, nothing moved.
    let r = s
        .post(&format!("{refund}?lang=fr"), &[("amount", "1")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("remboursez tout le prix des articles"),
        "{}",
        r.body
    );
    assert_eq!(status_of(&app, &order.id).await, ReturnStatus::Received);
    let r = s.post(&refund, &[("amount", amount.as_str())]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    assert_eq!(status_of(&app, &order.id).await, ReturnStatus::Refunded);
    let drop = before.checked_sub(owed().await).unwrap();
    assert!(drop.is_positive());
    let said = format!(
        "ce que le marché vous doit baisse de <strong><bdi>{}</bdi></strong>",
        drop.format(tijara_core::Lang::FR)
    );
    assert!(list.body.contains(&said), "{said}: {}", list.body);
    let page = shopper.get(&format!("{link}&lang=fr")).await;
    assert!(
        page.body.contains("Colis revenu au vendeur — "),
        "{}",
        page.body
    );
    // The items, not the delivery: the payment is refunded in part, and says so.
    assert!(page.body.contains("remboursé en partie"), "{}", page.body);
    let of = format!(
        "<bdi>{}</bdi> sur <bdi>{}</bdi>",
        back.value.format(tijara_core::Lang::FR),
        order.grand_total.format(tijara_core::Lang::FR)
    );
    assert!(page.body.contains(&of), "{of}: {}", page.body);
}

/// In a phone-width browser, a card-paid parcel that came back undelivered: the buyer's order
/// page (through her link), the artisan's returns page with what to do, her refund, and the
/// buyer's page again. Screenshots in target/screenshots/portal-came-back-{lang}.
async fn came_back_journey(lang: &str) {
    let Some(shop) = browser::Shop::start(&format!("portal-came-back-{lang}"), lang).await else {
        return;
    };
    let app = shop.app.clone();
    let all = sellers(&app).await;
    let order = a_paid_card_order(&app, &all[2].1, &format!("back-{lang}@example.ma")).await;
    came_back(&app, &order).await;
    let doc = app.engine.orders().order(&order.id).await.unwrap();
    let back = doc.returns[0].clone();
    assert!(back.is_came_back());
    let link = tijara_storefront::web::order_url(&order.id, doc.access_token.as_str());
    shop.go(&format!("{link}&lang={lang}")).await;
    shop.shot("1-buyer-came-back").await;
    let text = shop.main_text().await;
    let says = if lang == "ar" {
        "سيُرَدّ إليك المبلغ"
    } else {
        "votre argent vous sera rendu"
    };
    assert!(text.contains(says), "{text}");

    shop.log_in(lang, "seller3@tijara.example", ARTISAN_PW, "/seller")
        .await;
    shop.go(&format!("/seller/returns?lang={lang}")).await;
    let box_of = format!("#ret-{}", back.id);
    let _ = shop
        .c
        .execute(
            &format!("document.querySelector('{box_of}').scrollIntoView({{block: 'start'}})"),
            vec![],
        )
        .await;
    shop.shot("2-artisan-to-refund").await;
    shop.click(&format!("{box_of} form[action*='/refund'] button"))
        .await;
    shop.wait_path("/seller/returns?done=refund").await;
    shop.shot("3-artisan-refunded").await;
    shop.c.delete_all_cookies().await.unwrap();
    shop.go(&format!("{link}&lang={lang}")).await;
    shop.shot("4-buyer-refund").await;
    let doc = app.engine.orders().order(&order.id).await.unwrap();
    assert_eq!(doc.returns[0].refunded(), Some(back.value));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_phone_width_in_french_a_paid_parcel_that_came_back_is_refunded() {
    came_back_journey("fr").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_phone_width_in_arabic_a_paid_parcel_that_came_back_is_refunded() {
    came_back_journey("ar").await;
}

/// The marketplace may refund a paid parcel that came back undelivered itself (the artisan
/// slow to do it): the admin's order page offers it, in whole; a visitor, the shopper, the
/// artisan and a form without its token are refused; a shopper's own return stays the
/// seller's (403); once decided, a second press is a 409; the dashboard counts it until then.
#[tokio::test]
async fn the_admin_refunds_a_paid_parcel_that_came_back_and_nobody_else_does() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let order = a_paid_card_order(&app, &all[2].1, "back-admin@example.ma").await;
    came_back(&app, &order).await;
    let back = app.engine.orders().order(&order.id).await.unwrap().returns[0].clone();
    let path = format!(
        "/admin/orders/{}/returns/{}/refund-came-back",
        order.id, back.id
    );
    // A shopper's return too, first (its set-up logs the admin and the artisan in, which would
    // end this test's own sessions).
    let (other, ret, _, _) = a_requested_return(&app, &all[2].1, "seller3@tijara.example").await;
    let awaiting = || async {
        app.engine
            .dashboard()
            .summary()
            .await
            .unwrap()
            .returns_awaiting
    };
    let counted = awaiting().await;
    assert!(counted >= 1);

    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    let page = admin
        .get(&format!("/admin/orders/{}?lang=fr", order.id))
        .await;
    assert!(
        page.body.contains(&format!(r#"action="{path}""#)),
        "{}",
        page.body
    );
    assert!(page.body.contains("Rembourser l'acheteur"), "{}", page.body);

    // Nobody else, nor without the form's token.
    let mut visitor = Client::new(&app);
    visitor.get("/").await;
    let r = visitor.post(&path, &[]).await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    let mut shopper = Client::new(&app);
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    shopper.get("/").await;
    assert_eq!(shopper.post(&path, &[]).await.status, StatusCode::FORBIDDEN);
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    s.get("/seller").await;
    assert_eq!(s.post(&path, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.post_raw(&path, &[]).await.status,
        StatusCode::FORBIDDEN,
        "no CSRF token"
    );
    assert_eq!(status_of(&app, &order.id).await, ReturnStatus::Received);

    // A shopper's own return is the seller's to decide.
    admin.get(&format!("/admin/orders/{other}")).await;
    let r = admin
        .post(
            &format!("/admin/orders/{other}/returns/{ret}/refund-came-back?lang=fr"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("Seul le vendeur"), "{}", r.body);
    assert_eq!(status_of(&app, &other).await, ReturnStatus::Requested);

    // The order's other refund form would pay it twice (spread over every seller, then the
    // return): refused, nothing refunded.
    let r = admin
        .post(
            &format!("/admin/orders/{}/refund?lang=fr", order.id),
            &[("amount", "10")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("Rembourser l'acheteur"), "{}", r.body);
    assert!(
        app.engine
            .orders()
            .order(&order.id)
            .await
            .unwrap()
            .order
            .payment
            .refunded()
            .is_zero()
    );

    // The admin refunds it, in whole; once.
    admin.get(&format!("/admin/orders/{}", order.id)).await;
    let r = admin.post(&path, &[]).await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/admin/orders/{}#ret-{}", order.id, back.id).as_str()),
        "{}",
        r.body
    );
    let doc = app.engine.orders().order(&order.id).await.unwrap();
    assert_eq!(doc.returns[0].status(), ReturnStatus::Refunded);
    assert_eq!(doc.returns[0].refunded(), Some(back.value));
    assert_eq!(awaiting().await, counted - 1);
    let r = admin.post(&format!("{path}?lang=fr"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        app.engine
            .orders()
            .order(&order.id)
            .await
            .unwrap()
            .order
            .payment
            .refunded(),
        back.value,
        "refunded once"
    );
}

/// A logged-in buyer's cash-on-delivery order of the third seller's product, delivered, and
/// a return she asked without a RIB (she has no bank account at hand); the order, the return
/// and her client.
async fn a_return_without_rib(app: &App) -> (OrderId, tijara_core::ReturnId, Client) {
    let all = sellers(app).await;
    let (order, so, variant, mut c) =
        a_delivered_order(app, &all[2].1, "seller3@tijara.example").await;
    let id = order.to_string();
    c.get(&format!("/orders/{id}/return/{so}")).await;
    let r = c
        .post_multipart(
            &format!("/orders/{id}/return/{so}"),
            &[
                (format!("q_{variant}").as_str(), "1"),
                ("reason", "changed_mind"),
                ("refund_holder", "Mariem Ahmed"),
                ("refund_rib", ""),
            ],
            &[],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert!(doc.returns[0].refund_account().is_none());
    (order, doc.returns[0].id.clone(), c)
}

/// A buyer who paid in cash and asked a return without a RIB is asked for it on the order
/// page, and gives it there: checked as on the return form (24 digits, the key), a refusal
/// says which with the way back, nothing written; a visitor, the artisan, a wrong link and a
/// form without its token are refused; the guest's link works; once given, the form is gone
/// and a second post is a 409.
#[tokio::test]
async fn a_buyer_gives_the_refund_account_on_the_order_page_after_asking() {
    let app = demo_app().await;
    let (order, ret, mut c) = a_return_without_rib(&app).await;
    let id = order.to_string();
    let path = format!("/orders/{id}/returns/{ret}/account");
    let page = c.get(&format!("/orders/{id}?lang=fr")).await;
    assert!(
        page.body.contains(&format!(r#"action="{path}?lang=fr""#)),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Où vous virer le remboursement"),
        "{}",
        page.body
    );
    let none = || async {
        app.engine.orders().order(&order).await.unwrap().returns[0]
            .refund_account()
            .is_none()
    };
    let good = "0117 8000 0012 3456 7890 1296";

    // Others: a visitor, the artisan, a wrong link; a form without its token.
    let mut visitor = Client::new(&app);
    visitor.get("/").await;
    let fields = [("refund_holder", "X"), ("refund_rib", good)];
    assert_eq!(
        visitor.post(&path, &fields).await.status,
        StatusCode::NOT_FOUND
    );
    let wrong = [("refund_holder", "X"), ("refund_rib", good), ("t", "00ff")];
    assert_eq!(
        visitor.post(&path, &wrong).await.status,
        StatusCode::NOT_FOUND
    );
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    s.get("/seller").await;
    assert_eq!(s.post(&path, &fields).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        c.post_raw(&path, &fields).await.status,
        StatusCode::FORBIDDEN,
        "no CSRF token"
    );
    assert!(none().await);

    // Bad input: said, nothing written.
    c.get(&format!("/orders/{id}?lang=fr")).await;
    for (rib, says) in [
        ("123", "Le RIB doit avoir 24 chiffres"),
        (
            "0117 8000 0012 3456 7890 1297",
            "un chiffre est mal recopié",
        ),
    ] {
        let r = c
            .post(
                &format!("{path}?lang=fr"),
                &[("refund_holder", "Mariem Ahmed"), ("refund_rib", rib)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains(says), "{says}: {}", r.body);
        assert!(r.body.contains("Retour à la commande"), "{}", r.body);
    }
    let r = c
        .post(
            &format!("{path}?lang=fr"),
            &[("refund_holder", "  "), ("refund_rib", good)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("titulaire du compte"), "{}", r.body);
    assert!(none().await);

    // The guest's link works (here, the same buyer's link from another browser).
    let token = app
        .engine
        .orders()
        .order(&order)
        .await
        .unwrap()
        .access_token
        .as_str()
        .to_owned();
    let mut guest = Client::new(&app);
    guest
        .get(&tijara_storefront::web::order_url(&order, &token))
        .await;
    let r = guest
        .post(
            &format!("{path}?lang=fr"),
            &[
                ("refund_holder", "Mariem Ahmed"),
                ("refund_rib", good),
                ("t", token.as_str()),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    assert!(
        r.location.as_deref().is_some_and(
            |l| l.contains(&format!("t={token}")) && l.ends_with(&format!("#acct-{ret}"))
        ),
        "{:?}",
        r.location
    );
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(
        doc.returns[0].refund_account().map(|a| a.holder()),
        Some("Mariem Ahmed")
    );
    // Given: no more form; a second post is a 409, the account unchanged.
    let page = c.get(&format!("/orders/{id}?lang=fr")).await;
    assert!(!page.body.contains(&path), "{}", page.body);
    let r = c
        .post(
            &format!("{path}?lang=fr"),
            &[("refund_holder", "Quelqu'un"), ("refund_rib", good)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        app.engine.orders().order(&order).await.unwrap().returns[0]
            .refund_account()
            .map(|a| a.holder()),
        Some("Mariem Ahmed")
    );
}

/// In a phone-width browser, a buyer who paid cash and asked a return without a RIB opens her
/// order through its link: the page asks where to transfer the refund; she gives it and the
/// page says where the money will go. Screenshots in target/screenshots/return-account-{lang}.
async fn account_journey(lang: &str) {
    let Some(shop) = browser::Shop::start(&format!("return-account-{lang}"), lang).await else {
        return;
    };
    let app = shop.app.clone();
    let (order, ret, _) = a_return_without_rib(&app).await;
    let doc = app.engine.orders().order(&order).await.unwrap();
    let link = tijara_storefront::web::order_url(&order, doc.access_token.as_str());
    shop.go(&format!("{link}&lang={lang}")).await;
    let form = format!("#acct-{ret}");
    let _ = shop
        .c
        .execute(
            &format!("document.querySelector('{form}').scrollIntoView({{block: 'start'}})"),
            vec![],
        )
        .await;
    shop.shot("1-asked").await;
    shop.fill(
        &format!("{form} input[name=refund_rib]"),
        "0117 8000 0012 3456 7890 1296",
    )
    .await;
    shop.click(&format!("{form} button[type=submit]")).await;
    shop.wait_main_contains("1296").await;
    shop.shot("2-given").await;
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(
        doc.returns[0].refund_account().map(|a| a.holder()),
        Some("Mariem Ahmed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_phone_width_in_french_a_buyer_gives_the_refund_account_later() {
    account_journey("fr").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_phone_width_in_arabic_a_buyer_gives_the_refund_account_later() {
    account_journey("ar").await;
}

/// A parcel paid by bank transfer that came back undelivered: its refund goes by transfer, and
/// nobody had asked the buyer for an account: her order page asks it, and takes it.
#[tokio::test]
async fn a_transfer_paid_parcel_that_came_back_asks_the_buyer_for_her_account() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let order = a_paid_order(&app, &all[2].1, "back-transfer@example.ma", "transfer").await;
    came_back(&app, &order).await;
    let doc = app.engine.orders().order(&order.id).await.unwrap();
    let back = doc.returns[0].clone();
    assert!(back.is_came_back() && back.refund_account().is_none());
    let link = tijara_storefront::web::order_url(&order.id, doc.access_token.as_str());
    let mut buyer = Client::new(&app);
    let page = buyer.get(&format!("{link}&lang=fr")).await;
    let path = format!("/orders/{}/returns/{}/account", order.id, back.id);
    assert!(page.body.contains(&path), "{}", page.body);
    let token = doc.access_token.as_str().to_owned();
    let r = buyer
        .post(
            &format!("{path}?lang=fr"),
            &[
                ("refund_holder", "Salma Bennani"),
                ("refund_rib", "0117 8000 0012 3456 7890 1296"),
                ("t", token.as_str()),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let page = buyer.get(&format!("{link}&lang=fr")).await;
    assert!(page.body.contains("•••• 1296"), "{}", page.body);
}
