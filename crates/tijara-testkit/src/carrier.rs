//! The carrier conformance suite: the rules every carrier adapter must keep. Each check is a
//! public async function over a [`CarrierHarness`]; [`crate::carrier_conformance!`] runs them.
//!
//! Checked: quotes are positive MAD amounts with a service and an estimate (and a COD fee when
//! the carrier collects cash); creating a shipment is idempotent by reference; the carrier's
//! codes are normalized, unknown ones kept as `Unknown`; through the engine, tracking applied in
//! any order and repeated gives the same status; capabilities are honoured.

// A conformance check reports a broken rule by panicking, like an assertion in a test.
#![allow(clippy::panic)]

use crate::stubs::{SequentialIds, StubGateway};
use async_trait::async_trait;
use std::sync::Arc;
use tijara::Tijara;
use tijara::ports::carrier::*;
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::ShipRequest;
use tijara_core::catalog::{SellerKind, SellerTaxStatus, StockPolicy};
use tijara_core::chrono::{DateTime, Duration, TimeZone, Utc};
use tijara_core::fulfillment::{Parcel, TrackingEvent, TrackingStatus};
use tijara_core::order::Address;
use tijara_core::*;

/// What the suite needs from an adapter's test setup.
#[async_trait]
pub trait CarrierHarness: Send + Sync {
    /// The carrier under test.
    fn carrier(&self) -> Arc<dyn Carrier>;
    /// A city the carrier picks up from.
    fn origin_city(&self) -> String;
    /// An address it delivers to.
    fn destination(&self) -> Address;
    /// A carrier code meaning "delivered", and one the adapter cannot know.
    fn codes(&self) -> (String, String);
    /// The carrier's normalized events for `tracking_number`, after making the carrier (or its
    /// fake) report these raw `(code, time)` events — through `track` for carriers with an API.
    async fn events_for(
        &self,
        tracking_number: &str,
        raw: &[(String, DateTime<Utc>)],
    ) -> Vec<TrackingEvent>;
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn quote_request(h: &dyn CarrierHarness, cod: Option<Money>) -> QuoteRequest {
    QuoteRequest {
        origin_city: h.origin_city(),
        destination: h.destination(),
        parcels: vec![Parcel {
            weight_grams: 1200,
            dimensions: None,
        }],
        cod_amount: cod,
    }
}

/// Quotes are positive MAD amounts with a service and an estimate; COD adds its fee.
pub async fn quotes_are_positive_mad_with_estimates(h: &dyn CarrierHarness) {
    let c = h.carrier();
    let quotes = c
        .quote(&quote_request(h, None))
        .await
        .unwrap_or_else(|e| panic!("quote: {e}"));
    assert!(!quotes.is_empty(), "the harness's route is served");
    for q in &quotes {
        assert_eq!(q.price.currency(), Currency::MAD, "prices in MAD");
        assert!(q.price.is_positive(), "a positive price");
        assert!(
            !q.service.is_empty() && q.carrier == c.code(),
            "a service of this carrier"
        );
        assert!(
            q.estimated_days.0 <= q.estimated_days.1 && q.estimated_days.1 > 0,
            "an estimate"
        );
    }
    if c.capabilities().cod {
        let cod = c
            .quote(&quote_request(
                h,
                Some(Money::mad("450.00").unwrap_or_else(|e| panic!("{e}"))),
            ))
            .await
            .unwrap_or_else(|e| panic!("quote with COD: {e}"));
        let q = cod.first().unwrap_or_else(|| panic!("a COD quote"));
        let fee = q
            .cod_fee
            .unwrap_or_else(|| panic!("a COD quote names its fee"));
        assert!(!fee.is_negative());
        let plain = quotes
            .iter()
            .find(|p| p.service == q.service)
            .unwrap_or_else(|| panic!("same service"));
        assert!(
            q.price.amount() >= plain.price.amount(),
            "the COD fee is included in the price"
        );
    }
}

/// Creating a shipment twice with the same reference gives the same parcel.
pub async fn create_is_idempotent(h: &dyn CarrierHarness) {
    let c = h.carrier();
    let service = c
        .quote(&quote_request(h, None))
        .await
        .unwrap_or_else(|e| panic!("quote: {e}"))[0]
        .service
        .clone();
    let request = ShipmentRequest {
        reference: format!("so-{}", crate::storage::unique("ref")),
        service,
        origin_city: h.origin_city(),
        destination: h.destination(),
        parcels: vec![Parcel {
            weight_grams: 1200,
            dimensions: None,
        }],
        cod_amount: None,
    };
    let a = c
        .create_shipment(&request)
        .await
        .unwrap_or_else(|e| panic!("create: {e}"));
    let b = c
        .create_shipment(&request)
        .await
        .unwrap_or_else(|e| panic!("create again: {e}"));
    assert!(!a.tracking_number.is_empty());
    assert_eq!(
        a.tracking_number, b.tracking_number,
        "a retry returns the same parcel"
    );
    let mut other = request.clone();
    other.reference.push('2');
    let c2 = c
        .create_shipment(&other)
        .await
        .unwrap_or_else(|e| panic!("create other: {e}"));
    assert_ne!(
        c2.tracking_number, a.tracking_number,
        "another reference is another parcel"
    );
}

/// Known codes are normalized, unknown ones kept as `Unknown` with the carrier's code.
pub async fn codes_are_normalized_and_unknown_ones_kept(h: &dyn CarrierHarness) {
    let (delivered, unknown) = h.codes();
    let events = h
        .events_for(
            "TRACK-NORM-1",
            &[
                (delivered.clone(), t0() + Duration::hours(30)),
                (unknown.clone(), t0() + Duration::hours(31)),
            ],
        )
        .await;
    let d = events
        .iter()
        .find(|e| e.carrier_code == delivered)
        .unwrap_or_else(|| panic!("the delivered event is reported"));
    assert_eq!(d.status, TrackingStatus::Delivered);
    let u = events
        .iter()
        .find(|e| e.carrier_code == unknown)
        .unwrap_or_else(|| panic!("the unknown code is kept"));
    assert_eq!(
        u.status,
        TrackingStatus::Unknown,
        "an unknown code maps to Unknown, never to a guess"
    );
}

async fn engine_with(h: &dyn CarrierHarness) -> (Tijara, VariantId, SellerId) {
    let c = h.carrier();
    let engine = Tijara::builder()
        .storage(Arc::new(tijara_store_memory::MemoryStore::new()))
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(c)
        .ids(Arc::new(SequentialIds::default()))
        .build()
        .unwrap_or_else(|e| panic!("engine: {e}"));
    engine
        .create_category(
            CategoryInput {
                id: CategoryId::new("crafts").unwrap_or_else(|e| panic!("{e}")),
                slug: "crafts".into(),
                name: LocalizedText::single(Lang::Fr, "Artisanat"),
                parent: None,
            },
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let seller = engine
        .create_seller(
            SellerInput {
                name: "Coopérative".into(),
                kind: SellerKind::Cooperative,
                home_city: h.origin_city(),
                commission_rate: None,
                category_commissions: Default::default(),
                tax_status: SellerTaxStatus::VatRegistered,
                members: vec![],
                legal: Default::default(),
                story: LocalizedText::default(),
            },
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let p = engine
        .create_product(
            ProductInput {
                seller_id: seller.id.clone(),
                category_id: CategoryId::new("crafts").unwrap_or_else(|e| panic!("{e}")),
                slug: "kountiya".into(),
                title: LocalizedText::single(Lang::Fr, "Kountiya"),
                description: LocalizedText::default(),
                materials: vec![],
                photos: vec![],
                made_by: None,
                variants: vec![VariantInput {
                    sku: "KNT".into(),
                    options: Default::default(),
                    price: Money::mad("260.00").unwrap_or_else(|e| panic!("{e}")),
                    tax_category: TaxCategoryId::new("standard").unwrap_or_else(|e| panic!("{e}")),
                    weight_grams: 1200,
                    dimensions: None,
                    shippable: true,
                    stock_policy: StockPolicy::Tracked,
                    initial_stock: 10,
                }],
            },
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (engine, p.variants[0].id.clone(), seller.id)
}

/// Through the engine: the same events in any order, repeated, give the same status; a COD
/// delivery collects the cash.
pub async fn tracking_in_any_order_gives_one_status(h: &dyn CarrierHarness) {
    let (engine, variant, seller) = engine_with(h).await;
    let c = h.carrier();
    let service = c
        .quote(&quote_request(h, None))
        .await
        .unwrap_or_else(|e| panic!("quote: {e}"))[0]
        .service
        .clone();
    let (delivered, unknown) = h.codes();
    let mut statuses = Vec::new();
    for reversed in [false, true] {
        let order = engine
            .place_order(
                PlaceOrderRequest {
                    cart: CheckoutCart::Inline {
                        lines: vec![(variant.clone(), 1)],
                        coupons: vec![],
                        customer: None,
                        shipping: [(
                            seller.clone(),
                            ShippingSelection {
                                carrier: c.code().to_owned(),
                                service: service.clone(),
                            },
                        )]
                        .into_iter()
                        .collect(),
                    },
                    email: "client@example.ma".into(),
                    address: h.destination(),
                    gateway: "cod".into(),
                    lang: Lang::Fr,
                },
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("place: {e}"))
            .order;
        let so = order.seller_orders[0].id.clone();
        engine
            .mark_ready(&order.id, &so, None)
            .await
            .unwrap_or_else(|e| panic!("ready: {e}"));
        let shipment = engine
            .ship(
                &order.id,
                &so,
                ShipRequest {
                    carrier: None,
                    service: None,
                    parcels: vec![],
                },
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("ship: {e}"));
        let number = shipment
            .tracking_number
            .clone()
            .unwrap_or_else(|| panic!("a tracking number"));
        let mut events = h
            .events_for(
                &number,
                &[
                    (unknown.clone(), t0() + Duration::hours(5)),
                    (delivered.clone(), t0() + Duration::hours(30)),
                ],
            )
            .await;
        if reversed {
            events.reverse();
        }
        for chunk in [events.clone(), events.clone()] {
            engine
                .record_tracking(c.code(), &number, chunk, None)
                .await
                .unwrap_or_else(|e| panic!("record: {e}"));
        }
        let doc = engine
            .order(&order.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let s = doc.shipments.first().unwrap_or_else(|| panic!("shipment"));
        assert_eq!(
            s.events().len(),
            2,
            "repeats are kept once, the unknown code too"
        );
        assert_eq!(
            doc.order.payment.status(),
            tijara_core::payment::PaymentStatus::Collected,
            "COD collected on delivery"
        );
        statuses.push(s.status());
    }
    assert_eq!(
        statuses,
        [TrackingStatus::Delivered, TrackingStatus::Delivered]
    );
}

/// Operations outside the capabilities answer `Unsupported`; a carrier that does not ship abroad
/// quotes nothing abroad; a carrier with webhooks declares `tracking`.
pub async fn capabilities_are_honoured(h: &dyn CarrierHarness) {
    let c = h.carrier();
    let caps = c.capabilities();
    // A carrier that pushes events tracks its parcels itself: sellers must not type them.
    assert!(
        !caps.webhooks || caps.tracking,
        "webhooks without `tracking`: sellers could type numbers and steps the carrier pushes"
    );
    if !caps.webhooks {
        assert!(
            matches!(
                c.parse_webhook(&WebhookRequest::default()).await,
                Err(CarrierError::Unsupported(_))
            ),
            "no webhooks: Unsupported"
        );
    }
    if !caps.cancel {
        assert!(
            matches!(c.cancel("X").await, Err(CarrierError::Unsupported(_))),
            "no cancel: Unsupported"
        );
    }
    if !caps.international {
        let mut r = quote_request(h, None);
        r.destination.country = "ES".into();
        r.destination.city = "Las Palmas".into();
        let q = c.quote(&r).await.unwrap_or_default();
        assert!(q.is_empty(), "no quote abroad");
    }
}
