//! Rate-card carriers for the Tijara engine: carriers without a public API (Amana, CTM
//! Messagerie) priced from a TOML rate card — zones of cities, weight brackets with a price per
//! zone, a price per extra kilo, size surcharges, a remote-area surcharge, a COD fee (percentage
//! with a minimum), estimated days per zone, extra days from remote origins (Dakhla).
//!
//! Such carriers have no API: the marketplace prints the label, and the seller or an admin
//! types the carrier's tracking number (`Fulfillment::set_tracking_number`) and its events
//! (`Fulfillment::record_tracking`, with the carrier's codes mapped by the card's `status_codes`,
//! see [`TableCarrier::event`]).
//!
//! Sample cards for Amana and CTM ship in `ratecards/` — samples, not official tariffs.
//!
//! ```
//! let card = tijara_carrier_table::RateCard::from_toml(tijara_carrier_table::AMANA_SAMPLE).unwrap();
//! assert!(card.sample);
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use tijara::ports::carrier::*;
use tijara_core::Money;
use tijara_core::catalog::search_key;
use tijara_core::fulfillment::TrackingStatus;

/// The sample Amana rate card (not an official tariff).
pub const AMANA_SAMPLE: &str = include_str!("../ratecards/amana.sample.toml");
/// The sample CTM Messagerie rate card (not an official tariff).
pub const CTM_SAMPLE: &str = include_str!("../ratecards/ctm.sample.toml");
/// The sample rate card of Amana's international parcel service (not an official tariff):
/// zones of destination countries (Europe, Africa, the Gulf, North America), no cash on
/// delivery.
pub const AMANA_INTERNATIONAL_SAMPLE: &str =
    include_str!("../ratecards/amana-international.sample.toml");

mod carrier;
pub use carrier::{REMEMBERED_NUMBERS, TableCarrier};

/// Why a rate card was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateCardError {
    /// The TOML does not parse or does not have the expected fields (the message names the
    /// line, column and field).
    #[error("rate card: {0}")]
    Syntax(String),
    /// A rule of the rate card is broken (the message names the field).
    #[error("rate card: {field}: {problem}")]
    Invalid {
        /// The field, e.g. `brackets[2].up_to_grams`.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// `other_cities` names a zone the card does not have.
    #[error("rate card: other_cities: no zone named {zone:?}")]
    OtherCitiesZone {
        /// The zone named.
        zone: String,
    },
    /// `tracking_url` is not an `https://` address with one `{number}` where the tracking
    /// number goes.
    #[error(
        "rate card: tracking_url {url:?} must be an https:// address with {{number}} where the tracking number goes, e.g. \"https://track.example.ma/?n={{number}}\""
    )]
    TrackingUrl {
        /// The address given.
        url: String,
    },
}

fn invalid(field: impl Into<String>, problem: impl Into<String>) -> RateCardError {
    RateCardError::Invalid {
        field: field.into(),
        problem: problem.into(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodRaw {
    percent: String,
    minimum: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneRaw {
    name: String,
    #[serde(default)]
    cities: Vec<String>,
    #[serde(default)]
    countries: Vec<String>,
    days: [u16; 2],
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BracketRaw {
    up_to_grams: u32,
    prices: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SizeRaw {
    longest_side_over_mm: u32,
    amount: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoteRaw {
    cities: Vec<String>,
    surcharge: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OriginRaw {
    city: String,
    extra_days: u16,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CardRaw {
    carrier: String,
    name: String,
    #[serde(default)]
    sample: bool,
    service: String,
    #[serde(default)]
    international: bool,
    cod: Option<CodRaw>,
    #[serde(default)]
    other_cities: Option<String>,
    zones: Vec<ZoneRaw>,
    brackets: Vec<BracketRaw>,
    #[serde(default)]
    extra_kilo: BTreeMap<String, String>,
    #[serde(default)]
    size_surcharges: Vec<SizeRaw>,
    remote: Option<RemoteRaw>,
    #[serde(default)]
    origins: Vec<OriginRaw>,
    #[serde(default)]
    status_codes: BTreeMap<String, String>,
    #[serde(default)]
    tracking_url: Option<String>,
}

/// A validated zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// Name.
    pub name: String,
    /// Cities (as written in the card).
    pub cities: Vec<String>,
    /// Destination countries (ISO codes) of an international card.
    pub countries: Vec<String>,
    /// Estimated days (min, max).
    pub days: (u16, u16),
}

/// A validated rate card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateCard {
    /// Carrier code.
    pub carrier: String,
    /// Display name.
    pub name: String,
    /// True for sample cards (not official tariffs).
    pub sample: bool,
    /// Service code.
    pub service: String,
    /// Ships abroad.
    pub international: bool,
    /// COD fee: percentage of the amount collected, and minimum.
    pub cod: Option<(Decimal, Money)>,
    /// Zones.
    pub zones: Vec<Zone>,
    /// The zone of the Moroccan cities no zone lists ("other cities"), if the carrier serves
    /// them: its index in [`RateCard::zones`].
    pub other_cities: Option<usize>,
    /// (up to grams, price per zone name).
    pub brackets: Vec<(u32, BTreeMap<String, Money>)>,
    /// Price per started kilo beyond the last bracket, per zone.
    pub extra_kilo: BTreeMap<String, Money>,
    /// (longest side over, surcharge), by increasing size.
    pub size_surcharges: Vec<(u32, Money)>,
    /// Remote cities (normalized) and their surcharge.
    pub remote: Option<(Vec<String>, Money)>,
    /// Extra days from an origin city (normalized).
    pub origins: BTreeMap<String, u16>,
    /// The carrier's page that follows a parcel, with `{number}` where its tracking number
    /// goes (`tracking_url = "https://…/{number}"` in the card), if it has one.
    pub tracking_url: Option<String>,
    /// The carrier's status codes.
    pub status_codes: BTreeMap<String, TrackingStatus>,
    city_zone: BTreeMap<String, usize>,
    country_zone: BTreeMap<String, usize>,
}

impl RateCard {
    /// The carrier's page for the parcel `number` ([`RateCard::tracking_url`] with the number
    /// in it), or `None` without a page or for a number that is not plain letters, digits,
    /// `-`, `_` and `.` (nothing else is put in an address).
    pub fn tracking_link(&self, number: &str) -> Option<String> {
        let template = self.tracking_url.as_deref()?;
        let plain = !number.is_empty()
            && number.len() <= 64
            && number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        plain.then(|| template.replace("{number}", number))
    }
}

fn money(field: &str, text: &str) -> Result<Money, RateCardError> {
    let m = Money::mad(text).map_err(|e| invalid(field, e.to_string()))?;
    if m.is_negative() {
        return Err(invalid(field, "must not be negative"));
    }
    Ok(m)
}

fn status(field: &str, s: &str) -> Result<TrackingStatus, RateCardError> {
    Ok(match s {
        "label_created" => TrackingStatus::LabelCreated,
        "picked_up" => TrackingStatus::PickedUp,
        "in_transit" => TrackingStatus::InTransit,
        "out_for_delivery" => TrackingStatus::OutForDelivery,
        "delivered" => TrackingStatus::Delivered,
        "delivery_failed" => TrackingStatus::DeliveryFailed,
        "returned_to_sender" => TrackingStatus::ReturnedToSender,
        other => return Err(invalid(field, format!("unknown status {other:?}"))),
    })
}

impl RateCard {
    /// Parses and validates a rate card.
    pub fn from_toml(text: &str) -> Result<RateCard, RateCardError> {
        let raw: CardRaw =
            toml::from_str(text).map_err(|e| RateCardError::Syntax(e.to_string()))?;
        if raw.carrier.trim().is_empty()
            || !raw
                .carrier
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(invalid(
                "carrier",
                "a code of lower-case letters, digits and '-'",
            ));
        }
        if raw.zones.is_empty() {
            return Err(invalid("zones", "at least one zone"));
        }
        let mut city_zone = BTreeMap::new();
        let mut country_zone = BTreeMap::new();
        let mut zones = Vec::new();
        for (i, z) in raw.zones.iter().enumerate() {
            if z.days[0] > z.days[1] {
                return Err(invalid(format!("zones[{i}].days"), "min is after max"));
            }
            if zones.iter().any(|x: &Zone| x.name == z.name) {
                return Err(invalid(
                    format!("zones[{i}].name"),
                    format!("zone {:?} appears twice", z.name),
                ));
            }
            for c in &z.cities {
                if city_zone.insert(search_key(c), i).is_some() {
                    return Err(invalid(
                        format!("zones[{i}].cities"),
                        format!("city {c:?} is in two zones"),
                    ));
                }
            }
            for c in &z.countries {
                if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(invalid(
                        format!("zones[{i}].countries"),
                        format!("{c:?} is not a two-letter country code in capitals (FR)"),
                    ));
                }
                if !raw.international {
                    return Err(invalid(
                        format!("zones[{i}].countries"),
                        "a card that lists countries must say international = true",
                    ));
                }
                if country_zone.insert(c.clone(), i).is_some() {
                    return Err(invalid(
                        format!("zones[{i}].countries"),
                        format!("country {c:?} is in two zones"),
                    ));
                }
            }
            zones.push(Zone {
                name: z.name.clone(),
                cities: z.cities.clone(),
                countries: z.countries.clone(),
                days: (z.days[0], z.days[1]),
            });
        }
        if raw.brackets.is_empty() {
            return Err(invalid("brackets", "at least one weight bracket"));
        }
        let mut brackets = Vec::new();
        let mut previous = 0u32;
        for (i, b) in raw.brackets.iter().enumerate() {
            if b.up_to_grams <= previous {
                return Err(invalid(
                    format!("brackets[{i}].up_to_grams"),
                    format!(
                        "{} g overlaps or precedes the previous bracket (up to {previous} g): brackets must increase",
                        b.up_to_grams
                    ),
                ));
            }
            previous = b.up_to_grams;
            let mut prices = BTreeMap::new();
            for z in &zones {
                let p = b.prices.get(&z.name).ok_or_else(|| {
                    invalid(
                        format!("brackets[{i}].prices"),
                        format!("no price for zone {:?}", z.name),
                    )
                })?;
                prices.insert(
                    z.name.clone(),
                    money(&format!("brackets[{i}].prices.{}", z.name), p)?,
                );
            }
            if let Some(extra) = b
                .prices
                .keys()
                .find(|k| !zones.iter().any(|z| &z.name == *k))
            {
                return Err(invalid(
                    format!("brackets[{i}].prices.{extra}"),
                    "no such zone",
                ));
            }
            brackets.push((b.up_to_grams, prices));
        }
        let mut extra_kilo = BTreeMap::new();
        for z in &zones {
            let p = raw.extra_kilo.get(&z.name).ok_or_else(|| {
                invalid(
                    "extra_kilo",
                    format!("no price per extra kilo for zone {:?}", z.name),
                )
            })?;
            extra_kilo.insert(z.name.clone(), money(&format!("extra_kilo.{}", z.name), p)?);
        }
        let mut size_surcharges = Vec::new();
        for (i, s) in raw.size_surcharges.iter().enumerate() {
            size_surcharges.push((
                s.longest_side_over_mm,
                money(&format!("size_surcharges[{i}].amount"), &s.amount)?,
            ));
        }
        size_surcharges.sort_by_key(|(mm, _)| *mm);
        let remote = match &raw.remote {
            None => None,
            Some(r) => {
                let mut cities = Vec::new();
                for c in &r.cities {
                    let k = search_key(c);
                    if !city_zone.contains_key(&k) {
                        return Err(invalid(
                            "remote.cities",
                            format!("unknown city {c:?}: add it to a zone"),
                        ));
                    }
                    cities.push(k);
                }
                Some((cities, money("remote.surcharge", &r.surcharge)?))
            }
        };
        let mut origins = BTreeMap::new();
        for (i, o) in raw.origins.iter().enumerate() {
            let k = search_key(&o.city);
            // A card of countries only (international) names origins it does not deliver to.
            if !city_zone.is_empty() && !city_zone.contains_key(&k) {
                return Err(invalid(
                    format!("origins[{i}].city"),
                    format!("unknown city {:?}: add it to a zone", o.city),
                ));
            }
            origins.insert(k, o.extra_days);
        }
        let cod = match &raw.cod {
            None => None,
            Some(c) => {
                let pct: Decimal = c
                    .percent
                    .parse()
                    .map_err(|_| invalid("cod.percent", "a decimal number"))?;
                if pct < Decimal::ZERO || pct > Decimal::ONE_HUNDRED {
                    return Err(invalid("cod.percent", "between 0 and 100"));
                }
                Some((pct, money("cod.minimum", &c.minimum)?))
            }
        };
        let mut status_codes = BTreeMap::new();
        for (code, s) in &raw.status_codes {
            status_codes.insert(code.clone(), status(&format!("status_codes.{code}"), s)?);
        }
        let other_cities = match &raw.other_cities {
            None => None,
            Some(zone) => Some(
                zones
                    .iter()
                    .position(|z| &z.name == zone)
                    .ok_or_else(|| RateCardError::OtherCitiesZone { zone: zone.clone() })?,
            ),
        };
        let tracking_url = match raw.tracking_url {
            None => None,
            Some(url) => {
                let url = url.trim().to_owned();
                let ok = url.starts_with("https://")
                    && url.len() > "https://".len() + "{number}".len()
                    && url.matches("{number}").count() == 1
                    && !url.chars().any(|c| c.is_whitespace() || c.is_control())
                    && !url.contains(['<', '>', '"', '\\']);
                if !ok {
                    return Err(RateCardError::TrackingUrl { url });
                }
                Some(url)
            }
        };
        Ok(RateCard {
            tracking_url,
            other_cities,
            carrier: raw.carrier,
            name: raw.name,
            sample: raw.sample,
            service: raw.service,
            international: raw.international,
            cod,
            zones,
            brackets,
            extra_kilo,
            size_surcharges,
            remote,
            origins,
            status_codes,
            city_zone,
            country_zone,
        })
    }

    /// The zone that lists a city (accents, case and Arabic vowels ignored).
    pub fn zone_of(&self, city: &str) -> Option<&Zone> {
        self.city_zone
            .get(&search_key(city))
            .map(|i| &self.zones[*i])
    }

    /// The zone serving an address: abroad, the zone listing its country; at home, the zone
    /// listing its city, else the card's `other_cities` zone if it has one; `None` when the
    /// carrier does not serve it.
    pub fn zone_for(&self, destination: &tijara_core::order::Address) -> Option<&Zone> {
        let country = destination.country.trim().to_ascii_uppercase();
        if country != "MA" {
            return self
                .country_zone
                .get(&country)
                .and_then(|i| self.zones.get(*i));
        }
        self.zone_of(&destination.city).or_else(|| {
            let home = destination.country.trim().eq_ignore_ascii_case("MA");
            self.other_cities
                .filter(|_| home)
                .and_then(|i| self.zones.get(i))
        })
    }

    /// The price and estimate for parcels to `city`, or `None` when not served.
    pub fn price(&self, request: &QuoteRequest) -> Result<Option<Quote>, CarrierError> {
        let abroad = !request.destination.country.eq_ignore_ascii_case("MA");
        if abroad && !self.international {
            return Ok(None);
        }
        let Some(zone) = self.zone_for(&request.destination) else {
            return Ok(None);
        };
        let grams: u32 = request
            .parcels
            .iter()
            .map(|p| p.weight_grams)
            .sum::<u32>()
            .max(1);
        let err = |e: tijara_core::MoneyError| CarrierError::Permanent(e.to_string());
        let (last_up_to, last_prices) = self
            .brackets
            .last()
            .ok_or_else(|| CarrierError::Permanent("empty rate card".into()))?;
        let base = match self.brackets.iter().find(|(up_to, _)| grams <= *up_to) {
            Some((_, prices)) => prices[&zone.name],
            None => {
                let kilos = (grams - last_up_to).div_ceil(1000);
                let extra = self.extra_kilo[&zone.name].times(kilos).map_err(err)?;
                last_prices[&zone.name].checked_add(extra).map_err(err)?
            }
        };
        let mut price = base;
        for p in &request.parcels {
            if let Some(d) = p.dimensions {
                let longest = d.length_mm.max(d.width_mm).max(d.height_mm);
                if let Some((_, s)) = self
                    .size_surcharges
                    .iter()
                    .rev()
                    .find(|(mm, _)| longest > *mm)
                {
                    price = price.checked_add(*s).map_err(err)?;
                }
            }
        }
        if let Some((cities, s)) = &self.remote
            && cities.contains(&search_key(&request.destination.city))
        {
            price = price.checked_add(*s).map_err(err)?;
        }
        let cod_fee = match (request.cod_amount, &self.cod) {
            (Some(amount), Some((pct, minimum))) => {
                let fee = amount
                    .mul_rounded(*pct / Decimal::ONE_HUNDRED)
                    .map_err(err)?;
                let fee = if fee.amount() < minimum.amount() {
                    *minimum
                } else {
                    fee
                };
                price = price.checked_add(fee).map_err(err)?;
                Some(fee)
            }
            (Some(_), None) => return Ok(None),
            (None, _) => None,
        };
        let extra_days = self
            .origins
            .get(&search_key(&request.origin_city))
            .copied()
            .unwrap_or(0);
        Ok(Some(
            Quote::new(
                self.carrier.clone(),
                self.service.clone(),
                price,
                (zone.days.0 + extra_days, zone.days.1 + extra_days),
            )
            .with_cod_fee(cod_fee)
            .with_carrier_name(self.name.clone()),
        ))
    }
}

#[cfg(test)]
mod tests;
