//! The operator's reads: the outbox's backlog, the schema's migrations, the pool's use.

use super::*;

async fn append<S: Storage + ?Sized>(s: &S, agg: &str, count: usize, at: DateTime<Utc>) {
    let mut left = count;
    while left > 0 {
        let n = left.min(500);
        let cs = Changeset {
            events: (0..n)
                .map(|i| NewEvent::new(agg.to_owned(), "backlog.test", format!(r#"{{"i":{i}}}"#)))
                .collect(),
            now: Some(at),
            ..Changeset::default()
        };
        ok(s, cs, "append events").await;
        left -= n;
    }
}

async fn backlog<S: Storage + ?Sized>(s: &S) -> OutboxBacklog {
    s.outbox_backlog()
        .await
        .unwrap_or_else(|e| panic!("outbox_backlog: {e}"))
}

/// The oldest pending event's time, as `pending_events` answers it.
async fn first_pending<S: Storage + ?Sized>(s: &S) -> Option<DateTime<Utc>> {
    s.pending_events(1)
        .await
        .unwrap_or_else(|e| panic!("pending_events: {e}"))
        .first()
        .map(|e| e.created_at)
}

/// The outbox's backlog counts every unacknowledged event (well past 1,000) and dates the
/// oldest; acknowledged events leave it.
pub async fn outbox_backlog_counts_every_pending_event<S: Storage + ?Sized>(s: &S) {
    let before = backlog(s).await;
    let agg = unique("backlog");
    let old = t0() - Duration::days(30);
    append(s, &agg, 3, old).await;
    append(s, &agg, 1_100, t0()).await;
    let after = backlog(s).await;
    assert!(!after.saturated, "1,103 events are counted exactly");
    assert_eq!(
        after.pending,
        before.pending + 1_103,
        "every pending event is counted"
    );
    assert_eq!(
        after.oldest_at,
        first_pending(s).await,
        "the oldest is the first pending event"
    );
    if before.pending == 0 {
        assert_eq!(after.oldest_at, Some(old), "the oldest event's time");
    }
    let mine: Vec<u64> = s
        .pending_events(100_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|e| e.aggregate == agg)
        .map(|e| e.seq)
        .collect();
    assert_eq!(mine.len(), 1_103, "the events appended");
    s.ack_events(&mine[..3])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let acked = backlog(s).await;
    assert_eq!(
        acked.pending,
        before.pending + 1_100,
        "acknowledged events leave the backlog"
    );
    assert_eq!(acked.oldest_at, first_pending(s).await);
    if before.pending == 0 {
        assert_eq!(acked.oldest_at, Some(t0()), "the new oldest event");
    }
    s.ack_events(&mine[3..])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let done = backlog(s).await;
    assert_eq!(done.pending, before.pending, "all acknowledged");
    if before.pending == 0 {
        assert_eq!(done.oldest_at, None, "nothing waits");
    }
}

/// A store the adapter opened (and migrated) holds exactly the adapter's migrations.
pub async fn schema_is_current_once_opened<S: Storage + ?Sized>(s: &S) {
    let Some(status) = s
        .schema_status()
        .await
        .unwrap_or_else(|e| panic!("schema_status: {e}"))
    else {
        return;
    };
    assert!(
        !status.known.is_empty(),
        "a versioned schema has migrations"
    );
    assert!(
        status.is_current(),
        "a freshly opened store is current: {status:?}"
    );
    assert!(status.missing().is_empty() && status.unknown().is_empty());
}

/// Once the calls made to the storage have returned, no connection is busy and no write
/// waits for the writer.
pub async fn pool_status_settles_when_idle<S: Storage + ?Sized>(s: &S) {
    let v = vid(&unique("pool"));
    define(s, &v, true, 5).await;
    for _ in 0..5 {
        level(s, &v).await;
    }
    let _ = s
        .list(&ListQuery::new(DocKind::Product, 5))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // A pool takes a returned connection back asynchronously: give it a moment.
    let mut status = s.pool_status();
    for _ in 0..50 {
        if status.is_none_or(|p| p.busy == 0 && p.write_queue.unwrap_or(0) == 0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        status = s.pool_status();
    }
    let Some(p) = status else {
        return;
    };
    assert_eq!(
        p.busy, 0,
        "no connection busy once every call returned: {p:?}"
    );
    assert_eq!(
        p.write_queue.unwrap_or(0),
        0,
        "no write queued once every commit returned: {p:?}"
    );
    assert!(p.max > 0, "a pool has a size: {p:?}");
}
