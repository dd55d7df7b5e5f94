//! Delivery state and retention.

use super::*;

fn event(seq: u64, agg: &str) -> OutboxEvent {
    OutboxEvent::new(seq, agg, "order.placed", "{}", t0())
}

fn failed(target: &str, e: &OutboxEvent, at: DateTime<Utc>, error: &str) -> DeliveryAttempt {
    DeliveryAttempt::new(
        target,
        e,
        at,
        DeliveryOutcome::Failed {
            error: error.to_owned(),
            next_try_at: at + Duration::seconds(60),
        },
    )
}

/// Delivery attempts are counted per (target, event); a delivery is never undone by a later
/// failure; failed deliveries are listed by (seq, target), paged, and a retry makes one due.
pub async fn deliveries_are_recorded_and_retried<S: Storage + ?Sized>(s: &S) {
    let target = unique("webhook:erp");
    let other = format!("{target}-sms");
    // Sequence numbers no other check uses (events need not exist for their delivery rows).
    let base = 9_000_000_000 + (COUNTER.fetch_add(10, Ordering::Relaxed) * 10);
    let (e1, e2) = (event(base + 1, "order:a"), event(base + 2, "order:b"));
    // Later than the purge check's cut-offs (it may run at the same time on the database).
    let t = t0() + Duration::days(3650);
    let row = s
        .record_delivery(&failed(&target, &e1, t, "answered 503"))
        .await
        .unwrap_or_else(|e| panic!("record a failure: {e}"));
    assert_eq!(row.attempts, 1, "first attempt counted");
    assert_eq!(row.last_error.as_deref(), Some("answered 503"));
    assert_eq!(row.next_try_at, Some(t + Duration::seconds(60)));
    assert_eq!(
        (row.kind.as_str(), row.aggregate.as_str()),
        ("order.placed", "order:a")
    );
    assert!(row.waits_at(t) && !row.is_delivered());
    let row = s
        .record_delivery(&failed(
            &target,
            &e1,
            t + Duration::seconds(61),
            "timed out",
        ))
        .await
        .unwrap_or_else(|e| panic!("record a second failure: {e}"));
    assert_eq!(row.attempts, 2, "second attempt counted");
    assert_eq!(
        row.last_error.as_deref(),
        Some("timed out"),
        "latest error kept"
    );
    assert_eq!(row.last_attempt_at, t + Duration::seconds(61));
    for (tg, e) in [(&other, &e1), (&target, &e2)] {
        s.record_delivery(&failed(tg, e, t, "refused"))
            .await
            .unwrap_or_else(|e| panic!("record: {e}"));
    }
    let one = |tg: String, seq: u64| async move {
        s.delivery(&tg, seq)
            .await
            .unwrap_or_else(|e| panic!("delivery: {e}"))
    };
    let nowhere = format!("{target}-none");
    let several = s
        .deliveries(
            &[
                other.clone(),
                nowhere.clone(),
                target.clone(),
                other.clone(),
            ],
            base + 1,
        )
        .await
        .unwrap_or_else(|e| panic!("deliveries: {e}"));
    assert_eq!(
        several,
        vec![
            one(other.clone(), base + 1).await,
            None,
            one(target.clone(), base + 1).await,
            one(other.clone(), base + 1).await,
        ],
        "deliveries answers what delivery answers, target by target, in the order asked"
    );
    assert!(
        several[0].is_some() && several[2].as_ref().is_some_and(|r| r.attempts == 2),
        "the rows recorded are read"
    );
    assert_eq!(
        s.deliveries(&[target.clone(), other.clone()], base + 2)
            .await
            .unwrap_or_else(|e| panic!("deliveries: {e}"))
            .iter()
            .map(|r| r.as_ref().map(|r| (r.seq, r.target.clone())))
            .collect::<Vec<_>>(),
        vec![Some((base + 2, target.clone())), None],
        "one event's rows only"
    );
    assert_eq!(
        s.deliveries(&[], base + 1)
            .await
            .unwrap_or_else(|e| panic!("deliveries: {e}")),
        Vec::<Option<DeliveryRow>>::new()
    );
    // A batch's read: every pair's row that exists, once, by (seq, target), whatever the
    // order and repeats asked; an event without rows and a target without rows add nothing.
    let among = s
        .deliveries_among(
            &[
                other.clone(),
                nowhere.clone(),
                target.clone(),
                other.clone(),
            ],
            &[base + 3, base + 2, base + 1, base + 2],
        )
        .await
        .unwrap_or_else(|e| panic!("deliveries_among: {e}"));
    // (`target` is a prefix of `other`, so it sorts first.)
    let expected: Vec<DeliveryRow> = [
        one(target.clone(), base + 1).await,
        one(other.clone(), base + 1).await,
        one(target.clone(), base + 2).await,
    ]
    .into_iter()
    .map(|r| r.expect("recorded above"))
    .collect();
    assert_eq!(
        among, expected,
        "deliveries_among answers the rows that exist, by (seq, target)"
    );
    assert_eq!(
        s.deliveries_among(&[target.clone(), other.clone()], &[base + 2])
            .await
            .unwrap_or_else(|e| panic!("deliveries_among: {e}"))
            .into_iter()
            .map(|r| (r.seq, r.target))
            .collect::<Vec<_>>(),
        vec![(base + 2, target.clone())],
        "only the events asked"
    );
    // More events than one statement binds (the SQL adapters split the list): a row in a
    // later part is found too. On a target of its own, which the listing below does not read.
    let far = format!("{target}-far");
    for seq in [base + 1, base + 450] {
        s.record_delivery(&failed(&far, &event(seq, "order:c"), t, "refused"))
            .await
            .unwrap_or_else(|e| panic!("record: {e}"));
    }
    let many: Vec<u64> = (1..=460).rev().map(|i| base + i).collect();
    assert_eq!(
        s.deliveries_among(std::slice::from_ref(&far), &many)
            .await
            .unwrap_or_else(|e| panic!("deliveries_among: {e}"))
            .into_iter()
            .map(|r| r.seq)
            .collect::<Vec<_>>(),
        vec![base + 1, base + 450],
        "460 events asked at once"
    );
    assert_eq!(
        s.deliveries_among(std::slice::from_ref(&nowhere), &[base + 1, base + 2])
            .await
            .unwrap_or_else(|e| panic!("deliveries_among: {e}")),
        Vec::new(),
        "a target without rows"
    );
    assert_eq!(
        s.deliveries_among(&[], &[base + 1])
            .await
            .unwrap_or_else(|e| panic!("deliveries_among: {e}")),
        Vec::new()
    );
    assert_eq!(
        s.deliveries_among(std::slice::from_ref(&target), &[])
            .await
            .unwrap_or_else(|e| panic!("deliveries_among: {e}")),
        Vec::new()
    );
    let mine = |rows: Vec<DeliveryRow>| {
        rows.into_iter()
            .filter(|r| r.target == target || r.target == other)
            .map(|r| (r.seq, r.target))
            .collect::<Vec<_>>()
    };
    let all = mine(
        s.failed_deliveries(Some((base, String::new())), 100)
            .await
            .unwrap_or_else(|e| panic!("list failed: {e}")),
    );
    assert_eq!(
        all,
        vec![
            (base + 1, target.clone()),
            (base + 1, other.clone()),
            (base + 2, target.clone())
        ],
        "failed deliveries by seq, then target"
    );
    // Paging: strictly after the cursor.
    let page = mine(
        s.failed_deliveries(Some((base + 1, target.clone())), 100)
            .await
            .unwrap_or_else(|e| panic!("list failed: {e}")),
    );
    assert_eq!(page, all[1..].to_vec(), "paging resumes after the cursor");
    // Retry: due at once; unknown ones are refused.
    let now = t + Duration::seconds(70);
    assert!(
        s.retry_delivery(&target, base + 2, now)
            .await
            .unwrap_or_else(|e| panic!("retry: {e}")),
        "a failed delivery can be retried"
    );
    let row = s
        .delivery(&target, base + 2)
        .await
        .unwrap_or_else(|e| panic!("read: {e}"))
        .unwrap_or_else(|| panic!("the row exists"));
    assert_eq!(row.next_try_at, Some(now), "due now");
    assert!(!row.waits_at(now));
    assert!(
        !s.retry_delivery(&target, base + 9, now)
            .await
            .unwrap_or_else(|e| panic!("retry: {e}")),
        "no such delivery"
    );
    // Delivered: out of the failed list, never undone.
    let row = s
        .record_delivery(&DeliveryAttempt::new(
            &target,
            &e1,
            now,
            DeliveryOutcome::Delivered,
        ))
        .await
        .unwrap_or_else(|e| panic!("record a delivery: {e}"));
    assert_eq!(row.attempts, 3);
    assert_eq!(row.delivered_at, Some(now));
    assert_eq!(
        (row.last_error, row.next_try_at),
        (None, None),
        "error cleared"
    );
    let row = s
        .record_delivery(&failed(&target, &e1, now + Duration::seconds(1), "late"))
        .await
        .unwrap_or_else(|e| panic!("record: {e}"));
    assert_eq!(
        row.delivered_at,
        Some(now),
        "a later failure does not undo a delivery"
    );
    assert_eq!(row.last_error, None);
    assert!(
        !s.retry_delivery(&target, base + 1, now)
            .await
            .unwrap_or_else(|e| panic!("retry: {e}")),
        "a delivered one is not retried"
    );
    let left = mine(
        s.failed_deliveries(Some((base, String::new())), 100)
            .await
            .unwrap_or_else(|e| panic!("list failed: {e}")),
    );
    assert_eq!(
        left,
        vec![(base + 1, other.clone()), (base + 2, target.clone())],
        "the delivered one left the list; the other target's failure stays"
    );
    assert_eq!(
        s.delivery(&target, base + 7)
            .await
            .unwrap_or_else(|e| panic!("read: {e}")),
        None,
        "no row without an attempt"
    );
}

/// Concurrent attempts on one (target, event), from several processes, are all counted.
pub async fn concurrent_delivery_attempts_are_all_counted<S: Storage + ?Sized + 'static>(
    s: Arc<S>,
) {
    let target = unique("nats");
    let e = event(
        9_100_000_000 + COUNTER.fetch_add(1, Ordering::Relaxed),
        "order:c",
    );
    let tasks = (0..8).map(|i| {
        let (s, target, e) = (s.clone(), target.clone(), e.clone());
        async move {
            s.record_delivery(&failed(&target, &e, t0(), &format!("try {i}")))
                .await
                .unwrap_or_else(|e| panic!("record: {e}"))
        }
    });
    join_all(tasks).await;
    let row = s
        .delivery(&target, e.seq)
        .await
        .unwrap_or_else(|e| panic!("read: {e}"))
        .unwrap_or_else(|| panic!("the row exists"));
    assert_eq!(row.attempts, 8, "every concurrent attempt counted");
}

/// The purge deletes idempotency records, done marks, claims and delivered events older than
/// their cut-offs, and keeps younger ones and every undelivered event.
pub async fn purge_keeps_what_is_young_or_pending<S: Storage + ?Sized>(s: &S) {
    let at = |y: i32| {
        Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
    };
    let scope = unique("purge");
    let record = |scope: &str, key: &str, year: i32| Changeset {
        idempotency: Some(IdempotencyRecord::new(scope, key, "f", "{}", at(year))),
        now: Some(at(year)),
        ..Changeset::default()
    };
    let done_scope = format!("done:{scope}");
    for cs in [
        record(&scope, "old", 2001),
        record(&scope, "young", 2003),
        record(&done_scope, "old", 2001),
        record(&done_scope, "mid", 2003),
    ] {
        ok(s, cs, "store a record").await;
    }
    // An undelivered event older than every cut-off must survive.
    let agg = unique("agg-purge");
    ok(
        s,
        Changeset {
            events: vec![NewEvent::new(agg.clone(), "e", "{}")],
            now: Some(at(2001)),
            ..Changeset::default()
        },
        "append an event",
    )
    .await;
    let claim_key = unique("claim");
    s.claim_idempotency(&scope, &claim_key, "tok", at(2000), at(2001))
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"));
    let live_claim = unique("claim");
    s.claim_idempotency(&scope, &live_claim, "tok", at(2000), at(2005))
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"));
    // Records before 2002 go; done marks only before 2002 too, events delivered before 2002
    // (none of ours: the pending one stays).
    let mut total = PurgeReport::default();
    loop {
        let r = s
            .purge(&PurgeCutoffs::new(at(2002), at(2002), at(2002), 1))
            .await
            .unwrap_or_else(|e| panic!("purge: {e}"));
        total.add(&r);
        assert!(
            r.idempotency <= 2 && r.done <= 1 && r.events <= 1 && r.deliveries <= 1,
            "at most `limit` rows of each sort per call: {r:?}"
        );
        if r.total() == 0 {
            break;
        }
    }
    let has = |scope: String, key: &'static str| async move {
        s.idempotency(&scope, key)
            .await
            .unwrap_or_else(|e| panic!("read: {e}"))
            .is_some()
    };
    assert!(!has(scope.clone(), "old").await, "an old record is purged");
    assert!(has(scope.clone(), "young").await, "a young record is kept");
    assert!(
        !has(done_scope.clone(), "old").await,
        "an old done mark is purged"
    );
    assert!(
        has(done_scope.clone(), "mid").await,
        "a young done mark is kept"
    );
    assert!(
        total.idempotency >= 2 && total.done >= 1,
        "counted: {total:?}"
    );
    let pending = s
        .pending_events(100_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mine: Vec<OutboxEvent> = pending.into_iter().filter(|e| e.aggregate == agg).collect();
    assert_eq!(mine.len(), 1, "an undelivered event is never purged");
    // The expired claim is gone (claimable by anyone), the live one is held.
    assert_eq!(
        s.claim_idempotency(&scope, &claim_key, "other", at(2000), at(2001))
            .await
            .unwrap_or_else(|e| panic!("claim: {e}")),
        IdempotencyClaim::Claimed,
        "the expired claim was purged"
    );
    assert!(
        matches!(
            s.claim_idempotency(&scope, &live_claim, "other", at(2000), at(2006))
                .await
                .unwrap_or_else(|e| panic!("claim: {e}")),
            IdempotencyClaim::Held { .. }
        ),
        "a claim that has not expired is kept"
    );
    // Done marks by their own cut-off: a later one takes the 2003 mark, not the record.
    s.purge(&PurgeCutoffs::new(at(2002), at(2004), at(2002), 100))
        .await
        .unwrap_or_else(|e| panic!("purge: {e}"));
    assert!(
        !has(done_scope.clone(), "mid").await,
        "done marks by the done cut-off"
    );
    assert!(
        has(scope.clone(), "young").await,
        "records by their own cut-off"
    );
    // Delivered: the event and its delivery rows go once delivered before the cut-off.
    let seq = mine[0].seq;
    s.record_delivery(&DeliveryAttempt::new(
        "nats",
        &mine[0],
        at(2001),
        DeliveryOutcome::Delivered,
    ))
    .await
    .unwrap_or_else(|e| panic!("record: {e}"));
    s.ack_events(&[seq])
        .await
        .unwrap_or_else(|e| panic!("ack: {e}"));
    let far = Utc::now() + Duration::days(1);
    s.purge(&PurgeCutoffs::new(at(2002), at(2002), far, 100_000))
        .await
        .unwrap_or_else(|e| panic!("purge: {e}"));
    assert_eq!(
        s.delivery("nats", seq)
            .await
            .unwrap_or_else(|e| panic!("read: {e}")),
        None,
        "a delivered event's delivery rows are purged"
    );
}
