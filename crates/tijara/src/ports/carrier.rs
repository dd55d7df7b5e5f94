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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// A request for prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// A service offered, with its price to the shopper (TTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// A request to create a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// A created shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedShipment {
    /// The carrier's tracking number.
    pub tracking_number: String,
    /// Where the carrier's label can be fetched, if it makes one (else the marketplace prints
    /// its own label page).
    pub label_url: Option<String>,
}

/// A webhook call as received over HTTP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRequest {
    /// The raw body.
    pub body: String,
    /// Request headers (lower-case names).
    pub headers: Vec<(String, String)>,
}

/// Events a webhook reported, per tracking number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookUpdate {
    /// (tracking number, its new events).
    pub shipments: Vec<(String, Vec<TrackingEvent>)>,
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

/// A carrier.
#[async_trait]
pub trait Carrier: Send + Sync {
    /// A short code (`amana`, `ctm`, `sendit`, `aramex`).
    fn code(&self) -> &str;

    /// What it can do.
    fn capabilities(&self) -> CarrierCapabilities;

    /// Prices for these parcels (empty when it does not serve the destination).
    async fn quote(&self, request: &QuoteRequest) -> Result<Vec<Quote>, CarrierError>;

    /// Creates a shipment (idempotent by `request.reference`).
    async fn create_shipment(
        &self,
        request: &ShipmentRequest,
    ) -> Result<CreatedShipment, CarrierError>;

    /// Cancels a shipment not yet picked up (capability `cancel`).
    async fn cancel(&self, tracking_number: &str) -> Result<(), CarrierError>;

    /// The carrier's events for a tracking number, normalized.
    async fn track(&self, tracking_number: &str) -> Result<Vec<TrackingEvent>, CarrierError>;

    /// Reads (and authenticates) a webhook call (capability `webhooks`).
    async fn parse_webhook(&self, request: &WebhookRequest) -> Result<WebhookUpdate, CarrierError>;

    /// The status this carrier gives its own `code` (`Unknown` for a code it does not define,
    /// another carrier's included), or `None` when it does not say (the default: events from
    /// `track` and `parse_webhook` are already normalized by the adapter). When it says, the
    /// engine's `record_tracking` re-normalizes each event by it, whatever status it came with.
    fn status_of(&self, code: &str) -> Option<TrackingStatus> {
        let _ = code;
        None
    }
}
