//! Checks made once at start: the storefront refuses to start on storage it cannot write (a
//! read-only data folder, file system or database), with a message that says so, instead of
//! serving a shop whose every cart and order would fail.

use std::path::Path;
use std::sync::Arc;
use tijara::ports::storage::{Changeset, IdempotencyRecord, Storage};
use tijara_core::chrono;

/// The storefront cannot write its storage.
#[derive(Debug, thiserror::Error)]
#[error(
    "{what} is read-only or cannot be written ({reason}). The storefront needs to write its \
     database: fix the permissions or the mount (a read-only file system?), free some disk \
     space, or choose another --data-dir / --database-url"
)]
pub struct NotWritable {
    /// The folder or database (a URL without its password).
    pub what: String,
    /// What the system or the database said.
    pub reason: String,
}

/// Checks that the SQLite data folder can hold new files (the database and its `-wal` and
/// `-shm` files are created there). The probe file's name is this process's own (its pid and
/// 64 random bits, created with `create_new`), so storefronts starting together on one folder
/// never remove each other's probe; a probe already gone at removal is no failure.
pub fn check_folder(dir: &Path) -> Result<(), NotWritable> {
    use std::io::Write;
    let fail = |reason: String| NotWritable {
        what: format!("the data folder {}", dir.display()),
        reason,
    };
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| fail(e.to_string()))?;
    let probe = dir.join(format!(
        ".tijara-write-check.{}.{}",
        std::process::id(),
        hex::encode(nonce)
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut f| f.write_all(b"ok"));
    let removed = match std::fs::remove_file(&probe) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        r => r,
    };
    written.and(removed).map_err(|e| fail(e.to_string()))
}

/// Checks that the database takes a write. The probe is one idempotency record
/// (`startup`/`write-check`), written on the first start and found again on the next ones; its
/// `INSERT … ON CONFLICT DO NOTHING` needs write access either way (SQLite refuses it on a
/// read-only database, PostgreSQL on a read-only standby), and changes nothing else.
pub async fn check_database(storage: &Arc<dyn Storage>, url: &str) -> Result<(), NotWritable> {
    let probe = Changeset {
        idempotency: Some(IdempotencyRecord::new(
            "startup",
            "write-check",
            "write-check",
            "null",
            chrono::Utc::now(),
        )),
        ..Changeset::default()
    };
    storage
        .commit(probe)
        .await
        .map(|_| ())
        .map_err(|e| NotWritable {
            what: format!("the database {}", tijara_store_sqlx::redact(url)),
            reason: e.to_string(),
        })
}

/// The most orders [`reindex_orders`] saves again at one start: a larger store goes on at the
/// next start (or with `tijara migrate`), so a start is never held up for long.
pub const REINDEX_MAX: usize = 20_000;

/// The `done` mark of [`reindex_orders`] (`startup` scope): `v2` since orders carry their
/// parts' portal tabs as owner rows (`seller-work:`), so a database reindexed for `v1` (the
/// store-wide `tracking-number:` key) is visited once more.
pub const REINDEX_MARK: &str = "order-keys-v2";

/// Saves orders written by an older version again with the keys and owner rows the engine gives
/// them now (the store-wide `tracking-number:` key, the portal tabs' `seller-work:` rows): once
/// per database (a `done` mark, `startup` / [`REINDEX_MARK`], set when every order was
/// visited), at most [`REINDEX_MAX`] orders per start.
/// Orders that cannot be saved (two sharing one number) are logged on the `storage` target for
/// an admin; they do not stop the start. Returns the report, or `None` when it ran before.
pub async fn reindex_orders(
    engine: &tijara::Tijara,
) -> Result<Option<tijara::usecases::maintenance::ReindexReport>, tijara::TijaraError> {
    if engine.operations().is_done("startup", REINDEX_MARK).await? {
        return Ok(None);
    }
    let report = engine.operations().reindex_orders(REINDEX_MAX).await?;
    if report.complete {
        engine
            .operations()
            .record_done("startup", REINDEX_MARK)
            .await?;
    }
    Ok(Some(report))
}

/// The `done` mark of [`hide_return_photos`] (`startup` scope).
pub const RETURN_PHOTOS_MARK: &str = "return-photos-private-v1";

/// Moves the photos of returns asked before they were private (stored in `<data-dir>/media/`,
/// served to anyone at `/media/…`) to `<data-dir>/private-media/`, served only to those who may
/// read the order (`/orders/{id}/photos/…`): each photo is copied, the order saved with its new
/// address, then the public copy removed, unless a product's photos name the same file. Once per
/// database (a `done` mark, `startup` / [`RETURN_PHOTOS_MARK`], set when every order was
/// visited and saved), at most [`REINDEX_MAX`] orders per start. A photo whose file is missing
/// keeps its address. Returns how many addresses were moved, or `None` when it ran before.
pub async fn hide_return_photos(
    engine: &tijara::Tijara,
    data_dir: &Path,
) -> Result<Option<usize>, Box<dyn std::error::Error + Send + Sync>> {
    if engine
        .operations()
        .is_done("startup", RETURN_PHOTOS_MARK)
        .await?
    {
        return Ok(None);
    }
    let report = move_return_photos(engine, data_dir, REINDEX_MAX).await?;
    if report.complete {
        engine
            .operations()
            .record_done("startup", RETURN_PHOTOS_MARK)
            .await?;
    }
    if !report.replaced.is_empty() {
        tracing::info!(target: "storage", moved = report.replaced.len(), orders = report.saved, "returns' photos moved out of public view");
    }
    Ok(Some(report.replaced.len()))
}

/// The work of [`hide_return_photos`], without its mark: at most `max` orders visited. Run
/// again, it moves nothing already moved.
pub async fn move_return_photos(
    engine: &tijara::Tijara,
    data_dir: &Path,
    max: usize,
) -> Result<
    tijara::usecases::maintenance::ReturnPhotosReport,
    Box<dyn std::error::Error + Send + Sync>,
> {
    let public = data_dir.join("media");
    let private = data_dir.join("private-media");
    let sizes = [crate::media::LARGE, crate::media::THUMB];
    let file_of = |address: &str| {
        address
            .strip_prefix("/media/")
            .filter(|f| crate::media::valid_name(f))
            .map(str::to_owned)
    };
    let copy = |file: &str| -> std::io::Result<()> {
        if !private.exists() {
            std::fs::create_dir_all(&private)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700))?;
            }
        }
        let large = format!("-{}.jpg", crate::media::LARGE);
        let stem = file.strip_suffix(&large).unwrap_or(file);
        for size in sizes {
            let name = format!("{stem}-{size}.jpg");
            let from = public.join(&name);
            if from.exists() {
                std::fs::copy(&from, private.join(&name))?;
            }
        }
        Ok(())
    };
    let report = engine
        .operations()
        .rewrite_return_photos(max, |order, address| {
            let file = file_of(address)?;
            if !public.join(&file).exists() {
                return None;
            }
            match copy(&file) {
                Ok(()) => Some(format!("/orders/{order}/photos/{file}")),
                Err(e) => {
                    tracing::warn!(target: "storage", order = %order, error = %e, "a return's photo could not be moved out of public view");
                    None
                }
            }
        })
        .await?;
    // The public copies, unless a product shows the same file.
    let mut shown = std::collections::HashSet::new();
    let mut after: Option<String> = None;
    let mut filter = tijara::usecases::catalog::ProductFilter::default();
    filter.include_inactive = true;
    while !report.replaced.is_empty() {
        let page = engine
            .catalog()
            .list_products(&filter, after.as_deref(), 100)
            .await?;
        for view in &page.items {
            shown.extend(view.product.photos.iter().filter_map(|p| file_of(&p.url)));
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    for (old, _) in &report.replaced {
        let Some(file) = file_of(old).filter(|f| !shown.contains(f)) else {
            continue;
        };
        let large = format!("-{}.jpg", crate::media::LARGE);
        let stem = file.strip_suffix(&large).unwrap_or(&file);
        for size in sizes {
            let _ = std::fs::remove_file(public.join(format!("{stem}-{size}.jpg")));
        }
    }
    Ok(report)
}
