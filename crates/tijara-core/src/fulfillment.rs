//! Shipments and their tracking.
//!
//! Carriers report events in any order, and often more than once. A [`Shipment`] keeps the set
//! of distinct events it was told about and derives its status from that set alone, so applying
//! the same history in any order, with any repeats, yields the same status:
//! - identical events are kept once, and events are kept sorted by time;
//! - if the history holds a terminal event (delivered, returned to sender), the latest terminal
//!   event decides — a stray "in transit" scanned after delivery does not reopen the parcel;
//! - otherwise the latest event decides, ties broken by the progression order of the statuses;
//! - events the adapter could not map ([`TrackingStatus::Unknown`]) are kept, with the carrier's
//!   code and text, but never change the status.

use crate::ids::{SellerOrderId, ShipmentId};
use crate::money::Money;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A normalized tracking status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TrackingStatus {
    /// A carrier code Tijara could not map (kept, ignored for the status).
    Unknown,
    /// The label exists; the carrier does not have the parcel yet.
    LabelCreated,
    /// The carrier picked the parcel up.
    PickedUp,
    /// Moving through the network.
    InTransit,
    /// With the courier for delivery today.
    OutForDelivery,
    /// A delivery attempt failed (absent, refused, bad address).
    DeliveryFailed,
    /// Delivered.
    Delivered,
    /// Returned to the sender.
    ReturnedToSender,
}

impl TrackingStatus {
    /// True for statuses after which the parcel does not move again.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TrackingStatus::Delivered | TrackingStatus::ReturnedToSender
        )
    }

    /// The status's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            TrackingStatus::Unknown => "unknown",
            TrackingStatus::LabelCreated => "label_created",
            TrackingStatus::PickedUp => "picked_up",
            TrackingStatus::InTransit => "in_transit",
            TrackingStatus::OutForDelivery => "out_for_delivery",
            TrackingStatus::DeliveryFailed => "delivery_failed",
            TrackingStatus::Delivered => "delivered",
            TrackingStatus::ReturnedToSender => "returned_to_sender",
        }
    }
}

/// One event reported by a carrier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TrackingEvent {
    /// When it happened (carrier's time).
    pub at: DateTime<Utc>,
    /// Normalized status.
    pub status: TrackingStatus,
    /// The carrier's own code.
    pub carrier_code: String,
    /// The carrier's own text.
    pub carrier_text: String,
    /// Where, if said.
    pub location: Option<String>,
    /// Cash collected with this event (COD deliveries).
    pub cod_collected: Option<Money>,
}

impl TrackingEvent {
    /// A total order over events (time first), so that a set of events has one sorted form.
    fn sort_key(
        &self,
    ) -> (
        DateTime<Utc>,
        TrackingStatus,
        &str,
        &str,
        Option<&str>,
        Option<rust_decimal::Decimal>,
    ) {
        (
            self.at,
            self.status,
            &self.carrier_code,
            &self.carrier_text,
            self.location.as_deref(),
            self.cod_collected.map(|m| m.amount()),
        )
    }
}

/// A parcel of a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parcel {
    /// Weight, grams.
    pub weight_grams: u32,
    /// Dimensions, if measured.
    pub dimensions: Option<crate::catalog::Dimensions>,
}

/// A shipment of one seller order with a carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// Identifier.
    pub id: ShipmentId,
    /// The seller order shipped.
    pub seller_order_id: SellerOrderId,
    /// Carrier code.
    pub carrier: String,
    /// Service code.
    pub service: String,
    /// The carrier's tracking number; while [`Shipment::provisional_number`] holds, the
    /// marketplace's own reference instead (see [`Shipment::carrier_number`]).
    pub tracking_number: Option<String>,
    /// True while `tracking_number` is the marketplace's own reference, made for a carrier
    /// without an API (a rate card) when the label was printed, and not yet the number the
    /// carrier gives at its counter: no carrier page knows it, so it must not be shown to the
    /// shopper as something to follow. Typing the carrier's number clears it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub provisional_number: bool,
    /// Parcels.
    pub parcels: Vec<Parcel>,
    /// Cash to collect on delivery.
    pub cod_amount: Option<Money>,
    events: Vec<TrackingEvent>,
    status: TrackingStatus,
    /// The customs declaration of a parcel sent abroad, as given to the carrier and printed
    /// (CN23): with the carrier's shipment, the export proof the order keeps (CGI art.
    /// 92-I-1°).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs: Option<crate::customs::Declaration>,
}

impl Shipment {
    /// A shipment whose label was just created.
    pub fn new(
        id: ShipmentId,
        seller_order_id: SellerOrderId,
        carrier: impl Into<String>,
        service: impl Into<String>,
        parcels: Vec<Parcel>,
        cod_amount: Option<Money>,
    ) -> Shipment {
        Shipment {
            id,
            seller_order_id,
            carrier: carrier.into(),
            service: service.into(),
            tracking_number: None,
            provisional_number: false,
            parcels,
            cod_amount,
            events: Vec::new(),
            status: TrackingStatus::LabelCreated,
            customs: None,
        }
    }

    /// The number the carrier knows the parcel by: [`Shipment::tracking_number`] unless it is
    /// still the marketplace's provisional reference ([`Shipment::provisional_number`]).
    ///
    /// ```
    /// use tijara_core::fulfillment::Shipment;
    /// use tijara_core::{SellerOrderId, ShipmentId};
    ///
    /// let mut s = Shipment::new(
    ///     ShipmentId::new("sh-1").unwrap(),
    ///     SellerOrderId::new("so-1").unwrap(),
    ///     "amana",
    ///     "standard",
    ///     Vec::new(),
    ///     None,
    /// );
    /// s.tracking_number = Some("AMANA-7KQ2".into());
    /// s.provisional_number = true;
    /// assert_eq!(s.carrier_number(), None);
    /// s.provisional_number = false;
    /// assert_eq!(s.carrier_number(), Some("AMANA-7KQ2"));
    /// ```
    pub fn carrier_number(&self) -> Option<&str> {
        self.tracking_number
            .as_deref()
            .filter(|_| !self.provisional_number)
    }

    /// The current status, derived from the events (see the module docs).
    pub fn status(&self) -> TrackingStatus {
        self.status
    }

    /// The distinct events, by time.
    pub fn events(&self) -> &[TrackingEvent] {
        &self.events
    }

    /// Adds events (any order, repeats allowed). Returns how many were new.
    pub fn apply_events<I: IntoIterator<Item = TrackingEvent>>(&mut self, events: I) -> usize {
        let mut added = 0;
        for e in events {
            if !self.events.contains(&e) {
                self.events.push(e);
                added += 1;
            }
        }
        if added > 0 {
            self.events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            self.status = derive_status(&self.events);
        }
        added
    }

    /// Total cash reported collected by delivery events.
    pub fn cod_collected(&self) -> Option<Money> {
        let mut it = self.events.iter().filter_map(|e| e.cod_collected);
        let first = it.next()?;
        it.try_fold(first, |acc, m| acc.checked_add(m).ok())
    }
}

/// The status a set of events yields (see the module docs).
pub fn derive_status(events: &[TrackingEvent]) -> TrackingStatus {
    let known = events
        .iter()
        .filter(|e| e.status != TrackingStatus::Unknown);
    let rank = |e: &&TrackingEvent| (e.at, e.status);
    if let Some(t) = known
        .clone()
        .filter(|e| e.status.is_terminal())
        .max_by_key(rank)
    {
        return t.status;
    }
    known
        .max_by_key(rank)
        .map_or(TrackingStatus::LabelCreated, |e| e.status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0)
            .single()
            .expect("t")
            + Duration::hours(h)
    }
    fn ev(h: i64, status: TrackingStatus, code: &str) -> TrackingEvent {
        TrackingEvent {
            at: t(h),
            status,
            carrier_code: code.into(),
            carrier_text: format!("text {code}"),
            location: None,
            cod_collected: None,
        }
    }
    fn shipment() -> Shipment {
        Shipment::new(
            ShipmentId::new("sh1").expect("id"),
            SellerOrderId::new("so1").expect("id"),
            "amana",
            "standard",
            vec![Parcel {
                weight_grams: 800,
                dimensions: None,
            }],
            None,
        )
    }

    #[test]
    fn follows_the_latest_event() {
        let mut s = shipment();
        assert_eq!(s.status(), TrackingStatus::LabelCreated);
        assert_eq!(
            s.apply_events([
                ev(1, TrackingStatus::PickedUp, "PU"),
                ev(5, TrackingStatus::InTransit, "IT")
            ]),
            2
        );
        assert_eq!(s.status(), TrackingStatus::InTransit);
        assert_eq!(
            s.apply_events([ev(5, TrackingStatus::InTransit, "IT")]),
            0,
            "repeat ignored"
        );
        s.apply_events([ev(9, TrackingStatus::Unknown, "XX")]);
        assert_eq!(
            s.status(),
            TrackingStatus::InTransit,
            "unknown codes kept but ignored"
        );
        assert_eq!(s.events().len(), 3);
        s.apply_events([
            ev(10, TrackingStatus::DeliveryFailed, "DF"),
            ev(30, TrackingStatus::OutForDelivery, "OD"),
        ]);
        assert_eq!(s.status(), TrackingStatus::OutForDelivery);
        let mut d = ev(31, TrackingStatus::Delivered, "DL");
        d.cod_collected = Some(Money::mad("250").expect("m"));
        s.apply_events([d, ev(40, TrackingStatus::InTransit, "IT")]);
        assert_eq!(
            s.status(),
            TrackingStatus::Delivered,
            "a stray scan after delivery"
        );
        assert_eq!(s.cod_collected(), Some(Money::mad("250").expect("m")));
    }

    fn status() -> impl Strategy<Value = TrackingStatus> {
        prop::sample::select(vec![
            TrackingStatus::Unknown,
            TrackingStatus::LabelCreated,
            TrackingStatus::PickedUp,
            TrackingStatus::InTransit,
            TrackingStatus::OutForDelivery,
            TrackingStatus::DeliveryFailed,
            TrackingStatus::Delivered,
            TrackingStatus::ReturnedToSender,
        ])
    }

    proptest! {
        #[test]
        fn any_order_and_repeats_give_the_same_status(
            events in prop::collection::vec((0i64..48, status(), 0u8..4), 0..25),
            seed in any::<u64>(),
        ) {
            let evs: Vec<TrackingEvent> = events.iter().map(|(h, s, c)| ev(*h, *s, &format!("C{c}"))).collect();
            let mut a = shipment();
            a.apply_events(evs.clone());
            // Shuffle deterministically from the seed, and repeat some events.
            let mut shuffled = evs.clone();
            let mut x = seed | 1;
            for i in (1..shuffled.len()).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                shuffled.swap(i, (x % (i as u64 + 1)) as usize);
            }
            let mut b = shipment();
            for chunk in shuffled.chunks(3) {
                b.apply_events(chunk.to_vec());
                b.apply_events(chunk.iter().take(1).cloned());
            }
            prop_assert_eq!(a.status(), b.status());
            prop_assert_eq!(a.events(), b.events());
        }
    }
}
