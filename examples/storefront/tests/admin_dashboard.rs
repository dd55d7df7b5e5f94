//! The admin's dashboard and pages over HTTP: only an admin reaches them (anonymous → login,
//! seller or customer → 403), every page is in the admin's language, the dashboard's figures
//! come from the engine and link to their lists, and bad input is refused with nothing written.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

mod support;

use axum::http::StatusCode;
use support::{Client, demo_app};

const ADMIN: (&str, &str) = ("admin@tijara.example", "admin-demo-2026");
const ADMIN_PAGES: [&str; 5] = [
    "/admin",
    "/admin/sellers",
    "/admin/sellers?state=pending",
    "/admin/orders?transfer=pending",
    "/admin/events?failed=1",
];

#[tokio::test]
async fn only_an_admin_reaches_the_admin() {
    let app = demo_app().await;
    let mut anonymous = Client::new(&app);
    for page in ADMIN_PAGES {
        let r = anonymous.get(page).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(r.location.as_deref(), Some("/account/login"), "{page}");
    }
    for (email, pw) in [
        ("seller1@tijara.example", "artisan-demo-2026"),
        ("shopper@tijara.example", "shopper-demo-2026"),
    ] {
        let mut c = Client::new(&app);
        c.login(email, pw).await;
        for page in ADMIN_PAGES {
            assert_eq!(
                c.get(page).await.status,
                StatusCode::FORBIDDEN,
                "{email} {page}"
            );
        }
        // Nor can they approve a seller.
        let seller = app
            .engine
            .catalog()
            .list_sellers(None, 1)
            .await
            .unwrap()
            .items[0]
            .clone();
        c.get("/").await;
        let r = c
            .post(
                &format!("/admin/sellers/{}/active", seller.id),
                &[("active", "false")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}");
        assert!(
            app.engine
                .catalog()
                .seller(&seller.id)
                .await
                .unwrap()
                .active
        );
    }
}

#[tokio::test]
async fn the_dashboard_speaks_one_language_and_links_every_number() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    c.get("/?lang=fr").await;
    let r = c.login(ADMIN.0, ADMIN.1).await;
    assert_eq!(r.location.as_deref(), Some("/admin"));
    let page = c.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<html lang="fr""#), "{}", page.body);
    assert!(page.body.contains("Tableau de bord"));
    // No Arabic frame around French tables: no Arabic word in the admin's own menu.
    assert!(
        !page.body.contains("البائعون"),
        "Arabic in a French admin page"
    );
    for link in [
        "/admin/sellers?state=pending",
        "/admin/orders?transfer=pending",
        "/admin/orders?returns=requested",
        "/admin/events?failed=1",
        "/admin/payouts?month=",
        "/admin/orders?state=confirmed",
    ] {
        assert!(page.body.contains(link), "no link to {link}");
    }
    assert!(page.body.contains("<svg class=\"chart\""), "the chart");
    assert!(page.body.contains("<table>"), "the chart's table");
    for p in ADMIN_PAGES {
        let r = c.get(p).await;
        assert_eq!(r.status, StatusCode::OK, "{p}");
        assert!(!r.body.contains("البائعون"), "{p}: Arabic in French");
    }
    // The same pages in Arabic: no French menu words.
    let ar = c.get("/admin?lang=ar").await;
    assert!(ar.body.contains("لوحة القيادة"));
    assert!(
        !ar.body.contains("Vendeurs"),
        "French in an Arabic admin page"
    );
    // The old sellers' page is the new dashboard's link.
    let sellers = c.get("/admin/sellers?lang=fr").await;
    assert!(sellers.body.contains("Commission %"));
}

#[tokio::test]
async fn the_summary_counts_what_was_placed_and_what_waits() {
    let app = demo_app().await;
    let before = app.engine.dashboard().summary().await.unwrap();
    assert_eq!(before.days.len(), 30);
    assert_eq!(
        before.days.last().unwrap().day,
        app.engine.region().local_date(app.engine.now())
    );
    // A seller applying is one more to approve.
    let mut c = Client::new(&app);
    c.get("/sell").await;
    let r = c
        .post(
            "/sell",
            &[
                ("shop", "Atelier Nour"),
                ("kind", "artisan"),
                ("city", "Dakhla"),
                ("name", "Nour"),
                ("email", "nour@example.ma"),
                ("phone", "0612345678"),
                ("password", "nour-password-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = app.engine.dashboard().summary().await.unwrap();
    assert_eq!(after.pending_sellers, before.pending_sellers + 1);
    let states: u64 = after.by_state.iter().map(|s| s.orders).sum();
    assert_eq!(
        states, after.scanned_orders,
        "every order read is in one state"
    );
    assert!(!after.truncated);
}

#[tokio::test]
async fn bad_admin_input_is_refused_and_nothing_is_written() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    c.get("/?lang=fr").await;
    c.login(ADMIN.0, ADMIN.1).await;
    let seller = app
        .engine
        .catalog()
        .list_sellers(None, 1)
        .await
        .unwrap()
        .items[0]
        .clone();
    c.get("/admin/sellers").await;
    for bad in ["abc", "150", "-3", ""] {
        let r = c
            .post(
                &format!("/admin/sellers/{}/commission", seller.id),
                &[("percent", bad)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.body.contains("pourcentage"), "{bad}: {}", r.body);
    }
    let same = app.engine.catalog().seller(&seller.id).await.unwrap();
    assert_eq!(same.commission_rate, seller.commission_rate);
    // An unknown seller or order is a 404, a wrong amount a 422 saying what to write.
    let r = c
        .post("/admin/sellers/nope!/active", &[("active", "true")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let orders = app.engine.orders().all_orders(None, 1).await.unwrap().items;
    if let Some(d) = orders.first() {
        c.get(&format!("/admin/orders/{}", d.order.id)).await;
        let r = c
            .post(
                &format!("/admin/orders/{}/refund", d.order.id),
                &[("amount", "beaucoup")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("dirhams"));
        let again = app.engine.orders().order(&d.order.id).await.unwrap();
        assert_eq!(again.payment_log.len(), d.payment_log.len());
    }
}

#[tokio::test]
async fn an_order_shows_its_number_product_names_and_pictures_and_counts_today() {
    let app = demo_app().await;
    let product = app
        .engine
        .catalog()
        .list_products(
            &tijara::usecases::catalog::ProductFilter::default(),
            None,
            100,
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|v| {
            matches!(
                v.variants[0].availability,
                tijara_core::inventory::Availability::InStock { .. }
            ) && !v.product.photos.is_empty()
        })
        .expect("a product in stock with a photo");
    let mut buyer = Client::new(&app);
    buyer
        .get(&format!("/products/{}", product.product.slug))
        .await;
    let variant = product.variants[0].variant.id.to_string();
    let r = buyer
        .post("/cart/add", &[("variant", &variant), ("quantity", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    buyer.get("/checkout").await;
    let address = [
        ("name", "Mariem Ahmed"),
        ("line1", "Avenue Mohammed V"),
        ("city", "Dakhla"),
        ("country", "MA"),
        ("phone", "+212661000001"),
        ("email", "mariem@example.ma"),
    ];
    assert_eq!(
        buyer.post("/checkout", &address).await.status,
        StatusCode::OK
    );
    let key = format!("ship_{}", product.product.seller_id);
    let mut fields = address.to_vec();
    fields.push((&key, "amana/standard"));
    fields.push(("payment", "cod"));
    let r = buyer.post("/checkout/place", &fields).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);

    let summary = app.engine.dashboard().summary().await.unwrap();
    assert_eq!(summary.today.orders, 1);
    let doc = app.engine.orders().all_orders(None, 1).await.unwrap().items[0].clone();
    assert_eq!(
        summary.today.sales, doc.order.grand_total,
        "a COD order is a sale"
    );
    assert_eq!(summary.month.sales, doc.order.grand_total);
    assert_eq!(summary.days.last().unwrap().tally.orders, 1);

    let mut admin = Client::new(&app);
    admin.get("/?lang=fr").await;
    admin.login(ADMIN.0, ADMIN.1).await;
    let list = admin.get("/admin/orders?state=confirmed").await;
    assert!(
        list.body.contains(&doc.order.reference()),
        "the human number"
    );
    let page = admin.get(&format!("/admin/orders/{}", doc.order.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    let name = product
        .product
        .title
        .get(tijara_core::Lang::FR, tijara_core::Lang::AR)
        .unwrap();
    assert!(page.body.contains(name), "the product's name in French");
    assert!(page.body.contains("img class=\"thumb\""), "a thumbnail");
    assert!(page.body.contains(&doc.order.reference()));
    let dash = admin.get("/admin").await;
    assert!(
        !dash.body.contains("Pas encore de ventes"),
        "today's sale is in the chart"
    );
}
