//! Storage refusals caused by the request are the client's answers, not server faults: a slug
//! or SKU another product holds is 409 `already_exists`, an unknown variant or reservation 422;
//! only the backend's own failures (and unreadable documents) are 500.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use support::{call, demo_app};
use tijara::TijaraError;
use tijara::ports::storage::{DocKind, StorageError};
use tijara_storefront::api::ApiError;

fn product(slug: &str, sku: &str) -> Value {
    json!({
        "seller_id": "ignored",
        "category_id": "leather", "slug": slug,
        "title": {"ar": "محفظة", "fr": "Portefeuille"},
        "made_by": null,
        "variants": [{"sku": sku, "price": {"amount": "120.00", "currency": "MAD"},
            "tax_category": "standard", "weight_grams": 150, "dimensions": null,
            "shippable": true, "stock_policy": {"policy": "tracked"}, "initial_stock": 3}]
    })
}

#[tokio::test]
async fn a_taken_slug_or_sku_is_a_409_not_a_server_fault() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());
    let (status, v) = call(
        &router,
        Method::POST,
        "/api/v1/sessions",
        None,
        Some(json!({"email": "seller3@tijara.example", "password": "artisan-demo-2026"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let token = v["token"].as_str().unwrap().to_owned();
    let create = |body: Value| {
        let router = router.clone();
        let token = token.clone();
        async move {
            call(
                &router,
                Method::POST,
                "/api/v1/seller/products",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (status, v) = create(product("dup-wallet", "DUP-W-1")).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    for (body, what) in [
        (product("dup-wallet", "DUP-W-2"), "the same slug"),
        (product("dup-wallet-2", "DUP-W-1"), "the same SKU"),
    ] {
        let (status, v) = create(body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{what}: {v}");
        assert_eq!(v["code"], "already_exists", "{what}: {v}");
        assert!(
            !v["message"].as_str().unwrap().contains("fault is logged"),
            "{what}: {v}"
        );
    }
}

#[test]
fn only_backend_faults_and_unreadable_documents_are_500() {
    let cases: Vec<(TijaraError, StatusCode, &str)> = vec![
        (
            TijaraError::Storage(StorageError::KeyTaken {
                kind: DocKind::Product,
                key: "slug:x".into(),
            }),
            StatusCode::CONFLICT,
            "already_exists",
        ),
        (
            TijaraError::Storage(StorageError::UnknownVariant(
                tijara_core::VariantId::new("var_x").unwrap(),
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
        ),
        (
            TijaraError::Storage(StorageError::UnknownReservation(
                tijara_core::ReservationId::new("res_x").unwrap(),
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
        ),
        (
            TijaraError::Storage(StorageError::Backend("disk image is malformed".into())),
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
        ),
        (
            TijaraError::Corrupt {
                kind: DocKind::Order,
                id: "ord_x".into(),
                reason: "expected value".into(),
            },
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
        ),
        (
            TijaraError::Storage(StorageError::Unavailable("disk full".into())),
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
        ),
    ];
    for (e, status, code) in cases {
        let shown = e.to_string();
        let ApiError(s, c, message) = ApiError::from(e);
        assert_eq!((s, c), (status, code), "{shown}");
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            assert!(!message.contains("malformed") && !message.contains("ord_x"));
        }
    }
}
