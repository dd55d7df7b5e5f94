//! Returns (withdrawal within the legal period), and order cancellation.

use crate::docs::OrderDoc;
use crate::engine::{IdempotencyKey, Tijara};
use crate::error::TijaraError;
use crate::ports::storage::DocKind;
use crate::usecases::order_update::Applied;
use serde::{Deserialize, Serialize};
use tijara_core::order_record::{ReturnMove, ReturnRefusal};
use tijara_core::returns::{ReturnLine, ReturnReason, ReturnRequest};
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

    /// Moves a return. Receiving puts the units back in stock; refunding returns the money
    /// (recorded on the payment and reversed from the seller's share and the commission).
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
        let seller = match step {
            ReturnStep::Refund { .. } => {
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
                match seller_id {
                    Some(id) => Some(e.catalog().seller(&id).await?),
                    None => None,
                }
            }
            _ => None,
        };
        let seller = &seller;
        e.update_order(
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
                    ReturnStep::Refund { amount } => match seller {
                        Some(seller) => doc.refund_return(return_id, *amount, seller, e.now())?,
                        None => {
                            return Err(ReturnRefusal::NoReturn(return_id.clone()).into());
                        }
                    },
                };
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
