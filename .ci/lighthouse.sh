#!/usr/bin/env bash
# Lighthouse (mobile) on the demo storefront's home page and a product page: prints the
# accessibility, best-practices, SEO and performance scores and fails below issue 13's
# thresholds (accessibility, best practices, SEO >= 95; performance >= 90).
#
# A benchmark, not part of .ci/run: it needs the `lighthouse` npm package (installed here from
# .ci/lighthouse/package-lock.json; no browser download) and Debian's Chromium.
#
# The storefront binary: the release build (target/release/tijara-storefront) when it exists,
# because Lighthouse's performance score includes the server's response time and the release
# build is what a shop runs; otherwise the debug build, and the scores are then labelled
# "debug". Override with TIJARA_BIN=/path/to/tijara-storefront.
#
# Usage: .ci/lighthouse.sh            (from the repository root or anywhere)
#        TIJARA_LIGHTHOUSE_PORT=8099 .ci/lighthouse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"

if [ ! -x .ci/lighthouse/node_modules/.bin/lighthouse ]; then
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix .ci/lighthouse --no-audit --no-fund
fi
lighthouse="$root/.ci/lighthouse/node_modules/.bin/lighthouse"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

bin="${TIJARA_BIN:-}"
build="release"
if [ -z "$bin" ]; then
  if [ -x "$target/release/tijara-storefront" ]; then
    bin="$target/release/tijara-storefront"
  else
    bin="$target/debug/tijara-storefront"
    build="debug"
    [ -x "$bin" ] || cargo build -p tijara-storefront
  fi
else
  build="$(basename "$(dirname "$bin")")"
fi

port="${TIJARA_LIGHTHOUSE_PORT:-8097}"
data="$(mktemp -d)"
out="$(mktemp -d)"
"$bin" --bind "127.0.0.1:$port" --data-dir "$data" --public-url "http://127.0.0.1:$port" \
  >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
  sleep 0.2
done
# A product page: the first product the sitemap lists.
# (Read whole before grep: with pipefail, head closing the pipe early would fail the pipeline.)
sitemap="$(curl -fsS "http://127.0.0.1:$port/sitemap.xml")"
product="$(grep -o "http://127.0.0.1:$port/products/[^?<]*" <<<"$sitemap" | head -n 1 || true)"
[ -n "$product" ] || { echo "no product in the sitemap" >&2; exit 1; }

fail=0
for url in "http://127.0.0.1:$port/?lang=ar" "$product?lang=fr"; do
  report="$out/$(echo "$url" | tr -c 'a-zA-Z0-9' '_').json"
  "$lighthouse" "$url" --quiet --form-factor=mobile \
    --only-categories=accessibility,best-practices,seo,performance \
    --chrome-flags="--headless=new --no-sandbox" \
    --output=json --output-path="$report" >/dev/null
  scores="$(node -e '
    const r = require(process.argv[1]);
    const c = r.categories;
    const s = k => Math.round(c[k].score * 100);
    const min = {"accessibility": 95, "best-practices": 95, "seo": 95, "performance": 90};
    const bad = Object.keys(min).filter(k => s(k) < min[k]);
    console.log(`accessibility ${s("accessibility")}  best-practices ${s("best-practices")}  seo ${s("seo")}  performance ${s("performance")}` + (bad.length ? `  BELOW: ${bad.join(",")}` : ""));
    for (const k of bad) for (const ref of c[k].auditRefs) {
      const a = r.audits[ref.id];
      if (ref.weight > 0 && a.score !== null && a.score < 1) console.log(`    ${k}: ${a.id} (${a.score}) ${a.title}${a.displayValue ? " — " + a.displayValue : ""}`);
    }
    process.exit(bad.length ? 1 : 0);
  ' "$report")" || fail=1
  echo "lighthouse ($build build, mobile) $url: $scores"
done
echo "reports: $out"
exit "$fail"
