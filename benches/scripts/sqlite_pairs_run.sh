#!/bin/bash
# The HTTP checkout on SQLite at c = 8 (benches/http/run.sh, 10 s windows), once per binary given
# (alternate them: A B B A ...), one line each: checkouts/s, p50/p95/p99, server CPU per
# checkout, RSS and the stock verification.
#
#   benches/scripts/sqlite_pairs_run.sh /work/bins/old /work/bins/new /work/bins/new /work/bins/old
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
for bin in "$@"; do
  out=$(BENCH_PORT="${BENCH_PORT:-8196}" BENCH_LEVELS=8 BENCH_WINDOW=10 BENCH_WARMUP=2 BENCH_GLOBAL_WARMUP=2 \
    BENCH_READS= "$here/benches/http/run.sh" "$bin" sqlite 2>&1 | grep "c= 8")
  echo "$(basename "$bin") $(echo "$out" | sed -E 's/c= 8: ([0-9.]+) checkouts.*p50\/p95\/p99 ([0-9.\/]+) ms.*server CPU ([0-9.]+) ms.*RSS ([0-9]+ MiB).*(verification: [a-z]+).*/\1\/s p \2 cpu \3 rss \4 \5/')"
done
