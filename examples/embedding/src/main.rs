//! Embeds the engine in a marketplace for the Laâyoune – Sakia El Hamra region: a region of its
//! own (French first, a 12 % default commission, a 14-day withdrawal period), storage chosen by
//! URL (SQLite by default), payment and carrier adapters, then one checkout end to end.
//!
//! Run: `cargo run -p tijara-example-embedding` (or pass a database URL:
//! `cargo run -p tijara-example-embedding -- postgres://postgres@127.0.0.1/test`).

use std::sync::Arc;
use tijara::docs::PaymentSource;
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::payments::{PaymentEventKind, PaymentNotice};
use tijara::{IdempotencyKey, Tijara};
use tijara_core::catalog::{SellerKind, SellerTaxStatus};
use tijara_core::order::Address;
use tijara_core::*;
use tijara_testkit::stubs::{StubCarrier, StubGateway};

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

/// Another region: start from Dakhla's and change what differs.
fn laayoune() -> Fallible<Region> {
    let mut r = Region::dakhla();
    r.code = "MA-LSH".into();
    r.name = LocalizedText::new()
        .with(Lang::AR, "جهة العيون - الساقية الحمراء")
        .with(Lang::FR, "Laâyoune – Sakia El Hamra");
    r.languages = vec![Lang::FR, Lang::AR, Lang::ES];
    r.default_lang = Lang::FR;
    r.default_commission = Rate::percent(12)?;
    r.withdrawal_days = 14;
    r.validate()?;
    Ok(r)
}

#[tokio::main]
async fn main() -> Fallible<()> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite::memory:".to_owned());
    // Storage by URL scheme: sqlite://file.db, sqlite::memory:, postgres://...
    let storage = tijara_store_sqlx::connect(&url).await?;
    // Adapters: here the testkit's stubs; in production tijara-pay-cmi, tijara-pay-offline and
    // the carrier crates implement the same traits.
    let engine = Tijara::builder()
        .region(laayoune()?)
        .storage(storage)
        .payment(Arc::new(StubGateway::card()))
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(Arc::new(StubCarrier::new("ctm", "35.00", "8.00")))
        .build()?;

    let crafts = CategoryId::new("crafts")?;
    engine
        .catalog()
        .create_category(
            CategoryInput::new(
                crafts.clone(),
                "artisanat",
                LocalizedText::single(Lang::FR, "Artisanat"),
            ),
            None,
        )
        .await?;
    let seller = engine
        .catalog()
        .create_seller(
            // No commission of its own: the region's 12 %.
            SellerInput::new(
                "Coopérative Foum El Oued",
                SellerKind::Cooperative,
                "Laâyoune",
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
                crafts,
                "khaima-miniature",
                LocalizedText::new()
                    .with(Lang::FR, "Khaïma miniature en laine")
                    .with(Lang::AR, "خيمة صغيرة من الصوف"),
                vec![
                    VariantInput::new(
                        "KHM-MINI",
                        Money::mad("450.00")?,
                        TaxCategoryId::new("standard")?,
                        1500,
                    )
                    .with_initial_stock(12),
                ],
            )
            .with_materials(vec!["laine de chameau".into()]),
            None,
        )
        .await?;

    // A shopper pays by card: the order waits, stock reserved, until the gateway's verified
    // notification arrives.
    let key = IdempotencyKey::new("checkout-0001")?;
    let placed = engine
        .checkout()
        .place_order(
            PlaceOrderRequest::new(
                CheckoutCart::Inline {
                    lines: vec![(product.variants[0].id.clone(), 2)],
                    coupons: vec![],
                    customer: None,
                    shipping: [(seller.id.clone(), ShippingSelection::new("ctm", "standard"))]
                        .into_iter()
                        .collect(),
                },
                "mbarka@example.ma",
                Address {
                    name: "Mbarka Mint Ali".into(),
                    line1: "N° 8, Boulevard Mekka".into(),
                    line2: None,
                    city: "Laâyoune".into(),
                    postal_code: Some("70000".into()),
                    state: None,
                    country: "MA".into(),
                    phone: "0661234567".into(),
                },
                "card",
                Lang::FR,
            ),
            Some(&key),
        )
        .await?;
    let order = placed.order;
    println!(
        "order {} placed: {}",
        order.id,
        order.grand_total.format(Lang::FR)
    );
    let result = engine
        .payments()
        .record_payment(
            &order.id,
            PaymentNotice::new(
                PaymentSource::Gateway {
                    code: "card".into(),
                },
                "TX-1",
                PaymentEventKind::Captured {
                    amount: order.grand_total,
                },
                Default::default(),
            ),
            None,
        )
        .await?;
    println!(
        "payment {:?}, order {:?}",
        result.payment_status, result.order_status
    );
    let doc = engine.orders().order(&order.id).await?;
    let (gross, commission, shares) = doc.settlement.totals()?;
    println!(
        "received {}, commission {}, owed to sellers {}",
        gross.format(Lang::FR),
        commission.format(Lang::FR),
        shares.format(Lang::FR)
    );
    Ok(())
}
