//! The checkout and read workloads of `shared/bench/CHECKOUT-WORKLOAD.md` against the
//! storefront's JSON API over loopback HTTP (bounded in time, 127.0.0.1 only).
//!
//! The server is the storefront's real router (`tijara_storefront::router`) over a catalog of
//! 200 products with one variant each (5 sellers), on its own 2-worker Tokio runtime; the load
//! generator is a reqwest client on a separate runtime in the same process. Run:
//!
//! ```sh
//! cargo bench -p tijara-benches --bench http_load
//! TIJARA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p tijara-benches --bench http_load
//! ```
//!
//! Environment: `TIJARA_BENCH_BACKENDS` (default `sqlite,postgres`; PostgreSQL runs only with
//! `TIJARA_BENCH_POSTGRES_URL`), `TIJARA_BENCH_WINDOW` (measured seconds per level, default 30),
//! `TIJARA_BENCH_WARMUP` (seconds per level, default 5; the global warm-up is 3×).
//!
//! A checkout is 5–6 requests for a new guest: create the cart holding variant A (`POST
//! /api/v1/carts` with `{"item": …}`, the workload's "add variant A (creates the cart)"; until
//! 2026-12-06's step 46 an empty cart was created first, then A added), add variant B ≠ A,
//! list the shipping options for the address, choose one per seller (1 or 2 requests; this also
//! sets the address), then place the order with the guest's e-mail and cash on delivery, which
//! must answer the order in its placed state. After each level the verification counts the
//! orders in the database and checks every variant's stock moved by exactly what the generator
//! sold of it.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark aborts on setup failure

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tijara::Tijara;
use tijara::ports::storage::Storage;
use tijara_benches::engine::{guest_address, shop};
use tijara_core::VariantId;

const STOCK: u32 = 1_000_000;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Where a backend's data lives for this run: a SQLite file or a PostgreSQL schema.
fn location(backend: &str, run: u32) -> Option<String> {
    match backend {
        "sqlite" => {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
            std::fs::create_dir_all(&dir).ok()?;
            let path = dir.join(format!("http-{run}.db"));
            let _ = std::fs::remove_file(&path);
            Some(path.display().to_string())
        }
        "postgres" => env("TIJARA_BENCH_POSTGRES_URL").map(|_| format!("bench_http_{run}")),
        _ => None,
    }
}

async fn storage(backend: &str, location: &str) -> Option<Arc<dyn Storage>> {
    match backend {
        "sqlite" => {
            let url = format!("sqlite://{location}");
            Some(Arc::new(
                tijara_store_sqlx::SqliteStore::connect_with(
                    &url,
                    tijara_store_sqlx::SqliteDurability::Full,
                )
                .await
                .expect("open SQLite"),
            ))
        }
        "postgres" => {
            let url = env("TIJARA_BENCH_POSTGRES_URL")?;
            Some(Arc::new(
                tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(location))
                    .await
                    .expect("connect to PostgreSQL"),
            ))
        }
        other => {
            eprintln!("unknown backend {other:?}: use sqlite or postgres");
            None
        }
    }
}

/// What the generator sold: per variant, and orders.
#[derive(Default)]
struct Sold {
    orders: AtomicU64,
    per_variant: Vec<AtomicU64>,
}

struct Client {
    server_pid: u32,
    http: reqwest::Client,
    base: String,
    variants: Vec<String>,
    slugs: Vec<String>,
}

/// Guest `guest`'s address as JSON ([`guest_address`]).
fn address(guest: u64) -> Value {
    json!(guest_address(guest))
}

impl Client {
    async fn post(&self, path: &str, body: &Value) -> Result<Value, String> {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status();
        let bytes = res.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!(
                "{path}: {status} {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    }

    async fn get(&self, path: &str) -> Result<(), String> {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status();
        let _ = res.bytes().await.map_err(|e| e.to_string())?;
        status
            .is_success()
            .then_some(())
            .ok_or_else(|| format!("{path}: {status}"))
    }

    /// One checkout; returns the add-item latencies.
    async fn checkout(&self, a: usize, b: usize, guest: u64) -> Result<[Duration; 2], String> {
        let t = Instant::now();
        let first = json!({"item": {"variant_id": self.variants[a], "quantity": 1}});
        let cart = self.post("/api/v1/carts", &first).await?;
        let add_a = t.elapsed();
        let id = cart["cart"]["id"].as_str().ok_or("no cart id")?.to_owned();
        let items = format!("/api/v1/carts/{id}/items");
        let t = Instant::now();
        self.post(
            &items,
            &json!({"variant_id": self.variants[b], "quantity": 1}),
        )
        .await?;
        let add_b = t.elapsed();
        let quotes = self
            .post(
                &format!("/api/v1/carts/{id}/shipping-quotes"),
                &address(guest),
            )
            .await?;
        for seller in quotes.as_array().ok_or("quotes are a list")? {
            let option = &seller["options"][0];
            self.post(
                &format!("/api/v1/carts/{id}/shipping"),
                &json!({"address": address(guest), "seller_id": seller["seller_id"],
                    "carrier": option["carrier"], "service": option["service"]}),
            )
            .await?;
        }
        let placed = self
            .post(
                "/api/v1/orders",
                &json!({"cart_id": id, "email": format!("guest{guest}@example.ma"),
                    "address": address(guest), "payment": "cod"}),
            )
            .await?;
        let status = placed["order"]["status"].to_string();
        if !status.contains("placed") && !status.contains("confirmed") {
            return Err(format!("order in state {status}"));
        }
        Ok([add_a, add_b])
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

struct Outcome {
    done: u64,
    failed: u64,
    whole: Vec<Duration>,
    adds: Vec<Duration>,
    first_error: Option<String>,
    peak_rss_kib: u64,
}

async fn checkouts(
    client: Arc<Client>,
    sold: Arc<Sold>,
    next_guest: Arc<AtomicU64>,
    c: usize,
    warmup: Duration,
    window: Duration,
) -> Outcome {
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(rss_kib(client.server_pid)));
    let tasks: Vec<_> = (0..c)
        .map(|_| {
            let (client, sold, next_guest) = (client.clone(), sold.clone(), next_guest.clone());
            let (stop, measuring, peak) = (stop.clone(), measuring.clone(), peak.clone());
            tokio::spawn(async move {
                let mut out = Outcome {
                    done: 0,
                    failed: 0,
                    whole: Vec::new(),
                    adds: Vec::new(),
                    first_error: None,
                    peak_rss_kib: 0,
                };
                let n = client.variants.len();
                let mut iteration = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let guest = next_guest.fetch_add(1, Ordering::Relaxed);
                    let mixed = guest.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    let a = (mixed % n as u64) as usize;
                    let b = (a + 1 + ((mixed >> 32) % (n as u64 - 1)) as usize) % n;
                    let t = Instant::now();
                    let r = client.checkout(a, b, guest).await;
                    let took = t.elapsed();
                    let counted =
                        measuring.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed);
                    match r {
                        Ok(adds) => {
                            sold.orders.fetch_add(1, Ordering::Relaxed);
                            sold.per_variant[a].fetch_add(1, Ordering::Relaxed);
                            sold.per_variant[b].fetch_add(1, Ordering::Relaxed);
                            if counted {
                                out.done += 1;
                                out.whole.push(took);
                                out.adds.extend(adds);
                            }
                        }
                        Err(e) => {
                            out.failed += 1;
                            out.first_error.get_or_insert(e);
                        }
                    }
                    iteration += 1;
                    if iteration.is_multiple_of(32) {
                        peak.fetch_max(rss_kib(client.server_pid), Ordering::Relaxed);
                    }
                }
                out
            })
        })
        .collect();
    tokio::time::sleep(warmup).await;
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(window).await;
    stop.store(true, Ordering::Relaxed);
    let mut total = Outcome {
        done: 0,
        failed: 0,
        whole: Vec::new(),
        adds: Vec::new(),
        first_error: None,
        peak_rss_kib: 0,
    };
    for t in tasks {
        let o = t.await.expect("load task");
        total.done += o.done;
        total.failed += o.failed;
        total.whole.extend(o.whole);
        total.adds.extend(o.adds);
        if total.first_error.is_none() {
            total.first_error = o.first_error;
        }
    }
    total.whole.sort();
    total.adds.sort();
    total.peak_rss_kib = peak.load(Ordering::Relaxed).max(rss_kib(client.server_pid));
    total
}

async fn reads(
    client: Arc<Client>,
    path_of: fn(&Client, u64) -> String,
    window: Duration,
) -> (u64, u64, Vec<Duration>) {
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (client, stop, measuring, counter) = (
                client.clone(),
                stop.clone(),
                measuring.clone(),
                counter.clone(),
            );
            tokio::spawn(async move {
                let (mut ok, mut failed, mut lat) = (0u64, 0u64, Vec::new());
                while !stop.load(Ordering::Relaxed) {
                    let i = counter.fetch_add(1, Ordering::Relaxed);
                    let path = path_of(&client, i);
                    let t = Instant::now();
                    let r = client.get(&path).await;
                    let took = t.elapsed();
                    if measuring.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed) {
                        match r {
                            Ok(()) => {
                                ok += 1;
                                lat.push(took);
                            }
                            Err(_) => failed += 1,
                        }
                    }
                }
                (ok, failed, lat)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(5)).await;
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(window).await;
    stop.store(true, Ordering::Relaxed);
    let (mut ok, mut failed, mut lat) = (0, 0, Vec::new());
    for t in tasks {
        let (o, f, l) = t.await.expect("read task");
        ok += o;
        failed += f;
        lat.extend(l);
    }
    lat.sort();
    (ok, failed, lat)
}

/// Orders in the database = orders the generator counted; every variant's stock moved by
/// exactly the units the generator sold of it.
async fn verify(engine: &Tijara, variants: &[VariantId], sold: &Sold) -> Result<(), String> {
    let mut orders = 0u64;
    let mut after: Option<String> = None;
    loop {
        let page = engine
            .orders()
            .all_orders(after.as_deref(), 500)
            .await
            .map_err(|e| e.to_string())?;
        orders += page.items.len() as u64;
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let counted = sold.orders.load(Ordering::Relaxed);
    if orders != counted {
        return Err(format!(
            "{orders} orders in the database, {counted} counted"
        ));
    }
    for (i, variant) in variants.iter().enumerate() {
        let row = engine
            .catalog()
            .stock_row(variant)
            .await
            .map_err(|e| e.to_string())?;
        let moved = u64::from(STOCK - row.available());
        let expected = sold.per_variant[i].load(Ordering::Relaxed);
        if moved != expected {
            return Err(format!(
                "variant {variant}: stock moved {moved}, sold {expected}"
            ));
        }
    }
    Ok(())
}

/// The server process: the storefront's router over the benchmark catalog; prints its address.
fn serve(backend: &str, location: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    rt.block_on(async {
        let storage = storage(backend, location).await.expect("storage");
        let shop = shop(storage, STOCK).await.expect("catalog");
        let app = tijara_storefront::App::headless(shop.engine.clone(), "http://127.0.0.1");
        drop(shop);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        println!("{}", listener.local_addr().expect("address"));
        axum::serve(listener, tijara_storefront::router(app))
            .await
            .expect("serve");
    });
}

/// Reads the catalog the server loaded (variant ids in slug order) through the API.
async fn catalog(http: &reqwest::Client, base: &str) -> (Vec<String>, Vec<String>) {
    let mut by_slug = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/products?limit=100");
        if let Some(a) = &after {
            url.push_str(&format!("&after={a}"));
        }
        let bytes = http.get(url).send().await.unwrap().bytes().await.unwrap();
        let page: Value = serde_json::from_slice(&bytes).unwrap();
        for item in page["items"].as_array().unwrap() {
            by_slug.push((
                item["product"]["slug"].as_str().unwrap().to_owned(),
                item["product"]["variants"][0]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            ));
        }
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_owned()),
            None => break,
        }
    }
    by_slug.sort();
    by_slug.into_iter().unzip()
}

fn main() {
    if let Some(spec) = env("TIJARA_BENCH_SERVE") {
        let (backend, location) = spec.split_once('|').expect("backend|location");
        return serve(backend, location);
    }
    let backends = env("TIJARA_BENCH_BACKENDS").unwrap_or_else(|| "sqlite,postgres".into());
    let window = Duration::from_secs(
        env("TIJARA_BENCH_WINDOW")
            .and_then(|s| s.parse().ok())
            .unwrap_or(30),
    );
    let warmup = Duration::from_secs(
        env("TIJARA_BENCH_WARMUP")
            .and_then(|s| s.parse().ok())
            .unwrap_or(5),
    );
    for backend in backends.split(',') {
        let Some(location) = location(backend, std::process::id()) else {
            println!("{backend}: skipped (set TIJARA_BENCH_POSTGRES_URL for PostgreSQL)");
            continue;
        };
        // The server: this same executable in serve mode, so its memory is measured alone.
        let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
            .env("TIJARA_BENCH_SERVE", format!("{backend}|{location}"))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the server");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
            &mut line,
        )
        .expect("server address");
        let base = format!("http://{}", line.trim());
        let server_pid = child.id();

        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("load runtime");
        rt.block_on(async {
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .build()
                .expect("client");
            let (slugs, variants) = catalog(&http, &base).await;
            assert_eq!(variants.len(), 200, "the benchmark catalog");
            // A second engine on the same database counts orders and stock for the verification.
            let reader = Tijara::builder()
                .storage(storage(backend, &location).await.expect("storage"))
                .payment(Arc::new(tijara_testkit::stubs::StubGateway::cash_on_delivery()))
                .carrier(Arc::new(tijara_testkit::stubs::StubCarrier::new(
                    "amana", "30.00", "10.00",
                )))
                .build()
                .expect("reader engine");
            let variant_ids: Vec<VariantId> = variants
                .iter()
                .map(|v| VariantId::new(v.clone()).expect("variant id"))
                .collect();
            let client = Arc::new(Client {
                server_pid,
                http,
                base,
                variants,
                slugs,
            });
            let sold = Arc::new(Sold {
                orders: AtomicU64::new(0),
                per_variant: (0..200).map(|_| AtomicU64::new(0)).collect(),
            });
            let guests = Arc::new(AtomicU64::new(0));
            println!(
                "== {backend} (durable commits), server idle RSS {} MiB",
                rss_kib(server_pid) / 1024
            );
            // Global warm-up at c=8, not recorded.
            let w = checkouts(
                client.clone(),
                sold.clone(),
                guests.clone(),
                8,
                warmup * 3,
                Duration::ZERO,
            )
            .await;
            if w.failed > 0 {
                println!("warm-up failures: {} ({:?})", w.failed, w.first_error);
            }
            // TIJARA_BENCH_LEVELS=8 measures one level (default 1,8,32).
            let levels: Vec<usize> = env("TIJARA_BENCH_LEVELS")
                .map(|l| l.split(',').filter_map(|x| x.trim().parse().ok()).collect())
                .unwrap_or_else(|| vec![1, 8, 32]);
            for c in levels {
                let o = checkouts(
                    client.clone(),
                    sold.clone(),
                    guests.clone(),
                    c,
                    warmup,
                    window,
                )
                .await;
                let check = verify(&reader, &variant_ids, &sold).await;
                println!(
                    "{backend} c={c:>2}: {:>7.1} checkouts/s ({} in {}s, {} failed{}), checkout p50/p95/p99 {:.1}/{:.1}/{:.1} ms, add-item p50/p99 {:.2}/{:.2} ms, server peak RSS {} MiB, verification: {}",
                    o.done as f64 / window.as_secs_f64(),
                    o.done,
                    window.as_secs(),
                    o.failed,
                    o.first_error.map(|e| format!(": {e}")).unwrap_or_default(),
                    percentile(&o.whole, 0.50),
                    percentile(&o.whole, 0.95),
                    percentile(&o.whole, 0.99),
                    percentile(&o.adds, 0.50),
                    percentile(&o.adds, 0.99),
                    o.peak_rss_kib / 1024,
                    match check {
                        Ok(()) => "exact".to_owned(),
                        Err(e) => format!("MISMATCH {e}"),
                    }
                );
            }
            let list = reads(client.clone(), |_, _| "/api/v1/products?limit=20".into(), window).await;
            let product = reads(
                client.clone(),
                |c, i| {
                    let n = (i.wrapping_mul(0x9E37_79B9) % c.slugs.len() as u64) as usize;
                    format!("/api/v1/products/{}", c.slugs[n])
                },
                window,
            )
            .await;
            for (name, (ok, failed, lat)) in [("list", list), ("product", product)] {
                println!(
                    "{backend} read {name:<7} c=32: {:>8.0} req/s ({failed} failed), p50/p99 {:.2}/{:.2} ms, server RSS {} MiB",
                    ok as f64 / window.as_secs_f64(),
                    percentile(&lat, 0.50),
                    percentile(&lat, 0.99),
                    rss_kib(client.server_pid) / 1024
                );
            }
        });
        let _ = child.kill();
        let _ = child.wait();
    }
}
