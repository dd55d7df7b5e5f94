//! The use cases, as methods of [`crate::Tijara`].

pub mod accounts;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod dashboard;
pub mod fulfillment;
pub mod invoices;
pub mod maintenance;
mod order_update;
pub mod payments;
pub mod payouts;
pub mod returns;
pub mod tracking;
