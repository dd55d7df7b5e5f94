//! The shopper hears that an unpaid order was cancelled and its stock returned (issue 11).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use tijara::Tijara;
use tijara::ports::storage::OutboxEvent;
use tijara_notify::NotificationSink;
use tijara_testkit::stubs::{StubCarrier, StubGateway};

#[tokio::test]
async fn an_expired_payment_is_told_to_the_shopper_in_her_language() {
    let engine = Tijara::builder()
        .storage(Arc::new(tijara_store_memory::MemoryStore::new()))
        .payment(Arc::new(StubGateway::bank_transfer()))
        .carrier(Arc::new(StubCarrier::new("amana", "30.00", "10.00")))
        .build()
        .unwrap();
    let sink = NotificationSink::new(engine, vec![]);
    let event = OutboxEvent {
        seq: 1,
        aggregate: "ord_1".into(),
        kind: "order.payment_expired".into(),
        payload: serde_json::json!({"order_id": "ord_1", "email": "amina@example.ma",
            "lang": "ar", "payment_method": "bank_transfer"})
        .to_string(),
        created_at: tijara_core::chrono::Utc::now(),
    };
    let told = sink.compose(&event).await.unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].email.as_deref(), Some("amina@example.ma"));
    assert_eq!(told[0].lang, tijara_core::Lang::Ar);
    assert!(told[0].subject.contains("ord_1") && told[0].subject.contains("إلغاء"));
    assert!(told[0].text.contains("البيع"), "{}", told[0].text);
}
