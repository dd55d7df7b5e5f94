//! Shipping labels, and the order listings of sellers, customers and the marketplace.

use super::Fulfillment;
use super::{CustomsDocument, LabelData, WorkCounts};
use crate::docs::OrderDoc;
use crate::docs::work_owner;
use crate::engine::Tijara;
use crate::error::{Part, TijaraError};
use crate::ports::storage::{DocKind, ListQuery};
use crate::usecases::catalog::{MAX_PAGE, Page};
use crate::usecases::returns::Orders;
use tijara_core::order::Work;
use tijara_core::{CustomerId, MemberId, OrderId, SellerId, ShipmentId};

impl Fulfillment<'_> {
    /// What the label of a shipment shows: sender, recipient, tracking number, parcels, cash to
    /// collect, contents.
    pub async fn label(
        self,
        order: &OrderId,
        shipment: &ShipmentId,
    ) -> Result<LabelData, TijaraError> {
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
        let so = doc.order.seller_order(&s.seller_order_id)?;
        let seller = e.catalog().seller(&so.seller_id).await?;
        let parts = &doc.order.seller_orders;
        let part_number = parts
            .iter()
            .position(|p| p.id == so.id)
            .map_or(1, |i| i + 1);
        let carrier_name = so
            .shipping
            .as_ref()
            .map(|sh| &sh.choice)
            .filter(|c| c.carrier == s.carrier)
            .map_or_else(
                || tijara_core::pricing::carrier_name(&s.carrier),
                |c| c.carrier_display(),
            );
        Ok(LabelData {
            order_id: order.clone(),
            seller_order_id: so.id.clone(),
            sender_name: seller.name,
            sender_city: seller.home_city,
            // The profile's phone and street address (the portal's shop profile); a seller
            // that gave no phone falls back to the WhatsApp number it chose to show.
            sender_phone: seller.contact.phone.clone().or(seller.whatsapp),
            sender_address: seller.contact.address.clone(),
            order_reference: doc.order.reference(),
            recipient: doc.order.shipping_address.clone(),
            carrier: s.carrier.clone(),
            carrier_name,
            part_number: u32::try_from(part_number).unwrap_or(u32::MAX),
            part_count: u32::try_from(parts.len()).unwrap_or(u32::MAX),
            service: s.service.clone(),
            tracking_number: s.tracking_number.clone(),
            provisional_number: s.provisional_number,
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

impl Fulfillment<'_> {
    /// The customs declaration (CN23 style) of a shipment to an address abroad: what was given
    /// to the carrier when it shipped (kept with the shipment), else the declaration made now
    /// from the products' customs data. [`TijaraError::Customs`] when a line lacks it;
    /// [`TijaraError::NotAllowed`] for a parcel delivered in the region's country (it needs no
    /// declaration).
    pub async fn customs_document(
        self,
        order: &OrderId,
        shipment: &ShipmentId,
    ) -> Result<CustomsDocument, TijaraError> {
        let e = self.engine;
        let label = Fulfillment { engine: e }.label(order, shipment).await?;
        let region = &e.inner.region;
        if !region.is_abroad(&label.recipient.country) {
            return Err(TijaraError::NotAllowed {
                reason: "a parcel delivered in the region's country needs no customs declaration"
                    .into(),
            });
        }
        let doc = e.orders().order(order).await?;
        let so = doc.order.seller_order(&label.seller_order_id)?;
        let stored = doc
            .shipments
            .iter()
            .find(|s| &s.id == shipment)
            .and_then(|s| s.customs.clone());
        let declaration = match stored {
            Some(d) => d,
            None => {
                let gross = label
                    .parcels
                    .iter()
                    .fold(0u32, |a, p| a.saturating_add(p.weight_grams));
                e.declaration_of(so, gross).await?
            }
        };
        let export_mention = region
            .export_exemption
            .as_ref()
            .filter(|x| {
                so.lines.iter().any(|l| {
                    l.export_relief.is_some() && l.exemption.as_deref() == Some(&x.mention)
                })
            })
            .map(|x| x.mention.clone());
        let recipient_lines = label
            .recipient
            .postal_lines(tijara_core::order::country_name_fr(
                &label.recipient.country,
            ));
        Ok(CustomsDocument {
            recipient_lines,
            declaration,
            export_mention,
            placed_on: region.local_date(doc.order.placed_at),
            label,
        })
    }
}

impl Tijara {
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
}

impl Orders<'_> {
    /// A seller's orders (each holds the seller's part among others; filter by seller id).
    pub async fn seller_orders(
        self,
        seller: &SellerId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<OrderDoc>, TijaraError> {
        let e = self.engine;
        e.orders_of(format!("seller:{seller}"), after, limit).await
    }

    /// How many of the seller's orders stand in each tab of the portal
    /// ([`Work`]): with `member`, those with lines the member artisan
    /// made. One counting query over the orders' owner rows (`seller-work:`), whatever the
    /// number of orders; orders saved by an older version are counted once
    /// [`Operations::reindex_orders`](crate::Operations::reindex_orders) saved them again.
    pub async fn seller_work_counts(
        self,
        seller: &SellerId,
        member: Option<&MemberId>,
    ) -> Result<WorkCounts, TijaraError> {
        let e = self.engine;
        let owners: Vec<String> = Work::ALL
            .iter()
            .map(|w| work_owner(seller, member, *w))
            .collect();
        let counts = e
            .inner
            .storage
            .count_by_owner(DocKind::Order, &owners)
            .await?;
        Ok(WorkCounts::new(Work::ALL.into_iter().zip(counts).collect()))
    }

    /// A page of the seller's orders whose part stands at `work` (one tab of the portal), by
    /// id after the cursor; with `member`, those with lines the member artisan made. Only that
    /// tab's orders are read.
    pub async fn seller_orders_at(
        self,
        seller: &SellerId,
        member: Option<&MemberId>,
        work: Work,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<OrderDoc>, TijaraError> {
        let e = self.engine;
        e.orders_of(work_owner(seller, member, work), after, limit)
            .await
    }

    /// A customer's orders.
    pub async fn customer_orders(
        self,
        customer: &CustomerId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<OrderDoc>, TijaraError> {
        let e = self.engine;
        e.orders_of(format!("customer:{customer}"), after, limit)
            .await
    }

    /// Every order, by id (admin).
    pub async fn all_orders(
        self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<OrderDoc>, TijaraError> {
        let e = self.engine;
        let limit = limit.clamp(1, MAX_PAGE);
        e.list_page(ListQuery::new(DocKind::Order, limit).after(after))
            .await
    }
}
