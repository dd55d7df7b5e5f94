//! `tijara-storefront`: the Dakhla handicraft marketplace on the Tijara engine.

use std::path::PathBuf;
use tijara_storefront::{CmiSettings, Settings};

/// jemalloc for every allocation of the process (feature `jemalloc`, on by default; its
/// unprefixed `malloc` serves SQLite too): 8 % fewer instructions per checkout than glibc's
/// allocator, for ~5 MiB more resident memory (`docs/benchmarks.md`, 2026-12-06 step 28).
#[cfg(all(feature = "jemalloc", target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The example storefront of the Tijara engine (web shop and JSON API).
#[derive(Debug, clap::Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "TIJARA_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Folder of the embedded SQLite database.
    #[arg(long, env = "TIJARA_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Database URL: `sqlite://file.db` (rusqlite), `sqlx+sqlite://file.db` (the same file through
    /// sqlx) or `postgres://user@host/db` (default: SQLite in --data-dir).
    #[arg(long, env = "TIJARA_DATABASE_URL")]
    database_url: Option<String>,
    /// The URL shoppers and CMI reach the storefront at (default: http://<bind>).
    #[arg(long, env = "TIJARA_PUBLIC_URL")]
    public_url: Option<String>,
    /// CMI client id (without it, card payments go to the built-in CMI simulator: demo mode).
    #[arg(long, env = "TIJARA_CMI_CLIENT_ID", requires = "cmi_store_key")]
    cmi_client_id: Option<String>,
    /// CMI store key (secret; never logged).
    #[arg(long, env = "TIJARA_CMI_STORE_KEY", hide_env_values = true)]
    cmi_store_key: Option<String>,
    /// Indicative euros per dirham, shown to shoppers abroad beside MAD prices (set it from
    /// your bank's daily rate; shoppers are always charged in MAD).
    #[arg(long, env = "TIJARA_EUR_PER_MAD", default_value = "0.092")]
    eur_per_mad: tijara_core::Decimal,
    /// Indicative US dollars per dirham, as above.
    #[arg(long, env = "TIJARA_USD_PER_MAD", default_value = "0.100")]
    usd_per_mad: tijara_core::Decimal,
    /// Region file (default: the built-in Dakhla – Oued Ed-Dahab region, equal to
    /// regions/dakhla-oued-ed-dahab.toml).
    #[arg(long, env = "TIJARA_REGION")]
    region: Option<PathBuf>,
    /// Demo mode on a public address: without CMI credentials the storefront starts only on
    /// a loopback --public-url unless this is given (anyone can "pay" in demo mode).
    #[arg(long, env = "TIJARA_DEMO")]
    demo: bool,
    /// A reverse proxy (TLS terminator, load balancer) in front of the storefront: an address
    /// or network (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`); repeat for several, or give them
    /// comma-separated in TIJARA_TRUSTED_PROXIES. From these peers only, the client's address is
    /// read from `X-Forwarded-For` (else `Forwarded: for=`): the rightmost entry that is not a
    /// trusted proxy. Default: this machine only (127.0.0.0/8 and ::1).
    #[arg(
        long = "trusted-proxy",
        env = "TIJARA_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<tijara_storefront::security::ProxyNet>,
    /// E-mail of the first admin, created at start when no account has it (an existing
    /// account is left as it is; a start never resets a password). The password is read from
    /// the environment variable TIJARA_ADMIN_PASSWORD only (at least 12 characters).
    #[arg(long, env = "TIJARA_ADMIN_EMAIL")]
    admin_email: Option<String>,
    /// The marketplace's bank account for transfers: the beneficiary (account holder). With
    /// --bank-name and --bank-rib (and, for payers abroad, --bank-iban and --bank-swift);
    /// required with CMI credentials. Without them (demo mode) a demo account is shown.
    #[arg(long, env = "TIJARA_BANK_BENEFICIARY")]
    bank_beneficiary: Option<String>,
    /// The bank's name.
    #[arg(long, env = "TIJARA_BANK_NAME")]
    bank_name: Option<String>,
    /// The 24-digit RIB (its key is checked).
    #[arg(long, env = "TIJARA_BANK_RIB")]
    bank_rib: Option<String>,
    /// The IBAN (MA + 2 check digits + the RIB), for payers abroad (its checksum is checked).
    #[arg(long, env = "TIJARA_BANK_IBAN")]
    bank_iban: Option<String>,
    /// The bank's SWIFT (BIC) code, for payers abroad.
    #[arg(long, env = "TIJARA_BANK_SWIFT")]
    bank_swift: Option<String>,
    /// SMTP relay for the shop's e-mails, lettre's URL form:
    /// `smtp://user:password@host:587?tls=required` (STARTTLS), `smtps://user:password@host:465`
    /// (TLS), `smtp://host:25` (local relay, no TLS). Without it, demo mode keeps e-mails in the
    /// demo mailbox (/admin/mailbox) and production sends none.
    #[arg(long, env = "TIJARA_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of the shop's e-mails.
    #[arg(
        long,
        env = "TIJARA_MAIL_FROM",
        default_value = "Artisanat de Dakhla <noreply@localhost>"
    )]
    mail_from: String,
    /// HTTP SMS gateway URL for the shopper's SMS (parcel steps...); the body is
    /// --sms-template, sent as JSON with the bearer token TIJARA_SMS_TOKEN if set.
    #[arg(long, env = "TIJARA_SMS_URL")]
    sms_url: Option<String>,
    /// The SMS gateway's JSON body, `{to}` and `{text}` replaced.
    #[arg(
        long,
        env = "TIJARA_SMS_TEMPLATE",
        default_value = r#"{"to": "{to}", "text": "{text}"}"#
    )]
    sms_template: String,
    /// CMI hosted page URL.
    #[arg(long, env = "TIJARA_CMI_GATEWAY_URL", default_value = tijara_pay_cmi::TEST_GATEWAY_URL)]
    cmi_gateway_url: String,
    /// Benchmarks only (demo mode): on an empty database, load the benchmark catalog of
    /// `benches/http` (5 sellers, 200 products `bench-000`…`bench-199` with one variant and
    /// 1,000,000 units each) instead of the demo marketplace.
    #[arg(long, env = "TIJARA_SEED_BENCHMARK")]
    seed_benchmark: bool,
    /// NATS server to relay every event to (JetStream, subjects `tijara.<region>.<kind>`),
    /// e.g. `nats://127.0.0.1:4222`; see docs/operations.md ("Events on NATS").
    #[arg(long, env = "TIJARA_NATS_URL", hide_env_values = true)]
    nats_url: Option<String>,
    /// The JetStream stream the relay creates if missing (subjects `tijara.<region>.>`).
    #[arg(long, env = "TIJARA_NATS_STREAM", default_value = "TIJARA")]
    nats_stream: String,
    /// How long housekeeping keeps idempotency records, done marks, delivered events and
    /// expired sessions.
    #[command(flatten)]
    retention: tijara_storefront::housekeeping::RetentionArgs,
    /// Benchmarks only (demo mode): on an empty database, load the search benchmark catalog
    /// (10,000 products in three languages, 20 sellers) instead of the demo marketplace.
    #[arg(long, env = "TIJARA_SEED_SEARCH_BENCHMARK")]
    seed_search_benchmark: bool,
    /// A TOML file of settings: every flag here, as `flag-name = value` (`bind = "0.0.0.0:8080"`,
    /// `trusted-proxy = ["10.0.0.0/8"]`). Flags and environment variables win over the file.
    #[arg(long, env = "TIJARA_CONFIG")]
    config: Option<PathBuf>,
    /// Log lines as text (for people) or JSON, one object a line (for log shippers).
    #[arg(long, env = "TIJARA_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
    /// Which log lines are written, RUST_LOG's syntax (`info`, `warn,tijara=debug`...);
    /// default: RUST_LOG, else info for Tijara and warnings for the rest.
    #[arg(long, env = "TIJARA_LOG")]
    log: Option<String>,
    /// Serve Prometheus metrics at http://ADDRESS/metrics (with /healthz and /readyz), on an
    /// address of its own, e.g. 127.0.0.1:9090; without it no metrics are kept.
    #[arg(long, env = "TIJARA_METRICS_BIND")]
    metrics_bind: Option<String>,
    /// Seconds given to requests in flight after SIGTERM or SIGINT (and again to background
    /// tasks and the database's queued writes) before the storefront stops anyway.
    #[arg(long, env = "TIJARA_SHUTDOWN_TIMEOUT", default_value = "30")]
    shutdown_timeout: u64,
    /// /readyz answers 503 when the oldest undelivered outbox event (e-mails, SMS, webhooks)
    /// is older than this many seconds.
    #[arg(long, env = "TIJARA_READY_OUTBOX_MAX_AGE", default_value = "600")]
    ready_outbox_max_age: u64,
}

/// The form of the log lines.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    /// Text, one line per event.
    Text,
    /// JSON, one object per line.
    Json,
}

/// The arguments: the command line and the environment, then the configuration file for the
/// flags neither gives.
fn parse_args() -> Args {
    use clap::{CommandFactory, FromArgMatches, parser::ValueSource};
    let cmd = Args::command();
    let matches = cmd.clone().get_matches();
    let Some(path) = matches.get_one::<PathBuf>("config").cloned() else {
        return Args::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    };
    let given = |id: &str| {
        matches!(
            matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    };
    let from_file = match tijara_storefront::config_file::read_args(&cmd, &path, given) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("tijara-storefront cannot start: {e}");
            std::process::exit(2);
        }
    };
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().take(1).collect();
    argv.extend(from_file.args.iter().map(Into::into));
    argv.extend(std::env::args_os().skip(1));
    match cmd
        .try_get_matches_from(argv)
        .and_then(|m| Args::from_arg_matches(&m))
    {
        Ok(args) => args,
        // A value of the file: said with its line.
        Err(e) => match from_file.blame(&e) {
            Some(why) => {
                eprintln!("tijara-storefront cannot start: {why}");
                std::process::exit(2);
            }
            None => e.exit(),
        },
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args = parse_args();
    // Logs go to standard error, filtered like RUST_LOG (--log, else RUST_LOG, else info for
    // Tijara and warn for the rest); security events use the `security` target, storage
    // faults `storage`, payment notifications `payments`, outside calls `gateway` and
    // `carrier`, deliveries `messages`, requests `http`.
    let filter = match &args.log {
        Some(f) => tracing_subscriber::EnvFilter::try_new(f).unwrap_or_else(|e| {
            eprintln!("tijara-storefront cannot start: --log {f:?}: {e} (RUST_LOG's syntax: `info`, `warn,tijara=debug`)");
            std::process::exit(2);
        }),
        None => tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(tijara_storefront::ops::DEFAULT_LOG)),
    };
    tijara_storefront::ops::install_logs(filter, matches!(args.log_format, LogFormat::Json));
    // A production build (`--no-default-features`) has no demo mode to fall back on.
    #[cfg(not(feature = "demo"))]
    if args.cmi_client_id.is_none() || args.cmi_store_key.is_none() {
        eprintln!("{}", tijara_storefront::NO_DEMO_MESSAGE);
        std::process::exit(2);
    }
    if let Err(why) = tijara_storefront::check_demo_start(
        args.public_url.as_deref(),
        &args.bind,
        args.cmi_client_id.is_some() && args.cmi_store_key.is_some(),
        args.demo,
    ) {
        eprintln!("{why}");
        std::process::exit(2);
    }
    // The password comes from the environment only: a command-line argument is visible to
    // every user of the machine in the process list.
    let admin_password = std::env::var(tijara_storefront::bootstrap::ADMIN_PASSWORD_ENV).ok();
    let admin = match tijara_storefront::AdminBootstrap::from_settings(
        args.admin_email.as_deref(),
        admin_password.as_deref(),
    ) {
        Ok(admin) => admin,
        Err(why) => {
            eprintln!("tijara-storefront cannot start: {why}");
            std::process::exit(2);
        }
    };
    drop(admin_password);
    let (region, carriers, region_bank) = match &args.region {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let file = tijara::region_file::parse_region(&text)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let base = path.parent().unwrap_or(std::path::Path::new("."));
            let carriers = file
                .rate_cards
                .iter()
                .map(|name| tijara_carrier_table::TableCarrier::from_region_entry(name, base))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{}: {e}", path.display()))?;
            (Some(file.region), carriers, file.bank_account)
        }
        None => (None, Vec::new(), None),
    };
    let settings = Settings {
        region,
        carriers,
        bind: args.bind.clone(),
        data_dir: args.data_dir,
        database_url: args.database_url,
        public_url: args.public_url,
        cmi: match (args.cmi_client_id, args.cmi_store_key) {
            (Some(client_id), Some(store_key)) => Some(CmiSettings {
                client_id,
                store_key,
                gateway_url: args.cmi_gateway_url,
            }),
            _ => None,
        },
        display_rates: tijara_storefront::indicative_rates(args.eur_per_mad, args.usd_per_mad),
    };
    // The region file's `[bank_account]`, each field overridden by its --bank-* flag.
    let bank = match tijara_storefront::bank_from_region_and_flags(
        region_bank.as_ref(),
        args.bank_beneficiary.as_deref(),
        args.bank_name.as_deref(),
        args.bank_rib.as_deref(),
        args.bank_iban.as_deref(),
        args.bank_swift.as_deref(),
    ) {
        Ok(bank) => bank,
        Err(why) => {
            eprintln!("tijara-storefront cannot start: the bank account: {why}");
            std::process::exit(2);
        }
    };
    // Real card payments mean a real shop: its transfers must go to its own account.
    if bank.is_none() && settings.cmi.is_some() {
        eprintln!(
            "tijara-storefront cannot start: give the marketplace's bank account for transfers: \
             [bank_account] in the region file, or --bank-beneficiary, --bank-name and \
             --bank-rib (TIJARA_BANK_BENEFICIARY, TIJARA_BANK_NAME, TIJARA_BANK_RIB), and for \
             payers abroad --bank-iban and --bank-swift"
        );
        std::process::exit(2);
    }
    // Events to NATS JetStream, beside the notifications.
    let relay = match &args.nats_url {
        Some(url) => {
            let code = settings
                .region
                .as_ref()
                .map_or_else(|| tijara_core::Region::dakhla().code, |r| r.code.clone());
            let relay = match tijara_events_nats::NatsRelay::connect(url, &code).await {
                Ok(relay) => relay,
                Err(e) => {
                    eprintln!("tijara-storefront cannot start: --nats-url: {e}");
                    std::process::exit(1);
                }
            };
            if let Err(e) = relay
                .ensure_stream(&args.nats_stream, std::time::Duration::from_secs(3600))
                .await
            {
                eprintln!("tijara-storefront cannot start: --nats-stream: {e}");
                std::process::exit(1);
            }
            Some(relay)
        }
        None => None,
    };
    let built = tijara_storefront::build_with_sinks(&settings, bank, move |storage| {
        relay
            .map(|r| {
                std::sync::Arc::new(r.with_storage(storage))
                    as std::sync::Arc<dyn tijara::ports::runtime::EventSink>
            })
            .into_iter()
            .collect()
    })
    .await;
    let mut app = match built {
        Ok(app) => app,
        Err(e) => {
            // Said plainly (a read-only data folder or database, an unreachable server...).
            tracing::error!(error = %e, "cannot start");
            eprintln!("tijara-storefront cannot start: {e}");
            std::process::exit(1);
        }
    };
    if args.trusted_proxies.is_empty() {
        if app.public_url.starts_with("https://") {
            // HTTPS means a TLS proxy in front: if it is not on this machine, every shopper
            // would be that proxy's address to the login throttles and the unpaid-order limit.
            tracing::warn!(target: "security", public_url = %app.public_url, "the public URL is https but no --trusted-proxy is set: only a proxy on this machine (127.0.0.0/8, ::1) is trusted to name the client; set --trusted-proxy (TIJARA_TRUSTED_PROXIES) to your TLS proxy's address, or every client behind it shares one address's login throttle and unpaid-order limit");
        }
    } else {
        app.trusted_proxies = std::sync::Arc::from(args.trusted_proxies.as_slice());
    }
    if let Some(url) = &args.smtp_url
        && let Err(e) = app.messages.use_smtp(url, &args.mail_from)
    {
        eprintln!("tijara-storefront cannot start: --smtp-url: {e}");
        std::process::exit(2);
    }
    if let Some(url) = &args.sms_url {
        // The token comes from the environment only (the process list shows arguments).
        let token = std::env::var("TIJARA_SMS_TOKEN").ok();
        if let Err(e) = app.messages.use_sms(url, &args.sms_template, token) {
            eprintln!("tijara-storefront cannot start: --sms-url: {e}");
            std::process::exit(2);
        }
    }
    if app.messages.mailbox().is_some() {
        println!(
            "Demo mode without --smtp-url: e-mails go to the demo mailbox at {}/admin/mailbox.",
            app.public_url
        );
    } else if !app.messages.sends_email() {
        tracing::warn!(target: "messages", "no --smtp-url: no e-mail is sent (order confirmations, password resets)");
    }
    // Metrics only with an address to serve them on (recording costs a little per request).
    let metrics_listener = match &args.metrics_bind {
        Some(addr) => {
            app.ops.metrics = tijara_storefront::ops::Metrics::install();
            match tokio::net::TcpListener::bind(addr).await {
                Ok(l) => Some(l),
                Err(e) => {
                    eprintln!("tijara-storefront cannot start: --metrics-bind {addr}: {e}");
                    std::process::exit(2);
                }
            }
        }
        None => None,
    };
    app.ops.outbox_max_age = std::time::Duration::from_secs(args.ready_outbox_max_age);
    let shutdown = app.ops.shutdown.clone();
    let mut background = Vec::new();
    // Order, payment, parcel and return messages leave from the outbox every few seconds.
    background.push(tokio::spawn(
        tijara_storefront::messages::run_dispatcher_until(
            app.engine.clone(),
            std::time::Duration::from_secs(5),
            shutdown.wait(),
        ),
    ));
    if args.seed_search_benchmark {
        if app.simulator.is_none() {
            eprintln!(
                "tijara-storefront cannot start: --seed-search-benchmark is for benchmarks in demo \
                 mode; remove it (or the CMI credentials)"
            );
            std::process::exit(2);
        }
        match tijara_storefront::seed::seed_search_benchmark_if_empty(&app.engine).await {
            Ok(true) => println!("Loaded the search benchmark catalog (10,000 products)."),
            Ok(false) => {}
            Err(e) => {
                eprintln!("tijara-storefront cannot start: the search benchmark catalog: {e}");
                std::process::exit(1);
            }
        }
    }
    if args.seed_benchmark {
        // The benchmark catalog replaces the demo marketplace; never in a real shop.
        if app.simulator.is_none() {
            eprintln!(
                "tijara-storefront cannot start: --seed-benchmark is for benchmarks in demo mode; \
                 remove it (or the CMI credentials)"
            );
            std::process::exit(2);
        }
        match tijara_storefront::seed::seed_benchmark_if_empty(&app.engine).await {
            Ok(true) => println!("Loaded the benchmark catalog (5 sellers, 200 products)."),
            Ok(false) => {}
            Err(e) => {
                eprintln!("tijara-storefront cannot start: the benchmark catalog: {e}");
                std::process::exit(1);
            }
        }
    }
    let prepared = match tijara_storefront::prepare(&app, admin.as_ref()).await {
        Ok(prepared) => prepared,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            eprintln!("tijara-storefront cannot start: {e}");
            std::process::exit(1);
        }
    };
    let admin_email = admin.map(|a| a.email().to_owned()).unwrap_or_default();
    // The demo passwords are printed once, by the start that created the demo accounts; later
    // starts do not repeat them (logs and terminals are often kept or shared).
    if prepared.demo_seeded {
        println!("Loaded the demo marketplace (8 sellers, 40 products).");
        println!("Demo logins (log in at {}/account/login):", app.public_url);
        for (role, email, password) in tijara_storefront::seed::demo_accounts() {
            println!("  {role:<9} {email:<26} {password}");
        }
    }
    match prepared.admin {
        tijara_storefront::AdminOutcome::NotAsked => {}
        tijara_storefront::AdminOutcome::Created => println!(
            "Created the admin account {admin_email} (password from TIJARA_ADMIN_PASSWORD); \
             log in at {}/account/login.",
            app.public_url
        ),
        tijara_storefront::AdminOutcome::Existing { is_admin: true } => {
            tracing::info!("the --admin-email account exists: left as it is");
        }
        tijara_storefront::AdminOutcome::Existing { is_admin: false } => {
            tracing::warn!(target: "security", "the --admin-email account exists but is not an admin: left as it is (no admin created)");
        }
    }
    if prepared.no_accounts {
        println!("{}", tijara_storefront::bootstrap::FIRST_ADMIN_HINT);
    }
    if app.simulator.is_none() && tijara_storefront::web::operator_is_demo() {
        tracing::warn!(
            "the legal pages show demonstration details for the marketplace's operator: set TIJARA_OPERATOR_NAME, TIJARA_OPERATOR_ADDRESS, TIJARA_OPERATOR_ICE, TIJARA_OPERATOR_RC, TIJARA_OPERATOR_EMAIL, TIJARA_OPERATOR_PHONE and TIJARA_CNDP_DECLARATION (docs/storefront.md)"
        );
    }
    for email in &prepared.public_demo_logins {
        tracing::warn!(target: "security", %email, "a demo login with its published password is in this production database: anyone can log in with it; start production on a new, empty database (this one holds the demo marketplace too)");
    }
    #[cfg(feature = "demo")]
    if let Some(sim) = &app.simulator {
        println!(
            "Demo mode: card payments go to the CMI simulator at {} (test card 4000000000000010).",
            sim.base_url
        );
        if !tijara_storefront::is_loopback_url(&app.public_url) {
            tracing::warn!(target: "security", public_url = %app.public_url, "demo mode on a public address (--demo): anyone can pay without a card");
        }
    }
    // Throttles, abandoned checkouts, reminders and the retention purge; safe in every process,
    // stopped between rounds at shutdown.
    background.push(tokio::spawn(tijara_storefront::housekeeping::run_until(
        app.engine.clone(),
        args.retention.clone(),
        shutdown.wait(),
    )));
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    if let Some(l) = metrics_listener {
        let metrics_app = tijara_storefront::ops::metrics_router(app.clone());
        let stop = shutdown.wait();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(l, metrics_app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::warn!(error = %e, "the metrics listener stopped");
            }
        });
    }
    // SIGTERM or SIGINT: /readyz says 503, no new connections, requests in flight finish.
    let on_signal = shutdown.clone();
    tokio::spawn(async move {
        let name = tijara_storefront::ops::signal().await;
        tracing::info!(
            signal = name,
            "shutting down: finishing the requests in flight"
        );
        on_signal.begin();
    });
    println!("Tijara storefront on {}", app.public_url);
    let deadline = std::time::Duration::from_secs(args.shutdown_timeout);
    // The peer address reaches the handlers, so logins are throttled per client address.
    let serve = axum::serve(
        listener,
        tijara_storefront::router(app.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.wait());
    let late = shutdown.wait();
    tokio::select! {
        served = std::future::IntoFuture::into_future(serve) => served?,
        () = async move {
            late.await;
            tokio::time::sleep(deadline).await;
        } => {
            tracing::warn!(seconds = args.shutdown_timeout, "requests still in flight at the shutdown deadline: stopped");
        }
    }
    // Stops the background tasks (no-op when the server ended without a signal) and waits for
    // the database's queued writes.
    shutdown.begin();
    tijara_storefront::ops::drain(&app, background, deadline).await;
    tracing::info!("stopped");
    Ok(())
}
