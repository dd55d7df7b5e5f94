//! Fulfillment: preparing, shipping and tracking each seller's parcel; cash on delivery.

use crate::docs::{OrderDoc, PaymentLogEntry, PaymentOutcome, PaymentSource};
use crate::engine::{IdempotencyKey, Loaded, Tijara, decode};
use crate::error::TijaraError;
use crate::ports::carrier::{Carrier, ShipmentRequest};
use crate::ports::storage::{Changeset, DocKind, ListQuery, NewEvent, StockOp};
use crate::usecases::catalog::{MAX_PAGE, Page};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tijara_core::fulfillment::{Parcel, Shipment, TrackingEvent, TrackingStatus};
use tijara_core::order::FulfillmentStatus;
use tijara_core::payment::PaymentMethod;
use tijara_core::payout::LedgerEntry;
use tijara_core::{CustomerId, Money, OrderId, SellerId, SellerOrderId, ShipmentId};

/// What a seller asks to ship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipRequest {
    /// Carrier code (default: the one the shopper chose).
    pub carrier: Option<String>,
    /// Service code (default: the one the shopper chose).
    pub service: Option<String>,
    /// Parcels (default: one parcel of the lines' weight).
    #[serde(default)]
    pub parcels: Vec<Parcel>,
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

    /// The carriers configured.
    pub fn carriers(&self) -> impl Iterator<Item = &Arc<dyn Carrier>> {
        self.inner.carriers.values()
    }

    fn shipment_event(
        doc: &OrderDoc,
        shipment: &Shipment,
        kind: &str,
    ) -> Result<NewEvent, TijaraError> {
        Ok(NewEvent {
            aggregate: doc.order.id.to_string(),
            kind: kind.to_owned(),
            payload: crate::engine::encode(&serde_json::json!({
                "order_id": doc.order.id,
                "seller_order_id": shipment.seller_order_id,
                "shipment_id": shipment.id,
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "status": shipment.status(),
                "email": doc.order.email,
                "lang": doc.lang,
            }))?,
        })
    }

    /// The seller has packed the parcel. Refused for a card or transfer order not yet paid.
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
            doc.order.mark_ready(seller_order)?;
            let event = self.order_event(&doc.order, "seller_order.ready")?;
            let w = self.order_write(&doc, version)?;
            Ok((
                doc,
                Changeset {
                    docs: vec![w],
                    events: vec![event],
                    ..Changeset::default()
                },
            ))
        })
        .await
    }

    /// Hands a ready parcel to its carrier: creates the shipment with the carrier (idempotent
    /// by seller order id, so a retry after a timeout never makes a second parcel) and records
    /// it with its tracking number.
    pub async fn ship(
        &self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        request: ShipRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        let doc = self.order(order).await?;
        let so = seller_order_of(&doc, seller_order)?;
        if so.status() != FulfillmentStatus::Ready {
            return Err(TijaraError::Invalid(format!(
                "seller order {seller_order} is not ready to ship"
            )));
        }
        let chosen = so.shipping.as_ref().map(|s| s.choice.clone());
        let carrier_code = request
            .carrier
            .clone()
            .or_else(|| chosen.as_ref().map(|c| c.carrier.clone()))
            .ok_or_else(|| TijaraError::Invalid("no carrier chosen".into()))?;
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
        let shipment_id = ShipmentId::new(format!("{seller_order}-sh"))
            .map_err(|e| TijaraError::Invalid(e.to_string()))?;
        let (shipment_id, carrier_code, service, parcels, created, request) = (
            &shipment_id,
            &carrier_code,
            &service,
            &parcels,
            &created,
            &request,
        );
        self.mutate(
            "ship",
            key,
            &(order, seller_order, &request),
            || async move {
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
                shipment.tracking_number = Some(created.tracking_number.clone());
                doc.shipments.push(shipment.clone());
                let event = Self::shipment_event(&doc, &shipment, "shipment.created")?;
                let w = self.order_write(&doc, version)?;
                Ok((
                    shipment,
                    Changeset {
                        docs: vec![w],
                        events: vec![event],
                        ..Changeset::default()
                    },
                ))
            },
        )
        .await
    }

    /// Applies tracking events reported for a parcel (polled or pushed by webhook; any order,
    /// repeats allowed). Delivery and return move the seller order; for cash on delivery, a
    /// delivery collects the cash and a return cancels the collection and puts the stock back.
    pub async fn record_tracking(
        &self,
        carrier: &str,
        tracking_number: &str,
        events: Vec<TrackingEvent>,
    ) -> Result<Shipment, TijaraError> {
        let key = format!("tracking:{carrier}:{tracking_number}");
        let (key, events) = (&key, &events);
        self.mutate("record_tracking", None, &(), || async move {
            let (
                id,
                Loaded {
                    value: mut doc,
                    version,
                },
            ) = self
                .load_by_key::<OrderDoc>(DocKind::Order, key)
                .await?
                .ok_or_else(|| TijaraError::NotFound {
                    kind: DocKind::Order,
                    id: key.clone(),
                })?;
            let i = doc
                .shipments
                .iter()
                .position(|s| {
                    s.carrier == carrier && s.tracking_number.as_deref() == Some(tracking_number)
                })
                .ok_or_else(|| TijaraError::NotFound {
                    kind: DocKind::Order,
                    id: id.clone(),
                })?;
            let added = doc.shipments[i].apply_events(events.clone());
            let shipment = doc.shipments[i].clone();
            if added == 0 {
                return Ok((shipment, Changeset::default()));
            }
            let mut changes = Changeset::default();
            self.follow_shipment(&mut doc, &shipment, &mut changes)?;
            changes.events.insert(
                0,
                Self::shipment_event(&doc, &shipment, "shipment.updated")?,
            );
            changes.docs.insert(0, self.order_write(&doc, version)?);
            Ok((shipment, changes))
        })
        .await
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
                        event: "collected".into(),
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
                .push(self.order_event(&doc.order, "order.completed")?);
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
            .ok_or_else(|| TijaraError::NotFound {
                kind: DocKind::Order,
                id: shipment.to_string(),
            })?;
        let number = s
            .tracking_number
            .clone()
            .ok_or_else(|| TijaraError::Invalid("the shipment has no tracking number".into()))?;
        let events = self.carrier(&s.carrier)?.track(&number).await?;
        self.record_tracking(&s.carrier, &number, events).await
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
                    .any(|e| e.reference == reference && e.event == "remitted")
                {
                    return Ok((doc, Changeset::default()));
                }
                doc.order.payment.remit(amount)?;
                doc.payment_log.push(PaymentLogEntry {
                    at: self.now(),
                    source: PaymentSource::Engine,
                    reference: reference.to_owned(),
                    event: "remitted".into(),
                    amount: Some(amount),
                    outcome: PaymentOutcome::Applied,
                    raw: serde_json::Value::Null,
                    attempt: None,
                });
                let w = self.order_write(&doc, version)?;
                let e = self.order_event(&doc.order, "payment.remitted")?;
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
        let docs = self
            .inner
            .storage
            .list(
                &ListQuery::new(DocKind::Order, limit)
                    .owner(owner)
                    .after(after),
            )
            .await?;
        let next = (docs.len() == limit as usize)
            .then(|| docs.last().map(|d| d.id.clone()))
            .flatten();
        let items = docs
            .iter()
            .map(|d| decode(DocKind::Order, &d.id, &d.body))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next })
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
        let docs = self
            .inner
            .storage
            .list(&ListQuery::new(DocKind::Order, limit).after(after))
            .await?;
        let next = (docs.len() == limit as usize)
            .then(|| docs.last().map(|d| d.id.clone()))
            .flatten();
        let items = docs
            .iter()
            .map(|d| decode(DocKind::Order, &d.id, &d.body))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next })
    }
}
