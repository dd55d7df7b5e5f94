//! Checkout abroad over HTTP: per-field address errors (postal code, state) that say what to
//! do and keep nothing, Amana International quoted, no cash on delivery offered (and refused
//! when posted), the duties (DAP) notice before payment and the export-exempt total, in the
//! shopper's language; each carrier option's delivery estimate is the destination's (France,
//! the United States, a Moroccan city), in the shopper's language, on the delivery and review
//! steps.

#![allow(clippy::unwrap_used)] // test helpers fail the test by unwrapping

use axum::http::StatusCode;

mod support;

const SLUG: &str = "embroidered-srama-cushion";

/// A visitor with the cushion in the cart, reading in `lang`; answers the seller's id and the
/// cushion's price.
async fn with_cart(
    app: &tijara_storefront::App,
    c: &mut support::Client,
    lang: &str,
) -> (String, tijara_core::Money) {
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    let variant = p.variants[0].variant.id.to_string();
    c.get(&format!("/products/{SLUG}?lang={lang}")).await;
    let r = c.post("/cart/add", &[("variant", &variant)]).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    c.get("/checkout").await;
    (p.product.seller_id.to_string(), p.variants[0].variant.price)
}

fn new_york<'a>(state: &'a str, postal: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Jane Doe"),
        ("line1", "350 Fifth Avenue"),
        ("city", "New York"),
        ("postal_code", postal),
        ("state", state),
        ("country", "US"),
        ("phone", "+1 212 555 0123"),
        ("email", "jane@example.com"),
    ]
}

#[tokio::test]
async fn an_english_shopper_in_new_york_sees_the_duties_notice_and_the_export_exempt_total() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let (seller, price) = with_cart(&app, &mut c, "en").await;
    // No state: refused beside the field, with what to write; nothing kept.
    let r = c.post("/checkout", &new_york("", "10118")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("give the state or province in two letters"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(r#"name="state" value="" autocomplete="address-level1" maxlength="64" dir="ltr" aria-invalid="true""#),
        "the state field is marked: {}",
        r.body
    );
    assert!(r.body.contains(r#"id="err-state""#), "{}", r.body);
    // A postal code of another shape: refused beside its field, the example shown.
    let r = c.post("/checkout", &new_york("NY", "SW1A 1AA")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="err-postal_code""#), "{}", r.body);
    assert!(
        r.body.contains("10001"),
        "the country's example: {}",
        r.body
    );
    // The address is right: Amana International is offered, cash on delivery is not.
    let r = c.post("/checkout", &new_york("ny", "10118")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let delivery_step = r.body.clone();
    assert!(r.body.contains("Amana International"), "{}", r.body);
    assert!(!r.body.contains(r#"value="amana/standard""#), "{}", r.body);
    assert!(
        !r.body.contains(r#"name="payment" value="cod""#),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(r#"name="payment" value="cmi" checked"#),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("customs duties and taxes are paid by the recipient (DAP)"),
        "{}",
        r.body
    );
    let ship = format!("ship_{seller}");
    // Cash on delivery posted anyway: refused, with what to do.
    let r = c
        .post(
            "/checkout/review",
            &[
                (ship.as_str(), "amana-international/international"),
                ("payment", "cod"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("pay by card or bank transfer"),
        "{}",
        r.body
    );
    let r = c
        .post(
            "/checkout/review",
            &[
                (ship.as_str(), "amana-international/international"),
                ("payment", "cmi"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/checkout/review?pay=cmi"));
    let review = c.get("/checkout/review?pay=cmi").await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    let b = &review.body;
    assert!(b.contains("Moroccan VAT taken off (export)"), "{b}");
    assert!(b.contains("92-I-1"), "{b}");
    assert!(b.contains("paid by the recipient (DAP)"), "{b}");
    assert!(b.contains("NY") && b.contains("10118"), "{b}");
    // The cushion's TTC price less its TVA (20 %).
    let twenty = tijara_core::Rate::percent(20).unwrap();
    let ht = tijara_core::tax::split_ttc(price, twenty).unwrap().ht;
    assert!(
        b.contains(&ht.format(tijara_core::Lang::EN)),
        "{} in {b}",
        ht.format(tijara_core::Lang::EN)
    );
    // The delivery abroad too (a service of the export): the carrier's price less its TVA;
    // the VAT taken off is the cushion's and the delivery's.
    let cart = tijara_core::CartId::new(c.jar["cart"].clone()).unwrap();
    let kept = app.engine.carts().cart(&cart).await.unwrap();
    let carrier_price = kept.shipping.values().next().unwrap().price;
    let ship_ht = tijara_core::tax::split_ttc(carrier_price, twenty)
        .unwrap()
        .ht;
    let relief = price
        .checked_sub(ht)
        .unwrap()
        .checked_add(carrier_price.checked_sub(ship_ht).unwrap())
        .unwrap();
    let total = ht.checked_add(ship_ht).unwrap();
    for (what, m) in [("delivery", ship_ht), ("relief", relief), ("total", total)] {
        assert!(
            b.contains(&m.format(tijara_core::Lang::EN)),
            "{what} {} in {b}",
            m.format(tijara_core::Lang::EN)
        );
    }
    // The delivery step already showed that price, said to be without Moroccan VAT.
    assert!(
        delivery_step.contains(&ship_ht.format(tijara_core::Lang::EN)),
        "{delivery_step}"
    );
    assert!(
        !delivery_step.contains(&carrier_price.format(tijara_core::Lang::EN)),
        "{delivery_step}"
    );
    assert!(
        delivery_step.contains("(without Moroccan VAT: export)"),
        "{delivery_step}"
    );
    // The review repeats the estimate to the destination.
    assert!(
        b.contains(
            "Estimated delivery (<bdi>United States</bdi>): <bdi>10</bdi> to <bdi>18</bdi> days"
        ),
        "{b}"
    );
}

#[tokio::test]
async fn a_french_address_needs_its_postal_code_said_in_french() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    with_cart(&app, &mut c, "fr").await;
    let paris = |postal: &'static str| {
        vec![
            ("name", "Claire Martin"),
            ("line1", "12 rue de Rivoli"),
            ("city", "Paris"),
            ("postal_code", postal),
            ("state", ""),
            ("country", "FR"),
            ("phone", "06 12 34 56 78"),
            ("email", "claire@example.fr"),
        ]
    };
    let r = c.post("/checkout", &paris("")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Ce pays utilise des codes postaux"),
        "{}",
        r.body
    );
    let form = c.get("/checkout").await;
    assert!(!form.body.contains("Claire Martin"), "nothing kept");
    let r = c.post("/checkout", &paris("75004")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Amana International"), "{}", r.body);
    assert!(
        r.body.contains("à la charge du destinataire (DAP)"),
        "{}",
        r.body
    );
}

/// The delivery step for the cushion (its seller in Dakhla) sent to `address`, in `lang`.
async fn delivery_step(lang: &str, address: &[(&str, &str)]) -> String {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    with_cart(&app, &mut c, lang).await;
    let r = c.post("/checkout", address).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

#[tokio::test]
async fn each_option_shows_its_estimate_to_the_destination_in_the_shoppers_language() {
    // Paris: Amana International's Europe zone, 6 to 12 days, plus 2 leaving Dakhla.
    let paris = delivery_step(
        "fr",
        &[
            ("name", "Claire Martin"),
            ("line1", "12 rue de Rivoli"),
            ("city", "Paris"),
            ("postal_code", "75004"),
            ("country", "FR"),
            ("phone", "+33 6 12 34 56 78"),
            ("email", "claire@example.fr"),
        ],
    )
    .await;
    assert!(paris.contains("<bdi>Paris</bdi>, France"), "{paris}");
    assert!(paris.contains("(sans TVA marocaine : export)"), "{paris}");
    assert!(
        paris
            .contains("Délai estimé (<bdi>France</bdi>)\u{a0}: <bdi>8</bdi> à <bdi>14</bdi> jours"),
        "{paris}"
    );
    // New York: the North America zone, 8 to 16 days, plus 2.
    let ny = delivery_step("en", &new_york("NY", "10118")).await;
    assert!(
        ny.contains(
            "Estimated delivery (<bdi>United States</bdi>): <bdi>10</bdi> to <bdi>18</bdi> days"
        ),
        "{ny}"
    );
    assert!(
        !ny.contains("<bdi>8</bdi> to <bdi>14</bdi>"),
        "not Europe's: {ny}"
    );
    // Casablanca, in Arabic: each domestic carrier with its own estimate to the city (Amana
    // 4 to 7 days plus 2 leaving Dakhla; CTM 3 to 5 plus 1), none of the international ones.
    let casa = delivery_step(
        "ar",
        &[
            ("name", "سلمى بناني"),
            ("line1", "12 زنقة ابن بطوطة"),
            ("city", "Casablanca"),
            ("country", "MA"),
            ("phone", "0661000042"),
            ("email", "salma@example.ma"),
        ],
    )
    .await;
    assert!(!casa.contains("Amana International"), "{casa}");
    assert!(!casa.contains("تصدير"), "no export price at home: {casa}");
    let estimates: Vec<&str> = casa
        .split(r#"<small class="estimate">"#)
        .skip(1)
        .map(|s| s.split("</small>").next().unwrap())
        .collect();
    assert_eq!(estimates.len(), 2, "Amana and CTM: {casa}");
    for e in &estimates {
        assert!(
            e.starts_with("مدة التوصيل المتوقعة (<bdi>الدار البيضاء</bdi>): من "),
            "{e}"
        );
        assert!(e.ends_with(" أيام"), "{e}");
    }
    assert!(
        estimates
            .iter()
            .any(|e| e.contains("<bdi>6</bdi> إلى <bdi>9</bdi>")),
        "{estimates:?}"
    );
}
