//! The stub gateway's harnesses.

use super::PaymentHarness;
use async_trait::async_trait;
use std::sync::Arc;
use tijara::ports::payment::*;
use tijara_core::Money;

/// The stub gateway's harness (a reference for adapter authors).
#[derive(Debug)]
pub struct StubHarness {
    gateway: Arc<crate::stubs::StubGateway>,
    declines: std::sync::atomic::AtomicU32,
}

impl StubHarness {
    /// A card stub.
    pub fn card() -> Self {
        StubHarness {
            gateway: Arc::new(crate::stubs::StubGateway::card()),
            declines: Default::default(),
        }
    }

    /// A card stub that refunds by API whole payments only (no
    /// [`PaymentCapabilities::partial_refund`]): the engine must never ask it for part of one.
    pub fn whole_refunds_only() -> Self {
        let gateway = crate::stubs::StubGateway::card();
        gateway.set_capabilities(
            PaymentCapabilities::default()
                .with_redirect(true)
                .with_partial_capture(true)
                .with_void(true)
                .with_refund_by_api(true),
        );
        StubHarness {
            gateway: Arc::new(gateway),
            declines: Default::default(),
        }
    }

    /// A sale-only card stub ([`crate::stubs::StubGateway::sale`]): approvals are sales.
    pub fn sale() -> Self {
        StubHarness {
            gateway: Arc::new(crate::stubs::StubGateway::sale()),
            declines: Default::default(),
        }
    }
}

#[async_trait]
impl PaymentHarness for StubHarness {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        self.gateway.clone()
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        let event = if self.gateway.capabilities().sale_only {
            "captured"
        } else {
            "authorized"
        };
        Some(crate::stubs::StubGateway::notification(
            attempt,
            event,
            amount,
            &format!("{attempt}:ok"),
        ))
    }
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        let n = self
            .declines
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(crate::stubs::StubGateway::notification(
            attempt,
            "declined",
            amount,
            &format!("{attempt}:ko:{n}"),
        ))
    }
    fn gateway_calls(&self) -> Option<u64> {
        // The stub's "provider" is its operation log: every capture, void or refund it made.
        Some(self.gateway.operations().len() as u64)
    }
}
