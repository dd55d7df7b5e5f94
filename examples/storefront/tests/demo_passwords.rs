//! Issue 11: the binary prints the demo passwords only on the start that created the demo
//! accounts, never on later starts.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Starts the binary on `dir` and returns what it printed until it listened.
fn start(dir: &std::path::Path) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tijara-storefront"))
        .args(["--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("TIJARA_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(Ok(line)) = lines.next() {
        out.push_str(&line);
        out.push('\n');
        if line.starts_with("Tijara storefront on") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    out
}

#[test]
fn demo_passwords_are_printed_only_when_just_created() {
    let dir = std::env::temp_dir().join(format!("tijara-startup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = start(&dir);
    assert!(first.contains("admin-demo-2026"), "{first}");
    let second = start(&dir);
    assert!(second.contains("Tijara storefront on"), "{second}");
    assert!(!second.contains("admin-demo-2026"), "{second}");
    assert!(!second.contains("demo-2026"), "{second}");
    let _ = std::fs::remove_dir_all(&dir);
}
