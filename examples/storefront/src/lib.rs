//! The example storefront of the Dakhla handicraft marketplace, on the Tijara engine: a web
//! shop (Arabic, French, English; right to left in Arabic; no JavaScript needed) and the JSON
//! API of the headless part, on embedded SQLite by default.
//!
//! Card payments go to CMI; without CMI credentials the storefront runs in demo mode with the
//! CMI simulator from `tijara-testkit` on loopback (the `demo` feature, on by default; built
//! without it, `--no-default-features --features jemalloc`, it needs CMI credentials). Cash
//! on delivery, bank transfer and the sample Amana and CTM rate cards work as in production.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Handlers return early with a ready `Response` as the error of small helpers (`Result<_, Response>`);
// boxing it would only add noise to every call site.
#![allow(clippy::result_large_err)]

pub mod account;
pub mod account_reset;
pub mod admin;
pub mod api;
pub mod auth;
pub mod bootstrap;
pub mod config_file;
pub mod cookies;
pub mod ctx;
pub mod housekeeping;
pub mod mailbox;
pub mod media;
pub mod messages;
pub mod openapi;
pub mod ops;
pub mod portal;
pub mod security;
pub mod seed;
pub mod seller_api;
pub mod startup;
pub mod web;

pub use bootstrap::{AdminBootstrap, AdminOutcome, BootstrapError, Prepared, prepare};

use std::path::PathBuf;
use std::sync::Arc;
use tijara::Tijara;
use tijara_carrier_table::{AMANA_SAMPLE, CTM_SAMPLE, TableCarrier};
use tijara_pay_cmi::{CmiConfig, CmiGateway};
pub use tijara_pay_offline::BankDetails;
use tijara_pay_offline::{BankTransfer, CashOnDelivery};

/// CMI credentials for production.
#[derive(Debug, Clone)]
pub struct CmiSettings {
    /// `clientid`.
    pub client_id: String,
    /// Store key (secret).
    pub store_key: String,
    /// Hosted page URL.
    pub gateway_url: String,
}

/// How the storefront starts.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on.
    pub bind: String,
    /// Folder of the SQLite database.
    pub data_dir: PathBuf,
    /// Database URL (default: SQLite in `data_dir`).
    pub database_url: Option<String>,
    /// The URL shoppers and CMI reach the storefront at (default: `http://{bind}`).
    pub public_url: Option<String>,
    /// CMI credentials; `None` runs the CMI simulator (demo mode).
    pub cmi: Option<CmiSettings>,
    /// Indicative exchange rates shown to shoppers abroad (they are charged in MAD).
    pub display_rates: Vec<tijara_core::region::DisplayRate>,
    /// The region (default: the built-in Dakhla – Oued Ed-Dahab region); see
    /// `tijara::region_file` to load one from a file.
    pub region: Option<tijara_core::Region>,
    /// The rate-card carriers shoppers choose from (empty: the sample Amana and CTM
    /// Messagerie cards); the binary loads those a region file names in `rate_cards`.
    pub carriers: Vec<TableCarrier>,
}

/// Indicative rates (units of EUR and USD per dirham) dated now.
pub fn indicative_rates(
    eur_per_mad: tijara_core::Decimal,
    usd_per_mad: tijara_core::Decimal,
) -> Vec<tijara_core::region::DisplayRate> {
    let as_of = tijara_core::chrono::Utc::now();
    vec![
        tijara_core::region::DisplayRate {
            to: tijara_core::Currency::EUR,
            rate: eur_per_mad,
            as_of,
        },
        tijara_core::region::DisplayRate {
            to: tijara_core::Currency::USD,
            rate: usd_per_mad,
            as_of,
        },
    ]
}

/// The file of the data folder holding the demo mode's CMI store key.
pub const DEMO_KEY_FILE: &str = "demo-cmi-store-key";

/// The demo mode's CMI store key of a data folder: generated at random on first use (32 random
/// bytes, hex) into [`DEMO_KEY_FILE`] with owner-only permissions (0600), read back afterwards.
/// Never logged.
///
/// A key is made only when the file does not exist. It is written whole to a file of its own,
/// then published with a hard link, which fails when the key file exists: of processes starting
/// together on a new folder one wins, and every one reads the winner's key back, so all run with
/// the key on disk. Any other read failure (permissions, a file that is not UTF-8 or holds fewer
/// than 32 characters) is an error naming the file, never a reason to write over it.
pub fn demo_store_key(data_dir: &std::path::Path) -> std::io::Result<String> {
    secret_file(data_dir, DEMO_KEY_FILE)
}

/// The file of the data folder holding the key of the e-mail tags in security log lines.
pub const LOG_KEY_FILE: &str = "log-tag-key";

/// The installation's key for the e-mail tags of security log lines (HMAC-SHA256, see
/// `tijara::EngineConfig::log_key`): kept in [`LOG_KEY_FILE`] like the demo key, so one
/// e-mail has one tag across restarts, and a log cannot be matched against a list of e-mails
/// without the data folder.
pub fn log_key(data_dir: &std::path::Path) -> std::io::Result<tijara::usecases::accounts::LogKey> {
    use sha2::Digest;
    let text = secret_file(data_dir, LOG_KEY_FILE)?;
    Ok(tijara::usecases::accounts::LogKey::from_bytes(
        sha2::Sha256::digest(text.as_bytes()).into(),
    ))
}

/// A secret of the data folder: 32 random bytes, hex, generated on first use into `file`
/// with owner-only permissions (0600), read back afterwards.
fn secret_file(data_dir: &std::path::Path, file: &str) -> std::io::Result<String> {
    use std::io::Write;
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join(file);
    if let Some(key) = read_demo_key(&path)? {
        return Ok(key);
    }
    let mut bytes = [0u8; 48];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    let key = hex::encode(&bytes[..32]);
    let tmp_name = hex::encode(&bytes[32..]);
    // Written whole to a file of its own, then published with a hard link (below).
    let tmp = data_dir.join(format!(".{file}.{tmp_name}"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(key.as_bytes())?;
        file.sync_all()
    });
    // Published whole, and only if no key is there yet (a concurrent first start's may be).
    let linked = written.and_then(|()| match std::fs::hard_link(&tmp, &path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        r => r,
    });
    let _ = std::fs::remove_file(&tmp);
    linked.map_err(|e| with_path(&path, e))?;
    read_demo_key(&path)?.ok_or_else(|| {
        with_path(
            &path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "the key vanished"),
        )
    })
}

/// The secret key in `path`: `None` when there is no such file; an error for any other failure.
fn read_demo_key(path: &std::path::Path) -> std::io::Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(with_path(path, e)),
    };
    let key = text.trim();
    if key.len() < 32 {
        return Err(with_path(
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "holds no key (fewer than 32 characters); remove it to make a new key",
            ),
        ));
    }
    #[cfg(unix)]
    {
        // A copy restored with wider permissions is narrowed again.
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(Some(key.to_owned()))
}

fn with_path(path: &std::path::Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// True when `url` (`http://host:port/...`) names this machine only: `localhost`, an address
/// in 127.0.0.0/8 or `::1`.
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The start rule of demo mode (no CMI credentials: card payments go to the built-in
/// simulator, anyone can pay without a card). Demo mode starts on its own only when the
/// storefront listens on loopback only (`bind`) and is reached on loopback (`public_url`, else
/// `http://{bind}`): a loopback `--public-url` does not make `--bind 0.0.0.0:8080` private.
/// Anywhere else it needs `demo` (`--demo`) said explicitly. With CMI credentials there is no
/// demo mode.
pub fn check_demo_start(
    public_url: Option<&str>,
    bind: &str,
    cmi_configured: bool,
    demo: bool,
) -> Result<(), String> {
    if cmi_configured || demo {
        return Ok(());
    }
    let listen = format!("http://{bind}");
    let url = public_url.map_or_else(|| listen.clone(), str::to_owned);
    if is_loopback_url(&listen) && is_loopback_url(&url) {
        return Ok(());
    }
    // Name what is public: the listening address when it is, else the public URL.
    let url = if is_loopback_url(&listen) {
        url
    } else {
        listen
    };
    Err(format!(
        "refusing to start in demo mode at {url}: without CMI credentials card payments go to \
         the built-in simulator, where anyone can pay without a card. Give \
         --cmi-client-id and --cmi-store-key (TIJARA_CMI_CLIENT_ID, TIJARA_CMI_STORE_KEY) \
         for real payments, or --demo (TIJARA_DEMO=true) to run the demo on a public address \
         anyway."
    ))
}

/// The running application's state: one reference-counted [`AppParts`].
///
/// Cloned many times per request (each middleware layer and handler of a route holds its own
/// copy), so a clone is one reference count, not one per part (ten reference counts and
/// their drops were ~1 % of the server's instructions per HTTP checkout: `docs/benchmarks.md`,
/// step 23). The parts are read and set through it (`app.engine`, `app.ops.metrics = …`
/// before serving: a part set on a shared `App` is set on a copy of the parts, not on the
/// others'); [`App::into_parts`] and `App::from` take them apart and back.
/// [`App::headless`] makes one for the JSON API alone.
#[derive(Clone)]
pub struct App(Arc<AppParts>);

impl std::ops::Deref for App {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// Changes a part of this `App` alone: the parts are copied first when another `App` shares
/// them (copy on write, [`Arc::make_mut`]); meant for setting up before serving.
impl std::ops::DerefMut for App {
    fn deref_mut(&mut self) -> &mut AppParts {
        Arc::make_mut(&mut self.0)
    }
}

impl From<AppParts> for App {
    fn from(parts: AppParts) -> App {
        App(Arc::new(parts))
    }
}

impl App {
    /// The parts, to change some before serving: moved out when this is the only `App` of
    /// them, else cloned (each part is reference-counted).
    pub fn into_parts(self) -> AppParts {
        Arc::unwrap_or_clone(self.0)
    }

    /// The state of the JSON API alone on `engine` (no pages, no demo mode: no simulator, no
    /// payment page), reached at `public_url`: the demo bank account, no messages sent, the
    /// default proxies and operations, the system's temporary folder as data folder. For
    /// [`api_router`] (`examples/headless-api`) and benchmarks.
    pub fn headless(engine: Tijara, public_url: impl Into<Arc<str>>) -> App {
        App::from(AppParts {
            engine,
            public_url: public_url.into(),
            simulator: None,
            data_dir: std::env::temp_dir().into(),
            payment_page: None,
            trusted_proxies: security::default_trusted_proxies(),
            bank: Arc::new(BankDetails::demo()),
            messages: messages::Messages::new(false),
            ops: ops::Ops::default(),
        })
    }
}

/// What the running application holds ([`App`]): each part is cheap to clone (reference-counted
/// or a plain value, never an owned string), so [`App::into_parts`] of a shared `App` and a
/// part set on one are cheap too.
#[derive(Clone)]
pub struct AppParts {
    /// The engine.
    pub engine: Tijara,
    /// Where the storefront is reached.
    pub public_url: Arc<str>,
    /// The CMI simulator in demo mode.
    pub simulator: Option<Arc<DemoSimulator>>,
    /// The data folder (uploaded photos live in its `media/`).
    pub data_dir: Arc<std::path::Path>,
    /// The card payment page the checkout form posts to (CMI's hosted page, or the
    /// simulator's): the Content-Security-Policy allows forms to go there.
    pub payment_page: Option<Arc<str>>,
    /// The reverse proxies whose `X-Forwarded-For` / `Forwarded` headers name the client
    /// (`--trusted-proxy`; default [`security::default_trusted_proxies`], this machine only).
    /// From any other peer those headers are ignored.
    pub trusted_proxies: Arc<[security::ProxyNet]>,
    /// The marketplace's bank account, shown on bank-transfer orders (the demo account unless
    /// one is configured: [`build_with_bank`]).
    pub bank: Arc<BankDetails>,
    /// The messages the shop sends (e-mail, SMS; the demo mailbox in demo mode without SMTP);
    /// see [`messages`].
    pub messages: messages::Messages,
    /// Metrics, readiness and shutdown ([`ops`]).
    pub ops: ops::Ops,
}

/// Demo mode's CMI simulator: `tijara_testkit::cmi_sim::CmiSimulator` with the `demo` feature
/// (the default).
#[cfg(feature = "demo")]
pub type DemoSimulator = tijara_testkit::cmi_sim::CmiSimulator;

/// Demo mode's CMI simulator: built without the `demo` feature there is none, so this type has
/// no values and [`AppParts::simulator`] is always `None`.
#[cfg(not(feature = "demo"))]
#[derive(Debug, Clone)]
pub enum DemoSimulator {}

/// Why a storefront built without the `demo` feature (`--no-default-features`) refuses to start
/// without CMI credentials: it has no simulator to send card payments to.
pub const NO_DEMO_MESSAGE: &str = "built without the demo feature: pass --cmi-client-id and \
     --cmi-store-key (TIJARA_CMI_CLIENT_ID, TIJARA_CMI_STORE_KEY) for real card payments, or \
     build with the default features for demo mode";

/// Demo mode's card payments (no CMI credentials): the CMI simulator started on loopback, and
/// a gateway configuration pointing at it, sharing the data folder's demo key.
#[cfg(feature = "demo")]
async fn demo_cmi(
    data_dir: &std::path::Path,
    public_url: &str,
) -> Result<(CmiConfig, Option<DemoSimulator>), Box<dyn std::error::Error + Send + Sync>> {
    // The simulator and the gateway share a key of this data folder only: a key in the
    // source would let anyone sign "paid" callbacks.
    let key = demo_store_key(data_dir)?;
    let sim = tijara_testkit::cmi_sim::CmiSimulator::start("600000001", &key).await?;
    let mut config = CmiConfig::test("600000001", &key, public_url);
    config.gateway_url = sim.gateway_url();
    Ok((config, Some(sim)))
}

/// Built without the `demo` feature: no demo mode, [`NO_DEMO_MESSAGE`].
#[cfg(not(feature = "demo"))]
async fn demo_cmi(
    _data_dir: &std::path::Path,
    _public_url: &str,
) -> Result<(CmiConfig, Option<DemoSimulator>), Box<dyn std::error::Error + Send + Sync>> {
    Err(NO_DEMO_MESSAGE.into())
}

/// The engine's timer on tokio: duplicates of a gateway or carrier call wait for the first
/// answer (up to `EngineConfig::idempotency_wait`) instead of being refused at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl tijara::ports::runtime::Sleeper for TokioSleeper {
    fn sleep(
        &self,
        duration: std::time::Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Runs an engine call that reaches a payment gateway or a carrier (capture, void, refund,
/// ship, cancel a shipment, COD remittance) on a task of its own. Axum drops a handler's future
/// when the client disconnects: dropped mid-way, the call would leave its idempotency claim
/// held until it lapses (every retry meanwhile a 409) and its outcome at the outside service
/// unrecorded. A spawned task runs to the end, records the answer and releases the claim, so
/// the client's retry gets that answer.
pub async fn detached<T, F>(call: F) -> Result<T, tijara::TijaraError>
where
    T: Send + 'static,
    F: std::future::Future<Output = Result<T, tijara::TijaraError>> + Send + 'static,
{
    use tracing::Instrument;
    // In the request's span, so its log lines carry the request id.
    match tokio::spawn(call.in_current_span()).await {
        Ok(answer) => answer,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only when the runtime shuts down: the call's outcome is unknown, a retry finds out.
        Err(_) => Err(tijara::TijaraError::IdempotencyInProgress {
            key: "(shutting down)".into(),
        }),
    }
}

/// Builds the engine and its adapters from the settings (and starts the CMI simulator in demo
/// mode; built without the `demo` feature, settings without CMI credentials are refused with
/// [`NO_DEMO_MESSAGE`]). Bank transfers go to the demo account ([`BankDetails::demo`]); see
/// [`build_with_bank`] for the marketplace's own.
pub async fn build(settings: &Settings) -> Result<App, Box<dyn std::error::Error + Send + Sync>> {
    build_with_bank(settings, None).await
}

/// The marketplace's bank account from its settings (`--bank-beneficiary`, `--bank-name`,
/// `--bank-rib`, `--bank-iban`, `--bank-swift`; TIJARA_BANK_*), checked: the RIB with its
/// key, the IBAN with its checksum. `Ok(None)` when none is given (the demo account is then
/// used); a partial account (a name without a RIB...) is refused.
pub fn bank_from_settings(
    beneficiary: Option<&str>,
    bank: Option<&str>,
    rib: Option<&str>,
    iban: Option<&str>,
    swift: Option<&str>,
) -> Result<Option<BankDetails>, tijara_pay_offline::BankDetailsError> {
    if [beneficiary, bank, rib, iban, swift]
        .iter()
        .all(|v| v.is_none_or(|v| v.trim().is_empty()))
    {
        return Ok(None);
    }
    BankDetails::new(
        beneficiary.unwrap_or_default(),
        bank.unwrap_or_default(),
        rib.unwrap_or_default(),
        iban,
        swift,
    )
    .map(Some)
}

/// The marketplace's bank account from the region file's `[bank_account]` (`region`), each
/// field replaced by its `--bank-*` flag when given (a blank flag counts as not given), then
/// checked as [`bank_from_settings`] does (the RIB's key, the IBAN's checksum). `Ok(None)` when
/// neither gives anything.
///
/// ```
/// # fn demo(region: &tijara::region_file::RegionBankAccount) {
/// // The region's account, with another SWIFT code.
/// let bank = tijara_storefront::bank_from_region_and_flags(
///     Some(region), None, None, None, None, Some("BCMAMAMC"),
/// );
/// # }
/// ```
pub fn bank_from_region_and_flags(
    region: Option<&tijara::region_file::RegionBankAccount>,
    beneficiary: Option<&str>,
    bank: Option<&str>,
    rib: Option<&str>,
    iban: Option<&str>,
    swift: Option<&str>,
) -> Result<Option<BankDetails>, tijara_pay_offline::BankDetailsError> {
    let pick = |flag: Option<&str>, file: Option<&str>| -> Option<String> {
        flag.filter(|v| !v.trim().is_empty())
            .or(file)
            .map(str::to_owned)
    };
    let r = region;
    let beneficiary = pick(beneficiary, r.map(|a| a.beneficiary.as_str()));
    let bank = pick(bank, r.map(|a| a.bank.as_str()));
    let rib = pick(rib, r.map(|a| a.rib.as_str()));
    let iban = pick(iban, r.and_then(|a| a.iban.as_deref()));
    let swift = pick(swift, r.and_then(|a| a.swift.as_deref()));
    bank_from_settings(
        beneficiary.as_deref(),
        bank.as_deref(),
        rib.as_deref(),
        iban.as_deref(),
        swift.as_deref(),
    )
}

/// The `sqlite://` URL of the database file `path`, its `%`, `?` and `#` escaped (the adapters
/// percent-decode a URL's path, so a data folder named `shop%41` stays that folder).
///
/// ```
/// assert_eq!(
///     tijara_storefront::sqlite_url(std::path::Path::new("/srv/shop%41 #1?/tijara.db")),
///     "sqlite:///srv/shop%2541 %231%3F/tijara.db"
/// );
/// ```
pub fn sqlite_url(path: &std::path::Path) -> String {
    const ESCAPED: &percent_encoding::AsciiSet =
        &percent_encoding::CONTROLS.add(b'%').add(b'?').add(b'#');
    let path = path.to_string_lossy();
    format!(
        "sqlite://{}",
        percent_encoding::utf8_percent_encode(&path, ESCAPED)
    )
}

/// Opens the database of `url`, the adapter chosen by its scheme:
/// - `sqlite://…`, `sqlite:…` or a plain path: SQLite through `tijara-store-sqlite` (rusqlite:
///   one writer thread with group commit, one hop per storage call; the embedded default);
/// - `sqlx+sqlite://…`: the same database through `tijara-store-sqlx`'s SQLite adapter (the
///   former default; both adapters open each other's databases);
/// - `postgres://…` / `postgresql://…`: PostgreSQL through `tijara-store-sqlx`.
pub async fn connect_storage(
    url: &str,
) -> Result<Arc<dyn tijara::ports::storage::Storage>, tijara::ports::storage::StorageError> {
    if let Some(rest) = url.strip_prefix("sqlx+") {
        return tijara_store_sqlx::connect(rest).await;
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return tijara_store_sqlx::connect(url).await;
    }
    tijara_store_sqlite::connect(url).await
}

/// [`build`] with the marketplace's bank account for transfers (`None`: the clearly labelled
/// demo account).
pub async fn build_with_bank(
    settings: &Settings,
    bank: Option<BankDetails>,
) -> Result<App, Box<dyn std::error::Error + Send + Sync>> {
    build_with_sinks(settings, bank, |_| Vec::new()).await
}

/// [`build_with_bank`] with more event sinks, made by `extra` from the engine's storage: the
/// outbox dispatch delivers every event to the notifications and to each of them.
pub async fn build_with_sinks(
    settings: &Settings,
    bank: Option<BankDetails>,
    extra: impl FnOnce(
        Arc<dyn tijara::ports::storage::Storage>,
    ) -> Vec<Arc<dyn tijara::ports::runtime::EventSink>>,
) -> Result<App, Box<dyn std::error::Error + Send + Sync>> {
    let url = match &settings.database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&settings.data_dir)?;
            startup::check_folder(&settings.data_dir)?;
            sqlite_url(&settings.data_dir.join("tijara.db"))
        }
    };
    let storage = connect_storage(&url).await?;
    // A read-only database would fail every cart and order: refuse to start, and say why.
    startup::check_database(&storage, &url).await?;
    let public_url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", settings.bind));
    let (cmi, simulator): (CmiConfig, _) = match &settings.cmi {
        Some(c) => {
            let mut config = CmiConfig::test(&c.client_id, &c.store_key, &public_url);
            config.gateway_url = c.gateway_url.clone();
            (config, None)
        }
        None => demo_cmi(&settings.data_dir, &public_url).await?,
    };
    let cmi_gateway = cmi.gateway_url.clone();
    let region = settings
        .region
        .clone()
        .unwrap_or_else(tijara_core::Region::dakhla);
    crate::web::learn_languages(&region);
    let bank = Arc::new(bank.unwrap_or_else(BankDetails::demo));
    let transfer = BankTransfer::with_details(
        (*bank).clone(),
        // The shopper is told the region's hold: unpaid by then, the order is cancelled.
        u16::try_from(region.transfer_hold_hours / 24)
            .unwrap_or(u16::MAX)
            .max(1),
    );
    // Messages: the outbox's notification sink reads through a second engine on the same
    // storage (see `messages::sink`).
    let messages = messages::Messages::new(simulator.is_some());
    // The region's carriers (the samples when none is configured), for both engines: the
    // sink's links a parcel's message to its carrier's tracking page.
    let carriers: Vec<Arc<TableCarrier>> = if settings.carriers.is_empty() {
        vec![
            Arc::new(TableCarrier::from_toml(AMANA_SAMPLE)?),
            Arc::new(TableCarrier::from_toml(CTM_SAMPLE)?),
            Arc::new(TableCarrier::from_toml(
                tijara_carrier_table::AMANA_INTERNATIONAL_SAMPLE,
            )?),
        ]
    } else {
        settings.carriers.iter().cloned().map(Arc::new).collect()
    };
    let mut reader = Tijara::builder()
        .region(region.clone())
        .storage(storage.clone())
        .payment(Arc::new(CashOnDelivery));
    for carrier in &carriers {
        reader = reader.carrier(carrier.clone());
    }
    let reader = reader
        .config(tijara::EngineConfig::default().with_log_key(log_key(&settings.data_dir)?))
        .build()?;
    // The orders the shop places are read back by the sink's engine without decoding them
    // again (their confirmation messages): the two engines share that memo.
    let sink_engine = reader.clone();
    let notifications = messages::sink(reader, &messages, &public_url, bank.clone());
    let mut sinks: Vec<Arc<dyn tijara::ports::runtime::EventSink>> = vec![Arc::new(notifications)];
    sinks.extend(extra(storage.clone()));
    let mut builder = Tijara::builder()
        .region(region)
        .storage(storage)
        .event_sink(Arc::new(tijara::ports::runtime::FanOut(sinks)))
        .payment(Arc::new(CmiGateway::new(cmi)?))
        .payment(Arc::new(CashOnDelivery))
        .payment(Arc::new(transfer))
        .sleeper(Arc::new(TokioSleeper))
        .sharing_order_memo_with(&sink_engine)
        .config(
            tijara::EngineConfig::default()
                .with_display_rates(settings.display_rates.clone())
                .with_log_key(log_key(&settings.data_dir)?),
        );
    for carrier in carriers {
        builder = builder.carrier(carrier);
    }
    let engine = builder.build()?;
    // Orders saved by an older version get their current keys (bounded, once per database).
    startup::reindex_orders(&engine).await?;
    // Returns' photos stored in public view by an older version are moved (once per database).
    // Not fatal: the shop starts, and the next start tries again.
    if let Err(e) = startup::hide_return_photos(&engine, &settings.data_dir).await {
        tracing::warn!(target: "storage", error = %e, "returns' photos not moved out of public view at this start");
    }
    // A search index written by an older version is rebuilt (once; logged with the count).
    // Not fatal: the first search checks again.
    if let Err(e) = engine.catalog().ensure_search_index().await {
        tracing::warn!(target: "search", error = %e, "the search index could not be checked at start");
    }
    Ok(App::from(AppParts {
        engine,
        public_url: public_url.into(),
        simulator: simulator.map(Arc::new),
        data_dir: settings.data_dir.as_path().into(),
        payment_page: Some(cmi_gateway.into()),
        trusted_proxies: security::default_trusted_proxies(),
        bank,
        messages,
        ops: ops::Ops::default(),
    }))
}

/// The compression level of answers (brotli and gzip): 4 of brotli's 0–11 and gzip's 1–9.
pub const COMPRESSION_LEVEL: i32 = 4;

/// The largest request body accepted (forms and JSON; a cart or checkout is far smaller).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The headless part alone: the JSON API (`/api/v1/...`) and its OpenAPI document, for a
/// frontend of your own (see `examples/headless-api`).
pub fn api_router(app: App) -> axum::Router {
    let routes = api::routes()
        .merge(seller_api::routes().layer(security::no_store()))
        .merge(openapi::routes())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
    security::harden(routes, &app)
        .merge(ops::health_routes())
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            ops::observe,
        ))
        .with_state(app)
}

/// Every route: the shop, the CMI endpoints, images and the JSON API; bodies above
/// [`MAX_BODY_BYTES`] are refused with 413. Every answer carries the security headers of
/// [`security::harden`]; account, portal, admin and logged-in API answers are not cached.
/// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so logins are
/// throttled by client address (without it, all clients share one address's throttle); behind
/// a reverse proxy, set [`AppParts::trusted_proxies`] so the client is read from its
/// `X-Forwarded-For`.
pub fn router(app: App) -> axum::Router {
    let routes = web::routes()
        .merge(account::routes().layer(security::no_store()))
        .merge(portal::routes().layer(security::no_store()))
        .merge(admin::routes().layer(security::no_store()))
        .merge(account_reset::routes().layer(security::no_store()))
        .merge(mailbox::routes().layer(security::no_store()))
        // The header's language switch (a form post: it may save the account's preference).
        .merge(auth::routes().layer(security::no_store()))
        // The page header's cart count and search text (web/layout.rs).
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            web::frame,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            auth::guard,
        ))
        // The style sheet and fonts: no session, no form token, cached for a year.
        .merge(web::asset_routes())
        .merge(api::routes())
        .merge(seller_api::routes().layer(security::no_store()))
        .merge(openapi::routes())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Pages, the style sheet and JSON compressed (gzip or brotli, as the client accepts);
        // not the fonts, which WOFF2 compresses already. At level 4, not the codecs' default:
        // brotli's default is its slowest level (11), paid on every page a browser fetches;
        // level 4 is far cheaper for a slightly larger answer (not yet measured here).
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Precise(COMPRESSION_LEVEL))
                .compress_when(tower_http::compression::Predicate::and(
                    tower_http::compression::predicate::DefaultPredicate::new(),
                    tower_http::compression::predicate::NotForContentType::const_new("font/woff2"),
                )),
        );
    // `/healthz` and `/readyz` for load balancers: no session, form token or compression.
    security::harden(routes, &app)
        .merge(ops::health_routes())
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            ops::observe,
        ))
        .with_state(app)
}
