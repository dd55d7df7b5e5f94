//! The storage checks of full-text product search ([`Storage::search`]): what shoppers mean
//! is found and ranked the same on every backend, the index follows every product write, and
//! no query text breaks it.

use super::*;
use tijara_core::search::{SearchFilters, SearchPlan, SearchSort, Synonyms, index_text, plan};

/// A product of a search check: id, titles, category names, other text, price, city, kind, units.
struct Item {
    n: u32,
    title: &'static str,
    category: (&'static str, &'static str),
    other: &'static str,
    price: i64,
    city: &'static str,
    kind: &'static str,
    units: u32,
}

const ITEMS: [Item; 6] = [
    Item {
        n: 0,
        title: "Tapis en laine de chameau · زربية من وبر الإبل · Camel wool rug",
        category: (
            "tents",
            "Tentes et tapis · الخيام والزرابي · Tents and rugs",
        ),
        other: "Tissé à la main. laine de chameau",
        price: 240_000,
        city: "Dakhla",
        kind: "cooperative",
        units: 2,
    },
    Item {
        n: 1,
        title: "Khaïma familiale · خيمة عائلية · Family khaima",
        category: (
            "tents",
            "Tentes et tapis · الخيام والزرابي · Tents and rugs",
        ),
        other: "Poils de chèvre et de chameau",
        price: 1_850_000,
        city: "Dakhla",
        kind: "gie",
        units: 1,
    },
    Item {
        n: 2,
        title: "Boîte à bijoux · علبة حلي · Jewellery box",
        category: ("wood", "Bois sculpté · الخشب المنقوش · Carved wood"),
        other: "Bois de tamaris",
        price: 26_000,
        city: "Boujdour",
        kind: "artisan",
        units: 4,
    },
    Item {
        n: 3,
        title: "Bague en argent · خاتم فضي · Silver ring",
        category: (
            "jewellery",
            "Bijoux en argent · الحلي الفضية · Silver jewellery",
        ),
        other: "Argent massif",
        price: 29_000,
        city: "Laâyoune",
        kind: "artisan",
        units: 3,
    },
    Item {
        n: 4,
        title: "Sandales en cuir · نعال جلدية · Leather sandals",
        category: ("leather", "Cuir · الجلد · Leather"),
        other: "Cuir de chèvre",
        price: 31_000,
        city: "Dakhla",
        kind: "cooperative",
        units: 0,
    },
    Item {
        n: 5,
        title: "Melhfa indigo · ملحفة نيلية · Indigo melhfa",
        category: (
            "textiles",
            "Textiles et melhfa · الأثواب والملحفة · Textiles and melhfa",
        ),
        other: "Voile de coton teint à l'indigo",
        price: 42_000,
        city: "Laâyoune",
        kind: "gie",
        units: 5,
    },
];

fn synonyms() -> Synonyms {
    Synonyms::new([
        vec!["khaima", "khayma", "kheima", "خيمة", "tente"],
        vec!["melhfa", "mlahfa", "ملحفة"],
        vec!["bijou", "jewellery", "حلي"],
    ])
}

/// Stores the items under a unique id prefix and category suffix; the prefix.
async fn store_items<S: Storage + ?Sized>(s: &S) -> String {
    let prefix = unique("fts");
    for it in &ITEMS {
        let id = format!("{prefix}-{}", it.n);
        let mut w = doc(DocKind::Product, &id, None, &format!("{{\"n\":{}}}", it.n));
        w.product = Some(
            ProductIndex::new("seller", format!("{prefix}-{}", it.category.0))
                .with_active(true)
                .with_prices(it.price, it.price)
                .with_search_text(it.title.to_lowercase())
                .with_search_fields(tijara_core::search::Fields {
                    title: index_text(it.title),
                    category: index_text(it.category.1),
                    other: index_text(&format!("{} {}", it.other, it.city)),
                })
                .with_seller(it.city, it.kind),
        );
        ok(s, one(w), "product").await;
        ok(
            s,
            stock(vec![StockOp::Define {
                variant: vid(&format!("{id}-v")),
                product: ProductId::new(id.clone()).unwrap_or_else(|e| panic!("{e}")),
                tracked: true,
                on_hand: it.units,
            }]),
            "stock",
        )
        .await;
    }
    prefix
}

async fn found<S: Storage + ?Sized>(s: &S, q: &SearchQuery) -> SearchPage {
    s.search(q)
        .await
        .unwrap_or_else(|e| panic!("search {:?}: {e}", q.plan))
}

/// The numbers of the items a page holds, in order, among the items of `prefix`.
fn numbers(page: &SearchPage, prefix: &str) -> Vec<u32> {
    page.docs
        .iter()
        .filter_map(|d| d.id.strip_prefix(&format!("{prefix}-")))
        .filter_map(|n| n.parse().ok())
        .collect()
}

fn query(text: &str, limit: u32) -> SearchQuery {
    SearchQuery {
        plan: plan(text, &synonyms()),
        match_all: true,
        limit,
        ..SearchQuery::default()
    }
}

/// Words in any language and spelling, with typos, prefixes and synonyms, find what a shopper
/// means, ranked title over category over the rest, in stock first; filters, facets, sorts and
/// pages agree.
pub async fn search_finds_what_shoppers_mean<S: Storage + ?Sized>(s: &S) {
    let prefix = store_items(s).await;
    let mine = |page: &SearchPage| numbers(page, &prefix);
    let cases: &[(&str, &[u32])] = &[
        ("tapis chameau", &[0, 1]),
        ("tappis", &[0, 1]),
        ("TAPIS", &[0, 1]),
        ("chameau", &[0, 1]),
        ("khayma", &[1, 0]),
        ("kaima", &[1, 0]),
        ("خيمة", &[1, 0]),
        ("الخيمة", &[1, 0]),
        ("sandalle", &[4]),
        ("sandal", &[4]),
        ("bijoux", &[2, 3]),
        ("jewellery", &[2, 3]),
        ("mlahfa", &[5]),
        ("ملحفه", &[5]),
        ("ring silver", &[3]),
        ("argent", &[3]),
        ("laayoune", &[5, 3]),
        ("xylophone", &[]),
    ];
    let mut wrong = Vec::new();
    for (text, want) in cases {
        let got = mine(&found(s, &query(text, 20)).await);
        if got != *want {
            wrong.push(format!("{text:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "searches in order:\n{}", wrong.join("\n"));
    // Relaxed: no product has both words, some have one.
    let mut q = query("tapis xylophone", 20);
    assert!(
        mine(&found(s, &q).await).is_empty(),
        "every word must match"
    );
    q.match_all = false;
    assert_eq!(mine(&found(s, &q).await), [0, 1], "any word when relaxed");
    // The stock comes after the relevance: the out-of-stock sandals last among equals.
    let mut q = query("cuir", 20);
    q.filters.category = Some(format!("{prefix}-leather"));
    let page = found(s, &q).await;
    assert_eq!((mine(&page), page.total), (vec![4], 1), "category filter");
    // A listing with facets: every active product of the run, by filter.
    let mut q = query("", 100);
    q.filters.seller_city = Some("Dakhla".into());
    let page = found(s, &q).await;
    let all = mine(&page);
    assert!(
        [0, 1, 4].iter().all(|n| all.contains(n)) && !all.contains(&2),
        "city filter: {all:?}"
    );
    let count = |f: &[tijara_core::search::FacetCount], v: &str| {
        f.iter().find(|c| c.value == v).map_or(0, |c| c.count)
    };
    assert!(count(&page.facets.kinds, "cooperative") >= 2, "kind facet");
    assert!(
        count(&page.facets.cities, "Laâyoune") >= 2,
        "the city facet ignores the city filter"
    );
    let mut q = query("tapis", 20);
    q.filters.in_stock = true;
    q.sort = SearchSort::PriceDesc;
    let page = found(s, &q).await;
    assert_eq!(mine(&page), [1, 0], "price, dearest first");
    q.sort = SearchSort::PriceAsc;
    assert_eq!(mine(&found(s, &q).await), [0, 1], "price, cheapest first");
    q.filters.max_price_minor = Some(300_000);
    let page = found(s, &q).await;
    assert_eq!((mine(&page), page.total), (vec![0], 1), "price filter");
    assert_eq!(
        page.facets.prices.iter().sum::<u64>(),
        2,
        "the price facet ignores the price filter"
    );
    // Pages: 1 per page, the total on each.
    let mut q = query("tapis", 1);
    q.filters = SearchFilters::default();
    let first = found(s, &q).await;
    q.offset = 1;
    let second = found(s, &q).await;
    assert_eq!(
        (mine(&first), mine(&second), first.total, second.total),
        (vec![0], vec![1], 2, 2),
        "numbered pages"
    );
}

/// The index follows each product write in the same commit: renamed, deactivated and deleted
/// products are found (or not) at once.
pub async fn search_follows_product_changes<S: Storage + ?Sized>(s: &S) {
    let id = unique("fts-live");
    let word_a = format!("zorblax{}", &id[id.len() - 6..]);
    let word_b = format!("quimbly{}", &id[id.len() - 6..]);
    let row = |title: &str, active: bool| {
        ProductIndex::new("seller", "c")
            .with_active(active)
            .with_prices(100, 100)
            .with_search_fields(tijara_core::search::Fields {
                title: index_text(title),
                ..Default::default()
            })
    };
    let hits = |text: String| async move {
        let q = SearchQuery {
            plan: plan(&text, &Synonyms::default()),
            match_all: true,
            limit: 10,
            ..SearchQuery::default()
        };
        found(s, &q)
            .await
            .docs
            .into_iter()
            .map(|d| d.id)
            .collect::<Vec<_>>()
    };
    let mut w = doc(DocKind::Product, &id, None, "{}");
    w.product = Some(row(&word_a, true));
    ok(s, one(w), "create").await;
    assert_eq!(
        hits(word_a.clone()).await,
        std::slice::from_ref(&id),
        "found once created"
    );
    let mut w = doc(DocKind::Product, &id, Some(1), "{}");
    w.product = Some(row(&word_b, true));
    ok(s, one(w), "rename").await;
    assert!(
        hits(word_a.clone()).await.is_empty(),
        "the old title is gone"
    );
    assert_eq!(
        hits(word_b.clone()).await,
        std::slice::from_ref(&id),
        "the new title is found"
    );
    let mut w = doc(DocKind::Product, &id, Some(2), "{}");
    w.product = Some(row(&word_b, false));
    ok(s, one(w), "deactivate").await;
    assert!(
        hits(word_b.clone()).await.is_empty(),
        "inactive products are not found"
    );
    let mut w = doc(DocKind::Product, &id, Some(3), "{}");
    w.product = Some(row(&word_b, true));
    ok(s, one(w), "reactivate").await;
    assert!(
        s.delete_doc(DocKind::Product, &id, 4)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        "deleted"
    );
    assert!(
        hits(word_b).await.is_empty(),
        "deleted products are not found"
    );
}

/// Random strings from a fixed seed (xorshift), built of pieces a hostile or clumsy shopper
/// types: FTS and tsquery operators, quotes, brackets, NUL and control characters, emoji,
/// mixed scripts, combining marks, long runs.
fn hostile_strings() -> Vec<String> {
    const PIECES: &[&str] = &[
        "\"",
        "'",
        "*",
        "NEAR",
        "NEAR(",
        "OR",
        "AND",
        "NOT",
        "-",
        ":",
        "^",
        "(",
        ")",
        "{",
        "}",
        "[",
        "]",
        "\\",
        "%",
        "_",
        "&",
        "|",
        "!",
        "<->",
        ":*",
        "\0",
        "\u{1}",
        "\t",
        "\n",
        "🐪",
        "👨‍👩‍👧",
        "🇲🇦",
        "خيمة",
        "ـ",
        "ً",
        "\u{301}",
        "tapis",
        "ℌ",
        "ﷺ",
        "٣",
        "Ⅻ",
        "²",
        "x",
        " ",
        "title:",
        "body:",
        "rowid",
        ";",
        "--",
        "/*",
        "'; DROP TABLE products; --",
        "\u{202E}",
        "\u{FEFF}",
        "İ",
        "ß",
        "ﬁ",
        "\u{10FFFF}",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut out: Vec<String> = vec![
        String::new(),
        " ".into(),
        "\"".into(),
        "\"\"".into(),
        "*".into(),
        "tapis*".into(),
        "NEAR(tapis chameau, 2)".into(),
        "tapis OR chameau".into(),
        "-tapis".into(),
        "title:tapis".into(),
        "((tapis".into(),
        "!!!???".into(),
        "🐪🐪🐪".into(),
        "tapis\0chameau".into(),
        "a".repeat(10 * 1024),
        "tapis ".repeat(2048),
        "طاجين tajine ⵜⴰⵊⵉⵏ".into(),
    ];
    for _ in 0..200 {
        let n = 1 + next() % 12;
        let mut s = String::new();
        for _ in 0..n {
            let r = next();
            if r % 4 == 0 {
                // Any scalar value.
                if let Some(c) = char::from_u32((r >> 8) as u32 % 0x11_0000) {
                    s.push(c);
                }
            } else {
                s.push_str(PIECES[(r >> 8) as usize % PIECES.len()]);
            }
        }
        out.push(s);
    }
    out
}

/// No query text breaks a search: operators, quotes, NUL, 10 KB, emoji and random strings
/// give results or none, never an error; the listing (no word) still answers.
pub async fn hostile_searches_never_fail<S: Storage + ?Sized>(s: &S) {
    let prefix = store_items(s).await;
    for text in hostile_strings() {
        for match_all in [true, false] {
            let q = SearchQuery {
                plan: plan(&text, &synonyms()),
                match_all,
                limit: 5,
                ..SearchQuery::default()
            };
            let page = s
                .search(&q)
                .await
                .unwrap_or_else(|e| panic!("search {text:?} failed: {e}"));
            assert!(page.docs.len() <= 5, "{text:?}: the page size holds");
            assert!(
                page.total >= page.docs.len() as u64,
                "{text:?}: the total counts the page"
            );
        }
    }
    // Hand-made plans with terms no normalization would give still reach no syntax.
    let mut raw = SearchPlan::default();
    raw.words.push(tijara_core::search::QueryWord {
        term: "\" OR \"*".into(),
        synonyms: vec!["')|('".into()],
        typos: vec![],
    });
    s.search(&SearchQuery {
        plan: raw,
        match_all: true,
        limit: 5,
        ..SearchQuery::default()
    })
    .await
    .unwrap_or_else(|e| panic!("a raw plan failed: {e}"));
    let q = query("tapis", 10);
    assert!(
        numbers(&found(s, &q).await, &prefix).contains(&0),
        "still searching after the hostile strings"
    );
}
