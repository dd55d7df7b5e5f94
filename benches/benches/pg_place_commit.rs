//! An order placed, committed on PostgreSQL as one statement against statement by statement
//! in a transaction (`PostgresStore::with_one_statement_changesets`), alternated in blocks on
//! one database: the commit's time and PostgreSQL's CPU per commit (every `postgres`
//! process's user + system time from `/proc`, so the server must run on this machine).
//!
//! ```text
//! TIJARA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo bench -p tijara-benches --bench pg_place_commit
//! ```
//!
//! Environment: `TIJARA_BENCH_POSTGRES_URL` (skipped with a notice without it),
//! `TIJARA_BENCH_ROUNDS` (pairs of blocks, default 6), `TIJARA_BENCH_COMMITS` (commits per
//! block, default 300). The changeset is a checkout's: a new order of ~4 KB with two keys and
//! six owners, its cart rewritten, two variants sold, two events. Each block's carts are
//! created before its clock starts. Commits run one after the other (one connection busy at a
//! time): the figure is the cost of one commit, not throughput.

use std::time::Instant;
use tijara::ports::storage::{Changeset, DocKind, DocWrite, NewEvent, StockOp, Storage};
use tijara_core::{ProductId, VariantId};
use tijara_store_sqlx::PostgresStore;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn write(kind: DocKind, id: String, expected: Option<u64>, body: String) -> DocWrite {
    DocWrite {
        kind,
        id,
        expected_version: expected,
        body,
        keys: vec![],
        owners: vec![],
        product: None,
        links_unchanged: false,
    }
}

/// The checkout's changeset number `n`, selling two of `variants`.
fn placed(n: u64, variants: &[VariantId], body: &str) -> Changeset {
    let order = format!("ord-{n}");
    let mut o = write(DocKind::Order, order.clone(), None, body.to_owned());
    o.keys = vec![format!("number:{n}"), format!("token:{n}")];
    o.owners = (0..6).map(|i| format!("owner{i}:{n}")).collect();
    let sell = |i: u64| StockOp::Sell {
        variant: variants[usize::try_from(i % 4).unwrap_or(0)].clone(),
        quantity: 1,
    };
    Changeset {
        docs: vec![
            o,
            write(
                DocKind::Cart,
                format!("cart-{n}"),
                Some(1),
                r#"{"lines":[1,2],"ordered":true}"#.repeat(20),
            ),
        ],
        stock: vec![sell(n), sell(n + 1)],
        events: vec![
            NewEvent::new(order.clone(), "order.placed", "{}"),
            NewEvent::new(order, "order.confirmed", "{}"),
        ],
        ..Changeset::default()
    }
}

/// Seconds of CPU used so far by every `postgres` process.
fn postgres_cpu() -> f64 {
    let mut total = 0.0;
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    for entry in dir.flatten() {
        let path = entry.path();
        let Ok(comm) = std::fs::read_to_string(path.join("comm")) else {
            continue;
        };
        if comm.trim() != "postgres" {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
            continue;
        };
        // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // Linux's USER_HZ is 100 on every platform it supports.
        total += (ticks(11) + ticks(12)) / 100.0;
    }
    total
}

/// The middle value, or the mean of the two middle ones.
fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => xs[n / 2],
        _ => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(url) = env("TIJARA_BENCH_POSTGRES_URL") else {
        eprintln!("TIJARA_BENCH_POSTGRES_URL is not set: skipping the PostgreSQL commit benchmark");
        return;
    };
    let rounds: u64 = env("TIJARA_BENCH_ROUNDS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let commits: u64 = env("TIJARA_BENCH_COMMITS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let schema = format!("bench_place_{}", std::process::id());
    let store = match PostgresStore::connect_in_schema(&url, Some(&schema)).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot open PostgreSQL at the given URL: {e}");
            std::process::exit(1);
        }
    };
    let variants: Vec<VariantId> = (0..4)
        .filter_map(|i| VariantId::new(format!("var-bench-{i}")).ok())
        .collect();
    let define = Changeset {
        stock: variants
            .iter()
            .filter_map(|v| {
                Some(StockOp::Define {
                    variant: v.clone(),
                    product: ProductId::new("prd-bench").ok()?,
                    tracked: true,
                    on_hand: 10_000_000,
                })
            })
            .collect(),
        ..Changeset::default()
    };
    if let Err(e) = store.commit(define).await {
        eprintln!("setup: {e}");
        std::process::exit(1);
    }
    let body = format!(r#"{{"order":"{}"}}"#, "x".repeat(4000));
    let modes = [
        (
            "one statement",
            store.clone().with_one_statement_changesets(true),
        ),
        (
            "transaction",
            store.clone().with_one_statement_changesets(false),
        ),
    ];
    let mut n = 0u64;
    let mut figures: Vec<(Vec<f64>, Vec<f64>)> = vec![(vec![], vec![]), (vec![], vec![])];
    // One block of each first, not counted: connections opened, statements prepared.
    for round in 0..=rounds {
        let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for m in order {
            let (name, s) = &modes[m];
            let mut block = Vec::new();
            for _ in 0..commits {
                n += 1;
                let cart = write(DocKind::Cart, format!("cart-{n}"), None, "{}".into());
                let created = Changeset {
                    docs: vec![cart],
                    ..Changeset::default()
                };
                if let Err(e) = s.commit(created).await {
                    eprintln!("a cart: {e}");
                    std::process::exit(1);
                }
                block.push(placed(n, &variants, &body));
            }
            let cpu = postgres_cpu();
            let started = Instant::now();
            for cs in block {
                if let Err(e) = s.commit(cs).await {
                    eprintln!("{name}: {e}");
                    std::process::exit(1);
                }
            }
            let ms = started.elapsed().as_secs_f64() * 1000.0 / commits as f64;
            let cpu_ms = (postgres_cpu() - cpu) * 1000.0 / commits as f64;
            if round > 0 {
                println!(
                    "round {round} {name:>13}: {ms:.3} ms per commit, PostgreSQL CPU {cpu_ms:.3} ms"
                );
                figures[m].0.push(ms);
                figures[m].1.push(cpu_ms);
            }
        }
    }
    for (m, (name, _)) in modes.iter().enumerate() {
        println!(
            "median {name:>13}: {:.3} ms per commit, PostgreSQL CPU {:.3} ms ({rounds} blocks of {commits})",
            median(figures[m].0.clone()),
            median(figures[m].1.clone())
        );
    }
    let drop = format!("DROP SCHEMA \"{schema}\" CASCADE");
    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(store.pool())
        .await
    {
        eprintln!("could not drop schema {schema}: {e}");
    }
}
