//! Two engines, each with its own connection pool, on one PostgreSQL database sell the same 50
//! units to 200 concurrent shoppers: exactly 50 orders, stock 0, never an oversold unit.
//! Needs `TIJARA_TEST_POSTGRES_URL`; skipped with a notice without it.

use std::sync::Arc;
use tijara::TijaraError;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_engines_never_oversell() {
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL is not set: skipping the two-engine PostgreSQL test");
        return;
    };
    let schema = format!("t_two_{}_{}", std::process::id(), chrono_like_now());
    let a = tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
        .await
        .expect("pool A");
    let b = tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
        .await
        .expect("pool B");
    let engine_a = tijara_tests::engine(Arc::new(a));
    let engine_b = tijara_tests::engine(Arc::new(b));
    let (variant, seller) = tijara_tests::one_product(&engine_a, 50)
        .await
        .expect("catalog");
    let tasks: Vec<_> = (0..200u64)
        .map(|i| {
            let engine = if i % 2 == 0 {
                engine_a.clone()
            } else {
                engine_b.clone()
            };
            let (variant, seller) = (variant.clone(), seller.clone());
            tokio::spawn(async move {
                engine
                    .checkout()
                    .place_order(tijara_tests::cod_order(&variant, &seller, 1, i), None)
                    .await
            })
        })
        .collect();
    let (mut placed, mut out) = (0, 0);
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => placed += 1,
            Err(TijaraError::OutOfStock { .. }) => out += 1,
            Err(e) => panic!("a checkout must be placed or out of stock: {e}"),
        }
    }
    assert_eq!((placed, out), (50, 150));
    for engine in [&engine_a, &engine_b] {
        let row = engine.catalog().stock_row(&variant).await.expect("stock");
        assert_eq!((row.on_hand, row.reserved), (0, 0));
        let mut orders = 0;
        let mut after: Option<String> = None;
        loop {
            let page = engine
                .orders()
                .all_orders(after.as_deref(), 100)
                .await
                .expect("orders");
            orders += page.items.len();
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(orders, 50, "both engines see the same 50 orders");
    }
}

fn chrono_like_now() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0)
}
