//! Returns (withdrawal within the legal period), and order cancellation.

use crate::docs::OrderDoc;
use crate::engine::{IdempotencyKey, Tijara};
use crate::error::TijaraError;
use crate::ports::storage::DocKind;
use crate::usecases::order_update::Applied;
use serde::{Deserialize, Serialize};
use tijara_core::order_record::{PaymentSource, ReturnAsk, ReturnMove, ReturnRefusal};
use tijara_core::returns::{RefundAccount, ReturnError, ReturnLine, ReturnReason, ReturnRequest};
use tijara_core::{Money, OrderId, ReturnId, SellerOrderId};

/// A step of a return's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReturnStep {
    /// The seller or admin accepts.
    Approve,
    /// The seller or admin refuses.
    Reject,
    /// The seller or admin refuses and tells the shopper why (required; at most
    /// [`tijara_core::returns::MAX_REASON_CHARS`] characters).
    RejectWithReason {
        /// The reason, in the seller's words.
        reason: String,
    },
    /// The goods came back: the stock is put back on sale.
    Receive,
    /// The goods came back unfit to sell again (damaged, worn): recorded as received, and the
    /// stock is **not** put back on sale ([`ReturnRequest::kept_off_sale`]). The refund follows
    /// as after [`ReturnStep::Receive`].
    ReceiveKeptOffSale,
    /// The shopper is refunded this amount (at most the lines' value).
    Refund {
        /// Amount refunded.
        amount: Money,
    },
}

/// Orders once placed: reading and listing them, returns, cancellation, invoices
/// (`engine.orders()`).
///
/// ```
/// # async fn demo(
/// #     engine: &tijara::Tijara,
/// #     seller: &tijara_core::SellerId,
/// # ) -> Result<(), tijara::TijaraError> {
/// let page = engine.orders().seller_orders(seller, None, 20).await?;
/// for doc in &page.items {
///     let order = engine.orders().order(&doc.order.id).await?;
///     println!("{}: {:?}", order.order.id, order.order.status());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Orders<'a> {
    pub(crate) engine: &'a Tijara,
}

impl std::fmt::Debug for Orders<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orders").finish_non_exhaustive()
    }
}

impl Tijara {
    /// Orders' use cases: reading and listing orders, returns, cancellation, invoices.
    pub fn orders(&self) -> Orders<'_> {
        Orders { engine: self }
    }
}

impl Orders<'_> {
    /// Opens a withdrawal request on a delivered seller order, within the region's period.
    pub async fn request_return(
        self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        lines: Vec<ReturnLine>,
        reason: Option<String>,
        key: Option<&IdempotencyKey>,
    ) -> Result<ReturnRequest, TijaraError> {
        let e = self.engine;
        let id = ReturnId::new(e.new_id("ret"))?;
        let (id, lines, reason) = (&id, &lines, &reason);
        let region = &e.inner.region;
        e.update_order(
            "request_return",
            key,
            &(order, seller_order, &lines, &reason),
            order,
            |doc| {
                let m = doc.open_return(
                    id.clone(),
                    seller_order,
                    lines.clone(),
                    reason.clone(),
                    e.now(),
                    region,
                )?;
                Ok(returned(m))
            },
        )
        .await
    }

    /// Opens a withdrawal request as [`Orders::request_return`] does, with a reason chosen from
    /// the list and the shopper's own words (`details`, at most
    /// [`tijara_core::returns::MAX_REASON_CHARS`] characters). Units already asked back in an
    /// earlier request that was not rejected answer
    /// [`tijara_core::returns::ReturnError::AlreadyRequested`] (when, and where it stands).
    pub async fn request_return_for_reason(
        self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        lines: Vec<ReturnLine>,
        reason: ReturnReason,
        details: Option<String>,
        key: Option<&IdempotencyKey>,
    ) -> Result<ReturnRequest, TijaraError> {
        let e = self.engine;
        let id = ReturnId::new(e.new_id("ret"))?;
        let (id, lines, details) = (&id, &lines, &details);
        let region = &e.inner.region;
        e.update_order(
            "request_return_for_reason",
            key,
            &(order, seller_order, &lines, reason, &details),
            order,
            |doc| {
                let m = doc.open_return_for_reason(
                    id.clone(),
                    seller_order,
                    lines.clone(),
                    reason,
                    details.clone(),
                    e.now(),
                    region,
                )?;
                Ok(returned(m))
            },
        )
        .await
    }

    /// [`Orders::request_return_for_reason`] with the shopper's photos of the items: paths of
    /// media the embedder stored (`/media/…`), at most
    /// [`tijara_core::returns::MAX_RETURN_PHOTOS`]; more, or another kind of address, answer
    /// [`tijara_core::returns::ReturnError::TooManyPhotos`] or
    /// [`tijara_core::returns::ReturnError::NotAPhoto`] and nothing is written. The seller and
    /// the admin see them with the request ([`ReturnRequest::photos`]).
    #[allow(clippy::too_many_arguments)]
    pub async fn request_return_with_photos(
        self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        lines: Vec<ReturnLine>,
        reason: ReturnReason,
        details: Option<String>,
        photos: Vec<String>,
        key: Option<&IdempotencyKey>,
    ) -> Result<ReturnRequest, TijaraError> {
        let e = self.engine;
        let id = ReturnId::new(e.new_id("ret"))?;
        let (id, lines, details, photos) = (&id, &lines, &details, &photos);
        let region = &e.inner.region;
        e.update_order(
            "request_return_with_photos",
            key,
            &(order, seller_order, &lines, reason, &details, &photos),
            order,
            |doc| {
                let m = doc.open_return_with_photos(
                    id.clone(),
                    seller_order,
                    lines.clone(),
                    reason,
                    details.clone(),
                    photos.clone(),
                    e.now(),
                    region,
                )?;
                Ok(returned(m))
            },
        )
        .await
    }

    /// Opens a withdrawal request from what the shopper asked ([`ReturnAsk`]: the units, the
    /// reason, their words, photos, and where to transfer the refund when the order was paid in
    /// cash or by transfer). The checks are those of [`Orders::request_return_with_photos`];
    /// nothing is written when one refuses.
    ///
    /// ```
    /// # async fn demo(
    /// #     engine: &tijara::Tijara,
    /// #     order: &tijara_core::OrderId,
    /// #     part: &tijara_core::SellerOrderId,
    /// #     lines: Vec<tijara_core::returns::ReturnLine>,
    /// # ) -> Result<(), Box<dyn std::error::Error>> {
    /// use tijara_core::order_record::ReturnAsk;
    /// use tijara_core::returns::{RefundAccount, ReturnReason};
    ///
    /// let account = RefundAccount::new("Salma Idrissi", "011780000012345678901296")?;
    /// let ask = ReturnAsk::new(lines, ReturnReason::ChangedMind).with_refund_to(Some(account));
    /// let request = engine.orders().request_return_asked(order, part, ask, None).await?;
    /// println!("{}", request.id);
    /// # Ok(()) }
    /// ```
    pub async fn request_return_asked(
        self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        ask: ReturnAsk,
        key: Option<&IdempotencyKey>,
    ) -> Result<ReturnRequest, TijaraError> {
        let e = self.engine;
        let id = ReturnId::new(e.new_id("ret"))?;
        let (id, ask) = (&id, &ask);
        let region = &e.inner.region;
        e.update_order(
            "request_return_asked",
            key,
            &(order, seller_order, ask),
            order,
            |doc| {
                let m =
                    doc.open_return_asked(id.clone(), seller_order, ask.clone(), e.now(), region)?;
                Ok(returned(m))
            },
        )
        .await
    }

    /// The shopper says where a return's refund is to be transferred (an order paid in cash or
    /// by transfer), or corrects it, any time before it is sent: a buyer who gave no account
    /// when asking, or a paid parcel that came back undelivered (opened without one).
    /// The shopper's own act (the caller checks it is the order's shopper: its customer, or the
    /// guest holding its link), not a seller's step. Refused: [`ReturnError::RefundAlreadySent`],
    /// [`ReturnError::RefundNotDue`] (refunded with nothing to send), a refused return
    /// ([`ReturnError::Transition`]). `return.updated`; the admin's refund box shows the account.
    pub async fn set_return_refund_account(
        self,
        order: &OrderId,
        return_id: &ReturnId,
        account: RefundAccount,
        key: Option<&IdempotencyKey>,
    ) -> Result<ReturnRequest, TijaraError> {
        let e = self.engine;
        e.update_order(
            "set_return_refund_account",
            key,
            &(order, return_id, &account),
            order,
            |doc| {
                let m = doc.set_return_refund_account(return_id, account.clone())?;
                Ok(returned(m))
            },
        )
        .await
    }

    /// Moves a return. Receiving puts the units back in stock (unless received kept off sale,
    /// [`ReturnStep::ReceiveKeptOffSale`]); refunding records the refund on the payment and
    /// reverses it from the seller's share and the commission, then, when the order's gateway
    /// refunds that amount by API (a card gateway configured for it, and for part of the
    /// payment only with `partial_refund`: [`Payments::refunds_by_api_for`](crate::Payments::refunds_by_api_for)),
    /// sends it to the card at once ([`Orders::send_return_refund`]). A gateway that fails leaves the refund
    /// recorded and waiting to be sent ([`ReturnRequest::refund_due`]): the answer says which.
    pub async fn advance_return(
        self,
        order: &OrderId,
        return_id: &ReturnId,
        step: ReturnStep,
        key: Option<&IdempotencyKey>,
    ) -> Result<ReturnRequest, TijaraError> {
        let e = self.engine;
        let step = &step;
        // A refund gives back the returned lines' own commission, at the seller's rate for each
        // line's category: the seller is read first (a return that does not exist is refused
        // below, by the order's own rule).
        // The same read says whether the order's gateway refunds by API (sent at once, below).
        let (seller, by_api) = match step {
            ReturnStep::Refund { amount } => {
                let doc = e
                    .load::<OrderDoc>(DocKind::Order, order.as_str())
                    .await?
                    .value;
                let seller_id = doc
                    .returns
                    .iter()
                    .find(|r| &r.id == return_id)
                    .and_then(|r| doc.order.seller_order(&r.seller_order_id).ok())
                    .map(|so| so.seller_id.clone());
                let by_api = e.payments().refunds_by_api_for(
                    &doc.gateway,
                    *amount,
                    doc.order.payment.captured(),
                );
                match seller_id {
                    Some(id) => (Some(e.catalog().seller(&id).await?), by_api),
                    None => (None, by_api),
                }
            }
            _ => (None, false),
        };
        let seller = &seller;
        let moved = e
            .update_order(
                "advance_return",
                key,
                &(order, return_id, &step),
                order,
                |doc| {
                    let m = match step {
                        ReturnStep::Approve => doc.approve_return(return_id)?,
                        ReturnStep::Reject => doc.reject_return(return_id)?,
                        ReturnStep::RejectWithReason { reason } => {
                            doc.reject_return_because(return_id, reason)?
                        }
                        ReturnStep::Receive => doc.receive_return(return_id)?,
                        ReturnStep::ReceiveKeptOffSale => {
                            doc.receive_return_kept_off_sale(return_id)?
                        }
                        ReturnStep::Refund { amount } => match seller {
                            Some(seller) => {
                                doc.refund_return(return_id, *amount, seller, e.now())?
                            }
                            None => {
                                return Err(ReturnRefusal::NoReturn(return_id.clone()).into());
                            }
                        },
                    };
                    Ok(returned(m))
                },
            )
            .await?;
        let ReturnStep::Refund { .. } = step else {
            return Ok(moved);
        };
        // The step is committed: what follows never turns it into an error.
        if moved.refund_due().is_none() || !by_api {
            return Ok(moved);
        }
        match self
            .send_return_refund(order, return_id, "engine", None, None)
            .await
        {
            Ok(sent) => Ok(sent),
            Err(err) => {
                tracing::warn!(
                    order = %order,
                    return_id = %return_id,
                    error = %err,
                    "the return's refund did not go to the card now: it waits on the admin's order page"
                );
                // Already sent (a retried step replaying its first answer): the return as it is.
                let now = self
                    .order(order)
                    .await
                    .ok()
                    .and_then(|doc| doc.returns.into_iter().find(|r| &r.id == return_id));
                Ok(now.unwrap_or(moved))
            }
        }
    }

    /// Sends a return's refund, recorded by [`ReturnStep::Refund`], to the shopper, once.
    ///
    /// - With `transfer_reference`: recorded as made by hand by `admin`, with the bank's
    ///   reference of the transfer (to the return's [`ReturnRequest::refund_account`]) or of the
    ///   refund made in the card gateway's back office; nothing is called (an empty one is
    ///   [`ReturnError::BadTransferReference`]).
    /// - Without: through the order's gateway when it refunds by API (the card is refunded); a
    ///   gateway without the API answers [`ReturnError::BadTransferReference`] (a reference is
    ///   needed), and one that cannot refund part of a payment, asked for less than the whole
    ///   capture, [`TijaraError::PartialRefundUnsupported`] (nothing is called: refund in its
    ///   back office and record that reference).
    ///
    /// Both run under one claim per return, so a double click, the admin's button while the
    /// seller's step is at the gateway, or a retried step never send it twice (a second caller
    /// waits for the first's answer or gets [`TijaraError::IdempotencyInProgress`]). Before the
    /// gateway is called, the return notes it ([`ReturnRequest::begin_refund_attempt`]): if no
    /// definite answer comes (a timeout, a crash, an unreadable reply), the gateway is never
    /// asked again for it ([`ReturnError::RefundOutcomeUnknown`]) and an admin records it by
    /// hand after a look at the gateway's back office; a definite refusal (declined,
    /// unsupported) clears the note. Refused too: [`ReturnError::RefundNotDue`] (not refunded
    /// yet, or nothing), [`ReturnError::RefundAlreadySent`]. The shopper is told
    /// (`return.updated`). A refund the gateway made whose recording then fails is logged at
    /// error level with the gateway's reference, and stays noted as asked.
    pub async fn send_return_refund(
        self,
        order: &OrderId,
        return_id: &ReturnId,
        admin: &str,
        transfer_reference: Option<&str>,
        key: Option<&IdempotencyKey>,
    ) -> Result<ReturnRequest, TijaraError> {
        let e = self.engine;
        let due = |doc: &OrderDoc| -> Result<Money, TijaraError> {
            Ok(doc
                .returns
                .iter()
                .find(|r| &r.id == return_id)
                .ok_or_else(|| TijaraError::from(ReturnRefusal::NoReturn(return_id.clone())))?
                .refund_to_send()?)
        };
        let reference = transfer_reference.map(str::trim);
        if reference == Some("") {
            return Err(ReturnError::BadTransferReference.into());
        }
        let doc = self.order(order).await?;
        let amount = due(&doc)?;
        if reference.is_none() {
            let payments = e.payments();
            if !payments.refunds_by_api(&doc.gateway) {
                return Err(ReturnError::BadTransferReference.into());
            }
            if !payments.refunds_by_api_for(&doc.gateway, amount, doc.order.payment.captured()) {
                return Err(TijaraError::PartialRefundUnsupported {
                    gateway: doc.gateway.clone(),
                });
            }
        }
        // One claim per return, whoever asks and however: the money leaves once.
        let claim = IdempotencyKey::new(format!("return-refund:{return_id}"))?;
        let claim = &claim;
        let pair = (order, return_id);
        let outer = (order, return_id, admin, reference);
        e.once("send_return_refund", key, &outer, || async {
            e.once("return_refund_claim", Some(claim), &pair, || async {
                match reference {
                    Some(reference) => {
                        due(&self.order(order).await?)?;
                        self.record_refund_sent(
                            claim,
                            order,
                            return_id,
                            PaymentSource::Admin {
                                user: admin.to_owned(),
                            },
                            reference,
                            admin,
                            (serde_json::Value::Null, None),
                        )
                        .await
                    }
                    None => self.refund_to_card(claim, order, return_id, admin).await,
                }
            })
            .await
        })
        .await
    }

    /// The gateway path of [`Orders::send_return_refund`], inside the return's claim: note the
    /// attempt, call, record (or clear the note on a definite refusal).
    async fn refund_to_card(
        self,
        claim: &IdempotencyKey,
        order: &OrderId,
        return_id: &ReturnId,
        admin: &str,
    ) -> Result<ReturnRequest, TijaraError> {
        let e = self.engine;
        let (doc, mut op) = e.operation_for(order).await?;
        let amount = e
            .update_order(
                "begin_return_refund",
                None,
                &(order, return_id),
                order,
                |doc| {
                    let (m, amount) = doc.begin_return_refund(return_id, e.now())?;
                    Ok(Applied::new(amount, m.events).stock(m.stock))
                },
            )
            .await?;
        let g = e.gateway(&doc.gateway)?.clone();
        op.amount = Some(amount);
        let done = match g.refund(&op).await {
            Ok(done) => done,
            Err(err) => {
                use crate::ports::payment::GatewayError;
                if matches!(
                    err,
                    GatewayError::Declined(_)
                        | GatewayError::Unsupported(_)
                        | GatewayError::Config(_)
                ) {
                    // No money left: the gateway may be asked again.
                    if let Err(clear) = e
                        .update_order(
                            "end_return_refund",
                            None,
                            &(order, return_id),
                            order,
                            |doc| Ok(returned(doc.end_return_refund_attempt(return_id)?)),
                        )
                        .await
                    {
                        tracing::warn!(order = %order, return_id = %return_id, error = %clear, "a refused card refund stays noted as asked");
                    }
                } else {
                    tracing::warn!(order = %order, return_id = %return_id, error = %err, "the card gateway gave no definite answer to a return's refund: check its back office");
                }
                return Err(err.into());
            }
        };
        let recorded = self
            .record_refund_sent(
                claim,
                order,
                return_id,
                PaymentSource::Gateway {
                    code: doc.gateway.clone(),
                },
                &done.reference,
                admin,
                (done.raw.clone(), Some(op.attempt_id.clone())),
            )
            .await;
        if let Err(err) = &recorded {
            tracing::error!(
                order = %order,
                return_id = %return_id,
                gateway_reference = %done.reference,
                error = %err,
                "the card was refunded but the refund could not be recorded: record it by hand with this reference"
            );
        }
        recorded
    }

    /// Commits [`OrderDoc::send_return_refund`] under the return's claim (its answer kept).
    #[allow(clippy::too_many_arguments)]
    async fn record_refund_sent(
        self,
        claim: &IdempotencyKey,
        order: &OrderId,
        return_id: &ReturnId,
        source: PaymentSource,
        reference: &str,
        by: &str,
        (raw, attempt): (serde_json::Value, Option<String>),
    ) -> Result<ReturnRequest, TijaraError> {
        let e = self.engine;
        let (source, raw, attempt) = (&source, &raw, &attempt);
        e.update_order(
            "return_refund_claim",
            Some(claim),
            &(order, return_id),
            order,
            |doc| {
                let m = doc.send_return_refund(
                    return_id,
                    source.clone(),
                    reference,
                    by,
                    raw.clone(),
                    attempt.clone(),
                    e.now(),
                )?;
                Ok(returned(m))
            },
        )
        .await
    }

    /// Cancels an order before anything shipped: its reservations are released (or the units
    /// sold to a cash-on-delivery order put back) and an unpaid payment is voided.
    pub async fn cancel_order(
        self,
        order: &OrderId,
        key: Option<&IdempotencyKey>,
    ) -> Result<OrderDoc, TijaraError> {
        let e = self.engine;
        e.update_order("cancel_order", key, &order, order, |doc| {
            let done = doc.cancel()?;
            Ok(Applied::new(doc.clone(), done.events).stock(done.stock))
        })
        .await
    }
}

/// What a return rule commits.
fn returned(m: ReturnMove) -> Applied<ReturnRequest> {
    Applied::new(m.request, m.events).stock(m.stock)
}

impl Orders<'_> {
    /// The order with this human number (`DAK-2026-483920`, see
    /// [`Order::number`](tijara_core::order::Order::number)), for an admin or a support desk
    /// that a shopper reads it to. It opens the order without its access token: show it only
    /// to someone allowed to see every order (a guest's page goes by id and token). Unknown:
    /// [`TijaraError::NotFound`].
    ///
    /// ```
    /// # async fn demo(engine: &tijara::Tijara) -> Result<(), tijara::TijaraError> {
    /// use tijara_core::order::OrderNumber;
    ///
    /// if let Ok(number) = OrderNumber::parse("dak-2026-483920") {
    ///     let doc = engine.orders().order_by_number(&number).await?;
    ///     println!("{}", doc.order.id);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn order_by_number(
        self,
        number: &tijara_core::order::OrderNumber,
    ) -> Result<OrderDoc, TijaraError> {
        let key = crate::docs::number_key(number);
        match self
            .engine
            .load_by_key::<OrderDoc>(crate::ports::storage::DocKind::Order, &key)
            .await?
        {
            Some((_, loaded)) => Ok(loaded.value),
            None => Err(TijaraError::NotFound {
                kind: crate::ports::storage::DocKind::Order,
                id: number.to_string(),
            }),
        }
    }
}
