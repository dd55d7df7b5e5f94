//! axe-core (the npm package `.ci/js` installs: `npm ci --prefix .ci/js`) injected into the
//! page open in a browser, for the accessibility tests.
//!
//! Use it from a test file with `#[path = "support/axe.rs"] mod axe;`. Without axe-core,
//! [`axe_source`] prints a notice and answers `None`, so the test passes on a machine without
//! it; `TIJARA_REQUIRE_BROWSER=1` (as in `.ci/run`) turns a missing axe-core into a failure.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

/// axe-core's script, if installed.
pub fn axe_source() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.ci/js/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => {
            assert!(
                std::env::var("TIJARA_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "TIJARA_REQUIRE_BROWSER=1 but axe-core is not installed at {} (npm ci --prefix .ci/js)",
                path.display()
            );
            println!("skipped: axe-core not installed (npm ci --prefix .ci/js)");
            None
        }
    }
}

/// One rule broken on a page.
#[derive(Debug, serde::Deserialize)]
struct Violation {
    id: String,
    impact: Option<String>,
    help: String,
    nodes: Vec<String>,
}

/// Runs axe (`axe`: [`axe_source`]) on the page open in the browser `c` and prints what it
/// finds; answers the serious and critical violations as `page: rule (impact) on elements`.
pub async fn audit(c: &fantoccini::Client, axe: &str, page: &str) -> Vec<String> {
    c.execute(axe, vec![]).await.expect("axe loads");
    let found = c
        .execute(
            "return axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})));",
            vec![],
        )
        .await
        .expect("axe runs");
    let violations: Vec<Violation> = serde_json::from_value(found).expect("axe's answer");
    let mut serious = Vec::new();
    for v in &violations {
        let impact = v.impact.as_deref().unwrap_or("unknown");
        println!(
            "axe {page}: {} ({impact}) — {} — on {}",
            v.id,
            v.help,
            v.nodes.join(" | ")
        );
        if matches!(impact, "serious" | "critical") {
            serious.push(format!(
                "{page}: {} ({impact}) on {}",
                v.id,
                v.nodes.join(" | ")
            ));
        }
    }
    if violations.is_empty() {
        println!("axe {page}: no violation");
    }
    serious
}
