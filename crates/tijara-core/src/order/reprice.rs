//! Re-pricing a placed order's delivery: when an unpaid order switches to cash on delivery,
//! each parcel's carrier may charge a fee for collecting the cash. The order is then priced
//! again from the carriers' new prices, as placing would have: the items, their discounts and
//! their TVA do not change; each parcel's delivery gets its new price, keeps the discount it
//! had (free shipping covers what it covered, never more than the new price), and its TVA is
//! split again at the rate it was charged; every total is a sum of these parts, so the TVA
//! breakdown, the per-seller totals and the grand total agree exactly.

use super::{Order, OrderError};
use crate::ids::{SellerId, SellerOrderId};
use crate::money::Money;
use crate::tax::{TaxSplit, TvaBreakdown, split_ttc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One parcel's delivery charge before and after re-pricing (net, TTC: what the shopper pays
/// for it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RepricedParcel {
    /// The seller order.
    pub seller_order_id: SellerOrderId,
    /// Its seller.
    pub seller_id: SellerId,
    /// The delivery charged before.
    pub before: Money,
    /// The delivery charged after.
    pub after: Money,
}

/// What re-pricing an order's delivery changes ([`Order::repriced_delivery`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Repricing {
    /// Every parcel given a new price, by seller order.
    pub parcels: Vec<RepricedParcel>,
    /// The grand total before.
    pub grand_total_before: Money,
    /// The grand total after.
    pub grand_total: Money,
}

impl Repricing {
    /// True when the shopper would pay another total.
    pub fn changes_total(&self) -> bool {
        self.grand_total != self.grand_total_before
    }
}

impl Order {
    /// This order with its parcels' deliveries priced again: `prices` gives a seller order's
    /// new delivery price (TTC, before any shipping discount: the carrier's price); a seller
    /// order absent from it keeps its price. Pure: the order itself is not changed.
    ///
    /// # Errors
    /// [`OrderError::UnknownSellerOrder`] for a seller order not in the order,
    /// [`OrderError::NoDelivery`] for one with nothing to deliver, [`OrderError::NegativePrice`]
    /// for a negative price, [`OrderError::Money`] for another currency or an overflow.
    pub fn repriced_delivery(
        &self,
        prices: &BTreeMap<SellerOrderId, Money>,
    ) -> Result<(Order, Repricing), OrderError> {
        for id in prices.keys() {
            self.seller_order(id)?;
        }
        let currency = self.currency;
        let mut order = self.clone();
        let mut parcels = Vec::new();
        let mut grand_tva = TvaBreakdown::new(currency);
        for so in &mut order.seller_orders {
            if let Some(&price) = prices.get(&so.id) {
                let Some(ship) = so.shipping.as_mut() else {
                    return Err(OrderError::NoDelivery(so.id.clone()));
                };
                if price.is_negative() {
                    return Err(OrderError::NegativePrice(so.id.clone()));
                }
                let before = ship.net;
                // A delivery exempt as an export stays so: the new price less its TVA.
                let gross = match ship.export.as_mut() {
                    Some(x) => {
                        let ht = split_ttc(price, x.rate)?.ht;
                        x.relief = price.checked_sub(ht)?;
                        ht
                    }
                    None => price,
                };
                let discount = ship.discount.min(gross)?;
                let net = gross.checked_sub(discount)?;
                let split = split_ttc(net, ship.tva_rate)?;
                ship.choice.price = price;
                ship.gross = gross;
                ship.discount = discount;
                ship.net = net;
                ship.ht = split.ht;
                ship.tva = split.tva;
                parcels.push(RepricedParcel {
                    seller_order_id: so.id.clone(),
                    seller_id: so.seller_id.clone(),
                    before,
                    after: net,
                });
            }
            // The seller's totals, again from their parts.
            let mut tva = TvaBreakdown::new(currency);
            let mut subtotal = Money::zero(currency);
            for l in &so.lines {
                subtotal = subtotal.checked_add(l.net)?;
                tva.add(
                    l.tva_rate,
                    &TaxSplit {
                        ht: l.ht,
                        tva: l.tva,
                        ttc: l.net,
                    },
                )?;
            }
            let mut total = subtotal;
            if let Some(s) = &so.shipping {
                tva.add(
                    s.tva_rate,
                    &TaxSplit {
                        ht: s.ht,
                        tva: s.tva,
                        ttc: s.net,
                    },
                )?;
                total = total.checked_add(s.net)?;
            }
            so.subtotal = subtotal;
            so.total = total;
            so.tva = tva;
            if so.cod_amount.is_some() {
                so.cod_amount = Some(total);
            }
            grand_tva.merge(&so.tva)?;
        }
        order.items_net = Money::sum(currency, order.seller_orders.iter().map(|s| s.subtotal))?;
        order.shipping_total = Money::sum(
            currency,
            order
                .seller_orders
                .iter()
                .filter_map(|s| s.shipping.as_ref().map(|x| x.net)),
        )?;
        order.grand_total = order.items_net.checked_add(order.shipping_total)?;
        order.tva = grand_tva;
        order.display_totals = self
            .display_totals
            .iter()
            .map(|d| d.rate.convert(order.grand_total))
            .collect::<Result<Vec<_>, _>>()?;
        let repricing = Repricing {
            parcels,
            grand_total_before: self.grand_total,
            grand_total: order.grand_total,
        };
        Ok((order, repricing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::PaymentMethod;
    use crate::testing::{mad, place, so};
    use proptest::prelude::*;

    #[test]
    fn a_cod_fee_raises_the_delivery_and_every_total() {
        let o = place(PaymentMethod::Card);
        let a = o.seller_order(&so("o1-a")).expect("a").clone();
        let Some(ship) = a.shipping.clone() else {
            panic!("a ships")
        };
        let fee = mad("10.00");
        let new_price = ship.gross.checked_add(fee).expect("sum");
        let prices = BTreeMap::from([(so("o1-a"), new_price)]);
        let (r, what) = o.repriced_delivery(&prices).expect("repriced");
        assert!(what.changes_total());
        assert_eq!(
            what.grand_total,
            o.grand_total.checked_add(fee).expect("sum")
        );
        assert_eq!(r.grand_total, what.grand_total);
        let ra = r.seller_order(&so("o1-a")).expect("a");
        assert_eq!(ra.total, a.total.checked_add(fee).expect("sum"));
        assert_eq!(ra.lines, a.lines, "the items do not change");
        assert_eq!(
            r.seller_order(&so("o1-b")).expect("b"),
            o.seller_order(&so("o1-b")).expect("b"),
            "another seller's parcel keeps its price"
        );
        // The same prices again change nothing.
        let same = BTreeMap::from([(so("o1-a"), ship.gross)]);
        let (back, what) = o.repriced_delivery(&same).expect("repriced");
        assert!(!what.changes_total());
        assert_eq!(back, o);
    }

    #[test]
    fn a_delivery_exempt_as_an_export_stays_exempt_at_its_new_price() {
        let mut o = place(PaymentMethod::Card);
        let rate = crate::Rate::percent(20).expect("rate");
        for s in &mut o.seller_orders {
            if let Some(sh) = s.shipping.as_mut() {
                // As pricing leaves it: the carrier's 60.00 less its TVA, 50.00, at 0 %.
                sh.choice.price = mad("60.00");
                (sh.gross, sh.discount, sh.net, sh.ht, sh.tva) =
                    (mad("50.00"), mad("0"), mad("50.00"), mad("50.00"), mad("0"));
                sh.tva_rate = crate::Rate::ZERO;
                sh.export = Some(crate::pricing::ExportedDelivery {
                    rate,
                    relief: mad("10.00"),
                });
            }
        }
        let (o, _) = o.repriced_delivery(&BTreeMap::new()).expect("totals");
        let (r, what) = o
            .repriced_delivery(&BTreeMap::from([(so("o1-a"), mad("72.00"))]))
            .expect("repriced");
        let sh = r
            .seller_order(&so("o1-a"))
            .expect("a")
            .shipping
            .clone()
            .expect("ships");
        assert_eq!(
            (sh.choice.price, sh.gross, sh.net, sh.tva),
            (mad("72.00"), mad("60.00"), mad("60.00"), mad("0"))
        );
        assert_eq!(sh.export.map(|x| x.relief), Some(mad("12.00")));
        assert_eq!(
            what.grand_total,
            o.grand_total.checked_add(mad("10.00")).expect("sum")
        );
        assert_eq!(r.tva.total().expect("tva").ttc, r.grand_total);
    }

    #[test]
    fn refusals_name_the_cause() {
        let o = place(PaymentMethod::Card);
        assert!(matches!(
            o.repriced_delivery(&BTreeMap::from([(so("zz"), mad("1.00"))])),
            Err(OrderError::UnknownSellerOrder(_))
        ));
        assert!(matches!(
            o.repriced_delivery(&BTreeMap::from([(so("o1-a"), mad("-1.00"))])),
            Err(OrderError::NegativePrice(_))
        ));
    }

    proptest! {
        #[test]
        fn totals_add_up_exactly_whatever_the_new_prices(
            a in 0i64..1_000_000, b in 0i64..1_000_000, only_a in any::<bool>()
        ) {
            let o = place(PaymentMethod::Card);
            let mut prices = BTreeMap::from([(so("o1-a"), Money::from_minor(a, o.currency))]);
            if !only_a {
                prices.insert(so("o1-b"), Money::from_minor(b, o.currency));
            }
            let has_b = o.seller_order(&so("o1-b")).expect("b").shipping.is_some();
            if !has_b {
                prices.remove(&so("o1-b"));
            }
            let (r, what) = o.repriced_delivery(&prices).expect("repriced");
            let c = r.currency;
            let sellers = Money::sum(c, r.seller_orders.iter().map(|s| s.total)).expect("sum");
            prop_assert_eq!(sellers, r.grand_total);
            prop_assert_eq!(r.items_net.checked_add(r.shipping_total).expect("sum"), r.grand_total);
            prop_assert_eq!(r.items_net, o.items_net);
            prop_assert_eq!(r.tva.total().expect("tva").ttc, r.grand_total);
            for s in &r.seller_orders {
                prop_assert_eq!(s.tva.total().expect("tva").ttc, s.total);
                if let Some(sh) = &s.shipping {
                    prop_assert_eq!(sh.ht.checked_add(sh.tva).expect("sum"), sh.net);
                    prop_assert_eq!(sh.gross.checked_sub(sh.discount).expect("sub"), sh.net);
                }
            }
            let moved = Money::sum(c, what.parcels.iter().map(|p| p.after.checked_sub(p.before).expect("sub"))).expect("sum");
            prop_assert_eq!(o.grand_total.checked_add(moved).expect("sum"), r.grand_total);
            prop_assert_eq!(r.payment.amount(), o.payment.amount(), "the payment is the caller's to replace");
        }
    }
}
