#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bank;
pub mod cart;
pub mod catalog;
mod currency;
pub use catalog::customs;
pub mod digits;
mod display;
pub mod events;
pub mod fulfillment;
pub mod i18n;
pub mod ids;
pub mod inventory;
mod money;
pub mod onboarding;
pub mod order;
pub mod order_record;
pub mod payment;
pub mod payout;
pub mod pricing;
pub mod promotion;
mod rate;
pub mod region;
pub mod returns;
pub mod search;
pub mod state;
pub mod statement;
pub mod tax;
#[cfg(test)]
mod testing;
mod text_serde;

pub use currency::{Currency, UnknownCurrency};
pub use events::DomainEvent;
pub use i18n::{Direction, Lang, LangError, LanguageInfo, LocalizedText, UnknownLang};
pub use ids::{
    CartId, CategoryId, CustomerId, IdError, MemberId, OrderId, ProductId, PromotionId,
    ReservationId, ReturnId, SellerId, SellerOrderId, ShipmentId, TaxCategoryId, VariantId,
};
pub use money::{Money, MoneyError, ROUNDING};
pub use rate::{Rate, RateError};
pub use region::Region;

/// Re-exported so embedders use the same time types as the core.
pub use chrono;
/// Re-exported so embedders use the same decimal type as the core.
pub use rust_decimal::Decimal;
