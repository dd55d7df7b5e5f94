//! The two SQLite adapters share one schema and one migration record: each opens a database
//! the other created, reads what the other wrote, and writes to it.

use tijara::ports::storage::{Changeset, CommitOutcome, DocKind, Storage};
use tijara_testkit::storage::{doc, unique};

fn write(id: &str) -> Changeset {
    Changeset {
        docs: vec![doc(
            DocKind::Seller,
            id,
            None,
            r#"{"name":"Atelier — مشغل"}"#,
        )],
        ..Changeset::default()
    }
}

async fn has(s: &dyn Storage, id: &str) -> bool {
    s.get(DocKind::Seller, id).await.expect("read").is_some()
}

fn url(name: &str) -> String {
    let path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}.db", unique(name)));
    format!("sqlite://{}", path.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rusqlite_opens_a_database_sqlx_created_and_back() {
    let url = url("from-sqlx");
    let sqlx = tijara_store_sqlx::SqliteStore::connect(&url)
        .await
        .expect("sqlx creates");
    assert_eq!(
        sqlx.commit(write("a")).await.expect("sqlx writes"),
        CommitOutcome::Committed
    );
    drop(sqlx);
    let rsq = tijara_store_sqlite::SqliteStore::connect(&url)
        .await
        .expect("rusqlite accepts sqlx's migration record");
    assert!(has(&rsq, "a").await, "rusqlite reads what sqlx wrote");
    rsq.commit(write("b")).await.expect("rusqlite writes");
    drop(rsq);
    let sqlx = tijara_store_sqlx::SqliteStore::connect(&url)
        .await
        .expect("sqlx still accepts its migration record");
    assert!(has(&sqlx, "b").await, "sqlx reads what rusqlite wrote");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlx_opens_a_database_rusqlite_created_and_back() {
    let url = url("from-rusqlite");
    let rsq = tijara_store_sqlite::SqliteStore::connect(&url)
        .await
        .expect("rusqlite creates");
    rsq.commit(write("a")).await.expect("rusqlite writes");
    drop(rsq);
    let sqlx = tijara_store_sqlx::SqliteStore::connect(&url)
        .await
        .expect("sqlx accepts rusqlite's migration record (same versions and checksums)");
    assert!(has(&sqlx, "a").await, "sqlx reads what rusqlite wrote");
    sqlx.commit(write("b")).await.expect("sqlx writes");
    drop(sqlx);
    let rsq = tijara_store_sqlite::SqliteStore::connect(&url)
        .await
        .expect("rusqlite reopens");
    assert!(has(&rsq, "b").await);
    assert_eq!(rsq.integrity_check().await.expect("check"), "ok");
}

/// Both adapters read a URL's path alike: a `%`-escaped path names one file (with its space and
/// `?`), so the storefront (rusqlite) and the CLI (sqlx) never open two databases for one URL.
/// This adapter refuses a parameter it does not take (`cache=shared`, which sqlx takes, among
/// them), a bad `mode`, and `mode=rw` on a file that does not exist; and takes `mode=rwc`,
/// sqlx's way to say "create if missing" (the sqlx adapter creates a missing file whatever the
/// mode).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_adapters_read_a_url_alike() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(unique("my shop?"));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("tijara.db");
    let escaped = dir
        .display()
        .to_string()
        .replace(' ', "%20")
        .replace('?', "%3F");
    let url = format!("sqlite://{escaped}/tijara.db");
    let rsq = tijara_store_sqlite::SqliteStore::connect(&format!("{url}?mode=rwc"))
        .await
        .expect("rusqlite creates");
    rsq.commit(write("a")).await.expect("rusqlite writes");
    drop(rsq);
    assert!(file.exists(), "the decoded path: {}", file.display());
    let sqlx = tijara_store_sqlx::SqliteStore::connect(&url)
        .await
        .expect("sqlx opens");
    assert!(has(&sqlx, "a").await, "one file for both");
    drop(sqlx);
    let rsq = tijara_store_sqlite::SqliteStore::connect(&format!("{url}?mode=rw&reads=pool"))
        .await
        .expect("an existing file opens with mode=rw");
    assert!(has(&rsq, "a").await);
    drop(rsq);
    for (query, says) in [
        ("cache=shared", "no parameter of this adapter"),
        ("synchronus=normal", "no parameter of this adapter"),
        ("mode=rwx", "mode=rwc"),
    ] {
        let Err(err) = tijara_store_sqlite::connect(&format!("{url}?{query}")).await else {
            panic!("{query} refused")
        };
        assert!(err.to_string().contains(says), "{query}: {err}");
    }
    let missing = format!("sqlite://{escaped}/none.db?mode=rw");
    let Err(err) = tijara_store_sqlite::connect(&missing).await else {
        panic!("mode=rw creates nothing")
    };
    assert!(err.to_string().contains("mode=rw"), "{err}");
    assert!(!dir.join("none.db").exists(), "nothing created");
}
