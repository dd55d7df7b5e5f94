//! The engine's side of the order aggregate ([`tijara_core::order_record`]): load an order,
//! apply one of its rules, commit the document with the events and stock moves the rule
//! returned, in one changeset; retried from a fresh load when another process wrote the order
//! in between.

use crate::docs::OrderDoc;
use crate::engine::{IdempotencyKey, Loaded, Tijara};
use crate::error::{Part, TijaraError};
use crate::ports::storage::{Changeset, DocKind, StockOp};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tijara_core::order_record::{
    CancelError, PaymentRefusal, ReturnRefusal, ShippingError, StockMove,
};
use tijara_core::{DomainEvent, OrderId};

/// What a rule applied to an order gives back: the caller's answer, and what to commit with
/// the document.
#[derive(Debug)]
pub(crate) struct Applied<T> {
    /// The answer of the use case.
    pub(crate) answer: T,
    /// False when the document did not change: nothing is written.
    pub(crate) changed: bool,
    /// Events, in order.
    pub(crate) events: Vec<DomainEvent>,
    /// Stock moves.
    pub(crate) stock: Vec<StockMove>,
}

impl<T> Applied<T> {
    /// The document changed, with these events.
    pub(crate) fn new(answer: T, events: Vec<DomainEvent>) -> Self {
        Applied {
            answer,
            changed: true,
            events,
            stock: Vec::new(),
        }
    }

    /// Nothing changed: nothing is written.
    pub(crate) fn unchanged(answer: T) -> Self {
        Applied {
            answer,
            changed: false,
            events: Vec::new(),
            stock: Vec::new(),
        }
    }

    /// With these stock moves.
    pub(crate) fn stock(mut self, stock: Vec<StockMove>) -> Self {
        self.stock.extend(stock);
        self
    }
}

/// The storage operation of a stock move.
pub(crate) fn stock_op(m: StockMove) -> StockOp {
    match m {
        StockMove::Commit(reservation) => StockOp::Commit { reservation },
        StockMove::Release(reservation) => StockOp::Release { reservation },
        StockMove::Restock { variant, quantity } => StockOp::Adjust {
            variant,
            delta: i64::from(quantity),
        },
    }
}

impl Tijara {
    /// Loads order `id`, applies `rule` to it, and commits the document with what the rule
    /// returned (events to the outbox, stock moves) in one changeset, under `scope` with the
    /// optional idempotency `key` for `input`. On a version conflict the order is loaded again
    /// and `rule` applied again (see [`Tijara::mutate`]). A rule answering
    /// [`Applied::unchanged`] writes nothing.
    pub(crate) async fn update_order<I, T, F>(
        &self,
        scope: &str,
        key: Option<&IdempotencyKey>,
        input: &I,
        id: &OrderId,
        rule: F,
    ) -> Result<T, TijaraError>
    where
        I: Serialize,
        T: Serialize + DeserializeOwned,
        F: Fn(&mut OrderDoc) -> Result<Applied<T>, TijaraError> + Sync,
    {
        let rule = &rule;
        self.mutate(scope, key, input, || async move {
            let Loaded {
                value: mut doc,
                version,
            } = self.load::<OrderDoc>(DocKind::Order, id.as_str()).await?;
            let applied = rule(&mut doc)?;
            self.order_applied(&doc, version, applied)
        })
        .await
    }

    /// The changeset of a rule applied to `doc` (loaded at `version`): the document first, its
    /// events, its stock moves. Nothing when the rule changed nothing.
    pub(crate) fn order_applied<T>(
        &self,
        doc: &OrderDoc,
        version: u64,
        applied: Applied<T>,
    ) -> Result<(T, Changeset), TijaraError> {
        if !applied.changed {
            return Ok((applied.answer, Changeset::default()));
        }
        let events = applied
            .events
            .iter()
            .map(crate::engine::outbox)
            .collect::<Result<Vec<_>, _>>()?;
        let mut changes = self.order_change(doc, version, events)?;
        changes.stock = applied.stock.into_iter().map(stock_op).collect();
        Ok((applied.answer, changes))
    }
}

impl From<ShippingError> for TijaraError {
    fn from(e: ShippingError) -> Self {
        match e {
            ShippingError::Order(e) => TijaraError::Order(e),
            ShippingError::Payment(e) => TijaraError::Payment(e),
            ShippingError::Settlement(e) => TijaraError::Payout(e),
            ShippingError::TrackingNumberTaken { number }
            | ShippingError::NumberShared { number } => TijaraError::TrackingNumberTaken { number },
            ShippingError::NoShipment(id) => TijaraError::PartNotFound {
                part: Part::Shipment,
                id: id.to_string(),
            },
            ShippingError::UnknownTrackingNumber(number) => TijaraError::PartNotFound {
                part: Part::TrackingNumber,
                id: number,
            },
            ShippingError::NotShipped(part) => TijaraError::NotShipped { part },
            ShippingError::Return(e) => TijaraError::Return(e),
            ShippingError::Id(e) => TijaraError::Id(e),
            // A refusal a newer core adds: its text is kept.
            e => TijaraError::NotAllowed {
                reason: e.to_string(),
            },
        }
    }
}

impl From<ReturnRefusal> for TijaraError {
    fn from(e: ReturnRefusal) -> Self {
        match e {
            ReturnRefusal::Order(e) => TijaraError::Order(e),
            ReturnRefusal::Return(e) => TijaraError::Return(e),
            ReturnRefusal::Payment(e) => TijaraError::Payment(e),
            ReturnRefusal::Settlement(e) => TijaraError::Payout(e),
            ReturnRefusal::NoReturn(id) => TijaraError::PartNotFound {
                part: Part::Return,
                id: id.to_string(),
            },
            e => TijaraError::NotAllowed {
                reason: e.to_string(),
            },
        }
    }
}

impl From<CancelError> for TijaraError {
    fn from(e: CancelError) -> Self {
        match e {
            CancelError::Order(e) => TijaraError::Order(e),
            CancelError::Payment(e) => TijaraError::Payment(e),
            e => TijaraError::NotAllowed {
                reason: e.to_string(),
            },
        }
    }
}

impl From<PaymentRefusal> for TijaraError {
    fn from(e: PaymentRefusal) -> Self {
        match e {
            PaymentRefusal::Payment(e) => TijaraError::Payment(e),
            PaymentRefusal::Settlement(e) => TijaraError::Payout(e),
            e => TijaraError::NotAllowed {
                reason: e.to_string(),
            },
        }
    }
}
