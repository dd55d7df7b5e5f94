//! The carrier port (started here; the carriers issue completes it with labels, cancellation
//! and webhooks).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tijara_core::Money;
use tijara_core::fulfillment::{Parcel, TrackingEvent};
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
    /// Where the label can be fetched, if the carrier makes one.
    pub label_url: Option<String>,
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

    /// The carrier's events for a tracking number, normalized.
    async fn track(&self, tracking_number: &str) -> Result<Vec<TrackingEvent>, CarrierError>;
}
