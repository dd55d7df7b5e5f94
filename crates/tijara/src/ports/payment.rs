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
///
/// Build it from [`Default`] (everything off) and the `with_*` methods, so a capability added
/// later is not a breaking change:
///
/// ```
/// use tijara::ports::payment::PaymentCapabilities;
/// let caps = PaymentCapabilities::default()
///     .with_redirect(true)
///     .with_sale_only(true)
///     .with_refund_by_api(true);
/// assert!(caps.sale_only && !caps.partial_capture);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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
    /// The gateway only makes sales: its approval already moves the money (a
    /// [`PaymentEventKind::Captured`] notification, never `Authorized`), so there is nothing to
    /// capture. Its [`PaymentGateway::capture`] answers [`GatewayError::Unsupported`], and the
    /// engine refuses [`capture_payment`](crate::Payments::capture_payment) with
    /// [`TijaraError::CaptureUnsupported`](crate::TijaraError::CaptureUnsupported) before
    /// calling it. False (the default) for gateways that authorize first and capture later.
    /// Refunds and voids keep their own capabilities.
    #[serde(default)]
    pub sale_only: bool,
}

with_flags!(PaymentCapabilities {
    /// Sets [`PaymentCapabilities::redirect`].
    with_redirect => redirect,
    /// Sets [`PaymentCapabilities::partial_capture`].
    with_partial_capture => partial_capture,
    /// Sets [`PaymentCapabilities::partial_refund`].
    with_partial_refund => partial_refund,
    /// Sets [`PaymentCapabilities::void`].
    with_void => void,
    /// Sets [`PaymentCapabilities::refund_by_api`].
    with_refund_by_api => refund_by_api,
    /// Sets [`PaymentCapabilities::sale_only`].
    with_sale_only => sale_only,
});

/// A request to start paying an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentRequest {
    /// The order.
    pub order_id: OrderId,
    /// Unique per attempt (CMI's `oid`), spelled `{order_id}-{n}`: the order id, a hyphen, and
    /// the attempt number `n` (1, 2, ...) in canonical decimal digits (no sign, no leading
    /// zero). The engine finds the order and the attempt of a notification by parsing it, and
    /// refuses any other spelling (`ord_x-01` is not attempt 1).
    ///
    /// A gateway MUST send it to its provider and report it back
    /// ([`VerifiedNotification::attempt_id`]) verbatim, byte for byte. It MUST NOT re-format,
    /// truncate, pad or re-case it, nor derive its own id from it and report that instead; a
    /// provider that cannot carry it as given (a length or character limit) needs a mapping
    /// kept by the adapter, which reports the original back. It is not secret, and it is not a
    /// signature: anyone who sees a payment page sees it.
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
    /// The order's human number (`DAK-2026-483920`), the reference a shopper writes on a bank
    /// transfer; `None` for orders placed before numbers existed.
    #[serde(default)]
    pub order_number: Option<tijara_core::order::OrderNumber>,
}

impl PaymentRequest {
    /// A request for `amount` on attempt `attempt_id` (see [`PaymentRequest::attempt_id`]) of
    /// an order, in `lang`; no shopper details (see [`PaymentRequest::with_shopper`]), no
    /// deadline.
    pub fn new(
        order_id: OrderId,
        attempt_id: impl Into<String>,
        amount: Money,
        lang: Lang,
    ) -> Self {
        PaymentRequest {
            order_id,
            attempt_id: attempt_id.into(),
            amount,
            email: String::new(),
            name: String::new(),
            phone: String::new(),
            lang,
            pay_by: None,
            order_number: None,
        }
    }

    /// With the shopper's e-mail, name and phone.
    #[must_use]
    pub fn with_shopper(
        mut self,
        email: impl Into<String>,
        name: impl Into<String>,
        phone: impl Into<String>,
    ) -> Self {
        self.email = email.into();
        self.name = name.into();
        self.phone = phone.into();
        self
    }

    /// With the moment the payment must be in ([`PaymentRequest::pay_by`]).
    #[must_use]
    pub fn with_pay_by(mut self, pay_by: chrono::DateTime<chrono::FixedOffset>) -> Self {
        self.pay_by = Some(pay_by);
        self
    }

    /// With the order's human number ([`PaymentRequest::order_number`]).
    #[must_use]
    pub fn with_order_number(mut self, number: tijara_core::order::OrderNumber) -> Self {
        self.order_number = Some(number);
        self
    }
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
    /// The gateway settled at once (a stub or an API gateway in auto-capture). The engine
    /// does not apply it: the gateway still reports the approval by a notification, with the
    /// same transaction reference.
    Completed {
        /// The gateway's transaction reference (its [`VerifiedNotification::reference`]).
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
///
/// ```
/// use tijara::ports::payment::NotificationRequest;
/// let n = NotificationRequest::form(vec![("oid".into(), "ord_1-1".into())])
///     .with_header("x-forwarded-for", "203.0.113.7");
/// assert_eq!(n.fields.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NotificationRequest {
    /// Form fields (`application/x-www-form-urlencoded`), in the order received.
    pub fields: Vec<(String, String)>,
    /// The raw body, for gateways that sign or send something else than a form.
    pub body: String,
    /// Request headers (lower-case names).
    pub headers: Vec<(String, String)>,
}

impl NotificationRequest {
    /// A form post with these fields (no raw body, no headers).
    pub fn form(fields: Vec<(String, String)>) -> Self {
        NotificationRequest {
            fields,
            ..NotificationRequest::default()
        }
    }

    /// A request with this raw body (no form fields, no headers).
    pub fn raw(body: impl Into<String>) -> Self {
        NotificationRequest {
            body: body.into(),
            ..NotificationRequest::default()
        }
    }

    /// With the raw body too.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    /// With one more header (give the name in lower case).
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// With these headers, replacing any given before (lower-case names).
    #[must_use]
    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.headers = headers;
        self
    }
}

/// A notification the gateway verified (its signature holds) and read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifiedNotification {
    /// The payment attempt it is about: [`PaymentRequest::attempt_id`], verbatim.
    pub attempt_id: String,
    /// What happened.
    pub event: PaymentEventKind,
    /// The gateway's own unique reference for this event (its transaction id: CMI's
    /// `TransId`). The engine applies an event at most once per reference, logs it in the
    /// order's payment log, and gives it back in [`PaymentOperation::transaction_reference`]
    /// when it later captures, voids or refunds that approval.
    pub reference: String,
    /// The payload without secrets (card numbers masked, keys and hashes removed), kept in
    /// the order's audit trail.
    pub raw: serde_json::Value,
}

impl VerifiedNotification {
    /// A verified `event` of attempt `attempt_id`, with the gateway's `reference`; an empty
    /// `raw` payload (see [`VerifiedNotification::with_raw`]).
    pub fn new(
        attempt_id: impl Into<String>,
        event: PaymentEventKind,
        reference: impl Into<String>,
    ) -> Self {
        VerifiedNotification {
            attempt_id: attempt_id.into(),
            event,
            reference: reference.into(),
            raw: serde_json::Value::Object(serde_json::Map::new()),
        }
    }

    /// With the payload kept in the audit trail (without secrets).
    #[must_use]
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
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
#[non_exhaustive]
pub struct NotificationAnswer {
    /// Status code.
    pub status: u16,
    /// Content type.
    pub content_type: String,
    /// Body.
    pub body: String,
}

impl NotificationAnswer {
    /// An answer with this status, content type and body.
    pub fn new(status: u16, content_type: impl Into<String>, body: impl Into<String>) -> Self {
        NotificationAnswer {
            status,
            content_type: content_type.into(),
            body: body.into(),
        }
    }

    /// A `text/plain` answer with status 200.
    pub fn text(body: impl Into<String>) -> Self {
        NotificationAnswer::new(200, "text/plain; charset=utf-8", body)
    }

    /// The same answer with another status code.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
}

/// An operation on a payment the gateway already knows (capture, void, refund).
///
/// ```
/// use tijara::ports::payment::PaymentOperation;
/// use tijara_core::{Money, OrderId};
/// let op = PaymentOperation::new(OrderId::new("ord_1").unwrap(), "ord_1-1")
///     .with_amount(Money::mad("240.00").unwrap())
///     .with_transaction_reference("T1");
/// assert_eq!(op.transaction_reference.as_deref(), Some("T1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentOperation {
    /// The order.
    pub order_id: OrderId,
    /// The attempt that was approved (the gateway's order reference): a
    /// [`PaymentRequest::attempt_id`] this gateway was given and reported back.
    pub attempt_id: String,
    /// The amount (capture and refund).
    pub amount: Option<Money>,
    /// The gateway's own transaction reference for the approval being operated on: the
    /// [`VerifiedNotification::reference`] of the approval the engine applied (CMI's
    /// `TransId`), or, once the engine captured through the gateway, the capture's
    /// [`OperationResult::reference`] (the latest approval wins). `None` when the approval was
    /// not reported by the gateway (recorded by hand) or the attempt has none yet.
    #[serde(default)]
    pub transaction_reference: Option<String>,
}

impl PaymentOperation {
    /// An operation on attempt `attempt_id` of an order, for no particular amount and without
    /// a transaction reference.
    pub fn new(order_id: OrderId, attempt_id: impl Into<String>) -> Self {
        PaymentOperation {
            order_id,
            attempt_id: attempt_id.into(),
            amount: None,
            transaction_reference: None,
        }
    }

    /// For this amount (capture and refund).
    #[must_use]
    pub fn with_amount(mut self, amount: Money) -> Self {
        self.amount = Some(amount);
        self
    }

    /// With the gateway's transaction reference of the approval.
    #[must_use]
    pub fn with_transaction_reference(mut self, reference: impl Into<String>) -> Self {
        self.transaction_reference = Some(reference.into());
        self
    }
}

/// The gateway's answer to an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OperationResult {
    /// The gateway's transaction reference.
    pub reference: String,
    /// The raw answer without secrets.
    pub raw: serde_json::Value,
}

impl OperationResult {
    /// A result with the gateway's reference; an empty `raw` answer (see
    /// [`OperationResult::with_raw`]).
    pub fn new(reference: impl Into<String>) -> Self {
        OperationResult {
            reference: reference.into(),
            raw: serde_json::Value::Object(serde_json::Map::new()),
        }
    }

    /// With the raw answer (without secrets), kept in the order's audit trail.
    #[must_use]
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
}

/// A payment gateway.
///
/// # Contract
/// - `start` MUST NOT mark anything paid.
/// - `verify_notification` MUST refuse ([`GatewayError::Invalid`]) anything whose signature
///   does not verify, compare signatures in constant time, and never return secrets in `raw`.
/// - `capture`, `void` and `refund` MUST answer [`GatewayError::Unsupported`] when the
///   corresponding capability is off (`capture`: when [`PaymentCapabilities::sale_only`] is on,
///   or the gateway has no API).
/// - [`PaymentRequest::attempt_id`] goes to the provider and comes back verbatim.
/// - Amounts are [`Money`]: the gateway never decides a price.
/// - Errors: [`GatewayError::Temporary`] only when retrying the same call may help (the
///   engine and the provider then retry); [`GatewayError::Declined`] for a final refusal;
///   [`GatewayError::Config`] for the embedder to fix.
///
/// `tijara-testkit`'s payment suite ([`payment_conformance!`][pc]) checks these rules and the
/// engine's around them; each method's section names the check.
///
/// [pc]: https://docs.rs/tijara-testkit/latest/tijara_testkit/macro.payment_conformance.html
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// A short code that names this gateway in orders and logs (`cmi`, `cod`, `transfer`).
    ///
    /// # Contract
    /// The same code for the life of the gateway, unique among the engine's gateways: orders
    /// store it, and notifications are routed and checked by it.
    fn code(&self) -> &str;

    /// The payment method it implements.
    ///
    /// # Contract
    /// Constant. The engine confirms a [`PaymentMethod::CashOnDelivery`] order at once, and
    /// holds a bank transfer's stock until [`PaymentRequest::pay_by`] (checked by
    /// `tijara_testkit::payment::starting_never_pays`).
    fn method(&self) -> PaymentMethod;

    /// What it can do.
    ///
    /// # Contract
    /// Constant for the life of the gateway (it may depend on its configuration: CMI without
    /// API credentials has no capture). Every operation outside it answers
    /// [`GatewayError::Unsupported`] (checked by
    /// `tijara_testkit::payment::refunds_are_bounded_and_capabilities_honoured` and
    /// `tijara_testkit::payment::sale_only_gateways_never_capture`).
    fn capabilities(&self) -> PaymentCapabilities;

    /// Starts paying an order.
    ///
    /// # Contract
    /// - The engine calls it once per attempt, with a new [`PaymentRequest::attempt_id`] and
    ///   the amount it computed; a repeat (same idempotency key) may call it again with the
    ///   same attempt id, which must start the same attempt, not a second payment.
    /// - MUST NOT mark anything paid, nor report an approval by any other way than a
    ///   notification: only a verified notification (or an admin/carrier confirmation for
    ///   offline methods) does that (`tijara_testkit::payment::starting_never_pays`).
    /// - A redirect gateway ([`PaymentCapabilities::redirect`]) answers
    ///   [`PaymentStart::Redirect`] (same check).
    /// - Errors: [`GatewayError::Config`] for an amount it cannot charge (another currency),
    ///   [`GatewayError::Temporary`] when its provider is down.
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError>;

    /// Verifies a server-to-server notification and reads it.
    ///
    /// # Contract
    /// - MUST be free of side effects: no call to the provider, no money moved; the same
    ///   request verified twice reads the same
    ///   (`tijara_testkit::payment::verification_has_no_side_effects`).
    /// - MUST answer [`GatewayError::Invalid`] when the signature does not verify (every
    ///   signed part checked, signatures compared in constant time) or the request cannot be
    ///   read (`tijara_testkit::payment::forged_notifications_change_nothing`);
    ///   [`GatewayError::Temporary`] only if verifying needs a service that is down.
    /// - Reports [`PaymentRequest::attempt_id`] verbatim, the amount the provider says moved
    ///   (never the one asked), and its own transaction id as
    ///   [`VerifiedNotification::reference`], unique per event: the engine applies each
    ///   reference once (`tijara_testkit::payment::valid_notification_is_applied_once`) and
    ///   hands it back in [`PaymentOperation::transaction_reference`]
    ///   (`tijara_testkit::payment::operations_carry_the_transaction_reference`).
    /// - A sale-only gateway reports an approval as [`PaymentEventKind::Captured`]
    ///   (`tijara_testkit::payment::sale_only_gateways_never_capture`).
    /// - `raw` holds no secret (card number, key, hash).
    /// - Offline methods have no notifications and answer [`GatewayError::Unsupported`].
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError>;

    /// The answer the gateway expects for a notification, given what the engine did.
    ///
    /// # Contract
    /// Pure: the same verdict gives the same answer (the engine answers duplicates with it,
    /// checked by `tijara_testkit::payment::valid_notification_is_applied_once`). For
    /// [`NotificationVerdict::Error`] it should make the provider retry.
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer;

    /// Captures an authorized payment.
    ///
    /// # Contract
    /// - The engine calls it only for an authorized order of this gateway, never for a
    ///   sale-only gateway, with the amount to capture (less than authorized only with
    ///   [`PaymentCapabilities::partial_capture`]) and the approval's
    ///   [`PaymentOperation::transaction_reference`]; one call per idempotency key.
    /// - MUST answer [`GatewayError::Unsupported`] without calling the provider when it cannot
    ///   capture (no API, or [`PaymentCapabilities::sale_only`]):
    ///   `tijara_testkit::payment::refunds_are_bounded_and_capabilities_honoured`,
    ///   `tijara_testkit::payment::sale_only_gateways_never_capture`.
    /// - A provider's refusal is [`GatewayError::Declined`]; a timeout is
    ///   [`GatewayError::Temporary`] (the engine records nothing and the call may be retried,
    ///   so a provider that cannot capture twice must refuse the second).
    async fn capture(&self, operation: &PaymentOperation) -> Result<OperationResult, GatewayError>;

    /// Voids an authorization.
    ///
    /// # Contract
    /// Called only for an approved, uncaptured order of this gateway, with the approval's
    /// [`PaymentOperation::transaction_reference`]. MUST answer [`GatewayError::Unsupported`]
    /// without [`PaymentCapabilities::void`]
    /// (`tijara_testkit::payment::refunds_are_bounded_and_capabilities_honoured`); errors as
    /// for [`PaymentGateway::capture`].
    async fn void(&self, operation: &PaymentOperation) -> Result<OperationResult, GatewayError>;

    /// Refunds a captured payment through the gateway.
    ///
    /// # Contract
    /// - Called only with [`PaymentCapabilities::refund_by_api`], for an amount the engine
    ///   checked (never more than received, part of it only with
    ///   [`PaymentCapabilities::partial_refund`]), with the latest approval's
    ///   [`PaymentOperation::transaction_reference`]
    ///   (`tijara_testkit::payment::operations_carry_the_transaction_reference`).
    /// - MUST answer [`GatewayError::Unsupported`] without the capability
    ///   (`tijara_testkit::payment::refunds_are_bounded_and_capabilities_honoured`); errors as
    ///   for [`PaymentGateway::capture`].
    async fn refund(&self, operation: &PaymentOperation) -> Result<OperationResult, GatewayError>;
}
