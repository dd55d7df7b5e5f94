//! The engine's error type.

use crate::ports::carrier::CarrierError;
use crate::ports::payment::GatewayError;
use crate::ports::storage::{DocKind, StorageError};
use tijara_core::VariantId;
use tijara_core::cart::CartError;
use tijara_core::catalog::ValidationError;
use tijara_core::order::OrderError;
use tijara_core::payment::PaymentError;
use tijara_core::payout::PayoutError;
use tijara_core::pricing::PricingError;
use tijara_core::returns::ReturnError;

/// Why a use case failed. Every variant says whether retrying can help ([`TijaraError::is_temporary`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TijaraError {
    /// No such thing.
    #[error("{kind} {id} not found")]
    NotFound {
        /// What was looked for.
        kind: DocKind,
        /// Its id.
        id: String,
    },
    /// Bad input, with the reason.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The catalog data is invalid.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A cart rule refused.
    #[error(transparent)]
    Cart(#[from] CartError),
    /// Pricing failed.
    #[error(transparent)]
    Pricing(#[from] PricingError),
    /// An order rule refused.
    #[error(transparent)]
    Order(#[from] OrderError),
    /// A payment rule refused.
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// A return rule refused.
    #[error(transparent)]
    Return(#[from] ReturnError),
    /// A payout rule refused.
    #[error(transparent)]
    Payout(#[from] PayoutError),
    /// The checkout lacks something (shipping, address...).
    #[error("checkout incomplete: {0}")]
    CheckoutIncomplete(String),
    /// Not enough stock.
    #[error("only {available} of variant {variant} available, {requested} requested")]
    OutOfStock {
        /// The variant.
        variant: VariantId,
        /// Units asked.
        requested: u32,
        /// Units available.
        available: u32,
    },
    /// The idempotency key was used before with another input.
    #[error("idempotency key {key:?} was already used with a different request")]
    IdempotencyMismatch {
        /// The key.
        key: String,
    },
    /// Concurrent changes kept conflicting after every retry.
    #[error("{kind} {id} kept changing concurrently; try again")]
    Conflict {
        /// Kind.
        kind: DocKind,
        /// Id.
        id: String,
    },
    /// A payment gateway failed.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// A carrier failed.
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    /// No gateway or carrier with this code is configured.
    #[error("no {what} named {code:?} is configured")]
    NotConfigured {
        /// `payment gateway` or `carrier`.
        what: &'static str,
        /// The code asked for.
        code: String,
    },
    /// The storage failed.
    #[error(transparent)]
    Storage(StorageError),
    /// A stored document could not be read back.
    #[error("stored {kind} {id} is unreadable: {reason}")]
    Corrupt {
        /// Kind.
        kind: DocKind,
        /// Id.
        id: String,
        /// The decoding error.
        reason: String,
    },
    /// No event sink is configured.
    #[error("no event sink is configured")]
    NoEventSink,
    /// Another call with this idempotency key is still in progress (it reaches a gateway or
    /// carrier); its answer was not ready within the wait. Retrying later gets that answer.
    #[error("a request with idempotency key {key:?} is still in progress; retry shortly")]
    IdempotencyInProgress {
        /// The key.
        key: String,
    },
    /// The tracking number is already used by another shipment (of this order or another):
    /// type the number printed on this parcel's label.
    #[error("tracking number {number:?} is already used by another shipment")]
    TrackingNumberTaken {
        /// The number refused.
        number: String,
    },
    /// The caller may not make this change: a seller acting on another seller's part, or
    /// beyond what a seller may do (a return to sender, another carrier than the shopper's).
    #[error("not allowed: {reason}")]
    NotAllowed {
        /// What was refused.
        reason: String,
    },
    /// Too many failed logins for this account from this address (or from this address, or
    /// for this account from everywhere): the next try is allowed after the delay.
    #[error("too many failed logins; try again in {retry_after_secs} s")]
    LoginThrottled {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// Wrong e-mail or password (the same answer for an unknown e-mail).
    #[error("wrong e-mail or password")]
    BadCredentials,
    /// Every password-hashing slot of this process is taken; try again shortly.
    #[error("too busy; try again in {retry_after_secs} s")]
    Busy {
        /// Seconds to wait before trying again.
        retry_after_secs: u64,
    },
    /// The seller is not approved (yet) by the marketplace for this.
    #[error("seller {0} is not approved yet")]
    SellerNotApproved(tijara_core::SellerId),
    /// Too many orders awaiting payment for this e-mail or client address: pay or cancel one,
    /// or wait (see `EngineConfig::max_unpaid_per_email`).
    #[error("too many unpaid orders for this {per} (at most {limit}): pay one or try again later")]
    TooManyUnpaidOrders {
        /// `e-mail` or `client address`.
        per: &'static str,
        /// The limit.
        limit: u32,
    },
}

impl TijaraError {
    /// True when retrying the same call may succeed.
    pub fn is_temporary(&self) -> bool {
        match self {
            TijaraError::Conflict { .. }
            | TijaraError::IdempotencyInProgress { .. }
            | TijaraError::Busy { .. } => true,
            TijaraError::Storage(e) => e.is_temporary(),
            TijaraError::Gateway(e) => e.is_temporary(),
            TijaraError::Carrier(e) => e.is_temporary(),
            _ => false,
        }
    }
}

impl From<StorageError> for TijaraError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::OutOfStock {
                variant,
                requested,
                available,
            } => TijaraError::OutOfStock {
                variant,
                requested,
                available,
            },
            StorageError::IdempotencyMismatch { key, .. } => {
                TijaraError::IdempotencyMismatch { key }
            }
            StorageError::Conflict { kind, id } => TijaraError::Conflict { kind, id },
            other => TijaraError::Storage(other),
        }
    }
}

impl From<tijara_core::MoneyError> for TijaraError {
    fn from(e: tijara_core::MoneyError) -> Self {
        TijaraError::Invalid(e.to_string())
    }
}
