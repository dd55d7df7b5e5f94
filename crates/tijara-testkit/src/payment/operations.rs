//! The checks on capture, void and refund: capabilities honoured, refunds bounded, the
//! gateway's transaction reference handed back, sale-only gateways never capturing.

use super::{PaymentHarness, attempt, money, world};
use crate::engine::TestEngine;
use async_trait::async_trait;
use std::sync::{Arc, Mutex};
use tijara::TijaraError;
use tijara::docs::PaymentOutcome;
use tijara::ports::payment::*;
use tijara_core::order::OrderStatus;
use tijara_core::payment::{PaymentEventKind, PaymentMethod, PaymentStatus};

/// Refunds never exceed what was received; the gateway's API is used only when it has one.
pub async fn refunds_are_bounded_and_capabilities_honoured(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let g = h.gateway();
    let (order, _) = w.order().await;
    let Some(approval) = h.approval(&attempt(&order), order.grand_total) else {
        // Offline: no API operation is supported.
        let op = PaymentOperation::new(order.id.clone(), attempt(&order));
        assert!(matches!(
            g.capture(&op).await,
            Err(GatewayError::Unsupported(_))
        ));
        assert!(matches!(
            g.void(&op).await,
            Err(GatewayError::Unsupported(_))
        ));
        assert!(matches!(
            g.refund(&op).await,
            Err(GatewayError::Unsupported(_))
        ));
        return;
    };
    w.notify(&approval).await;
    let doc = w.doc(&order).await;
    if doc.order.payment.status() == PaymentStatus::Authorized {
        let r = w
            .engine
            .payments()
            .capture_payment(&order.id, order.grand_total, None)
            .await;
        if !g.capabilities().partial_capture && !g.capabilities().refund_by_api {
            // Capture by API may be unsupported: then an admin records it by hand.
            if r.is_err() {
                return;
            }
        }
        r.unwrap_or_else(|e| panic!("capture: {e}"));
    }
    let too_much = order
        .grand_total
        .checked_add(money("0.01", order.grand_total))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        w.engine
            .payments()
            .refund_payment(&order.id, too_much, "admin", None)
            .await
            .is_err(),
        "no refund beyond what was received"
    );
    let caps = g.capabilities();
    let part = if caps.refund_by_api && !caps.partial_refund {
        // A gateway that refunds only whole payments is never asked for part of one.
        let refused = w
            .engine
            .payments()
            .refund_payment(&order.id, money("10.00", order.grand_total), "admin", None)
            .await;
        assert!(
            matches!(refused, Err(TijaraError::PartialRefundUnsupported { .. })),
            "part of a payment without partial_refund: {refused:?}"
        );
        w.doc(&order).await.order.payment.captured()
    } else {
        money("10.00", order.grand_total)
    };
    let r = w
        .engine
        .payments()
        .refund_payment(&order.id, part, "admin", None)
        .await
        .unwrap_or_else(|e| panic!("refund: {e}"));
    assert_eq!(r.result.outcome, PaymentOutcome::Applied);
    assert_eq!(
        r.gateway_reference.is_some(),
        g.capabilities().refund_by_api,
        "the API is used exactly when the gateway has it"
    );
    let doc = w.doc(&order).await;
    assert_eq!(doc.order.payment.refunded(), part);
    let (gross, commission, shares) = doc.settlement.totals().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        commission
            .checked_add(shares)
            .unwrap_or_else(|e| panic!("{e}")),
        gross,
        "shares + commission = money kept"
    );
    let op = PaymentOperation::new(order.id.clone(), attempt(&order)).with_amount(part);
    if !g.capabilities().void {
        assert!(
            matches!(g.void(&op).await, Err(GatewayError::Unsupported(_))),
            "void is unsupported without the capability"
        );
    }
    if !g.capabilities().refund_by_api {
        assert!(
            matches!(g.refund(&op).await, Err(GatewayError::Unsupported(_))),
            "refund is unsupported without the capability"
        );
    }
}

/// The gateway under test, behind a spy that keeps every operation the engine asks of it.
struct Spy {
    inner: Arc<dyn PaymentGateway>,
    operations: Mutex<Vec<(&'static str, PaymentOperation)>>,
}

impl Spy {
    fn last(&self, name: &str) -> Option<PaymentOperation> {
        let ops = self.operations.lock().unwrap_or_else(|e| e.into_inner());
        ops.iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, op)| op.clone())
    }
    fn keep(&self, name: &'static str, op: &PaymentOperation) {
        let mut ops = self.operations.lock().unwrap_or_else(|e| e.into_inner());
        ops.push((name, op.clone()));
    }
}

#[async_trait]
impl PaymentGateway for Spy {
    fn code(&self) -> &str {
        self.inner.code()
    }
    fn method(&self) -> PaymentMethod {
        self.inner.method()
    }
    fn capabilities(&self) -> PaymentCapabilities {
        self.inner.capabilities()
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        self.inner.start(request).await
    }
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        self.inner.verify_notification(request).await
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        self.inner.answer(verdict)
    }
    async fn capture(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.keep("capture", op);
        self.inner.capture(op).await
    }
    async fn void(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.keep("void", op);
        self.inner.void(op).await
    }
    async fn refund(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.keep("refund", op);
        self.inner.refund(op).await
    }
}

/// An engine whose gateway is the one under test behind a [`Spy`].
async fn spied(h: &dyn PaymentHarness) -> (TestEngine, Arc<Spy>, String) {
    let spy = Arc::new(Spy {
        inner: h.gateway(),
        operations: Mutex::new(Vec::new()),
    });
    let code = spy.code().to_owned();
    let world = crate::engine::setup()
        .region(h.region())
        .gateway(spy.clone())
        .build()
        .await;
    (world, spy, code)
}

/// Capture and refund receive the gateway's own transaction reference
/// ([`PaymentOperation::transaction_reference`]): the reference the approval's notification
/// carried (its [`VerifiedNotification::reference`]), or, once the engine captured through
/// the gateway, the capture's; and the attempt id the gateway was given, verbatim.
pub async fn operations_carry_the_transaction_reference(h: &dyn PaymentHarness) {
    let (w, spy, code) = spied(h).await;
    let (order, _) = w.order().await;
    let Some(approval) = h.approval(&attempt(&order), order.grand_total) else {
        return;
    };
    let verified = spy
        .inner
        .verify_notification(&approval)
        .await
        .unwrap_or_else(|e| panic!("a genuine approval must verify: {e}"));
    w.engine
        .payments()
        .handle_notification(&code, &approval)
        .await
        .unwrap_or_else(|e| panic!("handle_notification: {e}"));
    let caps = spy.capabilities();
    let mut latest = verified.reference.clone();
    if w.doc(&order.id).await.order.payment.status() == PaymentStatus::Authorized && !caps.sale_only
    {
        let captured = w
            .engine
            .payments()
            .capture_payment(&order.id, order.grand_total, None)
            .await;
        let op = spy
            .last("capture")
            .unwrap_or_else(|| panic!("the engine captured through the gateway"));
        assert_eq!(
            op.attempt_id,
            attempt(&order),
            "capture: the attempt id verbatim"
        );
        assert_eq!(
            op.transaction_reference.as_deref(),
            Some(verified.reference.as_str()),
            "capture must receive the transaction reference the approval carried"
        );
        match captured {
            Ok(done) => {
                latest = done
                    .gateway_reference
                    .unwrap_or_else(|| panic!("a capture through the gateway has a reference"));
            }
            // No API to capture with: an admin records it by hand.
            Err(_) => return,
        }
    }
    if caps.refund_by_api {
        // Part of the payment when the gateway refunds part, else all of it.
        let part = if caps.partial_refund {
            money("10.00", order.grand_total)
        } else {
            w.doc(&order.id).await.order.payment.captured()
        };
        w.engine
            .payments()
            .refund_payment(&order.id, part, "admin", None)
            .await
            .unwrap_or_else(|e| panic!("refund: {e}"));
        let op = spy
            .last("refund")
            .unwrap_or_else(|| panic!("the engine refunded through the gateway"));
        assert_eq!(
            op.attempt_id,
            attempt(&order),
            "refund: the attempt id verbatim"
        );
        assert_eq!(
            op.transaction_reference.as_deref(),
            Some(latest.as_str()),
            "refund must receive the latest approval's transaction reference (the \
             notification's, or the capture's after a capture through the gateway)"
        );
    }
}

/// A sale-only gateway ([`PaymentCapabilities::sale_only`]) answers `Unsupported` to capture
/// without calling its provider; it reports an approval as captured, which alone confirms the
/// order, fully captured; the engine then refuses to capture
/// ([`TijaraError::CaptureUnsupported`]) without calling the gateway. Nothing to check for
/// other gateways.
pub async fn sale_only_gateways_never_capture(h: &dyn PaymentHarness) {
    if !h.gateway().capabilities().sale_only {
        return;
    }
    let (w, spy, code) = spied(h).await;
    let (order, _) = w.order().await;
    let op =
        PaymentOperation::new(order.id.clone(), attempt(&order)).with_amount(order.grand_total);
    let before = h.gateway_calls();
    let answer = spy.inner.capture(&op).await;
    assert!(
        matches!(answer, Err(GatewayError::Unsupported(_))),
        "a sale-only gateway must answer Unsupported to capture, not {answer:?}"
    );
    if let (Some(before), Some(after)) = (before, h.gateway_calls()) {
        assert_eq!(
            after, before,
            "a sale-only gateway's capture called its provider"
        );
    }
    let Some(approval) = h.approval(&attempt(&order), order.grand_total) else {
        return;
    };
    let verified = spy
        .inner
        .verify_notification(&approval)
        .await
        .unwrap_or_else(|e| panic!("a genuine approval must verify: {e}"));
    assert!(
        matches!(verified.event, PaymentEventKind::Captured { .. }),
        "a sale-only gateway reports an approval as Captured (the money moved), not {:?}",
        verified.event
    );
    let answer = w
        .engine
        .payments()
        .handle_notification(&code, &approval)
        .await
        .unwrap_or_else(|e| panic!("handle_notification: {e}"));
    assert_eq!(answer, spy.answer(NotificationVerdict::Approved));
    let doc = w.doc(&order.id).await;
    assert_eq!(
        doc.order.status(),
        OrderStatus::Confirmed,
        "the sale alone confirms the order"
    );
    assert_eq!(doc.order.payment.status(), PaymentStatus::Captured);
    assert_eq!(doc.order.payment.captured(), order.grand_total);
    assert!(
        doc.payment_log
            .iter()
            .any(|e| e.outcome == PaymentOutcome::Applied && e.reference == verified.reference)
    );
    let refused = w
        .engine
        .payments()
        .capture_payment(&order.id, order.grand_total, None)
        .await;
    assert!(
        matches!(refused, Err(TijaraError::CaptureUnsupported { .. })),
        "the engine refuses to capture on a sale-only gateway, not {refused:?}"
    );
    assert!(
        spy.last("capture").is_none(),
        "the engine must not call capture on a sale-only gateway"
    );
}
