//! Checkout's address over HTTP: the city picker and country list, cities typed in Arabic, the
//! review with the cash-on-delivery fee, refusals that say what to do (bad phone, unknown
//! country, no carrier) and write nothing, and a change of language that keeps it all.

#![allow(clippy::unwrap_used)] // test helpers fail the test by unwrapping

use axum::http::StatusCode;

mod support;

const SLUG: &str = "embroidered-srama-cushion";

/// A visitor with the cushion in the cart, reading in `lang`; answers the seller's id.
async fn with_cart(app: &tijara_storefront::App, c: &mut support::Client, lang: &str) -> String {
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    let variant = p.variants[0].variant.id.to_string();
    c.get(&format!("/products/{SLUG}?lang={lang}")).await;
    let r = c.post("/cart/add", &[("variant", &variant)]).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    c.get("/checkout").await;
    p.product.seller_id.to_string()
}

fn address<'a>(city: &'a str, country: &'a str, phone: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Fatima Zahra"),
        ("line1", "N° 12, Rue Tarfaya"),
        ("city", city),
        ("postal_code", ""),
        ("country", country),
        ("phone", phone),
        ("email", "fatima@example.ma"),
    ]
}

#[tokio::test]
async fn the_form_offers_the_cities_and_named_countries_in_the_pages_language() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let page = c.get("/checkout?lang=ar").await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(b.contains(r#"name="city" list="cities""#), "{b}");
    assert!(b.contains(r#"<datalist id="cities">"#), "{b}");
    assert!(b.contains(r#"<option value="الداخلة">"#), "{b}");
    assert!(b.contains(r#"<option value="مراكش">"#), "{b}");
    assert!(b.contains(r#"<select name="country""#), "{b}");
    let morocco = b.find(r#"<option value="MA" selected>المغرب</option>"#);
    let france = b.find(r#"<option value="FR">فرنسا</option>"#);
    assert!(morocco.is_some() && morocco < france, "Morocco first: {b}");
    assert!(b.contains(r#"name="phone" type="tel""#));
    assert!(b.contains(r#"name="postal_code""#));
    let page = c.get("/checkout?lang=fr").await;
    assert!(page.body.contains(r#"<option value="Laâyoune">"#));
    assert!(page.body.contains(">Maroc</option>"));
}

#[tokio::test]
async fn an_arabic_city_is_delivered_reviewed_with_the_cod_fee_and_kept_across_languages() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let seller = with_cart(&app, &mut c, "ar").await;
    let r = c
        .post("/checkout", &address("الداخلة", "MA", "06 61 00 00 00"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(&format!("name=\"ship_{seller}\"")));
    assert!(r.body.contains("Amana") && r.body.contains("CTM Messagerie"));
    assert!(!r.body.contains("اختر طريقة التوصيل لكل بائع"));
    let ship = format!("ship_{seller}");
    let r = c
        .post(
            "/checkout/review",
            &[(ship.as_str(), "amana/standard"), ("payment", "cod")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/checkout/review?pay=cod"));
    let review = c.get("/checkout/review?pay=cod").await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    let b = &review.body;
    assert!(b.contains("رسوم الدفع عند الاستلام"), "COD fee shown: {b}");
    assert!(b.contains("Amana") && b.contains("الداخلة") && b.contains("73000"));
    assert!(b.contains(r#"class="review""#) && b.contains(r#"class="seller-box""#));
    assert!(b.contains(r#"action="/checkout/place""#));
    // The language switch comes back with the payment; French keeps the address and the
    // choice.
    assert!(
        b.contains(r#"name="back" value="/checkout/review?pay=cod""#),
        "{b}"
    );
    let fr = c.get("/checkout/review?lang=fr&pay=cod").await;
    assert_eq!(fr.status, StatusCode::OK, "{}", fr.body);
    assert!(fr.body.contains("Frais de paiement à la livraison"));
    assert!(fr.body.contains("Dakhla") && fr.body.contains("Fatima Zahra"));
    let form = c.get("/checkout?lang=fr").await;
    assert!(form.body.contains(r#"value="Fatima Zahra""#));
    assert!(form.body.contains(r#"value="Dakhla""#));
    assert!(form.body.contains(r#"value="+212661000000""#));
    assert!(form.body.contains(r#"value="fatima@example.ma""#));
    let delivery = c.get("/checkout/delivery?pay=cod").await;
    assert!(delivery.body.contains(r#"value="amana/standard" checked"#));
    // Placing charges the reviewed total.
    let total_at = fr.body.find("Total à payer").unwrap();
    let r = c.post("/checkout/place", &[("payment", "cod")]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let location = r.location.unwrap();
    assert!(location.starts_with("/orders/"), "{location}");
    let id = location
        .trim_start_matches("/orders/")
        .split('?')
        .next()
        .unwrap();
    let order = app
        .engine
        .orders()
        .order(&tijara_core::OrderId::new(id).unwrap())
        .await
        .unwrap()
        .order;
    let total = order.grand_total.format(tijara_core::Lang::FR);
    assert!(
        fr.body[total_at..].contains(&total),
        "review total {total} is charged"
    );
    assert_eq!(order.shipping_address.city, "Dakhla");
    assert_eq!(order.shipping_address.postal_code.as_deref(), Some("73000"));
}

#[tokio::test]
async fn a_bad_phone_is_refused_with_what_to_do_and_nothing_kept() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    with_cart(&app, &mut c, "en").await;
    let r = c.post("/checkout", &address("Dakhla", "MA", "12")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("phone number is not valid"), "{}", r.body);
    assert!(r.body.contains("06 12 34 56 78"), "an example to follow");
    assert!(
        r.body.contains(r#"value="Fatima Zahra""#),
        "what was typed is kept"
    );
    let form = c.get("/checkout").await;
    assert!(
        !form.body.contains("Fatima Zahra"),
        "nothing kept in the cart"
    );
    // The review step cannot be reached without an address.
    let r = c.get("/checkout/review?pay=cod").await;
    assert_eq!(r.location.as_deref(), Some("/checkout"));
}

#[tokio::test]
async fn an_unknown_country_or_payment_is_refused() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let seller = with_cart(&app, &mut c, "fr").await;
    let r = c
        .post("/checkout", &address("Dakhla", "ZZ", "0661000000"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Choisissez le pays dans la liste"),
        "{}",
        r.body
    );
    let form = c.get("/checkout").await;
    assert!(!form.body.contains("Fatima Zahra"), "nothing kept");
    let r = c
        .post("/checkout", &address("Dakhla", "MA", "0661000000"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let ship = format!("ship_{seller}");
    let r = c
        .post(
            "/checkout/review",
            &[(ship.as_str(), "amana/standard"), ("payment", "bitcoin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Choisissez un moyen de paiement"));
}

#[tokio::test]
async fn no_carrier_is_said_plainly_in_arabic_and_french() {
    let app = support::demo_app().await;
    for (lang, title, next) in [
        (
            "ar",
            "لا يمكننا التوصيل إلى هذا العنوان",
            "تحقق من اسم المدينة",
        ),
        (
            "fr",
            "Nous ne pouvons pas livrer à cette adresse",
            "Vérifiez le nom de la ville",
        ),
    ] {
        let mut c = support::Client::new(&app);
        with_cart(&app, &mut c, lang).await;
        let r = c
            .post("/checkout", &address("Tokyo", "JP", "+81 3 1234 5678"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains(title) && r.body.contains(next),
            "{}",
            r.body
        );
        assert!(r.body.contains("Tokyo"));
        assert!(
            !r.body.contains("pour chaque vendeur") && !r.body.contains("لكل بائع"),
            "never 'choose a delivery for every seller'"
        );
        // The form is there to correct the address, filled with what was typed.
        assert!(r.body.contains(r#"value="Tokyo""#));
        let form = c.get("/checkout").await;
        assert!(!form.body.contains("Fatima Zahra"), "nothing kept");
    }
}

#[tokio::test]
async fn another_visitor_sees_nothing_of_a_kept_address() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    with_cart(&app, &mut c, "fr").await;
    let r = c
        .post("/checkout", &address("Casa", "MA", "0522000000"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut other = support::Client::new(&app);
    let form = other.get("/checkout").await;
    assert!(!form.body.contains("Fatima Zahra"));
    for path in ["/checkout/review?pay=cod", "/checkout/delivery"] {
        let r = other.get(path).await;
        assert_eq!(r.location.as_deref(), Some("/cart"), "{path}");
    }
    let r = other.post("/checkout/place", &[("payment", "cod")]).await;
    assert_eq!(r.location.as_deref(), Some("/cart"));
    // Without the page's token, nothing is posted.
    let r = other
        .post_raw("/checkout/review", &[("payment", "cod")])
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
}

async fn api(
    router: &axum::Router,
    uri: &str,
    body: &serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    use tower::ServiceExt;
    let req = axum::http::Request::post(uri)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 4 << 20)
        .await
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

#[tokio::test]
async fn the_api_tells_no_carrier_and_reviews_the_cod_fee() {
    use serde_json::json;
    let app = support::demo_app().await;
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    let (variant, seller) = (
        p.variants[0].variant.id.to_string(),
        p.product.seller_id.to_string(),
    );
    let router = tijara_storefront::router(app);
    let (_, cart) = api(&router, "/api/v1/carts", &json!({})).await;
    let id = cart["cart"]["id"]
        .as_str()
        .or(cart["id"].as_str())
        .unwrap()
        .to_owned();
    let (status, _) = api(
        &router,
        &format!("/api/v1/carts/{id}/items"),
        &json!({"variant_id": variant, "quantity": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // A country no carrier serves (Japan: no postal code rule, free text).
    let paris = json!({"name": "Fatima", "line1": "1 rue", "line2": null, "city": "Tokyo",
        "postal_code": null, "country": "JP", "phone": "+81312345678"});
    let (status, quotes) = api(
        &router,
        &format!("/api/v1/carts/{id}/shipping-quotes"),
        &paris,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{quotes}");
    assert_eq!(quotes[0]["options"], json!([]), "no carrier: no option");
    let (status, err) = api(
        &router,
        &format!("/api/v1/carts/{id}/shipping"),
        &json!({"address": paris, "seller_id": seller, "carrier": "amana", "service": "standard"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["code"], json!("no_carrier"));
    // In Arabic, paid on delivery: the fee is quoted, kept in the review.
    let dakhla = json!({"name": "Fatima", "line1": "1 rue", "line2": null, "city": "الداخلة",
        "postal_code": null, "country": "MA", "phone": "0661000000"});
    let (_, quotes) = api(
        &router,
        &format!("/api/v1/carts/{id}/shipping-quotes?payment=cod"),
        &dakhla,
    )
    .await;
    let amana = quotes[0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["carrier"] == "amana")
        .unwrap()
        .clone();
    assert!(amana["cod_fee"].is_object(), "{amana}");
    assert_eq!(amana["carrier_name"], json!("Amana"));
    let (status, _) = api(
        &router,
        &format!("/api/v1/carts/{id}/shipping"),
        &json!({"address": dakhla, "seller_id": seller, "carrier": "amana", "service": "standard"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, review) = api(
        &router,
        &format!("/api/v1/carts/{id}/review?payment=cod"),
        &dakhla,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{review}");
    assert_eq!(review["sellers"][0]["quote"]["price"], amana["price"]);
    assert_eq!(review["address"]["city"], json!("Dakhla"));
    let (status, err) = api(&router, &format!("/api/v1/carts/{id}/review"), &dakhla).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, err) = api(
        &router,
        &format!("/api/v1/carts/{id}/review?payment=bitcoin"),
        &dakhla,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
}

/// A city typed a letter off a listed one: the form asks "did you mean…?" beside the city,
/// nothing is kept yet; "yes" delivers to the listed city, "keep" (or sending it unchanged)
/// delivers to the town as typed. A listed city or a town the list lacks is not asked about.
#[tokio::test]
async fn a_mistyped_city_is_asked_about_and_either_answer_goes_on() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let seller = with_cart(&app, &mut c, "fr").await;
    let cart_address = |app: &tijara_storefront::App, c: &support::Client| {
        let app = app.clone();
        let id = c.jar.get("cart").cloned();
        async move {
            let id = tijara_core::CartId::new(id.unwrap()).unwrap();
            app.engine.carts().cart(&id).await.unwrap().address
        }
    };
    let r = c
        .post("/checkout", &address("Casablnca", "MA", "0661000000"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("Vouliez-vous dire") && r.body.contains("<strong>Casablanca</strong>"),
        "{}",
        r.body
    );
    assert!(r.body.contains(r#"name="city_pick" value="Casablanca""#));
    assert!(r.body.contains(r#"name="city_seen" value="Casablnca""#));
    assert!(
        !r.body.contains(&format!("name=\"ship_{seller}\"")),
        "not delivered yet"
    );
    assert_eq!(cart_address(&app, &c).await, None, "nothing kept");
    // Yes: the listed city.
    let mut yes = address("Casablnca", "MA", "0661000000");
    yes.push(("city_pick", "Casablanca"));
    let r = c.post("/checkout", &yes).await;
    assert!(
        r.body.contains(&format!("name=\"ship_{seller}\"")),
        "{}",
        r.body
    );
    assert_eq!(cart_address(&app, &c).await.unwrap().city, "Casablanca");
    // Keep: the town as typed, asked once only.
    let mut keep = address("Casablnca", "MA", "0661000000");
    keep.push(("city_seen", "Casablnca"));
    let r = c.post("/checkout", &keep).await;
    assert!(
        r.body.contains(&format!("name=\"ship_{seller}\"")),
        "{}",
        r.body
    );
    assert_eq!(cart_address(&app, &c).await.unwrap().city, "Casablnca");
    // In Arabic, and a town the list lacks goes straight on.
    let mut ar = support::Client::new(&app);
    with_cart(&app, &mut ar, "ar").await;
    let r = ar
        .post("/checkout", &address("الدخلة", "MA", "0661000000"))
        .await;
    assert!(
        r.body.contains("هل تقصد") && r.body.contains("الداخلة"),
        "{}",
        r.body
    );
    let r = ar
        .post("/checkout", &address("Tafraout", "MA", "0661000000"))
        .await;
    assert!(!r.body.contains("هل تقصد"), "{}", r.body);
}
