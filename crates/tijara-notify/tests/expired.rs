//! The shopper hears that an unpaid order was cancelled and its stock returned, or that her
//! parcel moved (issue 11), though the events (which webhooks forward) carry no e-mail or phone:
//! both come from the order.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use tijara_notify::NotificationSink;
use tijara_testkit::stubs::StubGateway;

#[tokio::test]
async fn an_expired_payment_is_told_to_the_shopper_from_the_order_not_the_event() {
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::bank_transfer())).await;
    let (order, _) = t.order().await;
    t.clock
        .advance(t.engine.region().transfer_hold() + tijara_core::chrono::Duration::minutes(1));
    assert_eq!(
        t.engine.operations().expire_reservations(10).await.unwrap(),
        1
    );
    let events = t.engine.storage().pending_events(100).await.unwrap();
    let event = events
        .iter()
        .find(|e| e.kind == "order.payment_expired")
        .unwrap();
    assert!(!event.payload.contains('@'), "{}", event.payload);
    assert!(
        !event.payload.contains(&order.shipping_address.phone),
        "{}",
        event.payload
    );

    let sink = NotificationSink::new(t.engine.clone(), vec![]);
    let told = sink.compose(event).await.unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].email.as_deref(), Some("client@example.ma"));
    assert_eq!(
        told[0].phone.as_deref(),
        Some(order.shipping_address.phone.as_str())
    );
    assert_eq!(told[0].lang, tijara_core::Lang::FR);
    assert!(
        told[0].subject.contains(order.id.as_str()),
        "{}",
        told[0].subject
    );

    // In the shopper's language, from the event; an unknown order tells no one.
    let mut other = event.clone();
    other.payload = serde_json::json!({"order_id": order.id, "lang": "ar",
        "payment_method": "bank_transfer"})
    .to_string();
    let told = sink.compose(&other).await.unwrap();
    assert!(told[0].subject.contains("إلغاء"), "{}", told[0].subject);
    assert!(told[0].text.contains("البيع"), "{}", told[0].text);
    let mut unknown = event.clone();
    unknown.payload = serde_json::json!({"order_id": "ord_none", "lang": "ar",
        "payment_method": "bank_transfer"})
    .to_string();
    assert!(sink.compose(&unknown).await.unwrap().is_empty());
}

#[tokio::test]
async fn shipment_events_carry_no_contact_and_the_shopper_is_still_told() {
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::cash_on_delivery())).await;
    let (order, _) = t.order().await;
    t.ship(&order).await;
    let events = t.engine.storage().pending_events(100).await.unwrap();
    let event = events
        .iter()
        .find(|e| e.kind == "shipment.created")
        .unwrap();
    assert!(!event.payload.contains('@'), "{}", event.payload);
    let sink = NotificationSink::new(t.engine.clone(), vec![]);
    let told = sink.compose(event).await.unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].email.as_deref(), Some("client@example.ma"));
    assert_eq!(
        told[0].phone.as_deref(),
        Some(order.shipping_address.phone.as_str())
    );
}
