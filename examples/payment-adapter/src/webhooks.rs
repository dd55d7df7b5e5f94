//! PayDemo's JSON webhooks: the same gateway notifying with a JSON body whose signature travels
//! in a header, as most modern gateways do — the model for a header-signed adapter.
//!
//! The request carries `x-paydemo-timestamp` and `x-paydemo-signature`, the hex HMAC-SHA256
//! of `timestamp`, `.`, then the raw body, under the shared secret. Nothing in the body is a
//! signature, so the conformance harness says where it lives
//! (`SignatureLocation::Header("x-paydemo-signature")`, the timestamp among the signed
//! headers) and the suite forges the body, the timestamp and the signature, and removes it.

use crate::PayDemo;
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use tijara::ports::payment::*;
use tijara::usecases::payments::PaymentEventKind;
use tijara_core::payment::PaymentMethod;
use tijara_core::{Currency, Money};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-paydemo-signature";
/// The timestamp header (signed with the body).
pub const TIMESTAMP_HEADER: &str = "x-paydemo-timestamp";

/// PayDemo with JSON webhooks signed in a header.
#[derive(Debug, Clone)]
pub struct PayDemoWebhooks {
    demo: PayDemo,
}

#[derive(Deserialize)]
struct Webhook {
    reference: String,
    amount: String,
    currency: String,
    status: String,
    transaction: String,
}

fn header<'a>(request: &'a NotificationRequest, name: &str) -> Result<&'a str, GatewayError> {
    request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| GatewayError::Invalid(format!("no {name} header")))
}

impl PayDemoWebhooks {
    /// The webhook flavour of `demo` (same page, same secret).
    pub fn new(demo: PayDemo) -> Self {
        PayDemoWebhooks { demo }
    }

    fn mac(&self, timestamp: &str, body: &str) -> Result<Hmac<Sha256>, GatewayError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.demo.secret)
            .map_err(|e| GatewayError::Config(e.to_string()))?;
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        Ok(mac)
    }

    /// The headers PayDemo sends with `body` at `timestamp` (used by tests and by PayDemo's
    /// own servers).
    pub fn sign(&self, timestamp: &str, body: &str) -> Result<Vec<(String, String)>, GatewayError> {
        let signature = hex::encode(self.mac(timestamp, body)?.finalize().into_bytes());
        Ok(vec![
            ("content-type".into(), "application/json".into()),
            (TIMESTAMP_HEADER.into(), timestamp.to_owned()),
            (SIGNATURE_HEADER.into(), signature),
        ])
    }
}

#[async_trait]
impl PaymentGateway for PayDemoWebhooks {
    fn code(&self) -> &str {
        "paydemo-webhooks"
    }
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Card
    }
    fn capabilities(&self) -> PaymentCapabilities {
        self.demo.capabilities()
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        self.demo.start(request).await
    }
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        // Verify first, over the raw body exactly as received; read it only once it holds.
        let timestamp = header(request, TIMESTAMP_HEADER)?;
        let signature = hex::decode(header(request, SIGNATURE_HEADER)?)
            .map_err(|_| GatewayError::Invalid("bad signature".into()))?;
        // `verify_slice` compares in constant time.
        self.mac(timestamp, &request.body)?
            .verify_slice(&signature)
            .map_err(|_| GatewayError::Invalid("bad signature".into()))?;
        let hook: Webhook = serde_json::from_str(&request.body)
            .map_err(|e| GatewayError::Invalid(format!("unreadable webhook: {e}")))?;
        let currency = Currency::from_code(&hook.currency)
            .map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let amount = Money::parse(&hook.amount, currency)
            .map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let event = match hook.status.as_str() {
            "paid" => PaymentEventKind::Captured { amount },
            "refused" => PaymentEventKind::Declined {
                reason: "refused by PayDemo".into(),
            },
            other => return Err(GatewayError::Invalid(format!("unknown status {other}"))),
        };
        let raw = serde_json::json!({"status": hook.status, "amount": hook.amount});
        Ok(VerifiedNotification::new(hook.reference, event, hook.transaction).with_raw(raw))
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        self.demo.answer(verdict)
    }
    async fn capture(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.demo.capture(op).await
    }
    async fn void(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.demo.void(op).await
    }
    async fn refund(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.demo.refund(op).await
    }
}
