//! After the order: finding it again ("track my order"), cancelling before anything ships,
//! returns with quantities and a reason, and an account's saved addresses.

mod common;

use chrono::Duration;
use common::*;
use tijara::TijaraError;
use tijara::usecases::accounts::{MAX_SAVED_ADDRESSES, NewAccount, Role};
use tijara::usecases::fulfillment::ShipRequest;
use tijara::usecases::returns::ReturnStep;
use tijara::usecases::tracking::FREE_TRACKING_LOOKUPS;
use tijara_core::order::OrderStatus;
use tijara_core::order_record::CannotCancel;
use tijara_core::returns::{ReturnError, ReturnLine, ReturnReason, ReturnStatus};
use tijara_core::*;

async fn cod_order(m: &Market, c: &Catalog, lines: Vec<(VariantId, u32)>) -> order::Order {
    m.engine
        .checkout()
        .place_order(request(lines, &[&c.a], "cod"), None)
        .await
        .expect("placed")
        .order
}

#[tokio::test]
async fn tracking_finds_the_order_by_email_or_phone_and_says_nothing_else() {
    let m = market();
    let c = catalog(&m).await;
    let order = cod_order(&m, &c, vec![(c.cushion.clone(), 1)]).await;
    let orders = m.engine.orders();
    let ip = Some("192.0.2.10");
    let id = order.id.as_str();
    // The e-mail in another case, with spaces; the phone written the national way or E.164.
    for contact in [" Youssef@Example.MA ", "06 12 34 56 78", "+212612345678"] {
        let doc = orders
            .find_for_tracking(id, contact, ip)
            .await
            .expect("found");
        assert_eq!(doc.order.id, order.id);
        assert!(!doc.access_token.is_empty());
    }
    // With a leading '#', as printed.
    assert!(
        orders
            .find_for_tracking(&format!("#{id}"), "youssef@example.ma", ip)
            .await
            .is_ok()
    );
    // A wrong contact and an unknown order get the same answer.
    let wrong = orders.find_for_tracking(id, "someone@example.ma", ip).await;
    let unknown = orders
        .find_for_tracking("ord-nope", "youssef@example.ma", ip)
        .await;
    let phone = orders.find_for_tracking(id, "0699999999", ip).await;
    for r in [&wrong, &unknown, &phone] {
        assert!(
            matches!(r, Err(TijaraError::NotFound { kind, .. }) if kind.as_str() == "order"),
            "{r:?}"
        );
    }
    assert!(orders.find_for_tracking("", "", ip).await.is_err());
}

#[tokio::test]
async fn tracking_is_throttled_per_address() {
    let m = market();
    let c = catalog(&m).await;
    let order = cod_order(&m, &c, vec![(c.cushion.clone(), 1)]).await;
    let orders = m.engine.orders();
    let ip = Some("198.51.100.7");
    for _ in 0..FREE_TRACKING_LOOKUPS {
        assert!(matches!(
            orders.find_for_tracking("ord-guess", "a@b.ma", ip).await,
            Err(TijaraError::NotFound { .. })
        ));
    }
    // Now even the right pair waits, and says for how long.
    match orders
        .find_for_tracking(order.id.as_str(), "youssef@example.ma", ip)
        .await
    {
        Err(TijaraError::LoginThrottled { retry_after_secs }) => {
            assert!((1..=900).contains(&retry_after_secs))
        }
        other => panic!("not throttled: {other:?}"),
    }
    // Another address is not slowed down.
    assert!(
        orders
            .find_for_tracking(order.id.as_str(), "youssef@example.ma", Some("203.0.113.9"))
            .await
            .is_ok()
    );
    // After the wait, the first address may try again.
    m.clock.advance(Duration::seconds(3));
    assert!(
        orders
            .find_for_tracking(order.id.as_str(), "youssef@example.ma", ip)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn cancel_before_shipping_only_and_says_why() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = cod_order(&m, &c, vec![(c.cushion.clone(), 2)]).await;
    let doc = e.orders().order(&order.id).await.expect("doc");
    assert_eq!(doc.cancel_refusal(), None);
    let on_hand = e
        .catalog()
        .stock_row(&c.cushion)
        .await
        .expect("row")
        .on_hand;
    let cancelled = e
        .orders()
        .cancel_order(&order.id, None)
        .await
        .expect("cancel");
    assert_eq!(cancelled.order.status(), OrderStatus::Cancelled);
    assert_eq!(
        cancelled.cancel_refusal(),
        Some(CannotCancel::AlreadyCancelled)
    );
    assert_eq!(
        e.catalog()
            .stock_row(&c.cushion)
            .await
            .expect("row")
            .on_hand,
        on_hand + 2,
        "the units are back on sale"
    );

    // Shipped: refused, and the refusal names the part that left.
    let order = cod_order(&m, &c, vec![(c.cushion.clone(), 1)]).await;
    let so = order.seller_orders[0].id.clone();
    e.fulfillment()
        .mark_ready(&order.id, &so, None)
        .await
        .expect("ready");
    e.fulfillment()
        .ship(&order.id, &so, ShipRequest::new(), None)
        .await
        .expect("ship");
    let doc = e.orders().order(&order.id).await.expect("doc");
    assert_eq!(
        doc.cancel_refusal(),
        Some(CannotCancel::Shipped {
            seller_order: so.clone()
        })
    );
    assert!(matches!(
        e.orders().cancel_order(&order.id, None).await,
        Err(TijaraError::Order(_))
    ));
    assert_eq!(
        e.orders()
            .order(&order.id)
            .await
            .expect("doc")
            .order
            .status(),
        doc.order.status(),
        "nothing changed"
    );
}

#[tokio::test]
async fn returns_take_quantities_and_a_reason_and_explain_a_second_request() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = cod_order(&m, &c, vec![(c.cushion.clone(), 3)]).await;
    let so = deliver_first_part(&m, &order, 1).await;
    let line = |q| ReturnLine {
        variant_id: c.cushion.clone(),
        quantity: q,
    };
    // Too long a reason: refused, nothing written.
    assert!(matches!(
        e.orders()
            .request_return_for_reason(
                &order.id,
                &so,
                vec![line(1)],
                ReturnReason::Other,
                Some("x".repeat(501)),
                None
            )
            .await,
        Err(TijaraError::Return(ReturnError::ReasonTooLong { max: 500 }))
    ));
    assert!(
        e.orders()
            .order(&order.id)
            .await
            .expect("doc")
            .returns
            .is_empty()
    );

    let first = e
        .orders()
        .request_return_for_reason(
            &order.id,
            &so,
            vec![line(2)],
            ReturnReason::Damaged,
            Some("  Le cuir est déchiré.  ".into()),
            None,
        )
        .await
        .expect("asked");
    assert_eq!(first.reason_code, Some(ReturnReason::Damaged));
    assert_eq!(first.reason.as_deref(), Some("Le cuir est déchiré."));
    assert_eq!(first.lines, vec![line(2)]);
    assert_eq!(first.value, mad("500.00"));
    assert_eq!(first.status(), ReturnStatus::Requested);
    let asked_at = first.requested_at;

    // The third unit can still be asked back; a fourth cannot.
    m.clock.advance(Duration::hours(1));
    assert!(matches!(
        e.orders()
            .request_return_for_reason(
                &order.id,
                &so,
                vec![line(2)],
                ReturnReason::ChangedMind,
                None,
                None
            )
            .await,
        Err(TijaraError::Return(ReturnError::TooMany {
            returnable: 1,
            ..
        }))
    ));
    e.orders()
        .request_return_for_reason(
            &order.id,
            &so,
            vec![line(1)],
            ReturnReason::ChangedMind,
            None,
            None,
        )
        .await
        .expect("the last unit");
    // Everything asked: the answer says when the (latest) request was made and where it stands.
    e.orders()
        .advance_return(&order.id, &first.id, ReturnStep::Approve, None)
        .await
        .expect("approve");
    match e
        .orders()
        .request_return_for_reason(
            &order.id,
            &so,
            vec![line(1)],
            ReturnReason::WrongItem,
            None,
            None,
        )
        .await
    {
        Err(TijaraError::Return(ReturnError::AlreadyRequested {
            variant,
            requested_at,
            status,
        })) => {
            assert_eq!(variant, c.cushion);
            assert_eq!(requested_at, asked_at + Duration::hours(1));
            assert_eq!(status, ReturnStatus::Requested);
        }
        other => panic!("{other:?}"),
    }
    let doc = e.orders().order(&order.id).await.expect("doc");
    assert_eq!(doc.returns_of(&so).len(), 2);
    assert_eq!(doc.returns_of(&so)[0].status(), ReturnStatus::Approved);
}

#[tokio::test]
async fn saved_addresses_are_validated_bounded_and_deletable() {
    let m = market();
    let e = &m.engine;
    let account = e
        .accounts()
        .create_account(
            NewAccount::new(
                "amina@example.ma",
                "Amina",
                "hash",
                Role::Customer,
                Lang::AR,
            ),
            None,
        )
        .await
        .expect("account");
    assert_eq!(
        e.accounts()
            .default_address(&account.id)
            .await
            .expect("none"),
        None
    );
    let mut a = address();
    a.name = "  Amina Lahlou ".into();
    let saved = e
        .accounts()
        .save_address(&account.id, &a)
        .await
        .expect("saved");
    assert_eq!(saved.address.name, "Amina Lahlou");
    assert_eq!(saved.address.phone, "+212612345678", "normalized");
    // The same address again: kept once.
    e.accounts()
        .save_address(&account.id, &a)
        .await
        .expect("again");
    assert_eq!(
        e.accounts()
            .addresses(&account.id)
            .await
            .expect("list")
            .len(),
        1
    );
    // A bad one: refused, nothing written.
    let mut bad = address();
    bad.phone = "12".into();
    assert!(matches!(
        e.accounts().save_address(&account.id, &bad).await,
        Err(TijaraError::Order(_))
    ));
    for i in 1..MAX_SAVED_ADDRESSES {
        let mut other = address();
        other.line1 = format!("N° {i}, Avenue Hassan II");
        e.accounts()
            .save_address(&account.id, &other)
            .await
            .expect("more");
    }
    let mut one_more = address();
    one_more.line1 = "Hay Al Matar".into();
    assert!(matches!(
        e.accounts().save_address(&account.id, &one_more).await,
        Err(TijaraError::TooManyAddresses {
            max: MAX_SAVED_ADDRESSES
        })
    ));
    let list = e.accounts().addresses(&account.id).await.expect("list");
    assert_eq!(list.len(), MAX_SAVED_ADDRESSES);
    // The last saved is the default.
    assert_eq!(
        e.accounts()
            .default_address(&account.id)
            .await
            .expect("default"),
        Some(list[0].address.clone())
    );
    assert!(list[0].address.line1.contains("Avenue Hassan II"));
    assert!(
        e.accounts()
            .delete_address(&account.id, &list[0].id)
            .await
            .expect("deleted")
    );
    assert!(
        !e.accounts()
            .delete_address(&account.id, &list[0].id)
            .await
            .expect("gone")
    );
    assert_eq!(
        e.accounts()
            .addresses(&account.id)
            .await
            .expect("list")
            .len(),
        MAX_SAVED_ADDRESSES - 1
    );
    // The account itself is untouched (log in still finds it by e-mail).
    assert!(
        e.accounts()
            .account_by_email("amina@example.ma")
            .await
            .expect("read")
            .is_some()
    );
}
