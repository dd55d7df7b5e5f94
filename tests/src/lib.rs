//! Helpers shared by the workspace's end-to-end tests (in `tests/`) and the crash test's child
//! process (`src/bin/crash_child.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;
use tijara::ports::storage::Storage;
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::{Tijara, TijaraError};
use tijara_core::catalog::{SellerKind, SellerTaxStatus, StockPolicy};
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
            CategoryInput {
                id: CategoryId::new("crafts").expect("id"),
                slug: "crafts".into(),
                name: LocalizedText::single(Lang::Fr, "Artisanat"),
                parent: None,
            },
            None,
        )
        .await?;
    let seller = engine
        .catalog()
        .create_seller(
            SellerInput {
                name: "Coopérative Tiznit".into(),
                kind: SellerKind::Cooperative,
                home_city: "Dakhla".into(),
                commission_rate: None,
                category_commissions: BTreeMap::new(),
                tax_status: SellerTaxStatus::VatRegistered,
                members: vec![],
                legal: Default::default(),
                story: LocalizedText::default(),
            },
            None,
        )
        .await?;
    let product = engine
        .catalog()
        .create_product(
            ProductInput {
                seller_id: seller.id.clone(),
                category_id: CategoryId::new("crafts").expect("id"),
                slug: "mezoued".into(),
                title: LocalizedText::new()
                    .with(Lang::Fr, "Mezoued")
                    .with(Lang::Ar, "مزود"),
                description: LocalizedText::default(),
                materials: vec![],
                photos: vec![],
                made_by: None,
                variants: vec![VariantInput {
                    sku: "MEZ-1".into(),
                    options: BTreeMap::new(),
                    price: Money::mad("180.00").expect("price"),
                    tax_category: TaxCategoryId::new("standard").expect("id"),
                    weight_grams: 700,
                    dimensions: None,
                    shippable: true,
                    stock_policy: StockPolicy::Tracked,
                    initial_stock: stock,
                }],
            },
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
    PlaceOrderRequest {
        cart: CheckoutCart::Inline {
            lines: vec![(variant.clone(), quantity)],
            coupons: vec![],
            customer: None,
            shipping: [(
                seller.clone(),
                ShippingSelection {
                    carrier: "amana".into(),
                    service: "standard".into(),
                },
            )]
            .into_iter()
            .collect(),
        },
        email: format!("client{n}@example.ma"),
        address: Address {
            name: "Aminatou Mint Salem".into(),
            line1: "N° 3, Avenue Al Walae".into(),
            line2: None,
            city: "Dakhla".into(),
            postal_code: Some("73000".into()),
            country: "MA".into(),
            phone: "0661000000".into(),
        },
        gateway: "cod".into(),
        lang: Lang::Ar,
    }
}

/// The code blocks of `docs/embedding.md`, compiled and run as doc tests.
#[doc = include_str!("../../docs/embedding.md")]
pub mod embedding_guide {}
