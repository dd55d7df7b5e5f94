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
//!
//! **Exports.** When the region's export exemption is in force ([`crate::region::ExportExemption`],
//! CGI art. 92-I-1° in Morocco) and the cart goes to another country
//! ([`PricingInput::destination`]), each shippable line of a TVA-registered seller is priced at
//! its TTC unit price less its TVA (`round(TTC / (1 + rate))`, the HT of the domestic price),
//! before promotions; its TVA is 0 with the exemption's mention, and
//! [`PricedLine::export_relief`] records what the shopper does not pay. When the exemption covers
//! deliveries ([`crate::region::ExportExemption::shipping`], on by default), the delivery of such a
//! seller's part is priced the same way: the carrier's TTC price less its TVA at the region's
//! shipping rate, TVA 0 with the mention, the TVA taken off in [`PricedShipping::export`].
//! Promotions (free shipping included) then apply to these prices as to any other, so every
//! total still adds up.

use crate::catalog::SellerTaxStatus;
use crate::ids::{PromotionId, SellerId};
use crate::money::{Money, MoneyError};
use crate::promotion::{AppliedPromotion, NotAppliedPromotion, Promotion, Stacking};
use crate::rate::Rate;
use crate::tax::{AppliedTax, TvaBreakdown, split_ttc};

mod export;
mod promotions;
mod types;

pub use export::delivery_price;
use export::exported_delivery;
use promotions::apply_one;
pub use types::{
    ExportedDelivery, PricedCart, PricedLine, PricedShipping, PricingError, PricingInput,
    SellerTotals, ShippingChoice, carrier_name,
};

pub(super) struct Work {
    pub(super) gross: Money,
    pub(super) discount: Money,
    pub(super) unit_price: Money,
    pub(super) quantity: u32,
}

impl Work {
    pub(super) fn left(&self) -> Result<Money, MoneyError> {
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

    let tax_date = region.local_date(input.now);
    let export = input
        .destination
        .filter(|c| region.is_abroad(c))
        .and_then(|_| region.export_exemption_at(input.now));

    // 1. Lines in canonical order.
    let mut order: Vec<usize> = (0..input.cart.lines().len()).collect();
    order.sort_by(|a, b| {
        input.cart.lines()[*a]
            .variant_id
            .cmp(&input.cart.lines()[*b].variant_id)
    });
    let mut views = Vec::with_capacity(order.len());
    let mut work = Vec::with_capacity(order.len());
    let mut reliefs: Vec<Option<Money>> = Vec::with_capacity(order.len());
    for &i in &order {
        let line = &input.cart.lines()[i];
        let view = input
            .catalog
            .variant(&line.variant_id)
            .ok_or_else(|| PricingError::UnknownVariant(line.variant_id.clone()))?;
        if !view.is_purchasable() {
            return Err(PricingError::Inactive(line.variant_id.clone()));
        }
        let ttc_price = view.variant.price;
        if ttc_price.currency() != currency {
            return Err(PricingError::Currency {
                what: format!("the price of variant {}", line.variant_id),
                found: ttc_price.currency(),
                expected: currency,
            });
        }
        let exported = export.is_some()
            && view.variant.shippable
            && !matches!(view.seller.tax_status, SellerTaxStatus::Exempt { .. });
        let price = if exported {
            let rate = region
                .tax_rules
                .rate_for(&view.variant.tax_category, tax_date)?
                .rate;
            split_ttc(ttc_price, rate)?.ht
        } else {
            ttc_price
        };
        let relief = if exported {
            Some(ttc_price.checked_sub(price)?.times(line.quantity)?)
        } else {
            None
        };
        reliefs.push(relief);
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
    let mut ship_exports: Vec<Option<ExportedDelivery>> = Vec::with_capacity(seller_ids.len());
    for s in &seller_ids {
        let mut exported = None;
        ship_work.push(match input.shipping.get(*s) {
            Some(choice) => {
                if choice.price.currency() != currency {
                    return Err(PricingError::Currency {
                        what: format!("the shipping of seller {s}"),
                        found: choice.price.currency(),
                        expected: currency,
                    });
                }
                // A part exported by a TVA-registered seller: its delivery too, when the
                // exemption covers deliveries.
                let part_exported = views
                    .iter()
                    .zip(&reliefs)
                    .any(|(v, r)| &v.seller.id == *s && r.is_some());
                let price = if part_exported {
                    let (price, x) = exported_delivery(region, export, tax_date, choice.price)?;
                    exported = x;
                    price
                } else {
                    choice.price
                };
                Some(Work {
                    gross: price,
                    discount: zero,
                    unit_price: price,
                    quantity: 1,
                })
            }
            None => None,
        });
        ship_exports.push(exported);
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
    let mut lines = Vec::with_capacity(work.len());
    for ((view, w), relief) in views.iter().zip(&work).zip(reliefs) {
        let net = w.left()?;
        let applied_tax = match (&view.seller.tax_status, export.filter(|_| relief.is_some())) {
            (SellerTaxStatus::Exempt { reason }, _) => AppliedTax {
                rate: Rate::ZERO,
                exemption: Some(reason.clone()),
            },
            (_, Some(exemption)) => AppliedTax {
                rate: Rate::ZERO,
                exemption: Some(exemption.mention.clone()),
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
            export_relief: relief,
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
    for (((sid, sw), positions), exported) in seller_ids
        .iter()
        .zip(ship_work)
        .zip(positions)
        .zip(ship_exports)
    {
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
                let rate = match (seller.map(|s| &s.tax_status), exported) {
                    (Some(SellerTaxStatus::Exempt { .. }), _) | (_, Some(_)) => Rate::ZERO,
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
                    exemption: exported.and(export).map(|x| x.mention.clone()),
                    export: exported,
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
    let export_relief = if lines.iter().any(|l| l.export_relief.is_some()) {
        let deliveries = sellers
            .iter()
            .filter_map(|s| s.shipping.as_ref()?.export.map(|x| x.relief));
        Some(Money::sum(
            currency,
            lines
                .iter()
                .filter_map(|l| l.export_relief)
                .chain(deliveries),
        )?)
    } else {
        None
    };
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
        export_relief,
    })
}

#[cfg(test)]
mod tests;
