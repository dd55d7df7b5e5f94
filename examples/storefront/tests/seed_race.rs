//! Two storefronts starting at once on one empty database both seed the demo marketplace:
//! neither fails (it used to exit with `Conflict { kind: Category, id: "leather" }`), and the
//! marketplace is there once, not twice.

#![allow(clippy::unwrap_used)] // a failed unwrap fails the test

use std::sync::Arc;
use tijara::Tijara;
use tijara::ports::storage::Storage;
use tijara::usecases::catalog::ProductFilter;

fn engine(storage: Arc<dyn Storage>) -> Tijara {
    Tijara::builder()
        .region(tijara_core::Region::dakhla())
        .storage(storage)
        .payment(Arc::new(tijara_pay_offline::CashOnDelivery))
        .carrier(Arc::new(
            tijara_carrier_table::TableCarrier::from_toml(tijara_carrier_table::AMANA_SAMPLE)
                .unwrap(),
        ))
        .build()
        .unwrap()
}

/// Two engines, each with its own store on one database (as two processes), seed at once.
async fn race(a: Arc<dyn Storage>, b: Arc<dyn Storage>) {
    let (a, b) = (engine(a), engine(b));
    let (ra, rb) = tokio::join!(
        tijara_storefront::seed::seed_if_empty(&a),
        tijara_storefront::seed::seed_if_empty(&b)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra || rb, "one of them seeded");
    for e in [&a, &b] {
        assert_eq!(
            e.catalog()
                .list_sellers(None, 100)
                .await
                .unwrap()
                .items
                .len(),
            8
        );
        let mut products = 0;
        let mut after = None;
        loop {
            let page = e
                .catalog()
                .list_products(&ProductFilter::default(), after.as_deref(), 100)
                .await
                .unwrap();
            products += page.items.len();
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(products, 40);
        for (_, email, _) in tijara_storefront::seed::demo_accounts() {
            assert!(
                e.accounts()
                    .account_by_email(&email)
                    .await
                    .unwrap()
                    .is_some(),
                "{email}"
            );
        }
    }
    // A storefront started later does not seed again.
    assert!(!tijara_storefront::seed::seed_if_empty(&a).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_seeders_racing_on_one_sqlite_file() {
    for round in 0..3 {
        let path = std::env::temp_dir().join(format!(
            "{}.db",
            tijara_testkit::storage::unique(&format!("seed-race-{round}"))
        ));
        let url = format!("sqlite://{}", path.display());
        let a = tijara_store_sqlx::connect(&url).await.unwrap();
        let b = tijara_store_sqlx::connect(&url).await.unwrap();
        race(a, b).await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_seeders_racing_on_one_postgres_schema() {
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL is not set: skipping this PostgreSQL check");
        return;
    };
    for round in 0..3 {
        let schema = format!(
            "t_{}",
            tijara_testkit::storage::unique(&format!("seedrace{round}")).replace('-', "_")
        );
        let a = tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .unwrap();
        let b = tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .unwrap();
        race(Arc::new(a), Arc::new(b)).await;
    }
}
