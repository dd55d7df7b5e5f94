//! The storage checks of full-text product search ([`Storage::search`]): what shoppers mean
//! is found and ranked the same on every backend, the index follows every product and category
//! write (renames too) and knows which rows an older version wrote, and
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

/// A search that must succeed, with what every page must hold: a catalog version (when given)
/// between the ones read before and after it, and stock counters (when given) only of the
/// page's products, as [`Storage::stock_levels`] reads them.
async fn found<S: Storage + ?Sized>(s: &S, q: &SearchQuery) -> SearchPage {
    let version = || async {
        s.catalog_version()
            .await
            .unwrap_or_else(|e| panic!("catalog_version: {e}"))
    };
    let before = version().await;
    let page = s
        .search(q)
        .await
        .unwrap_or_else(|e| panic!("search {:?}: {e}", q.plan));
    let after = version().await;
    assert!(
        page.ids.is_empty() || page.docs.is_empty(),
        "a page is its documents or its ids, not both"
    );
    if q.held_at.is_none() {
        assert!(page.ids.is_empty(), "documents wanted: ids only answered");
    }
    if let Some(v) = page.catalog_version {
        assert!(
            before.is_some_and(|b| b <= v) && after.is_some_and(|a| v <= a),
            "the page's catalog version {v} is not between {before:?} and {after:?}"
        );
    }
    if let Some(rows) = &page.stock {
        for r in rows {
            assert!(
                page.docs.iter().any(|d| d.id == r.product.as_str())
                    || page.ids.iter().any(|id| id == r.product.as_str()),
                "stock of {} whose product {} is not on the page",
                r.variant,
                r.product
            );
        }
        let variants: Vec<VariantId> = rows.iter().map(|r| r.variant.clone()).collect();
        let mut levels = s
            .stock_levels(&variants)
            .await
            .unwrap_or_else(|e| panic!("stock_levels: {e}"));
        let mut rows = rows.clone();
        levels.sort_by(|a, b| a.variant.cmp(&b.variant));
        rows.sort_by(|a, b| a.variant.cmp(&b.variant));
        assert_eq!(
            rows, levels,
            "the page's stock counters are the stored ones"
        );
    }
    page
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

/// A caller holding the catalog's products at the version the storage reads
/// ([`SearchQuery::held_at`]) may get the page as ids only: the same products in the same
/// order; at any other version it gets the documents.
pub async fn search_pages_as_ids_when_held<S: Storage + ?Sized>(s: &S) {
    // Other checks may store products at the same time: only this check's count.
    let prefix = store_items(s).await;
    let mine = |ids: Vec<&String>| -> Vec<String> {
        ids.into_iter()
            .filter(|id| id.starts_with(&format!("{prefix}-")))
            .cloned()
            .collect()
    };
    let q = query("tapis", 100);
    let read = found(s, &q).await;
    let want = mine(read.docs.iter().map(|d| &d.id).collect());
    assert!(!want.is_empty(), "the items are found");
    let version = match read.catalog_version {
        Some(v) => Some(v),
        None => s
            .catalog_version()
            .await
            .unwrap_or_else(|e| panic!("catalog_version: {e}")),
    };
    let Some(version) = version else {
        return; // No catalog version: nothing to hold.
    };
    let held = found(
        s,
        &SearchQuery {
            held_at: Some(version),
            ..q.clone()
        },
    )
    .await;
    let got = if held.ids.is_empty() {
        mine(held.docs.iter().map(|d| &d.id).collect())
    } else {
        mine(held.ids.iter().collect())
    };
    assert_eq!(got, want, "held: the same products in the same order");
    let other = found(
        s,
        &SearchQuery {
            held_at: Some(version.wrapping_add(1_000_000)),
            ..q
        },
    )
    .await;
    assert!(
        other.ids.is_empty(),
        "held at another version: the documents are answered"
    );
    assert_eq!(mine(other.docs.iter().map(|d| &d.id).collect()), want);
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

/// The stock counter of one tracked variant of product `id`, with `on_hand` units.
fn stock_of(id: &str, variant: &VariantId, on_hand: u32) -> Changeset {
    stock(vec![StockOp::Define {
        variant: variant.clone(),
        product: ProductId::new(id.to_owned()).unwrap_or_else(|e| panic!("{e}")),
        tracked: true,
        on_hand,
    }])
}

/// Whether a product can be bought follows its stock at once, in the in-stock filter, its
/// facet and the ranking: the last unit reserved, the reservation released, the last unit
/// sold, a restock (a backend that keeps search data between queries must see each).
pub async fn search_follows_availability<S: Storage + ?Sized>(s: &S) {
    let id = unique("fts-stock");
    let word = format!("plinkett{}", &id[id.len() - 6..]);
    let mut w = doc(DocKind::Product, &id, None, "{}");
    w.product = Some(
        ProductIndex::new("seller", "c")
            .with_active(true)
            .with_prices(100, 100)
            .with_search_fields(tijara_core::search::Fields {
                title: index_text(&word),
                ..Default::default()
            }),
    );
    ok(s, one(w), "product").await;
    let v = vid(&format!("{id}-v"));
    ok(s, stock_of(&id, &v, 1), "stock").await;
    let shown = v.clone();
    let available = |step: &'static str| {
        let word = word.clone();
        let v = shown.clone();
        async move {
            let mut q = SearchQuery {
                plan: plan(&word, &Synonyms::default()),
                match_all: true,
                limit: 10,
                ..SearchQuery::default()
            };
            let all = found(s, &q).await;
            assert_eq!(
                all.total, 1,
                "{step}: the product is found whatever its stock"
            );
            if let Some(rows) = &all.stock {
                assert!(
                    rows.iter().any(|r| r.variant == v),
                    "{step}: the page's stock counters hold its product's variant"
                );
            }
            q.filters.in_stock = true;
            let buyable = found(s, &q).await;
            assert_eq!(
                all.facets.in_stock, buyable.total,
                "{step}: the in-stock facet counts what the filter finds"
            );
            buyable.total == 1
        }
    };
    assert!(available("defined").await, "one unit: in stock");
    let r = ReservationId::new(unique("r")).unwrap_or_else(|e| panic!("{e}"));
    ok(
        s,
        stock(vec![StockOp::Reserve {
            reservation: r.clone(),
            variant: v.clone(),
            quantity: 1,
            order: OrderId::new(unique("o")).unwrap_or_else(|e| panic!("{e}")),
            expires_at: t0() + chrono::Duration::minutes(30),
        }]),
        "reserve the last unit",
    )
    .await;
    assert!(
        !available("reserved").await,
        "the last unit reserved: out of stock"
    );
    ok(
        s,
        stock(vec![StockOp::Release { reservation: r }]),
        "release",
    )
    .await;
    assert!(available("released").await, "released: in stock again");
    ok(
        s,
        stock(vec![StockOp::Sell {
            variant: v.clone(),
            quantity: 1,
        }]),
        "sell the last unit",
    )
    .await;
    assert!(!available("sold").await, "sold out");
    ok(
        s,
        stock(vec![StockOp::Adjust {
            variant: v,
            delta: 3,
        }]),
        "restock",
    )
    .await;
    assert!(available("restocked").await, "restocked: in stock");
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
        typos_complete: false,
        indexed_prefix: None,
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

/// A category document named `name` in French and English.
fn category_body(id: &str, name: &str) -> String {
    serde_json::json!({
        "id": id,
        "slug": id,
        "name": {"fr": format!("Objets {name}"), "en": name},
        "parent": null,
    })
    .to_string()
}

/// The search row of an active product of `category` titled `title`, whose category text is
/// `category_text` as its writer computed it.
fn product_row(category: &str, title: &str, category_text: &str) -> ProductIndex {
    ProductIndex::new("seller", category)
        .with_active(true)
        .with_prices(100, 100)
        .with_search_fields(tijara_core::search::Fields {
            title: index_text(title),
            category: index_text(category_text),
            other: String::new(),
        })
}

/// The ids of the active products of `category` a search for `text` finds.
async fn in_category<S: Storage + ?Sized>(s: &S, category: &str, text: &str) -> Vec<String> {
    let mut q = SearchQuery {
        plan: plan(text, &Synonyms::default()),
        match_all: true,
        limit: 100,
        ..SearchQuery::default()
    };
    q.filters.category = Some(category.to_owned());
    let mut ids: Vec<String> = found(s, &q).await.docs.into_iter().map(|d| d.id).collect();
    ids.sort();
    ids
}

/// A category's names are indexed from its own latest write: renamed, its products are found
/// by the new name (typos included) and no longer by the old one in the same commit; a product
/// written afterwards with the old name (its writer read the category before the rename)
/// still carries the new one; deleted, its products no longer carry its names.
pub async fn search_follows_category_changes<S: Storage + ?Sized>(s: &S) {
    let cat = unique("fts-cat");
    let tag = &cat[cat.len() - 6..];
    let old = format!("zorblax{tag}");
    let new = format!("quimbly{tag}");
    let (p, q) = (format!("{cat}-p"), format!("{cat}-q"));
    ok(
        s,
        one(doc(
            DocKind::Category,
            &cat,
            None,
            &category_body(&cat, &old),
        )),
        "category",
    )
    .await;
    let mut w = doc(DocKind::Product, &p, None, "{}");
    w.product = Some(product_row(&cat, "Coussin", &old));
    ok(s, one(w), "product").await;
    assert_eq!(
        in_category(s, &cat, &old).await,
        std::slice::from_ref(&p),
        "found by its category's name"
    );
    ok(
        s,
        one(doc(
            DocKind::Category,
            &cat,
            Some(1),
            &category_body(&cat, &new),
        )),
        "rename",
    )
    .await;
    assert!(
        in_category(s, &cat, &old).await.is_empty(),
        "the old name is gone with the rename's commit"
    );
    assert_eq!(
        in_category(s, &cat, &new).await,
        std::slice::from_ref(&p),
        "the new name is found with the rename's commit"
    );
    assert_eq!(
        in_category(s, &cat, &format!("qiumbly{tag}")).await,
        std::slice::from_ref(&p),
        "the new name is in the typo vocabulary"
    );
    // Writers that read the category before its rename.
    let mut w = doc(DocKind::Product, &p, Some(1), "{}");
    w.product = Some(product_row(&cat, "Coussin", &old));
    ok(s, one(w), "product saved with the old name").await;
    let mut w = doc(DocKind::Product, &q, None, "{}");
    w.product = Some(product_row(&cat, "Plateau", &old));
    ok(s, one(w), "product created with the old name").await;
    assert!(
        in_category(s, &cat, &old).await.is_empty(),
        "a product written with its category's old name carries the new one"
    );
    assert_eq!(
        in_category(s, &cat, &new).await,
        [p.clone(), q.clone()],
        "both carry the new name"
    );
    assert!(
        s.delete_doc(DocKind::Category, &cat, 2)
            .await
            .unwrap_or_else(|e| panic!("delete: {e}")),
        "category deleted"
    );
    assert!(
        in_category(s, &cat, &new).await.is_empty(),
        "a deleted category's name no longer finds its products"
    );
    assert_eq!(
        in_category(s, &cat, "plateau").await,
        std::slice::from_ref(&q),
        "its products are still found by their own words"
    );
}

/// [`Storage::search_index_outdated`] counts the product documents without a search row at
/// the version asked and the categories not indexed at it, as the latest writes and deletes
/// left them.
pub async fn search_index_versions_are_counted<S: Storage + ?Sized>(s: &S) {
    use tijara_core::search::INDEX_VERSION;
    let outdated = |v: u32| async move {
        s.search_index_outdated(v)
            .await
            .unwrap_or_else(|e| panic!("search_index_outdated: {e}"))
    };
    let n0 = outdated(INDEX_VERSION).await;
    let id = unique("fts-ver");
    let (a, b, c, cat) = (
        format!("{id}-a"),
        format!("{id}-b"),
        format!("{id}-c"),
        format!("{id}-cat"),
    );
    let mut w = doc(DocKind::Product, &a, None, "{}");
    w.product = Some(product_row(&cat, "Coussin", ""));
    ok(s, one(w), "current row").await;
    assert_eq!(
        outdated(INDEX_VERSION).await,
        n0,
        "a current row is not counted"
    );
    let mut w = doc(DocKind::Product, &b, None, "{}");
    w.product = Some(product_row(&cat, "Plateau", "").with_index_version(0));
    ok(s, one(w), "old row").await;
    assert_eq!(
        outdated(INDEX_VERSION).await,
        n0 + 1,
        "an old row is counted"
    );
    ok(
        s,
        one(doc(DocKind::Product, &c, None, "{}")),
        "product without a row",
    )
    .await;
    assert_eq!(
        outdated(INDEX_VERSION).await,
        n0 + 2,
        "a product without a row is counted"
    );
    ok(
        s,
        one(doc(
            DocKind::Category,
            &cat,
            None,
            &category_body(&cat, "Bois"),
        )),
        "category",
    )
    .await;
    assert_eq!(
        outdated(INDEX_VERSION).await,
        n0 + 2,
        "a category written now is indexed at this version"
    );
    assert!(
        outdated(INDEX_VERSION + 1).await >= 4,
        "at another version, every product and category counts"
    );
    let mut w = doc(DocKind::Product, &b, Some(1), "{}");
    w.product = Some(product_row(&cat, "Plateau", ""));
    ok(s, one(w), "row rewritten").await;
    assert!(
        s.delete_doc(DocKind::Product, &c, 1)
            .await
            .unwrap_or_else(|e| panic!("delete: {e}")),
        "deleted"
    );
    assert_eq!(
        outdated(INDEX_VERSION).await,
        n0,
        "rewritten and deleted documents no longer count"
    );
}

/// Renames of a category racing with writes of its products (each writer computing the
/// category's text from what it read before): once all is committed, every product carries
/// the last name and none an older one.
pub async fn concurrent_renames_leave_no_stale_category_text<S: Storage + ?Sized + 'static>(
    s: Arc<S>,
) {
    const NAMES: [&str; 8] = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    ];
    let cat = unique("fts-race");
    let tag = cat[cat.len() - 6..].to_owned();
    let name = |i: usize| format!("{}{tag}", NAMES[i]);
    ok(
        &*s,
        one(doc(
            DocKind::Category,
            &cat,
            None,
            &category_body(&cat, &name(0)),
        )),
        "category",
    )
    .await;
    let renamer = {
        let (s, cat, names) = (
            s.clone(),
            cat.clone(),
            (1..NAMES.len()).map(name).collect::<Vec<_>>(),
        );
        tokio::spawn(async move {
            for (v, n) in names.iter().enumerate() {
                let cs = one(doc(
                    DocKind::Category,
                    &cat,
                    Some(v as u64 + 1),
                    &category_body(&cat, n),
                ));
                match s.commit(cs).await {
                    Ok(CommitOutcome::Committed) => {}
                    other => panic!("rename {v}: {other:?}"),
                }
                tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            }
        })
    };
    let writers = (0..4).map(|t| {
        let (s, cat) = (s.clone(), cat.clone());
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..10 {
                // What the writer read of the category, before its write.
                let read = s
                    .get(DocKind::Category, &cat)
                    .await
                    .unwrap_or_else(|e| panic!("get: {e}"))
                    .map(|d| category_search_text(&d.body))
                    .unwrap_or_default();
                // Other writes commit meanwhile (a rename, most likely).
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                let id = format!("{cat}-{t}-{i}");
                let mut w = doc(DocKind::Product, &id, None, "{}");
                w.product = Some(product_row(&cat, "Coussin", &read));
                match s.commit(one(w)).await {
                    Ok(CommitOutcome::Committed) => ids.push(id),
                    other => panic!("product {id}: {other:?}"),
                }
            }
            ids
        })
    });
    let written: Vec<Vec<String>> = join_all(writers)
        .await
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("writer: {e}")))
        .collect();
    renamer.await.unwrap_or_else(|e| panic!("renamer: {e}"));
    let mut all: Vec<String> = written.into_iter().flatten().collect();
    all.sort();
    assert_eq!(
        in_category(&*s, &cat, &name(NAMES.len() - 1)).await,
        all,
        "every product carries the last name"
    );
    for i in 0..NAMES.len() - 1 {
        assert!(
            in_category(&*s, &cat, &name(i)).await.is_empty(),
            "no product carries the older name {}",
            name(i)
        );
    }
}

/// Two stores on one database (two processes, each with what it keeps between searches): a
/// product written through one, renamed, a variant sold out and restocked through one, are
/// each seen by the next search through the other, although the other had just searched (and
/// kept what it read). Not part of [`storage_conformance!`](crate::storage_conformance): the
/// caller opens both stores on the same database.
pub async fn search_follows_other_stores_writes<S: Storage + ?Sized>(a: &S, b: &S) {
    let id = unique("fts-two");
    let tail = &id[id.len() - 6..];
    let (word, renamed) = (format!("vorpalix{tail}"), format!("snarkolin{tail}"));
    let product = |title: &str| {
        ProductIndex::new("seller", "c")
            .with_active(true)
            .with_prices(100, 100)
            .with_search_fields(tijara_core::search::Fields {
                title: index_text(title),
                ..Default::default()
            })
    };
    async fn search<S: Storage + ?Sized>(s: &S, word: String, in_stock: bool) -> u64 {
        let mut q = SearchQuery {
            plan: plan(&word, &Synonyms::default()),
            match_all: true,
            limit: 10,
            ..SearchQuery::default()
        };
        q.filters.in_stock = in_stock;
        found(s, &q).await.total
    }
    // Both have searched (and kept the catalog as it was).
    assert_eq!(search(a, word.clone(), false).await, 0, "a: nothing yet");
    assert_eq!(search(b, word.clone(), false).await, 0, "b: nothing yet");
    let mut w = doc(DocKind::Product, &id, None, "{}");
    w.product = Some(product(&word));
    ok(a, one(w), "create through a").await;
    assert_eq!(
        search(b, word.clone(), false).await,
        1,
        "b finds the product a created"
    );
    let mut w = doc(DocKind::Product, &id, Some(1), "{}");
    w.product = Some(product(&renamed));
    ok(b, one(w), "rename through b").await;
    assert_eq!(
        search(a, word.clone(), false).await,
        0,
        "a no longer finds the old title b replaced"
    );
    assert_eq!(
        search(a, renamed.clone(), false).await,
        1,
        "a finds the new title"
    );
    let v = vid(&format!("{id}-v"));
    ok(a, stock_of(&id, &v, 2), "stock through a").await;
    assert_eq!(
        search(b, renamed.clone(), true).await,
        1,
        "b sees the stock a defined"
    );
    let sell = || {
        stock(vec![StockOp::Sell {
            variant: v.clone(),
            quantity: 1,
        }])
    };
    ok(a, sell(), "sell one of two through a").await;
    assert_eq!(
        search(b, renamed.clone(), true).await,
        1,
        "one unit left: still in stock"
    );
    ok(a, sell(), "sell the last unit through a").await;
    assert_eq!(
        search(b, renamed.clone(), true).await,
        0,
        "b sees the variant a sold out"
    );
    assert_eq!(
        search(b, renamed.clone(), false).await,
        1,
        "b still finds it out of stock"
    );
    let restock = stock(vec![StockOp::Adjust {
        variant: v,
        delta: 1,
    }]);
    ok(b, restock, "restock through b").await;
    assert_eq!(
        search(a, renamed, true).await,
        1,
        "a sees the restock b made"
    );
}
