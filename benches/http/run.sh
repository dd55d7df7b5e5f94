#!/usr/bin/env bash
# The outside-client HTTP benchmark: starts a tijara-storefront binary (built beforehand, e.g.
# `cargo build --release -p tijara-storefront`; this script builds nothing) on a fresh data
# folder with the benchmark catalog, runs load.mjs against it, and stops it.
#
#   benches/http/run.sh target/release/tijara-storefront                 # SQLite
#   BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432 \
#     benches/http/run.sh target/release/tijara-storefront postgres       # a fresh PostgreSQL database
#   (BENCH_POSTGRES_URL=postgres://postgres@%2Fvar%2Frun%2Fpostgresql: over the Unix socket)
#   benches/http/run.sh target/release/tijara-storefront sqlx-sqlite    # SQLite through sqlx
#
# Environment: BENCH_PORT (default 8095), BENCH_LEVELS (1,8,32), BENCH_WINDOW (30),
# BENCH_WARMUP (5), BENCH_GLOBAL_WARMUP (15), BENCH_READ_WINDOW (20), BENCH_READS (product;
# `product,list` adds the list; `page` reads the HTML product page `/products/<slug>`),
# BENCH_PERF=1 (perf stat of the server in each window), BENCH_KEEP=1 (keep the data folder),
# BENCH_SQLITE_READS (inline, pool or threads: the rusqlite adapter's read mode, passed as
# `reads=` in the database URL), BENCH_SQLITE_QUERY (more of that URL's query, e.g.
# `mmap_size=268435456`), BENCH_EMPTY_CART=1 (each checkout creates its cart empty, then adds
# its first item: one request more, as up to 2026-12-06's step 45), BENCH_STEPS=1 (each
# request's p50/p90/p99 per level, from load.mjs), BENCH_TMP (the folder the data folder is made in, default
# /tmp; /dev/shm puts the database in memory, where fsync costs nothing), BENCH_OPS=1 (the server with tracing and metrics on: the default
# log filter (info) in JSON, --metrics-bind on BENCH_PORT+1000, scraped every 5 s). Needs
# node >= 20 and `npm ci` in benches/http (done here
# when node_modules is missing), sqlite3 (or psql) to count the orders.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:?usage: run.sh <path to tijara-storefront> [sqlite|postgres]}"
backend="${2:-sqlite}"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
port="${BENCH_PORT:-8095}"
data="$(mktemp -d "${BENCH_TMP:-/tmp}/tijara-http-bench.XXXXXX")"
[ -d "$here/node_modules" ] || (cd "$here" && npm ci --no-audit --no-fund >/dev/null)

db_args=()
case "$backend" in
  sqlite)
    db="sqlite:$data/tijara.db"
    # BENCH_SQLITE_READS=inline|pool|threads: the rusqlite adapter's read mode (URL `reads=`).
    # BENCH_SQLITE_QUERY=mmap_size=268435456 (or several, joined by &): more of the URL's query.
    query="${BENCH_SQLITE_READS:+reads=$BENCH_SQLITE_READS}"
    if [ -n "${BENCH_SQLITE_QUERY:-}" ]; then query="${query:+$query&}$BENCH_SQLITE_QUERY"; fi
    if [ -n "$query" ]; then
      db_args=(--database-url "sqlite://$data/tijara.db?$query")
    fi
    ;;
  # The same SQLite file through sqlx's adapter (the storefront's default before issue 15).
  sqlx-sqlite)
    db="sqlite:$data/tijara.db"
    db_args=(--database-url "sqlx+sqlite://$data/tijara.db")
    ;;
  postgres)
    pg="${BENCH_POSTGRES_URL:?set BENCH_POSTGRES_URL=postgres://user@host:port (without a database)}"
    name="tijara_http_bench_$$"
    psql "$pg/postgres" -qc "CREATE DATABASE $name" >/dev/null
    db="postgres:$pg/$name"
    db_args=(--database-url "$pg/$name")
    ;;
  *) echo "backend: sqlite, sqlx-sqlite or postgres" >&2; exit 2 ;;
esac

server=""
cleanup() {
  [ -n "${scraper:-}" ] && kill "$scraper" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  if [ "$backend" = postgres ]; then psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $name" >/dev/null || true; fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "data kept in $data" >&2; else rm -rf "$data"; fi
}
trap cleanup EXIT

# RUST_LOG as the operator gives it; by default the server's own logs only (warnings).
ops_args=()
if [ "${BENCH_OPS:-0}" = 1 ]; then
  # Operations on: the storefront's default log filter (info, one line per gateway call...) as
  # JSON, and Prometheus metrics recorded and scraped like a Prometheus server would.
  unset RUST_LOG
  ops_args=(--log-format json --metrics-bind "127.0.0.1:$((port + 1000))")
else
  export RUST_LOG="${RUST_LOG:-warn}"
fi
"$bin" --bind "127.0.0.1:$port" --data-dir "$data" \
  --public-url "http://127.0.0.1:$port" --seed-benchmark "${db_args[@]}" "${ops_args[@]}" >"$data/server.log" 2>&1 &
server=$!
scraper=""
if [ "${BENCH_OPS:-0}" = 1 ]; then
  (while sleep 5; do curl -fs "http://127.0.0.1:$((port + 1000))/metrics" >/dev/null || true; done) &
  scraper=$!
fi
for _ in $(seq 1 600); do
  if curl -fs "http://127.0.0.1:$port/api/v1/products?limit=1" >/dev/null 2>&1; then break; fi
  kill -0 "$server" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
  sleep 0.1
done
echo "$(basename "$bin") ($backend), $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
node "$here/load.mjs" --base "http://127.0.0.1:$port" --pid "$server" --db "$db"
