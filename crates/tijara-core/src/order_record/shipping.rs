//! Shipment and tracking rules of the order aggregate: a parcel packed, handed to its carrier,
//! tracked (by the carrier or by hand), delivered (collecting the cash on delivery) or
//! returned (putting the stock back).

use super::{OrderDoc, PaymentLogEntry, PaymentSource, StockMove};
use crate::fulfillment::{Parcel, Shipment, TrackingEvent, TrackingStatus};
use crate::order::{FulfillmentStatus, OrderError, OrderStatus};
use crate::payment::{PaymentError, PaymentLogEvent, PaymentMethod, PaymentOutcome};
use crate::payout::PayoutError;
use crate::{DomainEvent, Money, SellerOrderId, ShipmentId};
use chrono::{DateTime, Utc};

/// Why a shipment or tracking rule refused (the document is left as it was).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShippingError {
    /// An order rule refused (a part in the wrong state, an unknown part).
    #[error(transparent)]
    Order(#[from] OrderError),
    /// The payment refused the collection.
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// The settlement refused the collection.
    #[error(transparent)]
    Settlement(#[from] PayoutError),
    /// Another shipment of the order already has this tracking number (letter case aside).
    #[error("tracking number {number} is already used by another shipment")]
    TrackingNumberTaken {
        /// The number.
        number: String,
    },
    /// Two shipments of the order share this number (stored before numbers were unique):
    /// which one the carrier means is unknown, so neither moves.
    #[error("tracking number {number} is shared by two shipments")]
    NumberShared {
        /// The number.
        number: String,
    },
    /// No shipment of the order has this id.
    #[error("no shipment {0}")]
    NoShipment(ShipmentId),
    /// No shipment of the order has this carrier and tracking number.
    #[error("no shipment with tracking number {0}")]
    UnknownTrackingNumber(String),
    /// The seller's part has no shipment yet.
    #[error("seller order {0} is not shipped")]
    NotShipped(SellerOrderId),
    /// The refund owed for a paid parcel that came back could not be opened.
    #[error(transparent)]
    Return(#[from] crate::returns::ReturnError),
    /// An identifier derived for it was refused (cannot happen with a valid shipment id).
    #[error(transparent)]
    Id(#[from] crate::ids::IdError),
}

/// A shipment the carrier created, to record on the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShipment {
    /// Its id.
    pub id: ShipmentId,
    /// The seller's part it carries.
    pub seller_order: SellerOrderId,
    /// Carrier code.
    pub carrier: String,
    /// Service code.
    pub service: String,
    /// Its parcels.
    pub parcels: Vec<Parcel>,
    /// The number the carrier gave.
    pub tracking_number: String,
    /// True when `tracking_number` is the marketplace's provisional reference (a carrier
    /// without an API): see [`Shipment::provisional_number`].
    pub provisional_number: bool,
    /// The customs declaration given to the carrier, for a parcel sent abroad.
    pub customs: Option<crate::customs::Declaration>,
}

/// What a shipment rule did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShipmentMove {
    /// The shipment as it is now.
    pub shipment: Shipment,
    /// False when nothing changed (no event, no write needed).
    pub changed: bool,
    /// Events to emit, in order.
    pub events: Vec<DomainEvent>,
    /// Stock moves to make (a parcel returned to its seller).
    pub stock: Vec<StockMove>,
    /// Shipments whose hand-typed number was cleared because a carrier's label now uses it
    /// (for the caller's log).
    pub cleared: Vec<ShipmentId>,
}

impl ShipmentMove {
    fn unchanged(shipment: Shipment) -> Self {
        ShipmentMove {
            shipment,
            changed: false,
            events: Vec::new(),
            stock: Vec::new(),
            cleared: Vec::new(),
        }
    }
}

impl OrderDoc {
    /// Runs `rule`, putting the document back as it was when it fails.
    pub(super) fn atomically<T, E>(
        &mut self,
        rule: impl FnOnce(&mut Self) -> Result<T, E>,
    ) -> Result<T, E> {
        let before = self.clone();
        let r = rule(self);
        if r.is_err() {
            *self = before;
        }
        r
    }

    /// The index of the shipment with this id.
    pub fn shipment_index(&self, id: &ShipmentId) -> Result<usize, ShippingError> {
        self.shipments
            .iter()
            .position(|s| &s.id == id)
            .ok_or_else(|| ShippingError::NoShipment(id.clone()))
    }

    /// The seller has packed the parcel: `seller_order.ready`, or `None` when it was ready
    /// already (nothing changes).
    pub fn mark_ready(&mut self, so: &SellerOrderId) -> Result<Option<DomainEvent>, OrderError> {
        if self.order.seller_order(so)?.status() == FulfillmentStatus::Ready {
            return Ok(None);
        }
        self.order.mark_ready(so)?;
        Ok(Some(self.order_event(DomainEvent::SellerOrderReady)))
    }

    /// Refuses a number another shipment of the order (other than `except`) already has,
    /// letter case aside.
    pub fn ensure_number_free(
        &self,
        except: Option<usize>,
        number: &str,
    ) -> Result<(), ShippingError> {
        let taken = self.shipments.iter().enumerate().any(|(j, s)| {
            Some(j) != except
                && s.tracking_number
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(number))
        });
        if taken {
            return Err(ShippingError::TrackingNumberTaken {
                number: number.to_owned(),
            });
        }
        Ok(())
    }

    /// The shipment (other than `except`) holding `number` (letter case aside) when its carrier
    /// has no tracking of its own (`tracks_itself` answers for a carrier code): a number typed
    /// by hand, which a carrier's label may take over.
    pub fn hand_typed_holder(
        &self,
        except: Option<usize>,
        number: &str,
        tracks_itself: impl Fn(&str) -> bool,
    ) -> Option<usize> {
        self.shipments.iter().enumerate().position(|(j, s)| {
            Some(j) != except
                && s.tracking_number
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(number))
                && !tracks_itself(&s.carrier)
        })
    }

    /// Clears the hand-typed number of shipment `i` (a carrier's label now uses it): returns
    /// the `shipment.updated` event.
    pub fn clear_hand_typed(&mut self, i: usize) -> DomainEvent {
        self.shipments[i].tracking_number = None;
        self.shipments[i].provisional_number = false;
        self.shipment_event(&self.shipments[i], DomainEvent::ShipmentUpdated)
    }

    /// Records the shipment a carrier created for a ready part (`shipment.created`). A part
    /// shipped already answers its shipment unchanged (a retry). When the carrier tracks its
    /// parcels itself, its number wins over one typed by hand on another shipment of the order
    /// (cleared, listed in [`ShipmentMove::cleared`]).
    pub fn record_shipment(
        &mut self,
        new: NewShipment,
        tracks_itself: impl Fn(&str) -> bool,
    ) -> Result<ShipmentMove, ShippingError> {
        if let Some(existing) = self
            .shipments
            .iter()
            .find(|s| s.seller_order_id == new.seller_order)
        {
            return Ok(ShipmentMove::unchanged(existing.clone()));
        }
        self.atomically(|doc| {
            let cod = doc.order.seller_order(&new.seller_order)?.cod_amount;
            doc.order.mark_shipped(&new.seller_order, new.id.clone())?;
            let mut shipment = Shipment::new(
                new.id,
                new.seller_order,
                new.carrier.clone(),
                new.service,
                new.parcels,
                cod,
            );
            shipment.customs = new.customs;
            let mut cleared = Vec::new();
            if tracks_itself(&new.carrier)
                && let Some(j) = doc.hand_typed_holder(None, &new.tracking_number, &tracks_itself)
            {
                doc.shipments[j].tracking_number = None;
                cleared.push(doc.shipments[j].id.clone());
            }
            doc.ensure_number_free(None, &new.tracking_number)?;
            shipment.tracking_number = Some(new.tracking_number);
            shipment.provisional_number = new.provisional_number;
            doc.shipments.push(shipment.clone());
            let event = doc.shipment_event(&shipment, DomainEvent::ShipmentCreated);
            Ok(ShipmentMove {
                shipment,
                changed: true,
                events: vec![event],
                stock: Vec::new(),
                cleared,
            })
        })
    }

    /// Removes a shipment (cancelled before pickup): its part is ready to ship again. `None`
    /// when the order has no such shipment (cancelled already).
    pub fn cancel_shipment(&mut self, id: &ShipmentId) -> Result<Option<DomainEvent>, OrderError> {
        let Some(i) = self.shipments.iter().position(|x| &x.id == id) else {
            return Ok(None);
        };
        self.atomically(|doc| {
            let removed = doc.shipments.remove(i);
            doc.order.unship(&removed.seller_order_id)?;
            Ok(Some(
                doc.shipment_event(&removed, DomainEvent::ShipmentCancelled),
            ))
        })
    }

    /// Sets the carrier's number of a shipment (typed by the marketplace); a number another
    /// shipment of the order has is refused. Returns the shipment and its `shipment.updated`.
    pub fn set_tracking_number(
        &mut self,
        id: &ShipmentId,
        number: &str,
    ) -> Result<(Shipment, DomainEvent), ShippingError> {
        let i = self.shipment_index(id)?;
        self.ensure_number_free(Some(i), number)?;
        self.shipments[i].tracking_number = Some(number.to_owned());
        self.shipments[i].provisional_number = false;
        let s = self.shipments[i].clone();
        let e = self.shipment_event(&s, DomainEvent::ShipmentUpdated);
        Ok((s, e))
    }

    /// The index of the shipment of a seller's part.
    pub fn shipment_of_part(&self, so: &SellerOrderId) -> Result<usize, ShippingError> {
        self.shipments
            .iter()
            .position(|s| &s.seller_order_id == so)
            .ok_or_else(|| ShippingError::NotShipped(so.clone()))
    }

    /// Records by hand what is known of shipment `i`: its number (refused when another
    /// shipment has it) and/or a step reached `now` (a `manual` event). Who may do it is the
    /// caller's rule.
    pub fn track_by_hand(
        &mut self,
        i: usize,
        number: Option<&str>,
        status: Option<TrackingStatus>,
        now: DateTime<Utc>,
    ) -> Result<ShipmentMove, ShippingError> {
        self.atomically(|doc| {
            let mut changed = false;
            // The same number again (letter case aside: numbers are unique ignoring it) changes
            // nothing, and keeps a provisional reference provisional.
            if let Some(n) = number
                && !doc.shipments[i]
                    .tracking_number
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case(n))
            {
                doc.ensure_number_free(Some(i), n)?;
                doc.shipments[i].tracking_number = Some(n.to_owned());
                doc.shipments[i].provisional_number = false;
                changed = true;
            }
            if let Some(status) = status {
                let event = TrackingEvent {
                    at: now,
                    status,
                    carrier_code: "manual".into(),
                    carrier_text: String::new(),
                    location: None,
                    cod_collected: None,
                };
                changed |= doc.shipments[i].apply_events(vec![event]) > 0;
            }
            if !changed {
                return Ok(ShipmentMove::unchanged(doc.shipments[i].clone()));
            }
            doc.shipment_updated(i, now)
        })
    }

    /// Applies tracking events a carrier reported for its parcel numbered `number` (any
    /// order, repeats allowed): see [`OrderDoc::follow_shipment`] for what a move does.
    pub fn apply_tracking(
        &mut self,
        carrier: &str,
        number: &str,
        events: Vec<TrackingEvent>,
        now: DateTime<Utc>,
    ) -> Result<ShipmentMove, ShippingError> {
        let matching: Vec<usize> = self
            .shipments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.carrier == carrier && s.tracking_number.as_deref() == Some(number))
            .map(|(i, _)| i)
            .collect();
        let i = match matching[..] {
            [] => return Err(ShippingError::UnknownTrackingNumber(number.to_owned())),
            [i] => i,
            _ => {
                return Err(ShippingError::NumberShared {
                    number: number.to_owned(),
                });
            }
        };
        self.atomically(|doc| {
            if doc.shipments[i].apply_events(events) == 0 {
                return Ok(ShipmentMove::unchanged(doc.shipments[i].clone()));
            }
            doc.shipment_updated(i, now)
        })
    }

    /// Shipment `i` moved: `shipment.updated` first, then what the move does to its part.
    fn shipment_updated(
        &mut self,
        i: usize,
        now: DateTime<Utc>,
    ) -> Result<ShipmentMove, ShippingError> {
        let shipment = self.shipments[i].clone();
        let mut events = vec![self.shipment_event(&shipment, DomainEvent::ShipmentUpdated)];
        let (more, stock) = self.follow_shipment(&shipment, now)?;
        events.extend(more);
        Ok(ShipmentMove {
            shipment,
            changed: true,
            events,
            stock,
            cleared: Vec::new(),
        })
    }

    /// What a shipment's status does to its seller's part: delivered, the part is delivered
    /// and, for cash on delivery, the cash is collected (settlement, ledger, audit trail);
    /// returned to sender, the part is returned, a collection is cancelled and the units go
    /// back to the shelf; a part the shopper had paid (card or transfer) gets its refund owed
    /// opened as a received return ([`crate::returns::ReturnRequest::came_back`], id the
    /// shipment's, `return.requested`), refunded by the seller's refund step as any other. An
    /// order now completed emits `order.completed`.
    pub fn follow_shipment(
        &mut self,
        shipment: &Shipment,
        now: DateTime<Utc>,
    ) -> Result<(Vec<DomainEvent>, Vec<StockMove>), ShippingError> {
        let so_id = shipment.seller_order_id.clone();
        let so = self.order.seller_order(&so_id)?.clone();
        let mut stock = Vec::new();
        let mut opened = None;
        match shipment.status() {
            TrackingStatus::Delivered if so.status() == FulfillmentStatus::Shipped => {
                let at = shipment
                    .events()
                    .iter()
                    .rev()
                    .find(|e| e.status == TrackingStatus::Delivered)
                    .map_or(now, |e| e.at);
                self.order.mark_delivered(&so_id, at)?;
                if self.order.payment.method() == PaymentMethod::CashOnDelivery
                    && let Some(cod) = so.cod_amount
                {
                    let amount = shipment.cod_collected().unwrap_or(cod);
                    self.collect(shipment, &so.seller_id, amount, now)?;
                }
            }
            TrackingStatus::ReturnedToSender if so.status() == FulfillmentStatus::Shipped => {
                self.order.mark_returned(&so_id)?;
                if self.order.payment.method() == PaymentMethod::CashOnDelivery
                    && let Some(cod) = so.cod_amount
                {
                    self.order.payment.cancel_collection(cod)?;
                }
                // The parcel is back on the seller's shelf.
                stock.extend(so.lines.iter().map(|l| StockMove::Restock {
                    variant: l.variant_id.clone(),
                    quantity: l.quantity,
                }));
                // Paid before it left: the shopper's money is owed back.
                if self.order.payment.method() != PaymentMethod::CashOnDelivery
                    && let Some(left) = self.paid_for(&so.seller_id)?
                {
                    let id = crate::ReturnId::new(shipment.id.as_str())?;
                    if !self.returns.iter().any(|r| r.id == id) {
                        let back = crate::returns::ReturnRequest::came_back(id, &so, left, now)?;
                        self.returns.push(back);
                        opened = Some(self.returns.len() - 1);
                    }
                }
            }
            _ => {}
        }
        let mut events = Vec::new();
        if let Some(i) = opened {
            events.push(self.return_event(i, DomainEvent::ReturnRequested));
        }
        if self.order.status() == OrderStatus::Completed {
            events.push(self.order_event(DomainEvent::OrderCompleted));
        }
        Ok((events, stock))
    }

    /// What `seller`'s part still holds of the shopper's money (received, less refunded), when
    /// more than nothing.
    fn paid_for(&self, seller: &crate::SellerId) -> Result<Option<Money>, ShippingError> {
        let Some(part) = self
            .settlement
            .parts()
            .iter()
            .find(|p| &p.seller_id == seller)
        else {
            return Ok(None);
        };
        let left = part.net_gross().map_err(PayoutError::from)?;
        Ok(left.is_positive().then_some(left))
    }

    /// The carrier collected `amount` for the part of `seller` it delivered.
    fn collect(
        &mut self,
        shipment: &Shipment,
        seller: &crate::SellerId,
        amount: Money,
        now: DateTime<Utc>,
    ) -> Result<(), ShippingError> {
        self.order.payment.collect(amount)?;
        let m = self.settlement.receive_for_seller(seller, amount)?;
        self.ledger(now, [m]);
        self.payment_log.push(PaymentLogEntry {
            at: now,
            source: PaymentSource::Carrier {
                code: shipment.carrier.clone(),
            },
            reference: format!("{}:collected", shipment.id),
            event: PaymentLogEvent::Collected,
            amount: Some(amount),
            outcome: PaymentOutcome::Applied,
            raw: serde_json::Value::Null,
            attempt: None,
        });
        Ok(())
    }
}
