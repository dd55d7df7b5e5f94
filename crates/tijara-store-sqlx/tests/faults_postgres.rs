//! PostgreSQL during an outage: once the server is gone, calls fail within a few seconds with a
//! temporary `Unavailable` error (the frontends answer 503), instead of stalling for half a
//! minute. The server "goes away" by stopping a TCP relay the store connects through. Needs
//! `TIJARA_TEST_POSTGRES_URL`; skipped with a notice without it.

use std::time::{Duration, Instant};
use tijara::ports::storage::{Changeset, DocKind, Storage, StorageError};
use tijara_testkit::storage::{doc, unique};
use tokio::net::{TcpListener, TcpStream};

/// A relay to `target`; dropping the returned handle's tasks closes every relayed connection
/// and the listening socket.
async fn relay(
    target: String,
) -> (
    String,
    Vec<tokio::task::AbortHandle>,
    tokio::sync::mpsc::UnboundedReceiver<tokio::task::AbortHandle>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let accept = tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            let conn = tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
            let _ = tx.send(conn.abort_handle());
        }
    });
    (addr, vec![accept.abort_handle()], rx)
}

/// `host:port` of a `postgres://user@host:port/db` URL, and the URL with another `host:port`.
fn split(url: &str) -> (String, impl Fn(&str) -> String + '_) {
    let start = url
        .find('@')
        .map(|i| i + 1)
        .unwrap_or_else(|| url.find("://").map(|i| i + 3).unwrap_or(0));
    let end = url[start..]
        .find(['/', '?'])
        .map(|i| start + i)
        .unwrap_or(url.len());
    let mut host = url[start..end].to_owned();
    if !host.contains(':') {
        host.push_str(":5432");
    }
    (host, move |addr: &str| {
        format!("{}{addr}{}", &url[..start], &url[end..])
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_fails_fast_with_unavailable() {
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL is not set: skipping this PostgreSQL check");
        return;
    };
    let (target, with) = split(&url);
    let (addr, mut tasks, mut conns) = relay(target).await;
    let schema = format!("t_{}", unique("outage").replace('-', "_"));
    let store = tijara_store_sqlx::PostgresStore::connect_in_schema(&with(&addr), Some(&schema))
        .await
        .expect("connect through the relay");
    store
        .commit(Changeset {
            docs: vec![doc(DocKind::Cart, "c1", None, "{}")],
            ..Changeset::default()
        })
        .await
        .expect("a write while up");
    assert!(
        store
            .get(DocKind::Cart, "c1")
            .await
            .expect("read")
            .is_some()
    );

    // The server goes away: no more connections, the open ones are cut.
    while let Ok(c) = conns.try_recv() {
        tasks.push(c);
    }
    for t in &tasks {
        t.abort();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = Instant::now();
    let e = store
        .get(DocKind::Cart, "c1")
        .await
        .expect_err("the server is gone");
    let took = started.elapsed();
    assert!(
        matches!(e, StorageError::Unavailable(_)) && e.is_temporary(),
        "an outage is temporary: {e:?}"
    );
    assert!(
        took < Duration::from_secs(6),
        "a read failed after {took:?}"
    );

    let started = Instant::now();
    let e = store
        .commit(Changeset {
            docs: vec![doc(DocKind::Cart, "c2", None, "{}")],
            ..Changeset::default()
        })
        .await
        .expect_err("the server is gone");
    assert!(e.is_temporary(), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "a write failed after {:?}",
        started.elapsed()
    );
}
