//! A read-through cache of the decoded catalog (products, sellers, categories), valid for
//! one catalog version.
//!
//! Every product page and every cart change, shipping quote and choice needs the same few
//! catalog documents, which change rarely. The storage keeps a catalog version
//! ([`Storage::catalog_version`]) that changes in the same transaction as any write or delete
//! of a product, seller or category, by any process. The engine reads that version together
//! with the stock counters it needs anyway ([`Storage::catalog_stock`], one statement) and
//! uses what it holds only when it was read at that same version; otherwise it drops
//! everything and reads the documents again. So a cached document is never older than the
//! stock read beside it: there is no staleness window, across processes too.
//!
//! A shipping quote reads the version with its cart instead ([`Storage::get_at_catalog`],
//! one statement), and an order's messages, which name products without their stock, read the
//! version alone ([`Storage::catalog_version`], `Catalog::documents_and_sellers`), with the
//! same rule.
//!
//! A cart's shipping choice skips that read when the storage checks the version at commit
//! ([`Storage::commits_at_catalog_version`]): it takes the documents held with the version
//! they were read at and commits its cart only while the storage still holds that version
//! ([`Changeset::catalog_at`]). A changed catalog fails the commit with
//! [`StorageError::CatalogChanged`], which empties the cache (`moved_to`) before the choice
//! is made again at the version storage holds; so is a choice refused on the held documents
//! (the refusal may come from a catalog another process has changed since). The check reads
//! the version as the commit's own statement or transaction sees it (on PostgreSQL, without
//! a lock: a catalog change committed while the commit runs may be ordered after it), which
//! is at least as late as the read the choice made before.
//!
//! An item added to a cart does the same when the storage also checks stock at commit
//! ([`Storage::checks_stock_at_commit`]): it reads no counters, and its commit holds to the
//! units available too ([`Changeset::stock_at_least`]); a commit refused for stock
//! (`OutOfStock`, `UnknownVariant`) runs the add again on the catalog and counters read from
//! storage, which names how many are left.
//!
//! Entries are labelled with the version read **before** the documents: a change committed
//! between the two reads leaves entries labelled with the older version, which the next check
//! finds out of date (never the reverse). A storage that keeps no version (`None`) disables
//! the cache: the engine then reads the catalog on every call, as before.
//!
//! [`Storage::catalog_version`]: crate::ports::storage::Storage::catalog_version
//! [`Storage::catalog_stock`]: crate::ports::storage::Storage::catalog_stock
//! [`Storage::get_at_catalog`]: crate::ports::storage::Storage::get_at_catalog
//! [`Storage::commits_at_catalog_version`]: crate::ports::storage::Storage::commits_at_catalog_version
//! [`Changeset::catalog_at`]: crate::ports::storage::Changeset::catalog_at
//! [`Storage::checks_stock_at_commit`]: crate::ports::storage::Storage::checks_stock_at_commit
//! [`Changeset::stock_at_least`]: crate::ports::storage::Changeset::stock_at_least
//! [`StorageError::CatalogChanged`]: crate::ports::storage::StorageError::CatalogChanged

use crate::ports::storage::StockRow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tijara_core::catalog::{Category, Product, Seller};
use tijara_core::search::Lexicon;

/// The most products the cache holds; past it, it starts again empty (a catalog this large is
/// read as before, a page at a time).
const MAX_PRODUCTS: usize = 20_000;

/// Whether the storage keeps a catalog version: not asked yet, yes, no.
const UNKNOWN: u8 = 0;
const VERSIONED: u8 = 1;
const UNVERSIONED: u8 = 2;

/// Products and their sellers as the cache holds them (shared, not copied: a snapshot takes
/// them with `CatalogSnapshot::from_shared`).
pub(crate) type Shared = (Vec<Arc<Product>>, Vec<Arc<Seller>>);

/// The cache: the documents read at one catalog version.
#[derive(Debug, Default)]
pub(crate) struct CatalogCache {
    versioned: AtomicU8,
    state: Mutex<State>,
}

/// A map keyed by the ids of documents held (never by ids a request names but no document
/// holds), hashed with foldhash, a random seed per map, rather than SipHash (step 31).
type Held<V> = HashMap<String, V, foldhash::fast::RandomState>;

#[derive(Debug, Default)]
struct State {
    /// The version every entry was read at.
    version: u64,
    /// Products by id.
    products: Held<Arc<Product>>,
    /// Product ids by unique key (`slug:…`).
    keys: Held<String>,
    /// Product ids by the ids of their variants (of the products held).
    variants: Held<String>,
    /// Sellers by id.
    sellers: Held<Arc<Seller>>,
    /// Categories by id; `None` for an id no category holds.
    categories: HashMap<String, Option<Arc<Category>>>,
    /// The words the marketplace knows (its categories' names and the region's synonyms):
    /// what "did you mean" of a search reads.
    lexicon: Option<Arc<Lexicon>>,
}

impl State {
    /// Holds `product`, and finds it by its variants.
    fn hold(&mut self, product: &Product) {
        let id = product.id.to_string();
        for v in &product.variants {
            self.variants.insert(v.id.to_string(), id.clone());
        }
        self.products.insert(id, Arc::new(product.clone()));
    }

    /// The products of these ids (each once) and their sellers, if every one is held (`None`
    /// for an id not known).
    fn products_of<'a>(&self, ids: impl Iterator<Item = Option<&'a str>>) -> Option<Shared> {
        let mut products: Vec<Arc<Product>> = Vec::with_capacity(ids.size_hint().0);
        let mut sellers: Vec<Arc<Seller>> = Vec::with_capacity(1);
        for id in ids {
            let id = id?;
            if products.iter().any(|p| p.id.as_str() == id) {
                continue;
            }
            let p = self.products.get(id)?;
            if !sellers.iter().any(|x| x.id == p.seller_id) {
                sellers.push(self.sellers.get(p.seller_id.as_str())?.clone());
            }
            products.push(p.clone());
        }
        Some((products, sellers))
    }

    /// The products holding these variants and their sellers, if every one is held.
    fn products_of_variants(&self, variants: &[tijara_core::VariantId]) -> Option<Shared> {
        self.products_of(
            variants
                .iter()
                .map(|v| self.variants.get(v.as_str()).map(String::as_str)),
        )
    }

    /// Moves to version `v` (dropping everything) when it is newer; true when entries read at
    /// `v` are the current ones.
    fn at(&mut self, v: u64) -> bool {
        if v > self.version || self.products.len() > MAX_PRODUCTS {
            *self = State {
                version: v.max(self.version),
                ..State::default()
            };
        }
        v == self.version
    }
}

/// A product page's documents from the cache.
#[derive(Debug, Clone)]
pub(crate) struct CachedPage {
    /// The version they were read at.
    pub(crate) version: u64,
    pub(crate) product: Arc<Product>,
    pub(crate) seller: Arc<Seller>,
    pub(crate) category: Option<Arc<Category>>,
}

impl CatalogCache {
    fn lock(&self) -> Option<MutexGuard<'_, State>> {
        // A poisoned lock (a panic elsewhere) only costs the cache: reads go to storage.
        self.state.lock().ok()
    }

    /// The state, locked, if entries read at `version` are the current ones (a newer version
    /// empties it first); `None` for an older version.
    fn at(&self, version: u64) -> Option<MutexGuard<'_, State>> {
        let mut s = self.lock()?;
        s.at(version).then_some(s)
    }

    /// Whether the storage keeps a version: `None` until [`CatalogCache::set_versioned`].
    pub(crate) fn versioned(&self) -> Option<bool> {
        match self.versioned.load(Ordering::Relaxed) {
            VERSIONED => Some(true),
            UNVERSIONED => Some(false),
            UNKNOWN => None,
            _ => None,
        }
    }

    /// Records whether the storage keeps a version (asked once per engine).
    pub(crate) fn set_versioned(&self, yes: bool) {
        self.versioned
            .store(if yes { VERSIONED } else { UNVERSIONED }, Ordering::Relaxed);
    }

    /// True when entries read at `version` are current (a newer version empties the cache).
    pub(crate) fn current(&self, version: u64) -> bool {
        self.at(version).is_some()
    }

    /// The documents of the page of the product holding `key`, if all are cached.
    pub(crate) fn page(&self, key: &str) -> Option<CachedPage> {
        let s = self.lock()?;
        let product = s.products.get(s.keys.get(key)?)?.clone();
        let seller = s.sellers.get(product.seller_id.as_str())?.clone();
        let category = s.categories.get(product.category_id.as_str())?.clone();
        Some(CachedPage {
            version: s.version,
            product,
            seller,
            category,
        })
    }

    /// Stores a product page's documents, read at `version` (nothing if a newer one is known).
    pub(crate) fn put_page(
        &self,
        version: u64,
        key: &str,
        product: &Product,
        seller: &Seller,
        category: Option<&Category>,
    ) {
        let Some(mut s) = self.at(version) else {
            return;
        };
        s.keys.insert(key.to_owned(), product.id.to_string());
        s.hold(product);
        s.sellers
            .insert(seller.id.to_string(), Arc::new(seller.clone()));
        s.categories.insert(
            product.category_id.to_string(),
            category.map(|c| Arc::new(c.clone())),
        );
    }

    /// The products of these stock rows and their sellers, if all are cached at `version`.
    pub(crate) fn snapshot(&self, version: u64, stock: &[StockRow]) -> Option<Shared> {
        let s = self.at(version)?;
        s.products_of(stock.iter().map(|row| Some(row.product.as_str())))
    }

    /// The products holding these variants and their sellers, and the version they were read
    /// at, if every one is held (whether that version is still the storage's is for the
    /// caller to check: a cart's shipping choice commits at that version,
    /// [`Changeset::catalog_at`]).
    ///
    /// [`Changeset::catalog_at`]: crate::ports::storage::Changeset::catalog_at
    pub(crate) fn snapshot_held(
        &self,
        variants: &[tijara_core::VariantId],
    ) -> Option<(u64, Shared)> {
        let s = self.lock()?;
        Some((s.version, s.products_of_variants(variants)?))
    }

    /// The products holding these variants and their sellers, if every one is cached at
    /// `version` (a version read from storage: a shipping quote's, with its cart,
    /// [`Storage::get_at_catalog`]).
    ///
    /// [`Storage::get_at_catalog`]: crate::ports::storage::Storage::get_at_catalog
    pub(crate) fn snapshot_of_variants(
        &self,
        version: u64,
        variants: &[tijara_core::VariantId],
    ) -> Option<Shared> {
        self.at(version)?.products_of_variants(variants)
    }

    /// The storage holds the catalog at version `found` (a commit at the version of the
    /// entries was refused): when newer than theirs, starts again empty at `found`, so that
    /// documents read at an older version are not stored again.
    pub(crate) fn moved_to(&self, found: u64) {
        if let Some(mut s) = self.lock() {
            s.at(found);
        }
    }

    /// The version of the products held, when some are ([`SearchQuery::held_at`]).
    ///
    /// [`SearchQuery::held_at`]: crate::ports::storage::SearchQuery::held_at
    pub(crate) fn held_version(&self) -> Option<u64> {
        let s = self.lock()?;
        (!s.products.is_empty()).then_some(s.version)
    }

    /// The products of these ids held at `version`, each `None` when not held (all `None`
    /// when `version` is not the current one).
    pub(crate) fn products_at(&self, version: u64, ids: &[&str]) -> Vec<Option<Arc<Product>>> {
        match self.at(version) {
            Some(s) => ids.iter().map(|id| s.products.get(*id).cloned()).collect(),
            None => vec![None; ids.len()],
        }
    }

    /// The products of these ids and the version they were read at, if every one is held
    /// (whether that version is still the storage's is for the caller to check).
    pub(crate) fn products_held(&self, ids: &[&str]) -> Option<(u64, Vec<Arc<Product>>)> {
        let s = self.lock()?;
        let products = ids
            .iter()
            .map(|id| s.products.get(*id).cloned())
            .collect::<Option<Vec<_>>>()?;
        Some((s.version, products))
    }

    /// The sellers of these ids held at `version`, if every one is.
    pub(crate) fn sellers_at(&self, version: u64, ids: &[String]) -> Option<Vec<Arc<Seller>>> {
        let s = self.at(version)?;
        ids.iter().map(|id| s.sellers.get(id).cloned()).collect()
    }

    /// The lexicon held at `version`, if any.
    pub(crate) fn lexicon_at(&self, version: u64) -> Option<Arc<Lexicon>> {
        let s = self.at(version)?;
        s.lexicon.clone()
    }

    /// Stores the lexicon built from the categories read at `version` or later (nothing if a
    /// newer version is known).
    pub(crate) fn put_lexicon(&self, version: u64, lexicon: Arc<Lexicon>) {
        if let Some(mut s) = self.at(version) {
            s.lexicon = Some(lexicon);
        }
    }

    /// Stores products and sellers read at `version` (nothing if a newer one is known).
    pub(crate) fn put_snapshot(&self, version: u64, products: &[Product], sellers: &[Seller]) {
        let Some(mut s) = self.at(version) else {
            return;
        };
        for p in products {
            s.hold(p);
        }
        for x in sellers {
            s.sellers.insert(x.id.to_string(), Arc::new(x.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_version_empties_the_cache_and_an_older_read_is_not_stored() {
        let mut s = State::default();
        assert!(s.at(3));
        s.keys.insert("slug:a".into(), "p".into());
        assert!(s.at(3), "same version: kept");
        assert_eq!(s.keys.len(), 1);
        assert!(!s.at(2), "an older read is not current");
        assert_eq!(s.keys.len(), 1, "and drops nothing");
        assert!(s.at(4), "a newer version is current");
        assert!(s.keys.is_empty(), "and empties the cache");
    }
}
