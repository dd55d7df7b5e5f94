//! The storage check of updates promised to keep their keys and owners
//! ([`DocWrite::links_unchanged`]): an adapter may skip rewriting the lists, or ignore the
//! promise, but what is read back is the same either way.

use super::*;

/// The document `kind` `id` as stored: its version and body.
async fn stored<S: Storage + ?Sized>(s: &S, kind: DocKind, id: &str, what: &str) -> (u64, String) {
    let d = s
        .get(kind, id)
        .await
        .unwrap_or_else(|e| panic!("get ({what}): {e}"))
        .unwrap_or_else(|| panic!("{what}: {id} is stored"));
    (d.version, d.body)
}

/// An update marked [`DocWrite::links_unchanged`] (its keys and owners are the stored ones)
/// writes its body at the next version and leaves its keys held and its owners listing it
/// once; at a stale version it is a conflict that writes nothing; a later rewrite without the
/// mark still drops and adds exactly the keys and owners that changed (what the marked update
/// left stored is still known to the storage). A guest's cart, without keys or owners, is
/// updated with the mark in every shape a checkout writes it and the storage honours: alone
/// (deferred or flushed, held to the store's incarnation, to the catalog's version, to a stock
/// check) and beside a new order with keys and owners (one changeset, as at placing). The
/// mark on a new document means nothing: its keys and owners are written.
pub async fn updates_may_keep_their_keys_and_owners<S: Storage + ?Sized>(s: &S) {
    // A document with keys and owners (an order whose status changes).
    let id = unique("kept");
    let (k1, k2) = (unique("kk1"), format!("{}:تتبع \"2\"", unique("kk2")));
    let (o1, o2) = (unique("ko1"), format!("{}:'é", unique("ko2")));
    let mut w = doc(DocKind::Order, &id, None, r#"{"v":1}"#);
    w.keys = vec![k1.clone(), k2.clone()];
    w.owners = vec![o1.clone(), o2.clone()];
    // The mark on a new document: its lists are written all the same.
    w.links_unchanged = true;
    ok(s, one(w), "a new order marked as keeping its lists").await;
    assert_eq!(holder(s, DocKind::Order, &k1).await, Some(id.clone()));
    assert_eq!(owned_ids(s, DocKind::Order, &o1).await, vec![id.clone()]);
    let kept = |version: u64, body: &str| {
        let mut w = doc(DocKind::Order, &id, Some(version), body);
        // The same lists in another order, one owner twice: the same sets.
        w.keys = vec![k2.clone(), k1.clone()];
        w.owners = vec![o2.clone(), o1.clone(), o2.clone()];
        w.links_unchanged = true;
        w
    };
    ok(s, one(kept(1, r#"{"v":2}"#)), "an update keeping its lists").await;
    assert_eq!(
        stored(s, DocKind::Order, &id, "kept").await,
        (2, r#"{"v":2}"#.to_owned()),
        "the body at the next version"
    );
    for key in [&k1, &k2] {
        assert_eq!(
            holder(s, DocKind::Order, key).await,
            Some(id.clone()),
            "its keys are still held"
        );
    }
    for owner in [&o1, &o2] {
        assert_eq!(
            owned_ids(s, DocKind::Order, owner).await,
            vec![id.clone()],
            "its owners still list it, once"
        );
    }
    match commit(s, one(kept(1, r#"{"v":"stale"}"#))).await {
        Err(StorageError::Conflict {
            kind: DocKind::Order,
            id: named,
        }) => assert_eq!(named, id, "the conflict names the document"),
        other => panic!("a stale update keeping its lists: expected a Conflict, got {other:?}"),
    }
    assert_eq!(
        stored(s, DocKind::Order, &id, "after a stale update").await,
        (2, r#"{"v":2}"#.to_owned()),
        "a refused update writes nothing"
    );
    // A rewrite without the mark: k1 and o1 dropped, k3 and o3 added.
    let (k3, o3) = (unique("kk3"), unique("ko3"));
    let mut w = doc(DocKind::Order, &id, Some(2), r#"{"v":3}"#);
    w.keys = vec![k2.clone(), k3.clone()];
    w.owners = vec![o2.clone(), o3.clone()];
    ok(s, one(w), "a rewrite changing its lists").await;
    assert_eq!(
        holder(s, DocKind::Order, &k1).await,
        None,
        "a key kept by a marked update, then dropped, is freed"
    );
    assert!(
        owned_ids(s, DocKind::Order, &o1).await.is_empty(),
        "an owner kept by a marked update, then dropped, no longer lists it"
    );
    for key in [&k2, &k3] {
        assert_eq!(holder(s, DocKind::Order, key).await, Some(id.clone()));
    }
    for owner in [&o2, &o3] {
        assert_eq!(owned_ids(s, DocKind::Order, owner).await, vec![id.clone()]);
    }

    // A guest's cart, in each shape a checkout updates it.
    let cart = unique("cart-kept");
    ok(
        s,
        one(doc(DocKind::Cart, &cart, None, r#"{"n":0}"#)),
        "a guest's cart",
    )
    .await;
    let mut version = 1;
    let LoneCartUpdates {
        variant, shapes, ..
    } = lone_cart_updates(s, "v-kept").await;
    for (what, catalog_at, checked) in shapes {
        for durability in [Durability::Deferred, Durability::Flushed] {
            let update = |at: u64, body: String| {
                let mut w = doc(DocKind::Cart, &cart, Some(at), &body);
                w.links_unchanged = true;
                let mut cs = one(w);
                cs.durability = durability;
                cs.catalog_at = catalog_at;
                cs.incarnation = s.incarnation();
                if checked {
                    cs.stock_at_least = vec![StockAtLeast::new(variant.clone(), 1)];
                }
                cs
            };
            let body = format!(r#"{{"n":{}}}"#, version + 1);
            match commit(s, update(version + 5, body.clone())).await {
                Err(StorageError::Conflict {
                    kind: DocKind::Cart,
                    ..
                }) => {}
                other => panic!("{what}, {durability:?}: a stale update, got {other:?}"),
            }
            ok(s, update(version, body.clone()), what).await;
            version += 1;
            assert_eq!(
                stored(s, DocKind::Cart, &cart, what).await,
                (version, body),
                "{what}, {durability:?}: the cart at its next version"
            );
        }
    }
    // Placed: a new order with its keys and owners, and the cart's update keeping its lists.
    let (order, number, guest) = (unique("ord-kept"), unique("no-kept"), unique("guest-kept"));
    let mut o = doc(DocKind::Order, &order, None, r#"{"order":"placed"}"#);
    o.keys = vec![number.clone()];
    o.owners = vec![guest.clone()];
    let mut c = doc(DocKind::Cart, &cart, Some(version), r#"{"ordered":true}"#);
    c.links_unchanged = true;
    ok(
        s,
        Changeset {
            docs: vec![o, c],
            stock: vec![StockOp::Sell {
                variant: variant.clone(),
                quantity: 1,
            }],
            events: vec![NewEvent::new(order.clone(), "order.placed", "{}")],
            incarnation: s.incarnation(),
            now: Some(t0()),
            ..Changeset::default()
        },
        "an order placed from the cart",
    )
    .await;
    assert_eq!(
        stored(s, DocKind::Cart, &cart, "ordered").await,
        (version + 1, r#"{"ordered":true}"#.to_owned()),
        "the cart ordered"
    );
    assert_eq!(
        holder(s, DocKind::Order, &number).await,
        Some(order.clone())
    );
    assert_eq!(owned_ids(s, DocKind::Order, &guest).await, vec![order]);
}
