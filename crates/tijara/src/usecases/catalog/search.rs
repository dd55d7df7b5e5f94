//! Product search for shoppers: words in any of the region's languages and spellings, with
//! typos, filters, facets, sorts and numbered pages (issue 16). The storage finds and ranks
//! ([`Storage::search`](crate::ports::storage::Storage::search)); this reads the page's
//! products with their availability and, when nothing matches every word, asks again for
//! products matching some of them.

use super::*;
use crate::ports::storage::{SearchPage, SearchQuery, StorageError, StoredDoc};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tijara_core::Lang;
use tijara_core::search::{Facets, INDEX_VERSION, Lexicon, SearchFilters, SearchSort, plan};

/// The most results a search page shows.
pub const MAX_SEARCH_PAGE: u32 = 48;

/// A shopper's search: words (may be empty: every product), filters, order, page.
///
/// ```
/// use tijara::usecases::catalog::SearchRequest;
/// use tijara_core::search::SearchSort;
///
/// let req = SearchRequest::new("tapis chameau").with_sort(SearchSort::PriceAsc).with_page(2, 24);
/// assert_eq!(req.page, 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SearchRequest {
    /// What the shopper typed (anything: at most the first 500 characters are read).
    pub text: String,
    /// Filters.
    pub filters: SearchFilters,
    /// Order.
    pub sort: SearchSort,
    /// Page number, from 1.
    pub page: u32,
    /// Results per page (1 to [`MAX_SEARCH_PAGE`]).
    pub per_page: u32,
    /// The language of the page the results are shown on: "did you mean" prefers its words
    /// ([`Lexicon::suggest`]). `None`: the region's default language.
    #[serde(default)]
    pub lang: Option<Lang>,
}

impl SearchRequest {
    /// A search for `text`, first page of 24, by relevance, without filters.
    pub fn new(text: impl Into<String>) -> Self {
        SearchRequest {
            text: text.into(),
            filters: SearchFilters::default(),
            sort: SearchSort::Relevance,
            page: 1,
            per_page: 24,
            lang: None,
        }
    }

    /// Shown on a page in `lang` (what "did you mean" prefers).
    #[must_use]
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = Some(lang);
        self
    }

    /// With these filters.
    #[must_use]
    pub fn with_filters(mut self, filters: SearchFilters) -> Self {
        self.filters = filters;
        self
    }

    /// In this order.
    #[must_use]
    pub fn with_sort(mut self, sort: SearchSort) -> Self {
        self.sort = sort;
        self
    }

    /// Page `page` (from 1) of `per_page` results.
    #[must_use]
    pub fn with_page(mut self, page: u32, per_page: u32) -> Self {
        self.page = page;
        self.per_page = per_page;
        self
    }
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchResults {
    /// The page's products with their availability, in order.
    pub items: Vec<ProductView>,
    /// This page's number, from 1.
    pub page: u32,
    /// The number of pages (at least 1).
    pub pages: u32,
    /// How many products match.
    pub total: u64,
    /// Counts per category, city, seller kind, price range, in stock.
    pub facets: Facets,
    /// No product matched every word: these match some of them.
    pub relaxed: bool,
    /// The query with each word the shopper probably mistyped replaced by the nearest word
    /// the marketplace knows (a category's name, a synonym, or the word the results hold),
    /// preferring the page's language and never changing a word's script; `None` when every
    /// word was found as typed or is known (see [`Lexicon::suggest`]). Given with results too
    /// (they were found through a typo) and when nothing matched.
    pub did_you_mean: Option<String>,
}

impl Catalog<'_> {
    /// Searches the products on sale: the words of `req.text` in titles, category names,
    /// descriptions, materials, sellers and artisans, with the region's synonyms, prefixes and
    /// typos (one edit from 4 letters, two from 8); every word must match, and when no product
    /// has them all, products with some of them are shown ([`SearchResults::relaxed`]).
    ///
    /// ```no_run
    /// # async fn f(engine: &tijara::Tijara) -> Result<(), tijara::TijaraError> {
    /// use tijara::usecases::catalog::SearchRequest;
    ///
    /// let found = engine.catalog().search(&SearchRequest::new("khayma")).await?;
    /// println!("{} results", found.total);
    /// # Ok(()) }
    /// ```
    pub async fn search(self, req: &SearchRequest) -> Result<SearchResults, TijaraError> {
        let e = self.engine;
        // The first search of an engine that was not told to check the index at start (the
        // searches running meanwhile do not wait for it).
        if !e.inner.search_index_checked.swap(true, Ordering::AcqRel)
            && let Err(err) = self.ensure_search_index().await
        {
            tracing::warn!(target: "search", error = %err, "the search index could not be checked; searching it as it is");
        }
        let per_page = req.per_page.clamp(1, MAX_SEARCH_PAGE);
        let page = req.page.max(1);
        let synonyms = &e.inner.synonyms;
        let mut query = SearchQuery {
            plan: plan(&req.text, synonyms),
            match_all: true,
            filters: req.filters.clone(),
            sort: req.sort,
            offset: u64::from(page - 1) * u64::from(per_page),
            limit: per_page,
            held_at: if e.caches_catalog().await? {
                e.inner.catalog.held_version()
            } else {
                None
            },
        };
        let mut found = e.inner.storage.search(&query).await?;
        let mut relaxed = false;
        if found.total == 0 && query.plan.words.len() > 1 {
            query.match_all = false;
            found = e.inner.storage.search(&query).await?;
            relaxed = found.total > 0;
        }
        // Suggestions only when a word may be mistyped: nothing found, or a word found
        // otherwise than as typed.
        // The catalog version the page was read at, when the engine caches the catalog: the
        // products, sellers and lexicon it holds decoded at that version serve this page.
        let version = match found.catalog_version {
            Some(v) if e.caches_catalog().await? => Some(v),
            _ => None,
        };
        let did_you_mean = if !query.plan.is_empty()
            && (found.total == 0 || found.words.iter().any(|w| !w.literal))
        {
            let lang = req.lang.unwrap_or(e.inner.region.default_lang);
            self.lexicon(synonyms, version).await?.suggest(
                &query.plan,
                &found.words,
                found.total > 0,
                lang,
            )
        } else {
            None
        };
        let products = page_products(e, version, &found).await?;
        let pages = found.total.div_ceil(u64::from(per_page)).max(1);
        Ok(SearchResults {
            items: e.views_at(products, found.stock, version).await?,
            page,
            pages: u32::try_from(pages).unwrap_or(u32::MAX),
            total: found.total,
            facets: found.facets,
            relaxed,
            did_you_mean,
        })
    }

    /// The words the marketplace knows: its categories' names, each in its language, and the
    /// region's synonyms. Built once per catalog version when the engine caches the catalog
    /// (`version`: the one the search read), else at each call.
    async fn lexicon(
        self,
        synonyms: &tijara_core::search::Synonyms,
        version: Option<u64>,
    ) -> Result<Arc<Lexicon>, TijaraError> {
        let cache = &self.engine.inner.catalog;
        if let Some(known) = version.and_then(|v| cache.lexicon_at(v)) {
            return Ok(known);
        }
        let mut known = Lexicon::new();
        for c in self.categories().await? {
            for (lang, name) in c.name.iter() {
                known.add_text(name, Some(lang));
            }
        }
        known.add_synonyms(synonyms);
        let known = Arc::new(known);
        // The categories were read after the version: never older than it says.
        if let Some(v) = version {
            cache.put_lexicon(v, known.clone());
        }
        Ok(known)
    }

    /// Rebuilds the search index once if the storage holds search rows written at another
    /// index version than this engine's ([`tijara_core::search::INDEX_VERSION`]), or products
    /// never indexed in full, or categories whose names it has not indexed: a database upgraded
    /// from an older version becomes searchable by every word without `tijara search reindex`.
    /// Logs one line (target `search`) with the counts when it rebuilds; answers the number of
    /// products reindexed (0 when the index was up to date, or when the storage cannot tell:
    /// [`Storage::search_index_outdated`](crate::ports::storage::Storage::search_index_outdated)
    /// unsupported).
    ///
    /// Call it once at start (the storefront does); otherwise an engine's first search does.
    /// Several processes starting together may each rebuild: harmless (each product is its own
    /// commit, retried on a conflict).
    pub async fn ensure_search_index(self) -> Result<u64, TijaraError> {
        let e = self.engine;
        e.inner.search_index_checked.store(true, Ordering::Release);
        let outdated = match e.inner.storage.search_index_outdated(INDEX_VERSION).await {
            Ok(n) => n,
            Err(StorageError::Unsupported(_)) => return Ok(0),
            Err(err) => {
                // Checked again at the next search.
                e.inner.search_index_checked.store(false, Ordering::Release);
                return Err(err.into());
            }
        };
        if outdated == 0 {
            return Ok(0);
        }
        let (categories, products) = match self.rebuild().await {
            Ok(done) => done,
            Err(err) => {
                e.inner.search_index_checked.store(false, Ordering::Release);
                return Err(err);
            }
        };
        tracing::info!(
            target: "search",
            outdated,
            products,
            categories,
            version = INDEX_VERSION,
            "search index rebuilt at version {INDEX_VERSION}: {products} product(s) and {categories} category(ies) reindexed, {outdated} row(s) were outdated"
        );
        Ok(products)
    }

    /// Rewrites the search index: every category (the storage indexes its names and passes
    /// them to its products), then the search row of every product from its document, its
    /// seller and its category: the number of products reindexed. Each document is its own
    /// commit; one changed meanwhile is read again. Upgraded databases are rebuilt by
    /// themselves ([`Catalog::ensure_search_index`]): this forces it (`tijara search reindex`).
    pub async fn rebuild_search_index(self) -> Result<u64, TijaraError> {
        Ok(self.rebuild().await?.1)
    }

    /// Rewrites every category, then every product: how many of each.
    async fn rebuild(self) -> Result<(u64, u64), TijaraError> {
        let categories = self.reindex_categories().await?;
        let products = self.reindex_products().await?;
        Ok((categories, products))
    }

    /// Writes every category again, as it is: the storage indexes its names at its version.
    async fn reindex_categories(self) -> Result<u64, TijaraError> {
        let e = self.engine;
        let mut after: Option<String> = None;
        let mut n = 0u64;
        loop {
            let docs = e
                .inner
                .storage
                .list(&ListQuery::new(DocKind::Category, MAX_PAGE).after(after.as_deref()))
                .await?;
            let full = docs.len() == MAX_PAGE as usize;
            for d in docs {
                after = Some(d.id.clone());
                let mut doc = d;
                for _ in 0..3 {
                    let c: Category = match decode(DocKind::Category, &doc.id, &doc.body) {
                        Ok(c) => c,
                        Err(err) => {
                            tracing::warn!(target: "search", category = %doc.id, error = %err, "category not reindexed");
                            break;
                        }
                    };
                    let write = Write::new(DocKind::Category, doc.id.clone(), Some(doc.version))
                        .keys(vec![format!("slug:{}", c.slug)])
                        .body(&c)?;
                    let changes = Changeset {
                        docs: vec![write],
                        ..Changeset::default()
                    };
                    match e.inner.storage.commit(changes).await {
                        Ok(_) => {
                            n += 1;
                            break;
                        }
                        Err(StorageError::Conflict { .. }) => {
                            match e.inner.storage.get(DocKind::Category, &doc.id).await? {
                                Some(again) => doc = again,
                                None => break,
                            }
                        }
                        Err(err) => return Err(err.into()),
                    }
                }
            }
            if !full {
                return Ok(n);
            }
        }
    }

    /// Rewrites the search row of every product: how many.
    async fn reindex_products(self) -> Result<u64, TijaraError> {
        let e = self.engine;
        let categories = e.category_map().await?;
        let mut sellers: HashMap<String, Seller> = HashMap::new();
        let mut after: Option<String> = None;
        let mut n = 0u64;
        loop {
            let docs = e
                .inner
                .storage
                .list(&ListQuery::new(DocKind::Product, MAX_PAGE).after(after.as_deref()))
                .await?;
            let full = docs.len() == MAX_PAGE as usize;
            for d in docs {
                after = Some(d.id.clone());
                let mut doc = d;
                for _ in 0..3 {
                    // A product that cannot be read, or whose seller is gone, keeps its row
                    // (logged): the others are still reindexed.
                    let p: Product = match decode(DocKind::Product, &doc.id, &doc.body) {
                        Ok(p) => p,
                        Err(err) => {
                            tracing::warn!(target: "search", product = %doc.id, error = %err, "product not reindexed");
                            break;
                        }
                    };
                    let key = p.seller_id.to_string();
                    if !sellers.contains_key(&key) {
                        match e.catalog().seller(&p.seller_id).await {
                            Ok(s) => {
                                sellers.insert(key.clone(), s);
                            }
                            Err(TijaraError::NotFound { .. } | TijaraError::Corrupt { .. }) => {
                                tracing::warn!(target: "search", product = %doc.id, seller = %key, "product not reindexed: its seller cannot be read");
                                break;
                            }
                            Err(err) => return Err(err),
                        }
                    }
                    let Some(seller) = sellers.get(&key) else {
                        break;
                    };
                    let write = Write::new(DocKind::Product, doc.id.clone(), Some(doc.version))
                        .keys(product_keys(&p))
                        .owners(vec![format!("seller:{}", p.seller_id)])
                        .product(product_index(&p, seller, categories.get(&p.category_id)))
                        .body(&p)?;
                    let changes = Changeset {
                        docs: vec![write],
                        ..Changeset::default()
                    };
                    match e.inner.storage.commit(changes).await {
                        Ok(_) => {
                            n += 1;
                            break;
                        }
                        Err(StorageError::Conflict { .. }) => {
                            match e.inner.storage.get(DocKind::Product, &doc.id).await? {
                                Some(again) => doc = again,
                                None => break,
                            }
                        }
                        Err(err) => return Err(err.into()),
                    }
                }
            }
            if !full {
                return Ok(n);
            }
        }
    }
}

/// The products of a search page, in order: those the catalog cache holds at `version` (the
/// one the page was read at), the others decoded from the page's documents or, when the
/// storage answered ids only ([`SearchPage::ids`]), read now (all of them then cached).
async fn page_products(
    e: &Tijara,
    version: Option<u64>,
    found: &SearchPage,
) -> Result<Vec<Product>, TijaraError> {
    let decoded = |d: &StoredDoc| decode::<Product>(DocKind::Product, &d.id, &d.body);
    let ids: Vec<&str> = if found.ids.is_empty() {
        found.docs.iter().map(|d| d.id.as_str()).collect()
    } else {
        found.ids.iter().map(String::as_str).collect()
    };
    let held = match version {
        Some(v) => e.inner.catalog.products_at(v, &ids),
        None => vec![None; ids.len()],
    };
    // The documents of the products not held: the page's, or read now.
    let mut docs: HashMap<&str, &StoredDoc> =
        found.docs.iter().map(|d| (d.id.as_str(), d)).collect();
    let missing: Vec<String> = ids
        .iter()
        .zip(&held)
        .filter(|(id, h)| h.is_none() && !docs.contains_key(**id))
        .map(|(id, _)| (*id).to_owned())
        .collect();
    let read = if missing.is_empty() {
        Vec::new()
    } else {
        e.inner.storage.get_many(DocKind::Product, &missing).await?
    };
    docs.extend(read.iter().map(|d| (d.id.as_str(), d)));
    let mut fresh = Vec::new();
    let mut out = Vec::with_capacity(ids.len());
    for (id, held) in ids.iter().zip(held) {
        match (held, docs.get(id)) {
            (Some(p), _) => out.push((*p).clone()),
            (None, Some(d)) => {
                let p = decoded(d)?;
                fresh.push(p.clone());
                out.push(p);
            }
            // Deleted since the page was read: left out.
            (None, None) => {}
        }
    }
    if let Some(v) = version
        && !fresh.is_empty()
    {
        // Read at the page's version or later: never older than it says.
        e.inner.catalog.put_snapshot(v, &fresh, &[]);
    }
    Ok(out)
}
