//! Accounts, the artisan portal and the admin over HTTP, and the security rules around them:
//! CSRF on every form, login throttling, sessions in the database, and authorization on every
//! object (a seller never sees or changes another seller's orders or products, a customer only
//! their own orders, a member artisan only their own lines).

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

mod support;

use axum::http::StatusCode;
use support::{Client, demo_app};
use tijara::usecases::catalog::ProductFilter;
use tijara_core::{Lang, SellerId};
use tijara_storefront::App;

const ARTISAN_PW: &str = "artisan-demo-2026";

/// The demo sellers in seed order, and each one's product slugs in seed order.
async fn sellers(app: &App) -> Vec<(SellerId, Vec<String>)> {
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
        out.push((s.id, items.into_iter().map(|v| v.product.slug).collect()));
    }
    out
}

/// Puts the products in the client's cart and checks out with cash on delivery; returns the
/// order page's path (with the e-mail) from the redirect.
async fn buy_cod(app: &App, c: &mut Client, slugs: &[&str], email: &str) -> String {
    let mut sellers = Vec::new();
    for slug in slugs {
        let p = app.engine.catalog().product_by_slug(slug).await.unwrap();
        sellers.push(p.product.seller_id.to_string());
        let page = c.get(&format!("/products/{slug}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let variant = p.variants[0].variant.id.to_string();
        let r = c
            .post("/cart/add", &[("variant", &variant), ("quantity", "1")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    c.get("/checkout").await;
    let address = [
        ("name", "Mariem Ahmed"),
        ("line1", "Avenue Mohammed V"),
        ("city", "Dakhla"),
        ("country", "MA"),
        ("phone", "+212661000001"),
        ("email", email),
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
    r.location.unwrap()
}

fn order_id(path: &str) -> String {
    path.trim_start_matches("/orders/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_form_post_needs_the_pages_csrf_token() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    let p = app
        .engine
        .catalog()
        .product_by_slug("embroidered-srama-cushion")
        .await
        .unwrap();
    let variant = p.variants[0].variant.id.to_string();
    // No cookie and no token.
    let r = c.post_raw("/cart/add", &[("variant", &variant)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A page gives the guest a token (cookie + hidden field).
    c.get("/products/embroidered-srama-cushion").await;
    assert!(c.jar.contains_key("csrf"), "{:?}", c.jar);
    let r = c
        .post_raw("/cart/add", &[("variant", &variant), ("csrf", "forged")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("dir=\"rtl\""), "the refusal is a page");
    let r = c.post_raw("/cart/add", &[("variant", &variant)]).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "cookie alone is not enough"
    );
    let r = c.post("/cart/add", &[("variant", &variant)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Login and logout are forms too.
    let mut other = Client::new(&app);
    let r = other
        .post_raw(
            "/account/login",
            &[
                ("email", "admin@tijara.example"),
                ("password", "admin-demo-2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A logged-in visitor's token is the session's; the guest token no longer works.
    let guest_token = c.csrf.clone().unwrap();
    let r = c.login("shopper@tijara.example", "shopper-demo-2026").await;
    assert_eq!(r.location.as_deref(), Some("/account"));
    let r = c
        .post_raw("/account/logout", &[("csrf", &guest_token)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn logins_are_throttled_and_sessions_end_at_logout() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    let r = c.login("nobody@tijara.example", "whatever-123").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = c.login("shopper@tijara.example", "wrong-password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("role=\"alert\""));
    for _ in 0..4 {
        c.login("shopper@tijara.example", "wrong-password").await;
    }
    // Locked now, even with the right password, from any client (the count is in the database).
    let mut fresh = Client::new(&app);
    let r = fresh
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);

    let mut s = Client::new(&app);
    let r = s.login("seller1@tijara.example", ARTISAN_PW).await;
    assert_eq!(r.location.as_deref(), Some("/seller"));
    let sid = s.jar.get("sid").cloned().unwrap();
    assert_eq!(s.get("/seller").await.status, StatusCode::OK);
    s.get("/seller").await;
    let r = s.post("/account/logout", &[]).await;
    assert!(r.status.is_redirection());
    assert!(!s.jar.contains_key("sid"));
    // The old token is dead in the database, not only forgotten by the browser.
    s.jar.insert("sid".into(), sid);
    let r = s.get("/seller").await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
}

#[tokio::test]
async fn a_customer_sees_only_their_own_orders() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let mut a = Client::new(&app);
    a.get("/account/register").await;
    let r = a
        .post(
            "/account/register",
            &[
                ("name", "Mariem"),
                ("email", "mariem@example.ma"),
                ("password", "melhfa-2026"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/account"), "{}", r.body);
    let path = buy_cod(&app, &mut a, &[&all[2].1[0]], "mariem@example.ma").await;
    let id = order_id(&path);
    let page = a.get("/account").await;
    assert!(page.body.contains(&id), "order history lists it");
    // Logged in, the order page needs no e-mail in the link.
    assert_eq!(a.get(&format!("/orders/{id}")).await.status, StatusCode::OK);

    // Another customer: not in their history, and not readable.
    let mut b = Client::new(&app);
    b.get("/account/register").await;
    b.post(
        "/account/register",
        &[
            ("name", "Brahim"),
            ("email", "brahim@example.ma"),
            ("password", "brahim-2026"),
        ],
    )
    .await;
    assert!(!b.get("/account").await.body.contains(&id));
    assert_eq!(
        b.get(&format!("/orders/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Registering twice with one e-mail is refused with a message.
    let mut c = Client::new(&app);
    c.get("/account/register").await;
    let r = c
        .post(
            "/account/register",
            &[
                ("name", "X"),
                ("email", "MARIEM@example.ma"),
                ("password", "another-2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post(
            "/account/register",
            &[
                ("name", "X"),
                ("email", "x@example.ma"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn sellers_ship_their_own_parts_and_tracking_reaches_the_shopper() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let (coop, coop_products) = &all[0];
    let (artisan, artisan_products) = &all[2];
    let mut shopper = Client::new(&app);
    let path = buy_cod(
        &app,
        &mut shopper,
        &[&coop_products[0], &coop_products[1], &artisan_products[0]],
        "guest@example.ma",
    )
    .await;
    let id = order_id(&path);
    let doc = app
        .engine
        .orders()
        .order(&tijara_core::OrderId::new(id.clone()).unwrap())
        .await
        .unwrap();
    let part = |s: &SellerId| {
        doc.order
            .seller_orders
            .iter()
            .find(|x| &x.seller_id == s)
            .unwrap()
            .id
            .to_string()
    };
    let (coop_part, artisan_part) = (part(coop), part(artisan));

    // The artisan sees its part, not the cooperative's.
    let mut third = Client::new(&app);
    third.login("seller3@tijara.example", ARTISAN_PW).await;
    let page = third.get("/seller").await;
    assert!(page.body.contains(&artisan_part));
    assert!(!page.body.contains(&coop_part));
    // ...and cannot ship, label or track it.
    for (method, uri) in [
        ("post", format!("/seller/orders/{id}/{coop_part}/ship")),
        ("get", format!("/seller/orders/{id}/{coop_part}/label")),
        ("post", format!("/seller/orders/{id}/{coop_part}/tracking")),
    ] {
        let r = if method == "post" {
            third
                .post(&uri, &[("number", "X1"), ("status", "delivered")])
                .await
        } else {
            third.get(&uri).await
        };
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
    }

    // The cooperative's member artisan sees only the line of the product she made.
    let mut member = Client::new(&app);
    let r = member.login("member1@tijara.example", ARTISAN_PW).await;
    assert_eq!(r.location.as_deref(), Some("/seller"));
    let page = member.get("/seller").await;
    let made = app
        .engine
        .catalog()
        .product_by_slug(&coop_products[0])
        .await
        .unwrap();
    let other = app
        .engine
        .catalog()
        .product_by_slug(&coop_products[1])
        .await
        .unwrap();
    assert!(page.body.contains(made.product.variants[0].sku.as_str()));
    assert!(!page.body.contains(other.product.variants[0].sku.as_str()));
    let r = member
        .post(&format!("/seller/orders/{id}/{coop_part}/ship"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "members do not ship");
    assert!(member.get("/seller/statement").await.body.contains("حصتك"));

    // The cooperative ships: ready → shipment → label.
    let mut seller = Client::new(&app);
    seller.login("seller1@tijara.example", ARTISAN_PW).await;
    let page = seller.get("/seller").await;
    assert!(page.body.contains(&coop_part));
    let r = seller
        .post(&format!("/seller/orders/{id}/{coop_part}/ship"), &[])
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/seller/orders/{id}/{coop_part}?shipped=1#label").as_str()),
        "{}",
        r.body
    );
    let label = seller
        .get(&format!("/seller/orders/{id}/{coop_part}/label"))
        .await;
    assert_eq!(label.status, StatusCode::OK);
    assert!(
        !label.body.contains("<svg") && label.body.contains("Réf. marché"),
        "the rate card's reference, without a barcode the carrier would take for its own"
    );
    assert!(label.body.contains("Mariem Ahmed"));
    assert!(label.body.contains("À ENCAISSER"), "COD amount");

    // The carrier's number and a step typed by the seller reach the shopper's page.
    seller.get("/seller").await;
    let r = seller
        .post(
            &format!("/seller/orders/{id}/{coop_part}/tracking"),
            &[("number", "AM123456789MA"), ("status", "in_transit")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let page = shopper.get(&format!("{path}&lang=ar")).await;
    assert!(page.body.contains("AM123456789MA"), "{}", page.body);
    assert!(page.body.contains("في الطريق"), "in transit, in Arabic");
    let label = seller
        .get(&format!("/seller/orders/{id}/{coop_part}/label"))
        .await;
    assert!(
        label.body.contains("<svg") && label.body.contains("AM123456789MA"),
        "the carrier's number, with its barcode"
    );
    let page = shopper.get(&format!("{path}&lang=fr")).await;
    assert!(page.body.contains("en transit"));
    assert!(
        page.body.contains("Coopérative Nisae"),
        "the parcel is named by its seller"
    );

    // The statement page reads.
    let st = seller.get("/seller/statement?month=2026-11").await;
    assert_eq!(st.status, StatusCode::OK);
}

#[tokio::test]
async fn sellers_manage_only_their_own_products() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    let form = s.get("/seller/products/new?lang=fr").await;
    // What the marketplace keeps of the price is said beside it, at the seller's own rate.
    let account = app
        .engine
        .accounts()
        .account_by_email("seller3@tijara.example")
        .await
        .unwrap()
        .unwrap();
    let me = app
        .engine
        .catalog()
        .seller(account.seller_id().unwrap())
        .await
        .unwrap();
    let rate = format!("{} %", me.commission_rate.as_percent().normalize());
    assert!(
        form.body.contains(&format!("le marché en garde {rate}")),
        "{rate}: {}",
        form.body
    );
    assert!(
        form.body.contains(r#"name="desc_en""#),
        "a description for buyers abroad"
    );
    let r = s
        .post(
            "/seller/products",
            &[
                ("category", "leather"),
                ("title_ar", "محفظة جلدية"),
                ("title_fr", "Portefeuille en cuir"),
                ("title_en", "Leather wallet"),
                ("desc_ar", "مصنوع يدويا"),
                ("desc_fr", "Fait main"),
                ("desc_en", "Handmade"),
                ("price", "149,50"),
                ("stock", "4"),
                ("lead_days", "0"),
                ("weight", "200"),
            ],
        )
        .await;
    assert!(
        r.location
            .as_deref()
            .is_some_and(|l| l.starts_with("/seller/products?lang=")),
        "back to the list, in the page's language: {:?} {}",
        r.location,
        r.body
    );
    let list = s.get("/seller/products").await;
    assert!(list.body.contains("Portefeuille en cuir"), "{}", list.body);
    let found = app
        .engine
        .catalog()
        .list_products(
            &ProductFilter::default().with_text("Portefeuille"),
            None,
            10,
        )
        .await
        .unwrap()
        .items;
    assert_eq!(found.len(), 1);
    let p = &found[0];
    assert_eq!(p.variants[0].variant.price.amount().to_string(), "149.50");
    assert_eq!(p.product.description.exact(Lang::EN), Some("Handmade"));
    let shop = s
        .get(&format!("/products/{}?lang=fr", p.product.slug))
        .await;
    assert!(shop.body.contains("Portefeuille en cuir"));

    // Bad input is answered on the form.
    let r = s
        .post(
            "/seller/products",
            &[
                ("category", "leather"),
                ("title_ar", "x"),
                ("price", "-3"),
                ("weight", "200"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("role=\"alert\""));

    // Another seller cannot open, change or deactivate it.
    let mut other = Client::new(&app);
    other.login("seller1@tijara.example", ARTISAN_PW).await;
    let edit = format!("/seller/products/{}/edit", p.product.id);
    assert_eq!(other.get(&edit).await.status, StatusCode::NOT_FOUND);
    other.get("/seller").await;
    let r = other
        .post(
            &edit,
            &[
                ("category", "leather"),
                ("title_ar", "x"),
                ("price", "1"),
                ("weight", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = other
        .post(
            &format!("/seller/products/{}/active", p.product.id),
            &[("active", "false")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A cooperative's own product is not the artisan's either.
    let coop_product = app
        .engine
        .catalog()
        .product_by_slug(&all[0].1[0])
        .await
        .unwrap();
    assert_eq!(
        s.get(&format!(
            "/seller/products/{}/edit",
            coop_product.product.id
        ))
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // The owner edits the price and stock, then stops selling it.
    s.get(&edit).await;
    let r = s
        .post(
            &edit,
            &[
                ("category", "leather"),
                ("title_ar", "محفظة جلدية"),
                ("title_fr", "Portefeuille en cuir"),
                ("price", "155"),
                ("stock", "9"),
                ("weight", "200"),
            ],
        )
        .await;
    assert!(
        r.location
            .as_deref()
            .is_some_and(|l| l.starts_with("/seller/products?lang=")),
        "back to the list, in the page's language: {:?} {}",
        r.location,
        r.body
    );
    let v = app.engine.catalog().product(&p.product.id).await.unwrap();
    assert_eq!(v.variants[0].variant.price.amount().to_string(), "155.00");
    let row = app
        .engine
        .catalog()
        .stock_row(&v.variants[0].variant.id)
        .await
        .unwrap();
    assert_eq!(row.on_hand, 9);
    s.get(&edit).await;
    let r = s
        .post(
            &format!("/seller/products/{}/active", p.product.id),
            &[("active", "false")],
        )
        .await;
    assert!(r.status.is_redirection());
    assert!(
        !app.engine
            .catalog()
            .product(&p.product.id)
            .await
            .unwrap()
            .product
            .active
    );
    // Guests and shoppers have no portal.
    let mut guest = Client::new(&app);
    assert_eq!(
        guest.get("/seller/products").await.location.as_deref(),
        Some("/account/login")
    );
    guest
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    assert_eq!(
        guest.get("/seller").await.location.as_deref(),
        Some("/account/login")
    );
}

#[tokio::test]
async fn admins_approve_sellers_refund_track_and_pay_out() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    // A new artisan applies; the shop waits for approval.
    let mut applicant = Client::new(&app);
    applicant.get("/sell").await;
    let r = applicant
        .post(
            "/sell",
            &[
                ("shop", "Atelier Bir Gandouz"),
                ("kind", "artisan"),
                ("city", "Bir Gandouz"),
                ("name", "Lahcen"),
                ("email", "lahcen@example.ma"),
                ("phone", "0661000002"),
                ("password", "gandouz-2026"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/seller"), "{}", r.body);
    let page = applicant.get("/seller").await;
    assert!(
        page.body.contains("شكرًا، توصلنا بطلبك"),
        "thanked, awaiting approval: {}",
        page.body
    );

    // Non-admins are refused.
    let mut shopper = Client::new(&app);
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    assert_eq!(shopper.get("/admin").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        shopper.get("/admin/events").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        Client::new(&app).get("/admin").await.location.as_deref(),
        Some("/account/login")
    );

    let mut admin = Client::new(&app);
    let r = admin.login("admin@tijara.example", "admin-demo-2026").await;
    assert_eq!(r.location.as_deref(), Some("/admin"));
    let page = admin.get("/admin/sellers").await;
    assert!(page.body.contains("Atelier Bir Gandouz"));
    let applied = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|s| s.name == "Atelier Bir Gandouz")
        .unwrap();
    assert!(!applied.active);
    let r = admin
        .post(
            &format!("/admin/sellers/{}/active", applied.id),
            &[("active", "true")],
        )
        .await;
    assert!(r.status.is_redirection());
    assert!(
        app.engine
            .catalog()
            .seller(&applied.id)
            .await
            .unwrap()
            .active
    );
    admin.get("/admin").await;
    let r = admin
        .post(
            &format!("/admin/sellers/{}/commission", all[2].0),
            &[("percent", "12,5")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let rate = |app: &tijara_storefront::App| {
        let app = app.clone();
        let id = all[2].0.clone();
        async move {
            app.engine
                .catalog()
                .seller(&id)
                .await
                .unwrap()
                .commission_rate
                .as_percent()
                .normalize()
                .to_string()
        }
    };
    assert_eq!(rate(&app).await, "12.5");
    // Typed with the percent sign, on an Arabic keyboard too.
    for (typed, read) in [
        ("11 %", "11"),
        ("١٢٫٥٪", "12.5"),
        ("\u{200F}١٠٪", "10"),
        ("% 9,5", "9.5"),
    ] {
        let r = admin
            .post(
                &format!("/admin/sellers/{}/commission", all[2].0),
                &[("percent", typed)],
            )
            .await;
        assert!(r.status.is_redirection(), "{typed}: {}", r.body);
        assert_eq!(rate(&app).await, read, "{typed}");
    }
    let r = admin
        .post(
            &format!("/admin/sellers/{}/commission", all[2].0),
            &[("percent", "150")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // An order: admin enters tracking by hand until delivery, the cash is then counted.
    let mut buyer = Client::new(&app);
    let path = buy_cod(&app, &mut buyer, &[&all[2].1[0]], "buyer@example.ma").await;
    let id = order_id(&path);
    let mut seller = Client::new(&app);
    seller.login("seller3@tijara.example", ARTISAN_PW).await;
    let doc = app
        .engine
        .orders()
        .order(&tijara_core::OrderId::new(id.clone()).unwrap())
        .await
        .unwrap();
    let so = doc.order.seller_orders[0].id.to_string();
    seller.get("/seller").await;
    let r = seller
        .post(&format!("/seller/orders/{id}/{so}/ship"), &[])
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let page = admin.get(&format!("/admin/orders/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let r = admin
        .post(
            &format!("/admin/orders/{id}/{so}/tracking"),
            &[("number", "CTM-778899"), ("status", "delivered")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let page = buyer.get(&format!("{path}&lang=en")).await;
    assert!(page.body.contains("delivered"), "{}", page.body);
    assert!(admin.get("/admin/orders").await.body.contains(&id));
    let events = admin.get("/admin/events").await;
    assert!(events.body.contains("order.placed"));
    assert!(events.body.contains("shipment."));
    // A refund above what was paid is refused with a message.
    admin.get(&format!("/admin/orders/{id}")).await;
    let r = admin
        .post(
            &format!("/admin/orders/{id}/refund"),
            &[("amount", "99999")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = admin.get("/admin/payouts?month=2026-11").await;
    assert_eq!(page.status, StatusCode::OK);
    // No RIB on file yet: the payout is refused, and the page says what to do.
    let r = admin
        .post(
            &format!("/admin/payouts/{}?month=2026-11", all[2].0),
            &[("amount", "100.00"), ("reference", "VIR-0001")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("اطلب من البائع"),
        "says to ask the seller: {}",
        r.body
    );
    // The seller gives its RIB for the next transfers: 24 digits, spaces allowed.
    let r = seller
        .post("/seller/bank", &[("rib", "0117 8000 0012 3456 7890")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "20 digits are refused"
    );
    seller.get("/seller/statement").await;
    let r = seller
        .post("/seller/bank", &[("rib", "011 780 0000123456789012 34")])
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    assert_eq!(
        app.engine
            .catalog()
            .seller(&all[2].0)
            .await
            .unwrap()
            .legal
            .rib
            .as_deref(),
        Some("011780000012345678901234")
    );
    // With the RIB, the admin's payout goes through and the seller sees it.
    admin.get("/admin/payouts?month=2026-11").await;
    let r = admin
        .post(
            &format!("/admin/payouts/{}?month=2026-11", all[2].0),
            &[("amount", "100.00"), ("reference", "VIR-0001")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let st = seller.get("/seller/statement?month=2026-11").await;
    assert!(st.body.contains("VIR-0001"), "{}", st.body);
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut img = image::RgbImage::new(w, h);
    for (x, y, p) in img.enumerate_pixels_mut() {
        *p = image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn sellers_upload_photos_that_get_thumbnails() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let p = app
        .engine
        .catalog()
        .product_by_slug(&all[2].1[0])
        .await
        .unwrap();
    let edit = format!("/seller/products/{}/edit", p.product.id);
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    let page = s.get(&edit).await;
    assert!(page.body.contains("multipart/form-data"));
    let token = s.csrf.clone().unwrap();
    let upload = format!("/seller/products/{}/photos?csrf={token}", p.product.id);

    // No token, another seller, not an image, too large: refused.
    let r = s
        .post_file(
            &format!("/seller/products/{}/photos", p.product.id),
            "photo",
            &png(10, 10),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s.post_file(&upload, "photo", b"GIF89a not a photo").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("PNG, JPEG or WebP"), "{}", r.body);
    let r = s
        .post_file(&upload, "photo", &vec![7u8; 6 * 1024 * 1024])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let mut other = Client::new(&app);
    other.login("seller1@tijara.example", ARTISAN_PW).await;
    other.get("/seller").await;
    let other_token = other.csrf.clone().unwrap();
    let r = other
        .post_file(
            &format!(
                "/seller/products/{}/photos?csrf={other_token}",
                p.product.id
            ),
            "photo",
            &png(10, 10),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A 1200×900 photo: stored as an 800 px image and a 300 px thumbnail.
    let r = s.post_file(&upload, "photo", &png(1200, 900)).await;
    assert!(
        r.location
            .as_deref()
            .is_some_and(|l| l.starts_with(&format!("{edit}?lang="))),
        "back to the form, in the page's language: {:?} {}",
        r.location,
        r.body
    );
    let v = app.engine.catalog().product(&p.product.id).await.unwrap();
    let url = v.product.photos.last().unwrap().url.clone();
    assert!(
        url.starts_with("/media/") && url.ends_with("-800.jpg"),
        "{url}"
    );
    let large = s.get(&url).await;
    assert_eq!(large.status, StatusCode::OK);
    let thumb_url = url.replace("-800.jpg", "-300.jpg");
    let res = tower::ServiceExt::oneshot(
        tijara_storefront::router(app.clone()),
        axum::http::Request::get(&thumb_url)
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let thumb = image::load_from_memory(&bytes).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (300, 225));
    assert_eq!(
        s.get("/media/../../etc/passwd").await.status,
        StatusCode::NOT_FOUND
    );

    // Removing it.
    let before = v.product.photos.len();
    s.get(&edit).await;
    let r = s
        .post(
            &format!(
                "/seller/products/{}/photos/{}/delete",
                p.product.id,
                before - 1
            ),
            &[],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    assert_eq!(
        app.engine
            .catalog()
            .product(&p.product.id)
            .await
            .unwrap()
            .product
            .photos
            .len(),
        before - 1
    );
}

#[tokio::test]
async fn every_page_answers_for_its_audience_in_each_language() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let product = app
        .engine
        .catalog()
        .product_by_slug(&all[2].1[0])
        .await
        .unwrap();
    let pages_for = |who: &str| -> Vec<String> {
        match who {
            "guest" => vec![
                "/".into(),
                "/?q=cuir".into(),
                "/?category=leather".into(),
                format!("/products/{}", product.product.slug),
                "/cart".into(),
                "/checkout".into(),
                "/account/login".into(),
                "/account/register".into(),
                "/sell".into(),
            ],
            "shopper" => vec!["/account".into()],
            "seller" => vec![
                "/seller".into(),
                "/seller/products".into(),
                "/seller/products/new".into(),
                format!("/seller/products/{}/edit", product.product.id),
                "/seller/statement".into(),
                "/seller/guide".into(),
            ],
            _ => vec![
                "/admin".into(),
                "/admin/orders".into(),
                "/admin/payouts".into(),
                "/admin/events".into(),
            ],
        }
    };
    for (who, login) in [
        ("guest", None),
        (
            "shopper",
            Some(("shopper@tijara.example", "shopper-demo-2026")),
        ),
        ("seller", Some(("seller3@tijara.example", ARTISAN_PW))),
        ("admin", Some(("admin@tijara.example", "admin-demo-2026"))),
    ] {
        let mut c = Client::new(&app);
        if let Some((email, pw)) = login {
            c.login(email, pw).await;
        }
        for page in pages_for(who) {
            for lang in ["ar", "fr", "en"] {
                let sep = if page.contains('?') { '&' } else { '?' };
                let r = c.get(&format!("{page}{sep}lang={lang}")).await;
                assert_eq!(r.status, StatusCode::OK, "{who} {page} {lang}");
                let dir = if lang == "ar" { "rtl" } else { "ltr" };
                assert!(
                    r.body.contains(&format!("lang=\"{lang}\" dir=\"{dir}\"")),
                    "{who} {page} {lang}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_customer_withdraws_from_a_delivered_parcel_and_no_one_else_can() {
    let app = demo_app().await;
    let all = sellers(&app).await;
    let mut c = Client::new(&app);
    c.login("shopper@tijara.example", "shopper-demo-2026").await;
    let path = buy_cod(&app, &mut c, &[&all[2].1[0]], "shopper@tijara.example").await;
    let id = order_id(&path);
    let doc = app
        .engine
        .orders()
        .order(&tijara_core::OrderId::new(id.clone()).unwrap())
        .await
        .unwrap();
    let so = doc.order.seller_orders[0].id.to_string();
    let variant = doc.order.seller_orders[0].lines[0].variant_id.to_string();
    // Not delivered yet: no return button; the old withdrawal route leads to the return page,
    // which says the parcel is not delivered yet.
    let page = c.get(&format!("/orders/{id}?lang=fr")).await;
    assert!(!page.body.contains("/return/"));
    let early = c
        .post(
            &format!("/account/orders/{id}/{so}/withdraw"),
            &[("reason", "x")],
        )
        .await;
    assert_eq!(
        early.location.as_deref(),
        Some(format!("/orders/{id}/return/{so}").as_str())
    );
    let early = c.get(&format!("/orders/{id}/return/{so}")).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    // The seller ships; the admin records the delivery.
    let mut seller = Client::new(&app);
    seller.login("seller3@tijara.example", ARTISAN_PW).await;
    seller.get("/seller").await;
    seller
        .post(&format!("/seller/orders/{id}/{so}/ship"), &[])
        .await;
    let mut admin = Client::new(&app);
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    admin.get(&format!("/admin/orders/{id}")).await;
    let r = admin
        .post(
            &format!("/admin/orders/{id}/{so}/tracking"),
            &[("number", "AM999MA"), ("status", "delivered")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    // Another customer cannot withdraw from it.
    let mut other = Client::new(&app);
    other.get("/account/register").await;
    other
        .post(
            "/account/register",
            &[
                ("name", "O"),
                ("email", "o@example.ma"),
                ("password", "other-2026"),
            ],
        )
        .await;
    other.get("/account").await;
    let r = other.get(&format!("/orders/{id}/return/{so}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The customer sees the button and withdraws within the legal period.
    let page = c.get(&format!("/orders/{id}?lang=fr")).await;
    assert!(page.body.contains("/return/"), "{}", page.body);
    c.get(&format!("/orders/{id}/return/{so}")).await;
    let r = c
        .post(
            &format!("/orders/{id}/return/{so}"),
            &[
                (format!("q_{variant}").as_str(), "1"),
                ("reason", "changed_mind"),
                ("details", "Taille"),
                // No bank account: the RIB left empty (and the prefilled name cleared), the
                // marketplace will ask.
                ("refund_holder", ""),
                ("refund_rib", " "),
            ],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/orders/{id}?done=withdraw").as_str()),
        "{}",
        r.body
    );
    let doc = app
        .engine
        .orders()
        .order(&tijara_core::OrderId::new(id.clone()).unwrap())
        .await
        .unwrap();
    assert_eq!(doc.returns.len(), 1);
    assert!(
        doc.returns[0].refund_account().is_none(),
        "no RIB typed: none kept"
    );
    let page = c.get(&format!("/orders/{id}?done=withdraw&lang=fr")).await;
    assert!(page.body.contains("Demande de retour enregistrée"));
}
