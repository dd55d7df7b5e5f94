//! The carrier port: quotes, shipments (with their labels), cancellation, tracking by polling
//! or by webhook.
//!
//! # Contract
//! - `quote` answers positive MAD prices with a service and an estimate, or nothing when the
//!   carrier does not serve the destination.
//! - `create_shipment` MUST be idempotent by `ShipmentRequest::reference` (the seller order id):
//!   a retry after a timeout returns the same parcel, never a second one.
//! - `track` and `parse_webhook` return events normalized to the core's statuses, keeping the
//!   carrier's own code and text; a code the adapter does not know maps to
//!   `TrackingStatus::Unknown`, never to a guess.
//! - A carrier whose codes come from a table (rate cards: events typed by hand) answers
//!   `status_of` for every code — its own mapping, `Unknown` for any other — and the engine's
//!   `record_tracking` re-normalizes events by it, so another carrier's event (say CTM's `REM`,
//!   "delivered", given for an Amana parcel) is kept as `Unknown`, never taken at its status.
//! - Operations outside the declared capabilities answer `CarrierError::Unsupported`.
//! - Errors say whether retrying can help: timeouts, 5xx and rate limits are `Temporary`; a
//!   refused address or parcel is `Permanent`.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tijara_core::Money;
use tijara_core::fulfillment::{Parcel, TrackingEvent, TrackingStatus};
use tijara_core::order::Address;

/// What a carrier can do.
///
/// Build it from [`Default`] (everything off) and the `with_*` methods, so a capability added
/// later is not a breaking change:
///
/// ```
/// use tijara::ports::carrier::CarrierCapabilities;
/// let caps = CarrierCapabilities::default().with_label(true).with_cod(true);
/// assert!(caps.cod && !caps.webhooks);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CarrierCapabilities {
    /// Produces a label.
    pub label: bool,
    /// Shipments can be cancelled.
    pub cancel: bool,
    /// Collects cash on delivery.
    pub cod: bool,
    /// Pushes tracking by webhook.
    pub webhooks: bool,
    /// Reports the parcel's steps itself (its API answers `track`, or it pushes webhooks) and
    /// chooses the tracking number at `create_shipment`. Sellers may then type neither a number
    /// nor a step by hand, and its number wins over one typed by hand on a carrier without it.
    /// False for carriers whose steps are typed by hand (rate cards).
    pub tracking: bool,
    /// Ships abroad.
    pub international: bool,
    /// Collects parcels at the seller's.
    pub pickup: bool,
}

with_flags!(CarrierCapabilities {
    /// Sets [`CarrierCapabilities::label`].
    with_label => label,
    /// Sets [`CarrierCapabilities::cancel`].
    with_cancel => cancel,
    /// Sets [`CarrierCapabilities::cod`].
    with_cod => cod,
    /// Sets [`CarrierCapabilities::webhooks`].
    with_webhooks => webhooks,
    /// Sets [`CarrierCapabilities::tracking`].
    with_tracking => tracking,
    /// Sets [`CarrierCapabilities::international`].
    with_international => international,
    /// Sets [`CarrierCapabilities::pickup`].
    with_pickup => pickup,
});

/// A request for prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QuoteRequest {
    /// The seller's city.
    pub origin_city: String,
    /// Where to deliver.
    pub destination: Address,
    /// Parcels.
    pub parcels: Vec<Parcel>,
    /// Cash to collect, for cash on delivery.
    pub cod_amount: Option<Money>,
}

impl QuoteRequest {
    /// Prices for these parcels from `origin_city` to `destination`, no cash to collect.
    pub fn new(origin_city: impl Into<String>, destination: Address, parcels: Vec<Parcel>) -> Self {
        QuoteRequest {
            origin_city: origin_city.into(),
            destination,
            parcels,
            cod_amount: None,
        }
    }

    /// With cash to collect (`None`: none).
    #[must_use]
    pub fn with_cod_amount(mut self, cod_amount: impl Into<Option<Money>>) -> Self {
        self.cod_amount = cod_amount.into();
        self
    }
}

/// A service offered, with its price to the shopper (TTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Quote {
    /// Carrier code.
    pub carrier: String,
    /// Service code.
    pub service: String,
    /// Price, TTC, positive.
    pub price: Money,
    /// Estimated days (min, max).
    pub estimated_days: (u16, u16),
    /// Fee for collecting cash, included in `price`.
    pub cod_fee: Option<Money>,
    /// The carrier's name as shoppers know it (`Amana`, `CTM Messagerie`), if the adapter
    /// gives one; pages show it rather than the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_name: Option<String>,
}

impl Quote {
    /// A service of a carrier at `price` (TTC), delivered in `estimated_days` (min, max); no
    /// cash-collection fee.
    pub fn new(
        carrier: impl Into<String>,
        service: impl Into<String>,
        price: Money,
        estimated_days: (u16, u16),
    ) -> Self {
        Quote {
            carrier: carrier.into(),
            service: service.into(),
            price,
            estimated_days,
            cod_fee: None,
            carrier_name: None,
        }
    }

    /// With the carrier's display name (`None`: none).
    #[must_use]
    pub fn with_carrier_name(mut self, name: impl Into<Option<String>>) -> Self {
        self.carrier_name = name.into();
        self
    }

    /// The carrier's display name, else its code.
    pub fn carrier_label(&self) -> &str {
        self.carrier_name.as_deref().unwrap_or(&self.carrier)
    }

    /// With the fee for collecting cash, included in the price (`None`: none).
    #[must_use]
    pub fn with_cod_fee(mut self, cod_fee: impl Into<Option<Money>>) -> Self {
        self.cod_fee = cod_fee.into();
        self
    }
}

/// A request to create a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShipmentRequest {
    /// Our reference (the seller order id): creating twice with the same reference MUST NOT
    /// create two parcels.
    pub reference: String,
    /// Service code.
    pub service: String,
    /// The seller's city.
    pub origin_city: String,
    /// Where to deliver.
    pub destination: Address,
    /// Parcels.
    pub parcels: Vec<Parcel>,
    /// Cash to collect.
    pub cod_amount: Option<Money>,
    /// For a parcel sent abroad: its customs declaration (contents, values, weights, HS
    /// codes, origin), which an API carrier sends with the shipment (Aramex's customs value
    /// and item list) and the marketplace prints as a CN23.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs: Option<tijara_core::customs::Declaration>,
}

impl ShipmentRequest {
    /// A shipment with our `reference` (idempotency key), by `service`, of these parcels from
    /// `origin_city` to `destination`; no cash to collect.
    pub fn new(
        reference: impl Into<String>,
        service: impl Into<String>,
        origin_city: impl Into<String>,
        destination: Address,
        parcels: Vec<Parcel>,
    ) -> Self {
        ShipmentRequest {
            reference: reference.into(),
            service: service.into(),
            origin_city: origin_city.into(),
            destination,
            parcels,
            cod_amount: None,
            customs: None,
        }
    }

    /// With cash to collect (`None`: none).
    #[must_use]
    pub fn with_cod_amount(mut self, cod_amount: impl Into<Option<Money>>) -> Self {
        self.cod_amount = cod_amount.into();
        self
    }

    /// With the parcel's customs declaration (a parcel sent abroad).
    #[must_use]
    pub fn with_customs(
        mut self,
        customs: impl Into<Option<tijara_core::customs::Declaration>>,
    ) -> Self {
        self.customs = customs.into();
        self
    }
}

/// A created shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatedShipment {
    /// The carrier's tracking number (or, when [`CreatedShipment::provisional_number`], the
    /// marketplace's own reference).
    pub tracking_number: String,
    /// True when the carrier has no API and `tracking_number` is a reference the adapter made
    /// up for the label (a rate card's carrier: the parcel gets its real number at the
    /// carrier's counter, typed in later). The engine then keeps it apart from the carrier's
    /// number ([`Shipment::provisional_number`](tijara_core::fulfillment::Shipment::provisional_number)):
    /// pages and messages do not send the shopper to the carrier's tracking page with it.
    #[serde(default)]
    pub provisional_number: bool,
    /// Where the carrier's label can be fetched, if it makes one (else the marketplace prints
    /// its own label page).
    pub label_url: Option<String>,
}

impl CreatedShipment {
    /// A shipment with this tracking number and no label of the carrier's.
    pub fn new(tracking_number: impl Into<String>) -> Self {
        CreatedShipment {
            tracking_number: tracking_number.into(),
            provisional_number: false,
            label_url: None,
        }
    }

    /// A shipment of a carrier without an API: `reference` is the marketplace's own, for the
    /// label, until the carrier's number is typed in ([`CreatedShipment::provisional_number`]).
    ///
    /// ```
    /// use tijara::ports::carrier::CreatedShipment;
    ///
    /// let made = CreatedShipment::provisional("AMANA-7KQ2MX");
    /// assert!(made.provisional_number);
    /// assert!(!CreatedShipment::new("AM123456789MA").provisional_number);
    /// ```
    pub fn provisional(reference: impl Into<String>) -> Self {
        CreatedShipment {
            provisional_number: true,
            ..Self::new(reference)
        }
    }

    /// With the carrier's label (`None`: none).
    #[must_use]
    pub fn with_label_url(mut self, label_url: impl Into<Option<String>>) -> Self {
        self.label_url = label_url.into();
        self
    }
}

/// A webhook call as received over HTTP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookRequest {
    /// The raw body.
    pub body: String,
    /// Request headers (lower-case names).
    pub headers: Vec<(String, String)>,
}

impl WebhookRequest {
    /// A call with this raw body and no headers.
    pub fn new(body: impl Into<String>) -> Self {
        WebhookRequest {
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// With one more header (give the name in lower case).
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// With these headers, replacing any given before (lower-case names).
    #[must_use]
    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.headers = headers;
        self
    }
}

/// Events a webhook reported, per tracking number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookUpdate {
    /// (tracking number, its new events).
    pub shipments: Vec<(String, Vec<TrackingEvent>)>,
}

impl WebhookUpdate {
    /// These (tracking number, its new events) pairs.
    pub fn new(shipments: Vec<(String, Vec<TrackingEvent>)>) -> Self {
        WebhookUpdate { shipments }
    }

    /// With the new events of one more tracking number.
    #[must_use]
    pub fn with_shipment(
        mut self,
        tracking_number: impl Into<String>,
        events: Vec<TrackingEvent>,
    ) -> Self {
        self.shipments.push((tracking_number.into(), events));
        self
    }
}

/// Why a carrier call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CarrierError {
    /// Timeout, 5xx, rate limit: retrying may help.
    #[error("carrier temporarily unavailable: {0}")]
    Temporary(String),
    /// Bad address, refused parcel...: retrying will not help.
    #[error("carrier refused: {0}")]
    Permanent(String),
    /// Not supported by this carrier.
    #[error("{0} is not supported by this carrier")]
    Unsupported(&'static str),
}

impl CarrierError {
    /// True when retrying may help.
    pub fn is_temporary(&self) -> bool {
        matches!(self, CarrierError::Temporary(_))
    }
}

/// A carrier. See the module documentation for the contract as a whole; each method's
/// section names the `tijara-testkit` carrier check ([`carrier_conformance!`][cc]) that
/// verifies it.
///
/// [cc]: https://docs.rs/tijara-testkit/latest/tijara_testkit/macro.carrier_conformance.html
#[async_trait]
pub trait Carrier: Send + Sync {
    /// A short code (`amana`, `ctm`, `sendit`, `aramex`).
    ///
    /// # Contract
    /// Constant and unique among the engine's carriers: quotes, shipments and webhooks are
    /// routed by it, and [`Quote::carrier`] MUST be this code.
    fn code(&self) -> &str;

    /// What it can do.
    ///
    /// # Contract
    /// Constant for the life of the carrier. Every operation outside it answers
    /// [`CarrierError::Unsupported`]; `webhooks` implies `tracking`; without `international`
    /// nothing is quoted abroad (`tijara_testkit::carrier::capabilities_are_honoured`).
    fn capabilities(&self) -> CarrierCapabilities;

    /// Prices for these parcels.
    ///
    /// # Contract
    /// - Positive prices in the region's currency (TTC, a cash-collection fee included), each
    ///   with a service and an estimate `(min, max)`, `min <= max`
    ///   (`tijara_testkit::carrier::quotes_are_positive_mad_with_estimates`).
    /// - With a `cod_amount` (capability `cod`), each price is the plain price plus
    ///   [`Quote::cod_fee`], exactly (same check).
    /// - An empty list, not an error, when it does not serve the destination.
    /// - Side-effect free: the engine calls it again whenever the cart changes, and may call
    ///   it more than once for one request (a change run again after a concurrent write,
    ///   after a refusal judged on a cart the engine remembered or on the catalog it holds,
    ///   or after a commit refused because the catalog changed).
    async fn quote(&self, request: &QuoteRequest) -> Result<Vec<Quote>, CarrierError>;

    /// Creates a shipment.
    ///
    /// # Contract
    /// - MUST be idempotent by [`ShipmentRequest::reference`]: a retry (after a timeout, a
    ///   crash) answers the same parcel and tracking number, never a second parcel
    ///   (`tijara_testkit::carrier::create_is_idempotent`).
    /// - [`CarrierError::Permanent`] for a refused address or parcel (the seller must change
    ///   something), [`CarrierError::Temporary`] when retrying may help.
    async fn create_shipment(
        &self,
        request: &ShipmentRequest,
    ) -> Result<CreatedShipment, CarrierError>;

    /// Cancels a shipment not yet picked up.
    ///
    /// # Contract
    /// Answers [`CarrierError::Unsupported`] without the `cancel` capability
    /// (`tijara_testkit::carrier::capabilities_are_honoured`). A parcel already picked up is
    /// [`CarrierError::Permanent`]; cancelling twice SHOULD succeed (not checked by the kit).
    async fn cancel(&self, tracking_number: &str) -> Result<(), CarrierError>;

    /// The carrier's events for a tracking number, normalized.
    ///
    /// # Contract
    /// - Events normalized to the core's statuses, each keeping the carrier's own code, text
    ///   and time (`tijara_testkit::carrier::polling_keeps_the_carriers_times`); a code it
    ///   does not know is `Unknown`, never a guess
    ///   (`tijara_testkit::carrier::codes_are_normalized_and_unknown_ones_kept`).
    /// - Polling an unchanged parcel again answers the same events; the engine merges them
    ///   in any order into one status
    ///   (`tijara_testkit::carrier::tracking_in_any_order_gives_one_status`).
    /// - Carriers whose steps are typed by hand answer an empty list.
    async fn track(&self, tracking_number: &str) -> Result<Vec<TrackingEvent>, CarrierError>;

    /// Reads (and authenticates) a webhook call.
    ///
    /// # Contract
    /// - Answers [`CarrierError::Unsupported`] without the `webhooks` capability
    ///   (`tijara_testkit::carrier::capabilities_are_honoured`).
    /// - MUST authenticate the call (signature or shared secret, compared in constant time)
    ///   and answer [`CarrierError::Permanent`] for one that does not authenticate or cannot
    ///   be read (no kit check yet: no bundled carrier has webhooks); events are normalized as
    ///   for [`Carrier::track`].
    async fn parse_webhook(&self, request: &WebhookRequest) -> Result<WebhookUpdate, CarrierError>;

    /// The status this carrier gives its own `code` (`Unknown` for a code it does not define,
    /// another carrier's included), or `None` when it does not say (the default: events from
    /// `track` and `parse_webhook` are already normalized by the adapter). When it says, the
    /// engine's `record_tracking` re-normalizes each event by it, whatever status it came with.
    ///
    /// # Contract
    /// Pure. A carrier whose codes come from a table answers `Some` for every code: its
    /// mapping, `Unknown` for any other
    /// (`tijara_testkit::carrier::other_carriers_codes_stay_unknown`).
    fn status_of(&self, code: &str) -> Option<TrackingStatus> {
        let _ = code;
        None
    }

    /// The carrier's public page that follows the parcel `tracking_number`, if it has one
    /// (the default: none). Shopper messages link to it, else to the order page.
    ///
    /// # Contract
    /// Pure; an `https://` address, or `None` for a number it cannot put in one.
    fn tracking_url(&self, tracking_number: &str) -> Option<String> {
        let _ = tracking_number;
        None
    }
}
