//! The PostgreSQL store: several processes on one database.

use crate::common::ACQUIRE_TIMEOUT;
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;

/// Storage in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pub(crate) pool: PgPool,
    /// What searches keep between them.
    search: std::sync::Arc<crate::common::Searches>,
}

impl PostgresStore {
    /// The migrations this build embeds.
    pub(crate) const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

    /// Connects to `postgres://…` and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, tijara::ports::storage::StorageError> {
        Self::connect_in_schema(url, None).await
    }

    /// Connects with every table in `schema` (created if needed): isolated test runs, or
    /// several marketplaces on one server.
    pub async fn connect_in_schema(
        url: &str,
        schema: Option<&str>,
    ) -> Result<Self, tijara::ports::storage::StorageError> {
        Self::open(url, schema)
            .await
            .map_err(|e| crate::at(&crate::redact(url), e))
    }

    async fn open(
        url: &str,
        schema: Option<&str>,
    ) -> Result<Self, tijara::ports::storage::StorageError> {
        let mut opts = PgConnectOptions::from_str(url).map_err(err)?;
        if let Some(schema) = schema {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                || schema.is_empty()
            {
                return Err(tijara::ports::storage::StorageError::Unavailable(format!(
                    "schema name {schema:?} must be letters, digits and _"
                )));
            }
            let mut conn = opts.connect().await.map_err(err)?;
            // The name was checked above to be letters, digits and underscores only.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
            )))
            .execute(&mut conn)
            .await
            .map_err(err)?;
            opts = opts.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(24)
            // A database outage shows as a quick 503, not a stalled request.
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(opts)
            .await
            .map_err(err)?;
        Self::MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| tijara::ports::storage::StorageError::Backend(Box::new(e)))?;
        Ok(PostgresStore {
            pool,
            search: std::sync::Arc::default(),
        })
    }

    /// The connection pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The pool's connections now.
    fn pool_now(&self) -> tijara::ports::storage::PoolStatus {
        let size = self.pool.size();
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(size);
        tijara::ports::storage::PoolStatus::new(
            idle,
            size.saturating_sub(idle),
            self.pool.options().get_max_connections(),
        )
    }
}

crate::common::sql_tx!(sqlx::Postgres);
crate::common::sql_store!(PostgresStore, sqlx::Postgres);

/// The one document of a changeset that writes nothing else: no keys, owners or search row,
/// no category (whose names the search rows of its products carry), no stock, event or
/// idempotency record (a guest's cart created or changed: most writes of a
/// checkout). Such a changeset is one statement, atomic on its own.
fn lone_plain_doc(changes: &Changeset) -> Option<&DocWrite> {
    match changes.docs.as_slice() {
        [w] if w.keys.is_empty()
            && w.kind != DocKind::Category
            && w.owners.is_empty()
            && w.product.is_none()
            && changes.stock.is_empty()
            && changes.events.is_empty()
            && changes.idempotency.is_none() =>
        {
            Some(w)
        }
        _ => None,
    }
}

/// Writes a [`lone_plain_doc`] in one statement outside any explicit transaction: one round
/// trip, where `BEGIN`, the write (with its old keys and owners removed) and `COMMIT` took
/// three to five. The same outcomes as the transaction: written, or a conflict and nothing
/// written.
async fn write_plain_doc(pool: &PgPool, w: &DocWrite) -> Result<CommitOutcome, Stop> {
    let kind = w.kind.as_str();
    let n: u64 = match w.expected_version {
        None => sqlx::query(
            "INSERT INTO docs (kind, id, version, body) VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING",
        )
        .bind(kind)
        .bind(&w.id)
        .bind(&w.body)
        .execute(pool)
        .await?
        .rows_affected(),
        Some(v) => {
            let n: i64 = sqlx::query_scalar(crate::common::UPDATE_DOC_PG)
                .bind(kind)
                .bind(&w.id)
                .bind(&w.body)
                .bind(i64::try_from(v).unwrap_or(i64::MAX))
                .fetch_one(pool)
                .await?;
            u64::try_from(n).unwrap_or(0)
        }
    };
    if n != 1 {
        return Err(Stop::Port(StorageError::Conflict {
            kind: w.kind,
            id: w.id.clone(),
        }));
    }
    Ok(CommitOutcome::Committed)
}

impl PostgresStore {
    async fn commit_changes(&self, changes: Changeset) -> Result<CommitOutcome, StorageError> {
        let lone = lone_plain_doc(&changes);
        let started = std::time::Instant::now();
        let mut attempt = 0;
        loop {
            let r: Result<CommitOutcome, Stop> = async {
                if let Some(w) = lone {
                    return write_plain_doc(&self.pool, w).await;
                }
                let mut tx = self.pool.begin().await?;
                let outcome = apply_in(&mut tx, &changes).await?;
                tx.commit().await?;
                Ok(outcome)
            }
            .await;
            match r {
                Ok(o) => {
                    // One changeset per transaction on PostgreSQL (no group commit).
                    crate::common::record_commit("postgres", started, 1);
                    return Ok(o);
                }
                Err(Stop::Port(e)) => return Err(e),
                Err(Stop::Db(e)) => {
                    crate::common::wait_to_retry(e, &mut attempt, "commit", "PostgreSQL").await?;
                }
            }
        }
    }
}

impl PostgresStore {
    /// [`Storage::insert_idempotency_records`] in one statement (up to 1,000 records, each
    /// five parameters of PostgreSQL's 65,535): one round trip and one commit for all, where
    /// a changeset each took `BEGIN`, the insert and `COMMIT` with a durable commit each.
    pub(crate) async fn insert_records(
        &self,
        records: &[IdempotencyRecord],
    ) -> Result<Vec<bool>, StorageError> {
        let mut stored = Vec::with_capacity(records.len());
        let mut earlier = std::collections::HashSet::new();
        for chunk in records.chunks(1000) {
            let inserted = self.insert_chunk(chunk).await?;
            for r in chunk {
                let key = (r.scope.as_str(), r.key.as_str());
                // The first of a repeated scope and key is the one inserted.
                stored.push(
                    earlier.insert(key) && inserted.contains(&(r.scope.clone(), r.key.clone())),
                );
            }
        }
        Ok(stored)
    }

    /// The scopes and keys that one multi-row `INSERT … ON CONFLICT DO NOTHING` stored now.
    async fn insert_chunk(
        &self,
        chunk: &[IdempotencyRecord],
    ) -> Result<std::collections::HashSet<(String, String)>, StorageError> {
        let mut attempt = 0;
        loop {
            let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                "INSERT INTO idempotency (scope, key, fingerprint, response, created_at) ",
            );
            q.push_values(chunk, |mut row, r| {
                row.push_bind(&r.scope)
                    .push_bind(&r.key)
                    .push_bind(&r.fingerprint)
                    .push_bind(&r.response)
                    .push_bind(crate::common::micros(r.created_at));
            });
            q.push(" ON CONFLICT DO NOTHING RETURNING scope, key");
            let started = std::time::Instant::now();
            match q
                .build_query_as::<(String, String)>()
                .fetch_all(&self.pool)
                .await
            {
                Ok(rows) => {
                    // One transaction of its own, counted like a changeset's.
                    crate::common::record_commit("postgres", started, 1);
                    return Ok(rows.into_iter().collect());
                }
                Err(e) => {
                    crate::common::wait_to_retry(
                        e,
                        &mut attempt,
                        "insert_idempotency_records",
                        "PostgreSQL",
                    )
                    .await?;
                }
            }
        }
    }
}

/// A new document, its keys and its owners in one statement (`INSERT_FOLDED_PG`): one round
/// trip where the document, the keys and the owners took one each (an order placed: three).
/// The same outcomes as the statements one by one: `Conflict` when the id is taken (nothing
/// written), `KeyTaken` when a key belongs to another document (the caller rolls back).
/// Answers `true`: the write is done.
async fn insert_folded(tx: &mut Tx<'_>, w: &DocWrite) -> Result<bool, Stop> {
    let mut keys = w.keys.clone();
    keys.sort();
    keys.dedup();
    let mut owners = w.owners.clone();
    owners.sort();
    owners.dedup();
    let (written, stored): (i64, Vec<String>) = sqlx::query_as(INSERT_FOLDED_PG)
        .bind(w.kind.as_str())
        .bind(&w.id)
        .bind(&w.body)
        .bind(&keys)
        .bind(&owners)
        .fetch_one(&mut **tx)
        .await?;
    if written != 1 {
        return Err(Stop::Port(StorageError::Conflict {
            kind: w.kind,
            id: w.id.clone(),
        }));
    }
    for key in keys.iter().filter(|k| !stored.contains(k)) {
        // Not stored: held already. By this document only if a stale row was left (as the
        // statement-by-statement path allows).
        let holder: Option<String> =
            sqlx::query_scalar("SELECT id FROM doc_keys WHERE kind = $1 AND key = $2")
                .bind(w.kind.as_str())
                .bind(key)
                .fetch_optional(&mut **tx)
                .await?;
        if holder.as_deref() != Some(w.id.as_str()) {
            return Err(Stop::Port(StorageError::KeyTaken {
                kind: w.kind,
                key: key.clone(),
            }));
        }
    }
    Ok(true)
}

/// See [`insert_folded`]: the keys and owners are written only when the document was.
const INSERT_FOLDED_PG: &str = "WITH d AS (INSERT INTO docs (kind, id, version, body) \
     VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING RETURNING id), \
     k AS (INSERT INTO doc_keys (kind, key, id) SELECT $1, key, d.id FROM d, unnest($4::text[]) AS key \
     ON CONFLICT DO NOTHING RETURNING key), \
     o AS (INSERT INTO doc_owners (kind, owner, id) SELECT $1, owner, d.id FROM d, unnest($5::text[]) AS owner \
     ON CONFLICT DO NOTHING) \
     SELECT (SELECT count(*) FROM d), ARRAY(SELECT key FROM k)";
