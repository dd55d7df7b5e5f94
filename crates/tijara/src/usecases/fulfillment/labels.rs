//! Shipping labels, and the order listings of sellers, customers and the marketplace.

use super::Fulfillment;
use super::LabelData;
use crate::docs::OrderDoc;
use crate::engine::Tijara;
use crate::error::{Part, TijaraError};
use crate::ports::storage::{DocKind, ListQuery};
use crate::usecases::catalog::{MAX_PAGE, Page};
use crate::usecases::returns::Orders;
use tijara_core::{CustomerId, OrderId, SellerId, ShipmentId};

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
