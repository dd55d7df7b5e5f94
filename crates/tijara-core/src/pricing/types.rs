//! What pricing reads and what it answers.

use crate::cart::Cart;
use crate::catalog::{CatalogSnapshot, Sku};
use crate::currency::Currency;
use crate::ids::{
    CategoryId, MemberId, ProductId, PromotionId, SellerId, TaxCategoryId, VariantId,
};
use crate::money::{Money, MoneyError};
use crate::promotion::{AppliedPromotion, NotAppliedPromotion, Promotion, PromotionUsage};
use crate::rate::Rate;
use crate::region::{DisplayAmount, DisplayRate, Region};
use crate::tax::{TaxError, TvaBreakdown};
use chrono::{DateTime, Utc};
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
    /// The carrier's name as shoppers know it (`Amana`, `CTM Messagerie`), stored when the
    /// service is chosen so the order page, messages and invoices show it; `None` for a
    /// carrier that gives none and for orders stored before it was kept (absent from their
    /// JSON): show [`ShippingChoice::carrier_label`]'s fallback then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_name: Option<String>,
}

impl ShippingChoice {
    /// The carrier's name for people: its stored display name, else `fallback(code)` (a
    /// code→name table for orders stored before names were kept).
    ///
    /// ```
    /// use tijara_core::pricing::ShippingChoice;
    /// use tijara_core::Money;
    ///
    /// let mut choice = ShippingChoice {
    ///     carrier: "ctm".into(),
    ///     service: "standard".into(),
    ///     price: Money::mad("30.00").unwrap(),
    ///     estimated_days: Some((1, 2)),
    ///     carrier_name: None,
    /// };
    /// assert_eq!(choice.carrier_label(|c| c.to_uppercase()), "CTM");
    /// choice.carrier_name = Some("CTM Messagerie".into());
    /// assert_eq!(choice.carrier_label(|c| c.to_uppercase()), "CTM Messagerie");
    /// ```
    pub fn carrier_label(&self, fallback: impl FnOnce(&str) -> String) -> String {
        match self
            .carrier_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            Some(name) => name.to_owned(),
            None => fallback(&self.carrier),
        }
    }

    /// The carrier's name for people: its stored display name, else [`carrier_name`] of its
    /// code (`carrier_label(carrier_name)`).
    ///
    /// ```
    /// use tijara_core::pricing::ShippingChoice;
    /// use tijara_core::Money;
    ///
    /// let choice = ShippingChoice {
    ///     carrier: "ctm".into(),
    ///     service: "standard".into(),
    ///     price: Money::mad("30.00").unwrap(),
    ///     estimated_days: Some((1, 2)),
    ///     carrier_name: None,
    /// };
    /// assert_eq!(choice.carrier_display(), "CTM Messagerie");
    /// ```
    pub fn carrier_display(&self) -> String {
        self.carrier_label(carrier_name)
    }
}

/// A carrier's name as people know it, from its code, for what was stored without its display
/// name (orders placed before [`ShippingChoice::carrier_name`] was kept, shipments, labels):
/// the bundled rate cards' and adapters' names (`amana` → `Amana`, `ctm` → `CTM Messagerie`,
/// `aramex` → `Aramex`, `sendit` → `Sendit`), else the code with its first letter capitalized.
/// Pages, messages and labels show this, never the code. Beside
/// [`ShippingChoice::carrier_label`], which prefers the name stored with the shopper's choice.
///
/// ```
/// use tijara_core::pricing::carrier_name;
///
/// assert_eq!(carrier_name("ctm"), "CTM Messagerie");
/// assert_eq!(carrier_name("amana"), "Amana");
/// assert_eq!(carrier_name("dhl"), "Dhl");
/// assert_eq!(carrier_name(""), "");
/// ```
pub fn carrier_name(code: &str) -> String {
    match code.trim() {
        "amana" => "Amana".to_owned(),
        "amana-international" => "Amana International".to_owned(),
        "ctm" => "CTM Messagerie".to_owned(),
        "aramex" => "Aramex".to_owned(),
        "sendit" => "Sendit".to_owned(),
        other => {
            let mut c = other.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
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
    /// The delivery country (ISO 3166-1 alpha-2), once the shopper gave an address: outside
    /// the region's country, the region's export exemption may apply
    /// ([`Region::export_exemption`]). `None` prices as a domestic sale.
    pub destination: Option<&'a str>,
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
    /// For a line exempt as an export: the TVA its TTC price carried and the shopper does not
    /// pay (TTC price × quantity − [`PricedLine::gross`]); the unit price is then the TTC
    /// price less its TVA and [`PricedLine::exemption`] holds the region's export mention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_relief: Option<Money>,
}

/// A seller's shipping charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedShipping {
    /// What was chosen.
    pub choice: ShippingChoice,
    /// Price before discount: the carrier's price ([`ShippingChoice::price`]), or for a
    /// delivery exempt as an export that price less its TVA ([`PricedShipping::export`]).
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
    /// Why no TVA is charged on the delivery, when it is exempt as an export (the region's
    /// export mention). `None` otherwise, also for a seller outside the TVA (its own mention
    /// is the invoice's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption: Option<String>,
    /// For the delivery of a part shipped abroad under the region's export exemption
    /// ([`crate::region::ExportExemption::shipping`]): the TVA taken off the carrier's price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<ExportedDelivery>,
}

/// The TVA taken off a delivery exempt as an export: the carrier's TTC price is split at the
/// region's shipping rate and the shopper pays its HT part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedDelivery {
    /// The shipping TVA rate whose TVA was taken off.
    pub rate: Rate,
    /// What the shopper does not pay: [`ShippingChoice::price`] − [`PricedShipping::gross`].
    pub relief: Money,
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
    /// The sum of the lines' [`PricedLine::export_relief`] and of the deliveries'
    /// [`ExportedDelivery::relief`] when some line is exempt as an export: the TVA the shopper
    /// abroad does not pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_relief: Option<Money>,
}

impl PricedCart {
    /// The totals of one seller.
    pub fn seller(&self, id: &SellerId) -> Option<&SellerTotals> {
        self.sellers.iter().find(|s| &s.seller_id == id)
    }
}
