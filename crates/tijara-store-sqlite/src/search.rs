//! Product search on SQLite: FTS5 finds the candidates' row numbers; what scoring, filters and
//! facets need of each product (its indexed texts, category, seller's city and kind, price,
//! whether it can be bought) is kept in memory between searches, with the typo vocabulary.
//!
//! Measured on 10,000 products (docs/benchmarks.md, issue 16): reading each candidate's row
//! from `products` (and its stock) cost most of a search — a broad word has over a thousand
//! candidates, each a few B-tree descents, page copies and owned strings. What is kept is
//! valid for one `catalog_version` (raised by triggers with any product, seller or category
//! write) and one `availability` count (raised by triggers when a variant becomes available or
//! unavailable, or a stock row comes or goes), both read in the search's own read transaction:
//! a write from any process, or a variant selling out, is seen by the next search. Anything
//! else a search reads (the FTS index, the page's documents) is read in that transaction.
//! What is kept, and how it is replaced, is the storage port's
//! [`SearchSnapshot`](tijara::ports::storage::SearchSnapshot) (shared with the sqlx stores);
//! this module adds the FTS row numbers and the FTS path.

use crate::error::Stop;
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;
use tijara::ports::storage::{
    DocKind, SearchPage, SearchQuery, SearchSnapshot, SearchVersions, StoredDoc, fts5_match,
};
use tijara_core::search::{Candidate, Fields, SearchPlan, Selection};

/// What this adapter keeps with the shared [`SearchSnapshot`].
#[derive(Debug, Default, Clone)]
pub(crate) struct Fts {
    /// The snapshot's rows in its index by FTS row number.
    rows: HashMap<i64, u32>,
    /// Every term of the index is one token to FTS5's `unicode61` tokenizer (see [`plain`]):
    /// the index's postings then find exactly the products the FTS query finds that can
    /// match, and the FTS query is not run.
    plain: bool,
}

/// The snapshot shared by the store's readers (replaced whole when outdated).
pub(crate) type SearchCache = tijara::ports::storage::SearchCache<Fts>;

/// The active products and the vocabulary, read in the search's read transaction (so at
/// `versions`).
fn read_snapshot(c: &Connection, versions: SearchVersions) -> Result<SearchSnapshot<Fts>, Stop> {
    let mut rows = HashMap::new();
    let mut candidates = Vec::new();
    let mut st = c.prepare_cached(
        "SELECT r.n, p.id, p.title_text, p.category_text, p.other_text, p.category, \
         p.seller_city, p.seller_kind, p.min_price, EXISTS (SELECT 1 FROM stock s \
         WHERE s.product = p.id AND (s.tracked = 0 OR s.on_hand - s.reserved > 0)) \
         FROM products p JOIN search_rows r ON r.id = p.id WHERE p.active = 1",
    )?;
    let mut q = st.query([])?;
    while let Some(r) = q.next()? {
        rows.insert(
            r.get::<_, i64>(0)?,
            u32::try_from(candidates.len()).unwrap_or(u32::MAX),
        );
        candidates.push(Candidate {
            id: r.get(1)?,
            fields: Fields {
                title: r.get(2)?,
                category: r.get(3)?,
                other: r.get(4)?,
            },
            category: r.get(5)?,
            seller_city: r.get(6)?,
            seller_kind: r.get(7)?,
            min_price_minor: r.get(8)?,
            in_stock: r.get::<_, i64>(9)? == 1,
        });
    }
    let mut st = c.prepare_cached("SELECT term FROM search_terms")?;
    let vocabulary = st
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(
        SearchSnapshot::new(versions, candidates, vocabulary).with_extra(|index| Fts {
            rows,
            plain: index.terms().iter().all(|t| plain(t)),
        }),
    )
}

/// The products having a variant that can be bought now (as `read_snapshot` reads each
/// product's `in_stock`), read in the search's read transaction.
fn read_in_stock(c: &Connection) -> Result<std::collections::HashSet<String>, Stop> {
    let mut st = c.prepare_cached(
        "SELECT DISTINCT product FROM stock WHERE tracked = 0 OR on_hand - reserved > 0",
    )?;
    let ids = st
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// [`tijara::ports::storage::Storage::search`] on one reader connection.
pub(crate) fn search(
    c: &Connection,
    cache: &SearchCache,
    query: &SearchQuery,
) -> Result<SearchPage, Stop> {
    // One read transaction: the versions, the FTS index and the documents agree.
    let tx = c.unchecked_transaction()?;
    let versions = tx
        .prepare_cached("SELECT version, availability FROM catalog_version WHERE id = 1")?
        .query_row([], |r| Ok(SearchVersions::new(r.get(0)?, r.get(1)?)))?;
    let snap = cache.get_or_read(versions, || match cache.patchable(versions) {
        // Only which variants can be bought changed: the kept index with new flags.
        Some(kept) => {
            let in_stock = read_in_stock(&tx)?;
            Ok(kept.with_availability(versions, |id| in_stock.contains(id)))
        }
        None => read_snapshot(&tx, versions),
    })?;
    let plan = snap.plan(query);
    let sel = if plan.is_empty() || snap.extra().plain {
        let sel = snap.select_plan(&plan, query, None);
        // Debug builds (every test) check the postings against the FTS index of record.
        #[cfg(debug_assertions)]
        if !plan.is_empty() {
            assert_eq!(sel, by_fts(&tx, &snap, &plan, query)?, "{plan:?}");
        }
        sel
    } else {
        by_fts(&tx, &snap, &plan, query)?
    };
    // The documents, unless the caller holds this version's products decoded.
    let catalog = versions.catalog;
    let held = query
        .held_at
        .is_some_and(|v| i64::try_from(v) == Ok(catalog));
    let mut docs: Vec<StoredDoc> = Vec::with_capacity(sel.ids.len());
    if !held {
        let mut st = tx.prepare_cached(
            "SELECT id, version, body FROM docs WHERE kind = 'product' AND id = ?1",
        )?;
        for id in &sel.ids {
            if let Some(d) = st
                .query_row([id], |r| crate::apply::doc_row(DocKind::Product, r))
                .optional()?
            {
                docs.push(d);
            }
        }
    }
    // The counters of the page's variants, in the same transaction: the engine shows each
    // one's availability without another read.
    let mut stock = Vec::new();
    let mut st = tx.prepare_cached(
        "SELECT variant, product, tracked, on_hand, reserved FROM stock WHERE product = ?1",
    )?;
    for id in &sel.ids {
        let mut q = st.query([id])?;
        while let Some(r) = q.next()? {
            stock.push(crate::apply::stock_row(r, 0)?);
        }
    }
    drop(st);
    tx.finish()?;
    let page = if held {
        SearchPage::of_ids(sel.ids, sel.total, sel.facets)
    } else {
        SearchPage::new(docs, sel.total, sel.facets)
    };
    Ok(page
        .with_words(sel.words)
        .with_catalog_version(u64::try_from(catalog).unwrap_or(0))
        .with_stock(stock))
}

/// The selection among the products the FTS query of `plan` finds (those that can match).
fn by_fts(
    tx: &Connection,
    snap: &SearchSnapshot<Fts>,
    plan: &SearchPlan,
    query: &SearchQuery,
) -> Result<Selection, Stop> {
    let mut allowed = vec![false; snap.index().len()];
    if let Some(m) = fts5_match(plan, query.match_all) {
        let mut st =
            tx.prepare_cached("SELECT rowid FROM product_fts WHERE product_fts MATCH ?1")?;
        let mut q = st.query([m])?;
        while let Some(r) = q.next()? {
            // Inactive products have no row: found by the index, never shown.
            if let Some(&row) = snap.extra().rows.get(&r.get::<_, i64>(0)?) {
                allowed[row as usize] = true;
            }
        }
    }
    Ok(snap.select_plan(plan, query, Some(&allowed)))
}

/// Whether FTS5's `unicode61` tokenizer (`remove_diacritics 0`) reads an indexed term as one
/// token, itself (up to case): every character a lower-case letter or digit of the blocks its
/// tables have long held as such (ASCII, Latin-1, Latin Extended-A and B, Arabic letters).
/// A term with another character (a letter the tokenizer's older tables do not know, a
/// symbol `char::is_alphanumeric` counts as a letter) may be cut otherwise, so a snapshot
/// holding one asks FTS5 which products a query finds.
fn plain(term: &str) -> bool {
    term.chars().all(|c| {
        c.is_alphanumeric()
            && matches!(c,
                'a'..='z'
                | '0'..='9'
                | '\u{DF}'..='\u{FF}'
                | '\u{100}'..='\u{24F}'
                | '\u{620}'..='\u{64A}'
                | '\u{66E}'..='\u{6D3}'
                | '\u{6D5}')
    })
}
