//! The payment conformance suite: the rules every gateway adapter must keep, checked through
//! the engine (an in-memory store, a stub carrier). Each check is a public async function over
//! a [`PaymentHarness`]; [`crate::payment_conformance!`] runs them all.
//!
//! Checked: starting a payment never marks it paid; a valid notification is applied once, also
//! when repeated at once, and neither it nor its duplicates make the gateway call its provider;
//! verifying is free of side effects (same reading twice, no call counted by
//! [`PaymentHarness::gateway_calls`]); a forged notification changes nothing — wherever the
//! signature lives ([`SignatureLocation`]: a field, a header, the body), each signed part is
//! changed and the signature removed; a notification for another amount or for an unknown
//! order is refused and recorded; a late decline never un-pays; refunds never exceed what was
//! received; capabilities are honoured; capture and refund receive the gateway's transaction
//! reference; a sale-only gateway never captures. Amounts are in the harness's region's
//! currency.

// A conformance check reports a broken rule by panicking, like an assertion in a test.
#![allow(clippy::panic)]

use crate::engine::TestEngine;
use async_trait::async_trait;
use std::sync::Arc;
use tijara::Tijara;
use tijara::docs::{OrderDoc, PaymentOutcome};
use tijara::ports::payment::*;
use tijara_core::order::{Order, OrderStatus};
use tijara_core::payment::{PaymentMethod, PaymentStatus};
use tijara_core::*;

mod operations;
mod stub;
pub use operations::{
    operations_carry_the_transaction_reference, refunds_are_bounded_and_capabilities_honoured,
    sale_only_gateways_never_capture,
};
pub use stub::StubHarness;

/// Where a gateway carries its signature, so the suite can forge and remove it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureLocation {
    /// A form field (CMI: `HASH`; PayDemo: `signature`); names match whatever the case. The
    /// suite changes every other field (except [`PaymentHarness::unsigned_fields`]), the
    /// signature itself, and removes it.
    Field(String),
    /// A request header (lower-case, e.g. `x-paydemo-signature`) signing the raw body. The
    /// suite changes the body, the signature, each of [`PaymentHarness::signed_headers`], and
    /// removes the header.
    Header(String),
    /// Inside the raw body (a JSON document carrying its own signature). The suite changes the
    /// body and empties it.
    Body,
}

/// What the suite needs from an adapter's test setup.
#[async_trait]
pub trait PaymentHarness: Send + Sync {
    /// The gateway under test.
    fn gateway(&self) -> Arc<dyn PaymentGateway>;
    /// A genuine notification that `attempt` was approved for `amount`, as the gateway would
    /// send it; `None` for methods without notifications (offline methods).
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest>;
    /// A genuine decline of `attempt`; each call is a distinct event (its own reference).
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest>;
    /// Fields the gateway's protocol leaves out of the signature (CMI: `encoding`), which the
    /// forgery check therefore does not change.
    fn unsigned_fields(&self) -> Vec<String> {
        Vec::new()
    }
    /// Where the signature lives (default: a form field named `signature`, or `hash` when the
    /// notification has no `signature` field).
    fn signature_location(&self) -> SignatureLocation {
        SignatureLocation::Field("signature".into())
    }
    /// Headers besides the signature that the signature covers (a timestamp...): the forgery
    /// check changes each (default: none).
    fn signed_headers(&self) -> Vec<String> {
        Vec::new()
    }
    /// How many calls the gateway has made to its provider so far (API requests, or operations
    /// on a fake): the suite proves with it that verifying a notification moves no money and
    /// that duplicates call nothing. `None` (the default) when the harness cannot count: the
    /// suite then says so and checks the rest. A gateway without any API may answer `Some(0)`
    /// only if it truly has nowhere to call.
    fn gateway_calls(&self) -> Option<u64> {
        None
    }
    /// The region the engine runs in: its currency prices the orders (default:
    /// [`Region::dakhla`], MAD).
    fn region(&self) -> Region {
        Region::dakhla()
    }
}

/// An engine with the gateway under test and one product (50 units at 240.00 in the region's
/// currency), built by [`crate::engine`].
#[derive(Debug)]
pub struct PaymentWorld {
    /// The engine.
    pub engine: Tijara,
    /// The gateway's code.
    pub code: String,
    /// The engine and its seeds.
    pub world: TestEngine,
}

/// Builds the world for a harness.
pub async fn world(h: &dyn PaymentHarness) -> PaymentWorld {
    let g = h.gateway();
    let code = g.code().to_owned();
    let world = crate::engine::setup()
        .region(h.region())
        .gateway(g)
        .build()
        .await;
    PaymentWorld {
        engine: world.engine.clone(),
        code,
        world,
    }
}

impl PaymentWorld {
    /// Places an order paid with the gateway under test; returns it and how payment starts.
    pub async fn order(&self) -> (Order, PaymentStart) {
        self.world.order().await
    }

    async fn doc(&self, order: &Order) -> OrderDoc {
        self.world.doc(&order.id).await
    }

    async fn notify(&self, n: &NotificationRequest) -> NotificationAnswer {
        self.engine
            .payments()
            .handle_notification(&self.code, n)
            .await
            .unwrap_or_else(|e| panic!("handle_notification: {e}"))
    }
}

fn money(text: &str, like: Money) -> Money {
    Money::parse(text, like.currency()).unwrap_or_else(|e| panic!("{e}"))
}

/// Changes one character of `value` into another of its kind (a digit into a digit, a letter
/// into a letter), or appends one to an empty value: the result still reads as the original
/// type, so only a signature check can tell.
fn tamper_at(value: &str, at: usize) -> String {
    let mut chars: Vec<char> = value.chars().collect();
    let Some(c) = chars.get(at).copied() else {
        return format!("{value}7");
    };
    chars[at] = match c {
        '0'..='8' | 'a'..='y' | 'A'..='Y' => char::from(c as u8 + 1),
        '9' => '0',
        'z' => 'a',
        'Z' => 'A',
        _ => return format!("{value}7"),
    };
    chars.into_iter().collect()
}

fn tamper(value: &str) -> String {
    tamper_at(value, value.chars().count().saturating_sub(1))
}

/// The forgeries of a genuine notification: each signed part changed, the signature removed.
/// Each comes with what was changed, for the failure message.
pub fn forgeries(
    h: &dyn PaymentHarness,
    n: &NotificationRequest,
) -> Vec<(String, NotificationRequest)> {
    let mut location = h.signature_location();
    // Compatibility with harnesses written before `signature_location`: the default field
    // `signature` falls back to `hash`, as the suite did then.
    if location == SignatureLocation::Field("signature".into())
        && !n
            .fields
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("signature"))
        && n.fields.iter().any(|(k, _)| k.eq_ignore_ascii_case("hash"))
    {
        location = SignatureLocation::Field("hash".into());
    }
    let unsigned = h.unsigned_fields();
    let mut out = Vec::new();
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    match &location {
        SignatureLocation::Field(name) => assert!(
            n.fields.iter().any(|(k, _)| is(k, name)),
            "the harness says the signature is in the field {name:?}, but its approval has no \
             such field (fields: {:?}): override PaymentHarness::signature_location",
            n.fields.iter().map(|(k, _)| k).collect::<Vec<_>>()
        ),
        SignatureLocation::Header(name) => assert!(
            n.headers.iter().any(|(k, _)| is(k, name)),
            "the harness says the signature is in the header {name:?}, but its approval has no \
             such header (headers: {:?}): override PaymentHarness::signature_location",
            n.headers.iter().map(|(k, _)| k).collect::<Vec<_>>()
        ),
        SignatureLocation::Body => assert!(
            !n.body.is_empty(),
            "the harness says the signature is in the body, but its approval has an empty body"
        ),
    }
    // Fields are what is signed when the signature is a field, or when there is no raw body.
    if matches!(location, SignatureLocation::Field(_)) || n.body.is_empty() {
        for i in 0..n.fields.len() {
            if unsigned.iter().any(|u| is(u, &n.fields[i].0)) {
                continue;
            }
            let mut forged = n.clone();
            forged.fields[i].1 = tamper(&n.fields[i].1);
            out.push((format!("the field {:?} changed", n.fields[i].0), forged));
        }
    }
    // The raw body is signed when the signature is elsewhere than a field, or there are no
    // fields: change characters spread over it (values, not only the end).
    if !n.body.is_empty()
        && (!matches!(location, SignatureLocation::Field(_)) || n.fields.is_empty())
    {
        let positions: Vec<usize> = n
            .body
            .chars()
            .enumerate()
            .filter(|(_, c)| c.is_ascii_alphanumeric())
            .map(|(i, _)| i)
            .collect();
        let step = positions.len().div_ceil(48).max(1);
        for &at in positions.iter().step_by(step) {
            let mut forged = n.clone();
            forged.body = tamper_at(&n.body, at);
            out.push((format!("the body changed at character {at}"), forged));
        }
    }
    let mut headers = h.signed_headers();
    if let SignatureLocation::Header(name) = &location {
        headers.push(name.clone());
    }
    for name in headers {
        let Some(i) = n.headers.iter().position(|(k, _)| is(k, &name)) else {
            panic!(
                "the harness says the header {name:?} is signed, but its approval has no such header"
            );
        };
        let mut forged = n.clone();
        forged.headers[i].1 = tamper(&n.headers[i].1);
        out.push((format!("the header {name:?} changed"), forged));
    }
    let mut dropped = n.clone();
    match &location {
        SignatureLocation::Field(name) => dropped.fields.retain(|(k, _)| !is(k, name)),
        SignatureLocation::Header(name) => dropped.headers.retain(|(k, _)| !is(k, name)),
        SignatureLocation::Body => dropped.body.clear(),
    }
    out.push(("the signature removed".to_owned(), dropped));
    out
}

fn attempt(order: &Order) -> String {
    format!("{}-1", order.id)
}

fn applied_approvals(doc: &OrderDoc) -> usize {
    doc.payment_log
        .iter()
        .filter(|e| {
            e.outcome == PaymentOutcome::Applied
                && matches!(
                    e.event,
                    tijara_core::payment::PaymentLogEvent::Authorized
                        | tijara_core::payment::PaymentLogEvent::Captured
                )
        })
        .count()
}

/// Starting a payment never marks it paid (cash on delivery confirms the order, unpaid).
pub async fn starting_never_pays(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let (order, start) = w.order().await;
    let g = h.gateway();
    assert!(
        !order
            .payment
            .net_received()
            .unwrap_or_else(|e| panic!("{e}"))
            .is_positive(),
        "nothing received at start"
    );
    match g.method() {
        PaymentMethod::CashOnDelivery => assert_eq!(order.status(), OrderStatus::Confirmed),
        _ => {
            assert_eq!(
                order.status(),
                OrderStatus::AwaitingPayment,
                "a card or transfer order waits for its payment"
            );
            assert!(!order.payment.is_secured());
        }
    }
    if g.capabilities().redirect {
        assert!(
            matches!(start, PaymentStart::Redirect { .. }),
            "a redirect gateway answers Redirect"
        );
    }
}

/// A valid approval is applied once, however often it arrives, also ten times at once.
pub async fn valid_notification_is_applied_once(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let (order, _) = w.order().await;
    let Some(n) = h.approval(&attempt(&order), order.grand_total) else {
        let any = NotificationRequest::default();
        let _ = w.engine.payments().handle_notification(&w.code, &any).await;
        assert!(
            !w.doc(&order)
                .await
                .order
                .payment
                .net_received()
                .unwrap_or_else(|e| panic!("{e}"))
                .is_positive()
        );
        return;
    };
    let calls_before = h.gateway_calls();
    let first = w.notify(&n).await;
    assert_eq!(
        first,
        h.gateway().answer(NotificationVerdict::Approved),
        "an approval is answered as approved"
    );
    assert_eq!(w.doc(&order).await.order.status(), OrderStatus::Confirmed);
    let again = w.notify(&n).await;
    assert_eq!(again, first, "a repeat gets the same answer");
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let engine = w.engine.clone();
            let (code, n) = (w.code.clone(), n.clone());
            tokio::spawn(async move { engine.payments().handle_notification(&code, &n).await })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    let doc = w.doc(&order).await;
    assert_eq!(applied_approvals(&doc), 1, "applied exactly once");
    if let (Some(before), Some(after)) = (calls_before, h.gateway_calls()) {
        assert_eq!(
            after.saturating_sub(before),
            0,
            "one approval delivered 12 times (once, again, then 10 at once) made {} call(s) \
             from the gateway to its provider: handling a notification, the first time or a \
             duplicate, must call nothing (money moves only when the engine calls capture, \
             void or refund)",
            after.saturating_sub(before)
        );
    }
    let received = doc
        .order
        .payment
        .captured()
        .checked_add(doc.order.payment.authorized())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        received.amount() <= order.grand_total.amount() * Decimal::TWO,
        "no double count"
    );
}

/// Verifying a notification has no side effects: the same notification verified twice reads
/// the same, a forged one is refused, and neither (nor the engine applying it, nor its
/// duplicates) makes a call to the gateway's provider. When the harness counts calls and the
/// engine captures through the API, the count moves: the counter really counts.
pub async fn verification_has_no_side_effects(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let (order, _) = w.order().await;
    let Some(n) = h.approval(&attempt(&order), order.grand_total) else {
        return;
    };
    let g = h.gateway();
    let before = h.gateway_calls();
    let first = g
        .verify_notification(&n)
        .await
        .unwrap_or_else(|e| panic!("a genuine approval must verify: {e}"));
    let second = g
        .verify_notification(&n)
        .await
        .unwrap_or_else(|e| panic!("a genuine approval must verify again: {e}"));
    assert_eq!(
        first, second,
        "verifying the same notification twice must read the same (verify_notification is a \
         pure check: no state, no counter in what it returns)"
    );
    assert_eq!(
        first.attempt_id,
        attempt(&order),
        "the approval names its attempt"
    );
    for (what, forged) in forgeries(h, &n) {
        assert!(
            matches!(
                g.verify_notification(&forged).await,
                Err(GatewayError::Invalid(_))
            ),
            "{what}: verify_notification must answer GatewayError::Invalid"
        );
    }
    for _ in 0..3 {
        w.notify(&n).await;
    }
    let doc = w.doc(&order).await;
    assert_eq!(applied_approvals(&doc), 1, "applied exactly once");
    let Some(before) = before else {
        eprintln!(
            "note: PaymentHarness::gateway_calls is not implemented for {:?}: the suite cannot \
             prove that verify_notification moves no money at the gateway",
            w.code
        );
        return;
    };
    let after = h.gateway_calls().unwrap_or(before);
    assert_eq!(
        after.saturating_sub(before),
        0,
        "verify_notification made {} call(s) to the gateway's provider (a capture, a refund...) \
         while one approval was verified twice directly and delivered 3 times through the \
         engine: verification must have no side effects, and a duplicated callback must change \
         nothing — money moves only when the engine calls capture, void or refund",
        after.saturating_sub(before)
    );
    if doc.order.payment.status() == PaymentStatus::Authorized
        && w.engine
            .payments()
            .capture_payment(&order.id, order.grand_total, None)
            .await
            .is_ok()
    {
        let captured = h.gateway_calls().unwrap_or(after);
        assert!(
            captured > after,
            "the engine captured through the gateway's API, yet PaymentHarness::gateway_calls \
             did not move: it must count the calls the gateway makes to its provider"
        );
    }
}

/// Forging a genuine notification — changing any signed part wherever the signature lives, or
/// removing the signature (see [`forgeries`]) — makes it invalid: nothing changes.
pub async fn forged_notifications_change_nothing(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let (order, _) = w.order().await;
    let Some(n) = h.approval(&attempt(&order), order.grand_total) else {
        return;
    };
    let outbox = |w: &PaymentWorld| {
        let storage = w.engine.storage().clone();
        async move {
            storage
                .pending_events(10_000)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .len()
        }
    };
    let events_before = outbox(&w).await;
    let invalid = h.gateway().answer(NotificationVerdict::Invalid);
    for (what, forged) in forgeries(h, &n) {
        let answer = w.notify(&forged).await;
        assert_eq!(
            answer, invalid,
            "{what}: the gateway must refuse the notification as invalid \
             (verify_notification answering GatewayError::Invalid), it did not"
        );
    }
    let doc = w.doc(&order).await;
    assert_eq!(doc.order.status(), OrderStatus::AwaitingPayment);
    assert!(
        doc.payment_log.is_empty(),
        "forged notifications never reach the order"
    );
    assert_eq!(
        outbox(&w).await,
        events_before,
        "forged notifications write no outbox row"
    );
}

/// An approval for another amount is refused and recorded; one for an unknown order is
/// refused.
pub async fn wrong_amount_or_order_is_refused(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let (order, _) = w.order().await;
    let more = order
        .grand_total
        .checked_add(money("0.01", order.grand_total))
        .unwrap_or_else(|e| panic!("{e}"));
    let Some(n) = h.approval(&attempt(&order), more) else {
        return;
    };
    assert_eq!(
        w.notify(&n).await,
        h.gateway().answer(NotificationVerdict::Refused)
    );
    let doc = w.doc(&order).await;
    assert_eq!(doc.order.status(), OrderStatus::AwaitingPayment, "not paid");
    assert!(
        doc.payment_log
            .iter()
            .any(|e| matches!(e.outcome, PaymentOutcome::Rejected { .. })),
        "the refused notification is kept in the audit trail"
    );
    // A well-signed approval for an attempt the engine never started moves nothing.
    if let Some(unissued) = h.approval(&format!("{}-7", order.id), order.grand_total) {
        assert_eq!(
            w.notify(&unissued).await,
            h.gateway().answer(NotificationVerdict::Refused),
            "attempt never issued"
        );
        assert_eq!(
            w.doc(&order).await.order.status(),
            OrderStatus::AwaitingPayment
        );
    }
    let Some(other) = h.approval("ord_doesnotexist-1", order.grand_total) else {
        return;
    };
    assert_eq!(
        w.notify(&other).await,
        h.gateway().answer(NotificationVerdict::Refused)
    );
    let events = w
        .engine
        .storage()
        .pending_events(1000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for e in &events {
        let typed = e
            .event()
            .unwrap_or_else(|err| panic!("{} is a known event: {err}", e.kind));
        assert_ne!(
            typed.order_id().map(|o| o.as_str()),
            Some("ord_doesnotexist"),
            "a refused notification is logged, never written to the outbox"
        );
    }
}

/// Declines before an approval leave the order unpaid; a late decline never un-pays.
pub async fn late_declines_never_unpay(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let (order, _) = w.order().await;
    let (Some(decline), Some(approval)) = (
        h.decline(&attempt(&order), order.grand_total),
        h.approval(&attempt(&order), order.grand_total),
    ) else {
        return;
    };
    assert_eq!(
        w.notify(&decline).await,
        h.gateway().answer(NotificationVerdict::Declined)
    );
    assert_eq!(
        w.doc(&order).await.order.status(),
        OrderStatus::AwaitingPayment
    );
    w.notify(&approval).await;
    // Another decline than the first (its own reference): it must still not un-pay.
    let late = h
        .decline(&attempt(&order), order.grand_total)
        .unwrap_or_else(|| panic!("decline"));
    assert_ne!(late, decline, "each decline is a distinct event");
    let _ = w.notify(&late).await;
    let doc = w.doc(&order).await;
    assert_eq!(doc.order.status(), OrderStatus::Confirmed, "still paid");
    assert!(matches!(
        doc.order.payment.status(),
        PaymentStatus::Authorized | PaymentStatus::Captured
    ));
}
