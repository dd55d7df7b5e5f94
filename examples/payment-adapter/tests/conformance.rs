//! PayDemo passes the payment conformance suite: this file is all an integrator writes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tijara::ports::payment::{NotificationRequest, PaymentGateway};
use tijara_core::Money;
use tijara_example_payment_adapter::PayDemo;
use tijara_example_payment_adapter::webhooks::{
    PayDemoWebhooks, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use tijara_testkit::payment::{PaymentHarness, SignatureLocation};

struct Harness {
    gateway: Arc<PayDemo>,
    n: AtomicU32,
}

impl Harness {
    fn notification(
        &self,
        attempt: &str,
        amount: Money,
        status: &str,
    ) -> Option<NotificationRequest> {
        let n = self.n.fetch_add(1, Ordering::Relaxed);
        let fields = vec![
            ("reference".to_owned(), attempt.to_owned()),
            ("amount".to_owned(), amount.amount().to_string()),
            ("currency".to_owned(), "MAD".to_owned()),
            ("status".to_owned(), status.to_owned()),
            ("transaction".to_owned(), format!("PD-{n}")),
        ];
        Some(NotificationRequest::form(self.gateway.sign(fields).ok()?))
    }
}

impl PaymentHarness for Harness {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        self.gateway.clone()
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        self.notification(attempt, amount, "paid")
    }
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        self.notification(attempt, amount, "refused")
    }
    fn gateway_calls(&self) -> Option<u64> {
        // PayDemo has no API: the adapter holds no client, it cannot call anything.
        Some(0)
    }
}

fn paydemo() -> PayDemo {
    PayDemo::new(
        "https://pay.example/page",
        b"a shared secret of 32 bytes!!!!",
    )
    .expect("config")
}

tijara_testkit::payment_conformance!(async {
    Arc::new(Harness {
        gateway: Arc::new(paydemo()),
        n: AtomicU32::new(0),
    }) as Arc<dyn PaymentHarness>
});

/// The header-signed flavour: the harness says where the signature lives.
struct WebhookHarness {
    gateway: Arc<PayDemoWebhooks>,
    n: AtomicU32,
}

impl WebhookHarness {
    fn notification(&self, attempt: &str, amount: Money, status: &str) -> NotificationRequest {
        let n = self.n.fetch_add(1, Ordering::Relaxed);
        let body = serde_json::json!({
            "reference": attempt,
            "amount": amount.amount().to_string(),
            "currency": amount.currency().code(),
            "status": status,
            "transaction": format!("PDW-{n}"),
        })
        .to_string();
        let headers = self
            .gateway
            .sign(&format!("1764{n:06}"), &body)
            .expect("sign");
        NotificationRequest::raw(body).with_headers(headers)
    }
}

impl PaymentHarness for WebhookHarness {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        self.gateway.clone()
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        Some(self.notification(attempt, amount, "paid"))
    }
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        Some(self.notification(attempt, amount, "refused"))
    }
    fn signature_location(&self) -> SignatureLocation {
        SignatureLocation::Header(SIGNATURE_HEADER.into())
    }
    fn signed_headers(&self) -> Vec<String> {
        vec![TIMESTAMP_HEADER.into()]
    }
    fn gateway_calls(&self) -> Option<u64> {
        Some(0)
    }
}

mod webhooks {
    use super::*;
    tijara_testkit::payment_conformance!(async {
        Arc::new(WebhookHarness {
            gateway: Arc::new(PayDemoWebhooks::new(paydemo())),
            n: AtomicU32::new(0),
        }) as Arc<dyn PaymentHarness>
    });
}

/// An end-to-end test of your own, on the testkit's ready engine: a few lines.
#[tokio::test]
async fn a_webhook_pays_the_order_end_to_end() {
    let harness = WebhookHarness {
        gateway: Arc::new(PayDemoWebhooks::new(paydemo())),
        n: AtomicU32::new(0),
    };
    let world = tijara_testkit::engine::with_gateway(harness.gateway.clone()).await;
    let (order, _) = world.order().await;
    let approval = harness.notification(&format!("{}-1", order.id), order.grand_total, "paid");
    let answer = world
        .engine
        .payments()
        .handle_notification("paydemo-webhooks", &approval)
        .await
        .expect("handled");
    assert_eq!(answer.status, 200);
    let doc = world.doc(&order.id).await;
    assert_eq!(doc.order.payment.captured(), order.grand_total);
}
