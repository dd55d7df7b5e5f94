//! The storage checks that race several tasks against one store: no overselling, one winner
//! per key or claim, no lost update.

use super::*;

/// 200 concurrent checkouts for 50 units: exactly 50 orders, stock 0, never negative.
pub async fn concurrent_checkouts_never_oversell<S: Storage + ?Sized + 'static>(s: Arc<S>) {
    let v = vid(&unique("hot"));
    define(&*s, &v, true, 50).await;
    let prefix = unique("race");
    let tasks = (0..200).map(|i| {
        let s = s.clone();
        let v = v.clone();
        let order = format!("{prefix}-{i:03}");
        tokio::spawn(async move {
            let cs = Changeset {
                docs: vec![doc(DocKind::Order, &order, None, "{}")],
                stock: vec![StockOp::Sell {
                    variant: v,
                    quantity: 1,
                }],
                now: Some(t0()),
                ..Changeset::default()
            };
            s.commit(cs).await
        })
    });
    let results = join_all(tasks).await;
    let (mut placed, mut out) = (0, 0);
    for r in results {
        match r.unwrap_or_else(|e| panic!("task: {e}")) {
            Ok(CommitOutcome::Committed) => placed += 1,
            Err(StorageError::OutOfStock { .. }) => out += 1,
            other => panic!("a checkout must be placed or OutOfStock, got {other:?}"),
        }
    }
    assert_eq!((placed, out), (50, 150), "exactly 50 orders placed");
    let row = level(&*s, &v).await;
    assert_eq!((row.on_hand, row.reserved), (0, 0), "stock ends at 0");
    let mut count = 0;
    let mut after = Some(format!("{prefix}-"));
    loop {
        let page = s
            .list(&ListQuery::new(DocKind::Order, 100).after(after.as_deref()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mine: Vec<_> = page.iter().filter(|d| d.id.starts_with(&prefix)).collect();
        count += mine.len();
        if mine.len() < page.len() || page.len() < 100 {
            break;
        }
        after = page.last().map(|d| d.id.clone());
    }
    assert_eq!(count, 50, "50 order documents");
}

/// Concurrent reservations are guarded the same way.
pub async fn concurrent_reservations_never_oversell<S: Storage + ?Sized + 'static>(s: Arc<S>) {
    let v = vid(&unique("hotres"));
    define(&*s, &v, true, 25).await;
    let tasks = (0..100).map(|_| {
        let s = s.clone();
        let v = v.clone();
        tokio::spawn(async move {
            s.commit(stock(vec![StockOp::Reserve {
                reservation: ReservationId::new(unique("r")).unwrap_or_else(|e| panic!("{e}")),
                variant: v,
                quantity: 1,
                order: OrderId::new(unique("o")).unwrap_or_else(|e| panic!("{e}")),
                expires_at: t0() + Duration::hours(1),
            }]))
            .await
        })
    });
    let ok_count = join_all(tasks)
        .await
        .into_iter()
        .filter(|r| matches!(r, Ok(Ok(CommitOutcome::Committed))))
        .count();
    assert_eq!(ok_count, 25, "exactly the available units are reserved");
    let row = level(&*s, &v).await;
    assert_eq!((row.on_hand, row.reserved), (25, 25));
}

/// 20 concurrent requests with one idempotency key create one order.
pub async fn concurrent_duplicate_keys_create_one_order<S: Storage + ?Sized + 'static>(s: Arc<S>) {
    let key = unique("dupkey");
    let v = vid(&unique("dupv"));
    define(&*s, &v, true, 100).await;
    let prefix = unique("dup");
    let tasks = (0..20).map(|i| {
        let s = s.clone();
        let key = key.clone();
        let v = v.clone();
        let order = format!("{prefix}-{i:02}");
        tokio::spawn(async move {
            let cs = Changeset {
                docs: vec![doc(DocKind::Order, &order, None, "{}")],
                stock: vec![StockOp::Sell {
                    variant: v,
                    quantity: 1,
                }],
                idempotency: Some(IdempotencyRecord::new(
                    "place_order",
                    key,
                    "same",
                    format!(r#"{{"order":"{order}"}}"#),
                    t0(),
                )),
                now: Some(t0()),
                ..Changeset::default()
            };
            s.commit(cs).await
        })
    });
    let mut committed = 0;
    let mut answers = std::collections::BTreeSet::new();
    for r in join_all(tasks).await {
        match r.unwrap_or_else(|e| panic!("task: {e}")) {
            Ok(CommitOutcome::Committed) => committed += 1,
            Ok(CommitOutcome::Replayed(rec)) => {
                answers.insert(rec.response);
            }
            Err(e) => panic!("a duplicate must be Replayed, got {e}"),
        }
    }
    assert_eq!(committed, 1, "exactly one request is applied");
    assert!(
        answers.len() <= 1,
        "every replay returns the same first answer"
    );
    assert_eq!(level(&*s, &v).await.on_hand, 99, "one unit sold");
}

/// Concurrent writes at the same version: exactly one wins.
pub async fn concurrent_writes_conflict<S: Storage + ?Sized + 'static>(s: Arc<S>) {
    let id = unique("hotdoc");
    ok(&*s, one(doc(DocKind::Cart, &id, None, "{}")), "create").await;
    let tasks = (0..20).map(|i| {
        let s = s.clone();
        let id = id.clone();
        tokio::spawn(async move {
            s.commit(one(doc(
                DocKind::Cart,
                &id,
                Some(1),
                &format!(r#"{{"w":{i}}}"#),
            )))
            .await
        })
    });
    let wins = join_all(tasks)
        .await
        .into_iter()
        .filter(|r| matches!(r, Ok(Ok(CommitOutcome::Committed))))
        .count();
    assert_eq!(wins, 1, "one write at version 1 wins, the others conflict");
    let d = s
        .get(DocKind::Cart, &id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.map(|d| d.version), Some(2));
}

/// Every document kind (login throttles too) is stored, read back, and written only at its
/// expected version: of concurrent writes at one version exactly one wins (the engine's
/// compare-and-swap, which login throttling relies on to count attempts one by one).
pub async fn every_kind_is_stored_and_compared<S: Storage + ?Sized + 'static>(s: Arc<S>) {
    for kind in DocKind::ALL {
        let id = unique(kind.as_str());
        ok(&*s, one(doc(kind, &id, None, r#"{"n":0}"#)), "create").await;
        let tasks = (0..10).map(|i| {
            let s = s.clone();
            let id = id.clone();
            tokio::spawn(async move {
                s.commit(one(doc(kind, &id, Some(1), &format!(r#"{{"n":{i}}}"#))))
                    .await
            })
        });
        let wins = join_all(tasks)
            .await
            .into_iter()
            .filter(|r| matches!(r, Ok(Ok(CommitOutcome::Committed))))
            .count();
        assert_eq!(wins, 1, "{kind}: one write at version 1 wins");
        let d = s
            .get(kind, &id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("{kind} stored"));
        assert_eq!((d.kind, d.version), (kind, 2), "{kind}");
    }
}

/// Every read after a commit sees it, by id and by key, from whichever pooled connection
/// serves it (a pool must not keep connections on an old snapshot).
pub async fn reads_see_the_latest_commit<S: Storage + ?Sized + 'static>(s: Arc<S>) {
    let id = unique("fresh");
    let key = format!("k:{id}");
    let write = |version: Option<u64>, body: &str| {
        let mut w = doc(DocKind::Cart, &id, version, body);
        w.keys = vec![key.clone()];
        one(w)
    };
    ok(&*s, write(None, r#"{"n":1}"#), "create").await;
    for round in 1..=3u64 {
        // Many concurrent reads, so every pooled connection serves some.
        let reads = (0..48).map(|i| {
            let (s, id, key) = (s.clone(), id.clone(), key.clone());
            tokio::spawn(async move {
                if i % 2 == 0 {
                    s.get(DocKind::Cart, &id).await
                } else {
                    s.find_by_key(DocKind::Cart, &key).await
                }
            })
        });
        for r in join_all(reads).await {
            let d = r
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                d.map(|d| d.version),
                Some(round),
                "every read sees version {round}"
            );
        }
        ok(
            &*s,
            write(Some(round), &format!(r#"{{"n":{}}}"#, round + 1)),
            "update",
        )
        .await;
    }
}

/// 100 restocks (+1) racing 100 sales (−1) on 100 units end at exactly 100: no lost update.
pub async fn concurrent_restocks_and_sales_lose_nothing<S: Storage + ?Sized + 'static>(s: Arc<S>) {
    let v = vid(&unique("lost"));
    define(&*s, &v, true, 100).await;
    let tasks = (0..200).map(|i| {
        let s = s.clone();
        let v = v.clone();
        tokio::spawn(async move {
            let op = if i % 2 == 0 {
                StockOp::Adjust {
                    variant: v,
                    delta: 1,
                }
            } else {
                StockOp::Sell {
                    variant: v,
                    quantity: 1,
                }
            };
            s.commit(stock(vec![op])).await
        })
    });
    for r in join_all(tasks).await {
        assert!(
            matches!(r, Ok(Ok(CommitOutcome::Committed))),
            "every restock and sale applies: {r:?}"
        );
    }
    assert_eq!(level(&*s, &v).await.on_hand, 100);
}

/// Of twenty concurrent claims of one key, exactly one is granted.
pub async fn concurrent_claims_grant_one<S: Storage + ?Sized + 'static>(s: Arc<S>) {
    let key = unique("claimrace");
    let tasks = (0..20).map(|i| {
        let s = s.clone();
        let key = key.clone();
        tokio::spawn(async move {
            s.claim_idempotency(
                "ship",
                &key,
                &format!("token-{i}"),
                t0(),
                t0() + Duration::minutes(5),
            )
            .await
        })
    });
    let mut granted = 0;
    for r in join_all(tasks).await {
        match r.unwrap_or_else(|e| panic!("task: {e}")) {
            Ok(IdempotencyClaim::Claimed) => granted += 1,
            Ok(IdempotencyClaim::Held { .. }) => {}
            Err(e) => panic!("a concurrent claim must be Claimed or Held, got {e}"),
        }
    }
    assert_eq!(
        granted, 1,
        "exactly one of the concurrent claims holds the key"
    );
}

/// A claim expired; twenty concurrent claims at a later time race to take it over: exactly one
/// is granted (a takeover is as atomic as a first claim), and the others see its expiry.
pub async fn concurrent_takeovers_of_an_expired_claim_grant_one<S: Storage + ?Sized + 'static>(
    s: Arc<S>,
) {
    let key = unique("claimtakeover");
    let first = s
        .claim_idempotency(
            "refund_payment",
            &key,
            "dead",
            t0(),
            t0() + Duration::minutes(1),
        )
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"));
    assert_eq!(first, IdempotencyClaim::Claimed);
    let later = t0() + Duration::minutes(2);
    let until = later + Duration::minutes(1);
    let tasks = (0..20).map(|i| {
        let s = s.clone();
        let key = key.clone();
        tokio::spawn(async move {
            s.claim_idempotency("refund_payment", &key, &format!("token-{i}"), later, until)
                .await
        })
    });
    let mut granted = 0;
    for r in join_all(tasks).await {
        match r.unwrap_or_else(|e| panic!("task: {e}")) {
            Ok(IdempotencyClaim::Claimed) => granted += 1,
            Ok(IdempotencyClaim::Held { expires_at }) => assert_eq!(
                expires_at, until,
                "the losers see the new holder's claim, not the expired one"
            ),
            Err(e) => panic!("a concurrent takeover must be Claimed or Held, got {e}"),
        }
    }
    assert_eq!(
        granted, 1,
        "exactly one of the concurrent takeovers holds the key"
    );
    // The dead holder's token no longer releases the key.
    s.release_idempotency("refund_payment", &key, "dead")
        .await
        .unwrap_or_else(|e| panic!("release: {e}"));
    assert!(matches!(
        s.claim_idempotency("refund_payment", &key, "late", later, until)
            .await
            .unwrap_or_else(|e| panic!("claim: {e}")),
        IdempotencyClaim::Held { .. }
    ));
}
