//! The engine's catalog cache never serves a catalog older than the storage's: two engines
//! (two processes' worth of caches) on one storage, one changing the catalog while the other
//! keeps reading it. On the memory store, on one SQLite file through two separate stores (two
//! connection pools, as two processes), and on PostgreSQL when `TIJARA_TEST_POSTGRES_URL` is
//! set (two stores in one schema).

mod common;

use common::*;
use std::sync::Arc;
use tijara::TijaraError;
use tijara::ports::storage::Storage;
use tijara::usecases::cart::CartChange;
use tijara::usecases::catalog::{MAX_SEARCH_PAGE, ProductView, SearchRequest, StockAdjustment};
use tijara_core::ProductId;
use tijara_testkit::storage::TempDb;

/// The search result of `slug` among every product on sale (a search without words), as
/// `engine` finds it: `None` when not found.
async fn searched(engine: &tijara::Tijara, slug: &str) -> Option<ProductView> {
    let found = engine
        .catalog()
        .search(&SearchRequest::new("").with_page(1, MAX_SEARCH_PAGE))
        .await
        .expect("search");
    found.items.into_iter().find(|v| v.product.slug == slug)
}

/// `reader` caches the catalog; `writer` changes it; `reader` must see every change at once.
async fn reader_sees_every_change(reader: &Market, writer: &Market) {
    let c = catalog(writer).await;
    let r = &reader.engine;
    let w = &writer.engine;
    for _ in 0..2 {
        let page = r.catalog().product_page("srama").await.expect("page");
        assert_eq!(page.view.variants[0].variant.price, mad("250.00"));
        let hit = searched(r, "srama").await.expect("found");
        assert_eq!(hit.variants[0].variant.price, mad("250.00"));
        assert!(!hit.seller_name.is_empty(), "with its seller's name");
    }
    // A product edited elsewhere: new title and price.
    let id = r
        .catalog()
        .product_page("srama")
        .await
        .expect("page")
        .view
        .product
        .id;
    // By id, twice (from the cache the product page filled), alone and with others.
    for _ in 0..2 {
        let view = r.catalog().product(&id).await.expect("by id");
        assert_eq!(view.variants[0].variant.price, mad("250.00"));
        assert!(!view.seller_name.is_empty(), "with its seller's name");
    }
    let bag_id = r
        .catalog()
        .product_page("tassoufra")
        .await
        .expect("bag page")
        .view
        .product
        .id;
    let both = r
        .catalog()
        .products(&[bag_id.clone(), id.clone(), bag_id.clone()])
        .await
        .expect("by ids");
    let mut ids = vec![id.clone(), bag_id.clone()];
    ids.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(
        both.iter()
            .map(|v| v.product.id.clone())
            .collect::<Vec<_>>(),
        ids,
        "sorted by id, each once"
    );
    let unknown = tijara_core::ProductId::new("prod_unknown").expect("id");
    assert!(matches!(
        r.catalog().product(&unknown).await,
        Err(TijaraError::NotFound { .. })
    ));
    assert_eq!(
        r.catalog()
            .products(&[unknown, id.clone()])
            .await
            .expect("by ids")
            .len(),
        1,
        "an unknown id is left out"
    );
    let edit = || {
        w.catalog()
            .update_product(&id, embroidered_cushion(&c.a), None)
    };
    edit().await.expect("update");
    // By id: the new price and title at once (the cache held the old ones).
    let view = r.catalog().product(&id).await.expect("by id");
    assert_eq!(
        view.variants[0].variant.price,
        mad("300.00"),
        "by id: the new price"
    );
    assert_eq!(
        view.product
            .title
            .get(tijara_core::Lang::FR, tijara_core::Lang::AR),
        Some("Coussin brodé"),
        "by id: the new title"
    );
    // Saved again as it is (a new catalog version all the same), so that the search below
    // is the first read of the version after the one just read by id.
    edit().await.expect("update again");
    // Searched first (before a product page reads the new version).
    let hit = searched(r, "srama").await.expect("found");
    assert_eq!(
        hit.variants[0].variant.price,
        mad("300.00"),
        "searched: the new price"
    );
    assert_eq!(
        hit.product
            .title
            .get(tijara_core::Lang::FR, tijara_core::Lang::AR),
        Some("Coussin brodé"),
        "searched: the new title"
    );
    let page = r.catalog().product_page("srama").await.expect("page");
    assert_eq!(
        page.view.variants[0].variant.price,
        mad("300.00"),
        "the new price"
    );
    assert_eq!(
        page.view
            .product
            .title
            .get(tijara_core::Lang::FR, tijara_core::Lang::AR),
        Some("Coussin brodé")
    );
    // Stock is live, not cached.
    w.catalog()
        .adjust_stock(&c.cushion, StockAdjustment::Set { units: 0 }, None)
        .await
        .expect("sold out");
    let page = r.catalog().product_page("srama").await.expect("page");
    assert!(
        !page.view.variants[0].availability.can_order(1),
        "sold out elsewhere, sold out here"
    );
    let hit = searched(r, "srama").await.expect("found");
    assert!(
        !hit.variants[0].availability.can_order(1),
        "sold out elsewhere, sold out in search results"
    );
    let view = r.catalog().product(&id).await.expect("by id");
    assert!(
        !view.variants[0].availability.can_order(1),
        "sold out elsewhere, sold out by id"
    );
    // Added to a cart here: refused with none left, whether the stock is checked at commit
    // (the engine holding the product) or read first.
    let sold_out = r.carts().create_cart(None, None).await.expect("cart");
    let added = r
        .carts()
        .change_cart(
            &sold_out.cart.id,
            CartChange::Add {
                variant: c.cushion.clone(),
                quantity: 1,
            },
            None,
        )
        .await;
    assert!(
        matches!(
            added,
            Err(TijaraError::OutOfStock {
                requested: 1,
                available: 0,
                ..
            })
        ),
        "sold out elsewhere, refused in a cart here: {added:?}"
    );
    w.catalog()
        .adjust_stock(&c.cushion, StockAdjustment::Set { units: 5 }, None)
        .await
        .expect("restocked");
    // A seller suspended elsewhere: its products are gone here, then back.
    w.catalog()
        .set_seller_active(&c.a, false, None)
        .await
        .expect("suspended");
    assert!(matches!(
        r.catalog().product_page("srama").await,
        Err(TijaraError::NotFound { .. })
    ));
    // By id, a back office still reads it.
    let view = r.catalog().product(&id).await.expect("by id");
    assert_eq!(view.product.id, id, "still read by id");
    assert!(
        searched(r, "srama").await.is_none(),
        "a suspended seller's product is not found"
    );
    w.catalog()
        .set_seller_active(&c.a, true, None)
        .await
        .expect("back");
    assert!(searched(r, "srama").await.is_some(), "found again");
    r.catalog()
        .product_page("srama")
        .await
        .expect("on sale again");
    // A seller renamed elsewhere: by id, the product carries the new name at once (the cache
    // held the product and its seller under the old name).
    r.catalog().product(&id).await.expect("by id");
    let rename = |seller: &tijara_core::SellerId, name: &str, kind| {
        let seller = seller.clone();
        let input = seller_input(name, kind);
        async move {
            w.catalog()
                .update_seller(&seller, input, None)
                .await
                .expect("renamed");
        }
    };
    rename(
        &c.a,
        "Coopérative Oudaya Dakhla",
        tijara_core::catalog::SellerKind::Cooperative,
    )
    .await;
    let view = r.catalog().product(&id).await.expect("by id");
    assert_eq!(
        view.seller_name, "Coopérative Oudaya Dakhla",
        "by id: the seller's new name"
    );
    // A seller named beside the products (an order's messages name its sellers), held, then
    // renamed elsewhere: read under its new name at once.
    let name_of = |read: &tijara::usecases::catalog::ProductsAndSellers,
                   s: &tijara_core::SellerId| {
        read.sellers
            .iter()
            .find(|x| x.id == *s)
            .map(|x| x.name.clone())
    };
    let ids = [id.clone()];
    let named = [c.b.clone()];
    let read = r
        .catalog()
        .products_and_sellers(&ids, &named)
        .await
        .expect("read");
    assert_eq!(name_of(&read, &c.b).as_deref(), Some("Brahim bijoutier"));
    rename(
        &c.b,
        "Brahim, bijoutier de Dakhla",
        tijara_core::catalog::SellerKind::Artisan,
    )
    .await;
    // The documents' read (an order's messages) first, while this engine holds the former
    // names at the former version.
    let docs = r
        .catalog()
        .documents_and_sellers(&ids, &named)
        .await
        .expect("read");
    let names: Vec<&str> = docs.sellers.iter().map(|s| s.name.as_str()).collect();
    assert!(
        names.contains(&"Brahim, bijoutier de Dakhla")
            && names.contains(&"Coopérative Oudaya Dakhla"),
        "the documents' read: the new names ({names:?})"
    );
    let read = r
        .catalog()
        .products_and_sellers(&ids, &named)
        .await
        .expect("read");
    assert_eq!(
        name_of(&read, &c.b).as_deref(),
        Some("Brahim, bijoutier de Dakhla"),
        "a seller named beside the products: its new name"
    );
    assert_eq!(
        name_of(&read, &c.a).as_deref(),
        Some("Coopérative Oudaya Dakhla"),
        "the product's seller too"
    );
    // Carts read the catalog through the cache too: a product withdrawn elsewhere cannot be
    // added here any more.
    let cart = r.carts().create_cart(None, None).await.expect("cart");
    let add = |v: &tijara_core::VariantId| CartChange::Add {
        variant: v.clone(),
        quantity: 1,
    };
    r.carts()
        .change_cart(&cart.cart.id, add(&c.bag), None)
        .await
        .expect("add the bag");
    let bag = r
        .catalog()
        .product_page("tassoufra")
        .await
        .expect("bag page")
        .view
        .product
        .id;
    w.catalog()
        .set_product_active(&bag, false, None)
        .await
        .expect("withdrawn");
    let again = r
        .carts()
        .change_cart(&cart.cart.id, add(&c.bag), None)
        .await;
    assert!(
        matches!(again, Err(TijaraError::Cart(_))),
        "a withdrawn product is refused: {again:?}"
    );
    assert!(matches!(
        r.catalog().product_page("tassoufra").await,
        Err(TijaraError::NotFound { .. })
    ));
    // A shipping choice is made from the catalog this engine holds, without reading the
    // catalog's version first: its commit holds to that version, so a product made heavier
    // elsewhere is priced at its new weight (the commit at the old version is refused, and
    // the choice made again on the catalog read from storage).
    let amana = || tijara::usecases::checkout::ShippingSelection::new("amana", "standard");
    let parcel = r.carts().create_cart(None, None).await.expect("cart");
    let parcel = &parcel.cart.id;
    r.carts()
        .change_cart(parcel, add(&c.cushion), None)
        .await
        .expect("add the cushion");
    let price = |doc: &tijara::docs::CartDoc| doc.shipping.get(&c.a).expect("a's choice").price;
    let amana_quote = |quoted: &[tijara::usecases::checkout::SellerShippingOptions]| {
        quoted
            .iter()
            .find(|o| o.seller_id == c.a)
            .and_then(|o| o.options.iter().find(|q| q.carrier == "amana"))
            .expect("amana's quote")
            .price
    };
    let light = r
        .checkout()
        .choose_shipping(parcel, address(), &c.a, amana(), None)
        .await
        .expect("choice at 800 g");
    let heavy = |grams: u32| {
        let mut cushion = variant("SRAMA-1", "300.00", 5);
        cushion.weight_grams = grams;
        w.catalog().update_product(
            &id,
            product_input(&c.a, "srama", "Coussin brodé", "وسادة", vec![cushion]),
            None,
        )
    };
    heavy(3_000).await.expect("heavier elsewhere");
    let quoted = w
        .checkout()
        .shipping_quotes(parcel, &address())
        .await
        .expect("quoted where it changed");
    let expected = amana_quote(&quoted);
    assert_ne!(expected, price(&light), "the weight changes the price");
    let again = r
        .checkout()
        .choose_shipping(parcel, address(), &c.a, amana(), None)
        .await
        .expect("choice at 3 kg");
    assert_eq!(price(&again), expected, "priced at the new weight");
    // And the cache holds the new catalog again: one more choice agrees.
    let once_more = r
        .checkout()
        .choose_shipping(parcel, address(), &c.a, amana(), None)
        .await
        .expect("choice again");
    assert_eq!(price(&once_more), expected);
    // A quote reads the catalog's version with the cart (one storage call): made lighter
    // elsewhere, the product is quoted at its new weight by this engine too.
    let held = r
        .checkout()
        .shipping_quotes(parcel, &address())
        .await
        .expect("quoted at 3 kg");
    assert_eq!(amana_quote(&held), expected, "quoted at the weight held");
    heavy(500).await.expect("lighter elsewhere");
    let there = w
        .checkout()
        .shipping_quotes(parcel, &address())
        .await
        .expect("quoted at 500 g where it changed");
    let here = r
        .checkout()
        .shipping_quotes(parcel, &address())
        .await
        .expect("quoted at 500 g here");
    assert_ne!(
        amana_quote(&there),
        expected,
        "the weight changes the price"
    );
    assert_eq!(
        amana_quote(&here),
        amana_quote(&there),
        "quoted at the new weight"
    );
}

#[tokio::test]
async fn two_engines_on_one_memory_store() {
    let store: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
    reader_sees_every_change(&market_on(store.clone()), &market_on(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_sqlite_file() {
    let db = TempDb::new("catalog-cache-sqlx");
    let writer = tijara_store_sqlx::connect(&db.url())
        .await
        .expect("writer store");
    let reader = tijara_store_sqlx::connect(&db.url())
        .await
        .expect("reader store");
    reader_sees_every_change(&market_on(reader), &market_on(writer)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rusqlite_stores_on_one_file() {
    let db = TempDb::new("catalog-cache-rusqlite");
    let url = db.url();
    let open = || tijara_store_sqlite::SqliteStore::connect(&url);
    let writer = open().await.expect("writer store");
    let reader = open().await.expect("reader store");
    reader_sees_every_change(&market_on(Arc::new(reader)), &market_on(Arc::new(writer))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_postgres_schema() {
    if let Some((writer, reader)) = two_postgres_stores("cache").await {
        reader_sees_every_change(&market_on(reader), &market_on(writer)).await;
    }
}

/// One product whose stored document no longer decodes: reading it with others fails
/// (`Catalog::products`), but `Catalog::products_to_show` (what order pages and messages use)
/// still gives the others.
#[tokio::test]
async fn an_unreadable_product_costs_only_its_own_line() {
    let m = market();
    let e = &m.engine;
    catalog(&m).await;
    let id = |slug: &'static str| async move {
        e.catalog()
            .product_page(slug)
            .await
            .expect("page")
            .view
            .product
            .id
    };
    let (cushion, bag) = (id("srama").await, id("tassoufra").await);
    let storage = e.storage();
    let doc = storage
        .get(tijara::ports::storage::DocKind::Product, bag.as_str())
        .await
        .expect("get")
        .expect("stored");
    storage
        .commit(tijara::ports::storage::Changeset {
            docs: vec![tijara::ports::storage::DocWrite {
                kind: tijara::ports::storage::DocKind::Product,
                id: bag.to_string(),
                expected_version: Some(doc.version),
                body: r#"{"not":"a product"}"#.into(),
                keys: vec![],
                owners: vec![],
                product: None,
                links_unchanged: false,
            }],
            ..Default::default()
        })
        .await
        .expect("broken document");
    let both = [bag.clone(), cushion.clone()];
    assert!(
        e.catalog().products(&both).await.is_err(),
        "read together, the broken one fails the read"
    );
    let shown = e.catalog().products_to_show(&both).await;
    assert_eq!(
        shown
            .iter()
            .map(|v| v.product.id.clone())
            .collect::<Vec<_>>(),
        vec![cushion],
        "the readable one is shown, the broken one left out"
    );
}

/// A market on the memory store behind a counting wrapper that forwards the catalog's version
/// (so the engine caches the catalog), with the test catalog.
async fn counted_market() -> (Arc<tijara_testkit::outage::Outage>, Market, Catalog) {
    let store = Arc::new(
        tijara_testkit::outage::Outage::new(Arc::new(tijara_store_memory::MemoryStore::new()))
            .with_catalog_version(),
    );
    let m = market_on(store.clone());
    let c = catalog(&m).await;
    (store, m, c)
}

/// What `read` answers, and how many storage calls it made.
async fn counted<T>(
    store: &tijara_testkit::outage::Outage,
    read: impl std::future::Future<Output = T>,
) -> (T, u64) {
    let before = store.calls();
    let answer = read.await;
    (answer, store.calls() - before)
}

/// The ids of products and sellers read together, in the order read.
fn ids_of<'a>(
    products: impl Iterator<Item = &'a ProductId>,
    sellers: &[Arc<tijara_core::catalog::Seller>],
) -> (Vec<String>, Vec<String>) {
    (
        products.map(ProductId::to_string).collect(),
        sellers.iter().map(|s| s.id.to_string()).collect(),
    )
}

/// The cushion edited: a new title ("Coussin brodé") and price (300.00).
fn embroidered_cushion(seller: &tijara_core::SellerId) -> tijara::usecases::catalog::ProductInput {
    product_input(
        seller,
        "srama",
        "Coussin brodé",
        "وسادة",
        vec![variant("SRAMA-1", "300.00", 5)],
    )
}

/// The id of the cushion (`SRAMA-1`) of [`catalog`]'s products.
async fn cushion_id(e: &tijara::Tijara) -> ProductId {
    e.catalog()
        .product_by_sku("SRAMA-1")
        .await
        .expect("read")
        .expect("the cushion")
        .id
}

/// A shipping quote reads its cart and the catalog's version in one storage call
/// (`Storage::get_at_catalog`): with the cart's products held at that version, that is all it
/// reads; after a catalog change, it reads the documents once more (the version not again).
#[tokio::test]
async fn a_quote_of_held_products_is_one_storage_call() {
    let (store, m, c) = counted_market().await;
    let e = &m.engine;
    let cart = cart_with(e, &c.cushion, 1).await;
    let calls_of_a_quote = || async {
        let before = store.calls();
        let quoted = e
            .checkout()
            .shipping_quotes(&cart, &address())
            .await
            .expect("quoted");
        assert!(quoted.iter().any(|o| !o.options.is_empty()), "{quoted:?}");
        store.calls() - before
    };
    assert_eq!(calls_of_a_quote().await, 1, "the cart with the version");
    e.catalog()
        .create_category(
            tijara::usecases::catalog::CategoryInput::new(
                tijara_core::CategoryId::new("pottery").expect("id"),
                "pottery",
                tijara_core::LocalizedText::single(tijara_core::Lang::FR, "Poterie"),
            ),
            None,
        )
        .await
        .expect("a new category: a new catalog version");
    assert_eq!(
        calls_of_a_quote().await,
        2,
        "the cart with the version, then the documents"
    );
    assert_eq!(calls_of_a_quote().await, 1, "held again");
}

#[tokio::test]
async fn products_and_sellers_reads_the_named_sellers_with_the_products() {
    let (store, m, c) = counted_market().await;
    let e = &m.engine;
    let cushion = cushion_id(e).await;
    let gone = tijara_core::SellerId::new("slr-gone").expect("id");
    let store = &store;
    let calls_of = |ids: Vec<ProductId>, named: Vec<tijara_core::SellerId>| async move {
        let (read, calls) = counted(store, e.catalog().products_and_sellers(&ids, &named)).await;
        (read.expect("read"), calls)
    };
    let ids = |read: &tijara::usecases::catalog::ProductsAndSellers| {
        ids_of(read.products.iter().map(|v| &v.product.id), &read.sellers)
    };
    // Seller B sells none of the products asked for; the third seller does not exist.
    let (read, _) = calls_of(
        vec![cushion.clone(), cushion.clone()],
        vec![c.b.clone(), gone, c.b.clone()],
    )
    .await;
    let mut sellers = vec![c.a.to_string(), c.b.to_string()];
    sellers.sort();
    assert_eq!(ids(&read), (vec![cushion.to_string()], sellers));
    assert_eq!(read.products[0].seller_name, "Coopérative Oudaya");
    // Held now: the catalog's version with the stock counters, nothing else.
    let (again, calls) = calls_of(vec![cushion.clone()], vec![c.b.clone()]).await;
    assert_eq!((ids(&again), calls), (ids(&read), 1));
    // No product: the sellers named alone, at the version read.
    let (alone, calls) = calls_of(Vec::new(), vec![c.b.clone()]).await;
    assert_eq!((ids(&alone), calls), ((vec![], vec![c.b.to_string()]), 1));
}

/// What an order's messages read: the products' documents and the sellers, without the stock.
/// Once held, one storage call (the catalog's version); after a change, read again.
#[tokio::test]
async fn documents_and_sellers_read_only_the_version_once_held() {
    let (store, m, c) = counted_market().await;
    let e = &m.engine;
    let cushion = cushion_id(e).await;
    let gone = tijara_core::SellerId::new("slr-gone").expect("id");
    let unknown = ProductId::new("prd-gone").expect("id");
    let store = &store;
    let calls_of = |ids: Vec<ProductId>, named: Vec<tijara_core::SellerId>| async move {
        let (read, calls) = counted(store, e.catalog().documents_and_sellers(&ids, &named)).await;
        (read.expect("read"), calls)
    };
    let ids = |read: &tijara::usecases::catalog::DocumentsAndSellers| {
        ids_of(read.products.iter().map(|p| &p.id), &read.sellers)
    };
    let mut sellers = vec![c.a.to_string(), c.b.to_string()];
    sellers.sort();
    // Repeats read once, the unknown product and seller left out, seller B named alone.
    let (read, _) = calls_of(
        vec![cushion.clone(), unknown.clone(), cushion.clone()],
        vec![c.b.clone(), gone.clone(), c.b.clone()],
    )
    .await;
    assert_eq!(ids(&read), (vec![cushion.to_string()], sellers.clone()));
    assert!(
        read.products[0]
            .variants
            .iter()
            .any(|v| v.sku.as_str() == "SRAMA-1"),
        "the cushion's document, its variants included"
    );
    // Held now: the catalog's version, nothing else (no stock counters).
    store.asked();
    let (again, calls) = calls_of(vec![cushion.clone()], vec![c.b.clone()]).await;
    assert_eq!((ids(&again), calls), (ids(&read), 1));
    assert_eq!(store.asked(), ["catalog_version"]);
    assert_eq!(again, {
        let mut r = read.clone();
        r.products.retain(|p| p.id == cushion);
        r
    });
    // No product: the sellers named alone, at the version read.
    let (alone, calls) = calls_of(Vec::new(), vec![c.b.clone()]).await;
    assert_eq!((ids(&alone), calls), ((vec![], vec![c.b.to_string()]), 1));
    // Nothing asked: no call.
    let (none, calls) = calls_of(Vec::new(), Vec::new()).await;
    assert_eq!((ids(&none), calls), ((vec![], vec![]), 0));
    // The seller renamed: a new catalog version, read under its new name.
    e.catalog()
        .update_seller(
            &c.a,
            seller_input(
                "Coopérative Oudaya Dakhla",
                tijara_core::catalog::SellerKind::Cooperative,
            ),
            None,
        )
        .await
        .expect("renamed");
    store.asked();
    let (renamed, _) = calls_of(vec![cushion.clone()], Vec::new()).await;
    let title = |read: &tijara::usecases::catalog::DocumentsAndSellers| {
        read.products[0]
            .title
            .get(tijara_core::Lang::FR, tijara_core::Lang::FR)
            .map(str::to_owned)
    };
    assert_eq!(
        store.asked(),
        ["catalog_version", "get_many", "get_many"],
        "the version, then the product and its seller, read again"
    );
    assert_eq!(renamed.sellers.len(), 1);
    assert_eq!(renamed.sellers[0].name, "Coopérative Oudaya Dakhla");
    // Held again; then the product's title changed: read again, under its new title.
    let (held, _) = calls_of(vec![cushion.clone()], Vec::new()).await;
    let before = title(&held);
    assert_ne!(before.as_deref(), Some("Coussin brodé"));
    e.catalog()
        .update_product(&cushion, embroidered_cushion(&c.a), None)
        .await
        .expect("update");
    store.asked();
    let (retitled, _) = calls_of(vec![cushion.clone()], Vec::new()).await;
    assert_eq!(
        store.asked(),
        ["catalog_version", "get_many", "get_many"],
        "held at an older version: read again"
    );
    assert_eq!(title(&retitled).as_deref(), Some("Coussin brodé"));
}

#[tokio::test]
async fn an_add_of_held_products_checks_the_stock_at_commit() {
    let (store, m, c) = counted_market().await;
    let e = &m.engine;
    // The cushion's product read once (the cache holds it); 5 in stock.
    let cart = &cart_with(e, &c.cushion, 1).await;
    let (store, cushion) = (&store, &c.cushion);
    let add = |quantity: u32| async move {
        let before = store.calls();
        let added = e
            .carts()
            .change_cart(
                cart,
                CartChange::Add {
                    variant: cushion.clone(),
                    quantity,
                },
                None,
            )
            .await;
        (added, store.calls() - before)
    };
    let (added, calls) = add(3).await;
    let doc = added.expect("4 of 5");
    assert_eq!(doc.cart.quantity_of(&c.cushion), 4);
    assert_eq!(
        calls, 1,
        "the commit alone: the product held, the stock checked there"
    );
    // One more than left: the commit refuses it, and the step runs again on the counters
    // read (and the cart), to say how many are left.
    let (added, calls) = add(2).await;
    match added {
        Err(TijaraError::OutOfStock {
            variant,
            requested,
            available,
        }) => assert_eq!((variant, requested, available), (c.cushion.clone(), 6, 5)),
        other => panic!("6 of 5: expected OutOfStock, got {other:?}"),
    }
    assert_eq!(
        calls, 3,
        "the refused commit, then the cart and the counters read"
    );
    let stored = e.carts().cart(cart).await.expect("cart");
    assert_eq!(stored.cart.quantity_of(&c.cushion), 4, "nothing written");
    // The next add takes the held catalog again (the cart is read: a refusal forgets the
    // carts its run took as remembered).
    let (added, calls) = add(1).await;
    assert_eq!(added.expect("5 of 5").cart.quantity_of(&c.cushion), 5);
    assert_eq!(calls, 2, "the cart, then the commit");
}
