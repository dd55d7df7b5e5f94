//! The storage port: every call is one job on a reader (or the writer), whatever the number of
//! statements it runs.

use crate::SqliteStore;
use crate::apply::{
    self, catalog_version_in, doc_row, from_micros, id_at, marks, micros, stock_row, to_u32,
};
use crate::error::Stop;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use tijara::ports::storage::*;
use tijara_core::{OrderId, VariantId};

/// The longest page of documents [`Storage::list`] reads on the calling thread (see
/// [`crate::ReadMode::Inline`]).
const INLINE_LIST: i64 = 100;

fn reservation_row(r: &Row<'_>) -> Result<ReservationRow, Stop> {
    Ok(ReservationRow::new(
        id_at(r, 0)?,
        id_at(r, 1)?,
        to_u32(r.get(2)?),
        id_at(r, 3)?,
        from_micros(r.get(4)?),
    ))
}

/// Runs a tagged `UNION ALL` statement (tag, id, version, body, then a stock row's product,
/// tracked, on_hand, reserved) and hands each row to `each`.
fn tagged(
    c: &Connection,
    sql: &str,
    values: &[&str],
    mut each: impl FnMut(&str, &Row<'_>) -> Result<(), Stop>,
) -> Result<(), Stop> {
    let mut st = c.prepare_cached(sql)?;
    let mut rows = st.query(params_from_iter(values.iter()))?;
    while let Some(r) = rows.next()? {
        // The tag is a short literal of the statement: read in place, not copied.
        each(apply::text_at(r, 0)?, r)?;
    }
    Ok(())
}

fn tagged_doc(kind: DocKind, r: &Row<'_>) -> Result<StoredDoc, Stop> {
    Ok(StoredDoc::new(
        kind,
        r.get::<_, String>(1)?,
        u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
        r.get::<_, String>(3)?,
    ))
}

fn tagged_stock(r: &Row<'_>) -> Result<StockRow, Stop> {
    Ok(StockRow::new(id_at(r, 1)?, id_at(r, 4)?)
        .with_tracked(r.get::<_, i64>(5)? == 1)
        .with_on_hand(to_u32(r.get(6)?))
        .with_reserved(to_u32(r.get(7)?)))
}

/// The most variants a catalog-stock or pricing-stock read binds into its one statement; more
/// go through several statements in one read transaction ([`in_snapshot`]).
const MAX_TAGGED_VARIANTS: usize = 300;

/// Up to this many variants, a catalog-stock or pricing-stock read looks each up with its own
/// `variant = ?` arm; past it, with `variant IN (…)`. SQLite runs an `IN` list of two or more
/// values on an index through a temporary b-tree built for the statement (opened, filled,
/// closed: ~16,000 instructions per read measured with its page and allocations), and a
/// cart's reads name one to a few variants.
const EQ_ARMS: usize = 16;

/// The one statement of a catalog-stock read of `n` distinct variants (with `promotions`, of a
/// pricing-stock read), in [`tagged`]'s columns: the catalog's version (tag `k`, in the version
/// column), the variants' counters (`s`) and, with `promotions`, every promotion (`r`). One
/// statement is one read transaction: its rows are one snapshot, and a reader whose page cache
/// another commit made stale empties it once, not once per statement. The variants must be
/// distinct: an `=` arm per variant answers a repeated one twice, where `IN` answers it once.
fn stock_read_sql(n: usize, promotions: bool) -> String {
    const STOCK_ARM: &str = " UNION ALL SELECT 's', variant, 0, '', product, tracked, on_hand, \
                             reserved FROM stock WHERE variant";
    let mut sql = String::with_capacity(200 + 110 * n.min(EQ_ARMS) + 3 * n);
    sql.push_str(
        "SELECT 'k' AS tag, '' AS id, version, '' AS body, '' AS product, 0 AS tracked, 0 AS on_hand, \
         0 AS reserved FROM catalog_version WHERE id = 1",
    );
    if n <= EQ_ARMS {
        for i in 1..=n {
            sql.push_str(STOCK_ARM);
            sql.push_str(" = ?");
            sql.push_str(&i.to_string());
        }
    } else {
        sql.push_str(STOCK_ARM);
        sql.push_str(" IN (");
        sql.push_str(&marks(n));
        sql.push(')');
    }
    if promotions {
        sql.push_str(
            " UNION ALL SELECT 'r', id, version, body, '', 0, 0, 0 FROM docs WHERE kind = 'promotion'",
        );
    }
    sql
}

/// The variants of a stock read as text, each once (see [`stock_read_sql`]).
fn distinct_variants(variants: &[VariantId]) -> Vec<String> {
    let mut list: Vec<String> = variants.iter().map(|v| v.as_str().to_owned()).collect();
    list.sort_unstable();
    list.dedup();
    list
}

/// A document with the catalog's version (`Storage::get_at_catalog`): one row, the version's,
/// with the document's columns (`NULL` when it does not exist).
const GET_AT_CATALOG: &str = "SELECT d.id, d.version, d.body, c.version FROM catalog_version c \
     LEFT JOIN docs d ON d.kind = ?1 AND d.id = ?2 WHERE c.id = 1";

/// A product page's rows by the product's key (its slug): its variants' counters (`s`), the
/// product (`p`), its seller (`v`) and its category (`c`), in [`tagged`]'s columns. Each arm
/// joins from the key's row (`doc_keys`' primary key: one row at most) along primary keys and
/// `stock_by_product`, so every arm finds what the former `IN (SELECT …)` arms found, without
/// the temporary b-tree SQLite builds for each such subquery (five per read).
const PRODUCT_PAGE: &str = "SELECT 's' AS tag, s.variant AS id, 0 AS version, '' AS body, \
     s.product AS product, s.tracked AS tracked, s.on_hand AS on_hand, s.reserved AS reserved \
     FROM doc_keys k JOIN stock s ON s.product = k.id WHERE k.kind = 'product' AND k.key = ?1 \
     UNION ALL SELECT 'p', d.id, d.version, d.body, '', 0, 0, 0 FROM doc_keys k \
     JOIN docs d ON d.kind = k.kind AND d.id = k.id WHERE k.kind = 'product' AND k.key = ?1 \
     UNION ALL SELECT 'v', d.id, d.version, d.body, '', 0, 0, 0 FROM doc_keys k \
     JOIN products p ON p.id = k.id JOIN docs d ON d.kind = 'seller' AND d.id = p.seller \
     WHERE k.kind = 'product' AND k.key = ?1 \
     UNION ALL SELECT 'c', d.id, d.version, d.body, '', 0, 0, 0 FROM doc_keys k \
     JOIN products p ON p.id = k.id JOIN docs d ON d.kind = 'category' AND d.id = p.category \
     WHERE k.kind = 'product' AND k.key = ?1";

/// Runs the statements of `f` in one read transaction (`BEGIN` … `COMMIT`): they see one
/// snapshot of the database. The transaction ends whatever `f` answers (rolled back on an
/// error or a panic); a pooled connection left in a transaction anyway is not pooled again
/// (`run_read` checks), nor the writer's (`on_writer` checks).
fn in_snapshot<T>(
    c: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, Stop>,
) -> Result<T, Stop> {
    // Rolled back when dropped: on an error, and if `f` panics.
    let tx = c.unchecked_transaction()?;
    let v = f(&tx)?;
    tx.commit()?;
    Ok(v)
}

fn stock_levels_in(c: &Connection, variants: &[String]) -> Result<Vec<StockRow>, Stop> {
    let mut out = Vec::with_capacity(variants.len());
    for chunk in variants.chunks(500) {
        let sql = format!(
            "SELECT variant, product, tracked, on_hand, reserved FROM stock WHERE variant IN ({})",
            marks(chunk.len())
        );
        let mut st = c.prepare_cached(&sql)?;
        let mut rows = st.query(params_from_iter(chunk.iter()))?;
        while let Some(r) = rows.next()? {
            out.push(stock_row(r, 0)?);
        }
    }
    Ok(out)
}

fn docs(
    c: &Connection,
    kind: DocKind,
    sql: &str,
    values: impl rusqlite::Params,
) -> Result<Vec<StoredDoc>, Stop> {
    let mut st = c.prepare_cached(sql)?;
    let rows = st.query_map(values, |r| doc_row(kind, r))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

#[async_trait]
impl Storage for SqliteStore {
    async fn commit(&self, changes: Changeset) -> Result<CommitOutcome, StorageError> {
        self.commit_changes(changes).await
    }

    async fn checkout_snapshot(
        &self,
        variants: &[VariantId],
    ) -> Result<CheckoutRows, StorageError> {
        if variants.len() > 300 {
            return compose_checkout_snapshot(self, variants).await;
        }
        let list: Vec<String> = variants.iter().map(|v| v.as_str().to_owned()).collect();
        self.read_point("checkout_snapshot", move |c| {
            let n = list.len();
            // ?1..?n are the variants, used three times.
            let ids = (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT 's' AS tag, variant AS id, 0 AS version, '' AS body, product, tracked, on_hand, reserved \
                 FROM stock WHERE variant IN ({ids}) \
                 UNION ALL SELECT 'p', d.id, d.version, d.body, '', 0, 0, 0 FROM docs d WHERE d.kind = 'product' \
                 AND d.id IN (SELECT product FROM stock WHERE variant IN ({ids})) \
                 UNION ALL SELECT 'v', d.id, d.version, d.body, '', 0, 0, 0 FROM docs d WHERE d.kind = 'seller' \
                 AND d.id IN (SELECT p.seller FROM products p WHERE p.id IN (SELECT product FROM stock WHERE variant IN ({ids}))) \
                 UNION ALL SELECT 'r', d.id, d.version, d.body, '', 0, 0, 0 FROM docs d WHERE d.kind = 'promotion'"
            );
            let values: Vec<&str> = list.iter().map(String::as_str).collect();
            let mut out = CheckoutRows::default();
            tagged(c, &sql, &values, |tag, r| {
                match tag {
                    "s" => out.stock.push(tagged_stock(r)?),
                    "p" => out.products.push(tagged_doc(DocKind::Product, r)?),
                    "v" => out.sellers.push(tagged_doc(DocKind::Seller, r)?),
                    _ => out.promotions.push(tagged_doc(DocKind::Promotion, r)?),
                }
                Ok(())
            })?;
            out.promotions.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(out)
        })
        .await
    }

    async fn catalog_version(&self) -> Result<Option<u64>, StorageError> {
        self.read_point("catalog_version", |c| Ok(Some(catalog_version_in(c)?)))
            .await
    }

    fn commits_at_catalog_version(&self) -> bool {
        true
    }

    fn checks_stock_at_commit(&self) -> bool {
        true
    }

    fn counts_owners_at_commit(&self) -> bool {
        true
    }

    async fn catalog_stock(&self, variants: &[VariantId]) -> Result<CatalogStock, StorageError> {
        let list = distinct_variants(variants);
        self.read_point("catalog_stock", move |c| {
            if list.len() > MAX_TAGGED_VARIANTS {
                // The version first, then the counters, in one read transaction.
                return in_snapshot(c, |c| {
                    let version = catalog_version_in(c)?;
                    Ok(CatalogStock::new(Some(version), stock_levels_in(c, &list)?))
                });
            }
            let mut version = None;
            let mut stock = Vec::with_capacity(list.len());
            let values: Vec<&str> = list.iter().map(String::as_str).collect();
            tagged(c, &stock_read_sql(list.len(), false), &values, |tag, r| {
                match tag {
                    "s" => stock.push(tagged_stock(r)?),
                    _ => version = Some(u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0)),
                }
                Ok(())
            })?;
            // No version row is a damaged database, as `catalog_version_in` answers it.
            let version = version.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            Ok(CatalogStock::new(Some(version), stock))
        })
        .await
    }

    async fn pricing_stock(&self, variants: &[VariantId]) -> Result<PricingStock, StorageError> {
        let list = distinct_variants(variants);
        self.read_point("pricing_stock", move |c| {
            if list.len() > MAX_TAGGED_VARIANTS {
                // The version first, then the counters and the promotions, in one read
                // transaction.
                return in_snapshot(c, |c| {
                    let version = catalog_version_in(c)?;
                    let stock = stock_levels_in(c, &list)?;
                    let promotions = docs(
                        c,
                        DocKind::Promotion,
                        "SELECT id, version, body FROM docs WHERE kind = 'promotion' ORDER BY id",
                        params![],
                    )?;
                    Ok(PricingStock::new(Some(version), stock, promotions))
                });
            }
            let mut version = None;
            let mut stock = Vec::with_capacity(list.len());
            let mut promotions = Vec::new();
            let values: Vec<&str> = list.iter().map(String::as_str).collect();
            tagged(c, &stock_read_sql(list.len(), true), &values, |tag, r| {
                match tag {
                    "s" => stock.push(tagged_stock(r)?),
                    "r" => promotions.push(tagged_doc(DocKind::Promotion, r)?),
                    _ => version = Some(u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0)),
                }
                Ok(())
            })?;
            promotions.sort_by(|a: &StoredDoc, b: &StoredDoc| a.id.cmp(&b.id));
            let version = version.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            Ok(PricingStock::new(Some(version), stock, promotions))
        })
        .await
    }

    async fn product_page(&self, key: &str) -> Result<ProductPageRows, StorageError> {
        let key = key.to_owned();
        self.read_point("product_page", move |c| {
            let mut out = ProductPageRows::default();
            tagged(c, PRODUCT_PAGE, &[key.as_str()], |tag, r| {
                match tag {
                    "s" => out.stock.push(tagged_stock(r)?),
                    "p" => out.product = Some(tagged_doc(DocKind::Product, r)?),
                    "v" => out.seller = Some(tagged_doc(DocKind::Seller, r)?),
                    _ => out.category = Some(tagged_doc(DocKind::Category, r)?),
                }
                Ok(())
            })?;
            Ok(out)
        })
        .await
    }

    async fn get(&self, kind: DocKind, id: &str) -> Result<Option<StoredDoc>, StorageError> {
        let id = id.to_owned();
        self.read_point("get", move |c| {
            Ok(
                c.prepare_cached("SELECT id, version, body FROM docs WHERE kind = ?1 AND id = ?2")?
                    .query_row(params![kind.as_str(), id], |r| doc_row(kind, r))
                    .optional()?,
            )
        })
        .await
    }

    async fn get_at_catalog(&self, kind: DocKind, id: &str) -> Result<DocAtCatalog, StorageError> {
        let id = id.to_owned();
        self.read_point("get_at_catalog", move |c| {
            // One row: the version's, with the document's columns when it exists (no version
            // row is a damaged database, as `catalog_version_in` answers it).
            Ok(c.prepare_cached(GET_AT_CATALOG)?
                .query_row(params![kind.as_str(), id], |r| {
                    let doc = match r.get::<_, Option<String>>(0)? {
                        Some(_) => Some(doc_row(kind, r)?),
                        None => None,
                    };
                    let version = u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0);
                    Ok(DocAtCatalog::new(doc, Some(version)))
                })?)
        })
        .await
    }

    async fn get_many(
        &self,
        kind: DocKind,
        ids: &[String],
    ) -> Result<Vec<StoredDoc>, StorageError> {
        let ids = ids.to_vec();
        self.read_point("get_many", move |c| {
            let mut out = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(500) {
                let sql = format!(
                    "SELECT id, version, body FROM docs WHERE kind = ? AND id IN ({})",
                    marks(chunk.len())
                );
                let values = std::iter::once(kind.as_str()).chain(chunk.iter().map(String::as_str));
                out.extend(docs(c, kind, &sql, params_from_iter(values))?);
            }
            Ok(out)
        })
        .await
    }

    async fn find_by_key(
        &self,
        kind: DocKind,
        key: &str,
    ) -> Result<Option<StoredDoc>, StorageError> {
        let key = key.to_owned();
        self.read_point("find_by_key", move |c| {
            Ok(c.prepare_cached(
                "SELECT d.id, d.version, d.body FROM doc_keys k JOIN docs d ON d.kind = k.kind AND d.id = k.id \
                 WHERE k.kind = ?1 AND k.key = ?2",
            )?
            .query_row(params![kind.as_str(), key], |r| doc_row(kind, r))
            .optional()?)
        })
        .await
    }

    async fn list(&self, query: &ListQuery) -> Result<Vec<StoredDoc>, StorageError> {
        let kind = query.kind;
        let after = query.after.clone().unwrap_or_default();
        let limit = i64::from(query.limit.clamp(1, 1000));
        let owner = query.owner.clone();
        let read = move |c: &Connection| match &owner {
            Some(o) => docs(
                c,
                kind,
                LIST_BY_OWNER,
                params![kind.as_str(), o, after, limit],
            ),
            None => docs(
                c,
                kind,
                "SELECT id, version, body FROM docs WHERE kind = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
                params![kind.as_str(), after, limit],
            ),
        };
        // A page of up to 100 documents is a short read (one index range): it runs inline like
        // the point reads; longer pages go to the blocking pool.
        if limit <= INLINE_LIST {
            self.read_point("list", read).await
        } else {
            self.read("list", read).await
        }
    }

    async fn list_by_owners(
        &self,
        kind: DocKind,
        owners: &[String],
        limit: u32,
    ) -> Result<Vec<Vec<StoredDoc>>, StorageError> {
        // Each owner's first page by the owners table's primary key, on one connection in
        // one read (the statements are in-process): inline, as `list` runs a page, when all
        // the pages together are no longer than one such page; else on the blocking pool.
        if owners.is_empty() {
            return Ok(Vec::new());
        }
        let limit = i64::from(limit.clamp(1, 1000));
        let short = i64::try_from(owners.len()).is_ok_and(|n| n * limit <= INLINE_LIST);
        let owners = owners.to_vec();
        let read = move |c: &Connection| {
            owners
                .iter()
                .map(|o| docs(c, kind, LIST_BY_OWNER, params![kind.as_str(), o, "", limit]))
                .collect()
        };
        if short {
            self.read_point("list_by_owners", read).await
        } else {
            self.read("list_by_owners", read).await
        }
    }

    async fn count_by_owner(
        &self,
        kind: DocKind,
        owners: &[String],
    ) -> Result<Vec<u64>, StorageError> {
        // One grouped count over the owners table's primary key (kind, owner, id), as the sqlx
        // adapter does: no document is read. Owners go in chunks to keep parameters few.
        let mut wanted: Vec<String> = owners.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let found = self
            .read("count_by_owner", move |c| {
                let mut found = std::collections::HashMap::new();
                for chunk in wanted.chunks(300) {
                    let marks = (2..=chunk.len() + 1)
                        .map(|i| format!("?{i}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "SELECT owner, COUNT(*) FROM doc_owners WHERE kind = ?1 AND owner IN ({marks}) GROUP BY owner"
                    );
                    let mut values: Vec<rusqlite::types::Value> = vec![kind.as_str().to_owned().into()];
                    values.extend(chunk.iter().map(|o| o.clone().into()));
                    let mut st = c.prepare_cached(&sql)?;
                    let rows = st.query_map(params_from_iter(values), |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                    })?;
                    for row in rows {
                        let (owner, n) = row?;
                        found.insert(owner, u64::try_from(n).unwrap_or(0));
                    }
                }
                Ok(found)
            })
            .await?;
        Ok(owners
            .iter()
            .map(|o| found.get(o).copied().unwrap_or(0))
            .collect())
    }

    async fn search_products(&self, query: &ProductQuery) -> Result<Vec<StoredDoc>, StorageError> {
        let query = query.clone();
        self.read("search_products", move |c| {
            let mut sql = String::from(
                "SELECT d.id, d.version, d.body FROM products p JOIN docs d ON d.kind = 'product' AND d.id = p.id WHERE p.id > ?",
            );
            let mut values: Vec<rusqlite::types::Value> = vec![query.after.clone().unwrap_or_default().into()];
            if query.active_only {
                sql.push_str(" AND p.active = 1");
            }
            if let Some(cat) = &query.category {
                sql.push_str(" AND p.category = ?");
                values.push(cat.clone().into());
            }
            if let Some(s) = &query.seller {
                sql.push_str(" AND p.seller = ?");
                values.push(s.clone().into());
            }
            if let Some(m) = query.min_price_minor {
                sql.push_str(" AND p.max_price >= ?");
                values.push(m.into());
            }
            if let Some(m) = query.max_price_minor {
                sql.push_str(" AND p.min_price <= ?");
                values.push(m.into());
            }
            if let Some(t) = &query.text {
                sql.push_str(" AND p.search_text LIKE ? ESCAPE '\\'");
                values.push(like_pattern(t).into());
            }
            if query.in_stock {
                sql.push_str(
                    " AND EXISTS (SELECT 1 FROM stock s WHERE s.product = p.id AND (s.tracked = 0 OR s.on_hand - s.reserved > 0))",
                );
            }
            sql.push_str(" ORDER BY p.id LIMIT ?");
            values.push(i64::from(query.limit.clamp(1, 1000)).into());
            docs(c, DocKind::Product, &sql, params_from_iter(values))
        })
        .await
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StorageError> {
        let query = query.clone();
        let cache = self.search_cache();
        self.read("search", move |c| crate::search::search(c, &cache, &query))
            .await
    }

    async fn search_index_outdated(&self, version: u32) -> Result<u64, StorageError> {
        self.read("search_index_outdated", move |c| {
            let n: i64 = c
                .prepare_cached(
                    "SELECT (SELECT count(*) FROM docs d LEFT JOIN products p ON p.id = d.id \
                     WHERE d.kind = 'product' AND (p.id IS NULL OR p.index_version <> ?1)) \
                     + (SELECT count(*) FROM docs d LEFT JOIN search_categories c ON c.id = d.id \
                     WHERE d.kind = 'category' AND (c.id IS NULL OR c.index_version <> ?1))",
                )?
                .query_row([i64::from(version)], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn stock_levels(&self, variants: &[VariantId]) -> Result<Vec<StockRow>, StorageError> {
        let list: Vec<String> = variants.iter().map(|v| v.as_str().to_owned()).collect();
        self.read_point("stock_levels", move |c| stock_levels_in(c, &list))
            .await
    }

    async fn expired_reservations(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ReservationRow>, StorageError> {
        self.read("expired_reservations", move |c| {
            let mut st = c.prepare_cached(
                "SELECT id, variant, quantity, order_id, expires_at FROM reservations WHERE expires_at <= ?1 \
                 ORDER BY expires_at, id LIMIT ?2",
            )?;
            let mut rows = st.query(params![micros(now), i64::from(limit.clamp(1, 10_000))])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(reservation_row(r)?);
            }
            Ok(out)
        })
        .await
    }

    async fn order_reservations(
        &self,
        order: &OrderId,
    ) -> Result<Vec<ReservationRow>, StorageError> {
        let order = order.as_str().to_owned();
        self.read_point("order_reservations", move |c| {
            let mut st = c.prepare_cached(
                "SELECT id, variant, quantity, order_id, expires_at FROM reservations WHERE order_id = ?1 ORDER BY id",
            )?;
            let mut rows = st.query([order])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(reservation_row(r)?);
            }
            Ok(out)
        })
        .await
    }

    async fn idempotency(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StorageError> {
        let (scope, key) = (scope.to_owned(), key.to_owned());
        self.read_point("idempotency", move |c| {
            Ok(apply::read_idempotency(c, &scope, &key)?)
        })
        .await
    }

    async fn idempotency_many(
        &self,
        scope: &str,
        keys: &[String],
    ) -> Result<Vec<Option<IdempotencyRecord>>, StorageError> {
        let (scope, keys) = (scope.to_owned(), keys.to_vec());
        // A point read per key, all in one call on one connection (one hop, not one each).
        self.read_point("idempotency_many", move |c| {
            keys.iter()
                .map(|key| Ok(apply::read_idempotency(c, &scope, key)?))
                .collect()
        })
        .await
    }

    async fn claim_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<IdempotencyClaim, StorageError> {
        let (scope, key, token) = (scope.to_owned(), key.to_owned(), token.to_owned());
        // On the writer: one statement decides (insert, or take over an expired claim), and
        // the read of the holder's expiry sees no write in between.
        self.on_writer("claim_idempotency", move |c| {
            let n = c
                .prepare_cached(
                    "INSERT INTO idempotency_claims (scope, key, token, expires_at) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (scope, key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at \
                     WHERE idempotency_claims.expires_at <= ?5",
                )?
                .execute(params![scope, key, token, micros(expires_at), micros(now)])?;
            if n == 1 {
                return Ok(IdempotencyClaim::Claimed);
            }
            let until: Option<i64> = c
                .prepare_cached("SELECT expires_at FROM idempotency_claims WHERE scope = ?1 AND key = ?2")?
                .query_row(params![scope, key], |r| r.get(0))
                .optional()?;
            Ok(IdempotencyClaim::Held {
                expires_at: until.map(from_micros).unwrap_or(now),
            })
        })
        .await
    }

    async fn delete_doc(
        &self,
        kind: DocKind,
        id: &str,
        version: u64,
    ) -> Result<bool, StorageError> {
        let id = id.to_owned();
        self.on_writer("delete_doc", move |c| {
            Ok(apply::delete_doc(c, kind.as_str(), &id, version)?)
        })
        .await
    }

    async fn release_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
    ) -> Result<(), StorageError> {
        let (scope, key, token) = (scope.to_owned(), key.to_owned(), token.to_owned());
        self.on_writer("release_idempotency", move |c| {
            c.prepare_cached(
                "DELETE FROM idempotency_claims WHERE scope = ?1 AND key = ?2 AND token = ?3",
            )?
            .execute(params![scope, key, token])?;
            Ok(())
        })
        .await
    }

    async fn pending_events(&self, limit: u32) -> Result<Vec<OutboxEvent>, StorageError> {
        self.read("pending_events", move |c| {
            let mut st = c.prepare_cached(
                "SELECT seq, aggregate, kind, payload, created_at FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT ?1",
            )?;
            let rows = st.query_map([i64::from(limit.clamp(1, 100_000))], |r| {
                Ok(OutboxEvent::new(
                    u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    from_micros(r.get(4)?),
                ))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn outbox_backlog(&self) -> Result<OutboxBacklog, StorageError> {
        // Both read the partial index `outbox_pending` (delivered_at IS NULL) only, the count
        // up to the cap (see `OutboxBacklog::SQL_CAP`).
        self.read("outbox_backlog", |c| {
            let (count, oldest) = c
                .prepare_cached(
                    "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT ?1) t), \
                     (SELECT created_at FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT 1)",
                )?
                .query_row([i64::from(OutboxBacklog::SQL_CAP) + 1], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?))
                })?;
            Ok(OutboxBacklog::capped(
                u64::try_from(count).unwrap_or(0),
                OutboxBacklog::SQL_CAP,
                oldest.map(from_micros),
            ))
        })
        .await
    }

    async fn schema_status(&self) -> Result<Option<SchemaStatus>, StorageError> {
        self.read("schema_status", |c| Ok(Some(crate::migrate::status(c)?)))
            .await
    }

    fn pool_status(&self) -> Option<PoolStatus> {
        Some(self.pool())
    }

    async fn ack_events(&self, seqs: &[u64]) -> Result<(), StorageError> {
        let seqs = seqs.to_vec();
        let now = micros(Utc::now());
        self.on_writer("ack_events", move |c| Ok(apply::ack_events(c, &seqs, now)?))
            .await
    }

    async fn record_delivery(
        &self,
        attempt: &DeliveryAttempt,
    ) -> Result<DeliveryRow, StorageError> {
        let a = attempt.clone();
        self.on_writer("record_delivery", move |c| {
            let (error, next, delivered) = delivery_values(&a);
            let row = c.prepare_cached(RECORD_DELIVERY)?.query_row(
                params![
                    a.target,
                    seq_i64(a.seq),
                    a.kind,
                    a.aggregate,
                    micros(a.at),
                    error,
                    next,
                    delivered
                ],
                delivery_row,
            )?;
            Ok(row)
        })
        .await
    }

    async fn delivery(&self, target: &str, seq: u64) -> Result<Option<DeliveryRow>, StorageError> {
        let target = target.to_owned();
        self.read("delivery", move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE target = ?1 AND seq = ?2"
            ))?
            .query_row(params![target, seq_i64(seq)], delivery_row)
            .optional()?)
        })
        .await
    }

    async fn deliveries(
        &self,
        targets: &[String],
        seq: u64,
    ) -> Result<Vec<Option<DeliveryRow>>, StorageError> {
        let targets = targets.to_vec();
        self.read_point("deliveries", move |c| {
            let mut one = c.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE target = ?1 AND seq = ?2"
            ))?;
            targets
                .iter()
                .map(|target| {
                    Ok(one
                        .query_row(params![target, seq_i64(seq)], delivery_row)
                        .optional()?)
                })
                .collect()
        })
        .await
    }

    async fn deliveries_among(
        &self,
        targets: &[String],
        seqs: &[u64],
    ) -> Result<Vec<DeliveryRow>, StorageError> {
        let (targets, seqs) = (sorted_unique(targets), sorted_unique(seqs));
        // One call on one connection: a point look-up per pair, in (seq, target) order.
        self.read("deliveries_among", move |c| {
            let mut one = c.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE target = ?1 AND seq = ?2"
            ))?;
            let mut found = Vec::new();
            for seq in &seqs {
                for target in &targets {
                    if let Some(row) = one
                        .query_row(params![target, seq_i64(*seq)], delivery_row)
                        .optional()?
                    {
                        found.push(row);
                    }
                }
            }
            Ok(found)
        })
        .await
    }

    async fn failed_deliveries(
        &self,
        after: Option<(u64, String)>,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StorageError> {
        self.read("failed_deliveries", move |c| {
            let (seq, target) = match after {
                Some((seq, target)) => (seq_i64(seq), target),
                None => (-1, String::new()),
            };
            let mut st = c.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE delivered_at IS NULL \
                 AND (seq > ?1 OR (seq = ?1 AND target > ?2)) ORDER BY seq, target LIMIT ?3"
            ))?;
            let rows = st.query_map(
                params![seq, target, i64::from(limit.clamp(1, 10_000))],
                delivery_row,
            )?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn retry_delivery(
        &self,
        target: &str,
        seq: u64,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let target = target.to_owned();
        self.on_writer("retry_delivery", move |c| {
            let n = c
                .prepare_cached(
                    "UPDATE deliveries SET next_try_at = ?3 WHERE target = ?1 AND seq = ?2 AND delivered_at IS NULL",
                )?
                .execute(params![target, seq_i64(seq), micros(now)])?;
            Ok(n == 1)
        })
        .await
    }

    async fn purge(&self, cutoffs: &PurgeCutoffs) -> Result<PurgeReport, StorageError> {
        let c = *cutoffs;
        self.on_writer("purge", move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let limit = i64::from(c.limit.max(1));
            let run = |sql: &str, before: DateTime<Utc>| -> rusqlite::Result<u64> {
                let n = tx
                    .prepare_cached(sql)?
                    .execute(params![micros(before), limit])?;
                Ok(n as u64)
            };
            let report = PurgeReport {
                idempotency: run(PURGE_RECORDS, c.idempotency_before)?
                    + run(PURGE_CLAIMS, c.idempotency_before)?,
                done: run(PURGE_DONE, c.done_before)?,
                events: run(PURGE_EVENTS, c.events_before)?,
                deliveries: run(PURGE_DELIVERIES, c.events_before)?,
                sessions: 0,
            };
            tx.commit()?;
            Ok(report)
        })
        .await
    }
}

fn seq_i64(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// The columns [`delivery_row`] reads, in its order.
const DELIVERY_COLUMNS: &str = "target, seq, kind, aggregate, attempts, last_attempt_at, last_error, next_try_at, delivered_at";

/// One upsert: the first attempt inserts, each further one counts; a delivery is never undone.
const RECORD_DELIVERY: &str = "INSERT INTO deliveries \
     (target, seq, kind, aggregate, attempts, last_attempt_at, last_error, next_try_at, delivered_at) \
     VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8) \
     ON CONFLICT (target, seq) DO UPDATE SET attempts = deliveries.attempts + 1, \
     last_attempt_at = excluded.last_attempt_at, \
     last_error = CASE WHEN deliveries.delivered_at IS NULL THEN excluded.last_error ELSE NULL END, \
     next_try_at = CASE WHEN deliveries.delivered_at IS NULL THEN excluded.next_try_at ELSE NULL END, \
     delivered_at = COALESCE(deliveries.delivered_at, excluded.delivered_at) \
     RETURNING target, seq, kind, aggregate, attempts, last_attempt_at, last_error, next_try_at, delivered_at";

const PURGE_RECORDS: &str = "DELETE FROM idempotency WHERE (scope, key) IN \
     (SELECT scope, key FROM idempotency WHERE created_at < ?1 AND scope NOT LIKE 'done:%' LIMIT ?2)";
const PURGE_DONE: &str = "DELETE FROM idempotency WHERE (scope, key) IN \
     (SELECT scope, key FROM idempotency WHERE created_at < ?1 AND scope LIKE 'done:%' LIMIT ?2)";
const PURGE_CLAIMS: &str = "DELETE FROM idempotency_claims WHERE (scope, key) IN \
     (SELECT scope, key FROM idempotency_claims WHERE expires_at < ?1 LIMIT ?2)";
const PURGE_EVENTS: &str = "DELETE FROM outbox WHERE seq IN \
     (SELECT seq FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?1 LIMIT ?2)";
const PURGE_DELIVERIES: &str = "DELETE FROM deliveries WHERE (target, seq) IN \
     (SELECT target, seq FROM deliveries WHERE delivered_at IS NOT NULL AND delivered_at < ?1 LIMIT ?2)";

/// The error, next try and delivery time an attempt writes.
fn delivery_values(a: &DeliveryAttempt) -> (Option<String>, Option<i64>, Option<i64>) {
    match &a.outcome {
        DeliveryOutcome::Delivered => (None, None, Some(micros(a.at))),
        DeliveryOutcome::Failed { error, next_try_at } => {
            (Some(error.clone()), Some(micros(*next_try_at)), None)
        }
    }
}

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        target: r.get(0)?,
        seq: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
        kind: r.get(2)?,
        aggregate: r.get(3)?,
        attempts: to_u32(r.get(4)?),
        last_attempt_at: from_micros(r.get(5)?),
        last_error: r.get(6)?,
        next_try_at: r.get::<_, Option<i64>>(7)?.map(from_micros),
        delivered_at: r.get::<_, Option<i64>>(8)?.map(from_micros),
    })
}

/// A page of an owner's documents of one kind (`Storage::list` with an owner).
pub(crate) const LIST_BY_OWNER: &str = "SELECT d.id, d.version, d.body FROM doc_owners o \
     JOIN docs d ON d.kind = o.kind AND d.id = o.id \
     WHERE o.kind = ?1 AND o.owner = ?2 AND o.id > ?3 ORDER BY o.id LIMIT ?4";

/// Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'`.
fn like_pattern(text: &str) -> String {
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

#[cfg(test)]
mod snapshot_tests {
    use super::*;

    use crate::store::tests::db;

    #[test]
    fn a_snapshot_ends_its_transaction_whatever_its_reads_answer() {
        let c = db();
        let v = in_snapshot(&c, |c| {
            assert!(!c.is_autocommit(), "inside a transaction");
            catalog_version_in(c)
        });
        assert!(v.is_ok());
        assert!(c.is_autocommit(), "ended after success");
        let e = in_snapshot(&c, |c| {
            c.prepare_cached("SELECT nothing FROM nowhere")?;
            Ok(())
        });
        assert!(matches!(e, Err(Stop::Db(_))));
        assert!(c.is_autocommit(), "ended after a failure");
    }

    /// The opcodes SQLite compiles `sql`, with `n` parameters, to.
    fn opcodes(c: &Connection, sql: &str, n: usize) -> Vec<String> {
        let mut st = c.prepare(&format!("EXPLAIN {sql}")).expect("compiles");
        let nulls = std::iter::repeat_n(rusqlite::types::Null, n);
        st.query_map(params_from_iter(nulls), |r| r.get::<_, String>(1))
            .expect("explains")
            .collect::<Result<_, _>>()
            .expect("reads")
    }

    #[test]
    fn the_tagged_stock_statement_builds_no_temporary_table_for_a_cart() {
        let c = db();
        for n in 0..=EQ_ARMS + 1 {
            for promotions in [false, true] {
                let sql = stock_read_sql(n, promotions);
                assert_eq!(sql.matches('?').count(), n, "{sql}");
                assert_eq!(sql.ends_with("kind = 'promotion'"), promotions, "{sql}");
                let ops = opcodes(&c, &sql, n);
                let temporary = ops.iter().any(|o| o == "OpenEphemeral");
                assert_eq!(temporary, n > EQ_ARMS, "{n} variants: {ops:?}");
            }
        }
    }

    #[test]
    fn a_product_page_builds_no_temporary_table() {
        let c = db();
        let ops = opcodes(&c, PRODUCT_PAGE, 1);
        assert!(!ops.iter().any(|o| o == "OpenEphemeral"), "{ops:?}");
    }

    #[test]
    fn a_repeated_variant_is_read_once() {
        let v = |s: &str| VariantId::new(s).expect("id");
        let list = distinct_variants(&[v("var_b"), v("var_a"), v("var_b")]);
        assert_eq!(list, ["var_a", "var_b"]);
        let c = db();
        c.execute_batch(
            "INSERT INTO stock (variant, product, tracked, on_hand, reserved) \
             VALUES ('var_a', 'prd_a', 1, 5, 0), ('var_b', 'prd_b', 1, 3, 1)",
        )
        .expect("stock");
        let values: Vec<&str> = list.iter().map(String::as_str).collect();
        let mut rows = Vec::new();
        tagged(&c, &stock_read_sql(list.len(), false), &values, |tag, r| {
            if tag == "s" {
                rows.push(tagged_stock(r)?);
            }
            Ok(())
        })
        .unwrap_or_else(|_| panic!("reads"));
        let got: Vec<(String, u32)> = rows
            .iter()
            .map(|r| (r.variant.to_string(), r.on_hand - r.reserved))
            .collect();
        assert_eq!(got, [("var_a".to_owned(), 5), ("var_b".to_owned(), 2)]);
    }
}
