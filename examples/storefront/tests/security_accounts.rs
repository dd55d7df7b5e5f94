//! Issue 11 (items 5, 6 and 9): login throttling that an attacker cannot turn into a lock-out
//! or race past, sessions that end, security headers and cookies, and photo uploads (approved
//! sellers only, none lost when sent together).

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

mod support;

use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use std::net::SocketAddr;
use support::{Client, demo_app};
use tijara::usecases::catalog::ProductFilter;
use tower::ServiceExt;

const ARTISAN_PW: &str = "artisan-demo-2026";

/// One API call from a client address (`None`: no peer address known, as behind some proxies).
async fn call_from(
    router: &axum::Router,
    from: Option<&str>,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(addr) = from {
        let addr: SocketAddr = format!("{addr}:40000").parse().unwrap();
        req = req.extension(ConnectInfo(addr));
    }
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let res = router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = to_bytes(res.into_body(), 4 << 20).await.unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn api_login(
    router: &axum::Router,
    from: Option<&str>,
    email: &str,
    password: &str,
) -> (StatusCode, HeaderMap, Value) {
    call_from(
        router,
        from,
        Method::POST,
        "/api/v1/sessions",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

#[tokio::test]
async fn wrong_passwords_from_one_address_do_not_lock_the_owner_out() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app);
    // An anonymous attacker tries the admin's e-mail from their own address, more than enough
    // times to have locked the account before.
    for _ in 0..6 {
        let (status, _, _) = api_login(
            &router,
            Some("203.0.113.9"),
            "admin@tijara.example",
            "guess-guess",
        )
        .await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
    }
    // The attacker is slowed down: the next try waits, with Retry-After.
    let (status, headers, v) = api_login(
        &router,
        Some("203.0.113.9"),
        "admin@tijara.example",
        "admin-demo-2026",
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{v}");
    let wait: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    // The admin, from their own address, still logs in.
    let (status, _, v) = api_login(
        &router,
        Some("198.51.100.7"),
        "admin@tijara.example",
        "admin-demo-2026",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_passwords_sent_together_are_not_all_checked() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app);
    let tries = (0..40).map(|_| {
        let router = router.clone();
        tokio::spawn(async move {
            api_login(
                &router,
                Some("203.0.113.10"),
                "seller2@tijara.example",
                "nope-nope",
            )
            .await
            .0
        })
    });
    let mut checked = 0;
    for t in tries.collect::<Vec<_>>() {
        let status = t.await.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    // Only the free attempts were checked; the others were refused before their password was.
    assert!((1..=5).contains(&checked), "{checked} passwords checked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_wrong_and_one_right_password_together_yield_no_token() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app);
    let mut tries = Vec::new();
    for i in 0..31 {
        let router = router.clone();
        // The right one first: it is reserved before the wrong ones, and checked with them.
        let password = if i == 0 { ARTISAN_PW } else { "nope-nope" };
        tries.push(tokio::spawn(async move {
            api_login(
                &router,
                Some("203.0.113.11"),
                "seller3@tijara.example",
                password,
            )
            .await
            .0
        }));
    }
    let statuses: Vec<StatusCode> = futures_join(tries).await;
    assert!(!statuses.contains(&StatusCode::CREATED), "{statuses:?}");
    // The right password is refused because of the wrong ones sent with it (429, with a
    // wait), not by accident (a conflict, a server error).
    assert_eq!(statuses[0], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
    for s in &statuses[1..] {
        assert!(
            *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS,
            "{statuses:?}"
        );
    }
}

async fn futures_join(tasks: Vec<tokio::task::JoinHandle<StatusCode>>) -> Vec<StatusCode> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test]
async fn logging_in_again_ends_the_other_sessions() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app);
    let first = api_login(&router, None, "seller1@tijara.example", ARTISAN_PW).await;
    assert_eq!(first.0, StatusCode::CREATED);
    let first = first.2["token"].as_str().unwrap().to_owned();
    let (status, _, _) =
        call_from(&router, None, Method::GET, "/api/v1/me", Some(&first), None).await;
    assert_eq!(status, StatusCode::OK);
    let second = api_login(&router, None, "seller1@tijara.example", ARTISAN_PW).await;
    assert_eq!(second.0, StatusCode::CREATED);
    let second = second.2["token"].as_str().unwrap().to_owned();
    let (status, _, _) =
        call_from(&router, None, Method::GET, "/api/v1/me", Some(&first), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, headers, _) = call_from(
        &router,
        None,
        Method::GET,
        "/api/v1/me",
        Some(&second),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    let router = tijara_storefront::router(app.clone());
    let res = router
        .clone()
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let h = res.headers();
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    for part in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    // The checkout form posts to the card payment page.
    let gateway = app.simulator.as_ref().unwrap().gateway_url();
    let origin = gateway.split('/').take(3).collect::<Vec<_>>().join("/");
    assert!(
        csp.contains(&format!("form-action 'self' {origin}")),
        "{csp}"
    );
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(h.contains_key(header::REFERRER_POLICY));
    // Product images stay cacheable.
    assert_ne!(
        h.get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    // Account, portal and admin pages are never stored by a cache.
    c.login("admin@tijara.example", "admin-demo-2026").await;
    for path in ["/account", "/admin", "/account/login"] {
        let res = tower::ServiceExt::oneshot(
            router.clone(),
            Request::get(path)
                .header(
                    header::COOKIE,
                    c.jar
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store", "{path}");
    }
    let mut s = Client::new(&app);
    s.login("seller1@tijara.example", ARTISAN_PW).await;
    let res = tower::ServiceExt::oneshot(
        router,
        Request::get("/seller")
            .header(
                header::COOKIE,
                s.jar
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn cookies_are_host_prefixed_and_secure_over_https() {
    let settings = tijara_storefront::Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: support::data_dir(),
        database_url: Some("sqlite::memory:".into()),
        public_url: Some("https://shop.example".into()),
        cmi: None,
        display_rates: vec![],
        region: None,
        carriers: vec![],
    };
    let app = tijara_storefront::build(&settings).await.unwrap();
    tijara_storefront::seed::seed_if_empty(&app.engine)
        .await
        .unwrap();
    let mut c = Client::new(&app);
    let page = c.get("/?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK);
    let r = c.login("shopper@tijara.example", "shopper-demo-2026").await;
    assert_eq!(r.location.as_deref(), Some("/account"), "{}", r.body);
    assert!(c.jar.contains_key("__Host-sid"), "{:?}", c.jar.keys());
    assert!(c.jar.contains_key("__Host-csrf"), "{:?}", c.jar.keys());
    assert!(!c.jar.contains_key("sid"));
    // Every cookie set over HTTPS is Secure, the language's too.
    let res = tijara_storefront::router(app.clone())
        .oneshot(Request::get("/?lang=en").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let cookies: Vec<_> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(cookies.iter().any(|c| c.contains("lang=en")), "{cookies:?}");
    assert_eq!(
        res.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
    for c in &cookies {
        assert!(c.contains("Secure") && c.starts_with("__Host-"), "{c}");
    }
    // A session cookie without the prefix is not accepted over HTTPS.
    let sid = c.jar.get("__Host-sid").cloned().unwrap();
    let res = tijara_storefront::router(app)
        .oneshot(
            Request::get("/account")
                .header(header::COOKIE, format!("sid={sid}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(res.status().is_redirection());
}

fn png(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let mut img = image::RgbImage::new(w, h);
    for (x, y, p) in img.enumerate_pixels_mut() {
        *p = image::Rgb([(x % 256) as u8, (y % 256) as u8, shade]);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// Seller 3's first product.
async fn product_of_seller3(app: &tijara_storefront::App) -> tijara_core::catalog::Product {
    let account = app
        .engine
        .accounts()
        .account_by_email("seller3@tijara.example")
        .await
        .unwrap()
        .unwrap();
    let seller = account.seller_id().unwrap().clone();
    let filter = ProductFilter::default().with_seller(seller);
    let mut items = app
        .engine
        .catalog()
        .list_products(&filter, None, 50)
        .await
        .unwrap()
        .items;
    items.sort_by(|a, b| a.product.id.cmp(&b.product.id));
    items.remove(0).product
}

#[tokio::test]
async fn sellers_not_approved_cannot_upload_photos() {
    let app = demo_app().await;
    let p = product_of_seller3(&app).await;
    app.engine
        .catalog()
        .set_seller_active(&p.seller_id, false, None)
        .await
        .unwrap();
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    s.get(&format!("/seller/products/{}/edit", p.id)).await;
    let token = s.csrf.clone().unwrap();
    let r = s
        .post_file(
            &format!("/seller/products/{}/photos?csrf={token}", p.id),
            "photo",
            &png(40, 30, 1),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let after = app.engine.catalog().product(&p.id).await.unwrap().product;
    assert_eq!(after.photos, p.photos);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn photos_uploaded_together_are_all_kept_or_refused() {
    let app = demo_app().await;
    let p = product_of_seller3(&app).await;
    let before = p.photos.len();
    let mut s = Client::new(&app);
    s.login("seller3@tijara.example", ARTISAN_PW).await;
    s.get(&format!("/seller/products/{}/edit", p.id)).await;
    let token = s.csrf.clone().unwrap();
    let upload = format!("/seller/products/{}/photos?csrf={token}", p.id);
    let n = (8 - before).min(6);
    let mut tasks = Vec::new();
    for i in 0..n {
        let mut s = s.clone();
        let upload = upload.clone();
        tasks.push(tokio::spawn(async move {
            s.post_file(&upload, "photo", &png(60 + i as u32, 40, i as u8))
                .await
                .status
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        let status = t.await.unwrap();
        if status.is_redirection() {
            accepted += 1;
        } else {
            // Refused ones are told so.
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{status}"
            );
        }
    }
    assert!(accepted >= 1);
    let after = app.engine.catalog().product(&p.id).await.unwrap().product;
    assert_eq!(after.photos.len(), before + accepted, "{accepted} accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_logins_hashes_a_bounded_number_of_passwords_at_once() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());
    let tries = (0..50).map(|i| {
        let router = router.clone();
        tokio::spawn(async move {
            let (status, headers, _) = api_login(
                &router,
                Some(&format!("198.18.{}.{}", i / 200, i % 200 + 1)),
                &format!("nobody{i}@example.ma"),
                "whatever-whatever",
            )
            .await;
            (status, headers.contains_key(header::RETRY_AFTER))
        })
    });
    for t in tries.collect::<Vec<_>>() {
        let (status, retry_after) = t.await.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => assert!(retry_after),
            other => panic!("{other}"),
        }
    }
    let gate = app.engine.accounts().hash_gate();
    assert!(gate.peak() >= 1);
    assert!(gate.peak() <= gate.max(), "{} at once", gate.peak());
    assert_eq!(gate.max(), 4);
    assert_eq!(gate.in_flight(), 0);
}

/// A wrong login through `peer` with `X-Forwarded-For: xff`; answers the status.
async fn login_via(router: &axum::Router, peer: &str, xff: &str, email: &str) -> StatusCode {
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    let req = Request::post("/api/v1/sessions")
        .extension(ConnectInfo(peer))
        .header("x-forwarded-for", xff)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"email": email, "password": "wrong-password-1"}).to_string(),
        ))
        .unwrap();
    router.clone().oneshot(req).await.unwrap().status()
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app);
    // An untrusted peer cannot escape its throttle by naming another address each time.
    for i in 0..20 {
        let status = login_via(
            &router,
            "203.0.113.9",
            &format!("198.51.100.{i}"),
            &format!("nobody{i}@example.ma"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let status = login_via(&router, "203.0.113.9", "198.51.100.77", "x@example.ma").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Behind the proxy on this machine (trusted by default), each client is its own address.
    for i in 0..20 {
        let status = login_via(
            &router,
            "127.0.0.1",
            "198.51.100.1",
            &format!("someone{i}@example.ma"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // The client prepending an address of its own does not change which one the proxy saw.
    let status = login_via(
        &router,
        "127.0.0.1",
        "6.6.6.6, 198.51.100.1",
        "y@example.ma",
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another shopper behind the same proxy is not throttled.
    let status = login_via(&router, "127.0.0.1", "198.51.100.2", "z@example.ma").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logins_refused_for_lack_of_a_hashing_slot_are_not_counted_as_failures() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());
    // Every hashing slot is taken (a flood elsewhere) while the admin tries, again and again.
    let held: Vec<_> = (0..app.engine.accounts().hash_gate().max())
        .map(|_| app.engine.accounts().hash_permit().unwrap())
        .collect();
    let tries = (0..8).map(|_| {
        let router = router.clone();
        tokio::spawn(async move {
            api_login(
                &router,
                Some("198.51.100.7"),
                "admin@tijara.example",
                "admin-demo-2026",
            )
            .await
            .0
        })
    });
    for t in tries.collect::<Vec<_>>() {
        assert_eq!(t.await.unwrap(), StatusCode::TOO_MANY_REQUESTS);
    }
    drop(held);
    // Once the flood is over, the admin is not throttled for attempts never checked.
    let (status, _, v) = api_login(
        &router,
        Some("198.51.100.7"),
        "admin@tijara.example",
        "admin-demo-2026",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
}

#[tokio::test]
async fn sign_ups_are_checked_before_hashing_and_throttled_per_address() {
    let app = demo_app().await;
    let mut c = Client::new(&app);
    c.get("/account/register").await;
    // A taken or malformed e-mail is refused without hashing the password.
    for email in ["admin@tijara.example", "not-an-email"] {
        let a = c
            .post(
                "/account/register",
                &[
                    ("name", "X"),
                    ("email", email),
                    ("password", "long-enough-1"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{email}");
    }
    let a = c
        .post(
            "/sell",
            &[
                ("name", "X"),
                ("email", "ADMIN@tijara.example"),
                ("password", "long-enough-1"),
                ("phone", "0612345678"),
                ("shop", "Shop"),
                ("city", "Dakhla"),
                ("kind", "artisan"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.engine.accounts().hash_gate().peak(),
        0,
        "no password was hashed"
    );
    // One address signs up ten times, then waits.
    let router = tijara_storefront::router(app.clone());
    let mut statuses = Vec::new();
    for i in 0..11 {
        let mut guest = Client::new(&app);
        guest.router = router.clone();
        guest.get("/account/register").await;
        let token = guest.csrf.clone().unwrap();
        let cookies: String = guest
            .jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let body = serde_urlencoded::to_string([
            ("name", "Sign Up"),
            ("email", &format!("new{i}@example.ma")),
            ("password", "long-enough-1"),
            ("csrf", &token),
        ])
        .unwrap();
        let req = Request::post("/account/register")
            .extension(ConnectInfo(
                "203.0.113.40:1234".parse::<SocketAddr>().unwrap(),
            ))
            .header(header::COOKIE, cookies)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        statuses.push(router.clone().oneshot(req).await.unwrap().status());
    }
    assert!(
        statuses[..10].iter().all(|s| *s == StatusCode::SEE_OTHER),
        "{statuses:?}"
    );
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_seller_api_cannot_set_photos_by_url() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());
    let p = product_of_seller3(&app).await;
    app.engine
        .catalog()
        .set_seller_active(&p.seller_id, false, None)
        .await
        .unwrap();
    let (status, _, v) = api_login(
        &router,
        Some("198.51.100.3"),
        "seller3@tijara.example",
        ARTISAN_PW,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let token = v["token"].as_str().unwrap().to_owned();
    // Another seller's uploaded file, named by URL in a full update.
    let mut body = serde_json::to_value(&p).unwrap();
    body["photos"] = json!([{"url": "/media/0000000000000000000000000000000000000000000000000000000000000000-800.jpg"}]);
    body["title"]["fr"] = json!("Titre changé");
    let (status, _, v) = call_from(
        &router,
        Some("198.51.100.3"),
        Method::PUT,
        &format!("/api/v1/seller/products/{}", p.id),
        Some(&token),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let after = app.engine.catalog().product(&p.id).await.unwrap().product;
    assert_eq!(after.photos, p.photos, "photos unchanged");
    assert_eq!(
        after
            .title
            .get(tijara_core::Lang::FR, tijara_core::Lang::FR),
        Some("Titre changé")
    );
    // Nor on a new product.
    body["slug"] = json!("another-slug-for-photos");
    for v in body["variants"].as_array_mut().unwrap() {
        v["sku"] = json!(format!("{}-NEW", v["sku"].as_str().unwrap()));
        v["initial_stock"] = json!(1);
    }
    let (status, _, v) = call_from(
        &router,
        Some("198.51.100.3"),
        Method::POST,
        "/api/v1/seller/products",
        Some(&token),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["photos"], json!([]));
}

async fn https_demo_app() -> tijara_storefront::App {
    let settings = tijara_storefront::Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: support::data_dir(),
        database_url: Some("sqlite::memory:".into()),
        public_url: Some("https://shop.example".into()),
        cmi: None,
        display_rates: vec![],
        region: None,
        carriers: vec![],
    };
    let app = tijara_storefront::build(&settings).await.unwrap();
    tijara_storefront::seed::seed_if_empty(&app.engine)
        .await
        .unwrap();
    app
}

#[tokio::test]
async fn over_https_a_cart_cookie_without_the_host_prefix_is_not_merged_at_login() {
    let app = https_demo_app().await;
    // A cart filled by someone else, planted as a plain `cart` cookie (a sibling subdomain can
    // set that name for the whole domain; it cannot set a `__Host-` one).
    let product = app
        .engine
        .catalog()
        .list_products(&ProductFilter::default(), None, 1)
        .await
        .unwrap()
        .items
        .remove(0)
        .product;
    let planted = app
        .engine
        .carts()
        .create_cart(None, None)
        .await
        .unwrap()
        .cart
        .id;
    app.engine
        .carts()
        .change_cart(
            &planted,
            tijara::usecases::cart::CartChange::Add {
                variant: product.variants[0].id.clone(),
                quantity: 1,
            },
            None,
        )
        .await
        .unwrap();
    let mut c = Client::new(&app);
    c.jar.insert("cart".into(), planted.to_string());
    let cart = c.get("/cart").await;
    assert_eq!(cart.status, StatusCode::OK);
    assert!(
        !cart.body.contains(product.variants[0].sku.as_str()),
        "the planted cart is not shown as the visitor's"
    );
    let r = c.login("shopper@tijara.example", "shopper-demo-2026").await;
    assert_eq!(r.location.as_deref(), Some("/account"), "{}", r.body);
    assert!(
        !c.jar.contains_key("__Host-cart"),
        "the planted cart was merged: {:?}",
        c.jar.keys()
    );
}

/// The `Cache-Control` of an answer.
async fn cache_control(router: &axum::Router, uri: &str, cookie: Option<&str>) -> String {
    let mut req = Request::get(uri);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    res.headers()
        .get(header::CACHE_CONTROL)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn carts_orders_payment_returns_and_logged_in_pages_are_not_stored() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());
    for uri in [
        "/cart",
        "/checkout",
        "/orders/ord-unknown?t=x",
        "/cmi/return",
        "/api/v1/orders/ord-unknown?t=x",
        "/api/v1/carts/cart-unknown",
    ] {
        assert_eq!(cache_control(&router, uri, None).await, "no-store", "{uri}");
    }
    // A shop page is cacheable for a guest, not for a logged-in visitor (it carries the
    // session's CSRF token).
    assert_ne!(cache_control(&router, "/", None).await, "no-store");
    let mut c = Client::new(&app);
    c.login("shopper@tijara.example", "shopper-demo-2026").await;
    let sid = c.jar.get("sid").cloned().unwrap();
    assert_eq!(
        cache_control(&router, "/", Some(&format!("sid={sid}"))).await,
        "no-store"
    );
    // The shop's images stay cacheable.
    assert_ne!(
        cache_control(&router, "/images/x.svg", Some(&format!("sid={sid}"))).await,
        "no-store"
    );
}

/// A JSON post through `peer`, with `X-Forwarded-For: xff` when given.
async fn post_via(
    router: &axum::Router,
    peer: &str,
    xff: Option<&str>,
    uri: &str,
    body: Value,
) -> (StatusCode, Value) {
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    let mut req = Request::post(uri)
        .extension(ConnectInfo(peer))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(x) = xff {
        req = req.header("x-forwarded-for", x);
    }
    let res = router
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 4 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A cash-on-delivery order of one unit of `variant`, placed through `peer` for `xff`.
async fn order_via(
    router: &axum::Router,
    peer: &str,
    xff: &str,
    (variant, seller): (&str, &str),
    email: &str,
) -> StatusCode {
    let addr = json!({"name": "Fatima Zahra", "line1": "N° 12, Rue Tarfaya", "line2": null,
        "city": "Dakhla", "postal_code": "73000", "country": "MA", "phone": "+212661000001"});
    let (_, cart) = post_via(router, peer, Some(xff), "/api/v1/carts", json!({})).await;
    let id = cart["cart"]["id"].as_str().unwrap().to_owned();
    let (status, doc) = post_via(
        router,
        peer,
        Some(xff),
        &format!("/api/v1/carts/{id}/items"),
        json!({"variant_id": variant, "quantity": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let (_, quotes) = post_via(
        router,
        peer,
        Some(xff),
        &format!("/api/v1/carts/{id}/shipping-quotes"),
        addr.clone(),
    )
    .await;
    let option = &quotes[0]["options"][0];
    let (status, doc) = post_via(
        router,
        peer,
        Some(xff),
        &format!("/api/v1/carts/{id}/shipping"),
        json!({"address": addr, "seller_id": seller, "carrier": option["carrier"],
            "service": option["service"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    post_via(
        router,
        peer,
        Some(xff),
        "/api/v1/orders",
        // By transfer: the per-address limit counts card and transfer orders only (cash on
        // delivery is limited per e-mail, since many shoppers share a mobile carrier's address).
        json!({"cart_id": id, "email": email, "address": addr, "payment": "transfer"}),
    )
    .await
    .0
}

#[tokio::test]
async fn the_unpaid_order_limit_counts_the_client_behind_a_trusted_proxy() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());
    let item = app
        .engine
        .catalog()
        .list_products(&ProductFilter::default(), None, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|v| {
            v.variants.first().is_some_and(|a| match a.availability {
                tijara_core::inventory::Availability::InStock { available } => available >= 10,
                tijara_core::inventory::Availability::OutOfStock => false,
                _ => true,
            })
        })
        .unwrap();
    let variant = item.variants[0].variant.id.to_string();
    let seller = item.product.seller_id.to_string();
    let product = (variant.as_str(), seller.as_str());
    // Five unpaid orders from one shopper behind the proxy on this machine (other e-mails each
    // time): the sixth is refused...
    for i in 0..5 {
        let status = order_via(
            &router,
            "127.0.0.1",
            "198.51.100.20",
            product,
            &format!("a{i}@example.ma"),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "order {i}");
    }
    let status = order_via(
        &router,
        "127.0.0.1",
        "198.51.100.20",
        product,
        "a9@example.ma",
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // ...another shopper behind the same proxy is not.
    let status = order_via(
        &router,
        "127.0.0.1",
        "198.51.100.21",
        product,
        "b@example.ma",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}
