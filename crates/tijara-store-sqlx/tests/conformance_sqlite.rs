//! The SQLite store runs the whole storage conformance suite, each check on a fresh file
//! database (WAL, synchronous=FULL, 8 connections), plus a few checks on `sqlite::memory:`.

use std::sync::Arc;
use tijara::ports::storage::Storage;

async fn fresh() -> Option<Arc<dyn Storage>> {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "conformance-{}.db",
        tijara_testkit::storage::unique("sqlite")
    ));
    let url = format!("sqlite://{}", path.display());
    Some(Arc::new(
        tijara_store_sqlx::SqliteStore::connect(&url)
            .await
            .expect("open SQLite"),
    ))
}

tijara_testkit::storage_conformance!(fresh());

mod in_memory {
    use super::*;

    async fn memory() -> Option<Arc<dyn Storage>> {
        Some(Arc::new(
            tijara_store_sqlx::SqliteStore::connect("sqlite::memory:")
                .await
                .expect("open in-memory SQLite"),
        ))
    }

    tijara_testkit::storage_conformance!(memory());
}

#[tokio::test]
async fn connect_takes_urls_and_plain_paths() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("{}.db", tijara_testkit::storage::unique("plain")));
    let store = tijara_store_sqlx::connect(path.to_str().expect("utf-8 path"))
        .await
        .expect("a plain path opens SQLite");
    tijara_testkit::storage::documents_are_versioned_and_exact(&*store).await;
    assert!(path.exists(), "the file was created");
    assert!(tijara_store_sqlx::connect("sqlite::memory:").await.is_ok());
    let err = tijara_store_sqlx::connect("mysql://u:secret@h/db")
        .await
        .err()
        .expect("unsupported");
    assert!(
        err.to_string().contains("mysql://u:***@h/db"),
        "the password is redacted: {err}"
    );
}
