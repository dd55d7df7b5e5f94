//! The statements every storage operation is made of, inside one transaction: writing a
//! document, moving stock, the idempotency record, applying a changeset.

/// Defines the transaction helpers for one sqlx database type (expanded by `sql_store!`).
macro_rules! sql_tx {
    ($db:ty) => {
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

        /// The stock counter of `variant` as `ex` reads it (`None`: it has none).
        pub(crate) async fn stock_row_of<'e, E>(ex: E, variant: &VariantId) -> Result<Option<StockRow>, Stop>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let row = sqlx::query("SELECT product, tracked, on_hand, reserved FROM stock WHERE variant = $1")
                .bind(variant.as_str())
                .fetch_optional(ex)
                .await?;
            match row {
                Some(r) => counter_at(&r, 0, variant),
                None => Ok(None),
            }
        }

        /// The counter of `variant` from the four columns `product, tracked, on_hand, reserved`
        /// of a row, from column `at` (`None` when `product` is NULL: a `LEFT JOIN` found none).
        fn counter_at(r: &<$db as sqlx::Database>::Row, at: usize, variant: &VariantId) -> Result<Option<StockRow>, Stop> {
            if r.try_get::<Option<String>, _>(at)?.is_none() {
                return Ok(None);
            }
            Ok(Some(stock_counter(r, at, variant.clone())?))
        }

        /// The counter of `variant` from the four columns `product, tracked, on_hand, reserved`
        /// of a row, from column `at`: every read of a stock row decodes it here.
        fn stock_counter(r: &<$db as sqlx::Database>::Row, at: usize, variant: VariantId) -> Result<StockRow, StorageError> {
            let product = ProductId::new(r.try_get::<String, _>(at).map_err(err)?)
                .map_err(|e| StorageError::Backend(Box::new(e)))?;
            Ok(StockRow::new(variant, product)
                .with_tracked(r.try_get::<i64, _>(at + 1).map_err(err)? == 1)
                .with_on_hand(to_u32(r.try_get(at + 2).map_err(err)?))
                .with_reserved(to_u32(r.try_get(at + 3).map_err(err)?)))
        }

        async fn write_doc(tx: &mut Tx<'_>, w: &DocWrite) -> Result<(), Stop> {
            let kind = w.kind.as_str();
            // On PostgreSQL an update and the removal of its old keys and owners are one
            // statement (`UPDATE_DOC_PG`): one round trip instead of three.
            let pg = <$db as sqlx::Database>::NAME == "PostgreSQL";
            // A new document with keys or owners (an order placed, a login): on PostgreSQL
            // one statement writes all three (`insert_folded`, in `postgres.rs`).
            let folded = w.expected_version.is_none()
                && (!w.keys.is_empty() || !w.owners.is_empty())
                && insert_folded(tx, w).await?;
            if !folded {
                let n = match w.expected_version {
                    // Its lists are the stored ones (`DocWrite::links_unchanged`, a guest's
                    // cart): the update alone, on either database (SQLite's row keeps its
                    // lists), and no rows of keys or owners touched below.
                    Some(v) if w.keeps_links() => sqlx::query(
                        "UPDATE docs SET version = version + 1, body = $3 WHERE kind = $1 AND id = $2 AND version = $4",
                    )
                    .bind(kind)
                    .bind(&w.id)
                    .bind(&w.body)
                    .bind(i64::try_from(v).unwrap_or(i64::MAX))
                    .execute(&mut **tx)
                    .await?
                    .rows_affected(),
                    Some(v) if pg => {
                        let n: i64 = sqlx::query_scalar(crate::common::UPDATE_DOC_PG)
                            .bind(kind)
                            .bind(&w.id)
                            .bind(&w.body)
                            .bind(i64::try_from(v).unwrap_or(i64::MAX))
                            .fetch_one(&mut **tx)
                            .await?;
                        u64::try_from(n).unwrap_or(0)
                    }
                    None if pg => sqlx::query("INSERT INTO docs (kind, id, version, body) VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING")
                        .bind(kind)
                        .bind(&w.id)
                        .bind(&w.body)
                        .execute(&mut **tx)
                        .await?
                        .rows_affected(),
                    // SQLite's row lists its keys and owners (the `doc_links` migration).
                    None => sqlx::query(
                        "INSERT INTO docs (kind, id, version, links_keys, links_owners, body) \
                         VALUES ($1, $2, 1, $4, $5, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(kind)
                    .bind(&w.id)
                    .bind(&w.body)
                    .bind(crate::common::links_text(&w.keys))
                    .bind(crate::common::links_text(&w.owners))
                    .execute(&mut **tx)
                    .await?
                    .rows_affected(),
                    Some(v) => {
                        let v = i64::try_from(v).unwrap_or(i64::MAX);
                        // The rows its old lists name go first (by primary key: SQLite has no
                        // index by document); a stale version finds no lists and deletes
                        // nothing, and the update below reports the conflict.
                        for statement in crate::common::DELETE_LINKS_SQLITE {
                            sqlx::query(statement).bind(kind).bind(&w.id).bind(v).execute(&mut **tx).await?;
                        }
                        sqlx::query(
                            "UPDATE docs SET version = version + 1, links_keys = $5, links_owners = $6, body = $3 \
                             WHERE kind = $1 AND id = $2 AND version = $4",
                        )
                        .bind(kind)
                        .bind(&w.id)
                        .bind(&w.body)
                        .bind(v)
                        .bind(crate::common::links_text(&w.keys))
                        .bind(crate::common::links_text(&w.owners))
                        .execute(&mut **tx)
                        .await?
                        .rows_affected()
                    }
                };
                if n != 1 {
                    return Err(Stop::Port(StorageError::Conflict { kind: w.kind, id: w.id.clone() }));
                }
                let keys: &[String] = if w.keeps_links() { &[] } else { &w.keys };
                for key in keys {
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
                if !w.owners.is_empty() && !w.keeps_links() {
                    let owners = tijara::ports::storage::sorted_unique(&w.owners);
                    let mut q = QueryBuilder::<$db>::new("INSERT INTO doc_owners (kind, owner, id) ");
                    q.push_values(&owners, |mut b, o| {
                        b.push_bind(kind).push_bind(o).push_bind(&w.id);
                    });
                    q.push(" ON CONFLICT DO NOTHING");
                    q.build().execute(&mut **tx).await?;
                }
            }
            if let Some(p) = &w.product {
                // The category's names as indexed from its own latest write, when there is one
                // (see `Storage::search`). PostgreSQL reads it under a share lock, so a rename
                // committing meanwhile is waited for and its text taken (catalog writes are
                // also serialized by the catalog version's row, see its migration).
                let lookup = if <$db as sqlx::Database>::NAME == "PostgreSQL" {
                    "SELECT text FROM search_categories WHERE id = $1 FOR SHARE"
                } else {
                    "SELECT text FROM search_categories WHERE id = $1"
                };
                let indexed: Option<String> = sqlx::query_scalar(lookup)
                    .bind(&p.category)
                    .fetch_optional(&mut **tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO products (id, seller, category, active, min_price, max_price, search_text, \
                     title_text, category_text, other_text, seller_city, seller_kind, index_version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO UPDATE SET seller = excluded.seller, \
                     category = excluded.category, active = excluded.active, min_price = excluded.min_price, \
                     max_price = excluded.max_price, search_text = excluded.search_text, title_text = excluded.title_text, \
                     category_text = excluded.category_text, other_text = excluded.other_text, \
                     seller_city = excluded.seller_city, seller_kind = excluded.seller_kind, \
                     index_version = excluded.index_version",
                )
                .bind(&w.id)
                .bind(&p.seller)
                .bind(&p.category)
                .bind(i64::from(p.active))
                .bind(p.min_price_minor)
                .bind(p.max_price_minor)
                .bind(&p.search_text)
                .bind(&p.title_text)
                .bind(indexed.as_deref().unwrap_or(&p.category_text))
                .bind(&p.other_text)
                .bind(&p.seller_city)
                .bind(&p.seller_kind)
                .bind(i64::from(p.index_version))
                .execute(&mut **tx)
                .await?;
                add_terms(tx, &p.terms()).await?;
            }
            if w.kind == DocKind::Category {
                index_category(tx, &w.id, &category_search_text(&w.body)).await?;
            }
            Ok(())
        }

        /// Adds terms to the typo vocabulary.
        async fn add_terms(tx: &mut Tx<'_>, terms: &[&str]) -> Result<(), Stop> {
            if !terms.is_empty() {
                let mut q = QueryBuilder::<$db>::new("INSERT INTO search_terms (term, chars) ");
                q.push_values(terms, |mut b, t| {
                    b.push_bind(*t).push_bind(t.chars().count() as i32);
                });
                q.push(" ON CONFLICT DO NOTHING");
                q.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        /// Indexes a category's names (its `search_categories` row, at this version) and copies
        /// them into the search rows of its products, in the caller's transaction (the FTS
        /// triggers and the generated tsvector follow).
        async fn index_category(tx: &mut Tx<'_>, id: &str, text: &str) -> Result<(), Stop> {
            sqlx::query(
                "INSERT INTO search_categories (id, text, index_version) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET text = excluded.text, index_version = excluded.index_version",
            )
            .bind(id)
            .bind(text)
            .bind(i64::from(tijara_core::search::INDEX_VERSION))
            .execute(&mut **tx)
            .await?;
            sqlx::query("UPDATE products SET category_text = $2 WHERE category = $1 AND category_text <> $2")
                .bind(id)
                .bind(text)
                .execute(&mut **tx)
                .await?;
            let mut terms: Vec<&str> = text.split(' ').filter(|t| !t.is_empty()).collect();
            terms.sort_unstable();
            terms.dedup();
            add_terms(tx, &terms).await
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

        /// Pushes the one conditional statement that sells `wanted` (see
        /// `common::sales_by_variant`): each variant's quantity, only where all of it is free
        /// (untracked variants: always, by nothing). It changes one row per variant, or fewer
        /// when one is short.
        fn push_sale(q: &mut QueryBuilder<$db>, wanted: &[(&VariantId, i64)]) {
            let case = |q: &mut QueryBuilder<$db>| {
                q.push("CASE variant");
                for (v, n) in wanted {
                    q.push(" WHEN ").push_bind(v.as_str().to_owned()).push(" THEN ").push_bind(*n);
                }
                q.push(" ELSE 0 END");
            };
            q.push("UPDATE stock SET on_hand = on_hand - CASE WHEN tracked = 1 THEN ");
            case(q);
            q.push(" ELSE 0 END WHERE variant IN (");
            let mut sep = q.separated(", ");
            for (v, _) in wanted {
                sep.push_bind(v.as_str().to_owned());
            }
            q.push(") AND (tracked = 0 OR on_hand - reserved >= ");
            case(q);
            q.push(")");
        }

        /// Sells several variants in one statement; all or nothing.
        async fn sell_many(tx: &mut Tx<'_>, ops: &[StockOp]) -> Result<(), Stop> {
            let wanted = crate::common::sales_by_variant(ops);
            let mut q = QueryBuilder::<$db>::new("");
            push_sale(&mut q, &wanted);
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
            // The catalog's version, then the stock checks in the order named; the first check's
            // counter is read with the version (an add's commit: one statement, not two).
            let mut checks = cs.stock_at_least.iter();
            if let Some(expected) = cs.catalog_at {
                let (found, first) = match checks.next() {
                    None => {
                        let found: i64 = sqlx::query_scalar(crate::common::CATALOG_VERSION)
                            .fetch_one(&mut **tx)
                            .await?;
                        (found, None)
                    }
                    Some(check) => {
                        let r = sqlx::query(
                            "SELECT c.version, s.product, s.tracked, s.on_hand, s.reserved \
                             FROM catalog_version c LEFT JOIN stock s ON s.variant = $1 WHERE c.id = 1",
                        )
                        .bind(check.variant.as_str())
                        .fetch_one(&mut **tx)
                        .await?;
                        (r.try_get::<i64, _>(0)?, Some((check, counter_at(&r, 1, &check.variant)?)))
                    }
                };
                let found = u64::try_from(found).unwrap_or(0);
                if found != expected {
                    return Err(Stop::Port(StorageError::CatalogChanged { expected, found }));
                }
                if let Some((check, row)) = first
                    && let Some(refused) = check.refusal(row.as_ref())
                {
                    return Err(Stop::Port(refused));
                }
            }
            for check in checks {
                let row = stock_row_of(&mut **tx, &check.variant).await?;
                if let Some(refused) = check.refusal(row.as_ref()) {
                    return Err(Stop::Port(refused));
                }
            }
            for check in &cs.owned_fewer_than {
                // Counted up to the limit: an owner far past it costs no more than one at it.
                let count: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM (SELECT 1 FROM doc_owners WHERE kind = $1 AND owner = $2 LIMIT $3) AS o",
                )
                .bind(check.kind.as_str())
                .bind(&check.owner)
                .bind(i64::from(check.limit))
                .fetch_one(&mut **tx)
                .await?;
                if let Some(refused) = check.refusal(u64::try_from(count).unwrap_or(0)) {
                    return Err(Stop::Port(refused));
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

        fn delivery_row(r: &<$db as sqlx::Database>::Row) -> Result<DeliveryRow, StorageError> {
            Ok(DeliveryRow {
                target: r.try_get(0).map_err(err)?,
                seq: u64::try_from(r.try_get::<i64, _>(1).map_err(err)?).unwrap_or(0),
                kind: r.try_get(2).map_err(err)?,
                aggregate: r.try_get(3).map_err(err)?,
                attempts: to_u32(r.try_get(4).map_err(err)?),
                last_attempt_at: from_micros(r.try_get(5).map_err(err)?),
                last_error: r.try_get(6).map_err(err)?,
                next_try_at: r.try_get::<Option<i64>, _>(7).map_err(err)?.map(from_micros),
                delivered_at: r.try_get::<Option<i64>, _>(8).map_err(err)?.map(from_micros),
            })
        }

        fn seq_i64(seq: u64) -> i64 {
            i64::try_from(seq).unwrap_or(i64::MAX)
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
    };
}

pub(crate) use sql_tx;
