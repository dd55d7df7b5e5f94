//! The portal's orders over HTTP: tabs by the core's `Work`, an unpaid card order with no ship
//! button and a refusal in words, the shipping flow on the order's own page (ready → label →
//! tracking), who may open what, bad ids, the seller API's `work`, and the seller's new-order
//! message in the demo mailbox.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

mod support;

use axum::http::StatusCode;
use support::{Client, call, demo_app, token};
use tijara::docs::PaymentSource;
use tijara::usecases::catalog::ProductFilter;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::payments::{PaymentEventKind, PaymentNotice};
use tijara_core::order::{FulfillmentStatus, Work};
use tijara_core::{Lang, OrderId, SellerId, SellerOrderId};
use tijara_storefront::App;

const ARTISAN_PW: &str = "artisan-demo-2026";

/// The demo sellers in seed order (`seller1@…` is the first), each with a product slug that no
/// member artisan made.
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
        let slug = items
            .iter()
            .find(|v| v.product.made_by.is_none())
            .or(items.first())
            .map(|v| v.product.slug.clone())
            .unwrap_or_default();
        out.push((s.id, slug));
    }
    out
}

/// An order of one unit of `slug`, shipped by Amana, paid with `gateway` (`cmi`: a card).
async fn place(app: &App, slug: &str, gateway: &str) -> (OrderId, SellerOrderId, String) {
    place_as(app, slug, gateway, "salma@example.ma").await
}

/// [`place`] by the shopper of `email` (each e-mail has its limit of unpaid orders).
async fn place_as(
    app: &App,
    slug: &str,
    gateway: &str,
    email: &str,
) -> (OrderId, SellerOrderId, String) {
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
        Lang::FR,
    );
    let o = app
        .engine
        .checkout()
        .place_order(req, None)
        .await
        .unwrap()
        .order;
    (o.id.clone(), o.seller_orders[0].id.clone(), o.reference())
}

/// The card payment arrives (as the gateway's callback would record it).
async fn pay(app: &App, order: &OrderId) {
    let doc = app.engine.orders().order(order).await.unwrap();
    app.engine
        .payments()
        .record_payment(
            order,
            PaymentNotice::new(
                PaymentSource::Admin {
                    user: "test".into(),
                },
                "PAY-1",
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

#[tokio::test]
async fn an_unpaid_card_order_has_no_ship_button_until_paid_then_ships_on_its_page() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (seller, slug) = &all[0];
    let (order, part, reference) = place(&app, slug, "cmi").await;
    let page_path = format!("/seller/orders/{order}/{part}");
    let mut s = Client::new(&app);
    s.login("seller1@tijara.example", ARTISAN_PW).await;

    // Waiting for payment: its own tab, said in words, no ship form for it.
    let list = s.get("/seller?tab=awaiting_payment&lang=fr").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&reference), "the human number");
    assert!(list.body.contains("n'a pas encore payé"), "{}", list.body);
    assert!(!list.body.contains(&format!("{page_path}/ship")));
    assert!(list.body.contains("Casablanca"), "the buyer's city");
    assert!(list.body.contains("Amana"), "the carrier by name");
    let ar = s.get(&format!("{page_path}?lang=ar")).await;
    assert!(ar.body.contains("لم يدفع المشتري بعد"), "{}", ar.body);
    support::assert_names_in_arabic(&app, slug, &ar.body).await;
    assert!(!ar.body.contains(&format!("{page_path}/ship")));

    // Pressing anyway (an old tab): refused in words, nothing written.
    s.get(&format!("{page_path}?lang=fr")).await;
    let r = s.post(&format!("{page_path}/ship"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("n'expédiez pas") || r.body.contains("لا ترسل الطرد"),
        "the refusal says what to do: {}",
        r.body
    );
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(
        doc.order.seller_orders[0].status(),
        FulfillmentStatus::Awaiting
    );
    assert!(doc.shipments.is_empty());

    // Paid: it moves to "to prepare" with its ship button.
    pay(&app, &order).await;
    let list = s.get("/seller?tab=prepare&lang=fr").await;
    assert!(list.body.contains(&reference));
    assert!(list.body.contains(&format!("{page_path}/ship")));
    assert!(list.body.contains("À préparer (1)") || list.body.contains("À préparer ("));

    // Ready → label → tracking, without leaving the order's page.
    s.get(&page_path).await;
    let r = s.post(&format!("{page_path}/ship"), &[]).await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{page_path}?shipped=1#label").as_str()),
        "{}",
        r.body
    );
    let page = s.get(&format!("{page_path}?shipped=1&lang=fr")).await;
    assert!(page.body.contains(&format!("{page_path}/label")));
    assert!(page.body.contains("id=\"tracking\""));
    let label = s.get(&format!("{page_path}/label")).await;
    assert_eq!(label.status, StatusCode::OK);
    assert!(label.body.contains(&reference), "the order's number");
    assert!(label.body.contains("Pas d'imprimante"));
    assert!(label.body.contains(&format!("{page_path}#label")), "back");
    assert!(
        label.body.contains("Déjà payé"),
        "a card order: nothing to collect"
    );
    let r = s
        .post(
            &format!("{page_path}/tracking"),
            &[("number", "AM123456789MA"), ("status", "picked_up")],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{page_path}?saved=1#tracking").as_str()),
        "{}",
        r.body
    );
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(doc.work(&doc.order.seller_orders[0]), Work::Shipped);
    let list = s.get("/seller?tab=shipped").await;
    assert!(list.body.contains(&reference));
    let _ = seller;
}

#[tokio::test]
async fn a_cod_order_shows_the_cash_to_collect_and_its_label_says_it_in_both_languages() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (_, slug) = &all[2];
    let (order, part, reference) = place(&app, slug, "cod").await;
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    let list = s.get("/seller?lang=fr").await;
    assert!(list.body.contains(&reference));
    assert!(list.body.contains("À encaisser à la livraison"));
    let page_path = format!("/seller/orders/{order}/{part}");
    s.get(&page_path).await;
    let r = s.post(&format!("{page_path}/ship"), &[]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let label = s.get(&format!("{page_path}/label")).await;
    assert!(label.body.contains("المبلغ عند التسليم"));
    assert!(label.body.contains("À ENCAISSER"));
    // Bad tracking input: a clear 4xx, nothing written.
    let before = app.engine.orders().order(&order).await.unwrap();
    s.get(&page_path).await;
    let r = s
        .post(
            &format!("{page_path}/tracking"),
            &[("number", "AM1"), ("status", "teleported")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(doc.shipments, before.shipments, "nothing written");
}

#[tokio::test]
async fn only_the_seller_owner_opens_ships_and_tracks_its_orders() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (_, slug) = &all[0];
    let (order, part, reference) = place(&app, slug, "cod").await;
    let page_path = format!("/seller/orders/{order}/{part}");

    // Anonymous: to the login page.
    let mut anon = Client::new(&app);
    let r = anon.get(&page_path).await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    let r = anon.get("/seller?tab=prepare").await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));

    // Another seller and the cooperative's member artisan: not found, nothing written.
    for login in ["seller3@tijara.example", "member1@tijara.example"] {
        let mut c = Client::new(&app);
        c.login(login, ARTISAN_PW).await;
        let list = c.get("/seller").await;
        if login.starts_with("seller3") {
            assert!(!list.body.contains(&reference), "{login}");
        }
        assert_eq!(
            c.get(&page_path).await.status,
            StatusCode::NOT_FOUND,
            "{login}"
        );
        assert_eq!(
            c.get(&format!("{page_path}/label")).await.status,
            StatusCode::NOT_FOUND
        );
        let r = c.post(&format!("{page_path}/ship"), &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{login}");
        let r = c
            .post(&format!("{page_path}/tracking"), &[("number", "X1")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{login}");
    }
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(
        doc.order.seller_orders[0].status(),
        FulfillmentStatus::Awaiting
    );

    // Bad ids and bad query values.
    let mut s = Client::new(&app);
    s.login("seller1@tijara.example", ARTISAN_PW).await;
    for bad in [
        "/seller/orders/nope/nope".to_owned(),
        format!("/seller/orders/{order}/nope"),
        format!("/seller/orders/{order}/{part}x/label"),
        "/seller/orders/%00/%2e%2e".to_owned(),
    ] {
        assert_eq!(s.get(&bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
    let r = s.post("/seller/orders/nope/nope/ship", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for q in ["?tab=zzz", "?page=abc", "?page=999999", "?tab=done&page=-1"] {
        assert_eq!(
            s.get(&format!("/seller{q}")).await.status,
            StatusCode::OK,
            "{q}"
        );
    }
    // A label before the parcel exists: not found.
    assert_eq!(
        s.get(&format!("{page_path}/label")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_seller_api_gives_each_parts_work_and_number() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (_, slug) = &all[0];
    let (_, _, reference) = place(&app, slug, "cmi").await;
    let router = tijara_storefront::router(app.clone());
    let token = token(&router, "seller1@tijara.example", ARTISAN_PW).await;
    let (status, list) = call(
        &router,
        axum::http::Method::GET,
        "/api/v1/seller/orders",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["number"] == reference.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["work"], "awaiting_payment");
}

#[tokio::test]
async fn a_new_order_reaches_its_seller_in_the_demo_mailbox_in_her_language_once_paid() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (_, slug) = &all[0];
    let (order, _, reference) = place(&app, slug, "cmi").await;
    dispatch_all(&app).await;
    let mailbox = || {
        app.messages
            .mailbox()
            .map(|m| m.newest_first())
            .unwrap_or_default()
    };
    let to_seller = |mails: &[tijara_storefront::mailbox::Mail]| {
        mails
            .iter()
            .filter(|m| m.to.contains("seller1@tijara.example"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(
        to_seller(&mailbox()).is_empty(),
        "not told of an unpaid order"
    );
    pay(&app, &order).await;
    dispatch_all(&app).await;
    let mails = to_seller(&mailbox());
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].subject.contains(&reference), "{:?}", mails[0]);
    assert!(mails[0].text.contains("Casablanca"));
    assert!(mails[0].text.contains(&format!("/seller/orders/{order}/")));
}

/// An order of one unit of each of `slugs` (several sellers), cash on delivery, by Amana.
async fn place_many(app: &App, slugs: &[&str]) -> OrderId {
    let mut lines = Vec::new();
    let mut shipping = std::collections::BTreeMap::new();
    for slug in slugs {
        let p = app.engine.catalog().product_by_slug(slug).await.unwrap();
        lines.push((p.variants[0].variant.id.clone(), 1));
        shipping.insert(
            p.product.seller_id.clone(),
            ShippingSelection::new("amana", "standard"),
        );
    }
    let req = PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines,
            coupons: vec![],
            customer: None,
            shipping: shipping.into_iter().collect(),
        },
        "salma@example.ma",
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
        "cod",
        Lang::FR,
    );
    app.engine
        .checkout()
        .place_order(req, None)
        .await
        .unwrap()
        .order
        .id
}

/// The A6 label of an order in two parcels (two sellers): the human number with "1/2" or
/// "2/2", the carrier by name, never the internal part id nor the carrier's code.
#[tokio::test]
async fn the_label_names_the_order_its_parcel_and_the_carrier_never_internal_ids() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let order = place_many(&app, &[&all[0].1, &all[2].1]).await;
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(doc.order.seller_orders.len(), 2, "two parcels");
    let (index, part) = doc
        .order
        .seller_orders
        .iter()
        .enumerate()
        .find(|(_, p)| p.seller_id == all[2].0)
        .unwrap();
    let page_path = format!("/seller/orders/{order}/{}", part.id);
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    s.get(&page_path).await;
    let r = s.post(&format!("{page_path}/ship"), &[]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let label = s.get(&format!("{page_path}/label")).await;
    assert_eq!(label.status, StatusCode::OK);
    let body = &label.body;
    assert!(body.contains(&doc.order.reference()), "the order's number");
    assert!(
        body.contains(&format!("<bdi>{}/2</bdi>", index + 1)),
        "which parcel of two: {body}"
    );
    assert!(body.contains("<h2>Amana — "), "the carrier by name: {body}");
    assert!(!body.contains("amana —"), "never its code");
    // The part's id is only in the link back to the order's page (on screen, never printed).
    assert!(
        !body
            .replace(&format!("{page_path}#label"), "")
            .contains(part.id.as_str()),
        "never the internal part id"
    );
    // The order's page names the carrier too.
    let page = s.get(&format!("{page_path}?lang=fr")).await;
    assert!(page.body.contains("Amana"));
}

/// The tabs' counts come from the storage's counting query and agree with the orders listed:
/// for the seller, for a member artisan (her lines only), after a part moves on.
#[tokio::test]
async fn the_tabs_are_counted_without_reading_the_orders_and_agree_with_the_lists() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let seller = all[2].0.clone();
    let before = app
        .engine
        .orders()
        .seller_work_counts(&seller, None)
        .await
        .unwrap();
    let mut placed = Vec::new();
    for i in 0..3 {
        placed.push(place_as(&app, &all[2].1, "cod", &format!("tabs{i}@example.ma")).await);
    }
    let (card, _, _) = place_as(&app, &all[2].1, "cmi", "tabs-card@example.ma").await;
    let counts = app
        .engine
        .orders()
        .seller_work_counts(&seller, None)
        .await
        .unwrap();
    assert_eq!(counts.get(Work::Prepare), before.get(Work::Prepare) + 3);
    assert_eq!(
        counts.get(Work::AwaitingPayment),
        before.get(Work::AwaitingPayment) + 1
    );
    // One moves to "to ship"; the card order, once paid, to "to prepare".
    let (order, part, _) = &placed[0];
    app.engine
        .fulfillment()
        .mark_ready(order, part, None)
        .await
        .unwrap();
    pay(&app, &card).await;
    let after = app
        .engine
        .orders()
        .seller_work_counts(&seller, None)
        .await
        .unwrap();
    assert_eq!(after.get(Work::Prepare), before.get(Work::Prepare) + 3);
    assert_eq!(after.get(Work::ToShip), before.get(Work::ToShip) + 1);
    assert_eq!(
        after.get(Work::AwaitingPayment),
        before.get(Work::AwaitingPayment)
    );
    assert_eq!(after.total(), before.total() + 4, "each order in one tab");
    // Each count is what the tab lists.
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    let page = s.get("/seller?lang=fr").await;
    for w in Work::ALL {
        let listed = app
            .engine
            .orders()
            .seller_orders_at(&seller, None, w, None, 100)
            .await
            .unwrap()
            .items;
        assert_eq!(listed.len() as u64, after.get(w), "{w:?}");
        assert!(listed.iter().all(|d| {
            d.order
                .seller_orders
                .iter()
                .any(|p| p.seller_id == seller && d.work(p) == w)
        }));
        assert!(
            page.body.contains(&format!("({})</a>", after.get(w))),
            "{w:?} shows its count: {}",
            page.body
        );
    }
    // A member artisan's counts are her lines' orders only, never more than the cooperative's.
    let coop = &all[0].0;
    let coop_seller = app.engine.catalog().seller(coop).await.unwrap();
    let member = coop_seller.members[0].id.clone();
    let mine = app
        .engine
        .orders()
        .seller_work_counts(coop, Some(&member))
        .await
        .unwrap();
    let theirs = app
        .engine
        .orders()
        .seller_work_counts(coop, None)
        .await
        .unwrap();
    for w in Work::ALL {
        assert!(mine.get(w) <= theirs.get(w), "{w:?}");
        let listed = app
            .engine
            .orders()
            .seller_orders_at(coop, Some(&member), w, None, 100)
            .await
            .unwrap()
            .items;
        assert_eq!(listed.len() as u64, mine.get(w), "{w:?}");
        assert!(listed.iter().all(|d| {
            d.order
                .seller_orders
                .iter()
                .any(|p| p.lines.iter().any(|l| l.made_by.as_ref() == Some(&member)))
        }));
    }
}

/// The artisan's orders, her order's page and the admin's list show an order's time on the
/// region's clock (Dakhla: UTC+1), the same everywhere, never UTC (the parcels' timelines, on
/// the artisan's and the shopper's pages, use the same `web::local_time`).
#[tokio::test]
async fn every_page_shows_an_orders_time_on_the_regions_clock() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (_, slug) = &all[2];
    let (order, part, _) = place(&app, slug, "cod").await;
    let doc = app.engine.orders().order(&order).await.unwrap();
    let region = app.engine.region();
    assert_ne!(region.utc_offset_minutes, 0, "the test needs an offset");
    let local = region
        .local_datetime(doc.order.placed_at)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let utc = doc.order.placed_at.format("%Y-%m-%d %H:%M").to_string();
    assert_ne!(local, utc);
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    for page in [
        "/seller?lang=fr".to_owned(),
        format!("/seller/orders/{order}/{part}"),
    ] {
        let body = s.get(&page).await.body;
        assert!(body.contains(&local), "{page}: {body}");
        assert!(!body.contains(&utc), "{page} shows UTC");
    }
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    let list = admin.get("/admin/orders").await.body;
    assert!(list.contains(&local), "{list}");
}

/// Delivers every pending event (the demo mailbox then holds the messages).
async fn dispatch_all(app: &App) {
    for _ in 0..10 {
        let r = app.engine.operations().dispatch_events(500).await.unwrap();
        if r.delivered == 0 && r.failed == 0 {
            return;
        }
    }
}

/// A GET of the JSON API without a token.
async fn get_json(app: &App, uri: &str) -> (StatusCode, serde_json::Value) {
    call(
        &tijara_storefront::router(app.clone()),
        axum::http::Method::GET,
        uri,
        None,
        None,
    )
    .await
}

/// A rate card's number is the marketplace's reference, not the carrier's: the artisan is asked
/// for the carrier's number, the label prints the reference without a barcode, and the shopper
/// (page, tracking API, messages) is given no number to follow until the carrier's is noted,
/// then that number and the carrier's page. Until a carrier has it, the parcel reads "packed,
/// waiting for the carrier" rather than "shipped".
#[tokio::test]
async fn a_rate_card_parcel_asks_for_the_carriers_number_and_shows_the_shopper_none_before() {
    let amana = tijara_carrier_table::TableCarrier::from_toml(&format!(
        "tracking_url = \"https://track.example.ma/?n={{number}}\"\n{}",
        tijara_carrier_table::AMANA_SAMPLE
    ))
    .unwrap();
    let ctm =
        tijara_carrier_table::TableCarrier::from_toml(tijara_carrier_table::CTM_SAMPLE).unwrap();
    let app = support::demo_app_with(None, vec![amana, ctm]).await;
    let all = sellers(&app).await;
    let (_, slug) = &all[0];
    let (order, part, reference) = place_as(&app, slug, "cod", "nadia@example.ma").await;
    let doc = app.engine.orders().order(&order).await.unwrap();
    let shopper_page = format!("/orders/{order}?t={}&lang=fr", doc.access_token.as_str());
    let tracking_api = format!(
        "/api/v1/orders/{order}/tracking?t={}",
        doc.access_token.as_str()
    );
    let page_path = format!("/seller/orders/{order}/{part}");
    let mut s = Client::new(&app);
    s.login("seller1@tijara.example", ARTISAN_PW).await;
    s.get(&page_path).await;
    let r = s.post(&format!("{page_path}/ship"), &[]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let shipment = app.engine.orders().order(&order).await.unwrap().shipments[0].clone();
    assert!(shipment.provisional_number);
    let made_up = shipment.tracking_number.clone().unwrap();
    assert!(made_up.starts_with("AMANA-"), "{made_up}");

    // The artisan: ready, not "shipped"; the reference named as such; asked for the number.
    let page = s.get(&format!("{page_path}?shipped=1&lang=fr")).await;
    assert!(
        page.body.contains("Prête : l'étiquette est faite"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("✔ expédié"), "{}", page.body);
    assert!(page.body.contains("Référence du marché (sur l'étiquette)"));
    assert!(page.body.contains(&made_up));
    assert!(page.body.contains("pas encore noté"), "{}", page.body);
    assert!(
        page.body.contains(r#"name="number" value="""#),
        "the number field waits for the carrier's: {}",
        page.body
    );
    let ar = s.get(&format!("{page_path}?lang=ar")).await;
    assert!(ar.body.contains("مرجع السوق") && ar.body.contains("لم يسجل بعد"));
    // Her money for the order: the commission on the items, and what is hers.
    let doc = app.engine.orders().order(&order).await.unwrap();
    let share = &doc.settlement.parts()[0];
    let so = &doc.order.seller_orders[0];
    let seller = app.engine.catalog().seller(&so.seller_id).await.unwrap();
    let rate = seller.commission_for(&so.lines[0].category_id);
    assert!(
        page.body.contains(&format!(
            "Commission du marché ({} %)",
            rate.as_percent().normalize()
        )),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("− {}", share.commission_due.format(Lang::FR)))
    );
    let for_you = so.total.checked_sub(share.commission_due).unwrap();
    assert!(
        page.body.contains(&for_you.format(Lang::FR))
            && page.body.contains("Pour vous, une fois la commande payée"),
        "for her, once paid: {for_you}: {}",
        page.body
    );
    assert!(share.commission_due.is_positive() && share.due == so.total);
    let label = s.get(&format!("{page_path}/label")).await;
    assert!(label.body.contains("Réf. marché") && label.body.contains(&made_up));
    assert!(!label.body.contains("<svg"), "no barcode for the reference");
    assert!(
        label.body.contains("reçu"),
        "where the carrier's number comes from"
    );

    // The shopper: no number to follow, no carrier link, the parcel packed.
    let mut shopper = Client::new(&app);
    let p = shopper.get(&shopper_page).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.body.contains(&made_up), "{}", p.body);
    assert!(!p.body.contains("track.example.ma"));
    assert!(p.body.contains("ajoutera le numéro de suivi"), "{}", p.body);
    assert!(
        p.body.contains("emballé, en attente du transporteur"),
        "{}",
        p.body
    );
    assert!(
        p.body
            .contains("Emballée : le vendeur la remet au transporteur"),
        "{}",
        p.body
    );
    let (status, v) = get_json(&app, &tracking_api).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["parcels"][0]["tracking_number"].is_null(), "{v}");
    let order_api = format!("/api/v1/orders/{order}?t={}", doc.access_token.as_str());
    let (status, v) = get_json(&app, &order_api).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["shipments"][0]["tracking_number"].is_null(), "{v}");
    assert_eq!(v["shipments"][0]["provisional_number"], true, "{v}");
    // The admin reads it packed too, not shipped.
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    let a = admin.get(&format!("/admin/orders/{order}?lang=fr")).await;
    assert!(
        a.body.contains("emballé, en attente du transporteur"),
        "{}",
        a.body
    );
    assert!(
        a.body.contains("pas encore le numéro du transporteur"),
        "{}",
        a.body
    );
    // Nor in her messages (dispatched now).
    dispatch_all(&app).await;
    let to_shopper = || {
        app.messages
            .mailbox()
            .map(|m| m.newest_first())
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.to.contains("nadia@example.ma"))
            .collect::<Vec<_>>()
    };
    let mails = to_shopper();
    assert!(!mails.is_empty());
    assert!(
        mails
            .iter()
            .all(|m| !m.text.contains(&made_up) && !m.text.contains("track.example.ma")),
        "{mails:?}"
    );

    // The buyer's whole address is on her page (what to write without a printer).
    assert!(
        page.body.contains("12 Rue Ibn Batouta") && page.body.contains("20000 Casablanca"),
        "{}",
        page.body
    );
    // A number not valid, or another parcel's: said beside the form, nothing saved.
    s.get(&format!("{page_path}?lang=fr")).await;
    let r = s
        .post(&format!("{page_path}/tracking"), &[("number", "AM#1")])
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/seller/orders/{order}/{part}?err=number#tracking").as_str())
    );
    let refused = s.get(&format!("{page_path}?err=number&lang=fr")).await;
    assert!(
        refused.body.contains("recopiez les lettres"),
        "{}",
        refused.body
    );
    assert!(
        app.engine.orders().order(&order).await.unwrap().shipments[0].provisional_number,
        "nothing saved"
    );
    // The carrier's number as printed on its receipt (spaces, small letters), with the pickup.
    let r = s
        .post(
            &format!("{page_path}/tracking"),
            &[("number", "am 123 456 789 ma"), ("status", "picked_up")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let page = s.get(&format!("{page_path}?lang=fr")).await;
    assert!(
        page.body.contains(r#"name="number" value="AM123456789MA""#),
        "{}",
        page.body
    );
    assert!(!page.body.contains("pas encore noté"));
    let p = shopper.get(&shopper_page).await;
    assert!(
        p.body.contains("AM123456789MA") && p.body.contains("pris en charge"),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("https://track.example.ma/?n=AM123456789MA"),
        "the carrier's page: {}",
        p.body
    );
    let (_, v) = get_json(&app, &tracking_api).await;
    assert_eq!(v["parcels"][0]["tracking_number"], "AM123456789MA");
    dispatch_all(&app).await;
    assert!(
        to_shopper()
            .iter()
            .any(|m| m.text.contains("https://track.example.ma/?n=AM123456789MA")),
        "{:?}",
        to_shopper()
    );
    // Another parcel with the same number: refused beside the form.
    let (order2, part2, _) = place_as(&app, slug, "cod", "nadia2@example.ma").await;
    let page2 = format!("/seller/orders/{order2}/{part2}");
    s.get(&page2).await;
    assert!(
        s.post(&format!("{page2}/ship"), &[])
            .await
            .status
            .is_redirection()
    );
    s.get(&page2).await;
    let r = s
        .post(&format!("{page2}/tracking"), &[("number", "AM123456789MA")])
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{page2}?err=taken#tracking").as_str())
    );
    let refused = s.get(&format!("{page2}?err=taken&lang=ar")).await;
    assert!(refused.body.contains("مسجل لطرد آخر"), "{}", refused.body);
    // Returned to the sender unpaid: nothing is hers for it, and the page says so.
    admin.get(&format!("/admin/orders/{order}?lang=fr")).await;
    let r = admin
        .post(
            &format!("/admin/orders/{order}/{part}/tracking"),
            &[("number", ""), ("status", "returned_to_sender")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    s.login("seller1@tijara.example", ARTISAN_PW).await;
    let page = s.get(&format!("{page_path}?lang=fr")).await;
    assert!(
        page.body.contains("Le colis est revenu sans être payé"),
        "{}",
        page.body
    );
    let p = shopper.get(&shopper_page).await;
    assert!(p.body.contains("Colis revenu au vendeur"), "{}", p.body);
    // No figure that would not add up: no commission, no "for you".
    let money = &page.body[page.body.find(r#"id="money""#).unwrap()..];
    let money = &money[..money.find("</section>").unwrap()];
    assert!(
        !money.contains("Pour vous") && !money.contains("Commission"),
        "{money}"
    );
    let _ = reference;
}

/// Before "Ready: ship", a shop is told what its label's sender lacks: a phone (its WhatsApp
/// number counts: the label prints it), a street address, or both, with the link to fill them
/// in; a shop with both is told nothing.
#[tokio::test]
async fn a_shop_is_told_what_its_labels_sender_lacks_before_it_ships() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (id, slug) = &all[0];
    let (order, part, _) = place_as(&app, slug, "cod", "sender@example.ma").await;
    let mut s = Client::new(&app);
    s.login("seller1@tijara.example", ARTISAN_PW).await;
    let set = |phone: Option<&str>, whatsapp: Option<&str>, address: Option<&str>| {
        let app = app.clone();
        let id = id.clone();
        let (phone, whatsapp, address) = (
            phone.map(str::to_owned),
            whatsapp.map(str::to_owned),
            address.map(str::to_owned),
        );
        async move {
            let mut input = tijara::usecases::catalog::SellerInput::from(
                app.engine.catalog().seller(&id).await.unwrap(),
            );
            input.contact = tijara_core::catalog::SellerContact::new(phone, address);
            input.whatsapp = whatsapp;
            app.engine
                .catalog()
                .update_seller(&id, input, None)
                .await
                .unwrap();
        }
    };
    let page = format!("/seller/orders/{order}/{part}?lang=fr");
    let says = |body: &str| {
        (
            body.contains("pas de téléphone"),
            body.contains("pas d&#39;adresse") || body.contains("pas d'adresse"),
            body.contains("Complétez"),
        )
    };
    set(None, None, None).await;
    assert_eq!(
        says(&s.get(&page).await.body),
        (true, true, true),
        "neither"
    );
    set(None, Some("+212612345678"), None).await;
    assert_eq!(
        says(&s.get(&page).await.body),
        (false, true, true),
        "WhatsApp is a phone on the label"
    );
    set(Some("+212612345678"), None, None).await;
    assert_eq!(
        says(&s.get(&page).await.body),
        (false, true, true),
        "a phone only"
    );
    set(None, None, Some("12 rue des Artisans")).await;
    assert_eq!(
        says(&s.get(&page).await.body),
        (true, false, true),
        "an address only"
    );
    set(Some("+212612345678"), None, Some("12 rue des Artisans")).await;
    let body = s.get(&page).await.body;
    assert_eq!(says(&body), (false, false, false), "both: {body}");
}
