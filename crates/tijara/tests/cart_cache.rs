//! A cart change starts from the cart as this engine last wrote it (`EngineConfig::cart_cache`)
//! and still never acts on an old cart: two engines (two processes' worth of memory) change
//! one cart in turn, on the memory store, on one SQLite file through two separate stores (both
//! adapters), and on PostgreSQL when `TIJARA_TEST_POSTGRES_URL` is set (two stores in one
//! schema). A change made on a cart the other engine changed meanwhile sees that change; a
//! refusal judged on the old cart is judged again on the current one; a cart ordered
//! elsewhere is closed here too.

mod common;

use common::*;
use proptest::prelude::*;
use std::sync::Arc;
use tijara::TijaraError;
use tijara::docs::CartDoc;
use tijara::ports::storage::Storage;
use tijara::usecases::cart::CartChange;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara_core::{CartId, Lang, VariantId};
use tijara_testkit::storage::TempDb;

/// `change` made by `e` on `cart`, which must be accepted (`what` names it on failure).
async fn changed(e: &tijara::Tijara, cart: &CartId, change: CartChange, what: &str) -> CartDoc {
    e.carts().change_cart(cart, change, None).await.expect(what)
}

fn set(v: &VariantId, quantity: u32) -> CartChange {
    CartChange::SetQuantity {
        variant: v.clone(),
        quantity,
    }
}

fn add(v: &VariantId, quantity: u32) -> CartChange {
    CartChange::Add {
        variant: v.clone(),
        quantity,
    }
}

/// The cart's quantities of `variants`, as storage holds them (`Carts::cart` reads storage
/// whatever the engine remembers).
async fn quantities(m: &Market, cart: &CartId, variants: &[&VariantId]) -> Vec<u32> {
    let doc = m.engine.carts().cart(cart).await.expect("cart");
    variants.iter().map(|v| doc.cart.quantity_of(v)).collect()
}

/// `a` and `b` share one storage; each remembers the carts it wrote.
async fn two_engines_change_one_cart(a: &Market, b: &Market) {
    let c = catalog(a).await;
    let (ea, eb) = (&a.engine, &b.engine);
    let cart = new_cart(ea).await;
    changed(ea, &cart, add(&c.cushion, 1), "a adds the cushion").await;
    // b changes the cart behind a's back; a's next change must keep b's line.
    changed(eb, &cart, add(&c.bracelet, 1), "b adds the bracelet").await;
    // a remembers the cart it wrote, decoded (`engine/decode_memo.rs`); its shipping quotes
    // read the cart as stored, with b's bracelet (another text: decoded, not remembered).
    let quotes = ea
        .checkout()
        .shipping_quotes(&cart, &address())
        .await
        .expect("a's quotes");
    let mut sellers: Vec<_> = quotes.iter().map(|q| &q.seller_id).collect();
    sellers.sort();
    let mut both = vec![&c.a, &c.b];
    both.sort();
    assert_eq!(sellers, both, "the quotes of b's seller too");
    let doc = changed(ea, &cart, add(&c.bag, 1), "a adds the bag").await;
    let all = [&c.cushion, &c.bracelet, &c.bag];
    assert_eq!(
        all.map(|v| doc.cart.quantity_of(v)),
        [1, 1, 1],
        "a's answer"
    );
    assert_eq!(quantities(b, &cart, &all).await, [1, 1, 1], "stored");
    // Two bags (all there are) as a last wrote them; b takes one out; a adds one: refused on
    // what a remembers (3 > 2), accepted on the cart as it is (2).
    changed(ea, &cart, set(&c.bag, 2), "a: two bags").await;
    changed(eb, &cart, set(&c.bag, 1), "b: one bag").await;
    let doc = changed(
        ea,
        &cart,
        add(&c.bag, 1),
        "judged on the cart as it is, not as a remembered it",
    )
    .await;
    assert_eq!(doc.cart.quantity_of(&c.bag), 2);
    // A real refusal is still one, after the retry from storage.
    let over = ea.carts().change_cart(&cart, add(&c.bag, 1), None).await;
    assert!(
        matches!(over, Err(TijaraError::OutOfStock { available: 2, .. })),
        "{over:?}"
    );
    // From here on, before each change of a, b changes the cart: a starts from a cart b has
    // changed since (its write conflicts, the cart is read again, the change made again).
    let amana = || ShippingSelection::new("amana", "standard");
    ea.checkout()
        .set_email(&cart, "a@example.ma", None)
        .await
        .expect("a remembers the cart again");
    for s in [&c.a, &c.b] {
        eb.checkout()
            .choose_shipping(&cart, address(), s, amana(), None)
            .await
            .expect("b's shipping");
    }
    let doc = ea
        .checkout()
        .choose_shipping(&cart, address(), &c.a, amana(), None)
        .await
        .expect("a's shipping");
    assert_eq!(
        doc.shipping.len(),
        2,
        "b's choice for the other seller kept"
    );
    assert_eq!(doc.email.as_deref(), Some("a@example.ma"));
    eb.checkout()
        .set_email(&cart, "b@example.ma", None)
        .await
        .expect("b's e-mail");
    let doc = ea
        .checkout()
        .set_email(&cart, "amina@example.ma", None)
        .await
        .expect("a's e-mail");
    assert_eq!(doc.shipping.len(), 2, "b's choices kept");
    let place = |e: &tijara::Tijara| {
        let (e, cart) = (e.clone(), cart.clone());
        async move {
            e.checkout()
                .place_order(
                    PlaceOrderRequest::new(
                        CheckoutCart::Stored { cart },
                        "amina@example.ma",
                        address(),
                        "cod",
                        Lang::FR,
                    ),
                    None,
                )
                .await
        }
    };
    let placed = place(eb).await.expect("b places the order");
    let lines: usize = placed
        .order
        .seller_orders
        .iter()
        .map(|s| s.lines.len())
        .sum();
    assert_eq!(lines, 3, "every line a and b added");
    let stock = |e: &tijara::Tijara| {
        let e = e.clone();
        let v = [c.cushion.clone(), c.bag.clone(), c.bracelet.clone()];
        async move {
            let mut left = Vec::new();
            for v in &v {
                left.push(e.catalog().stock_row(v).await.expect("stock").available());
            }
            left
        }
    };
    assert_eq!(
        stock(ea).await,
        [4, 0, 9],
        "sold at once (cash on delivery)"
    );
    // a still remembers the cart open: placing it again finds it closed, and nothing is sold.
    let again = place(ea).await;
    assert!(
        matches!(again, Err(TijaraError::CartClosed { .. })),
        "{again:?}"
    );
    assert_eq!(stock(ea).await, [4, 0, 9], "no second order");
    let late = ea
        .carts()
        .change_cart(&cart, add(&c.cushion, 1), None)
        .await;
    assert!(
        matches!(late, Err(TijaraError::CartClosed { .. })),
        "{late:?}"
    );
}

#[tokio::test]
async fn two_engines_on_one_memory_store() {
    let store: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
    two_engines_change_one_cart(&market_on(store.clone()), &market_on(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sqlx_stores_on_one_sqlite_file() {
    let db = TempDb::new("cart-cache-sqlx");
    let a = tijara_store_sqlx::connect(&db.url()).await.expect("a");
    let b = tijara_store_sqlx::connect(&db.url()).await.expect("b");
    two_engines_change_one_cart(&market_on(a), &market_on(b)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rusqlite_stores_on_one_file() {
    let db = TempDb::new("cart-cache-rusqlite");
    let url = db.url();
    let open = || tijara_store_sqlite::SqliteStore::connect(&url);
    let a = open().await.expect("a");
    let b = open().await.expect("b");
    two_engines_change_one_cart(&market_on(Arc::new(a)), &market_on(Arc::new(b))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_postgres_schema() {
    if let Some((a, b)) = two_postgres_stores("cart_cache").await {
        two_engines_change_one_cart(&market_on(a), &market_on(b)).await;
    }
}

/// A market on the memory store through the testkit's `Outage` (which counts the storage
/// calls and can refuse a commit), its engine remembering `carts` carts, with the catalog and
/// a cart holding one cushion.
async fn cart_on_outage(
    carts: usize,
) -> (Arc<tijara_testkit::outage::Outage>, Market, Catalog, CartId) {
    let store = Arc::new(tijara_testkit::outage::Outage::new(Arc::new(
        tijara_store_memory::MemoryStore::new(),
    )));
    let m = market_with(
        store.clone(),
        tijara::EngineConfig::default().with_cart_cache(carts),
    );
    let c = catalog(&m).await;
    let cart = new_cart(&m.engine).await;
    changed(&m.engine, &cart, add(&c.cushion, 1), "first").await;
    (store, m, c, cart)
}

/// The storage calls of one cart change, on an engine remembering `carts` carts.
async fn calls_of_a_change(carts: usize) -> u64 {
    let (store, m, c, cart) = cart_on_outage(carts).await;
    let before = store.calls();
    changed(&m.engine, &cart, add(&c.bag, 1), "second").await;
    store.calls() - before
}

#[tokio::test]
async fn a_change_of_a_cart_this_engine_wrote_does_not_read_it_again() {
    let (remembering, not) = (calls_of_a_change(1024).await, calls_of_a_change(0).await);
    assert_eq!(
        remembering + 1,
        not,
        "one read fewer ({remembering} / {not})"
    );
}

/// A stock refusal by the database for a change that started from a remembered cart is
/// judged again on the stored cart (an adapter may check stock before versions, and the lines
/// refused may be ones another process has removed); without a remembered cart it is the
/// answer.
#[tokio::test]
async fn a_stock_refusal_at_commit_is_judged_again_on_the_stored_cart() {
    for carts in [1024, 0] {
        let (store, m, c, cart) = cart_on_outage(carts).await;
        let e = &m.engine;
        store.refuse_next_commit(tijara::ports::storage::StorageError::OutOfStock {
            variant: c.bag.clone(),
            requested: 1,
            available: 0,
        });
        let got = e.carts().change_cart(&cart, add(&c.bag, 1), None).await;
        if carts > 0 {
            let doc = got.expect("judged again, accepted");
            assert_eq!(doc.cart.quantity_of(&c.bag), 1);
        } else {
            assert!(
                matches!(got, Err(TijaraError::OutOfStock { available: 0, .. })),
                "{got:?}"
            );
        }
    }
}

/// A commit refused because the catalog changed wrote nothing: the step runs again on the
/// cart the engine remembers (its calls twice, no read of the cart).
#[tokio::test]
async fn a_commit_refused_for_a_changed_catalog_keeps_the_remembered_cart() {
    let plain = calls_of_a_change(1024).await;
    let (store, m, c, cart) = cart_on_outage(1024).await;
    store.refuse_next_commit(tijara::ports::storage::StorageError::CatalogChanged {
        expected: 1,
        found: 2,
    });
    let before = store.calls();
    let doc = changed(&m.engine, &cart, add(&c.bag, 1), "second").await;
    assert_eq!(doc.cart.quantity_of(&c.bag), 1);
    assert_eq!(
        store.calls() - before,
        2 * plain,
        "the step's calls twice ({plain} each), the cart not read again"
    );
}

/// A database that restarted after a crash (its incarnation changed) refuses the commit made
/// from a cart remembered before: the engine forgets its carts, reads the cart from storage
/// and commits held to the new incarnation, and remembers the cart at it. Commits that write
/// no document at a version read (a new cart) are held to nothing, and a storage without
/// incarnations holds none. The first such refusal of a call is retried even when conflicts
/// are not; a second restart during the same call is then answered as a temporary failure.
#[tokio::test]
async fn a_restarted_database_has_the_remembered_carts_read_again() {
    let plain = calls_of_a_change(1024).await;
    let store = Arc::new(
        tijara_testkit::outage::Outage::new(Arc::new(tijara_store_memory::MemoryStore::new()))
            .with_incarnation(7),
    );
    // No retry of conflicts: the first refusal for a restart is retried all the same.
    let m = market_with(
        store.clone(),
        tijara::EngineConfig::default()
            .with_cart_cache(1024)
            .with_max_conflict_retries(0),
    );
    let c = catalog(&m).await;
    let before = store.held().len();
    let cart = new_cart(&m.engine).await;
    changed(&m.engine, &cart, add(&c.cushion, 1), "first").await;
    assert_eq!(
        store.held()[before..],
        [None, Some(7)],
        "a new cart is held to nothing, its change to the incarnation"
    );
    store.restart(8);
    let (before, calls) = (store.held().len(), store.calls());
    let doc = changed(&m.engine, &cart, add(&c.bag, 1), "after the restart").await;
    assert_eq!(
        [&c.cushion, &c.bag].map(|v| doc.cart.quantity_of(v)),
        [1, 1]
    );
    assert_eq!(
        store.held()[before..],
        [Some(7), Some(8)],
        "refused at the old incarnation, committed at the new one"
    );
    assert_eq!(
        store.calls() - calls,
        2 * plain + 1,
        "the step's calls twice ({plain} each) and the cart read from storage"
    );
    let calls = store.calls();
    changed(&m.engine, &cart, add(&c.bag, 1), "then").await;
    assert_eq!(
        store.calls() - calls,
        plain,
        "remembered again at the new incarnation"
    );
    assert_eq!(store.held().last(), Some(&Some(8)));
    // Two restarts within one change, with no conflict retries: the second is the answer.
    store.restart(9);
    store.refuse_next_commit(tijara::ports::storage::StorageError::Restarted {
        expected: 8,
        found: 10,
    });
    let got = m
        .engine
        .carts()
        .change_cart(&cart, set(&c.bag, 1), None)
        .await;
    assert!(
        matches!(got, Err(ref e) if e.is_temporary()),
        "a temporary failure: {got:?}"
    );
    // Without incarnations nothing is held.
    let (plain_store, m, c, cart) = cart_on_outage(1024).await;
    changed(&m.engine, &cart, add(&c.bag, 1), "no incarnation").await;
    assert!(plain_store.held().iter().all(Option::is_none));
}

/// On PostgreSQL (`TIJARA_TEST_POSTGRES_URL`), the case the incarnation exists for: engine A
/// writes a cart's version 2 (a deferred commit) and remembers it; the database crashes and
/// loses it (played here: the row put back at version 1 and the unlogged `incarnation`
/// table emptied, as crash recovery does); engine B then writes a different version 2. A's
/// next change must start from B's version 2, not from the one it remembers under the same
/// number: the cushion the crash lost stays lost and B's bracelet is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_lost_in_a_crash_and_written_again_elsewhere_is_not_taken_for_the_remembered_one()
{
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let schema = tijara_testkit::storage::unique("t_crash").replace('-', "_");
    let open = || tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema));
    let (sa, sb) = (
        open().await.expect("first store"),
        open().await.expect("second store"),
    );
    let pool = sa.pool().clone();
    let (a, b) = (market_on(Arc::new(sa)), market_on(Arc::new(sb)));
    let c = catalog(&a).await;
    let cart = new_cart(&a.engine).await;
    let body = |pool: sqlx::PgPool, cart: CartId| async move {
        sqlx::query_scalar::<_, String>("SELECT body FROM docs WHERE kind = 'cart' AND id = $1")
            .bind(cart.as_str())
            .fetch_one(&pool)
            .await
            .expect("the cart's row")
    };
    let first = body(pool.clone(), cart.clone()).await;
    changed(&a.engine, &cart, add(&c.cushion, 1), "a adds the cushion").await;
    // The crash: version 2 lost, and the incarnation with it.
    sqlx::query("UPDATE docs SET version = 1, body = $2 WHERE kind = 'cart' AND id = $1")
        .bind(cart.as_str())
        .bind(&first)
        .execute(&pool)
        .await
        .expect("version 2 lost");
    sqlx::query("TRUNCATE incarnation")
        .execute(&pool)
        .await
        .expect("the crash empties the unlogged table");
    changed(&b.engine, &cart, add(&c.bracelet, 1), "b adds the bracelet").await;
    let doc = changed(&a.engine, &cart, add(&c.bag, 1), "a adds the bag").await;
    let all = [&c.cushion, &c.bracelet, &c.bag];
    assert_eq!(
        all.map(|v| doc.cart.quantity_of(v)),
        [0, 1, 1],
        "a's change made on b's version 2"
    );
    assert_eq!(quantities(&b, &cart, &all).await, vec![0, 1, 1]);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&pool)
    .await
    .expect("drop the schema");
}

/// What one step of the property below does: engine 0 or 1 adds one unit of variant 0, 1 or 2
/// (5, 2 and 10 in stock), or removes its line.
#[derive(Debug, Clone)]
enum Step {
    Add(usize, usize),
    Remove(usize, usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..2usize, 0..3usize).prop_map(|(e, v)| Step::Add(e, v)),
        1 => (0..2usize, 0..3usize).prop_map(|(e, v)| Step::Remove(e, v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whichever engine makes each change, every answer (the cart, or the refusal of a unit
    /// over the stock) is the one the stored cart calls for: as if no engine remembered any.
    #[test]
    fn two_engines_in_any_order_act_on_the_stored_cart(steps in proptest::collection::vec(step(), 1..16)) {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        rt.block_on(async {
            let store: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
            let markets = [market_on(store.clone()), market_on(store)];
            let c = catalog(&markets[0]).await;
            let variants = [&c.cushion, &c.bag, &c.bracelet];
            let stock = [5u32, 2, 10];
            let cart = new_cart(&markets[0].engine).await;
            let mut model = [0u32; 3];
            for s in steps {
                let (e, v, change) = match s {
                    Step::Add(e, v) => (e, v, add(variants[v], 1)),
                    Step::Remove(e, v) => (e, v, CartChange::Remove { variant: variants[v].clone() }),
                };
                let adding = matches!(change, CartChange::Add { .. });
                let got = markets[e].engine.carts().change_cart(&cart, change, None).await;
                if adding && model[v] + 1 > stock[v] {
                    prop_assert!(matches!(got, Err(TijaraError::OutOfStock { .. })), "{:?}", got);
                    continue;
                }
                if !adding && model[v] == 0 {
                    prop_assert!(matches!(got, Err(TijaraError::Cart(_))), "no such line: {:?}", got);
                    continue;
                }
                if adding { model[v] += 1 } else { model[v] = 0 }
                let doc = got.expect("accepted");
                prop_assert_eq!(variants.map(|x| doc.cart.quantity_of(x)), model);
            }
            prop_assert_eq!(quantities(&markets[1], &cart, &variants).await, model.to_vec());
            Ok(())
        })?;
    }
}
