//! Applying one promotion to the lines and shipping being priced.

use super::{PricingError, PricingInput, Work};
use crate::ids::{PromotionId, SellerId};
use crate::money::Money;
use crate::promotion::{
    AppliedPromotion, NotAppliedReason, Promotion, PromotionKind, PromotionUsage, Stacking,
};
use rust_decimal::Decimal;

pub(super) type Outcome = Result<AppliedPromotion, NotAppliedReason>;

#[allow(clippy::too_many_arguments)]
pub(super) fn apply_one(
    promo: &Promotion,
    input: &PricingInput<'_>,
    has_customer: bool,
    usage: PromotionUsage,
    views: &[crate::catalog::VariantView<'_>],
    work: &mut [Work],
    seller_ids: &[&SellerId],
    ship_work: &mut [Option<Work>],
    applied: &[AppliedPromotion],
    exclusive_applied: Option<&PromotionId>,
) -> Result<Outcome, PricingError> {
    let currency = input.region.currency;
    let zero = Money::zero(currency);
    let coupon = match promo.precheck(input.now, input.cart.coupons(), has_customer, usage) {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    let eligible: Vec<usize> = views
        .iter()
        .enumerate()
        .filter(|(_, v)| promo.line_eligible(&v.seller.id, &v.product.category_id))
        .map(|(i, _)| i)
        .collect();
    if eligible.is_empty() {
        return Ok(Err(NotAppliedReason::NoEligibleLines));
    }
    let mut eligible_left = zero;
    for &i in &eligible {
        eligible_left = eligible_left.checked_add(work[i].left()?)?;
    }
    if let Some(min) = promo.conditions.min_subtotal {
        if min.currency() != currency {
            return Ok(Err(NotAppliedReason::CurrencyMismatch));
        }
        if eligible_left.amount() < min.amount() {
            return Ok(Err(NotAppliedReason::MinimumSubtotalNotMet {
                required: min,
                actual: eligible_left,
            }));
        }
    }
    if let Some(by) = exclusive_applied {
        return Ok(Err(NotAppliedReason::BlockedByExclusive { by: by.clone() }));
    }
    if promo.stacking == Stacking::Exclusive
        && let Some(first) = applied.first()
    {
        return Ok(Err(NotAppliedReason::ExclusiveButOthersApplied {
            first: first.id.clone(),
        }));
    }

    // Discount per eligible line (or per seller's shipping), never more than what is left.
    let mut line_discounts: Vec<(usize, Money)> = Vec::new();
    let mut ship_discounts: Vec<(usize, Money)> = Vec::new();
    match &promo.kind {
        PromotionKind::PercentOff { rate } => {
            for &i in &eligible {
                let left = work[i].left()?;
                let d = left.mul_rounded(rate.fraction())?.min(left)?;
                line_discounts.push((i, d));
            }
        }
        PromotionKind::FixedOff { amount } => {
            if amount.currency() != currency {
                return Ok(Err(NotAppliedReason::CurrencyMismatch));
            }
            if !eligible_left.is_positive() || !amount.is_positive() {
                return Ok(Err(NotAppliedReason::NothingToDiscount));
            }
            let total = amount.min(eligible_left)?;
            let weights: Vec<Decimal> = eligible
                .iter()
                .map(|&i| work[i].left().map(|m| m.amount()))
                .collect::<Result<_, _>>()?;
            let parts = total.allocate(&weights)?;
            line_discounts.extend(eligible.iter().copied().zip(parts));
        }
        PromotionKind::BuyXGetY { buy, get, rate } => {
            let group = u64::from(*buy) + u64::from(*get);
            let units: u64 = eligible.iter().map(|&i| u64::from(work[i].quantity)).sum();
            let mut free = units / group * u64::from(*get);
            // The cheapest units are discounted; ties go to the earlier line.
            let mut cheapest = eligible.clone();
            cheapest.sort_by(|a, b| {
                work[*a]
                    .unit_price
                    .amount()
                    .cmp(&work[*b].unit_price.amount())
                    .then(a.cmp(b))
            });
            for i in cheapest {
                if free == 0 {
                    break;
                }
                let k = free.min(u64::from(work[i].quantity));
                free -= k;
                let k = u32::try_from(k).unwrap_or(u32::MAX);
                let d = work[i].unit_price.times(k)?.mul_rounded(rate.fraction())?;
                line_discounts.push((i, d.min(work[i].left()?)?));
            }
        }
        PromotionKind::FreeShipping => {
            for (si, sid) in seller_ids.iter().enumerate() {
                let seller_eligible = eligible.iter().any(|&i| &&views[i].seller.id == sid);
                if let (true, Some(w)) = (seller_eligible, &ship_work[si]) {
                    ship_discounts.push((si, w.left()?));
                }
            }
            if ship_discounts.is_empty() {
                return Ok(Err(NotAppliedReason::NoShippingChosen));
            }
        }
    }
    let lines_discount = Money::sum(currency, line_discounts.iter().map(|(_, d)| *d))?;
    let shipping_discount = Money::sum(currency, ship_discounts.iter().map(|(_, d)| *d))?;
    if lines_discount.is_zero() && shipping_discount.is_zero() {
        return Ok(Err(NotAppliedReason::NothingToDiscount));
    }
    let mut touched = Vec::new();
    for (i, d) in line_discounts {
        if d.is_positive() {
            work[i].discount = work[i].discount.checked_add(d)?;
            touched.push(i);
        }
    }
    for (si, d) in ship_discounts {
        if let Some(w) = ship_work[si].as_mut() {
            w.discount = w.discount.checked_add(d)?;
        }
    }
    touched.sort_unstable();
    Ok(Ok(AppliedPromotion {
        id: promo.id.clone(),
        name: promo.name.clone(),
        coupon,
        lines_discount,
        shipping_discount,
        lines: touched,
    }))
}
