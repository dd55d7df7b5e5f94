use super::*;
use crate::payment::PaymentMethod;
use crate::testing::{catalog, mad, place, t0};
use proptest::prelude::*;

fn sid(s: &str) -> SellerId {
    SellerId::new(s).expect("id")
}

#[test]
fn commission_per_category_on_lines_only() {
    let o = place(PaymentMethod::Card);
    let s = Settlement::for_order(&o, &catalog()).expect("settlement");
    // a: 10 % of 500.00 + 15 % of 99.90 (jewellery) = 50.00 + 14.99; b: 12 % of 1 200.00.
    assert_eq!(s.parts()[0].commission_due, mad("64.99"));
    assert_eq!(s.parts()[1].commission_due, mad("144.00"));
}

#[test]
fn full_capture_then_full_refund() {
    let o = place(PaymentMethod::Card);
    let mut s = Settlement::for_order(&o, &catalog()).expect("settlement");
    let moves = s.receive(o.grand_total).expect("receive");
    assert_eq!(moves.len(), 2);
    assert_eq!(
        (moves[0].gross, moves[0].commission, moves[0].seller_share),
        (mad("644.90"), mad("64.99"), mad("579.91"))
    );
    assert_eq!(
        (moves[1].gross, moves[1].commission),
        (mad("1260.00"), mad("144.00"))
    );
    assert!(matches!(
        s.receive(mad("0.01")),
        Err(PayoutError::Overpaid { .. })
    ));
    let (gross, commission, shares) = s.totals().expect("totals");
    assert_eq!(gross, o.grand_total);
    assert_eq!(commission.checked_add(shares).expect("add"), gross);
    s.refund(mad("100.00")).expect("partial refund");
    s.refund(mad("1804.90")).expect("the rest");
    let (gross, commission, shares) = s.totals().expect("totals");
    assert!(gross.is_zero() && commission.is_zero() && shares.is_zero());
    assert!(matches!(
        s.refund(mad("0.01")),
        Err(PayoutError::OverRefunded { .. })
    ));
}

#[test]
fn cod_per_seller_and_statements() {
    let o = place(PaymentMethod::CashOnDelivery);
    let mut s = Settlement::for_order(&o, &catalog()).expect("settlement");
    let m = s
        .receive_for_seller(&sid("b"), mad("1260.00"))
        .expect("collected");
    assert_eq!(
        (m.commission, m.seller_share),
        (mad("144.00"), mad("1116.00"))
    );
    assert!(matches!(
        s.receive_for_seller(&sid("zz"), mad("1")),
        Err(PayoutError::UnknownSeller(_))
    ));
    assert!(matches!(
        s.receive_for_seller(&sid("b"), mad("1")),
        Err(PayoutError::Overpaid { .. })
    ));
    assert!(matches!(
        s.receive_for_seller(&sid("a"), mad("0")),
        Err(PayoutError::NotPositive)
    ));
    let r = s
        .refund_for_seller(&sid("b"), mad("600.00"))
        .expect("withdrawal");
    assert_eq!(
        (r.gross, r.commission, r.seller_share),
        (mad("-600.00"), mad("-68.57"), mad("-531.43"))
    );
    let entries = vec![
        LedgerEntry {
            at: t0(),
            order_id: o.id.clone(),
            movement: m,
        },
        LedgerEntry {
            at: t0() + chrono::Duration::days(2),
            order_id: o.id.clone(),
            movement: r,
        },
        LedgerEntry {
            at: t0() + chrono::Duration::days(40),
            order_id: o.id.clone(),
            movement: ShareMovement {
                seller_id: sid("b"),
                gross: mad("1"),
                commission: mad("0"),
                seller_share: mad("1"),
            },
        },
    ];
    let st = Statement::build(
        &sid("b"),
        Currency::MAD,
        t0(),
        t0() + chrono::Duration::days(30),
        &entries,
    )
    .expect("statement");
    assert_eq!(st.entries.len(), 2);
    assert_eq!(
        (st.sales, st.refunds, st.commission, st.owed),
        (mad("1260.00"), mad("600.00"), mad("75.43"), mad("584.57"))
    );
    assert_eq!(
        st.sales
            .checked_sub(st.refunds)
            .and_then(|x| x.checked_sub(st.commission))
            .expect("sum"),
        st.owed
    );
}

#[derive(Debug, Clone)]
enum Op {
    Receive(i64),
    ReceiveFor(usize, i64),
    Refund(i64),
    RefundFor(usize, i64),
}

proptest! {
    #[test]
    fn shares_plus_commissions_always_equal_the_money_kept(
        parts in prop::collection::vec((1i64..5_000_000, 0u32..=100), 1..6),
        ops in prop::collection::vec(prop_oneof![
            (1i64..3_000_000).prop_map(Op::Receive),
            (0usize..6, 1i64..3_000_000).prop_map(|(i, a)| Op::ReceiveFor(i, a)),
            (1i64..3_000_000).prop_map(Op::Refund),
            (0usize..6, 1i64..3_000_000).prop_map(|(i, a)| Op::RefundFor(i, a)),
        ], 0..30),
        finish in any::<bool>(),
    ) {
        let m = |c: i64| Money::from_minor(c, Currency::MAD);
        let ids: Vec<SellerId> = (0..parts.len()).map(|i| sid(&format!("s{i}"))).collect();
        let spec: Vec<(SellerId, Money, Money)> = parts.iter().zip(&ids)
            .map(|((due, pct), id)| (id.clone(), m(*due), m(*due).mul_rounded(rust_decimal::Decimal::from(*pct) / rust_decimal::Decimal::ONE_HUNDRED).expect("c")))
            .collect();
        let mut s = Settlement::new(Currency::MAD, spec).expect("settlement");
        let (mut received, mut refunded) = (m(0), m(0));
        for op in ops {
            match op {
                Op::Receive(a) => if let Ok(mv) = s.receive(m(a)) {
                    received = received.checked_add(m(a)).expect("add");
                    let sum = Money::sum(Currency::MAD, mv.iter().map(|x| x.gross)).expect("sum");
                    prop_assert_eq!(sum, m(a));
                },
                Op::ReceiveFor(i, a) => if let Some(id) = ids.get(i) && s.receive_for_seller(id, m(a)).is_ok() {
                    received = received.checked_add(m(a)).expect("add");
                },
                Op::Refund(a) => if s.refund(m(a)).is_ok() { refunded = refunded.checked_add(m(a)).expect("add"); },
                Op::RefundFor(i, a) => if let Some(id) = ids.get(i) && s.refund_for_seller(id, m(a)).is_ok() {
                    refunded = refunded.checked_add(m(a)).expect("add");
                },
            }
            let (gross, commission, shares) = s.totals().expect("totals");
            prop_assert_eq!(gross, received.checked_sub(refunded).expect("sub"));
            prop_assert_eq!(commission.checked_add(shares).expect("add"), gross);
            for p in s.parts() {
                prop_assert!(!p.net_commission().expect("c").is_negative());
                prop_assert!(!p.seller_share().expect("s").is_negative());
                prop_assert!(!p.commission_taken.compare(&p.commission_due).expect("cmp").is_gt());
                prop_assert!(!p.received.compare(&p.due).expect("cmp").is_gt());
            }
        }
        if finish {
            // Pay everything still due, then refund everything: commissions land exactly.
            let (gross, _, _) = s.totals().expect("totals");
            let due: Vec<Money> = s.parts().iter().map(|p| p.due.checked_sub(p.received).expect("left")).collect();
            for (id, left) in ids.iter().zip(due) { if left.is_positive() { s.receive_for_seller(id, left).expect("pay rest"); } }
            if refunded.is_zero() {
                for p in s.parts() { prop_assert_eq!(p.commission_taken, p.commission_due); }
            }
            let _ = gross;
            let (kept, _, _) = s.totals().expect("totals");
            if kept.is_positive() { s.refund(kept).expect("refund all"); }
            let (g, c, sh) = s.totals().expect("totals");
            prop_assert!(g.is_zero() && c.is_zero() && sh.is_zero());
        }
    }
}
