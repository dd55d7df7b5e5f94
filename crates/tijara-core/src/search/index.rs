//! A search index kept in memory between searches: the candidates' fields split once into
//! term numbers of a sorted vocabulary, with each term's postings (which candidates hold it, in
//! which field). [`Index::select`] answers exactly what [`select`](super::select) answers over
//! the same candidates, but a search costs lookups in proportion to the postings of the terms
//! the query reaches, instead of splitting and comparing every candidate's texts again.
//!
//! A backend that keeps its candidates between searches (`tijara::ports::storage::SearchSnapshot`,
//! used by the SQLite and PostgreSQL stores) builds one per catalog version; the in-memory store
//! keeps the generic [`select`](super::select).

use super::{
    CATEGORY, Candidate, FacetCount, Facets, OTHER, PRICE_RANGES, QueryWord, SearchFilters,
    SearchPlan, SearchSort, Selection, TITLE, WordMatch, max_edits,
};
use std::collections::HashMap;
use std::sync::Arc;

/// The weight of a match in each field, by the field's number in a posting (title, category,
/// the rest).
const WEIGHTS: [u32; 3] = [TITLE, CATEGORY, OTHER];

/// Candidates prepared for many searches (see the module's documentation).
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// The candidates, by row number (the order given to [`Index::new`]); their `in_stock`
    /// as given then (`facts` says the current one: [`Index::with_in_stock`]).
    candidates: Arc<[Candidate]>,
    /// Every term of the candidates' fields, sorted (a term's number is its place here).
    terms: Arc<[String]>,
    /// Where each term's postings start in `postings` (one more entry than `terms`).
    starts: Arc<[u32]>,
    /// Per term, the (row, field) pairs holding it, as `row << 2 | field`, ordered, no repeats.
    postings: Arc<[u32]>,
    /// What filters, facets and ordering read of each row.
    facts: Vec<Facts>,
    /// The distinct category ids (facet values by number).
    categories: Arc<[String]>,
    /// The distinct seller cities.
    cities: Arc<[String]>,
    /// The distinct seller kinds.
    kinds: Arc<[String]>,
}

/// What a search reads of a row besides its terms.
#[derive(Debug, Clone, Copy, Default)]
struct Facts {
    category: u32,
    city: u32,
    kind: u32,
    price: i64,
    /// Its place in [`PRICE_RANGES`] (`PRICE_RANGES.len()` when in none).
    range: u8,
    in_stock: bool,
    /// Its place among the rows ordered by id (the newest is the greatest).
    rank: u32,
}

/// Numbers distinct strings in the order first seen.
fn intern(values: &mut Vec<String>, seen: &mut HashMap<String, u32>, v: &str) -> u32 {
    if let Some(&i) = seen.get(v) {
        return i;
    }
    let i = u32::try_from(values.len()).unwrap_or(u32::MAX);
    values.push(v.to_owned());
    seen.insert(v.to_owned(), i);
    i
}

/// A filter on one facet, in numbers.
#[derive(Clone, Copy)]
enum Want {
    Any,
    Is(u32),
    /// A value no row has: nothing passes.
    Never,
}

impl Want {
    fn of(filter: &Option<String>, values: &[String]) -> Want {
        match filter {
            None => Want::Any,
            Some(x) => values
                .iter()
                .position(|v| v == x)
                .and_then(|i| u32::try_from(i).ok())
                .map_or(Want::Never, Want::Is),
        }
    }

    fn passes(self, v: u32) -> bool {
        match self {
            Want::Any => true,
            Want::Is(x) => x == v,
            Want::Never => false,
        }
    }
}

/// Counts of one facet, by value number, as [`Facets`] lists them: values without results and
/// the empty value left out, most results first, then by value.
fn counted(values: &[String], counts: &[u64]) -> Vec<FacetCount> {
    let mut v: Vec<FacetCount> = values
        .iter()
        .zip(counts)
        .filter(|(value, n)| **n > 0 && !value.is_empty())
        .map(|(value, n)| FacetCount {
            value: value.clone(),
            count: *n,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    v
}

impl Index {
    /// Prepares `candidates` (row `i` is the `i`-th given). Splits every field once.
    pub fn new(candidates: Vec<Candidate>) -> Index {
        // Terms numbered as first seen, then renumbered in sorted order.
        let mut seen: HashMap<&str, u32> = HashMap::new();
        let mut first: Vec<&str> = Vec::new();
        let mut held: Vec<Vec<u32>> = Vec::new();
        for (row, c) in candidates.iter().enumerate() {
            let row = u32::try_from(row).unwrap_or(u32::MAX);
            for (field, text) in [&c.fields.title, &c.fields.category, &c.fields.other]
                .into_iter()
                .enumerate()
            {
                for t in text.split(' ').filter(|t| !t.is_empty()) {
                    let id = *seen.entry(t).or_insert_with(|| {
                        first.push(t);
                        held.push(Vec::new());
                        u32::try_from(first.len() - 1).unwrap_or(u32::MAX)
                    });
                    let entry = row << 2 | field as u32;
                    let list = &mut held[id as usize];
                    // Rows and fields come in order: a repeat is the last entry.
                    if list.last() != Some(&entry) {
                        list.push(entry);
                    }
                }
            }
        }
        let mut order: Vec<u32> = (0..u32::try_from(first.len()).unwrap_or(u32::MAX)).collect();
        order.sort_unstable_by(|a, b| first[*a as usize].cmp(first[*b as usize]));
        let terms: Vec<String> = order
            .iter()
            .map(|i| first[*i as usize].to_owned())
            .collect();
        let mut starts = Vec::with_capacity(order.len() + 1);
        let mut postings = Vec::with_capacity(held.iter().map(Vec::len).sum());
        for i in &order {
            starts.push(u32::try_from(postings.len()).unwrap_or(u32::MAX));
            postings.extend_from_slice(&held[*i as usize]);
        }
        starts.push(u32::try_from(postings.len()).unwrap_or(u32::MAX));
        drop(seen);
        drop(first);

        let (mut categories, mut cities, mut kinds) = (Vec::new(), Vec::new(), Vec::new());
        let (mut cat_seen, mut city_seen, mut kind_seen) =
            (HashMap::new(), HashMap::new(), HashMap::new());
        let mut by_id: Vec<u32> =
            (0..u32::try_from(candidates.len()).unwrap_or(u32::MAX)).collect();
        by_id.sort_by(|a, b| candidates[*a as usize].id.cmp(&candidates[*b as usize].id));
        let mut facts: Vec<Facts> = candidates
            .iter()
            .map(|c| Facts {
                category: intern(&mut categories, &mut cat_seen, &c.category),
                city: intern(&mut cities, &mut city_seen, &c.seller_city),
                kind: intern(&mut kinds, &mut kind_seen, &c.seller_kind),
                price: c.min_price_minor,
                range: PRICE_RANGES
                    .iter()
                    .position(|(lo, hi)| {
                        c.min_price_minor >= *lo && hi.is_none_or(|h| c.min_price_minor < h)
                    })
                    .unwrap_or(PRICE_RANGES.len()) as u8,
                in_stock: c.in_stock,
                rank: 0,
            })
            .collect();
        for (rank, row) in by_id.iter().enumerate() {
            facts[*row as usize].rank = u32::try_from(rank).unwrap_or(u32::MAX);
        }
        Index {
            candidates: candidates.into(),
            terms: terms.into(),
            starts: starts.into(),
            postings: postings.into(),
            facts,
            categories: categories.into(),
            cities: cities.into(),
            kinds: kinds.into(),
        }
    }

    /// The same index with each row's "can be bought now" replaced by `in_stock` of its
    /// candidate's id: what a sale that sells a variant out (or a restock) changes, without
    /// splitting the fields again (the terms and postings are shared with `self`).
    ///
    /// ```
    /// use tijara_core::search::{Candidate, Index};
    ///
    /// let rug = Candidate { id: "rug".into(), in_stock: true, ..Candidate::default() };
    /// let index = Index::new(vec![rug]);
    /// let sold = index.with_in_stock(|id| id != "rug");
    /// assert_eq!((index.in_stock(0), sold.in_stock(0)), (Some(true), Some(false)));
    /// ```
    #[must_use]
    pub fn with_in_stock(&self, in_stock: impl Fn(&str) -> bool) -> Index {
        let mut next = self.clone();
        for (f, c) in next.facts.iter_mut().zip(self.candidates.iter()) {
            f.in_stock = in_stock(&c.id);
        }
        next
    }

    /// Whether the product of a row can be bought now, as the index holds it.
    pub fn in_stock(&self, row: usize) -> Option<bool> {
        self.facts.get(row).map(|f| f.in_stock)
    }

    /// How many candidates it holds.
    pub fn len(&self) -> usize {
        self.candidates.len()
    }

    /// True when it holds no candidate.
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }

    /// The candidate of a row, as given to [`Index::new`] (its `in_stock` as then:
    /// [`Index::in_stock`] says the one the index holds).
    pub fn candidate(&self, row: usize) -> Option<&Candidate> {
        self.candidates.get(row)
    }

    /// Every term of the candidates' fields, sorted, without repeats.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// The number of `term`, if some candidate holds it.
    fn find(&self, term: &str) -> Option<u32> {
        self.terms
            .binary_search_by(|t| t.as_str().cmp(term))
            .ok()
            .and_then(|i| u32::try_from(i).ok())
    }

    /// The numbers of the terms starting with `prefix`.
    fn starting(&self, prefix: &str) -> std::ops::Range<u32> {
        let lo = self.terms.partition_point(|t| t.as_str() < prefix);
        let hi = lo + self.terms[lo..].partition_point(|t| t.starts_with(prefix));
        u32::try_from(lo).unwrap_or(u32::MAX)..u32::try_from(hi).unwrap_or(u32::MAX)
    }

    /// The postings of a term.
    fn postings(&self, term: u32) -> &[u32] {
        let (a, b) = (
            self.starts[term as usize] as usize,
            self.starts[term as usize + 1] as usize,
        );
        &self.postings[a..b]
    }

    /// The terms a word matches, each once: (number, quality as `quality` grades it, whether
    /// it holds the word literally: the word itself or a term starting with it).
    fn reached(&self, w: &QueryWord) -> Vec<(u32, u32, bool)> {
        let mut out: Vec<(u32, u32, bool)> = Vec::new();
        for (t, d) in &w.typos {
            if let Some(i) = self.find(t) {
                out.push((i, if *d <= 1 { 2 } else { 1 }, false));
            }
        }
        for s in w.synonyms.iter().filter(|s| QueryWord::prefix_ok(s)) {
            out.extend(self.starting(s).map(|i| (i, 3, false)));
        }
        if QueryWord::prefix_ok(&w.term) {
            out.extend(self.starting(&w.term).map(|i| (i, 4, true)));
        }
        for s in &w.synonyms {
            if let Some(i) = self.find(s) {
                out.push((i, 5, false));
            }
        }
        if let Some(i) = self.find(&w.term) {
            out.push((i, 6, true));
        }
        out.sort_unstable();
        let mut merged: Vec<(u32, u32, bool)> = Vec::with_capacity(out.len());
        for (i, q, lit) in out {
            match merged.last_mut() {
                Some(last) if last.0 == i => {
                    last.1 = last.1.max(q);
                    last.2 |= lit;
                }
                _ => merged.push((i, q, lit)),
            }
        }
        merged
    }

    /// What [`select`](super::select) answers for `plan` over this index's candidates (those
    /// of the rows `allowed` marks, when given: e.g. the rows an engine's own query found),
    /// given in any order: the same page, total, facets and word matches. A plan whose typos
    /// are not complete has them completed from the index's vocabulary first.
    #[allow(clippy::too_many_arguments)]
    pub fn select(
        &self,
        plan: &SearchPlan,
        match_all: bool,
        filters: &SearchFilters,
        sort: SearchSort,
        offset: u64,
        limit: u32,
        allowed: Option<&[bool]>,
    ) -> Selection {
        let completed;
        let plan = if plan.words.iter().all(|w| w.typos_complete) {
            plan
        } else {
            let mut p = plan.clone();
            p.add_typos(self.terms.iter().map(String::as_str));
            completed = p;
            &completed
        };
        let n = self.candidates.len();
        let allowed_row = |row: usize| allowed.is_none_or(|a| a.get(row).copied().unwrap_or(false));
        let words = plan.words.len();

        // Each row's score: per word, its best (quality x field weight) over the postings of
        // the terms the word reaches (a title match outweighs any other, as `score` weighs),
        // summed over the words it matches.
        let mut total: Vec<u32> = Vec::new();
        let mut matched: Vec<u8> = Vec::new();
        // Per word, the rows holding it literally (repeats allowed).
        let mut literal_rows: Vec<Vec<u32>> = Vec::with_capacity(words);
        let mut found: Vec<u32> = Vec::new();
        if words > 0 {
            total = vec![0; n];
            matched = vec![0; n];
            let mut best = vec![0u32; n];
            let mut touched: Vec<u32> = Vec::new();
            for w in &plan.words {
                let mut literal = Vec::new();
                for (term, q, lit) in self.reached(w) {
                    for &e in self.postings(term) {
                        let row = (e >> 2) as usize;
                        let v = q * WEIGHTS[(e & 3) as usize];
                        if best[row] == 0 {
                            touched.push(e >> 2);
                        }
                        best[row] = best[row].max(v);
                        if lit {
                            literal.push(e >> 2);
                        }
                    }
                }
                for row in touched.drain(..) {
                    let r = row as usize;
                    if matched[r] == 0 {
                        found.push(row);
                    }
                    total[r] += best[r];
                    matched[r] = matched[r].saturating_add(1);
                    best[r] = 0;
                }
                literal_rows.push(literal);
            }
        }
        let rows: Box<dyn Iterator<Item = u32>> = if words == 0 {
            Box::new(0..u32::try_from(n).unwrap_or(u32::MAX))
        } else {
            Box::new(found.iter().copied().filter(|row| {
                let m = usize::from(matched[*row as usize]);
                if match_all { m == words } else { m > 0 }
            }))
        };

        let category = Want::of(&filters.category, &self.categories);
        let city = Want::of(&filters.seller_city, &self.cities);
        let kind = Want::of(&filters.seller_kind, &self.kinds);
        let mut categories = vec![0u64; self.categories.len()];
        let mut cities = vec![0u64; self.cities.len()];
        let mut kinds = vec![0u64; self.kinds.len()];
        let mut prices = vec![0u64; PRICE_RANGES.len()];
        let mut in_stock = 0u64;
        let mut hits: Vec<(u32, u32)> = Vec::new();
        let mut is_hit = vec![false; if words > 0 { n } else { 0 }];
        for row in rows {
            let r = row as usize;
            if !allowed_row(r) {
                continue;
            }
            let f = self.facts[r];
            let p_category = category.passes(f.category);
            let p_city = city.passes(f.city);
            let p_kind = kind.passes(f.kind);
            let p_price = filters.min_price_minor.is_none_or(|m| f.price >= m)
                && filters.max_price_minor.is_none_or(|m| f.price <= m);
            let p_stock = !filters.in_stock || f.in_stock;
            if p_city && p_kind && p_price && p_stock {
                categories[f.category as usize] += 1;
            }
            if p_category && p_kind && p_price && p_stock {
                cities[f.city as usize] += 1;
            }
            if p_category && p_city && p_price && p_stock {
                kinds[f.kind as usize] += 1;
            }
            if p_category
                && p_city
                && p_kind
                && p_stock
                && let Some(n) = prices.get_mut(usize::from(f.range))
            {
                *n += 1;
            }
            if p_category && p_city && p_kind && p_price && f.in_stock {
                in_stock += 1;
            }
            if p_category && p_city && p_kind && p_price && p_stock {
                hits.push((total.get(r).copied().unwrap_or(0), row));
                if let Some(h) = is_hit.get_mut(r) {
                    *h = true;
                }
            }
        }

        let word_matches = plan
            .words
            .iter()
            .zip(&literal_rows)
            .map(|(w, lits)| {
                // A word the backend knows no indexed term equals or starts with is never
                // literal (as `select` trusts `indexed_prefix`).
                let literal =
                    w.indexed_prefix != Some(false) && lits.iter().any(|r| is_hit[*r as usize]);
                let nearest = if literal || max_edits(w.term.chars().count()) == 0 {
                    None
                } else {
                    // (edits, hits holding it, term): the fewest edits, the most hits, the
                    // first term.
                    let mut top: Option<(u8, std::cmp::Reverse<u32>, u32)> = None;
                    for (t, d) in w.typos.iter().filter(|(_, d)| *d > 0) {
                        let Some(term) = self.find(t) else { continue };
                        let mut count = 0u32;
                        let mut last = u32::MAX;
                        for &e in self.postings(term) {
                            let row = e >> 2;
                            if row != last {
                                last = row;
                                count += u32::from(is_hit[row as usize]);
                            }
                        }
                        let key = (*d, std::cmp::Reverse(count), term);
                        if count > 0 && top.is_none_or(|k| key < k) {
                            top = Some(key);
                        }
                    }
                    top.map(|(_, _, term)| self.terms[term as usize].clone())
                };
                WordMatch { literal, nearest }
            })
            .collect();

        let facts = &self.facts;
        let order = |(sa, a): &(u32, u32), (sb, b): &(u32, u32)| {
            let (a, b) = (&facts[*a as usize], &facts[*b as usize]);
            let newest = || b.rank.cmp(&a.rank);
            match sort {
                SearchSort::Relevance => sb
                    .cmp(sa)
                    .then_with(|| b.in_stock.cmp(&a.in_stock))
                    .then_with(newest),
                SearchSort::PriceAsc => a.price.cmp(&b.price).then_with(newest),
                SearchSort::PriceDesc => b.price.cmp(&a.price).then_with(newest),
                SearchSort::Newest => newest(),
            }
        };
        let total_hits = hits.len() as u64;
        super::keep_page(&mut hits, offset, limit, order);
        let ids = hits
            .into_iter()
            .map(|(_, row)| self.candidates[row as usize].id.clone())
            .collect();
        Selection {
            ids,
            total: total_hits,
            facets: Facets {
                categories: counted(&self.categories, &categories),
                cities: counted(&self.cities, &cities),
                kinds: counted(&self.kinds, &kinds),
                prices,
                in_stock,
            },
            words: word_matches,
        }
    }
}
