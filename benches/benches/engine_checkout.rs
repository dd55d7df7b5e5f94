//! Checkouts per second through the engine (no HTTP), on memory, SQLite and PostgreSQL, at 1
//! and 16 concurrent customers; then, optionally, whether the rate stays flat as the database
//! grows from 10,000 to 100,000 orders.
//!
//! A checkout is one `place_order` of two variants (random among 200, one unit each, cash on
//! delivery, shipping quoted for each seller), exactly what a headless client sends. After each
//! level the benchmark checks that every unit sold is accounted for: units sold = 2 × checkouts.
//!
//! ```sh
//! cargo bench -p tijara-benches --bench engine_checkout
//! TIJARA_BENCH_SECONDS=20 TIJARA_BENCH_GROWTH=1 TIJARA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1/test \
//!     cargo bench -p tijara-benches --bench engine_checkout
//! ```
//! Environment: `TIJARA_BENCH_SECONDS` (per level, default 10), `TIJARA_BENCH_BACKENDS`
//! (default `memory,sqlite,postgres`; `rusqlite` is SQLite through `tijara-store-sqlite`, to
//! set beside `sqlite`, the sqlx adapter), `TIJARA_BENCH_POSTGRES_URL` (PostgreSQL is skipped
//! without it), `TIJARA_BENCH_GROWTH=1` (the 10k → 100k orders check), `TIJARA_SQLITE_SYNC=normal`
//! (the opt-in, less durable SQLite mode), `TIJARA_SQLITE_MMAP=<bytes>` (rusqlite only: `PRAGMA
//! mmap_size`), `TIJARA_SQLITE_READS=threads` (rusqlite only: reads on dedicated reader threads
//! rather than Tokio's blocking pool).
//!
//! Each level also prints the process's CPU time per checkout (user + system, from
//! `/proc/self/stat`, all threads; Linux only, else `-`) and its context switches per checkout
//! (summed over the live threads in `/proc/self/task`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tijara::ports::storage::Storage;
use tijara_benches::engine::{Shop, checkout, shop as make_shop};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

async fn storage(backend: &str, tag: &str) -> Option<Arc<dyn Storage>> {
    match backend {
        "memory" => Some(Arc::new(tijara_store_memory::MemoryStore::new())),
        "sqlite" => {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
            std::fs::create_dir_all(&dir).ok()?;
            let path = dir.join(format!("checkout-{tag}-{}.db", std::process::id()));
            let _ = std::fs::remove_file(&path);
            let durability = match env("TIJARA_SQLITE_SYNC").as_deref() {
                Some("normal") => tijara_store_sqlx::SqliteDurability::Normal,
                _ => tijara_store_sqlx::SqliteDurability::Full,
            };
            let url = format!("sqlite://{}", path.display());
            Some(Arc::new(
                tijara_store_sqlx::SqliteStore::connect_with(&url, durability)
                    .await
                    .expect("open SQLite"),
            ))
        }
        "rusqlite" => {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
            std::fs::create_dir_all(&dir).ok()?;
            let path = dir.join(format!("checkout-rsq-{tag}-{}.db", std::process::id()));
            let _ = std::fs::remove_file(&path);
            let mut options = tijara_store_sqlite::SqliteOptions::default();
            if env("TIJARA_SQLITE_SYNC").as_deref() == Some("normal") {
                options = options.with_durability(tijara_store_sqlite::SqliteDurability::Normal);
            }
            if env("TIJARA_SQLITE_READS").as_deref() == Some("threads") {
                options = options.with_reads(tijara_store_sqlite::ReadMode::Threads);
            }
            if let Some(bytes) = env("TIJARA_SQLITE_MMAP").and_then(|b| b.parse().ok()) {
                options = options.with_mmap_size(bytes);
            }
            let url = format!("sqlite://{}", path.display());
            Some(Arc::new(
                tijara_store_sqlite::SqliteStore::connect_with(&url, options)
                    .await
                    .expect("open SQLite (rusqlite)"),
            ))
        }
        "postgres" => {
            let url = env("TIJARA_BENCH_POSTGRES_URL")?;
            let schema = format!("bench_{tag}_{}", std::process::id());
            Some(Arc::new(
                tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
                    .await
                    .expect("connect to PostgreSQL"),
            ))
        }
        other => {
            eprintln!("unknown backend {other:?}: use memory, sqlite, rusqlite or postgres");
            None
        }
    }
}

/// The process's CPU time so far (user + system, all threads, in clock ticks of 10 ms).
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Context switches (voluntary + involuntary) of the process's live threads.
fn context_switches() -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let status = std::fs::read_to_string(task.ok()?.path().join("status")).ok()?;
        for line in status.lines() {
            if let Some(n) = line
                .strip_prefix("voluntary_ctxt_switches:")
                .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
            {
                total += n.trim().parse::<u64>().ok()?;
            }
        }
    }
    Some(total)
}

struct Level {
    done: u64,
    failed: u64,
    elapsed: Duration,
    p50_ms: f64,
    p99_ms: f64,
}

/// Runs `customers` concurrent checkout loops until `stop` says so.
async fn run(shop: Arc<Shop>, customers: usize, budget: Budget) -> Level {
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..customers)
        .map(|c| {
            let shop = shop.clone();
            let done = done.clone();
            let failed = failed.clone();
            tokio::spawn(async move {
                let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ (c as u64 + 1);
                let mut lat = Vec::new();
                let n = shop.variants.len() as u64;
                loop {
                    let total = done.load(Ordering::Relaxed);
                    let stop = match budget {
                        Budget::Time(d) => start.elapsed() >= d,
                        Budget::Orders(o) => total >= o,
                    };
                    if stop {
                        break;
                    }
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let a = (x % n) as usize;
                    let b = ((x / n) % (n - 1)) as usize;
                    let b = if b >= a { b + 1 } else { b };
                    let t = Instant::now();
                    match shop
                        .engine
                        .checkout()
                        .place_order(checkout(&shop, a, b, x), None)
                        .await
                    {
                        Ok(_) => {
                            done.fetch_add(1, Ordering::Relaxed);
                            lat.push(t.elapsed());
                        }
                        Err(e) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            eprintln!("checkout failed: {e}");
                        }
                    }
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("customer task"));
    }
    let elapsed = start.elapsed();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Level {
        done: done.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        elapsed,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
    }
}

#[derive(Clone, Copy)]
enum Budget {
    Time(Duration),
    Orders(u64),
}

async fn sold_units(shop: &Shop) -> u64 {
    let ids: Vec<_> = shop.variants.iter().map(|(v, _)| v.clone()).collect();
    let rows = shop
        .engine
        .storage()
        .stock_levels(&ids)
        .await
        .expect("stock levels");
    rows.iter()
        .map(|r| u64::from(shop.initial_stock - r.on_hand))
        .sum()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for the list of benchmarks
    }
    let seconds: u64 = env("TIJARA_BENCH_SECONDS")
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let backends = env("TIJARA_BENCH_BACKENDS").unwrap_or_else(|| "memory,sqlite,postgres".into());
    let growth = env("TIJARA_BENCH_GROWTH").as_deref() == Some("1");
    println!(
        "| backend | customers | checkouts | seconds | checkouts/s | p50 ms | p99 ms | CPU ms/checkout | ctx switches/checkout | failures | units sold = 2 × checkouts |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for backend in backends.split(',').map(str::trim) {
        let Some(store) = storage(backend, "levels").await else {
            eprintln!("{backend}: skipped (no URL configured)");
            continue;
        };
        let shop = Arc::new(make_shop(store, 10_000_000).await.expect("catalog"));
        run(shop.clone(), 8, Budget::Time(Duration::from_secs(2))).await; // warm-up
        let mut counted = sold_units(&shop).await;
        for customers in [1, 16] {
            let (cpu0, cs0) = (cpu_ticks(), context_switches());
            let l = run(
                shop.clone(),
                customers,
                Budget::Time(Duration::from_secs(seconds)),
            )
            .await;
            let per = |a: Option<u64>, b: Option<u64>, scale: f64| match (a, b) {
                (Some(a), Some(b)) if l.done > 0 => {
                    format!("{:.2}", b.saturating_sub(a) as f64 * scale / l.done as f64)
                }
                _ => "-".to_owned(),
            };
            let cpu = per(cpu0, cpu_ticks(), 10.0);
            let switches = per(cs0, context_switches(), 1.0);
            let sold = sold_units(&shop).await;
            let ok = sold - counted == 2 * l.done;
            counted = sold;
            println!(
                "| {backend} | {customers} | {} | {:.1} | {:.0} | {:.2} | {:.2} | {cpu} | {switches} | {} | {} |",
                l.done,
                l.elapsed.as_secs_f64(),
                l.done as f64 / l.elapsed.as_secs_f64(),
                l.p50_ms,
                l.p99_ms,
                l.failed,
                if ok { "yes" } else { "NO" }
            );
            assert!(ok, "stock accounting mismatch on {backend}");
        }
        if growth && backend != "memory" {
            let store = storage(backend, "growth").await.expect("store");
            let shop = Arc::new(make_shop(store, 10_000_000).await.expect("catalog"));
            let first = run(shop.clone(), 16, Budget::Orders(10_000)).await;
            let r1 = first.done as f64 / first.elapsed.as_secs_f64();
            run(shop.clone(), 16, Budget::Orders(90_000)).await; // up to 100,000 orders
            let next = run(shop.clone(), 16, Budget::Orders(10_000)).await;
            let r2 = next.done as f64 / next.elapsed.as_secs_f64();
            println!(
                "\n{backend} growth: first 10,000 orders {r1:.0}/s; 10,000 more after 100,000 orders {r2:.0}/s; ratio {:.2}",
                r2 / r1
            );
        }
    }
}
