//! Fulfillment: preparing, shipping and tracking each seller's parcel; cash on delivery.

use crate::docs::{OrderDoc, PaymentLogEntry, PaymentOutcome, PaymentSource};
use crate::engine::{IdempotencyKey, Loaded, Tijara};
use crate::error::{Part, TijaraError};
use crate::ports::carrier::{Carrier, ShipmentRequest};
use crate::ports::storage::{Changeset, DocKind, ListQuery, NewEvent, StockOp, StorageError};
use crate::usecases::catalog::{MAX_PAGE, Page};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tijara_core::DomainEvent;
use tijara_core::events::ShipmentSnapshot;
use tijara_core::fulfillment::{Parcel, Shipment, TrackingEvent, TrackingStatus};
use tijara_core::order::FulfillmentStatus;
use tijara_core::payment::PaymentLogEvent;
use tijara_core::payment::PaymentMethod;
use tijara_core::payout::LedgerEntry;
use tijara_core::{CustomerId, Money, OrderId, SellerId, SellerOrderId, ShipmentId};

/// What a seller asks to ship.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShipRequest {
    /// Carrier code (default: the one the shopper chose).
    pub carrier: Option<String>,
    /// Service code (default: the one the shopper chose).
    pub service: Option<String>,
    /// Parcels (default: one parcel of the lines' weight).
    #[serde(default)]
    pub parcels: Vec<Parcel>,
}

impl ShipRequest {
    /// The shopper's carrier and service, one parcel (the same as [`ShipRequest::default`]);
    /// change them with the `with_` methods.
    ///
    /// ```
    /// use tijara::usecases::fulfillment::ShipRequest;
    ///
    /// let as_chosen = ShipRequest::new();
    /// let by_ctm = ShipRequest::new().with_carrier("ctm").with_service("standard");
    /// assert_eq!(as_chosen.carrier, None);
    /// assert_eq!(by_ctm.carrier.as_deref(), Some("ctm"));
    /// ```
    pub fn new() -> Self {
        ShipRequest::default()
    }

    /// Ships with this carrier.
    pub fn with_carrier(mut self, carrier: impl Into<String>) -> Self {
        self.carrier = Some(carrier.into());
        self
    }

    /// Ships with this service.
    pub fn with_service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Ships these parcels.
    pub fn with_parcels(mut self, parcels: Vec<Parcel>) -> Self {
        self.parcels = parcels;
        self
    }
}

/// Who makes a change to a parcel by hand; the engine's rules depend on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// A seller: only its own parts, only with the carrier and service the shopper chose, and
    /// only the steps of [`SELLER_STEPS`].
    Seller(SellerId),
    /// The marketplace (an admin, a back-office job): any part, carrier and step.
    Marketplace,
}

/// The steps a seller may record by hand on its own parcel. A return to sender is recorded by
/// the carrier's feed or by the marketplace: it puts stock back and cancels a collection.
pub const SELLER_STEPS: [TrackingStatus; 5] = [
    TrackingStatus::PickedUp,
    TrackingStatus::InTransit,
    TrackingStatus::OutForDelivery,
    TrackingStatus::Delivered,
    TrackingStatus::DeliveryFailed,
];

/// A change of a parcel typed by hand (carriers without an API): the carrier's tracking number,
/// a step, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HandTracking {
    /// The number printed by the carrier (unchanged when `None` or blank).
    pub tracking_number: Option<String>,
    /// A step reached now (none when `None`).
    pub status: Option<TrackingStatus>,
}

impl HandTracking {
    /// No change (the same as [`HandTracking::default`]); say what changes with the `with_`
    /// methods.
    ///
    /// ```
    /// use tijara::usecases::fulfillment::HandTracking;
    /// use tijara_core::fulfillment::TrackingStatus;
    ///
    /// let change = HandTracking::new()
    ///     .with_tracking_number("CTM-123456")
    ///     .with_status(TrackingStatus::PickedUp);
    /// assert_eq!(change.status, Some(TrackingStatus::PickedUp));
    /// ```
    pub fn new() -> Self {
        HandTracking::default()
    }

    /// Sets the carrier's tracking number.
    pub fn with_tracking_number(mut self, number: impl Into<String>) -> Self {
        self.tracking_number = Some(number.into());
        self
    }

    /// Records a step reached now.
    pub fn with_status(mut self, status: TrackingStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// A tracking number typed by hand: 1 to 64 letters, digits or '-'.
fn valid_number(number: &str) -> Result<&str, TijaraError> {
    let number = number.trim();
    if number.is_empty()
        || number.len() > 64
        || !number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(TijaraError::InvalidField {
            field: "tracking_number",
            rule: "must be 1 to 64 letters, digits or '-'".into(),
        });
    }
    Ok(number)
}

/// Refuses a number another shipment of the order already has (whatever its carrier, letter
/// case aside); across orders the storage's unique key refuses it (see [`number_taken`]).
fn ensure_number_free(
    doc: &OrderDoc,
    except: Option<usize>,
    number: &str,
) -> Result<(), TijaraError> {
    let taken = doc.shipments.iter().enumerate().any(|(j, s)| {
        Some(j) != except
            && s.tracking_number
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(number))
    });
    if taken {
        return Err(TijaraError::TrackingNumberTaken {
            number: number.to_owned(),
        });
    }
    Ok(())
}

/// Turns the storage's refusal of a tracking-number key held by another order into
/// [`TijaraError::TrackingNumberTaken`].
fn number_taken(e: TijaraError, number: Option<&str>) -> TijaraError {
    match (e, number) {
        (TijaraError::Storage(StorageError::KeyTaken { key, .. }), Some(n))
            if key.starts_with("tracking") =>
        {
            TijaraError::TrackingNumberTaken {
                number: n.to_owned(),
            }
        }
        (e, _) => e,
    }
}

/// Logs and builds the refusal of a change the operator may not make.
fn refuse(by: &Operator, order: &OrderId, part: &SellerOrderId, reason: &str) -> TijaraError {
    let seller = match by {
        Operator::Seller(s) => s.as_str(),
        Operator::Marketplace => "",
    };
    tracing::warn!(
        target: "security",
        seller,
        order = %order,
        part = %part,
        reason,
        "fulfillment change refused"
    );
    TijaraError::NotAllowed {
        reason: reason.to_owned(),
    }
}

fn seller_order_of<'a>(
    doc: &'a OrderDoc,
    so: &SellerOrderId,
) -> Result<&'a tijara_core::order::SellerOrder, TijaraError> {
    Ok(doc.order.seller_order(so)?)
}

impl Tijara {
    pub(crate) fn carrier(&self, code: &str) -> Result<&Arc<dyn Carrier>, TijaraError> {
        self.inner
            .carriers
            .get(code)
            .ok_or_else(|| TijaraError::NotConfigured {
                what: "carrier",
                code: code.to_owned(),
            })
    }

    /// Whether the carrier `code` reports its parcels' steps and chooses their numbers itself
    /// (capability `tracking`). A carrier no longer configured reports nothing: false.
    fn tracks_itself(&self, code: &str) -> bool {
        self.carrier(code).is_ok_and(|c| c.capabilities().tracking)
    }

    /// The carrier's number wins over a hand-typed one: when another order's shipment holds
    /// `number` and its carrier has no tracking of its own (the number was typed by hand, on a
    /// rate card), that number is cleared there (logged, with a `shipment.updated` event) so
    /// the label `carrier` just made can be recorded. A number held by a carrier with tracking
    /// is left alone (and the ship is refused with [`TijaraError::TrackingNumberTaken`]).
    async fn release_hand_typed(
        &self,
        order: &OrderId,
        carrier: &str,
        number: &str,
    ) -> Result<(), TijaraError> {
        if !self.tracks_itself(carrier) {
            return Ok(());
        }
        let key = format!("tracking-number:{}", number.to_ascii_uppercase());
        let Some((holder, _)) = self.load_by_key::<OrderDoc>(DocKind::Order, &key).await? else {
            return Ok(());
        };
        if holder == order.as_str() {
            return Ok(());
        }
        let holder = OrderId::new(holder)?;
        let holder = &holder;
        self.mutate(
            "release_hand_typed",
            None,
            &(holder, carrier, number),
            || async move {
                let Loaded {
                    value: mut doc,
                    version,
                } = self
                    .load::<OrderDoc>(DocKind::Order, holder.as_str())
                    .await?;
                let Some(i) = self.hand_typed_holder(&doc, None, number) else {
                    return Ok(((), Changeset::default()));
                };
                self.clear_hand_typed(&mut doc, i, carrier);
                let e =
                    Self::shipment_event(&doc, &doc.shipments[i], DomainEvent::ShipmentUpdated)?;
                Ok(((), self.order_change(&doc, version, vec![e])?))
            },
        )
        .await
    }

    /// The shipment of `doc` (other than `except`) holding `number` (letter case aside) when its
    /// carrier has no tracking of its own.
    fn hand_typed_holder(
        &self,
        doc: &OrderDoc,
        except: Option<usize>,
        number: &str,
    ) -> Option<usize> {
        doc.shipments.iter().enumerate().position(|(j, s)| {
            Some(j) != except
                && s.tracking_number
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(number))
                && !self.tracks_itself(&s.carrier)
        })
    }

    /// Clears a hand-typed number that a carrier's label now uses, with a log line.
    fn clear_hand_typed(&self, doc: &mut OrderDoc, i: usize, carrier: &str) {
        let s = &mut doc.shipments[i];
        tracing::warn!(
            target: "security",
            order = %doc.order.id,
            shipment = %s.id,
            carrier,
            "a hand-typed tracking number was cleared: the carrier gave it to another parcel"
        );
        s.tracking_number = None;
    }

    /// The carriers configured.
    pub fn carriers(&self) -> impl Iterator<Item = &Arc<dyn Carrier>> {
        self.inner.carriers.values()
    }

    /// The outbox row of an event that describes `shipment` of `doc`'s order as it is now.
    fn shipment_event(
        doc: &OrderDoc,
        shipment: &Shipment,
        event: fn(ShipmentSnapshot) -> DomainEvent,
    ) -> Result<NewEvent, TijaraError> {
        crate::engine::outbox(&event(ShipmentSnapshot::of(
            &doc.order.id,
            shipment,
            doc.lang,
        )))
    }

    /// The seller has packed the parcel. Refused for a card or transfer order not yet paid.
    /// A part already ready is answered as it is (nothing changes, no event), so duplicates of
    /// "ready and ship" that all saw the part awaiting do not fail on each other.
    pub async fn mark_ready(
        &self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        key: Option<&IdempotencyKey>,
    ) -> Result<OrderDoc, TijaraError> {
        self.mutate("mark_ready", key, &(order, seller_order), || async move {
            let Loaded {
                value: mut doc,
                version,
            } = self
                .load::<OrderDoc>(DocKind::Order, order.as_str())
                .await?;
            if doc.order.seller_order(seller_order)?.status() == FulfillmentStatus::Ready {
                return Ok((doc, Changeset::default()));
            }
            doc.order.mark_ready(seller_order)?;
            let event = self.order_event(&doc.order, DomainEvent::SellerOrderReady)?;
            let changes = self.order_change(&doc, version, vec![event])?;
            Ok((doc, changes))
        })
        .await
    }

    /// Hands a ready parcel to its carrier: creates the shipment with the carrier (idempotent
    /// by seller order id, so a retry after a timeout never makes a second parcel) and records
    /// it with its tracking number. When a carrier with tracking of its own gives a number that
    /// a shipment of a carrier without it holds (typed by hand), the carrier's number wins: the
    /// hand-typed one is cleared (logged on the `security` target).
    pub async fn ship(
        &self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        request: ShipRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        let input = (order, seller_order, &request);
        self.once("ship", key, &input, || {
            self.ship_once(order, seller_order, &request, key)
        })
        .await
    }

    /// [`Tijara::ship`] inside [`Tijara::once`]: the carrier call and its record.
    async fn ship_once(
        &self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        request: &ShipRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        let input = (order, seller_order, request);
        let doc = self.order(order).await?;
        let so = seller_order_of(&doc, seller_order)?;
        if so.status() != FulfillmentStatus::Ready {
            return Err(TijaraError::NotReadyToShip {
                order: order.clone(),
                part: seller_order.clone(),
            });
        }
        let chosen = so.shipping.as_ref().map(|s| s.choice.clone());
        let carrier_code = request
            .carrier
            .clone()
            .or_else(|| chosen.as_ref().map(|c| c.carrier.clone()))
            .ok_or_else(|| TijaraError::NoCarrierChosen {
                part: seller_order.clone(),
            })?;
        let service = request
            .service
            .clone()
            .or_else(|| chosen.as_ref().map(|c| c.service.clone()))
            .unwrap_or_else(|| "standard".into());
        let parcels = if request.parcels.is_empty() {
            let grams: u32 = so
                .lines
                .iter()
                .filter(|l| l.shippable)
                .map(|l| l.unit_weight_grams.saturating_mul(l.quantity))
                .sum();
            vec![Parcel {
                weight_grams: grams.max(1),
                dimensions: None,
            }]
        } else {
            request.parcels.clone()
        };
        let seller = self.seller(&so.seller_id).await?;
        let carrier = self.carrier(&carrier_code)?.clone();
        let created = carrier
            .create_shipment(&ShipmentRequest {
                reference: seller_order.to_string(),
                service: service.clone(),
                origin_city: seller.home_city.clone(),
                destination: doc.order.shipping_address.clone(),
                parcels: parcels.clone(),
                cod_amount: so.cod_amount,
            })
            .await?;
        self.release_hand_typed(order, &carrier_code, &created.tracking_number)
            .await?;
        let shipment_id = ShipmentId::new(format!("{seller_order}-sh"))?;
        let (shipment_id, carrier_code, service, parcels, created) =
            (&shipment_id, &carrier_code, &service, &parcels, &created);
        self.mutate("ship", key, &input, || async move {
            let Loaded {
                value: mut doc,
                version,
            } = self
                .load::<OrderDoc>(DocKind::Order, order.as_str())
                .await?;
            if let Some(existing) = doc
                .shipments
                .iter()
                .find(|s| &s.seller_order_id == seller_order)
            {
                return Ok((existing.clone(), Changeset::default()));
            }
            let cod = doc.order.seller_order(seller_order)?.cod_amount;
            doc.order.mark_shipped(seller_order, shipment_id.clone())?;
            let mut shipment = Shipment::new(
                shipment_id.clone(),
                seller_order.clone(),
                carrier_code.clone(),
                service.clone(),
                parcels.clone(),
                cod,
            );
            if self.tracks_itself(carrier_code)
                && let Some(j) = self.hand_typed_holder(&doc, None, &created.tracking_number)
            {
                self.clear_hand_typed(&mut doc, j, carrier_code);
            }
            ensure_number_free(&doc, None, &created.tracking_number)?;
            shipment.tracking_number = Some(created.tracking_number.clone());
            doc.shipments.push(shipment.clone());
            let event = Self::shipment_event(&doc, &shipment, DomainEvent::ShipmentCreated)?;
            Ok((shipment, self.order_change(&doc, version, vec![event])?))
        })
        .await
        .map_err(|e| number_taken(e, Some(&created.tracking_number)))
    }

    /// [`Tijara::ship`] on behalf of `by`: a seller ships only its own part, with the carrier
    /// and service the shopper chose (the marketplace may choose others).
    pub async fn ship_as(
        &self,
        by: &Operator,
        order: &OrderId,
        seller_order: &SellerOrderId,
        request: ShipRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        if let Operator::Seller(seller) = by {
            let doc = self.order(order).await?;
            let so = seller_order_of(&doc, seller_order)?;
            if &so.seller_id != seller {
                return Err(refuse(by, order, seller_order, "not this seller's part"));
            }
            let chosen = so.shipping.as_ref().map(|s| &s.choice);
            if let Some(c) = &request.carrier
                && chosen.is_none_or(|chosen| &chosen.carrier != c)
            {
                return Err(refuse(
                    by,
                    order,
                    seller_order,
                    "a seller ships with the carrier the shopper chose",
                ));
            }
            if let Some(service) = &request.service
                && chosen.is_none_or(|chosen| &chosen.service != service)
            {
                return Err(refuse(
                    by,
                    order,
                    seller_order,
                    "a seller ships with the service the shopper chose",
                ));
            }
        }
        self.ship(order, seller_order, request, key).await
    }

    /// Records by hand what `by` knows of the parcel of `seller_order` (carriers without an
    /// API): its carrier's tracking number and/or a step reached now. The change applies to
    /// that part's shipment only. A seller acts on its own part only, records only the
    /// [`SELLER_STEPS`], and only on a carrier without tracking of its own (capability
    /// `tracking` off: its number and steps come from the carrier, [`TijaraError::NotAllowed`]);
    /// a number a seller types never blocks a real carrier's label (see [`Tijara::ship`]); a
    /// tracking number already used by another shipment, in this order or
    /// another, is refused ([`TijaraError::TrackingNumberTaken`]).
    pub async fn track_by_hand(
        &self,
        by: &Operator,
        order: &OrderId,
        seller_order: &SellerOrderId,
        update: HandTracking,
        key: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
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
        self.mutate("track_by_hand", key, &input, || async move {
            let Loaded {
                value: mut doc,
                version,
            } = self
                .load::<OrderDoc>(DocKind::Order, order.as_str())
                .await?;
            let so = seller_order_of(&doc, seller_order)?;
            if let Operator::Seller(seller) = by
                && &so.seller_id != seller
            {
                return Err(refuse(by, order, seller_order, "not this seller's part"));
            }
            let i = doc
                .shipments
                .iter()
                .position(|s| &s.seller_order_id == seller_order)
                .ok_or_else(|| TijaraError::NotShipped {
                    part: seller_order.clone(),
                })?;
            if matches!(by, Operator::Seller(_))
                && (number.is_some() || status.is_some())
                && self.tracks_itself(&doc.shipments[i].carrier)
            {
                return Err(refuse(
                    by,
                    order,
                    seller_order,
                    "this carrier reports the parcel's number and steps itself",
                ));
            }
            let mut changed = false;
            if let Some(n) = number
                && doc.shipments[i].tracking_number.as_deref() != Some(n)
            {
                ensure_number_free(&doc, Some(i), n)?;
                doc.shipments[i].tracking_number = Some(n.to_owned());
                changed = true;
            }
            if let Some(status) = status {
                let event = TrackingEvent {
                    at: self.now(),
                    status,
                    carrier_code: "manual".into(),
                    carrier_text: String::new(),
                    location: None,
                    cod_collected: None,
                };
                changed |= doc.shipments[i].apply_events(vec![event]) > 0;
            }
            let shipment = doc.shipments[i].clone();
            if !changed {
                return Ok((shipment, Changeset::default()));
            }
            let changes = self.shipment_updated(&mut doc, version, &shipment)?;
            Ok((shipment, changes))
        })
        .await
        .map_err(|e| number_taken(e, number))
    }

    /// Applies tracking events reported for a parcel (polled or pushed by webhook; any order,
    /// repeats allowed). Delivery and return move the seller order; for cash on delivery, a
    /// delivery collects the cash and a return cancels the collection and puts the stock back.
    /// An order that cannot be saved because another order holds one of its tracking numbers
    /// (stored before numbers were unique; see [`Tijara::reindex_orders`]) is refused with
    /// [`TijaraError::TrackingNumberTaken`] and logged. When the carrier maps codes itself
    /// ([`Carrier::status_of`], rate cards), each event's status is its mapping of the event's
    /// code: another carrier's code is kept as `Unknown`.
    pub async fn record_tracking(
        &self,
        carrier: &str,
        tracking_number: &str,
        events: Vec<TrackingEvent>,
        idem: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        // A carrier with a code table (a rate card) decides its own codes' statuses: an event
        // made elsewhere (another card's `event`) is not taken at the status it came with.
        let mut events = events;
        if let Ok(c) = self.carrier(carrier) {
            for e in &mut events {
                if let Some(status) = c.status_of(&e.carrier_code) {
                    e.status = status;
                }
            }
        }
        let key = format!("tracking:{carrier}:{tracking_number}");
        let (key, events) = (&key, &events);
        let input = (carrier, tracking_number, events);
        self.mutate("record_tracking", idem, &input, || async move {
            let (
                id,
                Loaded {
                    value: mut doc,
                    version,
                },
            ) = self
                .load_by_key::<OrderDoc>(DocKind::Order, key)
                .await?
                .ok_or_else(|| TijaraError::PartNotFound {
                    part: Part::TrackingNumber,
                    id: tracking_number.to_owned(),
                })?;
            let matching: Vec<usize> = doc
                .shipments
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s.carrier == carrier && s.tracking_number.as_deref() == Some(tracking_number)
                })
                .map(|(i, _)| i)
                .collect();
            let i = match matching[..] {
                [] => {
                    return Err(TijaraError::PartNotFound {
                        part: Part::TrackingNumber,
                        id: tracking_number.to_owned(),
                    });
                }
                [i] => i,
                // Two parcels with one number (stored before numbers were unique): which one
                // the carrier means is unknown, so neither moves.
                _ => {
                    tracing::warn!(
                        target: "security",
                        order = %id,
                        carrier,
                        "tracking events for a number two shipments share were refused"
                    );
                    return Err(TijaraError::TrackingNumberTaken {
                        number: tracking_number.to_owned(),
                    });
                }
            };
            let added = doc.shipments[i].apply_events(events.clone());
            let shipment = doc.shipments[i].clone();
            if added == 0 {
                return Ok((shipment, Changeset::default()));
            }
            let changes = self.shipment_updated(&mut doc, version, &shipment)?;
            Ok((shipment, changes))
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

    /// The changes of a shipment that moved: the order written at `version`, a
    /// `shipment.updated` event first, then what the move does to its seller order and payment
    /// ([`Tijara::follow_shipment`]).
    fn shipment_updated(
        &self,
        doc: &mut OrderDoc,
        version: u64,
        shipment: &Shipment,
    ) -> Result<Changeset, TijaraError> {
        let mut changes = Changeset::default();
        self.follow_shipment(doc, shipment, &mut changes)?;
        changes.events.insert(
            0,
            Self::shipment_event(doc, shipment, DomainEvent::ShipmentUpdated)?,
        );
        changes.docs.insert(0, self.order_write(doc, version)?);
        Ok(changes)
    }

    fn follow_shipment(
        &self,
        doc: &mut OrderDoc,
        shipment: &Shipment,
        changes: &mut Changeset,
    ) -> Result<(), TijaraError> {
        let so_id = shipment.seller_order_id.clone();
        let so = doc.order.seller_order(&so_id)?.clone();
        let now = self.now();
        match shipment.status() {
            TrackingStatus::Delivered if so.status() == FulfillmentStatus::Shipped => {
                let at = shipment
                    .events()
                    .iter()
                    .rev()
                    .find(|e| e.status == TrackingStatus::Delivered)
                    .map_or(now, |e| e.at);
                doc.order.mark_delivered(&so_id, at)?;
                if doc.order.payment.method() == PaymentMethod::CashOnDelivery
                    && let Some(cod) = so.cod_amount
                {
                    let amount = shipment.cod_collected().unwrap_or(cod);
                    doc.order.payment.collect(amount)?;
                    let m = doc.settlement.receive_for_seller(&so.seller_id, amount)?;
                    doc.ledger.push(LedgerEntry {
                        at: now,
                        order_id: doc.order.id.clone(),
                        movement: m,
                    });
                    doc.payment_log.push(PaymentLogEntry {
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
                }
            }
            TrackingStatus::ReturnedToSender if so.status() == FulfillmentStatus::Shipped => {
                doc.order.mark_returned(&so_id)?;
                if doc.order.payment.method() == PaymentMethod::CashOnDelivery
                    && let Some(cod) = so.cod_amount
                {
                    doc.order.payment.cancel_collection(cod)?;
                }
                // The parcel is back on the seller's shelf.
                for l in &so.lines {
                    changes.stock.push(StockOp::Adjust {
                        variant: l.variant_id.clone(),
                        delta: i64::from(l.quantity),
                    });
                }
            }
            _ => {}
        }
        if doc.order.status() == tijara_core::order::OrderStatus::Completed {
            changes
                .events
                .push(self.order_event(&doc.order, DomainEvent::OrderCompleted)?);
        }
        Ok(())
    }

    /// Asks the carrier for a shipment's events and applies them.
    pub async fn poll_tracking(
        &self,
        order: &OrderId,
        shipment: &ShipmentId,
    ) -> Result<Shipment, TijaraError> {
        let doc = self.order(order).await?;
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
        let events = self.carrier(&s.carrier)?.track(&number).await?;
        self.record_tracking(&s.carrier, &number, events, None)
            .await
    }

    /// Records that a carrier paid the marketplace the cash it collected for an order.
    pub async fn record_cod_remittance(
        &self,
        order: &OrderId,
        amount: Money,
        reference: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<OrderDoc, TijaraError> {
        self.mutate(
            "record_cod_remittance",
            key,
            &(order, amount, reference),
            || async move {
                let Loaded {
                    value: mut doc,
                    version,
                } = self
                    .load::<OrderDoc>(DocKind::Order, order.as_str())
                    .await?;
                if doc
                    .payment_log
                    .iter()
                    .any(|e| e.reference == reference && e.event == PaymentLogEvent::Remitted)
                {
                    return Ok((doc, Changeset::default()));
                }
                doc.order.payment.remit(amount)?;
                doc.payment_log.push(PaymentLogEntry {
                    at: self.now(),
                    source: PaymentSource::Engine,
                    reference: reference.to_owned(),
                    event: PaymentLogEvent::Remitted,
                    amount: Some(amount),
                    outcome: PaymentOutcome::Applied,
                    raw: serde_json::Value::Null,
                    attempt: None,
                });
                let w = self.order_write(&doc, version)?;
                let e = self.order_event(&doc.order, DomainEvent::PaymentRemitted)?;
                Ok((
                    doc,
                    Changeset {
                        docs: vec![w],
                        events: vec![e],
                        ..Changeset::default()
                    },
                ))
            },
        )
        .await
    }

    async fn orders_of(
        &self,
        owner: String,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<OrderDoc>, TijaraError> {
        let limit = limit.clamp(1, MAX_PAGE);
        self.list_page(
            ListQuery::new(DocKind::Order, limit)
                .owner(owner)
                .after(after),
        )
        .await
    }

    /// A seller's orders (each holds the seller's part among others; filter by seller id).
    pub async fn seller_orders(
        &self,
        seller: &SellerId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<OrderDoc>, TijaraError> {
        self.orders_of(format!("seller:{seller}"), after, limit)
            .await
    }

    /// A customer's orders.
    pub async fn customer_orders(
        &self,
        customer: &CustomerId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<OrderDoc>, TijaraError> {
        self.orders_of(format!("customer:{customer}"), after, limit)
            .await
    }

    /// Every order, by id (admin).
    pub async fn all_orders(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<OrderDoc>, TijaraError> {
        let limit = limit.clamp(1, MAX_PAGE);
        self.list_page(ListQuery::new(DocKind::Order, limit).after(after))
            .await
    }
}

/// One shipment in a carrier's cash-on-delivery remittance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RemittanceItem {
    /// The shipment's tracking number.
    pub tracking_number: String,
    /// The cash the carrier remits for it (what it collected, before its fee).
    pub amount: Money,
}

impl RemittanceItem {
    /// One shipment's cash in a remittance.
    ///
    /// ```
    /// use tijara::usecases::fulfillment::RemittanceItem;
    /// use tijara_core::Money;
    ///
    /// let item = RemittanceItem::new("AM123456789MA", Money::mad("250.00").unwrap());
    /// assert_eq!(item.tracking_number, "AM123456789MA");
    /// ```
    pub fn new(tracking_number: impl Into<String>, amount: Money) -> Self {
        RemittanceItem {
            tracking_number: tracking_number.into(),
            amount,
        }
    }
}

/// How one shipment of a remittance reconciled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RemittanceLine {
    /// The tracking number.
    pub tracking_number: String,
    /// The order, if the shipment is known.
    pub order_id: Option<OrderId>,
    /// Cash the shipment was to collect.
    pub expected: Option<Money>,
    /// Cash remitted.
    pub remitted: Money,
    /// `None` when recorded; otherwise why not (unknown shipment, more than collected...).
    pub problem: Option<String>,
}

impl Tijara {
    /// Applies a carrier's webhook call (authenticated and read by the carrier adapter): each
    /// shipment's events go through [`Tijara::record_tracking`]. Unknown tracking numbers (and
    /// numbers two shipments share) are skipped. Returns the shipments updated.
    pub async fn handle_carrier_webhook(
        &self,
        carrier: &str,
        request: &crate::ports::carrier::WebhookRequest,
    ) -> Result<Vec<Shipment>, TijaraError> {
        let update = self.carrier(carrier)?.parse_webhook(request).await?;
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

    /// Cancels a shipment before the carrier picked it up: the carrier is told (when it can
    /// cancel), and the parcel is ready to ship again.
    pub async fn cancel_shipment(
        &self,
        order: &OrderId,
        shipment: &ShipmentId,
        key: Option<&IdempotencyKey>,
    ) -> Result<OrderDoc, TijaraError> {
        self.once("cancel_shipment", key, &(order, shipment), || {
            self.cancel_shipment_once(order, shipment, key)
        })
        .await
    }

    /// [`Tijara::cancel_shipment`] inside [`Tijara::once`].
    async fn cancel_shipment_once(
        &self,
        order: &OrderId,
        shipment: &ShipmentId,
        key: Option<&IdempotencyKey>,
    ) -> Result<OrderDoc, TijaraError> {
        let doc = self.order(order).await?;
        let s = doc
            .shipments
            .iter()
            .find(|s| &s.id == shipment)
            .ok_or_else(|| TijaraError::PartNotFound {
                part: Part::Shipment,
                id: shipment.to_string(),
            })?
            .clone();
        if s.status() != TrackingStatus::LabelCreated {
            return Err(TijaraError::LabelInUse {
                shipment: shipment.clone(),
                status: s.status(),
            });
        }
        let carrier = self.carrier(&s.carrier)?.clone();
        if carrier.capabilities().cancel
            && let Some(n) = &s.tracking_number
        {
            carrier.cancel(n).await?;
        }
        self.mutate("cancel_shipment", key, &(order, shipment), || async move {
            let Loaded {
                value: mut doc,
                version,
            } = self
                .load::<OrderDoc>(DocKind::Order, order.as_str())
                .await?;
            let Some(i) = doc.shipments.iter().position(|x| &x.id == shipment) else {
                return Ok((doc, Changeset::default()));
            };
            let removed = doc.shipments.remove(i);
            doc.order.unship(&removed.seller_order_id)?;
            let e = Self::shipment_event(&doc, &removed, DomainEvent::ShipmentCancelled)?;
            let changes = self.order_change(&doc, version, vec![e])?;
            Ok((doc, changes))
        })
        .await
    }

    /// Sets the carrier's tracking number of a shipment by hand, as the marketplace (carriers
    /// without an API: an admin types the number printed by Amana or CTM; a seller goes
    /// through [`Tijara::track_by_hand`]). A number another shipment uses is refused.
    pub async fn set_tracking_number(
        &self,
        order: &OrderId,
        shipment: &ShipmentId,
        tracking_number: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        let number = valid_number(tracking_number)?;
        self.mutate(
            "set_tracking_number",
            key,
            &(order, shipment, number),
            || async move {
                let Loaded {
                    value: mut doc,
                    version,
                } = self
                    .load::<OrderDoc>(DocKind::Order, order.as_str())
                    .await?;
                let i = doc
                    .shipments
                    .iter()
                    .position(|x| &x.id == shipment)
                    .ok_or_else(|| TijaraError::PartNotFound {
                        part: Part::Shipment,
                        id: shipment.to_string(),
                    })?;
                ensure_number_free(&doc, Some(i), number)?;
                doc.shipments[i].tracking_number = Some(number.to_owned());
                let s = doc.shipments[i].clone();
                let e = Self::shipment_event(&doc, &s, DomainEvent::ShipmentUpdated)?;
                Ok((s, self.order_change(&doc, version, vec![e])?))
            },
        )
        .await
        .map_err(|e| number_taken(e, Some(number)))
    }

    /// Records a carrier's cash-on-delivery remittance covering several shipments, each once
    /// (by `reference` and tracking number), and reconciles it: what each shipment was to
    /// collect against what is remitted.
    pub async fn record_carrier_remittance(
        &self,
        carrier: &str,
        reference: &str,
        items: &[RemittanceItem],
        key: Option<&IdempotencyKey>,
    ) -> Result<Vec<RemittanceLine>, TijaraError> {
        self.once(
            "record_carrier_remittance",
            key,
            &(carrier, reference, items),
            || self.remittance_once(carrier, reference, items, key),
        )
        .await
    }

    /// [`Tijara::record_carrier_remittance`] inside [`Tijara::once`].
    async fn remittance_once(
        &self,
        carrier: &str,
        reference: &str,
        items: &[RemittanceItem],
        key: Option<&IdempotencyKey>,
    ) -> Result<Vec<RemittanceLine>, TijaraError> {
        let input = (carrier, reference, items);
        let mut out = Vec::new();
        for item in items {
            let key = format!("tracking:{carrier}:{}", item.tracking_number);
            let Some((id, doc)) = self.load_by_key::<OrderDoc>(DocKind::Order, &key).await? else {
                out.push(RemittanceLine {
                    tracking_number: item.tracking_number.clone(),
                    order_id: None,
                    expected: None,
                    remitted: item.amount,
                    problem: Some("unknown shipment".into()),
                });
                continue;
            };
            let shipment = doc
                .value
                .shipments
                .iter()
                .find(|s| s.tracking_number.as_deref() == Some(item.tracking_number.as_str()));
            let expected = shipment.and_then(|s| s.cod_collected().or(s.cod_amount));
            let order_id = OrderId::new(id)?;
            let line_ref = format!("{reference}:{}", item.tracking_number);
            let problem = match self
                .record_cod_remittance(&order_id, item.amount, &line_ref, None)
                .await
            {
                Ok(_) if expected.is_some_and(|e| e != item.amount) => Some(format!(
                    "remitted {} but the parcel was to collect {}",
                    item.amount,
                    expected.map(|e| e.to_string()).unwrap_or_default()
                )),
                Ok(_) => None,
                Err(e) => Some(e.to_string()),
            };
            out.push(RemittanceLine {
                tracking_number: item.tracking_number.clone(),
                order_id: Some(order_id),
                expected,
                remitted: item.amount,
                problem,
            });
        }
        // Each line is applied once by its own reference; the key keeps the whole answer.
        let out = &out;
        self.mutate("record_carrier_remittance", key, &input, || async move {
            Ok((out.clone(), Changeset::default()))
        })
        .await
    }
}

/// Everything a shipping label shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelData {
    /// The order.
    pub order_id: OrderId,
    /// The seller order.
    pub seller_order_id: SellerOrderId,
    /// The sender: the seller's name.
    pub sender_name: String,
    /// The sender's city.
    pub sender_city: String,
    /// The recipient.
    pub recipient: tijara_core::order::Address,
    /// Carrier code.
    pub carrier: String,
    /// Service code.
    pub service: String,
    /// The tracking number (printed with a barcode).
    pub tracking_number: Option<String>,
    /// The carrier's own label, when it makes one.
    pub parcels: Vec<Parcel>,
    /// Cash to collect on delivery.
    pub cod_amount: Option<Money>,
    /// Lines (SKU × quantity), for the packing slip.
    pub contents: Vec<(String, u32)>,
}

impl Tijara {
    /// What the label of a shipment shows: sender, recipient, tracking number, parcels, cash to
    /// collect, contents.
    pub async fn label(
        &self,
        order: &OrderId,
        shipment: &ShipmentId,
    ) -> Result<LabelData, TijaraError> {
        let doc = self.order(order).await?;
        let s = doc
            .shipments
            .iter()
            .find(|s| &s.id == shipment)
            .ok_or_else(|| TijaraError::PartNotFound {
                part: Part::Shipment,
                id: shipment.to_string(),
            })?;
        let so = doc.order.seller_order(&s.seller_order_id)?;
        let seller = self.seller(&so.seller_id).await?;
        Ok(LabelData {
            order_id: order.clone(),
            seller_order_id: so.id.clone(),
            sender_name: seller.name,
            sender_city: seller.home_city,
            recipient: doc.order.shipping_address.clone(),
            carrier: s.carrier.clone(),
            service: s.service.clone(),
            tracking_number: s.tracking_number.clone(),
            parcels: s.parcels.clone(),
            cod_amount: s.cod_amount,
            contents: so
                .lines
                .iter()
                .map(|l| (l.sku.to_string(), l.quantity))
                .collect(),
        })
    }
}
