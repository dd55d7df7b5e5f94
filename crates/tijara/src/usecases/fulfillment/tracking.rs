//! Tracking parcels: steps typed by hand, carrier events polled or pushed, numbers set by the
//! marketplace.

use super::Fulfillment;
use super::{
    HandTracking, Operator, SELLER_STEPS, number_taken, refuse, seller_order_of, valid_number,
};
use crate::docs::OrderDoc;
use crate::engine::{IdempotencyKey, Loaded};
use crate::error::{Part, TijaraError};
use crate::ports::storage::{DocKind, StorageError};
use crate::usecases::order_update::Applied;
use tijara_core::fulfillment::{Shipment, TrackingEvent};
use tijara_core::order_record::{ShipmentMove, ShippingError};
use tijara_core::{OrderId, SellerOrderId, ShipmentId};

/// What a shipment move commits: nothing when it changed nothing.
fn moved(m: ShipmentMove) -> Applied<Shipment> {
    if m.changed {
        Applied::new(m.shipment, m.events).stock(m.stock)
    } else {
        Applied::unchanged(m.shipment)
    }
}

impl Fulfillment<'_> {
    /// Records by hand what `by` knows of the parcel of `seller_order` (carriers without an
    /// API): its carrier's tracking number and/or a step reached now. The change applies to
    /// that part's shipment only. A seller acts on its own part only, records only the
    /// [`SELLER_STEPS`], and only on a carrier without tracking of its own (capability
    /// `tracking` off: its number and steps come from the carrier, [`TijaraError::NotAllowed`]);
    /// a number a seller types never blocks a real carrier's label (see [`Fulfillment::ship`](crate::Fulfillment::ship)); a
    /// tracking number already used by another shipment, in this order or
    /// another, is refused ([`TijaraError::TrackingNumberTaken`]).
    pub async fn track_by_hand(
        self,
        by: &Operator,
        order: &OrderId,
        seller_order: &SellerOrderId,
        update: HandTracking,
        key: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        let e = self.engine;
        let number = match update.tracking_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => Some(valid_number(n)?),
        };
        let status = update.status;
        if let (Operator::Seller(_), Some(st)) = (by, status)
            && !SELLER_STEPS.contains(&st)
        {
            return Err(refuse(
                by,
                order,
                seller_order,
                "a seller may not record this step",
            ));
        }
        let input = (by, order, seller_order, number, status);
        e.update_order("track_by_hand", key, &input, order, |doc| {
            let so = seller_order_of(doc, seller_order)?;
            if let Operator::Seller(seller) = by
                && &so.seller_id != seller
            {
                return Err(refuse(by, order, seller_order, "not this seller's part"));
            }
            let i = doc.shipment_of_part(seller_order)?;
            if matches!(by, Operator::Seller(_))
                && (number.is_some() || status.is_some())
                && e.tracks_itself(&doc.shipments[i].carrier)
            {
                return Err(refuse(
                    by,
                    order,
                    seller_order,
                    "this carrier reports the parcel's number and steps itself",
                ));
            }
            Ok(moved(doc.track_by_hand(i, number, status, e.now())?))
        })
        .await
        .map_err(|e| number_taken(e, number))
    }

    /// Applies tracking events reported for a parcel (polled or pushed by webhook; any order,
    /// repeats allowed). Delivery and return move the seller order; for cash on delivery, a
    /// delivery collects the cash and a return cancels the collection and puts the stock back.
    /// An order that cannot be saved because another order holds one of its tracking numbers
    /// (stored before numbers were unique; see [`Operations::reindex_orders`](crate::Operations::reindex_orders)) is refused with
    /// [`TijaraError::TrackingNumberTaken`] and logged. When the carrier maps codes itself
    /// ([`Carrier::status_of`](crate::ports::carrier::Carrier::status_of), rate cards), each
    /// event's status is its mapping of the event's code: another carrier's code is kept as
    /// `Unknown`.
    pub async fn record_tracking(
        self,
        carrier: &str,
        tracking_number: &str,
        events: Vec<TrackingEvent>,
        idem: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        let e = self.engine;
        // A carrier with a code table (a rate card) decides its own codes' statuses: an event
        // made elsewhere (another card's `event`) is not taken at the status it came with.
        let mut events = events;
        if let Ok(c) = e.carrier(carrier) {
            for e in &mut events {
                if let Some(status) = c.status_of(&e.carrier_code) {
                    e.status = status;
                }
            }
        }
        let key = format!("tracking:{carrier}:{tracking_number}");
        let (key, events) = (&key, &events);
        let input = (carrier, tracking_number, events);
        e.mutate("record_tracking", idem, &input, || async move {
            let (
                id,
                Loaded {
                    value: mut doc,
                    version,
                },
            ) = e
                .load_by_key::<OrderDoc>(DocKind::Order, key)
                .await?
                .ok_or_else(|| TijaraError::PartNotFound {
                    part: Part::TrackingNumber,
                    id: tracking_number.to_owned(),
                })?;
            let m = match doc.apply_tracking(carrier, tracking_number, events.clone(), e.now()) {
                Ok(m) => m,
                // Two parcels with one number (stored before numbers were unique): which one
                // the carrier means is unknown, so neither moves.
                Err(e @ ShippingError::NumberShared { .. }) => {
                    tracing::warn!(
                        target: "security",
                        order = %id,
                        carrier,
                        "tracking events for a number two shipments share were refused"
                    );
                    return Err(e.into());
                }
                Err(e) => return Err(e.into()),
            };
            e.order_applied(&doc, version, moved(m))
        })
        .await
        .map_err(|e| match e {
            // The order holds a number another order holds too (both saved before numbers were
            // unique store-wide): it cannot be saved until an admin fixes one of them.
            TijaraError::Storage(StorageError::KeyTaken { key, .. }) => {
                tracing::warn!(
                    target: "security",
                    carrier,
                    key = %key,
                    "tracking events refused: the order shares a tracking number with another"
                );
                TijaraError::TrackingNumberTaken {
                    number: tracking_number.to_owned(),
                }
            }
            e => e,
        })
    }

    /// Asks the carrier for a shipment's events and applies them.
    pub async fn poll_tracking(
        self,
        order: &OrderId,
        shipment: &ShipmentId,
    ) -> Result<Shipment, TijaraError> {
        let e = self.engine;
        let doc = e.orders().order(order).await?;
        let s = doc
            .shipments
            .iter()
            .find(|s| &s.id == shipment)
            .ok_or_else(|| TijaraError::PartNotFound {
                part: Part::Shipment,
                id: shipment.to_string(),
            })?;
        let number = s
            .tracking_number
            .clone()
            .ok_or_else(|| TijaraError::NoTrackingNumber {
                shipment: shipment.clone(),
            })?;
        let events = e.carrier(&s.carrier)?.track(&number).await?;
        self.record_tracking(&s.carrier, &number, events, None)
            .await
    }

    /// Applies a carrier's webhook call (authenticated and read by the carrier adapter): each
    /// shipment's events go through [`Fulfillment::record_tracking`](crate::Fulfillment::record_tracking). Unknown tracking numbers (and
    /// numbers two shipments share) are skipped. Returns the shipments updated.
    pub async fn handle_carrier_webhook(
        self,
        carrier: &str,
        request: &crate::ports::carrier::WebhookRequest,
    ) -> Result<Vec<Shipment>, TijaraError> {
        let e = self.engine;
        let update = e.carrier(carrier)?.parse_webhook(request).await?;
        let mut out = Vec::new();
        for (number, events) in update.shipments {
            match self.record_tracking(carrier, &number, events, None).await {
                Ok(s) => out.push(s),
                // Unknown numbers, and numbers two stored shipments share (refused and logged by
                // record_tracking), do not hold back the other parcels of the call.
                Err(
                    TijaraError::NotFound { .. }
                    | TijaraError::PartNotFound { .. }
                    | TijaraError::TrackingNumberTaken { .. },
                ) => {
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Sets the carrier's tracking number of a shipment by hand, as the marketplace (carriers
    /// without an API: an admin types the number printed by Amana or CTM; a seller goes
    /// through [`Fulfillment::track_by_hand`](crate::Fulfillment::track_by_hand)). A number another shipment uses is refused.
    pub async fn set_tracking_number(
        self,
        order: &OrderId,
        shipment: &ShipmentId,
        tracking_number: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        let e = self.engine;
        let number = valid_number(tracking_number)?;
        e.update_order(
            "set_tracking_number",
            key,
            &(order, shipment, number),
            order,
            |doc| {
                let (s, e) = doc.set_tracking_number(shipment, number)?;
                Ok(Applied::new(s, vec![e]))
            },
        )
        .await
        .map_err(|e| number_taken(e, Some(number)))
    }
}
