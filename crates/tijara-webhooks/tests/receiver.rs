//! Webhooks against a local receiver that fails, times out and recovers: every event arrives,
//! signed, in order per order, with the failures in the delivery log and the backoff respected.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tijara::Tijara;
use tijara::ports::storage::Storage;
use tijara_testkit::stubs::{StubCarrier, StubGateway};
use tijara_webhooks::{Backoff, Endpoint, WebhookSink, verify};

const SECRET: &str = "whsec_test_2026";

#[derive(Default)]
struct Receiver {
    calls: AtomicU32,
    /// Answers by call number: 1 and 2 fail, 3 hangs past the client's timeout, then 2xx.
    received: Mutex<Vec<(u64, String, String)>>,
    bad_signatures: AtomicU32,
}

async fn hook(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = r.calls.fetch_add(1, Ordering::SeqCst) + 1;
    let sig = headers
        .get("tijara-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    if verify(SECRET, sig, &body, now, 300).is_err() {
        r.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    match n {
        1 | 2 => return StatusCode::INTERNAL_SERVER_ERROR,
        3 => {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            return StatusCode::OK;
        }
        _ => {}
    }
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        headers.get("tijara-delivery").unwrap().to_str().unwrap(),
        v["id"].to_string()
    );
    r.received.lock().unwrap().push((
        v["id"].as_u64().unwrap(),
        v["type"].as_str().unwrap().to_owned(),
        v["aggregate"].as_str().unwrap().to_owned(),
    ));
    StatusCode::NO_CONTENT
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_survive_failures_timeouts_and_arrive_in_order() {
    let receiver = Arc::new(Receiver::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/hooks", post(hook))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let sink = Arc::new(
        WebhookSink::new(
            vec![Endpoint {
                id: "erp".into(),
                url: format!("http://{addr}/hooks"),
                secret: SECRET.into(),
                events: vec!["*".into()],
            }],
            Duration::from_millis(300),
        )
        .unwrap()
        .with_backoff(Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_millis(400),
        }),
    );
    let storage: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
    let engine = Tijara::builder()
        .storage(storage.clone())
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(Arc::new(StubCarrier::new("amana", "30.00", "10.00")))
        .event_sink(sink.clone())
        .build()
        .unwrap();
    // Events of two sellers' worth of catalog and a few orders.
    let payout_seller = engine
        .catalog()
        .create_seller(
            tijara::usecases::catalog::SellerInput::new(
                "Atelier",
                tijara_core::catalog::SellerKind::Artisan,
                "Dakhla",
                tijara_core::catalog::SellerTaxStatus::VatRegistered,
            )
            // A bank account on file: payouts need one.
            .with_legal(tijara_core::catalog::LegalIds {
                rib: Some("011780000012345678901234".into()),
                ..Default::default()
            }),
            None,
        )
        .await
        .unwrap();
    for i in 0..3 {
        engine
            .payouts()
            .record_payout(
                &payout_seller.id,
                tijara_core::Money::mad("100.00").unwrap(),
                &format!("VIR-{i}"),
                (
                    chrono::Utc::now() - chrono::Duration::days(30),
                    chrono::Utc::now(),
                ),
            )
            .await
            .unwrap();
    }
    let expected: Vec<u64> = storage
        .pending_events(100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(expected.len(), 3);

    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !storage.pending_events(100).await.unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "never delivered: {:?}",
            sink.log()
        );
        let _ = engine.operations().dispatch_events(100).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = receiver.received.lock().unwrap().clone();
    let ids: Vec<u64> = got.iter().map(|(id, _, _)| *id).collect();
    // At least once and in order: the accepted deliveries, deduplicated, are the events.
    let mut seen = Vec::new();
    for id in &ids {
        if !seen.contains(id) {
            seen.push(*id);
        }
    }
    assert_eq!(seen, expected, "in order: {ids:?}");
    assert!(got.iter().all(|(_, kind, _)| kind == "payout.paid"));
    assert_eq!(receiver.bad_signatures.load(Ordering::SeqCst), 0);

    // The log shows the two errors, the timeout, then successes; waits grew between failures.
    let log = sink.log();
    let errors: Vec<&str> = log.iter().filter_map(|a| a.error.as_deref()).collect();
    assert!(errors.len() >= 3, "{log:?}");
    assert!(
        errors[0].contains("500") && errors[1].contains("500"),
        "{errors:?}"
    );
    assert_eq!(errors[2], "timed out");
    let gap = |a: usize, b: usize| (log[b].at - log[a].at).num_milliseconds();
    assert!(gap(0, 1) >= 90, "first wait ≈ 100 ms: {log:?}");
    assert!(gap(1, 2) >= 190, "second wait ≈ 200 ms: {log:?}");
    let ok: BTreeMap<u64, u16> = log
        .iter()
        .filter(|a| a.error.is_none())
        .map(|a| (a.event, a.status.unwrap()))
        .collect();
    assert_eq!(ok.keys().copied().collect::<Vec<_>>(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_holds_events_without_losing_them() {
    let sink = Arc::new(
        WebhookSink::new(
            vec![Endpoint {
                id: "down".into(),
                url: "http://127.0.0.1:9/hooks".into(),
                secret: SECRET.into(),
                events: vec!["payout.*".into()],
            }],
            Duration::from_millis(200),
        )
        .unwrap(),
    );
    let storage: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
    let engine = Tijara::builder()
        .storage(storage.clone())
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(Arc::new(StubCarrier::new("amana", "30.00", "10.00")))
        .event_sink(sink.clone())
        .build()
        .unwrap();
    let s = engine
        .catalog()
        .create_seller(
            tijara::usecases::catalog::SellerInput::new(
                "Atelier",
                tijara_core::catalog::SellerKind::Artisan,
                "Dakhla",
                tijara_core::catalog::SellerTaxStatus::VatRegistered,
            )
            // A bank account on file: payouts need one.
            .with_legal(tijara_core::catalog::LegalIds {
                rib: Some("011780000012345678901234".into()),
                ..Default::default()
            }),
            None,
        )
        .await
        .unwrap();
    engine
        .payouts()
        .record_payout(
            &s.id,
            tijara_core::Money::mad("50.00").unwrap(),
            "VIR-X",
            (
                chrono::Utc::now() - chrono::Duration::days(1),
                chrono::Utc::now(),
            ),
        )
        .await
        .unwrap();
    for _ in 0..3 {
        let r = engine.operations().dispatch_events(10).await.unwrap();
        assert_eq!(r.delivered, 0);
    }
    assert_eq!(storage.pending_events(10).await.unwrap().len(), 1, "kept");
    let log = sink.log();
    assert_eq!(log.len(), 1, "backing off: one attempt, not three: {log:?}");
    assert!(log[0].error.as_deref().unwrap().starts_with("not reached"));
}
