//! One log line per delivery attempt (target `webhooks`): endpoint id, event id and type,
//! outcome, HTTP status, attempt number and duration; never the endpoint's secret or its URL's
//! query (a token), whether the endpoint answers 2xx, answers 503 or cannot be reached. A test
//! binary of its own: the subscriber is this thread's, and tests running at once in one process
//! would race tracing's per-callsite interest cache.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tijara::ports::runtime::EventSink;
use tijara::ports::storage::{Changeset, NewEvent, OutboxEvent};
use tijara_webhooks::{Backoff, Endpoint, WebhookSink};

const SECRET: &str = "whsec_TOPSECRET_4f1d";
const TOKEN: &str = "tok_SUPERSECRET_9c2e";

/// The log lines written, in memory.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Lines {
    fn json(&self) -> Vec<serde_json::Value> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
    type Writer = Lines;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A receiver on loopback: `/good` answers 200, `/down` 503. Its base URL.
async fn receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/good", post(|| async { StatusCode::OK }))
        .route("/down", post(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

async fn endpoints() -> Vec<Endpoint> {
    let base = receiver().await;
    let closed = closed_port().await;
    let endpoint = |id: &str, url: String| Endpoint {
        id: id.into(),
        url,
        secret: SECRET.into(),
        events: vec!["*".into()],
    };
    vec![
        endpoint("erp", format!("{base}/good?token={TOKEN}")),
        endpoint("crm", format!("{base}/down?token={TOKEN}")),
        endpoint(
            "gone",
            format!("http://127.0.0.1:{closed}/hook?token={TOKEN}"),
        ),
    ]
}

fn event(seq: u64) -> OutboxEvent {
    OutboxEvent::new(
        seq,
        "order:ord_log",
        "order.placed",
        r#"{"note":"anything"}"#,
        chrono::Utc::now(),
    )
}

/// The `webhooks` lines of one endpoint.
fn of(lines: &[serde_json::Value], endpoint: &str) -> Vec<serde_json::Value> {
    lines
        .iter()
        .filter(|l| l["target"] == "webhooks" && l["fields"]["endpoint"] == endpoint)
        .cloned()
        .collect()
}

fn assert_no_secret(lines: &Lines, sink: &WebhookSink) {
    let text = lines.text();
    for secret in [SECRET, TOKEN, "token="] {
        assert!(!text.contains(secret), "{secret} in the log:\n{text}");
    }
    for attempt in sink.log() {
        let error = attempt.error.unwrap_or_default();
        assert!(!error.contains(TOKEN), "{error}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn every_attempt_has_its_line_without_secrets() {
    let lines = Lines::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_writer(lines.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let sink = WebhookSink::new(endpoints().await, Duration::from_secs(5))
        .unwrap()
        .with_backoff(Backoff {
            first: Duration::ZERO,
            max: Duration::ZERO,
        });
    let e = event(41);
    assert!(sink.deliver(&e).await.is_err(), "two endpoints fail");
    assert!(sink.deliver(&e).await.is_err(), "and again");
    let all = lines.json();
    // The endpoint that received it is not sent it again.
    let erp = of(&all, "erp");
    assert_eq!(erp.len(), 1, "{all:#?}");
    let line = &erp[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["fields"]["message"], "webhook delivery");
    assert_eq!(line["fields"]["event"], 41);
    assert_eq!(line["fields"]["kind"], "order.placed");
    assert_eq!(line["fields"]["outcome"], "delivered");
    assert_eq!(line["fields"]["status"], 200);
    assert_eq!(line["fields"]["attempt"], 1);
    assert!(line["fields"]["duration_ms"].as_f64().unwrap() >= 0.0);
    // A refusal: warn, with its status and the attempt counted.
    let crm = of(&all, "crm");
    assert_eq!(crm.len(), 2, "{all:#?}");
    for (n, line) in crm.iter().enumerate() {
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["fields"]["message"], "webhook delivery failed");
        assert_eq!(line["fields"]["outcome"], "refused");
        assert_eq!(line["fields"]["status"], 503);
        assert_eq!(line["fields"]["attempt"], n + 1);
        assert_eq!(line["fields"]["event"], 41);
        assert!(
            line["fields"]["error"].as_str().unwrap().contains("503"),
            "{line}"
        );
    }
    // Unreachable: no status, the error without the URL.
    let gone = of(&all, "gone");
    assert_eq!(gone.len(), 2, "{all:#?}");
    assert_eq!(gone[0]["fields"]["outcome"], "unreachable");
    assert!(gone[0]["fields"].get("status").is_none(), "{}", gone[0]);
    assert_eq!(gone[1]["fields"]["attempt"], 2);
    assert_no_secret(&lines, &sink);
}

#[tokio::test(flavor = "current_thread")]
async fn with_durable_state_the_attempt_number_is_the_stored_one() {
    let lines = Lines::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_writer(lines.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shop.db").display());
    let storage = tijara_store_sqlite::connect(&url).await.unwrap();
    storage
        .commit(Changeset {
            events: vec![NewEvent::new(
                "order:ord_log",
                "order.placed",
                r#"{"note":"anything"}"#,
            )],
            ..Changeset::default()
        })
        .await
        .unwrap();
    let stored = storage.pending_events(1).await.unwrap().remove(0);
    let endpoints = endpoints().await;
    let sink = || {
        WebhookSink::new(endpoints.clone(), Duration::from_secs(5))
            .unwrap()
            .with_backoff(Backoff {
                first: Duration::ZERO,
                max: Duration::ZERO,
            })
            .with_storage(storage.clone())
    };
    assert!(sink().deliver(&stored).await.is_err());
    // A restart: a new sink, nothing in memory; the attempts go on from the stored count.
    let second = sink();
    assert!(second.deliver(&stored).await.is_err());
    let all = lines.json();
    assert_eq!(of(&all, "erp").len(), 1, "delivered once: {all:#?}");
    let crm = of(&all, "crm");
    let attempts: Vec<_> = crm.iter().map(|l| l["fields"]["attempt"].clone()).collect();
    assert_eq!(attempts, [1, 2], "{all:#?}");
    assert_eq!(crm[1]["fields"]["event"], stored.seq);
    assert_no_secret(&lines, &second);
}
