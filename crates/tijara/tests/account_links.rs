//! Password reset and e-mail verification links, and guest orders attached to a verified
//! account, on the memory store with a fixed clock.

mod common;

use chrono::Duration;
use common::*;
use tijara::usecases::accounts::{
    MAX_RESET_ASKS_PER_ADDRESS, MAX_RESETS_PER_HOUR, NewAccount, RESET_MINUTES, Role, VERIFY_HOURS,
    hash_password, verify_password,
};
use tijara::{LinkProblem, LinkPurpose, TijaraError};
use tijara_core::Lang;

async fn account(m: &Market, email: &str) -> tijara::usecases::accounts::Account {
    m.engine
        .accounts()
        .create_account(
            NewAccount::new(
                email,
                "Youssef",
                hash_password("tajine-2026").expect("hash"),
                Role::Customer,
                Lang::FR,
            ),
            None,
        )
        .await
        .expect("account")
}

fn problem<T>(r: Result<T, TijaraError>) -> Option<(LinkPurpose, LinkProblem)> {
    match r {
        Err(TijaraError::LinkRefused { purpose, problem }) => Some((purpose, problem)),
        _ => None,
    }
}

#[tokio::test]
async fn a_reset_link_works_once_within_its_time_and_closes_the_sessions() {
    let m = market();
    let a = account(&m, "youssef@example.ma").await;
    let accounts = m.engine.accounts();
    // No account: the same `None` as a throttled ask; nothing to send.
    assert!(
        accounts
            .request_password_reset("nobody@example.ma", None)
            .await
            .expect("ask")
            .is_none()
    );
    assert!(
        accounts
            .request_password_reset("not an e-mail", None)
            .await
            .expect("ask")
            .is_none()
    );
    let first = accounts
        .request_password_reset(" Youssef@Example.MA ", None)
        .await
        .expect("ask")
        .expect("sent");
    assert_eq!(first.email, "youssef@example.ma");
    assert!(
        !format!("{first:?}").contains(&first.token),
        "token not in Debug"
    );
    // Only the hash is stored.
    let stored = accounts.account(&a.id).await.expect("account");
    let link = stored.reset_link.expect("link");
    assert!(!link.hash.contains(&first.token));
    assert_eq!(link.expires_at, t0() + Duration::minutes(RESET_MINUTES));
    // A second ask replaces the first link.
    let second = accounts
        .request_password_reset("youssef@example.ma", None)
        .await
        .expect("ask")
        .expect("sent");
    assert_eq!(
        problem(accounts.check_password_reset(&first.token).await),
        Some((LinkPurpose::PasswordReset, LinkProblem::Unknown))
    );
    let session = "s".repeat(43);
    m.engine
        .sessions()
        .open_session(&a.id, &session, &"c".repeat(20), Duration::hours(2))
        .await
        .expect("session");
    let new_hash = hash_password("new-password-2026").expect("hash");
    let done = accounts
        .finish_password_reset(&second.token, &new_hash)
        .await
        .expect("reset");
    assert!(verify_password("new-password-2026", &done.password_hash));
    assert!(
        done.email_verified_at.is_some(),
        "the link proves the e-mail"
    );
    assert!(
        m.engine
            .sessions()
            .session(&session)
            .await
            .expect("read")
            .is_none(),
        "sessions closed"
    );
    // Used: refused, and nothing changes.
    let again = hash_password("third-password-2026").expect("hash");
    assert_eq!(
        problem(accounts.finish_password_reset(&second.token, &again).await),
        Some((LinkPurpose::PasswordReset, LinkProblem::Used))
    );
    assert!(verify_password(
        "new-password-2026",
        &accounts.account(&a.id).await.expect("a").password_hash
    ));
    // Expired.
    let third = accounts
        .request_password_reset("youssef@example.ma", None)
        .await
        .expect("ask")
        .expect("sent");
    m.clock.advance(Duration::minutes(RESET_MINUTES));
    assert_eq!(
        problem(accounts.finish_password_reset(&third.token, &again).await),
        Some((LinkPurpose::PasswordReset, LinkProblem::Expired))
    );
    // Garbage and someone else's account id.
    for bad in [
        "",
        "x",
        &format!("{}.{}", a.id, "0".repeat(64)),
        &format!("acc_none.{}", "0".repeat(64)),
    ] {
        assert_eq!(
            problem(accounts.check_password_reset(bad).await),
            Some((LinkPurpose::PasswordReset, LinkProblem::Unknown)),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn reset_links_are_throttled_per_account() {
    let m = market();
    account(&m, "amina@example.ma").await;
    let accounts = m.engine.accounts();
    for _ in 0..MAX_RESETS_PER_HOUR {
        assert!(
            accounts
                .request_password_reset("amina@example.ma", None)
                .await
                .expect("ask")
                .is_some()
        );
    }
    assert!(
        accounts
            .request_password_reset("amina@example.ma", None)
            .await
            .expect("ask")
            .is_none(),
        "throttled: nothing to send"
    );
    m.clock.advance(Duration::minutes(61));
    assert!(
        accounts
            .request_password_reset("amina@example.ma", None)
            .await
            .expect("ask")
            .is_some()
    );
}

#[tokio::test]
async fn verifying_the_email_attaches_that_emails_guest_orders_only() {
    let m = market();
    let c = catalog(&m).await;
    // Two guest orders by Youssef's e-mail, one by someone else.
    let mut mine = Vec::new();
    for _ in 0..2 {
        let placed = m
            .engine
            .checkout()
            .place_order(request(vec![(c.cushion.clone(), 1)], &[&c.a], "cod"), None)
            .await
            .expect("placed");
        mine.push(placed.order.id.clone());
    }
    let mut other = request(vec![(c.bracelet.clone(), 1)], &[&c.b], "cod");
    other.email = "amina@example.ma".into();
    let theirs = m
        .engine
        .checkout()
        .place_order(other, None)
        .await
        .expect("placed")
        .order
        .id;
    // An account made with Youssef's e-mail, not verified: it gets nothing.
    let a = account(&m, "YOUSSEF@example.ma").await;
    let customer = a.customer_id().expect("customer");
    assert!(
        m.engine
            .accounts()
            .attach_guest_orders(&a)
            .await
            .expect("attach")
            .is_empty()
    );
    let listed = m
        .engine
        .orders()
        .customer_orders(&customer, None, 50)
        .await
        .expect("orders");
    assert!(listed.items.is_empty(), "unverified: no guest orders");
    // A wrong token verifies nothing.
    assert_eq!(
        problem(
            m.engine
                .accounts()
                .verify_email(&format!("{}.{}", a.id, "1".repeat(64)))
                .await
        ),
        Some((LinkPurpose::EmailVerification, LinkProblem::Unknown))
    );
    let mail = m
        .engine
        .accounts()
        .start_email_verification(&a.id)
        .await
        .expect("start")
        .expect("a link");
    let verified = m
        .engine
        .accounts()
        .verify_email(&mail.token)
        .await
        .expect("verified");
    assert!(verified.account.email_verified_at.is_some());
    let mut attached = verified.attached.clone();
    attached.sort();
    mine.sort();
    assert_eq!(attached, mine);
    let listed = m
        .engine
        .orders()
        .customer_orders(&customer, None, 50)
        .await
        .expect("orders");
    let mut ids: Vec<_> = listed.items.iter().map(|d| d.order.id.clone()).collect();
    ids.sort();
    assert_eq!(ids, mine);
    assert!(!ids.contains(&theirs));
    let still_guest = m.engine.orders().order(&theirs).await.expect("order");
    assert_eq!(still_guest.order.customer, None);
    // The link is used; a verified account needs no new one.
    assert_eq!(
        problem(m.engine.accounts().verify_email(&mail.token).await),
        Some((LinkPurpose::EmailVerification, LinkProblem::Used))
    );
    assert!(
        m.engine
            .accounts()
            .start_email_verification(&a.id)
            .await
            .expect("start")
            .is_none()
    );
}

#[tokio::test]
async fn a_verification_link_expires() {
    let m = market();
    let a = account(&m, "karim@example.ma").await;
    let mail = m
        .engine
        .accounts()
        .start_email_verification(&a.id)
        .await
        .expect("start")
        .expect("link");
    m.clock.advance(Duration::hours(VERIFY_HOURS));
    assert_eq!(
        problem(m.engine.accounts().verify_email(&mail.token).await),
        Some((LinkPurpose::EmailVerification, LinkProblem::Expired))
    );
    assert!(
        m.engine
            .accounts()
            .account(&a.id)
            .await
            .expect("a")
            .email_verified_at
            .is_none()
    );
}

#[tokio::test]
async fn reset_asks_are_throttled_per_address_whatever_the_emails() {
    let m = market();
    account(&m, "amina@example.ma").await;
    let accounts = m.engine.accounts();
    let from = Some("198.51.100.7");
    for i in 0..MAX_RESET_ASKS_PER_ADDRESS - 1 {
        let email = format!("someone{i}@example.ma");
        assert!(
            accounts
                .request_password_reset(&email, from)
                .await
                .expect("ask")
                .is_none()
        );
    }
    // The allowance's last ask is counted; the next is refused, known e-mail or not.
    assert!(
        accounts
            .request_password_reset("amina@example.ma", from)
            .await
            .expect("ask")
            .is_some()
    );
    let refused = accounts
        .request_password_reset("amina@example.ma", from)
        .await;
    assert!(
        matches!(refused, Err(TijaraError::LoginThrottled { .. })),
        "{refused:?}"
    );
    // Another address is not concerned; an hour later the address asks again.
    assert!(
        accounts
            .request_password_reset("amina@example.ma", Some("198.51.100.8"))
            .await
            .expect("ask")
            .is_some()
    );
    m.clock.advance(Duration::minutes(61));
    assert!(
        accounts
            .request_password_reset("nobody@example.ma", from)
            .await
            .is_ok()
    );
    // The purge of login throttles deletes the count once it no longer matters.
    m.clock.advance(Duration::minutes(61));
    let (deleted, _) = m
        .engine
        .sessions()
        .purge_login_throttles(None, 100)
        .await
        .expect("purge");
    assert!(deleted >= 1);
}
