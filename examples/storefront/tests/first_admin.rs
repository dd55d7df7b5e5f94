//! Issue 11: a production storefront (CMI credentials) never seeds the demo marketplace or its
//! published demo logins; its first admin comes from `--admin-email` and the
//! `TIJARA_ADMIN_PASSWORD` environment variable.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Starts the binary with CMI credentials on `dir` and `envs`; returns its exit status (`None`
/// while it was still running, then killed) and what it printed (stdout, then stderr).
fn start_production(dir: &std::path::Path, envs: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tijara-storefront"));
    command
        .args(["--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args([
            "--cmi-client-id",
            "600000002",
            "--cmi-store-key",
            "test-key",
        ])
        // A production shop names its bank account for transfers (required with CMI).
        .env("TIJARA_BANK_BENEFICIARY", "Dakhla Market SARL")
        .env("TIJARA_BANK_NAME", "Banque Exemple")
        .env("TIJARA_BANK_RIB", "011519000001205000534921")
        .env_remove("TIJARA_DATABASE_URL")
        .env_remove("TIJARA_ADMIN_EMAIL")
        .env_remove("TIJARA_ADMIN_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let mut out = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut listening = false;
    while let Some(Ok(line)) = lines.next() {
        out.push_str(&line);
        out.push('\n');
        if line.starts_with("Tijara storefront on") {
            listening = true;
            break;
        }
    }
    if listening {
        child.kill().unwrap();
    }
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    out.push_str(&err);
    (if listening { None } else { status.code() }, out)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique(name));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_binary_with_cmi_credentials_seeds_no_demo_logins() {
    let dir = temp_dir("prod-start");
    let (status, out) = start_production(&dir, &[]);
    assert_eq!(status, None, "it starts: {out}");
    assert!(!out.contains("demo-2026"), "{out}");
    assert!(!out.contains("demo marketplace"), "{out}");
    assert!(
        out.contains("TIJARA_ADMIN_PASSWORD"),
        "says how to create the first admin: {out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_binary_refuses_a_short_admin_password_and_says_why() {
    let dir = temp_dir("prod-short");
    let (status, out) = start_production(
        &dir,
        &[
            ("TIJARA_ADMIN_EMAIL", "owner@shop.example"),
            ("TIJARA_ADMIN_PASSWORD", "short-pass1"),
        ],
    );
    assert_eq!(status, Some(2), "refused: {out}");
    assert!(
        out.contains("TIJARA_ADMIN_PASSWORD is too short") && out.contains("12"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_binary_creates_the_first_admin_from_the_environment() {
    let dir = temp_dir("prod-admin");
    let envs = [
        ("TIJARA_ADMIN_EMAIL", "Owner@Shop.example"),
        ("TIJARA_ADMIN_PASSWORD", "a long enough secret"),
    ];
    let (status, out) = start_production(&dir, &envs);
    assert_eq!(status, None, "it starts: {out}");
    assert!(
        out.contains("Created the admin account owner@shop.example"),
        "{out}"
    );
    assert!(
        !out.contains("a long enough secret"),
        "never printed: {out}"
    );
    assert!(!out.contains("demo-2026"), "{out}");
    // The next start finds it and says nothing of creating it.
    let (status, out) = start_production(&dir, &envs);
    assert_eq!(status, None, "it starts: {out}");
    assert!(!out.contains("Created the admin account"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn settings(
    dir: &std::path::Path,
    cmi: Option<tijara_storefront::CmiSettings>,
) -> tijara_storefront::Settings {
    tijara_storefront::Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        database_url: None,
        public_url: Some("http://127.0.0.1:9".into()),
        cmi,
        display_rates: Vec::new(),
        region: None,
        carriers: Vec::new(),
    }
}

/// A storefront with (any) CMI credentials: production, no demo mode.
async fn production(dir: &std::path::Path) -> tijara_storefront::App {
    let cmi = tijara_storefront::CmiSettings {
        client_id: "600000002".into(),
        store_key: "any-store-key".into(),
        gateway_url: tijara_pay_cmi::TEST_GATEWAY_URL.into(),
    };
    let app = tijara_storefront::build(&settings(dir, Some(cmi)))
        .await
        .unwrap();
    assert!(app.simulator.is_none());
    app
}

async fn accounts(app: &tijara_storefront::App) -> Vec<tijara::usecases::accounts::Account> {
    app.engine
        .accounts()
        .list_accounts(None, 100)
        .await
        .unwrap()
        .items
}

async fn product_count(app: &tijara_storefront::App) -> usize {
    app.engine
        .catalog()
        .list_products(&Default::default(), None, 100)
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn production_on_an_empty_database_seeds_nothing() {
    let dir = temp_dir("prod-empty");
    let app = production(&dir).await;
    let prepared = tijara_storefront::prepare(&app, None).await.unwrap();
    assert_eq!(
        prepared,
        tijara_storefront::Prepared {
            demo_seeded: false,
            admin: tijara_storefront::AdminOutcome::NotAsked,
            no_accounts: true,
            public_demo_logins: Vec::new(),
        }
    );
    assert!(
        app.engine
            .accounts()
            .account_by_email("admin@tijara.example")
            .await
            .unwrap()
            .is_none()
    );
    assert!(accounts(&app).await.is_empty());
    assert_eq!(product_count(&app).await, 0);
    assert!(
        app.engine
            .catalog()
            .list_sellers(None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn production_creates_exactly_the_first_admin_and_never_resets_its_password() {
    use tijara::usecases::accounts::verify_password;
    let dir = temp_dir("prod-bootstrap");
    let app = production(&dir).await;
    let first = tijara_storefront::AdminBootstrap::new(" Owner@Shop.example ", "first secret 2026")
        .unwrap();
    let prepared = tijara_storefront::prepare(&app, Some(&first))
        .await
        .unwrap();
    assert_eq!(prepared.admin, tijara_storefront::AdminOutcome::Created);
    assert!(!prepared.demo_seeded);
    assert!(!prepared.no_accounts);
    let all = accounts(&app).await;
    assert_eq!(all.len(), 1, "exactly the admin: {all:?}");
    assert_eq!(all[0].email, "owner@shop.example");
    assert!(all[0].is_admin());
    assert!(verify_password("first secret 2026", &all[0].password_hash));
    assert_eq!(product_count(&app).await, 0);
    drop(app);

    // A second start with another password: the account is found and left as it is.
    let app = production(&dir).await;
    let second =
        tijara_storefront::AdminBootstrap::new("owner@shop.example", "second secret 2026").unwrap();
    let prepared = tijara_storefront::prepare(&app, Some(&second))
        .await
        .unwrap();
    assert_eq!(
        prepared.admin,
        tijara_storefront::AdminOutcome::Existing { is_admin: true }
    );
    let all = accounts(&app).await;
    assert_eq!(all.len(), 1);
    assert!(verify_password("first secret 2026", &all[0].password_hash));
    assert!(!verify_password(
        "second secret 2026",
        &all[0].password_hash
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_first_admin_settings_are_checked() {
    use tijara_storefront::{AdminBootstrap, BootstrapError};
    assert_eq!(
        AdminBootstrap::new("owner@shop.example", "eleven char").unwrap_err(),
        BootstrapError::ShortPassword
    );
    assert!(AdminBootstrap::new("owner@shop.example", "twelve chars").is_ok());
    // Characters, not bytes: eleven Arabic letters are too short.
    assert_eq!(
        AdminBootstrap::new("owner@shop.example", "كلمةسرقصيرة").unwrap_err(),
        BootstrapError::ShortPassword
    );
    assert_eq!(
        AdminBootstrap::new("owner@shop.example", &"x".repeat(1025)).unwrap_err(),
        BootstrapError::LongPassword
    );
    assert!(matches!(
        AdminBootstrap::new("not an e-mail", "long enough password"),
        Err(BootstrapError::BadEmail(_))
    ));
    assert!(AdminBootstrap::from_settings(None, None).unwrap().is_none());
    assert_eq!(
        AdminBootstrap::from_settings(Some("owner@shop.example"), None).unwrap_err(),
        BootstrapError::NoPassword
    );
    assert_eq!(
        AdminBootstrap::from_settings(None, Some("long enough password")).unwrap_err(),
        BootstrapError::NoEmail
    );
    assert_eq!(
        AdminBootstrap::from_settings(Some("owner@shop.example"), Some("")).unwrap_err(),
        BootstrapError::NoPassword
    );
    let ok =
        AdminBootstrap::from_settings(Some("owner@shop.example"), Some("long enough password"))
            .unwrap()
            .unwrap();
    assert_eq!(ok.email(), "owner@shop.example");
    assert!(
        !format!("{ok:?}").contains("long enough password"),
        "Debug never shows the password"
    );
    assert!(BootstrapError::ShortPassword.to_string().contains("12"));
}

#[tokio::test]
async fn demo_mode_still_seeds_once_and_production_reports_its_leftover_logins() {
    let dir = temp_dir("demo-then-prod");
    let app = tijara_storefront::build(&settings(&dir, None))
        .await
        .unwrap();
    assert!(app.simulator.is_some(), "demo mode");
    let prepared = tijara_storefront::prepare(&app, None).await.unwrap();
    assert!(prepared.demo_seeded);
    assert!(!prepared.no_accounts);
    assert!(prepared.public_demo_logins.is_empty());
    let admin = app
        .engine
        .accounts()
        .account_by_email("admin@tijara.example")
        .await
        .unwrap()
        .unwrap();
    assert!(admin.is_admin());
    assert_eq!(product_count(&app).await, 40);
    // Seeded once: the next start leaves it.
    assert!(
        !tijara_storefront::prepare(&app, None)
            .await
            .unwrap()
            .demo_seeded
    );
    drop(app);

    // The same database started with CMI credentials: nothing is seeded, and the demo logins
    // that still have their published password are named.
    let app = production(&dir).await;
    let prepared = tijara_storefront::prepare(&app, None).await.unwrap();
    assert!(!prepared.demo_seeded);
    assert!(!prepared.no_accounts);
    let demo: Vec<String> = tijara_storefront::seed::demo_accounts()
        .into_iter()
        .map(|(_, email, _)| email)
        .collect();
    assert_eq!(prepared.public_demo_logins, demo);
    assert_eq!(product_count(&app).await, 40);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn two_production_starts_at_once_create_the_admin_once() {
    let dir = temp_dir("prod-race");
    // Two storefronts on one database (built one after the other: this is about the admin).
    let a = production(&dir).await;
    let b = production(&dir).await;
    let first =
        tijara_storefront::AdminBootstrap::new("owner@shop.example", "first secret 2026").unwrap();
    let second =
        tijara_storefront::AdminBootstrap::new("owner@shop.example", "second secret 2026").unwrap();
    let (x, y) = tokio::join!(
        tijara_storefront::prepare(&a, Some(&first)),
        tijara_storefront::prepare(&b, Some(&second))
    );
    let mut outcomes = vec![x.unwrap().admin, y.unwrap().admin];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        outcomes,
        vec![
            tijara_storefront::AdminOutcome::Created,
            tijara_storefront::AdminOutcome::Existing { is_admin: true }
        ]
    );
    assert_eq!(accounts(&a).await.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
