//! A JSON-only marketplace for a mobile app, on the Laâyoune – Sakia El Hamra region: the region
//! file, its own rate card and sellers, PostgreSQL by default. Everything below is wiring; the
//! JSON API itself (catalog, carts, checkout, orders, tracking, the seller portal, the OpenAPI
//! document) is the storefront's headless part, reused as a library.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::sync::Arc;
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::{Tijara, TijaraError};
use tijara_core::catalog::{SellerKind, SellerTaxStatus};
use tijara_core::{CategoryId, Lang, LocalizedText, Money, TaxCategoryId};

/// The region this server sells in.
pub const REGION: &str = include_str!("../../../regions/laayoune-sakia-el-hamra.toml");
/// Its courier's (sample) rate card.
pub const RATE_CARD: &str = include_str!("../ratecards/sakia-express.sample.toml");

/// Builds the engine: region file, storage at `database_url`, cash on delivery, two carriers.
pub async fn engine(
    database_url: &str,
) -> Result<Tijara, Box<dyn std::error::Error + Send + Sync>> {
    engine_on(tijara_store_sqlx::connect(database_url).await?)
}

/// The same on a storage of your choice.
pub fn engine_on(
    storage: Arc<dyn tijara::ports::storage::Storage>,
) -> Result<Tijara, Box<dyn std::error::Error + Send + Sync>> {
    let region = tijara::region_file::parse_region(REGION)?;
    Ok(Tijara::builder()
        .region(region.region)
        .storage(storage)
        .payment(Arc::new(tijara_pay_offline::CashOnDelivery))
        .carrier(Arc::new(tijara_carrier_table::TableCarrier::from_toml(
            RATE_CARD,
        )?))
        .carrier(Arc::new(tijara_carrier_table::TableCarrier::from_toml(
            tijara_carrier_table::AMANA_SAMPLE,
        )?))
        .build()?)
}

/// The JSON API on that engine (no HTML pages).
pub fn router(engine: Tijara, public_url: String) -> axum::Router {
    tijara_storefront::api_router(tijara_storefront::App::headless(engine, public_url))
}

/// Three Laâyoune sellers and their products, on an empty database; `true` if loaded.
pub async fn seed(engine: &Tijara) -> Result<bool, TijaraError> {
    if !engine
        .catalog()
        .list_sellers(None, 1)
        .await?
        .items
        .is_empty()
    {
        return Ok(false);
    }
    engine
        .catalog()
        .create_category(
            CategoryInput::new(
                CategoryId::new("crafts")?,
                "crafts",
                LocalizedText::new()
                    .with(Lang::AR, "صناعة تقليدية")
                    .with(Lang::FR, "Artisanat")
                    .with(Lang::ES, "Artesanía"),
            ),
            None,
        )
        .await?;
    let sellers = [
        (
            "Coopérative Sakia Tissage",
            SellerKind::Cooperative,
            "Laâyoune",
            [(
                "tapis-sakia",
                "زربية الساقية",
                "Tapis Sakia",
                "Alfombra Sakia",
                "1450.00",
                "artisanal-carpet",
                3,
            )],
        ),
        (
            "Atelier El Marsa Cuir",
            SellerKind::Artisan,
            "El Marsa",
            [(
                "sac-marsa",
                "حقيبة المرسى",
                "Sac El Marsa",
                "Bolso El Marsa",
                "420.00",
                "standard",
                8,
            )],
        ),
        (
            "GIE Smara Argent",
            SellerKind::Gie,
            "Es-Semara",
            [(
                "bague-smara",
                "خاتم السمارة",
                "Bague de Smara",
                "Anillo de Smara",
                "260.00",
                "standard",
                12,
            )],
        ),
    ];
    for (name, kind, city, products) in sellers {
        let seller = engine
            .catalog()
            .create_seller(
                SellerInput::new(name, kind, city, SellerTaxStatus::VatRegistered)
                    .with_story(LocalizedText::new()),
                None,
            )
            .await?;
        for (slug, ar, fr, es, price, tax, stock) in products {
            engine
                .catalog()
                .create_product(
                    ProductInput::new(
                        seller.id.clone(),
                        CategoryId::new("crafts")?,
                        slug,
                        LocalizedText::new()
                            .with(Lang::AR, ar)
                            .with(Lang::FR, fr)
                            .with(Lang::ES, es),
                        vec![
                            VariantInput::new(
                                slug.to_uppercase(),
                                Money::mad(price)?,
                                TaxCategoryId::new(tax)?,
                                900,
                            )
                            .with_initial_stock(stock),
                        ],
                    )
                    .with_description(LocalizedText::new()),
                    None,
                )
                .await?;
        }
    }
    Ok(true)
}
