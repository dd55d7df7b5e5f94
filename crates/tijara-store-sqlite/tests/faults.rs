//! (The rusqlite store; the same checks as tijara-store-sqlx's tests/faults_sqlite.rs.)
//! SQLite under disk faults: a full disk and a read-only database are temporary
//! `Unavailable` errors (the frontends answer 503), and writes resume by themselves once space
//! is back, without a restart.
//!
//! The full disk is injected with SQLite's own limit (`PRAGMA max_page_count` on the writer,
//! through the store's test-only hook), which fails a write with SQLITE_FULL exactly as a full
//! file system does, and works in CI everywhere.

use tijara::ports::storage::{Changeset, DocKind, Storage, StorageError};
use tijara_store_sqlite::SqliteStore;
use tijara_testkit::storage::{doc, unique};

fn path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}.db", unique(name)))
}

/// A changeset writing one document of `kb` KiB (several pages: it needs new pages).
fn big(id: &str, kb: usize) -> Changeset {
    Changeset {
        docs: vec![doc(
            DocKind::Cart,
            id,
            None,
            &format!("{{\"pad\":\"{}\"}}", "x".repeat(kb * 1024)),
        )],
        ..Changeset::default()
    }
}

#[tokio::test]
async fn writes_resume_by_themselves_after_a_full_disk() {
    let p = path("full");
    let store = SqliteStore::connect(&format!("sqlite://{}", p.display()))
        .await
        .expect("open SQLite");
    store.commit(big("before", 4)).await.expect("room at first");

    // The disk fills up: writes fail, as temporary errors the caller can retry later.
    store.limit_pages_for_tests(Some(1));
    for n in 0..3 {
        let e = store
            .commit(big(&format!("full-{n}"), 256))
            .await
            .expect_err("no room left");
        assert!(
            matches!(e, StorageError::Unavailable(_)) && e.is_temporary(),
            "a full disk is a temporary fault, not a refusal: {e:?}"
        );
        assert!(e.to_string().contains("disk full"), "{e}");
    }
    // Reads still work meanwhile.
    assert!(
        store
            .get(DocKind::Cart, "before")
            .await
            .expect("read")
            .is_some()
    );

    // Space is back: the next writes succeed, with the same store (no restart).
    store.limit_pages_for_tests(None);
    for n in 0..3 {
        store
            .commit(big(&format!("after-{n}"), 256))
            .await
            .unwrap_or_else(|e| panic!("writes resume once space is back: {e}"));
    }
    assert!(
        store
            .get(DocKind::Cart, "after-2")
            .await
            .expect("read")
            .is_some()
    );
    assert!(
        store
            .get(DocKind::Cart, "full-0")
            .await
            .expect("read")
            .is_none(),
        "a failed write left nothing behind"
    );
    // A batch of several changesets (group commit) also works after the fault.
    let writes = (0..8).map(|n| store.commit(big(&format!("batch-{n}"), 1)));
    for r in futures::future::join_all(writes).await {
        r.expect("batched writes after the fault");
    }
    assert_eq!(store.integrity_check().await.expect("check"), "ok");
}

#[tokio::test]
async fn a_read_only_database_is_a_temporary_fault() {
    let p = path("ro");
    let url = format!("sqlite://{}", p.display());
    {
        let store = SqliteStore::connect(&url).await.expect("create");
        store.commit(big("kept", 1)).await.expect("write");
    }
    let store = SqliteStore::connect(&format!("{url}?mode=ro"))
        .await
        .expect("a read-only database opens for reading");
    assert!(
        store
            .get(DocKind::Cart, "kept")
            .await
            .expect("read")
            .is_some()
    );
    let e = store
        .commit(big("new", 1))
        .await
        .expect_err("a read-only database refuses writes");
    assert!(
        matches!(e, StorageError::Unavailable(_)) && e.is_temporary(),
        "a read-only database is a fault of the server, not of the request: {e:?}"
    );
    assert!(e.to_string().contains("read-only"), "{e}");
}
