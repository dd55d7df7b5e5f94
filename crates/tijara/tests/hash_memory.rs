//! Issue 11, item 6: password hashing keeps its memory bounded. Each Argon2 check works in
//! 19 MiB; allocated afresh per check, that memory stayed resident (about 17 MiB a login,
//! 3.9 GB after 200 logins). Alone in its test binary, so the process's memory is this test's.

#![allow(missing_docs)]

use tijara::usecases::accounts::{DUMMY_HASH, hash_password, verify_password};

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The stated bound: 30 checks on two threads leave less than 2 × 19 MiB + 24 MiB resident.
const BOUND_KIB: u64 = (2 * 19 + 24) * 1024;

#[test]
fn repeated_password_checks_reuse_their_memory() {
    let before = resident_kib();
    let hashed = hash_password("tajine-2026").expect("hash");
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let hashed = hashed.clone();
            std::thread::spawn(move || {
                for i in 0..15 {
                    let ok = verify_password(
                        "tajine-2026",
                        if i % 2 == 0 { &hashed } else { DUMMY_HASH },
                    );
                    assert_eq!(ok, i % 2 == 0);
                }
                resident_kib()
            })
        })
        .collect();
    let during: Vec<u64> = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    let grown = during.into_iter().max().unwrap_or(0).saturating_sub(before);
    assert!(grown < BOUND_KIB, "30 checks left {grown} KiB resident");
}
