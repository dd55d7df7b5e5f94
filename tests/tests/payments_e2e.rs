//! Payments end to end on SQLite with the real adapters: a card order paid through the CMI
//! simulator (browser form, hosted card page, signed callback to the merchant's HTTP endpoint);
//! duplicate and forged callbacks at once change nothing; a declined card then a new attempt;
//! a bank transfer confirmed by an admin; cash on delivery delivered, collected and remitted.

#![allow(clippy::panic)] // test helpers assert by panicking

use axum::extract::{Form, State};
use axum::routing::post;
use std::sync::Arc;
use tijara::Tijara;
use tijara::ports::payment::{NotificationRequest, PaymentStart};
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::ShipRequest;
use tijara_core::catalog::{SellerKind, SellerTaxStatus};
use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};
use tijara_core::order::{Address, OrderStatus};
use tijara_core::payment::PaymentStatus;
use tijara_core::*;
use tijara_pay_cmi::{CmiConfig, CmiGateway};
use tijara_pay_offline::{BankAccount, BankTransfer, CashOnDelivery};
use tijara_testkit::cmi_sim::CmiSimulator;
use tijara_testkit::stubs::StubCarrier;

const CLIENT: &str = "600000001";
const KEY: &str = "TEST1234";

struct Shop {
    merchant: String,
    engine: Tijara,
    sim: CmiSimulator,
    carrier: Arc<StubCarrier>,
    variant: VariantId,
    seller: SellerId,
}

async fn callback(
    State(engine): State<Tijara>,
    Form(fields): Form<Vec<(String, String)>>,
) -> (axum::http::StatusCode, String) {
    let request = NotificationRequest::form(fields);
    match engine.payments().handle_notification("cmi", &request).await {
        Ok(a) => (
            axum::http::StatusCode::from_u16(a.status).unwrap_or(axum::http::StatusCode::OK),
            a.body,
        ),
        Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn shop() -> Shop {
    let sim = CmiSimulator::start(CLIENT, KEY).await.expect("simulator");
    // The merchant's callback endpoint, bound first so its URL goes in the CMI configuration.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let merchant = format!("http://{}", listener.local_addr().expect("addr"));
    let mut config = CmiConfig::test(CLIENT, KEY, &merchant);
    config.gateway_url = sim.gateway_url();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "payments-{}.db",
        tijara_testkit::storage::unique("e2e")
    ));
    let storage = tijara_store_sqlx::connect(path.to_str().expect("path"))
        .await
        .expect("sqlite");
    let carrier = Arc::new(StubCarrier::new("amana", "30.00", "10.00"));
    let engine = Tijara::builder()
        .storage(storage)
        .payment(Arc::new(CmiGateway::new(config).expect("cmi")))
        .payment(Arc::new(CashOnDelivery))
        .payment(Arc::new(
            BankTransfer::new(BankAccount {
                rib: "011780000012345678901234".into(),
                bank: "Banque Exemple".into(),
                holder: "Dakhla Market SARL".into(),
                pay_within_days: 5,
            })
            .expect("transfer"),
        ))
        .carrier(carrier.clone())
        .build()
        .expect("engine");
    let app = axum::Router::new()
        .route("/cmi/callback", post(callback))
        .with_state(engine.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let (variant, seller) = catalog(&engine).await;
    Shop {
        merchant,
        engine,
        sim,
        carrier,
        variant,
        seller,
    }
}

async fn catalog(engine: &Tijara) -> (VariantId, SellerId) {
    engine
        .catalog()
        .create_category(
            CategoryInput::new(
                CategoryId::new("leather").expect("id"),
                "leather",
                LocalizedText::single(Lang::FR, "Cuir"),
            ),
            None,
        )
        .await
        .expect("category");
    let seller = engine
        .catalog()
        .create_seller(
            SellerInput::new(
                "Coopérative Oudaya",
                SellerKind::Cooperative,
                "Dakhla",
                SellerTaxStatus::VatRegistered,
            ),
            None,
        )
        .await
        .expect("seller");
    let p = engine
        .catalog()
        .create_product(
            ProductInput::new(
                seller.id.clone(),
                CategoryId::new("leather").expect("id"),
                "tassoufra",
                LocalizedText::new()
                    .with(Lang::FR, "Sac tassoufra")
                    .with(Lang::AR, "حقيبة"),
                vec![
                    VariantInput::new(
                        "TASS",
                        Money::mad("890.00").expect("m"),
                        TaxCategoryId::new("standard").expect("id"),
                        900,
                    )
                    .with_initial_stock(20),
                ],
            ),
            None,
        )
        .await
        .expect("product");
    (p.variants[0].id.clone(), seller.id)
}

fn request(shop: &Shop, gateway: &str) -> PlaceOrderRequest {
    PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines: vec![(shop.variant.clone(), 1)],
            coupons: vec![],
            customer: None,
            shipping: [(
                shop.seller.clone(),
                ShippingSelection::new("amana", "standard"),
            )]
            .into_iter()
            .collect(),
        },
        "fatimatou@example.ma",
        Address {
            name: "Fatimatou Mint Ahmed".into(),
            line1: "N° 12, Rue Al Massira".into(),
            line2: None,
            city: "Casablanca".into(),
            postal_code: Some("20000".into()),
            state: None,
            country: "MA".into(),
            phone: "0612345678".into(),
        },
        gateway,
        Lang::FR,
    )
}

/// Plays the shopper's browser: posts the form to CMI, then the card page with `pan`.
async fn pay_in_browser(start: &PaymentStart, pan: &str) -> String {
    let PaymentStart::Redirect { url, fields } = start else {
        panic!("a redirect to CMI")
    };
    let http = reqwest::Client::new();
    let page = http
        .post(url)
        .form(fields)
        .send()
        .await
        .expect("gate")
        .text()
        .await
        .expect("page");
    assert!(page.contains("Paiement sécurisé"), "the hosted card page");
    let session = page
        .split("name=\"session\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("session")
        .to_owned();
    let base = url.trim_end_matches("/fim/est3Dgate");
    http.post(format!("{base}/fim/pay"))
        .form(&[
            ("session", session.as_str()),
            ("pan", pan),
            ("expiry", "12/30"),
            ("cvv", "000"),
        ])
        .send()
        .await
        .expect("pay")
        .text()
        .await
        .expect("return page")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_paid_through_the_cmi_simulator() {
    let s = shop().await;
    let placed = s
        .engine
        .checkout()
        .place_order(request(&s, "cmi"), None)
        .await
        .expect("placed");
    let order = placed.order;
    assert_eq!(order.status(), OrderStatus::AwaitingPayment);
    // A declined card first: the order waits.
    let back = pay_in_browser(&placed.payment, "4111111111111111").await;
    assert!(
        back.contains("/cmi/fail"),
        "the browser goes back to failUrl"
    );
    assert_eq!(
        s.sim.callbacks().last().map(|c| c.answer.clone()),
        Some("APPROVED".into()),
        "a decline is acknowledged"
    );
    assert_eq!(
        s.engine
            .orders()
            .order(&order.id)
            .await
            .expect("order")
            .order
            .status(),
        OrderStatus::AwaitingPayment
    );
    // A new attempt with the approved test card: CMI calls back, the order is paid and captured.
    let retry = s
        .engine
        .checkout()
        .start_payment(&order.id, None)
        .await
        .expect("new attempt");
    let back = pay_in_browser(&retry, "4000000000000010").await;
    assert!(back.contains("/cmi/ok"), "the browser goes back to okUrl");
    assert_eq!(
        s.sim.callbacks().last().map(|c| c.answer.clone()),
        Some("ACTION=POSTAUTH".into())
    );
    let doc = s.engine.orders().order(&order.id).await.expect("order");
    assert_eq!(doc.order.status(), OrderStatus::Confirmed);
    assert_eq!(doc.order.payment.status(), PaymentStatus::Captured);
    assert_eq!(doc.order.payment.captured(), order.grand_total);
    assert!(
        doc.payment_log.iter().all(|e| e.raw.get("HASH").is_none()),
        "no secret in the audit trail"
    );

    // The same callback ten times at once, and forged ones: nothing changes.
    let replays = s.sim.replay_last(10).await;
    assert!(
        replays.iter().all(|r| r.answer == "ACTION=POSTAUTH"),
        "duplicates get the same answer"
    );
    let forged_tasks: Vec<_> = (0..5)
        .map(|_| {
            let sim = s.sim.clone();
            let url = format!("{}/cmi/callback", s.merchant);
            tokio::spawn(async move {
                let fields = vec![
                    ("clientid".to_owned(), CLIENT.to_owned()),
                    ("oid".to_owned(), "forged-1".to_owned()),
                    ("amount".to_owned(), "1.00".to_owned()),
                    ("ProcReturnCode".to_owned(), "00".to_owned()),
                    ("HASH".to_owned(), "bm90IGEgaGFzaA==".to_owned()),
                ];
                sim.post_callback(&url, &fields, true).await
            })
        })
        .collect();
    for t in forged_tasks {
        assert_eq!(
            t.await.expect("task").answer,
            "FAILURE",
            "a forged callback is refused"
        );
    }
    let after = s.engine.orders().order(&order.id).await.expect("order");
    assert_eq!(
        after.payment_log.len(),
        doc.payment_log.len(),
        "duplicates and forgeries left no trace on the order"
    );
    assert_eq!(after.order.payment.captured(), order.grand_total);
    assert_eq!(
        s.engine
            .catalog()
            .stock_row(&s.variant)
            .await
            .expect("stock")
            .on_hand,
        19,
        "sold once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bank_transfer_confirmed_and_cod_collected_and_remitted() {
    let s = shop().await;
    // Transfer: instructions with the RIB; a wrong amount is refused; the right one confirms.
    let placed = s
        .engine
        .checkout()
        .place_order(request(&s, "transfer"), None)
        .await
        .expect("placed");
    let PaymentStart::Instructions { text, reference } = &placed.payment else {
        panic!("instructions")
    };
    assert!(
        text.exact(Lang::FR)
            .is_some_and(|t| t.contains("011780000012345678901234"))
    );
    let order = placed.order;
    let short = order
        .grand_total
        .checked_sub(Money::mad("1.00").expect("m"))
        .expect("m");
    let r = s
        .engine
        .payments()
        .confirm_bank_transfer(&order.id, short, reference, "admin", None)
        .await
        .expect("recorded");
    assert!(matches!(
        r.outcome,
        tijara::docs::PaymentOutcome::Rejected { .. }
    ));
    let r = s
        .engine
        .payments()
        .confirm_bank_transfer(&order.id, order.grand_total, reference, "admin", None)
        .await
        .expect("confirmed");
    assert_eq!(
        (r.order_status, r.payment_status),
        (OrderStatus::Confirmed, PaymentStatus::Captured)
    );

    // Cash on delivery: shipped, delivered with the cash, remitted by the carrier.
    let cod = s
        .engine
        .checkout()
        .place_order(request(&s, "cod"), None)
        .await
        .expect("placed")
        .order;
    assert_eq!(cod.status(), OrderStatus::Confirmed);
    let so = cod.seller_orders[0].id.clone();
    s.engine
        .fulfillment()
        .mark_ready(&cod.id, &so, None)
        .await
        .expect("ready");
    let shipment = s
        .engine
        .fulfillment()
        .ship(&cod.id, &so, ShipRequest::new(), None)
        .await
        .expect("shipped");
    let number = shipment.tracking_number.clone().expect("tracking number");
    s.carrier.set_events(
        &number,
        vec![TrackingEvent {
            at: s.engine.now(),
            status: TrackingStatus::Delivered,
            carrier_code: "LIV".into(),
            carrier_text: "Livré, espèces encaissées".into(),
            location: Some("Casablanca".into()),
            cod_collected: Some(cod.grand_total),
        }],
    );
    s.engine
        .fulfillment()
        .poll_tracking(&cod.id, &shipment.id)
        .await
        .expect("tracking");
    let doc = s.engine.orders().order(&cod.id).await.expect("order");
    assert_eq!(doc.order.payment.status(), PaymentStatus::Collected);
    let doc = s
        .engine
        .fulfillment()
        .record_cod_remittance(&cod.id, cod.grand_total, "REM-2026-11-28", None)
        .await
        .expect("remitted");
    assert_eq!(doc.order.payment.status(), PaymentStatus::Remitted);
    let again = s
        .engine
        .fulfillment()
        .record_cod_remittance(&cod.id, cod.grand_total, "REM-2026-11-28", None)
        .await
        .expect("same remittance");
    assert_eq!(
        again.order.payment.remitted(),
        cod.grand_total,
        "a remittance is recorded once"
    );
}
