//! Checkout's payment: opening it with the order's gateway.

use super::*;
use crate::engine::Loaded;
use crate::usecases::order_update::Applied;
use tijara_core::order::Repricing;
use tijara_core::order_record::SwitchRefusal;

impl Tijara {
    /// When a bank transfer order's payment must be in, in the region's local time: its
    /// placing time plus the region's hold, the moment its stock returns to sale.
    pub(crate) fn pay_by(&self, order: &Order) -> Option<chrono::DateTime<chrono::FixedOffset>> {
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
                order_number: order.number.clone(),
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

impl Tijara {
    /// Each parcel's delivery price with cash to collect, quoted again by its carrier with
    /// the seller's goods total as the cash (the base placing a cash-on-delivery order uses):
    /// the carrier's price including its cash-collection fee. A carrier that is gone, does not
    /// collect cash or no longer offers the service refuses with
    /// [`TijaraError::CodUnavailable`].
    async fn cod_prices(
        &self,
        order: &Order,
    ) -> Result<BTreeMap<SellerOrderId, Money>, TijaraError> {
        let variants: Vec<VariantId> = order
            .seller_orders
            .iter()
            .flat_map(|so| so.lines.iter().map(|l| l.variant_id.clone()))
            .collect();
        let (catalog, _) = self.snapshot_for(&variants).await?;
        let mut prices = BTreeMap::new();
        for so in &order.seller_orders {
            let Some(shipping) = &so.shipping else {
                continue;
            };
            let choice = &shipping.choice;
            let refuse = || TijaraError::CodUnavailable {
                seller: so.seller_id.clone(),
                carrier: choice.carrier.clone(),
            };
            let Some(carrier) = self.inner.carriers.get(&choice.carrier) else {
                return Err(refuse());
            };
            if !carrier.capabilities().cod {
                return Err(refuse());
            }
            let origin = catalog
                .seller(&so.seller_id)
                .map(|s| s.home_city.clone())
                .ok_or_else(|| TijaraError::NotFound {
                    kind: DocKind::Seller,
                    id: so.seller_id.to_string(),
                })?;
            let weight = so.lines.iter().filter(|l| l.shippable).fold(0u32, |w, l| {
                w.saturating_add(l.unit_weight_grams.saturating_mul(l.quantity))
            });
            let request = QuoteRequest::new(
                origin,
                order.shipping_address.clone(),
                vec![Parcel {
                    weight_grams: weight.max(1),
                    dimensions: None,
                }],
            )
            .with_cod_amount(so.subtotal);
            let quoted = carrier
                .quote(&request)
                .await?
                .into_iter()
                .find(|q| q.carrier == choice.carrier && q.service == choice.service)
                .map(|q| q.price)
                .ok_or_else(refuse)?;
            prices.insert(so.id.clone(), quoted);
        }
        Ok(prices)
    }
}

impl Checkout<'_> {
    /// When a bank transfer order's payment must be in, in the region's local time (its
    /// placing time plus the region's `transfer_hold_hours`, when the engine cancels it if
    /// unpaid): the deadline to show with the transfer instructions (an order page, a
    /// message). `None` for an order not paid by transfer.
    pub fn pay_by(self, order: &Order) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.engine.pay_by(order)
    }

    /// Whether [`Checkout::switch_payment`] would accept paying `order` through `gateway` now,
    /// without changing anything (for a page that offers only what works): the same typed
    /// refusals ([`TijaraError::PaymentSwitch`], [`TijaraError::CodUnavailable`],
    /// [`TijaraError::NotConfigured`]). Cash on delivery asks the carriers for quotes; a switch
    /// that would change the total is possible (this answers `Ok`): see
    /// [`Checkout::cod_repricing`] for the new total to show.
    pub async fn check_switch_payment(
        self,
        order: &OrderId,
        gateway: &str,
    ) -> Result<(), TijaraError> {
        let e = self.engine;
        let method = e.gateway(gateway)?.method();
        let current = e.orders().order(order).await?;
        current.can_switch_payment(method)?;
        if method == PaymentMethod::CashOnDelivery {
            let prices = e.cod_prices(&current.order).await?;
            let (repriced, _) = current
                .order
                .repriced_delivery(&prices)
                .map_err(reprice_error)?;
            if !repriced.grand_total.is_positive() {
                return Err(SwitchRefusal::NothingToCollect.into());
            }
        }
        Ok(())
    }

    /// What paying `order` cash on delivery would cost now: each parcel's delivery quoted
    /// again by its carrier with cash to collect (its cash-collection fee included), and the
    /// order's new grand total ([`Repricing::changes_total`] when it differs). A page shows it
    /// and asks the shopper to confirm before [`Checkout::switch_payment_accepting`]. Refused
    /// as the switch would be ([`TijaraError::PaymentSwitch`], [`TijaraError::CodUnavailable`]).
    pub async fn cod_repricing(self, order: &OrderId) -> Result<Repricing, TijaraError> {
        let e = self.engine;
        let current = e.orders().order(order).await?;
        current.can_switch_payment(PaymentMethod::CashOnDelivery)?;
        let prices = e.cod_prices(&current.order).await?;
        let (_, repricing) = current
            .order
            .repriced_delivery(&prices)
            .map_err(reprice_error)?;
        Ok(repricing)
    }

    /// Pays an unpaid order another way, through the gateway `gateway` (`cod`, `transfer`,
    /// `cmi`...): after a declined or abandoned card payment, cash on delivery or a bank
    /// transfer instead. Allowed only while the order awaits its payment with nothing
    /// authorized or captured ([`TijaraError::PaymentSwitch`] otherwise, nothing changed).
    /// The order keeps its items, prices and stock: cash on delivery confirms it and sells its
    /// reserved units at once; a transfer keeps them reserved until the transfer's deadline
    /// (placing time plus the region's hold, [`PaymentRequest::pay_by`]).
    ///
    /// Cash on delivery prices each parcel's delivery again with its carrier's
    /// cash-collection fee ([`Checkout::cod_repricing`]); when that changes the grand total,
    /// this call refuses with [`TijaraError::CodTotalChanged`] (nothing changed) and the
    /// shopper confirms the new total with [`Checkout::switch_payment_accepting`]. A carrier
    /// that does not collect cash refuses with [`TijaraError::CodUnavailable`]. Emits
    /// `payment.method_changed` (and `order.confirmed` for cash on delivery). Returns how the
    /// shopper continues: the new method's instructions, or a card's payment page.
    pub async fn switch_payment(
        self,
        order: &OrderId,
        gateway: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<PaymentStart, TijaraError> {
        self.switch(order, gateway, None, key).await
    }

    /// [`Checkout::switch_payment`] for a shopper who saw and accepted the grand total
    /// `accepted` (the one [`Checkout::cod_repricing`] gave): cash on delivery re-prices the
    /// order's delivery with the carriers' cash-collection fees and switches when the new
    /// total is exactly `accepted`; when the carriers now ask something else,
    /// [`TijaraError::CodTotalChanged`] gives the new total to show and nothing changes. The
    /// order's totals, TVA breakdown, settlement and payment amount follow the new prices;
    /// its items and their stock do not change.
    pub async fn switch_payment_accepting(
        self,
        order: &OrderId,
        gateway: &str,
        accepted: Money,
        key: Option<&IdempotencyKey>,
    ) -> Result<PaymentStart, TijaraError> {
        self.switch(order, gateway, Some(accepted), key).await
    }

    async fn switch(
        self,
        order: &OrderId,
        gateway: &str,
        accepted: Option<Money>,
        key: Option<&IdempotencyKey>,
    ) -> Result<PaymentStart, TijaraError> {
        let e = self.engine;
        let gateway_arc = e.gateway(gateway)?.clone();
        let method = gateway_arc.method();
        let current = e.orders().order(order).await?;
        // Checked before quoting, so a refusal says why without asking carriers.
        current.can_switch_payment(method)?;
        let prices = if method == PaymentMethod::CashOnDelivery {
            e.cod_prices(&current.order).await?
        } else {
            BTreeMap::new()
        };
        let prices = &prices;
        let hold_until = current.order.placed_at + e.inner.region.transfer_hold();
        let (doc, attempt): (OrderDoc, u32) = e
            .mutate(
                "switch_payment",
                key,
                &(order, gateway, accepted),
                || async move {
                    let Loaded {
                        value: mut doc,
                        version,
                    } = e.load::<OrderDoc>(DocKind::Order, order.as_str()).await?;
                    // Only cash on delivery prices the delivery again.
                    let done = if prices.is_empty() {
                        doc.switch_payment(method, gateway)?
                    } else {
                        let (done, repricing) =
                            doc.switch_payment_repriced(method, gateway, prices)?;
                        if repricing.changes_total() && accepted != Some(repricing.grand_total) {
                            return Err(TijaraError::CodTotalChanged {
                                order: order.clone(),
                                total: repricing.grand_total,
                                before: repricing.grand_total_before,
                            });
                        }
                        done
                    };
                    doc.payment_attempts += 1;
                    let mut extra = Vec::new();
                    if method == PaymentMethod::BankTransfer {
                        // The units stay reserved, now until the transfer's deadline.
                        let live = e.inner.storage.order_reservations(order).await?;
                        doc.reservations.clear();
                        for r in live {
                            let renewed = ReservationId::new(format!("{}~t", r.reservation))?;
                            extra.push(StockOp::Release {
                                reservation: r.reservation,
                            });
                            extra.push(StockOp::Reserve {
                                reservation: renewed.clone(),
                                variant: r.variant,
                                quantity: r.quantity,
                                order: order.clone(),
                                expires_at: hold_until.max(e.now()),
                            });
                            doc.reservations.push(renewed);
                        }
                    }
                    let attempt = doc.payment_attempts;
                    let applied =
                        Applied::new((doc.clone(), attempt), done.events).stock(done.stock);
                    let (answer, mut changes) = e.order_applied(&doc, version, applied)?;
                    changes.stock.extend(extra);
                    Ok((answer, changes))
                },
            )
            .await?;
        e.start_payment_with(&doc.order, gateway_arc.as_ref(), doc.lang, attempt)
            .await
    }
}

/// A re-pricing refusal as the switch's (the order's delivery could not take the new prices).
fn reprice_error(e: tijara_core::order::OrderError) -> TijaraError {
    TijaraError::PaymentSwitch(SwitchRefusal::Reprice(e))
}
