//! Issue 13's rest, over HTTP: cash on delivery after a declined card when the carrier charges
//! to collect cash (the new total shown and confirmed, then the order re-priced), the JSON
//! API's retry and switch (`/api/v1/orders/{id}/pay`, `/switch`: the token's holder or the
//! owner only), the return button gone after the withdrawal period, the carrier's stored name,
//! a seller's shop in numbered pages, and the region file's bank account under the flags.

#![allow(clippy::unwrap_used)] // test helpers fail the test by unwrapping

use axum::http::{Method, StatusCode};
use serde_json::json;
use tijara_core::OrderId;

mod support;

const SLUG: &str = "embroidered-srama-cushion";

/// Fills a cart with the cushion and places it by card with Amana (which charges a fee to
/// collect cash), then declines the card; answers the order and its token.
async fn declined(app: &tijara_storefront::App, c: &mut support::Client) -> (OrderId, String) {
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    let variant = p.variants[0].variant.id.to_string();
    let seller = p.product.seller_id.to_string();
    c.get(&format!("/products/{SLUG}")).await;
    let r = c.post("/cart/add", &[("variant", &variant)]).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    c.get("/checkout").await;
    let ship = format!("ship_{seller}");
    let fields = [
        ("name", "Fatima Zahra"),
        ("line1", "N° 12, Rue Tarfaya"),
        ("city", "Dakhla"),
        ("country", "MA"),
        ("phone", "0661000000"),
        ("email", "fatima@example.ma"),
        (ship.as_str(), "amana/standard"),
        ("payment", "cmi"),
    ];
    let r = c.post("/checkout/place", &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (o, t) = c.jar["cmi_order"].split_once('.').unwrap();
    let (order, token) = (OrderId::new(o.to_owned()).unwrap(), t.to_owned());
    let form = &r.body[r.body.find("id=\"pay\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    let fields: Vec<(String, String)> = form
        .split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|s| {
            let (k, rest) = s.split_once('"').unwrap();
            let v = rest
                .split("value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            (k.to_owned(), v.replace("&amp;", "&"))
        })
        .collect();
    let sim = app.simulator.as_ref().unwrap();
    let signed = sim.callback_fields(&fields, false);
    let f: Vec<(&str, &str)> = signed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = support::Client::new(app)
        .post_raw("/cmi/callback", &f)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (order, token)
}

/// The `accept` field of the confirmation page.
fn accepted(page: &str) -> String {
    let at = page
        .find("name=\"accept\" value=\"")
        .expect("the accept field")
        + 21;
    page[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn cash_on_delivery_with_a_fee_shows_the_new_total_and_switches_once_confirmed() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let (order, token) = declined(&app, &mut c).await;
    let before = app.engine.orders().order(&order).await.unwrap();
    let repricing = app.engine.checkout().cod_repricing(&order).await.unwrap();
    assert!(
        repricing.changes_total(),
        "Amana's sample card charges to collect cash"
    );
    // The order page offers it with its new total.
    let page = c.get(&format!("/orders/{order}?t={token}&lang=en")).await;
    assert!(
        page.body
            .contains("Pay cash on delivery instead — new total"),
        "{}",
        page.body
    );
    // Asking shows each parcel's delivery and the new total, in Arabic too; nothing changes.
    for (lang, words) in [
        ("ar", "الدفع عند الاستلام؟"),
        ("fr", "Payer à la livraison ?"),
    ] {
        c.get(&format!("/orders/{order}?t={token}&lang={lang}"))
            .await;
        let r = c
            .post(
                &format!("/orders/{order}/switch"),
                &[("t", &token), ("gateway", "cod")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains(words), "{}", r.body);
        assert_eq!(
            accepted(&r.body),
            repricing.grand_total.amount().to_string()
        );
    }
    assert_eq!(app.engine.orders().order(&order).await.unwrap(), before);
    // A stale total (the one before) is refused with the page again; a malformed one is a 400.
    let r = c
        .post(
            &format!("/orders/{order}/switch"),
            &[
                ("t", &token),
                ("gateway", "cod"),
                ("accept", &before.order.grand_total.amount().to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("name=\"accept\""));
    let r = c
        .post(
            &format!("/orders/{order}/switch"),
            &[("t", &token), ("gateway", "cod"), ("accept", "beaucoup")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // A stranger (no token) gets the unknown order's page, nothing changes.
    let mut stranger = support::Client::new(&app);
    stranger.get("/track?lang=fr").await;
    let total = repricing.grand_total.amount().to_string();
    let r = stranger
        .post(
            &format!("/orders/{order}/switch"),
            &[("gateway", "cod"), ("accept", &total)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(app.engine.orders().order(&order).await.unwrap(), before);
    // Confirmed: the order is paid on delivery at the new total, every total adds up.
    let r = c
        .post(
            &format!("/orders/{order}/switch"),
            &[("t", &token), ("gateway", "cod"), ("accept", &total)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let doc = app.engine.orders().order(&order).await.unwrap();
    let o = &doc.order;
    assert_eq!(o.grand_total, repricing.grand_total);
    assert_eq!(o.payment.amount(), o.grand_total);
    assert_eq!(
        o.items_net, before.order.items_net,
        "the items keep their prices"
    );
    assert_eq!(
        o.items_net.checked_add(o.shipping_total).unwrap(),
        o.grand_total
    );
    assert_eq!(o.tva.total().unwrap().ttc, o.grand_total);
    assert_eq!(
        o.seller_orders[0].cod_amount,
        Some(o.seller_orders[0].total)
    );
    let page = c.get(&format!("/orders/{order}?t={token}&lang=en")).await;
    assert!(page.body.contains("you pay on delivery"), "{}", page.body);
    assert!(page.body.contains("Amana"), "the carrier's name");
}

#[tokio::test]
async fn the_api_retries_and_switches_for_the_token_or_the_owner_only() {
    let app = support::demo_app().await;
    let router = tijara_storefront::router(app.clone());
    let mut c = support::Client::new(&app);
    let (order, token) = declined(&app, &mut c).await;
    let before = app.engine.orders().order(&order).await.unwrap();
    let pay = format!("/api/v1/orders/{order}/pay?t={token}");
    let switch = format!("/api/v1/orders/{order}/switch?t={token}");
    // Anonymous, a wrong token, another customer's login: the unknown order's 404.
    for uri in [
        format!("/api/v1/orders/{order}/pay"),
        format!("/api/v1/orders/{order}/pay?t=00ff"),
        format!("/api/v1/orders/{order}/switch?t=00ff"),
    ] {
        let (status, v) = call_json(&router, &uri, None, Some(json!({"payment": "cod"}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {v}");
        assert_eq!(v["code"], "not_found");
    }
    let shopper = support::token(&router, "shopper@tijara.example", "shopper-demo-2026").await;
    let (status, _) = call_json(
        &router,
        &format!("/api/v1/orders/{order}/pay"),
        Some(&shopper),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a guest's order is not the shopper's"
    );
    // Bad input: a clear 4xx, nothing written.
    let (status, v) = call_json(&router, &switch, None, Some(json!({"payment": "bitcoin"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, v) = call_json(
        &router,
        &switch,
        None,
        Some(json!({"payment": "cod", "accept_total": "-3"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, _) = call_json(&router, &switch, None, Some(json!({"nope": 1}))).await;
    assert!(status.is_client_error());
    assert_eq!(app.engine.orders().order(&order).await.unwrap(), before);
    // Retrying the card: a new attempt's form.
    let (status, v) = call_json(&router, &pay, None, None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["payment"].is_object(), "{v}");
    // Cash on delivery: the new total first (typed), then accepted.
    let (status, v) = call_json(&router, &switch, None, Some(json!({"payment": "cod"}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "cod_total_changed");
    let total = v["total"].as_str().unwrap().to_owned();
    assert_eq!(v["before"], before.order.grand_total.amount().to_string());
    let (status, v) = call_json(
        &router,
        &switch,
        None,
        Some(json!({"payment": "cod", "accept_total": total})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["order"]["grand_total"]["amount"], json!(total));
    // Done: paying again is refused, and never charges.
    let (status, v) = call_json(&router, &pay, None, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "not_awaiting_payment");
    // The OpenAPI document lists both.
    let (_, doc) = call_json(&router, "/api/openapi.json", None, None).await;
    assert!(doc["paths"]["/api/v1/orders/{id}/pay"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/orders/{id}/switch"]["post"].is_object());
}

#[tokio::test]
async fn the_owner_pays_again_through_the_api_with_a_bearer_token() {
    let app = support::demo_app().await;
    let router = tijara_storefront::router(app.clone());
    let mut c = support::Client::new(&app);
    let r = c.login("shopper@tijara.example", "shopper-demo-2026").await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let (order, _) = declined(&app, &mut c).await;
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert!(doc.order.customer.is_some(), "placed logged in");
    let shopper = support::token(&router, "shopper@tijara.example", "shopper-demo-2026").await;
    let uri = format!("/api/v1/orders/{order}/pay");
    let (status, v) = call_json(&router, &uri, Some(&shopper), None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = call_json(
        &router,
        &format!("/api/v1/orders/{order}/switch"),
        Some(&shopper),
        Some(json!({"payment": "transfer"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["order"]["payment"]["method"], "bank_transfer", "{v}");
}

/// A POST with an optional bearer token and JSON body (`call` of the support module).
async fn call_json(
    router: &axum::Router,
    uri: &str,
    bearer: Option<&str>,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let method = if uri.contains("openapi") {
        Method::GET
    } else {
        Method::POST
    };
    support::call(router, method, uri, bearer, body).await
}

#[tokio::test]
async fn after_the_withdrawal_period_the_order_says_until_when_instead_of_a_return_button() {
    use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    let address = tijara_core::order::Address {
        name: "Aicha".into(),
        line1: "Hay Al Massira".into(),
        line2: None,
        city: "Dakhla".into(),
        postal_code: None,
        state: None,
        country: "MA".into(),
        phone: "+212661000002".into(),
    };
    use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
    let placed = app
        .engine
        .checkout()
        .place_order(
            PlaceOrderRequest::new(
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
                "aicha@example.ma",
                address,
                "cod",
                tijara_core::Lang::EN,
            ),
            None,
        )
        .await
        .unwrap();
    let (order, token) = (
        placed.order.id.clone(),
        placed.access_token.as_str().to_owned(),
    );
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert!(
        doc.order.seller_orders[0]
            .shipping
            .as_ref()
            .unwrap()
            .choice
            .carrier_name
            .as_deref()
            == Some("Amana"),
        "the carrier's name is stored with the order"
    );
    let so = doc.order.seller_orders[0].id.clone();
    let f = app.engine.fulfillment();
    f.mark_ready(&order, &so, None).await.unwrap();
    let shipment = f
        .ship(
            &order,
            &so,
            tijara::usecases::fulfillment::ShipRequest::new(),
            None,
        )
        .await
        .unwrap();
    let number = shipment.tracking_number.clone().unwrap();
    let long_ago = app.engine.now() - tijara_core::chrono::Duration::days(30);
    f.record_tracking(
        "amana",
        &number,
        vec![TrackingEvent {
            at: long_ago,
            status: TrackingStatus::Delivered,
            carrier_code: "LIV".into(),
            carrier_text: "Livré".into(),
            location: None,
            cod_collected: None,
        }],
        None,
    )
    .await
    .unwrap();
    let page = c.get(&format!("/orders/{order}?t={token}&lang=en")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains(&format!("/orders/{order}/return/")),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("This parcel could be returned until"),
        "{}",
        page.body
    );
    assert!(page.body.contains("mailto:"), "whom to write to");
    let page = c.get(&format!("/orders/{order}?t={token}&lang=ar")).await;
    assert!(
        page.body.contains("كان إرجاع هذا الطرد ممكنا حتى"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_sellers_shop_lists_its_products_by_numbered_pages() {
    let app = support::demo_app().await;
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    let seller = p.product.seller_id.clone();
    let mut c = support::Client::new(&app);
    let page = c.get(&format!("/artisans/{seller}?lang=fr")).await;
    assert_eq!(page.status, StatusCode::OK);
    // Far past the last page: the last page.
    let r = c.get(&format!("/artisans/{seller}?page=999")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location.unwrap().contains("page="));
    let r = c.get(&format!("/artisans/{seller}?page=abc")).await;
    assert_eq!(r.status, StatusCode::OK, "a bad number is the first page");
}

#[test]
fn the_region_files_bank_account_is_used_and_each_flag_overrides_its_field() {
    let region = tijara::region_file::RegionBankAccount::new(
        "Tijara Dakhla SARL",
        "Banque Exemple",
        "011780000012345678901296",
        Some("MA64011780000012345678901296"),
        Some("DEMOMAMCXXX"),
    )
    .unwrap();
    let bank =
        tijara_storefront::bank_from_region_and_flags(Some(&region), None, None, None, None, None)
            .unwrap()
            .unwrap();
    assert_eq!(bank.beneficiary(), "Tijara Dakhla SARL");
    assert!(!bank.is_demo());
    let bank = tijara_storefront::bank_from_region_and_flags(
        Some(&region),
        Some("Autre SARL"),
        Some(" "),
        None,
        None,
        Some("BCMAMAMC"),
    )
    .unwrap()
    .unwrap();
    assert_eq!(bank.beneficiary(), "Autre SARL");
    assert_eq!(bank.bank(), "Banque Exemple", "a blank flag is not given");
    assert_eq!(bank.swift(), Some("BCMAMAMC"));
    // A flag that breaks the account is refused (typed), not half-applied.
    assert!(
        tijara_storefront::bank_from_region_and_flags(
            Some(&region),
            None,
            None,
            Some("123"),
            None,
            None
        )
        .is_err()
    );
    assert!(
        tijara_storefront::bank_from_region_and_flags(None, None, None, None, None, None)
            .unwrap()
            .is_none()
    );
}
