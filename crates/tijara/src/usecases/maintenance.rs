//! Background work the embedder schedules: expiring reservations, delivering events.

use crate::docs::OrderDoc;
use crate::engine::{Loaded, Tijara};
use crate::error::TijaraError;
use crate::ports::storage::{
    Changeset, CommitOutcome, DeliveryAttempt, DeliveryRow, DocKind, IdempotencyRecord, ListQuery,
    OutboxEvent, PurgeCutoffs, PurgeReport, StorageError,
};
use crate::usecases::order_update::Applied;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use tijara_core::OrderId;
use tijara_core::order::OrderStatus;
use tijara_core::order_record::StockMove;

/// The claims scope of background tasks' leases.
const LEASE_SCOPE: &str = "lease";

/// What a dispatch round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DispatchReport {
    /// Events delivered and acknowledged.
    pub delivered: usize,
    /// Events whose delivery failed (they stay pending, with every later event of the same
    /// aggregate, so order per aggregate is kept).
    pub failed: usize,
}

/// How long housekeeping keeps what it no longer needs ([`Operations::purge`]). Ages count
/// back from the engine's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Retention {
    /// Idempotency records (the answer replayed to a request retried with the same key) and
    /// expired claims: a request retried with the same key after this is a new request.
    /// Default 30 days.
    pub idempotency: chrono::Duration,
    /// Done marks ([`Operations::record_done`]: a message sent on a channel, a shipment step
    /// told): an event still undelivered after this may send such a message again.
    /// Default 90 days.
    pub done_marks: chrono::Duration,
    /// Outbox events delivered this long ago, and their delivery rows. Default 30 days.
    pub delivered_events: chrono::Duration,
    /// Sessions expired this long ago (logged-out ones once they expire). Default 7 days.
    pub sessions: chrono::Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            idempotency: chrono::Duration::days(30),
            done_marks: chrono::Duration::days(90),
            delivered_events: chrono::Duration::days(30),
            sessions: chrono::Duration::days(7),
        }
    }
}

impl Retention {
    /// Every age set to `days` days.
    pub fn days(days: i64) -> Self {
        let d = chrono::Duration::days(days);
        Retention {
            idempotency: d,
            done_marks: d,
            delivered_events: d,
            sessions: d,
        }
    }

    /// With idempotency records kept for `age`.
    pub fn with_idempotency(mut self, age: chrono::Duration) -> Self {
        self.idempotency = age;
        self
    }

    /// With done marks kept for `age`.
    pub fn with_done_marks(mut self, age: chrono::Duration) -> Self {
        self.done_marks = age;
        self
    }

    /// With delivered events kept for `age`.
    pub fn with_delivered_events(mut self, age: chrono::Duration) -> Self {
        self.delivered_events = age;
        self
    }

    /// With expired sessions kept for `age`.
    pub fn with_sessions(mut self, age: chrono::Duration) -> Self {
        self.sessions = age;
        self
    }
}

/// What [`Operations::reindex_orders`](crate::Operations::reindex_orders) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReindexReport {
    /// Orders saved again with their current keys.
    pub saved: usize,
    /// Orders that could not be saved, with why (a key another order holds, such as the same
    /// tracking number in another letter case; an unreadable document). Each is left as it
    /// was: an admin resolves it (for a tracking number: `set_tracking_number` with the
    /// parcel's real number), then runs the call again.
    pub problems: Vec<ReindexProblem>,
    /// False when `max` orders were visited before the last one: call again to go on.
    pub complete: bool,
}

impl ReindexReport {
    fn problem(&mut self, order: &str, reason: String) {
        tracing::warn!(target: "storage", order, reason = %reason, "order not re-saved with its keys");
        self.problems.push(ReindexProblem {
            order: order.to_owned(),
            reason,
        });
    }
}

/// What [`Operations::rewrite_return_photos`](crate::Operations::rewrite_return_photos) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReturnPhotosReport {
    /// Orders saved with new photo addresses.
    pub saved: usize,
    /// Each address replaced, with its replacement, in the orders saved.
    pub replaced: Vec<(String, String)>,
    /// False when `max` orders were visited before the last one, or an order was left as it was
    /// (changed meanwhile, a key another order holds, new addresses refused, unreadable): call
    /// again to go on (addresses already replaced are not asked again, as long as `rewrite`
    /// answers `None` for its own addresses).
    pub complete: bool,
    /// Every photo address of the orders read but left as they were (a key another order holds,
    /// new addresses refused; changed meanwhile, as read), as they still stand: what a caller
    /// must keep serving where it served it, while it may retire the rest (see `unknown`).
    pub left: Vec<String>,
    /// True when some order's photos are not known as they stand: the pass stopped at `max`, an
    /// order was unreadable, or one changed while it was rewritten. `left` then does not name
    /// everything still linked to, and nothing may be retired on its word.
    pub unknown: bool,
}

/// An order [`Operations::reindex_orders`](crate::Operations::reindex_orders) could not save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReindexProblem {
    /// The order id.
    pub order: String,
    /// Why.
    pub reason: String,
}

/// Housekeeping the embedder schedules: expiring reservations, delivering events, reindexing
/// orders, once-only markers (`engine.operations()`).
///
/// ```
/// # async fn demo(engine: &tijara::Tijara) -> Result<(), tijara::TijaraError> {
/// let expired = engine.operations().expire_reservations(100).await?;
/// let report = engine.operations().dispatch_events(100).await?;
/// println!("{expired} orders expired, {} events delivered", report.delivered);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Operations<'a> {
    engine: &'a Tijara,
}

impl std::fmt::Debug for Operations<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operations").finish_non_exhaustive()
    }
}

impl Tijara {
    /// Housekeeping the embedder schedules: reservations, events, reindexing, run markers.
    pub fn operations(&self) -> Operations<'_> {
        Operations { engine: self }
    }
}

impl Operations<'_> {
    /// Saves every order again with the look-up keys and owner rows the current engine gives it
    /// (orders saved by an older version lack some, such as the store-wide `tracking-number:`
    /// key or the portal tabs' `seller-work:` rows), at most
    /// `max` orders per call, in id order. A key another order already holds is reported (and
    /// logged on the `storage` target), never a failure of the call; only storage faults fail
    /// it. Idempotent: a second run saves the same keys again. Run by `tijara migrate` and at
    /// the storefront's start.
    pub async fn reindex_orders(self, max: usize) -> Result<ReindexReport, TijaraError> {
        let e = self.engine;
        let mut report = ReindexReport::default();
        let mut after: Option<String> = None;
        let mut visited = 0usize;
        loop {
            let query = ListQuery::new(DocKind::Order, 100).after(after.as_deref());
            let page = e.inner.storage.list(&query).await?;
            let Some(last) = page.last() else {
                report.complete = true;
                return Ok(report);
            };
            after = Some(last.id.clone());
            for stored in &page {
                if visited == max {
                    return Ok(report);
                }
                visited += 1;
                let doc: OrderDoc = match serde_json::from_str(&stored.body) {
                    Ok(doc) => doc,
                    Err(e) => {
                        report.problem(&stored.id, format!("unreadable: {e}"));
                        continue;
                    }
                };
                let changes = Changeset {
                    docs: vec![e.order_write(&doc, stored.version)?],
                    ..Changeset::default()
                };
                match e.inner.storage.commit(changes).await {
                    // A concurrent write saved it meanwhile, with the current keys too.
                    Ok(_) | Err(StorageError::Conflict { .. }) => report.saved += 1,
                    Err(StorageError::KeyTaken { key, .. }) => {
                        report.problem(&stored.id, format!("key {key} is held by another order"));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            if page.len() < 100 {
                report.complete = true;
                return Ok(report);
            }
        }
    }

    /// Gives the photos attached to returns new addresses: `rewrite(order, address)` answers the
    /// address that replaces `address` on that order's returns, or `None` to keep it. For a
    /// frontend that moves photos it once served publicly to a place of its own (the storefront
    /// moves `/media/…` to its private photos' route): it copies the file in `rewrite`, before
    /// answering, and removes the old one only once a whole pass saved every order (the same
    /// file may be on several orders). At most `max` orders per call, in id order; an order whose
    /// stored text has no `"photos"` is not even decoded. An order changed concurrently, one that
    /// cannot be saved (a key another order holds), one whose new addresses are refused and an
    /// unreadable one are left as they were (logged on the `storage` target), and the report then
    /// says `complete: false`, names the addresses such orders still hold (`left`), and says
    /// `unknown` when some order's photos are not known as they stand (an unreadable order, one
    /// changed meanwhile, or `max` reached).
    /// Only storage faults fail the call.
    pub async fn rewrite_return_photos(
        self,
        max: usize,
        mut rewrite: impl FnMut(&OrderId, &str) -> Option<String>,
    ) -> Result<ReturnPhotosReport, TijaraError> {
        let e = self.engine;
        let mut report = ReturnPhotosReport {
            complete: true,
            ..ReturnPhotosReport::default()
        };
        let mut after: Option<String> = None;
        let mut visited = 0usize;
        loop {
            let query = ListQuery::new(DocKind::Order, 100).after(after.as_deref());
            let page = e.inner.storage.list(&query).await?;
            let Some(last) = page.last() else {
                return Ok(report);
            };
            after = Some(last.id.clone());
            for stored in &page {
                if visited == max {
                    report.complete = false;
                    report.unknown = true;
                    return Ok(report);
                }
                visited += 1;
                // A return's photos are written under this key only when there are some.
                if !stored.body.contains("\"photos\"") {
                    continue;
                }
                let mut doc: OrderDoc = match serde_json::from_str(&stored.body) {
                    Ok(doc) => doc,
                    Err(err) => {
                        tracing::warn!(target: "storage", order = %stored.id, error = %err, "unreadable order: its return photos were not rewritten");
                        report.complete = false;
                        report.unknown = true;
                        continue;
                    }
                };
                let id = doc.order.id.clone();
                // The addresses as stored, kept in the report if the order is left as it was.
                let stored_photos: Vec<String> = doc
                    .returns
                    .iter()
                    .flat_map(|r| r.photos().iter().cloned())
                    .collect();
                let mut replaced = Vec::new();
                let mut refused = false;
                for ret in &mut doc.returns {
                    let mut changed = false;
                    let photos: Vec<String> = ret
                        .photos()
                        .iter()
                        .map(|old| match rewrite(&id, old) {
                            Some(new) if new != *old => {
                                changed = true;
                                replaced.push((old.clone(), new.clone()));
                                new
                            }
                            _ => old.clone(),
                        })
                        .collect();
                    if changed && let Err(err) = ret.set_photos(photos) {
                        tracing::warn!(target: "storage", order = %id, error = %err, "return photos' new addresses refused");
                        refused = true;
                    }
                }
                if refused {
                    report.complete = false;
                    report.left.extend(stored_photos);
                    continue;
                }
                if replaced.is_empty() {
                    continue;
                }
                let changes = Changeset {
                    docs: vec![e.order_write(&doc, stored.version)?],
                    ..Changeset::default()
                };
                match e.inner.storage.commit(changes).await {
                    Ok(_) => {
                        report.saved += 1;
                        report.replaced.extend(replaced);
                    }
                    // Changed meanwhile: its photos now are not those read (a new return may
                    // name a file already copied), so nothing may be retired on this pass.
                    Err(StorageError::Conflict { .. }) => {
                        tracing::warn!(target: "storage", order = %id, "order changed while its return photos were rewritten: tried again at the next pass");
                        report.complete = false;
                        report.unknown = true;
                        report.left.extend(stored_photos);
                    }
                    Err(StorageError::KeyTaken { key, .. }) => {
                        tracing::warn!(target: "storage", order = %id, key = %key, "order not saved with its return photos' new addresses: a key another order holds");
                        report.complete = false;
                        report.left.extend(stored_photos);
                    }
                    Err(err) => return Err(err.into()),
                }
            }
        }
    }

    /// Whether an outside effect was recorded as done under `scope` and `key` by
    /// [`Operations::record_done`](crate::Operations::record_done).
    pub async fn is_done(self, scope: &str, key: &str) -> Result<bool, TijaraError> {
        let e = self.engine;
        Ok(e.inner
            .storage
            .idempotency(&format!("done:{scope}"), key)
            .await?
            .is_some())
    }

    /// [`Operations::is_done`] for several keys of one scope, in one storage read: `true`,
    /// key by key, where the effect was recorded done.
    pub async fn done_among(self, scope: &str, keys: &[String]) -> Result<Vec<bool>, TijaraError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let e = self.engine;
        Ok(e.inner
            .storage
            .idempotency_many(&format!("done:{scope}"), keys)
            .await?
            .into_iter()
            .map(|r| r.is_some())
            .collect())
    }

    /// Records durably, in the engine's storage, that an outside effect was done once (a
    /// message sent on one channel, for instance); answers `false` when it was recorded
    /// already. Event sinks fed by the at-least-once outbox check [`Operations::is_done`](crate::Operations::is_done) before
    /// the effect and record it after, so a redelivered event, even after a restart, does not
    /// repeat what already happened.
    pub async fn record_done(self, scope: &str, key: &str) -> Result<bool, TijaraError> {
        let e = self.engine;
        let now = e.now();
        let changes = Changeset {
            idempotency: Some(done_mark(scope, key, now)?),
            now: Some(now),
            ..Changeset::default()
        };
        match e.inner.storage.commit(changes).await? {
            CommitOutcome::Committed => Ok(true),
            CommitOutcome::Replayed(_) => Ok(false),
        }
    }

    /// [`Operations::record_done`] for several keys of one scope at once: one statement on
    /// PostgreSQL, one group commit on SQLite, instead of one commit each. Answers, key by
    /// key, `true` where the mark is new (`false`: recorded already, or the key came earlier
    /// in `keys`). Unlike [`Operations::record_done`], a key stored in the scope by other
    /// means (another fingerprint) is answered `false`, not refused.
    pub async fn record_done_all(
        self,
        scope: &str,
        keys: &[String],
    ) -> Result<Vec<bool>, TijaraError> {
        let e = self.engine;
        if scope.is_empty() {
            return Err(empty_mark_field("scope"));
        }
        let now = e.now();
        let records = keys
            .iter()
            .map(|key| done_mark(scope, key, now))
            .collect::<Result<Vec<_>, _>>()?;
        if records.is_empty() {
            return Ok(Vec::new());
        }
        Ok(e.inner.storage.insert_idempotency_records(&records).await?)
    }

    /// Records one attempt to deliver an outbox event to one target (see
    /// [`Storage::record_delivery`](crate::ports::storage::Storage::record_delivery)): event
    /// sinks that fan out to several targets (webhook endpoints, notification channels, a
    /// message bus) keep each target's state in the engine's storage, shared by every process
    /// and kept across restarts.
    pub async fn record_delivery(
        self,
        attempt: &DeliveryAttempt,
    ) -> Result<DeliveryRow, TijaraError> {
        Ok(self.engine.inner.storage.record_delivery(attempt).await?)
    }

    /// The delivery state of event `seq` to `target`, if an attempt was recorded.
    pub async fn delivery(
        self,
        target: &str,
        seq: u64,
    ) -> Result<Option<DeliveryRow>, TijaraError> {
        Ok(self.engine.inner.storage.delivery(target, seq).await?)
    }

    /// [`Operations::delivery`] of one event to several targets, in one storage read, in the
    /// order of `targets`.
    pub async fn deliveries(
        self,
        targets: &[String],
        seq: u64,
    ) -> Result<Vec<Option<DeliveryRow>>, TijaraError> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.engine.inner.storage.deliveries(targets, seq).await?)
    }

    /// [`Operations::delivery`] of several events to several targets, in one storage read:
    /// the rows recorded (a pair without an attempt has none), by (seq, target).
    pub async fn deliveries_among(
        self,
        targets: &[String],
        seqs: &[u64],
    ) -> Result<Vec<DeliveryRow>, TijaraError> {
        if targets.is_empty() || seqs.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .engine
            .inner
            .storage
            .deliveries_among(targets, seqs)
            .await?)
    }

    /// Deliveries that failed and are not delivered yet, by event then target, after the
    /// cursor (the last row's `(seq, target)` of the previous page), at most `limit` (capped at
    /// 500).
    pub async fn failed_deliveries(
        self,
        after: Option<(u64, String)>,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, TijaraError> {
        Ok(self
            .engine
            .inner
            .storage
            .failed_deliveries(after, limit.clamp(1, 500))
            .await?)
    }

    /// Makes a failed delivery due now (an admin's "retry"): the next dispatch tries it
    /// without waiting for its backoff. An error when there is no such failed
    /// delivery (unknown, or delivered meanwhile): [`TijaraError::PartNotFound`] with
    /// [`Part::Delivery`](crate::Part::Delivery).
    pub async fn retry_delivery(self, target: &str, seq: u64) -> Result<(), TijaraError> {
        let e = self.engine;
        if e.inner.storage.retry_delivery(target, seq, e.now()).await? {
            Ok(())
        } else {
            Err(TijaraError::PartNotFound {
                part: crate::Part::Delivery,
                id: format!("{target}#{seq}"),
            })
        }
    }

    /// Deletes what housekeeping no longer needs, older than `retention`'s ages: idempotency
    /// records and expired claims, done marks, delivered outbox events and their delivery
    /// rows, expired sessions (with the `accounts` feature). Works in steps of `batch` rows (so
    /// a SQLite writer is never held long) until nothing is left to delete; answers how many of
    /// each it deleted. Safe to run from several processes at once. Never deletes an
    /// undelivered event.
    pub async fn purge(
        self,
        retention: &Retention,
        batch: u32,
    ) -> Result<PurgeReport, TijaraError> {
        let e = self.engine;
        let now = e.now();
        let cutoffs = PurgeCutoffs::new(
            now - retention.idempotency,
            now - retention.done_marks,
            now - retention.delivered_events,
            batch.max(1),
        );
        let mut report = PurgeReport::default();
        loop {
            let step = e.inner.storage.purge(&cutoffs).await?;
            report.add(&step);
            if step.total() == 0 {
                break;
            }
        }
        // Sessions exist with the `accounts` feature only.
        #[cfg(feature = "accounts")]
        {
            report.sessions = e
                .sessions()
                .purge_expired(now - retention.sessions, batch)
                .await?;
        }
        Ok(report)
    }

    /// Takes the lease of a background task (`task`: `dispatch`, `purge`...) for `holder` (a
    /// name unique to the calling process) until `ttl` from now, so a task that must run in
    /// one process at a time can be started in every process: of several processes asking,
    /// one is told `true`, the others `false` until it releases the lease
    /// ([`Operations::release_lease`]) or dies and the lease expires. Stored as an idempotency
    /// claim (scope `lease`), decided by the database, so it holds across processes on one
    /// PostgreSQL as on one SQLite file. Keep `ttl` longer than one run of the task.
    pub async fn acquire_lease(
        self,
        task: &str,
        holder: &str,
        ttl: chrono::Duration,
    ) -> Result<bool, TijaraError> {
        let e = self.engine;
        let now = e.now();
        let claim = e
            .inner
            .storage
            .claim_idempotency(LEASE_SCOPE, task, holder, now, now + ttl)
            .await?;
        Ok(matches!(
            claim,
            crate::ports::storage::IdempotencyClaim::Claimed
        ))
    }

    /// Gives a lease back (only if `holder` still holds it), so the next run may go anywhere.
    pub async fn release_lease(self, task: &str, holder: &str) -> Result<(), TijaraError> {
        Ok(self
            .engine
            .inner
            .storage
            .release_idempotency(LEASE_SCOPE, task, holder)
            .await?)
    }

    /// Returns the stock of checkouts abandoned past their reservation time (a card payment not
    /// made within [`EngineConfig::card_reservation_ttl`](crate::EngineConfig), a bank transfer
    /// not confirmed within the region's transfer hold): the order is cancelled and its payment
    /// voided, in one step per order, with an `order.payment_expired` event (order id,
    /// language, payment method; no contact, which a notifier reads from the order) so the
    /// shopper is told. Returns how many orders were
    /// cancelled. Safe to run from several processes at once.
    pub async fn expire_reservations(self, limit: u32) -> Result<usize, TijaraError> {
        let e = self.engine;
        let now = e.now();
        let rows = e
            .inner
            .storage
            .expired_reservations(now, limit.max(1))
            .await?;
        let orders: BTreeSet<OrderId> = rows.into_iter().map(|r| r.order).collect();
        let mut cancelled = 0;
        for order in orders {
            let order = &order;
            let done: bool = e
                .mutate("expire_reservations", None, &(), || async move {
                    let Loaded {
                        value: mut doc,
                        version,
                    } = e.load::<OrderDoc>(DocKind::Order, order.as_str()).await?;
                    // The shopper is told (a transfer not received in time, a card checkout
                    // abandoned): the order is off and its items back on sale.
                    if let Some(done) = doc.expire()? {
                        let applied = Applied::new(true, done.events).stock(done.stock);
                        return e.order_applied(&doc, version, applied);
                    }
                    // Paid or cancelled meanwhile: only drop what is still held.
                    let live = e.inner.storage.order_reservations(order).await?;
                    if live.is_empty() {
                        return Ok((false, Changeset::default()));
                    }
                    doc.reservations.clear();
                    let stock = live
                        .into_iter()
                        .map(|r| StockMove::Release(r.reservation))
                        .collect();
                    // Counted as cancelled when it was cancelled meanwhile with stock still held.
                    let cancelled = doc.order.status() == OrderStatus::Cancelled;
                    e.order_applied(&doc, version, Applied::new(cancelled, vec![]).stock(stock))
                })
                .await?;
            cancelled += usize::from(done);
        }
        Ok(cancelled)
    }

    /// Whether any outbox event waits for delivery: one read, nothing written. A dispatcher
    /// asks it before taking its lease ([`Operations::acquire_lease`], two durable writes), so
    /// an idle shop writes nothing between its orders.
    pub async fn events_waiting(self) -> Result<bool, TijaraError> {
        Ok(!self
            .engine
            .inner
            .storage
            .pending_events(1)
            .await?
            .is_empty())
    }

    /// Delivers up to `limit` pending outbox events to the event sink; at least once. The
    /// events of one aggregate are delivered in order, one after the other, and a failure
    /// holds back that aggregate's later events until the next dispatch; different
    /// aggregates' events are delivered in batches, one event per aggregate
    /// ([`EventSink::deliver_batch`](crate::ports::runtime::EventSink::deliver_batch): the
    /// first of each, then the next of each delivered...), each batch up to
    /// [`EngineConfig::dispatch_concurrency`](crate::EngineConfig::dispatch_concurrency) at
    /// once (with 1, every event one after the other in `seq` order, each by
    /// [`EventSink::deliver`](crate::ports::runtime::EventSink::deliver)). The events
    /// delivered are acknowledged together at the end.
    pub async fn dispatch_events(self, limit: u32) -> Result<DispatchReport, TijaraError> {
        let e = self.engine;
        let sink = e.inner.sink.clone().ok_or(TijaraError::NoEventSink)?;
        let events = e.inner.storage.pending_events(limit.max(1)).await?;
        let concurrency = e.inner.config.dispatch_concurrency;
        if concurrency <= 1 {
            return dispatch_in_sequence(e, &*sink, events).await;
        }
        // Each aggregate's events, in the order read (by seq).
        let mut groups: Vec<Vec<OutboxEvent>> = Vec::new();
        let mut group_of: BTreeMap<String, usize> = BTreeMap::new();
        for event in events {
            let i = *group_of.entry(event.aggregate.clone()).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[i].push(event);
        }
        // In batches: the first event of each aggregate, then the next of each whose event
        // was delivered, and so on (an aggregate's failure holds back its later events). A
        // batch is one call, so a sink reads what its events need once per batch
        // (`EventSink::deliver_batch`).
        let mut report = DispatchReport::default();
        let mut acked = Vec::new();
        let mut next = vec![0usize; groups.len()];
        let mut live: Vec<usize> = (0..groups.len()).collect();
        while !live.is_empty() {
            let batch: Vec<&OutboxEvent> = live.iter().map(|&g| &groups[g][next[g]]).collect();
            let results = sink.deliver_batch(&batch, concurrency).await;
            let mut still = Vec::with_capacity(live.len());
            for (i, &g) in live.iter().enumerate() {
                if matches!(results.get(i), Some(Ok(()))) {
                    acked.push(groups[g][next[g]].seq);
                    report.delivered += 1;
                    next[g] += 1;
                    if next[g] < groups[g].len() {
                        still.push(g);
                    }
                } else {
                    report.failed += groups[g].len() - next[g];
                }
            }
            live = still;
        }
        if !acked.is_empty() {
            acked.sort_unstable();
            e.inner.storage.ack_events(&acked).await?;
        }
        Ok(report)
    }
}

/// The record of a done mark ([`Operations::record_done`]): kept under `done:<scope>`.
fn done_mark(
    scope: &str,
    key: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<IdempotencyRecord, TijaraError> {
    if scope.is_empty() {
        return Err(empty_mark_field("scope"));
    }
    if key.is_empty() {
        return Err(empty_mark_field("key"));
    }
    Ok(IdempotencyRecord {
        scope: format!("done:{scope}"),
        key: key.to_owned(),
        fingerprint: "done".into(),
        response: "true".into(),
        created_at: now,
    })
}

fn empty_mark_field(field: &'static str) -> TijaraError {
    TijaraError::InvalidField {
        field,
        rule: "must not be empty".into(),
    }
}

/// [`Operations::dispatch_events`] one event at a time, in `seq` order
/// (`dispatch_concurrency` 1): an aggregate's failure skips its later events.
async fn dispatch_in_sequence(
    e: &Tijara,
    sink: &dyn crate::ports::runtime::EventSink,
    events: Vec<OutboxEvent>,
) -> Result<DispatchReport, TijaraError> {
    let mut blocked: BTreeSet<String> = BTreeSet::new();
    let mut report = DispatchReport::default();
    let mut acked = Vec::new();
    for event in events {
        if blocked.contains(&event.aggregate) {
            report.failed += 1;
            continue;
        }
        match sink.deliver(&event).await {
            Ok(()) => {
                acked.push(event.seq);
                report.delivered += 1;
            }
            Err(_) => {
                blocked.insert(event.aggregate.clone());
                report.failed += 1;
            }
        }
    }
    if !acked.is_empty() {
        e.inner.storage.ack_events(&acked).await?;
    }
    Ok(report)
}
