//! The rusqlite store runs the whole storage conformance suite, each check on a fresh file
//! database (WAL, synchronous=FULL with a cart's deferred changes at NORMAL, point reads inline), and again in memory, with a memory
//! map, with reader threads and with every read on the blocking pool.

use std::sync::Arc;
use tijara::ports::storage::Storage;

async fn fresh() -> Option<Arc<dyn Storage>> {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "rusqlite-conformance-{}.db",
        tijara_testkit::storage::unique("sqlite")
    ));
    let url = format!("sqlite://{}", path.display());
    Some(Arc::new(
        tijara_store_sqlite::SqliteStore::connect(&url)
            .await
            .expect("open SQLite"),
    ))
}

tijara_testkit::storage_conformance!(fresh());

mod in_memory {
    use super::*;

    async fn memory() -> Option<Arc<dyn Storage>> {
        Some(Arc::new(
            tijara_store_sqlite::SqliteStore::connect("sqlite::memory:")
                .await
                .expect("open in-memory SQLite"),
        ))
    }

    tijara_testkit::storage_conformance!(memory());
}

mod memory_mapped {
    use super::*;

    async fn mapped() -> Option<Arc<dyn Storage>> {
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "rusqlite-mmap-{}.db",
            tijara_testkit::storage::unique("sqlite")
        ));
        let url = format!("sqlite://{}", path.display());
        let options = tijara_store_sqlite::SqliteOptions::default().with_mmap_size(64 << 20);
        Some(Arc::new(
            tijara_store_sqlite::SqliteStore::connect_with(&url, options)
                .await
                .expect("open SQLite with a memory map"),
        ))
    }

    tijara_testkit::storage_conformance!(mapped());
}

mod reader_threads {
    use super::*;

    async fn threads() -> Option<Arc<dyn Storage>> {
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "rusqlite-threads-{}.db",
            tijara_testkit::storage::unique("sqlite")
        ));
        let url = format!("sqlite://{}", path.display());
        let options = tijara_store_sqlite::SqliteOptions::default()
            .with_reads(tijara_store_sqlite::ReadMode::Threads);
        Some(Arc::new(
            tijara_store_sqlite::SqliteStore::connect_with(&url, options)
                .await
                .expect("open SQLite with reader threads"),
        ))
    }

    tijara_testkit::storage_conformance!(threads());
}

/// The suite again with every read on Tokio's blocking pool (`ReadMode::BlockingPool`; the
/// default runs point reads inline), asked for by the URL's `reads=pool`.
mod blocking_pool {
    use super::*;

    async fn pool() -> Option<Arc<dyn Storage>> {
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "rusqlite-pool-{}.db",
            tijara_testkit::storage::unique("sqlite")
        ));
        let url = format!("sqlite://{}?reads=pool", path.display());
        Some(
            tijara_store_sqlite::connect(&url)
                .await
                .expect("open SQLite with reads on the blocking pool"),
        )
    }

    tijara_testkit::storage_conformance!(pool());
}

#[tokio::test]
async fn an_unknown_read_mode_is_refused_and_named() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let url = format!(
        "sqlite://{}?reads=fast",
        dir.join("reads-fast.db").display()
    );
    let Err(err) = tijara_store_sqlite::connect(&url).await else {
        panic!("reads=fast is not a mode")
    };
    assert!(err.to_string().contains("reads=inline"), "{err}");
}

#[tokio::test]
async fn connect_takes_urls_and_plain_paths() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("{}.db", tijara_testkit::storage::unique("plain")));
    let store = tijara_store_sqlite::connect(path.to_str().expect("utf-8 path"))
        .await
        .expect("a plain path opens SQLite");
    tijara_testkit::storage::documents_are_versioned_and_exact(&*store).await;
    assert!(path.exists(), "the file was created");
    let path = dir.join(format!("{}.db", tijara_testkit::storage::unique("short")));
    assert!(
        tijara_store_sqlite::connect(&format!("sqlite:{}", path.display()))
            .await
            .is_ok()
    );
    assert!(path.exists(), "sqlite:path names a file");
    assert!(
        tijara_store_sqlite::connect("sqlite::memory:")
            .await
            .is_ok()
    );
    let err = tijara_store_sqlite::connect("mysql://u:secret@h/db")
        .await
        .err()
        .expect("unsupported");
    assert!(
        err.to_string().contains("mysql://u:***@h/db"),
        "the password is redacted: {err}"
    );
}
