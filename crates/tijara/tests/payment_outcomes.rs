//! Honest payment outcomes: after a declined card, the shopper may try again or pay another way
//! (cash on delivery, bank transfer) while nothing was received; the order keeps its items and
//! stock; nothing is ever charged twice.

mod common;

use async_trait::async_trait;
use chrono::Duration;
use common::*;
use std::sync::Arc;
use tijara::docs::PaymentSource;
use tijara::ports::carrier::*;
use tijara::ports::storage::StockRow;
use tijara::usecases::payments::{PaymentEventKind, PaymentNotice};
use tijara::{Tijara, TijaraError};
use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};
use tijara_core::order::{Order, OrderStatus};
use tijara_core::order_record::SwitchRefusal;
use tijara_core::payment::{PaymentMethod, PaymentOutcome, PaymentStatus};
use tijara_core::*;
use tijara_testkit::stubs::*;

fn notice(reference: &str, event: PaymentEventKind) -> PaymentNotice {
    PaymentNotice::new(
        PaymentSource::Gateway {
            code: "card".into(),
        },
        reference,
        event,
        serde_json::json!({"ProcReturnCode": "00"}),
    )
}

async fn stock(e: &Tijara, v: &VariantId) -> StockRow {
    e.storage()
        .stock_levels(std::slice::from_ref(v))
        .await
        .expect("stock")
        .into_iter()
        .next()
        .expect("row")
}

async fn declined_card_order(m: &Market, c: &Catalog) -> Order {
    let order = m
        .engine
        .checkout()
        .place_order(request(vec![(c.cushion.clone(), 2)], &[&c.a], "card"), None)
        .await
        .expect("placed")
        .order;
    let r = m
        .engine
        .payments()
        .record_payment(
            &order.id,
            notice(
                "decl-1",
                PaymentEventKind::Declined {
                    reason: "51".into(),
                },
            ),
            None,
        )
        .await
        .expect("declined");
    assert_eq!(r.payment_status, PaymentStatus::Failed);
    order
}

#[tokio::test]
async fn after_a_decline_cash_on_delivery_confirms_the_order_with_its_items_and_stock() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = declined_card_order(&m, &c).await;
    assert_eq!(stock(e, &c.cushion).await.reserved, 2);
    let start = e
        .checkout()
        .switch_payment(&order.id, "cod", None)
        .await
        .expect("switched");
    assert!(matches!(
        start,
        tijara::ports::payment::PaymentStart::Instructions { .. }
    ));
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(doc.order.status(), OrderStatus::Confirmed);
    assert_eq!(doc.order.payment.method(), PaymentMethod::CashOnDelivery);
    assert_eq!(doc.order.payment.status(), PaymentStatus::AwaitingDelivery);
    assert_eq!(doc.gateway, "cod");
    // Same items, same money, same number.
    assert_eq!(
        doc.order.seller_orders[0].lines,
        order.seller_orders[0].lines
    );
    assert_eq!(doc.order.grand_total, order.grand_total);
    assert_eq!(doc.order.number, order.number);
    assert_eq!(
        doc.order.seller_orders[0].cod_amount,
        Some(doc.order.seller_orders[0].total)
    );
    // The two held units are sold.
    let row = stock(e, &c.cushion).await;
    assert_eq!((row.on_hand, row.reserved), (3, 0));
    // Told: the change, then the confirmation.
    e.operations().dispatch_events(100).await.expect("dispatch");
    let kinds: Vec<String> = m.sink.delivered().iter().map(|d| d.kind.clone()).collect();
    let at = kinds
        .iter()
        .position(|k| k == "payment.method_changed")
        .expect("method changed event");
    assert_eq!(kinds[at + 1], "order.confirmed");
    // Confirmed now: no other switch, no new card attempt.
    assert!(matches!(
        e.checkout()
            .switch_payment(&order.id, "transfer", None)
            .await,
        Err(TijaraError::PaymentSwitch(
            SwitchRefusal::NotAwaitingPayment { .. }
        ))
    ));
    assert!(matches!(
        e.checkout().start_payment(&order.id, None).await,
        Err(TijaraError::NotAwaitingPayment { .. })
    ));
}

#[tokio::test]
async fn after_a_decline_a_transfer_keeps_the_stock_until_the_transfer_deadline() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = declined_card_order(&m, &c).await;
    e.checkout()
        .switch_payment(&order.id, "transfer", None)
        .await
        .expect("switched");
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(doc.order.status(), OrderStatus::AwaitingPayment);
    assert_eq!(doc.order.payment.method(), PaymentMethod::BankTransfer);
    assert_eq!(doc.order.payment.status(), PaymentStatus::Pending);
    assert_eq!(stock(e, &c.cushion).await.reserved, 2);
    // The card's 30 minutes pass: the order stays, its units held.
    m.clock.advance(Duration::hours(2));
    e.operations()
        .expire_reservations(100)
        .await
        .expect("sweep");
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(doc.order.status(), OrderStatus::AwaitingPayment);
    assert_eq!(stock(e, &c.cushion).await.reserved, 2);
    // The transfer's deadline passes (placing time + the region's hold): cancelled, back on sale.
    m.clock
        .set(order.placed_at + e.region().transfer_hold() + Duration::minutes(1));
    assert_eq!(
        e.operations()
            .expire_reservations(100)
            .await
            .expect("sweep"),
        1
    );
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(doc.order.status(), OrderStatus::Cancelled);
    assert_eq!(stock(e, &c.cushion).await.reserved, 0);
}

#[tokio::test]
async fn no_switch_once_money_is_held_and_a_refusal_changes_nothing() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = declined_card_order(&m, &c).await;
    // The same method, an unknown gateway: refused, typed.
    assert!(matches!(
        e.checkout().switch_payment(&order.id, "card", None).await,
        Err(TijaraError::PaymentSwitch(SwitchRefusal::SameMethod {
            method: PaymentMethod::Card
        }))
    ));
    assert!(matches!(
        e.checkout().switch_payment(&order.id, "paypal", None).await,
        Err(TijaraError::NotConfigured { .. })
    ));
    // The second card attempt is authorized: no switch any more.
    e.checkout()
        .start_payment(&order.id, None)
        .await
        .expect("retry");
    e.payments()
        .record_payment(
            &order.id,
            notice(
                "auth-2",
                PaymentEventKind::Authorized {
                    amount: order.grand_total,
                },
            ),
            None,
        )
        .await
        .expect("authorized");
    let before = e.orders().order(&order.id).await.expect("order");
    for gateway in ["cod", "transfer"] {
        assert!(matches!(
            e.checkout().switch_payment(&order.id, gateway, None).await,
            Err(TijaraError::PaymentSwitch(_))
        ));
    }
    assert_eq!(e.orders().order(&order.id).await.expect("order"), before);
    // An unknown order.
    assert!(matches!(
        e.checkout()
            .switch_payment(&OrderId::new("ord_nope").expect("id"), "cod", None)
            .await,
        Err(TijaraError::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_second_approval_never_charges_twice() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = declined_card_order(&m, &c).await;
    e.checkout()
        .start_payment(&order.id, None)
        .await
        .expect("retry");
    let paid = notice(
        "cap-2",
        PaymentEventKind::Captured {
            amount: order.grand_total,
        },
    );
    let r = e
        .payments()
        .record_payment(&order.id, paid.clone(), None)
        .await
        .expect("paid");
    assert_eq!(r.outcome, PaymentOutcome::Applied);
    assert_eq!(r.order_status, OrderStatus::Confirmed);
    // The same callback again: a duplicate; another approval: refused and logged; the money
    // received stays the order's total.
    let again = e
        .payments()
        .record_payment(&order.id, paid, None)
        .await
        .expect("again");
    assert_eq!(again.outcome, PaymentOutcome::Duplicate);
    let other = e
        .payments()
        .record_payment(
            &order.id,
            notice(
                "cap-3",
                PaymentEventKind::Captured {
                    amount: order.grand_total,
                },
            ),
            None,
        )
        .await
        .expect("recorded");
    assert!(matches!(other.outcome, PaymentOutcome::Rejected { .. }));
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(doc.order.payment.captured(), order.grand_total);
    // Going back to pay: already paid.
    assert!(matches!(
        e.checkout().start_payment(&order.id, None).await,
        Err(TijaraError::NotAwaitingPayment { .. })
    ));
    assert!(matches!(
        e.checkout().switch_payment(&order.id, "cod", None).await,
        Err(TijaraError::PaymentSwitch(
            SwitchRefusal::NotAwaitingPayment { .. }
        ))
    ));
}

/// A carrier that charges 5 MAD more to collect cash.
struct CodFee(StubCarrier);

#[async_trait]
impl Carrier for CodFee {
    fn code(&self) -> &str {
        self.0.code()
    }
    fn capabilities(&self) -> CarrierCapabilities {
        self.0.capabilities()
    }
    async fn quote(&self, request: &QuoteRequest) -> Result<Vec<Quote>, CarrierError> {
        let mut quotes = self.0.quote(request).await?;
        if request.cod_amount.is_some() {
            for q in &mut quotes {
                q.price = q.price.checked_add(mad("5.00")).expect("add");
            }
        }
        Ok(quotes)
    }
    async fn create_shipment(
        &self,
        request: &ShipmentRequest,
    ) -> Result<CreatedShipment, CarrierError> {
        self.0.create_shipment(request).await
    }
    async fn cancel(&self, n: &str) -> Result<(), CarrierError> {
        self.0.cancel(n).await
    }
    async fn track(&self, n: &str) -> Result<Vec<TrackingEvent>, CarrierError> {
        self.0.track(n).await
    }
    async fn parse_webhook(&self, r: &WebhookRequest) -> Result<WebhookUpdate, CarrierError> {
        self.0.parse_webhook(r).await
    }
    fn status_of(&self, code: &str) -> Option<TrackingStatus> {
        self.0.status_of(code)
    }
}

#[tokio::test]
async fn cash_on_delivery_with_a_fee_reprices_the_order_once_the_shopper_accepts_the_new_total() {
    let storage: Arc<dyn tijara::ports::storage::Storage> =
        Arc::new(tijara_store_memory::MemoryStore::new());
    let engine = Tijara::builder()
        .region(Region::dakhla())
        .storage(storage)
        .payment(Arc::new(StubGateway::card()))
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .payment(Arc::new(StubGateway::bank_transfer()))
        .carrier(Arc::new(CodFee(StubCarrier::new(
            "amana", "30.00", "10.00",
        ))))
        .clock(Arc::new(FixedClock::at(t0())))
        .ids(Arc::new(SequentialIds::default()))
        .build()
        .expect("engine");
    let m = Market {
        engine,
        clock: Arc::new(FixedClock::at(t0())),
        carrier: Arc::new(StubCarrier::new("unused", "1.00", "1.00")),
        sink: Arc::new(RecordingSink::default()),
        card: Arc::new(StubGateway::card()),
    };
    let c = catalog(&m).await;
    let order = declined_card_order(&m, &c).await;
    let before = m.engine.orders().order(&order.id).await.expect("order");
    let charged = order.seller_orders[0]
        .shipping
        .as_ref()
        .expect("shipping")
        .choice
        .price;
    let fee = mad("5.00");
    let expected = order.grand_total.checked_add(fee).expect("add");
    // Without the shopper's acceptance: refused with the new total, nothing changed.
    match m
        .engine
        .checkout()
        .switch_payment(&order.id, "cod", None)
        .await
    {
        Err(TijaraError::CodTotalChanged { total, before, .. }) => {
            assert_eq!(before, order.grand_total);
            assert_eq!(total, expected);
        }
        other => panic!("expected CodTotalChanged, got {other:?}"),
    }
    assert_eq!(
        m.engine.orders().order(&order.id).await.expect("order"),
        before
    );
    // What the page shows before asking.
    let repricing = m
        .engine
        .checkout()
        .cod_repricing(&order.id)
        .await
        .expect("repricing");
    assert!(repricing.changes_total());
    assert_eq!(repricing.grand_total, expected);
    assert_eq!(repricing.parcels.len(), 1);
    assert_eq!(repricing.parcels[0].seller_id, c.a);
    assert_eq!(repricing.parcels[0].before, charged);
    assert_eq!(
        repricing.parcels[0].after,
        charged.checked_add(fee).expect("add")
    );
    m.engine
        .checkout()
        .check_switch_payment(&order.id, "cod")
        .await
        .expect("cash on delivery is offered");
    // Accepting another total (the page was stale) is refused the same way.
    assert!(matches!(
        m.engine
            .checkout()
            .switch_payment_accepting(&order.id, "cod", order.grand_total, None)
            .await,
        Err(TijaraError::CodTotalChanged { total, .. }) if total == expected
    ));
    assert_eq!(
        m.engine.orders().order(&order.id).await.expect("order"),
        before
    );
    let stock_before = stock(&m.engine, &c.cushion).await;
    m.engine
        .checkout()
        .switch_payment_accepting(&order.id, "cod", expected, None)
        .await
        .expect("switched at the new total");
    let after = m.engine.orders().order(&order.id).await.expect("order");
    let o = &after.order;
    assert_eq!(o.status(), OrderStatus::Confirmed);
    assert_eq!(o.grand_total, expected);
    assert_eq!(o.payment.amount(), expected);
    assert_eq!(o.payment.method(), PaymentMethod::CashOnDelivery);
    assert_eq!(
        o.items_net.checked_add(o.shipping_total).expect("add"),
        o.grand_total
    );
    assert_eq!(o.tva.total().expect("tva").ttc, o.grand_total);
    assert_eq!(
        o.seller_orders[0].cod_amount,
        Some(o.seller_orders[0].total)
    );
    assert_eq!(
        o.seller_orders[0].lines,
        before.order.seller_orders[0].lines
    );
    // Stock: the reserved units are sold (as any cash-on-delivery switch), no unit more.
    let row = stock(&m.engine, &c.cushion).await;
    assert_eq!(row.reserved, 0);
    assert_eq!(
        row.on_hand,
        stock_before.on_hand - stock_before.reserved,
        "only the order's reserved units left the stock"
    );
}
