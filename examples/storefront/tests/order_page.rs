//! The order page over HTTP: its number, honest payment outcomes (a declined card says so and
//! offers to try again or pay another way; thanks only once paid or committed), bank-transfer
//! instructions, invoices per seller, and who may act on an order.

#![allow(clippy::unwrap_used)] // test helpers fail the test by unwrapping

use axum::http::StatusCode;
use tijara_core::OrderId;

mod support;

const SLUG: &str = "embroidered-srama-cushion";

/// Fills a cart with the cushion and places it with `payment`; returns the answer.
async fn place(
    app: &tijara_storefront::App,
    c: &mut support::Client,
    payment: &str,
) -> support::Answer {
    place_with(app, c, payment, "amana/standard").await
}

async fn place_with(
    app: &tijara_storefront::App,
    c: &mut support::Client,
    payment: &str,
    shipping: &str,
) -> support::Answer {
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
        (ship.as_str(), shipping),
        ("payment", payment),
    ];
    c.post("/checkout/place", &fields).await
}

/// The hidden fields of the card form on a page (the form posted to CMI).
fn card_fields(page: &str) -> Vec<(String, String)> {
    let form = &page[page.find("id=\"pay\"").expect("a card form")..];
    let form = &form[..form.find("</form>").unwrap()];
    form.split("<input type=\"hidden\" name=\"")
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
        .collect()
}

/// The order and its token, from the paying browser's cookie.
fn order_of(c: &support::Client) -> (OrderId, String) {
    let (o, t) = c.jar["cmi_order"].split_once('.').unwrap();
    (OrderId::new(o.to_owned()).unwrap(), t.to_owned())
}

/// CMI's callback for the card form `fields`, approved or declined.
async fn callback(app: &tijara_storefront::App, fields: &[(String, String)], approved: bool) {
    let sim = app.simulator.as_ref().unwrap();
    let signed = sim.callback_fields(fields, approved);
    let mut cmi = support::Client::new(app);
    let f: Vec<(&str, &str)> = signed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = cmi.post_raw("/cmi/callback", &f).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_declined_card_says_so_and_a_retry_pays_once() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let r = place(&app, &mut c, "cmi").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let first = card_fields(&r.body);
    let (order, token) = order_of(&c);
    callback(&app, &first, false).await;
    let page = c.get(&format!("/orders/{order}?t={token}&lang=en")).await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = app.engine.orders().order(&order).await.unwrap();
    let number = doc.order.number.clone().unwrap();
    assert!(
        page.body
            .contains(&format!("<bdi dir=\"ltr\">{number}</bdi>")),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!("<h1>Order {order}")));
    assert!(page.body.contains("Payment declined"), "{}", page.body);
    assert!(page.body.contains("Nothing was charged"));
    assert!(page.body.contains("Try the card again"));
    assert!(page.body.contains("Pay by bank transfer instead"));
    // The demo's Amana card charges a fee to collect cash: cash on delivery is offered with
    // its new total.
    assert!(
        page.body
            .contains("Pay cash on delivery instead — new total"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Thank you"), "no thanks before paying");
    assert!(
        page.body.contains("Coussin")
            || page.body.contains("cushion")
            || page.body.contains("Cushion")
    );
    // Try the card again: a new attempt and its form to CMI.
    let r = c
        .post(&format!("/orders/{order}/pay"), &[("t", &token)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = card_fields(&r.body);
    let oid = |f: &[(String, String)]| f.iter().find(|(k, _)| k == "oid").unwrap().1.clone();
    assert_eq!(oid(&second), format!("{order}-2"));
    callback(&app, &second, true).await;
    let page = c.get(&format!("/orders/{order}?t={token}&lang=en")).await;
    assert!(page.body.contains("Paid — being prepared"), "{}", page.body);
    assert!(page.body.contains("Thank you"));
    assert!(!page.body.contains("Try the card again"));
    // Going back: paying again is refused, a replayed approval changes nothing.
    let r = c
        .post(&format!("/orders/{order}/pay"), &[("t", &token)])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("already paid"), "{}", r.body);
    assert!(
        r.body.contains(&format!("/orders/{order}?t={token}")),
        "a way back"
    );
    callback(&app, &second, true).await;
    let doc = app.engine.orders().order(&order).await.unwrap();
    assert_eq!(doc.order.payment.captured(), doc.order.grand_total);
    // The invoice of its seller, named by the order's number.
    let so = &doc.order.seller_orders[0].id;
    assert!(
        page.body
            .contains(&format!("/orders/{order}/invoice/{so}?t={token}"))
    );
    let inv = c
        .get(&format!("/orders/{order}/invoice/{so}?t={token}"))
        .await;
    assert_eq!(inv.status, StatusCode::OK, "{}", inv.body);
    assert!(inv.body.contains(number.as_str()), "{}", inv.body);
}

#[tokio::test]
async fn after_a_decline_the_shopper_pays_by_transfer_instead_and_cod_first_shows_its_new_total() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let r = place(&app, &mut c, "cmi").await;
    let first = card_fields(&r.body);
    let (order, token) = order_of(&c);
    callback(&app, &first, false).await;
    c.get(&format!("/orders/{order}?t={token}&lang=fr")).await;
    // Cash on delivery with a carrier that charges to collect cash: the new total is shown
    // and asked for; nothing changes until the shopper confirms.
    let before = app.engine.orders().order(&order).await.unwrap();
    let r = c
        .post(
            &format!("/orders/{order}/switch"),
            &[("t", &token), ("gateway", "cod")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Payer à la livraison ?"), "{}", r.body);
    assert!(r.body.contains("name=\"accept\""), "{}", r.body);
    assert!(
        r.body.contains(&format!("/orders/{order}?t={token}")),
        "a way back"
    );
    assert_eq!(app.engine.orders().order(&order).await.unwrap(), before);
    let r = c
        .post(
            &format!("/orders/{order}/switch"),
            &[("t", &token), ("gateway", "transfer")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = c.get(&format!("{}&lang=fr", r.location.unwrap())).await;
    assert!(
        page.body.contains("En attente de votre virement"),
        "{}",
        page.body
    );
    assert!(page.body.contains("transfer-box"));
    assert!(!page.body.contains("Réessayer la carte"));
    // The same choice again just shows the order.
    let r = c
        .post(
            &format!("/orders/{order}/switch"),
            &[("t", &token), ("gateway", "transfer")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn after_a_decline_cash_on_delivery_confirms_the_order_when_the_carrier_collects_for_free() {
    let card = tijara_carrier_table::CTM_SAMPLE
        .replace("percent = \"2.0\"", "percent = \"0\"")
        .replace("minimum = \"15.00\"", "minimum = \"0.00\"");
    let ctm = tijara_carrier_table::TableCarrier::from_toml(&card).unwrap();
    let app = support::demo_app_with(None, vec![ctm]).await;
    let mut c = support::Client::new(&app);
    let r = place_with(&app, &mut c, "cmi", "ctm/express").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let first = card_fields(&r.body);
    let (order, token) = order_of(&c);
    callback(&app, &first, false).await;
    let page = c.get(&format!("/orders/{order}?t={token}&lang=en")).await;
    let check = app
        .engine
        .checkout()
        .check_switch_payment(&order, "cod")
        .await;
    assert!(check.is_ok(), "{check:?}");
    assert!(
        page.body.contains("Pay cash on delivery instead"),
        "{}",
        page.body
    );
    assert!(page.body.contains("CTM Messagerie"), "the carrier's name");
    let r = c
        .post(
            &format!("/orders/{order}/switch"),
            &[("t", &token), ("gateway", "cod")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = c.get(&format!("/orders/{order}?t={token}&lang=en")).await;
    assert!(page.body.contains("you pay on delivery"), "{}", page.body);
    assert!(page.body.contains("Thank you"));
    assert!(!page.body.contains("Try the card again"));
    // No more switching, and no card payment either.
    let r = c
        .post(
            &format!("/orders/{order}/switch"),
            &[("t", &token), ("gateway", "transfer")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = c
        .post(&format!("/orders/{order}/pay"), &[("t", &token)])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("no longer awaits a payment"), "{}", r.body);
}

#[tokio::test]
async fn a_transfer_order_shows_the_account_amount_reference_and_deadline() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let r = place(&app, &mut c, "transfer").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let link = r.location.unwrap();
    let page = c.get(&format!("{link}&lang=fr")).await;
    assert_eq!(page.status, StatusCode::OK);
    let order = OrderId::new(link[8..link.find('?').unwrap()].to_owned()).unwrap();
    let doc = app.engine.orders().order(&order).await.unwrap();
    let number = doc.order.number.unwrap();
    let b = &page.body;
    assert!(b.contains("En attente de votre virement"), "{b}");
    let ar = c.get(&format!("{link}&lang=ar")).await;
    support::assert_names_in_arabic(&app, SLUG, &ar.body).await;
    assert!(b.contains("transfer-box"));
    assert!(
        b.contains("Compte de démonstration"),
        "the demo account says so"
    );
    assert!(
        b.contains("0117 8000 0012 3456 7890 1296"),
        "the RIB, grouped"
    );
    assert!(b.contains("MA64 0117 8000 0012 3456 7890 1296"), "the IBAN");
    assert!(b.contains("DEMOMAMCXXX"));
    assert!(
        b.contains(&format!("<strong><bdi dir=\"ltr\">{number}</bdi></strong>")),
        "the reference"
    );
    assert!(b.contains(&doc.order.grand_total.format(tijara_core::Lang::FR)));
    let deadline = (doc.order.placed_at + app.engine.region().transfer_hold())
        .with_timezone(
            &tijara_core::chrono::FixedOffset::east_opt(
                app.engine.region().utc_offset_minutes * 60,
            )
            .unwrap(),
        )
        .format("%d/%m/%Y %H:%M")
        .to_string();
    assert!(b.contains(&deadline), "the deadline {deadline}");
    assert!(b.contains("Merci"), "a placed transfer is a commitment");
    // No invoice before the money is in.
    let so = &doc.order.seller_orders[0].id;
    let t = &link[link.find("?t=").unwrap() + 3..];
    let r = c.get(&format!("/orders/{order}/invoice/{so}?t={t}")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn strangers_cannot_see_or_act_on_an_order_and_nothing_changes() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let r = place(&app, &mut c, "cmi").await;
    let first = card_fields(&r.body);
    let (order, token) = order_of(&c);
    callback(&app, &first, false).await;
    let before = app.engine.orders().order(&order).await.unwrap();
    let so = before.order.seller_orders[0].id.clone();
    let wrong = "0".repeat(64);
    // Anonymous, without the token or with a wrong one.
    let mut anon = support::Client::new(&app);
    anon.get("/account/login").await;
    for t in [None, Some(wrong.as_str())] {
        let mut f: Vec<(&str, &str)> = vec![];
        if let Some(t) = t {
            f.push(("t", t));
        }
        let r = anon.post(&format!("/orders/{order}/pay"), &f).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let mut g = f.clone();
        g.push(("gateway", "cod"));
        let r = anon.post(&format!("/orders/{order}/switch"), &g).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let q = t.map(|t| format!("?t={t}")).unwrap_or_default();
        let r = anon.get(&format!("/orders/{order}/invoice/{so}{q}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = anon.get(&format!("/orders/{order}{q}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    // Another customer, logged in.
    let mut other = support::Client::new(&app);
    other
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    other.get("/account").await;
    let r = other.post(&format!("/orders/{order}/pay"), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = other
        .post(&format!("/orders/{order}/switch"), &[("gateway", "cod")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = other.get(&format!("/orders/{order}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Without the CSRF token: refused too.
    let r = anon
        .post_raw(
            &format!("/orders/{order}/switch"),
            &[("t", &token), ("gateway", "cod")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(app.engine.orders().order(&order).await.unwrap(), before);
}

#[tokio::test]
async fn bad_input_is_refused_clearly_and_changes_nothing() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let r = place(&app, &mut c, "cmi").await;
    let first = card_fields(&r.body);
    let (order, token) = order_of(&c);
    callback(&app, &first, false).await;
    let before = app.engine.orders().order(&order).await.unwrap();
    c.get(&format!("/orders/{order}?t={token}&lang=en")).await;
    // An unknown way to pay, or none.
    for gateway in ["paypal", ""] {
        let r = c
            .post(
                &format!("/orders/{order}/switch"),
                &[("t", &token), ("gateway", gateway)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{gateway}");
        assert!(
            r.body.contains("Choose one of the ways to pay"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains(&format!("/orders/{order}?t={token}")),
            "a way back"
        );
    }
    // Unknown orders and parts.
    let r = c.post("/orders/ord_nope/pay", &[("t", &token)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.post("/orders/%20/switch", &[("gateway", "cod")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c
        .get(&format!("/orders/{order}/invoice/nope?t={token}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The invoice of an unpaid order: not yet, and why.
    let so = &before.order.seller_orders[0].id;
    let r = c
        .get(&format!("/orders/{order}/invoice/{so}?t={token}&lang=en"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("once the order is paid"), "{}", r.body);
    assert_eq!(app.engine.orders().order(&order).await.unwrap(), before);
}

#[tokio::test]
async fn a_logged_in_owner_acts_without_the_link_and_sees_numbers_in_the_account() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    c.login("shopper@tijara.example", "shopper-demo-2026").await;
    let r = place(&app, &mut c, "cmi").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let first = card_fields(&r.body);
    let (order, _) = order_of(&c);
    callback(&app, &first, false).await;
    let page = c.get(&format!("/orders/{order}?lang=en")).await;
    assert!(page.body.contains("Try the card again"), "{}", page.body);
    assert!(
        !page.body.contains("name=\"t\""),
        "no token in the owner's forms"
    );
    let r = c.post(&format!("/orders/{order}/pay"), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let number = app
        .engine
        .orders()
        .order(&order)
        .await
        .unwrap()
        .order
        .number
        .unwrap();
    let account = c.get("/account").await;
    assert!(account.body.contains(number.as_str()), "{}", account.body);
}

#[test]
fn the_bank_account_settings_are_checked() {
    use tijara_pay_offline::BankDetailsError as E;
    let bank = tijara_storefront::bank_from_settings;
    assert_eq!(bank(None, None, None, None, None), Ok(None));
    let ok = bank(
        Some("Dakhla Market SARL"),
        Some("Banque Exemple"),
        Some("011 519 0000012050005349 21"),
        Some("MA64 0115 1900 0001 2050 0053 4921"),
        Some("BCMAMAMC"),
    )
    .unwrap()
    .unwrap();
    assert_eq!(ok.rib(), "011519000001205000534921");
    assert_eq!(
        bank(
            Some("A"),
            Some("B"),
            Some("011519000001205000534922"),
            None,
            None
        ),
        Err(E::RibKey { expected: 21 })
    );
    assert_eq!(
        bank(
            Some("A"),
            None,
            Some("011519000001205000534921"),
            None,
            None
        ),
        Err(E::NoBank)
    );
    assert_eq!(
        bank(
            Some("A"),
            Some("B"),
            Some("011519000001205000534921"),
            Some("MA65011519000001205000534921"),
            None
        ),
        Err(E::IbanChecksum)
    );
}

#[test]
fn the_binary_with_cmi_credentials_refuses_to_start_without_a_bank_account() {
    let dir = std::env::temp_dir().join(format!("tijara-bank-{}", std::process::id()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tijara-storefront"))
        .args(["--bind", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .args([
            "--cmi-client-id",
            "600000002",
            "--cmi-store-key",
            "test-key",
        ])
        .env_remove("TIJARA_BANK_BENEFICIARY")
        .env_remove("TIJARA_BANK_NAME")
        .env_remove("TIJARA_BANK_RIB")
        .env_remove("TIJARA_BANK_IBAN")
        .env_remove("TIJARA_BANK_SWIFT")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--bank-rib"), "{err}");
    // A wrong RIB key is named too.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tijara-storefront"))
        .args(["--bind", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .args(["--bank-beneficiary", "A", "--bank-name", "B"])
        .args(["--bank-rib", "011519000001205000534922"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("key"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The step before CMI's page says the order is saved, with its number, what CMI's page is,
/// and how to pay later; the step's address opened again (a reload after going back) leads to
/// where the order is found, not to a bare "method not allowed".
#[tokio::test]
async fn the_card_step_says_the_order_is_saved_and_its_address_opened_again_leads_to_it() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    c.get("/?lang=en").await;
    let r = place(&app, &mut c, "cmi").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (order, token) = order_of(&c);
    let doc = app.engine.orders().order(&order).await.unwrap();
    let number = doc.order.number.clone().unwrap();
    assert!(r.body.contains(&number.to_string()), "{}", r.body);
    assert!(r.body.contains("Your order is saved"), "{}", r.body);
    assert!(r.body.contains("3-D Secure"), "{}", r.body);
    assert!(
        r.body
            .contains(&format!("href=\"/orders/{order}?t={token}\"")),
        "pay later: {}",
        r.body
    );
    assert!(!card_fields(&r.body).is_empty());
    // The cart became the order: the card step's header shows it empty (it was read before
    // the order was placed, and showed the piece still in the cart).
    assert!(!r.body.contains(r#"<span class="count">"#), "{}", r.body);
    // The address opened again: the guest is led to "track my order", a logged-in shopper to
    // their account's orders.
    let again = c.get("/checkout/place").await;
    assert!(again.status.is_redirection(), "{}", again.status);
    assert_eq!(again.location.as_deref(), Some("/track?lang=en"));
    let mut shopper = support::Client::new(&app);
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    let again = shopper.get("/checkout/place?lang=fr").await;
    assert_eq!(again.location.as_deref(), Some("/account?lang=fr"));
}

/// A buyer in Morocco paying in dirhams is shown no euro nor dollar total on the order page,
/// unless she chose that currency to see prices in (then that one only); a parcel going
/// abroad shows each indicative total.
#[tokio::test]
async fn the_order_page_shows_foreign_totals_only_abroad_or_in_the_currency_chosen() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let r = place(&app, &mut c, "cod").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let link = r.location.unwrap();
    let page = c.get(&format!("{link}&lang=fr")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("≈"), "{}", page.body);
    // Prices in euros chosen: the euro total, not the dollar one.
    let page = c.get(&format!("{link}&lang=fr&cur=EUR")).await;
    assert_eq!(page.body.matches("≈").count(), 1, "{}", page.body);
    assert!(page.body.contains("€"), "{}", page.body);

    // A parcel to New York: every indicative total.
    let mut abroad = support::Client::new(&app);
    let p = app.engine.catalog().product_by_slug(SLUG).await.unwrap();
    let variant = p.variants[0].variant.id.to_string();
    let ship = format!("ship_{}", p.product.seller_id);
    abroad.get(&format!("/products/{SLUG}?lang=en")).await;
    abroad.post("/cart/add", &[("variant", &variant)]).await;
    abroad.get("/checkout").await;
    let r = abroad
        .post(
            "/checkout/place",
            &[
                ("name", "Jane Doe"),
                ("line1", "350 Fifth Avenue"),
                ("city", "New York"),
                ("postal_code", "10118"),
                ("state", "NY"),
                ("country", "US"),
                ("phone", "+1 212 555 0123"),
                ("email", "jane@example.com"),
                (ship.as_str(), "amana-international/international"),
                ("payment", "transfer"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = abroad
        .get(&format!("{}&lang=en", r.location.unwrap()))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.matches("≈").count() >= 2, "{}", page.body);
}
