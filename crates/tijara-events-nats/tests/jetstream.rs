//! Against the real NATS server with JetStream (`TIJARA_TEST_NATS_URL`, e.g.
//! `nats://127.0.0.1:4222`; skipped with a notice without it, and CI sets it): the outbox of a
//! SQLite file relayed to a stream, a relay process killed mid-batch and restarted, every event
//! in the stream exactly once.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tijara::Tijara;
use tijara::ports::runtime::{EventSink, SinkError};
use tijara::ports::storage::{Changeset, NewEvent, OutboxEvent, Storage};
use tijara_events_nats::{NatsRelay, message_id, subject};
use tijara_testkit::stubs::{StubCarrier, StubGateway};

fn nats_url() -> Option<String> {
    let url = std::env::var("TIJARA_TEST_NATS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped: TIJARA_TEST_NATS_URL is not set (e.g. nats://127.0.0.1:4222)");
    }
    url
}

/// A region code and stream name of this run alone (tests share the server).
fn unique(prefix: &str) -> (String, String) {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let region = format!("{prefix}-{}-{n}", std::process::id());
    let stream = region.to_uppercase().replace('-', "_");
    (region, stream)
}

async fn store(path: &std::path::Path) -> Arc<dyn Storage> {
    tijara_store_sqlite::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

fn engine(storage: Arc<dyn Storage>, sink: Arc<dyn EventSink>) -> Tijara {
    Tijara::builder()
        .storage(storage)
        .event_sink(sink)
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(Arc::new(StubCarrier::new("amana", "30", "5")))
        .build()
        .unwrap()
}

/// Slows the relay down so a kill lands in the middle of a batch.
struct Slow(NatsRelay);

#[tijara::async_trait]
impl EventSink for Slow {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), SinkError> {
        tokio::time::sleep(Duration::from_millis(10)).await;
        self.0.deliver(event).await
    }
}

async fn stream_messages(relay: &NatsRelay, name: &str) -> u64 {
    relay
        .jetstream()
        .get_stream(name)
        .await
        .unwrap()
        .get_info()
        .await
        .unwrap()
        .state
        .messages
}

/// The relay process the test below kills: relays the outbox of the SQLite file
/// `TIJARA_NATS_CHILD_DB` slowly, in one batch, until killed.
#[tokio::test]
#[ignore = "the relay process of a_relay_killed_mid_batch_and_restarted_publishes_every_event_once"]
async fn relay_child() {
    let (Ok(db), Ok(region), Some(url)) = (
        std::env::var("TIJARA_NATS_CHILD_DB"),
        std::env::var("TIJARA_NATS_CHILD_REGION"),
        nats_url(),
    ) else {
        panic!("run by a_relay_killed_mid_batch_and_restarted_publishes_every_event_once only");
    };
    let storage = store(std::path::Path::new(&db)).await;
    let relay = NatsRelay::connect(&url, &region)
        .await
        .unwrap()
        .with_storage(storage.clone());
    let engine = engine(storage, Arc::new(Slow(relay)));
    loop {
        engine.operations().dispatch_events(1000).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_killed_mid_batch_and_restarted_publishes_every_event_once() {
    let Some(url) = nats_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let storage = store(&db).await;
    let (region, stream) = unique("kill");
    // 300 events of 30 orders, in 3 commits.
    for part in 0..3 {
        let events = (0..100)
            .map(|i| {
                NewEvent::new(
                    format!("order:ord_{}", (part * 100 + i) % 30),
                    if i % 2 == 0 {
                        "order.placed"
                    } else {
                        "shipment.updated"
                    },
                    format!(r#"{{"n":{}}}"#, part * 100 + i),
                )
            })
            .collect();
        storage
            .commit(Changeset {
                events,
                ..Changeset::default()
            })
            .await
            .unwrap();
    }
    let all = storage.pending_events(1000).await.unwrap();
    assert_eq!(all.len(), 300);
    let relay = NatsRelay::connect(&url, &region)
        .await
        .unwrap()
        .with_storage(storage.clone());
    relay
        .ensure_stream(&stream, Duration::from_secs(600))
        .await
        .unwrap();

    // The relay process, killed (SIGKILL) once about a third is published.
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["relay_child", "--exact", "--ignored", "--nocapture"])
        .env("TIJARA_NATS_CHILD_DB", &db)
        .env("TIJARA_NATS_CHILD_REGION", &region)
        .env("TIJARA_TEST_NATS_URL", &url)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while stream_messages(&relay, &stream).await < 100 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the relay process published too little"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the relay process died"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let published = stream_messages(&relay, &stream).await;
    let left = storage.pending_events(1000).await.unwrap().len();
    assert!(
        published < 300 && left > 0,
        "killed mid-batch: {published} published, {left} still in the outbox"
    );
    // Nothing of the batch was acknowledged in the outbox (acks come at the end of a batch):
    // the restarted relay goes through all of it again.
    assert_eq!(left, 300, "the killed batch stays in the outbox");

    // Restarted: relays until the outbox is empty.
    let engine = engine(storage.clone(), Arc::new(relay.clone()));
    let started = Instant::now();
    while !storage.pending_events(1).await.unwrap().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "relay stuck");
        engine.operations().dispatch_events(100).await.unwrap();
    }
    assert_eq!(
        stream_messages(&relay, &stream).await,
        300,
        "every event once"
    );

    // Every message: its subject, its id, none twice.
    let js_stream = relay.jetstream().get_stream(&stream).await.unwrap();
    let info = js_stream.get_info().await.unwrap();
    let mut ids = BTreeSet::new();
    for seq in info.state.first_sequence..=info.state.last_sequence {
        let m = js_stream.get_raw_message(seq).await.unwrap();
        let id = m
            .headers
            .get(async_nats::header::NATS_MESSAGE_ID)
            .map(|v| v.as_str().to_owned())
            .unwrap();
        let kind = m.headers.get("Tijara-Event").unwrap().as_str().to_owned();
        assert_eq!(m.subject.as_str(), subject(&region, &kind));
        let body: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
        assert_eq!(id, message_id(&region, body["id"].as_u64().unwrap()));
        assert!(ids.insert(id.clone()), "{id} twice in the stream");
    }
    let expected: BTreeSet<String> = all.iter().map(|e| message_id(&region, e.seq)).collect();
    assert_eq!(ids, expected, "every event arrived");

    // A relay that lost its records (another process, no storage) publishing an event again:
    // JetStream's de-duplication drops it.
    let bare = NatsRelay::connect(&url, &region).await.unwrap();
    assert!(
        bare.publish(&all[0]).await.unwrap(),
        "reported as a duplicate"
    );
    assert_eq!(stream_messages(&relay, &stream).await, 300);
    relay.jetstream().delete_stream(&stream).await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_named() {
    let Some(_) = nats_url() else { return };
    // Port 9 (discard) on the loopback: nothing listens there.
    let err = NatsRelay::connect("nats://127.0.0.1:9", "MA-DAK")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("127.0.0.1:9"), "{err}");
}
