//! Issue 11: a tracking number belongs to one shipment in the whole store, on the SQL stores
//! too (SQLite; PostgreSQL when `TIJARA_TEST_POSTGRES_URL` is set).

#![allow(clippy::panic)] // test helpers assert by panicking

use std::sync::Arc;
use tijara::usecases::fulfillment::{HandTracking, Operator, ShipRequest};
use tijara::{Tijara, TijaraError};
use tijara_core::fulfillment::Shipment;
use tijara_core::{OrderId, SellerId, VariantId};

async fn shipped(
    e: &Tijara,
    variant: &VariantId,
    seller: &SellerId,
    n: u64,
) -> (OrderId, Shipment) {
    let order = e
        .checkout()
        .place_order(tijara_tests::cod_order(variant, seller, 1, n), None)
        .await
        .expect("placed")
        .order;
    let so = order.seller_orders[0].id.clone();
    e.fulfillment()
        .mark_ready(&order.id, &so, None)
        .await
        .expect("ready");
    let request = ShipRequest::new();
    let s = e
        .fulfillment()
        .ship_as(
            &Operator::Seller(seller.clone()),
            &order.id,
            &so,
            request,
            None,
        )
        .await
        .expect("shipped");
    (order.id, s)
}

async fn numbers_are_unique(e: Tijara) {
    let (variant, seller) = tijara_tests::one_product(&e, 10).await.expect("catalog");
    let (first, sh_1) = shipped(&e, &variant, &seller, 1).await;
    let (second, sh_2) = shipped(&e, &variant, &seller, 2).await;
    e.fulfillment()
        .set_tracking_number(&first, &sh_1.id, "LD123456789MA", None)
        .await
        .expect("a number");
    for typed in ["LD123456789MA", "ld123456789ma"] {
        let err = e
            // The marketplace: a seller may not type numbers for this (stub) carrier, which
            // tracks its parcels itself; uniqueness holds for the admin too.
            .fulfillment()
            .track_by_hand(
                &Operator::Marketplace,
                &second,
                &sh_2.seller_order_id,
                HandTracking::new().with_tracking_number(typed),
                None,
            )
            .await
            .expect_err("another order's number");
        assert!(
            matches!(err, TijaraError::TrackingNumberTaken { .. }),
            "{typed}: {err}"
        );
    }
    // Freed when the first shipment takes another number.
    e.fulfillment()
        .set_tracking_number(&first, &sh_1.id, "LD000000001MA", None)
        .await
        .expect("another number");
    e.fulfillment()
        .set_tracking_number(&second, &sh_2.id, "LD123456789MA", None)
        .await
        .expect("free again");
}

#[tokio::test]
async fn tracking_numbers_are_unique_on_sqlite() {
    let storage = tijara_store_sqlx::connect("sqlite::memory:")
        .await
        .expect("sqlite");
    numbers_are_unique(tijara_tests::engine(storage)).await;
}

#[tokio::test]
async fn tracking_numbers_are_unique_on_postgres() {
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL is not set: skipping the PostgreSQL tracking test");
        return;
    };
    let schema = format!(
        "t_track_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0)
    );
    let store = tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
        .await
        .expect("postgres");
    numbers_are_unique(tijara_tests::engine(Arc::new(store))).await;
}
