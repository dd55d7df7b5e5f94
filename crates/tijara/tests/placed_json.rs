//! Placing writes the order's JSON once, into its document and into the answer
//! (`PlacedOrder::to_json`): both must be exactly what serde writes for the values (the stored
//! document byte for byte, the answer `{"order", "payment", "access_token"}`), also after the
//! caller changes the order, and for an order replayed from its idempotency record.

mod common;

use common::*;
use std::sync::Arc;
use tijara::docs::OrderDoc;
use tijara::ports::storage::{DocKind, Storage};
use tijara::usecases::checkout::PlacedOrder;

/// What `#[derive(Serialize)]` wrote for `PlacedOrder` before its order's JSON was reused.
fn derived(p: &PlacedOrder) -> String {
    #[derive(serde::Serialize)]
    struct Derived<'a> {
        order: &'a tijara_core::order::Order,
        payment: &'a tijara::ports::payment::PaymentStart,
        access_token: &'a tijara::docs::AccessToken,
    }
    serde_json::to_string(&Derived {
        order: &p.order,
        payment: &p.payment,
        access_token: &p.access_token,
    })
    .expect("encode")
}

/// Two cushions and a bracelet from two sellers, paid with `gateway`, with key `k`.
async fn place(
    m: &Market,
    c: &Catalog,
    gateway: &str,
    k: Option<&tijara::IdempotencyKey>,
) -> PlacedOrder {
    m.engine
        .checkout()
        .place_order(
            request(
                vec![(c.cushion.clone(), 2), (c.bracelet.clone(), 1)],
                &[&c.a, &c.b],
                gateway,
            ),
            k,
        )
        .await
        .expect("placed")
}

#[tokio::test]
async fn the_order_written_once_is_what_serde_writes_in_the_document_and_the_answer() {
    let store = Arc::new(tijara_store_memory::MemoryStore::new());
    let m = market_on(store.clone());
    let c = catalog(&m).await;
    for (gateway, k) in [("cod", None), ("card", Some(key("placed-json-1")))] {
        let placed = place(&m, &c, gateway, k.as_ref()).await;
        // The stored document: its bytes are serde's for the document it reads as.
        let stored = store
            .get(DocKind::Order, placed.order.id.as_str())
            .await
            .expect("read")
            .expect("stored");
        let doc: OrderDoc = serde_json::from_str(&stored.body).expect("decodes");
        assert_eq!(
            stored.body,
            serde_json::to_string(&doc).expect("encode"),
            "{gateway}"
        );
        assert_eq!(
            doc.order, placed.order,
            "{gateway}: the stored order is the answer's"
        );
        // The answer: `to_json` writes what serde writes, and its order is the stored order's
        // JSON, reused (the value holds it right after placing).
        assert!(
            format!("{placed:?}").contains("WrittenOrder(..)"),
            "{gateway}: held"
        );
        let answer = placed.to_json().expect("answer");
        assert_eq!(answer, derived(&placed), "{gateway}");
        assert_eq!(
            answer,
            serde_json::to_string(&placed).expect("serde"),
            "{gateway}"
        );
        let order_json = serde_json::to_string(&doc.order).expect("order");
        assert!(
            answer.starts_with(&format!("{{\"order\":{order_json},")),
            "{gateway}"
        );
        // Changed by the caller: the answer follows the change, not the JSON written at placing.
        let mut changed = placed.clone();
        changed.order.email = "autre@example.ma".into();
        let answer = changed.to_json().expect("answer");
        assert_eq!(answer, derived(&changed), "{gateway}: changed");
        assert!(answer.contains("autre@example.ma"));
        assert_ne!(
            changed, placed,
            "the order's change counts in the comparison"
        );
        // Replayed from its idempotency record (card, with a key): the same answer.
        if let Some(k) = &k {
            let again = place(&m, &c, gateway, Some(k)).await;
            assert_eq!(again.order, placed.order);
            assert_eq!(
                serde_json::to_string(&again).expect("answer"),
                derived(&again)
            );
        }
    }
}
