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

pub(crate) fn to_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
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

pub(crate) fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(5u64 << attempt.min(6))
}

pub(crate) const MAX_TRIES: u32 = 6;

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

/// Implements the storage port for one sqlx database.
macro_rules! sql_store {
    ($store:ident, $db:ty) => {
        use crate::common::{classify, from_micros, like_pattern, log_fault, micros, to_u32, Stop};
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use sqlx::{QueryBuilder, Row};
        use tijara::ports::storage::*;
        use tijara_core::{OrderId, ProductId, ReservationId, VariantId};

        type Tx<'a> = sqlx::Transaction<'a, $db>;

        fn vid(s: String) -> Result<VariantId, StorageError> {
            VariantId::new(s).map_err(|e| StorageError::Backend(Box::new(e)))
        }

        async fn stock_error(tx: &mut Tx<'_>, variant: &VariantId, requested: u32) -> Result<StorageError, Stop> {
            let row = sqlx::query("SELECT on_hand - reserved FROM stock WHERE variant = $1")
                .bind(variant.as_str())
                .fetch_optional(&mut **tx)
                .await?;
            Ok(match row {
                None => StorageError::UnknownVariant(variant.clone()),
                Some(r) => StorageError::OutOfStock {
                    variant: variant.clone(),
                    requested,
                    available: to_u32(r.try_get::<i64, _>(0)?),
                },
            })
        }

        async fn write_doc(tx: &mut Tx<'_>, w: &DocWrite) -> Result<(), Stop> {
            let kind = w.kind.as_str();
            let n = match w.expected_version {
                None => sqlx::query("INSERT INTO docs (kind, id, version, body) VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING")
                    .bind(kind)
                    .bind(&w.id)
                    .bind(&w.body)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected(),
                Some(v) => sqlx::query("UPDATE docs SET version = version + 1, body = $3 WHERE kind = $1 AND id = $2 AND version = $4")
                    .bind(kind)
                    .bind(&w.id)
                    .bind(&w.body)
                    .bind(i64::try_from(v).unwrap_or(i64::MAX))
                    .execute(&mut **tx)
                    .await?
                    .rows_affected(),
            };
            if n != 1 {
                return Err(Stop::Port(StorageError::Conflict { kind: w.kind, id: w.id.clone() }));
            }
            if w.expected_version.is_some() {
                sqlx::query("DELETE FROM doc_keys WHERE kind = $1 AND id = $2").bind(kind).bind(&w.id).execute(&mut **tx).await?;
                sqlx::query("DELETE FROM doc_owners WHERE kind = $1 AND id = $2").bind(kind).bind(&w.id).execute(&mut **tx).await?;
            }
            for key in &w.keys {
                let n = sqlx::query("INSERT INTO doc_keys (kind, key, id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(kind)
                    .bind(key)
                    .bind(&w.id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    let holder: Option<String> = sqlx::query_scalar("SELECT id FROM doc_keys WHERE kind = $1 AND key = $2")
                        .bind(kind)
                        .bind(key)
                        .fetch_optional(&mut **tx)
                        .await?;
                    if holder.as_deref() != Some(w.id.as_str()) {
                        return Err(Stop::Port(StorageError::KeyTaken { kind: w.kind, key: key.clone() }));
                    }
                }
            }
            if !w.owners.is_empty() {
                let mut owners = w.owners.clone();
                owners.sort();
                owners.dedup();
                let mut q = QueryBuilder::<$db>::new("INSERT INTO doc_owners (kind, owner, id) ");
                q.push_values(&owners, |mut b, o| {
                    b.push_bind(kind).push_bind(o).push_bind(&w.id);
                });
                q.push(" ON CONFLICT DO NOTHING");
                q.build().execute(&mut **tx).await?;
            }
            if let Some(p) = &w.product {
                sqlx::query(
                    "INSERT INTO products (id, seller, category, active, min_price, max_price, search_text) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET seller = excluded.seller, \
                     category = excluded.category, active = excluded.active, min_price = excluded.min_price, \
                     max_price = excluded.max_price, search_text = excluded.search_text",
                )
                .bind(&w.id)
                .bind(&p.seller)
                .bind(&p.category)
                .bind(i64::from(p.active))
                .bind(p.min_price_minor)
                .bind(p.max_price_minor)
                .bind(&p.search_text)
                .execute(&mut **tx)
                .await?;
            }
            Ok(())
        }

        async fn take_reservation(tx: &mut Tx<'_>, id: &ReservationId) -> Result<(VariantId, i64), Stop> {
            let row = sqlx::query("DELETE FROM reservations WHERE id = $1 RETURNING variant, quantity")
                .bind(id.as_str())
                .fetch_optional(&mut **tx)
                .await?
                .ok_or_else(|| StorageError::UnknownReservation(id.clone()))?;
            Ok((vid(row.try_get(0)?)?, row.try_get(1)?))
        }

        async fn stock_op(tx: &mut Tx<'_>, op: &StockOp) -> Result<(), Stop> {
            match op {
                StockOp::Define { variant, product, tracked, on_hand } => {
                    sqlx::query(
                        "INSERT INTO stock (variant, product, tracked, on_hand, reserved) VALUES ($1, $2, $3, $4, 0) \
                         ON CONFLICT (variant) DO UPDATE SET product = excluded.product, tracked = excluded.tracked",
                    )
                    .bind(variant.as_str())
                    .bind(product.as_str())
                    .bind(i64::from(*tracked))
                    .bind(i64::from(*on_hand))
                    .execute(&mut **tx)
                    .await?;
                }
                StockOp::Adjust { variant, delta } => {
                    let n = sqlx::query("UPDATE stock SET on_hand = on_hand + $2 WHERE variant = $1 AND on_hand + $2 >= reserved")
                        .bind(variant.as_str())
                        .bind(*delta)
                        .execute(&mut **tx)
                        .await?
                        .rows_affected();
                    if n != 1 {
                        let requested = u32::try_from(delta.unsigned_abs()).unwrap_or(u32::MAX);
                        return Err(Stop::Port(stock_error(tx, variant, requested).await?));
                    }
                }
                StockOp::Set { variant, on_hand } => {
                    let n = sqlx::query("UPDATE stock SET on_hand = $2 WHERE variant = $1 AND $2 >= reserved")
                        .bind(variant.as_str())
                        .bind(i64::from(*on_hand))
                        .execute(&mut **tx)
                        .await?
                        .rows_affected();
                    if n != 1 {
                        return Err(Stop::Port(stock_error(tx, variant, *on_hand).await?));
                    }
                }
                StockOp::Reserve { reservation, variant, quantity, order, expires_at } => {
                    let q = i64::from(*quantity);
                    let tracked: Option<i64> = sqlx::query_scalar(
                        "UPDATE stock SET reserved = reserved + CASE WHEN tracked = 1 THEN $2 ELSE 0 END \
                         WHERE variant = $1 AND (tracked = 0 OR on_hand - reserved >= $2) RETURNING tracked",
                    )
                    .bind(variant.as_str())
                    .bind(q)
                    .fetch_optional(&mut **tx)
                    .await?;
                    let Some(tracked) = tracked else {
                        return Err(Stop::Port(stock_error(tx, variant, *quantity).await?));
                    };
                    let n = sqlx::query(
                        "INSERT INTO reservations (id, variant, quantity, order_id, expires_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    )
                    .bind(reservation.as_str())
                    .bind(variant.as_str())
                    .bind(if tracked == 1 { q } else { 0 })
                    .bind(order.as_str())
                    .bind(micros(*expires_at))
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                    if n != 1 {
                        return Err(Stop::Port(StorageError::Backend(format!("reservation {reservation} already exists").into())));
                    }
                }
                StockOp::Sell { variant, quantity } => {
                    let n = sqlx::query(
                        "UPDATE stock SET on_hand = on_hand - CASE WHEN tracked = 1 THEN $2 ELSE 0 END \
                         WHERE variant = $1 AND (tracked = 0 OR on_hand - reserved >= $2)",
                    )
                    .bind(variant.as_str())
                    .bind(i64::from(*quantity))
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                    if n != 1 {
                        return Err(Stop::Port(stock_error(tx, variant, *quantity).await?));
                    }
                }
                StockOp::Commit { reservation } => {
                    let (variant, q) = take_reservation(tx, reservation).await?;
                    sqlx::query("UPDATE stock SET on_hand = on_hand - $2, reserved = reserved - $2 WHERE variant = $1")
                        .bind(variant.as_str())
                        .bind(q)
                        .execute(&mut **tx)
                        .await?;
                }
                StockOp::Release { reservation } => {
                    let (variant, q) = take_reservation(tx, reservation).await?;
                    sqlx::query("UPDATE stock SET reserved = reserved - $2 WHERE variant = $1")
                        .bind(variant.as_str())
                        .bind(q)
                        .execute(&mut **tx)
                        .await?;
                }
            }
            Ok(())
        }

        /// Sells several variants in one statement; all or nothing.
        async fn sell_many(tx: &mut Tx<'_>, ops: &[StockOp]) -> Result<(), Stop> {
            let mut wanted: Vec<(&VariantId, i64)> = Vec::new();
            for op in ops {
                if let StockOp::Sell { variant, quantity } = op {
                    match wanted.iter_mut().find(|(v, _)| *v == variant) {
                        Some(w) => w.1 += i64::from(*quantity),
                        None => wanted.push((variant, i64::from(*quantity))),
                    }
                }
            }
            let case = |q: &mut QueryBuilder<$db>| {
                q.push("CASE variant");
                for (v, n) in &wanted {
                    q.push(" WHEN ").push_bind(v.as_str().to_owned()).push(" THEN ").push_bind(*n);
                }
                q.push(" ELSE 0 END");
            };
            let mut q = QueryBuilder::<$db>::new("UPDATE stock SET on_hand = on_hand - CASE WHEN tracked = 1 THEN ");
            case(&mut q);
            q.push(" ELSE 0 END WHERE variant IN (");
            let mut sep = q.separated(", ");
            for (v, _) in &wanted {
                sep.push_bind(v.as_str().to_owned());
            }
            q.push(") AND (tracked = 0 OR on_hand - reserved >= ");
            case(&mut q);
            q.push(")");
            let n = q.build().execute(&mut **tx).await?.rows_affected();
            if n != wanted.len() as u64 {
                for (v, qty) in &wanted {
                    let e = stock_error(tx, v, u32::try_from(*qty).unwrap_or(u32::MAX)).await?;
                    match &e {
                        StorageError::OutOfStock { available, requested, .. } if available >= requested => continue,
                        _ => return Err(Stop::Port(e)),
                    }
                }
                return Err(Stop::Port(StorageError::Unavailable("stock changed during the sale; retry".into())));
            }
            Ok(())
        }

        async fn read_idempotency(
            ex: impl sqlx::Executor<'_, Database = $db>,
            scope: &str,
            key: &str,
        ) -> Result<Option<IdempotencyRecord>, sqlx::Error> {
            let row = sqlx::query("SELECT fingerprint, response, created_at FROM idempotency WHERE scope = $1 AND key = $2")
                .bind(scope)
                .bind(key)
                .fetch_optional(ex)
                .await?;
            row.map(|r| {
                Ok(IdempotencyRecord::new(
                    scope,
                    key,
                    r.try_get::<String, _>(0)?,
                    r.try_get::<String, _>(1)?,
                    from_micros(r.try_get(2)?),
                ))
            })
            .transpose()
        }

        /// Applies a changeset inside an open transaction (the caller commits or rolls back).
        /// `Replayed` writes nothing.
        pub(crate) async fn apply_in(tx: &mut Tx<'_>, cs: &Changeset) -> Result<CommitOutcome, Stop> {
            let now = micros(cs.now.unwrap_or_else(Utc::now));
            if let Some(rec) = &cs.idempotency {
                let n = sqlx::query(
                    "INSERT INTO idempotency (scope, key, fingerprint, response, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(&rec.scope)
                .bind(&rec.key)
                .bind(&rec.fingerprint)
                .bind(&rec.response)
                .bind(now)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if n != 1 {
                    let existing = read_idempotency(&mut **tx, &rec.scope, &rec.key).await?;
                    return match existing {
                        Some(e) if e.fingerprint == rec.fingerprint => Ok(CommitOutcome::Replayed(e)),
                        Some(_) => Err(Stop::Port(StorageError::IdempotencyMismatch { scope: rec.scope.clone(), key: rec.key.clone() })),
                        None => Err(Stop::Port(StorageError::Unavailable("idempotency record vanished; retry".into()))),
                    };
                }
            }
            for w in &cs.docs {
                write_doc(tx, w).await?;
            }
            // Runs of sales are applied in one conditional statement (most checkouts sell a
            // few variants at once); everything else one statement per operation.
            let mut i = 0;
            while i < cs.stock.len() {
                let run = cs.stock[i..].iter().take_while(|op| matches!(op, StockOp::Sell { .. })).count();
                if run > 1 {
                    sell_many(tx, &cs.stock[i..i + run]).await?;
                    i += run;
                } else {
                    stock_op(tx, &cs.stock[i]).await?;
                    i += 1;
                }
            }
            if !cs.events.is_empty() {
                let mut q = QueryBuilder::<$db>::new("INSERT INTO outbox (aggregate, kind, payload, created_at) ");
                q.push_values(&cs.events, |mut b, e| {
                    b.push_bind(&e.aggregate).push_bind(&e.kind).push_bind(&e.payload).push_bind(now);
                });
                q.build().execute(&mut **tx).await?;
            }
            Ok(CommitOutcome::Committed)
        }

        fn doc_row(kind: DocKind, r: &<$db as sqlx::Database>::Row) -> Result<StoredDoc, StorageError> {
            let get = |e: sqlx::Error| classify(e).0;
            Ok(StoredDoc::new(
                kind,
                r.try_get::<String, _>(0).map_err(get)?,
                u64::try_from(r.try_get::<i64, _>(1).map_err(get)?).unwrap_or(0),
                r.try_get::<String, _>(2).map_err(get)?,
            ))
        }

        fn err(e: sqlx::Error) -> StorageError {
            classify(e).0
        }

        /// Maps a failed query of operation `op` to the port's error, logging it if it is a fault.
        fn at(op: &'static str) -> impl Fn(sqlx::Error) -> StorageError {
            move |e| {
                let e = classify(e).0;
                log_fault(op, <$db as sqlx::Database>::NAME, &e);
                e
            }
        }

        fn reservation_row(r: &<$db as sqlx::Database>::Row) -> Result<ReservationRow, StorageError> {
            Ok(ReservationRow::new(
                ReservationId::new(r.try_get::<String, _>(0).map_err(err)?).map_err(|e| StorageError::Backend(Box::new(e)))?,
                vid(r.try_get(1).map_err(err)?)?,
                to_u32(r.try_get(2).map_err(err)?),
                OrderId::new(r.try_get::<String, _>(3).map_err(err)?).map_err(|e| StorageError::Backend(Box::new(e)))?,
                from_micros(r.try_get(4).map_err(err)?),
            ))
        }

        #[async_trait]
        impl Storage for $store {
            async fn commit(&self, changes: Changeset) -> Result<CommitOutcome, StorageError> {
                self.commit_changes(changes).await
            }

            async fn checkout_snapshot(&self, variants: &[VariantId]) -> Result<CheckoutRows, StorageError> {
                let mut out = CheckoutRows::default();
                if variants.len() > 300 {
                    // Keep the statement's parameter count small: separate reads.
                    return compose_checkout_snapshot(self, variants).await;
                }
                let list = |q: &mut QueryBuilder<$db>| {
                    let mut sep = q.separated(", ");
                    for v in variants {
                        sep.push_bind(v.as_str().to_owned());
                    }
                };
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT 's' AS tag, variant AS id, 0 AS version, '' AS body, product, tracked, on_hand, reserved \
                     FROM stock WHERE variant IN (",
                );
                list(&mut q);
                q.push(
                    ") UNION ALL SELECT 'p', d.id, d.version, d.body, '', 0, 0, 0 FROM docs d WHERE d.kind = 'product' \
                     AND d.id IN (SELECT product FROM stock WHERE variant IN (",
                );
                list(&mut q);
                q.push(
                    ")) UNION ALL SELECT 'v', d.id, d.version, d.body, '', 0, 0, 0 FROM docs d WHERE d.kind = 'seller' \
                     AND d.id IN (SELECT p.seller FROM products p WHERE p.id IN (SELECT product FROM stock WHERE variant IN (",
                );
                list(&mut q);
                q.push(
                    "))) UNION ALL SELECT 'r', d.id, d.version, d.body, '', 0, 0, 0 FROM docs d WHERE d.kind = 'promotion'",
                );
                let rows = q.build().fetch_all(&self.pool).await.map_err(at("checkout_snapshot"))?;
                for r in rows {
                    let tag: String = r.try_get(0).map_err(err)?;
                    let id: String = r.try_get(1).map_err(err)?;
                    let doc = |kind| -> Result<StoredDoc, StorageError> {
                        Ok(StoredDoc::new(
                            kind,
                            id.clone(),
                            u64::try_from(r.try_get::<i64, _>(2).map_err(err)?).unwrap_or(0),
                            r.try_get::<String, _>(3).map_err(err)?,
                        ))
                    };
                    match tag.as_str() {
                        "s" => out.stock.push(
                            StockRow::new(
                                vid(id.clone())?,
                                ProductId::new(r.try_get::<String, _>(4).map_err(err)?).map_err(|e| StorageError::Backend(Box::new(e)))?,
                            )
                            .with_tracked(r.try_get::<i64, _>(5).map_err(err)? == 1)
                            .with_on_hand(to_u32(r.try_get(6).map_err(err)?))
                            .with_reserved(to_u32(r.try_get(7).map_err(err)?)),
                        ),
                        "p" => out.products.push(doc(DocKind::Product)?),
                        "v" => out.sellers.push(doc(DocKind::Seller)?),
                        _ => out.promotions.push(doc(DocKind::Promotion)?),
                    }
                }
                out.promotions.sort_by(|a, b| a.id.cmp(&b.id));
                Ok(out)
            }

            async fn get(&self, kind: DocKind, id: &str) -> Result<Option<StoredDoc>, StorageError> {
                let row = sqlx::query("SELECT id, version, body FROM docs WHERE kind = $1 AND id = $2")
                    .bind(kind.as_str())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(at("get"))?;
                row.map(|r| doc_row(kind, &r)).transpose()
            }

            async fn get_many(&self, kind: DocKind, ids: &[String]) -> Result<Vec<StoredDoc>, StorageError> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let mut q = QueryBuilder::<$db>::new("SELECT id, version, body FROM docs WHERE kind = ");
                    q.push_bind(kind.as_str()).push(" AND id IN (");
                    let mut sep = q.separated(", ");
                    for id in chunk {
                        sep.push_bind(id);
                    }
                    q.push(")");
                    for r in q.build().fetch_all(&self.pool).await.map_err(at("get_many"))? {
                        out.push(doc_row(kind, &r)?);
                    }
                }
                Ok(out)
            }

            async fn find_by_key(&self, kind: DocKind, key: &str) -> Result<Option<StoredDoc>, StorageError> {
                let row = sqlx::query(
                    "SELECT d.id, d.version, d.body FROM doc_keys k JOIN docs d ON d.kind = k.kind AND d.id = k.id \
                     WHERE k.kind = $1 AND k.key = $2",
                )
                .bind(kind.as_str())
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(at("find_by_key"))?;
                row.map(|r| doc_row(kind, &r)).transpose()
            }

            async fn list(&self, query: &ListQuery) -> Result<Vec<StoredDoc>, StorageError> {
                let kind = query.kind;
                let after = query.after.as_deref().unwrap_or("");
                let limit = i64::from(query.limit.clamp(1, 1000));
                let rows = match &query.owner {
                    Some(o) => sqlx::query(
                        "SELECT d.id, d.version, d.body FROM doc_owners o JOIN docs d ON d.kind = o.kind AND d.id = o.id \
                         WHERE o.kind = $1 AND o.owner = $2 AND o.id > $3 ORDER BY o.id LIMIT $4",
                    )
                    .bind(kind.as_str())
                    .bind(o)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await,
                    None => sqlx::query("SELECT id, version, body FROM docs WHERE kind = $1 AND id > $2 ORDER BY id LIMIT $3")
                        .bind(kind.as_str())
                        .bind(after)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await,
                }
                .map_err(at("list"))?;
                rows.iter().map(|r| doc_row(kind, r)).collect()
            }

            async fn search_products(&self, query: &ProductQuery) -> Result<Vec<StoredDoc>, StorageError> {
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT d.id, d.version, d.body FROM products p JOIN docs d ON d.kind = 'product' AND d.id = p.id WHERE p.id > ",
                );
                q.push_bind(query.after.clone().unwrap_or_default());
                if query.active_only {
                    q.push(" AND p.active = 1");
                }
                if let Some(c) = &query.category {
                    q.push(" AND p.category = ").push_bind(c.clone());
                }
                if let Some(s) = &query.seller {
                    q.push(" AND p.seller = ").push_bind(s.clone());
                }
                if let Some(m) = query.min_price_minor {
                    q.push(" AND p.max_price >= ").push_bind(m);
                }
                if let Some(m) = query.max_price_minor {
                    q.push(" AND p.min_price <= ").push_bind(m);
                }
                if let Some(t) = &query.text {
                    q.push(" AND p.search_text LIKE ").push_bind(like_pattern(t)).push(" ESCAPE '\\'");
                }
                if query.in_stock {
                    q.push(" AND EXISTS (SELECT 1 FROM stock s WHERE s.product = p.id AND (s.tracked = 0 OR s.on_hand - s.reserved > 0))");
                }
                q.push(" ORDER BY p.id LIMIT ").push_bind(i64::from(query.limit.clamp(1, 1000)));
                let rows = q.build().fetch_all(&self.pool).await.map_err(at("search_products"))?;
                rows.iter().map(|r| doc_row(DocKind::Product, r)).collect()
            }

            async fn stock_levels(&self, variants: &[VariantId]) -> Result<Vec<StockRow>, StorageError> {
                let mut out = Vec::with_capacity(variants.len());
                for chunk in variants.chunks(500) {
                    let mut q = QueryBuilder::<$db>::new("SELECT variant, product, tracked, on_hand, reserved FROM stock WHERE variant IN (");
                    let mut sep = q.separated(", ");
                    for v in chunk {
                        sep.push_bind(v.as_str());
                    }
                    q.push(")");
                    for r in q.build().fetch_all(&self.pool).await.map_err(at("stock_levels"))? {
                        out.push(
                            StockRow::new(
                                vid(r.try_get(0).map_err(err)?)?,
                                ProductId::new(r.try_get::<String, _>(1).map_err(err)?).map_err(|e| StorageError::Backend(Box::new(e)))?,
                            )
                            .with_tracked(r.try_get::<i64, _>(2).map_err(err)? == 1)
                            .with_on_hand(to_u32(r.try_get(3).map_err(err)?))
                            .with_reserved(to_u32(r.try_get(4).map_err(err)?)),
                        );
                    }
                }
                Ok(out)
            }

            async fn expired_reservations(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<ReservationRow>, StorageError> {
                let rows = sqlx::query(
                    "SELECT id, variant, quantity, order_id, expires_at FROM reservations WHERE expires_at <= $1 ORDER BY expires_at, id LIMIT $2",
                )
                .bind(micros(now))
                .bind(i64::from(limit.clamp(1, 10_000)))
                .fetch_all(&self.pool)
                .await
                .map_err(at("expired_reservations"))?;
                rows.iter().map(reservation_row).collect()
            }

            async fn order_reservations(&self, order: &OrderId) -> Result<Vec<ReservationRow>, StorageError> {
                let rows = sqlx::query("SELECT id, variant, quantity, order_id, expires_at FROM reservations WHERE order_id = $1 ORDER BY id")
                    .bind(order.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(at("order_reservations"))?;
                rows.iter().map(reservation_row).collect()
            }

            async fn idempotency(&self, scope: &str, key: &str) -> Result<Option<IdempotencyRecord>, StorageError> {
                read_idempotency(&self.pool, scope, key).await.map_err(at("idempotency"))
            }

            async fn claim_idempotency(
                &self,
                scope: &str,
                key: &str,
                token: &str,
                now: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> Result<IdempotencyClaim, StorageError> {
                // One statement, so the database decides: insert when the key has no claim,
                // take it over when the claim has expired, else change nothing.
                let n = sqlx::query(
                    "INSERT INTO idempotency_claims (scope, key, token, expires_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (scope, key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at \
                     WHERE idempotency_claims.expires_at <= $5",
                )
                .bind(scope)
                .bind(key)
                .bind(token)
                .bind(micros(expires_at))
                .bind(micros(now))
                .execute(&self.pool)
                .await
                .map_err(err)?
                .rows_affected();
                if n == 1 {
                    return Ok(IdempotencyClaim::Claimed);
                }
                let until: Option<i64> = sqlx::query_scalar("SELECT expires_at FROM idempotency_claims WHERE scope = $1 AND key = $2")
                    .bind(scope)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(err)?;
                // Released in between: held a moment ago, free now; the caller asks again.
                Ok(IdempotencyClaim::Held { expires_at: until.map(from_micros).unwrap_or(now) })
            }

            async fn delete_doc(&self, kind: DocKind, id: &str, version: u64) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin().await.map_err(at("delete_doc"))?;
                let gone = sqlx::query("DELETE FROM docs WHERE kind = $1 AND id = $2 AND version = $3")
                    .bind(kind.as_str())
                    .bind(id)
                    .bind(i64::try_from(version).unwrap_or(i64::MAX))
                    .execute(&mut *tx)
                    .await
                    .map_err(at("delete_doc"))?
                    .rows_affected();
                if gone == 0 {
                    return Ok(false);
                }
                for statement in [
                    "DELETE FROM doc_keys WHERE kind = $1 AND id = $2",
                    "DELETE FROM doc_owners WHERE kind = $1 AND id = $2",
                ] {
                    sqlx::query(statement)
                        .bind(kind.as_str())
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(at("delete_doc"))?;
                }
                if kind == DocKind::Product {
                    sqlx::query("DELETE FROM products WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(at("delete_doc"))?;
                }
                tx.commit().await.map_err(at("delete_doc"))?;
                Ok(true)
            }

            async fn release_idempotency(&self, scope: &str, key: &str, token: &str) -> Result<(), StorageError> {
                sqlx::query("DELETE FROM idempotency_claims WHERE scope = $1 AND key = $2 AND token = $3")
                    .bind(scope)
                    .bind(key)
                    .bind(token)
                    .execute(&self.pool)
                    .await
                    .map_err(err)?;
                Ok(())
            }

            async fn pending_events(&self, limit: u32) -> Result<Vec<OutboxEvent>, StorageError> {
                let rows = sqlx::query(
                    "SELECT seq, aggregate, kind, payload, created_at FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT $1",
                )
                .bind(i64::from(limit.clamp(1, 100_000)))
                .fetch_all(&self.pool)
                .await
                .map_err(at("pending_events"))?;
                rows.iter()
                    .map(|r| {
                        Ok(OutboxEvent::new(
                            u64::try_from(r.try_get::<i64, _>(0).map_err(err)?).unwrap_or(0),
                            r.try_get::<String, _>(1).map_err(err)?,
                            r.try_get::<String, _>(2).map_err(err)?,
                            r.try_get::<String, _>(3).map_err(err)?,
                            from_micros(r.try_get(4).map_err(err)?),
                        ))
                    })
                    .collect()
            }

            async fn ack_events(&self, seqs: &[u64]) -> Result<(), StorageError> {
                let now = micros(Utc::now());
                for chunk in seqs.chunks(500) {
                    let mut q = QueryBuilder::<$db>::new("UPDATE outbox SET delivered_at = ");
                    q.push_bind(now).push(" WHERE seq IN (");
                    let mut sep = q.separated(", ");
                    for s in chunk {
                        sep.push_bind(i64::try_from(*s).unwrap_or(i64::MAX));
                    }
                    q.push(")");
                    q.build().execute(&self.pool).await.map_err(at("ack_events"))?;
                }
                Ok(())
            }
        }
    };
}

pub(crate) use sql_store;
