//! A storefront started on storage it cannot write says so at start and exits non-zero,
//! instead of serving a shop whose every cart and order fails.

#![allow(clippy::unwrap_used)] // a failed unwrap fails the test

use std::path::PathBuf;

fn settings(data_dir: PathBuf, database_url: Option<String>) -> tijara_storefront::Settings {
    tijara_storefront::Settings {
        bind: "127.0.0.1:0".into(),
        data_dir,
        database_url,
        public_url: Some("http://127.0.0.1:9".into()),
        cmi: None,
        display_rates: Vec::new(),
        region: None,
        carriers: Vec::new(),
    }
}

/// A data folder with a database in it, and the URL of that database opened read-only.
async fn read_only_database() -> (PathBuf, String) {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique("ro-start"));
    let app = tijara_storefront::build(&settings(dir.clone(), None))
        .await
        .unwrap();
    drop(app);
    let url = format!("sqlite://{}?mode=ro", dir.join("tijara.db").display());
    (dir, url)
}

#[tokio::test]
async fn build_refuses_a_read_only_database_and_says_so() {
    let (dir, url) = read_only_database().await;
    let err = tijara_storefront::build(&settings(dir.clone(), Some(url)))
        .await
        .err()
        .expect("a read-only database is refused at start");
    let not_writable = err
        .downcast_ref::<tijara_storefront::startup::NotWritable>()
        .unwrap_or_else(|| panic!("a NotWritable error, got {err}"));
    assert!(not_writable.reason.contains("read-only"), "{not_writable}");
    assert!(err.to_string().contains("read-only"), "{err}");
    // A writable one starts.
    assert!(
        tijara_storefront::build(&settings(dir.clone(), None))
            .await
            .is_ok()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_binary_exits_with_a_clear_message_on_a_read_only_database() {
    let (dir, url) = read_only_database().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tijara-storefront"))
        .args(["--bind", "127.0.0.1:0", "--database-url", &url])
        .arg("--data-dir")
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exits non-zero: {stderr}");
    assert!(
        stderr.contains("cannot start") && stderr.contains("read-only"),
        "says why: {stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn build_saves_old_orders_with_their_keys_once() {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique("reindex-start"));
    let app = tijara_storefront::build(&settings(dir.clone(), None))
        .await
        .unwrap();
    assert!(
        app.engine
            .operations()
            .is_done("startup", tijara_storefront::startup::REINDEX_MARK)
            .await
            .unwrap(),
        "the first start visited every order"
    );
    // Later starts skip it.
    assert_eq!(
        tijara_storefront::startup::reindex_orders(&app.engine)
            .await
            .unwrap(),
        None
    );
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn storefronts_checking_one_folder_together_all_pass() {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique("probe-race"));
    std::fs::create_dir_all(&dir).unwrap();
    let barrier = std::sync::Barrier::new(16);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    (0..50)
                        .map(|_| tijara_storefront::startup::check_folder(&dir))
                        .collect::<Result<Vec<()>, _>>()
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().expect("a writable folder is writable");
        }
    });
    // No probe is left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
