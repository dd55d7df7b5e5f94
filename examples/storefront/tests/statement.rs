//! The statement over HTTP: a member artisan sees her lines and share, never the
//! cooperative's totals (page, CSV, API); another seller sees nothing of it; anonymous visitors
//! are sent to log in; bad months are refused; the admin's bank batch is the admins' only.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

#[path = "support/browser.rs"]
mod browser;
mod support;

use axum::http::{Method, StatusCode};
use support::{Client, call, demo_app, token};
use tijara::usecases::catalog::ProductFilter;
use tijara_core::statement::Scope;
use tijara_core::{Lang, SellerId};
use tijara_storefront::App;

const ARTISAN_PW: &str = "artisan-demo-2026";

async fn products_of(app: &App, seller: &SellerId) -> Vec<tijara_core::catalog::Product> {
    let filter = ProductFilter::default().with_seller(seller.clone());
    let mut items: Vec<_> = app
        .engine
        .catalog()
        .list_products(&filter, None, 50)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|v| v.product)
        .collect();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    items
}

/// Buys `slugs` cash on delivery as a guest (Amana from each seller); returns the order id.
async fn buy_cod(c: &mut Client, app: &App, slugs: &[&str]) -> String {
    let mut sellers = Vec::new();
    for slug in slugs {
        let p = app.engine.catalog().product_by_slug(slug).await.unwrap();
        sellers.push(p.product.seller_id.to_string());
        c.get(&format!("/products/{slug}")).await;
        let variant = p.variants[0].variant.id.to_string();
        let r = c
            .post("/cart/add", &[("variant", &variant), ("quantity", "1")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    sellers.dedup();
    c.get("/checkout").await;
    let address = [
        ("name", "Mariem Ahmed"),
        ("line1", "Avenue Mohammed V"),
        ("city", "Dakhla"),
        ("country", "MA"),
        ("phone", "+212661000001"),
        ("email", "mariem@example.ma"),
    ];
    let r = c.post("/checkout", &address).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let keys: Vec<String> = sellers.iter().map(|s| format!("ship_{s}")).collect();
    let mut fields = address.to_vec();
    for k in &keys {
        fields.push((k, "amana/standard"));
    }
    fields.push(("payment", "cod"));
    let r = c.post("/checkout/place", &fields).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    r.location
        .unwrap()
        .trim_start_matches("/orders/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_member_sees_her_share_never_the_cooperatives_and_others_see_nothing() {
    let app = demo_app().await;
    let sellers = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items;
    let coop = sellers[0].id.clone();
    let products = products_of(&app, &coop).await;
    let member = sellers[0].members[0].id.clone();
    let mine = products
        .iter()
        .find(|p| p.made_by.as_ref() == Some(&member))
        .expect("a product the member made")
        .clone();
    let theirs = products
        .iter()
        .find(|p| p.made_by.as_ref() != Some(&member))
        .expect("another product")
        .clone();
    let mut shopper = Client::new(&app);
    let id = buy_cod(&mut shopper, &app, &[&mine.slug, &theirs.slug]).await;
    let doc = app
        .engine
        .orders()
        .order(&tijara_core::OrderId::new(id.clone()).unwrap())
        .await
        .unwrap();
    let part = doc
        .order
        .seller_orders
        .iter()
        .find(|s| s.seller_id == coop)
        .unwrap()
        .id
        .to_string();
    // The cooperative ships; the parcel is delivered and the cash collected.
    let mut seller = Client::new(&app);
    seller.login("seller1@tijara.example", ARTISAN_PW).await;
    seller.get("/seller").await;
    let r = seller
        .post(&format!("/seller/orders/{id}/{part}/ship"), &[])
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    seller.get("/seller").await;
    let r = seller
        .post(
            &format!("/seller/orders/{id}/{part}/tracking"),
            &[("number", "AM123456789MA"), ("status", "delivered")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);

    let month = app
        .engine
        .region()
        .local_date(app.engine.now())
        .format("%Y-%m")
        .to_string();
    let (from, until) = app.engine.region().month(&month).unwrap();
    let all = app
        .engine
        .payouts()
        .statement(&coop, Scope::Seller, from, until)
        .await
        .unwrap();
    let hers = app
        .engine
        .payouts()
        .statement(&coop, Scope::Member(member.clone()), from, until)
        .await
        .unwrap();
    assert!(hers.totals.share.is_positive(), "{hers:?}");
    assert!(hers.totals.share != all.totals.share);
    let my_sku = mine.variants[0].sku.as_str().to_owned();
    let their_sku = theirs.variants[0].sku.as_str().to_owned();

    // The cooperative sees both lines and its totals, and the cash not yet remitted.
    let page = seller
        .get(&format!("/seller/statement?month={month}&lang=fr"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&my_sku) && page.body.contains(&their_sku));
    // The menu marks where she is; the month is shown by a worded button.
    assert!(
        page.body
            .contains(r#"href="/seller/statement" aria-current="page""#),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches(r#"aria-current="page""#).count(), 1);
    assert!(page.body.contains("Afficher ce mois"));
    // Each line names its product in the page's language, its SKU beneath.
    for p in [&mine, &theirs] {
        let name = p.title.get(Lang::FR, Lang::AR).unwrap();
        assert!(
            page.body
                .contains(&format!(r#"<bdi class="name">{name}</bdi>"#)),
            "{name} in {}",
            page.body
        );
    }
    assert!(page.body.contains(&all.totals.share.format(Lang::FR)));
    assert!(page.body.contains("<svg") && page.body.contains("<title"));
    assert!(page.body.contains("pas encore remis par le transporteur"));

    // The member: her line and her share only.
    let mut m = Client::new(&app);
    m.login("member1@tijara.example", ARTISAN_PW).await;
    let page = m
        .get(&format!("/seller/statement?month={month}&lang=fr"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&my_sku), "{}", page.body);
    assert!(!page.body.contains(&their_sku), "another's line");
    assert!(page.body.contains(&hers.totals.share.format(Lang::FR)));
    assert!(
        !page.body.contains(&all.totals.share.format(Lang::FR)),
        "the cooperative's total leaks"
    );
    assert!(
        !page.body.contains("name=\"rib\""),
        "no bank form for a member"
    );
    let csv = m.get(&format!("/seller/statement.csv?month={month}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("date,order,sku,"), "{}", csv.body);
    assert!(csv.body.contains(&my_sku) && !csv.body.contains(&their_sku));
    assert!(
        csv.body
            .contains(&format!(",{},", hers.totals.share.amount()))
    );
    let coop_csv = seller
        .get(&format!("/seller/statement.csv?from={month}&to={month}"))
        .await;
    assert!(coop_csv.body.contains(&their_sku));

    // The API gives the same figures; a member's has no cooperative totals nor payouts.
    let router = tijara_storefront::router(app.clone());
    let t = token(&router, "member1@tijara.example", ARTISAN_PW).await;
    let (status, v) = call(
        &router,
        Method::GET,
        &format!("/api/v1/seller/statement?month={month}"),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        v["statement"]["totals"]["share"],
        serde_json::to_value(hers.totals.share).unwrap()
    );
    assert!(v["statement"].get("members").is_none());
    assert!(v["statement"].get("unattributed").is_none());
    assert!(v.get("payouts").is_none());
    let t = token(&router, "seller1@tijara.example", ARTISAN_PW).await;
    let (_, v) = call(
        &router,
        Method::GET,
        &format!("/api/v1/seller/statement?month={month}"),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(
        v["statement"]["totals"]["share"],
        serde_json::to_value(all.totals.share).unwrap()
    );
    let (status, _) = call(
        &router,
        Method::GET,
        "/api/v1/seller/statement?month=2026-13",
        Some(&t),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(&router, Method::GET, "/api/v1/seller/statement", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Another seller sees none of it.
    let mut other = Client::new(&app);
    other.login("seller3@tijara.example", ARTISAN_PW).await;
    for uri in [
        format!("/seller/statement?month={month}"),
        format!("/seller/statement.csv?month={month}"),
    ] {
        let r = other.get(&uri).await;
        assert!(
            !r.body.contains(&my_sku) && !r.body.contains(&their_sku),
            "{uri}"
        );
    }
    // Anonymous visitors and shoppers are sent to log in.
    let mut anon = Client::new(&app);
    for uri in ["/seller/statement", "/seller/statement.csv"] {
        let r = anon.get(uri).await;
        assert_eq!(r.location.as_deref(), Some("/account/login"), "{uri}");
    }
    // Bad months: a clear 400.
    let mut m = Client::new(&app);
    m.login("member1@tijara.example", ARTISAN_PW).await;
    for uri in [
        "/seller/statement.csv?month=2026-13",
        "/seller/statement.csv?from=2026-11",
        "/seller/statement.csv?from=2026-12&to=2026-01",
        "/seller/statement?month=novembre",
    ] {
        let r = m.get(uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
    }
}

#[tokio::test]
async fn the_bank_batch_is_the_admins_and_a_payout_needs_a_rib() {
    let app = demo_app().await;
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    let r = admin.get("/admin/payouts.csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .starts_with("seller_id,seller_name,owed,paid,to_pay,reference,rib,note"),
        "{}",
        r.body
    );
    assert_eq!(
        admin.get("/admin/payouts.csv?month=13").await.status,
        StatusCode::BAD_REQUEST
    );
    let mut seller = Client::new(&app);
    seller.login("seller1@tijara.example", ARTISAN_PW).await;
    assert_ne!(
        seller.get("/admin/payouts.csv").await.status,
        StatusCode::OK
    );
    let mut anon = Client::new(&app);
    assert_ne!(anon.get("/admin/payouts.csv").await.status, StatusCode::OK);
    // A seller without a RIB: refused, and told what to do; nothing recorded.
    let sellers = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items;
    let bare = sellers
        .iter()
        .find(|s| s.legal.rib.is_none())
        .expect("a seller without RIB");
    admin.get("/admin/payouts").await;
    let r = admin
        .post(
            &format!("/admin/payouts/{}?lang=fr", bare.id),
            &[("amount", "10.00"), ("reference", "VIR-X")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Demandez au vendeur"), "{}", r.body);
    assert!(
        app.engine
            .payouts()
            .all_payouts(&bare.id)
            .await
            .unwrap()
            .is_empty()
    );
    let r = admin
        .post(
            &format!("/admin/payouts/{}", bare.id),
            &[("amount", "dix"), ("reference", "VIR-X")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Delivers a cash-on-delivery order of the cooperative (one line its first member made, one
/// not) through the shop's own routes.
async fn a_delivered_coop_order(app: &App) {
    let sellers = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items;
    let coop = sellers[0].id.clone();
    let member = sellers[0].members[0].id.clone();
    let products = products_of(app, &coop).await;
    let mine = products
        .iter()
        .find(|p| p.made_by.as_ref() == Some(&member))
        .unwrap();
    let theirs = products
        .iter()
        .find(|p| p.made_by.as_ref() != Some(&member))
        .unwrap();
    let mut shopper = Client::new(app);
    let id = buy_cod(&mut shopper, app, &[&mine.slug, &theirs.slug]).await;
    let doc = app
        .engine
        .orders()
        .order(&tijara_core::OrderId::new(id.clone()).unwrap())
        .await
        .unwrap();
    let part = doc.order.seller_orders[0].id.to_string();
    let mut seller = Client::new(app);
    seller.login("seller1@tijara.example", ARTISAN_PW).await;
    seller.get("/seller").await;
    seller
        .post(&format!("/seller/orders/{id}/{part}/ship"), &[])
        .await;
    seller.get("/seller").await;
    seller
        .post(
            &format!("/seller/orders/{id}/{part}/tracking"),
            &[("number", "AM123456789MA"), ("status", "delivered")],
        )
        .await;
}

/// The statement page at phone width, in Arabic and French, for the member and the
/// cooperative: screenshots in `target/screenshots/statement-<lang>/`; nothing wider than the
/// screen.
#[tokio::test]
async fn the_statement_reads_on_a_phone_in_arabic_and_french() {
    for lang in ["ar", "fr"] {
        let Some(shop) = browser::Shop::start(&format!("statement-{lang}"), lang).await else {
            return;
        };
        a_delivered_coop_order(&shop.app).await;
        for (who, login) in [
            ("member", "member1@tijara.example"),
            ("coop", "seller1@tijara.example"),
        ] {
            shop.c.delete_all_cookies().await.unwrap();
            shop.go("/account/login").await;
            shop.fill("input[name='email']", login).await;
            shop.fill("input[name='password']", ARTISAN_PW).await;
            shop.click("form[action='/account/login'] button").await;
            shop.wait_path("/seller").await;
            shop.go(&format!("/seller/statement?lang={lang}")).await;
            shop.find("svg.chart").await;
            shop.shot(&format!("statement-{who}-{lang}")).await;
            let wide: u64 = shop
                .c
                .execute("return document.documentElement.scrollWidth", vec![])
                .await
                .unwrap()
                .as_u64()
                .unwrap();
            assert!(wide <= 390, "{who} {lang}: the page is {wide} px wide");
        }
    }
}

/// The `x` of each month label of the statement's chart, in the page's order of the months
/// (oldest first, as the table lists them).
fn month_xs(body: &str) -> Vec<(String, f64)> {
    body.split(r#"<text class="month" x=""#)
        .skip(1)
        .map(|rest| {
            let (x, after) = rest.split_once('"').unwrap();
            let label = after.split_once('>').unwrap().1.split_once('<').unwrap().0;
            (label.to_owned(), x.parse().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn the_chart_runs_right_to_left_in_arabic_and_left_to_right_in_french() {
    let app = demo_app().await;
    let mut seller = Client::new(&app);
    seller.login("seller1@tijara.example", ARTISAN_PW).await;
    let ar = seller.get("/seller/statement?lang=ar").await;
    let fr = seller.get("/seller/statement?lang=fr").await;
    assert_eq!(ar.status, StatusCode::OK);
    assert!(ar.body.contains(r#"dir="rtl""#) && fr.body.contains(r#"dir="ltr""#));
    let (ar, fr) = (month_xs(&ar.body), month_xs(&fr.body));
    assert_eq!(ar.len(), 12, "twelve months: {ar:?}");
    assert_eq!(
        ar.iter().map(|m| &m.0).collect::<Vec<_>>(),
        fr.iter().map(|m| &m.0).collect::<Vec<_>>(),
        "the same months in the same (oldest first) order"
    );
    assert!(
        fr.windows(2).all(|w| w[0].1 < w[1].1),
        "French: the first month at the left, time runs rightwards: {fr:?}"
    );
    assert!(
        ar.windows(2).all(|w| w[0].1 > w[1].1),
        "Arabic: the first month at the right, time runs leftwards: {ar:?}"
    );
    // Mirrored, not shuffled: each month sits where the French one would in a mirror.
    for (a, f) in ar.iter().zip(&fr) {
        assert!((a.1 - (640.0 - f.1)).abs() < 0.11, "{a:?} mirrors {f:?}");
    }
    // The labels stay readable: upright text written left to right (digits), never mirrored.
    assert!(
        !seller
            .get("/seller/statement?lang=ar")
            .await
            .body
            .contains("scale(-1")
    );
}

/// The admin's payouts page speaks the admin's language, every word of it (headers, buttons,
/// field names); nobody else opens it.
#[tokio::test]
async fn the_payouts_page_speaks_arabic_and_english_not_only_french() {
    let app = demo_app().await;
    a_delivered_coop_order(&app).await;
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    let french = [
        "Vendeur",
        "Ventes",
        "Dû",
        "Payé",
        "Reste",
        "Marquer payé",
        "Réf. virement",
        "Virements aux vendeurs",
        r#"aria-label="Montant""#,
    ];
    for (lang, words) in [
        (
            "en",
            vec![
                "Payouts to sellers",
                "Seller",
                "Sales",
                "Owed",
                "Paid",
                "Balance",
                "Transfer",
            ],
        ),
        (
            "ar",
            vec![
                "التحويلات إلى البائعين",
                "البائع",
                "المبيعات",
                "المستحق",
                "المدفوع",
                "الباقي",
                "التحويل",
            ],
        ),
    ] {
        let page = admin.get(&format!("/admin/payouts?lang={lang}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&format!(r#"lang="{lang}""#)));
        for w in words {
            assert!(page.body.contains(w), "{lang}: {w}: {}", page.body);
        }
        for f in french {
            assert!(!page.body.contains(f), "{lang}: no French {f:?}");
        }
    }
    let fr = admin.get("/admin/payouts?lang=fr").await;
    assert!(fr.body.contains("Vendeur") && fr.body.contains("Reste"));
    // A seller owed money with a RIB gets the form, in the page's language.
    if fr.body.contains("Marquer payé") {
        let en = admin.get("/admin/payouts?lang=en").await;
        assert!(en.body.contains("Mark paid") && en.body.contains(r#"aria-label="Amount""#));
        let ar = admin.get("/admin/payouts?lang=ar").await;
        assert!(ar.body.contains("سجّل كمدفوع"));
    }
    // A seller and an anonymous visitor never see it.
    let mut seller = Client::new(&app);
    seller.login("seller1@tijara.example", ARTISAN_PW).await;
    let r = seller.get("/admin/payouts?lang=en").await;
    assert!(!r.body.contains("Payouts to sellers"), "{}", r.status);
    let r = Client::new(&app).get("/admin/payouts?lang=en").await;
    assert!(!r.body.contains("Payouts to sellers"), "{}", r.status);
}

#[tokio::test]
async fn a_payouts_orders_are_shown_by_their_numbers() {
    let app = demo_app().await;
    a_delivered_coop_order(&app).await;
    let coop = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items[0]
        .clone();
    let mut input = tijara::usecases::catalog::SellerInput::from(coop.clone());
    input.legal.rib = Some("011780000012345678901234".into());
    app.engine
        .catalog()
        .update_seller(&coop.id, input, None)
        .await
        .expect("a RIB on file");
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    admin.get("/admin/payouts?lang=en").await;
    let r = admin
        .post(
            &format!("/admin/payouts/{}?lang=en", coop.id),
            &[("amount", "10.00"), ("reference", "VIR-NUMBERS-1")],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let payout = app
        .engine
        .payouts()
        .all_payouts(&coop.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.reference == "VIR-NUMBERS-1")
        .expect("the payout");
    assert!(
        !payout.orders.is_empty(),
        "the payout covers the delivered order"
    );
    let page = admin.get("/admin/payouts?lang=en").await;
    for id in &payout.orders {
        let doc = app.engine.orders().order(id).await.expect("the order");
        let number = doc.order.number.expect("a human number").to_string();
        let link = format!(r#"href="/admin/orders/{id}"><bdi>{number}</bdi></a>"#);
        assert!(page.body.contains(&link), "{link} in {}", page.body);
    }
}

#[tokio::test]
async fn in_a_browser_the_admin_cannot_pay_a_seller_without_a_rib_then_can() {
    let Some(shop) = browser::Shop::start("payouts-admin", "fr").await else {
        return;
    };
    // The admin works on a desktop (the screenshots are taken at phone width).
    shop.c.set_window_size(1280, 900).await.unwrap();
    a_delivered_coop_order(&shop.app).await;
    let coop = shop
        .app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items[0]
        .clone();
    assert!(
        coop.legal.rib.is_none(),
        "the demo cooperative has no RIB yet"
    );
    shop.go("/account/login").await;
    shop.fill("input[name='email']", "admin@tijara.example")
        .await;
    shop.fill("input[name='password']", "admin-demo-2026").await;
    shop.click("form[action='/account/login'] button").await;
    shop.wait_path("/admin").await;
    shop.go("/admin/payouts?lang=fr").await;
    // Owed money but no RIB: no transfer form for it, and the page says what to do.
    let said = shop.find("main p.error").await.text().await.unwrap();
    assert!(
        said.contains("Demandez au vendeur de saisir son RIB"),
        "{said}"
    );
    let form = format!("form[action^='/admin/payouts/{}']", coop.id);
    assert!(
        shop.c
            .find_all(fantoccini::Locator::Css(&form))
            .await
            .unwrap()
            .is_empty()
    );
    shop.shot("payouts-no-rib-fr").await;
    // (`shot` takes the page at phone width; back to the desktop.)
    shop.c.set_window_size(1280, 900).await.unwrap();
    // Once the RIB is on file the form appears, and the payout lists its order by number.
    let mut input = tijara::usecases::catalog::SellerInput::from(coop.clone());
    input.legal.rib = Some("011780000012345678901234".into());
    shop.app
        .engine
        .catalog()
        .update_seller(&coop.id, input, None)
        .await
        .expect("a RIB on file");
    shop.go("/admin/payouts?lang=fr").await;
    shop.fill(&format!("{form} input[name='amount']"), "10,00")
        .await;
    shop.fill(&format!("{form} input[name='reference']"), "VIR-BROWSER-1")
        .await;
    shop.click(&format!("{form} button")).await;
    shop.wait_path("/admin/payouts").await;
    // The form posts back to the same path: wait for the new page, not the old one.
    let text = shop.wait_main_contains("VIR-BROWSER-1").await;
    assert!(text.contains("DAK-"), "the order by its number: {text}");
    shop.shot("payouts-paid-fr").await;
}
