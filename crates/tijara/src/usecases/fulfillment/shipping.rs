//! Packing and handing parcels to carriers: ready, ship, cancel before pickup.

use super::Fulfillment;
use super::{Operator, ShipRequest, number_taken, refuse, seller_order_of};
use crate::docs::OrderDoc;
use crate::engine::{IdempotencyKey, Tijara};
use crate::error::{Part, TijaraError};
use crate::ports::carrier::ShipmentRequest;
use crate::ports::storage::DocKind;
use crate::usecases::order_update::Applied;
use tijara_core::fulfillment::{Parcel, Shipment, TrackingStatus};
use tijara_core::order::{FulfillmentStatus, OrderError};
use tijara_core::order_record::NewShipment;
use tijara_core::{OrderId, SellerOrderId, ShipmentId};

impl Tijara {
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
        self.update_order(
            "release_hand_typed",
            None,
            &(&holder, carrier, number),
            &holder,
            |doc| {
                let Some(i) = doc.hand_typed_holder(None, number, |c| self.tracks_itself(c)) else {
                    return Ok(Applied::unchanged(()));
                };
                log_cleared(&doc.order.id, &doc.shipments[i].id, carrier);
                let e = doc.clear_hand_typed(i);
                Ok(Applied::new((), vec![e]))
            },
        )
        .await
    }
}

impl Fulfillment<'_> {
    /// The seller has packed the parcel. Refused for a card or transfer order not yet paid.
    /// A part already ready is answered as it is (nothing changes, no event), so duplicates of
    /// "ready and ship" that all saw the part awaiting do not fail on each other.
    pub async fn mark_ready(
        self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        key: Option<&IdempotencyKey>,
    ) -> Result<OrderDoc, TijaraError> {
        let e = self.engine;
        e.update_order("mark_ready", key, &(order, seller_order), order, |doc| {
            Ok(
                match doc
                    .mark_ready(seller_order)
                    .map_err(|e| not_paid(order, e))?
                {
                    Some(e) => Applied::new(doc.clone(), vec![e]),
                    None => Applied::unchanged(doc.clone()),
                },
            )
        })
        .await
    }

    /// Hands a ready parcel to its carrier: creates the shipment with the carrier (idempotent
    /// by seller order id, so a retry after a timeout never makes a second parcel) and records
    /// it with its tracking number. When a carrier with tracking of its own gives a number that
    /// a shipment of a carrier without it holds (typed by hand), the carrier's number wins: the
    /// hand-typed one is cleared (logged on the `security` target).
    pub async fn ship(
        self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        request: ShipRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        let e = self.engine;
        let input = (order, seller_order, &request);
        e.once("ship", key, &input, || {
            e.ship_once(order, seller_order, &request, key)
        })
        .await
    }
}

impl Tijara {
    /// [`Fulfillment::ship`](crate::Fulfillment::ship) inside [`Tijara::once`]: the carrier call and its record.
    async fn ship_once(
        &self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        request: &ShipRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        let input = (order, seller_order, request);
        let doc = self.orders().order(order).await?;
        let so = seller_order_of(&doc, seller_order)?;
        if so.status() == FulfillmentStatus::Awaiting && !payment_allows_shipping(&doc) {
            return Err(TijaraError::NotPaidYet {
                order: order.clone(),
                part: seller_order.clone(),
            });
        }
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
        let seller = self.catalog().seller(&so.seller_id).await?;
        let carrier = self.carrier(&carrier_code)?.clone();
        // Abroad: the customs declaration goes with the parcel (refused, before the carrier is
        // called, when a line lacks its customs data).
        let customs = if self
            .inner
            .region
            .is_abroad(&doc.order.shipping_address.country)
        {
            let gross = parcels
                .iter()
                .fold(0u32, |a, p| a.saturating_add(p.weight_grams));
            Some(self.declaration_of(so, gross).await?)
        } else {
            None
        };
        let created = carrier
            .create_shipment(&ShipmentRequest {
                reference: seller_order.to_string(),
                service: service.clone(),
                origin_city: seller.home_city.clone(),
                destination: doc.order.shipping_address.clone(),
                parcels: parcels.clone(),
                cod_amount: so.cod_amount,
                customs: customs.clone(),
            })
            .await?;
        self.release_hand_typed(order, &carrier_code, &created.tracking_number)
            .await?;
        let new = NewShipment {
            id: ShipmentId::new(format!("{seller_order}-sh"))?,
            seller_order: seller_order.clone(),
            carrier: carrier_code,
            service,
            parcels,
            tracking_number: created.tracking_number.clone(),
            provisional_number: created.provisional_number,
            customs,
        };
        let new = &new;
        self.update_order("ship", key, &input, order, |doc| {
            let moved = doc.record_shipment(new.clone(), |c| self.tracks_itself(c))?;
            for cleared in &moved.cleared {
                log_cleared(&doc.order.id, cleared, &new.carrier);
            }
            Ok(if moved.changed {
                Applied::new(moved.shipment, moved.events)
            } else {
                Applied::unchanged(moved.shipment)
            })
        })
        .await
        .map_err(|e| number_taken(e, Some(&created.tracking_number)))
    }
}

impl Tijara {
    /// The customs declaration of a seller's part: its lines with their products' customs
    /// data as stored now, the parcel weighing `gross` grams.
    pub(crate) async fn declaration_of(
        &self,
        so: &tijara_core::order::SellerOrder,
        gross: u32,
    ) -> Result<tijara_core::customs::Declaration, TijaraError> {
        let mut products = Vec::new();
        for l in so.lines.iter().filter(|l| l.shippable) {
            let p: crate::engine::Loaded<tijara_core::catalog::Product> =
                self.load(DocKind::Product, l.product_id.as_str()).await?;
            products.push(p.value);
        }
        let lines: Vec<tijara_core::customs::DeclaredLine<'_>> = so
            .lines
            .iter()
            .filter(|l| l.shippable)
            .zip(&products)
            .map(|(l, p)| tijara_core::customs::DeclaredLine {
                product: &l.product_id,
                variant: &l.variant_id,
                sku: &l.sku,
                quantity: l.quantity,
                value: l.net,
                customs: p.customs.as_ref(),
            })
            .collect();
        Ok(tijara_core::customs::declaration(
            &lines,
            gross,
            self.inner.region.currency,
        )?)
    }
}

impl Fulfillment<'_> {
    /// [`Fulfillment::ship`](crate::Fulfillment::ship) on behalf of `by`: a seller ships only its own part, with the carrier
    /// and service the shopper chose (the marketplace may choose others).
    pub async fn ship_as(
        self,
        by: &Operator,
        order: &OrderId,
        seller_order: &SellerOrderId,
        request: ShipRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<Shipment, TijaraError> {
        let e = self.engine;
        if let Operator::Seller(seller) = by {
            let doc = e.orders().order(order).await?;
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

    /// Cancels a shipment before the carrier picked it up: the carrier is told (when it can
    /// cancel), and the parcel is ready to ship again.
    pub async fn cancel_shipment(
        self,
        order: &OrderId,
        shipment: &ShipmentId,
        key: Option<&IdempotencyKey>,
    ) -> Result<OrderDoc, TijaraError> {
        let e = self.engine;
        e.once("cancel_shipment", key, &(order, shipment), || {
            e.cancel_shipment_once(order, shipment, key)
        })
        .await
    }
}

impl Tijara {
    /// [`Fulfillment::cancel_shipment`](crate::Fulfillment::cancel_shipment) inside [`Tijara::once`].
    async fn cancel_shipment_once(
        &self,
        order: &OrderId,
        shipment: &ShipmentId,
        key: Option<&IdempotencyKey>,
    ) -> Result<OrderDoc, TijaraError> {
        let doc = self.orders().order(order).await?;
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
        self.update_order("cancel_shipment", key, &(order, shipment), order, |doc| {
            Ok(match doc.cancel_shipment(shipment)? {
                Some(e) => Applied::new(doc.clone(), vec![e]),
                None => Applied::unchanged(doc.clone()),
            })
        })
        .await
    }
}

/// True when the order's payment lets its parts be prepared and shipped (paid, or cash on
/// delivery, and the order confirmed).
fn payment_allows_shipping(doc: &OrderDoc) -> bool {
    doc.order.status() == tijara_core::order::OrderStatus::Confirmed
        && doc.order.payment.allows_shipping()
}

/// The core's "payment not secured" as the engine's typed [`TijaraError::NotPaidYet`], so a
/// seller's screen can say "the buyer has not paid yet: do not ship".
fn not_paid(order: &OrderId, e: OrderError) -> TijaraError {
    match e {
        OrderError::PaymentNotSecured(part) => TijaraError::NotPaidYet {
            order: order.clone(),
            part,
        },
        e => e.into(),
    }
}

/// Logs a hand-typed number cleared because a carrier's label now uses it.
fn log_cleared(order: &OrderId, shipment: &ShipmentId, carrier: &str) {
    tracing::warn!(
        target: "security",
        order = %order,
        shipment = %shipment,
        carrier,
        "a hand-typed tracking number was cleared: the carrier gave it to another parcel"
    );
}
