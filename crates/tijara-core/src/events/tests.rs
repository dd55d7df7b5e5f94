//! The payloads are the webhook contract: these are the exact bytes the engine wrote for each
//! kind before the events were typed (captured from the engine's test flows), and must stay so.

use super::*;
use crate::payment::{PaymentLogEvent, PaymentOutcome, PaymentStatus};

/// (kind, payload) as the engine has always written them.
const PINNED: &[(&str, &str)] = &[
    (
        "order.placed",
        r#"{"grand_total":{"amount":"1830.00","currency":"MAD"},"order_id":"ord_00000009","payment":"pending","sellers":[{"seller_id":"slr_00000001","seller_order_id":"ord_00000009-1","status":"awaiting","total":{"amount":"1830.00","currency":"MAD"}}],"status":"awaiting_payment"}"#,
    ),
    (
        "order.confirmed",
        r#"{"grand_total":{"amount":"1370.00","currency":"MAD"},"order_id":"ord_00000009","payment":"authorized","sellers":[{"seller_id":"slr_00000001","seller_order_id":"ord_00000009-1","status":"awaiting","total":{"amount":"550.00","currency":"MAD"}},{"seller_id":"slr_00000002","seller_order_id":"ord_00000009-2","status":"awaiting","total":{"amount":"820.00","currency":"MAD"}}],"status":"confirmed"}"#,
    ),
    (
        "order.completed",
        r#"{"grand_total":{"amount":"1110.00","currency":"MAD"},"order_id":"ord_00000009","payment":"collected","sellers":[{"seller_id":"slr_00000001","seller_order_id":"ord_00000009-1","status":"delivered","total":{"amount":"290.00","currency":"MAD"}},{"seller_id":"slr_00000002","seller_order_id":"ord_00000009-2","status":"returned","total":{"amount":"820.00","currency":"MAD"}}],"status":"completed"}"#,
    ),
    (
        "order.cancelled",
        r#"{"grand_total":{"amount":"1830.00","currency":"MAD"},"order_id":"ord_00000009","payment":"voided","sellers":[{"seller_id":"slr_00000001","seller_order_id":"ord_00000009-1","status":"cancelled","total":{"amount":"1830.00","currency":"MAD"}}],"status":"cancelled"}"#,
    ),
    (
        "order.payment_expired",
        r#"{"lang":"fr","order_id":"ord_00000009","payment_method":"card"}"#,
    ),
    (
        "seller_order.ready",
        r#"{"grand_total":{"amount":"1110.00","currency":"MAD"},"order_id":"ord_00000009","payment":"awaiting_delivery","sellers":[{"seller_id":"slr_00000001","seller_order_id":"ord_00000009-1","status":"ready","total":{"amount":"290.00","currency":"MAD"}},{"seller_id":"slr_00000002","seller_order_id":"ord_00000009-2","status":"awaiting","total":{"amount":"820.00","currency":"MAD"}}],"status":"confirmed"}"#,
    ),
    (
        "return.requested",
        r#"{"grand_total":{"amount":"550.00","currency":"MAD"},"order_id":"ord_00000009","payment":"captured","sellers":[{"seller_id":"slr_00000001","seller_order_id":"ord_00000009-1","status":"delivered","total":{"amount":"550.00","currency":"MAD"}}],"status":"completed"}"#,
    ),
    (
        "return.updated",
        r#"{"grand_total":{"amount":"550.00","currency":"MAD"},"order_id":"ord_00000009","payment":"captured","sellers":[{"seller_id":"slr_00000001","seller_order_id":"ord_00000009-1","status":"delivered","total":{"amount":"550.00","currency":"MAD"}}],"status":"completed"}"#,
    ),
    (
        "payment.updated",
        r#"{"event":"declined","order_id":"ord_00000009","outcome":{"outcome":"applied"},"payment":"failed","reference":"t1"}"#,
    ),
    (
        "payment.rejected",
        r#"{"event":"authorized","order_id":"ord_00000009","outcome":{"outcome":"rejected","reason":"payment: cannot authorize from state voided"},"payment":"voided","reference":"late"}"#,
    ),
    (
        "payment.needs_refund",
        r#"{"grand_total":{"amount":"1830.00","currency":"MAD"},"order_id":"ord_00000009","payment":"captured","sellers":[{"seller_id":"slr_00000001","seller_order_id":"ord_00000009-1","status":"cancelled","total":{"amount":"1830.00","currency":"MAD"}}],"status":"cancelled"}"#,
    ),
    (
        "payment.transfer_reminder",
        r#"{"grand_total":{"amount":"930.00","currency":"MAD"},"order_id":"ord_00000009","payment":"pending","sellers":[{"seller_id":"slr_00000001","seller_order_id":"ord_00000009-1","status":"awaiting","total":{"amount":"930.00","currency":"MAD"}}],"status":"awaiting_payment"}"#,
    ),
    (
        "payment.remitted",
        r#"{"grand_total":{"amount":"1110.00","currency":"MAD"},"order_id":"ord_00000009","payment":"remitted","sellers":[{"seller_id":"slr_00000001","seller_order_id":"ord_00000009-1","status":"delivered","total":{"amount":"290.00","currency":"MAD"}},{"seller_id":"slr_00000002","seller_order_id":"ord_00000009-2","status":"returned","total":{"amount":"820.00","currency":"MAD"}}],"status":"completed"}"#,
    ),
    (
        "shipment.created",
        r#"{"carrier":"amana","lang":"fr","order_id":"ord_00000009","seller_order_id":"ord_00000009-1","shipment_id":"ord_00000009-1-sh","status":"label_created","tracking_number":"AMANA000000001MA"}"#,
    ),
    (
        "shipment.updated",
        r#"{"carrier":"amana","lang":"fr","order_id":"ord_00000009","seller_order_id":"ord_00000009-1","shipment_id":"ord_00000009-1-sh","status":"delivered","tracking_number":"AMANA000000001MA"}"#,
    ),
    (
        "shipment.cancelled",
        r#"{"carrier":"amana","lang":"fr","order_id":"ord_00000009","seller_order_id":"ord_00000009-1","shipment_id":"ord_00000009-1-sh","status":"label_created","tracking_number":"AMANA000000001MA"}"#,
    ),
    (
        "payout.paid",
        r#"{"id":"pay_00000009","seller_id":"slr_00000001","amount":{"amount":"812.40","currency":"MAD"},"reference":"VIR-2026-11-001","period_from":"2026-10-29T10:00:00Z","period_until":"2026-11-28T10:00:00Z","paid_at":"2026-11-28T10:00:00Z"}"#,
    ),
    (
        "shipment.created",
        r#"{"carrier":"amana","lang":"fr","order_id":"ord_00000009","seller_order_id":"ord_00000009-1","shipment_id":"ord_00000009-1-sh","status":"unknown","tracking_number":null}"#,
    ),
    (
        "payment.method_changed",
        r#"{"grand_total":{"amount":"930.00","currency":"MAD"},"order_id":"ord_00000009","payment":"awaiting_delivery","sellers":[{"seller_id":"slr_00000001","seller_order_id":"ord_00000009-1","status":"awaiting","total":{"amount":"930.00","currency":"MAD"}}],"status":"confirmed"}"#,
    ),
    (
        "seller.approved",
        r#"{"approved_at":"2026-11-28T10:00:00Z","name":"Coopérative Tissage Dakhla","seller_id":"slr_00000001"}"#,
    ),
    (
        "seller.applied",
        r#"{"applied_at":"2026-11-27T09:30:00Z","name":"Coopérative Tissage Dakhla","seller_id":"slr_00000001"}"#,
    ),
];

fn read(kind: &str, payload: &str) -> DomainEvent {
    DomainEvent::from_payload(kind, &mut serde_json::Deserializer::from_str(payload))
        .unwrap_or_else(|e| panic!("{kind}: {e}"))
}

#[test]
fn every_kind_reads_and_writes_back_the_exact_payload() {
    for (kind, payload) in PINNED {
        let event = read(kind, payload);
        assert_eq!(event.kind(), *kind);
        assert_eq!(
            serde_json::to_string(&event).expect("json"),
            *payload,
            "{kind}"
        );
    }
    let pinned: std::collections::BTreeSet<&str> = PINNED.iter().map(|(k, _)| *k).collect();
    let known: std::collections::BTreeSet<&str> = DomainEvent::KINDS.iter().copied().collect();
    assert_eq!(pinned, known, "every kind has a pinned payload");
}

#[test]
fn the_kind_names_are_stable() {
    assert_eq!(
        DomainEvent::KINDS,
        &[
            "order.placed",
            "order.confirmed",
            "order.completed",
            "order.cancelled",
            "order.payment_expired",
            "seller_order.ready",
            "return.requested",
            "return.updated",
            "payment.updated",
            "payment.rejected",
            "payment.needs_refund",
            "payment.transfer_reminder",
            "payment.remitted",
            "shipment.created",
            "shipment.updated",
            "shipment.cancelled",
            "payout.paid",
            "payment.method_changed",
            "seller.approved",
            "seller.applied",
        ]
    );
}

#[test]
fn payloads_read_into_typed_fields() {
    let DomainEvent::PaymentRejected(p) = read("payment.rejected", PINNED[9].1) else {
        panic!("payment.rejected");
    };
    assert_eq!(p.event, PaymentLogEvent::Authorized);
    assert_eq!(p.payment, PaymentStatus::Voided);
    assert!(matches!(p.outcome, PaymentOutcome::Rejected { .. }));
    assert_eq!(p.order_id.as_str(), "ord_00000009");
    let DomainEvent::ShipmentCreated(s) = read("shipment.created", PINNED[13].1) else {
        panic!("shipment.created");
    };
    assert_eq!(s.status, TrackingStatus::LabelCreated);
    assert_eq!(s.tracking_number.as_deref(), Some("AMANA000000001MA"));
    assert_eq!(s.lang, Lang::FR);
    let DomainEvent::PayoutPaid(p) = read("payout.paid", PINNED[16].1) else {
        panic!("payout.paid");
    };
    assert_eq!(p.amount, Money::mad("812.40").expect("money"));
    let e = DomainEvent::PayoutPaid(p);
    assert_eq!(e.aggregate(), "seller:slr_00000001");
    assert_eq!(e.order_id(), None);
    let DomainEvent::OrderCompleted(o) = read("order.completed", PINNED[2].1) else {
        panic!("order.completed");
    };
    assert_eq!(o.status, OrderStatus::Completed);
    assert_eq!(o.sellers[1].status, FulfillmentStatus::Returned);
    assert_eq!(DomainEvent::OrderCompleted(o).aggregate(), "ord_00000009");
}

#[test]
fn an_unknown_kind_or_a_wrong_payload_is_refused() {
    let unknown = DomainEvent::from_payload(
        "order.teleported",
        &mut serde_json::Deserializer::from_str("{}"),
    );
    assert!(unknown.is_err());
    let partial = DomainEvent::from_payload(
        "order.payment_expired",
        &mut serde_json::Deserializer::from_str(r#"{"order_id":"ord_1","lang":"ar"}"#),
    );
    assert!(partial.is_err(), "payment_method is missing");
}
