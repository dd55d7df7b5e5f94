//! Where a seller's part of an order stands *for the seller's work*: the tabs of the artisan
//! portal and the `work` field of the seller API's order list.
//!
//! ```text
//! awaiting_payment  a card or transfer order not paid yet: do NOT ship
//! prepare           paid (or cash on delivery): pack it, then "ready"
//! to_ship           ready, or its label printed and the carrier not there yet
//! shipped           the carrier has it
//! done              delivered, returned, or cancelled
//! returns           the shopper asked for a return that is not settled yet
//! ```
//!
//! One pure function of the order, the part and two facts the caller reads from the order's
//! record ([`PartFacts`]); [`OrderDoc::work`](crate::order_record::OrderDoc::work) reads them.

use super::{FulfillmentStatus, Order, OrderStatus, SellerOrder};
use serde::{Deserialize, Serialize};

/// Where a seller's part stands for the seller's work (one tab of the portal each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Work {
    /// Paid, or cash on delivery: pack it.
    Prepare,
    /// A card or transfer order whose payment has not arrived: do not ship.
    AwaitingPayment,
    /// Ready, or its label printed and not yet picked up by the carrier.
    ToShip,
    /// The carrier has the parcel.
    Shipped,
    /// Delivered, returned or cancelled: nothing left to do.
    Done,
    /// The shopper asked for a return still open (requested, approved or received).
    Returns,
}

impl Work {
    /// Every state, in the portal's tab order.
    pub const ALL: [Work; 6] = [
        Work::Prepare,
        Work::AwaitingPayment,
        Work::ToShip,
        Work::Shipped,
        Work::Done,
        Work::Returns,
    ];

    /// The state's name (`prepare`, `awaiting_payment`, ...), as in JSON and in the portal's
    /// `?tab=` links.
    pub fn as_str(&self) -> &'static str {
        match self {
            Work::Prepare => "prepare",
            Work::AwaitingPayment => "awaiting_payment",
            Work::ToShip => "to_ship",
            Work::Shipped => "shipped",
            Work::Done => "done",
            Work::Returns => "returns",
        }
    }

    /// The state named `name` (see [`Work::as_str`]).
    pub fn parse(name: &str) -> Option<Work> {
        Work::ALL.into_iter().find(|w| w.as_str() == name)
    }

    /// True when the seller may press "ready: ship" (the payment allows shipping and no
    /// parcel is with the carrier yet).
    pub fn may_ship(&self) -> bool {
        matches!(self, Work::Prepare | Work::ToShip)
    }
}

/// What the order's record knows about a part beyond the order itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartFacts {
    /// The carrier has the parcel (its shipment went past "label created").
    pub handed_over: bool,
    /// A return request on this part is open (requested, approved or received).
    pub open_return: bool,
}

/// Where `part` of `order` stands for its seller's work.
///
/// ```
/// # use tijara_core::order::{Work, PartFacts, work};
/// # fn demo(order: &tijara_core::order::Order) {
/// let part = &order.seller_orders[0];
/// if work(order, part, PartFacts::default()) == Work::AwaitingPayment {
///     println!("the buyer has not paid yet: do not ship");
/// }
/// # }
/// ```
pub fn work(order: &Order, part: &SellerOrder, facts: PartFacts) -> Work {
    if facts.open_return {
        return Work::Returns;
    }
    match part.status() {
        FulfillmentStatus::Delivered
        | FulfillmentStatus::Returned
        | FulfillmentStatus::Cancelled => Work::Done,
        FulfillmentStatus::Shipped if facts.handed_over => Work::Shipped,
        FulfillmentStatus::Shipped | FulfillmentStatus::Ready => Work::ToShip,
        FulfillmentStatus::Awaiting => match order.status() {
            OrderStatus::Cancelled | OrderStatus::Completed => Work::Done,
            OrderStatus::Confirmed if order.payment.allows_shipping() => Work::Prepare,
            OrderStatus::Confirmed | OrderStatus::AwaitingPayment => Work::AwaitingPayment,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::PaymentMethod;
    use crate::testing::{place, so, t0};
    use crate::{Money, ShipmentId};
    use proptest::prelude::*;

    fn of(o: &Order, id: &str, facts: PartFacts) -> Work {
        work(o, o.seller_order(&so(id)).expect("part"), facts)
    }

    #[test]
    fn an_unpaid_card_order_waits_then_becomes_work_once_paid() {
        let mut o = place(PaymentMethod::Card);
        assert_eq!(of(&o, "o1-a", PartFacts::default()), Work::AwaitingPayment);
        assert!(!Work::AwaitingPayment.may_ship());
        o.payment.authorize(o.grand_total).expect("authorized");
        assert_eq!(
            of(&o, "o1-a", PartFacts::default()),
            Work::AwaitingPayment,
            "not confirmed yet"
        );
        assert!(o.confirm_if_paid());
        assert_eq!(of(&o, "o1-a", PartFacts::default()), Work::Prepare);
        o.mark_ready(&so("o1-a")).expect("ready");
        assert_eq!(of(&o, "o1-a", PartFacts::default()), Work::ToShip);
        o.mark_shipped(&so("o1-a"), ShipmentId::new("s").expect("id"))
            .expect("shipped");
        assert_eq!(
            of(&o, "o1-a", PartFacts::default()),
            Work::ToShip,
            "label printed, not picked up"
        );
        let with_carrier = PartFacts {
            handed_over: true,
            open_return: false,
        };
        assert_eq!(of(&o, "o1-a", with_carrier), Work::Shipped);
        o.mark_delivered(&so("o1-a"), t0()).expect("delivered");
        assert_eq!(of(&o, "o1-a", with_carrier), Work::Done);
        let asked = PartFacts {
            handed_over: true,
            open_return: true,
        };
        assert_eq!(of(&o, "o1-a", asked), Work::Returns);
    }

    #[test]
    fn cash_on_delivery_is_work_at_once_and_cancelled_is_done() {
        let o = place(PaymentMethod::CashOnDelivery);
        assert_eq!(of(&o, "o1-b", PartFacts::default()), Work::Prepare);
        let mut o = place(PaymentMethod::BankTransfer);
        assert_eq!(of(&o, "o1-b", PartFacts::default()), Work::AwaitingPayment);
        o.cancel().expect("cancelled");
        assert_eq!(of(&o, "o1-b", PartFacts::default()), Work::Done);
    }

    #[test]
    fn names_round_trip() {
        for w in Work::ALL {
            assert_eq!(Work::parse(w.as_str()), Some(w));
            assert_eq!(
                serde_json::to_value(w).expect("json"),
                serde_json::Value::String(w.as_str().into())
            );
        }
        assert_eq!(Work::parse("nope"), None);
    }

    /// What may happen to an order, in any order.
    #[derive(Debug, Clone, Copy)]
    enum Step {
        Authorize,
        Capture,
        Fail,
        Void,
        Confirm,
        Ready,
        Ship,
        Deliver,
        Return,
        Cancel,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::Authorize),
            Just(Step::Capture),
            Just(Step::Fail),
            Just(Step::Void),
            Just(Step::Confirm),
            Just(Step::Ready),
            Just(Step::Ship),
            Just(Step::Deliver),
            Just(Step::Return),
            Just(Step::Cancel),
        ]
    }

    fn method() -> impl Strategy<Value = PaymentMethod> {
        prop_oneof![
            Just(PaymentMethod::Card),
            Just(PaymentMethod::BankTransfer),
            Just(PaymentMethod::CashOnDelivery),
        ]
    }

    fn apply(o: &mut Order, s: Step) {
        let part = so("o1-a");
        let total: Money = o.grand_total;
        // Refusals are part of the game: the order stays as it was.
        let _ = match s {
            Step::Authorize => o.payment.authorize(total).map_err(|_| ()),
            Step::Capture => o.payment.capture(total).map_err(|_| ()),
            Step::Fail => o.payment.fail().map_err(|_| ()),
            Step::Void => o.payment.void().map_err(|_| ()),
            Step::Confirm => {
                o.confirm_if_paid();
                Ok(())
            }
            Step::Ready => o.mark_ready(&part).map_err(|_| ()),
            Step::Ship => o
                .mark_shipped(&part, ShipmentId::new("s").expect("id"))
                .map_err(|_| ()),
            Step::Deliver => o.mark_delivered(&part, t0()).map_err(|_| ()),
            Step::Return => o.mark_returned(&part).map_err(|_| ()),
            Step::Cancel => o.cancel().map_err(|_| ()),
        };
    }

    proptest! {
        /// For any history: the portal offers "ready" (Prepare) exactly when the engine's rule
        /// accepts it, never shows an unpaid part as work, and an open return always wins.
        #[test]
        fn the_tab_agrees_with_the_rules(
            m in method(),
            steps in prop::collection::vec(step(), 0..12),
            handed_over in any::<bool>(),
            open_return in any::<bool>(),
        ) {
            let mut o = place(m);
            for s in steps {
                apply(&mut o, s);
            }
            let part = o.seller_order(&so("o1-a")).expect("part").clone();
            let facts = PartFacts { handed_over, open_return };
            let w = work(&o, &part, facts);
            if open_return {
                prop_assert_eq!(w, Work::Returns);
                return Ok(());
            }
            let mut trial = o.clone();
            let ready_ok = trial.mark_ready(&part.id).is_ok();
            prop_assert_eq!(w == Work::Prepare, ready_ok);
            if w == Work::AwaitingPayment {
                prop_assert!(!o.payment.allows_shipping() || o.status() != OrderStatus::Confirmed);
                prop_assert_eq!(part.status(), FulfillmentStatus::Awaiting);
            }
            if w.may_ship() {
                prop_assert!(o.payment.allows_shipping() || part.status() != FulfillmentStatus::Awaiting);
            }
            prop_assert_eq!(w == Work::Shipped, part.status() == FulfillmentStatus::Shipped && handed_over);
        }
    }
}
