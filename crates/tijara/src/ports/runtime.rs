//! Time, identifiers and event delivery.

use crate::ports::storage::OutboxEvent;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The source of time. The core never reads a clock; the engine asks this port.
pub trait Clock: Send + Sync {
    /// The current instant.
    ///
    /// # Contract
    /// Cheap and infallible; called several times per step, each step taking one instant for
    /// all it writes. It need not be monotonic, but a clock that jumps back makes holds and
    /// claims last longer. Tests give a fixed or stepped clock
    /// (`tijara_testkit::engine::setup` does).
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// How the engine waits. The engine runs on any executor and starts no threads, so it has no
/// timer of its own; the embedder gives one with [`crate::TijaraBuilder::sleeper`] (on tokio,
/// `Box::pin(tokio::time::sleep(duration))`). Only duplicates of a gateway or carrier call
/// that wait for the first call's answer sleep; without a sleeper they are refused at once
/// with [`crate::TijaraError::IdempotencyInProgress`].
pub trait Sleeper: Send + Sync {
    /// A future that completes after `duration` (it must not block the thread).
    ///
    /// # Contract
    /// MUST NOT block the executor's thread (no `std::thread::sleep`); it may complete late,
    /// never early by more than the timer's resolution. The engine only sleeps while a
    /// duplicate waits for the first call's answer (checked by the engine's own tests,
    /// `crates/tijara/tests/engine_flows.rs`; no adapter check).
    fn sleep(
        &self,
        duration: std::time::Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;
}

/// The source of new identifiers.
pub trait IdGenerator: Send + Sync {
    /// A new unique id starting with `prefix` (`ord`, `prd`...). Ids MUST be unique across
    /// processes sharing a database; increasing ids give listings in creation order.
    ///
    /// # Contract
    /// - MUST be unique across every process sharing the database, forever: a repeated id
    ///   makes the step that creates it fail with a conflict.
    /// - MUST be a valid core id (no whitespace or control character, within the length
    ///   limit, else the step fails with `IdError`), and SHOULD be `prefix`, `_`, then ASCII
    ///   letters and digits: ids appear in URLs, keys and attempt ids
    ///   ([`PaymentRequest::attempt_id`] is `{order_id}-{n}`).
    /// - SHOULD increase over time ([`UuidV7Ids`] does): listings are by id.
    ///
    /// [`PaymentRequest::attempt_id`]: crate::ports::payment::PaymentRequest::attempt_id
    fn next_id(&self, prefix: &str) -> String;
}

/// Time-ordered random ids (UUID version 7): unique across processes, increasing over time.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn next_id(&self, prefix: &str) -> String {
        format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
    }
}

/// Why an event could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event delivery failed: {0}")]
pub struct SinkError(pub String);

/// Where outbox events go (webhooks, notifications, a message bus). Delivery is at least once:
/// a sink MUST tolerate receiving an event twice (use [`OutboxEvent::seq`] to deduplicate).
#[async_trait]
pub trait EventSink: Send + Sync {
    /// Delivers one event.
    ///
    /// # Contract
    /// - The engine calls it for outbox events in `seq` order per aggregate, and calls it
    ///   again with the same event after an `Err` or a crash: delivery is at least once, so a
    ///   sink MUST tolerate repeats (deduplicate on [`OutboxEvent::seq`]).
    /// - It may call it for events of different aggregates at the same time (up to
    ///   [`EngineConfig::dispatch_concurrency`](crate::EngineConfig::dispatch_concurrency), 8
    ///   by default; set it to 1 for a sink that must be called one event at a time).
    /// - `Ok` means delivered for good: the event is acknowledged and never given again.
    ///   `Err` keeps it, and holds back the later events of its aggregate until the next
    ///   dispatch. An event the sink does not handle (another kind, or one
    ///   [`OutboxEvent::event`] cannot read) is `Ok`, not an error, or it would hold its
    ///   aggregate back forever.
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), SinkError>;

    /// Delivers a batch of events, each of another aggregate, and answers each one's result
    /// in the order given. The outbox dispatcher calls it with the first pending event of
    /// each aggregate, then with the next of each that succeeded, and so on: a sink that
    /// needs storage reads per event (the notifications read the order, the delivery state
    /// and the done marks) can read them once for the batch instead of once per event.
    ///
    /// The default calls [`EventSink::deliver`] for each, up to `concurrency` at a time. With
    /// [`EngineConfig::dispatch_concurrency`](crate::EngineConfig::dispatch_concurrency) 1 the
    /// dispatcher calls [`EventSink::deliver`] instead, one event at a time: a sink that
    /// overrides this method must still deliver with `deliver`.
    ///
    /// # Contract
    /// - MUST answer one result per event, in the order of `events` (a missing result counts
    ///   as failed, one too many is ignored); each means what [`EventSink::deliver`]'s would.
    /// - The events' aggregates differ, so they may be delivered in any order or at once;
    ///   `concurrency` is [`EngineConfig::dispatch_concurrency`](crate::EngineConfig::dispatch_concurrency),
    ///   the most outside calls the sink should make at a time.
    async fn deliver_batch(
        &self,
        events: &[&OutboxEvent],
        concurrency: usize,
    ) -> Vec<Result<(), SinkError>> {
        use futures_util::StreamExt as _;
        // A `Vec` of futures, not a lazy map: the stream must be `Send` in the boxed future.
        let calls: Vec<_> = events.iter().map(|e| self.deliver(e)).collect();
        futures_util::stream::iter(calls)
            .buffered(concurrency.max(1))
            .collect()
            .await
    }
}

/// Several sinks as one (webhooks and notifications, say): an event is delivered to each; if
/// one fails, the engine keeps the event and delivers it again to all of them, so each sink
/// must tolerate repeats (deduplicate on [`OutboxEvent::seq`]).
pub struct FanOut(pub Vec<std::sync::Arc<dyn EventSink>>);

#[async_trait]
impl EventSink for FanOut {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), SinkError> {
        let mut failures = Vec::new();
        for sink in &self.0 {
            if let Err(e) = sink.deliver(event).await {
                failures.push(e.0);
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(SinkError(failures.join("; ")))
        }
    }

    async fn deliver_batch(
        &self,
        events: &[&OutboxEvent],
        concurrency: usize,
    ) -> Vec<Result<(), SinkError>> {
        let mut failures: Vec<Vec<String>> = vec![Vec::new(); events.len()];
        for sink in &self.0 {
            let results = sink.deliver_batch(events, concurrency).await;
            for (i, failed) in failures.iter_mut().enumerate() {
                match results.get(i) {
                    Some(Ok(())) => {}
                    Some(Err(e)) => failed.push(e.0.clone()),
                    None => failed.push("the sink answered no result".into()),
                }
            }
        }
        failures
            .into_iter()
            .map(|f| {
                if f.is_empty() {
                    Ok(())
                } else {
                    Err(SinkError(f.join("; ")))
                }
            })
            .collect()
    }
}
