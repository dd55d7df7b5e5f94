//! Issue 11, item 6: a PNG whose ICC profile (an ancillary chunk) inflates to a gigabyte, or a
//! large progressive JPEG (whose coefficients take twice its pixels), costs the photo check no
//! more memory than the budget allows. Alone in their test binary, one at a time, so the
//! process's peak resident memory measures these checks only.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, compress, create_comp_flags_from_zip_params,
};

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zlib stream of `mib` MiB of zeros: one compressed MiB (ending on a sync flush, so it can
/// follow itself) repeated, then an empty final block and the Adler-32.
fn zlib_zeros(mib: usize) -> Vec<u8> {
    let mut d = CompressorOxide::new(create_comp_flags_from_zip_params(9, -15, 0));
    let zeros = vec![0u8; 1 << 20];
    let mut block = vec![0u8; 1 << 20];
    let (_, used, n) = compress(&mut d, &zeros, &mut block, TDEFLFlush::Sync);
    assert_eq!(used, zeros.len());
    block.truncate(n);
    let mut out = vec![0x78, 0xDA];
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(&[0x03, 0x00]);
    let len = (mib as u64) << 20;
    let adler = ((len % 65521) << 16) | 1;
    out.extend_from_slice(&(adler as u32).to_be_bytes());
    out
}

/// A valid 64×48 PNG carrying an `iCCP` chunk that inflates to `mib` MiB.
fn icc_bomb(mib: usize) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(64, 48, image::Rgb([200, 120, 40]));
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let png = png.into_inner();
    let mut data = b"ICC profile\0\0".to_vec();
    data.extend_from_slice(&zlib_zeros(mib));
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    let mut typed = b"iCCP".to_vec();
    typed.extend_from_slice(&data);
    chunk.extend_from_slice(&typed);
    chunk.extend_from_slice(&crc32(&typed).to_be_bytes());
    // Signature (8 bytes) and IHDR (25 bytes), then the profile, then the rest.
    let mut out = png[..33].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[33..]);
    out
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// The stated bound: checking one photo this size adds less than 64 MiB to the peak.
const BOUND_KIB: u64 = 64 * 1024;

/// One memory measure at a time.
static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn an_icc_profile_bomb_costs_no_more_than_its_picture() {
    let _alone = ALONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let bomb = icc_bomb(1024);
    assert!(bomb.len() < tijara_storefront::media::MAX_UPLOAD_BYTES);
    let before = peak_rss_kib();
    let result = tijara_storefront::media::process(&bomb);
    let grown = peak_rss_kib().saturating_sub(before);
    assert!(
        grown < BOUND_KIB,
        "the check of a {} KiB upload raised the peak by {grown} KiB ({:?})",
        bomb.len() / 1024,
        result.as_ref().map(|_| "ok")
    );
    // The picture itself is fine: it is kept, without its profile.
    let (_, large, _) = result.unwrap();
    let l = image::load_from_memory(&large).unwrap();
    assert_eq!((l.width(), l.height()), (64, 48));
}

/// A progressive JPEG of `w`×`h` mid-grey pixels, three components at full resolution (4:4:4):
/// its first scan only (every DC difference 0, one bit a block), so a large one is small.
fn progressive_jpeg(w: u16, h: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    let mut segment = |marker: u8, body: &[u8]| {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(body);
    };
    let mut dqt = vec![0u8];
    dqt.extend_from_slice(&[1u8; 64]);
    segment(0xDB, &dqt);
    let mut sof = vec![8];
    sof.extend_from_slice(&h.to_be_bytes());
    sof.extend_from_slice(&w.to_be_bytes());
    sof.extend_from_slice(&[3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
    segment(0xC2, &sof);
    // DC table 0: one code, of one bit, for "difference 0".
    let mut dht = vec![0x00, 1];
    dht.extend_from_slice(&[0u8; 15]);
    dht.push(0);
    segment(0xC4, &dht);
    segment(0xDA, &[3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0]);
    let blocks = usize::from(w).div_ceil(8) * usize::from(h).div_ceil(8) * 3;
    out.extend(std::iter::repeat_n(0u8, blocks / 8));
    if blocks % 8 != 0 {
        // The last bits, padded with ones.
        out.push(0xFFu8 >> (blocks % 8));
        if out.last() == Some(&0xFF) {
            out.push(0);
        }
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

#[test]
fn a_large_progressive_jpeg_is_refused_before_its_coefficients_are_allocated() {
    let _alone = ALONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // A small one is a picture like any other.
    let (_, large, _) = tijara_storefront::media::process(&progressive_jpeg(64, 48)).unwrap();
    let l = image::load_from_memory(&large).unwrap();
    assert_eq!((l.width(), l.height()), (64, 48));
    // 6000×6000: 108 MB of pixels (within the budget as `image` counts), plus 216 MB of
    // coefficients it does not count.
    let big = progressive_jpeg(6000, 6000);
    assert!(big.len() < tijara_storefront::media::MAX_UPLOAD_BYTES);
    let before = peak_rss_kib();
    let result = tijara_storefront::media::process(&big);
    let grown = peak_rss_kib().saturating_sub(before);
    assert!(
        grown < BOUND_KIB,
        "the check of a {} KiB progressive JPEG raised the peak by {grown} KiB ({:?})",
        big.len() / 1024,
        result.as_ref().map(|_| "ok")
    );
    assert_eq!(
        result.map(|_| ()),
        Err(tijara_storefront::media::PhotoError::Dimensions)
    );
}
