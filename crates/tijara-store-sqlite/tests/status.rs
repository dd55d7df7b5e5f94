//! `schema_status` on the rusqlite adapter: current once opened (also for a database the sqlx
//! adapter migrated), behind when a migration's record is gone, ahead when the database records
//! a migration this build does not know, and a modified or unfinished migration is named.
//! Read from the database on every call, so a change made by another process shows at once.
//! And `outbox_backlog`'s count, exact up to its cap, saturated past it.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

use tijara::ports::storage::Storage;
use tijara_testkit::storage::unique;

fn path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}.db", unique(name)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_and_ahead_are_told_apart() {
    let path = path("schema");
    let store = tijara_store_sqlite::SqliteStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let status = store.schema_status().await.unwrap().unwrap();
    assert!(status.is_current(), "{status:?}");
    let last = *status.known.last().unwrap();
    // Another process (or an operator restoring an old file) leaves it behind.
    let side = rusqlite::Connection::open(&path).unwrap();
    let removed = side
        .execute("DELETE FROM _sqlx_migrations WHERE version = ?1", [last])
        .unwrap();
    assert_eq!(removed, 1);
    let behind = store.schema_status().await.unwrap().unwrap();
    assert!(!behind.is_current());
    assert_eq!(behind.missing(), [last]);
    assert!(behind.unknown().is_empty());
    // A newer build migrates it further while this one runs.
    side.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (?1, 'from the future', TRUE, x'00', 0)",
        [99_991_231_000_000_i64],
    )
    .unwrap();
    side.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         SELECT ?1, 'put back', TRUE, checksum, 0 FROM _sqlx_migrations WHERE version = ?2",
        [last, status.known[0]],
    )
    .unwrap();
    let ahead = store.schema_status().await.unwrap().unwrap();
    assert!(!ahead.is_current());
    assert_eq!(ahead.unknown(), [99_991_231_000_000]);
    assert!(ahead.missing().is_empty());
    // The record put back holds another file's checksum: modified.
    assert_eq!(ahead.modified, [last]);
    side.execute(
        "UPDATE _sqlx_migrations SET success = FALSE WHERE version = ?1",
        [99_991_231_000_000_i64],
    )
    .unwrap();
    let unfinished = store.schema_status().await.unwrap().unwrap();
    assert_eq!(unfinished.unfinished, [99_991_231_000_000]);
    assert!(!unfinished.is_current());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_the_sqlx_adapter_migrated_is_current() {
    let url = format!("sqlite://{}", path("from-sqlx").display());
    let sqlx = tijara_store_sqlx::SqliteStore::connect(&url).await.unwrap();
    let by_sqlx = sqlx.schema_status().await.unwrap().unwrap();
    assert!(by_sqlx.is_current(), "{by_sqlx:?}");
    drop(sqlx);
    let rsq = tijara_store_sqlite::SqliteStore::connect(&url)
        .await
        .unwrap();
    let by_rusqlite = rsq.schema_status().await.unwrap().unwrap();
    assert!(by_rusqlite.is_current(), "{by_rusqlite:?}");
    assert_eq!(
        by_rusqlite, by_sqlx,
        "both adapters embed the same migrations"
    );
}

/// Past [`OutboxBacklog::SQL_CAP`] pending events the count stops (saturated), still dated by
/// the oldest; below it, exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backlog_count_saturates_at_its_cap() {
    use tijara::ports::storage::OutboxBacklog;
    let path = path("backlog");
    let store = tijara_store_sqlite::SqliteStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let side = rusqlite::Connection::open(&path).unwrap();
    let insert = |n: u32, first_micros: i64| {
        side.execute(
            "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < ?1) \
             INSERT INTO outbox (aggregate, kind, payload, created_at) \
             SELECT 'order:ord_' || i, 'order.placed', '{}', ?2 + i FROM c",
            rusqlite::params![n, first_micros],
        )
        .unwrap()
    };
    let first = 1_764_410_400_000_000_i64;
    assert_eq!(insert(OutboxBacklog::SQL_CAP, first), 100_000);
    let at_cap = store.outbox_backlog().await.unwrap();
    assert_eq!(at_cap.pending, u64::from(OutboxBacklog::SQL_CAP));
    assert!(!at_cap.saturated, "exactly the cap is still exact");
    insert(5, first + 1_000_000_000);
    let past = store.outbox_backlog().await.unwrap();
    assert!(past.saturated);
    assert_eq!(past.pending, u64::from(OutboxBacklog::SQL_CAP));
    assert_eq!(
        past.oldest_at.map(|t| t.timestamp_micros()),
        Some(first),
        "still dated by the oldest"
    );
}
