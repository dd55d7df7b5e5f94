//! The export exemption's rule for deliveries: a TVA-registered seller's delivery abroad is
//! charged at the carrier's price less its TVA when the region's exemption covers deliveries
//! ([`crate::region::ExportExemption::shipping`]).

use super::{ExportedDelivery, PricingError};
use crate::catalog::SellerTaxStatus;
use crate::money::Money;
use crate::region::{ExportExemption, Region};
use crate::tax::split_ttc;

/// What the shopper pays for a delivery of `carrier_price` (TTC) when the part goes abroad
/// under `export` (the exemption in force, if any): the price less its TVA at the region's
/// shipping rate when the exemption covers deliveries, else the carrier's price.
pub(super) fn exported_delivery(
    region: &Region,
    export: Option<&ExportExemption>,
    tax_date: chrono::NaiveDate,
    carrier_price: Money,
) -> Result<(Money, Option<ExportedDelivery>), PricingError> {
    if !export.is_some_and(|x| x.shipping) {
        return Ok((carrier_price, None));
    }
    let rate = region
        .tax_rules
        .rate_for(&region.shipping_tax_category, tax_date)?
        .rate;
    let ht = split_ttc(carrier_price, rate)?.ht;
    let relief = carrier_price.checked_sub(ht)?;
    Ok((ht, Some(ExportedDelivery { rate, relief })))
}

/// What a seller's delivery of `carrier_price` (a quote's TTC price) will cost the shopper once
/// priced ([`price_cart`](super::price_cart) gives the same): to an address in `destination` abroad, while the
/// region's export exemption is in force and covers deliveries, a TVA-registered seller's
/// delivery is the carrier's price less its TVA; otherwise the carrier's price. For a page that
/// lists carrier options before a choice is priced.
///
/// ```
/// use tijara_core::catalog::SellerTaxStatus;
/// use tijara_core::pricing::delivery_price;
/// use tijara_core::{Money, Region};
///
/// let region = Region::dakhla();
/// let now = "2026-12-01T10:00:00Z".parse().unwrap();
/// let price = Money::mad("210.00").unwrap();
/// let registered = SellerTaxStatus::VatRegistered;
/// assert_eq!(
///     delivery_price(&region, &registered, Some("FR"), now, price).unwrap(),
///     Money::mad("175.00").unwrap()
/// );
/// assert_eq!(delivery_price(&region, &registered, Some("MA"), now, price).unwrap(), price);
/// ```
///
/// # Errors
/// [`PricingError::Tax`] when the shipping tax category has no rate on that day,
/// [`PricingError::Money`] on overflow.
pub fn delivery_price(
    region: &Region,
    seller: &SellerTaxStatus,
    destination: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
    carrier_price: Money,
) -> Result<Money, PricingError> {
    let export = destination
        .filter(|c| region.is_abroad(c))
        .and_then(|_| region.export_exemption_at(now))
        .filter(|_| !matches!(seller, SellerTaxStatus::Exempt { .. }));
    Ok(exported_delivery(region, export, region.local_date(now), carrier_price)?.0)
}
