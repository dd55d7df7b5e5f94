//! The storage check of product search: every filter, combined, with stable pages.

use super::*;

/// Product search: every filter, combined, with stable pages.
pub async fn product_search_filters<S: Storage + ?Sized>(s: &S) {
    let seller = unique("seller");
    let prefix = unique("prd");
    let mk = |i: u32, category: &str, price: i64, text: &str, active: bool| {
        let id = format!("{prefix}-{i}");
        let mut w = doc(DocKind::Product, &id, None, "{}");
        w.product = Some(
            ProductIndex::new(seller.clone(), category)
                .with_active(active)
                .with_prices(price, price + 5_000)
                .with_search_text(text),
        );
        (id, w)
    };
    let items = [
        mk(0, "leather", 15_000, "coussin en cuir وسادة جلدية", true),
        mk(1, "leather", 80_000, "sac tassoufra", true),
        mk(2, "jewellery", 250_000, "bracelet en argent", true),
        mk(3, "leather", 20_000, "coussin brode", false),
    ];
    for (i, (id, w)) in items.iter().enumerate() {
        ok(s, one(w.clone()), "product").await;
        let v = vid(&format!("{id}-v"));
        ok(
            s,
            stock(vec![StockOp::Define {
                variant: v,
                product: ProductId::new(id.clone()).unwrap_or_else(|e| panic!("{e}")),
                tracked: true,
                on_hand: if i == 1 { 0 } else { 3 },
            }]),
            "stock",
        )
        .await;
    }
    let q = |f: &dyn Fn(&mut ProductQuery)| {
        let mut q = ProductQuery {
            seller: Some(seller.clone()),
            limit: 100,
            ..ProductQuery::default()
        };
        f(&mut q);
        q
    };
    let ids = |docs: Vec<StoredDoc>| {
        docs.into_iter()
            .map(|d| d.id.rsplit('-').next().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    let run = |query: ProductQuery| async move {
        ids(s
            .search_products(&query)
            .await
            .unwrap_or_else(|e| panic!("search: {e}")))
    };
    assert_eq!(
        run(q(&|_| {})).await,
        ["0", "1", "2", "3"],
        "seller filter, id order"
    );
    assert_eq!(
        run(q(&|q| q.active_only = true)).await,
        ["0", "1", "2"],
        "active only"
    );
    assert_eq!(
        run(q(&|q| q.category = Some("leather".into()))).await,
        ["0", "1", "3"],
        "category"
    );
    assert_eq!(
        run(q(&|q| {
            q.min_price_minor = Some(19_000);
            q.max_price_minor = Some(100_000);
        }))
        .await,
        ["0", "1", "3"],
        "price range overlaps the variants' range"
    );
    assert_eq!(
        run(q(&|q| q.text = Some("coussin".into()))).await,
        ["0", "3"],
        "text"
    );
    assert_eq!(
        run(q(&|q| q.text = Some("جلدية".into()))).await,
        ["0"],
        "Arabic text"
    );
    assert_eq!(
        run(q(&|q| q.text = Some("100%_".into()))).await,
        Vec::<String>::new(),
        "LIKE wildcards are literal"
    );
    assert_eq!(
        run(q(&|q| q.in_stock = true)).await,
        ["0", "2", "3"],
        "in stock"
    );
    assert_eq!(
        run(q(&|q| {
            q.after = Some(items[0].0.clone());
            q.limit = 2;
        }))
        .await,
        ["1", "2"],
        "pages"
    );
}
