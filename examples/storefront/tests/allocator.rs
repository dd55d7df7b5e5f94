//! The binary's allocator (feature `jemalloc`, on by default on Linux with glibc): jemalloc,
//! with the configuration `.cargo/config.toml` compiles in (one arena, freed pages given back
//! after 0.5 s, none kept as "muzzy": docs/benchmarks.md, 2026-12-06 step 28; thread caches
//! trimmed once per MiB allocated or freed: step 29). jemalloc prints
//! its options at exit when `MALLOC_CONF` asks for its statistics.

#![cfg(all(feature = "jemalloc", target_os = "linux", target_env = "gnu"))]

#[test]
fn the_binary_allocates_with_jemalloc_configured_for_a_small_footprint() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tijara-storefront"))
        .arg("--help")
        .env("MALLOC_CONF", "stats_print:true")
        .output()
        .expect("runs the binary");
    assert!(out.status.success(), "--help answers");
    let stats = String::from_utf8_lossy(&out.stderr);
    for option in [
        "opt.narenas: 1",
        "opt.dirty_decay_ms: 500",
        "opt.muzzy_decay_ms: 0",
        "opt.tcache_gc_incr_bytes: 1048576",
    ] {
        assert!(
            stats.contains(option),
            "jemalloc's statistics name {option:?}: {stats:.400}"
        );
    }
}
