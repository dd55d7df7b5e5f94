//! "PayDemo": a small, complete payment gateway adapter for Tijara — the model that
//! `docs/payment-adapters.md` walks through.
//!
//! PayDemo is an imaginary hosted-page gateway: the shopper is redirected to its page with the
//! order's reference and amount; it then posts a form notification to the merchant, signed with
//! HMAC-SHA256 over the fields (sorted by name) under a shared secret, in the `signature`
//! field. It has no API: captures happen on approval, refunds are made by hand.
//!
//! [`webhooks::PayDemoWebhooks`] is the same gateway notifying with JSON bodies signed in a
//! header: the model for a header-signed adapter.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tijara::ports::payment::*;
use tijara::usecases::payments::PaymentEventKind;
use tijara_core::payment::PaymentMethod;
use tijara_core::{Currency, Money};

pub mod webhooks;

/// The PayDemo gateway.
#[derive(Clone)]
pub struct PayDemo {
    page_url: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for PayDemo {
    // The secret never appears in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayDemo")
            .field("page_url", &self.page_url)
            .finish_non_exhaustive()
    }
}

impl PayDemo {
    /// A gateway posting shoppers to `page_url`, verifying with `secret`.
    pub fn new(page_url: &str, secret: &[u8]) -> Result<Self, GatewayError> {
        if secret.len() < 16 {
            return Err(GatewayError::Config(
                "the shared secret must be at least 16 bytes".into(),
            ));
        }
        Ok(PayDemo {
            page_url: page_url.to_owned(),
            secret: secret.to_vec(),
        })
    }

    fn mac(&self, fields: &[(String, String)]) -> Result<Hmac<Sha256>, GatewayError> {
        let mut sorted: Vec<&(String, String)> =
            fields.iter().filter(|(k, _)| k != "signature").collect();
        sorted.sort();
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret)
            .map_err(|e| GatewayError::Config(e.to_string()))?;
        for (k, v) in sorted {
            mac.update(k.as_bytes());
            mac.update(b"=");
            mac.update(v.as_bytes());
            mac.update(b"\n");
        }
        Ok(mac)
    }

    /// Signs fields the way PayDemo does (used by tests and by PayDemo's own page).
    pub fn sign(
        &self,
        mut fields: Vec<(String, String)>,
    ) -> Result<Vec<(String, String)>, GatewayError> {
        fields.retain(|(k, _)| k != "signature");
        let sig = hex::encode(self.mac(&fields)?.finalize().into_bytes());
        fields.push(("signature".into(), sig));
        Ok(fields)
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Result<&'a str, GatewayError> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| GatewayError::Invalid(format!("missing {name}")))
}

#[async_trait]
impl PaymentGateway for PayDemo {
    fn code(&self) -> &str {
        "paydemo"
    }
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Card
    }
    fn capabilities(&self) -> PaymentCapabilities {
        // A PayDemo payment is a sale: "paid" means the money moved, there is no capture.
        PaymentCapabilities::default()
            .with_redirect(true)
            .with_sale_only(true)
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        let fields = vec![
            ("reference".to_owned(), request.attempt_id.clone()),
            ("amount".to_owned(), request.amount.amount().to_string()),
            (
                "currency".to_owned(),
                request.amount.currency().code().to_owned(),
            ),
        ];
        Ok(PaymentStart::Redirect {
            url: self.page_url.clone(),
            fields: self.sign(fields)?,
        })
    }
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        let fields = &request.fields;
        let signature = hex::decode(field(fields, "signature")?)
            .map_err(|_| GatewayError::Invalid("bad signature".into()))?;
        // `verify_slice` compares in constant time.
        self.mac(fields)?
            .verify_slice(&signature)
            .map_err(|_| GatewayError::Invalid("bad signature".into()))?;
        let currency = Currency::from_code(field(fields, "currency")?)
            .map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let amount = Money::parse(field(fields, "amount")?, currency)
            .map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let event = match field(fields, "status")? {
            "paid" => PaymentEventKind::Captured { amount },
            "refused" => PaymentEventKind::Declined {
                reason: "refused by PayDemo".into(),
            },
            other => return Err(GatewayError::Invalid(format!("unknown status {other}"))),
        };
        // `reference` is our attempt id, echoed verbatim; `transaction` is PayDemo's own id,
        // which the engine hands back in `PaymentOperation::transaction_reference`.
        Ok(VerifiedNotification::new(
            field(fields, "reference")?,
            event,
            field(fields, "transaction")?,
        )
        .with_raw(serde_json::json!({"status": field(fields, "status")?, "amount": amount.amount().to_string()})))
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        match verdict {
            NotificationVerdict::Invalid => NotificationAnswer::new(400, "text/plain", "invalid"),
            NotificationVerdict::Error => NotificationAnswer::new(503, "text/plain", "retry"),
            _ => NotificationAnswer::text("ok"),
        }
    }
    async fn capture(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("capture"))
    }
    async fn void(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("void"))
    }
    async fn refund(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("refund by API"))
    }
}
