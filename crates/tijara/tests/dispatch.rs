//! Outbox dispatch delivers different aggregates' events concurrently, up to
//! `EngineConfig::dispatch_concurrency` at once, and each aggregate's events in order, one
//! after the other.

mod common;

use async_trait::async_trait;
use common::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tijara::ports::runtime::{EventSink, SinkError};
use tijara::ports::storage::OutboxEvent;

/// A sink that takes a while per event and remembers how many it was given at once.
#[derive(Default)]
struct Slow {
    in_flight: AtomicUsize,
    most: AtomicUsize,
    /// (aggregate, seq) of each event delivered, in the order delivered.
    seen: Mutex<Vec<(String, u64)>>,
    /// An aggregate whose events fail.
    failing: Mutex<Option<String>>,
}

#[async_trait]
impl EventSink for Slow {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), SinkError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if self.failing.lock().expect("lock").as_deref() == Some(event.aggregate.as_str()) {
            return Err(SinkError("refused".into()));
        }
        self.seen
            .lock()
            .expect("lock")
            .push((event.aggregate.clone(), event.seq));
        Ok(())
    }
}

fn engine(sink: Arc<impl EventSink + 'static>, concurrency: usize) -> Market {
    market_delivering_to(
        Arc::new(tijara_store_memory::MemoryStore::new()),
        tijara::EngineConfig::default()
            .with_dispatch_concurrency(concurrency)
            // One shopper places every order here.
            .with_max_unpaid_per_email(0),
        sink,
    )
}

/// `n` orders placed (two events each: placed, confirmed) on `m`; their ids.
async fn orders(m: &Market, n: usize) -> Vec<String> {
    let c = catalog(m).await;
    m.engine
        .catalog()
        .adjust_stock(
            &c.cushion,
            tijara::usecases::catalog::StockAdjustment::Add { units: 20 },
            None,
        )
        .await
        .expect("stock");
    let mut ids = Vec::new();
    for _ in 0..n {
        let placed = m
            .engine
            .checkout()
            .place_order(request(vec![(c.cushion.clone(), 1)], &[&c.a], "cod"), None)
            .await
            .expect("placed");
        ids.push(placed.order.id.as_str().to_owned());
    }
    ids
}

/// The events waiting (up to 100).
async fn pending(m: &Market) -> Vec<OutboxEvent> {
    m.engine
        .storage()
        .pending_events(100)
        .await
        .expect("pending")
}

/// One dispatch round of up to 100 events.
async fn dispatch(m: &Market) -> tijara::usecases::maintenance::DispatchReport {
    m.engine
        .operations()
        .dispatch_events(100)
        .await
        .expect("dispatch")
}

/// Each of `orders` had its events delivered in seq order, and `n` of them in all.
fn in_order_per_aggregate(seen: &[(String, u64)], orders: &[String], n: usize) {
    for id in orders {
        let seqs: Vec<u64> = seen
            .iter()
            .filter(|(a, _)| a == id)
            .map(|(_, s)| *s)
            .collect();
        assert_eq!(seqs.len(), n, "{id}: {seqs:?}");
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{id}: {seqs:?}");
    }
}

#[tokio::test]
async fn aggregates_are_delivered_concurrently_each_in_order() {
    let sink = Arc::new(Slow::default());
    let m = engine(sink.clone(), 8);
    let orders = orders(&m, 3).await;
    let r = dispatch(&m).await;
    assert_eq!(r.failed, 0);
    assert!(r.delivered >= 6, "{r:?}");
    assert!(
        sink.most.load(Ordering::SeqCst) >= 3,
        "the orders' events overlapped: at most {} at once",
        sink.most.load(Ordering::SeqCst)
    );
    let seen = sink.seen.lock().expect("lock").clone();
    in_order_per_aggregate(&seen, &orders, 2);
    assert_eq!(
        dispatch(&m).await.delivered,
        0,
        "every event delivered was acknowledged"
    );
}

#[tokio::test]
async fn one_at_a_time_when_configured_and_a_failure_holds_back_only_its_aggregate() {
    let sink = Arc::new(Slow::default());
    let m = engine(sink.clone(), 1);
    let orders = orders(&m, 3).await;
    *sink.failing.lock().expect("lock") = Some(orders[1].clone());
    let r = dispatch(&m).await;
    assert_eq!(sink.most.load(Ordering::SeqCst), 1, "never two at once");
    assert_eq!(r.failed, 2, "the failing order's two events: {r:?}");
    let seen = sink.seen.lock().expect("lock").clone();
    in_order_per_aggregate(&seen, &[orders[0].clone(), orders[2].clone()], 2);
    in_order_per_aggregate(&seen, &orders[1..2], 0);
    // The failure gone, the held-back order's events come, in order.
    *sink.failing.lock().expect("lock") = None;
    let r = dispatch(&m).await;
    assert_eq!((r.delivered, r.failed), (2, 0));
    let seen = sink.seen.lock().expect("lock").clone();
    in_order_per_aggregate(&seen, &orders, 2);
}

#[tokio::test]
async fn no_more_aggregates_at_once_than_configured() {
    let sink = Arc::new(Slow::default());
    let m = engine(sink.clone(), 4);
    let orders = orders(&m, 10).await;
    let r = dispatch(&m).await;
    assert_eq!(r.failed, 0);
    assert!(r.delivered >= 20, "{r:?}");
    let most = sink.most.load(Ordering::SeqCst);
    assert!((2..=4).contains(&most), "{most} at once, 4 allowed");
    let seen = sink.seen.lock().expect("lock").clone();
    in_order_per_aggregate(&seen, &orders, 2);
}

/// A sink that takes its events in batches: it remembers each batch, refuses one aggregate's
/// events and can answer one result too few (a sink breaking its contract).
#[derive(Default)]
struct Batches {
    /// Each batch's (aggregate, seq), as given.
    batches: Mutex<Vec<Vec<(String, u64)>>>,
    failing: Mutex<Option<String>>,
    short: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl EventSink for Batches {
    async fn deliver(&self, _event: &OutboxEvent) -> Result<(), SinkError> {
        Err(SinkError("only batches here".into()))
    }

    async fn deliver_batch(
        &self,
        events: &[&OutboxEvent],
        concurrency: usize,
    ) -> Vec<Result<(), SinkError>> {
        assert_eq!(concurrency, 8, "the engine's configured concurrency");
        self.batches.lock().expect("lock").push(
            events
                .iter()
                .map(|e| (e.aggregate.clone(), e.seq))
                .collect(),
        );
        let failing = self.failing.lock().expect("lock").clone();
        let mut out: Vec<Result<(), SinkError>> = events
            .iter()
            .map(|e| {
                if failing.as_deref() == Some(e.aggregate.as_str()) {
                    Err(SinkError("refused".into()))
                } else {
                    Ok(())
                }
            })
            .collect();
        if self.short.load(Ordering::SeqCst) {
            out.pop();
        }
        out
    }
}

#[tokio::test]
async fn a_batch_holds_one_event_per_aggregate_and_a_failure_holds_back_its_aggregate() {
    let sink = Arc::new(Batches::default());
    let m = engine(sink.clone(), 8);
    let orders = orders(&m, 4).await;
    *sink.failing.lock().expect("lock") = Some(orders[2].clone());
    let pending = pending(&m).await;
    let r = dispatch(&m).await;
    let batches = sink.batches.lock().expect("lock").clone();
    for b in &batches {
        let mut aggregates: Vec<&String> = b.iter().map(|(a, _)| a).collect();
        aggregates.sort();
        aggregates.dedup();
        assert_eq!(aggregates.len(), b.len(), "one event per aggregate: {b:?}");
    }
    // The first batch: each aggregate's first pending event, in the order read.
    let mut firsts: Vec<(String, u64)> = Vec::new();
    for e in &pending {
        if !firsts.iter().any(|(a, _)| *a == e.aggregate) {
            firsts.push((e.aggregate.clone(), e.seq));
        }
    }
    assert_eq!(batches[0], firsts);
    // The refused order's second event is never given; the others' are, in a later batch.
    let given: Vec<&(String, u64)> = batches.iter().flatten().collect();
    assert_eq!(
        given.iter().filter(|(a, _)| *a == orders[2]).count(),
        1,
        "{batches:?}"
    );
    in_order_per_aggregate(
        &batches.concat(),
        &[orders[0].clone(), orders[1].clone(), orders[3].clone()],
        2,
    );
    assert_eq!((r.delivered, r.failed), (pending.len() - 2, 2), "{r:?}");
    // The failure gone, the held-back events come, in two batches; then nothing is left.
    *sink.failing.lock().expect("lock") = None;
    sink.batches.lock().expect("lock").clear();
    let r = dispatch(&m).await;
    assert_eq!((r.delivered, r.failed), (2, 0));
    assert_eq!(sink.batches.lock().expect("lock").len(), 2);
    assert_eq!(dispatch(&m).await.delivered, 0);
}

#[tokio::test]
async fn a_result_missing_from_a_batch_counts_as_failed() {
    let sink = Arc::new(Batches::default());
    let m = engine(sink.clone(), 8);
    orders(&m, 2).await;
    let pending = pending(&m).await.len();
    sink.short.store(true, Ordering::SeqCst);
    let first = dispatch(&m).await;
    assert!(first.failed >= 1, "{first:?}");
    assert_eq!(first.delivered + first.failed, pending, "{first:?}");
    // The events left unanswered were not acknowledged: they come again, and only they.
    sink.short.store(false, Ordering::SeqCst);
    let again = dispatch(&m).await;
    assert_eq!(
        (again.delivered, again.failed),
        (first.failed, 0),
        "{again:?}"
    );
    assert_eq!(dispatch(&m).await.delivered, 0);
}

#[tokio::test]
async fn a_fan_out_batch_fails_an_event_when_one_of_its_sinks_does() {
    let (first, second) = (Arc::new(Batches::default()), Arc::new(Batches::default()));
    *second.failing.lock().expect("lock") = Some("order:b".into());
    let fan = tijara::ports::runtime::FanOut(vec![first.clone(), second.clone()]);
    let at = chrono::Utc::now();
    let events: Vec<OutboxEvent> = ["order:a", "order:b", "order:c"]
        .iter()
        .zip(1..)
        .map(|(agg, seq)| OutboxEvent::new(seq, *agg, "order.placed", "{}", at))
        .collect();
    let batch: Vec<&OutboxEvent> = events.iter().collect();
    let results = fan.deliver_batch(&batch, 8).await;
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    assert_eq!(
        results[1],
        Err(SinkError("refused".into())),
        "the failing sink's error"
    );
    // Each sink was given the whole batch, once.
    assert_eq!(first.batches.lock().expect("lock").len(), 1);
    assert_eq!(second.batches.lock().expect("lock")[0].len(), 3);
    // A sink answering one result too few fails the last event, whatever the other said.
    first.short.store(true, Ordering::SeqCst);
    *second.failing.lock().expect("lock") = None;
    let results = fan.deliver_batch(&batch, 8).await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok(), "{results:?}");
    assert!(results[2].is_err(), "{results:?}");
}
