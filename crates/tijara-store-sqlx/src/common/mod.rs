//! The SQL shared by both databases, written once as a macro over the sqlx database type.
//! Statements use `$n` placeholders, which both SQLite and PostgreSQL accept.

use chrono::{DateTime, TimeZone, Utc};
use std::time::Duration;
use tijara::ports::storage::StorageError;

pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_micros(m: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(m).single().unwrap_or_default()
}

/// A row of `SELECT key, fingerprint, response, created_at FROM idempotency`.
pub(crate) type RecordRow = (String, String, String, i64);

/// The idempotency record of `scope` a [`RecordRow`] holds.
pub(crate) fn record_of(
    scope: &str,
    (key, fingerprint, response, at): RecordRow,
) -> tijara::ports::storage::IdempotencyRecord {
    tijara::ports::storage::IdempotencyRecord::new(
        scope,
        key,
        fingerprint,
        response,
        from_micros(at),
    )
}

pub(crate) fn to_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// The schema's status: the rows of `_sqlx_migrations` (version, success, checksum) compared
/// with the migrations `migrator` embeds.
pub(crate) fn schema_status(
    migrator: &sqlx::migrate::Migrator,
    rows: Vec<(i64, bool, Vec<u8>)>,
) -> tijara::ports::storage::SchemaStatus {
    let embedded: Vec<&sqlx::migrate::Migration> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    let (mut applied, mut unfinished, mut modified) = (Vec::new(), Vec::new(), Vec::new());
    for (version, success, checksum) in rows {
        if !success {
            unfinished.push(version);
            continue;
        }
        applied.push(version);
        if let Some(m) = embedded.iter().find(|m| m.version == version)
            && m.checksum[..] != checksum[..]
        {
            modified.push(version);
        }
    }
    tijara::ports::storage::SchemaStatus::new(embedded.iter().map(|m| m.version).collect(), applied)
        .with_unfinished(unfinished)
        .with_modified(modified)
}

/// Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'`.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// How an sqlx error maps to the port's error, and whether the adapter retries it.
///
/// Busy databases, deadlocks and serialization failures are retried. Faults of the server or
/// of the disk (SQLite: disk full, I/O error, read-only database, cannot open; PostgreSQL: a lost
/// or refused connection, disk full, a read-only standby, a shutdown; a pool that timed out)
/// are [`StorageError::Unavailable`]: the request can succeed later, once the operator has
/// made room or brought the database back, so the frontends answer 503, not a refusal.
pub(crate) fn classify(e: sqlx::Error) -> (StorageError, bool) {
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            let retry = matches!(
                code.as_str(),
                "40001" | "40P01" | "5" | "6" | "517" | "261" | "262"
            );
            if retry || code == "55P03" {
                (
                    StorageError::Unavailable(format!("database busy ({code}): {}", db.message())),
                    retry,
                )
            } else if let Some(what) = fault_of_code(&code) {
                (
                    StorageError::Unavailable(format!("{what} ({code}): {}", db.message())),
                    false,
                )
            } else {
                (StorageError::Backend(Box::new(e)), false)
            }
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::InvalidSavePointStatement
        | sqlx::Error::BeginFailed => (
            StorageError::Unavailable(format!("database unavailable: {e}")),
            false,
        ),
        _ => (StorageError::Backend(Box::new(e)), false),
    }
}

/// What a database error code says about the server or its disk, if it is such a fault.
fn fault_of_code(code: &str) -> Option<&'static str> {
    if let Ok(n) = code.parse::<i32>() {
        // SQLite's extended result codes: the primary code is the low byte.
        return match n & 0xff {
            13 => Some("disk full"),
            10 => Some("disk I/O error"),
            8 => Some("database is read-only"),
            14 => Some("cannot open the database file"),
            7 => Some("out of memory"),
            _ => None,
        };
    }
    match code {
        "53100" => Some("disk full"),
        "25006" => Some("database is read-only"),
        "57P01" | "57P02" | "57P03" => Some("database server shutting down or starting"),
        c if c.starts_with("08") => Some("connection to the database lost"),
        c if c.starts_with("53") => Some("database server out of resources"),
        c if c.starts_with("58") => Some("database server I/O error"),
        _ => None,
    }
}

/// True when the connection that gave this error cannot be trusted for the next transaction:
/// the database gave up the transaction by itself (SQLite rolls back on a full disk or an I/O
/// error) or the driver lost track of it. The SQLite writer replaces such a connection.
pub(crate) fn spoils_connection(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|n| matches!(n & 0xff, 13 | 10 | 8 | 14 | 7 | 11 | 26)),
        sqlx::Error::Io(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::InvalidSavePointStatement
        | sqlx::Error::BeginFailed => true,
        _ => false,
    }
}

/// Logs a storage fault (target `storage`): the operation, the backend and the error. The
/// messages are the database's own; they hold no URL or password. Version conflicts, taken
/// keys and stock refusals are answers, not faults, and are not logged.
pub(crate) fn log_fault(op: &'static str, backend: &'static str, e: &StorageError) {
    match e {
        StorageError::Unavailable(_) => {
            tracing::error!(target: "storage", op, backend, error = %e, "storage unavailable")
        }
        StorageError::Backend(_) => {
            tracing::error!(target: "storage", op, backend, error = %e, "storage error")
        }
        _ => {}
    }
}

/// Records one committed transaction in the `metrics` facade (nothing until a recorder is
/// installed): `tijara_storage_commit_seconds` (from `started`) and
/// `tijara_storage_commit_batch_size` (the changesets it held), labelled `backend`
/// (`sqlx-sqlite` or `postgres`; the rusqlite adapter's are `sqlite`).
pub(crate) fn record_commit(backend: &'static str, started: std::time::Instant, changesets: usize) {
    metrics::histogram!("tijara_storage_commit_seconds", "backend" => backend)
        .record(started.elapsed().as_secs_f64());
    metrics::histogram!("tijara_storage_commit_batch_size", "backend" => backend)
        .record(u32::try_from(changesets).map_or(f64::MAX, f64::from));
}

pub(crate) fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(5u64 << attempt.min(6))
}

pub(crate) const MAX_TRIES: u32 = 6;

/// After a failed database call, the `attempt`-th (counted here): waits the backoff and
/// answers `Ok` when the error is worth another try and tries are left, else logs it and
/// answers it as the port's error.
pub(crate) async fn wait_to_retry(
    e: sqlx::Error,
    attempt: &mut u32,
    op: &'static str,
    backend: &'static str,
) -> Result<(), StorageError> {
    let (e, retry) = classify(e);
    *attempt += 1;
    if !retry || *attempt >= MAX_TRIES {
        log_fault(op, backend, &e);
        return Err(e);
    }
    tokio::time::sleep(backoff(*attempt)).await;
    Ok(())
}

/// How long a query waits for a connection (or for the server to accept a new one) before
/// failing with [`StorageError::Unavailable`]: a database outage shows as a quick 503, not as
/// requests stalled for half a minute.
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Why a commit stopped: a port error to report, or a database error to classify.
pub(crate) enum Stop {
    Port(StorageError),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for Stop {
    fn from(e: sqlx::Error) -> Self {
        Stop::Db(e)
    }
}

impl From<StorageError> for Stop {
    fn from(e: StorageError) -> Self {
        Stop::Port(e)
    }
}

/// One upsert: the first attempt inserts, each further one counts; a delivery is never undone.
pub(crate) const RECORD_DELIVERY: &str = "INSERT INTO deliveries \
     (target, seq, kind, aggregate, attempts, last_attempt_at, last_error, next_try_at, delivered_at) \
     VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8) \
     ON CONFLICT (target, seq) DO UPDATE SET attempts = deliveries.attempts + 1, \
     last_attempt_at = excluded.last_attempt_at, \
     last_error = CASE WHEN deliveries.delivered_at IS NULL THEN excluded.last_error ELSE NULL END, \
     next_try_at = CASE WHEN deliveries.delivered_at IS NULL THEN excluded.next_try_at ELSE NULL END, \
     delivered_at = COALESCE(deliveries.delivered_at, excluded.delivered_at) \
     RETURNING target, seq, kind, aggregate, attempts, last_attempt_at, last_error, next_try_at, delivered_at";

/// The purge's statements, each with its cut-off (`$1`) and row limit (`$2`), and what it
/// counts: 0 idempotency records, 1 claims, 2 done marks, 3 events, 4 deliveries.
pub(crate) const PURGE: [&str; 5] = [
    "DELETE FROM idempotency WHERE (scope, key) IN \
     (SELECT scope, key FROM idempotency WHERE created_at < $1 AND scope NOT LIKE 'done:%' LIMIT $2)",
    "DELETE FROM idempotency_claims WHERE (scope, key) IN \
     (SELECT scope, key FROM idempotency_claims WHERE expires_at < $1 LIMIT $2)",
    "DELETE FROM idempotency WHERE (scope, key) IN \
     (SELECT scope, key FROM idempotency WHERE created_at < $1 AND scope LIKE 'done:%' LIMIT $2)",
    "DELETE FROM outbox WHERE seq IN \
     (SELECT seq FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < $1 LIMIT $2)",
    "DELETE FROM deliveries WHERE (target, seq) IN \
     (SELECT target, seq FROM deliveries WHERE delivered_at IS NOT NULL AND delivered_at < $1 LIMIT $2)",
];

mod port;
mod tx;

pub(crate) use port::sql_store;
pub(crate) use tx::sql_tx;

/// One page of the documents of a kind an owner holds, by id: `$1` kind, `$2` owner, `$3` the
/// last id of the previous page (`''` for the first), `$4` the page's size. The owners table's
/// primary key `(kind, owner, id)` gives the page in order. On PostgreSQL the index by document
/// is led by id (migration `20261205120001_owners_by_doc_id_first`), so a plan made before any
/// statistics does not walk every document's owner rows of the kind in id order instead.
pub(crate) const LIST_BY_OWNER: &str = "SELECT d.id, d.version, d.body FROM doc_owners o \
     JOIN docs d ON d.kind = o.kind AND d.id = o.id \
     WHERE o.kind = $1 AND o.owner = $2 AND o.id > $3 ORDER BY o.id LIMIT $4";

/// A document with the catalog's version (`Storage::get_at_catalog`): one row, the version's,
/// with the document's columns (`NULL` when it does not exist).
pub(crate) const GET_AT_CATALOG: &str = "SELECT d.id, d.version, d.body, c.version FROM catalog_version c \
     LEFT JOIN docs d ON d.kind = $1 AND d.id = $2 WHERE c.id = 1";

/// The catalog's version (the one row of the `catalog_version` migration; triggers raise it).
pub(crate) const CATALOG_VERSION: &str = "SELECT version FROM catalog_version WHERE id = 1";

/// [`UPDATE_DOC_PG`]'s text with the conditions `$cond` added to its update's, and `$tail`
/// to its answer's `FROM`; with `kept` after them, without the removal of the old keys and
/// owners (a write whose lists are the stored ones, `DocWrite::links_unchanged`).
macro_rules! update_doc_pg {
    ($cond:expr, $tail:expr) => {
        update_doc_pg!(
            $cond,
            $tail,
            ", k AS (DELETE FROM doc_keys WHERE kind = $1 AND id IN (SELECT id FROM u)), \
             o AS (DELETE FROM doc_owners WHERE kind = $1 AND id IN (SELECT id FROM u))"
        )
    };
    ($cond:expr, $tail:expr, kept) => {
        update_doc_pg!($cond, $tail, "")
    };
    ($cond:expr, $tail:expr, $removals:expr) => {
        concat!(
            "WITH u AS (UPDATE docs SET version = version + 1, body = $3 \
             WHERE kind = $1 AND id = $2 AND version = $4",
            $cond,
            " RETURNING id)",
            $removals,
            " SELECT count(*) FROM u",
            $tail
        )
    };
}

/// The condition of every lone write held to an incarnation (`Changeset::incarnation`, the
/// parameter `$p`, `$5` for an update), after `$lead` (`AND`, or `WHERE` to begin an insert's):
/// none when the parameter is `NULL`, else the database still at that incarnation (its
/// `incarnation` row holds it; a crash empties the table, migration
/// `20261206090001_incarnation`).
#[cfg(feature = "postgres")]
macro_rules! held_pg {
    ($lead:literal, $p:literal) => {
        concat!(
            " ",
            $lead,
            " (",
            $p,
            "::int8 IS NULL OR EXISTS (SELECT 1 FROM incarnation WHERE id = 1 AND token = ",
            $p,
            "))"
        )
    };
}

/// The condition of a write held to the catalog version `$p` (`Changeset::catalog_at`; `$6`
/// for an update).
#[cfg(feature = "postgres")]
macro_rules! at_catalog_pg {
    ($p:literal) => {
        concat!(
            " AND EXISTS (SELECT 1 FROM catalog_version WHERE id = 1 AND version = ",
            $p,
            ")"
        )
    };
}

/// The condition of a write held to a stock check (`Changeset::stock_at_least`): the variant
/// `$v` has a counter, untracked or with at least `$n` units available (`$7` and `$8` for an
/// update).
#[cfg(feature = "postgres")]
macro_rules! stock_at_least_pg {
    ($v:literal, $n:literal) => {
        concat!(
            " AND EXISTS (SELECT 1 FROM stock WHERE variant = ",
            $v,
            " AND (tracked = 0 OR on_hand - reserved >= ",
            $n,
            "))"
        )
    };
}

/// What a statement outside any explicit transaction reads from to commit without waiting for
/// the WAL's flush (`Durability::Deferred`): a one-row subquery, evaluated once, that sets
/// `synchronous_commit` for its own transaction only (`is_local`), which PostgreSQL reads at
/// that commit.
#[cfg(feature = "postgres")]
macro_rules! deferred_commit_pg {
    () => {
        "(SELECT set_config('synchronous_commit', 'off', true)) AS deferred"
    };
}

/// A document's update at an expected version with the removal of its old keys and owners, in
/// one PostgreSQL statement (data-modifying CTEs; the deletes run only when the update
/// matched): `$1` kind, `$2` id, `$3` body, `$4` the expected version. Answers 1 when the
/// version matched, else 0 (a conflict), having changed nothing.
pub(crate) const UPDATE_DOC_PG: &str = update_doc_pg!("", "");

/// [`UPDATE_DOC_PG`] as one statement outside any transaction, held to the database's
/// incarnation when `$5` is not `NULL` (`Changeset::incarnation`): a lone document's update.
/// Answers 1 when written, else 0 having changed nothing (a stale document or a restarted
/// database: the caller reads the incarnation to tell which).
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_HELD_PG: &str = update_doc_pg!(held_pg!("AND", "$5"), "");

/// [`UPDATE_DOC_HELD_PG`] held to a catalog version too (`Changeset::catalog_at`, `$6`): the
/// update matches only while the `catalog_version` row holds it. Answers 1 when written, else
/// 0 having changed nothing (a stale document or a changed catalog: the caller reads the
/// version to tell which).
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_AT_CATALOG_PG: &str =
    update_doc_pg!(concat!(held_pg!("AND", "$5"), at_catalog_pg!("$6")), "");

/// [`UPDATE_DOC_AT_CATALOG_PG`] held to one stock check too (`Changeset::stock_at_least`, a
/// cart's add): the update matches only while the variant `$7` has a counter, untracked or
/// with at least `$8` units available (a primary-key lookup). Answers 1 when written, else 0
/// having changed nothing (the caller reads the version and the counter to tell why).
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_AT_CATALOG_STOCK_PG: &str = update_doc_pg!(
    concat!(
        held_pg!("AND", "$5"),
        at_catalog_pg!("$6"),
        stock_at_least_pg!("$7", "$8")
    ),
    ""
);

/// [`UPDATE_DOC_HELD_PG`] committed without waiting for the WAL's flush
/// (`Durability::Deferred`).
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_DEFERRED_PG: &str =
    update_doc_pg!(held_pg!("AND", "$5"), concat!(", ", deferred_commit_pg!()));

/// [`UPDATE_DOC_AT_CATALOG_PG`] committed without waiting for the WAL's flush.
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_AT_CATALOG_DEFERRED_PG: &str = update_doc_pg!(
    concat!(held_pg!("AND", "$5"), at_catalog_pg!("$6")),
    concat!(", ", deferred_commit_pg!())
);

/// [`UPDATE_DOC_AT_CATALOG_STOCK_PG`] committed without waiting for the WAL's flush.
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_AT_CATALOG_STOCK_DEFERRED_PG: &str = update_doc_pg!(
    concat!(
        held_pg!("AND", "$5"),
        at_catalog_pg!("$6"),
        stock_at_least_pg!("$7", "$8")
    ),
    concat!(", ", deferred_commit_pg!())
);

/// [`UPDATE_DOC_HELD_PG`] for a write whose keys and owners are the stored ones
/// (`DocWrite::links_unchanged`, a guest's cart): the update alone, none of their rows touched.
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_HELD_KEPT_PG: &str = update_doc_pg!(held_pg!("AND", "$5"), "", kept);

/// [`UPDATE_DOC_DEFERRED_PG`] for a write whose keys and owners are the stored ones.
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_DEFERRED_KEPT_PG: &str = update_doc_pg!(
    held_pg!("AND", "$5"),
    concat!(", ", deferred_commit_pg!()),
    kept
);

/// [`UPDATE_DOC_AT_CATALOG_PG`] for a write whose keys and owners are the stored ones.
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_AT_CATALOG_KEPT_PG: &str = update_doc_pg!(
    concat!(held_pg!("AND", "$5"), at_catalog_pg!("$6")),
    "",
    kept
);

/// [`UPDATE_DOC_AT_CATALOG_DEFERRED_PG`] for a write whose keys and owners are the stored
/// ones.
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_AT_CATALOG_DEFERRED_KEPT_PG: &str = update_doc_pg!(
    concat!(held_pg!("AND", "$5"), at_catalog_pg!("$6")),
    concat!(", ", deferred_commit_pg!()),
    kept
);

/// [`UPDATE_DOC_AT_CATALOG_STOCK_PG`] for a write whose keys and owners are the stored ones
/// (a guest's add).
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_AT_CATALOG_STOCK_KEPT_PG: &str = update_doc_pg!(
    concat!(
        held_pg!("AND", "$5"),
        at_catalog_pg!("$6"),
        stock_at_least_pg!("$7", "$8")
    ),
    "",
    kept
);

/// [`UPDATE_DOC_AT_CATALOG_STOCK_DEFERRED_PG`] for a write whose keys and owners are the
/// stored ones.
#[cfg(feature = "postgres")]
pub(crate) const UPDATE_DOC_AT_CATALOG_STOCK_DEFERRED_KEPT_PG: &str = update_doc_pg!(
    concat!(
        held_pg!("AND", "$5"),
        at_catalog_pg!("$6"),
        stock_at_least_pg!("$7", "$8")
    ),
    concat!(", ", deferred_commit_pg!()),
    kept
);

/// The token of the database's `incarnation` row, as it is (no row after a crash emptied the
/// table).
#[cfg(feature = "postgres")]
pub(crate) const INCARNATION_TOKEN_PG: &str = "SELECT token FROM incarnation WHERE id = 1";

/// The database's incarnation: the token in its `incarnation` row, written first when the
/// row is missing (a new database, or one recovered from a crash, which empties the unlogged
/// table). A store that inserted at the same moment as another finds no row in its snapshot
/// and reads again.
#[cfg(feature = "postgres")]
pub(crate) const INCARNATION_PG: &str = "WITH i AS (INSERT INTO incarnation (id, token) \
     VALUES (1, floor(random() * 9007199254740990)::int8 + 1) ON CONFLICT DO NOTHING RETURNING token) \
     SELECT token FROM i UNION ALL SELECT token FROM incarnation WHERE id = 1";

/// A new document inserted unless its id is taken (`$1` kind, `$2` id, `$3` body), in one
/// statement outside any explicit transaction: one row affected, or none for an id taken.
#[cfg(feature = "postgres")]
pub(crate) const INSERT_DOC_PG: &str =
    "INSERT INTO docs (kind, id, version, body) VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING";

/// [`INSERT_DOC_PG`] committed without waiting for the WAL's flush (`Durability::Deferred`).
#[cfg(feature = "postgres")]
pub(crate) const INSERT_DOC_DEFERRED_PG: &str = concat!(
    "INSERT INTO docs (kind, id, version, body) SELECT $1, $2, 1, $3 FROM ",
    deferred_commit_pg!(),
    " ON CONFLICT DO NOTHING"
);

/// [`INSERT_DOC_PG`]'s text as an `INSERT … SELECT` from `$from` (empty, or the deferred
/// commit's one-row subquery), held to the database's incarnation when `$4` is not `NULL`
/// (`Changeset::incarnation`), to the catalog version `$5` (`Changeset::catalog_at`), and to
/// the conditions `$cond` (a stock check: `$6` the variant, `$7` the units).
#[cfg(feature = "postgres")]
macro_rules! insert_doc_at_catalog_pg {
    ($from:expr, $cond:expr) => {
        concat!(
            "INSERT INTO docs (kind, id, version, body) SELECT $1, $2, 1, $3",
            $from,
            held_pg!("WHERE", "$4"),
            at_catalog_pg!("$5"),
            $cond,
            " ON CONFLICT DO NOTHING"
        )
    };
}

/// A new document held to the catalog version `$5` alone (no engine call makes one today: a cart
/// made with its first item is held to a stock check too), in one statement outside any explicit
/// transaction: `$1` kind, `$2` id, `$3` body, `$4` the incarnation it holds to (or `NULL`). One
/// row affected, or none having changed nothing (an id taken, a changed catalog or a restarted
/// database: the caller reads the incarnation and the version to tell which).
#[cfg(feature = "postgres")]
pub(crate) const INSERT_DOC_AT_CATALOG_PG: &str = insert_doc_at_catalog_pg!("", "");

/// [`INSERT_DOC_AT_CATALOG_PG`] held to one stock check too (`Changeset::stock_at_least`: a
/// cart created with its first item): written only while the variant `$6` has a counter,
/// untracked or with at least `$7` units available (a primary-key lookup). Where
/// `BEGIN`, the counter's read, the insert and `COMMIT` took four round trips.
#[cfg(feature = "postgres")]
pub(crate) const INSERT_DOC_AT_CATALOG_STOCK_PG: &str =
    insert_doc_at_catalog_pg!("", stock_at_least_pg!("$6", "$7"));

/// [`INSERT_DOC_AT_CATALOG_PG`] committed without waiting for the WAL's flush.
#[cfg(feature = "postgres")]
pub(crate) const INSERT_DOC_AT_CATALOG_DEFERRED_PG: &str =
    insert_doc_at_catalog_pg!(concat!(" FROM ", deferred_commit_pg!()), "");

/// [`INSERT_DOC_AT_CATALOG_STOCK_PG`] committed without waiting for the WAL's flush.
#[cfg(feature = "postgres")]
pub(crate) const INSERT_DOC_AT_CATALOG_STOCK_DEFERRED_PG: &str = insert_doc_at_catalog_pg!(
    concat!(" FROM ", deferred_commit_pg!()),
    stock_at_least_pg!("$6", "$7")
);

/// The quantities a run of sales takes from each variant, summed per variant in the order the
/// variants first appear (other stock operations are skipped): what one conditional statement
/// sells, all or nothing.
pub(crate) fn sales_by_variant(
    ops: &[tijara::ports::storage::StockOp],
) -> Vec<(&tijara_core::VariantId, i64)> {
    let mut wanted: Vec<(&tijara_core::VariantId, i64)> = Vec::new();
    for op in ops {
        if let tijara::ports::storage::StockOp::Sell { variant, quantity } = op {
            match wanted.iter_mut().find(|(v, _)| *v == variant) {
                Some(w) => w.1 += i64::from(*quantity),
                None => wanted.push((variant, i64::from(*quantity))),
            }
        }
    }
    wanted
}

/// SQLite: a document's keys and owners as its row lists them (`links_keys`, `links_owners`,
/// from the `doc_links` migration): sorted, each once, as a JSON array of text.
pub(crate) fn links_text(items: &[String]) -> String {
    let mut list: Vec<&str> = items.iter().map(String::as_str).collect();
    list.sort_unstable();
    list.dedup();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

/// SQLite: deletes the keys and the owners a document's row lists, by primary key, when the
/// row is at the expected version (`$1` kind, `$2` id, `$3` version); at another version the
/// lists read as none and nothing is deleted. Run before the row is rewritten or deleted.
pub(crate) const DELETE_LINKS_SQLITE: [&str; 2] = [
    "DELETE FROM doc_keys WHERE kind = $1 AND id = $2 AND key IN (SELECT value FROM \
     json_each((SELECT links_keys FROM docs WHERE kind = $1 AND id = $2 AND version = $3)))",
    "DELETE FROM doc_owners WHERE kind = $1 AND id = $2 AND owner IN (SELECT value FROM \
     json_each((SELECT links_owners FROM docs WHERE kind = $1 AND id = $2 AND version = $3)))",
];

/// What a store's searches keep between them (see [`tijara::ports::storage::SearchSnapshot`]):
/// one per store, shared by its clones.
#[derive(Debug, Default)]
pub(crate) struct Searches {
    /// The snapshot.
    pub(crate) cache: tijara::ports::storage::SearchCache,
    /// Held while a search reads the snapshot again.
    pub(crate) reading: tokio::sync::Mutex<()>,
}
