//! Pricing: one pure function from a cart and everything it depends on to a [`PricedCart`].
//!
//! Same inputs, same output, to the centime, whatever the order of the cart's lines: lines are
//! priced in the order of their variant ids, sellers in the order of their ids, promotions in
//! their stacking order ([`crate::promotion`]).
//!
//! For each line: `gross = unit price × quantity`, `net = gross − discount`, and the net TTC is
//! split into HT and TVA ([`crate::tax::split_ttc`]). Shipping is priced per seller the same way
//! at the region's shipping tax category. A seller exempt from TVA charges 0 % with its legal
//! mention. Totals are sums of these parts, so the TVA breakdown, the per-seller totals and the
//! grand total always agree exactly.

use crate::cart::Cart;
use crate::catalog::{CatalogSnapshot, SellerTaxStatus, Sku};
use crate::currency::Currency;
use crate::ids::{
    CategoryId, MemberId, ProductId, PromotionId, SellerId, TaxCategoryId, VariantId,
};
use crate::money::{Money, MoneyError};
use crate::promotion::{
    AppliedPromotion, NotAppliedPromotion, NotAppliedReason, Promotion, PromotionKind,
    PromotionUsage, Stacking,
};
use crate::rate::Rate;
use crate::region::{DisplayAmount, DisplayRate, Region};
use crate::tax::{AppliedTax, TaxError, TvaBreakdown, split_ttc};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The shipping service a shopper chose for one seller's parcel, with its price (TTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingChoice {
    /// Carrier code (e.g. `amana`).
    pub carrier: String,
    /// Service code (e.g. `standard`).
    pub service: String,
    /// Price charged to the shopper, TTC.
    pub price: Money,
    /// Estimated delivery time in days (min, max).
    pub estimated_days: Option<(u16, u16)>,
}

/// Everything pricing depends on. Nothing else is read: no clock, no database.
#[derive(Debug, Clone, Copy)]
pub struct PricingInput<'a> {
    /// The cart.
    pub cart: &'a Cart,
    /// The sellers, products and variants of the cart.
    pub catalog: &'a CatalogSnapshot,
    /// Promotions that may apply.
    pub promotions: &'a [Promotion],
    /// How often each promotion was used (absent: never).
    pub usage: &'a HashMap<PromotionId, PromotionUsage>,
    /// The region (currency, TVA rules...).
    pub region: &'a Region,
    /// The shipping chosen per seller (sellers absent have not chosen yet).
    pub shipping: &'a BTreeMap<SellerId, ShippingChoice>,
    /// Exchange rates for the region's display currencies.
    pub display_rates: &'a [DisplayRate],
    /// The instant of pricing (promotion windows, dated TVA rates).
    pub now: DateTime<Utc>,
}

/// Why a cart could not be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PricingError {
    /// A line's variant is not in the snapshot.
    #[error("variant {0} is not in the catalog")]
    UnknownVariant(VariantId),
    /// A line's variant is no longer for sale.
    #[error("variant {0} is not for sale")]
    Inactive(VariantId),
    /// The cart, a price or a shipping charge is not in the region's currency.
    #[error("{what} is in {found}, the region charges {expected}")]
    Currency {
        /// Which amount.
        what: String,
        /// Its currency.
        found: Currency,
        /// The region's.
        expected: Currency,
    },
    /// A shipping choice names a seller with no line in the cart.
    #[error("shipping chosen for seller {0}, who has no line in the cart")]
    ShippingForAbsentSeller(SellerId),
    /// Two promotions share an id, which would make the stacking order ambiguous.
    #[error("promotion id {0} appears twice")]
    DuplicatePromotion(PromotionId),
    /// A line's tax category has no rate on the pricing date.
    #[error(transparent)]
    Tax(#[from] TaxError),
    /// Money arithmetic failed (overflow).
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// A priced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    /// The variant.
    pub variant_id: VariantId,
    /// Its product.
    pub product_id: ProductId,
    /// Its seller.
    pub seller_id: SellerId,
    /// The product's category.
    pub category_id: CategoryId,
    /// The member artisan who made it, if named.
    pub made_by: Option<MemberId>,
    /// The SKU.
    pub sku: Sku,
    /// Weight of one unit, grams.
    pub unit_weight_grams: u32,
    /// Whether it ships.
    pub shippable: bool,
    /// Unit price TTC.
    pub unit_price: Money,
    /// Units.
    pub quantity: u32,
    /// Unit price × quantity.
    pub gross: Money,
    /// Discounts from promotions.
    pub discount: Money,
    /// Gross − discount (TTC).
    pub net: Money,
    /// Tax category.
    pub tax_category: TaxCategoryId,
    /// TVA rate applied.
    pub tva_rate: Rate,
    /// Why no TVA is charged, when that is the case.
    pub exemption: Option<String>,
    /// HT part of `net`.
    pub ht: Money,
    /// TVA part of `net`.
    pub tva: Money,
}

/// A seller's shipping charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedShipping {
    /// What was chosen.
    pub choice: ShippingChoice,
    /// Price before discount.
    pub gross: Money,
    /// Discount (free shipping).
    pub discount: Money,
    /// Charged TTC.
    pub net: Money,
    /// TVA rate.
    pub tva_rate: Rate,
    /// HT part.
    pub ht: Money,
    /// TVA part.
    pub tva: Money,
}

/// One seller's part of the cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerTotals {
    /// The seller.
    pub seller_id: SellerId,
    /// Positions of its lines in [`PricedCart::lines`].
    pub lines: Vec<usize>,
    /// Sum of its lines' net.
    pub subtotal: Money,
    /// Its shipping, once chosen.
    pub shipping: Option<PricedShipping>,
    /// Subtotal + shipping net.
    pub total: Money,
    /// TVA per rate over its lines and shipping.
    pub tva: TvaBreakdown,
    /// True when it has lines that must ship.
    pub needs_shipping: bool,
}

/// The result of pricing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedCart {
    /// The currency charged.
    pub currency: Currency,
    /// When it was priced.
    pub priced_at: DateTime<Utc>,
    /// Lines, by variant id.
    pub lines: Vec<PricedLine>,
    /// Per seller, by seller id.
    pub sellers: Vec<SellerTotals>,
    /// Sum of gross line amounts.
    pub items_gross: Money,
    /// Sum of line discounts.
    pub items_discount: Money,
    /// Sum of line nets.
    pub items_net: Money,
    /// Sum of shipping nets.
    pub shipping_total: Money,
    /// Sum of shipping discounts.
    pub shipping_discount: Money,
    /// What the shopper pays: items net + shipping.
    pub grand_total: Money,
    /// TVA per rate over everything.
    pub tva: TvaBreakdown,
    /// Promotions applied, in application order.
    pub applied_promotions: Vec<AppliedPromotion>,
    /// Promotions that did not apply, with the reason.
    pub not_applied_promotions: Vec<NotAppliedPromotion>,
    /// The grand total in the region's display currencies (indicative).
    pub display_totals: Vec<DisplayAmount>,
    /// True when every seller that must ship has a shipping choice.
    pub shipping_complete: bool,
}

impl PricedCart {
    /// The totals of one seller.
    pub fn seller(&self, id: &SellerId) -> Option<&SellerTotals> {
        self.sellers.iter().find(|s| &s.seller_id == id)
    }
}

struct Work {
    gross: Money,
    discount: Money,
    unit_price: Money,
    quantity: u32,
}

impl Work {
    fn left(&self) -> Result<Money, MoneyError> {
        self.gross.checked_sub(self.discount)
    }
}

/// Prices a cart. See the module documentation for the rules.
///
/// # Errors
/// [`PricingError`] for an unknown or inactive variant, a currency other than the region's,
/// shipping chosen for a seller absent from the cart, or a tax category without a rate.
pub fn price_cart(input: &PricingInput<'_>) -> Result<PricedCart, PricingError> {
    let region = input.region;
    let currency = region.currency;
    let zero = Money::zero(currency);
    if input.cart.currency != currency {
        return Err(PricingError::Currency {
            what: "the cart".into(),
            found: input.cart.currency,
            expected: currency,
        });
    }

    // 1. Lines in canonical order.
    let mut order: Vec<usize> = (0..input.cart.lines().len()).collect();
    order.sort_by(|a, b| {
        input.cart.lines()[*a]
            .variant_id
            .cmp(&input.cart.lines()[*b].variant_id)
    });
    let mut views = Vec::with_capacity(order.len());
    let mut work = Vec::with_capacity(order.len());
    for &i in &order {
        let line = &input.cart.lines()[i];
        let view = input
            .catalog
            .variant(&line.variant_id)
            .ok_or_else(|| PricingError::UnknownVariant(line.variant_id.clone()))?;
        if !view.is_purchasable() {
            return Err(PricingError::Inactive(line.variant_id.clone()));
        }
        let price = view.variant.price;
        if price.currency() != currency {
            return Err(PricingError::Currency {
                what: format!("the price of variant {}", line.variant_id),
                found: price.currency(),
                expected: currency,
            });
        }
        work.push(Work {
            gross: price.times(line.quantity)?,
            discount: zero,
            unit_price: price,
            quantity: line.quantity,
        });
        views.push(view);
    }

    // 2. Sellers in canonical order, with their shipping work.
    let mut seller_ids: Vec<&SellerId> = views.iter().map(|v| &v.seller.id).collect();
    seller_ids.sort();
    seller_ids.dedup();
    for s in input.shipping.keys() {
        if seller_ids.binary_search(&s).is_err() {
            return Err(PricingError::ShippingForAbsentSeller(s.clone()));
        }
    }
    let mut ship_work: Vec<Option<Work>> = Vec::with_capacity(seller_ids.len());
    for s in &seller_ids {
        ship_work.push(match input.shipping.get(*s) {
            Some(choice) => {
                if choice.price.currency() != currency {
                    return Err(PricingError::Currency {
                        what: format!("the shipping of seller {s}"),
                        found: choice.price.currency(),
                        expected: currency,
                    });
                }
                Some(Work {
                    gross: choice.price,
                    discount: zero,
                    unit_price: choice.price,
                    quantity: 1,
                })
            }
            None => None,
        });
    }

    // 3. Promotions.
    let mut promos: Vec<&Promotion> = input.promotions.iter().collect();
    promos.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.id.cmp(&b.id)));
    let mut ids: Vec<&PromotionId> = promos.iter().map(|p| &p.id).collect();
    ids.sort();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(PricingError::DuplicatePromotion(w[0].clone()));
    }
    let mut applied: Vec<AppliedPromotion> = Vec::new();
    let mut not_applied: Vec<NotAppliedPromotion> = Vec::new();
    let mut exclusive_applied: Option<PromotionId> = None;
    let has_customer = input.cart.customer.is_some();
    for promo in promos {
        let usage = input.usage.get(&promo.id).copied().unwrap_or_default();
        let outcome = apply_one(
            promo,
            input,
            has_customer,
            usage,
            &views,
            &mut work,
            &seller_ids,
            &mut ship_work,
            &applied,
            exclusive_applied.as_ref(),
        )?;
        match outcome {
            Ok(a) => {
                if promo.stacking == Stacking::Exclusive {
                    exclusive_applied = Some(promo.id.clone());
                }
                applied.push(a);
            }
            Err(reason) => not_applied.push(NotAppliedPromotion {
                id: promo.id.clone(),
                reason,
            }),
        }
    }

    // 4. Taxes per line.
    let tax_date = region.local_date(input.now);
    let mut lines = Vec::with_capacity(work.len());
    for (view, w) in views.iter().zip(&work) {
        let net = w.left()?;
        let applied_tax = match &view.seller.tax_status {
            SellerTaxStatus::Exempt { reason } => AppliedTax {
                rate: Rate::ZERO,
                exemption: Some(reason.clone()),
            },
            _ => region
                .tax_rules
                .rate_for(&view.variant.tax_category, tax_date)?,
        };
        let split = split_ttc(net, applied_tax.rate)?;
        lines.push(PricedLine {
            variant_id: view.variant.id.clone(),
            product_id: view.product.id.clone(),
            seller_id: view.seller.id.clone(),
            category_id: view.product.category_id.clone(),
            made_by: view.product.made_by.clone(),
            sku: view.variant.sku.clone(),
            unit_weight_grams: view.variant.weight_grams,
            shippable: view.variant.shippable,
            unit_price: w.unit_price,
            quantity: w.quantity,
            gross: w.gross,
            discount: w.discount,
            net,
            tax_category: view.variant.tax_category.clone(),
            tva_rate: applied_tax.rate,
            exemption: applied_tax.exemption,
            ht: split.ht,
            tva: split.tva,
        });
    }

    // 5. Per seller.
    let mut positions: Vec<Vec<usize>> = vec![Vec::new(); seller_ids.len()];
    for (i, l) in lines.iter().enumerate() {
        if let Ok(s) = seller_ids.binary_search(&&l.seller_id) {
            positions[s].push(i);
        }
    }
    let mut sellers = Vec::with_capacity(seller_ids.len());
    let mut grand_tva = TvaBreakdown::new(currency);
    let mut shipping_complete = true;
    for ((sid, sw), positions) in seller_ids.iter().zip(ship_work).zip(positions) {
        let mut tva = TvaBreakdown::new(currency);
        let mut subtotal = zero;
        let mut needs_shipping = false;
        for &i in &positions {
            let l = &lines[i];
            subtotal = subtotal.checked_add(l.net)?;
            tva.add(
                l.tva_rate,
                &crate::tax::TaxSplit {
                    ht: l.ht,
                    tva: l.tva,
                    ttc: l.net,
                },
            )?;
            needs_shipping |= l.shippable;
        }
        let seller = input.catalog.seller(sid);
        let shipping = match (sw, input.shipping.get(*sid)) {
            (Some(w), Some(choice)) => {
                let net = w.left()?;
                let rate = match seller.map(|s| &s.tax_status) {
                    Some(SellerTaxStatus::Exempt { .. }) => Rate::ZERO,
                    _ => {
                        region
                            .tax_rules
                            .rate_for(&region.shipping_tax_category, tax_date)?
                            .rate
                    }
                };
                let split = split_ttc(net, rate)?;
                tva.add(rate, &split)?;
                Some(PricedShipping {
                    choice: choice.clone(),
                    gross: w.gross,
                    discount: w.discount,
                    net,
                    tva_rate: rate,
                    ht: split.ht,
                    tva: split.tva,
                })
            }
            _ => None,
        };
        if needs_shipping && shipping.is_none() {
            shipping_complete = false;
        }
        let total = match &shipping {
            Some(s) => subtotal.checked_add(s.net)?,
            None => subtotal,
        };
        grand_tva.merge(&tva)?;
        sellers.push(SellerTotals {
            seller_id: (*sid).clone(),
            lines: positions,
            subtotal,
            shipping,
            total,
            tva,
            needs_shipping,
        });
    }

    // 6. Grand totals.
    let items_gross = Money::sum(currency, lines.iter().map(|l| l.gross))?;
    let items_discount = Money::sum(currency, lines.iter().map(|l| l.discount))?;
    let items_net = Money::sum(currency, lines.iter().map(|l| l.net))?;
    let shipping_total = Money::sum(
        currency,
        sellers
            .iter()
            .filter_map(|s| s.shipping.as_ref().map(|x| x.net)),
    )?;
    let shipping_discount = Money::sum(
        currency,
        sellers
            .iter()
            .filter_map(|s| s.shipping.as_ref().map(|x| x.discount)),
    )?;
    let grand_total = items_net.checked_add(shipping_total)?;
    let display_totals = region
        .display_currencies
        .iter()
        .filter_map(|c| input.display_rates.iter().find(|r| r.to == *c))
        .map(|r| r.convert(grand_total))
        .collect::<Result<Vec<_>, _>>()?;

    Ok(PricedCart {
        currency,
        priced_at: input.now,
        lines,
        sellers,
        items_gross,
        items_discount,
        items_net,
        shipping_total,
        shipping_discount,
        grand_total,
        tva: grand_tva,
        applied_promotions: applied,
        not_applied_promotions: not_applied,
        display_totals,
        shipping_complete,
    })
}

type Outcome = Result<AppliedPromotion, NotAppliedReason>;

#[allow(clippy::too_many_arguments)]
fn apply_one(
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

#[cfg(test)]
mod tests;
