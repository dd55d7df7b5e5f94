//! A batch of events delivered together: what their messages need from the storage is read
//! once for the batch (the orders, the sellers and their logins, every channel's delivery
//! state, every message's done mark), and what they sent is marked done in one call.

use crate::{DONE_SCOPE, Notification, NotificationSink, TOLD_SCOPE, sink};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tijara::TijaraError;
use tijara::ports::runtime::SinkError;
use tijara::ports::storage::{DeliveryRow, OutboxEvent};
use tijara::usecases::accounts::Account;
use tijara_core::catalog::{Product, Seller};
use tijara_core::order_record::OrderDoc;
use tijara_core::{DomainEvent, OrderId, ProductId, SellerId};

/// How many events of a batch are read and sent together: a round's hundred events cost the
/// storage about eight calls per part, and a part's orders, products and messages are held
/// in memory at once (a part of 50 orders added 4 MiB to the storefront's resident memory
/// under load; `docs/benchmarks.md`, 2026-12-05 step 14).
pub(crate) const EVENTS_READ_TOGETHER: usize = 16;

/// What a batch's events read, once each: the orders they name, read ahead in one storage
/// call, their products and sellers, read ahead together in another, the logins of the
/// confirmed orders' sellers in a third, and what else an event needs (a seller or logins
/// not read ahead), kept from the first event that reads it. [`NotificationSink::compose`]
/// starts from an empty one and reads as it goes.
#[derive(Default)]
pub(crate) struct Reads {
    orders: HashMap<String, Arc<OrderDoc>>,
    products: HashMap<String, Arc<Product>>,
    sellers: Mutex<HashMap<String, Option<Arc<Seller>>>>,
    accounts: Mutex<HashMap<String, Arc<Vec<Account>>>>,
}

/// The order an event's messages are made from, for the kinds that read one (as
/// `compose_typed` decides: an order placed only while it awaits its payment, a payment
/// update only when a decline was applied).
fn order_named(event: &DomainEvent) -> Option<&OrderId> {
    use tijara_core::order::OrderStatus;
    use tijara_core::payment::{PaymentLogEvent, PaymentOutcome};
    match event {
        DomainEvent::OrderPlaced(p) if p.status == OrderStatus::AwaitingPayment => {
            Some(&p.order_id)
        }
        DomainEvent::OrderConfirmed(s) => Some(&s.order_id),
        DomainEvent::PaymentUpdated(r)
            if r.event == PaymentLogEvent::Declined
                && matches!(r.outcome, PaymentOutcome::Applied) =>
        {
            Some(&r.order_id)
        }
        DomainEvent::ReturnRequested(s) | DomainEvent::ReturnUpdated(s) => Some(&s.order_id),
        DomainEvent::ShipmentCreated(s) | DomainEvent::ShipmentUpdated(s) => Some(&s.order_id),
        DomainEvent::OrderPaymentExpired(x) => Some(&x.order_id),
        _ => None,
    }
}

/// The done marks' keys of an event's messages, channel by channel (keyed by event, channel
/// position and recipient): `channels * notifications.len()` keys.
fn done_keys(seq: u64, channels: usize, notifications: &[Notification]) -> Vec<String> {
    (0..channels)
        .flat_map(|i| {
            notifications.iter().map(move |n| {
                format!(
                    "{seq}:{i}:{}|{}",
                    n.email.as_deref().unwrap_or(""),
                    n.phone.as_deref().unwrap_or("")
                )
            })
        })
        .collect()
}

/// An event of the batch with messages to send.
struct Work {
    /// Its position in the batch.
    at: usize,
    seq: u64,
    notifications: Vec<Notification>,
    /// The mark to record once its messages are sent (a shipment or return step told).
    mark: Option<String>,
    /// Its done marks' keys, channel by channel ([`done_keys`]), and whether each was found.
    keys: Vec<String>,
    done: Vec<bool>,
}

impl NotificationSink {
    /// The orders `events` name, in one storage read, their products and sellers in another
    /// ([`tijara::usecases::catalog::Catalog::documents_and_sellers`]), and the logins of the
    /// confirmed orders' sellers in a third
    /// ([`tijara::usecases::accounts::Accounts::sellers_accounts`]). A failure leaves them
    /// out: each event then reads its own, and fails (to be tried again) if that read fails
    /// too.
    async fn read_ahead(&self, events: &[Option<DomainEvent>]) -> Reads {
        let ids: Vec<OrderId> = events
            .iter()
            .flatten()
            .filter_map(order_named)
            .cloned()
            .collect();
        let orders: HashMap<String, Arc<OrderDoc>> =
            match self.engine.orders().orders_by_id_shared(&ids).await {
                Ok(docs) => docs
                    .into_iter()
                    .map(|d| (d.order.id.to_string(), d))
                    .collect(),
                Err(_) => HashMap::new(),
            };
        // The products and sellers the orders' messages name, in one read too (the sellers
        // at the products' catalog version: from the cache when it holds them). On a failure
        // the products are read as `products_to_show` reads them and each seller when named.
        let mut named: Vec<ProductId> = Vec::new();
        let mut seller_ids: Vec<SellerId> = Vec::new();
        for so in orders.values().flat_map(|d| d.order.seller_orders.iter()) {
            seller_ids.push(so.seller_id.clone());
            named.extend(so.lines.iter().map(|l| l.product_id.clone()));
        }
        seller_ids.sort_unstable();
        seller_ids.dedup();
        let read = self
            .engine
            .catalog()
            .documents_and_sellers(&named, &seller_ids)
            .await;
        let (products, sellers) = match read {
            Ok(read) => {
                let mut found: HashMap<String, Option<Arc<Seller>>> = read
                    .sellers
                    .into_iter()
                    .map(|s| (s.id.to_string(), Some(s)))
                    .collect();
                // A seller the read did not find is gone: its messages go without its number.
                for id in &seller_ids {
                    found.entry(id.to_string()).or_insert(None);
                }
                (read.products, found)
            }
            Err(_) => (self.products_read(named.iter()).await, HashMap::new()),
        };
        let products = products
            .into_iter()
            .map(|p| (p.id.to_string(), p))
            .collect();
        // The logins of the sellers of the confirmed orders (their new-order messages), in
        // one read too; on a failure each seller's are read when its messages are made.
        let mut told: Vec<SellerId> = events
            .iter()
            .flatten()
            .filter_map(|e| match e {
                DomainEvent::OrderConfirmed(s) => orders.get(s.order_id.as_str()),
                _ => None,
            })
            .flat_map(|d| d.order.seller_orders.iter().map(|so| so.seller_id.clone()))
            .collect();
        told.sort_unstable();
        told.dedup();
        let accounts = match self.engine.accounts().sellers_accounts(&told).await {
            Ok(lists) => told
                .iter()
                .zip(lists)
                .map(|(s, l)| (s.to_string(), Arc::new(l)))
                .collect(),
            Err(_) => HashMap::new(),
        };
        Reads {
            orders,
            products,
            sellers: Mutex::new(sellers),
            accounts: Mutex::new(accounts),
        }
    }

    /// The products `ids` to name in a message, from the batch's reads when it holds them
    /// all, else read (what cannot be read is left out: the message names its reference).
    pub(crate) async fn products(&self, reads: &Reads, ids: &[&ProductId]) -> Vec<Arc<Product>> {
        let held: Vec<Arc<Product>> = ids
            .iter()
            .filter_map(|id| reads.products.get(id.as_str()).cloned())
            .collect();
        if held.len() == ids.len() {
            return held;
        }
        self.products_read(ids.iter().copied()).await
    }

    /// Products to name read as `Catalog::products_to_show` reads them (never an error: what
    /// cannot be read is left out), when the batch's reads do not hold them.
    async fn products_read<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a ProductId>,
    ) -> Vec<Arc<Product>> {
        self.engine
            .catalog()
            .products_to_show(ids)
            .await
            .into_iter()
            .map(|v| Arc::new(v.product))
            .collect()
    }

    /// An order, from the batch's reads or else from the storage.
    pub(crate) async fn order_read(
        &self,
        reads: &Reads,
        id: &OrderId,
    ) -> Result<Arc<OrderDoc>, TijaraError> {
        if let Some(doc) = reads.orders.get(id.as_str()) {
            return Ok(Arc::clone(doc));
        }
        Ok(Arc::new(self.engine.orders().order(id).await?))
    }

    /// A seller (`None` when it is gone or its record unreadable: its messages go without its
    /// number), read once per batch; a storage failure is not kept (the event fails and is
    /// tried again, its SMS with it).
    pub(crate) async fn seller_read(
        &self,
        reads: &Reads,
        id: &SellerId,
    ) -> Result<Option<Arc<Seller>>, TijaraError> {
        if let Some(kept) = lock(&reads.sellers).get(id.as_str()) {
            return Ok(kept.clone());
        }
        let read = match self.engine.catalog().seller(id).await {
            Ok(seller) => Some(Arc::new(seller)),
            Err(TijaraError::Storage(e)) => return Err(TijaraError::Storage(e)),
            Err(_) => None,
        };
        lock(&reads.sellers).insert(id.to_string(), read.clone());
        Ok(read)
    }

    /// A seller's logins, read once per batch (a failure is not kept: the event fails).
    pub(crate) async fn accounts_read(
        &self,
        reads: &Reads,
        seller: &SellerId,
    ) -> Result<Arc<Vec<Account>>, TijaraError> {
        if let Some(kept) = lock(&reads.accounts).get(seller.as_str()) {
            return Ok(Arc::clone(kept));
        }
        let read = Arc::new(self.engine.accounts().seller_accounts(seller).await?);
        lock(&reads.accounts).insert(seller.to_string(), Arc::clone(&read));
        Ok(read)
    }

    /// Delivers `events` (each of another aggregate), [`EVENTS_READ_TOGETHER`] at a time.
    pub(crate) async fn deliver_all(
        &self,
        events: &[&OutboxEvent],
        concurrency: usize,
    ) -> Vec<Result<(), SinkError>> {
        let mut results = Vec::with_capacity(events.len());
        for part in events.chunks(EVENTS_READ_TOGETHER) {
            results.extend(self.deliver_part(part, concurrency).await);
        }
        results
    }

    /// Delivers `events`: their messages composed from one read ahead, every channel's
    /// delivery state and every message's done mark read in two calls, the messages sent up
    /// to `concurrency` events at a time, and what was sent marked done in one call (the
    /// steps told in one more).
    async fn deliver_part(
        &self,
        events: &[&OutboxEvent],
        concurrency: usize,
    ) -> Vec<Result<(), SinkError>> {
        use futures_util::StreamExt as _;
        let concurrency = concurrency.max(1);
        // A kind this version does not know (or a payload that does not fit its kind) calls
        // for no notification.
        let typed: Vec<Option<DomainEvent>> = events.iter().map(|e| e.event().ok()).collect();
        let reads = self.read_ahead(&typed).await;
        let composing: Vec<_> = typed
            .into_iter()
            .map(|t| {
                let reads = &reads;
                async move {
                    match t {
                        Some(t) => self.compose_typed(t, reads).await,
                        None => Ok((Vec::new(), None)),
                    }
                }
            })
            .collect();
        let composed: Vec<_> = futures_util::stream::iter(composing)
            .buffered(concurrency)
            .collect()
            .await;
        let mut results: Vec<Result<(), SinkError>> = Vec::with_capacity(events.len());
        let mut work = Vec::new();
        for (at, c) in composed.into_iter().enumerate() {
            match c {
                Ok((notifications, _)) if notifications.is_empty() => results.push(Ok(())),
                Ok((notifications, mark)) => {
                    let seq = events[at].seq;
                    let keys = done_keys(seq, self.channels.len(), &notifications);
                    work.push(Work {
                        at,
                        seq,
                        notifications,
                        mark,
                        keys,
                        done: Vec::new(),
                    });
                    results.push(Ok(()));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        if work.is_empty() {
            return results;
        }
        let failed_all = |results: &mut Vec<Result<(), SinkError>>, work: &[Work], e: SinkError| {
            for w in work {
                results[w.at] = Err(e.clone());
            }
        };
        let ops = self.engine.operations();
        let targets: Vec<String> = (0..self.channels.len()).map(|i| self.target(i)).collect();
        let seqs: Vec<u64> = work.iter().map(|w| w.seq).collect();
        let rows = match ops.deliveries_among(&targets, &seqs).await {
            Ok(rows) => rows,
            Err(e) => {
                failed_all(&mut results, &work, sink(e));
                return results;
            }
        };
        let rows: HashMap<(u64, &str), &DeliveryRow> = rows
            .iter()
            .map(|r| ((r.seq, r.target.as_str()), r))
            .collect();
        let keys: Vec<String> = work.iter().flat_map(|w| w.keys.iter().cloned()).collect();
        let done = match ops.done_among(DONE_SCOPE, &keys).await {
            Ok(done) if done.len() == keys.len() => done,
            Ok(done) => {
                // A storage adapter that breaks its contract: the events wait, nothing is sent.
                let e = SinkError(format!(
                    "storage answered {} done marks for {} messages",
                    done.len(),
                    keys.len()
                ));
                failed_all(&mut results, &work, e);
                return results;
            }
            Err(e) => {
                failed_all(&mut results, &work, sink(e));
                return results;
            }
        };
        let mut from = 0;
        for w in &mut work {
            w.done = done[from..from + w.keys.len()].to_vec();
            from += w.keys.len();
        }
        let sending: Vec<_> = work
            .iter()
            .map(|w| {
                let (targets, rows) = (&targets, &rows);
                async move { self.send_one(events[w.at], w, targets, rows).await }
            })
            .collect();
        let outcomes: Vec<(Vec<String>, Vec<String>)> = futures_util::stream::iter(sending)
            .buffered(concurrency)
            .collect()
            .await;
        // The messages sent are marked done together, also when another failed, in one call
        // for the batch (one statement on PostgreSQL, one group commit on SQLite) instead of
        // one per event, message and channel (`docs/benchmarks.md`, 2026-12-04 steps 9 and 10,
        // 2026-12-05 step 14). A crash between a send and that commit sends the messages again
        // after the restart, as the outbox delivers at least once.
        let sent: Vec<String> = outcomes.iter().flat_map(|(_, s)| s.clone()).collect();
        let recorded = ops.record_done_all(DONE_SCOPE, &sent).await.map_err(sink);
        let mut marks: Vec<(usize, String)> = Vec::new();
        for (w, (failures, sent)) in work.iter().zip(outcomes) {
            if !failures.is_empty() {
                results[w.at] = Err(SinkError(failures.join("; ")));
            } else if let (Err(e), false) = (&recorded, sent.is_empty()) {
                results[w.at] = Err(e.clone());
            } else if let Some(mark) = &w.mark {
                marks.push((w.at, mark.clone()));
            }
        }
        if !marks.is_empty() {
            let keys: Vec<String> = marks.iter().map(|(_, k)| k.clone()).collect();
            if let Err(e) = ops.record_done_all(TOLD_SCOPE, &keys).await {
                let e = sink(e);
                for (at, _) in &marks {
                    results[*at] = Err(e.clone());
                }
            }
        }
        results
    }

    /// Sends one event's messages on each channel; answers the channels' failures and the
    /// done marks' keys whose every message was sent.
    async fn send_one(
        &self,
        event: &OutboxEvent,
        w: &Work,
        targets: &[String],
        rows: &HashMap<(u64, &str), &DeliveryRow>,
    ) -> (Vec<String>, Vec<String>) {
        let (mut failures, mut sent) = (Vec::new(), Vec::new());
        let n = w.notifications.len();
        for (i, channel) in self.channels.iter().enumerate() {
            let from = i * n;
            let todo: Vec<(&Notification, &str, bool)> = w
                .notifications
                .iter()
                .zip(&w.keys[from..from + n])
                .zip(&w.done[from..from + n])
                .map(|((n, key), done)| (n, key.as_str(), *done))
                .collect();
            let row = rows.get(&(w.seq, targets[i].as_str())).copied();
            if let Err(e) = self
                .deliver_on(&targets[i], &**channel, event, row, &todo, &mut sent)
                .await
            {
                failures.push(e.0);
            }
        }
        (failures, sent)
    }
}

/// The lock of a batch's kept reads (a panic while holding it cannot leave them half
/// written: each insert is one call).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
