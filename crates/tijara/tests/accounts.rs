//! Accounts, sessions, login throttling, seller applications and payout records, on the memory
//! store with a fixed clock.

mod common;

use chrono::Duration;
use common::*;
use tijara::TijaraError;
use tijara::usecases::accounts::{
    LoginCandidate, MAX_LOGIN_FAILURES, NewAccount, Role, hash_password, verify_password,
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

#[tokio::test]
async fn repeated_failures_lock_an_account_for_the_window() {
    let m = market();
    let a = m
        .engine
        .create_account(new_account("l@example.ma", Role::Customer), None)
        .await
        .expect("account");
    for _ in 0..MAX_LOGIN_FAILURES - 1 {
        m.engine.record_login(&a.id, false).await.expect("failure");
    }
    assert!(matches!(
        m.engine
            .login_candidate("l@example.ma")
            .await
            .expect("candidate"),
        LoginCandidate::Account(_)
    ));
    m.engine.record_login(&a.id, false).await.expect("failure");
    let LoginCandidate::Locked(until) = m
        .engine
        .login_candidate("l@example.ma")
        .await
        .expect("candidate")
    else {
        panic!("locked after {MAX_LOGIN_FAILURES} failures");
    };
    assert_eq!(until, t0() + Duration::minutes(15));
    m.clock.advance(Duration::minutes(16));
    let LoginCandidate::Account(acc) = m
        .engine
        .login_candidate("l@example.ma")
        .await
        .expect("candidate")
    else {
        panic!("unlocked after the window");
    };
    assert!(verify_password("tajine-2026", &acc.password_hash));
    assert_eq!(
        m.engine
            .login_candidate("nobody@example.ma")
            .await
            .expect("candidate"),
        LoginCandidate::Unknown
    );
}

#[tokio::test]
async fn old_failures_fall_out_of_the_window_and_success_clears_them() {
    let m = market();
    let a = m
        .engine
        .create_account(new_account("w@example.ma", Role::Customer), None)
        .await
        .expect("account");
    for _ in 0..MAX_LOGIN_FAILURES - 1 {
        m.engine.record_login(&a.id, false).await.expect("failure");
    }
    m.clock.advance(Duration::minutes(20));
    let acc = m.engine.record_login(&a.id, false).await.expect("failure");
    assert_eq!(acc.failed_logins.len(), 1, "older failures forgotten");
    let acc = m.engine.record_login(&a.id, true).await.expect("success");
    assert!(acc.failed_logins.is_empty());
    assert!(acc.locked_until.is_none());
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
