use super::*;
use crate::catalog::Seller;
use crate::fulfillment::{Parcel, TrackingEvent, TrackingStatus};
use crate::order::Order;
use crate::order_record::{AccessToken, NewShipment};
use crate::payout::{LedgerEntry, Settlement, Statement};
use crate::returns::ReturnLine;
use crate::testing::{catalog, mad, place, so, t0};
use crate::{Lang, ReturnId, ShipmentId};
use proptest::prelude::*;

fn member(s: &str) -> MemberId {
    MemberId::new(s).expect("id")
}

fn seller_a(leather: u32, jewellery: u32) -> Seller {
    let mut a = catalog()
        .seller(&SellerId::new("a").expect("id"))
        .expect("a")
        .clone();
    a.commission_rate = Rate::percent(leather).expect("rate");
    a.category_commissions.insert(
        CategoryId::new("jewellery").expect("id"),
        Rate::percent(jewellery).expect("rate"),
    );
    a
}

/// Seller a's commission on a seller order, line by line at its rates.
fn commission_due(seller: &Seller, so: &crate::order::SellerOrder) -> Money {
    so.lines.iter().fold(Money::zero(Currency::MAD), |acc, l| {
        acc.checked_add(
            l.net
                .mul_rounded(seller.commission_for(&l.category_id).fraction())
                .expect("mul"),
        )
        .expect("add")
    })
}

/// Order `o1` (a: 2 × a1 leather, 1 × a2 jewellery, shipping 45.00; b: 1 × b1), seller a's
/// lines made by `makers`, settled at seller a's rates.
fn doc(method: PaymentMethod, makers: [Option<MemberId>; 2], a: &Seller, id: &str) -> OrderDoc {
    let mut order: Order = place(method);
    order.id = OrderId::new(id).expect("id");
    for (l, m) in order.seller_orders[0].lines.iter_mut().zip(makers) {
        l.made_by = m;
    }
    let b = catalog()
        .seller(&SellerId::new("b").expect("id"))
        .expect("b")
        .clone();
    let parts = order
        .seller_orders
        .iter()
        .map(|s| {
            let seller = if s.seller_id == a.id { a } else { &b };
            (s.seller_id.clone(), s.total, commission_due(seller, s))
        })
        .collect();
    let settlement = Settlement::new(Currency::MAD, parts).expect("settlement");
    OrderDoc {
        order,
        gateway: "card".into(),
        payment_attempts: 1,
        payment_log: vec![],
        reservations: vec![],
        shipments: vec![],
        returns: vec![],
        settlement,
        ledger: vec![],
        lang: Lang::FR,
        payment_reminded: false,
        access_token: AccessToken::new("ab"),
        client_key: None,
    }
}

fn push(d: &mut OrderDoc, at: DateTime<Utc>, moves: Vec<crate::payout::ShareMovement>) {
    let order_id = d.order.id.clone();
    d.ledger
        .extend(moves.into_iter().map(|movement| LedgerEntry {
            at,
            order_id: order_id.clone(),
            movement,
        }));
}

fn far() -> DateTime<Utc> {
    t0() + chrono::Duration::days(3650)
}

#[test]
fn a_members_share_is_her_lines_net_less_their_category_commission() {
    let a = seller_a(10, 15);
    let mut d = doc(
        PaymentMethod::Card,
        [Some(member("fatma")), Some(member("salka"))],
        &a,
        "o1",
    );
    let total = d.order.grand_total;
    let moves = d.settlement.receive(total).expect("captured");
    push(&mut d, t0(), moves);
    let docs = [d];
    let fatma = SellerStatement::build(
        &a,
        Scope::Member(member("fatma")),
        Currency::MAD,
        &docs,
        t0(),
        far(),
    )
    .expect("statement");
    // 2 × 250.00 leather at 10 %: 500.00 − 50.00.
    assert_eq!(fatma.totals.sales, mad("500.00"));
    assert_eq!(fatma.totals.commission, mad("50.00"));
    assert_eq!(fatma.totals.share, mad("450.00"));
    assert!(fatma.members.is_empty() && fatma.unattributed.is_none());
    assert!(
        fatma
            .lines
            .iter()
            .all(|l| l.made_by == Some(member("fatma")))
    );
    // 99.90 jewellery at 15 %: 99.90 − 14.99.
    let salka = SellerStatement::build(
        &a,
        Scope::Member(member("salka")),
        Currency::MAD,
        &docs,
        t0(),
        far(),
    )
    .expect("statement");
    assert_eq!(salka.totals.share, mad("84.91"));
    // The cooperative: both, and the shipping (45.00, no commission), not payable before
    // delivery.
    let coop =
        SellerStatement::build(&a, Scope::Seller, Currency::MAD, &docs, t0(), far()).expect("st");
    assert_eq!(coop.totals.share, mad("579.91"));
    assert_eq!(coop.unattributed.expect("none").share, mad("45.00"));
    assert_eq!(coop.totals.held_not_delivered, coop.totals.share);
    assert!(coop.totals.payable.is_zero());
}

fn ship_and_deliver(d: &mut OrderDoc, part: &str) {
    d.mark_ready(&so(part)).expect("ready");
    d.record_shipment(
        NewShipment {
            id: ShipmentId::new(format!("{part}-sh")).expect("id"),
            seller_order: so(part),
            carrier: "amana".into(),
            service: "standard".into(),
            parcels: vec![Parcel {
                weight_grams: 500,
                dimensions: None,
            }],
            tracking_number: "N1".into(),
            provisional_number: false,
            customs: None,
        },
        |_| false,
    )
    .expect("shipped");
    d.apply_tracking(
        "amana",
        "N1",
        vec![TrackingEvent {
            at: t0() + chrono::Duration::hours(2),
            status: TrackingStatus::Delivered,
            carrier_code: "delivered".into(),
            carrier_text: String::new(),
            location: None,
            cod_collected: None,
        }],
        t0(),
    )
    .expect("delivered");
}

#[test]
fn a_returns_refund_falls_on_the_returned_line_only() {
    let a = seller_a(10, 15);
    let mut d = doc(
        PaymentMethod::Card,
        [Some(member("fatma")), Some(member("salka"))],
        &a,
        "o1",
    );
    let total = d.order.grand_total;
    d.record_payment(
        crate::order_record::ReceivedPayment {
            source: crate::order_record::PaymentSource::Gateway {
                code: "card".into(),
            },
            reference: "tx1".into(),
            event: crate::payment::PaymentEventKind::Captured { amount: total },
            raw: serde_json::Value::Null,
            attempt: Some("o1-1".into()),
        },
        t0(),
    );
    ship_and_deliver(&mut d, "o1-a");
    let line = d.order.seller_orders[0].lines[1].clone();
    let id = ReturnId::new("ret1").expect("id");
    let now = t0() + chrono::Duration::days(1);
    d.open_return(
        id.clone(),
        &so("o1-a"),
        vec![ReturnLine {
            variant_id: line.variant_id.clone(),
            quantity: 1,
        }],
        None,
        now,
        &crate::Region::dakhla(),
    )
    .expect("opened");
    d.approve_return(&id).expect("approved");
    d.receive_return(&id).expect("received");
    let docs = [d.clone()];
    let before = SellerStatement::build(
        &a,
        Scope::Member(member("fatma")),
        Currency::MAD,
        &docs,
        t0(),
        far(),
    )
    .expect("st");
    d.refund_return(&id, line.net, &a, now).expect("refunded");
    let docs = [d];
    let fatma = SellerStatement::build(
        &a,
        Scope::Member(member("fatma")),
        Currency::MAD,
        &docs,
        t0(),
        far(),
    )
    .expect("st");
    assert_eq!(fatma.totals, before.totals, "salka's return is not fatma's");
    let salka = SellerStatement::build(
        &a,
        Scope::Member(member("salka")),
        Currency::MAD,
        &docs,
        t0(),
        far(),
    )
    .expect("st");
    assert_eq!(salka.totals.refunds, line.net);
    let refund = salka.lines.iter().find(|l| l.is_refund()).expect("refund");
    assert_eq!(refund.gross, line.net.negated());
    assert_eq!(salka.totals.payable, salka.totals.share);
}

#[test]
fn csv_fields_are_escaped_and_formulas_defused() {
    assert_eq!(csv_field("plain"), "plain");
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    assert_eq!(csv_field("-12.50"), "-12.50");
    assert_eq!(csv_field("-cmd"), "'-cmd");
    assert_eq!(csv_field("تعاونية"), "تعاونية");
}

fn maker(k: u8) -> Option<MemberId> {
    match k {
        1 => Some(member("fatma")),
        2 => Some(member("salka")),
        _ => None,
    }
}

proptest! {
    /// For any orders, refunds and rates: the cooperative's statement is the sum of its
    /// members' statements and its unattributed lines, to the centime, and equals the ledger.
    #[test]
    fn the_cooperative_is_its_members_plus_unattributed(
        orders in prop::collection::vec(
            (any::<bool>(), 0u8..3, 0u8..3, 0u32..=10_000, 0i64..90),
            1..8,
        ),
        leather in 0u32..40,
        jewellery in 0u32..40,
        window in 0i64..90,
    ) {
        let a = seller_a(leather, jewellery);
        let mut docs = Vec::new();
        for (i, (cod, m1, m2, refund_bp, day)) in orders.into_iter().enumerate() {
            let method = if cod { PaymentMethod::CashOnDelivery } else { PaymentMethod::Card };
            let mut d = doc(method, [maker(m1), maker(m2)], &a, &format!("o{i}"));
            let at = t0() + chrono::Duration::days(day);
            let a_total = d.order.seller_orders[0].total;
            if cod {
                let m = d.settlement.receive_for_seller(&a.id, a_total).expect("collected");
                push(&mut d, at, vec![m]);
            } else {
                let total = d.order.grand_total;
                let moves = d.settlement.receive(total).expect("captured");
                push(&mut d, at, moves);
            }
            let base = if cod { a_total } else { d.order.grand_total };
            let refund = base
                .mul_rounded(Decimal::from(refund_bp) / Decimal::from(10_000))
                .expect("mul");
            if refund.is_positive() {
                let later = at + chrono::Duration::days(1);
                if cod {
                    let m = d.settlement.refund_for_seller(&a.id, refund).expect("refund");
                    push(&mut d, later, vec![m]);
                } else {
                    let moves = d.settlement.refund(refund).expect("refund");
                    push(&mut d, later, moves);
                }
            }
            docs.push(d);
        }
        let from = t0() + chrono::Duration::days(window / 3);
        let until = from + chrono::Duration::days(window);
        let coop = SellerStatement::build(&a, Scope::Seller, Currency::MAD, &docs, from, until)
            .expect("coop");
        let mut sum = coop.unattributed.expect("unattributed");
        for m in [member("fatma"), member("salka")] {
            let st = SellerStatement::build(&a, Scope::Member(m.clone()), Currency::MAD, &docs, from, until)
                .expect("member");
            let inside = coop.members.iter().find(|t| t.member_id == m).map(|t| t.totals)
                .unwrap_or(Totals::zero(Currency::MAD));
            prop_assert_eq!(st.totals, inside);
            sum = sum.plus(&st.totals).expect("plus");
        }
        prop_assert_eq!(sum, coop.totals);
        // And the ledger's own totals.
        let entries: Vec<LedgerEntry> = docs.iter().flat_map(|d| d.ledger.iter().cloned()).collect();
        let ledger = Statement::build(&a.id, Currency::MAD, from, until, &entries).expect("ledger");
        prop_assert_eq!(coop.totals.sales, ledger.sales);
        prop_assert_eq!(coop.totals.refunds, ledger.refunds);
        prop_assert_eq!(coop.totals.commission, ledger.commission);
        prop_assert_eq!(coop.totals.share, ledger.owed);
        prop_assert_eq!(
            coop.totals.payable
                .checked_add(coop.totals.held_not_delivered).expect("add")
                .checked_add(coop.totals.held_cod_not_remitted).expect("add"),
            coop.totals.share
        );
    }
}

/// One order of the property below: paid by card (captured) or cash on delivery (collected at
/// delivery), seller a's part delivered or not, the carrier's cash handed over or not, and a
/// return of some of seller a's units refunded in full or in part.
#[derive(Debug, Clone)]
struct Case {
    cod: bool,
    makers: (u8, u8),
    delivered: bool,
    remitted: bool,
    /// Units of line 0 (of 2) and line 1 (of 1) returned.
    back: (u32, u32),
    /// The refund, in ten-thousandths of the return's value.
    refund_bp: u32,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        (0u8..3, 0u8..3),
        any::<bool>(),
        any::<bool>(),
        (0u32..=2, 0u32..=1),
        prop_oneof![Just(10_000u32), 1u32..=10_000],
    )
        .prop_map(|(cod, makers, delivered, remitted, back, refund_bp)| Case {
            cod,
            makers,
            delivered,
            remitted,
            back,
            refund_bp,
        })
}

/// Plays one case on a fresh document; the return's id and refund if one was refunded.
fn play(a: &Seller, c: &Case, i: usize) -> (OrderDoc, Option<(ReturnId, Money)>) {
    let method = if c.cod {
        PaymentMethod::CashOnDelivery
    } else {
        PaymentMethod::Card
    };
    let id = format!("o{i}");
    let mut d = doc(method, [maker(c.makers.0), maker(c.makers.1)], a, &id);
    if !c.cod {
        let total = d.order.grand_total;
        d.record_payment(
            crate::order_record::ReceivedPayment {
                source: crate::order_record::PaymentSource::Gateway {
                    code: "card".into(),
                },
                reference: format!("tx{i}"),
                event: crate::payment::PaymentEventKind::Captured { amount: total },
                raw: serde_json::Value::Null,
                attempt: Some(format!("{id}-1")),
            },
            t0(),
        );
    }
    if !c.delivered {
        return (d, None);
    }
    ship_and_deliver(&mut d, "o1-a");
    if c.cod && c.remitted {
        let collected = d.order.payment.collected();
        d.record_remittance(
            collected,
            &format!("rem{i}"),
            t0() + chrono::Duration::hours(5),
        )
        .expect("remitted");
    }
    let part = d.order.seller_orders[0].clone();
    let lines: Vec<ReturnLine> = [c.back.0, c.back.1]
        .into_iter()
        .zip(&part.lines)
        .filter(|(q, _)| *q > 0)
        .map(|(quantity, l)| ReturnLine {
            variant_id: l.variant_id.clone(),
            quantity,
        })
        .collect();
    if lines.is_empty() {
        return (d, None);
    }
    let ret = ReturnId::new(format!("ret{i}")).expect("id");
    let now = t0() + chrono::Duration::days(1);
    d.open_return(
        ret.clone(),
        &so("o1-a"),
        lines,
        None,
        now,
        &crate::Region::dakhla(),
    )
    .expect("opened");
    d.approve_return(&ret).expect("approved");
    d.receive_return(&ret).expect("received");
    let value = d.returns[0].value;
    let amount = value
        .mul_rounded(Decimal::from(c.refund_bp) / Decimal::from(10_000))
        .expect("mul");
    if !amount.is_positive() {
        return (d, None);
    }
    d.refund_return(&ret, amount, a, now).expect("refunded");
    (d, Some((ret, amount)))
}

proptest! {
    /// For any orders (card or cash on delivery, delivered or not, the cash handed over or
    /// not), returns refunded in full or in part and per-category rates: the cooperative's
    /// statement is the sum of its members' statements and its unattributed lines, to the
    /// centime, and equals the ledger; each return's refund gives back exactly the commission
    /// its own lines carry, and a line returned whole and refunded in full takes back exactly
    /// the share its sale brought.
    #[test]
    fn refunds_follow_each_lines_own_rate(
        cases in prop::collection::vec(case(), 1..6),
        leather in 0u32..40,
        jewellery in 0u32..40,
    ) {
        let a = seller_a(leather, jewellery);
        let played: Vec<_> = cases.iter().enumerate().map(|(i, c)| play(&a, c, i)).collect();
        let docs: Vec<OrderDoc> = played.iter().map(|(d, _)| d.clone()).collect();
        let (from, until) = (t0() - chrono::Duration::days(1), far());
        let coop = SellerStatement::build(&a, Scope::Seller, Currency::MAD, &docs, from, until)
            .expect("coop");
        let mut sum = coop.unattributed.expect("unattributed");
        for m in [member("fatma"), member("salka")] {
            let st = SellerStatement::build(&a, Scope::Member(m.clone()), Currency::MAD, &docs, from, until)
                .expect("member");
            let inside = coop.members.iter().find(|t| t.member_id == m).map(|t| t.totals)
                .unwrap_or(Totals::zero(Currency::MAD));
            prop_assert_eq!(st.totals, inside);
            sum = sum.plus(&st.totals).expect("plus");
        }
        prop_assert_eq!(sum, coop.totals);
        let entries: Vec<LedgerEntry> = docs.iter().flat_map(|d| d.ledger.iter().cloned()).collect();
        let ledger = Statement::build(&a.id, Currency::MAD, from, until, &entries).expect("ledger");
        prop_assert_eq!(coop.totals.sales, ledger.sales);
        prop_assert_eq!(coop.totals.refunds, ledger.refunds);
        prop_assert_eq!(coop.totals.commission, ledger.commission);
        prop_assert_eq!(coop.totals.share, ledger.owed);
        for (c, (d, refunded)) in cases.iter().zip(&played) {
            let Some((ret_id, amount)) = refunded else { continue };
            let ret = d.returns.iter().find(|r| &r.id == ret_id).expect("return");
            let part = &d.order.seller_orders[0];
            let due = d.settlement.parts()[0].commission_due;
            let (value, own) = returned_share(&a, part, due, ret).expect("share");
            let of_order = |refund: bool| -> Vec<&StatementLine> {
                coop.lines
                    .iter()
                    .filter(|l| l.order_id == d.order.id && l.is_refund() == refund)
                    .collect()
            };
            let refund_lines = of_order(true);
            let given_back = refund_lines.iter().try_fold(Money::zero(Currency::MAD), |acc, l| {
                acc.checked_add(l.commission.negated())
            }).expect("sum");
            let gross_back = refund_lines.iter().try_fold(Money::zero(Currency::MAD), |acc, l| {
                acc.checked_sub(l.gross)
            }).expect("sum");
            prop_assert_eq!(gross_back, *amount);
            prop_assert!(refund_lines.iter().all(|l| l.sku.is_some()), "no shipping in a return's refund");
            if *amount == value {
                // The whole value: exactly the commission the returned lines carry.
                prop_assert_eq!(given_back, own, "{:?}", c);
                // Lines returned whole: each takes back exactly what its sale brought.
                let whole = [c.back.0 == 0 || c.back.0 == 2, true];
                if whole.iter().all(|w| *w) {
                    for r in &refund_lines {
                        let sale: Money = of_order(false)
                            .iter()
                            .filter(|s| s.sku == r.sku)
                            .try_fold(Money::zero(Currency::MAD), |acc, s| acc.checked_add(s.share))
                            .expect("sum");
                        prop_assert_eq!(r.share, sale.negated(), "{:?} {:?}", r.sku, c);
                    }
                }
            }
        }
    }
}
