//! Payouts: who is owed what from the money received for an order.
//!
//! A [`Settlement`] follows one order. Each seller has a part: what its seller order is worth
//! (`due`) and the marketplace's commission on it if fully paid (`commission_due`: per line, the
//! seller's rate for the product's category on the line's net, rounded per line; shipping
//! carries no commission). Every receipt (a card capture, a COD collection) and every refund is
//! spread over the sellers exactly ([`Money::allocate`]), and each seller's portion is split
//! into commission and seller share:
//!
//! `commission = round(portion × commission still to take / amount still to receive)`,
//! and the last portion takes exactly what is left, so a fully paid order yields exactly
//! `commission_due`, a fully refunded one exactly zero, and always
//! `seller shares + commissions = received − refunded`, to the centime.
//!
//! A return's refund is about some lines only: it gives back the commission those lines
//! carry at their own categories' rates ([`Settlement::refund_lines_for_seller`], figures from
//! [`crate::statement::returned_share`]), not the part's average rate, so the refund takes back
//! exactly the returned lines' share (a member artisan's statement moves by her lines only).

use crate::catalog::CatalogSnapshot;
use crate::currency::Currency;
use crate::ids::SellerId;
use crate::money::{Money, MoneyError};
use crate::order::{Order, SellerOrder};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Why a settlement step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayoutError {
    /// More received than due.
    #[error("receipt {amount} exceeds what is still due ({left})")]
    Overpaid {
        /// Asked.
        amount: Money,
        /// Still due.
        left: Money,
    },
    /// More refunded than received.
    #[error("refund {amount} exceeds what was received and not refunded ({left})")]
    OverRefunded {
        /// Asked.
        amount: Money,
        /// Refundable.
        left: Money,
    },
    /// The seller has no part in this settlement.
    #[error("seller {0} has no part in this order")]
    UnknownSeller(SellerId),
    /// A seller of the order is missing from the catalog snapshot.
    #[error("seller {0} is not in the catalog snapshot")]
    MissingSeller(SellerId),
    /// Amounts must be positive.
    #[error("amount must be positive")]
    NotPositive,
    /// Money arithmetic failed.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// One seller's running account for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerPart {
    /// The seller.
    pub seller_id: SellerId,
    /// What its seller order is worth.
    pub due: Money,
    /// The commission if fully paid.
    pub commission_due: Money,
    /// Received so far for it.
    pub received: Money,
    /// Commission taken on what was received.
    pub commission_taken: Money,
    /// Refunded so far.
    pub refunded: Money,
    /// Commission given back with refunds.
    pub commission_reversed: Money,
}

impl SellerPart {
    /// Received minus refunded.
    pub fn net_gross(&self) -> Result<Money, MoneyError> {
        self.received.checked_sub(self.refunded)
    }
    /// Commission kept: taken minus reversed.
    pub fn net_commission(&self) -> Result<Money, MoneyError> {
        self.commission_taken.checked_sub(self.commission_reversed)
    }
    /// What the seller is owed: net gross minus net commission.
    pub fn seller_share(&self) -> Result<Money, MoneyError> {
        self.net_gross()?.checked_sub(self.net_commission()?)
    }
}

/// What one receipt or refund moved for one seller (negative amounts for refunds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareMovement {
    /// The seller.
    pub seller_id: SellerId,
    /// Its portion of the amount.
    pub gross: Money,
    /// Commission on it.
    pub commission: Money,
    /// Seller's share: gross − commission.
    pub seller_share: Money,
}

/// The split of an order's money between its sellers and the marketplace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    currency: Currency,
    parts: Vec<SellerPart>,
}

fn ratio_part(portion: Money, numer: Money, denom: Money) -> Result<Money, MoneyError> {
    if portion == denom {
        return Ok(numer);
    }
    if denom.is_zero() {
        return Ok(Money::zero(portion.currency()));
    }
    let factor = numer
        .amount()
        .checked_div(denom.amount())
        .ok_or(MoneyError::Overflow)?;
    portion.mul_rounded(factor)
}

impl Settlement {
    /// A settlement from each seller's (id, due, commission if fully paid).
    pub fn new(
        currency: Currency,
        parts: Vec<(SellerId, Money, Money)>,
    ) -> Result<Settlement, PayoutError> {
        let zero = Money::zero(currency);
        let parts = parts
            .into_iter()
            .map(|(seller_id, due, commission_due)| {
                if due.currency() != currency || commission_due.currency() != currency {
                    return Err(PayoutError::Money(MoneyError::CurrencyMismatch {
                        left: currency,
                        right: due.currency(),
                    }));
                }
                Ok(SellerPart {
                    seller_id,
                    due,
                    commission_due: commission_due.min(due)?,
                    received: zero,
                    commission_taken: zero,
                    refunded: zero,
                    commission_reversed: zero,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Settlement { currency, parts })
    }

    /// The commission a seller order owes if fully paid: per line, the seller's rate for the
    /// product's category on the line's net, rounded per line.
    pub fn commission_due(
        seller_order: &SellerOrder,
        catalog: &CatalogSnapshot,
    ) -> Result<Money, PayoutError> {
        let seller = catalog
            .seller(&seller_order.seller_id)
            .ok_or_else(|| PayoutError::MissingSeller(seller_order.seller_id.clone()))?;
        let mut total = Money::zero(seller_order.total.currency());
        for l in &seller_order.lines {
            let c = l
                .net
                .mul_rounded(seller.commission_for(&l.category_id).fraction())?;
            total = total.checked_add(c)?;
        }
        Ok(total)
    }

    /// The settlement of an order, with commissions from its sellers' rates.
    pub fn for_order(order: &Order, catalog: &CatalogSnapshot) -> Result<Settlement, PayoutError> {
        let parts = order
            .seller_orders
            .iter()
            .map(|so| {
                Ok((
                    so.seller_id.clone(),
                    so.total,
                    Self::commission_due(so, catalog)?,
                ))
            })
            .collect::<Result<Vec<_>, PayoutError>>()?;
        Settlement::new(order.currency, parts)
    }

    /// The sellers' accounts.
    pub fn parts(&self) -> &[SellerPart] {
        &self.parts
    }

    fn index(&self, seller: &SellerId) -> Result<usize, PayoutError> {
        self.parts
            .iter()
            .position(|p| &p.seller_id == seller)
            .ok_or_else(|| PayoutError::UnknownSeller(seller.clone()))
    }

    fn receive_at(&mut self, i: usize, portion: Money) -> Result<ShareMovement, PayoutError> {
        let p = &mut self.parts[i];
        let left = p.due.checked_sub(p.received)?;
        let commission_left = p.commission_due.checked_sub(p.commission_taken)?;
        let commission = ratio_part(portion, commission_left, left)?;
        p.received = p.received.checked_add(portion)?;
        p.commission_taken = p.commission_taken.checked_add(commission)?;
        Ok(ShareMovement {
            seller_id: p.seller_id.clone(),
            gross: portion,
            commission,
            seller_share: portion.checked_sub(commission)?,
        })
    }

    fn refund_at(&mut self, i: usize, portion: Money) -> Result<ShareMovement, PayoutError> {
        let p = &mut self.parts[i];
        let left = p.net_gross()?;
        let commission_left = p.net_commission()?;
        let reversed = ratio_part(portion, commission_left, left)?;
        p.refunded = p.refunded.checked_add(portion)?;
        p.commission_reversed = p.commission_reversed.checked_add(reversed)?;
        Ok(ShareMovement {
            seller_id: p.seller_id.clone(),
            gross: portion.negated(),
            commission: reversed.negated(),
            seller_share: portion.checked_sub(reversed)?.negated(),
        })
    }

    fn spread(
        &self,
        amount: Money,
        weights: Vec<Decimal>,
        left: Money,
        refund: bool,
    ) -> Result<Vec<Money>, PayoutError> {
        if !amount.is_positive() {
            return Err(PayoutError::NotPositive);
        }
        if amount.compare(&left)?.is_gt() {
            return Err(if refund {
                PayoutError::OverRefunded { amount, left }
            } else {
                PayoutError::Overpaid { amount, left }
            });
        }
        Ok(amount.allocate(&weights)?)
    }

    /// Money received for the whole order (a card capture), spread over the sellers in
    /// proportion to what each is still due.
    pub fn receive(&mut self, amount: Money) -> Result<Vec<ShareMovement>, PayoutError> {
        let lefts = self
            .parts
            .iter()
            .map(|p| p.due.checked_sub(p.received))
            .collect::<Result<Vec<_>, _>>()?;
        let left = Money::sum(self.currency, lefts.iter().copied())?;
        let portions = self.spread(
            amount,
            lefts.iter().map(Money::amount).collect(),
            left,
            false,
        )?;
        (0..self.parts.len())
            .zip(portions)
            .filter(|(_, m)| !m.is_zero())
            .map(|(i, m)| self.receive_at(i, m))
            .collect()
    }

    /// Money received for one seller's parcel (a COD collection).
    pub fn receive_for_seller(
        &mut self,
        seller: &SellerId,
        amount: Money,
    ) -> Result<ShareMovement, PayoutError> {
        let i = self.index(seller)?;
        let left = self.parts[i].due.checked_sub(self.parts[i].received)?;
        self.spread(amount, vec![Decimal::ONE], left, false)?;
        self.receive_at(i, amount)
    }

    /// A refund of the whole order, spread over the sellers in proportion to what each has
    /// received and not yet refunded.
    pub fn refund(&mut self, amount: Money) -> Result<Vec<ShareMovement>, PayoutError> {
        let lefts = self
            .parts
            .iter()
            .map(SellerPart::net_gross)
            .collect::<Result<Vec<_>, _>>()?;
        let left = Money::sum(self.currency, lefts.iter().copied())?;
        let portions = self.spread(
            amount,
            lefts.iter().map(Money::amount).collect(),
            left,
            true,
        )?;
        (0..self.parts.len())
            .zip(portions)
            .filter(|(_, m)| !m.is_zero())
            .map(|(i, m)| self.refund_at(i, m))
            .collect()
    }

    /// A refund of one seller's part (a withdrawal from that seller).
    pub fn refund_for_seller(
        &mut self,
        seller: &SellerId,
        amount: Money,
    ) -> Result<ShareMovement, PayoutError> {
        let i = self.index(seller)?;
        let left = self.parts[i].net_gross()?;
        self.spread(amount, vec![Decimal::ONE], left, true)?;
        self.refund_at(i, amount)
    }

    /// A refund of some of one seller's lines (a return): the commission given back is the
    /// one those lines carry at their own categories' rates, not the part's average:
    /// `round(amount × lines_commission / lines_value)`, so exactly `lines_commission` when
    /// the lines' whole value is refunded (see [`crate::statement::returned_share`]). It never
    /// gives back more than the commission still kept nor more than `amount`; the refund that
    /// empties the part gives back all the commission still kept.
    pub fn refund_lines_for_seller(
        &mut self,
        seller: &SellerId,
        amount: Money,
        lines_value: Money,
        lines_commission: Money,
    ) -> Result<ShareMovement, PayoutError> {
        let i = self.index(seller)?;
        let left = self.parts[i].net_gross()?;
        self.spread(amount, vec![Decimal::ONE], left, true)?;
        let p = &mut self.parts[i];
        let kept = p.net_commission()?;
        let reversed = if amount == left {
            kept
        } else if lines_value.is_positive() && !lines_commission.is_negative() {
            ratio_part(amount, lines_commission, lines_value)?
                .min(kept)?
                .min(amount)?
        } else {
            ratio_part(amount, kept, left)?
        };
        p.refunded = p.refunded.checked_add(amount)?;
        p.commission_reversed = p.commission_reversed.checked_add(reversed)?;
        Ok(ShareMovement {
            seller_id: p.seller_id.clone(),
            gross: amount.negated(),
            commission: reversed.negated(),
            seller_share: amount.checked_sub(reversed)?.negated(),
        })
    }

    /// Totals over all sellers: (net gross, net commission, seller shares).
    pub fn totals(&self) -> Result<(Money, Money, Money), MoneyError> {
        let c = self.currency;
        Ok((
            Money::sum(
                c,
                self.parts
                    .iter()
                    .map(SellerPart::net_gross)
                    .collect::<Result<Vec<_>, _>>()?,
            )?,
            Money::sum(
                c,
                self.parts
                    .iter()
                    .map(SellerPart::net_commission)
                    .collect::<Result<Vec<_>, _>>()?,
            )?,
            Money::sum(
                c,
                self.parts
                    .iter()
                    .map(SellerPart::seller_share)
                    .collect::<Result<Vec<_>, _>>()?,
            )?,
        ))
    }
}

/// A movement of a seller's account, dated, for statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// The order it belongs to.
    pub order_id: crate::ids::OrderId,
    /// What moved.
    pub movement: ShareMovement,
}

/// A seller's statement over a period: sales, refunds, commission and what is owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The seller.
    pub seller_id: SellerId,
    /// First instant included.
    pub from: DateTime<Utc>,
    /// First instant excluded.
    pub until: DateTime<Utc>,
    /// Money received for its orders.
    pub sales: Money,
    /// Money refunded (positive).
    pub refunds: Money,
    /// Commission kept by the marketplace (net of reversals).
    pub commission: Money,
    /// What the seller is owed: sales − refunds − commission.
    pub owed: Money,
    /// The entries included.
    pub entries: Vec<LedgerEntry>,
}

impl Statement {
    /// Builds a seller's statement from ledger entries (others' and out-of-period ones are
    /// skipped).
    pub fn build(
        seller: &SellerId,
        currency: Currency,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        entries: &[LedgerEntry],
    ) -> Result<Statement, MoneyError> {
        let mine: Vec<LedgerEntry> = entries
            .iter()
            .filter(|e| &e.movement.seller_id == seller && e.at >= from && e.at < until)
            .cloned()
            .collect();
        let zero = Money::zero(currency);
        let (mut sales, mut refunds, mut commission, mut owed) = (zero, zero, zero, zero);
        for e in &mine {
            let m = &e.movement;
            if m.gross.is_negative() {
                refunds = refunds.checked_sub(m.gross)?;
            } else {
                sales = sales.checked_add(m.gross)?;
            }
            commission = commission.checked_add(m.commission)?;
            owed = owed.checked_add(m.seller_share)?;
        }
        Ok(Statement {
            seller_id: seller.clone(),
            from,
            until,
            sales,
            refunds,
            commission,
            owed,
            entries: mine,
        })
    }
}

#[cfg(test)]
mod tests;
