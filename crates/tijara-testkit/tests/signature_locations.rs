//! Correct gateways whose signature is not in a field named `signature` pass the whole payment
//! suite once their harness says where it lives: a field of another name (`sig`), a field named
//! `hash` under the default location (as harnesses written before `signature_location` did),
//! and a signature inside the raw body. (A header signature: `tests/blind_spots.rs`.)

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tijara::ports::payment::*;
use tijara::usecases::payments::PaymentEventKind;
use tijara_core::payment::PaymentMethod;
use tijara_core::{Currency, Money};
use tijara_testkit::payment::{PaymentHarness, SignatureLocation};
use tijara_testkit::stubs::{STUB_SECRET, StubGateway};

// ---------------------------------------------------------------------------------------------
// The stub's protocol with its signature field renamed.

/// The stub gateway, but its provider names the signature field `name`.
struct Renamed {
    stub: StubGateway,
    name: &'static str,
}

fn rename(mut n: NotificationRequest, from: &str, to: &str) -> NotificationRequest {
    for (k, _) in &mut n.fields {
        if k == from {
            *k = to.to_owned();
        }
    }
    n
}

#[async_trait]
impl PaymentGateway for Renamed {
    fn code(&self) -> &str {
        self.stub.code()
    }
    fn method(&self) -> PaymentMethod {
        self.stub.method()
    }
    fn capabilities(&self) -> PaymentCapabilities {
        self.stub.capabilities()
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        self.stub.start(request).await
    }
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        if request.fields.iter().any(|(k, _)| k == "signature") {
            return Err(GatewayError::Invalid("unexpected field signature".into()));
        }
        self.stub
            .verify_notification(&rename(request.clone(), self.name, "signature"))
            .await
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        self.stub.answer(verdict)
    }
    async fn capture(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.stub.capture(op).await
    }
    async fn void(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.stub.void(op).await
    }
    async fn refund(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.stub.refund(op).await
    }
}

struct RenamedHarness {
    gateway: Arc<Renamed>,
    n: AtomicU32,
    /// Whether the harness names the field (`false`: the default location).
    says_where: bool,
}

impl RenamedHarness {
    fn new(name: &'static str, says_where: bool) -> Self {
        RenamedHarness {
            gateway: Arc::new(Renamed {
                stub: StubGateway::card(),
                name,
            }),
            n: AtomicU32::new(0),
            says_where,
        }
    }
}

impl PaymentHarness for RenamedHarness {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        self.gateway.clone()
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        let n = StubGateway::notification(attempt, "authorized", amount, &format!("{attempt}:ok"));
        Some(rename(n, "signature", self.gateway.name))
    }
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        let i = self.n.fetch_add(1, Ordering::Relaxed);
        let n =
            StubGateway::notification(attempt, "declined", amount, &format!("{attempt}:ko:{i}"));
        Some(rename(n, "signature", self.gateway.name))
    }
    fn signature_location(&self) -> SignatureLocation {
        if self.says_where {
            SignatureLocation::Field(self.gateway.name.into())
        } else {
            SignatureLocation::Field("signature".into())
        }
    }
    fn gateway_calls(&self) -> Option<u64> {
        Some(self.gateway.stub.operations().len() as u64)
    }
}

/// A field named `sig`, named by the harness.
mod field_sig {
    use super::*;
    tijara_testkit::payment_conformance!(async {
        Arc::new(RenamedHarness::new("sig", true)) as Arc<dyn PaymentHarness>
    });
}

/// A field named `hash`, under the default location.
mod field_hash_by_default {
    use super::*;
    tijara_testkit::payment_conformance!(async {
        Arc::new(RenamedHarness::new("hash", false)) as Arc<dyn PaymentHarness>
    });
}

#[tokio::test]
async fn a_harness_that_does_not_say_where_the_signature_is_is_told() {
    let h = RenamedHarness::new("sig", false);
    let n = h
        .approval("ord_1-1", Money::mad("10.00").expect("money"))
        .expect("approval");
    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async {
        tijara_testkit::payment::forgeries(&h, &n)
    }))
    .await;
    let message = outcome
        .err()
        .and_then(|p| p.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    println!("the author reads:\n{message}");
    assert!(
        message.starts_with("the harness says the signature is in the field \"signature\"")
            && message.contains("override PaymentHarness::signature_location"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// A signature inside the raw body.

/// "TailSig": the body is a JSON document, a newline, then `signature=` and the hex SHA-256 of
/// the secret, a zero byte and the JSON.
struct TailSig;

fn tail_signature(json: &str) -> String {
    let mut h = Sha256::new();
    h.update(STUB_SECRET.as_bytes());
    h.update([0]);
    h.update(json.as_bytes());
    hex::encode(h.finalize())
}

#[async_trait]
impl PaymentGateway for TailSig {
    fn code(&self) -> &str {
        "tailsig"
    }
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Card
    }
    fn capabilities(&self) -> PaymentCapabilities {
        PaymentCapabilities::default().with_redirect(true)
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        Ok(PaymentStart::Redirect {
            url: "https://tailsig.example/pay".into(),
            fields: vec![("reference".into(), request.attempt_id.clone())],
        })
    }
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        let (json, signature) = request
            .body
            .rsplit_once("\nsignature=")
            .ok_or_else(|| GatewayError::Invalid("no signature".into()))?;
        let expected = tail_signature(json);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            signature.as_bytes(),
            expected.as_bytes(),
        )) {
            return Err(GatewayError::Invalid("bad signature".into()));
        }
        let body: serde_json::Value =
            serde_json::from_str(json).map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let text = |k: &str| {
            body[k]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| GatewayError::Invalid(format!("missing {k}")))
        };
        let currency = Currency::from_code(&text("currency")?)
            .map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let amount = Money::parse(&text("amount")?, currency)
            .map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let event = match text("status")?.as_str() {
            "paid" => PaymentEventKind::Captured { amount },
            "refused" => PaymentEventKind::Declined {
                reason: "refused".into(),
            },
            other => return Err(GatewayError::Invalid(format!("unknown status {other}"))),
        };
        let raw = serde_json::json!({"status": text("status")?});
        Ok(
            VerifiedNotification::new(text("reference")?, event, text("transaction")?)
                .with_raw(raw),
        )
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        NotificationAnswer::text(format!("{verdict:?}"))
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

#[derive(Default)]
struct TailHarness(AtomicU32);

impl TailHarness {
    fn notification(&self, attempt: &str, amount: Money, status: &str) -> NotificationRequest {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        let json = serde_json::json!({
            "reference": attempt,
            "amount": amount.amount().to_string(),
            "currency": amount.currency().code(),
            "status": status,
            "transaction": format!("TS-{n}"),
        })
        .to_string();
        NotificationRequest::raw(format!("{json}\nsignature={}", tail_signature(&json)))
    }
}

impl PaymentHarness for TailHarness {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        Arc::new(TailSig)
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        Some(self.notification(attempt, amount, "paid"))
    }
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        Some(self.notification(attempt, amount, "refused"))
    }
    fn signature_location(&self) -> SignatureLocation {
        SignatureLocation::Body
    }
    fn gateway_calls(&self) -> Option<u64> {
        // No API: the adapter holds no client.
        Some(0)
    }
}

/// A signature inside the body.
mod body {
    use super::*;
    tijara_testkit::payment_conformance!(async {
        Arc::new(TailHarness::default()) as Arc<dyn PaymentHarness>
    });
}
