//! The payment gateway port (started here; the payment issue completes it with callbacks,
//! capture, void and refund).
//!
//! One trait fits the three families: a hosted-page gateway (CMI) answers [`PaymentStart::Redirect`]
//! and later notifies the merchant server to server; an API gateway may answer
//! [`PaymentStart::Completed`]; an offline method (cash on delivery, bank transfer) answers
//! [`PaymentStart::Instructions`] and is confirmed later by a carrier or an admin. The gateway
//! never decides a price: it is given the amount.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tijara_core::payment::PaymentMethod;
use tijara_core::{Lang, LocalizedText, Money, OrderId};

/// What a gateway can do, so the engine and the conformance kit know what applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCapabilities {
    /// The shopper is sent to a page hosted by the gateway.
    pub redirect: bool,
    /// Less than the authorized amount can be captured.
    pub partial_capture: bool,
    /// Part of a capture can be refunded.
    pub partial_refund: bool,
    /// An authorization can be voided.
    pub void: bool,
    /// Refunds go through the gateway's API (otherwise they are made by hand).
    pub refund_by_api: bool,
}

/// A request to start paying an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// The order.
    pub order_id: OrderId,
    /// Unique per attempt (CMI's `oid`).
    pub attempt_id: String,
    /// The amount to pay, computed by the engine.
    pub amount: Money,
    /// The shopper's e-mail.
    pub email: String,
    /// The shopper's name.
    pub name: String,
    /// The shopper's phone.
    pub phone: String,
    /// The shopper's language.
    pub lang: Lang,
}

/// How the shopper continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentStart {
    /// Send the browser to `url` with these form fields (POST).
    Redirect {
        /// The gateway's page.
        url: String,
        /// Form fields, in order.
        fields: Vec<(String, String)>,
    },
    /// Show these instructions (cash on delivery, bank transfer).
    Instructions {
        /// What to do.
        text: LocalizedText,
        /// The reference to quote (a transfer's reference).
        reference: String,
    },
    /// The gateway settled at once (a stub or an API gateway in auto-capture).
    Completed {
        /// The gateway's transaction reference.
        reference: String,
    },
}

/// Why a gateway call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// The gateway refused (card declined...): retrying the same call will not help.
    #[error("declined: {0}")]
    Declined(String),
    /// Timeout, 5xx, rate limit: retrying may help.
    #[error("gateway temporarily unavailable: {0}")]
    Temporary(String),
    /// This gateway does not do that.
    #[error("{0} is not supported by this gateway")]
    Unsupported(&'static str),
    /// Bad configuration (missing credentials...).
    #[error("gateway misconfigured: {0}")]
    Config(String),
}

impl GatewayError {
    /// True when retrying may help.
    pub fn is_temporary(&self) -> bool {
        matches!(self, GatewayError::Temporary(_))
    }
}

/// A payment gateway.
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// A short code that names this gateway in orders and logs (`cmi`, `cod`, `transfer`).
    fn code(&self) -> &str;

    /// The payment method it implements.
    fn method(&self) -> PaymentMethod;

    /// What it can do.
    fn capabilities(&self) -> PaymentCapabilities;

    /// Starts paying an order. MUST NOT mark anything paid: only a verified notification, or an
    /// admin/carrier confirmation for offline methods, does that.
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError>;
}
