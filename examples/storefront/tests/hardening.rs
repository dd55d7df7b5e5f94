//! Issue 11 hardening over HTTP: order links carry a random token (never the e-mail), CMI's
//! browser return opens the order only in the paying browser, malformed returns are 400,
//! unpaid orders are limited (429), and checkout, catalog and slugs follow the input rules.

#![allow(clippy::unwrap_used)] // test helpers fail the test by unwrapping

use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::net::SocketAddr;
use tower::ServiceExt;

mod support;

const SLUG: &str = "embroidered-srama-cushion";

/// A visitor who fills a cart with the cushion and reaches the payment choice; returns the
/// fields to post to `/checkout/place` (with `payment` and `phone` given).
async fn to_payment(
    app: &tijara_storefront::App,
    c: &mut support::Client,
    email: &str,
    phone: &str,
    payment: &str,
) -> Vec<(String, String)> {
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    let variant = p.variants[0].variant.id.to_string();
    let seller = p.product.seller_id.to_string();
    c.get(&format!("/products/{SLUG}")).await;
    let r = c.post("/cart/add", &[("variant", &variant)]).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let mut fields: Vec<(String, String)> = [
        ("name", "Fatima Zahra"),
        ("line1", "N° 12, Rue Tarfaya"),
        ("city", "Dakhla"),
        ("country", "MA"),
        ("phone", phone),
        ("email", email),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    c.get("/checkout").await;
    fields.push((format!("ship_{seller}"), "amana/standard".into()));
    fields.push(("payment".into(), payment.into()));
    fields
}

async fn place(c: &mut support::Client, fields: &[(String, String)]) -> support::Answer {
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post("/checkout/place", &f).await
}

fn oid_of(page: &str) -> String {
    let at = page.find("name=\"oid\" value=\"").unwrap() + "name=\"oid\" value=\"".len();
    page[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn cmi_returns_open_the_order_only_in_the_browser_that_paid() {
    let app = support::demo_app().await;
    let mut shopper = support::Client::new(&app);
    let fields = to_payment(&app, &mut shopper, "fatima@example.ma", "0661000000", "cmi").await;
    let r = place(&mut shopper, &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let oid = oid_of(&r.body);
    let order = oid.rsplit_once('-').unwrap().0.to_owned();
    assert!(
        shopper.jar.contains_key("cmi_order"),
        "the paying browser is marked"
    );

    // Someone else posts the attempt id (no payment cookie): a neutral page, no e-mail, no key.
    let mut other = support::Client::new(&app);
    other.get("/").await;
    let r = other.post_raw("/cmi/ok", &[("oid", &oid)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let next = r.location.unwrap();
    assert_eq!(next, format!("/cmi/return?order={order}"));
    let page = other.get(&format!("{next}&lang=en")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("payment result was received"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("fatima"), "{}", page.body);
    assert!(!page.body.contains("?t="), "{}", page.body);
    let r = other.post_raw("/cmi/fail", &[("oid", &oid)]).await;
    let page = other.get(&r.location.unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("fatima") && !page.body.contains("?t="));
    // A forged payment cookie with a guessed token does not help.
    other
        .jar
        .insert("cmi_order".into(), format!("{order}.{}", "0".repeat(64)));
    let page = other.get(&next).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.location.is_none() && !page.body.contains("?t="));

    // The browser that paid goes back to its order, by its token.
    let r = shopper.post_raw("/cmi/ok", &[("oid", &oid)]).await;
    let r = shopper.get(&r.location.unwrap()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let link = r.location.unwrap();
    assert!(link.starts_with(&format!("/orders/{order}?t=")), "{link}");
    assert!(!link.contains("email") && !link.contains("fatima"));
    let res = tijara_storefront::router(app.clone())
        .oneshot(Request::get(&link).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A wrong token says where the right link is, and shows nothing of the order.
    let page = other
        .get(&format!("/orders/{order}?t={}&lang=en", "0".repeat(64)))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("confirmation page or e-mail"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Fatima"));
    assert_eq!(
        res.headers().get(header::REFERRER_POLICY).unwrap(),
        "no-referrer",
        "the token does not leak to other sites"
    );
    assert_eq!(
        res.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
}

#[tokio::test]
async fn malformed_cmi_returns_are_400_not_500() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    c.get("/").await;
    for oid in [
        "ord_1\r\nSet-Cookie: x=1-1",
        "ord_1\n-1",
        "ord\0_1-1",
        "ord_1\u{7f}-1",
        "",
        "no-dash-but spaces-1",
    ] {
        for path in ["/cmi/ok", "/cmi/fail"] {
            let r = c.post_raw(path, &[("oid", oid), ("lang", "en")]).await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{path} {oid:?}: {}",
                r.body
            );
            assert!(r.location.is_none());
        }
    }
    let r = c.post_raw("/cmi/ok", &[("Response", "Approved")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no oid at all");
    let r = c.get("/cmi/return?order=bad%0Aid").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_bad_phone_or_an_oversized_address_is_refused_at_checkout() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let fields = to_payment(&app, &mut c, "amina@example.ma", "abc", "cod").await;
    let r = c.get("/?lang=en").await;
    assert_eq!(r.status, StatusCode::OK);
    // Phones get the phone keypad and the browser's autofill.
    let form = c.get("/checkout").await;
    assert!(
        form.body
            .contains(r#"name="phone" type="tel" autocomplete="tel""#),
        "{}",
        form.body
    );
    let r = place(&mut c, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("phone number is not valid"), "{}", r.body);

    let mut fields = to_payment(&app, &mut c, "amina@example.ma", "0661000000", "cod").await;
    fields[0].1 = "N".repeat(30 * 1024);
    let r = place(&mut c, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("address is not valid"), "{}", r.body);

    // Through the API too, with a code a client can act on.
    let (status, v) = api(
        &app,
        "/api/v1/carts/none/shipping-quotes",
        &json!({"name": "F", "line1": "Rue", "line2": null, "city": "Dakhla",
            "postal_code": null, "country": "MA", "phone": "abc"}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "invalid_address");
}

async fn api(
    app: &tijara_storefront::App,
    uri: &str,
    body: &Value,
    peer: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    if let Some(p) = peer {
        req.extensions_mut()
            .insert(ConnectInfo(p.parse::<SocketAddr>().unwrap()));
    }
    let res = tijara_storefront::router(app.clone())
        .oneshot(req)
        .await
        .unwrap();
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 1 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Places a cash-on-delivery order of one cushion through the API.
async fn api_order(app: &tijara_storefront::App, email: &str, peer: &str) -> (StatusCode, Value) {
    api_order_paid(app, email, peer, "cod").await
}

/// Places an order of one cushion through the API, paid with `payment`.
async fn api_order_paid(
    app: &tijara_storefront::App,
    email: &str,
    peer: &str,
    payment: &str,
) -> (StatusCode, Value) {
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    let (_, cart) = api(app, "/api/v1/carts", &json!({}), Some(peer)).await;
    let cart = cart["cart"]["id"]
        .as_str()
        .or(cart["id"].as_str())
        .unwrap()
        .to_owned();
    let address = json!({"name": "Fatima Zahra", "line1": "N° 12, Rue Tarfaya", "line2": null,
        "city": "Dakhla", "postal_code": "73000", "country": "MA", "phone": "0661000000"});
    let (s, v) = api(
        app,
        &format!("/api/v1/carts/{cart}/items"),
        &json!({"variant_id": p.variants[0].variant.id, "quantity": 1}),
        Some(peer),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api(
        app,
        &format!("/api/v1/carts/{cart}/shipping"),
        &json!({"address": address, "seller_id": p.product.seller_id, "carrier": "amana",
            "service": "standard"}),
        Some(peer),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    api(
        app,
        "/api/v1/orders",
        &json!({"cart_id": cart, "email": email, "address": address, "payment": payment}),
        Some(peer),
    )
    .await
}

#[tokio::test]
async fn unpaid_orders_are_limited_per_email_and_per_client_address() {
    let app = support::demo_app().await;
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    app.engine
        .catalog()
        .adjust_stock(
            &p.variants[0].variant.id,
            tijara::usecases::catalog::StockAdjustment::Set { units: 100 },
            None,
        )
        .await
        .unwrap();
    for _ in 0..3 {
        let (s, v) = api_order(&app, "bot@example.ma", "196.200.1.1:40000").await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = api_order(&app, "BOT@example.ma", "41.250.1.1:40000").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(v["code"], "too_many_unpaid_orders");
    // The peer address counts card and transfer orders across e-mails (5 by default); the
    // three cash-on-delivery orders above do not count (carrier-grade NAT).
    for i in 0..5 {
        let (s, v) = api_order_paid(
            &app,
            &format!("bot{i}@example.ma"),
            "196.200.1.1:40001",
            "transfer",
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    // The same client on a dual-stack bind, as an IPv4-mapped peer.
    for peer in ["196.200.1.1:40002", "[::ffff:196.200.1.1]:40002"] {
        let (s, v) = api_order_paid(&app, "bot9@example.ma", peer, "transfer").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{peer}: {v}");
        assert!(
            v["message"].as_str().unwrap().contains("client address"),
            "{v}"
        );
    }
    let (s, v) = api_order(&app, "cod9@example.ma", "196.200.1.1:40002").await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "cash on delivery is not limited per address: {v}"
    );
    let (s, v) = api_order_paid(&app, "bot9@example.ma", "196.200.9.9:40002", "transfer").await;
    assert_eq!(s, StatusCode::CREATED, "another address: {v}");
    // A loopback peer (a reverse proxy on the host), also as an IPv4-mapped address on a
    // dual-stack bind, or a private one, is no client: it does not block everyone.
    for peer in [
        "127.0.0.1:50000",
        "[::ffff:127.0.0.1]:50000",
        "10.0.0.2:50000",
    ] {
        for i in 0..6 {
            let email = format!("proxied{i}-{}@example.ma", peer.len());
            let (s, v) = api_order_paid(&app, &email, peer, "transfer").await;
            assert_eq!(s, StatusCode::CREATED, "{peer}: {v}");
        }
    }
}

#[tokio::test]
async fn transfer_instructions_give_the_deadline_the_engine_enforces() {
    let app = support::demo_app().await;
    let (s, v) = api_order_paid(&app, "virement@example.ma", "196.200.3.3:1", "transfer").await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let placed: tijara_core::chrono::DateTime<tijara_core::chrono::Utc> =
        serde_json::from_value(v["order"]["placed_at"].clone()).unwrap();
    let region = app.engine.region();
    let offset =
        tijara_core::chrono::FixedOffset::east_opt(region.utc_offset_minutes * 60).unwrap();
    let deadline = (placed + region.transfer_hold()).with_timezone(&offset);
    let text = v["payment"].to_string();
    assert!(
        text.contains(&deadline.format("avant le %d/%m/%Y à %H:%M").to_string()),
        "{text}"
    );
    assert!(
        !text.contains("jours"),
        "no count of days beside the deadline: {text}"
    );
}

#[tokio::test]
async fn switching_language_or_currency_keeps_a_guest_on_her_order() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let fields = to_payment(&app, &mut c, "amina@example.ma", "0661000000", "cod").await;
    let r = place(&mut c, &fields).await;
    let link = r.location.unwrap();
    let (path, token) = link.split_once("?t=").unwrap();
    let page = c.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for q in ["cur=MAD", "cur=EUR", "cur=USD"] {
        let href = format!("href=\"?{q}&amp;t={token}\"");
        assert!(page.body.contains(&href), "{href} in {}", page.body);
    }
    // The language switch (a form) comes back to the order with its token.
    let back = format!("name=\"back\" value=\"{path}?t={token}\"");
    assert!(page.body.contains(&back), "{back} in {}", page.body);
    let r = c.post("/lang", &[("lang", "fr"), ("back", &link)]).await;
    assert_eq!(r.location.as_deref(), Some(link.as_str()));
    let page = c.get(&link).await;
    assert!(page.body.contains("<html lang=\"fr\""), "{}", page.body);
    // Following one in another browser (no session) still opens the order.
    let mut other = support::Client::new(&app);
    for q in ["lang=en", "cur=EUR"] {
        let r = other.get(&format!("{path}?{q}&t={token}")).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
    }
    // No other page carries the token.
    for uri in ["/", "/cart", &format!("/products/{SLUG}")] {
        let r = c.get(uri).await;
        assert!(!r.body.contains(token), "{uri}");
        assert!(r.body.contains("name=\"lang\" value=\"ar\""), "{uri}");
    }
}

#[tokio::test]
async fn the_shop_refuses_the_fourth_unpaid_order_with_429_and_says_what_to_do() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    c.get("/?lang=en").await;
    for _ in 0..3 {
        let fields = to_payment(&app, &mut c, "amina@example.ma", "0661000000", "transfer").await;
        let r = place(&mut c, &fields).await;
        assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    }
    let fields = to_payment(&app, &mut c, "amina@example.ma", "0661000000", "cod").await;
    let r = place(&mut c, &fields).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("awaiting payment: pay one"), "{}", r.body);
}

#[tokio::test]
async fn products_not_on_sale_are_not_served_by_slug() {
    let app = support::demo_app().await;
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    let router = tijara_storefront::router(app.clone());
    let status = |uri: String| {
        let router = router.clone();
        async move {
            router
                .oneshot(Request::get(&uri).body(Body::empty()).unwrap())
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(status(format!("/products/{SLUG}")).await, StatusCode::OK);
    app.engine
        .catalog()
        .set_product_active(&p.product.id, false, None)
        .await
        .unwrap();
    assert_eq!(
        status(format!("/products/{SLUG}")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(format!("/api/v1/products/{SLUG}")).await,
        StatusCode::NOT_FOUND
    );
    app.engine
        .catalog()
        .set_product_active(&p.product.id, true, None)
        .await
        .unwrap();
    app.engine
        .catalog()
        .set_seller_active(&p.product.seller_id, false, None)
        .await
        .unwrap();
    assert_eq!(
        status(format!("/products/{SLUG}")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(format!("/api/v1/products/{SLUG}")).await,
        StatusCode::NOT_FOUND
    );
}

/// A shopper's first add to cart, refused, leaves no empty cart behind; accepted, it makes one
/// cart holding the item (one commit: `Carts::create_cart_with`). More than is left puts what
/// is left in the cart, which says so; the product page offers no more than is left.
#[tokio::test]
async fn a_refused_first_add_leaves_no_cart_behind() {
    use tijara::ports::storage::{DocKind, ListQuery};
    let app = support::demo_app().await;
    let carts = || async {
        app.engine
            .storage()
            .list(&ListQuery::new(DocKind::Cart, 1000))
            .await
            .unwrap()
            .len()
    };
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    let variant = p.variants[0].variant.id.to_string();
    let tijara_core::inventory::Availability::InStock { available } = p.variants[0].availability
    else {
        panic!("the demo's cushion is in stock");
    };
    let over = (available + 1).to_string();
    let before = carts().await;
    let mut c = support::Client::new(&app);
    c.get(&format!("/products/{SLUG}")).await;
    for (what, fields, status) in [
        (
            "too many",
            vec![("variant", variant.as_str()), ("quantity", "100000")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "no such variant",
            vec![("variant", "var_no_such_thing")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = c.post("/cart/add", &fields).await;
        assert_eq!(r.status, status, "{what}");
        assert_eq!(carts().await, before, "{what}: no cart written");
    }
    let r = c.post("/cart/add", &[("variant", &variant)]).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(carts().await, before + 1);
    let page = c.get("/cart").await;
    assert!(page.status.is_success(), "{}", page.status);
    let titles = [
        tijara_core::Lang::Ar,
        tijara_core::Lang::Fr,
        tijara_core::Lang::En,
    ]
    .map(|l| p.product.title.exact(l).unwrap_or("?").to_owned());
    assert!(
        titles.iter().any(|t| page.body.contains(t.as_str())),
        "the cushion is in the cart: {titles:?}"
    );
    // The product page offers no more than is left.
    let product = c.get(&format!("/products/{SLUG}?lang=fr")).await.body;
    assert!(
        product.contains(&format!(r#"max="{available}""#)),
        "{product}"
    );
    // The redirect that says how many were left, and a cart holding just that many.
    let says_left = |r: &support::Answer| {
        assert_eq!(
            r.location.as_deref(),
            Some(format!("/cart?left={available}&v={variant}").as_str()),
            "{}",
            r.body
        );
    };
    let holds_what_is_left = |cart: &str| cart.contains(&format!(">{available}</output>"));
    // More than is left, to a cart holding one already: the cart holds what is left, and says so.
    let r = c
        .post(
            "/cart/add",
            &[("variant", variant.as_str()), ("quantity", over.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    says_left(&r);
    let cart = c
        .get(&format!("/cart?left={available}&v={variant}&lang=fr"))
        .await
        .body;
    assert!(
        cart.contains("Il n&#39;en restait que") || cart.contains("Il n'en restait que"),
        "{cart}"
    );
    let fr_title = p
        .product
        .title
        .get(tijara_core::Lang::Fr, tijara_core::Lang::Ar)
        .unwrap();
    assert!(
        cart.contains(&format!("<strong>{fr_title}</strong> — Il n")),
        "the notice names the piece: {cart}"
    );
    // Said only while true: without the piece named, or once the cart holds another quantity.
    let plain = c.get(&format!("/cart?left={available}&lang=fr")).await.body;
    assert!(!plain.contains("restait"), "{plain}");
    let other_n = c
        .get(&format!("/cart?left={}&v={variant}&lang=fr", available + 3))
        .await
        .body;
    assert!(!other_n.contains("restait"), "{other_n}");
    assert!(holds_what_is_left(&cart), "{available} in the cart: {cart}");
    // Again: nothing more is left to add; the cart is unchanged and says so.
    let r = c
        .post(
            "/cart/add",
            &[("variant", variant.as_str()), ("quantity", "1")],
        )
        .await;
    says_left(&r);
    let cart = c.get("/cart?lang=fr").await.body;
    assert!(holds_what_is_left(&cart), "unchanged: {cart}");
    // The cart's + past what is left: the same.
    let r = c
        .post(
            "/cart/set",
            &[("variant", variant.as_str()), ("quantity", over.as_str())],
        )
        .await;
    says_left(&r);
    let cart = c.get("/cart?lang=fr").await.body;
    assert!(holds_what_is_left(&cart), "{cart}");
    // A first add of more than is left: a new cart holding what is left.
    let mut other = support::Client::new(&app);
    other.get(&format!("/products/{SLUG}")).await;
    let r = other
        .post(
            "/cart/add",
            &[("variant", variant.as_str()), ("quantity", over.as_str())],
        )
        .await;
    says_left(&r);
    assert_eq!(carts().await, before + 2);
    let cart = other.get("/cart?lang=fr").await.body;
    assert!(holds_what_is_left(&cart), "what is left: {cart}");
}
