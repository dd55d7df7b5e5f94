#!/bin/bash
# A real crash of PostgreSQL under a running storefront (issue 15, step 25): a cart gets an
# item, one PostgreSQL backend is killed with SIGKILL (PostgreSQL then ends every connection and
# recovers from its WAL, emptying the unlogged `incarnation` table), and the same cart gets a
# second item. Checks that the row was emptied, that the change after the crash is accepted
# (200), that the storefront logged "the database restarted" and that the database holds a new
# token. It crashes the whole server for a moment: never run it where other work uses that
# PostgreSQL (CI does not run it).
#
#   benches/scripts/pg_crash_incarnation.sh target/release/tijara-storefront
#
# Environment: PG (postgres://postgres@127.0.0.1:5432, a superuser on the local server), PORT (8097).
set -euo pipefail
bin="${1:?usage: pg_crash_incarnation.sh <path to tijara-storefront>}"
pg="${PG:-postgres://postgres@127.0.0.1:5432}"
port="${PORT:-8097}"
db="tj_crash_$$"
data="$(mktemp -d /tmp/tijara-crash.XXXXXX)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT
psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null
RUST_LOG=warn "$bin" --bind "127.0.0.1:$port" --data-dir "$data" --public-url "http://127.0.0.1:$port" \
  --seed-benchmark --database-url "$pg/$db" >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$port/api/v1/products?limit=2" >"$data/products.json" 2>/dev/null && break
  sleep 0.2
done
read -r a b < <(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); \
print(' '.join(i['variants'][0]['variant']['id'] for i in d['items'][:2]))" "$data/products.json")
cart=$(curl -fs -X POST -H 'content-type: application/json' -d '{}' "http://127.0.0.1:$port/api/v1/carts" \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['cart']['id'])")
add() {
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' \
    -d "{\"variant_id\":\"$1\",\"quantity\":1}" "http://127.0.0.1:$port/api/v1/carts/$cart/items"
}
echo "first item: $(add "$a")"
before=$(psql "$pg/$db" -Atc "select token from incarnation")
victim=$(psql "$pg/postgres" -Atc "select pid from pg_stat_activity where datname = '$db' limit 1")
echo "token $before; kill -9 of backend $victim"
kill -9 "$victim"
for _ in $(seq 1 60); do pg_isready -q -d "$pg/postgres" && break; sleep 0.5; done
sleep 1
rows=$(psql "$pg/$db" -Atc "select count(*) from incarnation")
echo "incarnation rows after the crash: $rows"
status=$(add "$b")
after=$(psql "$pg/$db" -Atc "select token from incarnation")
echo "second item after the crash: $status; token $after"
ok=1
[ "$rows" = 0 ] || { echo "FAIL: crash recovery left the incarnation row"; ok=0; }
[ "$status" = 200 ] || { echo "FAIL: the change after the crash answered $status"; ok=0; }
[ -n "$after" ] && [ "$after" != "$before" ] || { echo "FAIL: no new token"; ok=0; }
grep -q "the database restarted" "$data/server.log" || { echo "FAIL: no 'the database restarted' log line"; ok=0; }
[ "$ok" = 1 ] && echo "ok: the storefront noticed the crash by itself"
[ "$ok" = 1 ]
