//! Housekeeping: the purge deletes expired sessions and old done marks after their retention
//! ages and keeps the rest; leases let one process at a time run a background task, and lapse
//! when their holder dies.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

use std::sync::Arc;
use tijara::Retention;
use tijara::usecases::accounts::{NewAccount, Role, hash_password};
use tijara_core::Lang;
use tijara_core::chrono::Duration;
use tijara_testkit::stubs::StubGateway;

#[tokio::test]
async fn the_purge_deletes_expired_sessions_and_old_marks_only() {
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::cash_on_delivery())).await;
    let e = &t.engine;
    let mut accounts = Vec::new();
    for who in ["a", "b"] {
        let account = e
            .accounts()
            .create_account(
                NewAccount::new(
                    format!("{who}@example.ma"),
                    who,
                    hash_password("a long password 2026").unwrap(),
                    Role::Customer,
                    Lang::FR,
                ),
                None,
            )
            .await
            .unwrap();
        accounts.push(account.id);
    }
    let short = e
        .sessions()
        .open_session(
            &accounts[0],
            "token-short-0123456789",
            "csrf-0123456789abcdef",
            Duration::hours(1),
        )
        .await
        .unwrap();
    let long = e
        .sessions()
        .open_session(
            &accounts[1],
            "token-long-0123456789a",
            "csrf-0123456789abcdef",
            Duration::days(30),
        )
        .await
        .unwrap();
    assert!(
        e.operations()
            .record_done("test", "old-mark")
            .await
            .unwrap()
    );
    // Nothing is old yet.
    let r = e
        .operations()
        .purge(&Retention::default(), 1)
        .await
        .unwrap();
    assert_eq!((r.sessions, r.done), (0, 0), "{r:?}");
    // 9 days on: the 1-hour session expired more than 7 days ago, the 30-day one lives.
    t.clock.advance(Duration::days(9));
    assert!(
        e.operations()
            .record_done("test", "young-mark")
            .await
            .unwrap()
    );
    let r = e
        .operations()
        .purge(&Retention::default(), 1)
        .await
        .unwrap();
    assert_eq!(r.sessions, 1, "{r:?}");
    let stored = |id: String| async move {
        e.storage()
            .get(tijara::ports::storage::DocKind::Session, &id)
            .await
            .unwrap()
            .is_some()
    };
    assert!(
        !stored(short.id.clone()).await,
        "the expired session is gone"
    );
    assert!(stored(long.id.clone()).await, "the live session is kept");
    assert!(e.operations().is_done("test", "old-mark").await.unwrap());
    // 91 days after the first mark: it goes, the younger one stays; the 30-day session,
    // expired 61 days ago, goes too.
    t.clock.advance(Duration::days(82));
    let r = e
        .operations()
        .purge(&Retention::default(), 1)
        .await
        .unwrap();
    assert_eq!((r.done, r.sessions), (1, 1), "{r:?}");
    assert!(!stored(long.id.clone()).await);
    assert!(!e.operations().is_done("test", "old-mark").await.unwrap());
    assert!(e.operations().is_done("test", "young-mark").await.unwrap());
    // Shorter ages: everything old enough goes, in batches of one.
    let r = e.operations().purge(&Retention::days(1), 1).await.unwrap();
    assert!(r.done >= 1, "{r:?}");
    assert!(!e.operations().is_done("test", "young-mark").await.unwrap());
}

#[tokio::test]
async fn a_lease_goes_to_one_holder_until_released_or_expired() {
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::cash_on_delivery())).await;
    let ops = t.engine.operations();
    let ttl = Duration::minutes(2);
    assert!(ops.acquire_lease("dispatch", "proc-a", ttl).await.unwrap());
    assert!(!ops.acquire_lease("dispatch", "proc-b", ttl).await.unwrap());
    assert!(
        !ops.acquire_lease("dispatch", "proc-a", ttl).await.unwrap(),
        "not twice"
    );
    assert!(
        ops.acquire_lease("purge", "proc-b", ttl).await.unwrap(),
        "another task"
    );
    // Only its holder releases it.
    ops.release_lease("dispatch", "proc-b").await.unwrap();
    assert!(!ops.acquire_lease("dispatch", "proc-b", ttl).await.unwrap());
    ops.release_lease("dispatch", "proc-a").await.unwrap();
    assert!(ops.acquire_lease("dispatch", "proc-b", ttl).await.unwrap());
    // proc-b dies holding it: the lease lapses.
    t.clock.advance(Duration::minutes(3));
    assert!(ops.acquire_lease("dispatch", "proc-c", ttl).await.unwrap());
}
