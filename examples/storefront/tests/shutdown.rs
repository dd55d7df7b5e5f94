//! Issue 18 (graceful shutdown, configuration file): the storefront binary, started from a
//! TOML configuration file, is put under checkout load and sent SIGTERM. It stops accepting,
//! finishes the requests in flight and exits 0; every order a client was told about is in the
//! database, and no order is there that a client was not told about (a request cut after the
//! server took it would leave one). The configuration file's mistakes name their line.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request on a connection of its own: the status and the body, or why not.
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

async fn json_call(
    port: u16,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let (status, text) = http(port, method, path, body.as_ref()).await?;
    if !(200..300).contains(&status) {
        return Err(format!("{method} {path}: {status} {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}: {text}"))
}

/// A guest checkout of one unit of `variant`, cash on delivery: the order's id.
async fn checkout(port: u16, variant: &str, email: &str) -> Result<String, String> {
    let cart = json_call(port, "POST", "/api/v1/carts", Some(json!({}))).await?;
    let id = cart["cart"]["id"].as_str().ok_or("no cart id")?.to_owned();
    json_call(
        port,
        "POST",
        &format!("/api/v1/carts/{id}/items"),
        Some(json!({"variant_id": variant, "quantity": 1})),
    )
    .await?;
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
    .await?;
    for seller in quotes.as_array().ok_or("no quotes")? {
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
        .await?;
    }
    let placed = json_call(
        port,
        "POST",
        "/api/v1/orders",
        Some(json!({"cart_id": id, "email": email, "address": address, "payment": "cod"})),
    )
    .await?;
    placed["order"]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no order id: {placed}"))
}

fn storefront(config: &Path, log: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_tijara-storefront"))
        .arg("--config")
        .arg(config)
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_keeps_every_acknowledged_order_and_exits_cleanly() {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique("sigterm"));
    std::fs::create_dir_all(&dir).unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    // Everything from the file: the address, the data folder, metrics, JSON logs.
    let config = dir.join("storefront.toml");
    std::fs::write(
        &config,
        format!(
            "# the storefront under test\nbind = \"127.0.0.1:{port}\"\ndata-dir = {:?}\n\
             public-url = \"http://127.0.0.1:{port}\"\nmetrics-bind = \"127.0.0.1:{metrics_port}\"\n\
             log-format = \"json\"\nseed-benchmark = true\nshutdown-timeout = 20\n",
            dir.join("data").display().to_string()
        ),
    )
    .unwrap();
    let log = dir.join("server.log");
    let mut child = storefront(&config, &log);
    let started = Instant::now();
    loop {
        if let Ok((200, _)) = http(port, "GET", "/readyz", None).await {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "exited {status}: {}",
                std::fs::read_to_string(&log).unwrap()
            );
        }
        assert!(started.elapsed() < Duration::from_secs(120), "never ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = json_call(port, "GET", "/api/v1/products?limit=50", None)
        .await
        .unwrap();
    let variants: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["variants"][0]["variant"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(variants.len() >= 8);

    // 8 customers checking out back to back.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let signalled = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for (w, variant) in variants.iter().take(8).cloned().enumerate() {
        let (acknowledged, signalled) = (acknowledged.clone(), signalled.clone());
        workers.push(tokio::spawn(async move {
            for n in 0.. {
                match checkout(port, &variant, &format!("w{w}.n{n}@example.ma")).await {
                    Ok(order) => acknowledged.lock().unwrap().push(order),
                    // Refused once the server stops accepting: expected after the signal only.
                    Err(e) if signalled.load(Ordering::SeqCst) => return e,
                    Err(e) => panic!("failed before the signal: {e}"),
                }
            }
            String::new()
        }));
    }
    // Under load: some orders placed, the customers still going.
    let loaded = Instant::now();
    while acknowledged.lock().unwrap().len() < 24 {
        assert!(
            workers.iter().all(|w| !w.is_finished()),
            "a customer stopped before the signal"
        );
        assert!(
            loaded.elapsed() < Duration::from_secs(120),
            "no orders placed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = acknowledged.lock().unwrap().len();
    signalled.store(true, Ordering::SeqCst);
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(30),
            "still running 30 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "exit {status}: {log_text}");
    for w in workers {
        w.await.unwrap();
    }
    // JSON lines (the file's `log-format`), the shutdown said.
    for line in log_text.lines().filter(|l| l.starts_with('{')) {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    assert!(log_text.contains("\"signal\":\"SIGTERM\""), "{log_text}");
    assert!(log_text.contains("stopped"), "{log_text}");

    // Every acknowledged order is in the database, and only those.
    let acknowledged = acknowledged.lock().unwrap().clone();
    let storage = tijara_storefront::connect_storage(&format!(
        "sqlite://{}",
        dir.join("data").join("tijara.db").display()
    ))
    .await
    .unwrap();
    let mut stored = std::collections::BTreeSet::new();
    let mut query =
        tijara::ports::storage::ListQuery::new(tijara::ports::storage::DocKind::Order, 500);
    loop {
        let page = storage.list(&query).await.unwrap();
        let Some(last) = page.last() else { break };
        query.after = Some(last.id.clone());
        stored.extend(page.into_iter().map(|d| d.id));
    }
    let told: std::collections::BTreeSet<String> = acknowledged.iter().cloned().collect();
    let missing: Vec<_> = told.difference(&stored).collect();
    let unacknowledged: Vec<_> = stored.difference(&told).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    assert!(
        unacknowledged.is_empty(),
        "placed but the client got no answer (a request cut after it was taken): {unacknowledged:?}"
    );
    eprintln!(
        "{} orders acknowledged, {} of them after the signal",
        told.len(),
        told.len() - before
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_from_the_config_file() {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique("metrics-bind"));
    std::fs::create_dir_all(&dir).unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    // The file's address is held by the test for its whole run: a server that took it would
    // fail to start, and no other test's server (run in parallel) can be handed that port and
    // answer on it, as happened when the port was only picked and let go.
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let file_port = held.local_addr().unwrap().port();
    let config = dir.join("storefront.toml");
    // The environment (and the command line) win over the file: TIJARA_BIND below.
    std::fs::write(
        &config,
        format!(
            "bind = \"127.0.0.1:{file_port}\"\ndata_dir = {:?}\nmetrics_bind = \"127.0.0.1:{metrics_port}\"\n",
            dir.join("data").display().to_string()
        ),
    )
    .unwrap();
    let log = dir.join("server.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tijara-storefront"))
        .arg("--config")
        .arg(&config)
        .env("TIJARA_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while http(port, "GET", "/healthz", None).await.is_err() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "{}",
            std::fs::read_to_string(&log).unwrap()
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never started"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _) = http(port, "GET", "/", None).await.unwrap();
    assert_eq!(status, 200);
    let (status, text) = http(metrics_port, "GET", "/metrics", None).await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("tijara_http_requests_total{route=\"/\",method=\"GET\",status=\"200\"}"),
        "{text}"
    );
    // Not on the shop's address.
    assert_eq!(http(port, "GET", "/metrics", None).await.unwrap().0, 404);
    // The file's bind lost: the server answers on the environment's address while the
    // file's is still held here (had it tried that one, it would not have started).
    assert_eq!(held.local_addr().unwrap().port(), file_port);
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn refused(config: &str) -> String {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique("bad-config"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("storefront.toml");
    std::fs::write(&path, config).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tijara-storefront"))
        .arg("--config")
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn config_file_mistakes_name_their_line() {
    let e = refused("bind = \"127.0.0.1:0\"\n\nbnid = \"x\"\n");
    assert!(
        e.contains("line 3") && e.contains("unknown setting `bnid`"),
        "{e}"
    );
    let e = refused("# rates\neur-per-mad = \"a lot\"\n");
    assert!(e.contains("line 2") && e.contains("eur-per-mad"), "{e}");
    let e = refused("bind = \"127.0.0.1:0\"\nbind = [\n");
    assert!(e.contains("line 2"), "{e}");
    let e = refused("demo = \"yes\"\n");
    assert!(e.contains("line 1") && e.contains("true or false"), "{e}");
    let e = refused("bind = [\"a\", \"b\"]\n");
    assert!(e.contains("line 1") && e.contains("one value"), "{e}");
    let e = refused("config = \"other.toml\"\n");
    assert!(e.contains("line 1"), "{e}");
}
