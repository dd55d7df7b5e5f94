//! After the order, over HTTP: "track my order", cancelling, returns, the account's orders and
//! saved addresses; who may do what (anonymous, another customer, the owner, the guest with
//! the order's token) and bad input (a clear 4xx, nothing written).

#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use support::{Client, demo_app};
use tijara::ports::storage::{DocKind, ListQuery};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::{HandTracking, Operator, ShipRequest};
use tijara_core::fulfillment::TrackingStatus;
use tijara_core::order::{Address, OrderStatus};
use tijara_core::returns::ReturnStatus;
use tijara_core::{CustomerId, Lang, OrderId, SellerId, VariantId};
use tijara_storefront::App;

const SHOPPER: (&str, &str) = ("shopper@tijara.example", "shopper-demo-2026");

fn address() -> Address {
    Address {
        name: "Aicha".into(),
        line1: "Hay Al Massira".into(),
        line2: None,
        city: "Dakhla".into(),
        postal_code: None,
        state: None,
        country: "MA".into(),
        phone: "+212661000002".into(),
    }
}

/// A variant in stock of the demo's first seller.
async fn variant(app: &App) -> (SellerId, VariantId) {
    let seller = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
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
        .unwrap()
        .variant
        .id
        .clone();
    (seller, v)
}

/// A cash-on-delivery order of 2 units, by a guest (`customer` none) or an account; answers the
/// order id and its access token.
async fn order(app: &App, customer: Option<&str>) -> (OrderId, String) {
    let (seller, v) = variant(app).await;
    let customer = match customer {
        Some(email) => Some(
            CustomerId::new(
                app.engine
                    .accounts()
                    .account_by_email(email)
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
            )
            .unwrap(),
        ),
        None => None,
    };
    let placed = app
        .engine
        .checkout()
        .place_order(
            PlaceOrderRequest::new(
                CheckoutCart::Inline {
                    lines: vec![(v, 2)],
                    coupons: vec![],
                    customer,
                    shipping: [(seller, ShippingSelection::new("amana", "standard"))]
                        .into_iter()
                        .collect(),
                },
                "aicha@example.ma",
                address(),
                "cod",
                Lang::EN,
            ),
            None,
        )
        .await
        .unwrap();
    (placed.order.id, placed.access_token.as_str().to_owned())
}

async fn deliver(app: &App, id: &OrderId) -> String {
    let doc = app.engine.orders().order(id).await.unwrap();
    let so = doc.order.seller_orders[0].id.clone();
    let f = app.engine.fulfillment();
    f.mark_ready(id, &so, None).await.unwrap();
    f.ship(id, &so, ShipRequest::new(), None).await.unwrap();
    f.track_by_hand(
        &Operator::Marketplace,
        id,
        &so,
        HandTracking::new()
            .with_tracking_number("AM123456785MA")
            .with_status(TrackingStatus::Delivered),
        None,
    )
    .await
    .unwrap();
    so.to_string()
}

async fn status(app: &App, id: &OrderId) -> OrderStatus {
    app.engine.orders().order(id).await.unwrap().order.status()
}

async fn logged_in(app: &App, who: (&str, &str)) -> Client {
    let mut c = Client::new(app);
    let r = c.login(who.0, who.1).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    c.get("/account?lang=en").await;
    c
}

async fn other_customer(app: &App) -> Client {
    let mut c = Client::new(app);
    c.get("/account/register?lang=en").await;
    let r = c
        .post(
            "/account/register",
            &[
                ("name", "Other"),
                ("email", "other@example.ma"),
                ("password", "other-2026-pw"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    c.get("/account?lang=en").await;
    c
}

async fn throttles(app: &App) -> usize {
    app.engine
        .storage()
        .list(&ListQuery::new(DocKind::Throttle, 100))
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn track_my_order_leads_to_the_private_link_and_nowhere_else() {
    let app = demo_app().await;
    let (id, token) = order(&app, None).await;
    let mut c = Client::new(&app);
    let page = c.get("/track?lang=en").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Track my order"));
    let before = throttles(&app).await;
    // Bad input: nothing looked up, nothing counted.
    let r = c
        .post(
            "/track",
            &[("reference", " "), ("contact", "aicha@example.ma")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Give the order number"));
    assert_eq!(throttles(&app).await, before);
    // A wrong contact and an unknown number: the same neutral answer.
    for (reference, contact) in [
        (id.as_str(), "someone@example.ma"),
        ("ord-unknown", "aicha@example.ma"),
        (id.as_str(), "0600000000"),
    ] {
        let r = c
            .post("/track", &[("reference", reference), ("contact", contact)])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(
            r.body.contains("No order matches this number"),
            "{}",
            r.body
        );
        assert!(r.location.is_none());
    }
    // The right pair, by e-mail or by phone written the national way.
    for contact in ["AICHA@example.ma", "06 61 00 00 02"] {
        let r = c
            .post(
                "/track",
                &[("reference", id.as_str()), ("contact", contact)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            r.location.as_deref(),
            Some(tijara_storefront::web::order_url(&id, &token).as_str())
        );
    }
    // The link works for a fresh browser.
    let mut fresh = Client::new(&app);
    let page = fresh
        .get(&tijara_storefront::web::order_url(&id, &token))
        .await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn track_my_order_is_throttled_with_a_time_to_retry() {
    let app = demo_app().await;
    let (id, _) = order(&app, None).await;
    let mut c = Client::new(&app);
    c.get("/track?lang=en").await;
    for _ in 0..tijara::usecases::tracking::FREE_TRACKING_LOOKUPS {
        let r = c
            .post("/track", &[("reference", "ord-x"), ("contact", "a@b.ma")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let r = c
        .post(
            "/track",
            &[("reference", id.as_str()), ("contact", "aicha@example.ma")],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("Try again at"), "{}", r.body);
    assert!(r.location.is_none());
}

#[tokio::test]
async fn cancel_is_for_the_owner_or_the_link_holder_and_asks_first() {
    let app = demo_app().await;
    let (id, token) = order(&app, Some(SHOPPER.0)).await;
    let confirm = format!("/orders/{id}/cancel");

    // Anonymous without the token, with a wrong token, another customer: not found, and a
    // forged post changes nothing.
    let mut anon = Client::new(&app);
    anon.get("/track?lang=en").await;
    for path in [confirm.clone(), format!("{confirm}?t=deadbeef")] {
        let r = anon.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("/track"), "leads to track my order");
    }
    let r = anon.post(&confirm, &[("t", "deadbeef")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut other = other_customer(&app).await;
    assert_eq!(other.get(&confirm).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.post(&confirm, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        anon.get("/orders/not%20an%20id/cancel").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(status(&app, &id).await, OrderStatus::Confirmed);

    // The owner sees the button and the confirmation page.
    let mut owner = logged_in(&app, SHOPPER).await;
    let page = owner.get(&format!("/orders/{id}")).await;
    assert!(page.body.contains(&confirm), "{}", page.body);
    let page = owner.get(&confirm).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Yes, cancel the order"));
    assert!(page.body.contains("No, keep my order"));

    // The guest holding the link cancels.
    let mut guest = Client::new(&app);
    let page = guest.get(&format!("{confirm}?t={token}&lang=en")).await;
    assert_eq!(page.status, StatusCode::OK);
    let r = guest.post(&confirm, &[("t", &token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location.as_deref(),
        Some(tijara_storefront::web::order_url(&id, &token).as_str())
    );
    assert_eq!(status(&app, &id).await, OrderStatus::Cancelled);
    let page = guest
        .get(&tijara_storefront::web::order_url(&id, &token))
        .await;
    assert!(
        page.body.contains("This order is cancelled"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&confirm));
    // Twice: explained, not an engine message.
    let r = guest.post(&confirm, &[("t", &token)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("This order is cancelled"));
}

#[tokio::test]
async fn cancel_is_refused_in_words_once_a_parcel_left() {
    let app = demo_app().await;
    let (id, token) = order(&app, None).await;
    let doc = app.engine.orders().order(&id).await.unwrap();
    let so = doc.order.seller_orders[0].id.clone();
    app.engine
        .fulfillment()
        .mark_ready(&id, &so, None)
        .await
        .unwrap();
    app.engine
        .fulfillment()
        .ship(&id, &so, ShipRequest::new(), None)
        .await
        .unwrap();
    let mut guest = Client::new(&app);
    guest.get("/track?lang=en").await;
    let page = guest
        .get(&format!(
            "{}&lang=en",
            tijara_storefront::web::order_url(&id, &token)
        ))
        .await;
    assert!(!page.body.contains(&format!("/orders/{id}/cancel")));
    assert!(page.body.contains("A parcel has already left"));
    let r = guest.get(&format!("/orders/{id}/cancel?t={token}")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("refuse the parcel at the door"));
    let r = guest
        .post(&format!("/orders/{id}/cancel"), &[("t", &token)])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?} {}", guest.jar, r.body);
    assert_eq!(status(&app, &id).await, OrderStatus::Confirmed);
}

#[tokio::test]
async fn returns_choose_items_and_a_reason_and_a_second_request_is_explained() {
    let app = demo_app().await;
    let (id, token) = order(&app, Some(SHOPPER.0)).await;
    let so = deliver(&app, &id).await;
    let doc = app.engine.orders().order(&id).await.unwrap();
    let variant = doc.order.seller_orders[0].lines[0].variant_id.to_string();
    let q = format!("q_{variant}");
    let path = format!("/orders/{id}/return/{so}");
    let returns = || async { app.engine.orders().order(&id).await.unwrap().returns.len() };

    // Who: anonymous, a wrong token, another customer: not found; nothing written.
    let mut anon = Client::new(&app);
    anon.get("/track?lang=en").await;
    assert_eq!(anon.get(&path).await.status, StatusCode::NOT_FOUND);
    let r = anon
        .post(
            &path,
            &[(q.as_str(), "1"), ("reason", "damaged"), ("t", "00")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut other = other_customer(&app).await;
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    let r = other
        .post(&path, &[(q.as_str(), "1"), ("reason", "damaged")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        anon.get(&format!("/orders/{id}/return/nope?t={token}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(returns().await, 0);

    // The guest with the link sees the form: items, reasons, how it works.
    let mut guest = Client::new(&app);
    let order_page = guest
        .get(&format!(
            "{}&lang=en",
            tijara_storefront::web::order_url(&id, &token)
        ))
        .await;
    assert!(order_page.body.contains(&path), "{}", order_page.body);
    let page = guest.get(&format!("{path}?t={token}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for words in [
        "Which items are you sending back?",
        "I changed my mind",
        "Not as described",
        "at your cost, unless",
        "15 days",
    ] {
        assert!(page.body.contains(words), "{words}");
    }
    // Where to send the items: the shop's street address and phone, once its profile has them.
    let seller_id = doc.order.seller_orders[0].seller_id.clone();
    let mut input = tijara::usecases::catalog::SellerInput::from(
        app.engine.catalog().seller(&seller_id).await.unwrap(),
    );
    input.contact = tijara_core::catalog::SellerContact::new(
        Some("+212612340000".into()),
        Some("Quartier Al Wahda, rue 7".into()),
    );
    app.engine
        .catalog()
        .update_seller(&seller_id, input, None)
        .await
        .unwrap();
    let page = guest.get(&format!("{path}?t={token}")).await;
    assert!(
        page.body.contains("Quartier Al Wahda, rue 7") && page.body.contains("+212612340000"),
        "{}",
        page.body
    );

    // Bad input: no item, no reason, a quantity that is not a number, an unknown item, too
    // many units, too long a text: a 422 with words, nothing written.
    let long = "x".repeat(501);
    for (fields, words) in [
        (
            vec![(q.as_str(), "0"), ("reason", "damaged")],
            "Choose at least one item",
        ),
        (vec![(q.as_str(), "1")], "Choose a reason"),
        (
            vec![(q.as_str(), "1"), ("reason", "bored")],
            "Choose a reason",
        ),
        (
            vec![(q.as_str(), "two"), ("reason", "damaged")],
            "Choose at least one item",
        ),
        (
            vec![("q_nope", "1"), ("reason", "damaged")],
            "Choose at least one item",
        ),
        (
            vec![
                (q.as_str(), "3"),
                ("reason", "damaged"),
                ("refund_holder", "Youssef"),
                ("refund_rib", "011780000012345678901296"),
            ],
            "Still possible: 2",
        ),
        (
            vec![
                (q.as_str(), "1"),
                ("reason", "other"),
                ("details", long.as_str()),
                ("refund_holder", "Youssef"),
                ("refund_rib", "011780000012345678901296"),
            ],
            "500 characters",
        ),
        // Paid in cash: the account the refund is transferred to, checked before anything.
        (
            vec![
                (q.as_str(), "1"),
                ("reason", "damaged"),
                ("refund_holder", "Youssef"),
                ("refund_rib", "0117 8000 0012"),
            ],
            "The RIB has 24 digits",
        ),
        (
            vec![
                (q.as_str(), "1"),
                ("reason", "damaged"),
                ("refund_holder", "Youssef"),
                ("refund_rib", "0117 8000 0012 3456 7890 1396"),
            ],
            "a digit is mistyped",
        ),
        (
            vec![
                (q.as_str(), "1"),
                ("reason", "damaged"),
                ("refund_holder", "  "),
                ("refund_rib", "011780000012345678901296"),
            ],
            "account holder's name",
        ),
    ] {
        let mut fields = fields;
        fields.push(("t", &token));
        let r = guest.post(&path, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(r.body.contains(words), "{words}: {}", r.body);
    }
    // Both account fields wrong: each said beside its field, counted at the top, linked.
    let r = guest
        .post(
            &path,
            &[
                (q.as_str(), "1"),
                ("reason", "damaged"),
                ("refund_holder", " "),
                ("refund_rib", "0117 8000 0012"),
                ("t", &token),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["refund_holder", "refund_rib"] {
        assert!(
            r.body.contains(&format!(r#"id="err-{field}""#)),
            "{field}: {}",
            r.body
        );
        assert!(
            r.body.contains(&format!(r##"href="#f-{field}""##)),
            "{field}"
        );
    }
    assert!(r.body.contains("2 fields to correct"), "{}", r.body);
    assert!(
        r.body.contains(r#"value="0117 8000 0012""#),
        "what was typed is kept"
    );
    assert_eq!(returns().await, 0);

    // One of the two units, damaged.
    let r = guest
        .post(
            &path,
            &[
                (q.as_str(), "1"),
                ("reason", "damaged"),
                ("details", "The leather is torn."),
                ("refund_holder", "Youssef Alami"),
                ("refund_rib", "0117 8000 0012 3456 7890 1296"),
                ("t", &token),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let back = format!(
        "{}&done=withdraw",
        tijara_storefront::web::order_url(&id, &token)
    );
    assert_eq!(r.location.as_deref(), Some(back.as_str()));
    let doc = app.engine.orders().order(&id).await.unwrap();
    assert_eq!(doc.returns.len(), 1);
    assert_eq!(doc.returns[0].lines[0].quantity, 1);
    assert_eq!(
        doc.returns[0].reason.as_deref(),
        Some("The leather is torn.")
    );
    let page = guest.get(&back).await;
    assert!(
        page.body.contains("Waiting for the seller's answer"),
        "{}",
        page.body
    );
    assert!(page.body.contains("The item is damaged"));

    // The owner asks for the last unit, then once more: explained with the date and status.
    let mut owner = logged_in(&app, SHOPPER).await;
    owner.get(&path).await;
    let r = owner
        .post(
            &path,
            &[
                (q.as_str(), "1"),
                ("reason", "changed_mind"),
                ("refund_holder", "Youssef Alami"),
                ("refund_rib", "011780000012345678901296"),
            ],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/orders/{id}?done=withdraw").as_str())
    );
    let ret = app.engine.orders().order(&id).await.unwrap().returns[1]
        .id
        .clone();
    app.engine
        .orders()
        .advance_return(
            &id,
            &ret,
            tijara::usecases::returns::ReturnStep::Approve,
            None,
        )
        .await
        .unwrap();
    // The page now says everything was asked; a forged post gets the words.
    let page = owner.get(&path).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("already in a return request"));
    let r = owner
        .post(
            &path,
            &[
                (q.as_str(), "1"),
                ("reason", "changed_mind"),
                ("refund_holder", "Youssef Alami"),
                ("refund_rib", "011780000012345678901296"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body
            .contains("You already asked to return these items on"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("Where it stands: Approved: send the items back"),
        "{}",
        r.body
    );
    assert_eq!(returns().await, 2);
    let doc = app.engine.orders().order(&id).await.unwrap();
    assert_eq!(doc.returns[1].status(), ReturnStatus::Approved);

    // The old withdrawal route leads to the new page.
    let r = owner
        .post(&format!("/account/orders/{id}/{so}/withdraw"), &[])
        .await;
    assert_eq!(r.location.as_deref(), Some(path.as_str()));
    assert_eq!(
        owner.get("/account/orders/x%20y/z/withdraw").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_account_lists_orders_and_keeps_addresses_for_its_owner_only() {
    let app = demo_app().await;
    let (id, _) = order(&app, Some(SHOPPER.0)).await;
    let account = app
        .engine
        .accounts()
        .account_by_email(SHOPPER.0)
        .await
        .unwrap()
        .unwrap();
    let saved = || async { app.engine.accounts().addresses(&account.id).await.unwrap() };
    // Anonymous: to the login page, nothing written.
    let mut anon = Client::new(&app);
    anon.get("/track?lang=en").await;
    let r = anon
        .post(
            "/account/addresses",
            &[
                ("name", "A"),
                ("line1", "B"),
                ("city", "C"),
                ("phone", "0612345678"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    assert!(saved().await.is_empty());

    let mut owner = logged_in(&app, SHOPPER).await;
    let page = owner.get("/account?lang=en").await;
    assert!(
        page.body.contains(&format!("/orders/{id}")),
        "{}",
        page.body
    );
    assert!(page.body.contains("confirmed"));
    assert!(page.body.contains("My addresses"));
    // Bad input: refused in words, the typed fields kept, nothing written.
    let r = owner
        .post(
            "/account/addresses",
            &[
                ("name", "Aicha"),
                ("line1", "Hay Al Massira"),
                ("city", "Dakhla"),
                ("country", "MA"),
                ("phone", "12"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("check the name, address, city and phone"));
    assert!(r.body.contains("Hay Al Massira"));
    assert!(saved().await.is_empty());
    let r = owner
        .post(
            "/account/addresses",
            &[
                ("name", "Aicha"),
                ("line1", "Hay Al Massira"),
                ("city", "Dakhla"),
                ("country", "MA"),
                ("phone", "0661000002"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/account?done=saved"));
    let list = saved().await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].address.phone, "+212661000002");
    let page = owner.get("/account?done=saved").await;
    assert!(page.body.contains("Address saved."));
    assert!(page.body.contains("Hay Al Massira"));
    // The checkout's address form starts from it; nobody else's does.
    let form = owner.get("/checkout?lang=en").await;
    assert!(
        form.body.contains("value=\"Hay Al Massira\""),
        "{}",
        form.body
    );
    assert!(form.body.contains("value=\"+212661000002\""));

    // Another customer cannot delete it, and their checkout does not show it.
    let mut other = other_customer(&app).await;
    let form = other.get("/checkout?lang=en").await;
    assert!(!form.body.contains("Hay Al Massira"));
    let r = other
        .post(&format!("/account/addresses/{}/delete", list[0].id), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(saved().await.len(), 1);
    // Nor can an anonymous visitor.
    let r = anon
        .post(&format!("/account/addresses/{}/delete", list[0].id), &[])
        .await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    assert_eq!(saved().await.len(), 1);
    // The owner can.
    owner.get("/account").await;
    let r = owner
        .post(&format!("/account/addresses/{}/delete", list[0].id), &[])
        .await;
    assert_eq!(r.location.as_deref(), Some("/account?done=deleted"));
    assert!(saved().await.is_empty());
}
