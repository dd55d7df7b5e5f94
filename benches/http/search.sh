#!/usr/bin/env bash
# The search benchmark (issue 16): starts a release tijara-storefront (built beforehand:
# `cargo build --release -p tijara-storefront`) on a fresh database with the 10,000-product
# search catalog (`--seed-search-benchmark`), runs search.mjs (c=32) and stops it.
#
#   benches/http/search.sh target/release/tijara-storefront            # SQLite (rusqlite)
#   BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432 \
#     benches/http/search.sh target/release/tijara-storefront postgres  # a fresh PostgreSQL database
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:?usage: search.sh <path to tijara-storefront> [sqlite|postgres]}"
backend="${2:-sqlite}"
port="${BENCH_PORT:-8096}"
data="$(mktemp -d /tmp/tijara-search-bench.XXXXXX)"
[ -d "$here/node_modules" ] || (cd "$here" && npm ci --no-audit --no-fund >/dev/null)
db_args=()
if [ "$backend" = postgres ]; then
  pg="${BENCH_POSTGRES_URL:?set BENCH_POSTGRES_URL=postgres://user@host:port (without a database)}"
  name="tijara_search_bench_$$"
  psql "$pg/postgres" -qc "CREATE DATABASE $name" >/dev/null
  db_args=(--database-url "$pg/$name")
fi
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  if [ "$backend" = postgres ]; then psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $name" >/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT
t0=$(date +%s)
RUST_LOG="${RUST_LOG:-warn}" "$bin" --bind "127.0.0.1:$port" --data-dir "$data" \
  --public-url "http://127.0.0.1:$port" --seed-search-benchmark "${db_args[@]}" >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 1 6000); do
  if curl -fs "http://127.0.0.1:$port/api/v1/products?limit=1" >/dev/null 2>&1; then break; fi
  kill -0 "$server" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
  sleep 0.1
done
echo "$(basename "$bin") ($backend), $(nproc) CPUs, catalog seeded in $(( $(date +%s) - t0 )) s"
pg_flag=()
[ "$backend" = postgres ] && pg_flag=(--postgres)
node "$here/search.mjs" --base "http://127.0.0.1:$port" --pid "$server" "${pg_flag[@]}"
