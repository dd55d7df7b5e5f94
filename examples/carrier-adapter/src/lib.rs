//! "Coursier du Sud": a small, complete carrier adapter for Tijara — the model that
//! `docs/carrier-adapters.md` walks through.
//!
//! An imaginary local courier with a flat price per city, cash on delivery at 2 % (minimum
//! 10 MAD), parcel numbers it hands out, its own status codes, and a webhook that posts JSON
//! with a shared token. Here its "API" is in process, so the example runs anywhere; a real
//! adapter makes the same calls over HTTP (see `tijara-carrier-sendit` and
//! `tijara-carrier-aramex`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use async_trait::async_trait;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use tijara::ports::carrier::*;
use tijara_core::catalog::search_key;
use tijara_core::chrono::{DateTime, Utc};
use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};
use tijara_core::{Decimal, Money};

/// A status report of the courier: its code and when.
type Report = (String, DateTime<Utc>);

/// The courier.
#[derive(Debug)]
pub struct CoursierDuSud {
    prices: HashMap<String, Money>,
    token: String,
    parcels: Mutex<HashMap<String, String>>,
    reports: Mutex<HashMap<String, Vec<Report>>>,
}

/// The courier's codes, normalized. Unknown codes are `Unknown`: never a guess.
pub fn normalize(code: &str) -> TrackingStatus {
    match code {
        "RAMASSE" => TrackingStatus::PickedUp,
        "EN_ROUTE" => TrackingStatus::InTransit,
        "EN_LIVRAISON" => TrackingStatus::OutForDelivery,
        "LIVRE" => TrackingStatus::Delivered,
        "ECHEC" => TrackingStatus::DeliveryFailed,
        "RETOUR" => TrackingStatus::ReturnedToSender,
        _ => TrackingStatus::Unknown,
    }
}

#[derive(Deserialize)]
struct Hook {
    parcel: String,
    code: String,
    at: DateTime<Utc>,
}

fn event(code: &str, at: DateTime<Utc>) -> TrackingEvent {
    TrackingEvent {
        at,
        status: normalize(code),
        carrier_code: code.to_owned(),
        carrier_text: code.replace('_', " ").to_lowercase(),
        location: None,
        cod_collected: None,
    }
}

impl CoursierDuSud {
    /// A courier serving these (city, price) pairs; webhooks carry `token`.
    pub fn new(prices: &[(&str, &str)], token: &str) -> Result<Self, CarrierError> {
        let prices = prices
            .iter()
            .map(|(c, p)| {
                Ok((
                    search_key(c),
                    Money::mad(p).map_err(|e| CarrierError::Permanent(e.to_string()))?,
                ))
            })
            .collect::<Result<_, CarrierError>>()?;
        Ok(CoursierDuSud {
            prices,
            token: token.to_owned(),
            parcels: Mutex::new(HashMap::new()),
            reports: Mutex::new(HashMap::new()),
        })
    }

    /// What the courier's own system does when a parcel moves (in a real adapter: the
    /// carrier's side).
    pub fn report(&self, parcel: &str, code: &str, at: DateTime<Utc>) {
        if let Ok(mut r) = self.reports.lock() {
            r.entry(parcel.to_owned())
                .or_default()
                .push((code.to_owned(), at));
        }
    }
}

#[async_trait]
impl Carrier for CoursierDuSud {
    fn code(&self) -> &str {
        "coursier-sud"
    }
    fn capabilities(&self) -> CarrierCapabilities {
        CarrierCapabilities::default()
            .with_tracking(true)
            .with_cod(true)
            .with_webhooks(true)
            .with_pickup(true)
    }
    async fn quote(&self, r: &QuoteRequest) -> Result<Vec<Quote>, CarrierError> {
        if !r.destination.country.eq_ignore_ascii_case("MA") {
            return Ok(vec![]);
        }
        let Some(price) = self.prices.get(&search_key(&r.destination.city)).copied() else {
            return Ok(vec![]);
        };
        let err = |e: tijara_core::MoneyError| CarrierError::Permanent(e.to_string());
        let cod_fee = match r.cod_amount {
            Some(a) => {
                let fee = a.mul_rounded(Decimal::new(2, 2)).map_err(err)?;
                Some(if fee.amount() < Decimal::TEN {
                    Money::mad("10").map_err(err)?
                } else {
                    fee
                })
            }
            None => None,
        };
        let total = match cod_fee {
            Some(f) => price.checked_add(f).map_err(err)?,
            None => price,
        };
        Ok(vec![
            Quote::new(self.code(), "standard", total, (2, 4)).with_cod_fee(cod_fee),
        ])
    }
    async fn create_shipment(&self, r: &ShipmentRequest) -> Result<CreatedShipment, CarrierError> {
        if !self.prices.contains_key(&search_key(&r.destination.city)) {
            return Err(CarrierError::Permanent(format!(
                "we do not deliver to {}",
                r.destination.city
            )));
        }
        let mut parcels = self
            .parcels
            .lock()
            .map_err(|_| CarrierError::Temporary("busy".into()))?;
        let n = parcels.len() + 1;
        // Idempotent by our reference: the same seller order always gets the same parcel.
        let number = parcels
            .entry(r.reference.clone())
            .or_insert_with(|| format!("CDS{n:06}"))
            .clone();
        Ok(CreatedShipment::new(number))
    }
    async fn cancel(&self, _: &str) -> Result<(), CarrierError> {
        Err(CarrierError::Unsupported("cancel"))
    }
    async fn track(&self, tracking_number: &str) -> Result<Vec<TrackingEvent>, CarrierError> {
        let reports = self
            .reports
            .lock()
            .map_err(|_| CarrierError::Temporary("busy".into()))?;
        Ok(reports
            .get(tracking_number)
            .into_iter()
            .flatten()
            .map(|(c, at)| event(c, *at))
            .collect())
    }
    async fn parse_webhook(&self, request: &WebhookRequest) -> Result<WebhookUpdate, CarrierError> {
        if !request
            .headers
            .iter()
            .any(|(k, v)| k == "x-coursier-token" && v == &self.token)
        {
            return Err(CarrierError::Permanent("webhook without our token".into()));
        }
        let hooks: Vec<Hook> = serde_json::from_str(&request.body)
            .map_err(|e| CarrierError::Permanent(e.to_string()))?;
        let mut by: HashMap<String, Vec<TrackingEvent>> = HashMap::new();
        for h in hooks {
            by.entry(h.parcel).or_default().push(event(&h.code, h.at));
        }
        Ok(WebhookUpdate::new(by.into_iter().collect()))
    }
}
