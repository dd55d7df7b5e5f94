//! Product search, the part every storage backend shares: how text is normalized and cut into
//! terms, the synonyms and transliterations of a region, typo tolerance and ranking.
//!
//! A backend's own engine (SQLite FTS5, PostgreSQL full-text search with `pg_trgm`, a scan in
//! memory) finds the *candidates*: the products whose indexed terms contain one of the
//! alternatives of every query word ([`SearchPlan::retrieval_terms`]), or of any word when
//! [`SearchPlan`] is relaxed. Then [`score`] decides, the same way on every backend, whether a
//! candidate matches and how well, so every backend answers the same products in the same order.
//!
//! ```
//! use tijara_core::search::{Synonyms, index_text, normalize, plan, score, Fields};
//!
//! assert_eq!(normalize("Khaïma   FAMILIALE!"), "khaima familiale");
//! assert_eq!(normalize("أَساوِر فضّية"), normalize("اساور فضيه"));
//! assert_eq!(normalize("٢٠٢٦"), "2026");
//!
//! let synonyms = Synonyms::new([vec!["khaima", "khayma", "خيمة", "tente"]]);
//! let q = plan("kayma familale", &synonyms);
//! let fields = Fields {
//!     title: index_text("Khaïma familiale"),
//!     category: index_text("Tentes et tapis"),
//!     other: String::new(),
//! };
//! assert!(score(&q, &fields, true).is_some());
//! ```

use std::collections::{BTreeSet, HashMap};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The longest term kept, in characters (longer words are cut: nobody types them).
pub const MAX_TERM_CHARS: usize = 40;

/// The most words of a query that are searched (the rest are ignored).
pub const MAX_QUERY_TERMS: usize = 12;

/// The longest query read, in characters (the rest is ignored, never an error).
pub const MAX_QUERY_CHARS: usize = 500;

/// The version of what is indexed: of [`normalize`], [`stem`] and [`terms`], and of what each
/// of a product's [`Fields`] holds. Storage keeps it beside every search row; an engine that
/// starts on a database holding rows of another version (or none: a database upgraded from
/// before search) rebuilds the index once. Raise it with any change that would index a text
/// differently, so upgraded databases are reindexed by themselves.
pub const INDEX_VERSION: u32 = 1;

/// Lower case, without accents, Arabic diacritics and tatweel, Arabic letter forms folded
/// (أ إ آ ٱ → ا, ة → ه, ى → ي, ؤ ئ → ء), Arabic-Indic digits as ASCII digits, anything that is
/// not a letter or a digit (punctuation, quotes, operators, emoji, control characters) a space,
/// spaces collapsed. Idempotent, never fails.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars().map(fold_before).nfd() {
        if is_combining_mark(c) || c == '\u{640}' {
            continue;
        }
        for c in c.to_lowercase() {
            let c = fold_after(c);
            if let Some(s) = ligature(c) {
                out.push_str(s);
                space = false;
            } else if c.is_alphanumeric() {
                out.push(c);
                space = false;
            } else if !space {
                out.push(' ');
                space = true;
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Letters folded before the canonical decomposition (which would turn ؤ into و).
fn fold_before(c: char) -> char {
    match c {
        'ؤ' | 'ئ' => 'ء',
        'ٱ' => 'ا',
        c => c,
    }
}

/// Letters folded after it: Arabic letter forms and digits.
fn fold_after(c: char) -> char {
    match c {
        'ى' => 'ي',
        'ة' => 'ه',
        // Arabic-Indic and Eastern Arabic-Indic (Persian) digits.
        c => crate::digits::ascii_digit(c),
    }
}

fn ligature(c: char) -> Option<&'static str> {
    match c {
        'œ' => Some("oe"),
        'æ' => Some("ae"),
        'ß' => Some("ss"),
        _ => None,
    }
}

/// One normalized word reduced to the form indexed and searched: the Arabic article (ال, وال,
/// بال, لل) and a French or English plural `s`/`x` taken off long enough words, cut at
/// [`MAX_TERM_CHARS`].
pub fn stem(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut s: &[char] = &chars;
    for article in [
        &['و', 'ا', 'ل'][..],
        &['ب', 'ا', 'ل'],
        &['ا', 'ل'],
        &['ل', 'ل'],
    ] {
        if s.len() >= article.len() + 3 && s.starts_with(article) {
            s = &s[article.len()..];
            break;
        }
    }
    if s.len() >= 4
        && matches!(s.last(), Some('s' | 'x'))
        && !matches!(s.get(s.len() - 2), Some('s' | 'u' | 'i'))
    {
        s = &s[..s.len() - 1];
    } else if s.len() >= 5 && s.ends_with(&['u', 'x']) {
        // bijoux → bijou, cheveux → cheveu (but not prix, tapis, bras).
        s = &s[..s.len() - 1];
    }
    s.iter().take(MAX_TERM_CHARS).collect()
}

/// The indexed terms of a text: [`normalize`]d, split at spaces, each [`stem`]med.
pub fn terms(text: &str) -> Vec<String> {
    normalize(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(stem)
        .collect()
}

/// The text a backend indexes for `text`: its [`terms`] joined by single spaces (only letters,
/// digits and spaces: safe inside any full-text engine).
pub fn index_text(text: &str) -> String {
    terms(text).join(" ")
}

/// The indexed text of a category's names, every language ([`index_text`] of each, joined by
/// single spaces): what a product's [`Fields::category`] holds. The engine and the storage
/// (which follows a category's renaming into its products' rows) both compute it here.
///
/// ```
/// assert_eq!(
///     tijara_core::search::category_text(["Tentes et tapis", "", "Tents and rugs"]),
///     "tente et tapis tent and rug"
/// );
/// ```
pub fn category_text<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for name in names {
        let t = index_text(name);
        if !t.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&t);
        }
    }
    out
}

/// How many edits a query word of this many characters tolerates: none under 4, one from 4,
/// two from 8.
pub fn max_edits(chars: usize) -> u8 {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The edit distance (insertions, deletions, substitutions, and swaps of two neighbours) between
/// `a` and `b` if it is at most `max`, else `None`. Cheap when the lengths differ by more.
pub fn within_edits(a: &str, b: &str, max: u8) -> Option<u8> {
    // Most pairs differ in length: decided before anything is copied.
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.abs_diff(lb) > usize::from(max) {
        return None;
    }
    if a == b {
        return Some(0);
    }
    if max == 0 {
        return None;
    }
    if a.is_ascii() && b.is_ascii() {
        return osa_within(a.as_bytes(), b.as_bytes(), max);
    }
    if la <= SHORT && lb <= SHORT {
        // Indexed terms are cut at MAX_TERM_CHARS: copied to the stack, never allocated.
        let (mut ca, mut cb) = (['\0'; SHORT], ['\0'; SHORT]);
        for (slot, c) in ca.iter_mut().zip(a.chars()) {
            *slot = c;
        }
        for (slot, c) in cb.iter_mut().zip(b.chars()) {
            *slot = c;
        }
        return osa_within(&ca[..la], &cb[..lb], max);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    osa_within(&a, &b, max)
}

/// The longest words [`within_edits`] compares without allocating (every indexed term).
const SHORT: usize = 48;

/// The optimal string alignment distance of `a` and `b` (edits, and swaps of two neighbours) if
/// at most `max`; rows on the stack when `b` is short, given up as soon as a row exceeds `max`.
fn osa_within<T: PartialEq>(a: &[T], b: &[T], max: u8) -> Option<u8> {
    let max = usize::from(max);
    let w = b.len() + 1;
    if w > SHORT + 1 {
        let mut rows = vec![0usize; 3 * w];
        let (prev2, rest) = rows.split_at_mut(w);
        let (prev, cur) = rest.split_at_mut(w);
        return osa_rows(a, b, max, prev2, prev, cur);
    }
    let mut rows = [[0usize; SHORT + 1]; 3];
    let [prev2, prev, cur] = &mut rows;
    osa_rows(a, b, max, &mut prev2[..w], &mut prev[..w], &mut cur[..w])
}

fn osa_rows<'r, T: PartialEq>(
    a: &[T],
    b: &[T],
    max: usize,
    mut prev2: &'r mut [usize],
    mut prev: &'r mut [usize],
    mut cur: &'r mut [usize],
) -> Option<u8> {
    let w = b.len() + 1;
    for (j, p) in prev.iter_mut().enumerate() {
        *p = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..w {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        // Rotate the rows: prev2 <- prev <- cur <- (old prev2, overwritten next row).
        let old = prev2;
        prev2 = prev;
        prev = cur;
        cur = old;
    }
    let d = prev[w - 1];
    (d <= max).then(|| u8::try_from(d).unwrap_or(u8::MAX))
}

/// Groups of words that mean the same to shoppers (transliterations of one Hassaniya word, its
/// Arabic spelling and its French and English names): searching one finds the others. A
/// region's file lists them (`[[search_synonyms]]`); embedders extend the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
    by_term: HashMap<String, Vec<usize>>,
}

impl Synonyms {
    /// The groups given, each word reduced to its indexed term; words of several terms are
    /// left out (a synonym is one word).
    pub fn new<G, W>(groups: impl IntoIterator<Item = G>) -> Self
    where
        G: IntoIterator<Item = W>,
        W: AsRef<str>,
    {
        let mut s = Synonyms::default();
        for g in groups {
            s.add_group(g);
        }
        s
    }

    /// Adds a group (an embedder's own words).
    pub fn add_group<W: AsRef<str>>(&mut self, group: impl IntoIterator<Item = W>) {
        let mut terms: Vec<String> = group
            .into_iter()
            .filter_map(|w| match self::terms(w.as_ref()).as_slice() {
                [one] => Some(one.clone()),
                _ => None,
            })
            .collect();
        terms.sort();
        terms.dedup();
        if terms.len() < 2 {
            return;
        }
        let i = self.groups.len();
        for t in &terms {
            self.by_term.entry(t.clone()).or_default().push(i);
        }
        self.groups.push(terms);
    }

    /// The other terms of the groups `term` belongs to.
    pub fn of(&self, term: &str) -> Vec<&str> {
        let mut out: BTreeSet<&str> = BTreeSet::new();
        for &i in self.by_term.get(term).into_iter().flatten() {
            for t in &self.groups[i] {
                if t != term {
                    out.insert(t);
                }
            }
        }
        out.into_iter().collect()
    }

    /// The synonyms of `term` and of the table's words within [`max_edits`] of it (a typo in
    /// a transliteration: `kayma` is one edit from `khayma`, a synonym of `khaima`), those
    /// words included; never `term` itself.
    pub fn near(&self, term: &str) -> Vec<String> {
        let max = max_edits(term.chars().count());
        let mut out: BTreeSet<&str> = self.of(term).into_iter().collect();
        if max > 0 {
            for known in self.by_term.keys() {
                if known != term && within_edits(term, known, max).is_some() {
                    out.insert(known);
                    out.extend(self.of(known));
                }
            }
        }
        out.remove(term);
        out.into_iter().map(str::to_owned).collect()
    }

    /// Whether `term` (an indexed term) is one of the table's words.
    pub fn contains(&self, term: &str) -> bool {
        self.by_term.contains_key(term)
    }

    /// The groups, each a sorted list of terms.
    pub fn groups(&self) -> &[Vec<String>] {
        &self.groups
    }
}

/// One word of a query and what it may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// The word as indexed ([`stem`]med).
    pub term: String,
    /// Its synonyms' terms (with those of the table's words a typo away: [`Synonyms::near`]).
    pub synonyms: Vec<String>,
    /// Indexed terms within [`max_edits`] of the word, sorted, each with its edits (filled by
    /// the backend from its vocabulary, [`SearchPlan::add_typos`]): used to find candidates,
    /// and by [`score`] once [`QueryWord::typos_complete`].
    pub typos: Vec<(String, u8)>,
    /// True once [`SearchPlan::add_typos`] looked the word up in the index's whole vocabulary
    /// (of every length within [`max_edits`]): then a term is a typo of the word exactly when
    /// `typos` lists it, and [`score`] reads its edits there instead of recomputing them.
    /// False (a plan not completed, as the memory store's scan uses): [`score`] computes.
    pub typos_complete: bool,
    /// Whether the index holds the word itself or a term starting with it, when the backend
    /// looked (`None`: not known). `Some(false)` spares [`select`] reading every result's
    /// fields to learn that the word was not typed as indexed ([`WordMatch::literal`]).
    pub indexed_prefix: Option<bool>,
}

impl QueryWord {
    /// Whether a (prefix) match of `term` is allowed: two characters at least.
    fn prefix_ok(term: &str) -> bool {
        term.chars().nth(1).is_some()
    }
}

/// A parsed query: its words with their alternatives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchPlan {
    /// The words, without repeats, at most [`MAX_QUERY_TERMS`].
    pub words: Vec<QueryWord>,
}

/// The query `text` as words with their synonyms (no typos yet: see
/// [`SearchPlan::add_typos`]). Anything a shopper types is accepted: a query of no letter or
/// digit has no words (nothing matches it).
pub fn plan(text: &str, synonyms: &Synonyms) -> SearchPlan {
    let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
    let mut seen = BTreeSet::new();
    let words = terms(&text)
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .take(MAX_QUERY_TERMS)
        .map(|term| QueryWord {
            synonyms: synonyms.near(&term),
            term,
            typos: Vec::new(),
            typos_complete: false,
            indexed_prefix: None,
        })
        .collect();
    SearchPlan { words }
}

/// How a candidate term may be asked of a full-text engine.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RetrievalTerm {
    /// Indexed terms starting with this.
    Prefix(String),
    /// This indexed term exactly.
    Exact(String),
}

impl RetrievalTerm {
    /// The term.
    pub fn term(&self) -> &str {
        match self {
            RetrievalTerm::Prefix(t) | RetrievalTerm::Exact(t) => t,
        }
    }
}

impl SearchPlan {
    /// True when the query has no word (only punctuation, emoji, spaces...).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Adds to each word the terms of `vocabulary` within [`max_edits`] of it. The vocabulary
    /// is every term the index holds (or a superset), at least of every length within
    /// [`max_edits`] of the words ([`vocabulary_bounds`](SearchPlan::vocabulary_bounds)): the
    /// words' typos are then complete ([`QueryWord::typos_complete`]), and [`score`] looks
    /// them up rather than comparing each term of each candidate again.
    pub fn add_typos<'a>(&mut self, vocabulary: impl IntoIterator<Item = &'a str>) {
        let vocabulary: Vec<&str> = vocabulary.into_iter().collect();
        for w in &mut self.words {
            w.typos_complete = true;
            let max = max_edits(w.term.chars().count());
            if max == 0 {
                continue;
            }
            let mut found: Vec<(String, u8)> = vocabulary
                .iter()
                .filter(|v| **v != w.term)
                .filter_map(|v| within_edits(&w.term, v, max).map(|d| ((*v).to_owned(), d)))
                .collect();
            found.sort();
            found.dedup();
            w.typos = found;
        }
    }

    /// The lengths (in characters) of the indexed terms that may be typos of the words: what
    /// a backend reads of its vocabulary for [`SearchPlan::add_typos`]. `None` when no word
    /// tolerates an edit.
    pub fn vocabulary_bounds(&self) -> Option<(usize, usize)> {
        self.words
            .iter()
            .filter_map(|w| {
                let n = w.term.chars().count();
                let e = usize::from(max_edits(n));
                (e > 0).then(|| (n - e, n + e))
            })
            .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
    }

    /// Per word, the terms a backend looks for: the word and its synonyms as prefixes (exactly
    /// when a single character), its typos exactly. A product is a candidate when, for every
    /// word (or any word when relaxed), one of its indexed terms is one of these.
    pub fn retrieval_terms(&self) -> Vec<Vec<RetrievalTerm>> {
        self.words
            .iter()
            .map(|w| {
                let mut out: BTreeSet<RetrievalTerm> = BTreeSet::new();
                for t in std::iter::once(&w.term).chain(&w.synonyms) {
                    out.insert(if QueryWord::prefix_ok(t) {
                        RetrievalTerm::Prefix(t.clone())
                    } else {
                        RetrievalTerm::Exact(t.clone())
                    });
                }
                out.extend(w.typos.iter().map(|(t, _)| RetrievalTerm::Exact(t.clone())));
                out.into_iter().collect()
            })
            .collect()
    }

    /// Whether one indexed `term` is found by the retrieval terms of word `i` (what a backend's
    /// candidate query decides; the memory store uses it).
    pub fn word_finds(&self, i: usize, term: &str) -> bool {
        let Some(w) = self.words.get(i) else {
            return false;
        };
        quality(w, Reach::of(w), term).is_some()
    }
}

/// The indexed texts of a product, by weight ([`index_text`] of each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// Titles in every language.
    pub title: String,
    /// Its category's names.
    pub category: String,
    /// Descriptions, materials, seller name and city, member artisan's name, variant options.
    pub other: String,
}

/// What a word's typos can be: the edits it tolerates ([`max_edits`] of its length) and the
/// lengths in bytes a term within them can have (any other term is rejected without a look).
#[derive(Debug, Clone, Copy)]
struct Reach {
    max: u8,
    lo: usize,
    hi: usize,
}

impl Reach {
    fn of(w: &QueryWord) -> Reach {
        let n = w.term.chars().count();
        let max = max_edits(n);
        if w.typos_complete {
            let lens = w.typos.iter().map(|(t, _)| t.len());
            Reach {
                max,
                lo: lens.clone().min().unwrap_or(usize::MAX),
                hi: lens.max().unwrap_or(0),
            }
        } else {
            // A character is one to four bytes.
            let m = usize::from(max);
            Reach {
                max,
                lo: n.saturating_sub(m),
                hi: (n + m).saturating_mul(4),
            }
        }
    }
}

/// How well `word` (within `reach`: [`Reach::of`] it) matches one indexed term: 6 the word
/// itself, 5 a synonym, 4 a prefix of the word, 3 a prefix of a synonym, 2 one edit, 1 two
/// edits.
fn quality(word: &QueryWord, reach: Reach, term: &str) -> Option<u32> {
    if term == word.term {
        return Some(6);
    }
    if word.synonyms.iter().any(|s| s == term) {
        return Some(5);
    }
    if QueryWord::prefix_ok(&word.term) && term.starts_with(word.term.as_str()) {
        return Some(4);
    }
    if word
        .synonyms
        .iter()
        .any(|s| QueryWord::prefix_ok(s) && term.starts_with(s.as_str()))
    {
        return Some(3);
    }
    match typo_edits(word, reach, term) {
        Some(0 | 1) => Some(2),
        Some(_) => Some(1),
        None => None,
    }
}

/// The edits from `word` to `term` when within `max`: read from the word's typos when they are
/// complete, else computed.
fn typo_edits(word: &QueryWord, reach: Reach, term: &str) -> Option<u8> {
    if reach.max == 0 || term.len() < reach.lo || term.len() > reach.hi {
        return None;
    }
    if word.typos_complete {
        word.typos
            .binary_search_by(|(t, _)| t.as_str().cmp(term))
            .ok()
            .map(|i| word.typos[i].1)
    } else {
        within_edits(&word.term, term, reach.max)
    }
}

/// The best quality of `word` over a field's terms (6 at most: the search stops there).
fn best(word: &QueryWord, reach: Reach, field: &str) -> u32 {
    let mut top = 0;
    for t in field.split(' ').filter(|t| !t.is_empty()) {
        if let Some(q) = quality(word, reach, t) {
            top = top.max(q);
            if top == 6 {
                break;
            }
        }
    }
    top
}

/// Weight of a match in the title.
const TITLE: u32 = 100;
/// Weight of a match in the category's names.
const CATEGORY: u32 = 10;
/// Weight of a match elsewhere (description, materials, seller, options).
const OTHER: u32 = 1;
// What lets [`score`] skip the lighter fields: the best quality (6) of a lighter field stays
// under the weight of one match in a heavier one.
const _: () = assert!(6 * CATEGORY < TITLE && 6 * OTHER < CATEGORY);

/// How well a product matches: `None` when it does not (a word matched nowhere while
/// `match_all`, or no word matched at all), else a score where a title match outweighs any
/// category match, which outweighs any match elsewhere, and within a field the word itself
/// beats a synonym, a prefix, then a typo. Words that match add up.
pub fn score(plan: &SearchPlan, fields: &Fields, match_all: bool) -> Option<u32> {
    let reaches: Vec<Reach> = plan.words.iter().map(Reach::of).collect();
    score_within(plan, &reaches, fields, match_all)
}

/// [`score`] with each word's [`Reach`] worked out once for many candidates.
fn score_within(
    plan: &SearchPlan,
    reaches: &[Reach],
    fields: &Fields,
    match_all: bool,
) -> Option<u32> {
    let mut total = 0u32;
    let mut matched = 0usize;
    for (w, &reach) in plan.words.iter().zip(reaches) {
        // Any title match outweighs any category match, which outweighs any other: a field is
        // read only when the heavier ones hold nothing.
        let mut s = best(w, reach, &fields.title) * TITLE;
        if s == 0 {
            s = best(w, reach, &fields.category) * CATEGORY;
        }
        if s == 0 {
            s = best(w, reach, &fields.other) * OTHER;
        }
        if s == 0 {
            if match_all {
                return None;
            }
        } else {
            matched += 1;
            total += s;
        }
    }
    (matched > 0).then_some(total)
}

/// A product a backend found for a query, with what filtering, faceting and ranking need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidate {
    /// Product id (UUID v7 ids sort by creation: the newest is the greatest).
    pub id: String,
    /// Its indexed texts.
    pub fields: Fields,
    /// Category id.
    pub category: String,
    /// The seller's city, as the seller wrote it.
    pub seller_city: String,
    /// The seller's kind (`artisan`, `cooperative`, `gie`).
    pub seller_kind: String,
    /// Lowest active variant price, minor units (the "from" price of a card).
    pub min_price_minor: i64,
    /// Some variant can be bought now (untracked, or units available).
    pub in_stock: bool,
}

/// How results are ordered.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SearchSort {
    /// Best match first (title over category over the rest), in stock before out of stock,
    /// then newest first.
    #[default]
    Relevance,
    /// Cheapest first.
    PriceAsc,
    /// Dearest first.
    PriceDesc,
    /// Newest first.
    Newest,
}

impl SearchSort {
    /// The word used in addresses and the API (`relevance`, `price_asc`, `price_desc`, `newest`).
    pub fn as_str(self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::PriceAsc => "price_asc",
            SearchSort::PriceDesc => "price_desc",
            SearchSort::Newest => "newest",
        }
    }

    /// Reads [`SearchSort::as_str`]'s words; `None` for anything else.
    pub fn parse(s: &str) -> Option<SearchSort> {
        [
            SearchSort::Relevance,
            SearchSort::PriceAsc,
            SearchSort::PriceDesc,
            SearchSort::Newest,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// Filters of a search, all optional, combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SearchFilters {
    /// Category id.
    pub category: Option<String>,
    /// Seller's city (exactly as a facet names it).
    pub seller_city: Option<String>,
    /// Seller's kind (`artisan`, `cooperative`, `gie`).
    pub seller_kind: Option<String>,
    /// The product's lowest price is at least this (minor units).
    pub min_price_minor: Option<i64>,
    /// The product's lowest price is at most this (minor units).
    pub max_price_minor: Option<i64>,
    /// Only products that can be bought now.
    pub in_stock: bool,
}

/// The price ranges a search counts products in (lowest price, MAD): below 200, 200 to 499.99,
/// 500 to 999.99, 1,000 to 4,999.99, 5,000 and more. Bounds in minor units, upper excluded.
pub const PRICE_RANGES: [(i64, Option<i64>); 5] = [
    (0, Some(20_000)),
    (20_000, Some(50_000)),
    (50_000, Some(100_000)),
    (100_000, Some(500_000)),
    (500_000, None),
];

/// One value of a facet and how many results have it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FacetCount {
    /// The value (a category id, a city, a seller kind).
    pub value: String,
    /// How many results have it.
    pub count: u64,
}

/// Counts of the results per value of each filter. Each facet is counted with every *other*
/// filter applied (so choosing a city shows how many results each other city would give).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Facets {
    /// Per category id, most results first, then by id.
    pub categories: Vec<FacetCount>,
    /// Per seller city, most results first, then by name.
    pub cities: Vec<FacetCount>,
    /// Per seller kind, most results first, then by name.
    pub kinds: Vec<FacetCount>,
    /// Per range of [`PRICE_RANGES`], in that order.
    pub prices: Vec<u64>,
    /// Results that can be bought now.
    pub in_stock: u64,
}

/// What a search selected: the ids of the page asked for, in order, the number of results and
/// the facets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Product ids of the page, best first (or in the sort asked for).
    pub ids: Vec<String>,
    /// How many products match (all pages).
    pub total: u64,
    /// Counts per filter value.
    pub facets: Facets,
    /// How the results match each word of the plan, in order (empty without words): what a
    /// "did you mean" starts from.
    pub words: Vec<WordMatch>,
}

/// How the results of a search match one word of the query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordMatch {
    /// Some result holds the word itself, or a term starting with it: the shopper typed a
    /// word the index knows.
    pub literal: bool,
    /// When no result holds it literally: the indexed term nearest to it (within
    /// [`max_edits`]) that the results hold, the most frequent among the nearest, then the
    /// first in order; `None` when the results match it only by synonyms, or not at all.
    pub nearest: Option<String>,
}

/// Whether `word` matches a term of a product's fields literally: the word itself, or a term
/// starting with it.
fn literal(word: &QueryWord, fields: &Fields) -> bool {
    let ok = |t: &str| {
        t == word.term || (QueryWord::prefix_ok(&word.term) && t.starts_with(word.term.as_str()))
    };
    [&fields.title, &fields.category, &fields.other]
        .into_iter()
        .any(|f| f.split(' ').any(ok))
}

/// How the `hits` match each word (see [`Selection::words`]); `literal[i]` says some hit holds
/// word `i` literally.
fn word_matches<'a>(
    plan: &SearchPlan,
    literal: &[bool],
    hits: impl Iterator<Item = &'a Fields> + Clone,
) -> Vec<WordMatch> {
    plan.words
        .iter()
        .zip(literal)
        .map(|(w, &literal)| {
            if literal {
                return WordMatch {
                    literal,
                    nearest: None,
                };
            }
            let reach = Reach::of(w);
            // (edits, term) -> hits holding it.
            let mut seen: HashMap<(u8, &str), u32> = HashMap::new();
            // Typos looked up and none found: no hit holds one.
            let none = w.typos_complete && w.typos.is_empty();
            if reach.max > 0 && !none {
                let mut mine: BTreeSet<(u8, &str)> = BTreeSet::new();
                for f in hits.clone() {
                    mine.clear();
                    for field in [&f.title, &f.category, &f.other] {
                        for t in field.split(' ').filter(|t| !t.is_empty()) {
                            if let Some(d) = typo_edits(w, reach, t).filter(|d| *d > 0) {
                                mine.insert((d, t));
                            }
                        }
                    }
                    for &k in &mine {
                        *seen.entry(k).or_default() += 1;
                    }
                }
            }
            let nearest = seen
                .into_iter()
                .min_by(|((da, ta), na), ((db, tb), nb)| {
                    da.cmp(db).then(nb.cmp(na)).then(ta.cmp(tb))
                })
                .map(|((_, t), _)| t.to_owned());
            WordMatch { literal, nearest }
        })
        .collect()
}

/// Which filters a candidate passes, one flag per dimension.
struct Passes {
    category: bool,
    city: bool,
    kind: bool,
    price: bool,
    stock: bool,
}

impl Passes {
    fn of(f: &SearchFilters, c: &Candidate) -> Passes {
        Passes {
            category: f.category.as_ref().is_none_or(|x| *x == c.category),
            city: f.seller_city.as_ref().is_none_or(|x| *x == c.seller_city),
            kind: f.seller_kind.as_ref().is_none_or(|x| *x == c.seller_kind),
            price: f.min_price_minor.is_none_or(|m| c.min_price_minor >= m)
                && f.max_price_minor.is_none_or(|m| c.min_price_minor <= m),
            stock: !f.in_stock || c.in_stock,
        }
    }

    fn all(&self) -> bool {
        self.category && self.city && self.kind && self.price && self.stock
    }
}

fn counted(map: HashMap<String, u64>) -> Vec<FacetCount> {
    let mut v: Vec<FacetCount> = map
        .into_iter()
        .filter(|(value, _)| !value.is_empty())
        .map(|(value, count)| FacetCount { value, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    v
}

/// Scores, filters, counts and orders the candidates a backend found, and cuts the page
/// (`offset`, `limit`): the part of a search every backend shares. With an empty plan every
/// candidate matches (a listing); otherwise [`score`] decides. Candidates are given owned or
/// borrowed (a backend that keeps them between searches lends them: nothing is copied).
pub fn select<C: std::borrow::Borrow<Candidate>>(
    plan: &SearchPlan,
    match_all: bool,
    filters: &SearchFilters,
    sort: SearchSort,
    offset: u64,
    limit: u32,
    candidates: impl IntoIterator<Item = C>,
) -> Selection {
    let mut hits: Vec<(u32, C)> = Vec::new();
    let mut categories: HashMap<String, u64> = HashMap::new();
    let mut cities: HashMap<String, u64> = HashMap::new();
    let mut kinds: HashMap<String, u64> = HashMap::new();
    let mut prices = vec![0u64; PRICE_RANGES.len()];
    let mut in_stock = 0u64;
    // Per word: some result holds the word itself (or a term starting with it).
    let mut literals = vec![false; plan.words.len()];
    let reaches: Vec<Reach> = plan.words.iter().map(Reach::of).collect();
    // Counts a facet value, its key copied only the first time it is seen.
    fn count(map: &mut HashMap<String, u64>, value: &str) {
        match map.get_mut(value) {
            Some(n) => *n += 1,
            None => {
                map.insert(value.to_owned(), 1);
            }
        }
    }
    for held in candidates {
        let c: &Candidate = held.borrow();
        let s = if plan.is_empty() {
            0
        } else {
            match score_within(plan, &reaches, &c.fields, match_all) {
                Some(s) => s,
                None => continue,
            }
        };
        let p = Passes::of(filters, c);
        if p.city && p.kind && p.price && p.stock {
            count(&mut categories, &c.category);
        }
        if p.category && p.kind && p.price && p.stock {
            count(&mut cities, &c.seller_city);
        }
        if p.category && p.city && p.price && p.stock {
            count(&mut kinds, &c.seller_kind);
        }
        let range = PRICE_RANGES.iter().position(|(lo, hi)| {
            c.min_price_minor >= *lo && hi.is_none_or(|h| c.min_price_minor < h)
        });
        if let Some(i) = range.filter(|_| p.category && p.city && p.kind && p.stock) {
            prices[i] += 1;
        }
        if p.category && p.city && p.kind && p.price && c.in_stock {
            in_stock += 1;
        }
        if p.all() {
            for (i, w) in plan.words.iter().enumerate() {
                if !literals[i] && w.indexed_prefix != Some(false) && literal(w, &c.fields) {
                    literals[i] = true;
                }
            }
            hits.push((s, held));
        }
    }
    let words = word_matches(
        plan,
        &literals,
        hits.iter().map(|(_, c)| &c.borrow().fields),
    );
    let newest = |a: &Candidate, b: &Candidate| b.id.cmp(&a.id);
    let order = |(sa, a): &(u32, C), (sb, b): &(u32, C)| {
        let (a, b) = (a.borrow(), b.borrow());
        match sort {
            SearchSort::Relevance => sb
                .cmp(sa)
                .then_with(|| b.in_stock.cmp(&a.in_stock))
                .then_with(|| newest(a, b)),
            SearchSort::PriceAsc => a
                .min_price_minor
                .cmp(&b.min_price_minor)
                .then_with(|| newest(a, b)),
            SearchSort::PriceDesc => b
                .min_price_minor
                .cmp(&a.min_price_minor)
                .then_with(|| newest(a, b)),
            SearchSort::Newest => newest(a, b),
        }
    };
    let total = hits.len() as u64;
    keep_page(&mut hits, offset, limit, order);
    let ids = hits
        .into_iter()
        .map(|(_, c)| c.borrow().id.clone())
        .collect();
    Selection {
        ids,
        total,
        facets: Facets {
            categories: counted(categories),
            cities: counted(cities),
            kinds: counted(kinds),
            prices,
            in_stock,
        },
        words,
    }
}

/// Keeps in `hits` only the page `offset..offset + limit` (at least one) of their order, in
/// order. Only the page is sorted in full: the hits after it are partitioned off first.
fn keep_page<T>(
    hits: &mut Vec<T>,
    offset: u64,
    limit: u32,
    mut order: impl FnMut(&T, &T) -> std::cmp::Ordering,
) {
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(hits.len());
    let end = start.saturating_add(limit.max(1) as usize).min(hits.len());
    if end < hits.len() {
        hits.select_nth_unstable_by(end, &mut order);
        hits.truncate(end);
    }
    hits.sort_unstable_by(&mut order);
    hits.drain(..start);
}

mod index;
mod suggest;
pub use index::Index;
pub use suggest::{Lexicon, Script};

#[cfg(test)]
mod tests;
