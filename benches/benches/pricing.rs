//! Prices a 20-line cart across 5 sellers with 3 promotions and mixed TVA rates.
//!
//! Run: `cargo bench -p tijara-benches --bench pricing`. Target: under 20 µs per pricing.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tijara_benches::pricing_fixture;
use tijara_core::pricing::{PricingInput, price_cart};

fn pricing(c: &mut Criterion) {
    let f = pricing_fixture();
    let input = PricingInput {
        cart: &f.cart,
        catalog: &f.catalog,
        promotions: &f.promotions,
        usage: &f.usage,
        region: &f.region,
        shipping: &f.shipping,
        display_rates: &[],
        now: f.now,
        destination: None,
    };
    // The fixture is meant to exercise every promotion: fail loudly if it stops doing so.
    let priced = price_cart(&input).expect("the fixture prices");
    assert_eq!(priced.lines.len(), 20);
    assert_eq!(priced.sellers.len(), 5);
    assert_eq!(
        priced.applied_promotions.len(),
        3,
        "{:?}",
        priced.not_applied_promotions
    );
    assert!(priced.tva.buckets().count() >= 4);
    c.bench_function("price_cart/20 lines, 5 sellers, 3 promotions", |b| {
        b.iter(|| price_cart(black_box(&input)))
    });
}

criterion_group!(benches, pricing);
criterion_main!(benches);
