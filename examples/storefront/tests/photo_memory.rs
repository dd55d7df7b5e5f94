//! Issue 11, item 6: a PNG whose ICC profile (an ancillary chunk) inflates to a gigabyte costs
//! the photo check no more memory than the picture itself. Alone in its test binary, so the
//! process's peak resident memory measures this check only.

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

#[test]
fn an_icc_profile_bomb_costs_no_more_than_its_picture() {
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
