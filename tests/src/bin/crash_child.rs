//! The crash test's child: places one-unit cash-on-delivery orders on a SQLite database in a
//! loop, printing `PLACED <order id>` after each one the engine acknowledged, and between them
//! fills a new cart with one item (a cart's changes are deferred commits, which the rusqlite
//! store commits without syncing the log), printing `CART <cart id>` once the item's add was
//! acknowledged; until killed.
//!
//! Usage: `crash-child <database URL> <variant id> <seller id> [sqlx|rusqlite]` (the SQLite
//! adapter: `tijara-store-sqlx` by default, or `tijara-store-sqlite`).

use std::io::Write;
use tijara_core::{SellerId, VariantId};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (url, variant, seller, adapter) = match args.as_slice() {
        [_, url, variant, seller] => (url, variant, seller, "sqlx"),
        [_, url, variant, seller, adapter] => (url, variant, seller, adapter.as_str()),
        _ => {
            eprintln!("usage: crash-child <database URL> <variant id> <seller id> [sqlx|rusqlite]");
            std::process::exit(2);
        }
    };
    let storage: std::sync::Arc<dyn tijara::ports::storage::Storage> = match adapter {
        "rusqlite" => {
            let store = tijara_store_sqlite::SqliteStore::connect(url)
                .await
                .expect("open the database");
            // Whether the cart adds below are commits that do not sync the log.
            println!("DEFERS {}", store.defers_commits());
            std::sync::Arc::new(store)
        }
        _ => tijara_store_sqlx::connect(url)
            .await
            .expect("open the database"),
    };
    let engine = tijara_tests::engine(storage);
    let variant = VariantId::new(variant.clone()).expect("variant id");
    let seller = SellerId::new(seller.clone()).expect("seller id");
    let mut tasks = Vec::new();
    // Four customers at once, so kills land in the middle of group commits too.
    for c in 0..4u64 {
        let engine = engine.clone();
        let (variant, seller) = (variant.clone(), seller.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                n += 1;
                match engine
                    .checkout()
                    .place_order(
                        tijara_tests::cod_order(&variant, &seller, 1, c * 1_000_000 + n),
                        None,
                    )
                    .await
                {
                    Ok(placed) => {
                        let mut out = std::io::stdout().lock();
                        let _ = writeln!(out, "PLACED {}", placed.order.id);
                        let _ = out.flush();
                    }
                    Err(e) => eprintln!("order failed: {e}"),
                }
                let carts = engine.carts();
                let add = tijara::usecases::cart::CartChange::Add {
                    variant: variant.clone(),
                    quantity: 1,
                };
                match carts.create_cart(None, None).await {
                    Ok(cart) => match carts.change_cart(&cart.cart.id, add, None).await {
                        Ok(_) => {
                            let mut out = std::io::stdout().lock();
                            let _ = writeln!(out, "CART {}", cart.cart.id);
                            let _ = out.flush();
                        }
                        Err(e) => eprintln!("add failed: {e}"),
                    },
                    Err(e) => eprintln!("cart failed: {e}"),
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}
