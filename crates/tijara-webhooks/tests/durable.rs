//! Durable delivery state (`WebhookSink::with_storage`) on a SQLite file: two endpoints, one
//! failing; after a restart (a new sink, nothing in memory) the endpoint that already received
//! the event does not receive it again, the failing one waits for its next try instead of
//! being hammered, an admin's retry makes it due at once, and every attempt is counted.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;
use tijara::Tijara;
use tijara::ports::storage::{Changeset, NewEvent, Storage};
use tijara_testkit::stubs::{StubCarrier, StubGateway};
use tijara_webhooks::{Backoff, Endpoint, WebhookSink};

#[derive(Default)]
struct Receivers {
    good: AtomicU32,
    flaky: AtomicU32,
    flaky_up: AtomicBool,
}

async fn hook(State(r): State<Arc<Receivers>>, Path(which): Path<String>) -> StatusCode {
    if which == "good" {
        r.good.fetch_add(1, Ordering::SeqCst);
        return StatusCode::OK;
    }
    r.flaky.fetch_add(1, Ordering::SeqCst);
    if r.flaky_up.load(Ordering::SeqCst) {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

fn sink(base: &str, storage: Arc<dyn Storage>) -> WebhookSink {
    let endpoint = |id: &str| Endpoint {
        id: id.into(),
        url: format!("{base}/{id}"),
        secret: "whsec".into(),
        events: vec!["*".into()],
    };
    WebhookSink::new(
        vec![endpoint("good"), endpoint("flaky")],
        Duration::from_secs(2),
    )
    .unwrap()
    .with_backoff(Backoff {
        first: Duration::from_secs(600),
        max: Duration::from_secs(3600),
    })
    .with_storage(storage)
}

fn engine(storage: Arc<dyn Storage>, sink: WebhookSink) -> Tijara {
    Tijara::builder()
        .storage(storage)
        .event_sink(Arc::new(sink))
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(Arc::new(StubCarrier::new("amana", "30", "5")))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_neither_resends_nor_forgets() {
    let receivers = Arc::new(Receivers::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/{which}", post(hook))
        .with_state(receivers.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shop.db").display());
    let storage = tijara_store_sqlite::connect(&url).await.unwrap();
    storage
        .commit(Changeset {
            events: vec![NewEvent::new("order:ord_1", "order.placed", "{}")],
            ..Changeset::default()
        })
        .await
        .unwrap();
    let seq = storage.pending_events(10).await.unwrap()[0].seq;

    let first = engine(storage.clone(), sink(&base, storage.clone()));
    let report = first.operations().dispatch_events(10).await.unwrap();
    assert_eq!((report.delivered, report.failed), (0, 1));
    assert_eq!(receivers.good.load(Ordering::SeqCst), 1);
    assert_eq!(receivers.flaky.load(Ordering::SeqCst), 1);
    drop(first);

    // Restarted: a new sink on a new connection to the same file.
    let storage = tijara_store_sqlite::connect(&url).await.unwrap();
    let restarted = engine(storage.clone(), sink(&base, storage.clone()));
    let failed = restarted
        .operations()
        .failed_deliveries(None, 10)
        .await
        .unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].target, "webhook:flaky");
    assert_eq!(failed[0].attempts, 1);
    assert!(failed[0].last_error.as_deref().unwrap().contains("503"));
    assert!(failed[0].waits_at(restarted.now()), "10 minutes' backoff");
    let report = restarted.operations().dispatch_events(10).await.unwrap();
    assert_eq!(report.failed, 1, "still held back");
    assert_eq!(receivers.good.load(Ordering::SeqCst), 1, "not sent again");
    assert_eq!(
        receivers.flaky.load(Ordering::SeqCst),
        1,
        "the failing endpoint waits for its next try"
    );

    // The endpoint is back; the admin retries without waiting for the backoff.
    receivers.flaky_up.store(true, Ordering::SeqCst);
    restarted
        .operations()
        .retry_delivery("webhook:flaky", seq)
        .await
        .unwrap();
    let report = restarted.operations().dispatch_events(10).await.unwrap();
    assert_eq!((report.delivered, report.failed), (1, 0));
    assert_eq!(receivers.good.load(Ordering::SeqCst), 1, "never twice");
    assert_eq!(receivers.flaky.load(Ordering::SeqCst), 2);
    let row = storage
        .delivery("webhook:flaky", seq)
        .await
        .unwrap()
        .unwrap();
    assert!(row.is_delivered() && row.attempts == 2, "{row:?}");
    assert!(
        restarted
            .operations()
            .failed_deliveries(None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
