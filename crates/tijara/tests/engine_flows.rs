//! The engine's use cases end to end on the memory store.

mod common;

use chrono::Duration;
use common::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use tijara::docs::{PaymentOutcome, PaymentSource};
use tijara::ports::payment::PaymentStart;
use tijara::usecases::cart::CartChange;
use tijara::usecases::catalog::{ProductFilter, StockAdjustment};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::ShipRequest;
use tijara::usecases::payments::{PaymentEventKind, PaymentNotice};
use tijara::usecases::returns::ReturnStep;
use tijara::{BuildError, Tijara, TijaraError};
use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};
use tijara_core::order::{FulfillmentStatus, OrderStatus};
use tijara_core::payment::{PaymentLogEvent, PaymentStatus};
use tijara_core::returns::ReturnLine;
use tijara_core::*;
use tijara_testkit::stubs::*;

fn amana() -> ShippingSelection {
    ShippingSelection::new("amana", "standard")
}

fn inline(lines: Vec<(VariantId, u32)>, sellers: &[&SellerId], gateway: &str) -> PlaceOrderRequest {
    PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines,
            coupons: vec![],
            customer: None,
            shipping: sellers.iter().map(|s| ((*s).clone(), amana())).collect(),
        },
        "youssef@example.ma",
        address(),
        gateway,
        Lang::FR,
    )
}

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

#[test]
fn builder_names_the_missing_part() {
    let storage: Arc<dyn tijara::ports::storage::Storage> =
        Arc::new(tijara_store_memory::MemoryStore::new());
    let err = Tijara::builder().build().expect_err("nothing given");
    assert_eq!(err, BuildError::Missing("storage"));
    assert_eq!(
        err.to_string(),
        "the engine needs storage: call .storage(...) on the builder"
    );
    let err = Tijara::builder()
        .storage(storage.clone())
        .build()
        .expect_err("no payment");
    assert_eq!(err, BuildError::Missing("payment"));
    let err = Tijara::builder()
        .storage(storage.clone())
        .payment(Arc::new(StubGateway::card()))
        .build()
        .expect_err("no carrier");
    assert_eq!(err, BuildError::Missing("carrier"));
    let err = Tijara::builder()
        .storage(storage)
        .payment(Arc::new(StubGateway::card()))
        .payment(Arc::new(StubGateway::card()))
        .carrier(Arc::new(StubCarrier::new("amana", "1", "1")))
        .build()
        .expect_err("duplicate");
    assert!(matches!(err, BuildError::Duplicate { .. }));
}

#[tokio::test]
async fn catalog_administration_and_browsing() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    // Validation errors are clear.
    let mut bad = product_input(
        &c.a,
        "bad",
        "Mauvais",
        "سيء",
        vec![variant("BAD-1", "10", 1)],
    );
    bad.variants[0].weight_grams = 0;
    let err = e
        .catalog()
        .create_product(bad.clone(), None)
        .await
        .expect_err("zero weight");
    assert!(err.to_string().contains("weighs 0 g"), "{err}");
    bad.variants[0].weight_grams = 100;
    bad.variants[0].tax_category = TaxCategoryId::new("luxury").expect("id");
    assert!(matches!(
        e.catalog().create_product(bad.clone(), None).await,
        Err(TijaraError::UnknownTaxCategory { category, .. }) if category.as_str() == "luxury"
    ));
    bad.variants[0].tax_category = TaxCategoryId::new("standard").expect("id");
    bad.slug = "srama".into();
    assert!(
        e.catalog().create_product(bad, None).await.is_err(),
        "slug already taken"
    );

    // Browsing: filters, text in French and Arabic, pages.
    let all = e
        .catalog()
        .list_products(&ProductFilter::default(), None, 10)
        .await
        .expect("list");
    assert_eq!(all.items.len(), 3);
    let f = |text: &str| ProductFilter::default().with_text(text);
    let hits = e
        .catalog()
        .list_products(&f("COUSSIN"), None, 10)
        .await
        .expect("search");
    assert_eq!(hits.items.len(), 1);
    let hits = e
        .catalog()
        .list_products(&f("دملج"), None, 10)
        .await
        .expect("search");
    assert_eq!(hits.items[0].product.slug, "dmlij");
    let jewels = ProductFilter::default().with_category(CategoryId::new("jewellery").expect("id"));
    assert_eq!(
        e.catalog()
            .list_products(&jewels, None, 10)
            .await
            .expect("list")
            .items
            .len(),
        1
    );
    let cheap = ProductFilter::default().with_max_price(mad("300"));
    assert_eq!(
        e.catalog()
            .list_products(&cheap, None, 10)
            .await
            .expect("list")
            .items
            .len(),
        1
    );
    let page1 = e
        .catalog()
        .list_products(&ProductFilter::default(), None, 2)
        .await
        .expect("page 1");
    let page2 = e
        .catalog()
        .list_products(&ProductFilter::default(), page1.next.as_deref(), 2)
        .await
        .expect("page 2");
    assert_eq!(
        (page1.items.len(), page2.items.len(), page2.next),
        (2, 1, None)
    );

    // Stock: availability, in-stock filter, adjustments that respect the guards.
    e.catalog()
        .adjust_stock(&c.bag, StockAdjustment::Remove { units: 2 }, None)
        .await
        .expect("remove");
    let in_stock = ProductFilter::default().with_in_stock(true);
    assert_eq!(
        e.catalog()
            .list_products(&in_stock, None, 10)
            .await
            .expect("list")
            .items
            .len(),
        2
    );
    assert!(matches!(
        e.catalog()
            .adjust_stock(&c.bag, StockAdjustment::Remove { units: 1 }, None)
            .await,
        Err(TijaraError::OutOfStock { .. })
    ));
    let row = e
        .catalog()
        .adjust_stock(&c.bag, StockAdjustment::Set { units: 4 }, None)
        .await
        .expect("set");
    assert_eq!(row.on_hand, 4);
    let view = e
        .catalog()
        .product_by_slug("tassoufra")
        .await
        .expect("by slug");
    assert_eq!(
        view.variants[0].availability,
        tijara_core::inventory::Availability::InStock { available: 4 }
    );

    // A deactivated seller's products disappear from the shop and cannot be bought.
    e.catalog()
        .set_seller_active(&c.b, false, None)
        .await
        .expect("deactivate");
    assert_eq!(
        e.catalog()
            .list_products(&ProductFilter::default(), None, 10)
            .await
            .expect("list")
            .items
            .len(),
        2
    );
    let cart = e.carts().create_cart(None, None).await.expect("cart");
    let r = e
        .carts()
        .change_cart(
            &cart.cart.id,
            CartChange::Add {
                variant: c.bracelet.clone(),
                quantity: 1,
            },
            None,
        )
        .await;
    assert!(matches!(r, Err(TijaraError::Cart(_))), "{r:?}");
}

#[tokio::test]
async fn carts_merge_and_price() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let guest = e.carts().create_cart(None, None).await.expect("guest cart");
    let id = guest.cart.id.clone();
    e.carts()
        .change_cart(
            &id,
            CartChange::Add {
                variant: c.cushion.clone(),
                quantity: 2,
            },
            None,
        )
        .await
        .expect("add");
    e.carts()
        .change_cart(
            &id,
            CartChange::Add {
                variant: c.bracelet.clone(),
                quantity: 1,
            },
            None,
        )
        .await
        .expect("add");
    e.carts()
        .change_cart(
            &id,
            CartChange::SetQuantity {
                variant: c.cushion.clone(),
                quantity: 3,
            },
            None,
        )
        .await
        .expect("set");
    assert!(matches!(
        e.carts()
            .change_cart(
                &id,
                CartChange::SetQuantity {
                    variant: c.cushion.clone(),
                    quantity: 1000
                },
                None
            )
            .await,
        Err(TijaraError::Cart(_))
    ));
    // Within the cart limits but above the 5 in stock: the early, friendly refusal.
    let over = e
        .carts()
        .change_cart(
            &id,
            CartChange::SetQuantity {
                variant: c.cushion.clone(),
                quantity: 6,
            },
            None,
        )
        .await;
    assert!(
        matches!(
            over,
            Err(TijaraError::OutOfStock {
                requested: 6,
                available: 5,
                ..
            })
        ),
        "{over:?}"
    );
    let over = e
        .carts()
        .change_cart(
            &id,
            CartChange::Add {
                variant: c.cushion.clone(),
                quantity: 3,
            },
            None,
        )
        .await;
    assert!(
        matches!(over, Err(TijaraError::OutOfStock { requested: 6, .. })),
        "{over:?}"
    );
    let customer = CustomerId::new("cus_1").expect("id");
    let mine = e
        .carts()
        .create_cart(Some(customer.clone()), None)
        .await
        .expect("customer cart");
    e.carts()
        .change_cart(
            &mine.cart.id,
            CartChange::Add {
                variant: c.cushion.clone(),
                quantity: 1,
            },
            None,
        )
        .await
        .expect("add");
    let (merged, report) = e
        .carts()
        .merge_cart_at_login(&id, &customer, None)
        .await
        .expect("merge");
    assert_eq!(merged.cart.id, mine.cart.id);
    assert_eq!(merged.cart.quantity_of(&c.cushion), 4);
    assert!(report.dropped.is_empty());
    assert!(
        e.carts()
            .change_cart(
                &id,
                CartChange::Remove {
                    variant: c.cushion.clone()
                },
                None
            )
            .await
            .is_err(),
        "guest cart closed"
    );
    let priced = e.carts().price(&mine.cart.id).await.expect("price");
    assert_eq!(priced.items_gross, mad("1780.00"));
    assert!(!priced.shipping_complete);
    // Shipping quotes per seller, then choices priced by the carrier on the server.
    let quotes = e
        .checkout()
        .shipping_quotes(&mine.cart.id, &address())
        .await
        .expect("quotes");
    assert_eq!(quotes.len(), 2);
    // Seller A ships 4 cushions (3.2 kg: 30 + 4 × 10), seller B one bracelet (30 + 10).
    assert_eq!(quotes[0].options[0].price, mad("70.00"));
    assert_eq!(quotes[1].options[0].price, mad("40.00"));
    for s in [&c.a, &c.b] {
        e.checkout()
            .choose_shipping(&mine.cart.id, address(), s, amana(), None)
            .await
            .expect("choose");
    }
    let priced = e.carts().price(&mine.cart.id).await.expect("price");
    assert!(priced.shipping_complete);
    assert_eq!(priced.shipping_total, mad("110.00"));
}

#[tokio::test]
async fn card_checkout_reserves_then_sells_once_paid() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let req = inline(
        vec![(c.cushion.clone(), 2), (c.bracelet.clone(), 1)],
        &[&c.a, &c.b],
        "card",
    );
    let placed = e
        .checkout()
        .place_order(req.clone(), Some(&key("k-1")))
        .await
        .expect("placed");
    let order = placed.order.clone();
    assert_eq!(order.status(), OrderStatus::AwaitingPayment);
    assert!(matches!(placed.payment, PaymentStart::Redirect { .. }));
    // 500 + 780 + shipping 50 (2 kg) + 40 (1 kg).
    assert_eq!(order.grand_total, mad("1370.00"));
    let row = e.catalog().stock_row(&c.cushion).await.expect("stock");
    assert_eq!((row.on_hand, row.reserved), (5, 2), "reserved, not sold");

    // The same request again: the same order; the same key with another request: refused.
    let again = e
        .checkout()
        .place_order(req.clone(), Some(&key("k-1")))
        .await
        .expect("replay");
    assert_eq!(again.order.id, order.id);
    assert_eq!(
        e.catalog()
            .stock_row(&c.cushion)
            .await
            .expect("stock")
            .reserved,
        2,
        "nothing reserved twice"
    );
    let other = inline(vec![(c.cushion.clone(), 1)], &[&c.a], "card");
    assert!(matches!(
        e.checkout().place_order(other, Some(&key("k-1"))).await,
        Err(TijaraError::IdempotencyMismatch { .. })
    ));
    // A card order cannot ship before it is paid.
    let so = order.seller_orders[0].id.clone();
    assert!(matches!(
        e.fulfillment().mark_ready(&order.id, &so, None).await,
        Err(TijaraError::NotPaidYet { .. })
    ));

    // Payment events: a decline, then an approval for the wrong amount (rejected, recorded),
    // then the right one, twice (applied once), then a late decline (ignored).
    let r = e
        .payments()
        .record_payment(
            &order.id,
            notice(
                "t1",
                PaymentEventKind::Declined {
                    reason: "51".into(),
                },
            ),
            None,
        )
        .await
        .expect("decline");
    assert_eq!(r.outcome, PaymentOutcome::Applied);
    let r = e
        .payments()
        .record_payment(
            &order.id,
            notice(
                "t2",
                PaymentEventKind::Authorized {
                    amount: mad("1.00"),
                },
            ),
            None,
        )
        .await
        .expect("wrong amount");
    assert!(matches!(r.outcome, PaymentOutcome::Rejected { .. }));
    assert_eq!(r.order_status, OrderStatus::AwaitingPayment);
    let ok = notice(
        "t3",
        PaymentEventKind::Authorized {
            amount: order.grand_total,
        },
    );
    let r = e
        .payments()
        .record_payment(&order.id, ok.clone(), None)
        .await
        .expect("approved");
    assert_eq!(
        (r.outcome, r.order_status),
        (PaymentOutcome::Applied, OrderStatus::Confirmed)
    );
    let r = e
        .payments()
        .record_payment(&order.id, ok, None)
        .await
        .expect("duplicate");
    assert_eq!(r.outcome, PaymentOutcome::Duplicate);
    let r = e
        .payments()
        .record_payment(
            &order.id,
            notice(
                "t4",
                PaymentEventKind::Declined {
                    reason: "late".into(),
                },
            ),
            None,
        )
        .await
        .expect("late");
    assert!(matches!(r.outcome, PaymentOutcome::Rejected { .. }));
    assert_eq!(r.payment_status, PaymentStatus::Authorized);
    let row = e.catalog().stock_row(&c.cushion).await.expect("stock");
    assert_eq!((row.on_hand, row.reserved), (3, 0), "sold once paid");
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(
        doc.payment_log.len(),
        4,
        "every event is kept, the duplicate is not re-recorded"
    );

    // Capture; refunds never exceed it.
    e.payments()
        .record_payment(
            &order.id,
            notice(
                "t5",
                PaymentEventKind::Captured {
                    amount: order.grand_total,
                },
            ),
            None,
        )
        .await
        .expect("capture");
    let r = e
        .payments()
        .record_payment(
            &order.id,
            notice(
                "t6",
                PaymentEventKind::Refunded {
                    amount: mad("5000"),
                },
            ),
            None,
        )
        .await
        .expect("too much");
    assert!(matches!(r.outcome, PaymentOutcome::Rejected { .. }));
    let doc = e.orders().order(&order.id).await.expect("order");
    let (gross, commission, shares) = doc.settlement.totals().expect("totals");
    assert_eq!(gross, order.grand_total);
    assert_eq!(commission.checked_add(shares).expect("add"), gross);
}

#[tokio::test]
async fn out_of_stock_changes_nothing() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let r = e
        .checkout()
        .place_order(
            inline(
                vec![(c.bag.clone(), 3), (c.cushion.clone(), 1)],
                &[&c.a],
                "cod",
            ),
            None,
        )
        .await;
    assert!(
        matches!(&r, Err(TijaraError::OutOfStock { variant, requested: 3, available: 2 }) if variant == &c.bag),
        "expected OutOfStock, got {r:?}"
    );
    assert_eq!(
        e.catalog()
            .stock_row(&c.cushion)
            .await
            .expect("stock")
            .on_hand,
        5,
        "the other line was not sold"
    );
    assert!(
        e.orders()
            .all_orders(None, 10)
            .await
            .expect("orders")
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn abandoned_card_checkout_returns_its_stock() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let placed = e
        .checkout()
        .place_order(inline(vec![(c.bag.clone(), 2)], &[&c.a], "card"), None)
        .await
        .expect("placed");
    assert_eq!(
        e.catalog()
            .stock_row(&c.bag)
            .await
            .expect("stock")
            .available(),
        0
    );
    assert_eq!(
        e.operations()
            .expire_reservations(100)
            .await
            .expect("sweep"),
        0,
        "not yet"
    );
    m.clock.advance(Duration::minutes(31));
    assert_eq!(
        e.operations()
            .expire_reservations(100)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(
        e.operations()
            .expire_reservations(100)
            .await
            .expect("sweep"),
        0,
        "once"
    );
    let doc = e.orders().order(&placed.order.id).await.expect("order");
    assert_eq!(doc.order.status(), OrderStatus::Cancelled);
    assert_eq!(doc.order.payment.status(), PaymentStatus::Voided);
    assert_eq!(
        e.catalog()
            .stock_row(&c.bag)
            .await
            .expect("stock")
            .available(),
        2,
        "stock back on sale"
    );
    // The money arrives after all: it is recorded and flagged for refund, the order stays cancelled.
    let r = e
        .payments()
        .record_payment(
            &placed.order.id,
            notice(
                "late",
                PaymentEventKind::Authorized {
                    amount: placed.order.grand_total,
                },
            ),
            None,
        )
        .await
        .expect("late payment");
    assert!(
        matches!(r.outcome, PaymentOutcome::Rejected { .. }),
        "a voided payment cannot be authorized"
    );
}

#[tokio::test]
async fn cod_order_ships_is_tracked_collected_and_remitted() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let placed = e
        .checkout()
        .place_order(
            inline(
                vec![(c.cushion.clone(), 1), (c.bracelet.clone(), 1)],
                &[&c.a, &c.b],
                "cod",
            ),
            None,
        )
        .await
        .expect("placed");
    let order = placed.order;
    assert_eq!(
        order.status(),
        OrderStatus::Confirmed,
        "COD is confirmed at once"
    );
    assert!(matches!(placed.payment, PaymentStart::Instructions { .. }));
    assert_eq!(
        e.catalog()
            .stock_row(&c.cushion)
            .await
            .expect("stock")
            .on_hand,
        4,
        "sold at once"
    );
    let (so_a, so_b) = (
        order.seller_orders[0].id.clone(),
        order.seller_orders[1].id.clone(),
    );
    for so in [&so_a, &so_b] {
        e.fulfillment()
            .mark_ready(&order.id, so, None)
            .await
            .expect("ready");
    }
    let sh_a = e
        .fulfillment()
        .ship(&order.id, &so_a, ShipRequest::new(), None)
        .await
        .expect("ship a");
    // A retry after a timeout never creates a second parcel.
    let again = e
        .fulfillment()
        .ship(&order.id, &so_a, ShipRequest::new(), None)
        .await;
    assert!(again.is_err() || again.as_ref().is_ok_and(|s| s.id == sh_a.id));
    let sh_b = e
        .fulfillment()
        .ship(&order.id, &so_b, ShipRequest::new(), None)
        .await
        .expect("ship b");
    assert_eq!(m.carrier.parcels_created(), 2);
    let ev = |h: i64, status: TrackingStatus, code: &str| TrackingEvent {
        at: t0() + Duration::hours(h),
        status,
        carrier_code: code.into(),
        carrier_text: code.into(),
        location: None,
        cod_collected: None,
    };
    let na = sh_a.tracking_number.clone().expect("tracking");
    // Out of order and repeated.
    e.fulfillment()
        .record_tracking(
            "amana",
            &na,
            vec![
                ev(30, TrackingStatus::Delivered, "LIV"),
                ev(2, TrackingStatus::PickedUp, "PU"),
            ],
            None,
        )
        .await
        .expect("track");
    let s = e
        .fulfillment()
        .record_tracking(
            "amana",
            &na,
            vec![
                ev(2, TrackingStatus::PickedUp, "PU"),
                ev(10, TrackingStatus::InTransit, "IT"),
            ],
            None,
        )
        .await
        .expect("track");
    assert_eq!(s.status(), TrackingStatus::Delivered);
    // Parcel B is refused and comes back: its collection is cancelled and the stock returns.
    let nb = sh_b.tracking_number.clone().expect("tracking");
    m.carrier.set_events(
        &nb,
        vec![
            ev(20, TrackingStatus::DeliveryFailed, "REF"),
            ev(60, TrackingStatus::ReturnedToSender, "RET"),
        ],
    );
    e.fulfillment()
        .poll_tracking(&order.id, &sh_b.id)
        .await
        .expect("poll");
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(
        doc.order.seller_order(&so_a).expect("a").status(),
        FulfillmentStatus::Delivered
    );
    assert_eq!(
        doc.order.seller_order(&so_b).expect("b").status(),
        FulfillmentStatus::Returned
    );
    assert_eq!(doc.order.payment.status(), PaymentStatus::Collected);
    assert_eq!(doc.order.status(), OrderStatus::Completed);
    assert_eq!(
        e.catalog()
            .stock_row(&c.bracelet)
            .await
            .expect("stock")
            .on_hand,
        10
    );
    let cod_a = doc
        .order
        .seller_order(&so_a)
        .expect("a")
        .cod_amount
        .expect("cod");
    let doc = e
        .fulfillment()
        .record_cod_remittance(&order.id, cod_a, "REM-1", None)
        .await
        .expect("remit");
    assert_eq!(doc.order.payment.status(), PaymentStatus::Remitted);
    let st = e
        .payouts()
        .seller_statement(&c.a, t0() - Duration::days(1), t0() + Duration::days(30))
        .await
        .expect("statement");
    assert_eq!(st.sales, cod_a);
    assert_eq!(st.owed.checked_add(st.commission).expect("add"), cod_a);
}

/// A damaged piece that comes back is received without going back on sale: the stock stays
/// where the sale left it, the part is returned and the refund follows as usual.
#[tokio::test]
async fn a_damaged_return_is_received_kept_off_sale() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = paid_transfer_order(&m, &c, "VIR-78").await;
    let so = deliver_first_part(&m, &order, 2).await;
    let on_sale = || async {
        e.catalog()
            .stock_row(&c.cushion)
            .await
            .expect("stock")
            .on_hand
    };
    let before = on_sale().await;
    let ret = e
        .orders()
        .request_return_with_photos(
            &order.id,
            &so,
            vec![ReturnLine {
                variant_id: c.cushion.clone(),
                quantity: 2,
            }],
            tijara_core::returns::ReturnReason::Damaged,
            None,
            Vec::new(),
            None,
        )
        .await
        .expect("withdrawal");
    e.orders()
        .advance_return(&order.id, &ret.id, ReturnStep::Approve, None)
        .await
        .expect("approve");
    let got = e
        .orders()
        .advance_return(&order.id, &ret.id, ReturnStep::ReceiveKeptOffSale, None)
        .await
        .expect("received");
    assert!(got.kept_off_sale());
    assert_eq!(got.status(), tijara_core::returns::ReturnStatus::Received);
    assert_eq!(
        on_sale().await,
        before,
        "a damaged piece is not offered again"
    );
    // Received once: neither way of receiving is taken a second time.
    for step in [ReturnStep::Receive, ReturnStep::ReceiveKeptOffSale] {
        let again = e
            .orders()
            .advance_return(&order.id, &ret.id, step, None)
            .await;
        assert!(
            matches!(
                again,
                Err(TijaraError::Return(
                    tijara_core::returns::ReturnError::Transition(_)
                ))
            ),
            "{again:?}"
        );
    }
    assert_eq!(on_sale().await, before);
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(
        doc.order.seller_order(&so).expect("part").status(),
        FulfillmentStatus::Returned
    );
    let refunded = e
        .orders()
        .advance_return(
            &order.id,
            &ret.id,
            ReturnStep::Refund { amount: ret.value },
            None,
        )
        .await
        .expect("refund");
    assert!(refunded.kept_off_sale());
    assert_eq!(on_sale().await, before);
}

#[tokio::test]
async fn withdrawal_is_received_refunded_and_restocked() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(
            inline(vec![(c.cushion.clone(), 2)], &[&c.a], "transfer"),
            None,
        )
        .await
        .expect("placed")
        .order;
    let r = e
        .payments()
        .record_payment(&order.id, admin_capture("VIR-77", order.grand_total), None)
        .await
        .expect("transfer confirmed");
    assert_eq!(r.order_status, OrderStatus::Confirmed);
    let so = deliver_first_part(&m, &order, 2).await;
    m.clock.advance(Duration::days(3));
    let ret = e
        .orders()
        .request_return_with_photos(
            &order.id,
            &so,
            vec![ReturnLine {
                variant_id: c.cushion.clone(),
                quantity: 1,
            }],
            tijara_core::returns::ReturnReason::Damaged,
            None,
            vec!["/media/a-800.jpg".into(), "/kept/b.jpg".into()],
            None,
        )
        .await
        .expect("withdrawal");
    assert_eq!(ret.value, mad("250.00"));
    for step in [
        ReturnStep::Approve,
        ReturnStep::Receive,
        ReturnStep::Refund {
            amount: mad("250.00"),
        },
    ] {
        e.orders()
            .advance_return(&order.id, &ret.id, step, None)
            .await
            .expect("step");
    }
    assert_eq!(
        e.catalog()
            .stock_row(&c.cushion)
            .await
            .expect("stock")
            .on_hand,
        4
    );
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(doc.order.payment.status(), PaymentStatus::PartiallyRefunded);
    let (gross, commission, shares) = doc.settlement.totals().expect("totals");
    assert_eq!(gross, doc.order.payment.net_received().expect("net"));
    assert_eq!(commission.checked_add(shares).expect("add"), gross);
    // The photos' addresses rewritten (a frontend moving them out of public view): bounded by
    // `max`, only those `rewrite` answers for, and nothing twice.
    let private = |order: &OrderId, url: &str| {
        url.strip_prefix("/media/")
            .map(|f| format!("/orders/{order}/photos/{f}"))
    };
    let none = e
        .operations()
        .rewrite_return_photos(0, private)
        .await
        .expect("rewrites");
    assert!(!none.complete && none.saved == 0, "{none:?}");
    assert!(
        none.unknown && none.left.is_empty(),
        "stopped at max: {none:?}"
    );
    // New addresses the order refuses (not a local path): left as it was, its addresses named.
    let refused = e
        .operations()
        .rewrite_return_photos(1_000, |_, url| {
            url.starts_with("/media/")
                .then(|| "https://elsewhere.example/a.jpg".to_owned())
        })
        .await
        .expect("rewrites");
    assert!(!refused.complete && !refused.unknown, "{refused:?}");
    assert_eq!(refused.saved, 0);
    assert_eq!(
        refused.left,
        ["/media/a-800.jpg".to_owned(), "/kept/b.jpg".to_owned()]
    );
    let done = e
        .operations()
        .rewrite_return_photos(1_000, private)
        .await
        .expect("rewrites");
    assert!(done.complete && done.saved == 1, "{done:?}");
    assert!(!done.unknown && done.left.is_empty(), "{done:?}");
    let moved = format!("/orders/{}/photos/a-800.jpg", order.id);
    assert_eq!(
        done.replaced,
        [("/media/a-800.jpg".to_owned(), moved.clone())]
    );
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(doc.returns[0].photos(), [moved, "/kept/b.jpg".to_owned()]);
    assert_eq!(
        doc.returns[0].status(),
        tijara_core::returns::ReturnStatus::Refunded
    );
    let again = e
        .operations()
        .rewrite_return_photos(1_000, private)
        .await
        .expect("rewrites");
    assert!(again.complete && again.saved == 0, "{again:?}");
    // Too late for another withdrawal.
    m.clock.advance(Duration::days(10));
    assert!(matches!(
        e.orders()
            .request_return(
                &order.id,
                &so,
                vec![ReturnLine {
                    variant_id: c.cushion.clone(),
                    quantity: 1
                }],
                None,
                None
            )
            .await,
        Err(TijaraError::Return(_))
    ));
}

#[tokio::test]
async fn events_are_delivered_in_order_at_least_once() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(inline(vec![(c.cushion.clone(), 1)], &[&c.a], "card"), None)
        .await
        .expect("placed")
        .order;
    e.payments()
        .record_payment(
            &order.id,
            notice(
                "p1",
                PaymentEventKind::Authorized {
                    amount: order.grand_total,
                },
            ),
            None,
        )
        .await
        .expect("paid");
    m.sink.set_failing(true);
    let r = e.operations().dispatch_events(100).await.expect("dispatch");
    assert_eq!(r.delivered, 0);
    assert!(r.failed >= 3);
    m.sink.set_failing(false);
    let r = e.operations().dispatch_events(100).await.expect("dispatch");
    assert_eq!(r.failed, 0);
    let kinds: Vec<String> = m
        .sink
        .delivered()
        .into_iter()
        .filter(|ev| ev.aggregate == order.id.as_str())
        .map(|ev| ev.kind)
        .collect();
    assert_eq!(
        kinds,
        ["order.placed", "payment.updated", "order.confirmed"]
    );
    // Each delivered event reads back typed, with the values the engine had.
    let typed: Vec<DomainEvent> = m
        .sink
        .delivered()
        .into_iter()
        .filter(|ev| ev.aggregate == order.id.as_str())
        .map(|ev| ev.event().expect("a known kind with its payload"))
        .collect();
    let [
        DomainEvent::OrderPlaced(placed),
        DomainEvent::PaymentUpdated(paid),
        DomainEvent::OrderConfirmed(confirmed),
    ] = typed.as_slice()
    else {
        panic!("{typed:?}");
    };
    assert_eq!(placed.order_id, order.id);
    assert_eq!(placed.grand_total, order.grand_total);
    assert_eq!(placed.status, OrderStatus::AwaitingPayment);
    assert_eq!(paid.event, PaymentLogEvent::Authorized);
    assert_eq!(paid.outcome, PaymentOutcome::Applied);
    assert_eq!(paid.reference, "p1");
    assert_eq!(confirmed.status, OrderStatus::Confirmed);
    assert_eq!(confirmed.payment, PaymentStatus::Authorized);
    assert_eq!(
        e.operations()
            .dispatch_events(100)
            .await
            .expect("dispatch")
            .delivered,
        0,
        "acknowledged"
    );
}

#[tokio::test]
async fn stored_cart_checkout_with_coupon_and_usage_limit() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let mut promo = tijara_core::promotion::Promotion {
        id: PromotionId::new("marhaba").expect("id"),
        name: LocalizedText::single(Lang::FR, "Marhaba"),
        kind: tijara_core::promotion::PromotionKind::PercentOff {
            rate: Rate::percent(10).expect("r"),
        },
        conditions: Default::default(),
        stacking: tijara_core::promotion::Stacking::Combinable,
        priority: 0,
        active: true,
    };
    promo.conditions.coupon = Some("MARHABA".into());
    promo.conditions.global_limit = Some(1);
    e.carts()
        .put_promotion(promo, None)
        .await
        .expect("promotion");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let cart = new_cart(e).await;
        e.carts()
            .change_cart(
                &cart,
                CartChange::Add {
                    variant: c.cushion.clone(),
                    quantity: 1,
                },
                None,
            )
            .await
            .expect("add");
        e.carts()
            .change_cart(
                &cart,
                CartChange::AddCoupon {
                    code: "marhaba".into(),
                },
                None,
            )
            .await
            .expect("coupon");
        e.checkout()
            .choose_shipping(&cart, address(), &c.a, amana(), None)
            .await
            .expect("shipping");
        let placed = place_stored_cod(e, &cart).await;
        ids.push(placed.order);
        assert!(
            e.carts()
                .change_cart(
                    &cart,
                    CartChange::Remove {
                        variant: c.cushion.clone()
                    },
                    None
                )
                .await
                .is_err(),
            "cart closed"
        );
    }
    assert_eq!(ids[0].applied_promotions.len(), 1);
    assert!(
        ids[1].applied_promotions.is_empty(),
        "the global limit of 1 was reached"
    );
    let bad = PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines: vec![],
            coupons: vec![],
            customer: None,
            shipping: BTreeMap::new(),
        },
        "not an email",
        address(),
        "cod",
        Lang::FR,
    );
    assert!(matches!(
        e.checkout().place_order(bad.clone(), None).await,
        Err(TijaraError::BadEmail { email }) if email == "not an email"
    ));
    let mut bad = bad;
    bad.email = "a@example.ma".into();
    bad.gateway = "paypal".into();
    assert!(matches!(
        e.checkout().place_order(bad, None).await,
        Err(TijaraError::NotConfigured { .. })
    ));
}

#[tokio::test]
async fn transfer_reminder_then_expiry() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let due = || async {
        e.payments()
            .reminders_may_be_due(Duration::days(1))
            .await
            .expect("due")
    };
    assert!(!due().await, "no order waits for a transfer");
    let order = e
        .checkout()
        .place_order(inline(vec![(c.bag.clone(), 1)], &[&c.a], "transfer"), None)
        .await
        .expect("placed")
        .order;
    assert!(
        !due().await,
        "its reservation lapses in 5 days, not within one"
    );
    assert_eq!(
        e.payments()
            .remind_pending_transfers(Duration::days(1))
            .await
            .expect("remind"),
        0,
        "5 days left"
    );
    m.clock.advance(Duration::days(4) + Duration::hours(12));
    assert!(due().await, "half a day left");
    assert_eq!(
        e.payments()
            .remind_pending_transfers(Duration::days(1))
            .await
            .expect("remind"),
        1
    );
    assert_eq!(
        e.payments()
            .remind_pending_transfers(Duration::days(1))
            .await
            .expect("remind"),
        0,
        "once"
    );
    let events = e.storage().pending_events(1000).await.expect("events");
    assert!(
        events
            .iter()
            .any(|ev| ev.kind == "payment.transfer_reminder" && ev.aggregate == order.id.as_str())
    );
    m.clock.advance(Duration::days(1));
    assert_eq!(
        e.operations()
            .expire_reservations(100)
            .await
            .expect("expire"),
        1
    );
    assert_eq!(
        e.orders()
            .order(&order.id)
            .await
            .expect("order")
            .order
            .status(),
        OrderStatus::Cancelled
    );
    assert_eq!(
        e.catalog()
            .stock_row(&c.bag)
            .await
            .expect("stock")
            .available(),
        2
    );
}

#[tokio::test]
async fn tracking_pushed_by_webhook_and_shipment_cancelled_before_pickup() {
    use tijara::ports::carrier::WebhookRequest;
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(
            inline(
                vec![(c.cushion.clone(), 1), (c.bracelet.clone(), 1)],
                &[&c.a, &c.b],
                "cod",
            ),
            None,
        )
        .await
        .expect("placed")
        .order;
    let (so_a, so_b) = (
        order.seller_orders[0].id.clone(),
        order.seller_orders[1].id.clone(),
    );
    for so in [&so_a, &so_b] {
        e.fulfillment()
            .mark_ready(&order.id, so, None)
            .await
            .expect("ready");
    }
    let sh_a = e
        .fulfillment()
        .ship(&order.id, &so_a, ShipRequest::new(), None)
        .await
        .expect("ship");
    let sh_b = e
        .fulfillment()
        .ship(&order.id, &so_b, ShipRequest::new(), None)
        .await
        .expect("ship");
    // B's parcel is cancelled before pickup: ready to ship again.
    let doc = e
        .fulfillment()
        .cancel_shipment(&order.id, &sh_b.id, None)
        .await
        .expect("cancelled");
    assert_eq!(
        doc.order.seller_order(&so_b).expect("b").status(),
        FulfillmentStatus::Ready
    );
    let ev = |h: i64, status: TrackingStatus, code: &str| TrackingEvent {
        at: t0() + Duration::hours(h),
        status,
        carrier_code: code.into(),
        carrier_text: code.into(),
        location: None,
        cod_collected: None,
    };
    let number = sh_a.tracking_number.clone().expect("number");
    let body = serde_json::to_string(&vec![
        (
            number.clone(),
            vec![
                ev(20, TrackingStatus::OutForDelivery, "OD"),
                ev(2, TrackingStatus::PickedUp, "PU"),
            ],
        ),
        (
            "UNKNOWN-NUMBER".to_owned(),
            vec![ev(3, TrackingStatus::InTransit, "IT")],
        ),
    ])
    .expect("json");
    let forged = WebhookRequest::new(body.clone());
    assert!(
        matches!(
            e.fulfillment()
                .handle_carrier_webhook("amana", &forged)
                .await,
            Err(TijaraError::Carrier(_))
        ),
        "unauthenticated"
    );
    let genuine = WebhookRequest::new(body).with_headers(vec![(
        "x-stub-token".into(),
        tijara_testkit::stubs::STUB_SECRET.into(),
    )]);
    let updated = e
        .fulfillment()
        .handle_carrier_webhook("amana", &genuine)
        .await
        .expect("webhook");
    assert_eq!(updated.len(), 1, "unknown tracking numbers are skipped");
    assert_eq!(updated[0].status(), TrackingStatus::OutForDelivery);
    assert!(
        e.fulfillment()
            .cancel_shipment(&order.id, &sh_a.id, None)
            .await
            .is_err(),
        "already on its way"
    );
}

#[tokio::test]
async fn display_rates_give_shoppers_abroad_an_indicative_total() {
    use tijara::EngineConfig;
    use tijara_core::region::DisplayRate;
    let rate = DisplayRate {
        to: Currency::EUR,
        rate: Decimal::new(92, 3),
        as_of: t0(),
    };
    let m = common::market_with(
        Arc::new(tijara_store_memory::MemoryStore::new()),
        EngineConfig::default().with_display_rates(vec![rate]),
    );
    assert_eq!(m.engine.display_rates(), &[rate]);
    let c = catalog(&m).await;
    let placed = m
        .engine
        .checkout()
        .place_order(inline(vec![(c.cushion.clone(), 1)], &[&c.a], "cod"), None)
        .await
        .expect("placed");
    let o = &placed.order;
    assert_eq!(o.display_totals.len(), 1);
    let eur = &o.display_totals[0];
    assert_eq!(eur.amount.currency(), Currency::EUR);
    assert_eq!(eur.rate, rate, "the rate is kept with the order");
    let expected = o
        .grand_total
        .convert(Currency::EUR, Decimal::new(92, 3))
        .expect("convert");
    assert_eq!(eur.amount, expected);
    assert_eq!(
        o.grand_total.currency(),
        Currency::MAD,
        "charged in dirhams"
    );
}

#[tokio::test]
async fn retries_with_a_key_never_call_the_gateway_or_carrier_twice() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let placed = e
        .checkout()
        .place_order(inline(vec![(c.cushion.clone(), 1)], &[&c.a], "card"), None)
        .await
        .expect("placed");
    let order = placed.order;
    let total = order.grand_total;
    let ops = |name: &str| {
        m.card
            .operations()
            .iter()
            .filter(|(n, _)| n == name)
            .count()
    };

    // A double click on "pay": the same attempt, not a new one.
    let first = e
        .checkout()
        .start_payment(&order.id, Some(&key("pay-1")))
        .await
        .expect("attempt");
    let again = e
        .checkout()
        .start_payment(&order.id, Some(&key("pay-1")))
        .await
        .expect("same attempt");
    let attempts: Vec<String> = m
        .card
        .requests()
        .iter()
        .map(|r| r.attempt_id.clone())
        .collect();
    assert_eq!(attempts.len(), 3, "placing, then two starts");
    assert_eq!(attempts[1], attempts[2], "{first:?} / {again:?}");
    assert_ne!(attempts[0], attempts[1]);

    e.payments()
        .record_payment(
            &order.id,
            notice("auth", PaymentEventKind::Authorized { amount: total }),
            None,
        )
        .await
        .expect("authorized");
    // Capture retried after a lost answer: one capture at the gateway, the same outcome.
    let cap = e
        .payments()
        .capture_payment(&order.id, total, Some(&key("cap-1")))
        .await
        .expect("capture");
    let cap2 = e
        .payments()
        .capture_payment(&order.id, total, Some(&key("cap-1")))
        .await
        .expect("replayed capture");
    assert_eq!(cap, cap2);
    assert_eq!(ops("capture"), 1);
    // Refund retried: refunded once at the gateway and in the books.
    let r1 = e
        .payments()
        .refund_payment(&order.id, mad("100.00"), "admin", Some(&key("ref-1")))
        .await
        .expect("refund");
    let r2 = e
        .payments()
        .refund_payment(&order.id, mad("100.00"), "admin", Some(&key("ref-1")))
        .await
        .expect("replayed refund");
    assert_eq!(r1, r2);
    assert_eq!(ops("refund"), 1);
    assert_eq!(
        e.orders()
            .order(&order.id)
            .await
            .expect("order")
            .order
            .payment
            .refunded(),
        mad("100.00")
    );
    assert!(matches!(
        e.payments()
            .refund_payment(&order.id, mad("50.00"), "admin", Some(&key("ref-1")))
            .await,
        Err(TijaraError::IdempotencyMismatch { .. })
    ));
    assert_eq!(
        ops("refund"),
        1,
        "a mismatched key never reaches the gateway"
    );

    // Ship retried: the same shipment, one parcel at the carrier; cancel retried: same answer.
    let so = order.seller_orders[0].id.clone();
    e.fulfillment()
        .mark_ready(&order.id, &so, None)
        .await
        .expect("ready");
    let request = ShipRequest::new();
    let sh = e
        .fulfillment()
        .ship(&order.id, &so, request.clone(), Some(&key("ship-1")))
        .await
        .expect("ship");
    let sh2 = e
        .fulfillment()
        .ship(&order.id, &so, request, Some(&key("ship-1")))
        .await
        .expect("replayed ship");
    assert_eq!(sh, sh2);
    assert_eq!(m.carrier.parcels_created(), 1);
    let d1 = e
        .fulfillment()
        .cancel_shipment(&order.id, &sh.id, Some(&key("cancel-1")))
        .await
        .expect("cancel");
    let d2 = e
        .fulfillment()
        .cancel_shipment(&order.id, &sh.id, Some(&key("cancel-1")))
        .await
        .expect("replayed cancel");
    assert_eq!(d1.shipments, d2.shipments);
    assert!(d2.shipments.is_empty());
    assert!(
        e.fulfillment()
            .cancel_shipment(&order.id, &sh.id, None)
            .await
            .is_err(),
        "without a key, a second cancel is an error: the shipment is gone"
    );
}

#[tokio::test]
async fn done_marks_are_recorded_once() {
    let m = market();
    let e = &m.engine;
    assert!(
        !e.operations()
            .is_done("notification", "42:0:a@b")
            .await
            .expect("read")
    );
    assert!(
        e.operations()
            .record_done("notification", "42:0:a@b")
            .await
            .expect("first")
    );
    assert!(
        !e.operations()
            .record_done("notification", "42:0:a@b")
            .await
            .expect("again")
    );
    assert!(
        e.operations()
            .is_done("notification", "42:0:a@b")
            .await
            .expect("read")
    );
    assert!(
        !e.operations()
            .is_done("webhook", "42:0:a@b")
            .await
            .expect("other scope")
    );
    assert!(matches!(
        e.operations().record_done("", "k").await,
        Err(TijaraError::InvalidField { field: "scope", .. })
    ));
}

#[tokio::test]
async fn done_marks_are_recorded_several_at_once() {
    let m = market();
    let ops = m.engine.operations();
    ops.record_done("notification", "7:0:a@b")
        .await
        .expect("one before");
    let keys: Vec<String> = ["7:0:a@b", "7:0:c@d", "7:1:c@d", "7:0:c@d"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        ops.record_done_all("notification", &keys)
            .await
            .expect("marks"),
        vec![false, true, true, false],
        "recorded before, new, new, repeated in the call"
    );
    for key in &keys {
        assert!(
            ops.is_done("notification", key).await.expect("read"),
            "{key}"
        );
    }
    assert!(
        !ops.is_done("webhook", "7:0:c@d")
            .await
            .expect("other scope")
    );
    let asked: Vec<String> = ["7:1:c@d", "7:9:x@y", "7:0:a@b"].map(String::from).to_vec();
    assert_eq!(
        ops.done_among("notification", &asked)
            .await
            .expect("several"),
        vec![true, false, true],
        "done_among answers key by key, in the order asked"
    );
    assert_eq!(
        ops.done_among("webhook", &asked)
            .await
            .expect("other scope"),
        vec![false, false, false]
    );
    assert_eq!(
        ops.done_among("notification", &[]).await.expect("none"),
        Vec::<bool>::new()
    );
    assert_eq!(
        ops.deliveries(&["notification:email".into(), "notification:sms".into()], 7)
            .await
            .expect("deliveries"),
        vec![None, None],
        "no attempt recorded: none"
    );
    assert_eq!(
        ops.record_done_all("notification", &[])
            .await
            .expect("none"),
        Vec::<bool>::new()
    );
    assert!(matches!(
        ops.record_done_all("notification", &["k".into(), String::new()])
            .await,
        Err(TijaraError::InvalidField { field: "key", .. })
    ));
    assert!(matches!(
        ops.record_done_all("", &keys).await,
        Err(TijaraError::InvalidField { field: "scope", .. })
    ));
    assert!(
        !ops.is_done("notification", "k").await.expect("read"),
        "a refused call records nothing"
    );
}

#[tokio::test]
async fn several_products_are_read_at_once() {
    let m = market();
    catalog(&m).await;
    let e = &m.engine;
    let page = e
        .catalog()
        .list_products(&ProductFilter::default(), None, 10)
        .await
        .expect("list");
    assert!(page.items.len() >= 2);
    let (a, b) = (&page.items[0].product.id, &page.items[1].product.id);
    let mut ids = vec![b.clone(), a.clone(), a.clone()];
    ids.push(ProductId::new("no-such-product").expect("id"));
    let views = e.catalog().products(&ids).await.expect("products");
    let mut got: Vec<&ProductId> = views.iter().map(|v| &v.product.id).collect();
    got.sort();
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(
        got, want,
        "each known product once, the unknown one left out"
    );
    assert!(!views[0].seller_name.is_empty());
    assert!(e.catalog().products(&[]).await.expect("none").is_empty());
}

/// A checkout's cart changes (created, an item added, a quantity set, its e-mail, its shipping
/// chosen) and a guest cart merged at login (given to the customer, or merged into the
/// customer's) are the commits a storage may defer (`Durability::Deferred`); placing the order
/// is flushed, with the cart it closes, and so is every commit that writes anything but carts.
///
/// A guest's cart has no keys or owners, before or after any change: each of its updates
/// promises the storage its lists are unchanged (`DocWrite::links_unchanged`, which the SQL
/// stores act on), through the checkout and the order that closes it. A cart given to a
/// customer at login, and a customer's cart, do not (their lists come from the customer); a
/// guest's cart merged into the customer's does. The memory store under this test checks each
/// promise against what it holds (debug builds).
#[tokio::test]
async fn a_checkouts_cart_changes_are_deferred_and_its_order_is_flushed() {
    use tijara::ports::storage::{DocKind, Durability};
    let store = Arc::new(
        tijara_testkit::outage::Outage::new(Arc::new(tijara_store_memory::MemoryStore::new()))
            .with_catalog_version(),
    );
    let m = market_with(store.clone(), tijara::EngineConfig::default());
    let c = catalog(&m).await;
    let e = &m.engine;
    let before = store.commits().len();
    let cart = new_cart(e).await;
    for change in [
        CartChange::Add {
            variant: c.cushion.clone(),
            quantity: 1,
        },
        CartChange::SetQuantity {
            variant: c.cushion.clone(),
            quantity: 2,
        },
    ] {
        e.carts()
            .change_cart(&cart, change, None)
            .await
            .expect("change");
    }
    e.checkout()
        .set_email(&cart, "a@example.ma", None)
        .await
        .expect("e-mail");
    e.checkout()
        .choose_shipping(&cart, address(), &c.a, amana(), None)
        .await
        .expect("shipping");
    place_stored_cod(e, &cart).await;
    let kept = store.links_kept().split_off(before);
    let marks = |kind: DocKind| -> Vec<bool> {
        kept.iter()
            .flatten()
            .filter(|(k, _)| *k == kind)
            .map(|(_, marked)| *marked)
            .collect()
    };
    assert_eq!(
        marks(DocKind::Cart),
        [false, true, true, true, true, true],
        "the guest's cart created, then five updates keeping its lists: {kept:?}"
    );
    assert!(
        !marks(DocKind::Order).contains(&true),
        "the order is new: {kept:?}"
    );
    let commits = store.commits().split_off(before);
    let carts_only =
        |kinds: &[DocKind]| !kinds.is_empty() && kinds.iter().all(|k| *k == DocKind::Cart);
    let deferred: Vec<_> = commits
        .iter()
        .filter(|(kinds, _)| carts_only(kinds))
        .collect();
    assert_eq!(deferred.len(), 5, "five cart changes: {commits:?}");
    assert!(
        deferred.iter().all(|(_, d)| *d == Durability::Deferred),
        "every cart change may be deferred: {commits:?}"
    );
    let placed: Vec<_> = commits
        .iter()
        .filter(|(kinds, _)| kinds.contains(&DocKind::Order))
        .collect();
    assert_eq!(placed.len(), 1, "one order placed: {commits:?}");
    assert!(
        placed[0].0.contains(&DocKind::Cart),
        "the order closes its cart in its commit"
    );
    assert!(
        commits
            .iter()
            .filter(|(kinds, _)| !carts_only(kinds))
            .all(|(_, d)| *d == Durability::Flushed),
        "anything but carts is flushed: {commits:?}"
    );
    // At login, a guest cart becomes the customer's (none yet: its key and owner are new),
    // then another merges into it (the customer's cart is not marked, the guest's, closed as
    // merged and still without a customer, is).
    let customer = CustomerId::new("cust-deferred").expect("id");
    let mut guests = Vec::new();
    for marked in [vec![false], vec![false, true]] {
        let guest = new_cart(e).await;
        e.carts()
            .change_cart(
                &guest,
                CartChange::Add {
                    variant: c.cushion.clone(),
                    quantity: 1,
                },
                None,
            )
            .await
            .expect("the guest's item");
        let before = store.commits().len();
        e.carts()
            .merge_cart_at_login(&guest, &customer, None)
            .await
            .expect("merged");
        let merges = store.commits().split_off(before);
        assert!(
            !merges.is_empty()
                && merges
                    .iter()
                    .all(|(kinds, d)| carts_only(kinds) && *d == Durability::Deferred),
            "a merge writes carts only, deferred: {merges:?}"
        );
        let mut kept: Vec<bool> = store
            .links_kept()
            .split_off(before)
            .into_iter()
            .flatten()
            .map(|(_, marked)| marked)
            .collect();
        kept.sort();
        assert_eq!(kept, marked, "the merge's marks");
        guests.push(guest);
    }
    // The customer's cart changed: its lists are not promised.
    let before = store.commits().len();
    e.carts()
        .change_cart(
            &guests[0],
            CartChange::SetQuantity {
                variant: c.cushion.clone(),
                quantity: 3,
            },
            None,
        )
        .await
        .expect("the customer's change");
    let changed = store.links_kept().split_off(before);
    assert_eq!(
        changed,
        [vec![(DocKind::Cart, false)]],
        "changed: {changed:?}"
    );
}

/// Places the stored `cart` for a@example.ma, paid on delivery.
async fn place_stored_cod(
    e: &tijara::Tijara,
    cart: &CartId,
) -> tijara::usecases::checkout::PlacedOrder {
    e.checkout()
        .place_order(
            PlaceOrderRequest::new(
                CheckoutCart::Stored { cart: cart.clone() },
                "a@example.ma",
                address(),
                "cod",
                Lang::AR,
            ),
            None,
        )
        .await
        .expect("placed")
}

/// Two cushions of seller A ordered by bank transfer, the transfer confirmed by an admin with
/// `reference`.
async fn paid_transfer_order(
    m: &Market,
    c: &Catalog,
    reference: &str,
) -> tijara_core::order::Order {
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(
            inline(vec![(c.cushion.clone(), 2)], &[&c.a], "transfer"),
            None,
        )
        .await
        .expect("placed")
        .order;
    e.payments()
        .record_payment(&order.id, admin_capture(reference, order.grand_total), None)
        .await
        .expect("transfer confirmed");
    order
}

/// How many refunds the card gateway was asked for.
fn card_refunds(m: &Market) -> usize {
    m.card
        .operations()
        .iter()
        .filter(|(n, _)| n == "refund")
        .count()
}

/// A card order of one cushion, paid (captured).
async fn paid_card_order(m: &Market, c: &Catalog) -> tijara_core::order::Order {
    let e = &m.engine;
    let order = e
        .checkout()
        .place_order(inline(vec![(c.cushion.clone(), 1)], &[&c.a], "card"), None)
        .await
        .expect("placed")
        .order;
    e.payments()
        .record_payment(
            &order.id,
            notice(
                "cap",
                PaymentEventKind::Captured {
                    amount: order.grand_total,
                },
            ),
            None,
        )
        .await
        .expect("paid");
    order
}

/// Ships and delivers the order's only part, then opens a return of one cushion through
/// `request_return_asked`, accepted and received: what a refund step then meets.
async fn received_return(
    m: &Market,
    c: &Catalog,
    order: &tijara_core::order::Order,
    refund_to: Option<tijara_core::returns::RefundAccount>,
) -> tijara_core::returns::ReturnRequest {
    let e = &m.engine;
    let so = deliver_first_part(m, order, 2).await;
    let ask = tijara_core::order_record::ReturnAsk::new(
        vec![ReturnLine {
            variant_id: c.cushion.clone(),
            quantity: 1,
        }],
        tijara_core::returns::ReturnReason::ChangedMind,
    )
    .with_refund_to(refund_to);
    let ret = e
        .orders()
        .request_return_asked(&order.id, &so, ask, None)
        .await
        .expect("asked");
    for step in [ReturnStep::Approve, ReturnStep::Receive] {
        e.orders()
            .advance_return(&order.id, &ret.id, step, None)
            .await
            .expect("step");
    }
    ret
}

#[tokio::test]
async fn a_transfer_orders_refund_waits_for_the_admins_transfer_to_the_shoppers_account() {
    use tijara_core::returns::{RefundAccount, ReturnError};
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = paid_transfer_order(&m, &c, "VIR-1").await;
    let account = RefundAccount::new("Youssef Alami", "011 780 0000123456789012 96").expect("rib");
    let ret = received_return(&m, &c, &order, Some(account.clone())).await;
    assert_eq!(ret.refund_account(), Some(&account));
    // Nothing to send before the seller refunds.
    assert!(matches!(
        e.orders()
            .send_return_refund(&order.id, &ret.id, "admin", Some("VIR-9"), None)
            .await,
        Err(TijaraError::Return(ReturnError::RefundNotDue))
    ));
    let refunded = e
        .orders()
        .advance_return(
            &order.id,
            &ret.id,
            ReturnStep::Refund {
                amount: mad("230.00"),
            },
            None,
        )
        .await
        .expect("refunded");
    assert_eq!(
        refunded.refund_due(),
        Some(mad("230.00")),
        "no gateway sends a transfer"
    );
    assert_eq!(
        e.dashboard()
            .summary()
            .await
            .expect("summary")
            .refunds_to_send,
        1
    );
    assert!(matches!(
        e.orders()
            .send_return_refund(&order.id, &ret.id, "admin", Some("  "), None)
            .await,
        Err(TijaraError::Return(ReturnError::BadTransferReference))
    ));
    let log = e
        .orders()
        .order(&order.id)
        .await
        .expect("doc")
        .payment_log
        .len();
    let sent = e
        .orders()
        .send_return_refund(
            &order.id,
            &ret.id,
            "admin@tijara.example",
            Some("VIR-9"),
            None,
        )
        .await
        .expect("sent");
    let how = sent.refund_sent().expect("sent");
    assert_eq!(
        (how.reference.as_str(), how.through_gateway),
        ("VIR-9", false)
    );
    let doc = e.orders().order(&order.id).await.expect("doc");
    assert_eq!(doc.payment_log.len(), log + 1);
    let entry = doc.payment_log.last().expect("entry");
    assert_eq!(entry.amount, Some(mad("230.00")));
    assert_eq!(
        entry.source,
        PaymentSource::Admin {
            user: "admin@tijara.example".into()
        }
    );
    assert_eq!(doc.order.payment.refunded(), mad("230.00"), "counted once");
    assert_eq!(
        e.dashboard()
            .summary()
            .await
            .expect("summary")
            .refunds_to_send,
        0
    );
    assert!(matches!(
        e.orders()
            .send_return_refund(&order.id, &ret.id, "admin", Some("VIR-10"), None)
            .await,
        Err(TijaraError::Return(ReturnError::RefundAlreadySent(_)))
    ));
}

#[tokio::test]
async fn a_card_orders_refund_goes_back_to_the_card_when_the_seller_refunds() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = paid_card_order(&m, &c).await;
    let ret = received_return(&m, &c, &order, None).await;
    let refunds = || card_refunds(&m);
    assert_eq!(refunds(), 0);
    let refunded = e
        .orders()
        .advance_return(
            &order.id,
            &ret.id,
            ReturnStep::Refund {
                amount: mad("250.00"),
            },
            Some(&key("refund-1")),
        )
        .await
        .expect("refunded");
    assert_eq!(refunds(), 1, "the card is refunded at once");
    assert!(refunded.refund_sent().expect("sent").through_gateway);
    assert_eq!(refunded.refund_due(), None);
    // The step retried with its key: the first answer's return, as it is now; no second refund.
    let again = e
        .orders()
        .advance_return(
            &order.id,
            &ret.id,
            ReturnStep::Refund {
                amount: mad("250.00"),
            },
            Some(&key("refund-1")),
        )
        .await
        .expect("replayed");
    assert_eq!(again, refunded);
    assert_eq!(refunds(), 1);
    let doc = e.orders().order(&order.id).await.expect("doc");
    assert_eq!(doc.order.payment.refunded(), mad("250.00"), "counted once");
    assert!(matches!(
        doc.payment_log.last().map(|l| &l.source),
        Some(PaymentSource::Gateway { .. })
    ));
}

/// A card gateway that refunds by API but only whole payments (no `partial_refund`) is never
/// asked for part of one, as its port promises: a return's refund waits for the admin, who
/// refunds in the back office and records its reference; the admin's other refund of part is
/// refused the same way; nothing reaches the gateway.
#[tokio::test]
async fn a_gateway_without_partial_refunds_is_never_asked_for_part_of_a_payment() {
    use tijara::ports::payment::PaymentCapabilities;
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    m.card.set_capabilities(
        PaymentCapabilities::default()
            .with_redirect(true)
            .with_partial_capture(true)
            .with_void(true)
            .with_refund_by_api(true),
    );
    let order = paid_card_order(&m, &c).await;
    let captured = order.grand_total;
    assert!(
        !e.payments()
            .refunds_by_api_for("card", mad("250.00"), captured)
    );
    assert!(e.payments().refunds_by_api_for("card", captured, captured));
    let ret = received_return(&m, &c, &order, None).await;
    let refunds = || card_refunds(&m);
    let refunded = e
        .orders()
        .advance_return(
            &order.id,
            &ret.id,
            ReturnStep::Refund {
                amount: mad("250.00"),
            },
            None,
        )
        .await
        .expect("refund decided");
    assert_eq!(refunded.refund_due(), Some(mad("250.00")), "it waits");
    assert_eq!(refunds(), 0, "the gateway is not asked for part");
    let by_card = e
        .orders()
        .send_return_refund(&order.id, &ret.id, "admin@tijara.example", None, None)
        .await;
    assert!(
        matches!(by_card, Err(TijaraError::PartialRefundUnsupported { .. })),
        "{by_card:?}"
    );
    let other = e
        .payments()
        .refund_payment(&order.id, mad("10.00"), "admin@tijara.example", None)
        .await;
    assert!(
        matches!(other, Err(TijaraError::PartialRefundUnsupported { .. })),
        "{other:?}"
    );
    assert_eq!(refunds(), 0);
    let doc = e.orders().order(&order.id).await.expect("doc");
    assert_eq!(
        doc.order.payment.refunded(),
        mad("250.00"),
        "nothing more counted"
    );
    // Refunded in the back office: recorded with its reference.
    let sent = e
        .orders()
        .send_return_refund(
            &order.id,
            &ret.id,
            "admin@tijara.example",
            Some("BO-2026-77"),
            None,
        )
        .await
        .expect("recorded");
    let sent = sent.refund_sent().expect("sent");
    assert!(!sent.through_gateway);
    assert_eq!(sent.reference, "BO-2026-77");
    assert_eq!(refunds(), 0);
}

#[tokio::test]
async fn a_card_refund_without_an_answer_is_never_asked_again_and_is_recorded_by_hand() {
    use tijara_core::returns::ReturnError;
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = paid_card_order(&m, &c).await;
    let ret = received_return(&m, &c, &order, None).await;
    // The gateway times out at the seller's step: the refund is recorded, its money may or may
    // not have left.
    m.card.set_behaviour(StubBehaviour::Unavailable);
    let refunded = e
        .orders()
        .advance_return(
            &order.id,
            &ret.id,
            ReturnStep::Refund {
                amount: mad("250.00"),
            },
            None,
        )
        .await
        .expect("the refund is recorded though the gateway failed");
    assert_eq!(refunded.refund_due(), Some(mad("250.00")), "it waits");
    assert!(refunded.refund_attempted_at().is_some());
    // Back up, the gateway is still not asked again: the first call may have refunded.
    m.card.set_behaviour(StubBehaviour::Redirect);
    assert!(matches!(
        e.orders()
            .send_return_refund(&order.id, &ret.id, "admin", None, None)
            .await,
        Err(TijaraError::Return(
            ReturnError::RefundOutcomeUnknown { .. }
        ))
    ));
    let refunds = || card_refunds(&m);
    assert_eq!(refunds(), 0);
    // The admin looked in the back office, refunded there, and notes its reference.
    let sent = e
        .orders()
        .send_return_refund(
            &order.id,
            &ret.id,
            "admin@tijara.example",
            Some("CMI-BO-9"),
            None,
        )
        .await
        .expect("recorded by hand");
    let how = sent.refund_sent().expect("sent");
    assert_eq!(
        (how.reference.as_str(), how.through_gateway, how.by.as_str()),
        ("CMI-BO-9", false, "admin@tijara.example")
    );
    assert_eq!(sent.refund_attempted_at(), None);
    // A second click: refused, nothing reaches the gateway.
    assert!(matches!(
        e.orders()
            .send_return_refund(&order.id, &ret.id, "admin", None, None)
            .await,
        Err(TijaraError::Return(ReturnError::RefundAlreadySent(_)))
    ));
    assert_eq!(refunds(), 0);
    let doc = e.orders().order(&order.id).await.expect("doc");
    assert_eq!(doc.order.payment.refunded(), mad("250.00"), "counted once");
}

#[tokio::test]
async fn a_card_refund_made_in_the_back_office_is_recorded_with_its_reference() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = paid_card_order(&m, &c).await;
    let ret = received_return(&m, &c, &order, None).await;
    m.card.set_behaviour(StubBehaviour::Unavailable);
    e.orders()
        .advance_return(
            &order.id,
            &ret.id,
            ReturnStep::Refund {
                amount: mad("100.00"),
            },
            None,
        )
        .await
        .expect("recorded");
    // The admin refunded it in the gateway's back office: its reference, no call.
    let sent = e
        .orders()
        .send_return_refund(&order.id, &ret.id, "admin", Some("CMI-BO-77"), None)
        .await
        .expect("recorded by hand");
    let how = sent.refund_sent().expect("sent");
    assert_eq!(
        (how.reference.as_str(), how.through_gateway),
        ("CMI-BO-77", false)
    );
    assert_eq!(
        m.card
            .operations()
            .iter()
            .filter(|(n, _)| n == "refund")
            .count(),
        0
    );
}

/// A shop created active and later suspended is not taken for an applicant waiting for
/// approval (its portal would thank it for applying); an application waits until approved,
/// and its approval is dated.
#[tokio::test]
async fn a_suspended_shop_is_not_taken_for_an_applicant() {
    use tijara::usecases::catalog::SellerInput;
    use tijara_core::catalog::{SellerKind, SellerTaxStatus};
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let created = e.catalog().seller(&c.a).await.expect("seller");
    assert!(created.active && !created.awaiting_approval());
    let off = e
        .catalog()
        .set_seller_active(&c.a, false, None)
        .await
        .expect("suspended");
    assert!(!off.active && off.approved_at.is_some());
    assert!(!off.awaiting_approval());
    let applied = e
        .accounts()
        .apply_as_seller(
            SellerInput::new(
                "Atelier Nour",
                SellerKind::Artisan,
                "Dakhla",
                SellerTaxStatus::VatRegistered,
            ),
            None,
        )
        .await
        .expect("applied");
    assert!(applied.awaiting_approval());
    let approved = e
        .catalog()
        .set_seller_active(&applied.id, true, None)
        .await
        .expect("approved");
    assert_eq!(approved.approved_at, Some(e.now()));
    // Details changed later keep the date.
    let kept = e
        .catalog()
        .update_seller(&applied.id, SellerInput::from(approved.clone()), None)
        .await
        .expect("updated");
    assert_eq!(kept.approved_at, approved.approved_at);
}

/// A parcel the shopper paid for that comes back undelivered opens its refund: a received
/// return of every unit, reason `came_back`, the units back on the shelf once; tracking
/// repeated opens no second one; the seller's refund step then refunds it through the card
/// gateway as any return. A cash-on-delivery parcel that comes back opens none (nothing was
/// paid).
#[tokio::test]
async fn a_paid_parcel_that_comes_back_opens_its_refund() {
    use tijara_core::returns::{ReturnReason, ReturnStatus};
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = paid_card_order(&m, &c).await;
    let shelf = || async {
        e.catalog()
            .stock_row(&c.cushion)
            .await
            .expect("stock")
            .on_hand
    };
    let sold = shelf().await;
    let so = track_first_part(&m, &order, 3, TrackingStatus::ReturnedToSender).await;
    let doc = e.orders().order(&order.id).await.expect("doc");
    assert_eq!(doc.returns.len(), 1, "{:?}", doc.returns);
    let back = &doc.returns[0];
    assert!(back.is_came_back());
    assert_eq!(back.reason_code, Some(ReturnReason::CameBack));
    assert_eq!(back.status(), ReturnStatus::Received);
    assert_eq!(back.seller_order_id, so);
    let part = &doc.order.seller_orders[0];
    assert_eq!(back.value, part.lines[0].net, "the items, not the delivery");
    assert_eq!(back.lines[0].quantity, part.lines[0].quantity);
    assert_eq!(shelf().await, sold + 1, "back on the shelf");
    // The carrier says it again: nothing more.
    retrack_first_part(&m, &doc, TrackingStatus::ReturnedToSender).await;
    let again = e.orders().order(&order.id).await.expect("doc");
    assert_eq!(again.returns.len(), 1);
    assert_eq!(shelf().await, sold + 1, "restocked once");

    // An order-wide refund now would pay it twice (spread over the sellers, then the return):
    // refused, nothing called.
    assert!(matches!(
        e.payments()
            .refund_payment(&order.id, mad("10.00"), "admin@tijara.example", None)
            .await,
        Err(TijaraError::CameBackRefundOpen { .. })
    ));
    // The seller refunds it: the card gateway gives the items' price back.
    let refunds = || card_refunds(&m);
    let refunded = e
        .orders()
        .advance_return(
            &order.id,
            &back.id,
            ReturnStep::Refund { amount: back.value },
            None,
        )
        .await
        .expect("refunded");
    assert_eq!(refunded.status(), ReturnStatus::Refunded);
    assert_eq!(refunds(), 1);
    assert!(refunded.refund_sent().is_some_and(|s| s.through_gateway));
    let doc = e.orders().order(&order.id).await.expect("doc");
    assert_eq!(doc.order.payment.refunded(), back.value);

    // Cash on delivery: nothing was paid, nothing is owed.
    let cod = e
        .checkout()
        .place_order(inline(vec![(c.cushion.clone(), 1)], &[&c.a], "cod"), None)
        .await
        .expect("placed")
        .order;
    track_first_part(&m, &cod, 3, TrackingStatus::ReturnedToSender).await;
    let doc = e.orders().order(&cod.id).await.expect("doc");
    assert!(doc.returns.is_empty(), "{:?}", doc.returns);
}
