//! Issue 11: one seller cannot move another seller's parcel; tracking numbers are unique in the
//! store; payment notifications apply only through the order's gateway, for attempts it was
//! given, and forgeries write nothing.

mod common;

use chrono::Duration;
use common::*;
use tijara::Tijara;
use tijara::TijaraError;
use tijara::docs::OrderDoc;
use tijara::ports::payment::{NotificationRequest, NotificationVerdict, PaymentGateway};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::{HandTracking, Operator, ShipRequest};
use tijara_core::fulfillment::{Shipment, TrackingEvent, TrackingStatus};
use tijara_core::order::{FulfillmentStatus, OrderStatus};
use tijara_core::payment::PaymentStatus;
use tijara_core::*;
use tijara_testkit::stubs::StubGateway;

fn inline(lines: Vec<(VariantId, u32)>, sellers: &[&SellerId], gateway: &str) -> PlaceOrderRequest {
    inline_with(lines, sellers, gateway, "amana")
}

fn inline_with(
    lines: Vec<(VariantId, u32)>,
    sellers: &[&SellerId],
    gateway: &str,
    carrier: &str,
) -> PlaceOrderRequest {
    PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines,
            coupons: vec![],
            customer: None,
            shipping: sellers
                .iter()
                .map(|s| ((*s).clone(), ShippingSelection::new(carrier, "standard")))
                .collect(),
        },
        "youssef@example.ma",
        address(),
        gateway,
        Lang::FR,
    )
}

fn default_ship() -> ShipRequest {
    ShipRequest::new()
}

/// A cash-on-delivery order with one part per seller, both shipped with `carrier`: (order, A's
/// shipment, B's).
async fn shipped_shared_order_with(
    m: &Market,
    c: &Catalog,
    carrier: &str,
) -> (OrderDoc, Shipment, Shipment) {
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(
            inline_with(
                vec![(c.cushion.clone(), 1), (c.bracelet.clone(), 1)],
                &[&c.a, &c.b],
                "cod",
                carrier,
            ),
            None,
        )
        .await
        .expect("placed")
        .order;
    let mut shipments = Vec::new();
    for so in &order.seller_orders {
        e.fulfillment()
            .mark_ready(&order.id, &so.id, None)
            .await
            .expect("ready");
        let by = Operator::Seller(so.seller_id.clone());
        shipments.push(
            e.fulfillment()
                .ship_as(&by, &order.id, &so.id, default_ship(), None)
                .await
                .expect("shipped by its seller"),
        );
    }
    let doc = e.orders().order(&order.id).await.expect("order");
    let b = shipments.pop().expect("b");
    let a = shipments.pop().expect("a");
    (doc, a, b)
}

/// [`shipped_shared_order_with`] the carrier with tracking of its own (`amana`).
async fn shipped_shared_order(m: &Market, c: &Catalog) -> (OrderDoc, Shipment, Shipment) {
    shipped_shared_order_with(m, c, "amana").await
}

fn part_status(doc: &OrderDoc, so: &SellerOrderId) -> FulfillmentStatus {
    doc.order.seller_order(so).expect("part").status()
}

#[tokio::test]
async fn a_seller_cannot_move_another_sellers_parcel_by_its_number() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let (doc, sh_a, sh_b) = shipped_shared_order_with(&m, &c, "ctm").await;
    let id = &doc.order.id;
    let number_b = sh_b.tracking_number.clone().expect("number b");
    let seller_a = Operator::Seller(c.a.clone());
    // The attack: A types B's number on its own parcel, then "delivered".
    let err = e
        .fulfillment()
        .track_by_hand(
            &seller_a,
            id,
            &sh_a.seller_order_id,
            HandTracking::new()
                .with_tracking_number(number_b.clone())
                .with_status(TrackingStatus::Delivered),
            None,
        )
        .await
        .expect_err("B's number on A's parcel");
    assert!(
        matches!(&err, TijaraError::TrackingNumberTaken { number } if number == &number_b),
        "{err}"
    );
    // Letter case does not make it another number; the marketplace-level call refuses it too.
    let err = e
        .fulfillment()
        .set_tracking_number(id, &sh_a.id, &number_b.to_ascii_lowercase(), None)
        .await
        .expect_err("same number, other case");
    assert!(
        matches!(err, TijaraError::TrackingNumberTaken { .. }),
        "{err}"
    );
    // A acting on B's part is refused, whatever it asks.
    let err = e
        .fulfillment()
        .track_by_hand(
            &seller_a,
            id,
            &sh_b.seller_order_id,
            HandTracking::new().with_status(TrackingStatus::Delivered),
            None,
        )
        .await
        .expect_err("not A's part");
    assert!(matches!(err, TijaraError::NotAllowed { .. }), "{err}");
    // A's own "delivered" moves A's part only; B's parcel and its cash are untouched.
    let s = e
        .fulfillment()
        .track_by_hand(
            &seller_a,
            id,
            &sh_a.seller_order_id,
            HandTracking::new()
                .with_tracking_number("RR123456785MA")
                .with_status(TrackingStatus::Delivered),
            None,
        )
        .await
        .expect("A's own parcel");
    assert_eq!(s.id, sh_a.id);
    assert_eq!(s.tracking_number.as_deref(), Some("RR123456785MA"));
    let doc = e.orders().order(id).await.expect("order");
    assert_eq!(
        part_status(&doc, &sh_a.seller_order_id),
        FulfillmentStatus::Delivered
    );
    assert_eq!(
        part_status(&doc, &sh_b.seller_order_id),
        FulfillmentStatus::Shipped,
        "B's part did not move"
    );
    let b_shipment = doc
        .shipments
        .iter()
        .find(|s| s.id == sh_b.id)
        .expect("b's shipment");
    assert_eq!(b_shipment.status(), TrackingStatus::LabelCreated);
    assert_eq!(
        b_shipment.tracking_number.as_deref(),
        Some(number_b.as_str())
    );
    let collected = doc
        .payment_log
        .iter()
        .filter(|l| l.event == tijara_core::payment::PaymentLogEvent::Collected)
        .map(|l| l.reference.clone())
        .collect::<Vec<_>>();
    assert_eq!(collected, vec![format!("{}:collected", sh_a.id)]);
}

#[tokio::test]
async fn a_tracking_number_is_unique_in_the_whole_store() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let (first, sh_1, _) = shipped_shared_order_with(&m, &c, "ctm").await;
    let (second, sh_2, _) = shipped_shared_order_with(&m, &c, "ctm").await;
    e.fulfillment()
        .set_tracking_number(&first.order.id, &sh_1.id, "CTM-778899", None)
        .await
        .expect("a number");
    for typed in ["CTM-778899", "ctm-778899"] {
        let err = e
            .fulfillment()
            .track_by_hand(
                &Operator::Seller(c.a.clone()),
                &second.order.id,
                &sh_2.seller_order_id,
                HandTracking::new().with_tracking_number(typed),
                None,
            )
            .await
            .expect_err("another order's number");
        assert!(
            matches!(err, TijaraError::TrackingNumberTaken { .. }),
            "{typed}: {err}"
        );
    }
    let err = e
        .fulfillment()
        .set_tracking_number(&second.order.id, &sh_2.id, "CTM-778899", None)
        .await
        .expect_err("another order's number");
    assert!(
        matches!(err, TijaraError::TrackingNumberTaken { .. }),
        "{err}"
    );
    // Setting a part's own number again is no conflict.
    e.fulfillment()
        .set_tracking_number(&first.order.id, &sh_1.id, "CTM-778899", None)
        .await
        .expect("same shipment, same number");
}

#[tokio::test]
async fn a_seller_records_only_its_steps_with_the_shoppers_carrier() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(inline(vec![(c.cushion.clone(), 1)], &[&c.a], "cod"), None)
        .await
        .expect("placed")
        .order;
    let so = order.seller_orders[0].id.clone();
    e.fulfillment()
        .mark_ready(&order.id, &so, None)
        .await
        .expect("ready");
    let seller_a = Operator::Seller(c.a.clone());
    let other_carrier = default_ship().with_carrier("ctm");
    let err = e
        .fulfillment()
        .ship_as(&seller_a, &order.id, &so, other_carrier, None)
        .await
        .expect_err("not the shopper's carrier");
    assert!(matches!(err, TijaraError::NotAllowed { .. }), "{err}");
    let err = e
        .fulfillment()
        .ship_as(
            &Operator::Seller(c.b.clone()),
            &order.id,
            &so,
            default_ship(),
            None,
        )
        .await
        .expect_err("B ships A's part");
    assert!(matches!(err, TijaraError::NotAllowed { .. }), "{err}");
    let same_carrier = default_ship().with_carrier("amana");
    e.fulfillment()
        .ship_as(&seller_a, &order.id, &so, same_carrier, None)
        .await
        .expect("the shopper's carrier");
    let back = HandTracking::new().with_status(TrackingStatus::ReturnedToSender);
    let err = e
        .fulfillment()
        .track_by_hand(&seller_a, &order.id, &so, back.clone(), None)
        .await
        .expect_err("a seller declares no return");
    assert!(matches!(err, TijaraError::NotAllowed { .. }), "{err}");
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(part_status(&doc, &so), FulfillmentStatus::Shipped);
    // The marketplace may.
    e.fulfillment()
        .track_by_hand(&Operator::Marketplace, &order.id, &so, back, None)
        .await
        .expect("the admin records the return");
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(part_status(&doc, &so), FulfillmentStatus::Returned);
}

#[tokio::test]
async fn carrier_events_reach_only_the_shipment_with_that_number() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let (doc, sh_a, sh_b) = shipped_shared_order(&m, &c).await;
    let number_b = sh_b.tracking_number.clone().expect("number b");
    let delivered = TrackingEvent {
        at: t0() + Duration::hours(30),
        status: TrackingStatus::Delivered,
        carrier_code: "LIV".into(),
        carrier_text: "Livré".into(),
        location: None,
        cod_collected: None,
    };
    let s = e
        .fulfillment()
        .record_tracking("amana", &number_b, vec![delivered], None)
        .await
        .expect("tracked");
    assert_eq!(s.id, sh_b.id);
    let doc = e.orders().order(&doc.order.id).await.expect("order");
    assert_eq!(
        part_status(&doc, &sh_a.seller_order_id),
        FulfillmentStatus::Shipped
    );
    assert_eq!(
        part_status(&doc, &sh_b.seller_order_id),
        FulfillmentStatus::Delivered
    );
}

async fn outbox_len(e: &Tijara) -> usize {
    e.storage()
        .pending_events(10_000)
        .await
        .expect("outbox")
        .len()
}

#[tokio::test]
async fn a_card_callback_cannot_pay_a_bank_transfer_order() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(
            inline(vec![(c.cushion.clone(), 1)], &[&c.a], "transfer"),
            None,
        )
        .await
        .expect("placed")
        .order;
    let before = outbox_len(e).await;
    // Signed as the card gateway signs, for the transfer order's first attempt.
    let n = StubGateway::notification(
        &format!("{}-1", order.id),
        "captured",
        order.grand_total,
        "TX-FORGED-1",
    );
    let answer = e
        .payments()
        .handle_notification("card", &n)
        .await
        .expect("answered");
    assert_eq!(answer, m.card.answer(NotificationVerdict::Refused));
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(doc.order.status(), OrderStatus::AwaitingPayment);
    assert_eq!(doc.order.payment.status(), PaymentStatus::Pending);
    assert!(doc.payment_log.is_empty(), "nothing reaches the order");
    assert_eq!(outbox_len(e).await, before, "no outbox row");
}

#[tokio::test]
async fn a_callback_for_an_attempt_never_issued_is_refused() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(inline(vec![(c.cushion.clone(), 1)], &[&c.a], "card"), None)
        .await
        .expect("placed")
        .order;
    let before = outbox_len(e).await;
    // Attempt 1 is issued; "01" and "001" are other spellings of it, not the attempt.
    for attempt in ["2", "0", "99", "01", "001", "0001"] {
        let n = StubGateway::notification(
            &format!("{}-{attempt}", order.id),
            "captured",
            order.grand_total,
            &format!("TX-{attempt}"),
        );
        let answer = e
            .payments()
            .handle_notification("card", &n)
            .await
            .expect("answered");
        assert_eq!(
            answer,
            m.card.answer(NotificationVerdict::Refused),
            "attempt {attempt}"
        );
    }
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(doc.order.status(), OrderStatus::AwaitingPayment);
    assert!(doc.payment_log.is_empty());
    assert_eq!(outbox_len(e).await, before, "no outbox row");
    // The attempt the engine issued is applied.
    let n = StubGateway::notification(
        &format!("{}-1", order.id),
        "captured",
        order.grand_total,
        "TX-1",
    );
    let answer = e
        .payments()
        .handle_notification("card", &n)
        .await
        .expect("answered");
    assert_eq!(answer, m.card.answer(NotificationVerdict::Approved));
    assert_eq!(
        e.orders()
            .order(&order.id)
            .await
            .expect("order")
            .order
            .status(),
        OrderStatus::Confirmed
    );
}

#[tokio::test]
async fn a_forged_callback_writes_no_outbox_row() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(inline(vec![(c.cushion.clone(), 1)], &[&c.a], "card"), None)
        .await
        .expect("placed")
        .order;
    let before = outbox_len(e).await;
    let mut forged = StubGateway::notification(
        &format!("{}-1", order.id),
        "captured",
        order.grand_total,
        "TX-1",
    );
    if let Some(sig) = forged.fields.iter_mut().find(|(k, _)| k == "signature") {
        sig.1 = "0".repeat(sig.1.len());
    }
    let answer = e
        .payments()
        .handle_notification("card", &forged)
        .await
        .expect("answered");
    assert_eq!(answer, m.card.answer(NotificationVerdict::Invalid));
    let unreadable = e
        .payments()
        .handle_notification("card", &NotificationRequest::default())
        .await
        .expect("answered");
    assert_eq!(unreadable, m.card.answer(NotificationVerdict::Invalid));
    assert_eq!(outbox_len(e).await, before, "no outbox row");
    assert!(
        e.orders()
            .order(&order.id)
            .await
            .expect("order")
            .payment_log
            .is_empty()
    );
}

/// Collects the `security` log lines of the current thread.
#[derive(Clone, Default)]
struct SecurityLog(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl tracing::Subscriber for SecurityLog {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if event.metadata().target() == "security" {
            let mut f = Fields(String::new());
            event.record(&mut f);
            self.0.lock().expect("log").push(f.0);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn refused_callbacks_and_seller_refusals_are_logged_without_secrets() {
    let log = SecurityLog::default();
    let _guard = tracing::subscriber::set_default(log.clone());
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(inline(vec![(c.cushion.clone(), 1)], &[&c.a], "card"), None)
        .await
        .expect("placed")
        .order;
    let mut forged = StubGateway::notification(
        &format!("{}-1", order.id),
        "captured",
        order.grand_total,
        "TX-1",
    );
    let signature = forged
        .fields
        .iter_mut()
        .find(|(k, _)| k == "signature")
        .map(|(_, v)| {
            *v = format!("{v}0");
            v.clone()
        })
        .expect("signed");
    e.payments()
        .handle_notification("card", &forged)
        .await
        .expect("answered");
    let unissued = StubGateway::notification(
        &format!("{}-9", order.id),
        "captured",
        order.grand_total,
        "TX-9",
    );
    e.payments()
        .handle_notification("card", &unissued)
        .await
        .expect("answered");
    let lines = log.0.lock().expect("log").clone();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("gateway=\"card\"") && l.contains("bad signature")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("{}-9", order.id)) && l.contains("never issued")),
        "{lines:?}"
    );
    assert!(
        lines.iter().all(|l| !l.contains(&signature)),
        "no signature in the log: {lines:?}"
    );
    // A seller's refused step is logged with who and where.
    let order = e
        .checkout()
        .place_order(inline(vec![(c.bag.clone(), 1)], &[&c.a], "cod"), None)
        .await
        .expect("placed")
        .order;
    let so = order.seller_orders[0].id.clone();
    e.fulfillment()
        .mark_ready(&order.id, &so, None)
        .await
        .expect("ready");
    e.fulfillment()
        .ship(&order.id, &so, default_ship(), None)
        .await
        .expect("shipped");
    let _ = e
        .fulfillment()
        .track_by_hand(
            &Operator::Seller(c.b.clone()),
            &order.id,
            &so,
            HandTracking::new().with_status(TrackingStatus::Delivered),
            None,
        )
        .await
        .expect_err("not B's part");
    let lines = log.0.lock().expect("log").clone();
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("seller=\"{}\"", c.b))
                && l.contains(so.as_str())
                && l.contains("not this seller's part")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn a_seller_types_nothing_on_a_carrier_with_tracking_of_its_own() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let (doc, sh_a, _) = shipped_shared_order(&m, &c).await;
    let id = &doc.order.id;
    let seller_a = Operator::Seller(c.a.clone());
    for update in [
        HandTracking::new().with_tracking_number("AMANA000000099MA"),
        HandTracking::new().with_status(TrackingStatus::Delivered),
    ] {
        let err = e
            .fulfillment()
            .track_by_hand(&seller_a, id, &sh_a.seller_order_id, update, None)
            .await
            .expect_err("the carrier reports this parcel itself");
        assert!(matches!(err, TijaraError::NotAllowed { .. }), "{err}");
    }
    let doc = e.orders().order(id).await.expect("order");
    assert_eq!(
        part_status(&doc, &sh_a.seller_order_id),
        FulfillmentStatus::Shipped
    );
    assert_eq!(
        doc.shipments[0].tracking_number, sh_a.tracking_number,
        "the carrier's number stays"
    );
    // The marketplace still may (an admin correcting a record).
    e.fulfillment()
        .track_by_hand(
            &Operator::Marketplace,
            id,
            &sh_a.seller_order_id,
            HandTracking::new().with_status(TrackingStatus::Delivered),
            None,
        )
        .await
        .expect("the admin records it");
}

#[tokio::test]
async fn a_hand_typed_number_never_blocks_a_carriers_label() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    // Seller A, shipping by hand with ctm, types the number amana will give next.
    let (squat, sh_a, _) = shipped_shared_order_with(&m, &c, "ctm").await;
    let next = format!("AMANA{:09}MA", m.carrier.parcels_created() + 1);
    e.fulfillment()
        .track_by_hand(
            &Operator::Seller(c.a.clone()),
            &squat.order.id,
            &sh_a.seller_order_id,
            HandTracking::new().with_tracking_number(next.to_ascii_lowercase()),
            None,
        )
        .await
        .expect("a number typed by hand on a rate card");
    // Seller B's parcel with amana gets that number: the carrier's number wins.
    let order = e
        .checkout()
        .place_order(inline(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod"), None)
        .await
        .expect("placed")
        .order;
    let so = order.seller_orders[0].id.clone();
    e.fulfillment()
        .mark_ready(&order.id, &so, None)
        .await
        .expect("ready");
    let shipped = e
        .fulfillment()
        .ship_as(
            &Operator::Seller(c.b.clone()),
            &order.id,
            &so,
            default_ship(),
            None,
        )
        .await
        .expect("the carrier's label is recorded");
    assert_eq!(shipped.tracking_number.as_deref(), Some(next.as_str()));
    let squat = e.orders().order(&squat.order.id).await.expect("order");
    let cleared = squat
        .shipments
        .iter()
        .find(|s| s.id == sh_a.id)
        .expect("A's shipment");
    assert_eq!(
        cleared.tracking_number, None,
        "the hand-typed copy is cleared"
    );
    // The carrier's events reach B's parcel.
    let delivered = TrackingEvent {
        at: t0() + Duration::hours(30),
        status: TrackingStatus::Delivered,
        carrier_code: "LIV".into(),
        carrier_text: "Livré".into(),
        location: None,
        cod_collected: None,
    };
    let s = e
        .fulfillment()
        .record_tracking("amana", &next, vec![delivered], None)
        .await
        .expect("events");
    assert_eq!(s.seller_order_id, so);
    let squat = e.orders().order(&squat.order.id).await.expect("order");
    assert_eq!(
        part_status(&squat, &sh_a.seller_order_id),
        FulfillmentStatus::Shipped
    );
}

/// Saves `doc` as an engine older than store-wide numbers did: the `shipment:` and
/// `tracking:{carrier}:{number}` keys only.
async fn save_as_before(storage: &dyn tijara::ports::storage::Storage, doc: &OrderDoc) {
    use tijara::ports::storage::{Changeset, DocKind, DocWrite};
    let stored = storage
        .get(DocKind::Order, doc.order.id.as_str())
        .await
        .expect("read")
        .expect("order");
    let mut keys = Vec::new();
    for s in &doc.shipments {
        keys.push(format!("shipment:{}", s.id));
        if let Some(n) = &s.tracking_number {
            keys.push(format!("tracking:{}:{n}", s.carrier));
        }
    }
    let owners = doc
        .order
        .seller_orders
        .iter()
        .map(|s| format!("seller:{}", s.seller_id))
        .collect();
    storage
        .commit(Changeset {
            docs: vec![DocWrite {
                kind: DocKind::Order,
                id: doc.order.id.to_string(),
                expected_version: Some(stored.version),
                body: serde_json::to_string(doc).expect("json"),
                keys,
                owners,
                product: None,
                links_unchanged: false,
            }],
            ..Changeset::default()
        })
        .await
        .expect("old-style save");
}

async fn shipped_alone(m: &Market, c: &Catalog, carrier: &str) -> (OrderDoc, Shipment) {
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(
            inline_with(vec![(c.cushion.clone(), 1)], &[&c.a], "cod", carrier),
            None,
        )
        .await
        .expect("placed")
        .order;
    let so = order.seller_orders[0].id.clone();
    e.fulfillment()
        .mark_ready(&order.id, &so, None)
        .await
        .expect("ready");
    let s = e
        .fulfillment()
        .ship(&order.id, &so, default_ship(), None)
        .await
        .expect("shipped");
    (e.orders().order(&order.id).await.expect("order"), s)
}

#[tokio::test]
async fn old_orders_get_their_number_keys_and_old_duplicates_do_not_break_webhooks() {
    let store = std::sync::Arc::new(tijara_store_memory::MemoryStore::new());
    let m = market_on(store.clone());
    let c = catalog(&m).await;
    let e = &m.engine;
    let (first, sh_1) = shipped_alone(&m, &c, "amana").await;
    let (mut second, _) = shipped_alone(&m, &c, "amana").await;
    let number = sh_1.tracking_number.clone().expect("number");
    let lower = number.to_ascii_lowercase();
    // Saved before numbers were unique: the second parcel got the first's number in lower case.
    second.shipments[0].tracking_number = Some(lower.clone());
    save_as_before(store.as_ref(), &first).await;
    save_as_before(store.as_ref(), &second).await;
    // Old orders had no store-wide key: a third order, with another carrier, could take the
    // number.
    let (third, sh_3) = shipped_alone(&m, &c, "ctm").await;
    e.fulfillment()
        .set_tracking_number(&third.order.id, &sh_3.id, &number, None)
        .await
        .expect("no store-wide key yet");
    e.fulfillment()
        .set_tracking_number(&third.order.id, &sh_3.id, "RR000000001MA", None)
        .await
        .expect("back to another number");

    let report = e.operations().reindex_orders(1000).await.expect("reindex");
    assert!(report.complete);
    assert_eq!(report.saved, 2, "{report:?}");
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].order, second.order.id.as_str());
    assert!(report.problems[0].reason.contains("tracking-number:"));
    // Now the store-wide key is held by the first order.
    let err = e
        .fulfillment()
        .set_tracking_number(&third.order.id, &sh_3.id, &number, None)
        .await
        .expect_err("held now");
    assert!(
        matches!(err, TijaraError::TrackingNumberTaken { .. }),
        "{err}"
    );
    // Idempotent: the same answer again.
    assert_eq!(
        e.operations().reindex_orders(1000).await.expect("again"),
        report
    );

    // A webhook naming both numbers updates the first and skips the second, whose order cannot
    // be saved until an admin fixes it.
    let delivered = TrackingEvent {
        at: t0() + Duration::hours(30),
        status: TrackingStatus::InTransit,
        carrier_code: "TRN".into(),
        carrier_text: "En transit".into(),
        location: None,
        cod_collected: None,
    };
    let body = serde_json::to_string(&vec![
        (lower.clone(), vec![delivered.clone()]),
        (number.clone(), vec![delivered.clone()]),
    ])
    .expect("json");
    let updated = e
        .fulfillment()
        .handle_carrier_webhook(
            "amana",
            &tijara::ports::carrier::WebhookRequest::new(body).with_headers(vec![(
                "x-stub-token".into(),
                tijara_testkit::stubs::STUB_SECRET.into(),
            )]),
        )
        .await
        .expect("the other parcels are not held back");
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0].id, sh_1.id);
    let err = e
        .fulfillment()
        .record_tracking("amana", &lower, vec![delivered], None)
        .await
        .expect_err("cannot be saved");
    assert!(
        matches!(err, TijaraError::TrackingNumberTaken { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_hand_typed_number_in_the_same_order_yields_to_the_carriers_label() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    // A ships by hand with ctm, B with amana, in one order.
    let mut request = inline(
        vec![(c.cushion.clone(), 1), (c.bracelet.clone(), 1)],
        &[&c.a, &c.b],
        "cod",
    );
    if let CheckoutCart::Inline { shipping, .. } = &mut request.cart {
        shipping.insert(c.a.clone(), ShippingSelection::new("ctm", "standard"));
    }
    let order = e
        .checkout()
        .place_order(request, None)
        .await
        .expect("placed")
        .order;
    let part = |s: &SellerId| {
        order
            .seller_orders
            .iter()
            .find(|p| &p.seller_id == s)
            .expect("part")
            .id
            .clone()
    };
    let (part_a, part_b) = (part(&c.a), part(&c.b));
    for p in [&part_a, &part_b] {
        e.fulfillment()
            .mark_ready(&order.id, p, None)
            .await
            .expect("ready");
    }
    let seller_a = Operator::Seller(c.a.clone());
    e.fulfillment()
        .ship_as(&seller_a, &order.id, &part_a, default_ship(), None)
        .await
        .expect("A shipped by hand");
    let next = format!("AMANA{:09}MA", m.carrier.parcels_created() + 1);
    e.fulfillment()
        .track_by_hand(
            &seller_a,
            &order.id,
            &part_a,
            HandTracking::new().with_tracking_number(next.clone()),
            None,
        )
        .await
        .expect("typed by hand");
    let b = e
        .fulfillment()
        .ship_as(
            &Operator::Seller(c.b.clone()),
            &order.id,
            &part_b,
            default_ship(),
            None,
        )
        .await
        .expect("B's label is recorded");
    assert_eq!(b.tracking_number.as_deref(), Some(next.as_str()));
    let doc = e.orders().order(&order.id).await.expect("order");
    let a = doc
        .shipments
        .iter()
        .find(|s| s.seller_order_id == part_a)
        .expect("A's shipment");
    assert_eq!(a.tracking_number, None, "A's typed copy is cleared");
}
