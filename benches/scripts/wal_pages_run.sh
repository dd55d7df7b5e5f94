#!/bin/bash
# The pages a checkout writes, by b-tree: starts BIN on a fresh --seed-benchmark SQLite shop,
# runs benches/http/load.mjs at c = C for SECONDS (default 1 and 2: at c = 1 each order is one
# commit and ~1,000 frames, the log's length between checkpoints, cover ~30 checkouts), kills
# the server with -9 so the log stays, and reads it with wal_pages.py
# (docs/benchmarks.md, 2026-12-04 step 12).
#   benches/scripts/wal_pages_run.sh target/release/tijara-storefront [C] [SECONDS] [--detail]
bin=$1; c=${2:-1}; secs=${3:-2}; port=${BENCH_PORT:-8297}
here="$(cd "$(dirname "$0")/.." && pwd)"
data=$(mktemp -d /tmp/tijara-wal.XXXXXX)
RUST_LOG=warn "$bin" --bind 127.0.0.1:$port --data-dir "$data" --public-url http://127.0.0.1:$port \
  --seed-benchmark > "$data/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$port/api/v1/products?limit=1" >/dev/null 2>&1 && break; sleep 0.1; done
sleep 6 # the seed's messages leave and its checkpoints pass
node "$here/http/load.mjs" --base http://127.0.0.1:$port --pid $pid --db "sqlite:$data/tijara.db" \
  --levels "$c" --window "$secs" --warmup 0 --global-warmup 1 --reads '' 2>&1 | grep -E "^c=" | cut -c1-150
sleep 0.5
kill -9 $pid
wait $pid 2>/dev/null
python3 "$here/scripts/wal_pages.py" "$data/tijara.db" $4
rm -rf "$data"
