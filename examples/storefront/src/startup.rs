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
/// read the order (`/orders/{id}/photos/…`); see [`move_return_photos`]. Every order is visited
/// (one whose stored text names no photo is not decoded). The `done` mark (`startup` /
/// [`RETURN_PHOTOS_MARK`]) is set only after a pass that moved every photo it found and then
/// moved the public copies aside; otherwise the next start tries again. Returns how many addresses
/// were moved, or `None` when it ran before.
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
    let moved = move_return_photos(engine, data_dir, usize::MAX).await?;
    if moved.complete {
        engine
            .operations()
            .record_done("startup", RETURN_PHOTOS_MARK)
            .await?;
    }
    if moved.moved > 0 || !moved.complete {
        tracing::info!(target: "storage", moved = moved.moved, complete = moved.complete, "returns' photos moved out of public view");
    }
    Ok(Some(moved.moved))
}

/// What [`move_return_photos`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MovedPhotos {
    /// Photo addresses moved to the private route in this pass.
    pub moved: usize,
    /// Public copies moved aside (to [`MOVED_ASIDE`]) in this pass.
    pub removed: usize,
    /// Every order visited and saved, every photo copied, every public copy that no product
    /// shows moved aside: nothing left to do.
    pub complete: bool,
}

/// The work of [`hide_return_photos`], without its mark, visiting at most `max` orders:
/// 1. each `/media/…` photo of a return is copied to `private-media/` (written to a temporary
///    file, synced, then renamed; a copy already there of the same length is kept), and the
///    order saved with the photo's private address (a photo whose file is in neither folder
///    keeps its address);
/// 2. once every order has been read (not cut short by `max`, none unreadable), each public
///    file with a private copy is moved aside to `media/`[`MOVED_ASIDE`] (never served), unless
///    something still links to it: a product's photos, an order left as it was (changed
///    meanwhile, or one that cannot be saved: the engine's report names its addresses), or a
///    photo whose copy failed. The same file may be on several orders, so one order that cannot
///    be saved keeps public only the files it names, and the pass is not complete (the next
///    start tries it again).
///
/// Run again, it moves nothing already moved, and moves aside the public copies a pass
/// interrupted before step 2 left.
pub async fn move_return_photos(
    engine: &tijara::Tijara,
    data_dir: &Path,
    max: usize,
) -> Result<MovedPhotos, Box<dyn std::error::Error + Send + Sync>> {
    let public = data_dir.join("media");
    let private = data_dir.join("private-media");
    let sizes = [crate::media::LARGE, crate::media::THUMB];
    let file_of = |address: &str| {
        address
            .strip_prefix("/media/")
            .filter(|f| crate::media::valid_name(f))
            .map(str::to_owned)
    };
    // The addresses whose copy failed: they stay public on their orders.
    let mut failed: Vec<String> = Vec::new();
    let report = engine
        .operations()
        .rewrite_return_photos(max, |order, address| {
            let file = file_of(address)?;
            // A stored name is 64 hex digits, `-`, then its size (`valid_name`).
            let stem = file[..64].to_owned();
            let copied = sizes.iter().try_for_each(|size| {
                let name = format!("{stem}-{size}.jpg");
                copy_durably(&public.join(&name), &private, &name)
            });
            // The route serves a photo by its large image's address.
            let large = format!("{stem}-{}.jpg", crate::media::LARGE);
            match copied {
                Ok(()) if private.join(&large).exists() => {
                    Some(crate::web::return_photo_path(order, &large))
                }
                // In neither folder: the address stays (it showed nothing before either).
                Ok(()) => None,
                Err(e) => {
                    failed.push(address.to_owned());
                    tracing::warn!(target: "storage", order = %order, error = %e, "a return's photo could not be moved out of public view");
                    None
                }
            }
        })
        .await?;
    let mut out = MovedPhotos {
        moved: report.replaced.len(),
        removed: 0,
        complete: report.complete && failed.is_empty(),
    };
    if report.unknown {
        // Some order's photos were not read: any public copy may still be linked to.
        return Ok(out);
    }
    // Every order read now links to the private copies, but those left as they were and the
    // photos whose copy failed: the public copies leave public view, unless one of those or a
    // product shows the same file.
    let mut kept: std::collections::HashSet<String> = std::collections::HashSet::new();
    for address in report.left.iter().chain(&failed) {
        if let Some(file) = file_of(address) {
            let stem = &file[..64];
            kept.extend(sizes.map(|size| format!("{stem}-{size}.jpg")));
        }
    }
    let copies: Vec<String> = match private_files(&private) {
        Ok(files) => files
            .into_iter()
            .filter(|f| public.join(f).exists())
            .collect(),
        Err(e) => {
            tracing::warn!(target: "storage", error = %e, "the private photos' folder cannot be read");
            out.complete = false;
            return Ok(out);
        }
    };
    if copies.is_empty() {
        return Ok(out);
    }
    // The copies' renames are on disk before any public copy leaves.
    #[cfg(unix)]
    std::fs::File::open(&private)?.sync_all()?;
    let mut linked = kept;
    let mut filter = tijara::usecases::catalog::ProductFilter::default();
    filter.include_inactive = true;
    let mut after: Option<String> = None;
    loop {
        let page = engine
            .catalog()
            .list_products(&filter, after.as_deref(), 100)
            .await?;
        for view in &page.items {
            for photo in &view.product.photos {
                if let Some(file) = file_of(&photo.url) {
                    let stem = &file[..64];
                    linked.extend(sizes.map(|size| format!("{stem}-{size}.jpg")));
                }
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    // Moved aside rather than deleted: several machines sharing `media/` but not yet
    // `private-media/` still hold the photos (`/media/` serves only top-level names).
    let aside = public.join(MOVED_ASIDE);
    for file in copies.iter().filter(|f| !linked.contains(*f)) {
        let moved = std::fs::create_dir_all(&aside)
            .and_then(|()| std::fs::rename(public.join(file), aside.join(file)));
        match moved {
            Ok(()) => out.removed += 1,
            Err(e) => {
                out.complete = false;
                tracing::warn!(target: "storage", file = %file, error = %e, "a public copy of a return's photo could not be moved aside");
            }
        }
    }
    Ok(out)
}

/// The folder inside `media/` where [`move_return_photos`] puts the public copies of returns'
/// photos once every order links to their private copies: never served (`/media/` serves only
/// the folder's own files); delete it once every storefront reads `private-media/`.
pub const MOVED_ASIDE: &str = "moved-to-private";

/// The stored photos' names in `dir` (none if it does not exist).
fn private_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut files = Vec::new();
    for entry in entries {
        if let Ok(name) = entry?.file_name().into_string()
            && crate::media::valid_name(&name)
        {
            files.push(name);
        }
    }
    Ok(files)
}

/// Copies `from` to `dir/name` so that a crash never leaves half a file under that name: to a
/// temporary file of this call's own, synced, then renamed. Nothing to do when `from` does not
/// exist, or `dir/name` exists with the same length. `dir` is made (mode 0700 on Unix) if
/// missing.
fn copy_durably(from: &Path, dir: &Path, name: &str) -> std::io::Result<()> {
    static TEMPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let Ok(source) = std::fs::metadata(from) else {
        return Ok(());
    };
    let to = dir.join(name);
    if std::fs::metadata(&to).is_ok_and(|m| m.len() == source.len()) {
        return Ok(());
    }
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let n = TEMPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!("{name}.{}-{n}.tmp", std::process::id()));
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    let copied = std::io::copy(&mut std::fs::File::open(from)?, &mut out)
        .and_then(|_| out.sync_all())
        .and_then(|()| std::fs::rename(&tmp, &to));
    if copied.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    copied
}
