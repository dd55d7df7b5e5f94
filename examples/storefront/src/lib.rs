//! The example storefront of the Dakhla handicraft marketplace, on the Tijara engine: a web
//! shop (Arabic, French, English; right to left in Arabic; no JavaScript needed) and the JSON
//! API of the headless part, on embedded SQLite by default.
//!
//! Card payments go to CMI; without CMI credentials the storefront runs in demo mode with the
//! CMI simulator from `tijara-testkit` on loopback. Cash on delivery, bank transfer and the
//! sample Amana and CTM rate cards work as in production.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Handlers return early with a ready `Response` as the error of small helpers (`Result<_, Response>`);
// boxing it would only add noise to every call site.
#![allow(clippy::result_large_err)]

pub mod account;
pub mod admin;
pub mod api;
pub mod auth;
pub mod media;
pub mod openapi;
pub mod portal;
pub mod seed;
pub mod seller_api;
pub mod web;

use std::path::PathBuf;
use std::sync::Arc;
use tijara::Tijara;
use tijara_carrier_table::{AMANA_SAMPLE, CTM_SAMPLE, TableCarrier};
use tijara_pay_cmi::{CmiConfig, CmiGateway};
use tijara_pay_offline::{BankAccount, BankTransfer, CashOnDelivery};

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

/// The running application's state.
#[derive(Clone)]
pub struct App {
    /// The engine.
    pub engine: Tijara,
    /// Where the storefront is reached.
    pub public_url: String,
    /// The CMI simulator in demo mode.
    pub simulator: Option<tijara_testkit::cmi_sim::CmiSimulator>,
    /// The data folder (uploaded photos live in its `media/`).
    pub data_dir: PathBuf,
}

/// Builds the engine and its adapters from the settings (and starts the CMI simulator in demo
/// mode).
pub async fn build(settings: &Settings) -> Result<App, Box<dyn std::error::Error + Send + Sync>> {
    let url = match &settings.database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&settings.data_dir)?;
            format!("sqlite://{}", settings.data_dir.join("tijara.db").display())
        }
    };
    let storage = tijara_store_sqlx::connect(&url).await?;
    let public_url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", settings.bind));
    let (cmi, simulator) = match &settings.cmi {
        Some(c) => {
            let mut config = CmiConfig::test(&c.client_id, &c.store_key, &public_url);
            config.gateway_url = c.gateway_url.clone();
            (config, None)
        }
        None => {
            let sim =
                tijara_testkit::cmi_sim::CmiSimulator::start("600000001", "DEMO-STORE-KEY").await?;
            let mut config = CmiConfig::test("600000001", "DEMO-STORE-KEY", &public_url);
            config.gateway_url = sim.gateway_url();
            (config, Some(sim))
        }
    };
    let region = settings
        .region
        .clone()
        .unwrap_or_else(tijara_core::Region::dakhla);
    let transfer = BankTransfer::new(BankAccount {
        rib: "011780000012345678901234".into(),
        bank: "Banque de démonstration".into(),
        holder: "Dakhla Market (démo)".into(),
        // The shopper is told the region's hold: unpaid by then, the order is cancelled.
        pay_within_days: u16::try_from(region.transfer_hold_hours / 24)
            .unwrap_or(u16::MAX)
            .max(1),
    })?;
    let mut builder = Tijara::builder()
        .region(region)
        .storage(storage)
        .payment(Arc::new(CmiGateway::new(cmi)?))
        .payment(Arc::new(CashOnDelivery))
        .payment(Arc::new(transfer))
        .config(tijara::EngineConfig {
            display_rates: settings.display_rates.clone(),
            ..tijara::EngineConfig::default()
        });
    if settings.carriers.is_empty() {
        builder = builder
            .carrier(Arc::new(TableCarrier::from_toml(AMANA_SAMPLE)?))
            .carrier(Arc::new(TableCarrier::from_toml(CTM_SAMPLE)?));
    }
    for carrier in &settings.carriers {
        builder = builder.carrier(Arc::new(carrier.clone()));
    }
    let engine = builder.build()?;
    Ok(App {
        engine,
        public_url,
        simulator,
        data_dir: settings.data_dir.clone(),
    })
}

/// The largest request body accepted (forms and JSON; a cart or checkout is far smaller).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The headless part alone: the JSON API (`/api/v1/...`) and its OpenAPI document, for a
/// frontend of your own (see `examples/headless-api`).
pub fn api_router(app: App) -> axum::Router {
    api::routes()
        .merge(seller_api::routes())
        .merge(openapi::routes())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}

/// Every route: the shop, the CMI endpoints, images and the JSON API; bodies above
/// [`MAX_BODY_BYTES`] are refused with 413.
pub fn router(app: App) -> axum::Router {
    web::routes()
        .merge(account::routes())
        .merge(portal::routes())
        .merge(admin::routes())
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            auth::guard,
        ))
        .merge(api::routes())
        .merge(seller_api::routes())
        .merge(openapi::routes())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}
