//! Sendit, a Moroccan last-mile carrier, for the Tijara engine — over its token API
//! (`https://app.sendit.ma/api/v1`): `POST login` with the public and secret keys for a bearer
//! token (logged in again when it expires), `GET districts` (paginated) to match addresses and
//! price parcels, `POST deliveries` (with the amount to collect), `GET deliveries/{code}` to
//! track.
//!
//! Shapes follow Sendit's documented endpoints as integrators use them; fields we could not
//! confirm are marked in the code. `tijara_testkit::sendit_fake` answers the same shapes on
//! loopback (errors, expired tokens, slow answers) for tests.
//!
//! Creating a delivery stays idempotent: the seller order id travels as the delivery's
//! `reference`, and before creating, the adapter looks for a delivery with that reference.
//! Temporary failures (timeouts, 5xx, 429) are retried twice with a short backoff; others are
//! reported at once.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use async_trait::async_trait;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;
use tijara::ports::carrier::*;
use tijara_core::Money;
use tijara_core::catalog::search_key;
use tijara_core::chrono::{DateTime, NaiveDateTime, Utc};
use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};
use tokio::sync::Mutex;

/// Re-exported: `SenditConfig::secret_key` is a [`secrecy::SecretString`], so a configuration
/// can be built without a dependency of its own on `secrecy` (of a version matching this
/// crate's).
pub use secrecy;

/// Sendit's production API.
pub const API_URL: &str = "https://app.sendit.ma/api/v1";

/// Sendit settings.
#[derive(Debug, Clone)]
pub struct SenditConfig {
    /// API base URL (ends with `/api/v1`).
    pub base_url: String,
    /// Public key.
    pub public_key: String,
    /// Secret key (never logged).
    pub secret_key: SecretString,
    /// The pickup district of the marketplace's sellers (Sendit district id).
    pub pickup_district_id: u64,
    /// COD fee, percent of the amount collected.
    pub cod_percent: Decimal,
    /// Estimated days (min, max).
    pub days: (u16, u16),
    /// Timeout per request.
    pub timeout: Duration,
}

/// The Sendit carrier.
#[derive(Debug)]
pub struct Sendit {
    config: SenditConfig,
    http: reqwest::Client,
    token: Mutex<Option<String>>,
    districts: Mutex<Option<Vec<District>>>,
}

/// A Sendit district.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct District {
    /// Id.
    pub id: u64,
    /// Name (Latin).
    pub name: String,
    /// Name in Arabic.
    #[serde(default)]
    pub arabic_name: Option<String>,
    /// Delivery fee in MAD (field name not confirmed by Sendit's docs).
    #[serde(default)]
    pub price: Option<serde_json::Value>,
    /// Delay in days (field name not confirmed by Sendit's docs).
    #[serde(default)]
    pub delais: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    message: Option<String>,
    data: Option<T>,
}

#[derive(Deserialize)]
struct LoginData {
    token: String,
}

#[derive(Deserialize)]
struct DistrictPage {
    data: Vec<District>,
    next_page_url: Option<String>,
}

#[derive(Deserialize, Clone)]
struct Delivery {
    code: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    last_action_at: Option<String>,
    #[serde(default)]
    reference: Option<String>,
}

fn temporary(e: reqwest::Error) -> CarrierError {
    CarrierError::Temporary(format!("Sendit unreachable: {}", e.without_url()))
}

/// Maps Sendit's delivery statuses (unknown ones: `Unknown`, kept with their code).
pub fn normalize(status: &str) -> TrackingStatus {
    match status.trim().to_ascii_uppercase().as_str() {
        "PENDING" | "NEW" | "WAITING_PICKUP" => TrackingStatus::LabelCreated,
        "PICKED_UP" | "RECEIVED" => TrackingStatus::PickedUp,
        "IN_PROGRESS" | "SHIPPED" | "IN_TRANSIT" => TrackingStatus::InTransit,
        "DISTRIBUTED" | "OUT_FOR_DELIVERY" => TrackingStatus::OutForDelivery,
        "DELIVERED" => TrackingStatus::Delivered,
        "REJECTED" | "UNREACHABLE" | "POSTPONED" => TrackingStatus::DeliveryFailed,
        "RETURNED" | "RETURN_RECEIVED" => TrackingStatus::ReturnedToSender,
        _ => TrackingStatus::Unknown,
    }
}

fn number(v: &Option<serde_json::Value>) -> Option<String> {
    match v {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

impl Sendit {
    /// Builds the carrier (nothing is called until the first request).
    pub fn new(config: SenditConfig) -> Result<Self, CarrierError> {
        if config.public_key.is_empty() || config.secret_key.expose_secret().is_empty() {
            return Err(CarrierError::Permanent(
                "Sendit needs its public and secret keys".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| CarrierError::Permanent(e.to_string()))?;
        Ok(Sendit {
            config,
            http,
            token: Mutex::new(None),
            districts: Mutex::new(None),
        })
    }

    async fn login(&self) -> Result<String, CarrierError> {
        let res = self
            .http
            .post(format!("{}/login", self.config.base_url))
            .json(&serde_json::json!({
                "public_key": self.config.public_key,
                "secret_key": self.config.secret_key.expose_secret(),
            }))
            .send()
            .await
            .map_err(temporary)?;
        if res.status().is_server_error() {
            return Err(CarrierError::Temporary(format!(
                "Sendit login answered {}",
                res.status()
            )));
        }
        let env: Envelope<LoginData> = res.json().await.map_err(temporary)?;
        match (env.success, env.data) {
            (true, Some(d)) => Ok(d.token),
            _ => Err(CarrierError::Permanent(format!(
                "Sendit refused the keys: {}",
                env.message.unwrap_or_default()
            ))),
        }
    }

    /// One authenticated call: logs in when needed, again once if the token expired, and
    /// retries temporary failures twice.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, CarrierError> {
        let mut relogged = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let token = {
                let mut t = self.token.lock().await;
                if t.is_none() {
                    *t = Some(self.login().await?);
                }
                t.clone().unwrap_or_default()
            };
            let url = if path.starts_with("http") {
                path.to_owned()
            } else {
                format!("{}/{path}", self.config.base_url)
            };
            let mut req = self
                .http
                .request(method.clone(), url)
                .bearer_auth(&token)
                .header("Accept", "application/json");
            if let Some(b) = body {
                req = req.json(b);
            }
            let outcome = match req.send().await {
                Err(e) => Err(temporary(e)),
                Ok(res) if res.status() == StatusCode::UNAUTHORIZED && !relogged => {
                    relogged = true;
                    *self.token.lock().await = None;
                    continue;
                }
                Ok(res)
                    if res.status().is_server_error()
                        || res.status() == StatusCode::TOO_MANY_REQUESTS =>
                {
                    Err(CarrierError::Temporary(format!(
                        "Sendit answered {}",
                        res.status()
                    )))
                }
                Ok(res) => {
                    let status = res.status();
                    let env: Envelope<T> = res.json().await.map_err(temporary)?;
                    match (env.success, env.data) {
                        (true, Some(d)) => Ok(d),
                        _ => Err(CarrierError::Permanent(format!(
                            "Sendit refused ({status}): {}",
                            env.message.unwrap_or_else(|| "no message".into())
                        ))),
                    }
                }
            };
            match outcome {
                Err(CarrierError::Temporary(_)) if attempt < 3 => {
                    tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                }
                other => return other,
            }
        }
    }

    /// Every district (fetched once, page by page, then kept).
    pub async fn districts(&self) -> Result<Vec<District>, CarrierError> {
        if let Some(d) = self.districts.lock().await.clone() {
            return Ok(d);
        }
        let mut all = Vec::new();
        let mut next = Some("districts?page=1".to_owned());
        while let Some(path) = next {
            let page: DistrictPage = self.call(reqwest::Method::GET, &path, None).await?;
            all.extend(page.data);
            next = page.next_page_url;
        }
        *self.districts.lock().await = Some(all.clone());
        Ok(all)
    }

    async fn district_of(&self, city: &str) -> Result<Option<District>, CarrierError> {
        let key = search_key(city);
        Ok(self.districts().await?.into_iter().find(|d| {
            search_key(&d.name) == key
                || d.arabic_name
                    .as_deref()
                    .is_some_and(|a| search_key(a) == key)
        }))
    }

    async fn find_by_reference(&self, reference: &str) -> Result<Option<Delivery>, CarrierError> {
        let found: Vec<Delivery> = self
            .call(
                reqwest::Method::GET,
                &format!("deliveries?reference={reference}"),
                None,
            )
            .await?;
        Ok(found
            .into_iter()
            .find(|d| d.reference.as_deref() == Some(reference)))
    }
}

#[async_trait]
impl Carrier for Sendit {
    fn code(&self) -> &str {
        "sendit"
    }
    fn capabilities(&self) -> CarrierCapabilities {
        CarrierCapabilities::default()
            .with_tracking(true)
            .with_cod(true)
            .with_pickup(true)
    }
    async fn quote(&self, request: &QuoteRequest) -> Result<Vec<Quote>, CarrierError> {
        if !request.destination.country.eq_ignore_ascii_case("MA") {
            return Ok(vec![]);
        }
        let Some(d) = self.district_of(&request.destination.city).await? else {
            return Ok(vec![]);
        };
        let Some(price) = number(&d.price).and_then(|p| Money::mad(&p).ok()) else {
            return Ok(vec![]);
        };
        let cod_fee = match request.cod_amount {
            Some(a) => Some(
                a.mul_rounded(self.config.cod_percent / Decimal::ONE_HUNDRED)
                    .map_err(|e| CarrierError::Permanent(e.to_string()))?,
            ),
            None => None,
        };
        let total = match cod_fee {
            Some(f) => price
                .checked_add(f)
                .map_err(|e| CarrierError::Permanent(e.to_string()))?,
            None => price,
        };
        let extra: u16 = number(&d.delais).and_then(|x| x.parse().ok()).unwrap_or(0);
        Ok(vec![
            Quote::new(
                "sendit",
                "standard",
                total,
                (self.config.days.0 + extra, self.config.days.1 + extra),
            )
            .with_cod_fee(cod_fee),
        ])
    }
    async fn create_shipment(
        &self,
        request: &ShipmentRequest,
    ) -> Result<CreatedShipment, CarrierError> {
        if let Some(existing) = self.find_by_reference(&request.reference).await? {
            return Ok(CreatedShipment::new(existing.code));
        }
        let d = self
            .district_of(&request.destination.city)
            .await?
            .ok_or_else(|| {
                CarrierError::Permanent(format!(
                    "Sendit does not serve {}",
                    request.destination.city
                ))
            })?;
        let a = &request.destination;
        let address = format!("{} {}", a.line1, a.line2.as_deref().unwrap_or(""))
            .trim()
            .to_owned();
        let body = serde_json::json!({
            "pickup_district_id": self.config.pickup_district_id,
            "district_id": d.id,
            "name": a.name,
            "phone": a.phone,
            "address": address,
            "amount": request.cod_amount.map_or_else(|| "0".to_owned(), |m| format!("{:.2}", m.amount())),
            "reference": request.reference,
            "allow_open": 1,
            "allow_try": 0,
            "comment": format!("Tijara {}", request.reference),
        });
        let created: Delivery = self
            .call(reqwest::Method::POST, "deliveries", Some(&body))
            .await?;
        Ok(CreatedShipment::new(created.code))
    }
    async fn cancel(&self, _: &str) -> Result<(), CarrierError> {
        Err(CarrierError::Unsupported("cancel"))
    }
    async fn track(&self, tracking_number: &str) -> Result<Vec<TrackingEvent>, CarrierError> {
        let d: Delivery = self
            .call(
                reqwest::Method::GET,
                &format!("deliveries/{tracking_number}"),
                None,
            )
            .await?;
        let at = d
            .last_action_at
            .as_deref()
            .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok())
            .map(|n| DateTime::<Utc>::from_naive_utc_and_offset(n, Utc))
            .unwrap_or_default();
        Ok(vec![TrackingEvent {
            at,
            status: normalize(&d.status),
            carrier_code: d.status.clone(),
            carrier_text: d.status,
            location: None,
            cod_collected: None,
        }])
    }
    async fn parse_webhook(&self, _: &WebhookRequest) -> Result<WebhookUpdate, CarrierError> {
        Err(CarrierError::Unsupported("webhooks"))
    }
}
