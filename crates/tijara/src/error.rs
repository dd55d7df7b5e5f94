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
            TijaraError::Conflict { .. } => true,
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
