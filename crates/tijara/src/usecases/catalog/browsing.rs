//! Reading the catalog: products with their availability, listings and filters, what pricing
//! a cart needs.

use super::*;
use std::sync::Arc;

impl Tijara {
    // ---- browsing ------------------------------------------------------------------------

    pub(super) async fn views(
        &self,
        products: Vec<Product>,
    ) -> Result<Vec<ProductView>, TijaraError> {
        self.views_at(products, None, None).await
    }

    /// [`Tijara::views`] with what the caller already read: the stock counters of the
    /// products' variants (`stock`; else read now), and the catalog version the products were
    /// read at (`version`, when the engine caches the catalog: their sellers then come from the
    /// cache when it holds them all at that version, else are read and cached).
    pub(super) async fn views_at(
        &self,
        products: Vec<Product>,
        stock: Option<Vec<StockRow>>,
        version: Option<u64>,
    ) -> Result<Vec<ProductView>, TijaraError> {
        let (views, _) = self
            .views_and_sellers(products, stock, version, &[])
            .await?;
        Ok(views)
    }

    /// [`Tijara::views_at`], and the sellers: the products' and those `named` besides, read
    /// with them (from the cache when it holds them all at `version`), by id; a seller that
    /// does not exist is left out.
    async fn views_and_sellers(
        &self,
        products: Vec<Product>,
        stock: Option<Vec<StockRow>>,
        version: Option<u64>,
        named: &[SellerId],
    ) -> Result<(Vec<ProductView>, HashMap<String, Arc<Seller>>), TijaraError> {
        let stock = match stock {
            Some(rows) => rows,
            None if products.is_empty() => Vec::new(),
            None => {
                let variant_ids: Vec<VariantId> = products
                    .iter()
                    .flat_map(|p| p.variants.iter().map(|v| v.id.clone()))
                    .collect();
                self.inner.storage.stock_levels(&variant_ids).await?
            }
        };
        let stock = stock_map(stock);
        let sellers = self
            .sellers_by_id(products.iter().map(|p| &p.seller_id).chain(named), version)
            .await?;
        let views = products
            .into_iter()
            .map(|p| {
                let seller = sellers.get(p.seller_id.as_str()).map(|s| &**s);
                view_of(p, &stock, seller)
            })
            .collect();
        Ok((views, sellers))
    }
}

impl Tijara {
    /// The sellers `ids` (any order, repeats allowed: a list of products' sellers and others
    /// named) by id: from the catalog cache when it holds them all at `version`, else read and
    /// put in the cache labelled `version` (read after it: never older than it says). A seller
    /// that does not exist is left out.
    async fn sellers_by_id<'a>(
        &self,
        ids: impl Iterator<Item = &'a SellerId>,
        version: Option<u64>,
    ) -> Result<HashMap<String, Arc<Seller>>, TijaraError> {
        let mut seller_ids: Vec<String> = ids.map(SellerId::to_string).collect();
        seller_ids.sort_unstable();
        seller_ids.dedup();
        let held = version.and_then(|v| self.inner.catalog.sellers_at(v, &seller_ids));
        Ok(match held {
            Some(held) => seller_ids.into_iter().zip(held).collect(),
            None if seller_ids.is_empty() => HashMap::new(),
            None => {
                let read = self
                    .inner
                    .storage
                    .get_many(DocKind::Seller, &seller_ids)
                    .await?
                    .into_iter()
                    .map(|d| decode::<Seller>(DocKind::Seller, &d.id, &d.body))
                    .collect::<Result<Vec<Seller>, TijaraError>>()?;
                if let Some(v) = version {
                    self.inner.catalog.put_snapshot(v, &[], &read);
                }
                read.into_iter()
                    .map(|s| (s.id.to_string(), Arc::new(s)))
                    .collect()
            }
        })
    }

    /// The products of these ids (sorted, each once) read from storage, by id, put in the
    /// catalog cache labelled `version` (the catalog's version read before them, if the cache
    /// is in use); none read when no id is given.
    async fn products_read(
        &self,
        keys: Vec<&str>,
        version: Option<u64>,
    ) -> Result<Vec<Product>, TijaraError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = keys.into_iter().map(str::to_owned).collect();
        let mut products: Vec<Product> = self
            .inner
            .storage
            .get_many(DocKind::Product, &keys)
            .await?
            .iter()
            .map(|d| decode(DocKind::Product, &d.id, &d.body))
            .collect::<Result<_, _>>()?;
        products.sort_unstable_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        if let Some(v) = version {
            self.inner.catalog.put_snapshot(v, &products, &[]);
        }
        Ok(products)
    }
}

/// The products' ids as text, sorted, each once: the keys of a read of several products.
fn distinct_keys(ids: &[ProductId]) -> Vec<&str> {
    let mut keys: Vec<&str> = ids.iter().map(ProductId::as_str).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Sellers by id ([`Tijara::sellers_by_id`]) as a list sorted by id.
fn sorted_by_id(by_id: HashMap<String, Arc<Seller>>) -> Vec<Arc<Seller>> {
    let mut sellers: Vec<(String, Arc<Seller>)> = by_id.into_iter().collect();
    sellers.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    sellers.into_iter().map(|(_, s)| s).collect()
}

/// A product as shoppers see it: its active variants with their availability (from `stock`),
/// its seller's name and city, its photos on the shop only.
fn view_of(
    p: Product,
    stock: &HashMap<VariantId, StockRow>,
    seller: Option<&Seller>,
) -> ProductView {
    let variants = p
        .variants
        .iter()
        .filter(|v| v.active)
        .map(|v| VariantView {
            variant: v.clone(),
            availability: Availability::of(
                v.stock_policy,
                stock.get(&v.id).map_or(0, StockRow::available),
            ),
        })
        .collect();
    // Only photos on the shop are shown (remote ones saved before the rule are not).
    let mut p = p;
    p.photos
        .retain(|ph| tijara_core::catalog::is_local_media_path(&ph.url));
    ProductView {
        seller_name: seller.map(|s| s.name.clone()).unwrap_or_default(),
        seller_city: seller.map(|s| s.home_city.clone()).unwrap_or_default(),
        variants,
        product: p,
    }
}

/// The product page's 404: not on sale, as if it did not exist.
fn gone(slug: &str) -> TijaraError {
    TijaraError::NotFound {
        kind: DocKind::Product,
        id: slug.to_owned(),
    }
}

/// A product page from its documents and stock counters: [`gone`] unless the product, one of
/// its variants and its seller are active.
fn page_of(
    slug: &str,
    product: Product,
    seller: Seller,
    category: Option<Category>,
    stock: Vec<StockRow>,
) -> Result<ProductPage, TijaraError> {
    let stock: HashMap<VariantId, StockRow> =
        stock.into_iter().map(|r| (r.variant.clone(), r)).collect();
    let view = view_of(product, &stock, Some(&seller));
    if !view.product.active || view.variants.is_empty() || !seller.active {
        return Err(gone(slug));
    }
    Ok(ProductPage {
        view,
        seller,
        category,
    })
}

impl Catalog<'_> {
    /// A product with its availability, active or not (back offices, messages, invoices).
    ///
    /// One storage read when the engine's catalog cache holds the product and its seller
    /// ([`Storage::catalog_stock`]: the catalog's version with the stock counters), as
    /// [`Catalog::products`].
    ///
    /// [`Storage::catalog_stock`]: crate::ports::storage::Storage::catalog_stock
    pub async fn product(self, id: &ProductId) -> Result<ProductView, TijaraError> {
        self.products(std::slice::from_ref(id))
            .await?
            .pop()
            .ok_or_else(|| TijaraError::NotFound {
                kind: DocKind::Product,
                id: id.to_string(),
            })
    }

    /// Several products with their availability, active or not (a cart page, an invoice, an
    /// order's messages), sorted by id, each once; unknown ids are left out.
    ///
    /// When the engine's catalog cache holds them all and their sellers, one storage read:
    /// the catalog's version with the stock counters ([`Storage::catalog_stock`]), the
    /// documents from the cache if that version is the one they were read at. Otherwise,
    /// after the catalog's version (from that read, or read first), three reads whatever
    /// their number (the products, the counters, the sellers), and what they read fills the
    /// cache.
    ///
    /// [`Storage::catalog_stock`]: crate::ports::storage::Storage::catalog_stock
    pub async fn products(self, ids: &[ProductId]) -> Result<Vec<ProductView>, TijaraError> {
        Ok(self.products_with_sellers(ids, &[]).await?.0)
    }

    /// [`Catalog::products`], and the sellers of these products and those `sellers` name
    /// besides, read at the same catalog version with no other storage call when the cache
    /// holds them all (an order's messages name its products and its sellers; a seller
    /// without a product among `ids` costs one read more when not held). A seller that does
    /// not exist is left out.
    pub async fn products_and_sellers(
        self,
        ids: &[ProductId],
        sellers: &[SellerId],
    ) -> Result<ProductsAndSellers, TijaraError> {
        let (products, sellers) = self.products_with_sellers(ids, sellers).await?;
        Ok(ProductsAndSellers {
            products,
            sellers: sorted_by_id(sellers),
        })
    }

    /// The products `ids` and the sellers to name them by (an order's messages name its items
    /// and its sellers): the documents, active or not, without their stock, each once, sorted
    /// by id; unknown products and sellers are left out. What [`Catalog::products_and_sellers`]
    /// answers without the availability, so without reading the stock.
    ///
    /// The catalog's version is read first ([`Storage::catalog_version`]): the products come
    /// from the engine's catalog cache if it holds them all read at that version, and the
    /// sellers if it holds them all at that version; otherwise the products, or all the
    /// sellers, are read after it and fill the cache. So none is older than that version, and
    /// once the cache holds them, that version is the only storage read.
    ///
    /// [`Storage::catalog_version`]: crate::ports::storage::Storage::catalog_version
    pub async fn documents_and_sellers(
        self,
        ids: &[ProductId],
        sellers: &[SellerId],
    ) -> Result<DocumentsAndSellers, TijaraError> {
        let e = self.engine;
        let keys = distinct_keys(ids);
        if keys.is_empty() && sellers.is_empty() {
            return Ok(DocumentsAndSellers {
                products: Vec::new(),
                sellers: Vec::new(),
            });
        }
        let caching = e.caches_catalog().await?;
        // The version read before any document: none is older than it says.
        let version = if caching {
            e.inner.storage.catalog_version().await?
        } else {
            None
        };
        let held = match version {
            Some(v) if !keys.is_empty() => e
                .inner
                .catalog
                .products_held(&keys)
                .filter(|(held_at, _)| *held_at == v)
                .map(|(_, held)| held),
            _ => None,
        };
        let products: Vec<Arc<Product>> = match held {
            Some(held) => held,
            None => e
                .products_read(keys, version)
                .await?
                .into_iter()
                .map(Arc::new)
                .collect(),
        };
        let by_id = e
            .sellers_by_id(
                products.iter().map(|p| &p.seller_id).chain(sellers),
                version,
            )
            .await?;
        Ok(DocumentsAndSellers {
            products,
            sellers: sorted_by_id(by_id),
        })
    }

    /// [`Catalog::products_and_sellers`], its sellers by id.
    async fn products_with_sellers(
        self,
        ids: &[ProductId],
        sellers: &[SellerId],
    ) -> Result<(Vec<ProductView>, HashMap<String, Arc<Seller>>), TijaraError> {
        let e = self.engine;
        let keys = distinct_keys(ids);
        if keys.is_empty() && sellers.is_empty() {
            return Ok((Vec::new(), HashMap::new()));
        }
        let caching = e.caches_catalog().await?;
        let held = if caching && !keys.is_empty() {
            e.inner.catalog.products_held(&keys)
        } else {
            None
        };
        // The version read before the documents: they are never older than it says.
        let (products, stock, version) = match held {
            Some((held_at, held)) => {
                let variants: Vec<VariantId> = held
                    .iter()
                    .flat_map(|p| p.variants.iter().map(|v| v.id.clone()))
                    .collect();
                let rows = e.inner.storage.catalog_stock(&variants).await?;
                if rows.version == Some(held_at) {
                    // The sellers from the cache too when it still holds them all at `held_at`.
                    let products = held.iter().map(|p| (**p).clone()).collect();
                    (products, Some(rows.stock), Some(held_at))
                } else {
                    // Out of date: the newer version just read labels what is read next.
                    (
                        e.products_read(keys, rows.version).await?,
                        None,
                        rows.version,
                    )
                }
            }
            None => {
                let version = if caching {
                    e.inner.storage.catalog_version().await?
                } else {
                    None
                };
                (e.products_read(keys, version).await?, None, version)
            }
        };
        e.views_and_sellers(products, stock, version, sellers).await
    }

    /// The products of some ids to name and show (an order's lines on a page or in a
    /// message: `lines.map(|l| &l.product_id)`): as [`Catalog::products`], but never an
    /// error. When one record does not decode ([`TijaraError::Corrupt`]) each product is read
    /// alone, so that it costs only its own line; on any other failure (the storage
    /// unavailable) none is read again. What cannot be read is left out (and logged), and the
    /// caller shows the line's SKU.
    pub async fn products_to_show<'a>(
        self,
        ids: impl IntoIterator<Item = &'a ProductId>,
    ) -> Vec<ProductView> {
        let e = self.engine;
        let ids: Vec<ProductId> = ids.into_iter().cloned().collect();
        let ids = &ids[..];
        match e.catalog().products(ids).await {
            Ok(views) => views,
            Err(err) if !matches!(err, TijaraError::Corrupt { .. }) => {
                tracing::warn!(target: "catalog", error = %err, "products not read");
                Vec::new()
            }
            Err(err) => {
                tracing::warn!(target: "catalog", error = %err, "products not read together; reading each alone");
                let mut ids: Vec<&ProductId> = ids.iter().collect();
                ids.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
                ids.dedup();
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    match e.catalog().product(id).await {
                        Ok(view) => out.push(view),
                        Err(TijaraError::NotFound { .. }) => {}
                        Err(err) => {
                            tracing::warn!(target: "catalog", product = %id, error = %err, "product not read");
                        }
                    }
                }
                out
            }
        }
    }

    /// The product that has a variant with this SKU, if any.
    pub async fn product_by_sku(self, sku: &str) -> Result<Option<Product>, TijaraError> {
        let e = self.engine;
        Ok(
            e.load_by_key::<Product>(DocKind::Product, &format!("sku:{sku}"))
                .await?
                .map(|(_, l)| l.value),
        )
    }

    /// A product on sale, by its slug: [`TijaraError::NotFound`] for an inactive product, one
    /// without an active variant, or one whose seller is not active (not approved yet, or
    /// suspended), as if it did not exist. Back offices use [`Catalog::product_by_slug_any`].
    pub async fn product_by_slug(self, slug: &str) -> Result<ProductView, TijaraError> {
        Ok(self.product_page(slug).await?.view)
    }

    /// What a product's page shows: the product on sale by its slug with its availability,
    /// its seller and its category. The same [`TijaraError::NotFound`] as
    /// [`Catalog::product_by_slug`] for a product not on sale.
    ///
    /// One storage read when the engine's catalog cache holds the documents
    /// ([`Storage::catalog_stock`]: the catalog's version and the live stock counters); else
    /// the catalog's version and [`Storage::product_page`], whose documents fill the cache.
    ///
    /// [`Storage::product_page`]: crate::ports::storage::Storage::product_page
    /// [`Storage::catalog_stock`]: crate::ports::storage::Storage::catalog_stock
    pub async fn product_page(self, slug: &str) -> Result<ProductPage, TijaraError> {
        let e = self.engine;
        let key = format!("slug:{slug}");
        let caching = e.caches_catalog().await?;
        // From the cache: one storage call, the catalog's version with the stock counters.
        if caching && let Some(hit) = e.inner.catalog.page(&key) {
            let variants: Vec<VariantId> =
                hit.product.variants.iter().map(|v| v.id.clone()).collect();
            let rows = e.inner.storage.catalog_stock(&variants).await?;
            if rows.version == Some(hit.version) && e.inner.catalog.current(hit.version) {
                return page_of(
                    slug,
                    (*hit.product).clone(),
                    (*hit.seller).clone(),
                    hit.category.map(|c| (*c).clone()),
                    rows.stock,
                );
            }
        }
        // The version first: documents stored under it are never newer than it says.
        let version = if caching {
            e.inner.storage.catalog_version().await?
        } else {
            None
        };
        let rows = e.inner.storage.product_page(&key).await?;
        let Some(doc) = rows.product else {
            return Err(gone(slug));
        };
        let product: Product = decode(DocKind::Product, &doc.id, &doc.body)?;
        let seller: Seller = match rows.seller {
            Some(d) => decode(DocKind::Seller, &d.id, &d.body)?,
            None => return Err(gone(slug)),
        };
        let category: Option<Category> = rows
            .category
            .map(|d| decode(DocKind::Category, &d.id, &d.body))
            .transpose()?;
        if let Some(v) = version {
            e.inner
                .catalog
                .put_page(v, &key, &product, &seller, category.as_ref());
        }
        page_of(slug, product, seller, category, rows.stock)
    }

    /// A product by its slug, on sale or not (seller portals, administration).
    pub async fn product_by_slug_any(self, slug: &str) -> Result<ProductView, TijaraError> {
        let e = self.engine;
        let (_, p) = e
            .load_by_key::<Product>(DocKind::Product, &format!("slug:{slug}"))
            .await?
            .ok_or_else(|| TijaraError::NotFound {
                kind: DocKind::Product,
                id: slug.to_owned(),
            })?;
        e.views(vec![p.value])
            .await?
            .pop()
            .ok_or_else(|| TijaraError::NotFound {
                kind: DocKind::Product,
                id: slug.to_owned(),
            })
    }

    /// Products matching a filter, by id (stable pages: pass `next` back as `after`).
    pub async fn list_products(
        self,
        filter: &ProductFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<ProductView>, TijaraError> {
        let e = self.engine;
        let limit = limit.clamp(1, MAX_PAGE);
        let query = product_query(filter, after, limit)?;
        let docs = e.inner.storage.search_products(&query).await?;
        let page: Page<Product> = Page::decode(DocKind::Product, &docs, limit)?;
        Ok(Page {
            items: e.views(page.items).await?,
            next: page.next,
        })
    }
}

impl Tijara {
    /// The sellers, products and stock of some variants (what pricing a cart needs), in one
    /// storage call: [`Storage::catalog_stock`] (the catalog's version and the counters, one
    /// statement) when the catalog cache holds the documents at that version, else
    /// [`Storage::checkout_snapshot`] (one statement on the SQL adapters, its promotions left
    /// unread), whose documents then fill the cache. A cart change reads this, and so do a
    /// shipping choice and a quote when the cache does not hold their documents.
    ///
    /// [`Storage::checkout_snapshot`]: crate::ports::storage::Storage::checkout_snapshot
    /// [`Storage::catalog_stock`]: crate::ports::storage::Storage::catalog_stock
    pub(crate) async fn snapshot_for(
        &self,
        variants: &[VariantId],
    ) -> Result<(CatalogSnapshot, HashMap<VariantId, StockRow>), TijaraError> {
        let mut version = None;
        if self.caches_catalog().await? {
            // The version with the counters; the documents from the cache when it holds them
            // at that version.
            let rows = self.inner.storage.catalog_stock(variants).await?;
            if let Some(v) = rows.version
                && let Some((products, sellers)) = self.inner.catalog.snapshot(v, &rows.stock)
            {
                return Ok((
                    CatalogSnapshot::from_shared(sellers, products)?,
                    stock_map(rows.stock),
                ));
            }
            version = rows.version;
        }
        self.snapshot_from_storage(variants, version).await
    }

    /// The sellers, products and stock of some variants read from storage
    /// ([`Storage::checkout_snapshot`]), their documents put in the catalog cache labelled
    /// `version` (the catalog's version read before them, if the cache is in use).
    ///
    /// [`Storage::checkout_snapshot`]: crate::ports::storage::Storage::checkout_snapshot
    pub(crate) async fn snapshot_from_storage(
        &self,
        variants: &[VariantId],
        version: Option<u64>,
    ) -> Result<(CatalogSnapshot, HashMap<VariantId, StockRow>), TijaraError> {
        let rows = self.inner.storage.checkout_snapshot(variants).await?;
        let products: Vec<Product> = rows
            .products
            .iter()
            .map(|d| decode(DocKind::Product, &d.id, &d.body))
            .collect::<Result<_, _>>()?;
        let sellers: Vec<Seller> = rows
            .sellers
            .iter()
            .map(|d| decode(DocKind::Seller, &d.id, &d.body))
            .collect::<Result<_, _>>()?;
        if let Some(v) = version {
            self.inner.catalog.put_snapshot(v, &products, &sellers);
        }
        let snapshot = CatalogSnapshot::new(sellers, products)?;
        Ok((snapshot, stock_map(rows.stock)))
    }

    /// The sellers and products of some variants for a cart write that holds to the catalog's
    /// version: from the catalog cache with no storage call when it holds them all and the
    /// storage checks the version at commit ([`Storage::commits_at_catalog_version`]), with
    /// the version to put in the changeset ([`Changeset::catalog_at`]); else from
    /// [`Tijara::snapshot_for`], with none. A commit refused at that version
    /// ([`StorageError::CatalogChanged`]) empties the cache, and the step runs again through
    /// [`Tijara::snapshot_for`] (the version read from storage), as does a step refused on the
    /// held catalog (`Tijara::mutate_carts`, through `reads`). A cart's shipping choice reads
    /// this.
    ///
    /// [`Storage::commits_at_catalog_version`]: crate::ports::storage::Storage::commits_at_catalog_version
    /// [`Changeset::catalog_at`]: crate::ports::storage::Changeset::catalog_at
    /// [`StorageError::CatalogChanged`]: crate::ports::storage::StorageError::CatalogChanged
    pub(crate) async fn snapshot_to_commit(
        &self,
        variants: &[VariantId],
        reads: &crate::engine::CartReads,
    ) -> Result<(CatalogSnapshot, Option<u64>), TijaraError> {
        if let Some((catalog, version)) = self.held_to_commit(variants, reads).await? {
            return Ok((catalog, Some(version)));
        }
        let (catalog, _) = self.snapshot_for(variants).await?;
        Ok((catalog, None))
    }

    /// The first half of [`Tijara::snapshot_to_commit`]: the sellers and products of some
    /// variants as the catalog cache holds them, with their version, when a run may take them
    /// so (recorded in `reads`); `None` otherwise, with no storage call beyond asking once
    /// whether the storage keeps a catalog version. A cart's add takes this, and checks its
    /// stock at commit ([`Changeset::stock_at_least`]) when the storage does.
    ///
    /// [`Changeset::stock_at_least`]: crate::ports::storage::Changeset::stock_at_least
    pub(crate) async fn held_to_commit(
        &self,
        variants: &[VariantId],
        reads: &crate::engine::CartReads,
    ) -> Result<Option<(CatalogSnapshot, u64)>, TijaraError> {
        if reads.may_hold_catalog()
            && self.inner.storage.commits_at_catalog_version()
            && self.caches_catalog().await?
            && let Some((version, (products, sellers))) = self.inner.catalog.snapshot_held(variants)
        {
            reads.took_held_catalog();
            return Ok(Some((
                CatalogSnapshot::from_shared(sellers, products)?,
                version,
            )));
        }
        Ok(None)
    }

    /// Whether the catalog cache is in use: the storage keeps a catalog version (asked once).
    pub(crate) async fn caches_catalog(&self) -> Result<bool, TijaraError> {
        if let Some(yes) = self.inner.catalog.versioned() {
            return Ok(yes);
        }
        let yes = self.inner.storage.catalog_version().await?.is_some();
        self.inner.catalog.set_versioned(yes);
        Ok(yes)
    }
}

/// Stock counters by variant.
fn stock_map(rows: Vec<StockRow>) -> HashMap<VariantId, StockRow> {
    rows.into_iter().map(|r| (r.variant.clone(), r)).collect()
}

/// The storage query of `filter`, from `after`, `limit` items at most (already clamped).
fn product_query(
    filter: &ProductFilter,
    after: Option<&str>,
    limit: u32,
) -> Result<ProductQuery, TijaraError> {
    let minor = |m: &Option<Money>| m.map(|m| m.to_minor().unwrap_or(i64::MAX));
    let text = match &filter.text {
        Some(t) if t.chars().count() > 200 => {
            return Err(TijaraError::InvalidField {
                field: "text",
                rule: "must be at most 200 characters".into(),
            });
        }
        Some(t) => Some(search_key(t)).filter(|t| !t.is_empty()),
        None => None,
    };
    Ok(ProductQuery {
        active_only: !filter.include_inactive,
        category: filter.category.as_ref().map(ToString::to_string),
        seller: filter.seller.as_ref().map(ToString::to_string),
        min_price_minor: minor(&filter.min_price),
        max_price_minor: minor(&filter.max_price),
        in_stock: filter.in_stock,
        text,
        after: after.map(str::to_owned),
        limit,
    })
}

/// How many matching products a numbered listing reads at most to count its pages: beyond
/// it, the listing counts [`MAX_NUMBERED`] products and serves pages up to there.
pub const MAX_NUMBERED: u64 = 10_000;

impl Catalog<'_> {
    /// Page `page` (from 1) of the products matching `filter`, `per_page` at a time (at most
    /// [`MAX_PAGE`]), with the number of pages: for listings numbered 1, 2, 3… rather than
    /// walked with a cursor ([`Catalog::list_products`]).
    ///
    /// It reads the matching products' records in id order up to the page asked for and
    /// counts the rest (at most [`MAX_NUMBERED`]): fine for a marketplace's catalog of a few
    /// thousand products; a page past the last one is empty, with `pages` telling the last.
    ///
    /// ```no_run
    /// # async fn f(engine: &tijara::Tijara) -> Result<(), tijara::TijaraError> {
    /// use tijara::usecases::catalog::ProductFilter;
    ///
    /// let page = engine.catalog().list_products_numbered(&ProductFilter::default(), 2, 24).await?;
    /// println!("page {} of {} ({} products)", page.page, page.pages, page.total);
    /// # Ok(()) }
    /// ```
    pub async fn list_products_numbered(
        self,
        filter: &ProductFilter,
        page: u32,
        per_page: u32,
    ) -> Result<NumberedPage<ProductView>, TijaraError> {
        let e = self.engine;
        let per_page = per_page.clamp(1, MAX_PAGE);
        let page = page.max(1);
        let skip = u64::from(page - 1) * u64::from(per_page);
        let mut after: Option<String> = None;
        let mut total = 0u64;
        let mut wanted = Vec::new();
        loop {
            let query = product_query(filter, after.as_deref(), MAX_PAGE)?;
            let docs = e.inner.storage.search_products(&query).await?;
            let chunk: Page<Product> = Page::decode(DocKind::Product, &docs, MAX_PAGE)?;
            for p in chunk.items {
                if total >= skip && wanted.len() < per_page as usize {
                    wanted.push(p);
                }
                total += 1;
            }
            match chunk.next {
                Some(next) if total < MAX_NUMBERED => after = Some(next),
                _ => break,
            }
        }
        let pages = total.div_ceil(u64::from(per_page)).max(1);
        Ok(NumberedPage {
            items: e.views(wanted).await?,
            page,
            pages: u32::try_from(pages).unwrap_or(u32::MAX),
            total,
        })
    }
}
