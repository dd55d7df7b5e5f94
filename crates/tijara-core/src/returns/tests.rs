use super::*;
use crate::ids::ShipmentId;
use crate::payment::PaymentMethod;
use crate::testing::{mad, place, so, t0};
use chrono::{Duration, TimeZone};

fn delivered_order(at: DateTime<Utc>) -> crate::order::Order {
    let mut o = place(PaymentMethod::CashOnDelivery);
    o.mark_ready(&so("o1-a")).expect("ready");
    o.mark_shipped(&so("o1-a"), ShipmentId::new("sh").expect("id"))
        .expect("shipped");
    o.mark_delivered(&so("o1-a"), at).expect("delivered");
    o
}

fn rid(s: &str) -> ReturnId {
    ReturnId::new(s).expect("id")
}

fn line(v: &str, q: u32) -> ReturnLine {
    ReturnLine {
        variant_id: VariantId::new(v).expect("id"),
        quantity: q,
    }
}

#[test]
fn deadline_counts_full_local_days() {
    let region = Region::dakhla();
    // Delivered 28 Nov 2026 at 22:30 UTC = 23:30 in Dakhla: the 7 full days are 29 Nov – 5 Dec,
    // so the period ends at midnight local time on 6 Dec (23:00 UTC on 5 Dec).
    let delivered = Utc
        .with_ymd_and_hms(2026, 11, 28, 22, 30, 0)
        .single()
        .expect("t");
    let deadline = withdrawal_deadline(delivered, &region);
    assert_eq!(
        deadline,
        Utc.with_ymd_and_hms(2026, 12, 5, 23, 0, 0)
            .single()
            .expect("t")
    );
    // Delivered at 23:30 UTC = 00:30 local on 29 Nov: one more day.
    let late = Utc
        .with_ymd_and_hms(2026, 11, 28, 23, 30, 0)
        .single()
        .expect("t");
    assert_eq!(
        withdrawal_deadline(late, &region),
        Utc.with_ymd_and_hms(2026, 12, 6, 23, 0, 0)
            .single()
            .expect("t")
    );
}

#[test]
fn open_within_the_period_only() {
    let region = Region::dakhla();
    let o = delivered_order(t0());
    let part = o.seller_order(&so("o1-a")).expect("a");
    let deadline = withdrawal_deadline(t0(), &region);
    let r = ReturnRequest::open(
        rid("r1"),
        part,
        vec![line("a1", 1)],
        None,
        deadline - Duration::seconds(1),
        &region,
        &[],
    )
    .expect("in time");
    assert_eq!(r.value, mad("250.00"));
    assert_eq!(
        ReturnRequest::open(
            rid("r2"),
            part,
            vec![line("a1", 1)],
            None,
            deadline,
            &region,
            &[]
        ),
        Err(ReturnError::PeriodOver { deadline })
    );
    let not_yet = o.seller_order(&so("o1-b")).expect("b");
    assert_eq!(
        ReturnRequest::open(
            rid("r3"),
            not_yet,
            vec![line("b1", 1)],
            None,
            t0(),
            &region,
            &[]
        ),
        Err(ReturnError::NotDelivered(so("o1-b")))
    );
}

#[test]
fn line_checks_and_earlier_returns() {
    let region = Region::dakhla();
    let o = delivered_order(t0());
    let part = o.seller_order(&so("o1-a")).expect("a");
    let open = |lines, earlier: &[ReturnRequest]| {
        ReturnRequest::open(rid("r"), part, lines, None, t0(), &region, earlier)
    };
    assert_eq!(open(vec![], &[]), Err(ReturnError::NoLines));
    assert_eq!(open(vec![line("a1", 0)], &[]), Err(ReturnError::NoLines));
    assert!(matches!(
        open(vec![line("b1", 1)], &[]),
        Err(ReturnError::UnknownLine(_))
    ));
    assert!(matches!(
        open(vec![line("a1", 3)], &[]),
        Err(ReturnError::TooMany { returnable: 2, .. })
    ));
    assert!(matches!(
        open(vec![line("a1", 1), line("a1", 2)], &[]),
        Err(ReturnError::TooMany { requested: 3, .. })
    ));
    let first = open(vec![line("a1", 1), line("a2", 1)], &[]).expect("first");
    assert_eq!(first.value, mad("349.90"));
    assert!(matches!(
        open(vec![line("a1", 2)], std::slice::from_ref(&first)),
        Err(ReturnError::TooMany { returnable: 1, .. })
    ));
    let mut rejected = first.clone();
    rejected.reject().expect("reject");
    assert!(
        open(vec![line("a1", 2)], &[rejected]).is_ok(),
        "rejected returns do not count"
    );
}

#[test]
fn items_unfit_to_sell_are_received_kept_off_sale() {
    let region = Region::dakhla();
    let o = delivered_order(t0());
    let part = o.seller_order(&so("o1-a")).expect("a");
    let mut r = ReturnRequest::open(
        rid("r"),
        part,
        vec![line("a1", 1)],
        None,
        t0(),
        &region,
        &[],
    )
    .expect("open");
    // Not before the return is accepted, and the mark is not left behind by a refusal.
    assert!(matches!(
        r.receive_kept_off_sale(),
        Err(ReturnError::Transition(_))
    ));
    assert!(!r.kept_off_sale());
    let plain = serde_json::to_value(&r).expect("json");
    assert!(plain.get("kept_off_sale").is_none(), "left out when false");
    r.approve().expect("approve");
    r.receive_kept_off_sale().expect("received");
    assert_eq!(r.status(), ReturnStatus::Received);
    assert!(r.kept_off_sale());
    assert!(matches!(r.receive(), Err(ReturnError::Transition(_))));
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["kept_off_sale"], serde_json::json!(true));
    assert!(
        r.public_json().get("kept_off_sale").is_none(),
        "the shop's mark, not the shopper's"
    );
    let back: ReturnRequest = serde_json::from_value(json).expect("read");
    assert_eq!(back, r);
    r.refund(r.value).expect("refunded as usual");
    assert!(r.kept_off_sale());
}

#[test]
fn lifecycle() {
    let region = Region::dakhla();
    let o = delivered_order(t0());
    let part = o.seller_order(&so("o1-a")).expect("a");
    let mut r = ReturnRequest::open(
        rid("r"),
        part,
        vec![line("a1", 2)],
        Some("taille".into()),
        t0(),
        &region,
        &[],
    )
    .expect("open");
    assert_eq!(r.value, mad("500.00"));
    assert!(matches!(r.receive(), Err(ReturnError::Transition(_))));
    r.approve().expect("approve");
    assert!(r.reject().is_err());
    r.receive().expect("receive");
    assert!(matches!(
        r.refund(mad("500.01")),
        Err(ReturnError::RefundTooLarge { .. })
    ));
    r.refund(mad("470.00"))
        .expect("refund less the shipping back");
    assert_eq!(
        (r.status(), r.refunded()),
        (ReturnStatus::Refunded, Some(mad("470.00")))
    );
    assert!(r.refund(mad("1")).is_err());
}

#[test]
fn a_refund_account_is_a_named_rib_with_its_key() {
    let a = RefundAccount::new("  Fatima Zahra ", "011.780-0000123456789012 96").expect("ok");
    assert_eq!(
        (a.holder(), a.rib()),
        ("Fatima Zahra", "011780000012345678901296")
    );
    assert_eq!(a.masked(), "•••• 1296");
    let rib = "011780000012345678901296";
    assert_eq!(
        RefundAccount::new(" ", rib),
        Err(RefundAccountError::NoHolder)
    );
    assert_eq!(
        RefundAccount::new(&"x".repeat(MAX_HOLDER_CHARS + 1), rib),
        Err(RefundAccountError::HolderTooLong {
            max: MAX_HOLDER_CHARS
        })
    );
    assert_eq!(
        RefundAccount::new("a\u{7}b", rib),
        Err(RefundAccountError::HolderControl)
    );
    for bad in [
        "",
        "01178000001234567890129",
        "0117800000123456789012960",
        "01178000001234567890129x",
    ] {
        assert_eq!(
            RefundAccount::new("Fatima", bad),
            Err(RefundAccountError::BadRib),
            "{bad}"
        );
    }
    // Typed on an Arabic keyboard: the same digits.
    assert_eq!(
        RefundAccount::new("فاطمة", "٠١١٧٨٠٠٠٠٠١٢٣٤٥٦٧٨٩٠١٢٩٦").map(|a| a.rib().to_owned()),
        Ok("011780000012345678901296".to_owned())
    );
    // One digit mistyped: the key says so.
    assert_eq!(
        RefundAccount::new("Fatima", "011780000012345678901396"),
        Err(RefundAccountError::RibKey)
    );
    // Read back as stored: digits only (24, or the last 4), and a holder.
    let json = serde_json::json!({"holder": "Fatima", "rib": "01178000001234567890129x"});
    assert!(serde_json::from_value::<RefundAccount>(json).is_err());
    let json = serde_json::json!({"holder": "", "rib": "1296"});
    assert!(serde_json::from_value::<RefundAccount>(json).is_err());
    let json = serde_json::json!({"holder": "Fatima", "rib": "1296"});
    assert_eq!(
        serde_json::from_value::<RefundAccount>(json)
            .expect("the forgotten form")
            .masked(),
        "•••• 1296"
    );
}

/// A return of one unit of `a1`, asked at `t0`.
fn opened() -> ReturnRequest {
    let o = delivered_order(t0());
    let part = o.seller_order(&so("o1-a")).expect("a");
    ReturnRequest::open(
        rid("r"),
        part,
        vec![line("a1", 1)],
        None,
        t0(),
        &Region::dakhla(),
        &[],
    )
    .expect("open")
}

/// [`opened`], accepted, received and refunded `amount`.
fn refunded(amount: &str) -> ReturnRequest {
    let mut r = opened();
    r.approve().expect("approve");
    r.receive().expect("receive");
    r.refund(mad(amount)).expect("refund");
    r
}

/// The account may be given later, until the money leaves: not for a refused return, nor a
/// refund of nothing, nor once sent.
#[test]
fn a_refund_account_is_taken_until_the_money_leaves() {
    let account = RefundAccount::new("Fatima", "011780000012345678901296").expect("ok");
    let mut r = refunded("100.00");
    r.set_refund_account(account.clone()).expect("due: taken");
    let mut nothing = refunded("0.00");
    assert_eq!(
        nothing.set_refund_account(account.clone()),
        Err(ReturnError::RefundNotDue)
    );
    let mut refused = opened();
    refused.reject().expect("reject");
    assert!(matches!(
        refused.set_refund_account(account.clone()),
        Err(ReturnError::Transition(_))
    ));
    r.mark_refund_sent("VIR-1", t0(), false, "admin")
        .expect("sent");
    assert!(matches!(
        r.set_refund_account(account),
        Err(ReturnError::RefundAlreadySent(_))
    ));
}

#[test]
fn a_refund_is_due_until_it_is_marked_sent_once() {
    let mut r = opened();
    let account = RefundAccount::new("Fatima", "011780000012345678901296").expect("ok");
    r.set_refund_account(account.clone()).expect("account");
    assert_eq!(r.refund_account(), Some(&account));
    assert_eq!(r.refund_due(), None);
    assert_eq!(
        r.mark_refund_sent("VIR-1", t0(), false, "admin"),
        Err(ReturnError::RefundNotDue)
    );
    r.approve().expect("approve");
    r.receive().expect("receive");
    r.refund(mad("200.00")).expect("refund");
    assert_eq!(r.refund_due(), Some(mad("200.00")));
    // Stored before the money left, read back the same.
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["refund_to"]["rib"], "011780000012345678901296");
    assert_eq!(
        serde_json::from_value::<ReturnRequest>(json).expect("back"),
        r
    );
    assert_eq!(
        r.mark_refund_sent("  ", t0(), false, "admin"),
        Err(ReturnError::BadTransferReference)
    );
    assert_eq!(
        r.mark_refund_sent(
            &"9".repeat(MAX_TRANSFER_REFERENCE_CHARS + 1),
            t0(),
            false,
            "admin"
        ),
        Err(ReturnError::BadTransferReference)
    );
    assert_eq!(
        r.mark_refund_sent(" VIR-1 ", t0(), false, "admin@example.ma"),
        Ok(mad("200.00"))
    );
    let sent = r.refund_sent().expect("sent").clone();
    assert_eq!(
        (
            sent.reference.as_str(),
            sent.through_gateway,
            sent.by.as_str()
        ),
        ("VIR-1", false, "admin@example.ma")
    );
    assert_eq!(r.refund_due(), None);
    // Sent: only the RIB's last four digits are kept, and they read back.
    let kept = r.refund_account().expect("account");
    assert_eq!(
        (kept.rib(), kept.masked().as_str(), kept.holder()),
        ("1296", "•••• 1296", "Fatima")
    );
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(
        serde_json::from_value::<ReturnRequest>(json).expect("back"),
        r
    );
    assert_eq!(
        r.mark_refund_sent("VIR-2", t0(), false, "admin"),
        Err(ReturnError::RefundAlreadySent(Box::new(sent.clone())))
    );
    assert!(matches!(
        r.set_refund_account(account),
        Err(ReturnError::RefundAlreadySent(_))
    ));
}

#[test]
fn a_gateways_reference_is_taken_as_it_came() {
    let mut r = refunded("100.00");
    let long = "R".repeat(MAX_TRANSFER_REFERENCE_CHARS + 50);
    assert_eq!(
        r.mark_refund_sent(&long, t0(), true, "engine"),
        Ok(mad("100.00"))
    );
    assert!(r.refund_sent().expect("sent").through_gateway);
}

#[test]
fn a_refund_recorded_before_refunds_were_sent_is_not_due() {
    let r = refunded("200.00");
    let mut old = serde_json::to_value(&r).expect("json");
    let o = old.as_object_mut().expect("object");
    assert_eq!(o.remove("refund_owed"), Some(serde_json::json!(true)));
    let old: ReturnRequest = serde_json::from_value(old).expect("old");
    assert_eq!((old.refund_account(), old.refund_sent()), (None, None));
    assert_eq!(old.refunded(), Some(mad("200.00")));
    assert_eq!(old.refund_due(), None, "its money went by other means");
}

#[test]
fn a_card_refund_asked_without_an_answer_is_never_asked_again() {
    let mut r = refunded("100.00");
    assert_eq!(r.begin_refund_attempt(t0()), Ok(mad("100.00")));
    assert_eq!(r.refund_attempted_at(), Some(t0()));
    assert_eq!(
        r.begin_refund_attempt(t0()),
        Err(ReturnError::RefundOutcomeUnknown { at: t0() })
    );
    // A definite refusal: asked again.
    r.end_refund_attempt();
    assert_eq!(r.begin_refund_attempt(t0()), Ok(mad("100.00")));
    // Recorded by hand after a look at the back office: settled.
    r.mark_refund_sent("CMI-BO-1", t0(), false, "admin")
        .expect("sent");
    assert_eq!(r.refund_attempted_at(), None);
    assert!(matches!(
        r.begin_refund_attempt(t0()),
        Err(ReturnError::RefundAlreadySent(_))
    ));
}

#[test]
fn a_refused_return_keeps_no_whole_rib_and_the_public_view_never_does() {
    let account = RefundAccount::new("Fatima", "011780000012345678901296").expect("ok");
    let mut r = opened();
    r.set_refund_account(account.clone()).expect("account");
    let public = r.public_json();
    assert_eq!(public["refund_to"]["rib"], "•••• 1296");
    assert!(!public.to_string().contains("011780000012345678901296"));
    r.reject().expect("refused");
    assert_eq!(r.refund_account().map(RefundAccount::rib), Some("1296"));
    // Sent: no bookkeeping in the public view.
    let mut r = refunded("50.00");
    r.mark_refund_sent("VIR-1", t0(), false, "admin@example.ma")
        .expect("sent");
    let public = r.public_json();
    assert_eq!(public["refund_sent"]["reference"], "VIR-1");
    assert!(public["refund_sent"].get("by").is_none());
    assert!(public.get("refund_owed").is_none());
}

#[test]
fn a_zero_refund_has_nothing_to_send() {
    let mut r = refunded("0");
    assert_eq!(r.refund_due(), None);
    assert_eq!(
        r.mark_refund_sent("X", t0(), false, "admin"),
        Err(ReturnError::RefundNotDue)
    );
}

#[test]
fn a_refusal_needs_a_reason_and_keeps_it() {
    let region = Region::dakhla();
    let o = delivered_order(t0());
    let part = o.seller_order(&so("o1-a")).expect("a");
    let open = || {
        ReturnRequest::open(
            rid("r"),
            part,
            vec![line("a1", 1)],
            None,
            t0(),
            &region,
            &[],
        )
        .expect("open")
    };
    let mut r = open();
    assert_eq!(
        r.reject_because("   "),
        Err(ReturnError::RefusalWithoutReason)
    );
    assert_eq!(
        r.reject_because(&"x".repeat(MAX_REASON_CHARS + 1)),
        Err(ReturnError::ReasonTooLong {
            max: MAX_REASON_CHARS
        })
    );
    assert_eq!(r.status(), ReturnStatus::Requested, "nothing changed");
    r.reject_because(" Pièce gravée à votre nom \n")
        .expect("refused");
    assert_eq!(
        (r.status(), r.refusal()),
        (ReturnStatus::Rejected, Some("Pièce gravée à votre nom"))
    );
    // Out of order: an approved return cannot be refused, a refused one cannot be received.
    assert!(matches!(r.receive(), Err(ReturnError::Transition(_))));
    let mut approved = open();
    approved.approve().expect("approve");
    assert!(matches!(
        approved.reject_because("trop tard"),
        Err(ReturnError::Transition(_))
    ));
    assert_eq!(approved.refusal(), None);
    // Stored and read back with its reason; a document without one reads as before.
    let json = serde_json::to_string(&r).expect("json");
    let back: ReturnRequest = serde_json::from_str(&json).expect("read");
    assert_eq!(back.refusal(), Some("Pièce gravée à votre nom"));
    assert!(
        !serde_json::to_string(&approved)
            .expect("json")
            .contains("refusal")
    );
}

#[test]
fn a_second_request_for_the_same_units_says_when_and_where_it_stands() {
    let region = Region::dakhla();
    let o = delivered_order(t0());
    let part = o.seller_order(&so("o1-a")).expect("a");
    let all = returnable_units(part, &[]);
    assert!(!all.is_empty());
    let first_line = all[0].clone();
    let first = ReturnRequest::open(
        rid("r1"),
        part,
        vec![first_line.clone()],
        Some("  trop petit  ".into()),
        t0() + Duration::hours(1),
        &region,
        &[],
    )
    .expect("first");
    assert_eq!(first.reason.as_deref(), Some("trop petit"));
    assert!(
        returnable_units(part, std::slice::from_ref(&first))
            .iter()
            .all(|l| l.variant_id != first_line.variant_id)
    );
    let again = ReturnRequest::open(
        rid("r2"),
        part,
        vec![ReturnLine {
            quantity: 1,
            ..first_line.clone()
        }],
        None,
        t0() + Duration::hours(2),
        &region,
        std::slice::from_ref(&first),
    );
    assert_eq!(
        again,
        Err(ReturnError::AlreadyRequested {
            variant: first_line.variant_id.clone(),
            requested_at: t0() + Duration::hours(1),
            status: ReturnStatus::Requested,
        })
    );
    // A rejected request gives the units back.
    let mut rejected = first.clone();
    rejected.reject().expect("reject");
    assert!(
        ReturnRequest::open(
            rid("r3"),
            part,
            vec![first_line],
            None,
            t0() + Duration::hours(3),
            &region,
            &[rejected],
        )
        .is_ok()
    );
}

#[test]
fn reasons_are_bounded_and_listed() {
    assert_eq!(tidy_reason(Some("   ".into())), Ok(None));
    assert_eq!(
        tidy_reason(Some("x".repeat(MAX_REASON_CHARS + 1))),
        Err(ReturnError::ReasonTooLong {
            max: MAX_REASON_CHARS
        })
    );
    assert_eq!(
        tidy_reason(Some("a\u{7}b".into())),
        Err(ReturnError::ReasonControl)
    );
    assert_eq!(
        tidy_reason(Some("ligne 1\r\nligne 2".into())),
        Ok(Some("ligne 1\nligne 2".into()))
    );
    for r in ReturnReason::ALL {
        assert_eq!(ReturnReason::parse(r.as_str()), Some(r));
    }
    assert_eq!(ReturnReason::parse("nope"), None);
    // A shopper never chooses "came back" (the carrier's return to sender opens it).
    assert_eq!(ReturnReason::parse("came_back"), None);
    assert!(!ReturnReason::ALL.contains(&ReturnReason::CameBack));
}

mod invariants {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any sequence of steps follows the diagram and nothing else: a step out of order
        /// is refused with a typed error and leaves the return as it was; the refund is set
        /// once, only by the step that reaches `refunded`.
        #[test]
        fn steps_follow_the_diagram(steps in proptest::collection::vec(0u8..5, 0..12)) {
            let region = Region::dakhla();
            let o = delivered_order(t0());
            let part = o.seller_order(&so("o1-a")).expect("a");
            let mut r = ReturnRequest::open(rid("r"), part, vec![line("a1", 1)], None, t0(), &region, &[])
                .expect("open");
            for step in steps {
                use ReturnStatus::*;
                let before = r.clone();
                let (result, allowed_from, to) = match step {
                    0 => (r.approve(), Requested, Approved),
                    1 => (r.reject(), Requested, Rejected),
                    2 => (r.reject_because("gravé"), Requested, Rejected),
                    3 => (r.receive(), Approved, Received),
                    _ => (r.refund(mad("1.00")), Received, Refunded),
                };
                if before.status() == allowed_from {
                    prop_assert!(result.is_ok());
                    prop_assert_eq!(r.status(), to);
                } else {
                    prop_assert!(matches!(result, Err(ReturnError::Transition(_))), "{:?}", result);
                    prop_assert_eq!(&r, &before);
                }
                prop_assert_eq!(r.refunded().is_some(), r.status() == Refunded);
            }
        }

        /// Whatever the shopper asks, in any order, with some requests rejected: the units in
        /// live (not rejected) requests never exceed what was ordered, what is still returnable
        /// plus what is asked is what was ordered, and each request is worth at most its lines'
        /// net paid.
        #[test]
        fn asked_plus_returnable_is_ordered(
            asks in proptest::collection::vec((0usize..2, 0u32..4, any::<bool>()), 1..8)
        ) {
            let region = Region::dakhla();
            let o = delivered_order(t0());
            let part = o.seller_order(&so("o1-a")).expect("a");
            let mut earlier: Vec<ReturnRequest> = Vec::new();
            for (i, (which, q, reject)) in asks.into_iter().enumerate() {
                let v = ["a1", "a2"][which];
                let r = ReturnRequest::open(
                    rid(&format!("r{i}")),
                    part,
                    vec![line(v, q)],
                    None,
                    t0() + Duration::hours(1),
                    &region,
                    &earlier,
                );
                if let Ok(mut r) = r {
                    let ordered = part.lines.iter().find(|l| l.variant_id.as_str() == v).expect("line");
                    prop_assert!(r.value.compare(&ordered.net).expect("same currency").is_le());
                    if reject {
                        r.reject().expect("reject");
                    }
                    earlier.push(r);
                }
                for l in &part.lines {
                    let asked: u32 = earlier
                        .iter()
                        .filter(|r| r.status() != ReturnStatus::Rejected)
                        .flat_map(|r| r.lines.iter())
                        .filter(|x| x.variant_id == l.variant_id)
                        .map(|x| x.quantity)
                        .sum();
                    let left = returnable_units(part, &earlier)
                        .into_iter()
                        .find(|x| x.variant_id == l.variant_id)
                        .map_or(0, |x| x.quantity);
                    prop_assert!(asked <= l.quantity);
                    prop_assert_eq!(asked + left, l.quantity);
                }
            }
        }
    }
}
