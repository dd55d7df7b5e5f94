//! A marketplace for the engine benchmark: 5 sellers, 200 products with one variant each and
//! stock large enough never to run out, and the checkout the workload repeats.

use std::collections::BTreeMap;
use std::sync::Arc;
use tijara::ports::storage::Storage;
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::{Tijara, TijaraError};
use tijara_core::catalog::{SellerKind, SellerTaxStatus};
use tijara_core::order::Address;
use tijara_core::*;
use tijara_testkit::stubs::{StubCarrier, StubGateway};

/// The engine and what the workload buys.
pub struct Shop {
    /// The engine.
    pub engine: Tijara,
    /// Every variant with its seller.
    pub variants: Vec<(VariantId, SellerId)>,
    /// Units each variant started with.
    pub initial_stock: u32,
}

fn id<T: TryFrom<String>>(s: String) -> T
where
    T::Error: std::fmt::Debug,
{
    T::try_from(s).expect("benchmark ids are valid")
}

/// Builds the engine on `storage` and loads the catalog.
pub async fn shop(storage: Arc<dyn Storage>, initial_stock: u32) -> Result<Shop, TijaraError> {
    let engine = Tijara::builder()
        .storage(storage)
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(Arc::new(StubCarrier::new("amana", "30.00", "10.00")))
        .build()
        .map_err(|e| TijaraError::Invalid(e.to_string()))?;
    engine
        .catalog()
        .create_category(
            CategoryInput::new(
                id("crafts".into()),
                "crafts",
                LocalizedText::single(Lang::FR, "Artisanat"),
            ),
            None,
        )
        .await?;
    let mut variants = Vec::new();
    for s in 0..5 {
        let seller = engine
            .catalog()
            .create_seller(
                SellerInput::new(
                    format!("Coopérative {s}"),
                    SellerKind::Cooperative,
                    "Dakhla",
                    SellerTaxStatus::VatRegistered,
                ),
                None,
            )
            .await?;
        for p in 0..40 {
            let n = s * 40 + p;
            let product = engine
                .catalog()
                .create_product(
                    ProductInput::new(
                        seller.id.clone(),
                        id("crafts".into()),
                        format!("product-{n}"),
                        LocalizedText::new()
                            .with(Lang::FR, format!("Produit {n}"))
                            .with(Lang::AR, format!("منتج {n}")),
                        vec![
                            VariantInput::new(
                                format!("SKU-{n:03}"),
                                Money::from_minor(10_000 + 1_250 * i64::from(n), Currency::MAD),
                                id("standard".into()),
                                600,
                            )
                            .with_initial_stock(initial_stock),
                        ],
                    ),
                    None,
                )
                .await?;
            variants.push((product.variants[0].id.clone(), seller.id.clone()));
        }
    }
    Ok(Shop {
        engine,
        variants,
        initial_stock,
    })
}

/// Guest `guest`'s shipping address in Rabat: each its own name, street and Moroccan mobile
/// number (`061` + 7 digits), as shoppers have and as `benches/http/address.mjs` gives them;
/// one address for all let the engine's memory of checked addresses answer every checkout
/// after the first.
pub fn guest_address(guest: u64) -> Address {
    let n = guest % 10_000_000;
    Address {
        name: format!("Client {n}"),
        line1: format!("N° {}, Rue {n}", n % 300 + 1),
        line2: None,
        city: "Rabat".into(),
        postal_code: Some("10000".into()),
        state: None,
        country: "MA".into(),
        phone: format!("061{n:07}"),
    }
}

/// A checkout of variants `a` and `b` (one unit each), cash on delivery, shipping chosen.
pub fn checkout(shop: &Shop, a: usize, b: usize, customer: u64) -> PlaceOrderRequest {
    let (va, sa) = &shop.variants[a];
    let (vb, sb) = &shop.variants[b];
    let amana = ShippingSelection::new("amana", "standard");
    let shipping: BTreeMap<SellerId, ShippingSelection> =
        [(sa.clone(), amana.clone()), (sb.clone(), amana)]
            .into_iter()
            .collect();
    PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines: vec![(va.clone(), 1), (vb.clone(), 1)],
            coupons: vec![],
            customer: None,
            shipping,
        },
        format!("guest{customer}@example.ma"),
        guest_address(customer),
        "cod",
        Lang::FR,
    )
}
