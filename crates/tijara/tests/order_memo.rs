//! The orders an engine placed are read back without decoding their JSON again
//! (`EngineConfig::order_memo`), only while the storage holds the very text written: a change
//! by this engine or another on the same storage is read as stored.

mod common;

use common::*;
use std::sync::Arc;
use tijara::docs::OrderDoc;
use tijara::ports::storage::{DocKind, Storage};
use tijara_core::*;

/// The order as the storage holds it, decoded afresh.
async fn stored(storage: &dyn Storage, id: &OrderId) -> OrderDoc {
    let doc = storage
        .get(DocKind::Order, id.as_str())
        .await
        .expect("read")
        .expect("stored");
    serde_json::from_str(&doc.body).expect("decodes")
}

fn json(doc: &OrderDoc) -> String {
    serde_json::to_string(doc).expect("encodes")
}

/// Places an order for `lines` from `sellers`, paid with `gateway`.
async fn place(
    m: &Market,
    lines: Vec<(VariantId, u32)>,
    sellers: &[&SellerId],
    gateway: &str,
) -> tijara_core::order::Order {
    m.engine
        .checkout()
        .place_order(request(lines, sellers, gateway), None)
        .await
        .expect("placed")
        .order
}

async fn shared(m: &Market, id: &OrderId) -> Arc<OrderDoc> {
    let mut docs = m
        .engine
        .orders()
        .orders_by_id_shared(std::slice::from_ref(id))
        .await
        .expect("read");
    assert_eq!(docs.len(), 1);
    docs.remove(0)
}

#[tokio::test]
async fn an_order_placed_is_read_back_as_placed_without_being_decoded_again() {
    let storage: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
    let m = market_on(storage.clone());
    let c = catalog(&m).await;
    let e = &m.engine;
    for (lines, sellers, gateway) in [
        (vec![(c.cushion.clone(), 1)], vec![&c.a], "cod"),
        (
            vec![(c.cushion.clone(), 1), (c.bracelet.clone(), 2)],
            vec![&c.a, &c.b],
            "transfer",
        ),
        (vec![(c.bag.clone(), 1)], vec![&c.a], "card"),
    ] {
        let order = place(&m, lines, &sellers, gateway).await;
        let first = shared(&m, &order.id).await;
        let again = shared(&m, &order.id).await;
        assert!(
            Arc::ptr_eq(&first, &again),
            "{gateway}: the order remembered, not decoded at each read"
        );
        // What is remembered is what decoding the stored text gives, to the byte.
        let fresh = stored(&*storage, &order.id).await;
        assert_eq!(*first, fresh, "{gateway}");
        assert_eq!(json(&first), json(&fresh), "{gateway}");
        let page = e.orders().order(&order.id).await.expect("the order page");
        assert_eq!(json(&page), json(&fresh), "{gateway}: the order page");
        let owned = e
            .orders()
            .orders_by_id(std::slice::from_ref(&order.id))
            .await
            .expect("read");
        assert_eq!(owned.len(), 1);
        assert_eq!(json(&owned[0]), json(&fresh), "{gateway}: orders_by_id");
    }
}

#[tokio::test]
async fn an_order_changed_since_is_read_as_stored() {
    let storage: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
    let m = market_on(storage.clone());
    // Another process on the same storage.
    let other = market_on(storage.clone());
    let c = catalog(&m).await;
    let e = &m.engine;
    let order = place(&m, vec![(c.cushion.clone(), 1)], &[&c.a], "transfer").await;
    let placed = shared(&m, &order.id).await;
    assert_eq!(placed.payment_log.len(), 0);
    // Paid through this engine: the text stored is another one.
    e.payments()
        .record_payment(&order.id, admin_capture("VIR-1", order.grand_total), None)
        .await
        .expect("paid");
    let paid = shared(&m, &order.id).await;
    assert!(!Arc::ptr_eq(&placed, &paid), "the change is read");
    assert_eq!(json(&paid), json(&stored(&*storage, &order.id).await));
    assert_eq!(paid.payment_log.len(), 1);
    assert_ne!(paid.order.payment.status(), placed.order.payment.status());
    assert_eq!(
        json(&e.orders().order(&order.id).await.expect("read")),
        json(&paid)
    );

    // Placed here, changed by the other process.
    let second = place(&m, vec![(c.bracelet.clone(), 1)], &[&c.b], "transfer").await;
    let before = shared(&m, &second.id).await;
    other
        .engine
        .orders()
        .cancel_order(&second.id, None)
        .await
        .expect("cancelled by the other process");
    let after = shared(&m, &second.id).await;
    assert!(!Arc::ptr_eq(&before, &after));
    assert_ne!(
        after.order.status(),
        before.order.status(),
        "read as stored"
    );
    assert_eq!(json(&after), json(&stored(&*storage, &second.id).await));
}

#[tokio::test]
async fn with_no_memo_every_read_decodes() {
    let m = market_with(
        Arc::new(tijara_store_memory::MemoryStore::new()),
        tijara::EngineConfig::default().with_order_memo(0),
    );
    let c = catalog(&m).await;
    let order = place(&m, vec![(c.cushion.clone(), 1)], &[&c.a], "cod").await;
    let first = shared(&m, &order.id).await;
    let again = shared(&m, &order.id).await;
    assert!(!Arc::ptr_eq(&first, &again));
    assert_eq!(json(&first), json(&again));
}

#[tokio::test]
async fn an_engine_sharing_the_memo_reads_the_orders_the_other_placed() {
    let storage: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
    // The reader is built first, as the storefront's outbox sink must be.
    let reader = market_on(storage.clone());
    let placing = reader.engine.clone();
    let m = common::market_sharing_order_memo(storage.clone(), &placing);
    let alone = market_on(storage.clone());
    let c = catalog(&m).await;
    let order = place(&m, vec![(c.cushion.clone(), 1)], &[&c.a], "cod").await;
    let by_placer = shared(&m, &order.id).await;
    let by_reader = shared(&reader, &order.id).await;
    assert!(Arc::ptr_eq(&by_placer, &by_reader), "one memo");
    let by_another = shared(&alone, &order.id).await;
    assert!(!Arc::ptr_eq(&by_placer, &by_another), "not shared: decoded");
    assert_eq!(json(&by_another), json(&by_reader));
}
