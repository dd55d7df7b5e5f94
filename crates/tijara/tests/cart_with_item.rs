//! `Carts::create_cart_with`: a cart made holding its first item, in one commit, is the cart
//! that creating an empty cart and adding the item give; refused as that add is, and then no
//! cart is written. On the memory store, both SQLite adapters, and PostgreSQL when
//! `TIJARA_TEST_POSTGRES_URL` is set.

mod common;

use common::*;
use std::sync::Arc;
use tijara::TijaraError;
use tijara::ports::storage::{DocKind, Durability, Storage};
use tijara::usecases::cart::CartChange;
use tijara_core::cart::CartError;
use tijara_core::{CustomerId, VariantId};
use tijara_testkit::storage::TempDb;

fn customer(name: &str) -> CustomerId {
    CustomerId::new(name).expect("customer id")
}

/// Whether `store` holds an open cart of `who` (an open customer cart is found by its
/// customer's key).
async fn has_cart(store: &dyn Storage, who: &CustomerId) -> bool {
    store
        .find_by_key(DocKind::Cart, &format!("customer:{who}"))
        .await
        .expect("find")
        .is_some()
}

async fn made_with_its_first_item(store: Arc<dyn Storage>) {
    let m = market_on(store.clone());
    let c = catalog(&m).await;
    let carts = m.engine.carts();

    // Made in one call: the cart that creating then adding gives (but for its id and customer).
    let (one, two) = (customer("cus_one_call"), customer("cus_two_calls"));
    let made = carts
        .create_cart_with(Some(one.clone()), &c.cushion, 2, None)
        .await
        .expect("made with the cushions");
    assert_eq!(made.cart.quantity_of(&c.cushion), 2);
    assert_eq!(made.cart.customer.as_ref(), Some(&one));
    assert_eq!(carts.cart(&made.cart.id).await.expect("stored"), made);
    let empty = carts
        .create_cart(Some(two.clone()), None)
        .await
        .expect("empty");
    let mut added = carts
        .change_cart(
            &empty.cart.id,
            CartChange::Add {
                variant: c.cushion.clone(),
                quantity: 2,
            },
            None,
        )
        .await
        .expect("added");
    added.cart.id = made.cart.id.clone();
    added.cart.customer = Some(one.clone());
    assert_eq!(added, made, "one call gives what two give");
    assert_eq!(
        carts
            .price(&made.cart.id)
            .await
            .expect("priced")
            .grand_total,
        carts
            .price(&empty.cart.id)
            .await
            .expect("priced")
            .grand_total
    );
    // The cart made is changed like any other.
    let more = carts
        .change_cart(
            &made.cart.id,
            CartChange::Add {
                variant: c.bag.clone(),
                quantity: 1,
            },
            None,
        )
        .await
        .expect("a second item");
    assert_eq!(more.cart.quantity_of(&c.bag), 1);

    // Refused as the add is, and no cart is written.
    let refused = customer("cus_refused");
    let over = carts
        .create_cart_with(Some(refused.clone()), &c.bag, 3, None)
        .await;
    assert!(
        matches!(over, Err(TijaraError::OutOfStock { available: 2, .. })),
        "{over:?}"
    );
    let unknown = VariantId::new("var_no_such_thing").expect("id");
    let missing = carts
        .create_cart_with(Some(refused.clone()), &unknown, 1, None)
        .await;
    assert!(
        matches!(&missing, Err(TijaraError::Cart(CartError::UnknownVariant(v))) if v == &unknown),
        "{missing:?}"
    );
    let none = carts
        .create_cart_with(Some(refused.clone()), &c.cushion, 0, None)
        .await;
    assert!(
        matches!(
            none,
            Err(TijaraError::Cart(CartError::QuantityOutOfBounds { .. }))
        ),
        "no cart of zero items: {none:?}"
    );
    assert!(!has_cart(store.as_ref(), &refused).await, "nothing written");
    // What was refused for stock is taken when there is stock.
    let bags = carts
        .create_cart_with(Some(refused.clone()), &c.bag, 2, None)
        .await
        .expect("two bags");
    assert_eq!(bags.cart.quantity_of(&c.bag), 2);
    assert!(has_cart(store.as_ref(), &refused).await);
}

#[tokio::test]
async fn on_the_memory_store() {
    made_with_its_first_item(Arc::new(tijara_store_memory::MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    let db = TempDb::new("cart-with-item-rusqlite");
    let store = tijara_store_sqlite::SqliteStore::connect(&db.url())
        .await
        .expect("store");
    made_with_its_first_item(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_through_sqlx() {
    let db = TempDb::new("cart-with-item-sqlx");
    let store = tijara_store_sqlx::connect(&db.url()).await.expect("store");
    made_with_its_first_item(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres() {
    if let Some((store, _)) = two_postgres_stores("cart_with_item").await {
        made_with_its_first_item(store).await;
    }
}

/// One commit (the cart, deferred like every cart change), where creating then adding makes
/// two; none for an item refused before the commit.
#[tokio::test]
async fn one_commit() {
    let store = Arc::new(tijara_testkit::outage::Outage::new(Arc::new(
        tijara_store_memory::MemoryStore::new(),
    )));
    let m = market_on(store.clone());
    let c = catalog(&m).await;
    let before = store.commits().len();
    m.engine
        .carts()
        .create_cart_with(None, &c.cushion, 1, None)
        .await
        .expect("made");
    assert_eq!(
        store.commits()[before..],
        [(vec![DocKind::Cart], Durability::Deferred)]
    );
    let before = store.commits().len();
    let unknown = VariantId::new("var_no_such_thing").expect("id");
    for (variant, quantity) in [(&unknown, 1), (&c.cushion, 0)] {
        let refused = m
            .engine
            .carts()
            .create_cart_with(None, variant, quantity, None)
            .await;
        assert!(refused.is_err(), "{refused:?}");
    }
    assert_eq!(store.commits().len(), before, "no commit asked");
}

/// With an idempotency key a retry answers the cart first made; the key with another item or
/// another customer is refused.
#[tokio::test]
async fn a_key_answers_the_first_cart() {
    let m = market();
    let c = catalog(&m).await;
    let carts = m.engine.carts();
    let key = tijara::IdempotencyKey::new("first-add-1").expect("key");
    let who = customer("cus_keyed");
    let first = carts
        .create_cart_with(Some(who.clone()), &c.cushion, 1, Some(&key))
        .await
        .expect("made");
    let again = carts
        .create_cart_with(Some(who.clone()), &c.cushion, 1, Some(&key))
        .await
        .expect("replayed");
    assert_eq!(again, first);
    for (who, quantity) in [(who.clone(), 2), (customer("cus_other"), 1)] {
        let other = carts
            .create_cart_with(Some(who), &c.cushion, quantity, Some(&key))
            .await;
        assert!(
            matches!(other, Err(TijaraError::IdempotencyMismatch { .. })),
            "{other:?}"
        );
    }
    // A customer holds one open cart: a second is refused.
    let second = carts.create_cart_with(Some(who), &c.bag, 1, None).await;
    assert!(second.is_err(), "{second:?}");
}
