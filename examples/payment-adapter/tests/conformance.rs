//! PayDemo passes the payment conformance suite: this file is all an integrator writes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tijara::ports::payment::{NotificationRequest, PaymentGateway};
use tijara_core::Money;
use tijara_example_payment_adapter::PayDemo;
use tijara_testkit::payment::PaymentHarness;

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
        Some(NotificationRequest {
            fields: self.gateway.sign(fields).ok()?,
            ..NotificationRequest::default()
        })
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
}

tijara_testkit::payment_conformance!(async {
    let gateway = PayDemo::new(
        "https://pay.example/page",
        b"a shared secret of 32 bytes!!!!",
    )
    .expect("config");
    Arc::new(Harness {
        gateway: Arc::new(gateway),
        n: AtomicU32::new(0),
    }) as Arc<dyn PaymentHarness>
});
