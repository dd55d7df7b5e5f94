//! What a storage adapter keeps in memory between product searches (issue 16): every active
//! product's search fields as a [`tijara_core::search::Index`], the typo vocabulary (by length
//! and in order) and the typos of the words searched so far, valid for one pair of
//! [`SearchVersions`] read from the database.
//!
//! Reading each candidate's texts from the database at every search cost most of a search
//! (docs/benchmarks.md). An adapter instead reads the versions (one statement), takes the
//! [`SearchSnapshot`] its [`SearchCache`] holds for them, or reads the rows again when they
//! changed (the active products, the vocabulary) and offers the new snapshot to the cache,
//! then answers from the index and reads only the page's documents.
//!
//! # What the versions must mean
//! A snapshot is right as long as nothing it holds changed: the adapter's versions must change
//! (in the same transaction) with every write of a product, seller or category
//! (`catalog_version.version`), and with every stock row created or deleted and every update
//! that makes a variant available or unavailable (`catalog_version.availability`), whichever
//! process wrote it. Both adapters of this workspace raise them with triggers.
//!
//! Label a snapshot with versions read **before** its rows (or in the same read transaction):
//! a change committed in between then leaves it labelled older than what it holds, and the
//! next search, seeing newer versions, reads it again. Never the reverse: a snapshot labelled
//! newer than its rows would be used while stale.

use super::SearchQuery;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tijara_core::search::{Candidate, Index, SearchPlan, Selection};

/// The database's counters a [`SearchSnapshot`] is valid for, in the order snapshots are
/// compared (the catalog's version first).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SearchVersions {
    /// `catalog_version.version`: raised by every product, seller or category write.
    pub catalog: i64,
    /// `catalog_version.availability`: raised when a variant becomes available or
    /// unavailable, or a stock row comes or goes.
    pub availability: i64,
}

impl SearchVersions {
    /// The versions of a catalog version and an availability count.
    pub fn new(catalog: i64, availability: i64) -> SearchVersions {
        SearchVersions {
            catalog,
            availability,
        }
    }
}

/// How many query words' typos a snapshot remembers (then it forgets them all and starts
/// again: a bound on memory, not a policy worth more).
const MAX_TYPO_MEMO: usize = 4096;

/// What every search reads, valid for one [`SearchVersions`] (see the module's
/// documentation), with what an adapter keeps besides (`X`: e.g. the SQLite store's FTS row
/// numbers; nothing by default).
pub struct SearchSnapshot<X = ()> {
    /// The versions it was read at.
    versions: SearchVersions,
    /// Active products, split into terms once, with each term's postings.
    index: Index,
    /// Every vocabulary term with its length in characters, by length.
    vocabulary: Arc<[(usize, String)]>,
    /// The same terms in order (for "is a term starting with this word indexed").
    terms: Arc<[String]>,
    /// The typos of the words searched so far (a query word's terms within its edits), at
    /// most [`MAX_TYPO_MEMO`] words: shoppers repeat the same words.
    typos: Mutex<HashMap<String, Vec<(String, u8)>>>,
    /// What the adapter keeps besides.
    extra: X,
}

impl<X> std::fmt::Debug for SearchSnapshot<X> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchSnapshot")
            .field("versions", &self.versions)
            .field("products", &self.index.len())
            .field("vocabulary", &self.vocabulary.len())
            .finish_non_exhaustive()
    }
}

impl SearchSnapshot {
    /// A snapshot of the active products' `candidates` (in any order) and the typo
    /// `vocabulary` (every term the storage keeps for typos, in any order, repeats allowed),
    /// read at `versions` or later (see the module's documentation).
    pub fn new(
        versions: SearchVersions,
        candidates: Vec<Candidate>,
        vocabulary: Vec<String>,
    ) -> SearchSnapshot {
        let mut terms = vocabulary;
        terms.sort_unstable();
        terms.dedup();
        let mut vocabulary: Vec<(usize, String)> = terms
            .iter()
            .map(|t| (t.chars().count(), t.clone()))
            .collect();
        vocabulary.sort_unstable();
        SearchSnapshot {
            versions,
            index: Index::new(candidates),
            vocabulary: vocabulary.into(),
            terms: terms.into(),
            typos: Mutex::default(),
            extra: (),
        }
    }

    /// The same snapshot with what the adapter keeps besides, made from its index.
    pub fn with_extra<Y>(self, extra: impl FnOnce(&Index) -> Y) -> SearchSnapshot<Y> {
        let extra = extra(&self.index);
        SearchSnapshot {
            versions: self.versions,
            index: self.index,
            vocabulary: self.vocabulary,
            terms: self.terms,
            typos: self.typos,
            extra,
        }
    }
}

impl<X: Clone> SearchSnapshot<X> {
    /// The same snapshot at `versions` of the same catalog version (only the availability
    /// count moved: a sale sold a variant out, a restock, a stock row came or went), each
    /// product's "can be bought now" replaced by `in_stock` of its id, read at `versions` or
    /// later. The terms, postings and vocabulary are shared, not read or split again: a
    /// fraction of a whole read (docs/benchmarks.md); the typos found so far are kept.
    #[must_use]
    pub fn with_availability(
        &self,
        versions: SearchVersions,
        in_stock: impl Fn(&str) -> bool,
    ) -> SearchSnapshot<X> {
        let typos = self.typos.lock().map(|m| m.clone()).unwrap_or_default();
        SearchSnapshot {
            versions,
            index: self.index.with_in_stock(in_stock),
            vocabulary: self.vocabulary.clone(),
            terms: self.terms.clone(),
            typos: Mutex::new(typos),
            extra: self.extra.clone(),
        }
    }
}

impl<X> SearchSnapshot<X> {
    /// The versions it is valid for.
    pub fn versions(&self) -> SearchVersions {
        self.versions
    }

    /// The active products' index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// What the adapter keeps besides.
    pub fn extra(&self) -> &X {
        &self.extra
    }

    /// Fills the typos of every word of `plan` from the vocabulary (complete: see
    /// `SearchPlan::add_typos`), and whether a vocabulary term starts with it, remembered per
    /// word.
    pub fn add_typos(&self, plan: &mut SearchPlan) {
        for w in &mut plan.words {
            let at = self.terms.partition_point(|t| t.as_str() < w.term.as_str());
            w.indexed_prefix = Some(
                self.terms
                    .get(at)
                    .is_some_and(|t| t.starts_with(w.term.as_str())),
            );
            if let Some(t) = self.typos.lock().ok().and_then(|m| m.get(&w.term).cloned()) {
                w.typos = t;
                w.typos_complete = true;
                continue;
            }
            let mut one = SearchPlan {
                words: vec![w.clone()],
            };
            match one.vocabulary_bounds() {
                Some((lo, hi)) => {
                    let from = self.vocabulary.partition_point(|(n, _)| *n < lo);
                    let to = self.vocabulary.partition_point(|(n, _)| *n <= hi);
                    one.add_typos(self.vocabulary[from..to].iter().map(|(_, t)| t.as_str()));
                }
                None => one.add_typos(std::iter::empty()),
            }
            if let Some(done) = one.words.pop() {
                *w = done;
            }
            if let Ok(mut m) = self.typos.lock() {
                if m.len() >= MAX_TYPO_MEMO {
                    m.clear();
                }
                m.insert(w.term.clone(), w.typos.clone());
            }
        }
    }

    /// The query's plan with its typos (see [`SearchSnapshot::add_typos`]).
    pub fn plan(&self, query: &SearchQuery) -> SearchPlan {
        let mut plan = query.plan.clone();
        self.add_typos(&mut plan);
        plan
    }

    /// What [`tijara_core::search::select`] answers for `query` over every active product:
    /// the page's ids in order (at most 100), the total, the facets and the word matches.
    pub fn select(&self, query: &SearchQuery) -> Selection {
        self.select_plan(&self.plan(query), query, None)
    }

    /// [`Index::select`] for `query` with its completed `plan` (see
    /// [`SearchSnapshot::plan`]) among the rows `allowed` marks, if given (e.g. those an
    /// engine's own full-text query found), the page capped at 100.
    pub fn select_plan(
        &self,
        plan: &SearchPlan,
        query: &SearchQuery,
        allowed: Option<&[bool]>,
    ) -> Selection {
        self.index.select(
            plan,
            query.match_all,
            &query.filters,
            query.sort,
            query.offset,
            query.limit.clamp(1, 100),
            allowed,
        )
    }
}

/// The snapshot shared by a store's searches: replaced whole when outdated, and never by an
/// older one (two searches may read it again at once).
pub struct SearchCache<X = ()>(Mutex<Option<Arc<SearchSnapshot<X>>>>);

impl<X> Default for SearchCache<X> {
    fn default() -> Self {
        SearchCache(Mutex::new(None))
    }
}

impl<X> std::fmt::Debug for SearchCache<X> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self
            .0
            .lock()
            .ok()
            .and_then(|g| g.as_ref().map(|s| s.versions));
        f.debug_tuple("SearchCache").field(&kept).finish()
    }
}

impl<X> SearchCache<X> {
    /// The snapshot kept, if it is of exactly these versions.
    pub fn get(&self, versions: SearchVersions) -> Option<Arc<SearchSnapshot<X>>> {
        self.0
            .lock()
            .ok()
            .and_then(|g| g.clone())
            .filter(|s| s.versions == versions)
    }

    /// The snapshot kept, if it is of these versions or later ones (both numbers at least
    /// these): for a search whose reads are separate statements (not one read transaction),
    /// a snapshot read after its versions is as right as one read at them.
    pub fn get_since(&self, versions: SearchVersions) -> Option<Arc<SearchSnapshot<X>>> {
        self.0.lock().ok().and_then(|g| g.clone()).filter(|s| {
            s.versions.catalog >= versions.catalog
                && s.versions.availability >= versions.availability
        })
    }

    /// Keeps `snapshot` unless the one kept is of newer versions (a search that read older
    /// versions never replaces what a later one read); for equal versions either is right.
    pub fn offer(&self, snapshot: Arc<SearchSnapshot<X>>) {
        if let Ok(mut g) = self.0.lock() {
            let newer = g.as_ref().is_some_and(|k| k.versions > snapshot.versions);
            if !newer {
                *g = Some(snapshot);
            }
        }
    }

    /// The snapshot kept, if it is of the same catalog version as `versions` and an older
    /// availability count: one [`SearchSnapshot::with_availability`] brings up to date.
    pub fn patchable(&self, versions: SearchVersions) -> Option<Arc<SearchSnapshot<X>>> {
        self.0.lock().ok().and_then(|g| g.clone()).filter(|s| {
            s.versions.catalog == versions.catalog
                && s.versions.availability < versions.availability
        })
    }

    /// The snapshot for `versions`: the one kept, else the one `read` makes (offered to the
    /// cache, and answered even when a newer one is kept).
    pub fn get_or_read<E>(
        &self,
        versions: SearchVersions,
        read: impl FnOnce() -> Result<SearchSnapshot<X>, E>,
    ) -> Result<Arc<SearchSnapshot<X>>, E> {
        if let Some(s) = self.get(versions) {
            return Ok(s);
        }
        let s = Arc::new(read()?);
        self.offer(s.clone());
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(catalog: i64, availability: i64) -> Arc<SearchSnapshot> {
        Arc::new(SearchSnapshot::new(
            SearchVersions::new(catalog, availability),
            Vec::new(),
            vec!["tapis".into(), "tapi".into(), "tapis".into()],
        ))
    }

    #[test]
    fn an_older_snapshot_never_replaces_a_newer_one() {
        let cache = SearchCache::default();
        cache.offer(snap(2, 5));
        cache.offer(snap(2, 4));
        cache.offer(snap(1, 9));
        assert!(cache.get(SearchVersions::new(2, 4)).is_none());
        assert!(cache.get(SearchVersions::new(2, 5)).is_some());
        cache.offer(snap(3, 0));
        assert!(cache.get(SearchVersions::new(3, 0)).is_some());
    }

    #[test]
    fn a_later_snapshot_serves_searches_that_read_earlier_versions() {
        let cache = SearchCache::default();
        cache.offer(snap(3, 5));
        assert!(cache.get_since(SearchVersions::new(3, 5)).is_some());
        assert!(cache.get_since(SearchVersions::new(2, 4)).is_some());
        assert!(cache.get(SearchVersions::new(2, 4)).is_none());
        assert!(cache.get_since(SearchVersions::new(3, 6)).is_none());
        assert!(cache.get_since(SearchVersions::new(4, 0)).is_none());
    }

    #[test]
    fn a_change_of_availability_alone_is_patched_in_the_kept_index() {
        let rug = |in_stock| Candidate {
            id: "rug".into(),
            in_stock,
            ..Candidate::default()
        };
        let cache = SearchCache::default();
        cache.offer(Arc::new(SearchSnapshot::new(
            SearchVersions::new(3, 5),
            vec![rug(true)],
            vec!["tapis".into()],
        )));
        assert!(
            cache.patchable(SearchVersions::new(3, 5)).is_none(),
            "current"
        );
        assert!(
            cache.patchable(SearchVersions::new(4, 6)).is_none(),
            "catalog moved"
        );
        assert!(
            cache.patchable(SearchVersions::new(3, 4)).is_none(),
            "older"
        );
        let kept = cache
            .patchable(SearchVersions::new(3, 6))
            .expect("same catalog, newer availability");
        let sold = kept.with_availability(SearchVersions::new(3, 6), |_| false);
        assert_eq!(sold.versions(), SearchVersions::new(3, 6));
        assert_eq!(sold.index().in_stock(0), Some(false));
        assert_eq!(
            kept.index().in_stock(0),
            Some(true),
            "the kept one is unchanged"
        );
        assert!(
            Arc::ptr_eq(&sold.terms, &kept.terms),
            "the vocabulary is shared"
        );
    }

    #[test]
    fn the_vocabulary_is_kept_once_by_length_and_in_order() {
        let s = snap(1, 1);
        assert_eq!(&*s.terms, ["tapi", "tapis"]);
        assert_eq!(&*s.vocabulary, [(4, "tapi".into()), (5, "tapis".into())]);
    }
}
