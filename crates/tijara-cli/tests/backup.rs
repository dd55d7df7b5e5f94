//! `tijara backup` under load and `tijara restore` into a fresh folder: the restored database
//! has the same orders and stock as the original had at one instant (every sale with its
//! order, none half-written); `tijara purge`; the refusals and their exit codes.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tijara::ports::storage::{
    Changeset, DocKind, DocWrite, ListQuery, StockOp, Storage, StoredDoc,
};
use tijara_core::{ProductId, VariantId};

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn tijara(args: &[&str]) -> Run {
    let o = Command::new(env!("CARGO_BIN_EXE_tijara"))
        .args(args)
        .env_remove("TIJARA_DATABASE_URL")
        .env_remove("TIJARA_REGION")
        .output()
        .unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

const UNITS: u32 = 1_000_000;

fn variant() -> VariantId {
    VariantId::new("var_backup").unwrap()
}

/// One sale: an order document and one unit sold, in one changeset.
fn sale(n: u64) -> Changeset {
    Changeset {
        docs: vec![DocWrite {
            kind: DocKind::Order,
            id: format!("ord_{n:08}"),
            expected_version: None,
            body: format!(r#"{{"n":{n},"total":{{"amount":"349.00","currency":"MAD"}}}}"#),
            keys: vec![],
            owners: vec![],
            product: None,
            links_unchanged: false,
        }],
        stock: vec![StockOp::Sell {
            variant: variant(),
            quantity: 1,
        }],
        ..Changeset::default()
    }
}

async fn orders(s: &dyn Storage) -> Vec<StoredDoc> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = s
            .list(&ListQuery::new(DocKind::Order, 500).after(after.as_deref()))
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        all.extend(page);
    }
    all
}

async fn on_hand(s: &dyn Storage) -> u32 {
    s.stock_levels(&[variant()]).await.unwrap()[0].on_hand
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_restores_into_a_fresh_folder_with_the_same_orders_and_stock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tijara.db");
    let url = format!("sqlite://{}", db.display());
    let store = tijara_store_sqlx::connect(&url).await.unwrap();
    store
        .commit(Changeset {
            stock: vec![StockOp::Define {
                variant: variant(),
                product: ProductId::new("prd_backup").unwrap(),
                tracked: true,
                on_hand: UNITS,
            }],
            ..Changeset::default()
        })
        .await
        .unwrap();
    // Sales go on while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let sold = Arc::new(AtomicU64::new(0));
    let writer = tokio::spawn({
        let (store, stop, sold) = (store.clone(), stop.clone(), sold.clone());
        async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                store.commit(sale(n)).await.unwrap();
                sold.store(n, Ordering::SeqCst);
            }
        }
    });
    while sold.load(Ordering::SeqCst) < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let out = dir.path().join("backup-1.db");
    let run = tokio::task::spawn_blocking({
        let args = [
            "backup".to_owned(),
            out.display().to_string(),
            "--database-url".to_owned(),
            url.clone(),
        ];
        move || tijara(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    let during = sold.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(run.out.contains("integrity checked"), "{}", run.out);
    let total = sold.load(Ordering::SeqCst);
    assert!(
        total > during,
        "sales went on after the backup ({during} then {total})"
    );

    // Restored into a fresh folder.
    let fresh = tempfile::tempdir().unwrap();
    let restored_db = fresh.path().join("shop").join("tijara.db");
    let restored_url = format!("sqlite://{}", restored_db.display());
    let run = tijara(&[
        "restore",
        &out.display().to_string(),
        "--database-url",
        &restored_url,
    ]);
    assert_eq!(run.code, 0, "{}", run.err);
    let restored = tijara_store_sqlx::connect(&restored_url).await.unwrap();
    let copy = orders(&*restored).await;
    let k = copy.len() as u64;
    assert!(
        (200..=total).contains(&k),
        "{k} orders in the backup of {total}"
    );
    // One instant: every order's unit sold, no sale without its order.
    assert_eq!(on_hand(&*restored).await, UNITS - k as u32);
    assert!(run.out.contains(&format!("{k} order(s)")), "{}", run.out);
    // The same orders as the original, byte for byte.
    let original = orders(&*store).await;
    assert_eq!(original.len() as u64, total);
    assert_eq!(
        copy,
        original[..copy.len()].to_vec(),
        "the first {k} orders, unchanged"
    );
    // The restored database works: a sale commits.
    restored.commit(sale(total + 1)).await.unwrap();
    assert_eq!(on_hand(&*restored).await, UNITS - k as u32 - 1);

    // Refusals: an existing backup file is never overwritten, a database never replaced
    // without --force, PostgreSQL goes to its own tools.
    let again = tijara(&["backup", &out.display().to_string(), "--database-url", &url]);
    assert_eq!(again.code, 3, "{}", again.err);
    assert!(again.err.contains("new file name"), "{}", again.err);
    let replace = tijara(&[
        "restore",
        &out.display().to_string(),
        "--database-url",
        &restored_url,
    ]);
    assert_eq!(replace.code, 3, "{}", replace.err);
    assert!(replace.err.contains("--force"), "{}", replace.err);
    drop(restored);
    let forced = tijara(&[
        "restore",
        &out.display().to_string(),
        "--database-url",
        &restored_url,
        "--force",
    ]);
    assert_eq!(forced.code, 0, "{}", forced.err);
    let pg = tijara(&[
        "backup",
        "x.db",
        "--database-url",
        "postgres://u@127.0.0.1/db",
    ]);
    assert_eq!(pg.code, 3);
    assert!(pg.err.contains("pg_dump"), "{}", pg.err);
    let missing = tijara(&[
        "restore",
        "/nonexistent/backup.db",
        "--database-url",
        &restored_url,
    ]);
    assert_eq!(missing.code, 4, "{}", missing.err);
}

#[tokio::test]
async fn purge_deletes_old_records_and_keeps_young_ones() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tijara.db").display());
    let store = tijara_store_sqlx::connect(&url).await.unwrap();
    let at =
        |days: i64| tijara_core::chrono::Utc::now() - tijara_core::chrono::Duration::days(days);
    for (scope, key, age) in [
        ("place_order", "old", 40),
        ("place_order", "young", 1),
        ("done:notification", "old", 100),
        ("done:notification", "young", 40),
    ] {
        store
            .commit(Changeset {
                idempotency: Some(tijara::ports::storage::IdempotencyRecord::new(
                    scope,
                    key,
                    "f",
                    "{}",
                    at(age),
                )),
                now: Some(at(age)),
                ..Changeset::default()
            })
            .await
            .unwrap();
    }
    let run = tijara(&["purge", "--database-url", &url]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(
        run.out
            .contains("purged 1 idempotency record(s), 1 done mark(s)"),
        "{}",
        run.out
    );
    let has = |scope: &'static str, key: &'static str| {
        let store = store.clone();
        async move { store.idempotency(scope, key).await.unwrap().is_some() }
    };
    assert!(!has("place_order", "old").await);
    assert!(has("place_order", "young").await);
    assert!(!has("done:notification", "old").await);
    assert!(has("done:notification", "young").await);
    // Shorter ages from the command line.
    let run = tijara(&[
        "purge",
        "--database-url",
        &url,
        "--keep-done-marks-days",
        "30",
    ]);
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(!has("done:notification", "young").await);
    assert!(has("place_order", "young").await);
}
