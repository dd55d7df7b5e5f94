//! The SQLite store: the embedded default.
//!
//! SQLite allows one writer at a time. Rather than letting every task fight for the write lock
//! (and sleep in SQLite's busy handler), the store has one writer task with its own connection:
//! changesets queue to it, and it applies what has queued in one transaction — **group commit**
//! — so one `fsync` makes a whole batch durable. Every caller is answered only after that
//! commit. A changeset that fails (out of stock, a version conflict) is rolled back alone:
//! the batch is replayed with a savepoint around each changeset. Reads use a separate pool of
//! connections, which WAL lets run beside the writer.

use crate::common::{ACQUIRE_TIMEOUT, MAX_TRIES, spoils_connection};
use sqlx::Connection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tijara::ports::storage::{Changeset, CommitOutcome, StorageError};
use tokio::sync::{mpsc, oneshot};

/// How hard SQLite works to keep a commit through a power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteDurability {
    /// `synchronous=FULL` (default): every commit is on disk before it is acknowledged.
    #[default]
    Full,
    /// `synchronous=NORMAL`: faster; in WAL mode a power loss may roll back the last commits,
    /// never corrupt the database. Opt-in only.
    Normal,
}

struct Job {
    changes: Changeset,
    reply: oneshot::Sender<Result<CommitOutcome, StorageError>>,
}

/// The most changesets one transaction holds.
const MAX_BATCH: usize = 64;

/// Storage in one SQLite file (WAL mode, busy timeout 5 s), or in memory.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    writer: mpsc::Sender<Job>,
    /// Test hook: the writer's `max_page_count` (0: never set). See
    /// [`SqliteStore::limit_pages_for_tests`].
    page_limit: Arc<AtomicU32>,
    /// What searches keep between them.
    search: Arc<crate::common::Searches>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl SqliteStore {
    /// The migrations this build embeds.
    pub(crate) const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

    /// Opens (creating if needed) `sqlite://path`, `sqlite:path` or `sqlite::memory:` with
    /// durable commits, and runs the migrations. Must be called inside a Tokio runtime (the
    /// writer is a task).
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        Self::connect_with(url, SqliteDurability::Full).await
    }

    /// Like [`SqliteStore::connect`], choosing the durability. A failure names the database.
    pub async fn connect_with(
        url: &str,
        durability: SqliteDurability,
    ) -> Result<Self, StorageError> {
        Self::open(url, durability)
            .await
            .map_err(|e| crate::at(&crate::redact(url), e))
    }

    async fn open(url: &str, durability: SqliteDurability) -> Result<Self, StorageError> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(err)?
            .create_if_missing(true)
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(match durability {
                SqliteDurability::Full => SqliteSynchronous::Full,
                SqliteDurability::Normal => SqliteSynchronous::Normal,
            })
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        // Page cache: the writer keeps 8 MiB (SQLite's default is 2 MiB), so the indexes of a
        // growing order table stay in memory and the checkout rate stays flat; each of the 8
        // readers keeps 1 MiB (the operating system caches the file for them). Together they
        // bound the process's memory: 8 + 8 × 1 MiB.
        let writer_opts = opts.clone().pragma("cache_size", "-8192");
        let reader_opts = opts.pragma("cache_size", "-1024");
        // The writer's own connection. An in-memory database lives in one connection, so there
        // it serves the reads too.
        let writer_pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(if memory {
                Duration::from_secs(60)
            } else {
                ACQUIRE_TIMEOUT
            })
            .connect_with(writer_opts)
            .await
            .map_err(err)?;
        Self::MIGRATOR
            .run(&writer_pool)
            .await
            .map_err(|e| StorageError::Backend(Box::new(e)))?;
        let pool = if memory {
            writer_pool.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(8)
                // An unreadable database shows as a quick 503, not a stall.
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(reader_opts)
                .await
                .map_err(err)?
        };
        let (tx, rx) = mpsc::channel::<Job>(1024);
        let page_limit = Arc::new(AtomicU32::new(0));
        tokio::spawn(writer(
            Writer {
                pool: writer_pool,
                memory,
                page_limit: page_limit.clone(),
            },
            rx,
        ));
        Ok(SqliteStore {
            pool,
            writer: tx,
            page_limit,
            search: Arc::default(),
        })
    }

    /// **Fault injection for tests only**: caps the database at its current size (`Some(_)`:
    /// SQLite's `PRAGMA max_page_count` on the writer connection, so a write that needs a new
    /// page fails with SQLITE_FULL, "database or disk is full", as on a full disk), or lifts the
    /// cap (`None`: space is back). The cap applies to every writer connection, including one
    /// that replaces a connection spoiled by the fault. Not for production use.
    #[doc(hidden)]
    pub fn limit_pages_for_tests(&self, pages: Option<u32>) {
        // SQLite's largest page count; 0 means the hook was never used.
        self.page_limit
            .store(pages.unwrap_or(4_294_967_294).max(1), Ordering::SeqCst);
    }

    /// The read pool (for embedders' own read-only reports).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// None: SQLite flushes every commit, so it never loses one it acknowledged.
    fn incarnation_now(&self) -> Option<u64> {
        None
    }

    /// The read pool's connections and the changesets queued for the writer, now.
    fn pool_now(&self) -> tijara::ports::storage::PoolStatus {
        let size = self.pool.size();
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(size);
        let queued = self.writer.max_capacity() - self.writer.capacity();
        tijara::ports::storage::PoolStatus::new(
            idle,
            size.saturating_sub(idle),
            self.pool.options().get_max_connections(),
        )
        .with_write_queue(u32::try_from(queued).unwrap_or(u32::MAX))
    }

    /// Runs `PRAGMA integrity_check`: `"ok"` for a sound database, else SQLite's findings.
    pub async fn integrity_check(&self) -> Result<String, StorageError> {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        Ok(rows.join("\n"))
    }

    async fn commit_changes(&self, changes: Changeset) -> Result<CommitOutcome, StorageError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Job { changes, reply })
            .await
            .map_err(|_| StorageError::Unavailable("the SQLite writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StorageError::Unavailable("the SQLite writer has stopped".into()))?
    }
}

/// Answers every job with a copy of one batch-wide error.
fn fail_all(jobs: Vec<Job>, e: &StorageError) {
    for j in jobs {
        let copy = match e {
            StorageError::Unavailable(m) => StorageError::Unavailable(m.clone()),
            other => StorageError::Backend(other.to_string().into()),
        };
        let _ = j.reply.send(Err(copy));
    }
}

/// The writer task's connection pool (one connection) and what it needs to replace it.
struct Writer {
    pool: SqlitePool,
    /// An in-memory database lives in its connection: it cannot be replaced.
    memory: bool,
    page_limit: Arc<AtomicU32>,
}

async fn writer(w: Writer, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        run_batch(&w, batch).await;
    }
}

enum Pass {
    Done(Vec<Result<CommitOutcome, StorageError>>),
    /// One changeset failed on its own: replay with savepoints.
    Isolate,
    Db(sqlx::Error),
}

/// Runs one batch. After a fault that spoils the writer connection (a full disk, an I/O error,
/// a read-only database: SQLite rolls the transaction back by itself, and sqlx's count of open
/// transactions no longer matches), the connection is closed; the pool opens a new one on the
/// next write, so writes resume by themselves once the cause is gone, without a restart.
async fn run_batch(w: &Writer, jobs: Vec<Job>) {
    let started = std::time::Instant::now();
    let mut isolate = false;
    let mut attempt = 0;
    loop {
        let mut conn = match w.pool.acquire().await {
            Ok(c) => c,
            Err(e) => {
                let e = classify(e).0;
                log_fault("commit", "SQLite", &e);
                fail_all(jobs, &e);
                return;
            }
        };
        let limit = w.page_limit.load(Ordering::SeqCst);
        let outcome = if limit != 0
            && let Err(e) = sqlx::query(sqlx::AssertSqlSafe(format!(
                "PRAGMA max_page_count = {limit}"
            )))
            .execute(&mut *conn)
            .await
        {
            Pass::Db(e)
        } else {
            pass(&mut conn, &jobs, isolate).await
        };
        let outcome = match outcome {
            Pass::Db(e) if spoils_connection(&e) && !w.memory => {
                tracing::warn!(target: "storage", op = "commit", backend = "SQLite", error = %e,
                    "replacing the SQLite writer connection after a fault");
                conn.close_on_drop();
                // The driver lost count of its transaction: a new connection can run the batch.
                let lost = matches!(
                    e,
                    sqlx::Error::InvalidSavePointStatement | sqlx::Error::BeginFailed
                );
                if lost && attempt + 1 < MAX_TRIES {
                    drop(conn);
                    attempt += 1;
                    continue;
                }
                Pass::Db(e)
            }
            other => other,
        };
        drop(conn);
        match outcome {
            Pass::Done(results) => {
                crate::common::record_commit("sqlx-sqlite", started, jobs.len());
                for (j, r) in jobs.into_iter().zip(results) {
                    let _ = j.reply.send(r);
                }
                return;
            }
            Pass::Isolate => isolate = true,
            Pass::Db(e) => {
                if let Err(e) =
                    crate::common::wait_to_retry(e, &mut attempt, "commit", "SQLite").await
                {
                    fail_all(jobs, &e);
                    return;
                }
            }
        }
    }
}

/// Runs scripts in one round trip and checks every statement's row count.
async fn run_scripts(
    tx: &mut Tx<'_>,
    scripts: &[crate::script::Script],
) -> Result<bool, sqlx::Error> {
    use futures::TryStreamExt;
    let mut sql = String::new();
    let mut expect = Vec::new();
    for s in scripts {
        sql.push_str(&s.sql);
        expect.extend_from_slice(&s.expect);
    }
    // Every value in the script is a quoted literal (see `script.rs`).
    let results: Vec<_> = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute_many(&mut **tx)
        .try_collect()
        .await?;
    Ok(results.len() == expect.len()
        && results.iter().zip(&expect).all(|(r, e)| match e {
            crate::script::Expect::Any => true,
            crate::script::Expect::Rows(n) => r.rows_affected() == *n,
        }))
}

/// One transaction over the batch. Without isolation, the changesets run as one script when
/// they all have one (one round trip), and the first surprise aborts the pass (the common case
/// has none, and needs no savepoints); with isolation, each changeset runs statement by
/// statement inside a savepoint, and a failure rolls back only its own writes.
async fn pass(conn: &mut sqlx::SqliteConnection, jobs: &[Job], isolate: bool) -> Pass {
    let single = jobs.len() == 1;
    let mut tx = match conn.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => return Pass::Db(e),
    };
    if !isolate {
        let scripts: Option<Vec<_>> = jobs
            .iter()
            .map(|j| crate::script::script(&j.changes))
            .collect();
        if let Some(scripts) = scripts {
            return match run_scripts(&mut tx, &scripts).await {
                Ok(true) => match tx.commit().await {
                    Ok(()) => {
                        Pass::Done(jobs.iter().map(|_| Ok(CommitOutcome::Committed)).collect())
                    }
                    Err(e) => Pass::Db(e),
                },
                Ok(false) => Pass::Isolate,
                Err(e) => match classify_ref(&e) {
                    // A constraint failure is a changeset's own fault: find it in isolation.
                    true => Pass::Isolate,
                    false => Pass::Db(e),
                },
            };
        }
    }
    let mut results = Vec::with_capacity(jobs.len());
    for j in jobs {
        if isolate && let Err(e) = sqlx::query("SAVEPOINT cs").execute(&mut *tx).await {
            return Pass::Db(e);
        }
        match apply_in(&mut tx, &j.changes).await {
            Ok(o) => {
                if isolate && let Err(e) = sqlx::query("RELEASE cs").execute(&mut *tx).await {
                    return Pass::Db(e);
                }
                results.push(Ok(o));
            }
            Err(Stop::Port(e)) if isolate || single => {
                if isolate {
                    for stmt in ["ROLLBACK TO cs", "RELEASE cs"] {
                        if let Err(e) = sqlx::query(stmt).execute(&mut *tx).await {
                            return Pass::Db(e);
                        }
                    }
                }
                results.push(Err(e));
            }
            Err(Stop::Port(_)) => return Pass::Isolate,
            Err(Stop::Db(e)) => return Pass::Db(e),
        }
    }
    if single && results.first().is_some_and(Result::is_err) {
        // Nothing of a lone failed changeset may stay.
        if let Err(e) = tx.rollback().await {
            return Pass::Db(e);
        }
        return Pass::Done(results);
    }
    match tx.commit().await {
        Ok(()) => Pass::Done(results),
        Err(e) => Pass::Db(e),
    }
}

/// True for errors a changeset causes itself (a CHECK or UNIQUE constraint).
fn classify_ref(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_check_violation() || db.is_unique_violation())
}

crate::common::sql_tx!(sqlx::Sqlite);
crate::common::sql_store!(SqliteStore, sqlx::Sqlite);

impl SqliteStore {
    /// [`Storage::insert_idempotency_records`](tijara::ports::storage::Storage::insert_idempotency_records)
    /// as a changeset each: they go to the one writer and share its group commit.
    pub(crate) async fn insert_records(
        &self,
        records: &[tijara::ports::storage::IdempotencyRecord],
    ) -> Result<Vec<bool>, StorageError> {
        tijara::ports::storage::insert_idempotency_records_each(self, records).await
    }

    /// The records stored under `scope` for `keys` (those found, in no order), 500 keys a
    /// statement (SQLite's parameters were capped at 999 before 3.32). SQLite looks each key
    /// up through the primary key `(scope, key)`.
    pub(crate) async fn read_records(
        &self,
        scope: &str,
        keys: &[String],
    ) -> Result<Vec<tijara::ports::storage::IdempotencyRecord>, sqlx::Error> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(500) {
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "SELECT key, fingerprint, response, created_at FROM idempotency WHERE scope = ",
            );
            q.push_bind(scope).push(" AND key IN (");
            let mut sep = q.separated(", ");
            for key in chunk {
                sep.push_bind(key);
            }
            q.push(")");
            let rows = q
                .build_query_as::<crate::common::RecordRow>()
                .fetch_all(&self.pool)
                .await?;
            found.extend(
                rows.into_iter()
                    .map(|row| crate::common::record_of(scope, row)),
            );
        }
        Ok(found)
    }
}

/// SQLite writes a new document's keys and owners with their own statements (no round trips
/// to save: the database is in the process).
async fn insert_folded(_: &mut Tx<'_>, _: &DocWrite) -> Result<bool, Stop> {
    Ok(false)
}
