//! Accounts, sessions, login throttling, seller applications and payout records, on the memory
//! store with a fixed clock.

mod common;

use chrono::Duration;
use common::*;
use std::sync::Arc;
use tijara::EngineConfig;
use tijara::TijaraError;
use tijara::usecases::accounts::{
    FREE_FAILURES_ACCOUNT_ADDRESS, LoginAttempt, NewAccount, Role, hash_password, verify_password,
};
use tijara_core::catalog::SellerKind;
use tijara_core::{Lang, MemberId};

fn new_account(email: &str, role: Role) -> NewAccount {
    NewAccount {
        email: email.into(),
        name: "Fatima Zahra".into(),
        password_hash: hash_password("tajine-2026").expect("hash"),
        role,
        lang: Lang::Ar,
    }
}

#[tokio::test]
async fn an_email_has_one_account_whatever_its_case() {
    let m = market();
    let a = m
        .engine
        .create_account(new_account(" Fatima@Example.MA", Role::Customer), None)
        .await
        .expect("account");
    assert_eq!(a.email, "fatima@example.ma");
    let err = m
        .engine
        .create_account(new_account("FATIMA@example.ma", Role::Customer), None)
        .await
        .expect_err("taken");
    assert!(err.to_string().contains("already has an account"), "{err}");
    let found = m
        .engine
        .account_by_email("fatima@EXAMPLE.ma")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found.id, a.id);
    assert!(
        !format!("{found:?}").contains("argon2"),
        "hash not in Debug"
    );
    assert!(
        m.engine
            .create_account(new_account("not-an-email", Role::Customer), None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_member_login_must_name_a_member_of_its_seller() {
    let m = market();
    let c = catalog(&m).await;
    let seller = m.engine.seller(&c.a).await.expect("seller");
    let err = m
        .engine
        .create_account(
            new_account(
                "x@example.ma",
                Role::Seller {
                    seller_id: c.a.clone(),
                    member: Some(MemberId::new("nobody").expect("id")),
                },
            ),
            None,
        )
        .await
        .expect_err("not a member");
    assert!(matches!(err, TijaraError::Invalid(_)), "{err}");
    if let Some(member) = seller.members.first() {
        let a = m
            .engine
            .create_account(
                new_account(
                    "member@example.ma",
                    Role::Seller {
                        seller_id: c.a.clone(),
                        member: Some(member.id.clone()),
                    },
                ),
                None,
            )
            .await
            .expect("member account");
        assert_eq!(a.seller_id(), Some(&c.a));
    }
}

#[tokio::test]
async fn sessions_expire_and_log_out() {
    let m = market();
    let a = m
        .engine
        .create_account(new_account("s@example.ma", Role::Customer), None)
        .await
        .expect("account");
    let token = "0123456789abcdef0123456789abcdef";
    let s = m
        .engine
        .open_session(&a.id, token, "csrf-csrf-csrf-csrf", Duration::hours(1))
        .await
        .expect("session");
    assert_ne!(s.id, token, "only the token's hash is stored");
    let (live, acc) = m.engine.session(token).await.expect("read").expect("live");
    assert_eq!(acc.id, a.id);
    assert_eq!(live.csrf, "csrf-csrf-csrf-csrf");
    assert!(
        m.engine
            .session("another-token-xxxxxxxx")
            .await
            .expect("read")
            .is_none()
    );

    m.clock.advance(Duration::minutes(61));
    assert!(
        m.engine.session(token).await.expect("read").is_none(),
        "expired"
    );

    let token2 = "fedcba9876543210fedcba9876543210";
    m.engine
        .open_session(&a.id, token2, "csrf-csrf-csrf-csrf", Duration::hours(1))
        .await
        .expect("session");
    m.engine.close_session(token2).await.expect("logout");
    assert!(
        m.engine.session(token2).await.expect("read").is_none(),
        "logged out"
    );
    m.engine.close_session(token2).await.expect("twice is fine");
    assert!(
        m.engine
            .open_session(&a.id, "short", "csrf-csrf-csrf-csrf", Duration::hours(1))
            .await
            .is_err()
    );
}

/// One login from `client`: reserved, checked and finished.
async fn login(
    m: &Market,
    email: &str,
    password: &str,
    client: &str,
) -> Result<tijara::usecases::accounts::Account, TijaraError> {
    let attempt = m.engine.begin_login(email, Some(client)).await?;
    let ok = attempt.check_password(&m.engine.hash_permit()?, password);
    m.engine.finish_login(attempt, ok).await
}

/// The wait of a throttled refusal (`None` for any other answer).
fn throttled<T>(r: Result<T, TijaraError>) -> Option<u64> {
    match r {
        Err(TijaraError::LoginThrottled { retry_after_secs }) => Some(retry_after_secs),
        _ => None,
    }
}

#[tokio::test]
async fn failures_from_one_address_slow_that_address_down_not_the_owner() {
    let m = market();
    m.engine
        .create_account(new_account("l@example.ma", Role::Admin), None)
        .await
        .expect("account");
    let attacker = "203.0.113.9";
    for _ in 0..FREE_FAILURES_ACCOUNT_ADDRESS {
        assert!(matches!(
            login(&m, "l@example.ma", "guess-guess", attacker).await,
            Err(TijaraError::BadCredentials)
        ));
    }
    // The next try from there waits 2 s, even with the right password...
    assert_eq!(
        throttled(login(&m, "l@example.ma", "tajine-2026", attacker).await),
        Some(2)
    );
    // ...but the owner, elsewhere, logs in.
    let acc = login(&m, "l@example.ma", "tajine-2026", "198.51.100.7")
        .await
        .expect("owner logs in");
    assert!(verify_password("tajine-2026", &acc.password_hash));
    // The delays grow: 2 s, then 4 s, then 8 s...
    m.clock.advance(Duration::seconds(2));
    assert!(matches!(
        login(&m, "l@example.ma", "guess-guess", attacker).await,
        Err(TijaraError::BadCredentials)
    ));
    assert_eq!(
        throttled(login(&m, "l@example.ma", "guess-guess", attacker).await),
        Some(4)
    );
    // An IPv6 attacker counts by their /64 network.
    for i in 0..FREE_FAILURES_ACCOUNT_ADDRESS {
        let _ = login(&m, "l@example.ma", "guess", &format!("2001:db8:1:2::{i}")).await;
    }
    assert!(throttled(login(&m, "l@example.ma", "guess", "2001:db8:1:2::ffff").await).is_some());
    // After an hour without failures, they are forgotten.
    m.clock.advance(Duration::minutes(61));
    login(&m, "l@example.ma", "tajine-2026", attacker)
        .await
        .expect("forgotten");
    // Unknown e-mails are answered and throttled like known ones.
    for _ in 0..FREE_FAILURES_ACCOUNT_ADDRESS {
        assert!(matches!(
            login(&m, "nobody@example.ma", "x", attacker).await,
            Err(TijaraError::BadCredentials)
        ));
    }
    assert!(throttled(login(&m, "nobody@example.ma", "x", attacker).await).is_some());
}

#[tokio::test]
async fn a_success_clears_the_count_of_its_address() {
    let m = market();
    m.engine
        .create_account(new_account("w@example.ma", Role::Customer), None)
        .await
        .expect("account");
    for _ in 0..FREE_FAILURES_ACCOUNT_ADDRESS - 1 {
        let _ = login(&m, "w@example.ma", "nope", "192.0.2.1").await;
    }
    login(&m, "w@example.ma", "tajine-2026", "192.0.2.1")
        .await
        .expect("right");
    for _ in 0..FREE_FAILURES_ACCOUNT_ADDRESS - 1 {
        assert!(matches!(
            login(&m, "w@example.ma", "nope", "192.0.2.1").await,
            Err(TijaraError::BadCredentials)
        ));
    }
}

#[tokio::test]
async fn attempts_sent_together_are_reserved_before_any_password_is_checked() {
    let m = market();
    m.engine
        .create_account(new_account("r@example.ma", Role::Customer), None)
        .await
        .expect("account");
    let tries = (0..40).map(|_| {
        let engine = m.engine.clone();
        tokio::spawn(async move { engine.begin_login("r@example.ma", Some("192.0.2.7")).await })
    });
    let mut reserved: Vec<LoginAttempt> = Vec::new();
    for t in tries.collect::<Vec<_>>() {
        match t.await.expect("task") {
            Ok(a) => reserved.push(a),
            Err(TijaraError::LoginThrottled { .. }) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(reserved.len(), FREE_FAILURES_ACCOUNT_ADDRESS as usize);
}

#[tokio::test]
async fn a_right_password_sent_with_wrong_ones_does_not_win() {
    let m = market();
    m.engine
        .create_account(
            new_account(
                "t@example.ma",
                Role::Seller {
                    seller_id: {
                        let s = m
                            .engine
                            .create_seller(seller_input("Atelier", SellerKind::Artisan), None)
                            .await
                            .expect("seller");
                        s.id
                    },
                    member: None,
                },
            ),
            None,
        )
        .await
        .expect("account");
    // The right password's attempt is reserved first, then thirty wrong ones arrive while it
    // is being checked.
    let right = m
        .engine
        .begin_login("t@example.ma", Some("192.0.2.8"))
        .await
        .expect("reserved");
    let mut wrong = Vec::new();
    for _ in 0..30 {
        if let Ok(a) = m
            .engine
            .begin_login("t@example.ma", Some("192.0.2.8"))
            .await
        {
            let ok = a.check_password(&m.engine.hash_permit().expect("slot"), "nope");
            wrong.push(m.engine.finish_login(a, ok).await);
        }
    }
    assert_eq!(wrong.len(), FREE_FAILURES_ACCOUNT_ADDRESS as usize - 1);
    assert!(right.check_password(&m.engine.hash_permit().expect("slot"), "tajine-2026"));
    assert!(throttled(m.engine.finish_login(right, true).await).is_some());
}

#[tokio::test]
async fn password_hashing_takes_a_bounded_number_of_slots() {
    let m = market_with(
        Arc::new(tijara_store_memory::MemoryStore::new()),
        EngineConfig {
            max_concurrent_hashes: 2,
            ..EngineConfig::default()
        },
    );
    let attempt = m
        .engine
        .begin_login("x@example.ma", Some("192.0.2.9"))
        .await
        .expect("reserved");
    let a = m.engine.hash_permit().expect("1");
    let b = m.engine.hash_permit().expect("2");
    assert!(matches!(
        m.engine.hash_permit(),
        Err(TijaraError::Busy {
            retry_after_secs: 1
        })
    ));
    assert_eq!(m.engine.hash_gate().in_flight(), 2);
    drop(b);
    let c = m.engine.hash_permit().expect("freed");
    assert!(!attempt.check_password(&c, "anything"));
    drop((a, c));
    assert_eq!(m.engine.hash_gate().in_flight(), 0);
    assert_eq!(m.engine.hash_gate().peak(), 2);
}

#[tokio::test]
async fn sessions_end_when_unused_on_a_new_login_and_on_a_password_change() {
    let m = market();
    let shopper = m
        .engine
        .create_account(new_account("c@example.ma", Role::Customer), None)
        .await
        .expect("account");
    let admin = m
        .engine
        .create_account(new_account("a@example.ma", Role::Admin), None)
        .await
        .expect("account");
    let (t1, t2, t3) = (
        "1111111111111111111111111111111a",
        "2222222222222222222222222222222b",
        "3333333333333333333333333333333c",
    );
    let csrf = "csrf-csrf-csrf-csrf";
    m.engine
        .open_session(&shopper.id, t1, csrf, Duration::days(7))
        .await
        .expect("open");
    m.engine
        .open_session(&admin.id, t2, csrf, Duration::days(7))
        .await
        .expect("open");
    // Used within its idle limit, a shopper's session lives on, past the first two hours.
    m.clock.advance(Duration::minutes(100));
    assert!(m.engine.session(t1).await.expect("read").is_some());
    m.clock.advance(Duration::minutes(100));
    assert!(m.engine.session(t1).await.expect("read").is_some());
    // An admin's, unused for 30 minutes, is over; a shopper's after two hours.
    assert!(m.engine.session(t2).await.expect("read").is_none());
    m.clock.advance(Duration::minutes(121));
    assert!(m.engine.session(t1).await.expect("read").is_none());
    // Logging in again ends the other sessions.
    let t4 = "4444444444444444444444444444444d";
    m.engine
        .open_session(&shopper.id, t4, csrf, Duration::days(7))
        .await
        .expect("open");
    m.engine
        .open_session(&shopper.id, t3, csrf, Duration::days(7))
        .await
        .expect("open");
    assert!(m.engine.session(t4).await.expect("read").is_none());
    assert!(m.engine.session(t3).await.expect("read").is_some());
    // A new password ends them all.
    m.engine
        .set_password(&shopper.id, &hash_password("couscous-2027").expect("hash"))
        .await
        .expect("set");
    assert!(m.engine.session(t3).await.expect("read").is_none());
    // The absolute lifetime holds whatever the use.
    let t5 = "5555555555555555555555555555555e";
    m.engine
        .open_session(&shopper.id, t5, csrf, Duration::hours(3))
        .await
        .expect("open");
    for _ in 0..3 {
        m.clock.advance(Duration::minutes(50));
        assert!(m.engine.session(t5).await.expect("read").is_some());
    }
    m.clock.advance(Duration::minutes(50));
    assert!(m.engine.session(t5).await.expect("read").is_none());
}

#[tokio::test]
async fn an_applying_seller_waits_for_approval() {
    let m = market();
    let s = m
        .engine
        .apply_as_seller(
            seller_input("Coopérative Tiznit", SellerKind::Cooperative),
            None,
        )
        .await
        .expect("application");
    assert!(!s.active);
    let s = m
        .engine
        .set_seller_active(&s.id, true, None)
        .await
        .expect("approval");
    assert!(s.active);
}

#[tokio::test]
async fn payouts_are_recorded_once_per_reference() {
    let m = market();
    let c = catalog(&m).await;
    let period = (t0() - Duration::days(30), t0());
    let p = m
        .engine
        .record_payout(&c.a, mad("812.40"), "VIR-2026-11-001", period)
        .await
        .expect("payout");
    let again = m
        .engine
        .record_payout(&c.a, mad("812.40"), "VIR-2026-11-001", period)
        .await
        .expect("repeat");
    assert_eq!(p, again);
    // The bank reference is the payout's idempotency key: another amount under it is refused.
    assert!(matches!(
        m.engine
            .record_payout(&c.a, mad("812.41"), "VIR-2026-11-001", period)
            .await,
        Err(TijaraError::IdempotencyMismatch { .. })
    ));
    let page = m.engine.payouts(&c.a, None, 10).await.expect("list");
    assert_eq!(page.items, vec![p]);
    assert!(
        m.engine
            .payouts(&c.b, None, 10)
            .await
            .expect("list")
            .items
            .is_empty()
    );
    for (amount, reference) in [("0", "X"), ("-1", "Y"), ("10", " ")] {
        assert!(
            m.engine
                .record_payout(&c.a, mad(amount), reference, period)
                .await
                .is_err(),
            "{amount} {reference:?}"
        );
    }
    let events = m
        .engine
        .storage()
        .pending_events(100)
        .await
        .expect("events");
    assert_eq!(
        events.iter().filter(|e| e.kind == "payout.paid").count(),
        1,
        "one event for the one payout"
    );
}
