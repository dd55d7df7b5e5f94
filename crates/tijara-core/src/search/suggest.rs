//! "Did you mean": the words a marketplace knows (its categories' names in each language, its
//! synonyms table), and the known word nearest to each word a shopper probably mistyped,
//! preferring the page's language and never changing the word's script.

use super::{SearchPlan, Synonyms, WordMatch, max_edits, terms, within_edits};
use crate::i18n::Lang;
use std::collections::{BTreeMap, BTreeSet};

/// The writing system of a term, as far as suggestions care: a suggestion is always in the
/// script of the word it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Script {
    /// Latin letters (French, English, transliterated Hassaniya).
    Latin,
    /// Arabic letters.
    Arabic,
    /// Any other script (Tifinagh, Cyrillic...).
    Other,
}

impl Script {
    /// The script of a term's first letter; `None` for a term without letters (digits only).
    ///
    /// ```
    /// use tijara_core::search::Script;
    /// assert_eq!(Script::of("tapis"), Some(Script::Latin));
    /// assert_eq!(Script::of("زربية"), Some(Script::Arabic));
    /// assert_eq!(Script::of("2026"), None);
    /// ```
    pub fn of(term: &str) -> Option<Script> {
        let c = term.chars().find(|c| c.is_alphabetic())?;
        Some(match c {
            'a'..='z' | 'A'..='Z' | '\u{C0}'..='\u{24F}' | '\u{1E00}'..='\u{1EFF}' => Script::Latin,
            '\u{600}'..='\u{6FF}'
            | '\u{750}'..='\u{77F}'
            | '\u{8A0}'..='\u{8FF}'
            | '\u{FB50}'..='\u{FDFF}'
            | '\u{FE70}'..='\u{FEFF}' => Script::Arabic,
            _ => Script::Other,
        })
    }
}

/// The words a marketplace knows, each with the languages it is known in: what "did you mean"
/// suggests ([`Lexicon::suggest`]). Built from the categories' names (each in its language)
/// and the region's synonyms table (in no language in particular).
///
/// ```
/// use tijara_core::search::{Lexicon, Synonyms, WordMatch, plan};
/// use tijara_core::Lang;
///
/// let synonyms = Synonyms::new([vec!["tapis", "rug", "carpet"]]);
/// let mut known = Lexicon::new();
/// known.add_text("Tentes et tapis", Some(Lang::FR));
/// known.add_text("Tents and rugs", Some(Lang::EN));
/// known.add_synonyms(&synonyms);
/// // Nothing found for "carpett" on an English page: "carpet" is one letter away.
/// let q = plan("carpett", &synonyms);
/// assert_eq!(known.suggest(&q, &[], false, Lang::EN).as_deref(), Some("carpet"));
/// // Found through a typo of "tapis" on a French page: the word the results hold.
/// let q = plan("tapiss", &synonyms);
/// let matched = [WordMatch { literal: false, nearest: Some("tapis".into()) }];
/// assert_eq!(known.suggest(&q, &matched, true, Lang::FR).as_deref(), Some("tapis"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lexicon {
    /// Term → the language subtags it is known in (empty: no language in particular).
    words: BTreeMap<String, BTreeSet<String>>,
}

/// How a candidate ranks for one word: lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank<'a> {
    /// Edits, plus one for a word known only in another language than the page's.
    cost: u8,
    /// 0 known in the page's language, 1 in no language in particular, 2 in another one.
    lang: u8,
    /// 0 the term the results hold, 1 a word of the lexicon.
    source: u8,
    /// Edits.
    edits: u8,
    term: &'a str,
}

impl Lexicon {
    /// An empty lexicon.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the terms of `text` ([`terms`]), known in `lang` (`None`: in no language in
    /// particular). Terms of fewer than three characters, and terms without a letter, are left
    /// out: they are never suggested.
    pub fn add_text(&mut self, text: &str, lang: Option<Lang>) {
        for t in terms(text) {
            if t.chars().nth(2).is_none() || Script::of(&t).is_none() {
                continue;
            }
            let langs = self.words.entry(t).or_default();
            if let Some(l) = lang {
                langs.insert(l.language().to_owned());
            }
        }
    }

    /// Adds every word of a synonyms table, in no language in particular (a table mixes
    /// languages and transliterations; a word also found in a category's name keeps that
    /// name's language).
    pub fn add_synonyms(&mut self, synonyms: &Synonyms) {
        for t in synonyms.groups().iter().flatten() {
            self.add_text(t, None);
        }
    }

    /// Whether `term` (an indexed term) is a known word.
    pub fn contains(&self, term: &str) -> bool {
        self.words.contains_key(term)
    }

    /// How many words are known.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when no word is known.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// How a word known in `langs` ranks on a page in `lang`: 0, 1 or 2 (see [`Rank`]).
    fn lang_rank(langs: Option<&BTreeSet<String>>, lang: Lang) -> u8 {
        match langs {
            Some(l) if l.contains(lang.language()) => 0,
            Some(l) if !l.is_empty() => 2,
            _ => 1,
        }
    }

    /// The query `plan` with each word the shopper probably mistyped replaced by the nearest
    /// known word, or `None` when no word changes. `matches` says how the results matched
    /// each word ([`crate::search::Selection::words`]; may be empty) and `found` whether
    /// there were results.
    ///
    /// A word is kept when it is known, has no letter, or (with results) some result holds it
    /// literally. Otherwise its candidates are the known words within [`max_edits`] of it
    /// (one edit more when nothing was found, at most three) and the term the results hold
    /// nearest to it, all **in the word's script**; the best has the fewest edits, a word
    /// known only in another language than the page's (`lang`) counting one edit more; then
    /// a word of the page's language, then one of no language in particular; then the term
    /// the results hold; then the fewest edits; then the first in order.
    pub fn suggest(
        &self,
        plan: &SearchPlan,
        matches: &[WordMatch],
        found: bool,
        lang: Lang,
    ) -> Option<String> {
        let mut changed = false;
        let mut out = Vec::with_capacity(plan.words.len());
        for (i, w) in plan.words.iter().enumerate() {
            let m = matches.get(i);
            let keep = self.contains(&w.term) || (found && m.is_some_and(|m| m.literal));
            let best = match Script::of(&w.term) {
                Some(script) if !keep => self.nearest(
                    &w.term,
                    script,
                    m.and_then(|m| m.nearest.as_deref()),
                    found,
                    lang,
                ),
                _ => None,
            };
            match best {
                Some(b) => {
                    changed = true;
                    out.push(b.to_owned());
                }
                None => out.push(w.term.clone()),
            }
        }
        changed.then(|| out.join(" "))
    }

    /// The best replacement of `term` (see [`Lexicon::suggest`]).
    fn nearest<'a>(
        &'a self,
        term: &str,
        script: Script,
        held: Option<&'a str>,
        found: bool,
        lang: Lang,
    ) -> Option<&'a str> {
        let tolerance = max_edits(term.chars().count());
        let budget = if found {
            tolerance
        } else {
            (tolerance + 1).min(3)
        };
        let rank = |t: &'a str, source: u8, max: u8| -> Option<Rank<'a>> {
            if Script::of(t) != Some(script) {
                return None;
            }
            let edits = within_edits(term, t, max).filter(|d| *d > 0)?;
            let lang = Self::lang_rank(self.words.get(t), lang);
            Some(Rank {
                cost: edits + u8::from(lang == 2),
                lang,
                source,
                edits,
                term: t,
            })
        };
        let from_results = held.and_then(|t| rank(t, 0, budget.max(tolerance)));
        self.words
            .keys()
            .filter_map(|k| rank(k, 1, budget))
            .chain(from_results)
            .min()
            .map(|r| r.term)
    }
}
