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
    NewAccount::new(
        email,
        "Fatima Zahra",
        hash_password("tajine-2026").expect("hash"),
        role,
        Lang::AR,
    )
}

#[tokio::test]
async fn an_email_has_one_account_whatever_its_case() {
    let m = market();
    let a = m
        .engine
        .accounts()
        .create_account(new_account(" Fatima@Example.MA", Role::Customer), None)
        .await
        .expect("account");
    assert_eq!(a.email, "fatima@example.ma");
    let err = m
        .engine
        .accounts()
        .create_account(new_account("FATIMA@example.ma", Role::Customer), None)
        .await
        .expect_err("taken");
    assert!(
        matches!(&err, TijaraError::EmailTaken { email } if email == "fatima@example.ma"),
        "{err}"
    );
    let found = m
        .engine
        .accounts()
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
            .accounts()
            .create_account(new_account("not-an-email", Role::Customer), None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_member_login_must_name_a_member_of_its_seller() {
    let m = market();
    let c = catalog(&m).await;
    let seller = m.engine.catalog().seller(&c.a).await.expect("seller");
    let err = m
        .engine
        .accounts()
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
    assert!(
        matches!(&err, TijaraError::NotAMember { member, seller }
            if member.as_str() == "nobody" && seller == &c.a),
        "{err}"
    );
    if let Some(member) = seller.members.first() {
        let a = m
            .engine
            .accounts()
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
        .accounts()
        .create_account(new_account("s@example.ma", Role::Customer), None)
        .await
        .expect("account");
    let token = "0123456789abcdef0123456789abcdef";
    let s = m
        .engine
        .sessions()
        .open_session(&a.id, token, "csrf-csrf-csrf-csrf", Duration::hours(1))
        .await
        .expect("session");
    assert_ne!(s.id, token, "only the token's hash is stored");
    let (live, acc) = m
        .engine
        .sessions()
        .session(token)
        .await
        .expect("read")
        .expect("live");
    assert_eq!(acc.id, a.id);
    assert_eq!(live.csrf, "csrf-csrf-csrf-csrf");
    assert!(
        m.engine
            .sessions()
            .session("another-token-xxxxxxxx")
            .await
            .expect("read")
            .is_none()
    );

    m.clock.advance(Duration::minutes(61));
    assert!(
        m.engine
            .sessions()
            .session(token)
            .await
            .expect("read")
            .is_none(),
        "expired"
    );

    let token2 = "fedcba9876543210fedcba9876543210";
    m.engine
        .sessions()
        .open_session(&a.id, token2, "csrf-csrf-csrf-csrf", Duration::hours(1))
        .await
        .expect("session");
    m.engine
        .sessions()
        .close_session(token2)
        .await
        .expect("logout");
    assert!(
        m.engine
            .sessions()
            .session(token2)
            .await
            .expect("read")
            .is_none(),
        "logged out"
    );
    m.engine
        .sessions()
        .close_session(token2)
        .await
        .expect("twice is fine");
    assert!(
        m.engine
            .sessions()
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
    let attempt = m.engine.sessions().begin_login(email, Some(client)).await?;
    let ok = attempt.check_password(&m.engine.accounts().hash_permit()?, password);
    m.engine.sessions().finish_login(attempt, ok).await
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
        .accounts()
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
        .accounts()
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
        .accounts()
        .create_account(new_account("r@example.ma", Role::Customer), None)
        .await
        .expect("account");
    let tries = (0..40).map(|_| {
        let engine = m.engine.clone();
        tokio::spawn(async move {
            engine
                .sessions()
                .begin_login("r@example.ma", Some("192.0.2.7"))
                .await
        })
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
        .accounts()
        .create_account(
            new_account(
                "t@example.ma",
                Role::Seller {
                    seller_id: {
                        let s = m
                            .engine
                            .catalog()
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
        .sessions()
        .begin_login("t@example.ma", Some("192.0.2.8"))
        .await
        .expect("reserved");
    let mut wrong = Vec::new();
    for _ in 0..30 {
        if let Ok(a) = m
            .engine
            .sessions()
            .begin_login("t@example.ma", Some("192.0.2.8"))
            .await
        {
            let ok = a.check_password(&m.engine.accounts().hash_permit().expect("slot"), "nope");
            wrong.push(m.engine.sessions().finish_login(a, ok).await);
        }
    }
    assert_eq!(wrong.len(), FREE_FAILURES_ACCOUNT_ADDRESS as usize - 1);
    assert!(right.check_password(
        &m.engine.accounts().hash_permit().expect("slot"),
        "tajine-2026"
    ));
    assert!(throttled(m.engine.sessions().finish_login(right, true).await).is_some());
}

#[tokio::test]
async fn password_hashing_takes_a_bounded_number_of_slots() {
    let m = market_with(
        Arc::new(tijara_store_memory::MemoryStore::new()),
        EngineConfig::default().with_max_concurrent_hashes(2),
    );
    let attempt = m
        .engine
        .sessions()
        .begin_login("x@example.ma", Some("192.0.2.9"))
        .await
        .expect("reserved");
    let a = m.engine.accounts().hash_permit().expect("1");
    let b = m.engine.accounts().hash_permit().expect("2");
    assert!(matches!(
        m.engine.accounts().hash_permit(),
        Err(TijaraError::Busy {
            retry_after_secs: 1
        })
    ));
    assert_eq!(m.engine.accounts().hash_gate().in_flight(), 2);
    drop(b);
    let c = m.engine.accounts().hash_permit().expect("freed");
    assert!(!attempt.check_password(&c, "anything"));
    drop((a, c));
    assert_eq!(m.engine.accounts().hash_gate().in_flight(), 0);
    assert_eq!(m.engine.accounts().hash_gate().peak(), 2);
}

#[tokio::test]
async fn sessions_end_when_unused_on_a_new_login_and_on_a_password_change() {
    let m = market();
    let shopper = m
        .engine
        .accounts()
        .create_account(new_account("c@example.ma", Role::Customer), None)
        .await
        .expect("account");
    let admin = m
        .engine
        .accounts()
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
        .sessions()
        .open_session(&shopper.id, t1, csrf, Duration::days(7))
        .await
        .expect("open");
    m.engine
        .sessions()
        .open_session(&admin.id, t2, csrf, Duration::days(7))
        .await
        .expect("open");
    // Used within its idle limit, a shopper's session lives on, past the first two hours.
    m.clock.advance(Duration::minutes(100));
    assert!(
        m.engine
            .sessions()
            .session(t1)
            .await
            .expect("read")
            .is_some()
    );
    m.clock.advance(Duration::minutes(100));
    assert!(
        m.engine
            .sessions()
            .session(t1)
            .await
            .expect("read")
            .is_some()
    );
    // An admin's, unused for 30 minutes, is over; a shopper's after two hours.
    assert!(
        m.engine
            .sessions()
            .session(t2)
            .await
            .expect("read")
            .is_none()
    );
    m.clock.advance(Duration::minutes(121));
    assert!(
        m.engine
            .sessions()
            .session(t1)
            .await
            .expect("read")
            .is_none()
    );
    // Logging in again ends the other sessions.
    let t4 = "4444444444444444444444444444444d";
    m.engine
        .sessions()
        .open_session(&shopper.id, t4, csrf, Duration::days(7))
        .await
        .expect("open");
    m.engine
        .sessions()
        .open_session(&shopper.id, t3, csrf, Duration::days(7))
        .await
        .expect("open");
    assert!(
        m.engine
            .sessions()
            .session(t4)
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        m.engine
            .sessions()
            .session(t3)
            .await
            .expect("read")
            .is_some()
    );
    // A new password ends them all.
    m.engine
        .accounts()
        .set_password(&shopper.id, &hash_password("couscous-2027").expect("hash"))
        .await
        .expect("set");
    assert!(
        m.engine
            .sessions()
            .session(t3)
            .await
            .expect("read")
            .is_none()
    );
    // The absolute lifetime holds whatever the use.
    let t5 = "5555555555555555555555555555555e";
    m.engine
        .sessions()
        .open_session(&shopper.id, t5, csrf, Duration::hours(3))
        .await
        .expect("open");
    for _ in 0..3 {
        m.clock.advance(Duration::minutes(50));
        assert!(
            m.engine
                .sessions()
                .session(t5)
                .await
                .expect("read")
                .is_some()
        );
    }
    m.clock.advance(Duration::minutes(50));
    assert!(
        m.engine
            .sessions()
            .session(t5)
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn an_applying_seller_waits_for_approval() {
    let m = market();
    let s = m
        .engine
        .accounts()
        .apply_as_seller(
            seller_input("Coopérative Tiznit", SellerKind::Cooperative),
            None,
        )
        .await
        .expect("application");
    assert!(!s.active);
    let s = m
        .engine
        .catalog()
        .set_seller_active(&s.id, true, None)
        .await
        .expect("approval");
    assert!(s.active);
}

#[tokio::test]
async fn a_seller_and_its_login_are_stored_together_or_not_at_all() {
    let m = market();
    let sellers = || async {
        m.engine
            .catalog()
            .list_sellers(None, 100)
            .await
            .expect("sellers")
            .items
            .len()
    };
    let before = sellers().await;
    let (s, a) = m
        .engine
        .accounts()
        .apply_as_seller_with_login(
            seller_input("Coopérative Tiznit", SellerKind::Cooperative),
            new_account("coop@example.ma", Role::Customer),
            None,
        )
        .await
        .expect("application");
    assert!(!s.active, "waits for approval");
    assert_eq!(
        a.seller_id(),
        Some(&s.id),
        "the login is the new seller's, whatever asked"
    );
    assert_eq!(sellers().await, before + 1);
    // The same e-mail again (two tabs at once): refused, and no second shop is left behind.
    let err = m
        .engine
        .accounts()
        .apply_as_seller_with_login(
            seller_input("Coopérative Tiznit 2", SellerKind::Cooperative),
            new_account("COOP@example.ma", Role::Customer),
            None,
        )
        .await
        .expect_err("taken");
    assert!(matches!(err, TijaraError::EmailTaken { .. }), "{err:?}");
    assert_eq!(sellers().await, before + 1, "nothing written");
    // A login refused before anything is written (no name): no shop either.
    let mut nameless = new_account("other@example.ma", Role::Customer);
    nameless.name = " ".into();
    assert!(
        m.engine
            .accounts()
            .apply_as_seller_with_login(
                seller_input("Atelier", SellerKind::Artisan),
                nameless,
                None
            )
            .await
            .is_err()
    );
    assert_eq!(sellers().await, before + 1);
}

#[tokio::test]
async fn payouts_are_recorded_once_per_reference() {
    let m = market();
    let c = catalog(&m).await;
    let period = (t0() - Duration::days(30), t0());
    // Payouts need a bank account on file.
    let mut input = tijara::usecases::catalog::SellerInput::from(
        m.engine.catalog().seller(&c.a).await.expect("seller"),
    );
    input.legal.rib = Some("011780000012345678901234".into());
    m.engine
        .catalog()
        .update_seller(&c.a, input, None)
        .await
        .expect("rib");
    let p = m
        .engine
        .payouts()
        .record_payout(&c.a, mad("812.40"), "VIR-2026-11-001", period)
        .await
        .expect("payout");
    let again = m
        .engine
        .payouts()
        .record_payout(&c.a, mad("812.40"), "VIR-2026-11-001", period)
        .await
        .expect("repeat");
    assert_eq!(p, again);
    // The bank reference is the payout's idempotency key: another amount under it is refused.
    assert!(matches!(
        m.engine
            .payouts()
            .record_payout(&c.a, mad("812.41"), "VIR-2026-11-001", period)
            .await,
        Err(TijaraError::IdempotencyMismatch { .. })
    ));
    let page = m
        .engine
        .payouts()
        .payouts(&c.a, None, 10)
        .await
        .expect("list");
    assert_eq!(page.items, vec![p]);
    assert!(
        m.engine
            .payouts()
            .payouts(&c.b, None, 10)
            .await
            .expect("list")
            .items
            .is_empty()
    );
    for (amount, reference) in [("0", "X"), ("-1", "Y"), ("10", " ")] {
        assert!(
            m.engine
                .payouts()
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

#[tokio::test]
async fn the_owner_logs_in_from_a_known_address_while_the_account_is_throttled() {
    let m = market();
    m.engine
        .accounts()
        .create_account(new_account("owner@example.ma", Role::Admin), None)
        .await
        .expect("account");
    login(&m, "owner@example.ma", "tajine-2026", "192.0.2.10")
        .await
        .expect("the owner's usual address");
    // Eleven addresses, five wrong passwords each: past the account-wide free failures.
    for a in 0..11 {
        for _ in 0..FREE_FAILURES_ACCOUNT_ADDRESS {
            let _ = login(&m, "owner@example.ma", "guess", &format!("203.0.113.{a}")).await;
        }
    }
    // A new address is refused by the account-wide throttle, even with the right password...
    assert!(
        throttled(login(&m, "owner@example.ma", "tajine-2026", "198.51.100.99").await).is_some()
    );
    // ...but the address the owner logged in from before is let through.
    login(&m, "owner@example.ma", "tajine-2026", "192.0.2.10")
        .await
        .expect("the owner is not locked out");
    // It still faces its own throttle.
    for _ in 0..FREE_FAILURES_ACCOUNT_ADDRESS {
        let _ = login(&m, "owner@example.ma", "guess", "192.0.2.10").await;
    }
    assert!(throttled(login(&m, "owner@example.ma", "tajine-2026", "192.0.2.10").await).is_some());
}

#[tokio::test]
async fn an_attempt_given_back_for_lack_of_a_hashing_slot_is_no_failure() {
    let m = market();
    m.engine
        .accounts()
        .create_account(new_account("busy@example.ma", Role::Customer), None)
        .await
        .expect("account");
    for _ in 0..3 * FREE_FAILURES_ACCOUNT_ADDRESS {
        let attempt = m
            .engine
            .sessions()
            .begin_login("busy@example.ma", Some("192.0.2.5"))
            .await
            .expect("reserved");
        m.engine
            .sessions()
            .release_login(attempt)
            .await
            .expect("given back");
    }
    login(&m, "busy@example.ma", "tajine-2026", "192.0.2.5")
        .await
        .expect("not throttled by attempts never checked");
}

#[tokio::test]
async fn sign_ups_are_checked_before_hashing_and_throttled_per_address() {
    let m = market();
    m.engine
        .accounts()
        .create_account(new_account("taken@example.ma", Role::Customer), None)
        .await
        .expect("account");
    assert!(matches!(
        m.engine
            .accounts()
            .begin_signup("not-an-email", Some("192.0.2.7"))
            .await,
        Err(TijaraError::BadEmail { .. })
    ));
    assert!(matches!(
        m.engine
            .accounts().begin_signup("Taken@example.ma", Some("192.0.2.7"))
            .await,
        Err(TijaraError::EmailTaken { email }) if email == "taken@example.ma"
    ));
    for i in 0..tijara::usecases::accounts::FREE_SIGNUPS_ADDRESS {
        assert_eq!(
            m.engine
                .accounts()
                .begin_signup(&format!("New{i}@example.ma"), Some("192.0.2.7"))
                .await
                .expect("counted"),
            format!("new{i}@example.ma")
        );
    }
    assert!(
        throttled(
            m.engine
                .accounts()
                .begin_signup("more@example.ma", Some("192.0.2.7"))
                .await
        )
        .is_some()
    );
    // IPv6 sign-ups count by /48: another /64 of the same network waits too.
    for i in 0..tijara::usecases::accounts::FREE_SIGNUPS_ADDRESS {
        let _ = m
            .engine
            .accounts()
            .begin_signup(
                &format!("v6-{i}@example.ma"),
                Some(&format!("2001:db8:5:{i}::1")),
            )
            .await;
    }
    assert!(
        throttled(
            m.engine
                .accounts()
                .begin_signup("v6@example.ma", Some("2001:db8:5:ff::1"))
                .await
        )
        .is_some()
    );
    m.engine
        .accounts()
        .begin_signup("else@example.ma", Some("192.0.2.8"))
        .await
        .expect("another address");
}

async fn throttle_docs(store: &tijara_store_memory::MemoryStore) -> usize {
    use tijara::ports::storage::{DocKind, ListQuery, Storage};
    store
        .list(&ListQuery::new(DocKind::Throttle, 1000))
        .await
        .expect("list")
        .len()
}

#[tokio::test]
async fn refused_attempts_create_no_throttles_and_old_ones_are_purged() {
    let store = Arc::new(tijara_store_memory::MemoryStore::new());
    let m = market_on(store.clone());
    m.engine
        .accounts()
        .create_account(new_account("kept@example.ma", Role::Customer), None)
        .await
        .expect("account");
    login(&m, "kept@example.ma", "tajine-2026", "192.0.2.1")
        .await
        .expect("login");
    // One address tries random e-mails until it is throttled...
    for i in 0..20 {
        let _ = login(&m, &format!("r{i}@example.ma"), "x", "203.0.113.5").await;
    }
    let before = throttle_docs(&store).await;
    // ...then keeps trying new ones: refused, and nothing new is stored.
    for i in 20..60 {
        assert!(
            throttled(login(&m, &format!("r{i}@example.ma"), "x", "203.0.113.5").await).is_some()
        );
    }
    assert_eq!(throttle_docs(&store).await, before);
    // Nothing is purged while it matters.
    let (deleted, _) = m
        .engine
        .sessions()
        .purge_login_throttles(None, 1000)
        .await
        .expect("purge");
    assert_eq!(deleted, 0);
    // An hour later, all but the known address of the account are purged, a page at a time.
    m.clock.advance(Duration::minutes(61));
    let mut after: Option<String> = None;
    let mut total = 0;
    loop {
        let (deleted, next) = m
            .engine
            .sessions()
            .purge_login_throttles(after.as_deref(), 10)
            .await
            .expect("purge");
        total += deleted;
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(total, before - 1);
    assert_eq!(throttle_docs(&store).await, 1);
}

/// Storage on which, once armed, a session's "last used" write loses to a logout committed
/// just before it.
struct RevokeFirst {
    inner: tijara_store_memory::MemoryStore,
    armed: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl tijara::ports::storage::Storage for RevokeFirst {
    async fn commit(
        &self,
        changes: tijara::ports::storage::Changeset,
    ) -> Result<tijara::ports::storage::CommitOutcome, tijara::ports::storage::StorageError> {
        use tijara::ports::storage::{Changeset, DocKind, DocWrite};
        if let Some(w) = changes.docs.iter().find(|w| w.kind == DocKind::Session)
            && self.armed.swap(false, std::sync::atomic::Ordering::SeqCst)
            && let Some(doc) = self.inner.get(DocKind::Session, &w.id).await?
        {
            let mut body: serde_json::Value =
                serde_json::from_str(&doc.body).expect("session body");
            body["revoked"] = serde_json::Value::Bool(true);
            self.inner
                .commit(Changeset {
                    docs: vec![DocWrite {
                        body: body.to_string(),
                        expected_version: Some(doc.version),
                        ..w.clone()
                    }],
                    ..Changeset::default()
                })
                .await?;
        }
        self.inner.commit(changes).await
    }
    async fn delete_doc(
        &self,
        kind: tijara::ports::storage::DocKind,
        id: &str,
        version: u64,
    ) -> Result<bool, tijara::ports::storage::StorageError> {
        self.inner.delete_doc(kind, id, version).await
    }
    async fn get(
        &self,
        kind: tijara::ports::storage::DocKind,
        id: &str,
    ) -> Result<Option<tijara::ports::storage::StoredDoc>, tijara::ports::storage::StorageError>
    {
        self.inner.get(kind, id).await
    }
    async fn get_many(
        &self,
        kind: tijara::ports::storage::DocKind,
        ids: &[String],
    ) -> Result<Vec<tijara::ports::storage::StoredDoc>, tijara::ports::storage::StorageError> {
        self.inner.get_many(kind, ids).await
    }
    async fn find_by_key(
        &self,
        kind: tijara::ports::storage::DocKind,
        key: &str,
    ) -> Result<Option<tijara::ports::storage::StoredDoc>, tijara::ports::storage::StorageError>
    {
        self.inner.find_by_key(kind, key).await
    }
    async fn list(
        &self,
        query: &tijara::ports::storage::ListQuery,
    ) -> Result<Vec<tijara::ports::storage::StoredDoc>, tijara::ports::storage::StorageError> {
        self.inner.list(query).await
    }
    async fn search_products(
        &self,
        query: &tijara::ports::storage::ProductQuery,
    ) -> Result<Vec<tijara::ports::storage::StoredDoc>, tijara::ports::storage::StorageError> {
        self.inner.search_products(query).await
    }
    async fn search(
        &self,
        query: &tijara::ports::storage::SearchQuery,
    ) -> Result<tijara::ports::storage::SearchPage, tijara::ports::storage::StorageError> {
        self.inner.search(query).await
    }
    async fn stock_levels(
        &self,
        variants: &[tijara_core::VariantId],
    ) -> Result<Vec<tijara::ports::storage::StockRow>, tijara::ports::storage::StorageError> {
        self.inner.stock_levels(variants).await
    }
    async fn expired_reservations(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> Result<Vec<tijara::ports::storage::ReservationRow>, tijara::ports::storage::StorageError>
    {
        self.inner.expired_reservations(now, limit).await
    }
    async fn order_reservations(
        &self,
        order: &tijara_core::OrderId,
    ) -> Result<Vec<tijara::ports::storage::ReservationRow>, tijara::ports::storage::StorageError>
    {
        self.inner.order_reservations(order).await
    }
    async fn idempotency(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<
        Option<tijara::ports::storage::IdempotencyRecord>,
        tijara::ports::storage::StorageError,
    > {
        self.inner.idempotency(scope, key).await
    }
    async fn claim_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
        now: chrono::DateTime<chrono::Utc>,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<tijara::ports::storage::IdempotencyClaim, tijara::ports::storage::StorageError>
    {
        self.inner
            .claim_idempotency(scope, key, token, now, expires_at)
            .await
    }
    async fn release_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
    ) -> Result<(), tijara::ports::storage::StorageError> {
        self.inner.release_idempotency(scope, key, token).await
    }
    async fn pending_events(
        &self,
        limit: u32,
    ) -> Result<Vec<tijara::ports::storage::OutboxEvent>, tijara::ports::storage::StorageError>
    {
        self.inner.pending_events(limit).await
    }
    async fn ack_events(&self, seqs: &[u64]) -> Result<(), tijara::ports::storage::StorageError> {
        self.inner.ack_events(seqs).await
    }
}

#[tokio::test]
async fn a_session_logged_out_while_its_use_is_recorded_is_not_let_through() {
    let store = Arc::new(RevokeFirst {
        inner: tijara_store_memory::MemoryStore::new(),
        armed: std::sync::atomic::AtomicBool::new(false),
    });
    let m = market_on(store.clone());
    let a = m
        .engine
        .accounts()
        .create_account(new_account("race@example.ma", Role::Customer), None)
        .await
        .expect("account");
    let token = "0123456789abcdef0123456789abcdef";
    m.engine
        .sessions()
        .open_session(&a.id, token, "csrf-csrf-csrf-csrf", Duration::hours(1))
        .await
        .expect("session");
    // A minute later the request records the session's use; a logout commits just before.
    m.clock.advance(Duration::minutes(2));
    store.armed.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(
        m.engine
            .sessions()
            .session(token)
            .await
            .expect("read")
            .is_none(),
        "the logout won: the session is over"
    );
    assert!(
        !store.armed.load(std::sync::atomic::Ordering::SeqCst),
        "the race happened"
    );
}

#[test]
fn log_tags_depend_on_the_installation_key() {
    use tijara::usecases::accounts::LogKey;
    let a = LogKey::from_bytes([1; 32]);
    let b = LogKey::from_bytes([2; 32]);
    assert_eq!(a.tag("f@example.ma"), a.tag("f@example.ma"));
    assert_ne!(a.tag("f@example.ma"), b.tag("f@example.ma"));
    assert_eq!(a.tag("f@example.ma").len(), 12);
    assert!(!format!("{a:?}").contains('1'));
}

#[tokio::test]
async fn the_logins_of_several_sellers_are_read_together() {
    let m = market();
    let c = catalog(&m).await;
    let accounts = m.engine.accounts();
    for (email, seller) in [
        ("a1@example.ma", &c.a),
        ("a2@example.ma", &c.a),
        ("b1@example.ma", &c.b),
    ] {
        accounts
            .create_account(
                new_account(
                    email,
                    Role::Seller {
                        seller_id: seller.clone(),
                        member: None,
                    },
                ),
                None,
            )
            .await
            .expect("account");
    }
    let none = tijara_core::SellerId::new("slr-none").expect("id");
    let asked = [c.b.clone(), none, c.a.clone(), c.b.clone()];
    let together = accounts.sellers_accounts(&asked).await.expect("read");
    let emails = |list: &[tijara::usecases::accounts::Account]| {
        let mut e: Vec<String> = list.iter().map(|a| a.email.clone()).collect();
        e.sort();
        e
    };
    assert_eq!(together.len(), 4, "one list per seller asked");
    for (seller, list) in asked.iter().zip(&together) {
        let alone = accounts.seller_accounts(seller).await.expect("read");
        assert_eq!(
            emails(list),
            emails(&alone),
            "as seller_accounts reads them"
        );
    }
    assert_eq!(emails(&together[2]), ["a1@example.ma", "a2@example.ma"]);
    assert_eq!(emails(&together[0]), ["b1@example.ma"]);
    assert!(together[1].is_empty(), "a seller with no login");
    assert!(
        accounts
            .sellers_accounts(&[])
            .await
            .expect("read")
            .is_empty(),
        "none asked"
    );
}
