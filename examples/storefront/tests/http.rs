//! The storefront over HTTP (in process, through the router): the JSON API from catalog to a
//! placed order, the shop pages in three languages, and bad input answered with clear errors.

#![allow(clippy::unwrap_used)] // test helpers fail the test by unwrapping

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

mod support;

async fn app() -> axum::Router {
    let app = support::demo_app().await;
    assert!(
        !tijara_storefront::seed::seed_if_empty(&app.engine)
            .await
            .unwrap(),
        "seeding twice loads nothing"
    );
    tijara_storefront::router(app)
}

async fn call(app: &axum::Router, req: Request<Body>) -> (StatusCode, String, String) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let ctype = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = to_bytes(res.into_body(), 4 << 20).await.unwrap();
    (status, ctype, String::from_utf8(body.to_vec()).unwrap())
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, String) {
    call(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post_json(
    app: &axum::Router,
    uri: &str,
    body: &Value,
    key: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let (status, _, text) = call(app, req.body(Body::from(body.to_string())).unwrap()).await;
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, v)
}

/// Creates a cart through the API and returns its id.
async fn new_cart(app: &axum::Router, key: Option<&str>) -> String {
    let (status, cart) = post_json(app, "/api/v1/carts", &json!({}), key).await;
    assert_eq!(status, StatusCode::CREATED, "{cart}");
    cart["cart"]["id"]
        .as_str()
        .or(cart["id"].as_str())
        .unwrap()
        .to_owned()
}

fn address() -> Value {
    json!({
        "name": "Fatima Zahra", "line1": "N° 12, Rue Tarfaya, Hay Al Wahda", "line2": null,
        "city": "Dakhla", "postal_code": "73000", "country": "MA", "phone": "+212661000000"
    })
}

#[tokio::test]
async fn api_takes_a_shopper_from_catalog_to_a_cash_on_delivery_order() {
    let app = app().await;
    let (status, _, body) = get(&app, "/api/v1/products?limit=5").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    let next = page["next"].as_str().unwrap().to_owned();
    let (_, _, body2) = get(&app, &format!("/api/v1/products?limit=50&after={next}")).await;
    let rest: Value = serde_json::from_str(&body2).unwrap();
    assert_eq!(
        rest["items"].as_array().unwrap().len(),
        35,
        "40 products in all"
    );

    let variant = items[0]["variants"][0]["variant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seller = items[0]["product"]["seller_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let price = items[0]["variants"][0]["variant"]["price"]["amount"]
        .as_str()
        .unwrap()
        .to_owned();

    let cart_id = new_cart(&app, Some("cart-1")).await;
    let (status, doc) = post_json(
        &app,
        &format!("/api/v1/carts/{cart_id}/items"),
        &json!({"variant_id": variant, "quantity": 2}),
        Some("add-1"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let (status, _, body) = get(&app, &format!("/api/v1/carts/{cart_id}")).await;
    assert_eq!(status, StatusCode::OK);
    let priced: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        priced["priced"]["items_gross"]["amount"],
        json!(mul(&price, 2))
    );
    assert_eq!(priced["priced"]["shipping_complete"], json!(false));
    // Paid on delivery: the prices include the carriers' cash-collection fees.
    let (status, quotes) = post_json(
        &app,
        &format!("/api/v1/carts/{cart_id}/shipping-quotes?payment=cod"),
        &address(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{quotes}");
    let options = quotes[0]["options"].as_array().unwrap();
    assert!(!options.is_empty());
    assert_eq!(quotes[0]["seller_id"], json!(seller));
    let amana = options.iter().find(|o| o["carrier"] == "amana").unwrap();
    let fee = amana["price"]["amount"].as_str().unwrap().to_owned();

    // Checkout before choosing shipping: a clear, typed refusal.
    let order_body = json!({"cart_id": cart_id, "email": "fatima@example.ma",
        "address": address(), "payment": "cod", "lang": "ar"});
    let (status, err) = post_json(&app, "/api/v1/orders", &order_body, Some("order-0")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["code"], json!("shipping_not_chosen"));
    assert!(err["message"].as_str().unwrap().contains(&seller), "{err}");

    let (status, doc) = post_json(
        &app,
        &format!("/api/v1/carts/{cart_id}/shipping"),
        &json!({"address": address(), "seller_id": seller, "carrier": "amana",
            "service": amana["service"]}),
        Some("ship-1"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");

    let (status, placed) = post_json(&app, "/api/v1/orders", &order_body, Some("order-1")).await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    let order = &placed["order"];
    let order_id = order["id"].as_str().unwrap().to_owned();
    // The retry of the same request answers the same order, not a second one.
    let (status, again) = post_json(&app, "/api/v1/orders", &order_body, Some("order-1")).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["order"]["id"], json!(order_id));

    let token = placed["access_token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 64, "{placed}");
    assert_eq!(
        again["access_token"],
        json!(token),
        "the retry gives the same key"
    );
    let (status, _, body) = get(&app, &format!("/api/v1/orders/{order_id}?t={token}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let seen: Value = serde_json::from_str(&body).unwrap();
    let total = seen["order"].to_string();
    assert!(
        total.contains(&add(&mul(&price, 2), &fee)),
        "grand total = items + shipping: {total}"
    );
    // The e-mail, even the right one, opens nothing; nor does a wrong token.
    for query in [
        "email=Fatima@Example.ma".to_owned(),
        "email=other@example.ma".to_owned(),
        format!("t={}", "0".repeat(64)),
        String::new(),
    ] {
        let (status, ctype, body) = get(&app, &format!("/api/v1/orders/{order_id}?{query}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{query}");
        assert!(ctype.starts_with("application/json"));
        assert!(!body.contains("Fatima"), "{body}");
    }

    // The cart was consumed: adding to it again is refused.
    let (status, err) = post_json(
        &app,
        &format!("/api/v1/carts/{cart_id}/items"),
        &json!({"variant_id": variant, "quantity": 1}),
        None,
    )
    .await;
    assert!(status.is_client_error(), "{status} {err}");
}

fn dec(s: &str) -> (i64, i64) {
    let (a, b) = s.split_once('.').unwrap();
    (a.parse().unwrap(), b.parse().unwrap())
}

fn cents(s: &str) -> i64 {
    let (a, b) = dec(s);
    a * 100 + b
}

fn fmt(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

fn mul(s: &str, n: i64) -> String {
    fmt(cents(s) * n)
}

fn add(a: &str, b: &str) -> String {
    fmt(cents(a) + cents(b))
}

/// `POST /api/v1/carts` with an item makes the cart holding it in one call; without a body,
/// with `{}` or an empty body it makes an empty cart, as before; a refused item makes no cart.
#[tokio::test]
async fn a_cart_is_made_with_its_first_item() {
    let app = app().await;
    let (_, _, body) = get(&app, "/api/v1/products?limit=1").await;
    let page: Value = serde_json::from_str(&body).unwrap();
    let v = &page["items"][0]["variants"][0];
    let variant = v["variant"]["id"].as_str().unwrap().to_owned();
    let available = v["availability"]["available"].as_u64().unwrap();

    let item = json!({"item": {"variant_id": variant, "quantity": 2}});
    let (status, made) = post_json(&app, "/api/v1/carts", &item, None).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["cart"]["id"].as_str().unwrap().to_owned();
    let lines = made["cart"]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{made}");
    assert_eq!(lines[0]["quantity"], 2, "{made}");
    // The cart as stored, and as creating then adding would have made it.
    let (status, _, stored) = get(&app, &format!("/api/v1/carts/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["cart"], made);
    let (_, empty) = post_json(&app, "/api/v1/carts", &json!({}), None).await;
    let other = empty["cart"]["id"].as_str().unwrap().to_owned();
    let (status, mut added) = post_json(
        &app,
        &format!("/api/v1/carts/{other}/items"),
        &json!({"variant_id": variant, "quantity": 2}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    added["cart"]["id"] = json!(id);
    assert_eq!(added, made, "one call gives what two give");

    // Empty carts, as before: no body at all, an empty body with a JSON type, `{}`.
    for (ctype, body) in [
        (None, ""),
        (Some("application/json"), ""),
        (Some("application/json"), "{}"),
    ] {
        let mut req = Request::post("/api/v1/carts");
        if let Some(c) = ctype {
            req = req.header(header::CONTENT_TYPE, c);
        }
        let (status, _, text) = call(&app, req.body(Body::from(body)).unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{ctype:?} {body:?}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["cart"]["lines"], json!([]), "{text}");
    }

    // Refused as adding the item is (same status, code and message), and no cart made
    // (nothing counts carts from outside: the refusals come before any write, as the engine's
    // tests check).
    for item in [
        json!({"variant_id": variant, "quantity": available + 1}),
        json!({"variant_id": "var_no_such_thing", "quantity": 1}),
        json!({"variant_id": variant, "quantity": 0}),
    ] {
        let (got, err) = post_json(&app, "/api/v1/carts", &json!({"item": item}), None).await;
        assert!(got.is_client_error(), "{item}: {err}");
        let (_, fresh) = post_json(&app, "/api/v1/carts", &json!({}), None).await;
        let fresh = fresh["cart"]["id"].as_str().unwrap().to_owned();
        let add = post_json(&app, &format!("/api/v1/carts/{fresh}/items"), &item, None).await;
        assert_eq!((got, &err), (add.0, &add.1), "{item}");
        assert!(!err["message"].as_str().unwrap().is_empty(), "{err}");
    }
    let (got, err) = post_json(
        &app,
        "/api/v1/carts",
        &json!({"item": {"variant_id": variant, "quantity": available + 1}}),
        None,
    )
    .await;
    assert_eq!(
        (got, &err["code"]),
        (StatusCode::CONFLICT, &json!("out_of_stock"))
    );
    // A body refused by its shape names what is wrong, whatever the JSON type's spelling; a
    // good one is taken with any JSON type.
    for (body, names) in [
        (json!({"item": {"variant_id": variant}}), "item"),
        (
            json!({"items": [{"variant_id": variant, "quantity": 1}]}),
            "items",
        ),
    ] {
        let mut messages = Vec::new();
        for ctype in ["application/json", "application/json; charset=utf-8"] {
            let req = Request::post("/api/v1/carts")
                .header(header::CONTENT_TYPE, ctype)
                .body(Body::from(body.to_string()))
                .unwrap();
            let (got, _, text) = call(&app, req).await;
            assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {text}");
            let err: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(err["code"], "bad_request", "{body}: {err}");
            let message = err["message"].as_str().unwrap().to_owned();
            assert!(message.contains(names), "{body}: {message}");
            messages.push(message);
        }
        assert_eq!(messages[0], messages[1]);
    }
    for ctype in [
        "application/json; charset=utf-8",
        "application/vnd.api+json",
    ] {
        let req = Request::post("/api/v1/carts")
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(item.to_string()))
            .unwrap();
        let (got, _, text) = call(&app, req).await;
        assert_eq!(got, StatusCode::CREATED, "{ctype}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["cart"]["lines"][0]["quantity"], 2, "{ctype}: {text}");
    }
    let req = Request::post("/api/v1/carts")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("one cushion please"))
        .unwrap();
    let (status, _, text) = call(&app, req).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{text}");
}

#[tokio::test]
async fn api_answers_bad_input_with_typed_errors() {
    let app = app().await;
    let (status, ctype, body) = get(&app, "/api/v1/products/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(ctype.starts_with("application/json"), "{ctype}");
    assert!(body.contains("\"not_found\""), "{body}");

    let (status, _, body) = get(&app, "/api/v1/products?min_price=abc").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("\"invalid\""));

    let (status, ctype, body) = get(&app, "/api/v1/products?limit=many").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(ctype.starts_with("application/json") && body.contains("\"bad_request\""));
    let (status, err) =
        post_json(&app, "/api/v1/carts/x/items", &json!({"quantity": 1}), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(
        err["code"],
        json!("bad_request"),
        "a missing field is a JSON error"
    );
    let req = Request::post("/api/v1/orders")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let (status, _, body) = call(&app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("\"bad_request\""));

    // A refused body's message names the field, whatever the JSON content type's spelling
    // (plain `application/json` is read on a shorter path, and read again only when refused).
    let wrong = json!({"cart_id": "cart_x", "email": "a@example.ma", "payment": "cod",
        "address": {"name": 5, "line1": "1 rue", "city": "Dakhla", "country": "MA", "phone": "0612345678"}});
    let mut answers = Vec::new();
    for ctype in [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        "application/vnd.api+json",
    ] {
        let req = Request::post("/api/v1/orders")
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(wrong.to_string()))
            .unwrap();
        let (status, _, body) = call(&app, req).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{ctype}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["code"], "bad_request", "{ctype}: {body}");
        let message = v["message"].as_str().unwrap().to_owned();
        assert!(message.contains("address.name"), "{ctype}: {message}");
        answers.push(message);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    for ctype in [None, Some("text/plain")] {
        let mut req = Request::post("/api/v1/orders");
        if let Some(c) = ctype {
            req = req.header(header::CONTENT_TYPE, c);
        }
        let (status, _, body) = call(&app, req.body(Body::from(wrong.to_string())).unwrap()).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{ctype:?}: {body}"
        );
        assert!(body.contains("\"bad_request\""), "{body}");
    }

    // Bodies above the limit are refused before they are read to the end.
    let big = vec![b' '; tijara_storefront::MAX_BODY_BYTES + 1];
    let req = Request::post("/api/v1/orders")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(big))
        .unwrap();
    let (status, _, _) = call(&app, req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let (status, _, _) = get(&app, "/api/v1/carts/cart_does_not_exist").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, cart) = post_json(&app, "/api/v1/carts", &json!({}), None).await;
    assert_eq!(status, StatusCode::CREATED);
    let cart_id = cart["cart"]["id"].as_str().unwrap().to_owned();
    let (status, err) = post_json(
        &app,
        &format!("/api/v1/carts/{cart_id}/items"),
        &json!({"variant_id": "var_unknown", "quantity": 1}),
        None,
    )
    .await;
    assert!(status.is_client_error(), "{status} {err}");
    assert!(err["code"].is_string(), "{err}");

    // More than the stock: refused with the variant named, nothing reserved.
    let (_, _, body) = get(&app, "/api/v1/products?limit=1").await;
    let page: Value = serde_json::from_str(&body).unwrap();
    let v = &page["items"][0]["variants"][0];
    let available = v["availability"]["available"].as_u64().unwrap();
    let (status, err) = post_json(
        &app,
        &format!("/api/v1/carts/{cart_id}/items"),
        &json!({"variant_id": v["variant"]["id"], "quantity": available + 1}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["code"], json!("out_of_stock"));

    // Same idempotency key, different request: refused rather than replayed.
    let (s1, _) = post_json(
        &app,
        &format!("/api/v1/carts/{cart_id}/items"),
        &json!({"variant_id": v["variant"]["id"], "quantity": 1}),
        Some("k-1"),
    )
    .await;
    assert_eq!(s1, StatusCode::OK);
    let (s2, err) = post_json(
        &app,
        &format!("/api/v1/carts/{cart_id}/items"),
        &json!({"variant_id": v["variant"]["id"], "quantity": 2}),
        Some("k-1"),
    )
    .await;
    assert_eq!(s2, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["code"], json!("idempotency_key_reused"));

    // An unknown payment method.
    let (status, err) = post_json(
        &app,
        "/api/v1/orders",
        &json!({"cart_id": cart_id, "email": "a@b.ma", "address": address(), "payment": "bitcoin"}),
        None,
    )
    .await;
    assert!(status.is_client_error(), "{status} {err}");
}

#[tokio::test]
async fn shop_pages_speak_three_languages_and_arabic_is_right_to_left() {
    let app = app().await;
    let (status, ctype, html) = get(&app, "/?lang=ar").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(
        html.contains("dir=\"rtl\""),
        "Arabic pages are right to left"
    );
    assert!(html.contains("lang=\"ar\""));
    let (_, _, html) = get(&app, "/?lang=fr").await;
    assert!(html.contains("lang=\"fr\"") && html.contains("dir=\"ltr\""));
    // Without a choice, the browser's language; without one the browser offers, Arabic.
    let req = Request::get("/")
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9,fr;q=0.8")
        .body(Body::empty())
        .unwrap();
    let (_, _, html) = call(&app, req).await;
    assert!(html.contains("lang=\"en\""));
    let req = Request::get("/")
        .header(header::ACCEPT_LANGUAGE, "de-DE")
        .body(Body::empty())
        .unwrap();
    let (_, _, html) = call(&app, req).await;
    assert!(html.contains("lang=\"ar\""));
    let (_, _, html) = get(&app, "/?lang=en").await;
    assert!(html.contains("lang=\"en\""));
    assert!(
        html.contains("Embroidered srama cushion"),
        "English titles on the English page"
    );
    let (status, _, html) = get(&app, "/products/embroidered-srama-cushion?lang=fr").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Coussin srama brodé"));
    assert!(
        html.contains("349,00") || html.contains("349.00"),
        "price shown"
    );
    let (status, _, _) = get(&app, "/products/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, ctype, svg) = get(&app, "/images/embroidered-srama-cushion.svg").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("image/svg+xml"), "{ctype}");
    assert!(svg.starts_with("<svg"));
    let (status, _, _) = get(&app, "/cart").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn shoppers_abroad_see_an_indicative_amount_beside_the_dirham_price() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let page = c.get("/products/embroidered-srama-cushion?lang=fr").await;
    assert!(page.body.contains("349,00"));
    assert!(
        !page.body.contains("≈"),
        "none by default in French from Morocco"
    );
    // 349 MAD × 0.092 = 32.108 → 32,11 € (rounded half away from zero).
    let page = c
        .get("/products/embroidered-srama-cushion?lang=fr&cur=EUR")
        .await;
    assert!(page.body.contains("≈"), "{}", page.body);
    assert!(page.body.contains("32,11"), "{}", page.body);
    assert_eq!(c.jar.get("cur").map(String::as_str), Some("EUR"));
    // The choice is remembered; USD and back to MAD.
    assert!(
        c.get("/products/embroidered-srama-cushion?lang=fr")
            .await
            .body
            .contains("32,11")
    );
    let page = c
        .get("/products/embroidered-srama-cushion?lang=en&cur=USD")
        .await;
    assert!(page.body.contains("34.90"), "{}", page.body);
    let page = c.get("/products/embroidered-srama-cushion?cur=MAD").await;
    assert!(!page.body.contains("≈"));
}

#[tokio::test]
async fn shop_checkout_with_cash_on_delivery_needs_no_javascript() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let p = app
        .engine
        .catalog()
        .product_by_slug("embroidered-srama-cushion")
        .await
        .unwrap();
    let variant = p.variants[0].variant.id.to_string();
    let seller = p.product.seller_id.to_string();

    c.get("/products/embroidered-srama-cushion").await;
    let r = c
        .post("/cart/add", &[("variant", &variant), ("quantity", "2")])
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(r.location.as_deref(), Some("/cart"));
    assert!(c.jar.contains_key("cart"));
    // The cart cookie: HttpOnly, SameSite=Lax, not Secure over plain HTTP.
    let res = tower::ServiceExt::oneshot(
        tijara_storefront::router(app.clone()),
        Request::post("/cart/add")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(
                header::COOKIE,
                format!("csrf={}", c.jar.get("csrf").unwrap()),
            )
            .body(Body::from(format!(
                "variant={variant}&csrf={}",
                c.jar.get("csrf").unwrap()
            )))
            .unwrap(),
    )
    .await
    .unwrap();
    let set_cookie = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("cart="))
        .unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
    assert!(
        !set_cookie.contains("Secure"),
        "served over plain HTTP in the test"
    );

    let page = c.get("/cart?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Coussin srama brodé"),
        "the line is in the cart: {}",
        page.body
    );
    assert!(page.body.contains("698"), "2 × 349,00 shown");

    let address = [
        ("name", "Fatima Zahra"),
        ("line1", "N° 12, Rue Tarfaya"),
        ("city", "Dakhla"),
        ("country", "ma"),
        ("phone", "+212661000000"),
        ("email", "fatima+shop@example.ma"),
    ];
    c.get("/checkout").await;
    let r = c.post("/checkout", &address).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains(&format!("name=\"ship_{seller}\"")),
        "a carrier choice per seller"
    );
    assert!(r.body.contains("value=\"cod\""));
    assert!(
        r.body.contains("Coopérative") || r.body.contains("تعاونية") || r.body.contains("Atelier"),
        "parcels are named by seller"
    );

    let ship_key = format!("ship_{seller}");
    let mut fields = address.to_vec();
    fields.push((&ship_key, "amana/standard"));
    fields.push(("payment", "cod"));
    let r = c.post("/checkout/place", &fields).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let location = r.location.unwrap();
    assert!(location.starts_with("/orders/ord_"), "{location}");
    assert!(
        !location.contains("email") && !location.contains("fatima"),
        "{location}"
    );
    let token = location.split_once("?t=").unwrap().1.to_owned();
    assert_eq!(token.len(), 64, "{location}");

    let page = c.get(&format!("{location}&lang=ar")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("dir=\"rtl\""));
    assert!(
        page.body.contains("في انتظار الأداء") || page.body.contains("مؤكد"),
        "statuses in Arabic"
    );
    // An e-mail (the old links) or a wrong token does not show the order; the old link says
    // what to do instead.
    let order_path = location.split('?').next().unwrap();
    let page = c
        .get(&format!(
            "{order_path}?email=fatima%2Bshop%40example.ma&lang=en"
        ))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Fatima"));
    assert!(
        page.body.contains("confirmation page or e-mail"),
        "{}",
        page.body
    );
    let page = c.get(&format!("{order_path}?t={}", "f".repeat(64))).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Fatima"));

    // The cart was consumed: the shop starts a fresh one.
    let r = c.post("/checkout/place", &fields).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
}

#[tokio::test]
async fn a_region_file_chooses_the_carriers_shoppers_are_offered() {
    // What `--region regions/laayoune-sakia-el-hamra.toml` loads: its rate cards only.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../regions/laayoune-sakia-el-hamra.toml");
    let file = tijara::region_file::parse_region(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let carriers: Vec<_> = file
        .rate_cards
        .iter()
        .map(|n| {
            tijara_carrier_table::TableCarrier::from_region_entry(n, path.parent().unwrap())
                .unwrap()
        })
        .collect();
    assert_eq!(carriers.len(), 1, "{:?}", file.rate_cards);
    let app = support::demo_app_with(Some(file.region), carriers).await;
    let app = tijara_storefront::router(app);
    let (_, _, body) = get(&app, "/api/v1/products?limit=1").await;
    let page: Value = serde_json::from_str(&body).unwrap();
    let variant = page["items"][0]["variants"][0]["variant"]["id"].clone();
    let cart_id = new_cart(&app, None).await;
    let (status, _) = post_json(
        &app,
        &format!("/api/v1/carts/{cart_id}/items"),
        &json!({"variant_id": variant, "quantity": 1}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, quotes) = post_json(
        &app,
        &format!("/api/v1/carts/{cart_id}/shipping-quotes"),
        &address(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{quotes}");
    let carriers: std::collections::BTreeSet<&str> = quotes[0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["carrier"].as_str().unwrap())
        .collect();
    assert_eq!(carriers, ["amana"].into(), "{quotes}");
}

#[tokio::test]
async fn a_refused_step_is_explained_in_the_shoppers_language() {
    let app = support::demo_app().await;
    let p = app
        .engine
        .catalog()
        .product_by_slug("embroidered-srama-cushion")
        .await
        .unwrap();
    let variant = p.variants[0].variant.id.to_string();
    for (lang, sentence) in [
        ("ar", "هذه الكمية غير ممكنة لمنتج واحد."),
        ("fr", "Cette quantité n'est pas possible pour un article."),
        ("en", "That quantity is not possible for one item."),
    ] {
        let mut c = support::Client::new(&app);
        c.get(&format!("/products/embroidered-srama-cushion?lang={lang}"))
            .await;
        let r = c
            .post(
                &format!("/cart/add?lang={lang}"),
                &[("variant", &variant), ("quantity", "5000")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{lang}");
        let escaped = sentence.replace('\'', "&#39;");
        assert!(
            r.body.contains(sentence) || r.body.contains(&escaped),
            "{lang}: {}",
            r.body
        );
        assert!(
            r.body.contains("outside 1..=999"),
            "the detail stays for support"
        );
    }
}
