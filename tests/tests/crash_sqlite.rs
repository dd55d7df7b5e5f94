//! Durability under `kill -9`: a child process places orders on SQLite (WAL, synchronous=FULL)
//! and is killed with SIGKILL mid-run, three times. After each kill the database is reopened:
//! every order the child reported as placed is there, every cart whose item's add it reported
//! holds that item (a cart's changes are deferred commits: the rusqlite store commits them
//! without syncing the log, which a kill of the process must not lose), the database passes
//! `PRAGMA integrity_check`, and stock + units sold = initial stock.
//!
//! Run once per SQLite adapter: sqlx (`tijara-store-sqlx`) and rusqlite (`tijara-store-sqlite`);
//! the child writes with the adapter under test and the database is reopened with it.

#![allow(clippy::panic)] // a test reports a broken promise by panicking

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tijara_core::OrderId;

const INITIAL: u32 = 1_000_000;

/// The SQLite adapter under test (the child's third argument).
#[derive(Clone, Copy)]
enum Adapter {
    Sqlx,
    Rusqlite,
}

impl Adapter {
    fn name(self) -> &'static str {
        match self {
            Adapter::Sqlx => "sqlx",
            Adapter::Rusqlite => "rusqlite",
        }
    }

    async fn connect(self, url: &str) -> std::sync::Arc<dyn tijara::ports::storage::Storage> {
        match self {
            Adapter::Sqlx => tijara_store_sqlx::connect(url).await.expect("open"),
            Adapter::Rusqlite => tijara_store_sqlite::connect(url).await.expect("open"),
        }
    }

    /// Reopens the database: its `PRAGMA integrity_check` and the store.
    async fn reopen(
        self,
        url: &str,
    ) -> (String, std::sync::Arc<dyn tijara::ports::storage::Storage>) {
        match self {
            Adapter::Sqlx => {
                let store = tijara_store_sqlx::SqliteStore::connect(url)
                    .await
                    .expect("reopen");
                let check = store.integrity_check().await.expect("integrity_check");
                (check, std::sync::Arc::new(store))
            }
            Adapter::Rusqlite => {
                let store = tijara_store_sqlite::SqliteStore::connect(url)
                    .await
                    .expect("reopen");
                let check = store.integrity_check().await.expect("integrity_check");
                (check, std::sync::Arc::new(store))
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_acknowledged_before_a_kill_survive_it() {
    survives_kills(Adapter::Sqlx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_acknowledged_before_a_kill_survive_it_on_rusqlite() {
    survives_kills(Adapter::Rusqlite).await;
}

async fn survives_kills(adapter: Adapter) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "crash-{}-{}.db",
        adapter.name(),
        std::process::id()
    ));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    let url = format!("sqlite://{}", path.display());
    let (variant, seller) = {
        let store = adapter.connect(&url).await;
        let engine = tijara_tests::engine(store);
        tijara_tests::one_product(&engine, INITIAL)
            .await
            .expect("catalog")
    };
    let mut reported: Vec<String> = Vec::new();
    // Carts whose item's add the child saw acknowledged (deferred commits).
    let mut carts: Vec<String> = Vec::new();
    for round in 0..3 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash-child"))
            .args([
                url.as_str(),
                variant.as_str(),
                seller.as_str(),
                adapter.name(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the child");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Let it place a few hundred orders (at most 30 s), then kill it without warning.
        let start = Instant::now();
        let target = 200 + 150 * round;
        let mut seen = 0;
        let carts_before = carts.len();
        let mut defers = None;
        while seen < target && start.elapsed() < Duration::from_secs(30) {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                if let Some(id) = line.strip_prefix("PLACED ") {
                    reported.push(id.to_owned());
                    seen += 1;
                } else if let Some(id) = line.strip_prefix("CART ") {
                    carts.push(id.to_owned());
                } else if let Some(d) = line.strip_prefix("DEFERS ") {
                    defers = Some(d == "true");
                }
            }
        }
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        let _ = reader.join();
        // Lines the child wrote before it died are still in the pipe.
        for line in rx.try_iter() {
            if let Some(id) = line.strip_prefix("PLACED ") {
                reported.push(id.to_owned());
            } else if let Some(id) = line.strip_prefix("CART ") {
                carts.push(id.to_owned());
            }
        }
        assert!(seen > 0, "round {round}: the child placed no order");

        // Reopen and check.
        let (check, store) = adapter.reopen(&url).await;
        assert_eq!(check, "ok", "PRAGMA integrity_check after round {round}");
        let engine = tijara_tests::engine(store);
        for id in &reported {
            let id = OrderId::new(id.clone()).expect("id");
            engine
                .orders()
                .order(&id)
                .await
                .unwrap_or_else(|e| panic!("order {id} was reported placed but is missing: {e}"));
        }
        assert!(
            carts.len() > carts_before,
            "round {round}: the child filled no cart"
        );
        if let Adapter::Rusqlite = adapter {
            assert_eq!(
                defers,
                Some(true),
                "round {round}: the rusqlite store commits the cart adds without syncing the log"
            );
        }
        for id in &carts {
            let id = tijara_core::CartId::new(id.clone()).expect("id");
            let cart =
                engine.carts().cart(&id).await.unwrap_or_else(|e| {
                    panic!("cart {id} was reported filled but is missing: {e}")
                });
            assert_eq!(
                cart.cart.lines().len(),
                1,
                "cart {id}: the acknowledged add survived the kill"
            );
        }
        let mut orders = 0u64;
        let mut after: Option<String> = None;
        loop {
            let page = engine
                .orders()
                .all_orders(after.as_deref(), 100)
                .await
                .expect("orders");
            orders += page.items.len() as u64;
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let row = engine.catalog().stock_row(&variant).await.expect("stock");
        assert_eq!(
            u64::from(row.on_hand) + orders,
            u64::from(INITIAL),
            "round {round}: stock + sold = initial ({} on hand, {orders} orders)",
            row.on_hand
        );
        assert!(orders >= reported.len() as u64);
    }
}
