//! Helpers shared by the workspace's end-to-end tests (in `tests/`) and the crash test's child
//! process (`src/bin/crash_child.rs`).

use std::sync::Arc;
use tijara::ports::storage::Storage;
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::{Tijara, TijaraError};
use tijara_core::catalog::{SellerKind, SellerTaxStatus};
use tijara_core::order::Address;
use tijara_core::*;
use tijara_testkit::stubs::{StubCarrier, StubGateway};

/// An engine on `storage` with cash on delivery, a stub card gateway and a stub carrier.
pub fn engine(storage: Arc<dyn Storage>) -> Tijara {
    Tijara::builder()
        .storage(storage)
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .payment(Arc::new(StubGateway::card()))
        .carrier(Arc::new(StubCarrier::new("amana", "30.00", "10.00")))
        .build()
        .expect("engine")
}

/// One seller with one product of one tracked variant holding `stock` units; returns the
/// variant and the seller.
pub async fn one_product(
    engine: &Tijara,
    stock: u32,
) -> Result<(VariantId, SellerId), TijaraError> {
    engine
        .catalog()
        .create_category(
            CategoryInput::new(
                CategoryId::new("crafts").expect("id"),
                "crafts",
                LocalizedText::single(Lang::FR, "Artisanat"),
            ),
            None,
        )
        .await?;
    let seller = engine
        .catalog()
        .create_seller(
            SellerInput::new(
                "Coopérative Tiznit",
                SellerKind::Cooperative,
                "Dakhla",
                SellerTaxStatus::VatRegistered,
            ),
            None,
        )
        .await?;
    let product = engine
        .catalog()
        .create_product(
            ProductInput::new(
                seller.id.clone(),
                CategoryId::new("crafts").expect("id"),
                "mezoued",
                LocalizedText::new()
                    .with(Lang::FR, "Mezoued")
                    .with(Lang::AR, "مزود"),
                vec![
                    VariantInput::new(
                        "MEZ-1",
                        Money::mad("180.00").expect("price"),
                        TaxCategoryId::new("standard").expect("id"),
                        700,
                    )
                    .with_initial_stock(stock),
                ],
            ),
            None,
        )
        .await?;
    Ok((product.variants[0].id.clone(), seller.id))
}

/// A cash-on-delivery order of `quantity` units of `variant`.
pub fn cod_order(
    variant: &VariantId,
    seller: &SellerId,
    quantity: u32,
    n: u64,
) -> PlaceOrderRequest {
    PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines: vec![(variant.clone(), quantity)],
            coupons: vec![],
            customer: None,
            shipping: [(seller.clone(), ShippingSelection::new("amana", "standard"))]
                .into_iter()
                .collect(),
        },
        format!("client{n}@example.ma"),
        Address {
            name: "Aminatou Mint Salem".into(),
            line1: "N° 3, Avenue Al Walae".into(),
            line2: None,
            city: "Dakhla".into(),
            postal_code: Some("73000".into()),
            state: None,
            country: "MA".into(),
            phone: "0661000000".into(),
        },
        "cod",
        Lang::AR,
    )
}

/// The code blocks of `docs/embedding.md`, compiled and run as doc tests.
#[doc = include_str!("../../docs/embedding.md")]
pub mod embedding_guide {}
