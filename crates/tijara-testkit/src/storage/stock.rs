//! The storage checks of stock: counters and their guards, reservations, untracked variants,
//! the checkout snapshot, and sales of several variants at once.

use super::*;

/// Stock counters: define, adjust, set; never below what is reserved; an existing counter keeps
/// its units when defined again.
pub async fn stock_counters_obey_their_guards<S: Storage + ?Sized>(s: &S) {
    let v = vid(&unique("ctr"));
    define(s, &v, true, 10).await;
    define(s, &v, true, 99).await;
    assert_eq!(
        level(s, &v).await.on_hand,
        10,
        "defining again keeps the units"
    );
    ok(
        s,
        stock(vec![StockOp::Adjust {
            variant: v.clone(),
            delta: 5,
        }]),
        "add 5",
    )
    .await;
    ok(
        s,
        stock(vec![StockOp::Adjust {
            variant: v.clone(),
            delta: -3,
        }]),
        "remove 3",
    )
    .await;
    assert_eq!(level(s, &v).await.on_hand, 12);
    let r = ReservationId::new(unique("r")).unwrap_or_else(|e| panic!("{e}"));
    ok(
        s,
        stock(vec![StockOp::Reserve {
            reservation: r,
            variant: v.clone(),
            quantity: 8,
            order: OrderId::new(unique("o")).unwrap_or_else(|e| panic!("{e}")),
            expires_at: t0() + Duration::minutes(30),
        }]),
        "reserve 8",
    )
    .await;
    assert!(
        matches!(
            commit(
                s,
                stock(vec![StockOp::Adjust {
                    variant: v.clone(),
                    delta: -5
                }])
            )
            .await,
            Err(StorageError::OutOfStock { .. })
        ),
        "removing below the reserved units must be OutOfStock"
    );
    assert!(
        matches!(
            commit(
                s,
                stock(vec![StockOp::Set {
                    variant: v.clone(),
                    on_hand: 7
                }])
            )
            .await,
            Err(StorageError::OutOfStock { .. })
        ),
        "setting below the reserved units must be OutOfStock"
    );
    ok(
        s,
        stock(vec![StockOp::Set {
            variant: v.clone(),
            on_hand: 8,
        }]),
        "set to the reserved units",
    )
    .await;
    let row = level(s, &v).await;
    assert_eq!((row.on_hand, row.reserved, row.available()), (8, 8, 0));
    assert!(
        matches!(
            commit(
                s,
                stock(vec![StockOp::Adjust {
                    variant: vid(&unique("nope")),
                    delta: 1
                }])
            )
            .await,
            Err(StorageError::UnknownVariant(_))
        ),
        "a variant without a counter must be UnknownVariant"
    );
}

/// Reservations hold units; committing sells them, releasing returns them; each at most once.
pub async fn reservations_hold_commit_and_release<S: Storage + ?Sized>(s: &S) {
    let v = vid(&unique("res"));
    define(s, &v, true, 5).await;
    let order = OrderId::new(unique("o")).unwrap_or_else(|e| panic!("{e}"));
    let r1 = ReservationId::new(unique("r")).unwrap_or_else(|e| panic!("{e}"));
    let r2 = ReservationId::new(unique("r")).unwrap_or_else(|e| panic!("{e}"));
    let reserve = |r: &ReservationId, q: u32, exp: DateTime<Utc>| StockOp::Reserve {
        reservation: r.clone(),
        variant: v.clone(),
        quantity: q,
        order: order.clone(),
        expires_at: exp,
    };
    ok(
        s,
        stock(vec![
            reserve(&r1, 2, t0() - Duration::minutes(1)),
            reserve(&r2, 3, t0() + Duration::hours(1)),
        ]),
        "reserve 2+3",
    )
    .await;
    assert!(
        matches!(
            commit(
                s,
                stock(vec![reserve(
                    &ReservationId::new(unique("r")).unwrap_or_else(|e| panic!("{e}")),
                    1,
                    t0()
                )])
            )
            .await,
            Err(StorageError::OutOfStock { available: 0, .. })
        ),
        "reserving beyond the available units must be OutOfStock"
    );
    assert!(
        commit(s, stock(vec![reserve(&r1, 1, t0())])).await.is_err(),
        "a reservation id is unique"
    );
    let live = s
        .order_reservations(&order)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(live.len(), 2, "order_reservations lists both");
    let expired = s
        .expired_reservations(t0(), 1000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        expired.iter().any(|x| x.reservation == r1),
        "the lapsed reservation is listed"
    );
    assert!(
        !expired.iter().any(|x| x.reservation == r2),
        "the live one is not"
    );
    ok(
        s,
        stock(vec![StockOp::Release {
            reservation: r1.clone(),
        }]),
        "release",
    )
    .await;
    assert!(
        matches!(
            commit(
                s,
                stock(vec![StockOp::Release {
                    reservation: r1.clone()
                }])
            )
            .await,
            Err(StorageError::UnknownReservation(_))
        ),
        "releasing twice must be UnknownReservation"
    );
    ok(
        s,
        stock(vec![StockOp::Commit {
            reservation: r2.clone(),
        }]),
        "commit",
    )
    .await;
    assert!(
        matches!(
            commit(s, stock(vec![StockOp::Commit { reservation: r2 }])).await,
            Err(StorageError::UnknownReservation(_))
        ),
        "committing twice must be UnknownReservation"
    );
    let row = level(s, &v).await;
    assert_eq!(
        (row.on_hand, row.reserved),
        (2, 0),
        "3 sold, 2 back on sale"
    );
    assert!(
        s.order_reservations(&order)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );
}

/// Untracked variants (made to order, unlimited) never run out.
pub async fn untracked_variants_never_run_out<S: Storage + ?Sized>(s: &S) {
    let v = vid(&unique("mto"));
    define(s, &v, false, 0).await;
    ok(
        s,
        stock(vec![StockOp::Sell {
            variant: v.clone(),
            quantity: 500,
        }]),
        "sell 500 made to order",
    )
    .await;
    let r = ReservationId::new(unique("r")).unwrap_or_else(|e| panic!("{e}"));
    ok(
        s,
        stock(vec![StockOp::Reserve {
            reservation: r.clone(),
            variant: v.clone(),
            quantity: 3,
            order: OrderId::new(unique("o")).unwrap_or_else(|e| panic!("{e}")),
            expires_at: t0(),
        }]),
        "reserve made to order",
    )
    .await;
    ok(
        s,
        stock(vec![StockOp::Commit { reservation: r }]),
        "commit made to order",
    )
    .await;
    let row = level(s, &v).await;
    assert_eq!((row.tracked, row.on_hand, row.reserved), (false, 0, 0));
}

/// `checkout_snapshot` returns what its parts return (adapters that override it).
pub async fn checkout_snapshot_matches_its_parts<S: Storage + ?Sized>(s: &S) {
    let seller = unique("slr");
    let product = unique("prd");
    ok(
        s,
        one(doc(DocKind::Seller, &seller, None, r#"{"name":"x"}"#)),
        "seller",
    )
    .await;
    let mut w = doc(
        DocKind::Product,
        &product,
        None,
        &format!(r#"{{"seller_id":"{seller}","slug":"x"}}"#),
    );
    w.product = Some(
        ProductIndex::new(seller.clone(), "c")
            .with_active(true)
            .with_prices(1, 1)
            .with_search_text("x"),
    );
    ok(s, one(w), "product").await;
    let promo = unique("promo");
    ok(
        s,
        one(doc(DocKind::Promotion, &promo, None, "{}")),
        "promotion",
    )
    .await;
    let v = vid(&format!("{product}-v"));
    ok(
        s,
        stock(vec![StockOp::Define {
            variant: v.clone(),
            product: ProductId::new(product.clone()).unwrap_or_else(|e| panic!("{e}")),
            tracked: true,
            on_hand: 4,
        }]),
        "stock",
    )
    .await;
    let asked = [v.clone(), vid(&unique("absent"))];
    let got = s
        .checkout_snapshot(&asked)
        .await
        .unwrap_or_else(|e| panic!("checkout_snapshot: {e}"));
    let parts = compose_checkout_snapshot(s, &asked)
        .await
        .unwrap_or_else(|e| panic!("parts: {e}"));
    assert_eq!(got.stock, parts.stock, "stock rows");
    assert_eq!(got.products, parts.products, "products");
    assert_eq!(got.sellers, parts.sellers, "sellers");
    let ids = |d: &[StoredDoc]| {
        let mut v: Vec<String> = d.iter().map(|x| x.id.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(ids(&got.promotions), ids(&parts.promotions), "promotions");
    assert!(ids(&got.promotions).contains(&promo));
    assert_eq!(got.products.len(), 1);
    assert_eq!(got.sellers.len(), 1);
}

/// [`Storage::get_at_catalog`] answers the document as [`Storage::get`] does (`None` when
/// absent) and the catalog's version as [`Storage::catalog_version`] does, read during the
/// call (between a version read before and one after), before and after the document and
/// the catalog change.
pub async fn get_at_catalog_matches_its_parts<S: Storage + ?Sized>(s: &S) {
    // Catalog writes first, so that the catalog's version is not the cart's (1, then 2): a
    // store answering one for the other fails below.
    for _ in 0..4 {
        let product = unique("gac-product");
        ok(
            s,
            one(doc(DocKind::Product, &product, None, "{}")),
            "product",
        )
        .await;
    }
    let version = |what: &'static str| async move {
        s.catalog_version()
            .await
            .unwrap_or_else(|e| panic!("catalog_version ({what}): {e}"))
    };
    let read = |kind: DocKind, id: String, what: &'static str| async move {
        let before = version(what).await;
        let got = s
            .get_at_catalog(kind, &id)
            .await
            .unwrap_or_else(|e| panic!("get_at_catalog ({what}): {e}"));
        let after = version(what).await;
        let doc = s
            .get(kind, &id)
            .await
            .unwrap_or_else(|e| panic!("get ({what}): {e}"));
        assert_eq!(got.doc, doc, "the document ({what})");
        match (before, got.catalog_version, after) {
            (Some(b), Some(v), Some(a)) => assert!(
                b <= v && v <= a,
                "the version read during the call ({what}): {b} <= {v} <= {a}"
            ),
            (None, None, None) => {}
            other => panic!("the version as catalog_version answers it ({what}): {other:?}"),
        }
        got
    };
    let cart = unique("gac");
    let absent = read(DocKind::Cart, cart.clone(), "absent").await;
    assert_eq!(absent.doc, None);
    ok(
        s,
        one(doc(DocKind::Cart, &cart, None, r#"{"n":1}"#)),
        "cart",
    )
    .await;
    let first = read(DocKind::Cart, cart.clone(), "created").await;
    let body = first.doc.as_ref().map(|d| (d.version, d.body.as_str()));
    assert_eq!(body, Some((1, r#"{"n":1}"#)), "byte for byte");
    ok(
        s,
        one(doc(DocKind::Cart, &cart, Some(1), r#"{"n":2}"#)),
        "cart update",
    )
    .await;
    let product = unique("gac-product");
    ok(
        s,
        one(doc(DocKind::Product, &product, None, "{}")),
        "product",
    )
    .await;
    let later = read(DocKind::Cart, cart.clone(), "after a catalog write").await;
    let body = later.doc.as_ref().map(|d| (d.version, d.body.as_str()));
    assert_eq!(body, Some((2, r#"{"n":2}"#)), "the latest version");
    if let (Some(before), Some(after)) = (first.catalog_version, later.catalog_version) {
        assert!(
            before < after,
            "a catalog write moves the version read with the cart"
        );
    }
    let other = read(DocKind::Product, cart, "another kind").await;
    assert_eq!(
        other.doc, None,
        "a document of another kind is not the cart"
    );
    let product = read(DocKind::Product, product, "a product").await;
    assert_eq!(product.doc.map(|d| d.version), Some(1), "any kind is read");
}

/// [`Storage::pricing_stock`] answers what its parts answer: the catalog's version and the
/// counters of [`Storage::catalog_stock`], and every promotion, by id, with its version and
/// body (a promotion written since is seen); a list of 350 variants answers as a short one,
/// from `pricing_stock` and `catalog_stock` alike.
pub async fn pricing_stock_matches_its_parts<S: Storage + ?Sized>(s: &S) {
    let v = vid(&unique("ps"));
    define(s, &v, true, 3).await;
    let promo = unique("promo");
    ok(
        s,
        one(doc(DocKind::Promotion, &promo, None, r#"{"p":1}"#)),
        "promotion",
    )
    .await;
    let asked = [v.clone(), vid(&unique("absent"))];
    let got = s
        .pricing_stock(&asked)
        .await
        .unwrap_or_else(|e| panic!("pricing_stock: {e}"));
    let parts = compose_pricing_stock(s, &asked)
        .await
        .unwrap_or_else(|e| panic!("parts: {e}"));
    assert_eq!(got.version, parts.version, "version");
    assert_eq!(got.stock, parts.stock, "stock rows");
    assert_eq!(
        got.stock,
        vec![level(s, &v).await],
        "only the variant that exists"
    );
    assert_eq!(got.promotions, parts.promotions, "promotions, by id");
    let mine = got.promotions.iter().find(|d| d.id == promo);
    assert_eq!(
        mine.map(|d| (d.version, d.body.as_str())),
        Some((1, r#"{"p":1}"#))
    );
    let sorted = got.promotions.windows(2).all(|w| w[0].id <= w[1].id);
    assert!(sorted, "promotions by id");
    let none = s
        .pricing_stock(&[])
        .await
        .unwrap_or_else(|e| panic!("pricing_stock of no variant: {e}"));
    assert!(none.stock.is_empty(), "no variant, no counter");
    assert_eq!(
        none.version, got.version,
        "the version comes without counters too"
    );
    // A list longer than an adapter binds into one statement (350 variants, one of them
    // defined) answers as the short list does, from both calls.
    let mut long = vec![v.clone()];
    long.extend((0..349).map(|i| vid(&format!("{}-{i}", unique("absent")))));
    let wide = s
        .pricing_stock(&long)
        .await
        .unwrap_or_else(|e| panic!("pricing_stock of 350 variants: {e}"));
    assert_eq!(wide.version, got.version, "the long list's version");
    assert_eq!(wide.stock, got.stock, "the long list's counters");
    assert_eq!(
        wide.promotions, got.promotions,
        "the long list's promotions"
    );
    let wide = s
        .catalog_stock(&long)
        .await
        .unwrap_or_else(|e| panic!("catalog_stock of 350 variants: {e}"));
    assert_eq!(
        wide.version, got.version,
        "catalog_stock's version, long list"
    );
    assert_eq!(wide.stock, got.stock, "catalog_stock's counters, long list");
}

/// Several sales in one changeset are all or nothing, and the error names the variant short.
pub async fn multi_variant_sales_are_all_or_nothing<S: Storage + ?Sized>(s: &S) {
    let (a, b, c) = (vid(&unique("ma")), vid(&unique("mb")), vid(&unique("mc")));
    define(s, &a, true, 5).await;
    define(s, &b, true, 1).await;
    define(s, &c, false, 0).await;
    let sell = |v: &VariantId, q: u32| StockOp::Sell {
        variant: v.clone(),
        quantity: q,
    };
    match commit(s, stock(vec![sell(&a, 2), sell(&b, 2), sell(&c, 9)])).await {
        Err(StorageError::OutOfStock {
            variant,
            requested: 2,
            available: 1,
        }) => {
            assert_eq!(variant, b, "the error names the variant that is short")
        }
        other => panic!("expected OutOfStock for the second variant, got {other:?}"),
    }
    assert_eq!(level(s, &a).await.on_hand, 5, "the first sale was undone");
    ok(
        s,
        stock(vec![sell(&a, 2), sell(&a, 1), sell(&b, 1), sell(&c, 9)]),
        "sell several",
    )
    .await;
    assert_eq!(
        (level(s, &a).await.on_hand, level(s, &b).await.on_hand),
        (2, 0)
    );
    assert!(
        matches!(
            commit(s, stock(vec![sell(&a, 1), sell(&a, 2)])).await,
            Err(StorageError::OutOfStock { .. })
        ),
        "two sales of one variant add up"
    );
}

/// `product_page` returns what its parts return (adapters that override it): the product by
/// its key, its seller, its category, and at least the stock counters of the variants it
/// lists; nothing for a key no product holds.
pub async fn product_page_matches_its_parts<S: Storage + ?Sized>(s: &S) {
    let seller = unique("slr");
    let category = unique("cat");
    let product = unique("prd");
    let key = format!("slug:{product}");
    ok(
        s,
        one(doc(DocKind::Seller, &seller, None, r#"{"name":"x"}"#)),
        "seller",
    )
    .await;
    ok(
        s,
        one(doc(DocKind::Category, &category, None, r#"{"name":"c"}"#)),
        "category",
    )
    .await;
    let (a, b) = (vid(&format!("{product}-a")), vid(&format!("{product}-b")));
    let mut w = doc(
        DocKind::Product,
        &product,
        None,
        &format!(
            r#"{{"seller_id":"{seller}","category_id":"{category}","slug":"{product}","variants":[{{"id":"{a}"}},{{"id":"{b}"}}]}}"#
        ),
    );
    w.keys = vec![key.clone()];
    w.product = Some(
        ProductIndex::new(seller.clone(), category.clone())
            .with_active(true)
            .with_prices(1, 1)
            .with_search_text("x"),
    );
    ok(s, one(w), "product").await;
    // Another product of the same seller: its counters are not this page's.
    let other = vid(&unique("other"));
    for (v, p, on_hand) in [
        (&a, &product, 4),
        (&b, &product, 0),
        (&other, &unique("prd"), 7),
    ] {
        ok(
            s,
            stock(vec![StockOp::Define {
                variant: v.clone(),
                product: ProductId::new(p.clone()).unwrap_or_else(|e| panic!("{e}")),
                tracked: true,
                on_hand,
            }]),
            "stock",
        )
        .await;
    }
    let got = s
        .product_page(&key)
        .await
        .unwrap_or_else(|e| panic!("product_page: {e}"));
    let parts = compose_product_page(s, &key)
        .await
        .unwrap_or_else(|e| panic!("parts: {e}"));
    assert_eq!(got.product, parts.product, "product");
    assert_eq!(
        got.product.as_ref().map(|d| d.id.as_str()),
        Some(product.as_str())
    );
    assert_eq!(got.seller, parts.seller, "seller");
    assert!(got.seller.is_some(), "the seller is read");
    assert_eq!(got.category, parts.category, "category");
    assert!(got.category.is_some(), "the category is read");
    let mut rows = got.stock.clone();
    rows.sort_by(|x, y| x.variant.cmp(&y.variant));
    let mut expected = parts.stock.clone();
    expected.sort_by(|x, y| x.variant.cmp(&y.variant));
    assert_eq!(expected.len(), 2, "both variants' counters");
    for row in &expected {
        assert!(rows.contains(row), "stock row {row:?} of the page");
    }
    assert!(
        rows.iter().all(|r| r.variant != other),
        "another product's counter is not on the page"
    );
    let none = s
        .product_page(&format!("slug:{}", unique("absent")))
        .await
        .unwrap_or_else(|e| panic!("product_page: {e}"));
    assert_eq!(none, ProductPageRows::default(), "no product, no rows");
}

/// The catalog's version (adapters that keep one): it changes with every write and delete of
/// a product, seller or category, in the same commit, and stays the same across writes of
/// anything else (a cart, an order, a promotion, stock); `catalog_stock` answers it with the
/// counters `stock_levels` answers. An adapter without a version (`None`) is only checked for
/// the counters.
pub async fn catalog_version_follows_catalog_writes<S: Storage + ?Sized>(s: &S) {
    let version = |what: &'static str| async move {
        s.catalog_version()
            .await
            .unwrap_or_else(|e| panic!("catalog_version ({what}): {e}"))
    };
    let v0 = version("start").await;
    let a = vid(&unique("cv"));
    define(s, &a, true, 5).await;
    let rows = s
        .catalog_stock(std::slice::from_ref(&a))
        .await
        .unwrap_or_else(|e| panic!("catalog_stock: {e}"));
    assert_eq!(
        rows.stock,
        vec![level(s, &a).await],
        "catalog_stock's counters"
    );
    assert_eq!(rows.version, v0, "catalog_stock's version");
    let Some(mut last) = v0 else {
        return;
    };
    // Not the catalog: a cart, an order, stock moves.
    ok(
        s,
        one(doc(DocKind::Cart, &unique("cart"), None, "{}")),
        "cart",
    )
    .await;
    ok(
        s,
        one(doc(DocKind::Order, &unique("ord"), None, "{}")),
        "order",
    )
    .await;
    ok(
        s,
        one(doc(DocKind::Promotion, &unique("promo"), None, "{}")),
        "promotion",
    )
    .await;
    ok(
        s,
        stock(vec![StockOp::Sell {
            variant: a.clone(),
            quantity: 1,
        }]),
        "sale",
    )
    .await;
    assert_eq!(
        version("other writes").await,
        Some(last),
        "writes outside the catalog leave its version alone"
    );
    let empty = s
        .catalog_stock(&[])
        .await
        .unwrap_or_else(|e| panic!("catalog_stock of no variant: {e}"));
    assert_eq!(
        empty.version,
        Some(last),
        "the version comes without counters too"
    );
    assert!(empty.stock.is_empty(), "no variant, no counter");
    for kind in [DocKind::Product, DocKind::Seller, DocKind::Category] {
        let id = unique("cat-doc");
        ok(s, one(doc(kind, &id, None, r#"{"n":1}"#)), "catalog create").await;
        let created = version("create").await;
        assert!(
            created.is_some_and(|v| v != last),
            "creating a {kind} changes the catalog version ({last} → {created:?})"
        );
        last = created.unwrap_or(last);
        ok(
            s,
            one(doc(kind, &id, Some(1), r#"{"n":2}"#)),
            "catalog update",
        )
        .await;
        let updated = version("update").await;
        assert!(
            updated.is_some_and(|v| v != last),
            "updating a {kind} changes the catalog version"
        );
        last = updated.unwrap_or(last);
        let deleted = s
            .delete_doc(kind, &id, 2)
            .await
            .unwrap_or_else(|e| panic!("delete_doc: {e}"));
        assert!(deleted, "the {kind} is deleted");
        let after = version("delete").await;
        assert!(
            after.is_some_and(|v| v != last),
            "deleting a {kind} changes the catalog version"
        );
        last = after.unwrap_or(last);
        assert_eq!(
            s.catalog_stock(std::slice::from_ref(&a))
                .await
                .unwrap_or_else(|e| panic!("catalog_stock: {e}"))
                .version,
            Some(last),
            "catalog_stock's version follows"
        );
    }
}

/// A refused changeset left no idempotency record under `scope` and `key`, and no pending
/// event of `aggregate`.
async fn no_record_nor_event<S: Storage + ?Sized>(s: &S, scope: &str, key: &str, aggregate: &str) {
    assert_eq!(
        s.idempotency(scope, key)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "no record"
    );
    let events = s
        .pending_events(100_000)
        .await
        .unwrap_or_else(|e| panic!("pending_events: {e}"));
    assert!(!events.iter().any(|e| e.aggregate == aggregate), "no event");
}

/// Commits held to a catalog version ([`Changeset::catalog_at`], adapters whose
/// [`Storage::commits_at_catalog_version`] is true; others are not checked): a changeset at
/// the current version commits; one at an older version writes nothing (no document, key,
/// owner, stock change, event or idempotency record) and answers
/// [`StorageError::CatalogChanged`] with both versions, whether it is one cart's update (a
/// shipping choice), a new cart or a larger changeset; an idempotency record already stored
/// answers its replay first.
pub async fn commits_hold_to_their_catalog_version<S: Storage + ?Sized>(s: &S) {
    if !s.commits_at_catalog_version() {
        return;
    }
    let version = |what: &'static str| async move {
        s.catalog_version()
            .await
            .unwrap_or_else(|e| panic!("catalog_version ({what}): {e}"))
            .unwrap_or_else(|| panic!("a storage that commits at a catalog version keeps one"))
    };
    let at = |mut cs: Changeset, v: u64| {
        cs.catalog_at = Some(v);
        cs
    };
    let v0 = version("start").await;
    let cart = unique("cart-at");
    ok(
        s,
        at(one(doc(DocKind::Cart, &cart, None, r#"{"n":1}"#)), v0),
        "a cart created at the current version",
    )
    .await;
    ok(
        s,
        at(one(doc(DocKind::Cart, &cart, Some(1), r#"{"n":2}"#)), v0),
        "a cart updated at the current version",
    )
    .await;
    ok(
        s,
        one(doc(DocKind::Product, &unique("p-at"), None, "{}")),
        "a product created",
    )
    .await;
    let v1 = version("after a product").await;
    assert_ne!(v1, v0, "a product changes the catalog version");
    let refused = |what: &'static str, r: Result<CommitOutcome, StorageError>| match r {
        Err(StorageError::CatalogChanged { expected, found }) => {
            assert_eq!(
                (expected, found),
                (v0, v1),
                "{what}: the versions expected and found"
            );
        }
        other => panic!("{what}: expected CatalogChanged, got {other:?}"),
    };
    refused(
        "a cart updated at an older version",
        commit(
            s,
            at(one(doc(DocKind::Cart, &cart, Some(2), r#"{"n":3}"#)), v0),
        )
        .await,
    );
    let stored = s
        .get(DocKind::Cart, &cart)
        .await
        .unwrap_or_else(|e| panic!("get: {e}"))
        .unwrap_or_else(|| panic!("the cart is stored"));
    assert_eq!(
        (stored.version, stored.body.as_str()),
        (2, r#"{"n":2}"#),
        "a refused update writes nothing"
    );
    let fresh = unique("cart-at-new");
    refused(
        "a cart created at an older version",
        commit(s, at(one(doc(DocKind::Cart, &fresh, None, "{}")), v0)).await,
    );
    absent(
        s,
        DocKind::Cart,
        &fresh,
        "a refused new cart is not created",
    )
    .await;
    // A larger changeset: an order with a key and owners, a sale, an event and a record.
    let variant = vid(&unique("v-at"));
    define(s, &variant, true, 5).await;
    let (order, owner, key) = (unique("o-at"), unique("owner-at"), unique("key-at"));
    let placed = |response: &str| {
        let mut w = doc(DocKind::Order, &order, None, "{}");
        w.keys = vec![format!("ref:{order}")];
        w.owners = vec![owner.clone()];
        Changeset {
            docs: vec![w],
            stock: vec![StockOp::Sell {
                variant: variant.clone(),
                quantity: 2,
            }],
            events: vec![NewEvent::new(order.clone(), "order.placed", "{}")],
            idempotency: Some(IdempotencyRecord::new(
                "place_order",
                key.clone(),
                "fp",
                response,
                t0(),
            )),
            now: Some(t0()),
            ..Changeset::default()
        }
    };
    refused(
        "an order placed at an older version",
        commit(s, at(placed("{}"), v0)).await,
    );
    assert_eq!(
        s.get(DocKind::Order, &order)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "no order"
    );
    assert_eq!(
        s.find_by_key(DocKind::Order, &format!("ref:{order}"))
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "no key"
    );
    assert!(
        owned_ids(s, DocKind::Order, &owner).await.is_empty(),
        "no owner row"
    );
    assert_eq!(level(s, &variant).await.on_hand, 5, "no sale");
    no_record_nor_event(s, "place_order", &key, &order).await;
    ok(
        s,
        at(placed(r#"{"first":true}"#), v1),
        "the order placed at the current version",
    )
    .await;
    assert_eq!(level(s, &variant).await.on_hand, 3, "sold once");
    match commit(s, at(placed("{}"), v0)).await {
        Ok(CommitOutcome::Replayed(r)) => {
            assert_eq!(
                r.response, r#"{"first":true}"#,
                "a stored record answers first"
            );
        }
        other => panic!("a replay at an older version must be Replayed, got {other:?}"),
    }
    assert_eq!(
        level(s, &variant).await.on_hand,
        3,
        "a replay sells nothing"
    );
}

/// Commits held to stock checks ([`Changeset::stock_at_least`], adapters whose
/// [`Storage::checks_stock_at_commit`] is true; others are not checked): a cart's update
/// commits while each variant named has the units asked available (on hand less reserved)
/// or is untracked; one asking more writes nothing and answers [`StorageError::OutOfStock`]
/// naming the first variant short, in the order named, with the units asked and available,
/// whether it is one cart's update held to the catalog's version (the add's shape, alone or
/// with other checks), one not held to it, a new cart held to it (a cart created with its
/// first item; its id taken answers [`StorageError::Conflict`]), or a larger changeset (a
/// document, an event and a record); a variant with no counter answers
/// [`StorageError::UnknownVariant`]; a changed catalog is answered first.
pub async fn commits_hold_to_their_stock_checks<S: Storage + ?Sized>(s: &S) {
    if !s.checks_stock_at_commit() {
        return;
    }
    let (short, shorter, untracked, none) = (
        vid(&unique("v-least")),
        vid(&unique("v-lesser")),
        vid(&unique("v-free")),
        vid(&unique("v-none")),
    );
    define(s, &short, true, 5).await;
    define(s, &shorter, true, 1).await;
    define(s, &untracked, false, 0).await;
    ok(
        s,
        stock(vec![StockOp::Reserve {
            reservation: ReservationId::new(unique("r-least")).unwrap_or_else(|e| panic!("{e}")),
            variant: short.clone(),
            quantity: 2,
            order: OrderId::new(unique("o-least")).unwrap_or_else(|e| panic!("{e}")),
            expires_at: t0() + Duration::minutes(30),
        }]),
        "reserve 2 of 5",
    )
    .await;
    let catalog = s
        .catalog_version()
        .await
        .unwrap_or_else(|e| panic!("catalog_version: {e}"));
    let cart = &unique("cart-least");
    ok(
        s,
        one(doc(DocKind::Cart, cart, None, r#"{"n":1}"#)),
        "a cart",
    )
    .await;
    // The checks named: `short`'s alone (an add's shape), or after two that pass.
    let checked_of = |version: u64, checks: Vec<StockAtLeast>, held: bool| {
        let mut cs = one(doc(
            DocKind::Cart,
            cart,
            Some(version),
            &format!(r#"{{"n":{}}}"#, version + 1),
        ));
        cs.catalog_at = catalog.filter(|_| held);
        cs.stock_at_least = checks;
        cs
    };
    let checks = |units: u32, all: bool| {
        let mut checks = Vec::new();
        if all {
            checks.push(StockAtLeast::new(untracked.clone(), 1_000));
            checks.push(StockAtLeast::new(shorter.clone(), 1));
        }
        checks.push(StockAtLeast::new(short.clone(), units));
        checks
    };
    let checked =
        |version: u64, units: u32, held: bool| checked_of(version, checks(units, true), held);
    let stored = |what: &'static str| async move {
        s.get(DocKind::Cart, cart)
            .await
            .unwrap_or_else(|e| panic!("get ({what}): {e}"))
            .unwrap_or_else(|| panic!("the cart is stored ({what})"))
            .version
    };
    // `r` is `OutOfStock` for `expected`: the variant short, the units asked and available.
    let refused_for = |what: &str,
                       r: Result<CommitOutcome, StorageError>,
                       expected: (&VariantId, u32, u32)| match r {
        Err(StorageError::OutOfStock {
            variant,
            requested,
            available,
        }) => assert_eq!(
            (&variant, requested, available),
            expected,
            "{what}: the variant short, the units asked and available"
        ),
        other => panic!("{what}: expected OutOfStock, got {other:?}"),
    };
    let out_of_stock = |what: &str, r: Result<CommitOutcome, StorageError>| {
        refused_for(what, r, (&short, 4, 3));
    };
    for (held, all) in [(true, false), (true, true), (false, false), (false, true)] {
        let v = stored("before").await;
        ok(
            s,
            checked_of(v, checks(3, all), held),
            "exactly the units available (an untracked variant passes)",
        )
        .await;
        out_of_stock(
            "one unit more than available",
            commit(s, checked_of(v + 1, checks(4, all), held)).await,
        );
        assert_eq!(
            stored("after").await,
            v + 1,
            "a refused update writes nothing"
        );
    }
    // An untracked variant alone: always enough.
    let v = stored("free").await;
    ok(
        s,
        checked_of(v, vec![StockAtLeast::new(untracked.clone(), 1_000)], true),
        "an untracked variant",
    )
    .await;
    // Two variants short: the first named is the refusal; one with no counter is unknown.
    for held in [true, false] {
        let v = stored("two short").await;
        let two = vec![
            StockAtLeast::new(shorter.clone(), 2),
            StockAtLeast::new(short.clone(), 4),
        ];
        refused_for(
            "two variants short: the first named",
            commit(s, checked_of(v, two, held)).await,
            (&shorter, 2, 1),
        );
        match commit(
            s,
            checked_of(v, vec![StockAtLeast::new(none.clone(), 1)], held),
        )
        .await
        {
            Err(StorageError::UnknownVariant(variant)) => {
                assert_eq!(variant, none, "the variant with no counter");
            }
            other => panic!("a variant with no counter: expected UnknownVariant, got {other:?}"),
        }
        assert_eq!(stored("refused").await, v, "nothing written");
    }
    // A cart created with its first item: a new document held to the catalog's version and
    // to one check.
    let created = |id: &str, variant: &VariantId, units: u32| {
        let mut cs = one(doc(DocKind::Cart, id, None, r#"{"new":1}"#));
        cs.catalog_at = catalog;
        cs.stock_at_least = vec![StockAtLeast::new(variant.clone(), units)];
        cs
    };
    let new_cart = &unique("cart-least-new");
    out_of_stock(
        "a new cart asking one unit more than available",
        commit(s, created(new_cart, &short, 4)).await,
    );
    match commit(s, created(new_cart, &none, 1)).await {
        Err(StorageError::UnknownVariant(variant)) => {
            assert_eq!(variant, none, "a new cart: the variant with no counter");
        }
        other => panic!(
            "a new cart of a variant with no counter: expected UnknownVariant, got {other:?}"
        ),
    }
    absent(
        s,
        DocKind::Cart,
        new_cart,
        "a refused new cart is not created",
    )
    .await;
    ok(
        s,
        created(new_cart, &short, 3),
        "a new cart with exactly the units available",
    )
    .await;
    ok(
        s,
        created(&unique("cart-least-free"), &untracked, 1_000),
        "a new cart of an untracked variant",
    )
    .await;
    match commit(s, created(new_cart, &short, 1)).await {
        Err(StorageError::Conflict { .. }) => {}
        other => panic!("a new cart whose id is taken: expected Conflict, got {other:?}"),
    }
    let kept = s
        .get(DocKind::Cart, new_cart)
        .await
        .unwrap_or_else(|e| panic!("get: {e}"))
        .unwrap_or_else(|| panic!("the new cart is stored"));
    assert_eq!(
        (kept.version, kept.body.as_str()),
        (1, r#"{"new":1}"#),
        "the first new cart, once"
    );
    // A larger changeset: the cart, an event and an idempotency record.
    let key = &unique("key-least");
    let (checked, stored) = (&checked, &stored);
    let larger = |units: u32| async move {
        let v = stored("larger").await;
        let mut cs = checked(v, units, true);
        cs.events = vec![NewEvent::new(cart.clone(), "cart.changed", "{}")];
        cs.idempotency = Some(IdempotencyRecord::new(
            "change_cart",
            key.clone(),
            "fp",
            "{}",
            t0(),
        ));
        cs.now = Some(t0());
        cs
    };
    out_of_stock(
        "a larger changeset asking too much",
        commit(s, larger(4).await).await,
    );
    no_record_nor_event(s, "change_cart", key, cart).await;
    ok(s, larger(3).await, "a larger changeset within the units").await;
    assert_eq!(
        level(s, &short).await.reserved,
        2,
        "a check reserves nothing"
    );
    // A changed catalog is answered before the stock.
    if let Some(old) = catalog
        && s.commits_at_catalog_version()
    {
        ok(
            s,
            one(doc(DocKind::Product, &unique("p-least"), None, "{}")),
            "a product created",
        )
        .await;
        let v = stored("catalog").await;
        match commit(s, checked(v, 4, true)).await {
            Err(StorageError::CatalogChanged { expected, .. }) => {
                assert_eq!(expected, old, "the version the changeset was made at");
            }
            other => panic!(
                "a changed catalog and a variant short: expected CatalogChanged, got {other:?}"
            ),
        }
        let late = &unique("cart-least-late");
        match commit(s, created(late, &short, 4)).await {
            Err(StorageError::CatalogChanged { expected, .. }) => {
                assert_eq!(expected, old, "a new cart: the version it was made at");
            }
            other => panic!(
                "a new cart, a changed catalog and a variant short: expected CatalogChanged, got {other:?}"
            ),
        }
        absent(
            s,
            DocKind::Cart,
            late,
            "a new cart refused for the catalog is not created",
        )
        .await;
    }
}
