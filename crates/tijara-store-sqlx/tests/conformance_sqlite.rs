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
