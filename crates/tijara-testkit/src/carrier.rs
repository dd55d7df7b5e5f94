//! The carrier conformance suite: the rules every carrier adapter must keep. Each check is a
//! public async function over a [`CarrierHarness`]; [`crate::carrier_conformance!`] runs them.
//!
//! Checked: quotes are positive amounts in the region's currency with a service and an
//! estimate, and with cash on delivery a fee such that the price is the plain price plus the
//! fee, exactly; creating a shipment is idempotent by reference (and a carrier tracking its
//! parcels gives its own numbers, never a provisional reference); the carrier's codes are
//! normalized, unknown ones (and other carriers' codes) kept as `Unknown`; events keep the carrier's times, and polling
//! twice through the engine adds nothing; through the engine, tracking applied in any order and
//! repeated gives the same status; capabilities are honoured.

// A conformance check reports a broken rule by panicking, like an assertion in a test.
#![allow(clippy::panic)]

use crate::engine::TestEngine;
use async_trait::async_trait;
use std::sync::Arc;
use tijara::ports::carrier::*;
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
    /// Codes other carriers use that this adapter does not define (say a sibling rate card's
    /// codes): each must come back as `Unknown` with its code kept, never mapped. Default: none
    /// (an adapter with no sibling has nothing to give).
    fn foreign_codes(&self) -> Vec<String> {
        Vec::new()
    }
    /// The carrier's normalized events for `tracking_number`, after making the carrier (or its
    /// fake) report these raw `(code, time)` events — through `track` for carriers with an API.
    async fn events_for(
        &self,
        tracking_number: &str,
        raw: &[(String, DateTime<Utc>)],
    ) -> Vec<TrackingEvent>;
    /// The region the engine runs in: quotes must be in its currency (default:
    /// [`Region::dakhla`], MAD).
    fn region(&self) -> Region {
        Region::dakhla()
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn quote_request(h: &dyn CarrierHarness, cod: Option<Money>) -> QuoteRequest {
    QuoteRequest::new(
        h.origin_city(),
        h.destination(),
        vec![Parcel {
            weight_grams: 1200,
            dimensions: None,
        }],
    )
    .with_cod_amount(cod)
}

/// Quotes are positive amounts in the region's currency with a service and an estimate; with
/// cash on delivery the price is the plain price plus the fee, exactly.
pub async fn quotes_are_positive_mad_with_estimates(h: &dyn CarrierHarness) {
    let c = h.carrier();
    let currency = h.region().currency;
    let quotes = c
        .quote(&quote_request(h, None))
        .await
        .unwrap_or_else(|e| panic!("quote: {e}"));
    assert!(!quotes.is_empty(), "the harness's route is served");
    for q in &quotes {
        assert_eq!(
            q.price.currency(),
            currency,
            "prices in the region's currency"
        );
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
                Some(Money::parse("450.00", currency).unwrap_or_else(|e| panic!("{e}"))),
            ))
            .await
            .unwrap_or_else(|e| panic!("quote with COD: {e}"));
        let q = cod.first().unwrap_or_else(|| panic!("a COD quote"));
        let fee = q
            .cod_fee
            .unwrap_or_else(|| panic!("a COD quote names its fee"));
        let plain = quotes
            .iter()
            .find(|p| p.service == q.service)
            .unwrap_or_else(|| panic!("the plain quotes offer the COD quote's service too"));
        assert!(
            !fee.is_negative(),
            "the COD fee of {:?} is negative ({fee})",
            q.service
        );
        let expected = plain
            .price
            .checked_add(fee)
            .unwrap_or_else(|e| panic!("the COD fee is in another currency: {e}"));
        assert_eq!(
            q.price, expected,
            "service {:?}: with cash on delivery the price is {}, without it {}, and the COD fee \
             {fee}: the price with COD must be the plain price plus the fee, exactly ({expected}) \
             — the shopper pays the price, the fee is only its breakdown",
            q.service, q.price, plain.price
        );
    }
}

/// Creating a shipment twice with the same reference gives the same parcel; a carrier tracking
/// its parcels itself gives its own number, never a provisional reference.
pub async fn create_is_idempotent(h: &dyn CarrierHarness) {
    let c = h.carrier();
    let service = c
        .quote(&quote_request(h, None))
        .await
        .unwrap_or_else(|e| panic!("quote: {e}"))[0]
        .service
        .clone();
    let request = ShipmentRequest::new(
        format!("so-{}", crate::storage::unique("ref")),
        service,
        h.origin_city(),
        h.destination(),
        vec![Parcel {
            weight_grams: 1200,
            dimensions: None,
        }],
    );
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
    assert_eq!(
        a.provisional_number, b.provisional_number,
        "a retry returns the same kind of number"
    );
    assert!(
        !(a.provisional_number && c.capabilities().tracking),
        "a carrier that tracks its parcels itself (capability `tracking`) gives its own number, \
         not a provisional reference: its events would never find the parcel"
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
    // A carrier answering `status_of` (the engine re-normalizes by it) must agree with its events.
    let c = h.carrier();
    for (code, want) in [
        (&delivered, TrackingStatus::Delivered),
        (&unknown, TrackingStatus::Unknown),
    ] {
        if let Some(s) = c.status_of(code) {
            assert_eq!(
                s,
                want,
                "{}: status_of({code:?}) agrees with its events",
                c.code()
            );
        }
    }
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

/// Another carrier's codes ([`CarrierHarness::foreign_codes`]) are not this carrier's: each is
/// kept as `Unknown` with its code, never normalized by a shared or global mapping.
pub async fn other_carriers_codes_stay_unknown(h: &dyn CarrierHarness) {
    let foreign = h.foreign_codes();
    if foreign.is_empty() {
        return;
    }
    let raw: Vec<(String, DateTime<Utc>)> = foreign
        .iter()
        .enumerate()
        .map(|(i, code)| (code.clone(), t0() + Duration::hours(40 + i as i64)))
        .collect();
    let events = h.events_for("TRACK-FOREIGN-1", &raw).await;
    let carrier = h.carrier();
    for code in &foreign {
        let e = events
            .iter()
            .find(|e| &e.carrier_code == code)
            .unwrap_or_else(|| panic!("another carrier's code {code:?} is kept"));
        assert_eq!(
            e.status,
            TrackingStatus::Unknown,
            "{}: another carrier's code {code:?} maps to Unknown, not to {:?}",
            carrier.code(),
            e.status
        );
        // The engine re-normalizes recorded events by `status_of` when the carrier answers it.
        if let Some(s) = carrier.status_of(code) {
            assert_eq!(
                s,
                TrackingStatus::Unknown,
                "{}: status_of({code:?}), another carrier's code, must be Unknown",
                carrier.code()
            );
        }
    }
}

async fn engine_with(h: &dyn CarrierHarness) -> TestEngine {
    crate::engine::setup()
        .region(h.region())
        .carrier(h.carrier())
        .seller_city(&h.origin_city())
        .destination(h.destination())
        .price("260.00")
        .build()
        .await
}

/// Through the engine: the same events in any order, repeated, give the same status; a COD
/// delivery collects the cash.
pub async fn tracking_in_any_order_gives_one_status(h: &dyn CarrierHarness) {
    let world = engine_with(h).await;
    let engine = &world.engine;
    let c = h.carrier();
    let (delivered, unknown) = h.codes();
    let mut statuses = Vec::new();
    for reversed in [false, true] {
        let (order, _) = world.order().await;
        let shipment = world.ship(&order).await;
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
                .fulfillment()
                .record_tracking(c.code(), &number, chunk, None)
                .await
                .unwrap_or_else(|e| panic!("record: {e}"));
        }
        let doc = world.doc(&order.id).await;
        let s = doc.shipments.first().unwrap_or_else(|| panic!("shipment"));
        assert_eq!(
            s.events().len(),
            2,
            "repeats are kept once, the unknown code too"
        );
        if doc.order.payment.method() == tijara_core::payment::PaymentMethod::CashOnDelivery {
            assert_eq!(
                doc.order.payment.status(),
                tijara_core::payment::PaymentStatus::Collected,
                "COD collected on delivery"
            );
        }
        statuses.push(s.status());
    }
    assert_eq!(
        statuses,
        [TrackingStatus::Delivered, TrackingStatus::Delivered]
    );
}

fn check_times(events: &[TrackingEvent], raw: &[(String, DateTime<Utc>)], when: &str) {
    for e in events {
        let reported: Vec<DateTime<Utc>> = raw
            .iter()
            .filter(|(code, _)| code == &e.carrier_code)
            .map(|(_, at)| *at)
            .collect();
        assert!(
            !reported.is_empty(),
            "{when}: an event with the code {:?} that the carrier never reported",
            e.carrier_code
        );
        assert!(
            reported.contains(&e.at),
            "{when}: the event {:?} is stamped {}, but the carrier reported it at {}: stamp each \
             event with the carrier's own time, never the time of the poll (or every poll adds \
             the same event again, and the history is reordered)",
            e.carrier_code,
            e.at.to_rfc3339(),
            reported
                .iter()
                .map(|t| t.to_rfc3339())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// Events keep the carrier's times, and polling again changes nothing: the carrier reports
/// two events; what the adapter gives keeps their times exactly; then the engine polls the
/// carrier twice (an hour apart on its clock, a second apart in real time): each poll's events
/// keep the carrier's times, both polls answer the same, and the shipment's history is
/// unchanged — no duplicate, no new order.
pub async fn polling_keeps_the_carriers_times(h: &dyn CarrierHarness) {
    let world = engine_with(h).await;
    let c = h.carrier();
    let (order, _) = world.order().await;
    let shipment = world.ship(&order).await;
    let number = shipment
        .tracking_number
        .clone()
        .unwrap_or_else(|| panic!("a tracking number"));
    let (delivered, unknown) = h.codes();
    let raw = [
        (unknown, t0() + Duration::hours(5) + Duration::seconds(17)),
        (
            delivered,
            t0() + Duration::hours(30) + Duration::seconds(41),
        ),
    ];
    let events = h.events_for(&number, &raw).await;
    assert!(!events.is_empty(), "the reported events are given");
    check_times(&events, &raw, "tracking");
    world
        .engine
        .fulfillment()
        .record_tracking(c.code(), &number, events, None)
        .await
        .unwrap_or_else(|e| panic!("record: {e}"));
    let history = |s: &tijara_core::fulfillment::Shipment| {
        s.events()
            .iter()
            .map(|e| (e.carrier_code.clone(), e.at))
            .collect::<Vec<_>>()
    };
    let before = history(&world.doc(&order.id).await.shipments[0]);
    let mut polls = Vec::new();
    for poll in 1..=2 {
        world.clock.advance(Duration::hours(1));
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let polled = c
            .track(&number)
            .await
            .unwrap_or_else(|e| panic!("poll {poll}: track: {e}"));
        check_times(&polled, &raw, &format!("poll {poll}"));
        polls.push(polled);
        let after = world
            .engine
            .fulfillment()
            .poll_tracking(&order.id, &shipment.id)
            .await
            .unwrap_or_else(|e| panic!("poll {poll} through the engine: {e}"));
        assert_eq!(
            history(&after),
            before,
            "poll {poll} changed the shipment's history: polling again must add nothing (same \
             events, same times)"
        );
    }
    assert_eq!(
        polls[0], polls[1],
        "two polls of an unchanged parcel must answer the same events"
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
