#!/bin/bash
# The HTTP checkout on PostgreSQL at c = 8 (benches/http/run.sh), once per binary given, with the
# statements and transactions each order cost, counted by pg_stat_statements: reset before each
# run, read after it, divided by the orders the run placed (warm-up included).
#
#   benches/scripts/pg_statements_run.sh /work/bins/old /work/bins/new /work/bins/new /work/bins/old
#
# Needs pg_stat_statements loaded (shared_preload_libraries = 'pg_stat_statements', a restart,
# then CREATE EXTENSION pg_stat_statements in the database `postgres`). Environment:
# BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432), the server for the runs,
# STATS_URL (the same, database postgres), where the statistics are read, and STATS_TOP (0): that
# many statements, the costliest first, each with its calls, execution ms and shared buffers per
# order (and per call).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
pg="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
stats="${STATS_URL:-$pg/postgres}"
for bin in "$@"; do
  psql "$stats" -qAtc "select pg_stat_statements_reset()" >/dev/null
  out=$(BENCH_POSTGRES_URL="$pg" BENCH_LEVELS=8 BENCH_WINDOW=10 BENCH_WARMUP=2 BENCH_GLOBAL_WARMUP=2 \
    BENCH_READS= "$here/benches/http/run.sh" "$bin" postgres 2>&1 | grep "c= 8")
  orders=$(echo "$out" | sed -E 's/.*exact \(([0-9]+) orders.*/\1/')
  per=$(psql "$stats" -Atc "select round(sum(calls)::numeric/$orders,1), \
    round((sum(calls) filter (where query ilike 'BEGIN%'))::numeric/$orders,2) \
    from pg_stat_statements where query not ilike '%pg_stat%' and query not ilike '%DATABASE%'")
  if [[ "${STATS_TOP:-0}" =~ ^[1-9][0-9]*$ ]]; then
    psql "$stats" -Atc "select round(calls::numeric/$orders,2) || ' calls, ' || \
      round(total_exec_time::numeric/$orders,3) || ' ms, ' || \
      round((shared_blks_hit+shared_blks_read)::numeric/$orders,1) || ' buffers (' || \
      round((shared_blks_hit+shared_blks_read)::numeric/greatest(calls,1),1) || ' a call): ' || \
      left(regexp_replace(query, '\s+', ' ', 'g'), 70) from pg_stat_statements \
      where query not ilike '%pg_stat%' and query not ilike '%DATABASE%' \
      order by total_exec_time desc limit ${STATS_TOP}" | sed 's/^/    /'
  fi
  echo "$(basename "$bin") $(echo "$out" | sed -E 's/c= 8: ([0-9.]+) checkouts.*server CPU ([0-9.]+) ms.*PostgreSQL CPU ([0-9.]+) ms.*/\1\/s server \2 pg \3/') orders $orders statements|transactions per order ${per/|/ }"
done
