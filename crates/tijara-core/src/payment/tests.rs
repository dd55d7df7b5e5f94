use super::*;
use crate::currency::Currency;
use proptest::prelude::*;

fn mad(s: &str) -> Money {
    Money::mad(s).expect("amount")
}

#[test]
fn card_authorize_capture_refund() {
    let mut p = Payment::new(PaymentMethod::Card, mad("500"));
    assert!(!p.allows_shipping());
    assert!(matches!(
        p.authorize(mad("499")),
        Err(PaymentError::Amount { .. })
    ));
    p.fail().expect("declined first");
    p.authorize(mad("500")).expect("then approved");
    assert!(p.allows_shipping());
    // A late decline never un-pays.
    assert_eq!(
        p.fail(),
        Err(PaymentError::Transition(TransitionError {
            machine: "payment",
            from: "authorized",
            action: "fail"
        }))
    );
    assert!(p.capture(mad("501")).is_err());
    p.capture(mad("450")).expect("partial capture");
    assert_eq!(p.status(), PaymentStatus::Captured);
    assert!(p.refund(mad("451")).is_err());
    p.refund(mad("50")).expect("refund");
    assert_eq!(p.status(), PaymentStatus::PartiallyRefunded);
    p.refund(mad("400")).expect("refund rest");
    assert_eq!(p.status(), PaymentStatus::Refunded);
    assert!(p.refund(mad("0.01")).is_err());
    assert_eq!(p.net_received().expect("net"), mad("0"));
    assert!(p.fail().is_err());
}

#[test]
fn card_direct_sale_and_void() {
    let mut p = Payment::new(PaymentMethod::Card, mad("100"));
    p.capture(mad("100")).expect("direct sale");
    assert!(p.void().is_err());
    let mut q = Payment::new(PaymentMethod::Card, mad("100"));
    q.authorize(mad("100")).expect("auth");
    q.void().expect("void");
    assert_eq!(q.status(), PaymentStatus::Voided);
    assert!(q.authorize(mad("100")).is_err());
    assert!(q.capture(mad("100")).is_err());
}

#[test]
fn bank_transfer_is_confirmed_for_the_exact_amount() {
    let mut p = Payment::new(PaymentMethod::BankTransfer, mad("1200"));
    assert!(p.authorize(mad("1200")).is_err());
    assert!(matches!(
        p.capture(mad("1000")),
        Err(PaymentError::Amount { .. })
    ));
    p.capture(mad("1200")).expect("confirmed");
    assert!(p.allows_shipping());
    let mut expired = Payment::new(PaymentMethod::BankTransfer, mad("1200"));
    expired.void().expect("expired");
    assert!(!expired.allows_shipping());
}

#[test]
fn cod_collect_remit_and_refusal() {
    let mut p = Payment::new(PaymentMethod::CashOnDelivery, mad("300"));
    assert_eq!(p.status(), PaymentStatus::AwaitingDelivery);
    assert!(p.allows_shipping());
    assert!(p.capture(mad("300")).is_err());
    assert!(p.fail().is_err());
    p.collect(mad("200")).expect("first parcel");
    assert_eq!(p.status(), PaymentStatus::AwaitingDelivery);
    assert!(p.void().is_err(), "cash already collected");
    assert!(p.collect(mad("150")).is_err());
    p.remit(mad("200")).expect("early remittance");
    // Second parcel refused.
    p.cancel_collection(mad("100")).expect("refused");
    assert_eq!(
        (p.status(), p.amount()),
        (PaymentStatus::Collected, mad("200"))
    );
    assert!(p.remit(mad("0.01")).is_err());
    let mut q = Payment::new(PaymentMethod::CashOnDelivery, mad("300"));
    q.collect(mad("300")).expect("collect");
    q.remit(mad("300")).expect("remit");
    assert_eq!(q.status(), PaymentStatus::Remitted);
    q.refund(mad("300")).expect("refund after a withdrawal");
    assert_eq!(q.status(), PaymentStatus::Refunded);
    let mut r = Payment::new(PaymentMethod::CashOnDelivery, mad("80"));
    r.cancel_collection(mad("80")).expect("refused");
    assert_eq!(r.status(), PaymentStatus::Voided);
    assert!(!r.allows_shipping());
}

#[test]
fn mixed_currency_amounts_are_errors() {
    let mut p = Payment::new(PaymentMethod::Card, mad("10"));
    p.authorize(mad("10")).expect("auth");
    let eur = Money::parse("5", Currency::EUR).expect("eur");
    assert!(matches!(p.capture(eur), Err(PaymentError::Money(_))));
}

#[derive(Debug, Clone)]
enum Ev {
    Authorize(i64),
    Capture(i64),
    Fail,
    Void,
    Refund(i64),
    Collect(i64),
    CancelCollection(i64),
    Remit(i64),
}

fn ev() -> impl Strategy<Value = Ev> {
    let amt = 0i64..12_000;
    prop_oneof![
        amt.clone().prop_map(Ev::Authorize),
        amt.clone().prop_map(Ev::Capture),
        Just(Ev::Fail),
        Just(Ev::Void),
        amt.clone().prop_map(Ev::Refund),
        amt.clone().prop_map(Ev::Collect),
        amt.clone().prop_map(Ev::CancelCollection),
        amt.prop_map(Ev::Remit),
    ]
}

proptest! {
    #[test]
    fn random_event_sequences_keep_payments_consistent(
        method in prop::sample::select(vec![PaymentMethod::Card, PaymentMethod::CashOnDelivery, PaymentMethod::BankTransfer]),
        due in 1i64..10_000,
        events in prop::collection::vec(ev(), 0..40),
    ) {
        let m = |c: i64| Money::from_minor(c, Currency::MAD);
        let mut p = Payment::new(method, m(due));
        let mut was_paid = false;
        for e in events {
            let before = p.clone();
            let r = match e {
                Ev::Authorize(a) => p.authorize(m(a)),
                Ev::Capture(a) => p.capture(m(a)),
                Ev::Fail => p.fail(),
                Ev::Void => p.void(),
                Ev::Refund(a) => p.refund(m(a)),
                Ev::Collect(a) => p.collect(m(a)),
                Ev::CancelCollection(a) => p.cancel_collection(m(a)),
                Ev::Remit(a) => p.remit(m(a)),
            };
            if r.is_err() { prop_assert_eq!(&p, &before, "a refused event changes nothing"); }
            let z = Money::zero(Currency::MAD);
            // Amount invariants.
            prop_assert!(!p.captured().compare(&p.amount()).expect("cmp").is_gt() || method == PaymentMethod::CashOnDelivery);
            prop_assert!(!p.collected().compare(&p.amount()).expect("cmp").is_gt());
            prop_assert!(!p.remitted().compare(&p.collected()).expect("cmp").is_gt());
            let received = p.captured().checked_add(p.collected()).expect("add");
            prop_assert!(!p.refunded().compare(&received).expect("cmp").is_gt());
            prop_assert!(!p.refunded().is_negative() && !p.net_received().expect("net").is_negative());
            if method != PaymentMethod::CashOnDelivery { prop_assert_eq!(p.collected(), z); }
            if method != PaymentMethod::Card { prop_assert_eq!(p.authorized(), z); }
            // Once money was secured, the payment never goes back to failed or pending.
            if matches!(p.status(), PaymentStatus::Authorized | PaymentStatus::Captured) { was_paid = true; }
            if was_paid {
                prop_assert!(!matches!(p.status(), PaymentStatus::Failed | PaymentStatus::Pending));
            }
            // Status agrees with amounts.
            match p.status() {
                PaymentStatus::Refunded => prop_assert_eq!(p.refunded(), received),
                PaymentStatus::Collected => prop_assert_eq!(p.collected(), p.amount()),
                PaymentStatus::Remitted => prop_assert_eq!(p.remitted(), p.amount()),
                PaymentStatus::AwaitingDelivery => prop_assert_eq!(method, PaymentMethod::CashOnDelivery),
                _ => {}
            }
        }
    }
}

#[test]
fn payment_log_events_keep_their_stored_names() {
    let all = [
        (PaymentLogEvent::Authorized, "authorized"),
        (PaymentLogEvent::Captured, "captured"),
        (PaymentLogEvent::Declined, "declined"),
        (PaymentLogEvent::Voided, "voided"),
        (PaymentLogEvent::Refunded, "refunded"),
        (PaymentLogEvent::Collected, "collected"),
        (PaymentLogEvent::Remitted, "remitted"),
    ];
    for (event, name) in all {
        assert_eq!(event.as_str(), name);
        assert_eq!(event.to_string(), name);
        let stored = serde_json::to_string(&event).expect("json");
        assert_eq!(stored, format!("\"{name}\""));
        let read: PaymentLogEvent = serde_json::from_str(&stored).expect("read back");
        assert_eq!(read, event);
    }
    let kinds = [
        PaymentEventKind::Authorized { amount: mad("10") },
        PaymentEventKind::Captured { amount: mad("10") },
        PaymentEventKind::Declined {
            reason: "insufficient funds".into(),
        },
        PaymentEventKind::Voided,
        PaymentEventKind::Refunded { amount: mad("4") },
    ];
    let logged: Vec<&str> = kinds.iter().map(|k| k.log_event().as_str()).collect();
    assert_eq!(
        logged,
        ["authorized", "captured", "declined", "voided", "refunded"]
    );
    assert_eq!(kinds[3].amount(), None);
    assert_eq!(kinds[4].amount(), Some(mad("4")));
    // The notice's wire form (adapters and stored idempotent answers) is unchanged.
    assert_eq!(
        serde_json::to_string(&kinds[2]).expect("json"),
        r#"{"type":"declined","reason":"insufficient funds"}"#
    );
    assert_eq!(
        serde_json::to_string(&PaymentOutcome::Rejected {
            reason: "late".into()
        })
        .expect("json"),
        r#"{"outcome":"rejected","reason":"late"}"#
    );
}
