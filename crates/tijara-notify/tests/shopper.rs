//! The shopper's messages (issue 13): the order confirmed or received (bank transfer: amount
//! and deadline), a declined card payment, the parcel's steps and returns, in the order's
//! language, with the order's private link; password reset and e-mail verification.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use tijara::ports::storage::OutboxEvent;
use tijara_core::events::PaymentReport;
use tijara_core::payment::{PaymentLogEvent, PaymentOutcome, PaymentStatus};
use tijara_core::{DomainEvent, Lang, Region};
use tijara_notify::{NotificationSink, order_label, password_reset_message, verification_message};
use tijara_testkit::stubs::{StubCarrier, StubGateway};

fn sink(engine: &tijara::Tijara) -> NotificationSink {
    NotificationSink::new(engine.clone(), vec![]).with_order_link(Arc::new(|doc| {
        format!(
            "https://shop.example/orders/{}?t={}",
            doc.order.id,
            doc.access_token.as_str()
        )
    }))
}

async fn events(engine: &tijara::Tijara, kind: &str) -> Vec<OutboxEvent> {
    engine
        .storage()
        .pending_events(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind)
        .collect()
}

#[tokio::test]
async fn a_cash_on_delivery_order_is_confirmed_to_the_shopper_with_its_link_items_and_total() {
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::cash_on_delivery())).await;
    let (order, _) = t.order().await;
    let doc = t.doc(&order.id).await;
    let sink = sink(&t.engine);
    // Placed: the sellers hear of it; the shopper's message comes with the confirmation.
    let placed = &events(&t.engine, "order.placed").await[0];
    let told = sink.compose(placed).await.unwrap();
    assert!(
        told.iter()
            .all(|n| n.email.as_deref() != Some("client@example.ma")),
        "{told:?}"
    );
    let confirmed = &events(&t.engine, "order.confirmed").await[0];
    let told = sink.compose(confirmed).await.unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    let n = &told[0];
    assert_eq!(n.email.as_deref(), Some("client@example.ma"));
    assert_eq!(n.phone, None, "a long text with links is no SMS");
    assert_eq!(n.lang, Lang::FR);
    assert!(n.subject.contains(&order_label(&doc)), "{}", n.subject);
    assert!(n.subject.contains("confirmée"), "{}", n.subject);
    let link = format!(
        "https://shop.example/orders/{}?t={}",
        order.id,
        doc.access_token.as_str()
    );
    assert!(n.text.contains(&link), "{}", n.text);
    let total = t.engine.region().format_money(&order.grand_total, Lang::FR);
    assert!(n.text.contains(&total), "{total} in {}", n.text);
    assert!(n.text.contains("× 1"), "{}", n.text);
    assert!(
        n.text.contains("Coussin") && !n.text.contains("SRAMA"),
        "the item by its name, not its reference: {}",
        n.text
    );
    assert!(n.text.contains("espèces"), "{}", n.text);
}

#[tokio::test]
async fn a_bank_transfer_order_tells_the_amount_and_the_deadline() {
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::bank_transfer())).await;
    let (order, _) = t.order().await;
    let doc = t.doc(&order.id).await;
    let sink = sink(&t.engine).with_transfer_note(Arc::new(|_, lang| {
        (lang == Lang::FR).then(|| "RIB 0117 8000".to_owned())
    }));
    let placed = &events(&t.engine, "order.placed").await[0];
    let told = sink.compose(placed).await.unwrap();
    let n = told
        .iter()
        .find(|n| n.email.as_deref() == Some("client@example.ma"))
        .expect("the shopper is told");
    assert!(n.subject.contains("reçue"), "{}", n.subject);
    let region = t.engine.region();
    let deadline = region.format_date(
        region.local_date(tijara_notify::transfer_deadline(region, &doc)),
        Lang::FR,
    );
    assert!(n.text.contains(&deadline), "{deadline} in {}", n.text);
    assert!(n.text.contains("Montant à virer"), "{}", n.text);
    assert!(
        n.text.contains("RIB 0117 8000"),
        "the hook's lines: {}",
        n.text
    );
    assert!(
        n.text
            .contains(&format!("?t={}", doc.access_token.as_str()))
    );
}

#[tokio::test]
async fn a_declined_card_payment_sends_the_link_to_try_again_in_the_orders_language() {
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::card())).await;
    let (order, _) = t.order().await;
    let sink = sink(&t.engine);
    let placed = events(&t.engine, "order.placed").await[0].clone();
    let report = |outcome| {
        let e = DomainEvent::PaymentUpdated(PaymentReport::new(
            order.id.clone(),
            PaymentLogEvent::Declined,
            "tx-1".into(),
            outcome,
            PaymentStatus::Pending,
        ));
        let mut ev = placed.clone();
        ev.kind = e.kind().into();
        ev.payload = serde_json::to_string(&e).unwrap();
        ev
    };
    let told = sink
        .compose(&report(PaymentOutcome::Applied))
        .await
        .unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].text.contains("rien n'a été débité"),
        "{}",
        told[0].text
    );
    assert!(told[0].text.contains("https://shop.example/orders/"));
    // A duplicate report says nothing again.
    assert!(
        sink.compose(&report(PaymentOutcome::Duplicate))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_parcel_step_carries_the_link_to_follow_it() {
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::cash_on_delivery())).await;
    let (order, _) = t.order().await;
    t.ship(&order).await;
    let created = &events(&t.engine, "shipment.created").await[0];
    let told = sink(&t.engine).compose(created).await.unwrap();
    assert_eq!(told.len(), 1);
    assert!(told[0].text.contains("Suivre le colis"), "{}", told[0].text);
    assert_eq!(
        told[0].phone.as_deref(),
        Some(order.shipping_address.phone.as_str()),
        "by SMS too"
    );
    assert!(told[0].text.contains(order.id.as_str()), "{}", told[0].text);
}

/// A parcel step told is recorded in the engine's storage: a restarted process (a new sink,
/// nothing in memory) does not tell the same step of the same parcel again.
#[tokio::test]
async fn a_step_told_is_not_told_again_after_a_restart() {
    use tijara::ports::runtime::EventSink;
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::cash_on_delivery())).await;
    let (order, _) = t.order().await;
    t.ship(&order).await;
    let created = events(&t.engine, "shipment.created").await[0].clone();
    let mail = Arc::new(tijara_notify::LogNotifier::default());
    let first = NotificationSink::new(t.engine.clone(), vec![mail.clone()]);
    first.deliver(&created).await.unwrap();
    assert_eq!(mail.sent().len(), 1);
    // The same step again, as another event (a label re-created), to a new sink.
    let mut again = created.clone();
    again.seq += 1_000;
    let restarted = NotificationSink::new(t.engine.clone(), vec![mail.clone()]);
    assert!(restarted.compose(&again).await.unwrap().is_empty());
    restarted.deliver(&again).await.unwrap();
    assert_eq!(mail.sent().len(), 1, "told once");
}

#[test]
fn reset_and_verification_messages_read_in_the_accounts_language() {
    let region = Region::dakhla();
    let link = "https://shop.example/account/reset?token=acc_1.abc";
    let fr = password_reset_message(&region, "a@example.ma", Lang::FR, link, 30);
    assert_eq!(fr.email.as_deref(), Some("a@example.ma"));
    assert!(
        fr.text.contains(link) && fr.text.contains("30 minutes"),
        "{}",
        fr.text
    );
    let ar = password_reset_message(&region, "a@example.ma", Lang::AR, link, 30);
    assert!(ar.subject.contains("كلمة سر"), "{}", ar.subject);
    assert!(ar.text.contains(link));
    let en = verification_message(&region, "a@example.ma", Lang::EN, link, 48);
    assert!(
        en.text.contains("48 hours") && en.text.contains(link),
        "{}",
        en.text
    );
}

#[tokio::test]
async fn a_parcel_step_links_to_the_carriers_tracking_page_when_it_has_one() {
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::cash_on_delivery())).await;
    let (order, _) = t.order().await;
    let doc = t.engine.orders().order(&order.id).await.unwrap();
    let order_link = format!("https://shop.example/orders/{}", order.id);
    let with_page = tijara_notify::shipment_message(
        t.engine.region(),
        &doc,
        Lang::FR,
        tijara_core::fulfillment::TrackingStatus::InTransit,
        "AM123",
        Some(&order_link),
        Some("https://track.example.ma/?n=AM123"),
    );
    assert!(
        with_page.text.contains("https://track.example.ma/?n=AM123"),
        "{}",
        with_page.text
    );
    assert!(!with_page.text.contains(&order_link), "{}", with_page.text);
    // A carrier without a page: the order's.
    let without = tijara_notify::shipment_message(
        t.engine.region(),
        &doc,
        Lang::FR,
        tijara_core::fulfillment::TrackingStatus::InTransit,
        "AM123",
        Some(&order_link),
        None,
    );
    assert!(without.text.contains(&order_link), "{}", without.text);
}

#[tokio::test]
async fn a_provisional_reference_is_not_sent_as_a_number_to_follow() {
    let carrier = StubCarrier::new("amana", "30.00", "10.00")
        .provisional()
        .with_tracking_page("https://track.example.ma/?n=");
    let t = tijara_testkit::engine::with_carrier(
        Arc::new(carrier),
        "Dakhla",
        tijara_testkit::engine::rabat(),
    )
    .await;
    let (order, _) = t.order().await;
    let shipment = t.ship(&order).await;
    assert!(shipment.provisional_number);
    let reference = shipment.tracking_number.clone().unwrap();
    let sink = sink(&t.engine);
    let created = &events(&t.engine, "shipment.created").await[0];
    let told = sink.compose(created).await.unwrap();
    let n = told
        .iter()
        .find(|n| n.email.as_deref() == Some("client@example.ma"))
        .unwrap();
    assert!(!n.text.contains(&reference), "{}", n.text);
    assert!(!n.text.contains("track.example.ma"), "{}", n.text);
    assert!(
        n.text
            .contains(&format!("https://shop.example/orders/{}", order.id)),
        "the order's page instead: {}",
        n.text
    );
    // The carrier's number, typed in: the message gives it and the carrier's page.
    t.engine
        .fulfillment()
        .set_tracking_number(&order.id, &shipment.id, "AM123456789MA", None)
        .await
        .unwrap();
    let updated = events(&t.engine, "shipment.updated").await;
    let told = sink.compose(updated.last().unwrap()).await.unwrap();
    let n = told
        .iter()
        .find(|n| n.email.as_deref() == Some("client@example.ma"))
        .unwrap();
    assert!(
        n.text.contains("AM123456789MA")
            && n.text.contains("https://track.example.ma/?n=AM123456789MA"),
        "{}",
        n.text
    );
}

/// The whole texts of an order's messages, the shopper's and a seller's (with and without cash
/// to collect), their variable parts (the order's label, reference, link and amounts) named: a
/// change to how they are written (issue 15's steps) must leave every other character as it was.
#[tokio::test]
async fn the_texts_of_an_orders_messages_are_pinned() {
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::cash_on_delivery())).await;
    let (order, _) = t.order().await;
    let doc = t.doc(&order.id).await;
    let sink = sink(&t.engine);
    let link = format!(
        "https://shop.example/orders/{}?t={}",
        order.id,
        doc.access_token.as_str()
    );
    let region = t.engine.region();
    let part = &doc.order.seller_orders[0];
    let mut amounts: Vec<(String, &str)> = [
        (order.grand_total, "<TOTAL>"),
        (order.shipping_total, "<SHIPPING>"),
        (order.items_net, "<ITEMS>"),
    ]
    .into_iter()
    .chain(part.cod_amount.map(|m| (m, "<COD>")))
    .map(|(m, name)| (region.format_money(&m, Lang::FR), name))
    .chain([(
        region.format_money(&order.grand_total, Lang::AR),
        "<TOTAL-AR>",
    )])
    .collect();
    // The longest first, so that no amount is named inside another.
    amounts.sort_by_key(|(text, _)| std::cmp::Reverse(text.len()));
    let named = |text: &str| {
        let mut text = text
            .replace(&link, "<LINK>")
            .replace(&order_label(&doc), "<LABEL>")
            .replace(&doc.order.reference(), "<REFERENCE>")
            .replace(&doc.order.shipping_address.city, "<CITY>");
        for (amount, name) in &amounts {
            text = text.replace(amount.as_str(), name);
        }
        text
    };
    let confirmed = &events(&t.engine, "order.confirmed").await[0];
    let told = sink.compose(confirmed).await.unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(
        format!("{}\n{}", named(&told[0].subject), named(&told[0].text)),
        "Commande <LABEL> — confirmée\n\
         Bonjour,\n\nMerci pour votre commande. La voici :\n\n\
         - Coussin × 1 — <ITEMS>\n\n\
         Livraison : <SHIPPING>\nTotal : <TOTAL>\n\n\
         Vous payez en espèces au livreur, à la réception du colis.\n\n\
         Voir votre commande :\n<LINK>\n\n\
         Gardez ce lien : il ouvre votre commande sans mot de passe. Ne le partagez pas."
    );
    let lines = [tijara_notify::SellerLine {
        name: "Coussin".into(),
        options: "Bleu".into(),
        quantity: 2,
    }];
    let seller = |lang| tijara_notify::SellerReader {
        email: Some("atelier@example.ma".into()),
        phone: None,
        lang,
    };
    let mut unpaid = part.clone();
    unpaid.cod_amount = None;
    let mut texts = Vec::new();
    for (part, lang) in [(part, Lang::FR), (&unpaid, Lang::FR), (part, Lang::AR)] {
        let n = tijara_notify::new_order_message(
            region,
            &doc,
            part,
            &lines,
            seller(lang),
            Some("/portal/o/1"),
        );
        texts.push(format!("{}\n{}", named(&n.subject), named(&n.text)));
    }
    assert_eq!(
        texts,
        [
            "Nouvelle commande à préparer <LABEL>\n\
             Nouvelle commande à préparer <LABEL>\n\
             À préparer : 2 × Coussin (Bleu)\n\
             Ville de l'acheteur : <CITY> · Transporteur : Amana\n\
             À encaisser à la livraison : <TOTAL>\n\
             Ouvrir la commande : /portal/o/1\n",
            "Nouvelle commande à préparer <LABEL>\n\
             Nouvelle commande à préparer <LABEL>\n\
             À préparer : 2 × Coussin (Bleu)\n\
             Ville de l'acheteur : <CITY> · Transporteur : Amana\n\
             Déjà payé : rien à encaisser, vous pouvez expédier\n\
             Ouvrir la commande : /portal/o/1\n",
            "طلب جديد للتحضير <LABEL>\n\
             طلب جديد للتحضير <LABEL>\n\
             للتحضير: 2 × Coussin (Bleu)\n\
             مدينة المشتري: <CITY> · الناقل: Amana\n\
             المبلغ الواجب تحصيله عند التسليم: <TOTAL-AR>\n\
             افتح الطلب: /portal/o/1\n",
        ]
    );
}

/// The bank-transfer note is asked for only where the message shows it: an unpaid transfer
/// order's, not a cash-on-delivery order's.
#[tokio::test]
async fn the_transfer_note_is_built_only_for_the_message_that_shows_it() {
    let asked = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counting = |asked: &Arc<std::sync::atomic::AtomicU32>| {
        let asked = asked.clone();
        Arc::new(move |_: &tijara_core::order_record::OrderDoc, _: Lang| {
            asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Some("RIB 0117 8000".to_owned())
        })
    };
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::cash_on_delivery())).await;
    t.order().await;
    let cod = sink(&t.engine).with_transfer_note(counting(&asked));
    let confirmed = &events(&t.engine, "order.confirmed").await[0];
    let told = cod.compose(confirmed).await.unwrap();
    assert!(!told[0].text.contains("RIB"), "{}", told[0].text);
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 0);
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::bank_transfer())).await;
    t.order().await;
    let transfer = sink(&t.engine).with_transfer_note(counting(&asked));
    let placed = &events(&t.engine, "order.placed").await[0];
    let told = transfer.compose(placed).await.unwrap();
    assert!(told.iter().any(|n| n.text.contains("RIB 0117 8000")));
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// A refund's message says how the money comes back and where it stands: to the account the
/// shopper gave (its last digits only), then when it was transferred and the bank's reference;
/// back on the card; or that the marketplace will ask for an account.
#[tokio::test]
async fn a_refund_says_how_the_money_comes_back_and_when_it_left() {
    let t = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::cash_on_delivery())).await;
    let (order, _) = t.order().await;
    let mut doc = t.doc(&order.id).await;
    let region = t.engine.region();
    let amount = tijara_core::Money::mad("230.00").unwrap();
    let part = doc.order.seller_orders[0].id.clone();
    let refunded = |extra: serde_json::Value| {
        let mut v = serde_json::json!({
            "id": "ret_1",
            "seller_order_id": part,
            "lines": [],
            "reason": null,
            "requested_at": "2026-12-01T10:00:00Z",
            "value": amount,
            "status": "refunded",
            "refunded": amount,
            "refund_owed": true,
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        serde_json::from_value::<tijara_core::returns::ReturnRequest>(v).unwrap()
    };
    let account = serde_json::json!({"holder": "Youssef Alami", "rib": "011780000012345678901296"});
    let mut text = |extra: serde_json::Value, lang: Lang| {
        doc.returns = vec![refunded(extra)];
        doc.lang = lang;
        tijara_notify::return_message(region, &doc, None)
            .unwrap()
            .text
    };
    let due = text(serde_json::json!({"refund_to": account}), Lang::FR);
    assert!(
        due.contains("remboursement décidé, l'argent est en route")
            && due.contains("Montant du remboursement"),
        "not yet refunded: {due}"
    );
    assert!(
        due.contains(
            "Le marché va le virer au compte •••• 1296 ; un message vous dira quand il est envoyé."
        ),
        "{due}"
    );
    assert!(
        !due.contains("011780000012345678901296"),
        "never the whole RIB: {due}"
    );
    let sent = text(
        serde_json::json!({"refund_to": account, "refund_sent": {"at": "2026-12-02T10:00:00Z", "reference": "VIR-9", "through_gateway": false}}),
        Lang::FR,
    );
    assert!(
        sent.contains("Viré le 02/12/2026 au compte •••• 1296 (référence VIR-9)."),
        "{sent}"
    );
    let card = text(
        serde_json::json!({"refund_sent": {"at": "2026-12-02T10:00:00Z", "reference": "R1", "through_gateway": true}}),
        Lang::AR,
    );
    assert!(
        card.contains("أعيد المبلغ إلى بطاقتك في 02/12/2026"),
        "{card}"
    );
    let ask = text(serde_json::json!({}), Lang::EN);
    assert!(
        ask.contains("The marketplace will contact you for the account to transfer it to."),
        "{ask}"
    );
}
