//! Product photos uploaded by sellers: checked, re-encoded and resized into a large image and a
//! thumbnail, stored in `<data-dir>/media/`, served at `/media/{file}`.
//!
//! An upload is at most [`MAX_UPLOAD_BYTES`]; only PNG, JPEG and WebP are accepted, recognised
//! by their content (never by their name); pictures over [`MAX_SIDE`] pixels a side are refused
//! before being decoded, and decoding is held to an explicit memory budget
//! ([`DECODE_BUDGET_BYTES`], checked on the header's size before any pixel is decoded), so a
//! "decompression bomb" fails cleanly. A PNG's ancillary chunks (ICC profile, text, EXIF...)
//! are dropped before decoding: a compressed one (`iCCP`, `zTXt`, `iTXt`) could otherwise
//! inflate to gigabytes. At most [`MAX_CONCURRENT_DECODES`] photos are decoded at once.
//! Re-encoding drops every metadata block (EXIF, GPS position) a phone adds. Files are named by
//! the SHA-256 of the upload, so the same photo twice is stored once.
//!
//! Several processes on several hosts need this folder shared (or a storage of their own):
//! the database holds only the photos' URLs.
//!
//! A shopper's photos of a return may show their home, their face or the parcel's label (their
//! name and address): they are stored apart, in `<data-dir>/private-media/`, and served only to
//! those who may read the order (see [`store_private`] and [`serve_private`]), never at
//! `/media/`.

use crate::App;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::path::PathBuf;

/// The largest photo accepted.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// Why a multipart form carrying photos was refused (see [`read_photo_form`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoFormError {
    /// A photo above [`MAX_UPLOAD_BYTES`], or a body above the route's limit (413).
    TooLarge,
    /// More photos than the form takes (422).
    TooMany,
    /// Not a readable multipart body (400).
    Unreadable,
}

impl PhotoFormError {
    /// The HTTP status the refusal answers with.
    pub fn status(self) -> StatusCode {
        match self {
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooMany => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unreadable => StatusCode::BAD_REQUEST,
        }
    }
}

/// A multipart form's text fields (in the order sent) and its photos' bytes.
#[derive(Debug, Default)]
pub struct PhotoForm {
    /// The text fields, name and value.
    pub fields: Vec<(String, String)>,
    /// The photos (fields named `photo`), empty file inputs left out; not yet checked as images.
    pub photos: Vec<Vec<u8>>,
}

/// The most a text field of a photo form may hold (64 KiB).
pub const MAX_TEXT_FIELD_BYTES: usize = 64 * 1024;
/// The most all the text fields of a photo form may hold together (256 KiB).
pub const MAX_TEXT_TOTAL_BYTES: usize = 256 * 1024;

/// Reads a multipart form with at most `max_photos` photos in fields named `photo`, each at most
/// [`MAX_UPLOAD_BYTES`]: the product form and the shopper's return request share it. A refusal
/// comes with what was read of the form (its text fields), so a page can show it again: a photo
/// too large or one too many is left out and the rest of the form still read; a body cut at the
/// route's limit keeps the fields sent before the photos.
pub async fn read_photo_form(
    mut multipart: axum::extract::Multipart,
    max_photos: usize,
) -> Result<PhotoForm, (PhotoFormError, PhotoForm)> {
    let too_large = |status: StatusCode| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            PhotoFormError::TooLarge
        } else {
            PhotoFormError::Unreadable
        }
    };
    let mut out = PhotoForm::default();
    let mut refused = None;
    let mut text_total = 0usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err((too_large(e.status()), out)),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "photo" {
            // Read in chunks, keeping at most MAX_UPLOAD_BYTES: a photo too large is drained,
            // not held in memory, and the fields after it are still read.
            let mut bytes = match read_capped(field, MAX_UPLOAD_BYTES).await {
                Ok(Some(b)) => b,
                Ok(None) => {
                    refused.get_or_insert(PhotoFormError::TooLarge);
                    continue;
                }
                Err(e) => return Err((too_large(e.status()), out)),
            };
            // A file input left empty sends an empty part.
            if bytes.is_empty() {
                continue;
            }
            if out.photos.len() >= max_photos {
                refused.get_or_insert(PhotoFormError::TooMany);
            } else if refused.is_none() {
                bytes.shrink_to_fit();
                out.photos.push(bytes);
            }
            continue;
        }
        // A text field is read up to MAX_TEXT_FIELD_BYTES: a form's longest text is far
        // shorter, and the route's large limit is for photos.
        let text = match read_capped(field, MAX_TEXT_FIELD_BYTES).await {
            Ok(Some(t)) => t,
            Ok(None) => return Err((PhotoFormError::Unreadable, out)),
            Err(e) => return Err((too_large(e.status()), out)),
        };
        text_total += text.len();
        if text_total > MAX_TEXT_TOTAL_BYTES {
            return Err((PhotoFormError::Unreadable, out));
        }
        match String::from_utf8(text) {
            Ok(text) => out.fields.push((name, text)),
            Err(_) => return Err((PhotoFormError::Unreadable, out)),
        }
    }
    match refused {
        Some(e) => Err((e, out)),
        None => Ok(out),
    }
}
/// A multipart field's bytes, read in chunks and kept up to `max`: `None` when it is longer
/// (the rest is drained, never held in memory).
async fn read_capped(
    mut field: axum::extract::multipart::Field<'_>,
    max: usize,
) -> Result<Option<Vec<u8>>, axum::extract::multipart::MultipartError> {
    let mut bytes = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await? {
        if over {
            continue;
        }
        if bytes.len() + chunk.len() > max {
            over = true;
            bytes = Vec::new();
        } else {
            bytes.extend_from_slice(&chunk);
        }
    }
    Ok((!over).then_some(bytes))
}

/// The largest width or height accepted.
pub const MAX_SIDE: u32 = 6000;
/// The large image's longest side.
pub const LARGE: u32 = 800;
/// The thumbnail's longest side.
pub const THUMB: u32 = 300;
/// The most memory one decoded photo may take (its pixels, as the header declares them):
/// 160 MiB, a 6000×6000 RGBA picture at 8 bits a channel fits, a 16-bit one does not. A
/// progressive JPEG counts its DCT coefficients too (2 bytes per sample: a 6000×6000
/// progressive 4:4:4 JPEG does not fit, a 4000×3000 one does), a CMYK JPEG its four planes,
/// a WebP a working frame of 4 bytes a pixel.
pub const DECODE_BUDGET_BYTES: u64 = 160 * 1024 * 1024;
/// The decoding turns of this process: photos decoded at once (others wait their turn); a
/// decode keeps its turn until it ends, even when its request was abandoned.
pub const MAX_CONCURRENT_DECODES: usize = 2;

/// The decode turns: a turn is moved into the blocking decode itself, so it is held until
/// the decode ends even if the request that started it was dropped (a client hanging up).
static DECODES: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> =
    std::sync::LazyLock::new(|| {
        std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_DECODES))
    });

/// What decoding a JPEG takes beyond what `image` reports (`width × height × 3`), from its
/// frame header: a 4-component (CMYK) picture is decoded at 4 bytes a pixel before its
/// conversion to 3, and a progressive one keeps every component's DCT coefficients (2 bytes
/// each, at the component's sampling) until its last scan. `None` without a frame header.
fn jpeg_extra_bytes(bytes: &[u8]) -> Option<u64> {
    let mut at = 2;
    loop {
        // Markers may be padded with 0xFF bytes.
        while *bytes.get(at)? == 0xFF && *bytes.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        let is_sof = (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker);
        if is_sof {
            let sof = bytes.get(at + 4..at + 2 + len)?;
            let height = u64::from(u16::from_be_bytes([*sof.get(1)?, *sof.get(2)?]));
            let width = u64::from(u16::from_be_bytes([*sof.get(3)?, *sof.get(4)?]));
            let count = usize::from(*sof.get(5)?);
            let comps = sof.get(6..6 + 3 * count)?;
            let sampling: Vec<(u64, u64)> = comps
                .chunks_exact(3)
                .map(|c| (u64::from(c[1] >> 4).max(1), u64::from(c[1] & 15).max(1)))
                .collect();
            let h_max = sampling.iter().map(|s| s.0).max()?;
            let v_max = sampling.iter().map(|s| s.1).max()?;
            let pixels = width * height;
            let mut extra = if count >= 4 { pixels * 4 } else { 0 };
            if matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE) {
                for (h, v) in sampling {
                    // Padded to whole 8×8 blocks of whole MCUs.
                    let cw = (width * h).div_ceil(h_max).div_ceil(8 * h) * 8 * h;
                    let ch = (height * v).div_ceil(v_max).div_ceil(8 * v) * 8 * v;
                    extra += cw * ch * 2;
                }
            }
            return Some(extra);
        }
        // Start of scan or end of image before any frame header: none.
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        at += 2 + len;
    }
}

/// The PNG chunks kept for decoding: the critical ones and the transparency; every other
/// (ancillary) chunk is dropped unread.
const PNG_KEPT: [&[u8; 4]; 5] = [b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS"];

/// A PNG without its ancillary chunks (chunks copied as they are, CRCs included); `None` if
/// the chunk structure is broken.
fn png_without_ancillary_chunks(bytes: &[u8]) -> Option<Vec<u8>> {
    const SIGNATURE: usize = 8;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..SIGNATURE)?);
    let mut at = SIGNATURE;
    while at < bytes.len() {
        let len = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let end = at.checked_add(12)?.checked_add(len)?;
        let chunk = bytes.get(at..end)?;
        let kind = &chunk[4..8];
        if PNG_KEPT.iter().any(|k| k.as_slice() == kind) {
            out.extend_from_slice(chunk);
        }
        at = end;
        if kind == b"IEND" {
            break;
        }
    }
    Some(out)
}

/// Why a photo is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    /// Empty or above the size limit.
    #[error("a photo is 1 byte to 5 MiB")]
    Size,
    /// Not PNG, JPEG or WebP.
    #[error("a photo is a PNG, JPEG or WebP image")]
    Format,
    /// Too many pixels.
    #[error("a photo is at most 6000 pixels a side")]
    Dimensions,
    /// Damaged file.
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
    /// The media folder cannot be written.
    #[error("the photo cannot be stored: {0}")]
    Storage(String),
}

/// The folder of the photos.
pub fn media_dir(app: &App) -> PathBuf {
    app.data_dir.join("media")
}

/// Where the photos that are not public are stored (a return's): `<data-dir>/private-media/`,
/// outside the folder served at `/media/`.
pub fn private_media_dir(app: &App) -> PathBuf {
    app.data_dir.join("private-media")
}

fn encode(img: &DynamicImage, side: u32) -> Result<Vec<u8>, PhotoError> {
    let small = if img.width() > side || img.height() > side {
        img.thumbnail(side, side)
    } else {
        img.clone()
    };
    let mut out = Cursor::new(Vec::new());
    // JPEG has no alpha: flatten to RGB first.
    DynamicImage::ImageRgb8(small.to_rgb8())
        .write_to(&mut out, ImageFormat::Jpeg)
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    Ok(out.into_inner())
}

/// Checks a photo and makes its large image and thumbnail (JPEG): returns the file stem (the
/// SHA-256 of the upload) and the two encodings. CPU-bound: call it on a blocking thread.
pub fn process(bytes: &[u8]) -> Result<(String, Vec<u8>, Vec<u8>), PhotoError> {
    if bytes.is_empty() || bytes.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::Size);
    }
    let format = image::guess_format(bytes).map_err(|_| PhotoError::Format)?;
    if !matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP
    ) {
        return Err(PhotoError::Format);
    }
    let stripped;
    let pixels: &[u8] = if format == ImageFormat::Png {
        stripped = png_without_ancillary_chunks(bytes)
            .ok_or_else(|| PhotoError::Unreadable("broken PNG chunks".into()))?;
        &stripped
    } else {
        bytes
    };
    let limits = |sides: Option<u32>| {
        let mut limits = Limits::default();
        limits.max_image_width = sides;
        limits.max_image_height = sides;
        limits.max_alloc = Some(DECODE_BUDGET_BYTES);
        limits
    };
    // The header first (within the budget, sides unchecked so they can be refused by name).
    let mut reader = ImageReader::with_format(Cursor::new(pixels), format);
    reader.limits(limits(None));
    let decoder = reader
        .into_decoder()
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    let (w, h) = image::ImageDecoder::dimensions(&decoder);
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(PhotoError::Dimensions);
    }
    // What the decoder itself holds besides the pixels it answers: a JPEG's coefficients
    // (progressive) and CMYK planes, a WebP's 4-byte-a-pixel working frame.
    let extra = match format {
        ImageFormat::Jpeg => jpeg_extra_bytes(pixels)
            .ok_or_else(|| PhotoError::Unreadable("no JPEG frame header".into()))?,
        ImageFormat::WebP => u64::from(w) * u64::from(h) * 4,
        _ => 0,
    };
    if image::ImageDecoder::total_bytes(&decoder).saturating_add(extra) > DECODE_BUDGET_BYTES {
        return Err(PhotoError::Dimensions);
    }
    drop(decoder);
    let mut reader = ImageReader::with_format(Cursor::new(pixels), format);
    reader.limits(limits(Some(MAX_SIDE)));
    let img = reader
        .decode()
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    let stem = hex::encode(Sha256::digest(bytes));
    Ok((stem, encode(&img, LARGE)?, encode(&img, THUMB)?))
}

/// Stores a processed photo; returns the large image's URL (`/media/{stem}-800.jpg`).
pub async fn store(app: &App, bytes: Vec<u8>) -> Result<String, PhotoError> {
    let file = store_in(media_dir(app), bytes).await?;
    Ok(format!("/media/{file}"))
}

/// Stores a processed photo that is not public (in [`private_media_dir`]); returns the large
/// image's file name (`{stem}-800.jpg`), for the route that checks who asks to serve it. The
/// folder is made readable by the storefront's own user only (mode 0700 on Unix), so another
/// account on the machine cannot read the photos either.
pub async fn store_private(app: &App, bytes: Vec<u8>) -> Result<String, PhotoError> {
    let dir = private_media_dir(app);
    if !tokio::fs::try_exists(&dir).await.unwrap_or(false) {
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| PhotoError::Storage(e.to_string()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tokio::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .await
                .map_err(|e| PhotoError::Storage(e.to_string()))?;
        }
    }
    store_in(dir, bytes).await
}

/// Decoding turns free now (a gauge: [`MAX_CONCURRENT_DECODES`] when no photo is decoding).
pub fn free_decode_turns() -> usize {
    DECODES.available_permits()
}

/// [`store`] into a folder; returns the large image's file name.
async fn store_in(dir: PathBuf, bytes: Vec<u8>) -> Result<String, PhotoError> {
    let turn = DECODES
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| PhotoError::Storage(e.to_string()))?;
    let processed = tokio::task::spawn_blocking(move || {
        let processed = process(&bytes);
        drop(turn);
        processed
    })
    .await;
    let (stem, large, thumb) = processed.map_err(|e| PhotoError::Storage(e.to_string()))??;
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| PhotoError::Storage(e.to_string()))?;
    for (suffix, data) in [(LARGE, large), (THUMB, thumb)] {
        let path = dir.join(format!("{stem}-{suffix}.jpg"));
        // Write then rename, so a reader never sees half a file.
        let tmp = dir.join(format!("{stem}-{suffix}.jpg.tmp"));
        tokio::fs::write(&tmp, data)
            .await
            .map_err(|e| PhotoError::Storage(e.to_string()))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| PhotoError::Storage(e.to_string()))?;
    }
    Ok(format!("{stem}-{LARGE}.jpg"))
}

/// The thumbnail of a photo URL (uploaded photos have one, public or not; others are served as
/// they are). A query (a guest's `?t=`) is kept.
pub fn thumb_url(url: &str) -> String {
    let (path, query) = match url.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (url, None),
    };
    let file = path.rsplit('/').next().unwrap_or(path);
    match path.strip_suffix(&format!("-{LARGE}.jpg")) {
        Some(stem) if path.starts_with('/') && valid_name(file) => match query {
            Some(q) => format!("{stem}-{THUMB}.jpg?{q}"),
            None => format!("{stem}-{THUMB}.jpg"),
        },
        _ => url.to_owned(),
    }
}

/// True for the name of a stored photo (`{sha-256 in hex}-800.jpg` or `-300.jpg`): nothing else
/// is ever read from a media folder.
pub fn valid_name(file: &str) -> bool {
    let Some((stem, rest)) = file.split_once('-') else {
        return false;
    };
    stem.len() == 64
        && stem.chars().all(|c| c.is_ascii_hexdigit())
        && (rest == format!("{LARGE}.jpg") || rest == format!("{THUMB}.jpg"))
}

/// `GET /media/{file}`.
pub async fn serve(State(app): State<App>, Path(file): Path<String>) -> Response {
    // Content-addressed: never changes.
    serve_from(
        media_dir(&app),
        &file,
        "public, max-age=31536000, immutable",
    )
    .await
}

/// A photo of [`private_media_dir`], for a caller whose right to it was checked: no cache keeps
/// it, as none keeps the order's pages.
pub async fn serve_private(app: &App, file: &str) -> Response {
    serve_from(private_media_dir(app), file, "no-store").await
}

/// True for the address of a return's photo (`/orders/{id}/photos/{file}`): an image, not a
/// page (no header to fill, no cart to read).
pub fn is_private_photo_path(path: &str) -> bool {
    path.strip_prefix("/orders/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, rest)| rest.starts_with("photos/"))
}

/// The stored photo `file` of `dir` (a 404 for any other name, or none stored).
async fn serve_from(dir: PathBuf, file: &str, cache: &'static str) -> Response {
    if !valid_name(file) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read(dir.join(file)).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, cache),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::new_rgba8(w, h);
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap_or_default();
        out.into_inner()
    }

    #[test]
    fn photos_become_a_large_image_and_a_thumbnail() {
        let (stem, large, thumb) = process(&png(1600, 1200)).expect("processed");
        assert_eq!(stem.len(), 64);
        let l = image::load_from_memory(&large).expect("jpeg");
        let t = image::load_from_memory(&thumb).expect("jpeg");
        assert_eq!((l.width(), l.height()), (800, 600));
        assert_eq!((t.width(), t.height()), (300, 225));
        // Small pictures are not enlarged.
        let (_, large, _) = process(&png(120, 80)).expect("processed");
        let l = image::load_from_memory(&large).expect("jpeg");
        assert_eq!((l.width(), l.height()), (120, 80));
    }

    #[test]
    fn bad_photos_are_refused_with_a_reason() {
        assert_eq!(process(&[]), Err(PhotoError::Size));
        assert_eq!(process(b"GIF89a......"), Err(PhotoError::Format));
        assert_eq!(
            process(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            Err(PhotoError::Format)
        );
        assert_eq!(process(&png(6001, 10)), Err(PhotoError::Dimensions));
        let mut broken = png(50, 50);
        broken.truncate(40);
        assert!(matches!(process(&broken), Err(PhotoError::Unreadable(_))));
        assert_eq!(
            process(&vec![0u8; MAX_UPLOAD_BYTES + 1]),
            Err(PhotoError::Size)
        );
    }

    #[test]
    fn ancillary_png_chunks_are_dropped_before_decoding() {
        let plain = png(4, 3);
        // A text chunk after the header (CRC left wrong on purpose: it is never read).
        let mut with_text = plain[..33].to_vec();
        with_text.extend_from_slice(&[0, 0, 0, 3]);
        with_text.extend_from_slice(b"tEXtabc");
        with_text.extend_from_slice(&[0, 0, 0, 0]);
        with_text.extend_from_slice(&plain[33..]);
        assert_eq!(
            png_without_ancillary_chunks(&with_text),
            Some(plain.clone())
        );
        assert!(process(&with_text).is_ok());
        // A chunk longer than the file: refused, not read past the end.
        let mut broken = plain[..33].to_vec();
        broken.extend_from_slice(&[0x7f, 0xff, 0xff, 0xff]);
        broken.extend_from_slice(b"iCCP");
        assert_eq!(png_without_ancillary_chunks(&broken), None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_abandoned_upload_keeps_its_decode_turn_until_the_decode_ends() {
        // A picture that takes a while to decode and resize (4 megapixels).
        let img = image::RgbImage::from_fn(2400, 1800, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        });
        let mut bytes = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img)
            .write_to(&mut bytes, ImageFormat::Jpeg)
            .unwrap_or_default();
        let bytes = bytes.into_inner();
        assert!(bytes.len() <= MAX_UPLOAD_BYTES, "{} bytes", bytes.len());
        assert_eq!(free_decode_turns(), MAX_CONCURRENT_DECODES);
        let dir = std::env::temp_dir().join("tijara-media-abandoned");
        let upload = tokio::spawn(store_in(dir, bytes));
        let started = std::time::Instant::now();
        while free_decode_turns() == MAX_CONCURRENT_DECODES {
            assert!(started.elapsed() < std::time::Duration::from_secs(10));
            tokio::task::yield_now().await;
        }
        // The client hangs up: the request's future is dropped mid-decode.
        upload.abort();
        let _ = upload.await;
        assert_eq!(
            free_decode_turns(),
            MAX_CONCURRENT_DECODES - 1,
            "the decode still runs, and still holds its turn"
        );
        let started = std::time::Instant::now();
        while free_decode_turns() < MAX_CONCURRENT_DECODES {
            assert!(started.elapsed() < std::time::Duration::from_secs(60));
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// A JPEG's start up to its frame header: SOI, an APP0 segment, then SOF `marker` of
    /// `w`×`h` with these components' sampling factors.
    fn jpeg_header(marker: u8, w: u16, h: u16, sampling: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, marker];
        let len = 8 + 3 * sampling.len() as u16;
        out.extend_from_slice(&len.to_be_bytes());
        out.push(8);
        out.extend_from_slice(&h.to_be_bytes());
        out.extend_from_slice(&w.to_be_bytes());
        out.push(sampling.len() as u8);
        for (i, s) in sampling.iter().enumerate() {
            out.extend_from_slice(&[i as u8 + 1, *s, 0]);
        }
        out
    }

    #[test]
    fn jpeg_decoding_costs_are_read_from_the_frame_header() {
        // Baseline RGB: nothing beyond the pixels.
        assert_eq!(
            jpeg_extra_bytes(&jpeg_header(0xC0, 100, 100, &[0x11, 0x11, 0x11])),
            Some(0)
        );
        // CMYK: a fourth byte a pixel.
        assert_eq!(
            jpeg_extra_bytes(&jpeg_header(0xC0, 100, 100, &[0x11; 4])),
            Some(40_000)
        );
        // Progressive 4:2:0, 64×64: luma 64×64 and two 32×32 chroma planes, 2 bytes a sample.
        assert_eq!(
            jpeg_extra_bytes(&jpeg_header(0xC2, 64, 64, &[0x22, 0x11, 0x11])),
            Some((64 * 64 + 2 * 32 * 32) * 2)
        );
        // Progressive 4:4:4, 6000×6000: 216 MB of coefficients.
        assert_eq!(
            jpeg_extra_bytes(&jpeg_header(0xC2, 6000, 6000, &[0x11, 0x11, 0x11])),
            Some(6000 * 6000 * 3 * 2)
        );
        assert_eq!(jpeg_extra_bytes(&[0xFF, 0xD8, 0xFF, 0xD9]), None);
        assert_eq!(jpeg_extra_bytes(&[0xFF, 0xD8]), None);
    }

    #[test]
    fn only_stored_names_are_served() {
        let stem = "a".repeat(64);
        assert!(valid_name(&format!("{stem}-800.jpg")));
        assert!(valid_name(&format!("{stem}-300.jpg")));
        assert!(!valid_name(&format!("{stem}-301.jpg")));
        assert!(!valid_name("../../etc/passwd"));
        assert!(!valid_name(&format!("{}-800.jpg", "g".repeat(64))));
        assert_eq!(
            thumb_url(&format!("/media/{stem}-800.jpg")),
            format!("/media/{stem}-300.jpg")
        );
        assert_eq!(thumb_url("/images/x.svg"), "/images/x.svg");
        // A return's photo (not public): its thumbnail keeps the guest's link.
        assert_eq!(
            thumb_url(&format!("/orders/o1/photos/{stem}-800.jpg?t=abc")),
            format!("/orders/o1/photos/{stem}-300.jpg?t=abc")
        );
        assert_eq!(
            thumb_url(&format!("/orders/o1/photos/{stem}-800.jpg")),
            format!("/orders/o1/photos/{stem}-300.jpg")
        );
        assert_eq!(thumb_url("/images/pot-800.jpg"), "/images/pot-800.jpg");
        assert!(is_private_photo_path(&format!(
            "/orders/o1/photos/{stem}-800.jpg"
        )));
        assert!(!is_private_photo_path("/orders/o1"));
        assert!(!is_private_photo_path("/orders/o1/photosx"));
        assert!(!is_private_photo_path("/orders/o1/return/so1"));
    }
}
