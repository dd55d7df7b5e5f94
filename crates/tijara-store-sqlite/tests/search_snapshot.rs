//! What the store keeps between searches (`tijara::ports::storage::SearchSnapshot`) across
//! processes: two stores on one file stand for two processes, each with its own snapshot
//! (two rusqlite stores, and a rusqlite store with a sqlx one).

use tijara::ports::storage::Storage;
use tijara_testkit::storage::{search_follows_other_stores_writes, unique};

fn url() -> String {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rusqlite-snapshot-{}.db", unique("sqlite")));
    format!("sqlite://{}", path.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_see_each_others_writes_and_sales() {
    let url = url();
    let a = tijara_store_sqlite::SqliteStore::connect(&url)
        .await
        .expect("open");
    let b = tijara_store_sqlite::SqliteStore::connect(&url)
        .await
        .expect("open again");
    search_follows_other_stores_writes(&a, &b).await;
}

/// A rusqlite store and a sqlx store on one new file.
async fn mixed() -> (Box<dyn Storage>, Box<dyn Storage>) {
    let url = url();
    let a = tijara_store_sqlite::SqliteStore::connect(&url)
        .await
        .expect("open with rusqlite");
    let b = tijara_store_sqlx::SqliteStore::connect(&url)
        .await
        .expect("open with sqlx");
    (Box::new(a), Box::new(b))
}

// Each direction on a file of its own: the words of two runs of the check differ by a digit
// or two, within each other's typos.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlx_store_sees_a_rusqlite_stores_writes_and_sales() {
    let (a, b) = mixed().await;
    search_follows_other_stores_writes(&*a, &*b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rusqlite_store_sees_a_sqlx_stores_writes_and_sales() {
    let (a, b) = mixed().await;
    search_follows_other_stores_writes(&*b, &*a).await;
}
