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
    /// Whether a changeset that fits is written as one statement ([`one_statement`]).
    one_statement: bool,
    /// Changesets applied again in a transaction after their one statement fell short.
    fallbacks: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Whether a deferred changeset's lone write commits without waiting for the WAL's flush
    /// ([`PostgresStore::with_deferred_commits`]).
    deferred_commits: bool,
    /// The database's incarnation as this store (and its clones) last read it
    /// ([`Storage::incarnation`](tijara::ports::storage::Storage::incarnation)).
    incarnation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl PostgresStore {
    /// The migrations this build embeds.
    pub(crate) const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

    /// Connects to `postgres://…` and runs the migrations. Besides sqlx's parameters, the URL
    /// may end in `deferred_commits=off` (or `on`, the default): see
    /// [`PostgresStore::with_deferred_commits`].
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

    /// A store on `pool`, not yet migrated nor its incarnation read.
    fn on_pool(pool: PgPool, deferred_commits: bool) -> PostgresStore {
        PostgresStore {
            pool,
            search: std::sync::Arc::default(),
            one_statement: true,
            fallbacks: std::sync::Arc::default(),
            deferred_commits,
            incarnation: std::sync::Arc::default(),
        }
    }

    async fn open(
        url: &str,
        schema: Option<&str>,
    ) -> Result<Self, tijara::ports::storage::StorageError> {
        let (url, deferred_commits) = deferred_commits_of(url)?;
        let mut opts = PgConnectOptions::from_str(&url).map_err(err)?;
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
        let store = PostgresStore::on_pool(pool, deferred_commits);
        store.read_incarnation().await?;
        Ok(store)
    }

    /// The database's incarnation read (its token written first when the row is missing),
    /// and kept as this store's.
    async fn read_incarnation(&self) -> Result<u64, StorageError> {
        for _ in 0..3 {
            let token: Option<i64> = sqlx::query_scalar(crate::common::INCARNATION_PG)
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
            if let Some(token) = token.and_then(|t| u64::try_from(t).ok()) {
                self.incarnation
                    .store(token, std::sync::atomic::Ordering::SeqCst);
                return Ok(token);
            }
            // Another store inserted the row after this statement's snapshot: read again.
        }
        Err(StorageError::Unavailable(
            "the database's incarnation row could not be read".into(),
        ))
    }

    /// Whether the database is still at the incarnation `expected`: `None` when it is, else
    /// the one it is at now (read, or written when a crash emptied the row), which this store
    /// keeps from now on.
    async fn restarted_since(&self, expected: u64) -> Result<Option<u64>, Stop> {
        let token: Option<i64> = sqlx::query_scalar(crate::common::INCARNATION_TOKEN_PG)
            .fetch_optional(&self.pool)
            .await?;
        if token.and_then(|t| u64::try_from(t).ok()) == Some(expected) {
            return Ok(None);
        }
        let found = self.read_incarnation().await.map_err(Stop::Port)?;
        Ok((found != expected).then_some(found))
    }

    /// The incarnation this store last read (`Storage::incarnation`).
    fn incarnation_now(&self) -> Option<u64> {
        Some(self.incarnation.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// With `true` (the default, or `deferred_commits=on` in the URL), a changeset marked
    /// [`Durability::Deferred`] (a guest's cart created or changed, its e-mail or its
    /// shipping chosen) and written as one statement commits with `synchronous_commit = off`
    /// for its own transaction: PostgreSQL answers before its WAL record is on disk, and
    /// flushes it within three times `wal_writer_delay` (600 ms by default) or with the next
    /// flushed commit (an order placed flushes its cart with it). A crash of the application
    /// loses nothing; a crash of the database server or its machine in that moment may lose
    /// the last cart changes, never an order, a payment or a stock change (they are flushed
    /// before they answer). The database's incarnation (`Storage::incarnation`, the unlogged
    /// `incarnation` table, which crash recovery empties) changes with such a crash, so an
    /// engine never takes a version the crash lost for the cart it remembers.
    /// With `false` (`deferred_commits=off`), every commit waits for its flush, as
    /// PostgreSQL's `synchronous_commit` says (`docs/operations.md`).
    pub fn with_deferred_commits(mut self, on: bool) -> Self {
        self.deferred_commits = on;
        self
    }

    /// How many changesets this store (and its clones) wrote as one statement that fell
    /// short — a conflict, a key taken, a variant short, an idempotent replay, an owner at its
    /// limit (an e-mail or client address at its unpaid-order limit, counted over every open
    /// unpaid order: the engine then counts the window and places again) — and applied again
    /// in a transaction, since it was opened (also counted by the metric
    /// `tijara_storage_one_statement_fallbacks_total`). Each is one round trip more than the
    /// transaction alone would have taken, and expected now and then; a count that rises with
    /// every order while none is refused (and no shopper is at the unpaid-order limit) would
    /// mean the one statement never applies.
    pub fn one_statement_fallbacks(&self) -> u64 {
        self.fallbacks.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// With `false`, every changeset but a lone document (a cart's creation or change, which writes
    /// nothing else: one statement either way) is applied statement by statement in a transaction
    /// (`BEGIN`, a statement per part, `COMMIT`), as before; with `true` (the default), a changeset
    /// of new documents, updated documents without keys, sales or reservations, events and an
    /// idempotency record (an order placed) is one statement outside any explicit transaction, and
    /// one that cannot be applied whole (a conflict, a key taken, a variant short, a repeated
    /// idempotency key, an owner at its limit) is undone and applied again in a transaction, which
    /// reports the cause. Both write the same rows and answer the same outcomes; `false` is for
    /// comparing the two (`benches/benches/pg_place_commit.rs`) and for a database whose log should
    /// show no `TJ001` error for a refused changeset.
    pub fn with_one_statement_changesets(mut self, on: bool) -> Self {
        self.one_statement = on;
        self
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

/// `url` without its `deferred_commits=on|off` parameter (Tijara's, not sqlx's), and what it
/// said (`on` when absent).
fn deferred_commits_of(url: &str) -> Result<(String, bool), tijara::ports::storage::StorageError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), true));
    };
    let mut on = true;
    let mut rest: Vec<&str> = Vec::new();
    for pair in query.split('&') {
        // sqlx would only log an unknown parameter: a misspelt one is refused here.
        match tijara::ports::storage::deferred_commits_param(pair)? {
            Some(given) => on = given,
            None => rest.push(pair),
        }
    }
    let url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, on))
}

/// The one document of a changeset that writes nothing else: no keys, owners or search row, no
/// category (whose names the search rows of its products carry), no stock, event or idempotency
/// record, no incarnation to hold to for an insert not held to the catalog's version, and no stock
/// check but one held to a catalog version (a guest's cart created, with its first item or not, or
/// changed, an item added, or its shipping chosen: most writes of a checkout). Such a changeset is
/// one statement, atomic on its own.
fn lone_plain_doc(changes: &Changeset) -> Option<Lone<'_>> {
    let check = match (changes.stock_at_least.as_slice(), changes.catalog_at) {
        ([], _) => None,
        ([check], Some(_)) => Some(check),
        _ => return None,
    };
    match changes.docs.as_slice() {
        [w] if w.keys.is_empty()
            && w.kind != DocKind::Category
            && w.owners.is_empty()
            && w.product.is_none()
            && changes.stock.is_empty()
            && changes.events.is_empty()
            && changes.idempotency.is_none()
            && changes.owned_fewer_than.is_empty()
            // A plain insert's text has no incarnation condition: a held insert not held to
            // the catalog takes the one statement, which checks it.
            && (changes.incarnation.is_none()
                || w.expected_version.is_some()
                || changes.catalog_at.is_some()) =>
        {
            Some(Lone {
                write: w,
                catalog_at: changes.catalog_at,
                check,
                deferred: changes.durability == Durability::Deferred,
                held: changes.incarnation,
            })
        }
        _ => None,
    }
}

/// A [`lone_plain_doc`]: its write, the catalog version it holds to, its stock check (only
/// with a version), whether its commit may be deferred (`Durability::Deferred`; the store
/// may still flush it, [`PostgresStore::with_deferred_commits`]), and the incarnation an
/// update, or an insert held to the catalog, holds to (`Changeset::incarnation`).
#[derive(Debug, Clone, Copy)]
struct Lone<'a> {
    write: &'a DocWrite,
    catalog_at: Option<u64>,
    check: Option<&'a StockAtLeast>,
    deferred: bool,
    held: Option<u64>,
}

impl Lone<'_> {
    /// Its statement: an insert for a new document, else an update; held to the catalog's
    /// version and to the stock check it has, and then to the incarnation (when it has one);
    /// committed deferred or not. An update whose lists are the stored ones
    /// (`DocWrite::links_unchanged`) leaves the rows of its keys and owners alone.
    fn text(&self) -> &'static str {
        use crate::common::*;
        if self.write.keeps_links() {
            return match (self.catalog_at, self.check, self.deferred) {
                (None, _, false) => UPDATE_DOC_HELD_KEPT_PG,
                (None, _, true) => UPDATE_DOC_DEFERRED_KEPT_PG,
                (Some(_), None, false) => UPDATE_DOC_AT_CATALOG_KEPT_PG,
                (Some(_), None, true) => UPDATE_DOC_AT_CATALOG_DEFERRED_KEPT_PG,
                (Some(_), Some(_), false) => UPDATE_DOC_AT_CATALOG_STOCK_KEPT_PG,
                (Some(_), Some(_), true) => UPDATE_DOC_AT_CATALOG_STOCK_DEFERRED_KEPT_PG,
            };
        }
        match (
            self.write.expected_version,
            self.catalog_at,
            self.check,
            self.deferred,
        ) {
            (None, None, _, false) => INSERT_DOC_PG,
            (None, None, _, true) => INSERT_DOC_DEFERRED_PG,
            (None, Some(_), None, false) => INSERT_DOC_AT_CATALOG_PG,
            (None, Some(_), None, true) => INSERT_DOC_AT_CATALOG_DEFERRED_PG,
            (None, Some(_), Some(_), false) => INSERT_DOC_AT_CATALOG_STOCK_PG,
            (None, Some(_), Some(_), true) => INSERT_DOC_AT_CATALOG_STOCK_DEFERRED_PG,
            (Some(_), None, _, false) => UPDATE_DOC_HELD_PG,
            (Some(_), None, _, true) => UPDATE_DOC_DEFERRED_PG,
            (Some(_), Some(_), None, false) => UPDATE_DOC_AT_CATALOG_PG,
            (Some(_), Some(_), None, true) => UPDATE_DOC_AT_CATALOG_DEFERRED_PG,
            (Some(_), Some(_), Some(_), false) => UPDATE_DOC_AT_CATALOG_STOCK_PG,
            (Some(_), Some(_), Some(_), true) => UPDATE_DOC_AT_CATALOG_STOCK_DEFERRED_PG,
        }
    }
}

/// Writes a [`lone_plain_doc`] in one statement outside any explicit transaction: one round trip,
/// where `BEGIN`, the write (with its old keys and owners removed, or the counter's read before an
/// insert with a stock check) and `COMMIT` took three to five. The same outcomes as the
/// transaction: written, or nothing written and a restarted database, a changed catalog, a variant
/// short (or without a counter), or a conflict. A deferred one commits without waiting for the
/// WAL's flush (`synchronous_commit = off` for its own transaction).
async fn write_plain_doc(store: &PostgresStore, lone: Lone<'_>) -> Result<CommitOutcome, Stop> {
    let pool = &store.pool;
    let Lone {
        write: w,
        catalog_at,
        check,
        held,
        ..
    } = lone;
    let kind = w.kind.as_str();
    let held_at = held.map(|h| i64::try_from(h).unwrap_or(i64::MAX));
    let n: u64 = match w.expected_version {
        None => {
            let mut q = sqlx::query(lone.text())
                .bind(kind)
                .bind(&w.id)
                .bind(&w.body);
            // Held to the catalog, an insert is held to the incarnation too (`NULL`: none).
            if let Some(c) = catalog_at {
                q = q.bind(held_at).bind(i64::try_from(c).unwrap_or(i64::MAX));
                if let Some(check) = check {
                    q = q.bind(check.variant.as_str()).bind(i64::from(check.units));
                }
            }
            q.execute(pool).await?.rows_affected()
        }
        Some(v) => {
            let v = i64::try_from(v).unwrap_or(i64::MAX);
            let mut q = sqlx::query_scalar(lone.text())
                .bind(kind)
                .bind(&w.id)
                .bind(&w.body)
                .bind(v)
                .bind(held_at);
            if let Some(c) = catalog_at {
                q = q.bind(i64::try_from(c).unwrap_or(i64::MAX));
                if let Some(check) = check {
                    q = q.bind(check.variant.as_str()).bind(i64::from(check.units));
                }
            }
            let n: i64 = q.fetch_one(pool).await?;
            u64::try_from(n).unwrap_or(0)
        }
    };
    if n != 1 {
        // Not written: first, whether the database restarted since the changeset's
        // incarnation (the versions it was made from may have been lost).
        if let Some(expected) = held
            && let Some(found) = store.restarted_since(expected).await?
        {
            return Err(Stop::Port(StorageError::Restarted { expected, found }));
        }
        if let Some(expected) = catalog_at {
            // Not written: a changed catalog, or a stale document (an id taken, for an
            // insert); the version tells which (read after the write: a catalog changed since
            // then is named, which the engine retries the same way; a document stale as well
            // is then found by the retry's commit, one conflict later).
            let found: i64 = sqlx::query_scalar(crate::common::CATALOG_VERSION)
                .fetch_one(pool)
                .await?;
            let found = u64::try_from(found).unwrap_or(0);
            if found != expected {
                return Err(Stop::Port(StorageError::CatalogChanged { expected, found }));
            }
        }
        // Or a variant short or without a counter, read after the update as the transaction
        // path reads it in its own (a counter changed back since then makes this a conflict,
        // which is retried).
        if let Some(check) = check
            && let Some(refused) = check.refusal(stock_row_of(pool, &check.variant).await?.as_ref())
        {
            return Err(Stop::Port(refused));
        }
        return Err(Stop::Port(StorageError::Conflict {
            kind: w.kind,
            id: w.id.clone(),
        }));
    }
    Ok(CommitOutcome::Committed)
}

/// Whether a changeset can be written as one statement ([`one_statement`]): new documents
/// (with any keys and owners), updated documents without keys, each document once, only sales
/// or only reservations among the stock changes, any events, idempotency record and owners'
/// counts ([`Changeset::owned_fewer_than`]); no
/// product's search row and no category (whose writes read and rewrite other rows first), and
/// no more than [`ONE_STATEMENT_MAX_PARTS`] parts. An order placed by a
/// checkout is such a changeset: its order, the cart, the sale (paid on delivery) or the
/// reservations (paid by card or transfer), and the events. Sales and reservations are not
/// mixed (each would lock its rows in another order than the transaction).
fn fits_one_statement(changes: &Changeset) -> bool {
    if changes.docs.len() + changes.stock.len() + changes.events.len() > ONE_STATEMENT_MAX_PARTS {
        return false;
    }
    let docs_fit = changes.docs.iter().enumerate().all(|(i, w)| {
        w.kind != DocKind::Category
            && w.product.is_none()
            && (w.expected_version.is_none() || w.keys.is_empty())
            && !changes.docs[..i]
                .iter()
                .any(|o| o.kind == w.kind && o.id == w.id)
    });
    docs_fit
        && (changes
            .stock
            .iter()
            .all(|op| matches!(op, StockOp::Sell { .. }))
            || changes
                .stock
                .iter()
                .all(|op| matches!(op, StockOp::Reserve { .. })))
        && !(changes.docs.is_empty() && changes.stock.is_empty() && changes.events.is_empty())
        // Stock checks read counters before any write: the transaction's path.
        && changes.stock_at_least.is_empty()
}

/// The most documents, stock operations and events together a changeset may have to be written
/// as one statement (a checkout has about six): its parameters stay far below PostgreSQL's
/// 65,535 and its plan small.
const ONE_STATEMENT_MAX_PARTS: usize = 64;

/// A changeset that [`fits_one_statement`] as one statement of data-modifying CTEs, applied
/// outside any explicit transaction: one round trip where `BEGIN`, a statement per part and
/// `COMMIT` took six or seven for an order placed. Every part counts what it wrote, and the
/// statement ends in `tijara_changeset_applied` (migration `20261205100001_changeset_check`),
/// which raises `TJ001` unless each wrote what the statement-by-statement path requires: the
/// whole statement is then undone, and [`not_applied`] tells the caller to apply the changeset
/// in a transaction, which finds the precise cause. The parts are those of `apply_in`, with
/// the same conditions; PostgreSQL runs each counted part as the check reads its count and
/// every other part (owners, old keys and owners removed) by the statement's end; a short part
/// raises before the statement ends, which undoes them all. They see one snapshot, which is
/// why a document may appear only once and an updated one may have no keys (a key it keeps
/// would be deleted and inserted in one statement, and its insert, counted, would conflict with
/// the row being deleted); its owners are diffed instead, and not counted.
fn one_statement(changes: &Changeset) -> sqlx::QueryBuilder<sqlx::Postgres> {
    let now = crate::common::micros(changes.now.unwrap_or_else(chrono::Utc::now));
    let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new("WITH ");
    // What each counted part must have written: (its name, the rows).
    let mut expect: Vec<(String, i64)> = Vec::new();
    let mut first = true;
    let mut part = |q: &mut sqlx::QueryBuilder<sqlx::Postgres>, name: &str| {
        if !first {
            q.push(", ");
        }
        first = false;
        q.push(name).push(" AS (");
    };
    if let Some(token) = changes.incarnation {
        // As the transaction's first check: the database still at the changeset's incarnation
        // (a restarted one falls short, and the transaction answers `Restarted`).
        part(&mut q, "h");
        q.push("SELECT 1 FROM incarnation WHERE id = 1 AND token = ")
            .push_bind(i64::try_from(token).unwrap_or(i64::MAX))
            .push(")");
        expect.push(("h".into(), 1));
    }
    if let Some(v) = changes.catalog_at {
        // As `apply_in`'s check: the catalog still at the version the step was made at (a
        // changed one falls short, and the transaction answers `CatalogChanged`).
        part(&mut q, "c");
        q.push("SELECT 1 FROM catalog_version WHERE id = 1 AND version = ")
            .push_bind(i64::try_from(v).unwrap_or(i64::MAX))
            .push(")");
        expect.push(("c".into(), 1));
    }
    for (j, check) in changes.owned_fewer_than.iter().enumerate() {
        // As `apply_in`'s count, up to the limit, in the statement's snapshot (before its own
        // owners' rows): a row when the owner is below it (else the transaction answers
        // `OwnerAtLimit`).
        let n = format!("n{j}");
        let limit = i64::from(check.limit);
        part(&mut q, &n);
        q.push("SELECT 1 WHERE (SELECT count(*) FROM (SELECT 1 FROM doc_owners WHERE kind = ")
            .push_bind(check.kind.as_str())
            .push(" AND owner = ")
            .push_bind(&check.owner)
            .push(" LIMIT ")
            .push_bind(limit)
            .push(") AS x) < ")
            .push_bind(limit)
            .push(")");
        expect.push((n, 1));
    }
    if let Some(rec) = &changes.idempotency {
        part(&mut q, "i");
        q.push("INSERT INTO idempotency (scope, key, fingerprint, response, created_at) VALUES (")
            .push_bind(&rec.scope)
            .push(", ")
            .push_bind(&rec.key)
            .push(", ")
            .push_bind(&rec.fingerprint)
            .push(", ")
            .push_bind(&rec.response)
            .push(", ")
            .push_bind(now)
            .push(") ON CONFLICT DO NOTHING RETURNING 1)");
        expect.push(("i".into(), 1));
    }
    for (n, w) in changes.docs.iter().enumerate() {
        let (d, k, o) = (format!("d{n}"), format!("k{n}"), format!("o{n}"));
        let kind = w.kind.as_str();
        match w.expected_version {
            None => {
                part(&mut q, &d);
                q.push("INSERT INTO docs (kind, id, version, body) VALUES (")
                    .push_bind(kind)
                    .push(", ")
                    .push_bind(&w.id)
                    .push(", 1, ")
                    .push_bind(&w.body)
                    .push(") ON CONFLICT DO NOTHING RETURNING kind, id)");
                expect.push((d.clone(), 1));
                let keys = tijara::ports::storage::sorted_unique(&w.keys);
                if !keys.is_empty() {
                    let count = i64::try_from(keys.len()).unwrap_or(i64::MAX);
                    part(&mut q, &k);
                    q.push("INSERT INTO doc_keys (kind, key, id) SELECT d.kind, key, d.id FROM ")
                        .push(&d)
                        .push(" AS d, unnest(")
                        .push_bind(keys)
                        .push("::text[]) AS key ON CONFLICT DO NOTHING RETURNING 1)");
                    expect.push((k, count));
                }
                let owners = tijara::ports::storage::sorted_unique(&w.owners);
                if !owners.is_empty() {
                    part(&mut q, &o);
                    q.push(
                        "INSERT INTO doc_owners (kind, owner, id) SELECT d.kind, owner, d.id FROM ",
                    )
                    .push(&d)
                    .push(" AS d, unnest(")
                    .push_bind(owners)
                    .push("::text[]) AS owner ON CONFLICT DO NOTHING)");
                }
            }
            Some(v) => {
                // As `UPDATE_DOC_PG` and the inserts after it: the update and, when it was made,
                // its old keys removed (it has none now) and its owners made the new list's
                // (the rows not in it removed, the missing ones inserted; removing and inserting
                // one row in one statement would conflict with itself).
                part(&mut q, &d);
                q.push("UPDATE docs SET version = version + 1, body = ")
                    .push_bind(&w.body)
                    .push(" WHERE kind = ")
                    .push_bind(kind)
                    .push(" AND id = ")
                    .push_bind(&w.id)
                    .push(" AND version = ")
                    .push_bind(i64::try_from(v).unwrap_or(i64::MAX))
                    .push(" RETURNING kind, id)");
                expect.push((d.clone(), 1));
                if w.keeps_links() {
                    // Its lists are the stored ones (`DocWrite::links_unchanged`, a guest's
                    // cart ordered): their rows stay as they are.
                    continue;
                }
                let owners = tijara::ports::storage::sorted_unique(&w.owners);
                part(&mut q, &k);
                q.push("DELETE FROM doc_keys WHERE (kind, id) IN (SELECT kind, id FROM ")
                    .push(&d)
                    .push("))");
                part(&mut q, &o);
                q.push("DELETE FROM doc_owners WHERE (kind, id) IN (SELECT kind, id FROM ")
                    .push(&d)
                    .push(") AND owner <> ALL(")
                    .push_bind(owners.clone())
                    .push("::text[]))");
                if !owners.is_empty() {
                    part(&mut q, &format!("p{n}"));
                    q.push(
                        "INSERT INTO doc_owners (kind, owner, id) SELECT d.kind, owner, d.id FROM ",
                    )
                    .push(&d)
                    .push(" AS d, unnest(")
                    .push_bind(owners)
                    .push("::text[]) AS owner ON CONFLICT DO NOTHING)");
                }
            }
        }
    }
    // As `stock_op`'s: each reservation's counter raised if enough is free (untracked: by
    // nothing), then its row, holding what was taken. A variant reserved twice in one
    // changeset updates its row twice in one statement, which PostgreSQL does once: the count
    // falls short and the transaction applies both.
    for (j, op) in changes.stock.iter().enumerate() {
        let StockOp::Reserve {
            reservation,
            variant,
            quantity,
            order,
            expires_at,
        } = op
        else {
            continue;
        };
        let (r, v) = (format!("r{j}"), format!("v{j}"));
        let quantity = i64::from(*quantity);
        part(&mut q, &r);
        q.push("UPDATE stock SET reserved = reserved + CASE WHEN tracked = 1 THEN ")
            .push_bind(quantity)
            .push(" ELSE 0 END WHERE variant = ")
            .push_bind(variant.as_str())
            .push(" AND (tracked = 0 OR on_hand - reserved >= ")
            .push_bind(quantity)
            .push(") RETURNING tracked)");
        part(&mut q, &v);
        q.push("INSERT INTO reservations (id, variant, quantity, order_id, expires_at) SELECT ")
            .push_bind(reservation.as_str())
            .push(", ")
            .push_bind(variant.as_str())
            .push(", CASE WHEN r.tracked = 1 THEN ")
            .push_bind(quantity)
            .push(" ELSE 0 END, ")
            .push_bind(order.as_str())
            .push(", ")
            .push_bind(crate::common::micros(*expires_at))
            .push(" FROM ")
            .push(&r)
            .push(" AS r ON CONFLICT DO NOTHING RETURNING 1)");
        expect.push((v, 1));
    }
    if changes
        .stock
        .iter()
        .any(|op| matches!(op, StockOp::Sell { .. }))
    {
        // As `sell_many`: the quantities of each variant summed, all or nothing.
        let wanted = crate::common::sales_by_variant(&changes.stock);
        part(&mut q, "s");
        push_sale(&mut q, &wanted);
        q.push(" RETURNING 1)");
        expect.push(("s".into(), i64::try_from(wanted.len()).unwrap_or(i64::MAX)));
    }
    if !changes.events.is_empty() {
        part(&mut q, "e");
        q.push("INSERT INTO outbox (aggregate, kind, payload, created_at) ");
        q.push_values(&changes.events, |mut b, e| {
            b.push_bind(&e.aggregate)
                .push_bind(&e.kind)
                .push_bind(&e.payload)
                .push_bind(now);
        });
        q.push(" RETURNING 1)");
        expect.push((
            "e".into(),
            i64::try_from(changes.events.len()).unwrap_or(i64::MAX),
        ));
    }
    q.push(" SELECT tijara_changeset_applied(");
    for (i, (name, rows)) in expect.iter().enumerate() {
        if i > 0 {
            q.push(" AND ");
        }
        // The counts are parameters: one statement text per shape of changeset, whatever the
        // number of keys.
        q.push(format!("(SELECT count(*) FROM {name}) = "))
            .push_bind(*rows);
    }
    if expect.is_empty() {
        q.push("true");
    }
    q.push(")");
    q
}

/// Whether `e` is [`one_statement`]'s "not every part wrote what it must" (`TJ001`): nothing
/// was written, and the changeset is to be applied in a transaction instead.
fn not_applied(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("TJ001"))
}

impl PostgresStore {
    /// The changeset's [`lone_plain_doc`], deferred when it asks to be and this store defers
    /// ([`PostgresStore::with_deferred_commits`]).
    fn lone_of<'a>(&self, changes: &'a Changeset) -> Option<Lone<'a>> {
        lone_plain_doc(changes).map(|l| Lone {
            deferred: l.deferred && self.deferred_commits,
            ..l
        })
    }

    async fn commit_changes(&self, changes: Changeset) -> Result<CommitOutcome, StorageError> {
        let lone = self.lone_of(&changes);
        let mut one = self.one_statement && lone.is_none() && fits_one_statement(&changes);
        let started = std::time::Instant::now();
        let mut attempt = 0;
        loop {
            let r: Result<CommitOutcome, Stop> = async {
                if let Some(w) = lone {
                    return write_plain_doc(self, w).await;
                }
                if one {
                    match one_statement(&changes).build().execute(&self.pool).await {
                        Ok(_) => return Ok(CommitOutcome::Committed),
                        // A part fell short: nothing written; the transaction below finds why.
                        Err(e) if not_applied(&e) => {
                            one = false;
                            self.fallbacks
                                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            metrics::counter!("tijara_storage_one_statement_fallbacks_total")
                                .increment(1);
                            tracing::debug!(target: "storage", "changeset not applied as one statement: applying it in a transaction");
                        }
                        Err(e) => return Err(Stop::Db(e)),
                    }
                }
                let mut tx = self.pool.begin().await?;
                if let Some(expected) = changes.incarnation {
                    // Checked first, in the transaction: it commits only on the server that
                    // answered (a crash ends every transaction).
                    let token: Option<i64> =
                        sqlx::query_scalar(crate::common::INCARNATION_TOKEN_PG)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if token.and_then(|t| u64::try_from(t).ok()) != Some(expected) {
                        drop(tx);
                        // The token found (written anew when a crash emptied the row).
                        let found = self.restarted_since(expected).await?.unwrap_or(expected);
                        return Err(Stop::Port(StorageError::Restarted { expected, found }));
                    }
                }
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

/// The records of one scope for a list of keys ([`PostgresStore::read_records`]): one index
/// lookup per key, whatever the statistics say.
///
/// `scope = $1 AND key IN ($2, …)` was planned once per statement text and then run from the
/// generic plan, whose estimate of one scope's rows is the table's average: many scopes hold
/// one or two records (a request's key), while `done:…` holds one per event delivered. With
/// more than a few keys the generic plan read every row of the scope through the primary
/// key's first column and filtered the keys, a cost growing with the table (3 to 6 ms a
/// dispatcher's batch after 10 s of checkouts). Here each key has a subquery of its own,
/// which its `LIMIT 1` keeps PostgreSQL from flattening into a join (planned as a hash join
/// over the whole scope when flattened), and whose equality on the whole primary key makes it
/// one index lookup.
pub(crate) const READ_RECORDS_PG: &str = "SELECT i.key, i.fingerprint, i.response, i.created_at \
     FROM unnest($2::text[]) AS k(key) CROSS JOIN LATERAL (SELECT key, fingerprint, response, \
     created_at FROM idempotency WHERE scope = $1 AND key = k.key LIMIT 1) AS i";

impl PostgresStore {
    /// The records stored under `scope` for `keys` (those found, in no order), in one
    /// statement whatever their number ([`READ_RECORDS_PG`]).
    pub(crate) async fn read_records(
        &self,
        scope: &str,
        keys: &[String],
    ) -> Result<Vec<tijara::ports::storage::IdempotencyRecord>, sqlx::Error> {
        let rows = sqlx::query_as::<_, crate::common::RecordRow>(READ_RECORDS_PG)
            .bind(scope)
            .bind(keys)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| crate::common::record_of(scope, row))
            .collect())
    }

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
    let keys = tijara::ports::storage::sorted_unique(&w.keys);
    let owners = tijara::ports::storage::sorted_unique(&w.owners);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::LIST_BY_OWNER;
    use tijara_core::{OrderId, ProductId, VariantId};

    fn variant(s: &str) -> VariantId {
        VariantId::new(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn write(kind: DocKind, id: &str, expected: Option<u64>) -> DocWrite {
        DocWrite {
            kind,
            id: id.to_owned(),
            expected_version: expected,
            body: "{}".to_owned(),
            keys: vec![],
            owners: vec![],
            product: None,
            links_unchanged: false,
        }
    }

    /// A store on a lazy pool that never connects, to ask which statement a changeset takes
    /// (in a Tokio runtime); deferring its lone commits or not.
    fn offline_store(deferred_commits: bool) -> PostgresStore {
        let pool = PgPoolOptions::new()
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .unwrap_or_else(|e| panic!("a lazy pool: {e}"));
        PostgresStore::on_pool(pool, deferred_commits)
    }

    /// A cart's change alone: `w`, held to `catalog_at`, with a check of one unit of
    /// `checked`, committed with `durability`.
    fn cart_change(
        w: DocWrite,
        catalog_at: Option<u64>,
        checked: Option<&VariantId>,
        durability: Durability,
    ) -> Changeset {
        Changeset {
            docs: vec![w],
            catalog_at,
            stock_at_least: checked
                .map(|v| vec![StockAtLeast::new(v.clone(), 1)])
                .unwrap_or_default(),
            durability,
            ..Changeset::default()
        }
    }

    /// A checkout's changeset: a new order with a key and owners, the cart rewritten, a sale,
    /// two events.
    fn placed(order: &str, cart: &str, v: &VariantId, quantity: u32) -> Changeset {
        let mut o = write(DocKind::Order, order, None);
        o.keys = vec![format!("number:{order}")];
        o.owners = vec!["guest:a".into(), "seller:b".into()];
        Changeset {
            docs: vec![o, write(DocKind::Cart, cart, Some(1))],
            stock: vec![StockOp::Sell {
                variant: v.clone(),
                quantity,
            }],
            events: vec![
                NewEvent::new(order, "order.placed", "{}"),
                NewEvent::new(order, "order.confirmed", "{}"),
            ],
            ..Changeset::default()
        }
    }

    /// A store in a schema of its own on `TIJARA_TEST_POSTGRES_URL`'s server (`t_`-prefixed,
    /// which CI removes if a test stops before [`drop_schema`]), and the schema's name; `None`
    /// with a notice without the variable.
    async fn scratch(prefix: &str) -> Option<(PostgresStore, String)> {
        let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
            eprintln!("TIJARA_TEST_POSTGRES_URL is not set: skipping this PostgreSQL check");
            return None;
        };
        let schema = format!(
            "t_{}",
            tijara_testkit::storage::unique(prefix).replace('-', "_")
        );
        let store = PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        Some((store, schema))
    }

    async fn drop_schema(store: &PostgresStore, schema: &str) {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA \"{schema}\" CASCADE"
        )))
        .execute(&store.pool)
        .await
        .unwrap_or_else(|e| panic!("drop the schema: {e}"));
    }

    #[test]
    fn deferred_commits_is_read_off_the_url() {
        let of = |url: &str| deferred_commits_of(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(of("postgres://u@h/db"), ("postgres://u@h/db".into(), true));
        assert_eq!(
            of("postgres://u@h/db?deferred_commits=off"),
            ("postgres://u@h/db".into(), false)
        );
        assert_eq!(
            of("postgres://u@h/db?sslmode=disable&deferred_commits=off&application_name=a"),
            (
                "postgres://u@h/db?sslmode=disable&application_name=a".into(),
                false
            )
        );
        assert_eq!(
            of("postgres://u@h/db?deferred_commits=off&deferred_commits=on"),
            ("postgres://u@h/db".into(), true),
            "the last one said"
        );
        assert_eq!(
            of("postgres://u@h/db?Deferred_Commits=OFF"),
            ("postgres://u@h/db".into(), false),
            "in any case"
        );
        let refused = |url: &str, said: &str| {
            let Err(e) = deferred_commits_of(url) else {
                panic!("{url} was accepted");
            };
            assert!(
                matches!(&e, StorageError::Unavailable(m) if m.contains(said)),
                "{url}: {e}"
            );
        };
        refused(
            "postgres://u@h/db?deferred_commits=maybe",
            "deferred_commits=\"maybe\" in the database URL: give on (the default) or off",
        );
        refused(
            "postgres://u@h/db?deferred_commits",
            "deferred_commits=\"\" in the database URL",
        );
        refused(
            "postgres://u@h/db?deferred_commit=off",
            "\"deferred_commit\" in the database URL is no parameter",
        );
    }

    /// A changeset marked deferred is written by a deferred statement, of the same shape as
    /// the flushed one (an insert, an update, held to the catalog, with a stock check), only on
    /// a store that defers; a flushed one never; a changeset that is no lone document is not
    /// written by these statements at all (its transaction or one statement is flushed).
    #[tokio::test]
    async fn a_deferred_cart_change_takes_the_deferred_statement_where_the_store_defers() {
        use crate::common::*;
        let (deferring, flushing) = (offline_store(true), offline_store(false));
        let v = variant("v-1");
        let shapes = |durability: Durability| {
            let change = |expected: Option<u64>, catalog_at: Option<u64>, check: bool| {
                cart_change(
                    write(DocKind::Cart, "c", expected),
                    catalog_at,
                    check.then_some(&v),
                    durability,
                )
            };
            vec![
                change(None, None, false),
                change(None, Some(7), false),
                change(None, Some(7), true),
                change(Some(1), None, false),
                change(Some(1), Some(7), false),
                change(Some(1), Some(7), true),
            ]
        };
        let texts = |s: &PostgresStore, durability: Durability| -> Vec<&'static str> {
            shapes(durability)
                .iter()
                .map(|c| {
                    s.lone_of(c)
                        .unwrap_or_else(|| panic!("a lone cart write"))
                        .text()
                })
                .collect()
        };
        let flushed = vec![
            INSERT_DOC_PG,
            INSERT_DOC_AT_CATALOG_PG,
            INSERT_DOC_AT_CATALOG_STOCK_PG,
            UPDATE_DOC_HELD_PG,
            UPDATE_DOC_AT_CATALOG_PG,
            UPDATE_DOC_AT_CATALOG_STOCK_PG,
        ];
        let deferred = vec![
            INSERT_DOC_DEFERRED_PG,
            INSERT_DOC_AT_CATALOG_DEFERRED_PG,
            INSERT_DOC_AT_CATALOG_STOCK_DEFERRED_PG,
            UPDATE_DOC_DEFERRED_PG,
            UPDATE_DOC_AT_CATALOG_DEFERRED_PG,
            UPDATE_DOC_AT_CATALOG_STOCK_DEFERRED_PG,
        ];
        assert_eq!(texts(&deferring, Durability::Deferred), deferred);
        assert_eq!(texts(&deferring, Durability::Flushed), flushed);
        assert_eq!(
            texts(&flushing, Durability::Deferred),
            flushed,
            "deferred_commits=off"
        );
        let mut placed = placed("o", "c", &v, 1);
        placed.durability = Durability::Deferred;
        assert!(
            deferring.lone_of(&placed).is_none(),
            "an order is no lone write"
        );
    }

    /// Each deferred statement sets `synchronous_commit` off for its own transaction (its
    /// `set_config` evaluated, not planned away) and only for it: run inside an explicit
    /// transaction, the setting is `off` before its commit and back after it.
    #[tokio::test]
    async fn deferred_statements_set_synchronous_commit_for_their_transaction_only() {
        let Some((store, schema)) = scratch("deferred-texts").await else {
            return;
        };
        let mut conn = store
            .pool
            .acquire()
            .await
            .unwrap_or_else(|e| panic!("acquire: {e}"));
        async fn setting(c: &mut sqlx::PgConnection) -> String {
            sqlx::query_scalar::<_, String>("SHOW synchronous_commit")
                .fetch_one(c)
                .await
                .unwrap_or_else(|e| panic!("show: {e}"))
        }
        // `text`'s setting inside its transaction `tx`, which it then commits.
        async fn deferred_in(mut tx: sqlx::Transaction<'_, sqlx::Postgres>, text: &str) {
            assert_eq!(setting(&mut tx).await, "off", "inside {text}'s transaction");
            tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
        }
        sqlx::query("SET synchronous_commit = on")
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("set: {e}"));
        let v = variant("v-deferred");
        sqlx::query(
            "INSERT INTO stock (variant, product, tracked, on_hand, reserved) VALUES ($1, 'p', 1, 5, 0)",
        )
        .bind(v.as_str())
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("a counter: {e}"));
        let catalog: i64 = sqlx::query_scalar(crate::common::CATALOG_VERSION)
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("catalog version: {e}"));
        // The inserts: plain (a cart created empty), and held to the catalog (a cart created
        // with its first item) without and with their stock check, held to the incarnation
        // or not.
        let inserts = [
            crate::common::INSERT_DOC_DEFERRED_PG,
            crate::common::INSERT_DOC_AT_CATALOG_DEFERRED_PG,
            crate::common::INSERT_DOC_AT_CATALOG_STOCK_DEFERRED_PG,
        ];
        for (i, text) in inserts.into_iter().enumerate() {
            let mut tx = sqlx::Connection::begin(&mut *conn)
                .await
                .unwrap_or_else(|e| panic!("begin: {e}"));
            let mut q = sqlx::query(text)
                .bind("cart")
                .bind(format!("c-deferred-{i}"))
                .bind("{}");
            if i > 0 {
                q = q
                    .bind(
                        (i == 2)
                            .then(|| store.incarnation_now().and_then(|t| i64::try_from(t).ok()))
                            .flatten(),
                    )
                    .bind(catalog);
            }
            if i == 2 {
                q = q.bind(v.as_str()).bind(1_i64);
            }
            let n = q
                .execute(&mut *tx)
                .await
                .unwrap_or_else(|e| panic!("{text}: {e}"))
                .rows_affected();
            assert_eq!(n, 1, "{text} writes its row");
            deferred_in(tx, text).await;
            assert_eq!(setting(&mut conn).await, "on", "after {text}'s commit");
        }
        // Each shape with the removal of the old keys and owners, then without it (an update
        // keeping its lists): `i % 3` is the shape.
        let updates = [
            crate::common::UPDATE_DOC_DEFERRED_PG,
            crate::common::UPDATE_DOC_AT_CATALOG_DEFERRED_PG,
            crate::common::UPDATE_DOC_AT_CATALOG_STOCK_DEFERRED_PG,
            crate::common::UPDATE_DOC_DEFERRED_KEPT_PG,
            crate::common::UPDATE_DOC_AT_CATALOG_DEFERRED_KEPT_PG,
            crate::common::UPDATE_DOC_AT_CATALOG_STOCK_DEFERRED_KEPT_PG,
        ];
        for (i, text) in updates.into_iter().enumerate() {
            let mut tx = sqlx::Connection::begin(&mut *conn)
                .await
                .unwrap_or_else(|e| panic!("begin: {e}"));
            let mut q = sqlx::query_scalar::<_, i64>(text)
                .bind("cart")
                // The plain insert's cart, at version `i + 1`.
                .bind("c-deferred-0")
                .bind("{}")
                .bind(i64::try_from(i + 1).unwrap_or(0))
                // Held to the database's incarnation or not (`NULL`): both write.
                .bind(
                    (i % 2 == 1)
                        .then(|| store.incarnation_now().and_then(|t| i64::try_from(t).ok()))
                        .flatten(),
                );
            if i % 3 > 0 {
                q = q.bind(catalog);
            }
            if i % 3 > 1 {
                q = q.bind(v.as_str()).bind(1_i64);
            }
            let n = q
                .fetch_one(&mut *tx)
                .await
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(n, 1, "{text} writes");
            deferred_in(tx, text).await;
            assert_eq!(setting(&mut conn).await, "on", "after {text}'s commit");
        }
        drop(conn);
        drop_schema(&store, &schema).await;
    }

    /// A cart's lone update promised to keep its lists (`DocWrite::links_unchanged`) takes
    /// the statement of its shape without the removal of the old keys and owners: the same
    /// text up to the update's `RETURNING`, with the same parameters, and no `doc_keys` or
    /// `doc_owners` in it. An update without the promise, and an insert with it, keep their
    /// statements.
    #[tokio::test]
    async fn an_update_keeping_its_lists_leaves_their_rows_alone() {
        use crate::common::*;
        let store = offline_store(true);
        let v = variant("v-1");
        let text = |expected: Option<u64>, kept: bool, catalog_at, check: bool, durability| {
            let mut w = write(DocKind::Cart, "c", expected);
            w.links_unchanged = kept;
            let cs = cart_change(w, catalog_at, check.then_some(&v), durability);
            store
                .lone_of(&cs)
                .unwrap_or_else(|| panic!("a lone cart write"))
                .text()
        };
        let pairs = [
            (
                None,
                false,
                Durability::Flushed,
                UPDATE_DOC_HELD_PG,
                UPDATE_DOC_HELD_KEPT_PG,
            ),
            (
                None,
                false,
                Durability::Deferred,
                UPDATE_DOC_DEFERRED_PG,
                UPDATE_DOC_DEFERRED_KEPT_PG,
            ),
            (
                Some(7),
                false,
                Durability::Flushed,
                UPDATE_DOC_AT_CATALOG_PG,
                UPDATE_DOC_AT_CATALOG_KEPT_PG,
            ),
            (
                Some(7),
                false,
                Durability::Deferred,
                UPDATE_DOC_AT_CATALOG_DEFERRED_PG,
                UPDATE_DOC_AT_CATALOG_DEFERRED_KEPT_PG,
            ),
            (
                Some(7),
                true,
                Durability::Flushed,
                UPDATE_DOC_AT_CATALOG_STOCK_PG,
                UPDATE_DOC_AT_CATALOG_STOCK_KEPT_PG,
            ),
            (
                Some(7),
                true,
                Durability::Deferred,
                UPDATE_DOC_AT_CATALOG_STOCK_DEFERRED_PG,
                UPDATE_DOC_AT_CATALOG_STOCK_DEFERRED_KEPT_PG,
            ),
        ];
        for (catalog_at, check, durability, full, kept) in pairs {
            assert_eq!(text(Some(1), false, catalog_at, check, durability), full);
            assert_eq!(text(Some(1), true, catalog_at, check, durability), kept);
            let head = |t: &'static str| t.split(" RETURNING id)").next().unwrap_or_default();
            assert_eq!(head(full), head(kept), "{kept}: the same update");
            assert!(
                !kept.contains("doc_keys") && !kept.contains("doc_owners"),
                "{kept}: no removal"
            );
            assert!(
                full.contains("DELETE FROM doc_keys") && full.contains("DELETE FROM doc_owners"),
                "{full}: the removals"
            );
            assert_eq!(
                full.replace(
                    ", k AS (DELETE FROM doc_keys WHERE kind = $1 AND id IN (SELECT id FROM u)), \
                     o AS (DELETE FROM doc_owners WHERE kind = $1 AND id IN (SELECT id FROM u))",
                    ""
                ),
                kept,
                "{kept}: the full statement without its removals"
            );
            let inserted = text(None, true, catalog_at, check, durability);
            assert!(!inserted.contains("UPDATE docs"), "{inserted}: an insert");
            assert_eq!(
                inserted,
                text(None, false, catalog_at, check, durability),
                "an insert ignores the promise"
            );
        }
        // In the one statement of an order placed: the cart's update without its removals.
        let mut placed = placed("o", "c", &v, 1);
        let sql = |cs: &Changeset| one_statement(cs).sql().as_str().to_owned();
        let full = sql(&placed);
        placed.docs[1].links_unchanged = true;
        let kept = sql(&placed);
        assert!(full.contains("DELETE FROM doc_owners"), "{full}");
        for part in [
            "UPDATE docs SET",
            "INSERT INTO doc_keys",
            "INSERT INTO doc_owners",
        ] {
            assert!(
                kept.contains(part),
                "{kept}: the cart's update and the order's lists"
            );
        }
        assert!(
            !kept.contains("DELETE FROM doc_owners") && !kept.contains("DELETE FROM doc_keys"),
            "{kept}"
        );
    }

    #[test]
    fn which_changesets_are_one_statement() {
        let v = variant("var-1");
        assert!(fits_one_statement(&placed("o", "c", &v, 1)), "a checkout's");
        let mut with_idempotency = placed("o", "c", &v, 1);
        with_idempotency.idempotency = Some(IdempotencyRecord::new(
            "s",
            "k",
            "f",
            "{}",
            chrono::Utc::now(),
        ));
        assert!(
            fits_one_statement(&with_idempotency),
            "with its idempotency record"
        );
        let mut product = placed("o", "c", &v, 1);
        product.docs[0].product = Some(ProductIndex::new("slr", "cat"));
        assert!(!fits_one_statement(&product), "a product's search row");
        let mut category = placed("o", "c", &v, 1);
        category.docs[1].kind = DocKind::Category;
        assert!(!fits_one_statement(&category), "a category");
        let mut owned_update = placed("o", "c", &v, 1);
        owned_update.docs[1].owners = vec!["guest:a".into()];
        assert!(
            fits_one_statement(&owned_update),
            "an update with owners (a signed-in customer's cart)"
        );
        owned_update.docs[1].keys = vec!["customer:a".into()];
        assert!(!fits_one_statement(&owned_update), "an update with keys");
        let mut large = placed("o", "c", &v, 1);
        large.events = (0..ONE_STATEMENT_MAX_PARTS)
            .map(|i| NewEvent::new("o", format!("e{i}"), "{}"))
            .collect();
        assert!(!fits_one_statement(&large), "over the parts' limit");
        large.events.truncate(ONE_STATEMENT_MAX_PARTS - 3);
        assert!(fits_one_statement(&large), "at the parts' limit");
        let mut twice = placed("o", "c", &v, 1);
        twice.docs[1] = write(DocKind::Order, "o", Some(1));
        assert!(!fits_one_statement(&twice), "one document twice");
        let mut reserve = placed("o", "c", &v, 1);
        reserve.stock.push(StockOp::Reserve {
            reservation: ReservationId::new("r-1").unwrap_or_else(|e| panic!("{e}")),
            variant: v.clone(),
            quantity: 1,
            order: OrderId::new("o").unwrap_or_else(|e| panic!("{e}")),
            expires_at: chrono::Utc::now(),
        });
        assert!(!fits_one_statement(&reserve), "a sale and a reservation");
        reserve.stock.remove(0);
        assert!(
            fits_one_statement(&reserve),
            "reservations alone (a card checkout)"
        );
        assert!(
            !fits_one_statement(&Changeset::default()),
            "nothing to write"
        );
        let mut choice = Changeset {
            docs: vec![write(DocKind::Cart, "c", Some(3))],
            ..Changeset::default()
        };
        assert!(lone_plain_doc(&choice).is_some(), "a cart's update alone");
        choice.catalog_at = Some(7);
        assert!(
            lone_plain_doc(&choice).is_some(),
            "held to a catalog version (a shipping choice): still one update, which checks it"
        );
        let mut add = choice.clone();
        add.stock_at_least = vec![StockAtLeast::new(v.clone(), 2)];
        assert!(
            lone_plain_doc(&add).is_some_and(|l| l.check.is_some() && l.catalog_at == Some(7)),
            "an add held to a catalog version with its stock check: one update, which checks both"
        );
        add.stock_at_least.push(StockAtLeast::new(v.clone(), 3));
        assert!(
            lone_plain_doc(&add).is_none() && !fits_one_statement(&add),
            "two stock checks: the transaction, which reads each counter"
        );
        add.stock_at_least.truncate(1);
        add.catalog_at = None;
        assert!(
            lone_plain_doc(&add).is_none() && !fits_one_statement(&add),
            "a stock check not held to a catalog version: the transaction"
        );
        let mut placed_checked = placed("o", "c", &v, 1);
        placed_checked.stock_at_least = vec![StockAtLeast::new(v.clone(), 1)];
        assert!(
            !fits_one_statement(&placed_checked),
            "a larger changeset with a stock check: the transaction"
        );
        let mut placed_counted = placed("o", "c", &v, 1);
        placed_counted.owned_fewer_than =
            vec![OwnedFewerThan::new(DocKind::Order, "unpaid-email:x", 3)];
        assert!(
            fits_one_statement(&placed_counted),
            "an order placed held below its e-mail's count: the one statement, which counts"
        );
        let mut lone_counted = choice.clone();
        lone_counted.owned_fewer_than = placed_counted.owned_fewer_than.clone();
        assert!(
            lone_plain_doc(&lone_counted).is_none() && fits_one_statement(&lone_counted),
            "a lone update held below an owner's count: the one statement, which counts"
        );
        choice.docs[0].expected_version = None;
        assert!(
            lone_plain_doc(&choice).is_some_and(|l| l.check.is_none() && l.catalog_at == Some(7)),
            "a new document held to a catalog version: one insert, which checks it"
        );
        add.docs[0].expected_version = None;
        add.catalog_at = Some(7);
        add.incarnation = Some(5);
        assert!(
            lone_plain_doc(&add)
                .is_some_and(|l| l.check.is_some() && l.catalog_at == Some(7) && l.held == Some(5)),
            "a cart created with its first item, held to the catalog, its stock and the \
             incarnation: one insert, which checks them all"
        );
        add.catalog_at = None;
        add.stock_at_least.clear();
        assert!(
            lone_plain_doc(&add).is_none() && fits_one_statement(&add),
            "a new document held to the incarnation alone: the one statement, which checks it"
        );
    }

    /// A crash of the database empties its unlogged `incarnation` table (checked by hand with
    /// `kill -9` of a backend: PostgreSQL recovered without restarting its postmaster and the
    /// table was empty; a test cannot crash the server CI shares). Emptied here by `TRUNCATE`:
    /// a commit held to the incarnation read before is refused as `Restarted` on each path (a
    /// lone deferred update, an order placed as one statement, an update with a key in a
    /// transaction), writing nothing; the store then holds the new token, which another store
    /// on the database finds too, and a commit held to it goes through.
    #[tokio::test]
    async fn a_crash_that_empties_the_incarnation_refuses_the_commits_held_to_it() {
        let Some((store, schema)) = scratch("incarnation").await else {
            return;
        };
        let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
            return;
        };
        let other = PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .unwrap_or_else(|e| panic!("a second store: {e}"));
        let first = store.incarnation_now().unwrap_or_else(|| panic!("a token"));
        assert_eq!(
            other.incarnation_now(),
            Some(first),
            "one token per database"
        );
        let crash = || async {
            sqlx::query("TRUNCATE incarnation")
                .execute(&store.pool)
                .await
                .unwrap_or_else(|e| panic!("truncate: {e}"));
        };
        let v = variant("v-held");
        store
            .commit_changes(Changeset {
                stock: vec![StockOp::Define {
                    variant: v.clone(),
                    product: ProductId::new("p").unwrap_or_else(|e| panic!("{e}")),
                    tracked: true,
                    on_hand: 5,
                }],
                ..Changeset::default()
            })
            .await
            .unwrap_or_else(|e| panic!("a counter: {e}"));
        store
            .commit_changes(Changeset {
                docs: vec![write(DocKind::Cart, "c", None)],
                durability: Durability::Deferred,
                ..Changeset::default()
            })
            .await
            .unwrap_or_else(|e| panic!("a cart: {e}"));
        let version = |s: &PostgresStore| {
            let pool = s.pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(
                    "SELECT version FROM docs WHERE kind = 'cart' AND id = 'c'",
                )
                .fetch_one(&pool)
                .await
                .unwrap_or_else(|e| panic!("version: {e}"))
            }
        };
        let lone = |held: u64| Changeset {
            docs: vec![write(DocKind::Cart, "c", Some(1))],
            durability: Durability::Deferred,
            incarnation: Some(held),
            ..Changeset::default()
        };
        let mut keyed = write(DocKind::Cart, "c", Some(1));
        keyed.keys = vec!["k".into()];
        let keyed = Changeset {
            docs: vec![keyed],
            ..Changeset::default()
        };
        // Each held to the incarnation the store holds before its crash.
        let mut expected = first;
        for (what, changes) in [
            ("a lone deferred update", lone(first)),
            ("an order placed", placed("o", "c", &v, 2)),
            ("an update with a key", keyed),
        ] {
            crash().await;
            let mut changes = changes;
            changes.incarnation = Some(expected);
            if what == "a lone deferred update" {
                assert!(store.lone_of(&changes).is_some(), "{what}: the lone path");
            } else if what == "an order placed" {
                assert!(fits_one_statement(&changes), "{what}: one statement");
            } else {
                assert!(
                    store.lone_of(&changes).is_none() && !fits_one_statement(&changes),
                    "{what}: a transaction"
                );
            }
            match store.commit_changes(changes).await {
                Err(StorageError::Restarted { expected: e, found }) => {
                    assert_eq!(e, expected, "{what}: the incarnation held to");
                    assert_ne!(found, expected, "{what}: a new token");
                    assert_eq!(store.incarnation_now(), Some(found), "{what}: kept");
                    expected = found;
                }
                other => panic!("{what}: expected Restarted, got {other:?}"),
            }
            assert_eq!(version(&store).await, 1, "{what}: nothing written");
        }
        let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM docs WHERE kind = 'order'")
            .fetch_one(&store.pool)
            .await
            .unwrap_or_else(|e| panic!("orders: {e}"));
        assert_eq!(orders, 0, "no order written");
        // The other store still holds the first token: refused, it reads the same new one.
        match other.commit_changes(lone(first)).await {
            Err(StorageError::Restarted { found, .. }) => assert_eq!(found, expected),
            r => panic!("the other store: expected Restarted, got {r:?}"),
        }
        assert_eq!(other.incarnation_now(), Some(expected));
        store
            .commit_changes(lone(expected))
            .await
            .unwrap_or_else(|e| panic!("held to the new incarnation: {e}"));
        assert_eq!(version(&store).await, 2);
        // Several stores finding the row gone at once write one token between them (those
        // whose insert lost read the winner's).
        let mut stores = vec![other];
        for _ in 0..3 {
            stores.push(
                PostgresStore::connect_in_schema(&url, Some(&schema))
                    .await
                    .unwrap_or_else(|e| panic!("a store: {e}")),
            );
        }
        crash().await;
        let found = futures::future::join_all(stores.iter().map(|s| s.restarted_since(expected)))
            .await
            .into_iter()
            .map(|r| match r {
                Ok(Some(t)) => t,
                Ok(None) => panic!("the token changed"),
                Err(Stop::Port(e)) => panic!("restarted_since: {e}"),
                Err(Stop::Db(e)) => panic!("restarted_since: {e}"),
            })
            .collect::<Vec<_>>();
        assert!(
            found.iter().all(|t| *t == found[0] && *t != expected),
            "{found:?}"
        );
        drop(stores);
        drop_schema(&store, &schema).await;
    }

    /// On a PostgreSQL server (`TIJARA_TEST_POSTGRES_URL`): a checkout's changeset is applied
    /// by its one statement, and a short one is undone whole and reported as `TJ001`, for the
    /// transaction to name the cause.
    #[tokio::test]
    async fn a_checkout_is_one_statement_and_a_short_one_undone() {
        let Some((store, schema)) = scratch("one").await else {
            return;
        };
        let v = variant("var-one-statement");
        let setup = Changeset {
            docs: vec![
                write(DocKind::Cart, "cart-1", None),
                write(DocKind::Cart, "cart-2", None),
            ],
            stock: vec![StockOp::Define {
                variant: v.clone(),
                product: ProductId::new("prd-1").unwrap_or_else(|e| panic!("{e}")),
                tracked: true,
                on_hand: 3,
            }],
            ..Changeset::default()
        };
        store
            .commit(setup)
            .await
            .unwrap_or_else(|e| panic!("setup: {e}"));
        let count = |sql: &'static str| {
            let pool = store.pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .fetch_one(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        };
        let short = placed("ord-2", "cart-2", &v, 4);
        match one_statement(&short).build().execute(&store.pool).await {
            Err(e) if not_applied(&e) => {}
            other => panic!("selling 4 of 3 must raise TJ001, got {other:?}"),
        }
        let expect = |rows: [(&'static str, i64, &'static str); 6]| async move {
            for (sql, want, what) in rows {
                assert_eq!(count(sql).await, want, "{what}");
            }
        };
        expect([
            (
                "SELECT count(*) FROM docs WHERE kind = 'order'",
                0,
                "no order",
            ),
            ("SELECT count(*) FROM doc_keys", 0, "no key"),
            ("SELECT count(*) FROM doc_owners", 0, "no owner"),
            ("SELECT count(*) FROM outbox", 0, "no event"),
            (
                "SELECT max(version) FROM docs WHERE kind = 'cart'",
                1,
                "carts as they were",
            ),
            ("SELECT on_hand FROM stock", 3, "stock untouched"),
        ])
        .await;
        let done = one_statement(&placed("ord-1", "cart-1", &v, 2))
            .build()
            .execute(&store.pool)
            .await
            .unwrap_or_else(|e| panic!("a checkout's changeset as one statement: {e}"));
        assert_eq!(done.rows_affected(), 1, "the check's one row");
        expect([
            (
                "SELECT count(*) FROM docs WHERE kind = 'order'",
                1,
                "the order",
            ),
            ("SELECT count(*) FROM doc_keys", 1, "its key"),
            ("SELECT count(*) FROM doc_owners", 2, "its owners"),
            ("SELECT count(*) FROM outbox", 2, "its events"),
            (
                "SELECT version FROM docs WHERE id = 'cart-1'",
                2,
                "the cart",
            ),
            ("SELECT on_hand FROM stock", 1, "two sold"),
        ])
        .await;
        drop_schema(&store, &schema).await;
    }

    /// On a PostgreSQL server: changesets of every shape that fits commit through
    /// `Storage::commit` without falling back (a wrong count in any part would send each to the
    /// transaction, with the same outcomes: only the counter tells), and those that fall short
    /// fall back once each and answer as before.
    #[tokio::test]
    async fn fitting_changesets_commit_without_falling_back() {
        let Some((store, schema)) = scratch("fit").await else {
            return;
        };
        let (tracked, untracked) = (variant("var-fit-t"), variant("var-fit-u"));
        let define = |v: &VariantId, tracked: bool| StockOp::Define {
            variant: v.clone(),
            product: ProductId::new("prd-fit").unwrap_or_else(|e| panic!("{e}")),
            tracked,
            on_hand: 10,
        };
        let setup = Changeset {
            docs: (1..=4)
                .map(|i| write(DocKind::Cart, &format!("cart-{i}"), None))
                .collect(),
            stock: vec![define(&tracked, true), define(&untracked, false)],
            ..Changeset::default()
        };
        let mut customer_cart = write(DocKind::Cart, "cart-6", None);
        customer_cart.keys = vec!["customer:c1".into()];
        customer_cart.owners = vec!["customer:c1".into(), "seller:old".into()];
        let mut setup = setup;
        setup.docs.push(customer_cart);
        store
            .commit(setup)
            .await
            .unwrap_or_else(|e| panic!("setup: {e}"));
        let sell = |v: &VariantId, quantity| StockOp::Sell {
            variant: v.clone(),
            quantity,
        };
        let record =
            |key: &str| IdempotencyRecord::new("place", key, "f", "{}", chrono::Utc::now());
        let mut checkout = placed("ord-1", "cart-1", &tracked, 1);
        checkout.stock.push(sell(&untracked, 3));
        checkout.stock.push(sell(&tracked, 1));
        let mut with_record = placed("ord-2", "cart-2", &tracked, 1);
        with_record.idempotency = Some(record("k-2"));
        let mut three_keys = placed("ord-3", "cart-3", &tracked, 1);
        three_keys.docs[0].keys.push("token:ord-3".into());
        three_keys.docs[0].keys.push("number:ord-3".into());
        let expires = chrono::DateTime::from_timestamp(1_800_000_000, 123_456_000)
            .unwrap_or_else(|| panic!("a time"));
        let reserve = |id: &str, v: &VariantId, quantity| StockOp::Reserve {
            reservation: ReservationId::new(id).unwrap_or_else(|e| panic!("{e}")),
            variant: v.clone(),
            quantity,
            order: OrderId::new("ord-card").unwrap_or_else(|e| panic!("{e}")),
            expires_at: expires,
        };
        let mut customer = placed("ord-6", "cart-6", &tracked, 1);
        customer.docs[1].owners = vec![
            "customer:c1".into(),
            "seller:new".into(),
            "customer:c1".into(),
        ];
        let mut card = placed("ord-card", "cart-3b", &tracked, 1);
        card.docs.pop();
        card.stock = vec![
            reserve("res-1", &tracked, 2),
            reserve("res-2", &untracked, 4),
        ];
        // An order counted against its e-mail, held below one such order (a new guest's).
        let counted = |order: &str| {
            let mut cs = placed(order, "none", &tracked, 1);
            cs.docs.pop();
            cs.docs[0].owners.push("unpaid-email:fit".into());
            cs.owned_fewer_than = vec![OwnedFewerThan::new(DocKind::Order, "unpaid-email:fit", 1)];
            cs
        };
        let shapes = [
            ("a checkout", checkout),
            ("held below an owner's count", counted("ord-7")),
            ("a card checkout, reserving", card),
            ("a signed-in customer's checkout", customer),
            ("with an idempotency record", with_record),
            ("three keys, one repeated", three_keys),
            (
                "events only",
                Changeset {
                    events: vec![NewEvent::new("agg", "x.happened", "{}")],
                    ..Changeset::default()
                },
            ),
            (
                "sales only",
                Changeset {
                    stock: vec![sell(&tracked, 1), sell(&untracked, 1)],
                    ..Changeset::default()
                },
            ),
            (
                "a document created and another rewritten",
                Changeset {
                    docs: vec![
                        write(DocKind::Cart, "cart-5", None),
                        write(DocKind::Cart, "cart-4", Some(1)),
                    ],
                    ..Changeset::default()
                },
            ),
        ];
        for (what, cs) in shapes {
            match store.commit(cs).await {
                Ok(CommitOutcome::Committed) => {}
                other => panic!("{what}: expected Committed, got {other:?}"),
            }
            assert_eq!(
                store.one_statement_fallbacks(),
                0,
                "{what}: written as one statement"
            );
        }
        let mut short = placed("ord-9", "cart-9", &tracked, 50);
        short.docs.pop();
        match store.commit(short).await {
            Err(StorageError::OutOfStock { requested: 50, .. }) => {}
            other => panic!("selling 50 must be OutOfStock, got {other:?}"),
        }
        assert_eq!(
            store.one_statement_fallbacks(),
            1,
            "a short sale falls back once"
        );
        let mut replay = placed("ord-2b", "cart-2", &tracked, 1);
        replay.idempotency = Some(record("k-2"));
        match store.commit(replay).await {
            Ok(CommitOutcome::Replayed(_)) => {}
            other => panic!("a repeated idempotency key must replay, got {other:?}"),
        }
        assert_eq!(
            store.one_statement_fallbacks(),
            2,
            "a replay falls back once"
        );
        match store.commit(counted("ord-8")).await {
            Err(StorageError::OwnerAtLimit {
                owner, limit: 1, ..
            }) if owner == "unpaid-email:fit" => {}
            other => panic!("a second order of the owner must be OwnerAtLimit, got {other:?}"),
        }
        assert_eq!(
            store.one_statement_fallbacks(),
            3,
            "an owner at its limit falls back once"
        );
        let held: Vec<(String, String, i64, String, i64)> = sqlx::query_as(
            "SELECT id, variant, quantity, order_id, expires_at FROM reservations ORDER BY id",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap_or_else(|e| panic!("reservations: {e}"));
        let row = |id: &str, v: &VariantId, q| {
            let until = crate::common::micros(expires);
            (
                id.to_owned(),
                v.as_str().to_owned(),
                q,
                "ord-card".to_owned(),
                until,
            )
        };
        assert_eq!(
            held,
            [row("res-1", &tracked, 2), row("res-2", &untracked, 0)],
            "what each reservation took, for which order, until when"
        );
        let reserved: Vec<i64> = sqlx::query_scalar("SELECT reserved FROM stock ORDER BY variant")
            .fetch_all(&store.pool)
            .await
            .unwrap_or_else(|e| panic!("stock: {e}"));
        assert_eq!(
            reserved,
            [2, 0],
            "the tracked counter holds 2, the untracked none"
        );
        let owners: Vec<String> =
            sqlx::query_scalar("SELECT owner FROM doc_owners WHERE id = 'cart-6' ORDER BY owner")
                .fetch_all(&store.pool)
                .await
                .unwrap_or_else(|e| panic!("owners: {e}"));
        assert_eq!(
            owners,
            ["customer:c1", "seller:new"],
            "the cart's owners made the new list"
        );
        let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM doc_keys WHERE id = 'cart-6'")
            .fetch_one(&store.pool)
            .await
            .unwrap_or_else(|e| panic!("keys: {e}"));
        assert_eq!(keys, 0, "the cart's old key removed");
        let mut short_card = placed("ord-card2", "cart-9", &tracked, 1);
        short_card.docs.pop();
        short_card.stock = vec![reserve("res-3", &tracked, 50)];
        match store.commit(short_card).await {
            Err(StorageError::OutOfStock { requested: 50, .. }) => {}
            other => panic!("reserving 50 must be OutOfStock, got {other:?}"),
        }
        assert_eq!(
            store.one_statement_fallbacks(),
            4,
            "a short reservation falls back once"
        );
        drop_schema(&store, &schema).await;
    }

    /// The plan PostgreSQL runs `sql` (parameters typed `types`) with once a pooled connection
    /// keeps it as a generic plan (forced here), shown by `explain` (`EXPLAIN`, or with its
    /// options) for the arguments `args`.
    async fn generic_plan(
        conn: &mut sqlx::PgConnection,
        explain: &str,
        types: &str,
        sql: &str,
        args: &str,
    ) -> String {
        for statement in [
            "SET plan_cache_mode = force_generic_plan".to_owned(),
            format!("PREPARE plan_check {types} AS {sql}"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                .execute(&mut *conn)
                .await
                .unwrap_or_else(|e| panic!("prepare {sql}: {e}"));
        }
        let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "{explain} EXECUTE plan_check {args}"
        )))
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("explain {sql}: {e}"));
        sqlx::raw_sql("DEALLOCATE plan_check; RESET plan_cache_mode")
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("deallocate: {e}"));
        plan.join("\n")
    }

    /// On a PostgreSQL server: in the plans a pooled connection keeps from its first executions
    /// on a new shop's small tables (generic plans, forced here; statistics never gathered; five
    /// sellers owning 200 orders), a listing by owner takes the owners' primary key range, and
    /// the removal of a document's owner rows takes the index by document bounded by id and kind.
    /// With that index led by kind (before migration `20261205120001_owners_by_doc_id_first`),
    /// the listing walked every order's owner rows in id order; with a hash index on id, the
    /// removal walked the primary key's whole `kind` range.
    #[tokio::test]
    async fn owner_rows_are_listed_and_removed_through_bounded_ranges_on_a_new_shop() {
        let Some((store, schema)) = scratch("plan").await else {
            return;
        };
        // No statistics until the end: an ANALYZE by autovacuum (200 rows pass its threshold)
        // would plan this tiny table's removals as a sequential scan.
        sqlx::raw_sql(
            "ALTER TABLE docs SET (autovacuum_enabled = off); \
             ALTER TABLE doc_owners SET (autovacuum_enabled = off)",
        )
        .execute(&store.pool)
        .await
        .unwrap_or_else(|e| panic!("autovacuum off: {e}"));
        let orders = (0..200)
            .map(|i| {
                let mut w = write(DocKind::Order, &format!("ord-{i:03}"), None);
                w.owners = vec![format!("seller:s{}", i % 5)];
                w
            })
            .collect();
        store
            .commit(Changeset {
                docs: orders,
                ..Changeset::default()
            })
            .await
            .unwrap_or_else(|e| panic!("orders: {e}"));
        let mut conn = store
            .pool
            .acquire()
            .await
            .unwrap_or_else(|e| panic!("a connection: {e}"));
        let listing = generic_plan(
            &mut conn,
            "EXPLAIN",
            "(text, text, text, bigint)",
            LIST_BY_OWNER,
            "('order', 'unpaid-email:new', '', 101)",
        )
        .await;
        assert!(
            listing.contains("using doc_owners_pkey on doc_owners o")
                && listing.contains("Index Cond: ((kind = $1) AND (owner = $2) AND (id > $3))")
                && !listing.contains("doc_owners_by_doc"),
            "the listing's plan: {listing}"
        );
        let removal = generic_plan(
            &mut conn,
            "EXPLAIN",
            "(text, text)",
            "DELETE FROM doc_owners WHERE kind = $1 AND id = $2",
            "('order', 'ord-001')",
        )
        .await;
        assert!(
            removal.contains("using doc_owners_by_doc on doc_owners")
                && removal.contains("Index Cond: ((id = $2) AND (kind = $1))"),
            "a deleted document's owner rows: {removal}"
        );
        let rewrite = generic_plan(
            &mut conn,
            "EXPLAIN",
            "(text, text, text, bigint)",
            crate::common::UPDATE_DOC_PG,
            "('order', 'ord-001', '{}', 1)",
        )
        .await;
        assert!(
            rewrite.contains("using doc_owners_by_doc on doc_owners")
                && !rewrite.contains("doc_owners_pkey"),
            "a rewritten document's owner rows: {rewrite}"
        );
        drop(conn);
        // The store's own listing (custom plans, another connection): a seller's first two
        // pages of ten.
        let mut ids = Vec::new();
        for _ in 0..2 {
            let page = store
                .list(
                    &ListQuery::new(DocKind::Order, 10)
                        .owner("seller:s1")
                        .after(ids.last().map(String::as_str)),
                )
                .await
                .unwrap_or_else(|e| panic!("list: {e}"));
            ids.extend(page.into_iter().map(|d| d.id));
        }
        let expected: Vec<String> = (0..200)
            .filter(|i| i % 5 == 1)
            .map(|i| format!("ord-{i:03}"))
            .take(20)
            .collect();
        assert_eq!(ids, expected, "the seller's first two pages, in id order");
        drop_schema(&store, &schema).await;
    }

    /// On a PostgreSQL server: the records of one large scope (`done:…`, one per event
    /// delivered) among many small ones (a request's key each), read for a dispatcher's batch
    /// of keys. In the generic plan a pooled connection keeps, the former `key IN (…)` read
    /// every row of the scope and filtered the keys; [`READ_RECORDS_PG`] looks each key up
    /// through the whole primary key.
    #[tokio::test]
    async fn a_batch_of_records_is_read_key_by_key_in_a_large_scope() {
        let Some((store, schema)) = scratch("records").await else {
            return;
        };
        sqlx::raw_sql(
            "INSERT INTO idempotency (scope, key, fingerprint, response, created_at) \
             SELECT 'done:big', 'event-' || i, 'f' || i, 'r' || i, i FROM generate_series(1, 5000) i; \
             INSERT INTO idempotency (scope, key, fingerprint, response, created_at) \
             SELECT 'request:' || i, 'k', 'f', 'r', i FROM generate_series(1, 20000) i; \
             ANALYZE idempotency",
        )
        .execute(&store.pool)
        .await
        .unwrap_or_else(|e| panic!("records: {e}"));
        let mut conn = store
            .pool
            .acquire()
            .await
            .unwrap_or_else(|e| panic!("a connection: {e}"));
        let explain = "EXPLAIN (ANALYZE, BUFFERS, COSTS off, TIMING off)";
        let former = generic_plan(
            &mut conn,
            explain,
            "(text, text, text, text, text, text, text, text, text)",
            "SELECT key, fingerprint, response, created_at FROM idempotency \
             WHERE scope = $1 AND key IN ($2, $3, $4, $5, $6, $7, $8, $9)",
            "('done:big', 'event-1', 'event-4999', 'a', 'b', 'c', 'd', 'e', 'f')",
        )
        .await;
        // This set-up is the one the former statement read the whole scope in, up to
        // PostgreSQL 16. PostgreSQL 17 reworked how a B-tree scans an `IN` list and may keep
        // the list in the index condition, so there it is only shown.
        let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("server version: {e}"));
        if version < 170_000 {
            assert!(
                former.contains("Rows Removed by Filter: 4998"),
                "the former statement's plan: {former}"
            );
        } else {
            eprintln!("PostgreSQL {version}: the former statement's plan: {former}");
        }
        let now = generic_plan(
            &mut conn,
            explain,
            "(text, text[])",
            READ_RECORDS_PG,
            "('done:big', ARRAY['event-1', 'event-4999', 'a', 'b', 'c', 'd', 'e', 'f'])",
        )
        .await;
        assert!(
            now.contains("Index Cond: ((scope = $1) AND (key = k.key))") && !now.contains("Filter"),
            "one lookup per key: {now}"
        );
        drop(conn);
        let keys: Vec<String> = ["event-4999", "event-1", "missing", "event-1"]
            .map(String::from)
            .to_vec();
        let found = store
            .idempotency_many("done:big", &keys)
            .await
            .unwrap_or_else(|e| panic!("idempotency_many: {e}"));
        let answers: Vec<Option<(String, String)>> = found
            .into_iter()
            .map(|r| r.map(|r| (r.key, r.fingerprint)))
            .collect();
        let hit = |i: u32| Some((format!("event-{i}"), format!("f{i}")));
        assert_eq!(
            answers,
            vec![hit(4999), hit(1), None, hit(1)],
            "key by key, in the order asked"
        );
        assert!(
            store
                .idempotency_many("done:big", &[])
                .await
                .unwrap_or_else(|e| panic!("no keys: {e}"))
                .is_empty()
        );
        drop_schema(&store, &schema).await;
    }
}
