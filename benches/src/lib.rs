//! Fixtures for Tijara's benchmarks (the benchmarks themselves are in `benches/`).

pub mod engine;

use std::collections::{BTreeMap, HashMap};
use tijara_core::cart::Cart;
use tijara_core::catalog::{
    CatalogSnapshot, LegalIds, Product, Seller, SellerKind, SellerTaxStatus, Sku, StockPolicy,
    Variant,
};
use tijara_core::pricing::ShippingChoice;
use tijara_core::promotion::{Conditions, Promotion, PromotionKind, PromotionUsage, Stacking};
use tijara_core::*;

/// Everything one pricing needs, owned.
pub struct PricingFixture {
    /// The cart (20 lines over 5 sellers).
    pub cart: Cart,
    /// The catalog snapshot.
    pub catalog: CatalogSnapshot,
    /// 3 promotions (percentage with coupon, fixed amount for one seller, free shipping).
    pub promotions: Vec<Promotion>,
    /// No usage yet.
    pub usage: HashMap<PromotionId, PromotionUsage>,
    /// Dakhla.
    pub region: Region,
    /// A shipping choice per seller.
    pub shipping: BTreeMap<SellerId, ShippingChoice>,
    /// The pricing instant.
    pub now: chrono::DateTime<chrono::Utc>,
}

fn id<T: TryFrom<String>>(s: String) -> T
where
    T::Error: std::fmt::Debug,
{
    T::try_from(s).expect("fixture ids are valid")
}

/// A 20-line cart across 5 sellers, mixed TVA rates (20 %, 14 %, 10 %, 7 %, exempt), with 3
/// promotions that all apply.
pub fn pricing_fixture() -> PricingFixture {
    let taxes = [
        "standard",
        "reduced-14",
        "reduced-10",
        "reduced-7",
        "artisanal-carpet",
    ];
    let mut sellers = Vec::new();
    let mut products = Vec::new();
    let mut lines = Vec::new();
    for s in 0..5 {
        let seller_id: SellerId = id(format!("seller-{s}"));
        sellers.push(Seller {
            id: seller_id.clone(),
            name: format!("Coopérative {s}"),
            kind: SellerKind::Cooperative,
            home_city: "Dakhla".into(),
            commission_rate: Rate::percent(10).expect("rate"),
            category_commissions: BTreeMap::new(),
            tax_status: SellerTaxStatus::VatRegistered,
            members: vec![],
            legal: LegalIds::default(),
            story: LocalizedText::default(),
            active: true,
            whatsapp: None,
            contact: Default::default(),
            approved_at: None,
        });
        for p in 0..4 {
            let n = s * 4 + p;
            let variant_id: VariantId = id(format!("v-{n:02}"));
            products.push(Product {
                id: id(format!("p-{n:02}")),
                seller_id: seller_id.clone(),
                category_id: id(if p % 2 == 0 {
                    "leather".into()
                } else {
                    "jewellery".into()
                }),
                slug: format!("product-{n}"),
                title: LocalizedText::new().with(Lang::FR, format!("Produit {n}")),
                description: LocalizedText::default(),
                materials: vec![],
                photos: vec![],
                made_by: None,
                variants: vec![Variant {
                    id: variant_id.clone(),
                    sku: Sku::new(format!("SKU-{n:02}")).expect("sku"),
                    options: BTreeMap::new(),
                    price: Money::from_minor(9_990 + 4_321 * i64::from(n), Currency::MAD),
                    tax_category: id(taxes[usize::try_from(n).unwrap_or(0) % taxes.len()].into()),
                    weight_grams: 700,
                    dimensions: None,
                    shippable: true,
                    stock_policy: StockPolicy::Tracked,
                    active: true,
                }],
                active: true,
                customs: None,
            });
            lines.push((variant_id, 1 + n % 3));
        }
    }
    let catalog = CatalogSnapshot::new(sellers, products).expect("catalog");
    let mut cart = Cart::new(id("bench-cart".into()), Currency::MAD);
    for (v, q) in &lines {
        cart.add(&catalog, v, *q, &Default::default()).expect("add");
    }
    cart.add_coupon("DAKHLA10", &Default::default())
        .expect("coupon");
    let promo = |name: &str, kind, priority| Promotion {
        id: id(name.into()),
        name: LocalizedText::new().with(Lang::FR, name),
        kind,
        conditions: Conditions::default(),
        stacking: Stacking::Combinable,
        priority,
        active: true,
    };
    let mut coupon = promo(
        "coupon-10",
        PromotionKind::PercentOff {
            rate: Rate::percent(10).expect("rate"),
        },
        0,
    );
    coupon.conditions.coupon = Some("DAKHLA10".into());
    let mut fixed = promo(
        "fixed-50",
        PromotionKind::FixedOff {
            amount: Money::mad("50").expect("m"),
        },
        1,
    );
    fixed.conditions.sellers = vec![id("seller-2".into())];
    let mut free = promo("free-shipping", PromotionKind::FreeShipping, 2);
    free.conditions.min_subtotal = Some(Money::mad("300").expect("m"));
    let shipping = (0..5)
        .map(|s| {
            (
                id(format!("seller-{s}")),
                ShippingChoice {
                    carrier: "amana".into(),
                    service: "standard".into(),
                    price: Money::from_minor(3_500 + 500 * s, Currency::MAD),
                    estimated_days: Some((3, 7)),
                    carrier_name: None,
                },
            )
        })
        .collect();
    PricingFixture {
        cart,
        catalog,
        promotions: vec![coupon, fixed, free],
        usage: HashMap::new(),
        region: Region::dakhla(),
        shipping,
        now: chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z")
            .expect("time")
            .to_utc(),
    }
}
