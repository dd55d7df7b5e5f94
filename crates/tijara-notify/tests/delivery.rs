//! Notifications end to end: a new order reaches its seller by e-mail in the seller's language,
//! each shipment step reaches the shopper by e-mail and SMS, a payout reaches the seller; a
//! failing SMS gateway is retried without sending the e-mails twice, and never blocks the order.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use tijara::Tijara;
use tijara::ports::storage::Storage;
use tijara::usecases::accounts::{NewAccount, Role};
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::ShipRequest;
use tijara_core::catalog::{SellerKind, SellerTaxStatus};
use tijara_core::*;
use tijara_notify::{HttpSmsNotifier, NotificationSink, Notifier, SmtpNotifier};
use tijara_testkit::stubs::{StubCarrier, StubGateway};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A minimal SMTP server that accepts every message and keeps it.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let store = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(buf) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(data.take().unwrap());
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            buf.push_str(&line);
                            buf.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 end with .\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 OK\r\n",
                    };
                    write.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

#[derive(Default)]
struct Sms {
    calls: AtomicU32,
    ok: Mutex<Vec<serde_json::Value>>,
}

async fn sms(State(s): State<Arc<Sms>>, body: String) -> StatusCode {
    if s.calls.fetch_add(1, Ordering::SeqCst) == 0 {
        return StatusCode::SERVICE_UNAVAILABLE; // the first call fails
    }
    s.ok.lock()
        .unwrap()
        .push(serde_json::from_str(&body).unwrap());
    StatusCode::OK
}

fn decoded(mail: &str) -> String {
    // lettre encodes non-ASCII bodies as base64 or quoted-printable; the test reads the subject
    // (RFC 2047 encoded) loosely and the plain-text body.
    mail.to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sellers_and_shoppers_hear_of_what_concerns_them() {
    let (smtp_port, mails) = smtp_sink().await;
    let gateway = Arc::new(Sms::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sms_addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/send", post(sms))
        .with_state(gateway.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let storage: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
    let build = |sink: Option<Arc<dyn tijara::ports::runtime::EventSink>>| {
        let mut b = Tijara::builder()
            .storage(storage.clone())
            .payment(Arc::new(StubGateway::cash_on_delivery()))
            .carrier(Arc::new(StubCarrier::new("amana", "30.00", "10.00")));
        if let Some(s) = sink {
            b = b.event_sink(s);
        }
        b.build().unwrap()
    };
    let reader = build(None);
    let channels: Vec<Arc<dyn Notifier>> = vec![
        Arc::new(
            SmtpNotifier::unencrypted(
                "127.0.0.1",
                smtp_port,
                "Marché de Dakhla <noreply@tijara.example>",
            )
            .unwrap(),
        ),
        Arc::new(
            HttpSmsNotifier::new(
                &format!("http://{sms_addr}/send"),
                r#"{"to": "{to}", "message": "{text}", "sender": "TIJARA"}"#,
                Some("sms-token".into()),
            )
            .unwrap(),
        ),
    ];
    let engine = build(Some(Arc::new(NotificationSink::new(
        reader,
        channels.clone(),
    ))));

    engine
        .catalog()
        .create_category(
            CategoryInput::new(
                CategoryId::new("leather").unwrap(),
                "leather",
                LocalizedText::single(Lang::FR, "Cuir"),
            ),
            None,
        )
        .await
        .unwrap();
    let seller = engine
        .catalog()
        .create_seller(
            SellerInput::new(
                "Atelier Lahcen",
                SellerKind::Artisan,
                "Dakhla",
                SellerTaxStatus::VatRegistered,
            )
            // A bank account on file: payouts need one.
            .with_legal(tijara_core::catalog::LegalIds {
                rib: Some("011780000012345678901234".into()),
                ..Default::default()
            }),
            None,
        )
        .await
        .unwrap();
    engine
        .accounts()
        .create_account(
            NewAccount::new(
                "lahcen@example.ma",
                "Lahcen",
                tijara::usecases::accounts::hash_password("lahcen-2026").unwrap(),
                Role::Seller {
                    seller_id: seller.id.clone(),
                    member: None,
                },
                Lang::AR,
            ),
            None,
        )
        .await
        .unwrap();
    let product = engine
        .catalog()
        .create_product(
            ProductInput::new(
                seller.id.clone(),
                CategoryId::new("leather").unwrap(),
                "sac",
                LocalizedText::single(Lang::FR, "Sac"),
                vec![
                    VariantInput::new(
                        "SAC-1",
                        Money::mad("300.00").unwrap(),
                        TaxCategoryId::new("standard").unwrap(),
                        500,
                    )
                    .with_initial_stock(5),
                ],
            ),
            None,
        )
        .await
        .unwrap();
    let placed = engine
        .checkout()
        .place_order(
            PlaceOrderRequest::new(
                CheckoutCart::Inline {
                    lines: vec![(product.variants[0].id.clone(), 1)],
                    coupons: vec![],
                    customer: None,
                    shipping: [(
                        seller.id.clone(),
                        ShippingSelection::new("amana", "standard"),
                    )]
                    .into_iter()
                    .collect(),
                },
                "fatima@example.ma",
                order::Address {
                    name: "Fatima".into(),
                    line1: "Rue 1".into(),
                    line2: None,
                    city: "Casablanca".into(),
                    postal_code: None,
                    state: None,
                    country: "MA".into(),
                    phone: "+212661000009".into(),
                },
                "cod",
                Lang::FR,
            ),
            None,
        )
        .await
        .unwrap();
    let o = placed.order;
    let so = o.seller_orders[0].id.clone();
    engine
        .fulfillment()
        .mark_ready(&o.id, &so, None)
        .await
        .unwrap();
    engine
        .fulfillment()
        .ship(&o.id, &so, ShipRequest::new(), None)
        .await
        .unwrap();
    engine
        .payouts()
        .record_payout(
            &seller.id,
            Money::mad("250.00").unwrap(),
            "VIR-77",
            (o.placed_at - chrono_days(30), o.placed_at),
        )
        .await
        .unwrap();

    // First dispatch: the SMS gateway fails once, so the shipment's event stays in the outbox.
    let first = engine.operations().dispatch_events(100).await.unwrap();
    assert!(first.failed >= 1, "{first:?}");
    // The SMS channel's failure is stored: attempts, error, next try (a backoff).
    let failed = engine
        .operations()
        .failed_deliveries(None, 100)
        .await
        .unwrap();
    let sms_failure = failed
        .iter()
        .find(|r| r.target == "notification:channel-1")
        .unwrap_or_else(|| panic!("the SMS failure is listed: {failed:?}"))
        .clone();
    assert_eq!(sms_failure.attempts, 1);
    assert!(
        sms_failure
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("503")),
        "{sms_failure:?}"
    );
    assert!(
        !sms_failure.waits_at(engine.now()),
        "the first failure is retried on the next round: {sms_failure:?}"
    );
    assert!(
        !failed.iter().any(|r| r.target == "notification:channel-0"),
        "the e-mails went out: {failed:?}"
    );
    // The process restarts: a new sink, with nothing in memory, on the same storage: it
    // knows what was sent (no e-mail again) and what failed.
    let restarted = build(Some(Arc::new(NotificationSink::new(build(None), channels))));
    // An admin's retry of a failure (here due already) is accepted.
    restarted
        .operations()
        .retry_delivery("notification:channel-1", sms_failure.seq)
        .await
        .unwrap();
    let mut rounds = 0;
    while !storage.pending_events(100).await.unwrap().is_empty() {
        rounds += 1;
        assert!(rounds < 10, "notifications never went out");
        restarted.operations().dispatch_events(100).await.unwrap();
    }
    let mails = mails.lock().unwrap().clone();
    let to = |addr: &str| mails.iter().filter(|m| m.contains(addr)).count();
    assert_eq!(
        to("lahcen@example.ma"),
        2,
        "the new order and the payout, once each: {mails:#?}"
    );
    assert!(
        to("fatima@example.ma") >= 1,
        "the shopper hears of her parcel"
    );
    let shopper_mails: Vec<&String> = mails
        .iter()
        .filter(|m| m.contains("fatima@example.ma"))
        .collect();
    let shipment_events = storage.pending_events(100).await.unwrap();
    assert!(shipment_events.is_empty());
    // Delivered: off the failed list, marked delivered; retrying it again is refused.
    let row = storage
        .delivery("notification:channel-1", sms_failure.seq)
        .await
        .unwrap()
        .unwrap();
    assert!(row.is_delivered() && row.attempts == 2, "{row:?}");
    assert!(
        restarted
            .operations()
            .failed_deliveries(None, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        restarted
            .operations()
            .retry_delivery("notification:channel-1", sms_failure.seq)
            .await,
        Err(tijara::TijaraError::PartNotFound { .. })
    ));
    // The e-mail to the shopper was not repeated when the SMS was retried after the restart.
    let distinct: std::collections::HashSet<_> = shopper_mails
        .iter()
        .map(|m| {
            m.lines()
                .filter(|l| !l.starts_with("Date:") && !l.starts_with("Message-ID:"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    assert_eq!(
        distinct.len(),
        shopper_mails.len(),
        "no duplicate e-mail: {shopper_mails:#?}"
    );
    assert!(
        decoded(
            mails
                .iter()
                .find(|m| m.contains("lahcen@example.ma"))
                .unwrap()
        )
        .contains("Subject:")
    );
    let sms = gateway.ok.lock().unwrap().clone();
    assert!(!sms.is_empty(), "the SMS went out on the retry");
    assert_eq!(sms[0]["to"], "+212661000009");
    assert_eq!(sms[0]["sender"], "TIJARA");
    assert!(
        sms[0]["message"].as_str().unwrap().contains("AMANA")
            || sms[0]["message"].as_str().unwrap().contains("colis"),
        "{sms:?}"
    );
}

fn chrono_days(n: i64) -> tijara_core::chrono::Duration {
    tijara_core::chrono::Duration::days(n)
}
