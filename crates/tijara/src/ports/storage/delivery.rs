//! Durable delivery state of outbox events (per target: a webhook endpoint, a notification
//! channel, a message bus) and the retention cut-offs of housekeeping.
//!
//! The engine's outbox says whether an event was delivered to the event sink as a whole; a
//! sink that fans an event out to several targets records each target's attempts here, so
//! several processes share them and a restart neither sends again what one target already
//! received nor forgets what failed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What one attempt to deliver an event to one target gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryOutcome {
    /// The target has the event: it is never sent to it again.
    Delivered,
    /// The attempt failed; the next one may go at `next_try_at`.
    Failed {
        /// What went wrong (an HTTP status, a timeout, the relay's answer). No secret.
        error: String,
        /// When the next attempt may go.
        next_try_at: DateTime<Utc>,
    },
}

/// One attempt to deliver an outbox event to one target, as recorded by
/// [`Storage::record_delivery`](super::Storage::record_delivery).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeliveryAttempt {
    /// The target: `webhook:<endpoint id>`, `notification:<channel>`, `nats`...
    pub target: String,
    /// The event's outbox sequence number.
    pub seq: u64,
    /// The event's type (`order.placed`), shown to the admin.
    pub kind: String,
    /// The event's aggregate (`order:ord_…`), shown to the admin.
    pub aggregate: String,
    /// When the attempt was made.
    pub at: DateTime<Utc>,
    /// What it gave.
    pub outcome: DeliveryOutcome,
}

impl DeliveryAttempt {
    /// An attempt to deliver `event` to `target` at `at`.
    pub fn new(
        target: impl Into<String>,
        event: &super::OutboxEvent,
        at: DateTime<Utc>,
        outcome: DeliveryOutcome,
    ) -> Self {
        DeliveryAttempt {
            target: target.into(),
            seq: event.seq,
            kind: event.kind.clone(),
            aggregate: event.aggregate.clone(),
            at,
            outcome,
        }
    }
}

/// The delivery state of one event to one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    /// The target.
    pub target: String,
    /// The event's outbox sequence number.
    pub seq: u64,
    /// The event's type.
    pub kind: String,
    /// The event's aggregate.
    pub aggregate: String,
    /// Attempts made so far (successful one included).
    pub attempts: u32,
    /// When the latest attempt was made.
    pub last_attempt_at: DateTime<Utc>,
    /// The latest failure's message; `None` once delivered.
    pub last_error: Option<String>,
    /// When the next attempt may go (`None` once delivered).
    pub next_try_at: Option<DateTime<Utc>>,
    /// When it was delivered; `None` while it fails.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl DeliveryRow {
    /// True when the target has the event.
    pub fn is_delivered(&self) -> bool {
        self.delivered_at.is_some()
    }

    /// True when a failed delivery must wait at `now` (its next try is later).
    pub fn waits_at(&self, now: DateTime<Utc>) -> bool {
        self.delivered_at.is_none() && self.next_try_at.is_some_and(|t| t > now)
    }
}

/// What [`Storage::purge`](super::Storage::purge) deletes: rows older than each cut-off, at
/// most `limit` of each sort per call (call again while it deletes some, so the SQLite writer
/// is never held long).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PurgeCutoffs {
    /// Idempotency records (answers replayed to a retried request) created before this, and
    /// idempotency claims that expired before it. Done marks are not included.
    pub idempotency_before: DateTime<Utc>,
    /// Done marks (scopes starting with `done:`, see
    /// [`Operations::record_done`](crate::Operations::record_done)) created before this.
    pub done_before: DateTime<Utc>,
    /// Outbox events delivered before this (never an undelivered one), and delivery rows
    /// delivered before it.
    pub events_before: DateTime<Utc>,
    /// At most this many rows of each sort per call (at least 1).
    pub limit: u32,
}

impl PurgeCutoffs {
    /// Cut-offs; `limit` rows of each sort at most per call.
    pub fn new(
        idempotency_before: DateTime<Utc>,
        done_before: DateTime<Utc>,
        events_before: DateTime<Utc>,
        limit: u32,
    ) -> Self {
        PurgeCutoffs {
            idempotency_before,
            done_before,
            events_before,
            limit: limit.max(1),
        }
    }
}

/// What one [`Storage::purge`](super::Storage::purge) call deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeReport {
    /// Idempotency records and expired claims.
    pub idempotency: u64,
    /// Done marks.
    pub done: u64,
    /// Delivered outbox events.
    pub events: u64,
    /// Delivery rows of delivered events.
    pub deliveries: u64,
    /// Expired or revoked sessions (deleted by the engine, not by the storage call).
    pub sessions: u64,
}

impl PurgeReport {
    /// Rows deleted, every sort together.
    pub fn total(&self) -> u64 {
        self.idempotency + self.done + self.events + self.deliveries + self.sessions
    }

    /// Adds another call's counts.
    pub fn add(&mut self, other: &PurgeReport) {
        self.idempotency += other.idempotency;
        self.done += other.done;
        self.events += other.events;
        self.deliveries += other.deliveries;
        self.sessions += other.sessions;
    }
}
