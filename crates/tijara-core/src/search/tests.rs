use super::*;
use proptest::prelude::*;

#[test]
fn arabic_forms_fold_together() {
    assert_eq!(
        normalize("أحمد إبريق آنية ٱلوادي"),
        "احمد ابريق انيه الوادي"
    );
    assert_eq!(normalize("مُلْحَفَة"), "ملحفه");
    assert_eq!(normalize("مسؤول مسئول"), "مسءول مسءول");
    assert_eq!(normalize("كـــبـــير"), "كبير");
    assert_eq!(normalize("مستشفى"), "مستشفي");
    assert_eq!(normalize("٠١٢٣٤٥٦٧٨٩ ۰۹"), "0123456789 09");
}

#[test]
fn latin_accents_case_and_punctuation_go() {
    assert_eq!(normalize("  Théière   en CUIVRE "), "theiere en cuivre");
    assert_eq!(
        normalize("Khaïma \"familiale\" (NEAR) -x* a:b"),
        "khaima familiale near x a b"
    );
    assert_eq!(normalize("Œuvre"), "oeuvre");
    assert_eq!(normalize("🐪 chameau 🐪"), "chameau");
    assert_eq!(normalize("a\0b"), "a b");
    assert_eq!(normalize("!!! ??? ***"), "");
}

#[test]
fn stems_take_articles_and_plurals_off() {
    assert_eq!(stem("الخيمه"), "خيمه");
    assert_eq!(stem("والملحفه"), "ملحفه");
    assert_eq!(stem("الف"), "الف");
    assert_eq!(stem("bijoux"), "bijou");
    assert_eq!(stem("sandales"), "sandale");
    assert_eq!(stem("tapis"), "tapis");
    assert_eq!(stem("rugs"), "rug");
    assert_eq!(stem("prix"), "prix");
    assert_eq!(stem("cross"), "cross");
    assert_eq!(
        terms("Les Bijoux en argent"),
        ["les", "bijou", "en", "argent"]
    );
}

#[test]
fn edits_are_counted_with_swaps() {
    assert_eq!(within_edits("tapis", "tapis", 1), Some(0));
    assert_eq!(within_edits("tappis", "tapis", 1), Some(1));
    assert_eq!(within_edits("kaima", "khaima", 1), Some(1));
    assert_eq!(within_edits("sandlae", "sandale", 1), Some(1));
    assert_eq!(within_edits("sandalle", "sandale", 1), Some(1));
    assert_eq!(within_edits("chamaeu", "chameau", 2), Some(1));
    assert_eq!(within_edits("tapis", "rug", 2), None);
    assert_eq!(within_edits("abc", "abcdef", 2), None);
    assert_eq!(max_edits(3), 0);
    assert_eq!(max_edits(4), 1);
    assert_eq!(max_edits(7), 1);
    assert_eq!(max_edits(8), 2);
}

fn fields(title: &str, category: &str, other: &str) -> Fields {
    Fields {
        title: index_text(title),
        category: index_text(category),
        other: index_text(other),
    }
}

#[test]
fn synonyms_transliterations_and_typos_match() {
    let syn = Synonyms::new([vec!["khaima", "khayma", "kheima", "خيمة", "tente"]]);
    let tent = fields("Khaïma familiale", "Tentes et tapis", "");
    for q in [
        "khayma",
        "kheima",
        "خيمة",
        "الخيمة",
        "kaima",
        "khaima",
        "KHAÏMA",
        "tente",
    ] {
        let mut p = plan(q, &syn);
        p.add_typos(["khaima", "familiale", "tente", "et", "tapis"]);
        assert!(score(&p, &tent, true).is_some(), "{q}");
    }
    assert!(score(&plan("rug", &syn), &tent, true).is_none());
}

#[test]
fn title_beats_category_beats_the_rest() {
    let syn = Synonyms::default();
    let q = plan("bijoux", &syn);
    let title = score(&q, &fields("Boîte à bijoux", "Bois", ""), true);
    let category = score(&q, &fields("Bague", "Bijoux en argent", ""), true);
    let other = score(&q, &fields("Bague", "Bois", "Pour ranger les bijoux"), true);
    assert!(title > category && category > other && other.is_some());
    // A typo in the title still beats an exact word in the description.
    let q = plan("tappis", &syn);
    assert!(score(&q, &fields("Tapis", "", ""), true) > score(&q, &fields("x", "", "tapis"), true));
    // The word itself beats its prefix beats a typo.
    let q = plan("sac", &syn);
    assert!(score(&q, &fields("sac", "", ""), true) > score(&q, &fields("sacoche", "", ""), true));
}

#[test]
fn all_words_or_any_word() {
    let q = plan("tapis chameau", &Synonyms::default());
    let rug = fields("Tapis en laine de chameau", "", "");
    let mat = fields("Tapis de sol", "", "");
    assert!(score(&q, &rug, true).is_some());
    assert!(score(&q, &mat, true).is_none());
    assert!(score(&q, &mat, false).is_some());
    assert!(score(&q, &rug, false) > score(&q, &mat, false));
}

#[test]
fn queries_without_words_match_nothing() {
    for q in ["", "   ", "\"*\" OR NEAR(", "🐪🐪", "\0\0", "-:-"] {
        let p = plan(q, &Synonyms::default());
        let punct: Vec<_> = normalize(q)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        assert_eq!(p.is_empty(), punct.is_empty(), "{q:?}");
    }
    assert!(
        plan("\"*\" NEAR", &Synonyms::default())
            .words
            .iter()
            .all(|w| w.term.chars().all(char::is_alphanumeric))
    );
}

#[test]
fn long_queries_are_cut_not_refused() {
    let q = "tapis ".repeat(2000) + &"x".repeat(10_000);
    let p = plan(&q, &Synonyms::default());
    // Only the first 500 characters are read: "tapis" and the cut "ta".
    let words: Vec<&str> = p.words.iter().map(|w| w.term.as_str()).collect();
    assert_eq!(words, ["tapis", "ta"]);
    let many: String = (0..100).map(|i| format!("w{i} ")).collect();
    assert_eq!(
        plan(&many, &Synonyms::default()).words.len(),
        MAX_QUERY_TERMS
    );
}

proptest! {
    #[test]
    fn normalize_is_idempotent_and_clean(s in ".{0,200}") {
        let n = normalize(&s);
        prop_assert_eq!(normalize(&n), n.clone());
        prop_assert!(n.chars().all(|c| c == ' ' || c.is_alphanumeric()));
        prop_assert!(!n.starts_with(' ') && !n.ends_with(' ') && !n.contains("  "));
    }

    #[test]
    fn index_text_is_safe_and_stable(s in "\\PC{0,200}") {
        let t = index_text(&s);
        prop_assert!(t.chars().all(|c| c == ' ' || c.is_alphanumeric()));
        prop_assert!(t.split(' ').all(|w| w.chars().count() <= MAX_TERM_CHARS));
        let p = plan(&s, &Synonyms::default());
        let f = Fields { title: t.clone(), ..Fields::default() };
        // Every word of a text is found in that text's own index.
        if !p.is_empty() {
            prop_assert!(score(&p, &f, true).is_some());
        }
    }

    #[test]
    fn edits_are_symmetric_and_bounded(a in "[a-e]{0,10}", b in "[a-e]{0,10}") {
        let d = within_edits(&a, &b, 2);
        prop_assert_eq!(d, within_edits(&b, &a, 2));
        prop_assert_eq!(within_edits(&a, &a, 0), Some(0));
        if let Some(d) = d { prop_assert!(d <= 2); }
    }
}

#[test]
fn category_text_joins_every_name() {
    assert_eq!(
        category_text(["Bijoux en argent", "الحلي الفضية", "Silver jewellery"]),
        "bijou en argent حلي فضيه silver jewellery"
    );
    assert_eq!(category_text(["", "!!"]), "");
}

#[test]
fn selection_says_how_each_word_matched() {
    let hits = [
        fields("Tapis en laine de chameau", "Tentes et tapis", ""),
        fields("Tapis de sol", "Tentes et tapis", ""),
    ];
    let candidate = |i: usize, f: &Fields| Candidate {
        id: format!("p{i}"),
        fields: f.clone(),
        ..Candidate::default()
    };
    let mut q = plan("tappis cham", &Synonyms::default());
    q.add_typos(["tapis", "chameau", "laine", "sol"]);
    let sel = select(
        &q,
        false,
        &SearchFilters::default(),
        SearchSort::Relevance,
        0,
        10,
        hits.iter().enumerate().map(|(i, f)| candidate(i, f)),
    );
    assert_eq!(
        sel.words,
        [
            WordMatch {
                literal: false,
                nearest: Some("tapis".into())
            },
            // A prefix of a word the index holds is typed right.
            WordMatch {
                literal: true,
                nearest: None
            },
        ]
    );
    let sel = select(
        &plan("", &Synonyms::default()),
        true,
        &SearchFilters::default(),
        SearchSort::Relevance,
        0,
        10,
        hits.iter().enumerate().map(|(i, f)| candidate(i, f)),
    );
    assert!(sel.words.is_empty() && sel.total == 2);
}

/// The demo marketplace's words: three categories in three languages and a synonyms table.
fn demo_lexicon() -> (Lexicon, Synonyms) {
    let syn = Synonyms::new([
        vec!["tapis", "rug", "carpet", "زربية", "سجاد"],
        vec!["sandale", "sandal", "نعل"],
        vec!["khaima", "khayma", "خيمة", "tente", "tent"],
    ]);
    let mut l = Lexicon::new();
    for (fr, ar, en) in [
        ("Tentes et tapis", "الخيام والزرابي", "Tents and rugs"),
        ("Cuir", "الجلد", "Leather"),
        ("Sandales", "نعال", "Sandals"),
    ] {
        l.add_text(fr, Some(crate::Lang::FR));
        l.add_text(ar, Some(crate::Lang::AR));
        l.add_text(en, Some(crate::Lang::EN));
    }
    l.add_synonyms(&syn);
    (l, syn)
}

fn suggest(text: &str, found: &[WordMatch], lang: crate::Lang) -> Option<String> {
    let (l, syn) = demo_lexicon();
    l.suggest(&plan(text, &syn), found, !found.is_empty(), lang)
}

fn typo(nearest: Option<&str>) -> WordMatch {
    WordMatch {
        literal: false,
        nearest: nearest.map(str::to_owned),
    }
}

#[test]
fn a_french_page_suggests_french_and_an_english_page_english() {
    use crate::Lang;
    // Found through a typo: the word the results hold.
    assert_eq!(
        suggest("tapiss", &[typo(Some("tapis"))], Lang::FR).as_deref(),
        Some("tapis")
    );
    assert_eq!(suggest("tapiss", &[], Lang::FR).as_deref(), Some("tapis"));
    // Found through the synonyms of a near word: the known word.
    assert_eq!(
        suggest("carpett", &[typo(None)], Lang::EN).as_deref(),
        Some("carpet")
    );
    assert_eq!(suggest("carpett", &[], Lang::EN).as_deref(), Some("carpet"));
    // One edit from the French and from the English word: the page's language decides.
    assert_eq!(
        suggest("sandalr", &[], Lang::FR).as_deref(),
        Some("sandale")
    );
    assert_eq!(suggest("sandalr", &[], Lang::EN).as_deref(), Some("sandal"));
    // Another language's word costs one edit more: a French word two edits away is as good
    // as an English one one edit away on a French page, and worse on an English page.
    let mut l = Lexicon::new();
    l.add_text("kalimo", Some(Lang::FR));
    l.add_text("kalima", Some(Lang::EN));
    let q = plan("kalimaa", &Synonyms::default());
    assert_eq!(
        l.suggest(&q, &[], false, Lang::FR).as_deref(),
        Some("kalimo")
    );
    assert_eq!(
        l.suggest(&q, &[], false, Lang::EN).as_deref(),
        Some("kalima")
    );
    // ... but never no suggestion because of the language.
    assert_eq!(suggest("leathr", &[], Lang::FR).as_deref(), Some("leather"));
}

#[test]
fn a_suggestion_keeps_the_words_script() {
    use crate::Lang;
    // A Latin word on an Arabic page: a Latin suggestion, never its Arabic synonym.
    assert_eq!(suggest("tapiss", &[], Lang::AR).as_deref(), Some("tapis"));
    assert_eq!(suggest("khaymma", &[], Lang::AR).as_deref(), Some("khayma"));
    // An Arabic word on a French page: an Arabic suggestion.
    assert_eq!(
        suggest("زربيت", &[], Lang::FR).as_deref(),
        Some(normalize("زربية").as_str())
    );
    // The results' nearest term in another script is not offered either.
    let (l, syn) = demo_lexicon();
    assert_eq!(
        l.suggest(&plan("xqzw", &syn), &[typo(Some("زربيه"))], true, Lang::AR),
        None
    );
}

#[test]
fn known_or_literal_words_are_kept() {
    use crate::Lang;
    // Known words: nothing to suggest.
    assert_eq!(suggest("tapis", &[], Lang::FR), None);
    assert_eq!(suggest("carpet cuir", &[], Lang::EN), None);
    // Found as typed: nothing to suggest, however near a known word.
    let literal = WordMatch {
        literal: true,
        nearest: None,
    };
    assert_eq!(suggest("tapiz", &[literal], Lang::FR), None);
    // Digits and words far from anything are kept; only the typo changes.
    assert_eq!(suggest("2026 xylophone", &[], Lang::FR), None);
    assert_eq!(
        suggest("tapiss xylophone", &[], Lang::FR).as_deref(),
        Some("tapis xylophone")
    );
    assert!(
        Lexicon::new()
            .suggest(&plan("tapiss", &Synonyms::default()), &[], false, Lang::FR)
            .is_none()
    );
}

/// The optimal string alignment distance, the whole matrix: what `within_edits` must agree with.
fn reference_edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

proptest! {
    #[test]
    fn edits_agree_with_the_whole_matrix(
        a in "[abé خي]{0,12}",
        b in "[abé خي]{0,12}",
        long in "[ab]{45,60}",
        max in 0u8..3,
    ) {
        let want = |a: &str, b: &str| {
            let d = reference_edits(a, b);
            (d <= usize::from(max)).then_some(d as u8)
        };
        prop_assert_eq!(within_edits(&a, &b, max), want(&a, &b));
        // ASCII words take the byte path, others the stack path, longer ones the heap path.
        let ascii_a: String = a.chars().filter(char::is_ascii).collect();
        let ascii_b: String = b.chars().filter(char::is_ascii).collect();
        prop_assert_eq!(within_edits(&ascii_a, &ascii_b, max), want(&ascii_a, &ascii_b));
        let long_b = format!("{long}{b}");
        let long_a = format!("{long}{a}");
        prop_assert_eq!(within_edits(&long_a, &long_b, max), want(&long_a, &long_b));
    }

    #[test]
    fn typos_looked_up_score_as_typos_computed(
        query in "[a-d]{1,9}( [a-d]{1,9}){0,2}",
        title in "[a-d]{1,9}( [a-d]{1,9}){0,3}",
        category in "[a-d]{0,9}",
        other in "[a-d]{1,9}( [a-d]{1,9}){0,5}",
        match_all in any::<bool>(),
    ) {
        let f = fields(&title, &category, &other);
        let computed = plan(&query, &Synonyms::default());
        let mut looked_up = computed.clone();
        // The whole vocabulary of the index: every term of the fields.
        let vocabulary: Vec<&str> = [&f.title, &f.category, &f.other]
            .into_iter()
            .flat_map(|t| t.split(' '))
            .filter(|t| !t.is_empty())
            .collect();
        for w in &mut looked_up.words {
            w.indexed_prefix = Some(vocabulary.iter().any(|t| t.starts_with(w.term.as_str())));
        }
        looked_up.add_typos(vocabulary);
        prop_assert_eq!(score(&computed, &f, match_all), score(&looked_up, &f, match_all));
        let candidate = || Candidate { id: "p".into(), fields: f.clone(), ..Candidate::default() };
        let select_with = |p: &SearchPlan| {
            select(p, match_all, &SearchFilters::default(), SearchSort::Relevance, 0, 10, [candidate()])
        };
        prop_assert_eq!(select_with(&computed), select_with(&looked_up));
    }
}

proptest! {
    #[test]
    fn a_page_is_the_slice_of_the_whole_order(
        rows in proptest::collection::vec(("[ab]{1,3}", 0i64..5, any::<bool>()), 0..30),
        offset in 0u64..35,
        limit in 1u32..12,
        sort in 0usize..4,
    ) {
        let sort = [SearchSort::Relevance, SearchSort::PriceAsc, SearchSort::PriceDesc, SearchSort::Newest][sort];
        let candidates: Vec<Candidate> = rows
            .iter()
            .enumerate()
            .map(|(i, (title, price, in_stock))| Candidate {
                id: format!("p{i:03}"),
                fields: fields(title, "", ""),
                min_price_minor: *price,
                in_stock: *in_stock,
                ..Candidate::default()
            })
            .collect();
        let q = plan("a b", &Synonyms::default());
        let all = select(&q, false, &SearchFilters::default(), sort, 0, 100, &candidates);
        let page = select(&q, false, &SearchFilters::default(), sort, offset, limit, &candidates);
        let from = (offset as usize).min(all.ids.len());
        let to = (from + limit as usize).min(all.ids.len());
        prop_assert_eq!(&page.ids[..], &all.ids[from..to]);
        prop_assert_eq!(page.total, all.total);
        // Borrowed and owned candidates select alike.
        prop_assert_eq!(select(&q, false, &SearchFilters::default(), sort, offset, limit, candidates.clone()), page);
    }
}

/// A small catalog of words close to each other (prefixes, typos, synonyms) with facets.
fn index_candidates(rows: &[(String, String, String, u8, i64, bool)]) -> Vec<Candidate> {
    rows.iter()
        .enumerate()
        .map(
            |(i, (title, category, other, facet, price, in_stock))| Candidate {
                // Ids not in row order: the order given must not matter.
                id: format!("p{:03}", (i * 7) % 61),
                fields: fields(title, category, other),
                category: ["", "c1", "c2"][usize::from(*facet % 3)].to_owned(),
                seller_city: ["", "Atar", "Nouakchott"][usize::from(facet / 3 % 3)].to_owned(),
                seller_kind: ["artisan", "gie"][usize::from(facet / 9 % 2)].to_owned(),
                min_price_minor: *price,
                in_stock: *in_stock,
            },
        )
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_index_selects_as_the_generic_path(
        rows in proptest::collection::vec(
            (
                "[ab]{1,3}( [a-c]{1,10}){0,3}",
                "[a-c]{0,9}",
                "[a-c]{1,10}( [a-c]{1,10}){0,5}",
                0u8..18,
                0i64..700_000,
                any::<bool>(),
            ),
            0..40,
        ),
        query in "[a-c]{0,10}( [a-c]{1,10}){0,3}",
        synonyms in proptest::collection::vec(("[a-c]{1,6}", "[a-c]{1,6}"), 0..3),
        match_all in any::<bool>(),
        complete in any::<bool>(),
        filter in (0u8..4, 0u8..4, 0u8..3, proptest::option::of(0i64..600_000), proptest::option::of(0i64..600_000), any::<bool>()),
        sort in 0usize..4,
        offset in 0u64..30,
        limit in 1u32..15,
        mask in proptest::collection::vec(any::<bool>(), 40),
        masked in any::<bool>(),
        restock in proptest::option::of(proptest::collection::vec(any::<bool>(), 40)),
    ) {
        let mut candidates = index_candidates(&rows);
        let mut index = Index::new(candidates.clone());
        if let Some(flags) = restock {
            // Availability changed after the index was built (a sale, a restock): patched
            // in place, it selects as an index built with the new flags.
            for (c, f) in candidates.iter_mut().zip(&flags) {
                c.in_stock = *f;
            }
            let by_id: std::collections::HashMap<String, bool> =
                candidates.iter().map(|c| (c.id.clone(), c.in_stock)).collect();
            index = index.with_in_stock(|id| by_id.get(id).copied().unwrap_or(false));
        }
        let syn = Synonyms::new(synonyms.iter().map(|(a, b)| vec![a.clone(), b.clone()]));
        let mut p = plan(&query, &syn);
        if complete {
            // As the SQLite store completes them: from the whole vocabulary.
            let vocabulary: Vec<String> = index.terms().to_vec();
            for w in &mut p.words {
                w.indexed_prefix = Some(vocabulary.iter().any(|t| t.starts_with(w.term.as_str())));
            }
            p.add_typos(vocabulary.iter().map(String::as_str));
        }
        let pick = |i: u8, values: &[&str]| (i > 0).then(|| values[usize::from(i) % values.len()].to_owned());
        let filters = SearchFilters {
            category: pick(filter.0, &["c1", "c2", "", "c3"]),
            seller_city: pick(filter.1, &["Atar", "Nouakchott", "", "Kiffa"]),
            seller_kind: pick(filter.2, &["artisan", "gie", "cooperative"]),
            min_price_minor: filter.3,
            max_price_minor: filter.4,
            in_stock: filter.5,
        };
        let sort = [SearchSort::Relevance, SearchSort::PriceAsc, SearchSort::PriceDesc, SearchSort::Newest][sort];
        let allowed = masked.then_some(&mask[..candidates.len()]);
        let generic = select(
            &p, match_all, &filters, sort, offset, limit,
            candidates.iter().enumerate().filter(|(i, _)| allowed.is_none_or(|a| a[*i])).map(|(_, c)| c),
        );
        let fast = index.select(&p, match_all, &filters, sort, offset, limit, allowed);
        prop_assert_eq!(fast, generic);
    }
}

#[test]
fn the_index_ranks_one_edit_over_two() {
    let candidate = |id: &str, title: &str| Candidate {
        id: id.to_owned(),
        fields: fields(title, "", ""),
        in_stock: true,
        ..Candidate::default()
    };
    // "couvertxra" is two edits from "couverture", "couvertura" one: the one-edit title
    // ranks first although the other product is newer.
    let candidates = vec![candidate("p1", "couvertura"), candidate("p2", "couvertxra")];
    let index = Index::new(candidates.clone());
    let mut q = plan("couverture", &Synonyms::default());
    assert_eq!(q.words[0].term, "couverture");
    q.add_typos(index.terms().iter().map(String::as_str));
    assert_eq!(
        q.words[0].typos,
        [("couvertura".to_owned(), 1), ("couvertxra".to_owned(), 2)]
    );
    let page = |s: Selection| s.ids;
    let f = SearchFilters::default();
    let fast = index.select(&q, true, &f, SearchSort::Relevance, 0, 10, None);
    assert_eq!(page(fast.clone()), ["p1", "p2"]);
    assert_eq!(
        fast,
        select(&q, true, &f, SearchSort::Relevance, 0, 10, &candidates)
    );
}
