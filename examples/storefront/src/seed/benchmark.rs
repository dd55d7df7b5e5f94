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
