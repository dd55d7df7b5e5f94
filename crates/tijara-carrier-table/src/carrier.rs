//! The carrier itself: a [`TableCarrier`] prices by its [`RateCard`] and hands out tracking
//! numbers, remembered per reference so a retry gets the same one.

use crate::{AMANA_INTERNATIONAL_SAMPLE, AMANA_SAMPLE, CTM_SAMPLE, RateCard, RateCardError};
use async_trait::async_trait;
use std::collections::BTreeMap;
use tijara::ports::carrier::*;
use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};

/// A carrier priced by a [`RateCard`].
#[derive(Debug, Clone)]
pub struct TableCarrier {
    card: RateCard,
    /// The number given to each recent reference, so a retry gets the same one (shared by
    /// clones; at most [`REMEMBERED_NUMBERS`]).
    pub(crate) numbers: std::sync::Arc<std::sync::Mutex<Numbers>>,
}

/// How many references' numbers a [`TableCarrier`] remembers; beyond it the oldest is
/// forgotten. That is safe: a number is needed only between this call and the engine recording
/// the shipment (`Fulfillment::ship` refuses a part already shipped before calling the carrier, and
/// replays an idempotent retry from its record), and a rate card creates no parcel anywhere, so
/// a fresh number for a long-forgotten reference makes no second parcel.
pub const REMEMBERED_NUMBERS: usize = 4096;

/// Numbers by reference, oldest first out.
#[derive(Debug, Default)]
pub(crate) struct Numbers {
    pub(crate) by_reference: BTreeMap<String, String>,
    order: std::collections::VecDeque<String>,
}

impl Numbers {
    fn get_or_make(
        &mut self,
        reference: &str,
        make: impl FnOnce() -> Result<String, CarrierError>,
    ) -> Result<String, CarrierError> {
        if let Some(n) = self.by_reference.get(reference) {
            return Ok(n.clone());
        }
        let n = make()?;
        self.by_reference.insert(reference.to_owned(), n.clone());
        self.order.push_back(reference.to_owned());
        while self.order.len() > REMEMBERED_NUMBERS {
            if let Some(old) = self.order.pop_front() {
                self.by_reference.remove(&old);
            }
        }
        Ok(n)
    }
}

/// Letters and digits of a generated number (no 0/O or 1/I, easy to read out on the phone).
const NUMBER_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A marketplace reference for a parcel: the carrier's code and 16 random characters (80
/// bits), so nobody can derive another parcel's number from an order or part id.
fn random_number(carrier: &str) -> Result<String, CarrierError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| CarrierError::Temporary(format!("no randomness for a number: {e}")))?;
    let tail: String = bytes
        .iter()
        .map(|b| char::from(NUMBER_ALPHABET[usize::from(b % 32)]))
        .collect();
    Ok(format!("{}-{tail}", carrier.to_uppercase()))
}

impl TableCarrier {
    /// A carrier from a validated card.
    pub fn new(card: RateCard) -> Self {
        TableCarrier {
            card,
            numbers: Default::default(),
        }
    }

    /// A carrier from TOML text.
    pub fn from_toml(text: &str) -> Result<Self, RateCardError> {
        Ok(Self::new(RateCard::from_toml(text)?))
    }

    /// A carrier from a TOML file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, RateCardError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| RateCardError::Syntax(format!("{}: {e}", path.display())))?;
        Self::from_toml(&text)
    }

    /// A carrier a region file names in its `rate_cards` list: `builtin:amana-sample`,
    /// `builtin:ctm-sample`, `builtin:amana-international-sample`, or the path of a TOML file, relative to `base` (the region file's
    /// folder). Errors name the entry.
    pub fn from_region_entry(name: &str, base: &std::path::Path) -> Result<Self, RateCardError> {
        match name {
            "builtin:amana-sample" => Self::from_toml(AMANA_SAMPLE),
            "builtin:ctm-sample" => Self::from_toml(CTM_SAMPLE),
            "builtin:amana-international-sample" => Self::from_toml(AMANA_INTERNATIONAL_SAMPLE),
            builtin if builtin.starts_with("builtin:") => Err(RateCardError::Syntax(format!(
                "{builtin}: unknown built-in rate card (builtin:amana-sample, builtin:ctm-sample, builtin:amana-international-sample)"
            ))),
            path => Self::from_file(&base.join(path)),
        }
    }

    /// The rate card.
    pub fn card(&self) -> &RateCard {
        &self.card
    }

    /// The status the card gives `code` (trimmed): its `status_codes` entry, or
    /// [`TrackingStatus::Unknown`] for a code the card does not define (another carrier's
    /// included).
    pub fn status(&self, code: &str) -> TrackingStatus {
        self.card
            .status_codes
            .get(code.trim())
            .copied()
            .unwrap_or(TrackingStatus::Unknown)
    }

    /// A tracking event typed by a seller or admin with the carrier's own code, normalized by
    /// the card's `status_codes` (unknown codes: [`TrackingStatus::Unknown`], kept as typed).
    /// The engine's `record_tracking` normalizes again by this card ([`Carrier::status_of`]),
    /// so an event made by another card is not taken at that card's status.
    pub fn event(
        &self,
        code: &str,
        text: &str,
        at: tijara_core::chrono::DateTime<tijara_core::chrono::Utc>,
    ) -> TrackingEvent {
        TrackingEvent {
            at,
            status: self.status(code),
            carrier_code: code.trim().to_owned(),
            carrier_text: text.to_owned(),
            location: None,
            cod_collected: None,
        }
    }
}

#[async_trait]
impl Carrier for TableCarrier {
    fn code(&self) -> &str {
        &self.card.carrier
    }
    fn capabilities(&self) -> CarrierCapabilities {
        CarrierCapabilities::default()
            .with_cancel(true)
            .with_cod(self.card.cod.is_some())
            .with_international(self.card.international)
    }
    async fn quote(&self, request: &QuoteRequest) -> Result<Vec<Quote>, CarrierError> {
        Ok(self.card.price(request)?.into_iter().collect())
    }
    async fn create_shipment(
        &self,
        request: &ShipmentRequest,
    ) -> Result<CreatedShipment, CarrierError> {
        if request.cod_amount.is_some() && self.card.cod.is_none() {
            return Err(CarrierError::Permanent(format!(
                "{} does not collect cash on delivery",
                self.card.carrier
            )));
        }
        if self.card.zone_for(&request.destination).is_none() {
            return Err(CarrierError::Permanent(format!(
                "{} does not serve {}",
                self.card.carrier, request.destination.city
            )));
        }
        // No API: the marketplace's own reference, random (never derived from an id, which
        // would let anyone guess another parcel's number) and remembered per seller order (so
        // a retry gives the same one), until the seller types the carrier's number. It is
        // provisional: no carrier page knows it.
        let number = self
            .numbers
            .lock()
            .map_err(|_| CarrierError::Temporary("tracking number table poisoned".into()))?
            .get_or_make(&request.reference, || random_number(&self.card.carrier))?;
        Ok(CreatedShipment::provisional(number))
    }
    async fn cancel(&self, _tracking_number: &str) -> Result<(), CarrierError> {
        Ok(())
    }
    async fn track(&self, _tracking_number: &str) -> Result<Vec<TrackingEvent>, CarrierError> {
        // Events of a carrier without an API are entered by hand through the engine.
        Ok(Vec::new())
    }
    async fn parse_webhook(&self, _: &WebhookRequest) -> Result<WebhookUpdate, CarrierError> {
        Err(CarrierError::Unsupported("webhooks"))
    }
    fn status_of(&self, code: &str) -> Option<TrackingStatus> {
        Some(self.status(code))
    }
    fn tracking_url(&self, tracking_number: &str) -> Option<String> {
        self.card.tracking_link(tracking_number)
    }
}
