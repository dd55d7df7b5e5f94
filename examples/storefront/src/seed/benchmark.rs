//! The benchmark catalog of `shared/bench/CHECKOUT-WORKLOAD.md` (`--seed-benchmark`): 5 sellers,
//! 200 products with one variant each and stock large enough never to run out. The outside
//! load driver (`benches/http/`) runs its checkouts against it.

use super::*;

/// Sellers of the benchmark catalog.
pub const BENCHMARK_SELLERS: u32 = 5;
/// Products per seller (one variant each): 5 × 40 = 200.
pub const BENCHMARK_PRODUCTS_PER_SELLER: u32 = 40;
/// Units each benchmark variant starts with.
pub const BENCHMARK_STOCK: u32 = 1_000_000;

/// Loads the benchmark catalog when the database has no seller yet (returns true if it did):
/// a category `crafts`, 5 cooperatives of Dakhla and 200 products `bench-000` … `bench-199`
/// (SKU `BENCH-000`…), one variant each with [`BENCHMARK_STOCK`] units, prices 100.00 MAD +
/// 12.50 MAD × n with TVA at the standard rate, 600 g. No accounts are created. Like
/// [`seed_if_empty`], every step carries an idempotency key, so two starts on one empty
/// database do not create anything twice.
pub async fn seed_benchmark_if_empty(engine: &Tijara) -> Result<bool, TijaraError> {
    if !engine
        .catalog()
        .list_sellers(None, 1)
        .await?
        .items
        .is_empty()
    {
        return Ok(false);
    }
    let created = engine
        .catalog()
        .create_category(
            CategoryInput::new(
                CategoryId::new("crafts")?,
                "crafts",
                LocalizedText::new()
                    .with(Lang::FR, "Artisanat")
                    .with(Lang::AR, "الصناعة التقليدية")
                    .with(Lang::EN, "Crafts"),
            ),
            Some(&seed_key("bench:category".into())?),
        )
        .await;
    match created {
        Ok(_)
        | Err(TijaraError::Conflict {
            kind: DocKind::Category,
            ..
        }) => {}
        Err(e) => return Err(e),
    }
    for s in 0..BENCHMARK_SELLERS {
        let seller = engine
            .catalog()
            .create_seller(
                SellerInput::new(
                    format!("Coopérative {s}"),
                    SellerKind::Cooperative,
                    "Dakhla",
                    SellerTaxStatus::VatRegistered,
                ),
                Some(&seed_key(format!("bench:seller:{s}"))?),
            )
            .await?;
        for p in 0..BENCHMARK_PRODUCTS_PER_SELLER {
            let n = s * BENCHMARK_PRODUCTS_PER_SELLER + p;
            engine
                .catalog()
                .create_product(
                    ProductInput::new(
                        seller.id.clone(),
                        CategoryId::new("crafts")?,
                        format!("bench-{n:03}"),
                        LocalizedText::new()
                            .with(Lang::FR, format!("Produit {n}"))
                            .with(Lang::AR, format!("منتج {n}"))
                            .with(Lang::EN, format!("Product {n}")),
                        vec![
                            VariantInput::new(
                                format!("BENCH-{n:03}"),
                                Money::from_minor(10_000 + 1_250 * i64::from(n), Currency::MAD),
                                TaxCategoryId::new("standard")?,
                                600,
                            )
                            .with_initial_stock(BENCHMARK_STOCK),
                        ],
                    ),
                    Some(&seed_key(format!("bench:product:{n}"))?),
                )
                .await?;
        }
    }
    Ok(true)
}

/// Products of the search benchmark catalog (`--seed-search-benchmark`).
pub const SEARCH_BENCHMARK_PRODUCTS: u32 = 10_000;

/// Loads the search benchmark catalog when the database has no seller yet (returns true if it
/// did): the demo's six categories, 20 sellers (artisans, cooperatives and GIE in six cities)
/// and [`SEARCH_BENCHMARK_PRODUCTS`] products titled and described in French, Arabic and
/// English from word lists (an object, a material, a finish: "Tapis en laine brodé n° 17"),
/// priced 50 to 5,000 MAD, one variant each, some sold out. Every step carries an idempotency
/// key like [`seed_benchmark_if_empty`].
pub async fn seed_search_benchmark_if_empty(engine: &Tijara) -> Result<bool, TijaraError> {
    // (fr, ar, en, category)
    const OBJECTS: [(&str, &str, &str, &str); 12] = [
        ("Tapis", "زربية", "Rug", "tents"),
        ("Khaïma", "خيمة", "Khaima", "tents"),
        ("Coussin", "وسادة", "Cushion", "leather"),
        ("Sac", "حقيبة", "Bag", "leather"),
        ("Sandales", "نعال", "Sandals", "leather"),
        ("Melhfa", "ملحفة", "Melhfa", "textiles"),
        ("Écharpe", "وشاح", "Scarf", "textiles"),
        ("Bracelet", "سوار", "Bracelet", "jewellery"),
        ("Collier", "قلادة", "Necklace", "jewellery"),
        ("Tajine", "طاجين", "Tajine", "pottery"),
        ("Plateau", "صينية", "Tray", "wood"),
        ("Coffre", "صندوق", "Chest", "wood"),
    ];
    const MATERIALS: [(&str, &str, &str); 8] = [
        ("laine", "صوف", "wool"),
        ("cuir", "جلد", "leather"),
        ("argent", "فضة", "silver"),
        ("coton", "قطن", "cotton"),
        ("bois de tamaris", "خشب الطرفاء", "tamarisk wood"),
        ("poil de chameau", "وبر الإبل", "camel hair"),
        ("terre cuite", "فخار", "clay"),
        ("palmier", "سعف النخيل", "palm"),
    ];
    const FINISHES: [(&str, &str, &str); 6] = [
        ("brodé", "مطرز", "embroidered"),
        ("gravé", "منقوش", "engraved"),
        ("teint à l'indigo", "مصبوغ بالنيلة", "indigo-dyed"),
        ("peint", "مرسوم", "painted"),
        ("tressé", "مضفور", "braided"),
        ("ancien", "قديم", "vintage"),
    ];
    const CITIES: [&str; 6] = [
        "Dakhla",
        "Laâyoune",
        "Boujdour",
        "Es-Semara",
        "Guelmim",
        "Tan-Tan",
    ];
    if !engine
        .catalog()
        .list_sellers(None, 1)
        .await?
        .items
        .is_empty()
    {
        return Ok(false);
    }
    for (id, fr, ar, en) in CATEGORIES {
        let created = engine
            .catalog()
            .create_category(
                CategoryInput::new(
                    CategoryId::new(id)?,
                    id,
                    LocalizedText::new()
                        .with(Lang::FR, fr)
                        .with(Lang::AR, ar)
                        .with(Lang::EN, en),
                ),
                Some(&seed_key(format!("search-bench:category:{id}"))?),
            )
            .await;
        match created {
            Ok(_)
            | Err(TijaraError::Conflict {
                kind: DocKind::Category,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    let kinds = [
        (SellerKind::Artisan, "Atelier"),
        (SellerKind::Cooperative, "Coopérative"),
        (SellerKind::Gie, "GIE"),
    ];
    let mut sellers = Vec::new();
    for s in 0..20u32 {
        let (kind, word) = kinds[(s % 3) as usize];
        let seller = engine
            .catalog()
            .create_seller(
                SellerInput::new(
                    format!("{word} Sahara {s}"),
                    kind,
                    CITIES[(s % 6) as usize],
                    SellerTaxStatus::VatRegistered,
                ),
                Some(&seed_key(format!("search-bench:seller:{s}"))?),
            )
            .await?;
        sellers.push(seller.id);
    }
    for n in 0..SEARCH_BENCHMARK_PRODUCTS {
        let o = OBJECTS[(n % 12) as usize];
        let m = MATERIALS[((n / 12) % 8) as usize];
        let f = FINISHES[((n / 96) % 6) as usize];
        let seller = sellers[(n % 20) as usize].clone();
        let units = if n % 17 == 0 { 0 } else { 50 };
        engine
            .catalog()
            .create_product(
                ProductInput::new(
                    seller,
                    CategoryId::new(o.3)?,
                    format!("search-{n:05}"),
                    LocalizedText::new()
                        .with(Lang::FR, format!("{} en {} {} n° {n}", o.0, m.0, f.0))
                        .with(Lang::AR, format!("{} من {} {} رقم {n}", o.1, m.1, f.1))
                        .with(Lang::EN, format!("{} {} {} no. {n}", f.2, m.2, o.2)),
                    vec![
                        VariantInput::new(
                            format!("SRCH-{n:05}"),
                            Money::from_minor(5_000 + 4_950 * i64::from(n % 100), Currency::MAD),
                            TaxCategoryId::new("standard")?,
                            600,
                        )
                        .with_initial_stock(units),
                    ],
                )
                .with_description(
                    LocalizedText::new()
                        .with(Lang::FR, format!("{} fait main, {} {}.", o.0, m.0, f.0))
                        .with(Lang::AR, format!("{} مصنوع يدويا من {}.", o.1, m.1))
                        .with(Lang::EN, format!("Handmade {} {}.", m.2, o.2)),
                ),
                Some(&seed_key(format!("search-bench:product:{n}"))?),
            )
            .await?;
    }
    Ok(true)
}
