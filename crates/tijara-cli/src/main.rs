//! `tijara`: the operator's command line of a Tijara marketplace.

use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use tijara_cli::{CliError, EXIT_INVALID, EXIT_OK, import, report};

/// The operator's tools of a Tijara marketplace. Exit codes: 0 done, 1 the database or a file
/// failed, 2 bad command line, 3 the input has errors (nothing was changed), 4 not found.
#[derive(Debug, Parser)]
#[command(name = "tijara", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the marketplace's data is.
#[derive(Debug, clap::Args)]
struct Db {
    /// Database URL: `sqlite://data/tijara.db` or `postgres://user@host/db`.
    #[arg(long, env = "TIJARA_DATABASE_URL")]
    database_url: String,
    /// Region file (default: the built-in Dakhla – Oued Ed-Dahab region).
    #[arg(long, env = "TIJARA_REGION")]
    region: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Search {
    /// Rebuilds the whole search index: every category, then every product from its record,
    /// its seller and its category. Not needed after an upgrade (the storefront rebuilds an
    /// outdated index at start) nor after a renaming (it reaches the products at once): this
    /// forces it.
    Reindex {
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates or updates the database's tables.
    Migrate {
        #[command(flatten)]
        db: Db,
    },
    /// Imports sellers, products, variants and stock from a UTF-8 CSV file (idempotent by SKU).
    Import {
        /// The catalog file (see `tijara_cli::import` for its columns).
        file: PathBuf,
        #[command(flatten)]
        db: Db,
        /// Import the valid rows even if others have errors.
        #[arg(long)]
        skip_invalid: bool,
        /// Check the file against the database and stop.
        #[arg(long)]
        dry_run: bool,
    },
    /// Exports data.
    Export {
        #[command(subcommand)]
        what: Export,
    },
    /// What sellers are owed.
    Payouts {
        #[command(subcommand)]
        what: Payouts,
    },
    /// Product search.
    Search {
        #[command(subcommand)]
        what: Search,
    },
    /// Writes the invoices (one per seller) of an order as printable HTML files.
    Invoice {
        /// The order id.
        order: String,
        #[command(flatten)]
        db: Db,
        /// Language of the invoices: fr or ar.
        #[arg(long, default_value = "fr")]
        lang: String,
        /// Folder to write them into.
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
    },
    /// Copies the SQLite database to a new file while the storefront runs (SQLite's online
    /// backup: one consistent snapshot, checked before it gets its name).
    Backup {
        /// The new backup file (never overwritten).
        out: PathBuf,
        /// Database URL: `sqlite://data/tijara.db`.
        #[arg(long, env = "TIJARA_DATABASE_URL")]
        database_url: String,
    },
    /// Puts a backup in place of the SQLite database; stop the storefront first.
    Restore {
        /// The backup file.
        backup: PathBuf,
        /// Database URL of the database to create or replace: `sqlite://data/tijara.db`.
        #[arg(long, env = "TIJARA_DATABASE_URL")]
        database_url: String,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Deletes what housekeeping no longer needs: idempotency records, done marks, delivered
    /// outbox events and expired sessions older than the given ages (the storefront does it
    /// every hour by itself).
    Purge {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        retention: RetentionArgs,
    },
    /// Region files.
    Region {
        #[command(subcommand)]
        what: RegionCmd,
    },
    /// Rate cards.
    Ratecard {
        #[command(subcommand)]
        what: RatecardCmd,
    },
}

/// How long housekeeping keeps things, in days.
#[derive(Debug, clap::Args)]
struct RetentionArgs {
    /// Idempotency records (answers replayed to retried requests) older than this.
    #[arg(long, env = "TIJARA_KEEP_IDEMPOTENCY_DAYS", default_value_t = 30)]
    keep_idempotency_days: u32,
    /// Done marks (messages sent, steps told) older than this.
    #[arg(long, env = "TIJARA_KEEP_DONE_MARKS_DAYS", default_value_t = 90)]
    keep_done_marks_days: u32,
    /// Outbox events delivered longer ago than this, with their delivery rows.
    #[arg(long, env = "TIJARA_KEEP_EVENTS_DAYS", default_value_t = 30)]
    keep_events_days: u32,
    /// Sessions expired longer ago than this.
    #[arg(long, env = "TIJARA_KEEP_SESSIONS_DAYS", default_value_t = 7)]
    keep_sessions_days: u32,
}

impl RetentionArgs {
    fn retention(&self) -> tijara::Retention {
        let days = |d: u32| tijara_core::chrono::Duration::days(i64::from(d));
        tijara::Retention::default()
            .with_idempotency(days(self.keep_idempotency_days))
            .with_done_marks(days(self.keep_done_marks_days))
            .with_delivered_events(days(self.keep_events_days))
            .with_sessions(days(self.keep_sessions_days))
    }
}

#[derive(Debug, Subcommand)]
enum Export {
    /// Orders placed in [--from, --to), one row per seller order (CSV) or whole (JSON).
    Orders {
        #[command(flatten)]
        db: Db,
        /// First day (YYYY-MM-DD, local).
        #[arg(long)]
        from: String,
        /// Day after the last (YYYY-MM-DD, local).
        #[arg(long)]
        to: String,
        /// csv or json.
        #[arg(long, default_value = "csv")]
        format: String,
    },
}

#[derive(Debug, Subcommand)]
enum Payouts {
    /// A seller's statement for a month.
    Statement {
        #[command(flatten)]
        db: Db,
        /// The seller id.
        #[arg(long)]
        seller: String,
        /// Only this member artisan's lines (a cooperative's member id).
        #[arg(long)]
        member: Option<String>,
        /// The month (YYYY-MM).
        #[arg(long)]
        period: String,
        /// csv or json.
        #[arg(long, default_value = "csv")]
        format: String,
    },
    /// What each seller is still owed for a month, as CSV for the bank.
    Batch {
        #[command(flatten)]
        db: Db,
        /// The month (YYYY-MM).
        #[arg(long)]
        period: String,
    },
}

#[derive(Debug, Subcommand)]
enum RegionCmd {
    /// Checks a region file and the rate cards it names.
    Check {
        /// The file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum RatecardCmd {
    /// Checks a rate card (tijara-carrier-table format).
    Check {
        /// The file.
        file: PathBuf,
    },
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match cli.command {
        Command::Migrate { db } => {
            let engine = tijara_cli::engine(&db.database_url, db.region.as_deref()).await?;
            // Orders saved by older versions get the keys the engine gives them now; a key two
            // orders share is reported for an admin to resolve, not a failure.
            let report = engine.operations().reindex_orders(usize::MAX).await?;
            for p in &report.problems {
                eprintln!("order {}: {}", p.order, p.reason);
            }
            writeln!(stdout, "migrations applied to {}", db.database_url)
                .and_then(|()| {
                    writeln!(
                        stdout,
                        "{} order(s) re-saved with their keys, {} not (see above)",
                        report.saved,
                        report.problems.len()
                    )
                })
                .map_err(CliError::failure)
        }
        Command::Search {
            what: Search::Reindex { db },
        } => {
            let engine = tijara_cli::engine(&db.database_url, db.region.as_deref()).await?;
            let n = engine.catalog().rebuild_search_index().await?;
            writeln!(stdout, "search index rebuilt: {n} product(s)").map_err(CliError::failure)
        }
        Command::Import {
            file,
            db,
            skip_invalid,
            dry_run,
        } => {
            let f = std::fs::File::open(&file)
                .map_err(|e| CliError::failure(format!("{}: {e}", file.display())))?;
            let mut checked = import::read_catalog(std::io::BufReader::new(f));
            let engine = tijara_cli::engine(&db.database_url, db.region.as_deref()).await?;
            checked
                .errors
                .extend(import::check_against(&engine, &checked.rows).await?);
            checked.errors.sort_by_key(|e| e.line);
            let bad: std::collections::HashSet<u64> =
                checked.errors.iter().map(|e| e.line).collect();
            for e in &checked.errors {
                eprintln!("{}: {e}", file.display());
            }
            if !checked.errors.is_empty() && !skip_invalid {
                return Err(CliError::invalid(format!(
                    "{} error(s) in {} line(s); nothing imported (--skip-invalid imports the other rows)",
                    checked.errors.len(),
                    bad.len()
                )));
            }
            let rows: Vec<_> = checked
                .rows
                .into_iter()
                .filter(|r| !bad.contains(&r.line))
                .collect();
            if dry_run {
                return writeln!(stdout, "{} row(s) would be imported", rows.len())
                    .map_err(CliError::failure);
            }
            let bar = indicatif::ProgressBar::new(rows.len() as u64);
            if rows.len() < 200 {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            let report =
                import::apply(&engine, &rows, |done, _| bar.set_position(done as u64)).await?;
            bar.finish_and_clear();
            for e in &report.failed {
                eprintln!("{}: {e}", file.display());
            }
            writeln!(
                stdout,
                "{} seller(s) created, {} product(s) created, {} updated, {} refused",
                report.sellers_created,
                report.products_created,
                report.products_updated,
                report.failed.len()
            )
            .map_err(CliError::failure)?;
            if report.failed.is_empty() {
                Ok(())
            } else {
                Err(CliError::invalid("some rows were refused"))
            }
        }
        Command::Export {
            what:
                Export::Orders {
                    db,
                    from,
                    to,
                    format,
                },
        } => {
            let engine = tijara_cli::engine(&db.database_url, db.region.as_deref()).await?;
            let (from, to) = (
                report::day_start(&engine, &from)?,
                report::day_start(&engine, &to)?,
            );
            let orders = report::orders_between(&engine, from, to).await?;
            report::write_orders(&orders, &format, &mut stdout)
        }
        Command::Payouts {
            what:
                Payouts::Statement {
                    db,
                    seller,
                    member,
                    period,
                    format,
                },
        } => {
            let engine = tijara_cli::engine(&db.database_url, db.region.as_deref()).await?;
            report::statement(
                &engine,
                &seller,
                member.as_deref(),
                &period,
                &format,
                &mut stdout,
            )
            .await
        }
        Command::Payouts {
            what: Payouts::Batch { db, period },
        } => {
            let engine = tijara_cli::engine(&db.database_url, db.region.as_deref()).await?;
            let lines = report::batch(&engine, &period).await?;
            report::write_batch(&lines, &mut stdout)
        }
        Command::Invoice {
            order,
            db,
            lang,
            out_dir,
        } => {
            let lang = match lang.as_str() {
                "fr" => tijara_core::Lang::FR,
                "ar" => tijara_core::Lang::AR,
                other => {
                    return Err(CliError::invalid(format!("--lang {other:?}: fr or ar")));
                }
            };
            let engine = tijara_cli::engine(&db.database_url, db.region.as_deref()).await?;
            std::fs::create_dir_all(&out_dir)
                .map_err(|e| CliError::failure(format!("{}: {e}", out_dir.display())))?;
            for (name, html) in report::invoices(&engine, &order, lang).await? {
                let path = out_dir.join(format!("invoice-{name}-{}.html", lang.code()));
                std::fs::write(&path, html)
                    .map_err(|e| CliError::failure(format!("{}: {e}", path.display())))?;
                writeln!(stdout, "{}", path.display()).map_err(CliError::failure)?;
            }
            Ok(())
        }
        Command::Backup { out, database_url } => {
            let db = tijara_cli::backup::sqlite_path(&database_url)?;
            let copied = tokio::task::spawn_blocking(move || {
                tijara_cli::backup::backup(&db, &out).map(|c| (c, out))
            })
            .await
            .map_err(CliError::failure)??;
            let (c, out) = copied;
            writeln!(
                stdout,
                "{}: {} bytes, {} order(s), {} stock counter(s); integrity checked",
                out.display(),
                c.bytes,
                c.orders,
                c.stock_rows
            )
            .map_err(CliError::failure)
        }
        Command::Restore {
            backup,
            database_url,
            force,
        } => {
            let db = tijara_cli::backup::sqlite_path(&database_url)?;
            let shown = db.display().to_string();
            let c = tokio::task::spawn_blocking(move || {
                tijara_cli::backup::restore(&backup, &db, force)
            })
            .await
            .map_err(CliError::failure)??;
            writeln!(
                stdout,
                "{shown} restored: {} order(s), {} stock counter(s); start the storefront",
                c.orders, c.stock_rows
            )
            .map_err(CliError::failure)
        }
        Command::Purge { db, retention } => {
            let engine = tijara_cli::engine(&db.database_url, db.region.as_deref()).await?;
            let r = engine
                .operations()
                .purge(&retention.retention(), 1000)
                .await?;
            writeln!(
                stdout,
                "purged {} idempotency record(s), {} done mark(s), {} delivered event(s), {} delivery row(s), {} session(s)",
                r.idempotency, r.done, r.events, r.deliveries, r.sessions
            )
            .map_err(CliError::failure)
        }
        Command::Region {
            what: RegionCmd::Check { file },
        } => {
            let r = tijara_cli::load_region(Some(&file))?;
            tijara_cli::rate_cards(&r, file.parent())?;
            writeln!(
                stdout,
                "{}: region {} is valid ({} tax rates, {} rate cards)",
                file.display(),
                r.region.code,
                r.region.tax_rules.rates().len(),
                r.rate_cards.len()
            )
            .map_err(CliError::failure)
        }
        Command::Ratecard {
            what: RatecardCmd::Check { file },
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::failure(format!("{}: {e}", file.display())))?;
            let card = tijara_carrier_table::RateCard::from_toml(&text)
                .map_err(|e| CliError::invalid(format!("{}: {e}", file.display())))?;
            writeln!(
                stdout,
                "{}: rate card of {} is valid",
                file.display(),
                card.carrier
            )
            .map_err(CliError::failure)
        }
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let code = match run(cli).await {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("tijara: {e}");
            e.code
        }
    };
    if code == EXIT_INVALID {
        eprintln!("tijara: the input has errors; see above");
    }
    std::process::exit(code);
}
