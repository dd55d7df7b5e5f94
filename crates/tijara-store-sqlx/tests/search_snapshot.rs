//! What the sqlx stores keep between searches (`tijara::ports::storage::SearchSnapshot`) across
//! processes: two stores on one database stand for two processes, each with its own snapshot.
//! The PostgreSQL checks need `TIJARA_TEST_POSTGRES_URL` (skipped with a notice without it).

use std::time::Duration;
use tijara::ports::storage::{Changeset, Storage};
use tijara_core::{OrderId, ProductId, ReservationId, VariantId};
use tijara_store_sqlx::{PostgresStore, SqliteStore};
use tijara_testkit::storage::{search_follows_other_stores_writes, unique};

/// Two PostgreSQL stores on one schema of their own.
async fn two_postgres() -> Option<(PostgresStore, PostgresStore)> {
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL is not set: skipping this PostgreSQL check");
        return None;
    };
    let schema = format!("t_{}", unique("snap").replace('-', "_"));
    let open = || async {
        PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .expect("connect to PostgreSQL")
    };
    let a = open().await;
    Some((a, open().await))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stores_see_each_others_writes_and_sales() {
    if let Some((a, b)) = two_postgres().await {
        search_follows_other_stores_writes(&a, &b).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_stores_see_each_others_writes_and_sales() {
    let dir = std::env::temp_dir().join(unique("tijara-snapshot"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("shop.db").display());
    let a = SqliteStore::connect(&url).await.expect("open");
    let b = SqliteStore::connect(&url).await.expect("open again");
    search_follows_other_stores_writes(&a, &b).await;
    drop((a, b));
    let _ = std::fs::remove_dir_all(dir);
}

fn stock(ops: Vec<tijara::ports::storage::StockOp>) -> Changeset {
    Changeset {
        stock: ops,
        ..Changeset::default()
    }
}

async fn availability(s: &PostgresStore) -> i64 {
    sqlx::query_scalar("SELECT availability FROM catalog_version WHERE id = 1")
        .fetch_one(s.pool())
        .await
        .expect("read the availability count")
}

/// Only stock changes that make a variant available or unavailable (or add or remove a stock
/// row) raise `catalog_version.availability`; the others (most checkouts) leave the
/// catalog_version row alone: they commit while another transaction holds its lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_availability_follows_only_changes_of_availability() {
    use tijara::ports::storage::StockOp;
    let Some((s, _)) = two_postgres().await else {
        return;
    };
    let id = unique("avail");
    let v = VariantId::new(format!("{id}-v")).expect("variant id");
    let define = |on_hand| StockOp::Define {
        variant: v.clone(),
        product: ProductId::new(id.clone()).expect("product id"),
        tracked: true,
        on_hand,
    };
    let commit = |ops| {
        let s = &s;
        async move { s.commit(stock(ops)).await.expect("commit stock") }
    };
    let start = availability(&s).await;
    commit(vec![define(3)]).await;
    assert_eq!(availability(&s).await, start + 1, "a new stock row counts");
    commit(vec![define(3)]).await;
    let r = ReservationId::new(unique("r")).expect("reservation id");
    commit(vec![StockOp::Reserve {
        reservation: r.clone(),
        variant: v.clone(),
        quantity: 1,
        order: OrderId::new(unique("o")).expect("order id"),
        expires_at: chrono::Utc::now() + chrono::Duration::minutes(30),
    }])
    .await;
    commit(vec![StockOp::Release { reservation: r }]).await;
    commit(vec![StockOp::Sell {
        variant: v.clone(),
        quantity: 1,
    }])
    .await;
    commit(vec![StockOp::Adjust {
        variant: v.clone(),
        delta: 2,
    }])
    .await;
    assert_eq!(
        availability(&s).await,
        start + 1,
        "redefined, reserved, released, sold and restocked, always available: not counted"
    );

    // Another transaction holds the catalog_version row: a sale that leaves the variant
    // available still commits; the one that sells it out waits for it.
    let mut holder = s.pool().begin().await.expect("begin");
    sqlx::query("SELECT version FROM catalog_version WHERE id = 1 FOR UPDATE")
        .execute(&mut *holder)
        .await
        .expect("lock the catalog_version row");
    let sell = |quantity| {
        s.commit(stock(vec![StockOp::Sell {
            variant: v.clone(),
            quantity,
        }]))
    };
    tokio::time::timeout(Duration::from_secs(10), sell(3))
        .await
        .expect("a sale leaving units commits without the catalog_version row")
        .expect("sell 3 of 4");
    let last = tokio::spawn({
        let s = s.clone();
        let v = v.clone();
        async move {
            s.commit(stock(vec![StockOp::Sell {
                variant: v,
                quantity: 1,
            }]))
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !last.is_finished(),
        "the sale of the last unit raises the count (waits for the row)"
    );
    holder.rollback().await.expect("release the row");
    last.await.expect("join").expect("sell the last unit");
    assert_eq!(availability(&s).await, start + 2, "sold out: counted");
    commit(vec![StockOp::Adjust {
        variant: v.clone(),
        delta: 1,
    }])
    .await;
    assert_eq!(availability(&s).await, start + 3, "restocked: counted");
}
