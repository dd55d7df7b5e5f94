//! Checkout's payment: opening it with the order's gateway.

use super::*;

impl Tijara {
    /// When a bank transfer order's payment must be in, in the region's local time: its
    /// placing time plus the region's hold, the moment its stock returns to sale.
    fn pay_by(&self, order: &Order) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        if order.payment.method() != PaymentMethod::BankTransfer {
            return None;
        }
        let region = &self.inner.region;
        let offset = chrono::FixedOffset::east_opt(region.utc_offset_minutes * 60)?;
        Some((order.placed_at + region.transfer_hold()).with_timezone(&offset))
    }

    pub(super) async fn start_payment_with(
        &self,
        order: &Order,
        gateway: &dyn PaymentGateway,
        lang: Lang,
        attempt: u32,
    ) -> Result<PaymentStart, TijaraError> {
        Ok(gateway
            .start(&PaymentRequest {
                order_id: order.id.clone(),
                attempt_id: format!("{}-{attempt}", order.id),
                amount: order.payment.amount(),
                email: order.email.clone(),
                name: order.shipping_address.name.clone(),
                phone: order.shipping_address.phone.clone(),
                lang,
                pay_by: self.pay_by(order),
            })
            .await?)
    }
}

impl Checkout<'_> {
    /// Starts a new payment attempt for an order still awaiting payment (after a decline, or
    /// when the shopper comes back), with a new attempt id. A repeat with the same key (a
    /// double click) starts the same attempt again rather than a new one.
    pub async fn start_payment(
        self,
        order: &OrderId,
        key: Option<&IdempotencyKey>,
    ) -> Result<PaymentStart, TijaraError> {
        let e = self.engine;
        let (doc, attempt): (OrderDoc, u32) = e
            .mutate("start_payment", key, &order, || async move {
                let mut d = e.load::<OrderDoc>(DocKind::Order, order.as_str()).await?;
                if d.value.order.status() != OrderStatus::AwaitingPayment {
                    return Err(TijaraError::NotAwaitingPayment {
                        order: order.clone(),
                    });
                }
                d.value.payment_attempts += 1;
                let attempt = d.value.payment_attempts;
                let w = Write::new(DocKind::Order, order.as_str(), Some(d.version))
                    .keys(d.value.keys())
                    .owners(d.value.owners())
                    .body(&d.value)?;
                Ok((
                    (d.value, attempt),
                    Changeset {
                        docs: vec![w],
                        ..Changeset::default()
                    },
                ))
            })
            .await?;
        let gateway = e.gateway(&doc.gateway)?.clone();
        e.start_payment_with(&doc.order, gateway.as_ref(), doc.lang, attempt)
            .await
    }
}
