#!/bin/bash
# What the key and owner removals cost in a cart's update on PostgreSQL: the lone update's
# statement (tijara-store-sqlx's UPDATE_DOC_AT_CATALOG_DEFERRED_PG, with literals for its
# parameters) run by `pgbench -M prepared -c 1` with its `k` and `o` parts ("with") and without
# them ("without"), alternated, on a scratch database migrated by the storefront BIN and holding
# 1,000 carts of ~2.5 KB. Prints per run the updates, their rate and PostgreSQL's CPU per update:
# the ticks of every postgres process plus the postmaster's reaped children (pgbench's backend
# exits with its run), over the updates.
#
#   benches/scripts/pg_cart_update_parts.sh /work/bins/base [pairs=3] [seconds=5]
#
# BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432): the server, without a database.
set -euo pipefail
bin="$1"; pairs="${2:-3}"; secs="${3:-5}"
pg="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
db="tj_cart_update_$$"; dir="$(mktemp -d)"
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null
"$bin" --bind 127.0.0.1:8498 --data-dir "$dir/data" --public-url http://127.0.0.1:8498 \
  --database-url "$pg/$db" >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do grep -q "Tijara storefront on" "$dir/server.log" && break; sleep 0.5; done
kill "$server"; wait "$server" 2>/dev/null || true; server=""
psql "$pg/$db" -qc "INSERT INTO docs (kind, id, version, body) \
  SELECT 'cart', 'c' || g, 1, repeat('x', 2500) FROM generate_series(1, 1000) g" >/dev/null
body="{\"a\":\"$(head -c 2400 /dev/zero | tr '\0' y)\"}"
update="UPDATE docs SET version = version + 1, body = '$body' WHERE kind = 'cart' AND id = 'c' || :id \
AND version >= 0 AND EXISTS (SELECT 1 FROM catalog_version WHERE id = 1) RETURNING id"
tail="SELECT count(*) FROM u, (SELECT set_config('synchronous_commit', 'off', true)) AS deferred;"
printf '\\set id random(1, 1000)\nWITH u AS (%s), k AS (DELETE FROM doc_keys WHERE kind = '"'cart'"' AND id IN (SELECT id FROM u)), o AS (DELETE FROM doc_owners WHERE kind = '"'cart'"' AND id IN (SELECT id FROM u)) %s\n' \
  "$update" "$tail" >"$dir/with.sql"
printf '\\set id random(1, 1000)\nWITH u AS (%s) %s\n' "$update" "$tail" >"$dir/without.sql"
ticks() {
  local sum=0 p f
  for p in $(pgrep -x postgres); do
    f=($(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null)) || continue
    # utime + stime (fields 14-15); for the postmaster (no postgres parent) also its reaped
    # children's cutime + cstime (16-17).
    sum=$((sum + f[11] + f[12]))
    if [ "$(ps -o comm= -p "${f[1]}" 2>/dev/null)" != postgres ]; then sum=$((sum + f[13] + f[14])); fi
  done
  echo "$sum"
}
hz=$(getconf CLK_TCK)
for i in $(seq 1 "$pairs"); do
  for form in with without; do
    a=$(ticks)
    out=$(pgbench -n -M prepared -c 1 -T "$secs" -f "$dir/$form.sql" "$pg/$db" 2>&1)
    b=$(ticks)
    n=$(sed -n 's/number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
    echo "$form: $n updates, $((n / secs))/s, PostgreSQL CPU $(echo "scale=4; ($b - $a) * 1000 / $hz / $n" | bc) ms per update"
  done
done
