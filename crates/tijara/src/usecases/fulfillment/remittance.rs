//! Cash on delivery: what carriers remit to the marketplace, and its reconciliation.

use super::Fulfillment;
use super::{RemittanceItem, RemittanceLine};
use crate::docs::OrderDoc;
use crate::engine::{IdempotencyKey, Tijara};
use crate::error::TijaraError;
use crate::ports::storage::{Changeset, DocKind};
use crate::usecases::order_update::Applied;
use tijara_core::{Money, OrderId};

impl Fulfillment<'_> {
    /// Records that a carrier paid the marketplace the cash it collected for an order.
    pub async fn record_cod_remittance(
        self,
        order: &OrderId,
        amount: Money,
        reference: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<OrderDoc, TijaraError> {
        let e = self.engine;
        e.update_order(
            "record_cod_remittance",
            key,
            &(order, amount, reference),
            order,
            |doc| {
                Ok(match doc.record_remittance(amount, reference, e.now())? {
                    Some(e) => Applied::new(doc.clone(), vec![e]),
                    None => Applied::unchanged(doc.clone()),
                })
            },
        )
        .await
    }

    /// Records a carrier's cash-on-delivery remittance covering several shipments, each once
    /// (by `reference` and tracking number), and reconciles it: what each shipment was to
    /// collect against what is remitted.
    pub async fn record_carrier_remittance(
        self,
        carrier: &str,
        reference: &str,
        items: &[RemittanceItem],
        key: Option<&IdempotencyKey>,
    ) -> Result<Vec<RemittanceLine>, TijaraError> {
        let e = self.engine;
        e.once(
            "record_carrier_remittance",
            key,
            &(carrier, reference, items),
            || e.remittance_once(carrier, reference, items, key),
        )
        .await
    }
}

impl Tijara {
    /// [`Fulfillment::record_carrier_remittance`](crate::Fulfillment::record_carrier_remittance) inside [`Tijara::once`].
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
                .fulfillment()
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
