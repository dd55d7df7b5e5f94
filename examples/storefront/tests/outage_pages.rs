//! Pages past the login during an outage: the portal, admin and account pages answer 503, never
//! an empty 200 list, a 403 or a 404; and a logged-in visitor whose session cannot be read is
//! shown a 503, not logged out.

#![allow(clippy::unwrap_used)] // a failed unwrap fails the test

mod support;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use std::sync::Arc;
use support::Client;
use tijara::ports::storage::DocKind;
use tijara_storefront::App;
use tijara_testkit::outage::Outage;
use tower::ServiceExt;

/// The demo marketplace on a storage that can be taken down.
async fn app_with_outage() -> (App, Arc<Outage>) {
    let app = support::demo_app().await;
    let outage = Arc::new(Outage::new(app.engine.storage().clone()));
    let engine = tijara::Tijara::builder()
        .region(tijara_core::Region::dakhla())
        .storage(outage.clone())
        .payment(Arc::new(tijara_pay_offline::CashOnDelivery))
        .carrier(Arc::new(
            tijara_carrier_table::TableCarrier::from_toml(tijara_carrier_table::AMANA_SAMPLE)
                .unwrap(),
        ))
        .build()
        .unwrap();
    (
        App::from(tijara_storefront::AppParts {
            engine,
            ..app.into_parts()
        }),
        outage,
    )
}

async fn logged_in(app: &App, email: &str, password: &str) -> Client {
    let mut c = Client::new(app);
    let r = c.login(email, password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    c
}

#[tokio::test]
async fn pages_past_the_login_answer_503_during_an_outage() {
    let (app, outage) = app_with_outage().await;
    let mut seller = logged_in(&app, "seller3@tijara.example", "artisan-demo-2026").await;
    let mut admin = logged_in(&app, "admin@tijara.example", "admin-demo-2026").await;
    let mut shopper = logged_in(&app, "shopper@tijara.example", "shopper-demo-2026").await;
    let pages: [(&mut Client, &[&str]); 3] = [
        (
            &mut seller,
            &[
                "/seller?lang=fr",
                "/seller/products?lang=fr",
                "/seller/statement?lang=fr",
                "/seller/products/prd_any/edit?lang=fr",
            ],
        ),
        (
            &mut admin,
            &[
                "/admin?lang=fr",
                "/admin/orders?lang=fr",
                "/admin/payouts?lang=fr",
                "/admin/events?lang=fr",
            ],
        ),
        (&mut shopper, &["/account?lang=fr"]),
    ];
    // Sessions and accounts still load: each page meets the outage in its own reads.
    outage.spare(&[DocKind::Session, DocKind::Account]);
    outage.set_down(true);
    for (client, uris) in pages {
        for uri in uris {
            let r = client.get(uri).await;
            assert_eq!(
                r.status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{uri}: {}",
                r.body
            );
            assert!(r.body.contains("momentanément indisponible"), "{uri}");
        }
    }
    // The seller API's order part is no 404 either.
    let token = {
        outage.set_down(false);
        let res = tijara_storefront::router(app.clone())
            .oneshot(
                Request::post("/api/v1/sessions")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(
                        r#"{"email":"seller3@tijara.example","password":"artisan-demo-2026"}"#,
                    ))
                    .unwrap(),
            )
            .await
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&to_bytes(res.into_body(), 1 << 20).await.unwrap()).unwrap();
        outage.set_down(true);
        v["token"].as_str().unwrap().to_owned()
    };
    let res = tijara_storefront::router(app.clone())
        .oneshot(
            Request::get("/api/v1/seller/orders/ord_any/so_any/label")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn an_outage_does_not_log_the_visitor_out() {
    let (app, outage) = app_with_outage().await;
    let mut shopper = logged_in(&app, "shopper@tijara.example", "shopper-demo-2026").await;
    assert_eq!(shopper.get("/account").await.status, StatusCode::OK);
    outage.set_down(true);
    let r = shopper.get("/account?lang=fr").await;
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "not the login page: {:?} {}",
        r.location,
        r.body
    );
    let r = shopper.get("/?lang=fr").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    // The browser back from the bank: a 503, not the neutral page shown to strangers.
    let mut payer = Client::new(&app);
    payer
        .jar
        .insert("cmi_order".into(), "ord_some.0123456789abcdef".into());
    let r = payer.get("/cmi/return?order=ord_some&lang=fr").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    outage.set_down(false);
    let r = shopper.get("/account").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "still logged in: {:?}",
        r.location
    );
}
