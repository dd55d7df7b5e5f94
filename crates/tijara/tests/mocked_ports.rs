//! Interaction tests of the engine against `mockall` mocks of its ports: what it asks the
//! storage and the event sink, and how it reacts to their answers.

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use mockall::predicate::*;
use std::sync::Arc;
use tijara::ports::runtime::{EventSink, SinkError};
use tijara::ports::storage::*;
use tijara::usecases::catalog::CategoryInput;
use tijara::{IdempotencyKey, Tijara, TijaraError};
use tijara_core::{CategoryId, Lang, LocalizedText, OrderId, VariantId};
use tijara_testkit::stubs::{FixedClock, SequentialIds, StubCarrier, StubGateway};

mockall::mock! {
    pub Store {}
    #[async_trait]
    impl Storage for Store {
        async fn commit(&self, changes: Changeset) -> Result<CommitOutcome, StorageError>;
        async fn get(&self, kind: DocKind, id: &str) -> Result<Option<StoredDoc>, StorageError>;
        async fn get_many(&self, kind: DocKind, ids: &[String]) -> Result<Vec<StoredDoc>, StorageError>;
        async fn find_by_key(&self, kind: DocKind, key: &str) -> Result<Option<StoredDoc>, StorageError>;
        async fn list(&self, query: &ListQuery) -> Result<Vec<StoredDoc>, StorageError>;
        async fn search_products(&self, query: &ProductQuery) -> Result<Vec<StoredDoc>, StorageError>;
        async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StorageError>;
        async fn stock_levels(&self, variants: &[VariantId]) -> Result<Vec<StockRow>, StorageError>;
        async fn expired_reservations(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<ReservationRow>, StorageError>;
        async fn order_reservations(&self, order: &OrderId) -> Result<Vec<ReservationRow>, StorageError>;
        async fn idempotency(&self, scope: &str, key: &str) -> Result<Option<IdempotencyRecord>, StorageError>;
        async fn claim_idempotency(&self, scope: &str, key: &str, token: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Result<IdempotencyClaim, StorageError>;
        async fn delete_doc(&self, kind: DocKind, id: &str, version: u64) -> Result<bool, StorageError>;
        async fn release_idempotency(&self, scope: &str, key: &str, token: &str) -> Result<(), StorageError>;
        async fn pending_events(&self, limit: u32) -> Result<Vec<OutboxEvent>, StorageError>;
        async fn ack_events(&self, seqs: &[u64]) -> Result<(), StorageError>;
    }
}

mockall::mock! {
    pub Sink {}
    #[async_trait]
    impl EventSink for Sink {
        async fn deliver(&self, event: &OutboxEvent) -> Result<(), SinkError>;
    }
}

fn engine(store: MockStore, sink: Option<MockSink>) -> Tijara {
    let mut b = Tijara::builder()
        .storage(Arc::new(store))
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(Arc::new(StubCarrier::new("amana", "30", "10")))
        .clock(Arc::new(FixedClock::at(
            Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
                .single()
                .expect("time"),
        )))
        .ids(Arc::new(SequentialIds::default()));
    if let Some(s) = sink {
        b = b.event_sink(Arc::new(s));
    }
    b.build().expect("engine")
}

fn category() -> CategoryInput {
    CategoryInput::new(
        CategoryId::new("leather").expect("id"),
        "leather",
        LocalizedText::single(Lang::FR, "Cuir"),
    )
}

#[tokio::test]
async fn a_conflicting_commit_is_retried_then_reported() {
    let mut store = MockStore::new();
    let mut seq = mockall::Sequence::new();
    store
        .expect_commit()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| {
            Err(StorageError::Conflict {
                kind: DocKind::Category,
                id: "leather".into(),
            })
        });
    store
        .expect_commit()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|cs| {
            cs.docs.len() == 1
                && cs.docs[0].keys == ["slug:leather"]
                && cs.docs[0].expected_version.is_none()
        })
        .returning(|_| Ok(CommitOutcome::Committed));
    let e = engine(store, None);
    let c = e
        .catalog()
        .create_category(category(), None)
        .await
        .expect("second try succeeds");
    assert_eq!(c.slug, "leather");

    let mut store = MockStore::new();
    store.expect_commit().times(9).returning(|_| {
        Err(StorageError::Conflict {
            kind: DocKind::Category,
            id: "leather".into(),
        })
    });
    let e = engine(store, None);
    let err = e
        .catalog()
        .create_category(category(), None)
        .await
        .expect_err("gives up");
    assert!(matches!(err, TijaraError::Conflict { .. }));
    assert!(err.is_temporary());
}

#[tokio::test]
async fn an_answered_key_is_replayed_without_touching_storage() {
    let e0 = engine(MockStore::new(), None);
    drop(e0);
    // First, learn the fingerprint the engine stores, through a commit we capture.
    let captured = Arc::new(std::sync::Mutex::new(None::<IdempotencyRecord>));
    let mut store = MockStore::new();
    store
        .expect_idempotency()
        .with(eq("create_category"), eq("k1"))
        .times(1)
        .returning(|_, _| Ok(None));
    let c2 = captured.clone();
    store.expect_commit().times(1).returning(move |cs| {
        *c2.lock().expect("lock") = cs.idempotency.clone();
        Ok(CommitOutcome::Committed)
    });
    let key = IdempotencyKey::new("k1").expect("key");
    engine(store, None)
        .catalog()
        .create_category(category(), Some(&key))
        .await
        .expect("first");
    let rec = captured
        .lock()
        .expect("lock")
        .clone()
        .expect("a record is written with the change");
    assert_eq!(
        (rec.scope.as_str(), rec.key.as_str()),
        ("create_category", "k1")
    );

    // A retry finds the record: no commit at all, the first answer comes back.
    let mut store = MockStore::new();
    let r2 = rec.clone();
    store
        .expect_idempotency()
        .times(1)
        .returning(move |_, _| Ok(Some(r2.clone())));
    store.expect_commit().never();
    let again = engine(store, None)
        .catalog()
        .create_category(category(), Some(&key))
        .await
        .expect("replayed");
    assert_eq!(again.id.as_str(), "leather");

    // The same key with other input is refused.
    let mut store = MockStore::new();
    store
        .expect_idempotency()
        .times(1)
        .returning(move |_, _| Ok(Some(rec.clone())));
    store.expect_commit().never();
    let mut other = category();
    other.slug = "cuir".into();
    let err = engine(store, None)
        .catalog()
        .create_category(other, Some(&key))
        .await
        .expect_err("mismatch");
    assert!(matches!(err, TijaraError::IdempotencyMismatch { .. }));
}

#[tokio::test]
async fn a_failed_delivery_holds_back_later_events_of_the_same_order_only() {
    let ev = |seq: u64, agg: &str| OutboxEvent::new(seq, agg, "k", "{}", Utc::now());
    let mut store = MockStore::new();
    store
        .expect_pending_events()
        .returning(move |_| Ok(vec![ev(1, "A"), ev(2, "B"), ev(3, "A"), ev(4, "B")]));
    store
        .expect_ack_events()
        .with(eq(vec![2u64, 4]))
        .times(1)
        .returning(|_| Ok(()));
    let mut sink = MockSink::new();
    sink.expect_deliver()
        .withf(|e| e.seq == 1)
        .times(1)
        .returning(|_| Err(SinkError("down".into())));
    sink.expect_deliver()
        .withf(|e| e.aggregate == "B")
        .times(2)
        .returning(|_| Ok(()));
    let report = engine(store, Some(sink))
        .operations()
        .dispatch_events(10)
        .await
        .expect("dispatch");
    assert_eq!((report.delivered, report.failed), (2, 2));
}

#[tokio::test]
async fn storage_failures_surface_as_temporary_errors() {
    let mut store = MockStore::new();
    store
        .expect_commit()
        .returning(|_| Err(StorageError::Unavailable("disk busy".into())));
    let err = engine(store, None)
        .catalog()
        .create_category(category(), None)
        .await
        .expect_err("fails");
    assert!(err.is_temporary(), "{err}");
    let e = engine(MockStore::new(), None);
    assert!(matches!(
        e.operations().dispatch_events(1).await,
        Err(TijaraError::NoEventSink)
    ));
}

mockall::mock! {
    pub Gateway {}
    #[async_trait]
    impl tijara::ports::payment::PaymentGateway for Gateway {
        fn code(&self) -> &str;
        fn method(&self) -> tijara_core::payment::PaymentMethod;
        fn capabilities(&self) -> tijara::ports::payment::PaymentCapabilities;
        async fn start(&self, request: &tijara::ports::payment::PaymentRequest) -> Result<tijara::ports::payment::PaymentStart, tijara::ports::payment::GatewayError>;
        async fn verify_notification(&self, request: &tijara::ports::payment::NotificationRequest) -> Result<tijara::ports::payment::VerifiedNotification, tijara::ports::payment::GatewayError>;
        fn answer(&self, verdict: tijara::ports::payment::NotificationVerdict) -> tijara::ports::payment::NotificationAnswer;
        async fn capture(&self, operation: &tijara::ports::payment::PaymentOperation) -> Result<tijara::ports::payment::OperationResult, tijara::ports::payment::GatewayError>;
        async fn void(&self, operation: &tijara::ports::payment::PaymentOperation) -> Result<tijara::ports::payment::OperationResult, tijara::ports::payment::GatewayError>;
        async fn refund(&self, operation: &tijara::ports::payment::PaymentOperation) -> Result<tijara::ports::payment::OperationResult, tijara::ports::payment::GatewayError>;
    }
}

#[tokio::test]
async fn an_invalid_notification_is_answered_invalid_without_touching_orders() {
    use tijara::ports::payment::*;
    let mut g = MockGateway::new();
    g.expect_code().return_const("mock".to_owned());
    g.expect_verify_notification()
        .times(1)
        .returning(|_| Err(GatewayError::Invalid("bad hash".into())));
    g.expect_answer()
        .with(eq(NotificationVerdict::Invalid))
        .times(1)
        .returning(|_| NotificationAnswer::text("FAILURE"));
    g.expect_capture().never();
    let mut store = MockStore::new();
    // Nothing is read or written: a forgery is only logged (no outbox row anyone could pile up).
    store.expect_get().never();
    store.expect_commit().never();
    let e = Tijara::builder()
        .storage(Arc::new(store))
        .payment(Arc::new(g))
        .carrier(Arc::new(StubCarrier::new("amana", "30", "10")))
        .build()
        .expect("engine");
    let answer = e
        .payments()
        .handle_notification("mock", &NotificationRequest::default())
        .await
        .expect("answered");
    assert_eq!(answer.body, "FAILURE");
}

/// `update_order`: a conflicting commit makes the engine load the order again and apply the
/// rule to the fresh version, never write the stale one again.
#[tokio::test]
async fn an_order_rule_is_applied_again_to_the_reloaded_order_after_a_conflict() {
    let body = include_str!("fixtures/order_doc_transfer.json").to_owned();
    let order = OrderId::new("ord_00000009").expect("id");
    let mut store = MockStore::new();
    let version = Arc::new(std::sync::atomic::AtomicU64::new(1));
    let v = version.clone();
    store.expect_get().times(2).returning(move |kind, id| {
        Ok(Some(StoredDoc::new(
            kind,
            id,
            v.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
            body.clone(),
        )))
    });
    let mut seq = mockall::Sequence::new();
    store
        .expect_commit()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|cs| cs.docs[0].expected_version == Some(1))
        .returning(|_| {
            Err(StorageError::Conflict {
                kind: DocKind::Order,
                id: "ord_00000009".into(),
            })
        });
    store
        .expect_commit()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|cs| {
            cs.docs.len() == 1
                && cs.docs[0].expected_version == Some(2)
                && cs.docs[0].body.contains("\"tracking_number\":\"AM-42\"")
                && cs.docs[0]
                    .keys
                    .contains(&"tracking-number:AM-42".to_owned())
                && cs.events.len() == 1
                && cs.events[0].kind == "shipment.updated"
        })
        .returning(|_| Ok(CommitOutcome::Committed));
    let e = engine(store, None);
    let shipment = tijara_core::ShipmentId::new("ord_00000009-1-sh").expect("id");
    let s = e
        .fulfillment()
        .set_tracking_number(&order, &shipment, "AM-42", None)
        .await
        .expect("second try succeeds");
    assert_eq!(s.tracking_number.as_deref(), Some("AM-42"));
    assert_eq!(version.load(std::sync::atomic::Ordering::SeqCst), 3);
}
