//! Issue 18 (metrics on every storage backend): the storefront binary, started with
//! `--metrics-bind` on rusqlite's SQLite (the default), on SQLite through sqlx and on
//! PostgreSQL (when `TIJARA_TEST_POSTGRES_URL` is set; skipped with a notice without it), takes
//! two real checkouts. Its `/metrics` page then shows, labelled with that backend only, the
//! storage commit histogram grown and the batch-size histogram beside it, the connection
//! gauges (and the SQLite writer's queue on SQLite only), and the checkout and payment
//! counters moved by exactly those orders (the second through the handles the first
//! registered).

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request on a connection of its own: the status and the body.
async fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, String), String> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)
        .await
        .map_err(|e| format!("read: {e}"))?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no answer ({} bytes)", out.len()))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status: {head}"))?;
    Ok((status, rest.to_owned()))
}

async fn json_call(port: u16, method: &str, path: &str, body: Option<Value>) -> Value {
    let (status, text) = http(port, method, path, body.as_ref()).await.unwrap();
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
}

/// A guest checkout of one unit of the first product, cash on delivery.
async fn checkout(port: u16, email: &str) {
    let page = json_call(port, "GET", "/api/v1/products?limit=1", None).await;
    let variant = page["items"][0]["variants"][0]["variant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cart = json_call(port, "POST", "/api/v1/carts", Some(json!({}))).await;
    let id = cart["cart"]["id"].as_str().unwrap().to_owned();
    json_call(
        port,
        "POST",
        &format!("/api/v1/carts/{id}/items"),
        Some(json!({"variant_id": variant, "quantity": 1})),
    )
    .await;
    let address = json!({
        "name": "Client Test", "line1": "N° 1, Rue Test", "line2": null, "city": "Rabat",
        "postal_code": "10000", "country": "MA", "phone": "0600000000",
    });
    let quotes = json_call(
        port,
        "POST",
        &format!("/api/v1/carts/{id}/shipping-quotes"),
        Some(address.clone()),
    )
    .await;
    for seller in quotes.as_array().unwrap() {
        let option = &seller["options"][0];
        json_call(
            port,
            "POST",
            &format!("/api/v1/carts/{id}/shipping"),
            Some(json!({
                "address": address, "seller_id": seller["seller_id"],
                "carrier": option["carrier"], "service": option["service"],
            })),
        )
        .await;
    }
    let placed = json_call(
        port,
        "POST",
        "/api/v1/orders",
        Some(json!({"cart_id": id, "email": email, "address": address, "payment": "cod"})),
    )
    .await;
    assert!(placed["order"]["id"].is_string(), "{placed}");
}

/// The value of `series` (name and labels, exactly as printed) in a Prometheus text; `None`
/// when the page has no such line.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

/// [`sample`], required.
fn must(text: &str, series: &str) -> f64 {
    sample(text, series).unwrap_or_else(|| panic!("{series} missing in:\n{text}"))
}

/// A running storefront binary, stopped (SIGINT, then waited for) when dropped.
struct Storefront {
    child: Child,
    port: u16,
    metrics_port: u16,
    log: std::path::PathBuf,
}

impl Drop for Storefront {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Starts the binary on `database_url` (the benchmark catalog seeded), metrics on, and waits
/// until it is ready.
async fn start(dir: &Path, database_url: &str) -> Storefront {
    let (port, metrics_port) = (free_port(), free_port());
    let log = dir.join("server.log");
    let child = Command::new(env!("CARGO_BIN_EXE_tijara-storefront"))
        .arg("--bind")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--public-url")
        .arg(format!("http://127.0.0.1:{port}"))
        .arg("--metrics-bind")
        .arg(format!("127.0.0.1:{metrics_port}"))
        .arg("--database-url")
        .arg(database_url)
        .arg("--seed-benchmark")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut s = Storefront {
        child,
        port,
        metrics_port,
        log,
    };
    let started = Instant::now();
    loop {
        if let Ok((200, _)) = http(port, "GET", "/readyz", None).await {
            return s;
        }
        if let Some(status) = s.child.try_wait().unwrap() {
            panic!(
                "exited {status}: {}",
                std::fs::read_to_string(&s.log).unwrap()
            );
        }
        assert!(started.elapsed() < Duration::from_secs(180), "never ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Two checkouts on `database_url`, and what `/metrics` says of them under `backend`.
async fn one_checkout_is_measured(name: &str, database_url: &str, backend: &str) {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    let shop = start(&dir, database_url).await;
    let scrape = || async {
        let (status, text) = http(shop.metrics_port, "GET", "/metrics", None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{text}");
        text
    };
    let before = scrape().await;
    let commits = format!("tijara_storage_commit_seconds_count{{backend=\"{backend}\"}}");
    let batches = format!("tijara_storage_commit_batch_size_count{{backend=\"{backend}\"}}");
    let batched = format!("tijara_storage_commit_batch_size_sum{{backend=\"{backend}\"}}");
    let placed = "tijara_checkouts_total{outcome=\"placed\"}";
    let cod = "tijara_gateway_calls_total{gateway=\"cod\",call=\"start\",outcome=\"ok\"}";
    let orders =
        "tijara_http_requests_total{route=\"/api/v1/orders\",method=\"POST\",status=\"201\"}";

    // Two orders: the second counts through the handles the first registered.
    checkout(shop.port, &format!("{name}.1@example.ma")).await;
    checkout(shop.port, &format!("{name}.2@example.ma")).await;
    let after = scrape().await;
    let grew = |series: &str| must(&after, series) - sample(&before, series).unwrap_or(0.0);

    // The commit histogram counted the checkout's transaction(s), under this backend.
    assert!(grew(&commits) >= 1.0, "{commits} did not grow:\n{after}");
    assert!(
        must(
            &after,
            &format!("tijara_storage_commit_seconds_sum{{backend=\"{backend}\"}}")
        ) > 0.0
    );
    assert!(after.contains(&format!(
        "tijara_storage_commit_seconds_bucket{{backend=\"{backend}\",le=\"0.5\"}}"
    )));
    // The batch size beside it: one sample per committed transaction, each of at least one
    // changeset (exactly one on PostgreSQL).
    assert_eq!(
        must(&after, &batches),
        must(&after, &commits),
        "one batch size per commit:\n{after}"
    );
    let (n, sum) = (must(&after, &batches), must(&after, &batched));
    if backend == "postgres" {
        assert_eq!(sum, n, "one changeset per PostgreSQL transaction");
    } else {
        assert!(sum >= n, "{sum} changesets in {n} transactions");
    }
    // Every storage series carries this backend's label, and no other.
    for line in after
        .lines()
        .filter(|l| l.starts_with("tijara_storage_commit"))
    {
        assert!(
            line.contains(&format!("backend=\"{backend}\"")),
            "{line}: not labelled {backend}"
        );
    }
    for t in ["seconds", "batch_size"] {
        assert!(
            after.contains(&format!("# TYPE tijara_storage_commit_{t} histogram")),
            "{after}"
        );
    }
    // The connections, read from this storage at the scrape.
    let idle = must(&after, "tijara_db_pool_connections{state=\"idle\"}");
    let busy = must(&after, "tijara_db_pool_connections{state=\"busy\"}");
    let max = must(&after, "tijara_db_pool_max_connections");
    assert!(max >= 1.0 && idle + busy <= max + 4.0, "{after}");
    let queue = sample(&after, "tijara_db_write_queue");
    if backend == "postgres" {
        assert_eq!(queue, None, "no writer queue on PostgreSQL:\n{after}");
        assert_eq!(max, 24.0);
    } else {
        assert_eq!(
            queue,
            Some(0.0),
            "the writer's queue, empty when idle:\n{after}"
        );
    }
    assert_eq!(must(&after, "tijara_database_up"), 1.0);
    assert!(sample(&after, "tijara_outbox_backlog").is_some(), "{after}");
    // The orders: each counted once as placed, its payment started once at the COD gateway,
    // its request once; the carriers asked for quotes (at least once per order).
    assert_eq!(grew(placed), 2.0, "{after}");
    assert_eq!(grew(cod), 2.0, "{after}");
    assert_eq!(grew(orders), 2.0, "{after}");
    let quotes = |text: &str| -> f64 {
        text.lines()
            .filter(|l| {
                l.starts_with("tijara_carrier_calls_total{")
                    && l.contains("call=\"quote\",outcome=\"ok\"}")
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    assert!(
        quotes(&after) - quotes(&before) >= 2.0,
        "carrier quotes not counted:\n{after}"
    );
    assert!(
        after.contains("tijara_carrier_call_seconds_count{carrier="),
        "{after}"
    );
    drop(shop);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn commit_metrics_on_sqlite_rusqlite() {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique("cm-rusqlite-db"));
    std::fs::create_dir_all(&dir).unwrap();
    one_checkout_is_measured(
        "cm-rusqlite",
        &format!("sqlite://{}", dir.join("tijara.db").display()),
        "sqlite",
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn commit_metrics_on_sqlite_through_sqlx() {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique("cm-sqlx-db"));
    std::fs::create_dir_all(&dir).unwrap();
    one_checkout_is_measured(
        "cm-sqlx",
        &format!("sqlx+sqlite://{}", dir.join("tijara.db").display()),
        "sqlx-sqlite",
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn commit_metrics_on_postgres() {
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL is not set: skipping the PostgreSQL metrics check");
        return;
    };
    // A schema of its own, created and migrated here; the binary is pointed at it through
    // the connection's `search_path`.
    let schema = format!(
        "t_{}",
        tijara_testkit::storage::unique("commitmetrics").replace('-', "_")
    );
    drop(
        tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .unwrap(),
    );
    let sep = if url.contains('?') { '&' } else { '?' };
    let in_schema = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    one_checkout_is_measured("cm-postgres", &in_schema, "postgres").await;
}
