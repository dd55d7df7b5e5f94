//! Aramex, for international and express parcels, over its public JSON shipping API:
//! `RateCalculator/Service_1_0.svc/json/CalculateRate`, `Shipping/Service_1_0.svc/json/CreateShipments`,
//! `…/PrintLabel` and `Tracking/Service_1_0.svc/json/TrackShipments`, every call carrying the
//! `ClientInfo` credentials from configuration (the password and PIN are secrets, never
//! logged) and `Accept: application/json`. Errors follow Aramex's model: `HasErrors` with
//! `Notifications` (permanent), HTTP 5xx and timeouts (temporary, retried twice).
//!
//! Cash on delivery uses the service code `CODS` with `CashOnDeliveryAmount`. The seller order
//! id travels as `Reference1`; a shipment created twice with the same reference is answered
//! from a per-process cache, and Aramex's own duplicate check by reference is relied upon
//! across processes (not confirmed by Aramex's public documentation — see the note in
//! `docs/carrier-adapters.md`). Tracking update codes are mapped where their meaning is known;
//! others are kept as `Unknown` with Aramex's code and text.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use async_trait::async_trait;
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tijara::ports::carrier::*;
use tijara_core::Money;
use tijara_core::chrono::{DateTime, Utc};
use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};
use tokio::sync::Mutex;

/// Re-exported: `AramexConfig::password` and `account_pin` are [`secrecy::SecretString`]s, so
/// a configuration can be built without a dependency of its own on `secrecy` (of a version
/// matching this crate's).
pub use secrecy;

/// Aramex's production API.
pub const API_URL: &str = "https://ws.aramex.net/ShippingAPI.V2";

/// Aramex account settings (`ClientInfo`) and the shipper's details.
#[derive(Debug, Clone)]
pub struct AramexConfig {
    /// API base (`…/ShippingAPI.V2`).
    pub base_url: String,
    /// `UserName`.
    pub user_name: String,
    /// `Password` (secret).
    pub password: SecretString,
    /// `AccountNumber`.
    pub account_number: String,
    /// `AccountPin` (secret).
    pub account_pin: SecretString,
    /// `AccountEntity` (Aramex's city code of the account).
    pub account_entity: String,
    /// `AccountCountryCode` (`MA`).
    pub account_country_code: String,
    /// `Source`.
    pub source: u32,
    /// The marketplace as shipper: company name.
    pub shipper_name: String,
    /// Shipper phone.
    pub shipper_phone: String,
    /// Shipper e-mail.
    pub shipper_email: String,
    /// Timeout per call.
    pub timeout: Duration,
}

/// The Aramex carrier.
#[derive(Debug)]
pub struct Aramex {
    config: AramexConfig,
    http: reqwest::Client,
    created: Mutex<HashMap<String, CreatedShipment>>,
}

/// The delivery estimate in days (earliest, latest) quoted for a destination country (ISO
/// 3166-1 alpha-2, any case): Aramex's rate call returns a price but no transit time, so the
/// adapter quotes these ranges from Morocco, by destination zone. They are the marketplace's
/// **sample** estimates for express parcels (domestic 1–3; Western Europe 3–5; the Gulf 3–6;
/// North America 4–7; Africa 5–9; elsewhere 6–10 days), shown to shoppers as estimates;
/// an embedder with its own figures wraps the carrier or edits this table.
///
/// ```
/// use tijara_carrier_aramex::transit_days;
/// assert_eq!(transit_days("ma"), (1, 3));
/// assert_eq!(transit_days("FR"), (3, 5));
/// assert_eq!(transit_days("US"), (4, 7));
/// assert_eq!(transit_days("JP"), (6, 10));
/// ```
pub fn transit_days(country: &str) -> (u16, u16) {
    const EUROPE: &[&str] = &[
        "AT", "BE", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "IE", "IT", "LU", "NL", "NO", "PT",
        "SE", "PL", "CZ", "GR",
    ];
    const GULF: &[&str] = &["AE", "SA", "QA", "KW", "BH", "OM"];
    const NORTH_AMERICA: &[&str] = &["US", "CA"];
    const AFRICA: &[&str] = &[
        "MR", "SN", "ML", "CI", "GN", "NE", "BF", "TN", "DZ", "EG", "NG", "GH", "CM", "GA",
    ];
    let c = country.trim().to_ascii_uppercase();
    let c = c.as_str();
    if c == "MA" {
        (1, 3)
    } else if EUROPE.contains(&c) {
        (3, 5)
    } else if GULF.contains(&c) {
        (3, 6)
    } else if NORTH_AMERICA.contains(&c) {
        (4, 7)
    } else if AFRICA.contains(&c) {
        (5, 9)
    } else {
        (6, 10)
    }
}

/// Maps an Aramex update code (unknown ones: `Unknown`).
pub fn normalize(code: &str) -> TrackingStatus {
    match code.trim().to_ascii_uppercase().as_str() {
        "SH014" | "SH012" => TrackingStatus::PickedUp,
        "SH001" | "SH002" | "SH004" | "SH022" => TrackingStatus::InTransit,
        "SH003" => TrackingStatus::OutForDelivery,
        "SH005" | "SH006" | "SH007" => TrackingStatus::Delivered,
        "SH008" | "SH033" | "SH043" => TrackingStatus::DeliveryFailed,
        "SH069" => TrackingStatus::ReturnedToSender,
        _ => TrackingStatus::Unknown,
    }
}

/// Reads Aramex's `/Date(1700000000000+0100)/` (or an RFC 3339 text).
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if let Some(inner) = text
        .strip_prefix("/Date(")
        .and_then(|t| t.strip_suffix(")/"))
    {
        let ms: String = inner
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        return DateTime::from_timestamp_millis(ms.parse().ok()?);
    }
    DateTime::parse_from_rfc3339(text).ok().map(|d| d.to_utc())
}

/// Every notification of an answer: its own and its shipments' (Aramex puts a shipment's
/// refusal there).
fn notifications(v: &Value) -> String {
    let own = v["Notifications"].as_array().into_iter().flatten();
    let nested = v["Shipments"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["Notifications"].as_array().into_iter().flatten());
    own.chain(nested)
        .map(|x| {
            format!(
                "{} {}",
                x["Code"].as_str().unwrap_or(""),
                x["Message"].as_str().unwrap_or("")
            )
            .trim()
            .to_owned()
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Aramex {
    /// Builds the carrier.
    pub fn new(config: AramexConfig) -> Result<Self, CarrierError> {
        if config.user_name.is_empty() || config.account_number.is_empty() {
            return Err(CarrierError::Permanent(
                "Aramex needs a user name and an account number".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| CarrierError::Permanent(e.to_string()))?;
        Ok(Aramex {
            config,
            http,
            created: Mutex::new(HashMap::new()),
        })
    }

    fn client_info(&self) -> Value {
        let c = &self.config;
        json!({
            "UserName": c.user_name,
            "Password": c.password.expose_secret(),
            "Version": "v1.0",
            "AccountNumber": c.account_number,
            "AccountPin": c.account_pin.expose_secret(),
            "AccountEntity": c.account_entity,
            "AccountCountryCode": c.account_country_code,
            "Source": c.source,
        })
    }

    async fn post(&self, path: &str, mut body: Value) -> Result<Value, CarrierError> {
        body["ClientInfo"] = self.client_info();
        let url = format!("{}/{path}", self.config.base_url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = match self
                .http
                .post(&url)
                .header("Accept", "application/json")
                .json(&body)
                .send()
                .await
            {
                Err(e) => Err(CarrierError::Temporary(format!(
                    "Aramex unreachable: {}",
                    e.without_url()
                ))),
                Ok(r) if r.status().is_server_error() || r.status().as_u16() == 429 => Err(
                    CarrierError::Temporary(format!("Aramex answered {}", r.status())),
                ),
                Ok(r) => {
                    let v: Value = r.json().await.map_err(|e| {
                        CarrierError::Temporary(format!(
                            "Aramex answer unreadable: {}",
                            e.without_url()
                        ))
                    })?;
                    if v["HasErrors"].as_bool().unwrap_or(false) {
                        Err(CarrierError::Permanent(format!(
                            "Aramex refused: {}",
                            notifications(&v)
                        )))
                    } else {
                        Ok(v)
                    }
                }
            };
            match outcome {
                Err(CarrierError::Temporary(_)) if attempt < 3 => {
                    tokio::time::sleep(Duration::from_millis(100 * attempt)).await
                }
                other => return other,
            }
        }
    }

    fn address(a: &tijara_core::order::Address) -> Value {
        json!({
            "Line1": a.line1,
            "Line2": a.line2.clone().unwrap_or_default(),
            "City": a.city,
            "PostCode": a.postal_code.clone().unwrap_or_default(),
            "CountryCode": a.country.to_ascii_uppercase(),
        })
    }

    fn details(request_weight: u32, international: bool, cod: Option<Money>) -> Value {
        let mut d = json!({
            "ActualWeight": {"Value": Decimal::from(request_weight.max(1)) / Decimal::ONE_THOUSAND, "Unit": "KG"},
            "NumberOfPieces": 1,
            "ProductGroup": if international { "EXP" } else { "DOM" },
            "ProductType": if international { "PPX" } else { "OND" },
            "PaymentType": "P",
            "Services": "",
        });
        if let Some(c) = cod {
            d["Services"] = json!("CODS");
            d["CashOnDeliveryAmount"] =
                json!({"Value": c.amount(), "CurrencyCode": c.currency().code()});
        }
        d
    }

    /// The customs part of a shipment abroad: what the goods are, their origin, their value
    /// for customs (`CustomsValueAmount`) and one item per line.
    fn add_customs(details: &mut Value, d: &tijara_core::customs::Declaration) {
        let description: Vec<&str> = d.items.iter().map(|i| i.description_en.as_str()).collect();
        let origin = d.items.first().map_or("MA", |i| i.origin_country.as_str());
        details["DescriptionOfGoods"] = json!(description.join(", "));
        details["GoodsOriginCountry"] = json!(origin);
        details["CustomsValueAmount"] = json!({
            "Value": d.total_value.amount(),
            "CurrencyCode": d.total_value.currency().code(),
        });
        details["Items"] = json!(d
            .items
            .iter()
            .map(|i| json!({
                "PackageType": "Box",
                "Quantity": i.quantity,
                "Weight": {"Value": Decimal::from(i.net_weight_grams) / Decimal::ONE_THOUSAND, "Unit": "KG"},
                "Comments": format!("{} (HS {}, origin {})", i.description_en, i.hs_code, i.origin_country),
                "Reference": i.sku.as_str(),
            }))
            .collect::<Vec<_>>());
    }

    async fn rate(
        &self,
        request: &QuoteRequest,
        cod: Option<Money>,
    ) -> Result<Money, CarrierError> {
        let international = !request.destination.country.eq_ignore_ascii_case("MA");
        let grams: u32 = request.parcels.iter().map(|p| p.weight_grams).sum();
        let v = self
            .post(
                "RateCalculator/Service_1_0.svc/json/CalculateRate",
                json!({
                    "Transaction": {"Reference1": ""},
                    "OriginAddress": {"City": request.origin_city, "CountryCode": "MA"},
                    "DestinationAddress": Self::address(&request.destination),
                    "ShipmentDetails": Self::details(grams, international, cod),
                    "PreferredCurrencyCode": "MAD",
                }),
            )
            .await?;
        let total = &v["TotalAmount"];
        if total["CurrencyCode"].as_str() != Some("MAD") {
            return Err(CarrierError::Permanent(
                "Aramex did not price in MAD".into(),
            ));
        }
        let value = match &total["Value"] {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => return Err(CarrierError::Permanent("Aramex sent no amount".into())),
        };
        let d: Decimal = value
            .parse()
            .map_err(|_| CarrierError::Permanent(format!("Aramex amount {value:?}")))?;
        Money::rounded(d, tijara_core::Currency::MAD)
            .map_err(|e| CarrierError::Permanent(e.to_string()))
    }
}

#[async_trait]
impl Carrier for Aramex {
    fn code(&self) -> &str {
        "aramex"
    }
    fn capabilities(&self) -> CarrierCapabilities {
        CarrierCapabilities::default()
            .with_tracking(true)
            .with_label(true)
            .with_cod(true)
            .with_international(true)
            .with_pickup(true)
    }
    async fn quote(&self, request: &QuoteRequest) -> Result<Vec<Quote>, CarrierError> {
        let international = !request.destination.country.eq_ignore_ascii_case("MA");
        if international && request.cod_amount.is_some() {
            // Cash is collected at home only: no service abroad for it.
            return Ok(Vec::new());
        }
        let price = self.rate(request, None).await?;
        let (price, cod_fee) = match request.cod_amount {
            Some(c) => {
                let with = self.rate(request, Some(c)).await?;
                let fee = with
                    .checked_sub(price)
                    .map_err(|e| CarrierError::Permanent(e.to_string()))?;
                // The price with COD is the plain price plus the fee, exactly: a rate with COD
                // below the plain one is read as no fee (never a price below the fee's sum).
                if fee.is_negative() {
                    (price, Some(Money::zero(price.currency())))
                } else {
                    (with, Some(fee))
                }
            }
            None => (price, None),
        };
        Ok(vec![
            Quote::new(
                "aramex",
                if international {
                    "express-international"
                } else {
                    "express"
                },
                price,
                transit_days(&request.destination.country),
            )
            .with_cod_fee(cod_fee),
        ])
    }
    async fn create_shipment(
        &self,
        request: &ShipmentRequest,
    ) -> Result<CreatedShipment, CarrierError> {
        if let Some(c) = self.created.lock().await.get(&request.reference) {
            return Ok(c.clone());
        }
        let international = !request.destination.country.eq_ignore_ascii_case("MA");
        if international && request.cod_amount.is_some() {
            return Err(CarrierError::Permanent(
                "Aramex collects no cash on delivery abroad".into(),
            ));
        }
        if international && request.customs.is_none() {
            return Err(CarrierError::Permanent(
                "a shipment abroad needs its customs declaration (contents, values, HS codes)"
                    .into(),
            ));
        }
        let grams: u32 = request.parcels.iter().map(|p| p.weight_grams).sum();
        let mut details = Self::details(grams, international, request.cod_amount);
        if let Some(d) = &request.customs {
            Self::add_customs(&mut details, d);
        }
        let c = &self.config;
        let a = &request.destination;
        let v = self
            .post(
                "Shipping/Service_1_0.svc/json/CreateShipments",
                json!({
                    "Transaction": {"Reference1": request.reference},
                    "LabelInfo": {"ReportID": if request.cod_amount.is_some() { 9729 } else { 9201 }, "ReportType": "URL"},
                    "Shipments": [{
                        "Reference1": request.reference,
                        "Shipper": {
                            "AccountNumber": c.account_number,
                            "PartyAddress": {"Line1": c.shipper_name, "City": request.origin_city, "CountryCode": "MA"},
                            "Contact": {"CompanyName": c.shipper_name, "PersonName": c.shipper_name, "PhoneNumber1": c.shipper_phone, "CellPhone": c.shipper_phone, "EmailAddress": c.shipper_email},
                        },
                        "Consignee": {
                            "PartyAddress": Self::address(a),
                            "Contact": {"PersonName": a.name, "CompanyName": a.name, "PhoneNumber1": a.phone, "CellPhone": a.phone, "EmailAddress": ""},
                        },
                        "ShippingDateTime": format!("/Date({})/", Utc::now().timestamp_millis()),
                        "Details": details,
                    }],
                }),
            )
            .await?;
        let s = &v["Shipments"][0];
        if s["HasErrors"].as_bool().unwrap_or(false) {
            return Err(CarrierError::Permanent(format!(
                "Aramex refused the shipment: {}",
                notifications(s)
            )));
        }
        let id = s["ID"]
            .as_str()
            .filter(|x| !x.is_empty())
            .ok_or_else(|| CarrierError::Permanent("Aramex sent no AWB".into()))?;
        let created = CreatedShipment::new(id.to_owned())
            .with_label_url(s["ShipmentLabel"]["LabelURL"].as_str().map(str::to_owned));
        self.created
            .lock()
            .await
            .insert(request.reference.clone(), created.clone());
        Ok(created)
    }
    async fn cancel(&self, _: &str) -> Result<(), CarrierError> {
        Err(CarrierError::Unsupported("cancel"))
    }
    async fn track(&self, tracking_number: &str) -> Result<Vec<TrackingEvent>, CarrierError> {
        let v = self
            .post(
                "Tracking/Service_1_0.svc/json/TrackShipments",
                json!({"Transaction": {"Reference1": ""}, "Shipments": [tracking_number], "GetLastTrackingUpdateOnly": false}),
            )
            .await?;
        let mut out = Vec::new();
        for r in v["TrackingResults"].as_array().into_iter().flatten() {
            if r["Key"].as_str() != Some(tracking_number) {
                continue;
            }
            for u in r["Value"].as_array().into_iter().flatten() {
                let code = u["UpdateCode"].as_str().unwrap_or("").to_owned();
                out.push(TrackingEvent {
                    at: u["UpdateDateTime"]
                        .as_str()
                        .and_then(parse_date)
                        .unwrap_or_default(),
                    status: normalize(&code),
                    carrier_text: u["UpdateDescription"].as_str().unwrap_or("").to_owned(),
                    carrier_code: code,
                    location: u["UpdateLocation"].as_str().map(str::to_owned),
                    cod_collected: None,
                });
            }
        }
        Ok(out)
    }
    async fn parse_webhook(&self, _: &WebhookRequest) -> Result<WebhookUpdate, CarrierError> {
        Err(CarrierError::Unsupported("webhooks"))
    }
}

impl Aramex {
    /// The label of a shipment (`PrintLabel`).
    pub async fn label_url(&self, tracking_number: &str) -> Result<String, CarrierError> {
        let v = self
            .post(
                "Shipping/Service_1_0.svc/json/PrintLabel",
                json!({"ShipmentNumber": tracking_number, "LabelInfo": {"ReportID": 9201, "ReportType": "URL"}}),
            )
            .await?;
        v["ShipmentLabel"]["LabelURL"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| CarrierError::Permanent("Aramex sent no label".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_codes() {
        assert_eq!(
            parse_date("/Date(1764320400000+0100)/").map(|d| d.timestamp()),
            Some(1_764_320_400)
        );
        assert_eq!(
            parse_date("2026-11-28T10:00:00Z").map(|d| d.timestamp()),
            Some(1_795_860_000)
        );
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(normalize("SH005"), TrackingStatus::Delivered);
        assert_eq!(normalize("SH999"), TrackingStatus::Unknown);
    }
}
