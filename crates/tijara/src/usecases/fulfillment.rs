//! Fulfillment: preparing, shipping and tracking each seller's parcel; cash on delivery.
//!
//! The rules live in the order aggregate ([`tijara_core::order_record`]); this module and its
//! parts do the rest: carriers' calls, who may do what, and the order's load and commit.

use crate::docs::OrderDoc;
use crate::engine::Tijara;
use crate::error::TijaraError;
use crate::ports::carrier::Carrier;
use crate::ports::storage::StorageError;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tijara_core::fulfillment::{Parcel, TrackingStatus};
use tijara_core::{Money, OrderId, SellerId, SellerOrderId};

mod labels;
mod remittance;
mod shipping;
mod tracking;

/// What a seller asks to ship.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShipRequest {
    /// Carrier code (default: the one the shopper chose).
    pub carrier: Option<String>,
    /// Service code (default: the one the shopper chose).
    pub service: Option<String>,
    /// Parcels (default: one parcel of the lines' weight).
    #[serde(default)]
    pub parcels: Vec<Parcel>,
}

impl ShipRequest {
    /// The shopper's carrier and service, one parcel (the same as [`ShipRequest::default`]);
    /// change them with the `with_` methods.
    ///
    /// ```
    /// use tijara::usecases::fulfillment::ShipRequest;
    ///
    /// let as_chosen = ShipRequest::new();
    /// let by_ctm = ShipRequest::new().with_carrier("ctm").with_service("standard");
    /// assert_eq!(as_chosen.carrier, None);
    /// assert_eq!(by_ctm.carrier.as_deref(), Some("ctm"));
    /// ```
    pub fn new() -> Self {
        ShipRequest::default()
    }

    /// Ships with this carrier.
    pub fn with_carrier(mut self, carrier: impl Into<String>) -> Self {
        self.carrier = Some(carrier.into());
        self
    }

    /// Ships with this service.
    pub fn with_service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Ships these parcels.
    pub fn with_parcels(mut self, parcels: Vec<Parcel>) -> Self {
        self.parcels = parcels;
        self
    }
}

/// Who makes a change to a parcel by hand; the engine's rules depend on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// A seller: only its own parts, only with the carrier and service the shopper chose, and
    /// only the steps of [`SELLER_STEPS`].
    Seller(SellerId),
    /// The marketplace (an admin, a back-office job): any part, carrier and step.
    Marketplace,
}

/// The steps a seller may record by hand on its own parcel. A return to sender is recorded by
/// the carrier's feed or by the marketplace: it puts stock back and cancels a collection.
pub const SELLER_STEPS: [TrackingStatus; 5] = [
    TrackingStatus::PickedUp,
    TrackingStatus::InTransit,
    TrackingStatus::OutForDelivery,
    TrackingStatus::Delivered,
    TrackingStatus::DeliveryFailed,
];

/// A change of a parcel typed by hand (carriers without an API): the carrier's tracking number,
/// a step, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HandTracking {
    /// The number printed by the carrier (unchanged when `None` or blank).
    pub tracking_number: Option<String>,
    /// A step reached now (none when `None`).
    pub status: Option<TrackingStatus>,
}

impl HandTracking {
    /// No change (the same as [`HandTracking::default`]); say what changes with the `with_`
    /// methods.
    ///
    /// ```
    /// use tijara::usecases::fulfillment::HandTracking;
    /// use tijara_core::fulfillment::TrackingStatus;
    ///
    /// let change = HandTracking::new()
    ///     .with_tracking_number("CTM-123456")
    ///     .with_status(TrackingStatus::PickedUp);
    /// assert_eq!(change.status, Some(TrackingStatus::PickedUp));
    /// ```
    pub fn new() -> Self {
        HandTracking::default()
    }

    /// Sets the carrier's tracking number.
    pub fn with_tracking_number(mut self, number: impl Into<String>) -> Self {
        self.tracking_number = Some(number.into());
        self
    }

    /// Records a step reached now.
    pub fn with_status(mut self, status: TrackingStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// A tracking number typed by hand: 1 to 64 letters, digits or '-'.
fn valid_number(number: &str) -> Result<&str, TijaraError> {
    let number = number.trim();
    if number.is_empty()
        || number.len() > 64
        || !number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(TijaraError::InvalidField {
            field: "tracking_number",
            rule: "must be 1 to 64 letters, digits or '-'".into(),
        });
    }
    Ok(number)
}

/// Turns the storage's refusal of a tracking-number key held by another order into
/// [`TijaraError::TrackingNumberTaken`].
fn number_taken(e: TijaraError, number: Option<&str>) -> TijaraError {
    match (e, number) {
        (TijaraError::Storage(StorageError::KeyTaken { key, .. }), Some(n))
            if key.starts_with("tracking") =>
        {
            TijaraError::TrackingNumberTaken {
                number: n.to_owned(),
            }
        }
        (e, _) => e,
    }
}

/// Logs and builds the refusal of a change the operator may not make.
fn refuse(by: &Operator, order: &OrderId, part: &SellerOrderId, reason: &str) -> TijaraError {
    let seller = match by {
        Operator::Seller(s) => s.as_str(),
        Operator::Marketplace => "",
    };
    tracing::warn!(
        target: "security",
        seller,
        order = %order,
        part = %part,
        reason,
        "fulfillment change refused"
    );
    TijaraError::NotAllowed {
        reason: reason.to_owned(),
    }
}

fn seller_order_of<'a>(
    doc: &'a OrderDoc,
    so: &SellerOrderId,
) -> Result<&'a tijara_core::order::SellerOrder, TijaraError> {
    Ok(doc.order.seller_order(so)?)
}

impl Tijara {
    pub(crate) fn carrier(&self, code: &str) -> Result<&Arc<dyn Carrier>, TijaraError> {
        self.inner
            .carriers
            .get(code)
            .ok_or_else(|| TijaraError::NotConfigured {
                what: "carrier",
                code: code.to_owned(),
            })
    }

    /// Whether the carrier `code` reports its parcels' steps and chooses their numbers itself
    /// (capability `tracking`). A carrier no longer configured reports nothing: false.
    fn tracks_itself(&self, code: &str) -> bool {
        self.carrier(code).is_ok_and(|c| c.capabilities().tracking)
    }
}

/// Getting orders to the shopper: marking ready, shipping, tracking, labels, carriers'
/// cash-on-delivery remittances (`engine.fulfillment()`).
///
/// ```
/// # async fn demo(
/// #     engine: &tijara::Tijara,
/// #     order: &tijara_core::OrderId,
/// #     shipment: &tijara_core::ShipmentId,
/// # ) -> Result<(), tijara::TijaraError> {
/// for carrier in engine.fulfillment().carriers() {
///     println!("{}", carrier.code());
/// }
/// let shipment = engine.fulfillment().poll_tracking(order, shipment).await?;
/// println!("{shipment:?}");
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Fulfillment<'a> {
    engine: &'a Tijara,
}

impl std::fmt::Debug for Fulfillment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fulfillment").finish_non_exhaustive()
    }
}

impl Tijara {
    /// Fulfillment's use cases: shipping, tracking, labels, cash-on-delivery remittances.
    pub fn fulfillment(&self) -> Fulfillment<'_> {
        Fulfillment { engine: self }
    }
}

impl<'a> Fulfillment<'a> {
    /// The carriers configured.
    pub fn carriers(self) -> impl Iterator<Item = &'a Arc<dyn Carrier>> {
        self.engine.inner.carriers.values()
    }
}

/// One shipment in a carrier's cash-on-delivery remittance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RemittanceItem {
    /// The shipment's tracking number.
    pub tracking_number: String,
    /// The cash the carrier remits for it (what it collected, before its fee).
    pub amount: Money,
}

impl RemittanceItem {
    /// One shipment's cash in a remittance.
    ///
    /// ```
    /// use tijara::usecases::fulfillment::RemittanceItem;
    /// use tijara_core::Money;
    ///
    /// let item = RemittanceItem::new("AM123456789MA", Money::mad("250.00").unwrap());
    /// assert_eq!(item.tracking_number, "AM123456789MA");
    /// ```
    pub fn new(tracking_number: impl Into<String>, amount: Money) -> Self {
        RemittanceItem {
            tracking_number: tracking_number.into(),
            amount,
        }
    }
}

/// How one shipment of a remittance reconciled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RemittanceLine {
    /// The tracking number.
    pub tracking_number: String,
    /// The order, if the shipment is known.
    pub order_id: Option<OrderId>,
    /// Cash the shipment was to collect.
    pub expected: Option<Money>,
    /// Cash remitted.
    pub remitted: Money,
    /// `None` when recorded; otherwise why not (unknown shipment, more than collected...).
    pub problem: Option<String>,
}

/// How many of a seller's orders (or of a member artisan's) stand in each tab of the portal
/// ([`Work`](tijara_core::order::Work)), counted by the storage without reading them
/// ([`Orders::seller_work_counts`](crate::Orders::seller_work_counts)).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct WorkCounts {
    counts: Vec<(tijara_core::order::Work, u64)>,
}

impl WorkCounts {
    /// The orders at `work` (0 when none).
    pub fn get(&self, work: tijara_core::order::Work) -> u64 {
        self.counts
            .iter()
            .find(|(w, _)| *w == work)
            .map_or(0, |(_, n)| *n)
    }

    /// Each tab with its count, in the portal's order ([`Work::ALL`](tijara_core::order::Work::ALL)).
    pub fn iter(&self) -> impl Iterator<Item = (tijara_core::order::Work, u64)> + '_ {
        self.counts.iter().copied()
    }

    /// Every order counted once (each part stands in one tab).
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    pub(crate) fn new(counts: Vec<(tijara_core::order::Work, u64)>) -> Self {
        WorkCounts { counts }
    }
}

/// What the customs declaration (CN23 style) of a parcel sent abroad shows, from
/// [`Fulfillment::customs_document`](crate::Fulfillment::customs_document): the label's
/// sender, recipient, carrier and number, and the declaration given to the carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomsDocument {
    /// The label's data (sender, recipient, carrier, tracking number, order number).
    pub label: LabelData,
    /// The recipient's address laid out as the destination's post expects
    /// ([`tijara_core::order::Address::postal_lines`]), the country in French capitals.
    pub recipient_lines: Vec<String>,
    /// The declaration: contents, quantities, values, weights, HS codes, origin.
    pub declaration: tijara_core::customs::Declaration,
    /// The export TVA exemption's mention, when the parcel's lines were sold without TVA.
    pub export_mention: Option<String>,
    /// The day the order was placed (the invoice's date).
    pub placed_on: tijara_core::chrono::NaiveDate,
}

/// Everything a shipping label shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelData {
    /// The order.
    pub order_id: OrderId,
    /// The seller order.
    pub seller_order_id: SellerOrderId,
    /// The sender: the seller's name.
    pub sender_name: String,
    /// The sender's city.
    pub sender_city: String,
    /// The sender's phone, for the courier (the number the seller chose to show, if any).
    #[serde(default)]
    pub sender_phone: Option<String>,
    /// The sender's street address, when the seller gave one.
    #[serde(default)]
    pub sender_address: Option<String>,
    /// The order's human number (`DAK-2026-483920`), written on the parcel.
    #[serde(default)]
    pub order_reference: String,
    /// The recipient.
    pub recipient: tijara_core::order::Address,
    /// Carrier code.
    pub carrier: String,
    /// The carrier's name for people (`CTM Messagerie`): the one stored with the shopper's
    /// choice, else [`tijara_core::pricing::carrier_name`] of the code. The label prints this,
    /// never the code (empty in data saved before it was kept: print the code's name then).
    #[serde(default)]
    pub carrier_name: String,
    /// Which of the order's parcels this is (1-based; one parcel per seller of the order)...
    #[serde(default)]
    pub part_number: u32,
    /// ...and how many parcels the order makes: a label of an order in several parcels prints
    /// "1/2" beside the order's number, so the courier and the buyer know another one comes.
    #[serde(default)]
    pub part_count: u32,
    /// Service code.
    pub service: String,
    /// The tracking number (printed with a barcode, unless it is provisional).
    pub tracking_number: Option<String>,
    /// True when `tracking_number` is the marketplace's provisional reference, not the
    /// carrier's ([`Shipment::provisional_number`](tijara_core::fulfillment::Shipment::provisional_number)):
    /// printed as a reference, without a barcode a carrier's scanner would take for its own.
    #[serde(default)]
    pub provisional_number: bool,
    /// The carrier's own label, when it makes one.
    pub parcels: Vec<Parcel>,
    /// Cash to collect on delivery.
    pub cod_amount: Option<Money>,
    /// Lines (SKU × quantity), for the packing slip.
    pub contents: Vec<(String, u32)>,
}
