//! The operator's tools behind the `tijara` command: catalog import, order export, payouts,
//! invoices, checks of region and rate-card files, backups and the retention purge. `main.rs` parses the command line; the
//! work is here, so it is tested without spawning processes.
//!
//! Exit codes scripts can rely on: [`EXIT_OK`], [`EXIT_FAILURE`] (the database or a file could
//! not be reached), [`EXIT_USAGE`] (clap's), [`EXIT_INVALID`] (the input has errors; nothing
//! was changed), [`EXIT_NOT_FOUND`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod backup;
pub mod import;
pub mod report;

use std::path::Path;
use std::sync::Arc;
use tijara::Tijara;
use tijara::region_file::{RegionFile, parse_region};
use tijara_carrier_table::TableCarrier;

/// Success.
pub const EXIT_OK: i32 = 0;
/// The database, a file or the network failed.
pub const EXIT_FAILURE: i32 = 1;
/// Bad command line (clap's own code).
pub const EXIT_USAGE: i32 = 2;
/// The input has errors (every one is listed); nothing was changed.
pub const EXIT_INVALID: i32 = 3;
/// The order, seller or file asked for does not exist.
pub const EXIT_NOT_FOUND: i32 = 4;

/// A failure with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    /// Exit code.
    pub code: i32,
    /// What to print.
    pub message: String,
}

impl CliError {
    /// A failure of the environment (exit 1).
    pub fn failure(m: impl std::fmt::Display) -> Self {
        CliError {
            code: EXIT_FAILURE,
            message: m.to_string(),
        }
    }
    /// Invalid input (exit 3).
    pub fn invalid(m: impl std::fmt::Display) -> Self {
        CliError {
            code: EXIT_INVALID,
            message: m.to_string(),
        }
    }
    /// Not found (exit 4).
    pub fn not_found(m: impl std::fmt::Display) -> Self {
        CliError {
            code: EXIT_NOT_FOUND,
            message: m.to_string(),
        }
    }
}

impl From<tijara::TijaraError> for CliError {
    fn from(e: tijara::TijaraError) -> Self {
        match e {
            tijara::TijaraError::NotFound { .. } | tijara::TijaraError::PartNotFound { .. } => {
                CliError::not_found(e)
            }
            e if e.is_temporary() => CliError::failure(e),
            // Faults the caller's input did not cause: the environment's (exit 1).
            tijara::TijaraError::Invalid(_)
            | tijara::TijaraError::Unencodable { .. }
            | tijara::TijaraError::Corrupt { .. }
            | tijara::TijaraError::Catalog(_) => CliError::failure(e),
            e => CliError::invalid(e),
        }
    }
}

/// Reads a region file (`None`: the built-in Dakhla region).
pub fn load_region(path: Option<&Path>) -> Result<RegionFile, CliError> {
    match path {
        None => parse_region(tijara::region_file::DAKHLA).map_err(CliError::invalid),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| CliError::failure(format!("{}: {e}", p.display())))?;
            parse_region(&text).map_err(|e| CliError::invalid(format!("{}: {e}", p.display())))
        }
    }
}

/// The rate cards a region names (`builtin:amana-sample`, `builtin:ctm-sample`, or files
/// relative to the region file's folder).
pub fn rate_cards(file: &RegionFile, base: Option<&Path>) -> Result<Vec<TableCarrier>, CliError> {
    let base = base.unwrap_or(Path::new("."));
    file.rate_cards
        .iter()
        .map(|name| {
            TableCarrier::from_region_entry(name, base)
                .map_err(|e| CliError::invalid(format!("{name}: {e}")))
        })
        .collect()
}

/// An engine on the database at `url` (migrations run on connect), for the region in
/// `region` (default Dakhla), with cash on delivery and the region's rate cards.
pub async fn engine(url: &str, region: Option<&Path>) -> Result<Tijara, CliError> {
    let file = load_region(region)?;
    // The storefront's `sqlx+sqlite://` (its SQLite through sqlx) names the same file.
    let storage = tijara_store_sqlx::connect(url.strip_prefix("sqlx+").unwrap_or(url))
        .await
        .map_err(|e| CliError::failure(format!("{url}: {e}")))?;
    let mut builder = Tijara::builder()
        .region(file.region.clone())
        .storage(storage)
        .payment(Arc::new(tijara_pay_offline::CashOnDelivery));
    for card in rate_cards(&file, region.and_then(Path::parent))? {
        builder = builder.carrier(Arc::new(card));
    }
    builder.build().map_err(CliError::failure)
}
