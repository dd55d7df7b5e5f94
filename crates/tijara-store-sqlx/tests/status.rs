//! `schema_status` and `outbox_backlog` on both sqlx stores: current once opened, behind when a
//! migration's record is gone, ahead when the database records a migration this build does not
//! know (a newer build migrated it); the backlog's count saturates past its cap. The PostgreSQL
//! checks need `TIJARA_TEST_POSTGRES_URL` (skipped with a notice without it; CI sets it).

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

use tijara::ports::storage::{SchemaStatus, Storage};

const FUTURE: i64 = 99_991_231_000_000;

fn check_current(status: &SchemaStatus) -> i64 {
    assert!(status.is_current(), "{status:?}");
    *status.known.last().unwrap()
}

fn check_behind(status: &SchemaStatus, last: i64) {
    assert!(!status.is_current());
    assert_eq!(status.missing(), [last]);
    assert!(status.unknown().is_empty());
}

fn check_ahead(status: &SchemaStatus) {
    assert!(!status.is_current());
    assert_eq!(status.unknown(), [FUTURE]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_behind_and_ahead() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{}.db", tijara_testkit::storage::unique("schema")));
    let store = tijara_store_sqlx::SqliteStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let last = check_current(&store.schema_status().await.unwrap().unwrap());
    // Through a connection of its own: the store's pool is for reads.
    let side = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(last)
        .execute(&side)
        .await
        .unwrap();
    check_behind(&store.schema_status().await.unwrap().unwrap(), last);
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'from the future', TRUE, x'00', 0)",
    )
    .bind(FUTURE)
    .execute(&side)
    .await
    .unwrap();
    check_ahead(&store.schema_status().await.unwrap().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_behind_and_ahead() {
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL is not set: skipping this PostgreSQL check");
        return;
    };
    let schema = format!(
        "t_{}",
        tijara_testkit::storage::unique("schema").replace('-', "_")
    );
    let store = tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    let last = check_current(&store.schema_status().await.unwrap().unwrap());
    let pool = store.pool();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(last)
        .execute(pool)
        .await
        .unwrap();
    check_behind(&store.schema_status().await.unwrap().unwrap(), last);
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'from the future', TRUE, '\\x00'::bytea, 0)",
    )
    .bind(FUTURE)
    .execute(pool)
    .await
    .unwrap();
    check_ahead(&store.schema_status().await.unwrap().unwrap());
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(pool)
    .await
    .unwrap();
}

/// Past [`OutboxBacklog::SQL_CAP`] pending events the count stops (saturated), still dated by
/// the oldest.
fn check_saturated(b: &tijara::ports::storage::OutboxBacklog, first: i64) {
    use tijara::ports::storage::OutboxBacklog;
    assert!(b.saturated, "{b:?}");
    assert_eq!(b.pending, u64::from(OutboxBacklog::SQL_CAP));
    assert_eq!(b.oldest_at.map(|t| t.timestamp_micros()), Some(first));
}

const FIRST: i64 = 1_764_410_400_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backlog_saturates_at_its_cap() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{}.db", tijara_testkit::storage::unique("backlog")));
    let store = tijara_store_sqlx::SqliteStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let side = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query(
        "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < $1) \
         INSERT INTO outbox (aggregate, kind, payload, created_at) \
         SELECT 'order:ord_' || i, 'order.placed', '{}', $2 + i FROM c",
    )
    .bind(100_005_i64)
    .bind(FIRST)
    .execute(&side)
    .await
    .unwrap();
    check_saturated(&store.outbox_backlog().await.unwrap(), FIRST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backlog_saturates_at_its_cap() {
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL is not set: skipping this PostgreSQL check");
        return;
    };
    let schema = format!(
        "t_{}",
        tijara_testkit::storage::unique("backlog").replace('-', "_")
    );
    let store = tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO outbox (aggregate, kind, payload, created_at) \
         SELECT 'order:ord_' || i, 'order.placed', '{}', $1 + i FROM generate_series(0, 100004) i",
    )
    .bind(FIRST)
    .execute(store.pool())
    .await
    .unwrap();
    check_saturated(&store.outbox_backlog().await.unwrap(), FIRST);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(store.pool())
    .await
    .unwrap();
}
