//! Product search for shoppers: words in any of the region's languages and spellings, with
//! typos, filters, facets, sorts and numbered pages (issue 16). The storage finds and ranks
//! ([`Storage::search`](crate::ports::storage::Storage::search)); this reads the page's
//! products with their availability and, when nothing matches every word, asks again for
//! products matching some of them.

use super::*;
use crate::ports::storage::SearchQuery;
use tijara_core::search::{Facets, SearchFilters, SearchSort, plan, terms, within_edits};

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
        }
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
    /// When nothing matched: the query with each word replaced by the nearest word the
    /// marketplace knows (a category's name, a synonym), if that differs.
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
        let per_page = req.per_page.clamp(1, MAX_SEARCH_PAGE);
        let page = req.page.max(1);
        let synonyms = e.inner.region.synonyms();
        let mut query = SearchQuery {
            plan: plan(&req.text, &synonyms),
            match_all: true,
            filters: req.filters.clone(),
            sort: req.sort,
            offset: u64::from(page - 1) * u64::from(per_page),
            limit: per_page,
        };
        let mut found = e.inner.storage.search(&query).await?;
        let mut relaxed = false;
        if found.total == 0 && query.plan.words.len() > 1 {
            query.match_all = false;
            found = e.inner.storage.search(&query).await?;
            relaxed = found.total > 0;
        }
        let did_you_mean = if found.total == 0 && !query.plan.is_empty() {
            self.did_you_mean(&req.text, &synonyms).await?
        } else {
            None
        };
        let products: Vec<Product> = found
            .docs
            .iter()
            .map(|d| decode(DocKind::Product, &d.id, &d.body))
            .collect::<Result<_, _>>()?;
        let pages = found.total.div_ceil(u64::from(per_page)).max(1);
        Ok(SearchResults {
            items: e.views(products).await?,
            page,
            pages: u32::try_from(pages).unwrap_or(u32::MAX),
            total: found.total,
            facets: found.facets,
            relaxed,
            did_you_mean,
        })
    }

    /// The query with each word replaced by the nearest known word within three edits (the
    /// categories' names, the synonyms), when one differs.
    async fn did_you_mean(
        self,
        text: &str,
        synonyms: &tijara_core::search::Synonyms,
    ) -> Result<Option<String>, TijaraError> {
        let mut known: Vec<String> = synonyms.groups().iter().flatten().cloned().collect();
        for c in self.categories().await? {
            for (_, name) in c.name.iter() {
                known.extend(terms(name).into_iter().filter(|t| t.chars().count() > 2));
            }
        }
        known.sort();
        known.dedup();
        let words = plan(text, synonyms).words;
        let mut changed = false;
        let mut out = Vec::new();
        for w in words {
            let best = known
                .iter()
                .filter(|k| k.chars().next().is_some_and(char::is_alphabetic))
                .filter_map(|k| within_edits(&w.term, k, 3).map(|d| (d, k)))
                .min();
            match best {
                Some((d, k)) if d > 0 => {
                    changed = true;
                    out.push(k.clone());
                }
                _ => out.push(w.term),
            }
        }
        Ok(changed.then(|| out.join(" ")))
    }

    /// Rewrites the search row of every product from its document, its seller and its
    /// category (after an upgrade, or a category or seller renamed): the number of products
    /// reindexed. Each product is its own commit; one changed meanwhile is read again.
    pub async fn rebuild_search_index(self) -> Result<u64, TijaraError> {
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
                    let p: Product = decode(DocKind::Product, &doc.id, &doc.body)?;
                    let key = p.seller_id.to_string();
                    if !sellers.contains_key(&key) {
                        let s = e.catalog().seller(&p.seller_id).await?;
                        sellers.insert(key.clone(), s);
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
                        Err(crate::ports::storage::StorageError::Conflict { .. }) => {
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
