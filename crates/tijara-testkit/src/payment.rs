//! The payment conformance suite: the rules every gateway adapter must keep, checked through
//! the engine (an in-memory store, a stub carrier). Each check is a public async function over
//! a [`PaymentHarness`]; [`crate::payment_conformance!`] runs them all.
//!
//! Checked: starting a payment never marks it paid; a valid notification is applied once, also
//! when repeated at once; a forged notification (any field changed) changes nothing; a
//! notification for another amount or for an unknown order is refused and recorded; a late
//! decline never un-pays; refunds never exceed what was received; capabilities are honoured.

// A conformance check reports a broken rule by panicking, like an assertion in a test.
#![allow(clippy::panic)]

use crate::stubs::{SequentialIds, StubCarrier};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;
use tijara::Tijara;
use tijara::docs::{OrderDoc, PaymentOutcome};
use tijara::ports::payment::*;
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara_core::catalog::{SellerKind, SellerTaxStatus, StockPolicy};
use tijara_core::order::{Address, Order, OrderStatus};
use tijara_core::payment::{PaymentMethod, PaymentStatus};
use tijara_core::*;

/// What the suite needs from an adapter's test setup.
#[async_trait]
pub trait PaymentHarness: Send + Sync {
    /// The gateway under test.
    fn gateway(&self) -> Arc<dyn PaymentGateway>;
    /// A genuine notification that `attempt` was approved for `amount`, as the gateway would
    /// send it; `None` for methods without notifications (offline methods).
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest>;
    /// A genuine decline of `attempt`; each call is a distinct event (its own reference).
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest>;
    /// Fields the gateway's protocol leaves out of the signature (CMI: `encoding`), which the
    /// forgery check therefore does not change.
    fn unsigned_fields(&self) -> Vec<String> {
        Vec::new()
    }
}

/// An engine with the gateway under test and one product (50 units at 240.00 MAD).
pub struct PaymentWorld {
    /// The engine.
    pub engine: Tijara,
    /// The gateway's code.
    pub code: String,
    variant: VariantId,
    seller: SellerId,
}

/// Builds the world for a harness.
pub async fn world(h: &dyn PaymentHarness) -> PaymentWorld {
    let g = h.gateway();
    let code = g.code().to_owned();
    let engine = Tijara::builder()
        .storage(Arc::new(tijara_store_memory::MemoryStore::new()))
        .payment(g)
        .carrier(Arc::new(StubCarrier::new("amana", "30.00", "10.00")))
        .ids(Arc::new(SequentialIds::default()))
        .build()
        .unwrap_or_else(|e| panic!("engine: {e}"));
    let id = |s: &str| CategoryId::new(s).unwrap_or_else(|e| panic!("{e}"));
    engine
        .create_category(
            CategoryInput {
                id: id("crafts"),
                slug: "crafts".into(),
                name: LocalizedText::single(Lang::Fr, "Artisanat"),
                parent: None,
            },
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("category: {e}"));
    let seller = engine
        .create_seller(
            SellerInput {
                name: "Coopérative".into(),
                kind: SellerKind::Cooperative,
                home_city: "Dakhla".into(),
                commission_rate: None,
                category_commissions: BTreeMap::new(),
                tax_status: SellerTaxStatus::VatRegistered,
                members: vec![],
                legal: Default::default(),
                story: LocalizedText::default(),
            },
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("seller: {e}"));
    let product = engine
        .create_product(
            ProductInput {
                seller_id: seller.id.clone(),
                category_id: id("crafts"),
                slug: "srama".into(),
                title: LocalizedText::single(Lang::Fr, "Coussin"),
                description: LocalizedText::default(),
                materials: vec![],
                photos: vec![],
                made_by: None,
                variants: vec![VariantInput {
                    sku: "SRAMA".into(),
                    options: BTreeMap::new(),
                    price: Money::mad("240.00").unwrap_or_else(|e| panic!("{e}")),
                    tax_category: TaxCategoryId::new("standard").unwrap_or_else(|e| panic!("{e}")),
                    weight_grams: 500,
                    dimensions: None,
                    shippable: true,
                    stock_policy: StockPolicy::Tracked,
                    initial_stock: 50,
                }],
            },
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("product: {e}"));
    PaymentWorld {
        engine,
        code,
        variant: product.variants[0].id.clone(),
        seller: seller.id,
    }
}

impl PaymentWorld {
    /// Places an order paid with the gateway under test; returns it and how payment starts.
    pub async fn order(&self) -> (Order, PaymentStart) {
        let placed = self
            .engine
            .place_order(
                PlaceOrderRequest {
                    cart: CheckoutCart::Inline {
                        lines: vec![(self.variant.clone(), 1)],
                        coupons: vec![],
                        customer: None,
                        shipping: [(
                            self.seller.clone(),
                            ShippingSelection {
                                carrier: "amana".into(),
                                service: "standard".into(),
                            },
                        )]
                        .into_iter()
                        .collect(),
                    },
                    email: "client@example.ma".into(),
                    address: Address {
                        name: "Client".into(),
                        line1: "N° 1, Rue".into(),
                        line2: None,
                        city: "Rabat".into(),
                        postal_code: None,
                        country: "MA".into(),
                        phone: "0600000000".into(),
                    },
                    gateway: self.code.clone(),
                    lang: Lang::Fr,
                },
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("place order: {e}"));
        (placed.order, placed.payment)
    }

    async fn doc(&self, order: &Order) -> OrderDoc {
        self.engine
            .order(&order.id)
            .await
            .unwrap_or_else(|e| panic!("order: {e}"))
    }

    async fn notify(&self, n: &NotificationRequest) -> NotificationAnswer {
        self.engine
            .handle_notification(&self.code, n)
            .await
            .unwrap_or_else(|e| panic!("handle_notification: {e}"))
    }
}

fn attempt(order: &Order) -> String {
    format!("{}-1", order.id)
}

fn applied_approvals(doc: &OrderDoc) -> usize {
    doc.payment_log
        .iter()
        .filter(|e| {
            e.outcome == PaymentOutcome::Applied
                && (e.event == "authorized" || e.event == "captured")
        })
        .count()
}

/// Starting a payment never marks it paid (cash on delivery confirms the order, unpaid).
pub async fn starting_never_pays(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let (order, start) = w.order().await;
    let g = h.gateway();
    assert!(
        !order
            .payment
            .net_received()
            .unwrap_or_else(|e| panic!("{e}"))
            .is_positive(),
        "nothing received at start"
    );
    match g.method() {
        PaymentMethod::CashOnDelivery => assert_eq!(order.status(), OrderStatus::Confirmed),
        _ => {
            assert_eq!(
                order.status(),
                OrderStatus::AwaitingPayment,
                "a card or transfer order waits for its payment"
            );
            assert!(!order.payment.is_secured());
        }
    }
    if g.capabilities().redirect {
        assert!(
            matches!(start, PaymentStart::Redirect { .. }),
            "a redirect gateway answers Redirect"
        );
    }
}

/// A valid approval is applied once, however often it arrives, also ten times at once.
pub async fn valid_notification_is_applied_once(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let (order, _) = w.order().await;
    let Some(n) = h.approval(&attempt(&order), order.grand_total) else {
        let any = NotificationRequest::default();
        let _ = w.engine.handle_notification(&w.code, &any).await;
        assert!(
            !w.doc(&order)
                .await
                .order
                .payment
                .net_received()
                .unwrap_or_else(|e| panic!("{e}"))
                .is_positive()
        );
        return;
    };
    let first = w.notify(&n).await;
    assert_eq!(
        first,
        h.gateway().answer(NotificationVerdict::Approved),
        "an approval is answered as approved"
    );
    assert_eq!(w.doc(&order).await.order.status(), OrderStatus::Confirmed);
    let again = w.notify(&n).await;
    assert_eq!(again, first, "a repeat gets the same answer");
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let engine = w.engine.clone();
            let (code, n) = (w.code.clone(), n.clone());
            tokio::spawn(async move { engine.handle_notification(&code, &n).await })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    let doc = w.doc(&order).await;
    assert_eq!(applied_approvals(&doc), 1, "applied exactly once");
    let received = doc
        .order
        .payment
        .captured()
        .checked_add(doc.order.payment.authorized())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        received.amount() <= order.grand_total.amount() * Decimal::TWO,
        "no double count"
    );
}

/// Changing any field of a genuine notification makes it invalid: nothing changes.
pub async fn forged_notifications_change_nothing(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let (order, _) = w.order().await;
    let Some(n) = h.approval(&attempt(&order), order.grand_total) else {
        return;
    };
    let outbox = |w: &PaymentWorld| {
        let storage = w.engine.storage().clone();
        async move {
            storage
                .pending_events(10_000)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .len()
        }
    };
    let events_before = outbox(&w).await;
    let unsigned = h.unsigned_fields();
    for i in 0..n.fields.len() {
        if unsigned
            .iter()
            .any(|u| u.eq_ignore_ascii_case(&n.fields[i].0))
        {
            continue;
        }
        let mut forged = n.clone();
        forged.fields[i].1.push('7');
        let answer = w.notify(&forged).await;
        assert_eq!(
            answer,
            h.gateway().answer(NotificationVerdict::Invalid),
            "field {:?} changed: refused as invalid",
            n.fields[i].0
        );
    }
    let mut dropped = n.clone();
    dropped
        .fields
        .retain(|(k, _)| !k.eq_ignore_ascii_case("hash") && !k.eq_ignore_ascii_case("signature"));
    assert_eq!(
        w.notify(&dropped).await,
        h.gateway().answer(NotificationVerdict::Invalid),
        "no signature: invalid"
    );
    let doc = w.doc(&order).await;
    assert_eq!(doc.order.status(), OrderStatus::AwaitingPayment);
    assert!(
        doc.payment_log.is_empty(),
        "forged notifications never reach the order"
    );
    assert_eq!(
        outbox(&w).await,
        events_before,
        "forged notifications write no outbox row"
    );
}

/// An approval for another amount is refused and recorded; one for an unknown order is
/// refused.
pub async fn wrong_amount_or_order_is_refused(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let (order, _) = w.order().await;
    let more = order
        .grand_total
        .checked_add(Money::mad("0.01").unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"));
    let Some(n) = h.approval(&attempt(&order), more) else {
        return;
    };
    assert_eq!(
        w.notify(&n).await,
        h.gateway().answer(NotificationVerdict::Refused)
    );
    let doc = w.doc(&order).await;
    assert_eq!(doc.order.status(), OrderStatus::AwaitingPayment, "not paid");
    assert!(
        doc.payment_log
            .iter()
            .any(|e| matches!(e.outcome, PaymentOutcome::Rejected { .. })),
        "the refused notification is kept in the audit trail"
    );
    // A well-signed approval for an attempt the engine never started moves nothing.
    if let Some(unissued) = h.approval(&format!("{}-7", order.id), order.grand_total) {
        assert_eq!(
            w.notify(&unissued).await,
            h.gateway().answer(NotificationVerdict::Refused),
            "attempt never issued"
        );
        assert_eq!(
            w.doc(&order).await.order.status(),
            OrderStatus::AwaitingPayment
        );
    }
    let Some(other) = h.approval("ord_doesnotexist-1", order.grand_total) else {
        return;
    };
    assert_eq!(
        w.notify(&other).await,
        h.gateway().answer(NotificationVerdict::Refused)
    );
    let events = w
        .engine
        .storage()
        .pending_events(1000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !events
            .iter()
            .any(|e| e.kind == "payment.notification_rejected"),
        "a refused notification is logged, never written to the outbox"
    );
}

/// Declines before an approval leave the order unpaid; a late decline never un-pays.
pub async fn late_declines_never_unpay(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let (order, _) = w.order().await;
    let (Some(decline), Some(approval)) = (
        h.decline(&attempt(&order), order.grand_total),
        h.approval(&attempt(&order), order.grand_total),
    ) else {
        return;
    };
    assert_eq!(
        w.notify(&decline).await,
        h.gateway().answer(NotificationVerdict::Declined)
    );
    assert_eq!(
        w.doc(&order).await.order.status(),
        OrderStatus::AwaitingPayment
    );
    w.notify(&approval).await;
    // Another decline than the first (its own reference): it must still not un-pay.
    let late = h
        .decline(&attempt(&order), order.grand_total)
        .unwrap_or_else(|| panic!("decline"));
    assert_ne!(late, decline, "each decline is a distinct event");
    let _ = w.notify(&late).await;
    let doc = w.doc(&order).await;
    assert_eq!(doc.order.status(), OrderStatus::Confirmed, "still paid");
    assert!(matches!(
        doc.order.payment.status(),
        PaymentStatus::Authorized | PaymentStatus::Captured
    ));
}

/// Refunds never exceed what was received; the gateway's API is used only when it has one.
pub async fn refunds_are_bounded_and_capabilities_honoured(h: &dyn PaymentHarness) {
    let w = world(h).await;
    let g = h.gateway();
    let (order, _) = w.order().await;
    let Some(approval) = h.approval(&attempt(&order), order.grand_total) else {
        // Offline: no API operation is supported.
        let op = PaymentOperation {
            order_id: order.id.clone(),
            attempt_id: attempt(&order),
            amount: None,
        };
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
        .checked_add(Money::mad("0.01").unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        w.engine
            .refund_payment(&order.id, too_much, "admin", None)
            .await
            .is_err(),
        "no refund beyond what was received"
    );
    let part = Money::mad("10.00").unwrap_or_else(|e| panic!("{e}"));
    let r = w
        .engine
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
    let op = PaymentOperation {
        order_id: order.id.clone(),
        attempt_id: attempt(&order),
        amount: Some(part),
    };
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
}

#[async_trait]
impl PaymentHarness for StubHarness {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        self.gateway.clone()
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        Some(crate::stubs::StubGateway::notification(
            attempt,
            "authorized",
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
}
