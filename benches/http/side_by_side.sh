#!/usr/bin/env bash
# Tijara and Vendure 3.7.3 side by side on the checkout workload (shared/bench/CHECKOUT-WORKLOAD.md),
# both on SQLite, alternating in one run (T V, V T, T V, ...), then one table of every round and
# the ratios issue 15 asks about (Tijara/Vendure checkouts/s and Vendure p99 / Tijara p99 at c=8).
#
#   benches/http/side_by_side.sh /work/bin/tijara-storefront
#
# Tijara runs through run.sh (a fresh data folder, --seed-benchmark, load.mjs); Vendure through
# vendure/server.mjs on a fresh copy of a database seeded once by vendure/seed.mjs, driven by
# vendure.mjs. Both drivers print the same lines; each round's output is kept in the output folder.
#
# Vendure is installed from the npm registry with `npm ci` from vendure/package-lock.json into
# VENDURE_DIR (default /work/vendure-run, outside the repository; our config, server and seed
# scripts are copied there, Vendure's own code stays in its node_modules). Needs node >= 20,
# sqlite3 and curl.
#
# Environment: SBS_ROUNDS (3), BENCH_LEVELS (8; e.g. 1,8), BENCH_WINDOW (20), BENCH_WARMUP (5),
# BENCH_GLOBAL_WARMUP (15), BENCH_READS (none; product and/or list: the read loads too, both sides),
# VENDURE_DIR, VENDURE_PORT (3095), BENCH_PORT (Tijara's, 8095), SBS_OUT (the output folder, by
# default a new one under /tmp), SBS_PAUSE_COMPILERS=1 (stop the machine's rustc and cc1 processes,
# by pid, including those started meanwhile, during each run and continue them right after, also
# on exit or interruption).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:?usage: side_by_side.sh <path to tijara-storefront>}"
[ -x "$bin" ] || { echo "$bin: not an executable" >&2; exit 2; }
rounds="${SBS_ROUNDS:-3}"
export BENCH_LEVELS="${BENCH_LEVELS:-8}"
export BENCH_WINDOW="${BENCH_WINDOW:-20}"
export BENCH_WARMUP="${BENCH_WARMUP:-5}"
export BENCH_GLOBAL_WARMUP="${BENCH_GLOBAL_WARMUP:-15}"
export BENCH_READS="${BENCH_READS:-}"
vdir="${VENDURE_DIR:-/work/vendure-run}"
vport="${VENDURE_PORT:-3095}"
out="${SBS_OUT:-$(mktemp -d /tmp/side-by-side.XXXXXX)}"
mkdir -p "$out"

# ---- Vendure: install (once per lock file), seed a template database (once) ----
mkdir -p "$vdir/data"
for f in package.json package-lock.json config.mjs server.mjs seed.mjs; do cp "$here/vendure/$f" "$vdir/$f"; done
if ! cmp -s "$vdir/package-lock.json" "$vdir/node_modules/.installed-lock.json" 2>/dev/null; then
  (cd "$vdir" && npm ci --no-audit --no-fund >"$vdir/npm-ci.log" 2>&1) || { tail -20 "$vdir/npm-ci.log" >&2; exit 1; }
  cp "$vdir/package-lock.json" "$vdir/node_modules/.installed-lock.json"
fi
[ -d "$here/node_modules" ] || (cd "$here" && npm ci --no-audit --no-fund >/dev/null)
template="$vdir/data/template.db"
if [ ! -s "$template" ] || [ "$here/vendure/seed.mjs" -nt "$template" ] || [ "$here/vendure/config.mjs" -nt "$template" ]; then
  rm -f "$template" "$template-wal" "$template-shm"
  (cd "$vdir" && node seed.mjs "$template" >"$vdir/data/seed.log" 2>&1) || { tail -20 "$vdir/data/seed.log" >&2; exit 1; }
fi

# ---- pausing the machine's compilers (by pid) during a measured run ----
# A watcher stops every rustc/cc1/cc1plus it sees twice a second (cargo starts new ones while a
# run goes on), noting each pid first; resume stops the watcher and continues every noted pid.
pauser=""
pausefile=""
pause() {
  [ "${SBS_PAUSE_COMPILERS:-0}" = 1 ] || return 0
  pausefile="$(mktemp /tmp/sbs-paused.XXXXXX)"
  (
    while :; do
      for p in $(pgrep -x rustc; pgrep -x cc1; pgrep -x cc1plus); do
        grep -qx "$p" "$pausefile" || { echo "$p" >>"$pausefile"; kill -STOP "$p" 2>/dev/null || true; }
      done
      sleep 0.5
    done
  ) &
  pauser=$!
}
resume() {
  if [ -n "$pauser" ]; then kill "$pauser" 2>/dev/null || true; wait "$pauser" 2>/dev/null || true; fi
  pauser=""
  if [ -n "$pausefile" ]; then
    local pids=()
    mapfile -t pids <"$pausefile"
    if [ "${#pids[@]}" -gt 0 ]; then kill -CONT "${pids[@]}" 2>/dev/null || true; fi
    rm -f "$pausefile"
    pausefile=""
  fi
}

vserver=""
vdb=""
cleanup() {
  resume
  if [ -n "$vserver" ]; then kill "$vserver" 2>/dev/null && wait "$vserver" 2>/dev/null || true; fi
  [ -n "$vdb" ] && rm -f "$vdb" "$vdb-wal" "$vdb-shm" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run_tijara() { # round
  pause
  BENCH_GLOBAL_WARMUP="$BENCH_GLOBAL_WARMUP" "$here/run.sh" "$bin" sqlite >"$out/tijara-$1.txt" 2>&1 || echo "tijara round $1 failed (see $out/tijara-$1.txt)" >&2
  resume
}
run_vendure() { # round
  vdb="$vdir/data/round-$1.db"
  rm -f "$vdb" "$vdb-wal" "$vdb-shm"
  cp "$template" "$vdb"
  pause
  (cd "$vdir" && exec node server.mjs "$vdb" "$vport") >"$out/vendure-server-$1.log" 2>&1 &
  vserver=$!
  local ready=0
  for _ in $(seq 1 600); do
    if curl -fs -o /dev/null -H 'content-type: application/json' -d '{"query":"{ activeChannel { code } }"}' "http://127.0.0.1:$vport/shop-api"; then ready=1; break; fi
    kill -0 "$vserver" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$ready" = 1 ]; then
    { echo "Vendure 3.7.3 (sqlite), $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
      node "$here/vendure.mjs" --base "http://127.0.0.1:$vport" --pid "$vserver" --db "sqlite:$vdb"; } >"$out/vendure-$1.txt" 2>&1 \
      || echo "vendure round $1 failed (see $out/vendure-$1.txt)" >&2
  else
    echo "vendure round $1: the server did not start (see $out/vendure-server-$1.log)" >&2
    cp "$out/vendure-server-$1.log" "$out/vendure-$1.txt"
  fi
  kill "$vserver" 2>/dev/null && wait "$vserver" 2>/dev/null || true
  vserver=""
  resume
  rm -f "$vdb" "$vdb-wal" "$vdb-shm"
  vdb=""
}

echo "side by side: $rounds rounds, levels $BENCH_LEVELS, window ${BENCH_WINDOW}s, warm-up ${BENCH_WARMUP}s (global ${BENCH_GLOBAL_WARMUP}s); output in $out"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then run_tijara "$r"; run_vendure "$r"; else run_vendure "$r"; run_tijara "$r"; fi
  echo "round $r done ($(date -u +%H:%M:%S) UTC)"
done

# ---- the table ----
node --input-type=module - "$out" "$rounds" <<'EOF'
import { readFileSync, existsSync } from 'node:fs';
const [dir, rounds] = process.argv.slice(2);
const re = /^c=\s*(\d+): ([\d.]+) checkouts\/s \((\d+) in [\d.]+s, (\d+) failed[^)]*\), checkout p50\/p95\/p99 ([\d.]+)\/([\d.]+)\/([\d.]+) ms, add-item p50\/p99 ([\d.]+)\/([\d.]+) ms, server CPU ([\d.]+|n\/a)(?: ms)?\/checkout.*?, RSS (\d+) MiB \(peak (\d+) MiB\), verification: (.*)$/;
const rows = [];
for (let r = 1; r <= Number(rounds); r++) {
  for (const server of ['tijara', 'vendure']) {
    const file = `${dir}/${server}-${r}.txt`;
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    let found = false;
    for (const line of text.split('\n')) {
      const m = re.exec(line);
      if (!m) continue;
      found = true;
      rows.push({ r, server, c: Number(m[1]), rate: Number(m[2]), failed: Number(m[4]), p50: Number(m[5]), p95: Number(m[6]), p99: Number(m[7]), cpu: m[10], rss: Number(m[11]), peak: Number(m[12]), check: m[13] });
    }
    if (!found) rows.push({ r, server, c: null, missing: true });
  }
}
const pad = (s, n) => String(s).padEnd(n);
console.log('| round | server | c | checkouts/s | failed | p50 / p95 / p99 ms | CPU ms/checkout | RSS (peak) MiB | verification |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const x of rows) {
  if (x.missing) { console.log(`| ${x.r} | ${x.server} | - | no result | | | | | |`); continue; }
  console.log(`| ${x.r} | ${x.server} | ${x.c} | ${x.rate.toFixed(1)} | ${x.failed} | ${x.p50.toFixed(1)} / ${x.p95.toFixed(1)} / ${x.p99.toFixed(1)} | ${x.cpu} | ${x.rss} (${x.peak}) | ${x.check} |`);
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
console.log('');
const levels = [...new Set(rows.filter((x) => !x.missing).map((x) => x.c))].sort((a, b) => a - b);
for (const c of levels) {
  const tput = []; const p99 = [];
  for (let r = 1; r <= Number(rounds); r++) {
    const t = rows.find((x) => x.r === r && x.server === 'tijara' && x.c === c);
    const v = rows.find((x) => x.r === r && x.server === 'vendure' && x.c === c);
    if (!t || !v) continue;
    tput.push(t.rate / v.rate);
    p99.push(v.p99 / t.p99);
    console.log(`c=${c} round ${r}: Tijara/Vendure checkouts/s ${(t.rate / v.rate).toFixed(1)}x, Vendure p99 / Tijara p99 ${(v.p99 / t.p99).toFixed(1)}x`);
  }
  if (tput.length) {
    const mt = median(tput); const mp = median(p99);
    console.log(`c=${c} median of ${tput.length} rounds: throughput ${mt.toFixed(1)}x (goal >= 100x: ${mt >= 100 ? 'met' : 'NOT met'}), p99 ${mp.toFixed(1)}x lower (goal >= 50x, i.e. Tijara p99 <= 1/50 of Vendure's: ${mp >= 50 ? 'met' : 'NOT met'})`);
  }
}
EOF
