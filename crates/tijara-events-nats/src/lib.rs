//! Relays Tijara's outbox to NATS JetStream, so other services (search, analytics, an ERP, a
//! mobile backend) receive the marketplace's events instead of polling its database.
//!
//! [`NatsRelay`] is an [`EventSink`]: put it in the engine's sinks (alone, or in a
//! [`FanOut`](tijara::ports::runtime::FanOut) beside webhooks and notifications) and the
//! engine's outbox dispatch (`engine.operations().dispatch_events(100)`, which the storefront
//! runs every few seconds) publishes each event:
//!
//! - on the subject `tijara.<region>.<event kind>`, e.g. `tijara.ma-dak.order.placed` (the
//!   region's code in lower case; see [`subject`]);
//! - with the header `Nats-Msg-Id` set to the event's id, `<region>:<outbox seq>` (see
//!   [`message_id`]): JetStream drops a message whose id it has seen within the stream's
//!   duplicate window, so an event published twice (a relay killed after publishing, before
//!   recording it) is stored once;
//! - with `Tijara-Event` (the kind) and the webhooks' JSON body:
//!   `{"id": 42, "type": "order.placed", "aggregate": "order:ord_…", "created_at": "…", "data": {…}}`.
//!
//! Each publish waits for JetStream's acknowledgement (the message is stored) before the event
//! counts as delivered. Delivery is at least once and in order per aggregate, as for every
//! sink: an event the relay could not publish stays in the outbox, with the later events of
//! its aggregate, and is published on a later dispatch, by this process after a restart or by
//! another one. With [`NatsRelay::with_storage`] each event's publication is also recorded in
//! the engine's storage (target `nats`): when another sink of the fan-out fails and the event
//! is delivered again, it is not published again, whatever the duplicate window.
//!
//! ```no_run
//! # async fn demo(storage: std::sync::Arc<dyn tijara::ports::storage::Storage>) -> Result<(), Box<dyn std::error::Error>> {
//! use tijara_events_nats::NatsRelay;
//! let relay = NatsRelay::connect("nats://127.0.0.1:4222", "MA-DAK")
//!     .await?
//!     .with_storage(storage);
//! relay.ensure_stream("TIJARA", std::time::Duration::from_secs(3600)).await?;
//! # Ok(()) }
//! ```
//!
//! `docs/operations.md` ("Events on NATS") shows how a second service consumes them.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use async_nats::HeaderMap;
use async_nats::jetstream::{self, stream};
use async_trait::async_trait;
use chrono::Utc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tijara::ports::runtime::{EventSink, SinkError};
use tijara::ports::storage::{DeliveryAttempt, DeliveryOutcome, OutboxEvent, Storage};

/// The delivery target of the relay in the stored delivery state.
pub const TARGET: &str = "nats";

/// The header carrying the event kind.
pub const EVENT_HEADER: &str = "Tijara-Event";

/// Why the relay could not start or publish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// The NATS server could not be reached (or refused the connection).
    #[error(
        "cannot connect to NATS at {url}: {reason}; is nats-server running with JetStream (-js)?"
    )]
    Connect {
        /// The server URL.
        url: String,
        /// What the client said.
        reason: String,
    },
    /// The stream could not be created or read (JetStream not enabled, a stream of that
    /// name with other subjects...).
    #[error("JetStream stream {name}: {reason}")]
    Stream {
        /// The stream's name.
        name: String,
        /// What the server said.
        reason: String,
    },
    /// The region code gives no usable subject token.
    #[error("region code {0:?} gives no NATS subject token: use letters, digits and '-'")]
    BadRegion(String),
}

/// A subject token: lower case, with the characters NATS reserves (`.`, `*`, `>`, spaces)
/// replaced by `-`.
fn token(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '.' | '*' | '>' => '-',
            c if c.is_whitespace() || c.is_control() => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The subject of an event of `kind` in `region`: `tijara.<region>.<kind>`, the region's
/// code in lower case (`MA-DAK` → `ma-dak`); each dot-separated part of the kind stays a
/// token (`order.placed` → `tijara.ma-dak.order.placed`).
///
/// ```
/// assert_eq!(tijara_events_nats::subject("MA-DAK", "order.placed"), "tijara.ma-dak.order.placed");
/// ```
pub fn subject(region: &str, kind: &str) -> String {
    let kind: Vec<String> = kind
        .split('.')
        .map(token)
        .map(|t| if t.is_empty() { "-".to_owned() } else { t })
        .collect();
    format!("tijara.{}.{}", token(region), kind.join("."))
}

/// The event's id as sent in `Nats-Msg-Id`: `<region>:<seq>` (the outbox sequence number,
/// qualified by the region so two marketplaces sharing a stream never collide).
///
/// ```
/// assert_eq!(tijara_events_nats::message_id("MA-DAK", 42), "ma-dak:42");
/// ```
pub fn message_id(region: &str, seq: u64) -> String {
    format!("{}:{seq}", token(region))
}

/// The message body of an event: the webhooks' JSON (`id`, `type`, `aggregate`,
/// `created_at`, `data`); an event this version cannot read is forwarded as stored.
pub fn body(event: &OutboxEvent) -> Result<Vec<u8>, SinkError> {
    let data: serde_json::Value = match event.event() {
        Ok(typed) => serde_json::to_value(&typed).map_err(|e| SinkError(e.to_string()))?,
        Err(_) => serde_json::from_str(&event.payload)
            .unwrap_or_else(|_| serde_json::Value::String(event.payload.clone())),
    };
    serde_json::to_vec(&serde_json::json!({
        "id": event.seq,
        "type": event.kind,
        "aggregate": event.aggregate,
        "created_at": event.created_at,
        "data": data,
    }))
    .map_err(|e| SinkError(e.to_string()))
}

/// Publishes outbox events to JetStream; see the crate docs.
#[derive(Clone)]
pub struct NatsRelay {
    js: jetstream::Context,
    region: String,
    store: Option<Arc<dyn Storage>>,
}

impl std::fmt::Debug for NatsRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsRelay")
            .field("region", &self.region)
            .field("durable", &self.store.is_some())
            .finish_non_exhaustive()
    }
}

impl NatsRelay {
    /// Connects to the NATS server at `url` (`nats://host:4222`; credentials in the URL if
    /// the server needs them) for the region whose code is `region` (the region file's
    /// `code`, e.g. `MA-DAK`).
    pub async fn connect(url: &str, region: &str) -> Result<Self, RelayError> {
        let client = async_nats::ConnectOptions::new()
            .name("tijara-relay")
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| RelayError::Connect {
                url: redact(url),
                reason: e.to_string(),
            })?;
        Self::new(client, region)
    }

    /// A relay on a connected client.
    pub fn new(client: async_nats::Client, region: &str) -> Result<Self, RelayError> {
        if token(region).is_empty() {
            return Err(RelayError::BadRegion(region.to_owned()));
        }
        let mut js = jetstream::new(client);
        js.set_timeout(Duration::from_secs(10));
        Ok(NatsRelay {
            js,
            region: region.to_owned(),
            store: None,
        })
    }

    /// Records each event's publication in `storage` (the engine's; target [`TARGET`]), so an
    /// event delivered again because another sink failed is not published again, and the
    /// relay's failures are listed with the other failed deliveries.
    pub fn with_storage(mut self, storage: Arc<dyn Storage>) -> Self {
        self.store = Some(storage);
        self
    }

    /// The subjects this relay publishes on: `tijara.<region>.>`.
    pub fn subjects(&self) -> String {
        format!("tijara.{}.>", token(&self.region))
    }

    /// Creates the stream `name` for this region's subjects if it does not exist, with file
    /// storage and `duplicate_window` as JetStream's de-duplication window (how long a message
    /// id is remembered: make it longer than a relay may stay down between publishing and
    /// recording, an hour is plenty). An existing stream is left as it is.
    pub async fn ensure_stream(
        &self,
        name: &str,
        duplicate_window: Duration,
    ) -> Result<(), RelayError> {
        self.js
            .get_or_create_stream(stream::Config {
                name: name.to_owned(),
                subjects: vec![self.subjects()],
                storage: stream::StorageType::File,
                duplicate_window,
                ..Default::default()
            })
            .await
            .map(|_| ())
            .map_err(|e| RelayError::Stream {
                name: name.to_owned(),
                reason: e.to_string(),
            })
    }

    /// The JetStream context (for consumers in tests and tools).
    pub fn jetstream(&self) -> &jetstream::Context {
        &self.js
    }

    /// Publishes one event and waits for JetStream to store it; answers whether JetStream
    /// found it a duplicate (already stored under its message id).
    pub async fn publish(&self, event: &OutboxEvent) -> Result<bool, SinkError> {
        let payload = body(event)?;
        let mut headers = HeaderMap::new();
        headers.insert(
            async_nats::header::NATS_MESSAGE_ID,
            message_id(&self.region, event.seq).as_str(),
        );
        headers.insert(EVENT_HEADER, event.kind.as_str());
        headers.insert("Content-Type", "application/json");
        let subject = subject(&self.region, &event.kind);
        let ack = self
            .js
            .publish_with_headers(subject.clone(), headers, payload.into())
            .await
            .map_err(|e| SinkError(format!("NATS publish to {subject}: {e}")))?
            .await
            .map_err(|e| SinkError(format!("JetStream did not store {subject}: {e}")))?;
        Ok(ack.duplicate)
    }
}

#[async_trait]
impl EventSink for NatsRelay {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), SinkError> {
        let started = Instant::now();
        let now = Utc::now();
        if let Some(store) = &self.store
            && store
                .delivery(TARGET, event.seq)
                .await
                .map_err(|e| SinkError(format!("delivery state unavailable: {e}")))?
                .is_some_and(|r| r.is_delivered())
        {
            return Ok(());
        }
        let published = self.publish(event).await;
        let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &published {
            Ok(duplicate) => {
                tracing::debug!(target: "events", seq = event.seq, kind = %event.kind, duplicate, millis, "event published to NATS")
            }
            Err(e) => {
                tracing::warn!(target: "events", seq = event.seq, kind = %event.kind, error = %e, millis, "event not published to NATS; kept in the outbox")
            }
        }
        if let Some(store) = &self.store {
            let outcome = match &published {
                Ok(_) => DeliveryOutcome::Delivered,
                // The dispatcher tries again on its next round; no wait of our own.
                Err(e) => DeliveryOutcome::Failed {
                    error: e.0.clone(),
                    next_try_at: now,
                },
            };
            store
                .record_delivery(&DeliveryAttempt::new(TARGET, event, now, outcome))
                .await
                .map_err(|e| SinkError(format!("delivery state not recorded: {e}")))?;
        }
        published.map(|_| ())
    }
}

/// `url` without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}***{}", &url[..s + 3], &url[at..]),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_one_token_per_part() {
        assert_eq!(
            subject("MA-DAK", "shipment.updated"),
            "tijara.ma-dak.shipment.updated"
        );
        assert_eq!(subject("a b.c", "x*.>"), "tijara.a-b-c.x-.-");
        assert_eq!(message_id("Ma-Dak", 7), "ma-dak:7");
        assert_eq!(
            redact("nats://user:pw@127.0.0.1:4222"),
            "nats://***@127.0.0.1:4222"
        );
        assert_eq!(redact("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
    }

    #[test]
    fn the_body_forwards_unknown_kinds_as_stored() {
        let e = OutboxEvent::new(5, "x:1", "loyalty.points", r#"{"p":1}"#, Utc::now());
        let v: serde_json::Value =
            serde_json::from_slice(&body(&e).unwrap_or_default()).unwrap_or_default();
        assert_eq!(v["id"], 5);
        assert_eq!(v["type"], "loyalty.points");
        assert_eq!(v["data"], serde_json::json!({"p": 1}));
    }
}
