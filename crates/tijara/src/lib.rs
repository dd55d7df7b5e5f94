#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod docs;
mod engine;
mod error;
mod observe;
pub mod ports;
pub mod prelude;
pub mod region_file;
mod support;
pub mod usecases;

pub use engine::{BuildError, EngineConfig, IdempotencyKey, Tijara, TijaraBuilder};
pub use error::{LinkProblem, LinkPurpose, Part, TijaraError};
pub use tijara_core as core;
#[cfg(feature = "accounts")]
pub use usecases::accounts::Sessions;
pub use usecases::{
    accounts::Accounts,
    cart::Carts,
    catalog::Catalog,
    checkout::Checkout,
    dashboard::Dashboard,
    fulfillment::Fulfillment,
    maintenance::{Operations, Retention},
    payments::Payments,
    payouts::Payouts,
    returns::Orders,
};

/// The attribute the port traits are written with (`#[tijara::async_trait]` on an adapter's
/// `impl`), re-exported so adapters use the engine's version; also in [`prelude`].
pub use async_trait::async_trait;
