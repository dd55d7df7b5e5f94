//! The storage port implemented once for both databases.

/// Implements the storage port for one sqlx database.
macro_rules! sql_store {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl Storage for $store {
            async fn commit(&self, changes: Changeset) -> Result<CommitOutcome, StorageError> {
                // The commit metrics are recorded per transaction by each database's
                // `commit_changes` (SQLite: the writer's batch, after its wait in the queue).
                self.commit_changes(changes).await
            }

            async fn outbox_backlog(&self) -> Result<OutboxBacklog, StorageError> {
                // Both read the partial index `outbox_pending` (delivered_at IS NULL) only, the count
        // up to the cap (see `OutboxBacklog::SQL_CAP`).
                let row = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT $1) t), \
                     (SELECT created_at FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT 1)",
                )
                .bind(i64::from(OutboxBacklog::SQL_CAP) + 1)
                .fetch_one(&self.pool)
                .await
                .map_err(at("outbox_backlog"))?;
                let count: i64 = row.try_get(0).map_err(err)?;
                let oldest: Option<i64> = row.try_get(1).map_err(err)?;
                Ok(OutboxBacklog::capped(
                    u64::try_from(count).unwrap_or(0),
                    OutboxBacklog::SQL_CAP,
                    oldest.map(from_micros),
                ))
            }

            async fn schema_status(&self) -> Result<Option<SchemaStatus>, StorageError> {
                let rows = sqlx::query("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(at("schema_status"))?;
                let rows = rows
                    .iter()
                    .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<bool, _>(1)?, r.try_get::<Vec<u8>, _>(2)?)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()
                    .map_err(err)?;
                Ok(Some(crate::common::schema_status(&$store::MIGRATOR, rows)))
            }

            fn pool_status(&self) -> Option<PoolStatus> {
                Some(self.pool_now())
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
                            stock_counter(&r, 4, vid(id.clone())?)?,
                        ),
                        "p" => out.products.push(doc(DocKind::Product)?),
                        "v" => out.sellers.push(doc(DocKind::Seller)?),
                        _ => out.promotions.push(doc(DocKind::Promotion)?),
                    }
                }
                out.promotions.sort_by(|a, b| a.id.cmp(&b.id));
                Ok(out)
            }

            async fn product_page(&self, key: &str) -> Result<ProductPageRows, StorageError> {
                // One statement: the product holding the key, its stock counters, its seller
                // and its category (one round trip to the database, one snapshot).
                let rows = sqlx::query(
                    "SELECT 's' AS tag, s.variant AS id, 0 AS version, '' AS body, s.product AS product, s.tracked AS tracked, \
                     s.on_hand AS on_hand, s.reserved AS reserved FROM stock s \
                     WHERE s.product IN (SELECT k.id FROM doc_keys k WHERE k.kind = 'product' AND k.key = $1) \
                     UNION ALL SELECT 'p', d.id, d.version, d.body, '', 0, 0, 0 FROM doc_keys k \
                     JOIN docs d ON d.kind = k.kind AND d.id = k.id WHERE k.kind = 'product' AND k.key = $1 \
                     UNION ALL SELECT 'v', d.id, d.version, d.body, '', 0, 0, 0 FROM docs d WHERE d.kind = 'seller' \
                     AND d.id IN (SELECT p.seller FROM products p WHERE p.id IN \
                     (SELECT k.id FROM doc_keys k WHERE k.kind = 'product' AND k.key = $1)) \
                     UNION ALL SELECT 'c', d.id, d.version, d.body, '', 0, 0, 0 FROM docs d WHERE d.kind = 'category' \
                     AND d.id IN (SELECT p.category FROM products p WHERE p.id IN \
                     (SELECT k.id FROM doc_keys k WHERE k.kind = 'product' AND k.key = $1))",
                )
                .bind(key)
                .fetch_all(&self.pool)
                .await
                .map_err(at("product_page"))?;
                let mut out = ProductPageRows::default();
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
                            stock_counter(&r, 4, vid(id.clone())?)?,
                        ),
                        "p" => out.product = Some(doc(DocKind::Product)?),
                        "v" => out.seller = Some(doc(DocKind::Seller)?),
                        _ => out.category = Some(doc(DocKind::Category)?),
                    }
                }
                Ok(out)
            }

            async fn catalog_version(&self) -> Result<Option<u64>, StorageError> {
                let v: i64 = sqlx::query_scalar(crate::common::CATALOG_VERSION)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(at("catalog_version"))?;
                Ok(Some(u64::try_from(v).unwrap_or(0)))
            }

            fn incarnation(&self) -> Option<u64> {
                self.incarnation_now()
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
                if variants.len() > 300 {
                    let version = self.catalog_version().await?;
                    return Ok(CatalogStock::new(version, self.stock_levels(variants).await?));
                }
                // One statement: the version's row (an empty variant), then the counters.
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT '' AS variant, '' AS product, 0 AS tracked, 0 AS on_hand, 0 AS reserved, version \
                     FROM catalog_version WHERE id = 1 \
                     UNION ALL SELECT variant, product, tracked, on_hand, reserved, 0 FROM stock WHERE variant IN (",
                );
                let mut sep = q.separated(", ");
                for v in variants {
                    sep.push_bind(v.as_str().to_owned());
                }
                if variants.is_empty() {
                    q.push("NULL");
                }
                q.push(")");
                let mut version = None;
                let mut stock = Vec::with_capacity(variants.len());
                for r in q.build().fetch_all(&self.pool).await.map_err(at("catalog_stock"))? {
                    let variant: String = r.try_get(0).map_err(err)?;
                    if variant.is_empty() {
                        version = Some(u64::try_from(r.try_get::<i64, _>(5).map_err(err)?).unwrap_or(0));
                        continue;
                    }
                    stock.push(
                        stock_counter(&r, 1, vid(variant)?)?,
                    );
                }
                Ok(CatalogStock::new(version, stock))
            }

            async fn pricing_stock(&self, variants: &[VariantId]) -> Result<PricingStock, StorageError> {
                if variants.len() > 300 {
                    return compose_pricing_stock(self, variants).await;
                }
                // One statement: the version's row, the counters, then every promotion.
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT 'c' AS tag, '' AS id, '' AS product, 0 AS tracked, 0 AS on_hand, 0 AS reserved, version, '' AS body \
                     FROM catalog_version WHERE id = 1 \
                     UNION ALL SELECT 's', variant, product, tracked, on_hand, reserved, 0, '' FROM stock WHERE variant IN (",
                );
                let mut sep = q.separated(", ");
                for v in variants {
                    sep.push_bind(v.as_str().to_owned());
                }
                if variants.is_empty() {
                    q.push("NULL");
                }
                q.push(") UNION ALL SELECT 'r', id, '', 0, 0, 0, version, body FROM docs WHERE kind = 'promotion'");
                let mut version = None;
                let mut stock = Vec::with_capacity(variants.len());
                let mut promotions = Vec::new();
                for r in q.build().fetch_all(&self.pool).await.map_err(at("pricing_stock"))? {
                    let tag: String = r.try_get(0).map_err(err)?;
                    match tag.as_str() {
                        "c" => version = Some(u64::try_from(r.try_get::<i64, _>(6).map_err(err)?).unwrap_or(0)),
                        "s" => stock.push(
                            stock_counter(&r, 2, vid(r.try_get(1).map_err(err)?)?)?,
                        ),
                        _ => promotions.push(StoredDoc::new(
                            DocKind::Promotion,
                            r.try_get::<String, _>(1).map_err(err)?,
                            u64::try_from(r.try_get::<i64, _>(6).map_err(err)?).unwrap_or(0),
                            r.try_get::<String, _>(7).map_err(err)?,
                        )),
                    }
                }
                promotions.sort_by(|a, b| a.id.cmp(&b.id));
                Ok(PricingStock::new(version, stock, promotions))
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

            async fn get_at_catalog(&self, kind: DocKind, id: &str) -> Result<DocAtCatalog, StorageError> {
                let r = sqlx::query(crate::common::GET_AT_CATALOG)
                    .bind(kind.as_str())
                    .bind(id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(at("get_at_catalog"))?;
                let doc = match r.try_get::<Option<String>, _>(0).map_err(err)? {
                    Some(_) => Some(doc_row(kind, &r)?),
                    None => None,
                };
                let version = u64::try_from(r.try_get::<i64, _>(3).map_err(err)?).unwrap_or(0);
                Ok(DocAtCatalog::new(doc, Some(version)))
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
                    Some(o) => sqlx::query(crate::common::LIST_BY_OWNER)
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

            async fn list_by_owners(&self, kind: DocKind, owners: &[String], limit: u32) -> Result<Vec<Vec<StoredDoc>>, StorageError> {
                // Each owner's first page in one statement: the owners' rows numbered per owner
                // by id (the owners table alone), the first `limit` of each joined to their
                // documents. Owners in chunks of 300 keep the parameters few.
                let mut wanted: Vec<&str> = owners.iter().map(String::as_str).collect();
                wanted.sort_unstable();
                wanted.dedup();
                let limit = i64::from(limit.clamp(1, 1000));
                let mut found: std::collections::HashMap<String, Vec<StoredDoc>> = std::collections::HashMap::new();
                for chunk in wanted.chunks(300) {
                    let mut q = QueryBuilder::<$db>::new(
                        "SELECT d.id, d.version, d.body, w.owner FROM (SELECT kind, owner, id, \
                         ROW_NUMBER() OVER (PARTITION BY owner ORDER BY id) AS n FROM doc_owners WHERE kind = ",
                    );
                    q.push_bind(kind.as_str()).push(" AND owner IN (");
                    let mut sep = q.separated(", ");
                    for o in chunk {
                        sep.push_bind(*o);
                    }
                    q.push(")) w JOIN docs d ON d.kind = w.kind AND d.id = w.id WHERE w.n <= ")
                        .push_bind(limit)
                        .push(" ORDER BY w.owner, w.n");
                    for r in q.build().fetch_all(&self.pool).await.map_err(at("list_by_owners"))? {
                        let owner: String = r.try_get(3).map_err(err)?;
                        found.entry(owner).or_default().push(doc_row(kind, &r)?);
                    }
                }
                Ok(owners.iter().map(|o| found.get(o.as_str()).cloned().unwrap_or_default()).collect())
            }

            async fn count_by_owner(&self, kind: DocKind, owners: &[String]) -> Result<Vec<u64>, StorageError> {
                // One grouped count over the owners table's primary key (kind, owner, id): no
                // document is read. Owners in chunks keep the statement's parameters few.
                let mut wanted: Vec<&str> = owners.iter().map(String::as_str).collect();
                wanted.sort_unstable();
                wanted.dedup();
                let mut found: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
                for chunk in wanted.chunks(300) {
                    let mut q = QueryBuilder::<$db>::new("SELECT owner, COUNT(*) FROM doc_owners WHERE kind = ");
                    q.push_bind(kind.as_str()).push(" AND owner IN (");
                    let mut sep = q.separated(", ");
                    for o in chunk {
                        sep.push_bind(o.to_string());
                    }
                    q.push(") GROUP BY owner");
                    let rows = q.build().fetch_all(&self.pool).await.map_err(at("count_by_owner"))?;
                    for r in &rows {
                        let owner: String = r.try_get(0).map_err(err)?;
                        let n: i64 = r.try_get(1).map_err(err)?;
                        found.insert(owner, u64::try_from(n).unwrap_or(0));
                    }
                }
                Ok(owners.iter().map(|o| found.get(o).copied().unwrap_or(0)).collect())
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

            async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StorageError> {
                use tijara::ports::storage::{SearchSnapshot, SearchVersions};
                // The versions first: a snapshot is labelled with versions read before its
                // rows, so a change committed in between leaves it labelled older than what it
                // holds and the next search reads it again (never the reverse).
                let row = sqlx::query("SELECT version, availability FROM catalog_version WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(at("search"))?;
                let versions = SearchVersions::new(row.try_get(0).map_err(err)?, row.try_get(1).map_err(err)?);
                // A snapshot read at these versions or later ones will do: this search's
                // statements are separate anyway.
                let snap = match self.search.cache.get_since(versions) {
                    Some(s) => s,
                    None => {
                        // One search reads it; the others that found it outdated meanwhile
                        // wait, then take it (rather than each reading every product).
                        let _reading = self.search.reading.lock().await;
                        match self.search.cache.get_since(versions) {
                            Some(s) => s,
                            None => {
                                let s = match self.search.cache.patchable(versions) {
                                    // Only which variants can be bought changed: the kept
                                    // index with new flags, read after the versions.
                                    Some(kept) => {
                                        let in_stock: std::collections::HashSet<String> = sqlx::query_scalar::<_, String>(
                                            "SELECT DISTINCT product FROM stock WHERE tracked = 0 OR on_hand - reserved > 0",
                                        )
                                        .fetch_all(&self.pool)
                                        .await
                                        .map_err(at("search"))?
                                        .into_iter()
                                        .collect();
                                        kept.with_availability(versions, |id| in_stock.contains(id))
                                    }
                                    None => SearchSnapshot::new(
                                        versions,
                                        self.search_candidates().await?,
                                        sqlx::query_scalar::<_, String>("SELECT term FROM search_terms")
                                            .fetch_all(&self.pool)
                                            .await
                                            .map_err(at("search"))?,
                                    ),
                                };
                                let s = std::sync::Arc::new(s);
                                self.search.cache.offer(s.clone());
                                s
                            }
                        }
                    }
                };
                let sel = snap.select(query);
                // The documents are read after the versions: never older than they say, so
                // the page is labelled with the catalog version read first, and a caller
                // holding that version's products gets the ids alone.
                let catalog = u64::try_from(versions.catalog).unwrap_or(0);
                if query.held_at == Some(catalog) {
                    return Ok(SearchPage::of_ids(sel.ids, sel.total, sel.facets)
                        .with_words(sel.words)
                        .with_catalog_version(catalog));
                }
                let mut docs = if sel.ids.is_empty() {
                    Vec::new()
                } else {
                    self.get_many(DocKind::Product, &sel.ids).await?
                };
                let pos: std::collections::HashMap<&str, usize> =
                    sel.ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
                docs.sort_by_key(|d| pos.get(d.id.as_str()).copied().unwrap_or(usize::MAX));
                Ok(SearchPage::new(docs, sel.total, sel.facets)
                    .with_words(sel.words)
                    .with_catalog_version(catalog))
            }

            async fn search_index_outdated(&self, version: u32) -> Result<u64, StorageError> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT (SELECT count(*) FROM docs d LEFT JOIN products p ON p.id = d.id \
                     WHERE d.kind = 'product' AND (p.id IS NULL OR p.index_version <> $1)) \
                     + (SELECT count(*) FROM docs d LEFT JOIN search_categories c ON c.id = d.id \
                     WHERE d.kind = 'category' AND (c.id IS NULL OR c.index_version <> $1))",
                )
                .bind(i64::from(version))
                .fetch_one(&self.pool)
                .await
                .map_err(at("search_index_outdated"))?;
                Ok(u64::try_from(n).unwrap_or(0))
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
                            stock_counter(&r, 1, vid(r.try_get(0).map_err(err)?)?)?,
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

            async fn idempotency_many(&self, scope: &str, keys: &[String]) -> Result<Vec<Option<IdempotencyRecord>>, StorageError> {
                if keys.is_empty() {
                    return Ok(Vec::new());
                }
                let found = self.read_records(scope, keys).await.map_err(at("idempotency_many"))?;
                let found: std::collections::HashMap<&str, &IdempotencyRecord> =
                    found.iter().map(|r| (r.key.as_str(), r)).collect();
                Ok(keys.iter().map(|k| found.get(k.as_str()).map(|r| (*r).clone())).collect())
            }

            async fn insert_idempotency_records(&self, records: &[IdempotencyRecord]) -> Result<Vec<bool>, StorageError> {
                self.insert_records(records).await
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
                let pg = <$db as sqlx::Database>::NAME == "PostgreSQL";
                if !pg {
                    // SQLite: the rows its lists name, by primary key (no index by document).
                    for statement in crate::common::DELETE_LINKS_SQLITE {
                        sqlx::query(statement)
                            .bind(kind.as_str())
                            .bind(id)
                            .bind(i64::try_from(version).unwrap_or(i64::MAX))
                            .execute(&mut *tx)
                            .await
                            .map_err(at("delete_doc"))?;
                    }
                }
                let gone = sqlx::query("DELETE FROM docs WHERE kind = $1 AND id = $2 AND version = $3")
                    .bind(kind.as_str())
                    .bind(id)
                    .bind(i64::try_from(version).unwrap_or(i64::MAX))
                    .execute(&mut *tx)
                    .await
                    .map_err(at("delete_doc"))?
                    .rows_affected();
                if gone == 0 {
                    // Nothing was deleted above either (the lists are read at `version`).
                    return Ok(false);
                }
                if pg {
                    // PostgreSQL: by its indexes by document.
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
                }
                if kind == DocKind::Product {
                    sqlx::query("DELETE FROM products WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(at("delete_doc"))?;
                }
                if kind == DocKind::Category {
                    // Its products no longer carry its names.
                    for statement in [
                        "DELETE FROM search_categories WHERE id = $1",
                        "UPDATE products SET category_text = '' WHERE category = $1 AND category_text <> ''",
                    ] {
                        sqlx::query(statement)
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(at("delete_doc"))?;
                    }
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

            async fn record_delivery(&self, a: &DeliveryAttempt) -> Result<DeliveryRow, StorageError> {
                let (error, next, delivered) = match &a.outcome {
                    DeliveryOutcome::Delivered => (None, None, Some(micros(a.at))),
                    DeliveryOutcome::Failed { error, next_try_at } => {
                        (Some(error.clone()), Some(micros(*next_try_at)), None)
                    }
                };
                let row = sqlx::query(crate::common::RECORD_DELIVERY)
                    .bind(&a.target)
                    .bind(seq_i64(a.seq))
                    .bind(&a.kind)
                    .bind(&a.aggregate)
                    .bind(micros(a.at))
                    .bind(error)
                    .bind(next)
                    .bind(delivered)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(at("record_delivery"))?;
                delivery_row(&row)
            }

            async fn delivery(&self, target: &str, seq: u64) -> Result<Option<DeliveryRow>, StorageError> {
                let row = sqlx::query(
                    "SELECT target, seq, kind, aggregate, attempts, last_attempt_at, last_error, next_try_at, delivered_at \
                     FROM deliveries WHERE target = $1 AND seq = $2",
                )
                    .bind(target)
                    .bind(seq_i64(seq))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(at("delivery"))?;
                row.as_ref().map(delivery_row).transpose()
            }

            async fn deliveries(&self, targets: &[String], seq: u64) -> Result<Vec<Option<DeliveryRow>>, StorageError> {
                let mut found = std::collections::HashMap::with_capacity(targets.len());
                for chunk in targets.chunks(500) {
                    let mut q = QueryBuilder::<$db>::new(
                        "SELECT target, seq, kind, aggregate, attempts, last_attempt_at, last_error, next_try_at, delivered_at \
                         FROM deliveries WHERE seq = ",
                    );
                    q.push_bind(seq_i64(seq)).push(" AND target IN (");
                    let mut sep = q.separated(", ");
                    for t in chunk {
                        sep.push_bind(t);
                    }
                    q.push(")");
                    for r in q.build().fetch_all(&self.pool).await.map_err(at("deliveries"))? {
                        let row = delivery_row(&r)?;
                        found.insert(row.target.clone(), row);
                    }
                }
                Ok(targets.iter().map(|t| found.get(t).cloned()).collect())
            }

            async fn deliveries_among(&self, targets: &[String], seqs: &[u64]) -> Result<Vec<DeliveryRow>, StorageError> {
                let seqs: Vec<i64> = tijara::ports::storage::sorted_unique(seqs).into_iter().map(seq_i64).collect();
                let targets = tijara::ports::storage::sorted_unique(targets);
                let mut found = Vec::new();
                // One statement for a dispatcher's batch (a few targets, up to a few hundred
                // events); chunked so that no statement binds more than 500 values.
                for targets in targets.chunks(100) {
                    for seqs in seqs.chunks(400) {
                        let mut q = QueryBuilder::<$db>::new(
                            "SELECT target, seq, kind, aggregate, attempts, last_attempt_at, last_error, next_try_at, delivered_at \
                             FROM deliveries WHERE seq IN (",
                        );
                        let mut sep = q.separated(", ");
                        for s in seqs {
                            sep.push_bind(*s);
                        }
                        q.push(") AND target IN (");
                        let mut sep = q.separated(", ");
                        for t in targets {
                            sep.push_bind(t);
                        }
                        q.push(")");
                        for r in q.build().fetch_all(&self.pool).await.map_err(at("deliveries_among"))? {
                            found.push(delivery_row(&r)?);
                        }
                    }
                }
                found.sort_unstable_by(|a, b| (a.seq, &a.target).cmp(&(b.seq, &b.target)));
                Ok(found)
            }

            async fn failed_deliveries(&self, after: Option<(u64, String)>, limit: u32) -> Result<Vec<DeliveryRow>, StorageError> {
                let (seq, target) = match after {
                    Some((seq, target)) => (seq_i64(seq), target),
                    None => (-1, String::new()),
                };
                let rows = sqlx::query(
                    "SELECT target, seq, kind, aggregate, attempts, last_attempt_at, last_error, next_try_at, delivered_at \
                     FROM deliveries WHERE delivered_at IS NULL \
                     AND (seq > $1 OR (seq = $1 AND target > $2)) ORDER BY seq, target LIMIT $3",
                )
                    .bind(seq)
                    .bind(target)
                    .bind(i64::from(limit.clamp(1, 10_000)))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(at("failed_deliveries"))?;
                rows.iter().map(delivery_row).collect()
            }

            async fn retry_delivery(&self, target: &str, seq: u64, now: DateTime<Utc>) -> Result<bool, StorageError> {
                let n = sqlx::query(
                    "UPDATE deliveries SET next_try_at = $3 WHERE target = $1 AND seq = $2 AND delivered_at IS NULL",
                )
                .bind(target)
                .bind(seq_i64(seq))
                .bind(micros(now))
                .execute(&self.pool)
                .await
                .map_err(at("retry_delivery"))?
                .rows_affected();
                Ok(n == 1)
            }

            async fn purge(&self, c: &PurgeCutoffs) -> Result<PurgeReport, StorageError> {
                let limit = i64::from(c.limit.max(1));
                let cutoffs = [
                    c.idempotency_before,
                    c.idempotency_before,
                    c.done_before,
                    c.events_before,
                    c.events_before,
                ];
                let mut tx = self.pool.begin().await.map_err(at("purge"))?;
                let mut counts = [0u64; 5];
                for ((sql, before), n) in crate::common::PURGE.iter().zip(cutoffs).zip(counts.iter_mut()) {
                    *n = sqlx::query(*sql)
                        .bind(micros(before))
                        .bind(limit)
                        .execute(&mut *tx)
                        .await
                        .map_err(at("purge"))?
                        .rows_affected();
                }
                tx.commit().await.map_err(at("purge"))?;
                Ok(PurgeReport {
                    idempotency: counts[0] + counts[1],
                    done: counts[2],
                    events: counts[3],
                    deliveries: counts[4],
                    sessions: 0,
                })
            }
        }

        impl $store {
            /// Every active product's search fields (what a [`tijara::ports::storage::SearchSnapshot`]
            /// indexes), one statement.
            async fn search_candidates(&self) -> Result<Vec<tijara_core::search::Candidate>, StorageError> {
                let rows = sqlx::query(
                    "SELECT p.id, p.title_text, p.category_text, p.other_text, p.category, p.seller_city, \
                     p.seller_kind, p.min_price, CAST(CASE WHEN EXISTS (SELECT 1 FROM stock s WHERE s.product = p.id \
                     AND (s.tracked = 0 OR s.on_hand - s.reserved > 0)) THEN 1 ELSE 0 END AS BIGINT) \
                     FROM products p WHERE p.active = 1",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(at("search"))?;
                rows.iter()
                    .map(|r| {
                        Ok(tijara_core::search::Candidate {
                            id: r.try_get(0).map_err(err)?,
                            fields: tijara_core::search::Fields {
                                title: r.try_get(1).map_err(err)?,
                                category: r.try_get(2).map_err(err)?,
                                other: r.try_get(3).map_err(err)?,
                            },
                            category: r.try_get(4).map_err(err)?,
                            seller_city: r.try_get(5).map_err(err)?,
                            seller_kind: r.try_get(6).map_err(err)?,
                            min_price_minor: r.try_get(7).map_err(err)?,
                            in_stock: r.try_get::<i64, _>(8).map_err(err)? == 1,
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use sql_store;
