//! Fixtures shared by the unit tests.

use crate::cart::{Cart, CartLimits};
use crate::catalog::tests::{product, seller, variant};
use crate::catalog::{CatalogSnapshot, SellerKind};
use crate::ids::*;
use crate::money::Money;
use crate::order::{Address, Order, PlaceOrder};
use crate::payment::PaymentMethod;
use crate::pricing::{PricedCart, PricingInput, ShippingChoice, price_cart};
use crate::{Currency, Rate, Region};
use chrono::{DateTime, TimeZone, Utc};
use std::collections::{BTreeMap, HashMap};

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
        .single()
        .expect("time")
}

pub(crate) fn mad(s: &str) -> Money {
    Money::mad(s).expect("amount")
}

/// Seller `a` (10 %, jewellery 15 %) sells `a1` 250.00 and `a2` 99.90; seller `b` (12 %) sells
/// `b1` 1 200.00.
pub(crate) fn catalog() -> CatalogSnapshot {
    let mut a = seller("a", SellerKind::Cooperative);
    a.category_commissions.insert(
        CategoryId::new("jewellery").expect("id"),
        Rate::percent(15).expect("r"),
    );
    let mut b = seller("b", SellerKind::Artisan);
    b.commission_rate = Rate::percent(12).expect("r");
    CatalogSnapshot::new(
        [a, b],
        [
            product(
                "pa1",
                "a",
                "leather",
                vec![variant("a1", "250.00", "standard")],
            ),
            product(
                "pa2",
                "a",
                "jewellery",
                vec![variant("a2", "99.90", "standard")],
            ),
            product(
                "pb1",
                "b",
                "carpet",
                vec![variant("b1", "1200.00", "artisanal-carpet")],
            ),
        ],
    )
    .expect("catalog")
}

/// 2 × a1, 1 × a2, 1 × b1, shipping 45.00 (a) and 60.00 (b): total 1 904.90.
pub(crate) fn priced() -> PricedCart {
    let cat = catalog();
    let mut cart = Cart::new(CartId::new("c").expect("id"), Currency::MAD);
    for (v, q) in [("a1", 2), ("a2", 1), ("b1", 1)] {
        cart.add(
            &cat,
            &VariantId::new(v).expect("id"),
            q,
            &CartLimits::default(),
        )
        .expect("add");
    }
    let ship = |p: &str| ShippingChoice {
        carrier: "amana".into(),
        service: "standard".into(),
        price: mad(p),
        estimated_days: None,
        carrier_name: None,
    };
    let shipping = BTreeMap::from([
        (SellerId::new("a").expect("id"), ship("45.00")),
        (SellerId::new("b").expect("id"), ship("60.00")),
    ]);
    price_cart(&PricingInput {
        cart: &cart,
        catalog: &cat,
        promotions: &[],
        usage: &HashMap::new(),
        region: &Region::dakhla(),
        shipping: &shipping,
        display_rates: &[],
        now: t0(),
        destination: None,
    })
    .expect("priced")
}

pub(crate) fn address() -> Address {
    Address {
        name: "Fatimatou Mint Ahmed".into(),
        line1: "N° 12, Rue Al Massira, Hay Al Qods".into(),
        line2: None,
        city: "Dakhla".into(),
        postal_code: Some("73000".into()),
        state: None,
        country: "MA".into(),
        phone: "+212 612 345 678".into(),
    }
}

pub(crate) fn place(method: PaymentMethod) -> Order {
    let p = priced();
    Order::place(
        &p,
        PlaceOrder {
            id: OrderId::new("o1").expect("id"),
            seller_order_ids: vec![
                SellerOrderId::new("o1-a").expect("id"),
                SellerOrderId::new("o1-b").expect("id"),
            ],
            customer: None,
            email: "fatimatou@example.ma".into(),
            shipping_address: address().checked().expect("valid"),
            payment_method: method,
            now: t0(),
        },
    )
    .expect("placed")
}

pub(crate) fn so(id: &str) -> SellerOrderId {
    SellerOrderId::new(id).expect("id")
}
