//! The payment gateway port.
//!
//! One trait fits the three families: a hosted-page gateway (CMI) answers [`PaymentStart::Redirect`]
//! and later notifies the merchant server to server; an API gateway may answer
//! [`PaymentStart::Completed`]; an offline method (cash on delivery, bank transfer) answers
//! [`PaymentStart::Instructions`] and is confirmed later by a carrier or an admin. The gateway
//! never decides a price: it is given the amount.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tijara_core::payment::PaymentEventKind;
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
    /// When the payment must be in, in the region's local time, for a method that holds the
    /// stock until then (a bank transfer: placed at, plus the region's `transfer_hold_hours`;
    /// unpaid by then, the order is cancelled); `None` for other methods.
    #[serde(default)]
    pub pay_by: Option<chrono::DateTime<chrono::FixedOffset>>,
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
    /// A notification whose signature does not verify, or that cannot be read.
    #[error("invalid notification: {0}")]
    Invalid(String),
}

impl GatewayError {
    /// True when retrying may help.
    pub fn is_temporary(&self) -> bool {
        matches!(self, GatewayError::Temporary(_))
    }
}

/// A server-to-server notification as received over HTTP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRequest {
    /// Form fields (`application/x-www-form-urlencoded`), in the order received.
    pub fields: Vec<(String, String)>,
    /// The raw body, for gateways that sign or send something else than a form.
    pub body: String,
    /// Request headers (lower-case names).
    pub headers: Vec<(String, String)>,
}

/// A notification the gateway verified (its signature holds) and read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedNotification {
    /// The payment attempt it is about (`PaymentRequest::attempt_id`).
    pub attempt_id: String,
    /// What happened.
    pub event: PaymentEventKind,
    /// The gateway's unique reference for this event (a transaction id).
    pub reference: String,
    /// The payload without secrets (card numbers masked, keys and hashes removed), kept in
    /// the order's audit trail.
    pub raw: serde_json::Value,
}

/// What the engine did with a notification, for the gateway to put in its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotificationVerdict {
    /// An approval was applied (or had been applied before): the order is paid.
    Approved,
    /// A decline was recorded (the order stays unpaid).
    Declined,
    /// Verified, but refused by the engine's rules (amount or order mismatch, a late decline
    /// after an approval...); recorded.
    Refused,
    /// The signature did not verify, or the notification could not be read.
    Invalid,
    /// A technical error (storage down...): the gateway should retry.
    Error,
}

/// The HTTP answer to a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationAnswer {
    /// Status code.
    pub status: u16,
    /// Content type.
    pub content_type: String,
    /// Body.
    pub body: String,
}

impl NotificationAnswer {
    /// A `text/plain` answer with status 200.
    pub fn text(body: impl Into<String>) -> Self {
        NotificationAnswer {
            status: 200,
            content_type: "text/plain; charset=utf-8".into(),
            body: body.into(),
        }
    }
}

/// An operation on a payment the gateway already knows (capture, void, refund).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOperation {
    /// The order.
    pub order_id: OrderId,
    /// The attempt that was approved (the gateway's order reference).
    pub attempt_id: String,
    /// The amount (capture and refund).
    pub amount: Option<Money>,
}

/// The gateway's answer to an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationResult {
    /// The gateway's transaction reference.
    pub reference: String,
    /// The raw answer without secrets.
    pub raw: serde_json::Value,
}

/// A payment gateway.
///
/// # Contract
/// - `start` MUST NOT mark anything paid.
/// - `verify_notification` MUST refuse ([`GatewayError::Invalid`]) anything whose signature
///   does not verify, compare signatures in constant time, and never return secrets in `raw`.
/// - `capture`, `void` and `refund` MUST answer [`GatewayError::Unsupported`] when the
///   corresponding capability is off.
/// - Amounts are [`Money`]: the gateway never decides a price.
///
/// `tijara-testkit`'s payment suite checks these rules and the engine's around them.
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

    /// Verifies a server-to-server notification and reads it. Offline methods have none and
    /// answer [`GatewayError::Unsupported`].
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError>;

    /// The answer the gateway expects for a notification, given what the engine did.
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer;

    /// Captures an authorized payment (capability `partial_capture` for less than authorized).
    async fn capture(&self, operation: &PaymentOperation) -> Result<OperationResult, GatewayError>;

    /// Voids an authorization (capability `void`).
    async fn void(&self, operation: &PaymentOperation) -> Result<OperationResult, GatewayError>;

    /// Refunds a captured payment through the gateway (capability `refund_by_api`).
    async fn refund(&self, operation: &PaymentOperation) -> Result<OperationResult, GatewayError>;
}
