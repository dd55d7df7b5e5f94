//! Operations on a payment the gateway already knows (capture, void, refund) and bank
//! transfers confirmed or reminded.

use super::*;

impl Payments<'_> {
    /// Captures an authorized card payment: through the gateway's API when it has one
    /// (`partial_capture` for less than authorized), then records it.
    pub async fn capture_payment(
        self,
        order: &OrderId,
        amount: Money,
        key: Option<&IdempotencyKey>,
    ) -> Result<OperationOutcome, TijaraError> {
        let e = self.engine;
        let gateway = e.orders().order(order).await?.gateway;
        if e.gateway(&gateway)?.capabilities().sale_only {
            return Err(TijaraError::CaptureUnsupported { gateway });
        }
        e.once("capture_payment", key, &(order, amount), || {
            e.capture_once(order, amount, key)
        })
        .await
    }
}

impl Tijara {
    /// [`Payments::capture_payment`](crate::Payments::capture_payment) inside [`Tijara::once`]: the gateway call and its record.
    async fn capture_once(
        &self,
        order: &OrderId,
        amount: Money,
        key: Option<&IdempotencyKey>,
    ) -> Result<OperationOutcome, TijaraError> {
        let input = (order, amount);
        let (doc, mut op) = self.operation_for(order).await?;
        let mut check = doc.order.payment.clone();
        check.capture(amount)?;
        let g = self.gateway(&doc.gateway)?.clone();
        if amount != doc.order.payment.authorized() && !g.capabilities().partial_capture {
            return Err(TijaraError::PartialCaptureUnsupported {
                gateway: doc.gateway.clone(),
            });
        }
        op.amount = Some(amount);
        let done = g.capture(&op).await?;
        self.record_operation(
            "capture_payment",
            &input,
            order,
            PaymentNotice {
                source: PaymentSource::Gateway {
                    code: doc.gateway.clone(),
                },
                reference: done.reference.clone(),
                event: PaymentEventKind::Captured { amount },
                raw: done.raw,
                attempt: Some(op.attempt_id.clone()),
            },
            Some(done.reference),
            key,
        )
        .await
    }
}

impl Payments<'_> {
    /// Voids an authorization that will not be captured.
    pub async fn void_payment(
        self,
        order: &OrderId,
        key: Option<&IdempotencyKey>,
    ) -> Result<OperationOutcome, TijaraError> {
        let e = self.engine;
        e.once("void_payment", key, &order, || e.void_once(order, key))
            .await
    }
}

impl Tijara {
    /// [`Payments::void_payment`](crate::Payments::void_payment) inside [`Tijara::once`].
    async fn void_once(
        &self,
        order: &OrderId,
        key: Option<&IdempotencyKey>,
    ) -> Result<OperationOutcome, TijaraError> {
        let (doc, op) = self.operation_for(order).await?;
        let mut check = doc.order.payment.clone();
        check.void()?;
        let g = self.gateway(&doc.gateway)?.clone();
        let needs_gateway =
            doc.order.payment.status() == tijara_core::payment::PaymentStatus::Authorized;
        let (reference, raw) = if needs_gateway {
            let done = g.void(&op).await?;
            (Some(done.reference), done.raw)
        } else {
            (None, serde_json::Value::Null)
        };
        self.record_operation(
            "void_payment",
            &order,
            order,
            PaymentNotice {
                source: PaymentSource::Gateway {
                    code: doc.gateway.clone(),
                },
                reference: reference.clone().unwrap_or_else(|| format!("{order}:void")),
                event: PaymentEventKind::Voided,
                raw,
                attempt: Some(op.attempt_id.clone()),
            },
            reference,
            key,
        )
        .await
    }
}

impl Payments<'_> {
    /// Whether the gateway `code` refunds by API (a card gateway configured for it): a refund
    /// then goes back without anyone; else someone makes it by hand and records it. An unknown
    /// code answers false.
    pub fn refunds_by_api(self, code: &str) -> bool {
        self.engine
            .gateway(code)
            .is_ok_and(|g| g.capabilities().refund_by_api)
    }

    /// Whether the gateway `code` refunds `amount` of a payment of which `captured` was taken
    /// by its API: it refunds by API ([`Payments::refunds_by_api`]), and less than the whole
    /// capture only with [`PaymentCapabilities::partial_refund`](crate::ports::payment::PaymentCapabilities::partial_refund)
    /// (the port's contract: a gateway without it is never asked for part).
    pub fn refunds_by_api_for(self, code: &str, amount: Money, captured: Money) -> bool {
        self.engine.gateway(code).is_ok_and(|g| {
            let caps = g.capabilities();
            caps.refund_by_api && (caps.partial_refund || amount == captured)
        })
    }

    /// Refunds money to the shopper: through the gateway's API when it has `refund_by_api`,
    /// else recorded as made by hand by `admin`. Never more than received and not yet refunded
    /// (checked before the gateway is called); refused while a paid parcel of the order that
    /// came back undelivered waits for its refund ([`TijaraError::CameBackRefundOpen`]: refund
    /// that return, or the money would go back twice).
    pub async fn refund_payment(
        self,
        order: &OrderId,
        amount: Money,
        admin: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<OperationOutcome, TijaraError> {
        let e = self.engine;
        e.once("refund_payment", key, &(order, amount, admin), || {
            e.refund_once(order, amount, admin, key)
        })
        .await
    }
}

impl Tijara {
    /// [`Payments::refund_payment`](crate::Payments::refund_payment) inside [`Tijara::once`].
    async fn refund_once(
        &self,
        order: &OrderId,
        amount: Money,
        admin: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<OperationOutcome, TijaraError> {
        let input = (order, amount, admin);
        let (doc, mut op) = self.operation_for(order).await?;
        if let Some(r) = doc
            .returns
            .iter()
            .find(|r| r.is_came_back() && r.awaits_decision())
        {
            return Err(TijaraError::CameBackRefundOpen {
                order: order.clone(),
                return_id: r.id.clone(),
            });
        }
        let mut check = doc.order.payment.clone();
        check.refund(amount)?;
        let g = self.gateway(&doc.gateway)?.clone();
        let caps = g.capabilities();
        if caps.refund_by_api && !caps.partial_refund && amount != doc.order.payment.captured() {
            return Err(TijaraError::PartialRefundUnsupported {
                gateway: doc.gateway.clone(),
            });
        }
        let (source, reference, raw, gateway_reference) = if caps.refund_by_api {
            op.amount = Some(amount);
            let done = g.refund(&op).await?;
            (
                PaymentSource::Gateway {
                    code: doc.gateway.clone(),
                },
                done.reference.clone(),
                done.raw,
                Some(done.reference),
            )
        } else {
            let n = doc
                .payment_log
                .iter()
                .filter(|e| e.event == PaymentLogEvent::Refunded)
                .count()
                + 1;
            (
                PaymentSource::Admin {
                    user: admin.to_owned(),
                },
                format!("{order}:refund:{n}"),
                serde_json::Value::Null,
                None,
            )
        };
        self.record_operation(
            "refund_payment",
            &input,
            order,
            PaymentNotice {
                source,
                reference,
                event: PaymentEventKind::Refunded { amount },
                raw,
                attempt: Some(op.attempt_id.clone()),
            },
            gateway_reference,
            key,
        )
        .await
    }
}

impl Payments<'_> {
    /// An admin confirms a bank transfer was received: the amount must be the amount due.
    pub async fn confirm_bank_transfer(
        self,
        order: &OrderId,
        amount: Money,
        bank_reference: &str,
        admin: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<PaymentResult, TijaraError> {
        let e = self.engine;
        let doc = e.orders().order(order).await?;
        if doc.order.payment.method() != tijara_core::payment::PaymentMethod::BankTransfer {
            return Err(TijaraError::NotBankTransfer {
                order: order.clone(),
            });
        }
        self.record_payment(
            order,
            PaymentNotice {
                source: PaymentSource::Admin {
                    user: admin.to_owned(),
                },
                reference: bank_reference.to_owned(),
                event: PaymentEventKind::Captured { amount },
                raw: serde_json::json!({"bank_reference": bank_reference}),
                attempt: None,
            },
            key,
        )
        .await
    }

    /// Whether [`Payments::remind_pending_transfers`] with `within` has any order to look at (a
    /// reservation lapsing within `within`): one read, nothing written. The storefront asks it
    /// before taking its reminders lease (two durable writes), so an idle shop writes nothing.
    pub async fn reminders_may_be_due(self, within: chrono::Duration) -> Result<bool, TijaraError> {
        let e = self.engine;
        let horizon = e.now() + within;
        Ok(!e
            .inner
            .storage
            .expired_reservations(horizon, 1)
            .await?
            .is_empty())
    }

    /// Sends (as outbox events) one reminder for every order still awaiting its bank transfer
    /// whose reservation lapses within `within`. Returns how many reminders were written.
    pub async fn remind_pending_transfers(
        self,
        within: chrono::Duration,
    ) -> Result<usize, TijaraError> {
        let e = self.engine;
        let horizon = e.now() + within;
        let rows = e.inner.storage.expired_reservations(horizon, 1000).await?;
        let orders: std::collections::BTreeSet<OrderId> =
            rows.into_iter().map(|r| r.order).collect();
        let mut sent = 0;
        for order in orders {
            let order = &order;
            let reminded: bool = e
                .update_order("remind_transfer", None, &(), order, |doc| {
                    Ok(match doc.remind_transfer() {
                        Some(e) => Applied::new(true, vec![e]),
                        None => Applied::unchanged(false),
                    })
                })
                .await?;
            sent += usize::from(reminded);
        }
        Ok(sent)
    }
}
